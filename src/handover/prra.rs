//! The pre-release risk assessment (PRRA) in the handover: a Composition section holding one
//! FHIR R4 `QuestionnaireResponse` (every question answered, in form order), and the person's
//! own plain-text copy written on release.
//!
//! The PRRA travels regardless of consent: it is the custody officer's assessment of the risk
//! on leaving (self-harm after release, vulnerability, who collects them), which the Person
//! Escort Record carries for whoever holds the person next (risk to life; see
//! `build::DISCLOSURE_JUSTIFICATION`). It holds no clinical notes. Sources:
//! `reference/safety-and-pathways.md`, "Pre-release risk assessment (PRRA)" (APP Detention and
//! custody, Essex Police procedure E0107, HMIP expectations for release and transfer).

use serde_json::{Value, json};

use super::URI_BASE;
use super::build::{Ctx, HandoverInput, Section, timestamp};
use crate::domain::appointment::appointment_time;
use crate::domain::observation::to_london_with_day;
use crate::domain::prra::Prra;
use crate::domain::text::printable;

/// The canonical URL of the PRRA questionnaire (`schema/forms/prra.toml`).
pub fn questionnaire_url() -> String {
    format!("{URI_BASE}/Questionnaire/prra")
}

/// The "Pre-release risk assessment" section.
pub fn section(ctx: &Ctx<'_>) -> Section {
    let prra = &ctx.input.record.prra;
    let mut s = Section::loinc(
        "Pre-release risk assessment",
        "pre-release-risk-assessment",
        "Pre-release risk assessment",
    );
    s.system = super::section_system();
    if prra.answers.is_empty() {
        s.narrative
            .push("The pre-release risk assessment has not been started.".into());
        s.empty_reason = Some(("notstarted", "Not Started"));
        return s;
    }
    s.narrative.push(match &prra.completed {
        Some((by, at)) => format!(
            "Completed by {by} on {} (APP Detention and custody: reviewed before release or transfer).",
            to_london_with_day(*at)
        ),
        None => "Not completed: in progress.".into(),
    });
    s.narrative
        .extend(prra.key_lines().into_iter().map(|l| format!("{l}.")));
    s.entries
        .push((ctx.ids.urn("prra"), questionnaire_response(ctx, prra)));
    s
}

fn questionnaire_response(ctx: &Ctx<'_>, prra: &Prra) -> Value {
    let items: Vec<Value> = prra
        .answers
        .iter()
        .map(|a| {
            json!({
                "linkId": a.question,
                "text": a.text,
                "answer": [{ "valueString": a.with_details() }],
            })
        })
        .collect();
    let mut qr = json!({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url(),
        "status": if prra.is_complete() { "completed" } else { "in-progress" },
        "subject": { "reference": ctx.patient },
        "encounter": { "reference": ctx.encounter },
        "item": items,
    });
    if let Some((by, at)) = &prra.completed {
        qr["authored"] = json!(timestamp(*at));
        qr["author"] = json!({ "display": by });
    }
    qr
}

/// The person's own copy on release: plain text, who to contact, the services they were given,
/// leaflets, referrals and appointments after release. No flags, reasons or police risk
/// narrative: it is theirs to keep. Every stored text passes through `printable`.
pub fn release_copy(input: &HandoverInput<'_>) -> String {
    let r = input.record;
    let copy = r.prra.for_the_person();
    let p = |t: &str| printable(t.trim());
    let mut out = vec![
        "YOUR COPY: AFTER YOU LEAVE POLICE CUSTODY".to_string(),
        String::new(),
        format!(
            "Name:       {} {}",
            p(&r.entry.forenames),
            p(&r.entry.surname)
        ),
        format!("Custody no: {}", p(&r.entry.custody_no)),
        format!("Released:   {}", to_london_with_day(input.now)),
        format!("From:       {}", p(input.suite_name)),
        String::new(),
        "WHO TO CONTACT".to_string(),
        format!(
            "  {}",
            copy.contact
                .as_deref()
                .map(p)
                .unwrap_or_else(|| "Nobody was named.".into())
        ),
        String::new(),
        "SUPPORT SERVICES".to_string(),
    ];
    if copy.services.is_empty() {
        out.push("  None were given.".into());
    }
    out.extend(copy.services.iter().map(|s| format!("  - {s}")));
    out.push(String::new());
    out.push("LEAFLETS".into());
    out.push(match copy.leaflets.as_deref() {
        Some("") => "  You were given leaflets.".into(),
        Some(l) => format!("  {}", p(l)),
        None => "  None.".into(),
    });
    out.push(String::new());
    out.push("REFERRALS".into());
    match copy.referral.as_deref() {
        Some("") => out.push("  A referral was made for you.".into()),
        Some(d) => out.push(format!("  {}", p(d))),
        None => {}
    }
    for referral in &r.referrals {
        out.push(format!(
            "  Referred to: {} ({}).",
            p(&super::build::referral_service(&referral.kind)),
            to_london_with_day(referral.made_at)
        ));
    }
    if copy.referral.is_none() && r.referrals.is_empty() {
        out.push("  None.".into());
    }
    out.push(String::new());
    out.push("APPOINTMENTS AFTER RELEASE".into());
    if r.appointments.is_empty() {
        out.push("  None were made here.".into());
    }
    // One line each for when, what and where, so the copy prints within 80 columns.
    for a in &r.appointments {
        out.push(format!("  {}", appointment_time(a.at)));
        for text in [&a.service, &a.place].into_iter().flatten() {
            super::escort::wrap(&mut out, &p(text), "    ", 4);
        }
    }
    out.push(String::new());
    out.push("If you feel unsafe or think about harming yourself: call 999 in an".into());
    out.push("emergency, NHS 111 (option 2 for mental health), or Samaritans on".into());
    out.push("116 123 (free, any time).".into());
    let mut text = out.join("\n");
    text.push('\n');
    text
}
