//! The shift handover: what happened in the suite since the last handover was taken, for the
//! incoming custody sergeant, and the acknowledgement that they took it. Pure: the store
//! gathers each detention's facts over the period; this decides what the sergeant must be
//! told and in what words.
//!
//! Why: an HCP's "re-assess in 1 hour" was lost at the sergeants' shift handover (IOPC,
//! Bedfordshire, 2021, `reference/safety-and-pathways.md`); late and wrongly timed checks,
//! missed medication and late PACE reviews are what inspections and the IOPC keep finding
//! (`reference/custody-practice.md`, "What goes wrong today"; Safer Detention's audit asks for
//! the frequency of rousing visits and medication given as instructed). The checks and doses
//! are replayed against their schedules by `domain::report`'s own replay, so the sheet and the
//! suite's figures never disagree about what was late.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::emergency::Emergency;
use crate::domain::hcp::Direction;
use crate::domain::observation::{format_elapsed, london_date, to_london, to_london_with_day};
use crate::domain::pace::{DeadlineKind, Extension, PaceClock};
use crate::domain::report::{
    CheckHistory, CheckOutcome, DoseHistory, DoseOutcome, check_dues, dose_dues,
};
use crate::domain::role::Role;
use crate::domain::text::printable;

/// With no handover taken yet, the sheet covers this many hours: longer than a custody shift
/// (commonly 8 to 12 hours), so nothing of the last shift is left off.
pub const DEFAULT_LOOKBACK_HOURS: i64 = 12;

/// Who takes the handover: the custody sergeant, who as custody officer is responsible for
/// everyone detained (PACE Code C 1.1A and 9; `reference/custody-practice.md`).
pub fn may_acknowledge(role: Role) -> bool {
    crate::domain::authority::permits(
        role,
        crate::domain::authority::Duty::AcknowledgeShiftHandover,
    )
}

/// One handover taken: who, when, and the period the sheet they read covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoverAck {
    pub id: i64,
    /// The username.
    pub by: String,
    /// The name screens show.
    pub by_name: String,
    pub acknowledged_at: DateTime<Utc>,
    pub covered_from: DateTime<Utc>,
    /// When the sheet they read was drawn up: the next sheet starts here, so nothing that
    /// happened while the sheet was being read is lost.
    pub covered_to: DateTime<Utc>,
}

/// Where the period starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Since {
    /// The last handover taken.
    Handover { by_name: String, at: DateTime<Utc> },
    /// No handover has been taken yet: the last [`DEFAULT_LOOKBACK_HOURS`].
    NoHandoverYet,
}

/// The period a sheet covers: [`from`, `to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub since: Since,
}

impl Period {
    /// From the last handover taken up to `now`; with none, the last
    /// [`DEFAULT_LOOKBACK_HOURS`] (the sheet says so).
    pub fn since_last(last: Option<&HandoverAck>, now: DateTime<Utc>) -> Period {
        match last {
            Some(a) => Period {
                // A clock set back on another terminal must not give a period that ends
                // before it starts.
                from: a.covered_to.min(now),
                to: now,
                since: Since::Handover {
                    by_name: a.by_name.clone(),
                    at: a.acknowledged_at,
                },
            },
            None => Period {
                from: now - Duration::hours(DEFAULT_LOOKBACK_HOURS),
                to: now,
                since: Since::NoHandoverYet,
            },
        }
    }

    /// "Since the handover taken by Sgt Patel at 06:02: 23 Nov 06:00 to 14:00", or "No
    /// handover has been taken yet: the last 12 hours, …".
    pub fn describe(&self) -> String {
        let span = format!(
            "{} to {}",
            to_london_with_day(self.from),
            when(self.to, self.to)
        );
        match &self.since {
            Since::Handover { by_name, at } => format!(
                "Since the handover taken by {} at {}: {span}",
                printable(by_name),
                when(*at, self.to)
            ),
            Since::NoHandoverYet => format!(
                "No handover has been taken yet, so this covers the last {DEFAULT_LOOKBACK_HOURS} hours: {span}"
            ),
        }
    }

    fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && t < self.to
    }
}

/// A time as the sheet prints it: `14:05` on the sheet's own London day, `22 Nov 23:40`
/// before it.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if london_date(t) == london_date(now) {
        to_london(t)
    } else {
        to_london_with_day(t)
    }
}

/// The person a line is about, as custody staff name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    pub custody_no: String,
    pub surname: String,
    pub forenames: String,
    /// Empty when no cell was allocated.
    pub cell: String,
}

impl Who {
    /// `F1 KHAN, Aaron (C4)`, safe to print.
    pub fn label(&self) -> String {
        let cell = if self.cell.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.cell)
        };
        printable(&format!(
            "{} {}, {}{cell}",
            self.custody_no,
            self.surname.to_uppercase(),
            self.forenames
        ))
    }
}

/// A regular medicine's schedule, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicineFacts {
    /// Name and dose as the medication list shows them (never the indication).
    pub name: String,
    pub history: DoseHistory,
}

/// A detention's PACE clock and what was done against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceFacts {
    pub clock: PaceClock,
    /// Each review: when, and why it was late when it was.
    pub reviews: Vec<(DateTime<Utc>, String)>,
    pub extensions: Vec<Extension>,
}

/// Everything the sheet needs about one detention in custody at some time in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayFacts {
    pub who: Who,
    pub arrived_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    /// Where the person went: release, court, prison, hospital or suite.
    pub destination: Option<String>,
    /// The receiving organisation named at handover.
    pub receiving_org: String,
    pub checks: CheckHistory,
    pub medicines: Vec<MedicineFacts>,
    pub emergencies: Vec<Emergency>,
    pub directions: Vec<Direction>,
    /// `None` before detention is authorised.
    pub pace: Option<PaceFacts>,
    /// Booking duties not yet done (risk assessment, health screen), each in words.
    pub outstanding: Vec<String>,
}

/// One line of the sheet: what happened, and whether it still needs doing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub at: DateTime<Utc>,
    /// Printable: every string from the database has been through `text::printable`.
    pub text: String,
    /// Still needs someone now (an open emergency, a check or dose not done, a direction not
    /// acknowledged): marked `!!` and shown first.
    pub urgent: bool,
}

/// The sections of the sheet, in the order the incoming sergeant reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Emergencies,
    Directions,
    Checks,
    Doses,
    PaceReviews,
    Outstanding,
    Arrivals,
    Departures,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Emergencies,
        Section::Directions,
        Section::Checks,
        Section::Doses,
        Section::PaceReviews,
        Section::Outstanding,
        Section::Arrivals,
        Section::Departures,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Emergencies => "Emergencies",
            Section::Directions => "HCP directions",
            Section::Checks => "Cell checks late or missed",
            Section::Doses => "Doses late, not given or missed",
            Section::PaceReviews => "PACE reviews late",
            Section::Outstanding => "Outstanding assessments",
            Section::Arrivals => "Arrivals",
            Section::Departures => "Releases and transfers",
        }
    }

    /// What the sheet says when the section is empty: plainly "none", so a blank is never
    /// mistaken for a section that failed to print.
    pub fn none(self) -> &'static str {
        match self {
            Section::Emergencies => "None raised, closed or open.",
            Section::Directions => "None given, and none waiting for a sergeant.",
            Section::Checks => "None: every check that fell due was done on time.",
            Section::Doses => "None: every dose that fell due was given on time.",
            Section::PaceReviews => "None.",
            Section::Outstanding => "None.",
            Section::Arrivals => "None.",
            Section::Departures => "None.",
        }
    }
}

/// What happened since the last handover, section by section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinceLast {
    pub period: Period,
    /// (section, its items oldest first, urgent ones first), in [`Section::ALL`] order.
    pub sections: Vec<(Section, Vec<Item>)>,
}

