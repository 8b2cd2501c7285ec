//! Issue 13's HCP request through the real binary, two terminals on one suite: a detention
//! officer asks for an HCP (H, a band, why); the board shows `HCP WAIT` and counts it up (real
//! time: it takes the minute it says); the HCP records a contact on the person's record (a, h);
//! the wait closes on the officer's board; and `sonar report --json` has the request with its
//! time from request to seen.

mod support;

use std::path::Path;
use std::time::Duration;

use support::pty::{PtyApp, generate_demo};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");

fn sonar(home: &Path, db: &Path, user: &str, args: &[&str]) -> String {
    support::pty::sonar_as(Path::new(SONAR), home, db, user, args)
}

fn log_in(db: &Path, home: &Path, user: &str) -> PtyApp {
    support::pty::log_in(Path::new(SONAR), db, home, user, 120, 40)
}
const LIMIT: Duration = Duration::from_secs(30);
/// Long enough for the wait to pass a whole minute on the board.
const A_MINUTE_AND_MORE: Duration = Duration::from_secs(80);

/// The board line of the person in `cell` (the selected row starts with a marker).
fn row_of(screen: &vt100::Screen, cell: &str) -> Option<String> {
    screen
        .contents()
        .lines()
        .find(|l| {
            l.trim_start_matches(|c: char| c == '▸' || c.is_whitespace())
                .starts_with(&format!("{cell} "))
        })
        .map(str::to_string)
}

#[test]
fn a_request_counts_up_on_the_board_until_the_hcp_sees_the_person_and_the_report_has_its_time() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let db = h.join("suite.db");
    generate_demo(Path::new(SONAR), h, &db, 40);
    let mut officer = log_in(&db, h, "officer");
    let mut hcp = log_in(&db, h, "hcp");

    // The officer opens C7's record and asks: H, band 2 (soon), why, enter; then the board.
    officer.send(b"/c7\r");
    officer.wait_for_text("Summary", LIMIT);
    officer.send(b"H");
    officer.wait_for_text("Ask for an HCP", LIMIT);
    officer.send(b"2");
    officer.send(b"Says his chest hurts when breathing\r");
    officer.wait_for_text("HCP requested", LIMIT);
    officer.send(b"\x1b");
    officer.wait_for("C7 waiting on the board", LIMIT, |s| {
        row_of(s, "C7").is_some_and(|l| l.contains("HCP WAIT 0m"))
    });
    // It counts up in real time.
    officer.wait_for("the wait to count up", A_MINUTE_AND_MORE, |s| {
        row_of(s, "C7").is_some_and(|l| l.contains("HCP WAIT 1m"))
    });

    // The HCP opens C7's record (the filter shows C7 first, then Enter) and records a
    // contact: a, h, assessment, a note.
    hcp.send(b"/c7");
    hcp.wait_for("the filter to find C7", LIMIT, |s| {
        row_of(s, "C7").is_some_and(|l| l.trim_start().starts_with('▸'))
    });
    hcp.send(b"\r");
    hcp.wait_for("C7's record", LIMIT, |s| {
        let t = s.contents();
        t.contains("Summary") && t.contains("C7")
    });
    hcp.send(b"a");
    hcp.wait_for_text("NEWS2", LIMIT);
    hcp.send(b"h");
    hcp.send(b"a\r");
    hcp.send(b"Chest clear; musculoskeletal pain after arrest\r");
    hcp.wait_for_text("shows as seen by you", LIMIT);

    // The officer's board: the wait has closed, and `sonar list --json` agrees.
    officer.wait_for("the wait to close", LIMIT, |s| {
        row_of(s, "C7").is_some_and(|l| !l.contains("HCP WAIT"))
    });
    let list: serde_json::Value =
        serde_json::from_str(&sonar(h, &db, "sergeant", &["list", "--json"])).unwrap();
    let c7 = list
        .as_array()
        .and_then(|people| people.iter().find(|p| p["cell"] == "C7"))
        .unwrap_or_else(|| panic!("C7 is listed: {list}"));
    assert!(c7["hcp_wait"].is_null(), "C7 was seen: {c7}");

    // The report has the request, seen after a minute or two.
    let today = sonar_custody::domain::observation::london_date(chrono::Utc::now()).to_string();
    let report: serde_json::Value = serde_json::from_str(&sonar(
        h,
        &db,
        "sergeant",
        &["report", "--from", &today, "--to", &today, "--json"],
    ))
    .unwrap();
    let q = &report["hcp_request_to_seen"];
    assert!(q["seen"].as_u64().unwrap() >= 1, "{report}");
    let median = q["median_minutes"].as_i64().expect("a median");
    assert!(
        (1..=5).contains(&median),
        "request to seen was a minute or two: {report}"
    );
    for app in [&officer, &hcp] {
        assert!(app.stray.is_empty(), "{:?}", app.stray);
    }
}
