//! The care plan: the observation level the rules suggest from a person's flags, the plan a
//! sergeant sets (refused below the suggestion without a written rationale), cell checks with
//! the Annex H rousing responses, when a check must escalate to an emergency, and the check
//! timeline (on time or late).
//!
//! Sources: `schema/rules/observation_levels.toml` (each rule cites its source);
//! `reference/custody-practice.md`, "Observation levels (APP) and checks (Code C 9.3, Annex H)"
//! and "What goes wrong today" (a level below the assessed risk needs a recorded reason).

use std::sync::OnceLock;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{CheckInterval, ObservationLevel, default_for};

/// The embedded rules file, as a clinician reviews it.
pub const RULES_FILE: &str = "schema/rules/observation_levels.toml";
const RULES_TEXT: &str = include_str!("../../schema/rules/observation_levels.toml");

/// A rules file that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct RulesError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// One rule: a flag at or above a severity suggests at least this plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRule {
    pub flag: FlagCode,
    pub min_severity: Severity,
    pub level: ObservationLevel,
    pub interval: CheckInterval,
    pub rouse: bool,
    pub source: String,
}

/// Every rule of the observation-levels file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservationRules {
    pub rules: Vec<LevelRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    flag: String,
    min_severity: Option<String>,
    level: u8,
    interval: String,
    rouse: bool,
    source: String,
}

use crate::domain::text::line_of;

impl ObservationRules {
    /// Parses and checks a rules file: every flag, severity, level and interval must be known,
    /// the interval must meet the level, and every rule must cite a source.
    pub fn parse(text: &str, file: &str) -> Result<ObservationRules, RulesError> {
        let err = |line: usize, message: String| RulesError {
            file: file.to_string(),
            line,
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            err(line, e.message().trim().to_string())
        })?;
        let mut rules = Vec::new();
        for spanned in raw.rule {
            let line = line_of(text, spanned.span().start);
            let r = spanned.into_inner();
            let flag: FlagCode = r.flag.parse().map_err(|e| err(line, format!("{e}")))?;
            let min_severity = match r.min_severity {
                Some(s) => s.parse().map_err(|e| err(line, format!("{e}")))?,
                None => Severity::Information,
            };
            let level = ObservationLevel::from_number(r.level)
                .ok_or_else(|| err(line, format!("level {} is not 1 to 4.", r.level)))?;
            let interval = CheckInterval::from_parts(&r.interval, None, None)
                .map_err(|e| err(line, format!("{e}")))?;
            if !interval.meets_minimum_for(level) {
                return Err(err(
                    line,
                    format!("the interval {} is not enough for {level}.", r.interval),
                ));
            }
            if r.source.trim().is_empty() {
                return Err(err(line, "every rule must cite its source.".into()));
            }
            rules.push(LevelRule {
                flag,
                min_severity,
                level,
                interval,
                rouse: r.rouse,
                source: r.source.trim().to_string(),
            });
        }
        Ok(ObservationRules { rules })
    }

    /// The rules embedded in the program, parsed once.
    pub fn embedded() -> Result<&'static ObservationRules, RulesError> {
        static RULES: OnceLock<Result<ObservationRules, RulesError>> = OnceLock::new();
        RULES
            .get_or_init(|| ObservationRules::parse(RULES_TEXT, RULES_FILE))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The plan the rules suggest for these active flags: the closest observation any matching
    /// rule asks for (higher level, then shorter interval), rousing if any matching rule at
    /// that level rouses; level 1 hourly when nothing matches.
    pub fn suggest(&self, flags: &[(FlagCode, Severity)]) -> Suggestion {
        let mut best = Suggestion::minimum();
        for rule in &self.rules {
            let hit = flags
                .iter()
                .any(|(code, sev)| *code == rule.flag && *sev >= rule.min_severity);
            if !hit {
                continue;
            }
            let closer = rule.level > best.level
                || (rule.level == best.level
                    && minutes_or_zero(&rule.interval) < minutes_or_zero(&best.interval));
            if closer {
                best.level = rule.level;
                best.interval = rule.interval.clone();
                best.rouse = rule.rouse;
            } else if rule.level == best.level && rule.rouse {
                best.rouse = true;
            }
            best.because
                .push(format!("{}: {}", rule.flag.code(), rule.source));
        }
        best
    }
}

