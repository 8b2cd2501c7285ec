//! An appropriate adult and an interpreter: whether the person needs one and why, when one was
//! asked for, when they arrived and when they left, and who recorded each step. Each step is
//! stored as its own row (schema 0014, append-only); this module folds the rows into what the
//! board, the record, `sonar list`, the escort summary and the bundle show, and decides whether
//! a new step can be recorded, so the store and every screen read one set of rules.
//!
//! Sources (PACE 1984 Code C; `reference/custody-practice.md`, "PACE clocks" and "What goes
//! wrong today"):
//! - 1.4: anyone an officer suspects may be vulnerable is treated as vulnerable; 1.13(d) says
//!   what vulnerable means;
//! - 1.5: anyone who appears to be under 18 is treated as a juvenile;
//! - 1.7: who may act as the appropriate adult;
//! - 3.15: for a juvenile or a vulnerable person the custody officer must, as soon as
//!   practicable, tell the appropriate adult and ask them to come to the station;
//! - 3.12 and section 13: an interpreter for a person who does not speak or understand English
//!   (13.2), or who is deaf or has difficulty speaking (13.5);
//! - screening misses over half of those needing an appropriate adult (HELP-PC), and HMICFRS
//!   expects request to arrival to be known: so the need, the request and the arrival are each
//!   recorded, and a wait shows on the board until the person arrives.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::board_legend::BoardMark;
use crate::domain::observation::{format_elapsed, to_london};
use crate::domain::role::Role;

/// The longest reason or language kept: a few words, read on the board's record and the
/// escort summary.
pub const MAX_DETAIL_CHARS: usize = 200;

/// Who the person needs to be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    AppropriateAdult,
    Interpreter,
}

impl SupportKind {
    pub const ALL: [SupportKind; 2] = [SupportKind::AppropriateAdult, SupportKind::Interpreter];

    /// The stable name stored in the database and used in `sonar list --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportKind::AppropriateAdult => "appropriate_adult",
            SupportKind::Interpreter => "interpreter",
        }
    }

    pub fn parse(s: &str) -> Option<SupportKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// `Appropriate adult`, `Interpreter`.
    pub fn label(self) -> &'static str {
        match self {
            SupportKind::AppropriateAdult => "Appropriate adult",
            SupportKind::Interpreter => "Interpreter",
        }
    }

    /// `an appropriate adult`, `an interpreter`: for sentences.
    pub fn with_article(self) -> &'static str {
        match self {
            SupportKind::AppropriateAdult => "an appropriate adult",
            SupportKind::Interpreter => "an interpreter",
        }
    }

    /// `the appropriate adult`, `the interpreter`.
    pub fn the(self) -> &'static str {
        match self {
            SupportKind::AppropriateAdult => "the appropriate adult",
            SupportKind::Interpreter => "the interpreter",
        }
    }

    /// The two grounds for this kind, in the order the dialog offers them.
    pub fn needs(self) -> [Need; 2] {
        match self {
            SupportKind::AppropriateAdult => [Need::Under18, Need::VulnerableAdult],
            SupportKind::Interpreter => [Need::Language, Need::Deaf],
        }
    }

    /// The board mark while one is awaited (`AA WAIT 45m`, `INTERP WAIT 20m`).
    pub fn wait_mark(self) -> BoardMark {
        match self {
            SupportKind::AppropriateAdult => BoardMark::AppropriateAdultWait,
            SupportKind::Interpreter => BoardMark::InterpreterWait,
        }
    }
}

/// Why the person needs an appropriate adult or an interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Under 18, or appears to be (Code C 1.5).
    Under18,
    /// A vulnerable adult (Code C 1.4, 1.13(d)): the reason is required.
    VulnerableAdult,
    /// Does not speak or understand English (Code C 13.2): the language is required.
    Language,
    /// Deaf or has difficulty speaking (Code C 13.5): how, e.g. British Sign Language.
    Deaf,
}

