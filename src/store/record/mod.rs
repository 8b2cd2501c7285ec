//! The clinical record's storage (`domain::record`): entries with their provenance, the
//! screen's answers turned into entries in the same transaction as the answer, reviews of
//! what is known from elsewhere, HCP contacts, and the record as one role may see it.
//!
//! Who sees what is enforced here, in the queries: entries of a kind custody staff may not
//! see (`FactKind::custody_staff_see`) are never selected for them, nor contact notes.
//!
//! Writes live here: entries, syncing a form's answers, reviews, contacts, corrections.
//! Reads are in `read` (the record as one role sees it), `board` (the board's markers and
//! HCP column) and `import` (entries from a bundle); their
//! items are re-exported here, so `store::record::X` names each of them.

mod board;
mod import;
mod read;

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, timestamp};
use crate::domain::form::{Answer, AnswerValue, Answers, Form};
use crate::domain::record::{ClinicalRecord, Fact, KnownSubject, Origin, from_form};

pub use board::{board_markers_in_custody, last_seen_in_custody};
pub use import::insert_imported_entries;
pub use read::clinical_record;

/// An entry to be written.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub person_id: i64,
    pub detention_id: Option<i64>,
    pub fact: &'a Fact,
    pub origin: &'a Origin,
    pub answer_id: Option<i64>,
    pub import_id: Option<i64>,
    pub recorded_by: &'a str,
    pub recorded_at: DateTime<Utc>,
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

/// Writes one entry; the one place entries are inserted.
pub fn insert_entry(conn: &Connection, e: &NewEntry<'_>) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO record_entry (person_id, detention_id, kind, fact, origin, answer_id,
                                   import_id, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        e.person_id,
        e.detention_id,
        e.fact.kind().as_str(),
        json(e.fact)?,
        json(e.origin)?,
        e.answer_id,
        e.import_id,
        e.recorded_by,
        timestamp(e.recorded_at),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Ends an entry (superseded or entered in error), once, with who and why.
pub fn end_entry(
    conn: &Connection,
    entry_id: i64,
    by: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE record_entry SET ended_at = ?2, ended_by = ?3, ended_reason = ?4
         WHERE id = ?1 AND ended_at IS NULL",
    )?
    .execute(params![entry_id, timestamp(now), by, reason])?;
    Ok(())
}

/// The current answers of one form in one detention, with each answer's row id.
fn current_answers(
    conn: &Connection,
    detention_id: i64,
    form_id: &str,
) -> Result<(Answers, HashMap<String, i64>), StoreError> {
    let rows = collect_rows(
        conn,
        "SELECT a.question_id, a.id, a.value, a.details FROM answer a
         JOIN form_response r ON r.id = a.response_id
         WHERE r.detention_id = ?1 AND r.form_id = ?2
           AND a.version = (SELECT max(b.version) FROM answer b
                            WHERE b.response_id = a.response_id AND b.question_id = a.question_id)",
        params![detention_id, form_id],
        |r| {
            let value: String = r.get(2)?;
            let value: AnswerValue = serde_json::from_str(&value)
                .map_err(|e| StoreError::Internal(format!("a stored answer does not read: {e}")))?;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                Answer {
                    value,
                    details: r.get(3)?,
                },
            ))
        },
    )?;
    let mut answers = Answers::new();
    let mut ids = HashMap::new();
    for (q, id, a) in rows {
        ids.insert(q.clone(), id);
        answers.insert(q, a);
    }
    for (fact, answer) in super::booking::person_facts_of(conn, detention_id)? {
        answers.insert(fact, answer);
    }
    Ok((answers, ids))
}

