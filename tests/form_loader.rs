//! The form loader against broken fixtures: each is refused with its file, line and a message
//! saying what to change. Also checks the shipped forms load.

use sonar_custody::domain::form::{FormErrors, embedded_forms, load_form};

fn errors_of(name: &str) -> Vec<String> {
    let path = format!("{}/tests/fixtures/forms/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    match load_form(name, &text) {
        Ok(_) => panic!("{name} loaded but should have been refused"),
        Err(FormErrors(e)) => e.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn broken_forms_are_refused_with_file_line_and_message() {
    let cases: &[(&str, &[&str])] = &[
        (
            "unknown_type.toml",
            &[
                "unknown_type.toml:14: question `q1` has the unknown answer type `yes_no_maybe`: use yes_no, choice, multi_choice, number, date, date_time, text or group.",
            ],
        ),
        (
            "duplicate_id.toml",
            &["duplicate_id.toml:18: question id `q1` is used twice (first on line 12)."],
        ),
        (
            "missing_branch.toml",
            &[
                "missing_branch.toml:16: question `q1` is asked if `nowhere`, but there is no question `nowhere`.",
            ],
        ),
        (
            "later_branch.toml",
            &[
                "later_branch.toml:16: question `q1` is asked if `q2`, which comes later in the form; a branch must name an earlier question.",
            ],
        ),
        (
            "default_answer.toml",
            &[
                "default_answer.toml:16: question `q1` has a default answer; no question may have one, so remove it.",
            ],
        ),
        (
            "no_source.toml",
            &[
                "no_source.toml:12: question `q1` has no source: cite the APP, Code C or NICE text it rests on.",
            ],
        ),
        (
            "choice_without_options.toml",
            &["choice_without_options.toml:14: question `q1` is a choice with no options."],
        ),
        (
            "inverted_range.toml",
            &["inverted_range.toml:14: question `q1` has min 10 above max 1."],
        ),
        (
            "unknown_field.toml",
            &[
                "unknown_field.toml:16: unknown field `help_text`, expected one of `id`, `text`, `type`, `required`, `help`, `source`, `ask_if`, `details_if`, `options`, `unit`, `min`, `max`, `max_len`, `fields`, `record`, `default`.",
            ],
        ),
        (
            "bad_record_target.toml",
            &[
                "bad_record_target.toml:15: question `q1` is a yes_no, but the record target `allergy.list` takes group.",
                "bad_record_target.toml:22: question `q2` names the record target `allergies`, which does not exist: use one of allergy.any, allergy.list, condition.any, condition.list, condition.last_seizure, condition.diabetes_type, reported_medicine.any, reported_medicine.list, alcohol.any, alcohol.units, alcohol.last_drink, alcohol.withdrawal_history, drug.any, drug.which, drug.list, self_harm.history, self_harm.recency, self_harm.method, self_harm.current_thoughts, self_harm.known_to_services, mental_health.any, injury.any, injury.body_area, injury.head, pregnancy, communication.learning_disability, communication.needs, note.",
            ],
        ),
        (
            "syntax_error.toml",
            &["syntax_error.toml:13: invalid basic string, expected `\"`."],
        ),
        (
            "several_problems.toml",
            &[
                "several_problems.toml:18: question id `q1` is used twice (first on line 12).",
                "several_problems.toml:20: question `q1` has the unknown answer type `free`: use yes_no, choice, multi_choice, number, date, date_time, text or group.",
                "several_problems.toml:22: question `q1` is asked if `zz`, but there is no question `zz`.",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (file, expected) in cases {
        let got = errors_of(file);
        if got != expected.iter().map(|s| s.to_string()).collect::<Vec<_>>() {
            failures.push(format!(
                "{file}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_is_covered() {
    let dir = format!("{}/tests/fixtures/forms", env!("CARGO_MANIFEST_DIR"));
    let count = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(count, 12, "a new fixture needs a case above");
}

#[test]
fn shipped_forms_load() {
    let forms = embedded_forms().unwrap();
    let ids: Vec<&str> = forms.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["booking_risk", "health_screen", "prra"]);
}

/// The pre-release risk assessment (issue 13): every question cites its source and has help,
/// none has a default, and it asks what the APP, force procedure (Essex E0107) and HMIP
/// expectations ask before release or transfer.
#[test]
fn the_pre_release_risk_assessment_cites_its_sources_and_has_no_defaults() {
    use sonar_custody::domain::form::{AnswerKind, PRRA, embedded_form};
    let text = include_str!("../schema/forms/prra.toml");
    let form = load_form("prra.toml", text).unwrap();
    assert_eq!(form.id, PRRA);
    assert_eq!(embedded_form(PRRA).unwrap(), form);
    assert!(form.source.contains("APP Detention and custody"));
    assert!(form.source.contains("E0107"));
    assert!(form.source.contains("HMIP"));
    for (_, q) in form.questions() {
        assert!(!q.source.trim().is_empty(), "{} has no source", q.id);
        assert!(!q.help.trim().is_empty(), "{} has no help", q.id);
        assert!(q.required, "{} is optional", q.id);
    }
    // The loader refuses a default; no line of the file tries one.
    assert!(!text.lines().any(|l| l.trim_start().starts_with("default")));
    for id in [
        "risk_reviewed",
        "vulnerable_on_release",
        "going_to",
        "collected_by",
        "health_needs",
        "seen_by_hcp",
        "self_harm_now",
        "self_harm_on_release",
        "substance_use",
        "contact_person",
        "signposting",
        "leaflets",
        "referral_made",
        "referral_not_made",
        "safe_to_leave",
    ] {
        assert!(form.question(id).is_some(), "no question {id}");
    }
    let cited = |id: &str, what: &str| {
        let q = form.question(id).unwrap();
        assert!(q.source.contains(what), "{id}: {}", q.source);
    };
    cited("risk_reviewed", "before release or transfer");
    cited("seen_by_hcp", "see an HCP before release");
    cited("referral_made", "refer where there are health concerns");
    cited("signposting", "contact details of support services");
    // The referral question is offered; asked why when none was made.
    let why = form.question("referral_not_made").unwrap();
    assert_eq!(why.ask_if.as_ref().unwrap().question, "referral_made");
    assert!(matches!(
        form.question("signposting").unwrap().kind,
        AnswerKind::MultiChoice(_)
    ));
}
