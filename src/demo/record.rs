//! The demo's clinical record: what each person in custody told the health screen (allergies,
//! conditions, medicines they reported, substance use, self-harm, communication needs), in
//! step with their flags, and what the returning person's earlier detentions and the HMP
//! Leeds handover said. Written through `store::record::insert_entry`, as the screen does.

use chrono::{DateTime, Duration, Utc};

use crate::domain::record::{
    AllergySeverity, Fact, MedicineSource, Origin, PregnancyStatus, SelfHarmRecency,
};
use crate::store::StoreError;
use crate::store::record::{NewEntry, insert_entry};

fn allergy(substance: &str, reaction: &str, severity: AllergySeverity) -> Fact {
    Fact::Allergy {
        substance: substance.into(),
        reaction: reaction.into(),
        severity,
    }
}

fn condition(code: &str, name: &str, detail: &str) -> Fact {
    Fact::Condition {
        code: code.into(),
        name: name.into(),
        detail: detail.into(),
        last_seizure: String::new(),
        diabetes_type: String::new(),
    }
}

fn reported(name: &str, dose: &str, frequency: &str, last_taken: &str) -> Fact {
    Fact::ReportedMedicine {
        name: name.into(),
        dose: dose.into(),
        frequency: frequency.into(),
        last_taken: last_taken.into(),
        next_due: String::new(),
        source: MedicineSource::SelfReport,
        verified: false,
    }
}

fn drug(substance: &str, route: &str, amount: &str, last_used: &str) -> Fact {
    Fact::Drug {
        substance: substance.into(),
        route: route.into(),
        amount: amount.into(),
        last_used: last_used.into(),
    }
}

/// What the health screen recorded for each person in custody, by surname.
fn screened(surname: &str) -> Vec<Fact> {
    match surname {
        // His EpiPen is already on the medication list (confirmed from the GP summary).
        "Wright" => vec![allergy(
            "Peanut",
            "anaphylaxis with throat swelling",
            AllergySeverity::Severe,
        )],
        "Patel" => vec![
            Fact::NoKnownAllergies,
            Fact::Condition {
                code: "diabetes".into(),
                name: "Diabetes".into(),
                detail: "basal-bolus insulin".into(),
                last_seizure: String::new(),
                diabetes_type: "Type 1".into(),
            },
        ],
        "Wood" => vec![
            allergy(
                "Penicillin",
                "rash and facial swelling",
                AllergySeverity::Moderate,
            ),
            Fact::Condition {
                code: "epilepsy".into(),
                name: "Epilepsy or seizures".into(),
                detail: String::new(),
                last_seizure: "In the last month".into(),
                diabetes_type: String::new(),
            },
        ],
        "Davies" => vec![
            Fact::NoKnownAllergies,
            Fact::Alcohol {
                units_per_day: Some(30),
                last_drink: "06:30 today".into(),
                withdrawal_history: Some(true),
            },
            condition(
                "epilepsy",
                "Withdrawal seizures",
                "2023, when stopping drinking",
            ),
        ],
        "Bennett" => vec![
            Fact::NoKnownAllergies,
            drug("Heroin", "smoked", "0.5 g a day", "yesterday evening"),
            reported(
                "Methadone 1 mg/ml",
                "60 ml",
                "once daily",
                "yesterday 09:00",
            ),
        ],
        "O'Brien" => vec![
            Fact::Alcohol {
                units_per_day: Some(18),
                last_drink: "an hour before arrest".into(),
                withdrawal_history: None,
            },
            Fact::Injury {
                body_area: "Head".into(),
                description: "graze to the left temple from a fall before arrest".into(),
            },
        ],
        "Clarke" => vec![
            allergy("Ibuprofen", "wheeze", AllergySeverity::Moderate),
            drug("Cocaine", "swallowed wraps", "3 wraps", "at arrest"),
        ],
        "Popescu" => vec![
            Fact::NoKnownAllergies,
            Fact::Communication {
                need: "Romanian speaker; little English".into(),
                adjustment: "interpreter by phone for every health question".into(),
            },
        ],
        "Begum" => vec![
            Fact::NoKnownAllergies,
            Fact::SelfHarm {
                recency: SelfHarmRecency::WithinMonth,
                method: "ligature".into(),
                details: "ligature with a cardigan at arrest; overdose three weeks ago".into(),
                current_thoughts: Some(true),
                known_to_mental_health_services: Some(true),
            },
            Fact::Pregnancy {
                status: PregnancyStatus::NotPregnant,
                details: String::new(),
            },
        ],
        "Murphy" => vec![Fact::SelfHarm {
            recency: SelfHarmRecency::WithinYear,
            method: "swallowing objects".into(),
            details: "tried to swallow a battery at arrest".into(),
            current_thoughts: Some(false),
            known_to_mental_health_services: Some(false),
        }],
        _ => Vec::new(),
    }
}

/// Writes what the health screen recorded for a person in custody.
pub(super) fn current(
    tx: &rusqlite::Connection,
    surname: &str,
    person_id: i64,
    detention_id: i64,
    screened_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for fact in screened(surname) {
        insert_entry(
            tx,
            &NewEntry {
                person_id,
                detention_id: Some(detention_id),
                fact: &fact,
                origin: &Origin::Screen {
                    form: crate::domain::form::HEALTH_SCREEN.into(),
                    question: String::new(),
                },
                answer_id: None,
                import_id: None,
                recorded_by: "hcp",
                recorded_at: screened_at,
            },
        )?;
    }
    Ok(())
}

/// What the returning person's first detention here recorded (a penicillin allergy and
/// epilepsy on levetiracetam), and what HMP Leeds's handover said (methadone).
pub(super) fn returning(
    tx: &rusqlite::Connection,
    person_id: i64,
    first_detention: i64,
    first_seen: DateTime<Utc>,
    import_id: i64,
    signed_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let here = [
        allergy(
            "Penicillin",
            "rash and facial swelling",
            AllergySeverity::Severe,
        ),
        Fact::Condition {
            code: "epilepsy".into(),
            name: "Epilepsy or seizures".into(),
            detail: String::new(),
            last_seizure: "In the last month".into(),
            diabetes_type: String::new(),
        },
        reported("Levetiracetam", "500 mg", "twice daily", "08:00"),
    ];
    for fact in &here {
        insert_entry(
            tx,
            &NewEntry {
                person_id,
                detention_id: Some(first_detention),
                fact,
                origin: &Origin::Screen {
                    form: crate::domain::form::HEALTH_SCREEN.into(),
                    question: String::new(),
                },
                answer_id: None,
                import_id: None,
                recorded_by: "hcp",
                recorded_at: first_seen + Duration::hours(1),
            },
        )?;
    }
    let from_leeds = reported(
        "Methadone 1 mg/ml oral solution",
        "60 ml",
        "once daily",
        "08:00 on the day of release",
    );
    insert_entry(
        tx,
        &NewEntry {
            person_id,
            detention_id: None,
            fact: &from_leeds,
            origin: &Origin::Bundle {
                organisation: "HMP Leeds".into(),
                signed_at,
            },
            answer_id: None,
            import_id: Some(import_id),
            recorded_by: "HMP Leeds",
            recorded_at: signed_at,
        },
    )?;
    Ok(())
}
