//! Asking for an HCP and the HCP's directions on this terminal: the request dialog (a band
//! from `schema/rules/hcp_bands.toml` and why), withdrawing a request, the HCP's queue of
//! people waiting, and the strip of directions no sergeant has acknowledged yet, which every
//! sergeant's terminal shows (and rings for after `ESCALATE_AFTER`).
//!
//! What may be written is decided by `domain::hcp` and enforced by `store::hcp`; this module
//! keeps the screen's state and turns actions into those calls.

use super::{Action, App, Screen};
use crate::domain::hcp::direction::may_acknowledge;
use crate::domain::hcp::request::{may_withdraw, short_name};
use crate::domain::hcp::{HcpBands, QueueEntry};
use crate::domain::observation::to_london;
use crate::domain::role::Role;
use crate::keymap::Context;
use crate::store::hcp::OpenDirection;

/// Everything this module keeps in the App.
#[derive(Debug, Default)]
pub struct HcpState {
    /// Open requests of people in custody, in the queue's order (re-read every tick).
    pub queue: Vec<QueueEntry>,
    /// Directions not yet acknowledged, or re-assessments not yet done (re-read every tick).
    pub directions: Vec<OpenDirection>,
    pub dialog: Option<Dialog>,
    /// The HCP's queue is showing, with this row selected.
    pub queue_selected: Option<usize>,
}

/// A prompt over the board or a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// Asking for an HCP: the band (typed by its number) and why.
    Request {
        detention_id: i64,
        who: String,
        band: Option<usize>,
        reason: String,
        on_reason: bool,
        error: Option<String>,
    },
    /// Withdrawing a request: why (e.g. left custody).
    Withdraw {
        request_id: i64,
        who: String,
        what: String,
        reason: String,
        error: Option<String>,
    },
}

/// At most this many direction lines under the header; the last says how many more.
pub const STRIP_LINES: usize = 2;

/// How many lines the direction strip adds under the header on this terminal.
pub fn strip_height(app: &App) -> u16 {
    u16::try_from(strip(app).len().min(STRIP_LINES)).unwrap_or(0)
}

fn role(app: &App) -> Option<Role> {
    app.identity().map(|i| i.role)
}

/// The directions this terminal shows at the top of the screen: not yet acknowledged, to a
/// custody sergeant (who must acknowledge them), oldest first.
pub fn strip(app: &App) -> Vec<&OpenDirection> {
    if app.session.is_none() || !role(app).is_some_and(may_acknowledge) {
        return Vec::new();
    }
    app.hcp
        .directions
        .iter()
        .filter(|o| o.direction.acknowledged.is_none())
        .collect()
}

/// Whether the sergeant's terminal should ring for a direction: one has waited for
/// acknowledgement for `ESCALATE_AFTER` or more. The shell rings (every `BELL_EVERY`) when
/// this or an unacknowledged emergency says so (`emergency::take_bell`).
pub fn wants_bell(app: &App) -> bool {
    strip(app).iter().any(|o| o.direction.escalated(app.now))
}

/// The keymap context while a prompt or the queue has the keyboard.
pub fn context(app: &App) -> Option<Context> {
    app.session.as_ref()?;
    if app.hcp.dialog.is_some() {
        return Some(Context::Dialog);
    }
    (app.hcp.queue_selected.is_some() && matches!(app.screen, Screen::Board(_)))
        .then_some(Context::Queue)
}

/// Re-reads open requests and directions (every tick and after every write).
pub fn refresh(app: &mut App) {
    let now = app.now;
    let Some(store) = app.session.as_ref() else {
        app.hcp = HcpState::default();
        return;
    };
    let read = store
        .open_hcp_requests(now)
        .and_then(|q| Ok((q, store.open_directions()?)));
    match read {
        Ok((queue, directions)) => {
            app.hcp.queue = queue;
            app.hcp.directions = directions;
            if let Some(sel) = app.hcp.queue_selected.as_mut() {
                *sel = (*sel).min(app.hcp.queue.len().saturating_sub(1));
            }
        }
        Err(e) => app.set_error(format!("Could not read the HCP requests: {e}")),
    }
}

/// The selected person on the board or the open record: (detention, "Name (custody no)").
fn subject(app: &App) -> Option<(i64, String)> {
    super::person_in_view(app)
}

