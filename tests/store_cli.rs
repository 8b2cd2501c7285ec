//! The encrypted store through the command line, as a suite administrator or a script uses it:
//! `init`, logins and their refusals, accounts, the audit chain, `rekey` (including crashes and
//! kills part-way), `backup` and `check`. Every failure is one sentence on stderr and exit 1,
//! and a refused command changes nothing on disk.

mod common;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Utc;
use common::*;
use sonar_custody::store::Store;
use sonar_custody::store::audit::row_hash;
use sonar_custody::store::migrations::latest_version;

const SURNAME: &str = "Zebediah Quagmire-Thistlewood";
const NURSE_PASSWORD: &str = "lavender kettle 42";

fn no_keyslot_sentence(db: &Path) -> String {
    format!(
        "there is no keyslot file at {}.keyslots: this is not a SONAR database, or its keyslot file was moved away from it",
        db.display()
    )
}

fn not_a_database_sentence(db: &Path) -> String {
    format!(
        "{} does not open with the key from its keyslot file: it is not this suite's database or it is damaged",
        db.display()
    )
}

fn damaged_sentence(db: &Path) -> String {
    format!(
        "the database {} is damaged (a page failed its integrity check); run `sonar check` and restore from a backup",
        db.display()
    )
}

const WRONG_LOGIN: &str = "wrong username or password";

const CHECK_OK: &str = "quick_check: ok\ncipher_integrity_check: ok (every page's HMAC verifies)\naudit: the chain is intact and matches the latest signed checkpoint\n";

// ---------------------------------------------------------------------------------------------
// init, and what is (not) on disk

#[test]
fn init_prints_the_recovery_key_once_and_it_opens_the_database() {
    let suite = Suite::new();
    let key = &suite.recovery_key;
    assert_eq!(
        suite.init_stdout,
        format!(
            "Created the suite \"{SUITE_NAME}\" at {}.\nAdministrator: admin\n\n\
             Recovery key (shown once; write it down and keep it sealed, like a safe's key):\n  {key}\n\
             Log in with the username `recovery` and this key if every administrator is locked out.\n",
            suite.db.display()
        )
    );
    let groups: Vec<&str> = key.split('-').collect();
    assert_eq!(groups.len(), 16, "{key}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit()))
    );

    // The key is nowhere on disk, in either the printed or the compact form.
    let compact = key.replace('-', "");
    for file in all_files(suite.path()) {
        if file == suite.recovery_pw {
            continue;
        }
        let bytes = fs::read(&file).unwrap();
        assert!(
            !contains_bytes(&bytes, key.as_bytes()),
            "{} holds the recovery key",
            file.display()
        );
        assert!(
            !contains_bytes(&bytes, compact.as_bytes()),
            "{} holds the recovery key",
            file.display()
        );
    }

    // It opens the database as the `recovery` user.
    let users = suite.user_list_json("recovery", &suite.recovery_pw);
    assert_eq!(users[0]["username"], "admin");

    // A second init on the same path is refused and changes nothing.
    let before = fingerprint(&suite.db);
    let out = suite
        .cmd()
        .args(["init", "--suite", "Other", "--admin", "boss", "--db"])
        .arg(&suite.db)
        .arg("--password-file")
        .arg(&suite.admin_pw)
        .output()
        .unwrap();
    assert_fails_with(
        &out,
        &format!(
            "{} already exists; refusing to overwrite it",
            suite.db.display()
        ),
    );
    assert_eq!(fingerprint(&suite.db), before);
}

#[test]
fn a_plain_sqlite_open_fails_and_no_file_holds_a_name_written_through_the_store() {
    let suite = Suite::new();
    suite.add_user("zquagmire", "hcp", SURNAME);

    // What `sqlite3 suite.db .tables` does: open without a key and read the schema.
    let plain = rusqlite::Connection::open(&suite.db).unwrap();
    let err = plain
        .query_row("SELECT * FROM sqlite_master", [], |_| Ok(()))
        .unwrap_err();
    assert!(err.to_string().contains("file is not a database"), "{err}");
    drop(plain);

    // No file the program wrote (database, WAL, keyslots, logs) holds the name, in any part.
    let files = all_files(suite.path());
    assert!(files.iter().any(|f| f == &suite.db));
    for file in &files {
        let bytes = fs::read(file).unwrap();
        for needle in [SURNAME, "Quagmire", "Thistlewood", "Zebediah"] {
            assert!(
                !contains_bytes(&bytes, needle.as_bytes()),
                "{} holds `{needle}` in the clear",
                file.display()
            );
        }
    }

    // With the right login the name is there.
    let out = suite.admin(&["user", "list"]);
    let stdout = assert_success(&out);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("zquagmire ") && l.ends_with(SURNAME)),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// Logins that must fail, changing nothing

