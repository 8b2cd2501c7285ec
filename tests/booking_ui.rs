//! Booking in through the App, driven only by key presses resolved by the real keymap: a new
//! person with nothing to declare, one with several issues (key counts for both are printed
//! and bounded), a terminal dropped mid-form that resumes at the first unanswered question with
//! every answer kept, and the demo's returning person whose "already known" banner comes first.
//! Snapshots of the banner and the form screen at 80×24.

mod support;

use crossterm::event::KeyCode;
use sonar_custody::app::booking::BookingStep;
use sonar_custody::app::{Action, App, Screen};
use sonar_custody::domain::form::{BOOKING_RISK, embedded_form};
use sonar_custody::keymap::Context;
use support::*;

/// Counts every key press made through it.
struct Keys<'a> {
    app: &'a mut App,
    count: usize,
    decisions: usize,
}

impl Keys<'_> {
    fn key(&mut self, code: KeyCode) {
        key(self.app, code);
        self.count += 1;
    }
    fn text(&mut self, text: &str) {
        type_text(self.app, text);
        self.count += text.chars().count();
    }
    /// One answer's keys, and its "give details" text with Enter if any.
    fn answer(&mut self, keys: &str, details: Option<&str>) {
        self.text(keys);
        self.decisions += 1;
        if let Some(d) = details {
            self.text(d);
            self.key(KeyCode::Enter);
        }
    }
    fn action(&mut self, action: Action) {
        press_action(self.app, Context::Form, action);
        self.count += 1;
    }
}

fn step(app: &App) -> &'static str {
    match &app.screen {
        Screen::Booking(b) => match &b.step {
            BookingStep::Search(_) => "search",
            BookingStep::Details(_) => "details",
            BookingStep::Banner(_) => "banner",
            BookingStep::Form(_) => "form",
            BookingStep::Finished => "finished",
        },
        Screen::Board(_) => "board",
        _ => "other",
    }
}

fn current_question(app: &App) -> String {
    match &app.screen {
        Screen::Booking(b) => match &b.step {
            BookingStep::Form(f) => f.current.clone(),
            _ => panic!("not on the form"),
        },
        _ => panic!("not booking"),
    }
}

/// From the board to the first question for a new person; returns the keys it took and how
/// many of them typed the person's and the detention's details.
fn start_new_person(app: &mut App, surname: &str) -> (usize, usize) {
    let mut k = Keys {
        app,
        count: 0,
        decisions: 0,
    };
    press_action(k.app, Context::Board, Action::BookIn);
    k.count += 1;
    assert_eq!(step(k.app), "search");
    k.text(surname);
    let mut typed = surname.chars().count();
    k.action(Action::NewPerson);
    assert_eq!(step(k.app), "details");
    // Surname is carried from the search and the cursor waits on the first empty field:
    // forenames, date of birth, sex, NHS, PNC, officer, reason, cell.
    for value in [
        "Sam",
        "14/02/1990",
        "m",
        "",
        "",
        "PC 1 Hart",
        "Theft",
        "C20",
    ] {
        k.text(value);
        typed += value.chars().count();
        k.key(KeyCode::Enter);
    }
    assert_eq!(step(k.app), "form", "{}", screen_text(k.app, 80, 24));
    (k.count, typed)
}

#[test]
fn nothing_to_declare_is_one_key_per_question() {
    let (_db, mut app) = logged_in("sergeant");
    let (start, typed) = start_new_person(&mut app, "Newman");
    let form = embedded_form(BOOKING_RISK).unwrap();
    let questions = form.applicable(&Default::default()).len();
    let mut k = Keys {
        app: &mut app,
        count: 0,
        decisions: 0,
    };
    for _ in 0..questions {
        k.text("n");
    }
    k.action(Action::CompleteForm);
    let form_keys = k.count;
    assert_eq!(step(&app), "board", "{}", screen_text(&app, 80, 24));
    assert_eq!(form_keys, questions + 1);
    println!(
        "KEYS nothing to declare: {questions} questions, {form_keys} keys on the form; {start} keys to find, create and book in ({typed} typing details, {} others)",
        start - typed
    );
    assert_eq!(start - typed, 10);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("NEWMAN"), "{text}");
    assert!(
        text.contains("Booking-in risk assessment completed; 0 flags"),
        "{text}"
    );
}

