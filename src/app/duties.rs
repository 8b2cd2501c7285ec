//! Duties during a detention that are not forms: anyone adds a risk flag with its reason the
//! moment they learn of it, a custody sergeant changes the observation level (the rationale
//! gate still holds), continues a booking someone else started, or records why the health
//! screen cannot be done now. Each is a small prompt over the board or the record.
//!
//! Choice fields move with up/down and never take typed text as a new choice; typing goes to
//! the field that shows the cursor (a choice field's cursor is its type-ahead).

use crate::app::action::Action;
use crate::app::{App, Screen};
use crate::domain::authority::Duty;
use crate::domain::care::PlanDraft;
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{ObservationLevel, default_for};
use crate::keymap::Context;

/// The severities a flag added by hand may have (information is for imports and rules).
pub const SEVERITIES: [Severity; 3] = [Severity::Attention, Severity::Warning, Severity::Alert];

/// Longest reason or rationale typed into these prompts.
pub const MAX_WORDS: usize = 300;

/// Which field of the flag prompt has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagField {
    Code,
    Severity,
    Reason,
}

/// A prompt over the board or the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DutyDialog {
    AddFlag {
        detention_id: i64,
        who: String,
        /// Index into [`FlagCode::ALL`].
        code: usize,
        /// What was typed on the code field to find it (`SH`).
        find: String,
        /// Index into [`SEVERITIES`].
        severity: usize,
        reason: String,
        focus: FlagField,
        error: Option<String>,
    },
    Level {
        detention_id: i64,
        who: String,
        current: ObservationLevel,
        suggested: ObservationLevel,
        level: ObservationLevel,
        rationale: String,
        on_rationale: bool,
        error: Option<String>,
    },
    DeferScreen {
        detention_id: i64,
        who: String,
        reason: String,
        error: Option<String>,
    },
}

/// The person the key acts on: the board's selected row or the open record (not one already
/// handed over).
fn subject(app: &App) -> Option<(i64, String)> {
    super::person_in_view(app)
}

/// The keymap context while a prompt is open.
pub fn context(app: &App) -> Option<Context> {
    app.session.as_ref()?;
    app.duty.is_some().then_some(Context::Dialog)
}

/// Whether the logged-in role has `duty`, saying who does it when not.
fn allowed(app: &mut App, duty: Duty) -> bool {
    let Some(role) = app.identity().map(|i| i.role) else {
        return false;
    };
    match crate::domain::authority::permit(role, duty) {
        Ok(()) => true,
        Err(refused) => {
            app.set_error(super::sentence(refused.to_string()));
            false
        }
    }
}

/// Handles an action if a prompt has the keyboard, or if it is one of this module's from the
/// board or a record. Returns whether it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    if app.session.is_none() {
        return false;
    }
    if let Some(dialog) = app.duty.take() {
        app.message = None;
        app.duty = dialog_action(app, dialog, action);
        return true;
    }
    let duty = match action {
        Action::AddRiskFlag => Duty::AddFlag,
        Action::ChangeLevel => Duty::SetCarePlan,
        Action::DeferHealthScreen => Duty::DeferHealthScreen,
        Action::ContinueBooking => {
            return continue_booking(app);
        }
        _ => return false,
    };
    if !matches!(app.screen, Screen::Board(_) | Screen::Record(_)) {
        return false;
    }
    app.message = None;
    let Some((detention_id, who)) = subject(app) else {
        app.set_error("Choose a person in custody first.");
        return true;
    };
    if !allowed(app, duty) {
        return true;
    }
    app.duty = match action {
        Action::AddRiskFlag => Some(DutyDialog::AddFlag {
            detention_id,
            who,
            code: 0,
            find: String::new(),
            severity: 1,
            reason: String::new(),
            focus: FlagField::Code,
            error: None,
        }),
        Action::ChangeLevel => open_level(app, detention_id, who),
        _ => Some(DutyDialog::DeferScreen {
            detention_id,
            who,
            reason: String::new(),
            error: None,
        }),
    };
    true
}

fn open_level(app: &mut App, detention_id: i64, who: String) -> Option<DutyDialog> {
    let store = app.session.as_ref()?;
    let read = store
        .current_plan(detention_id)
        .and_then(|(level, _, _)| Ok((level, store.suggested_plan(detention_id)?.level)));
    match read {
        Ok((current, suggested)) => Some(DutyDialog::Level {
            detention_id,
            who,
            current,
            suggested,
            level: current,
            rationale: String::new(),
            on_rationale: false,
            error: None,
        }),
        Err(e) => {
            app.set_error(format!("Could not read the care plan: {e}."));
            None
        }
    }
}

