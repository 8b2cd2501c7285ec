//! The signed checkpoint from the terminal's side (`store::checkpoint`): written every few
//! minutes from the tick, and what it found said plainly when someone logs in.

use super::App;

/// Every tick: writes the checkpoint when one is due; while writes are paused (a full disk),
/// tries again now and then and says so when they work again.
pub(crate) fn tick(app: &mut App) {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    if store.writes_paused().is_some() {
        if store.retry_paused_writes(now) {
            app.set_info("Writes work again: the disk has room.");
        }
        return;
    }
    store.checkpoint_if_due(now);
}

/// After a login: the board opens (refusing it at 3 a.m. is itself a hazard), and what the
/// checkpoint found is the status line, with a pointer to `sonar check`.
pub(crate) fn after_login(app: &mut App) {
    let Some(warnings) = app
        .session
        .as_ref()
        .map(|s| s.integrity_warnings().to_vec())
    else {
        return;
    };
    if warnings.is_empty() {
        // The header says writes are paused on every screen; the status line says why.
        if let Some(paused) = app.session.as_ref().and_then(|s| s.writes_paused()) {
            let said = super::sentence(crate::domain::text::printable_line(paused));
            app.set_error(said);
        }
        return;
    }
    let more = match warnings.len() {
        1 => String::new(),
        n => format!(" ({} more problems: run `sonar check`)", n - 1),
    };
    app.set_error(format!(
        "Saved data may be missing: {}{more}. Tell the custody inspector and an administrator; keep working on paper for anything not shown.",
        crate::domain::text::printable_line(&warnings[warnings.len() - 1])
    ));
}
