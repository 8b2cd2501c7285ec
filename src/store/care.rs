//! Care plan versions, cell checks (a failed rousing opens an emergency: `store::emergency`)
//! and PACE reviews/extensions. Each
//! write is one IMMEDIATE transaction with its audit row; the rules that decide what may be
//! written are in `domain::care` and `domain::pace`.

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::care::{
    CheckDraft, CheckKind, DecisionKind, ObservationRules, PlanDraft, PlanReviewDue, Suggestion,
    plan_review_due, validate_check, validate_plan,
};
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{CheckInterval, ObservationLevel, default_for};
use crate::domain::pace::{Extension, PaceClock, PaceDeadline};

pub use crate::domain::record::view::{CheckDetail, PaceReviewView, RecordCare};

/// The active flags of one detention, as the rules read them (unknown codes are skipped).
pub fn active_flags(
    conn: &Connection,
    detention_id: i64,
) -> Result<Vec<(FlagCode, Severity)>, StoreError> {
    let rows = collect_rows(
        conn,
        "SELECT code, severity FROM flag WHERE detention_id = ?1 AND entered_in_error_at IS NULL",
        [detention_id],
        |r| {
            let code: String = r.get(0)?;
            let sev: String = r.get(1)?;
            Ok(match (code.parse::<FlagCode>(), sev.parse::<Severity>()) {
                (Ok(c), Ok(s)) => Some((c, s)),
                _ => None,
            })
        },
    )?;
    Ok(rows.into_iter().flatten().collect())
}

fn rules() -> Result<&'static ObservationRules, StoreError> {
    ObservationRules::embedded().map_err(|e| StoreError::Invalid(e.to_string()))
}

/// What the rules suggest for this detention's flags now.
pub fn suggestion(conn: &Connection, detention_id: i64) -> Result<Suggestion, StoreError> {
    Ok(rules()?.suggest(&active_flags(conn, detention_id)?))
}

