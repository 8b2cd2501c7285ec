//! The clinical entry overlay: the menu of what can be added, and the sheet being filled in.
//! It draws the state it is given and nothing else.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::entry::{EntryState, MenuState, SheetState};
use crate::app::{Action, App};
use crate::domain::entry::FieldKind;
use crate::domain::entry::sheets::EntryKind;
use crate::keymap::Context;

const LABEL_WIDTH: usize = 40;

/// Draws the overlay, if open, over the body `area`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(state) = &app.entry else {
        return;
    };
    let (title, lines, focus_line) = match state {
        // The person in the title, so every item fits at 80x24; the selection stays in view.
        EntryState::Menu(m) => (
            format!(" Add to the clinical record · {} ", m.who),
            menu_lines(m, theme),
            m.selected,
        ),
        EntryState::Sheet(s) => {
            let (lines, focus) = sheet_lines(app, s, theme);
            (format!(" {} ", s.sheet.title), lines, focus)
        }
    };
    // Keep the focused field in view on a short terminal: scroll so it sits in the upper half.
    let inner = area.height.saturating_sub(2) as usize;
    let scroll = focus_line.saturating_sub(inner / 2);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(0), 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn key_of(app: &App, action: Action) -> String {
    app.keymap.key_name(Context::Form, action)
}

fn menu_lines(m: &MenuState, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, (key, kind)) in EntryKind::MENU.iter().enumerate() {
        let selected = i == m.selected;
        lines.push(Line::from(vec![
            Span::raw(if selected { "> " } else { "  " }),
            Span::styled(format!("{key}  "), theme.key()),
            Span::styled(
                kind.label().to_string(),
                if selected {
                    theme.selected()
                } else {
                    ratatui::style::Style::default()
                },
            ),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Press a letter, or move to one and press Enter. Nothing is written until a sheet is saved.",
        theme.dim(),
    )));
    lines
}

/// The sheet's lines, and which line holds the focused field.
fn sheet_lines(app: &App, s: &SheetState, theme: &Theme) -> (Vec<Line<'static>>, usize) {
    let mut lines = vec![
        Line::from(Span::styled(s.who.clone(), theme.title())),
        Line::from(Span::styled(
            format!("Source: {}", s.sheet.source),
            theme.dim(),
        )),
        Line::default(),
    ];
    let focused = s.focused_id();
    let mut focus_line = 0;
    for field in s.sheet.visible(&s.values) {
        let is_focus = focused == Some(field.id);
        let raw = s.values.get(field.id).cloned().unwrap_or_default();
        let shown = match &field.kind {
            FieldKind::Choice(_) if !raw.is_empty() => field.display(&raw),
            FieldKind::Number { unit, .. } if !raw.is_empty() && !is_focus => {
                format!("{raw}{unit}")
            }
            _ => raw,
        };
        let label = if field.required {
            field.label.clone()
        } else {
            format!("{} (optional)", field.label)
        };
        if is_focus {
            focus_line = lines.len();
        }
        lines.push(super::input_field(
            LABEL_WIDTH,
            &label,
            &shown,
            is_focus,
            theme,
        ));
        if is_focus {
            if let FieldKind::Choice(options) = &field.kind {
                let picks: Vec<String> = options
                    .iter()
                    .map(|c| format!("{} {}", c.key, c.label))
                    .collect();
                lines.push(Line::from(Span::styled(
                    format!("    {}", picks.join("   ")),
                    theme.key(),
                )));
            }
            if !field.help.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!("    {}", field.help),
                    theme.dim(),
                )));
            }
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "{} next field (saves on the last)   {} save   {} leave",
            key_of(app, Action::Submit),
            key_of(app, Action::CompleteForm),
            key_of(app, Action::Back),
        ),
        theme.dim(),
    )));
    if let Some(e) = &s.error {
        let style = if s.unusual.is_some() {
            theme.warning()
        } else {
            theme.error()
        };
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(e.clone(), style)));
    }
    (lines, focus_line)
}
