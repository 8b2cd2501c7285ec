//! Reading and validating the hazard log's TOML, and holding its named tests to the source.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{
    Control, Hazard, HazardLog, Likelihood, Problem, Risk, SafetyError, Severity, TestLookup,
    TestRef, find_test,
};
use crate::domain::text::line_of;

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
}