#[test]
fn several_issues_raise_flags_that_show_on_the_board() {
    let (_db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Issues");
    let mut k = Keys {
        app: &mut app,
        count: 0,
        decisions: 0,
    };
    k.answer("y", None); // first time in custody
    k.answer("y", None); // PND checked
    k.answer("n", None); // feels ill
    k.answer("y", Some("cut")); // injury
    k.answer("y", None); // head injury
    k.answer("y", Some("fits")); // condition
    k.text("1");
    k.key(KeyCode::Enter); // condition kinds: epilepsy
    k.decisions += 1;
    k.answer("y", Some("keppra")); // medication
    k.answer("n", None); // mental health
    k.answer("n", None); // self-harm now
    k.answer("y", Some("od")); // self-harm past
    k.answer("2", None); // within the last year
    k.answer("y", Some("6 pints")); // alcohol
    k.answer("y", None); // appears intoxicated
    k.answer("n", None); // drugs
    k.answer("n", None); // learning difficulty
    k.answer("n", None); // appropriate adult
    k.action(Action::AnswerNotAsked); // pregnancy: not asked, with the reason
    k.text("male");
    k.key(KeyCode::Enter);
    k.decisions += 1;
    for _ in 0..5 {
        k.answer("n", None); // allergies, communication, violence, dependants, concern
    }
    k.action(Action::CompleteForm);
    let keys = k.count;
    let decisions = k.decisions;
    assert_eq!(step(&app), "board", "{}", screen_text(&app, 80, 24));
    println!(
        "KEYS several issues: {decisions} answers, {keys} keys on the form (details typed included)"
    );
    assert!(keys <= 60, "{keys}");
    let row = board_lines(&app)
        .into_iter()
        .find(|l| l.contains("ISSUES"))
        .expect("the new person on the board");
    for code in ["HI!!", "SH!", "ALC!", "EPI!", "MED+"] {
        assert!(row.contains(code), "{code} missing from {row}");
    }
}

#[test]
fn a_dropped_terminal_resumes_at_the_first_unanswered_question() {
    let (db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Dropped");
    type_text(&mut app, "yyn");
    // "injury": yes, then its details are half typed when the terminal dies.
    type_text(&mut app, "y");
    type_text(&mut app, "bruised ar");
    let form = embedded_form(BOOKING_RISK).unwrap();
    let order: Vec<String> = form
        .applicable(&Default::default())
        .iter()
        .map(|q| q.id.clone())
        .collect();
    assert_eq!(current_question(&app), order[3]);
    drop(app);

    let mut app = support::app(&db.path);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "dropped");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form", "{}", screen_text(&app, 80, 24));
    // The injury answer survived, its details did not (never entered), so the form resumes
    // on the details of that question; the three answers before it are kept.
    assert_eq!(current_question(&app), "injury");
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("4 of"), "{text}");
    assert!(text.contains("Give details"), "{text}");
    type_text(&mut app, "bruised arm");
    key(&mut app, KeyCode::Enter);
    // Head injury branch opens next.
    assert_eq!(current_question(&app), "head_injury");
    drop(app);

    let mut app = support::app(&db.path);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "dropped");
    key(&mut app, KeyCode::Enter);
    assert_eq!(current_question(&app), "head_injury");
    // Tab moves on without answering; next-unanswered comes back.
    press_action(&mut app, Context::Form, Action::NextField);
    assert_ne!(current_question(&app), "head_injury");
    press_action(&mut app, Context::Form, Action::NextUnanswered);
    assert_eq!(current_question(&app), "head_injury");
    // Completing now names what is missing and stays on the form.
    press_action(&mut app, Context::Form, Action::CompleteForm);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("cannot be completed"), "{text}");
    assert_eq!(step(&app), "form");
}

fn book_in_returning(app: &mut App) {
    press_action(app, Context::Board, Action::BookIn);
    type_text(app, "marsh dan");
    key(app, KeyCode::Enter);
    assert_eq!(step(app), "details", "{}", screen_text(app, 80, 24));
    for v in ["PC 2 Reed", "Theft", "C21"] {
        type_text(app, v);
        key(app, KeyCode::Enter);
    }
}

