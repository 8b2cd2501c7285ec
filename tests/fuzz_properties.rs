//! The fuzz targets, bounded, for CI: each target's harness (`fuzz/src/lib.rs`, shared with
//! the cargo-fuzz targets) is fed arbitrary bytes and text and mutations of its committed seed
//! corpus (`fuzz/seeds/<target>/`: byte flips, truncations, insertions of awkward tokens,
//! splices of two seeds; for bundles, changes to the JSON values and re-signing), asserting no
//! panic and the harness's invariants. The long coverage-guided runs are `fuzz/run`.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Each target's seeds, read once.
fn seeds(target: &str) -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<(String, Vec<Vec<u8>>)>> = OnceLock::new();
    let all = SEEDS.get_or_init(|| {
        harness::TARGETS
            .iter()
            .map(|t| {
                let files = harness::seeds(root(), t);
                assert!(!files.is_empty(), "fuzz/seeds/{t} is empty");
                (t.to_string(), files.into_iter().map(|(_, b)| b).collect())
            })
            .collect()
    });
    &all.iter()
        .find(|(t, _)| t == target)
        .unwrap_or_else(|| panic!("no target {target}"))
        .1
}

/// Text and bytes that parsers trip on.
const TOKENS: &[&str] = &[
    "\u{1b}[2J",
    "\r",
    "\u{7}",
    "\u{202e}",
    "\n",
    "\"",
    "'''",
    "[",
    "]]",
    "=",
    "{",
    "}",
    ",",
    "nan",
    "inf",
    "-inf",
    "-0",
    "1e309",
    "-1",
    "0",
    "18446744073709551616",
    "ctrl-",
    "shift-",
    "--",
    "-",
    "noop",
    "preset = \"vim\"",
    "[global]",
    "\\u0000",
    "é",
    "\u{ff}",
    "🙂",
    "null",
    "true",
    "29/02/2023",
    "1900-01-01",
    "9434765919",
    "00/000000Z",
];

#[derive(Debug, Clone)]
enum Op {
    Flip(usize, u8),
    Truncate(usize),
    Delete(usize, usize),
    Token(usize, usize),
    Insert(usize, Vec<u8>),
    /// This seed up to a point, then another seed from a point.
    Splice(usize, usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1..=255u8).prop_map(|(a, m)| Op::Flip(a, m)),
        at.prop_map(Op::Truncate),
        (at, 1..64usize).prop_map(|(a, n)| Op::Delete(a, n)),
        (at, 0..TOKENS.len()).prop_map(|(a, t)| Op::Token(a, t)),
        (at, proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(a, b)| Op::Insert(a, b)),
        (any::<usize>(), at, at).prop_map(|(s, a, b)| Op::Splice(s, a, b)),
    ]
}

fn mutate(seeds: &[Vec<u8>], which: usize, ops: &[Op]) -> Vec<u8> {
    let mut b = seeds[which % seeds.len()].clone();
    let pos = |b: &Vec<u8>, a: usize| if b.is_empty() { 0 } else { a % (b.len() + 1) };
    for op in ops {
        match op {
            Op::Flip(a, m) if !b.is_empty() => {
                let i = a % b.len();
                b[i] ^= m;
            }
            Op::Flip(..) => {}
            Op::Truncate(a) => b.truncate(pos(&b, *a)),
            Op::Delete(a, n) => {
                let i = pos(&b, *a);
                b.drain(i..(i + n).min(b.len()));
            }
            Op::Token(a, t) => {
                let i = pos(&b, *a);
                b.splice(i..i, TOKENS[*t].bytes());
            }
            Op::Insert(a, bytes) => {
                let i = pos(&b, *a);
                b.splice(i..i, bytes.iter().copied());
            }
            Op::Splice(s, a, from) => {
                let other = &seeds[s % seeds.len()];
                let i = pos(&b, *a);
                let j = if other.is_empty() {
                    0
                } else {
                    from % other.len()
                };
                b.truncate(i);
                b.extend_from_slice(&other[j..]);
            }
        }
    }
    b
}

/// A seed of `target` with up to `n` mutations.
fn mutated(target: &'static str, n: usize) -> impl Strategy<Value = Vec<u8>> {
    (any::<usize>(), proptest::collection::vec(op(), 1..=n))
        .prop_map(move |(which, ops)| mutate(seeds(target), which, &ops))
}

/// Arbitrary bytes, or arbitrary text.
fn anything() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        any::<String>().prop_map(String::into_bytes),
    ]
}

