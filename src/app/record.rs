//! One person's record: its tabs, the break-glass prompt, and the keys that move through it.

use super::board::BoardState;
use super::{Action, App, Screen, review};
use crate::store::custody::RecordView;

/// The tabs of a person's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTab {
    Summary,
    Risk,
    CarePlan,
    Health,
    History,
}

impl RecordTab {
    pub const ALL: [RecordTab; 5] = [
        RecordTab::Summary,
        RecordTab::Risk,
        RecordTab::CarePlan,
        RecordTab::Health,
        RecordTab::History,
    ];

    pub fn title(self) -> &'static str {
        match self {
            RecordTab::Summary => "Summary",
            RecordTab::Risk => "Risk flags",
            RecordTab::CarePlan => "Care plan & checks",
            RecordTab::Health => "Health",
            RecordTab::History => "History",
        }
    }

    fn index(self) -> usize {
        RecordTab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn step(self, forward: bool) -> RecordTab {
        let n = RecordTab::ALL.len();
        let i = self.index();
        RecordTab::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// The break-glass prompt: a reason is required before clinical detail is shown.
#[derive(Debug, Default)]
pub struct BreakGlassDialog {
    pub reason: String,
    pub error: Option<String>,
}

/// One person's record.
#[derive(Debug)]
pub struct RecordState {
    pub view: RecordView,
    pub tab: RecordTab,
    pub scroll: u16,
    /// Clinical detail is visible (an HCP, or after an audited break-glass).
    pub clinical_visible: bool,
    pub dialog: Option<BreakGlassDialog>,
    /// The board to return to, as it was.
    pub board: BoardState,
    /// Reviewing what is known from before (`review.rs`).
    pub review: Option<review::ReviewState>,
    /// An earlier detention opened from the History tab: nothing can be written on it.
    pub read_only: bool,
    /// The record to return to from a read-only earlier detention.
    pub parent: Option<Box<RecordState>>,
    /// The History tab's selected earlier detention.
    pub history_selected: usize,
}

impl RecordState {
    /// The person's other detentions the History tab lists and opens: none from a record
    /// that is itself an earlier detention, open read-only.
    pub fn earlier(&self) -> &[crate::domain::record::view::EarlierDetention] {
        if self.read_only {
            &[]
        } else {
            &self.view.previous_detentions
        }
    }
}

pub(super) fn open_record(
    app: &mut App,
    board: BoardState,
    detention_id: i64,
    reason: Option<&str>,
) -> Screen {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return Screen::Board(board);
    };
    let clinical = store.identity().role.sees_clinical_detail() || reason.is_some();
    match store.open_record(detention_id, reason, now) {
        Ok(Some(view)) => Screen::Record(Box::new(RecordState {
            view,
            tab: RecordTab::Summary,
            scroll: 0,
            clinical_visible: clinical,
            dialog: None,
            board,
            review: None,
            read_only: false,
            parent: None,
            history_selected: 0,
        })),
        Ok(None) => {
            app.set_error("That person is no longer in the database.");
            Screen::Board(board)
        }
        Err(e) => {
            app.set_error(format!("Could not open the record: {e}"));
            Screen::Board(board)
        }
    }
}

pub(super) fn record_action(app: &mut App, mut r: RecordState, action: Action) -> Screen {
    if let Some(mut dialog) = r.dialog.take() {
        match action {
            Action::Back => {}
            Action::DeleteBack => {
                dialog.reason.pop();
                r.dialog = Some(dialog);
            }
            Action::ClearField => {
                dialog.reason.clear();
                r.dialog = Some(dialog);
            }
            Action::Submit | Action::Confirm => {
                if dialog.reason.trim().len() < 5 {
                    dialog.error = Some("Give a reason of at least a few words.".into());
                    r.dialog = Some(dialog);
                } else {
                    let id = r.view.entry.detention_id;
                    let tab = r.tab;
                    let reason = dialog.reason.clone();
                    let (read_only, parent) = (r.read_only, r.parent.take());
                    let screen = open_record(app, r.board, id, Some(&reason));
                    if let Screen::Record(mut opened) = screen {
                        opened.tab = tab;
                        opened.read_only = read_only;
                        opened.parent = parent;
                        app.set_info("Break-glass access recorded in the audit log.");
                        return Screen::Record(opened);
                    }
                    return screen;
                }
            }
            _ => r.dialog = Some(dialog),
        }
        return Screen::Record(Box::new(r));
    }
    if r.review.is_some() {
        review::action(app, &mut r, action);
        return Screen::Record(Box::new(r));
    }
    let on_history = r.tab == RecordTab::History && !r.earlier().is_empty();
    match action {
        Action::Back if r.parent.is_some() => {
            if let Some(parent) = r.parent.take() {
                return Screen::Record(parent);
            }
        }
        Action::ReviewKnown => review::open(app, &mut r),
        Action::MoveDown if on_history => {
            r.history_selected = (r.history_selected + 1).min(r.earlier().len() - 1);
        }
        Action::MoveUp if on_history => {
            r.history_selected = r.history_selected.saturating_sub(1);
        }
        Action::Confirm | Action::Submit if on_history => {
            return review::open_earlier(app, r);
        }
        Action::Back => {
            let mut board = r.board;
            if let Some(store) = app.session.as_ref()
                && let Ok(entries) = store.in_custody()
            {
                board.replace_entries(entries, app.now);
            }
            return Screen::Board(board);
        }
        Action::NextTab => {
            r.tab = r.tab.step(true);
            r.scroll = 0;
        }
        Action::PrevTab => {
            r.tab = r.tab.step(false);
            r.scroll = 0;
        }
        Action::MoveDown => r.scroll = r.scroll.saturating_add(1),
        Action::MoveUp => r.scroll = r.scroll.saturating_sub(1),
        Action::PageDown => r.scroll = r.scroll.saturating_add(10),
        Action::PageUp => r.scroll = r.scroll.saturating_sub(10),
        Action::First => r.scroll = 0,
        Action::BreakGlass => {
            if r.clinical_visible {
                app.set_info("You can already see the clinical detail.");
            } else {
                r.dialog = Some(BreakGlassDialog::default());
            }
        }
        _ => {}
    }
    Screen::Record(Box::new(r))
}
