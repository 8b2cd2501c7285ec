//! Rendering the care plan form, the check form, the emergency alert and the record's check
//! timeline. Draws state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::board::truncate;
use super::theme::Theme;
use crate::app::care::{CareForm, CheckField, CheckForm, PaceEntry, PaceForm, PlanField, PlanForm};
use crate::app::{App, RecordState};
use crate::domain::care::{CheckKind, timeline};
use crate::domain::observation::{
    CheckInterval, format_elapsed, to_london_with_day, to_london_with_zone,
};
use crate::domain::pace::PaceClock;

/// Draws a care form (a box over the screen), if one is open.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    match &app.care.form {
        Some(CareForm::Plan(f)) => boxed(
            frame,
            area,
            if f.recommend {
                " HCP recommendation for the care plan "
            } else {
                " Care plan "
            },
            plan_lines(f, theme),
        ),
        Some(CareForm::Pace(f)) => {
            boxed(frame, area, " PACE clock ", pace_lines(f, app.now, theme))
        }
        Some(CareForm::Check(f)) => {
            let title = match f.kind {
                CheckKind::Visit if f.rousing() => " Rousing check (Annex H) ",
                CheckKind::Visit => " Cell check ",
                CheckKind::WrittenEntry => " Constant observation: written entry ",
            };
            boxed(frame, area, title, check_lines(app, f, theme));
        }
        None => {}
    }
}

fn boxed(frame: &mut Frame<'_>, area: Rect, title: &str, lines: Vec<Line<'static>>) {
    boxed_with(frame, area, title, lines, ratatui::style::Style::default());
}

/// A box of `lines` centred over `area`, as tall as its wrapped lines, its border in `border`
/// (the emergency prompts are red).
pub(super) fn boxed_with(
    frame: &mut Frame<'_>,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    border: ratatui::style::Style,
) {
    let width = area.width.saturating_sub(4).min(76);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = (u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2))
        .min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string())
                .border_style(border),
        ),
        popup,
    );
}

fn field_line(label: &str, value: String, focused: bool, theme: &Theme) -> Line<'static> {
    let marker = if focused { "> " } else { "  " };
    let value = if focused { format!("{value}_") } else { value };
    Line::from(vec![
        Span::styled(
            format!("{marker}{label:<14}"),
            if focused { theme.key() } else { theme.dim() },
        ),
        Span::raw(value),
    ])
}

fn pace_lines(
    f: &PaceForm,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(f.who.clone()),
        Line::from(Span::styled(
            "Timed now. Reviews: first by 6 h after authorisation, then every 9 h.",
            theme.dim(),
        )),
        Line::default(),
        field_line(
            "What",
            format!("{}  (1-8, up/down)", f.entry.label()),
            f.field == 0,
            theme,
        ),
        field_line(
            match f.entry {
                PaceEntry::Review => "Reviewed by",
                PaceEntry::Superintendent => "Superintendent",
                PaceEntry::Warrant => "Court",
                PaceEntry::Decision(_) => "Note",
            },
            match f.entry {
                PaceEntry::Decision(_) => f.outcome.clone(),
                _ => f.by.clone(),
            },
            f.field == 1,
            theme,
        ),
        match f.entry {
            PaceEntry::Review => field_line("Outcome", f.outcome.clone(), f.field == 2, theme),
            PaceEntry::Decision(_) => Line::from(Span::styled(
                "      Makes a care-plan review due until the plan is set again (p).",
                theme.dim(),
            )),
            _ => field_line(
                "Until (hours)",
                format!(
                    "{}  after the relevant time (36 max, warrant 96)",
                    f.until_hours
                ),
                f.field == 2,
                theme,
            ),
        },
    ];
    if f.entry == PaceEntry::Review {
        // s.40(12)-(14): the detainee, or their solicitor, must be given the chance to make
        // representations before the decision; what they said (or why nothing) is recorded.
        lines.push(field_line(
            "Represent'ns",
            f.representations.clone(),
            f.field == 3,
            theme,
        ));
        let late_hint = match f.review_due {
            Some(due) if due < now => format!(
                "  (required: due {}, now late)",
                crate::domain::observation::to_london(due)
            ),
            _ => "  (only if late)".to_string(),
        };
        lines.push(field_line(
            "Why late",
            if f.field == 4 {
                f.late_reason.clone()
            } else {
                format!("{}{late_hint}", f.late_reason)
            },
            f.field == 4,
            theme,
        ));
    }
    if let Some(e) = &f.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error())));
    }
    lines
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "NO".into(),
        None => "(y/n)".into(),
    }
}

