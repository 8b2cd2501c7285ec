//! The figures that show the suite's healthcare working, over a period: how long people waited
//! for an HCP, whether cell checks were on time, whether doses were given, whether every
//! person leaving had a pre-release risk assessment, whether a substance-use need led to a
//! referral. Pure: the store gathers the facts, this computes the measures.
//!
//! Sources (`reference/safety-and-pathways.md`, "Continuity-of-care indicators"):
//! - HMICFRS, Expectations for police custody (version 4, 2022), health: timely access to
//!   competent HCPs; the measures a suite's data supports (request to seen, checks on time,
//!   doses against due, PRRA completion, substance-use referral, AA and interpreter waits);
//! - PHOF C20 and the NAO's continuity measures: what happens after custody starts with a
//!   referral made in custody;
//! - providers report "time of call to time of patient seen" (Northumbria Police FOI 177/18).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Percentiles by the nearest-rank method (the value at rank ⌈p·n⌉ of the sorted values), so a
/// figure is always a wait someone actually had. `None` for no values.
pub fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// A share as a percentage with one decimal; `None` when nothing was counted.
pub fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// One request for an HCP: when asked, and when first seen after (none: not yet, or never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFact {
    pub requested_at: DateTime<Utc>,
    pub seen_at: Option<DateTime<Utc>>,
    /// The band's minutes when asked: a wait longer than this was outside its band.
    pub band_minutes: i64,
}

/// HCP request to seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestToSeen {
    pub requests: usize,
    pub seen: usize,
    /// Not seen by the end of the period (still waiting, or left unseen).
    pub not_seen: usize,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    /// Seen within the band they were asked in.
    pub within_band: usize,
    /// How many waits fell in each of [`WAIT_BUCKETS`] (the report screen's chart).
    pub wait_buckets: Vec<usize>,
}

/// The report screen's wait chart: (label, up to this many minutes); the last is open-ended.
pub const WAIT_BUCKETS: [(&str, i64); 5] = [
    ("≤20m", 20),
    ("≤1h", 60),
    ("≤2h", 120),
    ("≤4h", 240),
    (">4h", i64::MAX),
];

/// Request-to-seen over the requests made in the period.
pub fn request_to_seen(requests: &[RequestFact]) -> RequestToSeen {
    let mut waits: Vec<i64> = requests
        .iter()
        .filter_map(|r| r.seen_at.map(|s| (s - r.requested_at).num_minutes().max(0)))
        .collect();
    waits.sort_unstable();
    RequestToSeen {
        requests: requests.len(),
        seen: waits.len(),
        not_seen: requests.len() - waits.len(),
        median_minutes: nearest_rank(&waits, 0.5),
        p90_minutes: nearest_rank(&waits, 0.9),
        wait_buckets: WAIT_BUCKETS
            .iter()
            .enumerate()
            .map(|(i, (_, upto))| {
                let above = if i == 0 {
                    i64::MIN
                } else {
                    WAIT_BUCKETS[i - 1].1
                };
                waits.iter().filter(|w| **w > above && **w <= *upto).count()
            })
            .collect(),
        within_band: requests
            .iter()
            .filter(|r| {
                r.seen_at
                    .is_some_and(|s| (s - r.requested_at).num_minutes() <= r.band_minutes)
            })
            .count(),
    }
}

/// A detention's check schedule as the report replays it: when the schedule started (arrival
/// or the first plan), each plan version's interval from when it was set (`None`: constant
/// observation, no visit due), each check's time, and when the detention ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckHistory {
    pub arrived_at: DateTime<Utc>,
    /// (set at, interval minutes), oldest first; before the first, hourly (APP's minimum).
    pub plans: Vec<(DateTime<Utc>, Option<i64>)>,
    /// When each check was done, oldest first.
    pub checks: Vec<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Cell checks that fell due in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecksOnTime {
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    /// Fell due and no check followed before the person left or the period ended.
    pub missed: usize,
    pub on_time_percent: Option<f64>,
}

/// What became of one check that fell due, as the replay finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// A check was done by the due time (at this time).
    OnTime(DateTime<Utc>),
    /// The next check came after the due time (at this time).
    Late(DateTime<Utc>),
    /// No check came before the plan changed (at this time: the schedule restarted there).
    MissedBeforePlanChange(DateTime<Utc>),
    /// No check came before the person left or the end of the period.
    Missed,
}

