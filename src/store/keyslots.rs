//! Keyslots, like LUKS: a sidecar file beside the database holds, for each staff account and
//! for one recovery key, the database's master key wrapped so that only that person's secret
//! opens it. Logging in is unwrapping your slot; a wrong password unwraps nothing.
//!
//! Each slot has its own X25519 key pair. The private half is sealed (XChaCha20-Poly1305) under
//! a key derived by Argon2id from the person's secret; the master key is sealed to the public
//! half (ephemeral X25519 + HKDF-SHA256 + XChaCha20-Poly1305, the shape of age's recipients).
//! That is why `rekey` can wrap a new master key for every account without knowing anyone's
//! password, and why a copy of an old keyslot file opens nothing after a rekey.
//!
//! The file holds no health data, so failed-login bookkeeping lives here too (it has to:
//! without a key the database cannot be written).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::StoreError;
use crate::atomic_file;

/// The format tag written into every keyslot file.
const FORMAT: &str = "sonar-keyslots/1";

/// The name of the recovery slot. No staff account may use it.
pub const RECOVERY_SLOT: &str = "recovery";

/// Argon2id cost: 64 MiB, 3 passes, 1 lane (OWASP's minimum is 19 MiB/2 passes; this is
/// stronger and still unlocks in well under a second on a suite terminal).
pub const KDF_MEMORY_KIB: u32 = 64 * 1024;
pub const KDF_ITERATIONS: u32 = 3;
pub const KDF_PARALLELISM: u32 = 1;

/// The largest Argon2id settings a slot may carry (16 times what this program writes).
const MAX_KDF_MEMORY_KIB: u32 = 16 * KDF_MEMORY_KIB;
const MAX_KDF_ITERATIONS: u32 = 16 * KDF_ITERATIONS;
const MAX_KDF_PARALLELISM: u32 = 16;

/// Failures allowed before each further failure makes the account wait.
const FREE_FAILURES: u32 = 2;
/// The longest wait after repeated failures.
const MAX_BACKOFF_SECONDS: i64 = 300;

/// The random 256-bit key the database is encrypted with.
///
/// It lives on the heap only: made zeroed in its box and filled in place, never passed or
/// returned by value, so moving a `MasterKey` (or a session holding one) moves a pointer and
/// leaves no copy of the key on a stack. Zeroed when dropped. The work that unwraps it runs in
/// frames below the one that makes it, and [`crate::secret::scrub_stack`] wipes those once it
/// is done.
pub struct MasterKey {
    bytes: Box<Zeroizing<[u8; 32]>>,
    /// [`MasterKey::key_id`], worked out on first use: hashing the key means scrubbing the
    /// stack after, too much to repeat for every checkpoint and log line.
    id: OnceLock<String>,
}

impl PartialEq for MasterKey {
    fn eq(&self, other: &MasterKey) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for MasterKey {}

impl MasterKey {
    /// An all-zero key in its box, to be filled in place (before anything asks its id).
    fn zeroed() -> MasterKey {
        MasterKey {
            bytes: Box::new(Zeroizing::new([0u8; 32])),
            id: OnceLock::new(),
        }
    }

    /// A fresh random key straight from the operating system's CSPRNG into its box (not via
    /// the thread RNG, whose buffer would keep the bytes after they were handed out).
    pub fn generate() -> MasterKey {
        let mut key = MasterKey::zeroed();
        crate::secret::fill_random(key.bytes.as_mut_slice());
        key
    }

