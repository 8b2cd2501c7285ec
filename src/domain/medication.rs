//! Medication timing: when the next dose is due, and which medicines are time-critical (a
//! missed or late dose causes harm). Epilepsy medication not travelling with a transferred
//! prisoner is one of the failures in `reference/custody-practice.md`; NICE QS156 asks for at
//! least 7 days of medicines on transfer or release.

use chrono::{DateTime, Duration, Utc};

/// How often a medicine is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// Every `n` hours (once daily is 24, twice daily 12, three times daily 8, four times 6).
    EveryHours(u32),
    /// Only when needed: no dose is ever "due".
    AsNeeded,
}

impl Frequency {
    /// Parses the usual prescription shorthand and plain words: `od`, `bd`, `tds`, `qds`,
    /// `once daily`, `every 4 hours`, `4-hourly`, `prn`, `as needed`.
    pub fn parse(text: &str) -> Result<Frequency, MedicationError> {
        let t = text.trim().to_ascii_lowercase();
        let words = t.replace(['-', '_'], " ");
        let fixed = match words.as_str() {
            "od" | "once daily" | "once a day" | "daily" | "nocte" | "mane" => Some(24),
            "bd" | "twice daily" | "twice a day" => Some(12),
            "tds" | "tid" | "three times daily" | "three times a day" => Some(8),
            "qds" | "qid" | "four times daily" | "four times a day" => Some(6),
            _ => None,
        };
        if let Some(h) = fixed {
            return Ok(Frequency::EveryHours(h));
        }
        if matches!(
            words.as_str(),
            "prn" | "as needed" | "as required" | "when required"
        ) {
            return Ok(Frequency::AsNeeded);
        }
        let hours = words
            .strip_prefix("every ")
            .and_then(|r| {
                r.strip_suffix(" hours")
                    .or_else(|| r.strip_suffix(" hourly"))
            })
            .or_else(|| words.strip_suffix(" hourly"))
            .and_then(|n| n.trim().parse::<u32>().ok());
        match hours {
            Some(h) if (1..=168).contains(&h) => Ok(Frequency::EveryHours(h)),
            _ => Err(MedicationError::UnknownFrequency(text.trim().to_string())),
        }
    }