impl CheckOutcome {
    /// On time is the only outcome the person was visited as planned.
    pub fn is_on_time(self) -> bool {
        matches!(self, CheckOutcome::OnTime(_))
    }
}

/// One check that fell due in the period and what became of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckDue {
    pub due: DateTime<Utc>,
    pub outcome: CheckOutcome,
}

/// Replays one schedule as the board computes it (the next check falls due one interval after
/// the later of the last check and the last plan change) and gives each due in
/// [`from`, `to`): on time when a check was done by then; late when the next check came after
/// it; missed when none came before the plan changed, the detention ended, or `to`. A plan
/// change before a due restarts the schedule without counting it; constant observation (no
/// interval) has no visit due. The report counts these; the shift handover lists the late
/// and missed ones by name, so both read one replay.
pub fn check_dues(h: &CheckHistory, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<CheckDue> {
    let mut out = Vec::new();
    let end = h.closed_at.map_or(to, |c| c.min(to));
    // Before the first plan, hourly from arrival: APP's minimum.
    let interval_at = |t: DateTime<Utc>| -> Option<i64> {
        h.plans
            .iter()
            .rev()
            .find(|(set, _)| *set <= t)
            .map_or(Some(60), |(_, m)| *m)
    };
    let mut anchor = h.arrived_at;
    loop {
        let next_check = h.checks.iter().copied().find(|c| *c > anchor && *c < end);
        let next_plan = h
            .plans
            .iter()
            .map(|(set, _)| *set)
            .find(|p| *p > anchor && *p < end);
        let due = interval_at(anchor)
            .map(|m| anchor + Duration::minutes(m))
            .filter(|d| *d < end);
        let Some(due) = due else {
            // Nothing falls due before the end on this plan: the next plan, if any.
            match next_plan {
                Some(p) => {
                    anchor = p;
                    continue;
                }
                None => break,
            }
        };
        let counted = due >= from;
        let mut push = |outcome| {
            if counted {
                out.push(CheckDue { due, outcome });
            }
        };
        // The first thing that happens after the anchor: a check or a plan change.
        let plan_first = match (next_plan, next_check) {
            (Some(p), Some(c)) => p < c,
            (Some(_), None) => true,
            _ => false,
        };
        match (plan_first, next_plan, next_check) {
            (true, Some(p), _) => {
                if p > due {
                    push(CheckOutcome::MissedBeforePlanChange(p));
                }
                anchor = p;
            }
            (false, _, Some(c)) => {
                push(if c <= due {
                    CheckOutcome::OnTime(c)
                } else {
                    CheckOutcome::Late(c)
                });
                anchor = c;
            }
            _ => {
                push(CheckOutcome::Missed);
                break;
            }
        }
    }
    out
}

/// Cell checks that fell due in the period, counted from [`check_dues`].
pub fn checks_on_time(
    histories: &[CheckHistory],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ChecksOnTime {
    let (mut on_time, mut late, mut missed) = (0, 0, 0);
    for d in histories.iter().flat_map(|h| check_dues(h, from, to)) {
        match d.outcome {
            CheckOutcome::OnTime(_) => on_time += 1,
            CheckOutcome::Late(_) => late += 1,
            CheckOutcome::MissedBeforePlanChange(_) | CheckOutcome::Missed => missed += 1,
        }
    }
    let due = on_time + late + missed;
    ChecksOnTime {
        due,
        on_time,
        late,
        missed,
        on_time_percent: percent(on_time, due),
    }
}

/// A regular medicine's history: how often, when last taken before it was written down, when
/// it was written down and stopped, and each administration (time, outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseHistory {
    pub every_hours: i64,
    pub last_taken_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// (at, outcome: given, declined, withheld, not_available), oldest first.
    pub administrations: Vec<(DateTime<Utc>, String)>,
}

/// Doses that fell due in the period and what became of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DosesAgainstDue {
    pub due: usize,
    pub given: usize,
    pub declined: usize,
    /// Withheld or not available, each with a recorded reason.
    pub not_given_with_reason: usize,
    /// Fell due and nothing was recorded before the next dose fell due (or the end).
    pub missed: usize,
    pub given_percent: Option<f64>,
}

/// What became of one dose that fell due, as the replay finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoseOutcome {
    /// Given (at this time; a dose declined and then given counts as given).
    Given(DateTime<Utc>),
    /// Not given: the first entry's outcome (declined, withheld, not available) and time.
    NotGiven { outcome: String, at: DateTime<Utc> },
    /// Nothing recorded before the next dose would fall due (or the end).
    Missed,
}

