//! Handing a person over from their record: where they go and who receives them, a review of
//! exactly what will leave the suite, a final confirmation (the detention closes and the
//! record becomes read-only), then the library export and its result. It sits over the
//! record as an overlay; nothing is written before the confirmation.

use std::path::PathBuf;

use super::{App, Screen, open_board_from};
use crate::app::Action;
use crate::domain::role::Role;
use crate::domain::transfer;
use crate::handover::build::{self, HandoverInput};
use crate::handover::export::{self, Handover};
use crate::handover::{Destination, HandoverError};
use crate::keymap::Context;

/// Which step of the handover is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Destination, receiving organisation and officer, output directory.
    Details,
    /// What will leave the suite.
    Review(Box<Review>),
    /// The last question before anything is written.
    Confirm(Box<Review>),
    /// Written and recorded.
    Done(Box<Outcome>),
}

/// One Composition section as it will leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionLine {
    pub title: String,
    pub entries: usize,
    pub empty_reason: Option<String>,
}

/// What the review shows: built from the same record and builder the export uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub sections: Vec<SectionLine>,
    /// `CODE (severity)` of each flag that travels.
    pub flags: Vec<String>,
    /// `name dose`, with whether it is time-critical.
    pub medications: Vec<(String, bool)>,
    /// What the sergeant must read before the person leaves (`domain::transfer`).
    pub cautions: Vec<String>,
    /// Set while the pre-release risk assessment is not complete: the one sentence that
    /// refuses the handover (Essex Police procedure E0107; `domain::prra`).
    pub prra_missing: Option<String>,
}

/// What the export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub bundle_path: PathBuf,
    pub escort_path: PathBuf,
    /// On release, the person's own copy.
    pub release_path: Option<PathBuf>,
    pub sha256: String,
    pub kid: String,
}

/// The handover overlay.
#[derive(Debug, Clone)]
pub struct HandoverState {
    pub custody_no: String,
    pub name: String,
    pub destination: Option<Destination>,
    pub receiving_org: String,
    pub receiving_officer: String,
    pub out_dir: String,
    /// 0 destination, 1 organisation, 2 officer, 3 directory.
    pub field: usize,
    /// A destination key was pressed since the cursor came to the destination: further typing
    /// there is refused, never taken as another destination ("HMP Leeds" is not h, p, s).
    pub picked: bool,
    pub step: Step,
    /// One sentence: why the last attempt failed.
    pub error: Option<String>,
}

/// The number of fields on the details step.
pub const FIELDS: usize = 4;

/// Where bundles go unless the person types another directory.
pub fn default_dir(app: &App) -> PathBuf {
    directories::ProjectDirs::from("", "", "sonar")
        .map(|d| d.data_dir().join("handovers"))
        .unwrap_or_else(|| {
            app.config
                .db_path
                .parent()
                .map(|p| p.join("handovers"))
                .unwrap_or_else(|| PathBuf::from("handovers"))
        })
}

/// Whether `role` may hand a person over (the custody sergeant's decision).
pub fn may_export(role: Role) -> bool {
    crate::domain::authority::permits(role, crate::domain::authority::Duty::HandOver)
}

/// The keymap context while the overlay is open.
pub fn context(app: &App) -> Option<Context> {
    app.handover.as_ref().map(|h| match h.step {
        Step::Details => Context::Form,
        Step::Review(_) | Step::Confirm(_) | Step::Done(_) => Context::Dialog,
    })
}

use super::sentence;

fn open(app: &mut App) {
    let Screen::Record(r) = &app.screen else {
        return;
    };
    let Some(role) = app.identity().map(|i| i.role) else {
        return;
    };
    if !may_export(role) {
        app.set_error("Only a custody sergeant can hand a person over.");
        return;
    }
    let entry = &r.view.entry;
    let state = HandoverState {
        custody_no: entry.custody_no.clone(),
        name: format!("{} {}", entry.forenames, entry.surname),
        destination: None,
        receiving_org: String::new(),
        receiving_officer: String::new(),
        out_dir: default_dir(app).display().to_string(),
        field: 0,
        picked: false,
        step: Step::Details,
        error: None,
    };
    app.message = None;
    app.handover = Some(state);
}

