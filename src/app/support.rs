//! Recording a person's appropriate adult or interpreter on this terminal: one prompt per kind,
//! from the board's selected row or the open record, offering the step that usually comes next
//! (needed, then asked to come, then arrived, then left) so the common case is the key and
//! Enter. Times are "now" (or left empty) or HH:MM London, read like every other time field.
//!
//! What may be written is decided by `domain::support` and enforced by `store::support`; this
//! module keeps the prompt's state and turns actions into those calls.

use super::{Action, App, Screen};
use crate::domain::entry::{When, parse_london_time};
use crate::domain::support::{MAX_DETAIL_CHARS, Need, Status, Step, Support, SupportKind};
use crate::domain::text::printable;
use crate::keymap::Context;
use crate::store::support::StepDraft;

/// One line of the prompt's list: a reason for the need, or a later step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Need(Need),
    Step(Step),
}

impl Choice {
    /// Every choice for `kind`, in the order the prompt numbers them.
    pub fn all(kind: SupportKind) -> [Choice; 5] {
        let [a, b] = kind.needs();
        [
            Choice::Need(a),
            Choice::Need(b),
            Choice::Step(Step::Requested),
            Choice::Step(Step::Arrived),
            Choice::Step(Step::Left),
        ]
    }

    /// What the prompt's text field is for with this choice.
    pub fn field_label(self) -> &'static str {
        match self {
            Choice::Need(n) => n.detail_label(),
            Choice::Step(Step::Requested) => "Asked at",
            Choice::Step(Step::Arrived) => "Arrived at",
            Choice::Step(Step::Left) => "Left at",
            Choice::Step(Step::Needed) => "At",
        }
    }

    /// The choice's line in the list.
    pub fn label(self, kind: SupportKind) -> String {
        match self {
            Choice::Need(n) => n.choice().to_string(),
            Choice::Step(s) => s.choice(kind),
        }
    }
}

/// The prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub detention_id: i64,
    /// "Forenames Surname (custody no)".
    pub who: String,
    pub kind: SupportKind,
    /// Where it stands now, as the record words it (`None`: not yet recorded as needed).
    pub standing: Option<String>,
    /// Index into [`Choice::all`].
    pub choice: usize,
    /// The reason, language or time typed.
    pub text: String,
    /// The cursor is in the text field (else on the list, where a digit picks a line).
    pub on_text: bool,
    pub error: Option<String>,
}

impl Dialog {
    pub fn chosen(&self) -> Choice {
        let all = Choice::all(self.kind);
        all[self.choice.min(all.len() - 1)]
    }
}

/// Everything this module keeps in the App.
#[derive(Debug, Default)]
pub struct SupportState {
    pub dialog: Option<Dialog>,
}

/// The keymap context while the prompt has the keyboard.
pub fn context(app: &App) -> Option<Context> {
    app.session.as_ref()?;
    app.support.dialog.as_ref().map(|_| Context::Dialog)
}

/// The step that usually comes next: the reason first (under 18 when the person is), then
/// asking, then the arrival, then leaving; after they left, asking again (e.g. for charge).
fn next_choice(kind: SupportKind, support: &Support, under_18: bool) -> usize {
    let all = Choice::all(kind);
    let want = match support.get(kind).map(|n| n.status()) {
        None if kind == SupportKind::AppropriateAdult && !under_18 => {
            Choice::Need(Need::VulnerableAdult)
        }
        None => Choice::Need(kind.needs()[0]),
        Some(Status::NotRequested | Status::Left { .. }) => Choice::Step(Step::Requested),
        Some(Status::Requested { .. }) => Choice::Step(Step::Arrived),
        Some(Status::Arrived { .. }) => Choice::Step(Step::Left),
    };
    all.iter().position(|c| *c == want).unwrap_or(0)
}

/// The selected person on the board or the open record: (detention, "Name (custody no)",
/// their support, under 18).
fn subject(app: &App) -> Option<(i64, String, Support, bool)> {
    match &app.screen {
        Screen::Board(b) => b.selected_row().map(|r| {
            (
                r.detention_id,
                format!("{} {} ({})", r.forenames, r.surname, r.custody_no),
                r.support.clone(),
                r.age.is_some_and(|a| a < 18),
            )
        }),
        Screen::Record(r) if !r.read_only && r.view.entry.closed_at.is_none() => {
            let e = &r.view.entry;
            let age = e.date_of_birth.map(|dob| {
                crate::domain::person::age_on(dob, crate::domain::observation::london_date(app.now))
            });
            Some((
                e.detention_id,
                format!("{} {} ({})", e.forenames, e.surname, e.custody_no),
                e.support.clone(),
                age.is_some_and(|a| a < 18),
            ))
        }
        _ => None,
    }
}

