//! One person's record, in tabs. Clinical detail is drawn only when the state says it is
//! visible (an HCP, or after an audited break-glass); otherwise the place says "HCP only".

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

use super::theme::Theme;
use crate::app::{Action, App, RecordState, RecordTab};
use crate::domain::emergency::Emergency;
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{CheckStatus, ObservationLevel, to_london_with_day};
use crate::domain::record::ClinicalRecord;
use crate::domain::text::printable;
use crate::keymap::Context;
use ratatui::style::Modifier;

pub fn render(app: &App, r: &RecordState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let [allergy_area, title_area, tabs_area, body_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    // Allergies first, on every tab (as VistA CPRS's crisis/warnings/allergies banner).
    frame.render_widget(
        Paragraph::new(allergy_banner(&r.view.record, theme, area.width)),
        allergy_area,
    );
    let e = &r.view.entry;
    let age = r
        .view
        .entry
        .date_of_birth
        .map(|dob| {
            crate::domain::person::age_on(dob, crate::domain::observation::london_date(app.now))
                .to_string()
        })
        .unwrap_or_else(|| "?".into());
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            if r.read_only {
                Span::styled(" READ-ONLY ·", theme.warning())
            } else {
                Span::raw("")
            },
            Span::styled(
                format!(" {}, {}", e.surname.to_uppercase(), e.forenames),
                theme.title(),
            ),
            Span::raw(format!(
                "  age {age}  ·  {}  ·  cell {}{}",
                e.custody_no,
                printable(&e.cell),
                if r.view.shared_cell_reason.is_empty() {
                    ""
                } else {
                    " (shared)"
                }
            )),
        ])),
        title_area,
    );
    let titles: Vec<Line<'_>> = RecordTab::ALL
        .iter()
        .map(|t| Line::from(t.title()))
        .collect();
    let selected = RecordTab::ALL.iter().position(|t| *t == r.tab).unwrap_or(0);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(theme.selected())
            .divider("|"),
        tabs_area,
    );
    let lines = match r.tab {
        RecordTab::Summary => summary(app, r, theme),
        RecordTab::Risk => risk(r, theme),
        RecordTab::CarePlan => care_plan(app, r, theme),
        RecordTab::Health => super::clinical::health_lines(app, r, theme, body_area.width),
        RecordTab::History => history(app, r, theme),
    };
    let text_area = body_area;
    // On the History tab the arrows move the selection: keep it in view.
    let scroll = if r.tab == RecordTab::History && !r.earlier().is_empty() {
        let selected_row = u16::try_from(r.history_selected)
            .unwrap_or(u16::MAX)
            .saturating_add(3);
        selected_row.saturating_sub(body_area.height.saturating_sub(1))
    } else {
        r.scroll
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(Block::default().borders(Borders::TOP)),
        text_area,
    );
    if let Some(dialog) = &r.dialog {
        let width = area.width.saturating_sub(8).min(70);
        let popup = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + area.height / 3,
            width,
            height: 7,
        };
        frame.render_widget(Clear, popup);
        let mut lines = vec![
            Line::from("Why do you need the clinical detail? This is recorded in the audit log."),
            Line::from(vec![
                Span::styled("Reason: ", theme.key()),
                Span::raw(format!("{}_", dialog.reason)),
            ]),
        ];
        if let Some(error) = &dialog.error {
            lines.push(Line::from(Span::styled(error.clone(), theme.error())));
        }
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Break glass "),
            ),
            popup,
        );
    }
    if let Some(review) = &r.review {
        review_panel(app, review, theme, frame, area);
    }
}

