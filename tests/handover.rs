//! Signed handover bundles through the library: export from a demo suite, verify, tamper,
//! re-serialise, import, and the read-only record after handover.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use proptest::prelude::*;
use serde_json::Value;
use sonar_custody::domain::record::{
    AllergySeverity, Fact, FactKind, MedicineSource, PregnancyStatus, Standing,
};
use sonar_custody::handover::export::{self, Handover};
use sonar_custody::handover::verify::{self, Trust};
use sonar_custody::handover::{Destination, HandoverError, build, import, keys};
use sonar_custody::store::custody::{self, NewFlag};
use sonar_custody::store::handover::ImportOutcome;
use sonar_custody::store::{Store, StoreError};

/// A demo suite (no historical people, for speed) in its own directory, with the custody
/// sergeant logged in: the sergeant hands people over and imports what arrives.
fn demo_suite(name: &str) -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::Builder::new()
        .prefix("sonar-handover-")
        .tempdir()
        .unwrap();
    let db = dir.path().join(name);
    drop(sonar_custody::demo::create(&db, 0, Utc::now(), &mut |_, _| {}).unwrap());
    let store = Store::unlock(&db, "sergeant", "demo", Utc::now())
        .unwrap()
        .store;
    (dir, db, store)
}

/// The person in custody whose record has the most in it: NHS number, PNC id, flags, a plan,
/// an HCP note (which must not leave the suite).
fn richest_person(store: &Store) -> (String, i64, Option<String>) {
    let mut best = None;
    let mut best_score = -1;
    for e in store.in_custody().unwrap() {
        let r = custody::record(store.conn_for_reports(), e.detention_id, true)
            .unwrap()
            .unwrap();
        let score = r.flags.len() as i64
            + 3 * i64::from(r.nhs_number.is_some())
            + 3 * i64::from(r.pnc_id.is_some())
            + 3 * i64::from(!r.hcp_contacts.is_empty())
            + 2 * i64::from(!r.plan_history.is_empty());
        if score > best_score {
            best_score = score;
            let note = r.hcp_contacts.first().and_then(|h| h.note.clone());
            best = Some((e.custody_no.clone(), e.detention_id, note));
        }
    }
    best.unwrap()
}

/// What the screen learned about the fixture's person (issue 11's journey): a severe
/// penicillin allergy, epilepsy, levetiracetam reported, 30 units of alcohol a day with the
/// last drink at 14:00, opioid use, not pregnant; and an ALG flag.
fn give_a_clinical_record(db: &Path, store: &mut Store, detention_id: i64) {
    let now = Utc::now();
    let mut hcp = Store::unlock(db, "hcp", "demo", now).unwrap().store;
    let facts = [
        Fact::Allergy {
            substance: "Penicillin".into(),
            reaction: "rash and facial swelling".into(),
            severity: AllergySeverity::Severe,
        },
        Fact::Condition {
            code: "epilepsy".into(),
            name: "Epilepsy".into(),
            detail: String::new(),
            last_seizure: "in the last week".into(),
            diabetes_type: String::new(),
        },
        Fact::ReportedMedicine {
            name: "Levetiracetam".into(),
            dose: "500 mg".into(),
            frequency: "twice daily".into(),
            last_taken: "08:00".into(),
            next_due: "20:00".into(),
            source: MedicineSource::SelfReport,
            verified: false,
        },
        Fact::Alcohol {
            units_per_day: Some(30),
            last_drink: "14:00".into(),
            withdrawal_history: Some(true),
        },
        Fact::Drug {
            substance: "Heroin or other opioids".into(),
            route: "smoked".into(),
            amount: "0.5 g".into(),
            last_used: "11:00".into(),
        },
        Fact::Pregnancy {
            status: PregnancyStatus::NotPregnant,
            details: String::new(),
        },
    ];
    for f in &facts {
        hcp.add_record_entry(detention_id, f, now).unwrap();
    }
    drop(hcp);
    let person_id =
        custody::custody_entries(store.conn_for_reports(), custody::Which::One(detention_id))
            .unwrap()[0]
            .person_id;
    store
        .write_raw(|tx| {
            custody::insert_flag(
                tx,
                &NewFlag {
                    person_id,
                    detention_id: Some(detention_id),
                    code: "ALG",
                    severity: "warning",
                    reason: "Has an allergy: see the details",
                    source: "test",
                    raised_by: "hcp",
                    raised_at: now,
                },
            )
        })
        .unwrap();
}