/// `B` on the board or a record: the booking form this role owes the selected person.
fn continue_booking(app: &mut App) -> bool {
    if !matches!(app.screen, Screen::Board(_) | Screen::Record(_)) {
        return false;
    }
    app.message = None;
    let Some((detention_id, _)) = subject(app) else {
        app.set_error("Choose a person in custody first.");
        return true;
    };
    let screen = std::mem::replace(&mut app.screen, Screen::Login(Default::default()));
    let board = match screen {
        Screen::Board(b) => b,
        Screen::Record(r) => r.board,
        other => {
            app.screen = other;
            return true;
        }
    };
    app.screen = super::booking::continue_booking(app, board, detention_id);
    true
}

fn push_limited(text: &mut String, c: char) {
    if !c.is_control() && text.chars().count() < MAX_WORDS {
        text.push(c);
    }
}

/// A character typed while a prompt is open: to the focused field only.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(dialog) = app.duty.as_mut() else {
        return false;
    };
    match dialog {
        DutyDialog::AddFlag {
            code,
            find,
            severity,
            reason,
            focus,
            error,
            ..
        } => match focus {
            FlagField::Reason => push_limited(reason, c),
            FlagField::Code => {
                // Type-ahead: the first code starting with what was typed; a key that
                // matches nothing is refused, never taken as a new code.
                let mut next = find.clone();
                next.push(c.to_ascii_uppercase());
                match FlagCode::ALL
                    .iter()
                    .position(|f| f.code().starts_with(&next))
                {
                    Some(i) => {
                        *code = i;
                        *find = next;
                        *error = None;
                    }
                    None => {
                        *error = Some(format!(
                            "No flag code starts with {}: up/down chooses one.",
                            crate::domain::text::printable(&next)
                        ));
                    }
                }
            }
            FlagField::Severity => match c.to_digit(10).map(|d| d as usize) {
                Some(d @ 1..=3) => {
                    *severity = d - 1;
                    *error = None;
                }
                _ => *error = Some("Type 1, 2 or 3, or choose with up/down.".into()),
            },
        },
        DutyDialog::Level {
            level,
            rationale,
            on_rationale,
            error,
            ..
        } => {
            if *on_rationale {
                push_limited(rationale, c);
            } else {
                match c
                    .to_digit(10)
                    .and_then(|d| ObservationLevel::from_number(d as u8))
                {
                    Some(l) => {
                        *level = l;
                        *error = None;
                    }
                    None => {
                        *error = Some(
                            "Type the level's number, 1 to 4; tab moves to the rationale.".into(),
                        );
                    }
                }
            }
        }
        DutyDialog::DeferScreen { reason, .. } => push_limited(reason, c),
    }
    true
}

fn cycle(index: usize, len: usize, forward: bool) -> usize {
    if forward {
        (index + 1) % len
    } else {
        (index + len - 1) % len
    }
}