/// The allergy line at the top of every record view, cut to `width` with a pointer to the
/// Health tab when it does not fit. Warning style; the words say ALLERGIES, so colour is
/// never the only carrier.
fn allergy_banner(record: &ClinicalRecord, theme: &Theme, width: u16) -> Line<'static> {
    let text = format!(" {}", record.allergy_line());
    let width = usize::from(width);
    let text = if text.chars().count() > width {
        // Cut at a word, and say where the rest is.
        let tail = " … (all on Health)";
        let keep = width.saturating_sub(tail.chars().count());
        let cut: String = text.chars().take(keep).collect();
        let cut = match cut.rfind(' ') {
            Some(i) if i > 12 => cut[..i].trim_end_matches([';', ',', ' ']).to_string(),
            _ => cut,
        };
        format!("{cut}{tail}")
    } else {
        text
    };
    let style = if record.allergies().next().is_some() {
        theme.warning().add_modifier(Modifier::BOLD)
    } else {
        theme.warning()
    };
    Line::from(Span::styled(text, style))
}

/// "p.raman at 23 Nov 14:05 (NEWS2)", or "not yet".
fn seen_by_hcp(e: &crate::store::custody::CustodyEntry) -> String {
    match &e.last_seen {
        Some(seen) => format!(
            "{} at {} ({})",
            seen.by,
            to_london_with_day(seen.at),
            seen.what
        ),
        None if e.hcp_seen => "yes".into(),
        None => "not yet".into(),
    }
}

/// The review of what is known from before: numbered, the selected item marked, its keys
/// from the live keymap.
fn review_panel(
    app: &App,
    review: &crate::app::review::ReviewState,
    theme: &Theme,
    frame: &mut Frame<'_>,
    area: Rect,
) {
    let width = area.width.saturating_sub(4).min(100);
    let height = area.height.saturating_sub(2).max(3);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + 1,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let key = |action: Action| {
        app.keymap
            .keys_for(Context::Record, action)
            .into_iter()
            .next()
            .map(|k| k.to_string())
            .unwrap_or_else(|| action.name().to_string())
    };
    let mut lines = vec![Line::from(
        "Known from before, not yet reviewed here. Each stays on the banner and the board until reviewed.",
    )];
    lines.push(Line::default());
    // Keep the selected item in view: three lines per item.
    let inner_height = usize::from(popup.height.saturating_sub(2));
    let per_item = 2;
    let footer = 5;
    let fits = (inner_height.saturating_sub(2 + footer) / per_item).max(1);
    let first = review.selected.saturating_sub(fits - 1);
    if first > 0 {
        lines.push(Line::from(Span::styled(
            format!("  ↑ {first} more above"),
            theme.dim(),
        )));
    }
    for (i, item) in review.items.iter().enumerate().skip(first).take(fits) {
        let selected = i == review.selected;
        let marker = if selected { "▸" } else { " " };
        let head = Line::from(Span::styled(
            format!("{marker}{:>2}. {}", i + 1, item.summary),
            if selected {
                theme.selected()
            } else {
                ratatui::style::Style::default()
            },
        ));
        lines.push(head);
        lines.push(Line::from(Span::styled(
            format!("     {}, not reconfirmed", item.from_line()),
            theme.dim(),
        )));
    }
    let below = review.items.len().saturating_sub(first + fits);
    if below > 0 {
        lines.push(Line::from(Span::styled(
            format!("  ↓ {below} more below"),
            theme.dim(),
        )));
    }
    lines.push(Line::default());
    match &review.reason {
        Some(reason) => {
            lines.push(Line::from(
                "Why is it set aside? The reason is kept with the record and audited.",
            ));
            lines.push(Line::from(vec![
                Span::styled("Reason: ", theme.key()),
                Span::raw(format!("{reason}_")),
            ]));
        }
        None => lines.push(Line::from(vec![
            Span::styled(key(Action::ReconfirmKnown), theme.key()),
            Span::raw(" reconfirm  "),
            Span::styled(key(Action::SetAsideKnown), theme.key()),
            Span::raw(" set aside (with a reason)  "),
            Span::styled(key(Action::MoveDown), theme.key()),
            Span::raw("/"),
            Span::styled(key(Action::MoveUp), theme.key()),
            Span::raw(" move  "),
            Span::styled(key(Action::Back), theme.key()),
            Span::raw(" close"),
        ])),
    }
    if let Some(error) = &review.error {
        lines.push(Line::from(Span::styled(error.clone(), theme.error())));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default().borders(Borders::ALL).title(format!(
                " Review known from before ({}) ",
                review.items.len()
            )),
        ),
        popup,
    );
}

