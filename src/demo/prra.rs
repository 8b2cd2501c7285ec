//! The demo's pre-release risk assessments: everyone in custody with a care plan has one,
//! answered in step with their flags, so they can be handed over at once; people who have
//! only just arrived (no care plan yet) have none, so the refusal to release without one can be
//! seen. Written through `store::prra::insert_completed`, which checks every answer against
//! `schema/forms/prra.toml` and audits each, as the screen does.

use chrono::{DateTime, Duration, Utc};

use crate::domain::form::{Answer, AnswerValue};
use crate::domain::prra::q;
use crate::store::StoreError;

fn yes(details: &str) -> Answer {
    Answer {
        value: AnswerValue::Yes,
        details: Some(details.to_string()),
    }
}

fn no() -> Answer {
    Answer {
        value: AnswerValue::No,
        details: None,
    }
}

fn choice(value: &str) -> Answer {
    Answer {
        value: AnswerValue::Choice(value.to_string()),
        details: None,
    }
}

/// Answers the PRRA for one person in custody, from their flags and whether they are ready
/// for transfer.
pub fn complete(
    tx: &rusqlite::Connection,
    detention_id: i64,
    flags: &[(&str, &str, &str)],
    ready_for_transfer: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    crate::store::prra::insert_completed(
        tx,
        detention_id,
        &answers(flags, ready_for_transfer),
        "sergeant",
        now - Duration::minutes(5),
    )
}

/// A complete set of PRRA answers for a person with these flags (code, severity, reason):
/// what the demo records, and what tests that hand a person over give
/// `Store::complete_prra` (an empty list: a person with no concerns going home).
pub fn answers(
    flags: &[(&str, &str, &str)],
    ready_for_transfer: bool,
) -> Vec<(&'static str, Answer)> {
    let has = |codes: &[&str]| flags.iter().any(|f| codes.contains(&f.0));
    let self_harm = has(&["SH"]);
    let substances = has(&["ALC", "DRG", "WD"]);
    let health = has(&[
        "SH", "MH", "EPI", "DIAB", "HI", "PREG", "MED", "ALG", "WD", "NEWS",
    ]);
    let vulnerable = has(&["AA", "LD", "MH"]);
    let mut answers: Vec<(&str, Answer)> = vec![
        ("risk_reviewed", yes("")),
        (
            q::VULNERABLE,
            if vulnerable {
                yes("Needs an appropriate adult; not to leave alone at night")
            } else {
                no()
            },
        ),
        (
            q::GOING_TO,
            choice(if ready_for_transfer {
                "establishment"
            } else {
                "home"
            }),
        ),
        (
            q::COLLECTED_BY,
            choice(if ready_for_transfer {
                "escort"
            } else if vulnerable {
                "appropriate_adult"
            } else {
                "family_or_friend"
            }),
        ),
        (
            q::HEALTH_NEEDS,
            if health {
                yes("See the flags and the HCP's plan; medication to go with them")
            } else {
                no()
            },
        ),
        (q::SEEN_BY_HCP, if health { yes("") } else { no() }),
        (q::SELF_HARM_NOW, no()),
        (
            q::SELF_HARM_ON_RELEASE,
            if self_harm {
                yes("Self-harm history; first night after release")
            } else {
                no()
            },
        ),
        (
            q::SUBSTANCE_USE,
            if substances {
                yes("Daily use; wants support")
            } else {
                no()
            },
        ),
        (
            q::CONTACT,
            Answer {
                value: AnswerValue::Text("Sister, 07700 900274".into()),
                details: None,
            },
        ),
        (
            q::SIGNPOSTING,
            Answer {
                value: AnswerValue::Multi(if substances {
                    vec!["gp".into(), "samaritans".into(), "drug_alcohol".into()]
                } else {
                    vec!["gp".into(), "samaritans".into()]
                }),
                details: None,
            },
        ),
        (q::LEAFLETS, yes("Samaritans card; custody health leaflet")),
    ];
    if substances || self_harm {
        answers.push((
            q::REFERRAL,
            yes("Liaison and diversion, referred at booking-in"),
        ));
    } else {
        answers.push((q::REFERRAL, no()));
        answers.push((q::NO_REFERRAL, choice("not_needed")));
    }
    answers.push((q::SAFE_TO_LEAVE, yes("")));
    // "risk_reviewed" and "seen_by_hcp" take no details: a "yes" with empty details is stored
    // without them.
    for (_, a) in answers.iter_mut() {
        if a.details.as_deref() == Some("") {
            a.details = None;
        }
    }
    answers
}