    pub fn label(self) -> String {
        match self {
            Frequency::EveryHours(24) => "once daily".into(),
            Frequency::EveryHours(12) => "twice daily".into(),
            Frequency::EveryHours(8) => "three times daily".into(),
            Frequency::EveryHours(6) => "four times daily".into(),
            Frequency::EveryHours(h) => format!("every {h} hours"),
            Frequency::AsNeeded => "as needed".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MedicationError {
    #[error(
        "`{0}` is not a frequency this understands: use od, bd, tds, qds, every N hours, or as needed"
    )]
    UnknownFrequency(String),
}

/// When the next dose is due: one interval after the last dose given (in custody or, before
/// that, the time the person says they last took it). A regular medicine with no known last
/// dose is due from `recorded_at`, when it was written down: at once, and overdue from then
/// on until it is given or a reason is recorded. `None` for as-needed medicines.
pub fn next_dose_due(
    frequency: Frequency,
    last_dose: Option<DateTime<Utc>>,
    recorded_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match frequency {
        Frequency::AsNeeded => None,
        Frequency::EveryHours(h) => Some(match last_dose {
            Some(last) => last + Duration::hours(i64::from(h)),
            None => recorded_at,
        }),
    }
}

/// Why a medicine is time-critical, if it is: matched on the medicine's name (generic or
/// common brand), after the NHS Specialist Pharmacy Service's time-critical medicines list.
pub fn time_critical_reason(name: &str) -> Option<&'static str> {
    const CLASSES: &[(&[&str], &str)] = &[
        (
            &[
                "levetiracetam",
                "keppra",
                "sodium valproate",
                "valproate",
                "epilim",
                "carbamazepine",
                "tegretol",
                "lamotrigine",
                "lamictal",
                "phenytoin",
                "epanutin",
                "lacosamide",
                "topiramate",
                "zonisamide",
                "clobazam",
                "brivaracetam",
                "perampanel",
            ],
            "anti-epileptic: a missed dose risks seizures",
        ),
        (
            &[
                "levodopa",
                "co-careldopa",
                "sinemet",
                "co-beneldopa",
                "madopar",
                "rasagiline",
                "ropinirole",
                "pramipexole",
                "rotigotine",
            ],
            "Parkinson's medicine: a late dose risks rigidity and inability to swallow",
        ),
        (
            &[
                "insulin",
                "novorapid",
                "humalog",
                "lantus",
                "levemir",
                "glargine",
                "detemir",
                "degludec",
                "tresiba",
            ],
            "insulin: a missed dose risks diabetic ketoacidosis",
        ),
        (
            &[
                "methadone",
                "buprenorphine",
                "subutex",
                "espranor",
                "buvidal",
            ],
            "opioid substitution: a missed dose risks withdrawal and overdose on release",
        ),
        (
            &["hydrocortisone", "fludrocortisone", "prednisolone"],
            "steroid dependence: a missed dose risks adrenal crisis",
        ),
        (
            &["tacrolimus", "ciclosporin", "mycophenolate"],
            "anti-rejection medicine: doses must be on time",
        ),
        (
            &[
                "apixaban",
                "rivaroxaban",
                "dabigatran",
                "edoxaban",
                "warfarin",
                "enoxaparin",
            ],
            "anticoagulant: a missed dose risks clots",
        ),
        (
            &[
                "dolutegravir",
                "biktarvy",
                "truvada",
                "efavirenz",
                "raltegravir",
                "darunavir",
                "antiretroviral",
            ],
            "antiretroviral: missed doses risk resistance",
        ),
    ];
    let lower = name.to_lowercase();
    CLASSES
        .iter()
        .find(|(names, _)| names.iter().any(|n| lower.contains(n)))
        .map(|(_, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    #[test]
    fn frequencies_parse() {
        for (text, f) in [
            ("od", Frequency::EveryHours(24)),
            ("BD", Frequency::EveryHours(12)),
            ("tds", Frequency::EveryHours(8)),
            ("four times daily", Frequency::EveryHours(6)),
            ("every 4 hours", Frequency::EveryHours(4)),
            ("4-hourly", Frequency::EveryHours(4)),
            ("PRN", Frequency::AsNeeded),
        ] {
            assert_eq!(Frequency::parse(text), Ok(f), "{text}");
        }
        assert_eq!(
            Frequency::parse("sometimes").unwrap_err().to_string(),
            "`sometimes` is not a frequency this understands: use od, bd, tds, qds, every N hours, or as needed"
        );
        assert!(Frequency::parse("every 0 hours").is_err());
    }

    #[test]
    fn next_dose_runs_from_the_last_one() {
        let now = at(14, 0);
        assert_eq!(
            next_dose_due(Frequency::EveryHours(12), Some(at(8, 0)), now),
            Some(at(20, 0))
        );
        assert_eq!(
            next_dose_due(Frequency::EveryHours(8), None, now),
            Some(now)
        );
        assert_eq!(
            next_dose_due(Frequency::AsNeeded, Some(at(8, 0)), now),
            None
        );
    }

    #[test]
    fn time_critical_medicines_are_recognised() {
        assert!(
            time_critical_reason("Levetiracetam 500 mg")
                .unwrap()
                .contains("seizures")
        );
        assert!(
            time_critical_reason("Insulin glargine (Lantus)")
                .unwrap()
                .contains("ketoacidosis")
        );
        assert!(time_critical_reason("Co-careldopa 25/100").is_some());
        assert!(time_critical_reason("Methadone 1mg/ml").is_some());
        assert_eq!(time_critical_reason("Paracetamol"), None);
    }
}
