//! Consent and fitness decisions: consent per scope (declining and "lacks capacity, ask
//! again later" are answers in their own right), and fitness to detain, to interview or to
//! transfer or release.
//!
//! Every role sees the decisions and a fitness decision's conditions; capacity notes and
//! the reasons for a fitness decision are HCP only.

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::one_of;
use crate::domain::record::view::{ConsentView, FitnessView};
use crate::store::audit::{self, AuditAction};
use crate::store::{Store, StoreError, collect_rows, parse_timestamp, timestamp};

impl Store {
    /// Records a consent decision (HCP only); "declines" and "lacks capacity, ask again later"
    /// are answers in their own right.
    pub fn record_consent(
        &mut self,
        detention_id: i64,
        scope: &str,
        decision: &str,
        capacity_notes: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::Consent)?;
        one_of(
            scope,
            &[
                "custody_staff",
                "receiving_establishment",
                "community_treatment",
                "liaison_diversion",
            ],
            "consent scope",
        )?;
        one_of(
            decision,
            &["consents", "declines", "lacks_capacity_ask_later"],
            "consent decision",
        )?;
        let by = self.identity().username.clone();
        self.write(Duty::Consent, now, |tx| {
            tx.execute(
                "INSERT INTO consent (detention_id, scope, decision, capacity_notes, asked_by, asked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![detention_id, scope, decision, capacity_notes, by, timestamp(now)],
            )?;
            audit::append(tx, now, &by, AuditAction::RecordWrite, &detention_id.to_string(), &format!("consent {scope}"))?;
            Ok(())
        })
    }

    /// The latest decision per scope; capacity notes for HCPs only.
    pub fn consents(&self, detention_id: i64) -> Result<Vec<ConsentView>, StoreError> {
        consents_for(self.conn(), detention_id, self.clinical())
    }

    /// Records a fitness decision (HCP only): to detain, to interview (with conditions such as
    /// "needs appropriate adult"), or to transfer/release.
    pub fn record_fitness(
        &mut self,
        detention_id: i64,
        kind: &str,
        fit: bool,
        conditions: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.permit(Duty::Fitness)?;
        one_of(
            kind,
            &["detain", "interview", "transfer_release"],
            "fitness decision",
        )?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "a fitness decision needs its reason".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(Duty::Fitness, now, |tx| {
            tx.execute(
                "INSERT INTO fitness_decision (detention_id, kind, fit, conditions, reason, decided_by, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![detention_id, kind, fit, conditions, reason.trim(), by, timestamp(now)],
            )?;
            audit::append(tx, now, &by, AuditAction::RecordWrite, &detention_id.to_string(), &format!("fitness {kind}"))?;
            // "Not fit to detain" is also a direction a sergeant must acknowledge, written in
            // the same transaction so the decision cannot be recorded without it (IOPC 2026:
            // the person was held 24 more hours after the HCP wrote it down).
            if kind == "detain" && !fit {
                let draft = crate::domain::hcp::DirectionDraft {
                    kind: crate::domain::hcp::DirectionKind::NotFitHospital,
                    words: conditions.trim().to_string(),
                };
                crate::store::hcp::insert_direction(tx, detention_id, &draft, &by, now)?;
            }
            Ok(())
        })
    }

    /// The latest decision of each kind.
    pub fn fitness(&self, detention_id: i64) -> Result<Vec<FitnessView>, StoreError> {
        fitness_for(self.conn(), detention_id, self.clinical())
    }
}

pub(crate) fn consents_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<ConsentView>, StoreError> {
    // The latest decision per scope; capacity notes are not even selected for other roles.
    let notes = if clinical { "capacity_notes" } else { "NULL" };
    let sql = format!(
        "SELECT scope, decision, {notes}, asked_by, asked_at FROM consent c
         WHERE detention_id = ?1 AND id = (SELECT max(id) FROM consent WHERE detention_id = c.detention_id AND scope = c.scope)
         ORDER BY scope"
    );
    collect_rows(conn, &sql, [detention_id], |r| {
        Ok(ConsentView {
            scope: r.get(0)?,
            decision: r.get(1)?,
            capacity_notes: r.get(2)?,
            asked_by: r.get(3)?,
            asked_at: parse_timestamp(&r.get::<_, String>(4)?)?,
        })
    })
}

pub(crate) fn fitness_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<FitnessView>, StoreError> {
    let reason = if clinical { "reason" } else { "NULL" };
    let sql = format!(
        "SELECT kind, fit, conditions, {reason}, decided_by, decided_at FROM fitness_decision f
         WHERE detention_id = ?1 AND id = (SELECT max(id) FROM fitness_decision WHERE detention_id = f.detention_id AND kind = f.kind)
         ORDER BY kind"
    );
    collect_rows(conn, &sql, [detention_id], |r| {
        Ok(FitnessView {
            kind: r.get(0)?,
            fit: r.get(1)?,
            conditions: r.get(2)?,
            reason: r.get(3)?,
            decided_by: r.get(4)?,
            decided_at: parse_timestamp(&r.get::<_, String>(5)?)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::store::clinical::test_support::{now, suite};

    #[test]
    fn consent_and_fitness_show_outcomes_to_all_and_notes_to_hcps() {
        let (_d, mut hcp, sergeant, det) = suite();
        hcp.record_consent(
            det,
            "receiving_establishment",
            "lacks_capacity_ask_later",
            "too intoxicated to weigh up",
            now(),
        )
        .unwrap();
        hcp.record_consent(
            det,
            "receiving_establishment",
            "consents",
            "capacity regained",
            now(),
        )
        .unwrap();
        hcp.record_fitness(
            det,
            "interview",
            true,
            "needs appropriate adult; after 14:00",
            "settled, orientated",
            now(),
        )
        .unwrap();
        let mine = hcp.consents(det).unwrap();
        assert_eq!(mine.len(), 1, "latest decision per scope");
        assert_eq!(mine[0].decision, "consents");
        assert_eq!(mine[0].capacity_notes.as_deref(), Some("capacity regained"));
        let theirs = sergeant.consents(det).unwrap();
        assert_eq!(theirs[0].decision, "consents");
        assert_eq!(theirs[0].capacity_notes, None);
        let f = sergeant.fitness(det).unwrap();
        assert!(f[0].fit);
        assert_eq!(f[0].conditions, "needs appropriate adult; after 14:00");
        assert_eq!(f[0].reason, None);
        assert_eq!(
            hcp.fitness(det).unwrap()[0].reason.as_deref(),
            Some("settled, orientated")
        );
        assert!(
            hcp.record_consent(det, "everyone", "consents", "", now())
                .is_err()
        );
    }
}
