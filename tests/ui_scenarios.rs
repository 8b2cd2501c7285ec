//! Key-sequence scenarios against `App`: every key goes through the real keymap and `update`,
//! time passes only through `Event::Tick`, and each scenario checks the state and the
//! rendered text.

mod support;

use std::path::Path;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyModifiers};
use sonar_custody::app::{App, Event, Screen, update};
use sonar_custody::domain::role::Role;
use sonar_custody::keymap::{Context, Keymap};
use sonar_custody::store::audit::{self, AuditAction};
use sonar_custody::store::custody::{
    NewDetention, NewPerson, insert_check, insert_detention, insert_person,
};
use sonar_custody::store::{Store, StoreError};
use support::*;

/// The board's rows as the state holds them: (surname, cell), in screen order.
fn board_order(app: &App) -> Vec<(String, String)> {
    let Screen::Board(board) = &app.screen else {
        panic!("not on the board");
    };
    board
        .visible_rows()
        .map(|r| (r.surname.clone(), r.cell.clone()))
        .collect()
}

/// The status bar: the last line of the screen.
fn status_bar(app: &App) -> String {
    screen_text(app, 120, 40)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

fn tick(app: &mut App, after: Duration) {
    update(app, Event::Tick(fixed_now() + after));
}

#[test]
fn wrong_password_says_so_and_stays_on_the_login_screen() {
    let db = demo_db();
    let mut app = app(&db.path);
    log_in(&mut app, "sergeant", "not-the-password");
    assert!(app.identity().is_none());
    let Screen::Login(login) = &app.screen else {
        panic!("a wrong password must stay on the login screen");
    };
    assert!(
        login.password.is_empty(),
        "the wrong password is cleared for another try"
    );
    assert_eq!(login.username, "sergeant", "the username is kept");
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Wrong username or password."),
        "the login screen says why:\n{text}"
    );
    assert!(!text.contains("In custody:"));

    // The next try, with the right password, gets in (the password field has the focus).
    type_text(&mut app, DEMO_PASSWORD);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Board(_)));
    assert_eq!(
        app.identity().map(|i| i.username.as_str()),
        Some("sergeant")
    );
}

#[test]
fn unknown_username_gets_the_same_message() {
    let db = demo_db();
    let mut app = app(&db.path);
    log_in(&mut app, "nobody", DEMO_PASSWORD);
    assert!(app.identity().is_none());
    assert!(matches!(app.screen, Screen::Login(_)));
    assert!(screen_text(&app, 80, 24).contains("Wrong username or password."));
}

#[test]
fn filtering_by_name_leaves_one_row_and_enter_opens_that_record() {
    let (_db, mut app) = logged_in("sergeant");
    assert_eq!(board_order(&app).len(), 20);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.context(), Context::Filter);
    type_text(&mut app, "begum");
    assert_eq!(
        board_order(&app),
        vec![("Begum".to_string(), "C8".to_string())]
    );
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("BEGUM, Fatima"), "{text}");
    assert!(text.contains("Showing 1 of 20"), "{text}");
    assert!(!text.contains("O'BRIEN"), "{text}");

    // The filter keymap's own comment: "enter opens the selected one".
    key(&mut app, KeyCode::Enter);
    let Screen::Record(record) = &app.screen else {
        panic!(
            "Enter after filtering should open the one matching record; screen:\n{}",
            screen_text(&app, 80, 24)
        );
    };
    assert_eq!(record.view.entry.surname, "Begum");
    assert_eq!(record.view.entry.forenames, "Fatima");
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("BEGUM, Fatima"), "{text}");
    assert!(text.contains("cell C8"), "{text}");
}

#[test]
fn the_status_bar_while_filtering_offers_the_enter_key() {
    let (_db, mut app) = logged_in("sergeant");
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.context(), Context::Filter);
    let bar = status_bar(&app);
    assert!(bar.contains("esc "), "{bar}");
    assert!(
        bar.contains("enter "),
        "the filter's main action (its Enter binding) is missing from the status bar: {bar:?}"
    );
}

#[test]
fn filter_with_no_match_says_so_and_esc_shows_everyone_again() {
    let (_db, mut app) = logged_in("sergeant");
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzzz");
    assert!(board_order(&app).is_empty());
    assert!(screen_text(&app, 80, 24).contains("Nobody matches the filter."));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Board);
    assert_eq!(board_order(&app).len(), 20);
}

