//! Importing a handover bundle from another suite: the bundle file and the keys to trust,
//! the library verify and a review of who signed it, when, for whom and what it holds (or
//! the one-sentence reason it fails, with nothing stored), a confirmation, then the library
//! import in one transaction and its result. It sits over the board as an overlay; nothing is
//! written before the confirmation. Any logged-in role may import, as `sonar import` does:
//! an import adds known information and changes no record.

use std::path::Path;

use super::App;
use crate::app::Action;
use crate::handover::import as import_plan;
use crate::handover::verify::{self, Trust, Verified};
use crate::keymap::Context;
use crate::store::handover::ImportOutcome;

/// Which step of the import is showing.
#[derive(Debug, Clone)]
pub enum Step {
    /// The bundle file and the trusted key file or directory.
    Paths,
    /// The bundle verified: what it says.
    Review(Box<Verified>),
    /// The last question before anything is stored.
    Confirm(Box<Verified>),
    /// Stored, or already there: one sentence.
    Done(String),
}

/// The import overlay.
#[derive(Debug, Clone)]
pub struct ImportState {
    pub bundle_path: String,
    /// Empty: trust this suite's own keys.
    pub trust_path: String,
    /// 0 bundle, 1 trusted keys.
    pub field: usize,
    pub step: Step,
    /// One sentence: why the last attempt failed.
    pub error: Option<String>,
}

/// The number of fields on the paths step.
pub const FIELDS: usize = 2;

/// The keymap context while the overlay is open.
pub fn context(app: &App) -> Option<Context> {
    app.import.as_ref().map(|s| match s.step {
        Step::Paths => Context::Form,
        Step::Review(_) | Step::Confirm(_) | Step::Done(_) => Context::Dialog,
    })
}

use super::sentence;

/// Reads and verifies the bundle with the typed keys, or this suite's own when none is typed.
fn check(app: &App, s: &ImportState) -> Result<Verified, String> {
    let Some(store) = app.session.as_ref() else {
        return Err("You are not logged in.".into());
    };
    let bundle = Path::new(s.bundle_path.trim());
    let trust = if s.trust_path.trim().is_empty() {
        let keys = store
            .public_keys()
            .map_err(|e| sentence(format!("nothing was imported: {e}")))?;
        Trust::new(keys.into_iter().map(|k| k.key))
    } else {
        crate::commands::handover::load_trust(Path::new(s.trust_path.trim()))
            .map_err(|e| sentence(format!("nothing was imported: {e:#}")))?
    };
    // Refused before it is read when it is not a file or is over the bundle limit.
    let bytes = crate::limited_file::read(
        bundle,
        crate::handover::MAX_BUNDLE_BYTES,
        "a handover bundle",
    )
    .map_err(|e| sentence(format!("nothing was imported: {e}")))?;
    // The reason can quote the bundle (a key id, a resource type): shown escaped.
    verify::verify(&bytes, &trust).map_err(|e| {
        sentence(crate::domain::text::printable_line(&format!(
            "nothing was imported: {} does not verify: {e}",
            bundle.display()
        )))
    })
}

fn run_import(app: &mut App, verified: &Verified) -> Result<String, String> {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return Err("You are not logged in.".into());
    };
    let plan = import_plan::plan(verified);
    let outcome = store
        .import_bundle(&plan, now)
        .map_err(|e| sentence(format!("nothing was imported: {e}")))?;
    Ok(match outcome {
        ImportOutcome::AlreadyImported { at, by } => format!(
            "Already imported: this bundle was imported by {by} at {at}; nothing was changed."
        ),
        ImportOutcome::Imported {
            new_person, flags, ..
        } => format!(
            "Imported {} {} ({}): {flags} flag{}, {}.",
            plan.forenames,
            plan.surname,
            if new_person {
                "new to this suite"
            } else {
                "matched an existing person"
            },
            if flags == 1 { "" } else { "s" },
            plan.provenance()
        ),
    })
}

/// Performs `action` if the overlay is open or it opens it; true when it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    let Some(mut s) = app.import.take() else {
        if action == Action::ImportBundle && app.context() == Context::Board {
            app.message = None;
            app.import = Some(ImportState {
                bundle_path: String::new(),
                trust_path: String::new(),
                field: 0,
                step: Step::Paths,
                error: None,
            });
            return true;
        }
        return false;
    };
    app.message = None;
    let step = std::mem::replace(&mut s.step, Step::Paths);
    match step {
        Step::Paths => match action {
            Action::Back => return true,
            Action::NextField | Action::MoveDown => s.field = (s.field + 1) % FIELDS,
            Action::PrevField | Action::MoveUp => s.field = (s.field + FIELDS - 1) % FIELDS,
            Action::DeleteBack => {
                field_mut(&mut s).pop();
            }
            Action::ClearField => field_mut(&mut s).clear(),
            Action::Submit | Action::Confirm => {
                if s.bundle_path.trim().is_empty() {
                    s.error = Some("Give the path of the bundle file to import.".into());
                    s.field = 0;
                } else {
                    match check(app, &s) {
                        Ok(v) => {
                            s.error = None;
                            s.step = Step::Review(Box::new(v));
                        }
                        Err(e) => s.error = Some(e),
                    }
                }
            }
            _ => {}
        },
        Step::Review(v) => match action {
            Action::Back => s.step = Step::Paths,
            Action::Submit | Action::Confirm => s.step = Step::Confirm(v),
            _ => s.step = Step::Review(v),
        },
        Step::Confirm(v) => match action {
            Action::Back => s.step = Step::Review(v),
            Action::Submit | Action::Confirm => match run_import(app, &v) {
                Ok(text) => {
                    s.error = None;
                    s.step = Step::Done(text);
                }
                Err(e) => {
                    s.error = Some(e);
                    s.step = Step::Paths;
                }
            },
            _ => s.step = Step::Confirm(v),
        },
        Step::Done(text) => match action {
            Action::Back | Action::Submit | Action::Confirm => {
                app.set_info(text);
                return true;
            }
            _ => s.step = Step::Done(text),
        },
    }
    app.import = Some(s);
    true
}

fn field_mut(s: &mut ImportState) -> &mut String {
    if s.field == 0 {
        &mut s.bundle_path
    } else {
        &mut s.trust_path
    }
}

/// Typed text goes to the path being typed; other steps ignore it.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(s) = app.import.as_mut() else {
        return false;
    };
    if matches!(s.step, Step::Paths) {
        let t = field_mut(s);
        if t.chars().count() < 1000 {
            t.push(c);
        }
    }
    true
}
