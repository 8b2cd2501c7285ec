//! Emergencies: opening one (a failed rousing, a score rule, or by hand), the calls made in
//! response, each terminal's acknowledgement, and closing with a structured outcome, which
//! only a custody sergeant or an HCP may do. The lifecycle's rules are in `domain::emergency`;
//! here they are enforced before anything is written, with the audit row in the same
//! transaction.

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::emergency::{
    Acknowledgement, Call, CallKind, Cause, CloseDraft, Closure, Emergency, OutcomeKind,
    validate_call, validate_close, validate_raise,
};

/// An open emergency with who and where, for the full-screen alert on every terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenEmergency {
    pub emergency: Emergency,
    pub custody_no: String,
    /// "Forenames Surname".
    pub name: String,
    /// The detention's cell now (the emergency's `location` is where it was raised).
    pub cell: String,
}

impl OpenEmergency {
    pub fn id(&self) -> i64 {
        self.emergency.id
    }

    pub fn detention_id(&self) -> i64 {
        self.emergency.detention_id
    }
}

const EMERGENCY_COLUMNS: &str = "e.id, e.detention_id, e.cause, e.reason, e.location, e.opened_at,
    e.opened_by, e.outcome_kind, e.outcome_at, e.outcome_note, e.closed_by, e.closed_at";

fn emergency_from_row(r: &rusqlite::Row<'_>) -> Result<Emergency, StoreError> {
    let cause: String = r.get(2)?;
    let outcome_kind: Option<String> = r.get(7)?;
    let outcome_at: Option<String> = r.get(8)?;
    let closed_by: Option<String> = r.get(10)?;
    let closed_at: Option<String> = r.get(11)?;
    let closure = match (closed_at, closed_by) {
        (Some(closed_at), Some(closed_by)) => {
            let closed_at = parse_timestamp(&closed_at)?;
            Some(Closure {
                kind: outcome_kind
                    .as_deref()
                    .and_then(OutcomeKind::parse)
                    .unwrap_or(OutcomeKind::Other),
                outcome_at: outcome_at
                    .map(|t| parse_timestamp(&t))
                    .transpose()?
                    .unwrap_or(closed_at),
                note: r.get(9)?,
                closed_by,
                closed_at,
            })
        }
        _ => None,
    };
    Ok(Emergency {
        id: r.get(0)?,
        detention_id: r.get(1)?,
        cause: Cause::parse(&cause)
            .ok_or_else(|| StoreError::Invalid(format!("unknown emergency cause `{cause}`")))?,
        reason: r.get(3)?,
        location: r.get(4)?,
        opened_at: parse_timestamp(&r.get::<_, String>(5)?)?,
        opened_by: r.get(6)?,
        calls: Vec::new(),
        acknowledgements: Vec::new(),
        closure,
    })
}

