//! Builds the FHIR R4 document Bundle (IPS-shaped) for one detention, and signs it.
//!
//! Sections are a list of functions ([`SECTIONS`]), each turning the [`HandoverInput`] into a
//! [`Section`] with its narrative and entries, or an explicit `emptyReason` when this suite
//! holds nothing for it yet. Adding a section (issue 6's medications, allergies, scores) is
//! one function and one line in that list.
//!
//! What leaves the suite: identity, the detention, active risk flags (risk-to-life
//! information, which travels regardless of consent; the justification is in the bundle), the
//! care plan, medication (name, dose, timing, time-critical marks; never what it is for),
//! cell-check and HCP-contact *times*, and earlier custody episodes here. HCP
//! contact notes are clinical and there is no consent model yet, so they never leave: the
//! record is even read without them (see `store::handover::handover_record`).

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Destination, HandoverError, LOINC, canonical, jws};
use crate::domain::flag::FlagCode;
use crate::domain::observation::{ObservationLevel, to_london_with_day};
use crate::domain::record::view::RecordView;

/// A FHIR instant: RFC 3339 in UTC to the second (`2025-02-03T14:05:00Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Everything a bundle is made from.
#[derive(Debug, Clone)]
pub struct HandoverInput<'a> {
    pub suite_name: &'a str,
    pub record: &'a RecordView,
    pub destination: Destination,
    pub receiving_org: &'a str,
    pub receiving_officer: &'a str,
    /// The person exporting (display name) and their username.
    pub author_name: &'a str,
    pub author_username: &'a str,
    pub now: DateTime<Utc>,
    /// The bundle's identity: every `urn:uuid` in it is derived from this.
    pub bundle_seed: [u8; 16],
}

pub use crate::domain::handover::DISCLOSURE_JUSTIFICATION;

/// `urn:uuid:` names derived from the bundle's seed, so a bundle is reproducible from its
/// input (name-based, RFC 9562 version 8 layout).
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    seed: [u8; 16],
}

impl Ids {
    pub fn new(seed: [u8; 16]) -> Ids {
        Ids { seed }
    }

    pub fn uuid(&self, label: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(label.as_bytes());
        let d = h.finalize();
        let mut b = [0u8; 16];
        b.copy_from_slice(&d[..16]);
        if label == "bundle" {
            b = self.seed;
        }
        b[6] = (b[6] & 0x0f) | 0x80;
        b[8] = (b[8] & 0x3f) | 0x80;
        let x = hex::encode(b);
        format!(
            "{}-{}-{}-{}-{}",
            &x[0..8],
            &x[8..12],
            &x[12..16],
            &x[16..20],
            &x[20..32]
        )
    }

    pub fn urn(&self, label: &str) -> String {
        format!("urn:uuid:{}", self.uuid(label))
    }
}

/// One Composition section and the resources it holds.
#[derive(Debug, Clone)]
pub struct Section {
    pub title: &'static str,
    pub system: String,
    pub code: &'static str,
    pub display: &'static str,
    /// Narrative paragraphs (plain text; escaped into XHTML when built).
    pub narrative: Vec<String>,
    pub entries: Vec<(String, Value)>,
    /// `(code, display)` from http://terminology.hl7.org/CodeSystem/list-empty-reason.
    pub empty_reason: Option<(&'static str, &'static str)>,
}

impl Section {
    pub(crate) fn loinc(title: &'static str, code: &'static str, display: &'static str) -> Section {
        Section {
            title,
            system: LOINC.to_string(),
            code,
            display,
            narrative: Vec::new(),
            entries: Vec::new(),
            empty_reason: None,
        }
    }

    /// A section this suite holds nothing for yet (the clinical record is issue 6).
    pub(crate) fn not_recorded(
        title: &'static str,
        code: &'static str,
        display: &'static str,
        what: &str,
    ) -> Section {
        let mut s = Section::loinc(title, code, display);
        s.narrative.push(format!(
            "No information: this suite's record holds no {what}. Ask the custody healthcare practitioner; do not read this as \"none\"."
        ));
        s.empty_reason = Some(("unavailable", "Unavailable"));
        s
    }
}

