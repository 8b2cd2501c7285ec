//! The safety case as data (issue 16): the hazard log in `docs/safety/hazards.toml`, checked
//! and rendered as the readable page `docs/safety/hazard-log.md`.
//!
//! Each hazard names its cause, its effect on the detainee, its severity and likelihood before
//! and after the controls (the NHS DCB0129/DCB0160 5×5 clinical risk matrix), and its controls.
//! Each control names the tests that prove it (`tests/<file>.rs::<fn>` or `src/<…>.rs::<fn>`),
//! or says in `open` why it has none yet. This module is pure: it parses, validates and renders
//! text. Whether a named test exists is decided by [`find_test`] over source text the caller
//! reads ([`HazardLog::missing_tests`] takes the reading as a function), so `tests/hazard_log.rs`
//! does the file access and fails the build when the log and the code disagree.
//!
//! The module's seams: this file holds the model (severity, likelihood, the matrix, hazards,
//! controls) and its errors; `parse.rs` reads and validates the TOML; `find.rs` decides whether a
//! named test exists; `render.rs` writes the readable page.

mod find;
mod parse;
mod render;

use std::fmt;

pub use find::{TestLookup, find_test};

/// Where the log lives, relative to the repository root.
pub const LOG_FILE: &str = "docs/safety/hazards.toml";
/// Where the generated page lives, relative to the repository root.
pub const PAGE_FILE: &str = "docs/safety/hazard-log.md";
/// How to bring the page up to date.
pub const REGENERATE: &str = "SONAR_REGENERATE=1 cargo test --test hazard_log";

/// DCB0129/DCB0160 severity (the guidance calls it consequence), least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Minor,
    Significant,
    Considerable,
    Major,
    Catastrophic,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Minor,
        Severity::Significant,
        Severity::Considerable,
        Severity::Major,
        Severity::Catastrophic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Significant => "significant",
            Severity::Considerable => "considerable",
            Severity::Major => "major",
            Severity::Catastrophic => "catastrophic",
        }
    }

    /// What the guidance means by it, for one person (the matrix's own wording, shortened).
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::Minor => {
                "minor injury or upset from which recovery is expected in the short term; inconvenience"
            }
            Severity::Significant => {
                "minor injury from which recovery is not expected in the short term; significant psychological trauma"
            }
            Severity::Considerable => {
                "severe injury or incapacity from which recovery is expected in the short term; severe psychological trauma"
            }
            Severity::Major => {
                "death or permanent life-changing incapacity of one person; severe injury of several"
            }
            Severity::Catastrophic => {
                "death or permanent life-changing incapacity of several people"
            }
        }
    }

    fn parse(text: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.name() == text)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// DCB0129/DCB0160 likelihood, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likelihood {
    VeryLow,
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Likelihood {
    pub const ALL: [Likelihood; 5] = [
        Likelihood::VeryLow,
        Likelihood::Low,
        Likelihood::Medium,
        Likelihood::High,
        Likelihood::VeryHigh,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Likelihood::VeryLow => "very low",
            Likelihood::Low => "low",
            Likelihood::Medium => "medium",
            Likelihood::High => "high",
            Likelihood::VeryHigh => "very high",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Likelihood::VeryLow => "negligible or nearly negligible possibility of occurring",
            Likelihood::Low => "could occur but in the great majority of occasions will not",
            Likelihood::Medium => "possible",
            Likelihood::High => "not certain but very possible; expected in most cases",
            Likelihood::VeryHigh => "certain or almost certain",
        }
    }

    fn parse(text: &str) -> Option<Likelihood> {
        Likelihood::ALL.into_iter().find(|l| l.name() == text)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The DCB0129/DCB0160 clinical risk matrix: `MATRIX[likelihood][severity]`, 1 to 5.
const MATRIX: [[u8; 5]; 5] = [
    // minor, significant, considerable, major, catastrophic
    [1, 1, 2, 2, 3], // very low
    [1, 2, 2, 3, 4], // low
    [2, 2, 3, 3, 4], // medium
    [2, 3, 3, 4, 5], // high
    [3, 4, 4, 5, 5], // very high
];

/// What each risk rating asks for (DCB0129/DCB0160 guidance).
pub fn rating_meaning(rating: u8) -> &'static str {
    match rating {
        1 => "acceptable, no further action required",
        2 => "acceptable where the cost of further reduction outweighs the benefit",
        3 => "undesirable: acceptable only when further reduction is impractical",
        4 => "mandatory elimination or control to reduce the risk to an acceptable level",
        _ => "unacceptable",
    }
}

/// A severity and a likelihood, rated on the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Risk {
    pub severity: Severity,
    pub likelihood: Likelihood,
}

