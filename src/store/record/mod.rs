//! The clinical record's storage (`domain::record`): entries with their provenance, the
//! screen's answers turned into entries in the same transaction as the answer, reviews of
//! what is known from elsewhere, HCP contacts, and the record as one role may see it.
//!
//! Who sees what is enforced here, in the queries: entries of a kind custody staff may not
//! see (`FactKind::custody_staff_see`) are never selected for them, nor contact notes.

mod earlier;
mod import;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::flag::Severity;
use crate::domain::form::{Answer, AnswerValue, Answers, Form};
use crate::domain::record::known::{KnownWhat, sort_for_banner};
use crate::domain::record::{
    ClinicalRecord, Fact, FactKind, HcpContact, HcpSeen, KnownItem, KnownSubject, Origin,
    RecordEntry, Standing, from_form,
};

pub use earlier::EarlierDetention;
pub use import::insert_imported_entries;

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

/// The detention's number and arrival, for "earlier detention" origins.
fn detention_heads(
    conn: &Connection,
    person_id: i64,
) -> Result<HashMap<i64, (String, DateTime<Utc>)>, StoreError> {
    let rows = collect_rows(
        conn,
        "SELECT id, custody_no, arrived_at FROM detention WHERE person_id = ?1",
        [person_id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                (
                    r.get::<_, String>(1)?,
                    parse_timestamp(&r.get::<_, String>(2)?)?,
                ),
            ))
        },
    )?;
    Ok(rows.into_iter().collect())
}

/// Reviews of known items in one detention.
fn reviews(
    conn: &Connection,
    detention_id: i64,
) -> Result<HashMap<KnownSubject, Standing>, StoreError> {
    let rows = collect_rows(
        conn,
        "SELECT subject, outcome, reason, reviewed_by, reviewed_at FROM known_review
         WHERE detention_id = ?1",
        [detention_id],
        |r| {
            let subject: String = r.get(0)?;
            let outcome: String = r.get(1)?;
            let by: String = r.get(3)?;
            let at = parse_timestamp(&r.get::<_, String>(4)?)?;
            let standing = if outcome == "set_aside" {
                Standing::SetAside {
                    by,
                    at,
                    reason: r.get(2)?,
                }
            } else {
                Standing::Reconfirmed { by, at }
            };
            Ok((subject, standing))
        },
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, st)| s.parse::<KnownSubject>().ok().map(|s| (s, st)))
        .collect())
}

