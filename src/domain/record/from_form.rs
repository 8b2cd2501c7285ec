//! Where each screening answer goes in the record. Every question with clinical content in
//! `schema/forms/*.toml` declares `record = "<target>"` (reviewable data); the loader refuses
//! an unknown target or one that does not fit the question's answer type, and this module
//! turns a form's current answers into record facts. A test walks every such question and
//! proves its answer lands somewhere visible.
//!
//! Only informative answers say anything: "declined", "unable" and "not asked" leave the area
//! unknown, which is different from "no".

use std::collections::BTreeMap;

use super::fact::{AllergySeverity, Fact, MedicineSource, PregnancyStatus, SelfHarmRecency};
use crate::domain::form::{AnswerValue, Answers, Form, Question};

/// Every target a question may name, with the answer types it takes.
pub const TARGETS: &[(&str, &[&str], &str)] = &[
    (
        "allergy.any",
        &["yes_no"],
        "no: no known allergies; yes: the details name the allergy unless listed",
    ),
    (
        "allergy.list",
        &["group"],
        "one allergy per entry (substance, reaction, severity)",
    ),
    (
        "condition.any",
        &["yes_no"],
        "yes: the details name the condition unless listed",
    ),
    (
        "condition.list",
        &["multi_choice"],
        "one condition per choice (NICE NG57 list; other from the details)",
    ),
    (
        "condition.last_seizure",
        &["choice", "text"],
        "epilepsy: when the last seizure was",
    ),
    ("condition.diabetes_type", &["choice"], "diabetes: its type"),
    (
        "reported_medicine.any",
        &["yes_no"],
        "no: takes no medicines; yes: the details name them unless listed",
    ),
    (
        "reported_medicine.list",
        &["group"],
        "one reported medicine per entry (name, dose, frequency, last taken, next due)",
    ),
    (
        "alcohol.any",
        &["yes_no"],
        "yes: drinks alcohol (details kept)",
    ),
    (
        "alcohol.units",
        &["number"],
        "units on a typical drinking day",
    ),
    (
        "alcohol.last_drink",
        &["date_time", "text"],
        "time of the last drink",
    ),
    (
        "alcohol.withdrawal_history",
        &["yes_no"],
        "withdrawal fits, shakes or hallucinations before",
    ),
    (
        "drug.any",
        &["yes_no"],
        "yes: uses drugs (details name them unless listed)",
    ),
    ("drug.which", &["multi_choice"], "one drug per choice"),
    (
        "drug.list",
        &["group"],
        "one drug per entry (substance, route, amount, last used)",
    ),
    (
        "self_harm.history",
        &["yes_no"],
        "yes: self-harm history (details kept)",
    ),
    ("self_harm.recency", &["choice"], "how recently"),
    ("self_harm.method", &["text"], "method"),
    (
        "self_harm.current_thoughts",
        &["yes_no"],
        "thoughts of self-harm or suicide now",
    ),
    (
        "self_harm.known_to_services",
        &["yes_no"],
        "known to mental health services",
    ),
    (
        "mental_health.any",
        &["yes_no"],
        "yes: mental health history (details kept)",
    ),
    (
        "injury.any",
        &["yes_no"],
        "yes: an injury (details describe it)",
    ),
    (
        "injury.body_area",
        &["multi_choice"],
        "one injury per body area",
    ),
    (
        "injury.head",
        &["yes_no"],
        "yes: a head injury or knocked out",
    ),
    ("pregnancy", &["yes_no"], "pregnant or may be"),
    (
        "communication.learning_disability",
        &["yes_no"],
        "learning disability or difficulty: appropriate adult may be needed",
    ),
    (
        "communication.needs",
        &["yes_no"],
        "an interpreter or help to communicate",
    ),
    ("note", &["text"], "a clinical note"),
];

