//! Two suites and the national record, each the real program: `sonar-record serve` against a
//! throwaway PostgreSQL (`tests/pg`), suite A a demo suite, suite B a new suite made with
//! `sonar init`. The operator enrols both suites' keys; each suite's administrator joins it to
//! the record with the record's pinned key.
//!
//! - A hands a person over; A's running terminal delivers the bundle in the background and the
//!   outbox shows the record's receipt; B's person search by NHS number finds them at the
//!   record (not in B) and starts the new person from A's handover; B's banner shows A's
//!   flags and medication, signed by A as the record's directory names A (not as the bundle
//!   names itself); `sonar lookup` says the same.
//! - The record stops: `sonar send` fails and the outbox holds the handover, every terminal's
//!   header says since when the record is unreachable and how many wait; a terminal that
//!   delivered it and died before keeping the receipt leaves it queued; after the restart
//!   `sonar send` delivers it, the record answers with the first receipt and holds exactly
//!   one copy.

mod common;
mod pg;
mod support;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use support::pty::{PtyApp, isolate_env};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const SONAR_RECORD: &str = env!("CARGO_BIN_EXE_sonar-record");
const LIMIT: Duration = Duration::from_secs(30);
const F2: &[u8] = b"\x1bOQ";

/// How the operator enrols each suite: deliberately not the suite names inside the bundles
/// ("Northgate Custody Suite (demo)"), so a reader showing the bundle's own words is caught.
const A_ORG: &str = "Northshire Police, Northgate custody suite";
const B_ORG: &str = "Southshire Police, Southtown custody suite";