/// Every section, in the order of the Composition. Add one here.
pub const SECTIONS: &[fn(&Ctx<'_>) -> Section] = &[
    alerts,
    medications,
    super::record_sections::allergies,
    super::record_sections::problems,
    vital_signs,
    plan_of_care,
    super::record_sections::social_history,
    super::record_sections::pregnancy,
    referrals,
    super::prra::section,
    custody_episode,
];

/// The input with the references every section needs.
pub struct Ctx<'a> {
    pub input: &'a HandoverInput<'a>,
    pub ids: Ids,
    pub patient: String,
    pub encounter: String,
    pub suite_org: String,
    pub author: String,
}

fn reference(urn: &str) -> Value {
    json!({ "reference": urn })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// FHIR narrative from plain paragraphs.
pub fn narrative(paragraphs: &[String]) -> Value {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p)))
        .collect();
    json!({
        "status": "generated",
        "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{body}</div>"),
    })
}

/// A flag code's description, or the code itself for one this version does not know.
pub fn flag_description(code: &str) -> String {
    code.parse::<FlagCode>()
        .map(|c| c.description().to_string())
        .unwrap_or_else(|_| code.to_string())
}

fn alerts(ctx: &Ctx<'_>) -> Section {
    let record = ctx.input.record;
    let mut s = Section::loinc("Alerts", "104605-1", "Alert");
    if record.flags.is_empty() {
        s.narrative
            .push("No risk flags were raised for this person in this suite.".into());
        s.empty_reason = Some(("nilknown", "Nil Known"));
        return s;
    }
    s.narrative.push(DISCLOSURE_JUSTIFICATION.into());
    for (i, f) in record.flags.iter().enumerate() {
        let description = flag_description(&f.code);
        let when = if f.from_earlier_detention {
            "an earlier detention"
        } else {
            "this detention"
        };
        let line = format!(
            "{} {} ({}): {}. Raised by {} on {} in {}.",
            f.code,
            description,
            f.severity,
            f.reason,
            f.raised_by,
            to_london_with_day(f.raised_at),
            when
        );
        s.narrative.push(line.clone());
        let mut flag = json!({
            "resourceType": "Flag",
            "text": narrative(&[line]),
            "extension": [{ "url": super::flag_reason_extension(), "valueString": f.reason }],
            "status": "active",
            "category": [{ "coding": [{
                "system": super::flag_type_system(),
                "code": f.severity,
                "display": f.severity,
            }]}],
            "code": {
                "coding": [{ "system": super::flag_code_system(), "code": f.code, "display": description }],
                "text": description,
            },
            "subject": reference(&ctx.patient),
            "period": { "start": timestamp(f.raised_at) },
        });
        if !f.from_earlier_detention {
            flag["encounter"] = reference(&ctx.encounter);
        }
        s.entries.push((ctx.ids.urn(&format!("flag-{i}")), flag));
    }
    s
}

/// Why medication details travel without a consent decision.
pub const MEDICATION_JUSTIFICATION: &str = "Medication details (name, dose, route, frequency, time last given and next due) travel with the person as the Person Escort Record requires, so that no dose is missed in transit; time-critical medicines are marked. What each medicine is for is clinical and is not included.";

fn medications(ctx: &Ctx<'_>) -> Section {
    use crate::domain::record::FactKind;
    let record = ctx.input.record;
    let reported = record
        .record
        .of_kind(FactKind::ReportedMedicine)
        .next()
        .is_some();
    if record.medications.is_empty() && !reported {
        if let Some(e) = record.record.of_kind(FactKind::NoMedicines).next() {
            let mut s = Section::loinc(
                "Medications",
                "10160-0",
                "History of Medication use Narrative",
            );
            s.narrative.push(format!(
                "No medicines: the person said they take none, and none was prescribed or given in this suite. {}",
                super::record_sections::provenance_note(e)
            ));
            s.empty_reason = Some(("nilknown", "Nil Known"));
            return s;
        }
        return Section::not_recorded(
            "Medications",
            "10160-0",
            "History of Medication use Narrative",
            "medication record (what was given, when last given and next due)",
        );
    }
    let mut s = Section::loinc(
        "Medications",
        "10160-0",
        "History of Medication use Narrative",
    );
    s.narrative.push(MEDICATION_JUSTIFICATION.into());
    for (i, m) in record.medications.iter().enumerate() {
        let last = m
            .last_dose_at
            .map(|t| format!("last given {}", to_london_with_day(t)))
            .unwrap_or_else(|| "time last given not known".into());
        let next = m
            .next_due
            .map(|t| format!("next due {}", to_london_with_day(t)))
            .unwrap_or_else(|| "taken as needed".into());
        let critical = m
            .time_critical
            .as_deref()
            .map(|why| format!(" TIME-CRITICAL: {why}."))
            .unwrap_or_default();
        let line = format!(
            "{} {}, {}, {}: {last}; {next}.{critical}",
            m.name, m.dose, m.route, m.frequency
        );
        s.narrative.push(line.clone());
        let mut notes = vec![json!({ "text": format!("{last}; {next}.") })];
        if let Some(why) = &m.time_critical {
            notes.push(json!({ "text": format!("Time-critical medicine: {why}. Do not omit or delay a dose.") }));
        }
        let mut statement = json!({
            "resourceType": "MedicationStatement",
            "text": narrative(&[line]),
            "status": "active",
            "medicationCodeableConcept": { "text": m.name },
            "subject": reference(&ctx.patient),
            "context": reference(&ctx.encounter),
            "dosage": [{
                "text": format!("{} {} {}", m.dose, m.route, m.frequency),
                "route": { "text": m.route },
            }],
            "note": notes,
        });
        if let Some(last) = m.last_dose_at {
            statement["effectiveDateTime"] = json!(timestamp(last));
        }
        s.entries
            .push((ctx.ids.urn(&format!("medication-{i}")), statement));
    }
    super::record_sections::reported_medicines(ctx, &mut s);
    s
}

