//! Booking-in through the store: search, create, book in (custody numbers, AA flag), the
//! already-known flags, answers committed as entered and surviving a dropped session, resume
//! at the first unanswered question, completion naming what is missing, amendments as
//! versions, flags from rules tied to their answer, flags by hand and entered in error.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sonar_custody::domain::booking::{PersonInput, ValidPerson, parse_query, validate_person};
use sonar_custody::domain::flag::{FlagCode, Severity};
use sonar_custody::domain::form::{
    Answer, AnswerValue, BOOKING_RISK, HEALTH_SCREEN, embedded_form, embedded_forms,
};
use sonar_custody::domain::person::DuplicateReason;
use sonar_custody::domain::rules::embedded_rules;
use sonar_custody::store::booking::Booking;
use sonar_custody::store::{Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn suite() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let store = sonar_custody::demo::create(&db, 50, now(), &mut |_, _| {}).unwrap();
    drop(store);
    (dir, db)
}

fn login(db: &std::path::Path, who: &str) -> Store {
    Store::unlock(db, who, "demo", now()).unwrap().store
}

fn yes() -> Answer {
    Answer {
        value: AnswerValue::Yes,
        details: None,
    }
}
fn no() -> Answer {
    Answer {
        value: AnswerValue::No,
        details: None,
    }
}

/// Each booking its own empty cell (T1, T2…; the demo's people fill C1 to C19): sharing a
/// cell needs a reason, which only the shared-cell test gives.
fn booking() -> Booking {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Booking {
        arrived_at: now(),
        authorised_at: Some(now() + Duration::minutes(10)),
        arresting_officer: "PC 1 Test".into(),
        reason: "Theft".into(),
        cell: format!("T{n}"),
        shared_cell_reason: None,
    }
}

fn person(surname: &str, forenames: &str, dob: &str, nhs: &str, pnc: &str) -> ValidPerson {
    validate_person(
        &PersonInput {
            surname: surname.into(),
            forenames: forenames.into(),
            date_of_birth: dob.into(),
            nhs_number: nhs.into(),
            pnc_id: pnc.into(),
            ..Default::default()
        },
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    )
    .unwrap()
}

/// A new person with an NHS number and a PNC id.
fn new_person_with_ids(store: &mut Store, surname: &str, dob: &str) -> i64 {
    let p = person(surname, "Alex", dob, "4010232137", "2023/1234567v");
    store.create_person(&p, None, now()).unwrap()
}

/// A new person with no identifiers (several in one suite, so none is a duplicate).
fn new_person(store: &mut Store, surname: &str, dob: &str) -> i64 {
    let p = person(surname, "Alex", dob, "", "");
    store.create_person(&p, None, now()).unwrap()
}

#[test]
fn search_finds_by_each_key_and_lists_detentions() {
    let (_dir, db) = suite();
    let mut s = login(&db, "sergeant");
    let id = new_person_with_ids(&mut s, "Ñúñez-Ölander", "02/03/1990");
    for q in [
        "nunez",
        "ÑUÑ",
        "nunez-olander alex",
        "nun al 02/03/1990",
        "ÑUÑEZ ÁL",
        "401 023 2137",
        "23/1234567V",
        "1990-03-02",
    ] {
        let found = s.search_people(&parse_query(q, 2026), 50).unwrap();
        assert!(found.iter().any(|m| m.person_id == id), "{q} did not find");
    }
    for q in ["nunez bo", "nunez 01/01/1990", "9434765919"] {
        let found = s.search_people(&parse_query(q, 2026), 50).unwrap();
        assert!(
            !found.iter().any(|m| m.person_id == id),
            "{q} found wrongly"
        );
    }
    let booked = s.book_in(id, &booking(), now()).unwrap();
    let found = s.search_people(&parse_query("nunez", 2026), 50).unwrap();
    let m = found.iter().find(|m| m.person_id == id).unwrap();
    assert_eq!(m.detention_count, 1);
    assert_eq!(m.detentions[0].0, booked.custody_no);
    assert!(m.detentions[0].2, "in custody now");
    // Booking the same person twice is refused.
    let e = s.book_in(id, &booking(), now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "this person is already in custody here: open their record instead"
    );
}

