//! Gathers the facts `domain::report` computes its measures from, over one period: requests
//! for an HCP and when each was first seen after, the check schedules and doses of everyone in
//! custody during the period, who left with a completed pre-release risk assessment, and who
//! had a substance-use need and a referral. Aggregates only: no name leaves this module.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::audit::{self, AuditAction};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::medication::Frequency;
use crate::domain::report::{
    CheckHistory, DoseHistory, Report, RequestFact, Share, checks_on_time, doses_against_due,
    period_bounds, request_to_seen,
};
use crate::domain::support::SupportKind;

/// The flag codes that mean a substance-use need (alcohol, drugs, withdrawal).
const SUBSTANCE_FLAGS: &str = "'ALC', 'DRG', 'WD'";

/// The id of the pre-release risk assessment form (`schema/forms/prra.toml`).
const PRRA_FORM: &str = "prra";

/// A detention in the period: (id, arrived, closed).
pub(super) type Stay = (i64, DateTime<Utc>, Option<DateTime<Utc>>);

/// Care plan versions: (set at, interval minutes; none for constant observation).
type PlanVersions = Vec<(DateTime<Utc>, Option<i64>)>;

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.map(|t| parse_timestamp(&t)).transpose()
}

/// Detentions in custody at any time in [`from`, `to`): (id, arrived, closed). Two indexed
/// parts: those that closed in or after the period began, and those still open.
pub(super) fn detentions_in(
    conn: &Connection,
    from: &str,
    to: &str,
) -> Result<Vec<Stay>, StoreError> {
    collect_rows(
        conn,
        "SELECT id, arrived_at, closed_at FROM detention
           WHERE closed_at >= ?1 AND arrived_at < ?2
         UNION ALL
         SELECT id, arrived_at, closed_at FROM detention
           WHERE closed_at IS NULL AND arrived_at < ?2",
        [from, to],
        |r| {
            Ok((
                r.get(0)?,
                parse_timestamp(&r.get::<_, String>(1)?)?,
                opt_time(r.get(2)?)?,
            ))
        },
    )
}

fn ids_list(ids: &[i64]) -> String {
    // Integers from the database: safe to splice into the statement.
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Every HCP request made in the period with when it was first seen after (not after `to`).
fn requests(conn: &Connection, from: &str, to: &str) -> Result<Vec<RequestFact>, StoreError> {
    collect_rows(
        conn,
        "SELECT r.requested_at, r.band_minutes,
                (SELECT min(h.at) FROM hcp_activity h
                  WHERE h.detention_id = r.detention_id AND h.at >= r.requested_at AND h.at < ?2)
         FROM hcp_request r WHERE r.requested_at >= ?1 AND r.requested_at < ?2",
        [from, to],
        |r| {
            Ok(RequestFact {
                requested_at: parse_timestamp(&r.get::<_, String>(0)?)?,
                band_minutes: r.get(1)?,
                seen_at: opt_time(r.get(2)?)?,
            })
        },
    )
}

/// Each detention's check schedule, in the order of `detentions` (the shift handover reads
/// these too, so its late checks are the report's).
pub(super) fn check_histories(
    conn: &Connection,
    detentions: &[Stay],
) -> Result<Vec<CheckHistory>, StoreError> {
    if detentions.is_empty() {
        return Ok(Vec::new());
    }
    let ids = ids_list(&detentions.iter().map(|d| d.0).collect::<Vec<_>>());
    let mut plans: HashMap<i64, PlanVersions> = HashMap::new();
    for (id, set, minutes) in collect_rows(
        conn,
        &format!(
            "SELECT detention_id, set_at, interval_minutes FROM care_plan
             WHERE detention_id IN ({ids}) ORDER BY detention_id, id"
        ),
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                parse_timestamp(&r.get::<_, String>(1)?)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        },
    )? {
        plans.entry(id).or_default().push((set, minutes));
    }
    let mut checks: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for (id, done) in collect_rows(
        conn,
        &format!(
            "SELECT detention_id, done_at FROM cell_check
             WHERE detention_id IN ({ids}) ORDER BY detention_id, done_at"
        ),
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                parse_timestamp(&r.get::<_, String>(1)?)?,
            ))
        },
    )? {
        checks.entry(id).or_default().push(done);
    }
    Ok(detentions
        .iter()
        .map(|&(id, arrived_at, closed_at)| CheckHistory {
            arrived_at,
            plans: plans.remove(&id).unwrap_or_default(),
            checks: checks.remove(&id).unwrap_or_default(),
            closed_at,
        })
        .collect())
}