/// A clinical section the person has not consented to share: said, and marked withheld.
fn withheld(
    title: &'static str,
    code: &'static str,
    display: &'static str,
    record: &RecordView,
) -> Section {
    let decision = record
        .consents
        .iter()
        .find(|c| c.scope == "receiving_establishment")
        .map(|c| c.decision.as_str());
    let mut s = Section::loinc(title, code, display);
    s.narrative.push(
        match decision {
            Some("declines") => "Not shared: the person declined to share clinical information with the receiving establishment.",
            Some("lacks_capacity_ask_later") => "Not shared yet: the person lacked capacity to decide when asked; ask again.",
            _ => "Not shared: no consent to share clinical information with the receiving establishment was recorded. Ask the custody healthcare practitioner.",
        }
        .to_string(),
    );
    s.empty_reason = Some(("withheld", "Information Withheld"));
    s
}

/// NEWS2 observations, each with its vital signs as LOINC-coded components. NEWS2 itself has
/// no LOINC code, so its total uses this program's code system (said in the narrative).
fn vital_signs(ctx: &Ctx<'_>) -> Section {
    let record = ctx.input.record;
    if !crate::domain::handover::consents_to_share(record) {
        return withheld("Vital signs and scores", "8716-3", "Vital signs", record);
    }
    if record.news2.is_empty() {
        return Section::not_recorded(
            "Vital signs and scores",
            "8716-3",
            "Vital signs",
            "vital signs or clinical scores",
        );
    }
    let mut s = Section::loinc("Vital signs and scores", "8716-3", "Vital signs");
    s.narrative.push("NEWS2 (Royal College of Physicians, 2017) has no LOINC code: its total is coded in this program's code system; each vital sign carries its LOINC code.".into());
    for (i, score) in record.news2.iter().enumerate() {
        let v = &score.inputs;
        let int = |key: &str| v[key].as_i64().unwrap_or(0);
        let component = |code: &str, display: &str, value: Value, unit: &str, ucum: &str| {
            json!({
                "code": { "coding": [{ "system": LOINC, "code": code, "display": display }] },
                "valueQuantity": { "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum },
            })
        };
        let tenths = int("temperature_tenths");
        let line = format!(
            "{}: NEWS2 {} ({}); respiration {}/min, SpO2 {}%, systolic {} mmHg, pulse {}/min, temperature {}.{} C.",
            to_london_with_day(score.recorded_at),
            score.total.unwrap_or(0),
            score.band,
            int("respiration_rate"),
            int("spo2"),
            int("systolic_bp"),
            int("pulse"),
            tenths / 10,
            tenths % 10
        );
        s.narrative.push(line.clone());
        let observation = json!({
            "resourceType": "Observation",
            "text": narrative(&[line]),
            "status": "final",
            "category": [{ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs",
            }]}],
            "code": {
                "coding": [{ "system": format!("{}/CodeSystem/clinical-score", super::URI_BASE), "code": "news2", "display": "NEWS2 total score" }],
                "text": "NEWS2 total score",
            },
            "subject": reference(&ctx.patient),
            "encounter": reference(&ctx.encounter),
            "effectiveDateTime": timestamp(score.recorded_at),
            "valueInteger": score.total.unwrap_or(0),
            "interpretation": [{ "text": score.band }],
            "component": [
                component("9279-1", "Respiratory rate", json!(int("respiration_rate")), "/min", "/min"),
                component("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", json!(int("spo2")), "%", "%"),
                component("8480-6", "Systolic blood pressure", json!(int("systolic_bp")), "mmHg", "mm[Hg]"),
                component("8867-4", "Heart rate", json!(int("pulse")), "/min", "/min"),
                // Bundles keep to integers (the canonical form every verifier must reproduce), so
                // the temperature travels as text rather than a decimal quantity.
                json!({
                    "code": { "coding": [{ "system": LOINC, "code": "8310-5", "display": "Body temperature" }] },
                    "valueString": format!("{}.{} Cel", tenths / 10, tenths % 10),
                }),
            ],
        });
        s.entries
            .push((ctx.ids.urn(&format!("news2-{i}")), observation));
    }
    s
}

