use super::*;

fn ans(v: AnswerValue) -> Answer {
    Answer {
        value: v,
        details: None,
    }
}

#[test]
fn embedded_forms_load_and_every_question_cites_a_source() {
    let forms = embedded_forms().unwrap();
    assert_eq!(forms.len(), 3);
    for f in &forms {
        for (_, q) in f.questions() {
            assert!(!q.source.is_empty(), "{}", q.id);
            assert!(!q.help.is_empty(), "{} has no help", q.id);
        }
    }
    let risk = embedded_form(BOOKING_RISK).unwrap();
    assert!(risk.question("first_time_in_custody").is_some());
    assert!(risk.question("pnd_checked").is_some());
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    for id in [
        "medicines",
        "injury_body_areas",
        "conditions",
        "alcohol_units",
        "drugs_taken",
        "mental_health",
        "self_harm_history",
        "learning_disability",
        "pregnant",
        "allergies",
    ] {
        assert!(hs.question(id).is_some(), "health screen lacks {id}");
    }
}

#[test]
fn branches_open_and_close_with_the_answer_and_resume_finds_the_gap() {
    let f = embedded_form(BOOKING_RISK).unwrap();
    let mut a = Answers::new();
    let first = f.first_unanswered(&a).unwrap().id.clone();
    assert_eq!(first, f.questions().next().unwrap().1.id);
    let all_no_count = f.applicable(&a).len();
    a.insert("drugs_taken".into(), ans(AnswerValue::Yes));
    assert!(f.applicable(&a).len() > all_no_count);
    a.insert("drugs_taken".into(), ans(AnswerValue::Declined));
    assert_eq!(f.applicable(&a).len(), all_no_count);
    assert_eq!(f.first_unanswered(&a).unwrap().id, first);
}

#[test]
fn completion_names_every_missing_required_question_and_details() {
    let f = embedded_form(BOOKING_RISK).unwrap();
    let mut a = Answers::new();
    for q in f.applicable(&Answers::new()) {
        let v = match q.kind {
            AnswerKind::YesNo => AnswerValue::No,
            _ => AnswerValue::Declined,
        };
        a.insert(q.id.clone(), ans(v));
    }
    assert_eq!(f.missing(&a), vec![]);
    a.remove("pnd_checked");
    a.insert("injury".into(), ans(AnswerValue::Yes));
    let missing = f.missing(&a);
    assert!(missing.contains(&Missing::Answer {
        question: "pnd_checked".into(),
        text: f.question("pnd_checked").unwrap().text.clone()
    }));
    assert!(
        missing
            .iter()
            .any(|m| matches!(m, Missing::Details { question, .. } if question == "injury"))
    );
    let s = missing_sentence(&missing);
    assert!(s.starts_with("The form cannot be completed: "), "{s}");
    assert!(s.contains("PND"), "{s}");
}

#[test]
fn answers_are_checked_against_their_question() {
    let f = embedded_form(HEALTH_SCREEN).unwrap();
    let units = f.question("alcohol_units").unwrap();
    assert!(units.validate(&AnswerValue::Number(6.0)).is_ok());
    let e = units.validate(&AnswerValue::Number(-1.0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "-1 units is outside the range 0 to 200 for `alcohol_units`."
    );
    assert!(matches!(
        units.validate(&AnswerValue::Yes),
        Err(AnswerError::WrongKind { .. })
    ));
    assert_eq!(
        units
            .validate(&AnswerValue::Unable("  ".into()))
            .unwrap_err()
            .to_string(),
        "An answer of \"unable to answer\" to `alcohol_units` needs a reason."
    );
    assert!(units.validate(&AnswerValue::Declined).is_ok());
    assert!(
        units
            .validate(&AnswerValue::NotAsked("asleep".into()))
            .is_ok()
    );
}

#[test]
fn declined_unable_and_not_asked_open_no_branch() {
    let c = Condition {
        question: "x".into(),
        is: Some("yes".into()),
        any_of: None,
        at_least: None,
        at_most: None,
    };
    assert!(c.holds(Some(&AnswerValue::Yes)));
    assert!(!c.holds(Some(&AnswerValue::No)));
    assert!(!c.holds(Some(&AnswerValue::Declined)));
    assert!(!c.holds(Some(&AnswerValue::Unable("drunk".into()))));
    assert!(!c.holds(None));
}

#[test]
fn answers_round_trip_as_json() {
    for v in [
        AnswerValue::Yes,
        AnswerValue::Multi(vec!["a".into()]),
        AnswerValue::Number(2.5),
        AnswerValue::Unable("intoxicated".into()),
        AnswerValue::Group(vec![BTreeMap::from([("name".into(), "insulin".into())])]),
    ] {
        let a = Answer {
            value: v,
            details: Some("d".into()),
        };
        let j = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Answer>(&j).unwrap(), a);
    }
}
