//! The appropriate adult and interpreter prompt: who it is for, where it stands now, the
//! numbered steps with the likely next one chosen, and one field (the reason, the language, or
//! a time: "now" or HH:MM).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::app::App;
use crate::app::support::{Choice, Dialog};
use crate::domain::support::SupportKind;
use crate::domain::text::printable;

/// The prompt over whatever is underneath, when it is open.
pub(super) fn render_dialog(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(dialog) = &app.support.dialog else {
        return;
    };
    let title = match dialog.kind {
        SupportKind::AppropriateAdult => " Appropriate adult (PACE Code C 1.4, 1.5, 3.15) ",
        SupportKind::Interpreter => " Interpreter (PACE Code C 3.12, section 13) ",
    };
    let mut lines = vec![
        Line::from(printable(&dialog.who)),
        Line::from(Span::styled(
            printable(&format!(
                "Now: {}",
                dialog
                    .standing
                    .as_deref()
                    .unwrap_or("not recorded as needed")
            )),
            if dialog.standing.is_some() {
                theme.warning()
            } else {
                theme.dim()
            },
        )),
        Line::default(),
        Line::from(Span::styled(
            if dialog.on_text {
                "Record (tab, then a line's number, to choose another):"
            } else {
                "Record (type a line's number):"
            },
            theme.title(),
        )),
    ];
    for (i, choice) in Choice::all(dialog.kind).into_iter().enumerate() {
        let chosen = i == dialog.choice;
        lines.push(Line::from(Span::styled(
            format!(
                "{} {}  {}",
                if chosen { "▸" } else { " " },
                i + 1,
                choice.label(dialog.kind)
            ),
            if chosen {
                theme.selected()
            } else {
                Style::default()
            },
        )));
    }
    lines.push(Line::default());
    lines.push(field(dialog, theme));
    lines.push(Line::from(Span::styled(hint(dialog), theme.dim())));
    super::push_error(dialog.error.as_deref(), theme, &mut lines);
    lines.push(Line::default());
    lines.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    super::care::boxed_with(frame, area, title, lines, theme.title());
}

fn field(dialog: &Dialog, theme: &Theme) -> Line<'static> {
    let chosen = dialog.chosen();
    let mut line = super::input_field(
        12,
        chosen.field_label(),
        &printable(&dialog.text),
        dialog.on_text,
        theme,
    );
    // An empty time is now: say so in place rather than leave a blank that looks unanswered.
    if matches!(chosen, Choice::Step(_)) && dialog.text.is_empty() {
        line.spans.push(Span::styled(" now", theme.dim()));
    }
    line
}

fn hint(dialog: &Dialog) -> &'static str {
    match dialog.chosen() {
        Choice::Step(_) => "  Empty or \"now\" for now; HH:MM for earlier today (London time).",
        Choice::Need(n) if n.detail_required() => match n {
            crate::domain::support::Need::VulnerableAdult => {
                "  e.g. learning disability; mental health; does not understand what is said."
            }
            crate::domain::support::Need::Language => "  e.g. Polish; Romanian; Tigrinya.",
            _ => "  e.g. British Sign Language; lip-reads; writes notes.",
        },
        Choice::Need(_) => "  Optional: e.g. aged 16; appears under 18, no ID.",
    }
}

/// The record's Summary lines: each need with where it stands (a wait in the warning style,
/// "not yet requested" too), and the key that records the next step while the person is here.
/// An appropriate adult the board says is needed (a flag, or under 18) but nobody has recorded
/// yet gets a line too, so the gap is seen where the sergeant looks.
pub(super) fn record_lines(
    app: &App,
    entry: &crate::store::custody::CustodyEntry,
    board_says_aa: bool,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let open = entry.closed_at.is_none();
    let key = |kind: SupportKind| {
        let action = match kind {
            SupportKind::AppropriateAdult => crate::app::Action::AppropriateAdult,
            SupportKind::Interpreter => crate::app::Action::Interpreter,
        };
        let key = app.keymap.key_name(crate::keymap::Context::Record, action);
        if open && !key.is_empty() {
            format!("  ({key})")
        } else {
            String::new()
        }
    };
    let mut lines = Vec::new();
    for kind in SupportKind::ALL {
        let (text, style) = match entry.support.get(kind) {
            Some(need) => {
                let waiting = matches!(
                    need.status(),
                    crate::domain::support::Status::NotRequested
                        | crate::domain::support::Status::Requested { .. }
                );
                (
                    need.summary(app.now),
                    if waiting && open {
                        theme.warning()
                    } else {
                        Style::default()
                    },
                )
            }
            None if kind == SupportKind::AppropriateAdult && board_says_aa => (
                "needed (flag or age) but not recorded: say why, then who was asked".to_string(),
                theme.warning(),
            ),
            None => continue,
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<22}", kind.label()), theme.dim()),
            Span::styled(printable(&text), style),
            Span::styled(key(kind), theme.dim()),
        ]));
    }
    lines
}
