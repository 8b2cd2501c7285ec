//! What the sergeant must see before a person leaves the suite: the cautions shown on the
//! handover review and confirmation (and printed by `sonar export`). They do not block the
//! handover (a person not fit to be released may be exactly the one going to hospital); they
//! make sure nobody leaves without the sergeant having read them.
//!
//! Sources: `reference/custody-practice.md` ("What goes wrong today": missed time-critical
//! medication at transfer, health information lost between hands); PACE Code C 9.5-9.8
//! (clinical directions to be followed); DESIGN.md, the handover bundle.

use chrono::{DateTime, Duration, Utc};

use super::emergency::Emergency;
use super::observation::to_london;

/// The latest HCP decision on fitness to be transferred or released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitnessToLeave {
    pub fit: bool,
    pub conditions: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// A medicine as the caution needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicineDue {
    pub name: String,
    pub next_due: Option<DateTime<Utc>>,
    pub time_critical: bool,
}

/// What is known about the person leaving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving {
    pub releasing: bool,
    pub fitness: Option<FitnessToLeave>,
    /// This detention's emergencies, open or closed (the record's), so the screen and
    /// `sonar export` caution from the same list.
    pub emergencies: Vec<Emergency>,
    pub medicines: Vec<MedicineDue>,
    /// Appointments after release (when only: the sergeant tells the person).
    pub appointments: Vec<DateTime<Utc>>,
    /// Codes of the person's health flags (`SH`, `ALC`…) when no HCP has seen them in this
    /// detention; empty when they have been seen or have no health flag.
    pub health_flags_unseen: Vec<String>,
    /// What booking in still owes (no sergeant's risk assessment, no health screen).
    pub outstanding: Vec<super::booking_duties::Outstanding>,
    /// Why the health screen was not done, when a sergeant recorded it.
    pub health_screen_deferred: Option<String>,
}

/// Whether a flag code is a health concern (so a person with it should see an HCP before
/// release, or be referred): every flag but violence, the appropriate adult and
/// communication needs, which are not health needs in themselves. Source: HMIP expectations
/// for release and transfer ("see an HCP before release where possible; refer where there are
/// health concerns"), `reference/safety-and-pathways.md`.
pub fn is_health_flag(code: &str) -> bool {
    use super::flag::FlagCode;
    code.parse::<FlagCode>().is_ok_and(|c| {
        !matches!(
            c,
            FlagCode::Violence | FlagCode::AppropriateAdult | FlagCode::Communication
        )
    })
}

/// How far ahead a time-critical dose counts as due during the journey.
pub const DOSE_WINDOW: Duration = Duration::hours(2);

