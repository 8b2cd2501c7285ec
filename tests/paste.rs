//! A paste is text, never keys (issue 16, part 4). The outside testers pasted 5,000 characters
//! and the UI acted on them as key presses: a person was booked in with an empty date of birth
//! and the cell "Paste". Now the terminal delivers a paste as one event (bracketed paste) and it
//! is typed into the field with the cursor only: a line break is a space and never submits,
//! it is cut to the field's limit with a sentence saying the limit, and a question answered
//! with keys (y/n, a number) or a screen with no text field refuses it and changes nothing.

mod support;

use std::path::Path;
use std::time::Duration;

use sonar_custody::app::booking::BookingStep;
use sonar_custody::app::paste::paste;
use sonar_custody::app::{Action, App, Screen};
use sonar_custody::keymap::Context;
use support::*;

/// Exactly 10,000 characters: the booking details as someone might copy them, line by line,
/// over and over, with the word "Paste" where the cell goes.
fn ten_thousand() -> String {
    let line = "Paste\n01/01/1990\nm\n\n\nPC 1 Hart\nTheft\nPaste\n";
    let mut text: String = line.repeat(10_000 / line.len() + 1);
    text.truncate(9_999);
    text.push('x');
    assert_eq!(text.chars().count(), 10_000);
    text
}

fn details(app: &App) -> &sonar_custody::app::booking::DetailsState {
    match &app.screen {
        Screen::Booking(b) => match &b.step {
            BookingStep::Details(d) => d,
            _ => panic!("not on the details: {}", screen_text(app, 120, 30)),
        },
        _ => panic!("not booking: {}", screen_text(app, 120, 30)),
    }
}

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// From the board to a new person's details, the surname carried from the search.
fn new_person(app: &mut App) {
    press_action(app, Context::Board, Action::BookIn);
    type_text(app, "Pasteur");
    press_action(app, Context::Form, Action::NewPerson);
    details(app);
}

#[test]
fn a_ten_thousand_character_paste_fills_one_field_to_its_limit_and_books_no_one() {
    let (_db, mut app) = logged_in("sergeant");
    let in_custody = board_lines(&app).len();
    new_person(&mut app);
    let focus = details(&app).focus;
    assert_eq!(details(&app).fields[focus].label, "Forenames");

    paste(&mut app, &ten_thousand());

    // Still the details, the cursor where it was: no line break moved it or submitted.
    let d = details(&app);
    assert_eq!(d.focus, focus);
    let forenames = &d.fields[focus].value;
    assert_eq!(forenames.chars().count(), 120);
    assert!(
        forenames.starts_with("Paste 01/01/1990 m   PC 1 Hart Theft Paste Paste"),
        "{forenames:?}"
    );
    for f in d.fields.iter().filter(|f| f.label != "Forenames") {
        let expected = if f.label == "Surname" { "Pasteur" } else { "" };
        assert_eq!(f.value, expected, "{} was filled by the paste", f.label);
    }
    assert_eq!(
        message(&app),
        "This field takes at most 120 characters: 120 of the 10,000 pasted were typed and the rest left out."
    );
    let screen = screen_text(&app, 160, 30);
    assert!(screen.contains("at most 120 characters"), "{screen}");

    // Leaving books no one.
    press_action(&mut app, Context::Form, Action::Back);
    press_action(&mut app, Context::Form, Action::Back);
    assert!(
        matches!(app.screen, Screen::Board(_)),
        "{}",
        screen_text(&app, 120, 30)
    );
    assert_eq!(board_lines(&app).len(), in_custody);
}

#[test]
fn a_question_answered_with_keys_and_the_board_refuse_a_paste_and_change_nothing() {
    let (_db, mut app) = logged_in("sergeant");
    // The board has no text field: "b" pasted does not start a booking.
    paste(&mut app, "b");
    assert!(matches!(app.screen, Screen::Board(_)));
    assert_eq!(
        message(&app),
        "Nothing here takes typed text: the paste was not used."
    );

    // The first booking question is answered y or n: "yes" pasted is not an answer.
    new_person(&mut app);
    for value in [
        "Sam",
        "14/02/1990",
        "m",
        "",
        "",
        "PC 1 Hart",
        "Theft",
        "C20",
    ] {
        type_text(&mut app, value);
        key(&mut app, crossterm::event::KeyCode::Enter);
    }
    let Screen::Booking(b) = &app.screen else {
        panic!("not booking");
    };
    let BookingStep::Form(f) = &b.step else {
        panic!("not on the form: {}", screen_text(&app, 120, 30));
    };
    let (question, answered) = (f.current.clone(), f.progress().0);
    paste(&mut app, "yes\n");
    let Screen::Booking(b) = &app.screen else {
        panic!("not booking");
    };
    let BookingStep::Form(f) = &b.step else {
        panic!("the paste left the form");
    };
    assert_eq!((f.current.clone(), f.progress().0), (question, answered));
    assert_eq!(
        message(&app),
        "This field is answered with its keys, not typed text: the paste was not used."
    );
}