/// The current plan's level, interval and rousing (level 1 hourly without a plan).
pub fn current_plan(
    conn: &Connection,
    detention_id: i64,
) -> Result<(ObservationLevel, CheckInterval, bool), StoreError> {
    type PlanRow = (u8, Option<u32>, bool, Option<String>, String);
    let row: Option<PlanRow> = conn
        .query_row(
            "SELECT level, interval_minutes, rouse, interval_kind, interval_details FROM care_plan
             WHERE detention_id = ?1 ORDER BY id DESC LIMIT 1",
            [detention_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((level, minutes, rouse, kind, details)) = row else {
        let l = ObservationLevel::General;
        return Ok((l, default_for(l), false));
    };
    let level = ObservationLevel::from_number(level).unwrap_or(ObservationLevel::General);
    let interval = match kind {
        Some(k) => CheckInterval::from_parts(&k, Some(&details), minutes)
            .unwrap_or_else(|_| default_for(level)),
        None => match minutes {
            Some(m) => CheckInterval::FIXED
                .into_iter()
                .find(|i| i.minutes() == Some(m))
                .unwrap_or_else(|| default_for(level)),
            None => default_for(level),
        },
    };
    Ok((level, interval, rouse))
}

/// What recording a check produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckRecorded {
    pub check_id: i64,
    /// Set when the check opened an emergency escalation.
    pub escalation_id: Option<i64>,
}

/// The reviews done and extensions recorded for a detention's PACE clock.
pub fn pace_history(
    conn: &Connection,
    detention_id: i64,
) -> Result<(Vec<DateTime<Utc>>, Vec<Extension>), StoreError> {
    let reviews = collect_rows(
        conn,
        "SELECT reviewed_at FROM pace_review WHERE detention_id = ?1 ORDER BY reviewed_at",
        [detention_id],
        |r| parse_timestamp(&r.get::<_, String>(0)?),
    )?;
    let extensions = collect_rows(
        conn,
        "SELECT kind, authorised_at, until FROM pace_extension WHERE detention_id = ?1 ORDER BY id",
        [detention_id],
        |r| {
            let kind: String = r.get(0)?;
            let at = parse_timestamp(&r.get::<_, String>(1)?)?;
            let until = parse_timestamp(&r.get::<_, String>(2)?)?;
            Ok(if kind == "warrant" {
                Extension::Warrant {
                    issued_at: at,
                    until,
                }
            } else {
                Extension::Superintendent {
                    authorised_at: at,
                    until,
                }
            })
        },
    )?;
    Ok((reviews, extensions))
}

/// The next PACE deadline of a detention whose detention has been authorised.
pub fn pace_deadline(
    conn: &Connection,
    detention_id: i64,
    arrived_at: DateTime<Utc>,
    authorised_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<PaceDeadline>, StoreError> {
    let Some(authorised) = authorised_at else {
        return Ok(None);
    };
    let Ok(clock) = PaceClock::new(arrived_at.min(authorised), authorised) else {
        return Ok(None);
    };
    let (reviews, extensions) = pace_history(conn, detention_id)?;
    Ok(Some(clock.next_deadline(&reviews, &extensions, now)))
}

pub(super) fn detention_times(
    conn: &Connection,
    detention_id: i64,
) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>), StoreError> {
    let (arrived, authorised): (String, Option<String>) = conn
        .query_row(
            "SELECT arrived_at, authorised_at FROM detention WHERE id = ?1",
            [detention_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::Invalid("that detention is not in the database".into()))?;
    Ok((
        parse_timestamp(&arrived)?,
        authorised.map(|a| parse_timestamp(&a)).transpose()?,
    ))
}

impl super::Store {
    /// The checks a sergeant's timed entry shares (a PACE review, a custody decision): the
    /// role, and a time not in the future. Returns who is recording it.
    pub(super) fn sergeant_entry(
        &self,
        duty: Duty,
        entry: &str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.permit(duty)?;
        if at > now {
            return Err(StoreError::Invalid(format!(
                "{entry} cannot be recorded in the future"
            )));
        }
        Ok(self.identity().username.clone())
    }
}

impl super::Store {
    /// What the rules suggest for a detention's active flags.
    pub fn suggested_plan(&self, detention_id: i64) -> Result<Suggestion, StoreError> {
        suggestion(self.conn(), detention_id)
    }

    /// Sets a new version of the care plan. Only a custody sergeant may; a level below the
    /// rules' suggestion (or a weaker interval, or dropped rousing) needs a written rationale.
    pub fn set_care_plan(
        &mut self,
        detention_id: i64,
        draft: &PlanDraft,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.permit(Duty::SetCarePlan)?;
        let staff = self.identity().username.clone();
        self.write(Duty::SetCarePlan, now, |tx| {
            let s = suggestion(tx, detention_id)?;
            validate_plan(draft, &s).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let details = match &draft.interval {
                CheckInterval::Alternative { details, .. } => details.clone(),
                _ => String::new(),
            };
            tx.prepare_cached(
                "INSERT INTO care_plan (detention_id, level, interval_minutes, rouse, instructions,
                    rationale, set_by, set_at, interval_kind, interval_details, suggested_level,
                    suggested_because, hcp_recommended)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                detention_id,
                draft.level.number(),
                draft.interval.minutes(),
                draft.rouse,
                draft.instructions.trim(),
                draft.rationale.trim(),
                staff,
                timestamp(now),
                draft.interval.as_str(),
                details,
                s.level.number(),
                s.because.join("; "),
                draft.hcp_recommended,
            ])?;
            let id = tx.last_insert_rowid();
            if draft.hcp_recommended {
                tx.execute(
                    "UPDATE care_recommendation SET accepted_plan_id = ?1
                     WHERE detention_id = ?2 AND accepted_plan_id IS NULL",
                    params![id, detention_id],
                )?;
            }
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "care_plan {id}: level {} {} (suggested {})",
                    draft.level.number(),
                    draft.interval.as_str(),
                    s.level.number()
                ),
            )?;
            Ok(id)
        })
    }

    /// Records a cell visit (with the Annex H answers when the plan rouses) or, for constant
    /// observation, a written entry. Any "no" opens an emergency escalation in the same
    /// transaction. The schedule then runs from when the check was done.
    pub fn record_check(
        &mut self,
        detention_id: i64,
        draft: &CheckDraft,
        now: DateTime<Utc>,
    ) -> Result<CheckRecorded, StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::RecordCheck, now, |tx| {
            let (level, interval, rouse) = current_plan(tx, detention_id)?;
            let kind = CheckKind::for_plan(level, &interval);
            let check = validate_check(draft, kind, rouse, now)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let rousing = check.rousing;
            tx.prepare_cached(
                "INSERT INTO cell_check (detention_id, done_at, done_by, roused, condition, note,
                    kind, responds_to_questions, responds_to_commands, recorded_at, late_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                detention_id,
                timestamp(check.done_at),
                staff,
                rousing.map(|r| r.rousable),
                check.condition,
                check.note,
                check.kind.as_str(),
                rousing.map(|r| r.responds_to_questions),
                rousing.map(|r| r.responds_to_commands),
                timestamp(now),
                check.late_reason,
            ])?;
            let check_id = tx.last_insert_rowid();
            let subject = detention_id.to_string();
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &subject,
                &format!("cell_check {check_id}: {}", check.kind.as_str()),
            )?;
            let escalation_id = check
                .emergency()
                .map(|reason| {
                    super::emergency::open_emergency(
                        tx,
                        detention_id,
                        crate::domain::emergency::Cause::FailedRousing,
                        reason,
                        None,
                        Some(check_id),
                        &staff,
                        now,
                    )
                })
                .transpose()?;
            Ok(CheckRecorded {
                check_id,
                escalation_id,
            })
        })
    }

    /// Records a superintendent's extension or a warrant, checked against PACE s.42-44.
    pub fn record_pace_extension(
        &mut self,
        detention_id: i64,
        warrant: bool,
        authorised_at: DateTime<Utc>,
        until: DateTime<Utc>,
        authorised_by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.permit(Duty::PaceReview)?;
        if authorised_by.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an extension needs the name of the officer or court that authorised it".into(),
            ));
        }
        let staff = self.identity().username.clone();
        self.write(Duty::PaceReview, now, |tx| {
            let (arrived, authorised) = detention_times(tx, detention_id)?;
            let authorised = authorised.ok_or_else(|| {
                StoreError::Invalid("detention has not been authorised yet".into())
            })?;
            let clock = PaceClock::new(arrived.min(authorised), authorised)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let checked = if warrant {
                clock.warrant(authorised_at, until)
            } else {
                clock.superintendent_extension(authorised_at, until)
            };
            checked.map_err(|e| StoreError::Invalid(e.to_string()))?;
            tx.execute(
                "INSERT INTO pace_extension (detention_id, kind, authorised_at, until, authorised_by, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    detention_id,
                    if warrant { "warrant" } else { "superintendent" },
                    timestamp(authorised_at),
                    timestamp(until),
                    authorised_by.trim(),
                    staff,
                    timestamp(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("pace_extension {id}"),
            )?;
            Ok(id)
        })
    }

    /// The next PACE deadline of a detention, `None` before detention is authorised.
    pub fn pace_deadline(
        &self,
        detention_id: i64,
        arrived_at: DateTime<Utc>,
        authorised_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<PaceDeadline>, StoreError> {
        pace_deadline(self.conn(), detention_id, arrived_at, authorised_at, now)
    }
}