const REMAP: &str = "# my keys\n[board]\n\"x\" = \"filter\"\n";

#[test]
fn a_remapped_key_shows_in_the_status_bar_and_help_and_works() {
    let keymap = Keymap::parse_user(Path::new("keymap.toml"), REMAP).expect("a valid keymap");

    // With the default keys the hint offers "/" for the filter…
    let (db, mut plain) = logged_in("sergeant");
    assert!(
        status_bar(&plain).contains("/ filter"),
        "{}",
        status_bar(&plain)
    );
    assert!(!status_bar(&plain).contains("x filter"));
    key(&mut plain, KeyCode::Char('x'));
    assert_eq!(plain.context(), Context::Board, "x does nothing by default");
    drop(plain);

    // …with the user's file it offers "x", the help screen lists it, and it filters.
    let mut app = app_with_keymap(&db.path, keymap);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    assert!(matches!(app.screen, Screen::Board(_)));
    let bar = status_bar(&app);
    assert!(bar.contains("x filter"), "status bar: {bar}");

    key(&mut app, KeyCode::Char('?'));
    let help = screen_text(&app, 120, 40);
    let filter_line = help
        .lines()
        .find(|l| l.contains("│x ") && l.contains("filter"))
        .unwrap_or_else(|| panic!("help lists x for filter:\n{help}"));
    assert!(
        filter_line.contains("Filter the list by typing"),
        "{filter_line}"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.help.is_none());

    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.context(), Context::Filter, "x starts the filter");
    type_text(&mut app, "obr");
    assert_eq!(
        board_order(&app),
        vec![("O'Brien".to_string(), "C4".to_string())]
    );
}

#[test]
fn an_unbound_key_disappears_from_help_and_stops_working() {
    let text = "[board]\n\"x\" = \"filter\"\n\"/\" = \"noop\"\n";
    let keymap = Keymap::parse_user(Path::new("keymap.toml"), text).expect("a valid keymap");
    let db = demo_db();
    let mut app = app_with_keymap(&db.path, keymap);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.context(), Context::Board, "/ is unbound");
    key(&mut app, KeyCode::Char('?'));
    let help = screen_text(&app, 120, 40);
    assert!(!help.contains("│/ "), "help still lists /:\n{help}");
    assert!(help.contains("│x "), "help lists x:\n{help}");
}

#[test]
fn ctrl_l_locks_and_leaves_no_detainee_on_screen() {
    let (_db, mut app) = logged_in("sergeant");
    let Screen::Board(board) = &app.screen else {
        unreachable!()
    };
    let shown: Vec<String> = board
        .rows
        .iter()
        .flat_map(|r| [r.surname.clone(), r.forenames.clone(), r.custody_no.clone()])
        .collect();
    assert_eq!(shown.len(), 60);
    let before = screen_text(&app, 120, 40);
    assert!(before.contains("O'BRIEN"), "{before}");

    key_with(&mut app, KeyCode::Char('l'), KeyModifiers::CONTROL);

    assert!(app.identity().is_none(), "the session is gone");
    assert!(matches!(app.screen, Screen::Login(_)));
    for (width, height) in [(80, 24), (120, 40)] {
        let text = screen_text(&app, width, height);
        assert!(text.contains("Locked by key press."), "{text}");
        for needle in &shown {
            assert!(
                !text.contains(needle.as_str()) && !text.contains(&needle.to_uppercase()),
                "{needle} is still on the lock screen:\n{text}"
            );
        }
        assert!(!text.contains("In custody:"));
        assert!(
            !text.contains("Sgt Dan Okafor"),
            "who was logged in is gone"
        );
    }
    // Anyone can log in again.
    log_in(&mut app, "officer", DEMO_PASSWORD);
    assert_eq!(app.identity().map(|i| i.username.as_str()), Some("officer"));
}

