//! The suite board: one row per person in custody, sorted so that whoever needs attention now is
//! at the top, and filtered by what the officer types.
//!
//! Sources: DESIGN.md (the custody sergeant's board of every detainee with risk flags,
//! observation levels and when each check is due); `reference/custody-practice.md`,
//! "Observation levels (APP) and checks (Code C 9.3, Annex H)" (a missed or late visit is the
//! failure the board exists to prevent) and "What goes wrong today" (officers could not see
//! previous self-harm information).

use crate::domain::flag::{FlagCode, Severity, sort_for_board};
use crate::domain::hcp::HcpWait;
use crate::domain::observation::{CheckStatus, ObservationLevel};
use crate::domain::pace::{DeadlineKind, PaceDeadline};
use crate::domain::person::fold_name;
use crate::domain::record::HcpSeen;
use crate::domain::scores::news2::NextObservations;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::{Ordering, Reverse};

/// What the board shows for one detention. Built by the store; nothing here reads a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRow {
    pub detention_id: i64,
    pub custody_no: String,
    /// Empty when no cell has been allocated yet.
    pub cell: String,
    pub surname: String,
    pub forenames: String,
    /// Age in years today, `None` when the date of birth is not known.
    pub age: Option<u32>,
    /// Arrival at the suite, for "time in custody".
    pub arrived_at: DateTime<Utc>,
    pub observation_level: ObservationLevel,
    /// `None` when observation is constant or no plan has been set.
    pub next_check_due: Option<DateTime<Utc>>,
    pub flags: Vec<(FlagCode, Severity)>,
    pub hcp_seen: bool,
    /// Who last saw the person as an HCP in this detention, and when (any HCP entry counts).
    pub last_seen: Option<HcpSeen>,
    /// The record's markers (`ALLERGY`, `KNOWN SH! WD!`): an allergy that counts, and risk
    /// known from an earlier detention or another organisation, not yet reviewed here.
    pub markers: Vec<String>,
    pub ready_for_transfer: bool,
    pub appropriate_adult_needed: bool,
    /// The earliest next dose of any regular medicine, `None` without one.
    pub medication_due: Option<DateTime<Utc>>,
    /// When the next NEWS2 observations are due, `None` before the first set.
    pub observations_due: Option<NextObservations>,
    /// The next PACE deadline (an s.40 review or the detention limit), `None` before detention
    /// is authorised: a review overdue by hours is as missed as a late check.
    pub pace: Option<PaceDeadline>,
    /// The level the rules suggest, when the current care plan is below it (the store decides
    /// it with the row, as `store::care::board_care` does for the line under the header).
    pub below_suggestion: Option<u8>,
    /// How many people in custody are in this cell, this one included (see [`mark_shared_cells`]);
    /// 0 when no cell has been allocated.
    pub cell_occupants: usize,
    /// A medical emergency is open for this person: the row goes to the top and says so.
    pub emergency_open: bool,
    /// A care-plan review is due (a custody decision or a closed emergency since the newest
    /// plan version): `PLAN REVIEW` on the row until the sergeant reviews the plan.
    pub plan_review_due: bool,
    /// The oldest open request for an HCP (`HCP WAIT 1h05m`, counting up): overdue once the
    /// wait is past its band, by (waited − band).
    pub hcp_wait: Option<HcpWait>,
    /// When an HCP's timed re-assessment is due, until the HCP's contact does it
    /// (`RE-ASSESS 40m`, counting down like a check).
    pub reassess_due: Option<DateTime<Utc>>,
    /// What booking in still owes (`NO RA`, `NO HS` on the row): the sergeant's
    /// authorisation and risk assessment, the HCP's health screen.
    #[serde(default)]
    pub outstanding: Vec<crate::domain::booking_duties::Outstanding>,
    /// An appropriate adult and an interpreter: needed, asked for, here (`AA WAIT 45m` while
    /// awaited).
    #[serde(default)]
    pub support: crate::domain::support::Support,
}

impl BoardRow {
    /// Time since arrival (zero if `now` is earlier).
    pub fn time_in_custody(&self, now: DateTime<Utc>) -> TimeDelta {
        (now - self.arrived_at).max(TimeDelta::zero())
    }

    /// Whether the next check is due or overdue at `now`; `None` without a due time.
    pub fn check_status(&self, now: DateTime<Utc>) -> Option<CheckStatus> {
        self.next_check_due.map(|due| CheckStatus::at(due, now))
    }

    /// How late the next check is at `now`, if it is late.
    pub fn overdue_by(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        match self.check_status(now)? {
            CheckStatus::Overdue { by } => Some(by),
            CheckStatus::Due { .. } => None,
        }
    }

    /// Where the next medicine dose stands, `None` without a regular medicine.
    pub fn medication_status(&self, now: DateTime<Utc>) -> Option<CheckStatus> {
        self.medication_due.map(|due| CheckStatus::at(due, now))
    }

    /// Where the next NEWS2 observations stand: `None` before the first set or while they are
    /// continuous (7 or more: someone is with the person).
    pub fn observations_status(&self, now: DateTime<Utc>) -> Option<CheckStatus> {
        match self.observations_due? {
            NextObservations::At(due) => Some(CheckStatus::at(due, now)),
            NextObservations::Continuous => None,
        }
    }

