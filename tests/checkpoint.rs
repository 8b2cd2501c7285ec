//! Nothing lost silently (issue 16 part 2): the signed checkpoint beside the database, and the
//! findings of the outside fault tests reproduced through the real binary. Checks recorded and
//! then lost with the write-ahead log (deleted, or its header flipped), an audit tail cut off
//! with its trigger re-made, and a row edited with every later hash recomputed: each is now
//! named by `sonar check` (exit 1), at login and by `sonar audit verify`. `check` changes no
//! byte of the files and names the damaged page.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, TimeZone, Utc};
use common::{file_hash, sibling, sonar_in, write_password_file};
use rusqlite::OpenFlags;
use sonar_custody::demo::{self, DEMO_PASSWORD};
use sonar_custody::domain::care::CheckDraft;
use sonar_custody::domain::checkpoint::Checkpoint;
use sonar_custody::store::audit::row_hash;
use sonar_custody::store::keyslots::KeyslotFile;
use sonar_custody::store::{Store, connection};

const MISSING: &str = "rows are missing since the last checkpoint";
const REWRITTEN: &str = "the audit chain was rewritten after the last checkpoint";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

struct Suite {
    dir: tempfile::TempDir,
    db: PathBuf,
    pw: PathBuf,
}

fn suite() -> Suite {
    let dir = tempfile::tempdir().unwrap();
    // Private, as a deployment's must be: `sonar check` reports a directory others reach.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let db = dir.path().join("suite.db");
    drop(demo::create(&db, 3, now(), &mut |_, _| {}).unwrap());
    let pw = write_password_file(dir.path(), "demo.pw", DEMO_PASSWORD);
    Suite { dir, db, pw }
}

impl Suite {
    fn sonar(&self, user: &str, args: &[&str]) -> Output {
        sonar_in(self.dir.path())
            .args(args)
            .arg("--db")
            .arg(&self.db)
            .args(["--user", user])
            .arg("--password-file")
            .arg(&self.pw)
            .output()
            .unwrap()
    }

    fn checkpoint(&self) -> Checkpoint {
        serde_json::from_slice(&fs::read(self.db.with_extension("db.checkpoint")).unwrap()).unwrap()
    }

    /// A raw SQLCipher connection with the master key the admin's slot unwraps, as someone
    /// holding a staff password and a shell on the server could make.
    fn raw(&self) -> rusqlite::Connection {
        let slots = KeyslotFile::load(&self.db).unwrap();
        let key = slots
            .unwrap_all("admin", DEMO_PASSWORD.as_bytes())
            .unwrap()
            .remove(0)
            .key;
        connection::open_keyed(&self.db, &key, OpenFlags::SQLITE_OPEN_READ_WRITE).unwrap()
    }