/// A regular medicine's history with its detention and its name and dose as the medication
/// list shows them.
pub(super) struct NamedDoses {
    pub detention_id: i64,
    pub name: String,
    pub history: DoseHistory,
}

fn dose_histories(conn: &Connection, detentions: &[Stay]) -> Result<Vec<DoseHistory>, StoreError> {
    Ok(named_dose_histories(conn, detentions)?
        .into_iter()
        .map(|n| n.history)
        .collect())
}

/// Every regular medicine of `detentions` with its administrations (the report counts them;
/// the shift handover names them).
pub(super) fn named_dose_histories(
    conn: &Connection,
    detentions: &[Stay],
) -> Result<Vec<NamedDoses>, StoreError> {
    if detentions.is_empty() {
        return Ok(Vec::new());
    }
    let closed: HashMap<i64, Option<DateTime<Utc>>> =
        detentions.iter().map(|d| (d.0, d.2)).collect();
    let ids = ids_list(&detentions.iter().map(|d| d.0).collect::<Vec<_>>());
    let mut given: HashMap<i64, Vec<(DateTime<Utc>, String)>> = HashMap::new();
    for (id, at, outcome) in collect_rows(
        conn,
        &format!(
            "SELECT a.medication_id, a.at, a.outcome FROM medication m
             JOIN medication_administration a ON a.medication_id = m.id
             WHERE m.detention_id IN ({ids}) ORDER BY a.medication_id, a.at"
        ),
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                parse_timestamp(&r.get::<_, String>(1)?)?,
                r.get::<_, String>(2)?,
            ))
        },
    )? {
        given.entry(id).or_default().push((at, outcome));
    }
    type MedicineRow = (
        i64,
        i64,
        String,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        String,
    );
    let rows: Vec<MedicineRow> = collect_rows(
        conn,
        &format!(
            "SELECT id, detention_id, frequency, last_taken_at, recorded_at, stopped_at,
                    trim(name || ' ' || dose)
             FROM medication WHERE detention_id IN ({ids}) ORDER BY id"
        ),
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                opt_time(r.get(3)?)?,
                parse_timestamp(&r.get::<_, String>(4)?)?,
                opt_time(r.get(5)?)?,
                r.get::<_, String>(6)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for (id, detention, frequency, last_taken_at, recorded_at, stopped_at, name) in rows {
        // As-needed medicines are never due; an unknown frequency cannot be scheduled.
        let Ok(Frequency::EveryHours(hours)) = Frequency::parse(&frequency) else {
            continue;
        };
        let left = closed.get(&detention).copied().flatten();
        let ended_at = match (stopped_at, left) {
            (Some(s), Some(l)) => Some(s.min(l)),
            (s, l) => s.or(l),
        };
        out.push(NamedDoses {
            detention_id: detention,
            name,
            history: DoseHistory {
                every_hours: i64::from(hours),
                last_taken_at,
                recorded_at,
                ended_at,
                administrations: given.remove(&id).unwrap_or_default(),
            },
        });
    }
    Ok(out)
}

/// People who left in the period, and those of them with a completed PRRA.
fn prra_completed(conn: &Connection, from: &str, to: &str) -> Result<Share, StoreError> {
    let (left, completed): (i64, i64) = conn.query_row(
        &format!(
            "SELECT count(*), coalesce(sum(EXISTS (
                 SELECT 1 FROM form_response r JOIN form_completion c ON c.response_id = r.id
                 WHERE r.detention_id = d.id AND r.form_id = '{PRRA_FORM}')), 0)
             FROM detention d WHERE d.closed_at >= ?1 AND d.closed_at < ?2"
        ),
        [from, to],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Share::new(
        usize::try_from(completed).unwrap_or(0),
        usize::try_from(left).unwrap_or(0),
    ))
}

