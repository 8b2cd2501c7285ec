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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

use crate::domain::text::line_of;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    #[serde(default)]
    hazard: Vec<toml::Spanned<RawHazard>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHazard {
    id: String,
    title: String,
    cause: String,
    effect: String,
    #[serde(default)]
    sources: Vec<String>,
    before: RawRisk,
    after: RawRisk,
    residual: String,
    #[serde(default)]
    control: Vec<toml::Spanned<RawControl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRisk {
    severity: String,
    likelihood: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    description: String,
    #[serde(default)]
    tests: Vec<String>,
    open: Option<String>,
}

/// Runs of whitespace (the TOML's own line breaks) as single spaces.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `H01`, `H02`, … `H123`.
fn is_hazard_id(id: &str) -> bool {
    id.strip_prefix('H')
        .is_some_and(|n| n.len() >= 2 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Collects problems, each with its line and place.
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, line: usize, place: &str, message: impl Into<String>) {
        self.0.push(Problem {
            line,
            place: place.to_string(),
            message: message.into(),
        });
    }
}

fn parse_risk(which: &str, raw: &RawRisk, line: usize, id: &str, p: &mut Problems) -> Option<Risk> {
    let severity = Severity::parse(raw.severity.trim());
    let likelihood = Likelihood::parse(raw.likelihood.trim());
    if severity.is_none() {
        p.add(
            line,
            id,
            format!(
                "`{which}.severity` is `{}`, not one of {}",
                raw.severity,
                Severity::ALL.map(Severity::name).join(", ")
            ),
        );
    }
    if likelihood.is_none() {
        p.add(
            line,
            id,
            format!(
                "`{which}.likelihood` is `{}`, not one of {}",
                raw.likelihood,
                Likelihood::ALL.map(Likelihood::name).join(", ")
            ),
        );
    }
    Some(Risk {
        severity: severity?,
        likelihood: likelihood?,
    })
}

fn parse_control(raw: RawControl, line: usize, place: &str, p: &mut Problems) -> Control {
    if raw.description.trim().is_empty() {
        p.add(line, place, "the control has no description");
    }
    let open = raw.open.as_deref().map(words);
    if open.as_deref().is_some_and(str::is_empty) {
        p.add(
            line,
            place,
            "`open` is empty: say what is not yet proven, or remove it",
        );
    }
    if raw.tests.is_empty() && open.is_none() {
        p.add(
            line,
            place,
            "the control names no test: name the tests that prove it, or say in `open` why none does yet",
        );
    }
    let mut tests = Vec::new();
    let mut named = BTreeSet::new();
    for t in &raw.tests {
        match TestRef::parse(t.trim()) {
            Ok(r) if !named.insert(r.clone()) => {
                p.add(line, place, format!("`{r}` is named twice"))
            }
            Ok(r) => tests.push(r),
            Err(why) => p.add(line, place, why),
        }
    }
    Control {
        description: words(&raw.description),
        tests,
        open,
        line,
    }
}

/// The checks between a hazard's risk before and after its controls.
fn compare_risks(
    before: Risk,
    after: Risk,
    controls: &[Control],
    line: usize,
    id: &str,
    p: &mut Problems,
) {
    if after.rating() > before.rating() {
        p.add(
            line,
            id,
            format!(
                "the risk after the controls ({}) is higher than before them ({})",
                after.rating(),
                before.rating()
            ),
        );
    }
    if after.severity > before.severity {
        p.add(
            line,
            id,
            format!(
                "the severity after the controls ({}) is worse than before them ({})",
                after.severity.name(),
                before.severity.name()
            ),
        );
    }
    if after.likelihood > before.likelihood {
        p.add(
            line,
            id,
            format!(
                "the likelihood after the controls ({}) is higher than before them ({})",
                after.likelihood.name(),
                before.likelihood.name()
            ),
        );
    }
    if after.rating() < before.rating()
        && !controls.is_empty()
        && controls.iter().all(|c| c.tests.is_empty())
    {
        p.add(
            line,
            id,
            "the risk is lowered by controls none of which names a test",
        );
    }
}

impl HazardLog {
    /// Parses and validates the log's text, naming every problem with its line.
    pub fn parse(text: &str) -> Result<HazardLog, SafetyError> {
        let raw: RawLog = toml::from_str(text).map_err(|e| SafetyError::Syntax {
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: words(e.message()),
        })?;
        let mut p = Problems(Vec::new());
        let mut hazards = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        if raw.hazard.is_empty() {
            p.add(1, "", "the log has no [[hazard]]");
        }
        for spanned in raw.hazard {
            let line = line_of(text, spanned.span().start);
            let h = spanned.into_inner();
            let id = h.id.trim().to_string();
            if !is_hazard_id(&id) {
                p.add(
                    line,
                    &id,
                    format!("the id `{id}` is not H followed by two or more digits"),
                );
            }
            if let Some(first) = seen.insert(id.clone(), line) {
                p.add(
                    line,
                    &id,
                    format!("the id {id} is used again (first at line {first})"),
                );
            }
            for (field, value) in [
                ("title", &h.title),
                ("cause", &h.cause),
                ("effect", &h.effect),
                ("residual", &h.residual),
            ] {
                if value.trim().is_empty() {
                    p.add(line, &id, format!("`{field}` is empty"));
                }
            }
            if h.sources.iter().any(|s| s.trim().is_empty()) {
                p.add(line, &id, "a source is empty");
            }
            let before = parse_risk("before", &h.before, line, &id, &mut p);
            let after = parse_risk("after", &h.after, line, &id, &mut p);
            if h.control.is_empty() {
                p.add(line, &id, "the hazard has no control");
            }
            let controls: Vec<Control> = h
                .control
                .into_iter()
                .enumerate()
                .map(|(n, spanned)| {
                    let control_line = line_of(text, spanned.span().start);
                    let place = format!("{id} control {}", n + 1);
                    parse_control(spanned.into_inner(), control_line, &place, &mut p)
                })
                .collect();
            let (Some(before), Some(after)) = (before, after) else {
                continue;
            };
            compare_risks(before, after, &controls, line, &id, &mut p);
            hazards.push(Hazard {
                id,
                title: words(&h.title),
                cause: words(&h.cause),
                effect: words(&h.effect),
                sources: h.sources.iter().map(|s| words(s)).collect(),
                before,
                after,
                residual: words(&h.residual),
                controls,
                line,
            });
        }
        if p.0.is_empty() {
            Ok(HazardLog { hazards })
        } else {
            Err(SafetyError::Invalid(p.0))
        }
    }

    /// Every test the log names, once, sorted by file and name.
    pub fn tests(&self) -> BTreeSet<&TestRef> {
        self.hazards
            .iter()
            .flat_map(|h| &h.controls)
            .flat_map(|c| &c.tests)
            .collect()
    }

    /// The named tests that do not exist, are not tests, or are ignored. `read` returns a
    /// source file's text by its path relative to the repository root (None: no such file);
    /// each file is read once.
    pub fn missing_tests(&self, mut read: impl FnMut(&str) -> Option<String>) -> Vec<Problem> {
        let mut files: BTreeMap<&str, Option<String>> = BTreeMap::new();
        let mut problems = Vec::new();
        for h in &self.hazards {
            for (n, c) in h.controls.iter().enumerate() {
                for t in &c.tests {
                    let text = files
                        .entry(t.file.as_str())
                        .or_insert_with(|| read(&t.file));
                    let message = match text.as_deref().map(|text| find_test(text, &t.name)) {
                        None => format!("`{t}`: there is no file {}", t.file),
                        Some(TestLookup::Test) => continue,
                        Some(TestLookup::Ignored) => format!(
                            "`{t}` is #[ignore]d, so `cargo test` never runs it and it proves nothing"
                        ),
                        Some(TestLookup::NotATest) => format!(
                            "`{t}`: fn {} in {} is not a test (no #[test], #[tokio::test] or proptest)",
                            t.name, t.file
                        ),
                        Some(TestLookup::Missing) => {
                            format!("`{t}`: {} has no fn {}", t.file, t.name)
                        }
                    };
                    problems.push(Problem {
                        line: c.line,
                        place: format!("{} control {}", h.id, n + 1),
                        message,
                    });
                }
            }
        }
        problems
    }

    /// The readable page, `docs/safety/hazard-log.md`.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let controls: usize = self.hazards.iter().map(|h| h.controls.len()).sum();
        let open: usize = self
            .hazards
            .iter()
            .flat_map(|h| &h.controls)
            .filter(|c| c.open.is_some())
            .count();
        let untested = self
            .hazards
            .iter()
            .flat_map(|h| &h.controls)
            .filter(|c| c.tests.is_empty())
            .count();
        push_lines(
            &mut out,
            &[
                "# Hazard log".to_string(),
                String::new(),
                format!(
                    "Generated from [`hazards.toml`](hazards.toml) by `tests/hazard_log.rs`: do not edit this page; edit the log and run `{REGENERATE}`."
                ),
                String::new(),
                format!(
                    "{} hazards, {controls} controls naming {} tests; {open} controls have something open ({untested} with no test at all). \
                     A test of `tests/hazard_log.rs` fails when a hazard has no control, a control names no test without saying why, \
                     or a named test does not exist.",
                    self.hazards.len(),
                    self.tests().len()
                ),
                String::new(),
                "Risk is rated on the NHS clinical risk matrix of DCB0129 (manufacturers) and DCB0160 (deployers): \
                 severity and likelihood, each on five levels, give a rating from 1 to 5. \
                 *Before* is the risk without the controls below; *after* is the risk with them in place. \
                 Every control names the tests that prove it; what is not yet proven or not yet built is marked **Open**."
                    .to_string(),
                String::new(),
                "## Summary".to_string(),
                String::new(),
                "| id | hazard | before | after | controls | open |".to_string(),
                "| --- | --- | --- | --- | --- | --- |".to_string(),
            ],
        );
        for h in &self.hazards {
            let open = h.controls.iter().filter(|c| c.open.is_some()).count();
            out.push_str(&format!(
                "| [{id}](#{anchor}) | {title} | {before} | {after} | {n} | {open} |\n",
                id = h.id,
                anchor = anchor(&h.id, &h.title),
                title = cell(&h.title),
                before = h.before,
                after = h.after,
                n = h.controls.len(),
            ));
        }
        out.push('\n');
        push_matrix(&mut out);
        for h in &self.hazards {
            out.push_str(&format!("\n## {} {}\n\n", h.id, h.title));
            out.push_str(&format!("**Cause.** {}\n\n", h.cause));
            out.push_str(&format!("**Effect on the detainee.** {}\n\n", h.effect));
            out.push_str(&format!(
                "**Risk before controls:** {}. **After:** {}.\n\n",
                h.before, h.after
            ));
            out.push_str(&format!("**Residual risk.** {}\n\n", h.residual));
            if !h.sources.is_empty() {
                out.push_str("**Sources.**\n\n");
                for s in &h.sources {
                    out.push_str(&format!("- {s}\n"));
                }
                out.push('\n');
            }
            out.push_str("**Controls.**\n\n");
            for (n, c) in h.controls.iter().enumerate() {
                out.push_str(&format!("{}. {}\n", n + 1, c.description));
                if c.tests.is_empty() {
                    out.push_str("   - Tests: none yet.\n");
                } else {
                    out.push_str("   - Tests:\n");
                    for t in &c.tests {
                        out.push_str(&format!("     - `{t}`\n"));
                    }
                }
                if let Some(open) = &c.open {
                    out.push_str(&format!("   - **Open:** {open}\n"));
                }
            }
        }
        let open: Vec<(&Hazard, usize, &str)> = self
            .hazards
            .iter()
            .flat_map(|h| {
                h.controls
                    .iter()
                    .enumerate()
                    .filter_map(move |(n, c)| c.open.as_deref().map(|o| (h, n + 1, o)))
            })
            .collect();
        if !open.is_empty() {
            out.push_str(
                "\n## Open\n\nEverything the log says is not yet proven or not yet built.\n\n",
            );
            out.push_str("| hazard | control | open |\n| --- | --- | --- |\n");
            for (h, n, o) in open {
                out.push_str(&format!("| {} | {n} | {} |\n", h.id, cell(o)));
            }
        }
        out
    }
}