/// Brings the record in line with a form's current answers, inside the answer's own
/// transaction: facts the answers now say and the record lacks are added; entries from this
/// form that the answers no longer say are ended as superseded (kept, never deleted).
/// Returns how many entries were added and ended.
pub fn sync_form_entries(
    conn: &Connection,
    person_id: i64,
    detention_id: i64,
    form: &Form,
    staff: &str,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    let (answers, answer_ids) = current_answers(conn, detention_id, &form.id)?;
    let derived = from_form::facts_from_answers(form, &answers);
    let existing = collect_rows(
        conn,
        "SELECT id, fact, origin FROM record_entry
         WHERE detention_id = ?1 AND ended_at IS NULL AND answer_id IS NOT NULL",
        [detention_id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    let mut unmatched: Vec<(i64, Fact)> = Vec::new();
    for (id, fact, origin) in existing {
        let origin: Origin = serde_json::from_str(&origin)
            .map_err(|e| StoreError::Internal(format!("a stored origin does not read: {e}")))?;
        if matches!(&origin, Origin::Screen { form: f, .. } if *f == form.id) {
            let fact: Fact = serde_json::from_str(&fact)
                .map_err(|e| StoreError::Internal(format!("a stored entry does not read: {e}")))?;
            unmatched.push((id, fact));
        }
    }
    let mut added = 0;
    for d in derived {
        if let Some(i) = unmatched.iter().position(|(_, f)| *f == d.fact) {
            unmatched.remove(i);
            continue;
        }
        insert_entry(
            conn,
            &NewEntry {
                person_id,
                detention_id: Some(detention_id),
                fact: &d.fact,
                origin: &Origin::Screen {
                    form: form.id.clone(),
                    question: d.question.clone(),
                },
                answer_id: answer_ids.get(&d.question).copied(),
                import_id: None,
                recorded_by: staff,
                recorded_at: now,
            },
        )?;
        added += 1;
    }
    let ended = unmatched.len();
    for (id, _) in unmatched {
        end_entry(
            conn,
            id,
            staff,
            "superseded: the screening answer changed",
            now,
        )?;
    }
    Ok((added, ended))
}

/// Words for what an HCP did, from `hcp_activity.what`.
fn seen_label(what: &str) -> String {
    // A score's kind by its published name (one place names each score); other kinds of
    // activity are already words.
    super::clinical::ScoreKind::label_of(what).replace('_', " ")
}

/// A reported medicine, as the confirmation needs it.
fn reported_medicine(
    conn: &Connection,
    entry_id: i64,
) -> Result<(i64, Option<i64>, Fact), StoreError> {
    let row = conn
        .query_row(
            "SELECT person_id, detention_id, fact FROM record_entry
             WHERE id = ?1 AND ended_at IS NULL AND kind = 'reported_medicine'",
            [entry_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((person, detention, fact)) = row else {
        return Err(StoreError::Invalid(
            "there is no such reported medicine still on the record".into(),
        ));
    };
    let fact: Fact = serde_json::from_str(&fact)
        .map_err(|e| StoreError::Internal(format!("a stored entry does not read: {e}")))?;
    Ok((person, detention, fact))
}

impl super::Store {
    /// The clinical record as the logged-in role may see it, from one detention.
    pub fn clinical_record(&self, detention_id: i64) -> Result<ClinicalRecord, StoreError> {
        clinical_record(
            self.conn(),
            detention_id,
            self.identity().role.sees_clinical_detail(),
        )
    }

    /// The detention with this custody number, if there is one.
    pub fn detention_by_custody_no(&self, custody_no: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id FROM detention WHERE custody_no = ?1",
                [custody_no.trim()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records an HCP assessment or contact with its note (HCP only): the person counts as
    /// seen, by whom and when, everywhere the next person looks.
    pub fn record_hcp_contact(
        &mut self,
        detention_id: i64,
        kind: &str,
        seen_at: DateTime<Utc>,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let identity = self.identity().clone();
        self.permit(Duty::ClinicalNote)?;
        if !matches!(kind, "assessment" | "review" | "contact") {
            return Err(StoreError::Invalid(format!(
                "`{kind}` is not a kind of contact: use assessment, review or contact"
            )));
        }
        if note.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an HCP contact needs a note saying what was found and done".into(),
            ));
        }
        if seen_at > now + chrono::Duration::minutes(1) {
            return Err(StoreError::Invalid(
                "an HCP contact cannot be in the future".into(),
            ));
        }
        self.write(Duty::ClinicalNote, now, |tx| {
            tx.execute(
                "INSERT INTO hcp_contact (detention_id, seen_at, seen_by, note, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    detention_id,
                    timestamp(seen_at),
                    identity.username,
                    note.trim(),
                    kind
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &identity.username,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("HCP {kind} recorded"),
            )?;
            Ok(id)
        })
    }

    /// Adds an entry to the record by hand (HCP only), e.g. an allergy found after the screen.
    pub fn add_record_entry(
        &mut self,
        detention_id: i64,
        fact: &Fact,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let identity = self.identity().clone();
        self.permit(Duty::ClinicalRecord)?;
        self.write(Duty::ClinicalRecord, now, |tx| {
            let person_id: i64 = tx.query_row(
                "SELECT person_id FROM detention WHERE id = ?1",
                [detention_id],
                |r| r.get(0),
            )?;
            let id = insert_entry(
                tx,
                &NewEntry {
                    person_id,
                    detention_id: Some(detention_id),
                    fact,
                    origin: &Origin::HcpEntry,
                    answer_id: None,
                    import_id: None,
                    recorded_by: &identity.username,
                    recorded_at: now,
                },
            )?;
            audit::append(
                tx,
                now,
                &identity.username,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("record entry added: {}", fact.kind().as_str()),
            )?;
            Ok(id)
        })
    }

    /// Marks an entry entered in error (HCP only), with the reason; it is kept, not deleted.
    pub fn mark_entry_in_error(
        &mut self,
        entry_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let identity = self.identity().clone();
        self.permit(Duty::ClinicalRecord)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "say why the entry was entered in error".into(),
            ));
        }
        self.write(Duty::ClinicalRecord, now, |tx| {
            end_entry(
                tx,
                entry_id,
                &identity.username,
                &format!("entered in error: {reason}"),
                now,
            )?;
            audit::append(
                tx,
                now,
                &identity.username,
                AuditAction::RecordWrite,
                &format!("entry:{entry_id}"),
                "record entry marked entered in error",
            )?;
            Ok(())
        })
    }

    /// Reconfirms, or sets aside with a reason, something known from elsewhere, in this
    /// detention (an HCP or a custody sergeant). Audited.
    pub fn review_known(
        &mut self,
        detention_id: i64,
        subject: KnownSubject,
        reconfirm: bool,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let identity = self.identity().clone();
        self.permit(Duty::ReviewKnown)?;
        let reason = reason.trim();
        if !reconfirm && reason.is_empty() {
            return Err(StoreError::Invalid(
                "setting aside what is known from before needs a reason".into(),
            ));
        }
        self.write(Duty::ReviewKnown, now, |tx| {
            let done: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM known_review WHERE detention_id = ?1 AND subject = ?2)",
                params![detention_id, subject.to_string()],
                |r| r.get(0),
            )?;
            if done {
                return Err(StoreError::Invalid(
                    "that has already been reviewed in this detention".into(),
                ));
            }
            tx.execute(
                "INSERT INTO known_review (detention_id, subject, outcome, reason, reviewed_by, reviewed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    detention_id,
                    subject.to_string(),
                    if reconfirm { "reconfirmed" } else { "set_aside" },
                    reason,
                    identity.username,
                    timestamp(now)
                ],
            )?;
            audit::append(
                tx,
                now,
                &identity.username,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "{} {subject}{}",
                    if reconfirm { "reconfirmed" } else { "set aside" },
                    if reason.is_empty() { String::new() } else { format!(": {reason}") }
                ),
            )?;
            Ok(())
        })
    }

    /// Confirms a medicine the person reported (or brought) into the medication list with one
    /// action, without retyping (HCP only): the reported entry ends as "confirmed" and the
    /// medicine is listed, verified with `verified_with` (`gp`, `pharmacy` or `not_verified`).
    pub fn confirm_reported_medicine(
        &mut self,
        detention_id: i64,
        entry_id: i64,
        verified_with: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let identity = self.identity().clone();
        self.permit(Duty::Medication)?;
        let (_, entry_detention, fact) = reported_medicine(self.conn(), entry_id)?;
        let Fact::ReportedMedicine {
            name,
            dose,
            frequency,
            last_taken,
            source,
            ..
        } = fact
        else {
            return Err(StoreError::Invalid(
                "that entry is not a reported medicine".into(),
            ));
        };
        crate::domain::medication::Frequency::parse(&frequency).map_err(|e| {
            StoreError::Invalid(format!(
                "{}; add it with the medicine sheet instead, which starts from what was reported",
                e.to_string().trim_end_matches('.')
            ))
        })?;
        super::clinical::one_of(
            verified_with,
            &["gp", "pharmacy", "not_verified"],
            "verified with",
        )?;
        let m = super::clinical::NewMedication {
            name,
            dose,
            route: String::new(),
            frequency,
            // "08:00" as the person said it: the latest such time, so the next dose falls
            // due from it rather than at once. Words nobody can place leave it unknown.
            last_taken_at: crate::domain::entry::parse_london_time(
                "Last taken",
                &last_taken,
                crate::domain::entry::When::Past,
                now,
            )
            .ok(),
            reason: String::new(),
            verified_with: verified_with.to_string(),
            origin: if source == crate::domain::record::MedicineSource::PackagingSeen {
                "brought".into()
            } else {
                "reported".into()
            },
        };
        // One transaction: the medicine is listed and the report ends together, or neither.
        let medication_id = self.write(Duty::Medication, now, |tx| {
            let medication_id =
                super::clinical::insert_medication(tx, detention_id, &m, &identity.username, now)?;
            tx.execute(
                "UPDATE medication SET reported_entry_id = ?2 WHERE id = ?1",
                params![medication_id, entry_id],
            )?;
            if entry_detention == Some(detention_id) {
                end_entry(
                    tx,
                    entry_id,
                    &identity.username,
                    "confirmed into the medication list",
                    now,
                )?;
            } else {
                // Known from elsewhere: that record stays as it was; here it is reconfirmed.
                tx.execute(
                    "INSERT OR IGNORE INTO known_review (detention_id, subject, outcome, reason,
                                                       reviewed_by, reviewed_at)
                     VALUES (?1, ?2, 'reconfirmed', 'confirmed into the medication list', ?3, ?4)",
                    params![
                        detention_id,
                        KnownSubject::Entry(entry_id).to_string(),
                        identity.username,
                        timestamp(now)
                    ],
                )?;
            }
            audit::append(
                tx,
                now,
                &identity.username,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "reported medicine entry:{entry_id} confirmed as medication {medication_id}"
                ),
            )?;
            Ok(medication_id)
        })?;
        Ok(medication_id)
    }
}
