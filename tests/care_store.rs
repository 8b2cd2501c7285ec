//! Care plans, cell checks, escalations and PACE records through the store's API, on a demo
//! suite: the refusal of a level below the suggestion without a rationale, an emergency opened
//! by a failed rousing, two terminals recording checks at once, and PACE deadlines with reviews
//! and extensions.

use std::path::Path;
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, TimeZone, Utc};
use sonar_custody::demo::{self, DEMO_PASSWORD};
use sonar_custody::domain::care::{CheckDraft, PlanDraft};
use sonar_custody::domain::observation::{CheckInterval, ObservationLevel};
use sonar_custody::domain::pace::{DeadlineKind, LimitBasis};
use sonar_custody::store::audit::{self, ChainReport};
use sonar_custody::store::custody::CustodyEntry;
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

/// Someone whose flags make the rules suggest more than level 1.
fn flagged(store: &Store) -> (CustodyEntry, ObservationLevel) {
    for e in store.in_custody().unwrap() {
        let s = store.suggested_plan(e.detention_id).unwrap();
        if s.level > ObservationLevel::General {
            return (e, s.level);
        }
    }
    panic!("the demo has nobody the rules put above level 1");
}

fn plan(level: ObservationLevel, rationale: &str) -> PlanDraft {
    PlanDraft {
        level,
        interval: CheckInterval::Hourly,
        rouse: false,
        instructions: "check breathing".into(),
        rationale: rationale.into(),
        hcp_recommended: false,
    }
}

fn visit() -> CheckDraft {
    CheckDraft {
        minutes_ago: 0,
        late_reason: String::new(),
        rousable: Some(true),
        responds_to_questions: Some(true),
        responds_to_commands: Some(true),
        condition: "settled".into(),
        note: String::new(),
    }
}

fn chain_intact(store: &Store) {
    match audit::verify(store.conn_for_reports()).unwrap() {
        ChainReport::Intact { .. } => {}
        broken => panic!("audit chain broken: {broken:?}"),
    }
}

#[test]
fn level_below_suggested_without_rationale_is_refused_and_with_one_is_kept() {
    let (_dir, db) = suite();
    let mut sergeant = login(&db, "sergeant");
    let (entry, suggested) = flagged(&sergeant);
    let id = entry.detention_id;
    let before = sergeant.in_custody().unwrap();
    let err = sergeant
        .set_care_plan(id, &plan(ObservationLevel::General, ""), now())
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("below the suggested level") && m.contains(&suggested.number().to_string())),
        "{err}"
    );
    assert_eq!(
        sergeant.in_custody().unwrap(),
        before,
        "nothing was written"
    );
    let why = "HCP saw him at 13:40: sober, walking and talking, low risk";
    sergeant
        .set_care_plan(id, &plan(ObservationLevel::General, why), now())
        .unwrap();
    let record = sergeant.open_record(id, None, now()).unwrap().unwrap();
    assert_eq!(record.plan_history[0].level, 1);
    assert_eq!(record.plan_history[0].rationale, why);
    chain_intact(&sergeant);

    // Only a sergeant sets the plan.
    let mut officer = login(&db, "officer");
    let err = officer
        .set_care_plan(id, &plan(ObservationLevel::CloseProximity, ""), now())
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
}