#[test]
fn a_returning_person_sees_the_banner_first_and_acknowledging_is_audited() {
    let (_db, mut app) = logged_in("sergeant");
    book_in_returning(&mut app);
    assert_eq!(step(&app), "banner", "{}", screen_text(&app, 80, 24));
    let text = screen_text(&app, 120, 40);
    for needle in [
        "SH!",
        "Tied a ligature",
        "EPI!",
        "DRG+",
        "handover bundle from HMP Leeds",
        "imported handover",
        "4 months ago",
        // What the handover said beyond flags, known from the sender.
        "Known from other suites' handovers",
        "Medications: Methadone 1 mg/ml oral solution 60 ml once daily",
        "from HMP Leeds, signed 24/10/2026",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    // Esc does not skip it.
    key(&mut app, KeyCode::Esc);
    assert_eq!(step(&app), "banner");
    // At 80×24 it does not fit: Enter before the end says how far and acknowledges nothing.
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "banner");
    let message = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        message.starts_with("Scroll to the end (")
            && message.contains("more lines) before acknowledging"),
        "{message}"
    );
    // Down a line at a time until the end, then Enter acknowledges.
    let mut downs = 0;
    while screen_text(&app, 80, 24).contains(" more: ") {
        key(&mut app, KeyCode::Down);
        downs += 1;
        assert!(downs < 50, "never reached the end");
    }
    assert!(downs > 0);
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form");
}

#[test]
fn the_banner_is_acknowledged_only_once_read_to_the_end() {
    let (_db, mut app) = logged_in("sergeant");
    book_in_returning(&mut app);
    assert_eq!(step(&app), "banner");
    let text = screen_text(&app, 80, 24);
    // Allergies and time-critical medicines come first: the anti-epileptic and methadone are
    // on the first screen, above the flag that is neither.
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
    };
    assert!(pos("Allergies and time-critical medicines") < pos("Penicillin"));
    assert!(pos("Penicillin") < pos("Methadone 1 mg/ml"));
    assert!(pos("Methadone 1 mg/ml") < pos("Levetiracetam"));
    // The self-harm flag (neither) is below the fold of the first screen.
    assert!(!text.contains("SH!"), "{text}");
    // 18 lines: the demo's HCP direction awaiting the sergeant takes one under the header.
    assert!(text.contains("lines 1-18 of "), "{text}");
    press_action(&mut app, Context::Form, Action::Submit);
    assert_eq!(step(&app), "banner", "not acknowledged before the end");
    // Page down and End reach the end; Home goes back; the end once seen stays seen.
    press_action(&mut app, Context::Form, Action::PageDown);
    press_action(&mut app, Context::Form, Action::Last);
    let end = screen_text(&app, 80, 24);
    assert!(!end.contains(" more: "), "{end}");
    assert!(end.contains("Plan of care"), "{end}");
    press_action(&mut app, Context::Form, Action::First);
    assert!(screen_text(&app, 80, 24).contains("lines 1-18 of "));
    // The status bar offers the scroll keys from the keymap.
    let bar = screen_text(&app, 80, 24)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        bar.contains("down scroll") && bar.contains("end to the end"),
        "{bar}"
    );
    press_action(&mut app, Context::Form, Action::Submit);
    assert_eq!(step(&app), "form");
}

#[test]
fn on_a_tall_terminal_the_whole_banner_is_read_at_once() {
    let (_db, mut app) = logged_in("sergeant");
    sonar_custody::app::update(&mut app, sonar_custody::app::Event::Resize(120, 50));
    book_in_returning(&mut app);
    assert_eq!(step(&app), "banner");
    assert!(
        screen_text(&app, 120, 50).contains("all "),
        "{}",
        screen_text(&app, 120, 50)
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form");
}

#[test]
fn snapshots_of_the_banner_and_the_form() {
    let (_db, mut app) = logged_in("sergeant");
    book_in_returning(&mut app);
    assert_eq!(step(&app), "banner");
    insta::assert_snapshot!("booking_banner_80x24", draw(&app, 80, 24).backend());
    key(&mut app, KeyCode::End);
    insta::assert_snapshot!("booking_banner_end_80x24", draw(&app, 80, 24).backend());
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "nyn");
    // On "injury": answered yes, waiting for details.
    type_text(&mut app, "y");
    assert_eq!(current_question(&app), "injury");
    insta::assert_snapshot!("booking_form_details_80x24", draw(&app, 80, 24).backend());
    type_text(&mut app, "graze to left knee");
    key(&mut app, KeyCode::Enter);
    assert_eq!(current_question(&app), "head_injury");
    insta::assert_snapshot!("booking_form_question_80x24", draw(&app, 80, 24).backend());
}

