//! The healthcare practitioner's clinical record: scores, medication and its administration,
//! consent, fitness decisions, referrals and appointments.
//!
//! Who sees what is enforced here, in the queries: clinical notes, score details, medication
//! reasons and referral content are selected only for an HCP. Sergeants and detention officers
//! get medication names and due times, consent decisions, fitness outcomes with their
//! conditions, and that a referral exists — never the clinical text (DESIGN.md, security model).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::audit::{self, AuditAction};
use super::custody::{NewFlag, RuleOrigin, insert_rule_flag};
use super::{Store, StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::contact::{Postcode, UkPhone};
use crate::domain::flag::Severity;
use crate::domain::medication::{self, Frequency};
use crate::domain::observation::to_london;
use crate::domain::rules::{self, FactSet, Raised};
use crate::domain::scores::{audit_c, ciwa, cows, facts, gcs, news2};

pub use crate::domain::record::view::{
    AppointmentView, ConsentView, DoseView, FitnessView, KnownAppointment, MedicationView,
    ReferralContent, ReferralView, ScoreEntry,
};

/// Which score an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    News2,
    Gcs,
    CiwaAr,
    Cows,
    AuditC,
}

impl ScoreKind {
    /// Every score, in the order screens show them.
    pub const ALL: [ScoreKind; 5] = [
        ScoreKind::News2,
        ScoreKind::Gcs,
        ScoreKind::CiwaAr,
        ScoreKind::Cows,
        ScoreKind::AuditC,
    ];

    /// The published name, for screens.
    pub fn label(self) -> &'static str {
        match self {
            ScoreKind::News2 => "NEWS2",
            ScoreKind::Gcs => "GCS",
            ScoreKind::CiwaAr => "CIWA-Ar",
            ScoreKind::Cows => "COWS",
            ScoreKind::AuditC => "AUDIT-C",
        }
    }

    /// The published name of a stored kind (the stored text when unknown).
    pub fn label_of(kind: &str) -> &str {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .map_or(kind, |k| k.label())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ScoreKind::News2 => "news2",
            ScoreKind::Gcs => "gcs",
            ScoreKind::CiwaAr => "ciwa_ar",
            ScoreKind::Cows => "cows",
            ScoreKind::AuditC => "audit_c",
        }
    }
}

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

/// A referral to Liaison and Diversion or community drug/alcohol treatment.
#[derive(Debug, Clone, Default)]
pub struct NewReferral {
    /// `liaison_diversion` or `drug_alcohol`.
    pub kind: String,
    pub substance: String,
    pub route: String,
    pub treatment_history: String,
    pub reason: String,
    pub phone: Option<String>,
    pub address: String,
    pub postcode: Option<String>,
    pub no_fixed_abode: bool,
    /// For no fixed abode: where they can be reached.
    pub reachable_at: String,
}

