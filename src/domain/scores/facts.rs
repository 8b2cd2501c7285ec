//! A recorded score's results as answers of a pseudo-form named after the score kind
//! (`news2.total`, `ciwa_ar.band`…), so the one rules engine (`domain::rules`) can raise flags
//! from scores as it does from form answers. The names and choices here are what
//! `schema/rules/scores.toml` may test; the loader checks rules against them.
//!
//! Bands and boundaries: `reference/clinical-scores.md` (NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C).

use super::{audit_c, ciwa, cows, gcs, news2};
use crate::domain::form::AnswerValue;
use crate::domain::rules::FactSet;

/// What kind of value a score fact holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    Number,
    YesNo,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// Words for a flag's reason only; not for testing.
    Text,
}

/// The band names NEWS2 results are stored under (the response, lower-cased).
pub const NEWS2_BANDS: &[&str] = &["routine", "low", "lowmedium", "medium", "high"];
pub const CIWA_BANDS: &[&str] = &["minimal", "mild", "moderate", "severe", "complicated"];
pub const COWS_BANDS: &[&str] = &[
    "below_mild",
    "mild",
    "moderate",
    "moderately_severe",
    "severe",
];
pub const CONSCIOUSNESS: &[&str] = &["alert", "newconfusion", "voice", "pain", "unresponsive"];

/// Every fact each score kind presents, by score kind (the pseudo-form's name).
const SPECS: &[(&str, &[(&str, FactKind)])] = &[
    (
        "news2",
        &[
            ("total", FactKind::Number),
            ("max_parameter", FactKind::Number),
            ("band", FactKind::Choice(NEWS2_BANDS)),
            ("response", FactKind::Text),
            ("respiration_rate", FactKind::Number),
            ("spo2", FactKind::Number),
            ("on_oxygen", FactKind::YesNo),
            ("systolic_bp", FactKind::Number),
            ("pulse", FactKind::Number),
            ("consciousness", FactKind::Choice(CONSCIOUSNESS)),
            ("temperature", FactKind::Number),
        ],
    ),
    (
        "gcs",
        &[
            ("total", FactKind::Number),
            ("eyes", FactKind::Number),
            ("verbal", FactKind::Number),
            ("motor", FactKind::Number),
            ("band", FactKind::Text),
        ],
    ),
    (
        "ciwa_ar",
        &[
            ("total", FactKind::Number),
            ("band", FactKind::Choice(CIWA_BANDS)),
            ("band_source", FactKind::Text),
            ("complicating_features", FactKind::YesNo),
        ],
    ),
    (
        "cows",
        &[
            ("total", FactKind::Number),
            ("band", FactKind::Choice(COWS_BANDS)),
        ],
    ),
    (
        "audit_c",
        &[
            ("total", FactKind::Number),
            ("band", FactKind::Choice(&["positive", "negative"])),
            ("positive", FactKind::YesNo),
        ],
    ),
];

/// Whether `form` names a score kind rather than a form.
pub fn is_score(form: &str) -> bool {
    SPECS.iter().any(|(k, _)| *k == form)
}

/// The kind of the fact `score.name`, if a score presents it.
pub fn fact_kind(score: &str, name: &str) -> Option<FactKind> {
    SPECS
        .iter()
        .find(|(k, _)| *k == score)?
        .1
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, kind)| *kind)
}

/// The names a score presents, for error messages.
pub fn fact_names(score: &str) -> Vec<&'static str> {
    SPECS
        .iter()
        .find(|(k, _)| *k == score)
        .map(|(_, f)| f.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default()
}

fn num(v: impl Into<f64>) -> AnswerValue {
    AnswerValue::Number(v.into())
}

fn yes_no(b: bool) -> AnswerValue {
    if b { AnswerValue::Yes } else { AnswerValue::No }
}

fn choice(s: &str) -> AnswerValue {
    AnswerValue::Choice(s.to_string())
}

fn set(kind: &str, facts: Vec<(&str, AnswerValue)>) -> FactSet {
    facts
        .into_iter()
        .map(|(n, v)| (format!("{kind}.{n}"), v))
        .collect()
}

/// The stored band name of a NEWS2 response.
pub fn news2_band(r: news2::Response) -> &'static str {
    match r {
        news2::Response::Routine => "routine",
        news2::Response::Low => "low",
        news2::Response::LowMedium => "lowmedium",
        news2::Response::Medium => "medium",
        news2::Response::High => "high",
    }
}

pub fn consciousness_name(c: news2::Consciousness) -> &'static str {
    match c {
        news2::Consciousness::Alert => "alert",
        news2::Consciousness::NewConfusion => "newconfusion",
        news2::Consciousness::Voice => "voice",
        news2::Consciousness::Pain => "pain",
        news2::Consciousness::Unresponsive => "unresponsive",
    }
}

