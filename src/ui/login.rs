//! The login (and lock) screen and the first-login password change.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::{App, ChangePasswordState, Field, LoginState};

fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Rows the lines take inside a bordered box `width` wide once long lines wrap, so the box
/// grows instead of cutting off its last lines (the key hints).
fn wrapped_height(lines: &[Line<'_>], width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    lines
        .iter()
        .map(|l| l.width().div_ceil(inner).max(1))
        .sum::<usize>()
        .try_into()
        .unwrap_or(u16::MAX)
}

fn field_line<'a>(label: &'a str, value: String, focused: bool, theme: &Theme) -> Line<'a> {
    let marker = if focused { "▸ " } else { "  " };
    let cursor = if focused { "_" } else { "" };
    Line::from(vec![
        Span::raw(marker),
        Span::styled(format!("{label:<10}"), theme.title()),
        Span::raw(format!("{value}{cursor}")),
    ])
}

pub fn render_login(app: &App, s: &LoginState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let focus = s.focus.unwrap_or(Field::First);
    let mut lines = vec![
        Line::from(Span::styled("SONAR Custody", theme.title())),
        Line::from(format!("Suite: {}", app.config.suite_name)),
        Line::from(format!("Terminal: {}", app.config.terminal_name)),
        Line::default(),
        field_line("Username", s.username.clone(), focus == Field::First, theme),
        field_line(
            "Password",
            "•".repeat(s.password.chars().count()),
            focus == Field::Second,
            theme,
        ),
        Line::default(),
    ];
    if let Some(error) = &s.error {
        lines.push(Line::from(Span::styled(error.clone(), theme.error())));
    } else if let Some(info) = &s.info {
        lines.push(Line::from(Span::styled(info.clone(), theme.info())));
    } else {
        lines.push(Line::from(Span::styled(
            "Log in with your own account.",
            theme.dim(),
        )));
    }
    if let Some(notice) = &app.notice {
        lines.push(Line::from(Span::styled(notice.clone(), theme.warning())));
    }
    lines.push(Line::default());
    lines.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    let box_area = centred(area, 72, wrapped_height(&lines, 72) + 2);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" Log in ")),
        box_area,
    );
}

pub fn render_change_password(
    app: &App,
    s: &ChangePasswordState,
    theme: &Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let who = app
        .identity()
        .map(|i| i.username.clone())
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(Span::styled("Choose your own password", theme.title())),
        Line::from(format!(
            "{who} logged in with a temporary password. Choose one only you know (at least 10 characters)."
        )),
        Line::default(),
        field_line(
            "New",
            "•".repeat(s.new.chars().count()),
            s.focus == Field::First,
            theme,
        ),
        field_line(
            "Again",
            "•".repeat(s.repeat.chars().count()),
            s.focus == Field::Second,
            theme,
        ),
        Line::default(),
    ];
    if let Some(error) = &s.error {
        lines.push(Line::from(Span::styled(error.clone(), theme.error())));
    }
    lines.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    let box_area = centred(area, 72, wrapped_height(&lines, 72) + 2);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" New password "),
        ),
        box_area,
    );
}
