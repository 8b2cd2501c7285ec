//! The signed checkpoint file, `<db>.checkpoint` beside the keyslots (`domain::checkpoint`):
//! written at every login, lock and export and every few minutes, compared with the database
//! at login and by `sonar check`.
//!
//! What a mismatch does: login still opens the suite (refusing the board at 3 a.m. is itself a
//! hazard) but says so on the board and on every command's stderr, writes the finding into the
//! audit, and carries it in every later checkpoint (`unresolved`), so one login cannot make it
//! disappear; `sonar check` and `sonar audit verify` exit 1 while it stands.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::StoreError;
use crate::domain::checkpoint::{self, AuditHead, Body, Checkpoint, Finding};

/// How often an open session writes a checkpoint besides login, lock and export.
pub const INTERVAL: chrono::Duration = chrono::Duration::minutes(2);

/// The settings key recording since when this database has kept a checkpoint file.
const SINCE_KEY: &str = "checkpoint_since";

/// `suite.db` -> `suite.db.checkpoint`.
pub fn path(db: &Path) -> PathBuf {
    sibling(db, ".checkpoint")
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The audit's row count and last row now.
pub fn head(conn: &Connection) -> Result<AuditHead, StoreError> {
    let rows: i64 = conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0))?;
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (last_id, last_hash) = last.unwrap_or((0, String::new()));
    Ok(AuditHead {
        rows,
        last_id,
        last_hash,
    })
}

fn hash_of(conn: &Connection, id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT row_hash FROM audit WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Records, in the transaction `tx`, that this database keeps a checkpoint file from `now`
/// (once): a missing file is then a finding, not a fresh start.
pub(crate) fn mark_kept(tx: &Connection, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, ?2)",
        [SINCE_KEY, &super::timestamp(now)],
    )?;
    Ok(())
}

fn kept_since(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SINCE_KEY],
            |r| r.get(0),
        )
        .optional()?)
}

/// The database compared with its latest checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Every finding, one sentence each: those carried from earlier checkpoints, then any new.
    pub findings: Vec<String>,
    /// The number the next checkpoint takes.
    pub next_counter: u64,
}

/// Compares the database with the checkpoint file, reading only.
pub fn assess(conn: &Connection, db: &Path) -> Result<Assessment, StoreError> {
    let file = path(db);
    let shown = file.display().to_string();
    let forged = |why: String| Finding::Forged {
        path: shown.clone(),
        why,
    };
    let bytes = match std::fs::read(&file) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(StoreError::io(format!("reading {shown}"), e)),
    };
    let mut out = Assessment {
        findings: Vec::new(),
        next_counter: 1,
    };
    let Some(bytes) = bytes else {
        if let Some(since) = kept_since(conn)? {
            let since = super::parse_timestamp(&since)
                .map(crate::domain::observation::to_london_with_day)
                .unwrap_or(since);
            out.findings.push(
                Finding::FileMissing {
                    path: shown.clone(),
                    since,
                }
                .to_string(),
            );
        }
        return Ok(out);
    };
    let found: Checkpoint = match serde_json::from_slice(&bytes) {
        Ok(c) => c,
        Err(e) => {
            out.findings
                .push(forged(format!("it does not read: {e}")).to_string());
            return Ok(out);
        }
    };
    out.next_counter = found.body.counter.saturating_add(1);
    let keys = super::handover::public_keys(conn)?;
    let verified = match keys.iter().find(|k| k.kid == found.body.kid) {
        None => Err(format!(
            "it names the signing key {}, which this database does not hold",
            crate::domain::text::printable_line(&found.body.kid)
        )),
        Some(key) => found.verify(&key.key),
    };
    if let Err(why) = verified {
        out.findings.push(forged(why).to_string());
        return Ok(out);
    }
    out.findings = found.body.unresolved.clone();
    let now = head(conn)?;
    let at_head = if found.body.audit.last_id > 0 {
        hash_of(conn, found.body.audit.last_id)?
    } else {
        None
    };
    if let Some(finding) = checkpoint::compare(&found.body, &now, at_head.as_deref()) {
        let sentence = finding.to_string();
        if !out.findings.contains(&sentence) {
            out.findings.push(sentence);
        }
    }
    Ok(out)
}

/// Holds the lock that serialises writing the checkpoint file across terminals.
pub(crate) fn lock(db: &Path) -> Result<File, StoreError> {
    let lock_path = sibling(db, ".checkpoint.lock");
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&lock_path)
        .map_err(|e| StoreError::io(format!("opening {}", lock_path.display()), e))?;
    file.lock()
        .map_err(|e| StoreError::io("locking the checkpoint file", e))?;
    Ok(file)
}

/// Signs and writes a checkpoint of the database's audit now, carrying `findings`. Call with
/// [`lock`] held. Nothing is written when the database has no signing key yet.
pub(crate) fn write(
    conn: &Connection,
    db: &Path,
    now: DateTime<Utc>,
    assessment: &Assessment,
) -> Result<Option<Checkpoint>, StoreError> {
    let Some((key, kid)) = super::handover::current_key(conn)? else {
        return Ok(None);
    };
    let body = Body {
        audit: head(conn)?,
        counter: assessment.next_counter,
        format: checkpoint::FORMAT.to_string(),
        kid,
        unresolved: assessment.findings.clone(),
        written_at: now,
    };
    let signed = Checkpoint::sign(body, &key)
        .map_err(|e| StoreError::Internal(format!("signing the checkpoint: {e}")))?;
    let mut json = serde_json::to_vec_pretty(&signed)
        .map_err(|e| StoreError::Internal(format!("encoding the checkpoint: {e}")))?;
    json.push(b'\n');
    let file = path(db);
    crate::atomic_file::write_private(&file, &json)
        .map_err(|e| StoreError::io(format!("writing {}", file.display()), e))?;
    Ok(Some(signed))
}

/// Assesses, then writes a fresh checkpoint carrying every finding: the regular checkpoint
/// (lock, export, every few minutes). Returns the findings and what was written.
pub(crate) fn refresh(
    conn: &Connection,
    db: &Path,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Option<Checkpoint>), StoreError> {
    let _held = lock(db)?;
    let assessment = assess(conn, db)?;
    let written = write(conn, db, now, &assessment)?;
    Ok((assessment.findings, written))
}