impl super::Store {
    /// The current plan's level, interval and rousing, as a check needs them.
    pub fn current_plan(
        &self,
        detention_id: i64,
    ) -> Result<(ObservationLevel, CheckInterval, bool), StoreError> {
        current_plan(self.conn(), detention_id)
    }

    /// The current plan's instructions (empty without a plan), to start a new version from.
    pub fn current_instructions(&self, detention_id: i64) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT instructions FROM care_plan WHERE detention_id = ?1 ORDER BY id DESC LIMIT 1",
                [detention_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default())
    }
}

/// The current care plan's words as the handover sheet and `sonar list` show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanWords {
    pub level: u8,
    pub interval: String,
    pub rouse: bool,
    pub instructions: String,
    pub rationale: String,
    /// The level the rules suggested when the plan was set (None for plans from before 0002).
    pub suggested_level: Option<u8>,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// The current plan of a detention, in words; `None` when no plan has been set.
pub fn plan_words(conn: &Connection, detention_id: i64) -> Result<Option<PlanWords>, StoreError> {
    type Row = (String, String, Option<u8>, String, String);
    let row: Option<Row> = conn
        .query_row(
            "SELECT instructions, rationale, suggested_level, set_by, set_at FROM care_plan
             WHERE detention_id = ?1 ORDER BY id DESC LIMIT 1",
            [detention_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((instructions, rationale, suggested_level, set_by, set_at)) = row else {
        return Ok(None);
    };
    let (level, interval, rouse) = current_plan(conn, detention_id)?;
    Ok(Some(PlanWords {
        level: level.number(),
        interval: interval.label(),
        rouse,
        instructions,
        rationale,
        suggested_level,
        set_by,
        set_at: parse_timestamp(&set_at)?,
    }))
}

/// One person on the incoming sergeant's handover sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoverEntry {
    pub entry: super::custody::CustodyEntry,
    pub plan: Option<PlanWords>,
    pub pace: Option<PaceDeadline>,
    /// Every emergency of this detention, open or closed, with its timeline and outcome.
    pub emergencies: Vec<crate::domain::emergency::Emergency>,
    /// The latest PACE review: who, the outcome, the representations made and, if it was
    /// late, why.
    pub last_review: Option<PaceReviewView>,
    /// The HCP's directions to custody staff (IOPC, Bedfordshire 2021: a "re-assess in 1
    /// hour" was lost at the sergeants' handover), and the requests for an HCP.
    pub directions: Vec<crate::domain::hcp::Direction>,
    pub hcp_requests: Vec<crate::domain::hcp::HcpRequest>,
    /// An HCP's recommended plan the sergeant has not yet accepted.
    pub recommendation: Option<Recommendation>,
    /// Medicines with their next dose due (names and times only: no clinical reasons).
    pub medications: Vec<super::clinical::MedicationView>,
    /// Appointments after release: when only (service and place are HCP only), so the
    /// sergeant can tell the person at release.
    pub appointments: Vec<super::clinical::AppointmentView>,
    /// "charged 14:10" when a custody decision is later than the newest plan version.
    pub plan_review_reason: Option<String>,
    /// The record's allergy line ("ALLERGIES: …", "No known allergies", "not yet recorded"):
    /// risk to life, for every role.
    pub allergy_line: String,
}

impl super::Store {
    /// Everyone in custody with their plan, PACE deadline and open emergencies, for the shift
    /// handover sheet. Viewing it is audited (it shows every detainee at once).
    pub fn handover_sheet(&mut self, now: DateTime<Utc>) -> Result<Vec<HandoverEntry>, StoreError> {
        let staff = self.identity().username.clone();
        self.transact(|tx| {
            let mut entries =
                super::custody::custody_entries(tx, super::custody::Which::InCustody)?;
            let doses = super::clinical::next_doses_in_custody(tx)?;
            let observations = super::clinical::next_observations_in_custody(tx)?;
            let mut markers = super::record::board_markers_in_custody(tx)?;
            let mut seen = super::record::last_seen_in_custody(tx)?;
            for e in &mut entries {
                e.next_medication_due = doses.get(&e.detention_id).copied();
                e.next_observations = observations.get(&e.detention_id).copied();
                e.markers = markers.remove(&e.detention_id).unwrap_or_default();
                e.last_seen = seen.remove(&e.detention_id);
                e.hcp_seen = e.hcp_seen || e.last_seen.is_some();
            }
            let mut out = Vec::with_capacity(entries.len());
            for entry in entries {
                let id = entry.detention_id;
                out.push(HandoverEntry {
                    plan: plan_words(tx, id)?,
                    pace: pace_deadline(tx, id, entry.arrived_at, entry.authorised_at, now)?,
                    emergencies: super::emergency::emergencies_of(tx, id)?,
                    last_review: super::pace::last_review(tx, id)?,
                    directions: super::hcp::directions_of(tx, id)?,
                    hcp_requests: super::hcp::requests_of(tx, id)?,
                    recommendation: pending_recommendation(tx, id)?,
                    medications: super::clinical::medications_for(tx, id, false)?,
                    appointments: super::clinical::appointments_for(tx, id, false)?,
                    plan_review_reason: review_due(tx, id)?.map(|d| d.reason()),
                    allergy_line: super::record::clinical_record(tx, id, false)?.allergy_line(),
                    entry,
                });
            }
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordRead,
                "handover_sheet",
                &format!("{} people", out.len()),
            )?;
            Ok(out)
        })
    }

    /// The current plan of a detention in words (for `sonar list`).
    pub fn plan_words(&self, detention_id: i64) -> Result<Option<PlanWords>, StoreError> {
        plan_words(self.conn(), detention_id)
    }
}

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.map(|t| parse_timestamp(&t)).transpose()
}

