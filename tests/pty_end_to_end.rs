//! The real binary in a real (pseudo-)terminal, as a new user would try it: generate a demo
//! suite, open it at 80×24, log in, read the board from the parsed screen, open help, quit,
//! and check the terminal was left as it was found with nothing printed outside the UI.

mod support;

use std::path::Path;
use std::time::Duration;

use support::pty::{PtyApp, STRAY_MARKERS, generate_demo};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
/// Generous: a debug build derives an Argon2id key at login and the CI machine may be busy.
const LIMIT: Duration = Duration::from_secs(30);

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The printable text in `bytes` once escape sequences are removed.
fn visible_text(bytes: &[u8]) -> String {
    let mut parser = vt100::Parser::new(
        std::num::NonZeroU16::new(24).unwrap(),
        std::num::NonZeroU16::new(80).unwrap(),
        0,
    );
    parser.process(bytes);
    parser.screen().contents().trim().to_string()
}

#[test]
fn log_in_read_the_board_open_help_and_quit_cleanly() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("suite").join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 50);

    let mut app = PtyApp::spawn(
        Path::new(SONAR),
        &["--db", db.to_str().unwrap()],
        home.path(),
        80,
        24,
    );
    app.wait_for("the login screen", LIMIT, |s| {
        let text = s.contents();
        text.contains("Username") && text.contains("ctrl-q quit")
    });
    let login = app.screen_text();
    assert!(login.contains("Northgate Custody Suite (demo)"), "{login}");
    assert!(
        app.parser.screen().alternate_screen(),
        "the UI runs on the alternate screen"
    );

    app.send(b"sergeant\r");
    app.send(b"demo\r");
    app.wait_for("the board", LIMIT, |s| {
        let text = s.contents();
        text.contains("In custody:") && text.contains("O'BRIEN") && text.contains("q quit")
    });
    let board = app.screen_text();
    assert!(board.contains("Sgt Dan Okafor"), "{board}");
    assert!(board.contains("In custody: 20"), "{board}");
    // O'Brien's check is overdue in the demo: the top row, selected, with the overdue mark.
    let top = board
        .lines()
        .find(|l| l.starts_with('▸'))
        .unwrap_or_else(|| panic!("a selected row:\n{board}"));
    assert!(top.contains("O'BRIEN") && top.contains("!-"), "{top}");

    app.send(b"?");
    // A frame may arrive in several reads: wait for the whole of it.
    app.wait_for("the help screen", LIMIT, |s| {
        let text = s.contents();
        text.contains("Keys: The suite board") && text.contains("clear_filter")
    });
    app.send(b"\x1b");
    app.wait_for("help to close", LIMIT, |s| {
        let text = s.contents();
        !text.contains("Keys:") && text.contains("O'BRIEN") && text.contains("q quit")
    });

    // q asks first on a shared terminal; a second q signs out and quits.
    app.send(b"q");
    app.wait_for_text("Press q again to sign out and quit", LIMIT);
    app.send(b"q");
    let code = app.wait_exit(LIMIT);
    assert_eq!(code, 0, "quit exits 0");
    assert!(app.eof, "all output was read");

    // The terminal is left as it was: the output ends by leaving the alternate screen, with
    // nothing visible after it (ratatui's own Drop re-sends "show cursor", which is harmless)
    // and no way back into the alternate screen.
    let raw = &app.raw;
    let entered = find(raw, ENTER_ALT).expect("the UI entered the alternate screen");
    let left = rfind(raw, LEAVE_ALT).expect("the UI left the alternate screen");
    assert!(left > entered);
    let tail = &raw[left + LEAVE_ALT.len()..];
    assert!(
        tail.len() <= 16 && find(tail, ENTER_ALT).is_none() && visible_text(tail).is_empty(),
        "output after leaving the alternate screen: {:?}",
        String::from_utf8_lossy(tail)
    );
    let screen = app.parser.screen();
    assert!(!screen.alternate_screen(), "back on the main screen");
    assert!(!screen.hide_cursor(), "the cursor is visible again");

    // Nothing was printed outside the UI: not before it started, not on the main screen
    // after it ended, and no log line on any screen seen along the way.
    assert_eq!(
        visible_text(&raw[..entered]),
        "",
        "printed before the UI started"
    );
    assert_eq!(
        screen.contents().trim(),
        "",
        "the main screen is as it was (empty)"
    );
    assert!(app.stray.is_empty(), "{}", app.stray.join("\n---\n"));
    let everything = String::from_utf8_lossy(raw);
    for marker in STRAY_MARKERS {
        assert!(
            !everything.contains(marker),
            "{marker:?} was written to the terminal"
        );
    }

    // The log went where it belongs: a file under XDG_STATE_HOME.
    let log = std::fs::read_to_string(home.path().join("state/sonar/sonar.log"))
        .expect("the log file under XDG_STATE_HOME");
    assert!(log.contains("login"), "the log records the login:\n{log}");
}

#[test]
fn the_real_binary_locks_itself_when_idle() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 0);
    // Three seconds of idleness, through the settings file the program really reads.
    let config = home.path().join("config/sonar");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "idle_lock_minutes = 0.05\n").unwrap();

    let mut app = PtyApp::spawn(
        Path::new(SONAR),
        &["--db", db.to_str().unwrap()],
        home.path(),
        80,
        24,
    );
    app.wait_for_text("ctrl-q quit", LIMIT);
    app.send(b"sergeant\rdemo\r");
    app.wait_for("the board", LIMIT, |s| {
        let text = s.contents();
        text.contains("O'BRIEN") && text.contains("q quit")
    });
    app.wait_for("the idle lock", LIMIT, |s| {
        let text = s.contents();
        text.contains("Locked after 3 seconds without a key press.") && text.contains("ctrl-q quit")
    });
    let locked = app.screen_text();
    assert!(!locked.contains("O'BRIEN"), "{locked}");
    assert!(!locked.contains("In custody:"), "{locked}");
    assert!(!locked.contains("Okafor"), "{locked}");

    app.send(b"\x11"); // ctrl-q
    assert_eq!(app.wait_exit(LIMIT), 0);
    assert!(!app.parser.screen().alternate_screen());
    assert!(app.stray.is_empty(), "{}", app.stray.join("\n---\n"));
}

#[test]
fn a_broken_user_keymap_is_reported_on_screen_and_the_defaults_work() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 0);
    let config = home.path().join("config/sonar");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("keymap.toml"),
        "[board]\n\"x\" = \"filter\"\n\"y\" = \"no_such_action\"\n",
    )
    .unwrap();

    let mut app = PtyApp::spawn(
        Path::new(SONAR),
        &["--db", db.to_str().unwrap()],
        home.path(),
        80,
        24,
    );
    // The whole notice, naming the file, the line and the key (on the login screen it wraps).
    app.wait_for("the keymap notice", LIMIT, |s| {
        let text = s.contents();
        text.contains("Keymap not used") && text.contains("running on the default keys.")
    });
    let notice = app.screen_text();
    assert!(notice.contains("keymap.toml:3:"), "{notice}");
    assert!(notice.contains("no_such_action"), "{notice}");
    app.send(b"sergeant\rdemo\r");
    app.wait_for("the board with the default hints", LIMIT, |s| {
        let text = s.contents();
        text.contains("O'BRIEN") && text.contains("/ filter") && text.contains("q quit")
    });
    app.send(b"qq");
    assert_eq!(app.wait_exit(LIMIT), 0);
}