#[test]
fn the_store_refuses_a_possible_duplicate_without_a_reason() {
    let (_dir, db) = suite();
    let mut s = login(&db, "sergeant");
    let first = s
        .create_person(&person("KHAN", "Aaron", "01/05/1987", "", ""), None, now())
        .unwrap();
    s.book_in(first, &booking(), now()).unwrap();
    let people_before = s.count_rows("person").unwrap();
    // A spelling variant, the same date of birth: refused, naming the person found.
    let again = person("Kahn", "Aron", "01/05/1987", "", "");
    let found = s.possible_duplicates(&again).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].person.person_id, first);
    assert_eq!(found[0].reasons, vec![DuplicateReason::NameAndDateOfBirth]);
    assert_eq!(found[0].person.detention_count, 1);
    let e = s.create_person(&again, None, now()).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert!(e.to_string().contains(&format!("person {first}")), "{e}");
    // A blank reason is no reason.
    assert!(s.create_person(&again, Some("   "), now()).is_err());
    assert_eq!(s.count_rows("person").unwrap(), people_before);
    // Another date of birth is another person; an identifier matches whatever the name.
    assert!(
        s.possible_duplicates(&person("KHAN", "Aaron", "02/05/1987", "", ""))
            .unwrap()
            .is_empty()
    );
    let with_nhs = s
        .create_person(
            &person("Other", "Name", "03/03/1970", "4010232137", ""),
            None,
            now(),
        )
        .unwrap();
    let found = s
        .possible_duplicates(&person("Different", "Person", "", "401 023 2137", ""))
        .unwrap();
    assert_eq!(found[0].person.person_id, with_nhs);
    assert_eq!(found[0].reasons, vec![DuplicateReason::SameNhsNumber]);
    // With a reason it is created, and the audit names the reason and the candidate.
    let id = s
        .create_person(&again, Some("twin brother, different person"), now())
        .unwrap();
    assert_ne!(id, first);
    let detail: String = s
        .conn_for_reports()
        .query_row(
            "SELECT detail FROM audit WHERE subject = ?1 AND detail LIKE '%reason:%'",
            [format!("person {id}")],
            |r| r.get(0),
        )
        .expect("an audit row for the reason");
    assert!(
        detail.contains("twin brother, different person")
            && detail.contains(&format!("person {first}")),
        "{detail}"
    );
}

#[test]
fn custody_numbers_are_unique_and_juveniles_get_the_aa_flag() {
    let (_dir, db) = suite();
    let mut s = login(&db, "sergeant");
    let adult = new_person(&mut s, "Adult", "01/01/1980");
    let child = new_person(&mut s, "Child", "24/11/2008");
    let a = s.book_in(adult, &booking(), now()).unwrap();
    let c = s.book_in(child, &booking(), now()).unwrap();
    assert_ne!(a.custody_no, c.custody_no);
    assert!(a.custody_no.starts_with("NG-26-"), "{}", a.custody_no);
    assert!(!a.appropriate_adult_flag);
    assert!(c.appropriate_adult_flag);
    let flags = s.detention_flags(c.detention_id).unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].code, "AA");
    let board = s.in_custody().unwrap();
    let row = board
        .iter()
        .find(|e| e.detention_id == c.detention_id)
        .unwrap();
    assert_eq!(row.flags, vec![("AA".to_string(), "warning".to_string())]);
}

#[test]
fn answers_survive_a_dropped_session_and_the_form_resumes_at_the_gap() {
    let (_dir, db) = suite();
    let form = embedded_form(BOOKING_RISK).unwrap();
    let rules = embedded_rules(&embedded_forms().unwrap()).unwrap();
    let (det, entered) = {
        let mut s = login(&db, "sergeant");
        let id = new_person(&mut s, "Resume", "01/01/1980");
        let det = s.book_in(id, &booking(), now()).unwrap().detention_id;
        let mut entered = Vec::new();
        for q in form.applicable(&Default::default()).into_iter().take(5) {
            s.save_answer(det, &form, &rules, &q.id, &no(), None, now())
                .unwrap();
            entered.push(q.id.clone());
        }
        // Dropped without completing, as a killed terminal would.
        (det, entered)
    };
    let s = login(&db, "sergeant");
    let state = s.form_state(det, BOOKING_RISK).unwrap();
    for q in &entered {
        assert_eq!(state.answers.get(q), Some(&no()), "{q} lost");
    }
    let next = form.first_unanswered(&state.answers).unwrap();
    let sixth = &form.applicable(&state.answers)[5];
    assert_eq!(next.id, sixth.id);
    assert_eq!(
        form.progress(&state.answers),
        (5, form.applicable(&state.answers).len())
    );
}

