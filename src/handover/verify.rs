//! Checking a bundle: JSON type, FHIR document structure, the signature block, the key's
//! trust, the canonical form and the Ed25519 signature, in that order, stopping at the first
//! failure with its exact reason.

use std::collections::HashSet;

use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::build::signed_payload;
use super::{HandoverError, LOINC, jws, keys};

/// The public keys a verifier trusts, by `kid`.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    keys: Vec<(String, VerifyingKey)>,
}

impl Trust {
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Trust {
        Trust {
            keys: keys.into_iter().map(|k| (keys::kid_of(&k), k)).collect(),
        }
    }

    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// One Composition section as verify reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSummary {
    pub title: String,
    pub entries: usize,
    /// The `emptyReason` display, for a section that says it is empty.
    pub empty_reason: Option<String>,
}

/// A bundle that verified, and what it says.
#[derive(Debug, Clone)]
pub struct Verified {
    pub bundle: Value,
    pub bundle_system: String,
    pub bundle_id: String,
    pub kid: String,
    /// SHA-256 (hex) of the signed canonical payload: the same for any re-serialisation.
    pub payload_sha256: String,
    pub signed_at: String,
    pub signer: String,
    pub author: String,
    pub patient_name: String,
    pub birth_date: Option<String>,
    pub identifiers: Vec<(String, String)>,
    pub destination: String,
    pub receiving_org: Option<String>,
    pub sections: Vec<SectionSummary>,
}

fn not_doc(why: impl Into<String>) -> HandoverError {
    HandoverError::NotFhirDocument(why.into())
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a file's bytes as a JSON object, naming empty, truncated, non-JSON and wrong-type
/// input.
pub fn parse(bytes: &[u8]) -> Result<Value, HandoverError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > super::MAX_BUNDLE_BYTES {
        return Err(HandoverError::TooLarge(size));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(HandoverError::Empty);
    }
    let value = serde_json::from_slice::<Strict>(bytes)
        .map_err(|e| {
            if e.is_eof() {
                HandoverError::Truncated(e.to_string())
            } else if e.is_data() {
                HandoverError::Ambiguous(e.to_string())
            } else {
                HandoverError::NotJson(e.to_string())
            }
        })?
        .0;
    if !value.is_object() {
        return Err(HandoverError::WrongJsonType(json_type(&value)));
    }
    Ok(value)
}

/// A JSON value parsed refusing duplicate object members: parsers disagree on which
/// duplicate wins, so a bundle with one could show a reader something other than what was
/// signed.
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element::<Strict>()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(v) = map.next_value::<Strict>()?;
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "the member `{key}` appears twice in one object"
                )));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn collect_references<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "reference" {
                    if let Some(r) = child.as_str() {
                        out.push(r);
                    }
                } else {
                    collect_references(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_references(i, out)),
        _ => {}
    }
}

fn parse_instant(
    text: &str,
    what: &str,
) -> Result<chrono::DateTime<chrono::FixedOffset>, HandoverError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|_| not_doc(format!("{what} `{text}` is not a date and time")))
}

/// Checks the FHIR document rules (handover-format.md): Bundle of type document with
/// identifier and timestamp, Composition first with LOINC 60591-5, a fullUrl on every entry,
/// every reference resolving inside the bundle, timestamp not before Composition.date.
pub fn check_document(bundle: &Value) -> Result<(), HandoverError> {
    match bundle.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => return Err(not_doc(format!("it is a {other}, not a Bundle"))),
        None => return Err(not_doc("it has no resourceType")),
    }
    if bundle.get("type").and_then(Value::as_str) != Some("document") {
        return Err(not_doc("Bundle.type is not \"document\""));
    }
    if str_at(bundle, "/identifier/system").is_none()
        || str_at(bundle, "/identifier/value").is_none()
    {
        return Err(not_doc("Bundle.identifier (system and value) is missing"));
    }
    let timestamp =
        str_at(bundle, "/timestamp").ok_or_else(|| not_doc("Bundle.timestamp is missing"))?;
    let timestamp = parse_instant(timestamp, "Bundle.timestamp")?;
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| not_doc("the Bundle has no entries"))?;
    let mut full_urls = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let url = entry
            .get("fullUrl")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| not_doc(format!("entry {} has no fullUrl", i + 1)))?;
        if !full_urls.insert(url) {
            return Err(not_doc(format!("the fullUrl {url} appears twice")));
        }
        if entry
            .pointer("/resource/resourceType")
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(not_doc(format!("entry {} has no resource", i + 1)));
        }
    }
    let composition = &entries[0]["resource"];
    if composition["resourceType"] != "Composition" {
        return Err(not_doc("the first entry is not the Composition"));
    }
    let is_ips = composition
        .pointer("/type/coding")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["system"] == LOINC && c["code"] == "60591-5")
        });
    if !is_ips {
        return Err(not_doc(
            "the Composition is not a patient summary (LOINC 60591-5)",
        ));
    }
    for field in ["/subject/reference", "/custodian/reference", "/date"] {
        if str_at(composition, field).is_none() {
            return Err(not_doc(format!(
                "Composition{} is missing",
                field.replace('/', ".")
            )));
        }
    }
    let date = parse_instant(
        str_at(composition, "/date").unwrap_or_default(),
        "Composition.date",
    )?;
    if timestamp < date {
        return Err(not_doc("Bundle.timestamp is before Composition.date"));
    }
    for entry in entries {
        let mut refs = Vec::new();
        collect_references(&entry["resource"], &mut refs);
        for r in refs {
            if !full_urls.contains(r) {
                return Err(not_doc(format!("the reference {r} is not in the bundle")));
            }
        }
    }
    Ok(())
}