/// Handles an action if a prompt or the queue has the keyboard, or if it is one of this
/// module's from the board or a record. Returns whether it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    if app.session.is_none() {
        return false;
    }
    if let Some(dialog) = app.hcp.dialog.take() {
        app.message = None;
        dialog_action(app, dialog, action);
        return true;
    }
    if context(app) == Some(Context::Queue) {
        queue_action(app, action);
        return true;
    }
    match action {
        Action::RequestHcp => {
            app.message = None;
            match subject(app) {
                Some((detention_id, who)) => {
                    app.hcp.dialog = Some(Dialog::Request {
                        detention_id,
                        who,
                        band: None,
                        reason: String::new(),
                        on_reason: false,
                        error: None,
                    });
                }
                None => app.set_error("Choose the person first."),
            }
            true
        }
        Action::HcpQueue => {
            app.message = None;
            if !matches!(app.screen, Screen::Board(_)) {
                return false;
            }
            refresh(app);
            app.hcp.queue_selected = Some(0);
            true
        }
        Action::WithdrawHcpRequest => {
            app.message = None;
            let Some((detention_id, who)) = subject(app) else {
                app.set_error("Choose the person first.");
                return true;
            };
            let found = app
                .hcp
                .queue
                .iter()
                .find(|q| q.request.detention_id == detention_id)
                .cloned();
            match found {
                Some(q) => start_withdraw(app, &q, who),
                None => app.set_info(format!("{who} has no open request for an HCP.")),
            }
            true
        }
        Action::AcknowledgeDirection => {
            app.message = None;
            acknowledge(app);
            true
        }
        _ => false,
    }
}

fn start_withdraw(app: &mut App, q: &QueueEntry, who: String) {
    if !role(app).is_some_and(may_withdraw) {
        app.set_error("Only a custody sergeant or an HCP can withdraw a request for an HCP.");
        return;
    }
    let r = &q.request;
    app.hcp.dialog = Some(Dialog::Withdraw {
        request_id: r.id,
        who,
        what: format!(
            "{}, asked {} by {}: {}",
            r.band,
            to_london(r.requested_at),
            short_name(&r.requested_by_name, &r.requested_by),
            r.reason
        ),
        reason: String::new(),
        error: None,
    });
}

/// Acknowledges the direction shown first: on a record, that person's oldest; on the board,
/// the oldest of all (the strip's first line).
fn acknowledge(app: &mut App) {
    if !role(app).is_some_and(may_acknowledge) {
        app.set_error("Only a custody sergeant acknowledges an HCP's direction.");
        return;
    }
    let on_record = match &app.screen {
        Screen::Record(r) => Some(r.view.entry.detention_id),
        _ => None,
    };
    let strip = strip(app);
    let chosen = on_record
        .and_then(|id| strip.iter().find(|o| o.direction.detention_id == id))
        .or_else(|| strip.first())
        .map(|o| {
            (
                o.direction.id,
                o.direction.detention_id,
                o.name.clone(),
                o.direction.headline(),
            )
        });
    let Some((id, detention_id, name, headline)) = chosen else {
        app.set_info("No HCP direction is waiting to be acknowledged.");
        return;
    };
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    match store.acknowledge_direction(id, now) {
        Ok(()) => {
            super::care::after_write(app, detention_id);
            app.set_info(format!(
                "Acknowledged for {}: {}.",
                crate::domain::text::printable(&name),
                crate::domain::text::printable(&headline)
            ));
        }
        Err(e) => {
            refresh(app);
            app.set_error(super::sentence(e.to_string()));
        }
    }
}

fn queue_action(app: &mut App, action: Action) {
    let n = app.hcp.queue.len();
    let sel = app.hcp.queue_selected.unwrap_or(0);
    match action {
        Action::Back | Action::HcpQueue => app.hcp.queue_selected = None,
        Action::MoveDown if n > 0 => app.hcp.queue_selected = Some((sel + 1).min(n - 1)),
        Action::MoveUp => app.hcp.queue_selected = Some(sel.saturating_sub(1)),
        Action::First => app.hcp.queue_selected = Some(0),
        Action::Last => app.hcp.queue_selected = Some(n.saturating_sub(1)),
        Action::Confirm | Action::Submit => {
            let Some(id) = app.hcp.queue.get(sel).map(|q| q.request.detention_id) else {
                return;
            };
            app.hcp.queue_selected = None;
            let screen = std::mem::replace(&mut app.screen, Screen::Login(Default::default()));
            app.screen = match screen {
                Screen::Board(b) => super::open_record(app, b, id, None),
                other => other,
            };
        }
        Action::WithdrawHcpRequest => {
            if let Some(q) = app.hcp.queue.get(sel).cloned() {
                let who = format!("{} ({})", q.name, q.custody_no);
                start_withdraw(app, &q, who);
            }
        }
        _ => {}
    }
}