    /// Five checks recorded by the officer in another process that is then killed (abort, as
    /// kill -9), so they sit in the write-ahead log with nothing open.
    fn five_checks_in_the_wal(&self) {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "child_records_five_checks_and_dies",
                "--exact",
                "--nocapture",
            ])
            .env("SONAR_CHECKPOINT_CHILD_DB", &self.db)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "the child was meant to die: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("5 checks saved"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let wal = fs::metadata(sibling(&self.db, "-wal")).unwrap().len();
        assert!(wal > 32, "the checks are in the WAL ({wal} bytes)");
    }

    /// The files' hashes. A read-only open of a WAL database with no `-wal` file makes an
    /// empty one (as any reader does), so an empty WAL counts as none: no content changed.
    fn files(&self) -> Vec<Option<String>> {
        ["", "-wal", ".keyslots", ".checkpoint"]
            .iter()
            .map(|s| {
                let path = sibling(&self.db, s);
                match fs::metadata(&path) {
                    Ok(m) if m.len() == 0 && *s == "-wal" => None,
                    _ => file_hash(&path),
                }
            })
            .collect()
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `sonar check` exits 1, saying `sentence` on its checkpoint line and why on stderr.
fn check_reports(s: &Suite, sentence: &str) {
    let (stdout, stderr) = run_expecting(s, "admin", &["check"], 1);
    assert!(
        stdout.contains(&format!("checkpoint: {sentence}")),
        "stdout:\n{stdout}"
    );
    assert!(
        stderr.contains("saved data is missing from") && stderr.contains("or was rewritten"),
        "stderr:\n{stderr}"
    );
}

/// Runs `sonar ARGS` as `user`, asserts it exits `code`, and gives its stdout and stderr.
fn run_expecting(s: &Suite, user: &str, args: &[&str], code: i32) -> (String, String) {
    let out = s.sonar(user, args);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// A login (`sonar list` and `audit verify`, through the binary, and the store's own login
/// that the terminal's login screen uses) opens the suite but says `sentence`.
fn login_reports(s: &Suite, sentence: &str) {
    let (_, stderr) = run_expecting(s, "sergeant", &["list"], 0);
    assert!(
        stderr.contains(&format!("sonar: warning: {sentence}")),
        "stderr:\n{stderr}"
    );
    let (_, stderr) = run_expecting(s, "admin", &["audit", "verify"], 1);
    assert!(
        stderr.contains("they are not all that was recorded") && stderr.contains(sentence),
        "stderr:\n{stderr}"
    );
    let unlocked = Store::unlock(&s.db, "hcp", DEMO_PASSWORD, Utc::now()).unwrap();
    let warnings = unlocked.store.integrity_warnings();
    assert!(
        warnings.iter().any(|w| w.starts_with(sentence)),
        "{warnings:?}"
    );
}

#[test]
fn child_records_five_checks_and_dies() {
    let Some(db) = std::env::var_os("SONAR_CHECKPOINT_CHILD_DB") else {
        return;
    };
    let mut store = Store::unlock(Path::new(&db), "officer", DEMO_PASSWORD, now())
        .unwrap()
        .store;
    let id = store.in_custody().unwrap()[0].detention_id;
    for i in 0..5 {
        let draft = CheckDraft {
            minutes_ago: 0,
            late_reason: String::new(),
            rousable: Some(true),
            responds_to_questions: Some(true),
            responds_to_commands: Some(true),
            condition: "settled".into(),
            note: format!("check {i}"),
        };
        store.record_check(id, &draft, now()).unwrap();
    }
    println!("5 checks saved");
    std::process::abort();
}

#[test]
fn a_deleted_wal_is_named_by_check_and_at_login() {
    let s = suite();
    s.five_checks_in_the_wal();
    fs::remove_file(sibling(&s.db, "-wal")).unwrap();
    let _ = fs::remove_file(sibling(&s.db, "-shm"));
    check_reports(&s, MISSING);
    login_reports(&s, MISSING);
    // The login carried the finding into the new checkpoint: it is still said.
    assert!(s.checkpoint().body.unresolved[0].starts_with(MISSING));
    check_reports(&s, MISSING);
}

#[test]
fn an_administrator_resolves_a_finding_with_a_reason_and_logins_stop_warning() {
    let s = suite();
    s.five_checks_in_the_wal();
    fs::remove_file(sibling(&s.db, "-wal")).unwrap();
    let _ = fs::remove_file(sibling(&s.db, "-shm"));
    login_reports(&s, MISSING);

    // Not a sergeant's to resolve, and not without saying what was done.
    let out = s.sonar("sergeant", &["audit", "resolve", "--reason", "looked"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out)
            .1
            .contains("may not mark an integrity warning as resolved")
    );
    let out = s.sonar("admin", &["audit", "resolve", "--reason", "  "]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("say what was done to resolve it"));
    login_reports(&s, MISSING);

    let why = "compared with the 02:00 backup; the five checks re-entered from the paper log";
    // Its own login still warns, once, before it resolves.
    let out = s.sonar("admin", &["audit", "resolve", "--reason", why]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        stdout,
        "Marked 1 integrity warning as resolved, with your reason, in the audit; logins no longer warn of it.\n"
    );
    assert!(
        stderr.starts_with(&format!("sonar: warning: {MISSING}")),
        "{stderr}"
    );
    // Logins and check are quiet again; the audit keeps what was found and why it was closed.
    let out = s.sonar("sergeant", &["list"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out).1, "");
    let out = s.sonar("admin", &["check"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(s.checkpoint().body.unresolved.is_empty());
    let audit = text(&s.sonar("admin", &["audit", "export", "--format", "jsonl"])).0;
    let resolved: Vec<&str> = audit
        .lines()
        .filter(|l| l.contains("\"integrity_resolved\""))
        .collect();
    assert_eq!(resolved.len(), 1, "{audit}");
    assert!(
        resolved[0].contains(why) && resolved[0].contains(MISSING),
        "{}",
        resolved[0]
    );
    let out = s.sonar("admin", &["audit", "resolve", "--reason", why]);
    assert_eq!(
        text(&out).0,
        "There is nothing to resolve: the database matches its checkpoint.\n"
    );
}

#[test]
fn a_flipped_byte_in_the_wal_header_is_named_by_check_and_at_login() {
    let s = suite();
    s.five_checks_in_the_wal();
    let wal = sibling(&s.db, "-wal");
    let mut bytes = fs::read(&wal).unwrap();
    bytes[16] ^= 0x01; // the first salt: the header's checksum no longer holds
    fs::write(&wal, bytes).unwrap();
    let _ = fs::remove_file(sibling(&s.db, "-shm"));
    check_reports(&s, MISSING);
    login_reports(&s, MISSING);
}

#[test]
fn a_cut_off_audit_tail_with_its_trigger_remade_is_named() {
    let s = suite();
    assert_eq!(s.sonar("admin", &["list"]).status.code(), Some(0));
    let head = s.checkpoint().body.audit;
    {
        let conn = s.raw();
        let trigger: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'audit_no_delete'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute_batch("DROP TRIGGER audit_no_delete").unwrap();
        conn.execute("DELETE FROM audit WHERE id >= ?1", [head.last_id - 1])
            .unwrap();
        conn.execute_batch(&trigger).unwrap();
    }
    // The chain that is left still links up: only the checkpoint shows the loss.
    check_reports(&s, MISSING);
    login_reports(&s, MISSING);
}

#[test]
fn an_edited_row_with_every_later_hash_recomputed_is_named() {
    let s = suite();
    assert_eq!(s.sonar("admin", &["list"]).status.code(), Some(0));
    {
        let conn = s.raw();
        let trigger: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'audit_no_update'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
        conn.execute(
            "UPDATE audit SET detail = 'nothing to see' WHERE id = 3",
            [],
        )
        .unwrap();
        let rows: Vec<(i64, String, String, String, String, String)> = conn
            .prepare("SELECT id, at, staff, action, subject, detail FROM audit WHERE id >= 3 ORDER BY id")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut prev: String = conn
            .query_row("SELECT row_hash FROM audit WHERE id = 2", [], |r| r.get(0))
            .unwrap();
        for (id, at, staff, action, subject, detail) in rows {
            let hash = row_hash(&prev, id, &at, &staff, &action, &subject, &detail);
            conn.execute(
                "UPDATE audit SET prev_hash = ?1, row_hash = ?2 WHERE id = ?3",
                rusqlite::params![prev, hash, id],
            )
            .unwrap();
            prev = hash;
        }
        conn.execute_batch(&trigger).unwrap();
        assert!(matches!(
            sonar_custody::store::audit::verify(&conn).unwrap(),
            sonar_custody::store::audit::ChainReport::Intact { .. }
        ));
    }
    check_reports(&s, REWRITTEN);
    login_reports(&s, REWRITTEN);
}

#[test]
fn a_forged_checkpoint_says_so() {
    let s = suite();
    assert_eq!(s.sonar("admin", &["list"]).status.code(), Some(0));
    let path = sibling(&s.db, ".checkpoint");
    let mut value: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    value["audit"]["rows"] = serde_json::json!(1);
    fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
    check_reports(&s, "the checkpoint file");
    let (stdout, _) = text(&s.sonar("admin", &["check"]));
    assert!(
        stdout.contains("does not verify with this suite's signing key"),
        "{stdout}"
    );
}

#[test]
fn a_removed_checkpoint_file_is_named() {
    let s = suite();
    fs::remove_file(sibling(&s.db, ".checkpoint")).unwrap();
    let (stdout, _) = text(&s.sonar("admin", &["check"]));
    assert!(
        stdout.contains("checkpoint: the checkpoint file"),
        "{stdout}"
    );
    assert!(
        stdout.contains("is missing although this database has kept one since"),
        "{stdout}"
    );
}

#[test]
fn a_healthy_suite_checks_clean_and_its_checkpoint_follows_the_audit() {
    let s = suite();
    assert_eq!(s.sonar("admin", &["list"]).status.code(), Some(0));
    let first = s.checkpoint();
    assert_eq!(first.body.kid, {
        let out = s.sonar("admin", &["keys", "show"]);
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(shown.contains(&first.body.kid), "{shown}");
        first.body.kid.clone()
    });
    let out = s.sonar("admin", &["check"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("matches the latest signed checkpoint"),
        "{stdout}"
    );
    assert_eq!(
        s.sonar("admin", &["audit", "verify"]).status.code(),
        Some(0)
    );
    let second = s.checkpoint();
    assert!(second.body.counter > first.body.counter);
    assert!(second.body.audit.rows > first.body.audit.rows);
    assert!(second.body.unresolved.is_empty());
    // The signed form is RFC 8785: the handover module's canonicaliser agrees byte for byte.
    let value = serde_json::to_value(&second.body).unwrap();
    assert_eq!(
        sonar_custody::handover::canonical::canonicalize(&value).unwrap(),
        sonar_custody::domain::checkpoint::canonical(&second.body).unwrap()
    );
}

#[test]
fn check_changes_no_byte_even_with_a_damaged_page_in_the_wal() {
    let s = suite();
    s.five_checks_in_the_wal();
    let wal = sibling(&s.db, "-wal");
    let mut bytes = fs::read(&wal).unwrap();
    // Inside the first frame's page (after the 32-byte WAL header and 24-byte frame header):
    // SQLite stops reading the WAL there, so everything after it is lost to a reader.
    bytes[32 + 24 + 100] ^= 0x55;
    fs::write(&wal, bytes).unwrap();
    let before = s.files();
    let out = s.sonar("admin", &["check"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(s.files(), before, "check changed a file");
    // And on a sound database with checks in the WAL: still not one byte.
    let s = suite();
    s.five_checks_in_the_wal();
    let before = s.files();
    let out = s.sonar("admin", &["check"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(s.files(), before, "check changed a file");
}

#[test]
fn check_names_the_damaged_page_not_page_1() {
    let s = suite();
    const PAGE: usize = 4096;
    let len = fs::metadata(&s.db).unwrap().len() as usize;
    let pages = len / PAGE;
    assert!(pages > 10, "{pages} pages");
    let page = pages - 2; // a late page, far from the schema
    let mut bytes = fs::read(&s.db).unwrap();
    bytes[(page - 1) * PAGE + 200] ^= 0x55;
    fs::write(&s.db, &bytes).unwrap();
    let before = s.files();
    let out = s.sonar("admin", &["check"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("HMAC verification failed for page {page}\n")),
        "stdout:\n{stdout}"
    );
    assert!(!stdout.contains("page 1 "), "stdout:\n{stdout}");
    assert!(
        stderr.contains(&format!(
            "is damaged (page {page}): restore it from a backup"
        )),
        "stderr:\n{stderr}"
    );
    assert_eq!(s.files(), before, "check changed a file");
}
