//! The demo's appropriate adults and interpreters, recorded through the store API as the
//! suite's staff would (role-checked, validated, audited): a juvenile whose appropriate adult
//! (his mother) was asked for 45 minutes ago and has not arrived, so the board shows
//! `AA WAIT 45m`; a vulnerable adult whose appropriate adult is here for interview; a Polish
//! interpreter who has arrived; and a Romanian interpreter still awaited (`INTERP WAIT`).

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use crate::domain::support::{Need, Step};
use crate::store::support::StepDraft;
use crate::store::{Store, StoreError};

/// (surname, need, reason or language, minutes ago: needed, requested, arrived).
type DemoNeed = (
    &'static str,
    Need,
    &'static str,
    i64,
    Option<i64>,
    Option<i64>,
);

pub(super) const NEEDS: &[DemoNeed] = &[
    (
        "Walker",
        Need::Under18,
        "aged 16; mother asked to come",
        70,
        Some(45),
        None,
    ),
    (
        "Begum",
        Need::VulnerableAdult,
        "mental health: the HCP advises an appropriate adult for interview",
        200,
        Some(150),
        Some(40),
    ),
    ("Kowalski", Need::Language, "Polish", 90, Some(85), Some(50)),
    ("Popescu", Need::Language, "Romanian", 120, Some(25), None),
];

/// Records [`NEEDS`] as the detention officer (needs and requests) and the custody
/// sergeant (arrivals).
pub fn record(db: &Path, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut officer = Store::unlock_unfinished(db, "officer", super::DEMO_PASSWORD, now)?.store;
    let people = officer.in_custody()?;
    let ago = |m: i64| now - Duration::minutes(m);
    let mut arrivals = Vec::new();
    for (surname, need, detail, needed, requested, arrived) in NEEDS {
        let Some(person) = people.iter().find(|e| e.surname == *surname) else {
            continue;
        };
        let id = person.detention_id;
        let kind = need.kind();
        let step = |step: Step, at: DateTime<Utc>| StepDraft {
            kind,
            step,
            need: None,
            detail: String::new(),
            at,
        };
        officer.record_support(
            id,
            &StepDraft {
                need: Some(*need),
                detail: (*detail).to_string(),
                ..step(Step::Needed, ago(*needed))
            },
            now,
        )?;
        if let Some(m) = requested {
            officer.record_support(id, &step(Step::Requested, ago(*m)), now)?;
        }
        if let Some(m) = arrived {
            arrivals.push((id, step(Step::Arrived, ago(*m))));
        }
    }
    drop(officer);
    let mut sergeant = Store::unlock_unfinished(db, "sergeant", super::DEMO_PASSWORD, now)?.store;
    for (id, arrival) in arrivals {
        sergeant.record_support(id, &arrival, now)?;
    }
    Ok(())
}