/// The cautions for this person leaving now, most serious first, each one sentence.
pub fn cautions(l: &Leaving, now: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    // A person never assessed or screened leaves with risk nobody here has looked for.
    for owed in &l.outstanding {
        out.push(format!(
            "{}: {} before they leave, or tell the receiving officer it was not done.",
            owed.words(),
            owed.done_by()
        ));
    }
    if let Some(reason) = &l.health_screen_deferred {
        out.push(format!(
            "The health screen was not done (a sergeant recorded why: {}): tell the receiving officer.",
            reason.trim()
        ));
    }
    if l.emergencies.iter().any(Emergency::is_open) {
        out.push(
            "An emergency is open for this person: close it (HCP or ambulance called) before they leave."
                .to_string(),
        );
    }
    // A recent emergency, even closed, is what the receiving side most needs to hear and the
    // most often lost at hand-off (custody-practice.md, "What goes wrong today").
    for e in super::record::emergencies::recent_closed(&l.emergencies, now) {
        if let Some(c) = &e.closure {
            out.push(format!(
                "Emergency at {} ({}) closed {}: {}{} — tell the receiving officer.",
                to_london(e.opened_at),
                first_lower(e.reason.trim()),
                to_london(c.closed_at),
                c.kind.label(),
                if c.note.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", c.note.trim())
                }
            ));
        }
    }
    match &l.fitness {
        Some(f) if !f.fit => out.push(format!(
            "The HCP recorded NOT fit to be transferred or released ({} at {}){}.",
            f.decided_by,
            to_london(f.decided_at),
            if f.conditions.is_empty() {
                String::new()
            } else {
                format!(": {}", f.conditions)
            }
        )),
        Some(f) if !f.conditions.is_empty() => out.push(format!(
            "Fit to be transferred or released, with conditions: {} ({} at {}).",
            f.conditions,
            f.decided_by,
            to_london(f.decided_at)
        )),
        Some(_) => {}
        None => out.push(
            "No HCP decision on fitness to be transferred or released is recorded.".to_string(),
        ),
    }
    for m in l.medicines.iter().filter(|m| m.time_critical) {
        match m.next_due {
            Some(due) if due <= now => out.push(format!(
                "{} (time-critical) was due at {} and is not recorded as given: give it or send it with the person.",
                m.name,
                to_london(due)
            )),
            Some(due) if due <= now + DOSE_WINDOW => out.push(format!(
                "{} (time-critical) is due at {}: give it before leaving or send it with the person.",
                m.name,
                to_london(due)
            )),
            _ => {}
        }
    }
    // HMIP expectations: see an HCP before release where possible; refer where there are
    // health concerns (reference/safety-and-pathways.md, "Pre-release risk assessment").
    if !l.health_flags_unseen.is_empty() {
        out.push(format!(
            "Has health flags ({}) and has not been seen by an HCP: ask for an HCP or make a referral before {}.",
            l.health_flags_unseen.join(", "),
            if l.releasing { "release" } else { "transfer" }
        ));
    }
    if l.releasing {
        for at in &l.appointments {
            out.push(format!(
                "Tell the person about their appointment after release on {}.",
                super::appointment::appointment_time(*at)
            ));
        }
    }
    out
}

