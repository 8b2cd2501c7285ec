//! The shift handover screen, driven by key presses through the real keymap on the demo suite
//! (clock fixed at 2026-11-23 14:00 GMT): a sergeant opens it from the board, scrolls it,
//! takes it after a confirmation, and the next sheet starts from then; a detention officer is
//! told who takes it.

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::Screen;
use sonar_custody::keymap::Context;
use support::*;

fn status(app: &sonar_custody::app::App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_sergeant_opens_scrolls_and_takes_the_handover_and_the_next_sheet_starts_from_then() {
    let (db, mut app) = logged_in("sergeant");
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(app.context(), Context::Shift);
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Shift handover: since the last one taken"),
        "{text}"
    );
    assert!(
        text.contains("No handover has been taken yet, so this covers the last 12"),
        "{text}"
    );
    assert!(text.contains("Emergencies ("), "{text}");
    assert!(text.contains("A: I have taken the handover"), "{text}");
    insta::assert_snapshot!("shift_handover_80x24", draw(&app, 80, 24).backend());

    // It scrolls to its last section and back.
    key(&mut app, KeyCode::End);
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Releases and transfers ("), "{text}");
    assert!(!text.contains("Emergencies ("), "{text}");
    key(&mut app, KeyCode::Home);
    assert!(screen_text(&app, 80, 24).contains("Emergencies ("));

    // A asks first; esc leaves it not taken.
    key(&mut app, KeyCode::Char('A'));
    assert_eq!(app.context(), Context::Dialog);
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Take the shift handover?"), "{text}");
    assert!(text.contains("enter I have taken the handover"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Shift);

    // A, then enter: taken, back on the board, and said so.
    key(&mut app, KeyCode::Char('A'));
    key(&mut app, KeyCode::Enter);
    assert!(app.shift.open.is_none());
    assert!(matches!(app.screen, Screen::Board(_)));
    assert_eq!(
        status(&app),
        "Handover taken at 14:00: the next sheet starts from 14:00."
    );

    // An hour later (the clock set, not ticked: an hour of ticks would lock the terminal)
    // the sheet starts from the handover taken, by whom.
    app.now = fixed_now() + Duration::hours(1);
    key(&mut app, KeyCode::Char('S'));
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Since the handover taken by") && text.contains("at 14:00: 23 Nov 14:00"),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.shift.open.is_none());

    // A detention officer reads it but is told who takes it, without a confirmation.
    let mut officer = support::app(&db.path);
    log_in(&mut officer, "officer", DEMO_PASSWORD);
    key(&mut officer, KeyCode::Char('S'));
    key(&mut officer, KeyCode::Char('A'));
    assert_eq!(officer.context(), Context::Shift);
    assert_eq!(
        status(&officer),
        "A detention officer may not take the shift handover: a custody sergeant does it."
    );
}
