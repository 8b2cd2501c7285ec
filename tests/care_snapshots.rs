//! Snapshots of the care screens at 80×24 and 120×40, colour off, the clock fixed at
//! 2026-11-23 14:00 GMT: a board row whose check falls overdue (the injected clock moved on),
//! the check form, the care plan form, the emergency alert, and the record's check timeline.

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::{App, Event, Screen, update};
use sonar_custody::domain::observation::ObservationLevel;
use support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snapshot_both(name: &str, app: &App) {
    for (width, height) in SIZES {
        let terminal = draw(app, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

fn select_level(app: &mut App, level: ObservationLevel) -> String {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board")
    };
    let pos = b
        .visible_rows()
        .position(|r| r.observation_level == level)
        .expect("a row at that level");
    let surname = b.visible_rows().nth(pos).unwrap().surname.clone();
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
    surname
}

#[test]
fn a_check_just_recorded_falls_overdue_and_rises_to_the_top() {
    let (_db, mut app) = logged_in("officer");
    let surname = select_level(&mut app, ObservationLevel::Intermittent);
    key(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "yyy");
    key(&mut app, KeyCode::Enter);
    assert!(app.care.form.is_none(), "{}", screen_text(&app, 80, 24));
    // 45 minutes later nobody has visited: the 30-minute check is 15 minutes overdue.
    // Ticks every 3 minutes, with a key press between them so the idle lock stays away.
    let later = app.now + Duration::minutes(45);
    for _ in 0..15 {
        let t = app.now + Duration::minutes(3);
        update(&mut app, Event::Tick(t));
        key(&mut app, KeyCode::Esc);
    }
    assert_eq!(app.now, later);
    let Screen::Board(b) = &app.screen else {
        panic!()
    };
    let row = b
        .visible_rows()
        .find(|r| r.surname == surname)
        .unwrap()
        .clone();
    assert!(row.check_status(later).unwrap().is_overdue());
    assert_eq!(row.check_status(later).unwrap().countdown(), "!-15m");
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("!-15m"), "{text}");
    snapshot_both("care_board_overdue", &app);
}

#[test]
fn check_form() {
    let (_db, mut app) = logged_in("officer");
    select_level(&mut app, ObservationLevel::Intermittent);
    key(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "y");
    snapshot_both("care_check_form", &app);
}

#[test]
fn plan_form_below_suggestion() {
    let (_db, mut app) = logged_in("sergeant");
    select_level(&mut app, ObservationLevel::Intermittent);
    key(&mut app, KeyCode::Char('p'));
    type_text(&mut app, "1");
    snapshot_both("care_plan_form", &app);
}

#[test]
fn emergency_alert() {
    let (_db, mut app) = logged_in("officer");
    select_level(&mut app, ObservationLevel::Intermittent);
    key(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "yny");
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("no comprehensive answer"), "{text}");
    snapshot_both("care_emergency_alert", &app);
}

#[test]
fn record_timeline() {
    let (_db, mut app) = logged_in("sergeant");
    select_level(&mut app, ObservationLevel::Intermittent);
    key(&mut app, KeyCode::Enter);
    for _ in 0..2 {
        key(&mut app, KeyCode::Right);
    }
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Check timeline"), "{text}");
    snapshot_both("care_record_timeline", &app);
}

#[test]
fn custody_decision_and_plan_review_due() {
    let (_db, mut app) = logged_in("sergeant");
    select_level(&mut app, ObservationLevel::Intermittent);
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::BackTab);
    type_text(&mut app, "4");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "theft x2");
    snapshot_both("care_decision_form", &app);
    key(&mut app, KeyCode::Enter);
    snapshot_both("care_board_plan_review_due", &app);
}