/// An action while a prompt is open; the prompt that stays open, if any.
fn dialog_action(app: &mut App, mut dialog: DutyDialog, action: Action) -> Option<DutyDialog> {
    if action == Action::Back {
        return None;
    }
    match &mut dialog {
        DutyDialog::AddFlag {
            code,
            find,
            severity,
            reason,
            focus,
            ..
        } => match action {
            Action::NextField => {
                *focus = match focus {
                    FlagField::Code => FlagField::Severity,
                    FlagField::Severity => FlagField::Reason,
                    FlagField::Reason => FlagField::Code,
                };
                find.clear();
            }
            Action::PrevField => {
                *focus = match focus {
                    FlagField::Code => FlagField::Reason,
                    FlagField::Severity => FlagField::Code,
                    FlagField::Reason => FlagField::Severity,
                };
                find.clear();
            }
            Action::MoveDown | Action::MoveUp => {
                let forward = action == Action::MoveDown;
                match focus {
                    FlagField::Code => {
                        *code = cycle(*code, FlagCode::ALL.len(), forward);
                        find.clear();
                    }
                    FlagField::Severity => {
                        *severity = cycle(*severity, SEVERITIES.len(), forward);
                    }
                    FlagField::Reason => {}
                }
            }
            Action::DeleteBack => match focus {
                FlagField::Reason => {
                    reason.pop();
                }
                FlagField::Code => {
                    find.pop();
                }
                FlagField::Severity => {}
            },
            Action::ClearField => match focus {
                FlagField::Reason => reason.clear(),
                FlagField::Code => find.clear(),
                FlagField::Severity => {}
            },
            Action::Submit if *focus != FlagField::Reason => {
                *focus = if *focus == FlagField::Code {
                    FlagField::Severity
                } else {
                    FlagField::Reason
                };
                find.clear();
            }
            Action::Submit => return save(app, dialog),
            _ => {}
        },
        DutyDialog::Level {
            level,
            rationale,
            on_rationale,
            ..
        } => match action {
            Action::NextField | Action::PrevField => *on_rationale = !*on_rationale,
            Action::MoveDown | Action::MoveUp if !*on_rationale => {
                let n = cycle(
                    usize::from(level.number() - 1),
                    4,
                    action == Action::MoveDown,
                );
                if let Some(l) = ObservationLevel::from_number(n as u8 + 1) {
                    *level = l;
                }
            }
            Action::DeleteBack if *on_rationale => {
                rationale.pop();
            }
            Action::ClearField if *on_rationale => rationale.clear(),
            Action::Submit => return save(app, dialog),
            _ => {}
        },
        DutyDialog::DeferScreen { reason, .. } => match action {
            Action::DeleteBack => {
                reason.pop();
            }
            Action::ClearField => reason.clear(),
            Action::Submit => return save(app, dialog),
            _ => {}
        },
    }
    Some(dialog)
}

/// Saves what the prompt says; the prompt stays open with the store's sentence if refused.
fn save(app: &mut App, mut dialog: DutyDialog) -> Option<DutyDialog> {
    let now = app.now;
    let (DutyDialog::AddFlag { detention_id, .. }
    | DutyDialog::Level { detention_id, .. }
    | DutyDialog::DeferScreen { detention_id, .. }) = &dialog;
    let detention_id = *detention_id;
    let store = app.session.as_mut()?;
    let (result, done) = match &dialog {
        DutyDialog::AddFlag {
            detention_id,
            code,
            severity,
            reason,
            ..
        } => {
            let code = FlagCode::ALL
                .get(*code)
                .copied()
                .unwrap_or(FlagCode::ALL[0]);
            let severity = SEVERITIES
                .get(*severity)
                .copied()
                .unwrap_or(Severity::Warning);
            let result = if reason.trim().chars().filter(|c| c.is_alphabetic()).count() < 3 {
                Err("Say why: what was seen or said, and when.".to_string())
            } else {
                store
                    .add_flag(*detention_id, code, severity, reason, now)
                    .map(|_| ())
                    .map_err(|e| super::sentence(e.to_string()))
            };
            (
                result,
                format!(
                    "Flag {}{} added: the suggested level follows it at once.",
                    code.code(),
                    severity.marker()
                ),
            )
        }
        DutyDialog::Level {
            detention_id,
            level,
            rationale,
            ..
        } => {
            let result = store.current_plan(*detention_id).and_then(|(_, _, rouse)| {
                let instructions = store
                    .plan_words(*detention_id)?
                    .map(|w| w.instructions)
                    .unwrap_or_default();
                store.set_care_plan(
                    *detention_id,
                    &PlanDraft {
                        level: *level,
                        interval: default_for(*level),
                        rouse,
                        instructions,
                        rationale: rationale.trim().to_string(),
                        hcp_recommended: false,
                    },
                    now,
                )
            });
            (
                result.map(|_| ()).map_err(|e| e.to_string()),
                format!("Observation level set to {}.", level.number()),
            )
        }
        DutyDialog::DeferScreen {
            detention_id,
            reason,
            ..
        } => (
            store
                .defer_health_screen(*detention_id, reason, now)
                .map_err(|e| super::sentence(e.to_string())),
            "Recorded why the health screen cannot be done now: it travels with the person.".into(),
        ),
    };
    match result {
        Ok(()) => {
            super::care::after_write(app, detention_id);
            app.set_info(done);
            None
        }
        Err(e) => {
            let (DutyDialog::AddFlag { error, .. }
            | DutyDialog::Level { error, .. }
            | DutyDialog::DeferScreen { error, .. }) = &mut dialog;
            *error = Some(e);
            Some(dialog)
        }
    }
}
