//! One person's record, in tabs. Clinical detail is drawn only when the state says it is
//! visible (an HCP, or after an audited break-glass); otherwise the place says "HCP only".

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

use super::theme::Theme;
use crate::app::{App, RecordState, RecordTab};
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{CheckStatus, ObservationLevel, to_london_with_day};

pub fn render(app: &App, r: &RecordState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let [title_area, tabs_area, body_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let e = &r.view.entry;
    let age = r
        .view
        .entry
        .date_of_birth
        .map(|dob| {
            crate::domain::person::age_on(dob, crate::domain::observation::london_date(app.now))
                .to_string()
        })
        .unwrap_or_else(|| "?".into());
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(" {}, {}", e.surname.to_uppercase(), e.forenames),
                theme.title(),
            ),
            Span::raw(format!(
                "  age {age}  ·  {}  ·  cell {}",
                e.custody_no, e.cell
            )),
        ])),
        title_area,
    );
    let titles: Vec<Line<'_>> = RecordTab::ALL
        .iter()
        .map(|t| Line::from(t.title()))
        .collect();
    let selected = RecordTab::ALL.iter().position(|t| *t == r.tab).unwrap_or(0);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(theme.selected())
            .divider("|"),
        tabs_area,
    );
    let lines = match r.tab {
        RecordTab::Summary => summary(app, r, theme),
        RecordTab::Risk => risk(r, theme),
        RecordTab::CarePlan => care_plan(app, r, theme),
        RecordTab::Health => super::clinical::health_lines(app, r, theme, body_area.width),
        RecordTab::History => history(r, theme),
    };
    let text_area = body_area;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((r.scroll, 0))
            .block(Block::default().borders(Borders::TOP)),
        text_area,
    );
    if let Some(dialog) = &r.dialog {
        let width = area.width.saturating_sub(8).min(70);
        let popup = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + area.height / 3,
            width,
            height: 7,
        };
        frame.render_widget(Clear, popup);
        let mut lines = vec![
            Line::from("Why do you need the clinical detail? This is recorded in the audit log."),
            Line::from(vec![
                Span::styled("Reason: ", theme.key()),
                Span::raw(format!("{}_", dialog.reason)),
            ]),
        ];
        if let Some(error) = &dialog.error {
            lines.push(Line::from(Span::styled(error.clone(), theme.error())));
        }
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Break glass "),
            ),
            popup,
        );
    }
}

fn label<'a>(name: &'a str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<22}"), theme.dim()),
        Span::raw(value),
    ])
}

fn summary<'a>(app: &App, r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    let v = &r.view;
    let e = &v.entry;
    let row = crate::app::board::board_row(e, app.now);
    let next = match row.check_status(app.now) {
        Some(s @ CheckStatus::Overdue { .. }) => format!("OVERDUE {}", s.countdown()),
        Some(s) => format!(
            "{} (in {})",
            row.next_check_due
                .map(to_london_with_day)
                .unwrap_or_default(),
            s.countdown()
        ),
        None => "constant observation".into(),
    };
    let level = row.observation_level;
    let mut lines = vec![
        label(
            "Date of birth",
            e.date_of_birth
                .map(|d| d.format("%d %b %Y").to_string())
                .unwrap_or_else(|| "not known".into()),
            theme,
        ),
        label(
            "Sex",
            v.sex.clone().unwrap_or_else(|| "not recorded".into()),
            theme,
        ),
        label(
            "NHS number",
            v.nhs_number
                .as_deref()
                .and_then(|n| crate::domain::nhs_number::NhsNumber::parse(n).ok())
                .map(|n| n.to_string())
                .unwrap_or_else(|| "not known".into()),
            theme,
        ),
        label(
            "PNC id",
            v.pnc_id.clone().unwrap_or_else(|| "not known".into()),
            theme,
        ),
        label("Arrived", to_london_with_day(e.arrived_at), theme),
        label(
            "Detention authorised",
            e.authorised_at
                .map(to_london_with_day)
                .unwrap_or_else(|| "not yet".into()),
            theme,
        ),
        label("Arresting officer", v.arresting_officer.clone(), theme),
        label("Reason", v.reason.clone(), theme),
        label(
            "Observation level",
            format!("{} — {}", level.number(), level.label()),
            theme,
        ),
        label("Next check", next, theme),
        label(
            "Seen by an HCP",
            if e.hcp_seen {
                "yes".into()
            } else {
                "not yet".into()
            },
            theme,
        ),
    ];
    lines.extend(super::care::summary_lines(app, r, theme));
    // The HCP's fitness decisions direct what custody staff may do (PACE Code C 9.5-9.8;
    // Annex G for interview): the outcome and its conditions are for everyone, here where
    // the sergeant looks, not only on the Health tab.
    for f in &v.fitness {
        let what = match f.kind.as_str() {
            "detain" => "Fit to detain",
            "interview" => "Fit for interview",
            _ => "Fit to leave",
        };
        let mut text = format!(
            "{} ({} {})",
            if f.fit { "yes" } else { "NO" },
            f.decided_by,
            to_london_with_day(f.decided_at)
        );
        if !f.conditions.is_empty() {
            text = format!("{text}: {}", f.conditions);
        }
        let line = label(what, text, theme);
        lines.push(if f.fit {
            line
        } else {
            line.style(theme.warning())
        });
    }
    // "Lacks capacity now, ask again later" is an answer that asks for a follow-up: say it
    // where everyone looks, so the HCP asks again before the person leaves.
    for c in v
        .consents
        .iter()
        .filter(|c| c.decision == "lacks_capacity_ask_later")
    {
        lines.push(
            label(
                "Consent to ask again",
                format!(
                    "{} (lacked capacity, {} {})",
                    c.scope.replace('_', " "),
                    c.asked_by,
                    to_london_with_day(c.asked_at)
                ),
                theme,
            )
            .style(theme.warning()),
        );
    }
    if e.ready_for_transfer {
        lines.push(label("Transfer", "ready to leave the suite".into(), theme));
    }
    lines.push(Line::default());
    let mut flags = vec![Span::styled(format!("{:<22}", "Flags"), theme.dim())];
    for f in v.flags.iter().filter(|f| !f.from_earlier_detention) {
        let severity = f.severity.parse().unwrap_or(Severity::Information);
        flags.push(Span::styled(
            format!("{} ", f.code),
            theme.severity(severity),
        ));
    }
    lines.push(Line::from(flags));
    lines
}

