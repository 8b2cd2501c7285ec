//! JWS (RFC 7515) in compact serialisation with a detached, unencoded payload (RFC 7797),
//! signed with Ed25519 (`alg` EdDSA, RFC 8037).
//!
//! Decision: `b64` is **false**. The payload is the RFC 8785 canonical JSON of the bundle
//! without its `signature` element; with RFC 7797 it is signed as those exact bytes rather
//! than their base64url encoding, so a verifier hashes what it canonicalised with no extra
//! encoding step. RFC 7797 requires `b64` to be listed in `crit`, so a JOSE library that does
//! not understand it refuses the token instead of verifying it wrongly. The protected header
//! says so explicitly:
//!
//! ```text
//! {"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"<RFC 7638 thumbprint>","sonar_payload_sha256":"<hex>"}
//! ```
//!
//! `sonar_payload_sha256` (non-critical, ignored by other libraries) holds the SHA-256 of the
//! signed payload. It adds no security (the header is covered by the signature) but lets the
//! verifier say *why* a signature failed: content altered after signing, or a bad signature.
//!
//! Signing input (RFC 7797 section 3): `ASCII(BASE64URL(UTF8(header))) || '.' || payload`.
//! Compact form with the payload detached: `BASE64URL(header) + ".." + BASE64URL(signature)`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::HandoverError;

/// The protected header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub alg: String,
    pub b64: bool,
    pub crit: Vec<String>,
    pub kid: String,
    pub sonar_payload_sha256: String,
}

/// The bytes Ed25519 signs for `payload` under the encoded header.
fn signing_input(header_b64: &str, payload: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len());
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    input.extend_from_slice(payload);
    input
}

/// Signs `payload` and returns the compact JWS with the payload detached (`header..signature`).
pub fn sign_detached(key: &SigningKey, kid: &str, payload: &[u8]) -> Result<String, HandoverError> {
    let header = Header {
        alg: "EdDSA".into(),
        b64: false,
        crit: vec!["b64".into()],
        kid: kid.into(),
        sonar_payload_sha256: hex::encode(Sha256::digest(payload)),
    };
    // The header's own bytes are fixed here (key order as declared), then encoded once.
    let header_json = serde_json::to_vec(&header)
        .map_err(|e| HandoverError::MalformedSignature(e.to_string()))?;
    let header_b64 = URL_SAFE_NO_PAD.encode(header_json);
    let signature = key.sign(&signing_input(&header_b64, payload));
    Ok(format!(
        "{header_b64}..{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// A detached compact JWS, split and its header checked, not yet verified.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub header: Header,
    header_b64: String,
    signature: Signature,
}

/// Splits a compact JWS with a detached payload and checks its header: EdDSA, `b64` false
/// and listed in `crit`, nothing else critical.
pub fn parse_detached(jws: &str) -> Result<Parsed, HandoverError> {
    let bad = |why: &str| HandoverError::MalformedSignature(why.to_string());
    let mut parts = jws.split('.');
    let (Some(header_b64), Some(payload), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("the JWS is not three dot-separated parts"));
    };
    if !payload.is_empty() {
        return Err(bad("the JWS payload is not detached"));
    }
    let header_bytes = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| bad("the JWS header is not base64url"))?;
    let raw: serde_json::Value =
        serde_json::from_slice(&header_bytes).map_err(|_| bad("the JWS header is not JSON"))?;
    if raw.get("alg").and_then(|a| a.as_str()) != Some("EdDSA") {
        return Err(bad("the JWS algorithm is not EdDSA"));
    }
    let header: Header = serde_json::from_value(raw)
        .map_err(|_| bad("the JWS header lacks kid, b64, crit or the payload digest"))?;
    if header.b64 || header.crit != ["b64"] {
        return Err(bad(
            "the JWS header must have b64 false, listed in crit, and nothing else critical",
        ));
    }
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(sig_b64)
        .map_err(|_| bad("the JWS signature is not base64url"))?;
    let sig_bytes: [u8; 64] = sig_bytes
        .as_slice()
        .try_into()
        .map_err(|_| bad("an Ed25519 signature is 64 bytes"))?;
    Ok(Parsed {
        header,
        header_b64: header_b64.to_string(),
        signature: Signature::from_bytes(&sig_bytes),
    })
}

impl Parsed {
    /// Verifies against `payload` with `key`; on failure says whether the payload changed
    /// since signing or the signature itself is bad.
    pub fn verify(&self, key: &VerifyingKey, payload: &[u8]) -> Result<(), HandoverError> {
        let input = signing_input(&self.header_b64, payload);
        // verify_strict: rejects small-order keys and non-canonical signatures (RFC 8032 5.1.7).
        match key.verify_strict(&input, &self.signature) {
            Ok(()) => Ok(()),
            Err(_) if hex::encode(Sha256::digest(payload)) != self.header.sonar_payload_sha256 => {
                Err(HandoverError::Altered)
            }
            Err(_) => Err(HandoverError::BadSignature(self.header.kid.clone())),
        }
    }
}

/// Plain Ed25519 over `message` (for the RFC 8032 vectors: the same primitive the JWS uses).
pub fn ed25519_sign(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    key.sign(message).to_bytes()
}

/// Plain Ed25519 verification, as [`Parsed::verify`] does it.
pub fn ed25519_verify(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    key.verify(message, &Signature::from_bytes(signature))
        .is_ok()
        && key
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 section 7.1, TEST 1, 2, 3 and SHA(abc).
    const VECTORS: [(&str, &str, &str, &str); 4] = [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        ),
        (
            "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
        ),
    ];

    #[test]
    fn rfc8032_section_7_1_vectors_pass_through_the_signing_code() {
        for (secret, public, message, signature) in VECTORS {
            let secret: [u8; 32] = hex::decode(secret).unwrap().try_into().unwrap();
            let key = SigningKey::from_bytes(&secret);
            assert_eq!(hex::encode(key.verifying_key().as_bytes()), public);
            let message = hex::decode(message).unwrap();
            let sig = ed25519_sign(&key, &message);
            assert_eq!(hex::encode(sig), signature);
            assert!(ed25519_verify(&key.verifying_key(), &message, &sig));
            let mut wrong = sig;
            wrong[0] ^= 1;
            assert!(!ed25519_verify(&key.verifying_key(), &message, &wrong));
        }
    }

    #[test]
    fn detached_jws_round_trip_and_reasons() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let jws = sign_detached(&key, "kid-1", b"{\"a\":1}").unwrap();
        assert!(jws.contains(".."));
        let parsed = parse_detached(&jws).unwrap();
        assert_eq!(parsed.header.kid, "kid-1");
        assert!(!parsed.header.b64);
        parsed.verify(&key.verifying_key(), b"{\"a\":1}").unwrap();
        assert_eq!(
            parsed.verify(&key.verifying_key(), b"{\"a\":2}"),
            Err(HandoverError::Altered)
        );
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert_eq!(
            parsed.verify(&other, b"{\"a\":1}"),
            Err(HandoverError::BadSignature("kid-1".into()))
        );
        assert!(parse_detached("a.b.c").is_err());
        assert!(parse_detached("abc").is_err());
    }
}
