//! Appointments booked for after release (community drug and alcohol service, Liaison and
//! Diversion follow-up, GP). Contact before release makes engagement with community treatment
//! far more likely (`reference/custody-practice.md`, continuity of care), so an appointment
//! must be one the person can actually attend: a named service, a place, a time after now.
//! Pure: the entry screen and the store both call [`validate_appointment`].

use chrono::{DateTime, TimeDelta, Utc};

use chrono_tz::Europe::London;

/// Longest service name kept: enough for "Newcastle community drug and alcohol service
/// (Plummer Court)", short enough for a line of the escort summary.
pub const MAX_SERVICE_CHARS: usize = 120;
/// Longest place kept: a full postal address with building and floor.
pub const MAX_PLACE_CHARS: usize = 200;
/// How far ahead an appointment may be: community services book within weeks, so a date
/// more than a year away is almost certainly a typing slip (e.g. the wrong year).
pub const MAX_DAYS_AHEAD: i64 = 365;

/// One problem with an appointment, said as one sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppointmentError {
    #[error("say which service the appointment is with (e.g. community drug and alcohol service)")]
    NoService,
    #[error(
        "the service name is {0} characters long; keep it to {MAX_SERVICE_CHARS} (put details in the care plan)"
    )]
    ServiceTooLong(usize),
    #[error("say where the appointment is (the building or address the person must go to)")]
    NoPlace,
    #[error("the place is {0} characters long; keep it to {MAX_PLACE_CHARS}")]
    PlaceTooLong(usize),
    #[error("the {0} has a control character in it: use plain text on one line")]
    ControlCharacter(&'static str),
    #[error("the appointment time {0} is not after now: book one for after release")]
    NotInFuture(String),
    #[error(
        "the appointment time {0} is more than a year ahead: check the date (is the year right?)"
    )]
    TooFarAhead(String),
}

/// An appointment's time as the person needs it: weekday, date with year, London time, e.g.
/// `Mon 30 Nov 2026 10:00`. The year is shown because appointments can be months ahead.
pub fn appointment_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&London)
        .format("%a %-d %b %Y %H:%M")
        .to_string()
}

fn check_text(
    text: &str,
    what: &'static str,
    max: usize,
    empty: AppointmentError,
    too_long: fn(usize) -> AppointmentError,
    problems: &mut Vec<AppointmentError>,
) {
    let trimmed = text.trim();
    let len = trimmed.chars().count();
    if trimmed.is_empty() {
        problems.push(empty);
    } else if len > max {
        problems.push(too_long(len));
    }
    // One line each: the escort summary and the handover sheet print them as they are.
    if trimmed.chars().any(char::is_control) {
        problems.push(AppointmentError::ControlCharacter(what));
    }
}

/// Every problem with an appointment for `service` at `place` at `at`, booked at `now`, in
/// the order of the fields (service, place, time). Empty when it can be booked.
pub fn validate_appointment(
    service: &str,
    place: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<AppointmentError> {
    let mut problems = Vec::new();
    check_text(
        service,
        "service",
        MAX_SERVICE_CHARS,
        AppointmentError::NoService,
        AppointmentError::ServiceTooLong,
        &mut problems,
    );
    check_text(
        place,
        "place",
        MAX_PLACE_CHARS,
        AppointmentError::NoPlace,
        AppointmentError::PlaceTooLong,
        &mut problems,
    );
    if at <= now {
        problems.push(AppointmentError::NotInFuture(appointment_time(at)));
    } else if at - now > TimeDelta::days(MAX_DAYS_AHEAD) {
        problems.push(AppointmentError::TooFarAhead(appointment_time(at)));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
    }

    #[test]
    fn a_good_appointment_has_no_problems() {
        let at = now() + TimeDelta::days(7);
        assert!(
            validate_appointment("CGL Newcastle", "Plummer Court, NE1 6AA", at, now()).is_empty()
        );
        // A year to the day is still accepted; a minute later is not.
        let edge = now() + TimeDelta::days(MAX_DAYS_AHEAD);
        assert!(validate_appointment("s", "p", edge, now()).is_empty());
        assert_eq!(
            validate_appointment("s", "p", edge + TimeDelta::minutes(1), now()).len(),
            1
        );
    }

    #[test]
    fn each_problem_is_one_sentence_in_field_order() {
        let problems = validate_appointment("  ", "", now(), now());
        let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "say which service the appointment is with (e.g. community drug and alcohol service)",
                "say where the appointment is (the building or address the person must go to)",
                "the appointment time Mon 23 Nov 2026 14:00 is not after now: book one for after release",
            ]
        );
    }

    #[test]
    fn long_text_control_characters_and_far_dates_are_refused() {
        let long = "x".repeat(MAX_SERVICE_CHARS + 1);
        let at = now() + TimeDelta::days(400);
        let problems = validate_appointment(&long, "Ward 3\nRVI", at, now());
        assert_eq!(
            problems,
            [
                AppointmentError::ServiceTooLong(121),
                AppointmentError::ControlCharacter("place"),
                AppointmentError::TooFarAhead("Tue 28 Dec 2027 14:00".into()),
            ]
        );
        assert_eq!(
            problems[2].to_string(),
            "the appointment time Tue 28 Dec 2027 14:00 is more than a year ahead: check the date (is the year right?)"
        );
        assert_eq!(
            validate_appointment("s", &"p".repeat(201), now() + TimeDelta::hours(1), now()),
            [AppointmentError::PlaceTooLong(201)]
        );
    }
}
