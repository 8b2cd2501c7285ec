//! The import overlay: the bundle and trusted keys, the review of what the bundle says, the
//! confirmation, the result. It draws the state it is given and nothing else.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::app::import::{ImportState, Step};
use crate::handover::verify::Verified;

/// Draws the overlay, if open, over the body `area`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(s) = &app.import else {
        return;
    };
    let (title, lines) = match &s.step {
        Step::Paths => (" Import a handover bundle ", paths_lines(s, theme)),
        Step::Review(v) => (" Import: what the bundle says ", review_lines(v, theme)),
        Step::Confirm(v) => (" Import: confirm ", confirm_lines(s, v, theme)),
        Step::Done(text) => (
            " Import done ",
            vec![
                Line::from(Span::styled(text.clone(), theme.title())),
                Line::default(),
                Line::from("Enter returns to the board."),
            ],
        ),
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        area,
    );
}

fn paths_lines(s: &ImportState, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        super::input_field(14, "Bundle file", &s.bundle_path, s.field == 0, theme),
        super::input_field(14, "Trusted keys", &s.trust_path, s.field == 1, theme),
        Line::from(Span::styled(
            "    the sender's public key file or a directory of them; empty trusts this suite's own keys",
            theme.dim(),
        )),
        Line::default(),
        Line::from("Nothing is stored yet: Enter verifies the bundle and shows what it says."),
    ];
    super::push_error(s.error.as_deref(), theme, &mut lines);
    lines
}

fn signed_at(v: &Verified) -> String {
    chrono::DateTime::parse_from_rfc3339(&v.signed_at)
        .map(|t| crate::domain::observation::to_london_with_day(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| v.signed_at.clone())
}

fn review_lines(v: &Verified, theme: &Theme) -> Vec<Line<'static>> {
    let author = if v.author.is_empty() {
        String::new()
    } else {
        format!(" ({})", v.author)
    };
    let dob = v
        .birth_date
        .as_deref()
        .map(|d| format!(", born {d}"))
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(Span::styled(
            "Verified: the signature is good and the bundle is unchanged since signing.",
            theme.title(),
        )),
        Line::from(format!("Signed by: {}{author}, {}", v.signer, signed_at(v))),
        Line::from(format!("Key (kid): {}", v.kid)),
        Line::from(format!("Person:    {}{dob}", v.patient_name)),
        Line::from(format!(
            "For:       {}{}",
            v.destination,
            v.receiving_org
                .as_deref()
                .map(|o| format!(" ({o})"))
                .unwrap_or_default()
        )),
        Line::from("Contains:"),
    ];
    for s in &v.sections {
        let count = match &s.empty_reason {
            Some(why) => format!("none ({why})"),
            None if s.entries == 1 => "1 entry".to_string(),
            None => format!("{} entries", s.entries),
        };
        lines.push(Line::from(format!("  {:<34} {count}", s.title)));
    }
    lines.push(Line::from(
        "Nothing is stored yet: Enter asks to confirm, Esc changes the paths.",
    ));
    lines
}

fn confirm_lines(s: &ImportState, v: &Verified, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(
            format!("Import {} from {}?", v.patient_name, v.signer),
            theme.title(),
        )),
        Line::default(),
        Line::from(Span::styled(
            "This stores the person, their flags and care plan as known information from the sending suite, all in one step. A bundle already imported changes nothing.",
            theme.warning(),
        )),
        Line::default(),
        Line::from("Enter imports; Esc goes back and stores nothing."),
    ];
    super::push_error(s.error.as_deref(), theme, &mut lines);
    lines
}
