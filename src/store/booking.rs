//! Booking-in: finding and creating people, new detentions with generated custody numbers,
//! the "already known" flags, form answers (append-only, each committed with its audit row the
//! moment it is entered), completion, and flags raised by rules or by hand.

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit::{self, AuditAction};
use super::custody::{
    NewDetention, NewFlag, NewPerson, RuleOrigin, insert_detention, insert_flag, insert_person,
    insert_rule_flag,
};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::booking::{
    DEFAULT_CUSTODY_FORMAT, PersonQuery, ValidPerson, custody_number, needs_appropriate_adult,
};
use crate::domain::cell::{Occupant, occupants_of, shared_reason};
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::form::{Answer, Answers, Form, missing_sentence};
use crate::domain::person::{
    DuplicateReason, Identity, duplicate_match, fold_name, swapped_day_and_month,
};
use crate::domain::rules::{FactSet, Raised, Rule, evaluate};

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

/// The key range that a folded prefix covers: `[prefix, prefix + U+10FFFF)`.
fn prefix_upper(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push(char::MAX);
    s
}

/// Searches people. Every part of the query given must match; at most `limit` people, in
/// surname then forename order. Surnames match through the folded `surname_key` (case and
/// accents ignored); the forename prefix is compared in lower case (accents as typed). Uses the folded-surname, NHS, PNC and date-of-birth indexes.
pub fn search_people(
    conn: &Connection,
    q: &PersonQuery,
    limit: u32,
) -> Result<Vec<PersonMatch>, StoreError> {
    if q.is_empty() {
        return Ok(Vec::new());
    }
    // Only the conditions given, so SQLite can use the index each one needs (a condition of
    // the form `?1 IS NULL OR …` would defeat every index and scan the table).
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut keys_cte = String::new();
    match (&q.surname, &q.forename) {
        (Some(s), Some(f)) => {
            // Each distinct surname in the prefix's range, found by seeking the index, then
            // a seek on (surname, forename) for each: never a scan of everyone so named.
            keys_cte = "WITH RECURSIVE k(key) AS (
                 SELECT min(surname_key) FROM person WHERE surname_key >= ?1 AND surname_key < ?2
                 UNION ALL
                 SELECT (SELECT min(surname_key) FROM person
                         WHERE surname_key > k.key AND surname_key < ?2)
                 FROM k WHERE k.key IS NOT NULL)"
                .to_string();
            values.push(s.clone());
            values.push(prefix_upper(s));
            conditions.push(
                "surname_key IN (SELECT key FROM k WHERE key IS NOT NULL)
                 AND forename_key >= ?3 AND forename_key < ?4",
            );
            values.push(f.clone());
            values.push(prefix_upper(f));
        }
        (Some(s), None) => {
            conditions.push("surname_key >= ?1 AND surname_key < ?2");
            values.push(s.clone());
            values.push(prefix_upper(s));
        }
        (None, Some(f)) => {
            conditions.push("forename_key >= ?1 AND forename_key < ?2");
            values.push(f.clone());
            values.push(prefix_upper(f));
        }
        (None, None) => {}
    }
    let numbered = |sql: &'static str, value: String, values: &mut Vec<String>| {
        values.push(value);
        sql.replace('?', &format!("?{}", values.len()))
    };
    let mut extra: Vec<String> = Vec::new();
    if let Some(d) = q.date_of_birth {
        extra.push(numbered("date_of_birth = ?", d.to_string(), &mut values));
    }
    if let Some(n) = &q.nhs_number {
        extra.push(numbered("nhs_number = ?", n.clone(), &mut values));
    }
    if let Some(p) = &q.pnc_id {
        extra.push(numbered("pnc_id = ?", p.clone(), &mut values));
    }
    let mut all: Vec<String> = conditions.iter().map(|c| c.to_string()).collect();
    all.extend(extra);
    // The inner query reads only the index (ids are in every index), so filtering many
    // entries costs no table reads; only the people shown are read whole.
    let sql = format!(
        "{keys_cte}
         SELECT p.id, p.surname, p.forenames, p.date_of_birth, p.nhs_number, p.pnc_id
         FROM (SELECT id FROM person WHERE {}
               ORDER BY surname_key, forename_key LIMIT {limit}) AS hit
         JOIN person p ON p.id = hit.id
         ORDER BY p.surname_key, p.forename_key",
        all.join(" AND ")
    );
    let mut out = collect_rows(conn, &sql, rusqlite::params_from_iter(values.iter()), |r| {
        let dob: Option<String> = r.get(3)?;
        Ok(PersonMatch {
            person_id: r.get(0)?,
            surname: r.get(1)?,
            forenames: r.get(2)?,
            date_of_birth: dob.and_then(|d| d.parse().ok()),
            nhs_number: r.get(4)?,
            pnc_id: r.get(5)?,
            detentions: Vec::new(),
            detention_count: 0,
        })
    })?;
    attach_detentions(conn, &mut out)?;
    Ok(out)
}