/// The service a referral is for, as the receiving side should read it.
pub fn referral_service(kind: &str) -> String {
    match kind {
        "liaison_diversion" => "Liaison and Diversion service".to_string(),
        "drug_alcohol" => "community drug and alcohol treatment service".to_string(),
        other => other.replace('_', " "),
    }
}

/// How the receiving service reaches the person: the validated address and postcode, or no
/// fixed abode and where they can be reached, and the phone number (checked at entry,
/// `domain::contact`). Half of prison referrals never reached community providers and
/// contact details were often unclear (reference/custody-practice.md, continuity of care).
pub fn referral_contact(c: &crate::domain::record::view::ReferralContent) -> String {
    let place = if c.no_fixed_abode {
        if c.reachable_at.trim().is_empty() {
            "no fixed abode".to_string()
        } else {
            format!("no fixed abode, reachable at {}", c.reachable_at.trim())
        }
    } else {
        let postcode = c.postcode.clone().unwrap_or_default();
        format!("{} {postcode}", c.address.trim())
            .trim()
            .to_string()
    };
    let phone = match &c.phone {
        Some(p) => crate::domain::contact::UkPhone::parse(p)
            .map(|p| format!("phone {p}"))
            .unwrap_or_else(|_| format!("phone {p}")),
        None => "no phone".to_string(),
    };
    format!("{place}; {phone}")
}

/// Referrals (ServiceRequest, with the contact details the receiving service needs) and
/// appointments after release (Appointment), only with consent to share with the receiving
/// establishment: `store::handover::handover_draft` does not even read their content without
/// it, and this section then says it was withheld.
fn referrals(ctx: &Ctx<'_>) -> Section {
    const TITLE: &str = "Referrals and appointments";
    let record = ctx.input.record;
    let mut s = if !crate::domain::handover::consents_to_share(record) {
        withheld(TITLE, "referrals", TITLE, record)
    } else if record.referrals.is_empty() && record.appointments.is_empty() {
        Section::not_recorded(TITLE, "referrals", TITLE, "referrals or appointments")
    } else {
        let mut s = Section::loinc(TITLE, "referrals", TITLE);
        for (i, r) in record.referrals.iter().enumerate() {
            let Some(c) = &r.content else { continue };
            let contact = referral_contact(c);
            let service = referral_service(&r.kind);
            let line = format!(
                "Referral to the {service} by {} on {}: {}. Contact: {contact}.",
                r.made_by,
                to_london_with_day(r.made_at),
                c.reason
            );
            s.narrative.push(line.clone());
            s.entries.push((
                ctx.ids.urn(&format!("referral-{i}")),
                json!({
                    "resourceType": "ServiceRequest",
                    "text": narrative(&[line]),
                    "status": "active",
                    "intent": "order",
                    "code": { "text": format!("{} referral", r.kind.replace('_', " ")) },
                    "subject": reference(&ctx.patient),
                    "encounter": reference(&ctx.encounter),
                    "authoredOn": timestamp(r.made_at),
                    "performerType": { "text": service },
                    "reasonCode": [{ "text": c.reason }],
                    "note": [{ "text": format!("Contact: {contact}. Substance: {}; route: {}; treatment history: {}.", c.substance, c.route, c.treatment_history) }],
                }),
            ));
        }
        for (i, a) in record.appointments.iter().enumerate() {
            let (Some(service), Some(place)) = (&a.service, &a.place) else {
                continue;
            };
            let when = crate::domain::appointment::appointment_time(a.at);
            let line = format!(
                "Appointment after release: {when} (London time), {service} at {place}. Booked by {} on {}.",
                a.made_by,
                to_london_with_day(a.made_at)
            );
            s.narrative.push(line.clone());
            // FHIR R4 (app-2, app-3) needs a booked appointment to have both start and end;
            // the suite records only the start, so end is the same instant and the comment
            // says the length is not known.
            s.entries.push((
                ctx.ids.urn(&format!("appointment-{i}")),
                json!({
                    "resourceType": "Appointment",
                    "text": narrative(&[line]),
                    "status": "booked",
                    "serviceType": [{ "text": service }],
                    "description": format!("{service} at {place}"),
                    "start": timestamp(a.at),
                    "end": timestamp(a.at),
                    "created": timestamp(a.made_at),
                    "comment": format!("Place: {place}. Booked in custody by {}; the length of the appointment was not recorded (end is the start time).", a.made_by),
                    "patientInstruction": format!("Go to {place} on {when}."),
                    "participant": [
                        { "actor": reference(&ctx.patient), "required": "required", "status": "accepted" },
                        { "actor": { "type": "Location", "display": place }, "required": "information-only", "status": "accepted" },
                    ],
                }),
            ));
        }
        s
    };
    s.system = super::section_system();
    s
}

