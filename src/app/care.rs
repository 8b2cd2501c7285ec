//! The care plan form, the cell-check form and the PACE form: state and the update logic for
//! them (a failed rousing opens an emergency: `emergency.rs` shows it). `mod.rs` hands keys here first (see [`perform`], [`type_char`] and
//! [`context`]); the store decides what may be written and audits it.

use crate::app::{App, Screen};
use crate::domain::care::{CheckDraft, CheckKind, DecisionKind, PlanDraft, Suggestion};
use crate::domain::observation::{CheckInterval, ObservationLevel, default_for};
use crate::domain::role::Role;
use crate::keymap::Context;

use super::Action;

/// Everything this module keeps in the App.
#[derive(Debug, Default)]
pub struct CareState {
    pub form: Option<CareForm>,
    /// Per detention on the board: next PACE deadline, and rationale when below suggestion.
    pub board: std::collections::HashMap<i64, crate::store::care::BoardCare>,
}

/// A form over the board or the record.
#[derive(Debug)]
pub enum CareForm {
    Plan(PlanForm),
    Check(CheckForm),
    Pace(PaceForm),
}

/// What a PACE entry records: a review, an extension, or a custody decision (which makes a
/// care-plan review due).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaceEntry {
    Review,
    Superintendent,
    Warrant,
    Decision(DecisionKind),
}

impl PaceEntry {
    const ALL: [PaceEntry; 8] = [
        PaceEntry::Review,
        PaceEntry::Superintendent,
        PaceEntry::Warrant,
        PaceEntry::Decision(DecisionKind::Charged),
        PaceEntry::Decision(DecisionKind::BailRefused),
        PaceEntry::Decision(DecisionKind::Bailed),
        PaceEntry::Decision(DecisionKind::ReleaseDecided),
        PaceEntry::Decision(DecisionKind::TransferDecided),
    ];

    pub fn label(self) -> &'static str {
        match self {
            PaceEntry::Review => "Review of detention (s.40)",
            PaceEntry::Superintendent => "Superintendent's extension (s.42)",
            PaceEntry::Warrant => "Warrant of further detention (s.43/44)",
            PaceEntry::Decision(DecisionKind::Charged) => "Decision: charged",
            PaceEntry::Decision(DecisionKind::BailRefused) => "Decision: bail refused",
            PaceEntry::Decision(DecisionKind::Bailed) => "Decision: bailed",
            PaceEntry::Decision(DecisionKind::ReleaseDecided) => "Decision: release",
            PaceEntry::Decision(DecisionKind::TransferDecided) => "Decision: transfer",
        }
    }

    fn next(self, forward: bool) -> PaceEntry {
        let n = Self::ALL.len();
        let i = Self::ALL.iter().position(|e| *e == self).unwrap_or(0);
        Self::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    /// The entry chosen by its number in the list (1-8).
    fn numbered(c: char) -> Option<PaceEntry> {
        let d = c.to_digit(10)? as usize;
        Self::ALL.get(d.checked_sub(1)?).copied()
    }
}

/// Recording a PACE review or extension, timed now.
#[derive(Debug)]
pub struct PaceForm {
    pub detention_id: i64,
    pub who: String,
    pub entry: PaceEntry,
    /// Reviewing officer, superintendent or court.
    pub by: String,
    /// The review's outcome.
    pub outcome: String,
    /// For a review: the representations made by the detainee or their solicitor (s.40(12)).
    pub representations: String,
    /// For a review done after it was due: why.
    pub late_reason: String,
    /// For a review: when it was due, as the board knew it when the form opened (the store
    /// decides again when it is saved).
    pub review_due: Option<chrono::DateTime<chrono::Utc>>,
    /// For an extension: until how many hours after the relevant time.
    pub until_hours: String,
    /// 0 = what, 1 = by, 2 = outcome or until, 3 = representations, 4 = why late (3 and 4
    /// for a review only).
    pub field: u8,
    pub error: Option<String>,
}

impl PaceForm {
    /// How many fields the form has for what is being recorded: a review also asks for the
    /// representations made and, if it is late, why.
    pub fn fields(&self) -> u8 {
        match self.entry {
            PaceEntry::Review => 5,
            _ => 3,
        }
    }
}

