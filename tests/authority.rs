//! Who may do what, enforced in the store: every role against every write the program has,
//! through the real store functions. The expected table is written out here by hand from
//! PACE and the suite's governance, not read from `domain::authority`, so a change to either
//! side fails this test until the other agrees.
//!
//! An allowed write must not be refused on the role (it may still fail on its input: the
//! point is the gate). A refused write must be refused with a sentence naming who does it,
//! and must write nothing: not even an audit row.

use chrono::{DateTime, Duration, Utc};
use sonar_custody::domain::authority::Duty;
use sonar_custody::domain::booking::{PersonInput, validate_person};
use sonar_custody::domain::care::{CheckDraft, DecisionKind, PlanDraft};
use sonar_custody::domain::emergency::{CallKind, CloseDraft, OutcomeKind};
use sonar_custody::domain::flag::{FlagCode, Severity};
use sonar_custody::domain::form::{
    Answer, AnswerValue, BOOKING_RISK, HEALTH_SCREEN, embedded_form, embedded_forms,
};
use sonar_custody::domain::handover::ImportPlan;
use sonar_custody::domain::hcp::direction::{DirectionDraft, DirectionKind};
use sonar_custody::domain::observation::{CheckInterval, ObservationLevel};
use sonar_custody::domain::pace::ReviewDraft;
use sonar_custody::domain::record::{Fact, KnownSubject};
use sonar_custody::domain::role::Role;
use sonar_custody::domain::rules::embedded_rules;
use sonar_custody::store::booking::Booking;
use sonar_custody::store::clinical::{NewMedication, NewReferral, SupervisedOutcome};
use sonar_custody::store::{Store, StoreError};

const Y: bool = true;
const N: bool = false;

/// Each write, the duty it is filed under, and whether each role may do it:
/// (what, duty, [HCP, sergeant, detention officer, admin, wall board]).
#[rustfmt::skip]
const TABLE: &[(&str, Duty, [bool; 5])] = &[
    // what                                      duty                              HCP Sgt DO Adm Wall
    ("add an account",                           Duty::ManageAccounts,             [N,  N,  N, Y,  N]),
    ("rotate the signing key",                   Duty::ManageKeys,                 [N,  N,  N, Y,  N]),
    ("resolve an integrity warning",             Duty::ResolveIntegrityWarning,    [N,  N,  N, Y,  N]),
    ("book a person in",                         Duty::StartBooking,               [Y,  Y,  Y, N,  N]),
    ("authorise detention",                      Duty::AuthoriseDetention,         [N,  Y,  N, N,  N]),
    ("acknowledge the known banner",             Duty::AcknowledgeBanner,          [Y,  Y,  Y, N,  N]),
    ("answer the risk assessment",               Duty::RiskAssessment,             [N,  Y,  N, N,  N]),
    ("answer the health screen",                 Duty::HealthScreen,               [Y,  N,  N, N,  N]),
    ("defer the health screen",                  Duty::DeferHealthScreen,          [N,  Y,  N, N,  N]),
    ("add a risk flag",                          Duty::AddFlag,                    [Y,  Y,  Y, N,  N]),
    ("mark a flag entered in error",             Duty::WithdrawFlag,               [Y,  Y,  N, N,  N]),
    ("set the care plan",                        Duty::SetCarePlan,                [N,  Y,  N, N,  N]),
    ("recommend a care plan",                    Duty::RecommendCarePlan,          [Y,  N,  N, N,  N]),
    ("record a cell check",                      Duty::RecordCheck,                [Y,  Y,  Y, N,  N]),
    ("record a PACE review",                     Duty::PaceReview,                 [N,  Y,  N, N,  N]),
    ("record a custody decision",                Duty::CustodyDecision,            [N,  Y,  N, N,  N]),
    ("review what is known",                     Duty::ReviewKnown,                [Y,  Y,  N, N,  N]),
    ("record an interpreter needed",             Duty::SupportNeed,                [Y,  Y,  Y, N,  N]),
    ("add a clinical note",                      Duty::ClinicalNote,               [Y,  N,  N, N,  N]),
    ("add to the clinical record",               Duty::ClinicalRecord,             [Y,  N,  N, N,  N]),
    ("record NEWS2",                             Duty::ClinicalScore,              [Y,  N,  N, N,  N]),
    ("add a medicine",                           Duty::Medication,                 [Y,  N,  N, N,  N]),
    ("record a dose given",                      Duty::GiveDose,                   [Y,  N,  N, N,  N]),
    ("allow self-administration",                Duty::Medication,                 [Y,  N,  N, N,  N]),
    ("record a supervised dose",                 Duty::SupervisedDose,             [N,  Y,  Y, N,  N]),
    ("record consent",                           Duty::Consent,                    [Y,  N,  N, N,  N]),
    ("record a fitness decision",                Duty::Fitness,                    [Y,  N,  N, N,  N]),
    ("make a referral",                          Duty::Referral,                   [Y,  N,  N, N,  N]),
    ("ask for an HCP",                           Duty::RequestHcp,                 [Y,  Y,  Y, N,  N]),
    ("withdraw a request for an HCP",            Duty::WithdrawHcpRequest,         [Y,  Y,  N, N,  N]),
    ("give a direction",                         Duty::GiveDirection,              [Y,  N,  N, N,  N]),
    ("acknowledge a direction",                  Duty::AcknowledgeDirection,       [N,  Y,  N, N,  N]),
    ("raise an emergency",                       Duty::RaiseEmergency,             [Y,  Y,  Y, Y,  N]),
    ("record a call in an emergency",            Duty::RecordEmergencyCall,        [Y,  Y,  Y, Y,  N]),
    ("close an emergency",                       Duty::CloseEmergency,             [Y,  Y,  N, N,  N]),
    ("complete the pre-release risk assessment", Duty::PreReleaseRiskAssessment,   [Y,  Y,  N, N,  N]),
    ("hand a person over",                       Duty::HandOver,                   [N,  Y,  N, N,  N]),
    ("take the shift handover",                  Duty::AcknowledgeShiftHandover,   [N,  Y,  N, N,  N]),
    ("import a handover bundle",                 Duty::ImportHandover,             [Y,  Y,  Y, N,  N]),
    ("join a national record",                   Duty::JoinNationalRecord,         [N,  N,  N, Y,  N]),
    ("send the outbox to the national record",   Duty::ContactNationalRecord,      [Y,  Y,  Y, Y,  N]),
    ("ask the national record about a person",   Duty::AskNationalRecord,          [Y,  Y,  Y, N,  N]),
];

