//! The fuzz harnesses: one function per target, each feeding bytes to one of the program's
//! parsers and checking what must hold for any input. The cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`) call them under libFuzzer; `tests/fuzz_properties.rs` includes
//! this file and calls them from bounded proptests in CI, so both run the same checks.
//!
//! Every harness panics only when an invariant breaks; an error from the parser is a correct
//! answer to a bad input.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use sonar_custody::domain::booking;
use sonar_custody::domain::care::ObservationRules;
use sonar_custody::domain::form::{self, FormErrors};
use sonar_custody::domain::hcp::bands::HcpBands;
use sonar_custody::domain::nhs_number::NhsNumber;
use sonar_custody::domain::pnc::PncId;
use sonar_custody::domain::rules;
use sonar_custody::domain::scores::ciwa;
use sonar_custody::handover::verify::{self, Trust};
use sonar_custody::handover::{build, import, keys};
use sonar_custody::keymap::{KeyChord, Keymap};
use sonar_custody::store::Store;
use sonar_custody::store::handover::ImportOutcome;

/// The targets, in the order `fuzz/run` runs them.
pub const TARGETS: [&str; 7] = [
    "bundle_verify",
    "bundle_import",
    "keymap",
    "config",
    "form",
    "rules",
    "person_search",
];

/// The key the harnesses sign bundles with and trust: fixed, so a crash reproduces.
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[0x5a; 32])
}

/// The verifier's trust: the harness key only.
pub fn trust() -> &'static Trust {
    static TRUST: OnceLock<Trust> = OnceLock::new();
    TRUST.get_or_init(|| Trust::new([signing_key().verifying_key()]))
}

/// `bundle` with its signature replaced by one from [`signing_key`] (what a trusted suite
/// would have sent), or `None` when it cannot be signed (not an object, numbers outside
/// RFC 8785).
pub fn resign(mut bundle: Value) -> Option<Value> {
    bundle.as_object_mut()?.remove("signature");
    let key = signing_key();
    build::sign(&mut bundle, &key, &keys::kid_of(&key.verifying_key())).ok()?;
    Some(bundle)
}

/// The bundle verifier on raw bytes. A bundle that verifies must verify again, with the same
/// payload hash, from any re-serialisation of what was verified.
pub fn bundle_verify(data: &[u8]) {
    let Ok(verified) = verify::verify(data, trust()) else {
        return;
    };
    let again = serde_json::to_vec_pretty(&verified.bundle).expect("a Value serialises");
    let reverified = verify::verify(&again, trust())
        .unwrap_or_else(|e| panic!("a verified bundle re-serialised no longer verifies: {e}"));
    assert_eq!(reverified.payload_sha256, verified.payload_sha256);
    assert_eq!(reverified.kid, verified.kid);
    assert_eq!(reverified.bundle_id, verified.bundle_id);
    // The import plan is read from any verified bundle.
    let _ = import::plan(&verified);
}

/// The importer: `data` is the bundle's JSON. It is signed with the trusted key (inputs that
/// never verify cannot reach the importer), given a bundle id of its own (a repeated id is
/// "already imported" before anything is read), verified and imported into one suite: by its
/// identifiers, or (inputs of odd length) onto a person already in the suite, as booking-in
/// imports what the national record holds. The same bundle imported again must be "already
/// imported". Returns whether the bundle was imported.
pub fn bundle_import(data: &[u8]) -> bool {
    let Ok(mut bundle) = serde_json::from_slice::<Value>(data) else {
        return false;
    };
    let mut suite = import_suite().lock().unwrap_or_else(|p| p.into_inner());
    suite.imports += 1;
    if let Some(Value::String(id)) = bundle.pointer_mut("/identifier/value") {
        id.push_str(&format!("-{}", suite.imports));
    }
    let Some(bundle) = resign(bundle) else {
        return false;
    };
    let bytes = serde_json::to_vec(&bundle).expect("a Value serialises");
    let Ok(verified) = verify::verify(&bytes, trust()) else {
        return false;
    };
    let plan = import::plan(&verified);
    let now = suite.now;
    let store = suite.store();
    // Person 1 is the demo suite's first person in custody.
    let onto = (data.len() % 2 == 1).then_some(1);
    let import = |store: &mut Store| match onto {
        Some(person) => store.import_bundle_for(&plan, person, now),
        None => store.import_bundle(&plan, now),
    };
    match import(store) {
        Ok(ImportOutcome::Imported { flags, .. }) => {
            assert_eq!(flags, plan.flags.len());
            match import(store) {
                Ok(ImportOutcome::AlreadyImported { .. }) => {}
                again => panic!("the same bundle imported a second time: {again:?}"),
            }
            true
        }
        Ok(ImportOutcome::AlreadyImported { .. }) => {
            panic!("a bundle id never imported before was taken as already imported")
        }
        Err(_) => false,
    }
}

