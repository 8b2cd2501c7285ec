//! The clinical record where the next person looks (issue 11, items 3-5): the allergy line
//! at the top of every record tab, the Health tab read from the record, the board's ALLERGY
//! and KNOWN markers and who last saw the person, the review of what is known from before,
//! and earlier detentions opened read-only. Driven through real keys against `App`; the
//! record is filled through the store's own API, as the screen and the HCP would fill it.

mod support;

use crossterm::event::KeyCode;
use sonar_custody::app::{Action, App, RecordState, RecordTab, Screen};
use sonar_custody::domain::record::{
    AllergySeverity, Fact, MedicineSource, PregnancyStatus, SelfHarmRecency,
};
use sonar_custody::keymap::Context;
use sonar_custody::store::Store;
use support::*;

/// Clarke (C7) has a self-harm flag from an earlier detention here (the demo's history).
const CLARKE: &str = "Clarke";

fn store_as(db: &DemoDb, username: &str) -> Store {
    Store::unlock(&db.path, username, DEMO_PASSWORD, fixed_now())
        .expect("unlock")
        .store
}

fn detention_of(store: &Store, surname: &str) -> i64 {
    store
        .in_custody()
        .expect("board")
        .into_iter()
        .find(|e| e.surname == surname)
        .expect("in custody")
        .detention_id
}

/// The current SH flag on Clarke is entered in error, so the self-harm known from his
/// earlier detention is what the next person must see: `KNOWN SH!`.
fn only_the_earlier_self_harm(db: &DemoDb) {
    let mut store = store_as(db, "sergeant");
    let id = detention_of(&store, CLARKE);
    let flag = store
        .detention_flags(id)
        .expect("flags")
        .into_iter()
        .find(|f| f.code == "SH")
        .expect("Clarke's SH flag");
    store
        .mark_flag_in_error(flag.flag_id, "raised on the wrong person", fixed_now())
        .expect("in error");
}

/// A full record for Clarke, as the health screen and the HCP would leave it.
fn full_record(db: &DemoDb) {
    let mut store = store_as(db, "hcp");
    let id = detention_of(&store, CLARKE);
    let now = fixed_now() - chrono::Duration::minutes(50);
    let facts = [
        Fact::Allergy {
            substance: "Penicillin".into(),
            reaction: "rash and facial swelling".into(),
            severity: AllergySeverity::Severe,
        },
        Fact::Condition {
            code: "epilepsy".into(),
            name: "Epilepsy".into(),
            detail: String::new(),
            last_seizure: "2 weeks ago".into(),
            diabetes_type: String::new(),
        },
        Fact::ReportedMedicine {
            name: "Levetiracetam".into(),
            dose: "500 mg".into(),
            frequency: "twice daily".into(),
            last_taken: "08:00".into(),
            next_due: String::new(),
            source: MedicineSource::SelfReport,
            verified: false,
        },
        Fact::Alcohol {
            units_per_day: Some(30),
            last_drink: "14:00 yesterday".into(),
            withdrawal_history: Some(true),
        },
        Fact::Drug {
            substance: "Heroin".into(),
            route: "smoked".into(),
            amount: "0.5 g a day".into(),
            last_used: "this morning".into(),
        },
        Fact::SelfHarm {
            recency: SelfHarmRecency::WithinYear,
            method: "cutting".into(),
            details: "cut forearms after a relationship ended".into(),
            current_thoughts: Some(false),
            known_to_mental_health_services: Some(true),
        },
        Fact::Injury {
            body_area: "left hand".into(),
            description: "grazed knuckles".into(),
        },
        Fact::Pregnancy {
            status: PregnancyStatus::NotPregnant,
            details: String::new(),
        },
        Fact::Communication {
            need: "dyslexia".into(),
            adjustment: "read documents aloud".into(),
        },
    ];
    for fact in &facts {
        store.add_record_entry(id, fact, now).expect("entry");
    }
    store
        .record_hcp_contact(
            id,
            "assessment",
            now,
            "Alert, no withdrawal signs; review at 18:00.",
            now,
        )
        .expect("contact");
}