/// The key material of every slot: what a refused login must never touch.
fn slot_material(keyslots: &serde_json::Value) -> Vec<(String, String, String, String)> {
    keyslots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["key_id"].as_str().unwrap().to_string(),
                s["sealed_private_key"].as_str().unwrap().to_string(),
                s["wrapped_key"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_wrong_password_is_refused_and_changes_only_the_failure_count() {
    let suite = Suite::new();
    let db_before = file_hash(&suite.db);
    let slots_before = suite.keyslots();
    let bad = suite.password_file("bad.pw", "not the password at all");

    assert_fails_with(&suite.run_as("admin", &bad, &["user", "list"]), WRONG_LOGIN);

    assert_eq!(file_hash(&suite.db), db_before, "the database was changed");
    assert_eq!(file_hash(&sibling(&suite.db, "-wal")), None);
    let slots_after = suite.keyslots();
    assert_eq!(slot_material(&slots_after), slot_material(&slots_before));
    let admin_slot = slots_after["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "admin")
        .unwrap();
    assert_eq!(admin_slot["failed_attempts"], 1);
    let pending = slots_after["pending_events"].as_array().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["action"], "login_failed");
    assert_eq!(pending[0]["staff"], "admin");
}

#[test]
fn an_unknown_user_gets_the_same_sentence_as_a_wrong_password() {
    let suite = Suite::new();
    let db_before = file_hash(&suite.db);
    let slots_before = suite.keyslots();

    // The administrator's own password, under a name with no account.
    assert_fails_with(
        &suite.run_as("nobody", &suite.admin_pw, &["user", "list"]),
        WRONG_LOGIN,
    );

    assert_eq!(file_hash(&suite.db), db_before);
    assert_eq!(
        slot_material(&suite.keyslots()),
        slot_material(&slots_before)
    );
}

#[test]
fn a_password_typed_as_the_username_is_written_nowhere() {
    let suite = Suite::new();
    let log_home = suite.path().join("state");
    // Someone types their password into the username field, then logs in properly.
    let typed = "kestrel-Harbour-7731";
    let out = suite
        .cmd()
        .env("XDG_STATE_HOME", &log_home)
        .arg("--db")
        .arg(&suite.db)
        .args(["--user", typed, "--password-file"])
        .arg(&suite.admin_pw)
        .args(["user", "list"])
        .output()
        .unwrap();
    assert_fails_with(&out, WRONG_LOGIN);
    let pending = suite.keyslots()["pending_events"].clone();
    assert_eq!(pending[0]["staff"], "", "{pending}");
    assert_eq!(pending[0]["detail"], "a username that matches no account");
    assert_success(&suite.admin(&["user", "list"]));

    // Not in the keyslot file, not in the audit (the failure entered it at the next login),
    // not in the log.
    let keyslots = fs::read(suite.keyslots_path()).unwrap();
    assert!(!contains_bytes(&keyslots, typed.as_bytes()));
    let audit = assert_success(&suite.admin(&["audit", "export", "--format", "jsonl"]));
    assert!(
        audit.contains("a username that matches no account"),
        "{audit}"
    );
    assert!(!audit.contains(typed), "{audit}");
    let mut logged = Vec::new();
    for entry in walk(&log_home) {
        logged.extend(fs::read(entry).unwrap());
    }
    assert!(
        !logged.is_empty(),
        "nothing was logged under {}",
        log_home.display()
    );
    assert!(!contains_bytes(&logged, typed.as_bytes()));
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_missing_keyslot_file_is_named_and_nothing_is_created() {
    let suite = Suite::new();
    let moved = suite.path().join("elsewhere.keyslots");
    fs::rename(suite.keyslots_path(), &moved).unwrap();
    let before = fingerprint(&suite.db);

    let out = suite.admin(&["user", "list"]);
    assert_fails_with(&out, &no_keyslot_sentence(&suite.db));

    assert_eq!(fingerprint(&suite.db), before);
    assert!(
        !suite.keyslots_path().exists(),
        "a keyslot file was made up"
    );
}

#[test]
fn a_truncated_keyslot_file_is_named_as_damaged_and_left_alone() {
    let suite = Suite::new();
    let path = suite.keyslots_path();
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, &text[..text.len() / 2]).unwrap();
    let before = fingerprint(&suite.db);

    let out = suite.admin(&["user", "list"]);
    assert_fails_matching(
        &out,
        &format!(
            "sonar: the keyslot file {} is damaged ({ANY}); restore it from a backup or log in with the recovery key",
            path.display()
        ),
    );
    assert_eq!(fingerprint(&suite.db), before);
}

/// `suite`'s keyslot file with one byte of the admin slot's `field` (base64) changed: the
/// byte `at` gives for the decoded length, XORed with `mask`.
fn damage_admin_slot(suite: &Suite, field: &str, at: impl Fn(usize) -> usize, mask: u8) {
    let mut slots = suite.keyslots();
    let admin = slots["slots"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["name"] == "admin")
        .unwrap();
    let mut blob = B64.decode(admin[field].as_str().unwrap()).unwrap();
    let i = at(blob.len());
    blob[i] ^= mask;
    admin[field] = serde_json::Value::String(B64.encode(blob));
    fs::write(
        suite.keyslots_path(),
        serde_json::to_vec_pretty(&slots).unwrap(),
    )
    .unwrap();
}

#[test]
fn one_changed_byte_in_a_wrapped_key_is_named_and_the_recovery_key_still_opens() {
    let suite = Suite::new();
    let path = suite.keyslots_path();
    // Inside the authentication tag of the sealed master key.
    damage_admin_slot(&suite, "wrapped_key", |len| len - 1, 0x01);
    let before = fingerprint(&suite.db);

    let out = suite.admin(&["user", "list"]);
    assert_fails_with(
        &out,
        &format!(
            "the keyslot file {} is damaged (the slot of `admin`: it fails its checksum); \
             restore it from a backup or log in with the recovery key",
            path.display()
        ),
    );
    assert_eq!(
        fingerprint(&suite.db),
        before,
        "database or keyslots changed"
    );

    // The advice works: the recovery key's slot is intact.
    let users = suite.user_list_json("recovery", &suite.recovery_pw);
    assert_eq!(users.as_array().unwrap().len(), 1);
}

#[test]
fn a_damaged_sealed_private_key_is_named_as_damage_not_a_wrong_password_and_not_counted() {
    let suite = Suite::new();
    let path = suite.keyslots_path();
    // Inside the seal that the password opens: without a checksum this reads exactly like a
    // wrong password.
    damage_admin_slot(&suite, "sealed_private_key", |_| 30, 0x40);
    let damaged = format!(
        "the keyslot file {} is damaged (the slot of `admin`: it fails its checksum); \
         restore it from a backup or log in with the recovery key",
        path.display()
    );
    // Five tries: each names the damage, none is a wrong password, none starts a back-off.
    for _ in 0..5 {
        assert_fails_with(&suite.admin(&["user", "list"]), &damaged);
    }
    let after = suite.keyslots();
    let admin = after["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "admin")
        .unwrap();
    assert_eq!(admin["failed_attempts"], 0);
    assert!(admin["locked_until"].is_null());
    assert_eq!(after["pending_events"].as_array().unwrap().len(), 0);

    // A slot whose name was damaged is nobody's: its owner is told of damage too.
    let mut slots = suite.keyslots();
    for slot in slots["slots"].as_array_mut().unwrap() {
        if slot["name"] == "admin" {
            slot["name"] = serde_json::Value::String("admjn".into());
        }
    }
    fs::write(&path, serde_json::to_vec_pretty(&slots).unwrap()).unwrap();
    assert_fails_with(
        &suite.admin(&["user", "list"]),
        &damaged.replace("`admin`", "`admjn`"),
    );

    // The recovery key's slot is intact and still opens the database.
    let users = suite.user_list_json("recovery", &suite.recovery_pw);
    assert_eq!(users.as_array().unwrap().len(), 1);
}

#[test]
fn absurd_argon2_settings_in_a_slot_are_named_as_damage_before_any_work() {
    let suite = Suite::new();
    let path = suite.keyslots_path();
    let mut slots = suite.keyslots();
    for slot in slots["slots"].as_array_mut().unwrap() {
        if slot["name"] == "admin" {
            // Four terabytes: a login that tried it would exhaust the terminal.
            slot["kdf"]["memory_kib"] = serde_json::json!(4_000_000_000u32);
            slot.as_object_mut().unwrap().remove("checksum");
        }
    }
    fs::write(&path, serde_json::to_vec_pretty(&slots).unwrap()).unwrap();
    assert_fails_with(
        &suite.admin(&["user", "list"]),
        &format!(
            "the keyslot file {} is damaged (its Argon2 settings (4000000000 KiB, 3 passes, 1 lanes) are beyond what SONAR writes); \
             restore it from a backup or log in with the recovery key",
            path.display()
        ),
    );
}

#[test]
fn a_text_file_given_as_db_is_refused_and_left_unchanged() {
    let suite = Suite::new();
    let notes = suite.path().join("notes.txt");
    fs::write(
        &notes,
        "Cell 4: checked 10:15, asleep, breathing normally.\n",
    )
    .unwrap();
    let before = file_hash(&notes);

    let out = suite.run_as_on(&notes, "admin", &suite.admin_pw, &["user", "list"]);
    assert_fails_with(&out, &no_keyslot_sentence(&notes));
    assert_eq!(file_hash(&notes), before);

    // Even beside a genuine keyslot file (the key unwraps), the text file does not open.
    fs::copy(suite.keyslots_path(), sibling(&notes, ".keyslots")).unwrap();
    let slots_before = file_hash(&sibling(&notes, ".keyslots"));
    let out = suite.run_as_on(&notes, "admin", &suite.admin_pw, &["user", "list"]);
    assert_fails_with(&out, &not_a_database_sentence(&notes));
    assert_eq!(file_hash(&notes), before);
    assert_eq!(file_hash(&sibling(&notes, ".keyslots")), slots_before);
    assert!(!sibling(&notes, "-wal").exists());
}

#[test]
fn a_plain_unencrypted_sqlite_file_given_as_db_is_refused_and_left_unchanged() {
    let suite = Suite::new();
    let plain = suite.path().join("plain.db");
    {
        let conn = rusqlite::Connection::open(&plain).unwrap();
        conn.execute_batch(
            "CREATE TABLE person (surname TEXT); INSERT INTO person VALUES ('Plainfield');",
        )
        .unwrap();
    }
    let before = file_hash(&plain);

    let out = suite.run_as_on(&plain, "admin", &suite.admin_pw, &["check"]);
    assert_fails_with(&out, &no_keyslot_sentence(&plain));

    fs::copy(suite.keyslots_path(), sibling(&plain, ".keyslots")).unwrap();
    let out = suite.run_as_on(&plain, "admin", &suite.admin_pw, &["check"]);
    assert_fails_with(&out, &not_a_database_sentence(&plain));

    assert_eq!(file_hash(&plain), before);
    let conn = rusqlite::Connection::open(&plain).unwrap();
    let surname: String = conn
        .query_row("SELECT surname FROM person", [], |r| r.get(0))
        .unwrap();
    assert_eq!(surname, "Plainfield");
}

#[test]
fn a_missing_db_path_is_named_and_not_created() {
    let suite = Suite::new();
    let missing = suite.path().join("no-such-dir").join("suite.db");

    let out = suite.run_as_on(&missing, "admin", &suite.admin_pw, &["user", "list"]);
    assert_fails_with(
        &out,
        &format!(
            "there is no database at {}: create one with `sonar init` or give --db PATH",
            missing.display()
        ),
    );
    assert!(
        !missing.parent().unwrap().exists(),
        "the command created a directory"
    );
}

#[test]
fn a_database_from_a_newer_schema_is_refused_and_not_modified() {
    let suite = Suite::new();
    {
        let unlocked = Store::unlock(&suite.db, "admin", ADMIN_PASSWORD, Utc::now())
            .unwrap_or_else(|e| panic!("unlock: {e}"));
        unlocked
            .store
            .conn_for_reports()
            .pragma_update(None, "user_version", 99)
            .unwrap();
    }
    let before = fingerprint(&suite.db);

    let out = suite.admin(&["user", "list"]);
    assert_fails_with(
        &out,
        &format!(
            "the database was made by a newer version of SONAR (schema 99; this program knows up to {}) and has not been changed",
            latest_version()
        ),
    );
    assert_eq!(fingerprint(&suite.db), before);
}

/// SQLCipher's default page size: the damaged page is the one holding the flipped byte.
const PAGE: usize = 4096;

#[test]
fn a_flipped_byte_in_the_middle_of_the_database_is_named_and_the_damage_left_as_it_was() {
    let suite = Suite::new();
    suite.add_user("zquagmire", "hcp", SURNAME);
    let len = fs::metadata(&suite.db).unwrap().len() as usize;
    let offset = len / 2;
    flip_byte(&suite.db, offset);
    let page_no = offset / PAGE + 1;
    let page_range = (page_no - 1) * PAGE..page_no * PAGE;
    let damaged_page = fs::read(&suite.db).unwrap()[page_range.clone()].to_vec();
    let slots_before = file_hash(&suite.keyslots_path());
    let db_before = file_hash(&suite.db);

    let out = suite.admin(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    if out.stdout.is_empty() {
        // The damaged page is one every login reads: the open itself is refused, untouched.
        assert!(
            stderr == format!("sonar: {}\n", damaged_sentence(&suite.db))
                || stderr == format!("sonar: {}\n", not_a_database_sentence(&suite.db)),
            "stderr:\n{stderr}"
        );
        assert_eq!(file_hash(&suite.db), db_before);
    } else {
        // The login worked; the check names the page whose HMAC fails.
        assert!(
            stdout.contains(&format!(
                "cipher_integrity_check: HMAC verification failed for page {page_no}\n"
            )),
            "stdout:\n{stdout}"
        );
        assert_eq!(
            stderr,
            format!(
                "sonar: the database {} is damaged (page {page_no}): restore it from a backup\n",
                suite.db.display()
            )
        );
    }
    // The damage is left exactly as found (nothing rewrote or "repaired" the page).
    assert_eq!(
        fs::read(&suite.db).unwrap()[page_range].to_vec(),
        damaged_page
    );
    assert_eq!(file_hash(&suite.keyslots_path()), slots_before);
}

#[test]
fn a_flipped_byte_in_the_staff_table_gets_the_damaged_sentence_and_changes_nothing() {
    let suite = Suite::new();
    let root: usize = {
        let unlocked = Store::unlock(&suite.db, "admin", ADMIN_PASSWORD, Utc::now())
            .unwrap_or_else(|e| panic!("unlock: {e}"));
        unlocked
            .store
            .conn_for_reports()
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'staff'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as usize
    };
    assert!(root > 1);
    flip_byte(&suite.db, (root - 1) * PAGE + PAGE / 2);
    let before = fingerprint(&suite.db);

    // Every login reads the staff table, so the login is refused with the damage named...
    assert_fails_with(
        &suite.admin(&["user", "list"]),
        &damaged_sentence(&suite.db),
    );
    assert_eq!(fingerprint(&suite.db), before);
    // ...while `check` needs no login row: it reads, names the page, and writes nothing.
    let out = suite.admin(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "cipher_integrity_check: HMAC verification failed for page {root}\n"
        )),
        "stdout:\n{stdout}"
    );
    // A read-only open of a WAL database makes an empty `-wal` when there is none, as any
    // reader does; no content changes.
    let empty_wal = Some(file_hash(Path::new("/dev/null")).unwrap_or_default());
    let after: Vec<_> = fingerprint(&suite.db)
        .into_iter()
        .map(|(s, h)| {
            if s == "-wal" && h == empty_wal {
                (s, None)
            } else {
                (s, h)
            }
        })
        .collect();
    assert_eq!(after, before);
}

#[test]
fn sqlcipher_log_lines_never_reach_the_terminal() {
    // A wrong key makes SQLCipher log an HMAC failure; that must go to the log file or nowhere.
    let suite = Suite::new();
    let other = suite.path().join("other.db");
    fs::write(&other, vec![0x5a; 8 * PAGE]).unwrap();
    fs::copy(suite.keyslots_path(), sibling(&other, ".keyslots")).unwrap();

    let out = suite.run_as_on(&other, "admin", &suite.admin_pw, &["user", "list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.to_lowercase().contains("sqlcipher") && !stderr.contains("ERROR CORE"),
        "SQLCipher wrote to stderr:\n{stderr}"
    );
    assert_fails_with(&out, &not_a_database_sentence(&other));
}

// ---------------------------------------------------------------------------------------------
// Password files, temporary passwords, back-off, accounts

#[test]
fn a_password_file_readable_by_others_is_refused_before_any_login() {
    let suite = Suite::new();
    set_mode(&suite.admin_pw, 0o644);
    let before = fingerprint(&suite.db);

    let out = suite.admin(&["user", "list"]);
    assert_fails_with(
        &out,
        &format!(
            "the password file {} can be read by other users: run `chmod 600` on it first",
            suite.admin_pw.display()
        ),
    );
    assert_eq!(
        fingerprint(&suite.db),
        before,
        "a failure was recorded or data changed"
    );

    set_mode(&suite.admin_pw, 0o640);
    assert_fails_with(
        &suite.admin(&["user", "list"]),
        &format!(
            "the password file {} can be read by other users: run `chmod 600` on it first",
            suite.admin_pw.display()
        ),
    );
}

#[test]
fn a_temporary_password_must_be_changed_before_anything_else() {
    let suite = Suite::new();
    let out = suite.admin(&[
        "user",
        "add",
        "nurse",
        "--role",
        "hcp",
        "--full-name",
        "Ada Nurse",
    ]);
    let stdout = assert_success(&out);
    let temporary = temporary_password_from(&stdout);
    assert_eq!(
        stdout,
        format!(
            "Added `nurse` (Healthcare practitioner).\n\
             Temporary password (give it to them privately; they must change it at first login):\n  {temporary}\n"
        )
    );
    assert_eq!(temporary.len(), 19, "{temporary}");

    let temp_file = suite.password_file("nurse.temp.pw", &temporary);
    assert_fails_with(
        &suite.run_as("nurse", &temp_file, &["user", "list"]),
        "the password for `nurse` is temporary: choose your own with `sonar user passwd` first",
    );

    // A too-short choice is refused and the temporary password keeps working.
    let short = suite.password_file("short.pw", "short");
    assert_fails_with(
        &suite.run_as(
            "nurse",
            &temp_file,
            &[
                "user",
                "passwd",
                "--new-password-file",
                short.to_str().unwrap(),
            ],
        ),
        "the new password is too short: use at least 10 characters",
    );

    let new_file = suite.password_file("nurse.pw", NURSE_PASSWORD);
    let out = suite.run_as(
        "nurse",
        &temp_file,
        &[
            "user",
            "passwd",
            "--new-password-file",
            new_file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        assert_success(&out),
        "The password for `nurse` was changed.\n"
    );

    let users = suite.user_list_json("nurse", &new_file);
    let nurse = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "nurse")
        .unwrap();
    assert_eq!(nurse["display_name"], "Ada Nurse");
    assert_eq!(nurse["role"], "hcp");

    // The temporary password no longer opens anything.
    assert_fails_with(
        &suite.run_as("nurse", &temp_file, &["user", "list"]),
        WRONG_LOGIN,
    );
}

#[test]
fn failed_logins_back_off_and_enter_the_audit_at_the_next_login() {
    let suite = Suite::new();
    let bad = suite.password_file("bad.pw", "not the password at all");
    for _ in 0..3 {
        assert_fails_with(&suite.run_as("admin", &bad, &["user", "list"]), WRONG_LOGIN);
    }
    // Even the right password is refused while the account waits.
    let stderr = assert_fails_matching(
        &suite.admin(&["user", "list"]),
        &format!("sonar: too many failed logins for `admin`: try again in {ANY}"),
    );
    let wait: String = stderr
        .trim_end()
        .rsplit("try again in ")
        .next()
        .unwrap()
        .to_string();
    assert!(
        ["1 second", "1 seconds", "2 seconds"].contains(&wait.as_str()),
        "unexpected wait `{wait}`"
    );

    // After the wait the right password works, and the failures are in the audit chain.
    std::thread::sleep(Duration::from_millis(2100));
    let deadline = Instant::now() + Duration::from_secs(10);
    let export = loop {
        let out = suite.admin(&["audit", "export", "--format", "jsonl"]);
        if out.status.success() || Instant::now() > deadline {
            break assert_success(&out);
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let rows = parse_jsonl(&export);
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.staff.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("admin", "suite_created"),
            ("admin", "login_failed"),
            ("admin", "login_failed"),
            ("admin", "login_failed"),
            ("admin", "login"),
        ]
    );
    // The queue was emptied into the chain, not kept to be written twice.
    assert_eq!(
        suite.keyslots()["pending_events"].as_array().unwrap().len(),
        0
    );
    let out = suite.admin(&["audit", "verify"]);
    assert_eq!(
        assert_success(&out),
        "The audit chain is intact: 6 rows verified.\n"
    );
}

#[test]
fn disabling_an_account_removes_its_slot_and_its_password_opens_nothing() {
    let suite = Suite::new();
    let nurse_pw = suite.add_active_user("nurse", "hcp", "Ada Nurse", NURSE_PASSWORD);
    assert!(slot_names(&suite.keyslots()).contains(&"nurse".to_string()));

    let out = suite.admin(&["user", "disable", "nurse"]);
    assert_eq!(
        assert_success(&out),
        "Disabled `nurse` and replaced the master key: neither their password nor an old copy of the keyslot file opens the database.\n"
    );
    assert!(suite.keyslots().get("rekey_needed").is_none());
    let names = slot_names(&suite.keyslots());
    assert!(!names.contains(&"nurse".to_string()), "{names:?}");
    assert!(names.contains(&"admin".to_string()) && names.contains(&"recovery".to_string()));

    assert_fails_with(
        &suite.run_as("nurse", &nurse_pw, &["user", "list"]),
        WRONG_LOGIN,
    );

    let users = suite.user_list_json("admin", &suite.admin_pw);
    let nurse = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "nurse")
        .unwrap();
    assert_eq!(nurse["status"], "disabled");

    // One cannot disable the account one is logged in with.
    assert_fails_with(
        &suite.admin(&["user", "disable", "admin"]),
        "you cannot disable the account you are logged in with",
    );
}

/// Whether a stock SQLCipher reader opens the live database with the key that `user`'s
/// password unwraps from `keyslots` (a keyslot file kept from earlier): what someone with
/// a shell, an old copy of the file and their own password could read, unaudited.
fn stock_sqlcipher_reads(suite: &Suite, keyslots: &Path, user: &str, password: &str) -> bool {
    let elsewhere = tempfile::tempdir_in(suite.path()).unwrap();
    let fake_db = elsewhere.path().join("suite.db");
    fs::copy(keyslots, sibling(&fake_db, ".keyslots")).unwrap();
    let file = sonar_custody::store::keyslots::KeyslotFile::load(&fake_db).unwrap();
    let keys = file.unwrap_all(user, password.as_bytes()).unwrap();
    assert_eq!(keys.len(), 1, "the kept file has {user}'s slot");
    let conn = rusqlite::Connection::open_with_flags(
        &suite.db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        *keys[0].key.sqlcipher_literal()
    ))
    .unwrap();
    conn.query_row("SELECT count(*) FROM staff", [], |r| r.get::<_, i64>(0))
        .is_ok()
}

#[test]
fn a_disabled_user_with_an_old_copy_of_the_keyslot_file_opens_nothing() {
    let suite = Suite::new();
    suite.add_active_user("nurse", "hcp", "Ada Nurse", NURSE_PASSWORD);
    // The nurse keeps a copy of the keyslot file while still employed. It opens the database
    // then, so the refusal below is the rekey's doing.
    let kept = suite.path().join("kept.keyslots");
    fs::copy(suite.keyslots_path(), &kept).unwrap();
    assert!(stock_sqlcipher_reads(
        &suite,
        &kept,
        "nurse",
        NURSE_PASSWORD
    ));

    assert_success(&suite.admin(&["user", "disable", "nurse"]));

    assert!(!stock_sqlcipher_reads(
        &suite,
        &kept,
        "nurse",
        NURSE_PASSWORD
    ));
    // Everyone else still logs in.
    assert_success(&suite.admin(&["user", "list"]));
    assert_success(&suite.run_as("recovery", &suite.recovery_pw, &["user", "list"]));
}

#[test]
fn disabling_while_a_terminal_is_in_says_a_rekey_is_owed_until_one_runs() {
    let suite = Suite::new();
    let nurse_pw = suite.add_active_user("nurse", "hcp", "Ada Nurse", NURSE_PASSWORD);
    let kept = suite.path().join("kept.keyslots");
    fs::copy(suite.keyslots_path(), &kept).unwrap();
    // A sergeant's terminal is logged in, so the key cannot be replaced now.
    let terminal = Store::unlock(&suite.db, "admin", ADMIN_PASSWORD, Utc::now())
        .unwrap()
        .store;

    let out = suite.admin(&["user", "disable", "nurse"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "`nurse` is disabled and cannot log in, but the master key was not replaced because a \
         terminal is logged in, so an old copy of the keyslot file would still open the database \
         with their password: run `sonar rekey` once every terminal, wall boards included, is logged \
         out (`sonar check` reports it until then)."
    );
    // The account is disabled at once, and the file remembers the rekey owed.
    assert_fails_with(
        &suite.run_as("nurse", &nurse_pw, &["user", "list"]),
        WRONG_LOGIN,
    );
    let owed = suite.keyslots()["rekey_needed"].clone();
    assert!(
        owed[0]
            .as_str()
            .unwrap()
            .starts_with("`nurse` was disabled at "),
        "{owed}"
    );
    assert!(stock_sqlcipher_reads(
        &suite,
        &kept,
        "nurse",
        NURSE_PASSWORD
    ));

    // `sonar check` says so, and fails, until the rekey.
    let check = suite.admin(&["check"]);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("keys: a rekey is owed: `nurse` was disabled at "),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&check.stderr)
            .contains("run `sonar rekey` with every terminal, wall boards included, logged out")
    );

    drop(terminal);
    assert_success(&suite.admin(&["rekey"]));
    assert!(suite.keyslots().get("rekey_needed").is_none());
    assert_eq!(assert_success(&suite.admin(&["check"])), CHECK_OK);
    assert!(!stock_sqlcipher_reads(
        &suite,
        &kept,
        "nurse",
        NURSE_PASSWORD
    ));
}

