//! Handover bundles: export (build + canonicalise + sign, plus the escort summary) per bundle,
//! and verification per bundle on one core (target: at least 5,000 bundles a second).

use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sonar_custody::handover::export::{Handover, sign_draft};
use sonar_custody::handover::verify::{self, Trust};
use sonar_custody::handover::{Destination, build, canonical};

fn handover(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let now = Utc::now();
    let mut store = sonar_custody::demo::create(&db, 0, now, &mut |_, _| {}).expect("demo suite");
    // The person with the most flags: the largest bundle the demo makes.
    let custody_no = store
        .in_custody()
        .expect("in custody")
        .into_iter()
        .max_by_key(|e| e.flags.len())
        .expect("someone in custody")
        .custody_no;
    let draft = store.handover_draft(&custody_no, now).expect("draft");
    let trust = Trust::new([draft.key.verifying_key()]);
    let h = Handover {
        custody_no: &custody_no,
        destination: Destination::Prison,
        receiving_org: "HMP Northtown",
        receiving_officer: "PO Jane Hill 4471",
    };
    let prepared = sign_draft(
        draft.clone(),
        &h,
        "Sgt Dan Okafor",
        "sergeant",
        now,
        [7; 16],
    )
    .expect("sign");
    let bytes = prepared.bytes.clone();
    eprintln!("bundle: {} bytes", bytes.len());

    // The machine is shared, so wall-clock figures include time spent waiting for a core.
    // This thread's own CPU time (Linux schedstat) gives the per-core figure directly.
    if let (Some(a), n) = (thread_cpu_ns(), 2000u32) {
        for _ in 0..n {
            std::hint::black_box(verify::verify(&bytes, &trust).expect("verifies"));
        }
        if let Some(b) = thread_cpu_ns() {
            let per = (b - a) as f64 / f64::from(n);
            eprintln!(
                "verify: {:.0} µs of CPU per bundle = {:.0} bundles/s per core",
                per / 1000.0,
                1e9 / per
            );
        }
        let a = thread_cpu_ns().unwrap_or(0);
        for _ in 0..n / 4 {
            std::hint::black_box(
                sign_draft(
                    draft.clone(),
                    &h,
                    "Sgt Dan Okafor",
                    "sergeant",
                    now,
                    [7; 16],
                )
                .expect("sign"),
            );
        }
        if let Some(b) = thread_cpu_ns() {
            let per = (b - a) as f64 / f64::from(n / 4);
            eprintln!("export: {:.0} µs of CPU per bundle", per / 1000.0);
        }
    }

    let mut group = c.benchmark_group("handover");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    group.bench_function("export_build_canonicalise_sign", |b| {
        b.iter(|| {
            sign_draft(
                draft.clone(),
                &h,
                "Sgt Dan Okafor",
                "sergeant",
                now,
                [7; 16],
            )
            .expect("sign")
        })
    });
    group.bench_function("verify_one_bundle_one_core", |b| {
        b.iter(|| verify::verify(&bytes, &trust).expect("verifies"))
    });
    group.bench_function("canonicalise_only", |b| {
        b.iter(|| build::signed_payload(&prepared.bundle).expect("canonical"))
    });
    group.bench_function("parse_only", |b| {
        b.iter(|| verify::parse(&bytes).expect("parses"))
    });
    let _ = canonical::check_numbers(&prepared.bundle);
    group.finish();
}

/// This thread's CPU time in nanoseconds (first field of /proc/thread-self/schedstat).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

criterion_group!(benches, handover);
criterion_main!(benches);