#[test]
fn idle_time_locks_and_ends_the_session() {
    let (_db, mut app) = logged_in("sergeant");
    tick(&mut app, Duration::minutes(5) - Duration::seconds(1));
    assert!(app.identity().is_some(), "not locked before five minutes");
    assert!(matches!(app.screen, Screen::Board(_)));

    tick(&mut app, Duration::minutes(5));
    assert!(
        app.identity().is_none(),
        "the session is gone after five idle minutes"
    );
    let Screen::Login(login) = &app.screen else {
        panic!("the lock screen is the login screen");
    };
    assert!(login.username.is_empty() && login.password.is_empty());
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Locked after 5 minutes"), "{text}");
    assert!(!text.contains("O'BRIEN"), "{text}");
}

#[test]
fn a_key_press_restarts_the_idle_timer() {
    let (_db, mut app) = logged_in("sergeant");
    tick(&mut app, Duration::minutes(4));
    key(&mut app, KeyCode::Down);
    tick(&mut app, Duration::minutes(8));
    assert!(
        app.identity().is_some(),
        "four minutes after the last key is not idle enough to lock"
    );
    tick(&mut app, Duration::minutes(9));
    assert!(
        app.identity().is_none(),
        "five minutes after the last key locks"
    );
}

#[test]
fn the_overdue_check_is_the_top_row() {
    let (_db, app) = logged_in("sergeant");
    let Screen::Board(board) = &app.screen else {
        unreachable!()
    };
    let top = board.selected_row().expect("a selected row");
    assert_eq!((top.surname.as_str(), top.cell.as_str()), ("O'Brien", "C4"));
    assert!(
        top.overdue_by(app.now).is_some(),
        "O'Brien's check is overdue"
    );
    let overdue: Vec<bool> = board
        .visible_rows()
        .map(|r| r.overdue_by(app.now).is_some())
        .collect();
    assert_eq!(overdue.iter().filter(|o| **o).count(), 1);

    let lines = board_lines(&app);
    assert_eq!(lines.len(), 20, "{lines:#?}");
    assert!(lines[0].contains("O'BRIEN, Sean Patrick"), "{}", lines[0]);
    assert!(
        lines[0].contains("!-13m"),
        "overdue shown by symbol: {}",
        lines[0]
    );
    assert!(lines[0].starts_with('▸'), "and selected: {}", lines[0]);
    // Next comes the methadone dose that is overdue, marked the same way in the flags column.
    assert!(
        lines[1].contains("BENNETT") && lines[1].contains("MED !-10m"),
        "{}",
        lines[1]
    );
    // Then Scott's first PACE review, 8 minutes overdue, marked the same way.
    assert!(
        lines[2].contains("SCOTT") && lines[2].contains("REVIEW !-8m"),
        "{}",
        lines[2]
    );
    assert!(lines[3..].iter().all(|l| !l.contains("!-")));
    // The header counts every kind of overdue duty (short words at 80 columns).
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Overdue: 1 check · 1 dose · 0 obs · 1 PACE"),
        "{text}"
    );
    assert!(
        screen_text(&app, 120, 40).contains("Overdue: 1 check · 1 dose · 0 obs · 1 PACE review "),
        "the wide header says what the PACE count is"
    );
}

#[test]
fn the_board_resorts_as_checks_fall_overdue() {
    let db = demo_db();
    let mut config = config(&db.path);
    config.idle_timeout = Duration::hours(2);
    let mut app = App::new(config, Keymap::default(), fixed_now());
    log_in(&mut app, "sergeant", DEMO_PASSWORD);

    tick(&mut app, Duration::minutes(20));
    let Screen::Board(board) = &app.screen else {
        unreachable!()
    };
    let now = app.now;
    // A late check or a late dose: either puts the row above every row with nothing late.
    let overdue: Vec<_> = board
        .visible_rows()
        .map(|r| r.anything_overdue_by(now))
        .collect();
    let count = overdue.iter().filter(|o| o.is_some()).count();
    let checks_overdue = board
        .visible_rows()
        .filter(|r| r.overdue_by(now).is_some())
        .count();
    assert!(count >= 3, "more checks are overdue twenty minutes on");
    assert!(
        overdue[..count].iter().all(Option::is_some),
        "every overdue row is above every other: {overdue:?}"
    );
    assert!(
        overdue[..count].windows(2).all(|w| w[0] >= w[1]),
        "most overdue first: {overdue:?}"
    );
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains(&format!(
            "Overdue: {checks_overdue} check{}",
            if checks_overdue == 1 { "" } else { "s" }
        )),
        "{text}"
    );
    assert!(text.contains("14:20 GMT"), "the clock moved: {text}");
}