    /// Where the next PACE deadline stands, `None` before detention is authorised.
    pub fn pace_status(&self, now: DateTime<Utc>) -> Option<CheckStatus> {
        self.pace.map(|d| d.status(now))
    }

    /// Whether the next PACE deadline is a review of detention (s.40) that has passed at `now`.
    pub fn pace_review_overdue(&self, now: DateTime<Utc>) -> bool {
        self.pace.is_some_and(|d| {
            matches!(d.kind, DeadlineKind::Review { .. }) && d.status(now).is_overdue()
        })
    }

    /// Whether the detention limit (s.41-44) has passed at `now`: detention without charge has
    /// become unlawful.
    pub fn pace_limit_passed(&self, now: DateTime<Utc>) -> bool {
        self.pace.is_some_and(|d| {
            matches!(d.kind, DeadlineKind::DetentionLimit { .. }) && d.status(now).is_overdue()
        })
    }

    /// How far past its band the open HCP request is at `now`, if it is.
    pub fn hcp_wait_overdue_by(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        self.hcp_wait.as_ref()?.overdue_by(now)
    }

    /// Where the HCP's timed re-assessment stands, `None` without one.
    pub fn reassess_status(&self, now: DateTime<Utc>) -> Option<CheckStatus> {
        self.reassess_due.map(|due| CheckStatus::at(due, now))
    }

    /// The longest a check, a medicine dose, NEWS2 observations, a PACE deadline, an HCP
    /// re-assessment or a wait for an HCP past its band are overdue: any of them puts the row
    /// first.
    pub fn anything_overdue_by(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        let late = |status: Option<CheckStatus>| match status {
            Some(CheckStatus::Overdue { by }) => Some(by),
            _ => None,
        };
        self.overdue_by(now)
            .max(late(self.medication_status(now)))
            .max(late(self.observations_status(now)))
            .max(late(self.pace_status(now)))
            .max(late(self.reassess_status(now)))
            .max(self.hcp_wait_overdue_by(now))
    }

