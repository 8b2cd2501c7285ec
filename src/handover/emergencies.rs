//! This detention's emergencies in the bundle: one FHIR `Flag` each in the custody episode
//! section, active while open and inactive once closed, its period from opening to closing.
//! Flag is what the IPS Alerts section and the rest of this bundle use for risk information, and
//! R4 `Flag` validates everywhere; what it has no element for (what was seen, where, each call,
//! the structured outcome, who opened and closed it) is in one complex extension, and all of it
//! in the narrative, so a reader that ignores extensions still reads the whole timeline.
//!
//! Emergencies are risk-to-life information: they travel regardless of consent, with their
//! outcome and times (DESIGN.md, "Handover bundle"). The code system is this program's own, not
//! the risk-flag one, so an importer never mistakes an emergency for a live risk flag.

use serde_json::{Value, json};

use super::URI_BASE;
use super::build::{Ctx, narrative, timestamp};
use crate::domain::emergency::Emergency;
use crate::domain::record::emergencies::{headline, timeline_lines};

/// Code system of what raised an emergency (`failed_rousing`, `score_rule`, `raised_by_hand`).
pub fn emergency_cause_system() -> String {
    format!("{URI_BASE}/CodeSystem/emergency-cause")
}

/// The complex extension holding an emergency's lifecycle.
pub fn emergency_extension() -> String {
    format!("{URI_BASE}/StructureDefinition/custody-emergency")
}

/// Code system of an emergency's outcome (`taken_to_hospital`…).
pub fn emergency_outcome_system() -> String {
    format!("{URI_BASE}/CodeSystem/emergency-outcome")
}

/// A sub-extension with a string, left out when the string is empty (FHIR strings are never
/// empty).
fn text(out: &mut Vec<Value>, url: &str, value: &str) {
    if !value.trim().is_empty() {
        out.push(json!({ "url": url, "valueString": value.trim() }));
    }
}

/// The narrative of one emergency: its headline, then its timeline.
pub fn paragraphs(e: &Emergency) -> Vec<String> {
    let mut out = vec![headline(e)];
    out.push(format!("Timeline: {}.", timeline_lines(e).join("; ")));
    out
}

fn lifecycle(e: &Emergency) -> Value {
    let mut parts = Vec::new();
    text(&mut parts, "reason", &e.reason);
    text(&mut parts, "location", &e.location);
    text(&mut parts, "openedBy", &e.opened_by);
    for c in &e.calls {
        let mut call = vec![
            json!({ "url": "kind", "valueCode": c.kind.as_str() }),
            json!({ "url": "calledAt", "valueDateTime": timestamp(c.called_at) }),
        ];
        text(&mut call, "calledBy", &c.called_by);
        parts.push(json!({ "url": "call", "extension": call }));
    }
    if let Some(c) = &e.closure {
        let mut outcome = vec![
            json!({ "url": "kind", "valueCoding": {
                "system": emergency_outcome_system(),
                "code": c.kind.as_str(),
                "display": c.kind.label(),
            }}),
            json!({ "url": "at", "valueDateTime": timestamp(c.outcome_at) }),
        ];
        text(&mut outcome, "note", &c.note);
        parts.push(json!({ "url": "outcome", "extension": outcome }));
        text(&mut parts, "closedBy", &c.closed_by);
        parts.push(json!({ "url": "closedAt", "valueDateTime": timestamp(c.closed_at) }));
    }
    json!({ "url": emergency_extension(), "extension": parts })
}

/// One `Flag` per emergency of the detention, oldest first, with its `urn:uuid`.
pub fn resources(ctx: &Ctx<'_>) -> Vec<(String, Value)> {
    ctx.input
        .record
        .emergencies
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut period = json!({ "start": timestamp(e.opened_at) });
            if let Some(c) = &e.closure {
                period["end"] = json!(timestamp(c.closed_at));
            }
            let flag = json!({
                "resourceType": "Flag",
                "text": narrative(&paragraphs(e)),
                "extension": [lifecycle(e)],
                "status": if e.is_open() { "active" } else { "inactive" },
                "category": [{ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                    "code": "safety",
                    "display": "Safety",
                }]}],
                "code": {
                    "coding": [{
                        "system": emergency_cause_system(),
                        "code": e.cause.as_str(),
                        "display": e.cause.label(),
                    }],
                    "text": format!("Medical emergency in custody ({})", e.cause.label()),
                },
                "subject": { "reference": ctx.patient },
                "period": period,
                "encounter": { "reference": ctx.encounter },
            });
            (ctx.ids.urn(&format!("emergency-{i}")), flag)
        })
        .collect()
}
