//! An appropriate adult and an interpreter (schema 0014): each step a row of its own, never
//! changed, with its audit row in the same transaction. Whether a step can be recorded (a need
//! first, no time in the future, no arrival before the request) is decided by
//! `domain::support` over the steps already stored; who may record is decided there too and
//! enforced here before anything is written.

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::support::{Need, Step, Support, SupportEvent, SupportKind, fold};

/// The columns [`event_from_row`] reads, after the detention id.
const EVENT_COLUMNS: &str = "e.kind, e.step, e.need, e.detail, e.at, e.recorded_by";

fn event_from_row(r: &rusqlite::Row<'_>, first: usize) -> Result<SupportEvent, StoreError> {
    let kind: String = r.get(first)?;
    let step: String = r.get(first + 1)?;
    let need: Option<String> = r.get(first + 2)?;
    Ok(SupportEvent {
        kind: SupportKind::parse(&kind)
            .ok_or_else(|| StoreError::Internal(format!("a support step of kind `{kind}`")))?,
        step: Step::parse(&step)
            .ok_or_else(|| StoreError::Internal(format!("a support step `{step}`")))?,
        need: need.as_deref().and_then(Need::parse),
        detail: r.get(first + 3)?,
        at: parse_timestamp(&r.get::<_, String>(first + 4)?)?,
        by: r.get(first + 5)?,
    })
}

/// Every step of one detention, in the order recorded.
pub fn events_of(conn: &Connection, detention_id: i64) -> Result<Vec<SupportEvent>, StoreError> {
    collect_rows(
        conn,
        &format!(
            "SELECT {EVENT_COLUMNS} FROM support_event e WHERE e.detention_id = ?1 ORDER BY e.id"
        ),
        [detention_id],
        |r| event_from_row(r, 0),
    )
}

/// What one detention's steps add up to.
pub fn support_of(conn: &Connection, detention_id: i64) -> Result<Support, StoreError> {
    Ok(fold(&events_of(conn, detention_id)?))
}

/// Folds `(detention, step)` rows, already in recorded order, by detention.
fn by_detention(rows: Vec<(i64, SupportEvent)>) -> HashMap<i64, Support> {
    let mut events: HashMap<i64, Vec<SupportEvent>> = HashMap::new();
    for (id, e) in rows {
        events.entry(id).or_default().push(e);
    }
    events
        .into_iter()
        .map(|(id, steps)| (id, fold(&steps)))
        .collect()
}

/// Everyone in custody who needs either, by detention: one statement per board tick, driven
/// from the open detentions (the partial index) so the cost follows who is here now, not
/// every detention ever held.
pub fn support_in_custody(conn: &Connection) -> Result<HashMap<i64, Support>, StoreError> {
    let rows = collect_rows(
        conn,
        &format!(
            "SELECT e.detention_id, {EVENT_COLUMNS} FROM detention d
             CROSS JOIN support_event e ON e.detention_id = d.id
             WHERE d.closed_at IS NULL ORDER BY e.id"
        ),
        [],
        |r| Ok((r.get(0)?, event_from_row(r, 1)?)),
    )?;
    Ok(by_detention(rows))
}

/// Every detention that needed either, by detention (`sonar list --all`).
pub fn support_of_every_detention(conn: &Connection) -> Result<HashMap<i64, Support>, StoreError> {
    let rows = collect_rows(
        conn,
        &format!("SELECT e.detention_id, {EVENT_COLUMNS} FROM support_event e ORDER BY e.id"),
        [],
        |r| Ok((r.get(0)?, event_from_row(r, 1)?)),
    )?;
    Ok(by_detention(rows))
}

