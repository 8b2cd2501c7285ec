//! A hostile name, reason and key id through every output path (issue 16, part 3): erase the
//! line (ESC [2K), return to its start (CR), ring (BEL), reverse what follows (a bidirectional
//! override), write the clipboard (OSC 52) and the one-byte C1 CSI. Whatever the path — `sonar
//! list` (text and JSON), `sonar record`, the handover sheet, the audit export, `sonar user
//! list`, `sonar export` and its escort summary, `sonar verify` and `sonar import` of a trusted
//! bundle and of refused ones, and the board and record screens — no such character reaches
//! the terminal or the file raw: each is shown as a visible escape (`\u{1b}`), or in JSON as an
//! escape that decodes to the same text. A refused bundle's error stays one line, so a key id
//! cannot erase it and print "Verified" in its place.

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use common::*;
use crossterm::event::KeyCode;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use sonar_custody::app::{App, Screen};
use sonar_custody::domain::booking::{PersonInput, validate_person};
use sonar_custody::domain::flag::{FlagCode, Severity};
use sonar_custody::domain::record::{AllergySeverity, Fact};
use sonar_custody::domain::text::acts_on_terminal;
use sonar_custody::keymap::{Keymap, Preset};
use sonar_custody::store::Store;
use sonar_custody::store::booking::Booking;

/// Erase the line, back to its start, a forged "Verified", a bell, a right-to-left override and
/// an OSC 52 that would put `rm -rf ~` on the clipboard.
const SURNAME: &str = "Evil\u{1b}[2K\rVerified\u{7}\u{202e}nhoJ\u{1b}]52;c;cm0gLXJmIH4=\u{7}";
/// A left-to-right isolate and the C1 CSI (ESC [ in one byte to some terminals), then red.
const FORENAMES: &str = "Mal\u{2066}lory\u{9b}31m";
/// Why the person shares a cell: written to the audit and shown on the sheets.
const REASON: &str = "Both\u{1b}[2J calm\u{7} and\u{202e} quiet\u{1b}]52;c;eA==\u{7} together";
/// An allergy as an HCP typed it.
const SUBSTANCE: &str = "Latex\u{1b}[8m\u{202d}";
/// The key id of a bundle nobody trusts.
const KID: &str = "\u{1b}[2K\rVerified: the signature is good\u{7}\u{202e}";

/// Two demo suites (A, where the hostile person is booked in, and B, which imports them).
struct Suites {
    dir: tempfile::TempDir,
    a: PathBuf,
    b: PathBuf,
    pw: PathBuf,
    custody_no: String,
}

impl Suites {
    fn run(&self, db: &Path, user: &str, args: &[&str]) -> Output {
        sonar_in(self.dir.path())
            .args(args)
            .arg("--db")
            .arg(db)
            .args(["--user", user])
            .arg("--password-file")
            .arg(&self.pw)
            .output()
            .unwrap()
    }

    /// `sonar ARGS` needing no database.
    fn bare(&self, args: &[&str]) -> Output {
        sonar_in(self.dir.path()).args(args).output().unwrap()
    }
}

