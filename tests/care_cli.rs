//! `sonar handover-sheet` and the PACE fields of `sonar list --json`, through the real binary.

use std::path::PathBuf;

use assert_cmd::Command;

struct Env {
    dir: tempfile::TempDir,
    db: PathBuf,
    password: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        let password = dir.path().join("password");
        std::fs::write(&password, "demo\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let env = Env { dir, db, password };
        let out = env
            .sonar()
            .args(["demo", "--generate-only", "--people", "5", "--db"])
            .arg(&env.db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    fn sonar(&self) -> Command {
        let mut cmd = Command::cargo_bin("sonar").unwrap();
        let p = |n: &str| self.dir.path().join(n);
        cmd.env("XDG_STATE_HOME", p("state"))
            .env("XDG_CONFIG_HOME", p("config"))
            .env("XDG_DATA_HOME", p("data"))
            .env("NO_COLOR", "1");
        cmd
    }

    fn run_as(&self, user: &str, args: &[&str]) -> String {
        let out = self
            .sonar()
            .arg("--db")
            .arg(&self.db)
            .args(["--user", user, "--password-file"])
            .arg(&self.password)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

#[test]
fn the_handover_sheet_lists_everyone_fits_80_columns_and_is_audited() {
    let env = Env::new();
    let sheet = env.run_as("sergeant", &["handover-sheet"]);
    assert!(sheet.starts_with("SHIFT HANDOVER"), "{sheet}");
    assert!(sheet.contains("20 in custody"), "{sheet}");
    assert!(sheet.contains("CHECK OVERDUE"), "{sheet}");
    assert!(sheet.contains("ROUSE each visit"), "{sheet}");
    assert!(sheet.contains("Instructions: "), "{sheet}");
    assert!(sheet.contains("HCP review pending"), "{sheet}");
    assert!(sheet.contains("PACE: 1st review due"), "{sheet}");
    // Medication due travels on the sheet (names and times; never the clinical reason).
    assert!(
        sheet.contains("Medication: Methadone 1 mg/ml 60 mg: DOSE OVERDUE by 10m"),
        "{sheet}"
    );
    assert!(sheet.contains("TIME-CRITICAL"), "{sheet}");
    // What an HCP directed, not yet acknowledged, and who is waiting for an HCP (the demo has
    // one of each): the handover must not lose a "re-assess at" (IOPC, Bedfordshire 2021).
    assert!(sheet.contains("!! HCP DIRECTION"), "{sheet}");
    assert!(sheet.contains("re-assess at"), "{sheet}");
    assert!(sheet.contains("NOT YET ACKNOWLEDGED"), "{sheet}");
    assert!(sheet.contains("! HCP requested"), "{sheet}");
    assert!(
        !sheet.contains("Opioid substitution, Northgate drug service"),
        "{sheet}"
    );
    for line in sheet.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
    }
    let audit = env.run_as("admin", &["audit", "export"]);
    assert!(audit.contains("handover_sheet"), "{audit}");
}

#[test]
fn list_json_carries_the_next_pace_deadline() {
    let env = Env::new();
    let out = env.run_as("sergeant", &["list", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let with_pace: Vec<_> = list
        .iter()
        .filter(|e| !e["pace_next_deadline"].is_null())
        .collect();
    assert!(!with_pace.is_empty());
    for e in &with_pace {
        let kind = e["pace_deadline_kind"].as_str().unwrap();
        assert!(
            kind.starts_with("review_") || kind.starts_with("limit_"),
            "{kind}"
        );
        assert!(e["pace_next_deadline"].as_str().unwrap().ends_with('Z'));
    }
    // Someone who has just arrived has no authorised detention yet, so no PACE deadline.
    assert!(list.iter().any(|e| e["pace_next_deadline"].is_null()));
}

#[test]
fn a_custody_decision_shows_as_plan_review_due_in_list_json_and_the_handover_sheet() {
    use sonar_custody::domain::care::DecisionKind;
    use sonar_custody::domain::observation::to_london;
    let env = Env::new();
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&env.run_as("sergeant", &["list", "--json"])).unwrap();
    assert!(list.iter().all(|e| e["plan_review_due"] == false));
    assert!(list.iter().all(|e| e["plan_review_reason"].is_null()));

    let now = chrono::Utc::now();
    let mut store = sonar_custody::store::Store::unlock(&env.db, "sergeant", "demo", now)
        .unwrap()
        .store;
    // The one here longest: their plan was set well before now.
    let entry = store
        .in_custody()
        .unwrap()
        .into_iter()
        .min_by_key(|e| e.arrived_at)
        .unwrap();
    store
        .record_custody_decision(entry.detention_id, DecisionKind::Charged, now, "", now)
        .unwrap();
    drop(store);

    let reason = format!("charged {}", to_london(now));
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&env.run_as("sergeant", &["list", "--json"])).unwrap();
    let due: Vec<_> = list
        .iter()
        .filter(|e| e["plan_review_due"] == true)
        .collect();
    assert_eq!(due.len(), 1, "{list:?}");
    assert_eq!(due[0]["custody_no"], entry.custody_no.as_str());
    assert_eq!(due[0]["plan_review_reason"], reason.as_str());
    let sheet = env.run_as("sergeant", &["handover-sheet"]);
    assert!(
        sheet.contains(&format!("PLAN REVIEW DUE ({reason})")),
        "{sheet}"
    );
}
