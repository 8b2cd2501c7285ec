//! The IPS sections filled from the clinical record (`domain::record`): Allergies
//! (AllergyIntolerance), Problems (Condition), the medicines the person reported or brought
//! (MedicationStatement beside those prescribed), Social history (alcohol and drug use as
//! Observation) and Pregnancy (Observation, LOINC 82810-3).
//!
//! Allergies, conditions, medicines, substance use, injuries and pregnancy are what the
//! Person Escort Record carries for the escort and the receiving service: they travel
//! regardless of consent (risk to life; see `DISCLOSURE_JUSTIFICATION`). Self-harm and mental
//! health history are clinical and travel only with consent to share with the receiving
//! establishment, like NEWS2 and referrals. Clinical notes never travel.
//!
//! Every resource says where its entry came from (the screen, an HCP, an earlier detention, a
//! bundle from another organisation) in a note, and one known from elsewhere and not
//! reconfirmed here is marked unconfirmed. Codes come from the cited code list
//! (`schema/codes/snomed.toml`); anything not in it travels as text.

use serde_json::{Value, json};

use super::build::{Ctx, Section, narrative, timestamp};
use super::{LOINC, URI_BASE};
use crate::domain::observation::to_london_with_day;
use crate::domain::record::codes::{self, Concept, SNOMED};
use crate::domain::record::{
    AllergySeverity, Fact, FactKind, MedicineSource, Origin, RecordEntry, Standing,
};

fn reference(urn: &str) -> Value {
    json!({ "reference": urn })
}

/// A CodeableConcept: the concept's coding when the code list has one, and always the text
/// as recorded.
fn concept(coded: Option<&Concept>, text: &str) -> Value {
    match coded {
        Some(c) => json!({
            "coding": [{ "system": SNOMED, "code": c.code, "display": c.display }],
            "text": text,
        }),
        None => json!({ "text": text }),
    }
}

/// Where an entry came from and where it stands, in words, for a resource's note.
pub fn provenance_note(e: &RecordEntry) -> String {
    let mut s = format!(
        "Recorded by {} on {}, from {}.",
        e.recorded_by,
        to_london_with_day(e.recorded_at),
        e.origin.describe()
    );
    match &e.standing {
        Standing::Known => s.push_str(&format!(
            " Known from {}; not yet reconfirmed in this detention.",
            e.origin.describe()
        )),
        Standing::Reconfirmed { by, at } => s.push_str(&format!(
            " Reconfirmed in this detention by {by} on {}.",
            to_london_with_day(*at)
        )),
        Standing::SetAside { .. } | Standing::Live => {}
    }
    if matches!(e.origin, Origin::Screen { .. }) {
        s.push_str(" As told by the person at screening.");
    }
    s
}

/// Whether the entry was said or reconfirmed in this detention (and so belongs to its
/// encounter).
fn here(e: &RecordEntry) -> bool {
    !e.origin.is_from_elsewhere()
}

/// Whether the entry is unconfirmed: the person's word at screening, or known from elsewhere
/// and not reconfirmed here.
fn unconfirmed(e: &RecordEntry) -> bool {
    e.standing == Standing::Known || !matches!(e.origin, Origin::HcpEntry)
}

fn urn(ctx: &Ctx<'_>, what: &str, e: &RecordEntry) -> String {
    ctx.ids.urn(&format!("{what}-{}", e.id))
}

/// The extension that carries the record entry itself (`domain::record::Fact` as JSON), so a
/// receiving suite imports exactly what was recorded; FHIR readers use the resource.
pub fn record_entry_extension() -> String {
    format!("{URI_BASE}/StructureDefinition/record-entry")
}

/// Adds the record entry to a resource (see [`record_entry_extension`]).
fn carry(mut r: Value, e: &RecordEntry) -> Value {
    let fact = serde_json::to_string(&e.fact).unwrap_or_default();
    if !fact.is_empty() {
        r["extension"] = json!([{ "url": record_entry_extension(), "valueString": fact }]);
    }
    r
}