    /// The earliest of the next check, dose, NEWS2 observations, PACE deadline, HCP
    /// re-assessment and the end of an HCP wait's band; `None` when none is scheduled
    /// (constant observation with nothing else due).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let obs = match self.observations_due {
            Some(NextObservations::At(at)) => Some(at),
            _ => None,
        };
        [
            self.next_check_due,
            self.medication_due,
            obs,
            self.pace.map(|d| d.at),
            self.reassess_due,
            self.hcp_wait
                .as_ref()
                .map(|w| w.requested_at + TimeDelta::minutes(i64::from(w.band_minutes))),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The risk signals the board ranks by once nobody is late: an alert-severity flag, a
    /// NEWS2 flag (clinical deterioration), and a care plan below the level the rules suggest.
    pub fn risk_signals(&self) -> u8 {
        let alert = self.flags.iter().any(|(_, s)| *s == Severity::Alert);
        let news = self
            .flags
            .iter()
            .any(|(c, _)| *c == FlagCode::ClinicalDeterioration);
        // A person nobody has risk-assessed carries risk nobody has looked for yet.
        let unassessed = self
            .outstanding
            .contains(&crate::domain::booking_duties::Outstanding::RiskAssessment);
        u8::from(alert)
            + u8::from(news)
            + u8::from(self.below_suggestion.is_some())
            + u8::from(unassessed)
    }

    /// The most serious flag's severity, `None` without flags.
    pub fn highest_severity(&self) -> Option<Severity> {
        self.flags.iter().map(|(_, s)| *s).max()
    }

    /// The flags in board order (most severe first), each code once at its highest severity:
    /// a second flag with the same code (raised again by another rule or by hand) adds nothing
    /// the board can show, and stays on the record.
    pub fn sorted_flags(&self) -> Vec<(FlagCode, Severity)> {
        let mut flags = self.flags.clone();
        sort_for_board(&mut flags);
        let mut seen = Vec::with_capacity(flags.len());
        flags.retain(|(code, _)| {
            let first = !seen.contains(code);
            seen.push(*code);
            first
        });
        flags
    }

    /// The record's markers as the board shows them: a code in `KNOWN` that a live flag
    /// already shows at the same or a higher severity is left out (and `KNOWN` with it when
    /// nothing is left), so each code appears once on a row. The live flag is dropped instead
    /// when the known one is more serious: see [`BoardRow::shown_flags`].
    pub fn shown_markers(&self) -> Vec<String> {
        let live = self.sorted_flags();
        self.markers
            .iter()
            .filter_map(|m| {
                let Some(codes) = m.strip_prefix(KNOWN_PREFIX) else {
                    return Some(m.clone());
                };
                let kept: Vec<&str> = codes
                    .split(' ')
                    .filter(|w| {
                        let (code, known) = split_marker_code(w);
                        !live
                            .iter()
                            .any(|(c, s)| c.code().eq_ignore_ascii_case(code) && *s >= known)
                    })
                    .collect();
                (!kept.is_empty()).then(|| format!("{KNOWN_PREFIX}{}", kept.join(" ")))
            })
            .collect()
    }

    /// The live flags as the board shows them: [`BoardRow::sorted_flags`] without those a
    /// `KNOWN` code of a higher severity already shows.
    pub fn shown_flags(&self) -> Vec<(FlagCode, Severity)> {
        let known: Vec<(&str, Severity)> = self
            .markers
            .iter()
            .filter_map(|m| m.strip_prefix(KNOWN_PREFIX))
            .flat_map(|codes| codes.split(' '))
            .map(split_marker_code)
            .collect();
        self.sorted_flags()
            .into_iter()
            .filter(|(c, s)| {
                !known
                    .iter()
                    .any(|(k, ks)| c.code().eq_ignore_ascii_case(k) && ks > s)
            })
            .collect()
    }

    /// The flags as text for a board column or `sonar list`, most severe first, each code with
    /// its severity marker: `SH!! ALC! AA+ ALG`.
    pub fn flag_summary(&self) -> String {
        self.sorted_flags()
            .iter()
            .map(|(code, sev)| format!("{}{}", code.code(), sev.marker()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The HCP column: `14:05 p.raman` (London time, `22/11 23:40 p.raman` when not today),
    /// or `no` before any HCP entry. On a narrow board (`with_who` false) the time only, or
    /// the date when it was not today.
    pub fn hcp_column(&self, now: DateTime<Utc>, with_who: bool) -> String {
        use crate::domain::observation::{london_date, to_london};
        let Some(seen) = &self.last_seen else {
            return if self.hcp_seen { "yes" } else { "no" }.into();
        };
        let today = london_date(seen.at) == london_date(now);
        let day = london_date(seen.at).format("%d/%m").to_string();
        match (with_who, today) {
            (true, true) => format!("{} {}", to_london(seen.at), seen.by),
            (true, false) => format!("{day} {} {}", to_london(seen.at), seen.by),
            (false, true) => to_london(seen.at),
            (false, false) => day,
        }
    }

    /// Severities, most serious first: compared lexicographically, a row with more serious
    /// flags, or more flags of the same seriousness, sorts higher.
    fn severity_profile(&self) -> Vec<Severity> {
        let mut s: Vec<Severity> = self.flags.iter().map(|(_, s)| *s).collect();
        s.sort_unstable_by(|a, b| b.cmp(a));
        s
    }
}

/// How a `KNOWN` marker starts (`domain::record::known::board_markers` words it).
const KNOWN_PREFIX: &str = "KNOWN ";

/// `SH!` as (`SH`, warning): a code as `domain::record::known::board_codes` writes it.
fn split_marker_code(word: &str) -> (&str, Severity) {
    let code = word.trim_end_matches(['!', '+']);
    let severity = match &word[code.len()..] {
        "!!" => Severity::Alert,
        "!" => Severity::Warning,
        "+" => Severity::Attention,
        _ => Severity::Information,
    };
    (code, severity)
}

/// A cell name as people mean it: case and surrounding spaces do not make a different cell
/// (`c4 ` is `C4`). Empty when no cell has been allocated.
pub fn cell_key(cell: &str) -> String {
    cell.trim().to_lowercase()
}

/// Sets each row's [`BoardRow::cell_occupants`]: how many of `rows` (everyone in custody) share
/// its cell. A shared cell needs a reason at booking-in and must be plain on the board, because
/// checks and rousing are planned per person, not per cell.
pub fn mark_shared_cells(rows: &mut [BoardRow]) {
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in rows.iter() {
        let key = cell_key(&r.cell);
        if !key.is_empty() {
            *counts.entry(key).or_default() += 1;
        }
    }
    for r in rows.iter_mut() {
        r.cell_occupants = counts.get(&cell_key(&r.cell)).copied().unwrap_or(0);
    }
}

/// Compares cell names as people read them: `C2` before `C10`, letters case-insensitively,
/// an empty cell (none allocated) last.
pub fn compare_cells(a: &str, b: &str) -> Ordering {
    match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let (ca, cb) = (chunks(a.trim()), chunks(b.trim()));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let ord = match (x, y) {
            (Chunk::Num(x), Chunk::Num(y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Chunk::Num(_), Chunk::Text(_)) => Ordering::Less,
            (Chunk::Text(_), Chunk::Num(_)) => Ordering::Greater,
            (Chunk::Text(x), Chunk::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

enum Chunk<'a> {
    Num(&'a str),
    Text(&'a str),
}

fn chunks(s: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_digit: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let digit = c.is_ascii_digit();
        if let Some(p) = prev_digit
            && p != digit
        {
            out.push(chunk(&s[start..i], p));
            start = i;
        }
        prev_digit = Some(digit);
    }
    if let Some(p) = prev_digit {
        out.push(chunk(&s[start..], p));
    }
    out
}

fn chunk(s: &str, digit: bool) -> Chunk<'_> {
    if digit { Chunk::Num(s) } else { Chunk::Text(s) }
}

/// The attention order of two rows at `now` (an open emergency first of all):
/// 1. anything overdue first (a check, a dose, NEWS2 observations or a PACE deadline), the
///    most overdue at the top;
/// 2. then risk: more risk signals first ([`BoardRow::risk_signals`]: an alert-severity flag,
///    a NEWS2 flag, a plan below the suggested level), then the higher observation level (3
///    and 4 have no check time, so without this they would sink);
/// 3. then whatever is due soonest: the earliest of check, dose, observations and PACE
///    ([`BoardRow::next_due`]; rows with nothing due after those with something);
/// 4. then the most serious flags;
/// 5. then cell (`C2` before `C10`), custody number and id, so the order never jitters.
pub fn attention_cmp(a: &BoardRow, b: &BoardRow, now: DateTime<Utc>) -> Ordering {
    let overdue = |r: &BoardRow| r.anything_overdue_by(now).map(Reverse);
    // Some(Reverse(larger)) < Some(Reverse(smaller)); None (not overdue) must come after.
    let by_overdue = match (overdue(a), overdue(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    // An open emergency above everything: someone is in danger now.
    b.emergency_open
        .cmp(&a.emergency_open)
        .then(by_overdue)
        .then_with(|| b.risk_signals().cmp(&a.risk_signals()))
        .then_with(|| b.observation_level.cmp(&a.observation_level))
        .then_with(|| match (a.next_due(), b.next_due()) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| b.severity_profile().cmp(&a.severity_profile()))
        .then_with(|| compare_cells(&a.cell, &b.cell))
        .then_with(|| a.custody_no.cmp(&b.custody_no))
        .then_with(|| a.detention_id.cmp(&b.detention_id))
}

/// Sorts the board so what needs attention at `now` comes first (see [`attention_cmp`]).
pub fn attention_order(rows: &mut [BoardRow], now: DateTime<Utc>) {
    rows.sort_by(|a, b| attention_cmp(a, b, now));
}

fn strip_punctuation(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\'' | '-' | ' '))
        .collect()
}

fn term_matches(row: &BoardRow, term: &str) -> bool {
    if row
        .flags
        .iter()
        .any(|(code, _)| code.code().eq_ignore_ascii_case(term))
    {
        return true;
    }
    // `allergy`, `known`, or a known flag's code (`sh` finds `KNOWN SH!` too).
    if row.markers.iter().any(|m| {
        m.split(' ')
            .any(|w| w.trim_end_matches(['!', '+']).eq_ignore_ascii_case(term))
    }) {
        return true;
    }
    let surname = fold_name(&row.surname);
    let forenames = fold_name(&row.forenames);
    let bare_term = strip_punctuation(term);
    let word_hit = surname
        .split([' ', '-', '\''])
        .chain(forenames.split([' ', '-', '\'']))
        .any(|w| !w.is_empty() && w.starts_with(term));
    let whole_hit = surname.starts_with(term)
        || (!bare_term.is_empty() && strip_punctuation(&surname).starts_with(&bare_term));
    if word_hit || whole_hit {
        return true;
    }
    fold_name(&row.cell).starts_with(term) || fold_name(&row.custody_no).contains(term)
}

/// Whether a row matches a typed filter. The query is folded like names (case and accents
/// ignored) and split into words; every word must match one of: a flag code exactly (`sh`), the
/// start of the surname or of any word of the names (`o'b`, `obr`, `brien`, `zoe` for Zoë), the
/// start of the cell (`c1`), or any part of the custody number (`0423`). An empty query
/// matches every row.
pub fn row_matches(row: &BoardRow, query: &str) -> bool {
    let q = fold_name(query);
    q.split(' ')
        .filter(|t| !t.is_empty())
        .all(|t| term_matches(row, t))
}

/// The rows that match `query` (see [`row_matches`]), in their given order.
pub fn filter_rows<'a>(rows: &'a [BoardRow], query: &str) -> Vec<&'a BoardRow> {
    rows.iter().filter(|r| row_matches(r, query)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, h, m, 0).unwrap()
    }

    fn row(id: i64, cell: &str, surname: &str) -> BoardRow {
        BoardRow {
            detention_id: id,
            custody_no: format!("01/{id:04}/26"),
            cell: cell.into(),
            surname: surname.into(),
            forenames: "Alex".into(),
            age: Some(30),
            arrived_at: t(8, 0),
            observation_level: ObservationLevel::General,
            next_check_due: None,
            flags: vec![],
            hcp_seen: false,
            last_seen: None,
            markers: vec![],
            ready_for_transfer: false,
            appropriate_adult_needed: false,
            medication_due: None,
            observations_due: None,
            pace: None,
            below_suggestion: None,
            cell_occupants: 1,
            emergency_open: false,
            plan_review_due: false,
            hcp_wait: None,
            reassess_due: None,
            outstanding: vec![],
            support: Default::default(),
        }
    }

    #[test]
    fn an_open_emergency_is_above_every_overdue_duty() {
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(10, 0)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                emergency_open: true,
                next_check_due: Some(t(13, 0)),
                ..row(2, "C2", "Bell")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(rows[0].surname, "Bell");
    }

    #[test]
    fn a_wait_for_an_hcp_past_its_band_and_a_late_reassessment_are_overdue_duties() {
        let now = t(12, 0);
        let wait = |minutes_ago: i64, band: u32| HcpWait {
            requested_at: now - TimeDelta::minutes(minutes_ago),
            band: "x".into(),
            band_minutes: band,
        };
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(11, 50)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                // Waited 5 hours on a 4-hour band: an hour overdue.
                hcp_wait: Some(wait(300, 240)),
                ..row(2, "C2", "Bell")
            },
            BoardRow {
                // Waited 10 minutes of 20: not yet late, and not above a late check.
                hcp_wait: Some(wait(10, 20)),
                ..row(3, "C3", "Cole")
            },
            BoardRow {
                reassess_due: Some(t(11, 30)),
                ..row(4, "C4", "Dunn")
            },
        ];
        assert_eq!(
            rows[1].anything_overdue_by(now),
            Some(TimeDelta::minutes(60))
        );
        assert_eq!(rows[2].anything_overdue_by(now), None);
        assert_eq!(rows[2].next_due(), Some(t(12, 10)));
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows), [2, 4, 1, 3]);
    }

    #[test]
    fn an_overdue_dose_puts_the_row_first_like_an_overdue_check() {
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(12, 30)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                medication_due: Some(t(11, 50)),
                ..row(2, "C2", "Bell")
            },
            BoardRow {
                medication_due: Some(t(13, 0)),
                ..row(3, "C3", "Cole")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows)[0], 2);
        assert!(
            rows[0]
                .medication_status(now)
                .is_some_and(|s| s.is_overdue())
        );
        assert!(
            rows[2]
                .medication_status(now)
                .is_some_and(|s| !s.is_overdue())
        );
    }

    #[test]
    fn late_news2_observations_put_the_row_first_and_continuous_ones_are_never_late() {
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(12, 30)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                observations_due: Some(NextObservations::Continuous),
                ..row(2, "C2", "Bell")
            },
            BoardRow {
                observations_due: Some(NextObservations::At(t(11, 45))),
                ..row(3, "C3", "Cole")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows)[0], 3);
        assert_eq!(
            rows[0].observations_status(now).unwrap().countdown(),
            "!-15m"
        );
        let bell = rows.iter().find(|r| r.detention_id == 2).unwrap();
        assert_eq!(bell.observations_status(now), None);
    }

    fn ids(rows: &[BoardRow]) -> Vec<i64> {
        rows.iter().map(|r| r.detention_id).collect()
    }

    #[test]
    fn attention_order_puts_what_needs_attention_first() {
        let now = t(12, 0);
        let mut rows = vec![
            // 1: level 1, due in 40 min, no flags, cell C10.
            BoardRow {
                next_check_due: Some(t(12, 40)),
                ..row(1, "C10", "Adams")
            },
            // 2: overdue by 5 min, level 1.
            BoardRow {
                next_check_due: Some(t(11, 55)),
                ..row(2, "C3", "Baker")
            },
            // 3: overdue by 20 min, level 1: most overdue, top of the board.
            BoardRow {
                next_check_due: Some(t(11, 40)),
                ..row(3, "C4", "Clark")
            },
            // 4: level 4 close proximity, no due time.
            BoardRow {
                observation_level: ObservationLevel::CloseProximity,
                ..row(4, "C1", "Davis")
            },
            // 5: level 2, due in 25 min.
            BoardRow {
                observation_level: ObservationLevel::Intermittent,
                next_check_due: Some(t(12, 25)),
                ..row(5, "C5", "Evans")
            },
            // 6: level 2, due in 10 min.
            BoardRow {
                observation_level: ObservationLevel::Intermittent,
                next_check_due: Some(t(12, 10)),
                ..row(6, "C6", "Frost")
            },
            // 7: level 1, due in 40 min like 1, but flagged SH alert.
            BoardRow {
                next_check_due: Some(t(12, 40)),
                flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
                ..row(7, "C7", "Green")
            },
            // 8: level 1, due in 40 min, flagged ALC warning; cell C2 sorts before C10 of row 1.
            BoardRow {
                next_check_due: Some(t(12, 40)),
                flags: vec![(FlagCode::Alcohol, Severity::Warning)],
                ..row(8, "C2", "Hill")
            },
            // 9: level 1, due in 40 min, no flags, cell C2: before row 1 (C10) by cell.
            BoardRow {
                next_check_due: Some(t(12, 40)),
                ..row(9, "C2", "Irwin")
            },
            // 10: level 1 with no plan yet: last among level 1.
            row(10, "C0", "Jones"),
        ];
        attention_order(&mut rows, now);
        // Late first (3, 2); then risk: Green's SH alert (7) before the higher levels; then
        // level 4, level 2 by due time, level 1 by due time, flags and cell.
        assert_eq!(ids(&rows), vec![3, 2, 7, 4, 6, 5, 8, 9, 1, 10]);
    }

    #[test]
    fn a_check_due_exactly_now_is_not_yet_overdue() {
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(12, 0)),
                ..row(1, "C1", "A")
            },
            BoardRow {
                observation_level: ObservationLevel::Intermittent,
                next_check_due: Some(t(12, 20)),
                ..row(2, "C2", "B")
            },
            BoardRow {
                next_check_due: Some(t(11, 59)),
                ..row(3, "C3", "C")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows), vec![3, 2, 1]);
    }

    #[test]
    fn the_order_changes_as_time_passes() {
        let mut rows = vec![
            BoardRow {
                observation_level: ObservationLevel::Intermittent,
                next_check_due: Some(t(12, 30)),
                ..row(1, "C1", "A")
            },
            BoardRow {
                next_check_due: Some(t(12, 10)),
                ..row(2, "C2", "B")
            },
        ];
        attention_order(&mut rows, t(12, 0));
        assert_eq!(ids(&rows), vec![1, 2], "level 2 first while nobody is late");
        attention_order(&mut rows, t(12, 11));
        assert_eq!(
            ids(&rows),
            vec![2, 1],
            "the late level 1 check jumps to the top"
        );
    }

    #[test]
    fn more_serious_flags_outrank_more_flags() {
        let mut rows = vec![
            BoardRow {
                flags: vec![
                    (FlagCode::Alcohol, Severity::Warning),
                    (FlagCode::Drugs, Severity::Warning),
                    (FlagCode::Allergy, Severity::Information),
                ],
                ..row(1, "C1", "A")
            },
            BoardRow {
                flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
                ..row(2, "C2", "B")
            },
            BoardRow {
                flags: vec![(FlagCode::Alcohol, Severity::Warning)],
                ..row(3, "C3", "C")
            },
            row(4, "C4", "D"),
        ];
        attention_order(&mut rows, t(12, 0));
        assert_eq!(ids(&rows), vec![2, 1, 3, 4]);
    }

    #[test]
    fn cells_sort_naturally_and_unallocated_last() {
        let mut cells = vec!["C10", "", "c2", "C1", "D1", "C02", "10", "2", "Cell 3"];
        cells.sort_by(|a, b| compare_cells(a, b));
        assert_eq!(
            cells,
            vec!["2", "10", "C1", "C02", "c2", "C10", "Cell 3", "D1", ""]
        );
    }

    #[test]
    fn markers_are_found_by_the_filter_and_the_hcp_column_says_when_and_who() {
        let r = BoardRow {
            markers: vec!["ALLERGY".into(), "KNOWN SH! WD!".into()],
            last_seen: Some(HcpSeen {
                by: "p.raman".into(),
                at: t(14, 5),
                what: "NEWS2".into(),
            }),
            ..row(1, "C1", "Ames")
        };
        assert!(row_matches(&r, "allergy"));
        assert!(row_matches(&r, "known"));
        assert!(row_matches(&r, "wd"));
        assert!(!row_matches(&r, "alc"));
        // 1 June: London is on BST, an hour ahead of UTC.
        assert_eq!(r.hcp_column(t(15, 0), true), "15:05 p.raman");
        assert_eq!(r.hcp_column(t(15, 0), false), "15:05");
        let tomorrow = t(15, 0) + TimeDelta::days(1);
        assert_eq!(r.hcp_column(tomorrow, false), "01/06");
        assert_eq!(r.hcp_column(tomorrow, true), "01/06 15:05 p.raman");
        assert_eq!(row(2, "C2", "Bell").hcp_column(t(15, 0), true), "no");
    }

    fn review(number: u32, at: DateTime<Utc>) -> Option<PaceDeadline> {
        Some(PaceDeadline {
            kind: DeadlineKind::Review { number },
            at,
        })
    }

    #[test]
    fn an_overdue_pace_review_is_overdue_like_a_check_and_sorts_by_how_late() {
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(11, 50)),
                ..row(1, "C1", "Ames")
            },
            // The first review was due at 10:48: 1h12m late, the latest thing on the board.
            BoardRow {
                next_check_due: Some(t(12, 30)),
                pace: review(1, t(10, 48)),
                ..row(2, "C2", "Bell")
            },
            BoardRow {
                pace: review(2, t(12, 30)),
                ..row(3, "C3", "Cole")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows), vec![2, 1, 3]);
        assert_eq!(
            rows[0].anything_overdue_by(now),
            Some(TimeDelta::minutes(72))
        );
        assert!(rows[0].pace_review_overdue(now));
        assert!(!rows[0].pace_limit_passed(now));
        assert_eq!(rows[0].pace_status(now).unwrap().countdown(), "!-1h12m");
        assert!(!rows[2].pace_review_overdue(now));
        let limit = BoardRow {
            pace: Some(PaceDeadline {
                kind: DeadlineKind::DetentionLimit {
                    basis: crate::domain::pace::LimitBasis::Standard,
                },
                at: t(11, 0),
            }),
            ..row(4, "C4", "Dunn")
        };
        assert!(limit.pace_limit_passed(now) && !limit.pace_review_overdue(now));
    }

    #[test]
    fn a_person_not_yet_risk_assessed_ranks_with_the_risky() {
        use crate::domain::booking_duties::Outstanding;
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(12, 5)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                next_check_due: Some(t(12, 50)),
                outstanding: vec![Outstanding::RiskAssessment, Outstanding::HealthScreen],
                ..row(2, "C2", "Bell")
            },
            // The health screen alone is owed to the HCP; it is not a risk signal of itself.
            BoardRow {
                next_check_due: Some(t(12, 55)),
                outstanding: vec![Outstanding::HealthScreen],
                ..row(3, "C3", "Cole")
            },
        ];
        attention_order(&mut rows, now);
        let order: Vec<&str> = rows.iter().map(|r| r.surname.as_str()).collect();
        assert_eq!(order, ["Bell", "Ames", "Cole"]);
    }

    #[test]
    fn risk_outranks_an_earlier_check_once_nobody_is_late() {
        let now = t(12, 0);
        let mut rows = vec![
            // Calm rows with checks due sooner.
            BoardRow {
                next_check_due: Some(t(12, 5)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                next_check_due: Some(t(12, 10)),
                flags: vec![(FlagCode::Alcohol, Severity::Warning)],
                ..row(2, "C2", "Bell")
            },
            // NEWS!!, SH!, a dose due in 5 minutes, a plan below the suggestion, and a check
            // not due for 50 minutes.
            BoardRow {
                next_check_due: Some(t(12, 50)),
                medication_due: Some(t(12, 5)),
                flags: vec![
                    (FlagCode::ClinicalDeterioration, Severity::Alert),
                    (FlagCode::SelfHarm, Severity::Warning),
                ],
                below_suggestion: Some(2),
                ..row(3, "C3", "Cole")
            },
            // Only below the suggestion: one signal, still above the calm rows.
            BoardRow {
                next_check_due: Some(t(12, 55)),
                below_suggestion: Some(2),
                ..row(4, "C4", "Dunn")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows), vec![3, 4, 1, 2]);
        assert_eq!(rows[0].risk_signals(), 3);
    }

    #[test]
    fn next_due_is_the_earliest_duty_of_any_kind() {
        let now = t(12, 0);
        let mut rows = vec![
            BoardRow {
                next_check_due: Some(t(12, 40)),
                ..row(1, "C1", "Ames")
            },
            BoardRow {
                next_check_due: Some(t(12, 50)),
                pace: review(1, t(12, 20)),
                ..row(2, "C2", "Bell")
            },
            BoardRow {
                next_check_due: Some(t(12, 55)),
                observations_due: Some(NextObservations::At(t(12, 10))),
                ..row(3, "C3", "Cole")
            },
        ];
        attention_order(&mut rows, now);
        assert_eq!(ids(&rows), vec![3, 2, 1]);
        assert_eq!(rows[1].next_due(), Some(t(12, 20)));
    }

    #[test]
    fn each_code_shows_once_at_its_highest_severity() {
        let r = BoardRow {
            flags: vec![
                (FlagCode::SelfHarm, Severity::Attention),
                (FlagCode::SelfHarm, Severity::Warning),
                (FlagCode::Withdrawal, Severity::Attention),
                (FlagCode::Alcohol, Severity::Warning),
            ],
            markers: vec!["ALLERGY".into(), "KNOWN SH+ WD! DRG!".into()],
            ..row(1, "C1", "Ames")
        };
        // SH: two live flags, the warning wins; the known SH+ is less serious and goes.
        // WD: the known WD! is more serious than the live WD+, so the live one goes.
        assert_eq!(
            r.shown_flags(),
            vec![
                (FlagCode::SelfHarm, Severity::Warning),
                (FlagCode::Alcohol, Severity::Warning),
            ]
        );
        assert_eq!(r.shown_markers(), vec!["ALLERGY", "KNOWN WD! DRG!"]);
        assert_eq!(r.flag_summary(), "SH! ALC! WD+");
        // A KNOWN marker whose every code is shown live disappears.
        let r = BoardRow {
            flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
            markers: vec!["KNOWN SH!".into()],
            ..row(2, "C2", "Bell")
        };
        assert!(r.shown_markers().is_empty());
        assert_eq!(r.shown_flags(), vec![(FlagCode::SelfHarm, Severity::Alert)]);
    }

    #[test]
    fn shared_cells_are_counted_ignoring_case_and_spaces() {
        let mut rows = vec![
            row(1, "C4", "Ames"),
            row(2, " c4 ", "Bell"),
            row(3, "C5", "Cole"),
            row(4, "", "Dunn"),
            row(5, "", "Eve"),
        ];
        mark_shared_cells(&mut rows);
        let counts: Vec<usize> = rows.iter().map(|r| r.cell_occupants).collect();
        assert_eq!(counts, vec![2, 2, 1, 0, 0]);
    }

    #[test]
    fn row_helpers() {
        let r = BoardRow {
            next_check_due: Some(t(11, 50)),
            flags: vec![
                (FlagCode::AppropriateAdult, Severity::Attention),
                (FlagCode::SelfHarm, Severity::Alert),
                (FlagCode::Alcohol, Severity::Warning),
                (FlagCode::Allergy, Severity::Information),
            ],
            ..row(1, "C1", "A")
        };
        let now = t(12, 0);
        assert_eq!(r.time_in_custody(now), TimeDelta::hours(4));
        assert_eq!(r.time_in_custody(t(7, 0)), TimeDelta::zero());
        assert_eq!(r.overdue_by(now), Some(TimeDelta::minutes(10)));
        assert_eq!(
            r.check_status(now).map(|s| s.countdown()),
            Some("!-10m".into())
        );
        assert_eq!(r.highest_severity(), Some(Severity::Alert));
        assert_eq!(r.flag_summary(), "SH!! ALC! AA+ ALG");
        assert_eq!(row(2, "", "B").flag_summary(), "");
        assert_eq!(row(2, "", "B").highest_severity(), None);
        assert_eq!(row(2, "", "B").check_status(now), None);
    }

    fn suite() -> Vec<BoardRow> {
        vec![
            BoardRow {
                forenames: "Seán Patrick".into(),
                flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
                custody_no: "01/0423/26".into(),
                ..row(1, "C1", "Ó'Brien")
            },
            BoardRow {
                forenames: "Zoë".into(),
                flags: vec![(FlagCode::Epilepsy, Severity::Warning)],
                ..row(2, "C10", "Jones-Smith")
            },
            BoardRow {
                forenames: "Ashley".into(),
                ..row(3, "D2", "Shaw")
            },
            BoardRow {
                forenames: "Mary".into(),
                ..row(4, "", "Müller")
            },
        ]
    }

    fn filtered(query: &str) -> Vec<i64> {
        filter_rows(&suite(), query)
            .iter()
            .map(|r| r.detention_id)
            .collect()
    }

    #[test]
    fn filter_table() {
        let cases: &[(&str, &[i64])] = &[
            ("", &[1, 2, 3, 4]),
            ("   ", &[1, 2, 3, 4]),
            // Names, accent- and case-folded, by the start of any name word.
            ("obrien", &[1]),
            ("o'b", &[1]),
            ("O’BRIEN", &[1]),
            ("brien", &[1]),
            ("sean", &[1]),
            ("SEÁN", &[1]),
            ("patrick", &[1]),
            ("zoe", &[2]),
            ("smith", &[2]),
            ("jones-sm", &[2]),
            ("muller", &[4]),
            ("mül", &[4]),
            // Several words must all match.
            ("zoe jones", &[2]),
            ("jones zoe", &[2]),
            ("zoe shaw", &[]),
            // Flag codes match exactly, in any case; "sh" also starts "Shaw".
            ("epi", &[2]),
            ("SH", &[1, 3]),
            ("s", &[1, 2, 3]),
            // Cells by their start, custody numbers anywhere.
            ("c1", &[1, 2]),
            ("c10", &[2]),
            ("d2", &[3]),
            ("0423", &[1]),
            ("01/0002", &[2]),
            ("nobody", &[]),
            // Not a substring of a name: "ley" is inside Ashley but starts no word.
            ("ley", &[]),
        ];
        for (query, want) in cases {
            assert_eq!(filtered(query), *want, "{query:?}");
        }
    }

    fn arb_row() -> impl Strategy<Value = BoardRow> {
        (
            0i64..1000,
            0usize..4,
            proptest::option::of(-120i64..120),
            proptest::collection::vec((0usize..16, 0usize..4), 0..4),
            0u32..30,
        )
            .prop_map(|(id, level, due, flags, cell)| BoardRow {
                observation_level: ObservationLevel::ALL[level],
                next_check_due: due.map(|m| t(12, 0) + TimeDelta::minutes(m)),
                flags: flags
                    .into_iter()
                    .map(|(c, s)| (FlagCode::ALL[c], Severity::ALL[s]))
                    .collect(),
                ..row(id, &format!("C{cell}"), "X")
            })
    }

    proptest! {
        #[test]
        fn every_overdue_row_is_above_every_row_that_is_not(rows in proptest::collection::vec(arb_row(), 0..20)) {
            let now = t(12, 0);
            let mut rows = rows;
            attention_order(&mut rows, now);
            let overdue: Vec<bool> = rows.iter().map(|r| r.overdue_by(now).is_some()).collect();
            let first_not = overdue.iter().position(|o| !o).unwrap_or(overdue.len());
            prop_assert!(overdue[first_not..].iter().all(|o| !o));
            // Overdue rows are most overdue first.
            let lates: Vec<TimeDelta> = rows[..first_not].iter().filter_map(|r| r.overdue_by(now)).collect();
            prop_assert!(lates.windows(2).all(|w| w[0] >= w[1]));
            // Among the rest, risk (signals, then observation level) never rises going down.
            let risk: Vec<(u8, ObservationLevel)> = rows[first_not..].iter().map(|r| (r.risk_signals(), r.observation_level)).collect();
            prop_assert!(risk.windows(2).all(|w| w[0] >= w[1]));
        }

        #[test]
        fn attention_order_is_a_total_order(a in arb_row(), b in arb_row()) {
            let now = t(12, 0);
            prop_assert_eq!(attention_cmp(&a, &b, now), attention_cmp(&b, &a, now).reverse());
        }

        #[test]
        fn filtering_with_an_empty_query_keeps_everything_and_never_adds(rows in proptest::collection::vec(arb_row(), 0..10), q in "[a-z0-9 ]{0,6}") {
            prop_assert_eq!(filter_rows(&rows, "").len(), rows.len());
            prop_assert!(filter_rows(&rows, &q).len() <= rows.len());
        }
    }
}
