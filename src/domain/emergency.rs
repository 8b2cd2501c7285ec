//! A medical emergency as a record of its own: raised (a failed rousing, a score rule, or anyone
//! by hand), acknowledged on each terminal, responded to (who was called, when), and closed only
//! by a custody sergeant or an HCP with a structured outcome and its time. Closing one makes a
//! care-plan review due.
//!
//! Sources: DESIGN.md, "Data rules" (the emergency's lifecycle); `reference/custody-practice.md`,
//! "Observation levels (APP) and checks (Code C 9.3, Annex H)" (a detainee who cannot be roused
//! or fails any rousing question needs medical attention at once: call an HCP or an ambulance)
//! and "What goes wrong today" (the outcome of an emergency was not carried to the next hands);
//! RCP NEWS2 (2017), a score of 7 or more: emergency response.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::role::Role;

/// What raised the emergency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// A cell check: could not be roused, or a "no" to an Annex H question.
    FailedRousing,
    /// A score rule marked `emergency` (NEWS2 7 or more).
    ScoreRule,
    /// Someone raised it by hand from the board or a record.
    RaisedByHand,
}

impl Cause {
    pub const ALL: [Cause; 3] = [Cause::FailedRousing, Cause::ScoreRule, Cause::RaisedByHand];

    /// The stable name stored in the database and in `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::FailedRousing => "failed_rousing",
            Cause::ScoreRule => "score_rule",
            Cause::RaisedByHand => "raised_by_hand",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Cause::FailedRousing => "failed rousing check",
            Cause::ScoreRule => "score rule",
            Cause::RaisedByHand => "raised by hand",
        }
    }

    pub fn parse(s: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Who was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// 999 / an ambulance.
    Ambulance,
    /// The suite's healthcare practitioner.
    Hcp,
    /// Recorded before the kind was asked (an older database): "HCP or ambulance".
    Unrecorded,
}

impl CallKind {
    /// The kinds a person can choose now.
    pub const CHOOSABLE: [CallKind; 2] = [CallKind::Ambulance, CallKind::Hcp];

    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Ambulance => "ambulance",
            CallKind::Hcp => "hcp",
            CallKind::Unrecorded => "unrecorded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CallKind::Ambulance => "999 / ambulance",
            CallKind::Hcp => "HCP",
            CallKind::Unrecorded => "HCP or ambulance",
        }
    }

    pub fn parse(s: &str) -> Option<CallKind> {
        [CallKind::Ambulance, CallKind::Hcp, CallKind::Unrecorded]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// How the emergency ended: the structured outcome a sergeant or HCP records when closing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Roused and responsive when checked again.
    RousedOnRecheck,
    HcpAttended,
    AmbulanceAttended,
    TakenToHospital,
    Died,
    /// Anything else, said in words.
    Other,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 6] = [
        OutcomeKind::RousedOnRecheck,
        OutcomeKind::HcpAttended,
        OutcomeKind::AmbulanceAttended,
        OutcomeKind::TakenToHospital,
        OutcomeKind::Died,
        OutcomeKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::RousedOnRecheck => "roused_on_recheck",
            OutcomeKind::HcpAttended => "hcp_attended",
            OutcomeKind::AmbulanceAttended => "ambulance_attended",
            OutcomeKind::TakenToHospital => "taken_to_hospital",
            OutcomeKind::Died => "died",
            OutcomeKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OutcomeKind::RousedOnRecheck => "roused and responsive on re-check",
            OutcomeKind::HcpAttended => "HCP attended",
            OutcomeKind::AmbulanceAttended => "ambulance attended",
            OutcomeKind::TakenToHospital => "taken to hospital",
            OutcomeKind::Died => "died",
            OutcomeKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<OutcomeKind> {
        OutcomeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A call made in response: who was called, by whom, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    pub kind: CallKind,
    /// Who made the call, as recorded (a name, free text).
    pub called_by: String,
    pub called_at: DateTime<Utc>,
    /// The account that recorded it.
    pub recorded_by: String,
}

/// The outcome recorded when the emergency was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub kind: OutcomeKind,
    /// When the outcome happened (e.g. when the ambulance arrived).
    pub outcome_at: DateTime<Utc>,
    /// Words: required for `Other`, optional otherwise.
    pub note: String,
    pub closed_by: String,
    pub closed_at: DateTime<Utc>,
}