fn push_lines(out: &mut String, lines: &[String]) {
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
}

fn push_matrix(out: &mut String) {
    out.push_str("### The risk matrix\n\n| likelihood \\ severity |");
    for s in Severity::ALL {
        out.push_str(&format!(" {} |", s.name()));
    }
    out.push_str("\n| --- |");
    for _ in Severity::ALL {
        out.push_str(" --- |");
    }
    out.push('\n');
    for l in Likelihood::ALL.into_iter().rev() {
        out.push_str(&format!("| {} |", l.name()));
        for s in Severity::ALL {
            let r = Risk {
                severity: s,
                likelihood: l,
            };
            out.push_str(&format!(" {} |", r.rating()));
        }
        out.push('\n');
    }
    out.push_str("\n| rating | meaning |\n| --- | --- |\n");
    for rating in 1..=5 {
        out.push_str(&format!("| {rating} | {} |\n", rating_meaning(rating)));
    }
    out.push_str("\n| severity | for a detainee |\n| --- | --- |\n");
    for s in Severity::ALL {
        out.push_str(&format!("| {} | {} |\n", s.name(), s.meaning()));
    }
    out.push_str("\n| likelihood | meaning |\n| --- | --- |\n");
    for l in Likelihood::ALL {
        out.push_str(&format!("| {} | {} |\n", l.name(), l.meaning()));
    }
}

