//! What the board shows of the record for everyone in custody, in one pass each (per-tick:
//! DESIGN.md's board budget): the `ALLERGY` and `KNOWN …` markers, and who last saw each
//! person as an HCP.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Connection;

use super::seen_label;
use crate::domain::flag::Severity;
use crate::domain::record::HcpSeen;
use crate::domain::record::known::board_markers;
use crate::store::{StoreError, collect_rows, parse_timestamp};

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
        "SELECT d.id, f.code, f.severity FROM detention d CROSS JOIN flag f
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
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        },
    )?;
    let mut flags: BTreeMap<i64, Vec<(String, Severity)>> = BTreeMap::new();
    for (d, code, severity) in known_flags {
        flags
            .entry(d)
            .or_default()
            .push((code, severity.parse().unwrap_or(Severity::Information)));
    }
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for d in allergic.iter().chain(flags.keys()) {
        if out.contains_key(d) {
            continue;
        }
        let known = flags.get(d).map(Vec::as_slice).unwrap_or_default();
        let markers = board_markers(
            allergic.contains(d),
            known.iter().map(|(c, s)| (c.as_str(), *s)),
        );
        out.insert(*d, markers);
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
