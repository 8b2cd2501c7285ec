//! Emergencies on this terminal: the full-screen alert, the bell until someone acknowledges it
//! here, recording who was called, closing with an outcome (sergeant or HCP), and raising one
//! by hand from the board or a record. A locked terminal reads the alarm file instead of the
//! database (it has no key) and shows only the cell.
//!
//! What may be written is decided by `domain::emergency` and enforced by `store::emergency`;
//! this module keeps the screen's state and turns actions into those calls.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{Action, App, Screen};
use crate::domain::emergency::{Alarm, CallKind, CloseDraft, OutcomeKind, may_close};
use crate::domain::observation::to_london;
use crate::keymap::Context;
use crate::store::emergency::OpenEmergency;

/// How often the bell rings while an emergency is unacknowledged on this terminal.
pub const BELL_EVERY: Duration = Duration::seconds(2);

/// Everything this module keeps in the App.
#[derive(Debug, Default)]
pub struct EmergencyState {
    /// Open emergencies, re-read every tick from the database while someone is logged in.
    pub open: Vec<OpenEmergency>,
    /// Open emergencies as the alarm file has them: all a locked terminal knows.
    pub alarms: Vec<Alarm>,
    /// Why the alarm file could not be read or written, if it could not.
    pub alarm_problem: Option<String>,
    /// Emergencies acknowledged on this terminal. Kept when the terminal locks: the bell does
    /// not start again for an emergency someone here already acknowledged.
    pub acknowledged: BTreeSet<i64>,
    /// Acknowledged emergencies whose full screen was put aside (esc) for the board strip.
    pub set_aside: BTreeSet<i64>,
    /// Index into `open` of the emergency shown.
    pub selected: usize,
    pub dialog: Option<Dialog>,
    last_bell: Option<DateTime<Utc>>,
}

