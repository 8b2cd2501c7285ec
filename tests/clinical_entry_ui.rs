//! The HCP adding to the clinical record through the real keys: the `a` menu, each sheet, the
//! checks as typed, and what the record, the board and other roles then show.

mod support;

use chrono::Duration;
use crossterm::event::{KeyCode, KeyModifiers};
use sonar_custody::app::{App, Event, Screen, update};
use support::*;

/// Opens the top row of the board (O'Brien) as `username`.
fn open_top_record(username: &str) -> (DemoDb, App) {
    let (db, mut app) = logged_in(username);
    key(&mut app, KeyCode::Enter);
    let r = record(&app);
    assert_eq!(r.view.entry.surname, "O'Brien");
    (db, app)
}

fn f8(app: &mut App) {
    key(app, KeyCode::F(8));
}

/// Types a value into the focused field and presses Enter (check and move on).
fn answer(app: &mut App, text: &str) {
    type_text(app, text);
    key(app, KeyCode::Enter);
}

/// Records a NEWS2 on the open record through its sheet: on air, scale 1, alert, systolic 124
/// unless the vitals given say otherwise; Enter on the last field saves.
fn news2_on_air(app: &mut App, resp: &str, spo2: &str, pulse: &str, temp: &str) {
    type_text(app, "an");
    answer(app, resp);
    answer(app, spo2);
    type_text(app, "1a"); // scale 1 and air: a pick moves on by itself
    answer(app, "124");
    answer(app, pulse);
    type_text(app, "a"); // alert
    answer(app, temp);
}

fn record_news2(app: &mut App, pulse: &str, resp: &str) {
    news2_on_air(app, resp, "96", pulse, "37.1");
}

/// Taylor's record, found with the board's filter.
fn open_taylor(app: &mut App) {
    type_text(app, "/Reece");
    key(app, KeyCode::Enter);
    assert_eq!(record(app).view.entry.surname, "Taylor");
}

/// Types `bad` into the focused field, checks the screen names the problem with `sentence`,
/// then clears the field and types `good` (the cursor stays on a refused field).
fn refused_then_corrected(app: &mut App, bad: &str, sentence: &str, good: &str) {
    answer(app, bad);
    let screen = screen_text(app, 120, 40);
    assert!(screen.contains(sentence), "{screen}");
    key_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    answer(app, good);
}

/// The open record.
fn record(app: &App) -> &sonar_custody::app::RecordState {
    match &app.screen {
        Screen::Record(r) => r,
        _ => panic!("not on the record:\n{}", screen_text(app, 120, 40)),
    }
}

fn news2_count(app: &App) -> usize {
    match &app.screen {
        Screen::Record(r) => r.view.news2.len(),
        _ => panic!("not on the record"),
    }
}

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn the_hcp_records_news2_twice_and_sees_the_trend_on_the_health_tab() {
    let (_db, mut app) = open_top_record("hcp");
    let before = news2_count(&app);
    record_news2(&mut app, "88", "18");
    assert!(
        app.entry.is_none(),
        "a saved sheet closes: {}",
        message(&app)
    );
    assert_eq!(
        message(&app),
        "NEWS2 0 recorded: routine (at least 12-hourly)."
    );
    // Four minutes on (the idle lock is at five).
    update(&mut app, Event::Tick(fixed_now() + Duration::minutes(4)));
    record_news2(&mut app, "112", "22");
    assert_eq!(news2_count(&app), before + 2);
    let r = record(&app);
    assert_eq!(r.tab, sonar_custody::app::RecordTab::Health);
    let last = r.view.news2.last().unwrap();
    // Respiration 22 scores 2, pulse 112 scores 2: total 4, low.
    assert_eq!(last.total, Some(4));
    assert_eq!(last.recorded_by, "hcp");
    let screen = screen_text(&app, 120, 40);
    assert!(screen.contains("NEWS2"), "{screen}");
}