/// Reads the care detail of one detention's record.
pub fn record_care(conn: &Connection, detention_id: i64) -> Result<RecordCare, StoreError> {
    let checks = collect_rows(
        conn,
        "SELECT done_at, recorded_at, done_by, kind, roused, responds_to_questions,
                    responds_to_commands, condition, note, late_reason
             FROM cell_check WHERE detention_id = ?1 ORDER BY done_at DESC LIMIT 50",
        [detention_id],
        |r| {
            Ok(CheckDetail {
                done_at: parse_timestamp(&r.get::<_, String>(0)?)?,
                recorded_at: opt_time(r.get(1)?)?,
                done_by: r.get(2)?,
                kind: r.get(3)?,
                rousable: r.get(4)?,
                responds_to_questions: r.get(5)?,
                responds_to_commands: r.get(6)?,
                condition: r.get(7)?,
                note: r.get(8)?,
                late_reason: r.get(9)?,
            })
        },
    )?;
    let reviews = collect_rows(
        conn,
        "SELECT reviewed_at, reviewed_by, outcome, representations, late_reason FROM pace_review
             WHERE detention_id = ?1 ORDER BY reviewed_at",
        [detention_id],
        |r| {
            Ok(PaceReviewView {
                reviewed_at: parse_timestamp(&r.get::<_, String>(0)?)?,
                reviewed_by: r.get(1)?,
                outcome: r.get(2)?,
                representations: r.get(3)?,
                late_reason: r.get(4)?,
            })
        },
    )?;
    let (_, extensions) = pace_history(conn, detention_id)?;
    let s = suggestion(conn, detention_id)?;
    Ok(RecordCare {
        checks,
        suggested_level: Some(s.level.number()),
        suggested_because: s.because,
        reviews,
        extensions,
    })
}

