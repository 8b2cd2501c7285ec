//! `sonar record CUSTODY_NO [--json]`: the person's clinical record as the caller's role may
//! see it, read through the same audited `open_record` as the screen (so a sergeant's output
//! never holds what their screen would not show).

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cli::LoginArgs;
use crate::domain::clock::Clock;
use crate::domain::emergency::Emergency;
use crate::domain::observation::to_london_with_day;
use crate::domain::record::emergencies::{headline, timeline_lines};
use crate::domain::record::{ClinicalRecord, FactKind, Standing};
use crate::domain::text::{json_inert, printable, printable_line};
use crate::store::timestamp;

#[derive(Serialize)]
struct RecordOutput<'a> {
    custody_no: &'a str,
    surname: &'a str,
    forenames: &'a str,
    date_of_birth: Option<String>,
    nhs_number: Option<&'a str>,
    in_custody: bool,
    role: &'a str,
    /// What booking in still owes: `risk_assessment`, `health_screen` (empty once done or
    /// after the person left).
    outstanding: &'a [crate::domain::booking_duties::Outstanding],
    /// Why the health screen was not done, as a sergeant recorded it, while that stands.
    health_screen_deferred: Option<&'a str>,
    allergy_line: String,
    flags: Vec<FlagOut<'a>>,
    medications: &'a [crate::store::clinical::MedicationView],
    emergencies_known: Vec<String>,
    /// This detention's emergencies, oldest first (every role: risk-to-life information).
    emergencies: Vec<EmergencyOut>,
    /// Null when not needed; else as in `sonar list --json` (every role: operational).
    appropriate_adult: Option<crate::domain::support::SupportJson>,
    interpreter: Option<crate::domain::support::SupportJson>,
    /// Once handed over: where the bundle stands with the national record (`queued`, `sent`,
    /// `accepted` with the record's receipt), as in `sonar outbox --json`; null before.
    national: Option<&'a crate::domain::national::OutboxEntry>,
    #[serde(flatten)]
    record: &'a ClinicalRecord,
}

/// One emergency in `sonar record --json`. Times are UTC (RFC 3339), as in `sonar list`.
#[derive(Serialize)]
pub(crate) struct EmergencyOut {
    pub open: bool,
    /// `failed_rousing`, `score_rule` or `raised_by_hand`.
    pub cause: &'static str,
    pub reason: String,
    pub location: String,
    pub opened_at: String,
    pub opened_by: String,
    pub calls: Vec<CallOut>,
    /// Null while the emergency is open.
    pub outcome: Option<OutcomeOut>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// The same words the screen and the escort summary use.
    pub summary: String,
}

/// A call made in response: `kind` is `ambulance`, `hcp` or `unrecorded`.
#[derive(Debug, Serialize)]
pub(crate) struct CallOut {
    pub kind: &'static str,
    pub called_by: String,
    pub called_at: String,
}

#[derive(Serialize)]
pub(crate) struct OutcomeOut {
    pub kind: &'static str,
    pub at: String,
    pub note: String,
}

pub(crate) fn calls_out(e: &Emergency) -> Vec<CallOut> {
    e.calls
        .iter()
        .map(|c| CallOut {
            kind: c.kind.as_str(),
            called_by: c.called_by.clone(),
            called_at: timestamp(c.called_at),
        })
        .collect()
}

impl From<&Emergency> for EmergencyOut {
    fn from(e: &Emergency) -> EmergencyOut {
        EmergencyOut {
            open: e.is_open(),
            cause: e.cause.as_str(),
            reason: e.reason.clone(),
            location: e.location.clone(),
            opened_at: timestamp(e.opened_at),
            opened_by: e.opened_by.clone(),
            calls: calls_out(e),
            outcome: e.closure.as_ref().map(|c| OutcomeOut {
                kind: c.kind.as_str(),
                at: timestamp(c.outcome_at),
                note: c.note.clone(),
            }),
            closed_at: e.closure.as_ref().map(|c| timestamp(c.closed_at)),
            closed_by: e.closure.as_ref().map(|c| c.closed_by.clone()),
            summary: headline(e),
        }
    }
}

#[derive(Serialize)]
struct FlagOut<'a> {
    code: &'a str,
    severity: &'a str,
    reason: &'a str,
    from_earlier_detention: bool,
}

