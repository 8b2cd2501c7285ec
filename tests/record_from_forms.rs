//! Every screening question with clinical content declares where its answer goes in the
//! clinical record (`record = ...` in schema/forms/*.toml). For each such question, in each
//! shipped form, this answers it (and the questions that open it) through the store as the
//! role that asks it, then proves the answer is on the record the next person reads, in the
//! escort summary and in the signed bundle. A question whose answer went nowhere fails here
//! by name.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sonar_custody::domain::booking::{PersonInput, validate_person};
use sonar_custody::domain::form::{
    Answer, AnswerKind, AnswerValue, BOOKING_RISK, Form, HEALTH_SCREEN, Question, embedded_form,
    embedded_forms,
};
use sonar_custody::domain::record::{Fact, FactKind};
use sonar_custody::domain::rules::{Rule, embedded_rules};
use sonar_custody::store::Store;
use sonar_custody::store::booking::Booking;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn suite() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let store = sonar_custody::demo::create(&db, 20, now(), &mut |_, _| {}).unwrap();
    drop(store);
    (dir, db)
}

fn login(db: &Path, who: &str) -> Store {
    Store::unlock(db, who, "demo", now()).unwrap().store
}

/// The detention of a demo person in custody with nothing on the record yet.
fn unscreened(s: &Store, surname: &str) -> i64 {
    let det = s
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.surname == surname)
        .unwrap()
        .detention_id;
    assert!(s.clinical_record(det).unwrap().entries.is_empty());
    det
}

/// The record kind a target's answers become.
fn kind_of(target: &str) -> FactKind {
    match target.split('.').next().unwrap() {
        "allergy" => FactKind::Allergy,
        "condition" => FactKind::Condition,
        "reported_medicine" => FactKind::ReportedMedicine,
        "alcohol" => FactKind::Alcohol,
        "drug" => FactKind::Drug,
        "self_harm" => FactKind::SelfHarm,
        "mental_health" => FactKind::MentalHealth,
        "injury" => FactKind::Injury,
        "pregnancy" => FactKind::Pregnancy,
        "communication" => FactKind::Communication,
        "note" => FactKind::Note,
        other => panic!("no kind for target {other}"),
    }
}

/// The answer that opens `q` (its `ask_if`), for the question it names.
fn opening_answer(form: &Form, q: &Question) -> Option<(String, AnswerValue)> {
    let c = q.ask_if.as_ref()?;
    // Person facts (e.g. whether pregnancy can apply) come from the person record, not an
    // answer; these test people have no recorded sex, so it applies.
    let parent = form.question(&c.question)?;
    let value =
        c.is.clone()
            .or_else(|| c.any_of.as_ref().map(|v| v[0].clone()))
            .unwrap_or_else(|| "yes".into());
    let v = match &parent.kind {
        AnswerKind::YesNo if value == "yes" => AnswerValue::Yes,
        AnswerKind::YesNo => AnswerValue::No,
        AnswerKind::Choice(_) => AnswerValue::Choice(value),
        AnswerKind::MultiChoice(_) => AnswerValue::Multi(vec![value]),
        other => panic!("cannot open a branch on a {}", other.name()),
    };
    Some((parent.id.clone(), v))
}