fn suites() -> Suites {
    let dir = tempfile::Builder::new()
        .prefix("sonar-hostile-")
        .tempdir()
        .unwrap();
    let pw = write_password_file(dir.path(), "demo.pw", "demo");
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    for db in [&a, &b] {
        let out = sonar_in(dir.path())
            .args(["demo", "--people", "0", "--generate-only", "--db"])
            .arg(db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let now = Utc::now();
    let mut sergeant = Store::unlock(&a, "sergeant", "demo", now).unwrap().store;
    // Sharing the first person's cell, so the reason goes to the audit.
    let shared = sergeant.in_custody().unwrap()[0].cell.clone();
    let person = validate_person(
        &PersonInput {
            surname: SURNAME.into(),
            forenames: FORENAMES.into(),
            ..PersonInput::default()
        },
        now.date_naive(),
    )
    .unwrap();
    let person_id = sergeant.create_person(&person, None, now).unwrap();
    let booked = sergeant
        .book_in(
            person_id,
            &Booking {
                arrived_at: now,
                authorised_at: Some(now),
                arresting_officer: "PC 1 Hart".into(),
                reason: "Theft".into(),
                cell: shared,
                shared_cell_reason: Some(REASON.into()),
            },
            now,
        )
        .unwrap();
    let detention_id = booked.detention_id;
    sergeant
        .add_flag(
            detention_id,
            FlagCode::SelfHarm,
            Severity::Warning,
            REASON,
            now,
        )
        .unwrap();
    sergeant
        .complete_prra(
            detention_id,
            &sonar_custody::demo::prra_answers(&[], false),
            now,
        )
        .unwrap();
    drop(sergeant);
    let mut hcp = Store::unlock(&a, "hcp", "demo", now).unwrap().store;
    hcp.add_record_entry(
        detention_id,
        &Fact::Allergy {
            substance: SUBSTANCE.into(),
            reaction: REASON.into(),
            severity: AllergySeverity::Mild,
        },
        now,
    )
    .unwrap();
    drop(hcp);
    Suites {
        dir,
        a,
        b,
        pw,
        custody_no: booked.custody_no,
    }
}

/// No character a terminal acts on (but the line break) is in `bytes`, which are UTF-8.
#[track_caller]
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    let raw: Vec<char> = text
        .chars()
        .filter(|c| *c != '\n' && acts_on_terminal(*c))
        .collect();
    assert!(
        raw.is_empty(),
        "{what}: {raw:?} reached the output raw:\n{}",
        text.escape_debug()
    );
}

/// Succeeded, and both outputs are inert; returns stdout.
#[track_caller]
fn inert_success(what: &str, out: &Output) -> String {
    assert_inert(&format!("{what} (stderr)"), &out.stderr);
    assert_inert(&format!("{what} (stdout)"), &out.stdout);
    assert_success(out)
}

/// Failed with exit 1, nothing on stdout and one inert line on stderr; returns that line.
#[track_caller]
fn inert_refusal(what: &str, out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{what}: {out:?}");
    assert!(out.stdout.is_empty(), "{what}: printed {:?}", out.stdout);
    assert_inert(what, &out.stderr);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.matches('\n').count(), 1, "{what}: not one line: {err}");
    assert!(err.starts_with("sonar: "), "{what}: {err}");
    assert!(!err.contains("\nVerified"), "{what}: {err}");
    err
}

#[test]
fn stored_hostile_text_is_inert_in_list_record_sheet_audit_and_user_list() {
    let s = suites();
    // `sonar list`: the hostile row is one row, its name escaped where it stands.
    let list = inert_success("list", &s.run(&s.a, "sergeant", &["list"]));
    let rows: Vec<&str> = list.lines().filter(|l| l.contains("EVIL")).collect();
    assert_eq!(rows.len(), 1, "{list}");
    assert!(
        rows[0].contains("EVIL\\u{1b}[2K\\u{d}VERIFIED\\u{7}\\u{202e}NHOJ\\u{1b}]52;"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0].contains("Mal\\u{2066}lory\\u{9b}31m"),
        "{}",
        rows[0]
    );

    // `sonar list --json`: JSON escapes that decode to exactly what was stored.
    let json = inert_success("list --json", &s.run(&s.a, "sergeant", &["list", "--json"]));
    let people: serde_json::Value = serde_json::from_str(&json).unwrap();
    let person = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["custody_no"] == s.custody_no.as_str())
        .unwrap();
    assert_eq!(person["surname"], SURNAME);
    assert_eq!(person["forenames"], FORENAMES);

    // `sonar record`, text and JSON, for the sergeant and the HCP.
    for user in ["sergeant", "hcp"] {
        let text = inert_success("record", &s.run(&s.a, user, &["record", &s.custody_no]));
        assert!(text.contains("EVIL\\u{1b}[2K\\u{d}VERIFIED"), "{text}");
        let json = inert_success(
            "record --json",
            &s.run(&s.a, user, &["record", &s.custody_no, "--json"]),
        );
        let record: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(record["surname"], SURNAME);
    }
    let hcp_record = inert_success("record", &s.run(&s.a, "hcp", &["record", &s.custody_no]));
    assert!(
        hcp_record.contains("Latex\\u{1b}[8m\\u{202d}"),
        "{hcp_record}"
    );

    // The incoming sergeant's sheet, on screen and on paper.
    let sheet = inert_success(
        "handover-sheet",
        &s.run(&s.a, "sergeant", &["handover-sheet"]),
    );
    assert!(sheet.contains("EVIL\\u{1b}[2K"), "{sheet}");

    // The audit export: CSV shows the reason escaped; JSON lines keep it exactly.
    let csv = inert_success(
        "audit export csv",
        &s.run(&s.a, "admin", &["audit", "export", "--format", "csv"]),
    );
    assert!(
        csv.contains("Both\\u{1b}[2J calm\\u{7} and\\u{202e} quiet"),
        "{csv}"
    );
    let jsonl = inert_success(
        "audit export jsonl",
        &s.run(&s.a, "admin", &["audit", "export", "--format", "jsonl"]),
    );
    assert!(
        jsonl.lines().any(|l| {
            let row: serde_json::Value = serde_json::from_str(l).unwrap();
            row["detail"].as_str().is_some_and(|d| d.contains(REASON))
        }),
        "{jsonl}"
    );

    // A display name given at `user add`, in `user list`.
    let name = format!("{FORENAMES} {SURNAME}");
    inert_success(
        "user add",
        &s.run(
            &s.a,
            "admin",
            &[
                "user",
                "add",
                "mallory",
                "--role",
                "hcp",
                "--full-name",
                &name,
            ],
        ),
    );
    let users = inert_success("user list", &s.run(&s.a, "admin", &["user", "list"]));
    assert!(users.contains("Mal\\u{2066}lory"), "{users}");
    let users = inert_success(
        "user list --json",
        &s.run(&s.a, "admin", &["user", "list", "--json"]),
    );
    let users: serde_json::Value = serde_json::from_str(&users).unwrap();
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["display_name"] == name.as_str())
    );
}

