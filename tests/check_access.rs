//! `sonar check` warns when the suite's files can be reached by anyone but their owner (issue
//! 16, part 5; docs/threat-model.md: the encryption does not stop someone with a staff password
//! and the files, so staff must never reach them). One sentence per file, naming it, its mode
//! and the `chmod` that fixes it; like every other finding of `check`, it exits 1.

#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::pty::{generate_demo, isolate_env};

const SONAR: &str = env!("CARGO_BIN_EXE_sonar");
const CHECK_OK: &str = "quick_check: ok\ncipher_integrity_check: ok (every page's HMAC verifies)\naudit: the chain is intact and matches the latest signed checkpoint\n";
const WHY: &str = "because staff must never reach the suite's files (docs/threat-model.md).";

fn check(home: &Path, db: &Path) -> Output {
    let pw = home.join("password");
    std::fs::write(&pw, "demo\n").expect("password file");
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).expect("mode");
    let mut cmd = Command::new(SONAR);
    cmd.current_dir(home)
        .arg("--db")
        .arg(db)
        .args(["--user", "admin", "--password-file"])
        .arg(&pw)
        .arg("check");
    for (k, v) in isolate_env(home) {
        cmd.env(k, v);
    }
    cmd.output().expect("run sonar check")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[test]
fn check_names_each_file_others_can_read_with_its_mode_and_fix_and_exits_1() {
    let home = tempfile::tempdir().expect("temp home");
    let dir = home.path().join("suite");
    let db = dir.join("demo.db");
    generate_demo(Path::new(SONAR), home.path(), &db, 5);
    chmod(&dir, 0o700);

    // Private: the three ok lines and nothing else.
    let out = check(home.path(), &db);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stdout, CHECK_OK);

    // Every file beside the database that exists now, readable by group and others (or
    // writable by the group), and the directory listable by everyone.
    let mut opened = Vec::new();
    for suffix in [
        "",
        "-wal",
        "-shm",
        ".keyslots",
        ".keyslots.lock",
        ".lock",
        ".checkpoint",
        ".alarms",
    ] {
        let path = sibling(&db, suffix);
        if path.exists() {
            opened.push(path);
        }
    }
    for needed in ["", ".keyslots", ".checkpoint"] {
        assert!(
            opened.contains(&sibling(&db, needed)),
            "the demo should leave demo.db{needed}"
        );
    }
    for path in &opened {
        chmod(path, 0o644);
    }
    chmod(&sibling(&db, ".keyslots"), 0o660);
    chmod(&dir, 0o755);

    let out = check(home.path(), &db);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.starts_with(CHECK_OK), "{stdout}");
    for path in &opened {
        let shown = path.display();
        let expected = if path.ends_with("demo.db.keyslots") {
            format!(
                "access: {shown} is mode 0660 and can be read and changed by others than its owner: run `chmod 600 {shown}`, {WHY}\n"
            )
        } else {
            format!(
                "access: {shown} is mode 0644 and can be read by others than its owner: run `chmod 600 {shown}`, {WHY}\n"
            )
        };
        assert!(stdout.contains(&expected), "{expected}\nnot in:\n{stdout}");
    }
    let shown = dir.display();
    let expected = format!(
        "access: the directory {shown} is mode 0755 and others than its owner can list it: run `chmod 700 {shown}`, {WHY}\n"
    );
    assert!(stdout.contains(&expected), "{expected}\nnot in:\n{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("access: ")).count(),
        opened.len() + 1,
        "one line per file and the directory:\n{stdout}"
    );
    assert_eq!(
        stderr.trim(),
        format!(
            "sonar: the files of {} can be reached by others than their owner: make them private as each access line says",
            db.display()
        )
    );

    // A directory others can write to is named as such.
    chmod(&dir, 0o733);
    let (stdout, _) = text(&check(home.path(), &db));
    assert!(
        stdout.contains(&format!(
            "access: the directory {shown} is mode 0733 and others than its owner can add, remove or replace files in it: run `chmod 700 {shown}`"
        )),
        "{stdout}"
    );

    // Doing what the lines say makes check pass again.
    for path in &opened {
        chmod(path, 0o600);
    }
    chmod(&dir, 0o700);
    let out = check(home.path(), &db);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stdout, CHECK_OK);
}

#[test]
fn a_new_suite_directory_is_private_and_check_finds_nothing_to_say() {
    let home = tempfile::tempdir().expect("temp home");
    // Made by the program itself under a umask that would leave it open to everyone.
    let db = home.path().join("new").join("suites").join("demo.db");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"umask 022 && exec "$0" demo --generate-only --people 5 --db "$1""#)
        .arg(SONAR)
        .arg(&db)
        .current_dir(home.path());
    for (k, v) in isolate_env(home.path()) {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run sonar demo");
    assert!(out.status.success(), "{:?}", text(&out));
    let mode = std::fs::metadata(db.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    let out = check(home.path(), &db);
    assert_eq!(text(&out), (CHECK_OK.to_string(), String::new()));
}
