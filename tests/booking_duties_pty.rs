//! The real binary on three terminals: a detention officer books a person in, and every
//! board shows NO RA and NO HS (risk assessment and health screen outstanding) for them
//! until the custody sergeant
//! authorises detention with the risk assessment and the HCP does the health screen; `sonar
//! list --json` says the same at each step.

mod support;

use std::path::Path;
use std::time::Duration;

use support::pty::{PtyApp, generate_demo, log_in, sonar_as};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const LIMIT: Duration = Duration::from_secs(30);
const F2: &[u8] = b"\x1bOQ";
const F5: &[u8] = b"\x1b[15~";
const F8: &[u8] = b"\x1b[19~";

/// The board row of the person whose name contains `name`, if shown.
fn row(screen: &vt100::Screen, name: &str) -> Option<String> {
    screen
        .contents()
        .lines()
        .find(|l| l.contains(name))
        .map(str::to_string)
}

fn wait_for_row(app: &mut PtyApp, what: &str, name: &str, ok: impl Fn(&str) -> bool) {
    app.wait_for(what, LIMIT, |s| row(s, name).is_some_and(|r| ok(&r)));
}

/// The custody number and what `sonar list --json` says is outstanding for the person in
/// `cell`.
fn outstanding(home: &Path, db: &Path, cell: &str) -> (String, Vec<String>) {
    let out = sonar_as(Path::new(SONAR), home, db, "sergeant", &["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("list --json");
    let row = rows
        .as_array()
        .expect("an array")
        .iter()
        .find(|r| r["cell"] == cell)
        .expect("the person is listed");
    let owed = row["outstanding"]
        .as_array()
        .expect("outstanding is a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    (
        row["custody_no"].as_str().unwrap_or_default().to_string(),
        owed,
    )
}

/// Whether the form's progress line says every question shown is answered ("20 of 20").
fn all_answered(screen: &vt100::Screen) -> bool {
    screen.contents().lines().any(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        words
            .windows(4)
            .any(|w| w[1] == "of" && w[3].starts_with("answered") && w[0] == w[2])
    })
}

/// Opens the filtered person's booking form on `app` (B on the board), records each question
/// as declined (F5, an explicit answer) until every question shown is answered, then
/// completes the form (F8).
fn answer_all_declined_and_complete(app: &mut PtyApp) {
    app.send(b"/olive\r");
    app.wait_for_text("OUTSTANDING, Olive", LIMIT);
    app.send(b"B");
    app.wait_for_text("question 1 of", LIMIT);
    for _ in 0..60 {
        if all_answered(app.parser.screen()) {
            break;
        }
        app.send(F5);
        app.pump(Duration::from_millis(100));
    }
    app.wait_for("every question answered", LIMIT, all_answered);
    app.send(F8);
    app.wait_for_text("completed", LIMIT);
}

#[test]
fn a_booking_started_by_an_officer_is_outstanding_until_the_sergeant_and_the_hcp_do_theirs() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("suite").join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 20);
    let sonar = Path::new(SONAR);
    let mut officer = log_in(sonar, &db, home.path(), "officer", 120, 30);
    let mut sergeant = log_in(sonar, &db, home.path(), "sergeant", 120, 30);

    officer.send(b"b");
    officer.wait_for_text("Book in: find the person", LIMIT);
    officer.send(b"Outstanding");
    officer.wait_for_text("No one found", LIMIT);
    officer.send(F2);
    officer.wait_for_text("Book in a new person", LIMIT);
    for field in [
        "Olive",
        "01/01/1990",
        "f",
        "",
        "",
        "PC 9 Lowe",
        "Theft",
        "C30",
    ] {
        officer.send(field.as_bytes());
        officer.send(b"\r");
    }
    // No form for the officer: back to the board, told who does what.
    officer.wait_for_text("A custody sergeant must authorise detention", LIMIT);
    let both = |r: &str| r.contains("NO RA") && r.contains("NO HS");
    wait_for_row(
        &mut officer,
        "both outstanding on the officer's board",
        "OUTSTANDING, Olive",
        both,
    );
    wait_for_row(
        &mut sergeant,
        "both outstanding on the sergeant's board",
        "OUTSTANDING, Olive",
        both,
    );
    let (custody_no, owed) = outstanding(home.path(), &db, "C30");
    assert_eq!(owed, ["risk_assessment", "health_screen"]);

    // The sergeant continues the booking: the risk assessment, completed, authorises.
    answer_all_declined_and_complete(&mut sergeant);
    let screen_owed = |r: &str| !r.contains("NO RA") && r.contains("NO HS");
    wait_for_row(
        &mut sergeant,
        "only the health screen owed",
        "OUTSTANDING, Olive",
        screen_owed,
    );
    wait_for_row(
        &mut officer,
        "the officer's board follows",
        "OUTSTANDING, Olive",
        screen_owed,
    );
    assert_eq!(outstanding(home.path(), &db, "C30").1, ["health_screen"]);
    let record = sonar_as(
        sonar,
        home.path(),
        &db,
        "sergeant",
        &["record", &custody_no],
    );
    assert!(
        record.contains("HEALTH SCREEN OUTSTANDING")
            && !record.contains("RISK ASSESSMENT OUTSTANDING"),
        "{record}"
    );

    // The HCP screens: nothing is owed any more, on every terminal.
    let mut hcp = log_in(sonar, &db, home.path(), "hcp", 120, 30);
    answer_all_declined_and_complete(&mut hcp);
    let none = |r: &str| !r.contains("NO RA") && !r.contains("NO HS");
    for app in [&mut sergeant, &mut officer, &mut hcp] {
        wait_for_row(app, "nothing outstanding", "OUTSTANDING, Olive", none);
    }
    assert!(outstanding(home.path(), &db, "C30").1.is_empty());
}
