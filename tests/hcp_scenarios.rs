//! Asking for an HCP and the HCP's directions through the real key paths, with several Apps on
//! one demo database as several terminals: a detention officer asks (H), the board counts the
//! wait up and the HCP's queue lists it, the HCP's contact (a then h on the record) closes it
//! and the record says request to seen; an HCP's direction shows on every sergeant's screen
//! until one acknowledges it (A), and one left for 15 minutes escalates in the header and
//! rings sergeants' terminals.

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::emergency::take_bell;
use sonar_custody::app::hcp::wants_bell;
use sonar_custody::app::{App, Event, Screen, update};
use sonar_custody::demo::DEMO_PASSWORD;
use sonar_custody::domain::board::BoardRow;
use support::*;

fn tick(app: &mut App, after: Duration) {
    let now = app.now + after;
    update(app, Event::Tick(now));
}

/// Moves the board selection to the first visible row matching `pred`; returns its surname.
fn select(app: &mut App, pred: impl FnMut(&BoardRow) -> bool) -> String {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    let pos = b.visible_rows().position(pred).expect("a matching row");
    let surname = b.visible_rows().nth(pos).unwrap().surname.clone();
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
    surname
}

fn row<'a>(app: &'a App, surname: &str) -> &'a BoardRow {
    let board = match &app.screen {
        Screen::Board(b) => b,
        Screen::Record(r) => &r.board,
        _ => panic!("no board"),
    };
    board
        .rows
        .iter()
        .find(|r| r.surname == surname)
        .expect("the person on the board")
}

/// The board line of the person (120 columns).
fn board_line(app: &App, surname: &str) -> String {
    board_lines(app)
        .into_iter()
        .find(|l| l.contains(&surname.to_uppercase()))
        .unwrap_or_else(|| panic!("{surname} on the board:\n{}", screen_text(app, 120, 40)))
}

