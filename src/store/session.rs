//! An unlocked store: one person's session with the database. Creating a suite, logging in
//! through the keyslots, account administration and every write go through here, each write
//! in one IMMEDIATE transaction together with its audit row.

use crate::domain::authority::Duty;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use zeroize::Zeroizing;

use super::StoreError;
use super::audit::{self, AuditAction};
use super::connection;
use super::keyslots::{self, KeyslotFile, MasterKey, RECOVERY_SLOT, SlotKind};
use super::staff::{self, AccountStatus, StaffAccount};
use crate::domain::role::Role;

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffIdentity {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// A successful login.
pub struct Unlocked {
    pub store: Store,
    /// The secret used was temporary: the person must choose their own before doing anything.
    pub must_change_password: bool,
}

/// One person's open session with the encrypted database.
pub struct Store {
    conn: Connection,
    db_path: PathBuf,
    identity: StaffIdentity,
    key: MasterKey,
    /// Shared lock held while the session is open, so `rekey` can tell that terminals are in.
    session_lock: File,
    /// What the checkpoint showed at login and since (`store::checkpoint`), one sentence each.
    integrity: Vec<String>,
    /// When this session last wrote the checkpoint file.
    last_checkpoint: DateTime<Utc>,
    /// Set while the disk refuses writes (full, over quota, read-only): the sentence saying
    /// so. The session reads on; each write is tried and this clears once one succeeds.
    writes_paused: Option<String>,
    /// When a paused session last tried to write ([`Store::retry_paused_writes`]).
    last_write_retry: DateTime<Utc>,
    /// Audit rows this login could not write while writes were paused (its own login and
    /// what the checkpoint found), written in front of the first write that succeeds.
    deferred_audit: Vec<DeferredAudit>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("db_path", &self.db_path)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// An audit row held back while writes are paused, written in front of the next write.
struct DeferredAudit {
    at: DateTime<Utc>,
    action: AuditAction,
    subject: String,
    detail: String,
}

/// The minimum length of a password a person chooses.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Checks a password a person has chosen (temporary and demo passwords are set by the program).
pub fn validate_new_password(username: &str, password: &str) -> Result<(), StoreError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(StoreError::Invalid(format!(
            "the new password is too short: use at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(StoreError::Invalid(
            "the new password must not be the username".into(),
        ));
    }
    Ok(())
}

fn lock_path(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn open_lock_file(path: &Path) -> Result<File, StoreError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| StoreError::io(format!("opening {}", path.display()), e))
}

/// Unwraps the master key(s) `username`'s secret opens, counting a failure (and its back-off)
/// when it opens none. More than one key only after an interrupted rekey.
pub(crate) fn unwrap_keys(
    db: &Path,
    username: &str,
    secret: &str,
    now: DateTime<Utc>,
    refuse_incomplete: bool,
) -> Result<Vec<keyslots::Unwrapped>, StoreError> {
    if !db.exists() {
        return Err(StoreError::NoDatabase {
            path: db.to_path_buf(),
        });
    }
    let secret_bytes = if username == RECOVERY_SLOT {
        keyslots::normalise_recovery_key(secret)
    } else {
        Zeroizing::new(secret.to_string())
    };
    let candidates = with_keyslots(db, |slots| {
        // Before any slot is tried, so an interrupted demo is named, not a wrong password.
        if refuse_incomplete {
            slots.check_complete(db)?;
        }
        slots.check_backoff(username, now)?;
        let keys = slots.unwrap_all(username, secret_bytes.as_bytes())?;
        if keys.is_empty() {
            slots.record_failure(username, now);
            return Ok((Vec::new(), true));
        }
        Ok((keys, false))
    })?;
    if candidates.is_empty() {
        // Never the name itself: it may be a password typed into the username field.
        tracing::info!("login failed");
        return Err(StoreError::BadCredentials);
    }
    Ok(candidates)
}

/// Runs `f` holding the exclusive lock that serialises changes to the keyslot file.
pub(crate) fn with_keyslots<T>(
    db: &Path,
    f: impl FnOnce(&mut KeyslotFile) -> Result<(T, bool), StoreError>,
) -> Result<T, StoreError> {
    let lock = open_lock_file(&lock_path(db, ".keyslots.lock"))?;
    lock.lock()
        .map_err(|e| StoreError::io("locking the keyslot file", e))?;
    let mut file = KeyslotFile::load(db)?;
    let (value, changed) = f(&mut file).map_err(|e| keyslots::with_file_path(e, db))?;
    if changed {
        file.save(db)?;
    }
    Ok(value)
}

