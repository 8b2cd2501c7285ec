//! `sonar demo`: a throwaway encrypted suite full of realistic synthetic detainees, so a
//! newcomer sees the real program working. Every name is invented; the historical people are
//! generated from a fixed seed, so two runs produce the same suite.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;

mod booking;
mod clinical;
mod current;
pub mod names;
mod prra;
pub use prra::answers as prra_answers;
mod record;
mod support;

use crate::domain::role::Role;
use crate::store::audit::{self, AuditAction};
use crate::store::custody::{
    NewCarePlan, NewDetention, NewFlag, NewPerson, insert_care_plan, insert_check,
    insert_detention, insert_flag, insert_hcp_contact, insert_person,
};
use crate::store::{Store, StoreError};
use current::{CURRENT, Current};
use names::{FEMALE_NAMES, MALE_NAMES, OFFENCES, OFFICERS, SURNAMES};

/// The demo accounts: (username, display name, role). Each has the password [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 5] = [
    ("hcp", "Nurse Priya Raman", Role::Hcp),
    ("sergeant", "Sgt Dan Okafor", Role::Sergeant),
    ("officer", "DO Kim Walsh", Role::DetentionOfficer),
    ("admin", "Suite Admin", Role::Admin),
    ("wallboard", "Suite wall board", Role::WallBoard),
];

/// Published with the demo: never use it for a real suite.
pub const DEMO_PASSWORD: &str = "demo";

pub const DEMO_SUITE: &str = "Northgate Custody Suite (demo)";

/// The most historical people a demo makes: the scale the board's per-tick budget is measured
/// at (DESIGN.md, `benches/board.rs`), so any figure a suite needs to try is allowed and a
/// mistyped one cannot run for days.
pub const MAX_PEOPLE: u64 = 1_000_000;

/// The seed every demo's historical data comes from.
pub const SEED: u64 = 0x50_4E_41_52;

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// The custody number format: suite prefix, two-digit year, six-digit serial within the year.
pub fn custody_number(year: i32, serial: u32) -> String {
    format!("NG-{:02}-{serial:06}", year.rem_euclid(100))
}

/// Hands out custody numbers, counting from 1 each year.
#[derive(Default)]
struct Serials(std::collections::HashMap<i32, u32>);

impl Serials {
    fn next(&mut self, year: i32) -> String {
        let serial = self.0.entry(year).or_insert(0);
        *serial += 1;
        custody_number(year, *serial)
    }
}