/// The observation level's name, for a stored number.
pub fn level_label(level: u8) -> String {
    ObservationLevel::from_number(level)
        .map(|l| l.to_string())
        .unwrap_or_else(|| format!("Level {level}"))
}

/// "visit every 30 minutes, rouse" style words for a plan.
pub fn plan_words(level: u8, interval_minutes: Option<u32>, rouse: bool) -> String {
    let mut text = level_label(level);
    match interval_minutes {
        Some(m) => text.push_str(&format!(", visit at least every {m} minutes")),
        None if level >= 3 => text.push_str(", continuous"),
        None => {}
    }
    if rouse {
        text.push_str(", rouse at each visit (Code C Annex H)");
    }
    text
}

fn plan_of_care(ctx: &Ctx<'_>) -> Section {
    let record = ctx.input.record;
    let mut s = Section::loinc("Plan of care", "18776-5", "Plan of care note");
    let Some(plan) = record.plan_history.first() else {
        s.narrative
            .push("No care plan (observation level) was set in this suite.".into());
        s.empty_reason = Some(("notstarted", "Not Started"));
        return s;
    };
    let words = plan_words(plan.level, plan.interval_minutes, plan.rouse);
    let mut lines = vec![format!(
        "{words}. Set by {} on {}.",
        plan.set_by,
        to_london_with_day(plan.set_at)
    )];
    if !plan.instructions.is_empty() {
        lines.push(format!("Instructions: {}", plan.instructions));
    }
    if !plan.rationale.is_empty() {
        lines.push(format!("Reason for this level: {}", plan.rationale));
    }
    if record.plan_history.len() > 1 {
        let earlier: Vec<String> = record.plan_history[1..]
            .iter()
            .map(|p| {
                format!(
                    "{} from {}",
                    level_label(p.level),
                    to_london_with_day(p.set_at)
                )
            })
            .collect();
        lines.push(format!("Earlier levels: {}.", earlier.join("; ")));
    }
    s.narrative = lines.clone();
    let mut activity_detail = json!({
        "status": "in-progress",
        "description": words,
    });
    if let Some(m) = plan.interval_minutes {
        activity_detail["scheduledTiming"] = json!({
            "repeat": { "frequency": 1, "period": m, "periodUnit": "min" }
        });
    }
    let mut care_plan = json!({
        "resourceType": "CarePlan",
        "text": narrative(&lines),
        "status": "active",
        "intent": "plan",
        "category": [{ "coding": [{
            "system": super::observation_level_system(),
            "code": plan.level.to_string(),
            "display": level_label(plan.level),
        }]}],
        "title": "Custody observation plan",
        "description": lines.join(" "),
        "subject": reference(&ctx.patient),
        "encounter": reference(&ctx.encounter),
        "created": timestamp(plan.set_at),
        "activity": [{ "detail": activity_detail }],
    });
    if !plan.instructions.is_empty() {
        care_plan["note"] = json!([{ "text": plan.instructions }]);
    }
    s.entries.push((ctx.ids.urn("care-plan"), care_plan));
    s
}

