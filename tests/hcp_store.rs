//! Requests for an HCP and the HCP's directions through the store's API, on a demo suite: who
//! may do what (refused with a sentence), "seen" and "done" derived from the HCP's activity,
//! withdrawal, acknowledgement audited in the same transaction, and a "not fit to detain"
//! fitness decision giving the hospital direction with it.

use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sonar_custody::demo::{self, DEMO_PASSWORD};
use sonar_custody::domain::hcp::{DirectionDraft, DirectionKind};
use sonar_custody::store::audit;
use sonar_custody::store::{Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
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

/// Someone in custody with no open request and nobody seeing them at or after `now`.
fn quiet_person(store: &Store) -> i64 {
    store
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.hcp_wait.is_none() && e.last_seen.as_ref().is_none_or(|s| s.at < now()))
        .expect("someone not seen this minute")
        .detention_id
}

fn refused(result: Result<impl std::fmt::Debug, StoreError>, words: &str) {
    match result {
        Err(e @ StoreError::Refused(_)) => {
            assert!(e.to_string().contains(words), "{e}");
        }
        other => panic!("expected a refusal saying {words:?}, got {other:?}"),
    }
}

fn audit_count(store: &Store, action: &str, detail: &str) -> i64 {
    store
        .conn_for_reports()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = ?1 AND detail LIKE ?2",
            [action, detail],
            |r| r.get(0),
        )
        .unwrap()
}

fn chain_intact(store: &Store) {
    match audit::verify(store.conn_for_reports()).unwrap() {
        audit::ChainReport::Intact { .. } => {}
        broken => panic!("audit chain broken: {broken:?}"),
    }
}

#[test]
fn a_request_is_open_until_the_hcps_first_contact_which_gives_request_to_seen() {
    let (_dir, db) = suite();
    let mut officer = login(&db, "officer");
    let id = quiet_person(&officer);
    // Unknown bands and empty reasons are refused with a sentence.
    let e = officer
        .request_hcp(id, "asap", "chest pain", now())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("`asap` is not a priority band: use urgent, soon or routine"),
        "{e}"
    );
    let e = officer.request_hcp(id, "urgent", "  ", now()).unwrap_err();
    assert!(e.to_string().contains("say why"), "{e}");

    let request = officer
        .request_hcp(id, "urgent", "Chest pain, sweating", now())
        .unwrap();
    let entry = officer
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.detention_id == id)
        .unwrap();
    let wait = entry.hcp_wait.expect("the board shows the wait");
    assert_eq!((wait.band.as_str(), wait.band_minutes), ("urgent", 20));
    let queue = officer.open_hcp_requests(now()).unwrap();
    let q = queue.iter().find(|q| q.request.id == request).unwrap();
    assert_eq!(q.request.requested_by_name, "DO Kim Walsh");
    assert_eq!(audit_count(&officer, "record_write", "HCP request %"), 2);

    // The HCP's contact 35 minutes later closes it; nobody typed "seen".
    let mut hcp = login(&db, "hcp");
    let seen_at = now() + Duration::minutes(35);
    hcp.record_hcp_contact(id, "assessment", seen_at, "Examined", seen_at)
        .unwrap();
    let requests = officer.hcp_requests_of(id).unwrap();
    let r = requests.iter().find(|r| r.id == request).unwrap();
    assert!(!r.is_open());
    assert_eq!(r.request_to_seen(), Some(Duration::minutes(35)));
    assert_eq!(r.seen.as_ref().unwrap().by, "hcp");
    assert!(
        officer
            .open_hcp_requests(seen_at)
            .unwrap()
            .iter()
            .all(|q| q.request.id != request)
    );
    // A request after that contact is open again: only contacts at or after it count.
    let later = seen_at + Duration::minutes(5);
    let second = officer
        .request_hcp(id, "soon", "Asks again", later)
        .unwrap();
    assert!(
        officer
            .open_hcp_requests(later)
            .unwrap()
            .iter()
            .any(|q| q.request.id == second)
    );
    chain_intact(&officer);
}

