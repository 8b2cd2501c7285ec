//! Observation levels, check intervals and when the next cell visit is due.
//!
//! Sources: College of Policing APP "Detention and custody" (observation levels 1–4), PACE Code C
//! 9.3 and Annex H (visits and rousing), and the Ministry of Justice Person Escort Record's
//! observation options; all summarised in `reference/custody-practice.md`, "Observation levels
//! (APP) and checks (Code C 9.3, Annex H)". Due times are computed in UTC (DESIGN.md, "Data
//! rules"), so a change to or from British Summer Time never moves one: a check every 30 minutes
//! is due 30 real minutes after the last one, whatever the wall clock does.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// APP observation level. Ordered: a higher level is closer observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationLevel {
    /// Level 1: visited at least every hour.
    General = 1,
    /// Level 2: visited and roused at least every 30 minutes (Code C 9.3), or more often as the
    /// HCP directs.
    Intermittent = 2,
    /// Level 3: continuously observed (CCTV may be used with care).
    Constant = 3,
    /// Level 4: a person physically close to the detainee at all times.
    CloseProximity = 4,
}

/// A level or interval name that is not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObservationError {
    #[error(
        "`{0}` is not an observation level: use 1 to 4 or general, intermittent, constant or close_proximity."
    )]
    UnknownLevel(String),
    #[error(
        "`{0}` is not a check interval: use hourly, every_30_minutes, every_15_minutes, every_10_minutes, every_5_minutes, constant_cctv, constant_physical or alternative."
    )]
    UnknownInterval(String),
    #[error("An alternative check plan needs details saying what the checks are.")]
    AlternativeWithoutDetails,
    #[error(
        "An alternative check interval must be from 1 to 60 minutes, but {0} minutes was entered."
    )]
    MinutesOutOfRange(u32),
}

impl ObservationLevel {
    pub const ALL: [ObservationLevel; 4] = [
        ObservationLevel::General,
        ObservationLevel::Intermittent,
        ObservationLevel::Constant,
        ObservationLevel::CloseProximity,
    ];

    /// The APP level number, 1 to 4.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The level with this APP number, if it is 1 to 4.
    pub fn from_number(n: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.number() == n)
    }

    /// The stable name stored in the database and used in rules.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationLevel::General => "general",
            ObservationLevel::Intermittent => "intermittent",
            ObservationLevel::Constant => "constant",
            ObservationLevel::CloseProximity => "close_proximity",
        }
    }

    /// The APP name, e.g. "Intermittent observation".
    pub fn label(self) -> &'static str {
        match self {
            ObservationLevel::General => "General observation",
            ObservationLevel::Intermittent => "Intermittent observation",
            ObservationLevel::Constant => "Constant observation",
            ObservationLevel::CloseProximity => "Close proximity",
        }
    }

    /// What the level requires, in one line for help text.
    pub fn requirement(self) -> &'static str {
        match self {
            ObservationLevel::General => "Visit at least every hour.",
            ObservationLevel::Intermittent => {
                "Visit and rouse at least every 30 minutes, or more often as the HCP directs."
            }
            ObservationLevel::Constant => "Observe continuously; CCTV may be used with care.",
            ObservationLevel::CloseProximity => {
                "Keep a person physically close to the detainee at all times."
            }
        }
    }
}

impl fmt::Display for ObservationLevel {
    /// "Level 2 intermittent observation" style: the number carries the meaning without colour.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Level {} {}", self.number(), self.label().to_lowercase())
    }
}

impl FromStr for ObservationLevel {
    type Err = ObservationError;
    /// Accepts the stored name (`intermittent`) or the number (`2`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Ok(n) = t.parse::<u8>() {
            return Self::from_number(n).ok_or_else(|| ObservationError::UnknownLevel(s.into()));
        }
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ObservationError::UnknownLevel(s.into()))
    }
}