fn custody_episode(ctx: &Ctx<'_>) -> Section {
    let input = ctx.input;
    let record = input.record;
    let mut s = Section::loinc("Custody episode", "custody-episode", "Custody episode");
    s.system = super::section_system();
    let mut lines = vec![format!(
        "Custody number {}; arrived {}; handed over {} to {}{}{}.",
        record.entry.custody_no,
        to_london_with_day(record.entry.arrived_at),
        to_london_with_day(input.now),
        input.destination.label(),
        if input.receiving_org.is_empty() {
            String::new()
        } else {
            format!(" ({})", input.receiving_org)
        },
        if input.receiving_officer.is_empty() {
            String::new()
        } else {
            format!(", received by {}", input.receiving_officer)
        },
    )];
    // Emergencies travel regardless of consent, with their outcome and times (risk to life).
    if record.emergencies.is_empty() {
        lines.push("No medical emergency in this custody.".into());
    }
    for e in &record.emergencies {
        lines.extend(super::emergencies::paragraphs(e));
    }
    match record.checks.first() {
        Some(c) => lines.push(format!(
            "{} cell check{} recorded; the last on {} by {}{}{}.",
            record.checks.len(),
            if record.checks.len() == 1 { "" } else { "s" },
            to_london_with_day(c.done_at),
            c.done_by,
            match c.roused {
                Some(true) => ", roused",
                Some(false) => ", not roused",
                None => "",
            },
            if c.condition.is_empty() {
                String::new()
            } else {
                format!(": {}", c.condition)
            }
        )),
        None => lines.push("No cell checks were recorded.".into()),
    }
    if record.hcp_contacts.is_empty() {
        lines.push(match &record.entry.last_seen {
            Some(seen) => format!(
                "Seen by a healthcare practitioner: {} by {} ({}). Clinical notes never travel; ask the custody HCP.",
                to_london_with_day(seen.at),
                seen.by,
                seen.what
            ),
            None => "Not seen by a healthcare practitioner in this suite.".into(),
        });
    } else {
        let seen: Vec<String> = record
            .hcp_contacts
            .iter()
            .map(|h| format!("{} by {}", to_london_with_day(h.seen_at), h.seen_by))
            .collect();
        lines.push(format!(
            "Seen by a healthcare practitioner: {}. Clinical notes never travel; ask the custody HCP.",
            seen.join("; ")
        ));
    }
    lines.extend(super::support::paragraphs(&record.entry.support));
    for e in record
        .record
        .of_kind(crate::domain::record::FactKind::Communication)
    {
        lines.push(format!(
            "Communication need: {}. {}",
            e.fact.headline(),
            super::record_sections::provenance_note(e)
        ));
    }
    if !record.previous_detentions.is_empty() {
        let earlier: Vec<String> = record
            .previous_detentions
            .iter()
            .map(|d| format!("{} ({})", d.custody_no, to_london_with_day(d.arrived_at)))
            .collect();
        lines.push(format!(
            "Earlier custody in this suite: {}.",
            earlier.join("; ")
        ));
    }
    // Fitness outcomes and their conditions are for whoever holds the person next (the
    // clinical reason is not read for the bundle).
    for f in &record.fitness {
        let mut line = format!(
            "HCP decision, {}: fit to {}: {}",
            to_london_with_day(f.decided_at),
            crate::domain::fitness::fit_to(&f.kind),
            if f.fit { "yes" } else { "NO" }
        );
        if !f.conditions.is_empty() {
            line.push_str(&format!(" ({})", f.conditions));
        }
        line.push('.');
        lines.push(line);
    }
    s.narrative = lines;
    s.entries.push((ctx.encounter.clone(), Value::Null));
    s.entries.extend(super::emergencies::resources(ctx));
    s
}