/// A change to one value in a JSON document, found by a path of choices.
#[derive(Debug, Clone)]
enum Change {
    Text(String),
    Int(i64),
    Float(f64),
    Null,
    Bool(bool),
    EmptyArray,
    EmptyObject,
    Remove,
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        any::<String>().prop_map(Change::Text),
        (0..TOKENS.len()).prop_map(|t| Change::Text(TOKENS[t].to_string())),
        any::<i64>().prop_map(Change::Int),
        any::<f64>().prop_map(Change::Float),
        Just(Change::Null),
        any::<bool>().prop_map(Change::Bool),
        Just(Change::EmptyArray),
        Just(Change::EmptyObject),
        Just(Change::Remove),
    ]
}

fn apply(v: &mut Value, path: &[usize], c: &Change) {
    let child = match v {
        Value::Object(map) if !map.is_empty() && !path.is_empty() => {
            let key = map.keys().nth(path[0] % map.len()).cloned();
            key.map(|k| (k, None))
        }
        Value::Array(items) if !items.is_empty() && !path.is_empty() => {
            Some((String::new(), Some(path[0] % items.len())))
        }
        _ => None,
    };
    let leaf = path.len() <= 1
        || child.as_ref().is_some_and(|(k, i)| {
            let next = match i {
                Some(i) => &v[*i],
                None => &v[k.as_str()],
            };
            !(next.is_object() || next.is_array())
        });
    match (child, leaf) {
        (Some((k, i)), false) => {
            let next = match i {
                Some(i) => &mut v[i],
                None => &mut v[k.as_str()],
            };
            apply(next, &path[1..], c);
        }
        (Some((k, i)), true) => {
            if let Change::Remove = c {
                match (v, i) {
                    (Value::Array(items), Some(i)) => {
                        items.remove(i);
                    }
                    (Value::Object(map), None) => {
                        map.remove(&k);
                    }
                    _ => {}
                }
                return;
            }
            let new = match c {
                Change::Text(s) => Value::String(s.clone()),
                Change::Int(n) => Value::from(*n),
                Change::Float(f) => {
                    serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
                }
                Change::Null | Change::Remove => Value::Null,
                Change::Bool(b) => Value::Bool(*b),
                Change::EmptyArray => Value::Array(Vec::new()),
                Change::EmptyObject => Value::Object(serde_json::Map::new()),
            };
            match i {
                Some(i) => v[i] = new,
                None => v[k.as_str()] = new,
            }
        }
        (None, _) => {}
    }
}

/// A bundle seed with up to four of its values changed, as JSON bytes.
fn changed_bundle(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<usize>(),
        proptest::collection::vec(
            (proptest::collection::vec(any::<usize>(), 1..9), change()),
            1..=4,
        ),
    )
        .prop_map(move |(which, changes)| {
            let seeds = seeds(target);
            let mut v: Value =
                serde_json::from_slice(&seeds[which % seeds.len()]).expect("a bundle seed is JSON");
            for (path, c) in &changes {
                apply(&mut v, path, c);
            }
            serde_json::to_vec(&v).expect("JSON")
        })
}

#[test]
fn every_bundle_seed_verifies_with_the_harness_key_and_imports() {
    for seed in seeds("bundle_verify") {
        sonar_custody::handover::verify::verify(seed, harness::trust())
            .expect("a bundle_verify seed verifies, so the fuzzer starts past the signature");
        harness::bundle_verify(seed);
    }
    // As the fuzz target's initialisation does, before any input.
    harness::prepare_import_suite();
    for seed in seeds("bundle_import") {
        let v: Value = serde_json::from_slice(seed).expect("JSON");
        let signed = harness::resign(v).expect("a bundle_import seed can be signed");
        let bytes = serde_json::to_vec(&signed).expect("JSON");
        sonar_custody::handover::verify::verify(&bytes, harness::trust())
            .expect("a bundle_import seed verifies once signed, so it reaches the importer");
        assert!(
            harness::bundle_import(seed),
            "a bundle_import seed is imported"
        );
    }
}

