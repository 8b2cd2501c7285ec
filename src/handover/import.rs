//! Reading a verified bundle into what this suite stores: the person, their flags and the
//! care plan, each marked as known from the sending suite on the signing date.

use chrono::Utc;
use serde_json::Value;

pub use crate::domain::handover::{
    APPOINTMENT_NOTE, EMERGENCY_NOTE, HCP_ONLY_NOTES, ImportPlan, ImportedFlag, REFERRAL_NOTE,
};

use super::record_sections::record_entry_extension;
use super::verify::Verified;
use super::{
    NHS_NUMBER_SYSTEM, flag_code_system, flag_reason_extension, flag_type_system, pnc_system,
};
use crate::domain::record::{AllergySeverity, Fact, MedicineSource};

fn plain_text(div: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in div.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// What to store from a verified bundle.
pub fn plan(verified: &Verified) -> ImportPlan {
    let bundle = &verified.bundle;
    let entries: &[Value] = bundle["entry"].as_array().map_or(&[], Vec::as_slice);
    let resources = || entries.iter().map(|e| &e["resource"]);
    let patient = resources()
        .find(|r| r["resourceType"] == "Patient")
        .cloned()
        .unwrap_or(Value::Null);
    let identifier = |system: &str| {
        patient["identifier"].as_array().and_then(|ids| {
            ids.iter()
                .find(|i| i["system"] == system)
                .and_then(|i| i["value"].as_str())
                .map(str::to_string)
        })
    };
    let flags = resources()
        .filter(|r| r["resourceType"] == "Flag" && r["status"] == "active")
        .filter_map(|f| {
            let coding = f["code"]["coding"]
                .as_array()?
                .iter()
                .find(|c| c["system"] == flag_code_system().as_str())?;
            let severity = f["category"]
                .as_array()
                .and_then(|c| {
                    c.iter()
                        .flat_map(|c| c["coding"].as_array())
                        .flatten()
                        .find(|c| c["system"] == flag_type_system().as_str())
                })
                .and_then(|c| c["code"].as_str())
                .unwrap_or("information");
            let reason = f["extension"]
                .as_array()
                .and_then(|e| {
                    e.iter()
                        .find(|e| e["url"] == flag_reason_extension().as_str())
                })
                .and_then(|e| e["valueString"].as_str())
                .or_else(|| f["code"]["text"].as_str())
                .unwrap_or("no reason given");
            Some(ImportedFlag {
                code: coding["code"].as_str()?.to_string(),
                severity: severity.to_string(),
                reason: reason.to_string(),
            })
        })
        .collect();
    let mut notes = Vec::new();
    if let Some(sections) = entries
        .first()
        .and_then(|e| e["resource"]["section"].as_array())
    {
        for s in sections {
            let title = s["title"].as_str().unwrap_or("");
            // Medication travels as a note "known from" the sending suite: the receiving HCP
            // verifies and prescribes; nothing here schedules doses from another suite's record.
            if matches!(title, "Plan of care" | "Custody episode" | "Medications")
                && s.get("emptyReason").is_none()
                && let Some(div) = s.pointer("/text/div").and_then(Value::as_str)
            {
                notes.push((title.to_string(), plain_text(div)));
            }
        }
    }
    // Referrals and appointments after release travel only with consent (build::referrals)
    // and are kept, like medication, as information known from the sending suite: the
    // receiving HCP follows them up. Their text is health detail, so the store shows these
    // notes to HCPs only (`HCP_ONLY_NOTES`).
    // An emergency in the sending suite's custody (`handover::emergencies`), open or closed, is
    // kept with its timeline and outcome as a note known from that suite: the next booking-in
    // sees it on the banner until someone reviews it. Never as a live risk flag here.
    for r in resources().filter(|r| {
        r["resourceType"] == "Flag"
            && r["code"]["coding"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["system"] == super::emergencies::emergency_cause_system().as_str())
            })
    }) {
        if let Some(div) = r.pointer("/text/div").and_then(Value::as_str) {
            notes.push((EMERGENCY_NOTE.to_string(), plain_text(div)));
        }
    }
    for r in resources() {
        let kind = match r["resourceType"].as_str() {
            Some("Appointment") if r["status"] == "booked" => APPOINTMENT_NOTE,
            Some("ServiceRequest") => REFERRAL_NOTE,
            _ => continue,
        };
        if let Some(div) = r.pointer("/text/div").and_then(Value::as_str) {
            notes.push((kind.to_string(), plain_text(div)));
        }
    }
    ImportPlan {
        bundle_system: verified.bundle_system.clone(),
        bundle_id: verified.bundle_id.clone(),
        payload_sha256: verified.payload_sha256.clone(),
        kid: verified.kid.clone(),
        source_suite: verified.signer.clone(),
        signed_at: chrono::DateTime::parse_from_rfc3339(&verified.signed_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        surname: patient
            .pointer("/name/0/family")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        forenames: patient
            .pointer("/name/0/given")
            .and_then(Value::as_array)
            .map(|g| {
                g.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default(),
        date_of_birth: patient["birthDate"].as_str().and_then(|d| d.parse().ok()),
        sex: patient["gender"].as_str().map(str::to_string),
        nhs_number: identifier(NHS_NUMBER_SYSTEM),
        pnc_id: identifier(&pnc_system()),
        flags,
        notes,
        entries: resources().filter_map(record_entry).collect(),
    }
}

fn text_of(concept: &Value) -> String {
    concept["text"]
        .as_str()
        .or_else(|| concept.pointer("/coding/0/display").and_then(Value::as_str))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn has_coding(concept: &Value, system: &str, code: &str) -> bool {
    concept["coding"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["system"] == system && c["code"] == code))
}

/// The record entry a resource carries: exactly, from this program's `record-entry`
/// extension; otherwise, for another sender's AllergyIntolerance, problem-list Condition or
/// MedicationStatement, what its elements say.
fn record_entry(r: &Value) -> Option<Fact> {
    let carried = r["extension"].as_array().and_then(|e| {
        e.iter()
            .find(|e| e["url"] == record_entry_extension().as_str())
            .and_then(|e| e["valueString"].as_str())
            .and_then(|s| serde_json::from_str::<Fact>(s).ok())
    });
    if carried.is_some() {
        return carried;
    }
    match r["resourceType"].as_str()? {
        "AllergyIntolerance" => {
            if has_coding(
                &r["code"],
                crate::domain::record::codes::SNOMED,
                "716186003",
            ) {
                return Some(Fact::NoKnownAllergies);
            }
            let substance = text_of(&r["code"]);
            if substance.is_empty() {
                return None;
            }
            let reaction = r.pointer("/reaction/0/manifestation/0").map(text_of);
            let severity = r
                .pointer("/reaction/0/severity")
                .and_then(Value::as_str)
                .map(AllergySeverity::parse)
                .unwrap_or(AllergySeverity::Unknown);
            Some(Fact::Allergy {
                substance,
                reaction: reaction.unwrap_or_default(),
                severity,
            })
        }
        "Condition" => {
            let name = text_of(&r["code"]);
            if name.is_empty() {
                return None;
            }
            Some(Fact::Condition {
                code: "other".into(),
                name,
                detail: String::new(),
                last_seizure: String::new(),
                diabetes_type: String::new(),
            })
        }
        // A medicine prescribed or given in the sending suite: known from its record, for the
        // receiving HCP to verify and prescribe (nothing is scheduled from it here).
        "MedicationStatement" if r["status"] == "active" => {
            let name = text_of(&r["medicationCodeableConcept"]);
            if name.is_empty() {
                return None;
            }
            let timing = r
                .pointer("/note/0/text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            Some(Fact::ReportedMedicine {
                name,
                dose: r
                    .pointer("/dosage/0/text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                frequency: String::new(),
                last_taken: timing,
                next_due: String::new(),
                source: MedicineSource::HandoverRecord,
                verified: false,
            })
        }
        _ => None,
    }
}
