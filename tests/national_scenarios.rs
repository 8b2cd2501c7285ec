//! The national record through the terminal's own key paths, with the courier's answers fed
//! in as events (the network is `tests/national_suites.rs`'s): one terminal at a time takes a
//! handover from the outbox; a failure keeps it queued, backs off and puts "national record
//! unreachable since …" in every terminal's header; the receipt clears it and shows on the
//! record; at booking-in the search and the banner ask the record, and when it cannot be
//! reached they say so and show what this suite knows (snapshots at 80×24).

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use sonar_custody::app::national::BannerNational;
use sonar_custody::app::{App, Event, update};
use sonar_custody::domain::national::{Failure, Receipt};
use sonar_custody::handover::export::{self, Handover};
use sonar_custody::handover::{Destination, keys};
use sonar_custody::national::courier::{Done, Job};
use sonar_custody::store::Store;
use support::*;

const UNREACHABLE: &str = "the national record cannot be reached: connection refused";

/// The demo suite joined to a record (at an address nothing answers on: the answers are fed
/// in), with its first person in custody handed over: (suite, custody no).
fn joined_with_a_handover() -> (DemoDb, tempfile::TempDir, String) {
    let db = demo_db();
    let mut admin = Store::unlock(&db.path, "admin", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let record_key = keys::public_jwk(&keys::generate().verifying_key()).to_string();
    admin
        .join_national("http://127.0.0.1:9", &record_key, None, fixed_now())
        .unwrap();
    drop(admin);
    let out = tempfile::tempdir().unwrap();
    let mut store = Store::unlock(&db.path, "sergeant", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let custody_no = store.in_custody().unwrap()[0].custody_no.clone();
    export::export(
        &mut store,
        &Handover {
            custody_no: &custody_no,
            destination: Destination::Court,
            receiving_org: "Northtown Magistrates' Court",
            receiving_officer: "DCO Lee 881",
        },
        out.path(),
        fixed_now(),
    )
    .unwrap();
    (db, out, custody_no)
}

fn logged_in_to(db: &DemoDb, user: &str) -> App {
    let mut app = app(&db.path);
    log_in(&mut app, user, DEMO_PASSWORD);
    app
}

fn tick(app: &mut App, after: Duration) {
    update(app, Event::Tick(fixed_now() + after));
}

fn deliveries(app: &mut App) -> Vec<i64> {
    std::mem::take(&mut app.national.jobs)
        .into_iter()
        .filter_map(|j| match j {
            Job::Deliver { outbox_id, .. } => Some(outbox_id),
            Job::Ask { .. } => None,
        })
        .collect()
}

fn asks(app: &mut App) -> Vec<u64> {
    std::mem::take(&mut app.national.jobs)
        .into_iter()
        .filter_map(|j| match j {
            Job::Ask { ask, .. } => Some(ask),
            Job::Deliver { .. } => None,
        })
        .collect()
}

fn header(app: &App) -> String {
    screen_text(app, 120, 30)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn one_terminal_sends_a_failure_backs_off_and_every_header_says_so_until_the_receipt() {
    let (db, _out, custody_no) = joined_with_a_handover();
    let mut sergeant = logged_in_to(&db, "sergeant");
    let mut officer = logged_in_to(&db, "officer");

    // The sergeant's terminal takes the handover on its tick; the officer's finds it taken.
    tick(&mut sergeant, Duration::zero());
    let taken = deliveries(&mut sergeant);
    assert_eq!(taken.len(), 1);
    tick(&mut officer, Duration::seconds(1));
    assert!(
        deliveries(&mut officer).is_empty(),
        "one terminal at a time"
    );

    // The record cannot be reached: still queued, retried after 30 seconds.
    update(
        &mut sergeant,
        Event::National(Done::Delivered {
            outbox_id: taken[0],
            result: Err(Failure::Unreachable(UNREACHABLE.into())),
        }),
    );
    let store = Store::unlock(&db.path, "hcp", DEMO_PASSWORD, fixed_now())
        .unwrap()
        .store;
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox[0].attempts, 1);
    assert_eq!(outbox[0].last_error.as_deref(), Some(UNREACHABLE));
    assert!(outbox[0].receipt.is_none());
    for app in [&mut sergeant, &mut officer] {
        tick(app, Duration::seconds(10));
        assert!(deliveries(app).is_empty(), "not before the back-off");
        assert!(
            header(app).contains("national record unreachable since 14:00; 1 handover waiting"),
            "{}",
            header(app)
        );
    }
    // After the back-off the officer's terminal takes it, and the record accepts it.
    tick(&mut officer, Duration::seconds(31));
    let taken = deliveries(&mut officer);
    assert_eq!(taken.len(), 1);
    update(
        &mut officer,
        Event::National(Done::Delivered {
            outbox_id: taken[0],
            result: Ok(Receipt {
                document: "7731".into(),
                received_at: "2026-11-23T14:00:31Z".into(),
            }),
        }),
    );
    tick(&mut sergeant, Duration::seconds(32));
    assert!(
        !header(&sergeant).contains("unreachable"),
        "{}",
        header(&sergeant)
    );
    let entry = store.outbox().unwrap().remove(0);
    assert_eq!(entry.receipt.as_ref().unwrap().document, "7731");
    assert_eq!(entry.custody_no, custody_no);
    // The handed-over record says where the bundle stands.
    let detention = store.detention_by_custody_no(&custody_no).unwrap().unwrap();
    let view = sonar_custody::store::custody::record(store.conn_for_reports(), detention, false)
        .unwrap()
        .unwrap();
    assert!(
        view.national
            .unwrap()
            .describe()
            .starts_with("accepted by the national record at 14:00, receipt 7731")
    );
    // Nothing is left to take.
    tick(&mut sergeant, Duration::minutes(20));
    assert!(deliveries(&mut sergeant).is_empty());
}

#[test]
fn unreachable_at_booking_in_the_search_and_the_banner_say_so_and_show_what_the_suite_knows() {
    let (db, _out, _) = joined_with_a_handover();
    let mut app = logged_in_to(&db, "sergeant");
    key(&mut app, KeyCode::Char('b'));
    // An NHS number nobody here has: the record is asked, once.
    type_text(&mut app, "485 777 3457");
    let asked = asks(&mut app);
    assert_eq!(asked.len(), 1, "asked once for the whole number");
    update(
        &mut app,
        Event::National(Done::Answered {
            ask: asked[0],
            result: Err(Failure::Unreachable(UNREACHABLE.into())),
        }),
    );
    let search = screen_text(&app, 80, 24);
    assert!(search.contains("No one found"), "{search}");
    assert!(
        search.contains("National record: cannot be reached: connection refused."),
        "{search}"
    );
    insta::assert_snapshot!("search_record_unreachable", search);

    // A new person from what was typed; once booked in, the banner asks again.
    key(&mut app, KeyCode::F(2));
    for field in [
        "Okafor",
        "Daniel",
        "02/04/1991",
        "m",
        "",
        "",
        "PC 9 Lowe",
        "Theft",
        "C20",
    ] {
        type_text(&mut app, field);
        key(&mut app, KeyCode::Enter);
    }
    let asked = asks(&mut app);
    assert_eq!(
        asked.len(),
        1,
        "the banner asks: {}",
        screen_text(&app, 80, 24)
    );
    let asking = screen_text(&app, 80, 24);
    assert!(
        asking.contains("National record: asking by NHS number 4857773457"),
        "{asking}"
    );
    update(
        &mut app,
        Event::National(Done::Answered {
            ask: asked[0],
            result: Err(Failure::Unreachable(UNREACHABLE.into())),
        }),
    );
    assert!(matches!(
        app.national.banner,
        Some((_, BannerNational::Failed(_)))
    ));
    let banner = screen_text(&app, 80, 24);
    assert!(
        banner.contains("cannot be reached: connection refused. Shown here is what"),
        "{banner}"
    );
    assert!(
        banner.contains("Nothing is known about this person from before"),
        "{banner}"
    );
    insta::assert_snapshot!("banner_record_unreachable", banner);
    // Acknowledged as ever: the risk assessment follows.
    key(&mut app, KeyCode::Enter);
    assert!(
        screen_text(&app, 80, 24).contains("first time in police custody"),
        "{}",
        screen_text(&app, 80, 24)
    );
}