fn minutes_or_zero(i: &CheckInterval) -> u32 {
    i.minutes().unwrap_or(0)
}

/// What the rules suggest, and which rules said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub level: ObservationLevel,
    pub interval: CheckInterval,
    pub rouse: bool,
    /// `CODE: source` for each matching rule; empty when the APP minimum applies.
    pub because: Vec<String>,
}

impl Suggestion {
    /// Level 1, at least hourly: APP's minimum for everyone.
    pub fn minimum() -> Suggestion {
        Suggestion {
            level: ObservationLevel::General,
            interval: default_for(ObservationLevel::General),
            rouse: false,
            because: Vec::new(),
        }
    }

    /// One line for screens: "Level 2 … (ALC: PACE Code C 9.3 …)".
    pub fn summary(&self) -> String {
        if self.because.is_empty() {
            format!("{} (APP minimum; no flag asks for more)", self.level)
        } else {
            format!("{} ({})", self.level, self.because.join("; "))
        }
    }
}

/// The shortest rationale accepted: a few words, not a single character.
pub const MIN_RATIONALE_CHARS: usize = 10;

/// A care plan a sergeant wants to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDraft {
    pub level: ObservationLevel,
    pub interval: CheckInterval,
    pub rouse: bool,
    pub instructions: String,
    pub rationale: String,
    pub hcp_recommended: bool,
}

/// Why a care plan was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarePlanError {
    #[error(
        "Level {chosen} is below the suggested level {suggested}, so write a rationale of at least a few words saying why."
    )]
    RationaleRequired { chosen: u8, suggested: u8 },
    #[error(
        "The interval {interval} is less than {level} requires, so write a rationale of at least a few words saying why."
    )]
    IntervalBelowLevel { interval: String, level: String },
    #[error(
        "The rules suggest rousing at each visit, so write a rationale of at least a few words to plan visits without rousing."
    )]
    RousingDropped,
}

/// Checks a plan against the suggestion: a lower level, an interval that does not meet the
/// chosen level, or dropping the rousing the rules ask for, each needs a written rationale.
pub fn validate_plan(draft: &PlanDraft, suggestion: &Suggestion) -> Result<(), CarePlanError> {
    let has_rationale = draft.rationale.trim().chars().count() >= MIN_RATIONALE_CHARS;
    if has_rationale {
        return Ok(());
    }
    if draft.level < suggestion.level {
        return Err(CarePlanError::RationaleRequired {
            chosen: draft.level.number(),
            suggested: suggestion.level.number(),
        });
    }
    if !draft.interval.meets_minimum_for(draft.level) {
        return Err(CarePlanError::IntervalBelowLevel {
            interval: draft.interval.label(),
            level: draft.level.to_string(),
        });
    }
    if suggestion.rouse && !draft.rouse && draft.level <= ObservationLevel::Intermittent {
        return Err(CarePlanError::RousingDropped);
    }
    Ok(())
}

/// Whether the plan sits below what the rules suggest (so its rationale must show with it).
pub fn below_suggestion(level: ObservationLevel, suggestion: &Suggestion) -> bool {
    level < suggestion.level
}

/// The Annex H rousing responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rousing {
    /// Rousability: can they be woken.
    pub rousable: bool,
    /// Response to questions: a comprehensive verbal answer.
    pub responds_to_questions: bool,
    /// Response to commands: open your eyes, lift one arm.
    pub responds_to_commands: bool,
}

