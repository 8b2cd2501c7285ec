//! Handing a person over from their record in the UI, through real keys: details, the review
//! of what leaves, the confirmation (Esc there writes nothing), the export, the result, and
//! the board without the person. Snapshots of the review and confirmation at 80x24.

mod support;

use std::path::Path;

use crossterm::event::{KeyCode, KeyModifiers};
use sonar_custody::app::handover::Step;
use sonar_custody::app::{Action, App, Screen};
use sonar_custody::handover::verify::{self, Trust};
use sonar_custody::keymap::Context;
use sonar_custody::store::Store;
use support::*;

/// Opens the first record on the board and returns its custody number.
fn open_first_record(app: &mut App) -> String {
    key(app, KeyCode::Enter);
    let Screen::Record(r) = &app.screen else {
        panic!("Enter should open a record:\n{}", screen_text(app, 80, 24));
    };
    r.view.entry.custody_no.clone()
}

fn board_custody_numbers(app: &App) -> Vec<String> {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board:\n{}", screen_text(app, 80, 24));
    };
    b.visible_rows().map(|r| r.custody_no.clone()).collect()
}

/// From the record: the export key, prison, receiving org and officer, and `dir`.
fn fill_details(app: &mut App, dir: &str) {
    press_action(app, Context::Record, Action::ExportHandover);
    assert!(app.handover.is_some(), "the export key opens the review");
    type_text(app, "p");
    key(app, KeyCode::Tab);
    type_text(app, "HMP Northtown");
    key(app, KeyCode::Tab);
    type_text(app, "Officer Reed 4471");
    key(app, KeyCode::Tab);
    key_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(app, dir);
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn a_sergeant_hands_a_person_over_from_the_record() {
    let (db, mut app) = logged_in("sergeant");
    let custody_no = open_first_record(&mut app);
    assert!(board_custody_numbers_before(&db, &custody_no));
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("handovers");
    fill_details(&mut app, dir.to_str().unwrap());

    key(&mut app, KeyCode::Enter);
    let h = app.handover.as_ref().unwrap();
    assert!(matches!(h.step, Step::Review(_)), "Enter shows the review");
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("What will leave") || text.contains("what leaves"),
        "{text}"
    );
    assert!(text.contains("Clinical notes"), "{text}");
    assert!(text.contains("Flags:"), "{text}");

    key(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.handover.as_ref().unwrap().step,
        Step::Confirm(_)
    ));
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("read-only"), "{text}");

    // Esc at the confirmation writes nothing and the person is still in custody.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(
        app.handover.as_ref().unwrap().step,
        Step::Review(_)
    ));
    assert_eq!(files_in(&dir), 0, "Esc at the confirmation writes nothing");
    assert!(!dir.exists(), "not even the directory");

    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let Some(Step::Done(outcome)) = app.handover.as_ref().map(|h| h.step.clone()) else {
        panic!("the export should be done:\n{}", screen_text(&app, 80, 24));
    };
    assert!(outcome.bundle_path.is_file());
    assert!(outcome.escort_path.is_file());
    let text = screen_text(&app, 120, 40);
    assert!(text.contains(&outcome.sha256), "{text}");
    assert!(text.contains(&outcome.kid), "{text}");

    // The library verify accepts the bundle with the suite's own keys.
    let store = Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let trust = Trust::new(store.public_keys().unwrap().into_iter().map(|k| k.key));
    let bytes = std::fs::read(&outcome.bundle_path).unwrap();
    let verified = verify::verify(&bytes, &trust).unwrap();
    assert_eq!(verified.kid, outcome.kid);
    drop(store);

    key(&mut app, KeyCode::Enter);
    assert!(app.handover.is_none());
    let on_board = board_custody_numbers(&app);
    assert!(
        !on_board.contains(&custody_no),
        "{custody_no} is no longer in custody: {on_board:?}"
    );
    assert!(screen_text(&app, 80, 24).contains("handed over"));
}

/// The person is on the board before the handover (read from a second session).
fn board_custody_numbers_before(db: &DemoDb, custody_no: &str) -> bool {
    let store = Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    store
        .in_custody()
        .unwrap()
        .iter()
        .any(|e| e.custody_no == custody_no)
}

#[test]
fn an_unwritable_directory_is_one_sentence_and_nothing_is_handed_over() {
    let (_db, mut app) = logged_in("sergeant");
    let custody_no = open_first_record(&mut app);
    let out = tempfile::tempdir().unwrap();
    let blocker = out.path().join("a-file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let dir = blocker.join("handovers");
    fill_details(&mut app, dir.to_str().unwrap());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let h = app.handover.as_ref().unwrap();
    let error = h.error.clone().unwrap_or_default();
    assert!(error.starts_with("Nothing was handed over"), "{error}");
    assert!(error.ends_with('.'), "{error}");
    assert!(!error.contains('\n'));
    assert!(screen_text(&app, 120, 40).contains("Nothing was handed over"));
    // Still in custody: going back shows the person on the board.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(board_custody_numbers(&app).contains(&custody_no));
}

#[test]
fn a_second_handover_is_refused_in_one_sentence() {
    let (_db, mut app) = logged_in("sergeant");
    open_first_record(&mut app);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("h");
    fill_details(&mut app, dir.to_str().unwrap());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    // Another terminal hands the person over first.
    let custody_no = app.handover.as_ref().unwrap().custody_no.clone();
    let mut other = Store::unlock(&_db.path, "sergeant", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let other_dir = out.path().join("other");
    sonar_custody::handover::export::export(
        &mut other,
        &sonar_custody::handover::export::Handover {
            custody_no: &custody_no,
            destination: sonar_custody::handover::Destination::Court,
            receiving_org: "",
            receiving_officer: "",
        },
        &other_dir,
        fixed_now(),
    )
    .unwrap();
    drop(other);
    key(&mut app, KeyCode::Enter);
    let error = app
        .handover
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap_or_default();
    assert!(error.contains("already handed over"), "{error}");
    assert!(!dir.exists(), "nothing half-written");
}

#[test]
fn a_detention_officer_cannot_hand_over() {
    let (_db, mut app) = logged_in("officer");
    open_first_record(&mut app);
    press_action(&mut app, Context::Record, Action::ExportHandover);
    assert!(app.handover.is_none());
    assert!(screen_text(&app, 80, 24).contains("Only a custody sergeant"));
}

#[test]
fn snapshots_of_the_review_and_the_confirmation() {
    let (_db, mut app) = logged_in("sergeant");
    // Patel takes insulin, so the review marks time-critical medication.
    press_action(&mut app, Context::Board, Action::Filter);
    type_text(&mut app, "Patel");
    open_first_record(&mut app);
    fill_details(&mut app, "/srv/sonar/handovers");
    insta::assert_snapshot!("handover_details_80x24", draw(&app, 80, 24).backend());
    key(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.handover.as_ref().unwrap().step,
        Step::Review(_)
    ));
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("TIME-CRITICAL"), "{text}");
    assert!(text.contains("do not leave the suite"), "{text}");
    insta::assert_snapshot!("handover_review_80x24", draw(&app, 80, 24).backend());
    key(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.handover.as_ref().unwrap().step,
        Step::Confirm(_)
    ));
    insta::assert_snapshot!("handover_confirm_80x24", draw(&app, 80, 24).backend());
    key(&mut app, KeyCode::Esc);
    assert!(!Path::new("/srv/sonar/handovers").exists());
}