impl Closure {
    /// "taken to hospital 14:40: conveyed to LGI" (UK local time).
    pub fn summary(&self) -> String {
        let at = crate::domain::observation::to_london(self.outcome_at);
        if self.note.is_empty() {
            format!("{} {at}", self.kind.label())
        } else {
            format!("{} {at}: {}", self.kind.label(), self.note)
        }
    }
}

/// One acknowledgement on one terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub terminal: String,
    pub username: String,
    pub at: DateTime<Utc>,
}

/// One emergency with its whole lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Emergency {
    pub id: i64,
    pub detention_id: i64,
    pub cause: Cause,
    /// What was seen: "Could not be roused", "NEWS2 8 at 14:20: emergency response…", or the
    /// words of whoever raised it by hand.
    pub reason: String,
    /// Where: the cell at the time (or where the person was found).
    pub location: String,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
    pub calls: Vec<Call>,
    pub acknowledgements: Vec<Acknowledgement>,
    pub closure: Option<Closure>,
}

/// How long after opening an emergency is "recent": a handover caution.
pub const RECENT: Duration = Duration::hours(24);

impl Emergency {
    pub fn is_open(&self) -> bool {
        self.closure.is_none()
    }

    /// Open, or opened within [`RECENT`] of `now`: the receiving side must be told.
    pub fn is_recent(&self, now: DateTime<Utc>) -> bool {
        self.is_open() || now - self.opened_at <= RECENT
    }

    /// The timeline, oldest first: opened, each call, the outcome and the closing.
    pub fn timeline(&self) -> Vec<(DateTime<Utc>, String)> {
        let mut out = vec![(
            self.opened_at,
            format!(
                "opened by {} ({}): {}",
                self.opened_by,
                self.cause.label(),
                self.reason
            ),
        )];
        for c in &self.calls {
            out.push((
                c.called_at,
                format!("{} called by {}", c.kind.label(), c.called_by),
            ));
        }
        if let Some(c) = &self.closure {
            let note = if c.note.is_empty() {
                String::new()
            } else {
                format!(": {}", c.note)
            };
            out.push((c.outcome_at, format!("{}{note}", capital(c.kind.label()))));
            out.push((c.closed_at, format!("closed by {}", c.closed_by)));
        }
        // Calls and outcomes are typed to the minute and the opening is saved to the second:
        // ordered by minute, a stable sort keeps opened, calls, outcome, closed within one.
        out.sort_by_key(|(at, _)| at.timestamp().div_euclid(60));
        out
    }

    /// One line: "Emergency 14:02 C4 (failed rousing check): Could not be roused; 999 / ambulance
    /// called 14:03; closed: taken to hospital 14:40".
    pub fn one_line(&self) -> String {
        use crate::domain::observation::to_london;
        let mut s = format!(
            "Emergency {}{} ({}): {}",
            to_london(self.opened_at),
            if self.location.is_empty() {
                String::new()
            } else {
                format!(" {}", self.location)
            },
            self.cause.label(),
            self.reason
        );
        for c in &self.calls {
            s.push_str(&format!(
                "; {} called {}",
                c.kind.label(),
                to_london(c.called_at)
            ));
        }
        match &self.closure {
            Some(c) => s.push_str(&format!("; closed: {}", c.summary())),
            None => s.push_str("; STILL OPEN"),
        }
        s
    }
}

fn capital(s: &str) -> String {
    crate::domain::text::capitalise(s)
}

/// Whether a role may close an emergency (DESIGN.md: only a sergeant or an HCP).
pub fn may_close(role: Role) -> bool {
    crate::domain::authority::permits(role, crate::domain::authority::Duty::CloseEmergency)
}

/// What closing asks for, checked before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseDraft {
    pub kind: OutcomeKind,
    pub outcome_at: DateTime<Utc>,
    pub note: String,
}

/// Why a close or a call cannot be recorded, as a sentence fragment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmergencyError {
    #[error("only a custody sergeant or an HCP can close an emergency")]
    NotAllowedToClose,
    #[error("say in words what happened (the outcome is \"other\")")]
    OtherNeedsWords,
    #[error("the outcome's time is before the emergency opened")]
    OutcomeBeforeOpening,
    #[error("the outcome's time is in the future")]
    OutcomeInFuture,
    #[error("say who made the call")]
    CallNeedsWho,
    #[error("the call's time is before the emergency opened")]
    CallBeforeOpening,
    #[error("the call's time is in the future")]
    CallInFuture,
    #[error("say what was seen (at least a few words)")]
    RaiseNeedsWhatWasSeen,
}