/// Makes the importer's suite (the demo suite, then the sergeant's login with Argon2) before
/// the first input: the fuzz target calls it from libFuzzer's initialisation, so the per-input
/// timeout measures imports, not this set-up, which takes seconds on a busy machine.
pub fn prepare_import_suite() {
    let mut suite = import_suite().lock().unwrap_or_else(|p| p.into_inner());
    suite.store();
}

/// How many imports a suite takes before it is replaced by a fresh copy, so a long run's
/// database does not grow without bound.
const IMPORTS_PER_SUITE: u32 = 2_000;

/// A demo suite (no historical people) made once, copied afresh every
/// [`IMPORTS_PER_SUITE`] imports, with the custody sergeant (who imports) logged in.
pub struct ImportSuite {
    template: tempfile::TempDir,
    work: Option<tempfile::TempDir>,
    store: Option<Store>,
    since_fresh: u32,
    imports: u64,
    now: DateTime<Utc>,
}

impl ImportSuite {
    fn new() -> ImportSuite {
        let created = Utc
            .with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
            .single()
            .expect("a date");
        let template = tempfile::tempdir().expect("a temporary directory");
        let db = template.path().join("suite.db");
        drop(
            sonar_custody::demo::create(&db, 0, created, &mut |_, _| {})
                .expect("the demo suite is created"),
        );
        ImportSuite {
            template,
            work: None,
            store: None,
            since_fresh: 0,
            imports: 0,
            now: created + chrono::Duration::hours(1),
        }
    }

    fn store(&mut self) -> &mut Store {
        self.since_fresh += 1;
        if self.since_fresh > IMPORTS_PER_SUITE {
            self.store = None;
            self.work = None;
            self.since_fresh = 1;
        }
        if self.store.is_none() {
            let work = tempfile::tempdir().expect("a temporary directory");
            copy_files(self.template.path(), work.path());
            let store = Store::unlock(
                &work.path().join("suite.db"),
                "sergeant",
                sonar_custody::demo::DEMO_PASSWORD,
                self.now,
            )
            .expect("the sergeant logs in to the copy")
            .store;
            self.work = Some(work);
            self.store = Some(store);
        }
        self.store.as_mut().expect("opened above")
    }
}

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("the template directory") {
        let entry = entry.expect("a directory entry");
        if entry.file_type().expect("a file type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

fn import_suite() -> &'static Mutex<ImportSuite> {
    static SUITE: OnceLock<Mutex<ImportSuite>> = OnceLock::new();
    SUITE.get_or_init(|| Mutex::new(ImportSuite::new()))
}

/// Lines in `text` as problems may name them: 1 to one past the last.
fn line_in(text: &str, line: usize) -> bool {
    (1..=text.lines().count() + 1).contains(&line)
}

/// A user keymap file, and each of its words as a key chord. A chord that parses prints as a
/// spelling that parses back to the same chord.
pub fn keymap(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Keymap::parse_user(Path::new("keymap.toml"), &text) {
        Ok(_) => {}
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused keymap names its problems");
            for p in &problems {
                if let Some(line) = p.line {
                    assert!(line_in(&text, line), "line {line} of {p}");
                }
            }
        }
    }
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '=' | '[' | ']')) {
        chord(word);
    }
}

fn chord(text: &str) {
    if let Ok(chord) = KeyChord::parse(text) {
        let shown = chord.to_string();
        assert_eq!(
            KeyChord::parse(&shown).ok(),
            Some(chord),
            "{text:?} printed as {shown:?}"
        );
    }
}

