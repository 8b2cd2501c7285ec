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
mod tests;
