//! `sonar record CUSTODY_NO [--json]` and the record in `sonar list --json`, through the real
//! binary: the record as the caller's role may see it, stored text never reaching the terminal
//! raw, and one sentence for a custody number that does not exist.

mod common;

use common::DemoCli as Env;

use std::path::Path;

use chrono::{TimeZone, Utc};
use serde_json::Value;

impl Env {
    fn custody_no(&self, surname: &str) -> String {
        let list = self.json("sergeant", &["list", "--json"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["surname"] == surname)
            .unwrap()["custody_no"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn db(env: &Env) -> &Path {
    &env.db
}

#[test]
fn each_role_gets_the_record_it_may_see() {
    let env = Env::new(50);
    let wright = env.custody_no("Wright");
    for who in ["hcp", "sergeant", "officer"] {
        let r = env.json(who, &["record", &wright, "--json"]);
        let line = r["allergy_line"].as_str().unwrap();
        assert!(line.starts_with("ALLERGIES: Peanut"), "{who}: {line}");
        assert!(
            r["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["fact"]["kind"] == "allergy")
        );
    }
    let begum = env.custody_no("Begum");
    let hcp = env.json("hcp", &["record", &begum, "--json"]);
    let kinds = |r: &Value| -> Vec<String> {
        r["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fact"]["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(kinds(&hcp).contains(&"self_harm".to_string()));
    assert!(hcp.to_string().contains("overdose three weeks ago"));
    for who in ["sergeant", "officer"] {
        let r = env.json(who, &["record", &begum, "--json"]);
        assert!(!kinds(&r).contains(&"self_harm".to_string()), "{who}");
        assert!(
            !r.to_string().contains("overdose three weeks ago"),
            "{who} saw self-harm detail"
        );
        assert_eq!(r["clinical_visible"], false);
    }
    // Every read is audited, as on the screen.
    let audit = env.run("admin", &["audit", "export", "--format", "jsonl"]);
    let text = String::from_utf8_lossy(&audit.stdout);
    assert!(text.lines().filter(|l| l.contains("record_read")).count() >= 5);
}

#[test]
fn list_json_says_who_saw_the_person_and_the_record_markers() {
    let env = Env::new(50);
    let list = env.json("officer", &["list", "--json"]);
    let row = |surname: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["surname"] == surname)
            .unwrap()
            .clone()
    };
    let wright = row("Wright");
    assert_eq!(wright["markers"][0], "ALLERGY");
    assert_eq!(wright["hcp_seen"], true);
    assert_eq!(wright["hcp_seen_by"], "hcp");
    assert!(wright["hcp_seen_at"].as_str().unwrap().ends_with('Z'));
    let hughes = row("Hughes");
    assert_eq!(hughes["hcp_seen"], false);
    assert_eq!(hughes["hcp_seen_by"], Value::Null);
}

#[test]
fn stored_text_is_escaped_and_an_unknown_custody_number_is_one_sentence() {
    let env = Env::new(50);
    let singh = env.custody_no("Singh");
    {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
        let mut hcp =
            sonar_custody::store::Store::unlock(db(&env), "hcp", "demo", Utc::now().max(now))
                .unwrap()
                .store;
        let det = hcp.detention_by_custody_no(&singh).unwrap().unwrap();
        hcp.add_record_entry(
            det,
            &sonar_custody::domain::record::Fact::Allergy {
                substance: "Latex\u{1b}[2J\u{7}".into(),
                reaction: "hives\r\u{202e}".into(),
                severity: sonar_custody::domain::record::AllergySeverity::Mild,
            },
            Utc::now(),
        )
        .unwrap();
    }
    let out = env.run("sergeant", &["record", &singh]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07) && !out.stdout.contains(&b'\r')
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Latex\\u{1b}[2J\\u{7}"), "{text}");
    assert!(!text.contains('\u{202e}'), "{text}");

    let out = env.run("sergeant", &["record", "NG-99-\u{1b}999999"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("there is no detention with the custody number"),
        "{err}"
    );
    assert!(!out.stderr.contains(&0x1b));
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