#[test]
fn impossible_vitals_are_refused_naming_the_range_and_unusual_ones_need_confirming() {
    let (_db, mut app) = open_top_record("hcp");
    let before = news2_count(&app);
    type_text(&mut app, "an");
    answer(&mut app, "18");
    refused_then_corrected(
        &mut app,
        "120",
        "SpO2 must be between 40 and 100%; 120% is not possible.",
        "97",
    );
    type_text(&mut app, "1a");
    answer(&mut app, "130");
    answer(&mut app, "190"); // possible, unusual
    type_text(&mut app, "a");
    answer(&mut app, "36.9");
    let screen = screen_text(&app, 100, 30);
    assert!(
        screen.contains("Unusual: Pulse 190 per minute is outside the usual 35 to 180"),
        "{screen}"
    );
    assert_eq!(
        news2_count(&app),
        before,
        "nothing written before confirming"
    );
    f8(&mut app);
    assert_eq!(news2_count(&app), before + 1, "{}", message(&app));
    assert!(
        message(&app).starts_with("NEWS2 3 recorded"),
        "{}",
        message(&app)
    );
}

#[test]
fn a_medicine_due_in_twenty_minutes_counts_down_on_the_board() {
    let (_db, mut app) = open_top_record("hcp");
    type_text(&mut app, "am");
    answer(&mut app, "Levetiracetam");
    answer(&mut app, "500 mg");
    type_text(&mut app, "o"); // oral
    answer(&mut app, "every 4 hours");
    answer(&mut app, "10:20"); // last taken: next due 14:20, 20 minutes from now
    answer(&mut app, "Epilepsy");
    type_text(&mut app, "g"); // verified with GP
    type_text(&mut app, "b"); // brought in
    f8(&mut app);
    assert_eq!(
        message(&app),
        "Levetiracetam 500 mg added to the medicines."
    );
    let r = record(&app);
    let med = r
        .view
        .medications
        .iter()
        .find(|m| m.name == "Levetiracetam")
        .expect("the medicine is on the record");
    assert_eq!(med.next_due, Some(fixed_now() + Duration::minutes(20)));
    assert!(
        med.time_critical.is_some(),
        "epilepsy medicine is time-critical"
    );

    key(&mut app, KeyCode::Esc);
    let row = board_lines(&app)
        .into_iter()
        .find(|l| l.contains("O'BRIEN") || l.contains("O'Brien"))
        .expect("O'Brien on the board");
    assert!(row.contains("MED 20m"), "{row}");
    // Twenty-five minutes of a busy board (a key each minute keeps the idle lock away).
    for minute in 1..=25 {
        update(
            &mut app,
            Event::Tick(fixed_now() + Duration::minutes(minute)),
        );
        key(&mut app, KeyCode::Home);
    }
    let row = board_lines(&app)
        .into_iter()
        .find(|l| l.contains("O'BRIEN") || l.contains("O'Brien"))
        .expect("O'Brien on the board");
    assert!(row.contains("MED !-5m"), "overdue like a check: {row}");

    // The dose given moves the next one on by the interval.
    type_text(&mut app, "/Sean");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "ad");
    let sheet = screen_text(&app, 120, 40);
    assert!(sheet.contains("Levetiracetam 500 mg"), "{sheet}");
    let r = record(&app);
    let key_no = r
        .view
        .medications
        .iter()
        .position(|m| m.name == "Levetiracetam")
        .unwrap()
        + 1;
    type_text(&mut app, &key_no.to_string());
    type_text(&mut app, "g"); // given
    f8(&mut app); // time empty: now
    assert!(
        message(&app).ends_with("given at 14:25 recorded."),
        "{}",
        message(&app)
    );
    let r = record(&app);
    let med = r
        .view
        .medications
        .iter()
        .find(|m| m.name == "Levetiracetam")
        .unwrap();
    assert_eq!(
        med.next_due,
        Some(fixed_now() + Duration::minutes(25 + 240))
    );
}