/// Of the detentions in the period with a substance-use flag, those with a referral.
fn substance_use_referred(conn: &Connection, detention_ids: &[i64]) -> Result<Share, StoreError> {
    if detention_ids.is_empty() {
        return Ok(Share::new(0, 0));
    }
    let ids = ids_list(detention_ids);
    let (with_need, referred): (i64, i64) = conn.query_row(
        &format!(
            "SELECT count(*), coalesce(sum(EXISTS (SELECT 1 FROM referral r WHERE r.detention_id = d.id)), 0)
             FROM detention d WHERE d.id IN ({ids}) AND EXISTS (
                 SELECT 1 FROM flag f WHERE f.detention_id = d.id
                 AND f.entered_in_error_at IS NULL AND f.code IN ({SUBSTANCE_FLAGS}))"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Share::new(
        usize::try_from(referred).unwrap_or(0),
        usize::try_from(with_need).unwrap_or(0),
    ))
}

/// The median minutes from request to arrival of an appropriate adult or an interpreter asked
/// for in the period, by nearest rank (a wait someone actually had); `None` when none came.
fn support_median(
    conn: &Connection,
    kind: SupportKind,
    from: &str,
    to: &str,
) -> Result<Option<i64>, StoreError> {
    let minutes = super::support::request_to_arrival_minutes(conn, kind, from, to)?;
    Ok(crate::domain::report::nearest_rank(&minutes, 0.5))
}

/// The report over London days `from` to `to`, both included, as known at `now` (a check or a
/// dose not yet due is not yet missed).
pub fn report(
    conn: &Connection,
    suite: &str,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    if to < from {
        return Err(StoreError::Invalid(format!(
            "the period ends ({to}) before it starts ({from})"
        )));
    }
    let (start, end) = period_bounds(from, to)
        .ok_or_else(|| StoreError::Invalid("that period cannot be shown in UK time".into()))?;
    let end = end.min(now).max(start);
    let (from_text, to_text) = (timestamp(start), timestamp(end));
    let detentions = detentions_in(conn, &from_text, &to_text)?;
    let ids: Vec<i64> = detentions.iter().map(|d| d.0).collect();
    Ok(Report {
        suite: suite.to_string(),
        from,
        to,
        hcp_request_to_seen: request_to_seen(&requests(conn, &from_text, &to_text)?),
        cell_checks: checks_on_time(&check_histories(conn, &detentions)?, start, end),
        doses: doses_against_due(&dose_histories(conn, &detentions)?, start, end),
        prra_completed: prra_completed(conn, &from_text, &to_text)?,
        substance_use_referred: substance_use_referred(conn, &ids)?,
        // Request to arrival of those asked for in the period who came (schema 0014).
        appropriate_adult_median_minutes: support_median(
            conn,
            SupportKind::AppropriateAdult,
            &from_text,
            &to_text,
        )?,
        interpreter_median_minutes: support_median(
            conn,
            SupportKind::Interpreter,
            &from_text,
            &to_text,
        )?,
    })
}

impl super::Store {
    /// The report over a period, for a sergeant, an HCP or the administrator (aggregates only).
    /// Audited: who looked at which period.
    pub fn report(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Report, StoreError> {
        use crate::domain::role::Role;
        let role = self.identity().role;
        if !matches!(role, Role::Sergeant | Role::Hcp | Role::Admin) {
            return Err(StoreError::NotPermitted {
                role: role.to_string(),
                what: "see the suite's report (a sergeant, an HCP or the administrator may)".into(),
            });
        }
        let suite = self.suite_name()?;
        let staff = self.identity().username.clone();
        let report = report(self.conn(), &suite, from, to, now)?;
        self.transact(|tx| {
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordRead,
                "report",
                &format!("report {from} to {to}"),
            )
        })?;
        Ok(report)
    }
}
