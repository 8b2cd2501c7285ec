//! A direction an HCP gives custody staff, which a custody sergeant must acknowledge: not fit
//! to detain (hospital), re-assess at a time, observe at a level, or another instruction in
//! words. Until acknowledged it is on every sergeant's screen; after [`ESCALATE_AFTER`] the
//! header says so and the bell rings. A timed re-assessment counts down on the board like a
//! check and is done at the HCP's next contact from [`REASSESS_GRACE`] before its time (derived
//! from `hcp_activity`, as a request's "seen" is).
//!
//! Sources: reference/safety-and-pathways.md, "What investigations found": an HCP recorded
//! "not fit to detain, transfer to hospital" and the person was held 24 more hours (IOPC
//! recommendation to the College of Policing, March 2026); an HCP's "re-assess in 1 hour" was
//! lost at the sergeants' shift handover (IOPC, Bedfordshire, 2021).

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::domain::entry::{Choice, Field, FieldKind, Read, Sheet, When};
use crate::domain::observation::{ObservationLevel, format_elapsed, to_london};
use crate::domain::role::Role;

/// How long a direction may wait for a sergeant's acknowledgement before the board header
/// says so and sergeants' terminals ring: a quarter of an hour is longer than a sergeant
/// takes to read a strip at the top of the screen, and far shorter than a shift handover,
/// where the IOPC found directions were lost.
pub const ESCALATE_AFTER: TimeDelta = TimeDelta::minutes(15);

/// A contact this long before a re-assessment's time counts as the re-assessment: an HCP who
/// comes back a little early has done it; the contact that gave the direction has not.
pub const REASSESS_GRACE: TimeDelta = TimeDelta::minutes(15);

/// The longest words a direction keeps.
pub const MAX_WORDS_CHARS: usize = 300;

/// What an HCP directs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DirectionKind {
    /// Not fit to detain: transfer to hospital.
    NotFitHospital,
    /// The HCP will re-assess the person at this time.
    ReassessAt { due_at: DateTime<Utc> },
    /// Observe at this level.
    ObserveLevel { level: ObservationLevel },
    /// Another instruction, in the words.
    Instruction,
}

impl DirectionKind {
    /// The stored name (schema 0011's CHECK).
    pub fn as_str(self) -> &'static str {
        match self {
            DirectionKind::NotFitHospital => "not_fit_hospital",
            DirectionKind::ReassessAt { .. } => "reassess_at",
            DirectionKind::ObserveLevel { .. } => "observe_level",
            DirectionKind::Instruction => "instruction",
        }
    }

    /// From the stored columns; `None` when they do not make one (the schema's CHECKs make
    /// that impossible for rows it wrote).
    pub fn from_parts(
        kind: &str,
        due_at: Option<DateTime<Utc>>,
        level: Option<u8>,
    ) -> Option<DirectionKind> {
        match kind {
            "not_fit_hospital" => Some(DirectionKind::NotFitHospital),
            "reassess_at" => due_at.map(|due_at| DirectionKind::ReassessAt { due_at }),
            "observe_level" => level
                .and_then(ObservationLevel::from_number)
                .map(|level| DirectionKind::ObserveLevel { level }),
            "instruction" => Some(DirectionKind::Instruction),
            _ => None,
        }
    }
}

/// A direction before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionDraft {
    pub kind: DirectionKind,
    pub words: String,
}

/// Who acknowledged a direction, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One direction, as the record, the board and every sergeant's strip read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Direction {
    pub id: i64,
    pub detention_id: i64,
    pub kind: DirectionKind,
    pub words: String,
    pub given_by: String,
    pub given_at: DateTime<Utc>,
    pub acknowledged: Option<Acknowledgement>,
    /// For a re-assessment: the HCP's first contact from [`REASSESS_GRACE`] before its time
    /// (derived, never typed).
    pub done_at: Option<DateTime<Utc>>,
}

impl Direction {
    /// What it says: `not fit to detain → hospital`, `re-assess at 14:40`, `observe at level 2
    /// (Intermittent)`, or the words, each followed by the words when there are any.
    pub fn headline(&self) -> String {
        headline(self.kind, &self.words)
    }

    /// How long it has waited for acknowledgement at `now`; `None` once acknowledged.
    pub fn unacknowledged_for(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        self.acknowledged
            .is_none()
            .then(|| (now - self.given_at).max(TimeDelta::zero()))
    }

    /// Unacknowledged for [`ESCALATE_AFTER`] or longer at `now`.
    pub fn escalated(&self, now: DateTime<Utc>) -> bool {
        self.unacknowledged_for(now)
            .is_some_and(|d| d >= ESCALATE_AFTER)
    }

    /// A re-assessment not yet done: when it is due.
    pub fn reassess_due(&self) -> Option<DateTime<Utc>> {
        match self.kind {
            DirectionKind::ReassessAt { due_at } if self.done_at.is_none() => Some(due_at),
            _ => None,
        }
    }