/// Logs in on a second "terminal": a store of its own on the same database.
fn other_terminal(db: &Path, username: &str) -> Store {
    Store::unlock(db, username, DEMO_PASSWORD, fixed_now())
        .expect("log in on the other terminal")
        .store
}

#[test]
fn the_board_stays_correct_when_another_terminal_changes_the_database() {
    let (db, mut app) = logged_in("sergeant");
    let Screen::Board(board) = &app.screen else {
        unreachable!()
    };
    let obrien = board.selected_row().unwrap().detention_id;
    assert!(screen_text(&app, 120, 40).contains("Overdue: 1 check "));

    let mut other = other_terminal(&db.path, "officer");
    let at = fixed_now() + Duration::seconds(30);
    other
        .write_raw(|tx| {
            let person = insert_person(
                tx,
                &NewPerson {
                    surname: "Fenwick".into(),
                    forenames: "Oluwaseun".into(),
                    date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 4, 1),
                    ..NewPerson::default()
                },
                at,
            )?;
            insert_detention(
                tx,
                &NewDetention {
                    person_id: person,
                    custody_no: "NG-26-09999".into(),
                    arrived_at: at,
                    arresting_officer: "PC 4512 Hart".into(),
                    reason: "Criminal damage".into(),
                    cell: "C20".into(),
                    ..NewDetention::default()
                },
            )?;
            insert_check(tx, obrien, at, "officer", Some(true), "roused, responsive")?;
            audit::append(tx, at, "officer", AuditAction::RecordWrite, "test", "")?;
            Ok(())
        })
        .expect("the other terminal writes");

    // Nothing changes until the next tick…
    assert!(!screen_text(&app, 120, 40).contains("FENWICK"));
    tick(&mut app, Duration::seconds(31));
    // …and after one tick the board shows both changes.
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("In custody: 21"), "{text}");
    assert!(text.contains("FENWICK, Oluwaseun"), "{text}");
    assert!(text.contains("Overdue: 0 checks"), "{text}");
    let order = board_order(&app);
    assert_ne!(order[0].0, "O'Brien", "checked just now: no longer on top");
    assert!(order.contains(&("Fenwick".to_string(), "C20".to_string())));
    let Screen::Board(board) = &app.screen else {
        unreachable!()
    };
    assert_eq!(
        board.selected_detention(),
        Some(obrien),
        "the selection stays on the same person while the rows move"
    );
}

#[test]
fn a_temporary_password_must_be_changed_at_first_login() {
    let db = demo_db();
    let mut admin = other_terminal(&db.path, "admin");
    admin
        .add_user(
            "newsgt",
            "Sgt Nia Evans",
            Role::Sergeant,
            "temp-0000-1111",
            fixed_now(),
        )
        .expect("add an account with a temporary password");
    drop(admin);

    let mut app = app(&db.path);
    log_in(&mut app, "newsgt", "temp-0000-1111");
    assert!(
        matches!(app.screen, Screen::ChangePassword(_)),
        "a temporary password leads to the change-password screen"
    );
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Choose your own password"), "{text}");
    assert!(text.contains("newsgt"), "{text}");
    assert!(
        !text.contains("O'BRIEN"),
        "no board before the password is changed"
    );

    // Two different passwords are refused.
    type_text(&mut app, "first-choice-123");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "second-choice-456");
    key(&mut app, KeyCode::Enter);
    let Screen::ChangePassword(change) = &app.screen else {
        panic!("still choosing");
    };
    assert!(
        change
            .error
            .as_deref()
            .unwrap_or("")
            .contains("not the same")
    );
    assert!(screen_text(&app, 80, 24).contains("not the same"));

    // A too-short one is refused with the reason.
    type_text(&mut app, "short");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "short");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::ChangePassword(_)));
    assert!(screen_text(&app, 80, 24).contains("too short"));

    type_text(&mut app, "a-long-new-password");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "a-long-new-password");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.screen, Screen::Board(_)), "on to the board");
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Your password was changed."), "{text}");
    assert!(text.contains("Sgt Nia Evans"), "{text}");
    drop(app);

    let unlocked = Store::unlock(&db.path, "newsgt", "a-long-new-password", fixed_now())
        .expect("the new password opens the suite");
    assert!(!unlocked.must_change_password);
    drop(unlocked);
    assert!(matches!(
        Store::unlock(&db.path, "newsgt", "temp-0000-1111", fixed_now()),
        Err(StoreError::BadCredentials)
    ));
}