/// How far generation has got, for a progress line.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Fills a freshly initialised suite (logged in as its admin) with the demo accounts, the
/// people in custody now, and `historical` earlier people and detentions.
pub fn populate(
    store: &mut Store,
    historical: u64,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    for (username, display, role) in DEMO_ACCOUNTS {
        if username != store.identity().username {
            store.add_user_with(username, display, role, DEMO_PASSWORD, false, now)?;
        }
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let year = chrono::Datelike::year(&now);
    let mut serials = Serials::default();
    let batch = 20_000u64;
    let mut done = 0u64;
    let by = store.identity().username.clone();
    while done < historical {
        let upto = (done + batch).min(historical);
        store.write_raw(|tx| {
            for _ in done..upto {
                historical_person(tx, &mut rng, &mut serials, now)?;
            }
            Ok(())
        })?;
        done = upto;
        progress(done, historical);
    }
    store.write_raw(|tx| {
        for c in CURRENT {
            let custody_no = serials.next(year);
            current_person(tx, c, custody_no, &mut serials, now)?;
        }
        returning_person(tx, &mut serials, now)?;
        audit::append(
            tx,
            now,
            &by,
            AuditAction::RecordWrite,
            "demo",
            &format!(
                "generated {} in custody and {historical} historical people",
                CURRENT.len()
            ),
        )?;
        Ok(())
    })?;
    referrals_and_appointments(store.db_path(), now)?;
    support::record(store.db_path(), now)?;
    hcp_request_and_direction(store.db_path(), now)
}

/// How long before the demo's "now" the detention officer asked for an HCP: just past the
/// routine band (4 hours), so the board shows a wait overdue (IOPC, North Yorkshire, 2024: a
/// wait of 6.25 hours), and less overdue than the demo's late check, which stays on top.
const DEMO_WAIT: Duration = Duration::minutes(4 * 60 + 5);

/// A routine request for an HCP made over 4 hours ago and not yet met, and an HCP's "re-assess at"
/// direction given 5 minutes ago that no sergeant has acknowledged, through the store API as
/// the demo's staff would make them. The direction is recent so it is on every sergeant's
/// screen without yet ringing (it escalates after 15 minutes).
fn hcp_request_and_direction(db: &Path, now: DateTime<Utc>) -> Result<(), StoreError> {
    let asked_at = now - DEMO_WAIT;
    let mut officer = Store::unlock_unfinished(db, "officer", DEMO_PASSWORD, now)?.store;
    let mut people = officer.in_custody()?;
    people.sort_by_key(|e| e.detention_id);
    // Someone here since before the request whom no HCP has seen since: the wait is real.
    let waiting = people
        .iter()
        .find(|e| e.arrived_at <= asked_at && e.last_seen.as_ref().is_none_or(|s| s.at < asked_at))
        .map(|e| e.detention_id);
    if let Some(id) = waiting {
        officer.request_hcp(
            id,
            "routine",
            "Asks to see the nurse about back pain and missed tablets",
            asked_at,
        )?;
    }
    drop(officer);
    // The person the HCP saw most recently (not the one waiting): re-assess in 40 minutes.
    let given_at = now - Duration::minutes(5);
    let reassess = people
        .iter()
        .filter(|e| Some(e.detention_id) != waiting && e.arrived_at <= given_at)
        .filter_map(|e| Some((e.last_seen.as_ref()?.at, e.detention_id)))
        .filter(|(at, _)| *at <= given_at)
        .max()
        .map(|(_, id)| id);
    if let Some(id) = reassess {
        let mut hcp = Store::unlock_unfinished(db, "hcp", DEMO_PASSWORD, now)?.store;
        hcp.give_direction(
            id,
            &crate::domain::hcp::DirectionDraft {
                kind: crate::domain::hcp::DirectionKind::ReassessAt {
                    due_at: now + Duration::minutes(40),
                },
                words: "Check pupils and speech; call me sooner if more drowsy".into(),
            },
            given_at,
        )?;
    }
    Ok(())
}

/// Drug and alcohol referrals with an appointment after release (surname, consent scopes,
/// referral, (days ahead, hour, service, place)). Invented services and addresses; the
/// phone numbers are Ofcom's drama range (07700 900xxx).
type DemoFollowUp = (
    &'static str,
    NewReferralSpec,
    (i64, u32, &'static str, &'static str),
);
/// (substance, route, treatment history, reason, phone, address, postcode, no fixed abode,
/// reachable at)
type NewReferralSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);
const FOLLOW_UPS: &[DemoFollowUp] = &[
    (
        "Bennett",
        (
            "heroin",
            "smoked",
            "Methadone programme 2022, disengaged 2024",
            "Wants to restart treatment on release; daily heroin use",
            "07700 900461",
            "",
            "",
            true,
            "Westgate hostel, Newcastle (key worker on 0191 498 0731)",
        ),
        (
            3,
            10,
            "Community drug and alcohol service (Tyneside Recovery)",
            "Plummer House, Market Street, Newcastle NE1 6NF",
        ),
    ),
    (
        "Taylor",
        (
            "alcohol",
            "oral",
            "None",
            "Drinks most days; agreed to an alcohol assessment",
            "07700 900118",
            "27 Shields Road, Newcastle",
            "NE6 1DL",
            false,
            "",
        ),
        (
            8,
            14,
            "Alcohol assessment, community drug and alcohol service",
            "Shields Road Health Centre, Newcastle NE6 1DL",
        ),
    ),
];

