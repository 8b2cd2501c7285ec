//! Risk flags: what is known about a detainee that everyone on the suite must see, and how
//! serious it is.
//!
//! Sources: the Person Escort Record gives every flag a type, one of information, attention,
//! warning or alert (`reference/custody-practice.md`, "Person Escort Record (PER) sections"); the
//! codes follow the APP booking-in risk areas (same file, "Booking-in risk assessment") and
//! DESIGN.md, "Interface conventions": colour is never the only carrier of meaning, so each flag
//! carries a short code such as `SH`, `ALC` or `EPI`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// How serious a flag is (PER flag types). Ordered from least to most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Information,
    Attention,
    Warning,
    Alert,
}

/// A flag code or severity name that is not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    #[error("`{0}` is not a severity: use information, attention, warning or alert.")]
    UnknownSeverity(String),
    #[error(
        "`{0}` is not a known flag code: use one of SH, ALC, DRG, MH, EPI, DIAB, HI, PREG, AA, MED, VIO, LD, ALG, WD, COMM or NEWS."
    )]
    UnknownCode(String),
}

impl Severity {
    /// Least to most serious.
    pub const ALL: [Severity; 4] = [
        Severity::Information,
        Severity::Attention,
        Severity::Warning,
        Severity::Alert,
    ];

    /// The stable snake_case name stored and used in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Information => "information",
            Severity::Attention => "attention",
            Severity::Warning => "warning",
            Severity::Alert => "alert",
        }
    }

    /// A capitalised label for screens.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Information => "Information",
            Severity::Attention => "Attention",
            Severity::Warning => "Warning",
            Severity::Alert => "Alert",
        }
    }

    /// An ASCII suffix for the flag code so severity reads without colour (DESIGN.md,
    /// "Interface conventions"): information none, attention `+`, warning `!`, alert `!!`;
    /// e.g. `SH!!`, `ALC!`, `AA+`, `ALG`.
    pub fn marker(self) -> &'static str {
        match self {
            Severity::Information => "",
            Severity::Attention => "+",
            Severity::Warning => "!",
            Severity::Alert => "!!",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = FlagError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| FlagError::UnknownSeverity(s.to_string()))
    }
}

/// A known risk flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlagCode {
    SelfHarm,
    Alcohol,
    Drugs,
    MentalHealth,
    Epilepsy,
    Diabetes,
    HeadInjury,
    Pregnancy,
    AppropriateAdult,
    Medication,
    Violence,
    LearningDisability,
    Allergy,
    Withdrawal,
    Communication,
    ClinicalDeterioration,
}

impl FlagCode {
    /// Every code, in declaration order.
    pub const ALL: [FlagCode; 16] = [
        FlagCode::SelfHarm,
        FlagCode::Alcohol,
        FlagCode::Drugs,
        FlagCode::MentalHealth,
        FlagCode::Epilepsy,
        FlagCode::Diabetes,
        FlagCode::HeadInjury,
        FlagCode::Pregnancy,
        FlagCode::AppropriateAdult,
        FlagCode::Medication,
        FlagCode::Violence,
        FlagCode::LearningDisability,
        FlagCode::Allergy,
        FlagCode::Withdrawal,
        FlagCode::Communication,
        FlagCode::ClinicalDeterioration,
    ];