/// A prompt over the emergency screen, or over the board or record for raising one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// Who was called: 999/ambulance or the HCP, who called, at what time (HH:MM).
    Call {
        emergency_id: i64,
        kind: CallKind,
        called_by: String,
        time: String,
        on_time: bool,
        error: Option<String>,
    },
    /// Closing: the outcome (typed by number), when it happened (HH:MM), and words.
    Close {
        emergency_id: i64,
        outcome: Option<OutcomeKind>,
        time: String,
        note: String,
        field: CloseField,
        error: Option<String>,
    },
    /// Raising one by hand: what was seen, and where (the cell unless changed).
    Raise {
        detention_id: i64,
        who: String,
        seen: String,
        location: String,
        on_location: bool,
        error: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseField {
    Outcome,
    Time,
    Note,
}

impl CloseField {
    fn next(self, forward: bool) -> CloseField {
        use CloseField::*;
        match (self, forward) {
            (Outcome, true) | (Note, false) => Time,
            (Time, true) | (Outcome, false) => Note,
            (Note, true) | (Time, false) => Outcome,
        }
    }
}

fn is_wall_board(app: &App) -> bool {
    app.identity()
        .is_some_and(|i| i.role == crate::domain::role::Role::WallBoard)
}

/// Whether the full-screen alert has the screen: someone is logged in (board, record or
/// booking), and an emergency is open that has not been put aside here. The wall board never
/// puts one aside.
pub fn full_screen(app: &App) -> bool {
    if app.session.is_none()
        || !matches!(
            app.screen,
            Screen::Board(_) | Screen::Record(_) | Screen::Booking(_)
        )
    {
        return false;
    }
    let e = &app.emergency;
    if matches!(e.dialog, Some(Dialog::Call { .. } | Dialog::Close { .. })) {
        return true;
    }
    e.open
        .iter()
        .any(|o| is_wall_board(app) || !e.set_aside.contains(&o.id()))
}

/// The emergency the full screen shows.
pub fn selected(app: &App) -> Option<&OpenEmergency> {
    let e = &app.emergency;
    e.open.get(e.selected.min(e.open.len().saturating_sub(1)))
}

/// Whether an emergency is open and not yet acknowledged on this terminal (logged in: from the
/// database; locked: from the alarm file).
pub fn unacknowledged(app: &App) -> bool {
    let e = &app.emergency;
    if app.session.is_some() {
        e.open.iter().any(|o| !e.acknowledged.contains(&o.id()))
    } else {
        e.alarms.iter().any(|a| !e.acknowledged.contains(&a.id))
    }
}

/// Whether to ring the terminal bell now: an emergency is unacknowledged here, or an HCP's
/// direction has waited too long for a sergeant (`hcp::wants_bell`), the bell is on, and it
/// has not rung in the last [`BELL_EVERY`]. The shell writes BEL when this says so.
pub fn take_bell(app: &mut App) -> bool {
    if !app.config.bell || !(unacknowledged(app) || super::hcp::wants_bell(app)) {
        app.emergency.last_bell = None;
        return false;
    }
    let now = app.now;
    if app
        .emergency
        .last_bell
        .is_some_and(|at| now - at < BELL_EVERY && now >= at)
    {
        return false;
    }
    app.emergency.last_bell = Some(now);
    true
}

/// The keymap context while the emergency screen or one of its prompts has the keyboard.
pub fn context(app: &App) -> Option<Context> {
    app.session.as_ref()?;
    if app.emergency.dialog.is_some() {
        return Some(Context::Dialog);
    }
    full_screen(app).then_some(Context::Emergency)
}

/// Re-reads the open emergencies: from the database when logged in (and puts the alarm file
/// right from it), from the alarm file when locked. Called every tick and after every write.
pub fn refresh(app: &mut App) {
    let db = app.config.db_path.clone();
    let Some(store) = app.session.as_ref() else {
        app.emergency.open.clear();
        match crate::store::alarm::read_alarms(&db) {
            Ok(alarms) => {
                app.emergency.alarms = alarms;
                app.emergency.alarm_problem = None;
            }
            // Unreadable: say so on the lock screen and keep the last alarms known.
            Err(e) => app.emergency.alarm_problem = Some(super::sentence(e.to_string())),
        }
        return;
    };
    match store.open_emergencies() {
        Ok(open) => {
            let alarms: Vec<Alarm> = open
                .iter()
                .map(|o| Alarm::new(&o.emergency, &o.cell))
                .collect();
            app.emergency.alarm_problem = crate::store::alarm::publish_alarms(&db, &alarms)
                .err()
                .map(|e| {
                    format!("Locked terminals cannot be told of emergencies: the alarm file cannot be written ({e}).")
                });
            app.emergency.alarms = alarms;
            let e = &mut app.emergency;
            let ids: BTreeSet<i64> = open.iter().map(OpenEmergency::id).collect();
            e.set_aside.retain(|id| ids.contains(id));
            // A newly opened, unacknowledged emergency is shown first.
            if let Some(pos) = open.iter().position(|o| !e.acknowledged.contains(&o.id())) {
                let showing = e.open.get(e.selected).map(OpenEmergency::id);
                let shown_acknowledged = showing.is_none_or(|id| e.acknowledged.contains(&id));
                if shown_acknowledged {
                    e.selected = pos;
                }
            }
            e.open = open;
            e.selected = e.selected.min(e.open.len().saturating_sub(1));
            if let Some(Dialog::Call { emergency_id, .. } | Dialog::Close { emergency_id, .. }) =
                &e.dialog
                && !ids.contains(emergency_id)
            {
                e.dialog = None;
                app.set_info("That emergency was closed on another terminal.");
            }
        }
        Err(e) => app.set_error(format!("Could not read the emergency list: {e}")),
    }
}

/// Forgets what a locked terminal must not show (names, the open list, prompts), keeping the
/// acknowledgements made here and the alarms.
pub fn on_lock(app: &mut App) {
    let e = &mut app.emergency;
    e.open.clear();
    e.set_aside.clear();
    e.dialog = None;
    e.selected = 0;
}

/// The selected person on the board or the open record: (detention, "Name (custody no)", cell).
fn subject(app: &App) -> Option<(i64, String, String)> {
    match &app.screen {
        Screen::Board(b) => b.selected_row().map(|r| {
            (
                r.detention_id,
                format!("{} {} ({})", r.forenames, r.surname, r.custody_no),
                r.cell.clone(),
            )
        }),
        Screen::Record(r) if !r.read_only => Some((
            r.view.entry.detention_id,
            format!(
                "{} {} ({})",
                r.view.entry.forenames, r.view.entry.surname, r.view.entry.custody_no
            ),
            r.view.entry.cell.clone(),
        )),
        _ => None,
    }
}

/// Handles an action if the emergency screen or one of its prompts has the keyboard, or if
/// it raises or shows an emergency from the board or a record. Returns whether it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    if app.session.is_none() {
        return false;
    }
    if let Some(dialog) = app.emergency.dialog.take() {
        app.message = None;
        dialog_action(app, dialog, action);
        return true;
    }
    if full_screen(app) {
        screen_action(app, action);
        return true;
    }
    match action {
        Action::RaiseEmergency => {
            app.message = None;
            if is_wall_board(app) {
                app.set_error(
                    "The wall board records nothing: raise the emergency on a suite terminal.",
                );
            } else if let Some((detention_id, who, cell)) = subject(app) {
                app.emergency.dialog = Some(Dialog::Raise {
                    detention_id,
                    who,
                    seen: String::new(),
                    location: cell,
                    on_location: false,
                    error: None,
                });
            } else {
                app.set_error("Choose the person first.");
            }
            true
        }
        Action::ShowEmergencies => {
            if app.emergency.open.is_empty() {
                app.set_info("No emergency is open.");
            } else {
                app.emergency.set_aside.clear();
            }
            true
        }
        _ => false,
    }
}