impl Need {
    pub const ALL: [Need; 4] = [
        Need::Under18,
        Need::VulnerableAdult,
        Need::Language,
        Need::Deaf,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Need::Under18 => "under_18",
            Need::VulnerableAdult => "vulnerable_adult",
            Need::Language => "language",
            Need::Deaf => "deaf",
        }
    }

    pub fn parse(s: &str) -> Option<Need> {
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }

    pub fn kind(self) -> SupportKind {
        match self {
            Need::Under18 | Need::VulnerableAdult => SupportKind::AppropriateAdult,
            Need::Language | Need::Deaf => SupportKind::Interpreter,
        }
    }

    /// The choice as the dialog offers it, with its Code C paragraph.
    pub fn choice(self) -> &'static str {
        match self {
            Need::Under18 => "Needed: under 18, or appears to be (Code C 1.5)",
            Need::VulnerableAdult => "Needed: a vulnerable adult, say why (Code C 1.4)",
            Need::Language => "Needed: does not speak English, say which language (Code C 13.2)",
            Need::Deaf => "Needed: deaf or speech difficulty, say how, e.g. BSL (Code C 13.5)",
        }
    }

    /// The label of the words typed with this need.
    pub fn detail_label(self) -> &'static str {
        match self {
            Need::Under18 => "Note",
            Need::VulnerableAdult => "Why",
            Need::Language => "Language",
            Need::Deaf => "How",
        }
    }

    /// Whether the need is incomplete without words: everything but age says what.
    pub fn detail_required(self) -> bool {
        !matches!(self, Need::Under18)
    }

    /// The need in a few words: `under 18`, `vulnerable adult (learning disability)`, `Polish`,
    /// `deaf or speech difficulty (British Sign Language)`.
    pub fn phrase(self, detail: &str) -> String {
        let detail = detail.trim();
        let head = match self {
            Need::Under18 => "under 18",
            Need::VulnerableAdult => "vulnerable adult",
            Need::Language => return detail.to_string(),
            Need::Deaf => "deaf or speech difficulty",
        };
        if detail.is_empty() {
            head.to_string()
        } else {
            format!("{head} ({detail})")
        }
    }
}

/// The steps that can be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Needed,
    Requested,
    Arrived,
    Left,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Needed, Step::Requested, Step::Arrived, Step::Left];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Needed => "needed",
            Step::Requested => "requested",
            Step::Arrived => "arrived",
            Step::Left => "left",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// The choice as the dialog offers it.
    pub fn choice(self, kind: SupportKind) -> String {
        match self {
            Step::Needed => "Needed".into(),
            Step::Requested => format!("Requested: {} was called", kind.the()),
            Step::Arrived => "Arrived at the suite".into(),
            Step::Left => "Left the suite".into(),
        }
    }
}

/// When a step happened and who recorded it (a username).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// One attendance: asked for (unless they came unasked), arrived, left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub requested: Option<Stamp>,
    pub arrived: Option<Stamp>,
    pub left: Option<Stamp>,
}

/// Where a need stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Needed, and nobody has been asked to come yet (Code C 3.15: as soon as practicable).
    NotRequested,
    /// Asked for, not yet here: the person waits.
    Requested { since: DateTime<Utc> },
    /// Here since `at`.
    Arrived { at: DateTime<Utc> },
    /// Came and went (they may be asked again, e.g. for charge).
    Left { at: DateTime<Utc> },
}

impl Status {
    /// The stable name in `sonar list --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotRequested => "needed_not_requested",
            Status::Requested { .. } => "requested",
            Status::Arrived { .. } => "arrived",
            Status::Left { .. } => "left",
        }
    }
}

/// What is known of one kind of support for one detention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportNeed {
    pub kind: SupportKind,
    pub need: Need,
    /// The reason (appropriate adult) or the language or how (interpreter); may be empty for
    /// under 18.
    pub detail: String,
    pub needed: Stamp,
    /// Oldest first; the last is the current one.
    pub visits: Vec<Visit>,
}

impl SupportNeed {
    /// The attendance now: the last one, if anyone has been asked or has come.
    pub fn current(&self) -> Option<&Visit> {
        self.visits.last()
    }