    /// The short code shown on the board and stored, e.g. `SH`.
    pub fn code(self) -> &'static str {
        match self {
            FlagCode::SelfHarm => "SH",
            FlagCode::Alcohol => "ALC",
            FlagCode::Drugs => "DRG",
            FlagCode::MentalHealth => "MH",
            FlagCode::Epilepsy => "EPI",
            FlagCode::Diabetes => "DIAB",
            FlagCode::HeadInjury => "HI",
            FlagCode::Pregnancy => "PREG",
            FlagCode::AppropriateAdult => "AA",
            FlagCode::Medication => "MED",
            FlagCode::Violence => "VIO",
            FlagCode::LearningDisability => "LD",
            FlagCode::Allergy => "ALG",
            FlagCode::Withdrawal => "WD",
            FlagCode::Communication => "COMM",
            FlagCode::ClinicalDeterioration => "NEWS",
        }
    }

    /// A short description for the help screen and the escort summary.
    pub fn description(self) -> &'static str {
        match self {
            FlagCode::SelfHarm => "Self-harm or suicide risk",
            FlagCode::Alcohol => "Alcohol: intoxicated or alcohol-dependent",
            FlagCode::Drugs => "Drugs: taken, swallowed or concealed",
            FlagCode::MentalHealth => "Mental health need",
            FlagCode::Epilepsy => "Epilepsy or seizures",
            FlagCode::Diabetes => "Diabetes",
            FlagCode::HeadInjury => "Head injury",
            FlagCode::Pregnancy => "Pregnant",
            FlagCode::AppropriateAdult => "Appropriate adult needed",
            FlagCode::Medication => "Medication that must not be missed",
            FlagCode::Violence => "Violence towards others",
            FlagCode::LearningDisability => "Learning disability or difficulty",
            FlagCode::Allergy => "Allergy",
            FlagCode::Withdrawal => "Withdrawal from alcohol or drugs",
            FlagCode::Communication => "Communication needs or interpreter",
            FlagCode::ClinicalDeterioration => "Clinical deterioration (NEWS2)",
        }
    }

    /// Tie-break among flags of equal severity on the board: risks where a missed sign can kill
    /// within hours come first (self-harm, deterioration, head injury, withdrawal, drugs,
    /// alcohol, epilepsy, diabetes, medication, allergy), then the rest. A design choice, not a
    /// published ranking. Lower is shown first.
    pub fn board_rank(self) -> u8 {
        match self {
            FlagCode::SelfHarm => 0,
            FlagCode::ClinicalDeterioration => 1,
            FlagCode::HeadInjury => 2,
            FlagCode::Withdrawal => 3,
            FlagCode::Drugs => 4,
            FlagCode::Alcohol => 5,
            FlagCode::Epilepsy => 6,
            FlagCode::Diabetes => 7,
            FlagCode::Medication => 8,
            FlagCode::Allergy => 9,
            FlagCode::MentalHealth => 10,
            FlagCode::Pregnancy => 11,
            FlagCode::Violence => 12,
            FlagCode::AppropriateAdult => 13,
            FlagCode::LearningDisability => 14,
            FlagCode::Communication => 15,
        }
    }
}

impl fmt::Display for FlagCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for FlagCode {
    type Err = FlagError;
    /// The short code in any case (`sh`, `SH`), surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(t))
            .ok_or_else(|| FlagError::UnknownCode(s.to_string()))
    }
}

/// Stored and exchanged as the short code.
impl Serialize for FlagCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for FlagCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The board order of two flags: most severe first, then by [`FlagCode::board_rank`].
pub fn board_order(a: &(FlagCode, Severity), b: &(FlagCode, Severity)) -> Ordering {
    b.1.cmp(&a.1)
        .then_with(|| a.0.board_rank().cmp(&b.0.board_rank()))
}

