//! The pre-release risk assessment (PRRA) as everything after the form reads it: the handover
//! refusal, the review, the bundle section, the escort summary and the person's own copy.
//!
//! Sources: `reference/safety-and-pathways.md`, "Pre-release risk assessment (PRRA)": APP
//! Detention and custody (the custody officer reviews the risk assessment before release or
//! transfer); Essex Police procedure E0107 (a PRRA "must be completed for every detainee");
//! HMIP expectations for release and transfer (see an HCP before release where possible, refer
//! where there are health concerns, give contact details of support services). The questions
//! themselves, each with its source, are `schema/forms/prra.toml`.
//!
//! Pure: the store reads the form's answers and completion into a [`Prra`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::form::{AnswerValue, Answers, Form};

/// Question ids of `schema/forms/prra.toml` that other places read by name.
pub mod q {
    pub const VULNERABLE: &str = "vulnerable_on_release";
    pub const GOING_TO: &str = "going_to";
    pub const COLLECTED_BY: &str = "collected_by";
    pub const HEALTH_NEEDS: &str = "health_needs";
    pub const SEEN_BY_HCP: &str = "seen_by_hcp";
    pub const SELF_HARM_NOW: &str = "self_harm_now";
    pub const SELF_HARM_ON_RELEASE: &str = "self_harm_on_release";
    pub const SUBSTANCE_USE: &str = "substance_use";
    pub const CONTACT: &str = "contact_person";
    pub const SIGNPOSTING: &str = "signposting";
    pub const LEAFLETS: &str = "leaflets";
    pub const REFERRAL: &str = "referral_made";
    pub const NO_REFERRAL: &str = "referral_not_made";
    pub const SAFE_TO_LEAVE: &str = "safe_to_leave";
}

/// One answered question of the PRRA, in form order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrraAnswer {
    pub question: String,
    pub section: String,
    pub text: String,
    /// The answer as screens say it: "Yes", "Declined to answer", "Home"…
    pub answer: String,
    /// The stored values: "yes"/"no", a choice's value, each value of a multi-choice; empty
    /// for typed text and for declined, unable or not asked.
    pub values: Vec<String>,
    /// The "give details" text, or the typed answer of a text question.
    pub details: Option<String>,
}

impl PrraAnswer {
    /// "Yes: charged with a serious offence" or "No".
    pub fn with_details(&self) -> String {
        match self.details.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() && d != self.answer => format!("{}: {d}", self.answer),
            _ => self.answer.clone(),
        }
    }

    fn is(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }
}

/// The PRRA of one detention: the answers so far and whether it was completed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Prra {
    pub answers: Vec<PrraAnswer>,
    /// The last completion: (by, at). A change after completion is an amendment with a reason
    /// and does not undo it (`store::booking::save_answer`).
    pub completed: Option<(String, DateTime<Utc>)>,
}