/// The fields of the care plan form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanField {
    Level,
    Interval,
    Rouse,
    HcpRecommended,
    Instructions,
    Rationale,
}

impl PlanField {
    const ORDER: [PlanField; 6] = [
        PlanField::Level,
        PlanField::Interval,
        PlanField::Rouse,
        PlanField::HcpRecommended,
        PlanField::Instructions,
        PlanField::Rationale,
    ];
}

/// Setting a new version of the care plan.
#[derive(Debug)]
pub struct PlanForm {
    pub detention_id: i64,
    pub who: String,
    pub suggestion: Suggestion,
    pub level: ObservationLevel,
    /// Index into [`CheckInterval::FIXED`].
    pub interval: usize,
    pub rouse: bool,
    pub hcp_recommended: bool,
    pub instructions: String,
    pub rationale: String,
    pub field: PlanField,
    pub error: Option<String>,
    /// An HCP recording a recommendation for the sergeant, not setting the plan.
    pub recommend: bool,
    /// For the sergeant: the HCP's pending recommendation this form was filled from.
    pub recommendation: Option<String>,
}

impl PlanForm {
    pub fn interval(&self) -> CheckInterval {
        CheckInterval::FIXED
            .get(self.interval)
            .cloned()
            .unwrap_or(CheckInterval::Hourly)
    }

    /// Whether the chosen level is below the suggestion, so a rationale is required.
    pub fn below_suggestion(&self) -> bool {
        self.level < self.suggestion.level
    }

    fn set_level(&mut self, level: ObservationLevel) {
        self.level = level;
        let interval = if level == self.suggestion.level {
            self.suggestion.interval.clone()
        } else {
            default_for(level)
        };
        self.interval = fixed_index(&interval);
        self.rouse = level == ObservationLevel::Intermittent
            || (level == self.suggestion.level && self.suggestion.rouse);
    }

    fn step(&mut self, forward: bool) {
        let i = PlanField::ORDER
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let n = PlanField::ORDER.len();
        self.field = PlanField::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    fn text(&mut self) -> Option<&mut String> {
        match self.field {
            PlanField::Instructions => Some(&mut self.instructions),
            PlanField::Rationale => Some(&mut self.rationale),
            _ => None,
        }
    }

    fn draft(&self) -> PlanDraft {
        PlanDraft {
            level: self.level,
            interval: self.interval(),
            rouse: self.rouse,
            instructions: self.instructions.clone(),
            rationale: self.rationale.clone(),
            hcp_recommended: self.hcp_recommended,
        }
    }
}

fn fixed_index(interval: &CheckInterval) -> usize {
    CheckInterval::FIXED
        .iter()
        .position(|i| i == interval)
        .unwrap_or(0)
}

/// The fields of the check form, in tab order (the rousing ones only for a rousing plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckField {
    Rousable,
    Questions,
    Commands,
    Condition,
    Note,
    MinutesAgo,
    LateReason,
}

/// Recording a visit or a written entry.
#[derive(Debug)]
pub struct CheckForm {
    pub detention_id: i64,
    pub who: String,
    pub kind: CheckKind,
    pub rouse: bool,
    pub rousable: Option<bool>,
    pub questions: Option<bool>,
    pub commands: Option<bool>,
    pub condition: String,
    pub note: String,
    pub minutes_ago: String,
    pub late_reason: String,
    pub field: CheckField,
    pub error: Option<String>,
}

impl CheckForm {
    /// Whether the Annex H questions are asked.
    pub fn rousing(&self) -> bool {
        self.kind == CheckKind::Visit && self.rouse
    }

    pub fn fields(&self) -> Vec<CheckField> {
        let mut f = Vec::new();
        if self.rousing() {
            f.push(CheckField::Rousable);
            if self.rousable != Some(false) {
                f.extend([CheckField::Questions, CheckField::Commands]);
            }
        }
        f.extend([
            CheckField::Condition,
            CheckField::Note,
            CheckField::MinutesAgo,
            CheckField::LateReason,
        ]);
        f
    }