/// The review due from custody decisions and the last emergency closed, against the newest
/// plan version (one rule for the record and the board).
fn review_due_from(
    decisions: &[(DecisionKind, DateTime<Utc>)],
    emergency_closed_at: Option<DateTime<Utc>>,
    newest_plan: Option<DateTime<Utc>>,
) -> Option<PlanReviewDue> {
    let closed = emergency_closed_at.map(|at| PlanReviewDue {
        trigger: crate::domain::care::ReviewTrigger::EmergencyClosed,
        at,
    });
    let from_decisions = plan_review_due(decisions, None, newest_plan);
    crate::domain::care::latest_review_due(from_decisions.into_iter().chain(closed), newest_plan)
}

/// Whether a care-plan review is due for a detention: a custody decision or a closed emergency
/// later than the newest plan version (see [`crate::domain::care::plan_review_due`]).
pub fn review_due(
    conn: &Connection,
    detention_id: i64,
) -> Result<Option<PlanReviewDue>, StoreError> {
    let newest_plan: Option<String> = conn
        .query_row(
            "SELECT set_at FROM care_plan WHERE detention_id = ?1 ORDER BY id DESC LIMIT 1",
            [detention_id],
            |r| r.get(0),
        )
        .optional()?;
    let newest_plan = newest_plan.map(|t| parse_timestamp(&t)).transpose()?;
    let decisions = collect_rows(
        conn,
        "SELECT kind, decided_at FROM custody_decision WHERE detention_id = ?1 ORDER BY id",
        [detention_id],
        |r| {
            let kind: String = r.get(0)?;
            let kind: DecisionKind =
                kind.parse()
                    .map_err(|e: crate::domain::care::UnknownDecision| {
                        StoreError::Invalid(e.to_string())
                    })?;
            Ok((kind, parse_timestamp(&r.get::<_, String>(1)?)?))
        },
    )?;
    let closed: Option<String> = conn.query_row(
        "SELECT max(closed_at) FROM escalation WHERE detention_id = ?1",
        [detention_id],
        |r| r.get(0),
    )?;
    let closed = closed.map(|t| parse_timestamp(&t)).transpose()?;
    // ready_for_transfer carries no time of its own, so only the decisions are counted here.
    Ok(review_due_from(&decisions, closed, newest_plan))
}