fn label<'a>(name: &'a str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<22}"), theme.dim()),
        Span::raw(value),
    ])
}

fn summary<'a>(app: &App, r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    let v = &r.view;
    let e = &v.entry;
    let row = crate::app::board::board_row(e, app.now);
    // A detention that has ended has no next check: say when the person left instead.
    let next = match (e.closed_at, row.check_status(app.now)) {
        (Some(left), _) => format!("none: left the suite {}", to_london_with_day(left)),
        (None, Some(s @ CheckStatus::Overdue { .. })) => format!("OVERDUE {}", s.countdown()),
        (None, Some(s)) => format!(
            "{} (in {})",
            row.next_check_due
                .map(to_london_with_day)
                .unwrap_or_default(),
            s.countdown()
        ),
        (None, None) => "constant observation".into(),
    };
    let level = row.observation_level;
    // An open emergency is the first thing anyone opening the record must see.
    let mut lines: Vec<Line<'a>> = v
        .emergencies
        .iter()
        .filter(|em| em.is_open())
        .map(|em| {
            Line::from(Span::styled(
                printable(&crate::domain::record::emergencies::headline(em)),
                theme.error(),
            ))
        })
        .collect();
    // Then what booking still owes: until it is done, the risk is not known here.
    if e.closed_at.is_none() {
        for owed in &e.outstanding {
            lines.push(Line::from(Span::styled(
                format!("{}: {}.", owed.words(), owed.done_by()),
                theme.error(),
            )));
        }
    }
    if !lines.is_empty() {
        lines.push(Line::default());
    }
    lines.extend([
        label(
            "Date of birth",
            e.date_of_birth
                .map(|d| d.format("%d %b %Y").to_string())
                .unwrap_or_else(|| "not known".into()),
            theme,
        ),
        label(
            "Sex",
            v.sex.clone().unwrap_or_else(|| "not recorded".into()),
            theme,
        ),
        label(
            "NHS number",
            v.nhs_number
                .as_deref()
                .and_then(|n| crate::domain::nhs_number::NhsNumber::parse(n).ok())
                .map(|n| n.to_string())
                .unwrap_or_else(|| "not known".into()),
            theme,
        ),
        label(
            "PNC id",
            v.pnc_id.clone().unwrap_or_else(|| "not known".into()),
            theme,
        ),
        label("Arrived", to_london_with_day(e.arrived_at), theme),
        label(
            "Detention authorised",
            e.authorised_at
                .map(to_london_with_day)
                .unwrap_or_else(|| "not yet".into()),
            theme,
        ),
        label(
            "Health screen",
            match (
                &v.health_screen_deferral,
                e.outstanding
                    .contains(&crate::domain::booking_duties::Outstanding::HealthScreen),
            ) {
                (Some(d), _) => format!(
                    "not done: {} ({}, {})",
                    printable(&d.reason),
                    printable(&d.by),
                    to_london_with_day(d.at)
                ),
                (None, true) => "outstanding".into(),
                (None, false) => "done".into(),
            },
            theme,
        ),
        label("Arresting officer", v.arresting_officer.clone(), theme),
        label("Reason", v.reason.clone(), theme),
    ]);
    // A cell shared at booking-in says why, next to the arrest details, for whoever plans
    // the checks and whoever takes over the suite.
    if !v.shared_cell_reason.is_empty() {
        lines.push(label(
            "Shared cell",
            format!(
                "{}: {}",
                printable(e.cell.trim()),
                printable(&v.shared_cell_reason)
            ),
            theme,
        ));
    }
    lines.extend([
        label(
            "Observation level",
            format!("{} — {}", level.number(), level.label()),
            theme,
        ),
        label("Next check", next, theme),
        label("Seen by an HCP", seen_by_hcp(e), theme),
    ]);
    // Once handed over: where the signed bundle stands with the national record.
    if let Some(n) = &v.national {
        lines.push(label("National record", printable(&n.describe()), theme));
    }
    lines.extend(super::support::record_lines(
        app,
        e,
        row.appropriate_adult_needed,
        theme,
    ));
    // Requests for an HCP with request-to-seen, and the HCP's directions with who
    // acknowledged them: operational, for every role, where the sergeant looks.
    for req in &v.hcp_requests {
        let style = match (req.is_open(), req.wait().overdue_by(app.now)) {
            (true, Some(_)) => theme.overdue(),
            (true, None) => theme.warning(),
            (false, _) => ratatui::style::Style::default(),
        };
        lines.push(Line::from(Span::styled(
            printable(&req.summary(app.now)),
            style,
        )));
    }
    for d in &v.directions {
        let style = if d.acknowledged.is_none() || d.reassess_due().is_some() {
            theme.warning()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(Span::styled(
            format!("HCP direction {}", printable(&d.summary(app.now))),
            style,
        )));
    }
    if e.closed_at.is_none() {
        lines.extend(super::care::summary_lines(app, r, theme));
    }
    // The HCP's fitness decisions direct what custody staff may do (PACE Code C 9.5-9.8;
    // Annex G for interview): the outcome and its conditions are for everyone, here where
    // the sergeant looks, not only on the Health tab.
    for f in &v.fitness {
        let what = match f.kind.as_str() {
            "detain" => "Fit to detain",
            "interview" => "Fit for interview",
            _ => "Fit to leave",
        };
        let mut text = format!(
            "{} ({} {})",
            if f.fit { "yes" } else { "NO" },
            f.decided_by,
            to_london_with_day(f.decided_at)
        );
        if !f.conditions.is_empty() {
            text = format!("{text}: {}", f.conditions);
        }
        let line = label(what, text, theme);
        lines.push(if f.fit {
            line
        } else {
            line.style(theme.warning())
        });
    }
    // "Lacks capacity now, ask again later" is an answer that asks for a follow-up: say it
    // where everyone looks, so the HCP asks again before the person leaves.
    for c in v
        .consents
        .iter()
        .filter(|c| c.decision == "lacks_capacity_ask_later")
    {
        lines.push(
            label(
                "Consent to ask again",
                format!(
                    "{} (lacked capacity, {} {})",
                    c.scope.replace('_', " "),
                    c.asked_by,
                    to_london_with_day(c.asked_at)
                ),
                theme,
            )
            .style(theme.warning()),
        );
    }
    if e.ready_for_transfer {
        lines.push(label("Transfer", "ready to leave the suite".into(), theme));
    }
    lines.extend(emergency_lines(&v.emergencies, theme));
    lines.push(Line::default());
    let mut flags = vec![Span::styled(format!("{:<22}", "Flags"), theme.dim())];
    for f in v.flags.iter().filter(|f| !f.from_earlier_detention) {
        let severity = f.severity.parse().unwrap_or(Severity::Information);
        flags.push(Span::styled(
            format!("{} ", f.code),
            theme.severity(severity),
        ));
    }
    lines.push(Line::from(flags));
    lines
}

