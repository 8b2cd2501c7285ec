//! Board refresh: what the UI does every second and after every change, i.e. read everyone in
//! custody (`Store::in_custody`), build and sort the board's rows (`BoardState`), and render
//! the board at 120×40, on a suite with a large history. The target is under 5 ms with
//! 40 people in custody and 1,000,000 historical detentions.
//!
//! The historical people default to 200,000 so a run finishes in a few minutes on a small
//! machine; set `SONAR_BENCH_PEOPLE=1000000` for the figure. The generated suite is
//! kept under Cargo's target tmpdir and reused by later runs (its generation time is printed
//! when it is made).
//!
//! Measured at 1,000,000 on 2026-11-30 (2 cores): the whole tick with 40 in custody, PACE
//! state, HCP requests and directions and two emergencies open, 2.30 ms (budget 5 ms); with
//! appropriate adults awaited and interpreters too (`add_support_needs`), 2.43 ms (2 shared
//! cores, 2026-11-30).
//!
//! Measured, each with 20 (the demo's cast), then 40 people in custody, then 40 with two
//! emergencies open (acknowledged and put aside, so the board is drawn):
//! - `in_custody_query`: the SQL alone;
//! - `refresh_rows`: the query plus building and sorting `BoardState` rows;
//! - `tick_refresh_and_render_120x40`: the App's real refresh path (`Event::Tick` through
//!   `update`) plus `ui::render` on a 120×40 test terminal: the whole board refresh, which
//!   includes the PACE state of everyone in custody and the open emergencies (read from the
//!   database and published to the alarm file for locked terminals);
//! - `render_only_120x40`: drawing alone.
//!
//! The last suite also has appropriate adults awaited and interpreters who came
//! (`add_support_needs`), read in the same tick.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sonar_custody::app::board::BoardState;
use sonar_custody::app::{Event, Screen, update};
use sonar_custody::store::Store;
use sonar_custody::store::audit::{self, AuditAction};
use sonar_custody::store::custody::{
    NewCarePlan, NewDetention, NewFlag, NewPerson, insert_care_plan, insert_check,
    insert_detention, insert_flag, insert_person,
};

fn people() -> u64 {
    std::env::var("SONAR_BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(200_000)
}

/// The generated suite for `people` historical people, made once and kept.
fn cached_suite(people: u64, now: DateTime<Utc>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-board-{people}"));
    let db = dir.join("demo.db");
    let done = dir.join("complete");
    if done.exists() && Store::unlock(&db, "sergeant", support::DEMO_PASSWORD, now).is_ok() {
        eprintln!("board bench: reusing the suite in {}", dir.display());
        return db;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    eprintln!("board bench: generating {people} historical people…");
    let started = Instant::now();
    let mut last = 0;
    let store = sonar_custody::demo::create(&db, people, now, &mut |done, total| {
        let percent = done * 100 / total.max(1);
        if percent >= last + 10 {
            last = percent;
            eprintln!("  {done}/{total}");
        }
    })
    .expect("generate the demo suite");
    drop(store);
    eprintln!(
        "board bench: generated {people} historical people in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&done, b"").expect("mark the suite complete");
    db
}

/// Copies the cached suite so the bench can add people without changing the cache.
fn working_copy(db: &Path, into: &Path) -> PathBuf {
    for entry in std::fs::read_dir(db.parent().unwrap()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), into.join(entry.file_name())).unwrap();
        }
    }
    into.join("demo.db")
}

/// Books 20 more people in, each with a flag, a level 2 plan and a recent check, so the
/// board has the 40 rows.
fn add_twenty_in_custody(db: &Path, now: DateTime<Utc>) {
    let mut store = Store::unlock(db, "admin", support::DEMO_PASSWORD, now)
        .expect("admin login")
        .store;
    store
        .write_raw(|tx| {
            for i in 0..20u32 {
                let arrived = now - chrono::Duration::minutes(30 + 17 * i64::from(i));
                let person = insert_person(
                    tx,
                    &NewPerson {
                        surname: format!("Extra{i:02}"),
                        forenames: "Bench".into(),
                        date_of_birth: chrono::NaiveDate::from_ymd_opt(1980 + i as i32, 1, 1),
                        ..NewPerson::default()
                    },
                    arrived,
                )?;
                let detention = insert_detention(
                    tx,
                    &NewDetention {
                        person_id: person,
                        custody_no: format!("NG-26-9{i:04}"),
                        arrived_at: arrived,
                        authorised_at: Some(arrived + chrono::Duration::minutes(10)),
                        arresting_officer: "PC 4512 Hart".into(),
                        reason: "Theft".into(),
                        cell: format!("D{}", i + 1),
                        ..NewDetention::default()
                    },
                )?;
                insert_flag(
                    tx,
                    &NewFlag {
                        person_id: person,
                        detention_id: Some(detention),
                        code: ["ALC", "DRG", "SH", "MH"][i as usize % 4],
                        severity: "warning",
                        reason: "bench",
                        source: "booking-in risk assessment",
                        raised_by: "sergeant",
                        raised_at: arrived,
                    },
                )?;
                insert_care_plan(
                    tx,
                    &NewCarePlan {
                        detention_id: detention,
                        level: 2,
                        interval_minutes: Some(30),
                        rouse: true,
                        instructions: "Rouse every 30 minutes.",
                        rationale: "",
                        set_by: "sergeant",
                        set_at: arrived + chrono::Duration::minutes(15),
                    },
                )?;
                insert_check(
                    tx,
                    detention,
                    now - chrono::Duration::minutes(i64::from(i)),
                    "officer",
                    Some(true),
                    "settled",
                )?;
            }
            audit::append(tx, now, "admin", AuditAction::RecordWrite, "bench", "")?;
            Ok(())
        })
        .expect("add people");
}

