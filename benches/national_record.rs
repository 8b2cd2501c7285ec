//! The national record at scale (issue 15, "Scale"): lookups (ITI-67) and ingest (ITI-65)
//! through the real HTTP API of `sonar-record`, with 1,000,000 stored bundles on this machine.
//! Targets: lookup p99 at most 20 ms; ingest at least 500 bundles a second, verification
//! included. It prints figures; it asserts only that the answers are right.
//!
//! `cargo bench --bench national_record` (`SONAR_BENCH_BUNDLES` stored bundles, default
//! 1,000,000; `SONAR_BENCH_LOOKUPS` lookups per kind and concurrency, default 4,000;
//! `SONAR_BENCH_INGEST` bundles submitted, default 6,000).
//!
//! What it does:
//!
//! 1. Starts a throwaway PostgreSQL (`tests/pg`: a cluster in a temporary directory, Unix
//!    socket only, removed when this process exits) and the real service
//!    (`server::start`, plain HTTP on loopback) on its own two-thread runtime, as a two-core
//!    server would run it. The operator enrols 150 suite keys (about the number of designated
//!    custody suites in England and Wales), so every request's authentication reads a
//!    directory of realistic size.
//! 2. **Fills** the `document` table to N bundles. The fill bypasses the API on purpose:
//!    a million submissions through it would take as long as the ingest being measured (half
//!    an hour at 500 a second) and would measure nothing new. Every row is nevertheless what
//!    the API would store: each bundle is built by the production builder
//!    (`handover::build::build`, from a demo person's record with a synthetic identity) and
//!    signed by its suite's key (`build::sign`), and its row is indexed from the signed
//!    document exactly as the ITI-65 handler does (NHS number, PNC id, family and given
//!    names, birth date, identifiers, payload hash, signing time, the file's bytes as the
//!    body). To prove it, the first 64 bundles go through the API and their stored rows are
//!    compared column by column with the rows the fill makes of the same bundles. The fill's
//!    bodies are compact (the demo person with the smallest record) so that a million rows
//!    fit in about 3 GB; the ingest below uses full-size bundles, and the storage figures are
//!    given for both. Identities are varied and valid: about 345,000 people with 1 to 20
//!    custody episodes each, 75% with an NHS number (Modulus 11 check digit), 85% with a PNC
//!    id (check letter), a long-tailed spread of surnames and forenames, ages 18 to 70, so a
//!    name and birth date lookup returns a person's few bundles and now and then a namesake's.
//!    Received times are spread over the past year (a million is about one year of England
//!    and Wales). `VACUUM ANALYZE` afterwards, as autovacuum would have done.
//! 3. **Lookups**: `RecordClient::find` by NHS number, by PNC id and by family name, first
//!    forename and birth date, for people the record holds, at concurrency 1 and 8 (each
//!    concurrent client a different suite). The latency is the caller's: a fresh signed client
//!    assertion, HTTP, authentication at the record (directory, replay check), the query and
//!    its audit row, the FHIR searchset. Each answer is checked against the person's bundle
//!    count.
//! 4. **Ingest**: `RecordClient::submit` of freshly built and signed, distinct, full-size
//!    bundles (signed before timing starts), by 16 suites at once, on top of the N rows. The
//!    record verifies each (structure, canonical form, Ed25519, signer = submitting suite)
//!    and stores it with its audit row.
//! 5. Prints storage per row (`pg_total_relation_size`, indexes included) and checks the
//!    audit's hash chain.
//!
//! The cluster runs with `fsync=off` (it is the tests' throwaway cluster), so commits here
//! cost no disk flush; the capacity plan in `docs/national-record.md` says what a durable
//! commit adds. The machine is shared: the load average is printed before and after.

// tests/pg allows its own unused helpers.
#[path = "../tests/pg/mod.rs"]
mod pg;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::SigningKey;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sonar_custody::demo::names::{FEMALE_NAMES, MALE_NAMES, SURNAMES};
use sonar_custody::domain::handover::HandoverDraft;
use sonar_custody::domain::record::view::RecordView;
use sonar_custody::handover::build::{self, HandoverInput};
use sonar_custody::handover::{Destination, NHS_NUMBER_SYSTEM, keys, pnc_system};
use sonar_custody::national::client::{Lookup, RecordClient};
use sonar_custody::national::server::{self, Config, Transport, audit, db};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

const SUITES: usize = 150;
const PROOF_BUNDLES: usize = 64;
const SUBMITTERS: usize = 16;
const CONCURRENT_LOOKUPS: usize = 8;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// 1234567 -> "1,234,567".
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

// ---------------------------------------------------------------------------------------------
// Synthetic people

// The demo suite's surnames and forenames (`sonar_custody::demo::names`), and a long tail of
// made-up surnames from these syllables.
const SYLLABLES: &[&str] = &[
    "ash", "bar", "ton", "ley", "ford", "wick", "ham", "mer", "den", "shaw", "well", "by", "dale",
    "cot", "ridge", "wood", "brook", "field", "gate", "stone", "hurst", "more", "combe", "low",
];