/// A distinctive answer for `q` and the text that must then be visible.
fn answer_for(q: &Question, marker: &str) -> (Answer, String) {
    let target = q.record.as_deref().unwrap();
    let details = |v: &AnswerValue| q.needs_details(v).then(|| format!("{marker} detail"));
    match &q.kind {
        AnswerKind::YesNo => {
            let d = details(&AnswerValue::Yes);
            let expect = d.clone().unwrap_or_else(|| {
                match target {
                    "allergy.any" => "allergy",
                    "condition.any" => "condition",
                    "reported_medicine.any" => "medicines",
                    "alcohol.any" => "drinks alcohol",
                    "alcohol.withdrawal_history" => "withdrawal fits",
                    "drug.any" => "drugs",
                    "self_harm.history" => "self-harm",
                    "self_harm.current_thoughts" => "thoughts of self-harm now",
                    "self_harm.known_to_services" => "known to mental health services",
                    "mental_health.any" => "mental health",
                    "injury.head" => "head injury",
                    "pregnancy" => "pregnant",
                    "communication.learning_disability" => "learning disability",
                    "communication.needs" => "communicate",
                    other => panic!("no expectation for a yes to {other}"),
                }
                .to_string()
            });
            (
                Answer {
                    value: AnswerValue::Yes,
                    details: d,
                },
                expect,
            )
        }
        AnswerKind::Choice(choices) => (
            Answer {
                value: AnswerValue::Choice(choices[0].value.clone()),
                details: None,
            },
            choices[0].label.clone(),
        ),
        AnswerKind::MultiChoice(choices) => {
            let v = AnswerValue::Multi(vec![choices[0].value.clone()]);
            let d = details(&v);
            (
                Answer {
                    value: v,
                    details: d,
                },
                choices[0].label.clone(),
            )
        }
        AnswerKind::Number { .. } => (
            Answer {
                value: AnswerValue::Number(12.0),
                details: None,
            },
            "12 units".into(),
        ),
        AnswerKind::DateTime => (
            Answer {
                value: AnswerValue::DateTime("13:45".into()),
                details: None,
            },
            "13:45".into(),
        ),
        AnswerKind::Text { .. } => (
            Answer {
                value: AnswerValue::Text(format!("{marker} text")),
                details: None,
            },
            format!("{marker} text"),
        ),
        AnswerKind::Group { fields } => {
            let row = fields
                .iter()
                .map(|f| {
                    let v = match f.as_str() {
                        "severity" => "severe".to_string(),
                        "frequency" => "twice daily".to_string(),
                        _ => format!("{marker} {f}"),
                    };
                    (f.clone(), v)
                })
                .collect();
            (
                Answer {
                    value: AnswerValue::Group(vec![row]),
                    details: None,
                },
                format!("{marker} {}", fields[0]),
            )
        }
        AnswerKind::Date => panic!("no record target takes a date"),
    }
}

/// One question answered in its own detention.
struct Case {
    form: String,
    question: String,
    custody_no: String,
    detention_id: i64,
    kind: FactKind,
    expect: String,
}

fn answer_every_record_question(db: &Path) -> Vec<Case> {
    let forms = embedded_forms().unwrap();
    let rules: Vec<Rule> = embedded_rules(&forms).unwrap();
    let mut sergeant = login(db, "sergeant");
    let mut hcp = login(db, "hcp");
    let mut cases = Vec::new();
    let mut n = 0;
    for form_id in [BOOKING_RISK, HEALTH_SCREEN] {
        let form = embedded_form(form_id).unwrap();
        for (_, q) in form.questions() {
            let Some(target) = q.record.as_deref() else {
                continue;
            };
            n += 1;
            let marker = format!("mk{n:02}q");
            let person = validate_person(
                &PersonInput {
                    surname: format!("Recordcase{n:02}"),
                    forenames: "Jo".into(),
                    date_of_birth: format!("{:02}/03/1981", n % 28 + 1),
                    ..Default::default()
                },
                NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            )
            .unwrap();
            let person_id = sergeant
                .create_person(&person, Some("a separate test case"), now())
                .unwrap();
            let booked = sergeant
                .book_in(
                    person_id,
                    &Booking {
                        arrived_at: now(),
                        authorised_at: Some(now()),
                        arresting_officer: "PC 1 Test".into(),
                        reason: "Theft".into(),
                        cell: format!("R{n}"),
                        shared_cell_reason: None,
                    },
                    now(),
                )
                .unwrap();
            let store = if form_id == HEALTH_SCREEN {
                &mut hcp
            } else {
                &mut sergeant
            };
            // Open the branch: every question that asks this one, nearest last.
            let mut chain = Vec::new();
            let mut cur = q;
            while let Some((parent, value)) = opening_answer(&form, cur) {
                chain.push((parent.clone(), value));
                cur = form.question(&parent).unwrap();
            }
            for (parent, value) in chain.into_iter().rev() {
                let details = form
                    .question(&parent)
                    .unwrap()
                    .needs_details(&value)
                    .then(|| format!("{marker} opening detail"));
                store
                    .save_answer(
                        booked.detention_id,
                        &form,
                        &rules,
                        &parent,
                        &Answer { value, details },
                        None,
                        now(),
                    )
                    .unwrap();
            }
            let (answer, expect) = answer_for(q, &marker);
            store
                .save_answer(
                    booked.detention_id,
                    &form,
                    &rules,
                    &q.id,
                    &answer,
                    None,
                    now(),
                )
                .unwrap_or_else(|e| panic!("{form_id}.{}: {e}", q.id));
            cases.push(Case {
                form: form_id.into(),
                question: q.id.clone(),
                custody_no: booked.custody_no.clone(),
                detention_id: booked.detention_id,
                kind: kind_of(target),
                expect: expect.to_lowercase(),
            });
        }
    }
    assert!(
        cases.len() >= 30,
        "only {} questions name a record target",
        cases.len()
    );
    cases
}

