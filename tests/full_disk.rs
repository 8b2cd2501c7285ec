//! A full disk, through the real binary: staff still log in and read the board, every screen
//! says writes are paused, a write is refused in one sentence and nothing half-written is
//! left, and writes resume by themselves once space is freed, with the login that could not be
//! audited then written into the chain.
//!
//! The disk is a 24 MiB tmpfs filled to the last byte, mounted in a private mount namespace
//! (`unshare --map-root-user --mount`), so the test needs no privilege and touches no real
//! disk. A wrapper script copies the suite in, fills the disk, runs `sonar`, frees the space
//! when the test says so, and copies the suite back out when the program ends.

mod support;

use std::path::Path;
use std::time::Duration;

use support::pty::{PtyApp, generate_demo, sonar_as};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const LIMIT: Duration = Duration::from_secs(30);

const WRAPPER: &str = r#"
set -e
mount -t tmpfs -o size=24m tmpfs "$1"
cp -a "$2"/. "$1"/
dd if=/dev/zero of="$1/fill" bs=64k 2>/dev/null || true
( while [ ! -e "$3" ]; do sleep 0.1; done; rm -f "$1/fill" ) &
status=0
"$4" --db "$1/suite.db" || status=$?
mkdir -p "$5"
cp -a "$1"/. "$5"/
rm -f "$5/fill"
: > "$3"
exit $status
"#;

/// A demo suite copied onto a full disk, with `sonar` running on it in a terminal.
struct FullDisk {
    home: tempfile::TempDir,
    /// Touched to free the disk (the wrapper then deletes the file that fills it).
    free: std::path::PathBuf,
    /// Where the wrapper copies the suite back when `sonar` ends.
    after: std::path::PathBuf,
    /// The audit before the run, as JSON lines.
    audit_before: String,
    /// The surname of the first person on the board, as the board shows it.
    first: String,
    app: PtyApp,
}

fn on_a_full_disk() -> FullDisk {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let suite = h.join("suite");
    let db = suite.join("suite.db");
    generate_demo(Path::new(SONAR), h, &db, 20);
    let list: serde_json::Value = serde_json::from_str(&sonar_as(
        Path::new(SONAR),
        h,
        &db,
        "sergeant",
        &["list", "--json"],
    ))
    .unwrap();
    let first = list[0]["surname"].as_str().unwrap().to_uppercase();
    let audit_before = sonar_as(
        Path::new(SONAR),
        h,
        &db,
        "admin",
        &["audit", "export", "--format", "jsonl"],
    );

    let disk = h.join("disk");
    let after = h.join("after");
    let free = h.join("free-the-disk");
    std::fs::create_dir(&disk).unwrap();
    let args: Vec<String> = [
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        WRAPPER,
        "full-disk",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        [&disk, &suite, &free, Path::new(SONAR), &after]
            .iter()
            .map(|p| p.to_str().unwrap().to_string()),
    )
    .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let app = PtyApp::spawn(Path::new("unshare"), &args, h, 120, 30);
    FullDisk {
        home,
        free,
        after,
        audit_before,
        first,
        app,
    }
}

impl FullDisk {
    /// The audit of the suite as the run left it, as JSON lines.
    fn audit_after(&self) -> String {
        sonar_as(
            Path::new(SONAR),
            self.home.path(),
            &self.after.join("suite.db"),
            "admin",
            &["audit", "export", "--format", "jsonl"],
        )
    }