/// Handles an action if the prompt has the keyboard, or opens it from the board or a record.
/// Returns whether it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    if app.session.is_none() {
        return false;
    }
    if let Some(dialog) = app.support.dialog.take() {
        app.message = None;
        dialog_action(app, dialog, action);
        return true;
    }
    let kind = match action {
        Action::AppropriateAdult => SupportKind::AppropriateAdult,
        Action::Interpreter => SupportKind::Interpreter,
        _ => return false,
    };
    app.message = None;
    if let Some(role) = app.identity().map(|i| i.role)
        && let Err(refused) =
            crate::domain::authority::permit(role, crate::domain::authority::Duty::SupportNeed)
    {
        app.set_error(super::sentence(refused.to_string()));
        return true;
    }
    let Some((detention_id, who, support, under_18)) = subject(app) else {
        app.set_error("Choose the person first.");
        return true;
    };
    let choice = next_choice(kind, &support, under_18);
    let on_text = matches!(Choice::all(kind)[choice], Choice::Step(_));
    app.support.dialog = Some(Dialog {
        detention_id,
        who,
        kind,
        standing: support.get(kind).map(|n| n.summary(app.now)),
        choice,
        text: String::new(),
        on_text,
        error: None,
    });
    true
}

fn dialog_action(app: &mut App, mut dialog: Dialog, action: Action) {
    match action {
        Action::Back => {
            app.set_info(format!("Nothing recorded for {}.", dialog.kind.the()));
            return;
        }
        Action::Submit | Action::Confirm => {
            submit(app, dialog);
            return;
        }
        Action::NextField | Action::PrevField => dialog.on_text = !dialog.on_text,
        Action::DeleteBack => {
            dialog.text.pop();
        }
        Action::ClearField => dialog.text.clear(),
        _ => {}
    }
    app.support.dialog = Some(dialog);
}

/// Writes what the prompt says. Saved, it closes with a one-line message; otherwise it stays
/// with its error.
fn submit(app: &mut App, mut dialog: Dialog) {
    let now = app.now;
    let chosen = dialog.chosen();
    let draft = match chosen {
        Choice::Need(need) => Ok(StepDraft {
            kind: dialog.kind,
            step: Step::Needed,
            need: Some(need),
            detail: dialog.text.trim().to_string(),
            at: now,
        }),
        Choice::Step(step) => {
            let text = dialog.text.trim();
            let at = if text.is_empty() {
                Ok(now)
            } else {
                parse_london_time(chosen.field_label(), text, When::Past, now)
            };
            at.map(|at| StepDraft {
                kind: dialog.kind,
                step,
                need: None,
                detail: String::new(),
                at,
            })
        }
    };
    let Some(store) = app.session.as_mut() else {
        return;
    };
    let result = draft.and_then(|draft| {
        store
            .record_support(dialog.detention_id, &draft, now)
            .map_err(|e| super::sentence(e.to_string()))
    });
    match result {
        Ok(support) => {
            let who = printable(&dialog.who);
            let the = dialog.kind.the();
            let message = match (chosen, support.get(dialog.kind)) {
                (Choice::Need(_), Some(n)) => format!(
                    "{} needed for {who}: {}. Press {} again once one is asked to come.",
                    dialog.kind.label(),
                    printable(&n.phrase()),
                    app.keymap
                        .key_name(screen_context(app), key_action(dialog.kind))
                ),
                (Choice::Step(Step::Requested), _) => {
                    format!(
                        "{} asked to come for {who}: the board counts the wait.",
                        capital(the)
                    )
                }
                (Choice::Step(Step::Arrived), n) => format!(
                    "{} arrived for {who}{}.",
                    capital(the),
                    n.and_then(|n| n.request_to_arrival())
                        .map(|d| format!(
                            ", {} after the request",
                            crate::domain::observation::format_elapsed(d)
                        ))
                        .unwrap_or_default()
                ),
                _ => format!("{} left: recorded for {who}.", capital(the)),
            };
            super::care::after_write(app, dialog.detention_id);
            app.set_info(message);
        }
        Err(error) => {
            dialog.error = Some(error);
            app.support.dialog = Some(dialog);
        }
    }
}

fn key_action(kind: SupportKind) -> Action {
    match kind {
        SupportKind::AppropriateAdult => Action::AppropriateAdult,
        SupportKind::Interpreter => Action::Interpreter,
    }
}

/// The context of the screen under the prompt, for naming its keys.
fn screen_context(app: &App) -> Context {
    match app.screen {
        Screen::Record(_) => Context::Record,
        _ => Context::Board,
    }
}

fn capital(s: &str) -> String {
    crate::domain::text::capitalise(s)
}

/// Typed text goes to the prompt: on the list a digit picks a line (and moves to the text
/// field), anything else starts the text. Returns whether the prompt took it.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(dialog) = app.support.dialog.as_mut() else {
        return false;
    };
    if !dialog.on_text
        && let Some(d) = c.to_digit(10)
    {
        let count = Choice::all(dialog.kind).len();
        match (d as usize).checked_sub(1).filter(|i| *i < count) {
            Some(i) => {
                if i != dialog.choice {
                    dialog.text.clear();
                }
                dialog.choice = i;
                dialog.on_text = true;
                dialog.error = None;
            }
            None => dialog.error = Some(format!("Type a line's number, 1 to {count}.")),
        }
        return true;
    }
    dialog.on_text = true;
    if dialog.text.chars().count() < MAX_DETAIL_CHARS && !c.is_control() {
        dialog.text.push(c);
    }
    true
}

/// Forgets what a locked terminal must not show.
pub fn on_lock(app: &mut App) {
    app.support = SupportState::default();
}
