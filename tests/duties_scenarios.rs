//! During a detention, through the real key paths: anyone adds a risk flag with its reason
//! (f) and the suggested level follows at once; a sergeant changes the level (L), with the
//! rationale gate; a sergeant records why the health screen cannot be done (N); custody staff
//! record a supervised dose of a medicine the HCP allowed (a t, then d); the export dialog's
//! destination never takes typed text as another choice; each role's status bar shows its
//! main keys.

mod support;

use crossterm::event::KeyCode;
use sonar_custody::app::{App, Screen};
use sonar_custody::domain::board::BoardRow;
use sonar_custody::domain::booking_duties::Outstanding;
use sonar_custody::domain::flag::{FlagCode, Severity};
use support::*;

fn status(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn rows(app: &App) -> &[BoardRow] {
    match &app.screen {
        Screen::Board(b) => &b.rows,
        Screen::Record(r) => &r.board.rows,
        _ => panic!("no board:\n{}", screen_text(app, 80, 24)),
    }
}

fn row<'a>(app: &'a App, surname: &str) -> &'a BoardRow {
    rows(app)
        .iter()
        .find(|r| r.surname == surname)
        .expect("the person on the board")
}

/// Filters the board to `surname`, leaving the filter line so board keys work on the row.
fn select(app: &mut App, surname: &str) {
    key(app, KeyCode::Char('/'));
    type_text(app, surname);
    key(app, KeyCode::Enter);
    assert!(
        matches!(&app.screen, Screen::Record(r) if r.view.entry.surname == surname),
        "{surname}'s record opens:\n{}",
        screen_text(app, 80, 24)
    );
}

fn record_text(app: &App) -> String {
    screen_text(app, 120, 60)
}

#[test]
fn anyone_adds_a_risk_flag_with_its_reason_and_the_suggestion_follows_at_once() {
    let (db, mut officer) = logged_in("officer");
    assert!(row(&officer, "Singh").flags.is_empty());
    select(&mut officer, "Singh");
    type_text(&mut officer, "f");
    assert!(officer.duty.is_some(), "f opens the flag prompt");
    // Type-ahead on the code field: a letter that starts no code is refused, not taken.
    type_text(&mut officer, "SH");
    type_text(&mut officer, "Q");
    let text = record_text(&officer);
    assert!(text.contains("No flag code starts with SHQ"), "{text}");
    key(&mut officer, KeyCode::Tab);
    key(&mut officer, KeyCode::Down); // Warning -> Alert
    key(&mut officer, KeyCode::Tab);
    // Without a reason the store is not asked.
    key(&mut officer, KeyCode::Enter);
    assert!(
        record_text(&officer).contains("Say why"),
        "{}",
        record_text(&officer)
    );
    type_text(
        &mut officer,
        "Threatened to self-harm at 03:00, said he has a blade",
    );
    key(&mut officer, KeyCode::Enter);
    assert!(officer.duty.is_none(), "saved: {}", status(&officer));
    assert!(status(&officer).contains("Flag SH"), "{}", status(&officer));
    let flags = &row(&officer, "Singh").flags;
    assert!(
        flags.contains(&(FlagCode::SelfHarm, Severity::Alert)),
        "{flags:?}"
    );
    // The suggestion follows the flag at once: the plan (level 1) is now below it.
    assert!(row(&officer, "Singh").below_suggestion.is_some());
    key(&mut officer, KeyCode::Right);
    let record = record_text(&officer);
    assert!(
        record.contains("Threatened to self-harm at 03:00"),
        "the reason is on the record: {record}"
    );

    // The administrator manages accounts, not detainees: refused with who does it.
    let mut admin = app(&db.path);
    log_in(&mut admin, "admin", sonar_custody::demo::DEMO_PASSWORD);
    type_text(&mut admin, "f");
    assert!(admin.duty.is_none());
    assert!(
        status(&admin).contains("The administrator may not add a risk flag"),
        "{}",
        status(&admin)
    );
}

