//! The shift handover taken by the incoming custody sergeant, against a hand-computed fixture:
//! what happened since the last handover (an arrival, a release, an emergency, a late check, a
//! missed dose, an HCP direction, a late PACE review, a health screen not done), through the store and through the real
//! binary (`sonar handover-sheet --since-last [--acknowledge]`), and who may take it.
//!
//! Every time in the fixture is relative to a base `B`; the last handover was taken at B-6h,
//! so the sheet covers B-6h to now. What each person contributes is written beside them.

use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use rusqlite::params;
use sonar_custody::domain::observation::{london_date, to_london, to_london_with_day};
use sonar_custody::domain::role::Role;
use sonar_custody::domain::shift::{Section, Since};
use sonar_custody::store::custody::{
    NewCarePlan, NewDetention, NewPerson, insert_care_plan, insert_check, insert_detention,
    insert_person,
};
use sonar_custody::store::{Store, StoreError, audit, timestamp};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const PASSWORD: &str = "fixture password 2026";

fn h(b: DateTime<Utc>, hours: i64, minutes: i64) -> DateTime<Utc> {
    b - Duration::hours(hours) - Duration::minutes(minutes)
}

/// One person's detention: custody number, surname, cell, arrived, left (with where to),
/// authorised, plan interval (none: constant observation), checks.
#[allow(clippy::too_many_arguments)]
fn detention(
    tx: &rusqlite::Connection,
    custody_no: &str,
    surname: &str,
    forenames: &str,
    cell: &str,
    arrived: DateTime<Utc>,
    left: Option<(DateTime<Utc>, &str)>,
    authorised: Option<DateTime<Utc>>,
    interval: Option<u32>,
    checks: &[DateTime<Utc>],
) -> i64 {
    let person = insert_person(
        tx,
        &NewPerson {
            surname: surname.into(),
            forenames: forenames.into(),
            ..NewPerson::default()
        },
        arrived,
    )
    .unwrap();
    let d = insert_detention(
        tx,
        &NewDetention {
            person_id: person,
            custody_no: custody_no.into(),
            arrived_at: arrived,
            authorised_at: authorised,
            arresting_officer: "PC 1 Test".into(),
            reason: "Theft".into(),
            cell: cell.into(),
            closed_at: left.map(|l| l.0),
            destination: left.map(|l| l.1.into()),
            ready_for_transfer: false,
        },
    )
    .unwrap();
    insert_care_plan(
        tx,
        &NewCarePlan {
            detention_id: d,
            level: if interval.is_some() { 1 } else { 3 },
            interval_minutes: interval,
            rouse: false,
            instructions: "",
            rationale: "fixture",
            set_by: "sergeant",
            set_at: arrived,
        },
    )
    .unwrap();
    for c in checks {
        insert_check(tx, d, *c, "officer", None, "settled").unwrap();
    }
    d
}

