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
    // The HCP's fitness decision and its conditions travel for the escort; the clinical
    // reason behind it stays in the suite.
    assert!(
        summary.contains("HCP FITNESS DECISIONS\n  Fit to detain: yes (hcp ")
            && summary.contains("GCS and NEWS2 hourly; to hospital if"),
        "{summary}"
    );
    assert!(!summary.contains("no focal signs"), "{summary}");
    let document: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&bundle).unwrap()).unwrap();
    // The suite's signed checkpoint rides in the Composition, signed by the key the receiver
    // trusts, and is the one written beside the database at the export: the receiver can show
    // how much audit stood behind what it was sent.
    let carried = document["entry"][0]["resource"]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == sonar_custody::handover::checkpoint_extension())
        .expect("the checkpoint extension")["valueString"]
        .as_str()
        .unwrap()
        .to_string();
    let carried: sonar_custody::domain::checkpoint::Checkpoint =
        serde_json::from_str(&carried).unwrap();
    let trusted =
        sonar_custody::handover::keys::parse_public_keys(&fs::read_to_string(&key).unwrap())
            .unwrap();
    carried.verify(&trusted[0]).unwrap();
    let beside: sonar_custody::domain::checkpoint::Checkpoint =
        serde_json::from_str(&fs::read_to_string(d.a.with_extension("db.checkpoint")).unwrap())
            .unwrap();
    // Written as the bundle was signed; the checkpoint beside the database then follows with
    // the export's own audit row.
    assert_eq!(beside.body.counter, carried.body.counter + 1);
    assert_eq!(beside.body.audit.rows, carried.body.audit.rows + 1);
    assert_eq!(beside.body.kid, carried.body.kid);
    assert!(carried.body.audit.rows > 0 && carried.body.unresolved.is_empty());
    let episode = document["entry"][0]["resource"]["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Custody episode")
        .unwrap()["text"]["div"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        episode.contains(": fit to detain: yes (GCS and NEWS2 hourly"),
        "{episode}"
    );
    assert!(!episode.contains("no focal signs"), "{episode}");

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
    let printed = assert_success(&out);
    // Her anti-epileptic falls due within the journey: the export says so, as the screen does.
    assert!(
        printed.contains("Caution: ") && printed.contains("(time-critical) is due at"),
        "{printed}"
    );
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
            stderr
                .contains("may not hand a person over or release them: a custody sergeant does it"),
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
    // The vital-sign Observations (O'Brien's alcohol use is an Observation too, in Social
    // history).
    let in_vitals: Vec<&str> = vitals["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reference"].as_str().unwrap())
        .collect();
    let observations: Vec<&serde_json::Value> = shared["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| in_vitals.contains(&e["fullUrl"].as_str().unwrap_or("")))
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
    // No score or vital sign leaves without consent (Davies's alcohol use does: substance
    // use travels as risk to life, in Social history).
    let observations: Vec<String> = withheld["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Observation")
        .map(|e| e["resource"].to_string())
        .collect();
    for loinc in ["9279-1", "59408-5", "8480-6", "8867-4", "8310-5"] {
        assert!(
            !observations.iter().any(|o| o.contains(loinc)),
            "{loinc} left without consent"
        );
    }
    assert!(
        observations.iter().all(|o| o.contains("social-history")),
        "{observations:?}"
    );
}