/// The settings file. Whatever it says, the idle lock stays on: a number of minutes that is
/// finite, above zero and at most an hour, or the default.
pub fn config(data: &[u8]) {
    use sonar_custody::commands::settings::{self, MAX_IDLE_LOCK_MINUTES, MAX_TERMINAL_NAME_CHARS};
    let text = String::from_utf8_lossy(data);
    let (s, problems) = settings::parse("config.toml", &text);
    if let Some(m) = s.idle_lock_minutes {
        assert!(
            m.is_finite() && m > 0.0 && m <= MAX_IDLE_LOCK_MINUTES,
            "idle lock {m} accepted"
        );
    }
    if let Some(name) = &s.terminal_name {
        assert!(!name.trim().is_empty());
        assert!(name.chars().count() <= MAX_TERMINAL_NAME_CHARS);
        assert!(
            !name
                .chars()
                .any(sonar_custody::domain::text::acts_on_terminal)
        );
    }
    for p in &problems {
        assert!(
            !p.chars().any(sonar_custody::domain::text::acts_on_terminal),
            "a problem sentence holds a control character: {p:?}"
        );
    }
}

fn check_form_errors(text: &str, errors: &FormErrors) {
    assert!(!errors.0.is_empty(), "a refused file names its problems");
    for e in &errors.0 {
        assert!(line_in(text, e.line), "line {} of {e:?}", e.line);
    }
}

/// A screening form file.
pub fn form(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match form::load_form("form.toml", &text) {
        Ok(f) => assert!(!f.id.is_empty()),
        Err(errors) => check_form_errors(&text, &errors),
    }
}

/// The rules files: flag rules against the embedded forms, the HCP waiting bands, the CIWA-Ar
/// band rule and the observation-level rules, each given the same text.
pub fn rules(data: &[u8]) {
    static FORMS: OnceLock<Vec<form::Form>> = OnceLock::new();
    let forms = FORMS.get_or_init(|| form::embedded_forms().expect("the embedded forms load"));
    let text = String::from_utf8_lossy(data);
    if let Err(errors) = rules::load_rules("rules.toml", &text, forms) {
        check_form_errors(&text, &errors);
    }
    if let Ok(bands) = HcpBands::parse(&text, "hcp_bands.toml") {
        assert!(!bands.bands.is_empty());
    }
    let _ = ciwa::parse_band_rule("ciwa_bands.toml", &text);
    if let Ok(levels) = ObservationRules::parse(&text, "observation_levels.toml") {
        let _ = levels.suggest(&[]).summary();
    }
}

/// The one-line person search. An NHS number it finds is ten digits that pass the check; a
/// PNC id reads back as itself; the search is the same read twice, and the NHS number alone
/// finds the same number.
pub fn person_search(data: &[u8]) {
    let (year, text) = match data {
        [a, b, rest @ ..] => (1970 + i32::from(u16::from_le_bytes([*a, *b]) % 200), rest),
        _ => (2026, data),
    };
    let text = String::from_utf8_lossy(text);
    let q = booking::parse_query(&text, year);
    assert_eq!(q, booking::parse_query(&text, year));
    if let Some(nhs) = &q.nhs_number {
        assert!(
            nhs.len() == 10 && nhs.bytes().all(|b| b.is_ascii_digit()),
            "{nhs:?}"
        );
        assert_eq!(
            NhsNumber::parse(nhs)
                .map(|n| n.as_str().to_string())
                .ok()
                .as_ref(),
            Some(nhs)
        );
        assert_eq!(
            booking::parse_query(nhs, year).nhs_number.as_ref(),
            Some(nhs)
        );
    }
    if let Some(pnc) = &q.pnc_id {
        assert_eq!(
            PncId::parse_canonical(pnc)
                .map(|p| p.as_str().to_string())
                .ok()
                .as_ref(),
            Some(pnc)
        );
    }
    for name in [&q.surname, &q.forename].into_iter().flatten() {
        assert!(!name.is_empty());
        assert_eq!(
            &sonar_custody::domain::person::fold_name(name),
            name,
            "folding is stable"
        );
    }
    let _ = booking::prefill_from_search(&text, year);
}

/// The seed corpus of one target: the files under `fuzz/seeds/<target>/`.
pub fn seeds(root: &Path, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = root.join("fuzz").join("seeds").join(target);
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("a directory entry").path();
            let bytes = std::fs::read(&path).expect("a seed file");
            (path, bytes)
        })
        .collect();
    out.sort();
    out
}