#[test]
fn a_line_break_in_a_paste_at_the_login_never_submits() {
    let db = demo_db();
    let mut app = app(&db.path);
    paste(&mut app, "sergeant\ndemo\n");
    let Screen::Login(s) = &app.screen else {
        panic!("logged in by a paste");
    };
    assert_eq!(s.username, "sergeant demo");
    assert!(s.password.is_empty());
    // Control characters in a paste are left out, and said so.
    paste(&mut app, "\u{1b}[2K\u{7}x");
    let Screen::Login(s) = &app.screen else {
        panic!("logged in by a paste");
    };
    assert_eq!(s.username, "sergeant demo[2Kx");
    assert_eq!(
        message(&app),
        "2 control characters in the paste were left out."
    );
}

mod real_terminal {
    use super::*;
    use support::pty::{PtyApp, generate_demo, sonar_as};

    const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
    const LIMIT: Duration = Duration::from_secs(30);
    const F2: &[u8] = b"\x1bOQ";

    /// Custody number, name and cell of everyone `sonar list --json` shows.
    fn people(json: &str) -> Vec<(String, String, String)> {
        let list: serde_json::Value = serde_json::from_str(json).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                (s("custody_no"), s("surname"), s("cell"))
            })
            .collect()
    }

    /// The real binary in a PTY: bracketed paste is switched on, a 10,000-character paste on
    /// the booking details is one field's worth of text, and `sonar list` shows no one new. A
    /// settings file that would turn the idle lock off is named on the login screen.
    #[test]
    fn a_bracketed_paste_reaches_the_real_binary_as_text_and_books_no_one() {
        let home = tempfile::tempdir().expect("temp home");
        let db = home.path().join("suite").join("demo.db");
        generate_demo(Path::new(SONAR), home.path(), &db, 20);
        let config = home.path().join("config").join("sonar");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("config.toml"), "idle_lock_minutes = inf\n").unwrap();
        let before = sonar_as(
            Path::new(SONAR),
            home.path(),
            &db,
            "sergeant",
            &["list", "--json"],
        );

        let mut app = PtyApp::spawn(
            Path::new(SONAR),
            &["--db", db.to_str().unwrap()],
            home.path(),
            160,
            30,
        );
        app.wait_for_text("Username", LIMIT);
        // The sentence wraps in the login panel.
        app.wait_for("the settings problem", LIMIT, |s| {
            let text = s.contents();
            text.contains("config.toml is inf,")
                && text
                    .contains("infinite, which would never lock the terminal: the terminal locks")
                && text.contains("after the default 5 minutes.")
        });
        assert!(
            app.raw.windows(8).any(|w| w == b"\x1b[?2004h"),
            "bracketed paste is not switched on"
        );
        app.send(b"sergeant\r");
        app.send(b"demo\r");
        app.wait_for("the board", LIMIT, |s| s.contents().contains("b book in"));
        app.send(b"b");
        app.wait_for_text("Book in: find the person", LIMIT);
        app.send(b"Pasteur");
        app.wait_for_text("No one found", LIMIT);
        app.send(F2);
        app.wait_for_text("Book in a new person", LIMIT);
        let mut pasted = b"\x1b[200~".to_vec();
        pasted.extend_from_slice(ten_thousand().as_bytes());
        pasted.extend_from_slice(b"\x1b[201~");
        app.send(&pasted);
        app.wait_for_text("This field takes at most 120 characters", LIMIT);
        let screen = app.screen_text();
        assert!(screen.contains("Book in a new person"), "{screen}");
        drop(app);

        let after = sonar_as(
            Path::new(SONAR),
            home.path(),
            &db,
            "sergeant",
            &["list", "--json"],
        );
        assert_eq!(
            people(&after),
            people(&before),
            "the paste booked someone in"
        );
        assert!(!after.contains("Pasteur") && !after.contains("\"cell\": \"Paste"));
    }
}
