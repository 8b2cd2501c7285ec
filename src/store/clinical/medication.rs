//! Medicines and their administration: what the person brought, reported or was prescribed
//! in custody, each dose given, declined or withheld, stopping a medicine, and when each
//! person in custody is next due a dose.
//!
//! Every role sees names and due times (a missed dose must be visible to the sergeant);
//! reasons are HCP only.

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::one_of;
use crate::domain::medication::{self, Frequency};
use crate::domain::record::view::{DoseView, MedicationView};
use crate::store::audit::{self, AuditAction};
use crate::store::{Store, StoreError, collect_rows, parse_timestamp, timestamp};

/// A medicine the person brought, reported, or was prescribed in custody.
#[derive(Debug, Clone, Default)]
pub struct NewMedication {
    pub name: String,
    pub dose: String,
    pub route: String,
    pub frequency: String,
    pub last_taken_at: Option<DateTime<Utc>>,
    pub reason: String,
    /// `gp`, `pharmacy` or `not_verified`.
    pub verified_with: String,
    /// `brought`, `reported` or `prescribed_in_custody`.
    pub origin: String,
}

/// What happened when a dose was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoseOutcome {
    Given,
    Declined,
    Withheld,
    NotAvailable,
}

impl DoseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DoseOutcome::Given => "given",
            DoseOutcome::Declined => "declined",
            DoseOutcome::Withheld => "withheld",
            DoseOutcome::NotAvailable => "not_available",
        }
    }
}

impl Store {
    /// Records a medicine (HCP only). The frequency must be understood, so a next dose can be
    /// computed; time-critical medicines are marked from their name.
    pub fn add_medication(
        &mut self,
        detention_id: i64,
        m: &NewMedication,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.permit(Duty::Medication)?;
        if m.name.trim().is_empty() {
            return Err(StoreError::Invalid("the medicine needs a name".into()));
        }
        Frequency::parse(&m.frequency).map_err(|e| StoreError::Invalid(e.to_string()))?;
        one_of(
            &m.verified_with,
            &["gp", "pharmacy", "not_verified"],
            "verified with",
        )?;
        one_of(
            &m.origin,
            &["brought", "reported", "prescribed_in_custody"],
            "origin",
        )?;
        let by = self.identity().username.clone();
        self.write(Duty::Medication, now, |tx| {
            let id = insert_medication(tx, detention_id, m, &by, now)?;
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                "medication",
            )?;
            Ok(id)
        })
    }

    /// Records what happened at a dose (HCP only); anything but "given" needs a reason.
    pub fn record_dose(
        &mut self,
        medication_id: i64,
        outcome: DoseOutcome,
        reason: &str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::GiveDose)?;
        if outcome != DoseOutcome::Given && reason.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "a dose {} needs a reason",
                outcome.as_str().replace('_', " ")
            )));
        }
        let by = self.identity().username.clone();
        self.write(Duty::GiveDose, now, |tx| {
            insert_administration(tx, medication_id, outcome, reason.trim(), at, &by)?;
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &format!("medication {medication_id}"),
                outcome.as_str(),
            )?;
            Ok(())
        })
    }

    /// The detention's current medicines with their next dose due. Every role sees names and
    /// due times (a missed dose must be visible to the sergeant); reasons are HCP only.
    pub fn medications(&self, detention_id: i64) -> Result<Vec<MedicationView>, StoreError> {
        medications_for(self.conn(), detention_id, self.clinical())
    }

    /// Stops a medicine (HCP only): prescribed in error, stopped by the doctor, or not the
    /// person's. The row stays, marked with who, when and why; it no longer falls due.
    pub fn stop_medication(
        &mut self,
        medication_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::Medication)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "stopping a medicine needs a reason".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(Duty::Medication, now, |tx| {
            let changed = tx.execute(
                "UPDATE medication SET stopped_at = ?2, stopped_by = ?3, stopped_reason = ?4
                 WHERE id = ?1 AND stopped_at IS NULL
                   AND detention_id IN (SELECT id FROM detention WHERE closed_at IS NULL)",
                params![medication_id, timestamp(now), by, reason],
            )?;
            if changed == 0 {
                return Err(StoreError::Invalid(
                    "that medicine is already stopped, or the detention is closed".into(),
                ));
            }
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &format!("medication {medication_id}"),
                "stopped",
            )?;
            Ok(())
        })
    }
}

