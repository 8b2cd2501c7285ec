//! People, detentions, risk flags, care plans, cell checks and HCP contacts: the custody
//! record the board and the person's record read. Clinical detail is only selected for a
//! role that may see it (or after an audited break-glass), so it never reaches a screen that
//! must not show it.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::flag::{FlagCode, Severity};

pub use crate::domain::record::view::{
    CarePlanView, CheckView, CustodyEntry, FlagView, HcpContactView, RecordView,
};

/// A person to be written.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<String>,
    pub nhs_number: Option<String>,
    pub pnc_id: Option<String>,
}

pub fn insert_person(
    conn: &Connection,
    person: &NewPerson,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO person (surname, forenames, surname_key, date_of_birth, sex, nhs_number, pnc_id, created_at,
                             forename_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        person.surname,
        person.forenames,
        crate::domain::person::fold_name(&person.surname),
        person.date_of_birth.map(|d| d.to_string()),
        person.sex,
        person.nhs_number,
        person.pnc_id,
        timestamp(now),
        crate::domain::person::fold_name(&person.forenames),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A detention to be written.
#[derive(Debug, Clone, Default)]
pub struct NewDetention {
    pub person_id: i64,
    pub custody_no: String,
    pub arrived_at: DateTime<Utc>,
    pub authorised_at: Option<DateTime<Utc>>,
    pub arresting_officer: String,
    pub reason: String,
    pub cell: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub destination: Option<String>,
    pub ready_for_transfer: bool,
}

pub fn insert_detention(conn: &Connection, d: &NewDetention) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO detention (person_id, custody_no, arrived_at, authorised_at, arresting_officer,
                                reason, cell, closed_at, destination, ready_for_transfer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        d.person_id,
        d.custody_no,
        timestamp(d.arrived_at),
        d.authorised_at.map(timestamp),
        d.arresting_officer,
        d.reason,
        d.cell,
        d.closed_at.map(timestamp),
        d.destination,
        d.ready_for_transfer,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A risk flag to be raised; the reason is required (an unexplained flag helps nobody).
#[derive(Debug, Clone)]
pub struct NewFlag<'a> {
    pub person_id: i64,
    pub detention_id: Option<i64>,
    pub code: &'a str,
    pub severity: &'a str,
    pub reason: &'a str,
    pub source: &'a str,
    pub raised_by: &'a str,
    pub raised_at: DateTime<Utc>,
}

/// Which rule raised a flag, and over what: a booking answer or a recorded score.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleOrigin<'a> {
    pub rule_id: Option<&'a str>,
    pub answer_id: Option<i64>,
    pub score_id: Option<i64>,
}

/// Inserts a flag raised by hand or by an import (no rule).
pub fn insert_flag(conn: &Connection, f: &NewFlag<'_>) -> Result<i64, StoreError> {
    insert_rule_flag(conn, f, RuleOrigin::default())
}

/// Inserts a flag with the rule, answer or score that raised it: the one place flags are
/// written, so every flag has its reason.
pub fn insert_rule_flag(
    conn: &Connection,
    f: &NewFlag<'_>,
    origin: RuleOrigin<'_>,
) -> Result<i64, StoreError> {
    if f.reason.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "the {} flag needs a reason saying why it was raised",
            f.code
        )));
    }
    conn.prepare_cached(
        "INSERT INTO flag (person_id, detention_id, code, severity, reason, source, raised_by,
                           raised_at, rule_id, answer_id, raised_by_score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        f.person_id,
        f.detention_id,
        f.code,
        f.severity,
        f.reason,
        f.source,
        f.raised_by,
        timestamp(f.raised_at),
        origin.rule_id,
        origin.answer_id,
        origin.score_id,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A version of the care plan to be written.
#[derive(Debug, Clone)]
pub struct NewCarePlan<'a> {
    pub detention_id: i64,
    pub level: u8,
    pub interval_minutes: Option<u32>,
    pub rouse: bool,
    pub instructions: &'a str,
    pub rationale: &'a str,
    pub set_by: &'a str,
    pub set_at: DateTime<Utc>,
}

