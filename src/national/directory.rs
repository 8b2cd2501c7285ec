//! The key directory: which organisation each suite key belongs to. The national operator
//! enrols keys (`sonar-record enrol`); the record publishes the directory signed with its own
//! key, and a suite that pinned that key names the signer of every bundle from here, never
//! from the bundle's own text (a bundle can say anything about who made it).
//!
//! Published form: a JSON object with the record's key id, when it was issued, one JWK per
//! enrolled key carrying `organisation`, and `signature`: a detached JWS (the handover's own
//! form, `handover::jws`) over the RFC 8785 canonical JSON of the object without `signature`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{Value, json};

use crate::handover::verify::Trust;
use crate::handover::{HandoverError, canonical, jws, keys};

/// One enrolled suite key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kid: String,
    pub organisation: String,
    pub key: VerifyingKey,
    pub enrolled_at: String,
}

/// The directory as a suite holds it once verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    pub record_kid: String,
    pub issued: String,
    pub entries: Vec<Entry>,
}

/// Why a published directory is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("the record's directory is not in the published form: {0}")]
    Malformed(String),
    #[error(
        "the record's directory is signed by key {0}, not the record key this suite pinned when it joined"
    )]
    NotPinnedKey(String),
    #[error("the record's directory does not verify with the pinned record key: {0}")]
    Signature(HandoverError),
}

impl Directory {
    /// The suite keys as a verifier's trust.
    pub fn trust(&self) -> Trust {
        Trust::new(self.entries.iter().map(|e| e.key))
    }

    /// The organisation the directory binds to `kid`.
    pub fn organisation(&self, kid: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.kid == kid)
            .map(|e| e.organisation.as_str())
    }

    fn unsigned(&self) -> Value {
        let keys: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut jwk = keys::public_jwk(&e.key);
                jwk["organisation"] = json!(e.organisation);
                jwk["enrolled"] = json!(e.enrolled_at);
                jwk
            })
            .collect();
        json!({
            "record": self.record_kid,
            "issued": self.issued,
            "keys": keys,
        })
    }

    /// The published, signed form.
    pub fn publish(&self, record_key: &SigningKey) -> Result<Value, HandoverError> {
        let mut doc = self.unsigned();
        let payload = canonical::canonicalize(&doc)?;
        let kid = keys::kid_of(&record_key.verifying_key());
        doc["signature"] = json!(jws::sign_detached(record_key, &kid, &payload)?);
        Ok(doc)
    }

    /// Reads a published directory and checks it was signed by the pinned record key.
    pub fn verify_published(
        doc: &Value,
        pinned: &VerifyingKey,
    ) -> Result<Directory, DirectoryError> {
        let bad = |why: &str| DirectoryError::Malformed(why.to_string());
        let map = doc
            .as_object()
            .ok_or_else(|| bad("it is not a JSON object"))?;
        let token = map
            .get("signature")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("it has no signature"))?;
        let parsed = jws::parse_detached(token).map_err(DirectoryError::Signature)?;
        let pinned_kid = keys::kid_of(pinned);
        if parsed.header.kid != pinned_kid {
            return Err(DirectoryError::NotPinnedKey(parsed.header.kid.clone()));
        }
        let payload =
            canonical::canonicalize_without(map, "signature").map_err(DirectoryError::Signature)?;
        parsed
            .verify(pinned, &payload)
            .map_err(DirectoryError::Signature)?;
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let mut entries = Vec::new();
        for jwk in map
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("it has no keys"))?
        {
            let x = text(jwk, "x").ok_or_else(|| bad("a key has no x"))?;
            let bytes: [u8; 32] = URL_SAFE_NO_PAD
                .decode(x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad("a key's x is not 32 base64url bytes"))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| bad("a key is not an Ed25519 public key"))?;
            entries.push(Entry {
                kid: keys::kid_of(&key),
                organisation: text(jwk, "organisation")
                    .ok_or_else(|| bad("a key names no organisation"))?,
                key,
                enrolled_at: text(jwk, "enrolled").unwrap_or_default(),
            });
        }
        Ok(Directory {
            record_kid: pinned_kid,
            issued: text(doc, "issued").unwrap_or_default(),
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_directory_verifies_only_with_the_pinned_key_and_unaltered() {
        let record = keys::generate();
        let suite = keys::generate().verifying_key();
        let dir = Directory {
            record_kid: keys::kid_of(&record.verifying_key()),
            issued: "2026-01-01T00:00:00Z".into(),
            entries: vec![Entry {
                kid: keys::kid_of(&suite),
                organisation: "Northtown Custody Suite".into(),
                key: suite,
                enrolled_at: "2026-01-01T00:00:00Z".into(),
            }],
        };
        let published = dir.publish(&record).unwrap();
        let read = Directory::verify_published(&published, &record.verifying_key()).unwrap();
        assert_eq!(read, dir);
        assert_eq!(
            read.organisation(&keys::kid_of(&suite)),
            Some("Northtown Custody Suite")
        );
        let mut altered = published.clone();
        altered["keys"][0]["organisation"] = json!("Elsewhere");
        assert!(matches!(
            Directory::verify_published(&altered, &record.verifying_key()),
            Err(DirectoryError::Signature(HandoverError::Altered))
        ));
        let other = keys::generate().verifying_key();
        assert!(matches!(
            Directory::verify_published(&published, &other),
            Err(DirectoryError::NotPinnedKey(_))
        ));
    }
}