    /// A key copied from `bytes`, which the caller keeps (and zeroizes).
    pub fn from_bytes(bytes: &[u8; 32]) -> MasterKey {
        let mut key = MasterKey::zeroed();
        key.bytes.as_mut_slice().copy_from_slice(bytes);
        key
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The SQLCipher raw-key literal, `x'…'`, in a zeroizing string written in place (its
    /// capacity is exact, so it never grows and leaves a copy behind in a freed buffer).
    pub fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut literal = Zeroizing::new(String::with_capacity(67));
        literal.push_str("x'");
        let _ = crate::secret::push_hex(&mut literal, self.as_bytes());
        literal.push('\'');
        literal
    }

    /// A short public identifier of the key (not the key): which generation a slot wraps.
    pub fn key_id(&self) -> String {
        self.id
            .get_or_init(|| {
                let mut hasher = Sha256::new();
                hasher.update(b"sonar master key id\0");
                hasher.update(self.as_bytes());
                let digest = hasher.finalize_reset();
                // The hasher's block buffer still holds the key's bytes: overwrite them.
                hasher.update([0u8; 63]);
                crate::secret::scrub_stack();
                hex::encode(&digest[..8])
            })
            .clone()
    }
}

impl Clone for MasterKey {
    /// Copied heap to heap (a derived clone would build the array on the stack first).
    fn clone(&self) -> MasterKey {
        MasterKey::from_bytes(self.as_bytes())
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.key_id())
    }
}

/// Argon2id settings stored with each slot, so stronger settings can be adopted later.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KdfParams {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub salt: String,
}

/// Whose secret a slot is wrapped under.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    Staff,
    Recovery,
}

/// One wrapped copy of the master key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slot {
    pub name: String,
    pub kind: SlotKind,
    /// Which master key this slot wraps (see [`MasterKey::key_id`]).
    pub key_id: String,
    /// The secret is temporary and must be changed at the next login.
    pub must_change: bool,
    pub kdf: KdfParams,
    /// The slot's X25519 public key.
    pub public_key: String,
    /// The slot's X25519 private key, sealed under the Argon2id-derived key.
    pub sealed_private_key: String,
    /// The master key, sealed to `public_key`: ephemeral public key || nonce || ciphertext.
    pub wrapped_key: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub failed_attempts: u32,
    #[serde(default)]
    pub locked_until: Option<DateTime<Utc>>,
    /// SHA-256 over everything that unwraps the key ([`Slot::digest`]), so a damaged slot is
    /// told apart from a wrong password. Not a defence against tampering (anyone can recompute
    /// it; the AEAD seals are that): it names damage. Absent in files from before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl Slot {
    /// The checksum this slot's contents give now (see [`Slot::checksum`]).
    fn digest(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            "sonar keyslot checksum v1",
            &self.name,
            kind_name(self.kind),
            &self.key_id,
            if self.must_change {
                "temporary"
            } else {
                "chosen"
            },
            &self.kdf.algorithm,
            &self.kdf.memory_kib.to_string(),
            &self.kdf.iterations.to_string(),
            &self.kdf.parallelism.to_string(),
            &self.kdf.salt,
            &self.public_key,
            &self.sealed_private_key,
            &self.wrapped_key,
        ] {
            hash.update(part.as_bytes());
            hash.update([0u8]);
        }
        hex::encode(hash.finalize())
    }

    /// Whether the slot is as it was written (a slot from before checksums counts as intact).
    pub fn is_intact(&self) -> bool {
        self.checksum.as_deref().is_none_or(|c| c == self.digest())
    }
}

/// A security event that happened while the database was locked (a failed login), waiting to
/// be written into the audit chain by the next successful login.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingEvent {
    pub at: DateTime<Utc>,
    pub staff: String,
    pub action: String,
    pub detail: String,
}

/// The whole sidecar file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyslotFile {
    pub format: String,
    /// Random id of the database these slots belong to; bound into every slot's ciphertext.
    pub database_id: String,
    /// The suite's name, so the login screen can say which suite this is before anyone
    /// has unlocked the database. Not secret.
    #[serde(default)]
    pub suite_name: String,
    pub slots: Vec<Slot>,
    #[serde(default)]
    pub pending_events: Vec<PendingEvent>,
    /// Failed logins beyond [`MAX_PENDING_EVENTS`], counted rather than listed, so guessing
    /// at a locked terminal cannot grow this file without bound.
    #[serde(default)]
    pub unlisted_failures: u64,
    /// Set while the database is being made (the demo's generation) and cleared when it is
    /// finished: a database left with it set was interrupted and is refused by every login
    /// ([`KeyslotFile::check_complete`]). Kept here rather than in the database so it is seen
    /// before anyone's slot is tried: a killed demo may not have made that person's slot yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
    /// Why the master key must be replaced (an account disabled while terminals were logged
    /// in, so `rekey` could not run): until it is, an old copy of this file still opens the
    /// database with that account's password. Cleared by `rekey`; `sonar check` reports it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rekey_needed: Vec<String>,
}