#[test]
fn a_declined_dose_needs_its_reason() {
    let (db, mut app) = open_top_record("hcp");
    type_text(&mut app, "am");
    answer(&mut app, "Insulin glargine");
    answer(&mut app, "20 units");
    type_text(&mut app, "j");
    answer(&mut app, "od");
    answer(&mut app, "");
    answer(&mut app, "");
    type_text(&mut app, "nc");
    f8(&mut app);
    type_text(&mut app, "ad");
    let r = record(&app);
    let n = r
        .view
        .medications
        .iter()
        .position(|m| m.name == "Insulin glargine")
        .unwrap()
        + 1;
    type_text(&mut app, &n.to_string());
    type_text(&mut app, "d"); // declined: the reason field appears
    f8(&mut app);
    let screen = screen_text(&app, 120, 40);
    assert!(screen.contains("Why is needed."), "{screen}");
    answer(&mut app, "Says he will take it at home");
    f8(&mut app);
    assert!(
        message(&app).contains("declined at 14:00 recorded"),
        "{}",
        message(&app)
    );
    // The administration record sits under the medicine: what, when, who, and why.
    let health = screen_text(&app, 120, 40);
    assert!(
        health.contains("23 Nov 14:00 declined by hcp: Says he will take it at home"),
        "{health}"
    );
    // The sergeant sees that it was declined, by whom and when, but not why.
    let mut sergeant = support::app(&db.path);
    log_in(&mut sergeant, "sergeant", DEMO_PASSWORD);
    key(&mut sergeant, KeyCode::Enter);
    let dose = record(&sergeant)
        .view
        .doses
        .iter()
        .find(|d| d.outcome == "declined")
        .expect("the declined dose is on the sergeant's record")
        .clone();
    assert_eq!((dose.by.as_str(), dose.reason), ("hcp", None));

    // Entered for the wrong person: stopped with a reason, it no longer falls due.
    type_text(&mut app, "as");
    type_text(&mut app, &n.to_string());
    f8(&mut app);
    assert!(screen_text(&app, 120, 40).contains("Why it is stopped is needed."));
    answer(&mut app, "Entered for the wrong person");
    assert_eq!(message(&app), "Insulin glargine 20 units stopped.");
    let r = record(&app);
    assert!(
        r.view
            .medications
            .iter()
            .all(|m| m.name != "Insulin glargine")
    );
}

#[test]
fn consent_fitness_and_a_referral_with_checked_contact_details() {
    let (_db, mut app) = open_top_record("hcp");
    // Consent: lacks capacity now, ask later — the notes are then required.
    type_text(&mut app, "ac3l");
    f8(&mut app);
    assert!(screen_text(&app, 120, 40).contains("Capacity notes is needed."));
    answer(&mut app, "Heavily intoxicated; ask again after sleep");
    assert_eq!(
        message(&app),
        "Consent recorded: Community treatment services — lacks capacity now: ask again later."
    );

    // Fitness to interview with conditions.
    type_text(&mut app, "afiy");
    answer(&mut app, "Needs appropriate adult; interview after 18:00");
    answer(&mut app, "Mild learning disability; alcohol wearing off");
    assert_eq!(message(&app), "Recorded: fit to be interviewed.");
    // The sergeant's first tab says it too, with its conditions.
    // Health, History, then round to Summary.
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    let summary = screen_text(&app, 120, 40);
    assert!(
        summary.contains(
            "Consent to ask again  community treatment (lacked capacity, hcp 23 Nov 14:00)"
        ),
        "{summary}"
    );
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Left);
    assert!(
        summary.contains(
            "Fit for interview     yes (hcp 23 Nov 14:00): Needs appropriate adult; interview after 18:00"
        ),
        "{summary}"
    );

    // Referral: a bad phone number is refused as typed, then corrected.
    type_text(&mut app, "ard");
    answer(&mut app, "Heroin");
    answer(&mut app, "Injecting");
    answer(&mut app, "");
    answer(&mut app, "Wants treatment; previously with Leeds DAS");
    refused_then_corrected(
        &mut app,
        "0770 900123",
        "A UK phone number has 10 digits after the leading 0",
        "07700 900123",
    );
    type_text(&mut app, "n"); // no fixed abode: where they can be reached
    answer(&mut app, "St George's Crypt day centre");
    assert_eq!(message(&app), "Referral recorded.");

    let r = record(&app);
    assert!(
        r.view
            .consents
            .iter()
            .any(|c| c.scope == "community_treatment" && c.decision == "lacks_capacity_ask_later")
    );
    let fit = r
        .view
        .fitness
        .iter()
        .find(|f| f.kind == "interview")
        .unwrap();
    assert!(fit.fit);
    assert_eq!(
        fit.conditions,
        "Needs appropriate adult; interview after 18:00"
    );
    let referral = r.view.referrals.last().unwrap();
    let content = referral.content.as_ref().expect("the HCP sees the content");
    assert_eq!(content.phone.as_deref(), Some("07700900123"));
    assert!(content.no_fixed_abode);
}