pub fn insert_care_plan(conn: &Connection, p: &NewCarePlan<'_>) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO care_plan (detention_id, level, interval_minutes, rouse, instructions, rationale, set_by, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        p.detention_id,
        p.level,
        p.interval_minutes,
        p.rouse,
        p.instructions,
        p.rationale,
        p.set_by,
        timestamp(p.set_at),
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_check(
    conn: &Connection,
    detention_id: i64,
    done_at: DateTime<Utc>,
    done_by: &str,
    roused: Option<bool>,
    condition: &str,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO cell_check (detention_id, done_at, done_by, roused, condition) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![detention_id, timestamp(done_at), done_by, roused, condition])?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_hcp_contact(
    conn: &Connection,
    detention_id: i64,
    seen_at: DateTime<Utc>,
    seen_by: &str,
    note: &str,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO hcp_contact (detention_id, seen_at, seen_by, note) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![detention_id, timestamp(seen_at), seen_by, note])?;
    Ok(conn.last_insert_rowid())
}

/// Refuses, in one sentence, a write for a detention that has ended or never was: the one
/// check every write about a person in custody makes in its transaction.
pub(super) fn still_in_custody(tx: &Connection, detention_id: i64) -> Result<(), StoreError> {
    let open: Option<i64> = tx
        .query_row(
            "SELECT id FROM detention WHERE id = ?1 AND closed_at IS NULL",
            [detention_id],
            |r| r.get(0),
        )
        .optional()?;
    open.map(|_| ())
        .ok_or_else(|| StoreError::Invalid("that person is no longer in custody here".into()))
}

/// Which detentions [`custody_entries`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Everyone in custody now.
    InCustody,
    /// Every detention, newest first, up to a limit.
    All { limit: u32 },
    /// One detention.
    One(i64),
}

/// The board's projection of the detentions chosen by `which`.
pub fn custody_entries(conn: &Connection, which: Which) -> Result<Vec<CustodyEntry>, StoreError> {
    let (condition, limit, id) = match which {
        Which::InCustody => ("WHERE d.closed_at IS NULL", String::new(), None),
        Which::All { limit } => ("", format!("LIMIT {limit}"), None),
        Which::One(id) => ("WHERE d.id = ?1", String::new(), Some(id)),
    };
    let sql = format!(
        "SELECT d.id, p.id, d.custody_no, p.surname, p.forenames, p.date_of_birth, d.cell,
                d.arrived_at, d.authorised_at, d.closed_at, d.ready_for_transfer,
                cp.level, cp.interval_minutes, cp.rouse, cp.set_at,
                (SELECT max(done_at) FROM cell_check c WHERE c.detention_id = d.id),
                EXISTS (SELECT 1 FROM hcp_contact h WHERE h.detention_id = d.id),
                (SELECT group_concat(f.code || ':' || f.severity, ',') FROM flag f
                   WHERE f.detention_id = d.id AND f.entered_in_error_at IS NULL),
                cp.suggested_level
         FROM detention d
         JOIN person p ON p.id = d.person_id
         LEFT JOIN care_plan cp ON cp.id = (SELECT max(id) FROM care_plan WHERE detention_id = d.id)
         {condition}
         ORDER BY d.id DESC
         {limit}"
    );
    // `id` binds `?1` when there is one and nothing otherwise.
    // Below the suggestion is worked out for people in custody and one record, not for every
    // detention ever (`sonar list --all`), which has no use for it.
    let rules = match which {
        Which::All { .. } => None,
        _ => Some(super::care::observation_rules()?),
    };
    let mut entries = collect_rows(conn, &sql, rusqlite::params_from_iter(id), |r| {
        let dob: Option<String> = r.get(5)?;
        let flags: Option<String> = r.get(17)?;
        let level: Option<u8> = r.get(11)?;
        let recorded_suggestion: Option<u8> = r.get(18)?;
        let authorised_at = opt_time(r.get(8)?)?;
        let flags: Vec<(String, String)> = flags
            .unwrap_or_default()
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .map(|(c, s)| (c.to_string(), s.to_string()))
            .collect();
        let below_suggestion = rules.and_then(|rules| {
            let parsed: Vec<(FlagCode, Severity)> = flags
                .iter()
                .filter_map(|(c, s)| Some((c.parse().ok()?, s.parse().ok()?)))
                .collect();
            super::care::suggested_above(rules, level, recorded_suggestion, &parsed)
        });
        Ok(CustodyEntry {
            detention_id: r.get(0)?,
            person_id: r.get(1)?,
            custody_no: r.get(2)?,
            surname: r.get(3)?,
            forenames: r.get(4)?,
            date_of_birth: dob.and_then(|d| d.parse().ok()),
            cell: r.get(6)?,
            arrived_at: parse_timestamp(&r.get::<_, String>(7)?)?,
            authorised_at,
            closed_at: opt_time(r.get(9)?)?,
            ready_for_transfer: r.get(10)?,
            level,
            interval_minutes: r.get(12)?,
            rouse: r.get::<_, Option<bool>>(13)?.unwrap_or(false),
            plan_set_at: opt_time(r.get(14)?)?,
            last_check_at: opt_time(r.get(15)?)?,
            hcp_seen: r.get(16)?,
            flags,
            next_medication_due: None,
            next_observations: None,
            last_seen: None,
            markers: Vec::new(),
            pace_reviews: Vec::new(),
            pace_extensions: Vec::new(),
            below_suggestion,
            emergency_open: false,
            plan_review_due: false,
            hcp_wait: None,
            reassess_due: None,
            directions_unacknowledged: 0,
            outstanding: Vec::new(),
            support: Default::default(),
        })
    })?;
    // What booking still owes, by the one rule (`store::booking_duties::outstanding_of`).
    if !entries.is_empty() {
        let ids = entries
            .iter()
            .map(|e| e.detention_id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let mut owed = super::booking_duties::outstanding_of(conn, &ids)?;
        for e in &mut entries {
            e.outstanding = owed.remove(&e.detention_id).unwrap_or_default();
        }
    }
    Ok(entries)
}

fn opt_time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|t| parse_timestamp(&t)).transpose()
}

