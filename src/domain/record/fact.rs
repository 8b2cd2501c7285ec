//! What one record entry says: an allergy, a condition, a medicine the person reports or
//! brings, substance use, self-harm history, an injury, pregnancy, a communication need, a
//! clinical note. Areas follow NICE NG57's initial health assessment (medicines, injuries,
//! physical conditions, alcohol, drugs, mental health, self-harm and suicide, learning
//! disability, pregnancy, allergies) and the Person Escort Record's health sections
//! (`reference/custody-practice.md`).

use serde::{Deserialize, Serialize};

/// How bad a reaction was (FHIR AllergyIntolerance.reaction.severity: mild | moderate | severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergySeverity {
    Mild,
    Moderate,
    Severe,
    Unknown,
}

impl AllergySeverity {
    pub fn parse(text: &str) -> AllergySeverity {
        match text.trim().to_ascii_lowercase().as_str() {
            "mild" | "1" => AllergySeverity::Mild,
            "moderate" | "2" => AllergySeverity::Moderate,
            "severe" | "3" | "anaphylaxis" => AllergySeverity::Severe,
            _ => AllergySeverity::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AllergySeverity::Mild => "mild",
            AllergySeverity::Moderate => "moderate",
            AllergySeverity::Severe => "severe",
            AllergySeverity::Unknown => "severity unknown",
        }
    }
}

/// Where a reported medicine's details came from (NICE NG57 medicines reconciliation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicineSource {
    SelfReport,
    GpRecord,
    Pharmacy,
    PackagingSeen,
    /// Another custody suite's medication record, from its signed handover bundle. Not one of
    /// the choices at screening ([`MedicineSource::ALL`]): only an import says it.
    HandoverRecord,
}

impl MedicineSource {
    pub const ALL: [MedicineSource; 4] = [
        MedicineSource::SelfReport,
        MedicineSource::GpRecord,
        MedicineSource::Pharmacy,
        MedicineSource::PackagingSeen,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MedicineSource::SelfReport => "self_report",
            MedicineSource::GpRecord => "gp_record",
            MedicineSource::Pharmacy => "pharmacy",
            MedicineSource::PackagingSeen => "packaging_seen",
            MedicineSource::HandoverRecord => "handover_record",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            MedicineSource::SelfReport => "self-report",
            MedicineSource::GpRecord => "GP record",
            MedicineSource::Pharmacy => "pharmacy",
            MedicineSource::PackagingSeen => "packaging seen",
            MedicineSource::HandoverRecord => "custody medication record",
        }
    }
    pub fn parse(text: &str) -> Option<MedicineSource> {
        MedicineSource::ALL.into_iter().find(|s| s.as_str() == text)
    }
    /// Where the details came from, as typed at the screen: "GP", "pharmacy", "packaging" (or
    /// "box", "brought"), anything else the person's own word.
    pub fn from_words(text: &str) -> MedicineSource {
        let t = text.trim().to_ascii_lowercase();
        if let Some(s) = MedicineSource::parse(&t) {
            return s;
        }
        match t.as_str() {
            "gp" | "gp record" | "gp summary" | "scr" => MedicineSource::GpRecord,
            "pharmacy" | "chemist" => MedicineSource::Pharmacy,
            "packaging" | "packaging seen" | "pack" | "box" | "brought" | "label" => {
                MedicineSource::PackagingSeen
            }
            _ => MedicineSource::SelfReport,
        }
    }

    /// Whether this source counts as verified (not the person's word alone).
    pub fn verified(self) -> bool {
        !matches!(self, MedicineSource::SelfReport)
    }
}

/// How recently the person last harmed themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfHarmRecency {
    WithinMonth,
    WithinYear,
    OverYear,
    Unknown,
}