fn plan_lines(f: &PlanForm, theme: &Theme) -> Vec<Line<'static>> {
    let s = &f.suggestion;
    let because = if s.because.is_empty() {
        "APP minimum for everyone; no flag asks for more".to_string()
    } else {
        s.because.join("; ")
    };
    let mut lines = vec![Line::from(f.who.clone())];
    if let Some(rec) = &f.recommendation {
        lines.push(Line::from(Span::styled(rec.clone(), theme.info())));
    }
    lines.extend([
        Line::from(Span::styled(
            truncate(
                &format!(
                    "Suggested: {} · {}{}",
                    s.level,
                    s.interval.label(),
                    if s.rouse { " · rouse" } else { "" }
                ),
                72,
            ),
            theme.dim(),
        )),
        Line::from(Span::styled(
            truncate(&format!("Because:   {because}"), 72),
            theme.dim(),
        )),
        field_line(
            "Level",
            format!("{}  (1-4, up/down)", f.level),
            f.field == PlanField::Level,
            theme,
        ),
        field_line(
            "Checks",
            format!("{}  (up/down)", CheckInterval::label(&f.interval())),
            f.field == PlanField::Interval,
            theme,
        ),
        field_line(
            "Rouse",
            if f.rouse { "yes" } else { "no" }.to_string(),
            f.field == PlanField::Rouse,
            theme,
        ),
        field_line(
            "HCP advised",
            if f.hcp_recommended { "yes" } else { "no" }.to_string(),
            f.field == PlanField::HcpRecommended,
            theme,
        ),
        field_line(
            "Instructions",
            f.instructions.clone(),
            f.field == PlanField::Instructions,
            theme,
        ),
        field_line(
            "Rationale",
            f.rationale.clone(),
            f.field == PlanField::Rationale,
            theme,
        ),
    ]);
    if f.below_suggestion() {
        lines.push(Line::from(Span::styled(
            format!(
                "Level {} is below the suggested level {}: a rationale is required.",
                f.level.number(),
                f.suggestion.level.number()
            ),
            theme.warning(),
        )));
    }
    if let Some(e) = &f.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error())));
    }
    lines
}

fn check_lines(app: &App, f: &CheckForm, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(f.who.clone()),
        Line::from(Span::styled(
            format!(
                "Time: {} by {} unless you set minutes ago",
                to_london_with_zone(app.now),
                app.identity().map(|i| i.username.as_str()).unwrap_or("")
            ),
            theme.dim(),
        )),
        Line::default(),
    ];
    for field in f.fields() {
        let focused = f.field == field;
        let line = match field {
            CheckField::Rousable => field_line("Rousable?", yes_no(f.rousable), focused, theme),
            CheckField::Questions => field_line("Answers Qs?", yes_no(f.questions), focused, theme),
            CheckField::Commands => field_line("Obeys cmds?", yes_no(f.commands), focused, theme),
            CheckField::Condition => field_line("Condition", f.condition.clone(), focused, theme),
            CheckField::Note => field_line("Note", f.note.clone(), focused, theme),
            CheckField::MinutesAgo => field_line(
                "Minutes ago",
                if f.minutes_ago.is_empty() && !focused {
                    "0 (now)".into()
                } else {
                    f.minutes_ago.clone()
                },
                focused,
                theme,
            ),
            CheckField::LateReason => field_line("Why late", f.late_reason.clone(), focused, theme),
        };
        lines.push(line);
    }
    if f.rousing() {
        lines.push(Line::from(Span::styled(
            "Any NO opens a medical emergency on every terminal.",
            theme.warning(),
        )));
    }
    if let Some(e) = &f.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error())));
    }
    lines
}