#[test]
fn completion_names_what_is_missing_and_amendments_are_versions_with_a_reason() {
    let (_dir, db) = suite();
    let form = embedded_form(BOOKING_RISK).unwrap();
    let rules = embedded_rules(&embedded_forms().unwrap()).unwrap();
    let mut s = login(&db, "sergeant");
    let id = new_person(&mut s, "Complete", "01/01/1980");
    let det = s.book_in(id, &booking(), now()).unwrap().detention_id;
    // The questions that apply to this person (their facts come with the form's state).
    let questions: Vec<String> = form
        .applicable(&s.form_state(det, BOOKING_RISK).unwrap().answers)
        .iter()
        .map(|q| q.id.clone())
        .collect();
    for q in questions.iter().filter(|q| *q != "pnd_checked") {
        s.save_answer(det, &form, &rules, q, &no(), None, now())
            .unwrap();
    }
    let e = s.complete_form(det, &form, now()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The form cannot be completed: \"Have local records and the Police National Database (PND) been checked?\" is not answered"
    );
    s.save_answer(det, &form, &rules, "pnd_checked", &yes(), None, now())
        .unwrap();
    s.complete_form(det, &form, now()).unwrap();
    // After completion, a change needs a reason and is a new version.
    let later = now() + Duration::minutes(30);
    let e = s
        .save_answer(det, &form, &rules, "self_harm_now", &yes(), None, later)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the form has been completed, so a change needs a reason"
    );
    let saved = s
        .save_answer(
            det,
            &form,
            &rules,
            "self_harm_now",
            &yes(),
            Some("disclosed to the detention officer at the first visit"),
            later,
        )
        .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.raised.len(), 1);
    assert_eq!(saved.raised[0].code, FlagCode::SelfHarm);
    let history = s
        .answer_history(det, BOOKING_RISK, "self_harm_now")
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].answer, no());
    assert_eq!(history[1].answer, yes());
    assert_eq!(history[1].answered_by, "sergeant");
    assert!(
        history[1]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("disclosed")
    );
    // The answer table refuses edits and deletes.
    drop(s);
    let s = login(&db, "sergeant");
    let conn = s.conn_for_reports();
    assert!(conn.execute("UPDATE answer SET value = '{}'", []).is_err());
    assert!(conn.execute("DELETE FROM answer", []).is_err());
    assert!(conn.execute("DELETE FROM flag", []).is_err());
}