/// Verifies a bundle file's bytes against the trusted keys.
pub fn verify(bytes: &[u8], trust: &Trust) -> Result<Verified, HandoverError> {
    let bundle = parse(bytes)?;
    verify_value(bundle, trust)
}

/// As [`verify`], for a bundle already parsed.
pub fn verify_value(bundle: Value, trust: &Trust) -> Result<Verified, HandoverError> {
    check_document(&bundle)?;
    let signature = bundle.get("signature").ok_or(HandoverError::Unsigned)?;
    let block = |why: &str| HandoverError::SignatureBlockAltered(why.to_string());
    if signature["sigFormat"] != "application/jose" {
        return Err(block("sigFormat is not application/jose"));
    }
    if signature["targetFormat"] != "application/fhir+json" {
        return Err(block("targetFormat is not application/fhir+json"));
    }
    let typed = signature["type"] == super::build::signature_type();
    if !typed {
        return Err(block("the signature type is not the author's signature"));
    }
    let data = signature["data"].as_str().ok_or_else(|| {
        HandoverError::MalformedSignature("Bundle.signature.data is missing".into())
    })?;
    let token = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| {
            HandoverError::MalformedSignature("Bundle.signature.data is not base64".into())
        })?;
    let token = String::from_utf8(token)
        .map_err(|_| HandoverError::MalformedSignature("the JWS is not text".into()))?;
    let parsed = jws::parse_detached(&token)?;
    let key = trust
        .find(&parsed.header.kid)
        .ok_or_else(|| HandoverError::UnknownKey(parsed.header.kid.clone()))?;
    let payload = signed_payload(&bundle)?;
    parsed.verify(key, &payload)?;

    // The signature block itself is outside the signed payload: hold it to what was signed.
    let composition = &bundle["entry"][0]["resource"];
    if signature["when"] != composition["attester"][0]["time"] {
        return Err(block("its time differs from the signed attestation time"));
    }
    if signature["when"]
        .as_str()
        .and_then(|w| chrono::DateTime::parse_from_rfc3339(w).ok())
        .is_none()
    {
        return Err(not_doc("the attestation time is not a date and time"));
    }
    if signature["who"] != composition["custodian"] {
        return Err(block("its signer differs from the signed custodian"));
    }
    if signature.as_object().is_some_and(|m| m.len() != 6) {
        return Err(block("it has elements that were not part of the signature"));
    }
    Ok(summarise(
        bundle,
        parsed.header.kid,
        hex::encode(Sha256::digest(&payload)),
    ))
}

fn resource_by_url<'a>(bundle: &'a Value, url: &str) -> Option<&'a Value> {
    bundle["entry"]
        .as_array()?
        .iter()
        .find(|e| e["fullUrl"] == url)
        .map(|e| &e["resource"])
}

fn summarise(bundle: Value, kid: String, payload_sha256: String) -> Verified {
    let composition = &bundle["entry"][0]["resource"];
    let text = |v: Option<&Value>, p: &str| {
        v.and_then(|v| v.pointer(p))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let custodian =
        str_at(composition, "/custodian/reference").and_then(|r| resource_by_url(&bundle, r));
    let author = str_at(composition, "/attester/0/party/reference")
        .and_then(|r| resource_by_url(&bundle, r));
    let patient =
        str_at(composition, "/subject/reference").and_then(|r| resource_by_url(&bundle, r));
    let encounter =
        str_at(composition, "/encounter/reference").and_then(|r| resource_by_url(&bundle, r));
    let given: Vec<&str> = patient
        .and_then(|p| p.pointer("/name/0/given"))
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let patient_name = format!("{} {}", given.join(" "), text(patient, "/name/0/family"))
        .trim()
        .to_string();
    let identifiers = patient
        .and_then(|p| p["identifier"].as_array())
        .map(|ids| {
            ids.iter()
                .map(|i| (text(Some(i), "/system"), text(Some(i), "/value")))
                .collect()
        })
        .unwrap_or_default();
    let receiving_org = str_at(
        encounter.unwrap_or(&Value::Null),
        "/hospitalization/destination/reference",
    )
    .and_then(|r| resource_by_url(&bundle, r))
    .and_then(|o| o["name"].as_str())
    .map(str::to_string);
    let sections = composition["section"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| SectionSummary {
                    title: text(Some(s), "/title"),
                    entries: s["entry"].as_array().map_or(0, Vec::len),
                    empty_reason: s
                        .pointer("/emptyReason/coding/0/display")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    Verified {
        bundle_system: text(Some(&bundle), "/identifier/system"),
        bundle_id: text(Some(&bundle), "/identifier/value"),
        kid,
        payload_sha256,
        signed_at: text(Some(&bundle), "/signature/when"),
        signer: text(custodian, "/name"),
        author: text(author, "/name/0/text"),
        birth_date: patient
            .and_then(|p| p["birthDate"].as_str())
            .map(str::to_string),
        patient_name,
        identifiers,
        destination: text(encounter, "/hospitalization/dischargeDisposition/text"),
        receiving_org,
        sections,
        bundle,
    }
}