const ROLES: [(&str, Role); 5] = [
    ("hcp", Role::Hcp),
    ("sergeant", Role::Sergeant),
    ("officer", Role::DetentionOfficer),
    ("admin", Role::Admin),
    ("wallboard", Role::WallBoard),
];

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// What every attempt acts on: a person in custody with a plan, a medicine the HCP allowed
/// for self-administration, an open HCP request, a direction, an open emergency and a flag.
struct Subject {
    detention_id: i64,
    person_id: i64,
    custody_no: String,
    medication_id: i64,
    request_id: i64,
    direction_id: i64,
    emergency_id: i64,
    flag_id: i64,
}

fn subject(db: &std::path::Path) -> Subject {
    let t = now() - Duration::minutes(30);
    let mut sergeant = Store::unlock(db, "sergeant", "demo", t).unwrap().store;
    let person = validate_person(
        &PersonInput {
            surname: "Table".into(),
            forenames: "Role".into(),
            date_of_birth: "02/03/1990".into(),
            ..PersonInput::default()
        },
        t.date_naive(),
    )
    .unwrap();
    let person_id = sergeant.create_person(&person, None, t).unwrap();
    let booked = sergeant
        .book_in(
            person_id,
            &Booking {
                arrived_at: t,
                authorised_at: Some(t),
                arresting_officer: "PC 1 Test".into(),
                reason: "Theft".into(),
                cell: "C99".into(),
                shared_cell_reason: None,
            },
            t,
        )
        .unwrap();
    let d = booked.detention_id;
    let flag_id = sergeant
        .add_flag(d, FlagCode::SelfHarm, Severity::Warning, "said so", t)
        .unwrap();
    let request_id = sergeant
        .request_hcp(d, "routine", "asks for a nurse", t)
        .unwrap();
    let emergency_id = sergeant.raise_emergency(d, "found slumped", "", t).unwrap();
    let mut hcp = Store::unlock(db, "hcp", "demo", t).unwrap().store;
    let medication_id = hcp
        .add_medication(
            d,
            &NewMedication {
                name: "Salbutamol inhaler".into(),
                dose: "2 puffs".into(),
                route: "inhaled".into(),
                frequency: "qds".into(),
                verified_with: "gp".into(),
                origin: "brought".into(),
                ..NewMedication::default()
            },
            t,
        )
        .unwrap();
    hcp.set_self_administration(medication_id, true, t).unwrap();
    let direction_id = hcp
        .give_direction(
            d,
            &DirectionDraft {
                kind: DirectionKind::Instruction,
                words: "Keep him sitting up".into(),
            },
            t,
        )
        .unwrap();
    Subject {
        detention_id: d,
        person_id,
        custody_no: booked.custody_no,
        medication_id,
        request_id,
        direction_id,
        emergency_id,
        flag_id,
    }
}