/// NEWS2: the total, the highest single parameter score (3 is the single-parameter trigger)
/// and each vital sign.
pub fn news2(o: &news2::Observations, r: &news2::News2) -> FactSet {
    let max = [
        r.respiration,
        r.spo2,
        r.air_or_oxygen,
        r.systolic,
        r.pulse,
        r.consciousness,
        r.temperature,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    set(
        "news2",
        vec![
            ("total", num(r.total)),
            ("max_parameter", num(max)),
            ("band", choice(news2_band(r.response))),
            (
                "response",
                AnswerValue::Text(r.response.label().to_string()),
            ),
            ("respiration_rate", num(o.respiration_rate)),
            ("spo2", num(o.spo2)),
            ("on_oxygen", yes_no(o.on_oxygen)),
            ("systolic_bp", num(o.systolic_bp)),
            ("pulse", num(o.pulse)),
            ("consciousness", choice(consciousness_name(o.consciousness))),
            ("temperature", num(f64::from(o.temperature_tenths) / 10.0)),
        ],
    )
}

/// GCS: the total only when every part was testable; each testable part.
pub fn gcs(g: &gcs::Gcs) -> FactSet {
    let mut facts = vec![("band", AnswerValue::Text(g.notation()))];
    if let Some(t) = g.total() {
        facts.push(("total", num(t)));
    }
    for (name, part) in [("eyes", g.eyes), ("verbal", g.verbal), ("motor", g.motor)] {
        if let gcs::Part::Score(s) = part {
            facts.push((name, num(s)));
        }
    }
    set("gcs", facts)
}

pub fn ciwa_band(s: ciwa::Severity) -> &'static str {
    match s {
        ciwa::Severity::Minimal => "minimal",
        ciwa::Severity::Mild => "mild",
        ciwa::Severity::Moderate => "moderate",
        ciwa::Severity::Severe => "severe",
        ciwa::Severity::Complicated => "complicated",
    }
}

pub fn ciwa(c: &ciwa::Ciwa, r: &ciwa::CiwaResult) -> FactSet {
    set(
        "ciwa_ar",
        vec![
            ("total", num(r.total)),
            ("band", choice(ciwa_band(r.severity))),
            ("band_source", AnswerValue::Text(r.band_source.to_string())),
            ("complicating_features", yes_no(c.complicating_features)),
        ],
    )
}

pub fn cows_band(b: cows::Band) -> &'static str {
    match b {
        cows::Band::BelowMild => "below_mild",
        cows::Band::Mild => "mild",
        cows::Band::Moderate => "moderate",
        cows::Band::ModeratelySevere => "moderately_severe",
        cows::Band::Severe => "severe",
    }
}

pub fn cows(c: &cows::Cows) -> FactSet {
    set(
        "cows",
        vec![
            ("total", num(c.total())),
            ("band", choice(cows_band(c.band()))),
        ],
    )
}

pub fn audit_c_band(r: &audit_c::AuditCResult) -> &'static str {
    if r.positive { "positive" } else { "negative" }
}

pub fn audit_c(r: &audit_c::AuditCResult) -> FactSet {
    set(
        "audit_c",
        vec![
            ("total", num(r.total)),
            ("band", choice(audit_c_band(r))),
            ("positive", yes_no(r.positive)),
        ],
    )
}

/// A score recorded without its typed inputs: only its total and band are known.
pub fn generic(kind: &str, total: Option<i64>, band: &str) -> FactSet {
    let mut facts = vec![("band", choice(band))];
    if let Some(t) = total {
        // Totals are small (at most 67), so the conversion is exact.
        facts.push(("total", num(t as f64)));
    }
    set(kind, facts)
}

/// A fact's value in words, for a flag's reason: `6`, `36.8`, `moderately severe`, `yes`.
pub fn words(v: &AnswerValue) -> String {
    match v {
        AnswerValue::Number(n) if n.fract() == 0.0 => format!("{n:.0}"),
        AnswerValue::Number(n) => format!("{n}"),
        AnswerValue::Choice(c) => c.replace('_', " "),
        AnswerValue::Text(t) => t.clone(),
        AnswerValue::Yes => "yes".into(),
        AnswerValue::No => "no".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news2_presents_total_highest_parameter_and_band() {
        let o = news2::Observations {
            respiration_rate: 16,
            spo2: 98,
            scale: news2::SpO2Scale::Scale1,
            on_oxygen: false,
            systolic_bp: 125,
            pulse: 72,
            consciousness: news2::Consciousness::NewConfusion,
            temperature_tenths: 368,
        };
        let f = news2(&o, &news2::score(&o));
        assert_eq!(f["news2.total"], AnswerValue::Number(3.0));
        assert_eq!(f["news2.max_parameter"], AnswerValue::Number(3.0));
        assert_eq!(f["news2.band"], choice("lowmedium"));
        assert_eq!(f["news2.temperature"], AnswerValue::Number(36.8));
        for k in f.keys() {
            let (s, n) = k.split_once('.').unwrap();
            assert!(fact_kind(s, n).is_some(), "{k} has no spec");
        }
    }

    #[test]
    fn gcs_not_testable_part_leaves_no_total() {
        let g = gcs::Gcs::new(Some(3), None, Some(6)).unwrap();
        let f = gcs(&g);
        assert!(!f.contains_key("gcs.total"));
        assert_eq!(f["gcs.eyes"], AnswerValue::Number(3.0));
        assert!(!f.contains_key("gcs.verbal"));
    }

    #[test]
    fn every_band_name_is_a_declared_choice() {
        for b in [
            cows::Band::BelowMild,
            cows::Band::Mild,
            cows::Band::Moderate,
            cows::Band::ModeratelySevere,
            cows::Band::Severe,
        ] {
            assert!(COWS_BANDS.contains(&cows_band(b)));
        }
        assert_eq!(words(&choice("moderately_severe")), "moderately severe");
        assert_eq!(words(&AnswerValue::Number(6.0)), "6");
    }
}