/// Text fit for a table cell: no pipe ends the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The anchor GitHub gives the heading `## H01 Wrong person selected`.
fn anchor(id: &str, title: &str) -> String {
    format!("{id} {title}")
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// What [`find_test`] found under a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestLookup {
    /// A test `cargo test` runs.
    Test,
    /// A test marked `#[ignore]`.
    Ignored,
    /// A function by that name that is not a test.
    NotATest,
    /// No function by that name.
    Missing,
}

/// Whether Rust source `text` defines a test function `name`: a `fn name` under a `#[test]`,
/// `#[tokio::test]` (any attribute whose path ends in `test`), `#[proptest]` or
/// `#[property_test]` attribute, or inside a `proptest! { … }` block. Comments and string
/// literals are ignored, so a name in a doc comment or a string does not count.
pub fn find_test(text: &str, name: &str) -> TestLookup {
    let code = code_only(text);
    let blocks = proptest_blocks(&code);
    let mut found = TestLookup::Missing;
    for at in fn_positions(&code, name) {
        let attributes = attributes_before(&code, at);
        let is_test = attributes.iter().any(|a| {
            let last = a.rsplit("::").next().unwrap_or(a);
            last == "test" || last == "proptest" || last == "property_test"
        }) || blocks.iter().any(|(start, end)| *start < at && at < *end);
        if !is_test {
            if found == TestLookup::Missing {
                found = TestLookup::NotATest;
            }
            continue;
        }
        if attributes.iter().any(|a| a == "ignore") {
            found = TestLookup::Ignored;
            continue;
        }
        return TestLookup::Test;
    }
    found
}