    pub fn status(&self) -> Status {
        match self.current() {
            None => Status::NotRequested,
            Some(Visit {
                left: Some(left), ..
            }) => Status::Left { at: left.at },
            Some(Visit {
                arrived: Some(arrived),
                ..
            }) => Status::Arrived { at: arrived.at },
            Some(Visit {
                requested: Some(requested),
                ..
            }) => Status::Requested {
                since: requested.at,
            },
            Some(_) => Status::NotRequested,
        }
    }

    /// How long the person has waited at `now`, while one is asked for and not yet here.
    pub fn waited(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        match self.status() {
            Status::Requested { since } => Some((now - since).max(TimeDelta::zero())),
            _ => None,
        }
    }

    /// Request to arrival of the current attendance, once they have arrived.
    pub fn request_to_arrival(&self) -> Option<TimeDelta> {
        let v = self.current()?;
        let (requested, arrived) = (v.requested.as_ref()?, v.arrived.as_ref()?);
        Some((arrived.at - requested.at).max(TimeDelta::zero()))
    }

    /// The board's mark while awaited: `AA WAIT 45m`, `INTERP WAIT 1h05m`, counting up.
    pub fn board_wait(&self, now: DateTime<Utc>) -> Option<String> {
        self.waited(now)
            .map(|w| format!("{} {}", self.kind.wait_mark().text(), format_elapsed(w)))
    }

    /// The need in a few words: `under 18`, `Polish`.
    pub fn phrase(&self) -> String {
        self.need.phrase(&self.detail)
    }

