//! The PACE clock's history for everyone in custody at once, and recording a review of
//! detention (PACE s.40). The clock itself is `domain::pace`; what a review must say is
//! `domain::pace::validate_review`.

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::audit::{self, AuditAction};
use super::{StoreError, parse_timestamp, timestamp};
use crate::domain::pace::{Extension, PaceClock, ReviewDraft, ValidReview, validate_review};

/// Reviews done and extensions recorded, per detention.
pub type PaceHistories = HashMap<i64, (Vec<DateTime<Utc>>, Vec<Extension>)>;

/// The PACE history of everyone in custody, in two queries. Runs every second on every
/// terminal, so each query starts from the open detentions (`CROSS JOIN` keeps SQLite to that
/// order: see `store::care::board_care`).
pub fn histories_in_custody(conn: &Connection) -> Result<PaceHistories, StoreError> {
    let mut out: PaceHistories = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT r.detention_id, r.reviewed_at FROM detention d
             CROSS JOIN pace_review r ON r.detention_id = d.id WHERE d.closed_at IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?)
                .or_default()
                .0
                .push(parse_timestamp(&r.get::<_, String>(1)?)?);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT x.detention_id, x.kind, x.authorised_at, x.until FROM detention d
         CROSS JOIN pace_extension x ON x.detention_id = d.id WHERE d.closed_at IS NULL
         ORDER BY x.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(1)?;
        let at = parse_timestamp(&r.get::<_, String>(2)?)?;
        let until = parse_timestamp(&r.get::<_, String>(3)?)?;
        out.entry(r.get(0)?)
            .or_default()
            .1
            .push(if kind == "warrant" {
                Extension::Warrant {
                    issued_at: at,
                    until,
                }
            } else {
                Extension::Superintendent {
                    authorised_at: at,
                    until,
                }
            });
    }
    Ok(out)
}

/// The latest review of a detention, with its representations and late reason.
pub fn last_review(
    conn: &Connection,
    detention_id: i64,
) -> Result<Option<crate::domain::record::view::PaceReviewView>, StoreError> {
    Ok(super::collect_rows(
        conn,
        "SELECT reviewed_at, reviewed_by, outcome, representations, late_reason FROM pace_review
         WHERE detention_id = ?1 ORDER BY reviewed_at DESC, id DESC LIMIT 1",
        [detention_id],
        |r| {
            Ok(crate::domain::record::view::PaceReviewView {
                reviewed_at: parse_timestamp(&r.get::<_, String>(0)?)?,
                reviewed_by: r.get(1)?,
                outcome: r.get(2)?,
                representations: r.get(3)?,
                late_reason: r.get(4)?,
            })
        },
    )?
    .into_iter()
    .next())
}

/// Writes a review as given (the demo and tests; the screen goes through
/// [`super::Store::record_pace_review`], which validates and audits).
pub fn insert_review(
    conn: &Connection,
    detention_id: i64,
    reviewed_at: DateTime<Utc>,
    review: &ValidReview,
    recorded_by: &str,
    recorded_at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO pace_review (detention_id, reviewed_at, reviewed_by, outcome, recorded_by,
                                  recorded_at, representations, late_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        detention_id,
        timestamp(reviewed_at),
        review.reviewed_by,
        review.outcome,
        recorded_by,
        timestamp(recorded_at),
        review.representations,
        review.late_reason,
    ])?;
    Ok(conn.last_insert_rowid())
}

impl super::Store {
    /// Records a PACE review of detention (s.40): who reviewed it, when, the outcome, the
    /// representations made (s.40(12)-(14)) and, when it was done after it was due, why. The
    /// due time is worked out here from the reviews already recorded, in the same transaction.
    pub fn record_pace_review(
        &mut self,
        detention_id: i64,
        reviewed_at: DateTime<Utc>,
        draft: &ReviewDraft,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let staff = self.sergeant_entry(Duty::PaceReview, "a PACE review", reviewed_at, now)?;
        self.write(Duty::PaceReview, now, |tx| {
            let (arrived, authorised) = super::care::detention_times(tx, detention_id)?;
            let (reviews, _) = super::care::pace_history(tx, detention_id)?;
            // Before authorisation no review is due, so none can be late.
            let due = authorised
                .and_then(|a| PaceClock::new(arrived.min(a), a).ok())
                .map_or(reviewed_at, |clock| clock.next_review_due(&reviews).1);
            let review = validate_review(draft, due, reviewed_at)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let id = insert_review(tx, detention_id, reviewed_at, &review, &staff, now)?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "pace_review {id}{}",
                    if review.late_reason.is_empty() {
                        ""
                    } else {
                        ": late"
                    }
                ),
            )?;
            Ok(id)
        })
    }
}