    /// The sergeant's audit actions since the run began, in order.
    fn sergeants_actions(&self, audit: &str) -> Vec<String> {
        audit
            .lines()
            .skip(self.audit_before.lines().count())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["staff"] == "sergeant")
            .map(|r| r["action"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn on_a_full_disk_staff_read_the_board_writes_are_paused_and_resume_once_space_is_freed() {
    let mut run = on_a_full_disk();
    let (first, free) = (run.first.clone(), run.free.clone());
    let app = &mut run.app;

    // The login works on a disk with no free byte, and the board is there to read.
    app.wait_for_text("Username", LIMIT);
    app.send(b"sergeant\r");
    app.send(b"demo\r");
    app.wait_for_text("WRITES PAUSED", LIMIT);
    app.wait_for_text(&first, LIMIT);
    // The status line says why.
    app.wait_for_text("Writes paused: the disk holding", LIMIT);

    // A write is refused in one sentence, and the screen stays usable.
    app.send(b"/c1\r");
    app.wait_for_text("Summary", LIMIT);
    app.send(b"c");
    app.wait_for_text("Rousable?", LIMIT);
    app.send(b"yyy\r");
    app.wait_for_text("is full; nothing was saved", LIMIT);
    assert!(app.screen_text().contains("WRITES PAUSED"));
    assert!(
        app.screen_text().contains("Rousable?"),
        "the form stays open"
    );

    // Space is freed: within the retry period writes work again, without logging out, and
    // the same check is saved from the form still open.
    std::fs::write(&free, b"").unwrap();
    app.wait_for_text("Writes work again", LIMIT);
    app.wait_for("the header without the pause", LIMIT, |s| {
        !s.contents().contains("WRITES PAUSED")
    });
    app.send(b"\r");
    app.wait_for("the check saved", LIMIT, |s| {
        !s.contents().contains("Rousable?")
    });
    app.send(b"\x1b");
    app.wait_for_text("enter open", LIMIT);
    app.send(b"q");
    app.wait_for_text("Press q again to sign out and quit", LIMIT);
    app.send(b"q");
    assert_eq!(app.wait_exit(LIMIT), 0);

    // The login the full disk kept out of the audit entered it once writes resumed.
    let audit = run.audit_after();
    let sergeant_logins = |audit: &str| {
        audit
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["action"] == "login" && r["staff"] == "sergeant")
            .count()
    };
    assert_eq!(
        sergeant_logins(&audit),
        sergeant_logins(&run.audit_before) + 1,
        "{audit}"
    );
    // So did the record read while the disk was full, and the check saved after.
    let actions = run.sergeants_actions(&audit);
    assert_eq!(
        actions[..3],
        ["login", "record_read", "record_write"],
        "{actions:?}"
    );
    let verify = sonar_as(
        Path::new(SONAR),
        run.home.path(),
        &run.after.join("suite.db"),
        "admin",
        &["audit", "verify"],
    );
    assert!(verify.starts_with("The audit chain is intact"), "{verify}");
}

/// Signing out straight after space is freed, before the terminal's next retry: the login and
/// the record read that the full disk held back are written as the session ends, not lost.
#[test]
fn signing_out_once_space_is_freed_keeps_what_the_full_disk_held_back() {
    let mut run = on_a_full_disk();
    let free = run.free.clone();
    let app = &mut run.app;
    app.wait_for_text("Username", LIMIT);
    app.send(b"sergeant\r");
    app.send(b"demo\r");
    app.wait_for_text("WRITES PAUSED", LIMIT);
    app.send(b"/c1\r");
    app.wait_for_text("Summary", LIMIT);
    std::fs::write(&free, b"").unwrap();
    // The wrapper deletes the filling file within a tenth of a second of being told.
    std::thread::sleep(Duration::from_millis(500));
    // Still paused: the terminal's retry (15 s after the login) has not run, so only signing
    // out can write what was held back.
    let screen = app.screen_text();
    assert!(
        screen.contains("WRITES PAUSED") && !screen.contains("Writes work again"),
        "{screen}"
    );
    app.send(b"\x1b");
    app.wait_for("the board again", LIMIT, |s| {
        !s.contents().contains("Summary | Risk flags")
    });
    app.send(b"q");
    app.wait_for_text("Press q again to sign out and quit", LIMIT);
    app.send(b"q");
    assert_eq!(app.wait_exit(LIMIT), 0);
    let actions = run.sergeants_actions(&run.audit_after());
    assert_eq!(actions, ["login", "record_read", "lock"], "{actions:?}");
}
