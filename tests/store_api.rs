//! The encrypted store through its Rust API, in-process: what is on disk while a session is
//! open, several terminals writing at once, the login back-off at fixed instants, and an online
//! backup taken while another session writes.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, Utc};
use common::*;
use sonar_custody::domain::role::Role;
use sonar_custody::store::audit::{self, AuditAction, ChainReport};
use sonar_custody::store::{Store, StoreError, maintenance};

const SURNAME: &str = "Zebediah Quagmire-Thistlewood";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A fresh suite made in-process; returns its directory, database path and recovery key.
fn new_suite() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::Builder::new()
        .prefix("sonar-api-")
        .tempdir()
        .unwrap();
    let db = dir.path().join("suite.db");
    let (store, recovery) = Store::init(
        &db,
        SUITE_NAME,
        "admin",
        ADMIN_PASSWORD,
        at("2026-11-23T09:00:00Z"),
    )
    .unwrap_or_else(|e| panic!("init: {e}"));
    drop(store);
    (dir, db, recovery.to_string())
}

fn unlock(db: &Path, user: &str, secret: &str, now: DateTime<Utc>) -> Result<Store, StoreError> {
    Store::unlock(db, user, secret, now).map(|u| u.store)
}

fn chain_rows(store: &Store) -> i64 {
    match audit::verify(store.conn_for_reports()).unwrap() {
        ChainReport::Intact { rows } => rows,
        broken => panic!("the chain is broken: {broken:?}"),
    }
}

#[test]
fn neither_the_database_nor_its_wal_holds_a_name_while_a_session_is_open() {
    let (_dir, db, _) = new_suite();
    let mut store = unlock(&db, "admin", ADMIN_PASSWORD, Utc::now()).unwrap();
    store
        .add_user(
            "zquagmire",
            SURNAME,
            Role::Hcp,
            "temporary-pass-1",
            Utc::now(),
        )
        .unwrap();

    // The session is still open, so the new row sits in the WAL, not yet checkpointed.
    let wal = sibling(&db, "-wal");
    let wal_bytes = fs::read(&wal).expect("an open session has a WAL");
    assert!(!wal_bytes.is_empty(), "the write did not reach the WAL");
    for path in [
        db.clone(),
        wal,
        sibling(&db, "-shm"),
        sibling(&db, ".keyslots"),
    ] {
        let bytes = fs::read(&path).unwrap_or_default();
        for needle in [SURNAME, "Quagmire", "Thistlewood"] {
            assert!(
                !contains_bytes(&bytes, needle.as_bytes()),
                "{} holds `{needle}` in the clear",
                path.display()
            );
        }
    }

    let users = store.list_users().unwrap();
    let added = users.iter().find(|u| u.username == "zquagmire").unwrap();
    assert_eq!(added.display_name, SURNAME);
    assert_eq!(added.role, Role::Hcp);
}

#[test]
fn two_sessions_writing_at_once_lose_nothing_and_the_chain_verifies() {
    let (_dir, db, recovery) = new_suite();
    const WRITES: usize = 50;
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [
        ("admin", ADMIN_PASSWORD.to_string()),
        ("recovery", recovery),
    ]
    .into_iter()
    .map(|(user, secret)| {
        let db = db.clone();
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || {
            let mut store = unlock(&db, user, &secret, Utc::now())
                .unwrap_or_else(|e| panic!("{user} unlock: {e}"));
            barrier.wait();
            for i in 0..WRITES {
                store
                    .audit(
                        Utc::now(),
                        AuditAction::RecordRead,
                        &format!("{user}-{i}"),
                        "",
                    )
                    .unwrap_or_else(|e| panic!("{user} write {i}: {e}"));
            }
        })
    })
    .collect();
    for handle in handles {
        handle.join().expect("a writer panicked");
    }

    let store = unlock(&db, "admin", ADMIN_PASSWORD, Utc::now()).unwrap();
    // suite_created + two logins + 2 × 50 writes + this login.
    assert_eq!(chain_rows(&store), 1 + 2 + 2 * WRITES as i64 + 1);
    let mut stmt = store
        .conn_for_reports()
        .prepare("SELECT staff, subject FROM audit WHERE action = 'record_read' ORDER BY id")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for user in ["admin", "recovery"] {
        let mine: Vec<&str> = rows
            .iter()
            .filter(|(staff, _)| staff == user)
            .map(|(_, subject)| subject.as_str())
            .collect();
        let expected: Vec<String> = (0..WRITES).map(|i| format!("{user}-{i}")).collect();
        assert_eq!(mine, expected, "{user}'s writes, in order");
    }
}