/// A suite where Clarke has the full record and only the earlier self-harm flag.
fn suite() -> DemoDb {
    let db = demo_db();
    only_the_earlier_self_harm(&db);
    full_record(&db);
    db
}

fn logged_in_to(db: &DemoDb, username: &str) -> App {
    let mut app = app(&db.path);
    log_in(&mut app, username, DEMO_PASSWORD);
    assert!(matches!(app.screen, Screen::Board(_)), "on the board");
    app
}

/// Moves the board selection to Clarke and opens his record.
fn open_clarke(app: &mut App) {
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board");
    };
    let pos = b
        .visible_rows()
        .position(|r| r.surname == CLARKE)
        .expect("Clarke on the board");
    key(app, KeyCode::Home);
    for _ in 0..pos {
        key(app, KeyCode::Down);
    }
    key(app, KeyCode::Enter);
    assert_eq!(record(app).view.entry.surname, CLARKE);
}

fn record(app: &App) -> &RecordState {
    match &app.screen {
        Screen::Record(r) => r,
        _ => panic!("not on a record:\n{}", screen_text(app, 80, 24)),
    }
}

fn to_tab(app: &mut App, tab: RecordTab) {
    for _ in 0..RecordTab::ALL.len() {
        if record(app).tab == tab {
            return;
        }
        press_action(app, Context::Record, Action::NextTab);
    }
    assert_eq!(record(app).tab, tab);
}

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn board_row_text(app: &App, surname: &str, width: u16, height: u16) -> String {
    screen_text(app, width, height)
        .lines()
        .find(|l| l.contains(&surname.to_uppercase()))
        .unwrap_or_default()
        .to_string()
}

fn snap(name: &str, app: &App, width: u16, height: u16) {
    let terminal = draw(app, width, height);
    insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
}

#[test]
fn the_allergy_line_is_at_the_top_of_every_record_tab() {
    let db = suite();
    let mut app = logged_in_to(&db, "sergeant");
    open_clarke(&mut app);
    for tab in RecordTab::ALL {
        to_tab(&mut app, tab);
        for (w, h) in [(80, 24), (120, 40)] {
            let text = screen_text(&app, w, h);
            // Under the header and the sergeant's strip of HCP directions to acknowledge.
            let second = text
                .lines()
                .skip(1)
                .find(|l| !l.contains("HCP DIRECTION"))
                .unwrap_or_default();
            assert!(
                second.starts_with(" ALLERGIES: Penicillin (rash and facial swelling, severe)"),
                "{tab:?} at {w}x{h}: the line under the header is the allergy line:\n{text}"
            );
        }
    }
    to_tab(&mut app, RecordTab::Summary);
    snap("record_allergy_summary", &app, 80, 24);
    to_tab(&mut app, RecordTab::Risk);
    snap("record_allergy_risk", &app, 80, 24);
}

#[test]
fn the_health_tab_reads_the_whole_record_for_the_hcp() {
    let db = suite();
    let mut app = logged_in_to(&db, "hcp");
    open_clarke(&mut app);
    to_tab(&mut app, RecordTab::Health);
    let text = screen_text(&app, 120, 80);
    let order = [
        "Allergies",
        "Penicillin (rash and facial swelling, severe)",
        "Conditions",
        "Epilepsy (last seizure 2 weeks ago)",
        "Medication",
        "Reported or brought, not yet confirmed",
        "Levetiracetam 500 mg twice daily (last taken 08:00, self-report, unverified)",
        "Alcohol and drugs",
        "30 units a day, last drink 14:00 yesterday",
        "Heroin (smoked, 0.5 g a day, last used this morning)",
        "Self-harm and mental health",
        "cut forearms after a relationship ended",
        "Injuries",
        "left hand (grazed knuckles)",
        "Pregnancy",
        "Communication and adjustments",
        "dyslexia (read documents aloud)",
        "HCP contacts",
        "Last seen by an HCP: hcp at 23 Nov 14:00 (fitness decision)",
        "Alert, no withdrawal signs; review at 18:00.",
    ];
    let mut from = 0;
    for needle in order {
        let at = text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} after the previous section:\n{text}"));
        from += at;
    }
    assert!(
        text.contains("hcp 23 Nov 13:10, HCP entry"),
        "provenance:\n{text}"
    );
    snap("record_health_full", &app, 120, 80);
    snap("record_health_full", &app, 80, 24);
}