fn patient_resource(ctx: &Ctx<'_>) -> Value {
    let record = ctx.input.record;
    let mut identifiers = Vec::new();
    if let Some(nhs) = &record.nhs_number {
        identifiers.push(json!({ "system": super::NHS_NUMBER_SYSTEM, "value": nhs }));
    }
    if let Some(pnc) = &record.pnc_id {
        identifiers.push(json!({ "system": super::pnc_system(), "value": pnc }));
    }
    identifiers.push(json!({
        "use": "secondary",
        "system": super::custody_number_system(),
        "value": record.entry.custody_no,
    }));
    let given: Vec<&str> = record.entry.forenames.split_whitespace().collect();
    let mut patient = json!({
        "resourceType": "Patient",
        "identifier": identifiers,
        "name": [{
            "use": "official",
            "family": record.entry.surname,
            "given": given,
        }],
    });
    if let Some(sex) = &record.sex {
        patient["gender"] = json!(sex);
    }
    if let Some(dob) = record.entry.date_of_birth {
        patient["birthDate"] = json!(dob.to_string());
    }
    patient
}

/// The bundle for `input`, without its signature.
pub fn build(input: &HandoverInput<'_>) -> Value {
    let ids = Ids::new(input.bundle_seed);
    let ctx = Ctx {
        input,
        ids,
        patient: ids.urn("patient"),
        encounter: ids.urn("encounter"),
        suite_org: ids.urn("suite"),
        author: ids.urn("author"),
    };
    let record = input.record;
    let now = timestamp(input.now);
    let sections: Vec<Section> = SECTIONS.iter().map(|f| f(&ctx)).collect();

    let receiving = ids.urn("receiving");
    let mut encounter = json!({
        "resourceType": "Encounter",
        "identifier": [{ "system": super::custody_number_system(), "value": record.entry.custody_no }],
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "FLD",
            "display": "field",
        },
        "type": [{ "text": "Police custody detention" }],
        "subject": reference(&ctx.patient),
        "period": { "start": timestamp(record.entry.arrived_at), "end": now },
        "serviceProvider": reference(&ctx.suite_org),
        "hospitalization": {
            "dischargeDisposition": {
                "coding": [{
                    "system": format!("{}/CodeSystem/destination", super::URI_BASE),
                    "code": input.destination.as_str(),
                    "display": input.destination.label(),
                }],
                "text": input.destination.label(),
            },
        },
    });
    if !input.receiving_org.is_empty() {
        encounter["hospitalization"]["destination"] = reference(&receiving);
    }
    super::support::add_to_encounter(&mut encounter, &record.entry.support);

    let mut section_values = Vec::new();
    let mut section_entries = Vec::new();
    for s in &sections {
        let mut v = Map::new();
        v.insert("title".into(), json!(s.title));
        v.insert(
            "code".into(),
            json!({ "coding": [{ "system": s.system, "code": s.code, "display": s.display }] }),
        );
        v.insert("text".into(), narrative(&s.narrative));
        if !s.entries.is_empty() {
            let refs: Vec<Value> = s.entries.iter().map(|(urn, _)| reference(urn)).collect();
            v.insert("entry".into(), Value::Array(refs));
        }
        if let Some((code, display)) = s.empty_reason {
            v.insert(
                "emptyReason".into(),
                json!({ "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                    "code": code,
                    "display": display,
                }]}),
            );
        }
        section_values.push(Value::Object(v));
        for (urn, resource) in &s.entries {
            if !resource.is_null() {
                section_entries.push((urn.clone(), resource.clone()));
            }
        }
    }

    let title = format!(
        "Custody health handover: {} {}, custody number {}",
        record.entry.forenames, record.entry.surname, record.entry.custody_no
    );
    let composition = json!({
        "resourceType": "Composition",
        "extension": [{ "url": super::disclosure_extension(), "valueString": DISCLOSURE_JUSTIFICATION }],
        "identifier": { "system": super::bundle_system(), "value": ids.uuid("composition") },
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": reference(&ctx.patient),
        "encounter": reference(&ctx.encounter),
        "date": now,
        "author": [reference(&ctx.author), reference(&ctx.suite_org)],
        "title": title,
        "confidentiality": "R",
        "attester": [{ "mode": "legal", "time": now, "party": reference(&ctx.author) }],
        "custodian": reference(&ctx.suite_org),
        "section": section_values,
    });
    let mut entries = vec![
        (ids.urn("composition"), composition),
        (ctx.patient.clone(), patient_resource(&ctx)),
        (ctx.encounter.clone(), encounter),
        (
            ctx.suite_org.clone(),
            json!({ "resourceType": "Organization", "name": input.suite_name }),
        ),
        (
            ctx.author.clone(),
            json!({
                "resourceType": "Practitioner",
                "identifier": [{ "system": format!("{}/Id/staff", super::URI_BASE), "value": input.author_username }],
                "name": [{ "text": input.author_name }],
            }),
        ),
    ];
    // Provenance (FHIR R6 prefers one alongside the signature): who made this document for
    // whom. It cannot hold the signature itself, which covers it.
    entries.push((
        ids.urn("provenance"),
        json!({
            "resourceType": "Provenance",
            "target": [reference(&ids.urn("composition"))],
            "recorded": now,
            "activity": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                "code": "CREATE",
                "display": "create",
            }]},
            "agent": [{
                "type": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                    "code": "author",
                    "display": "Author",
                }]},
                "who": reference(&ctx.author),
                "onBehalfOf": reference(&ctx.suite_org),
            }],
        }),
    ));
    if !input.receiving_org.is_empty() {
        entries.push((
            receiving,
            json!({ "resourceType": "Organization", "name": input.receiving_org }),
        ));
    }
    entries.extend(section_entries);
    let entry: Vec<Value> = entries
        .into_iter()
        .map(|(full_url, resource)| json!({ "fullUrl": full_url, "resource": resource }))
        .collect();
    json!({
        "resourceType": "Bundle",
        "identifier": { "system": super::bundle_system(), "value": ids.uuid("bundle") },
        "type": "document",
        "timestamp": now,
        "entry": entry,
    })
}

