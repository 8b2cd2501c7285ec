//! The HCP's record entries through the real keys: confirming medicines the person reported at
//! the screen into the medication list (counting the keys), recording an assessment so the
//! board and other roles see who saw the person and when, and adding an allergy found later.

mod support;

use crossterm::event::KeyCode;
use sonar_custody::app::{App, Screen};
use sonar_custody::domain::form::{
    Answer, AnswerValue, HEALTH_SCREEN, embedded_form, embedded_forms,
};
use sonar_custody::domain::record::FactKind;
use sonar_custody::domain::rules::embedded_rules;
use sonar_custody::store::Store;
use support::*;

/// Saves the health screen's medicine answers for `surname` through the store, as the screen
/// does: three medicines the person says they take.
fn screen_three_medicines(db: &std::path::Path, surname: &str) -> i64 {
    let mut hcp = Store::unlock(db, "hcp", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let det = hcp
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.surname == surname)
        .unwrap()
        .detention_id;
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    let row = |n: &str, d: &str, f: &str| {
        [
            ("name", n),
            ("dose", d),
            ("frequency", f),
            ("last_taken", "08:00"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    for (q, value) in [
        ("taking_medicines", AnswerValue::Yes),
        (
            "medicines",
            AnswerValue::Group(vec![
                row("Levetiracetam", "500 mg", "twice daily"),
                row("Sertraline", "50 mg", "once daily"),
                row("Omeprazole", "20 mg", "od"),
            ]),
        ),
    ] {
        hcp.save_answer(
            det,
            &hs,
            &rules,
            q,
            &Answer {
                value,
                details: None,
            },
            None,
            fixed_now(),
        )
        .unwrap();
    }
    det
}

fn record(app: &App) -> &sonar_custody::app::RecordState {
    match &app.screen {
        Screen::Record(r) => r,
        _ => panic!("not on the record:\n{}", screen_text(app, 120, 40)),
    }
}

fn open(app: &mut App, filter: &str) {
    type_text(app, &format!("/{filter}"));
    key(app, KeyCode::Enter);
}

#[test]
fn three_reported_medicines_are_confirmed_in_fifteen_keys_without_retyping() {
    let db = demo_db();
    screen_three_medicines(&db.path, "Singh");
    let mut app = support::app(&db.path);
    log_in(&mut app, "hcp", DEMO_PASSWORD);
    open(&mut app, "Singh");
    let reported = |app: &App| {
        record(app)
            .view
            .record
            .of_kind(FactKind::ReportedMedicine)
            .count()
    };
    assert_eq!(reported(&app), 3);
    assert!(record(&app).view.medications.is_empty());
    let mut keys = 0;
    for _ in 0..3 {
        // a: add; v: confirm a reported medicine; 1: the first still waiting; g: verified with
        // the GP; Enter: save.
        type_text(&mut app, "av1g");
        key(&mut app, KeyCode::Enter);
        keys += 5;
        assert!(
            app.message
                .as_ref()
                .is_some_and(|m| m.text.contains("confirmed into the medication list")),
            "{}",
            screen_text(&app, 120, 40)
        );
    }
    assert_eq!(keys, 15);
    assert_eq!(reported(&app), 0);
    let names: Vec<_> = record(&app)
        .view
        .medications
        .iter()
        .map(|m| m.name.clone())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for n in ["Levetiracetam", "Sertraline", "Omeprazole"] {
        assert!(names.iter().any(|m| m == n), "{n} missing from {names:?}");
    }
    assert!(
        record(&app)
            .view
            .medications
            .iter()
            .all(|m| m.verified_with == "gp")
    );
}

#[test]
fn an_unschedulable_frequency_opens_the_medicine_sheet_filled_from_the_report() {
    let db = demo_db();
    let det = screen_three_medicines(&db.path, "Singh");
    // A fourth, reported as the person said it.
    let mut hcp = Store::unlock(&db.path, "hcp", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    hcp.add_record_entry(
        det,
        &sonar_custody::domain::record::Fact::ReportedMedicine {
            name: "Salbutamol".into(),
            dose: "2 puffs".into(),
            frequency: "when I need it".into(),
            last_taken: String::new(),
            next_due: String::new(),
            source: sonar_custody::domain::record::MedicineSource::PackagingSeen,
            verified: false,
        },
        fixed_now(),
    )
    .unwrap();
    drop(hcp);
    let mut app = support::app(&db.path);
    log_in(&mut app, "hcp", DEMO_PASSWORD);
    open(&mut app, "Singh");
    // The newest report (Salbutamol) is offered first.
    type_text(&mut app, "av1n");
    key(&mut app, KeyCode::Enter);
    let screen = screen_text(&app, 120, 40);
    assert!(screen.contains("Medicine"), "{screen}");
    assert!(
        screen.contains("Salbutamol") && screen.contains("2 puffs"),
        "{screen}"
    );
    assert!(screen.contains("when I need it"), "{screen}");
    assert!(screen.contains("od, bd, tds, qds"), "{screen}");
    // Only what the report lacked is typed: the frequency as prn, and the route (inhaled).
    key_with(
        &mut app,
        KeyCode::Char('u'),
        crossterm::event::KeyModifiers::CONTROL,
    );
    type_text(&mut app, "prn");
    key(&mut app, KeyCode::F(8));
    assert!(screen_text(&app, 120, 40).contains("Route is needed."));
    type_text(&mut app, "i");
    key(&mut app, KeyCode::F(8));
    let meds: Vec<_> = record(&app)
        .view
        .medications
        .iter()
        .map(|m| (m.name.clone(), m.frequency.clone()))
        .collect();
    assert!(
        meds.contains(&("Salbutamol".into(), "prn".into())),
        "{meds:?}\n{}",
        screen_text(&app, 120, 40)
    );
}

#[test]
fn an_assessment_shows_who_saw_the_person_on_the_board_for_every_role() {
    let db = demo_db();
    let mut app = support::app(&db.path);
    log_in(&mut app, "hcp", DEMO_PASSWORD);
    open(&mut app, "Singh");
    assert!(record(&app).view.entry.last_seen.is_none());
    // a h: assessment or contact; a: assessment; Enter: seen now; the note; Enter saves.
    type_text(&mut app, "aha");
    key(&mut app, KeyCode::Enter);
    type_text(
        &mut app,
        "Seen in cell C-: well, no concerns; asthma inhaler in property.",
    );
    key(&mut app, KeyCode::Enter);
    let seen = record(&app).view.entry.last_seen.clone().expect("seen");
    assert_eq!(
        (seen.by.as_str(), seen.what.as_str()),
        ("hcp", "assessment")
    );
    drop(app);
    // A detention officer's board shows it, and the note is not theirs to read.
    let mut officer = support::app(&db.path);
    log_in(&mut officer, "officer", DEMO_PASSWORD);
    let row = board_lines(&officer)
        .into_iter()
        .find(|l| l.contains("SINGH"))
        .expect("Singh on the board");
    assert!(row.contains("14:00"), "the HCP column says when: {row}");
    open(&mut officer, "Singh");
    let view = &record(&officer).view;
    assert!(view.record.contacts.iter().all(|c| c.note.is_none()));
}

#[test]
fn an_allergy_found_later_is_on_the_board_until_marked_entered_in_error() {
    let db = demo_db();
    let mut app = support::app(&db.path);
    log_in(&mut app, "hcp", DEMO_PASSWORD);
    open(&mut app, "Singh");
    type_text(&mut app, "al");
    type_text(&mut app, "Latex");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "hives on the hands");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "2");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        record(&app).view.record.allergy_line(),
        "ALLERGIES: Latex (hives on the hands, moderate)"
    );
    drop(app);
    let sergeant_row = {
        let mut sergeant = support::app(&db.path);
        log_in(&mut sergeant, "sergeant", DEMO_PASSWORD);
        board_lines(&sergeant)
            .into_iter()
            .find(|l| l.contains("SINGH"))
            .unwrap()
    };
    assert!(sergeant_row.contains("ALLERGY"), "{sergeant_row}");
    // Typed for the wrong person: marked entered in error, kept with the reason.
    let mut app = support::app(&db.path);
    log_in(&mut app, "hcp", DEMO_PASSWORD);
    open(&mut app, "Singh");
    type_text(&mut app, "ax1");
    type_text(&mut app, "typed for the wrong person");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        record(&app).view.record.allergy_line(),
        "Allergies: not yet recorded",
        "{}",
        screen_text(&app, 120, 40)
    );
    let store = Store::unlock(&db.path, "hcp", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let kept: String = store
        .conn_for_reports()
        .query_row(
            "SELECT ended_reason FROM record_entry WHERE fact LIKE '%Latex%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "entered in error: typed for the wrong person");
    drop(app);
    let mut sergeant = support::app(&db.path);
    log_in(&mut sergeant, "sergeant", DEMO_PASSWORD);
    let row = board_lines(&sergeant)
        .into_iter()
        .find(|l| l.contains("SINGH"))
        .unwrap();
    assert!(!row.contains("ALLERGY"), "{row}");
}