#[test]
fn the_summary_says_who_saw_the_person_as_an_hcp_and_when() {
    let db = suite();
    let mut app = logged_in_to(&db, "sergeant");
    open_clarke(&mut app);
    let text = screen_text(&app, 120, 40);
    assert!(
        text.contains("Seen by an HCP        hcp at 23 Nov 14:00 (fitness decision)"),
        "{text}"
    );
}

#[test]
fn the_board_shows_allergy_and_known_markers_and_when_an_hcp_saw_the_person() {
    let db = suite();
    let app = logged_in_to(&db, "officer");
    let narrow = board_row_text(&app, CLARKE, 80, 24);
    assert!(narrow.contains("14:00"), "HCP column at 80: {narrow}");
    assert!(narrow.contains("DRG!! ALLERGY KNOWN SH!"), "{narrow}");
    let wide = board_row_text(&app, CLARKE, 120, 40);
    assert!(wide.contains("14:00 hcp"), "HCP column when wide: {wide}");
    assert!(wide.contains("DRG!! ALLERGY KNOWN SH!"), "{wide}");
    snap("board_markers", &app, 80, 24);
    snap("board_markers", &app, 120, 40);
}

#[test]
fn the_help_explains_the_board_marks() {
    let db = suite();
    let mut app = logged_in_to(&db, "officer");
    press_action(&mut app, Context::Board, Action::Help);
    type_text(&mut app, "known");
    let text = screen_text(&app, 120, 40);
    assert!(text.contains("KNOWN SH!"), "{text}");
    assert!(
        text.contains(
            "Known from before or another suite, not yet reviewed here (k on the record)"
        ),
        "{text}"
    );
}

#[test]
fn a_known_self_harm_flag_shows_on_the_board_until_the_sergeant_reconfirms_it() {
    let db = suite();
    let mut app = logged_in_to(&db, "sergeant");
    assert!(board_row_text(&app, CLARKE, 120, 40).contains("KNOWN SH!"));
    open_clarke(&mut app);
    assert!(
        record(&app)
            .view
            .entry
            .markers
            .iter()
            .any(|m| m == "KNOWN SH!")
    );
    press_action(&mut app, Context::Record, Action::ReviewKnown);
    let review = record(&app).review.as_ref().expect("the review is open");
    let first = review.items.first().expect("an item").summary.clone();
    assert!(first.starts_with("SH! Cut forearms"), "{first}");
    snap("record_review_known", &app, 80, 24);
    press_action(&mut app, Context::Record, Action::ReconfirmKnown);
    assert!(
        message(&app).starts_with("Reconfirmed: SH!"),
        "{}",
        message(&app)
    );
    let r = record(&app);
    assert!(
        !r.view
            .record
            .known
            .iter()
            .any(|k| k.summary.starts_with("SH!")),
        "no longer known: {:?}",
        r.view.record.known
    );
    assert!(!r.view.entry.markers.iter().any(|m| m.starts_with("KNOWN")));
    press_action(&mut app, Context::Record, Action::Back);
    if matches!(app.screen, Screen::Record(_)) {
        press_action(&mut app, Context::Record, Action::Back);
    }
    let row = board_row_text(&app, CLARKE, 120, 40);
    assert!(!row.contains("KNOWN"), "the marker went: {row}");
    assert!(row.contains("ALLERGY"), "{row}");
}