fn yes(details: &str) -> Answer {
    Answer {
        value: AnswerValue::Yes,
        details: Some(details.into()),
    }
}

fn plan(level: ObservationLevel) -> PlanDraft {
    PlanDraft {
        level,
        interval: CheckInterval::Hourly,
        rouse: false,
        instructions: String::new(),
        rationale: "Settled, talking, no risk found at booking".into(),
        hcp_recommended: false,
    }
}

/// Attempts one write as `store`; only whether it was refused on the role matters.
fn attempt(what: &str, store: &mut Store, s: &Subject, n: usize) -> Result<(), StoreError> {
    let t = now();
    let d = s.detention_id;
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    match what {
        "add an account" => ok(store.add_user_with(
            &format!("new{n}"),
            "New Person",
            Role::DetentionOfficer,
            "a-long-enough-password",
            true,
            t,
        )),
        "rotate the signing key" => ok(store.rotate_signing_key(t)),
        "resolve an integrity warning" => {
            ok(store.resolve_integrity_warnings("compared with the 02:00 backup", t))
        }
        "book a person in" => {
            let p = validate_person(
                &PersonInput {
                    surname: format!("Booked{n}"),
                    forenames: "Someone".into(),
                    ..PersonInput::default()
                },
                t.date_naive(),
            )
            .unwrap();
            let id = store.create_person(&p, None, t)?;
            ok(store.book_in(
                id,
                &Booking {
                    arrived_at: t,
                    authorised_at: None,
                    arresting_officer: "PC 2".into(),
                    reason: "Theft".into(),
                    cell: format!("B{n}"),
                    shared_cell_reason: None,
                },
                t,
            ))
        }
        "authorise detention" => ok(store.authorise_detention(d, t)),
        "acknowledge the known banner" => ok(store.acknowledge_banner(d, 0, t)),
        "answer the risk assessment" => ok(store.save_answer(
            d,
            &embedded_form(BOOKING_RISK).unwrap(),
            &rules,
            "self_harm_past",
            &yes("overdose last year"),
            None,
            t,
        )),
        "answer the health screen" => ok(store.save_answer(
            d,
            &embedded_form(HEALTH_SCREEN).unwrap(),
            &rules,
            "taking_medicines",
            &yes("inhaler"),
            None,
            t,
        )),
        "defer the health screen" => {
            ok(store.defer_health_screen(d, "asleep, intoxicated: HCP at 06:00", t))
        }
        "add a risk flag" => ok(store.add_flag(
            d,
            FlagCode::SelfHarm,
            Severity::Alert,
            "threatened self-harm at 03:00",
            t,
        )),
        "mark a flag entered in error" => {
            ok(store.mark_flag_in_error(s.flag_id, "wrong person", t))
        }
        "set the care plan" => ok(store.set_care_plan(d, &plan(ObservationLevel::Intermittent), t)),
        "recommend a care plan" => {
            ok(store.recommend_care_plan(d, &plan(ObservationLevel::Intermittent), t))
        }
        "record a cell check" => ok(store.record_check(
            d,
            &CheckDraft {
                minutes_ago: 0,
                late_reason: String::new(),
                rousable: Some(true),
                responds_to_questions: Some(true),
                responds_to_commands: Some(true),
                condition: "settled".into(),
                note: String::new(),
            },
            t,
        )),
        "record a PACE review" => ok(store.record_pace_review(
            d,
            t,
            &ReviewDraft {
                reviewed_by: "Insp Test".into(),
                outcome: "Detention continued".into(),
                representations: "None made".into(),
                late_reason: String::new(),
            },
            t,
        )),
        "record a custody decision" => {
            ok(store.record_custody_decision(d, DecisionKind::Charged, t, "charged", t))
        }
        "review what is known" => {
            ok(store.review_known(d, KnownSubject::Flag(s.flag_id), true, "", t))
        }
        "record an interpreter needed" => ok(store.record_support(
            d,
            &sonar_custody::store::support::StepDraft {
                kind: sonar_custody::domain::support::SupportKind::Interpreter,
                step: sonar_custody::domain::support::Step::Needed,
                need: Some(sonar_custody::domain::support::Need::Language),
                detail: "Polish".into(),
                at: t,
            },
            t,
        )),
        "add a clinical note" => ok(store.record_hcp_contact(d, "assessment", t, "Seen, well", t)),
        "add to the clinical record" => ok(store.add_record_entry(
            d,
            &Fact::Note {
                text: "Says he uses an inhaler".into(),
            },
            t,
        )),
        "record NEWS2" => ok(store.record_score(
            d,
            sonar_custody::store::clinical::ScoreKind::AuditC,
            &serde_json::json!({"q1": 0, "q2": 0, "q3": 0}),
            Some(0),
            "low risk",
            t,
        )),
        "add a medicine" => ok(store.add_medication(
            d,
            &NewMedication {
                name: format!("Paracetamol {n}"),
                dose: "1 g".into(),
                route: "oral".into(),
                frequency: "qds".into(),
                verified_with: "not_verified".into(),
                origin: "prescribed_in_custody".into(),
                ..NewMedication::default()
            },
            t,
        )),
        "record a dose given" => ok(store.record_dose(
            s.medication_id,
            sonar_custody::store::clinical::DoseOutcome::Given,
            "",
            t,
            t,
        )),
        "allow self-administration" => ok(store.set_self_administration(s.medication_id, true, t)),
        "record a supervised dose" => {
            ok(store.record_supervised_dose(s.medication_id, SupervisedOutcome::Taken, "", t, t))
        }
        "record consent" => ok(store.record_consent(d, "custody_staff", "consents", "", t)),
        "record a fitness decision" => ok(store.record_fitness(d, "detain", true, "", "well", t)),
        "make a referral" => ok(store.add_referral(
            d,
            &NewReferral {
                kind: "liaison_diversion".into(),
                reason: "low mood".into(),
                ..NewReferral::default()
            },
            t,
        )),
        "ask for an HCP" => ok(store.request_hcp(d, "soon", "shaking", t)),
        "withdraw a request for an HCP" => {
            ok(store.withdraw_hcp_request(s.request_id, "seen at the desk", t))
        }
        "give a direction" => ok(store.give_direction(
            d,
            &DirectionDraft {
                kind: DirectionKind::Instruction,
                words: "Offer fluids hourly".into(),
            },
            t,
        )),
        "acknowledge a direction" => ok(store.acknowledge_direction(s.direction_id, t)),
        "raise an emergency" => ok(store.raise_emergency(d, "not breathing normally", "", t)),
        "record a call in an emergency" => {
            ok(store.record_emergency_call(s.emergency_id, CallKind::Ambulance, "Sgt Test", t, t))
        }
        "close an emergency" => ok(store.close_emergency(
            s.emergency_id,
            &CloseDraft {
                kind: OutcomeKind::RousedOnRecheck,
                outcome_at: t,
                note: String::new(),
            },
            t,
        )),
        "complete the pre-release risk assessment" => ok(store.complete_prra(d, &[], t)),
        "hand a person over" => ok(store.handover_draft(&s.custody_no, t)),
        "take the shift handover" => {
            use sonar_custody::domain::shift::{Period, since_last};
            let sheet = since_last(Period::since_last(None, t), &[]);
            ok(store.acknowledge_handover(&sheet, t))
        }
        "import a handover bundle" => ok(store.import_bundle(
            &ImportPlan {
                bundle_system: "urn:ietf:rfc:3986".into(),
                bundle_id: format!("urn:uuid:role-table-{n}"),
                payload_sha256: "00".into(),
                kid: "kid".into(),
                source_suite: "Southgate".into(),
                signed_at: t,
                surname: "Table".into(),
                forenames: "Role".into(),
                date_of_birth: None,
                sex: None,
                nhs_number: None,
                pnc_id: None,
                flags: Vec::new(),
                notes: Vec::new(),
                entries: Vec::new(),
            },
            t,
        )),
        "join a national record" => ok(store.join_national(
            "http://127.0.0.1:9/",
            r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#,
            None,
            t,
        )),
        "send the outbox to the national record" => ok(store.claim_delivery("role table", t)),
        "ask the national record about a person" => {
            ok(store.audit_national_lookup("NHS number 9434765919", 0, 0, t))
        }
        other => panic!("no attempt written for `{other}`"),
    }
}