#[test]
fn rules_raise_flags_tied_to_their_answer_once_and_hand_flags_need_reasons() {
    let (_dir, db) = suite();
    let form = embedded_form(BOOKING_RISK).unwrap();
    let rules = embedded_rules(&embedded_forms().unwrap()).unwrap();
    let mut s = login(&db, "sergeant");
    let id = new_person(&mut s, "Flags", "01/01/1980");
    let det = s.book_in(id, &booking(), now()).unwrap().detention_id;
    s.save_answer(
        det,
        &form,
        &rules,
        "injury",
        &Answer {
            value: AnswerValue::Yes,
            details: Some("cut to forehead".into()),
        },
        None,
        now(),
    )
    .unwrap();
    let r = s
        .save_answer(det, &form, &rules, "head_injury", &yes(), None, now())
        .unwrap();
    assert_eq!(
        r.raised.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["head_injury"]
    );
    let r = s
        .save_answer(
            det,
            &form,
            &rules,
            "appears_intoxicated",
            &yes(),
            None,
            now(),
        )
        .unwrap();
    let mut fired: Vec<&str> = r.raised.iter().map(|f| f.rule.as_str()).collect();
    fired.sort_unstable();
    assert_eq!(fired, ["head_injury_intoxicated", "intoxicated"]);
    // Saying it again raises nothing new.
    let r = s
        .save_answer(
            det,
            &form,
            &rules,
            "appears_intoxicated",
            &yes(),
            None,
            now(),
        )
        .unwrap();
    assert!(r.raised.is_empty());
    assert!(r.no_longer_follows.is_empty(), "every flag still follows");
    // Changed to "no": the two flags it raised no longer follow. They stay (a person
    // decides), and the save says which, so the screen can prompt.
    let r = s
        .save_answer(
            det,
            &form,
            &rules,
            "appears_intoxicated",
            &no(),
            None,
            now(),
        )
        .unwrap();
    assert_eq!(r.no_longer_follows, ["ALC", "HI"]);
    assert!(
        s.detention_flags(det)
            .unwrap()
            .iter()
            .any(|f| f.code == "ALC" && f.entered_in_error.is_none()),
        "a changed answer removes no flag"
    );
    s.save_answer(
        det,
        &form,
        &rules,
        "appears_intoxicated",
        &yes(),
        None,
        now(),
    )
    .unwrap();
    let flags = s.detention_flags(det).unwrap();
    let hi = flags
        .iter()
        .find(|f| f.rule_id.as_deref() == Some("head_injury_intoxicated"))
        .unwrap();
    assert_eq!(hi.severity, "alert");
    assert_eq!(
        hi.raised_by_answer.as_deref(),
        Some("booking_risk.appears_intoxicated")
    );

    // The record says which answer raised each flag.
    let view = s.open_record(det, None, now()).unwrap().unwrap();
    assert!(view.flags.iter().any(|f| f.code == "HI"
        && f.severity == "alert"
        && f.raised_by_answer.as_deref() == Some("booking_risk.appears_intoxicated")));
    assert!(view.flags.iter().any(|f| f.code == "HI"
        && f.severity == "warning"
        && f.raised_by_answer.as_deref() == Some("booking_risk.head_injury")));

    // By hand: a reason is required.
    let e = s
        .add_flag(det, FlagCode::Violence, Severity::Warning, "  ", now())
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e}");
    let vio = s
        .add_flag(
            det,
            FlagCode::Violence,
            Severity::Warning,
            "Spat at the arresting officer",
            now(),
        )
        .unwrap();
    // Entered in error: a reason, once, and never deleted.
    assert!(s.mark_flag_in_error(vio, " ", now()).is_err());
    s.mark_flag_in_error(vio, "Wrong detainee", now()).unwrap();
    assert_eq!(
        s.mark_flag_in_error(vio, "again", now())
            .unwrap_err()
            .to_string(),
        "the VIO flag is already marked entered in error"
    );
    let flags = s.detention_flags(det).unwrap();
    let v = flags.iter().find(|f| f.flag_id == vio).unwrap();
    assert_eq!(v.entered_in_error.as_ref().unwrap().2, "Wrong detainee");
    let board = s.in_custody().unwrap();
    let row = board.iter().find(|e| e.detention_id == det).unwrap();
    assert!(!row.flags.iter().any(|f| f.0 == "VIO"));
    assert!(
        row.flags
            .iter()
            .any(|f| f == &("HI".to_string(), "alert".to_string()))
    );
}

#[test]
fn the_health_screen_is_for_clinicians_and_known_flags_carry_over() {
    let (_dir, db) = suite();
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    let risk = embedded_form(BOOKING_RISK).unwrap();
    let rules = embedded_rules(&embedded_forms().unwrap()).unwrap();
    let mut s = login(&db, "sergeant");
    let id = new_person(&mut s, "Known", "01/01/1980");
    let first = s.book_in(id, &booking(), now()).unwrap().detention_id;
    let e = s
        .save_answer(first, &hs, &rules, "taking_medicines", &yes(), None, now())
        .unwrap_err();
    assert!(matches!(e, StoreError::Refused(_)), "{e}");
    s.save_answer(
        first,
        &risk,
        &rules,
        "self_harm_past",
        &Answer {
            value: AnswerValue::Yes,
            details: Some("overdose".into()),
        },
        None,
        now(),
    )
    .unwrap();
    s.save_answer(
        first,
        &risk,
        &rules,
        "self_harm_when",
        &Answer {
            value: AnswerValue::Choice("within_year".into()),
            details: None,
        },
        None,
        now(),
    )
    .unwrap();
    drop(s);
    let mut h = login(&db, "hcp");
    h.save_answer(first, &hs, &rules, "taking_medicines", &yes(), None, now())
        .unwrap();
    // Close the first detention and book the person in again.
    h.conn_for_reports()
        .execute(
            "UPDATE detention SET closed_at = '2026-11-23T20:00:00Z' WHERE id = ?1",
            [first],
        )
        .unwrap();
    let later = now() + Duration::days(30);
    // An HCP starts a booking but does not authorise detention (PACE s.37: the sergeant does).
    let refused = h.book_in(id, &booking(), later).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "a healthcare practitioner may not authorise detention: a custody sergeant does it (PACE s.37)"
    );
    let unauthorised = Booking {
        authorised_at: None,
        ..booking()
    };
    let second = h.book_in(id, &unauthorised, later).unwrap().detention_id;
    let known = h.known_flags(id, Some(second)).unwrap();
    let mut codes: Vec<&str> = known.iter().map(|k| k.code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["MED", "SH", "SH"]);
    assert!(known.iter().all(|k| k.custody_no.is_some()));
    h.acknowledge_banner(second, known.len(), later).unwrap();
    assert!(h.banner_acknowledged(second).unwrap());
    let carried = h.carried_answers(second, BOOKING_RISK).unwrap();
    assert_eq!(
        carried.get("self_harm_when").unwrap().answer.value,
        AnswerValue::Choice("within_year".into())
    );
    // Carried answers are offered, not saved.
    assert!(
        h.form_state(second, BOOKING_RISK)
            .unwrap()
            .answers
            .keys()
            .all(|k| k.starts_with("person."))
    );
}