    /// The record's line: `HCP direction 13:05 by hcp: re-assess at 14:05 — acknowledged
    /// 13:12 by sergeant; done 14:01`, or `NOT YET ACKNOWLEDGED (7m)`.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        let mut text = format!(
            "{} by {}: {}",
            to_london(self.given_at),
            self.given_by,
            self.headline()
        );
        match (&self.acknowledged, self.unacknowledged_for(now)) {
            (Some(a), _) => {
                text.push_str(&format!(" — acknowledged {} by {}", to_london(a.at), a.by));
            }
            (None, waited) => text.push_str(&format!(
                " — NOT YET ACKNOWLEDGED ({})",
                format_elapsed(waited.unwrap_or_default())
            )),
        }
        if let Some(done) = self.done_at {
            text.push_str(&format!("; re-assessed {}", to_london(done)));
        }
        text
    }
}

/// What a direction says (see [`Direction::headline`]).
pub fn headline(kind: DirectionKind, words: &str) -> String {
    let what = match kind {
        DirectionKind::NotFitHospital => "not fit to detain → hospital".to_string(),
        DirectionKind::ReassessAt { due_at } => format!("re-assess at {}", to_london(due_at)),
        DirectionKind::ObserveLevel { level } => {
            format!("observe at level {} ({})", level.number(), level.label())
        }
        DirectionKind::Instruction => return words.trim().to_string(),
    };
    if words.trim().is_empty() {
        what
    } else {
        format!("{what}: {}", words.trim())
    }
}

/// Who acknowledges them: a custody sergeant (the custody officer responsible for the
/// person's care, PACE Code C 9).
pub fn may_acknowledge(role: Role) -> bool {
    crate::domain::authority::permits(role, crate::domain::authority::Duty::AcknowledgeDirection)
}

/// Why a draft cannot be stored, if it cannot: an instruction needs its words, a
/// re-assessment a time after `now`, and words are kept short.
pub fn validate(draft: &DirectionDraft, now: DateTime<Utc>) -> Result<(), String> {
    let words = draft.words.trim();
    if words.chars().count() > MAX_WORDS_CHARS {
        return Err(format!(
            "the words are longer than {MAX_WORDS_CHARS} characters"
        ));
    }
    match draft.kind {
        DirectionKind::Instruction if words.is_empty() => {
            Err("an instruction needs its words: say what custody staff must do".into())
        }
        DirectionKind::ReassessAt { due_at } if due_at <= now => {
            Err("the re-assessment time has passed: give a time later than now".into())
        }
        _ => Ok(()),
    }
}

/// The sheet an HCP fills in from the record's add menu.
pub fn direction_sheet() -> Sheet {
    let kinds = vec![
        Choice::new(
            'h',
            "not_fit_hospital",
            "Not fit to detain: transfer to hospital",
        ),
        Choice::new('r', "reassess_at", "Re-assess at a time"),
        Choice::new('o', "observe_level", "Observe at a level"),
        Choice::new('i', "instruction", "Another instruction, in words"),
    ];
    let levels = ObservationLevel::ALL
        .iter()
        .map(|l| {
            Choice::new(
                char::from(b'0' + l.number()),
                l.number().to_string(),
                format!("Level {}: {}", l.number(), l.label()),
            )
        })
        .collect();
    Sheet {
        title: "Direction to custody staff".into(),
        source: "IOPC 2021 (Bedfordshire) and 2026: directions written down and lost; a custody sergeant acknowledges each",
        fields: vec![
            Field::new("kind", "Direction", FieldKind::Choice(kinds)),
            Field::new("due", "Re-assess at", FieldKind::DateTime(When::Future))
                .show_if("kind", &["reassess_at"])
                .help("HH:MM for the next such time; the board counts down to it."),
            Field::new("level", "Level", FieldKind::Choice(levels))
                .show_if("kind", &["observe_level"]),
            Field::new(
                "words",
                "Instruction",
                FieldKind::Text {
                    max_len: MAX_WORDS_CHARS,
                },
            )
            .show_if("kind", &["instruction"])
            .help("What custody staff must do, in words they act on."),
            Field::new(
                "note",
                "Words for staff",
                FieldKind::Text {
                    max_len: MAX_WORDS_CHARS,
                },
            )
            .show_if(
                "kind",
                &["not_fit_hospital", "reassess_at", "observe_level"],
            )
            .optional()
            .help("Optional, e.g. which hospital, or what to watch for. No clinical detail."),
        ],
    }
}

