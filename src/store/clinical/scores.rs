//! Scored assessments (NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C): recording them, reading them
//! back, marking one entered in error, the flags and emergencies the score rules raise over
//! them, and when each person in custody is next due observations.
//!
//! Score details are HCP only: other roles see the flags a score raised, never the score.

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::domain::flag::Severity;
use crate::domain::observation::to_london;
use crate::domain::record::view::ScoreEntry;
use crate::domain::rules::{self, FactSet, Raised};
use crate::domain::scores::{audit_c, ciwa, cows, facts, gcs, news2};
use crate::store::audit::{self, AuditAction};
use crate::store::custody::{NewFlag, RuleOrigin, insert_rule_flag};
use crate::store::{Store, StoreError, collect_rows, parse_timestamp, timestamp};

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

impl Store {
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
        self.permit(Duty::ClinicalScore)?;
        let by = self.identity().username.clone();
        self.write(Duty::ClinicalScore, now, |tx| {
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
        self.permit(Duty::ClinicalScore)?;
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

    /// Marks a score entered in error (HCP only), with the reason: it leaves the trends and
    /// the rules, and every still-active flag it raised is marked entered in error with it.
    /// Returns the codes of those flags. Nothing is deleted.
    pub fn mark_score_in_error(
        &mut self,
        score_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.permit(Duty::ClinicalScore)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Invalid(
                "marking a score entered in error needs a reason".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(Duty::ClinicalScore, now, |tx| {
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
    let id = crate::store::emergency::open_emergency(
        tx,
        detention_id,
        crate::domain::emergency::Cause::ScoreRule,
        &reason,
        None,
        None,
        by,
        at,
    )?;
    audit::append(
        tx,
        at,
        by,
        AuditAction::RecordWrite,
        &detention_id.to_string(),
        &format!(
            "emergency {id} opened by rule {} (score {score_id})",
            rule.rule
        ),
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

#[cfg(test)]
mod tests;