/// Checks a closing against the emergency and who is closing it.
pub fn validate_close(
    e: &Emergency,
    role: Role,
    d: &CloseDraft,
    now: DateTime<Utc>,
) -> Result<(), EmergencyError> {
    if !may_close(role) {
        return Err(EmergencyError::NotAllowedToClose);
    }
    if d.kind == OutcomeKind::Other && d.note.trim().is_empty() {
        return Err(EmergencyError::OtherNeedsWords);
    }
    // Minutes are what people type; a time in the same minute as opening is fine.
    if d.outcome_at + Duration::minutes(1) <= e.opened_at {
        return Err(EmergencyError::OutcomeBeforeOpening);
    }
    if d.outcome_at > now + Duration::minutes(1) {
        return Err(EmergencyError::OutcomeInFuture);
    }
    Ok(())
}

/// Checks a call before it is recorded.
pub fn validate_call(
    e: &Emergency,
    called_by: &str,
    called_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), EmergencyError> {
    if called_by.trim().is_empty() {
        return Err(EmergencyError::CallNeedsWho);
    }
    if called_at + Duration::minutes(1) <= e.opened_at {
        return Err(EmergencyError::CallBeforeOpening);
    }
    if called_at > now + Duration::minutes(1) {
        return Err(EmergencyError::CallInFuture);
    }
    Ok(())
}

/// Checks what someone raising an emergency by hand says they saw.
pub fn validate_raise(seen: &str) -> Result<(), EmergencyError> {
    if seen.trim().chars().count() < 3 {
        return Err(EmergencyError::RaiseNeedsWhatWasSeen);
    }
    Ok(())
}

/// A time typed as `HH:MM` (London wall clock), taken as the latest such moment not after
/// `now` (plus a minute of grace): "23:58" typed at 00:03 is yesterday's. `None` when it is not
/// a time.
pub fn clock_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use chrono::{NaiveTime, TimeZone};
    use chrono_tz::Europe::London;
    let time = NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()?;
    let today = now.with_timezone(&London).date_naive();
    [today, today.pred_opt()?]
        .into_iter()
        .filter_map(|day| {
            London
                .from_local_datetime(&day.and_time(time))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
        .find(|t| *t <= now + Duration::minutes(1))
}

/// What a locked terminal may show of an open emergency: where and since when, nothing
/// clinical and no name (DESIGN.md, security model). Also what the alarm file beside the
/// database holds, so a terminal without the key can show it and ring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Alarm {
    pub id: i64,
    /// The person's cell, empty when none was allocated.
    pub cell: String,
    /// Where it was raised when that was not the cell ("exercise yard"), else empty.
    #[serde(default)]
    pub location: String,
    pub opened_at: DateTime<Utc>,
}

impl Alarm {
    /// The alarm for `e`, whose person is in `cell`.
    pub fn new(e: &Emergency, cell: &str) -> Alarm {
        let elsewhere =
            !e.location.trim().is_empty() && !e.location.trim().eq_ignore_ascii_case(cell.trim());
        Alarm {
            id: e.id,
            cell: cell.to_string(),
            location: if elsewhere {
                e.location.clone()
            } else {
                String::new()
            },
            opened_at: e.opened_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 10, h, m, 0).unwrap()
    }

    fn open() -> Emergency {
        Emergency {
            id: 1,
            detention_id: 7,
            cause: Cause::FailedRousing,
            reason: "Could not be roused".into(),
            location: "C4".into(),
            opened_at: t(14, 2),
            opened_by: "officer".into(),
            calls: vec![],
            acknowledgements: vec![],
            closure: None,
        }
    }

    fn draft(kind: OutcomeKind, at: DateTime<Utc>, note: &str) -> CloseDraft {
        CloseDraft {
            kind,
            outcome_at: at,
            note: note.into(),
        }
    }

    #[test]
    fn a_typed_time_is_the_latest_one_not_after_now() {
        // 10 January: GMT, so London and UTC agree.
        assert_eq!(clock_time("14:05", t(14, 10)), Some(t(14, 5)));
        assert_eq!(
            clock_time(" 14:11 ", t(14, 10)),
            Some(t(14, 11)),
            "a minute's grace"
        );
        assert_eq!(
            clock_time("23:58", t(0, 3)),
            Some(t(23, 58) - Duration::days(1))
        );
        for bad in ["", "25:00", "14", "2pm", "14:60"] {
            assert_eq!(clock_time(bad, t(14, 10)), None, "{bad}");
        }
    }