/// Fills in the calls and acknowledgements of `emergencies` (ids given), two queries in all.
fn attach_responses(conn: &Connection, emergencies: &mut [Emergency]) -> Result<(), StoreError> {
    if emergencies.is_empty() {
        return Ok(());
    }
    let index: HashMap<i64, usize> = emergencies
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id, i))
        .collect();
    let ids = emergencies
        .iter()
        .map(|e| e.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // The ids are integers from the database, so they are safe to splice in.
    let mut stmt = conn.prepare(&format!(
        "SELECT escalation_id, kind, called_by, called_at, recorded_by FROM emergency_call
         WHERE escalation_id IN ({ids}) ORDER BY called_at, id"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let kind: String = r.get(1)?;
        if let Some(&i) = index.get(&id) {
            emergencies[i].calls.push(Call {
                kind: CallKind::parse(&kind).unwrap_or(CallKind::Unrecorded),
                called_by: r.get(2)?,
                called_at: parse_timestamp(&r.get::<_, String>(3)?)?,
                recorded_by: r.get(4)?,
            });
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT escalation_id, terminal, username, at FROM emergency_ack
         WHERE escalation_id IN ({ids}) ORDER BY at, id"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if let Some(&i) = index.get(&id) {
            emergencies[i].acknowledgements.push(Acknowledgement {
                terminal: r.get(1)?,
                username: r.get(2)?,
                at: parse_timestamp(&r.get::<_, String>(3)?)?,
            });
        }
    }
    Ok(())
}

/// Every emergency not yet closed, oldest first, with who and where (read every tick).
pub fn open_emergencies(conn: &Connection) -> Result<Vec<OpenEmergency>, StoreError> {
    let rows = collect_rows(
        conn,
        &format!(
            "SELECT {EMERGENCY_COLUMNS}, d.custody_no, p.forenames || ' ' || p.surname, d.cell
             FROM escalation e JOIN detention d ON d.id = e.detention_id
             JOIN person p ON p.id = d.person_id
             WHERE e.closed_at IS NULL ORDER BY e.id"
        ),
        [],
        |r| {
            Ok((
                emergency_from_row(r)?,
                r.get::<_, String>(12)?,
                r.get::<_, String>(13)?,
                r.get::<_, String>(14)?,
            ))
        },
    )?;
    let (mut emergencies, who): (Vec<Emergency>, Vec<(String, String, String)>) = rows
        .into_iter()
        .map(|(e, c, n, cell)| (e, (c, n, cell)))
        .unzip();
    attach_responses(conn, &mut emergencies)?;
    Ok(emergencies
        .into_iter()
        .zip(who)
        .map(|(emergency, (custody_no, name, cell))| OpenEmergency {
            emergency,
            custody_no,
            name,
            cell,
        })
        .collect())
}

/// Every emergency of one detention, open or closed, oldest first.
pub fn emergencies_of(conn: &Connection, detention_id: i64) -> Result<Vec<Emergency>, StoreError> {
    let mut out = collect_rows(
        conn,
        &format!(
            "SELECT {EMERGENCY_COLUMNS} FROM escalation e WHERE e.detention_id = ?1 ORDER BY e.id"
        ),
        [detention_id],
        emergency_from_row,
    )?;
    attach_responses(conn, &mut out)?;
    Ok(out)
}

fn emergency_by_id(conn: &Connection, id: i64) -> Result<Option<Emergency>, StoreError> {
    let found = conn
        .query_row(
            &format!("SELECT {EMERGENCY_COLUMNS} FROM escalation e WHERE e.id = ?1"),
            [id],
            |r| Ok(emergency_from_row(r)),
        )
        .optional()?
        .transpose()?;
    let Some(e) = found else {
        return Ok(None);
    };
    let mut one = [e];
    attach_responses(conn, &mut one)?;
    let [e] = one;
    Ok(Some(e))
}

/// An emergency that is still open, or the sentence saying it is not.
fn still_open(conn: &Connection, id: i64) -> Result<Emergency, StoreError> {
    match emergency_by_id(conn, id)? {
        Some(e) if e.is_open() => Ok(e),
        Some(_) => Err(StoreError::Invalid(
            "that emergency has already been closed on another terminal".into(),
        )),
        None => Err(StoreError::Invalid("there is no such emergency".into())),
    }
}

/// Opens an emergency inside the caller's transaction (a check, a score, or by hand) with its
/// audit row. Where: `location` when given (someone found the person elsewhere), otherwise the
/// detention's cell. Returns its id.
#[allow(clippy::too_many_arguments)]
pub fn open_emergency(
    tx: &Connection,
    detention_id: i64,
    cause: Cause,
    reason: &str,
    location: Option<&str>,
    check_id: Option<i64>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let cell: String = tx
        .query_row(
            "SELECT cell FROM detention WHERE id = ?1",
            [detention_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::Invalid("there is no such detention".into()))?;
    let cell = location
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map_or(cell, str::to_string);
    tx.prepare_cached(
        "INSERT INTO escalation (detention_id, check_id, opened_at, opened_by, reason, cause, location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        detention_id,
        check_id,
        timestamp(at),
        by,
        reason,
        cause.as_str(),
        cell
    ])?;
    let id = tx.last_insert_rowid();
    audit::append(
        tx,
        at,
        by,
        AuditAction::RecordWrite,
        &detention_id.to_string(),
        &format!("emergency {id} opened ({}) at {cell}", cause.as_str()),
    )?;
    Ok(id)
}

impl super::Store {
    /// Every open emergency (read by every terminal each tick, locked or not through the
    /// alarm file, see `store::alarm`).
    pub fn open_emergencies(&self) -> Result<Vec<OpenEmergency>, StoreError> {
        open_emergencies(self.conn())
    }

    /// Every emergency of one detention, with its timeline.
    pub fn emergencies_of(&self, detention_id: i64) -> Result<Vec<Emergency>, StoreError> {
        emergencies_of(self.conn(), detention_id)
    }

    /// Raises an emergency by hand: who (the logged-in person), where (`location`, or the
    /// detention's cell when empty), and what was seen.
    pub fn raise_emergency(
        &mut self,
        detention_id: i64,
        seen: &str,
        location: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let seen = seen.trim();
        validate_raise(seen).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let staff = self.identity().username.clone();
        self.write(Duty::RaiseEmergency, now, |tx| {
            let open: Option<i64> = tx
                .query_row(
                    "SELECT id FROM detention WHERE id = ?1 AND closed_at IS NULL",
                    [detention_id],
                    |r| r.get(0),
                )
                .optional()?;
            if open.is_none() {
                return Err(StoreError::Invalid(
                    "that person is no longer in custody here".into(),
                ));
            }
            open_emergency(
                tx,
                detention_id,
                Cause::RaisedByHand,
                seen,
                Some(location),
                None,
                &staff,
                now,
            )
        })
    }

    /// Records a call made in response (anyone may): 999/ambulance or the HCP, who called and
    /// when.
    pub fn record_emergency_call(
        &mut self,
        emergency_id: i64,
        kind: CallKind,
        called_by: &str,
        called_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        let called_by = called_by.trim().to_string();
        self.write(Duty::RecordEmergencyCall, now, |tx| {
            let e = still_open(tx, emergency_id)?;
            validate_call(&e, &called_by, called_at, now)
                .map_err(|err| StoreError::Invalid(err.to_string()))?;
            tx.execute(
                "INSERT INTO emergency_call (escalation_id, kind, called_by, called_at, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    emergency_id,
                    kind.as_str(),
                    called_by,
                    timestamp(called_at),
                    staff,
                    timestamp(now)
                ],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &e.detention_id.to_string(),
                &format!("emergency {emergency_id}: {} called", kind.as_str()),
            )?;
            Ok(())
        })
    }

    /// Acknowledges an emergency on this terminal (stops its bell). Audited with the terminal
    /// and the person. The one write a wall-board account may make: someone standing at the
    /// big screen silences it, and the audit says who and where.
    pub fn acknowledge_emergency(
        &mut self,
        emergency_id: i64,
        terminal: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.transact(|tx| {
            let detention: Option<i64> = tx
                .query_row(
                    "SELECT detention_id FROM escalation WHERE id = ?1",
                    [emergency_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(detention_id) = detention else {
                return Err(StoreError::Invalid("there is no such emergency".into()));
            };
            tx.execute(
                "INSERT INTO emergency_ack (escalation_id, terminal, username, at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![emergency_id, terminal, staff, timestamp(now)],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::EmergencyAcknowledged,
                &detention_id.to_string(),
                &format!("emergency {emergency_id} acknowledged on {terminal}"),
            )?;
            Ok(())
        })
    }

    /// Closes an emergency with its outcome: a custody sergeant or an HCP only. A care-plan
    /// review falls due at once (see `store::care::review_due`).
    pub fn close_emergency(
        &mut self,
        emergency_id: i64,
        draft: &CloseDraft,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (staff, role) = (self.identity().username.clone(), self.identity().role);
        self.permit(Duty::CloseEmergency)?;
        self.write(Duty::CloseEmergency, now, |tx| {
            let e = still_open(tx, emergency_id)?;
            validate_close(&e, role, draft, now)
                .map_err(|err| StoreError::Invalid(err.to_string()))?;
            tx.execute(
                "UPDATE escalation SET outcome = ?1, outcome_kind = ?2, outcome_at = ?3,
                    outcome_note = ?4, closed_at = ?5, closed_by = ?6
                 WHERE id = ?7 AND closed_at IS NULL",
                params![
                    draft.kind.label(),
                    draft.kind.as_str(),
                    timestamp(draft.outcome_at),
                    draft.note.trim(),
                    timestamp(now),
                    staff,
                    emergency_id
                ],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &e.detention_id.to_string(),
                &format!("emergency {emergency_id} closed: {}", draft.kind.as_str()),
            )?;
            Ok(())
        })
    }
}
