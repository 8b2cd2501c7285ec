//! Requests for an HCP and the HCP's directions to custody staff (schema 0011). "Seen" and a
//! re-assessment's "done" are derived here from the `hcp_activity` view, never stored, so the
//! board, the HCP's queue, the record and `sonar report` read one truth. Who may do what is
//! decided by `domain::hcp` and enforced here before anything is written, with the audit row
//! in the same transaction.

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::hcp::direction::{self, Acknowledgement, REASSESS_GRACE};
use crate::domain::hcp::request::{self, Seen, Withdrawal};
use crate::domain::hcp::{
    Direction, DirectionDraft, DirectionKind, HcpBands, HcpRequest, HcpWait, QueueEntry,
};

/// A request's columns, with the first HCP activity at or after it (before any withdrawal)
/// packed as `at<US>by`.
const REQUEST_SELECT: &str = "SELECT r.id, r.detention_id, r.band, r.band_minutes, r.reason,
        r.requested_by, coalesce(s.display_name, ''), r.requested_at, r.withdrawn_at,
        r.withdrawn_by, r.withdrawn_reason,
        (SELECT h.at || char(31) || h.by_staff FROM hcp_activity h
          WHERE h.detention_id = r.detention_id AND h.at >= r.requested_at
            AND (r.withdrawn_at IS NULL OR h.at <= r.withdrawn_at)
          ORDER BY h.at LIMIT 1),
        d.custody_no, p.forenames || ' ' || p.surname, d.cell
    FROM hcp_request r
    JOIN detention d ON d.id = r.detention_id
    JOIN person p ON p.id = d.person_id
    LEFT JOIN staff s ON s.username = r.requested_by";

fn request_from_row(r: &rusqlite::Row<'_>) -> Result<QueueEntry, StoreError> {
    let seen: Option<String> = r.get(11)?;
    let seen = match seen.as_deref().and_then(|p| p.split_once('\u{1f}')) {
        Some((at, by)) => Some(Seen {
            at: parse_timestamp(at)?,
            by: by.to_string(),
        }),
        None => None,
    };
    let withdrawn_at: Option<String> = r.get(8)?;
    let withdrawn = match withdrawn_at {
        Some(at) => Some(Withdrawal {
            at: parse_timestamp(&at)?,
            by: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
            reason: r.get(10)?,
        }),
        None => None,
    };
    let minutes: i64 = r.get(3)?;
    Ok(QueueEntry {
        request: HcpRequest {
            id: r.get(0)?,
            detention_id: r.get(1)?,
            band: r.get(2)?,
            band_minutes: u32::try_from(minutes).unwrap_or(u32::MAX),
            reason: r.get(4)?,
            requested_by: r.get(5)?,
            requested_by_name: r.get(6)?,
            requested_at: parse_timestamp(&r.get::<_, String>(7)?)?,
            seen,
            withdrawn,
        },
        custody_no: r.get(12)?,
        name: r.get(13)?,
        cell: r.get(14)?,
    })
}

/// Every request of one detention, oldest first.
pub fn requests_of(conn: &Connection, detention_id: i64) -> Result<Vec<HcpRequest>, StoreError> {
    let rows = collect_rows(
        conn,
        &format!("{REQUEST_SELECT} WHERE r.detention_id = ?1 ORDER BY r.requested_at, r.id"),
        [detention_id],
        request_from_row,
    )?;
    Ok(rows.into_iter().map(|q| q.request).collect())
}