fn status(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn terminal(db: &std::path::Path, user: &str, name: &str) -> App {
    let mut a = app(db);
    a.config.terminal_name = name.into();
    // These scenarios let time pass without key presses; the idle lock is not under test.
    a.config.idle_timeout = Duration::hours(2);
    log_in(&mut a, user, DEMO_PASSWORD);
    assert!(matches!(a.screen, Screen::Board(_)), "{user} logged in");
    a
}

#[test]
fn a_request_counts_up_on_the_board_shows_in_the_hcp_queue_and_the_hcps_contact_closes_it() {
    let db = demo_db();
    let mut officer = terminal(&db.path, "officer", "desk-1");
    let mut hcp = terminal(&db.path, "hcp", "nurse-1");
    // Someone nobody has asked for yet, whom no HCP saw this minute (a contact at or after
    // the request would close it at once).
    let now = officer.now;
    let surname = select(&mut officer, |r| {
        r.hcp_wait.is_none()
            && !r.cell.is_empty()
            && r.last_seen.as_ref().is_none_or(|s| s.at < now)
    });

    // H opens the request: it says an emergency is ! instead, takes a band by number and why.
    key(&mut officer, KeyCode::Char('H'));
    let text = screen_text(&officer, 80, 24);
    assert!(text.contains("Ask for an HCP"), "{text}");
    assert!(text.contains("emergency"), "{text}");
    assert!(text.contains("Urgent: within 20 minutes"), "{text}");
    key(&mut officer, KeyCode::Enter);
    assert!(
        screen_text(&officer, 80, 24).contains("Choose how soon"),
        "no band, not saved"
    );
    type_text(&mut officer, "1");
    type_text(&mut officer, "Shaking and sweating, asks for the nurse");
    key(&mut officer, KeyCode::Enter);
    assert!(officer.hcp.dialog.is_none(), "{}", status(&officer));
    assert!(
        status(&officer).contains("HCP requested"),
        "{}",
        status(&officer)
    );

    // The board counts the wait up, and it is overdue past its band (20 minutes).
    tick(&mut officer, Duration::minutes(5));
    let line = board_line(&officer, &surname);
    assert!(
        line.contains("HCP WAIT 5m"),
        "{line}\n{}",
        screen_text(&officer, 120, 40)
    );
    assert!(
        row(&officer, &surname)
            .hcp_wait_overdue_by(officer.now)
            .is_none()
    );
    tick(&mut officer, Duration::minutes(20));
    assert!(board_line(&officer, &surname).contains("HCP WAIT 25m"));
    let late = row(&officer, &surname)
        .hcp_wait_overdue_by(officer.now)
        .expect("past its band");
    assert_eq!(late, Duration::minutes(5));
    let header = screen_text(&officer, 120, 40);
    assert!(
        header.contains("HCP wait"),
        "the header counts it: {header}"
    );

    // The HCP's queue lists it first (it is the most overdue), with who asked and why.
    hcp.now = officer.now;
    tick(&mut hcp, Duration::seconds(1));
    key(&mut hcp, KeyCode::Char('w'));
    let text = screen_text(&hcp, 100, 30);
    assert!(text.contains("HCP queue"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let ours = lines
        .iter()
        .position(|l| l.contains(&surname))
        .expect("in the queue");
    assert!(
        lines[ours].contains("urgent") && lines[ours].contains("!-5m"),
        "{text}"
    );
    assert!(
        lines[ours + 1].contains("by DO Walsh: Shaking and sweating"),
        "who asked and why: {text}"
    );
    // The demo's routine request, 30 minutes past its band, is above it.
    let demo = lines
        .iter()
        .position(|l| l.contains("routine") && l.contains("!-30m"))
        .expect("the demo's request");
    assert!(demo < ours, "most overdue first: {text}");
    let index = hcp
        .hcp
        .queue
        .iter()
        .position(|q| q.name.ends_with(&surname))
        .unwrap();
    for _ in 0..index {
        key(&mut hcp, KeyCode::Down);
    }

    // Enter opens the record; a then h records the contact, which closes the request.
    key(&mut hcp, KeyCode::Enter);
    assert!(matches!(hcp.screen, Screen::Record(_)), "{}", status(&hcp));
    key(&mut hcp, KeyCode::Char('a'));
    key(&mut hcp, KeyCode::Char('h'));
    type_text(&mut hcp, "a");
    key(&mut hcp, KeyCode::Enter);
    type_text(&mut hcp, "Withdrawal tremor; CIWA-Ar to follow");
    key(&mut hcp, KeyCode::Enter);
    assert!(hcp.entry.is_none(), "{}", status(&hcp));
    // Saving shows the Health tab; the Summary is two tabs on.
    key(&mut hcp, KeyCode::Right);
    key(&mut hcp, KeyCode::Right);
    let summary = screen_text(&hcp, 120, 40);
    assert!(
        summary
            .contains("HCP requested 14:00 (urgent, 20m) by DO Walsh: seen 14:25 by hcp after 25m"),
        "{summary}"
    );

    // The officer's board no longer shows the wait, nor counts it.
    tick(&mut officer, Duration::seconds(1));
    assert!(row(&officer, &surname).hcp_wait.is_none());
    assert!(!board_line(&officer, &surname).contains("HCP WAIT"));
}

#[test]
fn a_sergeant_withdraws_a_request_with_the_reason_and_an_officer_cannot() {
    let db = demo_db();
    let mut officer = terminal(&db.path, "officer", "desk-1");
    // The demo has a routine request past its band.
    let surname = select(&mut officer, |r| r.hcp_wait.is_some());
    assert!(board_line(&officer, &surname).contains("HCP WAIT 4h05m"));
    key(&mut officer, KeyCode::Char('W'));
    assert!(status(&officer).contains("Only a custody sergeant or an HCP"));

    let mut sergeant = terminal(&db.path, "sergeant", "desk-2");
    select(&mut sergeant, |r| r.surname == surname);
    key(&mut sergeant, KeyCode::Char('W'));
    let text = screen_text(&sergeant, 80, 24);
    assert!(text.contains("Withdraw the request"), "{text}");
    key(&mut sergeant, KeyCode::Enter);
    assert!(screen_text(&sergeant, 80, 24).contains("Say why"));
    type_text(&mut sergeant, "Left custody: bailed");
    key(&mut sergeant, KeyCode::Enter);
    assert!(sergeant.hcp.dialog.is_none(), "{}", status(&sergeant));
    assert!(row(&sergeant, &surname).hcp_wait.is_none());
}

#[test]
fn a_direction_shows_on_every_sergeants_screen_until_one_acknowledges_it() {
    let db = demo_db();
    let mut hcp = terminal(&db.path, "hcp", "nurse-1");
    let mut sergeant = terminal(&db.path, "sergeant", "desk-1");
    let mut second = terminal(&db.path, "sergeant", "desk-2");
    let mut officer = terminal(&db.path, "officer", "desk-3");
    // Acknowledge the demo's direction first, so only the new one is on the strip.
    key(&mut sergeant, KeyCode::Char('A'));
    assert!(
        status(&sergeant).contains("Acknowledged"),
        "{}",
        status(&sergeant)
    );

    let surname = select(&mut hcp, |r| r.reassess_due.is_none() && !r.cell.is_empty());
    key(&mut hcp, KeyCode::Enter);
    // a, i (direction), h (not fit to detain: hospital), words, F8.
    key(&mut hcp, KeyCode::Char('a'));
    key(&mut hcp, KeyCode::Char('i'));
    type_text(&mut hcp, "h");
    type_text(&mut hcp, "RVI by ambulance");
    key(&mut hcp, KeyCode::F(8));
    assert!(hcp.entry.is_none(), "{}", status(&hcp));
    assert!(
        status(&hcp).contains("Every sergeant's screen shows it"),
        "{}",
        status(&hcp)
    );

    for app in [&mut sergeant, &mut second] {
        tick(app, Duration::seconds(1));
        let text = screen_text(app, 120, 40);
        assert!(
            text.contains("HCP DIRECTION")
                && text.contains("not fit to detain → hospital: RVI by ambulance"),
            "{text}"
        );
        assert!(text.contains("HCP DIRECTION, A acknowledges:"), "{text}");
        assert!(!take_bell(app), "not yet: under 15 minutes");
    }
    // Not on a detention officer's screen, who cannot acknowledge it.
    tick(&mut officer, Duration::seconds(1));
    assert!(!screen_text(&officer, 120, 40).contains("HCP DIRECTION"));
    key(&mut officer, KeyCode::Char('A'));
    assert!(status(&officer).contains("Only a custody sergeant"));

    // The second sergeant acknowledges it from the person's record; it goes from both.
    select(&mut second, |r| r.surname == surname);
    key(&mut second, KeyCode::Enter);
    assert!(
        screen_text(&second, 120, 40).contains("HCP DIRECTION"),
        "on the record too"
    );
    key(&mut second, KeyCode::Char('A'));
    assert!(
        status(&second).contains("Acknowledged"),
        "{}",
        status(&second)
    );
    let record = screen_text(&second, 120, 40);
    assert!(!record.contains("HCP DIRECTION "), "{record}");
    assert!(
        record.contains(
            "not fit to detain → hospital: RVI by ambulance — acknowledged 14:00 by sergeant"
        ),
        "{record}"
    );
    tick(&mut sergeant, Duration::seconds(1));
    assert!(!screen_text(&sergeant, 120, 40).contains("HCP DIRECTION"));
}

#[test]
fn a_direction_unacknowledged_for_15_minutes_escalates_in_the_header_and_rings_sergeants() {
    let db = demo_db();
    let mut sergeant = terminal(&db.path, "sergeant", "desk-1");
    let mut officer = terminal(&db.path, "officer", "desk-2");
    // The demo's re-assessment was given 5 minutes ago: on the strip, not yet ringing.
    tick(&mut sergeant, Duration::seconds(1));
    let text = screen_text(&sergeant, 80, 24);
    assert!(text.contains("HCP DIRECTION"), "{text}");
    assert!(text.contains("re-assess at"), "{text}");
    assert!(!wants_bell(&sergeant));
    assert!(!take_bell(&mut sergeant));

    tick(&mut sergeant, Duration::minutes(10));
    assert!(wants_bell(&sergeant));
    let text = screen_text(&sergeant, 120, 40);
    assert!(
        text.contains("!! HCP DIRECTION NOT ACKNOWLEDGED 15m, A acknowledges:"),
        "{text}"
    );
    assert!(take_bell(&mut sergeant), "the sergeant's terminal rings");
    assert!(!take_bell(&mut sergeant), "not twice in the same second");
    tick(&mut sergeant, Duration::seconds(2));
    assert!(take_bell(&mut sergeant), "and again two seconds later");
    // A detention officer's terminal does not ring for it.
    tick(&mut officer, Duration::minutes(10));
    assert!(!wants_bell(&officer) && !take_bell(&mut officer));

    key(&mut sergeant, KeyCode::Char('A'));
    assert!(
        status(&sergeant).contains("Acknowledged"),
        "{}",
        status(&sergeant)
    );
    assert!(!wants_bell(&sergeant));
    let text = screen_text(&sergeant, 120, 40);
    assert!(!text.contains("NOT ACKNOWLEDGED"), "{text}");
}

#[test]
fn a_reassessment_counts_down_on_the_board_and_the_hcps_next_contact_does_it() {
    let db = demo_db();
    let mut sergeant = terminal(&db.path, "sergeant", "desk-1");
    let surname = select(&mut sergeant, |r| r.reassess_due.is_some());
    assert!(board_line(&sergeant, &surname).contains("RE-ASSESS 40m"));
    tick(&mut sergeant, Duration::minutes(45));
    assert!(board_line(&sergeant, &surname).contains("RE-ASSESS !-5m"));
    assert!(
        screen_text(&sergeant, 120, 40).contains("RE-ASSESS"),
        "header count"
    );

    let mut hcp = app(&db.path);
    hcp.now = sergeant.now;
    hcp.config.idle_timeout = Duration::hours(2);
    log_in(&mut hcp, "hcp", DEMO_PASSWORD);
    select(&mut hcp, |r| r.surname == surname);
    key(&mut hcp, KeyCode::Enter);
    key(&mut hcp, KeyCode::Char('a'));
    key(&mut hcp, KeyCode::Char('h'));
    type_text(&mut hcp, "r");
    key(&mut hcp, KeyCode::Enter);
    type_text(&mut hcp, "Pupils equal, speech normal");
    key(&mut hcp, KeyCode::Enter);
    assert!(hcp.entry.is_none(), "{}", status(&hcp));

    tick(&mut sergeant, Duration::seconds(1));
    assert!(row(&sergeant, &surname).reassess_due.is_none());
    assert!(!board_line(&sergeant, &surname).contains("RE-ASSESS"));
}