/// How often the person is checked: the Person Escort Record's options.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckInterval {
    /// At least hourly.
    Hourly,
    #[serde(rename = "every_30_minutes")]
    Every30Minutes,
    #[serde(rename = "every_15_minutes")]
    Every15Minutes,
    #[serde(rename = "every_10_minutes")]
    Every10Minutes,
    #[serde(rename = "every_5_minutes")]
    Every5Minutes,
    /// Constant observation via CCTV.
    ConstantCctv,
    /// Constant physical observation.
    ConstantPhysical,
    /// An alternative plan described in words, periodic when `minutes` is given. Build it with
    /// [`CheckInterval::alternative`] so the details and minutes are checked.
    Alternative {
        details: String,
        minutes: Option<u32>,
    },
}

impl CheckInterval {
    /// The fixed options in the order the Person Escort Record lists them (without
    /// `Alternative`, which needs details).
    pub const FIXED: [CheckInterval; 7] = [
        CheckInterval::Hourly,
        CheckInterval::Every30Minutes,
        CheckInterval::Every15Minutes,
        CheckInterval::Every10Minutes,
        CheckInterval::Every5Minutes,
        CheckInterval::ConstantCctv,
        CheckInterval::ConstantPhysical,
    ];

    /// An alternative plan: `details` must say what the checks are (not blank) and `minutes`,
    /// when the plan is periodic, must be 1 to 60 (level 1 already means at least hourly).
    pub fn alternative(details: &str, minutes: Option<u32>) -> Result<Self, ObservationError> {
        let details = details.trim();
        if details.is_empty() {
            return Err(ObservationError::AlternativeWithoutDetails);
        }
        if let Some(m) = minutes
            && !(1..=60).contains(&m)
        {
            return Err(ObservationError::MinutesOutOfRange(m));
        }
        Ok(CheckInterval::Alternative {
            details: details.to_string(),
            minutes,
        })
    }

    /// Rebuilds an interval from its stored parts (`as_str`, and for `alternative` the details
    /// and minutes).
    pub fn from_parts(
        kind: &str,
        details: Option<&str>,
        minutes: Option<u32>,
    ) -> Result<Self, ObservationError> {
        if kind == "alternative" {
            return Self::alternative(details.unwrap_or(""), minutes);
        }
        Self::FIXED
            .into_iter()
            .find(|i| i.as_str() == kind)
            .ok_or_else(|| ObservationError::UnknownInterval(kind.to_string()))
    }