/// Issue 12 ("Cells"): two people were put in C4 without a word. The store itself refuses an
/// occupied cell (compared as the board does) without a reason of a few words, writes
/// nothing when it refuses, and with a reason stores it and audits the sharing by custody
/// number only.
#[test]
fn the_store_refuses_an_occupied_cell_without_a_reason() {
    let (_dir, db) = suite();
    let mut s = login(&db, "sergeant");
    let obrien: String = s
        .conn_for_reports()
        .query_row(
            "SELECT d.custody_no FROM detention d JOIN person p ON p.id = d.person_id
             WHERE p.surname = 'O''Brien' AND d.closed_at IS NULL AND d.cell = 'C4'",
            [],
            |r| r.get(0),
        )
        .expect("the demo's O'Brien in C4");
    let found = s.cell_occupants(" c4 ").unwrap();
    assert_eq!(
        found
            .iter()
            .map(|o| o.custody_no.as_str())
            .collect::<Vec<_>>(),
        [obrien.as_str()]
    );
    assert!(s.cell_occupants("").unwrap().is_empty());

    let id = new_person(&mut s, "Sharer", "01/01/1990");
    let audit_rows = |s: &Store| -> i64 {
        s.conn_for_reports()
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .unwrap()
    };
    let audit_before = audit_rows(&s);
    let into_c4 = Booking {
        cell: " c4 ".into(),
        ..booking()
    };
    for reason in [None, Some(""), Some("ok then")] {
        let e = s
            .book_in(
                id,
                &Booking {
                    shared_cell_reason: reason.map(String::from),
                    ..into_c4.clone()
                },
                now(),
            )
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "C4 is occupied by {obrien}: give the reason they share (a few words), or choose another cell"
            )
        );
    }
    assert_eq!(s.open_detention(id).unwrap(), None, "nothing written");
    assert_eq!(audit_rows(&s), audit_before);

    let booked = s
        .book_in(
            id,
            &Booking {
                shared_cell_reason: Some("  suite full,  both calm and cooperative ".into()),
                ..into_c4
            },
            now(),
        )
        .unwrap();
    let stored: String = s
        .conn_for_reports()
        .query_row(
            "SELECT shared_cell_reason FROM detention WHERE id = ?1",
            [booked.detention_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "suite full, both calm and cooperative");
    let detail: String = s
        .conn_for_reports()
        .query_row(
            "SELECT detail FROM audit WHERE subject = ?1 AND detail LIKE 'cell %'",
            [booked.detention_id.to_string()],
            |r| r.get(0),
        )
        .expect("an audit row for the shared cell");
    assert_eq!(
        detail,
        format!("cell C4 shared with {obrien}; reason: suite full, both calm and cooperative")
    );
    assert!(!detail.to_lowercase().contains("brien"), "{detail}");
    let view = s
        .open_record(booked.detention_id, None, now())
        .unwrap()
        .unwrap();
    assert_eq!(
        view.shared_cell_reason,
        "suite full, both calm and cooperative"
    );

    // A free cell needs no reason, and a reason given for one is not stored.
    let other = new_person(&mut s, "Alone", "02/02/1991");
    let alone = s
        .book_in(
            other,
            &Booking {
                shared_cell_reason: Some("not needed here at all".into()),
                ..booking()
            },
            now(),
        )
        .unwrap();
    let view = s
        .open_record(alone.detention_id, None, now())
        .unwrap()
        .unwrap();
    assert_eq!(view.shared_cell_reason, "");
}
