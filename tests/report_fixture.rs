//! `sonar report` against a hand-computed fixture: four detentions whose every due check, due
//! dose, HCP request, referral and PRRA is written out below with the figure it must give.
//! The report is read through the real binary (`--json` and `--csv`), as a script would.

mod support;

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use rusqlite::params;
use sonar_custody::domain::role::Role;
use sonar_custody::store::Store;
use sonar_custody::store::custody::{
    NewCarePlan, NewDetention, NewFlag, NewPerson, insert_care_plan, insert_check,
    insert_detention, insert_flag, insert_hcp_contact, insert_person,
};
use sonar_custody::store::timestamp;

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const PASSWORD: &str = "fixture password 2026";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One detention: arrived, closed (or open), plans (set at, interval minutes), checks.
struct Stay<'a> {
    custody_no: &'a str,
    arrived: &'a str,
    closed: Option<&'a str>,
    plans: &'a [(&'a str, Option<u32>)],
    checks: &'a [&'a str],
}

fn stay(tx: &rusqlite::Connection, s: &Stay<'_>) -> i64 {
    let person = insert_person(
        tx,
        &NewPerson {
            surname: format!("Fixture{}", s.custody_no),
            forenames: "Alex".into(),
            ..NewPerson::default()
        },
        at(s.arrived),
    )
    .unwrap();
    let d = insert_detention(
        tx,
        &NewDetention {
            person_id: person,
            custody_no: s.custody_no.into(),
            arrived_at: at(s.arrived),
            authorised_at: Some(at(s.arrived)),
            arresting_officer: "PC 1 Test".into(),
            reason: "Theft".into(),
            cell: "C1".into(),
            closed_at: s.closed.map(at),
            destination: s.closed.map(|_| "release".into()),
            ready_for_transfer: false,
        },
    )
    .unwrap();
    for (set, minutes) in s.plans {
        insert_care_plan(
            tx,
            &NewCarePlan {
                detention_id: d,
                level: if minutes.is_some() { 2 } else { 3 },
                interval_minutes: *minutes,
                rouse: false,
                instructions: "",
                rationale: "fixture",
                set_by: "sergeant",
                set_at: at(set),
            },
        )
        .unwrap();
    }
    for c in s.checks {
        insert_check(tx, d, at(c), "officer", None, "settled").unwrap();
    }
    d
}

fn flag(tx: &rusqlite::Connection, detention: i64, code: &str) {
    let person: i64 = tx
        .query_row(
            "SELECT person_id FROM detention WHERE id = ?1",
            [detention],
            |r| r.get(0),
        )
        .unwrap();
    insert_flag(
        tx,
        &NewFlag {
            person_id: person,
            detention_id: Some(detention),
            code,
            severity: "warning",
            reason: "fixture",
            source: "booking-in risk assessment",
            raised_by: "sergeant",
            raised_at: at("2026-11-01T00:00:00Z"),
        },
    )
    .unwrap();
}

fn request(tx: &rusqlite::Connection, detention: i64, asked: &str, band_minutes: i64) {
    tx.execute(
        "INSERT INTO hcp_request (detention_id, band, band_minutes, reason, requested_by, requested_at)
         VALUES (?1, 'fixture', ?2, 'feels unwell', 'officer', ?3)",
        params![detention, band_minutes, timestamp(at(asked))],
    )
    .unwrap();
}

/// A regular medicine with its administrations (time, outcome).
fn medicine(
    tx: &rusqlite::Connection,
    detention: i64,
    frequency: &str,
    last_taken: Option<&str>,
    recorded: &str,
    doses: &[(&str, &str)],
) {
    tx.execute(
        "INSERT INTO medication (detention_id, name, dose, route, frequency, last_taken_at,
            verified_with, origin, recorded_by, recorded_at)
         VALUES (?1, 'levetiracetam', '500 mg', 'oral', ?2, ?3, 'gp', 'brought', 'hcp', ?4)",
        params![
            detention,
            frequency,
            last_taken.map(|t| timestamp(at(t))),
            timestamp(at(recorded))
        ],
    )
    .unwrap();
    let id = tx.last_insert_rowid();
    for (when, outcome) in doses {
        tx.execute(
            "INSERT INTO medication_administration (medication_id, at, outcome, reason, by_staff)
             VALUES (?1, ?2, ?3, ?4, 'hcp')",
            params![
                id,
                timestamp(at(when)),
                outcome,
                if *outcome == "given" { "" } else { "fixture" }
            ],
        )
        .unwrap();
    }
}

