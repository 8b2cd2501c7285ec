//! The signed checkpoint of the audit kept outside the database (`<db>.checkpoint`, beside the
//! keyslots) and in every handover bundle, so that rows lost from the database (a deleted or
//! damaged write-ahead log, a cut-off tail, a chain recomputed from an edited row) are
//! detected rather than verifying as intact.
//!
//! Every write to the database commits with its audit row, so the audit's row count is the
//! database's commit count and its last row's hash is a digest of everything before it.
//!
//! The file is JSON: the [`Body`] and `signature`, a detached JWS (RFC 7515 appendix F,
//! `alg: EdDSA`, RFC 8037) by the suite's handover signing key over the RFC 8785 canonical JSON
//! of the body. Anyone with the suite's public key (`sonar keys show`) and a standard JOSE
//! library can check it. Pure: no I/O; the store reads and writes the file.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The format tag of a checkpoint.
pub const FORMAT: &str = "sonar-checkpoint/1";

/// The audit's state at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    /// How many rows the audit has (its commit count).
    pub rows: i64,
    /// The id of its last row (0 when empty).
    pub last_id: i64,
    /// The `row_hash` of its last row (empty when empty).
    pub last_hash: String,
}

/// What is signed. Fields are named so that serde's order is also RFC 8785's (sorted), though
/// the signature is always made over the canonicaliser's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub audit: AuditHead,
    /// Goes up by one with every checkpoint written for this database.
    pub counter: u64,
    pub format: String,
    /// The suite signing key's id (RFC 7638 thumbprint).
    pub kid: String,
    /// Losses found earlier and not yet acknowledged by an administrator: every later
    /// checkpoint carries them, so one login that saw them cannot make them disappear.
    #[serde(default)]
    pub unresolved: Vec<String>,
    /// When it was written (RFC 3339, UTC).
    pub written_at: DateTime<Utc>,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(flatten)]
    pub body: Body,
    /// `BASE64URL(header)..BASE64URL(signature)` over the canonical body.
    pub signature: String,
}

/// Why a checkpoint is not trusted or what it shows, each one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Finding {
    #[error(
        "rows are missing since the last checkpoint (at {at}): {then} audit rows recorded then, {now} now — the write-ahead log may have been lost or the audit truncated"
    )]
    RowsMissing { at: String, then: i64, now: i64 },
    #[error(
        "the audit chain was rewritten after the last checkpoint (at {at}): row {row} no longer has the hash it had then"
    )]
    Rewritten { at: String, row: i64 },
    #[error(
        "the checkpoint file {path} does not verify with this suite's signing key ({why}): it was altered or replaced"
    )]
    Forged { path: String, why: String },
    #[error(
        "the checkpoint file {path} is missing although this database has kept one since {since}: it was removed, so rows lost since then cannot be ruled out"
    )]
    FileMissing { path: String, since: String },
}

fn header(kid: &str) -> String {
    let header = serde_json::json!({ "alg": "EdDSA", "kid": kid });
    URL_SAFE_NO_PAD.encode(header.to_string())
}

/// The canonical (RFC 8785) bytes of a body: what is signed.
pub fn canonical(body: &Body) -> Result<Vec<u8>, String> {
    serde_json_canonicalizer::to_vec(body).map_err(|e| e.to_string())
}

fn signing_input(protected: &str, body: &Body) -> Result<Vec<u8>, String> {
    let payload = URL_SAFE_NO_PAD.encode(canonical(body)?);
    Ok(format!("{protected}.{payload}").into_bytes())
}

impl Checkpoint {
    /// Signs `body` with the suite's key.
    pub fn sign(body: Body, key: &SigningKey) -> Result<Checkpoint, String> {
        let protected = header(&body.kid);
        let signature = key.sign(&signing_input(&protected, &body)?);
        Ok(Checkpoint {
            signature: format!(
                "{protected}..{}",
                URL_SAFE_NO_PAD.encode(signature.to_bytes())
            ),
            body,
        })
    }