    /// The record's line: `needed 13:10 by sergeant: under 18; requested 13:15 by officer;
    /// waiting 45m`, `... arrived 14:00 by officer (45m after the request)`, `... left 15:30
    /// by officer`.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        let mut text = format!(
            "needed {} by {}: {}",
            to_london(self.needed.at),
            self.needed.by,
            self.phrase()
        );
        let earlier = self.visits.len().saturating_sub(1);
        if earlier > 0 {
            text.push_str(&format!(
                "; came {earlier} time{} before",
                if earlier == 1 { "" } else { "s" }
            ));
        }
        let Some(v) = self.current() else {
            text.push_str(&format!(
                "; NOT YET REQUESTED: ask {} to come (Code C 3.15)",
                self.kind.the()
            ));
            return text;
        };
        if let Some(r) = &v.requested {
            text.push_str(&format!("; requested {} by {}", to_london(r.at), r.by));
        }
        match (&v.arrived, &v.left) {
            (None, _) => {
                let waited = self.waited(now).unwrap_or_default();
                text.push_str(&format!("; waiting {}", format_elapsed(waited)));
            }
            (Some(a), left) => {
                text.push_str(&format!("; arrived {} by {}", to_london(a.at), a.by));
                if let Some(d) = self.request_to_arrival() {
                    text.push_str(&format!(" ({} after the request)", format_elapsed(d)));
                }
                if let Some(l) = left {
                    text.push_str(&format!("; left {} by {}", to_london(l.at), l.by));
                }
            }
        }
        text
    }

    /// The object `sonar list --json` and `sonar record --json` carry.
    pub fn json(&self, now: DateTime<Utc>) -> SupportJson {
        let time = |s: Option<&Stamp>| s.map(|s| rfc3339(s.at));
        let by = |s: Option<&Stamp>| s.map(|s| s.by.clone());
        let v = self.current();
        let detail = (!self.detail.trim().is_empty()).then(|| self.detail.trim().to_string());
        let (reason, language) = match self.kind {
            SupportKind::AppropriateAdult => (Some(self.phrase()), None),
            SupportKind::Interpreter => (None, detail),
        };
        SupportJson {
            need: self.need.as_str(),
            reason,
            language,
            needed_at: rfc3339(self.needed.at),
            needed_by: self.needed.by.clone(),
            requested_at: time(v.and_then(|v| v.requested.as_ref())),
            requested_by: by(v.and_then(|v| v.requested.as_ref())),
            arrived_at: time(v.and_then(|v| v.arrived.as_ref())),
            arrived_by: by(v.and_then(|v| v.arrived.as_ref())),
            left_at: time(v.and_then(|v| v.left.as_ref())),
            status: self.status().as_str(),
            waited_minutes: self.waited(now).map(|w| w.num_minutes()),
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One need as scripts read it: times UTC (RFC 3339), who recorded each step (usernames).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportJson {
    /// `under_18`, `vulnerable_adult`, `language` or `deaf`.
    pub need: &'static str,
    /// Appropriate adult: why, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Interpreter: the language, or how for a deaf person (e.g. British Sign Language).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub needed_at: String,
    pub needed_by: String,
    pub requested_at: Option<String>,
    pub requested_by: Option<String>,
    pub arrived_at: Option<String>,
    pub arrived_by: Option<String>,
    pub left_at: Option<String>,
    /// `needed_not_requested`, `requested`, `arrived` or `left`.
    pub status: &'static str,
    /// While requested and not yet arrived: minutes waited so far.
    pub waited_minutes: Option<i64>,
}

/// Both kinds for one detention: `None` where none is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Support {
    pub appropriate_adult: Option<SupportNeed>,
    pub interpreter: Option<SupportNeed>,
}

impl Support {
    pub fn get(&self, kind: SupportKind) -> Option<&SupportNeed> {
        match kind {
            SupportKind::AppropriateAdult => self.appropriate_adult.as_ref(),
            SupportKind::Interpreter => self.interpreter.as_ref(),
        }
    }

    fn slot(&mut self, kind: SupportKind) -> &mut Option<SupportNeed> {
        match kind {
            SupportKind::AppropriateAdult => &mut self.appropriate_adult,
            SupportKind::Interpreter => &mut self.interpreter,
        }
    }

    /// Those needed, appropriate adult first.
    pub fn needs(&self) -> impl Iterator<Item = &SupportNeed> {
        [self.appropriate_adult.as_ref(), self.interpreter.as_ref()]
            .into_iter()
            .flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.appropriate_adult.is_none() && self.interpreter.is_none()
    }

    /// Records `event` if it can be: the rules every write is checked against (`now` is the
    /// clock at the time of writing, for refusing a time in the future).
    pub fn record(&mut self, event: &SupportEvent, now: DateTime<Utc>) -> Result<(), SupportError> {
        if event.at > now + TimeDelta::minutes(1) {
            return Err(SupportError::InFuture {
                step: event.step,
                at: to_london(event.at),
            });
        }
        self.apply(event)
    }

    /// Applies a stored step (already checked when it was written; one that no longer fits
    /// is skipped by [`fold`]).
    fn apply(&mut self, event: &SupportEvent) -> Result<(), SupportError> {
        let kind = event.kind;
        let stamp = Stamp {
            at: event.at,
            by: event.by.clone(),
        };
        let slot = self.slot(kind);
        if event.step == Step::Needed {
            let need = event.need.ok_or(SupportError::NeedWhy(kind))?;
            if need.kind() != kind {
                return Err(SupportError::NeedWhy(kind));
            }
            let detail = event.detail.trim();
            if need.detail_required() && detail.is_empty() {
                return Err(SupportError::DetailNeeded(need));
            }
            if detail.chars().count() > MAX_DETAIL_CHARS {
                return Err(SupportError::DetailTooLong);
            }
            // A need said again (a language corrected) replaces the words and keeps the
            // attendances: the person is still waiting for whoever was asked.
            let visits = slot.take().map(|n| n.visits).unwrap_or_default();
            *slot = Some(SupportNeed {
                kind,
                need,
                detail: detail.to_string(),
                needed: stamp,
                visits,
            });
            return Ok(());
        }
        let Some(need) = slot.as_mut() else {
            return Err(SupportError::NeedFirst(kind));
        };
        let current = need.visits.last_mut();
        match event.step {
            Step::Needed => Ok(()),
            Step::Requested => match current {
                // Asked again before they came: the newer time stands (a correction, or a
                // second call), and the wait counts from it.
                Some(v) if v.arrived.is_none() => {
                    v.requested = Some(stamp);
                    Ok(())
                }
                Some(Visit {
                    arrived: Some(a),
                    left: None,
                    ..
                }) => Err(SupportError::AlreadyHere {
                    kind,
                    at: to_london(a.at),
                }),
                _ => {
                    need.visits.push(Visit {
                        requested: Some(stamp),
                        ..Visit::default()
                    });
                    Ok(())
                }
            },
            Step::Arrived => {
                let open = current.filter(|v| v.left.is_none());
                match open {
                    Some(v) => {
                        if let Some(r) = &v.requested
                            && stamp.at + TimeDelta::minutes(1) <= r.at
                        {
                            return Err(SupportError::ArrivedBeforeRequested {
                                kind,
                                arrived: to_london(stamp.at),
                                requested: to_london(r.at),
                            });
                        }
                        v.arrived = Some(stamp);
                    }
                    // Came without being asked through the suite (a parent already here):
                    // an attendance with no request, so no wait is made up.
                    None => need.visits.push(Visit {
                        arrived: Some(stamp),
                        ..Visit::default()
                    }),
                }
                Ok(())
            }
            Step::Left => {
                let Some(v) = current else {
                    return Err(SupportError::NotArrived(kind));
                };
                let Some(a) = &v.arrived else {
                    return Err(SupportError::NotArrived(kind));
                };
                if stamp.at + TimeDelta::minutes(1) <= a.at {
                    return Err(SupportError::LeftBeforeArrived {
                        kind,
                        left: to_london(stamp.at),
                        arrived: to_london(a.at),
                    });
                }
                v.left = Some(stamp);
                Ok(())
            }
        }
    }
}

/// One recorded step, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportEvent {
    pub kind: SupportKind,
    pub step: Step,
    /// For `Needed`: why.
    pub need: Option<Need>,
    /// For `Needed`: the reason or language.
    pub detail: String,
    /// When it happened (typed, `now` by default).
    pub at: DateTime<Utc>,
    /// Who recorded it (a username).
    pub by: String,
}