impl super::Store {
    /// Records a custody decision (charge, bail decision, release or transfer decided). Only a
    /// custody sergeant may; it makes a care-plan review due until a new plan version is set.
    pub fn record_custody_decision(
        &mut self,
        detention_id: i64,
        kind: DecisionKind,
        decided_at: DateTime<Utc>,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let staff =
            self.sergeant_entry(Duty::CustodyDecision, "a custody decision", decided_at, now)?;
        self.write(Duty::CustodyDecision, now, |tx| {
            detention_times(tx, detention_id)?;
            tx.execute(
                "INSERT INTO custody_decision (detention_id, kind, decided_at, recorded_by, recorded_at, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    detention_id,
                    kind.as_str(),
                    timestamp(decided_at),
                    staff,
                    timestamp(now),
                    note.trim()
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("custody_decision {id}: {}", kind.as_str()),
            )?;
            Ok(id)
        })
    }

    /// Whether a care-plan review is due for a detention, and why.
    pub fn plan_review_due(&self, detention_id: i64) -> Result<Option<PlanReviewDue>, StoreError> {
        review_due(self.conn(), detention_id)
    }
}

/// The level the rules suggest when the plan's `level` (level 1 without a plan) is below it:
/// the suggestion for the active `flags` now (flags may have been raised since the plan was
/// set), or the one `recorded` with the plan if that was higher. One wording of the rule for
/// the board's rows and the line under its header.
pub fn suggested_above(
    rules: &ObservationRules,
    level: Option<u8>,
    recorded: Option<u8>,
    flags: &[(FlagCode, Severity)],
) -> Option<u8> {
    let suggested = recorded
        .unwrap_or(1)
        .max(rules.suggest(flags).level.number());
    (level.unwrap_or(1) < suggested).then_some(suggested)
}

/// The embedded observation rules, for the store's other modules.
pub(crate) fn observation_rules() -> Result<&'static ObservationRules, StoreError> {
    rules()
}

/// What the board line under the header says about a person: the next PACE deadline and, when
/// the plan is below the level the rules suggested, its rationale.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardCare {
    pub pace: Option<PaceDeadline>,
    /// (suggested level, rationale) when the current plan is below the suggestion.
    pub below_suggestion: Option<(u8, String)>,
    /// Set when a custody decision is later than the newest plan version.
    pub review_due: Option<PlanReviewDue>,
}