/// The fixture's person had an emergency 40 minutes before the export: the ambulance called,
/// taken to hospital, closed by the sergeant. So every check of the shared bundle (the
/// third-party FHIR validation and signature check too) covers it. (An open emergency as well
/// would take the escort summary past one A4 page; the screen and CLI tests cover open ones.)
fn give_an_emergency(db: &Path, detention_id: i64) {
    use sonar_custody::domain::emergency::{CallKind, CloseDraft, OutcomeKind};
    let now = Utc::now();
    let at = |m: i64| now - chrono::Duration::minutes(m);
    let mut sergeant = Store::unlock(db, "sergeant", "demo", now).unwrap().store;
    let first = sergeant
        .raise_emergency(detention_id, "Found slumped, not responding", "", at(40))
        .unwrap();
    sergeant
        .record_emergency_call(first, CallKind::Ambulance, "Sgt Okafor", at(39), at(39))
        .unwrap();
    sergeant
        .close_emergency(
            first,
            &CloseDraft {
                kind: OutcomeKind::TakenToHospital,
                outcome_at: at(20),
                note: "conveyed to LGI & back".into(),
            },
            at(19),
        )
        .unwrap();
}

/// One exported bundle shared by the tamper tests.
struct Fixture {
    bytes: Vec<u8>,
    bundle: Value,
    public: VerifyingKey,
    escort: String,
    hcp_note: Option<String>,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (dir, db, mut store) = demo_suite("a.db");
        let (custody_no, detention_id, hcp_note) = richest_person(&store);
        give_a_clinical_record(&db, &mut store, detention_id);
        give_an_emergency(&db, detention_id);
        let out = dir.path().join("out");
        let written = export::export(
            &mut store,
            &Handover {
                custody_no: &custody_no,
                destination: Destination::Prison,
                receiving_org: "HMP Northtown",
                receiving_officer: "PO Jane Hill 4471",
            },
            &out,
            Utc::now(),
        )
        .unwrap();
        let bytes = std::fs::read(&written.bundle_path).unwrap();
        let escort = std::fs::read_to_string(&written.escort_path).unwrap();
        let public = store.public_keys().unwrap()[0].key;
        Fixture {
            bundle: serde_json::from_slice(&bytes).unwrap(),
            bytes,
            public,
            escort,
            hcp_note,
            _dir: dir,
        }
    })
}

fn trust() -> Trust {
    Trust::new([fixture().public])
}

fn verify_value(v: &Value) -> Result<verify::Verified, HandoverError> {
    verify::verify(serde_json::to_string(v).unwrap().as_bytes(), &trust())
}

#[test]
fn an_exported_bundle_is_a_signed_fhir_document() {
    let f = fixture();
    let v = verify::verify(&f.bytes, &trust()).unwrap();
    assert_eq!(v.kid, keys::kid_of(&f.public));
    assert_eq!(v.signer, sonar_custody::demo::DEMO_SUITE);
    assert_eq!(v.destination, "prison");
    assert_eq!(v.receiving_org.as_deref(), Some("HMP Northtown"));

    let b = &f.bundle;
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "document");
    assert!(b["identifier"]["system"].is_string() && b["identifier"]["value"].is_string());
    let entries = b["entry"].as_array().unwrap();
    let composition = &entries[0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(composition["type"]["coding"][0]["code"], "60591-5");
    assert!(composition["attester"][0]["party"]["reference"].is_string());
    assert!(composition["custodian"]["reference"].is_string());
    for e in entries {
        assert!(e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
    }
    let patient = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")
        .unwrap();
    let systems: Vec<&str> = patient["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["system"].as_str().unwrap())
        .collect();
    assert!(systems.contains(&"https://fhir.nhs.uk/Id/nhs-number"));
    assert!(systems.iter().any(|s| s.ends_with("/Id/pnc-id")));
    // Every section has narrative; empty ones say why; the IPS's required three are there.
    let sections = composition["section"].as_array().unwrap();
    let codes: Vec<&str> = sections
        .iter()
        .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    for required in ["10160-0", "48765-2", "11450-4", "104605-1", "18776-5"] {
        assert!(codes.contains(&required), "section {required} missing");
    }
    for s in sections {
        assert!(s["text"]["div"].as_str().unwrap().starts_with("<div xmlns"));
        assert!(
            s.get("entry").is_some() != s.get("emptyReason").is_some(),
            "section {} must have entries or an emptyReason",
            s["title"]
        );
    }
    let alerts = sections
        .iter()
        .find(|s| s["code"]["coding"][0]["code"] == "104605-1")
        .unwrap();
    assert!(!alerts["entry"].as_array().unwrap().is_empty());
    assert_eq!(b["signature"]["sigFormat"], "application/jose");
    // The HCP's clinical note never leaves the suite.
    let note = f
        .hcp_note
        .as_deref()
        .expect("the chosen person has an HCP note");
    let text = String::from_utf8_lossy(&f.bytes);
    assert!(!text.contains(note), "the HCP note leaked into the bundle");
    assert!(
        !f.escort.contains(note),
        "the HCP note leaked into the escort summary"
    );
}

#[test]
fn the_escort_summary_fits_80_columns_and_separates_the_sealed_part() {
    let f = fixture();
    for line in f.escort.lines() {
        assert!(line.chars().count() <= 80, "line too long: {line:?}");
    }
    let (open, sealed) = f.escort.split_once("cut here").unwrap();
    assert!(open.contains("RISK FLAGS") && open.contains("OBSERVATION"));
    assert!(sealed.contains("SEALED ENVELOPE"));
    // Above the cut: which bundle carries the handover and, as this suite has not joined a
    // national record, that the bundle file must travel with the page.
    let words = open.split_whitespace().collect::<Vec<_>>().join(" ");
    let bundle_id = f.bundle["identifier"]["value"].as_str().unwrap();
    assert!(
        words.contains(&format!(
            "Bundle {bundle_id}, signed (`sonar verify`). This suite has not joined a national \
             record: the bundle file must go with this page."
        )),
        "{words}"
    );
    // A4 is 297 mm: 70 lines at 6 lines to the inch (66 is US Letter's 11 inches). The
    // fixture carries an emergency, four flags and the pre-release risk assessment.
    assert!(
        f.escort.lines().count() <= 70,
        "more than one A4 page:\n{}",
        f.escort
    );
}

/// Every leaf of `v` with its JSON pointer.
fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            leaves(
                c,
                format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                out,
            )
        }),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, c)| leaves(c, format!("{path}/{i}"), out)),
        _ => out.push(path),
    }
}