// For each target, a property on arbitrary input and one on mutated seeds (at most the
// given number of mutations each), both running the target's harness. Written out, not made
// by a macro, so the hazard log can name each one.
proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_bundle_verify_arbitrary_bytes(data in anything()) {
        harness::bundle_verify(&data);
    }

    #[test]
    fn fuzz_bundle_verify_mutated_seeds(data in mutated("bundle_verify", 4)) {
        harness::bundle_verify(&data);
    }

    #[test]
    fn fuzz_keymap_arbitrary_text(data in anything()) {
        harness::keymap(&data);
    }

    #[test]
    fn fuzz_keymap_mutated_seeds(data in mutated("keymap", 6)) {
        harness::keymap(&data);
    }

    #[test]
    fn fuzz_config_arbitrary_text(data in anything()) {
        harness::config(&data);
    }

    #[test]
    fn fuzz_config_mutated_seeds(data in mutated("config", 6)) {
        harness::config(&data);
    }

    #[test]
    fn fuzz_form_arbitrary_text(data in anything()) {
        harness::form(&data);
    }

    #[test]
    fn fuzz_form_mutated_seeds(data in mutated("form", 6)) {
        harness::form(&data);
    }

    #[test]
    fn fuzz_rules_arbitrary_text(data in anything()) {
        harness::rules(&data);
    }

    #[test]
    fn fuzz_rules_mutated_seeds(data in mutated("rules", 6)) {
        harness::rules(&data);
    }

    #[test]
    fn fuzz_person_search_arbitrary_text(data in anything()) {
        harness::person_search(&data);
    }

    #[test]
    fn fuzz_person_search_mutated_seeds(data in mutated("person_search", 6)) {
        harness::person_search(&data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Changed values, re-signed with the trusted key: the verifier's checks after the
    /// signature and the summary it reads.
    #[test]
    fn fuzz_bundle_verify_changed_and_resigned(data in changed_bundle("bundle_verify")) {
        let v: Value = serde_json::from_slice(&data).expect("JSON");
        if let Some(signed) = harness::resign(v) {
            harness::bundle_verify(&serde_json::to_vec(&signed).expect("JSON"));
        }
        harness::bundle_verify(&data);
    }
}

proptest! {
    // Each case is a signed import into the one suite: the slowest property.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_bundle_import_changed_seeds(data in changed_bundle("bundle_import")) {
        let _ = harness::bundle_import(&data);
    }

    #[test]
    fn fuzz_bundle_import_mutated_bytes(data in mutated("bundle_import", 3)) {
        let _ = harness::bundle_import(&data);
    }
}

/// Bundles exported now from a demo suite (to several destinations), re-signed with the
/// harness key, verify: so the bundle seeds' shape is the exporter's own. With
/// `SONAR_REGENERATE=1` they are also written as the seeds (`fuzz/seeds/bundle_*`), for when the
/// bundle format changes.
#[test]
fn fresh_exports_resigned_with_the_harness_key_verify_and_can_regenerate_the_seeds() {
    use sonar_custody::handover::Destination;
    use sonar_custody::handover::export::{self, Handover};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("suite.db");
    let now = chrono::Utc::now();
    drop(sonar_custody::demo::create(&db, 0, now, &mut |_, _| {}).expect("demo"));
    let mut store = sonar_custody::store::Store::unlock(&db, "sergeant", "demo", now)
        .expect("login")
        .store;
    let people: Vec<String> = store
        .in_custody()
        .expect("in custody")
        .into_iter()
        .map(|e| e.custody_no)
        .collect();
    let destinations = [
        Destination::Prison,
        Destination::Court,
        Destination::Hospital,
        Destination::Suite,
        Destination::Release,
    ];
    let mut written = 0;
    for (i, custody_no) in people.iter().enumerate() {
        let h = Handover {
            custody_no,
            destination: destinations[i % destinations.len()],
            receiving_org: "HMP Northtown",
            receiving_officer: "PO Jane Hill 4471",
        };
        let out = dir.path().join(format!("out{i}"));
        let Ok(w) = export::export(&mut store, &h, &out, now) else {
            continue;
        };
        let v: Value =
            serde_json::from_slice(&std::fs::read(&w.bundle_path).expect("bundle")).expect("JSON");
        let signed = harness::resign(v).expect("re-signed");
        let pretty = serde_json::to_vec_pretty(&signed).expect("JSON");
        if let Err(e) = sonar_custody::handover::verify::verify(&pretty, harness::trust()) {
            panic!(
                "a fresh {} export does not verify: {e}",
                h.destination.as_str()
            );
        }
        written += 1;
        if std::env::var_os("SONAR_REGENERATE").is_none() {
            if written == destinations.len() {
                break;
            }
            continue;
        }
        for target in ["bundle_verify", "bundle_import"] {
            let to = root().join("fuzz/seeds").join(target);
            std::fs::create_dir_all(&to).expect("seed dir");
            std::fs::write(to.join(format!("{}.json", h.destination.as_str())), &pretty)
                .expect("write seed");
        }
        if written == destinations.len() {
            break;
        }
    }
    assert!(written > 0, "no bundle could be exported");
}
