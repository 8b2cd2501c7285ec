//! The demo's booking duties: most people were risk-assessed by the sergeant and screened by
//! the HCP on arrival; a few show what is still owed, so the board's `NO RA` and `NO HS`
//! and a recorded reason for a screen not yet done can all be seen. And the
//! duties of custody staff that follow from the screen: Kowalski's own inhaler, which the HCP
//! allowed custody staff to supervise, with a dose the detention officer watched her take.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use crate::store::{StoreError, timestamp};

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

fn complete_form(
    tx: &rusqlite::Connection,
    detention_id: i64,
    form_id: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO form_response (detention_id, form_id, started_by, started_at) VALUES (?1, ?2, ?3, ?4)",
        params![detention_id, form_id, by, timestamp(at)],
    )?;
    let response = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO form_completion (response_id, completed_by, completed_at) VALUES (?1, ?2, ?3)",
        params![response, by, timestamp(at + Duration::minutes(8))],
    )?;
    Ok(())
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
        Booking::ScreenDeferred(reason) => {
            tx.execute(
                "INSERT INTO health_screen_deferral (detention_id, reason, deferred_by, deferred_at)
                 VALUES (?1, ?2, 'sergeant', ?3)",
                params![detention_id, reason, timestamp(arrived + Duration::minutes(11))],
            )?;
            Ok(())
        }
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
        tx.execute(
            "INSERT INTO self_administration (medication_id, allowed, decided_by, decided_at)
             VALUES (?1, 1, 'hcp', ?2)",
            params![medication_id, timestamp(recorded)],
        )?;
        tx.execute(
            "INSERT INTO medication_administration (medication_id, at, outcome, reason, by_staff, supervised)
             VALUES (?1, ?2, 'given', '', 'officer', 1)",
            params![medication_id, timestamp(now - Duration::minutes(*minutes_ago))],
        )?;
    }
    Ok(())
}