#[test]
fn the_last_administrator_cannot_be_disabled_and_keeps_their_login() {
    let suite = Suite::new();
    let slots_before = slot_material(&suite.keyslots());

    let out = suite.run_as(
        "recovery",
        &suite.recovery_pw,
        &["user", "disable", "admin"],
    );
    assert_fails_with(
        &out,
        "this is the last active administrator; add another before disabling it",
    );
    // A refused disable must not have taken the administrator's keyslot away.
    assert_eq!(slot_material(&suite.keyslots()), slots_before);
    let users = suite.user_list_json("admin", &suite.admin_pw);
    assert_eq!(users[0]["status"], "active");
}

#[test]
fn a_non_admin_cannot_add_accounts() {
    let suite = Suite::new();
    let nurse_pw = suite.add_active_user("nurse", "hcp", "Ada Nurse", NURSE_PASSWORD);
    let slots_before = slot_material(&suite.keyslots());

    let out = suite.run_as(
        "nurse",
        &nurse_pw,
        &["user", "add", "intruder", "--role", "admin"],
    );
    assert_fails_with(
        &out,
        "a healthcare practitioner may not manage staff accounts: the administrator does it",
    );

    assert_eq!(slot_material(&suite.keyslots()), slots_before);
    let users = suite.user_list_json("nurse", &nurse_pw);
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["admin", "nurse"]);
}

