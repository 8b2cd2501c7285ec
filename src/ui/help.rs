//! The help overlay: every binding of the context it was opened from, with its description,
//! generated from the live keymap and filterable by typing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::{App, HelpState};

pub fn render(app: &App, help: &HelpState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let width = area.width.saturating_sub(4).min(100);
    let height = area.height.saturating_sub(2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + 1,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Keys: {} ", help.context.description()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [filter_area, list_area] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("Type to filter: ", theme.key()),
                Span::raw(format!("{}_", help.filter)),
            ]),
            Line::default(),
        ]),
        filter_area,
    );
    let needle = help.filter.to_lowercase();
    let lines: Vec<Line<'_>> = app
        .keymap
        .bindings(help.context)
        .into_iter()
        .filter(|(key, action)| {
            needle.is_empty()
                || key.to_string().to_lowercase().contains(&needle)
                || action.name().contains(&needle)
                || action.description().to_lowercase().contains(&needle)
        })
        .skip(help.scroll)
        .map(|(key, action)| {
            Line::from(vec![
                Span::styled(format!("{:<12}", key.to_string()), theme.key()),
                Span::styled(format!("{:<14}", action.name()), theme.title()),
                Span::raw(action.description()),
            ])
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::from(Span::styled(
            "No key matches the filter.",
            theme.dim(),
        ))]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), list_area);
}