/// Raises three emergencies by hand among the 40 in custody and closes one with an outcome,
/// so the tick reads open emergencies, their calls and acknowledgements, and a plan review due.
fn add_emergencies(db: &Path, now: DateTime<Utc>) {
    use sonar_custody::domain::emergency::{CallKind, CloseDraft, OutcomeKind};
    let mut store = Store::unlock(db, "sergeant", support::DEMO_PASSWORD, now)
        .expect("sergeant login")
        .store;
    let ids: Vec<i64> = store
        .in_custody()
        .expect("query")
        .iter()
        .take(3)
        .map(|e| e.detention_id)
        .collect();
    let mut opened = Vec::new();
    for id in ids {
        let e = store
            .raise_emergency(id, "Found slumped, breathing noisily", "", now)
            .expect("raise");
        store
            .record_emergency_call(e, CallKind::Ambulance, "Sgt Okafor", now, now)
            .expect("call");
        opened.push(e);
    }
    store
        .close_emergency(
            opened[0],
            &CloseDraft {
                kind: OutcomeKind::RousedOnRecheck,
                outcome_at: now,
                note: String::new(),
            },
            now,
        )
        .expect("close");
}

/// Records an appropriate adult needed and asked for (awaited) for three people in custody and
/// an interpreter who came for two more, so the tick reads and shows `AA WAIT`
/// (`store::support::support_in_custody`, one statement per tick).
fn add_support_needs(db: &Path, now: DateTime<Utc>) {
    use sonar_custody::domain::support::{Need, Step};
    use sonar_custody::store::support::StepDraft;
    let mut store = Store::unlock(db, "officer", support::DEMO_PASSWORD, now)
        .expect("officer login")
        .store;
    let ids: Vec<i64> = store
        .in_custody()
        .expect("query")
        .iter()
        .filter(|e| e.support.is_empty())
        .take(5)
        .map(|e| e.detention_id)
        .collect();
    let at = |m: i64| now - chrono::Duration::minutes(m);
    for (i, id) in ids.into_iter().enumerate() {
        let need = if i < 3 {
            Need::VulnerableAdult
        } else {
            Need::Language
        };
        let draft = |step: Step, need_now: Option<Need>, detail: &str, m: i64| StepDraft {
            kind: need.kind(),
            step,
            need: need_now,
            detail: detail.into(),
            at: at(m),
        };
        store
            .record_support(id, &draft(Step::Needed, Some(need), "bench", 60), now)
            .expect("need");
        store
            .record_support(id, &draft(Step::Requested, None, "", 45), now)
            .expect("request");
        if i >= 3 {
            store
                .record_support(id, &draft(Step::Arrived, None, "", 20), now)
                .expect("arrival");
        }
    }
}

fn bench_suite(c: &mut Criterion, label: &str, db: &Path, now: DateTime<Utc>) {
    let store = Store::unlock(db, "sergeant", support::DEMO_PASSWORD, now)
        .expect("sergeant login")
        .store;
    let in_custody = store.in_custody().expect("query").len();
    let mut app = support::app(db);
    support::log_in(&mut app, "sergeant", support::DEMO_PASSWORD);
    assert!(matches!(app.screen, Screen::Board(_)), "logged in");
    // Acknowledge any open emergency and put it aside, so the board (not the alert) is drawn.
    update(&mut app, Event::Tick(now));
    // Enter acknowledges the one shown; the next unacknowledged one is then shown.
    for _ in 0..app.emergency.open.len() {
        support::key(&mut app, crossterm::event::KeyCode::Enter);
    }
    support::key(&mut app, crossterm::event::KeyCode::Esc);
    assert!(
        !sonar_custody::app::emergency::full_screen(&app),
        "the emergencies are put aside"
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    eprintln!("board bench [{label}]: {in_custody} people in custody");

    let mut group = c.benchmark_group(format!("board/{label}"));
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("in_custody_query", |b| {
        b.iter(|| std::hint::black_box(store.in_custody().unwrap()))
    });
    group.bench_function("refresh_rows", |b| {
        let mut board = BoardState::default();
        b.iter(|| {
            board.replace_entries(store.in_custody().unwrap(), now);
            std::hint::black_box(board.visible.len())
        })
    });
    group.bench_function("tick_refresh_and_render_120x40", |b| {
        b.iter(|| {
            update(&mut app, Event::Tick(now));
            terminal
                .draw(|f| sonar_custody::ui::render(&app, f))
                .unwrap();
        })
    });
    assert!(app.identity().is_some(), "the ticks did not lock the App");
    group.bench_function("render_only_120x40", |b| {
        b.iter(|| {
            terminal
                .draw(|f| sonar_custody::ui::render(&app, f))
                .unwrap();
        })
    });
    group.finish();
    let Screen::Board(board) = &app.screen else {
        panic!("still on the board");
    };
    assert_eq!(board.rows.len(), in_custody, "the board shows everyone");
}

fn board_refresh(c: &mut Criterion) {
    let now = support::fixed_now();
    let people = people();
    let cached = cached_suite(people, now);
    let work = tempfile::tempdir().expect("work dir");
    let db = working_copy(&cached, work.path());
    bench_suite(c, &format!("{people}_historical/20_in_custody"), &db, now);
    add_twenty_in_custody(&db, now);
    bench_suite(c, &format!("{people}_historical/40_in_custody"), &db, now);
    add_emergencies(&db, now);
    add_support_needs(&db, now);
    bench_suite(
        c,
        &format!("{people}_historical/40_in_custody_2_emergencies_open"),
        &db,
        now,
    );
}

criterion_group!(benches, board_refresh);
criterion_main!(benches);
