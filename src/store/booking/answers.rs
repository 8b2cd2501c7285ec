//! Form answers at booking-in: append-only, each committed with its audit row the moment it is
//! entered; the rules they raise flags by; answers carried over from an earlier detention;
//! completion and each answer's history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::person_of;
use crate::domain::authority::Duty;
use crate::domain::form::{Answer, Answers, Form, missing_sentence};
use crate::domain::rules::{FactSet, Raised, Rule, evaluate};
use crate::store::audit::{self, AuditAction};
use crate::store::custody::{NewFlag, RuleOrigin, insert_rule_flag};
use crate::store::{StoreError, collect_rows, parse_timestamp, timestamp};

/// One version of an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerVersion {
    pub answer_id: i64,
    pub version: i64,
    pub answer: Answer,
    pub answered_by: String,
    pub answered_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// A form's saved state for one detention.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormState {
    pub response_id: Option<i64>,
    /// The current answer to each question.
    pub answers: Answers,
    /// The current version of each answer.
    pub versions: HashMap<String, i64>,
    /// The last completion: (by, at).
    pub completed: Option<(String, DateTime<Utc>)>,
}

/// An answer from an earlier detention, offered as "carried over" until confirmed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Carried {
    pub answer: Answer,
    pub custody_no: String,
    pub answered_at: DateTime<Utc>,
}

/// What saving an answer did.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub answer_id: i64,
    pub version: i64,
    /// Flags the rules raised because of this answer (not those already raised).
    pub raised: Vec<Raised>,
    /// Codes of active flags raised by a form rule that no longer fires over the answers now
    /// (an answer was changed). They are not removed: a person decides, and marks one entered
    /// in error with a reason if it is wrong.
    pub no_longer_follows: Vec<String>,
}

pub(crate) fn load_state(
    conn: &Connection,
    detention_id: i64,
    form_id: &str,
) -> Result<FormState, StoreError> {
    let mut state = load_answers(conn, detention_id, form_id)?;
    for (fact, answer) in person_facts_of(conn, detention_id)? {
        state.answers.insert(fact, answer);
    }
    Ok(state)
}