#[test]
fn the_hcp_gets_the_health_screen_for_a_person_booked_in() {
    let (db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Clinic");
    type_text(&mut app, "yy");
    drop(app);
    let mut app = support::app(&db.path);
    log_in(&mut app, "hcp", DEMO_PASSWORD);
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "clinic");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form", "{}", screen_text(&app, 80, 24));
    assert_eq!(current_question(&app), "taking_medicines");
    assert!(screen_text(&app, 80, 24).contains("Initial health screen"));
    type_text(&mut app, "y");
    assert_eq!(current_question(&app), "medicines");
    type_text(&mut app, "levetiracetam; 500 mg; twice daily; 08:00; 20:00");
    key(&mut app, KeyCode::Enter);
    assert!(screen_text(&app, 80, 24).contains("+ levetiracetam; 500 mg"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(current_question(&app), "injured");
    type_text(&mut app, "n");
    type_text(&mut app, "1");
    key(&mut app, KeyCode::Enter); // conditions: epilepsy
    assert_eq!(current_question(&app), "last_seizure");
    type_text(&mut app, "3"); // in the last month
    type_text(&mut app, "y"); // drinks alcohol
    type_text(&mut app, "abc");
    key(&mut app, KeyCode::Enter);
    assert!(
        screen_text(&app, 120, 40).contains("Type a number of units"),
        "{}",
        screen_text(&app, 120, 40)
    );
    key_with(
        &mut app,
        KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    type_text(&mut app, "12");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "23/11/2026 10:00");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "y"); // withdrawal fits
    let text = screen_text(&app, 80, 24);
    // What the screen learned is on the record as it is typed, not kept as a form answer.
    let app_store =
        sonar_custody::store::Store::unlock(&db.path, "hcp", DEMO_PASSWORD, fixed_now())
            .unwrap()
            .store;
    let det = app_store
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.surname == "Clinic")
        .unwrap();
    let record = app_store.clinical_record(det.detention_id).unwrap();
    let said: Vec<String> = record.entries.iter().map(|e| e.fact.headline()).collect();
    assert!(
        said.iter()
            .any(|h| h.starts_with("levetiracetam 500 mg twice daily")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|h| h.contains("last seizure in the last month")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|h| h.contains("12 units a day, last drink 23/11/2026 10:00")),
        "{said:?}"
    );
    let flags = text
        .lines()
        .find(|l| l.starts_with(" Flags:"))
        .unwrap()
        .to_string();
    for code in ["MED+", "EPI!", "WD!"] {
        assert!(flags.contains(code), "{code} missing: {flags}");
    }
}

#[test]
fn after_completion_a_change_is_an_amendment_with_a_reason_and_history() {
    let (_db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Amend");
    let form = embedded_form(BOOKING_RISK).unwrap();
    for _ in 0..form.applicable(&Default::default()).len() {
        type_text(&mut app, "n");
    }
    press_action(&mut app, Context::Form, Action::CompleteForm);
    assert_eq!(step(&app), "board");
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "amend");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form", "{}", screen_text(&app, 80, 24));
    while current_question(&app) != "self_harm_now" {
        press_action(&mut app, Context::Form, Action::NextField);
    }
    type_text(&mut app, "y");
    key(&mut app, KeyCode::Enter);
    assert!(
        screen_text(&app, 120, 40).contains("Say why the answer changes"),
        "{}",
        screen_text(&app, 120, 40)
    );
    type_text(&mut app, "disclosed at first visit");
    key(&mut app, KeyCode::Enter);
    press_action(&mut app, Context::Form, Action::PrevField);
    assert_eq!(current_question(&app), "self_harm_now");
    press_action(&mut app, Context::Form, Action::AnswerHistory);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("v1 No · sergeant"), "{text}");
    assert!(
        text.contains("v2 Yes · sergeant") && text.contains("why: disclosed at first visit"),
        "{text}"
    );
    assert!(text.contains("SH!!"), "{text}");
}