    /// The stable name stored in the database.
    pub fn as_str(&self) -> &'static str {
        match self {
            CheckInterval::Hourly => "hourly",
            CheckInterval::Every30Minutes => "every_30_minutes",
            CheckInterval::Every15Minutes => "every_15_minutes",
            CheckInterval::Every10Minutes => "every_10_minutes",
            CheckInterval::Every5Minutes => "every_5_minutes",
            CheckInterval::ConstantCctv => "constant_cctv",
            CheckInterval::ConstantPhysical => "constant_physical",
            CheckInterval::Alternative { .. } => "alternative",
        }
    }

    /// The wording for screens and the escort summary.
    pub fn label(&self) -> String {
        match self {
            CheckInterval::Hourly => "At least hourly".into(),
            CheckInterval::Every30Minutes => "Every 30 minutes".into(),
            CheckInterval::Every15Minutes => "Every 15 minutes".into(),
            CheckInterval::Every10Minutes => "Every 10 minutes".into(),
            CheckInterval::Every5Minutes => "Every 5 minutes".into(),
            CheckInterval::ConstantCctv => "Constant via CCTV".into(),
            CheckInterval::ConstantPhysical => "Constant physical".into(),
            CheckInterval::Alternative {
                details,
                minutes: Some(m),
            } => format!("Alternative, every {m} minutes: {details}"),
            CheckInterval::Alternative {
                details,
                minutes: None,
            } => format!("Alternative: {details}"),
        }
    }

    /// At most five characters for a board column: `60m`, `30m`, `CCTV`, `CONST`, `A20m`, `ALT`.
    pub fn short_label(&self) -> String {
        match (self, self.minutes()) {
            (CheckInterval::ConstantCctv, _) => "CCTV".into(),
            (CheckInterval::ConstantPhysical, _) => "CONST".into(),
            (CheckInterval::Alternative { .. }, Some(m)) => format!("A{m}m"),
            (CheckInterval::Alternative { .. }, None) => "ALT".into(),
            (_, Some(m)) => format!("{m}m"),
            (_, None) => "?".into(),
        }
    }

    /// Minutes between checks, or `None` when observation is constant (or an alternative plan
    /// that is not periodic), so no check falls due.
    pub fn minutes(&self) -> Option<u32> {
        match self {
            CheckInterval::Hourly => Some(60),
            CheckInterval::Every30Minutes => Some(30),
            CheckInterval::Every15Minutes => Some(15),
            CheckInterval::Every10Minutes => Some(10),
            CheckInterval::Every5Minutes => Some(5),
            CheckInterval::ConstantCctv | CheckInterval::ConstantPhysical => None,
            CheckInterval::Alternative { minutes, .. } => *minutes,
        }
    }

    /// Whether someone watches continuously (CCTV or physically).
    pub fn is_constant(&self) -> bool {
        matches!(
            self,
            CheckInterval::ConstantCctv | CheckInterval::ConstantPhysical
        )
    }

    /// Whether this interval is at least as close as `level` requires (APP): level 1 needs
    /// checks at least hourly, level 2 at least every 30 minutes, level 3 constant observation
    /// (CCTV or physical), level 4 constant physical. An alternative plan never satisfies levels
    /// 3 and 4. When this is false the plan is below the level and needs a recorded reason
    /// (`reference/custody-practice.md`, "What goes wrong today").
    pub fn meets_minimum_for(&self, level: ObservationLevel) -> bool {
        match level {
            ObservationLevel::General | ObservationLevel::Intermittent => {
                let required = if level == ObservationLevel::General {
                    60
                } else {
                    30
                };
                self.is_constant() || self.minutes().is_some_and(|m| m <= required)
            }
            ObservationLevel::Constant => self.is_constant(),
            ObservationLevel::CloseProximity => *self == CheckInterval::ConstantPhysical,
        }
    }
}

impl fmt::Display for CheckInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// The usual interval for a level: level 1 hourly, level 2 every 30 minutes (Code C 9.3),
/// level 3 constant via CCTV, level 4 constant physical (APP).
pub fn default_for(level: ObservationLevel) -> CheckInterval {
    match level {
        ObservationLevel::General => CheckInterval::Hourly,
        ObservationLevel::Intermittent => CheckInterval::Every30Minutes,
        ObservationLevel::Constant => CheckInterval::ConstantCctv,
        ObservationLevel::CloseProximity => CheckInterval::ConstantPhysical,
    }
}

/// When the next check is due: `anchor` (the last completed check, or when the plan was set if
/// none has been done since) plus the interval, in UTC. `None` for constant observation.
pub fn next_check_due(anchor: DateTime<Utc>, interval: &CheckInterval) -> Option<DateTime<Utc>> {
    interval
        .minutes()
        .map(|m| anchor + TimeDelta::minutes(i64::from(m)))
}

/// Where a due time stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    /// Not yet late: due after `remaining` (zero means due at this very moment).
    Due { remaining: TimeDelta },
    /// Late by `by` (always positive).
    Overdue { by: TimeDelta },
}

impl CheckStatus {
    /// A check due at `due` seen at `now`: overdue only once `now` is after `due`.
    pub fn at(due: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        if now > due {
            CheckStatus::Overdue { by: now - due }
        } else {
            CheckStatus::Due {
                remaining: due - now,
            }
        }
    }

    pub fn is_overdue(&self) -> bool {
        matches!(self, CheckStatus::Overdue { .. })
    }

    /// Time until due: negative when overdue.
    pub fn signed_remaining(&self) -> TimeDelta {
        match *self {
            CheckStatus::Due { remaining } => remaining,
            CheckStatus::Overdue { by } => -by,
        }
    }

    /// The board text, see [`format_countdown`].
    pub fn countdown(&self) -> String {
        format_countdown(self.signed_remaining())
    }
}

fn hours_minutes(total_minutes: i64) -> String {
    if total_minutes < 60 {
        format!("{total_minutes}m")
    } else {
        format!("{}h{:02}m", total_minutes / 60, total_minutes % 60)
    }
}

