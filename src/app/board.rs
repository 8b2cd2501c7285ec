//! The suite board's state: everyone in custody, in attention order, with the filter and
//! the selection. The order and the filter themselves are domain rules (`domain::board`).

use chrono::{DateTime, Utc};

use crate::domain::board::{BoardRow, attention_order, mark_shared_cells, row_matches};
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{self, CheckInterval, ObservationLevel};
use crate::domain::pace::{PaceClock, PaceDeadline};
use crate::domain::person::age_on;
use crate::store::custody::CustodyEntry;

/// What the board shows and where the cursor is.
#[derive(Debug, Clone, Default)]
pub struct BoardState {
    /// Everyone in custody, in attention order.
    pub rows: Vec<BoardRow>,
    /// Indices into `rows` that pass the filter.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    pub filter: String,
    pub filtering: bool,
    /// `q` was pressed once on a shared terminal: a second `q` signs out and quits.
    pub quit_asked: bool,
}

/// Turns the store's projection into a board row: the schedule's due time is computed here
/// from the plan and the last check (a person with no plan yet is on level 1, hourly, from
/// arrival: APP's minimum).
pub fn board_row(entry: &CustodyEntry, now: DateTime<Utc>) -> BoardRow {
    let level = entry
        .level
        .and_then(ObservationLevel::from_number)
        .unwrap_or(ObservationLevel::General);
    let interval = interval_from_minutes(entry.interval_minutes, level);
    let anchor = match (entry.last_check_at, entry.plan_set_at) {
        (Some(check), Some(plan)) => check.max(plan),
        (Some(check), None) => check,
        (None, Some(plan)) => plan,
        (None, None) => entry.arrived_at,
    };
    let flags: Vec<(FlagCode, Severity)> = entry
        .flags
        .iter()
        .filter_map(|(code, severity)| Some((code.parse().ok()?, severity.parse().ok()?)))
        .collect();
    let age = entry
        .date_of_birth
        .map(|dob| age_on(dob, observation::london_date(now)));
    BoardRow {
        detention_id: entry.detention_id,
        custody_no: entry.custody_no.clone(),
        cell: entry.cell.clone(),
        surname: entry.surname.clone(),
        forenames: entry.forenames.clone(),
        age,
        arrived_at: entry.arrived_at,
        observation_level: level,
        next_check_due: observation::next_check_due(anchor, &interval),
        appropriate_adult_needed: flags.iter().any(|(c, _)| *c == FlagCode::AppropriateAdult)
            || age.is_some_and(|a| a < 18)
            || entry.support.appropriate_adult.is_some(),
        flags,
        hcp_seen: entry.hcp_seen,
        last_seen: entry.last_seen.clone(),
        markers: entry.markers.clone(),
        ready_for_transfer: entry.ready_for_transfer,
        medication_due: entry.next_medication_due,
        observations_due: entry.next_observations,
        pace: pace_deadline(entry, now),
        below_suggestion: entry.below_suggestion,
        emergency_open: entry.emergency_open,
        plan_review_due: entry.plan_review_due,
        hcp_wait: entry.hcp_wait.clone(),
        reassess_due: entry.reassess_due,
        outstanding: entry.outstanding.clone(),
        support: entry.support.clone(),
        cell_occupants: usize::from(!entry.cell.trim().is_empty()),
    }
}

/// The next PACE deadline from the detention's times and its review history (`None` before
/// detention is authorised). Computed here rather than in the per-second query because it
/// depends on `now` (a passed detention limit wins over any review: `PaceClock::next_deadline`).
fn pace_deadline(entry: &CustodyEntry, now: DateTime<Utc>) -> Option<PaceDeadline> {
    if entry.closed_at.is_some() {
        return None;
    }
    let authorised = entry.authorised_at?;
    let clock = PaceClock::new(entry.arrived_at.min(authorised), authorised).ok()?;
    Some(clock.next_deadline(&entry.pace_reviews, &entry.pace_extensions, now))
}

/// The stored interval in minutes as the schedule's interval; none stored means the level's
/// default (constant observation for levels 3 and 4).
fn interval_from_minutes(minutes: Option<u32>, level: ObservationLevel) -> CheckInterval {
    match minutes {
        Some(60) => CheckInterval::Hourly,
        Some(30) => CheckInterval::Every30Minutes,
        Some(15) => CheckInterval::Every15Minutes,
        Some(10) => CheckInterval::Every10Minutes,
        Some(5) => CheckInterval::Every5Minutes,
        Some(m) => CheckInterval::alternative("as recorded in the care plan", Some(m))
            .unwrap_or_else(|_| observation::default_for(level)),
        None => observation::default_for(level),
    }
}

impl BoardState {
    /// Replaces the rows with a fresh read, keeping the same person selected if still there.
    pub fn replace_entries(&mut self, entries: Vec<CustodyEntry>, now: DateTime<Utc>) {
        let keep = self.selected_detention();
        let mut rows: Vec<BoardRow> = entries.iter().map(|e| board_row(e, now)).collect();
        mark_shared_cells(&mut rows);
        attention_order(&mut rows, now);
        self.rows = rows;
        self.apply_filter();
        if let Some(id) = keep
            && let Some(pos) = self
                .visible
                .iter()
                .position(|&i| self.rows[i].detention_id == id)
        {
            self.selected = pos;
        }
    }

    /// Recomputes which rows pass the filter.
    pub fn apply_filter(&mut self) {
        self.visible = (0..self.rows.len())
            .filter(|&i| row_matches(&self.rows[i], &self.filter))
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn move_to(&mut self, index: usize) {
        self.selected = index.min(self.visible.len().saturating_sub(1));
    }

    pub fn selected_row(&self) -> Option<&BoardRow> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn selected_detention(&self) -> Option<i64> {
        self.selected_row().map(|r| r.detention_id)
    }

    /// The rows that pass the filter, in order.
    pub fn visible_rows(&self) -> impl Iterator<Item = &BoardRow> {
        self.visible.iter().map(|&i| &self.rows[i])
    }
}