/// Fills each match's detentions (newest first, at most five) and count, in one query.
fn attach_detentions(conn: &Connection, out: &mut [PersonMatch]) -> Result<(), StoreError> {
    if out.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = out.iter().map(|m| m.person_id.to_string()).collect();
    let sql = format!(
        "SELECT person_id, custody_no, arrived_at, closed_at IS NULL FROM detention
         WHERE person_id IN ({}) ORDER BY arrived_at DESC",
        ids.join(",")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let index: HashMap<i64, usize> = out
        .iter()
        .enumerate()
        .map(|(i, m)| (m.person_id, i))
        .collect();
    while let Some(r) = rows.next()? {
        let Some(&i) = index.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let m = &mut out[i];
        m.detention_count += 1;
        if m.detentions.len() < DETENTIONS_PER_MATCH {
            m.detentions.push((
                r.get(1)?,
                parse_timestamp(&r.get::<_, String>(2)?)?,
                r.get(3)?,
            ));
        }
    }
    Ok(())
}

/// An existing person who may be the one about to be created, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateCandidate {
    pub person: PersonMatch,
    pub reasons: Vec<DuplicateReason>,
    /// 0 to 100, highest first in the list.
    pub score: u32,
}

/// At most this many people are read for one date of birth (a real suite has a few dozen at
/// 1,000,000 people; the cap keeps a pathological date from reading thousands).
const SAME_DATE_CAP: u32 = 2_000;
/// At most this many candidates are returned.
const DUPLICATE_LIMIT: usize = 12;

/// The candidate query for [`possible_duplicates`] and its values, or `None` when there is
/// nothing to look by. Only the branches that apply, each on its own index.
fn duplicate_query(p: &ValidPerson) -> Option<(String, Vec<String>)> {
    let mut branches: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut branch = |sql: &str, args: Vec<String>, values: &mut Vec<String>| {
        // Each `?` becomes the number of its value.
        let mut parts = sql.split('?');
        let mut numbered = parts.next().unwrap_or_default().to_string();
        for (part, a) in parts.zip(args) {
            values.push(a);
            numbered.push_str(&format!("?{}{part}", values.len()));
        }
        branches.push(format!("SELECT id FROM ({numbered})"));
    };
    if let Some(n) = &p.nhs_number {
        branch(
            "SELECT id FROM person WHERE nhs_number = ?",
            vec![n.as_str().to_string()],
            &mut values,
        );
    }
    if let Some(id) = &p.pnc_id {
        branch(
            "SELECT id FROM person WHERE pnc_id = ?",
            vec![id.as_str().to_string()],
            &mut values,
        );
    }
    let surname = fold_name(&p.surname);
    match p.date_of_birth {
        Some(d) => {
            let mut dates = vec![d];
            dates.extend(swapped_day_and_month(d));
            for date in dates {
                branch(
                    &format!("SELECT id FROM person WHERE date_of_birth = ? LIMIT {SAME_DATE_CAP}"),
                    vec![date.to_string()],
                    &mut values,
                );
            }
            branch(
                &format!(
                    "SELECT id FROM person WHERE date_of_birth IS NULL AND surname_key = ? LIMIT {SAME_DATE_CAP}"
                ),
                vec![surname.clone()],
                &mut values,
            );
        }
        None => {
            // No date to narrow by: the same surname key, forenames starting with the same
            // letter (an initial or a misspelling keeps its first letter, as a rule).
            let initial: String = fold_name(&p.forenames).chars().take(1).collect();
            branch(
                &format!(
                    "SELECT id FROM person WHERE surname_key = ? AND forename_key >= ? AND forename_key < ? LIMIT {SAME_DATE_CAP}"
                ),
                vec![surname.clone(), initial.clone(), prefix_upper(&initial)],
                &mut values,
            );
        }
    }
    if branches.is_empty() {
        return None;
    }
    let sql = format!(
        "SELECT p.id, p.surname, p.forenames, p.date_of_birth, p.nhs_number, p.pnc_id
         FROM ({}) AS hit JOIN person p ON p.id = hit.id",
        branches.join(" UNION ")
    );
    Some((sql, values))
}

