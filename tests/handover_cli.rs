//! `sonar export`, `verify`, `import` and `keys` as a new user would run them: a demo suite,
//! a person handed over to prison, the escort summary, verify with the exported public key,
//! import into a second suite (twice), and the exact reasons verify gives for bad files.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

struct Demo {
    dir: tempfile::TempDir,
    a: PathBuf,
    b: PathBuf,
    pw: PathBuf,
}

fn demo() -> Demo {
    let dir = tempfile::Builder::new()
        .prefix("sonar-handover-cli-")
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
    Demo { dir, a, b, pw }
}

impl Demo {
    fn run(&self, db: &Path, user: &str, args: &[&str]) -> std::process::Output {
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

    fn first_custody_no_with_flags(&self) -> String {
        let out = self.run(&self.a, "sergeant", &["list", "--json"]);
        let list: serde_json::Value = serde_json::from_str(&assert_success(&out)).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["flags"].as_array().is_some_and(|f| !f.is_empty()))
            .unwrap()["custody_no"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn verify_with(d: &Demo, bundle: &Path, key: &Path) -> std::process::Output {
    sonar_in(d.dir.path())
        .arg("verify")
        .arg(bundle)
        .arg("--trust")
        .arg(key)
        .output()
        .unwrap()
}

#[test]
fn export_verify_import_as_a_new_user_would() {
    let d = demo();
    let custody_no = d.first_custody_no_with_flags();
    let key = d.dir.path().join("suite-a.jwk");
    let out = d.run(
        &d.a,
        "sergeant",
        &["keys", "export-public", "--out", key.to_str().unwrap()],
    );
    assert_success(&out);
    let out = d.run(&d.a, "sergeant", &["keys", "show"]);
    let shown = assert_success(&out);
    let jwk: serde_json::Value = serde_json::from_str(&fs::read_to_string(&key).unwrap()).unwrap();
    assert!(shown.contains(jwk["kid"].as_str().unwrap()));
    let out = d.run(&d.a, "sergeant", &["keys", "export-public", "--pem"]);
    assert!(assert_success(&out).starts_with("-----BEGIN PUBLIC KEY-----\n"));

    let outdir = d.dir.path().join("handover");
    let out = d.run(
        &d.a,
        "sergeant",
        &[
            "export",
            &custody_no,
            "--destination",
            "prison",
            "--out",
            outdir.to_str().unwrap(),
            "--receiving-org",
            "HMP Northtown",
            "--receiving-officer",
            "PO Jane Hill 4471",
        ],
    );
    let stdout = assert_success(&out);
    assert!(stdout.contains("closed and read-only"), "{stdout}");
    let bundle = outdir.join(format!("{custody_no}.handover.json"));
    let escort = outdir.join(format!("{custody_no}.escort.txt"));
    for f in [&bundle, &escort] {
        assert!(!readable_by_others(f), "{} is not private", f.display());
    }
    let summary = fs::read_to_string(&escort).unwrap();
    assert!(summary.contains("SEALED ENVELOPE") && summary.contains(&custody_no));

    // Verify with the public key alone: no database.
    let out = verify_with(&d, &bundle, &key);
    let report = assert_success(&out);
    assert!(report.starts_with("Verified: "), "{report}");
    assert!(
        report.contains("HMP Northtown") && report.contains("Alerts"),
        "{report}"
    );
    // And with the suite's own keys from its database.
    let out = d.run(&d.a, "hcp", &["verify", bundle.to_str().unwrap()]);
    assert_success(&out);

    // A second export of the same person is refused: the record is read-only now.
    let out = d.run(
        &d.a,
        "sergeant",
        &[
            "export",
            &custody_no,
            "--destination",
            "court",
            "--out",
            outdir.to_str().unwrap(),
        ],
    );
    assert_fails_matching(
        &out,
        &format!(
            "sonar: custody record {custody_no} was already handed over {ANY}; its record is read-only"
        ),
    );

    // With neither --trust nor a database there is nothing to trust.
    let out = sonar_in(d.dir.path())
        .arg("verify")
        .arg(&bundle)
        .output()
        .unwrap();
    assert_fails_matching(
        &out,
        &format!(
            "sonar: no key to verify with: give the sender's public key with --trust, or --db for a suite whose own keys to use {ANY}"
        ),
    );

    // Import into the second suite, then again: a no-op that says so.
    let out = d.run(
        &d.b,
        "sergeant",
        &[
            "import",
            bundle.to_str().unwrap(),
            "--trust",
            key.to_str().unwrap(),
        ],
    );
    let said = assert_success(&out);
    assert!(
        said.contains("known from Northgate Custody Suite (demo)"),
        "{said}"
    );
    let out = d.run(
        &d.b,
        "sergeant",
        &[
            "import",
            bundle.to_str().unwrap(),
            "--trust",
            key.to_str().unwrap(),
        ],
    );
    assert!(assert_success(&out).starts_with("Already imported"));

    // Without the sender's key, suite B does not trust the bundle.
    let out = d.run(&d.b, "sergeant", &["import", bundle.to_str().unwrap()]);
    assert_fails_matching(
        &out,
        &format!(
            "sonar: {} does not verify: the bundle was signed with an unknown key {ANY}",
            bundle.display()
        ),
    );
}

#[test]
fn verify_names_the_reason_and_import_of_a_bad_bundle_changes_nothing() {
    let d = demo();
    let custody_no = d.first_custody_no_with_flags();
    let key = d.dir.path().join("suite-a.jwk");
    assert_success(&d.run(
        &d.a,
        "admin",
        &["keys", "export-public", "--out", key.to_str().unwrap()],
    ));
    let outdir = d.dir.path().join("out");
    assert_success(&d.run(
        &d.a,
        "sergeant",
        &[
            "export",
            &custody_no,
            "--destination",
            "hospital",
            "--out",
            outdir.to_str().unwrap(),
        ],
    ));
    let bundle = outdir.join(format!("{custody_no}.handover.json"));
    let good = fs::read(&bundle).unwrap();
    let bad = d.dir.path().join("bad.json");
    let cases: Vec<(Vec<u8>, String)> = vec![
        (
            good[..good.len() / 2].to_vec(),
            format!("the file is truncated: the JSON ends early{ANY}"),
        ),
        (
            b"[]".to_vec(),
            "wrong JSON type: a bundle is a JSON object, but this file holds an array".into(),
        ),
        (
            b"\x00\x9f garbage".to_vec(),
            format!("the file is not JSON{ANY}"),
        ),
        (
            br#"{"resourceType":"Patient"}"#.to_vec(),
            "not a FHIR document: it is a Patient, not a Bundle".into(),
        ),
        (
            String::from_utf8(good.clone())
                .unwrap()
                .replacen(&custody_no, "NG-99-999999", 1)
                .into_bytes(),
            "the bundle was altered after signing: its content no longer matches what was signed"
                .into(),
        ),
    ];
    let before = fingerprint(&d.b);
    for (bytes, reason) in cases {
        fs::write(&bad, &bytes).unwrap();
        let out = verify_with(&d, &bad, &key);
        assert_fails_matching(
            &out,
            &format!("sonar: {} does not verify: {reason}", bad.display()),
        );
        let out = d.run(
            &d.b,
            "sergeant",
            &[
                "import",
                bad.to_str().unwrap(),
                "--trust",
                key.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(1));
    }
    // A bundle that fails verification never reaches the database: its files are unchanged.
    assert_eq!(fingerprint(&d.b), before);
}

fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o077 != 0
}

/// Epilepsy medication that did not travel with a transferred prisoner is one of the failures
/// the product exists to stop: a time-critical medicine goes in the bundle and on the escort
/// summary, marked, with when it was last given and is next due, and without what it is for.
#[test]
fn time_critical_medication_travels_in_the_bundle_and_on_the_escort_summary() {
    let d = demo();
    let out = d.run(&d.a, "sergeant", &["list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&assert_success(&out)).unwrap();
    let wood = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["surname"] == "Wood")
        .unwrap()["custody_no"]
        .as_str()
        .unwrap()
        .to_string();
    let outdir = d.dir.path().join("wood");
    let out = d.run(
        &d.a,
        "sergeant",
        &[
            "export",
            &wood,
            "--destination",
            "prison",
            "--out",
            outdir.to_str().unwrap(),
        ],
    );
    assert_success(&out);
    let bundle: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(outdir.join(format!("{wood}.handover.json"))).unwrap(),
    )
    .unwrap();
    let statements: Vec<&serde_json::Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "MedicationStatement")
        .collect();
    assert_eq!(statements.len(), 1, "{statements:#?}");
    let m = statements[0];
    assert_eq!(m["medicationCodeableConcept"]["text"], "Levetiracetam");
    assert!(m["effectiveDateTime"].as_str().unwrap().ends_with('Z'));
    let notes = m["note"].to_string();
    assert!(
        notes.contains("next due") && notes.contains("Time-critical medicine"),
        "{notes}"
    );
    let text = bundle.to_string();
    assert!(
        !text.contains("\"Epilepsy\""),
        "what it is for stays in the suite"
    );

    let summary = fs::read_to_string(outdir.join(format!("{wood}.escort.txt"))).unwrap();
    assert!(
        summary.contains("TIME-CRITICAL: Levetiracetam 500 mg oral bd; last given"),
        "{summary}"
    );
    assert!(summary.lines().all(|l| l.chars().count() <= 80));

    // The receiving suite keeps the medication as information known from the sender.
    let key = d.dir.path().join("wood.jwk");
    assert_success(&d.run(
        &d.a,
        "sergeant",
        &["keys", "export-public", "--out", key.to_str().unwrap()],
    ));
    let bundle_path = outdir.join(format!("{wood}.handover.json"));
    let out = d.run(
        &d.b,
        "officer",
        &[
            "import",
            bundle_path.to_str().unwrap(),
            "--trust",
            key.to_str().unwrap(),
        ],
    );
    let imported = assert_success(&out);
    assert!(imported.contains("2 flags and 3 notes"), "{imported}");
}

#[test]
fn only_a_sergeant_hands_a_person_over_from_the_command_line_too() {
    let d = demo();
    let custody_no = d.first_custody_no_with_flags();
    let outdir = d.dir.path().join("refused");
    for user in ["officer", "hcp"] {
        let out = d.run(
            &d.a,
            user,
            &[
                "export",
                &custody_no,
                "--destination",
                "court",
                "--out",
                outdir.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{user}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("may not hand a person over (a custody sergeant does)"),
            "{user}: {stderr}"
        );
    }
    assert!(!outdir.exists(), "nothing was written");
}

/// Clinical sections leave the suite only with the person's consent: with it, NEWS2 travels
/// as LOINC-coded vital signs; without it, the section says it was withheld and holds nothing.
#[test]
fn scores_travel_only_with_consent_to_share() {
    use sonar_custody::store::Store;
    let d = demo();
    let custody_of = |surname: &str| -> (String, i64) {
        let store = Store::unlock(&d.a, "hcp", "demo", chrono::Utc::now())
            .unwrap()
            .store;
        let e = store
            .custody_list(false)
            .unwrap()
            .into_iter()
            .find(|e| e.surname == surname)
            .unwrap();
        (e.custody_no, e.detention_id)
    };
    let (obrien, obrien_id) = custody_of("O'Brien");
    let (davies, _) = custody_of("Davies");
    {
        let mut hcp = Store::unlock(&d.a, "hcp", "demo", chrono::Utc::now())
            .unwrap()
            .store;
        hcp.record_consent(
            obrien_id,
            "receiving_establishment",
            "consents",
            "",
            chrono::Utc::now(),
        )
        .unwrap();
        let referral = sonar_custody::store::clinical::NewReferral {
            kind: "liaison_diversion".into(),
            reason: "Head injury follow-up and alcohol advice on release".into(),
            phone: Some("07700 900123".into()),
            address: "12 Tyne Street".into(),
            postcode: Some("NE1 4ST".into()),
            ..Default::default()
        };
        hcp.add_referral(obrien_id, &referral, chrono::Utc::now())
            .unwrap();
    }
    let export = |custody_no: &str| -> serde_json::Value {
        let outdir = d.dir.path().join(custody_no);
        let out = d.run(
            &d.a,
            "sergeant",
            &[
                "export",
                custody_no,
                "--destination",
                "hospital",
                "--out",
                outdir.to_str().unwrap(),
            ],
        );
        assert_success(&out);
        serde_json::from_str(
            &fs::read_to_string(outdir.join(format!("{custody_no}.handover.json"))).unwrap(),
        )
        .unwrap()
    };
    let section = |bundle: &serde_json::Value, title: &str| -> serde_json::Value {
        bundle["entry"][0]["resource"]["section"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["title"] == title)
            .unwrap()
            .clone()
    };

    let shared = export(&obrien);
    let vitals = section(&shared, "Vital signs and scores");
    assert_eq!(vitals["entry"].as_array().unwrap().len(), 4, "{vitals}");
    let observations: Vec<&serde_json::Value> = shared["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "Observation")
        .collect();
    assert_eq!(observations.len(), 4);
    let text = serde_json::to_string(&observations).unwrap();
    for loinc in ["9279-1", "59408-5", "8480-6", "8867-4", "8310-5"] {
        assert!(text.contains(loinc), "{loinc} missing");
    }

    let referrals = section(&shared, "Referrals and appointments");
    assert_eq!(
        referrals["entry"].as_array().unwrap().len(),
        1,
        "{referrals}"
    );

    // The consented bundle, with Observations and a ServiceRequest, is valid FHIR R4 and its
    // signature verifies, by third-party code (the test script installs both packages).
    let key = d.dir.path().join("a.jwk");
    assert_success(&d.run(
        &d.a,
        "sergeant",
        &["keys", "export-public", "--out", key.to_str().unwrap()],
    ));
    let bundle_path = d
        .dir
        .path()
        .join(&obrien)
        .join(format!("{obrien}.handover.json"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_bundle.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&bundle_path)
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let withheld = export(&davies);
    let vitals = section(&withheld, "Vital signs and scores");
    assert_eq!(
        vitals["emptyReason"]["coding"][0]["code"], "withheld",
        "{vitals}"
    );
    assert!(
        vitals["text"]["div"]
            .as_str()
            .unwrap()
            .contains("no consent")
    );
    assert!(
        !withheld["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"]["resourceType"] == "Observation")
    );
}