fn ok<T>(r: Result<T, StoreError>) -> Result<(), StoreError> {
    r.map(|_| ())
}

fn audit_rows(store: &Store) -> i64 {
    store
        .conn_for_reports()
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn every_role_against_every_write_is_allowed_or_refused_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roles.db");
    drop(sonar_custody::demo::create(&db, 0, now(), &mut |_, _| {}).unwrap());
    let s = subject(&db);
    let _ = s.person_id;
    let mut sessions: Vec<(Role, Store)> = ROLES
        .iter()
        .map(|(user, role)| {
            let store = Store::unlock(&db, user, "demo", now()).unwrap().store;
            assert_eq!(store.identity().role, *role, "{user}");
            (*role, store)
        })
        .collect();
    // Every write the program has is in the table.
    for duty in Duty::ALL {
        assert!(
            TABLE.iter().any(|(_, d, _)| *d == duty),
            "{duty:?} is missing from the table"
        );
    }
    let mut wrong = Vec::new();
    for (n, (what, _, expected)) in TABLE.iter().enumerate() {
        for ((role, store), allowed) in sessions.iter_mut().zip(expected.iter()) {
            let before = audit_rows(store);
            let result = attempt(what, store, &s, n);
            match (allowed, &result) {
                (true, Err(e @ (StoreError::Refused(_) | StoreError::NotPermitted { .. }))) => {
                    wrong.push(format!("{role}: `{what}` should be allowed, refused: {e}"));
                }
                (false, Err(StoreError::Refused(r))) => {
                    let sentence = r.to_string();
                    if !sentence.contains(" may not ") && !sentence.starts_with("the wall board") {
                        wrong.push(format!(
                            "{role}: `{what}` refused without saying who: {sentence}"
                        ));
                    }
                    if audit_rows(store) != before {
                        wrong.push(format!(
                            "{role}: `{what}` was refused but wrote to the audit"
                        ));
                    }
                }
                (false, other) => {
                    wrong.push(format!("{role}: `{what}` should be refused, got {other:?}"));
                }
                (true, _) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn refusals_name_who_does_it_instead() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roles.db");
    drop(sonar_custody::demo::create(&db, 0, now(), &mut |_, _| {}).unwrap());
    let s = subject(&db);
    let mut officer = Store::unlock(&db, "officer", "demo", now()).unwrap().store;
    assert_eq!(
        attempt("authorise detention", &mut officer, &s, 0)
            .unwrap_err()
            .to_string(),
        "a detention officer may not authorise detention: a custody sergeant does it (PACE s.37)"
    );
    let mut admin = Store::unlock(&db, "admin", "demo", now()).unwrap().store;
    assert_eq!(
        attempt("record a cell check", &mut admin, &s, 0)
            .unwrap_err()
            .to_string(),
        "the administrator may not record a cell check: a custody sergeant, a detention officer or a healthcare practitioner does it"
    );
    let mut hcp = Store::unlock(&db, "hcp", "demo", now()).unwrap().store;
    assert_eq!(
        attempt("record a supervised dose", &mut hcp, &s, 0)
            .unwrap_err()
            .to_string(),
        "a healthcare practitioner may not record a supervised self-administered dose: a custody sergeant or a detention officer does it (PACE Code C 9.10); an HCP records a dose given"
    );
}