/// "Could not be roused" reads "could not be roused" inside a sentence; "NEWS2 8" stays.
fn first_lower(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            a.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::emergency::{Cause, Closure, OutcomeKind};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
    }

    fn fit(fit: bool, conditions: &str) -> Option<FitnessToLeave> {
        Some(FitnessToLeave {
            fit,
            conditions: conditions.into(),
            decided_by: "hcp".into(),
            decided_at: now() - Duration::minutes(30),
        })
    }

    fn leaving() -> Leaving {
        Leaving {
            releasing: false,
            fitness: fit(true, ""),
            emergencies: vec![],
            medicines: vec![],
            appointments: vec![],
            health_flags_unseen: vec![],
            outstanding: vec![],
            health_screen_deferred: None,
        }
    }

    #[test]
    fn a_person_never_assessed_or_screened_leaves_with_a_caution_saying_so() {
        use crate::domain::booking_duties::Outstanding;
        let l = Leaving {
            outstanding: vec![Outstanding::RiskAssessment, Outstanding::HealthScreen],
            ..leaving()
        };
        let c = cautions(&l, Utc::now());
        assert!(
            c[0].starts_with("RISK ASSESSMENT OUTSTANDING: a custody sergeant"),
            "{c:?}"
        );
        assert!(
            c[1].starts_with("HEALTH SCREEN OUTSTANDING: an HCP"),
            "{c:?}"
        );
        let deferred = Leaving {
            health_screen_deferred: Some("asleep, intoxicated".into()),
            ..leaving()
        };
        assert!(cautions(&deferred, Utc::now()).iter().any(|c| c.contains(
            "health screen was not done (a sergeant recorded why: asleep, intoxicated)"
        )));
        assert!(
            !cautions(&leaving(), Utc::now())
                .iter()
                .any(|c| c.contains("OUTSTANDING"))
        );
    }

    #[test]
    fn health_flags_without_an_hcp_give_a_caution_offering_a_referral() {
        let l = Leaving {
            releasing: true,
            health_flags_unseen: vec!["SH".into(), "ALC".into()],
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            [
                "Has health flags (SH, ALC) and has not been seen by an HCP: ask for an HCP or make a referral before release."
            ]
        );
        assert!(is_health_flag("SH") && is_health_flag("ALC") && is_health_flag("NEWS"));
        assert!(!is_health_flag("VIO") && !is_health_flag("AA") && !is_health_flag("COMM"));
        assert!(cautions(&leaving(), now()).is_empty());
    }

    fn emergency(closure: Option<Closure>) -> Emergency {
        Emergency {
            id: 1,
            detention_id: 7,
            cause: Cause::FailedRousing,
            reason: "Could not be roused".into(),
            location: "C4".into(),
            opened_at: at(10, 2),
            opened_by: "officer".into(),
            calls: vec![],
            acknowledgements: vec![],
            closure,
        }
    }

    /// 23 November: London is on GMT.
    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn hospital() -> Option<Closure> {
        Some(Closure {
            kind: OutcomeKind::TakenToHospital,
            outcome_at: at(10, 40),
            note: String::new(),
            closed_by: "sergeant".into(),
            closed_at: at(10, 45),
        })
    }

    #[test]
    fn a_recent_closed_emergency_is_said_with_its_outcome_and_an_old_one_is_not() {
        let l = Leaving {
            emergencies: vec![emergency(hospital())],
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            [
                "Emergency at 10:02 (could not be roused) closed 10:45: taken to hospital — tell the receiving officer."
            ]
        );
        // The next day, 24 hours after it opened, it is history, not a caution.
        assert!(cautions(&l, at(10, 3) + Duration::hours(24)).is_empty());
        // Open and closed together: the open one first, then the closed one with its words.
        let mut closed = emergency(Some(Closure {
            kind: OutcomeKind::Other,
            note: "seen by the mental health nurse".into(),
            ..hospital().unwrap()
        }));
        closed.reason = "NEWS2 7 at 09:50: emergency response".into();
        let l = Leaving {
            emergencies: vec![closed, emergency(None)],
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            [
                "An emergency is open for this person: close it (HCP or ambulance called) before they leave.",
                "Emergency at 10:02 (NEWS2 7 at 09:50: emergency response) closed 10:45: other: seen by the mental health nurse — tell the receiving officer.",
            ]
        );
    }

    #[test]
    fn nothing_to_say_when_fit_with_nothing_due() {
        assert!(cautions(&leaving(), now()).is_empty());
    }

    #[test]
    fn not_fit_no_decision_and_an_open_emergency_are_said() {
        let l = Leaving {
            emergencies: vec![emergency(None)],
            fitness: fit(false, "awaiting hospital assessment"),
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            [
                "An emergency is open for this person: close it (HCP or ambulance called) before they leave.",
                "The HCP recorded NOT fit to be transferred or released (hcp at 13:30): awaiting hospital assessment.",
            ]
        );
        let l = Leaving {
            fitness: None,
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            ["No HCP decision on fitness to be transferred or released is recorded."]
        );
    }

    #[test]
    fn time_critical_doses_overdue_or_due_on_the_journey_are_said_and_others_are_not() {
        let med = |name: &str, minutes: i64, critical: bool| MedicineDue {
            name: name.into(),
            next_due: Some(now() + Duration::minutes(minutes)),
            time_critical: critical,
        };
        let l = Leaving {
            medicines: vec![
                med("Levetiracetam 500 mg", -10, true),
                med("Insulin glargine 20 units", 90, true),
                med("Co-careldopa 25/100", 180, true),
                med("Paracetamol 1 g", -60, false),
            ],
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            [
                "Levetiracetam 500 mg (time-critical) was due at 13:50 and is not recorded as given: give it or send it with the person.",
                "Insulin glargine 20 units (time-critical) is due at 15:30: give it before leaving or send it with the person.",
            ]
        );
    }

    #[test]
    fn appointments_are_named_on_release_only() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
        let l = Leaving {
            releasing: true,
            appointments: vec![at],
            ..leaving()
        };
        assert_eq!(
            cautions(&l, now()),
            ["Tell the person about their appointment after release on Thu 26 Nov 2026 10:00."]
        );
        let l = Leaving {
            releasing: false,
            ..l
        };
        assert!(cautions(&l, now()).is_empty());
    }
}