/// One dose that fell due in the period and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseDue {
    pub due: DateTime<Utc>,
    pub outcome: DoseOutcome,
}

/// Replays one medicine as the board does (the next dose falls due one interval after the
/// last given, or when it was written down). Each due in [`from`, `to`) is answered by the
/// entries recorded before the following due would fall: given if one of them is a dose
/// given (a dose declined, then given, was given), otherwise the first entry's outcome;
/// missed when there is none. The report counts these; the shift handover names the late,
/// refused and missed ones.
pub fn dose_dues(h: &DoseHistory, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DoseDue> {
    let mut out = Vec::new();
    let end = h.ended_at.map_or(to, |e| e.min(to));
    let interval = Duration::hours(h.every_hours.max(1));
    let mut due = h.last_taken_at.map_or(h.recorded_at, |t| t + interval);
    let mut entries = h.administrations.iter().peekable();
    while due < end {
        let mut first: Option<(DateTime<Utc>, &str)> = None;
        let mut given_at = None;
        while let Some((at, o)) = entries.next_if(|(at, _)| *at < due + interval) {
            if o == "given" {
                given_at = Some(*at);
                break;
            }
            first.get_or_insert((*at, o.as_str()));
        }
        if due >= from {
            let outcome = match (given_at, first) {
                (Some(at), _) => DoseOutcome::Given(at),
                (None, Some((at, o))) => DoseOutcome::NotGiven {
                    outcome: o.to_string(),
                    at,
                },
                (None, None) => DoseOutcome::Missed,
            };
            out.push(DoseDue { due, outcome });
        }
        due = given_at.map_or(due + interval, |at| at + interval);
    }
    out
}

/// Doses that fell due in the period, counted from [`dose_dues`].
pub fn doses_against_due(
    histories: &[DoseHistory],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> DosesAgainstDue {
    let (mut given, mut declined, mut other, mut missed) = (0, 0, 0, 0);
    for d in histories.iter().flat_map(|h| dose_dues(h, from, to)) {
        match d.outcome {
            DoseOutcome::Given(_) => given += 1,
            DoseOutcome::NotGiven { outcome, .. } if outcome == "declined" => declined += 1,
            DoseOutcome::NotGiven { .. } => other += 1,
            DoseOutcome::Missed => missed += 1,
        }
    }
    let due = given + declined + other + missed;
    DosesAgainstDue {
        due,
        given,
        declined,
        not_given_with_reason: other,
        missed,
        given_percent: percent(given, due),
    }
}

/// A share of people: those counted and those of them who met the measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub counted: usize,
    pub met: usize,
    pub percent: Option<f64>,
}

impl Share {
    pub fn new(met: usize, counted: usize) -> Share {
        Share {
            counted,
            met,
            percent: percent(met, counted),
        }
    }
}

/// The whole report over one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub suite: String,
    /// The period, London dates, both days included.
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub hcp_request_to_seen: RequestToSeen,
    pub cell_checks: ChecksOnTime,
    pub doses: DosesAgainstDue,
    /// People who left custody in the period with a completed pre-release risk assessment.
    pub prra_completed: Share,
    /// People with a substance-use need (an ALC, DRG or WD flag) in custody in the period who
    /// were referred (a referral recorded in that detention).
    pub substance_use_referred: Share,
    /// Request to arrival, minutes (median by nearest rank), of each appropriate adult or
    /// interpreter asked for in the period who came (`domain::support`); `None`: none did.
    pub appropriate_adult_median_minutes: Option<i64>,
    pub interpreter_median_minutes: Option<i64>,
}