fn fixture(db: &Path) {
    let now = at("2026-12-01T12:00:00Z");
    let (mut admin, _) = Store::init(db, "Fixture Suite", "admin", PASSWORD, now).unwrap();
    admin
        .add_user_with(
            "sergeant",
            "Sgt Fixture",
            Role::Sergeant,
            PASSWORD,
            false,
            now,
        )
        .unwrap();
    admin
        .add_user_with(
            "officer",
            "DO Fixture",
            Role::DetentionOfficer,
            PASSWORD,
            false,
            now,
        )
        .unwrap();
    admin
        .write_raw(|tx| {
            // D1, 10 Nov 08:00-12:00. Hourly: due 09:00 (check 08:50, on time), due 09:50
            // (check 10:05, late), due 11:05 (none before leaving: missed).
            let d1 = stay(
                tx,
                &Stay {
                    custody_no: "F1",
                    arrived: "2026-11-10T08:00:00Z",
                    closed: Some("2026-11-10T12:00:00Z"),
                    plans: &[("2026-11-10T08:00:00Z", Some(60))],
                    checks: &["2026-11-10T08:50:00Z", "2026-11-10T10:05:00Z"],
                },
            );
            flag(tx, d1, "ALC");
            tx.execute(
                "INSERT INTO referral (detention_id, kind, reason, made_by, made_at)
                 VALUES (?1, 'drug_alcohol', 'alcohol use', 'hcp', ?2)",
                params![d1, timestamp(at("2026-11-10T09:00:00Z"))],
            )?;
            tx.execute(
                "INSERT INTO form_response (detention_id, form_id, started_by, started_at)
                 VALUES (?1, 'prra', 'sergeant', ?2)",
                params![d1, timestamp(at("2026-11-10T11:30:00Z"))],
            )?;
            let response = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO form_completion (response_id, completed_by, completed_at)
                 VALUES (?1, 'sergeant', ?2)",
                params![response, timestamp(at("2026-11-10T11:40:00Z"))],
            )?;
            // Asked 08:30 (20-minute band), seen 08:45: 15 minutes, within band.
            request(tx, d1, "2026-11-10T08:30:00Z", 20);
            insert_hcp_contact(tx, d1, at("2026-11-10T08:45:00Z"), "hcp", "assessed")?;
            // Three times daily, last taken 22:00 the night before: due 06:00, given 08:20;
            // next due 16:20, after leaving. 1 due, 1 given.
            medicine(
                tx,
                d1,
                "tds",
                Some("2026-11-09T22:00:00Z"),
                "2026-11-10T08:10:00Z",
                &[("2026-11-10T08:20:00Z", "given")],
            );

            // D2, 20 Nov 10:00 to 21 Nov 10:00. Every 30 minutes from 10:00: due 10:30
            // (check 10:25, on time), due 10:55 (check 11:10, late), due 11:40 (the plan
            // changed at 12:00 with no check: missed); then constant observation, no visits.
            let d2 = stay(
                tx,
                &Stay {
                    custody_no: "F2",
                    arrived: "2026-11-20T10:00:00Z",
                    closed: Some("2026-11-21T10:00:00Z"),
                    plans: &[
                        ("2026-11-20T10:00:00Z", Some(30)),
                        ("2026-11-20T12:00:00Z", None),
                    ],
                    checks: &["2026-11-20T10:25:00Z", "2026-11-20T11:10:00Z"],
                },
            );
            flag(tx, d2, "DRG");
            // Asked 10:30 (2-hour band), first HCP contact 13:30: 180 minutes, outside band.
            request(tx, d2, "2026-11-20T10:30:00Z", 120);
            insert_hcp_contact(tx, d2, at("2026-11-20T13:30:00Z"), "hcp", "assessed")?;
            // Four times daily from 10:15: due 10:15 declined 10:30 (declined); due 16:15
            // given 16:20; due 22:20 and 04:20 nothing (missed, missed); due 10:20 after
            // leaving. 4 due: 1 given, 1 declined, 2 missed.
            medicine(
                tx,
                d2,
                "qds",
                None,
                "2026-11-20T10:15:00Z",
                &[
                    ("2026-11-20T10:30:00Z", "declined"),
                    ("2026-11-20T16:20:00Z", "given"),
                ],
            );

            // D3, from 25 Nov 09:00, still in custody. Hourly: due 10:00 (check 09:55, on
            // time), due 10:55 (nothing since: missed). Asked 09:10 (4-hour band), never seen.
            let d3 = stay(
                tx,
                &Stay {
                    custody_no: "F3",
                    arrived: "2026-11-25T09:00:00Z",
                    closed: None,
                    plans: &[("2026-11-25T09:00:00Z", Some(60))],
                    checks: &["2026-11-25T09:55:00Z"],
                },
            );
            request(tx, d3, "2026-11-25T09:10:00Z", 240);

            // D4, October: outside the period, nothing of it counts.
            let d4 = stay(
                tx,
                &Stay {
                    custody_no: "F4",
                    arrived: "2026-10-01T08:00:00Z",
                    closed: Some("2026-10-02T08:00:00Z"),
                    plans: &[("2026-10-01T08:00:00Z", Some(60))],
                    checks: &[],
                },
            );
            flag(tx, d4, "ALC");
            request(tx, d4, "2026-10-01T09:00:00Z", 20);
            Ok(())
        })
        .unwrap();
}

