//! How long a person waits on the store: unlocking (Argon2id over the keyslot, opening the
//! SQLCipher database, writing the login's audit row) and one write with its audit row
//! (`synchronous=FULL`, so each commit reaches the disk), and one NEWS2 recorded through the
//! score rules. Run with `cargo bench --bench store`;
//! medians are in `target/criterion/store/*/new/estimates.json`.

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use sonar_custody::domain::role::Role;
use sonar_custody::domain::scores::news2;
use sonar_custody::store::Store;
use sonar_custody::store::audit::AuditAction;
use sonar_custody::store::custody::{NewDetention, NewPerson, insert_detention, insert_person};
use sonar_custody::store::keyslots::KeyslotFile;

const PASSWORD: &str = "correct horse battery staple";

fn store_benches(c: &mut Criterion) {
    sonar_custody::store::connection::route_sqlcipher_log(None);
    let dir = tempfile::Builder::new()
        .prefix("sonar-bench-")
        .tempdir()
        .expect("temp dir");
    let db = dir.path().join("suite.db");
    let (store, _recovery) =
        Store::init(&db, "Bench Suite", "admin", PASSWORD, Utc::now()).expect("init");
    drop(store);

    let mut group = c.benchmark_group("store");
    // Logins take a tenth of a second or more: ten flat samples of a few iterations each.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));

    // Argon2id alone: unwrapping the administrator's slot (64 MiB, 3 passes).
    let slots = KeyslotFile::load(&db).expect("keyslots");
    group.bench_function("keyslot_unwrap_argon2id", |b| {
        b.iter(|| {
            let keys = slots
                .unwrap_all("admin", black_box(PASSWORD.as_bytes()))
                .expect("unwrap");
            assert_eq!(keys.len(), 1);
            keys
        })
    });

    // A whole login: Argon2id, open and prove the key, schema check, login audit row, keyslot
    // bookkeeping. Closing the session is left out (dropped after timing).
    group.bench_function("unlock", |b| {
        b.iter_with_large_drop(|| {
            Store::unlock(&db, "admin", black_box(PASSWORD), Utc::now())
                .expect("unlock")
                .store
        })
    });

    // One write with its audit row, in one IMMEDIATE transaction, fsynced.
    let mut store = Store::unlock(&db, "admin", PASSWORD, Utc::now())
        .expect("unlock")
        .store;
    let synchronous: i64 = store
        .conn_for_reports()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("read synchronous");
    assert_eq!(
        synchronous, 2,
        "the figure is only meaningful with synchronous=FULL"
    );
    group
        .sample_size(30)
        .sampling_mode(SamplingMode::Auto)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("audited_write", |b| {
        b.iter(|| {
            store
                .audit(Utc::now(), AuditAction::RecordRead, black_box("C0001"), "")
                .expect("write")
        })
    });

    // One NEWS2 from the entry sheet: scored, stored with its inputs, evaluated against the
    // score rules (flag raised or already covered, emergency opened at 7+), audited, fsynced.
    store
        .add_user_with("nurse", "Nurse", Role::Hcp, PASSWORD, false, Utc::now())
        .expect("add the HCP");
    let detention = store
        .write_raw(|tx| {
            let person = insert_person(
                tx,
                &NewPerson {
                    surname: "Bench".into(),
                    forenames: "Person".into(),
                    ..Default::default()
                },
                Utc::now(),
            )?;
            insert_detention(
                tx,
                &NewDetention {
                    person_id: person,
                    custody_no: "B-1".into(),
                    arrived_at: Utc::now(),
                    ..Default::default()
                },
            )
        })
        .expect("a detention");
    drop(store);
    let mut hcp = Store::unlock(&db, "nurse", PASSWORD, Utc::now())
        .expect("unlock as the HCP")
        .store;
    let high = news2::Observations {
        respiration_rate: 26,
        spo2: 93,
        scale: news2::SpO2Scale::Scale1,
        on_oxygen: false,
        systolic_bp: 124,
        pulse: 118,
        consciousness: news2::Consciousness::Alert,
        temperature_tenths: 368,
    };
    group.bench_function("news2_with_rules", |b| {
        b.iter(|| {
            hcp.record_news2(detention, black_box(&high), false, Utc::now())
                .expect("record NEWS2")
        })
    });
    group.finish();
}

criterion_group!(benches, store_benches);
criterion_main!(benches);
