//! The healthcare practitioner's clinical record: scores, medication and its administration,
//! consent, fitness decisions, referrals and appointments.
//!
//! Who sees what is enforced here, in the queries: clinical notes, score details, medication
//! reasons and referral content are selected only for an HCP. Sergeants and detention officers
//! get medication names and due times, consent decisions, fitness outcomes with their
//! conditions, and that a referral exists — never the clinical text (DESIGN.md, security model).
//!
//! One module per aggregate: `scores` (scored assessments, the flags and emergencies they
//! raise), `medication` (medicines and their administration), `consent_fitness` (consent and
//! fitness decisions), `referrals` (referrals and appointments after release). Their items
//! are re-exported here, so `store::clinical::X` names each of them.

mod consent_fitness;
mod medication;
mod referrals;
mod scores;
mod self_administration;

use super::{Store, StoreError};

pub use crate::domain::record::view::{
    AppointmentView, ConsentView, DoseView, FitnessView, KnownAppointment, MedicationView,
    ReferralContent, ReferralView, ScoreEntry,
};

pub(crate) use consent_fitness::{consents_for, fitness_for};
pub use medication::{DoseOutcome, NewMedication, insert_administration};
pub(crate) use medication::{doses_for, insert_medication, medications_for, next_doses_in_custody};
pub use referrals::{NewAppointment, NewReferral};
pub(crate) use referrals::{appointments_for, known_appointments_for, referrals_for};
pub use scores::ScoreKind;
pub(crate) use scores::{
    NewScore, all_scores_for, news2_inputs, next_observations_in_custody, record_score_in,
    scores_for,
};
pub use self_administration::SupervisedOutcome;
pub(crate) use self_administration::{insert_allowance, insert_supervised_dose};

pub(crate) fn one_of(value: &str, allowed: &[&str], what: &str) -> Result<(), StoreError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{what} must be one of {}; `{value}` is not",
            allowed.join(", ")
        )))
    }
}

impl Store {
    pub(crate) fn require_hcp(&self, what: &str) -> Result<(), StoreError> {
        let role = self.identity().role;
        if role.sees_clinical_detail() {
            Ok(())
        } else {
            Err(StoreError::NotPermitted {
                role: role.to_string(),
                what: what.to_string(),
            })
        }
    }

    fn clinical(&self) -> bool {
        self.identity().role.sees_clinical_detail()
    }
}

/// What every aggregate's tests start from.
#[cfg(test)]
mod test_support {
    use super::*;
    use crate::domain::role::Role;
    use crate::domain::scores::news2;
    use crate::store::custody::{NewDetention, NewPerson, insert_detention, insert_person};
    use chrono::TimeZone;
    use chrono::{DateTime, Utc};

    pub(super) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
    }

    /// A suite with one detainee, an HCP session and a sergeant session.
    pub(super) fn suite() -> (tempfile::TempDir, Store, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let (mut admin, _) = Store::init(&db, "Test", "admin", "admin-password", now()).unwrap();
        admin
            .add_user_with("nurse", "Nurse", Role::Hcp, "nurse-password", false, now())
            .unwrap();
        admin
            .add_user_with(
                "sarge",
                "Sgt",
                Role::Sergeant,
                "sarge-password",
                false,
                now(),
            )
            .unwrap();
        let detention = admin
            .write_raw(|tx| {
                let p = insert_person(
                    tx,
                    &NewPerson {
                        surname: "Test".into(),
                        forenames: "Person".into(),
                        ..Default::default()
                    },
                    now(),
                )?;
                insert_detention(
                    tx,
                    &NewDetention {
                        person_id: p,
                        custody_no: "T-1".into(),
                        arrived_at: now(),
                        ..Default::default()
                    },
                )
            })
            .unwrap();
        let hcp = Store::unlock(&db, "nurse", "nurse-password", now())
            .unwrap()
            .store;
        let sergeant = Store::unlock(&db, "sarge", "sarge-password", now())
            .unwrap()
            .store;
        (dir, hcp, sergeant, detention)
    }

    pub(super) fn obs() -> news2::Observations {
        news2::Observations {
            respiration_rate: 22,
            spo2: 95,
            scale: news2::SpO2Scale::Scale1,
            on_oxygen: false,
            systolic_bp: 118,
            pulse: 104,
            consciousness: news2::Consciousness::Alert,
            temperature_tenths: 379,
        }
    }
}