/// Request to arrival, in minutes, of each attendance of `kind` asked for from `from` to `to`
/// (UTC text bounds) that has arrived: the figure `sonar report` takes the median of.
pub fn request_to_arrival_minutes(
    conn: &Connection,
    kind: SupportKind,
    from: &str,
    to: &str,
) -> Result<Vec<i64>, StoreError> {
    let rows = collect_rows(
        conn,
        &format!(
            "SELECT e.detention_id, {EVENT_COLUMNS} FROM support_event e
             WHERE e.kind = ?1 AND e.detention_id IN (
                 SELECT detention_id FROM support_event
                 WHERE step = 'requested' AND at >= ?2 AND at < ?3)
             ORDER BY e.id"
        ),
        params![kind.as_str(), from, to],
        |r| Ok((r.get(0)?, event_from_row(r, 1)?)),
    )?;
    let (from, to) = (parse_timestamp(from)?, parse_timestamp(to)?);
    let mut minutes: Vec<i64> = by_detention(rows)
        .values()
        .filter_map(|s| s.get(kind))
        .flat_map(|n| &n.visits)
        .filter_map(|v| {
            let (r, a) = (v.requested.as_ref()?, v.arrived.as_ref()?);
            (r.at >= from && r.at < to).then(|| (a.at - r.at).num_minutes().max(0))
        })
        .collect();
    minutes.sort_unstable();
    Ok(minutes)
}

/// Records one step inside the caller's transaction, after checking it against the steps
/// already stored, with its audit row (the reason or language stays out of the audit: it may
/// be health information). Returns the row's id.
pub(crate) fn record_in(
    tx: &Connection,
    detention_id: i64,
    event: &SupportEvent,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let mut support = support_of(tx, detention_id)?;
    support
        .record(event, now)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO support_event (detention_id, kind, step, need, detail, at, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        detention_id,
        event.kind.as_str(),
        event.step.as_str(),
        event.need.map(Need::as_str),
        event.detail.trim(),
        timestamp(event.at),
        event.by,
        timestamp(now),
    ])?;
    let id = tx.last_insert_rowid();
    let what = match event.need {
        Some(need) => format!("{} needed ({})", event.kind.as_str(), need.as_str()),
        None => format!(
            "{} {} at {}",
            event.kind.as_str(),
            event.step.as_str(),
            timestamp(event.at)
        ),
    };
    audit::append(
        tx,
        now,
        &event.by,
        AuditAction::RecordWrite,
        &detention_id.to_string(),
        &what,
    )?;
    Ok(id)
}

/// Records, inside booking-in's transaction, that a person under 18 needs an appropriate
/// adult (Code C 1.5): the request and arrival then follow it on the board.
pub(crate) fn record_under_18(
    tx: &Connection,
    detention_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let need = SupportEvent {
        kind: SupportKind::AppropriateAdult,
        step: Step::Needed,
        need: Some(Need::Under18),
        detail: String::new(),
        at: now,
        by: by.to_string(),
    };
    record_in(tx, detention_id, &need, now)
}

/// A step as a screen or script asks for it: who records it is the logged-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDraft {
    pub kind: SupportKind,
    pub step: Step,
    /// For `Needed`: why.
    pub need: Option<Need>,
    /// For `Needed`: the reason or the language.
    pub detail: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl super::Store {
    /// Records that the person needs an appropriate adult or an interpreter and why, that one
    /// was asked to come, arrived or left: a custody sergeant, a detention officer or an HCP.
    /// Returns what the detention's steps now add up to.
    pub fn record_support(
        &mut self,
        detention_id: i64,
        draft: &StepDraft,
        now: DateTime<Utc>,
    ) -> Result<Support, StoreError> {
        let staff = self.identity().username.clone();
        self.permit(Duty::SupportNeed)?;
        let event = SupportEvent {
            kind: draft.kind,
            step: draft.step,
            need: draft.need,
            detail: draft.detail.clone(),
            at: draft.at,
            by: staff,
        };
        self.write(Duty::SupportNeed, now, |tx| {
            super::custody::still_in_custody(tx, detention_id)?;
            record_in(tx, detention_id, &event, now)?;
            support_of(tx, detention_id)
        })
    }

    /// One detention's appropriate adult and interpreter.
    pub fn support_of(&self, detention_id: i64) -> Result<Support, StoreError> {
        support_of(self.conn(), detention_id)
    }

    /// Everyone in custody's, by detention (or every detention's, for `sonar list --all`).
    pub fn support_by_detention(&self, all: bool) -> Result<HashMap<i64, Support>, StoreError> {
        if all {
            support_of_every_detention(self.conn())
        } else {
            support_in_custody(self.conn())
        }
    }
}