/// Reads one detention's record. `clinical` decides whether clinical notes are selected at
/// all: for a role without clinical access they never leave the database.
pub fn record(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Option<RecordView>, StoreError> {
    type Head = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
    );
    let head: Option<Head> = conn
        .query_row(
            "SELECT p.id, p.sex, p.nhs_number, p.pnc_id, d.arresting_officer, d.reason,
                    d.shared_cell_reason
             FROM detention d JOIN person p ON p.id = d.person_id WHERE d.id = ?1",
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
                ))
            },
        )
        .optional()?;
    let Some((person_id, sex, nhs_number, pnc_id, arresting_officer, reason, shared_cell_reason)) =
        head
    else {
        return Ok(None);
    };
    let Some(mut entry) = custody_entries(conn, Which::One(detention_id))?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let hcp_requests = super::hcp::requests_of(conn, detention_id)?;
    let directions = super::hcp::directions_of(conn, detention_id)?;
    if entry.closed_at.is_none() {
        // The board's wait and re-assessment, by the same rules over the same rows.
        let hcp = super::hcp::board_hcp_of(&hcp_requests, &directions);
        entry.hcp_wait = hcp.wait;
        entry.reassess_due = hcp.reassess_due;
        entry.directions_unacknowledged = hcp.unacknowledged;
    }
    entry.support = super::support::support_of(conn, detention_id)?;
    let clinical_record = super::record::clinical_record(conn, detention_id, clinical)?;
    entry.last_seen = clinical_record.last_seen.clone();
    entry.hcp_seen = entry.hcp_seen || entry.last_seen.is_some();
    entry.markers = clinical_record.board_markers();

    let flags = collect_rows(
        conn,
        "SELECT code, severity, reason, source, raised_by, raised_at, detention_id,
                    (SELECT r.form_id || '.' || a.question_id FROM answer a
                     JOIN form_response r ON r.id = a.response_id WHERE a.id = flag.answer_id)
             FROM flag WHERE person_id = ?1 AND entered_in_error_at IS NULL
             ORDER BY raised_at DESC",
        [person_id],
        |r| {
            let flag_detention: Option<i64> = r.get(6)?;
            Ok(FlagView {
                code: r.get(0)?,
                severity: r.get(1)?,
                reason: r.get(2)?,
                source: r.get(3)?,
                raised_by: r.get(4)?,
                raised_at: parse_timestamp(&r.get::<_, String>(5)?)?,
                from_earlier_detention: flag_detention != Some(detention_id),
                raised_by_answer: r.get(7)?,
            })
        },
    )?;
    let plan_history = collect_rows(
        conn,
        "SELECT level, interval_minutes, rouse, instructions, rationale, set_by, set_at
             FROM care_plan WHERE detention_id = ?1 ORDER BY id DESC",
        [detention_id],
        |r| {
            Ok(CarePlanView {
                level: r.get(0)?,
                interval_minutes: r.get(1)?,
                rouse: r.get(2)?,
                instructions: r.get(3)?,
                rationale: r.get(4)?,
                set_by: r.get(5)?,
                set_at: parse_timestamp(&r.get::<_, String>(6)?)?,
            })
        },
    )?;
    let checks = collect_rows(
        conn,
        "SELECT done_at, done_by, roused, condition FROM cell_check
             WHERE detention_id = ?1 ORDER BY done_at DESC LIMIT 50",
        [detention_id],
        |r| {
            Ok(CheckView {
                done_at: parse_timestamp(&r.get::<_, String>(0)?)?,
                done_by: r.get(1)?,
                roused: r.get(2)?,
                condition: r.get(3)?,
            })
        },
    )?;
    // Two statements rather than one with a conditional column, so the clinical text is
    // not even read from disk for a role that may not see it.
    let hcp_sql = if clinical {
        "SELECT seen_at, seen_by, note FROM hcp_contact WHERE detention_id = ?1 ORDER BY seen_at DESC"
    } else {
        "SELECT seen_at, seen_by, NULL FROM hcp_contact WHERE detention_id = ?1 ORDER BY seen_at DESC"
    };
    let hcp_contacts = collect_rows(conn, hcp_sql, [detention_id], |r| {
        Ok(HcpContactView {
            seen_at: parse_timestamp(&r.get::<_, String>(0)?)?,
            seen_by: r.get(1)?,
            note: r.get(2)?,
        })
    })?;
    let previous_detentions = collect_rows(
        conn,
        "SELECT id, custody_no, arrived_at, closed_at, reason FROM detention
             WHERE person_id = ?1 AND id != ?2 ORDER BY arrived_at DESC LIMIT 20",
        params![person_id, detention_id],
        |r| {
            Ok(crate::domain::record::view::EarlierDetention {
                detention_id: r.get(0)?,
                custody_no: r.get(1)?,
                arrived_at: parse_timestamp(&r.get::<_, String>(2)?)?,
                closed_at: opt_time(r.get(3)?)?,
                reason: r.get(4)?,
            })
        },
    )?;
    Ok(Some(RecordView {
        entry,
        sex,
        nhs_number,
        pnc_id,
        arresting_officer,
        reason,
        shared_cell_reason,
        flags,
        plan_history,
        checks,
        hcp_contacts,
        previous_detentions,
        medications: super::clinical::medications_for(conn, detention_id, clinical)?,
        doses: super::clinical::doses_for(conn, detention_id, clinical)?,
        news2: if clinical {
            super::clinical::scores_for(conn, detention_id, super::clinical::ScoreKind::News2)?
        } else {
            Vec::new()
        },
        scores: if clinical {
            super::clinical::all_scores_for(conn, detention_id)?
        } else {
            Vec::new()
        },
        consents: super::clinical::consents_for(conn, detention_id, clinical)?,
        fitness: super::clinical::fitness_for(conn, detention_id, clinical)?,
        referrals: super::clinical::referrals_for(conn, detention_id, clinical)?,
        appointments: super::clinical::appointments_for(conn, detention_id, clinical)?,
        known_appointments: super::clinical::known_appointments_for(conn, person_id, clinical)?,
        care: super::care::record_care(conn, detention_id)?,
        record: clinical_record,
        emergencies: super::emergency::emergencies_of(conn, detention_id)?,
        hcp_requests,
        directions,
        prra: super::prra::prra_of(conn, detention_id)?,
        health_screen_deferral: super::booking_duties::deferral_of(conn, detention_id)?,
        national: super::national::delivery_of(conn, detention_id)?,
    }))
}

