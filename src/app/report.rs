//! The report screen over the board: the suite's figures for a period (the last 28 days to
//! start with), moved a week at a time. What it shows is `domain::report`, read through the
//! audited `Store::report`; a sergeant, an HCP or the administrator may open it.

use chrono::{Duration, NaiveDate};

use super::{Action, App, Screen};
use crate::domain::observation::london_date;
use crate::domain::report::Report;
use crate::keymap::Context;

/// How long the screen's period is, and how far one key moves it.
pub const PERIOD_DAYS: i64 = 28;
pub const STEP_DAYS: i64 = 7;

/// The report overlay.
#[derive(Debug, Clone)]
pub struct ReportState {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub report: Option<Report>,
    /// One sentence: why the figures could not be read.
    pub error: Option<String>,
}

pub fn context(app: &App) -> Option<Context> {
    app.report.as_ref().map(|_| Context::Report)
}

fn load(app: &mut App, from: NaiveDate, to: NaiveDate) {
    let now = app.now;
    let result = match app.session.as_mut() {
        Some(store) => store.report(from, to, now),
        None => return,
    };
    app.report = Some(match result {
        Ok(report) => ReportState {
            from,
            to,
            report: Some(report),
            error: None,
        },
        Err(e) => ReportState {
            from,
            to,
            report: None,
            error: Some(super::sentence(e.to_string())),
        },
    });
}

/// Opens the report (from the board), or handles a key while it is open. Returns whether the
/// action was handled here.
pub fn perform(app: &mut App, action: Action) -> bool {
    let Some(state) = app.report.as_ref() else {
        if action == Action::ShowReport && matches!(app.screen, Screen::Board(_)) {
            let role = app.identity().map(|i| i.role);
            if !role.is_some_and(|r| {
                use crate::domain::role::Role;
                matches!(r, Role::Sergeant | Role::Hcp | Role::Admin)
            }) {
                app.set_error(
                    "The report is for the custody sergeant, the HCP and the administrator.",
                );
                return true;
            }
            let to = london_date(app.now);
            load(app, to - Duration::days(PERIOD_DAYS - 1), to);
            return true;
        }
        return false;
    };
    let (from, to) = (state.from, state.to);
    match action {
        Action::Back | Action::ShowReport => app.report = None,
        Action::PreviousPeriod => load(
            app,
            from - Duration::days(STEP_DAYS),
            to - Duration::days(STEP_DAYS),
        ),
        Action::NextPeriod => {
            let today = london_date(app.now);
            let shift = Duration::days(STEP_DAYS).min(today - to);
            if shift > Duration::zero() {
                load(app, from + shift, to + shift);
            } else {
                app.set_info("The period already ends today.");
            }
        }
        _ => {}
    }
    true
}
