//! The client assertion a suite sends with every request: a JWT signed with the suite's
//! Ed25519 key (RFC 7523 `private_key_jwt`, the pattern NHS England uses for
//! application-restricted APIs). `iss` and `sub` are the suite's key id (its client id), `aud`
//! the record's URL, `jti` unique and single-use, and the assertion lives at most five minutes
//! (NHS England's limit for `exp`). The person at the suite travels in `sonar_user` so the
//! record's audit can name who asked.
//!
//! Decision: the assertion is sent on each request as a bearer token rather than exchanged at
//! a token endpoint for an access token. The record is its own and only resource server, so
//! the exchange would add a round trip and a second secret without adding a check; every
//! request is still signed by the suite's key, short-lived and unreplayable.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::handover::keys::kid_of;

/// The longest an assertion may live, from `iat` to `exp` (NHS England: at most 5 minutes).
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Clock difference tolerated between a suite and the record.
pub const LEEWAY_SECS: u64 = 30;

/// The claims of a client assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    /// The person at the suite on whose behalf it asks (their username).
    #[serde(default)]
    pub sonar_user: String,
}

/// Why an assertion is refused: one sentence each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("no client assertion: send a JWT signed with the suite's key as a bearer token")]
    Missing,
    #[error("the client assertion is not a JWT signed with EdDSA and naming its key id")]
    Malformed,
    #[error(
        "the suite's key (kid {0}) is not enrolled in this record's directory; ask the national operator to enrol it"
    )]
    UnknownKey(String),
    #[error("the client assertion has expired; each request needs a fresh one")]
    Expired,
    #[error("the client assertion was already used; each request needs a fresh one")]
    Replayed,
    #[error("the client assertion is refused: {0}")]
    Invalid(String),
    #[error("the suite key cannot sign: {0}")]
    Key(String),
}

/// An Ed25519 private key as PKCS#8 v1 DER (RFC 8410 section 7): this fixed prefix, then the
/// 32-byte seed. `jsonwebtoken` reads EdDSA keys in this form.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

fn pkcs8(key: &SigningKey) -> zeroize::Zeroizing<Vec<u8>> {
    let mut der = zeroize::Zeroizing::new(Vec::with_capacity(48));
    der.extend_from_slice(&PKCS8_PREFIX);
    der.extend_from_slice(key.as_bytes());
    der
}

/// A fresh assertion for one request from the suite holding `key`.
pub fn make(
    key: &SigningKey,
    user: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<String, AssertionError> {
    let kid = kid_of(&key.verifying_key());
    let mut jti = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut jti);
    let claims = Claims {
        iss: kid.clone(),
        sub: kid.clone(),
        aud: audience.trim_end_matches('/').to_string(),
        jti: hex::encode(jti),
        iat: now.timestamp(),
        exp: now.timestamp() + MAX_LIFETIME_SECS,
        sonar_user: user.to_string(),
    };
    sign_claims(key, &claims)
}

/// Signs `claims` as they are (tests use it to make expired or odd assertions).
pub fn sign_claims(key: &SigningKey, claims: &Claims) -> Result<String, AssertionError> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid_of(&key.verifying_key()));
    let encoding = EncodingKey::from_ed_der(&pkcs8(key));
    jsonwebtoken::encode(&header, claims, &encoding).map_err(|e| AssertionError::Key(e.to_string()))
}

/// The key id an assertion claims, read before its signature is checked (to find the key).
pub fn claimed_kid(token: &str) -> Result<String, AssertionError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| AssertionError::Malformed)?;
    if header.alg != Algorithm::EdDSA {
        return Err(AssertionError::Malformed);
    }
    header.kid.ok_or(AssertionError::Malformed)
}

/// Checks `token` against the enrolled `key`: signature, audience, issuer and subject equal
/// to the key id, not expired, not issued for longer than five minutes. Replay (the `jti`) is
/// the caller's check, because only the record's database knows which were used.
pub fn verify(
    token: &str,
    key: &VerifyingKey,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<Claims, AssertionError> {
    let kid = kid_of(key);
    let decoding = DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(key.as_bytes()))
        .map_err(|e| AssertionError::Key(e.to_string()))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&[audience.trim_end_matches('/')]);
    validation.set_issuer(&[kid.as_str()]);
    validation.sub = Some(kid.clone());
    validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "aud", "jti"]);
    validation.leeway = LEEWAY_SECS;
    // `exp` is checked against the caller's clock below, so tests and the record agree on now.
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<Claims>(token, &decoding, &validation).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind;
        match e.kind() {
            ErrorKind::InvalidSignature => {
                AssertionError::Invalid("its signature does not verify with the suite's key".into())
            }
            ErrorKind::InvalidAudience => {
                AssertionError::Invalid("it was made for another service (aud)".into())
            }
            ErrorKind::InvalidIssuer | ErrorKind::InvalidSubject => AssertionError::Invalid(
                "its issuer and subject must both be the suite's key id".into(),
            ),
            ErrorKind::MissingRequiredClaim(c) => {
                AssertionError::Invalid(format!("it has no `{c}` claim"))
            }
            _ => AssertionError::Malformed,
        }
    })?;
    let claims = data.claims;
    let leeway = LEEWAY_SECS as i64;
    if claims.exp + leeway < now.timestamp() {
        return Err(AssertionError::Expired);
    }
    if claims.exp - claims.iat > MAX_LIFETIME_SECS
        || claims.exp > now.timestamp() + MAX_LIFETIME_SECS + leeway
    {
        return Err(AssertionError::Invalid(
            "it lives longer than five minutes".into(),
        ));
    }
    if claims.jti.is_empty() || claims.jti.len() > 128 {
        return Err(AssertionError::Invalid(
            "its jti is empty or too long".into(),
        ));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assertion_verifies_once_made_and_refuses_the_wrong_audience_key_and_age() {
        let key = crate::handover::keys::generate();
        let now = Utc::now();
        let token = make(&key, "sergeant", "https://record.example/", now).unwrap();
        assert_eq!(claimed_kid(&token).unwrap(), kid_of(&key.verifying_key()));
        let claims = verify(&token, &key.verifying_key(), "https://record.example", now).unwrap();
        assert_eq!(claims.sonar_user, "sergeant");
        assert!(matches!(
            verify(&token, &key.verifying_key(), "https://other.example", now),
            Err(AssertionError::Invalid(_))
        ));
        let other = crate::handover::keys::generate();
        assert!(
            verify(
                &token,
                &other.verifying_key(),
                "https://record.example",
                now
            )
            .is_err()
        );
        let later = now + chrono::Duration::minutes(10);
        assert_eq!(
            verify(
                &token,
                &key.verifying_key(),
                "https://record.example",
                later
            ),
            Err(AssertionError::Expired)
        );
    }
}