impl Rousing {
    /// Why this visit is a medical emergency, if it is: could not be roused, or any "no".
    pub fn emergency(&self) -> Option<&'static str> {
        if !self.rousable {
            Some("Could not be roused")
        } else if !self.responds_to_questions && !self.responds_to_commands {
            Some("Roused but no response to questions or commands")
        } else if !self.responds_to_questions {
            Some("Roused but no comprehensive answer to questions")
        } else if !self.responds_to_commands {
            Some("Roused but no response to commands")
        } else {
            None
        }
    }
}

/// How far back a check may be timed, with a reason (a visit typed in a few minutes later).
pub const MAX_BACKDATE_MINUTES: i64 = 15;

/// A visit or written entry being recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDraft {
    /// Minutes before now that the check was done (0 = now).
    pub minutes_ago: i64,
    pub late_reason: String,
    /// The three answers, each `None` until given.
    pub rousable: Option<bool>,
    pub responds_to_questions: Option<bool>,
    pub responds_to_commands: Option<bool>,
    pub condition: String,
    pub note: String,
}

/// Whether the check is a visit or, for constant observation, a periodic written entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Visit,
    WrittenEntry,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Visit => "visit",
            CheckKind::WrittenEntry => "written_entry",
        }
    }

    /// Constant observation (levels 3 and 4, or a constant interval) records written entries.
    pub fn for_plan(level: ObservationLevel, interval: &CheckInterval) -> CheckKind {
        if level >= ObservationLevel::Constant || interval.is_constant() {
            CheckKind::WrittenEntry
        } else {
            CheckKind::Visit
        }
    }
}

/// A check that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCheck {
    pub kind: CheckKind,
    pub done_at: DateTime<Utc>,
    pub rousing: Option<Rousing>,
    pub late_reason: String,
    pub condition: String,
    pub note: String,
}

impl ValidCheck {
    /// Why this check opens an emergency escalation, if it does.
    pub fn emergency(&self) -> Option<&'static str> {
        self.rousing.as_ref().and_then(Rousing::emergency)
    }
}

/// Why a check was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("A check can be timed at most {MAX_BACKDATE_MINUTES} minutes ago, not {0} minutes.")]
    TooFarBack(i64),
    #[error("A check cannot be timed in the future.")]
    InTheFuture,
    #[error("Say why the check is recorded {0} minutes after it was done.")]
    LateWithoutReason(i64),
    #[error("This plan asks for rousing: answer whether the person could be roused (y or n).")]
    RousableUnanswered,
    #[error("Answer whether the person gave a comprehensive answer to questions (y or n).")]
    QuestionsUnanswered,
    #[error("Answer whether the person responded to commands (y or n).")]
    CommandsUnanswered,
    #[error("A written entry for constant observation needs the condition or a note.")]
    EmptyWrittenEntry,
}

/// Checks a check against the plan: time now or up to 15 minutes back with a reason; for a
/// rousing plan all three Annex H answers (a person who cannot be roused needs no more); for
/// constant observation a written entry with something written.
pub fn validate_check(
    draft: &CheckDraft,
    kind: CheckKind,
    rouse: bool,
    now: DateTime<Utc>,
) -> Result<ValidCheck, CheckError> {
    if draft.minutes_ago < 0 {
        return Err(CheckError::InTheFuture);
    }
    if draft.minutes_ago > MAX_BACKDATE_MINUTES {
        return Err(CheckError::TooFarBack(draft.minutes_ago));
    }
    if draft.minutes_ago > 0 && draft.late_reason.trim().is_empty() {
        return Err(CheckError::LateWithoutReason(draft.minutes_ago));
    }
    let rousing = if kind == CheckKind::Visit && rouse {
        let rousable = draft.rousable.ok_or(CheckError::RousableUnanswered)?;
        if rousable {
            Some(Rousing {
                rousable,
                responds_to_questions: draft
                    .responds_to_questions
                    .ok_or(CheckError::QuestionsUnanswered)?,
                responds_to_commands: draft
                    .responds_to_commands
                    .ok_or(CheckError::CommandsUnanswered)?,
            })
        } else {
            Some(Rousing {
                rousable: false,
                responds_to_questions: false,
                responds_to_commands: false,
            })
        }
    } else {
        None
    };
    if kind == CheckKind::WrittenEntry
        && draft.condition.trim().is_empty()
        && draft.note.trim().is_empty()
    {
        return Err(CheckError::EmptyWrittenEntry);
    }
    Ok(ValidCheck {
        kind,
        done_at: now - TimeDelta::minutes(draft.minutes_ago),
        rousing,
        late_reason: draft.late_reason.trim().to_string(),
        condition: draft.condition.trim().to_string(),
        note: draft.note.trim().to_string(),
    })
}