fn altered(leaf: &Value) -> Value {
    match leaf {
        Value::String(s) => Value::String(format!("{s}x")),
        Value::Number(n) => Value::from(n.as_i64().unwrap_or(0) + 1),
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => Value::Bool(true),
        other => other.clone(),
    }
}

#[test]
fn changing_any_single_field_fails_with_the_right_reason() {
    let f = fixture();
    let mut paths = Vec::new();
    leaves(&f.bundle, String::new(), &mut paths);
    assert!(paths.len() > 100);
    for p in paths {
        let mut b = f.bundle.clone();
        let leaf = b.pointer_mut(&p).unwrap();
        *leaf = altered(leaf);
        let Err(err) = verify_value(&b) else {
            panic!("{p}: the altered bundle verified");
        };
        let right = if p.starts_with("/signature/data") {
            matches!(err, HandoverError::MalformedSignature(_))
        } else if p.starts_with("/signature") {
            matches!(err, HandoverError::SignatureBlockAltered(_))
        } else {
            matches!(
                err,
                HandoverError::Altered | HandoverError::NotFhirDocument(_)
            )
        };
        assert!(right, "{p}: wrong reason {err}");
    }
    // Adding or removing a field is detected too.
    let mut b = f.bundle.clone();
    b["entry"][1]["resource"]["active"] = Value::Bool(true);
    assert_eq!(verify_value(&b).unwrap_err(), HandoverError::Altered);
    let mut b = f.bundle.clone();
    b["entry"][1]["resource"]
        .as_object_mut()
        .unwrap()
        .remove("birthDate");
    assert_eq!(verify_value(&b).unwrap_err(), HandoverError::Altered);
}

#[test]
fn reordering_entries_is_detected() {
    let f = fixture();
    let mut b = f.bundle.clone();
    b["entry"].as_array_mut().unwrap().swap(1, 2);
    assert_eq!(verify_value(&b).unwrap_err(), HandoverError::Altered);
    let mut b = f.bundle.clone();
    b["entry"].as_array_mut().unwrap().swap(0, 1);
    assert_eq!(
        verify_value(&b).unwrap_err(),
        HandoverError::NotFhirDocument("the first entry is not the Composition".into())
    );
}

fn resigned(bundle: &Value, key: &SigningKey, kid: &str) -> Value {
    let mut b = bundle.clone();
    b.as_object_mut().unwrap().remove("signature");
    build::sign(&mut b, key, kid).unwrap();
    b
}

