//! The help overlay: every binding of the context it was opened from, with its description,
//! generated from the live keymap and filterable by typing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::{App, HelpState};
use crate::keymap::Context;

/// The legend's heading. Typing any part of it (`flag`, `legend`) shows the whole legend.
const LEGEND_TITLE: &str = "Flag legend: what the board shows";

/// The HCP column is a time, not a mark; it is explained here beside the generated legend.
const HCP_COLUMN: (&str, &str) = (
    "HCP 14:05",
    "When a healthcare practitioner last saw the person (and who, when wide); no: not yet",
);

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
    let matches = |texts: &[&str]| {
        needle.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&needle))
    };
    let mut lines: Vec<Line<'_>> = app
        .keymap
        .bindings(help.context)
        .into_iter()
        .filter(|(key, action)| matches(&[&key.to_string(), action.name(), action.description()]))
        .map(|(key, action)| {
            Line::from(vec![
                Span::styled(format!("{:<12}", key.to_string()), theme.key()),
                // A space always follows the name, so a long one never runs into its words.
                Span::styled(format!("{:<15} ", action.name()), theme.title()),
                Span::raw(action.description()),
            ])
        })
        .collect();
    if matches!(
        help.context,
        Context::Board | Context::Record | Context::Filter
    ) {
        // The review key as the live keymap binds it.
        let review_key = app
            .keymap
            .keys_for(Context::Record, crate::app::Action::ReviewKnown)
            .into_iter()
            .next()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "review_known".into());
        // Generated from the board's marks and the flag definitions
        // (`domain::board_legend::legend`), so every code the board can show is explained.
        let whole = !needle.is_empty() && LEGEND_TITLE.to_lowercase().contains(&needle);
        let legend: Vec<Line<'_>> = crate::domain::board_legend::legend()
            .into_iter()
            .map(|e| (e.shown, e.meaning))
            .chain(std::iter::once((
                HCP_COLUMN.0.to_string(),
                HCP_COLUMN.1.to_string(),
            )))
            .filter(|(mark, text)| whole || matches(&[mark, text]))
            .map(|(mark, text)| {
                Line::from(vec![
                    Span::styled(format!("{mark:<16}"), theme.key()),
                    Span::raw(text.replace("{review}", &review_key)),
                ])
            })
            .collect();
        if !legend.is_empty() {
            let mut block = vec![Line::from(Span::styled(LEGEND_TITLE, theme.title()))];
            block.extend(legend);
            if whole {
                // Asked for by name ("flag", "legend"): the legend first, then any keys that
                // also match (`f add_risk_flag`).
                if !lines.is_empty() {
                    block.push(Line::default());
                }
                block.append(&mut lines);
                lines = block;
            } else {
                lines.push(Line::default());
                lines.append(&mut block);
            }
        }
    }
    let lines: Vec<Line<'_>> = lines.into_iter().skip(help.scroll).collect();
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
