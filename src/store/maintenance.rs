//! Whole-database work: rotating the master key, online backups and integrity checks.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::domain::authority::Duty;
use rusqlite::{Connection, OpenFlags};

use super::audit::{self, AuditAction};
use super::connection;
use super::keyslots::{self, MasterKey};
use super::session::{remove_database_files, with_keyslots};
use super::{Store, StoreError};

/// Crash injection for tests: when the environment variable `SONAR_TEST_CRASH_AT` names a
/// step, the process aborts there, as a power cut or `kill -9` would. Holds no secret.
fn crash_point(step: &str) {
    if std::env::var("SONAR_TEST_CRASH_AT").is_ok_and(|v| v == step) {
        std::process::abort();
    }
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Replaces the master key: every slot gets the new key sealed to it, the database is copied
/// under the new key and swapped in atomically, then the old slots are dropped. A crash at any
/// step leaves a database that opens with the slots in the keyslot file (old or new key).
/// Returns the reopened session.
pub fn rekey(store: Store, now: DateTime<Utc>) -> Result<Store, StoreError> {
    let identity = store.identity().clone();
    crate::domain::authority::permit(identity.role, Duty::ManageKeys)?;
    match store.session_lock().try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(StoreError::InUse(
                "a terminal is logged in (an open wall board counts)".into(),
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(StoreError::io("locking the database for rekey", e));
        }
    }
    // A duplicate of the locked handle: the exclusive lock lives as long as either, so it is
    // still held after the session is closed for the swap below.
    let exclusive = store
        .session_lock()
        .try_clone()
        .map_err(|e| StoreError::io("holding the database lock for rekey", e))?;
    let db = store.db_path().to_path_buf();
    let old_key = store.master_key().clone();
    let new_key = MasterKey::generate();
    let temp = sibling(&db, ".rekey-tmp");
    remove_database_files(&temp);

    // 1. Every slot also opens the new key.
    with_keyslots(&db, |slots| {
        slots.add_generation(&old_key.key_id(), &new_key)?;
        Ok(((), true))
    })?;
    crash_point("rekey-after-slots");

    // 2. A complete copy under the new key, on disk before anything points at it.
    {
        let conn = store.conn();
        let literal = new_key.sqlcipher_literal();
        // At its final size, so no freed buffer keeps part of the key; zeroized when dropped.
        let attach =
            crate::secret::concat(&["ATTACH DATABASE ?1 AS rekeyed KEY \"", &literal, "\""]);
        // Created empty here, private: the connection was opened without CREATE, so ATTACH
        // could not make the file itself.
        crate::atomic_file::create_new_private(&temp)
            .map_err(|e| StoreError::io(format!("creating {}", temp.display()), e))?;
        let temp_text = temp.to_string_lossy().into_owned();
        conn.execute(&attach, [temp_text])
            .map_err(|e| StoreError::from_sql(e, &db))?;
        let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        let exported = conn
            .query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()))
            .and_then(|()| conn.pragma_update(Some("rekeyed"), "user_version", version))
            .and_then(|()| conn.execute_batch("DETACH DATABASE rekeyed"));
        if let Err(e) = exported {
            let _ = conn.execute_batch("DETACH DATABASE rekeyed");
            remove_database_files(&temp);
            return Err(StoreError::from_sql(e, &db));
        }
        std::fs::File::open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io("flushing the rekeyed copy", e))?;
    }
    crash_point("rekey-after-export");

    // 3. Fold the WAL into the old file and close it, so no stale WAL meets the new file.
    store
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| StoreError::from_sql(e, &db))?;
    drop(store);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(sibling(&db, suffix));
    }
    std::fs::rename(&temp, &db)
        .map_err(|e| StoreError::io("swapping in the rekeyed database", e))?;
    if let Some(dir) = db.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        crate::atomic_file::sync_dir(dir)
            .map_err(|e| StoreError::io("flushing the directory", e))?;
    }
    crash_point("rekey-after-swap");

    // 4. Only the new key's slots remain.
    with_keyslots(&db, |slots| {
        slots.retain_generation(&new_key.key_id());
        slots.rekey_needed.clear();
        Ok(((), true))
    })?;

    let conn = connection::open_existing(&db, &new_key)?;
    drop(exclusive);
    let mut reopened = Store::from_parts(conn, &db, identity, new_key)?;
    let by = reopened.identity().username.clone();
    reopened.write(Duty::ManageKeys, now, |tx| {
        audit::append(tx, now, &by, AuditAction::Rekey, "", "master key replaced")?;
        Ok(())
    })?;
    Ok(reopened)
}