#[test]
fn a_swapped_key_is_unknown_and_a_forged_kid_is_a_bad_signature() {
    let f = fixture();
    let other = SigningKey::from_bytes(&[42u8; 32]);
    let other_kid = keys::kid_of(&other.verifying_key());
    let b = resigned(&f.bundle, &other, &other_kid);
    assert_eq!(
        verify_value(&b).unwrap_err(),
        HandoverError::UnknownKey(other_kid)
    );
    let real_kid = keys::kid_of(&f.public);
    let b = resigned(&f.bundle, &other, &real_kid);
    assert_eq!(
        verify_value(&b).unwrap_err(),
        HandoverError::BadSignature(real_kid)
    );
    // Signed by the other key and trusted: it verifies (the key is what was swapped).
    let b = resigned(&f.bundle, &other, &keys::kid_of(&other.verifying_key()));
    let both = Trust::new([f.public, other.verifying_key()]);
    verify::verify(serde_json::to_string(&b).unwrap().as_bytes(), &both).unwrap();
}

#[test]
fn truncated_random_and_wrong_type_files_fail_with_their_reason() {
    let f = fixture();
    for cut in [1, f.bytes.len() / 3, f.bytes.len() / 2, f.bytes.len() - 3] {
        let err = verify::verify(&f.bytes[..cut], &trust()).unwrap_err();
        assert!(
            matches!(err, HandoverError::Truncated(_)),
            "cut {cut}: {err}"
        );
    }
    assert_eq!(
        verify::verify(b"", &trust()).unwrap_err(),
        HandoverError::Empty
    );
    let mut state = 0x2545F4914F6CDD1Du64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut random = random;
    random[0] = 0xC3; // not a JSON start byte
    assert!(matches!(
        verify::verify(&random, &trust()).unwrap_err(),
        HandoverError::NotJson(_)
    ));
    for (text, kind) in [
        ("[1,2]", "an array"),
        ("\"bundle\"", "a string"),
        ("42", "a number"),
        ("null", "null"),
    ] {
        assert_eq!(
            verify::verify(text.as_bytes(), &trust()).unwrap_err(),
            HandoverError::WrongJsonType(kind)
        );
    }
    let twice = br#"{"resourceType":"Bundle","type":"document","type":"collection"}"#;
    assert!(
        matches!(verify::verify(twice, &trust()).unwrap_err(), HandoverError::Ambiguous(m) if m.contains("`type` appears twice"))
    );
    let patient = br#"{"resourceType":"Patient"}"#;
    assert_eq!(
        verify::verify(patient, &trust()).unwrap_err(),
        HandoverError::NotFhirDocument("it is a Patient, not a Bundle".into())
    );
    let mut unsigned = f.bundle.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    assert_eq!(
        verify_value(&unsigned).unwrap_err(),
        HandoverError::Unsigned
    );
}

/// JSON text with keys in reverse order and odd whitespace.
fn reserialise(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push_str("{\n\t ");
            let mut first = true;
            for (k, c) in m.iter().rev() {
                if !first {
                    out.push_str(" ,\r\n");
                }
                first = false;
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str("  :\t");
                reserialise(c, out);
            }
            out.push_str("\n}");
        }
        Value::Array(a) => {
            out.push_str("[ ");
            for (i, c) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                reserialise(c, out);
            }
            out.push_str(" ]");
        }
        Value::String(s) => {
            // Escape every non-ASCII character: another valid spelling of the same string.
            out.push('"');
            for c in serde_json::to_string(s).unwrap().trim_matches('"').chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
            }
            out.push('"');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[test]
