//! The logs are private (issue 16, part 5: the outside testers found them 0644): the log
//! directory is 0700, `sonar.log` and SQLCipher's `sqlcipher.log` are 0600, and a directory or
//! log left readable by an earlier version is tightened the next time the program starts.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs `sonar ARGS` with HOME and the XDG directories in `home` and a umask that would leave
/// new files readable by everyone, so only the program's own care makes them private.
fn sonar(home: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(SONAR)
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("SONAR_LOG");
    cmd.output().expect("run sonar")
}

#[test]
fn a_new_log_directory_is_0700_and_its_logs_0600() {
    let home = tempfile::tempdir().expect("temp home");
    let db = home.path().join("demo.db");
    let out = sonar(
        home.path(),
        &[
            "demo",
            "--generate-only",
            "--people",
            "5",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = home.path().join("state").join("sonar");
    assert_eq!(mode(&dir), 0o700, "the log directory");
    let log = dir.join("sonar.log");
    assert!(
        std::fs::metadata(&log).expect("sonar.log").len() > 0,
        "the run wrote to the log"
    );
    assert_eq!(mode(&log), 0o600, "sonar.log");
    assert_eq!(mode(&dir.join("sqlcipher.log")), 0o600, "sqlcipher.log");
}

#[test]
fn an_existing_readable_log_directory_and_logs_are_tightened_and_kept() {
    let home = tempfile::tempdir().expect("temp home");
    let dir = home.path().join("state").join("sonar");
    std::fs::create_dir_all(&dir).expect("log dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("dir mode");
    for name in ["sonar.log", "sqlcipher.log"] {
        let path = dir.join(name);
        std::fs::write(&path, "an earlier line\n").expect("old log");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("log mode");
    }
    // Any command starts the logs; this one fails (there is no database), which is logged too.
    let missing = home.path().join("missing.db");
    let out = sonar(
        home.path(),
        &["--db", missing.to_str().unwrap(), "--user", "x", "list"],
    );
    assert!(!out.status.success());
    assert_eq!(mode(&dir), 0o700, "the log directory");
    for name in ["sonar.log", "sqlcipher.log"] {
        let path = dir.join(name);
        assert_eq!(mode(&path), 0o600, "{name}");
        let text = std::fs::read_to_string(&path).expect("read the log");
        assert!(text.starts_with("an earlier line\n"), "{name} kept: {text}");
    }
}