struct Person {
    family: String,
    /// Forenames as the suite holds them (a first name, sometimes a middle one).
    forenames: String,
    birth: NaiveDate,
    nhs: Option<String>,
    pnc: Option<String>,
    home_suite: usize,
    /// How many bundles the record holds about this person.
    bundles: u32,
}

/// A valid NHS number unique to `p`: the nine digits spread over 400000000..=999999999 by a
/// bijection, the first of a run of 16 whose check digit is not 10.
fn nhs_number(p: u64) -> String {
    const M: u64 = 37_000_000;
    let base = 400_000_000 + ((p * 2_654_435_761) % M) * 16;
    for k in 0..16 {
        let nine = base + k;
        let mut digits = [0u8; 9];
        let mut n = nine;
        for d in digits.iter_mut().rev() {
            *d = (n % 10) as u8;
            n /= 10;
        }
        if let Some(check) = sonar_custody::domain::nhs_number::check_digit(&digits) {
            return format!("{nine}{check}");
        }
    }
    unreachable!("one in sixteen consecutive numbers has a usable check digit")
}

/// A valid PNC id unique to `p` (`YYYY/NNNNNNNC`).
fn pnc_id(p: u64) -> String {
    let year = 1990 + (p % 36) as i32;
    let serial = ((p / 36) * 7919 + 13) % 10_000_000;
    let letter = sonar_custody::domain::pnc::check_letter(year, serial as u32);
    format!("{year}/{serial:07}{letter}")
}

fn forename(rng: &mut StdRng) -> &'static str {
    let i = rng.random_range(0..MALE_NAMES.len() + FEMALE_NAMES.len());
    MALE_NAMES
        .get(i)
        .unwrap_or_else(|| &FEMALE_NAMES[i - MALE_NAMES.len()])
}

fn surname(rng: &mut StdRng) -> String {
    // Half from the common list (weighted towards its head), half a long tail of made-up
    // two- and three-syllable names.
    if rng.random_bool(0.5) {
        let i = (rng.random::<f64>().powi(2) * SURNAMES.len() as f64) as usize;
        SURNAMES[i.min(SURNAMES.len() - 1)].to_string()
    } else {
        let n = if rng.random_bool(0.7) { 2 } else { 3 };
        let mut s: String = (0..n)
            .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
            .collect();
        s[..1].make_ascii_uppercase();
        s
    }
}