/// The record's check timeline: a compact chart of the gaps between checks (`#` late, `=` on
/// time, one character per check, newest right) and the list below it.
pub fn timeline_lines(r: &RecordState, theme: &Theme) -> Vec<Line<'static>> {
    let plan = r.view.plan_history.first();
    let start = plan.map(|p| p.set_at).unwrap_or(r.view.entry.arrived_at);
    let interval = plan.and_then(|p| p.interval_minutes);
    let times: Vec<_> = r
        .view
        .checks
        .iter()
        .map(|c| c.done_at)
        .filter(|t| *t >= start)
        .collect();
    let entries = timeline(start, &times, interval);
    let mut lines = vec![Line::from(Span::styled(
        "Check timeline since the current plan (= on time, # late; oldest left)",
        theme.title(),
    ))];
    if entries.is_empty() {
        lines.push(Line::from("No checks since the plan was set."));
        return lines;
    }
    let late = entries.iter().filter(|e| e.late).count();
    let chart: String = entries
        .iter()
        .rev()
        .take(48)
        .rev()
        .map(|e| if e.late { '#' } else { '=' })
        .collect();
    lines.push(Line::from(vec![
        Span::raw(format!("{chart}  ")),
        Span::styled(
            format!("{} on time, {late} late", entries.len() - late),
            if late > 0 {
                theme.overdue()
            } else {
                theme.dim()
            },
        ),
    ]));
    for e in entries.iter().rev().filter(|e| e.late).take(5) {
        lines.push(Line::from(Span::styled(
            format!(
                "LATE: {} came {} after the one before (plan: {} minutes)",
                to_london_with_day(e.done_at),
                format_elapsed(e.gap),
                interval.unwrap_or_default()
            ),
            theme.overdue(),
        )));
    }
    lines
}

fn label(name: &str, value: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<22}"), theme.dim()),
        Span::raw(value),
    ])
}

/// The summary tab's care lines, under the observation level: the rationale when the level is
/// below the suggestion (it shows wherever the level does), the next PACE deadline, and the
/// plan review due before transfer.
pub fn summary_lines(app: &App, r: &RecordState, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    lines.extend(rationale_lines(r, theme));
    lines.push(label("Next PACE deadline", pace_text(app, r), theme));
    lines.extend(review_due(app, r, theme));
    lines
}

fn rationale_lines(r: &RecordState, theme: &Theme) -> Vec<Line<'static>> {
    let Some(plan) = r.view.plan_history.first() else {
        return Vec::new();
    };
    let suggested = r.view.care.suggested_level.unwrap_or(1);
    let mut lines = Vec::new();
    if plan.level < suggested {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<22}", "Below suggested"), theme.dim()),
            Span::styled(
                format!(
                    "level {suggested} is suggested by the flags; level {} chosen",
                    plan.level
                ),
                theme.warning(),
            ),
        ]));
    }
    if !plan.rationale.is_empty() {
        lines.push(label("Rationale", plan.rationale.clone(), theme));
    } else if plan.level < suggested {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<22}", "Rationale"), theme.dim()),
            Span::styled(
                "NONE RECORDED: raise the level or set the plan again with a rationale (p)"
                    .to_string(),
                theme.warning(),
            ),
        ]));
    }
    lines
}

fn review_due(app: &App, r: &RecordState, theme: &Theme) -> Option<Line<'static>> {
    let decided = app
        .care
        .board
        .get(&r.view.entry.detention_id)
        .and_then(|info| info.review_due);
    let text = match decided {
        Some(due) => format!(
            "PLAN REVIEW DUE ({}) (press p to review the plan)",
            due.reason()
        ),
        None if r.view.entry.ready_for_transfer => {
            "due before release or transfer (press p to review the plan)".to_string()
        }
        None => return None,
    };
    Some(Line::from(vec![
        Span::styled(format!("{:<22}", "Plan review"), theme.dim()),
        Span::styled(text, theme.warning()),
    ]))
}

fn pace_text(app: &App, r: &RecordState) -> String {
    let e = &r.view.entry;
    let Some(authorised) = e.authorised_at else {
        return "detention not yet authorised".into();
    };
    let Ok(clock) = PaceClock::new(e.arrived_at.min(authorised), authorised) else {
        return "not known".into();
    };
    let reviews: Vec<_> = r.view.care.reviews.iter().map(|v| v.reviewed_at).collect();
    let d = clock.next_deadline(&reviews, &r.view.care.extensions, app.now);
    let status = d.status(app.now);
    if status.is_overdue() {
        format!(
            "{} {} (PASSED {} ago)",
            d.kind.label(),
            to_london_with_day(d.at),
            format_elapsed(app.now - d.at)
        )
    } else {
        format!(
            "{} {} (in {})",
            d.kind.label(),
            to_london_with_day(d.at),
            status.countdown()
        )
    }
}

fn yn(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "y",
        Some(false) => "N",
        None => "-",
    }
}