/// The line a known-from entry carries in a narrative.
fn known_suffix(e: &RecordEntry) -> String {
    match e.standing {
        Standing::Known => format!(" [known from {}, not yet reconfirmed]", e.origin.describe()),
        _ => String::new(),
    }
}

pub fn allergies(ctx: &Ctx<'_>) -> Section {
    let view = ctx.input.record;
    let record = &view.record;
    let mut s = Section::loinc(
        "Allergies and intolerances",
        "48765-2",
        "Allergies and adverse reactions Document",
    );
    let listed: Vec<&RecordEntry> = record.allergies().collect();
    if listed.is_empty() && !record.no_known_allergies() {
        let flagged = view.flags.iter().any(|f| f.code == "ALG");
        let mut s = Section::not_recorded(
            "Allergies and intolerances",
            "48765-2",
            "Allergies and adverse reactions Document",
            "allergy record",
        );
        if flagged {
            s.narrative.push("The person is flagged ALG (allergy): see the Alerts section, and ask the custody healthcare practitioner what the allergy is.".into());
        }
        return s;
    }
    if listed.is_empty() {
        let line = "No known allergies: the person said they have none.".to_string();
        s.narrative.push(line.clone());
        let mut r = json!({
            "resourceType": "AllergyIntolerance",
            "text": narrative(&[line]),
            "clinicalStatus": clinical_status("active", "Active"),
            "code": concept(codes::no_known_allergy(), "No known allergies"),
            "patient": reference(&ctx.patient),
        });
        if let Some(e) = record.of_kind(FactKind::NoKnownAllergies).next() {
            r["recordedDate"] = json!(timestamp(e.recorded_at));
            r["recorder"] = json!({ "display": e.recorded_by });
            r["note"] = json!([{ "text": provenance_note(e) }]);
            if here(e) {
                r["encounter"] = reference(&ctx.encounter);
            }
            s.entries.push((urn(ctx, "allergy", e), carry(r, e)));
        }
        return s;
    }
    s.narrative.push("Allergies travel with the person regardless of consent: they are risk-to-life information.".into());
    for e in listed {
        let Fact::Allergy {
            substance,
            reaction,
            severity,
        } = &e.fact
        else {
            continue;
        };
        let line = format!(
            "ALLERGY: {}{}. {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let mut r = json!({
            "resourceType": "AllergyIntolerance",
            "text": narrative(&[line]),
            "clinicalStatus": clinical_status("active", "Active"),
            "code": concept(codes::allergen(substance), substance.trim()),
            "patient": reference(&ctx.patient),
            "recordedDate": timestamp(e.recorded_at),
            "recorder": { "display": e.recorded_by },
            "note": [{ "text": provenance_note(e) }],
        });
        if unconfirmed(e) {
            r["verificationStatus"] = json!({ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                "code": "unconfirmed",
                "display": "Unconfirmed",
            }]});
        }
        if *severity == AllergySeverity::Severe {
            r["criticality"] = json!("high");
        }
        if !reaction.trim().is_empty() || *severity != AllergySeverity::Unknown {
            let mut reaction_v = json!({
                "manifestation": [{ "text": if reaction.trim().is_empty() { "reaction not described" } else { reaction.trim() } }],
            });
            if *severity != AllergySeverity::Unknown {
                reaction_v["severity"] = json!(severity.as_str());
            }
            r["reaction"] = json!([reaction_v]);
        }
        if here(e) {
            r["encounter"] = reference(&ctx.encounter);
        }
        s.entries.push((urn(ctx, "allergy", e), carry(r, e)));
    }
    s
}

fn clinical_status(code: &str, display: &str) -> Value {
    json!({ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
        "code": code,
        "display": display,
    }]})
}

