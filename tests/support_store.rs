//! An appropriate adult and an interpreter through the store's API, on a small demo suite: each
//! step checked against the ones before (a need first, no time in the future, no arrival before
//! the request) and refused in one sentence; written append-only with its audit row; read back
//! the same by the board's per-tick read, one record and `sonar list --all`; who may record
//! (not the administrator, not the wall board); booking an under-18 records the need; and the
//! report's request-to-arrival medians.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sonar_custody::demo::{self, DEMO_PASSWORD};
use sonar_custody::domain::booking::{PersonInput, validate_person};
use sonar_custody::domain::support::{Need, Status, Step, SupportKind};
use sonar_custody::store::audit;
use sonar_custody::store::booking::Booking;
use sonar_custody::store::support::StepDraft;
use sonar_custody::store::{Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn ago(minutes: i64) -> DateTime<Utc> {
    now() - Duration::minutes(minutes)
}

fn suite() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    drop(demo::create(&db, 3, now(), &mut |_, _| {}).unwrap());
    (dir, db)
}

fn login(db: &Path, user: &str) -> Store {
    Store::unlock(db, user, DEMO_PASSWORD, now()).unwrap().store
}

fn step(kind: SupportKind, step: Step, at: DateTime<Utc>) -> StepDraft {
    StepDraft {
        kind,
        step,
        need: None,
        detail: String::new(),
        at,
    }
}

fn need(need: Need, detail: &str, at: DateTime<Utc>) -> StepDraft {
    StepDraft {
        need: Some(need),
        detail: detail.into(),
        ..step(need.kind(), Step::Needed, at)
    }
}

/// Someone in custody the demo recorded neither for.
fn person_without_needs(store: &Store) -> i64 {
    store
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.support.is_empty())
        .expect("someone with no needs")
        .detention_id
}

fn invalid(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const AA: SupportKind = SupportKind::AppropriateAdult;
const INTERP: SupportKind = SupportKind::Interpreter;

#[test]
fn steps_are_checked_audited_append_only_and_read_the_same_everywhere() {
    let (_dir, db) = suite();
    let mut officer = login(&db, "officer");
    let id = person_without_needs(&officer);

    // A need first, and a vulnerable adult's reason.
    assert_eq!(
        invalid(officer.record_support(id, &step(AA, Step::Requested, ago(5)), now())),
        "record why an appropriate adult is needed first"
    );
    assert_eq!(
        invalid(officer.record_support(id, &need(Need::VulnerableAdult, " ", ago(30)), now())),
        "say why the person is vulnerable (Code C 1.4), e.g. learning disability"
    );
    officer
        .record_support(
            id,
            &need(Need::VulnerableAdult, "learning disability", ago(30)),
            now(),
        )
        .unwrap();
    // Times: not in the future, no arrival before the request.
    assert_eq!(
        invalid(officer.record_support(
            id,
            &step(AA, Step::Requested, now() + Duration::minutes(30)),
            now()
        )),
        "14:30 is in the future: the time requested can only be now or earlier"
    );
    officer
        .record_support(id, &step(AA, Step::Requested, ago(25)), now())
        .unwrap();
    assert_eq!(
        invalid(officer.record_support(id, &step(AA, Step::Arrived, ago(40)), now())),
        "the arrival (13:20) is before the appropriate adult was requested (13:35)"
    );
    // An interpreter at the same time, independent of the appropriate adult.
    officer
        .record_support(
            id,
            &need(Need::Deaf, "British Sign Language", ago(20)),
            now(),
        )
        .unwrap();
    officer
        .record_support(id, &step(INTERP, Step::Requested, ago(20)), now())
        .unwrap();
    let support = officer
        .record_support(id, &step(INTERP, Step::Arrived, ago(5)), now())
        .unwrap();
    assert_eq!(
        support.get(AA).unwrap().status(),
        Status::Requested { since: ago(25) }
    );
    assert_eq!(
        support.get(INTERP).unwrap().status(),
        Status::Arrived { at: ago(5) }
    );

    // The board's read, one record and `--all` agree.
    let row = officer
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.detention_id == id)
        .unwrap();
    assert_eq!(row.support, support);
    assert_eq!(officer.support_of(id).unwrap(), support);
    let all = officer.custody_list(true).unwrap();
    assert_eq!(
        all.iter().find(|e| e.detention_id == id).unwrap().support,
        support
    );
    let mut officer = officer;
    let record = officer.open_record(id, None, now()).unwrap().unwrap();
    assert_eq!(record.entry.support, support);

    // One audit row per step written, none for those refused; the chain holds; the rows
    // cannot be changed or deleted.
    let conn = officer.conn_for_reports();
    let audited: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE subject = ?1 AND (detail LIKE 'appropriate_adult%' OR detail LIKE 'interpreter%')",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 5);
    let reason_in_audit: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE '%learning disability%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reason_in_audit, 0, "the reason stays out of the audit");
    assert!(matches!(
        audit::verify(conn).unwrap(),
        audit::ChainReport::Intact { .. }
    ));
    for sql in [
        "UPDATE support_event SET detail = 'x'",
        "DELETE FROM support_event",
    ] {
        let e = conn.execute(sql, []).unwrap_err().to_string();
        assert!(e.contains("read-only"), "{e}");
    }
}