/// The draft a checked sheet describes.
pub fn direction_from(r: &Read) -> Result<DirectionDraft, String> {
    let kind = match r.text("kind").as_str() {
        "not_fit_hospital" => DirectionKind::NotFitHospital,
        "reassess_at" => DirectionKind::ReassessAt {
            due_at: r
                .time("due", "Re-assess at", When::Future)?
                .ok_or_else(|| "Re-assess at is needed.".to_string())?,
        },
        "observe_level" => DirectionKind::ObserveLevel {
            level: r
                .text("level")
                .parse::<u8>()
                .ok()
                .and_then(ObservationLevel::from_number)
                .ok_or_else(|| "Pick the level by its number.".to_string())?,
        },
        "instruction" => DirectionKind::Instruction,
        _ => return Err("Pick the direction by its key.".into()),
    };
    let words = if kind == DirectionKind::Instruction {
        r.text("words")
    } else {
        r.text("note")
    };
    Ok(DirectionDraft { kind, words })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn direction(kind: DirectionKind) -> Direction {
        Direction {
            id: 1,
            detention_id: 1,
            kind,
            words: String::new(),
            given_by: "hcp".into(),
            given_at: t(13, 5),
            acknowledged: None,
            done_at: None,
        }
    }

    #[test]
    fn headlines_say_what_to_do() {
        let mut d = direction(DirectionKind::NotFitHospital);
        assert_eq!(d.headline(), "not fit to detain → hospital");
        d.words = "RVI, by ambulance".into();
        assert_eq!(
            d.headline(),
            "not fit to detain → hospital: RVI, by ambulance"
        );
        let d = direction(DirectionKind::ReassessAt { due_at: t(14, 5) });
        assert_eq!(d.headline(), "re-assess at 14:05");
        assert_eq!(d.reassess_due(), Some(t(14, 5)));
        let d = direction(DirectionKind::ObserveLevel {
            level: ObservationLevel::CloseProximity,
        });
        assert!(
            d.headline().starts_with("observe at level 4"),
            "{}",
            d.headline()
        );
    }

    #[test]
    fn an_unacknowledged_direction_escalates_after_fifteen_minutes() {
        let mut d = direction(DirectionKind::NotFitHospital);
        assert!(!d.escalated(t(13, 19)));
        assert!(d.escalated(t(13, 20)));
        assert!(d.summary(t(13, 12)).ends_with("NOT YET ACKNOWLEDGED (7m)"));
        d.acknowledged = Some(Acknowledgement {
            by: "sergeant".into(),
            at: t(13, 30),
        });
        assert!(!d.escalated(t(15, 0)));
        assert!(
            d.summary(t(15, 0))
                .contains("acknowledged 13:30 by sergeant")
        );
    }

    #[test]
    fn drafts_are_checked() {
        let now = t(13, 0);
        let draft = |kind, words: &str| DirectionDraft {
            kind,
            words: words.into(),
        };
        assert!(validate(&draft(DirectionKind::Instruction, " "), now).is_err());
        assert!(validate(&draft(DirectionKind::Instruction, "no hot drinks"), now).is_ok());
        assert!(
            validate(
                &draft(DirectionKind::ReassessAt { due_at: t(12, 0) }, ""),
                now
            )
            .is_err()
        );
        assert!(
            validate(
                &draft(DirectionKind::ReassessAt { due_at: t(14, 0) }, ""),
                now
            )
            .is_ok()
        );
        assert!(validate(&draft(DirectionKind::NotFitHospital, &"x".repeat(301)), now).is_err());
        let may_give =
            |r| crate::domain::authority::permits(r, crate::domain::authority::Duty::GiveDirection);
        assert!(may_give(Role::Hcp) && !may_give(Role::Sergeant));
        assert!(may_acknowledge(Role::Sergeant) && !may_acknowledge(Role::Hcp));
    }

    #[test]
    fn stored_parts_round_trip() {
        for kind in [
            DirectionKind::NotFitHospital,
            DirectionKind::ReassessAt { due_at: t(14, 0) },
            DirectionKind::ObserveLevel {
                level: ObservationLevel::Intermittent,
            },
            DirectionKind::Instruction,
        ] {
            let (due, level) = match kind {
                DirectionKind::ReassessAt { due_at } => (Some(due_at), None),
                DirectionKind::ObserveLevel { level } => (None, Some(level.number())),
                _ => (None, None),
            };
            assert_eq!(
                DirectionKind::from_parts(kind.as_str(), due, level),
                Some(kind)
            );
        }
        assert_eq!(DirectionKind::from_parts("reassess_at", None, None), None);
    }

    #[test]
    fn the_sheet_reads_into_a_draft() {
        let now = t(13, 0);
        let mut values = crate::domain::entry::Values::new();
        values.insert("kind", "reassess_at".into());
        values.insert("due", "14:05".into());
        let sheet = direction_sheet();
        assert!(sheet.check(&values, false, now).is_ok());
        let draft = direction_from(&Read {
            values: &values,
            now,
        })
        .unwrap();
        assert_eq!(draft.kind, DirectionKind::ReassessAt { due_at: t(14, 5) });
        values.insert("kind", "instruction".into());
        assert!(sheet.check(&values, false, now).is_err(), "words needed");
    }
}
