//! The hazard log (`docs/safety/hazards.toml`) held to the code: every hazard has a control,
//! every control names the tests that prove it (or says in `open` why none does yet), every
//! named test exists as a test in the file named, risk levels are on the DCB0129 matrix and no
//! hazard is riskier after its controls than before, ids are unique, and the readable page
//! `docs/safety/hazard-log.md` is the one the log generates.
//!
//! `SONAR_REGENERATE=1 cargo test --test hazard_log` rewrites the page.

use std::path::{Path, PathBuf};

use sonar_custody::safety::{HazardLog, LOG_FILE, PAGE_FILE, REGENERATE, SafetyError};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_source(root: &Path, relative: &str) -> Option<String> {
    std::fs::read_to_string(root.join(relative)).ok()
}

fn the_log() -> HazardLog {
    let text = std::fs::read_to_string(root().join(LOG_FILE))
        .unwrap_or_else(|e| panic!("cannot read {LOG_FILE}: {e}"));
    HazardLog::parse(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(text: &str) -> Vec<String> {
    match HazardLog::parse(text) {
        Ok(_) => Vec::new(),
        Err(SafetyError::Invalid(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn the_log_is_valid_and_starts_with_the_issues_hazards() {
    let log = the_log();
    let titles: Vec<String> = log.hazards.iter().map(|h| h.title.to_lowercase()).collect();
    for wanted in [
        "wrong person",
        "known risk not carried over",
        "allergy or time-critical medicine lost",
        "check or dose missed",
        "emergency unseen or closed by accident",
        "tampered or misattributed bundle",
        "clock or daylight-saving",
        "wrong role sees clinical data",
        "saved data lost silently",
        "terminal output forged",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(wanted)),
            "no hazard about `{wanted}` in {LOG_FILE}: {titles:#?}"
        );
    }
}

#[test]
fn every_named_test_exists_as_a_test_in_the_file_it_names() {
    let log = the_log();
    let root = root();
    let missing = log.missing_tests(|path| read_source(&root, path));
    assert!(
        missing.is_empty(),
        "{LOG_FILE} names tests that do not prove anything:\n  {}",
        missing
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn the_page_is_the_one_the_log_generates() {
    let page = the_log().render_markdown();
    let path = root().join(PAGE_FILE);
    if std::env::var_os("SONAR_REGENERATE").is_some_and(|v| v == "1") {
        std::fs::write(&path, &page).unwrap_or_else(|e| panic!("cannot write {PAGE_FILE}: {e}"));
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == page,
        "{PAGE_FILE} is out of date: run `{REGENERATE}`"
    );
}

/// A hazard that passes every check, for the broken logs below to spoil one thing at a time.
const GOOD: &str = r#"
[[hazard]]
id = "H01"
title = "Something goes wrong"
cause = "A cause."
effect = "An effect on the detainee."
sources = ["A report"]
before = { severity = "major", likelihood = "medium" }
after = { severity = "major", likelihood = "very low" }
residual = "Why the risk after is what it is."

[[hazard.control]]
description = "A control."
tests = ["tests/hazard_log.rs::the_validator_refuses_a_broken_log"]

[[hazard.control]]
description = "A control not yet proven."
open = "No test yet."
"#;

#[test]
fn the_validator_refuses_a_broken_log() {
    assert!(problems(GOOD).is_empty(), "{:?}", problems(GOOD));

    // Each spoiled log, how many problems it has, and words the first must contain.
    let tests_line = "tests = [\"tests/hazard_log.rs::the_validator_refuses_a_broken_log\"]";
    let cases: Vec<(String, usize, &str)> = vec![
        (
            GOOD.split("[[hazard.control]]").next().unwrap().to_string(),
            1,
            "the hazard has no control",
        ),
        (
            GOOD.replace("open = \"No test yet.\"", ""),
            1,
            "names no test",
        ),
        (
            GOOD.replace(
                "tests = [\"tests/hazard_log.rs::",
                "tests = [\"tests/hazard_log::",
            ),
            2,
            "is not a Rust file under tests/ or src/",
        ),
        (
            GOOD.replace("open = \"No test yet.\"", "open = \"  \""),
            1,
            "`open` is empty",
        ),
        (
            GOOD.replace(
                "severity = \"major\", likelihood = \"medium\"",
                "severity = \"severe\", likelihood = \"medium\"",
            ),
            1,
            "`before.severity` is `severe`",
        ),
        (
            GOOD.replace("likelihood = \"very low\"", "likelihood = \"sometimes\""),
            1,
            "`after.likelihood` is `sometimes`",
        ),
        (
            GOOD.replace("likelihood = \"very low\"", "likelihood = \"very high\""),
            2,
            "the risk after the controls (5) is higher than before them (3)",
        ),
        (
            GOOD.replace(
                "after = { severity = \"major\"",
                "after = { severity = \"catastrophic\"",
            ),
            1,
            "the severity after the controls (catastrophic) is worse",
        ),
        (format!("{GOOD}\n{GOOD}"), 1, "the id H01 is used again"),
        (
            GOOD.replace("\"H01\"", "\"HAZ-1\""),
            1,
            "is not H followed by",
        ),
        (GOOD.replace("\"A cause.\"", "\"\""), 1, "`cause` is empty"),
        (
            GOOD.replace(tests_line, "open = \"Only this.\""),
            1,
            "the risk is lowered by controls none of which names a test",
        ),
        (
            GOOD.replace(
                tests_line,
                &tests_line.replace(
                    "]",
                    ", \"tests/hazard_log.rs::the_validator_refuses_a_broken_log\"]",
                ),
            ),
            1,
            "is named twice",
        ),
        (
            GOOD.replace("residual =", "residue ="),
            1,
            "is not a hazard log",
        ),
    ];
    for (text, count, wanted) in &cases {
        let got = problems(text);
        assert_eq!(
            got.len(),
            *count,
            "expected {count} ({wanted}), got {got:#?}"
        );
        assert!(got[0].contains(wanted), "expected `{wanted}`, got {got:#?}");
        assert!(got.iter().all(|p| p.starts_with(LOG_FILE)), "{got:#?}");
    }

    // A problem names the line of its hazard or control.
    let got = problems(&GOOD.replace("open = \"No test yet.\"", "open = \"\""));
    assert!(got[0].contains("line 16 (H01 control 2)"), "{got:#?}");
}

#[test]
fn a_named_test_that_does_not_exist_is_refused() {
    let spoiled = GOOD
        .replace(
            "tests = [\"tests/hazard_log.rs::the_validator_refuses_a_broken_log\"]",
            "tests = [\"tests/hazard_log.rs::no_such_test\", \"tests/hazard_log.rs::root\", \"tests/no_such_file.rs::x\", \"tests/hazard_log.rs::the_validator_refuses_a_broken_log\"]",
        );
    let log = HazardLog::parse(&spoiled).unwrap_or_else(|e| panic!("{e}"));
    let root = root();
    let missing: Vec<String> = log
        .missing_tests(|path| read_source(&root, path))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(missing.len(), 3, "{missing:#?}");
    assert!(missing[0].contains("tests/hazard_log.rs has no fn no_such_test"));
    assert!(missing[1].contains("fn root in tests/hazard_log.rs is not a test"));
    assert!(missing[2].contains("there is no file tests/no_such_file.rs"));
    assert!(missing.iter().all(|m| m.contains("(H01 control 1)")));
}