/// The care-plan review due for each person in custody: a custody decision or a closed
/// emergency later than the newest plan version (as [`review_due`] decides it for one), in
/// three queries over the open detentions rather than three per person.
pub fn reviews_due_in_custody(
    conn: &Connection,
) -> Result<std::collections::HashMap<i64, PlanReviewDue>, StoreError> {
    use std::collections::HashMap;
    // Custody decisions of everyone in custody, in one query rather than one per person.
    let mut decisions: HashMap<i64, Vec<(DecisionKind, DateTime<Utc>)>> = HashMap::new();
    for (id, kind, at) in collect_rows(
        conn,
        "SELECT c.detention_id, c.kind, c.decided_at FROM detention d
         CROSS JOIN custody_decision c ON c.detention_id = d.id
         WHERE d.closed_at IS NULL ORDER BY c.id",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                parse_timestamp(&r.get::<_, String>(2)?)?,
            ))
        },
    )? {
        let kind: DecisionKind =
            kind.parse()
                .map_err(|e: crate::domain::care::UnknownDecision| {
                    StoreError::Invalid(e.to_string())
                })?;
        decisions.entry(id).or_default().push((kind, at));
    }
    // The last emergency closed in each open detention (closing one makes a review due).
    let mut emergencies_closed: HashMap<i64, DateTime<Utc>> = HashMap::new();
    for (id, at) in collect_rows(
        conn,
        "SELECT e.detention_id, max(e.closed_at) FROM detention d
         CROSS JOIN escalation e ON e.detention_id = d.id
         WHERE d.closed_at IS NULL AND e.closed_at IS NOT NULL GROUP BY e.detention_id",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                parse_timestamp(&r.get::<_, String>(1)?)?,
            ))
        },
    )? {
        emergencies_closed.insert(id, at);
    }
    let mut out = HashMap::new();
    for (id, newest_plan) in collect_rows(
        conn,
        "SELECT d.id, cp.set_at FROM detention d
         LEFT JOIN care_plan cp ON cp.id = (SELECT max(id) FROM care_plan WHERE detention_id = d.id)
         WHERE d.closed_at IS NULL",
        [],
        |r| Ok((r.get::<_, i64>(0)?, opt_time(r.get(1)?)?)),
    )? {
        if let Some(due) = review_due_from(
            decisions.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            emergencies_closed.get(&id).copied(),
            newest_plan,
        ) {
            out.insert(id, due);
        }
    }
    Ok(out)
}

/// [`BoardCare`] for everyone in custody. Runs every second on every terminal, so each query
/// starts from the open detentions (`CROSS JOIN` keeps SQLite to that order): left to itself
/// the planner scanned every flag ever raised, 90 ms a tick with 200,000 people in history.
pub fn board_care(
    conn: &Connection,
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<i64, BoardCare>, StoreError> {
    use std::collections::HashMap;
    let histories = super::pace::histories_in_custody(conn)?;
    let mut flags: HashMap<i64, Vec<(FlagCode, Severity)>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT f.detention_id, f.code, f.severity FROM detention d
             CROSS JOIN flag f ON f.detention_id = d.id
             WHERE d.closed_at IS NULL AND f.entered_in_error_at IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let code: String = r.get(1)?;
            let sev: String = r.get(2)?;
            if let (Ok(c), Ok(s)) = (code.parse(), sev.parse()) {
                flags.entry(r.get(0)?).or_default().push((c, s));
            }
        }
    }
    let reviews_due = reviews_due_in_custody(conn)?;
    let rules = rules()?;
    let mut out = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.arrived_at, d.authorised_at, cp.level, cp.suggested_level, cp.rationale
         FROM detention d
         LEFT JOIN care_plan cp ON cp.id = (SELECT max(id) FROM care_plan WHERE detention_id = d.id)
         WHERE d.closed_at IS NULL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let arrived = parse_timestamp(&r.get::<_, String>(1)?)?;
        let authorised = opt_time(r.get(2)?)?;
        let level: Option<u8> = r.get(3)?;
        let suggested: Option<u8> = r.get(4)?;
        let rationale: Option<String> = r.get(5)?;
        let pace = authorised.and_then(|a| {
            PaceClock::new(arrived.min(a), a).ok().map(|clock| {
                let (reviews, extensions) = histories
                    .get(&id)
                    .map(|(r, x)| (r.as_slice(), x.as_slice()))
                    .unwrap_or((&[], &[]));
                clock.next_deadline(reviews, extensions, now)
            })
        });
        let below_suggestion = suggested_above(
            rules,
            level,
            suggested,
            flags.get(&id).map(Vec::as_slice).unwrap_or(&[]),
        )
        .map(|suggested| (suggested, rationale.unwrap_or_default()));
        out.insert(
            id,
            BoardCare {
                pace,
                below_suggestion,
                review_due: reviews_due.get(&id).copied(),
            },
        );
    }
    Ok(out)
}

