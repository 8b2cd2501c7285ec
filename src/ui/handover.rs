//! The handover overlay: details, the review of what leaves, the confirmation, the result.
//! It draws the state it is given and nothing else.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::app::handover::{HandoverState, Outcome, Review, Step};
use crate::handover::Destination;

/// Draws the overlay, if open, over the body `area`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(h) = &app.handover else {
        return;
    };
    let (title, lines) = match &h.step {
        Step::Details => (" Hand over: where to ", details_lines(h, theme)),
        Step::Review(r) => (
            " Hand over: what leaves the suite ",
            review_lines(h, r, theme),
        ),
        Step::Confirm(r) => (" Hand over: confirm ", confirm_lines(h, r, theme)),
        Step::Done(o) => (
            " Handed over ",
            done_lines(h, o, app.national.status.joined.is_some(), theme),
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

fn destination_word(d: Option<Destination>) -> String {
    d.map_or_else(|| "(not chosen)".to_string(), |d| d.label().to_string())
}

fn who(h: &HandoverState) -> String {
    format!("{} ({})", h.name, h.custody_no)
}

fn details_lines(h: &HandoverState, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(who(h), theme.title())),
        Line::default(),
        super::input_field(
            20,
            "Destination",
            &destination_word(h.destination),
            h.field == 0,
            theme,
        ),
        Line::from(Span::styled(
            "    c court  p prison  h hospital  s another suite  r release",
            theme.dim(),
        )),
        super::input_field(20, "Receiving org", &h.receiving_org, h.field == 1, theme),
        super::input_field(
            20,
            "Receiving officer",
            &h.receiving_officer,
            h.field == 2,
            theme,
        ),
        super::input_field(20, "Write to directory", &h.out_dir, h.field == 3, theme),
        Line::default(),
        Line::from("Nothing is written yet: Enter reviews what will leave the suite."),
    ];
    super::push_error(h.error.as_deref(), theme, &mut lines);
    lines
}

fn review_lines(h: &HandoverState, r: &Review, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!("{} to {}", who(h), destination_word(h.destination)),
        theme.title(),
    ))];
    // The refusal first: nothing else on this page matters until the PRRA is complete.
    if let Some(missing) = &r.prra_missing {
        lines.push(Line::from(Span::styled(
            format!("! {missing}"),
            theme.error(),
        )));
        lines.push(Line::from(Span::styled(
            "Press P to complete the pre-release risk assessment.",
            theme.title(),
        )));
    }
    push_cautions(&r.cautions, theme, &mut lines);
    // Compact, so the cautions above and the medication below fit on a 24-line terminal:
    // what travels with its count, then what does not and why.
    let mut travelling = Vec::new();
    let mut not_travelling: Vec<(String, Vec<String>)> = Vec::new();
    for s in &r.sections {
        match &s.empty_reason {
            None => travelling.push(format!("{} {}", s.title, s.entries)),
            Some(why) => match not_travelling.iter_mut().find(|(w, _)| w == why) {
                Some((_, titles)) => titles.push(s.title.clone()),
                None => not_travelling.push((why.clone(), vec![s.title.clone()])),
            },
        }
    }
    lines.push(Line::from(format!(
        "In the signed bundle: {}.",
        travelling.join(", ")
    )));
    for (why, titles) in not_travelling {
        lines.push(Line::from(Span::styled(
            format!("Not in it ({}): {}.", why.to_lowercase(), titles.join(", ")),
            theme.dim(),
        )));
    }
    let flags = if r.flags.is_empty() {
        "none".to_string()
    } else {
        r.flags.join(", ")
    };
    lines.push(Line::from(format!("Flags: {flags}")));
    let meds = if r.medications.is_empty() {
        "none".to_string()
    } else {
        r.medications
            .iter()
            .map(|(m, critical)| {
                if *critical {
                    format!("{m} (TIME-CRITICAL)")
                } else {
                    m.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    lines.push(Line::from(format!("Medication: {meds}")));
    lines.push(Line::from(Span::styled(
        "Clinical notes and what medicines are for do not leave the suite.",
        theme.warning(),
    )));
    lines.push(Line::from(format!("Written to {}", h.out_dir.trim())));
    lines.push(Line::from(if r.prra_missing.is_some() {
        "Nothing is written yet: P completes the pre-release risk assessment, Esc changes the details."
    } else {
        "Nothing is written yet: Enter asks to confirm, Esc changes the details."
    }));
    lines
}

/// The cautions, each on its own line, before anything else the sergeant reads.
fn push_cautions(cautions: &[String], theme: &Theme, lines: &mut Vec<Line<'static>>) {
    for c in cautions {
        lines.push(Line::from(Span::styled(format!("! {c}"), theme.warning())));
    }
}

fn confirm_lines(h: &HandoverState, review: &Review, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "Hand over {} to {}?",
                who(h),
                destination_word(h.destination)
            ),
            theme.title(),
        )),
        Line::default(),
    ];
    push_cautions(&review.cautions, theme, &mut lines);
    lines.extend([
        Line::from(format!(
            "Receiving: {} / {}",
            or_none(&h.receiving_org),
            or_none(&h.receiving_officer)
        )),
        Line::from(format!("Directory: {}", h.out_dir.trim())),
        Line::default(),
        Line::from(Span::styled(
            "This signs and writes the bundle and escort summary, closes the detention and makes the custody record read-only. It cannot be undone.",
            theme.warning(),
        )),
        Line::default(),
        Line::from("Enter hands over; Esc goes back and writes nothing."),
    ]);
    super::push_error(h.error.as_deref(), theme, &mut lines);
    lines
}

fn or_none(s: &str) -> String {
    if s.trim().is_empty() {
        "(not given)".to_string()
    } else {
        s.trim().to_string()
    }
}

fn done_lines(h: &HandoverState, o: &Outcome, national: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(
            format!(
                "{} was handed over to {}; the record is closed and read-only.",
                who(h),
                destination_word(h.destination)
            ),
            theme.title(),
        )),
        Line::default(),
        Line::from(format!("Bundle:         {}", o.bundle_path.display())),
        Line::from(format!("Escort summary: {}", o.escort_path.display())),
    ];
    if let Some(path) = &o.release_path {
        lines.push(Line::from(format!(
            "Person's copy:  {} (print it for them)",
            path.display()
        )));
    }
    lines.extend([
        Line::from(format!("SHA-256:        {}", o.sha256)),
        Line::from(format!("Signed with:    {}", o.kid)),
        Line::from(if national {
            "National record: queued; a terminal sends it in the background (sonar outbox shows it)."
        } else {
            "National record: queued; it goes once an administrator joins the suite to one."
        }),
        Line::default(),
        Line::from("Enter returns to the board."),
    ]);
    lines
}
