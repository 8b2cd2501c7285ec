//! Finding people at booking-in: the search by name, date of birth, NHS number or PNC id, and
//! the people already known who may be the one about to be created.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use super::{DETENTIONS_PER_MATCH, PersonMatch};
use crate::domain::booking::{PersonQuery, ValidPerson};
use crate::domain::person::{
    DuplicateReason, Identity, duplicate_match, fold_name, swapped_day_and_month,
};
use crate::store::{StoreError, collect_rows, parse_timestamp};

/// A person found, from a row of `id, surname, forenames, date_of_birth, nhs_number, pnc_id`
/// (their detentions are attached after).
fn person_match(r: &rusqlite::Row<'_>) -> Result<PersonMatch, StoreError> {
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
    let mut out = collect_rows(
        conn,
        &sql,
        rusqlite::params_from_iter(values.iter()),
        person_match,
    )?;
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
    let rows = collect_rows(
        conn,
        &sql,
        rusqlite::params_from_iter(values.iter()),
        person_match,
    )?;
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

impl crate::store::Store {
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
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default(),
        )
        .unwrap()
    }

    /// Every branch of the duplicate query seeks an index: no full scan of `person`, so it
    /// stays a few index seeks at 1,000,000 people (`benches/person_search.rs` times it).
    #[test]
    fn the_duplicate_query_never_scans_the_people() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::migrations::apply(&conn).unwrap();
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
