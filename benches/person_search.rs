//! Person search at booking-in over a suite of 1,000,000 people (the target: p99
//! under 5 ms). Each query shape the search screen produces is timed one query at a time,
//! through `Store::search_people` with the one-line parser and the screen's result limit
//! (`SEARCH_LIMIT`), as the UI calls it on each key; percentiles are printed per shape and
//! over all. The duplicate check run before a new person is created
//! (`Store::possible_duplicates`) is timed the same way.
//!
//! The suite is generated once (about a minute for 1,000,000 people) and kept under Cargo's
//! target tmpdir; `SONAR_BENCH_PEOPLE` sets another size.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonar_custody::domain::booking::{PersonInput, parse_query, validate_person};
use sonar_custody::store::Store;

/// Makes one query text of a shape.
type MakeQuery<'a> = dyn Fn(&mut StdRng) -> String + 'a;

fn people() -> u64 {
    std::env::var("SONAR_BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000)
}

fn cached_suite(people: u64, now: DateTime<Utc>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-person-search-{people}"));
    let db = dir.join("demo.db");
    let done = dir.join("complete");
    if done.exists() {
        eprintln!(
            "person search bench: reusing the suite in {}",
            dir.display()
        );
        return db;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    eprintln!("person search bench: generating {people} people…");
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
        "person search bench: generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&done, b"").expect("mark the suite complete");
    db
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut times: Vec<Duration>) -> Vec<Duration> {
    times.sort_unstable();
    println!(
        "{name:<28} n={:<5} p50={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
    times
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too, briefly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
    let people = if quick { 2_000 } else { people() };
    let db = cached_suite(people, now);
    let store = Store::unlock(&db, "sergeant", "demo", now)
        .expect("log in")
        .store;
    let surnames = [
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
        "Roberts", "Khan", "Patel", "Nowak", "O'Brien",
    ];
    let forenames = [
        "John", "Daniel", "James", "Sarah", "Emma", "Mohammed", "Liam", "Chloe", "Adam", "Kyle",
    ];
    let mut rng = StdRng::seed_from_u64(7);
    let n = if quick { 20 } else { 400 };
    let mut all = Vec::new();
    let shapes: [(&str, &MakeQuery<'_>); 7] = [
        ("surname prefix (3 letters)", &|r| {
            surnames[r.random_range(0..surnames.len())][..3].to_lowercase()
        }),
        ("full surname", &|r| {
            surnames[r.random_range(0..surnames.len())].to_string()
        }),
        ("surname + forename", &|r| {
            format!(
                "{} {}",
                surnames[r.random_range(0..surnames.len())],
                forenames[r.random_range(0..forenames.len())]
            )
        }),
        ("surname + date of birth", &|r| {
            format!(
                "{} {:02}/{:02}/{}",
                surnames[r.random_range(0..surnames.len())],
                r.random_range(1..=28),
                r.random_range(1..=12),
                r.random_range(1950..2008)
            )
        }),
        ("date of birth", &|r| {
            format!(
                "{}-{:02}-{:02}",
                r.random_range(1950..2008),
                r.random_range(1..=12),
                r.random_range(1..=28)
            )
        }),
        ("NHS number", &|_| "943 476 5919".to_string()),
        ("PNC id", &|_| "2008/0056560Z".to_string()),
    ];
    for (name, make) in shapes {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let text = make(&mut rng);
            let started = Instant::now();
            let q = parse_query(&text, 2026);
            let found = store
                .search_people(&q, sonar_custody::app::booking::SEARCH_LIMIT)
                .expect("search");
            times.push(started.elapsed());
            std::hint::black_box(found);
        }
        all.extend(report(name, times));
    }
    // The duplicate check before a new person is created: the same date of birth with a name
    // alike (the main case), plus the NHS number and PNC id when given. Some names are spelt
    // the other way (Smyth, Kahn) so the spelling variants are scored too.
    let variants = [
        "Smyth",
        "Jones",
        "Williams",
        "Tailor",
        "Browne",
        "Davis",
        "Evans",
        "Willson",
        "Thomas",
        "Robertson",
        "Kahn",
        "Patel",
        "Novak",
        "OBrien",
    ];
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
    for (name, with_ids) in [
        ("duplicates: name + dob", false),
        ("duplicates: + NHS and PNC", true),
    ] {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let input = PersonInput {
                surname: variants[rng.random_range(0..variants.len())].to_string(),
                forenames: forenames[rng.random_range(0..forenames.len())].to_string(),
                date_of_birth: format!(
                    "{:02}/{:02}/{}",
                    rng.random_range(1..=28),
                    rng.random_range(1..=12),
                    rng.random_range(1950..2008)
                ),
                nhs_number: if with_ids {
                    "9434765919".into()
                } else {
                    String::new()
                },
                pnc_id: if with_ids {
                    "2008/0056560Z".into()
                } else {
                    String::new()
                },
                ..Default::default()
            };
            let p = validate_person(&input, today).expect("a valid person");
            let started = Instant::now();
            let found = store.possible_duplicates(&p).expect("duplicates");
            times.push(started.elapsed());
            std::hint::black_box(found);
        }
        all.extend(report(name, times));
    }
    println!("over {people} people:");
    report("all shapes", all);
}
