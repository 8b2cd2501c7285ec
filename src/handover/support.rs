//! The appropriate adult and the interpreter in the bundle's custody episode. Whoever holds the
//! person next must know that an appropriate adult or an interpreter is needed (PACE Code C
//! 1.4, 1.5, 3.15; 3.12 and section 13), and whether one came: a court or another suite must not
//! interview or charge without them.
//!
//! Three places, so a reader that knows nothing of this program still learns the need:
//! - `Encounter.hospitalization.specialArrangement`, HL7's encounter-special-arrangements codes
//!   `int` (Interpreter) and `att` (Attendant, for the appropriate adult), the need as text;
//! - `Encounter.participant` for each attendance that happened: type HL7 v3
//!   ParticipationType `TRANS` (Translator) or this program's `appropriate-adult`, `period`
//!   from arrival to leaving;
//! - the complex extension `.../StructureDefinition/support-need` on the Encounter, one per
//!   need, with the whole lifecycle (need, detail, when needed, requested, arrived, left,
//!   status); and the custody episode's narrative, which `handover::import` keeps as a note
//!   known from the sending suite.

use serde_json::{Value, json};

use super::URI_BASE;
use super::build::timestamp;
use crate::domain::observation::to_london_with_day;
use crate::domain::support::{Support, SupportKind, SupportNeed};

/// The complex extension holding one need's lifecycle.
pub fn support_extension() -> String {
    format!("{URI_BASE}/StructureDefinition/support-need")
}

/// This program's participant types (the appropriate adult, which HL7 has no code for).
pub fn participant_type_system() -> String {
    format!("{URI_BASE}/CodeSystem/custody-participant")
}

const SPECIAL_ARRANGEMENTS: &str =
    "http://terminology.hl7.org/CodeSystem/encounter-special-arrangements";
const PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

/// The custody episode's lines: one per need, saying where it stands.
pub fn paragraphs(support: &Support) -> Vec<String> {
    if support.is_empty() {
        return vec!["No appropriate adult or interpreter was recorded as needed.".into()];
    }
    support.needs().map(paragraph).collect()
}

/// `Appropriate adult needed (PACE Code C): under 18. Requested 23 Nov 13:15; NOT YET
/// ARRIVED when handed over.` (or `arrived …`, `left …`).
pub fn paragraph(n: &SupportNeed) -> String {
    let code = match n.kind {
        SupportKind::AppropriateAdult => "PACE Code C 1.4, 1.5",
        SupportKind::Interpreter => "PACE Code C 3.12, 13",
    };
    let mut text = format!("{} needed ({code}): {}.", n.kind.label(), n.phrase());
    match n.current() {
        None => text.push_str(" Not yet requested when handed over."),
        Some(v) => {
            if let Some(r) = &v.requested {
                text.push_str(&format!(" Requested {}", to_london_with_day(r.at)));
            } else {
                text.push_str(" Came unasked");
            }
            match (&v.arrived, &v.left) {
                (None, _) => text.push_str("; NOT YET ARRIVED when handed over."),
                (Some(a), None) => {
                    text.push_str(&format!("; arrived {}.", to_london_with_day(a.at)))
                }
                (Some(a), Some(l)) => text.push_str(&format!(
                    "; arrived {}, left {}.",
                    to_london_with_day(a.at),
                    to_london_with_day(l.at)
                )),
            }
        }
    }
    text
}

/// The escort summary's lines, in its header beside the name (operational: the escort and the
/// receiving officer must know before anyone speaks to the person): `App. adult:    NOT YET
/// ARRIVED (requested 30 Nov 13:15); under 18`. Nothing when neither is needed, so the page stays
/// one A4 sheet for everyone else.
pub fn escort_lines(out: &mut Vec<String>, support: &Support) {
    for n in support.needs() {
        let label = match n.kind {
            SupportKind::AppropriateAdult => "App. adult:    ",
            SupportKind::Interpreter => "Interpreter:   ",
        };
        // Where it stands first, so it is on the first line however the need wraps.
        let state = match n.current() {
            None => "NOT YET REQUESTED".to_string(),
            Some(v) => {
                let asked = v
                    .requested
                    .as_ref()
                    .map(|r| format!(" (requested {})", to_london_with_day(r.at)))
                    .unwrap_or_default();
                match (&v.arrived, &v.left) {
                    (None, _) => format!("NOT YET ARRIVED{asked}"),
                    (Some(a), None) => format!("arrived {}{asked}", to_london_with_day(a.at)),
                    (Some(a), Some(l)) => format!(
                        "came {} to {}",
                        to_london_with_day(a.at),
                        to_london_with_day(l.at)
                    ),
                }
            }
        };
        super::escort::wrap(out, &format!("{state}; {}", n.phrase()), label, 15);
    }
}

fn lifecycle(n: &SupportNeed) -> Value {
    let mut parts = vec![
        json!({ "url": "kind", "valueCode": n.kind.as_str() }),
        json!({ "url": "need", "valueCode": n.need.as_str() }),
    ];
    if !n.detail.trim().is_empty() {
        parts.push(json!({ "url": "detail", "valueString": n.detail.trim() }));
    }
    parts.push(json!({ "url": "neededAt", "valueDateTime": timestamp(n.needed.at) }));
    if let Some(v) = n.current() {
        for (url, stamp) in [
            ("requested", &v.requested),
            ("arrived", &v.arrived),
            ("left", &v.left),
        ] {
            if let Some(s) = stamp {
                parts.push(json!({ "url": url, "valueDateTime": timestamp(s.at) }));
            }
        }
    }
    parts.push(json!({ "url": "status", "valueCode": n.status().as_str() }));
    json!({ "url": support_extension(), "extension": parts })
}

