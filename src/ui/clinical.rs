//! The Health tab: medication with the next dose due, consent, fitness decisions, referrals,
//! HCP contacts and the NEWS2 trend. What a role may not see never reaches here (the store
//! leaves it out); the tab says "HCP only" in its place.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType};

use super::theme::Theme;
use crate::app::{Action, App, RecordState};
use crate::domain::observation::{CheckStatus, to_london, to_london_with_day};
use crate::keymap::Context;

/// NEWS2 totals at which the clinical response changes: 5 (urgent) and 7 (emergency).
const NEWS2_THRESHOLDS: [f64; 2] = [5.0, 7.0];

/// Rows the NEWS2 chart takes when there is something to chart.
pub fn chart_height(r: &RecordState) -> u16 {
    if r.clinical_visible && r.view.news2.len() >= 2 {
        11
    } else {
        0
    }
}

/// The NEWS2 total over the detention with the response thresholds marked.
pub fn render_news2_chart(
    app: &App,
    r: &RecordState,
    theme: &Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let start = r.view.entry.arrived_at;
    let points: Vec<(f64, f64)> = r
        .view
        .news2
        .iter()
        .map(|s| {
            let hours = (s.recorded_at - start).num_minutes() as f64 / 60.0;
            (hours, s.total.unwrap_or(0) as f64)
        })
        .collect();
    let end = ((app.now - start).num_minutes() as f64 / 60.0).max(1.0);
    let threshold_lines: Vec<Vec<(f64, f64)>> = NEWS2_THRESHOLDS
        .iter()
        .map(|&y| vec![(0.0, y), (end, y)])
        .collect();
    let mut datasets = vec![
        Dataset::default()
            .name("5 urgent")
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(theme.due_soon())
            .data(&threshold_lines[0]),
        Dataset::default()
            .name("7 emergency")
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(theme.overdue())
            .data(&threshold_lines[1]),
    ];
    datasets.push(
        Dataset::default()
            .name("NEWS2")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.title())
            .data(&points),
    );
    let chart = Chart::new(datasets)
        .block(
            Block::default()
                .borders(Borders::NONE)
                .title(Span::styled("NEWS2 since arrival (hours)", theme.title())),
        )
        .x_axis(
            Axis::default()
                .bounds([0.0, end])
                .labels(vec![Line::from("0"), Line::from(format!("{end:.0}h"))]),
        )
        // Evenly spaced labels: ratatui spaces them evenly whatever their text.
        .y_axis(
            Axis::default()
                .bounds([0.0, 12.0])
                .labels(["0", "3", "6", "9", "12"].map(Line::from).to_vec()),
        )
        .style(Style::default());
    frame.render_widget(chart, area);
}

fn heading<'a>(text: &'a str, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(text, theme.title()))
}