impl Risk {
    /// The risk rating, 1 (acceptable) to 5 (unacceptable).
    pub fn rating(self) -> u8 {
        MATRIX[self.likelihood.index()][self.severity.index()]
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {})",
            self.rating(),
            self.severity.name(),
            self.likelihood.name()
        )
    }
}

/// A test a control names: `tests/handover.rs::reordering_entries_is_detected`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestRef {
    /// The source file, relative to the repository root.
    pub file: String,
    /// The test function's name.
    pub name: String,
}

impl TestRef {
    /// Splits `path::name`, refusing anything that is not a Rust file under `tests/` or `src/`
    /// followed by one identifier.
    pub fn parse(text: &str) -> Result<TestRef, String> {
        let Some((file, name)) = text.rsplit_once("::") else {
            return Err(format!(
                "`{text}` is not `tests/<file>.rs::<test>` or `src/<path>.rs::<test>`"
            ));
        };
        if !(file.starts_with("tests/") || file.starts_with("src/"))
            || !file.ends_with(".rs")
            || file.contains("..")
            || file.contains('\\')
        {
            return Err(format!(
                "`{file}` in `{text}` is not a Rust file under tests/ or src/"
            ));
        }
        if !is_identifier(name) {
            return Err(format!("`{name}` in `{text}` is not a function name"));
        }
        Ok(TestRef {
            file: file.to_string(),
            name: name.to_string(),
        })
    }
}

impl fmt::Display for TestRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.file, self.name)
    }
}

/// One control of a hazard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    pub description: String,
    /// The tests that prove it.
    pub tests: Vec<TestRef>,
    /// What is not yet proven or not yet built, when something is not.
    pub open: Option<String>,
    /// The control's line in the log.
    pub line: usize,
}

/// One hazard, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    pub id: String,
    pub title: String,
    pub cause: String,
    /// The effect on the detainee.
    pub effect: String,
    /// Where the hazard is known from (IOPC reports, PACE Code C, the reference files).
    pub sources: Vec<String>,
    pub before: Risk,
    pub after: Risk,
    /// Why the risk after the controls is what it is.
    pub residual: String,
    pub controls: Vec<Control>,
    /// The hazard's line in the log.
    pub line: usize,
}

/// The whole log, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HazardLog {
    pub hazards: Vec<Hazard>,
}

/// One thing wrong with the log, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    /// The hazard (and control) it concerns, e.g. `H03` or `H03 control 2`.
    pub place: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.place.is_empty() {
            write!(f, "{LOG_FILE} line {}: {}", self.line, self.message)
        } else {
            write!(
                f,
                "{LOG_FILE} line {} ({}): {}",
                self.line, self.place, self.message
            )
        }
    }
}

/// Why a hazard log was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafetyError {
    #[error("{LOG_FILE} line {line} is not a hazard log: {message}")]
    Syntax { line: usize, message: String },
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    let mut out = format!(
        "{LOG_FILE} has {} problem{}:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_is_the_dcb0129_one() {
        let r = |s, l| {
            Risk {
                severity: s,
                likelihood: l,
            }
            .rating()
        };
        assert_eq!(r(Severity::Minor, Likelihood::VeryLow), 1);
        assert_eq!(r(Severity::Catastrophic, Likelihood::VeryLow), 3);
        assert_eq!(r(Severity::Major, Likelihood::Medium), 3);
        assert_eq!(r(Severity::Major, Likelihood::High), 4);
        assert_eq!(r(Severity::Catastrophic, Likelihood::High), 5);
        assert_eq!(r(Severity::Minor, Likelihood::VeryHigh), 3);
        // Never lower for a worse severity or a higher likelihood.
        for s in Severity::ALL {
            for l in Likelihood::ALL {
                for s2 in Severity::ALL.into_iter().filter(|x| *x >= s) {
                    for l2 in Likelihood::ALL.into_iter().filter(|x| *x >= l) {
                        assert!(r(s2, l2) >= r(s, l), "{s:?} {l:?} vs {s2:?} {l2:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn test_refs_are_a_rust_file_and_a_name() {
        let r = TestRef::parse("tests/handover.rs::reordering_entries_is_detected").unwrap();
        assert_eq!(r.file, "tests/handover.rs");
        assert_eq!(r.name, "reordering_entries_is_detected");
        assert!(
            TestRef::parse("src/domain/observation.rs::spring_change_does_not_move_a_due_time")
                .is_ok()
        );
        for bad in [
            "reordering_entries_is_detected",
            "tests/handover::x",
            "docs/x.rs::y",
            "tests/../src/x.rs::y",
            "tests/x.rs::not a name",
            "tests/x.rs::",
        ] {
            assert!(TestRef::parse(bad).is_err(), "{bad}");
        }
    }
}
