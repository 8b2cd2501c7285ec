//! Booking duties in the store: the custody sergeant's authorisation of detention (PACE s.37)
//! and the record of why a health screen cannot be done now. What is still owed is read with
//! the board's row (`custody::custody_entries`), by `domain::booking_duties`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, AuditAction};
use super::{Store, StoreError, parse_timestamp, timestamp};
use crate::domain::authority::Duty;
use crate::domain::booking_duties::{
    BookingProgress, Deferral, Outstanding, validate_deferral_reason,
};

/// Authorises detention now if nobody has yet, with its audit row; whether this did it.
/// The caller has checked the role ([`Duty::AuthoriseDetention`]).
pub(super) fn authorise_in(
    tx: &Connection,
    detention_id: i64,
    staff: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = tx.execute(
        "UPDATE detention SET authorised_at = ?1
         WHERE id = ?2 AND authorised_at IS NULL AND closed_at IS NULL",
        params![timestamp(now), detention_id],
    )?;
    if changed > 0 {
        audit::append(
            tx,
            now,
            staff,
            AuditAction::RecordWrite,
            &detention_id.to_string(),
            "detention authorised (PACE s.37)",
        )?;
    }
    Ok(changed > 0)
}

/// Keeps a sergeant's reason the health screen cannot be done now (its caller audits it).
pub(crate) fn insert_deferral(
    tx: &Connection,
    detention_id: i64,
    reason: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO health_screen_deferral (detention_id, reason, deferred_by, deferred_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![detention_id, reason, by, timestamp(at)],
    )?;
    Ok(())
}

/// A booking form started and completed, without its answers: for the demo's cast, whose
/// screens are taken as done on arrival.
pub(crate) fn insert_completed_form(
    tx: &Connection,
    detention_id: i64,
    form_id: &str,
    by: &str,
    started_at: DateTime<Utc>,
    completed_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO form_response (detention_id, form_id, started_by, started_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![detention_id, form_id, by, timestamp(started_at)],
    )?;
    tx.execute(
        "INSERT INTO form_completion (response_id, completed_by, completed_at) VALUES (?1, ?2, ?3)",
        params![tx.last_insert_rowid(), by, timestamp(completed_at)],
    )?;
    Ok(())
}

/// The newest deferral of a detention's health screen while it stands: none once an HCP has
/// completed the screen.
pub fn deferral_of(conn: &Connection, detention_id: i64) -> Result<Option<Deferral>, StoreError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT reason, deferred_by, deferred_at FROM health_screen_deferral x
             WHERE detention_id = ?1
               AND NOT EXISTS (SELECT 1 FROM form_response r
                               JOIN form_completion fc ON fc.response_id = r.id
                               WHERE r.detention_id = x.detention_id AND r.form_id = 'health_screen')
             ORDER BY id DESC LIMIT 1",
            [detention_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(reason, by, at)| {
        Ok(Deferral {
            reason,
            by,
            at: parse_timestamp(&at)?,
        })
    })
    .transpose()
}

/// What booking still owes each of the detentions `ids` (a comma-separated list of ids read
/// from the database), by the same rule as the board's row.
pub(super) fn outstanding_of(
    conn: &Connection,
    ids: &str,
) -> Result<std::collections::HashMap<i64, Vec<Outstanding>>, StoreError> {
    let completed = |form: &str| {
        format!(
            "EXISTS (SELECT 1 FROM form_response r JOIN form_completion fc ON fc.response_id = r.id
                     WHERE r.detention_id = d.id AND r.form_id = '{form}')"
        )
    };
    let sql = format!(
        "SELECT d.id, d.authorised_at IS NOT NULL, {}, {},
                EXISTS (SELECT 1 FROM health_screen_deferral x WHERE x.detention_id = d.id)
         FROM detention d WHERE d.id IN ({ids})",
        completed(crate::domain::form::BOOKING_RISK),
        completed(crate::domain::form::HEALTH_SCREEN),
    );
    let rows = super::collect_rows(conn, &sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            BookingProgress {
                authorised: r.get(1)?,
                risk_assessed: r.get(2)?,
                health_screened: r.get(3)?,
                health_screen_deferred: r.get(4)?,
            },
        ))
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, p)| (id, p.outstanding()))
        .filter(|(_, owed)| !owed.is_empty())
        .collect())
}

impl Store {
    /// Authorises detention (a custody sergeant only): starts the PACE review clock. Saying
    /// so twice changes nothing; returns whether this call authorised it.
    pub fn authorise_detention(
        &mut self,
        detention_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::AuthoriseDetention, now, |tx| {
            super::custody::still_in_custody(tx, detention_id)?;
            authorise_in(tx, detention_id, &staff, now)
        })
    }

    /// Records why the health screen cannot be done now (a custody sergeant only): it is no
    /// longer outstanding, and the reason travels with the person.
    pub fn defer_health_screen(
        &mut self,
        detention_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::DeferHealthScreen)?;
        let reason = validate_deferral_reason(reason)
            .map_err(StoreError::Invalid)?
            .to_string();
        let staff = self.identity().username.clone();
        self.write(Duty::DeferHealthScreen, now, |tx| {
            super::custody::still_in_custody(tx, detention_id)?;
            insert_deferral(tx, detention_id, &reason, &staff, now)?;
            // The reason may hold health detail: the audit says only that it was recorded.
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                "health screen deferred, reason recorded",
            )?;
            Ok(())
        })
    }
}