impl super::Store {
    /// The board's care line data for everyone in custody.
    pub fn board_care(
        &self,
        now: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<i64, BoardCare>, StoreError> {
        board_care(self.conn(), now)
    }
}

/// An HCP's recommended plan not yet accepted by the sergeant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub id: i64,
    pub level: ObservationLevel,
    pub interval: CheckInterval,
    pub rouse: bool,
    pub instructions: String,
    pub rationale: String,
    pub recommended_by: String,
    pub recommended_at: DateTime<Utc>,
}

/// The newest recommendation for a detention that no plan has accepted yet.
pub fn pending_recommendation(
    conn: &Connection,
    detention_id: i64,
) -> Result<Option<Recommendation>, StoreError> {
    type Row = (i64, u8, String, bool, String, String, String, String);
    let row: Option<Row> = conn
        .query_row(
            "SELECT id, level, interval_kind, rouse, instructions, rationale, recommended_by,
                    recommended_at
             FROM care_recommendation WHERE detention_id = ?1 AND accepted_plan_id IS NULL
             ORDER BY id DESC LIMIT 1",
            [detention_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((id, level, kind, rouse, instructions, rationale, by, at)) = row else {
        return Ok(None);
    };
    let level = ObservationLevel::from_number(level).unwrap_or(ObservationLevel::General);
    Ok(Some(Recommendation {
        id,
        level,
        interval: CheckInterval::from_parts(&kind, None, None)
            .unwrap_or_else(|_| default_for(level)),
        rouse,
        instructions,
        rationale,
        recommended_by: by,
        recommended_at: parse_timestamp(&at)?,
    }))
}

impl super::Store {
    /// An HCP records the plan they recommend; the sergeant sees it when setting the plan.
    /// The same rule applies: below the suggestion needs a rationale.
    pub fn recommend_care_plan(
        &mut self,
        detention_id: i64,
        draft: &PlanDraft,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.permit(Duty::RecommendCarePlan)?;
        let staff = self.identity().username.clone();
        self.write(Duty::RecommendCarePlan, now, |tx| {
            let s = suggestion(tx, detention_id)?;
            validate_plan(draft, &s).map_err(|e| StoreError::Invalid(e.to_string()))?;
            tx.execute(
                "INSERT INTO care_recommendation (detention_id, level, interval_kind, rouse,
                    instructions, rationale, recommended_by, recommended_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    detention_id,
                    draft.level.number(),
                    draft.interval.as_str(),
                    draft.rouse,
                    draft.instructions.trim(),
                    draft.rationale.trim(),
                    staff,
                    timestamp(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("care_recommendation {id}: level {}", draft.level.number()),
            )?;
            Ok(id)
        })
    }

    /// The HCP's recommendation waiting for the sergeant, if any.
    pub fn pending_recommendation(
        &self,
        detention_id: i64,
    ) -> Result<Option<Recommendation>, StoreError> {
        pending_recommendation(self.conn(), detention_id)
    }
}
