//! Opening the SQLCipher database: the key first, then a read that proves it, then the
//! connection settings every terminal shares.

use std::path::Path;
use std::sync::{Mutex, Once};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use super::keyslots::MasterKey;
use super::migrations;

/// How long a writer waits for another terminal's transaction before giving up. Long enough
/// that a person never sees "database is locked" in ordinary use.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

static SQLCIPHER_LOG: Once = Once::new();
static SQLCIPHER_LOG_TARGET: Mutex<Option<std::path::PathBuf>> = Mutex::new(None);

/// Sends SQLCipher's own log to `path` instead of its default, stderr, which would garble
/// the terminal. Call before opening any database; later calls have no effect.
///
/// SQLCipher opens the file itself, readable by everyone under the usual umask, so it is made
/// here first with mode 0600 (an existing one is tightened); when that fails SQLCipher logs
/// nowhere rather than somewhere others can read.
pub fn route_sqlcipher_log(path: Option<&Path>) {
    let path = path.filter(|p| crate::logging::open_private_log(p).is_ok());
    if let Ok(mut target) = SQLCIPHER_LOG_TARGET.lock() {
        *target = path.map(Path::to_path_buf);
    }
    silence_sqlcipher_stderr();
}

/// SQLCipher's logging is process-wide and is reset to "WARN to stderr" when SQLCipher first
/// activates (at the first `PRAGMA key` in the process). So: activate it on a throwaway
/// in-memory connection with a dummy key, then route or silence the log. No statement ever
/// runs against a real database before its key.
fn silence_sqlcipher_stderr() {
    SQLCIPHER_LOG.call_once(|| {
        let Ok(conn) = Connection::open_in_memory() else {
            return;
        };
        let _ = conn.execute_batch("PRAGMA key = 'activate';");
        let target = SQLCIPHER_LOG_TARGET.lock().ok().and_then(|t| t.clone());
        // Pragmas take no bound parameters: the path goes in as an escaped SQL literal.
        let routed = target
            .and_then(|p| p.to_str().map(|p| p.replace('\'', "''")))
            .is_some_and(|p| {
                conn.query_row(&format!("PRAGMA cipher_log = '{p}'"), [], |r| {
                    r.get::<_, String>(0)
                })
                .is_ok_and(|status| status == "0")
                    && conn
                        .query_row("PRAGMA cipher_log_level = WARN", [], |_| Ok(()))
                        .is_ok()
            });
        if !routed {
            let _ = conn.query_row("PRAGMA cipher_log = off", [], |_| Ok(()));
            let _ = conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()));
        }
    });
}

/// Opens an existing database with `key`, refusing one made by a newer schema, then applies
/// any pending migrations. Nothing is written before the key is proven and the schema checked.
pub fn open_existing(path: &Path, key: &MasterKey) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::NoDatabase {
            path: path.to_path_buf(),
        });
    }
    let conn = open_keyed(path, key, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let version = prove_key_and_read_version(&conn, path)?;
    let known = migrations::latest_version();
    if version > known {
        return Err(StoreError::NewerSchema {
            found: version,
            known,
        });
    }
    configure(&conn, path)?;
    migrations::apply(&conn).map_err(|e| map_sql(e, path))?;
    Ok(conn)
}

/// Opens an existing database read-only for examination (`sonar check`): no migration, no
/// journal-mode change, `query_only`, and no WAL checkpoint when it closes, so neither the
/// main file nor the write-ahead log is changed. The caller proves the key with its first read.
pub fn open_read_only(path: &Path, key: &MasterKey) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::NoDatabase {
            path: path.to_path_buf(),
        });
    }
    let conn = open_keyed(path, key, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .map_err(|e| map_sql(e, path))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| map_sql(e, path))?;
    conn.execute_batch("PRAGMA query_only = ON")
        .map_err(|e| map_sql(e, path))?;
    Ok(conn)
}

/// Creates a new, empty, migrated database at `path`, which must not exist.
pub fn create_new(path: &Path, key: &MasterKey) -> Result<Connection, StoreError> {
    if path.exists() {
        return Err(StoreError::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let conn = open_keyed(
        path,
        key,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )?;
    configure(&conn, path)?;
    migrations::apply(&conn).map_err(|e| map_sql(e, path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(conn)
}

/// Opens a connection and sets the key as its very first statement.
pub fn open_keyed(
    path: &Path,
    key: &MasterKey,
    flags: OpenFlags,
) -> Result<Connection, StoreError> {
    silence_sqlcipher_stderr();
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| map_sql(e, path))?;
    // PRAGMA key takes no bound parameters; the literal is hex digits only, built from our
    // own 32 bytes, so nothing can be injected. The string is built at its final size (so no
    // freed buffer keeps part of it) and zeroized when dropped.
    let literal = key.sqlcipher_literal();
    let statement = crate::secret::concat(&["PRAGMA key = \"", &literal, "\";"]);
    let keyed = conn.execute_batch(&statement);
    drop(statement);
    drop(literal);
    // SQLCipher's key set-up (hex decoding, the HMAC key's derivation) ran below this frame.
    crate::secret::scrub_stack();
    keyed.map_err(|e| map_sql(e, path))?;
    Ok(conn)
}

/// Reads the schema version: the first read that needs the key. A wrong key or a file that is
/// not SQLCipher fails here.
fn prove_key_and_read_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| map_sql(e, path))?;
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| map_sql(e, path))
}

/// WAL so readers never block writers, FULL sync so a committed answer survives a power cut,
/// foreign keys on, and a busy timeout so several terminals share the file.
fn configure(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| map_sql(e, path))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| map_sql(e, path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Internal(format!(
            "could not switch the database to WAL mode (got {mode})"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| map_sql(e, path))?;
    Ok(())
}

fn map_sql(err: rusqlite::Error, path: &Path) -> StoreError {
    StoreError::from_sql(err, path)
}