/// Consent, a referral and an appointment after release for [`FOLLOW_UPS`], through the
/// store API as the demo's HCP would make them (validated, audited, role-checked).
fn referrals_and_appointments(db: &Path, now: DateTime<Utc>) -> Result<(), StoreError> {
    use crate::store::clinical::{NewAppointment, NewReferral};
    use chrono::TimeZone;
    let mut hcp = Store::unlock_unfinished(db, "hcp", DEMO_PASSWORD, now)?.store;
    let people = hcp.in_custody()?;
    for (surname, r, (days, hour, service, place)) in FOLLOW_UPS {
        let Some(person) = people.iter().find(|e| e.surname == *surname) else {
            continue;
        };
        let id = person.detention_id;
        for scope in ["receiving_establishment", "community_treatment"] {
            hcp.record_consent(
                id,
                scope,
                "consents",
                "has capacity; understands who will see it",
                now,
            )?;
        }
        let (substance, route, history, reason, phone, address, postcode, nfa, reachable) = *r;
        hcp.add_referral(
            id,
            &NewReferral {
                kind: "drug_alcohol".into(),
                substance: substance.into(),
                route: route.into(),
                treatment_history: history.into(),
                reason: reason.into(),
                phone: Some(phone.into()),
                address: address.into(),
                postcode: (!postcode.is_empty()).then(|| postcode.to_string()),
                no_fixed_abode: nfa,
                reachable_at: reachable.into(),
            },
            now,
        )?;
        // A weekday morning or afternoon some days ahead, London time.
        let day = crate::domain::observation::london_date(now) + Duration::days(*days);
        let at = chrono_tz::Europe::London
            .from_local_datetime(&day.and_hms_opt(*hour, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now + Duration::days(*days));
        hcp.book_appointment(
            id,
            &NewAppointment {
                service: service.to_string(),
                at,
                place: place.to_string(),
            },
            now,
        )?;
    }
    // Fitness decisions the sergeant acts on: O'Brien detained under hourly neuro checks,
    // Clarke not yet fit for interview, Begum fit for interview with an appropriate adult.
    for (surname, kind, fit, conditions, reason) in FITNESS {
        if let Some(person) = people.iter().find(|e| e.surname == *surname) {
            hcp.record_fitness(person.detention_id, kind, *fit, conditions, reason, now)?;
        }
    }
    Ok(())
}

/// (surname, kind, fit, conditions, clinical reason).
const FITNESS: &[(&str, &str, bool, &str, &str)] = &[
    (
        "O'Brien",
        "detain",
        true,
        "GCS and NEWS2 hourly; to hospital if GCS falls below 13 or NEWS2 reaches 7",
        "Head injury with alcohol; new confusion at 13:40, no focal signs.",
    ),
    (
        "Clarke",
        "interview",
        false,
        "Reassess after 18:00 once sober",
        "Still intoxicated; cannot follow the caution.",
    ),
    (
        "Begum",
        "interview",
        true,
        "Needs an appropriate adult; breaks every hour",
        "Depression with recent self-harm; has capacity.",
    ),
];

fn historical_person(
    tx: &rusqlite::Connection,
    rng: &mut StdRng,
    serials: &mut Serials,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let female = rng.random_bool(0.2);
    let forenames = if female {
        pick(rng, FEMALE_NAMES)
    } else {
        pick(rng, MALE_NAMES)
    };
    let dob = NaiveDate::from_ymd_opt(
        rng.random_range(1950..2008),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    );
    let person = NewPerson {
        surname: pick(rng, SURNAMES).to_string(),
        forenames: forenames.to_string(),
        date_of_birth: dob,
        sex: Some(if female { "female" } else { "male" }.to_string()),
        nhs_number: None,
        pnc_id: None,
    };
    let arrived = now - Duration::minutes(rng.random_range(60 * 24..60 * 24 * 365 * 5));
    let person_id = insert_person(tx, &person, arrived)?;
    let year = chrono::Datelike::year(&arrived);
    let detention_id = insert_detention(
        tx,
        &NewDetention {
            person_id,
            custody_no: serials.next(year),
            arrived_at: arrived,
            authorised_at: Some(arrived + Duration::minutes(15)),
            arresting_officer: pick(rng, OFFICERS).to_string(),
            reason: pick(rng, OFFENCES).to_string(),
            cell: format!("C{}", rng.random_range(1..20)),
            closed_at: Some(arrived + Duration::minutes(rng.random_range(120..1800))),
            destination: Some(
                ["release", "court", "prison", "hospital"][rng.random_range(0..4)].to_string(),
            ),
            ready_for_transfer: false,
        },
    )?;
    if rng.random_bool(0.15) {
        let (code, reason) = [
            ("ALC", "Intoxicated on arrival"),
            ("SH", "Disclosed self-harm in the last year"),
            ("DRG", "Daily drug user"),
            ("MH", "Known to mental health services"),
        ][rng.random_range(0..4)];
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code,
                severity: "warning",
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: arrived,
            },
        )?;
    }
    Ok(())
}