/// What the audit says of a failed login under a name that matches no account.
pub const UNKNOWN_USERNAME: &str = "a username that matches no account";

/// The most failed logins kept one by one while the database is locked.
pub const MAX_PENDING_EVENTS: usize = 1000;

/// The sidecar's path for a database path: `suite.db` -> `suite.db.keyslots`.
pub fn sidecar_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".keyslots");
    PathBuf::from(name)
}

impl KeyslotFile {
    pub fn new() -> KeyslotFile {
        let mut id = [0u8; 16];
        rand::rng().fill_bytes(&mut id);
        KeyslotFile {
            format: FORMAT.to_string(),
            database_id: hex::encode(id),
            suite_name: String::new(),
            slots: Vec::new(),
            pending_events: Vec::new(),
            unlisted_failures: 0,
            incomplete: None,
            rekey_needed: Vec::new(),
        }
    }

    /// Refuses a database whose making was interrupted (see [`KeyslotFile::incomplete`]).
    pub fn check_complete(&self, db: &Path) -> Result<(), StoreError> {
        match &self.incomplete {
            Some(why) => Err(StoreError::Incomplete {
                path: db.to_path_buf(),
                why: why.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Reads the sidecar of `db`, naming the problem in one sentence when it cannot.
    pub fn load(db: &Path) -> Result<KeyslotFile, StoreError> {
        let path = sidecar_path(db);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NoKeyslotFile { path });
            }
            Err(e) => return Err(StoreError::io(format!("reading {}", path.display()), e)),
        };
        let file: KeyslotFile =
            serde_json::from_slice(&bytes).map_err(|e| StoreError::CorruptKeyslotFile {
                path: path.clone(),
                why: e.to_string(),
            })?;
        if file.format != FORMAT {
            return Err(StoreError::CorruptKeyslotFile {
                path,
                why: format!("unknown format `{}`", file.format),
            });
        }
        Ok(file)
    }

    /// Writes the sidecar of `db` atomically (temp file, fsync, rename), mode 0600.
    pub fn save(&self, db: &Path) -> Result<(), StoreError> {
        let path = sidecar_path(db);
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| StoreError::Internal(format!("encoding keyslots: {e}")))?;
        atomic_file::write_private(&path, &json)
            .map_err(|e| StoreError::io(format!("writing {}", path.display()), e))
    }

    /// Adds (or replaces, for the same name and key generation) a slot wrapping `key` under
    /// `secret`.
    pub fn add_slot(
        &mut self,
        name: &str,
        kind: SlotKind,
        secret: &[u8],
        key: &MasterKey,
        must_change: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let kdf = KdfParams {
            algorithm: "argon2id".to_string(),
            memory_kib: KDF_MEMORY_KIB,
            iterations: KDF_ITERATIONS,
            parallelism: KDF_PARALLELISM,
            salt: B64.encode(salt),
        };
        let mut private_bytes = Zeroizing::new([0u8; 32]);
        crate::secret::fill_random(private_bytes.as_mut());
        let private = static_secret(&private_bytes);
        let public = PublicKey::from(&*private);
        let password_key = derive(secret, &kdf)?;
        let sealed_private = seal(
            &password_key,
            private_bytes.as_ref(),
            &self.private_aad(name, kind, public.as_bytes()),
        )?;
        let mut slot = Slot {
            name: name.to_string(),
            kind,
            key_id: String::new(),
            must_change,
            kdf,
            public_key: B64.encode(public.as_bytes()),
            sealed_private_key: B64.encode(sealed_private),
            wrapped_key: String::new(),
            created_at: now,
            failed_attempts: 0,
            locked_until: None,
            checksum: None,
        };
        self.wrap_into(&mut slot, key)?;
        self.slots
            .retain(|s| !(s.name == slot.name && s.key_id == slot.key_id));
        self.slots.push(slot);
        Ok(())
    }