/// The suite: accounts, four people, and the handover taken at B-6h (through the store).
fn fixture(db: &Path, b: DateTime<Utc>) {
    let (mut admin, _) = Store::init(db, "Fixture Suite", "admin", PASSWORD, h(b, 30, 0)).unwrap();
    for (user, name, role) in [
        ("sergeant", "Sgt Fixture", Role::Sergeant),
        ("officer", "DO Fixture", Role::DetentionOfficer),
    ] {
        admin
            .add_user_with(user, name, role, PASSWORD, false, h(b, 30, 0))
            .unwrap();
    }
    admin
        .write_raw(|tx| {
            // S3, in custody B-20h to B-7h: all before the period, nothing of it is listed.
            detention(
                tx,
                "S3",
                "Quiet",
                "Quinn",
                "C9",
                h(b, 20, 0),
                Some((h(b, 7, 0), "court")),
                None,
                Some(60),
                &[],
            );
            // S0, arrived B-8h (before the period: not an arrival), constant observation,
            // released B-2h: the release. Its surname carries a terminal escape, which the
            // sheet must show, not obey.
            detention(
                tx,
                "S0",
                "Earlier\u{1b}[2J",
                "Ed",
                "C2",
                h(b, 8, 0),
                Some((h(b, 2, 0), "release")),
                None,
                None,
                &[],
            );
            // S1, arrived B-5h: the arrival. Hourly from B-5h: due B-4h, checked B-3h50m (10m
            // late); then on time every time, the last at B-10m (next due B+50m).
            let s1 = detention(
                tx,
                "S1",
                "Arrived",
                "Alice",
                "C1",
                h(b, 5, 0),
                None,
                // Authorised with the risk assessment (its completion below); the first PACE
                // review falls due at B+1h, after the period.
                Some(h(b, 5, 0)),
                Some(60),
                &[
                    h(b, 3, 50),
                    h(b, 2, 55),
                    h(b, 2, 0),
                    h(b, 1, 5),
                    h(b, 0, 10),
                ],
            );
            // Every 2 hours, last taken B-7h: due B-5h, nothing before B-3h (missed); due
            // B-3h given B-3h and due B-1h given B-1h (on time, not listed).
            tx.execute(
                "INSERT INTO medication (detention_id, name, dose, route, frequency,
                    last_taken_at, verified_with, origin, recorded_by, recorded_at)
                 VALUES (?1, 'Diazepam', '10 mg', 'oral', 'every 2 hours', ?2, 'gp', 'brought',
                    'hcp', ?3)",
                params![s1, timestamp(h(b, 7, 0)), timestamp(h(b, 5, 0))],
            )?;
            let medicine = tx.last_insert_rowid();
            for at in [h(b, 3, 0), h(b, 1, 0)] {
                tx.execute(
                    "INSERT INTO medication_administration (medication_id, at, outcome, reason,
                        by_staff) VALUES (?1, ?2, 'given', '', 'hcp')",
                    params![medicine, timestamp(at)],
                )?;
            }
            // S2, arrived B-10h, constant observation, authorised B-10h: the 1st PACE review
            // was due B-4h and done B-3h30m (30m late, with its reason); the 2nd is due B+5h.
            // An emergency raised by hand at B-4h, closed B-3h30m (HCP attended). An HCP
            // direction at B-2h, acknowledged at B-1h50m.
            let s2 = detention(
                tx,
                "S2",
                "Emergency",
                "Eve",
                "C3",
                h(b, 10, 0),
                None,
                Some(h(b, 10, 0)),
                None,
                &[],
            );
            // Booking forms: S2 has both completed; S1 (above) the risk assessment only, so its
            // health screen is outstanding.
            for (detention, form) in [
                (s2, "booking_risk"),
                (s2, "health_screen"),
                (s1, "booking_risk"),
            ] {
                tx.execute(
                    "INSERT INTO form_response (detention_id, form_id, started_by, started_at)
                     VALUES (?1, ?2, 'sergeant', ?3)",
                    params![detention, form, timestamp(h(b, 4, 40))],
                )?;
                tx.execute(
                    "INSERT INTO form_completion (response_id, completed_by, completed_at)
                     VALUES (?1, 'sergeant', ?2)",
                    params![tx.last_insert_rowid(), timestamp(h(b, 4, 30))],
                )?;
            }
            tx.execute(
                "INSERT INTO pace_review (detention_id, reviewed_at, reviewed_by, outcome,
                    recorded_by, recorded_at, late_reason)
                 VALUES (?1, ?2, 'Insp Fixture', 'continued', 'sergeant', ?2, 'Inspector delayed')",
                params![s2, timestamp(h(b, 3, 30))],
            )?;
            tx.execute(
                "INSERT INTO escalation (detention_id, opened_at, opened_by, reason, cause,
                    location, outcome_kind, outcome_at, closed_at, closed_by)
                 VALUES (?1, ?2, 'officer', 'Found slumped', 'raised_by_hand', 'C3',
                    'hcp_attended', ?3, ?3, 'sergeant')",
                params![s2, timestamp(h(b, 4, 0)), timestamp(h(b, 3, 30))],
            )?;
            tx.execute(
                "INSERT INTO hcp_direction (detention_id, kind, words, given_by, given_at,
                    acknowledged_by, acknowledged_at)
                 VALUES (?1, 'instruction', 'Offer fluids hourly', 'hcp', ?2, 'sergeant', ?3)",
                params![s2, timestamp(h(b, 2, 0)), timestamp(h(b, 1, 50))],
            )?;
            Ok(())
        })
        .unwrap();
    drop(admin);
    let mut sergeant = Store::unlock(db, "sergeant", PASSWORD, h(b, 6, 0))
        .unwrap()
        .store;
    let sheet = sergeant.since_last_handover(h(b, 6, 0)).unwrap();
    sergeant.acknowledge_handover(&sheet, h(b, 6, 0)).unwrap();
}

/// A time as the sheet prints it, on the sheet's London day `today`.
fn at(t: DateTime<Utc>, today: chrono::NaiveDate) -> String {
    if london_date(t) == today {
        to_london(t)
    } else {
        to_london_with_day(t)
    }
}