/// Copies the database, still encrypted with the same key, to `out` while others keep
/// working (SQLite's online backup API), and its keyslot file beside it, so the backup opens
/// with the same logins. Nothing is left at `out` if it fails.
pub fn backup(store: &mut Store, out: &Path, now: DateTime<Utc>) -> Result<(), StoreError> {
    if out.exists() {
        return Err(StoreError::AlreadyExists {
            path: out.to_path_buf(),
        });
    }
    let partial = sibling(out, ".partial");
    remove_database_files(&partial);
    let result = (|| {
        crate::atomic_file::create_new_private(&partial)
            .map_err(|e| StoreError::io(format!("creating {}", partial.display()), e))?;
        let mut dest = connection::open_keyed(
            &partial,
            store.master_key(),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?;
        {
            let backup = rusqlite::backup::Backup::new(store.conn(), &mut dest)
                .map_err(|e| StoreError::from_sql(e, out))?;
            backup
                .run_to_completion(256, std::time::Duration::from_millis(5), None)
                .map_err(|e| StoreError::from_sql(e, out))?;
        }
        dest.execute_batch("PRAGMA journal_mode = DELETE")
            .map_err(|e| StoreError::from_sql(e, out))?;
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io(format!("flushing {}", partial.display()), e))?;
        let slots = keyslots::KeyslotFile::load(store.db_path())?;
        slots.save(out)?;
        // The copy gets its own checkpoint, of exactly what it holds.
        super::checkpoint::write(&dest, out, now, &super::checkpoint::Assessment::default())?;
        drop(dest);
        std::fs::rename(&partial, out)
            .map_err(|e| StoreError::io(format!("moving the backup to {}", out.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600));
        }
        Ok(())
    })();
    if let Err(e) = result {
        remove_database_files(&partial);
        let _ = std::fs::remove_file(keyslots::sidecar_path(out));
        let _ = std::fs::remove_file(super::checkpoint::path(out));
        return Err(e);
    }
    let detail = out.display().to_string();
    store.audit(now, AuditAction::Backup, "", &detail)
}

/// What `sonar check` found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// `PRAGMA quick_check` problems; empty when the structure is sound.
    pub structure: Vec<String>,
    /// `PRAGMA cipher_integrity_check` problems (pages whose HMAC fails); empty when sound.
    pub pages: Vec<String>,
    /// The numbers of the damaged pages those lines name, in order.
    pub damaged_pages: Vec<u64>,
    /// The audit chain's first broken row, as `sonar audit verify` says it.
    pub chain: Option<String>,
    /// What the signed checkpoint shows: rows missing, a rewritten chain, a forged or missing
    /// checkpoint file (`store::checkpoint`).
    pub checkpoint: Vec<String>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.structure.is_empty()
            && self.pages.is_empty()
            && self.chain.is_none()
            && self.checkpoint.is_empty()
    }

    /// Whether the file itself is damaged (as opposed to rows missing from a sound file).
    pub fn is_damaged(&self) -> bool {
        !self.structure.is_empty() || !self.pages.is_empty()
    }
}

/// Checks the database at `db`, opened read-only with the key `username`'s secret unwraps:
/// the b-tree structure, every page's HMAC, the audit chain, and the audit against its signed
/// checkpoint. Nothing is written: no login row, no WAL checkpoint (a damaged page in the WAL
/// is never copied into the main file), no checkpoint file. A disabled account's slot is
/// gone, so it unwraps nothing.
pub fn check(
    db: &Path,
    username: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<CheckReport, StoreError> {
    let mut last = None;
    for candidate in super::session::unwrap_keys(db, username, secret, now, true)? {
        let conn = connection::open_read_only(db, &candidate.key)?;
        let proven = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        });
        match proven {
            Ok(_) => {
                let mut report = check_connection(&conn)?;
                if !report.is_damaged() {
                    check_audit(&conn, db, &mut report)?;
                }
                return Ok(report);
            }
            Err(e) => match StoreError::from_sql(e, db) {
                e @ StoreError::NotADatabase { .. } => last = Some(e),
                // The schema does not read: every page's HMAC still names which is damaged.
                StoreError::Damaged { .. } => {
                    let mut report = CheckReport {
                        structure: vec!["the schema (sqlite_master) does not read".into()],
                        ..CheckReport::default()
                    };
                    match page_check(&conn) {
                        Ok(lines) => report.pages = lines,
                        Err(e) => report
                            .pages
                            .push(format!("the page check could not run: {e}")),
                    }
                    report.damaged_pages = damaged_pages(&report.pages);
                    return Ok(report);
                }
                other => return Err(other),
            },
        }
    }
    Err(last.unwrap_or(StoreError::NotADatabase {
        path: db.to_path_buf(),
    }))
}