fn one_of(value: &str, allowed: &[&str], what: &str) -> Result<(), StoreError> {
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
    fn require_hcp(&self, what: &str) -> Result<(), StoreError> {
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

    /// Records a scored assessment (HCP only) with its audit row. Only its total and band are
    /// presented to the score rules (`{kind}.total`, `{kind}.band`); the typed recorders below
    /// present every result.
    pub fn record_score(
        &mut self,
        detention_id: i64,
        kind: ScoreKind,
        inputs: &serde_json::Value,
        total: Option<i64>,
        band: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let facts = facts::generic(kind.as_str(), total, band);
        self.record_scored(detention_id, kind, inputs, total, band, &facts, now)
    }

    /// Checks the role, then stores the score and raises its rules' flags in one transaction.
    #[allow(clippy::too_many_arguments)]
    fn record_scored(
        &mut self,
        detention_id: i64,
        kind: ScoreKind,
        inputs: &serde_json::Value,
        total: Option<i64>,
        band: &str,
        facts: &FactSet,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.require_hcp("record clinical scores")?;
        let by = self.identity().username.clone();
        self.write(now, |tx| {
            let score = NewScore {
                detention_id,
                kind,
                inputs,
                total,
                band,
                facts,
            };
            record_score_in(tx, &score, &by, now).map(|(id, _)| id)
        })
    }

    /// Scores NEWS2 and records it. Impossible values are refused naming the range; unusual
    /// ones must be confirmed (`confirmed_unusual`) or are refused saying what to confirm.
    /// A total of 5 or more, or a 3 in one parameter, raises a NEWS flag (`scores.toml`).
    pub fn record_news2(
        &mut self,
        detention_id: i64,
        o: &news2::Observations,
        confirmed_unusual: bool,
        now: DateTime<Utc>,
    ) -> Result<news2::News2, StoreError> {
        self.require_hcp("record clinical scores")?;
        let unusual = news2::validate(o).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if !unusual.is_empty() && !confirmed_unusual {
            let why: Vec<String> = unusual
                .into_iter()
                .map(|u| match u {
                    news2::Plausibility::Unusual(why) => why,
                    news2::Plausibility::Ordinary => String::new(),
                })
                .collect();
            return Err(StoreError::Invalid(format!(
                "unusual values ({}): confirm them to record",
                why.join("; ")
            )));
        }
        let result = news2::score(o);
        self.record_scored(
            detention_id,
            ScoreKind::News2,
            &news2_inputs(o),
            Some(i64::from(result.total)),
            facts::news2_band(result.response),
            &facts::news2(o, &result),
            now,
        )?;
        Ok(result)
    }

    /// Records a Glasgow Coma Scale with its three parts ("not testable" allowed for a part;
    /// then there is no total). The band column holds the notation, e.g. `E3 V4 M6`.
    pub fn record_gcs(
        &mut self,
        detention_id: i64,
        g: &gcs::Gcs,
        now: DateTime<Utc>,
    ) -> Result<gcs::Gcs, StoreError> {
        let part = |p: gcs::Part| match p {
            gcs::Part::Score(s) => serde_json::json!(s),
            gcs::Part::NotTestable => serde_json::Value::Null,
        };
        let inputs = serde_json::json!({
            "eyes": part(g.eyes), "verbal": part(g.verbal), "motor": part(g.motor),
        });
        let notation = g.notation();
        let parts = notation.split(" = ").next().unwrap_or(&notation);
        self.record_scored(
            detention_id,
            ScoreKind::Gcs,
            &inputs,
            g.total().map(i64::from),
            parts,
            &facts::gcs(g),
            now,
        )?;
        Ok(*g)
    }

    /// Records a CIWA-Ar banded by the chosen cited band set, which is stored with it.
    /// Moderate or worse raises a WD flag (`scores.toml`).
    pub fn record_ciwa(
        &mut self,
        detention_id: i64,
        c: &ciwa::Ciwa,
        bands: &ciwa::BandSet,
        now: DateTime<Utc>,
    ) -> Result<ciwa::CiwaResult, StoreError> {
        let result = ciwa::score(c, bands);
        let inputs = serde_json::json!({
            "items": c.items,
            "complicating_features": c.complicating_features,
            "band_set": bands.name,
            "band_source": bands.source,
        });
        self.record_scored(
            detention_id,
            ScoreKind::CiwaAr,
            &inputs,
            Some(i64::from(result.total)),
            facts::ciwa_band(result.severity),
            &facts::ciwa(c, &result),
            now,
        )?;
        Ok(result)
    }

    /// Records a COWS. Moderate or worse raises a WD flag (`scores.toml`).
    pub fn record_cows(
        &mut self,
        detention_id: i64,
        c: &cows::Cows,
        now: DateTime<Utc>,
    ) -> Result<(u8, cows::Band), StoreError> {
        let inputs = serde_json::json!({ "items": c.items });
        self.record_scored(
            detention_id,
            ScoreKind::Cows,
            &inputs,
            Some(i64::from(c.total())),
            facts::cows_band(c.band()),
            &facts::cows(c),
            now,
        )?;
        Ok((c.total(), c.band()))
    }

    /// Records an AUDIT-C (band `positive` at 5 or more).
    pub fn record_audit_c(
        &mut self,
        detention_id: i64,
        a: &audit_c::AuditC,
        now: DateTime<Utc>,
    ) -> Result<audit_c::AuditCResult, StoreError> {
        let result = a.score();
        let inputs = serde_json::json!({
            "frequency": a.frequency,
            "typical_units": a.typical_units,
            "heavy_episodes": a.heavy_episodes,
        });
        self.record_scored(
            detention_id,
            ScoreKind::AuditC,
            &inputs,
            Some(i64::from(result.total)),
            facts::audit_c_band(&result),
            &facts::audit_c(&result),
            now,
        )?;
        Ok(result)
    }

    /// Every score of one kind for a detention, oldest first (HCP only: scores' detail).
    pub fn scores(
        &self,
        detention_id: i64,
        kind: ScoreKind,
    ) -> Result<Vec<ScoreEntry>, StoreError> {
        self.require_hcp("read clinical scores")?;
        scores_for(self.conn(), detention_id, kind)
    }

    /// Records a medicine (HCP only). The frequency must be understood, so a next dose can be
    /// computed; time-critical medicines are marked from their name.
    pub fn add_medication(
        &mut self,
        detention_id: i64,
        m: &NewMedication,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.require_hcp("record medication")?;
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
        self.write(now, |tx| {
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
        self.require_hcp("record medication given")?;
        if outcome != DoseOutcome::Given && reason.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "a dose {} needs a reason",
                outcome.as_str().replace('_', " ")
            )));
        }
        let by = self.identity().username.clone();
        self.write(now, |tx| {
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

    /// Marks a score entered in error (HCP only), with the reason: it leaves the trends and
    /// the rules, and every still-active flag it raised is marked entered in error with it.
    /// Returns the codes of those flags. Nothing is deleted.
    pub fn mark_score_in_error(
        &mut self,
        score_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.require_hcp("correct clinical scores")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "marking a score entered in error needs a reason".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(now, |tx| {
            let changed = tx.execute(
                "UPDATE clinical_score SET entered_in_error_at = ?2, entered_in_error_by = ?3,
                                           entered_in_error_reason = ?4
                 WHERE id = ?1 AND entered_in_error_at IS NULL
                   AND detention_id IN (SELECT id FROM detention WHERE closed_at IS NULL)",
                params![score_id, timestamp(now), by, reason],
            )?;
            if changed == 0 {
                return Err(StoreError::Invalid(
                    "that score is already marked entered in error, or the detention is closed"
                        .into(),
                ));
            }
            let (detention_id, kind): (i64, String) = tx.query_row(
                "SELECT detention_id, kind FROM clinical_score WHERE id = ?1",
                [score_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let codes = collect_rows(
                tx,
                "UPDATE flag SET entered_in_error_at = ?2, entered_in_error_by = ?3,
                                 entered_in_error_reason = ?4
                 WHERE raised_by_score = ?1 AND entered_in_error_at IS NULL
                 RETURNING code",
                params![
                    score_id,
                    timestamp(now),
                    by,
                    format!("raised by a score entered in error: {reason}")
                ],
                |r| Ok(r.get::<_, String>(0)?),
            )?;
            // The flags just withdrawn may also be what a remaining score calls for (a later
            // score of the same code is not raised while one is active): the latest remaining
            // score of this kind is evaluated again, on its total and band.
            let latest: Option<(i64, Option<i64>, String, String)> = tx
                .query_row(
                    "SELECT id, total, band, recorded_at FROM clinical_score
                     WHERE detention_id = ?1 AND kind = ?2 AND entered_in_error_at IS NULL
                     ORDER BY recorded_at DESC, id DESC LIMIT 1",
                    params![detention_id, kind],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            if let Some((latest_id, total, band, taken)) = latest {
                let facts = facts::generic(&kind, total, &band);
                let taken = parse_timestamp(&taken)?;
                raise_score_flags(tx, detention_id, latest_id, &facts, &by, now, taken)?;
            }
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                &format!(
                    "{kind} score {score_id} marked entered in error{}",
                    if codes.is_empty() {
                        String::new()
                    } else {
                        format!(", with its flags {}", codes.join(", "))
                    }
                ),
            )?;
            Ok(codes)
        })
    }

    /// Stops a medicine (HCP only): prescribed in error, stopped by the doctor, or not the
    /// person's. The row stays, marked with who, when and why; it no longer falls due.
    pub fn stop_medication(
        &mut self,
        medication_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.require_hcp("stop medication")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "stopping a medicine needs a reason".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(now, |tx| {
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
        self.require_hcp("record consent")?;
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
        self.write(now, |tx| {
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
        self.require_hcp("record fitness decisions")?;
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
        self.write(now, |tx| {
            tx.execute(
                "INSERT INTO fitness_decision (detention_id, kind, fit, conditions, reason, decided_by, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![detention_id, kind, fit, conditions, reason.trim(), by, timestamp(now)],
            )?;
            audit::append(tx, now, &by, AuditAction::RecordWrite, &detention_id.to_string(), &format!("fitness {kind}"))?;
            Ok(())
        })
    }

    /// The latest decision of each kind.
    pub fn fitness(&self, detention_id: i64) -> Result<Vec<FitnessView>, StoreError> {
        fitness_for(self.conn(), detention_id, self.clinical())
    }

    /// Makes a referral (HCP only) with contact details that will reach the person: a valid UK
    /// phone number or postcode, or no fixed abode with where they can be reached.
    pub fn add_referral(
        &mut self,
        detention_id: i64,
        r: &NewReferral,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.require_hcp("make referrals")?;
        one_of(
            &r.kind,
            &["liaison_diversion", "drug_alcohol"],
            "referral kind",
        )?;
        if r.reason.trim().is_empty() {
            return Err(StoreError::Invalid("a referral needs its reason".into()));
        }
        let phone = r
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(UkPhone::parse)
            .transpose()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let postcode = r
            .postcode
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(Postcode::parse)
            .transpose()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if r.no_fixed_abode {
            if r.reachable_at.trim().is_empty() && phone.is_none() {
                return Err(StoreError::Invalid(
                    "no fixed abode: say where they can be reached, or give a phone number".into(),
                ));
            }
        } else if r.address.trim().is_empty() || postcode.is_none() {
            return Err(StoreError::Invalid(
                "give an address with its postcode, or mark no fixed abode and say where they can be reached".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(now, |tx| {
            tx.execute(
                "INSERT INTO referral (detention_id, kind, substance, route, treatment_history, reason, phone,
                                       address, postcode, no_fixed_abode, reachable_at, made_by, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    detention_id,
                    r.kind,
                    r.substance,
                    r.route,
                    r.treatment_history,
                    r.reason.trim(),
                    phone.as_ref().map(UkPhone::as_str),
                    r.address,
                    postcode.as_ref().map(Postcode::as_str),
                    r.no_fixed_abode,
                    r.reachable_at,
                    by,
                    timestamp(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(tx, now, &by, AuditAction::RecordWrite, &detention_id.to_string(), &format!("referral {}", r.kind))?;
            Ok(id)
        })
    }

    /// Referrals: that one was made, by whom and when, for everyone; the content for HCPs.
    pub fn referrals(&self, detention_id: i64) -> Result<Vec<ReferralView>, StoreError> {
        referrals_for(self.conn(), detention_id, self.clinical())
    }
}

pub(crate) fn scores_for(
    conn: &Connection,
    detention_id: i64,
    kind: ScoreKind,
) -> Result<Vec<ScoreEntry>, StoreError> {
    collect_rows(
        conn,
        "SELECT id, kind, inputs, total, band, recorded_by, recorded_at FROM clinical_score
         WHERE detention_id = ?1 AND kind = ?2 AND entered_in_error_at IS NULL
         ORDER BY recorded_at, id",
        params![detention_id, kind.as_str()],
        score_row,
    )
}

/// Every score of every kind for a detention, oldest first. Call only for a role that may see
/// clinical detail (or after an audited break-glass): the caller decides, as for `scores_for`.
pub(crate) fn all_scores_for(
    conn: &Connection,
    detention_id: i64,
) -> Result<Vec<ScoreEntry>, StoreError> {
    collect_rows(
        conn,
        "SELECT id, kind, inputs, total, band, recorded_by, recorded_at FROM clinical_score
         WHERE detention_id = ?1 AND entered_in_error_at IS NULL
         ORDER BY recorded_at, id",
        params![detention_id],
        score_row,
    )
}

fn score_row(r: &rusqlite::Row<'_>) -> Result<ScoreEntry, StoreError> {
    let inputs: String = r.get(2)?;
    Ok(ScoreEntry {
        id: r.get(0)?,
        kind: r.get(1)?,
        inputs: serde_json::from_str(&inputs)
            .map_err(|e| StoreError::Internal(format!("stored score inputs: {e}")))?,
        total: r.get(3)?,
        band: r.get(4)?,
        recorded_by: r.get(5)?,
        recorded_at: parse_timestamp(&r.get::<_, String>(6)?)?,
    })
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

pub(crate) fn referrals_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<ReferralView>, StoreError> {
    let sql = if clinical {
        "SELECT kind, made_by, made_at, substance, route, treatment_history, reason, phone, address,
                postcode, no_fixed_abode, reachable_at
         FROM referral WHERE detention_id = ?1 ORDER BY id"
    } else {
        "SELECT kind, made_by, made_at FROM referral WHERE detention_id = ?1 ORDER BY id"
    };
    collect_rows(conn, sql, [detention_id], |r| {
        let content = if clinical {
            Some(ReferralContent {
                substance: r.get(3)?,
                route: r.get(4)?,
                treatment_history: r.get(5)?,
                reason: r.get(6)?,
                phone: r.get(7)?,
                address: r.get(8)?,
                postcode: r.get(9)?,
                no_fixed_abode: r.get(10)?,
                reachable_at: r.get(11)?,
            })
        } else {
            None
        };
        Ok(ReferralView {
            kind: r.get(0)?,
            made_by: r.get(1)?,
            made_at: parse_timestamp(&r.get::<_, String>(2)?)?,
            content,
        })
    })
}

/// Writes a score row (the caller audits it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_score(
    conn: &Connection,
    detention_id: i64,
    kind: ScoreKind,
    inputs: &serde_json::Value,
    total: Option<i64>,
    band: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO clinical_score (detention_id, kind, inputs, total, band, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![detention_id, kind.as_str(), inputs.to_string(), total, band, by, timestamp(at)])?;
    Ok(conn.last_insert_rowid())
}

/// Writes a medication row, marking it time-critical from its name (the caller audits it).
/// The stored inputs of one set of NEWS2 observations.
pub(crate) fn news2_inputs(o: &news2::Observations) -> serde_json::Value {
    serde_json::json!({
        "respiration_rate": o.respiration_rate,
        "spo2": o.spo2,
        "scale": match o.scale { news2::SpO2Scale::Scale1 => 1, news2::SpO2Scale::Scale2 => 2 },
        "on_oxygen": o.on_oxygen,
        "systolic_bp": o.systolic_bp,
        "pulse": o.pulse,
        "consciousness": facts::consciousness_name(o.consciousness),
        "temperature_tenths": o.temperature_tenths,
    })
}

/// A score to store, with its results as the score rules see them.
pub(crate) struct NewScore<'a> {
    pub detention_id: i64,
    pub kind: ScoreKind,
    pub inputs: &'a serde_json::Value,
    pub total: Option<i64>,
    pub band: &'a str,
    pub facts: &'a FactSet,
}

/// Stores a score with its audit row and raises the flags the score rules raise over its
/// results, each with its own audit row, all in the caller's transaction. Returns the score's
/// id and the flags raised.
pub(crate) fn record_score_in(
    tx: &Connection,
    s: &NewScore<'_>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(i64, Vec<Raised>), StoreError> {
    let id = insert_score(
        tx,
        s.detention_id,
        s.kind,
        s.inputs,
        s.total,
        s.band,
        by,
        at,
    )?;
    audit::append(
        tx,
        at,
        by,
        AuditAction::RecordWrite,
        &s.detention_id.to_string(),
        s.kind.as_str(),
    )?;
    open_score_emergency(tx, s.detention_id, id, s.facts, by, at)?;
    let raised = raise_score_flags(tx, s.detention_id, id, s.facts, by, at, at)?;
    Ok((id, raised))
}

/// Opens the full-screen emergency when a rule marked `emergency` fires over a score just
/// recorded. It opens on every such score, not only when its flag is new: a NEWS2 of 7 after
/// a 5 (the alert already active) still calls for the emergency response.
fn open_score_emergency(
    tx: &Connection,
    detention_id: i64,
    score_id: i64,
    facts: &FactSet,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let score_rules = rules::score_rules().map_err(StoreError::Internal)?;
    let Some(rule) = score_rules
        .iter()
        .filter(|r| r.emergency)
        .find_map(|r| r.evaluate(facts))
    else {
        return Ok(());
    };
    let reason = rules::fill_reason(&rule.reason, facts, &to_london(at));
    tx.execute(
        "INSERT INTO escalation (detention_id, opened_at, opened_by, reason)
         VALUES (?1, ?2, ?3, ?4)",
        params![detention_id, timestamp(at), by, reason],
    )?;
    audit::append(
        tx,
        at,
        by,
        AuditAction::RecordWrite,
        &detention_id.to_string(),
        &format!("emergency opened by rule {} (score {score_id})", rule.rule),
    )?;
    Ok(())
}

/// Raises the flags the score rules raise over one score's results. A flag is not raised
/// again while one of its code at the same or a higher severity is active on the detention
/// (as booking does not raise a rule's flag twice). A later, normal score removes nothing:
/// flags come off only when a person marks them entered in error, with a reason.
/// `taken_at` is when the score was taken (the reason names it); `at` is now.
#[allow(clippy::too_many_arguments)]
fn raise_score_flags(
    tx: &Connection,
    detention_id: i64,
    score_id: i64,
    facts: &FactSet,
    by: &str,
    at: DateTime<Utc>,
    taken_at: DateTime<Utc>,
) -> Result<Vec<Raised>, StoreError> {
    let score_rules = rules::score_rules().map_err(StoreError::Internal)?;
    let raised = rules::most_serious_per_code(rules::evaluate(score_rules, facts));
    if raised.is_empty() {
        return Ok(raised);
    }
    let person_id: i64 = tx.query_row(
        "SELECT person_id FROM detention WHERE id = ?1",
        [detention_id],
        |r| r.get(0),
    )?;
    let mut out = Vec::new();
    for r in raised {
        let active: Vec<String> = collect_rows(
            tx,
            "SELECT severity FROM flag WHERE detention_id = ?1 AND code = ?2
             AND entered_in_error_at IS NULL",
            params![detention_id, r.code.code()],
            |row| Ok(row.get::<_, String>(0)?),
        )?;
        let covered = active
            .iter()
            .filter_map(|s| s.parse::<Severity>().ok())
            .any(|s| s >= r.severity);
        if covered {
            continue;
        }
        let reason = rules::fill_reason(&r.reason, facts, &to_london(taken_at));
        insert_rule_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code: r.code.code(),
                severity: r.severity.as_str(),
                reason: &reason,
                source: &r.source,
                raised_by: by,
                raised_at: at,
            },
            RuleOrigin {
                rule_id: Some(&r.rule),
                answer_id: None,
                score_id: Some(score_id),
            },
        )?;
        audit::append(
            tx,
            at,
            by,
            AuditAction::RecordWrite,
            &detention_id.to_string(),
            &format!(
                "flag {} raised by rule {} (score {score_id})",
                r.code, r.rule
            ),
        )?;
        out.push(Raised { reason, ..r });
    }
    Ok(out)
}

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
/// When each person in custody is next due NEWS2 observations, from their latest set not
/// entered in error (`news2::next_observations`).
pub(crate) fn next_observations_in_custody(
    conn: &Connection,
) -> Result<std::collections::HashMap<i64, news2::NextObservations>, StoreError> {
    let latest = collect_rows(
        conn,
        "SELECT s.detention_id, s.band, s.recorded_at FROM detention d
         CROSS JOIN clinical_score s ON s.detention_id = d.id
         WHERE d.closed_at IS NULL AND s.kind = 'news2' AND s.entered_in_error_at IS NULL
           AND s.id = (SELECT s2.id FROM clinical_score s2
                       WHERE s2.detention_id = s.detention_id AND s2.kind = 'news2'
                         AND s2.entered_in_error_at IS NULL
                       ORDER BY s2.recorded_at DESC, s2.id DESC LIMIT 1)",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                parse_timestamp(&r.get::<_, String>(2)?)?,
            ))
        },
    )?;
    Ok(latest
        .into_iter()
        .filter_map(|(detention, band, taken)| {
            news2::Response::from_band(&band)
                .map(|response| (detention, news2::next_observations(response, taken)))
        })
        .collect())
}

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

/// Medicines with their last dose (in custody, else as reported) and next dose due.
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
        "SELECT a.medication_id, a.at, a.outcome, {reason}, a.by_staff
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
        })
    })
}

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
                m.recorded_at
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
        })
    })
}