/// `text` with every comment and the inside of every string and character literal replaced by
/// spaces (newlines kept), so byte offsets and lines stay where they were.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut out[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                let mut j = i;
                while j < b.len() {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                let end = j.min(b.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'r' if raw_prefix(b, i) && matches!(b.get(i + 1), Some(b'"' | b'#')) => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let mut j = open + 1;
                let end = loop {
                    if j >= b.len() {
                        break b.len();
                    }
                    if b[j] == b'"'
                        && b.len() > j + hashes
                        && b[j + 1..=j + hashes].iter().all(|&c| c == b'#')
                    {
                        break j;
                    }
                    j += 1;
                };
                blank(&mut out, open + 1, end);
                i = (end + 1 + hashes).min(b.len());
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                blank(&mut out, i + 1, end);
                i = end + 1;
            }
            b'\'' => {
                // A character literal ('x', '\n', '\u{1b}', 'é'), or a lifetime ('a).
                let rest = &text[i + 1..];
                let len = if rest.starts_with('\\') {
                    rest.get(2..).and_then(|r| r.find('\'')).map(|p| p + 3)
                } else {
                    rest.chars()
                        .next()
                        .map(char::len_utf8)
                        .filter(|&n| rest[n..].starts_with('\''))
                        .map(|n| n + 1)
                };
                match len {
                    Some(len) => {
                        blank(&mut out, i + 1, i + len);
                        i += len + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes were replaced, and only whole literals or comments, so every multi-byte
    // character left is whole; lossy conversion is a no-op kept to avoid an unwrap.
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the `r` at `i` can start a raw string (`r"…"`, `r#"…"#`, `br"…"`): it does not end
/// an identifier, except a lone `b` prefix.
fn raw_prefix(b: &[u8], i: usize) -> bool {
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    match i {
        0 => true,
        1 => !ident(b[0]) || b[0] == b'b',
        _ => !ident(b[i - 1]) || (b[i - 1] == b'b' && !ident(b[i - 2])),
    }
}

/// Offsets of the `fn` keyword of every `fn name` in `code`.
fn fn_positions(code: &str, name: &str) -> Vec<usize> {
    let b = code.as_bytes();
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        if b.get(from).copied().is_some_and(ident) {
            continue;
        }
        let before = code[..at].trim_end_matches([' ', '\t', '\n', '\r']);
        if before.len() == code[..at].len() || !before.ends_with("fn") {
            continue;
        }
        let fn_at = before.len() - 2;
        if fn_at > 0 && ident(b[fn_at - 1]) {
            continue;
        }
        out.push(fn_at);
    }
    out
}

/// The paths of the attributes written before the item whose keyword starts at `at` (skipping
/// `pub`, `async`, `unsafe`, `const`, `extern` and `pub(crate)`-style visibility).
fn attributes_before(code: &str, at: usize) -> Vec<String> {
    let b = code.as_bytes();
    let mut end = at;
    let mut out = Vec::new();
    loop {
        let trimmed = code[..end].trim_end();
        end = trimmed.len();
        if trimmed.ends_with(']') {
            // Walk back to the `#[` that opens this attribute.
            let mut depth = 0i32;
            let mut j = end;
            let mut open = None;
            while j > 0 {
                j -= 1;
                match b[j] {
                    b']' => depth += 1,
                    b'[' => {
                        depth -= 1;
                        if depth == 0 {
                            open = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(open) = open.filter(|&o| o > 0 && b[o - 1] == b'#') else {
                break;
            };
            let inner = &code[open + 1..end - 1];
            let path: String = inner
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path);
            end = open - 1;
            continue;
        }
        let word_start = trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = &trimmed[word_start..];
        if matches!(word, "pub" | "async" | "unsafe" | "const" | "extern") {
            end = word_start;
            continue;
        }
        if trimmed.ends_with(')') {
            // `pub(crate)` and the like.
            if let Some(open) = trimmed.rfind('(')
                && trimmed[..open].trim_end().ends_with("pub")
            {
                end = trimmed[..open].trim_end().len() - 3;
                continue;
            }
        }
        break;
    }
    out
}

/// The byte ranges of every `proptest! { … }` (or `( … )`) block in `code`.
fn proptest_blocks(code: &str) -> Vec<(usize, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("proptest!") {
        let at = from + p;
        from = at + "proptest!".len();
        if at > 0 && (b[at - 1] == b'_' || b[at - 1].is_ascii_alphanumeric()) {
            continue;
        }
        let rest = &code[from..];
        let skipped = rest.len() - rest.trim_start().len();
        let start = from + skipped;
        let (open, close) = match b.get(start) {
            Some(b'{') => (b'{', b'}'),
            Some(b'(') => (b'(', b')'),
            Some(b'[') => (b'[', b']'),
            _ => continue,
        };
        let mut depth = 0usize;
        let mut end = b.len();
        for (j, &c) in b.iter().enumerate().skip(start) {
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    end = j;
                    break;
                }
            }
        }
        out.push((start, end));
        from = end.max(from);
    }
    out
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
    fn tests_are_found_under_their_attributes_and_not_in_comments_or_strings() {
        let src = r##"
/// fn in_a_doc_comment() {}
// fn in_a_comment() {}
const S: &str = "fn in_a_string() {}";
const R: &str = r#"fn in_a_raw_string() { "# ;
const C: char = '{';

#[test]
fn plain() {}

/// A doc comment between.
#[test]
#[should_panic(expected = "x]")]
fn with_more_attributes() {}

#[tokio::test(flavor = "multi_thread")]
async fn asynchronous() {}

#[test]
#[ignore = "slow"]
fn ignored() {}

fn helper<'a>(x: &'a str) -> &'a str { x }

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn a_property(s in "\\PC{0,30}") { let _ = s; }
    fn bare_inside(x in 0..3u8) { let _ = x; }
}

mod tests {
    #[test]
    pub(crate) fn nested_and_public() {}
}
"##;
        assert_eq!(find_test(src, "plain"), TestLookup::Test);
        assert_eq!(find_test(src, "with_more_attributes"), TestLookup::Test);
        assert_eq!(find_test(src, "asynchronous"), TestLookup::Test);
        assert_eq!(find_test(src, "ignored"), TestLookup::Ignored);
        assert_eq!(find_test(src, "helper"), TestLookup::NotATest);
        assert_eq!(find_test(src, "a_property"), TestLookup::Test);
        assert_eq!(find_test(src, "bare_inside"), TestLookup::Test);
        assert_eq!(find_test(src, "nested_and_public"), TestLookup::Test);
        for absent in [
            "in_a_doc_comment",
            "in_a_comment",
            "in_a_string",
            "in_a_raw_string",
            "pla",
            "plain_",
        ] {
            assert_eq!(find_test(src, absent), TestLookup::Missing, "{absent}");
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

    #[test]
    fn anchors_follow_github() {
        assert_eq!(
            anchor("H06", "A tampered or misattributed bundle accepted"),
            "h06-a-tampered-or-misattributed-bundle-accepted"
        );
        assert_eq!(
            anchor("H07", "A clock or daylight-saving error"),
            "h07-a-clock-or-daylight-saving-error"
        );
    }
}