impl SelfHarmRecency {
    pub fn parse(value: &str) -> SelfHarmRecency {
        match value {
            "within_month" => SelfHarmRecency::WithinMonth,
            "within_year" => SelfHarmRecency::WithinYear,
            "over_year" => SelfHarmRecency::OverYear,
            _ => SelfHarmRecency::Unknown,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SelfHarmRecency::WithinMonth => "within the last month",
            SelfHarmRecency::WithinYear => "within the last year",
            SelfHarmRecency::OverYear => "more than a year ago",
            SelfHarmRecency::Unknown => "when not known",
        }
    }
}

/// Pregnancy as asked at screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PregnancyStatus {
    Pregnant,
    NotPregnant,
}

/// The kinds of entry, for filtering and for who may see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Allergy,
    NoKnownAllergies,
    Condition,
    ReportedMedicine,
    NoMedicines,
    Alcohol,
    Drug,
    SelfHarm,
    MentalHealth,
    Injury,
    Pregnancy,
    Communication,
    Note,
}

impl FactKind {
    pub const ALL: [FactKind; 13] = [
        FactKind::Allergy,
        FactKind::NoKnownAllergies,
        FactKind::Condition,
        FactKind::ReportedMedicine,
        FactKind::NoMedicines,
        FactKind::Alcohol,
        FactKind::Drug,
        FactKind::SelfHarm,
        FactKind::MentalHealth,
        FactKind::Injury,
        FactKind::Pregnancy,
        FactKind::Communication,
        FactKind::Note,
    ];

    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Allergy => "allergy",
            FactKind::NoKnownAllergies => "no_known_allergies",
            FactKind::Condition => "condition",
            FactKind::ReportedMedicine => "reported_medicine",
            FactKind::NoMedicines => "no_medicines",
            FactKind::Alcohol => "alcohol",
            FactKind::Drug => "drug",
            FactKind::SelfHarm => "self_harm",
            FactKind::MentalHealth => "mental_health",
            FactKind::Injury => "injury",
            FactKind::Pregnancy => "pregnancy",
            FactKind::Communication => "communication",
            FactKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether custody staff (sergeants, detention officers) see entries of this kind without
    /// breaking glass. Allergies, conditions, medicines, substance use, injuries, pregnancy and
    /// communication needs are what the Person Escort Record shares with escorts and custody
    /// staff (risk to life, need to know). Self-harm detail, mental health history and
    /// clinical notes stay with HCPs: custody staff see the SH flag and its reason instead.
    /// The store enforces this in its queries (`store::record`).
    pub fn custody_staff_see(self) -> bool {
        !matches!(
            self,
            FactKind::SelfHarm | FactKind::MentalHealth | FactKind::Note
        )
    }

    /// Section heading on the Health tab and the escort summary.
    pub fn heading(self) -> &'static str {
        match self {
            FactKind::Allergy | FactKind::NoKnownAllergies => "Allergies",
            FactKind::Condition => "Conditions",
            FactKind::ReportedMedicine | FactKind::NoMedicines => "Medicines reported or brought",
            FactKind::Alcohol => "Alcohol",
            FactKind::Drug => "Drugs",
            FactKind::SelfHarm => "Self-harm and suicide history",
            FactKind::MentalHealth => "Mental health",
            FactKind::Injury => "Injuries",
            FactKind::Pregnancy => "Pregnancy",
            FactKind::Communication => "Communication and adjustments",
            FactKind::Note => "Clinical notes",
        }
    }
}