#[test]
fn only_an_hcp_can_add_and_esc_with_typed_values_asks_before_discarding() {
    let (_db, mut app) = open_top_record("sergeant");
    type_text(&mut app, "a");
    assert!(app.entry.is_none());
    assert_eq!(
        message(&app),
        "Only a healthcare practitioner can add to the clinical record."
    );

    let (_db, mut app) = open_top_record("hcp");
    type_text(&mut app, "ag");
    type_text(&mut app, "3");
    key(&mut app, KeyCode::Esc);
    assert!(app.entry.is_some(), "the first Esc warns");
    assert!(screen_text(&app, 120, 40).contains("Press esc again to leave without saving"));
    key(&mut app, KeyCode::Esc);
    assert!(app.entry.is_none());
    assert_eq!(message(&app), "Nothing was saved.");
}

#[test]
fn the_entry_menu_and_news2_sheet_render() {
    let (_db, mut app) = open_top_record("hcp");
    type_text(&mut app, "a");
    insta::assert_snapshot!("entry_menu_80x24", screen_text(&app, 80, 24));
    type_text(&mut app, "n");
    answer(&mut app, "18");
    answer(&mut app, "96");
    insta::assert_snapshot!("entry_news2_scale_80x24", screen_text(&app, 80, 24));
}

#[test]
fn an_appointment_after_release_is_booked_for_a_future_london_time() {
    let (_db, mut app) = open_top_record("hcp");
    type_text(&mut app, "ap");
    answer(&mut app, "Leeds community drug and alcohol service");
    // A time already past today is refused as typed.
    refused_then_corrected(
        &mut app,
        "2026-11-23 09:00",
        "When must be later than now; 2026-11-23 09:00 is not.",
        "2026-11-30 10:15",
    );
    answer(&mut app, "Forward Leeds, 2 Eastgate, Leeds LS2 7JL");
    assert_eq!(
        message(&app),
        "Appointment booked for Mon 30 Nov 2026 10:15."
    );
    let r = record(&app);
    let booked = r
        .view
        .appointments
        .last()
        .expect("the appointment is on the record");
    assert_eq!(
        booked.at,
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 30, 10, 15, 0).unwrap()
    );
    assert_eq!(
        booked.service.as_deref(),
        Some("Leeds community drug and alcohol service")
    );
}

#[test]
fn a_moderate_ciwa_ar_raises_the_withdrawal_flag_and_the_board_shows_it() {
    let (_db, mut app) = open_top_record("hcp");
    type_text(&mut app, "aa");
    // Nine items at 1 and orientation 2: 11, moderate on the ASAM 2020 bands.
    for _ in 0..9 {
        answer(&mut app, "1");
    }
    answer(&mut app, "2");
    type_text(&mut app, "n"); // no seizures, delirium or hallucinations
    f8(&mut app);
    assert_eq!(
        message(&app),
        "CIWA-Ar 11 recorded: moderate (ASAM Clinical Practice Guideline on Alcohol Withdrawal Management, 2020)."
    );
    let r = record(&app);
    let wd = r
        .view
        .flags
        .iter()
        .find(|f| f.code == "WD")
        .expect("a WD flag from the score");
    assert_eq!(wd.severity, "warning");
    assert!(
        wd.reason.starts_with("CIWA-Ar 11 at 14:00"),
        "{}",
        wd.reason
    );

    key(&mut app, KeyCode::Esc);
    let row = board_lines(&app)
        .into_iter()
        .find(|l| l.contains("O'BRIEN"))
        .expect("O'Brien on the board");
    assert!(row.contains("WD!"), "{row}");
}

