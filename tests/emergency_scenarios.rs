//! Emergencies through the real key paths, with several Apps on one database as several
//! terminals: a failed rousing shows full-screen on every logged-in terminal and on a locked
//! one (the cell only), each rings until acknowledged there, a detention officer records the
//! call but cannot close it, a sergeant closes it with an outcome, and a care-plan review falls
//! due. The wall board shows it and writes nothing.

mod support;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyModifiers};
use sonar_custody::app::emergency::take_bell;
use sonar_custody::app::{App, Event, Screen, update};
use sonar_custody::demo::DEMO_PASSWORD;
use sonar_custody::domain::observation::ObservationLevel;
use support::*;

fn tick(app: &mut App, after: Duration) {
    let now = app.now + after;
    update(app, Event::Tick(now));
}

/// Moves the board selection to the first visible row matching `pred`; returns its name.
fn select(
    app: &mut App,
    pred: impl FnMut(&sonar_custody::domain::board::BoardRow) -> bool,
) -> (String, String) {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    let pos = b.visible_rows().position(pred).expect("a matching row");
    let row = b.visible_rows().nth(pos).unwrap();
    let found = (row.surname.clone(), row.cell.clone());
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
    found
}

fn status(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// Rings now, then not again until the bell interval has passed.
fn rings(app: &mut App) -> bool {
    take_bell(app)
}

#[test]
fn a_failed_rousing_shows_and_rings_everywhere_until_acknowledged_and_only_a_sergeant_closes_it() {
    let db = demo_db();
    let mut officer = app(&db.path);
    officer.config.terminal_name = "desk-1".into();
    log_in(&mut officer, "officer", DEMO_PASSWORD);
    let mut sergeant = app(&db.path);
    sergeant.config.terminal_name = "desk-2".into();
    log_in(&mut sergeant, "sergeant", DEMO_PASSWORD);
    // A third terminal, locked with ctrl-l: it has no key to the database.
    let mut locked = app(&db.path);
    locked.config.terminal_name = "desk-3".into();
    log_in(&mut locked, "hcp", DEMO_PASSWORD);
    key_with(&mut locked, KeyCode::Char('l'), KeyModifiers::CONTROL);
    assert!(matches!(locked.screen, Screen::Login(_)));
    for app in [&mut sergeant, &mut locked] {
        tick(app, Duration::seconds(1));
        assert!(!screen_text(app, 80, 24).contains("EMERGENCY"));
        assert!(!rings(app), "nothing open: no bell");
    }

    let (surname, cell) = select(&mut officer, |r| {
        r.observation_level == ObservationLevel::Intermittent && !r.cell.is_empty()
    });
    // c, n (could not be roused), enter.
    key(&mut officer, KeyCode::Char('c'));
    key(&mut officer, KeyCode::Char('n'));
    key(&mut officer, KeyCode::Enter);
    assert!(officer.care.form.is_none(), "{}", status(&officer));
    let text = screen_text(&officer, 80, 24);
    assert!(text.contains("MEDICAL EMERGENCY"), "{text}");

    // The other terminals pick it up on their next once-a-second refresh.
    tick(&mut sergeant, Duration::seconds(1));
    let text = screen_text(&sergeant, 80, 24);
    assert!(text.contains("MEDICAL EMERGENCY"), "{text}");
    assert!(text.contains(&surname), "{text}");
    assert!(
        text.contains(&format!("CELL {}", cell.to_uppercase())),
        "{text}"
    );
    assert!(text.contains("Could not be roused"), "{text}");
    assert!(text.contains("NOT YET ACKNOWLEDGED"), "{text}");
    assert!(rings(&mut sergeant), "the sergeant's terminal rings");
    assert!(!rings(&mut sergeant), "not twice in the same second");
    tick(&mut sergeant, Duration::seconds(2));
    assert!(rings(&mut sergeant), "and again two seconds later");

    // The locked terminal shows the cell and no name, and rings.
    tick(&mut locked, Duration::seconds(1));
    let text = screen_text(&locked, 80, 24);
    assert!(
        text.contains(&format!("MEDICAL EMERGENCY: CELL {}", cell.to_uppercase())),
        "{text}"
    );
    assert!(text.contains("Log in to respond"), "{text}");
    assert!(
        !text.contains(&surname),
        "no name on a locked terminal: {text}"
    );
    assert!(
        !text.contains("roused"),
        "nothing clinical on a locked terminal: {text}"
    );
    assert!(rings(&mut locked));

    // Esc does not put it aside before it is acknowledged here.
    key(&mut sergeant, KeyCode::Esc);
    assert!(screen_text(&sergeant, 80, 24).contains("MEDICAL EMERGENCY"));
    assert!(
        status(&sergeant).contains("Acknowledge"),
        "{}",
        status(&sergeant)
    );
    key(&mut sergeant, KeyCode::Enter);
    assert!(
        status(&sergeant).contains("bell has stopped"),
        "{}",
        status(&sergeant)
    );
    tick(&mut sergeant, Duration::seconds(3));
    assert!(!rings(&mut sergeant), "acknowledged here: silent");
    tick(&mut locked, Duration::seconds(3));
    assert!(
        rings(&mut locked),
        "acknowledging on one terminal leaves the others ringing"
    );
    assert!(rings(&mut officer));

    // The detention officer records the 999 call but cannot close it.
    key(&mut officer, KeyCode::Enter);
    key(&mut officer, KeyCode::Char('9'));
    key(&mut officer, KeyCode::Enter);
    assert!(
        status(&officer).contains("ambulance call recorded"),
        "{}",
        status(&officer)
    );
    key(&mut officer, KeyCode::Char('x'));
    assert!(
        status(&officer).contains("Only a custody sergeant or an HCP can close"),
        "{}",
        status(&officer)
    );
    assert!(screen_text(&officer, 80, 24).contains("MEDICAL EMERGENCY"));

    // The sergeant sees the call, then closes it: x, 4 (taken to hospital), enter.
    tick(&mut sergeant, Duration::seconds(1));
    let text = screen_text(&sergeant, 100, 30);
    assert!(
        text.contains("999 / ambulance called by DO Kim Walsh"),
        "{text}"
    );
    key(&mut sergeant, KeyCode::Char('x'));
    key(&mut sergeant, KeyCode::Char('4'));
    key(&mut sergeant, KeyCode::Enter);
    assert!(
        status(&sergeant).contains("Emergency closed: taken to hospital"),
        "{}",
        status(&sergeant)
    );
    let board = screen_text(&sergeant, 120, 40);
    assert!(!board.contains("MEDICAL EMERGENCY"), "{board}");
    // The board shows the review due on the person closed for.
    select(&mut sergeant, |r| r.surname == surname);
    let board = screen_text(&sergeant, 120, 40);
    assert!(
        board.contains("PLAN REVIEW DUE (emergency closed"),
        "{board}"
    );

    // Every terminal clears on its next refresh, locked or not, and the bells stop.
    for app in [&mut officer, &mut locked] {
        tick(app, Duration::seconds(1));
        assert!(!screen_text(app, 80, 24).contains("MEDICAL EMERGENCY"));
        assert!(!rings(app));
    }
}

#[test]
fn anyone_raises_one_by_hand_and_the_wall_board_shows_it_but_writes_nothing() {
    let db = demo_db();
    let mut wall = app(&db.path);
    wall.config.terminal_name = "wall".into();
    wall.config.idle_timeout = Duration::minutes(1);
    log_in(&mut wall, "wallboard", DEMO_PASSWORD);
    // It opens no record and records nothing.
    key(&mut wall, KeyCode::Enter);
    assert!(matches!(wall.screen, Screen::Board(_)));
    assert!(
        status(&wall).contains("wall board shows the board"),
        "{}",
        status(&wall)
    );
    key(&mut wall, KeyCode::Char('c'));
    assert!(wall.care.form.is_none());
    key(&mut wall, KeyCode::Char('!'));
    assert!(wall.emergency.dialog.is_none());
    // It never idle-locks.
    tick(&mut wall, Duration::minutes(10));
    assert!(
        matches!(wall.screen, Screen::Board(_)),
        "the wall board stays up"
    );

    let mut officer = app(&db.path);
    log_in(&mut officer, "officer", DEMO_PASSWORD);
    officer.now = wall.now;
    // ! asks what was seen; too little is refused with a sentence.
    key(&mut officer, KeyCode::Char('!'));
    type_text(&mut officer, "x");
    key(&mut officer, KeyCode::Enter);
    let text = screen_text(&officer, 80, 24);
    assert!(text.contains("Say what was seen"), "{text}");
    type_text(&mut officer, " found slumped, breathing noisily");
    // Where: the cell unless said otherwise (tab to it, clear it, type the place).
    key(&mut officer, KeyCode::Tab);
    key_with(&mut officer, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut officer, "exercise yard");
    key(&mut officer, KeyCode::Enter);
    assert!(
        status(&officer).contains("EMERGENCY raised"),
        "{}",
        status(&officer)
    );

    // A locked terminal says where, and nothing more.
    let mut locked = app(&db.path);
    locked.now = officer.now;
    tick(&mut locked, Duration::seconds(1));
    let text = screen_text(&locked, 80, 24);
    assert!(
        text.contains("MEDICAL EMERGENCY: EXERCISE YARD (CELL"),
        "{text}"
    );
    assert!(!text.contains("slumped"), "{text}");

    tick(&mut wall, Duration::seconds(1));
    let text = screen_text(&wall, 80, 24);
    assert!(text.contains("MEDICAL EMERGENCY"), "{text}");
    assert!(text.contains("raised by hand by officer"), "{text}");
    assert!(text.contains("Where: EXERCISE YARD (CELL"), "{text}");
    assert!(rings(&mut wall));
    // Its only key there: acknowledge (audited as the wall board on this terminal).
    key(&mut wall, KeyCode::Char('9'));
    assert!(
        wall.emergency.dialog.is_none(),
        "the wall board records no call"
    );
    key(&mut wall, KeyCode::Enter);
    tick(&mut wall, Duration::seconds(3));
    assert!(!rings(&mut wall));
    // It stays on the big screen until closed: esc does not put it aside.
    key(&mut wall, KeyCode::Esc);
    assert!(screen_text(&wall, 80, 24).contains("MEDICAL EMERGENCY"));
    let text = screen_text(&wall, 80, 24);
    assert!(
        !text.contains("999 called"),
        "no write keys offered: {text}"
    );
}