impl SinceLast {
    /// The items of one section.
    pub fn items(&self, section: Section) -> &[Item] {
        self.sections
            .iter()
            .find(|(s, _)| *s == section)
            .map_or(&[], |(_, items)| items.as_slice())
    }

    /// "2 arrivals · 1 left · 1 emergency · 2 checks · 1 dose · 1 direction · 0 PACE · 1
    /// outstanding": the audit's detail and the screen's summary line.
    pub fn counts(&self) -> String {
        let n = |s| self.items(s).len();
        format!(
            "{} arrived · {} left · {} emergencies · {} checks · {} doses · {} directions · {} PACE reviews · {} outstanding",
            n(Section::Arrivals),
            n(Section::Departures),
            n(Section::Emergencies),
            n(Section::Checks),
            n(Section::Doses),
            n(Section::Directions),
            n(Section::PaceReviews),
            n(Section::Outstanding),
        )
    }

    /// How many items still need someone now.
    pub fn urgent(&self) -> usize {
        self.sections
            .iter()
            .flat_map(|(_, items)| items)
            .filter(|i| i.urgent)
            .count()
    }
}

/// `destination` in words: "released", "to court"…
fn departure_words(destination: Option<&str>) -> String {
    match destination {
        Some("release") => "released".into(),
        Some("suite") => "transferred to another suite".into(),
        Some(d) if !d.is_empty() => format!("transferred to {d}"),
        _ => "left (where to was not recorded)".into(),
    }
}

fn late_by(due: DateTime<Utc>, at: DateTime<Utc>) -> String {
    format_elapsed(at - due)
}

