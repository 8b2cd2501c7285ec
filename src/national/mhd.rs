//! The IHE MHD resources both sides speak (profiles.ihe.net/ITI/MHD): the ITI-65 Provide
//! Document Bundle transaction (a SubmissionSet `List`, a `DocumentReference` and the signed
//! document as a `Binary`), the DocumentReference the record returns from ITI-67, and the
//! OperationOutcome that carries a refusal in one sentence.
//!
//! The record indexes what the *signed document* says (patient identifiers, name, birth
//! date), never the submitted DocumentReference's metadata, so a submitter cannot file a
//! bundle under someone else's NHS number.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::FHIR_JSON;
use crate::handover::LOINC;

/// MHD's list-type code system and the SubmissionSet code.
pub const LIST_TYPES: &str = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes";

/// The ITI-65 transaction for one signed handover bundle (`document` is its file's bytes).
/// `bundle_id` and the patient's identifiers are copied into the metadata for readers that
/// look there; the record takes them from the signed document instead.
pub fn provide_bundle(
    document: &[u8],
    bundle_id: &str,
    identifiers: &[(String, String)],
    submitted: &str,
) -> Value {
    let subject = identifiers
        .first()
        .map(|(system, value)| json!({"identifier": {"system": system, "value": value}}));
    let binary_url = "urn:uuid:binary-1";
    let doc_ref_url = "urn:uuid:docref-1";
    let mut doc_ref = json!({
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": crate::handover::bundle_system(), "value": bundle_id},
        "status": "current",
        "type": {"coding": [{"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}]},
        "date": submitted,
        "content": [{"attachment": {"contentType": FHIR_JSON, "url": binary_url, "size": document.len()}}],
    });
    let mut list = json!({
        "resourceType": "List",
        "status": "current",
        "mode": "working",
        "code": {"coding": [{"system": LIST_TYPES, "code": "submissionset"}]},
        "date": submitted,
        "entry": [{"item": {"reference": doc_ref_url}}],
    });
    if let Some(subject) = subject {
        doc_ref["subject"] = subject.clone();
        list["subject"] = subject;
    }
    let post = |url: &str| json!({"method": "POST", "url": url});
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:submissionset-1", "resource": list, "request": post("List")},
            {"fullUrl": doc_ref_url, "resource": doc_ref, "request": post("DocumentReference")},
            {"fullUrl": binary_url, "resource": {
                "resourceType": "Binary", "contentType": FHIR_JSON, "data": STANDARD.encode(document)
            }, "request": post("Binary")},
        ],
    })
}

/// Why a Provide Document Bundle is not one the record takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotProvide(pub String);

/// Takes the signed document out of an ITI-65 transaction, checking its shape: a transaction
/// Bundle, one SubmissionSet List, one DocumentReference whose attachment points at the one
/// Binary, every entry a POST.
pub fn parse_provide(body: &[u8]) -> Result<Vec<u8>, NotProvide> {
    let bad = |why: &str| NotProvide(why.to_string());
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        bad("the request is not JSON: an ITI-65 submission is a FHIR transaction Bundle")
    })?;
    if value["resourceType"] != "Bundle" || value["type"] != "transaction" {
        return Err(bad(
            "the request is not a FHIR transaction Bundle (ITI-65 Provide Document Bundle)",
        ));
    }
    let entries = value["entry"]
        .as_array()
        .ok_or_else(|| bad("the transaction has no entries"))?;
    let of = |kind: &str| -> Vec<&Value> {
        entries
            .iter()
            .filter(|e| e["resource"]["resourceType"] == kind)
            .collect()
    };
    if entries.iter().any(|e| e["request"]["method"] != "POST") {
        return Err(bad("every entry of an ITI-65 transaction is a POST"));
    }
    let lists = of("List");
    let is_submission_set = |l: &&Value| {
        l["resource"]["code"]["coding"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["system"] == LIST_TYPES && c["code"] == "submissionset")
        })
    };
    if lists.len() != 1 || !lists.iter().all(is_submission_set) {
        return Err(bad(
            "the transaction must hold exactly one SubmissionSet List",
        ));
    }
    let doc_refs = of("DocumentReference");
    let binaries = of("Binary");
    if doc_refs.len() != 1 || binaries.len() != 1 {
        return Err(bad(
            "the record takes one handover per submission: one DocumentReference and one Binary",
        ));
    }
    let binary = binaries[0];
    let url = doc_refs[0]["resource"]["content"][0]["attachment"]["url"].as_str();
    if url.is_none() || url != binary["fullUrl"].as_str() {
        return Err(bad(
            "the DocumentReference's attachment does not point at the Binary in the transaction",
        ));
    }
    if binary["resource"]["contentType"] != FHIR_JSON {
        return Err(bad("the document is not application/fhir+json"));
    }
    let data = binary["resource"]["data"]
        .as_str()
        .ok_or_else(|| bad("the Binary holds no data"))?;
    STANDARD
        .decode(data)
        .map_err(|_| bad("the Binary's data is not base64"))
}