#[test]
fn a_failed_rousing_opens_an_emergency_that_only_a_sergeant_or_hcp_closes_with_an_outcome() {
    use sonar_custody::domain::emergency::{CallKind, Cause, CloseDraft, OutcomeKind};
    let (_dir, db) = suite();
    let mut sergeant = login(&db, "sergeant");
    let entry = sergeant.in_custody().unwrap()[0].clone();
    let id = entry.detention_id;
    let mut draft = plan(ObservationLevel::Intermittent, "");
    draft.interval = CheckInterval::Every30Minutes;
    draft.rouse = true;
    sergeant.set_care_plan(id, &draft, now()).unwrap();
    assert!(sergeant.open_emergencies().unwrap().is_empty());

    let mut officer = login(&db, "officer");
    // A rousing plan refuses a check without the Annex H answers.
    let mut unanswered = visit();
    unanswered.rousable = None;
    assert!(officer.record_check(id, &unanswered, now()).is_err());
    let ok = officer.record_check(id, &visit(), now()).unwrap();
    assert_eq!(ok.escalation_id, None);

    let mut failed = visit();
    failed.responds_to_commands = Some(false);
    let later = now() + Duration::minutes(20);
    let rec = officer.record_check(id, &failed, later).unwrap();
    let esc = rec.escalation_id.expect("an emergency");
    // The sergeant's own session (another terminal) sees it, with where it happened.
    let open = sergeant.open_emergencies().unwrap();
    assert_eq!(open.len(), 1);
    let e = &open[0].emergency;
    assert_eq!((e.id, e.cause), (esc, Cause::FailedRousing));
    assert_eq!(e.opened_by, "officer");
    assert_eq!(e.reason, "Roused but no response to commands");
    assert_eq!(e.location, entry.cell);

    // Anyone records a call; the officer cannot close it, whatever the outcome.
    officer
        .record_emergency_call(esc, CallKind::Ambulance, "DO Kim Walsh", later, later)
        .unwrap();
    let close = CloseDraft {
        kind: OutcomeKind::TakenToHospital,
        outcome_at: later + Duration::minutes(25),
        note: "conveyed to the LGI".into(),
    };
    let done = later + Duration::minutes(30);
    let refused = officer.close_emergency(esc, &close, done).unwrap_err();
    assert!(matches!(refused, StoreError::Refused(_)), "{refused}");
    assert!(
        refused.to_string().contains("close an emergency"),
        "{refused}"
    );
    // "other" needs words; a time before it opened is refused.
    let other = CloseDraft {
        kind: OutcomeKind::Other,
        outcome_at: done,
        note: " ".into(),
    };
    assert!(sergeant.close_emergency(esc, &other, done).is_err());
    officer
        .acknowledge_emergency(esc, "custody-desk-2", later)
        .unwrap();
    assert_eq!(sergeant.plan_review_due(id).unwrap(), None);
    sergeant.close_emergency(esc, &close, done).unwrap();
    assert!(officer.open_emergencies().unwrap().is_empty());
    // A second close (another terminal) is refused with a sentence.
    let again = sergeant.close_emergency(esc, &close, done).unwrap_err();
    assert!(again.to_string().contains("already been closed"), "{again}");

    // The record keeps the whole lifecycle, and a care-plan review is due at once.
    let all = sergeant.emergencies_of(id).unwrap();
    assert_eq!(all.len(), 1);
    let e = &all[0];
    assert_eq!(e.calls.len(), 1);
    assert_eq!(e.calls[0].kind, CallKind::Ambulance);
    assert_eq!(e.acknowledgements[0].terminal, "custody-desk-2");
    let closure = e.closure.as_ref().unwrap();
    assert_eq!(closure.kind, OutcomeKind::TakenToHospital);
    assert_eq!(closure.closed_by, "sergeant");
    let due = sergeant.plan_review_due(id).unwrap().expect("a review due");
    assert_eq!(due.reason(), "emergency closed 14:50");
    assert!(sergeant.board_care(done).unwrap()[&id].review_due.is_some());
    // Setting a new plan version is the review.
    sergeant.set_care_plan(id, &draft, done).unwrap();
    assert_eq!(sergeant.plan_review_due(id).unwrap(), None);
    chain_intact(&officer);
}

#[test]
fn the_wall_board_writes_nothing_but_its_own_acknowledgement() {
    let (_dir, db) = suite();
    let mut officer = login(&db, "officer");
    let id = officer.in_custody().unwrap()[0].detention_id;
    let esc = officer
        .raise_emergency(id, "Found on the floor, not responding", "", now())
        .unwrap();
    let mut wall = login(&db, "wallboard");
    assert_eq!(wall.open_emergencies().unwrap().len(), 1);
    let refused = wall
        .raise_emergency(id, "Found on the floor again", "", now())
        .unwrap_err();
    assert!(matches!(refused, StoreError::Refused(_)), "{refused}");
    assert!(wall.record_check(id, &visit(), now()).is_err());
    wall.acknowledge_emergency(esc, "wall-screen", now())
        .unwrap();
    let e = &officer.emergencies_of(id).unwrap()[0];
    assert_eq!(e.acknowledgements[0].username, "wallboard");
    chain_intact(&officer);
}

