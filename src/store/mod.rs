//! The only place with SQL: opening and unlocking the encrypted database, keyslots,
//! migrations, one repository module per aggregate, and the audit chain.

pub mod accounts;
pub mod alarm;
pub mod audit;
pub mod booking;
pub mod booking_duties;
pub mod care;
pub mod checkpoint;
pub mod clinical;
pub mod connection;
pub mod custody;
pub mod emergency;
pub mod handover;
pub mod hcp;
pub mod keyslots;
pub mod maintenance;
pub mod migrations;
pub mod national;
pub mod pace;
pub mod prra;
pub mod record;
pub mod report;
pub mod reserve;
pub mod session;
pub mod shift;
pub mod staff;
pub mod support;

use std::path::PathBuf;

pub use session::{StaffIdentity, Store, Unlocked};

/// Everything that can go wrong in the store, each said in one sentence a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "there is no keyslot file at {path}: this is not a SONAR database, or its keyslot file was moved away from it"
    )]
    NoKeyslotFile { path: PathBuf },
    #[error(
        "the keyslot file {path} is damaged ({why}); restore it from a backup or log in with the recovery key"
    )]
    CorruptKeyslotFile { path: PathBuf, why: String },
    #[error("there is no database at {path}")]
    NoDatabase { path: PathBuf },
    #[error("wrong username or password")]
    BadCredentials,
    #[error(
        "too many failed logins for `{username}`: try again in {seconds} second{}",
        if *seconds == 1 { "" } else { "s" }
    )]
    LockedOut { username: String, seconds: i64 },
    #[error("the account `{0}` is disabled")]
    AccountDisabled(String),
    #[error(
        "{path} does not open with the key from its keyslot file: it is not this suite's database or it is damaged"
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "the database {path} is damaged ({detail}); run `sonar check` and restore from a backup"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "the database was made by a newer version of SONAR (schema {found}; this program knows up to {known}) and has not been changed"
    )]
    NewerSchema { found: i64, known: i64 },
    #[error("{path} already exists; refusing to overwrite it")]
    AlreadyExists { path: PathBuf },
    /// A database whose making was interrupted (a killed `sonar demo`): it may lack accounts
    /// and people, so it is not opened at all.
    #[error(
        "{path} was left incomplete ({why}) and cannot be used: delete it and the files beside it that start with its name, and run `sonar demo` again"
    )]
    Incomplete { path: PathBuf, why: String },
    #[error("your role ({role}) may not {what}")]
    NotPermitted { role: String, what: String },
    /// A write the logged-in role does not have (`domain::authority`).
    #[error("{0}")]
    Refused(#[from] crate::domain::authority::Refused),
    #[error("{0}")]
    Invalid(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the database is in use by another terminal ({0}); close the other terminals and try again"
    )]
    InUse(String),
    #[error("the disk holding {path} is full; nothing was saved from the last action")]
    DiskFull { path: PathBuf },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            what: what.into(),
            source,
        }
    }

    /// Whether this failure is the disk refusing to take more (full, over quota, mounted
    /// read-only): reading can go on, writing cannot until space is freed.
    pub fn is_storage_full(&self) -> bool {
        use std::io::ErrorKind;
        match self {
            StoreError::DiskFull { .. } => true,
            StoreError::Io { source, .. } => matches!(
                source.kind(),
                ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::ReadOnlyFilesystem
            ),
            // SQLite cannot grow its shared-memory file: on a full disk, the first failure
            // even a reader meets.
            StoreError::Sql(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(
                    e.code,
                    rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::ReadOnly
                ) || matches!(
                    e.extended_code,
                    rusqlite::ffi::SQLITE_IOERR_SHMSIZE
                        | rusqlite::ffi::SQLITE_IOERR_SHMMAP
                        | rusqlite::ffi::SQLITE_IOERR_SHMOPEN
                        | rusqlite::ffi::SQLITE_IOERR_WRITE
                )
            }
            _ => false,
        }
    }

    /// Gives an SQL error from reading `path` its plain sentence (damaged, not a database,
    /// disk full); other errors pass through.
    pub fn reading(self, path: &std::path::Path) -> StoreError {
        match self {
            StoreError::Sql(e) => StoreError::from_sql(e, path),
            other => other,
        }
    }

    /// Says "disk full" plainly: the most likely failure on a suite terminal.
    pub fn from_sql(err: rusqlite::Error, path: &std::path::Path) -> StoreError {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::SqliteFailure(e, message) = &err {
            // A handed-over detention's triggers (0003_handover.sql) say why in plain words.
            if let Some(why) = message
                .as_deref()
                .and_then(|m| m.strip_prefix("read-only: "))
            {
                return StoreError::Invalid(why.to_string());
            }
            match e.code {
                ErrorCode::NotADatabase => {
                    return StoreError::NotADatabase {
                        path: path.to_path_buf(),
                    };
                }
                ErrorCode::DatabaseCorrupt => {
                    return StoreError::Damaged {
                        path: path.to_path_buf(),
                        detail: "a page failed its integrity check".into(),
                    };
                }
                ErrorCode::DiskFull => {
                    return StoreError::DiskFull {
                        path: path.to_path_buf(),
                    };
                }
                _ => {}
            }
        }
        StoreError::Sql(err)
    }
}

/// Runs a query and maps every row, for the repository modules' read functions.
pub(crate) fn collect_rows<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    mut map: impl FnMut(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(map(r)?);
    }
    Ok(out)
}

/// Current time as stored: RFC 3339 UTC to the second with a `Z`, so text order is time order.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Parses a stored timestamp.
pub fn parse_timestamp(text: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Internal(format!("bad stored time `{text}`: {e}")))
}