#[test]
fn answers_from_an_earlier_detention_are_offered_as_carried_over_until_confirmed() {
    let (db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Again");
    type_text(&mut app, "nyn");
    type_text(&mut app, "y");
    type_text(&mut app, "old scar");
    key(&mut app, KeyCode::Enter);
    drop(app);
    // The person leaves custody (release is another screen's work: done here directly).
    let store =
        sonar_custody::store::Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
            .unwrap()
            .store;
    store
        .conn_for_reports()
        .execute(
            "UPDATE detention SET closed_at = '2026-11-23T13:30:00Z'
             WHERE person_id = (SELECT id FROM person WHERE surname = 'Again')",
            [],
        )
        .unwrap();
    drop(store);
    let mut app = support::app(&db.path);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "again");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "details", "{}", screen_text(&app, 80, 24));
    for v in ["PC 3 Fox", "Theft", "C22"] {
        type_text(&mut app, v);
        key(&mut app, KeyCode::Enter);
    }
    // What the earlier detention's screen learned is on the banner first.
    assert_eq!(step(&app), "banner", "{}", screen_text(&app, 80, 24));
    let banner = screen_text(&app, 80, 24);
    assert!(banner.contains("Injuries: injury (old scar)"), "{banner}");
    assert!(
        banner.contains("known from earlier detention NG-26-"),
        "{banner}"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form", "{}", screen_text(&app, 80, 24));
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains("Carried over from NG-26-") && text.contains(": No (not confirmed"),
        "{text}"
    );
    insta::assert_snapshot!(
        "booking_form_carried_over_80x24",
        draw(&app, 80, 24).backend()
    );
    // Enter confirms it by asking again: saved as this detention's answer.
    key(&mut app, KeyCode::Enter);
    assert_eq!(current_question(&app), "pnd_checked");
    press_action(&mut app, Context::Form, Action::PrevField);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Saved: No"), "{text}");
    assert!(!text.contains("Carried over"), "{text}");
}

#[test]
fn flags_are_added_by_hand_and_marked_entered_in_error_never_deleted() {
    let (_db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Handflag");
    press_action(&mut app, Context::Form, Action::AddFlag);
    type_text(&mut app, "VIO warning");
    key(&mut app, KeyCode::Enter);
    assert!(
        screen_text(&app, 120, 40).contains("A flag needs a reason"),
        "{}",
        screen_text(&app, 120, 40)
    );
    key_with(
        &mut app,
        KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    type_text(&mut app, "XX warning spat");
    key(&mut app, KeyCode::Enter);
    assert!(
        screen_text(&app, 120, 40).contains("`XX` is not a known flag code"),
        "{}",
        screen_text(&app, 120, 40)
    );
    key_with(
        &mut app,
        KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    type_text(&mut app, "VIO warning Spat at the arresting officer");
    key(&mut app, KeyCode::Enter);
    let flags_line = |app: &App| {
        screen_text(app, 80, 24)
            .lines()
            .find(|l| l.starts_with(" Flags:"))
            .unwrap()
            .to_string()
    };
    assert!(flags_line(&app).contains("VIO!"), "{}", flags_line(&app));
    // The question is still waiting: the flag keys did not answer it.
    assert_eq!(current_question(&app), "first_time_in_custody");

    press_action(&mut app, Context::Form, Action::FlagInError);
    type_text(&mut app, "vio Wrong detainee");
    key(&mut app, KeyCode::Enter);
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("Mark VIO entered in error"), "{text}");
    assert!(flags_line(&app).contains("VIO!"), "not until confirmed");
    key(&mut app, KeyCode::Enter);
    assert!(!flags_line(&app).contains("VIO"), "{}", flags_line(&app));
    assert!(
        screen_text(&app, 120, 40).contains("marked entered in error (kept in the record"),
        "{}",
        screen_text(&app, 120, 40)
    );
}

#[test]
fn a_changed_answer_says_which_flag_no_longer_follows_and_removes_none() {
    let (_db, mut app) = logged_in("sergeant");
    start_new_person(&mut app, "Changed");
    // First time, PND checked, not ill, no injury, no condition, no medication, no mental
    // health problem, then "harming yourself now": yes raises SH.
    type_text(&mut app, "nynnnnny");
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("Flag raised: SH")),
        "{:?}",
        app.message
    );
    assert_eq!(current_question(&app), "self_harm_past");
    // Back to it and change it: the flag stays and the screen says so.
    press_action(&mut app, Context::Form, Action::PrevField);
    assert_eq!(current_question(&app), "self_harm_now");
    type_text(&mut app, "n");
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains(
            "SH no longer follows from the answers: if it is wrong, mark it entered in error (ctrl-e)."
        ),
        "{text}"
    );
}