/// Whose PACE review the demo leaves overdue, so the board shows one (`REVIEW !-8m`).
const PACE_REVIEW_OVERDUE: &str = "Scott";

/// PACE reviews for someone in custody long enough to have had them (s.40: 6 hours after
/// authorisation, then every 9), each done 20 minutes before it fell due, with the
/// representations made; except [`PACE_REVIEW_OVERDUE`]'s, which nobody has done yet.
fn pace_reviews(
    tx: &rusqlite::Connection,
    c: &Current,
    detention_id: i64,
    arrived: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if c.surname == PACE_REVIEW_OVERDUE || c.arrived_minutes_ago <= 15 {
        return Ok(());
    }
    let Ok(clock) = crate::domain::pace::PaceClock::new(arrived, arrived + Duration::minutes(12))
    else {
        return Ok(());
    };
    let mut done = Vec::new();
    loop {
        let (number, due) = clock.next_review_due(&done);
        let at = due - Duration::minutes(20);
        if at > now {
            return Ok(());
        }
        let review = crate::domain::pace::ValidReview {
            reviewed_by: "Insp R. Lowe".into(),
            outcome: "detention continues: enquiries ongoing".into(),
            representations: if number % 2 == 1 {
                "detainee: none made; solicitor by phone: asks for release on bail".into()
            } else {
                "none made; asleep, to be told on waking".into()
            },
            late_reason: String::new(),
        };
        crate::store::pace::insert_review(tx, detention_id, at, &review, "sergeant", at)?;
        done.push(at);
    }
}

fn current_person(
    tx: &rusqlite::Connection,
    c: &Current,
    custody_no: String,
    serials: &mut Serials,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let arrived = now - Duration::minutes(c.arrived_minutes_ago);
    let person_id = insert_person(
        tx,
        &NewPerson {
            surname: c.surname.to_string(),
            forenames: c.forenames.to_string(),
            date_of_birth: NaiveDate::from_ymd_opt(c.dob.0, c.dob.1, c.dob.2),
            sex: Some(c.sex.to_string()),
            nhs_number: c.nhs.map(str::to_string),
            pnc_id: c.pnc.map(str::to_string),
        },
        arrived,
    )?;
    if let Some((code, severity, reason, days_ago)) = c.history {
        let then = now - Duration::days(days_ago);
        let earlier = insert_detention(
            tx,
            &NewDetention {
                person_id,
                custody_no: serials.next(chrono::Datelike::year(&then)),
                arrived_at: then,
                authorised_at: Some(then + Duration::minutes(10)),
                arresting_officer: "PC 4512 Hart".into(),
                reason: "Possession of a controlled drug".into(),
                cell: "C3".into(),
                closed_at: Some(then + Duration::hours(14)),
                destination: Some("release".into()),
                ready_for_transfer: false,
            },
        )?;
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(earlier),
                code,
                severity,
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: then + Duration::hours(3),
            },
        )?;
    }
    let detention_id = insert_detention(
        tx,
        &NewDetention {
            person_id,
            custody_no,
            arrived_at: arrived,
            authorised_at: (c.arrived_minutes_ago > 15).then(|| arrived + Duration::minutes(12)),
            arresting_officer: OFFICERS[c.cell.len() % OFFICERS.len()].to_string(),
            reason: c.offence.to_string(),
            cell: c.cell.to_string(),
            closed_at: None,
            destination: None,
            ready_for_transfer: c.ready_for_transfer,
        },
    )?;
    pace_reviews(tx, c, detention_id, arrived, now)?;
    booking::record(tx, c.surname, detention_id, arrived)?;
    for (code, severity, reason) in c.flags {
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code,
                severity,
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: arrived + Duration::minutes(10),
            },
        )?;
    }
    if let Some((level, interval, rouse, instructions, rationale)) = c.plan {
        let set_at = arrived + Duration::minutes(15.min(c.arrived_minutes_ago));
        insert_care_plan(
            tx,
            &NewCarePlan {
                detention_id,
                level,
                interval_minutes: interval,
                rouse,
                instructions,
                rationale,
                set_by: "sergeant",
                set_at,
            },
        )?;
        if let (Some(ago), Some(every)) = (c.last_check_minutes_ago, interval) {
            // Checks back from the last one at the plan's interval, as far as the plan goes.
            let mut at = now - Duration::minutes(ago);
            let mut checks = Vec::new();
            while at > set_at {
                checks.push(at);
                at -= Duration::minutes(i64::from(every));
            }
            for at in checks.into_iter().rev() {
                insert_check(
                    tx,
                    detention_id,
                    at,
                    "officer",
                    rouse.then_some(true),
                    "settled",
                )?;
            }
        }
    }
    record::current(
        tx,
        c.surname,
        person_id,
        detention_id,
        arrived + Duration::minutes(c.arrived_minutes_ago.min(30)),
    )?;
    if let Some(note) = c.hcp_note {
        insert_hcp_contact(
            tx,
            detention_id,
            arrived + Duration::minutes(c.arrived_minutes_ago.min(40)),
            "hcp",
            note,
        )?;
    }
    let recorded = arrived + Duration::minutes(c.arrived_minutes_ago.min(30));
    clinical::record(tx, c.surname, detention_id, recorded, now)?;
    // A PRRA for everyone with a care plan; those who have only just arrived have none, so
    // the refusal to release without one shows (issue 13).
    if c.plan.is_some() {
        prra::complete(tx, detention_id, c.flags, c.ready_for_transfer, now)?;
    }
    Ok(())
}