#[test]
fn a_sergeant_changes_the_level_and_below_the_suggestion_needs_a_rationale() {
    let (db, mut sergeant) = logged_in("sergeant");
    // O'Brien: the rules suggest level 4; his plan is level 2.
    select(&mut sergeant, "O'Brien");
    type_text(&mut sergeant, "L");
    assert!(sergeant.duty.is_some(), "L opens the level prompt");
    type_text(&mut sergeant, "x");
    assert!(record_text(&sergeant).contains("Type the level's number"));
    type_text(&mut sergeant, "1");
    key(&mut sergeant, KeyCode::Enter);
    let text = record_text(&sergeant);
    assert!(
        text.contains("below the suggested level 4"),
        "the rationale gate holds: {text}"
    );
    assert!(
        sergeant.duty.is_some(),
        "the prompt stays open with the reason"
    );
    type_text(&mut sergeant, "4");
    key(&mut sergeant, KeyCode::Enter);
    assert!(sergeant.duty.is_none(), "{}", status(&sergeant));
    assert_eq!(row(&sergeant, "O'Brien").observation_level.number(), 4);
    assert!(row(&sergeant, "O'Brien").below_suggestion.is_none());

    // A detention officer is told who changes the level.
    let mut officer = app(&db.path);
    log_in(&mut officer, "officer", sonar_custody::demo::DEMO_PASSWORD);
    select(&mut officer, "Taylor");
    type_text(&mut officer, "L");
    assert!(officer.duty.is_none());
    assert!(
        status(&officer)
            .contains("may not set the care plan or observation level: a custody sergeant does it"),
        "{}",
        status(&officer)
    );
}

#[test]
fn a_sergeant_records_why_the_screen_cannot_be_done_and_it_stops_being_outstanding() {
    let (_db, mut sergeant) = logged_in("sergeant");
    assert_eq!(
        row(&sergeant, "Ali").outstanding,
        [Outstanding::HealthScreen]
    );
    select(&mut sergeant, "Ali");
    assert!(record_text(&sergeant).contains("HEALTH SCREEN OUTSTANDING"));
    type_text(&mut sergeant, "N");
    key(&mut sergeant, KeyCode::Enter);
    assert!(
        record_text(&sergeant).contains("why the health screen cannot be done now"),
        "{}",
        record_text(&sergeant)
    );
    type_text(&mut sergeant, "Asleep, intoxicated: HCP to screen at 06:00");
    key(&mut sergeant, KeyCode::Enter);
    assert!(sergeant.duty.is_none(), "{}", status(&sergeant));
    assert!(row(&sergeant, "Ali").outstanding.is_empty());
    let text = record_text(&sergeant);
    assert!(!text.contains("HEALTH SCREEN OUTSTANDING"), "{text}");
    assert!(
        text.contains("not done: Asleep, intoxicated: HCP to screen at 06:00"),
        "{text}"
    );
}

#[test]
fn custody_staff_record_a_supervised_dose_of_a_medicine_the_hcp_allowed() {
    let (db, mut officer) = logged_in("officer");
    // Wood has her own anti-epileptic; nobody has allowed self-administration yet.
    select(&mut officer, "Wood");
    type_text(&mut officer, "d");
    assert!(
        status(&officer).contains("an HCP allows it"),
        "{}",
        status(&officer)
    );
    key(&mut officer, KeyCode::Esc);

    let mut hcp = app(&db.path);
    log_in(&mut hcp, "hcp", sonar_custody::demo::DEMO_PASSWORD);
    select(&mut hcp, "Wood");
    type_text(&mut hcp, "a");
    type_text(&mut hcp, "t");
    type_text(&mut hcp, "1");
    type_text(&mut hcp, "y");
    key(&mut hcp, KeyCode::F(8));
    assert!(
        status(&hcp).contains("custody staff may now supervise"),
        "{}",
        status(&hcp)
    );
    // An HCP gives doses; the supervised dose is the custody staff's.
    type_text(&mut hcp, "d");
    assert!(
        status(&hcp).contains("healthcare practitioner may not record a supervised"),
        "{}",
        status(&hcp)
    );

    select(&mut officer, "Wood");
    type_text(&mut officer, "d");
    assert!(officer.entry.is_some(), "{}", status(&officer));
    type_text(&mut officer, "1");
    type_text(&mut officer, "t");
    key(&mut officer, KeyCode::F(8));
    assert!(
        status(&officer).contains("supervised by you, recorded"),
        "{}",
        status(&officer)
    );
    // The administration record says who supervised; the next dose moved on.
    let health = {
        key(&mut hcp, KeyCode::Esc);
        select(&mut hcp, "Wood");
        for _ in 0..3 {
            key(&mut hcp, KeyCode::Right);
        }
        record_text(&hcp)
    };
    assert!(
        health.contains("taken (self-administered, supervised by officer)"),
        "{health}"
    );
}

