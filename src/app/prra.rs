//! The pre-release risk assessment (PRRA) over a person's record: opened from the record (its
//! key, `open_prra`) or from the handover review that refused to go on without it ("press P").
//! It is the ordinary form screen (`form.rs`): every answer is saved and audited as it is
//! entered, and completing it names anything missing. When it closes, the record is read
//! again and an open handover review is rebuilt, so the refusal goes as soon as the PRRA is
//! complete.
//!
//! Source: Essex Police procedure E0107 (a PRRA "must be completed for every detainee") and APP
//! Detention and custody (the custody officer reviews the risk assessment before release or
//! transfer), via `reference/safety-and-pathways.md`.

use super::form::FormScreen;
use super::{Action, App, Screen};
use crate::domain::form::{PRRA, embedded_forms};
use crate::domain::rules::embedded_rules;
use crate::keymap::Context;

/// The keymap context while the PRRA is open.
pub fn context(app: &App) -> Option<Context> {
    app.prra.as_ref().map(|_| Context::Form)
}

/// Opens the PRRA of the record on screen at its first unanswered question.
pub fn open(app: &mut App) {
    let Screen::Record(r) = &app.screen else {
        return;
    };
    if r.read_only {
        app.set_error("This earlier detention is open read-only: nothing can be recorded on it.");
        return;
    }
    let entry = &r.view.entry;
    let detention_id = entry.detention_id;
    let who = format!(
        "{}, {} · {}",
        entry.surname.to_uppercase(),
        entry.forenames,
        entry.custody_no
    );
    let forms = match embedded_forms() {
        Ok(f) => f,
        Err(e) => {
            app.set_error(format!("The forms do not load: {e}"));
            return;
        }
    };
    let rules = match embedded_rules(&forms) {
        Ok(r) => r,
        Err(e) => {
            app.set_error(format!("The rules do not load: {e}"));
            return;
        }
    };
    let Some(form) = forms.into_iter().find(|f| f.id == PRRA) else {
        return;
    };
    match FormScreen::open(app, detention_id, who, form, rules) {
        Ok(f) => {
            if f.completed {
                app.set_info(
                    "The pre-release risk assessment is complete: any change is an amendment, with a reason.",
                );
            } else {
                app.message = None;
            }
            app.prra = Some(Box::new(f));
        }
        Err(e) => app.set_error(e),
    }
}

/// Performs `action` if the PRRA is open (or opens it); true when it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    let Some(mut f) = app.prra.take() else {
        if action == Action::OpenPrra
            && matches!(app.screen, Screen::Record(_))
            && app.handover.is_none()
        {
            open(app);
            return true;
        }
        return false;
    };
    let open = super::form::action(app, &mut f, action);
    if open && !f.done {
        app.prra = Some(f);
        return true;
    }
    if !f.done {
        let (answered, total) = f.progress();
        app.set_info(format!(
            "{answered} of {total} answered and saved; the pre-release risk assessment continues where it stopped."
        ));
    }
    closed(app);
    true
}

/// Typed text goes to the PRRA while it is open.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(mut f) = app.prra.take() else {
        return false;
    };
    super::form::type_char(app, &mut f, c);
    if f.done {
        closed(app);
    } else {
        app.prra = Some(f);
    }
    true
}

/// After the PRRA closes: the record's PRRA is read again (the record shows it) and an open
/// handover review is rebuilt from it.
fn closed(app: &mut App) {
    if let Screen::Record(r) = &mut app.screen
        && let Some(store) = app.session.as_ref()
        && let Ok(prra) = store.prra(r.view.entry.detention_id)
    {
        r.view.prra = prra;
    }
    super::handover::refresh_review(app);
}
