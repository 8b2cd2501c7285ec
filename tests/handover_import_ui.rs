//! Importing a handover bundle in the UI, through real keys: suite A hands a person over with
//! the library (after rotating to a key suite B does not hold), then suite B imports the
//! bundle from the board with A's public key file: the review of who signed it, the
//! confirmation, the stored result, a second import that changes nothing, a bundle without a
//! trusted key and a tampered bundle refused in one sentence with nothing stored. A snapshot
//! of the review at 80x24.

mod support;

use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use sonar_custody::app::import::Step;
use sonar_custody::app::{Action, App};
use sonar_custody::handover::export::{self, Handover};
use sonar_custody::handover::{Destination, keys};
use sonar_custody::keymap::Context;
use sonar_custody::store::Store;
use support::*;

struct Sent {
    _suite_a: DemoDb,
    _out: tempfile::TempDir,
    bundle: PathBuf,
    key_file: PathBuf,
    kid: String,
    out_dir: PathBuf,
}

/// Suite A rotates to a fresh key, exports its public half and hands its first person over.
fn send_from_suite_a() -> Sent {
    let suite_a = demo_db();
    let out = tempfile::tempdir().unwrap();
    let mut admin = Store::unlock(&suite_a.path, "admin", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    admin.rotate_signing_key(fixed_now()).unwrap();
    drop(admin);
    let mut store = Store::unlock(&suite_a.path, "sergeant", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let (signing, kid) = store.signing_key(fixed_now()).unwrap();
    let key_file = out.path().join("suite-a.jwk");
    std::fs::write(
        &key_file,
        serde_json::to_string_pretty(&keys::public_jwk(&signing.verifying_key())).unwrap(),
    )
    .unwrap();
    let custody_no = store.in_custody().unwrap()[0].custody_no.clone();
    let written = export::export(
        &mut store,
        &Handover {
            custody_no: &custody_no,
            destination: Destination::Suite,
            receiving_org: "Southtown custody suite",
            receiving_officer: "PS Reed",
        },
        &out.path().join("out"),
        fixed_now(),
    )
    .unwrap();
    Sent {
        _suite_a: suite_a,
        bundle: written.bundle_path,
        key_file,
        kid,
        out_dir: out.path().to_path_buf(),
        _out: out,
    }
}

/// From the board: the import key, the bundle path and the key path, then Enter.
fn verify_in_ui(app: &mut App, bundle: &Path, key_file: Option<&Path>) {
    press_action(app, Context::Board, Action::ImportBundle);
    assert!(app.import.is_some(), "the import key opens the overlay");
    type_text(app, bundle.to_str().unwrap());
    key(app, KeyCode::Tab);
    if let Some(k) = key_file {
        type_text(app, k.to_str().unwrap());
    }
    key(app, KeyCode::Enter);
}

/// The imports stored in `db` beyond those the demo suite starts with (it holds one from
/// HMP Leeds for its returning person).
fn imports(db: &DemoDb) -> i64 {
    let count = |db: &DemoDb| {
        Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
            .unwrap()
            .store
            .count_rows("handover_import")
            .unwrap()
    };
    count(db) - count(&demo_db())
}

fn step(app: &App) -> Step {
    app.import.as_ref().unwrap().step.clone()
}

#[test]
fn an_officer_imports_a_bundle_from_another_suite_once() {
    let sent = send_from_suite_a();
    let (suite_b, mut app) = logged_in("officer");
    assert_eq!(imports(&suite_b), 0);

    verify_in_ui(&mut app, &sent.bundle, Some(&sent.key_file));
    let Step::Review(v) = step(&app) else {
        panic!("the bundle should verify:\n{}", screen_text(&app, 80, 24));
    };
    assert_eq!(v.kid, sent.kid);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Verified"), "{text}");
    assert!(text.contains("Signed by:"), "{text}");
    assert!(text.contains("Southtown custody suite"), "{text}");
    assert!(text.contains("Contains:"), "{text}");
    assert_eq!(imports(&suite_b), 0, "the review stores nothing");

    key(&mut app, KeyCode::Enter);
    assert!(matches!(step(&app), Step::Confirm(_)));
    key(&mut app, KeyCode::Esc);
    assert!(matches!(step(&app), Step::Review(_)));
    assert_eq!(
        imports(&suite_b),
        0,
        "Esc at the confirmation stores nothing"
    );
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let Step::Done(result) = step(&app) else {
        panic!("the import should be done:\n{}", screen_text(&app, 80, 24));
    };
    assert!(result.starts_with("Imported "), "{result}");
    assert!(result.contains("known from"), "{result}");
    assert_eq!(imports(&suite_b), 1);
    key(&mut app, KeyCode::Enter);
    assert!(app.import.is_none());
    assert!(screen_text(&app, 120, 40).contains("Imported "));

    // The same bundle again changes nothing.
    verify_in_ui(&mut app, &sent.bundle, Some(&sent.key_file));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let Step::Done(result) = step(&app) else {
        panic!(
            "the second import should be done:\n{}",
            screen_text(&app, 80, 24)
        );
    };
    assert!(result.starts_with("Already imported"), "{result}");
    assert!(result.contains("nothing was changed"), "{result}");
    assert_eq!(imports(&suite_b), 1);
}

#[test]
fn without_the_senders_key_the_bundle_is_not_trusted_and_nothing_is_stored() {
    let sent = send_from_suite_a();
    let (suite_b, mut app) = logged_in("sergeant");
    // Empty trusted keys: suite B's own keys, which do not include A's new key.
    verify_in_ui(&mut app, &sent.bundle, None);
    let s = app.import.as_ref().unwrap();
    assert!(matches!(s.step, Step::Paths));
    let error = s.error.clone().unwrap_or_default();
    assert!(error.starts_with("Nothing was imported"), "{error}");
    assert!(error.contains("does not verify"), "{error}");
    assert!(error.ends_with('.') && !error.contains('\n'), "{error}");
    assert_eq!(imports(&suite_b), 0);
}

#[test]
fn a_tampered_bundle_is_refused_with_its_reason_and_nothing_is_stored() {
    let sent = send_from_suite_a();
    let mut bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sent.bundle).unwrap()).unwrap();
    bundle["entry"][0]["resource"]["title"] = serde_json::json!("Altered in transit");
    let tampered = sent.out_dir.join("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&bundle).unwrap()).unwrap();

    let (suite_b, mut app) = logged_in("sergeant");
    verify_in_ui(&mut app, &tampered, Some(&sent.key_file));
    let s = app.import.as_ref().unwrap();
    assert!(
        matches!(s.step, Step::Paths),
        "a tampered bundle has no review"
    );
    let error = s.error.clone().unwrap_or_default();
    assert!(error.starts_with("Nothing was imported"), "{error}");
    assert!(error.contains("altered after signing"), "{error}");
    assert!(error.ends_with('.') && !error.contains('\n'), "{error}");
    assert!(screen_text(&app, 120, 40).contains("altered after signing"));
    assert_eq!(imports(&suite_b), 0);
    // Esc closes the overlay and the board is back.
    key(&mut app, KeyCode::Esc);
    assert!(app.import.is_none());
    assert_eq!(imports(&suite_b), 0);
}

#[test]
fn snapshot_of_the_review() {
    let sent = send_from_suite_a();
    let (_suite_b, mut app) = logged_in("sergeant");
    verify_in_ui(&mut app, &sent.bundle, Some(&sent.key_file));
    assert!(matches!(step(&app), Step::Review(_)));
    // The key is made fresh each run: redact it.
    let text = screen_text(&app, 80, 24).replace(
        &sent.kid,
        &format!("{:<width$}", "[kid]", width = sent.kid.chars().count()),
    );
    insta::assert_snapshot!("import_review_80x24", text);
}