fn the_same_bundle_reserialised_still_verifies() {
    let f = fixture();
    let mut text = String::new();
    reserialise(&f.bundle, &mut text);
    assert_ne!(text.as_bytes(), &f.bytes[..]);
    let a = verify::verify(text.as_bytes(), &trust()).unwrap();
    let b = verify::verify(&f.bytes, &trust()).unwrap();
    assert_eq!(a.payload_sha256, b.payload_sha256);
    let compact = serde_json::to_vec(&f.bundle).unwrap();
    verify::verify(&compact, &trust()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Any single-byte edit either fails verification or leaves the same JSON (an edit of
    /// insignificant whitespace): never a different bundle that verifies.
    #[test]
    fn single_byte_edits_never_verify_as_a_different_bundle(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let f = fixture();
        let mut bytes = f.bytes.clone();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        if verify::verify(&bytes, &trust()).is_ok() {
            let edited: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(edited, f.bundle.clone());
        }
    }
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_handed_over_record_is_read_only_and_import_is_once_only() {
    let (dir, _db, mut store) = demo_suite("a.db");
    let (custody_no, detention_id, _) = richest_person(&store);
    let now = Utc::now();
    let h = Handover {
        custody_no: &custody_no,
        destination: Destination::Prison,
        receiving_org: "HMP Northtown",
        receiving_officer: "",
    };
    let written = export::export(&mut store, &h, &dir.path().join("out"), now).unwrap();
    // The detention is closed with its destination, and nothing more can be written to it.
    let entry =
        custody::custody_entries(store.conn_for_reports(), custody::Which::One(detention_id))
            .unwrap()
            .remove(0);
    assert!(entry.closed_at.is_some());
    let person_id = entry.person_id;
    let refused = store
        .write_raw(|tx| {
            custody::insert_flag(
                tx,
                &NewFlag {
                    person_id,
                    detention_id: Some(detention_id),
                    code: "SH",
                    severity: "alert",
                    reason: "late note",
                    source: "test",
                    raised_by: "admin",
                    raised_at: now,
                },
            )
        })
        .unwrap_err();
    assert!(
        matches!(&refused, StoreError::Invalid(s) if s.starts_with("this detention was handed over with a signed bundle")),
        "{refused}"
    );
    let refused = store
        .write_raw(|tx| custody::insert_check(tx, detention_id, now, "officer", Some(true), "ok"))
        .unwrap_err();
    assert!(matches!(refused, StoreError::Invalid(_)));
    let again = export::export(&mut store, &h, &dir.path().join("again"), now).unwrap_err();
    assert!(again.to_string().contains("already handed over"), "{again}");
    assert!(
        !dir.path()
            .join("again")
            .join(written.bundle_path.file_name().unwrap())
            .exists()
    );

    // Import into a second suite: the person and flags arrive once.
    let (_dir2, _db2, mut other) = demo_suite("b.db");
    let trust = Trust::new(store.public_keys().unwrap().into_iter().map(|k| k.key));
    let v = verify::verify(&std::fs::read(&written.bundle_path).unwrap(), &trust).unwrap();
    let plan = import::plan(&v);
    assert!(!plan.flags.is_empty());
    assert!(
        plan.provenance()
            .starts_with("known from Northgate Custody Suite (demo), ")
    );
    let flags_before = other.count_rows("flag").unwrap();
    let later = at("2030-01-01T00:00:00Z");
    match other.import_bundle(&plan, later).unwrap() {
        ImportOutcome::Imported { flags, .. } => assert_eq!(flags, plan.flags.len()),
        o => panic!("{o:?}"),
    }
    let flags_after = other.count_rows("flag").unwrap();
    assert_eq!(flags_after - flags_before, plan.flags.len() as i64);
    let persons = other.count_rows("person").unwrap();
    assert!(matches!(
        other.import_bundle(&plan, later).unwrap(),
        ImportOutcome::AlreadyImported { .. }
    ));
    assert_eq!(other.count_rows("flag").unwrap(), flags_after);
    assert_eq!(other.count_rows("person").unwrap(), persons);
}

#[test]
fn bundles_signed_before_a_key_rotation_still_verify_with_the_suites_keys() {
    let (dir, db, mut store) = demo_suite("a.db");
    let (custody_no, _, _) = richest_person(&store);
    let written = export::export(
        &mut store,
        &Handover {
            custody_no: &custody_no,
            destination: Destination::Court,
            receiving_org: "",
            receiving_officer: "",
        },
        &dir.path().join("out"),
        Utc::now(),
    )
    .unwrap();
    let old_kid = written.prepared.draft.kid.clone();
    // The administrator manages the suite's keys.
    let new_kid = Store::unlock(&db, "admin", "demo", Utc::now())
        .unwrap()
        .store
        .rotate_signing_key(Utc::now())
        .unwrap();
    assert_ne!(old_kid, new_kid);
    let keys = store.public_keys().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .any(|k| k.kid == old_kid && k.retired_at.is_some())
    );
    let trust = Trust::new(keys.into_iter().map(|k| k.key));
    verify::verify(&std::fs::read(&written.bundle_path).unwrap(), &trust).unwrap();
    assert_eq!(store.signing_key(Utc::now()).unwrap().1, new_kid);
}

/// The third-party checks (tests/interop/check_bundle.py): FHIR validation with the
/// `fhir.resources` models and the signature with Python's `cryptography`. `scripts/test`
/// (the README's test command) installs both; without them this fails rather than skips, since
/// a skipped independent check would pass for the wrong reason.
#[test]
fn third_party_fhir_validation_and_signature_check() {
    let available = std::process::Command::new("python3")
        .args(["-c", "import fhir.resources.R4B.bundle, cryptography"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        available,
        "python3 with fhir.resources and cryptography is needed: run the tests with `bash scripts/test`, which installs them"
    );
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let jwk = dir.path().join("suite.jwk");
    std::fs::write(&jwk, keys::public_jwk(&f.public).to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_bundle.py");
    let run = |bundle: &[u8]| {
        let path = dir.path().join("bundle.json");
        std::fs::write(&path, bundle).unwrap();
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&path)
            .arg(&jwk)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, text) = run(&f.bytes);
    assert!(
        ok,
        "the exported bundle failed the third-party checks: {text}"
    );
    // The checks can fail: an altered bundle fails the signature, an invalid one FHIR.
    let mut b = f.bundle.clone();
    b["entry"][1]["resource"]["birthDate"] = Value::String("1999-01-01".into());
    let (ok, text) = run(serde_json::to_string(&b).unwrap().as_bytes());
    assert!(!ok && text.contains("signature check failed"), "{text}");
    let mut b = f.bundle.clone();
    b["entry"][1]["resource"]["birthDate"] = Value::String("19/01/1979".into());
    let (ok, text) = run(serde_json::to_string(&b).unwrap().as_bytes());
    assert!(!ok && text.contains("FHIR validation failed"), "{text}");
}

#[test]
fn an_import_is_all_or_nothing_and_old_databases_get_a_key_on_first_need() {
    let f = fixture();
    let (_dir, _db, mut store) = demo_suite("c.db");
    let v = verify::verify(&f.bytes, &trust()).unwrap();
    let mut plan = import::plan(&v);
    assert!(!plan.flags.is_empty());
    // A flag without a reason is refused by the store half-way through the import: nothing
    // of the import may remain.
    plan.flags.push(import::ImportedFlag {
        code: "SH".into(),
        severity: "alert".into(),
        reason: " ".into(),
    });
    let counts = |s: &Store| {
        ["person", "flag", "handover_import", "imported_note"].map(|t| s.count_rows(t).unwrap())
    };
    let before = counts(&store);
    assert!(store.import_bundle(&plan, Utc::now()).is_err());
    assert_eq!(counts(&store), before);

    // A database made before signing keys existed gets one when first needed.
    store
        .conn_for_reports()
        .execute("DELETE FROM signing_key", [])
        .unwrap();
    assert!(store.public_keys().unwrap().is_empty());
    let (key, kid) = store.signing_key(Utc::now()).unwrap();
    assert_eq!(kid, keys::kid_of(&key.verifying_key()));
    assert_eq!(store.signing_key(Utc::now()).unwrap().1, kid);
    assert_eq!(store.public_keys().unwrap().len(), 1);
}

fn resources<'a>(bundle: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(move |r| r["resourceType"] == kind)
}

fn coded(concept: &Value, system: &str, code: &str) -> bool {
    concept["coding"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["system"] == system && c["code"] == code))
}

/// Issue 11: what the screen learned reaches the bundle (IPS resources, coded from the cited
/// code list), the escort summary (allergies and conditions above the cut line), and, through
/// import, the receiving suite's record as known from the sender.
#[test]
fn the_clinical_record_travels_in_the_bundle_the_escort_summary_and_the_import() {
    let f = fixture();
    let b = &f.bundle;
    const SCT: &str = "http://snomed.info/sct";
    let allergy = resources(b, "AllergyIntolerance")
        .find(|r| r["code"]["text"] == "Penicillin")
        .expect("a penicillin AllergyIntolerance");
    assert!(coded(&allergy["code"], SCT, "764146007"), "{allergy}");
    assert_eq!(allergy["reaction"][0]["severity"], "severe");
    assert_eq!(
        allergy["reaction"][0]["manifestation"][0]["text"],
        "rash and facial swelling"
    );
    assert_eq!(allergy["clinicalStatus"]["coding"][0]["code"], "active");
    let epilepsy = resources(b, "Condition")
        .find(|r| coded(&r["code"], SCT, "84757009"))
        .expect("an epilepsy Condition coded 84757009");
    assert!(
        epilepsy
            .to_string()
            .contains("Last seizure: in the last week")
    );
    let reported = resources(b, "MedicationStatement")
        .find(|r| r["medicationCodeableConcept"]["text"] == "Levetiracetam")
        .expect("the reported levetiracetam");
    assert_eq!(reported["status"], "unknown");
    assert!(
        reported
            .to_string()
            .contains("reported by the person, not verified")
    );
    let alcohol = resources(b, "Observation")
        .find(|r| r["code"]["coding"][0]["code"] == "alcohol-units-per-day")
        .expect("the alcohol Observation");
    assert_eq!(alcohol["valueQuantity"]["value"], 30);
    assert!(alcohol["valueQuantity"]["value"].is_u64());
    assert!(alcohol.to_string().contains("14:00"));
    let drug = resources(b, "Observation")
        .find(|r| coded(&r["code"], "http://loinc.org", "11343-1"))
        .expect("the drug use Observation");
    assert_eq!(
        drug["valueCodeableConcept"]["text"],
        "Heroin or other opioids"
    );
    let pregnancy = resources(b, "Observation")
        .find(|r| coded(&r["code"], "http://loinc.org", "82810-3"))
        .expect("the pregnancy status Observation");
    assert!(coded(&pregnancy["valueCodeableConcept"], SCT, "60001007"));
    // Flagged ALG with an allergy recorded: never "holds no allergy record".
    let text = String::from_utf8_lossy(&f.bytes);
    assert!(text.contains("\"code\":\"ALG\"") || text.contains("\"code\": \"ALG\""));
    assert!(
        !text.contains("holds no allergy record"),
        "the allergy section says unavailable"
    );

    // The escort summary: allergies and conditions above the cut line, details below.
    let cut = f.escort.find("cut here").unwrap();
    let (top, sealed) = f.escort.split_at(cut);
    assert!(
        top.contains("ALLERGY: Penicillin (rash and facial swelling, severe)"),
        "{top}"
    );
    assert!(top.contains("CONDITION: Epilepsy"), "{top}");
    assert!(
        sealed.contains("30 units a day, last drink 14:00"),
        "{sealed}"
    );
    assert!(
        sealed.contains("Levetiracetam 500 mg twice daily"),
        "{sealed}"
    );
    assert!(sealed.contains("self-report, unverified"), "{sealed}");
    assert!(sealed.contains("Heroin or other opioids"), "{sealed}");
    assert!(!f.escort.contains("Not seen by a healthcare practitioner"));
    assert!(f.escort.lines().all(|l| l.chars().count() <= 80));

    // Import into a second suite: the person's record has them, known from the sender.
    let (_dir, db2, mut other) = demo_suite("record.db");
    let v = verify::verify(&f.bytes, &trust()).unwrap();
    let plan = import::plan(&v);
    assert!(plan.entries.len() >= 6, "{:?}", plan.entries);
    let now = Utc::now();
    let person_id = match other.import_bundle(&plan, now).unwrap() {
        ImportOutcome::Imported { person_id, .. } => person_id,
        o => panic!("{o:?}"),
    };
    let entries = other.count_rows("record_entry").unwrap();
    assert!(matches!(
        other.import_bundle(&plan, now).unwrap(),
        ImportOutcome::AlreadyImported { .. }
    ));
    assert_eq!(other.count_rows("record_entry").unwrap(), entries);
    let detention_id = other
        .write_raw(|tx| {
            custody::insert_detention(
                tx,
                &custody::NewDetention {
                    person_id,
                    custody_no: "99-000001".into(),
                    arrived_at: now,
                    authorised_at: None,
                    arresting_officer: "PC 1".into(),
                    reason: "test".into(),
                    cell: "C9".into(),
                    closed_at: None,
                    destination: None,
                    ready_for_transfer: false,
                },
            )
        })
        .unwrap();
    drop(other);
    let sergeant = Store::unlock(&db2, "sergeant", "demo", now).unwrap().store;
    let record = sergeant.clinical_record(detention_id).unwrap();
    let known_from = |kind: FactKind, word: &str| {
        record.entries.iter().any(|e| {
            e.fact.kind() == kind
                && e.fact.headline().contains(word)
                && e.standing == Standing::Known
                && e.origin
                    .describe()
                    .starts_with("Northgate Custody Suite (demo), ")
        })
    };
    assert!(known_from(FactKind::Allergy, "Penicillin"), "{record:#?}");
    assert!(known_from(FactKind::Condition, "Epilepsy"), "{record:#?}");
    assert!(
        known_from(FactKind::ReportedMedicine, "Levetiracetam"),
        "{record:#?}"
    );
    assert!(known_from(FactKind::Alcohol, "30 units"), "{record:#?}");
    assert!(
        record
            .allergy_line()
            .contains("[known from Northgate Custody Suite (demo), ")
    );
    assert!(record.board_markers().contains(&"ALLERGY".to_string()));
}

#[test]
fn emergencies_travel_in_the_escort_summary_the_bundle_and_the_import() {
    let f = fixture();
    // The escort summary, above the cut line: each emergency, its timeline and how it ended.
    let cut = f.escort.find("cut here").unwrap();
    let top = &f.escort[..cut];
    let section = top
        .find("EMERGENCIES IN THIS CUSTODY (tell the receiving officer)")
        .unwrap_or_else(|| panic!("no emergencies above the cut line:\n{top}"));
    // Words wrap at 80 columns: read the section as running text.
    let after = top[section..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "opened by sergeant (raised by hand): Found slumped, not responding. Then:",
        "999 / ambulance called by Sgt Okafor;",
        "Taken to hospital: conveyed to LGI & back;",
        "closed by sergeant.",
    ] {
        assert!(after.contains(needle), "{needle:?}:\n{top}");
    }
    assert!(
        top.find("EMERGENCIES IN THIS CUSTODY").unwrap() < top.find("RISK FLAGS").unwrap(),
        "emergencies come before the flags:\n{top}"
    );
    assert!(f.escort.lines().all(|l| l.chars().count() <= 80));

    // The bundle: one Flag each, in the custody episode section, with the whole lifecycle.
    let flags: Vec<&Value> = resources(&f.bundle, "Flag")
        .filter(|r| {
            r["code"]["coding"][0]["system"]
                .as_str()
                .is_some_and(|s| s.ends_with("/CodeSystem/emergency-cause"))
        })
        .collect();
    assert_eq!(flags.len(), 1, "{flags:#?}");
    let closed = flags[0];
    assert_eq!(closed["status"], "inactive");
    assert_eq!(closed["code"]["coding"][0]["code"], "raised_by_hand");
    assert!(closed["period"]["start"].is_string() && closed["period"]["end"].is_string());
    let closed_text = closed.to_string();
    for needle in [
        "Found slumped, not responding",
        "\"valueCode\":\"ambulance\"",
        "Sgt Okafor",
        "\"code\":\"taken_to_hospital\"",
        "conveyed to LGI & back",
        "\"url\":\"closedBy\",\"valueString\":\"sergeant\"",
    ] {
        assert!(closed_text.contains(needle), "{needle}: {closed_text}");
    }
    assert!(
        closed["text"]["div"]
            .as_str()
            .unwrap()
            .contains("Taken to hospital: conveyed to LGI &amp; back"),
        "{closed}"
    );
    let sections = f.bundle["entry"][0]["resource"]["section"]
        .as_array()
        .unwrap();
    let episode = sections
        .iter()
        .find(|s| s["title"] == "Custody episode")
        .unwrap();
    let refs: Vec<&str> = episode["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reference"].as_str().unwrap())
        .collect();
    let urls: Vec<&str> = f.bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Flag")
        .filter(|e| e["resource"]["code"]["coding"][0]["code"] == "raised_by_hand")
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert!(urls.iter().all(|u| refs.contains(u)), "{refs:?} {urls:?}");
    assert!(
        episode["text"]["div"]
            .as_str()
            .unwrap()
            .contains("Found slumped, not responding; closed")
    );

    // The import keeps each as a note known from the sender, never as a live risk flag; the
    // next booking-in sees it on the banner, for a detention officer too.
    let v = verify::verify(&f.bytes, &trust()).unwrap();
    let plan = import::plan(&v);
    let notes: Vec<&(String, String)> = plan
        .notes
        .iter()
        .filter(|(kind, _)| kind == import::EMERGENCY_NOTE)
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", plan.notes);
    assert!(
        notes[0]
            .1
            .contains("Taken to hospital: conveyed to LGI & back"),
        "{notes:?}"
    );
    assert!(plan.flags.iter().all(|f| f.code != "raised_by_hand"));
    let (_dir, db2, mut other) = demo_suite("emergency.db");
    let now = Utc::now();
    let person_id = match other.import_bundle(&plan, now).unwrap() {
        ImportOutcome::Imported { person_id, .. } => person_id,
        o => panic!("{o:?}"),
    };
    let detention_id = other
        .write_raw(|tx| {
            custody::insert_detention(
                tx,
                &custody::NewDetention {
                    person_id,
                    custody_no: "99-000002".into(),
                    arrived_at: now,
                    authorised_at: None,
                    arresting_officer: "PC 1".into(),
                    reason: "test".into(),
                    cell: "C9".into(),
                    closed_at: None,
                    destination: None,
                    ready_for_transfer: false,
                },
            )
        })
        .unwrap();
    drop(other);
    let officer = Store::unlock(&db2, "officer", "demo", now).unwrap().store;
    let record = officer.clinical_record(detention_id).unwrap();
    let known: Vec<&str> = record
        .known
        .iter()
        .filter(|k| k.summary.starts_with("Emergency in previous custody: "))
        .map(|k| k.summary.as_str())
        .collect();
    assert_eq!(known.len(), 1, "{:#?}", record.known);
    assert!(
        known.iter().any(|k| k.contains("taken to hospital")),
        "{known:?}"
    );
    assert!(
        record.board_markers().iter().any(|m| m.contains("EMERG!")),
        "{:?}",
        record.board_markers()
    );
}