/// Reads the record as the export will and builds the (unsigned) bundle to show what leaves.
fn review(app: &mut App, h: &HandoverState, destination: Destination) -> Result<Review, String> {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return Err("You are not logged in.".into());
    };
    let identity = store.identity().clone();
    let draft = store
        .handover_draft(&h.custody_no, now)
        .map_err(|e| sentence(e.to_string()))?;
    let input = HandoverInput {
        suite_name: &draft.suite_name,
        record: &draft.record,
        destination,
        receiving_org: h.receiving_org.trim(),
        receiving_officer: h.receiving_officer.trim(),
        author_name: &identity.display_name,
        author_username: &identity.username,
        now,
        bundle_seed: [0u8; 16],
    };
    let bundle = build::build(&input);
    let sections = bundle["entry"][0]["resource"]["section"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| SectionLine {
                    title: s["title"].as_str().unwrap_or_default().to_string(),
                    entries: s["entry"].as_array().map_or(0, Vec::len),
                    empty_reason: s
                        .pointer("/emptyReason/coding/0/display")
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    let flags = draft
        .record
        .flags
        .iter()
        .map(|f| format!("{} ({})", f.code, f.severity))
        .collect();
    let medications = draft
        .record
        .medications
        .iter()
        .map(|m| (format!("{} {}", m.name, m.dose), m.time_critical.is_some()))
        .collect();
    let record = &draft.record;
    let leaving = crate::handover::leaving(record, destination);
    Ok(Review {
        sections,
        flags,
        medications,
        cautions: transfer::cautions(&leaving, now),
        prra_missing: (!record.prra.is_complete())
            .then(|| sentence(crate::domain::prra::not_complete(&h.custody_no))),
    })
}

fn run_export(
    app: &mut App,
    h: &HandoverState,
    destination: Destination,
) -> Result<Outcome, String> {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return Err("You are not logged in.".into());
    };
    let dir = PathBuf::from(h.out_dir.trim());
    let handover = Handover {
        custody_no: &h.custody_no,
        destination,
        receiving_org: &h.receiving_org,
        receiving_officer: &h.receiving_officer,
    };
    let written = export::export(store, &handover, &dir, now).map_err(|e| {
        let text = match e {
            export::ExportError::Write { path, source } => {
                format!(
                    "nothing was handed over: cannot write {} ({source})",
                    path.display()
                )
            }
            export::ExportError::Bundle(HandoverError::BadKey(why)) => {
                format!("nothing was handed over: the signing key is not usable ({why})")
            }
            other => format!("nothing was handed over: {other}"),
        };
        sentence(text)
    })?;
    Ok(Outcome {
        bundle_path: written.bundle_path,
        escort_path: written.escort_path,
        release_path: written.release_path,
        sha256: written.prepared.sha256,
        kid: written.prepared.draft.kid,
    })
}