fn sonar(dir: &Path, db: &Path, user: &str, args: &[&str]) -> std::process::Output {
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

#[test]
fn the_report_matches_the_hand_computed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suite.db");
    fixture(&db);
    let out = sonar(
        dir.path(),
        &db,
        "sergeant",
        &[
            "report",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &r["hcp_request_to_seen"];
    // Waits 15 and 180 minutes; one never seen. Nearest rank: median 15, p90 180.
    assert_eq!(
        (
            &q["requests"],
            &q["seen"],
            &q["not_seen"],
            &q["within_band"]
        ),
        (&3.into(), &2.into(), &1.into(), &1.into()),
        "{r}"
    );
    assert_eq!(q["median_minutes"], 15, "{r}");
    assert_eq!(q["p90_minutes"], 180, "{r}");
    // Checks: 8 due; on time 3 (D1, D2, D3), late 2 (D1, D2), missed 3 (D1, D2, D3).
    let c = &r["cell_checks"];
    assert_eq!(
        (&c["due"], &c["on_time"], &c["late"], &c["missed"]),
        (&8.into(), &3.into(), &2.into(), &3.into()),
        "{r}"
    );
    assert_eq!(c["on_time_percent"], 37.5, "{r}");
    // Doses: 5 due; given 2, declined 1, missed 2.
    let d = &r["doses"];
    assert_eq!(
        (
            &d["due"],
            &d["given"],
            &d["declined"],
            &d["not_given_with_reason"],
            &d["missed"]
        ),
        (&5.into(), &2.into(), &1.into(), &0.into(), &2.into()),
        "{r}"
    );
    assert_eq!(d["given_percent"], 40.0, "{r}");
    // Two left in November, one with a completed PRRA.
    assert_eq!(r["prra_completed"]["counted"], 2, "{r}");
    assert_eq!(r["prra_completed"]["met"], 1, "{r}");
    assert_eq!(r["prra_completed"]["percent"], 50.0, "{r}");
    // Two with a substance-use need in the period (D1 ALC, D2 DRG), D1 referred.
    assert_eq!(r["substance_use_referred"]["counted"], 2, "{r}");
    assert_eq!(r["substance_use_referred"]["met"], 1, "{r}");
    assert_eq!(
        r["appropriate_adult_median_minutes"],
        serde_json::Value::Null
    );

    // CSV for a spreadsheet: the same figures, one per line.
    let out = sonar(
        dir.path(),
        &db,
        "sergeant",
        &[
            "report",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--csv",
        ],
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("measure,value\n"), "{csv}");
    assert!(
        csv.contains("\ncell_checks_on_time_percent,37.5\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nhcp_request_to_seen_p90_minutes,180\n"),
        "{csv}"
    );

    // October alone: D4's request, never seen, and its hourly checks all missed.
    let out = sonar(
        dir.path(),
        &db,
        "sergeant",
        &[
            "report",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--json",
        ],
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["hcp_request_to_seen"]["requests"], 1, "{r}");
    assert_eq!(r["hcp_request_to_seen"]["not_seen"], 1, "{r}");
    assert_eq!(r["cell_checks"]["on_time"], 0, "{r}");
}

#[test]
fn bad_periods_and_roles_are_refused_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suite.db");
    fixture(&db);
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "sergeant",
            &["report", "--from", "2026-02-30", "--to", "2026-03-01"],
            "--from 2026-02-30 is not a date: use YYYY-MM-DD",
        ),
        (
            "sergeant",
            &["report", "--from", "2026-11-30", "--to", "2026-11-01"],
            "the period ends (2026-11-01) before it starts (2026-11-30)",
        ),
        (
            "officer",
            &["report", "--from", "2026-11-01", "--to", "2026-11-30"],
            "may not see the suite's report",
        ),
    ];
    for (user, args, says) in cases {
        let out = sonar(dir.path(), &db, user, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }
}