/// What the stored steps of one detention add up to, in the order they were recorded.
pub fn fold<'a>(events: impl IntoIterator<Item = &'a SupportEvent>) -> Support {
    let mut support = Support::default();
    for e in events {
        // Every stored step was checked when it was written; one that no longer fits (it
        // cannot happen through the store) is left out rather than failing the board.
        let _ = support.apply(e);
    }
    support
}

/// Who may record these steps: custody sergeants, detention officers and HCPs. Not the
/// administrator (who manages accounts, not detainees) nor the wall board.
pub fn may_record(role: Role) -> bool {
    crate::domain::authority::permits(role, crate::domain::authority::Duty::SupportNeed)
}

/// Why a step cannot be recorded, as a clause the screens make a sentence of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportError {
    #[error("record why {} is needed first", .0.with_article())]
    NeedFirst(SupportKind),
    #[error("choose why {} is needed", .0.with_article())]
    NeedWhy(SupportKind),
    #[error("{}", match .0 {
        Need::VulnerableAdult => "say why the person is vulnerable (Code C 1.4), e.g. learning disability",
        Need::Language => "say which language the interpreter must speak",
        Need::Deaf => "say how the person communicates, e.g. British Sign Language",
        Need::Under18 => "say why",
    })]
    DetailNeeded(Need),
    #[error("keep it under {MAX_DETAIL_CHARS} characters")]
    DetailTooLong,
    #[error("{at} is in the future: the time {} can only be now or earlier", .step.as_str())]
    InFuture { step: Step, at: String },
    #[error("the arrival ({arrived}) is before {} was requested ({requested})", .kind.the())]
    ArrivedBeforeRequested {
        kind: SupportKind,
        arrived: String,
        requested: String,
    },
    #[error("leaving ({left}) is before {} arrived ({arrived})", .kind.the())]
    LeftBeforeArrived {
        kind: SupportKind,
        left: String,
        arrived: String,
    },
    #[error("{} has not arrived: record the arrival first", .0.the())]
    NotArrived(SupportKind),
    #[error("{} is already here (arrived {at}): record that they left first", .kind.the())]
    AlreadyHere { kind: SupportKind, at: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn ev(kind: SupportKind, step: Step, at: DateTime<Utc>) -> SupportEvent {
        SupportEvent {
            kind,
            step,
            need: None,
            detail: String::new(),
            at,
            by: "officer".into(),
        }
    }

    fn need(need: Need, detail: &str, at: DateTime<Utc>) -> SupportEvent {
        SupportEvent {
            need: Some(need),
            detail: detail.into(),
            ..ev(need.kind(), Step::Needed, at)
        }
    }

    const AA: SupportKind = SupportKind::AppropriateAdult;
    const INTERP: SupportKind = SupportKind::Interpreter;

    #[test]
    fn an_appropriate_adult_goes_from_needed_to_requested_to_arrived() {
        let now = t(14, 0);
        let mut s = Support::default();
        s.record(&need(Need::Under18, "", t(13, 10)), now).unwrap();
        let aa = s.get(AA).unwrap();
        assert_eq!(aa.status(), Status::NotRequested);
        assert_eq!(aa.board_wait(now), None, "nobody asked: nothing is awaited");
        assert!(aa.summary(now).contains("NOT YET REQUESTED"));

        s.record(&ev(AA, Step::Requested, t(13, 15)), now).unwrap();
        let aa = s.get(AA).unwrap();
        assert_eq!(aa.status(), Status::Requested { since: t(13, 15) });
        assert_eq!(aa.waited(now), Some(TimeDelta::minutes(45)));
        assert_eq!(aa.board_wait(now).as_deref(), Some("AA WAIT 45m"));
        assert_eq!(
            aa.summary(now),
            "needed 13:10 by officer: under 18; requested 13:15 by officer; waiting 45m"
        );

        s.record(&ev(AA, Step::Arrived, t(14, 0)), now).unwrap();
        let aa = s.get(AA).unwrap();
        assert_eq!(aa.status(), Status::Arrived { at: t(14, 0) });
        assert_eq!(aa.board_wait(now), None, "here: no longer awaited");
        assert_eq!(aa.request_to_arrival(), Some(TimeDelta::minutes(45)));
        assert!(
            aa.summary(now)
                .ends_with("arrived 14:00 by officer (45m after the request)")
        );
    }

    #[test]
    fn an_interpreter_needs_a_language_and_counts_its_own_wait() {
        let now = t(14, 0);
        let mut s = Support::default();
        assert_eq!(
            s.record(&need(Need::Language, "  ", t(13, 0)), now),
            Err(SupportError::DetailNeeded(Need::Language))
        );
        s.record(&need(Need::Language, "Polish", t(13, 0)), now)
            .unwrap();
        s.record(&ev(INTERP, Step::Requested, t(13, 40)), now)
            .unwrap();
        let i = s.get(INTERP).unwrap();
        assert_eq!(i.board_wait(now).as_deref(), Some("INTERP WAIT 20m"));
        assert_eq!(i.phrase(), "Polish");
        assert!(s.appropriate_adult.is_none());
        let json = i.json(now);
        assert_eq!(json.language.as_deref(), Some("Polish"));
        assert_eq!(json.reason, None);
        assert_eq!(json.requested_at.as_deref(), Some("2026-11-23T13:40:00Z"));
        assert_eq!(json.arrived_at, None);
        assert_eq!(json.status, "requested");
        assert_eq!(json.waited_minutes, Some(20));
        // Deaf: how the person communicates is the detail.
        let deaf = need(Need::Deaf, "British Sign Language", t(13, 0));
        let mut d = Support::default();
        d.record(&deaf, now).unwrap();
        assert_eq!(
            d.get(INTERP).unwrap().phrase(),
            "deaf or speech difficulty (British Sign Language)"
        );
    }

    #[test]
    fn impossible_times_are_refused_with_one_sentence() {
        let now = t(14, 0);
        let mut s = Support::default();
        assert_eq!(
            s.record(&ev(AA, Step::Requested, t(13, 0)), now),
            Err(SupportError::NeedFirst(AA))
        );
        s.record(
            &need(Need::VulnerableAdult, "learning disability", t(13, 0)),
            now,
        )
        .unwrap();
        let future = s
            .record(&ev(AA, Step::Requested, t(14, 30)), now)
            .unwrap_err();
        assert_eq!(
            future.to_string(),
            "14:30 is in the future: the time requested can only be now or earlier"
        );
        s.record(&ev(AA, Step::Requested, t(13, 15)), now).unwrap();
        let early = s.record(&ev(AA, Step::Arrived, t(13, 5)), now).unwrap_err();
        assert_eq!(
            early.to_string(),
            "the arrival (13:05) is before the appropriate adult was requested (13:15)"
        );
        assert_eq!(
            s.record(&ev(AA, Step::Left, t(13, 50)), now)
                .unwrap_err()
                .to_string(),
            "the appropriate adult has not arrived: record the arrival first"
        );
        // The same minute is fine: typed times have no seconds.
        s.record(&ev(AA, Step::Arrived, t(13, 15)), now).unwrap();
        assert_eq!(
            s.record(&ev(AA, Step::Requested, t(13, 20)), now)
                .unwrap_err()
                .to_string(),
            "the appropriate adult is already here (arrived 13:15): record that they left first"
        );
        assert!(matches!(
            s.record(&ev(AA, Step::Left, t(13, 0)), now),
            Err(SupportError::LeftBeforeArrived { .. })
        ));
        assert_eq!(
            SupportError::DetailNeeded(Need::VulnerableAdult).to_string(),
            "say why the person is vulnerable (Code C 1.4), e.g. learning disability"
        );
        assert!(matches!(
            s.record(&need(Need::Language, "x", t(13, 0)), now),
            Ok(())
        ));
        let wrong = SupportEvent {
            need: Some(Need::Under18),
            ..ev(INTERP, Step::Needed, t(13, 0))
        };
        assert_eq!(s.record(&wrong, now), Err(SupportError::NeedWhy(INTERP)));
    }

    #[test]
    fn a_second_attendance_starts_after_the_first_left_and_a_rerequest_restarts_the_wait() {
        let now = t(16, 0);
        let events = [
            need(Need::Under18, "", t(10, 0)),
            ev(AA, Step::Requested, t(10, 5)),
            // Called again: the wait counts from the second call.
            ev(AA, Step::Requested, t(10, 35)),
            ev(AA, Step::Arrived, t(11, 0)),
            ev(AA, Step::Left, t(12, 0)),
            ev(AA, Step::Requested, t(15, 30)),
            // A step that does not fit is skipped when folding, not fatal.
            ev(INTERP, Step::Arrived, t(15, 0)),
        ];
        let s = fold(&events);
        let aa = s.get(AA).unwrap();
        assert_eq!(aa.visits.len(), 2);
        assert_eq!(
            aa.visits[0].requested.as_ref().map(|r| r.at),
            Some(t(10, 35))
        );
        assert_eq!(aa.board_wait(now).as_deref(), Some("AA WAIT 30m"));
        assert!(aa.summary(now).contains("came 1 time before"));
        assert!(s.interpreter.is_none());
        // Arriving unasked (a parent already at the desk) makes no wait up.
        let s = fold(&[
            need(Need::Under18, "", t(10, 0)),
            ev(AA, Step::Arrived, t(10, 10)),
        ]);
        let aa = s.get(AA).unwrap();
        assert_eq!(aa.status(), Status::Arrived { at: t(10, 10) });
        assert_eq!(aa.request_to_arrival(), None);
        assert_eq!(aa.json(now).requested_at, None);
        // Stating the need again keeps who was asked.
        let s = fold(&[
            need(Need::Language, "Polsih", t(10, 0)),
            ev(INTERP, Step::Requested, t(10, 5)),
            need(Need::Language, "Polish", t(10, 6)),
        ]);
        let i = s.get(INTERP).unwrap();
        assert_eq!(i.detail, "Polish");
        assert_eq!(i.status(), Status::Requested { since: t(10, 5) });
    }

    #[test]
    fn who_may_record() {
        assert!(may_record(Role::Sergeant));
        assert!(may_record(Role::DetentionOfficer));
        assert!(may_record(Role::Hcp));
        assert!(!may_record(Role::Admin));
        assert!(!may_record(Role::WallBoard));
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        for n in Need::ALL {
            assert_eq!(Need::parse(n.as_str()), Some(n));
            assert!(n.kind().needs().contains(&n));
        }
        for k in SupportKind::ALL {
            assert_eq!(SupportKind::parse(k.as_str()), Some(k));
        }
    }
}
