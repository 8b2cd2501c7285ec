//! Supervised self-administration (PACE Code C 9.10): an HCP marks which of a person's own
//! medicines custody staff may supervise them taking; a sergeant or detention officer then
//! records each dose taken (or declined) with themselves as the supervisor. The dose joins the
//! administration record and moves the next dose due, like one an HCP gave.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::authority::Duty;
use crate::store::audit::{self, AuditAction};
use crate::store::{Store, StoreError, timestamp};

/// What happened when the person was due to take their own medicine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupervisedOutcome {
    /// Taken, watched.
    Taken,
    /// The person declined (a reason is required).
    Declined,
}

/// Keeps an HCP's decision to allow (or stop allowing) supervised self-administration.
pub(crate) fn insert_allowance(
    tx: &Connection,
    medication_id: i64,
    allowed: bool,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO self_administration (medication_id, allowed, decided_by, decided_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![medication_id, allowed, by, timestamp(at)],
    )?;
    Ok(())
}

/// Keeps a dose the person took (`given`) or declined with `by` supervising.
pub(crate) fn insert_supervised_dose(
    tx: &Connection,
    medication_id: i64,
    outcome: SupervisedOutcome,
    reason: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let outcome = match outcome {
        SupervisedOutcome::Taken => "given",
        SupervisedOutcome::Declined => "declined",
    };
    tx.execute(
        "INSERT INTO medication_administration (medication_id, at, outcome, reason, by_staff, supervised)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
        params![medication_id, timestamp(at), outcome, reason, by],
    )?;
    Ok(())
}

/// The medicine, still current and in custody, and whether self-administration is allowed.
fn allowed_now(tx: &Connection, medication_id: i64) -> Result<(i64, String, bool), StoreError> {
    let row: Option<(i64, String, bool, bool)> = tx
        .query_row(
            "SELECT m.detention_id, m.name,
                    m.stopped_at IS NULL AND d.closed_at IS NULL,
                    coalesce((SELECT s.allowed FROM self_administration s
                              WHERE s.medication_id = m.id ORDER BY s.id DESC LIMIT 1), 0)
             FROM medication m JOIN detention d ON d.id = m.detention_id WHERE m.id = ?1",
            [medication_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match row {
        None => Err(StoreError::Invalid("there is no such medicine".into())),
        Some((_, name, false, _)) => Err(StoreError::Invalid(format!(
            "{name} is stopped or the person has left custody"
        ))),
        Some((detention_id, name, true, allowed)) => Ok((detention_id, name, allowed)),
    }
}

impl Store {
    /// Allows (or no longer allows) custody staff to supervise the person taking this
    /// medicine themselves. HCP only.
    pub fn set_self_administration(
        &mut self,
        medication_id: i64,
        allowed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::Medication)?;
        let by = self.identity().username.clone();
        self.write(Duty::Medication, now, |tx| {
            let (detention_id, _, _) = allowed_now(tx, medication_id)?;
            insert_allowance(tx, medication_id, allowed, &by, now)?;
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "medication {medication_id}: supervised self-administration {}",
                    if allowed { "allowed" } else { "withdrawn" }
                ),
            )?;
            Ok(())
        })
    }

    /// Records a dose the person took themselves (or declined) with the logged-in custody
    /// officer supervising: only for a medicine an HCP has allowed, and not in the future.
    pub fn record_supervised_dose(
        &mut self,
        medication_id: i64,
        outcome: SupervisedOutcome,
        reason: &str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::SupervisedDose)?;
        if at > now {
            return Err(StoreError::Invalid(
                "a dose cannot be recorded in the future".into(),
            ));
        }
        let reason = reason.trim();
        if outcome == SupervisedOutcome::Declined && reason.is_empty() {
            return Err(StoreError::Invalid(
                "a dose declined needs a reason (what the person said)".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(Duty::SupervisedDose, now, |tx| {
            let (detention_id, name, allowed) = allowed_now(tx, medication_id)?;
            if !allowed {
                return Err(StoreError::Invalid(format!(
                    "no HCP has allowed supervised self-administration of {name}: ask the HCP to give it or allow it"
                )));
            }
            insert_supervised_dose(tx, medication_id, outcome, reason, &by, at)?;
            let outcome_name = match outcome {
                SupervisedOutcome::Taken => "given",
                SupervisedOutcome::Declined => "declined",
            };
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!("medication {medication_id}: supervised self-administration, {outcome_name}"),
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::clinical::NewMedication;
    use crate::store::clinical::test_support::{now, suite};

    #[test]
    fn custody_staff_supervise_only_what_the_hcp_allowed_and_the_dose_moves_the_schedule() {
        let (_dir, mut hcp, mut sergeant, d) = suite();
        let id = hcp
            .add_medication(
                d,
                &NewMedication {
                    name: "Salbutamol inhaler".into(),
                    dose: "2 puffs".into(),
                    route: "inhaled".into(),
                    frequency: "every 4 hours".into(),
                    verified_with: "gp".into(),
                    origin: "brought".into(),
                    ..Default::default()
                },
                now(),
            )
            .unwrap();
        let later = now() + chrono::Duration::hours(4);
        let refused = sergeant
            .record_supervised_dose(id, SupervisedOutcome::Taken, "", later, later)
            .unwrap_err();
        assert!(
            refused.to_string().contains("no HCP has allowed"),
            "{refused}"
        );
        // Only an HCP allows it.
        assert!(matches!(
            sergeant.set_self_administration(id, true, now()),
            Err(StoreError::Refused(_))
        ));
        hcp.set_self_administration(id, true, now()).unwrap();
        assert!(hcp.medications(d).unwrap()[0].self_administration);
        // The HCP records a dose given; the supervised dose is the custody staff's.
        assert!(matches!(
            hcp.record_supervised_dose(id, SupervisedOutcome::Taken, "", later, later),
            Err(StoreError::Refused(_))
        ));
        sergeant
            .record_supervised_dose(id, SupervisedOutcome::Taken, "", later, later)
            .unwrap();
        let meds = sergeant.medications(d).unwrap();
        assert_eq!(meds[0].last_dose_at, Some(later));
        assert_eq!(meds[0].next_due, Some(later + chrono::Duration::hours(4)));
        let record = sergeant.open_record(d, None, later).unwrap().unwrap();
        let dose = &record.doses[0];
        assert!(dose.supervised);
        assert_eq!(dose.by, "sarge");
        // Declining needs the person's reason.
        assert!(
            sergeant
                .record_supervised_dose(id, SupervisedOutcome::Declined, " ", later, later)
                .is_err()
        );
    }
}
