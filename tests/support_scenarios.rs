//! An appropriate adult and an interpreter through the real key paths, on the demo suite at
//! 14:00: the board shows the juvenile's appropriate adult awaited (`AA WAIT 45m`) and the
//! Romanian interpreter awaited; the record's Summary says where each stands; `D` on the record
//! offers the arrival (the likely next step) and Enter records it, the wait leaves the board;
//! `I` on the board records an interpreter needed (with the language) and asked for, and the
//! board counts the wait up; impossible times are refused in one sentence in the prompt; the
//! administrator and the wall board are refused.

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::{Action, App, Event, Screen, update};
use sonar_custody::demo::DEMO_PASSWORD;
use sonar_custody::domain::board::BoardRow;
use sonar_custody::keymap::Context;
use support::*;

fn status(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// Moves the board selection to `surname`'s row.
fn select(app: &mut App, surname: &str) {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    let pos = b
        .visible_rows()
        .position(|r: &BoardRow| r.surname == surname)
        .unwrap_or_else(|| panic!("{surname} on the board"));
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
}

/// The board line of the person (120 columns).
fn board_line(app: &App, surname: &str) -> String {
    board_lines(app)
        .into_iter()
        .find(|l| l.contains(&surname.to_uppercase()))
        .unwrap_or_else(|| panic!("{surname} on the board:\n{}", screen_text(app, 120, 40)))
}

#[test]
fn the_awaited_appropriate_adult_is_on_the_board_and_its_arrival_is_two_keys_on_the_record() {
    let (_db, mut app) = logged_in("sergeant");
    // The demo's juvenile: his mother was asked to come 45 minutes ago.
    let walker = board_line(&app, "Walker");
    assert!(walker.contains("AA WAIT 45m"), "{walker}");
    assert_eq!(
        walker
            .split_whitespace()
            .filter(|w| w.trim_end_matches(['!', '+']) == "AA")
            .count(),
        1,
        "the code shows once, as the wait: {walker}"
    );
    let popescu = board_line(&app, "Popescu");
    assert!(popescu.contains("INTERP WAIT 25m"), "{popescu}");
    let kowalski = board_line(&app, "Kowalski");
    assert!(!kowalski.contains("INTERP"), "arrived: {kowalski}");
    insta::assert_snapshot!("support_board_waits_120x40", draw(&app, 120, 40).backend());

    // The record's Summary says where it stands, with the key.
    select(&mut app, "Walker");
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains("Appropriate adult     needed 12:50 by officer: under 18 (aged 16; mother"),
        "{text}"
    );
    assert!(text.contains("waiting 45m  (D)"), "{text}");

    // D offers the arrival, now, in the time field: Enter records it.
    press_action(&mut app, Context::Record, Action::AppropriateAdult);
    let dialog = app.support.dialog.as_ref().expect("the prompt");
    assert!(dialog.on_text, "the time field has the cursor");
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("▸ 4  Arrived at the suite"), "{text}");
    assert!(text.contains("> Arrived at  _ now"), "{text}");
    insta::assert_snapshot!("support_dialog_arrival_80x24", draw(&app, 80, 24).backend());

    // A time before the request is refused in the prompt, in one sentence.
    type_text(&mut app, "13:05");
    key(&mut app, KeyCode::Enter);
    let error = app
        .support
        .dialog
        .as_ref()
        .and_then(|d| d.error.clone())
        .expect("refused");
    assert_eq!(
        error,
        "The arrival (13:05) is before the appropriate adult was requested (13:15)."
    );
    key_with(
        &mut app,
        KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    type_text(&mut app, "13:55");
    key(&mut app, KeyCode::Enter);
    assert!(app.support.dialog.is_none(), "{}", status(&app));
    assert!(
        status(&app).starts_with("The appropriate adult arrived for Tyler Walker (")
            && status(&app).ends_with("), 40m after the request."),
        "{}",
        status(&app)
    );
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains("arrived 13:55 by sergeant (40m after the request)"),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    let walker = board_line(&app, "Walker");
    assert!(!walker.contains("WAIT"), "{walker}");
}

