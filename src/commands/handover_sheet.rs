//! `sonar handover-sheet [--since-last] [--acknowledge]`: the incoming sergeant's sheet of
//! everyone in custody and of what happened since the last handover was taken, as plain text
//! for printing (80 columns). `--since-last` prints only what happened; `--acknowledge` (a
//! custody sergeant) records, after printing, that they took the handover of what was
//! printed. Reading and taking it are audited by the store.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};

use crate::app::board::board_row;
use crate::cli::LoginArgs;
use crate::domain::clock::Clock;
use crate::domain::observation::{CheckStatus, to_london_with_day, to_london_with_zone};
use crate::domain::pace::DeadlineKind;
use crate::domain::shift::{Section, SinceLast};
use crate::domain::text::{printable, wrap_words};
use crate::store::care::HandoverEntry;

/// How soon a check counts as imminent on the sheet.
const IMMINENT_MINUTES: i64 = 10;

pub fn run(
    args: &LoginArgs,
    since_last_only: bool,
    acknowledge: bool,
    clock: &dyn Clock,
) -> Result<u8> {
    let mut store = super::login(args, clock)?;
    if acknowledge {
        // Refused before anything is printed, so a sheet on paper always means it was taken
        // by whoever printed it with --acknowledge.
        store.may_acknowledge_handover()?;
    }
    let now = clock.now();
    let suite = store.suite_name().unwrap_or_default();
    let mut text = if since_last_only {
        format!(
            "SHIFT HANDOVER — {}: since the last handover\nPrinted {}\n",
            printable(&suite),
            to_london_with_zone(now)
        )
    } else {
        format_sheet(&suite, &store.handover_sheet(now)?, now)
    };
    let since = store.since_last_handover(now)?;
    text.push_str(&format_since_last(&since));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Each stored string was escaped where it was put in; once more over the whole sheet, so
    // nothing a terminal or printer acts on reaches the page whatever a section forgot.
    out.write_all(printable(&text).as_bytes())?;
    if acknowledge {
        let ack = store.acknowledge_handover(&since, now)?;
        writeln!(
            out,
            "Handover taken by {} at {}; the next sheet starts from {}.",
            crate::domain::text::printable_line(&ack.by_name),
            to_london_with_zone(ack.acknowledged_at),
            to_london_with_zone(ack.covered_to)
        )?;
    }
    Ok(0)
}

/// What happened since the last handover, section by section: what still needs someone now
/// first in each (`!!`), then in the order it happened. Every string from the database was
/// made printable by `domain::shift`.
pub fn format_since_last(sheet: &SinceLast) -> String {
    let mut s = String::new();
    s.push_str(&"=".repeat(78));
    s.push('\n');
    s.push_str("SINCE THE LAST HANDOVER\n");
    for line in wrap_words(&sheet.period.describe(), 78, "", "  ") {
        s.push_str(&line);
        s.push('\n');
    }
    for section in Section::ALL {
        s.push_str(&format!("{}\n", section.title().to_uppercase()));
        let items = sheet.items(section);
        if items.is_empty() {
            s.push_str(&format!("  {}\n", section.none()));
        }
        for item in items {
            let mark = if item.urgent { "!! " } else { "" };
            s.push_str(&wrap(&format!("{mark}{}", item.text)));
        }
    }
    s.push_str(&"-".repeat(78));
    s.push('\n');
    s
}