fn condition_resource(ctx: &Ctx<'_>, e: &RecordEntry, code: Value, line: &str) -> Value {
    let mut r = json!({
        "resourceType": "Condition",
        "text": narrative(&[line.to_string()]),
        "clinicalStatus": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active",
            "display": "Active",
        }]},
        "category": [{ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
            "code": "problem-list-item",
            "display": "Problem List Item",
        }]}],
        "code": code,
        "subject": reference(&ctx.patient),
        "recordedDate": timestamp(e.recorded_at),
        "recorder": { "display": e.recorded_by },
        "note": [{ "text": provenance_note(e) }],
    });
    if unconfirmed(e) {
        r["verificationStatus"] = json!({ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "unconfirmed",
            "display": "Unconfirmed",
        }]});
    }
    if here(e) {
        r["encounter"] = reference(&ctx.encounter);
    }
    r
}

/// Conditions (NG57 list, coded where the code list has them; epilepsy's last seizure and
/// diabetes type in the text), injuries, and, only with consent, self-harm and mental health
/// history.
pub fn problems(ctx: &Ctx<'_>) -> Section {
    let view = ctx.input.record;
    let record = &view.record;
    let consent = crate::domain::handover::consents_to_share(view);
    let mut s = Section::loinc("Problems", "11450-4", "Problem list - Reported");
    for e in record.of_kind(FactKind::Condition) {
        let Fact::Condition {
            name,
            detail,
            last_seizure,
            diabetes_type,
            ..
        } = &e.fact
        else {
            continue;
        };
        let line = format!(
            "Condition: {}{}. {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let mut r = condition_resource(
            ctx,
            e,
            concept(codes::condition(&e.fact), name.trim()),
            &line,
        );
        let mut notes = vec![json!({ "text": provenance_note(e) })];
        if !last_seizure.trim().is_empty() {
            notes.push(json!({ "text": format!("Last seizure: {}.", last_seizure.trim().replace('_', " ")) }));
        }
        if !diabetes_type.trim().is_empty() {
            notes.push(json!({ "text": format!("Diabetes type: {}.", diabetes_type.trim().replace('_', " ")) }));
        }
        if !detail.trim().is_empty() {
            notes.push(json!({ "text": detail.trim() }));
        }
        r["note"] = Value::Array(notes);
        s.entries.push((urn(ctx, "condition", e), carry(r, e)));
    }
    for e in record.of_kind(FactKind::Injury) {
        let Fact::Injury {
            body_area,
            description,
        } = &e.fact
        else {
            continue;
        };
        let line = format!(
            "Injury: {}{}. {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let text = if description.trim().is_empty() {
            format!("Injury: {}", body_area.trim())
        } else {
            format!("Injury: {}", description.trim())
        };
        let mut r = condition_resource(ctx, e, json!({ "text": text }), &line);
        if !body_area.trim().is_empty() {
            r["bodySite"] = json!([{ "text": body_area.trim() }]);
        }
        s.entries.push((urn(ctx, "injury", e), carry(r, e)));
    }
    let clinical: Vec<&RecordEntry> = record
        .entries
        .iter()
        .filter(|e| {
            matches!(e.fact.kind(), FactKind::SelfHarm | FactKind::MentalHealth) && e.counts()
        })
        .collect();
    if consent {
        for e in clinical {
            let line = format!(
                "{}: {}{}. {}",
                e.fact.kind().heading(),
                e.fact.headline(),
                known_suffix(e),
                provenance_note(e)
            );
            s.narrative.push(line.clone());
            let text = e.fact.headline();
            let r = condition_resource(ctx, e, json!({ "text": text }), &line);
            s.entries.push((urn(ctx, "history", e), carry(r, e)));
        }
    } else {
        s.narrative.push("Self-harm and mental health history are shared only with the person's consent to share with the receiving establishment, which was not recorded; risk flags (SH, MH) travel in the Alerts section regardless.".into());
    }
    if s.entries.is_empty() {
        let mut empty = Section::not_recorded(
            "Problems",
            "11450-4",
            "Problem list - Reported",
            "problem list",
        );
        empty.narrative.extend(s.narrative);
        return empty;
    }
    s
}

