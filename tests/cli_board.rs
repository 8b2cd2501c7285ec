//! The board's data for scripts (`sonar list`), the demo, and keymap checking, through the
//! real binary.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn sonar(&self) -> Command {
        let mut cmd = Command::cargo_bin("sonar").unwrap();
        cmd.env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env_remove("NO_COLOR");
        cmd
    }

    fn password_file(&self, password: &str) -> PathBuf {
        let path = self.path("password");
        std::fs::write(&path, format!("{password}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        path
    }

    fn demo(&self, people: u64) -> PathBuf {
        let db = self.path("demo.db");
        let out = self
            .sonar()
            .args([
                "demo",
                "--generate-only",
                "--people",
                &people.to_string(),
                "--db",
            ])
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        db
    }

    fn list(&self, db: &Path, user: &str, extra: &[&str]) -> Output {
        let pw = self.password_file("demo");
        self.sonar()
            .arg("--db")
            .arg(db)
            .args(["--user", user, "--password-file"])
            .arg(pw)
            .arg("list")
            .args(extra)
            .output()
            .unwrap()
    }
}

#[test]
fn demo_prints_the_logins_and_list_shows_everyone_in_custody() {
    let env = Env::new();
    let db = env.path("demo.db");
    let out = env
        .sonar()
        .args(["demo", "--generate-only", "--people", "200", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for login in ["hcp", "sergeant", "officer", "admin"] {
        assert!(
            stdout.contains(login),
            "demo output names {login}: {stdout}"
        );
    }
    assert!(stdout.contains("password `demo`"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("200/200 (100%)"),
        "progress shown: {stderr}"
    );

    let out = env.list(&db, "sergeant", &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 20, "twenty people in custody in the demo");
    // The overdue check comes first, and says so.
    assert_eq!(list[0]["surname"], "O'Brien");
    assert_eq!(list[0]["check_overdue"], true);
    assert!(list[0]["next_check_due"].as_str().unwrap().ends_with('Z'));
    let begum = list.iter().find(|e| e["surname"] == "Begum").unwrap();
    assert_eq!(begum["observation_level"], 3);
    assert_eq!(begum["next_check_due"], serde_json::Value::Null);
    let flags: Vec<&str> = begum["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(flags.contains(&"SH") && flags.contains(&"MH"));
    // NEWS2 observations due: O'Brien's last set was medium (hourly), 20 minutes ago; Begum
    // has none.
    let obrien_obs = list[0]["next_observations_due"].as_str().unwrap();
    assert!(obrien_obs.ends_with('Z'), "{obrien_obs}");
    assert_eq!(list[0]["observations_overdue"], false);
    assert_eq!(begum["next_observations_due"], serde_json::Value::Null);
    // Scripts see an overdue PACE review: Scott's first review fell due 8 minutes ago; O'Brien
    // (3.5 hours in) has none due yet.
    let scott = list.iter().find(|e| e["surname"] == "Scott").unwrap();
    assert_eq!(scott["pace_overdue"], true);
    assert_eq!(scott["pace_deadline_kind"], "review_1");
    assert_eq!(list[0]["pace_overdue"], false);
    assert!(list.iter().all(|e| e["pace_overdue"].is_boolean()));
    // The demo's routine request for an HCP, asked 4h05m ago and past its 4-hour band; the
    // HCP's re-assessment direction not yet acknowledged; null and 0 for everyone else.
    let waiting: Vec<_> = list.iter().filter(|e| !e["hcp_wait"].is_null()).collect();
    assert_eq!(waiting.len(), 1, "{list:?}");
    let wait = &waiting[0]["hcp_wait"];
    assert_eq!(wait["band"], "routine");
    assert_eq!(wait["band_minutes"], 240);
    assert!(wait["requested_at"].as_str().unwrap().ends_with('Z'));
    let waited = wait["waited_minutes"].as_i64().unwrap();
    assert!((245..=250).contains(&waited), "{wait}");
    assert_eq!(wait["overdue"], true);
    let unacknowledged: i64 = list
        .iter()
        .map(|e| e["directions_unacknowledged"].as_i64().unwrap())
        .sum();
    assert_eq!(unacknowledged, 1);
    // No clinical text leaves through the list, for any role.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("suicidal ideation"));
}

#[test]
fn list_all_includes_people_who_have_left() {
    let env = Env::new();
    let db = env.demo(50);
    let out = env.list(&db, "officer", &["--all", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert!(
        list.len() >= 70,
        "20 in custody + 50 historical + earlier detentions"
    );
    let left = list.iter().filter(|e| e["in_custody"] == false).count();
    assert!(left >= 50);
    assert!(
        list.iter()
            .filter(|e| e["in_custody"] == false)
            .all(|e| e["next_check_due"].is_null())
    );
}

#[test]
fn list_table_marks_overdue_without_colour() {
    let env = Env::new();
    let db = env.demo(0);
    let out = env.list(&db, "sergeant", &[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().nth(1).unwrap();
    assert!(first.contains("O'BRIEN") && first.contains(" !"), "{first}");
}

#[test]
fn demo_refuses_an_existing_path() {
    let env = Env::new();
    let db = env.path("exists.db");
    std::fs::write(&db, b"precious").unwrap();
    let out = env
        .sonar()
        .args(["demo", "--generate-only", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&db).unwrap(), b"precious");
}

#[test]
fn keymap_check_reports_file_line_and_key_and_print_round_trips() {
    let env = Env::new();
    let file = env.path("keys.toml");
    std::fs::write(&file, "[board]\n\"x\" = \"filter\"\n\"z\" = \"explode\"\n").unwrap();
    let out = env
        .sonar()
        .args(["keymap", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("keys.toml:3: key \"z\" in [board]: unknown action \"explode\""),
        "{stderr}"
    );
    assert!(stderr.contains("would run on the default keys"));

    std::fs::write(&file, "[board]\n\"x\" = \"filter\"\n").unwrap();
    let out = env
        .sonar()
        .args(["keymap", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let config = env.path("config/sonar");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(&file, config.join("keymap.toml")).unwrap();
    let out = env.sonar().args(["keymap", "print"]).output().unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let parsed: toml::Table = toml::from_str(&printed).unwrap();
    assert_eq!(parsed["board"]["x"].as_str(), Some("filter"));
}

#[test]
fn bad_usage_exits_2() {
    let env = Env::new();
    let out = env.sonar().args(["list", "--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
