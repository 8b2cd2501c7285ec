//! The pre-release risk assessment (issue 13, part 3), through real keys: the handover review
//! refuses a person without a completed PRRA with one sentence and offers P; the PRRA is filled
//! in with the form's keys; the review then lets the export go ahead. Also through the
//! library: the store refuses too, and what travels (bundle, escort summary, release copy).

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use sonar_custody::app::handover::Step;
use sonar_custody::app::{Action, App, Screen};
use sonar_custody::domain::flag::{FlagCode, Severity};
use sonar_custody::domain::form::{Answer, AnswerValue};
use sonar_custody::domain::handover::NewHandover;
use sonar_custody::handover::export::{self, ExportError, Handover};
use sonar_custody::handover::{Destination, keys};
use sonar_custody::keymap::Context;
use sonar_custody::store::Store;
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
    let escort = std::fs::read_to_string(&outcome.escort_path).unwrap();
    assert!(escort.contains("PRE-RELEASE RISK ASSESSMENT"), "{escort}");
    assert!(
        escort.contains("after release: Yes: first time in custody"),
        "{escort}"
    );
    // On release the person's own copy is written beside them, and the result names it.
    let copy_path = outcome.release_path.clone().expect("a release copy");
    let copy = std::fs::read_to_string(&copy_path).unwrap();
    assert!(copy.contains("Mum, 07700 900123"), "{copy}");
    assert!(screen_text(&app, 120, 30).contains("Person's copy"));
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

fn answer(value: AnswerValue, details: Option<&str>) -> Answer {
    Answer {
        value,
        details: details.map(str::to_string),
    }
}

/// A whole PRRA as the store API takes it (the demo and scripts use the same call).
fn whole_prra() -> Vec<(&'static str, Answer)> {
    vec![
        ("risk_reviewed", answer(AnswerValue::Yes, None)),
        ("vulnerable_on_release", answer(AnswerValue::No, None)),
        ("going_to", answer(AnswerValue::Choice("home".into()), None)),
        (
            "collected_by",
            answer(AnswerValue::Choice("family_or_friend".into()), None),
        ),
        ("health_needs", answer(AnswerValue::No, None)),
        ("seen_by_hcp", answer(AnswerValue::No, None)),
        ("self_harm_now", answer(AnswerValue::No, None)),
        (
            "self_harm_on_release",
            answer(AnswerValue::Yes, Some("charged with a serious offence")),
        ),
        ("substance_use", answer(AnswerValue::No, None)),
        (
            "contact_person",
            answer(AnswerValue::Text("Brother, 07700 900555".into()), None),
        ),
        (
            "signposting",
            answer(
                AnswerValue::Multi(vec!["samaritans".into(), "nhs_111".into()]),
                None,
            ),
        ),
        (
            "leaflets",
            answer(AnswerValue::Yes, Some("Samaritans card")),
        ),
        (
            "referral_made",
            answer(AnswerValue::Yes, Some("Liaison and diversion, today")),
        ),
        ("safe_to_leave", answer(AnswerValue::Yes, None)),
    ]
}

