//! The form screen: one question at a time, its answer keys, help, source, anything carried
//! over from an earlier detention, the progress line and the flags raised so far.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::booking::key;
use super::theme::Theme;
use crate::app::form::{FormScreen, InputMode};
use crate::app::{Action, App};
use crate::domain::flag::Severity;
use crate::domain::form::AnswerKind;

pub fn render(app: &App, f: &FormScreen, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let [head, body, flags_area, keys_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let (answered, total) = f.progress();
    let order: Vec<&str> = f
        .form
        .applicable(&f.answers)
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    let number = order
        .iter()
        .position(|q| *q == f.current)
        .map_or(0, |i| i + 1);
    let section = f
        .form
        .questions()
        .find(|(_, q)| q.id == f.current)
        .map(|(s, _)| s.title.clone())
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(
                format!(" {} · {}", f.form.title, f.who),
                theme.title(),
            )),
            Line::from(format!(
                " {answered} of {total} answered · question {number} of {total} · {section}"
            )),
        ]),
        head,
    );
    let mut lines = Vec::new();
    if let Some(q) = f.question() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!(" {}{}", q.text, if q.required { "" } else { " (optional)" }),
            theme.title(),
        )));
        let choices = q.kind.choices();
        match &q.kind {
            AnswerKind::YesNo | AnswerKind::Choice(_) => {
                let opts: Vec<String> = choices
                    .iter()
                    .map(|c| format!("[{}] {}", c.key, c.label))
                    .collect();
                lines.push(Line::from(format!("   {}", opts.join("   "))));
            }
            AnswerKind::MultiChoice(_) => {
                for c in &choices {
                    let on = f.selected.contains(&c.value);
                    lines.push(Line::from(format!(
                        "   [{}] {} {}",
                        c.key,
                        if on { "(x)" } else { "( )" },
                        c.label
                    )));
                }
                lines.push(Line::from(Span::styled(
                    "   Press each number that applies, then Enter (Enter alone: none).",
                    theme.dim(),
                )));
            }
            AnswerKind::Group { fields } => {
                for row in &f.group_rows {
                    let parts: Vec<&str> = fields
                        .iter()
                        .map(|k| row.get(k).map_or("", String::as_str))
                        .collect();
                    lines.push(Line::from(format!("   + {}", parts.join("; "))));
                }
                lines.push(Line::from(Span::styled(
                    format!(
                        "   One entry per line as {}; Enter adds it; Enter on an empty line saves.",
                        fields.join("; ")
                    ),
                    theme.dim(),
                )));
            }
            AnswerKind::Number { unit, min, max } => lines.push(Line::from(Span::styled(
                format!("   A number from {min} to {max} {unit}, then Enter."),
                theme.dim(),
            ))),
            AnswerKind::Date => lines.push(Line::from(Span::styled(
                "   A date as dd/mm/yyyy, then Enter.",
                theme.dim(),
            ))),
            AnswerKind::DateTime => lines.push(Line::from(Span::styled(
                "   A date and time, e.g. 23/11/2026 13:30, then Enter.",
                theme.dim(),
            ))),
            AnswerKind::Text { max_len } => lines.push(Line::from(Span::styled(
                format!("   Up to {max_len} characters, then Enter."),
                theme.dim(),
            ))),
        }
        let prompt = match f.mode {
            InputMode::Answer => match q.kind {
                AnswerKind::YesNo | AnswerKind::Choice(_) | AnswerKind::MultiChoice(_) => None,
                _ => Some("Answer"),
            },
            InputMode::Details => Some("Give details"),
            InputMode::Unable => Some("Unable to answer because"),
            InputMode::NotAsked => Some("Not asked because"),
            InputMode::Amend => Some("Reason for the amendment"),
            InputMode::AddFlag => Some("New flag (code severity reason)"),
            InputMode::FlagInError => Some("Entered in error (code reason)"),
            InputMode::ConfirmInError => None,
        };
        if let Some(p) = prompt {
            lines.push(Line::from(vec![
                Span::raw(format!("   {p}: ")),
                Span::styled(format!("{}_", f.input), theme.selected()),
            ]));
        }
        if let Some(a) = f.answers.get(&q.id) {
            let mut text = format!("   Saved: {}", a.value.summary(&q.kind));
            if let Some(d) = &a.details {
                text.push_str(&format!(" ({d})"));
            }
            lines.push(Line::from(Span::styled(text, theme.info())));
        } else if let Some(c) = f.carried.get(&q.id) {
            lines.push(Line::from(Span::styled(
                format!(
                    "   Carried over from {}, {}: {} (not confirmed: ask again; Enter confirms)",
                    c.custody_no,
                    c.answered_at.format("%d/%m/%Y"),
                    c.answer.value.summary(&q.kind)
                ),
                theme.warning(),
            )));
        }
        if let Some((_, code, reason)) = &f.in_error {
            lines.push(Line::from(Span::styled(
                format!(
                    "   Mark {code} entered in error because \"{reason}\"? It stays in the record. {} confirms, {} cancels.",
                    key(app, Action::Submit),
                    key(app, Action::Back)
                ),
                theme.warning(),
            )));
        }
        if let Some(history) = &f.history {
            lines.push(Line::from(Span::styled("   History:", theme.title())));
            for v in history {
                let mut text = format!(
                    "   v{} {} · {} {}",
                    v.version,
                    v.answer.value.summary(&q.kind),
                    v.answered_by,
                    crate::domain::observation::to_london_with_day(v.answered_at)
                );
                if let Some(d) = &v.answer.details {
                    text.push_str(&format!(" · details: {d}"));
                }
                if let Some(r) = &v.reason {
                    text.push_str(&format!(" · why: {r}"));
                }
                lines.push(Line::from(text));
            }
        }
        if f.completed {
            lines.push(Line::from(Span::styled(
                "   This form is complete: a changed answer is an amendment and needs a reason.",
                theme.warning(),
            )));
        }
        lines.push(Line::default());
        if !q.help.is_empty() {
            lines.push(Line::from(Span::styled(
                format!(" {}", q.help),
                theme.dim(),
            )));
        }
        lines.push(Line::from(Span::styled(
            format!(" Source: {}", q.source),
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);

    let mut spans = vec![Span::raw(" Flags: ")];
    let active: Vec<_> = f
        .flags
        .iter()
        .filter(|fl| fl.entered_in_error.is_none())
        .collect();
    if active.is_empty() {
        spans.push(Span::styled("none", theme.dim()));
    }
    for fl in active {
        let severity = fl
            .severity
            .parse::<Severity>()
            .unwrap_or(Severity::Information);
        spans.push(Span::styled(
            format!("{}{}", fl.code, severity.marker()),
            theme.severity(severity),
        ));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), flags_area);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            format!(
                " {} declined · {} unable · {} not asked · {} next gap · {} complete · {} next",
                key(app, Action::AnswerDeclined),
                key(app, Action::AnswerUnable),
                key(app, Action::AnswerNotAsked),
                key(app, Action::NextUnanswered),
                key(app, Action::CompleteForm),
                key(app, Action::NextField),
            ),
            theme.dim(),
        ))),
        keys_area,
    );
}