/// Writes a medication row, marking it time-critical from its name (the caller audits it).
pub(crate) fn insert_medication(
    conn: &Connection,
    detention_id: i64,
    m: &NewMedication,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO medication (detention_id, name, dose, route, frequency, last_taken_at, reason,
                                 verified_with, origin, time_critical, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        detention_id,
        m.name.trim(),
        m.dose,
        m.route,
        m.frequency,
        m.last_taken_at.map(timestamp),
        m.reason,
        m.verified_with,
        m.origin,
        medication::time_critical_reason(&m.name),
        by,
        timestamp(at)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// For everyone in custody, the earliest next dose of any regular medicine (board and list).
pub(crate) fn next_doses_in_custody(
    conn: &Connection,
) -> Result<std::collections::HashMap<i64, DateTime<Utc>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.detention_id, m.frequency,
                coalesce((SELECT max(a.at) FROM medication_administration a
                          WHERE a.medication_id = m.id AND a.outcome = 'given'), m.last_taken_at),
                m.recorded_at
         FROM detention d CROSS JOIN medication m ON m.detention_id = d.id
         WHERE d.closed_at IS NULL AND m.stopped_at IS NULL",
    )?;
    let mut rows = stmt.query([])?;
    let mut due: std::collections::HashMap<i64, DateTime<Utc>> = std::collections::HashMap::new();
    while let Some(r) = rows.next()? {
        let detention: i64 = r.get(0)?;
        let frequency: String = r.get(1)?;
        let last: Option<String> = r.get(2)?;
        let last = last.map(|t| parse_timestamp(&t)).transpose()?;
        let recorded = parse_timestamp(&r.get::<_, String>(3)?)?;
        if let Some(next) = Frequency::parse(&frequency)
            .ok()
            .and_then(|f| medication::next_dose_due(f, last, recorded))
        {
            due.entry(detention)
                .and_modify(|d| *d = (*d).min(next))
                .or_insert(next);
        }
    }
    Ok(due)
}

/// One entry of a medicine's administration record.
pub fn insert_administration(
    conn: &Connection,
    medication_id: i64,
    outcome: DoseOutcome,
    reason: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO medication_administration (medication_id, at, outcome, reason, by_staff)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![medication_id, timestamp(at), outcome.as_str(), reason, by],
    )?;
    Ok(())
}

/// The administration record of a detention's medicines, newest first.
pub(crate) fn doses_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<DoseView>, StoreError> {
    let reason = if clinical { "a.reason" } else { "NULL" };
    let sql = format!(
        "SELECT a.medication_id, a.at, a.outcome, {reason}, a.by_staff, a.supervised
         FROM medication_administration a JOIN medication m ON m.id = a.medication_id
         WHERE m.detention_id = ?1 ORDER BY a.at DESC, a.id DESC"
    );
    collect_rows(conn, &sql, [detention_id], |r| {
        Ok(DoseView {
            medication_id: r.get(0)?,
            at: parse_timestamp(&r.get::<_, String>(1)?)?,
            outcome: r.get(2)?,
            reason: r.get::<_, Option<String>>(3)?.filter(|s| !s.is_empty()),
            by: r.get(4)?,
            supervised: r.get(5)?,
        })
    })
}

