//! The clinical record as one role may see it (`clinical_record`), from one detention: the
//! entries on the record with their provenance, HCP contacts, and what is known from
//! elsewhere and not yet reviewed here (flags of earlier detentions and imported bundles,
//! imported notes, the last earlier care plan and emergencies).
//!
//! Who sees what is enforced in the queries: entries of a kind custody staff may not see
//! (`FactKind::custody_staff_see`) are never selected for them, nor contact notes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{json, seen_label};
use crate::domain::flag::Severity;
use crate::domain::record::known::{KnownWhat, sort_for_banner};
use crate::domain::record::{
    ClinicalRecord, Fact, FactKind, HcpContact, HcpSeen, KnownItem, KnownSubject, Origin,
    RecordEntry, Standing,
};
use crate::store::{StoreError, collect_rows, parse_timestamp};

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
        // Seen from an earlier detention (opened read-only from History), what later
        // detentions learned is not part of that record.
        if let (Some(d), Some((_, viewed_arrival))) = (entry_detention, heads.get(&detention_id))
            && heads
                .get(&d)
                .is_some_and(|(_, arrived)| arrived > viewed_arrival)
        {
            continue;
        }
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
    known_flags(conn, person_id, detention_id, &heads, &mut known)?;
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

/// Flags raised in earlier detentions or kept from imported bundles, not raised again here
/// and not reviewed here: the newest of each code.
fn known_flags(
    conn: &Connection,
    person_id: i64,
    detention_id: i64,
    heads: &HashMap<i64, (String, DateTime<Utc>)>,
    known: &mut Vec<KnownItem>,
) -> Result<(), StoreError> {
    let rows = collect_rows(
        conn,
        // A code raised again here, or reviewed here (any copy of it), is no longer known
        // from before.
        "SELECT id, detention_id, code, severity, reason, raised_by, raised_at FROM flag
         WHERE person_id = ?1 AND entered_in_error_at IS NULL
           AND (detention_id IS NULL OR detention_id IN (
                SELECT id FROM detention WHERE person_id = ?1
                AND arrived_at < (SELECT arrived_at FROM detention WHERE id = ?2)))
           AND code NOT IN (SELECT code FROM flag WHERE detention_id = ?2
                            AND entered_in_error_at IS NULL)
           AND code NOT IN (SELECT h.code FROM known_review k JOIN flag h
                            ON k.subject = 'flag:' || h.id WHERE k.detention_id = ?2)
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
            ))
        },
    )?;
    let mut codes_seen: HashSet<String> = HashSet::new();
    for (id, flag_detention, code, severity, reason, raised_by, raised_at) in rows {
        if !codes_seen.insert(code.clone()) {
            continue;
        }
        let severity: Severity = severity.parse().unwrap_or(Severity::Information);
        let origin = match flag_detention.and_then(|d| heads.get(&d)) {
            Some((custody_no, arrived_at)) => Origin::EarlierDetention {
                custody_no: custody_no.clone(),
                arrived_at: *arrived_at,
            },
            // An imported flag: the import writes the sending organisation as `raised_by`.
            None => Origin::Bundle {
                organisation: raised_by,
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
        let what = if kind == crate::domain::handover::EMERGENCY_NOTE {
            // Ranked and marked like an emergency of an earlier detention here.
            KnownWhat::Flag {
                code: "EMERG".into(),
                severity: Severity::Alert,
            }
        } else if kind.to_ascii_lowercase().contains("medication") {
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
               AND d.arrived_at < (SELECT arrived_at FROM detention WHERE id = ?2)
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
         WHERE d.person_id = ?1 AND d.id != ?2
           AND d.arrived_at < (SELECT arrived_at FROM detention WHERE id = ?2)
         ORDER BY e.opened_at DESC LIMIT 10",
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
