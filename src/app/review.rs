//! On the record: reviewing what is known from before (an earlier detention here, another
//! suite's handover), and opening an earlier detention read-only from the History tab.
//!
//! The review lists `record.known` (allergies and time-critical medicines first, as the
//! store sorts them), numbered; the selected item is reconfirmed with one key or set aside
//! with a typed reason. Only an HCP or a custody sergeant may (the store refuses anyone
//! else and audits every review); the item then leaves the known list, and its board marker
//! goes with it.

use crate::domain::record::KnownItem;
use crate::domain::role::Role;

use super::{Action, App, RecordState, RecordTab, Screen};

/// The review of known items, over the record.
#[derive(Debug, Clone)]
pub struct ReviewState {
    /// The items awaiting review, in the record's order.
    pub items: Vec<KnownItem>,
    pub selected: usize,
    /// `Some` while typing the reason for setting the selected item aside.
    pub reason: Option<String>,
    pub error: Option<String>,
}

impl ReviewState {
    pub fn new(items: Vec<KnownItem>) -> ReviewState {
        ReviewState {
            items,
            selected: 0,
            reason: None,
            error: None,
        }
    }

    pub fn selected_item(&self) -> Option<&KnownItem> {
        self.items.get(self.selected)
    }
}

/// The one sentence for a role that may not review.
pub const NOT_PERMITTED: &str =
    "Only an HCP or a custody sergeant can reconfirm or set aside what is known from before.";

/// Actions that write: none of them works on an earlier detention opened read-only.
pub fn is_write(action: Action) -> bool {
    matches!(
        action,
        Action::RecordCheck
            | Action::RecordPace
            | Action::SetCarePlan
            | Action::ExportHandover
            | Action::OpenPrra
            | Action::AddClinical
            | Action::ReviewKnown
            | Action::ReconfirmKnown
            | Action::SetAsideKnown
            | Action::AddFlag
            | Action::FlagInError
            | Action::RaiseEmergency
            | Action::AppropriateAdult
            | Action::Interpreter
    )
}

/// Whether the open record is an earlier detention shown read-only.
pub fn read_only(app: &App) -> bool {
    matches!(&app.screen, Screen::Record(r) if r.read_only)
}

/// Opens the review (an HCP or sergeant, and only when something is waiting).
pub fn open(app: &mut App, r: &mut RecordState) {
    let permitted = app
        .identity()
        .is_some_and(|i| matches!(i.role, Role::Hcp | Role::Sergeant));
    if !permitted {
        app.set_error(NOT_PERMITTED);
        return;
    }
    if r.view.record.known.is_empty() {
        app.set_info("Nothing known from before is waiting to be reviewed.");
        return;
    }
    r.review = Some(ReviewState::new(r.view.record.known.clone()));
}

/// An action while the review is open.
pub fn action(app: &mut App, r: &mut RecordState, action: Action) {
    let Some(mut review) = r.review.take() else {
        return;
    };
    if let Some(mut reason) = review.reason.take() {
        match action {
            Action::Back => review.error = None,
            Action::DeleteBack => {
                reason.pop();
                review.reason = Some(reason);
            }
            Action::ClearField => review.reason = Some(String::new()),
            Action::Submit | Action::Confirm => {
                if reason.trim().is_empty() {
                    review.error = Some(
                        "Say why it is set aside: a reason is needed, and it is audited.".into(),
                    );
                    review.reason = Some(reason);
                } else {
                    let reason = reason.trim().to_string();
                    review.error = None;
                    decide(app, r, review, false, &reason);
                    return;
                }
            }
            _ => review.reason = Some(reason),
        }
        r.review = Some(review);
        return;
    }
    match action {
        Action::Back | Action::ReviewKnown => {
            r.review = None;
            return;
        }
        Action::MoveUp => review.selected = review.selected.saturating_sub(1),
        Action::MoveDown => {
            review.selected = (review.selected + 1).min(review.items.len().saturating_sub(1))
        }
        Action::First => review.selected = 0,
        Action::Last => review.selected = review.items.len().saturating_sub(1),
        Action::ReconfirmKnown => {
            review.error = None;
            decide(app, r, review, true, "");
            return;
        }
        Action::SetAsideKnown => {
            review.error = None;
            review.reason = Some(String::new());
        }
        _ => {}
    }
    r.review = Some(review);
}