/// Every open request of people in custody, in the queue's order at `now` (most overdue,
/// then band, then oldest).
pub fn open_requests(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<QueueEntry>, StoreError> {
    let mut rows = collect_rows(
        conn,
        &format!("{REQUEST_SELECT} WHERE d.closed_at IS NULL AND r.withdrawn_at IS NULL"),
        [],
        request_from_row,
    )?;
    rows.retain(|q| q.request.is_open());
    request::queue_order(&mut rows, now);
    Ok(rows)
}

/// A direction's columns, with a re-assessment's first HCP activity from the grace before its
/// time (and after it was given).
fn direction_select() -> String {
    let grace = REASSESS_GRACE.num_minutes();
    format!(
        "SELECT x.id, x.detention_id, x.kind, x.due_at, x.level, x.words, x.given_by,
            x.given_at, x.acknowledged_by, x.acknowledged_at,
            CASE WHEN x.kind = 'reassess_at' THEN
              (SELECT min(h.at) FROM hcp_activity h
                WHERE h.detention_id = x.detention_id AND h.at > x.given_at
                  AND h.at >= strftime('%Y-%m-%dT%H:%M:%SZ', x.due_at, '-{grace} minutes'))
            END,
            d.custody_no, p.forenames || ' ' || p.surname, d.cell
         FROM hcp_direction x
         JOIN detention d ON d.id = x.detention_id
         JOIN person p ON p.id = d.person_id"
    )
}

/// A direction not yet acknowledged, or a re-assessment not yet done, of someone in custody,
/// with who and where (read by every terminal each tick).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpenDirection {
    pub direction: Direction,
    pub custody_no: String,
    /// "Forenames Surname".
    pub name: String,
    pub cell: String,
}

fn direction_from_row(r: &rusqlite::Row<'_>) -> Result<OpenDirection, StoreError> {
    let opt_time = |i: usize| -> Result<Option<DateTime<Utc>>, StoreError> {
        r.get::<_, Option<String>>(i)?
            .map(|t| parse_timestamp(&t))
            .transpose()
    };
    let kind: String = r.get(2)?;
    let level: Option<i64> = r.get(4)?;
    let kind = DirectionKind::from_parts(
        &kind,
        opt_time(3)?,
        level.and_then(|l| u8::try_from(l).ok()),
    )
    .ok_or_else(|| StoreError::Internal(format!("a direction of unknown kind `{kind}`")))?;
    let acknowledged = match (r.get::<_, Option<String>>(8)?, opt_time(9)?) {
        (Some(by), Some(at)) => Some(Acknowledgement { by, at }),
        _ => None,
    };
    Ok(OpenDirection {
        direction: Direction {
            id: r.get(0)?,
            detention_id: r.get(1)?,
            kind,
            words: r.get(5)?,
            given_by: r.get(6)?,
            given_at: parse_timestamp(&r.get::<_, String>(7)?)?,
            acknowledged,
            done_at: opt_time(10)?,
        },
        custody_no: r.get(11)?,
        name: r.get(12)?,
        cell: r.get(13)?,
    })
}

/// Every direction of one detention, oldest first.
pub fn directions_of(conn: &Connection, detention_id: i64) -> Result<Vec<Direction>, StoreError> {
    let rows = collect_rows(
        conn,
        &format!(
            "{} WHERE x.detention_id = ?1 ORDER BY x.given_at, x.id",
            direction_select()
        ),
        [detention_id],
        direction_from_row,
    )?;
    Ok(rows.into_iter().map(|o| o.direction).collect())
}

/// Directions of people in custody still needing someone: not acknowledged, or a timed
/// re-assessment not yet done. Oldest first.
pub fn open_directions(conn: &Connection) -> Result<Vec<OpenDirection>, StoreError> {
    let mut rows = collect_rows(
        conn,
        &format!(
            "{} WHERE d.closed_at IS NULL
                AND (x.acknowledged_at IS NULL OR x.kind = 'reassess_at')
              ORDER BY x.given_at, x.id",
            direction_select()
        ),
        [],
        direction_from_row,
    )?;
    rows.retain(|o| o.direction.acknowledged.is_none() || o.direction.reassess_due().is_some());
    Ok(rows)
}

/// What the board row needs of each person in custody: the open wait first in the queue's
/// order, the earliest re-assessment not yet done, and how many directions await a sergeant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardHcp {
    pub wait: Option<HcpWait>,
    pub reassess_due: Option<DateTime<Utc>>,
    pub unacknowledged: usize,
}

/// [`BoardHcp`] for everyone in custody who has any, by detention.
pub fn board_hcp_in_custody(conn: &Connection) -> Result<HashMap<i64, BoardHcp>, StoreError> {
    let mut out: HashMap<i64, BoardHcp> = HashMap::new();
    // The clock does not matter to which wait a row shows (see `row_wait`).
    let mut requests: HashMap<i64, Vec<HcpRequest>> = HashMap::new();
    for q in open_requests(conn, DateTime::<Utc>::UNIX_EPOCH)? {
        requests
            .entry(q.request.detention_id)
            .or_default()
            .push(q.request);
    }
    for (detention_id, open) in requests {
        out.entry(detention_id).or_default().wait = row_wait(&open);
    }
    for o in open_directions(conn)? {
        add_direction(
            out.entry(o.direction.detention_id).or_default(),
            &o.direction,
        );
    }
    Ok(out)
}

