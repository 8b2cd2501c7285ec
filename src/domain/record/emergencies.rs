//! How the record and everything built from it (the record screen, `sonar record`, the escort
//! summary, the handover bundle's narrative and the cautions) word a detention's emergencies,
//! so each of them says the same thing. An emergency is risk-to-life, operational information:
//! every role sees all of it, including the words of a score rule's reason.
//!
//! Source: `reference/custody-practice.md`, "What goes wrong today" (the outcome of an
//! emergency was not carried to the next hands).

use chrono::{DateTime, Utc};

use crate::domain::emergency::Emergency;
use crate::domain::observation::{to_london, to_london_with_day};

/// " C4", or nothing when no place was recorded.
fn at_place(e: &Emergency) -> String {
    if e.location.trim().is_empty() {
        String::new()
    } else {
        format!(" {}", e.location.trim())
    }
}

/// The headline of one emergency: "EMERGENCY OPEN since 14:02 C4: Could not be roused" while
/// open; "Emergency 10 Jan 14:02 C4 (failed rousing check): Could not be roused; closed 14:45
/// by sergeant: taken to hospital 14:40: conveyed to LGI" once closed.
pub fn headline(e: &Emergency) -> String {
    match &e.closure {
        None => format!(
            "EMERGENCY OPEN since {}{}: {}",
            to_london(e.opened_at),
            at_place(e),
            e.reason
        ),
        Some(c) => format!(
            "Emergency {}{} ({}): {}; closed {} by {}: {}",
            to_london_with_day(e.opened_at),
            at_place(e),
            e.cause.label(),
            e.reason,
            to_london(c.closed_at),
            c.closed_by,
            c.summary()
        ),
    }
}

/// The timeline, one line each, oldest first: "14:02 opened by officer (failed rousing check):
/// Could not be roused", "14:03 999 / ambulance called by Sgt Okafor", "14:40 Taken to
/// hospital: conveyed to LGI", "14:45 closed by sergeant".
pub fn timeline_lines(e: &Emergency) -> Vec<String> {
    e.timeline()
        .into_iter()
        .map(|(at, what)| format!("{} {what}", to_london(at)))
        .collect()
}

/// One paragraph for print, where lines are scarce (the escort summary): "Emergency 10 Jan
/// 14:02 C4, opened by officer (failed rousing check): Could not be roused. Then: 14:03 999 /
/// ambulance called by Sgt Okafor; 14:40 Taken to hospital: conveyed to LGI; 14:45 closed by
/// sergeant." An open one starts "EMERGENCY OPEN since 14:02 C4".
pub fn paragraph(e: &Emergency) -> String {
    let mut s = if e.is_open() {
        format!(
            "EMERGENCY OPEN since {}{}",
            to_london(e.opened_at),
            at_place(e)
        )
    } else {
        format!(
            "Emergency {}{}",
            to_london_with_day(e.opened_at),
            at_place(e)
        )
    };
    s.push_str(&format!(
        ", opened by {} ({}): {}",
        e.opened_by,
        e.cause.label(),
        e.reason.trim().trim_end_matches('.')
    ));
    // The timeline's first step is the opening, said above.
    let rest: Vec<String> = timeline_lines(e).into_iter().skip(1).collect();
    if rest.is_empty() {
        s.push('.');
    } else {
        s.push_str(&format!(". Then: {}.", rest.join("; ")));
    }
    s
}

/// Closed emergencies opened within [`crate::domain::emergency::RECENT`] of `now`, oldest first:
/// the receiving side must be told of them.
pub fn recent_closed(emergencies: &[Emergency], now: DateTime<Utc>) -> Vec<&Emergency> {
    emergencies
        .iter()
        .filter(|e| !e.is_open() && e.is_recent(now))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::emergency::{Call, CallKind, Cause, Closure, OutcomeKind};
    use chrono::{Duration, TimeZone};

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        // January: London is on GMT, so the clock reads as UTC.
        Utc.with_ymd_and_hms(2026, 1, 10, h, m, 0).unwrap()
    }

    fn emergency() -> Emergency {
        Emergency {
            id: 1,
            detention_id: 7,
            cause: Cause::FailedRousing,
            reason: "Could not be roused".into(),
            location: "C4".into(),
            opened_at: t(14, 2),
            opened_by: "officer".into(),
            calls: vec![Call {
                kind: CallKind::Ambulance,
                called_by: "Sgt Okafor".into(),
                called_at: t(14, 3),
                recorded_by: "sergeant".into(),
            }],
            acknowledgements: vec![],
            closure: None,
        }
    }

    #[test]
    fn an_open_emergency_says_so_first_and_a_closed_one_says_how_it_ended() {
        let mut e = emergency();
        assert_eq!(
            headline(&e),
            "EMERGENCY OPEN since 14:02 C4: Could not be roused"
        );
        assert_eq!(
            paragraph(&e),
            "EMERGENCY OPEN since 14:02 C4, opened by officer (failed rousing check): Could not be roused. Then: 14:03 999 / ambulance called by Sgt Okafor."
        );
        e.closure = Some(Closure {
            kind: OutcomeKind::TakenToHospital,
            outcome_at: t(14, 40),
            note: "conveyed to LGI".into(),
            closed_by: "sergeant".into(),
            closed_at: t(14, 45),
        });
        assert_eq!(
            headline(&e),
            "Emergency 10 Jan 14:02 C4 (failed rousing check): Could not be roused; closed 14:45 by sergeant: taken to hospital 14:40: conveyed to LGI"
        );
        assert_eq!(
            timeline_lines(&e),
            [
                "14:02 opened by officer (failed rousing check): Could not be roused",
                "14:03 999 / ambulance called by Sgt Okafor",
                "14:40 Taken to hospital: conveyed to LGI",
                "14:45 closed by sergeant",
            ]
        );
        assert_eq!(
            paragraph(&e),
            "Emergency 10 Jan 14:02 C4, opened by officer (failed rousing check): Could not be roused. Then: 14:03 999 / ambulance called by Sgt Okafor; 14:40 Taken to hospital: conveyed to LGI; 14:45 closed by sergeant."
        );
        assert_eq!(recent_closed(std::slice::from_ref(&e), t(20, 0)).len(), 1);
        assert!(recent_closed(&[e], t(14, 2) + Duration::hours(25)).is_empty());
    }
}