/// Exports the hostile person from suite A to prison; returns the bundle, the escort summary,
/// A's public key file and what `sonar export` printed.
fn export(s: &Suites) -> (PathBuf, PathBuf, PathBuf, String) {
    let key = s.dir.path().join("suite-a.jwk");
    inert_success(
        "keys export-public",
        &s.run(
            &s.a,
            "sergeant",
            &["keys", "export-public", "--out", key.to_str().unwrap()],
        ),
    );
    let outdir = s.dir.path().join("handover");
    let printed = inert_success(
        "export",
        &s.run(
            &s.a,
            "sergeant",
            &[
                "export",
                &s.custody_no,
                "--destination",
                "prison",
                "--out",
                outdir.to_str().unwrap(),
                "--receiving-org",
                "HMP\u{1b}[2K Northtown\u{202e}",
            ],
        ),
    );
    (
        outdir.join(format!("{}.handover.json", s.custody_no)),
        outdir.join(format!("{}.escort.txt", s.custody_no)),
        key,
        printed,
    )
}

#[test]
fn a_handed_over_hostile_name_is_inert_in_the_export_escort_summary_verify_and_import() {
    let s = suites();
    let (bundle, escort, key, printed) = export(&s);
    assert!(printed.contains("Mal\\u{2066}lory"), "{printed}");

    // The escort summary: every line escaped and still within 80 columns.
    let text = std::fs::read(&escort).unwrap();
    assert_inert("escort summary", &text);
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("EVIL\\u{1b}[2K\\u{d}VERIFIED"), "{text}");
    assert!(text.contains("Latex\\u{1b}[8m\\u{202d}"), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{} columns: {line}", line.len());
    }

    // A trusted bundle's names, as verify and import print them.
    let verified = inert_success(
        "verify",
        &s.bare(&[
            "verify",
            bundle.to_str().unwrap(),
            "--trust",
            key.to_str().unwrap(),
        ]),
    );
    assert!(verified.starts_with("Verified: "), "{verified}");
    assert_eq!(verified.matches("Verified").count(), 2, "{verified}");
    assert!(verified.contains("VERIFIED") || verified.contains("\\u{d}Verified"));
    assert!(verified.contains("Mal\\u{2066}lory"), "{verified}");
    assert!(
        verified.contains("HMP\\u{1b}[2K Northtown\\u{202e}"),
        "{verified}"
    );
    let imported = inert_success(
        "import",
        &s.run(
            &s.b,
            "sergeant",
            &[
                "import",
                bundle.to_str().unwrap(),
                "--trust",
                key.to_str().unwrap(),
            ],
        ),
    );
    assert!(
        imported.starts_with("Imported Mal\\u{2066}lory"),
        "{imported}"
    );
}