/// The period's bounds as UTC instants: from the start of `from` to the end of `to`, London
/// days (a period is what people mean by "1 to 30 November", through the clock change).
pub fn period_bounds(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    use chrono::TimeZone;
    use chrono_tz::Europe::London;
    let start = |d: chrono::NaiveDate| {
        London
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((start(from)?, start(to.succ_opt()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 10, h, m, 0).unwrap()
    }

    #[test]
    fn nearest_rank_percentiles_are_waits_someone_had() {
        let v = [5, 10, 20, 35, 40, 60, 90, 120, 200, 250];
        assert_eq!(nearest_rank(&v, 0.5), Some(40));
        assert_eq!(nearest_rank(&v, 0.9), Some(200));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn requests_count_waits_and_bands() {
        let r = request_to_seen(&[
            RequestFact {
                requested_at: t(10, 0),
                seen_at: Some(t(10, 15)),
                band_minutes: 20,
            },
            RequestFact {
                requested_at: t(10, 0),
                seen_at: Some(t(13, 0)),
                band_minutes: 120,
            },
            RequestFact {
                requested_at: t(11, 0),
                seen_at: None,
                band_minutes: 240,
            },
        ]);
        assert_eq!(
            (r.requests, r.seen, r.not_seen, r.within_band),
            (3, 2, 1, 1)
        );
        assert_eq!((r.median_minutes, r.p90_minutes), (Some(15), Some(180)));
        assert_eq!(r.wait_buckets, vec![1, 0, 0, 1, 0]);
    }

    #[test]
    fn checks_are_replayed_on_time_late_and_missed() {
        // Hourly from 08:00: due 09:00 (done 08:50, on time), due 09:50 (done 10:05, late),
        // due 11:05 (nothing before leaving at 12:00: missed).
        let h = CheckHistory {
            arrived_at: t(8, 0),
            plans: vec![(t(8, 0), Some(60))],
            checks: vec![t(8, 50), t(10, 5)],
            closed_at: Some(t(12, 0)),
        };
        let c = checks_on_time(std::slice::from_ref(&h), t(0, 0), t(23, 0));
        assert_eq!((c.due, c.on_time, c.late, c.missed), (3, 1, 1, 1));
        assert_eq!(c.on_time_percent, Some(33.3));
        // Only dues inside the period count.
        let c = checks_on_time(&[h], t(9, 30), t(23, 0));
        assert_eq!((c.due, c.on_time, c.late, c.missed), (2, 0, 1, 1));
    }

    #[test]
    fn a_plan_change_restarts_the_schedule_and_constant_observation_has_no_visits() {
        // Hourly from 08:00, then every 30 minutes from 08:40: due 09:10 (done 09:05).
        // Constant from 09:20: nothing due after.
        let h = CheckHistory {
            arrived_at: t(8, 0),
            plans: vec![(t(8, 0), Some(60)), (t(8, 40), Some(30)), (t(9, 20), None)],
            checks: vec![t(9, 5)],
            closed_at: Some(t(12, 0)),
        };
        let c = checks_on_time(&[h], t(0, 0), t(23, 0));
        assert_eq!((c.due, c.on_time, c.late, c.missed), (1, 1, 0, 0));
    }

    #[test]
    fn doses_are_answered_given_declined_or_missed() {
        // Every 8 hours from 06:00 (last taken before custody): due 06:00 given 06:10; due
        // 14:10 declined 14:15 then given 15:00 (given); due 23:00, nothing before leaving at
        // 23:30: missed.
        let h = DoseHistory {
            every_hours: 8,
            last_taken_at: Some(t(6, 0) - Duration::hours(8)),
            recorded_at: t(5, 0),
            ended_at: Some(t(23, 30)),
            administrations: vec![
                (t(6, 10), "given".into()),
                (t(14, 15), "declined".into()),
                (t(15, 0), "given".into()),
            ],
        };
        let d = doses_against_due(&[h], t(0, 0), t(23, 59));
        assert_eq!(
            (
                d.due,
                d.given,
                d.declined,
                d.not_given_with_reason,
                d.missed
            ),
            (3, 2, 0, 0, 1)
        );
        // Declined with nothing after: declined; withheld: not given, with a reason.
        let h = DoseHistory {
            every_hours: 12,
            last_taken_at: None,
            recorded_at: t(8, 0),
            ended_at: Some(t(21, 0)),
            administrations: vec![(t(8, 5), "declined".into()), (t(20, 30), "withheld".into())],
        };
        let d = doses_against_due(&[h], t(0, 0), t(23, 59));
        assert_eq!(
            (
                d.due,
                d.given,
                d.declined,
                d.not_given_with_reason,
                d.missed
            ),
            (2, 0, 1, 1, 0)
        );
    }

    #[test]
    fn a_period_is_whole_london_days_through_the_clock_change() {
        let (a, b) = period_bounds(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
        )
        .unwrap();
        // 29 March 2026: the clocks go forward, a 23-hour day.
        assert_eq!(b - a, Duration::hours(23));
    }
}
