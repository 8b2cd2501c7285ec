//! The suite's Ed25519 signing key (RFC 8032) and its public forms: a JWK (RFC 8037) whose
//! RFC 7638 thumbprint is the `kid`, and an SPKI PEM (RFC 8410) for tools that want one.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};

use super::HandoverError;
pub use crate::domain::handover::{generate, kid_of};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 section 4): the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The public key as a JWK (RFC 8037), with its `kid`.
pub fn public_jwk(public: &VerifyingKey) -> Value {
    json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(public.as_bytes()),
        "kid": kid_of(public),
        "alg": "EdDSA",
        "use": "sig",
    })
}

/// The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
pub fn public_pem(public: &VerifyingKey) -> String {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(public.as_bytes());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

fn key_from_bytes(bytes: &[u8]) -> Result<VerifyingKey, HandoverError> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
        HandoverError::BadKey(format!(
            "an Ed25519 public key is 32 bytes, not {}",
            bytes.len()
        ))
    })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| HandoverError::BadKey("the bytes are not an Ed25519 public key".into()))
}

fn key_from_jwk(jwk: &Value) -> Result<VerifyingKey, HandoverError> {
    if jwk.get("kty").and_then(Value::as_str) != Some("OKP")
        || jwk.get("crv").and_then(Value::as_str) != Some("Ed25519")
    {
        return Err(HandoverError::BadKey(
            "the JWK is not an Ed25519 key (kty OKP, crv Ed25519)".into(),
        ));
    }
    if jwk.get("d").is_some() {
        return Err(HandoverError::BadKey(
            "the JWK holds a private key; give the public key only".into(),
        ));
    }
    let x = jwk
        .get("x")
        .and_then(Value::as_str)
        .ok_or_else(|| HandoverError::BadKey("the JWK has no `x`".into()))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(x)
        .map_err(|_| HandoverError::BadKey("the JWK's `x` is not base64url".into()))?;
    key_from_bytes(&bytes)
}

/// Reads public keys from a file's text: a JWK, a JWK Set (`{"keys":[…]}`) or SPKI PEM.
pub fn parse_public_keys(text: &str) -> Result<Vec<VerifyingKey>, HandoverError> {
    let trimmed = text.trim();
    if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
        let body: String = trimmed
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(body.trim())
            .map_err(|_| HandoverError::BadKey("the PEM body is not base64".into()))?;
        let key = der
            .strip_prefix(&SPKI_PREFIX[..])
            .ok_or_else(|| HandoverError::BadKey("the PEM is not an Ed25519 public key".into()))?;
        return Ok(vec![key_from_bytes(key)?]);
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|_| {
        HandoverError::BadKey("the file is neither a JWK nor a PEM public key".into())
    })?;
    match value.get("keys").and_then(Value::as_array) {
        Some(keys) => keys.iter().map(key_from_jwk).collect(),
        None => Ok(vec![key_from_jwk(&value)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8037_thumbprint_example() {
        // RFC 8037 appendix A.3: the thumbprint of the A.2 public key.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let key = key_from_bytes(&x).unwrap();
        assert_eq!(kid_of(&key), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn jwk_and_pem_round_trip() {
        let key = generate().verifying_key();
        let jwk = public_jwk(&key).to_string();
        assert_eq!(parse_public_keys(&jwk).unwrap(), vec![key]);
        assert_eq!(parse_public_keys(&public_pem(&key)).unwrap(), vec![key]);
        let set = json!({"keys": [public_jwk(&key)]}).to_string();
        assert_eq!(parse_public_keys(&set).unwrap(), vec![key]);
        assert!(parse_public_keys("nonsense").is_err());
    }
}