/// Checks a question's `record` target against its answer type: `None` when it fits, else
/// the sentence the loader reports.
pub fn check_target(question_id: &str, kind_name: &str, target: &str) -> Option<String> {
    match TARGETS.iter().find(|(t, _, _)| *t == target) {
        None => Some(format!(
            "question `{question_id}` names the record target `{target}`, which does not exist: use one of {}.",
            TARGETS
                .iter()
                .map(|(t, _, _)| *t)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some((_, kinds, _)) if !kinds.contains(&kind_name) => Some(format!(
            "question `{question_id}` is a {kind_name}, but the record target `{target}` takes {}.",
            kinds.join(" or ")
        )),
        Some(_) => None,
    }
}

/// A fact with the question it mainly came from (its provenance on the record).
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub question: String,
    pub fact: Fact,
}

/// Everything the form's current answers say for the record, in form order.
pub fn facts_from_answers(form: &Form, answers: &Answers) -> Vec<Derived> {
    // Answers by target, informative ones only, for questions that still apply.
    let mut by_target: BTreeMap<&str, (&Question, &AnswerValue, &str)> = BTreeMap::new();
    for (_, q) in form.questions() {
        let Some(target) = q.record.as_deref() else {
            continue;
        };
        let Some(a) = answers.get(&q.id) else {
            continue;
        };
        if !a.value.is_informative() || !form.applies(q, answers) {
            continue;
        }
        by_target.insert(target, (q, &a.value, a.details.as_deref().unwrap_or("")));
    }
    let get = |t: &str| by_target.get(t).copied();
    let text = |t: &str| -> String {
        match get(t) {
            Some((q, v, _)) => match v {
                AnswerValue::Text(s) | AnswerValue::DateTime(s) | AnswerValue::Date(s) => {
                    s.trim().to_string()
                }
                AnswerValue::Choice(_) => v.summary(&q.kind),
                _ => String::new(),
            },
            None => String::new(),
        }
    };
    let yes = |t: &str| matches!(get(t), Some((_, AnswerValue::Yes, _)));
    let yes_no = |t: &str| match get(t) {
        Some((_, AnswerValue::Yes, _)) => Some(true),
        Some((_, AnswerValue::No, _)) => Some(false),
        _ => None,
    };
    let details = |t: &str| {
        get(t)
            .map(|(_, _, d)| d.trim().to_string())
            .unwrap_or_default()
    };
    let qid = |t: &str| get(t).map(|(q, _, _)| q.id.clone()).unwrap_or_default();
    let rows = |t: &str| match get(t) {
        Some((_, AnswerValue::Group(rows), _)) => rows.clone(),
        _ => Vec::new(),
    };
    let multi = |t: &str| match get(t) {
        Some((q, AnswerValue::Multi(vs), _)) => vs
            .iter()
            .map(|v| {
                let label = q
                    .kind
                    .choices()
                    .into_iter()
                    .find(|c| &c.value == v)
                    .map(|c| c.label)
                    .unwrap_or_else(|| v.clone());
                (v.clone(), label)
            })
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let field = |row: &BTreeMap<String, String>, k: &str| {
        row.get(k).map(|s| s.trim().to_string()).unwrap_or_default()
    };

    let mut out = Vec::new();
    let mut push = |question: String, fact: Fact| out.push(Derived { question, fact });

    // Allergies: a list wins; otherwise "yes" with details is one allergy in the person's words.
    let listed = rows("allergy.list");
    let listed_any = listed.iter().any(|r| !field(r, "substance").is_empty());
    for r in &listed {
        let substance = field(r, "substance");
        if substance.is_empty() {
            continue;
        }
        push(
            qid("allergy.list"),
            Fact::Allergy {
                substance,
                reaction: field(r, "reaction"),
                severity: AllergySeverity::parse(&field(r, "severity")),
            },
        );
    }
    match yes_no("allergy.any") {
        Some(false) if !listed_any => push(qid("allergy.any"), Fact::NoKnownAllergies),
        Some(true) if !listed_any => {
            let d = details("allergy.any");
            push(
                qid("allergy.any"),
                Fact::Allergy {
                    substance: if d.is_empty() {
                        "allergy, substance not recorded".into()
                    } else {
                        d
                    },
                    reaction: String::new(),
                    severity: AllergySeverity::Unknown,
                },
            );
        }
        _ => {}
    }

    // Conditions.
    let chosen = multi("condition.list");
    for (value, label) in &chosen {
        let (name, detail) = if value == "other" {
            let mut d = details("condition.list");
            if d.is_empty() {
                d = details("condition.any");
            }
            (if d.is_empty() { label.clone() } else { d }, String::new())
        } else {
            (label.clone(), String::new())
        };
        push(
            qid("condition.list"),
            Fact::Condition {
                code: value.clone(),
                name,
                detail,
                last_seizure: if value == "epilepsy" {
                    text("condition.last_seizure")
                } else {
                    String::new()
                },
                diabetes_type: if value == "diabetes" {
                    text("condition.diabetes_type")
                } else {
                    String::new()
                },
            },
        );
    }
    if yes("condition.any") && chosen.is_empty() {
        let d = details("condition.any");
        push(
            qid("condition.any"),
            Fact::Condition {
                code: "other".into(),
                name: if d.is_empty() {
                    "condition, not named".into()
                } else {
                    d
                },
                detail: String::new(),
                last_seizure: String::new(),
                diabetes_type: String::new(),
            },
        );
    }

    // Medicines the person reports or brings: unverified until an HCP confirms them.
    let meds = rows("reported_medicine.list");
    let meds_any = meds.iter().any(|r| !field(r, "name").is_empty());
    for r in &meds {
        let name = field(r, "name");
        if name.is_empty() {
            continue;
        }
        let source = MedicineSource::from_words(&field(r, "source"));
        push(
            qid("reported_medicine.list"),
            Fact::ReportedMedicine {
                name,
                dose: field(r, "dose"),
                frequency: field(r, "frequency"),
                last_taken: field(r, "last_taken"),
                next_due: field(r, "next_due"),
                source,
                verified: false,
            },
        );
    }
    match yes_no("reported_medicine.any") {
        Some(false) if !meds_any => push(qid("reported_medicine.any"), Fact::NoMedicines),
        Some(true) if !meds_any => {
            let d = details("reported_medicine.any");
            push(
                qid("reported_medicine.any"),
                Fact::ReportedMedicine {
                    name: if d.is_empty() {
                        "medicines, not named".into()
                    } else {
                        d
                    },
                    dose: String::new(),
                    frequency: String::new(),
                    last_taken: String::new(),
                    next_due: String::new(),
                    source: MedicineSource::SelfReport,
                    verified: false,
                },
            );
        }
        _ => {}
    }

    // Alcohol: one entry with units, last drink and withdrawal history.
    if yes("alcohol.any") {
        let units = match get("alcohol.units") {
            Some((_, AnswerValue::Number(n), _)) if *n >= 0.0 => Some(n.round() as u32),
            _ => None,
        };
        let mut last = text("alcohol.last_drink");
        let d = details("alcohol.any");
        if last.is_empty() && !d.is_empty() {
            last = d;
        }
        push(
            qid("alcohol.any"),
            Fact::Alcohol {
                units_per_day: units,
                last_drink: last,
                withdrawal_history: yes_no("alcohol.withdrawal_history"),
            },
        );
    }

    // Drugs: listed entries first, then any chosen drug not listed.
    if yes("drug.any") {
        let listed = rows("drug.list");
        let mut named: Vec<String> = Vec::new();
        for r in &listed {
            let substance = field(r, "substance");
            if substance.is_empty() {
                continue;
            }
            named.push(substance.to_lowercase());
            push(
                qid("drug.list"),
                Fact::Drug {
                    substance,
                    route: field(r, "route"),
                    amount: field(r, "amount"),
                    last_used: field(r, "last_used"),
                },
            );
        }
        let which = multi("drug.which");
        for (value, label) in &which {
            let lower = label.to_lowercase();
            if named
                .iter()
                .any(|n| lower.contains(n.as_str()) || n.contains(value.as_str()))
            {
                continue;
            }
            push(
                qid("drug.which"),
                Fact::Drug {
                    substance: label.clone(),
                    route: String::new(),
                    amount: String::new(),
                    last_used: String::new(),
                },
            );
        }
        if listed.is_empty() && which.is_empty() {
            let d = details("drug.any");
            push(
                qid("drug.any"),
                Fact::Drug {
                    substance: if d.is_empty() {
                        "drugs, not named".into()
                    } else {
                        d
                    },
                    route: String::new(),
                    amount: String::new(),
                    last_used: String::new(),
                },
            );
        }
    }

    // Self-harm and suicide: history, recency, method, thoughts now, known to services.
    let thoughts = yes_no("self_harm.current_thoughts");
    if yes("self_harm.history") || thoughts == Some(true) {
        let recency = match get("self_harm.recency") {
            Some((_, AnswerValue::Choice(v), _)) => SelfHarmRecency::parse(v),
            _ => SelfHarmRecency::Unknown,
        };
        let question = if yes("self_harm.history") {
            qid("self_harm.history")
        } else {
            qid("self_harm.current_thoughts")
        };
        push(
            question,
            Fact::SelfHarm {
                recency,
                method: text("self_harm.method"),
                details: details("self_harm.history"),
                current_thoughts: thoughts,
                known_to_mental_health_services: yes_no("self_harm.known_to_services"),
            },
        );
    }
    if yes("mental_health.any") {
        push(
            qid("mental_health.any"),
            Fact::MentalHealth {
                details: details("mental_health.any"),
            },
        );
    }

    // Injuries by body area, described by the "any injury" details.
    if yes("injury.any") {
        let description = details("injury.any");
        let areas = multi("injury.body_area");
        if areas.is_empty() && !yes("injury.head") {
            push(
                qid("injury.any"),
                Fact::Injury {
                    body_area: String::new(),
                    description: description.clone(),
                },
            );
        }
        for (_, label) in areas {
            push(
                qid("injury.body_area"),
                Fact::Injury {
                    body_area: label,
                    description: description.clone(),
                },
            );
        }
        if yes("injury.head") {
            push(
                qid("injury.head"),
                Fact::Injury {
                    body_area: "Head".into(),
                    description: if description.is_empty() {
                        "head injury or knocked out".into()
                    } else {
                        format!("head injury or knocked out: {description}")
                    },
                },
            );
        }
    }

    if let Some(p) = yes_no("pregnancy") {
        push(
            qid("pregnancy"),
            Fact::Pregnancy {
                status: if p {
                    PregnancyStatus::Pregnant
                } else {
                    PregnancyStatus::NotPregnant
                },
                details: details("pregnancy"),
            },
        );
    }

    if yes("communication.learning_disability") {
        let d = details("communication.learning_disability");
        push(
            qid("communication.learning_disability"),
            Fact::Communication {
                need: if d.is_empty() { "learning disability or difficulty".into() } else { format!("learning disability or difficulty: {d}") },
                adjustment: "an appropriate adult may be needed (PACE Code C 1.4); explain and check understanding".into(),
            },
        );
    }
    if yes("communication.needs") {
        let d = details("communication.needs");
        push(
            qid("communication.needs"),
            Fact::Communication {
                need: if d.is_empty() {
                    "needs help to communicate".into()
                } else {
                    d
                },
                adjustment: "interpreter or communication support (PACE Code C 3.12, 13)".into(),
            },
        );
    }

    let note = text("note");
    if !note.is_empty() {
        push(qid("note"), Fact::Note { text: note });
    }
    out
}