/// What a record entry says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    Allergy {
        substance: String,
        reaction: String,
        severity: AllergySeverity,
    },
    /// The person says they have no allergies.
    NoKnownAllergies,
    Condition {
        /// The NICE NG57 list value (`epilepsy`, `diabetes`, `asthma_copd`, `heart`) or
        /// `other`.
        code: String,
        name: String,
        detail: String,
        /// Epilepsy: when the last seizure was, as told.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        last_seizure: String,
        /// Diabetes: type 1, type 2, other or not known.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        diabetes_type: String,
    },
    ReportedMedicine {
        name: String,
        dose: String,
        frequency: String,
        last_taken: String,
        next_due: String,
        source: MedicineSource,
        verified: bool,
    },
    /// The person says they take no medicines.
    NoMedicines,
    Alcohol {
        units_per_day: Option<u32>,
        last_drink: String,
        withdrawal_history: Option<bool>,
    },
    Drug {
        substance: String,
        route: String,
        amount: String,
        last_used: String,
    },
    SelfHarm {
        recency: SelfHarmRecency,
        method: String,
        details: String,
        current_thoughts: Option<bool>,
        known_to_mental_health_services: Option<bool>,
    },
    MentalHealth {
        details: String,
    },
    Injury {
        body_area: String,
        description: String,
    },
    Pregnancy {
        status: PregnancyStatus,
        details: String,
    },
    Communication {
        need: String,
        adjustment: String,
    },
    Note {
        text: String,
    },
}