/// The first KHAN, Aaron, born 1 May 1987, with one detention (closed): returns his id.
fn first_khan(db: &support::DemoDb) -> i64 {
    use sonar_custody::domain::booking::{PersonInput, validate_person};
    let mut store =
        sonar_custody::store::Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
            .unwrap()
            .store;
    let p = validate_person(
        &PersonInput {
            surname: "Khan".into(),
            forenames: "Aaron".into(),
            date_of_birth: "01/05/1987".into(),
            sex: "m".into(),
            ..Default::default()
        },
        fixed_now().date_naive(),
    )
    .unwrap();
    let id = store.create_person(&p, None, fixed_now()).unwrap();
    let earlier = fixed_now() - chrono::Duration::days(90);
    store
        .book_in(
            id,
            &sonar_custody::store::booking::Booking {
                arrived_at: earlier,
                authorised_at: Some(earlier),
                arresting_officer: "PC 4 Lane".into(),
                reason: "Theft".into(),
                cell: "C23".into(),
                shared_cell_reason: None,
            },
            earlier,
        )
        .unwrap();
    store
        .conn_for_reports()
        .execute(
            "UPDATE detention SET closed_at = '2026-08-26T09:00:00Z' WHERE person_id = ?1",
            [id],
        )
        .unwrap();
    id
}

/// A demo suite with the first KHAN, Aaron in it, and a sergeant logged in.
fn suite_with_khan() -> (support::DemoDb, App, i64) {
    let db = demo_db();
    let khan = first_khan(&db);
    let mut app = support::app(&db.path);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    (db, app, khan)
}

fn details(app: &App) -> &sonar_custody::app::booking::DetailsState {
    match &app.screen {
        Screen::Booking(b) => match &b.step {
            BookingStep::Details(d) => d,
            _ => panic!("not on the details: {}", screen_text(app, 80, 24)),
        },
        _ => panic!("not booking"),
    }
}

fn field(app: &App, label: &str) -> String {
    details(app)
        .fields
        .iter()
        .find(|f| f.label == label)
        .map(|f| f.value.clone())
        .unwrap_or_else(|| panic!("no field {label}"))
}

/// From the board: search "KHAN", F2, then the second Aaron's details up to the PNC id.
fn new_khan(app: &mut App) {
    press_action(app, Context::Board, Action::BookIn);
    type_text(app, "KHAN");
    press_action(app, Context::Form, Action::NewPerson);
    assert_eq!(step(app), "details");
    for v in ["Aaron", "01/05/1987", "m", "", ""] {
        type_text(app, v);
        key(app, KeyCode::Enter);
    }
}

/// How many people named Khan the suite holds, and the audit rows naming a reason.
fn khans_and_reasons(db: &support::DemoDb) -> (i64, Vec<String>) {
    let store =
        sonar_custody::store::Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
            .unwrap()
            .store;
    let conn = store.conn_for_reports();
    let khans = conn
        .query_row(
            "SELECT count(*) FROM person WHERE surname_key = 'khan' AND forename_key = 'aaron'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT detail FROM audit WHERE detail LIKE '%possible duplicates%' ORDER BY id")
        .unwrap();
    let reasons = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    (khans, reasons)
}

#[test]
fn a_second_khan_aaron_is_shown_the_first_and_enter_books_the_first_in() {
    let (db, mut app, khan) = suite_with_khan();
    new_khan(&mut app);
    // Still on the details: the person already known is listed with his last detention.
    let d = details(&app);
    assert!(d.picking.is_some(), "{}", screen_text(&app, 80, 24));
    assert_eq!(d.candidates.first().map(|c| c.person.person_id), Some(khan));
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Already known, may be this person (1)"),
        "{text}"
    );
    assert!(text.contains("> KHAN, Aaron  01/05/1987"), "{text}");
    assert!(
        text.contains("1 detention, last NG-26-") && text.contains(" 25/08/2026 · name alike"),
        "{text}"
    );
    insta::assert_snapshot!("booking_candidates_80x24", draw(&app, 80, 24).backend());
    // Enter books that person in: the detention's details, then the form; no new person.
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        details(&app).person.as_ref().map(|p| p.person_id),
        Some(khan)
    );
    for v in ["PC 5 Ward", "Theft", "C24"] {
        type_text(&mut app, v);
        key(&mut app, KeyCode::Enter);
    }
    assert_ne!(step(&app), "details", "{}", screen_text(&app, 80, 24));
    drop(app);
    let (khans, reasons) = khans_and_reasons(&db);
    assert_eq!(khans, 1, "a second person was created");
    assert!(reasons.is_empty(), "{reasons:?}");
}