/// Performs `action` if the overlay is open or it opens it; true when it was handled.
pub fn perform(app: &mut App, action: Action) -> bool {
    let Some(mut h) = app.handover.take() else {
        if action == Action::ExportHandover && matches!(app.screen, Screen::Record(_)) {
            open(app);
            return true;
        }
        return false;
    };
    app.message = None;
    let step = std::mem::replace(&mut h.step, Step::Details);
    match step {
        Step::Details => {
            h.step = Step::Details;
            match action {
                Action::Back => return true,
                Action::NextField | Action::MoveDown => {
                    h.field = (h.field + 1) % FIELDS;
                    h.picked = false;
                }
                Action::PrevField | Action::MoveUp => {
                    h.field = (h.field + FIELDS - 1) % FIELDS;
                    h.picked = false;
                }
                Action::DeleteBack if h.field == 0 => {
                    h.destination = None;
                    h.picked = false;
                }
                Action::DeleteBack => {
                    if let Some(t) = text_field(&mut h) {
                        t.pop();
                    }
                }
                Action::ClearField => {
                    if let Some(t) = text_field(&mut h) {
                        t.clear();
                    }
                }
                Action::Submit | Action::Confirm => {
                    let Some(destination) = h.destination else {
                        h.error = Some(
                            "Choose where the person goes: c court, p prison, h hospital, s another suite, r release."
                                .into(),
                        );
                        h.field = 0;
                        app.handover = Some(h);
                        return true;
                    };
                    if h.out_dir.trim().is_empty() {
                        h.error = Some("Give a directory to write the handover to.".into());
                        h.field = 3;
                        app.handover = Some(h);
                        return true;
                    }
                    match review(app, &h, destination) {
                        Ok(r) => {
                            h.error = None;
                            h.step = Step::Review(Box::new(r));
                        }
                        Err(e) => h.error = Some(e),
                    }
                }
                _ => {}
            }
        }
        Step::Review(r) => match action {
            Action::Back => h.step = Step::Details,
            Action::Submit | Action::Confirm if r.prra_missing.is_some() => {
                app.set_error(r.prra_missing.clone().unwrap_or_default());
                h.step = Step::Review(r);
            }
            Action::Submit | Action::Confirm => h.step = Step::Confirm(r),
            _ => h.step = Step::Review(r),
        },
        Step::Confirm(r) => match action {
            Action::Back => h.step = Step::Review(r),
            Action::Submit | Action::Confirm => {
                let Some(destination) = h.destination else {
                    h.step = Step::Details;
                    app.handover = Some(h);
                    return true;
                };
                match run_export(app, &h, destination) {
                    Ok(outcome) => {
                        h.error = None;
                        h.step = Step::Done(Box::new(outcome));
                    }
                    Err(e) => {
                        h.error = Some(e);
                        h.step = Step::Details;
                    }
                }
            }
            _ => h.step = Step::Confirm(r),
        },
        Step::Done(outcome) => match action {
            Action::Back | Action::Submit | Action::Confirm => {
                let name = h.name.clone();
                let board = match std::mem::replace(
                    &mut app.screen,
                    Screen::Login(super::LoginState::default()),
                ) {
                    Screen::Record(r) => r.board,
                    _ => super::board::BoardState::default(),
                };
                app.screen = open_board_from(app, board);
                app.set_info(format!(
                    "{name} was handed over; the custody record is closed and read-only."
                ));
                return true;
            }
            _ => h.step = Step::Done(outcome),
        },
    }
    app.handover = Some(h);
    true
}

/// Rebuilds the review on screen from the record as it is now (after the PRRA closes).
pub fn refresh_review(app: &mut App) {
    let Some(mut h) = app.handover.take() else {
        return;
    };
    if let (Step::Review(_), Some(destination)) = (&h.step, h.destination) {
        match review(app, &h, destination) {
            Ok(r) => h.step = Step::Review(Box::new(r)),
            Err(e) => {
                h.error = Some(e);
                h.step = Step::Details;
            }
        }
    }
    app.handover = Some(h);
}

fn text_field(h: &mut HandoverState) -> Option<&mut String> {
    match h.field {
        1 => Some(&mut h.receiving_org),
        2 => Some(&mut h.receiving_officer),
        3 => Some(&mut h.out_dir),
        _ => None,
    }
}

/// Typed text: a destination key on the first field, otherwise the field being typed in.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(h) = app.handover.as_mut() else {
        return false;
    };
    // On the review, P (typed: the dialog types plain keys) opens the PRRA the review is
    // waiting for; the review is rebuilt when it closes (`prra::closed`).
    if let Step::Review(r) = &h.step {
        let open_prra = r.prra_missing.is_some() && c.eq_ignore_ascii_case(&'p');
        if open_prra {
            super::prra::open(app);
        }
        return true;
    }
    if h.step != Step::Details {
        return true;
    }
    if h.field == 0 {
        let chosen = match c.to_ascii_lowercase() {
            'c' => Some(Destination::Court),
            'p' => Some(Destination::Prison),
            'h' => Some(Destination::Hospital),
            's' => Some(Destination::Suite),
            'r' => Some(Destination::Release),
            _ => None,
        };
        match chosen {
            // One key picks; typing on after it is refused, never read as another pick.
            _ if h.picked => {
                let now = h.destination.map_or("chosen", |d| d.label());
                h.error = Some(format!(
                    "Where to is {now}: tab moves to the receiving organisation; backspace clears it to choose again."
                ));
            }
            Some(d) => {
                h.destination = Some(d);
                h.picked = true;
                h.error = None;
            }
            None => {
                h.error = Some(
                    "Choose where to with its key: c court, p prison, h hospital, s another suite, r release."
                        .into(),
                );
            }
        }
        return true;
    }
    if let Some(t) = text_field(h)
        && t.chars().count() < 300
    {
        t.push(c);
    }
    true
}