#[test]
fn the_store_refuses_without_a_prra_and_it_travels_in_the_bundle_escort_and_release_copy() {
    let db = demo_db();
    let now = fixed_now();
    let mut store = Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, now)
        .unwrap()
        .store;
    let hughes = store
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.surname == "Hughes")
        .unwrap();
    let (custody_no, detention_id) = (hughes.custody_no.clone(), hughes.detention_id);
    let out = db.dir.path().join("out");
    let release = Handover {
        custody_no: &custody_no,
        destination: Destination::Release,
        receiving_org: "",
        receiving_officer: "",
    };

    // Refused for every destination, before anything is written.
    for destination in [
        Destination::Court,
        Destination::Prison,
        Destination::Hospital,
        Destination::Suite,
        Destination::Release,
    ] {
        let h = Handover {
            destination,
            ..release.clone()
        };
        let err = export::export(&mut store, &h, &out, now).unwrap_err();
        assert!(matches!(err, ExportError::PrraIncomplete(_)), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "the pre-release risk assessment for {custody_no} is not complete: complete it (P on their record) before the person is released or transferred"
            )
        );
    }
    assert!(!out.exists(), "nothing written");
    // The store refuses to record a handover without it too (any caller).
    let refused = store
        .record_handover(
            &NewHandover {
                detention_id,
                destination: "release",
                receiving_org: "",
                receiving_officer: "",
                bundle_id: "x",
                bundle_sha256: "x",
                kid: "x",
                disclosed_flags: "",
                bundle: b"{}",
            },
            now,
        )
        .unwrap_err();
    assert!(
        refused.to_string().contains("pre-release risk assessment"),
        "{refused}"
    );

    // A half-answered PRRA is refused whole, naming what is missing, and nothing is saved.
    let half = &whole_prra()[..3];
    let e = store.complete_prra(detention_id, half, now).unwrap_err();
    assert!(e.to_string().contains("is not answered"), "{e}");
    assert!(store.prra(detention_id).unwrap().answers.is_empty());

    // A self-harm flag and no HCP contact: the caution offers an HCP or a referral.
    store
        .add_flag(
            detention_id,
            FlagCode::SelfHarm,
            Severity::Warning,
            "Said he would kill himself if charged",
            now,
        )
        .unwrap();
    store
        .complete_prra(detention_id, &whole_prra(), now)
        .unwrap();
    let draft = store.handover_draft(&custody_no, now).unwrap();
    let cautions = sonar_custody::domain::transfer::cautions(
        &sonar_custody::handover::leaving(&draft.record, Destination::Release),
        now,
    );
    assert!(
        cautions.contains(
            &"Has health flags (SH) and has not been seen by an HCP: ask for an HCP or make a referral before release."
                .to_string()
        ),
        "{cautions:?}"
    );

    let written = export::export(&mut store, &release, &out, now).unwrap();

    // The bundle: a section holding a completed QuestionnaireResponse.
    let bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&written.bundle_path).unwrap()).unwrap();
    let sections = bundle["entry"][0]["resource"]["section"]
        .as_array()
        .unwrap();
    let section = sections
        .iter()
        .find(|s| s["title"] == "Pre-release risk assessment")
        .expect("a PRRA section");
    let urn = section["entry"][0]["reference"].as_str().unwrap();
    let qr = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fullUrl"] == urn)
        .unwrap()["resource"]
        .clone();
    assert_eq!(qr["resourceType"], "QuestionnaireResponse");
    assert_eq!(qr["status"], "completed");
    let item = qr["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["linkId"] == "self_harm_on_release")
        .unwrap();
    assert_eq!(
        item["answer"][0]["valueString"],
        "Yes: charged with a serious offence"
    );

    // The escort summary: the key answers above the cut line, within 80 columns.
    let escort = std::fs::read_to_string(&written.escort_path).unwrap();
    let (above, _) = escort.split_once("cut here").unwrap();
    assert!(
        above.contains("PRE-RELEASE RISK ASSESSMENT (sergeant,"),
        "{escort}"
    );
    assert!(
        above.contains("after release: Yes: charged with a serious offence"),
        "{escort}"
    );
    assert!(above.contains("Referral: Yes: Liaison and diversion, today"));
    assert!(escort.lines().all(|l| l.chars().count() <= 80), "{escort}");

    // The person's own copy: private, theirs (contacts, services, leaflets, referral), and
    // no police risk narrative.
    let path = written.release_path.clone().unwrap();
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        format!("{custody_no}.release.txt")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let copy = std::fs::read_to_string(&path).unwrap();
    for expected in [
        "Brother, 07700 900555",
        "Samaritans: call 116 123",
        "NHS 111",
        "Samaritans card",
        "Liaison and diversion, today",
    ] {
        assert!(copy.contains(expected), "{expected} missing:\n{copy}");
    }
    for never in [
        "charged with a serious offence",
        "kill himself",
        "SH",
        "flag",
        "Self-harm",
    ] {
        assert!(
            !copy.contains(never),
            "{never} in the person's copy:\n{copy}"
        );
    }
    assert!(copy.lines().all(|l| l.chars().count() <= 80), "{copy}");

    // The third-party checks (tests/interop/check_bundle.py: fhir.resources and cryptography)
    // accept the bundle with its QuestionnaireResponse.
    let jwk = db.dir.path().join("suite.jwk");
    let public = store.public_keys().unwrap()[0].key;
    std::fs::write(&jwk, keys::public_jwk(&public).to_string()).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_bundle.py");
    let run = std::process::Command::new("python3")
        .arg(&script)
        .arg(&written.bundle_path)
        .arg(&jwk)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "the third-party checks failed: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}