/// What the fixture's sheet says, section by section, on London day `today`.
fn expected_sections(b: DateTime<Utc>, today: chrono::NaiveDate) -> Vec<(Section, Vec<String>)> {
    let t = |hours, minutes| at(h(b, hours, minutes), today);
    vec![
        (
            Section::Emergencies,
            vec![format!(
                "S2 EMERGENCY, Eve (C3): Emergency {} C3 (raised by hand): Found slumped; closed: HCP attended {}",
                to_london(h(b, 4, 0)),
                to_london(h(b, 3, 30))
            )],
        ),
        (
            Section::Directions,
            vec![format!(
                "S2 EMERGENCY, Eve (C3): {} by hcp: Offer fluids hourly — acknowledged {} by sergeant",
                to_london(h(b, 2, 0)),
                to_london(h(b, 1, 50))
            )],
        ),
        (
            Section::Checks,
            vec![format!(
                "S1 ARRIVED, Alice (C1): check due {}, done {} (10m late)",
                t(4, 0),
                t(3, 50)
            )],
        ),
        (
            Section::Doses,
            vec![format!(
                "S1 ARRIVED, Alice (C1): Diazepam 10 mg due {}, MISSED: nothing recorded before the next was due",
                t(5, 0)
            )],
        ),
        (
            Section::PaceReviews,
            vec![format!(
                "S2 EMERGENCY, Eve (C3): 1st review due {}, done {} (30m late): Inspector delayed",
                t(4, 0),
                t(3, 30)
            )],
        ),
        (
            Section::Outstanding,
            vec!["S1 ARRIVED, Alice (C1): HEALTH SCREEN OUTSTANDING".to_string()],
        ),
        (
            Section::Arrivals,
            vec![format!("{} S1 ARRIVED, Alice (C1): booked in", t(5, 0))],
        ),
        (
            Section::Departures,
            vec![format!(
                "{} S0 EARLIER\\u{{1b}}[2J, Ed (C2): released",
                t(2, 0)
            )],
        ),
    ]
}

fn fixed_base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

#[test]
fn only_a_sergeant_takes_the_handover_audited_and_the_next_sheet_starts_where_it_ended() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suite.db");
    let b = fixed_base();
    fixture(&db, b);

    let mut sergeant = Store::unlock(&db, "sergeant", PASSWORD, b).unwrap().store;
    let sheet = sergeant.since_last_handover(b).unwrap();
    assert_eq!((sheet.period.from, sheet.period.to), (h(b, 6, 0), b));
    assert_eq!(
        sheet.period.since,
        Since::Handover {
            by_name: "Sgt Fixture".into(),
            at: h(b, 6, 0)
        }
    );
    for (section, want) in expected_sections(b, london_date(b)) {
        let got: Vec<_> = sheet
            .items(section)
            .iter()
            .map(|i| i.text.clone())
            .collect();
        assert_eq!(got, want, "{section:?}");
    }
    assert_eq!(sheet.urgent(), 0);

    // A detention officer may read it but not take it: refused with who can, nothing written.
    let mut officer = Store::unlock(&db, "officer", PASSWORD, b).unwrap().store;
    let read = officer.since_last_handover(b).unwrap();
    match officer.acknowledge_handover(&read, b) {
        Err(e @ StoreError::Refused(_)) => assert_eq!(
            e.to_string(),
            "a detention officer may not take the shift handover: a custody sergeant does it"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let count = |store: &Store, sql: &str| -> i64 {
        store
            .conn_for_reports()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&officer, "SELECT count(*) FROM shift_handover"), 1);

    // The sergeant takes it a minute after reading it: kept with the period read, audited.
    let taken = sergeant
        .acknowledge_handover(&sheet, b + Duration::minutes(1))
        .unwrap();
    assert_eq!(
        (taken.covered_from, taken.covered_to, taken.acknowledged_at),
        (h(b, 6, 0), b, b + Duration::minutes(1))
    );
    assert_eq!(
        count(
            &sergeant,
            "SELECT count(*) FROM audit WHERE action = 'handover_acknowledged'
             AND staff = 'sergeant' AND detail LIKE '%2026-11-23T08:00:00Z to 2026-11-23T14:00:00Z; 1 arrived · 1 left%'"
        ),
        1
    );
    assert!(matches!(
        audit::verify(sergeant.conn_for_reports()).unwrap(),
        audit::ChainReport::Intact { .. }
    ));
    // Once taken, never changed.
    let e = sergeant
        .conn_for_reports()
        .execute("UPDATE shift_handover SET acknowledged_by = 'officer'", [])
        .unwrap_err();
    assert!(e.to_string().contains("never changed"), "{e}");

    // The next sheet starts where the one taken ended: only what happened since.
    let later = b + Duration::hours(2);
    let next = sergeant.since_last_handover(later).unwrap();
    assert_eq!(next.period.from, b);
    assert_eq!(
        next.period.since,
        Since::Handover {
            by_name: "Sgt Fixture".into(),
            at: b + Duration::minutes(1)
        }
    );
    assert!(next.items(Section::Arrivals).is_empty());
    assert!(next.items(Section::Departures).is_empty());
    assert!(next.items(Section::Emergencies).is_empty());
    // S1's check due B+50m was not done by B+2h: still needs someone.
    let checks: Vec<_> = next.items(Section::Checks).iter().collect();
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert!(checks[0].urgent);
    assert!(
        checks[0]
            .text
            .starts_with("S1 ARRIVED, Alice (C1): check due 14:50, NOT DONE: 1h10m overdue"),
        "{checks:?}"
    );
}

