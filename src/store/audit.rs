//! The append-only, hash-chained audit log. Each row holds the SHA-256 of the previous row's
//! hash and its own content, so editing, deleting or reordering any row breaks the chain from
//! that row on, and `sonar audit verify` names the first broken row.

use std::io::Write;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{StoreError, timestamp};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, in the audit's own words (stable names: reports are built on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SuiteCreated,
    Login,
    LoginFailed,
    Lock,
    PasswordChanged,
    UserAdded,
    UserDisabled,
    UserReset,
    Rekey,
    Backup,
    RecordRead,
    RecordWrite,
    BreakGlass,
    Export,
    Import,
    /// An emergency acknowledged on a terminal (which terminal is in the detail).
    EmergencyAcknowledged,
    /// An HCP's direction acknowledged by a custody sergeant (which direction is in the detail).
    DirectionAcknowledged,
    /// The shift handover taken by the incoming custody sergeant (the period in the detail).
    HandoverAcknowledged,
    /// The database did not match its latest checkpoint (`store::checkpoint`); the finding
    /// is in the detail.
    IntegrityWarning,
    /// An administrator marked the checkpoint's findings as looked into (why, and what was
    /// found, in the detail); later checkpoints no longer carry them.
    IntegrityResolved,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SuiteCreated => "suite_created",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Lock => "lock",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::UserAdded => "user_added",
            AuditAction::UserDisabled => "user_disabled",
            AuditAction::UserReset => "user_reset",
            AuditAction::Rekey => "rekey",
            AuditAction::Backup => "backup",
            AuditAction::RecordRead => "record_read",
            AuditAction::RecordWrite => "record_write",
            AuditAction::BreakGlass => "break_glass",
            AuditAction::Export => "export",
            AuditAction::Import => "import",
            AuditAction::EmergencyAcknowledged => "emergency_acknowledged",
            AuditAction::DirectionAcknowledged => "direction_acknowledged",
            AuditAction::HandoverAcknowledged => "handover_acknowledged",
            AuditAction::IntegrityWarning => "integrity_warning",
            AuditAction::IntegrityResolved => "integrity_resolved",
        }
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub staff: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub row_hash: String,
}

/// The hash of a row: SHA-256 over the previous hash and the row's content as a JSON array
/// (unambiguous: every field is quoted and escaped, so no two rows share an encoding).
pub fn row_hash(
    prev_hash: &str,
    id: i64,
    at: &str,
    staff: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let content = serde_json::json!([id, at, staff, action, subject, detail]).to_string();
    let digest = Sha256::new()
        .chain_update(prev_hash.as_bytes())
        .chain_update(b"\n")
        .chain_update(content.as_bytes())
        .finalize();
    hex::encode(digest)
}

/// Appends a row. Call inside the write transaction of the change it records (an IMMEDIATE
/// transaction, so two terminals cannot both extend the chain from the same row).
pub fn append(
    conn: &Connection,
    at: DateTime<Utc>,
    staff: &str,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    append_raw(
        conn,
        &timestamp(at),
        staff,
        action.as_str(),
        subject,
        detail,
    )
}

/// Appends a row with an action name that is already text (events queued while locked).
pub fn append_raw(
    conn: &Connection,
    at: &str,
    staff: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (id, prev) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let hash = row_hash(&prev, id, at, staff, action, subject, detail);
    conn.execute(
        "INSERT INTO audit (id, at, staff, action, subject, detail, prev_hash, row_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, at, staff, action, subject, detail, prev, hash],
    )?;
    Ok(id)
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every row's hash matches its content and its predecessor.
    Intact { rows: i64 },
    /// The first row whose content or link does not match.
    Broken { row: i64, why: String },
}