/// The person facts a question may be asked on (`domain::form::person_facts`), for the person
/// detained in `detention_id`.
pub(crate) fn person_facts_of(
    conn: &Connection,
    detention_id: i64,
) -> Result<Vec<(String, Answer)>, StoreError> {
    let sex: Option<String> = conn
        .query_row(
            "SELECT p.sex FROM detention d JOIN person p ON p.id = d.person_id WHERE d.id = ?1",
            [detention_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(crate::domain::form::person_facts(sex.as_deref()))
}

fn load_answers(
    conn: &Connection,
    detention_id: i64,
    form_id: &str,
) -> Result<FormState, StoreError> {
    let response_id: Option<i64> = conn
        .query_row(
            "SELECT id FROM form_response WHERE detention_id = ?1 AND form_id = ?2",
            params![detention_id, form_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(response_id) = response_id else {
        return Ok(FormState::default());
    };
    let mut state = FormState {
        response_id: Some(response_id),
        ..FormState::default()
    };
    let mut stmt = conn.prepare_cached(
        "SELECT question_id, version, value, details FROM answer a
         WHERE response_id = ?1
           AND version = (SELECT max(version) FROM answer b
                          WHERE b.response_id = a.response_id AND b.question_id = a.question_id)",
    )?;
    let mut rows = stmt.query([response_id])?;
    while let Some(r) = rows.next()? {
        let qid: String = r.get(0)?;
        let value: String = r.get(2)?;
        let value = serde_json::from_str(&value)
            .map_err(|e| StoreError::Internal(format!("bad stored answer to `{qid}`: {e}")))?;
        state.versions.insert(qid.clone(), r.get(1)?);
        state.answers.insert(
            qid,
            Answer {
                value,
                details: r.get(3)?,
            },
        );
    }
    drop(rows);
    state.completed = conn
        .query_row(
            "SELECT completed_by, completed_at FROM form_completion
             WHERE response_id = ?1 ORDER BY id DESC LIMIT 1",
            [response_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .map(|(by, at)| parse_timestamp(&at).map(|at| (by, at)))
        .transpose()?;
    Ok(state)
}

/// Current answers of every form of this detention, keyed `form.question`.
fn facts(
    conn: &Connection,
    detention_id: i64,
) -> Result<(FactSet, HashMap<String, i64>), StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.form_id, a.question_id, a.value, a.id FROM answer a
         JOIN form_response r ON r.id = a.response_id
         WHERE r.detention_id = ?1
           AND a.version = (SELECT max(version) FROM answer b
                            WHERE b.response_id = a.response_id AND b.question_id = a.question_id)",
    )?;
    let mut rows = stmt.query([detention_id])?;
    let mut facts = FactSet::new();
    let mut ids = HashMap::new();
    while let Some(r) = rows.next()? {
        let key = format!("{}.{}", r.get::<_, String>(0)?, r.get::<_, String>(1)?);
        let value: String = r.get(2)?;
        let value = serde_json::from_str(&value)
            .map_err(|e| StoreError::Internal(format!("bad stored answer to `{key}`: {e}")))?;
        ids.insert(key.clone(), r.get(3)?);
        facts.insert(key, value);
    }
    Ok((facts, ids))
}

impl crate::store::Store {
    /// The saved state of one form for one detention.
    pub fn form_state(&self, detention_id: i64, form_id: &str) -> Result<FormState, StoreError> {
        load_state(self.conn(), detention_id, form_id)
    }

    /// The newest answers this person gave to this form in an earlier detention, offered as
    /// "carried over" (never saved as answers until asked again and confirmed).
    pub fn carried_answers(
        &self,
        detention_id: i64,
        form_id: &str,
    ) -> Result<HashMap<String, Carried>, StoreError> {
        let person_id = person_of(self.conn(), detention_id)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.question_id, a.value, a.details, d.custody_no, a.answered_at
             FROM answer a
             JOIN form_response r ON r.id = a.response_id
             JOIN detention d ON d.id = r.detention_id
             WHERE d.person_id = ?1 AND d.id != ?2 AND r.form_id = ?3
             ORDER BY a.answered_at DESC, a.id DESC",
        )?;
        let mut rows = stmt.query(params![person_id, detention_id, form_id])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let qid: String = r.get(0)?;
            if out.contains_key(&qid) {
                continue;
            }
            let value: String = r.get(1)?;
            let Ok(value) = serde_json::from_str(&value) else {
                continue;
            };
            out.insert(
                qid,
                Carried {
                    answer: Answer {
                        value,
                        details: r.get(2)?,
                    },
                    custody_no: r.get(3)?,
                    answered_at: parse_timestamp(&r.get::<_, String>(4)?)?,
                },
            );
        }
        Ok(out)
    }

    /// Saves one answer the moment it is entered, in one transaction with its audit row, then
    /// raises any flag the rules now raise that this detention does not have yet, each tied to
    /// the answer that raised it. A change to an answer is a new version; after the form was
    /// completed a change needs a reason.
    #[allow(clippy::too_many_arguments)]
    pub fn save_answer(
        &mut self,
        detention_id: i64,
        form: &Form,
        rules: &[Rule],
        question_id: &str,
        answer: &Answer,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Saved, StoreError> {
        let identity = self.identity().clone();
        let Some(question) = form.question(question_id) else {
            return Err(StoreError::Invalid(format!(
                "the form `{}` has no question `{question_id}`",
                form.id
            )));
        };
        let duty = crate::domain::authority::form_duty(&form.id);
        question
            .validate(&answer.value)
            .map_err(|e| StoreError::Invalid(e.to_string().trim_end_matches('.').to_string()))?;
        let value = serde_json::to_string(&answer.value)
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let staff = identity.username;
        self.write(duty, now, |tx| {
            let person_id = person_of(tx, detention_id)?;
            let state = load_state(tx, detention_id, &form.id)?;
            if state.completed.is_some() && reason.is_none() {
                return Err(StoreError::Invalid(
                    "the form has been completed, so a change needs a reason".into(),
                ));
            }
            let response_id = match state.response_id {
                Some(id) => id,
                None => {
                    tx.execute(
                        "INSERT INTO form_response (detention_id, form_id, started_by, started_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![detention_id, form.id, staff, timestamp(now)],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            let version = state.versions.get(question_id).copied().unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO answer (response_id, question_id, version, value, details,
                                     answered_by, answered_at, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    response_id,
                    question_id,
                    version,
                    value,
                    answer.details,
                    staff,
                    timestamp(now),
                    reason
                ],
            )?;
            let answer_id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "answered {}.{question_id} (version {version}){}",
                    form.id,
                    if reason.is_some() { ", amended" } else { "" }
                ),
            )?;
            // What the answer says goes into the clinical record in the same transaction.
            crate::store::record::sync_form_entries(
                tx,
                person_id,
                detention_id,
                form,
                &staff,
                now,
            )?;
            let key = format!("{}.{question_id}", form.id);
            let (facts, ids) = facts(tx, detention_id)?;
            let mut raised = Vec::new();
            for r in evaluate(rules, &facts) {
                let exists: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM flag WHERE detention_id = ?1 AND rule_id = ?2
                                    AND entered_in_error_at IS NULL)",
                    params![detention_id, r.rule],
                    |row| row.get(0),
                )?;
                if exists {
                    continue;
                }
                let because = if r.because_of.contains(&key) {
                    Some(answer_id)
                } else {
                    r.because_of.iter().find_map(|k| ids.get(k).copied())
                };
                insert_rule_flag(
                    tx,
                    &NewFlag {
                        person_id,
                        detention_id: Some(detention_id),
                        code: r.code.code(),
                        severity: r.severity.as_str(),
                        reason: &r.reason,
                        source: &r.source,
                        raised_by: &staff,
                        raised_at: now,
                    },
                    RuleOrigin {
                        rule_id: Some(&r.rule),
                        answer_id: because,
                        score_id: None,
                    },
                )?;
                audit::append(
                    tx,
                    now,
                    &staff,
                    AuditAction::RecordWrite,
                    &detention_id.to_string(),
                    &format!("flag {} raised by rule {}", r.code, r.rule),
                )?;
                raised.push(r);
            }
            let active_rule_flags = collect_rows(
                tx,
                "SELECT code, rule_id FROM flag WHERE detention_id = ?1 AND rule_id IS NOT NULL
                 AND entered_in_error_at IS NULL ORDER BY id",
                [detention_id],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )?;
            let mut no_longer_follows: Vec<String> = Vec::new();
            for (code, rule_id) in active_rule_flags {
                let stale = rules
                    .iter()
                    .find(|rule| rule.id == rule_id)
                    .is_some_and(|rule| rule.evaluate(&facts).is_none());
                if stale && !no_longer_follows.contains(&code) {
                    no_longer_follows.push(code);
                }
            }
            Ok(Saved {
                answer_id,
                version,
                raised,
                no_longer_follows,
            })
        })
    }

    /// Completes a form: refused, naming each one, while a required question is unanswered
    /// or a "give details" is empty. Returns whether completing it authorised detention (the
    /// custody officer's risk assessment, for a person nobody had authorised yet).
    pub fn complete_form(
        &mut self,
        detention_id: i64,
        form: &Form,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let staff = self.identity().username.clone();
        let duty = crate::domain::authority::form_duty(&form.id);
        self.write(duty, now, |tx| {
            let state = load_state(tx, detention_id, &form.id)?;
            let missing = form.missing(&state.answers);
            if !missing.is_empty() {
                return Err(StoreError::Invalid(
                    missing_sentence(&missing).trim_end_matches('.').to_string(),
                ));
            }
            let Some(response_id) = state.response_id else {
                return Err(StoreError::Invalid("the form has no answers yet".into()));
            };
            tx.execute(
                "INSERT INTO form_completion (response_id, completed_by, completed_at)
                 VALUES (?1, ?2, ?3)",
                params![response_id, staff, timestamp(now)],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("completed {}", form.id),
            )?;
            // The custody officer's risk assessment done is detention authorised (s.37), for
            // a person another member of staff booked in.
            if duty == Duty::RiskAssessment {
                return crate::store::booking_duties::authorise_in(tx, detention_id, &staff, now);
            }
            Ok(false)
        })
    }

    /// Every version of one answer, oldest first.
    pub fn answer_history(
        &self,
        detention_id: i64,
        form_id: &str,
        question_id: &str,
    ) -> Result<Vec<AnswerVersion>, StoreError> {
        collect_rows(
            self.conn(),
            "SELECT a.id, a.version, a.value, a.details, a.answered_by, a.answered_at, a.reason
             FROM answer a JOIN form_response r ON r.id = a.response_id
             WHERE r.detention_id = ?1 AND r.form_id = ?2 AND a.question_id = ?3
             ORDER BY a.version",
            params![detention_id, form_id, question_id],
            |r| {
                let value: String = r.get(2)?;
                Ok(AnswerVersion {
                    answer_id: r.get(0)?,
                    version: r.get(1)?,
                    answer: Answer {
                        value: serde_json::from_str(&value)
                            .map_err(|e| StoreError::Internal(e.to_string()))?,
                        details: r.get(3)?,
                    },
                    answered_by: r.get(4)?,
                    answered_at: parse_timestamp(&r.get::<_, String>(5)?)?,
                    reason: r.get(6)?,
                })
            },
        )
    }
}