/// One check on the timeline: the gap since the previous check (or the plan), and whether it
/// came later than the interval allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineEntry {
    pub done_at: DateTime<Utc>,
    pub gap: TimeDelta,
    pub late: bool,
}

/// The checks in time order with the gap before each, measured from `start` (when the plan was
/// set, or arrival) for the first; late when the gap exceeds `interval_minutes`.
pub fn timeline(
    start: DateTime<Utc>,
    checks: &[DateTime<Utc>],
    interval_minutes: Option<u32>,
) -> Vec<TimelineEntry> {
    let mut sorted = checks.to_vec();
    sorted.sort_unstable();
    let mut prev = start;
    let mut out = Vec::with_capacity(sorted.len());
    for t in sorted {
        let gap = (t - prev).max(TimeDelta::zero());
        let late = interval_minutes.is_some_and(|m| gap > TimeDelta::minutes(i64::from(m)));
        out.push(TimelineEntry {
            done_at: t,
            gap,
            late,
        });
        prev = t.max(prev);
    }
    out
}

/// A custody decision that means the care plan must be reviewed (issue 5: at charge, at the bail
/// decision, and before release or transfer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    Charged,
    BailRefused,
    Bailed,
    ReleaseDecided,
    TransferDecided,
}

/// A stored decision kind the program does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown custody decision {0:?}")]
pub struct UnknownDecision(pub String);

impl DecisionKind {
    pub const ALL: [DecisionKind; 5] = [
        DecisionKind::Charged,
        DecisionKind::BailRefused,
        DecisionKind::Bailed,
        DecisionKind::ReleaseDecided,
        DecisionKind::TransferDecided,
    ];

    /// The name stored in the database and shown to scripts.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Charged => "charged",
            DecisionKind::BailRefused => "bail_refused",
            DecisionKind::Bailed => "bailed",
            DecisionKind::ReleaseDecided => "release_decided",
            DecisionKind::TransferDecided => "transfer_decided",
        }
    }

    /// The words on screen and on paper.
    pub fn label(self) -> &'static str {
        match self {
            DecisionKind::Charged => "charged",
            DecisionKind::BailRefused => "bail refused",
            DecisionKind::Bailed => "bailed",
            DecisionKind::ReleaseDecided => "release decided",
            DecisionKind::TransferDecided => "transfer decided",
        }
    }
}

impl std::str::FromStr for DecisionKind {
    type Err = UnknownDecision;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DecisionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownDecision(s.to_string()))
    }
}

/// What makes a care-plan review due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewTrigger {
    Decision(DecisionKind),
    ReadyForTransfer,
    /// An emergency was closed (DESIGN.md: closing one makes a care-plan review due).
    EmergencyClosed,
}

impl ReviewTrigger {
    pub fn label(self) -> &'static str {
        match self {
            ReviewTrigger::Decision(k) => k.label(),
            ReviewTrigger::ReadyForTransfer => "ready for transfer",
            ReviewTrigger::EmergencyClosed => "emergency closed",
        }
    }
}

/// A care-plan review that is due: which decision made it due, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanReviewDue {
    pub trigger: ReviewTrigger,
    pub at: DateTime<Utc>,
}

