//! The real binary in a pseudo-terminal, killed in the middle of the booking-in form: every
//! answer entered before the kill is still there when the program is started again, and the
//! form resumes at the first unanswered question.

mod support;

use std::path::Path;
use std::time::Duration;

use support::pty::{PtyApp, generate_demo};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const LIMIT: Duration = Duration::from_secs(30);
const F2: &[u8] = b"\x1bOQ";

fn open_and_log_in(db: &Path, home: &Path) -> PtyApp {
    let mut app = PtyApp::spawn(
        Path::new(SONAR),
        &["--db", db.to_str().unwrap()],
        home,
        80,
        24,
    );
    app.wait_for_text("Username", LIMIT);
    app.send(b"sergeant\r");
    app.send(b"demo\r");
    app.wait_for("the board", LIMIT, |s| s.contents().contains("b book in"));
    app
}

#[test]
fn killed_mid_form_keeps_every_answer_and_resumes_at_the_gap() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("suite").join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 20);

    let mut app = open_and_log_in(&db, home.path());
    app.send(b"b");
    app.wait_for_text("Book in: find the person", LIMIT);
    app.send(b"Killington");
    app.wait_for_text("No one found", LIMIT);
    app.send(F2);
    app.wait_for_text("Book in a new person", LIMIT);
    // The surname came from the search; the cursor waits on the forenames.
    for field in [
        "Kim",
        "01/01/1990",
        "f",
        "",
        "",
        "PC 9 Lowe",
        "Theft",
        "C20",
    ] {
        app.send(field.as_bytes());
        app.send(b"\r");
    }
    app.wait_for_text("Is this your first time in police custody?", LIMIT);
    app.send(b"y");
    app.wait_for_text("Have local records", LIMIT);
    app.send(b"y");
    app.wait_for_text("feeling ill", LIMIT);
    app.send(b"n");
    app.wait_for_text("Do you have any injury?", LIMIT);
    assert!(
        app.screen_text().contains("3 of 20 answered"),
        "{}",
        app.screen_text()
    );
    // Killed, not quit: the harness kills the child by its handle when dropped.
    drop(app);

    let mut app = open_and_log_in(&db, home.path());
    app.send(b"b");
    app.wait_for_text("Book in: find the person", LIMIT);
    app.send(b"killington");
    app.wait_for_text("IN CUSTODY NOW", LIMIT);
    app.send(b"\r");
    app.wait_for_text("Do you have any injury?", LIMIT);
    let screen = app.screen_text();
    assert!(screen.contains("3 of 20 answered"), "{screen}");
    assert!(screen.contains("question 4 of 20"), "{screen}");
    // Going back shows each earlier answer as saved.
    app.send(b"\x1b[Z");
    app.wait_for_text("feeling ill", LIMIT);
    assert!(
        app.screen_text().contains("Saved: No"),
        "{}",
        app.screen_text()
    );
    app.send(b"\x1b[Z");
    app.wait_for_text("Have local records", LIMIT);
    assert!(
        app.screen_text().contains("Saved: Yes"),
        "{}",
        app.screen_text()
    );
}