/// The care tab below the plan: suggestion, PACE, the checks in full and the timeline.
pub fn care_tab_lines(app: &App, r: &RecordState, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = rationale_lines(r, theme);
    if let Some(s) = r.view.care.suggested_level {
        lines.push(label(
            "Suggested level",
            if r.view.care.suggested_because.is_empty() {
                format!("{s} (APP minimum)")
            } else {
                format!("{s} ({})", r.view.care.suggested_because.join("; "))
            },
            theme,
        ));
    }
    lines.extend(review_due(app, r, theme));
    lines.push(label("Next PACE deadline", pace_text(app, r), theme));
    for rv in &r.view.care.reviews {
        lines.push(label("PACE review", rv.summary(), theme));
    }
    lines.push(Line::default());
    lines.extend(timeline_lines(r, theme));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Checks (rousable / answers questions / obeys commands)",
        theme.title(),
    )));
    if r.view.care.checks.is_empty() {
        lines.push(Line::from("No checks recorded yet."));
    }
    for c in &r.view.care.checks {
        let what = if c.kind == "written_entry" {
            "entry".to_string()
        } else if c.rousable.is_some() {
            format!(
                "R{} Q{} C{}",
                yn(c.rousable),
                yn(c.responds_to_questions),
                yn(c.responds_to_commands)
            )
        } else {
            "visit".to_string()
        };
        let alarm = c.rousable == Some(false)
            || c.responds_to_questions == Some(false)
            || c.responds_to_commands == Some(false);
        let mut text = format!(
            "{}  {:<9} {:<10} {}",
            to_london_with_day(c.done_at),
            what,
            c.done_by,
            [c.condition.as_str(), c.note.as_str()]
                .iter()
                .filter(|t| !t.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("; ")
        );
        // Done and entered are both kept: a check typed up later says when it was typed.
        if let Some(entered) = c
            .recorded_at
            .filter(|at| *at - c.done_at > chrono::TimeDelta::minutes(1))
        {
            text.push_str(&format!(" (entered {})", to_london_with_day(entered)));
        }
        if !c.late_reason.is_empty() {
            text.push_str(&format!(" (recorded late: {})", c.late_reason));
        }
        lines.push(if alarm {
            Line::from(Span::styled(text, theme.overdue()))
        } else {
            Line::from(text)
        });
    }
    lines
}

/// The board's line under the header when no filter is shown: the selected person's next PACE
/// deadline and, if their level is below the suggestion, the rationale (it shows wherever the
/// level does).
pub fn board_line(
    app: &App,
    board: &crate::app::board::BoardState,
    theme: &Theme,
    width: usize,
) -> Line<'static> {
    let Some(row) = board.selected_row() else {
        return Line::default();
    };
    let Some(info) = app.care.board.get(&row.detention_id) else {
        return Line::default();
    };
    let mut spans = vec![Span::styled(format!(" {} ", row.custody_no), theme.dim())];
    let mut used = row.custody_no.chars().count() + 2;
    // First of all, in full: what booking in still owes this person.
    for owed in &row.outstanding {
        let text = format!("{} ", owed.words());
        used += text.chars().count();
        spans.push(Span::styled(text, theme.overdue()));
    }
    // First, so it survives at 80 columns: the plan must be reviewed after a custody decision.
    if let Some(due) = &info.review_due {
        let text = format!("PLAN REVIEW DUE ({}) ", due.reason());
        used += text.chars().count();
        spans.push(Span::styled(text, theme.warning()));
    }
    match info.pace {
        Some(d) => {
            let status = d.status(app.now);
            let text = format!(
                "PACE {} {}{} ",
                d.kind.label(),
                to_london_with_zone(d.at),
                if status.is_overdue() {
                    " PASSED".to_string()
                } else {
                    format!(" (in {})", status.countdown())
                }
            );
            used += text.chars().count();
            spans.push(Span::styled(
                text,
                if status.is_overdue() {
                    theme.overdue()
                } else {
                    theme.dim()
                },
            ));
        }
        None => {
            let text = "PACE: detention not yet authorised ".to_string();
            used += text.chars().count();
            spans.push(Span::styled(text, theme.dim()));
        }
    }
    if let Some((suggested, rationale)) = &info.below_suggestion {
        let text = truncate(
            &if rationale.trim().is_empty() {
                format!("· BELOW SUGGESTED L{suggested}: NO RATIONALE RECORDED")
            } else {
                format!("· below suggested L{suggested}: {rationale}")
            },
            width.saturating_sub(used + 1),
        );
        spans.push(Span::styled(text, theme.warning()));
    }
    Line::from(spans)
}
