//! Issue 6 as a new user would try it, through the real binary in a pseudo-terminal: the demo
//! HCP records NEWS2 twice and sees the trend on the Health tab, adds a medicine due in 20
//! minutes and sees `MED` counting down on the board; a sergeant opening the same person sees
//! no clinical note.

mod support;

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use support::pty::{PtyApp, generate_demo};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
/// Generous: a debug build derives an Argon2id key at login and the CI machine may be busy.
const LIMIT: Duration = Duration::from_secs(30);

fn board_row<'a>(screen: &'a str, surname: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(surname))
        .unwrap_or_else(|| panic!("{surname} on the board:\n{screen}"))
}

/// The real binary on `db` at 120×40, on its login screen.
fn start(home: &Path, db: &Path) -> PtyApp {
    let mut app = PtyApp::spawn(
        Path::new(SONAR),
        &["--db", db.to_str().unwrap()],
        home,
        120,
        40,
    );
    app.wait_for_text("ctrl-q quit", LIMIT);
    app
}

#[test]
fn the_hcp_records_news2_and_a_medicine_then_the_sergeant_sees_no_clinical_note() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 0);

    let mut app = start(home.path(), &db);
    app.send(b"hcp\rdemo\r");
    app.wait_for("the board", LIMIT, |s| {
        let text = s.contents();
        text.contains("O'BRIEN") && text.contains("q quit")
    });

    // Find O'Brien with the board's filter, open him and record NEWS2 twice.
    app.send(b"/Sean\r");
    app.wait_for("O'Brien's record", LIMIT, |s| {
        let text = s.contents();
        text.contains("Summary") && text.contains("O'BRIEN, Sean")
    });
    // Respiration 25 scores 3 and pulse 118 scores 2: the second total is 5, medium.
    for (resp, pulse, saved) in [
        ("18", "88", "NEWS2 0 recorded"),
        ("25", "118", "NEWS2 5 recorded"),
    ] {
        app.send(b"an");
        app.wait_for_text("Source: Royal College of Physicians", LIMIT);
        app.send(format!("{resp}\r96\r1a128\r{pulse}\ra37.1\r").as_bytes());
        app.wait_for_text(saved, LIMIT);
    }
    let health = app.screen_text();
    assert!(health.contains("NEWS2 5 recorded: medium"), "{health}");
    assert!(health.contains("Health"), "{health}");

    // A medicine last taken 3h40m ago, every 4 hours: due in 20 minutes.
    let last = (Utc::now() - chrono::Duration::minutes(220))
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    app.send(b"am");
    app.wait_for_text("Source: NICE NG57", LIMIT);
    app.send(
        format!("Phenytoin\r300 mg\roevery 4 hours\r{last}\rSeizure control since 2019\rgb")
            .as_bytes(),
    );
    app.send(b"\x1b[19~"); // F8 saves
    app.wait_for_text("Phenytoin 300 mg added to the medicines.", LIMIT);
    app.send(b"\x1b"); // back to the board
    app.wait_for("the board again", LIMIT, |s| {
        s.contents().contains("In custody:")
    });
    let board = app.screen_text();
    let row = board_row(&board, "O'BRIEN");
    assert!(
        row.contains("MED 20m") || row.contains("MED 19m"),
        "the dose due in 20 minutes counts down: {row}"
    );

    // On the board quitting asks first (a shared terminal): ctrl-q twice.
    app.send(b"\x11");
    app.wait_for_text("Press q again", LIMIT);
    app.send(b"\x11");
    assert_eq!(app.wait_exit(LIMIT), 0);

    // The sergeant opens the same person: flags and medication due, no clinical note.
    let mut app = start(home.path(), &db);
    app.send(b"sergeant\rdemo\r");
    app.wait_for_text("O'BRIEN", LIMIT);
    app.send(b"/Sean\r");
    app.wait_for("O'Brien's record", LIMIT, |s| {
        let text = s.contents();
        text.contains("Summary") && text.contains("O'BRIEN, Sean")
    });
    app.send(b"]]]");
    app.wait_for_text("HCP only", LIMIT);
    let health = app.screen_text();
    assert!(
        health.contains("Phenytoin"),
        "medication due times are for everyone: {health}"
    );
    assert!(!health.contains("neuro obs"), "no clinical note: {health}");
    assert!(
        !health.contains("since 2019"),
        "no medication reason: {health}"
    );
    app.send(b"\x11");
    assert_eq!(app.wait_exit(LIMIT), 0);
    assert!(app.stray.is_empty(), "{}", app.stray.join("\n---\n"));
}