fn screen_action(app: &mut App, action: Action) {
    let count = app.emergency.open.len();
    match action {
        Action::MoveDown | Action::NextField if count > 0 => {
            app.emergency.selected = (app.emergency.selected + 1) % count;
        }
        Action::MoveUp | Action::PrevField if count > 0 => {
            app.emergency.selected = (app.emergency.selected + count - 1) % count;
        }
        Action::AcknowledgeEmergency => acknowledge(app),
        Action::Back => {
            let wall_board = is_wall_board(app);
            let e = &mut app.emergency;
            let waiting = e.open.iter().find(|o| !e.acknowledged.contains(&o.id()));
            if let Some(o) = waiting {
                let cell = cell_words(&o.cell);
                app.set_error(format!(
                    "Acknowledge the emergency in {cell} first (enter): the bell rings until someone does here."
                ));
            } else if wall_board {
                app.set_info("The wall board shows an open emergency until it is closed.");
            } else {
                e.set_aside = e.open.iter().map(OpenEmergency::id).collect();
                app.set_info("Emergency screen put aside: it stays open (e shows it again).");
            }
        }
        Action::CallAmbulance | Action::CallHcp => {
            if is_wall_board(app) {
                app.set_error(
                    "The wall board records nothing: record the call on a suite terminal.",
                );
                return;
            }
            let Some(id) = selected(app).map(OpenEmergency::id) else {
                return;
            };
            let who = app
                .identity()
                .map(|i| i.display_name.clone())
                .unwrap_or_default();
            app.emergency.dialog = Some(Dialog::Call {
                emergency_id: id,
                kind: if action == Action::CallAmbulance {
                    CallKind::Ambulance
                } else {
                    CallKind::Hcp
                },
                called_by: who,
                time: to_london(app.now),
                on_time: false,
                error: None,
            });
        }
        Action::CloseEmergency => {
            let Some(id) = selected(app).map(OpenEmergency::id) else {
                return;
            };
            let role = app.identity().map(|i| i.role);
            if !role.is_some_and(may_close) {
                app.set_error(
                    "Only a custody sergeant or an HCP can close an emergency: record who was called (9 or h) and fetch them.",
                );
                return;
            }
            app.emergency.dialog = Some(Dialog::Close {
                emergency_id: id,
                outcome: None,
                time: to_london(app.now),
                note: String::new(),
                field: CloseField::Outcome,
                error: None,
            });
        }
        _ => {}
    }
}

