//! The pre-release risk assessment (PRRA) in the store: read into the record view, checked
//! before a handover is recorded, and saved whole for callers that already hold every answer
//! (the demo, scripts and tests). The screen saves it one answer at a time through
//! [`Store::save_answer`] like any other form.
//!
//! Source: Essex Police procedure E0107 (a PRRA "must be completed for every detainee"), via
//! `reference/safety-and-pathways.md`, "Pre-release risk assessment (PRRA)": enforced here, in
//! the transaction that records a handover, so no path out of the suite skips it.

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::audit::{self, AuditAction};
use super::{Store, StoreError, timestamp};
use crate::domain::form::{Answer, Form, FormErrors, PRRA, embedded_form, missing_sentence};
use crate::domain::prra::Prra;

fn form() -> Result<Form, StoreError> {
    embedded_form(PRRA).map_err(|e: FormErrors| StoreError::Internal(e.to_string()))
}

/// The PRRA of one detention as far as it has gone.
pub(crate) fn prra_of(conn: &Connection, detention_id: i64) -> Result<Prra, StoreError> {
    let form = form()?;
    let state = super::booking::load_state(conn, detention_id, PRRA)?;
    Ok(Prra::from_answers(&form, &state.answers, state.completed))
}

/// Whether this detention's PRRA has been completed.
pub(crate) fn prra_completed(conn: &Connection, detention_id: i64) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM form_completion c
                        JOIN form_response r ON r.id = c.response_id
                        WHERE r.detention_id = ?1 AND r.form_id = ?2)",
        params![detention_id, PRRA],
        |r| r.get(0),
    )?)
}

/// Saves a whole PRRA and its completion inside the caller's transaction, with an audit row
/// for each answer and one for the completion, exactly as the screen's answers are recorded.
/// Each answer is checked against its question; the whole is refused (nothing saved) if the
/// detention already has PRRA answers (change those on the screen, as amendments) or if the
/// answers do not complete the form.
pub(crate) fn insert_completed(
    tx: &Connection,
    detention_id: i64,
    answers: &[(&str, Answer)],
    staff: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let form = form()?;
    let existing = super::booking::load_state(tx, detention_id, PRRA)?;
    if existing.response_id.is_some() {
        return Err(StoreError::Invalid(
            "this detention's pre-release risk assessment is already started: change it on the screen"
                .into(),
        ));
    }
    let mut given = existing.answers;
    for (question, answer) in answers {
        let Some(q) = form.question(question) else {
            return Err(StoreError::Invalid(format!(
                "the pre-release risk assessment has no question `{question}`"
            )));
        };
        q.validate(&answer.value)
            .map_err(|e| StoreError::Invalid(e.to_string().trim_end_matches('.').to_string()))?;
        given.insert(question.to_string(), answer.clone());
    }
    let missing = form.missing(&given);
    if !missing.is_empty() {
        return Err(StoreError::Invalid(
            missing_sentence(&missing).trim_end_matches('.').to_string(),
        ));
    }
    tx.execute(
        "INSERT INTO form_response (detention_id, form_id, started_by, started_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![detention_id, PRRA, staff, timestamp(now)],
    )?;
    let response_id = tx.last_insert_rowid();
    for (question, answer) in answers {
        let value = serde_json::to_string(&answer.value)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        tx.execute(
            "INSERT INTO answer (response_id, question_id, version, value, details,
                                 answered_by, answered_at, reason)
             VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, NULL)",
            params![
                response_id,
                question,
                value,
                answer.details,
                staff,
                timestamp(now)
            ],
        )?;
        audit::append(
            tx,
            now,
            staff,
            AuditAction::RecordWrite,
            &detention_id.to_string(),
            &format!("answered {PRRA}.{question} (version 1)"),
        )?;
    }
    tx.execute(
        "INSERT INTO form_completion (response_id, completed_by, completed_at)
         VALUES (?1, ?2, ?3)",
        params![response_id, staff, timestamp(now)],
    )?;
    audit::append(
        tx,
        now,
        staff,
        AuditAction::RecordWrite,
        &detention_id.to_string(),
        &format!("completed {PRRA}"),
    )?;
    Ok(())
}

impl Store {
    /// The PRRA of one detention as far as it has gone.
    pub fn prra(&self, detention_id: i64) -> Result<Prra, StoreError> {
        prra_of(self.conn(), detention_id)
    }

    /// Saves a whole pre-release risk assessment and completes it, in one transaction with an
    /// audit row per answer: for callers that hold every answer at once (the demo, scripts,
    /// tests). The screen saves one answer at a time ([`Store::save_answer`]). Refused,
    /// naming what is missing, when the answers do not complete the form; refused for the wall
    /// board, like every write.
    pub fn complete_prra(
        &mut self,
        detention_id: i64,
        answers: &[(&str, Answer)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::PreReleaseRiskAssessment, now, |tx| {
            insert_completed(tx, detention_id, answers, &staff, now)
        })
    }
}