/// Everything on the Health tab below the chart.
pub fn health_lines<'a>(app: &App, r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    let v = &r.view;
    let mut lines = Vec::new();

    lines.push(heading("Medication", theme));
    if v.medications.is_empty() {
        lines.push(Line::from("  None recorded."));
    }
    for m in &v.medications {
        let due = match m.next_due.map(|d| (d, CheckStatus::at(d, app.now))) {
            Some((d, s @ CheckStatus::Overdue { .. })) => Span::styled(
                format!("OVERDUE {} (due {})", s.countdown(), to_london(d)),
                theme.overdue(),
            ),
            Some((d, s)) => Span::raw(format!("next {} (in {})", to_london(d), s.countdown())),
            None => Span::styled("as needed", theme.dim()),
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {} {} {} {}  ",
                m.name, m.dose, m.route, m.frequency
            )),
            due,
        ]));
        if let Some(tc) = &m.time_critical {
            lines.push(Line::from(Span::styled(
                format!("    TIME-CRITICAL: {tc}"),
                theme.warning(),
            )));
        }
        if let Some(reason) = &m.reason {
            lines.push(Line::from(Span::styled(
                format!(
                    "    for {reason}; verified with {}",
                    m.verified_with.replace('_', " ")
                ),
                theme.dim(),
            )));
        }
    }

    lines.push(Line::default());
    lines.push(heading("Healthcare practitioner contacts", theme));
    if v.hcp_contacts.is_empty() {
        lines.push(Line::from("  Not yet seen by a healthcare practitioner."));
    }
    for c in &v.hcp_contacts {
        lines.push(Line::from(format!(
            "  {}  {}",
            to_london_with_day(c.seen_at),
            c.seen_by
        )));
        if r.clinical_visible
            && let Some(note) = &c.note
        {
            lines.push(Line::from(format!("      {note}")));
        }
    }
    if !v.fitness.is_empty() {
        lines.push(Line::default());
        lines.push(heading("Fitness", theme));
        for f in &v.fitness {
            let mut text = format!(
                "  {}: {}",
                f.kind.replace('_', "/"),
                if f.fit { "fit" } else { "NOT fit" }
            );
            if !f.conditions.is_empty() {
                text.push_str(&format!(" — {}", f.conditions));
            }
            lines.push(Line::from(text));
            if let Some(reason) = &f.reason {
                lines.push(Line::from(Span::styled(
                    format!("    {reason}"),
                    theme.dim(),
                )));
            }
        }
    }
    if !v.consents.is_empty() {
        lines.push(Line::default());
        lines.push(heading("Consent to share", theme));
        for c in &v.consents {
            lines.push(Line::from(format!(
                "  {}: {} ({} {})",
                c.scope.replace('_', " "),
                c.decision.replace('_', " "),
                c.asked_by,
                to_london_with_day(c.asked_at)
            )));
        }
    }
    if !v.referrals.is_empty() {
        lines.push(Line::default());
        lines.push(heading("Referrals", theme));
        for f in &v.referrals {
            lines.push(Line::from(format!(
                "  {} by {} {}",
                f.kind.replace('_', " "),
                f.made_by,
                to_london_with_day(f.made_at)
            )));
            if let Some(c) = &f.content {
                lines.push(Line::from(Span::styled(
                    format!("    {}", c.reason),
                    theme.dim(),
                )));
            }
        }
    }

    lines.extend(appointment_lines(v, theme));

    if r.clinical_visible && !v.news2.is_empty() {
        lines.push(Line::default());
        lines.push(heading(
            "NEWS2           RR  SpO2   BP  Pulse  Temp  Total  Response",
            theme,
        ));
        for s in v.news2.iter().rev() {
            let i = &s.inputs;
            let temp = i["temperature_tenths"].as_u64().unwrap_or(0);
            lines.push(Line::from(format!(
                "  {}  {:>3}  {:>3}%  {:>3}  {:>5}  {:>2}.{}  {:>5}  {}",
                to_london_with_day(s.recorded_at),
                i["respiration_rate"].to_string(),
                i["spo2"].to_string(),
                i["systolic_bp"].to_string(),
                i["pulse"].to_string(),
                temp / 10,
                temp % 10,
                s.total.unwrap_or(0),
                s.band
            )));
        }
    }

    if !r.clinical_visible {
        lines.push(Line::default());
        let key = app
            .keymap
            .keys_for(Context::Record, Action::BreakGlass)
            .into_iter()
            .next()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "break_glass".into());
        lines.push(Line::from(Span::styled(
            "Clinical notes, scores and medication reasons: HCP only.",
            theme.warning(),
        )));
        lines.push(Line::from(format!(
            "In an emergency press {key} to break glass: you will be asked why, and it is audited."
        )));
    }
    lines
}

/// Appointments after release, soonest first: when for everyone (the sergeant tells the
/// person at release), which service and where for HCPs (the store leaves them out otherwise).
fn appointment_lines<'a>(v: &crate::store::custody::RecordView, theme: &Theme) -> Vec<Line<'a>> {
    use crate::domain::appointment::appointment_time;
    let mut lines = Vec::new();
    if v.appointments.is_empty() && v.known_appointments.is_empty() {
        return lines;
    }
    lines.push(Line::default());
    lines.push(heading("Appointments after release", theme));
    for a in &v.appointments {
        let (what, place) = match (&a.service, &a.place) {
            (Some(service), Some(place)) => (service.clone(), format!("at {place}; ")),
            _ => ("service and place: HCP only".to_string(), String::new()),
        };
        lines.push(Line::from(format!("  {}  {what}", appointment_time(a.at))));
        lines.push(Line::from(Span::styled(
            format!(
                "    {place}booked by {} {}",
                a.made_by,
                to_london_with_day(a.made_at)
            ),
            theme.dim(),
        )));
    }
    for k in &v.known_appointments {
        let from = format!(
            "known from {}, {}",
            k.source_suite,
            crate::domain::observation::london_date(k.signed_at).format("%-d %b %Y")
        );
        let text = k.text.as_deref().map_or("details: HCP only", |t| {
            t.strip_prefix("Appointment after release: ").unwrap_or(t)
        });
        lines.push(Line::from(format!("  {text}")));
        lines.push(Line::from(Span::styled(format!("    {from}"), theme.dim())));
    }
    lines
}