impl PlanReviewDue {
    /// "charged 14:10" (UK local time).
    pub fn reason(&self) -> String {
        format!(
            "{} {}",
            self.trigger.label(),
            crate::domain::observation::to_london(self.at)
        )
    }
}

/// A care-plan review is due when a custody decision (or being marked ready for transfer) is
/// later than the newest care-plan version; the latest such trigger is the one named. Setting a
/// new plan version after it clears it.
pub fn plan_review_due(
    decisions: &[(DecisionKind, DateTime<Utc>)],
    ready_for_transfer_at: Option<DateTime<Utc>>,
    newest_plan_at: Option<DateTime<Utc>>,
) -> Option<PlanReviewDue> {
    latest_review_due(
        decisions
            .iter()
            .map(|&(k, at)| PlanReviewDue {
                trigger: ReviewTrigger::Decision(k),
                at,
            })
            .chain(ready_for_transfer_at.map(|at| PlanReviewDue {
                trigger: ReviewTrigger::ReadyForTransfer,
                at,
            })),
        newest_plan_at,
    )
}

/// The latest trigger later than the newest plan version, if any: the review that is due.
pub fn latest_review_due(
    triggers: impl IntoIterator<Item = PlanReviewDue>,
    newest_plan_at: Option<DateTime<Utc>>,
) -> Option<PlanReviewDue> {
    triggers
        .into_iter()
        .filter(|d| newest_plan_at.is_none_or(|p| d.at > p))
        .max_by_key(|d| d.at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::observation::{CheckStatus, next_check_due, to_london_with_zone};
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn review_due_after_a_decision_later_than_the_plan() {
        let plan = utc(2026, 11, 23, 10, 0);
        let charged = utc(2026, 11, 23, 14, 10);
        let due = plan_review_due(&[(DecisionKind::Charged, charged)], None, Some(plan));
        assert_eq!(
            due,
            Some(PlanReviewDue {
                trigger: ReviewTrigger::Decision(DecisionKind::Charged),
                at: charged
            })
        );
        assert_eq!(due.map(|d| d.reason()).as_deref(), Some("charged 14:10"));
    }

    #[test]
    fn a_newer_plan_clears_the_review() {
        let charged = utc(2026, 11, 23, 14, 10);
        let plan = utc(2026, 11, 23, 14, 20);
        assert_eq!(
            plan_review_due(&[(DecisionKind::Charged, charged)], None, Some(plan)),
            None
        );
        assert_eq!(plan_review_due(&[], None, None), None);
    }

    #[test]
    fn the_latest_trigger_is_named_and_no_plan_counts_as_due() {
        let d = [
            (DecisionKind::Charged, utc(2026, 11, 23, 14, 10)),
            (DecisionKind::BailRefused, utc(2026, 11, 23, 15, 0)),
        ];
        let due = plan_review_due(&d, Some(utc(2026, 11, 23, 14, 30)), None);
        assert_eq!(
            due.map(|x| x.trigger),
            Some(ReviewTrigger::Decision(DecisionKind::BailRefused))
        );
        let due = plan_review_due(
            &d[..1],
            Some(utc(2026, 11, 23, 14, 30)),
            Some(utc(2026, 11, 23, 14, 20)),
        );
        assert_eq!(
            due.map(|x| x.trigger),
            Some(ReviewTrigger::ReadyForTransfer)
        );
        for k in DecisionKind::ALL {
            assert_eq!(k.as_str().parse::<DecisionKind>(), Ok(k));
        }
        assert!("nonsense".parse::<DecisionKind>().is_err());
    }

    fn draft(level: ObservationLevel, rationale: &str) -> PlanDraft {
        PlanDraft {
            level,
            interval: default_for(level),
            rouse: level == ObservationLevel::Intermittent,
            instructions: "check breathing".into(),
            rationale: rationale.into(),
            hcp_recommended: false,
        }
    }

    #[test]
    fn embedded_rules_parse_and_cite_sources() {
        let rules = ObservationRules::embedded().unwrap();
        assert!(rules.rules.len() >= 8);
        assert!(rules.rules.iter().all(|r| !r.source.is_empty()));
        assert!(
            rules
                .rules
                .iter()
                .any(|r| r.flag == FlagCode::Alcohol && r.source.contains("Code C 9.3"))
        );
    }

    #[test]
    fn suggestion_takes_the_closest_observation() {
        let rules = ObservationRules::embedded().unwrap();
        assert_eq!(rules.suggest(&[]), Suggestion::minimum());
        let s = rules.suggest(&[(FlagCode::Alcohol, Severity::Warning)]);
        assert_eq!(s.level, ObservationLevel::Intermittent);
        assert_eq!(s.interval, CheckInterval::Every30Minutes);
        assert!(s.rouse);
        assert!(
            s.summary().contains("ALC: PACE Code C 9.3"),
            "{}",
            s.summary()
        );
        // Information-level alcohol is below the rule's threshold.
        let s = rules.suggest(&[(FlagCode::Alcohol, Severity::Information)]);
        assert_eq!(s.level, ObservationLevel::General);
        let s = rules.suggest(&[
            (FlagCode::Alcohol, Severity::Warning),
            (FlagCode::SelfHarm, Severity::Alert),
        ]);
        assert_eq!(s.level, ObservationLevel::Constant);
        assert_eq!(s.interval, CheckInterval::ConstantCctv);
    }

    #[test]
    fn rules_errors_name_the_file_and_line() {
        let bad_flag = "[[rule]]\nflag = \"XX\"\nlevel = 2\ninterval = \"every_30_minutes\"\nrouse = true\nsource = \"x\"\n";
        let e = ObservationRules::parse(bad_flag, "rules.toml").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.to_string().starts_with("rules.toml line 1: "), "{e}");
        let weak = "# c\n\n[[rule]]\nflag = \"SH\"\nlevel = 3\ninterval = \"hourly\"\nrouse = false\nsource = \"x\"\n";
        let e = ObservationRules::parse(weak, "r.toml").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let syntax = "[[rule]]\nflag = \"SH\nlevel = 3\n";
        let e = ObservationRules::parse(syntax, "r.toml").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let unsourced = "[[rule]]\nflag = \"SH\"\nlevel = 1\ninterval = \"hourly\"\nrouse = false\nsource = \" \"\n";
        assert!(ObservationRules::parse(unsourced, "r.toml").is_err());
        let unknown_field = "[[rule]]\nflag = \"SH\"\nlevel = 1\ninterval = \"hourly\"\nrouse = false\nsource = \"s\"\nlevle = 2\n";
        assert!(ObservationRules::parse(unknown_field, "r.toml").is_err());
    }

    #[test]
    fn level_below_suggested_without_rationale_is_refused() {
        let rules = ObservationRules::embedded().unwrap();
        let s = rules.suggest(&[(FlagCode::SelfHarm, Severity::Alert)]);
        assert_eq!(
            validate_plan(&draft(ObservationLevel::General, ""), &s),
            Err(CarePlanError::RationaleRequired {
                chosen: 1,
                suggested: 3
            })
        );
        assert_eq!(
            validate_plan(&draft(ObservationLevel::Intermittent, "  short "), &s),
            Err(CarePlanError::RationaleRequired {
                chosen: 2,
                suggested: 3
            })
        );
        assert_eq!(
            validate_plan(
                &draft(
                    ObservationLevel::Intermittent,
                    "HCP reviewed at 14:00, low risk now"
                ),
                &s
            ),
            Ok(())
        );
        assert_eq!(
            validate_plan(&draft(ObservationLevel::Constant, ""), &s),
            Ok(())
        );
        assert_eq!(
            validate_plan(&draft(ObservationLevel::CloseProximity, ""), &s),
            Ok(())
        );
    }

    #[test]
    fn weak_interval_or_dropped_rousing_needs_rationale() {
        let rules = ObservationRules::embedded().unwrap();
        let s = rules.suggest(&[(FlagCode::Alcohol, Severity::Warning)]);
        let mut d = draft(ObservationLevel::Intermittent, "");
        d.interval = CheckInterval::Hourly;
        assert!(matches!(
            validate_plan(&d, &s),
            Err(CarePlanError::IntervalBelowLevel { .. })
        ));
        let mut d = draft(ObservationLevel::Intermittent, "");
        d.rouse = false;
        assert_eq!(validate_plan(&d, &s), Err(CarePlanError::RousingDropped));
        d.rationale = "asleep, HCP says leave".into();
        assert_eq!(validate_plan(&d, &s), Ok(()));
    }

    fn check(rousable: Option<bool>, q: Option<bool>, c: Option<bool>) -> CheckDraft {
        CheckDraft {
            minutes_ago: 0,
            late_reason: String::new(),
            rousable,
            responds_to_questions: q,
            responds_to_commands: c,
            condition: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn rousing_answers_are_required_and_any_no_escalates() {
        let now = utc(2026, 6, 1, 10, 0);
        let ok = validate_check(
            &check(Some(true), Some(true), Some(true)),
            CheckKind::Visit,
            true,
            now,
        )
        .unwrap();
        assert_eq!(ok.done_at, now);
        assert_eq!(ok.emergency(), None);
        assert_eq!(
            validate_check(&check(None, None, None), CheckKind::Visit, true, now),
            Err(CheckError::RousableUnanswered)
        );
        assert_eq!(
            validate_check(&check(Some(true), None, None), CheckKind::Visit, true, now),
            Err(CheckError::QuestionsUnanswered)
        );
        assert_eq!(
            validate_check(
                &check(Some(true), Some(true), None),
                CheckKind::Visit,
                true,
                now
            ),
            Err(CheckError::CommandsUnanswered)
        );
        let not_roused =
            validate_check(&check(Some(false), None, None), CheckKind::Visit, true, now).unwrap();
        assert_eq!(not_roused.emergency(), Some("Could not be roused"));
        for (q, c) in [(false, true), (true, false), (false, false)] {
            let v = validate_check(
                &check(Some(true), Some(q), Some(c)),
                CheckKind::Visit,
                true,
                now,
            )
            .unwrap();
            assert!(v.emergency().is_some(), "{q} {c}");
        }
        // A plain visit needs no answers.
        let plain = validate_check(&check(None, None, None), CheckKind::Visit, false, now).unwrap();
        assert_eq!(plain.rousing, None);
    }

    #[test]
    fn check_time_can_go_back_fifteen_minutes_with_a_reason() {
        let now = utc(2026, 6, 1, 10, 0);
        let mut d = check(None, None, None);
        d.minutes_ago = 10;
        assert_eq!(
            validate_check(&d, CheckKind::Visit, false, now),
            Err(CheckError::LateWithoutReason(10))
        );
        d.late_reason = "dealing with a fight in the charge room".into();
        assert_eq!(
            validate_check(&d, CheckKind::Visit, false, now)
                .unwrap()
                .done_at,
            utc(2026, 6, 1, 9, 50)
        );
        d.minutes_ago = 16;
        assert_eq!(
            validate_check(&d, CheckKind::Visit, false, now),
            Err(CheckError::TooFarBack(16))
        );
        d.minutes_ago = -1;
        assert_eq!(
            validate_check(&d, CheckKind::Visit, false, now),
            Err(CheckError::InTheFuture)
        );
    }

    #[test]
    fn constant_observation_records_written_entries() {
        let now = utc(2026, 6, 1, 10, 0);
        assert_eq!(
            CheckKind::for_plan(ObservationLevel::Constant, &CheckInterval::ConstantCctv),
            CheckKind::WrittenEntry
        );
        assert_eq!(
            CheckKind::for_plan(ObservationLevel::General, &CheckInterval::Hourly),
            CheckKind::Visit
        );
        assert_eq!(
            validate_check(&check(None, None, None), CheckKind::WrittenEntry, true, now),
            Err(CheckError::EmptyWrittenEntry)
        );
        let mut d = check(None, None, None);
        d.note = "asleep, breathing regular".into();
        let v = validate_check(&d, CheckKind::WrittenEntry, true, now).unwrap();
        assert_eq!(v.rousing, None, "written entries never ask rousing");
    }

    #[test]
    fn schedule_runs_from_when_the_check_was_done() {
        // Done 10 minutes late: the next is due 30 minutes after it was done, not after it was due.
        let plan_set = utc(2026, 6, 1, 10, 0);
        let due = next_check_due(plan_set, &CheckInterval::Every30Minutes).unwrap();
        let done = due + TimeDelta::minutes(10);
        assert_eq!(
            next_check_due(done, &CheckInterval::Every30Minutes),
            Some(utc(2026, 6, 1, 11, 10))
        );
    }

    #[test]
    fn a_check_due_at_0130_on_the_night_clocks_go_back_is_30_real_minutes_later() {
        // 25 Oct 2026: 01:00 BST last check (00:00 UTC); due 01:30 BST (00:30 UTC).
        let last = utc(2026, 10, 25, 0, 0);
        assert_eq!(to_london_with_zone(last), "01:00 BST");
        let due = next_check_due(last, &CheckInterval::Every30Minutes).unwrap();
        assert_eq!(to_london_with_zone(due), "01:30 BST");
        assert_eq!(due - last, TimeDelta::minutes(30));
        // The second 01:30 (GMT) an hour later is not when it was due: by then it is 60m late.
        let second_0130 = utc(2026, 10, 25, 1, 30);
        assert_eq!(to_london_with_zone(second_0130), "01:30 GMT");
        assert_eq!(
            CheckStatus::at(due, second_0130),
            CheckStatus::Overdue {
                by: TimeDelta::minutes(60)
            }
        );
        // A check done at the first 01:30 (BST) makes the next due at 01:00 GMT, 30 minutes on.
        let next = next_check_due(due, &CheckInterval::Every30Minutes).unwrap();
        assert_eq!(to_london_with_zone(next), "01:00 GMT");
        assert_eq!(next - due, TimeDelta::minutes(30));
    }

    #[test]
    fn spring_forward_due_times_stay_in_real_minutes() {
        // 29 Mar 2026: 00:50 GMT + 15 minutes = 02:05 BST, 15 real minutes.
        let last = utc(2026, 3, 29, 0, 50);
        let due = next_check_due(last, &CheckInterval::Every15Minutes).unwrap();
        assert_eq!(to_london_with_zone(due), "02:05 BST");
        assert_eq!(due - last, TimeDelta::minutes(15));
    }

    #[test]
    fn timeline_marks_late_gaps() {
        let start = utc(2026, 6, 1, 10, 0);
        let checks = [
            utc(2026, 6, 1, 11, 5),
            utc(2026, 6, 1, 10, 25),
            utc(2026, 6, 1, 11, 30),
        ];
        let t = timeline(start, &checks, Some(30));
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].gap, TimeDelta::minutes(25));
        assert!(!t[0].late);
        assert_eq!(t[1].gap, TimeDelta::minutes(40));
        assert!(t[1].late);
        assert!(!t[2].late);
        assert!(timeline(start, &checks, None).iter().all(|e| !e.late));
    }

    #[test]
    fn error_messages_are_single_sentences() {
        let msgs = [
            CarePlanError::RationaleRequired {
                chosen: 1,
                suggested: 2,
            }
            .to_string(),
            CarePlanError::RousingDropped.to_string(),
            CheckError::TooFarBack(20).to_string(),
            CheckError::LateWithoutReason(5).to_string(),
            CheckError::RousableUnanswered.to_string(),
            CheckError::EmptyWrittenEntry.to_string(),
        ];
        for m in msgs {
            assert!(m.ends_with('.'), "{m}");
            assert_eq!(m.matches(". ").count(), 0, "{m}");
        }
    }
}