/// People already known who may be `p`: the same NHS number or PNC id, or a name alike
/// (spelling variants, [`crate::domain::person::duplicate_match`]) with the same date of birth,
/// the date with day and month swapped, or no date of birth on one side. Strongest first.
///
/// Each branch seeks an index, so the query stays fast at 1,000,000 people: `person_nhs`,
/// `person_pnc`, `person_dob_name` (date of birth, then surname key: also for "no date of
/// birth and this surname"), and `person_name_keys` when the new person has no date of birth.
/// The names are then compared in Rust, where the spelling variants are.
pub fn possible_duplicates(
    conn: &Connection,
    p: &ValidPerson,
) -> Result<Vec<DuplicateCandidate>, StoreError> {
    let Some((sql, values)) = duplicate_query(p) else {
        return Ok(Vec::new());
    };
    let rows = collect_rows(conn, &sql, rusqlite::params_from_iter(values.iter()), |r| {
        let dob: Option<String> = r.get(3)?;
        Ok(PersonMatch {
            person_id: r.get(0)?,
            surname: r.get(1)?,
            forenames: r.get(2)?,
            date_of_birth: dob.and_then(|d| d.parse().ok()),
            nhs_number: r.get(4)?,
            pnc_id: r.get(5)?,
            detentions: Vec::new(),
            detention_count: 0,
        })
    })?;
    let new = Identity {
        surname: &p.surname,
        forenames: &p.forenames,
        date_of_birth: p.date_of_birth,
        nhs_number: p.nhs_number.as_ref().map(|n| n.as_str()),
        pnc_id: p.pnc_id.as_ref().map(|n| n.as_str()),
    };
    let mut found: Vec<DuplicateCandidate> = rows
        .into_iter()
        .filter_map(|m| {
            let existing = Identity {
                surname: &m.surname,
                forenames: &m.forenames,
                date_of_birth: m.date_of_birth,
                nhs_number: m.nhs_number.as_deref(),
                pnc_id: m.pnc_id.as_deref(),
            };
            let hit = duplicate_match(&new, &existing)?;
            Some(DuplicateCandidate {
                person: m,
                reasons: hit.reasons,
                score: hit.score,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.person.person_id.cmp(&b.person.person_id))
    });
    found.truncate(DUPLICATE_LIMIT);
    let mut people: Vec<PersonMatch> = found.iter().map(|c| c.person.clone()).collect();
    attach_detentions(conn, &mut people)?;
    for (c, m) in found.iter_mut().zip(people) {
        c.person = m;
    }
    Ok(found)
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
    /// Finds people for booking in (see [`search_people`]).
    pub fn search_people(
        &self,
        q: &PersonQuery,
        limit: u32,
    ) -> Result<Vec<PersonMatch>, StoreError> {
        search_people(self.conn(), q, limit)
    }

    /// People already known who may be this person (see [`possible_duplicates`]).
    pub fn possible_duplicates(
        &self,
        p: &ValidPerson,
    ) -> Result<Vec<DuplicateCandidate>, StoreError> {
        possible_duplicates(self.conn(), p)
    }

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
            super::record::sync_form_entries(tx, person_id, detention_id, form, &staff, now)?;
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
                return super::booking_duties::authorise_in(tx, detention_id, &staff, now);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::{PersonInput, validate_person};

    fn person(surname: &str, forenames: &str, dob: &str, nhs: &str, pnc: &str) -> ValidPerson {
        validate_person(
            &PersonInput {
                surname: surname.into(),
                forenames: forenames.into(),
                date_of_birth: dob.into(),
                nhs_number: nhs.into(),
                pnc_id: pnc.into(),
                ..Default::default()
            },
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
        )
        .unwrap()
    }

    /// Every branch of the duplicate query seeks an index: no full scan of `person`, so it
    /// stays a few index seeks at 1,000,000 people (`benches/person_search.rs` times it).
    #[test]
    fn the_duplicate_query_never_scans_the_people() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&conn).unwrap();
        for p in [
            person("Khan", "Aaron", "01/05/1987", "4010232137", "2023/1234567v"),
            person("Khan", "Aaron", "", "", ""),
            person("Khan", "", "", "", ""),
        ] {
            let (sql, values) = duplicate_query(&p).unwrap();
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(values.iter()), |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let on_person: Vec<&String> = plan.iter().filter(|l| l.contains("person")).collect();
            assert!(!on_person.is_empty(), "{plan:?}");
            for line in on_person {
                assert!(
                    line.starts_with("SEARCH") && line.contains("USING"),
                    "{line} in {plan:?}"
                );
            }
        }
    }
}