/// Sorts flags into board order (most severe first).
pub fn sort_for_board(flags: &mut [(FlagCode, Severity)]) {
    flags.sort_by(board_order);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ordered_and_named_in_snake_case() {
        assert!(Severity::Information < Severity::Attention);
        assert!(Severity::Attention < Severity::Warning);
        assert!(Severity::Warning < Severity::Alert);
        let names = ["information", "attention", "warning", "alert"];
        for (sev, name) in Severity::ALL.into_iter().zip(names) {
            assert_eq!(sev.as_str(), name);
            assert_eq!(sev.to_string(), name);
            assert_eq!(name.parse::<Severity>(), Ok(sev));
            assert_eq!(name.to_uppercase().parse::<Severity>(), Ok(sev));
            assert_eq!(serde_json::to_string(&sev).unwrap(), format!("\"{name}\""));
        }
        assert_eq!(
            "critical".parse::<Severity>(),
            Err(FlagError::UnknownSeverity("critical".into()))
        );
    }

    #[test]
    fn severity_markers_are_distinct_so_colour_is_not_needed() {
        let markers: Vec<&str> = Severity::ALL.iter().map(|s| s.marker()).collect();
        assert_eq!(markers, ["", "+", "!", "!!"]);
        assert_eq!(
            format!("{}{}", FlagCode::SelfHarm, Severity::Alert.marker()),
            "SH!!"
        );
    }

    #[test]
    fn every_code_has_its_short_code_and_description() {
        let table = [
            (FlagCode::SelfHarm, "SH", "Self-harm"),
            (FlagCode::Alcohol, "ALC", "Alcohol"),
            (FlagCode::Drugs, "DRG", "Drugs"),
            (FlagCode::MentalHealth, "MH", "Mental health"),
            (FlagCode::Epilepsy, "EPI", "Epilepsy"),
            (FlagCode::Diabetes, "DIAB", "Diabetes"),
            (FlagCode::HeadInjury, "HI", "Head injury"),
            (FlagCode::Pregnancy, "PREG", "Pregnant"),
            (FlagCode::AppropriateAdult, "AA", "Appropriate adult"),
            (FlagCode::Medication, "MED", "Medication"),
            (FlagCode::Violence, "VIO", "Violence"),
            (FlagCode::LearningDisability, "LD", "Learning disability"),
            (FlagCode::Allergy, "ALG", "Allergy"),
            (FlagCode::Withdrawal, "WD", "Withdrawal"),
            (FlagCode::Communication, "COMM", "Communication"),
            (
                FlagCode::ClinicalDeterioration,
                "NEWS",
                "Clinical deterioration",
            ),
        ];
        assert_eq!(table.len(), FlagCode::ALL.len());
        for (code, short, desc) in table {
            assert_eq!(code.code(), short);
            assert_eq!(code.to_string(), short);
            assert!(code.description().starts_with(desc), "{code}");
            assert_eq!(short.parse::<FlagCode>(), Ok(code));
            assert_eq!(short.to_lowercase().parse::<FlagCode>(), Ok(code));
            assert_eq!(format!(" {short} ").parse::<FlagCode>(), Ok(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{short}\""));
            assert_eq!(serde_json::from_str::<FlagCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn unknown_codes_are_refused_with_the_list_of_known_ones() {
        let err = "XYZ".parse::<FlagCode>().unwrap_err();
        assert_eq!(err, FlagError::UnknownCode("XYZ".into()));
        let msg = err.to_string();
        for code in FlagCode::ALL {
            assert!(msg.contains(code.code()), "{msg} lacks {code}");
        }
        assert!(serde_json::from_str::<FlagCode>("\"self_harm\"").is_err());
        assert!("".parse::<FlagCode>().is_err());
    }

    #[test]
    fn board_ranks_are_a_permutation() {
        let mut ranks: Vec<u8> = FlagCode::ALL.iter().map(|c| c.board_rank()).collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (0..16).collect::<Vec<u8>>());
    }

    #[test]
    fn board_shows_most_severe_first_then_by_risk_to_life() {
        use FlagCode::*;
        use Severity::*;
        let mut flags = vec![
            (Communication, Information),
            (Alcohol, Warning),
            (AppropriateAdult, Attention),
            (SelfHarm, Warning),
            (HeadInjury, Alert),
            (Allergy, Information),
        ];
        sort_for_board(&mut flags);
        assert_eq!(
            flags,
            vec![
                (HeadInjury, Alert),
                (SelfHarm, Warning),
                (Alcohol, Warning),
                (AppropriateAdult, Attention),
                (Allergy, Information),
                (Communication, Information),
            ]
        );
    }

    #[test]
    fn messages_are_single_sentences() {
        for e in [
            FlagError::UnknownSeverity("x".into()),
            FlagError::UnknownCode("x".into()),
        ] {
            let m = e.to_string();
            assert!(m.ends_with('.'), "{m}");
            assert_eq!(m.matches(". ").count(), 0, "{m}");
        }
    }
}
