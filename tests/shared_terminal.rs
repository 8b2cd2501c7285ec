//! What people expect of a shared suite terminal (issue 14, part 6), through the real keys:
//! `q` on the board asks before signing out and quitting, and `/` starts a new filter rather
//! than adding to the last one.

mod support;

use crossterm::event::KeyCode;
use sonar_custody::app::Screen;
use support::*;

fn filter_of(app: &sonar_custody::app::App) -> String {
    match &app.screen {
        Screen::Board(b) => b.filter.clone(),
        _ => panic!("not on the board"),
    }
}

#[test]
fn q_on_the_board_asks_first_and_any_other_key_stays() {
    let (_db, mut app) = logged_in("sergeant");
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.quit, "one q does not quit");
    assert!(app.identity().is_some(), "still signed in");
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Press q again to sign out and quit"),
        "{text}"
    );
    // Another key stays, and the next q asks again.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('q'));
    assert!(!app.quit);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "the second q quits");
    assert!(app.identity().is_none(), "signed out: the key is gone");
}

#[test]
fn slash_starts_a_new_filter_every_time() {
    let (_db, mut app) = logged_in("sergeant");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "har");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "o'b");
    assert_eq!(filter_of(&app), "o'b", "not har + o'b");
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("O'BRIEN"), "{text}");
    // Leaving the filter with enter keeps it shown; / again starts afresh.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(filter_of(&app), "");
}