#[test]
fn the_export_destination_never_takes_typed_text_as_another_choice() {
    let (_db, mut sergeant) = logged_in("sergeant");
    select(&mut sergeant, "Mensah");
    type_text(&mut sergeant, "x");
    let Some(h) = sergeant.handover.as_ref() else {
        panic!("x opens the handover:\n{}", screen_text(&sergeant, 80, 24));
    };
    assert_eq!(h.field, 0);
    // Prison, then the prison's name typed straight on: still prison, nothing else changed.
    type_text(&mut sergeant, "p");
    type_text(&mut sergeant, "HMP Leeds");
    let h = sergeant.handover.as_ref().unwrap();
    assert_eq!(
        h.destination,
        Some(sonar_custody::handover::Destination::Prison)
    );
    assert_eq!(h.receiving_org, "");
    assert!(
        h.error
            .as_deref()
            .unwrap_or_default()
            .contains("Where to is prison"),
        "{:?}",
        h.error
    );
    // Tab goes to the organisation, where typing goes.
    key(&mut sergeant, KeyCode::Tab);
    type_text(&mut sergeant, "HMP Leeds");
    let h = sergeant.handover.as_ref().unwrap();
    assert_eq!(h.receiving_org, "HMP Leeds");
    assert_eq!(
        h.destination,
        Some(sonar_custody::handover::Destination::Prison)
    );
    // Backspace on the destination clears it to choose again.
    key_with(
        &mut sergeant,
        KeyCode::BackTab,
        crossterm::event::KeyModifiers::SHIFT,
    );
    key(&mut sergeant, KeyCode::Backspace);
    type_text(&mut sergeant, "h");
    assert_eq!(
        sergeant.handover.as_ref().unwrap().destination,
        Some(sonar_custody::handover::Destination::Hospital)
    );
}

#[test]
fn each_role_sees_its_main_keys_in_the_status_bar_at_80_columns() {
    let (db, mut sergeant) = logged_in("sergeant");
    let last_line = |app: &App| {
        screen_text(app, 80, 24)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    let board = last_line(&sergeant);
    for hint in [
        "c check",
        "b book in",
        "L level",
        "B booking",
        "/ filter",
        "? help",
        "q quit",
    ] {
        assert!(board.contains(hint), "sergeant board: {board}");
    }
    select(&mut sergeant, "Taylor");
    let record = last_line(&sergeant);
    for hint in ["c check", "p plan", "r PACE", "x hand over"] {
        assert!(record.contains(hint), "sergeant record: {record}");
    }
    assert!(!record.contains("ct"), "no key cut in half: {record}");

    let mut officer = app(&db.path);
    log_in(&mut officer, "officer", sonar_custody::demo::DEMO_PASSWORD);
    let board = last_line(&officer);
    for hint in ["c check", "f flag", "H ask HCP", "b book in"] {
        assert!(board.contains(hint), "officer board: {board}");
    }
    assert!(!board.contains("L level"), "officer board: {board}");
    select(&mut officer, "Taylor");
    let record = last_line(&officer);
    for hint in ["c check", "f flag", "d supervised dose"] {
        assert!(record.contains(hint), "officer record: {record}");
    }
    assert!(!record.contains("x hand over"), "officer record: {record}");

    let mut hcp = app(&db.path);
    log_in(&mut hcp, "hcp", sonar_custody::demo::DEMO_PASSWORD);
    let board = last_line(&hcp);
    for hint in ["w HCP queue", "B booking"] {
        assert!(board.contains(hint), "hcp board: {board}");
    }
    select(&mut hcp, "Taylor");
    assert!(
        last_line(&hcp).contains("a add"),
        "hcp record: {}",
        last_line(&hcp)
    );
}