/// Medicines with their last dose (in custody, else as reported) and next dose due.
pub(crate) fn medications_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<MedicationView>, StoreError> {
    let reason = if clinical { "m.reason" } else { "NULL" };
    let sql = format!(
        "SELECT m.id, m.name, m.dose, m.route, m.frequency, m.time_critical, m.verified_with, {reason},
                coalesce((SELECT max(a.at) FROM medication_administration a
                          WHERE a.medication_id = m.id AND a.outcome = 'given'), m.last_taken_at),
                m.recorded_at,
                coalesce((SELECT s.allowed FROM self_administration s
                          WHERE s.medication_id = m.id ORDER BY s.id DESC LIMIT 1), 0)
         FROM medication m WHERE m.detention_id = ?1 AND m.stopped_at IS NULL ORDER BY m.id"
    );
    collect_rows(conn, &sql, [detention_id], |r| {
        let frequency: String = r.get(4)?;
        let last: Option<String> = r.get(8)?;
        let last = last.map(|t| parse_timestamp(&t)).transpose()?;
        let recorded = parse_timestamp(&r.get::<_, String>(9)?)?;
        let next_due = Frequency::parse(&frequency)
            .ok()
            .and_then(|f| medication::next_dose_due(f, last, recorded));
        Ok(MedicationView {
            id: r.get(0)?,
            name: r.get(1)?,
            dose: r.get(2)?,
            route: r.get(3)?,
            frequency,
            time_critical: r.get(5)?,
            verified_with: r.get(6)?,
            reason: r.get(7)?,
            last_dose_at: last,
            next_due,
            self_administration: r.get(10)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::clinical::test_support::{now, suite};

    #[test]
    fn a_stopped_medicine_no_longer_falls_due_and_says_who_stopped_it() {
        let (_dir, mut hcp, mut sergeant, d) = suite();
        let id = hcp
            .add_medication(
                d,
                &NewMedication {
                    name: "Methadone".into(),
                    dose: "60 ml".into(),
                    route: "oral".into(),
                    frequency: "od".into(),
                    verified_with: "pharmacy".into(),
                    origin: "reported".into(),
                    ..Default::default()
                },
                now(),
            )
            .unwrap();
        assert_eq!(hcp.medications(d).unwrap().len(), 1);
        assert!(matches!(
            sergeant.stop_medication(id, "not his", now()),
            Err(StoreError::Refused(_))
        ));
        assert_eq!(
            hcp.stop_medication(id, "  ", now())
                .unwrap_err()
                .to_string(),
            "stopping a medicine needs a reason"
        );
        hcp.stop_medication(id, "Entered for the wrong person", now())
            .unwrap();
        assert!(hcp.medications(d).unwrap().is_empty());
        assert!(next_doses_in_custody(hcp.conn()).unwrap().is_empty());
        assert_eq!(
            hcp.stop_medication(id, "again", now())
                .unwrap_err()
                .to_string(),
            "that medicine is already stopped, or the detention is closed"
        );
        let stopped: (String, String) = hcp
            .conn()
            .query_row(
                "SELECT stopped_by, stopped_reason FROM medication WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            stopped,
            ("nurse".into(), "Entered for the wrong person".into())
        );
    }

    #[test]
    fn medication_reason_is_hcp_only_but_due_times_are_for_everyone() {
        let (_d, mut hcp, mut sergeant, det) = suite();
        let id = hcp
            .add_medication(
                det,
                &NewMedication {
                    name: "Levetiracetam".into(),
                    dose: "500 mg".into(),
                    route: "oral".into(),
                    frequency: "bd".into(),
                    last_taken_at: Some(now() - chrono::Duration::hours(11)),
                    reason: "epilepsy since childhood".into(),
                    verified_with: "gp".into(),
                    origin: "brought".into(),
                },
                now(),
            )
            .unwrap();
        let mine = hcp.medications(det).unwrap();
        assert_eq!(mine[0].reason.as_deref(), Some("epilepsy since childhood"));
        assert_eq!(mine[0].next_due, Some(now() + chrono::Duration::hours(1)));
        assert!(
            mine[0]
                .time_critical
                .as_deref()
                .unwrap()
                .contains("seizures")
        );
        let theirs = sergeant.medications(det).unwrap();
        assert_eq!(theirs[0].name, "Levetiracetam");
        assert_eq!(theirs[0].next_due, mine[0].next_due);
        assert_eq!(theirs[0].reason, None);
        // Giving a dose moves the next one on; withholding needs a reason.
        hcp.record_dose(id, DoseOutcome::Given, "", now(), now())
            .unwrap();
        assert_eq!(
            hcp.medications(det).unwrap()[0].next_due,
            Some(now() + chrono::Duration::hours(12))
        );
        let err = hcp
            .record_dose(id, DoseOutcome::Withheld, " ", now(), now())
            .unwrap_err();
        assert_eq!(err.to_string(), "a dose withheld needs a reason");
        assert!(
            sergeant
                .record_dose(id, DoseOutcome::Given, "", now(), now())
                .is_err()
        );
    }
}
