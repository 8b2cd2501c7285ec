//! Booking in: the person search, the details, and the "already known" banner. The form
//! itself is drawn by [`super::form`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::board::truncate;
use super::theme::Theme;
use crate::app::booking::{BannerState, BookingState, BookingStep, DetailsState, SearchState, ago};
use crate::app::{Action, App};
use crate::domain::flag::Severity;
use crate::domain::observation::london_date;
use crate::keymap::Context;

pub fn render(app: &App, b: &BookingState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    match &b.step {
        BookingStep::Search(s) => search(app, s, theme, frame, area),
        BookingStep::Details(d) => details(d, theme, frame, area),
        BookingStep::Banner(banner) => render_banner(app, banner, theme, frame, area),
        BookingStep::Form(f) => super::form::render(app, f, theme, frame, area),
    }
}

/// The first key bound to an action on the form context, for the in-screen instructions.
pub(crate) fn key(app: &App, action: Action) -> String {
    app.keymap.key_name(Context::Form, action)
}

fn search(app: &App, s: &SearchState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let width = area.width as usize;
    let mut lines = vec![
        Line::from(Span::styled(" Book in: find the person", theme.title())),
        Line::from(vec![
            Span::raw(" Search: "),
            Span::styled(format!("{}_", s.query), theme.selected()),
        ]),
        Line::from(Span::styled(
            " Surname (prefix), forename, date of birth dd/mm/yyyy, NHS number or PNC id.",
            theme.dim(),
        )),
        Line::default(),
    ];
    if s.results.is_empty() && !s.query.trim().is_empty() {
        lines.push(Line::from(" No one found."));
    }
    for (i, m) in s.results.iter().enumerate() {
        let dob = m
            .date_of_birth
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "dob ?".into());
        let history = match m.detentions.first() {
            Some((no, _, true)) => format!("IN CUSTODY NOW ({no})"),
            Some((no, at, false)) => format!(
                "{} detention{}, last {no} {}",
                m.detention_count,
                if m.detention_count == 1 { "" } else { "s" },
                at.format("%d/%m/%Y")
            ),
            None => "no detentions".into(),
        };
        let mut ids = String::new();
        if let Some(n) = &m.nhs_number {
            ids.push_str(&format!(" NHS {n}"));
        }
        if let Some(p) = &m.pnc_id {
            ids.push_str(&format!(" PNC {p}"));
        }
        let text = format!(
            "{} {}, {}  {dob}{ids}  {history}",
            if i == s.selected { ">" } else { " " },
            m.surname.to_uppercase(),
            m.forenames,
        );
        let style = if i == s.selected {
            theme.selected()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(Span::styled(truncate(&text, width), style)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            " {} book in the selected person · {} new person · {} back",
            key(app, Action::Submit),
            key(app, Action::NewPerson),
            key(app, Action::Back)
        ),
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines), area);
}

fn details(d: &DetailsState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let title = match &d.person {
        Some(p) => format!(
            " Book in {}, {}: the detention",
            p.surname.to_uppercase(),
            p.forenames
        ),
        None => " Book in a new person".to_string(),
    };
    let mut lines = vec![
        Line::from(Span::styled(title, theme.title())),
        Line::default(),
    ];
    for (i, f) in d.fields.iter().enumerate() {
        let focused = i == d.focus;
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{} {:<18} ",
                if focused { ">" } else { " " },
                f.label
            )),
            Span::styled(
                if focused {
                    format!("{}_", f.value)
                } else {
                    f.value.clone()
                },
                if focused {
                    theme.selected()
                } else {
                    ratatui::style::Style::default()
                },
            ),
        ]));
    }
    lines.push(Line::default());
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(format!(" {e}"), theme.error())));
    }
    lines.push(Line::from(Span::styled(
        " Enter goes to the next field; Enter on the last books the person in. Arrival and authorisation: now.",
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The "already known" banner: every active flag from earlier detentions and imported
/// bundles, with source and date, before the first question.
pub fn render_banner(app: &App, b: &BannerState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let today = london_date(app.now);
    let mut lines = Vec::new();
    for f in &b.flags {
        let severity = f
            .severity
            .parse::<Severity>()
            .unwrap_or(Severity::Information);
        let days = (today - london_date(f.raised_at)).num_days();
        let from = match &f.custody_no {
            Some(no) => format!("detention {no}"),
            None => "imported handover".to_string(),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<6}", format!("{}{}", f.code, severity.marker())),
                theme.severity(severity),
            ),
            Span::styled(
                format!("{:<10}", severity.label()),
                theme.severity(severity),
            ),
            Span::raw(f.reason.clone()),
        ]));
        lines.push(Line::from(Span::styled(
            format!(
                "       {} · {from} · {} ({})",
                f.source,
                f.raised_at.format("%d/%m/%Y"),
                ago(days)
            ),
            theme.dim(),
        )));
    }
    if !b.notes.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            " Known from other suites' handovers (check and re-prescribe; nothing here is live):",
            theme.title(),
        )));
    }
    for (kind, text, source, signed_at) in &b.notes {
        let signed = chrono::DateTime::parse_from_rfc3339(signed_at)
            .map(|t| t.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| signed_at.clone());
        lines.push(Line::from(vec![
            Span::styled(format!(" {kind}: "), theme.key()),
            Span::raw(text.clone()),
        ]));
        lines.push(Line::from(Span::styled(
            format!("       from {source}, signed {signed}"),
            theme.dim(),
        )));
    }
    // The instruction sits on the frame's bottom edge, so a long banner never hides it.
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Already known: {} ", b.who),
            theme.title(),
        ))
        .title_bottom(Span::styled(
            format!(
                " {} acknowledges (audited), then the first question ",
                key(app, Action::Submit)
            ),
            theme.title(),
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