fn text(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn isolated(program: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(home).env_remove("SONAR_LOG");
    for (k, v) in isolate_env(home) {
        cmd.env(k, v);
    }
    cmd
}

/// `sonar-record serve` on a fixed loopback port, so it can be stopped and started again at
/// the same address.
struct Record {
    database: String,
    port: u16,
    home: PathBuf,
    child: Option<Child>,
}

impl Record {
    fn new(home: &Path) -> Record {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        Record {
            database: pg::cluster().fresh_database(),
            port,
            home: home.to_path_buf(),
            child: None,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn run(&self, args: &[&str]) -> String {
        let out = isolated(SONAR_RECORD, &self.home)
            .args(args)
            .args(["--database", &self.database])
            .output()
            .unwrap();
        text(&out)
    }

    fn start(&mut self) {
        let child = isolated(SONAR_RECORD, &self.home)
            .args(["serve", "--database", &self.database, "--listen"])
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--plain-http-on-loopback")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + LIMIT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "sonar-record did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// How many documents the record holds with this bundle id.
    fn copies(&self, bundle_id: &str) -> i64 {
        pg::cluster()
            .psql(
                &self.database,
                &format!("SELECT count(*) FROM document WHERE bundle_id = '{bundle_id}'"),
            )
            .trim()
            .parse()
            .unwrap()
    }

    /// Enrols a suite's key (exported by its administrator) for `organisation`.
    fn enrol(&self, key: &Path, organisation: &str) {
        let said = self.run(&[
            "enrol",
            "--suite-key",
            key.to_str().unwrap(),
            "--organisation",
            organisation,
        ]);
        assert!(said.contains("enrolled"), "{said}");
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A suite: its database, where its files go, and a password file per account.
struct Suite {
    home: PathBuf,
    db: PathBuf,
    passwords: Vec<(String, PathBuf)>,
}

impl Suite {
    fn run(&self, user: &str, args: &[&str]) -> Output {
        let pw = &self
            .passwords
            .iter()
            .find(|(u, _)| u == user)
            .unwrap_or_else(|| panic!("no password for {user}"))
            .1;
        isolated(SONAR, &self.home)
            .args(args)
            .arg("--db")
            .arg(&self.db)
            .args(["--user", user])
            .arg("--password-file")
            .arg(pw)
            .output()
            .unwrap()
    }

    fn ok(&self, user: &str, args: &[&str]) -> String {
        text(&self.run(user, args))
    }

    fn json(&self, user: &str, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(user, args)).unwrap()
    }

    /// The administrator exports the suite's public key, the operator enrols it, and the
    /// administrator joins the suite to the record with the record's key.
    fn join(&self, admin: &str, record: &Record, organisation: &str) {
        let suite_key = self.home.join("suite.jwk");
        self.ok(
            admin,
            &[
                "keys",
                "export-public",
                "--out",
                suite_key.to_str().unwrap(),
            ],
        );
        record.enrol(&suite_key, organisation);
        let record_key = self.home.join("record.jwk");
        record.run(&["key", "--out", record_key.to_str().unwrap()]);
        let said = self.ok(
            admin,
            &[
                "national",
                "join",
                &record.url(),
                "--record-key",
                record_key.to_str().unwrap(),
            ],
        );
        assert!(said.contains("is pinned"), "{said}");
    }

    fn outbox(&self) -> Value {
        self.json("sergeant", &["outbox", "--json"])
    }

    /// The real terminal, logged in, on the board.
    fn terminal(&self, user: &str) -> PtyApp {
        let pw =
            std::fs::read_to_string(&self.passwords.iter().find(|(u, _)| u == user).unwrap().1)
                .unwrap();
        let mut app = PtyApp::spawn(
            Path::new(SONAR),
            &["--db", self.db.to_str().unwrap()],
            &self.home,
            140,
            50,
        );
        app.wait_for_text("Username", LIMIT);
        app.send(format!("{user}\r").as_bytes());
        app.send(format!("{}\r", pw.trim()).as_bytes());
        app.wait_for("the board", LIMIT, |s| s.contents().contains("book in"));
        app
    }
}

/// Suite A: the demo suite (its accounts all use the password `demo`).
fn demo_suite(home: &Path) -> Suite {
    let db = home.join("a.db");
    let out = isolated(SONAR, home)
        .args(["demo", "--generate-only", "--people", "0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    text(&out);
    let pw = home.join("demo.pw");
    common::write_password_file(home, "demo.pw", "demo");
    Suite {
        home: home.to_path_buf(),
        db,
        passwords: ["sergeant", "admin", "hcp", "officer"]
            .iter()
            .map(|u| (u.to_string(), pw.clone()))
            .collect(),
    }
}

/// Suite B: made with `sonar init`, an administrator and one custody sergeant.
fn new_suite(home: &Path) -> Suite {
    let db = home.join("b.db");
    let admin_pw = common::write_password_file(home, "admin.pw", common::ADMIN_PASSWORD);
    text(
        &isolated(SONAR, home)
            .args([
                "init",
                "--suite",
                "Southtown Custody Suite",
                "--admin",
                "admin",
                "--db",
            ])
            .arg(&db)
            .arg("--password-file")
            .arg(&admin_pw)
            .output()
            .unwrap(),
    );
    let mut suite = Suite {
        home: home.to_path_buf(),
        db,
        passwords: vec![("admin".into(), admin_pw)],
    };
    let added = suite.ok(
        "admin",
        &[
            "user",
            "add",
            "sergeant",
            "--role",
            "sergeant",
            "--full-name",
            "PS Amy Rowe",
        ],
    );
    let temporary = common::temporary_password_from(&added);
    let temp_pw = common::write_password_file(home, "sergeant.temp.pw", &temporary);
    let new_pw = common::write_password_file(home, "sergeant.pw", "a long and private passphrase");
    suite.passwords.push(("sergeant".into(), temp_pw));
    suite.ok(
        "sergeant",
        &[
            "user",
            "passwd",
            "--new-password-file",
            new_pw.to_str().unwrap(),
        ],
    );
    suite.passwords.retain(|(u, _)| u != "sergeant");
    suite.passwords.push(("sergeant".into(), new_pw));
    suite
}

/// Someone in A's custody with flags, an NHS number and a medicine, handed over to another
/// suite by A's sergeant: (custody no, their record as `sonar record --json` gave it).
fn hand_over_someone(a: &Suite) -> (String, Value) {
    let list = a.json("sergeant", &["list", "--json"]);
    for person in list.as_array().unwrap() {
        if person["flags"].as_array().is_none_or(|f| f.is_empty()) {
            continue;
        }
        let custody_no = person["custody_no"].as_str().unwrap().to_string();
        let record = a.json("hcp", &["record", &custody_no, "--json"]);
        if record["nhs_number"].is_null()
            || record["medications"]
                .as_array()
                .is_none_or(|m| m.is_empty())
        {
            continue;
        }
        let out = a.run(
            "sergeant",
            &[
                "export",
                &custody_no,
                "--destination",
                "suite",
                "--out",
                a.home.join("handovers").to_str().unwrap(),
                "--receiving-org",
                "Southtown Custody Suite",
                "--receiving-officer",
                "PS Amy Rowe",
            ],
        );
        if out.status.success() {
            return (custody_no, record);
        }
    }
    panic!("no demo person with flags, an NHS number and a medicine could be handed over");
}

fn bundle_id_of(a: &Suite, custody_no: &str) -> String {
    let outbox = a.outbox();
    outbox["handovers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["custody_no"] == custody_no)
        .unwrap_or_else(|| panic!("{custody_no} is in the outbox: {outbox}"))["bundle_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits until `sonar outbox --json` shows the handover of `custody_no` as `state`.
fn wait_for_state(a: &Suite, custody_no: &str, state: &str) -> Value {
    let deadline = Instant::now() + LIMIT;
    loop {
        let outbox = a.outbox();
        let entry = outbox["handovers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["custody_no"] == custody_no)
            .cloned()
            .unwrap();
        if entry["state"] == state {
            return entry;
        }
        assert!(
            Instant::now() < deadline,
            "{custody_no} never became {state}: {outbox}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A running record and two suites joined to it, each in its own home under one temporary
/// directory: A, the demo suite, enrolled as `a_org`, and B, a new suite, as [`B_ORG`]. Bound
/// in this order, the directory is dropped last.
fn two_suites(prefix: &str, a_org: &str) -> (tempfile::TempDir, Record, Suite, Suite) {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    let (a_home, b_home) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a_home).unwrap();
    std::fs::create_dir_all(&b_home).unwrap();
    let mut record = Record::new(dir.path());
    record.start();
    let a = demo_suite(&a_home);
    let b = new_suite(&b_home);
    a.join("admin", &record, a_org);
    b.join("admin", &record, B_ORG);
    (dir, record, a, b)
}

#[test]
fn a_handover_from_suite_a_reaches_suite_bs_booking_banner_signed_by_a_as_the_directory_names_it() {
    let (_dir, record, a, b) = two_suites("sonar-two-suites-", A_ORG);

    // A's sergeant has a terminal open; another hands the person over from the command line.
    let a_terminal = a.terminal("sergeant");
    let (custody_no, person) = hand_over_someone(&a);
    let bundle_id = bundle_id_of(&a, &custody_no);
    // The escort summary tells the receiving side the handover is on its way to the national
    // record, where to look it up, and which bundle it is.
    let escort = std::fs::read_dir(a.home.join("handovers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".escort.txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .expect("the export wrote an escort summary");
    let words = escort.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(&format!(
            "Bundle {bundle_id}, signed (`sonar verify`). Queued for the national record ({}): \
             once sent, any suite finds it there with `sonar lookup`",
            record.url()
        )),
        "{escort}"
    );
    // The running terminal delivers it in the background; the outbox keeps the receipt.
    let accepted = wait_for_state(&a, &custody_no, "accepted");
    let receipt = accepted["receipt"]["document"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!receipt.is_empty(), "{accepted}");
    assert_eq!(record.copies(&bundle_id), 1);
    // The record of the handed-over detention says so too.
    let on_record = a.json("sergeant", &["record", &custody_no, "--json"]);
    assert_eq!(on_record["national"]["state"], "accepted", "{on_record}");
    assert_eq!(
        on_record["national"]["receipt"]["document"],
        receipt.as_str()
    );
    assert!(a_terminal.stray.is_empty(), "{:?}", a_terminal.stray);
    drop(a_terminal);

    // B books the same person in as someone new to B, with their NHS number.
    let nhs = person["nhs_number"].as_str().unwrap().to_string();
    let surname = person["surname"].as_str().unwrap().to_string();
    let forenames = person["forenames"].as_str().unwrap().to_string();
    let dob =
        chrono::NaiveDate::parse_from_str(person["date_of_birth"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let flag_codes: Vec<String> = person["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    let medicine = person["medications"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();

    // B's sergeant searches by the NHS number: B does not know them, the record does, and
    // the new person's details start from A's handover.
    let mut b_terminal = b.terminal("sergeant");
    b_terminal.send(b"b");
    b_terminal.wait_for_text("Book in: find the person", LIMIT);
    b_terminal.send(nhs.as_bytes());
    b_terminal.wait_for("the record to know them", LIMIT, |s| {
        let t = s.contents();
        t.contains("No one found")
            && t.contains("Known to the national record, not to this suite")
            && t.contains(&surname.to_uppercase())
            && t.contains(A_ORG)
    });
    b_terminal.send(F2);
    b_terminal.wait_for_text("Book in a new person", LIMIT);
    let details = b_terminal.screen_text();
    for given in [
        forenames.as_str(),
        &dob.format("%d/%m/%Y").to_string(),
        &nhs,
    ] {
        assert!(details.contains(given), "{given} prefilled:\n{details}");
    }
    // The cursor waits on the first empty field, the sex; then past the NHS number and PNC id
    // to the detention's own fields.
    for field in [
        "m",
        "",
        "",
        "PC 118 Shah",
        "Remanded to this suite from Northgate",
        "C3",
    ] {
        b_terminal.send(field.as_bytes());
        b_terminal.send(b"\r");
    }
    // The banner (all of it fits at 140×50) with A's flags and medicine once the answer came.
    b_terminal.wait_for("the record's answer on the banner", LIMIT, |s| {
        let t = s.contents();
        t.contains("1 handover added")
            && flag_codes.iter().all(|c| t.contains(c.as_str()))
            && t.to_lowercase().contains(&medicine.to_lowercase())
    });
    let banner = b_terminal.screen_text();
    let flat = banner.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("signed by {A_ORG}")),
        "signed by A as the directory names it:\n{banner}"
    );
    assert!(
        !flat.contains("signed by Northgate Custody Suite (demo)"),
        "{banner}"
    );
    for code in &flag_codes {
        assert!(
            banner.contains(code.as_str()),
            "flag {code} on the banner:\n{banner}"
        );
    }
    assert!(
        banner.to_lowercase().contains(&medicine.to_lowercase()),
        "medicine {medicine} on the banner:\n{banner}"
    );
    assert!(b_terminal.stray.is_empty(), "{:?}", b_terminal.stray);
    drop(b_terminal);

    // `sonar lookup` at B says the same, and names A from the directory.
    let found = b.json("sergeant", &["lookup", "--nhs", &nhs, "--json"]);
    let documents = found["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 1, "{found}");
    assert_eq!(documents[0]["signed_by"], A_ORG);
    assert_eq!(documents[0]["bundle_id"], bundle_id.as_str());
    let looked = b.ok(
        "sergeant",
        &[
            "lookup",
            "--name",
            &format!("{surname}, {forenames}"),
            "--dob",
            &dob.to_string(),
        ],
    );
    assert!(looked.contains(&format!("signed by {A_ORG}")), "{looked}");

    // The record's audit verifies and names B's queries.
    let verified = record.run(&["audit-verify"]);
    assert!(verified.contains("verifies"), "{verified}");
    let queries = pg::cluster().psql(
        &record.database,
        &format!(
            "SELECT count(*) FROM audit WHERE organisation = '{B_ORG}' AND action LIKE '%find%'"
        ),
    );
    assert!(queries.trim().parse::<i64>().unwrap() >= 3, "{queries}");
}

#[test]
fn the_record_stopped_during_a_send_the_outbox_holds_and_delivers_once_after_restart() {
    let dir = tempfile::Builder::new()
        .prefix("sonar-outbox-")
        .tempdir()
        .unwrap();
    let mut record = Record::new(dir.path());
    record.start();
    let a = demo_suite(dir.path());
    a.join("admin", &record, A_ORG);

    // The record goes down; the handover is made anyway and queued.
    record.stop();
    let (custody_no, _) = hand_over_someone(&a);
    let bundle_id = bundle_id_of(&a, &custody_no);
    let out = a.run("sergeant", &["send"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("Not delivered {bundle_id}"))
            && said.contains("cannot be reached")
            && said.contains("it stays in the outbox"),
        "{said}"
    );
    let outbox = a.outbox();
    assert_eq!(outbox["waiting"], 1, "{outbox}");
    assert!(outbox["unreachable_since"].is_string(), "{outbox}");
    let entry = &outbox["handovers"][0];
    assert_eq!(entry["state"], "queued");
    assert_eq!(entry["attempts"], 1);
    assert!(entry["receipt"].is_null());

    // Every terminal's header says so.
    let mut terminal = a.terminal("sergeant");
    terminal.wait_for("the header to say the record is unreachable", LIMIT, |s| {
        s.contents().contains("national record unreachable since")
            && s.contents().contains("1 handover waiting")
    });
    drop(terminal);

    // Back up. A terminal takes the handover and the record stores it, but the terminal dies
    // before it keeps the receipt: the outbox still says queued once the lease ends.
    record.start();
    {
        let now = Utc::now();
        let mut store = sonar_custody::store::Store::unlock(&a.db, "sergeant", "demo", now)
            .unwrap()
            .store;
        let claim = store
            .claim_waiting("a terminal that dies", now - chrono::Duration::minutes(5))
            .unwrap()
            .expect("the handover is waiting");
        let link = sonar_custody::app::national::link(&mut store, now)
            .unwrap()
            .unwrap();
        let first = sonar_custody::national::courier::deliver_blocking(&link, &claim.bundle)
            .expect("the record accepts it");
        assert_eq!(record.copies(&bundle_id), 1);
        drop(store);
        // `sonar send` delivers it again: the record answers with the same receipt.
        let said = a.ok("sergeant", &["send"]);
        assert!(
            said.contains(&format!(
                "Delivered {bundle_id}: accepted, receipt {}",
                first.document
            )),
            "{said}"
        );
    }
    assert_eq!(
        record.copies(&bundle_id),
        1,
        "exactly one copy at the record"
    );
    let outbox = a.outbox();
    assert_eq!(outbox["waiting"], 0, "{outbox}");
    assert!(outbox["unreachable_since"].is_null(), "{outbox}");
    assert_eq!(outbox["handovers"][0]["state"], "accepted");
    // Nothing is left to send twice.
    assert!(
        a.ok("sergeant", &["send"])
            .contains("0 delivered, 0 not delivered; 0 handovers waiting")
    );
}

/// What the record's directory says reaches the terminal only through the escaping rule: a
/// suite enrolled under an organisation name carrying a screen clear, a bell, a right-to-left
/// override and an OSC 52 clipboard write is named by `sonar lookup` (text and JSON) in the
/// other suite with every one of them shown as a visible escape, never acted on.
#[test]
fn a_hostile_organisation_name_in_the_directory_is_inert_in_lookup() {
    let hostile = "Evil\x1b[2J\x07 Police\u{202e}custody\x1b]52;c;cm0gLXJmIC8=\x07";
    let (_dir, _record, a, b) = two_suites("sonar-hostile-directory-", hostile);
    let (_, person) = hand_over_someone(&a);
    let sent = a.run("sergeant", &["send"]);
    assert_eq!(sent.status.code(), Some(0), "{}", text(&sent));
    let nhs = person["nhs_number"].as_str().unwrap();

    for args in [
        vec!["lookup", "--nhs", nhs],
        vec!["lookup", "--nhs", nhs, "--json"],
    ] {
        let out = b.run("sergeant", &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let raw = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
        for (what, byte) in [("ESC", 0x1bu8), ("BEL", 0x07)] {
            assert!(
                !raw.contains(&byte),
                "{args:?} printed a raw {what}: {}",
                text(&out)
            );
        }
        let said = String::from_utf8_lossy(&raw);
        assert!(!said.contains('\u{202e}'), "{args:?}: {said}");
        // Named, visibly: the organisation is there, its controls shown as escapes.
        assert!(
            said.contains("Evil") && said.contains("Police"),
            "{args:?}: {said}"
        );
        assert!(said.contains("1b"), "{args:?}: {said}");
    }
}