#[test]
fn setting_aside_needs_a_reason() {
    let db = suite();
    let mut app = logged_in_to(&db, "hcp");
    open_clarke(&mut app);
    press_action(&mut app, Context::Record, Action::ReviewKnown);
    let before = record(&app).view.record.known.len();
    press_action(&mut app, Context::Record, Action::SetAsideKnown);
    assert_eq!(app.context(), Context::Dialog, "typing the reason");
    key(&mut app, KeyCode::Enter);
    let review = record(&app).review.as_ref().expect("still open");
    assert!(
        review
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("reason"),
        "{review:?}"
    );
    assert_eq!(
        record(&app).view.record.known.len(),
        before,
        "nothing set aside"
    );
    type_text(
        &mut app,
        "Reviewed with the person; no self-harm since 2025",
    );
    key(&mut app, KeyCode::Enter);
    assert!(
        message(&app).starts_with("Set aside: SH!"),
        "{}",
        message(&app)
    );
    assert_eq!(record(&app).view.record.known.len(), before - 1);
}

#[test]
fn a_detention_officer_cannot_review_what_is_known() {
    let db = suite();
    let mut app = logged_in_to(&db, "officer");
    open_clarke(&mut app);
    press_action(&mut app, Context::Record, Action::ReviewKnown);
    assert!(record(&app).review.is_none());
    assert_eq!(
        message(&app),
        "Only an HCP or a custody sergeant can reconfirm or set aside what is known from before."
    );
    assert!(
        record(&app)
            .view
            .entry
            .markers
            .iter()
            .any(|m| m == "KNOWN SH!")
    );
}

#[test]
fn a_sergeant_sees_allergies_and_reported_medicines_but_not_self_harm_detail_or_notes() {
    let db = suite();
    let mut app = logged_in_to(&db, "sergeant");
    open_clarke(&mut app);
    to_tab(&mut app, RecordTab::Health);
    let text = screen_text(&app, 120, 80);
    assert!(
        text.contains("Penicillin (rash and facial swelling, severe)"),
        "{text}"
    );
    assert!(text.contains("Levetiracetam 500 mg twice daily"), "{text}");
    assert!(
        text.contains("Self-harm and mental health: HCP only"),
        "{text}"
    );
    assert!(
        !text.contains("cut forearms after a relationship"),
        "{text}"
    );
    assert!(!text.contains("Alert, no withdrawal signs"), "{text}");
    assert!(
        text.contains("hcp  assessment"),
        "the contact, without its note:\n{text}"
    );
    snap("record_health_full_sergeant", &app, 80, 24);
}

#[test]
fn an_earlier_detention_opens_read_only_from_the_history_tab() {
    let db = suite();
    let mut app = logged_in_to(&db, "sergeant");
    open_clarke(&mut app);
    let current = record(&app).view.entry.custody_no.clone();
    to_tab(&mut app, RecordTab::History);
    assert!(
        !record(&app).earlier().is_empty(),
        "Clarke has an earlier detention"
    );
    press_action(&mut app, Context::Record, Action::Confirm);
    let r = record(&app);
    assert!(r.read_only);
    assert_ne!(r.view.entry.custody_no, current);
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("READ-ONLY"), "{text}");
    assert!(text.contains("left the suite"), "{text}");
    snap("record_earlier_read_only", &app, 80, 24);
    for action in [
        Action::RecordCheck,
        Action::SetCarePlan,
        Action::AddClinical,
        Action::ExportHandover,
        Action::ReviewKnown,
    ] {
        press_action(&mut app, Context::Record, action);
        assert!(
            message(&app).contains("read-only"),
            "{action} refused: {}",
            message(&app)
        );
        assert!(app.handover.is_none() && app.entry.is_none());
        assert!(record(&app).read_only && record(&app).review.is_none());
    }
    press_action(&mut app, Context::Record, Action::Back);
    let r = record(&app);
    assert!(!r.read_only);
    assert_eq!(r.view.entry.custody_no, current);
    assert_eq!(r.tab, RecordTab::History);
}