/// Compact countdown for a board column, from the time remaining until a deadline (negative
/// when past it): `now` at the moment it falls due, `12m` or `1h05m` before it (rounded up, so
/// `1m` shows until the moment it is due), and `!-3m` or `!-1h05m` once overdue (whole minutes
/// late, at least 1). The `!` makes lateness readable without colour (DESIGN.md, "Interface
/// conventions").
pub fn format_countdown(remaining: TimeDelta) -> String {
    let secs = remaining.num_seconds();
    let nanos_extra = remaining.subsec_nanos() != 0;
    if secs == 0 && !nanos_extra {
        return "now".into();
    }
    if remaining > TimeDelta::zero() {
        let mut mins = secs / 60;
        if secs % 60 != 0 || nanos_extra {
            mins += 1;
        }
        hours_minutes(mins)
    } else {
        let late_secs = (-remaining).num_seconds();
        let mins = (late_secs / 60).max(1);
        format!("!-{}", hours_minutes(mins))
    }
}

/// A duration already passed (time in custody, waiting time), in whole minutes rounded down:
/// `0m`, `45m`, `3h20m`, `26h05m`. Negative durations show as `0m`.
pub fn format_elapsed(elapsed: TimeDelta) -> String {
    hours_minutes(elapsed.num_minutes().max(0))
}

/// Wall-clock time in London, `HH:MM` (24-hour).
pub fn to_london(t: DateTime<Utc>) -> String {
    t.with_timezone(&London).format("%H:%M").to_string()
}

/// Wall-clock time in London with the zone, `HH:MM GMT` or `HH:MM BST`: needed where a time in
/// the repeated hour of the autumn change would otherwise be ambiguous.
pub fn to_london_with_zone(t: DateTime<Utc>) -> String {
    t.with_timezone(&London).format("%H:%M %Z").to_string()
}

/// Date and time in London, `DD Mon HH:MM`, e.g. `25 Oct 01:15`.
pub fn to_london_with_day(t: DateTime<Utc>) -> String {
    t.with_timezone(&London).format("%d %b %H:%M").to_string()
}

