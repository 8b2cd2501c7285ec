//! The booking-in banner at 80×24 with 30 items known from before (issue 11: the banner
//! scrolls at every size; allergies and time-critical medicines first). A returning person has
//! 30 record entries from an earlier detention and another organisation's bundle; the
//! sergeant books them in through the real keys, and this measures:
//! - `known_items_read`: reading the clinical record's known items (what opening the banner
//!   does once);
//! - `render_80x24`: drawing the banner (what every frame does);
//! - `scroll_and_render_80x24`: one Down key through `update` plus a frame.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sonar_custody::domain::record::{AllergySeverity, Fact, MedicineSource, Origin};
use sonar_custody::store::Store;
use sonar_custody::store::record::{NewEntry, insert_entry};

fn banner(c: &mut Criterion) {
    let db = support::demo_db();
    let now = support::fixed_now();
    let mut store = Store::unlock(&db.path, "admin", support::DEMO_PASSWORD, now)
        .unwrap()
        .store;
    let (person, earlier) = store
        .conn_for_reports()
        .query_row(
            "SELECT p.id, d.id FROM person p JOIN detention d ON d.person_id = p.id
             WHERE p.surname = ?1 ORDER BY d.id LIMIT 1",
            [sonar_custody::demo::RETURNING.0],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .unwrap();
    store
        .write_raw(|tx| {
            for i in 0..30 {
                let fact = match i % 3 {
                    0 => Fact::Allergy {
                        substance: format!("Substance {i}"),
                        reaction: "rash and facial swelling".into(),
                        severity: AllergySeverity::Severe,
                    },
                    1 => Fact::ReportedMedicine {
                        name: if i % 2 == 0 {
                            "Levetiracetam".into()
                        } else {
                            format!("Medicine {i}")
                        },
                        dose: "500 mg".into(),
                        frequency: "twice daily".into(),
                        last_taken: "08:00".into(),
                        next_due: String::new(),
                        source: MedicineSource::SelfReport,
                        verified: false,
                    },
                    _ => Fact::Condition {
                        code: "other".into(),
                        name: format!("Condition {i}"),
                        detail: "under the GP".into(),
                        last_seizure: String::new(),
                        diabetes_type: String::new(),
                    },
                };
                insert_entry(
                    tx,
                    &NewEntry {
                        person_id: person,
                        detention_id: Some(earlier),
                        fact: &fact,
                        origin: &Origin::HcpEntry,
                        answer_id: None,
                        import_id: None,
                        recorded_by: "hcp",
                        recorded_at: now - chrono::Duration::days(100),
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);

    let mut app = support::app(&db.path);
    support::log_in(&mut app, "sergeant", support::DEMO_PASSWORD);
    support::type_text(&mut app, "b");
    support::type_text(&mut app, "marsh dan");
    support::key(&mut app, KeyCode::Enter);
    for v in ["PC 2 Reed", "Theft", "C11"] {
        support::type_text(&mut app, v);
        support::key(&mut app, KeyCode::Enter);
    }
    let screen = support::screen_text(&app, 80, 24);
    assert!(screen.contains("Already known"), "{screen}");
    let sergeant = Store::unlock(&db.path, "sergeant", support::DEMO_PASSWORD, now)
        .unwrap()
        .store;
    let detention = sergeant
        .in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.surname == sonar_custody::demo::RETURNING.0)
        .unwrap()
        .detention_id;
    let known = sergeant.clinical_record(detention).unwrap().known.len();
    eprintln!("banner bench: {known} items known from before");
    assert!(known >= 30);

    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut group = c.benchmark_group("banner");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("known_items_read", |b| {
        b.iter(|| std::hint::black_box(sergeant.clinical_record(detention).unwrap()))
    });
    group.bench_function("render_80x24", |b| {
        b.iter(|| {
            terminal
                .draw(|f| sonar_custody::ui::render(&app, f))
                .unwrap();
        })
    });
    group.bench_function("scroll_and_render_80x24", |b| {
        b.iter(|| {
            support::key(&mut app, KeyCode::Down);
            terminal
                .draw(|f| sonar_custody::ui::render(&app, f))
                .unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, banner);
criterion_main!(benches);