/// An appointment booked for after release (see [`crate::domain::appointment`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    /// Which service: "community drug and alcohol service", "Liaison and Diversion", a GP.
    pub service: String,
    pub at: DateTime<Utc>,
    /// Where the person must go.
    pub place: String,
}

impl Store {
    /// Books an appointment for after release (HCP only): a named service, a place, a time
    /// after now and within a year. Each problem is said as one sentence; several are joined.
    /// A handed-over detention refuses it (the 0004 freeze trigger) in one sentence too.
    pub fn book_appointment(
        &mut self,
        detention_id: i64,
        a: &NewAppointment,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.require_hcp("book appointments")?;
        let problems =
            crate::domain::appointment::validate_appointment(&a.service, &a.place, a.at, now);
        if !problems.is_empty() {
            let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(StoreError::Invalid(said.join("; ")));
        }
        let by = self.identity().username.clone();
        self.write(now, |tx| {
            tx.execute(
                "INSERT INTO appointment (detention_id, service, at, place, made_by, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    detention_id,
                    a.service.trim(),
                    timestamp(a.at),
                    a.place.trim(),
                    by,
                    timestamp(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            // The audit says an appointment was booked, not where: the audit export is not
            // role-gated.
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                "appointment",
            )?;
            Ok(id)
        })
    }

    /// Appointments, soonest first: when and by whom for everyone; service and place for HCPs.
    pub fn appointments(&self, detention_id: i64) -> Result<Vec<AppointmentView>, StoreError> {
        appointments_for(self.conn(), detention_id, self.clinical())
    }
}

/// Appointments for a detention, soonest first. `clinical` decides whether service and place
/// are selected at all: for other roles they never leave the database.
pub(crate) fn appointments_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<AppointmentView>, StoreError> {
    let sql = if clinical {
        "SELECT id, at, made_by, made_at, service, place FROM appointment
         WHERE detention_id = ?1 ORDER BY at, id"
    } else {
        "SELECT id, at, made_by, made_at, NULL, NULL FROM appointment
         WHERE detention_id = ?1 ORDER BY at, id"
    };
    collect_rows(conn, sql, [detention_id], |r| {
        Ok(AppointmentView {
            id: r.get(0)?,
            at: parse_timestamp(&r.get::<_, String>(1)?)?,
            made_by: r.get(2)?,
            made_at: parse_timestamp(&r.get::<_, String>(3)?)?,
            service: r.get(4)?,
            place: r.get(5)?,
        })
    })
}

/// Appointments after release imported for a person, oldest import first.
pub(crate) fn known_appointments_for(
    conn: &Connection,
    person_id: i64,
    clinical: bool,
) -> Result<Vec<KnownAppointment>, StoreError> {
    let text = if clinical { "n.text" } else { "NULL" };
    let sql = format!(
        "SELECT {text}, i.source_suite, i.signed_at FROM imported_note n
         JOIN handover_import i ON i.id = n.import_id
         WHERE n.person_id = ?1 AND n.kind = ?2 ORDER BY n.id"
    );
    collect_rows(
        conn,
        &sql,
        params![person_id, crate::domain::handover::APPOINTMENT_NOTE],
        |r| {
            Ok(KnownAppointment {
                text: r.get(0)?,
                source_suite: r.get(1)?,
                signed_at: parse_timestamp(&r.get::<_, String>(2)?)?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Role;
    use crate::store::custody::{NewDetention, NewPerson, insert_detention, insert_person};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
    }

    /// A suite with one detainee, an HCP session and a sergeant session.
    fn suite() -> (tempfile::TempDir, Store, Store, i64) {
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
            .write(now(), |tx| {
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

    fn obs() -> news2::Observations {
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

    #[test]
    fn a_score_entered_in_error_leaves_the_trend_and_takes_its_flags_with_it() {
        let (_dir, mut hcp, mut sergeant, d) = suite();
        let wrong = news2::Observations {
            pulse: 140,
            respiration_rate: 26,
            ..obs()
        };
        hcp.record_news2(d, &wrong, false, now()).unwrap();
        let id = hcp.scores(d, ScoreKind::News2).unwrap()[0].id;
        let active = |s: &Store| -> Vec<String> {
            crate::store::care::active_flags(s.conn(), d)
                .unwrap()
                .into_iter()
                .map(|(c, _)| c.code().to_string())
                .collect()
        };
        assert_eq!(active(&hcp), vec!["NEWS".to_string()]);
        assert!(matches!(
            sergeant.mark_score_in_error(id, "typo", now()),
            Err(StoreError::NotPermitted { .. })
        ));
        assert_eq!(
            hcp.mark_score_in_error(id, "", now())
                .unwrap_err()
                .to_string(),
            "marking a score entered in error needs a reason"
        );
        let codes = hcp
            .mark_score_in_error(id, "Pulse typed as 140, was 104", now())
            .unwrap();
        assert_eq!(codes, vec!["NEWS".to_string()]);
        assert!(hcp.scores(d, ScoreKind::News2).unwrap().is_empty());
        assert!(
            active(&hcp).is_empty(),
            "the NEWS alert went with the score"
        );
        assert!(hcp.mark_score_in_error(id, "again", now()).is_err());

        // Two high scores: the first raised the alert, the second was covered by it. Marking
        // the first in error must not leave the second without its flag.
        hcp.record_news2(d, &wrong, false, now()).unwrap();
        let later = now() + chrono::Duration::minutes(30);
        hcp.record_news2(d, &wrong, false, later).unwrap();
        let first = hcp.scores(d, ScoreKind::News2).unwrap()[0].id;
        hcp.mark_score_in_error(first, "recorded twice", later)
            .unwrap();
        assert_eq!(
            active(&hcp),
            vec!["NEWS".to_string()],
            "the real score keeps its flag"
        );
        let news = hcp
            .detention_flags(d)
            .unwrap()
            .into_iter()
            .find(|f| f.code == "NEWS" && f.entered_in_error.is_none())
            .unwrap();
        assert!(
            news.reason.contains(" at 14:30"),
            "the reason names when the remaining score was taken: {}",
            news.reason
        );
    }

    #[test]
    fn news2_of_7_opens_the_emergency_every_time_even_with_the_alert_already_active() {
        let (_dir, mut hcp, _sergeant, d) = suite();
        let open = |s: &Store| crate::store::care::open_escalations(s.conn()).unwrap();
        // 5: urgent, an alert but no emergency.
        let urgent = news2::Observations {
            pulse: 115,
            ..obs()
        };
        assert_eq!(hcp.record_news2(d, &urgent, false, now()).unwrap().total, 5);
        assert!(open(&hcp).is_empty(), "NEWS2 5 is urgent, not an emergency");
        // 8 with the alert already active: the emergency still opens.
        let worse = news2::Observations {
            respiration_rate: 26,
            temperature_tenths: 391,
            ..urgent
        };
        let r = hcp.record_news2(d, &worse, false, now()).unwrap();
        assert!(r.total >= 7, "{r:?}");
        let e = open(&hcp);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].detention_id, d);
        assert!(
            e[0].reason
                .starts_with(&format!("NEWS2 {} at 14:00: emergency response", r.total)),
            "{}",
            e[0].reason
        );
    }

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
            Err(StoreError::NotPermitted { .. })
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
    fn scores_are_hcp_only_in_both_directions() {
        let (_d, mut hcp, mut sergeant, det) = suite();
        let r = hcp.record_news2(det, &obs(), false, now()).unwrap();
        assert_eq!(r.total, 4);
        let stored = hcp.scores(det, ScoreKind::News2).unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].inputs["pulse"], 104);
        assert_eq!(stored[0].recorded_by, "nurse");
        let err = sergeant.scores(det, ScoreKind::News2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "your role (sergeant) may not read clinical scores"
        );
        assert!(sergeant.record_news2(det, &obs(), false, now()).is_err());
    }

    fn active_flags(store: &Store, det: i64) -> Vec<(String, String, String)> {
        store
            .detention_flags(det)
            .unwrap()
            .into_iter()
            .filter(|f| f.entered_in_error.is_none())
            .map(|f| (f.code, f.severity, f.reason))
            .collect()
    }

    /// NEWS2 5: RR 22 (2), pulse 115 (2), temperature 38.5 (1).
    fn news2_of_5() -> news2::Observations {
        news2::Observations {
            respiration_rate: 22,
            pulse: 115,
            temperature_tenths: 385,
            spo2: 97,
            systolic_bp: 125,
            ..obs()
        }
    }

    fn ciwa_moderate() -> ciwa::Ciwa {
        // 2+3+2+2+1+0+0+0+2+0 = 12: moderate on ASAM 2020 (10-18).
        ciwa::Ciwa::new([2, 3, 2, 2, 1, 0, 0, 0, 2, 0], false).unwrap()
    }

    #[test]
    fn news2_of_5_raises_a_news_alert_saying_total_time_and_response() {
        let (_d, mut hcp, _s, det) = suite();
        let r = hcp.record_news2(det, &news2_of_5(), false, now()).unwrap();
        assert_eq!(r.total, 5);
        assert_eq!(
            active_flags(&hcp, det),
            [(
                "NEWS".to_string(),
                "alert".to_string(),
                "NEWS2 5 at 14:00: urgent response, clinical review and at least hourly observations (RCP 2017).".to_string()
            )]
        );
        let flag = &hcp.detention_flags(det).unwrap()[0];
        assert_eq!(flag.rule_id.as_deref(), Some("news2_urgent"));
        assert_eq!(flag.raised_by, "nurse");
        // The flag's audit row is written with the score's.
        let audit: i64 = hcp
            .conn()
            .query_row(
                "SELECT count(*) FROM audit WHERE detail LIKE 'flag NEWS raised by rule news2_urgent%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audit, 1);
    }

    #[test]
    fn news2_of_2_raises_nothing() {
        let (_d, mut hcp, _s, det) = suite();
        let o = news2::Observations {
            respiration_rate: 22,
            spo2: 97,
            pulse: 80,
            temperature_tenths: 370,
            ..obs()
        };
        assert_eq!(hcp.record_news2(det, &o, false, now()).unwrap().total, 2);
        assert_eq!(active_flags(&hcp, det), []);
    }

    #[test]
    fn a_single_parameter_3_raises_a_warning_then_7_escalates_and_normal_removes_nothing() {
        let (_d, mut hcp, _s, det) = suite();
        let confused = news2::Observations {
            consciousness: news2::Consciousness::NewConfusion,
            respiration_rate: 16,
            pulse: 80,
            temperature_tenths: 370,
            spo2: 97,
            ..obs()
        };
        hcp.record_news2(det, &confused, false, now()).unwrap();
        let flags = active_flags(&hcp, det);
        assert_eq!(flags.len(), 1);
        assert_eq!(
            (flags[0].0.as_str(), flags[0].1.as_str()),
            ("NEWS", "warning")
        );
        assert!(
            flags[0].2.contains("a 3 in one parameter: urgent review"),
            "{}",
            flags[0].2
        );
        // The same again raises no second warning.
        hcp.record_news2(det, &confused, false, now() + chrono::Duration::minutes(30))
            .unwrap();
        assert_eq!(active_flags(&hcp, det).len(), 1);
        // 7 or more: an alert naming the emergency response, once.
        let worse = news2::Observations {
            respiration_rate: 26,
            ..news2_of_5()
        };
        let later = now() + chrono::Duration::minutes(60);
        assert_eq!(
            hcp.record_news2(det, &worse, false, later).unwrap().total,
            6
        );
        let worst = news2::Observations {
            consciousness: news2::Consciousness::Voice,
            ..worse
        };
        hcp.record_news2(det, &worst, false, later).unwrap();
        let flags = active_flags(&hcp, det);
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert!(
            flags
                .iter()
                .any(|f| f.1 == "alert" && f.2.starts_with("NEWS2 6 at 15:00: urgent response"))
        );
        // A normal score afterwards removes nothing.
        hcp.record_news2(det, &obs(), false, later + chrono::Duration::minutes(60))
            .unwrap();
        assert_eq!(active_flags(&hcp, det).len(), 2);
    }

    #[test]
    fn ciwa_moderate_raises_wd_and_suggests_level_2_rousing() {
        let (_d, mut hcp, _s, det) = suite();
        assert_eq!(
            hcp.suggested_plan(det).unwrap().level,
            crate::domain::observation::ObservationLevel::General
        );
        let r = hcp
            .record_ciwa(det, &ciwa_moderate(), &ciwa::ASAM_2020, now())
            .unwrap();
        assert_eq!((r.total, r.severity), (12, ciwa::Severity::Moderate));
        let flags = active_flags(&hcp, det);
        assert_eq!(flags.len(), 1);
        assert_eq!(
            (flags[0].0.as_str(), flags[0].1.as_str()),
            ("WD", "warning")
        );
        assert!(
            flags[0]
                .2
                .starts_with("CIWA-Ar 12 at 14:00: moderate alcohol withdrawal (ASAM"),
            "{}",
            flags[0].2
        );
        let s = hcp.suggested_plan(det).unwrap();
        assert_eq!(
            s.level,
            crate::domain::observation::ObservationLevel::Intermittent
        );
        assert_eq!(
            s.interval,
            crate::domain::observation::CheckInterval::Every30Minutes
        );
        assert!(s.rouse);
        let stored = hcp.scores(det, ScoreKind::CiwaAr).unwrap();
        assert_eq!(stored[0].band, "moderate");
        assert_eq!(stored[0].inputs["band_set"], "asam_2020");
    }

    #[test]
    fn cows_bands_raise_wd_warning_then_alert_and_gcs_audit_c_raise_nothing() {
        let (_d, mut hcp, _s, det) = suite();
        let mild = cows::Cows::new([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]).unwrap();
        assert_eq!(
            hcp.record_cows(det, &mild, now()).unwrap(),
            (10, cows::Band::Mild)
        );
        assert_eq!(active_flags(&hcp, det), []);
        let moderate = cows::Cows::new([2, 2, 3, 2, 2, 2, 1, 1, 1, 1, 0]).unwrap();
        hcp.record_cows(det, &moderate, now()).unwrap();
        let severe = cows::Cows::new([4, 4, 5, 5, 4, 4, 5, 4, 4, 4, 0]).unwrap();
        assert_eq!(
            hcp.record_cows(det, &severe, now()).unwrap().1,
            cows::Band::Severe
        );
        let flags = active_flags(&hcp, det);
        assert_eq!(
            flags.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(),
            ["alert", "warning"],
            "{flags:?}"
        );
        assert!(
            flags[1]
                .2
                .starts_with("COWS 17 at 14:00: moderate opiate withdrawal")
        );
        let g = gcs::Gcs::new(Some(3), None, Some(6)).unwrap();
        hcp.record_gcs(det, &g, now()).unwrap();
        let a = audit_c::AuditC::new(4, 4, 3).unwrap();
        assert!(hcp.record_audit_c(det, &a, now()).unwrap().positive);
        assert_eq!(active_flags(&hcp, det).len(), 2);
        let g = &hcp.scores(det, ScoreKind::Gcs).unwrap()[0];
        assert_eq!((g.total, g.band.as_str()), (None, "E3 VNT M6"));
        assert_eq!(
            hcp.scores(det, ScoreKind::AuditC).unwrap()[0].band,
            "positive"
        );
    }

    #[test]
    fn the_record_carries_every_score_for_an_hcp_and_none_for_a_sergeant() {
        let (_d, mut hcp, mut sergeant, det) = suite();
        hcp.record_news2(det, &obs(), false, now()).unwrap();
        hcp.record_ciwa(det, &ciwa_moderate(), &ciwa::ASAM_2020, now())
            .unwrap();
        hcp.record_gcs(
            det,
            &gcs::Gcs::new(Some(4), Some(5), Some(6)).unwrap(),
            now(),
        )
        .unwrap();
        let seen = hcp.open_record(det, None, now()).unwrap().unwrap();
        let kinds: Vec<&str> = seen.scores.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["news2", "ciwa_ar", "gcs"]);
        assert_eq!(seen.news2.len(), 1);
        let hidden = sergeant.open_record(det, None, now()).unwrap().unwrap();
        assert!(hidden.scores.is_empty() && hidden.news2.is_empty());
        // The flag the score raised is for everyone: it says what to do, not the score's detail.
        assert!(hidden.flags.iter().any(|f| f.code == "WD"));
    }

    #[test]
    fn a_sergeant_cannot_record_any_score() {
        let (_d, _h, mut sergeant, det) = suite();
        let refused = |r: Result<(), StoreError>| {
            assert!(matches!(r, Err(StoreError::NotPermitted { .. })), "{r:?}");
        };
        refused(
            sergeant
                .record_news2(det, &news2_of_5(), false, now())
                .map(|_| ()),
        );
        refused(
            sergeant
                .record_gcs(
                    det,
                    &gcs::Gcs::new(Some(4), Some(5), Some(6)).unwrap(),
                    now(),
                )
                .map(|_| ()),
        );
        refused(
            sergeant
                .record_ciwa(det, &ciwa_moderate(), &ciwa::ASAM_2020, now())
                .map(|_| ()),
        );
        refused(
            sergeant
                .record_cows(det, &cows::Cows::new([0; 11]).unwrap(), now())
                .map(|_| ()),
        );
        refused(
            sergeant
                .record_audit_c(det, &audit_c::AuditC::new(1, 1, 1).unwrap(), now())
                .map(|_| ()),
        );
        refused(
            sergeant
                .record_score(
                    det,
                    ScoreKind::Gcs,
                    &serde_json::json!({}),
                    Some(15),
                    "",
                    now(),
                )
                .map(|_| ()),
        );
        assert_eq!(active_flags(&sergeant, det), []);
    }

    #[test]
    fn impossible_vitals_refused_and_unusual_need_confirming() {
        let (_d, mut hcp, _s, det) = suite();
        let err = hcp
            .record_news2(
                det,
                &news2::Observations {
                    pulse: 400,
                    ..obs()
                },
                false,
                now(),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Pulse must be between 20 and 250 per minute; 400 per minute is not"
        );
        let err = hcp
            .record_news2(
                det,
                &news2::Observations {
                    pulse: 190,
                    ..obs()
                },
                false,
                now(),
            )
            .unwrap_err();
        assert!(err.to_string().contains("confirm them to record"), "{err}");
        assert!(
            hcp.record_news2(
                det,
                &news2::Observations {
                    pulse: 190,
                    ..obs()
                },
                true,
                now()
            )
            .is_ok()
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

    #[test]
    fn referral_content_is_hcp_only_and_contacts_are_validated() {
        let (_d, mut hcp, sergeant, det) = suite();
        let base = NewReferral {
            kind: "drug_alcohol".into(),
            substance: "heroin".into(),
            route: "smoked".into(),
            treatment_history: "none".into(),
            reason: "wants help on release".into(),
            phone: Some("07700 90012".into()),
            address: "1 High Street".into(),
            postcode: Some("NE1 4ST".into()),
            ..Default::default()
        };
        let err = hcp.add_referral(det, &base, now()).unwrap_err();
        assert!(err.to_string().contains("10 digits"), "{err}");
        let bad_postcode = NewReferral {
            phone: None,
            postcode: Some("NE1".into()),
            ..base.clone()
        };
        assert!(
            hcp.add_referral(det, &bad_postcode, now())
                .unwrap_err()
                .to_string()
                .contains("not a UK postcode")
        );
        let nfa = NewReferral {
            phone: None,
            postcode: None,
            address: String::new(),
            no_fixed_abode: true,
            ..base.clone()
        };
        assert!(
            hcp.add_referral(det, &nfa, now())
                .unwrap_err()
                .to_string()
                .contains("no fixed abode")
        );
        let ok = NewReferral {
            phone: Some("+44 7700 900123".into()),
            ..base
        };
        hcp.add_referral(det, &ok, now()).unwrap();
        let mine = hcp.referrals(det).unwrap();
        let content = mine[0].content.as_ref().unwrap();
        assert_eq!(content.phone.as_deref(), Some("07700900123"));
        assert_eq!(content.postcode.as_deref(), Some("NE1 4ST"));
        let theirs = sergeant.referrals(det).unwrap();
        assert_eq!(theirs[0].kind, "drug_alcohol");
        assert_eq!(theirs[0].content, None);
    }

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

    fn appointment(days: i64) -> NewAppointment {
        NewAppointment {
            service: "Community drug and alcohol service (CGL)".into(),
            at: now() + chrono::Duration::days(days),
            place: "Plummer Court, Carliol Square, NE1 6UF".into(),
        }
    }

    #[test]
    fn appointments_show_when_to_everyone_and_where_to_hcps() {
        let (_d, mut hcp, mut sergeant, det) = suite();
        let later = hcp.book_appointment(det, &appointment(9), now()).unwrap();
        let sooner = hcp
            .book_appointment(
                det,
                &NewAppointment {
                    service: "  GP review  ".into(),
                    place: " Elswick Surgery ".into(),
                    ..appointment(2)
                },
                now(),
            )
            .unwrap();
        let mine = hcp.appointments(det).unwrap();
        assert_eq!(
            mine.iter().map(|a| a.id).collect::<Vec<_>>(),
            [sooner, later],
            "soonest first"
        );
        assert_eq!(mine[0].service.as_deref(), Some("GP review"), "trimmed");
        assert_eq!(mine[0].place.as_deref(), Some("Elswick Surgery"));
        assert_eq!(mine[1].at, now() + chrono::Duration::days(9));
        assert_eq!(mine[1].made_by, "nurse");
        // The sergeant sees that each was booked and when, never which service or where.
        let theirs = sergeant.appointments(det).unwrap();
        assert_eq!(theirs.len(), 2);
        assert_eq!(theirs[1].at, mine[1].at);
        assert_eq!(theirs[1].made_by, "nurse");
        assert_eq!(theirs[0].service, None, "service is HCP only");
        assert_eq!(theirs[0].place, None, "place is HCP only");
        assert!(
            theirs
                .iter()
                .all(|a| a.service.is_none() && a.place.is_none())
        );
        let err = sergeant
            .book_appointment(det, &appointment(3), now())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "your role (sergeant) may not book appointments"
        );
    }

    #[test]
    fn appointment_problems_are_said_plainly() {
        let (_d, mut hcp, _s, det) = suite();
        let past = hcp
            .book_appointment(det, &appointment(-1), now())
            .unwrap_err();
        assert_eq!(
            past.to_string(),
            "the appointment time Sun 22 Nov 2026 14:00 is not after now: book one for after release"
        );
        let far = hcp
            .book_appointment(det, &appointment(400), now())
            .unwrap_err();
        assert!(far.to_string().contains("more than a year ahead"), "{far}");
        let empty = hcp
            .book_appointment(
                det,
                &NewAppointment {
                    service: String::new(),
                    place: " ".into(),
                    ..appointment(1)
                },
                now(),
            )
            .unwrap_err();
        assert_eq!(
            empty.to_string(),
            "say which service the appointment is with (e.g. community drug and alcohol service); say where the appointment is (the building or address the person must go to)"
        );
        assert!(hcp.appointments(det).unwrap().is_empty(), "nothing stored");
    }

    #[test]
    fn no_appointment_after_handover() {
        let (_d, mut hcp, _s, det) = suite();
        hcp.book_appointment(det, &appointment(5), now()).unwrap();
        hcp.write(now(), |tx| {
            tx.execute(
                "INSERT INTO handover (detention_id, destination, handed_over_at, handed_over_by,
                                       bundle_id, bundle_sha256, kid)
                 VALUES (?1, 'release', ?2, 'sarge', 'b-1', 'x', 'k')",
                params![det, timestamp(now())],
            )?;
            Ok(())
        })
        .unwrap();
        let err = hcp
            .book_appointment(det, &appointment(6), now())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record"
        );
        assert_eq!(hcp.appointments(det).unwrap().len(), 1);
    }
}