#[test]
fn every_record_question_reaches_the_record() {
    let (_dir, db) = suite();
    let cases = answer_every_record_question(&db);
    let hcp = login(&db, "hcp");
    let mut failures = Vec::new();
    for c in &cases {
        let record = hcp.clinical_record(c.detention_id).unwrap();
        let found = record.of_kind(c.kind).any(|e| {
            e.fact.headline().to_lowercase().contains(&c.expect)
                && e.standing == sonar_custody::domain::record::Standing::Live
        });
        if !found {
            failures.push(format!(
                "{}.{}: no live {:?} entry saying `{}` (record: {:?})",
                c.form,
                c.question,
                c.kind,
                c.expect,
                record
                    .entries
                    .iter()
                    .map(|e| e.fact.headline())
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The files `sonar export` wrote for one detention: (bundle JSON, escort summary).
fn export(db: &Path, custody_no: &str, out: &Path) -> (String, String) {
    let pw = out.join("pw");
    std::fs::write(&pw, "demo\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let dir = out.join(custody_no);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sonar"))
        .env("XDG_STATE_HOME", out.join("state"))
        .env("XDG_CONFIG_HOME", out.join("config"))
        .env("XDG_DATA_HOME", out.join("data"))
        .arg("--db")
        .arg(db)
        .args(["--user", "sergeant", "--password-file"])
        .arg(&pw)
        .args([
            "export",
            custody_no,
            "--destination",
            "prison",
            "--receiving-org",
            "HMP Leeds",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "export {custody_no}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut bundle = String::new();
    let mut escort = String::new();
    for f in std::fs::read_dir(&dir).unwrap() {
        let path = f.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".handover.json") {
            bundle = std::fs::read_to_string(&path).unwrap();
        } else if name.ends_with(".escort.txt") {
            escort = std::fs::read_to_string(&path).unwrap();
        }
    }
    assert!(
        !bundle.is_empty() && !escort.is_empty(),
        "{custody_no}: files missing"
    );
    (bundle, escort)
}

/// Each answer travels: in the signed bundle and on the escort summary the receiving officer
/// reads. The person consents to sharing with the receiving establishment, so clinical history
/// (self-harm, mental health) goes too; clinical notes never leave the suite, whatever the
/// consent (docs/handover.md), and that is checked as well.
#[test]
fn every_record_question_reaches_the_escort_summary_and_the_bundle() {
    let (dir, db) = suite();
    let cases = answer_every_record_question(&db);
    let mut hcp = login(&db, "hcp");
    for c in &cases {
        hcp.record_consent(
            c.detention_id,
            "receiving_establishment",
            "consents",
            "",
            now(),
        )
        .unwrap();
    }
    drop(hcp);
    // No one leaves without a completed pre-release risk assessment (issue 13): the same
    // answers the demo gives a person with no concerns.
    let mut sergeant = login(&db, "sergeant");
    for c in &cases {
        sergeant
            .complete_prra(
                c.detention_id,
                &sonar_custody::demo::prra_answers(&[], false),
                now(),
            )
            .unwrap();
    }
    drop(sergeant);
    let mut failures = Vec::new();
    for c in &cases {
        let (bundle, escort) = export(&db, &c.custody_no, dir.path());
        // The bundle is JSON: its text may escape characters, so compare lower-cased values.
        let bundle = bundle.to_lowercase();
        // The escort summary wraps at 80 columns: compare with the wrapping undone.
        let escort = escort
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let expect = c.expect.clone();
        if c.kind == FactKind::Note {
            if bundle.contains(&expect) || escort.contains(&expect) {
                failures.push(format!(
                    "{}.{}: a clinical note left the suite",
                    c.form, c.question
                ));
            }
            continue;
        }
        if !bundle.contains(&expect) {
            failures.push(format!(
                "{}.{}: `{}` not in the bundle",
                c.form, c.question, c.expect
            ));
        }
        if !escort.contains(&expect) {
            failures.push(format!(
                "{}.{}: `{}` not on the escort summary:\n{escort}",
                c.form, c.question, c.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pregnancy_is_asked_unless_the_person_is_recorded_as_male() {
    let (_dir, db) = suite();
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    let risk = embedded_form(BOOKING_RISK).unwrap();
    let mut sergeant = login(&db, "sergeant");
    let cases = [("m", false), ("f", true), ("", true), ("unknown", true)];
    for (n, (sex, asked)) in cases.into_iter().enumerate() {
        let person = validate_person(
            &PersonInput {
                surname: format!("Pregnancycase{}", if sex.is_empty() { "none" } else { sex }),
                forenames: "Alex".into(),
                date_of_birth: "01/02/1990".into(),
                sex: sex.into(),
                ..Default::default()
            },
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )
        .unwrap();
        let id = sergeant
            .create_person(&person, Some("a separate test case"), now())
            .unwrap();
        let det = sergeant
            .book_in(
                id,
                &Booking {
                    arrived_at: now(),
                    authorised_at: Some(now()),
                    arresting_officer: "PC 1 Test".into(),
                    reason: "Theft".into(),
                    // A cell each: sharing one needs a reason.
                    cell: format!("P{n}"),
                    shared_cell_reason: None,
                },
                now(),
            )
            .unwrap()
            .detention_id;
        for form in [&hs, &risk] {
            let state = sergeant.form_state(det, &form.id).unwrap();
            let q = form.question("pregnant").unwrap();
            assert_eq!(
                form.applies(q, &state.answers),
                asked,
                "{}: sex `{sex}`",
                form.id
            );
        }
    }
}

#[test]
fn a_changed_answer_supersedes_its_entry_and_declined_says_nothing() {
    let (_dir, db) = suite();
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    let mut hcp = login(&db, "hcp");
    let det = unscreened(&hcp, "Hughes");
    let save = |s: &mut Store, q: &str, value: AnswerValue, reason: Option<&str>| {
        s.save_answer(
            det,
            &hs,
            &rules,
            q,
            &Answer {
                value,
                details: None,
            },
            reason,
            now(),
        )
        .unwrap();
    };
    save(&mut hcp, "allergies", AnswerValue::Yes, None);
    let row = |s: &str| {
        let mut m = std::collections::BTreeMap::new();
        for (k, v) in ["substance", "reaction", "severity"]
            .iter()
            .zip(s.split(';'))
        {
            m.insert(k.to_string(), v.trim().to_string());
        }
        m
    };
    save(
        &mut hcp,
        "allergy_list",
        AnswerValue::Group(vec![row("Penicillin; rash and facial swelling; severe")]),
        None,
    );
    let allergies = |s: &Store| -> Vec<String> {
        s.clinical_record(det)
            .unwrap()
            .allergies()
            .map(|e| e.fact.headline())
            .collect()
    };
    assert_eq!(
        allergies(&hcp),
        vec!["Penicillin (rash and facial swelling, severe)"]
    );
    // Amended: penicillin was wrong, it is latex. The old entry is superseded, not deleted.
    save(
        &mut hcp,
        "allergy_list",
        AnswerValue::Group(vec![row("Latex; hives; moderate")]),
        None,
    );
    assert_eq!(allergies(&hcp), vec!["Latex (hives, moderate)"]);
    let ended: i64 = hcp
        .conn_for_reports()
        .query_row(
            "SELECT count(*) FROM record_entry WHERE detention_id = ?1 AND kind = 'allergy'
             AND ended_reason LIKE 'superseded%' AND fact LIKE '%Penicillin%'",
            [det],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ended, 1);
    // "No" to allergies says "no known allergies"; "declined" leaves it unknown.
    save(&mut hcp, "allergies", AnswerValue::No, None);
    let record = hcp.clinical_record(det).unwrap();
    assert!(record.no_known_allergies(), "{:?}", record.entries);
    assert_eq!(record.allergy_line(), "No known allergies");
    save(&mut hcp, "allergies", AnswerValue::Declined, None);
    let record = hcp.clinical_record(det).unwrap();
    assert_eq!(record.allergy_line(), "Allergies: not yet recorded");
}

#[test]
fn custody_staff_see_allergies_and_medicines_but_not_self_harm_detail_or_notes() {
    let (_dir, db) = suite();
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    let mut hcp = login(&db, "hcp");
    let det = unscreened(&hcp, "Ali");
    let mut save = |q: &str, value: AnswerValue, details: Option<&str>| {
        hcp.save_answer(
            det,
            &hs,
            &rules,
            q,
            &Answer {
                value,
                details: details.map(str::to_string),
            },
            None,
            now(),
        )
        .unwrap();
    };
    save("allergies", AnswerValue::Yes, None);
    let mut row = std::collections::BTreeMap::new();
    row.insert("substance".to_string(), "Peanut".to_string());
    save("allergy_list", AnswerValue::Group(vec![row]), None);
    save(
        "self_harm_history",
        AnswerValue::Yes,
        Some("cut forearms with a razor blade"),
    );
    save(
        "notes",
        AnswerValue::Text("Disclosed abuse in childhood".into()),
        None,
    );
    hcp.record_hcp_contact(
        det,
        "assessment",
        now(),
        "Assessed in cell: alert, anxious",
        now(),
    )
    .unwrap();
    drop(hcp);
    for who in ["sergeant", "officer"] {
        let s = login(&db, who);
        let record = s.clinical_record(det).unwrap();
        assert!(record.allergy_line().contains("Peanut"), "{who}");
        assert!(
            record
                .entries
                .iter()
                .all(|e| e.fact.kind().custody_staff_see()),
            "{who} was given {:?}",
            record.entries
        );
        let all = serde_json::to_string(&record).unwrap();
        assert!(!all.contains("razor"), "{who} saw self-harm detail");
        assert!(!all.contains("childhood"), "{who} saw a clinical note");
        assert!(!all.contains("anxious"), "{who} saw the contact note");
        // Everyone sees that the HCP has seen the person, by whom and when.
        let seen = record.last_seen.as_ref().expect("seen");
        assert_eq!(seen.by, "hcp");
        assert!(record.contacts.iter().any(|c| c.kind == "assessment"));
        assert!(record.contacts.iter().all(|c| c.note.is_none()));
    }
    let hcp = login(&db, "hcp");
    let all = serde_json::to_string(&hcp.clinical_record(det).unwrap()).unwrap();
    assert!(all.contains("razor") && all.contains("childhood") && all.contains("anxious"));
}

#[test]
fn any_hcp_entry_counts_as_seen_and_a_contact_needs_an_hcp_and_a_note() {
    let (_dir, db) = suite();
    let mut sergeant = login(&db, "sergeant");
    let det = sergeant
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.last_seen.is_none())
        .expect("someone not yet seen")
        .detention_id;
    let e = sergeant
        .record_hcp_contact(det, "assessment", now(), "looked fine", now())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("may not add a clinical note or HCP contact"),
        "{e}"
    );
    drop(sergeant);
    let mut hcp = login(&db, "hcp");
    let e = hcp
        .record_hcp_contact(det, "assessment", now(), "  ", now())
        .unwrap_err();
    assert!(e.to_string().contains("needs a note"), "{e}");
    // A consent decision alone is an HCP entry: the person has been seen.
    let at = now() + Duration::minutes(5);
    hcp.record_consent(det, "receiving_establishment", "consents", "", at)
        .unwrap();
    let row = hcp
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.detention_id == det)
        .unwrap();
    let seen = row.last_seen.expect("seen after a consent decision");
    assert_eq!(
        (seen.by.as_str(), seen.at, seen.what.as_str()),
        ("hcp", at, "consent")
    );
    assert!(row.hcp_seen);
}

#[test]
fn a_reported_medicine_is_confirmed_into_the_medication_list_without_retyping() {
    let (_dir, db) = suite();
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    let hs = embedded_form(HEALTH_SCREEN).unwrap();
    let mut hcp = login(&db, "hcp");
    let det = unscreened(&hcp, "Singh");
    let row = |name: &str, dose: &str, freq: &str| {
        [
            ("name", name),
            ("dose", dose),
            ("frequency", freq),
            ("last_taken", "08:00"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    for (q, v) in [
        ("taking_medicines", AnswerValue::Yes),
        (
            "medicines",
            AnswerValue::Group(vec![
                row("Levetiracetam", "500 mg", "twice daily"),
                row("Methadone", "60 ml", "once daily"),
                row("Salbutamol", "2 puffs", "when I need it"),
            ]),
        ),
    ] {
        hcp.save_answer(
            det,
            &hs,
            &rules,
            q,
            &Answer {
                value: v,
                details: None,
            },
            None,
            now(),
        )
        .unwrap();
    }
    let reported = |s: &Store| -> Vec<(i64, String, bool)> {
        s.clinical_record(det)
            .unwrap()
            .of_kind(FactKind::ReportedMedicine)
            .map(|e| match &e.fact {
                Fact::ReportedMedicine { name, verified, .. } => (e.id, name.clone(), *verified),
                _ => unreachable!(),
            })
            .collect()
    };
    let before = reported(&hcp);
    assert_eq!(before.len(), 3);
    assert!(before.iter().all(|(_, _, verified)| !verified));
    let leve = before.iter().find(|m| m.1 == "Levetiracetam").unwrap().0;
    let id = hcp
        .confirm_reported_medicine(det, leve, "gp", now())
        .unwrap();
    let meds = hcp.medications(det).unwrap();
    let m = meds.iter().find(|m| m.id == id).unwrap();
    assert_eq!(
        (m.name.as_str(), m.dose.as_str()),
        ("Levetiracetam", "500 mg")
    );
    assert_eq!(m.verified_with, "gp");
    assert!(
        m.time_critical.is_some(),
        "an anti-epileptic is time-critical"
    );
    let after = reported(&hcp);
    assert_eq!(
        after.len(),
        2,
        "the confirmed report leaves the unverified list"
    );
    // A frequency the program cannot schedule is refused in one sentence, nothing changes.
    let salb = after.iter().find(|m| m.1 == "Salbutamol").unwrap().0;
    let e = hcp
        .confirm_reported_medicine(det, salb, "not_verified", now())
        .unwrap_err();
    assert!(e.to_string().contains("medicine sheet"), "{e}");
    assert_eq!(reported(&hcp).len(), 2);
}