fn risk<'a>(r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    if r.view.flags.is_empty() {
        return vec![Line::from("No risk flags have been raised.")];
    }
    let mut lines = Vec::new();
    for f in &r.view.flags {
        let severity: Severity = f.severity.parse().unwrap_or(Severity::Information);
        let description = f
            .code
            .parse::<FlagCode>()
            .map(|c| c.description())
            .unwrap_or("");
        lines.push(Line::from(vec![
            Span::styled(format!("{:<5}", f.code), theme.severity(severity)),
            Span::styled(
                format!("{:<12}", severity.label()),
                theme.severity(severity),
            ),
            Span::raw(description),
        ]));
        lines.push(Line::from(format!("      {}", f.reason)));
        let origin = if f.from_earlier_detention {
            "known from previous custody"
        } else {
            "this detention"
        };
        lines.push(Line::from(Span::styled(
            format!(
                "      {} · raised by {} · {} · {origin}",
                f.source,
                f.raised_by,
                to_london_with_day(f.raised_at)
            ),
            theme.dim(),
        )));
        if let Some(answer) = &f.raised_by_answer {
            lines.push(Line::from(Span::styled(
                format!("      raised by the answer to {answer}"),
                theme.dim(),
            )));
        }
    }
    lines
}

fn care_plan<'a>(app: &App, r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    match r.view.plan_history.first() {
        None => lines.push(Line::from(
            "No care plan has been set: level 1 (visited at least hourly) applies until one is.",
        )),
        Some(p) => {
            let level = ObservationLevel::from_number(p.level)
                .map(|l| format!("{} — {}", l.number(), l.label()))
                .unwrap_or_else(|| p.level.to_string());
            lines.push(label("Level", level, theme));
            lines.push(label(
                "Checks",
                match p.interval_minutes {
                    Some(m) => format!(
                        "every {m} minutes{}",
                        if p.rouse { ", roused each visit" } else { "" }
                    ),
                    None => "constant".into(),
                },
                theme,
            ));
            lines.push(label("Instructions", p.instructions.clone(), theme));
            lines.push(label(
                "Set",
                format!("{} by {}", to_london_with_day(p.set_at), p.set_by),
                theme,
            ));
        }
    }
    // What happened in an emergency and how it ended decides the plan's review (closing one
    // makes a review due): shown beside the plan and its checks.
    lines.extend(emergency_lines(&r.view.emergencies, theme));
    lines.extend(super::care::care_tab_lines(app, r, theme));
    lines
}