/// Why the master key must still be replaced (accounts disabled while terminals were logged
/// in, recorded in the keyslot file until `rekey` runs), one sentence each.
pub fn rekey_findings(db: &Path) -> Vec<String> {
    let Ok(slots) = super::keyslots::KeyslotFile::load(db) else {
        return Vec::new();
    };
    slots
        .rekey_needed
        .iter()
        .map(|why| {
            format!(
                "a rekey is owed: {why}, and an old copy of the keyslot file would still open the database with that password"
            )
        })
        .collect()
}

/// The files of the database at `db` that someone other than their owner can reach, one
/// sentence each naming the file, its mode and the `chmod` that fixes it: the database, its
/// WAL, shared-memory and journal files, the keyslot, checkpoint and alarm files, the lock
/// files, and the directory they are in (read or write by group or others). The encryption
/// does not stop a person with a staff password and a copy of the files, so staff must never
/// reach them (docs/threat-model.md). Only the mode bits are read: an ACL is not seen. Empty
/// when all is private, and always on systems without Unix modes.
pub fn file_access_findings(db: &Path) -> Vec<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let why = "staff must never reach the suite's files (docs/threat-model.md)";
        let mut findings = Vec::new();
        let files = [
            "",
            "-wal",
            "-shm",
            "-journal",
            ".keyslots",
            ".keyslots.lock",
            ".lock",
            ".checkpoint",
            ".alarms",
        ];
        for suffix in files {
            let path = sibling(db, suffix);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o7777;
            let others = match (mode & 0o044 != 0, mode & 0o022 != 0) {
                (true, true) => "can be read and changed by others than its owner",
                (true, false) => "can be read by others than its owner",
                (false, true) => "can be changed by others than its owner",
                (false, false) => continue,
            };
            let shown = crate::domain::text::printable_line(&path.display().to_string());
            findings.push(format!(
                "{shown} is mode {mode:04o} and {others}: run `chmod 600 {shown}`, because {why}."
            ));
        }
        let dir = match db.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Ok(meta) = std::fs::metadata(dir) {
            let mode = meta.permissions().mode() & 0o7777;
            let others = match (mode & 0o044 != 0, mode & 0o022 != 0) {
                (true, true) => {
                    Some("others than its owner can list it and add, remove or replace files in it")
                }
                (true, false) => Some("others than its owner can list it"),
                (false, true) => {
                    Some("others than its owner can add, remove or replace files in it")
                }
                (false, false) => None,
            };
            if let Some(others) = others {
                let shown = crate::domain::text::printable_line(&dir.display().to_string());
                findings.push(format!(
                    "the directory {shown} is mode {mode:04o} and {others}: run `chmod 700 {shown}`, because {why}."
                ));
            }
        }
        findings
    }
    #[cfg(not(unix))]
    {
        let _ = db;
        Vec::new()
    }
}

/// The audit chain and the signed checkpoint, into `report`.
fn check_audit(conn: &Connection, db: &Path, report: &mut CheckReport) -> Result<(), StoreError> {
    if let audit::ChainReport::Broken { row, why } = audit::verify(conn)? {
        report.chain = Some(format!("the audit chain is broken at row {row}: {why}"));
    }
    report.checkpoint = super::checkpoint::assess(conn, db)?.findings;
    Ok(())
}

fn page_check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
    let mut rows = stmt.query([])?;
    let mut pages = Vec::new();
    while let Some(r) = rows.next()? {
        pages.push(r.get::<_, String>(0)?);
    }
    Ok(pages)
}

/// The page numbers `cipher_integrity_check` names ("HMAC verification failed for page 56").
pub fn damaged_pages(lines: &[String]) -> Vec<u64> {
    let mut out: Vec<u64> = lines
        .iter()
        .filter_map(|line| {
            let (_, rest) = line.split_once("page ")?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    out.dedup();
    out
}

pub(crate) fn check_connection(conn: &Connection) -> Result<CheckReport, StoreError> {
    let pages = page_check(conn)?;
    let mut structure = Vec::new();
    // quick_check itself fails outright when it meets a page that does not decrypt.
    match conn.prepare("PRAGMA quick_check").and_then(|mut stmt| {
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.push(r.get::<_, String>(0)?);
        }
        Ok(out)
    }) {
        Ok(lines) => structure.extend(lines.into_iter().filter(|l| l != "ok")),
        Err(e) => structure.push(format!("the structure check stopped: {e}")),
    }
    let damaged_pages = damaged_pages(&pages);
    Ok(CheckReport {
        structure,
        pages,
        damaged_pages,
        ..CheckReport::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_damaged_page_numbers_are_read_from_the_check_lines() {
        let lines = vec![
            "HMAC verification failed for page 56".to_string(),
            "HMAC verification failed for page 57".to_string(),
        ];
        assert_eq!(damaged_pages(&lines), vec![56, 57]);
        assert!(damaged_pages(&["ok".to_string()]).is_empty());
    }
}