    /// Adds, for every slot of the generation `from_key_id`, a slot of the same person wrapping
    /// `new_key` (no secrets needed: the master key is sealed to each slot's public key).
    pub fn add_generation(
        &mut self,
        from_key_id: &str,
        new_key: &MasterKey,
    ) -> Result<usize, StoreError> {
        let new_id = new_key.key_id();
        let mut added = Vec::new();
        for slot in self.slots.iter().filter(|s| s.key_id == from_key_id) {
            let mut copy = slot.clone();
            self.wrap_into(&mut copy, new_key)?;
            added.push(copy);
        }
        self.slots.retain(|s| s.key_id != new_id);
        let n = added.len();
        self.slots.extend(added);
        Ok(n)
    }

    /// Seals `key` to the slot's public key and records which key generation it holds.
    fn wrap_into(&self, slot: &mut Slot, key: &MasterKey) -> Result<(), StoreError> {
        let public = decode_32(&slot.public_key).ok_or_else(|| corrupt(slot, "bad public key"))?;
        let recipient = PublicKey::from(public);
        let mut eph_bytes = Zeroizing::new([0u8; 32]);
        crate::secret::fill_random(eph_bytes.as_mut());
        let ephemeral = static_secret(&eph_bytes);
        let ephemeral_public = PublicKey::from(&*ephemeral);
        let shared = ephemeral.diffie_hellman(&recipient);
        let wrapping = hkdf_key(
            shared.as_bytes(),
            ephemeral_public.as_bytes(),
            recipient.as_bytes(),
        )?;
        slot.key_id = key.key_id();
        let aad = self.wrap_aad(&slot.name, slot.kind, &slot.key_id);
        let sealed = seal(&wrapping, key.as_bytes(), &aad)?;
        let mut blob = ephemeral_public.as_bytes().to_vec();
        blob.extend_from_slice(&sealed);
        slot.wrapped_key = B64.encode(blob);
        slot.checksum = Some(slot.digest());
        Ok(())
    }

    /// Removes every slot of `name`; returns whether any existed.
    pub fn remove_slots(&mut self, name: &str) -> bool {
        let before = self.slots.len();
        self.slots.retain(|s| s.name != name);
        before != self.slots.len()
    }

    /// Keeps only slots wrapping the key generation `key_id` (the end of a rekey).
    pub fn retain_generation(&mut self, key_id: &str) {
        self.slots.retain(|s| s.key_id == key_id);
    }

    pub fn has_slot(&self, name: &str) -> bool {
        self.slots.iter().any(|s| s.name == name)
    }

    /// Unwraps every key `secret` opens among `name`'s slots (more than one only part-way
    /// through a rekey). Empty means the secret is wrong or the name has no slot.
    pub fn unwrap_all(&self, name: &str, secret: &[u8]) -> Result<Vec<Unwrapped>, StoreError> {
        if !self.has_slot(name) {
            // Spend the same Argon2id work as a real slot, so timing does not tell which
            // usernames exist.
            let mut salt = [0u8; 16];
            rand::rng().fill_bytes(&mut salt);
            let _ = derive(
                secret,
                &KdfParams {
                    algorithm: "argon2id".to_string(),
                    memory_kib: KDF_MEMORY_KIB,
                    iterations: KDF_ITERATIONS,
                    parallelism: KDF_PARALLELISM,
                    salt: B64.encode(salt),
                },
            )?;
            // A slot whose name was damaged is nobody's: say the file is damaged rather than
            // let its owner be told their password is wrong.
            if let Some(damaged) = self.slots.iter().find(|s| !s.is_intact()) {
                return Err(corrupt(damaged, "it fails its checksum"));
            }
            return Ok(Vec::new());
        }
        // A damaged slot is named as damage before any secret is tried, so it neither reads
        // as a wrong password nor counts toward the back-off.
        if let Some(damaged) = self.slots.iter().find(|s| s.name == name && !s.is_intact()) {
            return Err(corrupt(damaged, "it fails its checksum"));
        }
        let mut keys = Vec::new();
        for slot in self.slots.iter().filter(|s| s.name == name) {
            if let Some(key) = self.unwrap_slot(slot, secret)? {
                keys.push(Unwrapped {
                    key,
                    must_change: slot.must_change,
                });
            }
        }
        Ok(keys)
    }