/// The wait a board row shows of several open requests: the one whose band ends first. It is
/// the most overdue at any time (overdue by now − (requested + band)), so the choice needs no
/// clock.
fn row_wait(requests: &[HcpRequest]) -> Option<HcpWait> {
    requests
        .iter()
        .filter(|r| r.is_open())
        .min_by_key(|r| {
            (
                r.requested_at + chrono::TimeDelta::minutes(i64::from(r.band_minutes)),
                r.id,
            )
        })
        .map(HcpRequest::wait)
}

fn add_direction(board: &mut BoardHcp, d: &Direction) {
    if d.acknowledged.is_none() {
        board.unacknowledged += 1;
    }
    if let Some(due) = d.reassess_due() {
        board.reassess_due = Some(board.reassess_due.map_or(due, |b| b.min(due)));
    }
}

/// [`BoardHcp`] of one detention, from its record's requests and directions.
pub fn board_hcp_of(requests: &[HcpRequest], directions: &[Direction]) -> BoardHcp {
    let mut board = BoardHcp {
        wait: row_wait(requests),
        ..BoardHcp::default()
    };
    for d in directions {
        add_direction(&mut board, d);
    }
    board
}

/// Stores a direction inside the caller's transaction, with its audit row (an HCP's
/// direction from the add menu, or "not fit to detain" from a fitness decision). Returns its id.
pub fn insert_direction(
    tx: &Connection,
    detention_id: i64,
    draft: &DirectionDraft,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (due_at, level) = match draft.kind {
        DirectionKind::ReassessAt { due_at } => (Some(timestamp(due_at)), None),
        DirectionKind::ObserveLevel { level } => (None, Some(level.number())),
        _ => (None, None),
    };
    tx.prepare_cached(
        "INSERT INTO hcp_direction (detention_id, kind, due_at, level, words, given_by, given_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        detention_id,
        draft.kind.as_str(),
        due_at,
        level,
        draft.words.trim(),
        by,
        timestamp(at)
    ])?;
    let id = tx.last_insert_rowid();
    audit::append(
        tx,
        at,
        by,
        AuditAction::RecordWrite,
        &detention_id.to_string(),
        &format!("HCP direction {id} given ({})", draft.kind.as_str()),
    )?;
    Ok(id)
}

impl super::Store {
    /// What the board shows of requests and directions, for everyone in custody.
    pub fn board_hcp_in_custody(&self) -> Result<HashMap<i64, BoardHcp>, StoreError> {
        board_hcp_in_custody(self.conn())
    }

    /// Everyone's open requests, in the HCP's queue order at `now`.
    pub fn open_hcp_requests(&self, now: DateTime<Utc>) -> Result<Vec<QueueEntry>, StoreError> {
        open_requests(self.conn(), now)
    }

    /// Directions of people in custody not yet acknowledged, or re-assessments not yet done.
    pub fn open_directions(&self) -> Result<Vec<OpenDirection>, StoreError> {
        open_directions(self.conn())
    }

    /// One detention's requests, oldest first.
    pub fn hcp_requests_of(&self, detention_id: i64) -> Result<Vec<HcpRequest>, StoreError> {
        requests_of(self.conn(), detention_id)
    }

    /// One detention's directions, oldest first.
    pub fn directions_of(&self, detention_id: i64) -> Result<Vec<Direction>, StoreError> {
        directions_of(self.conn(), detention_id)
    }