/// The sheet as text: most urgent first (emergencies, overdue checks, then the board order).
pub fn format_sheet(suite: &str, sheet: &[HandoverEntry], now: DateTime<Utc>) -> String {
    let mut rows: Vec<_> = sheet
        .iter()
        .map(|h| (h, board_row(&h.entry, now)))
        .collect();
    rows.sort_by(|a, b| {
        let open = |h: &HandoverEntry| h.emergencies.iter().any(|e| e.is_open());
        open(b.0)
            .cmp(&open(a.0))
            .then_with(|| crate::domain::board::attention_cmp(&a.1, &b.1, now))
    });
    let mut s = String::new();
    s.push_str(&format!(
        "SHIFT HANDOVER — {suite}\nPrinted {} — {} in custody\n",
        to_london_with_zone(now),
        rows.len()
    ));
    s.push_str(&"=".repeat(78));
    s.push('\n');
    for (h, row) in rows {
        let e = &h.entry;
        s.push_str(&printable(&format!(
            "{} {}, {}  cell {}  {}\n",
            e.custody_no,
            e.surname.to_uppercase(),
            e.forenames,
            if e.cell.is_empty() { "-" } else { &e.cell },
            row.age.map(|a| format!("age {a}")).unwrap_or_default()
        )));
        for e in h.emergencies.iter().filter(|e| e.is_recent(now)) {
            let mark = if e.is_open() { "!!" } else { "!" };
            s.push_str(&wrap(&format!("{mark} {}", printable(&e.one_line()))));
        }
        // What the HCP directed and who is waiting for one: the handover must not lose them.
        for d in &h.directions {
            let open = d.acknowledged.is_none() || d.reassess_due().is_some();
            if open {
                let mark = if d.acknowledged.is_none() { "!! " } else { "" };
                s.push_str(&wrap(&format!(
                    "{mark}HCP DIRECTION {}",
                    printable(&d.summary(now))
                )));
            }
        }
        for r in h.hcp_requests.iter().filter(|r| r.is_open()) {
            s.push_str(&wrap(&format!("! {}", printable(&r.summary(now)))));
        }
        if let Some(reason) = &h.plan_review_reason {
            s.push_str(&format!("  PLAN REVIEW DUE ({reason})\n"));
        }
        match &h.plan {
            Some(p) => {
                s.push_str(&format!(
                    "  Level {} · {}{}\n",
                    p.level,
                    p.interval,
                    if p.rouse { " · ROUSE each visit" } else { "" }
                ));
                if let Some(sug) = p.suggested_level.filter(|sug| *sug > p.level) {
                    s.push_str(&wrap(&format!(
                        "BELOW SUGGESTED LEVEL {sug}. Rationale: {}",
                        printable(&p.rationale)
                    )));
                } else if !p.rationale.is_empty() {
                    s.push_str(&wrap(&format!("Rationale: {}", printable(&p.rationale))));
                }
                if !p.instructions.is_empty() {
                    s.push_str(&wrap(&format!(
                        "Instructions: {}",
                        printable(&p.instructions)
                    )));
                }
            }
            None => s.push_str("  No care plan set: level 1, at least hourly, until one is.\n"),
        }
        let flags = row.flag_summary();
        // Allergies are risk to life: on the incoming sergeant's sheet in words.
        s.push_str(&wrap(&printable(&h.allergy_line)));
        s.push_str(&format!(
            "  Flags: {}\n",
            if flags.is_empty() { "none" } else { &flags }
        ));
        match row.check_status(now) {
            Some(CheckStatus::Overdue { by }) => s.push_str(&format!(
                "  CHECK OVERDUE by {} (was due {})\n",
                crate::domain::observation::format_elapsed(by),
                row.next_check_due
                    .map(to_london_with_day)
                    .unwrap_or_default()
            )),
            Some(CheckStatus::Due { remaining })
                if remaining <= TimeDelta::minutes(IMMINENT_MINUTES) =>
            {
                s.push_str(&format!(
                    "  Check due in {} ({})\n",
                    CheckStatus::Due { remaining }.countdown(),
                    row.next_check_due
                        .map(to_london_with_zone)
                        .unwrap_or_default()
                ))
            }
            Some(CheckStatus::Due { .. }) => s.push_str(&format!(
                "  Next check {}\n",
                row.next_check_due
                    .map(to_london_with_zone)
                    .unwrap_or_default()
            )),
            None => s.push_str("  Constant observation: written entries\n"),
        }
        if let Some(rec) = &h.recommendation {
            s.push_str(&wrap(&format!(
                "HCP RECOMMENDATION AWAITING THE SERGEANT: {} ({}), by {} at {}",
                rec.level,
                rec.interval.label(),
                printable(&rec.recommended_by),
                to_london_with_zone(rec.recommended_at)
            )));
        }
        for m in &h.medications {
            let due = match m.next_due.map(|d| (d, CheckStatus::at(d, now))) {
                Some((d, CheckStatus::Overdue { by })) => format!(
                    "DOSE OVERDUE by {} (was due {})",
                    crate::domain::observation::format_elapsed(by),
                    to_london_with_zone(d)
                ),
                Some((d, _)) => format!("next dose {}", to_london_with_zone(d)),
                None => "as needed".to_string(),
            };
            let critical = if m.time_critical.is_some() {
                " · TIME-CRITICAL"
            } else {
                ""
            };
            s.push_str(&wrap(&format!(
                "Medication: {}: {due}{critical}",
                printable(&format!("{} {}", m.name, m.dose))
            )));
        }
        // The sheet is printed for the incoming sergeant, so it never holds which service or
        // where (HCP only, store::clinical::AppointmentView): only when, to tell the person.
        for a in &h.appointments {
            s.push_str(&wrap(&format!(
                "Appointment after release: {} (details: ask the HCP)",
                crate::domain::appointment::appointment_time(a.at)
            )));
        }
        match &e.last_seen {
            Some(seen) => s.push_str(&format!(
                "  Seen by an HCP: {} at {} ({})\n",
                printable(&seen.by),
                to_london_with_day(seen.at),
                seen.what
            )),
            None if !e.hcp_seen => {
                s.push_str("  HCP review pending: not yet seen by a healthcare practitioner\n")
            }
            None => {}
        }
        if !e.markers.is_empty() {
            s.push_str(&wrap(&printable(&e.markers.join("  "))));
        }
        if let Some(d) = h.pace {
            let what = match d.kind {
                DeadlineKind::Review { .. } => "PACE",
                DeadlineKind::DetentionLimit { .. } => "PACE LIMIT",
            };
            s.push_str(&format!(
                "  {what}: {} due {} ({})\n",
                d.kind.label(),
                to_london_with_day(d.at),
                d.status(now).countdown()
            ));
        }
        if let Some(review) = &h.last_review {
            s.push_str(&wrap(&format!(
                "Last PACE review: {}",
                printable(&review.summary())
            )));
        }
        s.push_str(&"-".repeat(78));
        s.push('\n');
    }
    s
}

/// Indents `text` by two spaces and wraps it at 78 columns on word boundaries.
fn wrap(text: &str) -> String {
    let mut out = wrap_words(text, 78, "  ", "    ").join("\n");
    out.push('\n');
    out
}
