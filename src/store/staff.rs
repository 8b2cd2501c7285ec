//! Staff accounts: who may log in and with which role. Their secrets live in the keyslot file,
//! not here; this table holds who they are.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{StoreError, timestamp};
use crate::domain::role::Role;

/// Whether an account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }
}

/// One staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub status: AccountStatus,
}

/// A username is lower-case letters, digits, `.`, `_` or `-`, 2 to 32 long, and not the
/// recovery slot's name.
pub fn validate_username(name: &str) -> Result<(), StoreError> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !(2..=32).contains(&name.len()) || !ok_chars {
        return Err(StoreError::Invalid(format!(
            "`{name}` is not a valid username: use 2 to 32 lower-case letters, digits, `.`, `_` or `-`"
        )));
    }
    if name == super::keyslots::RECOVERY_SLOT {
        return Err(StoreError::Invalid(
            "`recovery` is reserved for the recovery key and cannot be a username".into(),
        ));
    }
    Ok(())
}

pub fn insert(
    conn: &Connection,
    username: &str,
    display_name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    validate_username(username)?;
    if find(conn, username)?.is_some() {
        return Err(StoreError::Invalid(format!(
            "there is already an account called `{username}`"
        )));
    }
    let at = timestamp(now);
    conn.execute(
        "INSERT INTO staff (username, display_name, role, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'active', ?4, ?4)",
        params![username, display_name, role.as_str(), at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn find(conn: &Connection, username: &str) -> Result<Option<StaffAccount>, StoreError> {
    conn.query_row(
        "SELECT id, username, display_name, role, status FROM staff WHERE username = ?1",
        [username],
        read,
    )
    .optional()?
    .transpose()
}

pub fn list(conn: &Connection) -> Result<Vec<StaffAccount>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT id, username, display_name, role, status FROM staff ORDER BY username")?;
    let rows = stmt.query_map([], read)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

pub fn set_status(
    conn: &Connection,
    username: &str,
    status: AccountStatus,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE staff SET status = ?2, updated_at = ?3 WHERE username = ?1",
        params![username, status.as_str(), timestamp(now)],
    )?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!(
            "there is no account called `{username}`"
        )));
    }
    Ok(())
}

/// Counts active administrators, so the last one cannot be disabled.
pub fn active_admins(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM staff WHERE role = 'admin' AND status = 'active'",
        [],
        |r| r.get(0),
    )?)
}

type RowResult = Result<StaffAccount, StoreError>;

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RowResult> {
    let role: String = r.get(3)?;
    let status: String = r.get(4)?;
    let account = (|| {
        let role = role
            .parse::<Role>()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        let status = match status.as_str() {
            "active" => AccountStatus::Active,
            _ => AccountStatus::Disabled,
        };
        Ok(StaffAccount {
            id: r.get(0).map_err(StoreError::Sql)?,
            username: r.get(1).map_err(StoreError::Sql)?,
            display_name: r.get(2).map_err(StoreError::Sql)?,
            role,
            status,
        })
    })();
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked() {
        assert!(validate_username("j.smith").is_ok());
        assert!(validate_username("J Smith").is_err());
        assert!(validate_username("x").is_err());
        let err = validate_username("recovery").unwrap_err();
        assert!(err.to_string().contains("reserved"));
    }
}
