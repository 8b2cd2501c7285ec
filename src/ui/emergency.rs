//! Drawing emergencies: the full-screen alert (logged in or wall board), the lock screen's
//! panel (the cell only: a locked terminal shows nothing clinical and no name), the header strip
//! once an acknowledged emergency is put aside, and the prompts to raise, call and close.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::app::emergency::{self, CloseField, Dialog};
use crate::domain::emergency::{CallKind, OutcomeKind};
use crate::domain::observation::{format_elapsed, to_london, to_london_with_zone};
use crate::domain::text::printable;

fn cell_words(cell: &str) -> String {
    if cell.trim().is_empty() {
        "no cell allocated".into()
    } else {
        format!("cell {}", printable(cell))
    }
}

/// Where it happened, and the cell when that was somewhere else ("exercise yard (cell C7)").
fn where_words(location: &str, cell: &str) -> String {
    let (location, cell) = (location.trim(), cell.trim());
    if location.is_empty() || location.eq_ignore_ascii_case(cell) {
        cell_words(cell)
    } else if cell.is_empty() {
        printable(location)
    } else {
        format!("{} ({})", printable(location), cell_words(cell))
    }
}

/// Rows the lock screen's emergency panel needs (0 without an alarm).
pub fn locked_panel_height(app: &App) -> u16 {
    let n = app.emergency.alarms.len() + usize::from(app.emergency.alarm_problem.is_some());
    if n == 0 {
        0
    } else {
        u16::try_from(n.min(6) + 4).unwrap_or(10)
    }
}

/// The lock screen's panel: which cells have an open emergency and since when. Nothing else
/// is known here (no key), and nothing else is shown.
pub fn render_locked(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let e = &app.emergency;
    let mut lines = Vec::new();
    for a in e.alarms.iter().take(6) {
        let waiting = if e.acknowledged.contains(&a.id) {
            ""
        } else {
            "  (bell ringing)"
        };
        lines.push(Line::from(Span::styled(
            format!(
                "!! MEDICAL EMERGENCY: {} since {} ({} ago){waiting}",
                where_words(&a.location, &a.cell).to_uppercase(),
                to_london(a.opened_at),
                format_elapsed(app.now - a.opened_at)
            ),
            theme.overdue(),
        )));
    }
    if let Some(problem) = &e.alarm_problem {
        lines.push(Line::from(Span::styled(problem.clone(), theme.error())));
    }
    lines.push(Line::from(Span::styled(
        "Log in to respond: who, what was seen and the response are on the emergency screen.",
        theme.warning(),
    )));
    frame.render_widget(Clear, area);
    frame.render_widget(emergency_block(lines, theme), area);
}

/// Red-bordered "EMERGENCY" text, for the lock screen's panel and the full screen alike.
fn emergency_block<'a>(lines: Vec<Line<'a>>, theme: &Theme) -> Paragraph<'a> {
    Paragraph::new(lines).wrap(Wrap { trim: false }).block(
        Block::default()
            .borders(Borders::ALL)
            .title(" EMERGENCY ")
            .border_style(theme.overdue()),
    )
}

/// The header strip's words while emergencies are open but put aside here.
pub fn strip(app: &App) -> Option<String> {
    let open = &app.emergency.open;
    let first = open.first()?;
    let key = app
        .keymap
        .keys_for(
            crate::keymap::Context::Board,
            crate::app::Action::ShowEmergencies,
        )
        .into_iter()
        .next()
        .map(|k| k.to_string())
        .unwrap_or_default();
    let more = if open.len() > 1 {
        format!(" +{} more", open.len() - 1)
    } else {
        String::new()
    };
    Some(format!(
        " !! EMERGENCY OPEN: {} {} since {}{more} ({key} shows it) ",
        cell_words(&first.cell),
        printable(&first.name),
        to_london(first.emergency.opened_at)
    ))
}