#[test]
fn creating_anyway_needs_a_reason_and_the_reason_is_audited() {
    let (db, mut app, khan) = suite_with_khan();
    new_khan(&mut app);
    assert!(details(&app).picking.is_some());
    press_action(&mut app, Context::Form, Action::NewPerson);
    // No reason: refused, still choosing.
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "details");
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.is_error && m.text.contains("Type why a new person is created")),
        "{:?}",
        app.message
    );
    assert!(details(&app).duplicate_reason.is_none());
    type_text(&mut app, "Different person: DOB checked, twin brother");
    key(&mut app, KeyCode::Enter);
    assert!(details(&app).picking.is_none());
    assert!(
        screen_text(&app, 80, 24).contains("Already known, set aside"),
        "{}",
        screen_text(&app, 80, 24)
    );
    for v in ["PC 5 Ward", "Theft", "C24"] {
        type_text(&mut app, v);
        key(&mut app, KeyCode::Enter);
    }
    assert_ne!(step(&app), "details", "{}", screen_text(&app, 80, 24));
    drop(app);
    let (khans, reasons) = khans_and_reasons(&db);
    assert_eq!(khans, 2);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("Different person: DOB checked, twin brother")
            && reasons[0].contains(&format!("person {khan}")),
        "{}",
        reasons[0]
    );
}

#[test]
fn a_search_typed_as_the_screens_print_a_name_finds_him() {
    let (_db, mut app, khan) = suite_with_khan();
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "KHAN, Aaron");
    let found: Vec<i64> = match &app.screen {
        Screen::Booking(b) => match &b.step {
            BookingStep::Search(s) => s.results.iter().map(|m| m.person_id).collect(),
            _ => panic!("not searching"),
        },
        _ => panic!("not booking"),
    };
    assert!(found.contains(&khan), "{}", screen_text(&app, 80, 24));
    assert!(screen_text(&app, 80, 24).contains("KHAN, Aaron  01/05/1987"));
}

#[test]
fn f2_takes_the_search_text_once_into_its_fields() {
    let (_db, mut app, _khan) = suite_with_khan();
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "KHAN");
    press_action(&mut app, Context::Form, Action::NewPerson);
    assert_eq!(field(&app, "Surname"), "KHAN");
    // The cursor is on the first empty field, so what is typed next is the forename.
    type_text(&mut app, "Aaron");
    press_action(&mut app, Context::Form, Action::NewPerson);
    assert_eq!(field(&app, "Surname"), "KHAN");
    assert_eq!(field(&app, "Forenames"), "Aaron");
    key(&mut app, KeyCode::Esc);

    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "KHAN, Aaron 01/05/1987");
    press_action(&mut app, Context::Form, Action::NewPerson);
    assert_eq!(field(&app, "Surname"), "KHAN");
    assert_eq!(field(&app, "Forenames"), "Aaron");
    assert_eq!(field(&app, "Date of birth"), "01/05/1987");
    assert_eq!(
        details(&app).fields[details(&app).focus].label,
        "Sex (m/f/o/u)"
    );
}

#[test]
fn many_candidates_scroll_in_a_window_and_down_picks_another() {
    use sonar_custody::domain::booking::{PersonInput, validate_person};
    let db = demo_db();
    let first = first_khan(&db);
    let mut others = Vec::new();
    {
        let mut store =
            sonar_custody::store::Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
                .unwrap()
                .store;
        for (surname, forenames) in [
            ("Kahn", "Aaron"),
            ("Khan", "Aron"),
            ("Khan", "A"),
            ("Khaan", "Aaron"),
            ("Khan", "Aaron James"),
            ("Khan", "Arron"),
            ("Kan", "Aaron"),
        ] {
            let p = validate_person(
                &PersonInput {
                    surname: surname.into(),
                    forenames: forenames.into(),
                    date_of_birth: "01/05/1987".into(),
                    ..Default::default()
                },
                fixed_now().date_naive(),
            )
            .unwrap();
            others.push(
                store
                    .create_person(&p, Some("test: variants of one name"), fixed_now())
                    .unwrap(),
            );
        }
    }
    let mut app = support::app(&db.path);
    log_in(&mut app, "sergeant", DEMO_PASSWORD);
    new_khan(&mut app);
    let found = details(&app).candidates.len();
    assert_eq!(found, 8, "{}", screen_text(&app, 80, 24));
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains(" Typed: KHAN · Aaron · 01/05/1987 · m"),
        "{text}"
    );
    assert!(
        text.contains(" of 8 shown: up and down for the others"),
        "{text}"
    );
    assert!(text.contains("books in the selected person"), "{text}");
    // Down to the last: it comes into view and Enter books that one in.
    for _ in 0..found {
        key(&mut app, KeyCode::Down);
    }
    let last = details(&app).candidates[found - 1].person.person_id;
    assert!(screen_text(&app, 80, 24).contains("> "), "selection shown");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        details(&app).person.as_ref().map(|p| p.person_id),
        Some(last)
    );
    assert!(last == first || others.contains(&last));
}