pub fn run(args: &LoginArgs, custody_no: &str, json: bool, clock: &dyn Clock) -> Result<u8> {
    let mut store = super::login(args, clock)?;
    let now = clock.now();
    let Some(detention_id) = store.detention_by_custody_no(custody_no)? else {
        bail!(
            "there is no detention with the custody number `{}`",
            printable_line(custody_no)
        );
    };
    let Some(view) = store.open_record(detention_id, None, now)? else {
        bail!(
            "the record of {} could not be read",
            printable_line(custody_no)
        );
    };
    let role = store.identity().role;
    let record = &view.record;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        let output = RecordOutput {
            custody_no: &view.entry.custody_no,
            surname: &view.entry.surname,
            forenames: &view.entry.forenames,
            date_of_birth: view.entry.date_of_birth.map(|d| d.to_string()),
            nhs_number: view.nhs_number.as_deref(),
            in_custody: view.entry.closed_at.is_none(),
            role: role.as_str(),
            outstanding: if view.entry.closed_at.is_none() {
                &view.entry.outstanding
            } else {
                &[]
            },
            health_screen_deferred: view
                .health_screen_deferral
                .as_ref()
                .map(|d| d.reason.as_str()),
            allergy_line: record.allergy_line(),
            flags: view
                .flags
                .iter()
                .map(|f| FlagOut {
                    code: &f.code,
                    severity: &f.severity,
                    reason: &f.reason,
                    from_earlier_detention: f.from_earlier_detention,
                })
                .collect(),
            medications: &view.medications,
            emergencies_known: record
                .known
                .iter()
                .filter(|k| matches!(k.subject, crate::domain::record::KnownSubject::Emergency(_)))
                .map(|k| k.summary.clone())
                .collect(),
            emergencies: view.emergencies.iter().map(EmergencyOut::from).collect(),
            appropriate_adult: super::demo::support_out(
                view.entry.support.appropriate_adult.as_ref(),
                view.entry.closed_at.is_none(),
                now,
            ),
            interpreter: super::demo::support_out(
                view.entry.support.interpreter.as_ref(),
                view.entry.closed_at.is_none(),
                now,
            ),
            national: view.national.as_ref(),
            record,
        };
        // JSON escapes the C0 controls itself; `json_inert` escapes the rest (C1, bidi).
        writeln!(
            out,
            "{}",
            json_inert(&serde_json::to_string_pretty(&output)?)
        )?;
        return Ok(0);
    }
    let p = |s: &str| printable(s);
    writeln!(
        out,
        "{}, {} · {}{}",
        printable_line(&view.entry.surname.to_uppercase()),
        printable_line(&view.entry.forenames),
        printable_line(&view.entry.custody_no),
        if view.entry.closed_at.is_some() {
            " (closed, read-only)"
        } else {
            ""
        }
    )?;
    writeln!(out, "{}", p(&record.allergy_line()))?;
    // An open emergency before anything else, as on the screen.
    for e in view.emergencies.iter().filter(|e| e.is_open()) {
        writeln!(out, "{}", p(&headline(e)))?;
    }
    if view.entry.closed_at.is_none() {
        for owed in &view.entry.outstanding {
            writeln!(out, "{}: {}.", owed.words(), owed.done_by())?;
        }
    }
    if let Some(d) = &view.health_screen_deferral {
        writeln!(
            out,
            "Health screen not done: {} ({}, {})",
            p(&d.reason),
            p(&d.by),
            to_london_with_day(d.at)
        )?;
    }
    match &record.last_seen {
        Some(s) => writeln!(
            out,
            "Seen by an HCP: {} at {} ({})",
            p(&s.by),
            to_london_with_day(s.at),
            p(&s.what)
        )?,
        None => writeln!(out, "Seen by an HCP: not yet")?,
    }
    for need in view.entry.support.needs() {
        writeln!(out, "{}: {}", need.kind.label(), p(&need.summary(now)))?;
    }
    if let Some(n) = &view.national {
        writeln!(out, "National record: {}", p(&n.describe()))?;
    }
    for kind in [
        FactKind::Condition,
        FactKind::ReportedMedicine,
        FactKind::Alcohol,
        FactKind::Drug,
        FactKind::SelfHarm,
        FactKind::MentalHealth,
        FactKind::Injury,
        FactKind::Pregnancy,
        FactKind::Communication,
        FactKind::Note,
    ] {
        let entries: Vec<_> = record.of_kind(kind).collect();
        if entries.is_empty() {
            continue;
        }
        writeln!(out, "\n{}:", kind.heading())?;
        for e in entries {
            let standing = match &e.standing {
                Standing::Known => " [known from before, not reconfirmed]",
                Standing::Reconfirmed { .. } => " [reconfirmed]",
                _ => "",
            };
            writeln!(out, "  - {}{standing}", p(&e.fact.headline()))?;
            writeln!(out, "    {}", p(&e.provenance()))?;
        }
    }
    if !view.emergencies.is_empty() {
        writeln!(out, "\nEmergencies in this detention:")?;
        for e in &view.emergencies {
            writeln!(out, "  - {}", p(&headline(e)))?;
            for step in timeline_lines(e) {
                writeln!(out, "      {}", p(&step))?;
            }
        }
    }
    if !view.medications.is_empty() {
        writeln!(out, "\nMedication list:")?;
        for m in &view.medications {
            writeln!(
                out,
                "  - {} {} {} (verified with {})",
                p(&m.name),
                p(&m.dose),
                p(&m.frequency),
                p(&m.verified_with)
            )?;
        }
    }
    if !record.known.is_empty() {
        writeln!(out, "\nKnown from before (until reconfirmed or set aside):")?;
        for k in &record.known {
            writeln!(out, "  - {} ({})", p(&k.summary), p(&k.from_line()))?;
        }
    }
    if !record.contacts.is_empty() {
        writeln!(out, "\nHCP contacts:")?;
        for c in &record.contacts {
            writeln!(
                out,
                "  - {} {} by {}{}",
                to_london_with_day(c.seen_at),
                p(&c.kind),
                p(&c.seen_by),
                c.note
                    .as_deref()
                    .map(|n| format!(": {}", p(n)))
                    .unwrap_or_default()
            )?;
        }
    }
    if !record.clinical_visible {
        writeln!(
            out,
            "\nSelf-harm detail, mental health history and clinical notes: HCP only."
        )?;
    }
    Ok(0)
}