    #[test]
    fn only_a_sergeant_or_an_hcp_closes() {
        let d = draft(OutcomeKind::RousedOnRecheck, t(14, 5), "");
        for role in Role::ALL {
            let r = validate_close(&open(), role, &d, t(14, 10));
            assert_eq!(
                r.is_ok(),
                matches!(role, Role::Sergeant | Role::Hcp),
                "{role}"
            );
        }
        assert_eq!(
            validate_close(&open(), Role::DetentionOfficer, &d, t(14, 10)),
            Err(EmergencyError::NotAllowedToClose)
        );
    }

    #[test]
    fn other_needs_words_and_times_must_fit() {
        let e = open();
        let now = t(15, 0);
        assert_eq!(
            validate_close(
                &e,
                Role::Sergeant,
                &draft(OutcomeKind::Other, t(14, 30), " "),
                now
            ),
            Err(EmergencyError::OtherNeedsWords)
        );
        assert!(
            validate_close(
                &e,
                Role::Sergeant,
                &draft(
                    OutcomeKind::Other,
                    t(14, 30),
                    "released to a mental health nurse"
                ),
                now
            )
            .is_ok()
        );
        assert_eq!(
            validate_close(
                &e,
                Role::Hcp,
                &draft(OutcomeKind::HcpAttended, t(13, 0), ""),
                now
            ),
            Err(EmergencyError::OutcomeBeforeOpening)
        );
        assert_eq!(
            validate_close(
                &e,
                Role::Hcp,
                &draft(OutcomeKind::HcpAttended, t(16, 0), ""),
                now
            ),
            Err(EmergencyError::OutcomeInFuture)
        );
        assert_eq!(
            validate_call(&e, "", t(14, 3), now),
            Err(EmergencyError::CallNeedsWho)
        );
        assert!(validate_call(&e, "DO Walsh", t(14, 3), now).is_ok());
        assert_eq!(
            validate_raise("x"),
            Err(EmergencyError::RaiseNeedsWhatWasSeen)
        );
    }

    #[test]
    fn within_one_minute_the_opening_comes_first_though_typed_times_have_no_seconds() {
        let mut e = open();
        e.opened_at = t(14, 2) + Duration::seconds(40);
        e.calls.push(Call {
            kind: CallKind::Hcp,
            called_by: "DO Walsh".into(),
            called_at: t(14, 2),
            recorded_by: "officer".into(),
        });
        e.closure = Some(Closure {
            kind: OutcomeKind::RousedOnRecheck,
            outcome_at: t(14, 2),
            note: String::new(),
            closed_by: "hcp".into(),
            closed_at: t(14, 2) + Duration::seconds(59),
        });
        let steps: Vec<String> = e.timeline().into_iter().map(|(_, s)| s).collect();
        assert!(steps[0].starts_with("opened"), "{steps:?}");
        assert!(steps[1].starts_with("HCP called"), "{steps:?}");
        assert!(steps[2].starts_with("Roused"), "{steps:?}");
        assert!(steps[3].starts_with("closed"), "{steps:?}");
    }

    #[test]
    fn timeline_and_one_line_carry_calls_and_outcome() {
        let mut e = open();
        e.calls.push(Call {
            kind: CallKind::Ambulance,
            called_by: "Sgt Okafor".into(),
            called_at: t(14, 3),
            recorded_by: "sergeant".into(),
        });
        assert!(e.one_line().ends_with("STILL OPEN"), "{}", e.one_line());
        e.closure = Some(Closure {
            kind: OutcomeKind::TakenToHospital,
            outcome_at: t(14, 40),
            note: "conveyed to LGI".into(),
            closed_by: "sergeant".into(),
            closed_at: t(14, 45),
        });
        let line = e.one_line();
        assert!(line.contains("C4"), "{line}");
        assert!(line.contains("999 / ambulance called"), "{line}");
        assert!(
            line.ends_with("closed: taken to hospital 14:40: conveyed to LGI"),
            "{line}"
        );
        let timeline: Vec<String> = e.timeline().into_iter().map(|(_, s)| s).collect();
        assert_eq!(timeline.len(), 4);
        assert!(timeline[0].starts_with("opened by officer"), "{timeline:?}");
        assert_eq!(timeline[2], "Taken to hospital: conveyed to LGI");
        assert!(e.is_recent(t(20, 0)));
        assert!(!e.is_recent(t(14, 2) + Duration::hours(25)));
    }
}