/// A medicine the person reported or brought, as a MedicationStatement: status `unknown`
/// until an HCP confirms it into the medication list, with where the details came from.
pub fn reported_medicines(ctx: &Ctx<'_>, s: &mut Section) {
    let record = &ctx.input.record.record;
    for e in record.of_kind(FactKind::ReportedMedicine) {
        let Fact::ReportedMedicine {
            name,
            dose,
            frequency,
            last_taken,
            next_due,
            source,
            verified,
        } = &e.fact
        else {
            continue;
        };
        let how = if *verified {
            format!("reported ({}), verified", source.label())
        } else if *source == MedicineSource::SelfReport {
            "reported by the person, not verified".to_string()
        } else {
            format!("reported ({}), not verified", source.label())
        };
        let critical = crate::domain::medication::time_critical_reason(name)
            .map(|why| format!(" TIME-CRITICAL: {why}."))
            .unwrap_or_default();
        let line = format!(
            "Reported medicine: {}{}.{critical} {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let mut notes = vec![
            json!({ "text": format!("{how}; not prescribed or given in this suite.") }),
            json!({ "text": provenance_note(e) }),
        ];
        if !last_taken.trim().is_empty() {
            notes.push(json!({ "text": format!("Last taken: {}.", last_taken.trim()) }));
        }
        if !next_due.trim().is_empty() {
            notes.push(json!({ "text": format!("Next due: {}.", next_due.trim()) }));
        }
        if !critical.is_empty() {
            notes.push(json!({ "text": critical.trim() }));
        }
        let mut r = json!({
            "resourceType": "MedicationStatement",
            "text": narrative(&[line]),
            "status": "unknown",
            "medicationCodeableConcept": { "text": name.trim() },
            "subject": reference(&ctx.patient),
            "dateAsserted": timestamp(e.recorded_at),
            "note": notes,
        });
        if *source == MedicineSource::SelfReport {
            r["informationSource"] = reference(&ctx.patient);
        } else {
            r["informationSource"] = json!({ "display": source.label() });
        }
        let dosage = [dose.trim(), frequency.trim()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !dosage.is_empty() {
            r["dosage"] = json!([{ "text": dosage }]);
        }
        if here(e) {
            r["context"] = reference(&ctx.encounter);
        }
        s.entries
            .push((urn(ctx, "reported-medicine", e), carry(r, e)));
    }
}

fn social_category() -> Value {
    json!([{ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "social-history",
        "display": "Social History",
    }]}])
}

fn component(text: &str, value: &str) -> Value {
    json!({ "code": { "text": text }, "valueString": value })
}