/// Every emergency of this detention with its timeline (opened, calls, outcome, closed by),
/// oldest first; an open one in the error style, whose words also say OPEN. For every role:
/// it is operational, risk-to-life information.
fn emergency_lines(emergencies: &[Emergency], theme: &Theme) -> Vec<Line<'static>> {
    if emergencies.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        Line::default(),
        Line::from(Span::styled("Emergencies in this detention", theme.title())),
    ];
    for em in emergencies {
        let style = if em.is_open() {
            theme.error()
        } else {
            theme.warning()
        };
        lines.push(Line::from(Span::styled(
            printable(&crate::domain::record::emergencies::headline(em)),
            style,
        )));
        for step in crate::domain::record::emergencies::timeline_lines(em) {
            lines.push(Line::from(Span::styled(
                format!("    {}", printable(&step)),
                theme.dim(),
            )));
        }
    }
    lines
}

fn history<'a>(app: &App, r: &'a RecordState, theme: &Theme) -> Vec<Line<'a>> {
    if r.read_only {
        return vec![Line::from(
            "This is an earlier detention, open read-only: its person's other detentions are on the current record's History tab.",
        )];
    }
    if r.earlier().is_empty() {
        return vec![Line::from("No earlier detentions in this suite.")];
    }
    let open = app
        .keymap
        .keys_for(Context::Record, Action::Confirm)
        .into_iter()
        .next()
        .map(|k| k.to_string())
        .unwrap_or_else(|| "confirm".into());
    let mut lines = vec![
        Line::from(Span::styled("Earlier detentions", theme.title())),
        Line::from(Span::styled(
            format!("{open} opens the selected one read-only (the read is audited)."),
            theme.dim(),
        )),
    ];
    for (i, d) in r.earlier().iter().enumerate() {
        let selected = i == r.history_selected;
        let text = format!(
            "{}{}  arrived {}  {}{}",
            if selected { "▸ " } else { "  " },
            d.custody_no,
            to_london_with_day(d.arrived_at),
            d.closed_at
                .map(|c| format!("left {}  ", to_london_with_day(c)))
                .unwrap_or_else(|| "still open  ".into()),
            d.reason
        );
        lines.push(if selected {
            Line::from(Span::styled(text, theme.selected()))
        } else {
            Line::from(text)
        });
    }
    lines
}