#[test]
fn gcs_cows_and_audit_c_are_scored_from_their_sheets() {
    let (_db, mut app) = open_top_record("hcp");
    // GCS with verbal not testable: no total.
    type_text(&mut app, "ag3x6");
    f8(&mut app);
    assert_eq!(message(&app), "GCS E3 VNT M6 recorded.");

    // COWS: resting pulse 110 scores 2; ten items picked by their scores.
    type_text(&mut app, "ao");
    answer(&mut app, "110");
    type_text(&mut app, "1121231200");
    f8(&mut app);
    // 2 + 1+1+2+1+2+3+1+2+0+0 = 15: moderate.
    assert_eq!(message(&app), "COWS total 15 recorded: moderate (13-24).");

    // AUDIT-C: 4 + 2 + 1 = 7, positive.
    type_text(&mut app, "au421");
    f8(&mut app);
    assert_eq!(
        message(&app),
        "AUDIT-C 7 recorded: positive, go on to the full AUDIT."
    );
    let r = record(&app);
    let latest = |kind: &str| {
        r.view
            .scores
            .iter()
            .filter(|s| s.kind == kind)
            .max_by_key(|s| s.id)
            .map(|s| s.total)
    };
    assert_eq!(latest("gcs"), Some(None), "not testable: no total");
    assert_eq!(latest("cows"), Some(Some(15)));
    assert_eq!(latest("audit_c"), Some(Some(7)));
}

#[test]
fn a_mistyped_news2_is_marked_entered_in_error_and_its_alert_goes_with_it() {
    let (_db, mut app) = logged_in("hcp");
    open_taylor(&mut app);
    // Pulse typed as 140 for 104, and respiration 26 for 16: NEWS2 6, an alert.
    news2_on_air(&mut app, "26", "97", "140", "36.8");
    assert!(
        message(&app).starts_with("NEWS2 6 recorded"),
        "{}",
        message(&app)
    );
    let news = |app: &App| record(app).view.flags.iter().any(|f| f.code == "NEWS");
    assert!(news(&app), "NEWS2 6 raises the NEWS alert");

    type_text(&mut app, "ae");
    let sheet = screen_text(&app, 120, 40);
    assert!(sheet.contains("1 23 Nov 14:00 NEWS2 6 (medium)"), "{sheet}");
    type_text(&mut app, "1");
    answer(&mut app, "Pulse typed as 140, was 104; respiration 16");
    assert_eq!(
        message(&app),
        "Marked entered in error: 23 Nov 14:00 NEWS2 6 (medium); its flags withdrawn: NEWS."
    );
    assert!(!news(&app), "the alert went with the score");
    assert!(
        record(&app).view.scores.iter().all(|s| s.total != Some(6)),
        "the score left the trend"
    );
}

#[test]
fn a_news2_of_seven_or_more_opens_the_emergency_on_the_screen() {
    let (_db, mut app) = logged_in("hcp");
    open_taylor(&mut app);
    // Respiration 26 (3), SpO2 93 (2), pulse 118 (2): NEWS2 7.
    news2_on_air(&mut app, "26", "93", "118", "36.8");
    assert!(
        message(&app).starts_with("NEWS2 7 recorded: high"),
        "{}",
        message(&app)
    );
    assert_eq!(app.emergency.open.len(), 1, "the emergency is open");
    let screen = screen_text(&app, 120, 40);
    assert!(
        screen.contains("NEWS2 7 at 14:00: emergency response"),
        "{screen}"
    );
}

#[test]
fn after_a_medium_news2_the_board_counts_down_to_the_next_hourly_set() {
    let (_db, mut app) = logged_in("hcp");
    open_taylor(&mut app);
    // Respiration 26 (3), pulse 104 (1), SpO2 95 (1): NEWS2 5, medium: at least hourly.
    news2_on_air(&mut app, "26", "95", "104", "36.8");
    assert!(
        message(&app).starts_with("NEWS2 5 recorded: medium"),
        "{}",
        message(&app)
    );
    key(&mut app, KeyCode::Esc);
    let row = board_lines(&app)
        .into_iter()
        .find(|l| l.contains("TAYLOR"))
        .expect("Taylor on the board");
    assert!(row.contains("OBS 1h00m"), "{row}");
}