    fn step(&mut self, forward: bool) {
        let fields = self.fields();
        let i = fields.iter().position(|f| *f == self.field).unwrap_or(0);
        let n = fields.len();
        self.field = fields[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    fn answer(&mut self) -> Option<&mut Option<bool>> {
        match self.field {
            CheckField::Rousable => Some(&mut self.rousable),
            CheckField::Questions => Some(&mut self.questions),
            CheckField::Commands => Some(&mut self.commands),
            _ => None,
        }
    }

    fn text(&mut self) -> Option<&mut String> {
        match self.field {
            CheckField::Condition => Some(&mut self.condition),
            CheckField::Note => Some(&mut self.note),
            CheckField::MinutesAgo => Some(&mut self.minutes_ago),
            CheckField::LateReason => Some(&mut self.late_reason),
            _ => None,
        }
    }

    fn draft(&self) -> Result<CheckDraft, String> {
        let minutes_ago = if self.minutes_ago.trim().is_empty() {
            0
        } else {
            self.minutes_ago
                .trim()
                .parse()
                .map_err(|_| "Minutes ago must be a whole number from 0 to 15.".to_string())?
        };
        Ok(CheckDraft {
            minutes_ago,
            late_reason: self.late_reason.clone(),
            rousable: self.rousable,
            responds_to_questions: self.questions,
            responds_to_commands: self.commands,
            condition: self.condition.clone(),
            note: self.note.clone(),
        })
    }
}

/// The keymap context while a care form has the keyboard.
pub fn context(app: &App) -> Option<Context> {
    app.care.form.as_ref().map(|_| Context::Form)
}

/// Re-reads the board's care state: PACE deadlines, plans below suggestion, reviews due
/// (called every tick, like the board).
pub fn refresh(app: &mut App) {
    if let Some(store) = app.session.as_ref()
        && let Ok(board) = store.board_care(app.now)
    {
        app.care.board = board;
    }
}

/// The selected person on the board or the open record: (detention, "Name (custody no)").
fn subject(app: &App) -> Option<(i64, String)> {
    match &app.screen {
        Screen::Board(b) => b.selected_row().map(|r| {
            (
                r.detention_id,
                format!("{} {} ({})", r.forenames, r.surname, r.custody_no),
            )
        }),
        Screen::Record(r) => Some((
            r.view.entry.detention_id,
            format!(
                "{} {} ({})",
                r.view.entry.forenames, r.view.entry.surname, r.view.entry.custody_no
            ),
        )),
        _ => None,
    }
}

/// Handles an action if the alert or a care form has the keyboard, or opens a form. Returns
/// whether the action was handled here.
pub fn perform(app: &mut App, action: Action) -> bool {
    if let Some(form) = app.care.form.take() {
        app.message = None;
        match form {
            CareForm::Plan(f) => plan_action(app, f, action),
            CareForm::Check(f) => check_action(app, f, action),
            CareForm::Pace(f) => pace_action(app, f, action),
        }
        return true;
    }
    match action {
        Action::SetCarePlan => {
            open_plan_form(app);
            true
        }
        Action::RecordCheck => {
            open_check_form(app);
            true
        }
        Action::RecordPace => {
            app.message = None;
            if let Some((detention_id, who)) = subject(app) {
                if app.identity().map(|i| i.role) == Some(Role::Sergeant) {
                    app.care.form = Some(CareForm::Pace(PaceForm {
                        detention_id,
                        who,
                        entry: PaceEntry::Review,
                        by: String::new(),
                        outcome: String::new(),
                        representations: String::new(),
                        late_reason: String::new(),
                        review_due: app
                            .care
                            .board
                            .get(&detention_id)
                            .and_then(|c| {
                                c.pace.filter(|d| {
                                    matches!(
                                        d.kind,
                                        crate::domain::pace::DeadlineKind::Review { .. }
                                    )
                                })
                            })
                            .map(|d| d.at),
                        until_hours: String::new(),
                        field: 1,
                        error: None,
                    }));
                } else {
                    app.set_error("Only the custody sergeant records PACE reviews and extensions.");
                }
            }
            true
        }
        _ => false,
    }
}

fn open_plan_form(app: &mut App) {
    app.message = None;
    let Some((detention_id, who)) = subject(app) else {
        return;
    };
    let Some(store) = app.session.as_ref() else {
        return;
    };
    let role = store.identity().role;
    if role != Role::Sergeant && role != Role::Hcp {
        app.set_error(
            "Only a custody sergeant sets the care plan; an HCP may record a recommendation.",
        );
        return;
    }
    let loaded = store.suggested_plan(detention_id).and_then(|s| {
        Ok((
            s,
            store.current_plan(detention_id)?,
            store.current_instructions(detention_id)?,
            store.pending_recommendation(detention_id)?,
        ))
    });
    match loaded {
        Ok((suggestion, (level, interval, rouse), instructions, rec)) => {
            // Start from the current plan, raised to the suggestion if it is below it.
            let mut form = PlanForm {
                detention_id,
                who,
                level,
                interval: fixed_index(&interval),
                rouse,
                hcp_recommended: false,
                instructions,
                rationale: String::new(),
                field: PlanField::Level,
                error: None,
                suggestion,
                recommend: role == Role::Hcp,
                recommendation: None,
            };
            if form.level < form.suggestion.level {
                form.set_level(form.suggestion.level);
            }
            if let Some(rec) = rec.filter(|_| role == Role::Sergeant) {
                form.level = rec.level;
                form.interval = fixed_index(&rec.interval);
                form.rouse = rec.rouse;
                form.instructions = rec.instructions.clone();
                form.rationale = rec.rationale.clone();
                form.hcp_recommended = true;
                form.recommendation = Some(format!(
                    "HCP {} recommended this at {}: enter accepts it.",
                    rec.recommended_by,
                    crate::domain::observation::to_london_with_zone(rec.recommended_at)
                ));
            }
            app.care.form = Some(CareForm::Plan(form));
        }
        Err(e) => app.set_error(format!("Could not open the care plan: {e}")),
    }
}

fn open_check_form(app: &mut App) {
    app.message = None;
    let Some((detention_id, who)) = subject(app) else {
        return;
    };
    let Some(store) = app.session.as_ref() else {
        return;
    };
    match store.current_plan(detention_id) {
        Ok((level, interval, rouse)) => {
            let kind = CheckKind::for_plan(level, &interval);
            let mut form = CheckForm {
                detention_id,
                who,
                kind,
                rouse,
                rousable: None,
                questions: None,
                commands: None,
                condition: String::new(),
                note: String::new(),
                minutes_ago: String::new(),
                late_reason: String::new(),
                field: CheckField::Condition,
                error: None,
            };
            if form.rousing() {
                form.field = CheckField::Rousable;
            }
            app.care.form = Some(CareForm::Check(form));
        }
        Err(e) => app.set_error(format!("Could not open the check: {e}")),
    }
}

fn plan_action(app: &mut App, mut f: PlanForm, action: Action) {
    match action {
        Action::Back => {
            app.set_info("Care plan not changed.");
            return;
        }
        Action::NextField => f.step(true),
        Action::PrevField => f.step(false),
        Action::MoveUp | Action::MoveDown => {
            let up = action == Action::MoveUp;
            match f.field {
                PlanField::Level => {
                    let n = f.level.number();
                    let next = if up { n.saturating_add(1) } else { n - 1 };
                    if let Some(l) = ObservationLevel::from_number(next) {
                        f.set_level(l);
                    }
                }
                PlanField::Interval => {
                    let n = CheckInterval::FIXED.len();
                    f.interval = if up {
                        (f.interval + n - 1) % n
                    } else {
                        (f.interval + 1) % n
                    };
                }
                PlanField::Rouse => f.rouse = !f.rouse,
                PlanField::HcpRecommended => f.hcp_recommended = !f.hcp_recommended,
                _ => f.step(!up),
            }
        }
        Action::DeleteBack => {
            if let Some(t) = f.text() {
                t.pop();
            }
        }
        Action::ClearField => {
            if let Some(t) = f.text() {
                t.clear();
            }
        }
        Action::Submit | Action::Confirm => {
            let now = app.now;
            let draft = f.draft();
            let Some(store) = app.session.as_mut() else {
                return;
            };
            let result = if f.recommend {
                store.recommend_care_plan(f.detention_id, &draft, now)
            } else {
                store.set_care_plan(f.detention_id, &draft, now)
            };
            match result {
                Ok(_) => {
                    let text = if f.recommend {
                        format!(
                            "Recommendation recorded for {}: the sergeant sees it when setting the plan.",
                            f.who
                        )
                    } else {
                        format!("Care plan set: {} for {}.", f.level, f.who)
                    };
                    after_write(app, f.detention_id);
                    app.set_info(text);
                    return;
                }
                Err(e) => {
                    f.error = Some(sentence(&e.to_string()));
                    if f.below_suggestion() {
                        f.field = PlanField::Rationale;
                    }
                }
            }
        }
        _ => {}
    }
    app.care.form = Some(CareForm::Plan(f));
}

fn check_action(app: &mut App, mut f: CheckForm, action: Action) {
    match action {
        Action::Back => {
            app.set_info("Check not recorded.");
            return;
        }
        Action::NextField | Action::MoveDown => f.step(true),
        Action::PrevField | Action::MoveUp => f.step(false),
        Action::DeleteBack => {
            if let Some(a) = f.answer() {
                *a = None;
            } else if let Some(t) = f.text() {
                t.pop();
            }
        }
        Action::ClearField => {
            if let Some(a) = f.answer() {
                *a = None;
            } else if let Some(t) = f.text() {
                t.clear();
            }
        }
        Action::Submit | Action::Confirm => {
            let now = app.now;
            let draft = match f.draft() {
                Ok(d) => d,
                Err(e) => {
                    f.error = Some(e);
                    f.field = CheckField::MinutesAgo;
                    app.care.form = Some(CareForm::Check(f));
                    return;
                }
            };
            let Some(store) = app.session.as_mut() else {
                return;
            };
            match store.record_check(f.detention_id, &draft, now) {
                Ok(done) => {
                    after_write(app, f.detention_id);
                    refresh(app);
                    if done.escalation_id.is_some() {
                        app.set_error(format!(
                            "EMERGENCY opened for {}: call an HCP or ambulance now.",
                            f.who
                        ));
                    } else {
                        let what = match f.kind {
                            CheckKind::Visit => "Check",
                            CheckKind::WrittenEntry => "Observation entry",
                        };
                        app.set_info(format!("{what} recorded for {}.", f.who));
                    }
                    return;
                }
                Err(e) => f.error = Some(sentence(&e.to_string())),
            }
        }
        _ => {}
    }
    app.care.form = Some(CareForm::Check(f));
}

fn pace_action(app: &mut App, mut f: PaceForm, action: Action) {
    match action {
        Action::Back => {
            app.set_info("Nothing recorded on the PACE clock.");
            return;
        }
        Action::NextField | Action::MoveDown if f.field != 0 || action == Action::NextField => {
            f.field = (f.field + 1) % f.fields();
        }
        Action::PrevField | Action::MoveUp if f.field != 0 || action == Action::PrevField => {
            f.field = (f.field + f.fields() - 1) % f.fields();
        }
        Action::MoveUp | Action::MoveDown => {
            f.entry = f.entry.next(action == Action::MoveDown);
            f.field = f.field.min(f.fields() - 1);
        }
        Action::DeleteBack | Action::ClearField => {
            let clear = action == Action::ClearField;
            if let Some(t) = pace_text(&mut f) {
                if clear {
                    t.clear();
                } else {
                    t.pop();
                }
            }
        }
        Action::Submit | Action::Confirm => {
            let now = app.now;
            let entry = app
                .session
                .as_ref()
                .and_then(|s| s.in_custody().ok())
                .and_then(|all| all.into_iter().find(|e| e.detention_id == f.detention_id));
            let Some(store) = app.session.as_mut() else {
                return;
            };
            let result = match f.entry {
                PaceEntry::Review => store
                    .record_pace_review(
                        f.detention_id,
                        now,
                        &crate::domain::pace::ReviewDraft {
                            reviewed_by: f.by.clone(),
                            outcome: f.outcome.clone(),
                            representations: f.representations.clone(),
                            late_reason: f.late_reason.clone(),
                        },
                        now,
                    )
                    .map(|_| ()),
                PaceEntry::Decision(kind) => store
                    .record_custody_decision(f.detention_id, kind, now, &f.outcome, now)
                    .map(|_| ()),
                PaceEntry::Superintendent | PaceEntry::Warrant => {
                    match (f.until_hours.trim().parse::<i64>(), entry) {
                        (Ok(hours), Some(e)) => {
                            let relevant = e
                                .authorised_at
                                .map_or(e.arrived_at, |a| a.min(e.arrived_at));
                            store
                                .record_pace_extension(
                                    f.detention_id,
                                    f.entry == PaceEntry::Warrant,
                                    now,
                                    relevant + chrono::TimeDelta::hours(hours),
                                    &f.by,
                                    now,
                                )
                                .map(|_| ())
                        }
                        _ => Err(crate::store::StoreError::Invalid(
                            "give the hours after the relevant time the extension runs to, e.g. 36"
                                .into(),
                        )),
                    }
                }
            };
            match result {
                Ok(()) => {
                    after_write(app, f.detention_id);
                    if matches!(f.entry, PaceEntry::Decision(_)) {
                        app.set_info(format!(
                            "{} recorded for {}. Plan review due: set the care plan again (p).",
                            f.entry.label(),
                            f.who
                        ));
                        return;
                    }
                    app.set_info(format!("{} recorded for {}.", f.entry.label(), f.who));
                    return;
                }
                Err(e) => f.error = Some(sentence(&e.to_string())),
            }
        }
        _ => {}
    }
    app.care.form = Some(CareForm::Pace(f));
}

fn pace_text(f: &mut PaceForm) -> Option<&mut String> {
    match (f.field, f.entry) {
        (1, PaceEntry::Decision(_)) => Some(&mut f.outcome),
        (2, PaceEntry::Decision(_)) => None,
        (1, _) => Some(&mut f.by),
        (2, PaceEntry::Review) => Some(&mut f.outcome),
        (3, PaceEntry::Review) => Some(&mut f.representations),
        (4, PaceEntry::Review) => Some(&mut f.late_reason),
        (2, _) => Some(&mut f.until_hours),
        _ => None,
    }
}

/// Typed text for a care form; returns whether it was taken.
pub fn type_char(app: &mut App, c: char) -> bool {
    match app.care.form.as_mut() {
        None => false,
        Some(CareForm::Pace(f)) => {
            if f.field == 0 {
                if let Some(e) = PaceEntry::numbered(c) {
                    f.entry = e;
                }
            } else if let Some(t) = pace_text(f)
                && t.chars().count() < 300
            {
                t.push(c);
            }
            true
        }
        Some(CareForm::Plan(f)) => {
            match f.field {
                PlanField::Level => {
                    if let Some(l) = c
                        .to_digit(10)
                        .and_then(|d| ObservationLevel::from_number(d as u8))
                    {
                        f.set_level(l);
                    }
                }
                PlanField::Rouse | PlanField::HcpRecommended => {
                    let v = match c.to_ascii_lowercase() {
                        'y' => Some(true),
                        'n' => Some(false),
                        _ => None,
                    };
                    if let Some(v) = v {
                        if f.field == PlanField::Rouse {
                            f.rouse = v;
                        } else {
                            f.hcp_recommended = v;
                        }
                        f.step(true);
                    }
                }
                PlanField::Interval => {}
                PlanField::Instructions | PlanField::Rationale => {
                    if let Some(t) = f.text()
                        && t.chars().count() < 500
                    {
                        t.push(c);
                    }
                }
            }
            true
        }
        Some(CareForm::Check(f)) => {
            if let Some(a) = f.answer() {
                match c.to_ascii_lowercase() {
                    'y' => *a = Some(true),
                    'n' => *a = Some(false),
                    _ => return true,
                }
                f.step(true);
            } else if f.field == CheckField::MinutesAgo {
                if c.is_ascii_digit() && f.minutes_ago.len() < 2 {
                    f.minutes_ago.push(c);
                }
            } else if let Some(t) = f.text()
                && t.chars().count() < 300
            {
                t.push(c);
            }
            true
        }
    }
}

/// After a write: re-read the board (and the record, if open) so the new schedule shows.
pub(super) fn after_write(app: &mut App, detention_id: i64) {
    app.refresh_board();
    refresh(app);
    super::emergency::refresh(app);
    super::hcp::refresh(app);
    let screen = std::mem::replace(&mut app.screen, Screen::Login(Default::default()));
    app.screen = match screen {
        Screen::Record(r) if r.view.entry.detention_id == detention_id => {
            let tab = r.tab;
            match super::open_record(app, r.board, detention_id, None) {
                Screen::Record(mut opened) => {
                    opened.tab = tab;
                    Screen::Record(opened)
                }
                other => other,
            }
        }
        other => other,
    };
}

fn sentence(text: &str) -> String {
    super::sentence(text)
}