#[test]
fn the_report_screen_shows_the_figures_as_bars_and_moves_a_week_at_a_time() {
    use crossterm::event::KeyCode;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("suite.db");
    fixture(&db);
    let mut app = support::app(&db);
    app.now = at("2026-12-01T12:00:00Z");
    support::log_in(&mut app, "sergeant", PASSWORD);
    support::key(&mut app, KeyCode::Char('F'));
    let text = support::screen_text(&app, 120, 40);
    // The last 28 days, 4 Nov to 1 Dec: the same detentions as November.
    assert!(text.contains("04 Nov 2026 to 01 Dec 2026"), "{text}");
    assert!(text.contains("Cell checks on time"), "{text}");
    assert!(text.contains("37.5%"), "{text}");
    assert!(text.contains("3 of 8 due; 2 late, 3 missed"), "{text}");
    assert!(text.contains("median 15 min, p90 180 min"), "{text}");
    assert!(text.contains("1 of 2 who left"), "{text}");
    // A week earlier: 28 Oct to 24 Nov, without the detention that began on 25 November.
    support::key(&mut app, KeyCode::Left);
    let text = support::screen_text(&app, 120, 40);
    assert!(text.contains("28 Oct 2026 to 24 Nov 2026"), "{text}");
    assert!(text.contains("2 of 6 due; 2 late, 2 missed"), "{text}");
    // Not past today.
    support::key(&mut app, KeyCode::Right);
    support::key(&mut app, KeyCode::Right);
    let text = support::screen_text(&app, 120, 40);
    assert!(text.contains("04 Nov 2026 to 01 Dec 2026"), "{text}");
    support::key(&mut app, KeyCode::Esc);
    assert!(app.report.is_none());

    // A detention officer is told who the report is for.
    let mut officer = support::app(&db);
    officer.now = app.now;
    support::log_in(&mut officer, "officer", PASSWORD);
    support::key(&mut officer, KeyCode::Char('F'));
    assert!(officer.report.is_none());
    let status = officer
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        status.contains("The report is for the custody sergeant"),
        "{status}"
    );
}
