//! The pre-release risk assessment (issue 13, part 3), through real keys: the handover review
//! refuses a person without a completed PRRA with one sentence and offers P; the PRRA is filled
//! in with the form's keys; the review then lets the export go ahead. Also through the
//! library: the store refuses too, and what travels (bundle, escort summary, release copy).

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use sonar_custody::app::handover::Step;
use sonar_custody::app::{Action, App, Screen};
use sonar_custody::keymap::Context;
use support::*;

/// Filters the board to `surname` and opens their record.
fn open_record_of(app: &mut App, surname: &str) {
    key(app, KeyCode::Char('/'));
    type_text(app, surname);
    key(app, KeyCode::Enter);
    let Screen::Record(r) = &app.screen else {
        panic!(
            "{surname}'s record should open:\n{}",
            screen_text(app, 80, 24)
        );
    };
    assert_eq!(r.view.entry.surname, surname);
}

fn status(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// Answers the PRRA on screen with the form's own keys: y/n, choice digits, typed text and
/// Enter, the multi-choice digits then Enter, and the complete key.
fn fill_prra(app: &mut App) {
    let step = |app: &mut App, keys: &str| {
        type_text(app, keys);
    };
    step(app, "y"); // reviewed the risk assessment
    step(app, "n"); // not vulnerable on release
    step(app, "1"); // going home
    step(app, "2"); // collected by family or a friend
    step(app, "n"); // no health needs
    step(app, "n"); // not seen by an HCP
    step(app, "n"); // no thoughts of self-harm now
    step(app, "y"); // a risk after release: details follow
    type_text(app, "first time in custody");
    key(app, KeyCode::Enter);
    step(app, "n"); // no substance use needing support
    type_text(app, "Mum, 07700 900123");
    key(app, KeyCode::Enter);
    step(app, "31"); // Samaritans and the GP
    key(app, KeyCode::Enter);
    step(app, "y"); // leaflets: which
    type_text(app, "Samaritans card");
    key(app, KeyCode::Enter);
    step(app, "n"); // no referral...
    step(app, "2"); // ...offered, declined
    step(app, "y"); // safe to leave
    press_action(app, Context::Form, Action::CompleteForm);
}

#[test]
fn release_is_refused_without_a_prra_until_it_is_filled_in_through_keys() {
    let (_db, mut app) = logged_in("sergeant");
    // Hughes arrived minutes ago: the demo gives him no PRRA.
    open_record_of(&mut app, "Hughes");
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("handovers");
    press_action(&mut app, Context::Record, Action::ExportHandover);
    type_text(&mut app, "r");
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    key_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, dir.to_str().unwrap());
    key(&mut app, KeyCode::Enter);

    // The review says why in one sentence and offers P; Enter does not go on.
    let sentence = "The pre-release risk assessment for ";
    let text = screen_text(&app, 100, 30);
    assert!(text.contains(sentence), "{text}");
    assert!(
        text.contains("Press P to complete the pre-release risk assessment"),
        "{text}"
    );
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.handover.as_ref().unwrap().step, Step::Review(_)),
        "Enter does not reach the confirmation"
    );
    let said = status(&app);
    assert!(said.starts_with(sentence), "{said}");
    assert!(
        said.ends_with("before the person is released or transferred."),
        "{said}"
    );
    assert_eq!(said.matches(". ").count(), 0, "one sentence: {said}");

    // P opens the PRRA over the record, at its first question.
    key(&mut app, KeyCode::Char('P'));
    assert!(app.prra.is_some(), "P opens the PRRA");
    assert_eq!(app.context(), Context::Form);
    let text = screen_text(&app, 100, 30);
    assert!(text.contains("Pre-release risk assessment"), "{text}");
    assert!(
        text.contains("reviewed the booking-in risk assessment"),
        "{text}"
    );

    // Completing too early names what is missing and keeps the form open.
    type_text(&mut app, "y");
    press_action(&mut app, Context::Form, Action::CompleteForm);
    assert!(app.prra.is_some());
    assert!(status(&app).contains("is not answered"), "{}", status(&app));
    press_action(&mut app, Context::Form, Action::Back);
    assert!(app.prra.is_none(), "Esc puts it aside, saved");
    assert!(status(&app).contains("1 of"), "{}", status(&app));
    let h = app.handover.as_ref().unwrap();
    let Step::Review(r) = &h.step else {
        panic!("back on the review")
    };
    assert!(r.prra_missing.is_some(), "still refused");

    // Again with P: it resumes at the second question; every answer by key.
    key(&mut app, KeyCode::Char('p'));
    assert!(app.prra.is_some());
    let f = app.prra.as_ref().unwrap();
    assert_eq!(
        f.current, "vulnerable_on_release",
        "resumes where it stopped"
    );
    // The first answer was saved already: answering from the second question on.
    let rest = |app: &mut App| {
        type_text(app, "n");
        type_text(app, "1");
        type_text(app, "2");
        type_text(app, "nnn");
        type_text(app, "y");
        type_text(app, "first time in custody");
        key(app, KeyCode::Enter);
        type_text(app, "n");
        type_text(app, "Mum, 07700 900123");
        key(app, KeyCode::Enter);
        type_text(app, "31");
        key(app, KeyCode::Enter);
        type_text(app, "y");
        type_text(app, "Samaritans card");
        key(app, KeyCode::Enter);
        type_text(app, "n2y");
        press_action(app, Context::Form, Action::CompleteForm);
    };
    rest(&mut app);
    assert!(
        app.prra.is_none(),
        "completing closes the PRRA: {}\n{}",
        status(&app),
        screen_text(&app, 100, 30)
    );
    let Step::Review(r) = &app.handover.as_ref().unwrap().step else {
        panic!("back on the review")
    };
    assert_eq!(r.prra_missing, None, "the review is rebuilt: no refusal");
    let text = screen_text(&app, 100, 30);
    assert!(!text.contains(sentence), "{text}");
    // Not seen by an HCP, but no health flags: no HCP caution for Hughes.
    assert!(!text.contains("has not been seen by an HCP"), "{text}");

    // The export goes ahead: confirm, hand over, files written (the release copy too).
    key(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.handover.as_ref().unwrap().step,
        Step::Confirm(_)
    ));
    key(&mut app, KeyCode::Enter);
    let Some(Step::Done(outcome)) = app.handover.as_ref().map(|h| h.step.clone()) else {
        panic!("the export should be done:\n{}", screen_text(&app, 100, 30));
    };
    assert!(outcome.bundle_path.is_file());
    assert!(outcome.escort_path.is_file());
}

#[test]
fn the_record_key_opens_the_prra_and_fills_it() {
    let (_db, mut app) = logged_in("sergeant");
    open_record_of(&mut app, "Hughes");
    press_action(&mut app, Context::Record, Action::OpenPrra);
    assert!(app.prra.is_some(), "the record's key opens the PRRA");
    fill_prra(&mut app);
    assert!(app.prra.is_none(), "{}", status(&app));
    assert!(status(&app).contains("Pre-release risk assessment completed"));
    let Screen::Record(r) = &app.screen else {
        panic!("back on the record")
    };
    assert!(r.view.prra.is_complete(), "the record reads it again");
}