/// A typed character while the set-aside reason is being typed.
pub fn type_char(r: &mut RecordState, c: char) -> bool {
    match r.review.as_mut().and_then(|v| v.reason.as_mut()) {
        Some(reason) => {
            if reason.chars().count() < 200 {
                reason.push(c);
            }
            true
        }
        None => false,
    }
}

/// Reconfirms or sets aside the selected item through the store, then re-reads the record
/// so the item leaves the list (and its marker the record's markers).
fn decide(
    app: &mut App,
    r: &mut RecordState,
    mut review: ReviewState,
    reconfirm: bool,
    reason: &str,
) {
    let Some(item) = review.selected_item().cloned() else {
        r.review = None;
        return;
    };
    let now = app.now;
    let detention_id = r.view.entry.detention_id;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    if let Err(e) = store.review_known(detention_id, item.subject, reconfirm, reason, now) {
        review.error = Some(super::sentence(e.to_string()));
        if !reconfirm {
            review.reason = Some(reason.to_string());
        }
        r.review = Some(review);
        return;
    }
    match store.clinical_record(detention_id) {
        Ok(fresh) => {
            if fresh.clinical_visible == r.view.record.clinical_visible {
                r.view.record = fresh;
            } else {
                // Clinical detail shown after breaking glass stays on screen; the review's
                // effect (standings and what is still known) comes from the fresh read.
                for e in &mut r.view.record.entries {
                    if let Some(f) = fresh.entries.iter().find(|f| f.id == e.id) {
                        e.standing = f.standing.clone();
                    }
                }
                r.view.record.known = fresh.known;
            }
            r.view.entry.markers = r.view.record.board_markers();
        }
        Err(e) => app.set_error(format!("Could not re-read the record: {e}")),
    }
    let what = if reconfirm {
        "Reconfirmed"
    } else {
        "Set aside"
    };
    app.set_info(format!("{what}: {} (audited).", item.summary));
    review.items = r.view.record.known.clone();
    if review.items.is_empty() {
        r.review = None;
        app.set_info(format!(
            "{what}: {}. Everything known from before has now been reviewed.",
            item.summary
        ));
        return;
    }
    review.selected = review.selected.min(review.items.len() - 1);
    r.review = Some(review);
}

/// Opens the earlier detention selected on the History tab, read-only, over this record
/// (Back returns here). The read is audited by the store like any record.
pub fn open_earlier(app: &mut App, r: RecordState) -> Screen {
    let Some(earlier) = r.earlier().get(r.history_selected).cloned() else {
        return Screen::Record(Box::new(r));
    };
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return Screen::Record(Box::new(r));
    };
    let clinical = store.identity().role.sees_clinical_detail();
    match store.open_record(earlier.detention_id, None, now) {
        Ok(Some(view)) => {
            app.set_info(format!(
                "Earlier detention {} opened read-only: nothing can be recorded on it.",
                earlier.custody_no
            ));
            Screen::Record(Box::new(RecordState {
                view,
                tab: RecordTab::Summary,
                scroll: 0,
                clinical_visible: clinical,
                dialog: None,
                board: Default::default(),
                review: None,
                read_only: true,
                history_selected: 0,
                parent: Some(Box::new(r)),
            }))
        }
        Ok(None) => {
            app.set_error("That detention is no longer in the database.");
            Screen::Record(Box::new(r))
        }
        Err(e) => {
            app.set_error(format!("Could not open the earlier detention: {e}"));
            Screen::Record(Box::new(r))
        }
    }
}