/// Adds the suite's signed audit checkpoint (`domain::checkpoint`) to the Composition as an
/// extension whose value is the checkpoint's JSON, so the bundle's signature covers it and a
/// receiver holding the suite's public key can check it on its own.
pub fn add_checkpoint(
    bundle: &mut Value,
    checkpoint: &crate::domain::checkpoint::Checkpoint,
) -> Result<(), HandoverError> {
    let text = checkpoint.to_json().map_err(HandoverError::Canonical)?;
    let extension = json!({ "url": super::checkpoint_extension(), "valueString": text });
    // `build` always gives the Composition its disclosure extension.
    match bundle
        .pointer_mut("/entry/0/resource/extension")
        .and_then(Value::as_array_mut)
    {
        Some(list) => {
            list.push(extension);
            Ok(())
        }
        None => Err(HandoverError::Canonical(
            "the bundle has no Composition to carry the checkpoint".into(),
        )),
    }
}

/// The bytes that are signed: the RFC 8785 form of the bundle without `signature`.
pub fn signed_payload(bundle: &Value) -> Result<Vec<u8>, HandoverError> {
    match bundle.as_object() {
        Some(map) => canonical::canonicalize_without(map, "signature"),
        None => canonical::canonicalize(bundle),
    }
}

/// ISO/ASTM E1762 "Author's Signature".
pub const SIGNATURE_TYPE_SYSTEM: &str = "urn:iso-astm:E1762-95:2013";
pub const SIGNATURE_TYPE_CODE: &str = "1.2.840.10065.1.12.1.1";

/// `Bundle.signature.type`, exactly (verify holds the unsigned signature block to it).
pub fn signature_type() -> Value {
    json!([{ "system": SIGNATURE_TYPE_SYSTEM, "code": SIGNATURE_TYPE_CODE, "display": "Author's Signature" }])
}

/// Adds `Bundle.signature`: a detached JWS over [`signed_payload`], signed by the suite
/// (`who` is the Composition's custodian, `when` its attestation time).
pub fn sign(bundle: &mut Value, key: &SigningKey, kid: &str) -> Result<(), HandoverError> {
    use base64::Engine;
    canonical::check_numbers(bundle)?;
    let payload = signed_payload(bundle)?;
    let token = jws::sign_detached(key, kid, &payload)?;
    let composition = &bundle["entry"][0]["resource"];
    let when = composition["attester"][0]["time"].clone();
    let who = composition["custodian"].clone();
    let Some(map) = bundle.as_object_mut() else {
        return Err(HandoverError::WrongJsonType(
            "something other than an object",
        ));
    };
    map.insert(
        "signature".into(),
        json!({
            "type": signature_type(),
            "when": when,
            "who": who,
            "sigFormat": "application/jose",
            "targetFormat": "application/fhir+json",
            "data": base64::engine::general_purpose::STANDARD.encode(token.as_bytes()),
        }),
    );
    Ok(())
}

#[cfg(test)]
mod tests;