/// `bundle` with its JWS header's kid replaced.
fn with_kid(bundle: &serde_json::Value, kid: &str) -> serde_json::Value {
    let mut bundle = bundle.clone();
    let token = String::from_utf8(
        STANDARD
            .decode(bundle["signature"]["data"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let (header, rest) = token.split_once('.').unwrap();
    let mut header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"] = kid.into();
    let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
    bundle["signature"]["data"] = STANDARD.encode(format!("{header}.{rest}")).into();
    bundle
}

#[test]
fn a_refused_bundles_key_id_type_date_and_reference_cannot_forge_the_error_line() {
    let s = suites();
    let (bundle, _, key, _) = export(&s);
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let write = |name: &str, value: &serde_json::Value| {
        let path = s.dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
        path
    };

    // The key id of a key nobody trusts: verify and import name it escaped, on one line.
    let forged = write("forged-kid.json", &with_kid(&original, KID));
    for (what, out) in [
        (
            "verify",
            s.bare(&[
                "verify",
                forged.to_str().unwrap(),
                "--trust",
                key.to_str().unwrap(),
            ]),
        ),
        (
            "import",
            s.run(
                &s.b,
                "sergeant",
                &[
                    "import",
                    forged.to_str().unwrap(),
                    "--trust",
                    key.to_str().unwrap(),
                ],
            ),
        ),
    ] {
        let err = inert_refusal(what, &out);
        assert!(
            err.contains("signed with an unknown key (kid \\u{1b}[2K\\u{d}Verified: the signature is good\\u{7}\\u{202e})"),
            "{what}: {err}"
        );
    }

    // Text from the bundle that an error quotes: its resourceType, a date, a reference.
    let mut typed = original.clone();
    typed["resourceType"] = "Bundle\u{1b}[2K\rVerified\u{7}".into();
    let mut dated = original.clone();
    dated["entry"][0]["resource"]["date"] = "2026\u{1b}[2K\u{202e}".into();
    let mut referenced = original.clone();
    referenced["entry"][0]["resource"]["subject"]["reference"] =
        "urn:uuid:\u{1b}]52;c;eA==\u{7}\r".into();
    for (name, value, quoted) in [
        (
            "type.json",
            typed,
            "it is a Bundle\\u{1b}[2K\\u{d}Verified\\u{7}",
        ),
        ("date.json", dated, "`2026\\u{1b}[2K\\u{202e}`"),
        (
            "reference.json",
            referenced,
            "the reference urn:uuid:\\u{1b}]52;c;eA==\\u{7}\\u{d} is not in the bundle",
        ),
    ] {
        let path = write(name, &value);
        let err = inert_refusal(
            name,
            &s.bare(&[
                "verify",
                path.to_str().unwrap(),
                "--trust",
                key.to_str().unwrap(),
            ]),
        );
        assert!(err.contains(quoted), "{name}: {err}");
    }
}

/// The bytes a real terminal would be sent for `app` at 120×40, drawn as the program draws.
fn terminal_bytes(app: &App) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let backend = CrosstermBackend::new(&mut bytes);
        let mut terminal = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
            },
        )
        .unwrap();
        terminal
            .draw(|f| sonar_custody::terminal::draw(app, f))
            .unwrap();
    }
    bytes
}

/// Neither the drawn cells nor the bytes sent for them hold a character the terminal acts on
/// beyond the program's own cursor moves and colours.
#[track_caller]
fn assert_screen_inert(what: &str, app: &App) -> String {
    let terminal = support::draw(app, 120, 40);
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(acts_on_terminal),
            "{what}: the cell {:?} holds a control character",
            cell.symbol()
        );
    }
    let bytes = terminal_bytes(app);
    let text = String::from_utf8(bytes).unwrap();
    for (bad, name) in [
        ("\u{7}", "BEL"),
        ("\r", "CR"),
        ("\u{1b}]", "OSC"),
        ("\u{1b}[2K", "erase line"),
        ("\u{1b}[2J", "erase screen"),
        ("\u{1b}[8m", "hidden text"),
        ("\u{9b}", "C1 CSI"),
    ] {
        assert!(!text.contains(bad), "{what}: {name} reached the terminal");
    }
    assert!(
        !text
            .chars()
            .any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
        "{what}: a bidirectional override reached the terminal"
    );
    support::buffer_text(terminal.backend().buffer())
}

#[test]
fn the_board_and_the_record_send_no_hostile_character_to_the_terminal() {
    let s = suites();
    let mut app = App::new(
        support::config(&s.a),
        Keymap::preset(Preset::Default),
        Utc::now(),
    );
    support::log_in(&mut app, "sergeant", "demo");
    support::key(&mut app, KeyCode::Char('/'));
    support::type_text(&mut app, "evil");
    let board = assert_screen_inert("the board", &app);
    assert!(board.contains("EVIL\\u{1b}[2K"), "{board}");

    support::key(&mut app, KeyCode::Enter);
    assert!(
        matches!(&app.screen, Screen::Record(r) if r.view.entry.surname == SURNAME),
        "the hostile person's record should be open"
    );
    let record = assert_screen_inert("the record", &app);
    assert!(record.contains("EVIL"), "{record}");
}