    /// The kid the signature names.
    pub fn signed_kid(&self) -> Option<String> {
        let (protected, _) = self.signature.split_once("..")?;
        let bytes = URL_SAFE_NO_PAD.decode(protected).ok()?;
        let header: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        header["kid"].as_str().map(str::to_string)
    }

    /// Checks the signature with `key`; the reason in words when it does not hold.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), String> {
        if self.body.format != FORMAT {
            return Err(format!("unknown format `{}`", self.body.format));
        }
        let Some((protected, signature)) = self.signature.split_once("..") else {
            return Err("its signature is not a detached JWS".into());
        };
        let header: serde_json::Value = URL_SAFE_NO_PAD
            .decode(protected)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("its signature header does not read")?;
        if header["alg"] != "EdDSA" || header["kid"] != self.body.kid.as_str() {
            return Err("its signature header does not match its key id".into());
        }
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("its signature is not 64 bytes")?;
        key.verify(
            &signing_input(protected, &self.body)?,
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| "the signature does not match its contents".to_string())
    }

    /// The checkpoint as one line of JSON (the bundle's extension carries this).
    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string(self).map_err(|e| e.to_string())
    }
}

/// Compares the database's audit now with a verified checkpoint. `hash_at_checkpoint_head` is
/// the `row_hash` the database holds today for the checkpoint's last row (None when that row
/// is gone). The database must hold that row with the same hash and at least as many rows.
pub fn compare(
    checkpoint: &Body,
    now: &AuditHead,
    hash_at_checkpoint_head: Option<&str>,
) -> Option<Finding> {
    let at = crate::domain::observation::to_london_with_zone(checkpoint.written_at);
    let then = &checkpoint.audit;
    if now.rows < then.rows || (then.last_id > 0 && hash_at_checkpoint_head.is_none()) {
        return Some(Finding::RowsMissing {
            at,
            then: then.rows,
            now: now.rows,
        });
    }
    if then.last_id > 0 && hash_at_checkpoint_head != Some(then.last_hash.as_str()) {
        return Some(Finding::Rewritten {
            at,
            row: then.last_id,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Body {
        Body {
            audit: AuditHead {
                rows: 46,
                last_id: 46,
                last_hash: "ab".repeat(32),
            },
            counter: 7,
            format: FORMAT.into(),
            kid: "kid".into(),
            unresolved: vec![],
            written_at: DateTime::parse_from_rfc3339("2026-11-23T03:10:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_any_change_does_not() {
        let key = crate::domain::handover::generate();
        let mut b = body();
        b.kid = crate::domain::handover::kid_of(&key.verifying_key());
        let cp = Checkpoint::sign(b, &key).unwrap();
        cp.verify(&key.verifying_key()).unwrap();
        let text = cp.to_json().unwrap();
        let back: Checkpoint = serde_json::from_str(&text).unwrap();
        back.verify(&key.verifying_key()).unwrap();
        let mut altered = back.clone();
        altered.body.audit.rows = 40;
        assert!(altered.verify(&key.verifying_key()).is_err());
        let other = crate::domain::handover::generate();
        assert!(back.verify(&other.verifying_key()).is_err());
    }

    #[test]
    fn fewer_rows_or_another_hash_is_a_finding() {
        let b = body();
        let same = b.audit.clone();
        assert_eq!(compare(&b, &same, Some(&same.last_hash)), None);
        let more = AuditHead {
            rows: 50,
            last_id: 50,
            last_hash: "cd".repeat(32),
        };
        assert_eq!(compare(&b, &more, Some(&b.audit.last_hash)), None);
        let fewer = AuditHead {
            rows: 40,
            last_id: 40,
            last_hash: "ef".repeat(32),
        };
        assert_eq!(
            compare(&b, &fewer, None).unwrap().to_string(),
            "rows are missing since the last checkpoint (at 03:10 GMT): 46 audit rows recorded then, 40 now — the write-ahead log may have been lost or the audit truncated"
        );
        assert_eq!(
            compare(&b, &more, Some("00")).unwrap().to_string(),
            "the audit chain was rewritten after the last checkpoint (at 03:10 GMT): row 46 no longer has the hash it had then"
        );
    }
}