/// The demo's person with history who is not in custody now: booking them in shows the
/// "already known" banner (flags from two earlier detentions and one from an imported
/// handover bundle).
pub const RETURNING: (&str, &str) = ("Marsh", "Daniel");

fn returning_person(
    tx: &rusqlite::Connection,
    serials: &mut Serials,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let first_seen = now - Duration::days(400);
    let person_id = insert_person(
        tx,
        &NewPerson {
            surname: RETURNING.0.into(),
            forenames: RETURNING.1.into(),
            date_of_birth: NaiveDate::from_ymd_opt(1988, 6, 14),
            sex: Some("male".into()),
            nhs_number: Some("9912003888".into()),
            pnc_id: Some("2008/0056560Z".into()),
        },
        first_seen,
    )?;
    let visits = [
        (
            400,
            "EPI",
            "warning",
            "Epilepsy: levetiracetam 500 mg twice daily; last seizure in the spring.",
        ),
        (
            120,
            "SH",
            "warning",
            "Tied a ligature in the cell; HCP review, level 3 overnight.",
        ),
    ];
    let mut first_detention = None;
    for (days_ago, code, severity, reason) in visits {
        let then = now - Duration::days(days_ago);
        let detention_id = insert_detention(
            tx,
            &NewDetention {
                person_id,
                custody_no: serials.next(chrono::Datelike::year(&then)),
                arrived_at: then,
                authorised_at: Some(then + Duration::minutes(10)),
                arresting_officer: "PC 2231 Amin".into(),
                reason: "Shoplifting".into(),
                cell: "C4".into(),
                closed_at: Some(then + Duration::hours(16)),
                destination: Some("release".into()),
                ready_for_transfer: false,
            },
        )?;
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code,
                severity,
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: then + Duration::hours(1),
            },
        )?;
        first_detention.get_or_insert(detention_id);
    }
    insert_flag(
        tx,
        &NewFlag {
            person_id,
            detention_id: None,
            code: "DRG",
            severity: "attention",
            reason: "Opioid substitution: methadone 60 ml daily from the community team.",
            source: "handover bundle from HMP Leeds",
            raised_by: "import",
            raised_at: now - Duration::days(30),
        },
    )?;
    // What that handover said beyond flags, kept as notes known from the sender (as a real
    // import stores them): the receiving HCP verifies and re-prescribes.
    let import_id = crate::store::handover::insert_import(
        tx,
        &crate::store::handover::NewImport {
            bundle_system: "urn:ietf:rfc:3986",
            bundle_id: "urn:uuid:5b0e6b1c-demo-hmp-leeds",
            payload_sha256: &"0".repeat(64),
            source_suite: "HMP Leeds",
            signed_at: now - Duration::days(30),
            kid: "demo-hmp-leeds-key",
            person_id,
            imported_at: now - Duration::days(30),
            imported_by: "sergeant",
        },
    )?;
    for (kind, text) in [
        (
            "Medications",
            "Methadone 1 mg/ml oral solution 60 ml once daily (time-critical: opioid substitution); last dose 08:00 on the day of release.",
        ),
        (
            "Plan of care",
            "Level 2, visited and roused every 30 minutes; history of ligature at HMP Leeds.",
        ),
    ] {
        crate::store::handover::insert_imported_note(tx, import_id, person_id, kind, text)?;
    }
    if let Some(first) = first_detention {
        record::returning(
            tx,
            person_id,
            first,
            first_seen,
            import_id,
            now - Duration::days(30),
        )?;
    }
    Ok(())
}

