//! The demo's awaited appropriate adult and interpreters followed out through the real binary:
//! `sonar list --json` and `sonar record [--json]` carry `appropriate_adult` and `interpreter`
//! (null when not needed); the handover bundle of the juvenile whose appropriate adult has not
//! come carries the need in its Encounter and custody episode, passes the third-party FHIR and
//! signature checks, and the receiving side's import keeps it as a note known from the sender;
//! the escort summary says it beside the name.

mod common;

use common::DemoCli as Env;

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde_json::Value;
use sonar_custody::handover::verify::{self, Trust};
use sonar_custody::handover::{import, support};
use sonar_custody::store::Store;

fn row<'a>(list: &'a Value, surname: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["surname"] == surname)
        .unwrap_or_else(|| panic!("{surname} is not listed"))
}

fn is_utc(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|t| t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok())
}

#[test]
fn list_record_bundle_escort_and_import_carry_the_appropriate_adult_and_interpreter() {
    let env = Env::new(20);
    let list = env.json("officer", &["list", "--json"]);

    // The juvenile's appropriate adult: asked for about 45 minutes ago, not here.
    let walker = row(&list, "Walker");
    let aa = &walker["appropriate_adult"];
    assert_eq!(aa["need"], "under_18", "{aa}");
    assert_eq!(aa["status"], "requested", "{aa}");
    assert!(is_utc(&aa["requested_at"]), "{aa}");
    assert!(aa["arrived_at"].is_null(), "{aa}");
    let waited = aa["waited_minutes"].as_i64().unwrap();
    assert!((45..=46).contains(&waited), "{aa}");
    assert!(
        aa["reason"].as_str().unwrap().starts_with("under 18"),
        "{aa}"
    );
    assert!(walker["interpreter"].is_null(), "{walker}");

    // Interpreters: one awaited, one here.
    let popescu = &row(&list, "Popescu")["interpreter"];
    assert_eq!(popescu["language"], "Romanian", "{popescu}");
    assert_eq!(popescu["status"], "requested", "{popescu}");
    let kowalski = &row(&list, "Kowalski")["interpreter"];
    assert_eq!(kowalski["status"], "arrived", "{kowalski}");
    assert!(is_utc(&kowalski["arrived_at"]), "{kowalski}");
    assert!(kowalski["waited_minutes"].is_null(), "{kowalski}");
    // Nobody else needs either: both keys are there, null.
    let hughes = row(&list, "Hughes");
    assert!(hughes["appropriate_adult"].is_null() && hughes["interpreter"].is_null());

    // `sonar record`: the same objects, and a line each in the text.
    let custody_no = walker["custody_no"].as_str().unwrap().to_string();
    let record = env.json("sergeant", &["record", &custody_no, "--json"]);
    assert_eq!(record["appropriate_adult"]["status"], "requested");
    assert_eq!(
        record["appropriate_adult"]["requested_at"],
        aa["requested_at"]
    );
    assert!(record["interpreter"].is_null());
    let text = String::from_utf8(env.run_ok("officer", &["record", &custody_no]).stdout).unwrap();
    assert!(
        text.contains("Appropriate adult: needed ")
            && text.contains(" by officer: under 18 (aged 16; mother asked to come); requested "),
        "{text}"
    );
    assert!(
        text.contains("requested") && text.contains("waiting 4"),
        "{text}"
    );

    // The handover: the need travels in the Encounter and the custody episode.
    let out = env.dir.path().join("out");
    env.run_ok(
        "sergeant",
        &[
            "export",
            &custody_no,
            "--destination",
            "court",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let found = |suffix: &str| -> PathBuf {
        walk(&out)
            .into_iter()
            .find(|p| p.to_string_lossy().ends_with(suffix))
            .unwrap_or_else(|| panic!("no {suffix} in {}", out.display()))
    };
    let bundle_path = found(".handover.json");
    let bytes = std::fs::read(&bundle_path).unwrap();
    let bundle: Value = serde_json::from_slice(&bytes).unwrap();
    let encounter = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Encounter")
        .unwrap();
    let arrangement = &encounter["hospitalization"]["specialArrangement"][0];
    assert_eq!(arrangement["coding"][0]["code"], "att", "{encounter}");
    assert!(
        arrangement["text"]
            .as_str()
            .unwrap()
            .starts_with("Appropriate adult: under 18"),
        "{arrangement}"
    );
    let lifecycle = encounter["extension"][0].to_string();
    assert!(
        lifecycle.contains(&support::support_extension())
            && lifecycle.contains(r#"{"url":"status","valueCode":"requested"}"#)
            && !lifecycle.contains("arrived"),
        "{lifecycle}"
    );
    assert!(encounter.get("participant").is_none(), "nobody came");
    let episode = bundle["entry"][0]["resource"]["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Custody episode")
        .unwrap();
    assert!(
        episode["text"]["div"]
            .as_str()
            .unwrap()
            .contains("NOT YET ARRIVED when handed over"),
        "{episode}"
    );

    // Third-party checks of the bundle (FHIR R4B models, the JWS with Python's cryptography).
    let key = env.dir.path().join("suite.jwk");
    env.run_ok(
        "sergeant",
        &["keys", "export-public", "--out", key.to_str().unwrap()],
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_bundle.py");
    let checked = std::process::Command::new("python3")
        .arg(&script)
        .arg(&bundle_path)
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );

    // The escort summary says it beside the name.
    let escort = std::fs::read_to_string(found(".escort.txt")).unwrap();
    let line = escort
        .lines()
        .find(|l| l.starts_with("App. adult:"))
        .unwrap_or_else(|| panic!("{escort}"));
    assert!(
        line.starts_with("App. adult:    NOT YET ARRIVED (requested "),
        "{line}"
    );

    // The receiving side keeps the need as a note known from the sending suite.
    let store = Store::unlock(&env.db, "sergeant", "demo", Utc::now())
        .unwrap()
        .store;
    let trust = Trust::new(store.public_keys().unwrap().into_iter().map(|k| k.key));
    let plan = import::plan(&verify::verify(&bytes, &trust).unwrap());
    assert!(
        plan.notes
            .iter()
            .any(|(title, text)| title == "Custody episode"
                && text.contains("Appropriate adult needed (PACE Code C 1.4, 1.5): under 18")),
        "{:?}",
        plan.notes
    );
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