fn dialog_action(app: &mut App, mut dialog: Dialog, action: Action) {
    if action == Action::Back {
        app.set_info(match dialog {
            Dialog::Request { .. } => "No HCP requested.",
            Dialog::Withdraw { .. } => "The request is still open.",
        });
        return;
    }
    if matches!(action, Action::Submit | Action::Confirm) {
        submit(app, dialog);
        return;
    }
    match &mut dialog {
        Dialog::Request {
            band,
            reason,
            on_reason,
            ..
        } => match action {
            Action::NextField | Action::PrevField => *on_reason = !*on_reason,
            Action::DeleteBack if *on_reason => {
                reason.pop();
            }
            Action::DeleteBack => *band = None,
            Action::ClearField if *on_reason => reason.clear(),
            Action::ClearField => *band = None,
            _ => {}
        },
        Dialog::Withdraw { reason, .. } => match action {
            Action::DeleteBack => {
                reason.pop();
            }
            Action::ClearField => reason.clear(),
            _ => {}
        },
    }
    app.hcp.dialog = Some(dialog);
}

/// Writes what the dialog says. Saved, the prompt closes; otherwise it stays with its error.
fn submit(app: &mut App, mut dialog: Dialog) {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    let (result, detention) = match &dialog {
        Dialog::Request {
            detention_id,
            who,
            band,
            reason,
            ..
        } => {
            let bands = HcpBands::embedded().map_err(|e| e.to_string());
            let result = match (bands, band) {
                (Err(e), _) => Err(e),
                (Ok(_), None) => Err("Choose how soon: type the band's number.".to_string()),
                (Ok(bands), Some(i)) => match bands.bands.get(*i) {
                    None => Err("Choose how soon: type the band's number.".to_string()),
                    Some(b) => store
                        .request_hcp(*detention_id, &b.name, reason, now)
                        .map(|_| {
                            format!(
                                "HCP requested for {who} ({}): the board counts the wait.",
                                b.label.to_lowercase()
                            )
                        })
                        .map_err(|e| super::sentence(e.to_string())),
                },
            };
            (result, Some(*detention_id))
        }
        Dialog::Withdraw {
            request_id,
            who,
            reason,
            ..
        } => {
            let detention = app_detention_of_request(&app.hcp.queue, *request_id);
            let result = store
                .withdraw_hcp_request(*request_id, reason, now)
                .map(|()| format!("Request for an HCP for {who} withdrawn."))
                .map_err(|e| super::sentence(e.to_string()));
            (result, detention)
        }
    };
    match result {
        Ok(message) => {
            if let Some(id) = detention {
                super::care::after_write(app, id);
            }
            refresh(app);
            app.set_info(message);
        }
        Err(error) => {
            match &mut dialog {
                Dialog::Request { error: e, .. } | Dialog::Withdraw { error: e, .. } => {
                    *e = Some(error)
                }
            }
            app.hcp.dialog = Some(dialog);
        }
    }
}

fn app_detention_of_request(queue: &[QueueEntry], request_id: i64) -> Option<i64> {
    queue
        .iter()
        .find(|q| q.request.id == request_id)
        .map(|q| q.request.detention_id)
}

/// Typed text goes to the prompt's field. Returns whether a prompt took it.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(dialog) = app.hcp.dialog.as_mut() else {
        return false;
    };
    let push = |s: &mut String| {
        if s.chars().count() < crate::domain::hcp::request::MAX_REASON_CHARS && !c.is_control() {
            s.push(c);
        }
    };
    match dialog {
        Dialog::Request {
            band,
            reason,
            on_reason,
            error,
            ..
        } => {
            if *on_reason {
                push(reason);
            } else if let Some(d) = c.to_digit(10) {
                let count = HcpBands::embedded().map(|b| b.bands.len()).unwrap_or(0);
                match (d as usize).checked_sub(1).filter(|i| *i < count) {
                    Some(i) => {
                        *band = Some(i);
                        *on_reason = true;
                        *error = None;
                    }
                    None => *error = Some(format!("Type a band's number, 1 to {count}.")),
                }
            } else {
                // Typing words first: they are the reason.
                *on_reason = true;
                push(reason);
            }
        }
        Dialog::Withdraw { reason, .. } => push(reason),
    }
    true
}

/// Forgets what a locked terminal must not show.
pub fn on_lock(app: &mut App) {
    app.hcp = HcpState::default();
}