impl Prra {
    /// The PRRA from the form's saved answers, in form order (questions that no longer apply
    /// after a changed answer are left out).
    pub fn from_answers(
        form: &Form,
        answers: &Answers,
        completed: Option<(String, DateTime<Utc>)>,
    ) -> Prra {
        let mut out = Vec::new();
        for (section, question) in form.questions() {
            if !form.applies(question, answers) {
                continue;
            }
            let Some(a) = answers.get(&question.id) else {
                continue;
            };
            let values = match &a.value {
                AnswerValue::Yes => vec!["yes".to_string()],
                AnswerValue::No => vec!["no".to_string()],
                AnswerValue::Choice(v) => vec![v.clone()],
                AnswerValue::Multi(vs) => vs.clone(),
                _ => Vec::new(),
            };
            let details = match &a.value {
                AnswerValue::Text(t) => Some(t.clone()),
                _ => a.details.clone(),
            };
            out.push(PrraAnswer {
                question: question.id.clone(),
                section: section.title.clone(),
                text: question.text.clone(),
                answer: a.value.summary(&question.kind),
                values,
                details,
            });
        }
        Prra {
            answers: out,
            completed,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.completed.is_some()
    }

    pub fn get(&self, question: &str) -> Option<&PrraAnswer> {
        self.answers.iter().find(|a| a.question == question)
    }

    /// An answer "yes, with details" or "no", or "not answered".
    fn said(&self, question: &str) -> String {
        self.get(question)
            .map(PrraAnswer::with_details)
            .unwrap_or_else(|| "not answered".into())
    }

    /// The key answers for the escort and the receiving officer (above the cut line), one
    /// short line each: the risks on release, where and with whom, referral, and whether the
    /// officer was satisfied.
    pub fn key_lines(&self) -> Vec<String> {
        let referral = match self.get(q::REFERRAL) {
            Some(a) if a.is("no") => match self.get(q::NO_REFERRAL) {
                Some(why) => format!("No ({})", why.answer),
                None => "No".into(),
            },
            _ => self.said(q::REFERRAL),
        };
        vec![
            format!(
                "Self-harm now: {}; after release: {}",
                self.said(q::SELF_HARM_NOW),
                self.said(q::SELF_HARM_ON_RELEASE)
            ),
            format!("Vulnerable on release: {}", self.said(q::VULNERABLE)),
            format!(
                "Going to: {}; with: {}",
                self.said(q::GOING_TO),
                self.said(q::COLLECTED_BY)
            ),
            format!(
                "Health needs: {}; substance use: {}",
                self.said(q::HEALTH_NEEDS),
                self.said(q::SUBSTANCE_USE)
            ),
            format!("Referral: {referral}"),
            format!("Safe to leave: {}", self.said(q::SAFE_TO_LEAVE)),
        ]
    }

    /// The key answers for the escort summary, above the cut line and short (the page is one
    /// A4 sheet when it can be): the self-harm answers with their details (the escort must
    /// know), vulnerability, where and with whom, and only yes or no for health needs and
    /// substance use, whose details are medical and travel in the bundle.
    pub fn escort_lines(&self) -> Vec<String> {
        let answer = |question: &str| {
            self.get(question)
                .map(|a| a.answer.clone())
                .unwrap_or_else(|| "not answered".into())
        };
        let referral = match self.get(q::REFERRAL) {
            Some(a) if a.is("no") => match self.get(q::NO_REFERRAL) {
                Some(why) => format!("No ({})", why.answer),
                None => "No".into(),
            },
            _ => self.said(q::REFERRAL),
        };
        vec![
            format!(
                "Self-harm now: {}; after release: {}",
                self.said(q::SELF_HARM_NOW),
                self.said(q::SELF_HARM_ON_RELEASE)
            ),
            format!(
                "Vulnerable: {}. Going to: {}; with: {}",
                self.said(q::VULNERABLE),
                answer(q::GOING_TO),
                answer(q::COLLECTED_BY)
            ),
            format!(
                "Health needs: {}; substance use: {}. Referral: {referral}",
                answer(q::HEALTH_NEEDS),
                answer(q::SUBSTANCE_USE)
            ),
        ]
    }

    /// What the person's own copy says (no police risk narrative): who to contact, the
    /// services they were signposted to, leaflets and referrals.
    pub fn for_the_person(&self) -> PersonCopy {
        let contact = self
            .get(q::CONTACT)
            .and_then(|a| a.details.clone())
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty());
        let services = self
            .get(q::SIGNPOSTING)
            .map(|a| {
                a.values
                    .iter()
                    .map(|v| service_line(v).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let detail_if_yes = |question: &str| {
            self.get(question)
                .filter(|a| a.is("yes"))
                .map(|a| a.details.clone().unwrap_or_default().trim().to_string())
        };
        PersonCopy {
            contact,
            services,
            leaflets: detail_if_yes(q::LEAFLETS),
            referral: detail_if_yes(q::REFERRAL),
        }
    }
}

/// The PRRA's part of the person's own copy on release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonCopy {
    pub contact: Option<String>,
    /// One line per service: what it is and how to reach it.
    pub services: Vec<String>,
    /// The leaflets given (`Some("")` when given but not named).
    pub leaflets: Option<String>,
    /// The referral made (`Some("")` when made but not described).
    pub referral: Option<String>,
}

/// How the person reaches a service they were signposted to. The numbers are the services'
/// own published ones (NHS 111, option 2 for urgent mental health help in England; Samaritans
/// 116 123, free at any time); local services are reached through the person's GP or the
/// details on the leaflet, which this program does not hold.
pub fn service_line(value: &str) -> &'static str {
    match value {
        "gp" => "Your GP: ring your surgery and say you have just left police custody.",
        "nhs_111" => "NHS 111 (call 111; option 2 for urgent mental health help).",
        "samaritans" => "Samaritans: call 116 123, free, any time, day or night.",
        "drug_alcohol" => "Drug and alcohol service: see the leaflet or ask your GP.",
        "housing" => "Housing or homelessness support: contact your local council.",
        "liaison_diversion" => "Liaison and diversion service: they will contact you.",
        _ => "A support service: see the leaflet you were given.",
    }
}

/// The one clause that refuses a release or transfer without a completed PRRA (lower case
/// and without a full stop, so the store, `sonar export` and the screen can each frame it).
pub fn not_complete(custody_no: &str) -> String {
    format!(
        "the pre-release risk assessment for {custody_no} is not complete: complete it (P on their record) before the person is released or transferred"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::form::{Answer, PRRA, embedded_form};
    use chrono::TimeZone;

    fn answers(list: &[(&str, AnswerValue, Option<&str>)]) -> Answers {
        list.iter()
            .map(|(q, v, d)| {
                (
                    q.to_string(),
                    Answer {
                        value: v.clone(),
                        details: d.map(str::to_string),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn key_lines_and_the_persons_copy_read_the_answers() {
        let form = embedded_form(PRRA).unwrap();
        let a = answers(&[
            (q::SELF_HARM_NOW, AnswerValue::No, None),
            (
                q::SELF_HARM_ON_RELEASE,
                AnswerValue::Yes,
                Some("first time in custody"),
            ),
            (q::GOING_TO, AnswerValue::Choice("home".into()), None),
            (q::REFERRAL, AnswerValue::No, None),
            (q::NO_REFERRAL, AnswerValue::Choice("declined".into()), None),
            (
                q::CONTACT,
                AnswerValue::Text("Mum, 07700 900123".into()),
                None,
            ),
            (
                q::SIGNPOSTING,
                AnswerValue::Multi(vec!["samaritans".into(), "gp".into()]),
                None,
            ),
            (q::LEAFLETS, AnswerValue::Yes, Some("Samaritans card")),
        ]);
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
        let p = Prra::from_answers(&form, &a, Some(("sergeant".into(), at)));
        assert!(p.is_complete());
        let lines = p.key_lines();
        assert_eq!(
            lines[0],
            "Self-harm now: No; after release: Yes: first time in custody"
        );
        assert_eq!(lines[2], "Going to: Home; with: not answered");
        assert_eq!(lines[4], "Referral: No (Offered, the person declined)");
        let copy = p.for_the_person();
        assert_eq!(copy.contact.as_deref(), Some("Mum, 07700 900123"));
        assert_eq!(copy.services.len(), 2);
        assert!(copy.services[0].contains("116 123"));
        assert_eq!(copy.leaflets.as_deref(), Some("Samaritans card"));
        assert_eq!(copy.referral, None);
        // Form order, not the order answered.
        assert_eq!(p.answers[0].question, q::GOING_TO);
        assert!(!Prra::default().is_complete());
    }
}
