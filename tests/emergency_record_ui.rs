//! The record screen shows the person's emergencies: an open one at the top of the Summary tab
//! ("EMERGENCY OPEN since …"), and every emergency of the detention with its timeline (opened,
//! calls, outcome, closed by) on the Summary and Care plan tabs, for a detention officer as
//! for anyone. Driven through real keys against `App`; the emergencies are recorded through
//! the store's own API, as the emergency screens record them.

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::{Action, App, RecordState, RecordTab, Screen};
use sonar_custody::domain::emergency::{CallKind, CloseDraft, OutcomeKind};
use sonar_custody::keymap::Context;
use sonar_custody::store::Store;
use support::*;

const CLARKE: &str = "Clarke";

/// Clarke: one emergency at 13:20 (ambulance called 13:21, taken to hospital 13:40, closed by
/// the sergeant 13:41), and one opened at 13:55 with the HCP called, still open.
fn two_emergencies(db: &DemoDb) -> i64 {
    let mut store = Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
        .expect("unlock")
        .store;
    let detention = store
        .in_custody()
        .expect("board")
        .into_iter()
        .find(|e| e.surname == CLARKE)
        .expect("Clarke in custody")
        .detention_id;
    let at = |m: i64| fixed_now() - Duration::minutes(m);
    let first = store
        .raise_emergency(detention, "Found slumped, not responding", "", at(40))
        .expect("raise");
    store
        .record_emergency_call(first, CallKind::Ambulance, "Sgt Okafor", at(39), at(39))
        .expect("call");
    store
        .close_emergency(
            first,
            &CloseDraft {
                kind: OutcomeKind::TakenToHospital,
                outcome_at: at(20),
                note: "conveyed to LGI".into(),
            },
            at(19),
        )
        .expect("close");
    let second = store
        .raise_emergency(detention, "Breathing noisily, will not wake", "", at(5))
        .expect("raise");
    store
        .record_emergency_call(second, CallKind::Hcp, "DO Walsh", at(4), at(4))
        .expect("call");
    second
}

fn record(app: &App) -> &RecordState {
    match &app.screen {
        Screen::Record(r) => r,
        _ => panic!("not on a record:\n{}", screen_text(app, 100, 40)),
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

/// Logs in as `who`, puts the open emergency's full screen aside (as esc does once it is
/// acknowledged) and opens Clarke's record from the board.
fn clarke_as(db: &DemoDb, who: &str, open_id: i64) -> App {
    let mut app = app(&db.path);
    log_in(&mut app, who, DEMO_PASSWORD);
    app.emergency.acknowledged.insert(open_id);
    app.emergency.set_aside.insert(open_id);
    let Screen::Board(b) = &app.screen else {
        panic!("not on the board:\n{}", screen_text(&app, 100, 40));
    };
    let pos = b
        .visible_rows()
        .position(|r| r.surname == CLARKE)
        .expect("Clarke on the board");
    key(&mut app, KeyCode::Home);
    for _ in 0..pos {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(record(&app).view.entry.surname, CLARKE);
    app
}

/// The lines of the record's body (below the tab titles), trimmed.
fn body(app: &App, width: u16, height: u16) -> Vec<String> {
    let text = screen_text(app, width, height);
    let lines: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
    let tabs = lines
        .iter()
        .position(|l| l.contains("Summary") && l.contains('|'))
        .unwrap_or_else(|| panic!("no tab titles:\n{text}"));
    lines[tabs + 1..].to_vec()
}

#[test]
fn the_summary_opens_with_the_open_emergency_and_lists_each_with_its_timeline() {
    let db = demo_db();
    let open_id = two_emergencies(&db);
    for who in ["officer", "sergeant", "hcp"] {
        let app = clarke_as(&db, who, open_id);
        assert_eq!(record(&app).tab, RecordTab::Summary);
        let body = body(&app, 180, 60);
        let first = body
            .iter()
            .find(|l| !l.chars().all(|c| c == '─' || c == ' '));
        let first = first.cloned().unwrap_or_default();
        assert!(
            first.starts_with("EMERGENCY OPEN since 13:55")
                && first.ends_with("Breathing noisily, will not wake"),
            "{who}: the first line of the Summary is the open emergency: {first:?}\n{}",
            body.join("\n")
        );
        let text = body.join("\n");
        let order = [
            "Emergencies in this detention",
            "(raised by hand): Found slumped, not responding; closed 13:41 by sergeant: taken to hospital 13:40: conveyed to LGI",
            "13:20 opened by sergeant (raised by hand): Found slumped, not responding",
            "13:21 999 / ambulance called by Sgt Okafor",
            "13:40 Taken to hospital: conveyed to LGI",
            "13:41 closed by sergeant",
            "EMERGENCY OPEN since 13:55",
            "13:56 HCP called by DO Walsh",
        ];
        let mut from = 0;
        for needle in order {
            let at = text[from..]
                .find(needle)
                .unwrap_or_else(|| panic!("{who}: {needle:?} after the previous line:\n{text}"));
            from += at;
        }
    }
}

#[test]
fn the_care_plan_tab_lists_the_emergencies_beside_the_plan() {
    let db = demo_db();
    let open_id = two_emergencies(&db);
    let mut app = clarke_as(&db, "officer", open_id);
    to_tab(&mut app, RecordTab::CarePlan);
    let text = body(&app, 180, 80).join("\n");
    for needle in [
        "Emergencies in this detention",
        "13:40 Taken to hospital: conveyed to LGI",
        "EMERGENCY OPEN since 13:55",
        "13:56 HCP called by DO Walsh",
    ] {
        assert!(text.contains(needle), "{needle:?}:\n{text}");
    }
}
