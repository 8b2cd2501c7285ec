//! Asking for an HCP and the HCP's directions on screen: the strip of unacknowledged directions
//! under the header on a sergeant's screen (saying when one has waited too long), the request
//! and withdraw prompts, and the HCP's queue.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::board::truncate;
use super::theme::Theme;
use crate::app::hcp::{self, Dialog};
use crate::app::{Action, App};
use crate::domain::hcp::HcpBands;
use crate::domain::hcp::request::short_name;
use crate::domain::observation::{format_elapsed, to_london};
use crate::domain::text::printable;
use crate::keymap::Context;

fn key(app: &App, action: Action) -> String {
    let context = match app.context() {
        Context::Record => Context::Record,
        _ => Context::Board,
    };
    app.keymap.key_name(context, action)
}

/// The strip: one line per unacknowledged direction, oldest first, the key that
/// acknowledges it, and how many more do not fit.
pub fn strip_lines(app: &App, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let strip = hcp::strip(app);
    let ack = key(app, Action::AcknowledgeDirection);
    let shown = strip.len().min(hcp::STRIP_LINES);
    strip
        .iter()
        .take(shown)
        .enumerate()
        .map(|(i, o)| {
            let d = &o.direction;
            let waited = format_elapsed(d.unacknowledged_for(app.now).unwrap_or_default());
            let more = if i + 1 == shown && strip.len() > shown {
                format!(" +{} more", strip.len() - shown)
            } else {
                String::new()
            };
            let cell = if o.cell.trim().is_empty() {
                String::new()
            } else {
                format!("{} ", o.cell.trim())
            };
            // Escalated (unacknowledged for 15 minutes or more): says so first, in the
            // overdue style, and the terminal rings (`app::hcp::wants_bell`).
            let head = if d.escalated(app.now) {
                format!("!! HCP DIRECTION NOT ACKNOWLEDGED {waited}")
            } else {
                "HCP DIRECTION".to_string()
            };
            // The key first, so it survives a narrow terminal.
            let text = format!(
                " {head}, {ack} acknowledges: {cell}{}: {} (by {} {}){more}",
                printable(&o.name),
                printable(&d.headline()),
                d.given_by,
                to_london(d.given_at),
            );
            let style = if d.escalated(app.now) {
                theme.overdue()
            } else {
                theme.warning()
            };
            Line::from(Span::styled(truncate(&text, usize::from(width)), style))
        })
        .collect()
}

/// The request or withdraw prompt, over whatever is underneath.
pub fn render_dialog(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(dialog) = &app.hcp.dialog else {
        return;
    };
    let field = |label: &str, value: &str, focused: bool| {
        Line::from(vec![
            Span::raw(if focused { "▸ " } else { "  " }),
            Span::styled(format!("{label:<10}"), theme.title()),
            Span::raw(format!(
                "{}{}",
                printable(value),
                if focused { "_" } else { "" }
            )),
        ])
    };
    let (title, mut lines, error) = match dialog {
        Dialog::Request {
            who,
            band,
            reason,
            on_reason,
            error,
            ..
        } => {
            let emergency = app.keymap.key_name(Context::Board, Action::RaiseEmergency);
            let mut lines = vec![
                Line::from(printable(who)),
                Line::from(Span::styled(
                    format!("Danger now is an emergency, not a request: esc, then {emergency}."),
                    theme.warning(),
                )),
                Line::default(),
                Line::from(Span::styled("How soon (type its number):", theme.title())),
            ];
            if let Ok(bands) = HcpBands::embedded() {
                for (i, b) in bands.bands.iter().enumerate() {
                    let chosen = *band == Some(i);
                    lines.push(Line::from(Span::styled(
                        format!("{} {}  {}", if chosen { "▸" } else { " " }, i + 1, b.label),
                        if chosen {
                            theme.selected()
                        } else {
                            ratatui::style::Style::default()
                        },
                    )));
                }
                lines.push(Line::from(Span::styled(
                    format!("Bands: {}", bands.source),
                    theme.dim(),
                )));
            }
            let chosen = band
                .and_then(|i| {
                    HcpBands::embedded()
                        .ok()?
                        .bands
                        .get(i)
                        .map(|b| b.name.clone())
                })
                .unwrap_or_default();
            lines.push(field("Band", &chosen, !on_reason));
            lines.push(field("Why", reason, *on_reason));
            (" Ask for an HCP ", lines, error)
        }
        Dialog::Withdraw {
            who,
            what,
            reason,
            error,
            ..
        } => (
            " Withdraw the request for an HCP ",
            vec![
                Line::from(printable(who)),
                Line::from(printable(what)),
                Line::default(),
                field("Why", reason, true),
                Line::from(Span::styled(
                    "e.g. left custody; seen at hospital.",
                    theme.dim(),
                )),
            ],
            error,
        ),
    };
    if let Some(err) = error {
        lines.push(Line::from(Span::styled(err.clone(), theme.error())));
    }
    lines.push(Line::default());
    lines.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    popup(frame, area, title, lines, theme);
}

fn popup(frame: &mut Frame<'_>, area: Rect, title: &str, lines: Vec<Line<'static>>, theme: &Theme) {
    super::care::boxed_with(frame, area, title, lines, theme.title());
}

/// The HCP's queue over the board: who is waiting, in order, with who asked, why and how
/// long; the selected one's record opens with enter.
pub fn render_queue(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(selected) = app.hcp.queue_selected else {
        return;
    };
    if crate::app::hcp::context(app) != Some(Context::Queue) {
        return;
    }
    let now = app.now;
    let width = usize::from(area.width.saturating_sub(4));
    let mut lines = Vec::new();
    if app.hcp.queue.is_empty() {
        lines.push(Line::from(Span::styled(
            "Nobody is waiting for an HCP.",
            theme.dim(),
        )));
    }
    // Two lines a person: start where the selected one is in view.
    let fits = usize::from(area.height.saturating_sub(2) / 2).max(1);
    let start = selected.saturating_sub(fits - 1);
    for (i, q) in app.hcp.queue.iter().enumerate().skip(start) {
        let r = &q.request;
        let wait = r.wait();
        let over = wait.overdue_by(now);
        let head = format!(
            "{} {:<5} {:<22} {:<8} waited {:>6}{}",
            if i == selected { "▸" } else { " " },
            truncate(q.cell.trim(), 5),
            truncate(&printable(&q.name), 22),
            r.band,
            format_elapsed(wait.waited(now)),
            over.map(|o| format!(" !-{}", format_elapsed(o)))
                .unwrap_or_default()
        );
        let style = match (i == selected, over.is_some()) {
            (true, _) => theme.selected(),
            (false, true) => theme.overdue(),
            (false, false) => ratatui::style::Style::default(),
        };
        lines.push(Line::from(Span::styled(truncate(&head, width), style)));
        lines.push(Line::from(Span::styled(
            truncate(
                &format!(
                    "    asked {} by {}: {}",
                    to_london(r.requested_at),
                    short_name(&r.requested_by_name, &r.requested_by),
                    printable(&r.reason)
                ),
                width,
            ),
            theme.dim(),
        )));
    }
    let title = format!(
        " HCP queue: {} waiting (most overdue first, then band, then oldest) ",
        app.hcp.queue.len()
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title)
                .border_style(theme.title()),
        ),
        area,
    );
}