/// Alcohol (units on a typical day as an integer quantity, last drink and withdrawal history
/// as components) and each drug (LOINC 11343-1, the substance as text, route, amount and last
/// use as components).
pub fn social_history(ctx: &Ctx<'_>) -> Section {
    let record = &ctx.input.record.record;
    let mut s = Section::loinc("Social history", "29762-2", "Social history Narrative");
    for e in record.of_kind(FactKind::Alcohol) {
        let Fact::Alcohol {
            units_per_day,
            last_drink,
            withdrawal_history,
        } = &e.fact
        else {
            continue;
        };
        let line = format!(
            "Alcohol: {}{}. {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let mut components = Vec::new();
        if !last_drink.trim().is_empty() {
            components.push(component("Time of last drink", last_drink.trim()));
        }
        if let Some(w) = withdrawal_history {
            components.push(json!({
                "code": { "text": "Has had withdrawal fits, shakes or hallucinations" },
                "valueBoolean": w,
            }));
        }
        let mut r = json!({
            "resourceType": "Observation",
            "text": narrative(&[line]),
            "status": "final",
            "category": social_category(),
            "code": {
                "coding": [{
                    "system": format!("{URI_BASE}/CodeSystem/social-history"),
                    "code": "alcohol-units-per-day",
                    "display": "Alcohol units (UK, 8 g of alcohol) on a typical drinking day",
                }],
                "text": "Alcohol units on a typical drinking day",
            },
            "subject": reference(&ctx.patient),
            "effectiveDateTime": timestamp(e.recorded_at),
            "note": [{ "text": provenance_note(e) }],
        });
        match units_per_day {
            Some(u) => {
                r["valueQuantity"] = json!({
                    "value": u,
                    "unit": "units/day",
                    "system": "http://unitsofmeasure.org",
                    "code": "{units}/d",
                });
            }
            None => r["valueString"] = json!("drinks alcohol; amount not recorded"),
        }
        if !components.is_empty() {
            r["component"] = Value::Array(components);
        }
        if here(e) {
            r["encounter"] = reference(&ctx.encounter);
        }
        s.entries.push((urn(ctx, "alcohol", e), carry(r, e)));
    }
    for e in record.of_kind(FactKind::Drug) {
        let Fact::Drug {
            substance,
            route,
            amount,
            last_used,
        } = &e.fact
        else {
            continue;
        };
        let line = format!(
            "Drug use: {}{}. {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let components: Vec<Value> = [
            ("Route", route),
            ("Amount", amount),
            ("Time last used", last_used),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| component(k, v.trim()))
        .collect();
        let mut r = json!({
            "resourceType": "Observation",
            "text": narrative(&[line]),
            "status": "final",
            "category": social_category(),
            "code": {
                "coding": [{ "system": LOINC, "code": "11343-1", "display": "History of Other nonmedical drug use" }],
                "text": "Drug use",
            },
            "subject": reference(&ctx.patient),
            "effectiveDateTime": timestamp(e.recorded_at),
            "valueCodeableConcept": { "text": substance.trim() },
            "note": [{ "text": provenance_note(e) }],
        });
        if !components.is_empty() {
            r["component"] = Value::Array(components);
        }
        if here(e) {
            r["encounter"] = reference(&ctx.encounter);
        }
        s.entries.push((urn(ctx, "drug", e), carry(r, e)));
    }
    if s.entries.is_empty() {
        return Section::not_recorded(
            "Social history",
            "29762-2",
            "Social history Narrative",
            "alcohol or drug history (see the Alerts section for ALC, DRG and WD flags)",
        );
    }
    s
}

/// Pregnancy status (LOINC 82810-3) as the screen recorded it.
pub fn pregnancy(ctx: &Ctx<'_>) -> Section {
    let record = &ctx.input.record.record;
    let mut s = Section::loinc(
        "History of pregnancy",
        "10162-6",
        "History of pregnancies Narrative",
    );
    if let Some(e) = record.of_kind(FactKind::Pregnancy).next()
        && let Fact::Pregnancy { status, details } = &e.fact
    {
        let line = format!(
            "Pregnancy: {}{}. {}",
            e.fact.headline(),
            known_suffix(e),
            provenance_note(e)
        );
        s.narrative.push(line.clone());
        let text = match status {
            crate::domain::record::PregnancyStatus::Pregnant => "Pregnant or may be pregnant",
            crate::domain::record::PregnancyStatus::NotPregnant => "Not pregnant",
        };
        let mut notes = vec![json!({ "text": provenance_note(e) })];
        if !details.trim().is_empty() {
            notes.push(json!({ "text": details.trim() }));
        }
        let mut r = json!({
            "resourceType": "Observation",
            "text": narrative(&[line]),
            "status": "final",
            "code": {
                "coding": [{ "system": LOINC, "code": "82810-3", "display": "Pregnancy status" }],
                "text": "Pregnancy status",
            },
            "subject": reference(&ctx.patient),
            "effectiveDateTime": timestamp(e.recorded_at),
            "valueCodeableConcept": concept(codes::pregnancy(*status), text),
            "note": notes,
        });
        if here(e) {
            r["encounter"] = reference(&ctx.encounter);
        }
        s.entries.push((urn(ctx, "pregnancy", e), carry(r, e)));
        return s;
    }
    Section::not_recorded(
        "History of pregnancy",
        "10162-6",
        "History of pregnancies Narrative",
        "pregnancy record (see the Alerts section for a PREG flag)",
    )
}
