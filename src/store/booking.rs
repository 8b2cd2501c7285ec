//! Booking-in: finding and creating people, new detentions with generated custody numbers,
//! the "already known" flags, form answers (append-only, each committed with its audit row the
//! moment it is entered), completion, and flags raised by rules or by hand.

use crate::domain::authority::Duty;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit::{self, AuditAction};
use super::custody::{
    NewDetention, NewFlag, NewPerson, insert_detention, insert_flag, insert_person,
};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::booking::{
    DEFAULT_CUSTODY_FORMAT, ValidPerson, custody_number, needs_appropriate_adult,
};
use crate::domain::cell::{Occupant, occupants_of, shared_reason};
use crate::domain::flag::{FlagCode, Severity};

mod answers;
mod search;
pub use answers::{AnswerVersion, Carried, FormState, Saved};
pub(crate) use answers::{load_state, person_facts_of};
pub use search::{DuplicateCandidate, possible_duplicates, search_people};

/// How many earlier detentions a search result lists.
const DETENTIONS_PER_MATCH: usize = 5;

/// A person a search found, with their detentions (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonMatch {
    pub person_id: i64,
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: Option<NaiveDate>,
    pub nhs_number: Option<String>,
    pub pnc_id: Option<String>,
    /// (custody number, arrived at, still in custody), newest first, at most five.
    pub detentions: Vec<(String, DateTime<Utc>, bool)>,
    pub detention_count: i64,
}

/// A flag known before this booking: from an earlier detention or an imported bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownFlag {
    pub flag_id: i64,
    pub code: String,
    pub severity: String,
    pub reason: String,
    pub source: String,
    pub raised_at: DateTime<Utc>,
    /// The custody number it was raised in, or `None` for an imported flag.
    pub custody_no: Option<String>,
}

/// A flag of this detention, as the booking screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetentionFlag {
    pub flag_id: i64,
    pub code: String,
    pub severity: String,
    pub reason: String,
    pub source: String,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    pub rule_id: Option<String>,
    /// `form.question` of the answer that raised it (rule flags only).
    pub raised_by_answer: Option<String>,
    /// (when, by whom, why) if marked entered in error.
    pub entered_in_error: Option<(DateTime<Utc>, String, String)>,
}

/// A new detention's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub arrived_at: DateTime<Utc>,
    /// When detention was authorised: starts the PACE clock.
    pub authorised_at: Option<DateTime<Utc>>,
    pub arresting_officer: String,
    pub reason: String,
    pub cell: String,
    /// Why this person goes into a cell someone in custody already has: the store refuses
    /// an occupied cell without one ([`crate::domain::cell::shared_reason`]).
    pub shared_cell_reason: Option<String>,
}

/// What booking in made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    pub detention_id: i64,
    pub custody_no: String,
    /// Set when the person is under 18 and the appropriate-adult flag was raised.
    pub appropriate_adult_flag: bool,
}

/// Everyone in custody now with a cell, oldest booking first. The cells are compared in Rust
/// ([`occupants_of`]), not in SQL, so that "the same cell" means exactly what it means on the
/// board (SQLite's `lower` folds ASCII only).
fn in_custody_cells(conn: &Connection) -> Result<Vec<Occupant>, StoreError> {
    collect_rows(
        conn,
        "SELECT d.custody_no, p.surname, p.forenames, d.cell
         FROM detention d JOIN person p ON p.id = d.person_id
         WHERE d.closed_at IS NULL AND trim(d.cell) <> ''
         ORDER BY d.id",
        [],
        |r| {
            Ok(Occupant {
                custody_no: r.get(0)?,
                surname: r.get(1)?,
                forenames: r.get(2)?,
                cell: r.get(3)?,
            })
        },
    )
}

/// The calendar date in London, which decides age at booking.
fn london_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&London).date_naive()
}