/// Builds the sheet from every detention in custody at some time in `period`.
pub fn since_last(period: Period, stays: &[StayFacts]) -> SinceLast {
    let now = period.to;
    let mut sections: Vec<(Section, Vec<Item>)> =
        Section::ALL.iter().map(|s| (*s, Vec::new())).collect();
    let mut push = |section: Section, item: Item| {
        if let Some((_, items)) = sections.iter_mut().find(|(s, _)| *s == section) {
            items.push(item);
        }
    };
    for s in stays {
        let who = s.who.label();
        let in_custody = s.left_at.is_none_or(|l| l >= now);
        if period.contains(s.arrived_at) {
            push(
                Section::Arrivals,
                Item {
                    at: s.arrived_at,
                    text: format!("{} {who}: booked in", when(s.arrived_at, now)),
                    urgent: false,
                },
            );
        }
        if let Some(left) = s.left_at.filter(|l| period.contains(*l)) {
            let org = if s.receiving_org.trim().is_empty() {
                String::new()
            } else {
                format!(" ({})", printable(s.receiving_org.trim()))
            };
            push(
                Section::Departures,
                Item {
                    at: left,
                    text: format!(
                        "{} {who}: {}{org}",
                        when(left, now),
                        printable(&departure_words(s.destination.as_deref()))
                    ),
                    urgent: false,
                },
            );
        }
        for e in &s.emergencies {
            let closed_in = e
                .closure
                .as_ref()
                .is_some_and(|c| period.contains(c.closed_at));
            if e.is_open() || period.contains(e.opened_at) || closed_in {
                push(
                    Section::Emergencies,
                    Item {
                        at: e.opened_at,
                        text: format!("{who}: {}", printable(&e.one_line())),
                        urgent: e.is_open(),
                    },
                );
            }
        }
        for d in &s.directions {
            if d.acknowledged.is_none() || period.contains(d.given_at) {
                push(
                    Section::Directions,
                    Item {
                        at: d.given_at,
                        text: format!("{who}: {}", printable(&d.summary(now))),
                        // Listed for someone who has left, but no longer a sergeant's to act on.
                        urgent: d.acknowledged.is_none() && in_custody,
                    },
                );
            }
        }
        for c in check_dues(&s.checks, period.from, period.to) {
            let due = when(c.due, now);
            let (text, urgent) = match c.outcome {
                CheckOutcome::OnTime(_) => continue,
                CheckOutcome::Late(at) => (
                    format!(
                        "due {due}, done {} ({} late)",
                        when(at, now),
                        late_by(c.due, at)
                    ),
                    false,
                ),
                CheckOutcome::MissedBeforePlanChange(at) => (
                    format!(
                        "due {due}, MISSED: no check before the plan changed at {}",
                        when(at, now)
                    ),
                    false,
                ),
                CheckOutcome::Missed if in_custody => (
                    format!("due {due}, NOT DONE: {} overdue", late_by(c.due, now)),
                    true,
                ),
                CheckOutcome::Missed => (
                    format!(
                        "due {due}, MISSED: no check before leaving at {}",
                        s.left_at.map(|l| when(l, now)).unwrap_or_default()
                    ),
                    false,
                ),
            };
            push(
                Section::Checks,
                Item {
                    at: c.due,
                    text: format!("{who}: check {text}"),
                    urgent,
                },
            );
        }
        for m in &s.medicines {
            let interval = Duration::hours(m.history.every_hours.max(1));
            let name = printable(&m.name);
            for d in dose_dues(&m.history, period.from, period.to) {
                let due = when(d.due, now);
                let (text, urgent) = match &d.outcome {
                    DoseOutcome::Given(at) if *at <= d.due => continue,
                    DoseOutcome::Given(at) => (
                        format!(
                            "due {due}, given {} ({} late)",
                            when(*at, now),
                            late_by(d.due, *at)
                        ),
                        false,
                    ),
                    DoseOutcome::NotGiven { outcome, at } => (
                        format!(
                            "due {due}, not given: {} {}",
                            printable(&outcome.replace('_', " ")),
                            when(*at, now)
                        ),
                        false,
                    ),
                    // Still within its window and in custody: not missed yet, but overdue.
                    DoseOutcome::Missed if in_custody && d.due + interval > now => (
                        format!("due {due}, NOT GIVEN: {} overdue", late_by(d.due, now)),
                        true,
                    ),
                    DoseOutcome::Missed => (
                        format!("due {due}, MISSED: nothing recorded before the next was due"),
                        false,
                    ),
                };
                push(
                    Section::Doses,
                    Item {
                        at: d.due,
                        text: format!("{who}: {name} {text}"),
                        urgent,
                    },
                );
            }
        }
        if let Some(p) = &s.pace {
            for item in late_reviews(p, in_custody, &period) {
                push(
                    Section::PaceReviews,
                    Item {
                        text: format!("{who}: {}", item.text),
                        ..item
                    },
                );
            }
        }
        if in_custody && !s.outstanding.is_empty() {
            push(
                Section::Outstanding,
                Item {
                    at: s.arrived_at,
                    text: format!("{who}: {}", printable(&s.outstanding.join("; "))),
                    urgent: false,
                },
            );
        }
    }
    for (_, items) in &mut sections {
        // What still needs someone first, then in the order it happened.
        items.sort_by(|a, b| b.urgent.cmp(&a.urgent).then(a.at.cmp(&b.at)));
    }
    SinceLast { period, sections }
}