fn cell_words(cell: &str) -> String {
    if cell.trim().is_empty() {
        "a person with no cell".into()
    } else {
        format!("cell {cell}")
    }
}

/// Acknowledges the shown emergency on this terminal, audited with the terminal and the
/// person. The bell stops even when the audit cannot be written (someone is plainly looking),
/// and the screen says so.
fn acknowledge(app: &mut App) {
    let Some(id) = selected(app).map(OpenEmergency::id) else {
        return;
    };
    let now = app.now;
    let terminal = app.config.terminal_name.clone();
    app.emergency.acknowledged.insert(id);
    let Some(store) = app.session.as_mut() else {
        return;
    };
    match store.acknowledge_emergency(id, &terminal, now) {
        Ok(()) => {
            refresh(app);
            app.set_info("Acknowledged on this terminal: the bell has stopped here.");
        }
        Err(e) => app.set_error(format!(
            "Acknowledged here, but the audit could not be written: {e}."
        )),
    }
}

fn dialog_action(app: &mut App, mut dialog: Dialog, action: Action) {
    if action == Action::Back {
        let what = match dialog {
            Dialog::Raise { .. } => "No emergency raised.",
            Dialog::Call { .. } => "No call recorded.",
            Dialog::Close { .. } => "The emergency is still open.",
        };
        app.set_info(what);
        return;
    }
    if matches!(action, Action::Submit | Action::Confirm) {
        // Saved, the prompt closes; refused, it stays with the reason (`submit` decides).
        submit(app, &dialog);
        return;
    }
    match &mut dialog {
        Dialog::Raise {
            seen,
            location,
            on_location,
            ..
        } => match action {
            Action::NextField | Action::PrevField => *on_location = !*on_location,
            Action::DeleteBack => {
                if *on_location { location } else { seen }.pop();
            }
            Action::ClearField => {
                if *on_location { location } else { seen }.clear();
            }
            _ => {}
        },
        Dialog::Call {
            called_by,
            time,
            on_time,
            ..
        } => match action {
            Action::NextField | Action::PrevField => *on_time = !*on_time,
            Action::DeleteBack => {
                if *on_time { time } else { called_by }.pop();
            }
            Action::ClearField => {
                if *on_time { time } else { called_by }.clear();
            }
            _ => {}
        },
        Dialog::Close {
            outcome,
            time,
            note,
            field,
            ..
        } => match action {
            Action::NextField => *field = field.next(true),
            Action::PrevField => *field = field.next(false),
            Action::DeleteBack => match field {
                CloseField::Outcome => *outcome = None,
                CloseField::Time => {
                    time.pop();
                }
                CloseField::Note => {
                    note.pop();
                }
            },
            Action::ClearField => match field {
                CloseField::Outcome => *outcome = None,
                CloseField::Time => time.clear(),
                CloseField::Note => note.clear(),
            },
            _ => {}
        },
    }
    if app.emergency.dialog.is_none() {
        app.emergency.dialog = Some(dialog);
    }
}