    fn unwrap_slot(&self, slot: &Slot, secret: &[u8]) -> Result<Option<MasterKey>, StoreError> {
        let public = decode_32(&slot.public_key).ok_or_else(|| corrupt(slot, "bad public key"))?;
        let sealed_private = B64
            .decode(&slot.sealed_private_key)
            .map_err(|_| corrupt(slot, "bad sealed private key"))?;
        let blob = B64
            .decode(&slot.wrapped_key)
            .map_err(|_| corrupt(slot, "bad wrapped key"))?;
        let password_key = derive(secret, &slot.kdf)?;
        let Some(private_plain) = open(
            &password_key,
            &sealed_private,
            &self.private_aad(&slot.name, slot.kind, &public),
        ) else {
            return Ok(None);
        };
        let private_bytes: &[u8; 32] = private_plain
            .as_slice()
            .try_into()
            .map_err(|_| corrupt(slot, "private key has the wrong length"))?;
        let private = static_secret(private_bytes);
        if blob.len() < 32 {
            return Err(corrupt(slot, "wrapped key is too short"));
        }
        let (eph, sealed) = blob.split_at(32);
        let eph: [u8; 32] = eph
            .try_into()
            .map_err(|_| corrupt(slot, "bad ephemeral key"))?;
        let shared = private.diffie_hellman(&PublicKey::from(eph));
        let wrapping = hkdf_key(shared.as_bytes(), &eph, &public)?;
        let aad = self.wrap_aad(&slot.name, slot.kind, &slot.key_id);
        // The password was right (the private key opened), so a failure here is damage.
        let plain = open(&wrapping, sealed, &aad)
            .ok_or_else(|| corrupt(slot, "the wrapped master key does not open"))?;
        let key: &[u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| corrupt(slot, "wrapped key has the wrong length"))?;
        let key = MasterKey::from_bytes(key);
        // Argon2id, X25519 and the AEAD ran below this frame with the password and the keys.
        crate::secret::scrub_stack();
        Ok(Some(key))
    }

    /// Binds a sealed private key to this database, its owner and its public key, so a slot
    /// copied from elsewhere or renamed in the file does not open.
    fn private_aad(&self, name: &str, kind: SlotKind, public: &[u8; 32]) -> Vec<u8> {
        let mut aad = format!(
            "{FORMAT}\0private\0{}\0{name}\0{}\0",
            self.database_id,
            kind_name(kind)
        )
        .into_bytes();
        aad.extend_from_slice(public);
        aad
    }

    /// Binds a wrapped master key to this database, its owner and its key generation.
    fn wrap_aad(&self, name: &str, kind: SlotKind, key_id: &str) -> Vec<u8> {
        format!(
            "{FORMAT}\0master\0{}\0{name}\0{}\0{key_id}",
            self.database_id,
            kind_name(kind)
        )
        .into_bytes()
    }

    /// Refuses a login attempt while `name` is in its back-off period.
    pub fn check_backoff(&self, name: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let until = self
            .slots
            .iter()
            .filter(|s| s.name == name)
            .filter_map(|s| s.locked_until)
            .max();
        match until {
            Some(until) if until > now => Err(StoreError::LockedOut {
                username: name.to_string(),
                seconds: (until - now).num_seconds().max(1),
            }),
            _ => Ok(()),
        }
    }

    /// Records a failed login: counts it, sets the growing back-off and queues the audit event.
    pub fn record_failure(&mut self, name: &str, now: DateTime<Utc>) {
        for slot in self.slots.iter_mut().filter(|s| s.name == name) {
            slot.failed_attempts = slot.failed_attempts.saturating_add(1);
            slot.locked_until = backoff(slot.failed_attempts).map(|d| now + d);
        }
        if self.pending_events.len() >= MAX_PENDING_EVENTS {
            self.unlisted_failures = self.unlisted_failures.saturating_add(1);
            return;
        }
        // A name that matches no account may be a password typed into the wrong field: it is
        // never written down, only that an unknown name was tried.
        let (staff, detail) = if self.has_slot(name) {
            (name.to_string(), String::new())
        } else {
            (String::new(), UNKNOWN_USERNAME.to_string())
        };
        self.pending_events.push(PendingEvent {
            at: now,
            staff,
            action: "login_failed".to_string(),
            detail,
        });
    }