    /// Asks for an HCP to see the person, with why and a band from
    /// `schema/rules/hcp_bands.toml` (its minutes copied, so a later change of the bands does
    /// not rewrite this wait). Anyone who records may ask. Returns the request's id.
    pub fn request_hcp(
        &mut self,
        detention_id: i64,
        band: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let staff = self.identity().username.clone();
        self.permit(Duty::RequestHcp)?;
        let bands = HcpBands::embedded().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let band = bands.band(band.trim()).ok_or_else(|| {
            StoreError::Invalid(format!(
                "`{}` is not a priority band: use {}",
                crate::domain::text::printable(band.trim()),
                bands.names()
            ))
        })?;
        let reason = reason.trim();
        request::validate_reason(reason).map_err(StoreError::Invalid)?;
        self.write(Duty::RequestHcp, now, |tx| {
            super::custody::still_in_custody(tx, detention_id)?;
            tx.execute(
                "INSERT INTO hcp_request (detention_id, band, band_minutes, reason, requested_by, requested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![detention_id, band.name, band.minutes, reason, staff, timestamp(now)],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("HCP request {id} ({}, {} minutes)", band.name, band.minutes),
            )?;
            Ok(id)
        })
    }

    /// Withdraws an open request with the reason (e.g. the person left custody): a custody
    /// sergeant or an HCP only.
    pub fn withdraw_hcp_request(
        &mut self,
        request_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.permit(Duty::WithdrawHcpRequest)?;
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "say why the request is withdrawn, e.g. left custody".into(),
            ));
        }
        self.write(Duty::WithdrawHcpRequest, now, |tx| {
            let found = collect_rows(
                tx,
                &format!("{REQUEST_SELECT} WHERE r.id = ?1"),
                [request_id],
                request_from_row,
            )?
            .into_iter()
            .next()
            .map(|q| q.request);
            let Some(found) = found else {
                return Err(StoreError::Invalid("there is no such request".into()));
            };
            if let Some(seen) = &found.seen {
                return Err(StoreError::Invalid(format!(
                    "that request is already closed: {} saw the person at {}",
                    seen.by,
                    crate::domain::observation::to_london(seen.at)
                )));
            }
            if let Some(w) = &found.withdrawn {
                return Err(StoreError::Invalid(format!(
                    "that request was already withdrawn by {}",
                    w.by
                )));
            }
            tx.execute(
                "UPDATE hcp_request SET withdrawn_at = ?1, withdrawn_by = ?2, withdrawn_reason = ?3
                 WHERE id = ?4 AND withdrawn_at IS NULL",
                params![timestamp(now), staff, reason, request_id],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &found.detention_id.to_string(),
                &format!("HCP request {request_id} withdrawn"),
            )?;
            Ok(())
        })
    }

    /// Records an HCP's direction to custody staff: an HCP only. It shows on every
    /// sergeant's screen until one acknowledges it. Returns its id.
    pub fn give_direction(
        &mut self,
        detention_id: i64,
        draft: &DirectionDraft,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let staff = self.identity().username.clone();
        self.permit(Duty::GiveDirection)?;
        direction::validate(draft, now).map_err(StoreError::Invalid)?;
        self.write(Duty::GiveDirection, now, |tx| {
            super::custody::still_in_custody(tx, detention_id)?;
            insert_direction(tx, detention_id, draft, &staff, now)
        })
    }

    /// Acknowledges a direction: a custody sergeant only, audited with who and when.
    pub fn acknowledge_direction(
        &mut self,
        direction_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.permit(Duty::AcknowledgeDirection)?;
        self.write(Duty::AcknowledgeDirection, now, |tx| {
            let found: Option<(i64, Option<String>, Option<String>)> = tx
                .query_row(
                    "SELECT detention_id, acknowledged_by, acknowledged_at FROM hcp_direction
                     WHERE id = ?1",
                    [direction_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((detention_id, by, at)) = found else {
                return Err(StoreError::Invalid("there is no such direction".into()));
            };
            if let (Some(by), Some(at)) = (by, at) {
                return Err(StoreError::Invalid(format!(
                    "that direction was already acknowledged by {by} at {}",
                    crate::domain::observation::to_london(parse_timestamp(&at)?)
                )));
            }
            tx.execute(
                "UPDATE hcp_direction SET acknowledged_by = ?1, acknowledged_at = ?2
                 WHERE id = ?3 AND acknowledged_at IS NULL",
                params![staff, timestamp(now), direction_id],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::DirectionAcknowledged,
                &detention_id.to_string(),
                &format!("HCP direction {direction_id} acknowledged"),
            )?;
            Ok(())
        })
    }
}