fn risk<'a>(r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    if r.view.flags.is_empty() {
        return vec![Line::from("No risk flags have been raised.")];
    }
    let mut lines = Vec::new();
    for f in &r.view.flags {
        let severity: Severity = f.severity.parse().unwrap_or(Severity::Information);
        let description = f
            .code
            .parse::<FlagCode>()
            .map(|c| c.description())
            .unwrap_or("");
        lines.push(Line::from(vec![
            Span::styled(format!("{:<5}", f.code), theme.severity(severity)),
            Span::styled(
                format!("{:<12}", severity.label()),
                theme.severity(severity),
            ),
            Span::raw(description),
        ]));
        lines.push(Line::from(format!("      {}", f.reason)));
        let origin = if f.from_earlier_detention {
            "known from previous custody"
        } else {
            "this detention"
        };
        lines.push(Line::from(Span::styled(
            format!(
                "      {} · raised by {} · {} · {origin}",
                f.source,
                f.raised_by,
                to_london_with_day(f.raised_at)
            ),
            theme.dim(),
        )));
        if let Some(answer) = &f.raised_by_answer {
            lines.push(Line::from(Span::styled(
                format!("      raised by the answer to {answer}"),
                theme.dim(),
            )));
        }
    }
    lines
}

fn care_plan<'a>(app: &App, r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    match r.view.plan_history.first() {
        None => lines.push(Line::from(
            "No care plan has been set: level 1 (visited at least hourly) applies until one is.",
        )),
        Some(p) => {
            let level = ObservationLevel::from_number(p.level)
                .map(|l| format!("{} — {}", l.number(), l.label()))
                .unwrap_or_else(|| p.level.to_string());
            lines.push(label("Level", level, theme));
            lines.push(label(
                "Checks",
                match p.interval_minutes {
                    Some(m) => format!(
                        "every {m} minutes{}",
                        if p.rouse { ", roused each visit" } else { "" }
                    ),
                    None => "constant".into(),
                },
                theme,
            ));
            lines.push(label("Instructions", p.instructions.clone(), theme));
            lines.push(label(
                "Set",
                format!("{} by {}", to_london_with_day(p.set_at), p.set_by),
                theme,
            ));
        }
    }
    lines.extend(super::care::care_tab_lines(app, r, theme));
    lines
}

fn history<'a>(r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    if r.view.previous_detentions.is_empty() {
        return vec![Line::from("No earlier detentions in this suite.")];
    }
    let mut lines = vec![Line::from(Span::styled(
        "Earlier detentions",
        theme.title(),
    ))];
    for (custody_no, arrived) in &r.view.previous_detentions {
        lines.push(Line::from(format!(
            "  {custody_no}  arrived {}",
            to_london_with_day(*arrived)
        )));
    }
    lines
}