#[test]
fn usage_errors_exit_2() {
    let suite = Suite::new();
    let out = suite.cmd().args(["user", "add", "nurse"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    let out = suite
        .cmd()
        .args(["audit", "export", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------------
// The audit chain

#[test]
fn an_untouched_audit_chain_verifies() {
    let suite = Suite::new();
    let out = suite.admin(&["audit", "verify"]);
    // suite_created, then this command's own login.
    assert_eq!(
        assert_success(&out),
        "The audit chain is intact: 2 rows verified.\n"
    );
}

#[test]
fn an_edited_audit_row_is_named_by_audit_verify() {
    let suite = Suite::new();
    {
        let mut store = Store::unlock(&suite.db, "admin", ADMIN_PASSWORD, Utc::now())
            .unwrap_or_else(|e| panic!("unlock: {e}"))
            .store;
        for subject in ["C1", "C2", "C3"] {
            store
                .audit(
                    Utc::now(),
                    sonar_custody::store::audit::AuditAction::RecordRead,
                    subject,
                    "",
                )
                .unwrap();
        }
        let conn = store.conn_for_reports();
        conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
        let changed = conn
            .execute("UPDATE audit SET subject = 'C9' WHERE id = 3", [])
            .unwrap();
        assert_eq!(changed, 1);
    }
    let out = suite.admin(&["audit", "verify"]);
    assert_fails_with(
        &out,
        "the audit chain is broken at row 3: its content was changed after it was written",
    );
}

#[test]
fn audit_export_csv_and_jsonl_parse_and_their_hashes_recompute() {
    let suite = Suite::new();
    suite.add_user("nurse", "hcp", "Ada Nurse");

    let csv = assert_success(&suite.admin(&["audit", "export", "--format", "csv"]));
    let table = parse_csv(&csv);
    assert_eq!(
        table[0],
        [
            "id",
            "at",
            "staff",
            "action",
            "subject",
            "detail",
            "prev_hash",
            "row_hash"
        ]
    );
    let body = &table[1..];
    assert!(body.len() >= 4, "{csv}");
    for (i, row) in body.iter().enumerate() {
        assert_eq!(row.len(), 8, "row {i}: {row:?}");
        assert_eq!(row[0], (i + 1).to_string());
    }

    let jsonl = assert_success(&suite.admin(&["audit", "export", "--format", "jsonl"]));
    let rows = parse_jsonl(&jsonl);
    // The JSONL export's own login is one more row; the rest match the CSV field for field.
    assert_eq!(rows.len(), body.len() + 1);
    for (row, csv_row) in rows.iter().zip(body) {
        let fields = [
            row.id.to_string(),
            row.at.clone(),
            row.staff.clone(),
            row.action.clone(),
            row.subject.clone(),
            row.detail.clone(),
            row.prev_hash.clone(),
            row.row_hash.clone(),
        ];
        assert_eq!(&fields[..], &csv_row[..]);
    }
    let mut prev = sonar_custody::store::audit::GENESIS.to_string();
    for row in &rows {
        assert_eq!(row.prev_hash, prev, "row {}", row.id);
        assert_eq!(
            row.row_hash,
            row_hash(
                &row.prev_hash,
                row.id,
                &row.at,
                &row.staff,
                &row.action,
                &row.subject,
                &row.detail
            ),
            "row {}",
            row.id
        );
        assert!(row.at.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(&row.at).is_ok());
        prev = row.row_hash.clone();
    }
    let added = rows.iter().find(|r| r.action == "user_added").unwrap();
    assert_eq!(
        (added.staff.as_str(), added.subject.as_str()),
        ("admin", "nurse")
    );

    // --out writes a private file and says so on stderr.
    let out_path = suite.path().join("audit.csv");
    let out = suite.admin(&["audit", "export", "--out", out_path.to_str().unwrap()]);
    assert!(out.status.success());
    let written = fs::read_to_string(&out_path).unwrap();
    let n = parse_csv(&written).len() - 1;
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("Wrote {n} audit rows to {}.\n", out_path.display())
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&out_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

// ---------------------------------------------------------------------------------------------
// rekey

#[test]
fn after_rekey_every_login_works_the_data_is_intact_and_old_slots_open_nothing() {
    let suite = Suite::new();
    let nurse_pw = suite.add_active_user("nurse", "hcp", SURNAME, NURSE_PASSWORD);
    let users_before = suite.user_list_json("admin", &suite.admin_pw);
    let old_slots_copy = suite.path().join("old.keyslots");
    fs::copy(suite.keyslots_path(), &old_slots_copy).unwrap();
    let old_ids = key_ids(&suite.keyslots());
    assert_eq!(old_ids.len(), 1);

    let out = suite.admin(&["rekey"]);
    assert_eq!(
        assert_success(&out),
        format!(
            "The master key of {} was replaced; every account and the recovery key still open it.\n",
            suite.db.display()
        )
    );

    let slots = suite.keyslots();
    let new_ids = key_ids(&slots);
    assert_eq!(
        new_ids.len(),
        1,
        "one key generation after rekey: {new_ids:?}"
    );
    assert_ne!(new_ids, old_ids);
    let mut names = slot_names(&slots);
    names.sort();
    assert_eq!(names, ["admin", "nurse", "recovery"]);
    assert!(!sibling(&suite.db, ".rekey-tmp").exists());

    assert_eq!(suite.user_list_json("admin", &suite.admin_pw), users_before);
    assert_eq!(suite.user_list_json("nurse", &nurse_pw), users_before);
    assert_eq!(
        suite.user_list_json("recovery", &suite.recovery_pw),
        users_before
    );
    let verify = assert_success(&suite.admin(&["audit", "verify"]));
    assert!(
        verify.starts_with("The audit chain is intact: "),
        "{verify}"
    );
    let export = parse_jsonl(&assert_success(
        &suite.admin(&["audit", "export", "--format", "jsonl"]),
    ));
    assert_eq!(export.iter().filter(|r| r.action == "rekey").count(), 1);

    // The rekeyed database beside a copy of the old keyslot file: the old key opens nothing.
    let elsewhere = suite.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    let copy = elsewhere.join("suite.db");
    fs::copy(&suite.db, &copy).unwrap();
    fs::copy(&old_slots_copy, sibling(&copy, ".keyslots")).unwrap();
    let before = fingerprint(&copy);
    let out = suite.run_as_on(&copy, "admin", &suite.admin_pw, &["user", "list"]);
    assert_fails_with(&out, &not_a_database_sentence(&copy));
    assert_eq!(fingerprint(&copy), before);
}

/// Rekey aborted (as by a power cut) at `step`: the database still opens with its data.
fn rekey_crash_at(step: &str) {
    let suite = Suite::new();
    suite.add_active_user("nurse", "hcp", SURNAME, NURSE_PASSWORD);
    let users_before = suite.user_list_json("admin", &suite.admin_pw);

    let out = suite
        .cmd()
        .env("SONAR_TEST_CRASH_AT", step)
        .arg("rekey")
        .arg("--db")
        .arg(&suite.db)
        .args(["--user", "admin", "--password-file"])
        .arg(&suite.admin_pw)
        .output()
        .unwrap();
    assert_eq!(
        out.status.signal(),
        Some(6),
        "rekey did not abort at {step}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(suite.user_list_json("admin", &suite.admin_pw), users_before);
    // The first login after the crash drops the key generation that no longer opens the
    // database, and the half-made copy, so later logins pay for one Argon2 run, not two.
    assert_eq!(
        key_ids(&suite.keyslots()).len(),
        1,
        "after a login at {step}"
    );
    let mut leftover = suite.db.as_os_str().to_os_string();
    leftover.push(".rekey-tmp");
    assert!(!std::path::Path::new(&leftover).exists(), "{step}");
    assert_eq!(assert_success(&suite.admin(&["check"])), CHECK_OK);
    let verify =
        assert_success(&suite.run_as("recovery", &suite.recovery_pw, &["audit", "verify"]));
    assert!(
        verify.starts_with("The audit chain is intact: "),
        "{verify}"
    );

    // A later rekey completes and leaves one key generation.
    assert_success(&suite.admin(&["rekey"]));
    assert_eq!(key_ids(&suite.keyslots()).len(), 1);
    assert_eq!(suite.user_list_json("admin", &suite.admin_pw), users_before);
}

#[test]
fn rekey_crash_after_new_slots_still_opens() {
    rekey_crash_at("rekey-after-slots");
}

#[test]
fn rekey_crash_after_export_still_opens() {
    rekey_crash_at("rekey-after-export");
}

#[test]
fn rekey_crash_after_swap_still_opens() {
    rekey_crash_at("rekey-after-swap");
}

#[test]
fn rekey_killed_at_a_random_moment_leaves_a_database_that_opens() {
    let suite = Suite::new();
    suite.add_active_user("nurse", "hcp", SURNAME, NURSE_PASSWORD);
    let users_before = suite.user_list_json("admin", &suite.admin_pw);

    let rekey = || {
        let mut cmd = std::process::Command::new(sonar_path());
        isolate(&mut cmd, suite.path());
        cmd.arg("rekey")
            .arg("--db")
            .arg(&suite.db)
            .args(["--user", "admin", "--password-file"])
            .arg(&suite.admin_pw)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };
    // How long a login alone and a whole rekey (login included) take here, so that most kills
    // land after the login, inside the rekey itself.
    let started = Instant::now();
    assert_success(&suite.admin(&["user", "list"]));
    let login = started.elapsed().as_millis() as u64;
    let started = Instant::now();
    assert!(rekey().status().unwrap().success());
    let whole = (started.elapsed().as_millis() as u64).max(login + 10);

    for attempt in 0..6 {
        let delay = rand::random_range(login * 9 / 10..=whole + 10);
        let mut child = rekey().spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        // What the kill left, for the log: key generations in the keyslot file, and whether
        // the rekeyed copy was left beside the database.
        let generations = key_ids(&suite.keyslots()).len();
        let temp_copy = sibling(&suite.db, ".rekey-tmp").exists();
        eprintln!(
            "attempt {attempt}: killed after {delay} ms (login ~{login} ms, rekey ~{whole} ms; \
             {status:?}); left {generations} key generation(s), temp copy: {temp_copy}"
        );

        assert_eq!(
            suite.user_list_json("admin", &suite.admin_pw),
            users_before,
            "after a kill at {delay} ms"
        );
        assert_eq!(
            assert_success(&suite.admin(&["check"])),
            CHECK_OK,
            "after a kill at {delay} ms"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// backup and check

#[test]
fn a_backup_opens_with_the_same_logins_and_accounts() {
    let suite = Suite::new();
    let nurse_pw = suite.add_active_user("nurse", "hcp", SURNAME, NURSE_PASSWORD);
    let users = suite.user_list_json("admin", &suite.admin_pw);
    let out_path = suite.path().join("backups").join("suite-backup.db");
    fs::create_dir(out_path.parent().unwrap()).unwrap();
    // Private, as backups must be kept (`check` on the copy reports a directory others reach).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            out_path.parent().unwrap(),
            fs::Permissions::from_mode(0o700),
        )
        .unwrap();
    }

    let out = suite.admin(&["backup", out_path.to_str().unwrap()]);
    assert_eq!(
        assert_success(&out),
        format!(
            "Backup written to {} with its keyslot file {}.keyslots; it opens with the same logins.\n",
            out_path.display(),
            out_path.display()
        )
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        fs::metadata(&out_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!sibling(&out_path, ".partial").exists());

    // Still encrypted, and holds no name in the clear.
    let bytes = fs::read(&out_path).unwrap();
    assert!(!contains_bytes(&bytes, b"Quagmire"));
    let plain = rusqlite::Connection::open(&out_path).unwrap();
    let err = plain
        .query_row("SELECT * FROM sqlite_master", [], |_| Ok(()))
        .unwrap_err();
    assert!(err.to_string().contains("file is not a database"), "{err}");
    drop(plain);

    assert_eq!(
        suite.user_list_json_on(&out_path, "admin", &suite.admin_pw),
        users
    );
    assert_eq!(
        suite.user_list_json_on(&out_path, "nurse", &nurse_pw),
        users
    );
    assert_eq!(
        assert_success(&suite.run_as_on(&out_path, "recovery", &suite.recovery_pw, &["check"])),
        CHECK_OK
    );
}

#[test]
fn a_backup_onto_an_existing_path_is_refused_and_the_file_kept() {
    let suite = Suite::new();
    let existing = suite.path().join("yesterday.db");
    fs::write(&existing, "yesterday's backup\n").unwrap();
    let before = file_hash(&existing);

    let out = suite.admin(&["backup", existing.to_str().unwrap()]);
    assert_fails_with(
        &out,
        &format!(
            "{} already exists; refusing to overwrite it",
            existing.display()
        ),
    );
    assert_eq!(file_hash(&existing), before);
    assert!(!sibling(&existing, ".keyslots").exists());

    // The database itself is also an existing path.
    let out = suite.admin(&["backup", suite.db.to_str().unwrap()]);
    assert_fails_with(
        &out,
        &format!(
            "{} already exists; refusing to overwrite it",
            suite.db.display()
        ),
    );
}

#[test]
fn check_on_a_healthy_database_exits_0() {
    let suite = Suite::new();
    assert_eq!(assert_success(&suite.admin(&["check"])), CHECK_OK);
}