#[test]
fn an_interpreter_is_needed_asked_for_and_counted_up_from_the_board() {
    let (_db, mut app) = logged_in("officer");
    // Someone nobody has recorded anything for.
    let surname = {
        let Screen::Board(b) = &app.screen else {
            panic!()
        };
        b.visible_rows()
            .find(|r| r.support.is_empty() && r.age.is_some_and(|a| a >= 18))
            .expect("someone with no needs")
            .surname
            .clone()
    };
    select(&mut app, &surname);
    key(&mut app, KeyCode::Char('I'));
    let dialog = app.support.dialog.as_ref().expect("the prompt");
    assert!(!dialog.on_text, "the list has the cursor: a digit picks");
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Interpreter (PACE Code C 3.12, section 13)"),
        "{text}"
    );
    assert!(text.contains("Now: not recorded as needed"), "{text}");
    // Enter without the language is refused; 1 picks "language" (already chosen), words type.
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.support.dialog.as_ref().and_then(|d| d.error.clone()),
        Some("Say which language the interpreter must speak.".into())
    );
    type_text(&mut app, "1Tigrinya");
    key(&mut app, KeyCode::Enter);
    assert!(app.support.dialog.is_none(), "{}", status(&app));
    assert!(
        status(&app).starts_with("Interpreter needed for")
            && status(&app).ends_with(": Tigrinya. Press I again once one is asked to come."),
        "{}",
        status(&app)
    );
    let line = board_line(&app, &surname);
    assert!(
        !line.contains("INTERP"),
        "needed, nobody asked: no wait yet: {line}"
    );

    // I again: asked to come, now.
    key(&mut app, KeyCode::Char('I'));
    assert!(
        screen_text(&app, 80, 24).contains("▸ 3  Requested: the interpreter was called"),
        "{}",
        screen_text(&app, 80, 24)
    );
    key(&mut app, KeyCode::Enter);
    assert!(
        status(&app).contains("the board counts the wait"),
        "{}",
        status(&app)
    );
    app.config.idle_timeout = Duration::hours(1);
    let later = app.now + Duration::minutes(20);
    update(&mut app, Event::Tick(later));
    let line = board_line(&app, &surname);
    assert!(line.contains("INTERP WAIT 20m"), "{line}");
    // A time in the future is refused (typed as a date and time, it cannot mean yesterday).
    key(&mut app, KeyCode::Char('I'));
    type_text(&mut app, &format!("{} 23:59", later.date_naive()));
    key(&mut app, KeyCode::Enter);
    let error = app
        .support
        .dialog
        .as_ref()
        .and_then(|d| d.error.clone())
        .expect("refused");
    assert!(error.contains("cannot be in the future"), "{error}");
    key(&mut app, KeyCode::Esc);
    assert!(app.support.dialog.is_none());
}

#[test]
fn the_administrator_and_the_wall_board_may_not_record_them() {
    let db = demo_db();
    let mut admin = app(&db.path);
    log_in(&mut admin, "admin", DEMO_PASSWORD);
    assert!(matches!(admin.screen, Screen::Board(_)));
    select(&mut admin, "Walker");
    key(&mut admin, KeyCode::Char('D'));
    assert!(admin.support.dialog.is_none());
    assert_eq!(
        status(&admin),
        "The administrator may not record an appropriate adult or interpreter: a custody sergeant, a detention officer or a healthcare practitioner does it."
    );
    let mut wall = app(&db.path);
    log_in(&mut wall, "wallboard", DEMO_PASSWORD);
    key(&mut wall, KeyCode::Char('I'));
    assert!(wall.support.dialog.is_none());
    assert!(status(&wall).contains("wall board"), "{}", status(&wall));
}