/// What the record holds about one stored document, to describe it in a DocumentReference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub bundle_id: String,
    pub kid: String,
    /// Named from the directory, not from the bundle.
    pub organisation: String,
    pub signed_at: String,
    pub received_at: String,
    pub payload_sha256: String,
    pub size: i64,
    pub identifiers: Vec<(String, String)>,
    pub family: String,
    pub given: String,
    pub birth_date: Option<String>,
}

/// Extension naming the signing key id behind `authenticator`.
pub fn signer_kid_extension() -> String {
    format!(
        "{}/StructureDefinition/signer-kid",
        crate::handover::URI_BASE
    )
}

/// The DocumentReference for a stored document; `base` is the record's FHIR base URL.
pub fn document_reference(s: &Stored, base: &str) -> Value {
    let subject = s
        .identifiers
        .first()
        .map(|(system, value)| json!({"identifier": {"system": system, "value": value}}))
        .unwrap_or_else(|| json!({"display": format!("{}, {}", s.family, s.given)}));
    json!({
        "resourceType": "DocumentReference",
        "id": s.id.to_string(),
        "masterIdentifier": {"system": crate::handover::bundle_system(), "value": s.bundle_id},
        "status": "current",
        "type": {"coding": [{"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}]},
        "subject": subject,
        "date": s.received_at,
        "authenticator": {
            "display": s.organisation,
            "extension": [{"url": signer_kid_extension(), "valueString": s.kid}],
        },
        "content": [{"attachment": {
            "contentType": FHIR_JSON,
            "url": format!("{}/Binary/{}", base.trim_end_matches('/'), s.id),
            "size": s.size,
            "creation": s.signed_at,
        }}],
    })
}

/// An ITI-67 result: a searchset Bundle.
pub fn searchset(found: &[Stored], base: &str) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": found.len(),
        "entry": found.iter().map(|s| json!({
            "fullUrl": format!("{}/DocumentReference/{}", base.trim_end_matches('/'), s.id),
            "resource": document_reference(s, base),
            "search": {"mode": "match"},
        })).collect::<Vec<_>>(),
    })
}

/// A refusal or failure as FHIR says it: one issue with the sentence in `diagnostics`.
pub fn operation_outcome(code: &str, sentence: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": sentence}],
    })
}

/// The sentence of an OperationOutcome, if the body is one.
pub fn outcome_sentence(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    (v["resourceType"] == "OperationOutcome")
        .then(|| v["issue"][0]["diagnostics"].as_str().map(str::to_string))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provide_bundle_round_trips_and_a_wrong_shape_is_named() {
        let doc = br#"{"resourceType":"Bundle"}"#;
        let t = provide_bundle(doc, "b-1", &[], "2026-01-01T00:00:00Z");
        let bytes = serde_json::to_vec(&t).unwrap();
        assert_eq!(parse_provide(&bytes).unwrap(), doc.to_vec());
        assert!(
            parse_provide(b"nonsense")
                .unwrap_err()
                .0
                .contains("not JSON")
        );
        let mut two = t.clone();
        let extra = two["entry"][2].clone();
        two["entry"].as_array_mut().unwrap().push(extra);
        assert!(
            parse_provide(&serde_json::to_vec(&two).unwrap())
                .unwrap_err()
                .0
                .contains("one handover per submission")
        );
    }
}
