//! Export: read the record, build and sign the bundle, write it and the escort summary, and
//! record the handover. The files are written before the handover is recorded and removed
//! again if recording fails, so a bundle on disk always means a recorded handover.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::build::{self, HandoverInput};
use super::{Destination, HandoverError, escort};
use crate::domain::handover::{HandoverDraft, NewHandover};

/// What an export needs from the suite's storage: the draft (read in the transaction that
/// audits the read), who is exporting, and recording the handover. The store implements it
/// (`commands::handover`), so this module never names the store.
pub trait HandoverStorage {
    type Error: std::error::Error + Send + Sync + 'static;
    /// Everything to build the bundle for `custody_no`, refusing one already handed over.
    fn handover_draft(
        &mut self,
        custody_no: &str,
        now: DateTime<Utc>,
    ) -> Result<HandoverDraft, Self::Error>;
    /// The person exporting: (display name, username).
    fn author(&self) -> (String, String);
    /// Records the handover and closes the detention, in one transaction.
    fn record_handover(
        &mut self,
        h: &NewHandover<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), Self::Error>;
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The storage refused or failed (not permitted, already handed over, database error).
    #[error("{0}")]
    Store(Box<dyn std::error::Error + Send + Sync + 'static>),
    #[error(transparent)]
    Bundle(#[from] HandoverError),
    /// No release or transfer without a completed pre-release risk assessment.
    #[error("{}", crate::domain::prra::not_complete(.0))]
    PrraIncomplete(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where the person goes and who receives them.
#[derive(Debug, Clone)]
pub struct Handover<'a> {
    pub custody_no: &'a str,
    pub destination: Destination,
    pub receiving_org: &'a str,
    pub receiving_officer: &'a str,
}

/// A signed bundle and its escort summary, not yet written.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub draft: HandoverDraft,
    pub bundle: Value,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub escort: String,
    /// On release only: the person's own plain-text copy (`prra::release_copy`).
    pub release_copy: Option<String>,
}

/// Builds and signs the bundle for `draft` (pure apart from the draft's key).
pub fn sign_draft(
    draft: HandoverDraft,
    h: &Handover<'_>,
    author_name: &str,
    author_username: &str,
    now: DateTime<Utc>,
    seed: [u8; 16],
) -> Result<Prepared, HandoverError> {
    let input = HandoverInput {
        suite_name: &draft.suite_name,
        record: &draft.record,
        destination: h.destination,
        receiving_org: h.receiving_org.trim(),
        receiving_officer: h.receiving_officer.trim(),
        author_name,
        author_username,
        now,
        bundle_seed: seed,
    };
    let mut bundle = build::build(&input);
    if let Some(checkpoint) = &draft.checkpoint {
        build::add_checkpoint(&mut bundle, checkpoint)?;
    }
    build::sign(&mut bundle, &draft.key, &draft.kid)?;
    let mut bytes =
        serde_json::to_vec_pretty(&bundle).map_err(|e| HandoverError::Canonical(e.to_string()))?;
    bytes.push(b'\n');
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let bundle_id = bundle["identifier"]["value"].as_str().unwrap_or_default();
    let escort = escort::summary(
        &input,
        &escort::Sent {
            bundle_id,
            national_record: draft.national_record.as_deref(),
        },
    );
    let release_copy =
        (h.destination == Destination::Release).then(|| super::prra::release_copy(&input));
    Ok(Prepared {
        draft,
        bundle,
        bytes,
        sha256,
        escort,
        release_copy,
    })
}

/// The files an export writes.
#[derive(Debug, Clone)]
pub struct Written {
    pub bundle_path: PathBuf,
    pub escort_path: PathBuf,
    /// On release, the person's own copy (`<custody_no>.release.txt`).
    pub release_path: Option<PathBuf>,
    pub prepared: Prepared,
}

fn file_stem(custody_no: &str) -> String {
    custody_no
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Exports `h` from `store` into `dir`: signed bundle and escort summary (mode 0600,
/// atomically), then the handover is recorded and the detention closed.
pub fn export<S: HandoverStorage>(
    store: &mut S,
    h: &Handover<'_>,
    dir: &Path,
    now: DateTime<Utc>,
) -> Result<Written, ExportError> {
    let draft = store
        .handover_draft(h.custody_no.trim(), now)
        .map_err(|e| ExportError::Store(Box::new(e)))?;
    // Refused before anything is signed or written (Essex Police procedure E0107: a PRRA
    // "must be completed for every detainee"); the store refuses to record it too.
    if !draft.record.prra.is_complete() {
        return Err(ExportError::PrraIncomplete(draft.record.entry.custody_no));
    }
    let (display_name, username) = store.author();
    let mut seed = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
    let prepared = sign_draft(draft, h, &display_name, &username, now, seed)?;
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    let stem = file_stem(&prepared.draft.record.entry.custody_no);
    let bundle_path = dir.join(format!("{stem}.handover.json"));
    let escort_path = dir.join(format!("{stem}.escort.txt"));
    crate::atomic_file::write_private(&bundle_path, &prepared.bytes)
        .map_err(write_err(&bundle_path))?;
    if let Err(e) = crate::atomic_file::write_private(&escort_path, prepared.escort.as_bytes()) {
        let _ = std::fs::remove_file(&bundle_path);
        return Err(write_err(&escort_path)(e));
    }
    // On release, the person's own copy: who to contact, signposting, leaflets, referrals and
    // appointments (HMIP expectations: give contact details of support services).
    let release_path = match &prepared.release_copy {
        Some(text) => {
            let path = dir.join(format!("{stem}.release.txt"));
            if let Err(e) = crate::atomic_file::write_private(&path, text.as_bytes()) {
                let _ = std::fs::remove_file(&bundle_path);
                let _ = std::fs::remove_file(&escort_path);
                return Err(write_err(&path)(e));
            }
            Some(path)
        }
        None => None,
    };
    let disclosed: Vec<&str> = prepared
        .draft
        .record
        .flags
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    let bundle_id = prepared.bundle["identifier"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let recorded = store.record_handover(
        &NewHandover {
            detention_id: prepared.draft.detention_id,
            destination: h.destination.as_str(),
            receiving_org: h.receiving_org.trim(),
            receiving_officer: h.receiving_officer.trim(),
            bundle_id: &bundle_id,
            bundle_sha256: &prepared.sha256,
            kid: &prepared.draft.kid,
            disclosed_flags: &disclosed.join(","),
            bundle: &prepared.bytes,
        },
        now,
    );
    if let Err(e) = recorded {
        // Nothing was handed over: leave no bundle that claims otherwise.
        let _ = std::fs::remove_file(&bundle_path);
        let _ = std::fs::remove_file(&escort_path);
        if let Some(path) = &release_path {
            let _ = std::fs::remove_file(path);
        }
        return Err(ExportError::Store(Box::new(e)));
    }
    Ok(Written {
        bundle_path,
        escort_path,
        release_path,
        prepared,
    })
}