impl Fact {
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Allergy { .. } => FactKind::Allergy,
            Fact::NoKnownAllergies => FactKind::NoKnownAllergies,
            Fact::Condition { .. } => FactKind::Condition,
            Fact::ReportedMedicine { .. } => FactKind::ReportedMedicine,
            Fact::NoMedicines => FactKind::NoMedicines,
            Fact::Alcohol { .. } => FactKind::Alcohol,
            Fact::Drug { .. } => FactKind::Drug,
            Fact::SelfHarm { .. } => FactKind::SelfHarm,
            Fact::MentalHealth { .. } => FactKind::MentalHealth,
            Fact::Injury { .. } => FactKind::Injury,
            Fact::Pregnancy { .. } => FactKind::Pregnancy,
            Fact::Communication { .. } => FactKind::Communication,
            Fact::Note { .. } => FactKind::Note,
        }
    }

    /// The entry in a few words, as a list item: "penicillin (rash and facial swelling,
    /// severe)", "epilepsy: last seizure 2 weeks ago", "levetiracetam 500 mg twice daily".
    pub fn headline(&self) -> String {
        fn join(parts: &[&str]) -> String {
            parts
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        }
        fn with(head: &str, tail: String) -> String {
            if tail.is_empty() {
                head.trim().to_string()
            } else {
                format!("{} ({tail})", head.trim())
            }
        }
        match self {
            Fact::Allergy {
                substance,
                reaction,
                severity,
            } => with(
                substance,
                join(&[
                    reaction,
                    if *severity == AllergySeverity::Unknown {
                        ""
                    } else {
                        severity.as_str()
                    },
                ]),
            ),
            Fact::NoKnownAllergies => "no known allergies".into(),
            Fact::Condition {
                name,
                detail,
                last_seizure,
                diabetes_type,
                ..
            } => {
                // Choice labels start with a capital ("In the last month"): mid-sentence here.
                let seizure = match last_seizure.chars().next() {
                    None => String::new(),
                    Some(first) => format!(
                        "last seizure {}{}",
                        first.to_lowercase(),
                        &last_seizure[first.len_utf8()..]
                    ),
                };
                with(name, join(&[diabetes_type, &seizure, detail]))
            }
            Fact::ReportedMedicine {
                name,
                dose,
                frequency,
                last_taken,
                source,
                verified,
                ..
            } => {
                let last = if last_taken.is_empty() {
                    String::new()
                } else {
                    format!("last taken {last_taken}")
                };
                let how = format!(
                    "{}, {}",
                    source.label(),
                    if *verified { "verified" } else { "unverified" }
                );
                with(
                    &join(&[name, dose, frequency]).replace(", ", " "),
                    join(&[&last, &how]),
                )
            }
            Fact::NoMedicines => "takes no medicines".into(),
            Fact::Alcohol {
                units_per_day,
                last_drink,
                withdrawal_history,
            } => {
                let units = units_per_day
                    .map(|u| format!("{u} units a day"))
                    .unwrap_or_else(|| "drinks alcohol".into());
                let last = if last_drink.is_empty() {
                    String::new()
                } else {
                    format!("last drink {last_drink}")
                };
                let wd = match withdrawal_history {
                    Some(true) => "has had withdrawal fits, shakes or hallucinations",
                    Some(false) => "no withdrawal history",
                    None => "",
                };
                join(&[&units, &last, wd])
            }
            Fact::Drug {
                substance,
                route,
                amount,
                last_used,
            } => {
                let last = if last_used.is_empty() {
                    String::new()
                } else {
                    format!("last used {last_used}")
                };
                with(substance, join(&[route, amount, &last]))
            }
            Fact::SelfHarm {
                recency,
                method,
                details,
                current_thoughts,
                known_to_mental_health_services,
            } => {
                let thoughts = match current_thoughts {
                    Some(true) => "thoughts of self-harm NOW",
                    Some(false) => "no current thoughts",
                    None => "",
                };
                let services = match known_to_mental_health_services {
                    Some(true) => "known to mental health services",
                    _ => "",
                };
                with(
                    &format!("self-harm {}", recency.label()),
                    join(&[method, details, thoughts, services]),
                )
            }
            Fact::MentalHealth { details } => with("mental health history", details.clone()),
            Fact::Injury {
                body_area,
                description,
            } => with(
                if body_area.trim().is_empty() {
                    "injury"
                } else {
                    body_area
                },
                description.clone(),
            ),
            Fact::Pregnancy { status, details } => with(
                match status {
                    PregnancyStatus::Pregnant => "pregnant or may be pregnant",
                    PregnancyStatus::NotPregnant => "not pregnant",
                },
                details.clone(),
            ),
            Fact::Communication { need, adjustment } => with(need, adjustment.clone()),
            Fact::Note { text } => text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_read_as_the_next_person_needs_them() {
        let a = Fact::Allergy {
            substance: "Penicillin".into(),
            reaction: "rash and facial swelling".into(),
            severity: AllergySeverity::Severe,
        };
        assert_eq!(
            a.headline(),
            "Penicillin (rash and facial swelling, severe)"
        );
        let m = Fact::ReportedMedicine {
            name: "Levetiracetam".into(),
            dose: "500 mg".into(),
            frequency: "twice daily".into(),
            last_taken: "08:00".into(),
            next_due: String::new(),
            source: MedicineSource::SelfReport,
            verified: false,
        };
        assert_eq!(
            m.headline(),
            "Levetiracetam 500 mg twice daily (last taken 08:00, self-report, unverified)"
        );
        let al = Fact::Alcohol {
            units_per_day: Some(30),
            last_drink: "14:00".into(),
            withdrawal_history: Some(true),
        };
        assert!(al.headline().contains("30 units a day, last drink 14:00"));
    }

    #[test]
    fn a_medicine_s_source_is_read_as_typed_at_the_screen() {
        assert_eq!(MedicineSource::from_words("GP"), MedicineSource::GpRecord);
        assert_eq!(
            MedicineSource::from_words(" packaging "),
            MedicineSource::PackagingSeen
        );
        assert_eq!(
            MedicineSource::from_words("pharmacy"),
            MedicineSource::Pharmacy
        );
        assert_eq!(MedicineSource::from_words(""), MedicineSource::SelfReport);
        assert_eq!(
            MedicineSource::from_words("my mum says"),
            MedicineSource::SelfReport
        );
    }

    #[test]
    fn self_harm_and_notes_are_not_for_custody_staff_but_allergies_are() {
        assert!(FactKind::Allergy.custody_staff_see());
        assert!(FactKind::ReportedMedicine.custody_staff_see());
        assert!(!FactKind::SelfHarm.custody_staff_see());
        assert!(!FactKind::Note.custody_staff_see());
        for k in FactKind::ALL {
            assert_eq!(FactKind::parse(k.as_str()), Some(k));
        }
    }
}
