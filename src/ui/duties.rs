//! The prompts of `app::duties`: add a risk flag, change the observation level, record why
//! the health screen cannot be done now. The focused field is marked and shows the cursor;
//! a choice shows its options with the chosen one marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::board::truncate;
use super::theme::Theme;
use crate::app::App;
use crate::app::duties::{DutyDialog, FlagField, SEVERITIES};
use crate::domain::flag::FlagCode;
use crate::domain::observation::ObservationLevel;
use crate::domain::text::printable;

const LABEL: usize = 10;

/// The open prompt, over whatever is underneath.
pub fn render_dialog(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(dialog) = &app.duty else {
        return;
    };
    let width = usize::from(area.width.saturating_sub(8)).max(20);
    let (title, mut lines, error) = match dialog {
        DutyDialog::AddFlag {
            who,
            code,
            find,
            severity,
            reason,
            focus,
            error,
            ..
        } => {
            let mut lines = vec![Line::from(printable(who)), Line::default()];
            // The chosen code with its neighbours, so up/down shows where it goes.
            let chosen = FlagCode::ALL
                .get(*code)
                .copied()
                .unwrap_or(FlagCode::ALL[0]);
            lines.push(super::input_field(
                LABEL,
                "Flag",
                &format!(
                    "{} {}",
                    chosen.code(),
                    if *focus == FlagField::Code {
                        find.as_str()
                    } else {
                        ""
                    }
                ),
                *focus == FlagField::Code,
                theme,
            ));
            lines.push(Line::from(Span::styled(
                format!("{:LABEL$}  {}", "", truncate(chosen.description(), width)),
                theme.dim(),
            )));
            let severities: Vec<String> = SEVERITIES
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mark = if i == *severity { "▸" } else { " " };
                    format!("{mark}{} {}", i + 1, s.label())
                })
                .collect();
            lines.push(super::input_field(
                LABEL,
                "Severity",
                &severities.join("  "),
                *focus == FlagField::Severity,
                theme,
            ));
            lines.push(super::input_field(
                LABEL,
                "Why",
                &printable(reason),
                *focus == FlagField::Reason,
                theme,
            ));
            lines.push(Line::from(Span::styled(
                "up/down choose the flag and severity; type the code to find it (SH, ALC).",
                theme.dim(),
            )));
            (" Add a risk flag ", lines, error)
        }
        DutyDialog::Level {
            who,
            current,
            suggested,
            level,
            rationale,
            on_rationale,
            error,
            ..
        } => {
            let mut lines = vec![
                Line::from(printable(who)),
                Line::from(format!(
                    "Now level {}; the rules suggest level {}.",
                    current.number(),
                    suggested.number()
                )),
                Line::default(),
            ];
            for l in ObservationLevel::ALL {
                let chosen = l == *level;
                lines.push(Line::from(Span::styled(
                    truncate(
                        &format!(
                            "{} {}  {}",
                            if chosen { "▸" } else { " " },
                            l.number(),
                            l.label()
                        ),
                        width,
                    ),
                    if chosen {
                        theme.selected()
                    } else {
                        ratatui::style::Style::default()
                    },
                )));
            }
            lines.push(super::input_field(
                LABEL,
                "Level",
                &level.number().to_string(),
                !*on_rationale,
                theme,
            ));
            lines.push(super::input_field(
                LABEL,
                "Rationale",
                &printable(rationale),
                *on_rationale,
                theme,
            ));
            if level.number() < suggested.number() {
                lines.push(Line::from(Span::styled(
                    "Below the suggested level: the rationale is required.",
                    theme.warning(),
                )));
            }
            (" Change the observation level ", lines, error)
        }
        DutyDialog::DeferScreen {
            who, reason, error, ..
        } => (
            " Health screen not possible now ",
            vec![
                Line::from(printable(who)),
                Line::default(),
                super::input_field(LABEL, "Why", &printable(reason), true, theme),
                Line::from(Span::styled(
                    "e.g. asleep, intoxicated: HCP to screen when awake; no HCP on duty until 07:00.",
                    theme.dim(),
                )),
            ],
            error,
        ),
    };
    if let Some(err) = error {
        lines.push(Line::from(Span::styled(printable(err), theme.error())));
    }
    lines.push(Line::default());
    lines.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    super::care::boxed_with(frame, area, title, lines, theme.title());
}