#[test]
fn only_custody_staff_and_hcps_record_them_and_an_under_18_booked_in_needs_one() {
    let (_dir, db) = suite();
    let id = person_without_needs(&login(&db, "sergeant"));
    let draft = need(Need::Language, "Polish", ago(1));
    for (user, refusal) in [
        (
            "admin",
            "the administrator may not record an appropriate adult or interpreter: a custody sergeant, a detention officer or a healthcare practitioner does it",
        ),
        (
            "wallboard",
            "the wall board records nothing: log in on a suite terminal to record an appropriate adult or interpreter",
        ),
    ] {
        let mut s = login(&db, user);
        let e = s.record_support(id, &draft, now()).unwrap_err();
        assert_eq!(e.to_string(), refusal);
    }
    let mut hcp = login(&db, "hcp");
    hcp.record_support(id, &draft, now()).unwrap();

    // Booking in someone under 18 records the need with the flag (Code C 1.5); an adult not.
    let mut sergeant = login(&db, "sergeant");
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut book = |surname: &str, dob: &str, cell: &str| {
        let person = validate_person(
            &PersonInput {
                surname: surname.into(),
                forenames: "Alex".into(),
                date_of_birth: dob.into(),
                ..Default::default()
            },
            today,
        )
        .unwrap();
        let pid = sergeant.create_person(&person, None, now()).unwrap();
        sergeant
            .book_in(
                pid,
                &Booking {
                    arrived_at: now(),
                    authorised_at: None,
                    arresting_officer: "PC 1 Test".into(),
                    reason: "Theft".into(),
                    cell: cell.into(),
                    shared_cell_reason: None,
                },
                now(),
            )
            .unwrap()
            .detention_id
    };
    let child = book("Youngperson", "24/11/2008", "T1");
    let adult = book("Grownup", "01/01/1980", "T2");
    let support = login(&db, "officer").support_of(child).unwrap();
    let aa = support.get(AA).expect("the need recorded at booking");
    assert_eq!(aa.need, Need::Under18);
    assert_eq!(aa.status(), Status::NotRequested);
    assert_eq!(aa.needed.by, "sergeant");
    assert!(login(&db, "officer").support_of(adult).unwrap().is_empty());
}

#[test]
fn the_report_gives_the_median_wait_from_request_to_arrival() {
    let (_dir, db) = suite();
    let mut officer = login(&db, "officer");
    let people: Vec<i64> = officer
        .in_custody()
        .unwrap()
        .into_iter()
        .filter(|e| e.support.is_empty())
        .map(|e| e.detention_id)
        .take(3)
        .collect();
    // Waits of 20, 40 and (still waiting) none: the median of those who came, by nearest
    // rank (a wait someone actually had).
    for (id, waited) in people.iter().zip([Some(20), Some(40), None]) {
        officer
            .record_support(*id, &need(Need::Language, "Polish", ago(90)), now())
            .unwrap();
        officer
            .record_support(*id, &step(INTERP, Step::Requested, ago(60)), now())
            .unwrap();
        if let Some(w) = waited {
            officer
                .record_support(*id, &step(INTERP, Step::Arrived, ago(60 - w)), now())
                .unwrap();
        }
    }
    drop(officer);
    let mut sergeant = login(&db, "sergeant");
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let report = sergeant.report(day, day, now()).unwrap();
    // With the demo's Polish interpreter (35 minutes; the Romanian one has not come):
    // 20, 35, 40.
    assert_eq!(report.interpreter_median_minutes, Some(35));
    // The demo's appropriate adults: one came after 110 minutes, one is awaited.
    assert_eq!(report.appropriate_adult_median_minutes, Some(110));
}