/// The clinical record of the person detained in `detention_id`, as seen from that
/// detention, for a role that may (`clinical`) or may not see clinical detail.
pub fn clinical_record(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<ClinicalRecord, StoreError> {
    let Some(person_id) = conn
        .query_row(
            "SELECT person_id FROM detention WHERE id = ?1",
            [detention_id],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
    else {
        return Ok(ClinicalRecord::default());
    };
    let heads = detention_heads(conn, person_id)?;
    let reviews = reviews(conn, detention_id)?;
    // Kinds custody staff may not see are never selected for them.
    let hidden: Vec<&str> = if clinical {
        Vec::new()
    } else {
        FactKind::ALL
            .into_iter()
            .filter(|k| !k.custody_staff_see())
            .map(FactKind::as_str)
            .collect()
    };
    let hidden_json = json(&hidden)?;
    let rows = collect_rows(
        conn,
        "SELECT id, detention_id, fact, origin, recorded_by, recorded_at FROM record_entry
         WHERE person_id = ?1 AND ended_at IS NULL
           AND kind NOT IN (SELECT value FROM json_each(?2))
         ORDER BY recorded_at DESC, id DESC",
        params![person_id, hidden_json],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        },
    )?;
    let mut entries = Vec::new();
    let mut known = Vec::new();
    // Facts said here win over the same fact known from elsewhere; from elsewhere, the newest
    // copy of each fact is the one shown.
    let mut seen_here: HashSet<String> = HashSet::new();
    let mut seen_elsewhere: HashSet<String> = HashSet::new();
    let mut staged = Vec::new();
    for (id, entry_detention, fact, origin, by, at) in rows {
        let fact: Fact = serde_json::from_str(&fact)
            .map_err(|e| StoreError::Internal(format!("a stored entry does not read: {e}")))?;
        let stored_origin: Origin = serde_json::from_str(&origin)
            .map_err(|e| StoreError::Internal(format!("a stored origin does not read: {e}")))?;
        let here = entry_detention == Some(detention_id);
        let origin = match entry_detention {
            Some(d) if d != detention_id => match heads.get(&d) {
                Some((custody_no, arrived_at)) => Origin::EarlierDetention {
                    custody_no: custody_no.clone(),
                    arrived_at: *arrived_at,
                },
                None => stored_origin,
            },
            _ => stored_origin,
        };
        let key = format!(
            "{}|{}",
            fact.kind().as_str(),
            fact.headline().to_lowercase()
        );
        if here {
            seen_here.insert(key.clone());
        }
        staged.push((id, here, key, fact, origin, by, at));
    }
    for (id, here, key, fact, origin, by, at) in staged {
        let subject = KnownSubject::Entry(id);
        let standing = if here {
            Standing::Live
        } else {
            if seen_here.contains(&key) || !seen_elsewhere.insert(key) {
                continue;
            }
            // "No known allergies" or "takes no medicines" from another time says nothing now.
            if matches!(fact, Fact::NoKnownAllergies | Fact::NoMedicines) {
                continue;
            }
            reviews.get(&subject).cloned().unwrap_or(Standing::Known)
        };
        let entry = RecordEntry {
            id,
            fact,
            recorded_by: by,
            recorded_at: parse_timestamp(&at)?,
            origin,
            standing,
        };
        if entry.standing == Standing::Known {
            known.push(KnownItem {
                subject,
                what: match &entry.fact {
                    Fact::Allergy { .. } => KnownWhat::Allergy,
                    Fact::ReportedMedicine { name, .. } => KnownWhat::Medicine {
                        time_critical: crate::domain::medication::time_critical_reason(name)
                            .is_some(),
                    },
                    _ => KnownWhat::Other,
                },
                summary: format!("{}: {}", entry.fact.kind().heading(), entry.fact.headline()),
                origin: entry.origin.clone(),
            });
        }
        entries.push(entry);
    }
    known_flags(conn, person_id, detention_id, &heads, &reviews, &mut known)?;
    known_notes(conn, person_id, clinical, &reviews, &mut known)?;
    known_from_earlier_detentions(conn, person_id, detention_id, &heads, &reviews, &mut known)?;
    sort_for_banner(&mut known);

    let last_seen = conn
        .query_row(
            "SELECT at, by_staff, what FROM hcp_activity WHERE detention_id = ?1
             ORDER BY at DESC LIMIT 1",
            [detention_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?
        .map(|(at, by, what)| -> Result<HcpSeen, StoreError> {
            Ok(HcpSeen {
                by,
                at: parse_timestamp(&at)?,
                what: seen_label(&what),
            })
        })
        .transpose()?;
    // Two statements, so a note is not even read from disk for a role that may not see it.
    let contact_sql = if clinical {
        "SELECT seen_at, seen_by, kind, note FROM hcp_contact WHERE detention_id = ?1
         ORDER BY seen_at DESC, id DESC"
    } else {
        "SELECT seen_at, seen_by, kind, NULL FROM hcp_contact WHERE detention_id = ?1
         ORDER BY seen_at DESC, id DESC"
    };
    let contacts = collect_rows(conn, contact_sql, [detention_id], |r| {
        Ok(HcpContact {
            seen_at: parse_timestamp(&r.get::<_, String>(0)?)?,
            seen_by: r.get(1)?,
            kind: r.get(2)?,
            note: r.get(3)?,
        })
    })?;
    Ok(ClinicalRecord {
        entries,
        known,
        last_seen,
        contacts,
        clinical_visible: clinical,
    })
}

/// Words for what an HCP did, from `hcp_activity.what`.
fn seen_label(what: &str) -> String {
    match what {
        "news2" => "NEWS2".into(),
        "gcs" => "GCS".into(),
        "ciwa_ar" => "CIWA-Ar".into(),
        "cows" => "COWS".into(),
        "audit_c" => "AUDIT-C".into(),
        other => other.replace('_', " "),
    }
}

/// Flags raised in earlier detentions or kept from imported bundles, not raised again here
/// and not reviewed here: the newest of each code.
fn known_flags(
    conn: &Connection,
    person_id: i64,
    detention_id: i64,
    heads: &HashMap<i64, (String, DateTime<Utc>)>,
    reviews: &HashMap<KnownSubject, Standing>,
    known: &mut Vec<KnownItem>,
) -> Result<(), StoreError> {
    let rows = collect_rows(
        conn,
        "SELECT id, detention_id, code, severity, reason, source, raised_by, raised_at FROM flag
         WHERE person_id = ?1 AND entered_in_error_at IS NULL
           AND (detention_id IS NULL OR detention_id != ?2)
           AND code NOT IN (SELECT code FROM flag WHERE detention_id = ?2
                            AND entered_in_error_at IS NULL)
         ORDER BY raised_at DESC, id DESC",
        params![person_id, detention_id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        },
    )?;
    let mut codes_seen: HashSet<String> = HashSet::new();
    // A code reviewed here (any copy of it) is reviewed.
    let reviewed_codes: HashSet<String> = {
        let ids: Vec<i64> = reviews
            .keys()
            .filter_map(|s| match s {
                KnownSubject::Flag(id) => Some(*id),
                _ => None,
            })
            .collect();
        let mut codes = HashSet::new();
        for id in ids {
            if let Some(code) = conn
                .query_row("SELECT code FROM flag WHERE id = ?1", [id], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
            {
                codes.insert(code);
            }
        }
        codes
    };
    for (id, flag_detention, code, severity, reason, source, raised_by, raised_at) in rows {
        if reviewed_codes.contains(&code) || !codes_seen.insert(code.clone()) {
            continue;
        }
        let severity: Severity = severity.parse().unwrap_or(Severity::Information);
        let origin = match flag_detention.and_then(|d| heads.get(&d)) {
            Some((custody_no, arrived_at)) => Origin::EarlierDetention {
                custody_no: custody_no.clone(),
                arrived_at: *arrived_at,
            },
            None => Origin::Bundle {
                organisation: imported_from(&source, &raised_by),
                signed_at: parse_timestamp(&raised_at)?,
            },
        };
        known.push(KnownItem {
            subject: KnownSubject::Flag(id),
            what: KnownWhat::Flag {
                code: code.clone(),
                severity,
            },
            summary: format!("{code}{} {reason}", severity.marker()),
            origin,
        });
    }
    Ok(())
}

/// The organisation an imported flag came from: the import writes the sending suite as
/// `raised_by`.
fn imported_from(_source: &str, raised_by: &str) -> String {
    raised_by.to_string()
}

/// Notes kept from imported bundles (medication, plan, episode; referral and appointment
/// text for HCPs only), not yet reviewed here.
fn known_notes(
    conn: &Connection,
    person_id: i64,
    clinical: bool,
    reviews: &HashMap<KnownSubject, Standing>,
    known: &mut Vec<KnownItem>,
) -> Result<(), StoreError> {
    let [a, b] = crate::domain::handover::HCP_ONLY_NOTES;
    let rows = collect_rows(
        conn,
        "SELECT n.id, n.kind, n.text, i.source_suite, i.signed_at FROM imported_note n
         JOIN handover_import i ON i.id = n.import_id
         WHERE n.person_id = ?1 AND (?2 OR n.kind NOT IN (?3, ?4)) ORDER BY n.id DESC",
        params![person_id, clinical, a, b],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        },
    )?;
    for (id, kind, text, suite, signed_at) in rows {
        let subject = KnownSubject::Note(id);
        if reviews.contains_key(&subject) {
            continue;
        }
        let what = if kind.to_ascii_lowercase().contains("medication") {
            KnownWhat::Medicine {
                time_critical: text
                    .split([',', ';', '\n'])
                    .any(|part| crate::domain::medication::time_critical_reason(part).is_some()),
            }
        } else {
            KnownWhat::Other
        };
        known.push(KnownItem {
            subject,
            what,
            summary: format!("{kind}: {text}"),
            origin: Origin::Bundle {
                organisation: suite,
                signed_at: parse_timestamp(&signed_at)?,
            },
        });
    }
    Ok(())
}

/// The last earlier detention's care plan, and emergencies of earlier detentions, not yet
/// reviewed here: what an earlier detention learned about keeping the person safe.
fn known_from_earlier_detentions(
    conn: &Connection,
    person_id: i64,
    detention_id: i64,
    heads: &HashMap<i64, (String, DateTime<Utc>)>,
    reviews: &HashMap<KnownSubject, Standing>,
    known: &mut Vec<KnownItem>,
) -> Result<(), StoreError> {
    let origin_of = |d: i64| {
        heads
            .get(&d)
            .map(|(custody_no, arrived_at)| Origin::EarlierDetention {
                custody_no: custody_no.clone(),
                arrived_at: *arrived_at,
            })
    };
    let plan = conn
        .query_row(
            "SELECT cp.detention_id, cp.level, cp.interval_minutes, cp.rouse, cp.instructions
             FROM care_plan cp JOIN detention d ON d.id = cp.detention_id
             WHERE d.person_id = ?1 AND d.id != ?2
             ORDER BY cp.set_at DESC, cp.id DESC LIMIT 1",
            params![person_id, detention_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u8>(1)?,
                    r.get::<_, Option<u32>>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    if let Some((d, level, interval, rouse, instructions)) = plan {
        let subject = KnownSubject::Plan(d);
        if let (false, Some(origin)) = (reviews.contains_key(&subject), origin_of(d)) {
            let mut summary = format!("Care plan: level {level}");
            if let Some(m) = interval {
                summary.push_str(&format!(", every {m} min"));
            }
            if rouse {
                summary.push_str(", rouse");
            }
            if !instructions.trim().is_empty() {
                summary.push_str(&format!(": {}", instructions.trim()));
            }
            known.push(KnownItem {
                subject,
                what: KnownWhat::Other,
                summary,
                origin,
            });
        }
    }
    let emergencies = collect_rows(
        conn,
        "SELECT e.id, e.detention_id, e.opened_at, e.reason, e.outcome FROM escalation e
         JOIN detention d ON d.id = e.detention_id
         WHERE d.person_id = ?1 AND d.id != ?2 ORDER BY e.opened_at DESC LIMIT 10",
        params![person_id, detention_id],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        },
    )?;
    for (id, d, opened_at, reason, outcome) in emergencies {
        let subject = KnownSubject::Emergency(id);
        if reviews.contains_key(&subject) {
            continue;
        }
        let Some(origin) = origin_of(d) else { continue };
        let at = parse_timestamp(&opened_at)?;
        known.push(KnownItem {
            subject,
            what: KnownWhat::Flag {
                code: "EMERG".into(),
                severity: Severity::Alert,
            },
            summary: format!(
                "Emergency {}: {reason}{}",
                crate::domain::observation::to_london_with_day(at),
                outcome
                    .filter(|o| !o.trim().is_empty())
                    .map(|o| format!("; outcome: {o}"))
                    .unwrap_or_default()
            ),
            origin,
        });
    }
    Ok(())
}

/// Board markers for everyone in custody, by detention: `ALLERGY` and `KNOWN SH! WD!`.
/// One pass over the people in custody (per-tick: DESIGN.md's board budget).
pub fn board_markers_in_custody(
    conn: &Connection,
) -> Result<BTreeMap<i64, Vec<String>>, StoreError> {
    let allergic: HashSet<i64> = collect_rows(
        conn,
        "SELECT DISTINCT d.id FROM detention d CROSS JOIN record_entry e
         LEFT JOIN known_review k ON k.detention_id = d.id AND k.subject = 'entry:' || e.id
         WHERE d.closed_at IS NULL AND e.person_id = d.person_id AND e.ended_at IS NULL
           AND e.kind = 'allergy' AND (k.outcome IS NULL OR k.outcome != 'set_aside')",
        [],
        |r| Ok(r.get::<_, i64>(0)?),
    )?
    .into_iter()
    .collect();
    let known_flags = collect_rows(
        conn,
        "SELECT d.id, f.id, f.code, f.severity FROM detention d CROSS JOIN flag f
         WHERE d.closed_at IS NULL AND f.person_id = d.person_id
           AND f.entered_in_error_at IS NULL
           AND (f.detention_id IS NULL OR f.detention_id != d.id)
           AND f.code NOT IN (SELECT code FROM flag g WHERE g.detention_id = d.id
                              AND g.entered_in_error_at IS NULL)
           AND f.code NOT IN (SELECT h.code FROM known_review k JOIN flag h
                              ON k.subject = 'flag:' || h.id WHERE k.detention_id = d.id)",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut items: BTreeMap<i64, Vec<KnownItem>> = BTreeMap::new();
    for (d, id, code, severity) in known_flags {
        items.entry(d).or_default().push(KnownItem {
            subject: KnownSubject::Flag(id),
            what: KnownWhat::Flag {
                code,
                severity: severity.parse().unwrap_or(Severity::Information),
            },
            summary: String::new(),
            origin: Origin::HcpEntry,
        });
    }
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for d in &allergic {
        out.entry(*d).or_default().push("ALLERGY".into());
    }
    for (d, its) in items {
        let codes = crate::domain::record::known::board_codes(&its);
        if !codes.is_empty() {
            out.entry(d)
                .or_default()
                .push(format!("KNOWN {}", codes.join(" ")));
        }
    }
    Ok(out)
}

/// Who last saw each person in custody as an HCP, and when (the board's HCP column).
pub fn last_seen_in_custody(conn: &Connection) -> Result<HashMap<i64, HcpSeen>, StoreError> {
    let rows = collect_rows(
        conn,
        "SELECT d.id, (SELECT at || char(31) || by_staff || char(31) || what FROM hcp_activity h
                        WHERE h.detention_id = d.id ORDER BY at DESC LIMIT 1)
         FROM detention d WHERE d.closed_at IS NULL",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?)),
    )?;
    let mut out = HashMap::new();
    for (d, packed) in rows {
        let Some(packed) = packed else { continue };
        let mut parts = packed.splitn(3, '\u{1f}');
        if let (Some(at), Some(by), Some(what)) = (parts.next(), parts.next(), parts.next()) {
            out.insert(
                d,
                HcpSeen {
                    by: by.to_string(),
                    at: parse_timestamp(at)?,
                    what: seen_label(what),
                },
            );
        }
    }
    Ok(out)
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
        if !identity.role.sees_clinical_detail() {
            return Err(StoreError::NotPermitted {
                role: identity.role.to_string(),
                what: "record an HCP contact".into(),
            });
        }
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
        self.write(now, |tx| {
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
        if !identity.role.sees_clinical_detail() {
            return Err(StoreError::NotPermitted {
                role: identity.role.to_string(),
                what: "add to the clinical record".into(),
            });
        }
        self.write(now, |tx| {
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
        if !identity.role.sees_clinical_detail() {
            return Err(StoreError::NotPermitted {
                role: identity.role.to_string(),
                what: "mark a clinical record entry entered in error".into(),
            });
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "say why the entry was entered in error".into(),
            ));
        }
        self.write(now, |tx| {
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
        use crate::domain::role::Role;
        let identity = self.identity().clone();
        if !matches!(identity.role, Role::Hcp | Role::Sergeant) {
            return Err(StoreError::NotPermitted {
                role: identity.role.to_string(),
                what: "reconfirm or set aside what is known from before (an HCP or a custody sergeant does)".into(),
            });
        }
        let reason = reason.trim();
        if !reconfirm && reason.is_empty() {
            return Err(StoreError::Invalid(
                "setting aside what is known from before needs a reason".into(),
            ));
        }
        self.write(now, |tx| {
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
        if !identity.role.sees_clinical_detail() {
            return Err(StoreError::NotPermitted {
                role: identity.role.to_string(),
                what: "confirm a reported medicine".into(),
            });
        }
        let (_, entry_detention, fact) = reported_medicine(self.conn(), entry_id)?;
        let Fact::ReportedMedicine {
            name,
            dose,
            frequency,
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
        if !matches!(verified_with, "gp" | "pharmacy" | "not_verified") {
            return Err(StoreError::Invalid(format!(
                "`{verified_with}` is not a way to verify a medicine: use gp, pharmacy or not_verified"
            )));
        }
        let m = super::clinical::NewMedication {
            name,
            dose,
            route: String::new(),
            frequency,
            last_taken_at: None,
            reason: String::new(),
            verified_with: verified_with.to_string(),
            origin: if source == crate::domain::record::MedicineSource::PackagingSeen {
                "brought".into()
            } else {
                "reported".into()
            },
        };
        // One transaction: the medicine is listed and the report ends together, or neither.
        let medication_id = self.write(now, |tx| {
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