#[test]
fn two_terminals_recording_checks_at_once_lose_nothing() {
    let (_dir, db) = suite();
    let probe = login(&db, "officer");
    let ids: Vec<i64> = probe
        .in_custody()
        .unwrap()
        .iter()
        .map(|e| e.detention_id)
        .collect();
    let count = |s: &Store| -> i64 {
        s.conn_for_reports()
            .query_row("SELECT count(*) FROM cell_check", [], |r| r.get(0))
            .unwrap()
    };
    let before = count(&probe);
    let rounds = 25;
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = ["officer", "sergeant"]
        .into_iter()
        .map(|user| {
            let db = db.clone();
            let ids = ids.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut store = login(&db, user);
                barrier.wait();
                let mut errors = Vec::new();
                for i in 0..rounds {
                    let id = ids[i % ids.len()];
                    let mut d = visit();
                    // Written entries for constant observation need the condition, which is set.
                    d.note = format!("{user} {i}");
                    if let Err(e) = store.record_check(id, &d, now()) {
                        errors.push(e.to_string());
                    }
                }
                errors
            })
        })
        .collect();
    for h in handles {
        let errors = h.join().unwrap();
        assert!(errors.is_empty(), "{errors:?}");
    }
    assert_eq!(count(&probe), before + 2 * rounds as i64);
    chain_intact(&probe);
}

#[test]
fn pace_deadlines_follow_reviews_and_extensions() {
    let (_dir, db) = suite();
    let mut sergeant = login(&db, "sergeant");
    let entry = sergeant
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.authorised_at.is_some() && e.pace_reviews.is_empty())
        .unwrap();
    let (id, arrived, authorised) = (
        entry.detention_id,
        entry.arrived_at,
        entry.authorised_at.unwrap(),
    );
    let relevant = arrived.min(authorised);
    let first = sergeant
        .pace_deadline(id, arrived, Some(authorised), now())
        .unwrap()
        .unwrap();
    assert_eq!(first.kind, DeadlineKind::Review { number: 1 });
    assert_eq!(first.at, authorised + Duration::hours(6));

    // First review done on time: the second is due 9 hours later.
    let reviewed = authorised + Duration::hours(5);
    let at = reviewed.max(now());
    sergeant
        .record_pace_review(id, reviewed.min(at), &review("continue detention"), at)
        .unwrap();
    let d = sergeant
        .pace_deadline(id, arrived, Some(authorised), at)
        .unwrap()
        .unwrap();
    assert_eq!(d.kind, DeadlineKind::Review { number: 2 });
    assert_eq!(d.at, reviewed.min(at) + Duration::hours(9));

    // After three reviews, the 24-hour limit is next; a superintendent's extension moves it.
    let mut t = reviewed.min(at);
    for _ in 0..2 {
        t += Duration::hours(8);
        sergeant
            .record_pace_review(id, t, &review("continue"), t.max(at))
            .unwrap();
    }
    let later = t.max(at);
    let d = sergeant
        .pace_deadline(id, arrived, Some(authorised), later)
        .unwrap()
        .unwrap();
    assert_eq!(
        d.kind,
        DeadlineKind::DetentionLimit {
            basis: LimitBasis::Standard
        }
    );
    assert_eq!(d.at, relevant + Duration::hours(24));
    // Beyond 36 hours a superintendent may not go.
    assert!(
        sergeant
            .record_pace_extension(
                id,
                false,
                relevant + Duration::hours(20),
                relevant + Duration::hours(37),
                "Supt Rowe",
                later
            )
            .is_err()
    );
    sergeant
        .record_pace_extension(
            id,
            false,
            relevant + Duration::hours(20),
            relevant + Duration::hours(36),
            "Supt Rowe",
            later,
        )
        .unwrap();
    let d = sergeant
        .pace_deadline(id, arrived, Some(authorised), later)
        .unwrap()
        .unwrap();
    assert_ne!(
        d.kind,
        DeadlineKind::DetentionLimit {
            basis: LimitBasis::Standard
        }
    );
    assert!(d.at > relevant + Duration::hours(24));
    chain_intact(&sergeant);
}