/// The next custody number for the year of `now`, unique in the suite: the serial counter is
/// kept per year and skips any number already used (e.g. by imported or demo detentions).
fn next_custody_number(conn: &Connection, now: DateTime<Utc>) -> Result<String, StoreError> {
    let year = chrono::Datelike::year(&now.with_timezone(&London));
    let format: String = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'custody_no_format'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| DEFAULT_CUSTODY_FORMAT.to_string());
    let last: Option<i64> = conn
        .query_row(
            "SELECT last FROM custody_serial WHERE year = ?1",
            [year],
            |r| r.get(0),
        )
        .optional()?;
    let mut serial = match last {
        Some(l) => l,
        // First booking this year: start past the detentions already recorded for the year.
        None => conn.query_row(
            "SELECT count(*) FROM detention WHERE substr(arrived_at, 1, 4) = ?1",
            [format!("{year:04}")],
            |r| r.get(0),
        )?,
    };
    loop {
        serial += 1;
        let candidate = custody_number(&format, year, u32::try_from(serial).unwrap_or(u32::MAX));
        let used: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM detention WHERE custody_no = ?1)",
            [&candidate],
            |r| r.get(0),
        )?;
        if !used {
            conn.execute(
                "INSERT INTO custody_serial (year, last) VALUES (?1, ?2)
                 ON CONFLICT (year) DO UPDATE SET last = excluded.last",
                params![year, serial],
            )?;
            return Ok(candidate);
        }
    }
}

fn person_of(conn: &Connection, detention_id: i64) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT person_id FROM detention WHERE id = ?1",
        [detention_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StoreError::Invalid(format!("there is no detention {detention_id}")))
}