impl super::Store {
    /// One detention's board projection (no clinical detail), if it exists.
    pub fn custody_entry(&self, detention_id: i64) -> Result<Option<CustodyEntry>, StoreError> {
        Ok(custody_entries(self.conn(), Which::One(detention_id))?
            .into_iter()
            .next())
    }

    /// Everyone in custody now, for the board, with when each person's next medicine dose is
    /// due. Holds no clinical detail.
    pub fn in_custody(&self) -> Result<Vec<CustodyEntry>, StoreError> {
        let mut entries = custody_entries(self.conn(), Which::InCustody)?;
        let due = super::clinical::next_doses_in_custody(self.conn())?;
        let observations = super::clinical::next_observations_in_custody(self.conn())?;
        let mut markers = super::record::board_markers_in_custody(self.conn())?;
        let mut seen = super::record::last_seen_in_custody(self.conn())?;
        let mut pace = super::pace::histories_in_custody(self.conn())?;
        let open: std::collections::HashSet<i64> = collect_rows(
            self.conn(),
            "SELECT DISTINCT detention_id FROM escalation WHERE closed_at IS NULL",
            [],
            |r| Ok(r.get::<_, i64>(0)?),
        )?
        .into_iter()
        .collect();
        let reviews_due = super::care::reviews_due_in_custody(self.conn())?;
        let mut hcp = super::hcp::board_hcp_in_custody(self.conn())?;
        let mut support = super::support::support_in_custody(self.conn())?;
        for e in &mut entries {
            e.support = support.remove(&e.detention_id).unwrap_or_default();
            let h = hcp.remove(&e.detention_id).unwrap_or_default();
            (e.hcp_wait, e.reassess_due) = (h.wait, h.reassess_due);
            e.directions_unacknowledged = h.unacknowledged;
            e.emergency_open = open.contains(&e.detention_id);
            e.plan_review_due = reviews_due.contains_key(&e.detention_id);
            (e.pace_reviews, e.pace_extensions) = pace.remove(&e.detention_id).unwrap_or_default();
            e.markers = markers.remove(&e.detention_id).unwrap_or_default();
            e.last_seen = seen.remove(&e.detention_id);
            e.hcp_seen = e.hcp_seen || e.last_seen.is_some();
            e.next_medication_due = due.get(&e.detention_id).copied();
            e.next_observations = observations.get(&e.detention_id).copied();
        }
        Ok(entries)
    }