/// Issue 6 part 6: referrals and appointments after release reach the receiving side with
/// the person's consent (the demo's Bennett and Taylor consented; Davies did not): the
/// bundle holds an Appointment and a ServiceRequest with the validated contact details, the
/// escort summary says a referral was made and when the appointment is (service and place
/// only in the sealed envelope), the incoming sergeant's sheet shows when, and the receiving
/// suite keeps them as known from the sender, for its HCPs only.
#[test]
fn referrals_and_appointments_travel_with_consent_and_only_to_those_who_may_see_them() {
    use sonar_custody::store::Store;
    use sonar_custody::store::clinical::NewAppointment;
    let d = demo();
    let now = chrono::Utc::now();
    let mut hcp = Store::unlock(&d.a, "hcp", "demo", now).unwrap().store;
    let people = hcp.in_custody().unwrap();
    let custody_of = |surname: &str| {
        let e = people.iter().find(|e| e.surname == surname).unwrap();
        (e.custody_no.clone(), e.detention_id)
    };
    let (bennett, bennett_id) = custody_of("Bennett");
    let (taylor, _) = custody_of("Taylor");
    let (davies, davies_id) = custody_of("Davies");
    // The demo booked Bennett's appointment through the store; Davies gets one here, with
    // no consent to share recorded.
    let booked = hcp.appointments(bennett_id).unwrap();
    assert_eq!(booked.len(), 1);
    let bennett_at = sonar_custody::domain::appointment::appointment_time(booked[0].at);
    hcp.book_appointment(
        davies_id,
        &NewAppointment {
            service: "Alcohol detox assessment".into(),
            at: now + chrono::Duration::days(4),
            place: "Royal Victoria Infirmary, Ward 19".into(),
        },
        now,
    )
    .unwrap();
    drop(hcp);

    // The incoming sergeant's sheet says when, never which service or where.
    let sheet = assert_success(&d.run(&d.a, "sergeant", &["handover-sheet"]));
    assert!(
        sheet.contains(&format!(
            "Appointment after release: {bennett_at} (details: ask the HCP)"
        )),
        "{sheet}"
    );
    assert!(!sheet.contains("Tyneside Recovery") && !sheet.contains("Ward 19"));
    assert!(sheet.lines().all(|l| l.chars().count() <= 80));

    let export = |custody_no: &str| -> (serde_json::Value, String, PathBuf) {
        let outdir = d.dir.path().join(custody_no);
        assert_success(&d.run(
            &d.a,
            "sergeant",
            &[
                "export",
                custody_no,
                "--destination",
                "release",
                "--out",
                outdir.to_str().unwrap(),
            ],
        ));
        let path = outdir.join(format!("{custody_no}.handover.json"));
        let bundle = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let escort = fs::read_to_string(outdir.join(format!("{custody_no}.escort.txt"))).unwrap();
        (bundle, escort, path)
    };
    let of_type = |bundle: &serde_json::Value, t: &str| -> Vec<serde_json::Value> {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"].clone())
            .filter(|r| r["resourceType"] == t)
            .collect()
    };
    let section = |bundle: &serde_json::Value| -> serde_json::Value {
        bundle["entry"][0]["resource"]["section"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["title"] == "Referrals and appointments")
            .unwrap()
            .clone()
    };

    // With consent: an Appointment for the patient, booked, with the same instants the store
    // holds (RFC 3339 to the second, as every bundle time), and the referral's contact details.
    let (shared, escort, bundle_path) = export(&bennett);
    let appointments = of_type(&shared, "Appointment");
    assert_eq!(appointments.len(), 1, "{appointments:#?}");
    let a = &appointments[0];
    assert_eq!(a["status"], "booked");
    assert_eq!(
        a["serviceType"][0]["text"],
        "Community drug and alcohol service (Tyneside Recovery)"
    );
    assert_eq!(a["start"], sonar_custody::store::timestamp(booked[0].at));
    assert_eq!(a["end"], a["start"]);
    let patient_urn = shared["entry"][1]["fullUrl"].clone();
    assert_eq!(a["participant"][0]["actor"]["reference"], patient_urn);
    assert_eq!(
        a["participant"][1]["actor"]["display"],
        "Plummer House, Market Street, Newcastle NE1 6NF"
    );
    let requests = of_type(&shared, "ServiceRequest");
    assert_eq!(requests.len(), 1);
    let note = requests[0]["note"][0]["text"].as_str().unwrap();
    assert!(
        note.contains("no fixed abode, reachable at Westgate hostel")
            && note.contains("phone 07700 900461"),
        "{note}"
    );
    assert_eq!(
        requests[0]["performerType"]["text"],
        "community drug and alcohol treatment service"
    );
    let s = section(&shared);
    assert_eq!(s["entry"].as_array().unwrap().len(), 2, "{s}");
    assert!(s.get("emptyReason").is_none());

    // The escort summary: that a referral was made and when the appointment is above the cut
    // line; which service, where and how to reach the person only in the sealed envelope.
    let (top, sealed) = escort.split_once("cut here").unwrap();
    assert!(top.contains("Referral made "), "{escort}");
    assert!(
        top.contains(&format!(
            "Appointment after release: {bennett_at} - tell the"
        )),
        "{escort}"
    );
    for detail in [
        "Tyneside Recovery",
        "Plummer House",
        "Westgate",
        "restart treatment",
    ] {
        assert!(
            !top.contains(detail),
            "{detail} above the cut line:\n{escort}"
        );
    }
    assert!(sealed.contains("Tyneside Recovery"), "{escort}");
    assert!(sealed.contains("Westgate hostel"), "{escort}");
    assert!(escort.lines().all(|l| l.chars().count() <= 80), "{escort}");

    // An address with a postcode travels as given, with the phone in its national form.
    let (taylor_bundle, _, _) = export(&taylor);
    let note = of_type(&taylor_bundle, "ServiceRequest")[0]["note"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        note.contains("Contact: 27 Shields Road, Newcastle NE6 1DL; phone 07700 900118."),
        "{note}"
    );
    assert_eq!(of_type(&taylor_bundle, "Appointment").len(), 1);

    // Valid FHIR R4(B) with the Appointment in it, and the signature verifies, by third-party
    // code.
    let key = d.dir.path().join("a.jwk");
    assert_success(&d.run(
        &d.a,
        "sergeant",
        &["keys", "export-public", "--out", key.to_str().unwrap()],
    ));
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

    // Without consent: nothing of them leaves, not even that they exist.
    let (withheld, escort, _) = export(&davies);
    assert!(of_type(&withheld, "Appointment").is_empty());
    assert!(!withheld.to_string().contains("Ward 19"));
    assert_eq!(
        section(&withheld)["emptyReason"]["coding"][0]["code"],
        "withheld"
    );
    let (top, _) = escort.split_once("cut here").unwrap();
    assert!(top.contains("Not shared: no consent"), "{escort}");
    assert!(!escort.contains("Ward 19") && !escort.contains("Appointment after release:"));

    // The receiving suite keeps them as known from the sender: HCPs read them, others not.
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
    assert_success(&out);
    let notes_for = |user: &str| {
        let store = Store::unlock(&d.b, user, "demo", chrono::Utc::now())
            .unwrap()
            .store;
        let person: i64 = store
            .conn_for_reports()
            .query_row(
                "SELECT person_id FROM handover_import ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        store.imported_notes(person).unwrap()
    };
    let theirs = notes_for("hcp");
    let appointment = theirs
        .iter()
        .find(|n| n.0 == "Appointment after release")
        .unwrap_or_else(|| panic!("{theirs:#?}"));
    assert!(
        appointment.1.contains(&bennett_at) && appointment.1.contains("Tyneside Recovery"),
        "{appointment:?}"
    );
    assert!(
        theirs
            .iter()
            .any(|n| n.0 == "Referral" && n.1.contains("Westgate"))
    );
    let sergeants = notes_for("sergeant");
    assert!(
        sergeants
            .iter()
            .all(|n| n.0 != "Appointment after release" && n.0 != "Referral"),
        "{sergeants:#?}"
    );
    assert!(
        !sergeants.is_empty(),
        "the care plan and episode notes stay"
    );

    // Booked in at the receiving suite, the record shows the appointment as known from the
    // sender: the words to an HCP, that one is known (and from where) to the sergeant.
    let mut sergeant = Store::unlock(&d.b, "sergeant", "demo", chrono::Utc::now())
        .unwrap()
        .store;
    let person: i64 = sergeant
        .conn_for_reports()
        .query_row(
            "SELECT person_id FROM handover_import ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let booked = sergeant
        .book_in(
            person,
            &sonar_custody::store::booking::Booking {
                arrived_at: chrono::Utc::now(),
                authorised_at: None,
                arresting_officer: "PC 1 Test".into(),
                reason: "Recall".into(),
                cell: "C20".into(),
                shared_cell_reason: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
    let record = sergeant
        .open_record(booked.detention_id, None, chrono::Utc::now())
        .unwrap()
        .unwrap();
    assert_eq!(record.known_appointments.len(), 1);
    assert_eq!(record.known_appointments[0].text, None);
    assert_eq!(
        record.known_appointments[0].source_suite,
        "Northgate Custody Suite (demo)"
    );
    let mut hcp = Store::unlock(&d.b, "hcp", "demo", chrono::Utc::now())
        .unwrap()
        .store;
    let record = hcp
        .open_record(booked.detention_id, None, chrono::Utc::now())
        .unwrap()
        .unwrap();
    let text = record.known_appointments[0].text.clone().unwrap();
    assert!(
        text.contains(&bennett_at) && text.contains("Plummer House"),
        "{text}"
    );
}
