//! The shift handover screen over the board: what happened since the last handover was taken
//! (`domain::shift`, read through the audited `Store::since_last_handover` when it opens), to
//! scroll through, and the incoming custody sergeant's "I have taken the handover", asked to
//! confirm and kept by `Store::acknowledge_handover`.

use super::{Action, App, Screen};
use crate::domain::observation::to_london;
use crate::domain::shift::{Section, SinceLast};
use crate::domain::text::wrap_words;
use crate::keymap::Context;

/// Everything this module keeps in the App.
#[derive(Debug, Default)]
pub struct ShiftState {
    /// The screen, while it is open.
    pub open: Option<ShiftScreen>,
}

/// The open screen.
#[derive(Debug, Clone)]
pub struct ShiftScreen {
    /// The sheet as read when the screen opened: taking the handover takes this sheet.
    pub sheet: Option<SinceLast>,
    /// One sentence: why it could not be read.
    pub error: Option<String>,
    /// The first line shown.
    pub scroll: usize,
    /// "I have taken the handover" asked; enter confirms, esc does not.
    pub confirming: bool,
}

/// How a line of the screen is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The period the sheet covers.
    Period,
    Heading,
    Item,
    /// Still needs someone now (`!!`).
    Urgent,
    /// A section with nothing in it.
    Nothing,
}

/// The sheet as the screen shows it, wrapped to `width` columns: the period, then each
/// section's heading and items (what still needs someone first), as the printed sheet has them.
pub fn lines(sheet: &SinceLast, width: usize) -> Vec<(LineKind, String)> {
    let width = width.max(20);
    let mut out = Vec::new();
    for line in wrap_words(&sheet.period.describe(), width, "", "  ") {
        out.push((LineKind::Period, line));
    }
    for section in Section::ALL {
        out.push((LineKind::Heading, String::new()));
        let items = sheet.items(section);
        out.push((
            LineKind::Heading,
            format!("{} ({})", section.title(), items.len()),
        ));
        if items.is_empty() {
            out.push((LineKind::Nothing, format!("  {}", section.none())));
        }
        for item in items {
            let (kind, mark) = if item.urgent {
                (LineKind::Urgent, "!! ")
            } else {
                (LineKind::Item, "")
            };
            for line in wrap_words(&format!("{mark}{}", item.text), width, "  ", "    ") {
                out.push((kind, line));
            }
        }
    }
    out
}

/// The rows and columns inside the screen's border, from the terminal's size: the body the
/// header (with its direction strip) and the footer leave, less the border.
pub fn inner_size(app: &App) -> (usize, usize) {
    let (columns, rows) = app.body_size();
    (
        usize::from(columns.saturating_sub(2)),
        usize::from(rows.saturating_sub(1 + 2 + 2)),
    )
}

pub fn context(app: &App) -> Option<Context> {
    app.shift.open.as_ref().map(|s| {
        if s.confirming {
            Context::Dialog
        } else {
            Context::Shift
        }
    })
}

fn open(app: &mut App) {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    let (sheet, error) = match store.since_last_handover(now) {
        Ok(sheet) => (Some(sheet), None),
        Err(e) => (None, Some(super::sentence(e.to_string()))),
    };
    app.shift.open = Some(ShiftScreen {
        sheet,
        error,
        scroll: 0,
        confirming: false,
    });
}

/// Opens the screen (from the board), or handles a key while it is open. Returns whether the
/// action was handled here.
pub fn perform(app: &mut App, action: Action) -> bool {
    let Some(screen) = app.shift.open.as_ref() else {
        if action == Action::ShowShiftHandover && matches!(app.screen, Screen::Board(_)) {
            open(app);
            return true;
        }
        return false;
    };
    if screen.confirming {
        match action {
            Action::Submit | Action::Confirm => take(app),
            Action::Back => {
                if let Some(s) = app.shift.open.as_mut() {
                    s.confirming = false;
                }
            }
            _ => {}
        }
        return true;
    }
    let (width, height) = inner_size(app);
    let total = screen.sheet.as_ref().map_or(0, |s| lines(s, width).len());
    let last = total.saturating_sub(height.max(1));
    let scroll = screen.scroll;
    let to = |n: usize| n.min(last);
    match action {
        Action::Back | Action::ShowShiftHandover => app.shift.open = None,
        Action::MoveDown => set_scroll(app, to(scroll + 1)),
        Action::MoveUp => set_scroll(app, scroll.saturating_sub(1)),
        Action::PageDown => set_scroll(app, to(scroll + height.max(1))),
        Action::PageUp => set_scroll(app, scroll.saturating_sub(height.max(1))),
        Action::First => set_scroll(app, 0),
        Action::Last => set_scroll(app, last),
        Action::AcknowledgeHandover => ask(app),
        _ => {}
    }
    true
}

fn set_scroll(app: &mut App, scroll: usize) {
    if let Some(s) = app.shift.open.as_mut() {
        s.scroll = scroll;
    }
}

/// Asks to confirm, unless this person may not take it (said at once, in the store's words)
/// or there is no sheet to take.
fn ask(app: &mut App) {
    let allowed = app.session.as_ref().map(|s| s.may_acknowledge_handover());
    match allowed {
        Some(Err(e)) => app.set_error(super::sentence(e.to_string())),
        None => {}
        Some(Ok(())) => {
            if let Some(s) = app.shift.open.as_mut() {
                if s.sheet.is_some() {
                    s.confirming = true;
                } else {
                    app.set_error("There is no sheet to take: close it and open it again.");
                }
            }
        }
    }
}

fn take(app: &mut App) {
    let now = app.now;
    let sheet = app.shift.open.as_ref().and_then(|s| s.sheet.clone());
    let (Some(store), Some(sheet)) = (app.session.as_mut(), sheet) else {
        return;
    };
    match store.acknowledge_handover(&sheet, now) {
        Ok(ack) => {
            app.shift.open = None;
            app.set_info(format!(
                "Handover taken at {}: the next sheet starts from {}.",
                to_london(ack.acknowledged_at),
                to_london(ack.covered_to)
            ));
        }
        Err(e) => {
            if let Some(s) = app.shift.open.as_mut() {
                s.confirming = false;
            }
            app.set_error(super::sentence(e.to_string()));
        }
    }
}

pub fn on_lock(app: &mut App) {
    app.shift = ShiftState::default();
}