/// Adds the needs to the bundle's Encounter (see the module's comment).
pub fn add_to_encounter(encounter: &mut Value, support: &Support) {
    if support.is_empty() {
        return;
    }
    let mut arrangements = Vec::new();
    let mut participants = Vec::new();
    let mut extensions = Vec::new();
    for n in support.needs() {
        let (code, display) = match n.kind {
            SupportKind::AppropriateAdult => ("att", "Attendant"),
            SupportKind::Interpreter => ("int", "Interpreter"),
        };
        arrangements.push(json!({
            "coding": [{ "system": SPECIAL_ARRANGEMENTS, "code": code, "display": display }],
            "text": format!("{}: {}", n.kind.label(), n.phrase()),
        }));
        let kind = match n.kind {
            SupportKind::AppropriateAdult => json!({
                "coding": [{
                    "system": participant_type_system(),
                    "code": "appropriate-adult",
                    "display": "Appropriate adult (PACE Code C 1.7)",
                }],
                "text": "Appropriate adult",
            }),
            SupportKind::Interpreter => json!({
                "coding": [{ "system": PARTICIPATION_TYPE, "code": "TRANS", "display": "Translator" }],
                "text": "Interpreter",
            }),
        };
        for v in &n.visits {
            let Some(arrived) = &v.arrived else {
                continue;
            };
            let mut period = json!({ "start": timestamp(arrived.at) });
            if let Some(left) = &v.left {
                period["end"] = json!(timestamp(left.at));
            }
            participants.push(json!({ "type": [kind.clone()], "period": period }));
        }
        extensions.push(lifecycle(n));
    }
    encounter["hospitalization"]["specialArrangement"] = Value::Array(arrangements);
    if !participants.is_empty() {
        encounter["participant"] = Value::Array(participants);
    }
    encounter["extension"] = Value::Array(extensions);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::support::{Need, Step, SupportEvent, fold};
    use chrono::{DateTime, TimeZone, Utc};

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn ev(need: Option<Need>, kind: SupportKind, step: Step, at: DateTime<Utc>) -> SupportEvent {
        SupportEvent {
            kind,
            step,
            need,
            detail: if need == Some(Need::Language) {
                "Polish".into()
            } else {
                String::new()
            },
            at,
            by: "officer".into(),
        }
    }

    #[test]
    fn the_encounter_carries_each_need_and_each_attendance() {
        let aa = SupportKind::AppropriateAdult;
        let int = SupportKind::Interpreter;
        let support = fold(&[
            ev(Some(Need::Under18), aa, Step::Needed, t(13, 0)),
            ev(None, aa, Step::Requested, t(13, 15)),
            ev(Some(Need::Language), int, Step::Needed, t(13, 0)),
            ev(None, int, Step::Requested, t(13, 5)),
            ev(None, int, Step::Arrived, t(13, 45)),
        ]);
        let mut encounter = json!({ "resourceType": "Encounter", "hospitalization": {} });
        add_to_encounter(&mut encounter, &support);
        let arrangements = encounter["hospitalization"]["specialArrangement"]
            .as_array()
            .unwrap();
        assert_eq!(arrangements[0]["coding"][0]["code"], "att");
        assert_eq!(arrangements[0]["text"], "Appropriate adult: under 18");
        assert_eq!(arrangements[1]["coding"][0]["code"], "int");
        assert_eq!(arrangements[1]["text"], "Interpreter: Polish");
        // Only the interpreter came: one participant, from arrival.
        let participants = encounter["participant"].as_array().unwrap();
        assert_eq!(participants.len(), 1);
        assert_eq!(participants[0]["type"][0]["coding"][0]["code"], "TRANS");
        assert_eq!(participants[0]["period"]["start"], "2026-11-23T13:45:00Z");
        let text = encounter["extension"].to_string();
        for needle in [
            r#"{"url":"kind","valueCode":"appropriate_adult"}"#,
            r#"{"url":"requested","valueDateTime":"2026-11-23T13:15:00Z"}"#,
            r#"{"url":"status","valueCode":"requested"}"#,
            r#"{"url":"detail","valueString":"Polish"}"#,
            r#"{"url":"status","valueCode":"arrived"}"#,
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        let lines = paragraphs(&support);
        assert_eq!(
            lines[0],
            "Appropriate adult needed (PACE Code C 1.4, 1.5): under 18. Requested 23 Nov 13:15; NOT YET ARRIVED when handed over."
        );
        assert_eq!(
            lines[1],
            "Interpreter needed (PACE Code C 3.12, 13): Polish. Requested 23 Nov 13:05; arrived 23 Nov 13:45."
        );
        assert_eq!(
            paragraphs(&Support::default()),
            ["No appropriate adult or interpreter was recorded as needed."]
        );
        let mut escort = Vec::new();
        escort_lines(&mut escort, &support);
        assert_eq!(
            escort,
            [
                "App. adult:    NOT YET ARRIVED (requested 23 Nov 13:15); under 18",
                "Interpreter:   arrived 23 Nov 13:45 (requested 23 Nov 13:05); Polish",
            ]
        );
        let mut none = Vec::new();
        escort_lines(&mut none, &Support::default());
        assert!(none.is_empty(), "no line when neither is needed");
        let mut untouched = json!({ "hospitalization": {} });
        add_to_encounter(&mut untouched, &Support::default());
        assert_eq!(untouched, json!({ "hospitalization": {} }));
    }
}