/// Creates a demo suite at `db` and fills it; returns the admin session.
pub fn create(
    db: &Path,
    historical: u64,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<Store, StoreError> {
    if historical > MAX_PEOPLE {
        return Err(StoreError::Invalid(format!(
            "a demo may have at most {MAX_PEOPLE} historical people, not {historical}"
        )));
    }
    // Marked incomplete from the first write until the last: a demo killed half-way is
    // refused with a sentence, never opened as a suite that lacks its accounts or people.
    let (mut store, _recovery) = Store::init_incomplete(
        db,
        DEMO_SUITE,
        "admin",
        DEMO_PASSWORD,
        now,
        "its demo generation was interrupted",
    )?;
    populate(&mut store, historical, now, progress)?;
    store.mark_complete()?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custody_numbers_have_the_suite_format() {
        assert_eq!(custody_number(2026, 42), "NG-26-000042");
        let mut serials = Serials::default();
        assert_eq!(serials.next(2025), "NG-25-000001");
        assert_eq!(serials.next(2025), "NG-25-000002");
        assert_eq!(serials.next(2026), "NG-26-000001");
    }

    #[test]
    fn the_demo_cast_covers_every_stage_the_issue_names() {
        assert!(CURRENT.len() >= 18);
        assert!(CURRENT.iter().any(|c| c.plan.is_none()), "just arrived");
        assert!(
            CURRENT.iter().any(|c| c.ready_for_transfer),
            "ready for transfer"
        );
        assert!(
            CURRENT
                .iter()
                .any(|c| matches!(c.plan, Some((2, Some(30), true, _, _)))),
            "level 2 with rousing every 30 minutes"
        );
        assert!(
            CURRENT.iter().any(|c| matches!(
                (c.plan, c.last_check_minutes_ago),
                (Some((_, Some(every), _, _, _)), Some(ago)) if ago > i64::from(every)
            )),
            "one check overdue"
        );
        assert!(CURRENT.iter().any(|c| c.flags.iter().any(|f| f.0 == "AA")));
        // An awaited appropriate adult and an interpreter need (issue 14).
        assert!(
            support::NEEDS
                .iter()
                .any(|n| n.1 == crate::domain::support::Need::Under18
                    && n.4.is_some()
                    && n.5.is_none())
        );
        assert!(
            support::NEEDS
                .iter()
                .any(|n| n.1 == crate::domain::support::Need::Language)
        );
        assert!(CURRENT.iter().any(|c| c.flags.iter().any(|f| f.0 == "MED")));
        assert!(CURRENT.iter().any(|c| c.history.is_some()));
        // Some people have a completed pre-release risk assessment, at least one has none.
        assert!(CURRENT.iter().any(|c| c.plan.is_some()));
        assert!(CURRENT.iter().any(|c| c.plan.is_none()));
    }
}