/// People (numbered from `first`, which makes their identifiers) with `bundles` bundles in all.
fn people(first: u64, bundles: usize, today: NaiveDate, rng: &mut StdRng) -> Vec<Person> {
    let mut out = Vec::new();
    let mut total = 0usize;
    while total < bundles {
        let p = first + out.len() as u64;
        let r: f64 = rng.random();
        let count: u32 = if r < 0.5 {
            1
        } else if r < 0.7 {
            2
        } else if r < 0.8 {
            3
        } else if r < 0.92 {
            rng.random_range(4..=6)
        } else {
            rng.random_range(7..=20)
        };
        let count = count.min((bundles - total) as u32);
        total += count as usize;
        let first = forename(rng);
        let forenames = if rng.random_bool(0.4) {
            format!("{first} {}", forename(rng))
        } else {
            first.to_string()
        };
        let age_days =
            18 * 365 + (rng.random::<f64>().min(rng.random::<f64>()) * 52.0 * 365.0) as i64;
        out.push(Person {
            family: surname(rng),
            forenames,
            birth: today - chrono::Duration::days(age_days),
            nhs: rng.random_bool(0.75).then(|| nhs_number(p)),
            pnc: rng.random_bool(0.85).then(|| pnc_id(p)),
            home_suite: rng.random_range(0..SUITES),
            bundles: count,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Bundles and the rows the record stores for them

struct Suite {
    key: SigningKey,
    kid: String,
    organisation: String,
    name: String,
    /// The prefix of its custody numbers.
    code: String,
    user: String,
}

fn suites() -> Vec<Suite> {
    (0..SUITES)
        .map(|i| {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            seed[8..16].copy_from_slice(b"sonarbch");
            let key = SigningKey::from_bytes(&seed);
            let kid = keys::kid_of(&key.verifying_key());
            Suite {
                key,
                kid,
                organisation: format!("Force {:02} Police, custody suite {}", i % 43 + 1, i + 1),
                name: format!("Custody Suite {}", i + 1),
                code: format!("S{:03}", i + 1),
                user: format!("ps{:04}", i * 7 + 1),
            }
        })
        .collect()
}

/// One handover: who, which record shape, from which suite, when, and its number.
struct Episode<'a> {
    person: &'a Person,
    template: &'a RecordView,
    suite: &'a Suite,
    at: DateTime<Utc>,
    serial: u64,
}

/// The signed bundle for `e` and its bytes: as the export writes it (pretty JSON and a
/// newline), or as compact JSON (the same signed bundle, re-serialised).
fn bundle(e: &Episode<'_>, pretty: bool) -> (Value, Vec<u8>) {
    let mut record = e.template.clone();
    record.entry.surname = e.person.family.clone();
    record.entry.forenames = e.person.forenames.clone();
    record.entry.date_of_birth = Some(e.person.birth);
    record.entry.custody_no = format!(
        "{}/{}/{:07}",
        e.suite.code,
        chrono::Datelike::year(&e.at),
        e.serial
    );
    record.nhs_number = e.person.nhs.clone();
    record.pnc_id = e.person.pnc.clone();
    let mut seed = [0u8; 16];
    seed[..8].copy_from_slice(&e.serial.to_le_bytes());
    seed[8..].copy_from_slice(b"nrbench!");
    let input = HandoverInput {
        suite_name: &e.suite.name,
        record: &record,
        destination: Destination::Suite,
        receiving_org: "Southtown Custody Suite",
        receiving_officer: "PS Amy Rowe 2210",
        author_name: "Sgt Dan Okafor",
        author_username: &e.suite.user,
        now: e.at,
        bundle_seed: seed,
    };
    let mut value = build::build(&input);
    build::sign(&mut value, &e.suite.key, &e.suite.kid).expect("the bundle signs");
    let bytes = if pretty {
        let mut bytes = serde_json::to_vec_pretty(&value).expect("JSON");
        bytes.push(b'\n');
        bytes
    } else {
        serde_json::to_vec(&value).expect("JSON")
    };
    (value, bytes)
}

/// The record of someone booked in about whom nothing is known or recorded yet: the
/// smallest handover the builder makes (every IPS section present, saying it is empty).
fn nothing_known(mut r: RecordView) -> RecordView {
    r.flags.clear();
    r.plan_history.clear();
    r.checks.clear();
    r.hcp_contacts.clear();
    r.previous_detentions.clear();
    r.medications.clear();
    r.doses.clear();
    r.news2.clear();
    r.scores.clear();
    r.consents.clear();
    r.fitness.clear();
    r.referrals.clear();
    r.appointments.clear();
    r.known_appointments.clear();
    r.emergencies.clear();
    r.record = Default::default();
    r.care.checks.clear();
    r.care.suggested_level = None;
    r.care.suggested_because.clear();
    r.care.reviews.clear();
    r.care.extensions.clear();
    r
}

/// One `document` row as the ITI-65 handler stores it (every column but `id`).
#[derive(Debug, Clone, PartialEq)]
struct Row {
    bundle_id: String,
    payload_sha256: String,
    kid: String,
    signed_at: String,
    received_at: DateTime<Utc>,
    submitted_by: String,
    nhs_number: Option<String>,
    pnc_id: Option<String>,
    family: String,
    given: String,
    birth_date: Option<NaiveDate>,
    identifiers: Value,
    body: Vec<u8>,
}

/// Indexes a signed bundle the way `handlers::provide` does from the verified document
/// (`verify::summarise` then `handlers::index`); the proof step holds the two to each other.
fn row(value: &Value, bytes: Vec<u8>, kid: &str, user: &str, received_at: DateTime<Utc>) -> Row {
    let text = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or("");
    let composition = &value["entry"][0]["resource"];
    let subject = composition["subject"]["reference"].as_str().unwrap_or("");
    let patient = value["entry"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["fullUrl"] == subject))
        .map(|e| &e["resource"])
        .expect("the Composition's subject is in the bundle");
    let identifiers: Vec<(String, String)> = patient["identifier"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .map(|i| {
                    (
                        i["system"].as_str().unwrap_or("").to_string(),
                        i["value"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let id_of = |system: &str| {
        identifiers
            .iter()
            .find(|(s, _)| s == system)
            .map(|(_, v)| v.trim().to_string())
    };
    let given = patient
        .pointer("/name/0/given")
        .and_then(Value::as_array)
        .map(|g| {
            g.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let payload = build::signed_payload(value).expect("canonical");
    Row {
        bundle_id: text("/identifier/value").to_string(),
        payload_sha256: hex::encode(Sha256::digest(&payload)),
        kid: kid.to_string(),
        signed_at: text("/signature/when").to_string(),
        received_at,
        submitted_by: user.to_string(),
        nhs_number: id_of(NHS_NUMBER_SYSTEM),
        pnc_id: id_of(&pnc_system()),
        family: patient
            .pointer("/name/0/family")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        given,
        birth_date: patient["birthDate"]
            .as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        identifiers: json!(
            identifiers
                .iter()
                .map(|(s, v)| json!([s, v]))
                .collect::<Vec<_>>()
        ),
        body: bytes,
    }
}

const COLUMNS: &str = "bundle_id, payload_sha256, kid, signed_at, received_at, submitted_by, \
     nhs_number, pnc_id, family, given, birth_date, identifiers, body";

fn column_types() -> Vec<Type> {
    vec![
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::DATE,
        Type::JSONB,
        Type::BYTEA,
    ]
}

fn stored_row(r: &tokio_postgres::Row) -> Row {
    Row {
        bundle_id: r.get(0),
        payload_sha256: r.get(1),
        kid: r.get(2),
        signed_at: r.get(3),
        received_at: r.get(4),
        submitted_by: r.get(5),
        nhs_number: r.get(6),
        pnc_id: r.get(7),
        family: r.get(8),
        given: r.get(9),
        birth_date: r.get(10),
        identifiers: r.get(11),
        body: r.get(12),
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

struct Latencies(Vec<Duration>);

impl Latencies {
    fn at(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[i]
    }

    fn summary(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(self.at(0.50)),
            ms(self.at(0.95)),
            ms(self.at(0.99)),
            ms(self.at(1.0)),
        )
    }
}

fn client(url: &str, suite: &Suite, record_key: ed25519_dalek::VerifyingKey) -> RecordClient {
    RecordClient::new(
        url,
        suite.key.clone(),
        &suite.user,
        record_key,
        None,
        Duration::from_secs(30),
    )
    .expect("client")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Nhs,
    Pnc,
    NameDob,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Nhs => "NHS number",
            Kind::Pnc => "PNC id",
            Kind::NameDob => "name + date of birth",
        }
    }

    fn lookup(self, p: &Person) -> Option<Lookup> {
        match self {
            Kind::Nhs => p.nhs.clone().map(Lookup::Nhs),
            Kind::Pnc => p.pnc.clone().map(Lookup::Pnc),
            Kind::NameDob => Some(Lookup::NameDob {
                // As typed at the desk: any case, the first forename only.
                family: p.family.to_uppercase(),
                given: p.forenames.split_whitespace().next().map(str::to_string),
                birth_date: p.birth.to_string(),
            }),
        }
    }
}

/// `count` lookups of `kind` by `workers` clients at once; checks every answer.
async fn lookups(
    kind: Kind,
    count: usize,
    workers: usize,
    clients: &[Arc<RecordClient>],
    people: &Arc<Vec<Person>>,
    seed: u64,
) -> (Latencies, Duration) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut picks: Vec<usize> = Vec::with_capacity(count);
    while picks.len() < count {
        let i = rng.random_range(0..people.len());
        if kind.lookup(&people[i]).is_some() {
            picks.push(i);
        }
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (w, client) in clients.iter().take(workers).enumerate() {
        let mine: Vec<usize> = picks.iter().copied().skip(w).step_by(workers).collect();
        let client = client.clone();
        let people = people.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(mine.len());
            for i in mine {
                let p = &people[i];
                let lookup = kind.lookup(p).expect("picked with this identifier");
                let t = Instant::now();
                let found = client.find(&lookup).await.expect("the record answers");
                times.push(t.elapsed());
                let held = p.bundles as usize;
                let right = match kind {
                    Kind::Nhs | Kind::Pnc => found.len() == held,
                    // A namesake born the same day is found too.
                    Kind::NameDob => found.len() >= held,
                };
                assert!(right, "{lookup:?}: {} found, {held} held", found.len());
            }
            times
        }));
    }
    let mut all = Vec::with_capacity(count);
    for t in tasks {
        all.extend(t.await.expect("lookup task"));
    }
    (Latencies(all), started.elapsed())
}

/// CPU time (ns) so far of this process's threads whose name starts with `prefix` (the
/// service's runtime threads are named `record`, the suites' `suites`).
fn thread_cpu(prefix: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with(prefix))
        })
        .filter_map(|t| schedstat_ns(&t.path()))
        .sum()
}

fn schedstat_ns(dir: &std::path::Path) -> Option<u64> {
    std::fs::read_to_string(dir.join("schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time (ns) so far of the cluster: its postmaster and every process it started
/// (backends, WAL writer, checkpointer, autovacuum) that is still running.
fn cluster_cpu(postmaster: u32) -> u64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    procs
        .filter_map(Result::ok)
        .filter(|p| {
            let Some(pid) = p.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                return false;
            };
            if pid == postmaster {
                return true;
            }
            // The parent pid is the second field after the parenthesised command name.
            std::fs::read_to_string(p.path().join("stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(postmaster)
            })
        })
        .filter_map(|p| schedstat_ns(&p.path()))
        .sum()
}

/// CPU used by the service, PostgreSQL and the suites' clients over one phase.
#[derive(Clone, Copy)]
struct Cpu {
    service: u64,
    postgres: u64,
    clients: u64,
}

impl Cpu {
    fn now(postmaster: u32) -> Cpu {
        Cpu {
            service: thread_cpu("record"),
            postgres: cluster_cpu(postmaster),
            clients: thread_cpu("suites"),
        }
    }

    /// Per operation since `before`, and what two cores given to the service and PostgreSQL
    /// alone would sustain.
    fn per_operation(self, before: Cpu, operations: usize) -> String {
        let per = |a: u64, b: u64| (a.saturating_sub(b)) as f64 / operations.max(1) as f64 / 1e3;
        let service = per(self.service, before.service);
        let postgres = per(self.postgres, before.postgres);
        let clients = per(self.clients, before.clients);
        format!(
            "CPU each: service {service:.0} µs + PostgreSQL {postgres:.0} µs (+ client {clients:.0} µs) = {:.0} a second on 2 cores given to the service and PostgreSQL",
            2e6 / (service + postgres)
        )
    }
}

/// The `document` table's total, heap, index and TOAST bytes, and its rows.
async fn sizes(pg: &tokio_postgres::Client) -> (i64, i64, i64, i64, i64) {
    let r = pg
        .query_one(
            "SELECT pg_total_relation_size('document'), pg_relation_size('document'),
                    pg_indexes_size('document'),
                    coalesce(pg_total_relation_size(reltoastrelid), 0),
                    (SELECT count(*) FROM document)
             FROM pg_class WHERE relname = 'document'",
            &[],
        )
        .await
        .expect("sizes");
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

/// When bundle `i` of `n` was received: spread evenly over the year before `now`.
fn received(now: DateTime<Utc>, i: usize, n: usize) -> DateTime<Utc> {
    let year_ms: i64 = 365 * 24 * 3600 * 1000;
    let back = year_ms - (i128::from(year_ms) * i as i128 / n.max(1) as i128) as i64;
    now - chrono::Duration::milliseconds(back)
}

// ---------------------------------------------------------------------------------------------

fn main() {
    let n = env_count("SONAR_BENCH_BUNDLES", 1_000_000);
    let lookups_per = env_count("SONAR_BENCH_LOOKUPS", 4_000).max(CONCURRENT_LOOKUPS);
    let ingest = env_count("SONAR_BENCH_INGEST", 6_000).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "national record bench: {} stored bundles; {cores} cores ({}); load average {}",
        thousands(n as u64),
        cpu_model(),
        load_average()
    );

    // The demo suite's people give realistic record shapes; the smallest is the fill's.
    let started = Instant::now();
    let demo_dir = tempfile::tempdir().expect("temp dir");
    let now = Utc::now();
    let demo_db = demo_dir.path().join("demo.db");
    drop(sonar_custody::demo::create(&demo_db, 0, now, &mut |_, _| {}).expect("demo suite"));
    // The sergeant hands over (the account the demo creates first is an administrator).
    let mut store = sonar_custody::store::Store::unlock(&demo_db, "sergeant", "demo", now)
        .expect("the demo sergeant logs in")
        .store;
    let mut templates: Vec<(RecordView, usize)> = Vec::new();
    let in_custody = store.in_custody().expect("in custody");
    for e in &in_custody {
        let draft: HandoverDraft = store
            .handover_draft(&e.custody_no, now)
            .expect("handover draft");
        let probe = Person {
            family: "Probe".into(),
            forenames: "Probe".into(),
            birth: NaiveDate::from_ymd_opt(1990, 1, 1).expect("date"),
            nhs: Some(nhs_number(1)),
            pnc: Some(pnc_id(1)),
            home_suite: 0,
            bundles: 0,
        };
        let suite = Suite {
            key: draft.key.clone(),
            kid: draft.kid.clone(),
            organisation: String::new(),
            name: draft.suite_name.clone(),
            code: "P".into(),
            user: "probe".into(),
        };
        let (_, bytes) = bundle(
            &Episode {
                person: &probe,
                template: &draft.record,
                suite: &suite,
                at: now,
                serial: 0,
            },
            true,
        );
        templates.push((draft.record, bytes.len()));
    }
    drop(store);
    templates.sort_by_key(|(_, size)| *size);
    let compact = nothing_known(templates[0].0.clone());
    println!(
        "bundles: {} demo record shapes, {} to {} bytes signed as exported; the ingest uses all of them as exported, the fill a record with nothing known yet as compact JSON ({:.1} s)",
        templates.len(),
        thousands(templates[0].1 as u64),
        thousands(templates[templates.len() - 1].1 as u64),
        started.elapsed().as_secs_f64()
    );
    let full: Vec<RecordView> = templates.into_iter().map(|(r, _)| r).collect();

    let suites = Arc::new(suites());
    let mut rng = StdRng::seed_from_u64(15);
    let people = Arc::new(people(0, n, now.date_naive(), &mut rng));
    let mut plan: Vec<usize> = Vec::with_capacity(n);
    for (i, p) in people.iter().enumerate() {
        plan.extend(std::iter::repeat_n(i, p.bundles as usize));
    }
    plan.shuffle(&mut rng);
    println!(
        "people: {} ({:.0}% with an NHS number, {:.0}% with a PNC id)",
        thousands(people.len() as u64),
        100.0 * people.iter().filter(|p| p.nhs.is_some()).count() as f64 / people.len() as f64,
        100.0 * people.iter().filter(|p| p.pnc.is_some()).count() as f64 / people.len() as f64,
    );
    // The identifiers are valid by the suite's own rules.
    for p in people.iter().take(1000) {
        if let Some(nhs) = &p.nhs {
            sonar_custody::domain::nhs_number::NhsNumber::parse(nhs).expect("valid NHS number");
        }
        if let Some(pnc) = &p.pnc {
            sonar_custody::domain::pnc::PncId::parse_canonical(pnc).expect("valid PNC id");
        }
    }

    // The service on its own two-thread runtime, as a two-core server would run it.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("record")
        .enable_all()
        .build()
        .expect("server runtime");
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("suites")
        .enable_all()
        .build()
        .expect("client runtime");
    let database = pg::cluster().fresh_database();
    let postmaster: u32 =
        std::fs::read_to_string(pg::cluster().socket_dir.join("data/postmaster.pid"))
            .ok()
            .and_then(|f| f.lines().next()?.trim().parse().ok())
            .expect("the cluster's postmaster.pid");
    // Keep the WAL of the fill small on disk (the default lets it grow to 1 GB).
    pg::cluster().psql(&database, "ALTER SYSTEM SET max_wal_size = '256MB'");
    pg::cluster().psql(&database, "SELECT pg_reload_conf()");
    let running = server_rt
        .block_on(server::start(Config {
            database: database.clone(),
            listen: "127.0.0.1:0".parse().expect("address"),
            transport: Transport::PlainHttpOnLoopback,
            public_url: None,
            // `sonar-record serve`'s default.
            max_connections: 16,
        }))
        .expect("the record starts");
    let url = running.url.clone();

    client_rt.block_on(async {
        let pool = db::pool(&database, 2).expect("pool");
        for s in suites.iter() {
            db::enrol(&pool, &s.key.verifying_key(), &s.organisation, Utc::now())
                .await
                .expect("enrol");
        }
        let record_key = db::record_key(&pool).await.expect("record key").verifying_key();
        let (pg_client, connection) = tokio_postgres::connect(&database, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let version: String = pg_client
            .query_one("SHOW server_version", &[])
            .await
            .expect("version")
            .get(0);
        println!("PostgreSQL {version}; {SUITES} suites enrolled");

        // ---- The proof: bundles through the API and through the fill give the same rows.
        let episode = |i: usize| {
            let person = &people[plan[i]];
            Episode {
                person,
                template: &compact,
                suite: &suites[person.home_suite],
                at: received(now, i, n),
                serial: i as u64,
            }
        };
        let proof = PROOF_BUNDLES.min(n);
        let mut expected = Vec::new();
        for i in 0..proof {
            let e = episode(i);
            let (value, bytes) = bundle(&e, false);
            let receipt = client(&url, e.suite, record_key)
                .submit(&bytes)
                .await
                .expect("submitted through the API");
            assert!(receipt.new);
            expected.push(row(&value, bytes, &e.suite.kid, &e.suite.user, now));
        }
        let ids: Vec<&str> = expected.iter().map(|r| r.bundle_id.as_str()).collect();
        let stored = pg_client
            .query(
                &format!("SELECT {COLUMNS} FROM document WHERE bundle_id = ANY($1) ORDER BY id"),
                &[&ids],
            )
            .await
            .expect("read back");
        assert_eq!(stored.len(), expected.len());
        let fill_body = expected.iter().map(|r| r.body.len()).sum::<usize>() / proof.max(1);
        for (s, mut e) in stored.iter().map(stored_row).zip(expected) {
            // Only the receipt time is the record's own.
            e.received_at = s.received_at;
            assert_eq!(s, e, "the fill's row differs from the API's");
        }
        println!(
            "fill check: {proof} bundles submitted through the API are stored exactly as the fill stores them (bodies {} bytes)",
            thousands(fill_body as u64)
        );

        // ---- The fill: built and signed on two threads, COPYed in order.
        let fill_started = Instant::now();
        let (tx, rx) = mpsc::sync_channel::<(usize, Vec<Row>)>(8);
        const CHUNK: usize = 2_000;
        let chunks = n.saturating_sub(proof).div_ceil(CHUNK);
        let generators: Vec<_> = (0..2)
            .map(|w| {
                let tx = tx.clone();
                let people = people.clone();
                let suites = suites.clone();
                let plan = plan.clone();
                let compact = compact.clone();
                std::thread::spawn(move || {
                    for c in (w..chunks).step_by(2) {
                        let from = proof + c * CHUNK;
                        let to = (from + CHUNK).min(n);
                        let rows: Vec<Row> = (from..to)
                            .map(|i| {
                                let person = &people[plan[i]];
                                let suite = &suites[person.home_suite];
                                let when = received(now, i, n);
                                let e = Episode {
                                    person,
                                    template: &compact,
                                    suite,
                                    at: when - chrono::Duration::minutes(3),
                                    serial: i as u64,
                                };
                                let (value, bytes) = bundle(&e, false);
                                row(&value, bytes, &suite.kid, &suite.user, when)
                            })
                            .collect();
                        if tx.send((c, rows)).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let mut pending: BTreeMap<usize, Vec<Row>> = BTreeMap::new();
        let mut next = 0usize;
        let mut written = proof;
        let types = column_types();
        let mut last_report = Instant::now();
        while next < chunks {
            let sink = pg_client
                .copy_in(format!("COPY document ({COLUMNS}) FROM STDIN (FORMAT binary)").as_str())
                .await
                .expect("COPY");
            let writer = BinaryCopyInWriter::new(sink, &types);
            tokio::pin!(writer);
            // One COPY per 100,000 rows or so.
            let until = (next + 50).min(chunks);
            while next < until {
                let rows = match pending.remove(&next) {
                    Some(rows) => rows,
                    None => {
                        let rx = rx.clone();
                        let (c, rows) = tokio::task::spawn_blocking(move || {
                            rx.lock().expect("receiver").recv().expect("a generator died")
                        })
                        .await
                        .expect("receive");
                        if c != next {
                            pending.insert(c, rows);
                            continue;
                        }
                        rows
                    }
                };
                for r in &rows {
                    let values: [&(dyn ToSql + Sync); 13] = [
                        &r.bundle_id,
                        &r.payload_sha256,
                        &r.kid,
                        &r.signed_at,
                        &r.received_at,
                        &r.submitted_by,
                        &r.nhs_number,
                        &r.pnc_id,
                        &r.family,
                        &r.given,
                        &r.birth_date,
                        &r.identifiers,
                        &r.body,
                    ];
                    writer.as_mut().write(&values).await.expect("COPY row");
                }
                written += rows.len();
                next += 1;
            }
            writer.finish().await.expect("COPY finish");
            if last_report.elapsed() > Duration::from_secs(30) || next == chunks {
                last_report = Instant::now();
                let secs = fill_started.elapsed().as_secs_f64();
                eprintln!(
                    "  filled {} of {} ({:.0} rows/s)",
                    thousands(written as u64),
                    thousands(n as u64),
                    (written - proof) as f64 / secs
                );
            }
        }
        for g in generators {
            g.join().expect("generator");
        }
        let fill_secs = fill_started.elapsed().as_secs_f64();
        let vacuum_started = Instant::now();
        pg_client
            .batch_execute("VACUUM (ANALYZE) document")
            .await
            .expect("VACUUM ANALYZE");
        let count: i64 = pg_client
            .query_one("SELECT count(*) FROM document", &[])
            .await
            .expect("count")
            .get(0);
        assert_eq!(count as usize, n);
        println!(
            "fill: {} rows in {:.0} s, VACUUM ANALYZE {:.0} s",
            thousands(count as u64),
            fill_secs,
            vacuum_started.elapsed().as_secs_f64()
        );
        let (total, heap, indexes, toast, rows) = sizes(&pg_client).await;
        let per = |b: i64| b as f64 / rows as f64;
        println!(
            "storage (fill's compact bundles): {:.2} GB for {} rows = {:.0} bytes a row (heap {:.0}, TOAST {:.0}, indexes {:.0})",
            total as f64 / 1e9,
            thousands(rows as u64),
            per(total),
            per(heap),
            per(toast),
            per(indexes)
        );

        // ---- Lookups.
        let lookup_clients: Vec<Arc<RecordClient>> = (0..CONCURRENT_LOOKUPS)
            .map(|w| Arc::new(client(&url, &suites[(w * 17) % SUITES], record_key)))
            .collect();
        println!(
            "lookups: {} of each kind at each concurrency, for people the record holds; load average {}",
            thousands(lookups_per as u64),
            load_average()
        );
        // Warm-up, not counted: connections open, the service's and PostgreSQL's caches.
        for kind in [Kind::Nhs, Kind::Pnc, Kind::NameDob] {
            lookups(kind, 300, CONCURRENT_LOOKUPS, &lookup_clients, &people, 1).await;
        }
        let mut seed = 100;
        for workers in [1, CONCURRENT_LOOKUPS] {
            for kind in [Kind::Nhs, Kind::Pnc, Kind::NameDob] {
                seed += 1;
                let cpu = Cpu::now(postmaster);
                let (lat, wall) =
                    lookups(kind, lookups_per, workers, &lookup_clients, &people, seed).await;
                println!(
                    "lookup by {}, {workers} client{}: {} ({} lookups, {:.0} a second, {} stored)",
                    kind.label(),
                    if workers == 1 { "" } else { "s at once" },
                    lat.summary(),
                    thousands(lookups_per as u64),
                    lookups_per as f64 / wall.as_secs_f64(),
                    thousands(n as u64),
                );
                println!(
                    "    {}",
                    Cpu::now(postmaster).per_operation(cpu, lookups_per)
                );
            }
        }

        // ---- Ingest: full-size bundles, distinct, signed before timing, 16 suites at once.
        let sign_started = Instant::now();
        let mut per_suite: HashMap<usize, Vec<Vec<u8>>> = HashMap::new();
        let mut ingest_rng = StdRng::seed_from_u64(65);
        let newcomers = self::people(10_000_000, ingest, now.date_naive(), &mut ingest_rng);
        for k in 0..ingest {
            let s = k % SUBMITTERS;
            // Half are people the record already holds (a further episode), half new.
            let person = if k % 2 == 0 {
                &people[ingest_rng.random_range(0..people.len())]
            } else {
                &newcomers[k % newcomers.len()]
            };
            let (_, bytes) = bundle(&Episode {
                person,
                template: &full[k % full.len()],
                suite: &suites[s],
                at: now,
                serial: (n + PROOF_BUNDLES + k) as u64,
            }, true);
            per_suite.entry(s).or_default().push(bytes);
        }
        let ingest_bytes: usize = per_suite.values().flatten().map(Vec::len).sum();
        println!(
            "ingest: {} bundles signed in {:.0} s (mean {} bytes), submitting with {SUBMITTERS} suites at once",
            thousands(ingest as u64),
            sign_started.elapsed().as_secs_f64(),
            thousands((ingest_bytes / ingest.max(1)) as u64)
        );
        let max_before: i64 = pg_client
            .query_one("SELECT max(id) FROM document", &[])
            .await
            .expect("max id")
            .get(0);
        println!("ingest: load average {}", load_average());
        let ingest_started = Instant::now();
        let cpu = Cpu::now(postmaster);
        let mut tasks = Vec::new();
        for (s, bundles) in per_suite {
            let c = client(&url, &suites[s], record_key);
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(bundles.len());
                for b in bundles {
                    let t = Instant::now();
                    let receipt = c.submit(&b).await.expect("accepted");
                    times.push(t.elapsed());
                    assert!(receipt.new, "a distinct bundle is new");
                }
                times
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.extend(t.await.expect("submitter"));
        }
        let ingest_secs = ingest_started.elapsed().as_secs_f64();
        let ingest_cpu = Cpu::now(postmaster).per_operation(cpu, ingest);
        let lat = Latencies(times);
        println!(
            "ingest: {:.0} bundles a second, verification included ({} bundles in {:.1} s on top of {} stored; per submission {})",
            ingest as f64 / ingest_secs,
            thousands(ingest as u64),
            ingest_secs,
            thousands(n as u64),
            lat.summary()
        );
        println!("    {ingest_cpu}");

        // ---- Storage of full-size bundles and of the audit; the audit's chain.
        let r = pg_client
            .query_one(
                "SELECT avg(octet_length(body))::float8, avg(pg_column_size(body))::float8,
                        avg(pg_column_size(d.*))::float8
                 FROM document d WHERE id > $1",
                &[&max_before],
            )
            .await
            .expect("ingested sizes");
        let (raw, stored_body, stored_row): (f64, f64, f64) = (r.get(0), r.get(1), r.get(2));
        let (total, _, indexes, _, rows) = sizes(&pg_client).await;
        println!(
            "storage (ingested full-size bundles): body {raw:.0} bytes, stored compressed {stored_body:.0}; row {stored_row:.0} bytes + indexes {:.0} bytes a row",
            indexes as f64 / rows as f64
        );
        println!(
            "storage now: {:.2} GB for {} rows",
            total as f64 / 1e9,
            thousands(rows as u64)
        );
        let a = pg_client
            .query_one(
                "SELECT pg_total_relation_size('audit'), count(*) FROM audit",
                &[],
            )
            .await
            .expect("audit size");
        let (audit_bytes, audit_rows): (i64, i64) = (a.get(0), a.get(1));
        let verify_pool = db::pool(&database, 1).expect("pool");
        let verify_client = verify_pool.get().await.expect("connection");
        let verified = audit::verify(&verify_client)
            .await
            .expect("the audit verifies");
        assert_eq!(verified.len() as i64, audit_rows);
        println!(
            "audit: {} rows, {:.0} bytes a row, hash chain intact",
            thousands(audit_rows as u64),
            audit_bytes as f64 / audit_rows as f64
        );
    });
    running.stop();
    println!("load average at the end: {}", load_average());
    drop(server_rt);
    drop(client_rt);
    // The cluster stops and its directory is removed when this process exits (tests/pg).
}