/// PACE reviews done late in the period (s.40: the first 6 hours after authorisation, then
/// every 9, each due from when the last was due if it was late, s.40(7)), and the review or
/// detention limit overdue now for someone still in custody, whenever it fell due.
fn late_reviews(p: &PaceFacts, in_custody: bool, period: &Period) -> Vec<Item> {
    let now = period.to;
    let mut reviews = p.reviews.clone();
    reviews.sort_by_key(|(at, _)| *at);
    let mut done = Vec::new();
    let mut out = Vec::new();
    for (at, reason) in reviews {
        let (number, due) = p.clock.next_review_due(&done);
        if at > due && period.contains(at) {
            let why = if reason.trim().is_empty() {
                "no reason recorded".to_string()
            } else {
                printable(reason.trim())
            };
            out.push(Item {
                at: due,
                text: format!(
                    "{} due {}, done {} ({} late): {why}",
                    DeadlineKind::Review { number }.label(),
                    when(due, now),
                    when(at, now),
                    late_by(due, at)
                ),
                urgent: false,
            });
        }
        done.push(at);
    }
    if in_custody {
        let next = p.clock.next_deadline(&done, &p.extensions, now);
        if next.at < now {
            out.push(Item {
                at: next.at,
                text: format!(
                    "{} due {}, NOT DONE: {} overdue",
                    next.kind.label(),
                    when(next.at, now),
                    late_by(next.at, now)
                ),
                urgent: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::emergency::{Cause, Closure, OutcomeKind};
    use crate::domain::hcp::{DirectionKind, direction::Acknowledgement};
    use chrono::TimeZone;

    /// 23 November 2026 (GMT: London time is UTC).
    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn who(no: &str) -> Who {
        Who {
            custody_no: no.into(),
            surname: "Khan".into(),
            forenames: "Aaron".into(),
            cell: "C4".into(),
        }
    }

    fn stay(no: &str, arrived: DateTime<Utc>) -> StayFacts {
        StayFacts {
            who: who(no),
            arrived_at: arrived,
            left_at: None,
            destination: None,
            receiving_org: String::new(),
            checks: CheckHistory {
                arrived_at: arrived,
                // Constant observation: no visits due, so a test sees only what it adds.
                plans: vec![(arrived, None)],
                checks: vec![],
                closed_at: None,
            },
            medicines: vec![],
            emergencies: vec![],
            directions: vec![],
            pace: None,
            outstanding: vec![],
        }
    }

    fn period(from: DateTime<Utc>, to: DateTime<Utc>) -> Period {
        Period {
            from,
            to,
            since: Since::NoHandoverYet,
        }
    }

    fn texts(s: &SinceLast, section: Section) -> Vec<String> {
        s.items(section).iter().map(|i| i.text.clone()).collect()
    }

    #[test]
    fn the_period_runs_from_the_last_handover_or_the_last_twelve_hours() {
        let p = Period::since_last(None, t(14, 0));
        assert_eq!((p.from, p.to), (t(2, 0), t(14, 0)));
        assert!(p.describe().starts_with(
            "No handover has been taken yet, so this covers the last 12 hours: 23 Nov 02:00 to 14:00"
        ));
        let ack = HandoverAck {
            id: 1,
            by: "sergeant".into(),
            by_name: "Sgt Patel".into(),
            acknowledged_at: t(6, 2),
            covered_from: t(0, 0),
            covered_to: t(6, 0),
        };
        let p = Period::since_last(Some(&ack), t(14, 0));
        assert_eq!(p.from, t(6, 0));
        assert_eq!(
            p.describe(),
            "Since the handover taken by Sgt Patel at 06:02: 23 Nov 06:00 to 14:00"
        );
        // A clock set back: the period never ends before it starts.
        assert_eq!(Period::since_last(Some(&ack), t(5, 0)).from, t(5, 0));
        assert!(may_acknowledge(Role::Sergeant));
        assert!(!may_acknowledge(Role::DetentionOfficer));
    }

    #[test]
    fn arrivals_and_departures_in_the_period_are_listed_with_where_they_went() {
        let mut before = stay("F0", t(1, 0));
        before.left_at = Some(t(9, 0));
        before.destination = Some("court".into());
        before.receiving_org = "Leeds Magistrates\u{1b}[2J".into();
        let mut released = stay("F1", t(8, 0));
        released.left_at = Some(t(12, 0));
        released.destination = Some("release".into());
        let s = since_last(period(t(6, 0), t(14, 0)), &[before, released]);
        assert_eq!(
            texts(&s, Section::Arrivals),
            ["08:00 F1 KHAN, Aaron (C4): booked in"]
        );
        assert_eq!(
            texts(&s, Section::Departures),
            [
                "09:00 F0 KHAN, Aaron (C4): transferred to court (Leeds Magistrates\\u{1b}[2J)",
                "12:00 F1 KHAN, Aaron (C4): released",
            ]
        );
    }

    #[test]
    fn late_and_missed_checks_come_from_the_reports_replay() {
        // Hourly from 08:00: due 09:00 done 08:50 (on time, not listed); due 09:50 done 10:05
        // (late); due 11:05, nothing since and still in custody at 12:30: NOT DONE.
        let mut a = stay("F1", t(8, 0));
        a.checks.plans = vec![(t(8, 0), Some(60))];
        a.checks.checks = vec![t(8, 50), t(10, 5)];
        // Left at 11:30 with the 11:00 check missed.
        let mut b = stay("F2", t(9, 0));
        b.checks.plans = vec![(t(9, 0), Some(60))];
        b.checks.checks = vec![t(9, 55)];
        b.left_at = Some(t(11, 30));
        b.checks.closed_at = b.left_at;
        let s = since_last(period(t(6, 0), t(12, 30)), &[a, b]);
        assert_eq!(
            texts(&s, Section::Checks),
            [
                "F1 KHAN, Aaron (C4): check due 11:05, NOT DONE: 1h25m overdue",
                "F1 KHAN, Aaron (C4): check due 09:50, done 10:05 (15m late)",
                "F2 KHAN, Aaron (C4): check due 10:55, MISSED: no check before leaving at 11:30",
            ]
        );
        assert_eq!(s.urgent(), 1);
    }

    #[test]
    fn doses_late_refused_and_missed_are_named_with_the_medicine() {
        // Every 8 hours from 06:00: given 06:20 (late); due 14:20, declined 14:30, nothing
        // given by 22:20: not given; due 22:20 (the 14:20 was not given, so from it): missed
        // by 06:20; due 06:20 (next day), nothing yet at 07:00: NOT GIVEN, still its window.
        let mut a = stay("F1", t(5, 0));
        a.medicines.push(MedicineFacts {
            name: "Levetiracetam 500 mg".into(),
            history: DoseHistory {
                every_hours: 8,
                last_taken_at: Some(t(6, 0) - Duration::hours(8)),
                recorded_at: t(5, 0),
                ended_at: None,
                administrations: vec![(t(6, 20), "given".into()), (t(14, 30), "declined".into())],
            },
        });
        let now = t(6, 0) + Duration::hours(25);
        let s = since_last(period(t(5, 0), now), &[a]);
        assert_eq!(
            texts(&s, Section::Doses),
            [
                "F1 KHAN, Aaron (C4): Levetiracetam 500 mg due 06:20, NOT GIVEN: 40m overdue",
                "F1 KHAN, Aaron (C4): Levetiracetam 500 mg due 23 Nov 06:00, given 23 Nov 06:20 (20m late)",
                "F1 KHAN, Aaron (C4): Levetiracetam 500 mg due 23 Nov 14:20, not given: declined 23 Nov 14:30",
                "F1 KHAN, Aaron (C4): Levetiracetam 500 mg due 23 Nov 22:20, MISSED: nothing recorded before the next was due",
            ]
        );
    }

    #[test]
    fn emergencies_and_directions_in_the_period_or_still_open_are_listed() {
        let mut a = stay("F1", t(1, 0));
        let emergency = |id, opened: DateTime<Utc>, closed: Option<DateTime<Utc>>| Emergency {
            id,
            detention_id: 1,
            cause: Cause::FailedRousing,
            reason: "Could not be roused".into(),
            location: "C4".into(),
            opened_at: opened,
            opened_by: "officer".into(),
            calls: vec![],
            acknowledgements: vec![],
            closure: closed.map(|c| Closure {
                kind: OutcomeKind::TakenToHospital,
                outcome_at: c,
                note: String::new(),
                closed_by: "sergeant".into(),
                closed_at: c,
            }),
        };
        // Before the period and closed before it: not this shift's. Opened before, still
        // open: listed first. Opened and closed in the period: listed.
        a.emergencies = vec![
            emergency(1, t(2, 0), Some(t(2, 30))),
            emergency(2, t(3, 0), None),
            emergency(3, t(9, 0), Some(t(9, 40))),
        ];
        let direction = |id, given: DateTime<Utc>, acked: bool| Direction {
            id,
            detention_id: 1,
            kind: DirectionKind::Instruction,
            words: "Offer fluids hourly".into(),
            given_by: "hcp".into(),
            given_at: given,
            acknowledged: acked.then(|| Acknowledgement {
                by: "sergeant".into(),
                at: given + Duration::minutes(5),
            }),
            done_at: None,
        };
        a.directions = vec![
            direction(1, t(2, 0), true),
            direction(2, t(3, 0), false),
            direction(3, t(10, 0), true),
        ];
        let s = since_last(period(t(6, 0), t(14, 0)), &[a]);
        assert_eq!(
            texts(&s, Section::Emergencies),
            [
                "F1 KHAN, Aaron (C4): Emergency 03:00 C4 (failed rousing check): Could not be roused; STILL OPEN",
                "F1 KHAN, Aaron (C4): Emergency 09:00 C4 (failed rousing check): Could not be roused; closed: taken to hospital 09:40",
            ]
        );
        assert_eq!(
            texts(&s, Section::Directions),
            [
                "F1 KHAN, Aaron (C4): 03:00 by hcp: Offer fluids hourly — NOT YET ACKNOWLEDGED (11h00m)",
                "F1 KHAN, Aaron (C4): 10:00 by hcp: Offer fluids hourly — acknowledged 10:05 by sergeant",
            ]
        );
        assert_eq!(s.urgent(), 2);
    }

    #[test]
    fn pace_reviews_done_late_and_overdue_now_are_listed() {
        // Authorised 00:00: 1st review due 06:00, done 06:40 (late, with its reason); 2nd due
        // 15:00 (9 hours after the 1st was due), not done at 16:00.
        let mut a = stay("F1", t(0, 0));
        a.pace = Some(PaceFacts {
            clock: PaceClock::new(t(0, 0), t(0, 0)).unwrap(),
            reviews: vec![(t(6, 40), "Inspector at a firearms incident".into())],
            extensions: vec![],
        });
        let s = since_last(period(t(4, 0), t(16, 0)), &[a.clone()]);
        assert_eq!(
            texts(&s, Section::PaceReviews),
            [
                "F1 KHAN, Aaron (C4): 2nd review due 15:00, NOT DONE: 1h00m overdue",
                "F1 KHAN, Aaron (C4): 1st review due 06:00, done 06:40 (40m late): Inspector at a firearms incident",
            ]
        );
        // A review done on time is not listed; someone who left has nothing overdue.
        a.pace = Some(PaceFacts {
            clock: PaceClock::new(t(0, 0), t(0, 0)).unwrap(),
            reviews: vec![(t(5, 50), String::new())],
            extensions: vec![],
        });
        a.left_at = Some(t(10, 0));
        let s = since_last(period(t(4, 0), t(16, 0)), &[a]);
        assert!(s.items(Section::PaceReviews).is_empty());
    }

    #[test]
    fn outstanding_assessments_are_listed_for_those_still_in_custody() {
        let mut a = stay("F1", t(1, 0));
        a.outstanding = vec![
            "risk assessment not completed".into(),
            "health screen deferred".into(),
        ];
        let mut gone = a.clone();
        gone.who = who("F2");
        gone.left_at = Some(t(9, 0));
        let s = since_last(period(t(6, 0), t(14, 0)), &[a, gone]);
        assert_eq!(
            texts(&s, Section::Outstanding),
            ["F1 KHAN, Aaron (C4): risk assessment not completed; health screen deferred"]
        );
        assert_eq!(
            s.counts(),
            "0 arrived · 1 left · 0 emergencies · 0 checks · 0 doses · 0 directions · 0 PACE reviews · 1 outstanding"
        );
    }
}