/// The body of one recording process in the two-process test below; does nothing unless that
/// test started this process with the database path in the environment.
#[test]
fn child_process_records_checks() {
    let Some(db) = std::env::var_os("SONAR_CARE_CHILD_DB") else {
        return;
    };
    let user = std::env::var("SONAR_CARE_CHILD_USER").unwrap();
    let db = std::path::PathBuf::from(db);
    let mut store = login(&db, &user);
    let ids: Vec<i64> = store
        .in_custody()
        .unwrap()
        .iter()
        .map(|e| e.detention_id)
        .collect();
    for i in 0..20 {
        let mut d = visit();
        d.note = format!("{user} process {i}");
        if let Err(e) = store.record_check(ids[i % ids.len()], &d, now()) {
            panic!("check {i} by {user} failed: {e}");
        }
    }
}

#[test]
fn two_processes_recording_checks_at_once_lose_nothing() {
    let (_dir, db) = suite();
    let probe = login(&db, "admin");
    let count = |s: &Store| -> i64 {
        s.conn_for_reports()
            .query_row("SELECT count(*) FROM cell_check", [], |r| r.get(0))
            .unwrap()
    };
    let before = count(&probe);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["officer", "sergeant"]
        .into_iter()
        .map(|user| {
            std::process::Command::new(&exe)
                .args(["child_process_records_checks", "--exact", "--nocapture"])
                .env("SONAR_CARE_CHILD_DB", &db)
                .env("SONAR_CARE_CHILD_USER", user)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
        assert!(!text.contains("database is locked"), "{text}");
    }
    assert_eq!(count(&probe), before + 40);
    chain_intact(&probe);
}

#[test]
fn a_custody_decision_makes_a_plan_review_due_until_a_new_plan_is_set() {
    use sonar_custody::domain::care::{DecisionKind, ReviewTrigger};
    let (_dir, db) = suite();
    let mut sergeant = login(&db, "sergeant");
    let (entry, level) = flagged(&sergeant);
    let id = entry.detention_id;
    let decided = now() + Duration::minutes(10);
    assert_eq!(sergeant.plan_review_due(id).unwrap(), None);
    sergeant
        .record_custody_decision(id, DecisionKind::Charged, decided, "theft", decided)
        .unwrap();
    let due = sergeant.plan_review_due(id).unwrap().unwrap();
    assert_eq!(due.trigger, ReviewTrigger::Decision(DecisionKind::Charged));
    assert_eq!(due.at, decided);
    assert_eq!(due.reason(), "charged 14:10");
    let board = sergeant.board_care(decided).unwrap();
    assert_eq!(board[&id].review_due, Some(due));
    let sheet = sergeant.handover_sheet(decided).unwrap();
    let mine = sheet.iter().find(|h| h.entry.detention_id == id).unwrap();
    assert_eq!(mine.plan_review_reason.as_deref(), Some("charged 14:10"));

    // A decision in the future is refused.
    let err = sergeant
        .record_custody_decision(
            id,
            DecisionKind::Bailed,
            decided + Duration::minutes(5),
            "",
            decided,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");

    // Setting a new plan version clears it.
    let later = decided + Duration::minutes(5);
    sergeant
        .set_care_plan(id, &plan(level, "reviewed at charge, no change"), later)
        .unwrap();
    assert_eq!(sergeant.plan_review_due(id).unwrap(), None);
    assert_eq!(sergeant.board_care(later).unwrap()[&id].review_due, None);

    // The decision was audited in the same transaction, and the chain still holds.
    let audited: i64 = sergeant
        .conn_for_reports()
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE 'custody_decision %: charged'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
    chain_intact(&sergeant);
}

#[test]
fn only_the_sergeant_records_a_custody_decision() {
    use sonar_custody::domain::care::DecisionKind;
    let (_dir, db) = suite();
    let mut officer = login(&db, "officer");
    let id = officer.in_custody().unwrap()[0].detention_id;
    let err = officer
        .record_custody_decision(id, DecisionKind::ReleaseDecided, now(), "", now())
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    assert_eq!(officer.plan_review_due(id).unwrap(), None);
}

/// A review by Insp Hale with the representations the detainee made.
fn review(outcome: &str) -> sonar_custody::domain::pace::ReviewDraft {
    sonar_custody::domain::pace::ReviewDraft {
        reviewed_by: "Insp Hale".into(),
        outcome: outcome.into(),
        representations: "detainee: wants to speak to his solicitor again".into(),
        late_reason: String::new(),
    }
}