    /// Clears the failure count after a successful login; returns whether there was one.
    pub fn record_success(&mut self, name: &str) -> bool {
        let mut changed = false;
        for slot in self.slots.iter_mut().filter(|s| s.name == name) {
            changed |= slot.failed_attempts != 0 || slot.locked_until.is_some();
            slot.failed_attempts = 0;
            slot.locked_until = None;
        }
        changed
    }
}

impl Default for KeyslotFile {
    fn default() -> Self {
        Self::new()
    }
}

/// The wait imposed after `failures` consecutive failed logins: none for the first two, then
/// 2 s, 4 s, 8 s… up to five minutes.
pub fn backoff(failures: u32) -> Option<chrono::Duration> {
    if failures <= FREE_FAILURES {
        return None;
    }
    let exponent = (failures - FREE_FAILURES).min(16);
    let seconds = (1i64 << exponent).min(MAX_BACKOFF_SECONDS);
    Some(chrono::Duration::seconds(seconds))
}

/// An X25519 secret on the heap (zeroed when dropped). `StaticSecret::from` takes the bytes by
/// value: the copy is made in this function's frame, below the caller's, where
/// [`crate::secret::scrub_stack`] reaches it.
#[inline(never)]
fn static_secret(bytes: &[u8; 32]) -> Box<StaticSecret> {
    Box::new(StaticSecret::from(*bytes))
}

fn kind_name(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Staff => "staff",
        SlotKind::Recovery => "recovery",
    }
}

/// Damage to one slot. The path is left empty here and filled in by [`with_file_path`],
/// which knows the file.
fn corrupt(slot: &Slot, why: &str) -> StoreError {
    StoreError::CorruptKeyslotFile {
        path: PathBuf::new(),
        why: format!("the slot of `{}`: {why}", slot.name),
    }
}

/// Names the keyslot file of `db` in a damage report made without it.
pub(crate) fn with_file_path(error: StoreError, db: &Path) -> StoreError {
    match error {
        StoreError::CorruptKeyslotFile { path, why } if path.as_os_str().is_empty() => {
            StoreError::CorruptKeyslotFile {
                path: sidecar_path(db),
                why,
            }
        }
        other => other,
    }
}

fn decode_32(text: &str) -> Option<[u8; 32]> {
    B64.decode(text).ok()?.try_into().ok()
}

/// The key that seals a master key to a slot: HKDF-SHA256 over the X25519 shared secret,
/// salted with both public keys so it is unique to this exchange.
fn hkdf_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(&salt), shared)
        .expand(b"sonar keyslot master key v1", out.as_mut())
        .map_err(|_| StoreError::Internal("HKDF expand failed".into()))?;
    Ok(out)
}

/// XChaCha20-Poly1305 with a random nonce; output is nonce || ciphertext.
fn seal(key: &[u8; 32], plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| StoreError::Internal("sealing a key failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens what [`seal`] made; `None` when the key is wrong or the data altered.
fn open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < 24 {
        return None;
    }
    let (nonce, body) = sealed.split_at(24);
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
        .ok()
        .map(Zeroizing::new)
}

/// A key unwrapped from a slot.
pub struct Unwrapped {
    pub key: MasterKey,
    pub must_change: bool,
}

fn derive(secret: &[u8], kdf: &KdfParams) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    if kdf.algorithm != "argon2id" {
        return Err(StoreError::CorruptKeyslotFile {
            path: PathBuf::new(),
            why: format!("unknown key derivation `{}`", kdf.algorithm),
        });
    }
    let salt = B64
        .decode(&kdf.salt)
        .map_err(|_| StoreError::CorruptKeyslotFile {
            path: PathBuf::new(),
            why: "bad salt".to_string(),
        })?;
    // Bounds well above what this program writes, so a damaged number cannot make a login
    // ask for terabytes of memory or hours of work.
    if kdf.memory_kib > MAX_KDF_MEMORY_KIB
        || kdf.iterations > MAX_KDF_ITERATIONS
        || kdf.parallelism > MAX_KDF_PARALLELISM
    {
        return Err(StoreError::CorruptKeyslotFile {
            path: PathBuf::new(),
            why: format!(
                "its Argon2 settings ({} KiB, {} passes, {} lanes) are beyond what SONAR writes",
                kdf.memory_kib, kdf.iterations, kdf.parallelism
            ),
        });
    }
    let params =
        Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32)).map_err(|e| {
            StoreError::CorruptKeyslotFile {
                path: PathBuf::new(),
                why: format!("bad Argon2 parameters: {e}"),
            }
        })?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(secret, &salt, out.as_mut())
        .map_err(|e| StoreError::Internal(format!("key derivation failed: {e}")))?;
    Ok(out)
}