    /// The board's projection for scripts: everyone in custody, or every detention.
    pub fn custody_list(&self, all: bool) -> Result<Vec<CustodyEntry>, StoreError> {
        if !all {
            return self.in_custody();
        }
        let mut entries = custody_entries(self.conn(), Which::All { limit: u32::MAX })?;
        let mut support = super::support::support_of_every_detention(self.conn())?;
        for e in &mut entries {
            e.support = support.remove(&e.detention_id).unwrap_or_default();
        }
        Ok(entries)
    }

    /// Opens one detention's record for the logged-in person, auditing the read. Clinical
    /// notes are read only for a role that may see them, or with a break-glass reason, which
    /// is audited as such.
    pub fn open_record(
        &mut self,
        detention_id: i64,
        break_glass_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<RecordView>, StoreError> {
        let role = self.identity().role;
        let staff = self.identity().username.clone();
        let reason = break_glass_reason.map(str::trim).filter(|r| !r.is_empty());
        if break_glass_reason.is_some() && reason.is_none() {
            return Err(StoreError::Invalid(
                "breaking glass needs a reason: say why you need the clinical detail".into(),
            ));
        }
        if !role.opens_records() {
            return Err(StoreError::NotPermitted {
                role: role.label().to_string(),
                what: "open a record (the wall board shows the board and emergencies only)".into(),
            });
        }
        let clinical = role.sees_clinical_detail() || reason.is_some();
        let subject = detention_id.to_string();
        // On a full disk the record is still shown (its allergies and risks matter most
        // then), and the read is audited once writes resume.
        if self.writes_paused().is_some() {
            let view = record(self.conn(), detention_id, clinical)?;
            if view.is_some() {
                match reason {
                    Some(reason) => self.defer_audit(
                        now,
                        super::audit::AuditAction::BreakGlass,
                        &subject,
                        reason,
                    ),
                    None => {
                        self.defer_audit(now, super::audit::AuditAction::RecordRead, &subject, "")
                    }
                }
            }
            return Ok(view);
        }
        // A read, audited: every role that opens records may.
        self.transact(|tx| {
            let view = record(tx, detention_id, clinical)?;
            if view.is_some() {
                match reason {
                    Some(reason) => super::audit::append(
                        tx,
                        now,
                        &staff,
                        super::audit::AuditAction::BreakGlass,
                        &subject,
                        reason,
                    )?,
                    None => super::audit::append(
                        tx,
                        now,
                        &staff,
                        super::audit::AuditAction::RecordRead,
                        &subject,
                        "",
                    )?,
                };
            }
            Ok(view)
        })
    }
}