#[test]
fn failed_logins_back_off_at_fixed_instants_and_are_audited() {
    let (_dir, db, _) = new_suite();
    let t0 = at("2026-11-23T10:00:00Z");
    for i in 0..3 {
        match unlock(&db, "admin", "not the password", t0) {
            Err(StoreError::BadCredentials) => {}
            Err(e) => panic!("attempt {i}: {e}"),
            Ok(_) => panic!("attempt {i}: a wrong password opened the database"),
        }
    }
    match unlock(&db, "admin", ADMIN_PASSWORD, t0) {
        Err(e @ StoreError::LockedOut { .. }) => assert_eq!(
            e.to_string(),
            "too many failed logins for `admin`: try again in 2 seconds"
        ),
        Err(e) => panic!("expected a lock-out, got: {e}"),
        Ok(_) => panic!("the right password worked during the back-off"),
    }
    // A fourth wrong password after the wait doubles it.
    match unlock(&db, "admin", "still not it", t0 + Duration::seconds(2)) {
        Err(StoreError::BadCredentials) => {}
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a wrong password opened the database"),
    }
    match unlock(&db, "admin", ADMIN_PASSWORD, t0 + Duration::seconds(3)) {
        Err(e) => assert_eq!(
            e.to_string(),
            "too many failed logins for `admin`: try again in 3 seconds"
        ),
        Ok(_) => panic!("the right password worked during the back-off"),
    }

    let store = unlock(&db, "admin", ADMIN_PASSWORD, t0 + Duration::seconds(6))
        .unwrap_or_else(|e| panic!("after the wait: {e}"));
    let mut stmt = store
        .conn_for_reports()
        .prepare("SELECT at, staff, action FROM audit ORDER BY id")
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let row = |at: &str, action: &str| (at.to_string(), "admin".to_string(), action.to_string());
    assert_eq!(
        rows,
        vec![
            row("2026-11-23T09:00:00Z", "suite_created"),
            row("2026-11-23T10:00:00Z", "login_failed"),
            row("2026-11-23T10:00:00Z", "login_failed"),
            row("2026-11-23T10:00:00Z", "login_failed"),
            row("2026-11-23T10:00:02Z", "login_failed"),
            row("2026-11-23T10:00:06Z", "login"),
        ]
    );
    drop(stmt);
    assert_eq!(chain_rows(&store), 6);
}

#[test]
fn a_one_second_wait_is_said_in_the_singular() {
    let (_dir, db, _) = new_suite();
    let t0 = at("2026-11-23T10:00:00Z");
    for _ in 0..3 {
        assert!(unlock(&db, "admin", "not the password", t0).is_err());
    }
    match unlock(&db, "admin", ADMIN_PASSWORD, t0 + Duration::seconds(1)) {
        Err(e) => assert_eq!(
            e.to_string(),
            "too many failed logins for `admin`: try again in 1 second"
        ),
        Ok(_) => panic!("the right password worked during the back-off"),
    }
}

#[test]
fn a_newer_schema_is_refused_by_unlock_and_the_files_are_untouched() {
    let (_dir, db, _) = new_suite();
    // One past the newest migration this program knows.
    let newer = sonar_custody::store::migrations::latest_version() + 1;
    {
        let store = unlock(&db, "admin", ADMIN_PASSWORD, Utc::now()).unwrap();
        store
            .conn_for_reports()
            .pragma_update(None, "user_version", newer)
            .unwrap();
    }
    let before = fingerprint(&db);
    match unlock(&db, "admin", ADMIN_PASSWORD, Utc::now()) {
        Err(StoreError::NewerSchema { found, known }) if found == newer => {
            assert_eq!(known, sonar_custody::store::migrations::latest_version())
        }
        Err(e) => panic!("expected the newer-schema refusal, got: {e}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn an_online_backup_taken_during_writes_opens_and_verifies() {
    let (dir, db, recovery) = new_suite();
    let writer_db = db.clone();
    let barrier = Arc::new(Barrier::new(2));
    let writer_barrier = Arc::clone(&barrier);
    let writer = std::thread::spawn(move || {
        let mut store = unlock(&writer_db, "recovery", &recovery, Utc::now()).unwrap();
        writer_barrier.wait();
        for i in 0..40 {
            store
                .audit(Utc::now(), AuditAction::RecordWrite, &format!("W{i}"), "")
                .unwrap();
        }
    });
    let mut store = unlock(&db, "admin", ADMIN_PASSWORD, Utc::now()).unwrap();
    barrier.wait();
    let out = dir.path().join("backup.db");
    maintenance::backup(&mut store, &out, Utc::now()).unwrap_or_else(|e| panic!("backup: {e}"));
    writer.join().expect("the writer panicked");
    drop(store);

    let backup = unlock(&out, "admin", ADMIN_PASSWORD, Utc::now())
        .unwrap_or_else(|e| panic!("the backup does not open: {e}"));
    let rows = chain_rows(&backup);
    // suite_created, two logins, up to 40 writes (however many were in when the copy was
    // taken), and the login to the backup.
    assert!((4..=44).contains(&rows), "{rows} rows");
    assert_eq!(backup.suite_name().unwrap(), SUITE_NAME);
    drop(backup);
    assert!(
        maintenance::check(&out, "admin", ADMIN_PASSWORD, Utc::now())
            .unwrap()
            .is_ok()
    );
}
