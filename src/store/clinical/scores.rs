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
mod tests {
    use super::*;
    use crate::store::clinical::test_support::{now, obs, suite};

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
            Err(StoreError::Refused(_))
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
        let open = |s: &Store| crate::store::emergency::open_emergencies(s.conn()).unwrap();
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
        assert_eq!(e[0].detention_id(), d);
        assert!(
            e[0].emergency
                .reason
                .starts_with(&format!("NEWS2 {} at 14:00: emergency response", r.total)),
            "{}",
            e[0].emergency.reason
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
            assert!(matches!(r, Err(StoreError::Refused(_))), "{r:?}");
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
}