#[test]
fn only_a_sergeant_or_an_hcp_withdraws_a_request_and_the_wall_board_asks_for_nothing() {
    let (_dir, db) = suite();
    let mut officer = login(&db, "officer");
    let id = quiet_person(&officer);
    let request = officer
        .request_hcp(id, "routine", "Wants his inhaler", now())
        .unwrap();
    refused(
        officer.withdraw_hcp_request(request, "left", now()),
        "a custody sergeant or a healthcare practitioner does it",
    );
    let mut wall = login(&db, "wallboard");
    refused(wall.request_hcp(id, "urgent", "x", now()), "ask for an HCP");
    let mut sergeant = login(&db, "sergeant");
    let e = sergeant
        .withdraw_hcp_request(request, " ", now())
        .unwrap_err();
    assert!(e.to_string().contains("say why"), "{e}");
    sergeant
        .withdraw_hcp_request(request, "Left custody: bailed", now())
        .unwrap();
    let r = &sergeant.hcp_requests_of(id).unwrap()[0];
    assert_eq!(r.withdrawn.as_ref().unwrap().reason, "Left custody: bailed");
    assert!(
        r.summary(now())
            .ends_with("withdrawn 14:00 by sergeant: Left custody: bailed")
    );
    let e = sergeant
        .withdraw_hcp_request(request, "again", now())
        .unwrap_err();
    assert!(e.to_string().contains("already withdrawn"), "{e}");
    assert_eq!(
        audit_count(&sergeant, "record_write", "HCP request % withdrawn"),
        1
    );
}

#[test]
fn directions_are_given_by_an_hcp_and_acknowledged_by_a_sergeant_audited() {
    let (_dir, db) = suite();
    let mut hcp = login(&db, "hcp");
    let id = quiet_person(&hcp);
    let draft = DirectionDraft {
        kind: DirectionKind::ReassessAt {
            due_at: now() + Duration::hours(1),
        },
        words: String::new(),
    };
    let mut sergeant = login(&db, "sergeant");
    refused(
        sergeant.give_direction(id, &draft, now()),
        "a healthcare practitioner does",
    );
    let direction = hcp.give_direction(id, &draft, now()).unwrap();
    let open = sergeant.open_directions().unwrap();
    let o = open
        .iter()
        .find(|o| o.direction.id == direction)
        .expect("on every sergeant's screen");
    assert!(o.direction.acknowledged.is_none());
    assert_eq!(o.direction.reassess_due(), Some(now() + Duration::hours(1)));

    refused(
        hcp.acknowledge_direction(direction, now()),
        "a custody sergeant does",
    );
    refused(
        login(&db, "officer").acknowledge_direction(direction, now()),
        "a custody sergeant does",
    );
    let at = now() + Duration::minutes(3);
    sergeant.acknowledge_direction(direction, at).unwrap();
    let e = sergeant.acknowledge_direction(direction, at).unwrap_err();
    assert!(
        e.to_string()
            .contains("already acknowledged by sergeant at 14:03"),
        "{e}"
    );
    let d = &sergeant.directions_of(id).unwrap()[0];
    assert_eq!(d.acknowledged.as_ref().unwrap().by, "sergeant");
    assert_eq!(
        audit_count(
            &sergeant,
            "direction_acknowledged",
            &format!("HCP direction {direction} %")
        ),
        1
    );

    // Still open for the board until done: a contact well before its time does not do it; one
    // from 15 minutes before does.
    let early = now() + Duration::minutes(20);
    hcp.record_hcp_contact(id, "contact", early, "Drink given", early)
        .unwrap();
    assert!(sergeant.directions_of(id).unwrap()[0].done_at.is_none());
    let close = now() + Duration::minutes(50);
    hcp.record_hcp_contact(id, "review", close, "Re-assessed", close)
        .unwrap();
    assert_eq!(sergeant.directions_of(id).unwrap()[0].done_at, Some(close));
    assert!(
        sergeant
            .open_directions()
            .unwrap()
            .iter()
            .all(|o| o.direction.id != direction)
    );
    chain_intact(&sergeant);
}

#[test]
fn not_fit_to_detain_gives_the_hospital_direction_in_the_same_write() {
    let (_dir, db) = suite();
    let mut hcp = login(&db, "hcp");
    let id = quiet_person(&hcp);
    let before = hcp.directions_of(id).unwrap().len();
    hcp.record_fitness(id, "interview", false, "", "Intoxicated", now())
        .unwrap();
    assert_eq!(
        hcp.directions_of(id).unwrap().len(),
        before,
        "interview: none"
    );
    hcp.record_fitness(
        id,
        "detain",
        false,
        "RVI emergency department",
        "Chest pain",
        now(),
    )
    .unwrap();
    let directions = hcp.directions_of(id).unwrap();
    let d = directions.last().unwrap();
    assert_eq!(d.kind, DirectionKind::NotFitHospital);
    assert_eq!(
        d.headline(),
        "not fit to detain → hospital: RVI emergency department"
    );
    assert_eq!(d.given_by, "hcp");
    let sergeant = login(&db, "sergeant");
    assert!(
        sergeant
            .open_directions()
            .unwrap()
            .iter()
            .any(|o| o.direction.id == d.id)
    );
    let entry = sergeant
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.detention_id == id)
        .unwrap();
    assert_eq!(entry.directions_unacknowledged, 1);
}