/// Opens the top row (O'Brien) and goes to the Health tab; returns its HCP contact notes.
fn notes_seen_by(username: &str) -> (Vec<Option<String>>, String) {
    let (_db, mut app) = logged_in(username);
    key(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        key(&mut app, KeyCode::Right);
    }
    let Screen::Record(record) = &app.screen else {
        panic!("Enter opens the record");
    };
    assert_eq!(record.view.entry.surname, "O'Brien");
    let notes = record
        .view
        .hcp_contacts
        .iter()
        .map(|c| c.note.clone())
        .collect();
    (notes, screen_text(&app, 120, 40))
}

#[test]
fn clinical_notes_reach_the_hcp_but_never_the_sergeant() {
    let (sergeant, sergeant_screen) = notes_seen_by("sergeant");
    assert!(!sergeant.is_empty(), "the HCP contact itself is visible");
    assert!(
        sergeant.iter().all(Option::is_none),
        "no clinical note in the sergeant's RecordView: {sergeant:?}"
    );
    assert!(sergeant_screen.contains("HCP only"), "{sergeant_screen}");
    assert!(!sergeant_screen.contains("neuro obs"), "{sergeant_screen}");

    let (hcp, hcp_screen) = notes_seen_by("hcp");
    assert_eq!(hcp.len(), sergeant.len());
    assert!(
        hcp.iter()
            .any(|n| n.as_deref().is_some_and(|n| n.contains("neuro obs hourly"))),
        "the HCP's RecordView holds the note: {hcp:?}"
    );
    assert!(hcp_screen.contains("neuro obs hourly"), "{hcp_screen}");
    assert!(!hcp_screen.contains("HCP only"), "{hcp_screen}");
}

#[test]
fn the_login_screen_keeps_its_key_hints_under_a_long_notice() {
    let db = demo_db();
    let mut app = app(&db.path);
    // What `build_app` puts here when the person's keymap file has a problem.
    app.notice = Some(
        "Keymap not used (1 problem; first: /home/duty-sergeant/.config/sonar/keymap.toml:3: \
         key \"y\" in [board]: unknown action \"no_such_action\"); running on the default keys."
            .into(),
    );
    for (width, height) in [(80, 24), (120, 40)] {
        let text = screen_text(&app, width, height);
        assert!(text.contains("running on the default keys."), "{text}");
        assert!(
            text.contains("ctrl-q quit"),
            "the key hints must stay visible under a wrapped notice ({width}x{height}):\n{text}"
        );
    }
}

/// Every word in the board's Flags column, at a width where nothing is cut.
fn board_flag_words(app: &App) -> Vec<String> {
    let text = screen_text(app, 200, 40);
    let mut lines = text.lines();
    let header = lines
        .by_ref()
        .find(|l| l.trim_start().starts_with("Cell"))
        .expect("the board's column header");
    let start = header
        .find("Flags")
        .map(|i| header[..i].chars().count())
        .expect("a Flags column");
    lines
        .take_while(|l| !l.trim().is_empty())
        .flat_map(|l| {
            l.chars()
                .skip(start)
                .collect::<String>()
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_mark_the_board_shows_is_in_the_flag_legend_reached_from_help() {
    let (_db, mut app) = logged_in("sergeant");
    let words = board_flag_words(&app);
    assert!(words.iter().any(|w| w == "REVIEW"), "{words:?}");
    let unexplained: Vec<&String> = words
        .iter()
        .filter(|w| !sonar_custody::domain::board_legend::explains(w))
        .collect();
    assert!(
        unexplained.is_empty(),
        "board marks missing from the legend: {unexplained:?}"
    );
    // `?` then typing "flag" shows the legend, generated from the definitions.
    key(&mut app, KeyCode::Char('?'));
    type_text(&mut app, "flag");
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Flag legend: what the board shows"), "{text}");
    for needle in ["REVIEW 40m", "SHARED", "Self-harm or suicide risk", "NEWS"] {
        assert!(text.contains(needle), "{needle} in the legend: {text}");
    }
}