/// Walks the chain from the first row and stops at the first that does not match.
pub fn verify(conn: &Connection) -> Result<ChainReport, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, staff, action, subject, detail, prev_hash, row_hash FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_id = 1i64;
    let mut count = 0i64;
    while let Some(r) = rows.next()? {
        let row = read_row(r)?;
        if row.id != expected_id {
            return Ok(ChainReport::Broken {
                row: row.id,
                why: format!("row {expected_id} is missing before it"),
            });
        }
        if row.prev_hash != expected_prev {
            return Ok(ChainReport::Broken {
                row: row.id,
                why: "it does not follow from the row before it".into(),
            });
        }
        let hash = row_hash(
            &row.prev_hash,
            row.id,
            &row.at,
            &row.staff,
            &row.action,
            &row.subject,
            &row.detail,
        );
        if hash != row.row_hash {
            return Ok(ChainReport::Broken {
                row: row.id,
                why: "its content was changed after it was written".into(),
            });
        }
        expected_prev = row.row_hash;
        expected_id += 1;
        count += 1;
    }
    Ok(ChainReport::Intact { rows: count })
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        at: r.get(1)?,
        staff: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        row_hash: r.get(7)?,
    })
}

/// How `sonar audit export` writes rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

/// Writes every row, oldest first; returns how many.
pub fn export(
    conn: &Connection,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, staff, action, subject, detail, prev_hash, row_hash FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let io = |e| StoreError::io("writing the audit export", e);
    if format == ExportFormat::Csv {
        writeln!(out, "id,at,staff,action,subject,detail,prev_hash,row_hash").map_err(io)?;
    }
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let row = read_row(r)?;
        match format {
            ExportFormat::Csv => writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                row.id,
                csv_field(&row.at),
                csv_field(&row.staff),
                csv_field(&row.action),
                csv_field(&row.subject),
                csv_field(&row.detail),
                row.prev_hash,
                row.row_hash
            )
            .map_err(io)?,
            ExportFormat::JsonLines => {
                let line = serde_json::to_string(&row)
                    .map_err(|e| StoreError::Internal(format!("encoding audit row: {e}")))?;
                // The same values, with every character a terminal acts on as a JSON escape.
                writeln!(out, "{}", crate::domain::text::json_inert(&line)).map_err(io)?;
            }
        }
        n += 1;
    }
    Ok(n)
}

/// RFC 4180 quoting, and a leading `'` on cells a spreadsheet would run as a formula. Control
/// characters and bidirectional overrides are shown as `\u{..}` (`text::printable`), so the
/// export is safe to `cat`; JSON lines keep every value exactly, for recomputing the chain.
fn csv_field(value: &str) -> String {
    let value = crate::domain::text::printable(value);
    let guarded = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&conn).unwrap();
        conn
    }

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn intact_chain_verifies_and_an_edit_names_its_row() {
        let conn = conn();
        for i in 0..5 {
            append(
                &conn,
                at(),
                "sergeant",
                AuditAction::RecordRead,
                &format!("D{i}"),
                "",
            )
            .unwrap();
        }
        assert_eq!(verify(&conn).unwrap(), ChainReport::Intact { rows: 5 });
        conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
        conn.execute("UPDATE audit SET subject = 'D9' WHERE id = 3", [])
            .unwrap();
        match verify(&conn).unwrap() {
            ChainReport::Broken { row, why } => {
                assert_eq!(row, 3);
                assert!(why.contains("changed"));
            }
            other => panic!("expected broken, got {other:?}"),
        }
    }

    #[test]
    fn a_deleted_row_is_named_by_the_row_after_it() {
        let conn = conn();
        for _ in 0..4 {
            append(&conn, at(), "hcp", AuditAction::RecordWrite, "D1", "").unwrap();
        }
        conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 2")
            .unwrap();
        assert!(matches!(
            verify(&conn).unwrap(),
            ChainReport::Broken { row: 3, .. }
        ));
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let conn = conn();
        append(&conn, at(), "hcp", AuditAction::Login, "", "").unwrap();
        let err = conn
            .execute("UPDATE audit SET staff = 'x'", [])
            .unwrap_err();
        assert!(err.to_string().contains("append-only"));
        assert!(conn.execute("DELETE FROM audit", []).is_err());
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("a\u{1b}[2K\u{202e}"), "a\\u{1b}[2K\\u{202e}");
    }
}
