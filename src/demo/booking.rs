//! The demo's booking duties: most people were risk-assessed by the sergeant and screened by
//! the HCP on arrival; a few show what is still owed, so the board's `NO RA` and `NO HS`
//! and a recorded reason for a screen not yet done can all be seen. And the
//! duties of custody staff that follow from the screen: Kowalski's own inhaler, which the HCP
//! allowed custody staff to supervise, with a dose the detention officer watched her take.

use chrono::{DateTime, Duration, Utc};

use crate::store::StoreError;
use crate::store::booking_duties::{insert_completed_form, insert_deferral};
use crate::store::clinical::{SupervisedOutcome, insert_allowance, insert_supervised_dose};

/// How far booking got for one person in the demo's cast.
enum Booking {
    /// Booked in by a detention officer minutes ago: no sergeant yet, no HCP yet.
    StartedByOfficer,
    /// The sergeant has assessed them; the HCP has not screened them yet.
    ScreenOwed,
    /// The sergeant recorded why the HCP cannot screen them yet.
    ScreenDeferred(&'static str),
    /// Both done.
    Done,
}

fn booking_of(surname: &str) -> Booking {
    match surname {
        "Hughes" => Booking::StartedByOfficer,
        "Ali" | "Nguyen" => Booking::ScreenOwed,
        "Kowalski" => Booking::ScreenDeferred(
            "Polish speaker: the HCP screens her when the interpreter arrives",
        ),
        "Walker" => {
            Booking::ScreenDeferred("Under 18: the HCP screens him with the appropriate adult")
        }
        "Singh" => {
            Booking::ScreenDeferred("Asleep, intoxicated: the HCP screens him when he wakes")
        }
        "Harris" => Booking::ScreenDeferred(
            "Refused to engage at booking: the HCP tries again at the next review",
        ),
        "Scott" => Booking::ScreenDeferred(
            "Declined to see the HCP at booking: offered again at each review",
        ),
        _ => Booking::Done,
    }
}

/// A form started at `at` and completed eight minutes later.
fn complete_form(
    tx: &rusqlite::Connection,
    detention_id: i64,
    form_id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_completed_form(tx, detention_id, form_id, by, at, at + Duration::minutes(8))
}

/// Writes how far one person's booking got.
pub fn record(
    tx: &rusqlite::Connection,
    surname: &str,
    detention_id: i64,
    arrived: DateTime<Utc>,
) -> Result<(), StoreError> {
    let booking = booking_of(surname);
    if matches!(booking, Booking::StartedByOfficer) {
        return Ok(());
    }
    complete_form(
        tx,
        detention_id,
        crate::domain::form::BOOKING_RISK,
        "sergeant",
        arrived + Duration::minutes(2),
    )?;
    match booking {
        Booking::Done => complete_form(
            tx,
            detention_id,
            crate::domain::form::HEALTH_SCREEN,
            "hcp",
            arrived + Duration::minutes(12),
        ),
        Booking::ScreenDeferred(reason) => insert_deferral(
            tx,
            detention_id,
            reason,
            "sergeant",
            arrived + Duration::minutes(11),
        ),
        Booking::StartedByOfficer | Booking::ScreenOwed => Ok(()),
    }
}

/// Medicines the HCP allowed custody staff to supervise, and the dose one watched, minutes ago.
const SUPERVISED: &[(&str, &str, i64)] = &[("Kowalski", "Salbutamol 100 micrograms inhaler", 50)];

/// Writes the self-administration permission and supervised dose for this medicine, if any.
pub fn supervised(
    tx: &rusqlite::Connection,
    surname: &str,
    medicine: &str,
    medication_id: i64,
    recorded: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (_, _, minutes_ago) in SUPERVISED
        .iter()
        .filter(|(s, m, _)| *s == surname && *m == medicine)
    {
        insert_allowance(tx, medication_id, true, "hcp", recorded)?;
        insert_supervised_dose(
            tx,
            medication_id,
            SupervisedOutcome::Taken,
            "",
            "officer",
            now - Duration::minutes(*minutes_ago),
        )?;
    }
    Ok(())
}