/// A recovery key: 32 random bytes shown once as 16 groups of four hex digits.
pub fn generate_recovery_key() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(bytes.as_mut());
    let hex = Zeroizing::new(hex::encode(bytes.as_ref()));
    let mut out = Zeroizing::new(String::with_capacity(80));
    for (i, chunk) in hex.as_bytes().chunks(4).enumerate() {
        if i > 0 {
            out.push('-');
        }
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

/// The form of a recovery key that is wrapped: separators and case do not matter when typed.
pub fn normalise_recovery_key(typed: &str) -> Zeroizing<String> {
    Zeroizing::new(
        typed
            .chars()
            .filter(|c| c.is_ascii_hexdigit())
            .map(|c| c.to_ascii_lowercase())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn right_secret_unwraps_wrong_one_does_not() {
        let key = MasterKey::generate();
        let mut file = KeyslotFile::new();
        file.add_slot(
            "nurse",
            SlotKind::Staff,
            b"correct horse",
            &key,
            false,
            now(),
        )
        .unwrap();
        let got = file.unwrap_all("nurse", b"correct horse").unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].key == key);
        assert!(file.unwrap_all("nurse", b"wrong").unwrap().is_empty());
        assert!(
            file.unwrap_all("nobody", b"correct horse")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_slot_renamed_in_the_file_does_not_unwrap() {
        let key = MasterKey::generate();
        let mut file = KeyslotFile::new();
        file.add_slot("nurse", SlotKind::Staff, b"pw", &key, false, now())
            .unwrap();
        file.slots[0].name = "admin".into();
        // Renamed by damage: the checksum names it.
        assert!(matches!(
            file.unwrap_all("admin", b"pw"),
            Err(StoreError::CorruptKeyslotFile { .. })
        ));
        // Renamed on purpose, checksum recomputed: the seal is bound to the name, so the
        // checksum is no defence and none is needed.
        file.slots[0].checksum = Some(file.slots[0].digest());
        assert!(file.unwrap_all("admin", b"pw").unwrap().is_empty());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), None);
        assert_eq!(backoff(2), None);
        assert_eq!(backoff(3), Some(chrono::Duration::seconds(2)));
        assert_eq!(backoff(4), Some(chrono::Duration::seconds(4)));
        assert_eq!(backoff(40), Some(chrono::Duration::seconds(300)));
    }

    #[test]
    fn failures_lock_out_then_success_clears() {
        let key = MasterKey::generate();
        let mut file = KeyslotFile::new();
        file.add_slot("nurse", SlotKind::Staff, b"pw", &key, false, now())
            .unwrap();
        for _ in 0..3 {
            file.record_failure("nurse", now());
        }
        let err = file.check_backoff("nurse", now()).unwrap_err();
        assert!(err.to_string().contains("try again in 2 seconds"), "{err}");
        assert!(
            file.check_backoff("nurse", now() + chrono::Duration::seconds(3))
                .is_ok()
        );
        assert_eq!(file.pending_events.len(), 3);
        for _ in 0..MAX_PENDING_EVENTS {
            file.record_failure("someone", now());
        }
        assert_eq!(file.pending_events.len(), MAX_PENDING_EVENTS);
        assert_eq!(file.unlisted_failures, 3);
        file.record_success("nurse");
        assert!(file.check_backoff("nurse", now()).is_ok());
    }

    #[test]
    fn recovery_key_normalises() {
        let key = generate_recovery_key();
        assert_eq!(key.len(), 16 * 4 + 15);
        let typed = key.to_uppercase().replace('-', " ");
        assert_eq!(*normalise_recovery_key(&typed), key.replace('-', ""));
    }
}