/// The full-screen emergency, with its prompt over it if one is open.
pub fn render_full(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(o) = emergency::selected(app) else {
        return;
    };
    let e = &o.emergency;
    let state = &app.emergency;
    let mut lines = vec![
        Line::from(Span::styled(
            "!! MEDICAL EMERGENCY: CALL AN HCP OR AMBULANCE NOW !!",
            theme.overdue(),
        )),
        Line::default(),
        Line::from(Span::styled(
            format!(
                "Where: {}",
                where_words(&e.location, &o.cell).to_uppercase()
            ),
            theme.title(),
        )),
        Line::from(format!(
            "Who:   {} ({})",
            printable(&o.name),
            printable(&o.custody_no)
        )),
        Line::from(format!("What:  {}", printable(&e.reason))),
        Line::from(format!(
            "When:  {} ({} ago), {} by {}",
            to_london_with_zone(e.opened_at),
            format_elapsed(app.now - e.opened_at),
            e.cause.label(),
            printable(&e.opened_by)
        )),
        Line::default(),
    ];
    if e.calls.is_empty() {
        lines.push(Line::from(Span::styled(
            "No call recorded yet.",
            theme.warning(),
        )));
    }
    for c in &e.calls {
        lines.push(Line::from(format!(
            "{} {} called by {} (recorded by {})",
            to_london(c.called_at),
            c.kind.label(),
            printable(&c.called_by),
            printable(&c.recorded_by)
        )));
    }
    let terminals = e
        .acknowledgements
        .iter()
        .map(|a| a.terminal.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let here = state.acknowledged.contains(&e.id);
    lines.push(Line::default());
    let elsewhere = match terminals {
        0 => "no terminal yet".to_string(),
        1 => "1 terminal".to_string(),
        n => format!("{n} terminals"),
    };
    lines.push(Line::from(Span::styled(
        if here {
            format!("Acknowledged on this terminal (on {elsewhere} in all).")
        } else {
            format!(
                "NOT YET ACKNOWLEDGED HERE: the bell rings until someone presses enter on this terminal (acknowledged on {elsewhere})."
            )
        },
        if here { theme.info() } else { theme.overdue() },
    )));
    if state.open.len() > 1 {
        lines.push(Line::from(Span::styled(
            format!(
                "{} emergencies open (this is {} of {}; up/down for the others): {}",
                state.open.len(),
                state.selected + 1,
                state.open.len(),
                state
                    .open
                    .iter()
                    .map(|o| cell_words(&o.cell))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            theme.warning(),
        )));
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(Clear, area);
    super::render_header(app, theme, frame, header);
    frame.render_widget(emergency_block(lines, theme), body);
    super::render_footer(app, theme, frame, footer);
}

/// A prompt (raise, call, close) as a box over `area`.
pub fn render_dialog(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(dialog) = &app.emergency.dialog else {
        return;
    };
    let field = |label: &str, value: &str, focused: bool| {
        Line::from(vec![
            Span::raw(if focused { "▸ " } else { "  " }),
            Span::styled(format!("{label:<14}"), theme.title()),
            Span::raw(format!(
                "{}{}",
                printable(value),
                if focused { "_" } else { "" }
            )),
        ])
    };
    let (title, mut lines, error) = match dialog {
        Dialog::Raise {
            who,
            seen,
            location,
            on_location,
            error,
            ..
        } => (
            " Raise a medical emergency ",
            vec![
                Line::from(printable(who)),
                Line::from("Every terminal will show it full-screen and ring."),
                Line::default(),
                field("What you saw", seen, !on_location),
                field("Where", location, *on_location),
            ],
            error,
        ),
        Dialog::Call {
            kind,
            called_by,
            time,
            on_time,
            error,
            ..
        } => (
            match kind {
                CallKind::Ambulance => " 999 / ambulance called ",
                _ => " HCP called ",
            },
            vec![
                field("Called by", called_by, !on_time),
                field("At (HH:MM)", time, *on_time),
            ],
            error,
        ),
        Dialog::Close {
            outcome,
            time,
            note,
            field: f,
            error,
            ..
        } => {
            let mut lines = vec![Line::from(Span::styled(
                "Outcome (type its number):",
                theme.title(),
            ))];
            for (i, k) in OutcomeKind::ALL.iter().enumerate() {
                let chosen = *outcome == Some(*k);
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} {}  {}",
                        if chosen { "▸" } else { " " },
                        i + 1,
                        k.label()
                    ),
                    if chosen {
                        theme.selected()
                    } else {
                        ratatui::style::Style::default()
                    },
                )));
            }
            lines.push(field(
                "Outcome",
                outcome.map(OutcomeKind::label).unwrap_or(""),
                *f == CloseField::Outcome,
            ));
            lines.push(field("At (HH:MM)", time, *f == CloseField::Time));
            lines.push(field(
                if *outcome == Some(OutcomeKind::Other) {
                    "What (req.)"
                } else {
                    "Words"
                },
                note,
                *f == CloseField::Note,
            ));
            lines.push(Line::from(Span::styled(
                "Closing makes a care-plan review due at once.",
                theme.dim(),
            )));
            (" Close the emergency ", lines, error)
        }
    };
    if let Some(err) = error {
        lines.push(Line::from(Span::styled(err.clone(), theme.error())));
    }
    lines.push(Line::default());
    lines.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    super::care::boxed_with(frame, area, title, lines, theme.overdue());
}