/// The calendar date in London at this instant (e.g. "today" for a date-of-birth check).
pub fn london_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&London).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn levels_have_numbers_labels_and_names() {
        let cases = [
            (
                1,
                ObservationLevel::General,
                "general",
                "General observation",
            ),
            (
                2,
                ObservationLevel::Intermittent,
                "intermittent",
                "Intermittent observation",
            ),
            (
                3,
                ObservationLevel::Constant,
                "constant",
                "Constant observation",
            ),
            (
                4,
                ObservationLevel::CloseProximity,
                "close_proximity",
                "Close proximity",
            ),
        ];
        for (n, level, name, label) in cases {
            assert_eq!(level.number(), n);
            assert_eq!(ObservationLevel::from_number(n), Some(level));
            assert_eq!(level.as_str(), name);
            assert_eq!(level.label(), label);
            assert_eq!(name.parse::<ObservationLevel>(), Ok(level));
            assert_eq!(n.to_string().parse::<ObservationLevel>(), Ok(level));
            assert!(level.to_string().starts_with(&format!("Level {n} ")));
        }
        assert_eq!(ObservationLevel::from_number(0), None);
        assert_eq!(ObservationLevel::from_number(5), None);
        assert!("5".parse::<ObservationLevel>().is_err());
        assert!("high".parse::<ObservationLevel>().is_err());
        assert_eq!(
            ObservationLevel::Intermittent.to_string(),
            "Level 2 intermittent observation"
        );
    }

    #[test]
    fn higher_level_sorts_higher() {
        assert!(ObservationLevel::CloseProximity > ObservationLevel::Constant);
        assert!(ObservationLevel::Constant > ObservationLevel::Intermittent);
        assert!(ObservationLevel::Intermittent > ObservationLevel::General);
    }

    #[test]
    fn defaults_follow_app_and_code_c() {
        assert_eq!(
            default_for(ObservationLevel::General),
            CheckInterval::Hourly
        );
        assert_eq!(
            default_for(ObservationLevel::Intermittent),
            CheckInterval::Every30Minutes
        );
        assert_eq!(
            default_for(ObservationLevel::Constant),
            CheckInterval::ConstantCctv
        );
        assert_eq!(
            default_for(ObservationLevel::CloseProximity),
            CheckInterval::ConstantPhysical
        );
        for level in ObservationLevel::ALL {
            assert!(default_for(level).meets_minimum_for(level), "{level}");
        }
    }

    #[test]
    fn interval_minutes_and_labels() {
        let cases: [(CheckInterval, Option<u32>, &str, &str); 7] = [
            (CheckInterval::Hourly, Some(60), "At least hourly", "60m"),
            (
                CheckInterval::Every30Minutes,
                Some(30),
                "Every 30 minutes",
                "30m",
            ),
            (
                CheckInterval::Every15Minutes,
                Some(15),
                "Every 15 minutes",
                "15m",
            ),
            (
                CheckInterval::Every10Minutes,
                Some(10),
                "Every 10 minutes",
                "10m",
            ),
            (
                CheckInterval::Every5Minutes,
                Some(5),
                "Every 5 minutes",
                "5m",
            ),
            (
                CheckInterval::ConstantCctv,
                None,
                "Constant via CCTV",
                "CCTV",
            ),
            (
                CheckInterval::ConstantPhysical,
                None,
                "Constant physical",
                "CONST",
            ),
        ];
        for (interval, minutes, label, short) in cases {
            assert_eq!(interval.minutes(), minutes);
            assert_eq!(interval.label(), label);
            assert_eq!(interval.short_label(), short);
            assert_eq!(interval.is_constant(), minutes.is_none());
            assert_eq!(
                CheckInterval::from_parts(interval.as_str(), None, None),
                Ok(interval.clone())
            );
        }
    }

    #[test]
    fn alternative_needs_details_and_a_sane_interval() {
        let alt = CheckInterval::alternative("  rouse and check breathing  ", Some(20)).unwrap();
        assert_eq!(alt.minutes(), Some(20));
        assert_eq!(
            alt.label(),
            "Alternative, every 20 minutes: rouse and check breathing"
        );
        assert_eq!(alt.short_label(), "A20m");
        let words = CheckInterval::alternative("officer at door during meals", None).unwrap();
        assert_eq!(words.minutes(), None);
        assert_eq!(words.short_label(), "ALT");
        assert_eq!(
            CheckInterval::alternative("   ", Some(20)),
            Err(ObservationError::AlternativeWithoutDetails)
        );
        assert_eq!(
            CheckInterval::alternative("x", Some(0)),
            Err(ObservationError::MinutesOutOfRange(0))
        );
        assert_eq!(
            CheckInterval::alternative("x", Some(61)),
            Err(ObservationError::MinutesOutOfRange(61))
        );
        assert_eq!(
            CheckInterval::from_parts("alternative", Some("rouse"), Some(20)),
            CheckInterval::alternative("rouse", Some(20))
        );
        assert_eq!(
            CheckInterval::from_parts("alternative", None, Some(20)),
            Err(ObservationError::AlternativeWithoutDetails)
        );
        assert_eq!(
            CheckInterval::from_parts("every_20_minutes", None, None),
            Err(ObservationError::UnknownInterval("every_20_minutes".into()))
        );
    }

    #[test]
    fn interval_below_the_level_is_detected() {
        use CheckInterval as I;
        use ObservationLevel as L;
        let alt20 = CheckInterval::alternative("rouse", Some(20)).unwrap();
        let alt45 = CheckInterval::alternative("rouse", Some(45)).unwrap();
        let cases = [
            (I::Hourly, L::General, true),
            (I::Hourly, L::Intermittent, false),
            (I::Every30Minutes, L::Intermittent, true),
            (I::Every5Minutes, L::Intermittent, true),
            (I::Every5Minutes, L::Constant, false),
            (I::ConstantCctv, L::Constant, true),
            (I::ConstantCctv, L::CloseProximity, false),
            (I::ConstantPhysical, L::CloseProximity, true),
            (I::ConstantPhysical, L::General, true),
            (alt20.clone(), L::Intermittent, true),
            (alt45.clone(), L::General, true),
            (alt45, L::Intermittent, false),
            (alt20, L::Constant, false),
        ];
        for (interval, level, ok) in cases {
            assert_eq!(
                interval.meets_minimum_for(level),
                ok,
                "{interval} for {level}"
            );
        }
    }

    #[test]
    fn interval_serde_uses_stable_names() {
        let json = serde_json::to_string(&CheckInterval::Every30Minutes).unwrap();
        assert_eq!(json, r#"{"kind":"every_30_minutes"}"#);
        let alt = CheckInterval::alternative("rouse", Some(20)).unwrap();
        let json = serde_json::to_string(&alt).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"alternative","details":"rouse","minutes":20}"#
        );
        assert_eq!(serde_json::from_str::<CheckInterval>(&json).unwrap(), alt);
        assert_eq!(
            serde_json::to_string(&ObservationLevel::CloseProximity).unwrap(),
            r#""close_proximity""#
        );
    }

    #[test]
    fn next_check_is_anchor_plus_interval_and_none_when_constant() {
        let anchor = utc(2026, 6, 1, 10, 0);
        assert_eq!(
            next_check_due(anchor, &CheckInterval::Hourly),
            Some(utc(2026, 6, 1, 11, 0))
        );
        assert_eq!(
            next_check_due(anchor, &CheckInterval::Every5Minutes),
            Some(utc(2026, 6, 1, 10, 5))
        );
        assert_eq!(next_check_due(anchor, &CheckInterval::ConstantCctv), None);
        assert_eq!(
            next_check_due(anchor, &CheckInterval::ConstantPhysical),
            None
        );
    }

    #[test]
    fn autumn_change_does_not_move_a_due_time() {
        // 25 Oct 2026: BST ends at 01:00 UTC (02:00 BST becomes 01:00 GMT).
        let last_check = utc(2026, 10, 25, 0, 45);
        assert_eq!(to_london_with_zone(last_check), "01:45 BST");
        let due = next_check_due(last_check, &CheckInterval::Every30Minutes).unwrap();
        assert_eq!(due, utc(2026, 10, 25, 1, 15));
        assert_eq!(due - last_check, TimeDelta::minutes(30));
        assert_eq!(to_london(due), "01:15");
        assert_eq!(to_london_with_zone(due), "01:15 GMT");
        assert_eq!(to_london_with_day(due), "25 Oct 01:15");
        // Half-way there the board says 15 minutes, not 45 or -15.
        let now = utc(2026, 10, 25, 1, 0);
        assert_eq!(CheckStatus::at(due, now).countdown(), "15m");
        // An hourly check in the repeated hour: same wall-clock reading, one hour apart.
        let a = utc(2026, 10, 25, 0, 30);
        let b = next_check_due(a, &CheckInterval::Hourly).unwrap();
        assert_eq!(
            (to_london(a), to_london(b)),
            ("01:30".into(), "01:30".into())
        );
        assert_eq!(to_london_with_zone(a), "01:30 BST");
        assert_eq!(to_london_with_zone(b), "01:30 GMT");
    }

    #[test]
    fn spring_change_does_not_move_a_due_time() {
        // 29 Mar 2026: BST starts at 01:00 UTC (01:00 GMT becomes 02:00 BST).
        let last_check = utc(2026, 3, 29, 0, 45);
        assert_eq!(to_london_with_zone(last_check), "00:45 GMT");
        let due = next_check_due(last_check, &CheckInterval::Every30Minutes).unwrap();
        assert_eq!(due, utc(2026, 3, 29, 1, 15));
        assert_eq!(due - last_check, TimeDelta::minutes(30));
        assert_eq!(to_london_with_zone(due), "02:15 BST");
        assert_eq!(to_london_with_day(due), "29 Mar 02:15");
        let now = utc(2026, 3, 29, 1, 10);
        assert_eq!(CheckStatus::at(due, now).countdown(), "5m");
    }

    #[test]
    fn london_date_follows_local_midnight() {
        // 23:30 UTC on 30 June is 00:30 BST on 1 July.
        assert_eq!(
            london_date(utc(2026, 6, 30, 23, 30)),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        assert_eq!(
            london_date(utc(2026, 12, 31, 23, 30)),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }

    #[test]
    fn status_is_due_until_the_moment_passes() {
        let due = utc(2026, 6, 1, 10, 0);
        assert_eq!(
            CheckStatus::at(due, utc(2026, 6, 1, 9, 48)),
            CheckStatus::Due {
                remaining: TimeDelta::minutes(12)
            }
        );
        assert_eq!(
            CheckStatus::at(due, due),
            CheckStatus::Due {
                remaining: TimeDelta::zero()
            }
        );
        let late = CheckStatus::at(due, utc(2026, 6, 1, 10, 3));
        assert_eq!(
            late,
            CheckStatus::Overdue {
                by: TimeDelta::minutes(3)
            }
        );
        assert!(late.is_overdue());
        assert_eq!(late.countdown(), "!-3m");
        assert_eq!(late.signed_remaining(), TimeDelta::minutes(-3));
    }

    #[test]
    fn countdown_table() {
        let s = TimeDelta::seconds;
        let cases = [
            (s(0), "now"),
            (TimeDelta::milliseconds(1), "1m"),
            (s(1), "1m"),
            (s(59), "1m"),
            (s(60), "1m"),
            (s(61), "2m"),
            (s(12 * 60), "12m"),
            (s(59 * 60), "59m"),
            (s(60 * 60), "1h00m"),
            (s(65 * 60), "1h05m"),
            (s(26 * 3600 + 5 * 60), "26h05m"),
            (TimeDelta::milliseconds(-1), "!-1m"),
            (s(-1), "!-1m"),
            (s(-119), "!-1m"),
            (s(-120), "!-2m"),
            (s(-3 * 60), "!-3m"),
            (s(-65 * 60), "!-1h05m"),
        ];
        for (d, want) in cases {
            assert_eq!(format_countdown(d), want, "{d:?}");
        }
    }

    #[test]
    fn elapsed_table() {
        let m = TimeDelta::minutes;
        assert_eq!(format_elapsed(m(0)), "0m");
        assert_eq!(format_elapsed(TimeDelta::seconds(59)), "0m");
        assert_eq!(format_elapsed(m(45)), "45m");
        assert_eq!(format_elapsed(m(200)), "3h20m");
        assert_eq!(format_elapsed(m(26 * 60 + 5)), "26h05m");
        assert_eq!(format_elapsed(m(-5)), "0m");
    }

    #[test]
    fn error_messages_are_single_sentences() {
        for e in [
            ObservationError::UnknownLevel("5".into()),
            ObservationError::UnknownInterval("x".into()),
            ObservationError::AlternativeWithoutDetails,
            ObservationError::MinutesOutOfRange(90),
        ] {
            let m = e.to_string();
            assert!(m.ends_with('.'), "{m}");
            assert_eq!(m.matches(". ").count(), 0, "{m}");
        }
    }

    proptest! {
        #[test]
        fn every_overdue_countdown_carries_the_bang_and_no_due_one_does(secs in -350_000i64..350_000) {
            let text = format_countdown(TimeDelta::seconds(secs));
            prop_assert_eq!(text.starts_with('!'), secs < 0);
            prop_assert!(text.len() <= 8, "{}", text);
        }

        #[test]
        fn due_time_is_exactly_the_interval_after_the_anchor_in_real_time(
            offset_min in 0i64..(366 * 24 * 60), idx in 0usize..5
        ) {
            let anchor = utc(2026, 1, 1, 0, 0) + TimeDelta::minutes(offset_min);
            let interval = &CheckInterval::FIXED[idx];
            let due = next_check_due(anchor, interval).unwrap();
            prop_assert_eq!((due - anchor).num_minutes(), i64::from(interval.minutes().unwrap()));
            let status = CheckStatus::at(due, anchor);
            prop_assert!(!status.is_overdue());
        }
    }
}