impl Store {
    /// Creates a new suite database with its first administrator. Returns the open session
    /// and the recovery key, which is shown once and never stored in the clear.
    pub fn init(
        db: &Path,
        suite_name: &str,
        admin: &str,
        admin_password: &str,
        now: DateTime<Utc>,
    ) -> Result<(Store, Zeroizing<String>), StoreError> {
        Store::init_marked(db, suite_name, admin, admin_password, now, None)
    }

    /// As [`Store::init`], for a database that is filled in afterwards (the demo): it is
    /// marked incomplete (`why` says what was interrupted) from its first write, and every
    /// login refuses it until [`Store::mark_complete`].
    pub fn init_incomplete(
        db: &Path,
        suite_name: &str,
        admin: &str,
        admin_password: &str,
        now: DateTime<Utc>,
        why: &str,
    ) -> Result<(Store, Zeroizing<String>), StoreError> {
        Store::init_marked(db, suite_name, admin, admin_password, now, Some(why))
    }

    /// Clears the mark [`Store::init_incomplete`] set: the database is finished.
    pub fn mark_complete(&self) -> Result<(), StoreError> {
        with_keyslots(&self.db_path, |slots| {
            let changed = slots.incomplete.take().is_some();
            Ok(((), changed))
        })
    }

    fn init_marked(
        db: &Path,
        suite_name: &str,
        admin: &str,
        admin_password: &str,
        now: DateTime<Utc>,
        incomplete: Option<&str>,
    ) -> Result<(Store, Zeroizing<String>), StoreError> {
        staff::validate_username(admin)?;
        let suite_name = suite_name.trim();
        if suite_name.is_empty() {
            return Err(StoreError::Invalid("the suite needs a name".into()));
        }
        let sidecar = keyslots::sidecar_path(db);
        if sidecar.exists() {
            return Err(StoreError::AlreadyExists { path: sidecar });
        }
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Private from the start: staff must never reach the suite's files, and `check`
            // says so of a directory others can enter.
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder
                .create(dir)
                .map_err(|e| StoreError::io(format!("creating {}", dir.display()), e))?;
        }
        let key = MasterKey::generate();
        let recovery = keyslots::generate_recovery_key();
        let mut slots = KeyslotFile::new();
        slots.suite_name = suite_name.to_string();
        slots.incomplete = incomplete.map(str::to_string);
        slots.add_slot(
            admin,
            SlotKind::Staff,
            admin_password.as_bytes(),
            &key,
            false,
            now,
        )?;
        slots.add_slot(
            RECOVERY_SLOT,
            SlotKind::Recovery,
            keyslots::normalise_recovery_key(&recovery).as_bytes(),
            &key,
            false,
            now,
        )?;
        let conn = connection::create_new(db, &key)?;
        let result = (|| {
            let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES ('suite_name', ?1)",
                [suite_name],
            )?;
            staff::insert(&tx, admin, admin, Role::Admin, now)?;
            audit::append(&tx, now, admin, AuditAction::SuiteCreated, suite_name, "")?;
            super::handover::create_signing_key(&tx, now)?;
            super::checkpoint::mark_kept(&tx, now)?;
            tx.commit()?;
            slots.save(db)?;
            let _held = super::checkpoint::lock(db)?;
            super::checkpoint::write(&conn, db, now, &super::checkpoint::Assessment::default())
                .map(|_| ())
        })();
        if let Err(e) = result {
            // Leave nothing half-made: a database without its keyslots can never be opened.
            drop(conn);
            remove_database_files(db);
            return Err(e);
        }
        super::reserve::ensure(db);
        let session_lock = open_lock_file(&lock_path(db, ".lock"))?;
        let _ = session_lock.lock_shared();
        let store = Store {
            conn,
            db_path: db.to_path_buf(),
            identity: StaffIdentity {
                username: admin.to_string(),
                display_name: admin.to_string(),
                role: Role::Admin,
            },
            key,
            session_lock,
            integrity: Vec::new(),
            last_checkpoint: now,
            last_write_retry: now,
            writes_paused: None,
            deferred_audit: Vec::new(),
        };
        Ok((store, recovery))
    }

    /// Logs `username` in with `secret` (their password, or the recovery key for `recovery`).
    /// A database whose making was interrupted is refused ([`StoreError::Incomplete`]).
    pub fn unlock(
        db: &Path,
        username: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Unlocked, StoreError> {
        Store::unlock_checked(db, username, secret, now, true)
    }

    /// As [`Store::unlock`], for the code still making the database (the demo logs in as
    /// each of its staff to lay their records): the one login an incomplete database allows.
    pub(crate) fn unlock_unfinished(
        db: &Path,
        username: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Unlocked, StoreError> {
        Store::unlock_checked(db, username, secret, now, false)
    }

    fn unlock_checked(
        db: &Path,
        username: &str,
        secret: &str,
        now: DateTime<Utc>,
        refuse_incomplete: bool,
    ) -> Result<Unlocked, StoreError> {
        let candidates = unwrap_keys(db, username, secret, now, refuse_incomplete)?;
        let must_change = candidates.iter().any(|c| c.must_change);
        // Held for the whole session; a rekey needs it exclusively, so none runs while this
        // terminal is in, and none is half-way through while we open the file.
        let session_lock = open_lock_file(&lock_path(db, ".lock"))?;
        match session_lock.try_lock_shared() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::InUse(
                    "a rekey is under way; try again in a minute".into(),
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::io("locking the database", e));
            }
        }
        let mut last_err = None;
        for candidate in candidates {
            let mut opened = connection::open_existing(db, &candidate.key);
            // A disk with no free byte: the reserve gives back enough to read by.
            let mut paused = false;
            if opened.as_ref().is_err_and(StoreError::is_storage_full)
                && super::reserve::release(db)
            {
                paused = true;
                opened = connection::open_existing(db, &candidate.key);
            }
            match opened {
                Ok(conn) => {
                    let store = Store::finish_login(
                        db,
                        conn,
                        candidate.key,
                        username,
                        session_lock,
                        now,
                        paused,
                    )?;
                    return Ok(Unlocked {
                        store,
                        must_change_password: must_change,
                    });
                }
                Err(e @ StoreError::NotADatabase { .. }) => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or(StoreError::NotADatabase {
            path: db.to_path_buf(),
        }))
    }

    fn finish_login(
        db: &Path,
        conn: Connection,
        key: MasterKey,
        username: &str,
        session_lock: File,
        now: DateTime<Utc>,
        paused: bool,
    ) -> Result<Store, StoreError> {
        let identity = if username == RECOVERY_SLOT {
            StaffIdentity {
                username: RECOVERY_SLOT.to_string(),
                display_name: "Recovery key".to_string(),
                role: Role::Admin,
            }
        } else {
            match staff::find(&conn, username).map_err(|e| e.reading(db))? {
                Some(StaffAccount {
                    status: AccountStatus::Active,
                    display_name,
                    role,
                    ..
                }) => StaffIdentity {
                    username: username.to_string(),
                    display_name,
                    role,
                },
                Some(_) => return Err(StoreError::AccountDisabled(username.to_string())),
                None => return Err(StoreError::BadCredentials),
            }
        };
        let mut store = Store {
            conn,
            db_path: db.to_path_buf(),
            identity,
            key,
            session_lock,
            integrity: Vec::new(),
            last_checkpoint: now,
            last_write_retry: now,
            writes_paused: paused.then(|| paused_sentence(db)),
            deferred_audit: Vec::new(),
        };
        // The database against its latest checkpoint, before this login adds to the audit;
        // the lock is held until the new checkpoint is written, so no other terminal's
        // checkpoint falls between.
        let checkpoint_lock = super::checkpoint::lock(db).ok();
        let assessment = super::checkpoint::assess(&store.conn, db).map_err(|e| e.reading(db))?;
        // Failed logins were queued in the keyslot file while nobody could write the
        // database; they enter the audit chain now, in the same transaction as this login.
        let login = if paused {
            Err(StoreError::DiskFull {
                path: db.to_path_buf(),
            })
        } else {
            with_keyslots(db, |slots| {
                let pending = std::mem::take(&mut slots.pending_events);
                let unlisted = std::mem::take(&mut slots.unlisted_failures);
                let mut changed =
                    slots.record_success(username) || !pending.is_empty() || unlisted > 0;
                // Left over from an interrupted rekey: the slots of the key that did not open the
                // database, and its half-made copy. No rekey can be running (we hold the lock).
                let key_id = store.key.key_id();
                if slots.slots.iter().any(|s| s.key_id != key_id) {
                    slots.retain_generation(&key_id);
                    remove_database_files(&lock_path(db, ".rekey-tmp"));
                    changed = true;
                }
                store.transact(|tx| {
                    for event in &pending {
                        audit::append_raw(
                            tx,
                            &super::timestamp(event.at),
                            &event.staff,
                            &event.action,
                            "",
                            &event.detail,
                        )?;
                    }
                    if unlisted > 0 {
                        audit::append_raw(
                            tx,
                            &super::timestamp(now),
                            "",
                            AuditAction::LoginFailed.as_str(),
                            "",
                            &format!("{unlisted} further failed logins, not itemised"),
                        )?;
                    }
                    audit::append(tx, now, username, AuditAction::Login, "", "")?;
                    for finding in &assessment.findings {
                        audit::append(
                            tx,
                            now,
                            username,
                            AuditAction::IntegrityWarning,
                            "",
                            finding,
                        )?;
                    }
                    // A database from before signing keys gets one now, to sign its checkpoints.
                    super::handover::signing_key_in(tx, username, now)?;
                    super::checkpoint::mark_kept(tx, now)?;
                    Ok(())
                })?;
                // Rewritten only when something changed, so an ordinary login writes no file
                // but the database.
                Ok(((), changed))
            })
        };
        match login {
            Ok(()) => {}
            // A full disk must not keep staff from the board at 3 a.m.: they read on, and
            // what this login would have audited waits for the first write that succeeds.
            // The keyslot file was not rewritten, so failed logins queued there wait too.
            Err(e) if e.is_storage_full() => {
                tracing::warn!(error = %e, "writes paused at login");
                store.writes_paused = Some(paused_sentence(db));
                store.defer_audit(now, AuditAction::Login, "", "");
                for finding in &assessment.findings {
                    store.defer_audit(now, AuditAction::IntegrityWarning, "", finding);
                }
            }
            Err(e) => return Err(e),
        }
        // A checkpoint that cannot be written (a full disk) does not stop staff reading the
        // board; the log says why.
        if store.writes_paused.is_none() {
            if let Err(e) = super::checkpoint::write(&store.conn, db, now, &assessment) {
                tracing::warn!(error = %e, "the checkpoint was not written at login");
            }
            // The space a later full disk gives back so that staff can still read.
            super::reserve::ensure(db);
        }
        drop(checkpoint_lock);
        for finding in &assessment.findings {
            tracing::warn!(finding = finding.as_str(), "checkpoint");
        }
        store.integrity = assessment.findings;
        tracing::info!(user = username, "login");
        Ok(store)
    }

    /// A session over a connection already opened with `key` (after a rekey).
    pub(crate) fn from_parts(
        conn: Connection,
        db: &Path,
        identity: StaffIdentity,
        key: MasterKey,
    ) -> Result<Store, StoreError> {
        let session_lock = open_lock_file(&lock_path(db, ".lock"))?;
        let _ = session_lock.lock_shared();
        Ok(Store {
            conn,
            db_path: db.to_path_buf(),
            identity,
            key,
            session_lock,
            integrity: Vec::new(),
            last_checkpoint: chrono::Utc::now(),
            last_write_retry: chrono::Utc::now(),
            writes_paused: None,
            deferred_audit: Vec::new(),
        })
    }

    pub fn identity(&self) -> &StaffIdentity {
        &self.identity
    }

    /// What the checkpoint showed at login and since: rows missing, a rewritten chain, a
    /// forged or missing checkpoint file (one sentence each; empty when all is well).
    pub fn integrity_warnings(&self) -> &[String] {
        &self.integrity
    }

    /// Writes the checkpoint file now (lock, export, every few minutes), keeping any
    /// finding, and records a finding not seen before in the audit.
    pub fn checkpoint(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::domain::checkpoint::Checkpoint>, StoreError> {
        self.last_checkpoint = now;
        let (findings, written) = super::checkpoint::refresh(&self.conn, &self.db_path, now)?;
        let fresh: Vec<String> = findings
            .iter()
            .filter(|f| !self.integrity.contains(f))
            .cloned()
            .collect();
        if !fresh.is_empty() {
            let staff = self.identity.username.clone();
            self.transact(|tx| {
                for finding in &fresh {
                    audit::append(tx, now, &staff, AuditAction::IntegrityWarning, "", finding)?;
                }
                Ok(())
            })?;
        }
        self.integrity = findings;
        Ok(written)
    }

    /// Marks what the checkpoint found as looked into, saying why (an administrator, once the
    /// database has been compared with a backup): audited with the findings, and the checkpoint
    /// is written afresh without them, so logins stop warning. A loss found after this is a new
    /// finding. Returns how many were resolved.
    pub fn resolve_integrity_warnings(
        &mut self,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.permit(Duty::ResolveIntegrityWarning)?;
        let why = why.trim();
        if why.is_empty() {
            return Err(StoreError::Invalid(
                "say what was done to resolve it, for example what the backup showed".into(),
            ));
        }
        let db = self.db_path.clone();
        let _held = super::checkpoint::lock(&db)?;
        let assessment = super::checkpoint::assess(&self.conn, &db)?;
        if assessment.findings.is_empty() {
            return Ok(0);
        }
        let staff = self.identity.username.clone();
        let detail = format!("{why} (resolving: {})", assessment.findings.join("; "));
        self.write(Duty::ResolveIntegrityWarning, now, |tx| {
            audit::append(tx, now, &staff, AuditAction::IntegrityResolved, "", &detail)?;
            Ok(())
        })?;
        let cleared = super::checkpoint::Assessment {
            findings: Vec::new(),
            next_counter: assessment.next_counter,
        };
        super::checkpoint::write(&self.conn, &db, now, &cleared)?;
        self.integrity.clear();
        self.last_checkpoint = now;
        Ok(assessment.findings.len())
    }

    /// The checkpoint every few minutes ([`super::checkpoint::INTERVAL`]) from the UI's tick;
    /// a failure is logged, never shown in the middle of someone's work.
    pub fn checkpoint_if_due(&mut self, now: DateTime<Utc>) {
        if now - self.last_checkpoint < super::checkpoint::INTERVAL {
            return;
        }
        if let Err(e) = self.checkpoint(now) {
            tracing::warn!(error = %e, "the regular checkpoint was not written");
        }
    }

    /// Ends the session: audits the lock (`why`) and writes the checkpoint; the key is
    /// zeroized and the connection closed when `self` is dropped here.
    pub fn lock(mut self, now: DateTime<Utc>, why: &str) {
        // The audit rows a paused session held back (its login, the records it read) go with
        // it: whatever the retry clock says, the disk is tried once more before they are lost.
        if self.writes_paused.is_some() {
            self.last_write_retry = now - PAUSED_RETRY;
            self.retry_paused_writes(now);
        }
        if let Err(e) = self.audit(now, AuditAction::Lock, "", why) {
            tracing::warn!(error = %e, "the lock was not audited");
        }
        if let Err(e) = self.checkpoint(now) {
            tracing::warn!(error = %e, "the checkpoint was not written at lock");
        }
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// The connection, for the store's own repository modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Read-only access for whole-database reports (audit verify and export).
    pub fn conn_for_reports(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn master_key(&self) -> &MasterKey {
        &self.key
    }

    pub(crate) fn session_lock(&self) -> &File {
        &self.session_lock
    }

    /// The suite's name, as given at `init`.
    pub fn suite_name(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row(
            "SELECT value FROM settings WHERE key = 'suite_name'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock is taken at the start, so two
    /// terminals never deadlock upgrading a read), retrying if another terminal holds the lock
    /// past the busy timeout. `f` must write its audit row through the transaction it is given.
    ///
    /// Every write names its [`Duty`] and is refused here unless the logged-in role has it
    /// (`domain::authority`), so no screen or command can forget to ask.
    pub fn write<T>(
        &mut self,
        duty: Duty,
        _now: DateTime<Utc>,
        f: impl FnMut(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.permit(duty)?;
        self.transact(f)
    }

    /// Whether the logged-in role may do `duty`, with the refusal's sentence.
    pub fn permit(&self, duty: Duty) -> Result<(), StoreError> {
        Ok(crate::domain::authority::permit(self.identity.role, duty)?)
    }

    /// A write without a duty: for the demo generator and test fixtures that lay down rows
    /// directly. Screens and commands never call it; they go through [`Store::write`].
    #[doc(hidden)]
    pub fn write_raw<T>(
        &mut self,
        f: impl FnMut(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transact(f)
    }

    /// [`Store::write`] without the role check: for the audit's own rows (a login, a lock, an
    /// emergency acknowledged on a terminal), which every account makes.
    pub(crate) fn transact<T>(
        &mut self,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // While paused, nothing is written, so the space the reserve gave back stays for
        // reading: each write is refused until the reserve can be made again.
        if self.writes_paused.is_some() {
            if !super::reserve::ensure(&self.db_path) {
                return Err(StoreError::DiskFull {
                    path: self.db_path.clone(),
                });
            }
            self.writes_paused = None;
            tracing::info!("writes resumed");
        }
        let mut attempts = 0;
        let staff = self.identity.username.clone();
        loop {
            attempts += 1;
            let result = (|| {
                let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
                for row in &self.deferred_audit {
                    audit::append(&tx, row.at, &staff, row.action, &row.subject, &row.detail)?;
                }
                let value = f(&tx)?;
                tx.commit()?;
                Ok(value)
            })();
            let result = match result {
                Err(StoreError::Sql(e)) if is_busy(&e) && attempts < 5 => continue,
                Err(StoreError::Sql(e)) => Err(StoreError::from_sql(e, &self.db_path)),
                other => other,
            };
            match &result {
                Ok(_) => self.deferred_audit.clear(),
                Err(e) if e.is_storage_full() => {
                    self.writes_paused = Some(paused_sentence(&self.db_path));
                }
                Err(_) => {}
            }
            return result;
        }
    }

    /// Holds an audit row back while writes are paused (a read of a record must still be
    /// possible on a full disk, and still audited): it is written, with its own time, in front
    /// of the first write that succeeds.
    pub(crate) fn defer_audit(
        &mut self,
        at: DateTime<Utc>,
        action: AuditAction,
        subject: &str,
        detail: &str,
    ) {
        self.deferred_audit.push(DeferredAudit {
            at,
            action,
            subject: subject.to_string(),
            detail: detail.to_string(),
        });
    }

    /// While writes are paused, the sentence saying so (for the header of every screen).
    pub fn writes_paused(&self) -> Option<&str> {
        self.writes_paused.as_deref()
    }

    /// While writes are paused: every [`PAUSED_RETRY`], tries an empty write (which carries
    /// the audit rows the login could not write), so the pause ends by itself once space is
    /// freed. Returns whether writes have just begun working again.
    pub fn retry_paused_writes(&mut self, now: DateTime<Utc>) -> bool {
        if self.writes_paused.is_none() || now - self.last_write_retry < PAUSED_RETRY {
            return false;
        }
        self.last_write_retry = now;
        self.transact(|_| Ok(())).is_ok()
    }

    /// Records an event that changes nothing else (a read of a record, a lock, a break-glass).
    pub fn audit(
        &mut self,
        now: DateTime<Utc>,
        action: AuditAction,
        subject: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        // A read on a full disk is still allowed, and audited once writes resume. Reads are
        // frequent, so they do not try the disk themselves (each try writes up to the whole
        // reserve): the retry every PAUSED_RETRY and a person's own save do.
        if self.writes_paused.is_some() {
            self.defer_audit(now, action, subject, detail);
            return Ok(());
        }
        let staff = self.identity.username.clone();
        self.transact(|tx| {
            audit::append(tx, now, &staff, action, subject, detail)?;
            Ok(())
        })
    }
}

/// How often a session whose writes are paused tries again.
const PAUSED_RETRY: chrono::TimeDelta = chrono::TimeDelta::seconds(15);

/// What every screen's header says while the disk refuses writes.
fn paused_sentence(db: &Path) -> String {
    format!(
        "writes paused: the disk holding {} is full; you can read, but nothing can be recorded until an administrator frees space",
        db.display()
    )
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Removes a database and its WAL and shared-memory files (only for one never handed out).
pub(crate) fn remove_database_files(db: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(lock_path(db, suffix));
    }
}

/// A random temporary password: 4 groups of 4 lower-case letters and digits without look-alikes.
pub fn generate_temporary_password() -> Zeroizing<String> {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut out = Zeroizing::new(String::with_capacity(19));
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    out
}