impl super::Store {
    /// Records a new person, checked beforehand by [`crate::domain::booking::validate_person`].
    ///
    /// Refuses when someone already known may be this person ([`possible_duplicates`], checked
    /// again inside the transaction) unless `duplicate_reason` says why a new person is
    /// created anyway; the reason and the candidates' ids are then audited with the creation.
    pub fn create_person(
        &mut self,
        p: &ValidPerson,
        duplicate_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let staff = self.identity().username.clone();
        let person = NewPerson {
            surname: p.surname.clone(),
            forenames: p.forenames.clone(),
            date_of_birth: p.date_of_birth,
            sex: p.sex.clone(),
            nhs_number: p.nhs_number.as_ref().map(|n| n.as_str().to_string()),
            pnc_id: p.pnc_id.as_ref().map(|n| n.as_str().to_string()),
        };
        let reason = duplicate_reason.map(str::trim).filter(|r| !r.is_empty());
        self.write(Duty::StartBooking, now, |tx| {
            let candidates = possible_duplicates(tx, p)?;
            let ids: Vec<String> = candidates
                .iter()
                .map(|c| format!("person {}", c.person.person_id))
                .collect();
            if !candidates.is_empty() && reason.is_none() {
                return Err(StoreError::Invalid(format!(
                    "{} already known may be this person ({}): book that person in, or give the reason a new person is created",
                    if candidates.len() == 1 {
                        "someone".to_string()
                    } else {
                        format!("{} people", candidates.len())
                    },
                    ids.join(", ")
                )));
            }
            let id = insert_person(tx, &person, now)?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &format!("person {id}"),
                "person created",
            )?;
            if let (false, Some(reason)) = (candidates.is_empty(), reason) {
                audit::append(
                    tx,
                    now,
                    &staff,
                    AuditAction::RecordWrite,
                    &format!("person {id}"),
                    &format!(
                        "created despite possible duplicates ({}); reason: {reason}",
                        ids.join(", ")
                    ),
                )?;
            }
            Ok(id)
        })
    }

    /// Opens a new detention for a person: generates the custody number and, for a person
    /// under 18 on the day, raises the appropriate-adult flag (PACE Code C 1.5).
    pub fn book_in(
        &mut self,
        person_id: i64,
        b: &Booking,
        now: DateTime<Utc>,
    ) -> Result<Booked, StoreError> {
        let staff = self.identity().username.clone();
        // Anyone may start a booking; only a custody sergeant authorises detention (s.37).
        if b.authorised_at.is_some() {
            self.permit(Duty::AuthoriseDetention)?;
        }
        self.write(Duty::StartBooking, now, |tx| {
            let dob: Option<Option<String>> = tx
                .query_row(
                    "SELECT date_of_birth FROM person WHERE id = ?1",
                    [person_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(dob) = dob else {
                return Err(StoreError::Invalid(format!("there is no person {person_id}")));
            };
            let in_custody: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM detention WHERE person_id = ?1 AND closed_at IS NULL)",
                [person_id],
                |r| r.get(0),
            )?;
            if in_custody {
                return Err(StoreError::Invalid(
                    "this person is already in custody here: open their record instead".into(),
                ));
            }
            let in_custody = in_custody_cells(tx)?;
            let sharing: Vec<&Occupant> = occupants_of(&b.cell, &in_custody);
            // Named as recorded for whoever is there already (`c4` typed is their `C4`).
            let cell = sharing.first().map_or(b.cell.trim(), |o| o.cell.trim());
            let shared = if sharing.is_empty() {
                None
            } else {
                let numbers: Vec<&str> = sharing.iter().map(|o| o.custody_no.as_str()).collect();
                match b.shared_cell_reason.as_deref().and_then(shared_reason) {
                    Some(reason) => Some((numbers.join(", "), reason)),
                    None => {
                        return Err(StoreError::Invalid(format!(
                            "{cell} is occupied by {}: give the reason they share (a few words), or choose another cell",
                            numbers.join(" and ")
                        )));
                    }
                }
            };
            let custody_no = next_custody_number(tx, now)?;
            let detention_id = insert_detention(
                tx,
                &NewDetention {
                    person_id,
                    custody_no: custody_no.clone(),
                    arrived_at: b.arrived_at,
                    authorised_at: b.authorised_at,
                    arresting_officer: b.arresting_officer.clone(),
                    reason: b.reason.clone(),
                    cell: b.cell.clone(),
                    ..NewDetention::default()
                },
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("booked in as {custody_no}"),
            )?;
            if let Some((with, reason)) = &shared {
                // Set here rather than in insert_detention: only booking in decides a shared
                // cell, and the demo and imports write detentions without one.
                tx.execute(
                    "UPDATE detention SET shared_cell_reason = ?1 WHERE id = ?2",
                    params![reason, detention_id],
                )?;
                // Custody numbers only: the audit names no one.
                audit::append(
                    tx,
                    now,
                    &staff,
                    AuditAction::RecordWrite,
                    &detention_id.to_string(),
                    &format!("cell {cell} shared with {with}; reason: {reason}"),
                )?;
            }
            let dob = dob.and_then(|d| d.parse::<NaiveDate>().ok());
            let juvenile = needs_appropriate_adult(dob, london_date(now));
            if juvenile {
                insert_flag(
                    tx,
                    &NewFlag {
                        person_id,
                        detention_id: Some(detention_id),
                        code: FlagCode::AppropriateAdult.code(),
                        severity: Severity::Warning.as_str(),
                        reason: "Under 18 at booking: an appropriate adult is needed.",
                        source: "PACE Code C 1.5 and 3.15",
                        raised_by: &staff,
                        raised_at: now,
                    },
                )?;
                audit::append(
                    tx,
                    now,
                    &staff,
                    AuditAction::RecordWrite,
                    &detention_id.to_string(),
                    "flag AA raised: under 18",
                )?;
                // The need too, so the request and arrival can follow it (Code C 3.15).
                super::support::record_under_18(tx, detention_id, &staff, now)?;
            }
            Ok(Booked {
                detention_id,
                custody_no: custody_no.clone(),
                appropriate_adult_flag: juvenile,
            })
        })
    }

    /// The people in custody now in `cell` (compared as the board does: `c4 ` is `C4`), for
    /// the booking screen to name before anyone is put in with them. None for an empty cell.
    pub fn cell_occupants(&self, cell: &str) -> Result<Vec<Occupant>, StoreError> {
        if cell.trim().is_empty() {
            return Ok(Vec::new());
        }
        let all = in_custody_cells(self.conn())?;
        Ok(occupants_of(cell, &all).into_iter().cloned().collect())
    }

    /// This person's detention in custody now, if any: (detention id, custody number).
    pub fn open_detention(&self, person_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, custody_no FROM detention WHERE person_id = ?1 AND closed_at IS NULL
                 ORDER BY id DESC LIMIT 1",
                [person_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Every active flag known about this person from before this detention: earlier
    /// detentions in this suite and imported bundles (flags with no detention), newest first.
    pub fn known_flags(
        &self,
        person_id: i64,
        this_detention: Option<i64>,
    ) -> Result<Vec<KnownFlag>, StoreError> {
        collect_rows(
            self.conn(),
            "SELECT f.id, f.code, f.severity, f.reason, f.source, f.raised_at, d.custody_no
             FROM flag f LEFT JOIN detention d ON d.id = f.detention_id
             WHERE f.person_id = ?1 AND f.entered_in_error_at IS NULL
               AND (f.detention_id IS NULL OR f.detention_id IS NOT ?2)
             ORDER BY f.raised_at DESC",
            params![person_id, this_detention],
            |r| {
                Ok(KnownFlag {
                    flag_id: r.get(0)?,
                    code: r.get(1)?,
                    severity: r.get(2)?,
                    reason: r.get(3)?,
                    source: r.get(4)?,
                    raised_at: parse_timestamp(&r.get::<_, String>(5)?)?,
                    custody_no: r.get(6)?,
                })
            },
        )
    }

    /// Records that the banner of what is already known was seen, with how many flags it
    /// showed (audited).
    pub fn acknowledge_banner(
        &mut self,
        detention_id: i64,
        flags_shown: usize,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::AcknowledgeBanner, now, |tx| {
            tx.execute(
                "INSERT INTO banner_ack (detention_id, acknowledged_by, acknowledged_at, flags_shown)
                 VALUES (?1, ?2, ?3, ?4)",
                params![detention_id, staff, timestamp(now), flags_shown as i64],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("acknowledged already-known banner ({flags_shown} flags)"),
            )?;
            Ok(())
        })
    }

    /// Whether the banner was acknowledged for this detention.
    pub fn banner_acknowledged(&self, detention_id: i64) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM banner_ack WHERE detention_id = ?1)",
            [detention_id],
            |r| r.get(0),
        )?)
    }

    /// Every flag of this detention, entered-in-error ones included, newest first.
    pub fn detention_flags(&self, detention_id: i64) -> Result<Vec<DetentionFlag>, StoreError> {
        collect_rows(
            self.conn(),
            "SELECT f.id, f.code, f.severity, f.reason, f.source, f.raised_by, f.raised_at,
                    f.rule_id, r.form_id || '.' || a.question_id,
                    f.entered_in_error_at, f.entered_in_error_by, f.entered_in_error_reason
             FROM flag f
             LEFT JOIN answer a ON a.id = f.answer_id
             LEFT JOIN form_response r ON r.id = a.response_id
             WHERE f.detention_id = ?1
             ORDER BY f.raised_at DESC, f.id DESC",
            [detention_id],
            |r| {
                let eie: Option<String> = r.get(9)?;
                Ok(DetentionFlag {
                    flag_id: r.get(0)?,
                    code: r.get(1)?,
                    severity: r.get(2)?,
                    reason: r.get(3)?,
                    source: r.get(4)?,
                    raised_by: r.get(5)?,
                    raised_at: parse_timestamp(&r.get::<_, String>(6)?)?,
                    rule_id: r.get(7)?,
                    raised_by_answer: r.get(8)?,
                    entered_in_error: match eie {
                        Some(at) => Some((
                            parse_timestamp(&at)?,
                            r.get::<_, Option<String>>(10)?.unwrap_or_default(),
                            r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                        )),
                        None => None,
                    },
                })
            },
        )
    }

    /// Raises a flag by hand; the reason is required.
    pub fn add_flag(
        &mut self,
        detention_id: i64,
        code: FlagCode,
        severity: Severity,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let staff = self.identity().username.clone();
        let reason = reason.trim().to_string();
        self.write(Duty::AddFlag, now, |tx| {
            let person_id = person_of(tx, detention_id)?;
            let id = insert_flag(
                tx,
                &NewFlag {
                    person_id,
                    detention_id: Some(detention_id),
                    code: code.code(),
                    severity: severity.as_str(),
                    reason: &reason,
                    source: "added by hand",
                    raised_by: &staff,
                    raised_at: now,
                },
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("flag {code} added by hand"),
            )?;
            Ok(id)
        })
    }

    /// Marks a flag entered in error, with a reason. Flags are never deleted.
    pub fn mark_flag_in_error(
        &mut self,
        flag_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "marking a flag entered in error needs a reason".into(),
            ));
        }
        self.write(Duty::WithdrawFlag, now, |tx| {
            let row: Option<(Option<i64>, String, Option<String>)> = tx
                .query_row(
                    "SELECT detention_id, code, entered_in_error_at FROM flag WHERE id = ?1",
                    [flag_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((detention_id, code, already)) = row else {
                return Err(StoreError::Invalid(format!("there is no flag {flag_id}")));
            };
            if already.is_some() {
                return Err(StoreError::Invalid(format!(
                    "the {code} flag is already marked entered in error"
                )));
            }
            tx.execute(
                "UPDATE flag SET entered_in_error_at = ?1, entered_in_error_by = ?2,
                                 entered_in_error_reason = ?3 WHERE id = ?4",
                params![timestamp(now), staff, reason, flag_id],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.map(|d| d.to_string()).unwrap_or_default(),
                &format!("flag {code} marked entered in error"),
            )?;
            Ok(())
        })
    }
}