/// Writes what the dialog says. Saved, the prompt closes; otherwise it stays open with its
/// error saying why. Returns whether it was saved.
fn submit(app: &mut App, dialog: &Dialog) -> bool {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return false;
    };
    let result: Result<String, String> = match dialog {
        Dialog::Raise {
            detention_id,
            who,
            seen,
            location,
            ..
        } => store
            .raise_emergency(*detention_id, seen, location, now)
            .map(|_| format!("EMERGENCY raised for {who}: every terminal shows it and rings."))
            .map_err(|e| super::sentence(e.to_string())),
        Dialog::Call {
            emergency_id,
            kind,
            called_by,
            time,
            ..
        } => match crate::domain::emergency::clock_time(time, now) {
            None => Err(format!(
                "\"{}\" is not a time: type it as HH:MM, e.g. 14:05.",
                crate::domain::text::printable(time)
            )),
            Some(at) => store
                .record_emergency_call(*emergency_id, *kind, called_by, at, now)
                .map(|()| format!("{} call recorded.", kind.label()))
                .map_err(|e| super::sentence(e.to_string())),
        },
        Dialog::Close {
            emergency_id,
            outcome,
            time,
            note,
            ..
        } => match (outcome, crate::domain::emergency::clock_time(time, now)) {
            (None, _) => Err("Choose the outcome: type its number.".into()),
            (_, None) => Err(format!(
                "\"{}\" is not a time: type it as HH:MM, e.g. 14:05.",
                crate::domain::text::printable(time)
            )),
            (Some(kind), Some(at)) => store
                .close_emergency(
                    *emergency_id,
                    &CloseDraft {
                        kind: *kind,
                        outcome_at: at,
                        note: note.clone(),
                    },
                    now,
                )
                .map(|()| {
                    format!(
                        "Emergency closed: {}. A care-plan review is due now (PLAN REVIEW).",
                        kind.label()
                    )
                })
                .map_err(|e| super::sentence(e.to_string())),
        },
    };
    match result {
        Ok(message) => {
            app.emergency.dialog = None;
            super::care::after_write(app, detention_of(app, dialog));
            app.set_info(message);
            true
        }
        Err(error) => {
            let mut d = dialog.clone();
            match &mut d {
                Dialog::Raise { error: e, .. }
                | Dialog::Call { error: e, .. }
                | Dialog::Close { error: e, .. } => *e = Some(error),
            }
            app.emergency.dialog = Some(d);
            false
        }
    }
}

fn detention_of(app: &App, dialog: &Dialog) -> i64 {
    match dialog {
        Dialog::Raise { detention_id, .. } => *detention_id,
        Dialog::Call { emergency_id, .. } | Dialog::Close { emergency_id, .. } => app
            .emergency
            .open
            .iter()
            .find(|o| o.id() == *emergency_id)
            .map(OpenEmergency::detention_id)
            .unwrap_or_default(),
    }
}

/// Typed text goes to the prompt's field. Returns whether a prompt took it.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(dialog) = app.emergency.dialog.as_mut() else {
        return false;
    };
    let push = |s: &mut String, max: usize| {
        if s.chars().count() < max && !c.is_control() {
            s.push(c);
        }
    };
    match dialog {
        Dialog::Raise {
            seen,
            location,
            on_location,
            ..
        } => {
            if *on_location {
                push(location, 40);
            } else {
                push(seen, 300);
            }
        }
        Dialog::Call {
            called_by,
            time,
            on_time,
            ..
        } => {
            if *on_time {
                if c.is_ascii_digit() || c == ':' {
                    push(time, 5);
                }
            } else {
                push(called_by, 80);
            }
        }
        Dialog::Close {
            outcome,
            time,
            note,
            field,
            ..
        } => match field {
            CloseField::Outcome => {
                if let Some(kind) = c
                    .to_digit(10)
                    .and_then(|d| OutcomeKind::ALL.get((d as usize).wrapping_sub(1)))
                {
                    *outcome = Some(*kind);
                    *field = CloseField::Time;
                }
            }
            CloseField::Time => {
                if c.is_ascii_digit() || c == ':' {
                    push(time, 5);
                }
            }
            CloseField::Note => push(note, 300),
        },
    }
    true
}