/// Issue 12 ("Cells"): two people were booked into C4 without a word. Through the real keys:
/// typing a cell someone in custody is in names them at once; Enter asks why they share, a
/// missing or two-word reason is refused, a reason of a few words books the person in; the
/// board marks both SHARED and the record's summary says why.
#[test]
fn booking_into_an_occupied_cell_warns_and_needs_a_reason() {
    let (_db, mut app) = logged_in("sergeant");
    press_action(&mut app, Context::Board, Action::BookIn);
    type_text(&mut app, "Cellmate");
    press_action(&mut app, Context::Form, Action::NewPerson);
    for value in ["Sam", "14/02/1990", "m", "", "", "PC 1 Hart", "Theft"] {
        type_text(&mut app, value);
        key(&mut app, KeyCode::Enter);
    }
    assert_eq!(field_focused(&app), "Cell");
    // Typed as people type it: lower case, a stray space. The board counts it as C4.
    type_text(&mut app, "c");
    assert!(
        details(&app).occupants.is_empty(),
        "C alone is no one's cell"
    );
    type_text(&mut app, "4 ");
    let warning = "C4 is occupied by Sean O'BRIEN (NG-";
    let text = screen_text(&app, 80, 24);
    assert!(text.contains(warning), "{text}");
    assert!(text.contains("): say why they share, or choose"), "{text}");
    assert!(text.contains("Why they share"), "{text}");
    // Choosing another cell withdraws the warning; back to C4 brings it again.
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "5");
    assert!(details(&app).occupants.len() == 1, "C5 is taken too");
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "30");
    assert!(details(&app).occupants.is_empty());
    assert!(!screen_text(&app, 80, 24).contains("Why they share"));
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "4");
    assert!(screen_text(&app, 80, 24).contains(warning));

    // Enter goes to the reason; Enter with none is refused, and so are two words.
    key(&mut app, KeyCode::Enter);
    assert_eq!(field_focused(&app), "Why they share");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "details");
    let text = screen_text(&app, 80, 24);
    assert!(
        text.contains("Say why they share C4 (at least 3 words), or choose another cell."),
        "{text}"
    );
    type_text(&mut app, "suite full");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "details", "{}", screen_text(&app, 80, 24));
    type_text(&mut app, ", both calm");
    key(&mut app, KeyCode::Enter);
    assert_eq!(step(&app), "form", "{}", screen_text(&app, 80, 24));

    // Back on the board, both people in C4 are marked SHARED.
    press_action(&mut app, Context::Form, Action::Back);
    assert_eq!(step(&app), "board", "{}", screen_text(&app, 80, 24));
    press_action(&mut app, Context::Board, Action::Filter);
    type_text(&mut app, "c4");
    let rows = board_lines(&app);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for name in ["O'BRIEN", "CELLMATE"] {
        let row = rows
            .iter()
            .find(|r| r.contains(name))
            .unwrap_or_else(|| panic!("{name} in C4: {rows:?}"));
        assert!(row.contains("SHARED"), "{row}");
    }

    // The record says the cell is shared, and why, where it shows the cell.
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    type_text(&mut app, "cellmate");
    key(&mut app, KeyCode::Enter);
    let Screen::Record(record) = &app.screen else {
        panic!("the record: {}", screen_text(&app, 80, 24));
    };
    assert_eq!(record.view.shared_cell_reason, "suite full, both calm");
    let text = screen_text(&app, 80, 24);
    // The cell as it was typed for this person; the board counts it as O'Brien's C4.
    assert!(text.contains("cell c4 (shared)"), "{text}");
    assert!(text.contains("Shared cell"), "{text}");
    assert!(text.contains("c4: suite full, both calm"), "{text}");
}

fn field_focused(app: &App) -> &'static str {
    let d = details(app);
    d.fields[d.focus].label
}
