//! The shift handover screen: what happened since the last handover was taken, in the printed
//! sheet's sections and words (`app::shift::lines`), scrolled, with "I have taken the
//! handover" asked to confirm in a box over it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::shift::{LineKind, inner_size, lines};
use crate::app::{Action, App};
use crate::keymap::Context;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(screen) = &app.shift.open else {
        return;
    };
    let (width, height) = inner_size(app);
    let all = screen
        .sheet
        .as_ref()
        .map(|s| lines(s, width))
        .unwrap_or_default();
    let total = all.len();
    let first = screen.scroll.min(total.saturating_sub(1));
    let mut body: Vec<Line<'static>> = match &screen.error {
        Some(e) => vec![Line::from(Span::styled(e.clone(), theme.error()))],
        None => all
            .into_iter()
            .skip(first)
            .take(height)
            .map(|(kind, text)| {
                let style = match kind {
                    LineKind::Period => theme.dim(),
                    LineKind::Heading => theme.title().add_modifier(Modifier::BOLD),
                    LineKind::Item => Style::default(),
                    LineKind::Urgent => theme.overdue(),
                    LineKind::Nothing => theme.dim(),
                };
                Line::from(Span::styled(text, style))
            })
            .collect(),
    };
    body.truncate(height);
    let shown = if total == 0 {
        String::new()
    } else {
        format!(
            " lines {}-{} of {total} ",
            first + 1,
            (first + height).min(total)
        )
    };
    let take = app
        .keymap
        .key_name(Context::Shift, Action::AcknowledgeHandover);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(body).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Shift handover: since the last one taken ")
                .title_bottom(Line::from(shown).right_aligned())
                .title_bottom(Line::from(format!(" {take}: I have taken the handover "))),
        ),
        area,
    );
    if screen.confirming {
        confirm(app, theme, frame, area);
    }
}

/// The confirmation box: what taking it means, and the keys that answer.
fn confirm(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let period = app
        .shift
        .open
        .as_ref()
        .and_then(|s| s.sheet.as_ref())
        .map(|s| s.period.describe())
        .unwrap_or_default();
    let yes = app.keymap.key_name(Context::Dialog, Action::Submit);
    let no = app.keymap.key_name(Context::Dialog, Action::Back);
    let lines = vec![
        Line::from(Span::styled(
            "Take the shift handover?",
            theme.title().add_modifier(Modifier::BOLD),
        )),
        Line::default(),
        Line::from(
            "You confirm you have read what happened since the last handover and take over \
             the care of everyone in custody. Your name and the time are kept and audited.",
        ),
        Line::default(),
        Line::from(Span::styled(period, theme.dim())),
        Line::default(),
        Line::from(vec![
            Span::styled(yes, theme.key()),
            Span::raw(" I have taken the handover   "),
            Span::styled(no, theme.key()),
            Span::raw(" not yet"),
        ]),
    ];
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        // The words wrap to about ten lines at 80 columns, with the border.
        Constraint::Length(area.height.min(13)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, popup, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(area.width.saturating_sub(8).min(70)),
        Constraint::Fill(1),
    ])
    .areas(middle);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.title()),
        ),
        popup,
    );
}