fn sonar(dir: &Path, db: &Path, user: &str, args: &[&str]) -> Output {
    let pw = dir.join("password");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    Command::new(SONAR)
        .arg("--db")
        .arg(db)
        .args(["--user", user, "--password-file"])
        .arg(&pw)
        .args(args)
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .output()
        .unwrap()
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The printed sheet with each wrapped item joined back onto one line.
fn unwrapped(text: &str) -> String {
    text.replace("\n    ", " ")
}

#[test]
fn handover_sheet_since_last_prints_what_happened_and_a_sergeant_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suite.db");
    // The binary reads the machine's clock: the fixture is laid out back from this minute.
    let b = Utc::now().duration_trunc(Duration::minutes(1)).unwrap();
    fixture(&db, b);

    let text = stdout_of(&sonar(
        dir.path(),
        &db,
        "sergeant",
        &["handover-sheet", "--since-last"],
    ));
    let today = london_date(Utc::now());
    assert!(
        text.starts_with("SHIFT HANDOVER — Fixture Suite: since the last handover\nPrinted "),
        "{text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "a stored escape reached the terminal"
    );
    let flat = unwrapped(&text);
    assert!(
        flat.contains(&format!(
            "\nSince the handover taken by Sgt Fixture at {}: {} to ",
            at(h(b, 6, 0), today),
            to_london_with_day(h(b, 6, 0))
        )),
        "{text}"
    );
    // Every section in order, each item as computed above, "None." where nothing happened.
    let mut want = String::new();
    for (section, items) in expected_sections(b, today) {
        want.push_str(&section.title().to_uppercase());
        want.push('\n');
        if items.is_empty() {
            want.push_str(&format!("  {}\n", section.none()));
        }
        for item in items {
            want.push_str(&format!("  {item}\n"));
        }
    }
    want.push_str(&"-".repeat(78));
    want.push('\n');
    assert!(flat.ends_with(&want), "got:\n{flat}\nwant the end:\n{want}");

    // A detention officer cannot take it: one sentence, nothing printed.
    let out = sonar(
        dir.path(),
        &db,
        "officer",
        &["handover-sheet", "--since-last", "--acknowledge"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("may not take the shift handover: a custody sergeant does it"),
        "{err}"
    );

    // The sergeant takes it; the next sheet starts from then and has nothing new.
    let text = stdout_of(&sonar(
        dir.path(),
        &db,
        "sergeant",
        &["handover-sheet", "--since-last", "--acknowledge"],
    ));
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("Handover taken by Sgt Fixture at ")),
        "{text}"
    );
    let text = stdout_of(&sonar(dir.path(), &db, "sergeant", &["handover-sheet"]));
    // The plain sheet: everyone present first, then what happened since it was taken.
    assert!(
        text.starts_with("SHIFT HANDOVER — Fixture Suite\n"),
        "{text}"
    );
    assert!(text.contains("2 in custody"), "{text}");
    let since = &text[text.find("SINCE THE LAST HANDOVER").expect("the section")..];
    assert!(since.contains("ARRIVALS\n  None.\n"), "{since}");
    assert!(
        since.contains("RELEASES AND TRANSFERS\n  None.\n"),
        "{since}"
    );
    assert!(!since.contains("Found slumped"), "{since}");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
}
