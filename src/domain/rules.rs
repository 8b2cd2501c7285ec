//! Rules as data: conditions over answers that raise risk flags, loaded from
//! `schema/rules/*.toml`, each with its plain-language reason and its source.
//!
//! Sources: DESIGN.md ("a clinician reviewing the rules reads `schema/rules/*.toml`, not
//! Rust"); `reference/custody-practice.md` ("What goes wrong today": every risk entry needs a
//! reason; flags have a PER type). Each rule cites its own source in the TOML.
//!
//! Rules over recorded scores (`scores.toml`) use the same conditions: a score's results are
//! presented as the answers of a pseudo-form named after the score kind (`news2.total`), and
//! their reasons may name results to fill in (`{news2.total}`, `{time}`).
//!
//! Pure: loading takes a file name, its text and the forms; evaluation takes answers.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use super::flag::{FlagCode, Severity};
use super::form::{AnswerValue, Condition, Form, FormError, FormErrors, line_of};
use super::scores::facts::{self, FactKind};

/// The rules shipped with the program, as (file name, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("flags.toml", include_str!("../../schema/rules/flags.toml")),
    (SCORES_FILE, SCORES_TEXT),
];

/// Rules over recorded scores (`news2.total`…), evaluated when a score is recorded.
const SCORES_FILE: &str = "scores.toml";
const SCORES_TEXT: &str = include_str!("../../schema/rules/scores.toml");

/// One rule: when its conditions hold, it raises a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub code: FlagCode,
    pub severity: Severity,
    pub reason: String,
    pub source: String,
    /// Every one of these must hold.
    pub all: Vec<Condition>,
    /// When not empty, at least one of these must hold too.
    pub any: Vec<Condition>,
    /// Firing also opens the full-screen emergency on every terminal, as a failed rousing
    /// does (score rules only: e.g. NEWS2 7 or more, RCP "emergency response").
    pub emergency: bool,
}

/// A flag a rule raised, with the answers that raised it.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    pub rule: String,
    pub code: FlagCode,
    pub severity: Severity,
    pub reason: String,
    pub source: String,
    /// `form.question` of each answer that made the rule fire.
    pub because_of: Vec<String>,
    /// The rule asks for the emergency response (see [`Rule::emergency`]).
    pub emergency: bool,
}

/// Answers across forms, keyed `form.question`.
pub type FactSet = HashMap<String, AnswerValue>;

impl Rule {
    /// The flag this rule raises over these answers, if it fires.
    pub fn evaluate(&self, facts: &FactSet) -> Option<Raised> {
        let mut because = Vec::new();
        for c in &self.all {
            if !c.holds(facts.get(&c.question)) {
                return None;
            }
            because.push(c.question.clone());
        }
        if !self.any.is_empty() {
            let held: Vec<String> = self
                .any
                .iter()
                .filter(|c| c.holds(facts.get(&c.question)))
                .map(|c| c.question.clone())
                .collect();
            if held.is_empty() {
                return None;
            }
            because.extend(held);
        }
        Some(Raised {
            rule: self.id.clone(),
            code: self.code,
            severity: self.severity,
            reason: self.reason.clone(),
            source: self.source.clone(),
            because_of: because,
            emergency: self.emergency,
        })
    }
}

/// Every flag the rules raise over these answers, in rule order.
pub fn evaluate(rules: &[Rule], facts: &FactSet) -> Vec<Raised> {
    rules.iter().filter_map(|r| r.evaluate(facts)).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    code: Spanned<String>,
    severity: Spanned<String>,
    reason: String,
    source: String,
    #[serde(default)]
    all: Vec<Spanned<Condition>>,
    #[serde(default)]
    any: Vec<Spanned<Condition>>,
    #[serde(default)]
    emergency: bool,
}

/// Loads and checks one rules file against the forms: unknown flag codes or severities,
/// duplicate rule ids, conditions naming questions no form has, choices a question does not
/// offer, an empty reason or source, and rules with no condition. Each problem names file and
/// line.
pub fn load_rules(file: &str, text: &str, forms: &[Form]) -> Result<Vec<Rule>, FormErrors> {
    if let Some(e) = crate::domain::form::too_large(file, text) {
        return Err(e);
    }
    let err = |line: usize, message: String| FormError {
        file: file.to_string(),
        line,
        message,
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, &s)).unwrap_or(1);
            let message = e.message().trim().trim_end_matches('.').to_string();
            return Err(FormErrors(vec![err(line, format!("{message}."))]));
        }
    };
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rules = Vec::new();
    for r in raw.rule {
        let id = r.id.get_ref().clone();
        let line = line_of(text, &r.id.span());
        if let Some(first) = seen.insert(id.clone(), line) {
            errors.push(err(
                line,
                format!("rule id `{id}` is used twice (first on line {first})."),
            ));
        }
        let code = r.code.get_ref().parse::<FlagCode>();
        if let Err(e) = &code {
            errors.push(err(
                line_of(text, &r.code.span()),
                format!("rule `{id}`: {e}"),
            ));
        }
        let severity = r.severity.get_ref().parse::<Severity>();
        if let Err(e) = &severity {
            errors.push(err(
                line_of(text, &r.severity.span()),
                format!("rule `{id}`: {e}"),
            ));
        }
        if r.reason.trim().is_empty() {
            errors.push(err(
                line,
                format!("rule `{id}` has no reason: say in plain words why the flag is raised."),
            ));
        }
        if r.source.trim().is_empty() {
            errors.push(err(
                line,
                format!(
                    "rule `{id}` has no source: cite the APP, Code C or NICE text it rests on."
                ),
            ));
        }
        if r.all.is_empty() && r.any.is_empty() {
            errors.push(err(line, format!("rule `{id}` has no condition.")));
        }
        for name in placeholders(&r.reason) {
            let known = name == "time"
                || name
                    .split_once('.')
                    .is_some_and(|(s, n)| facts::fact_kind(s, n).is_some());
            if !known {
                errors.push(err(
                    line,
                    format!(
                        "rule `{id}` puts `{{{name}}}` in its reason; only `{{time}}` and score results such as `{{news2.total}}` can be filled in."
                    ),
                ));
            }
        }
        for c in r.all.iter().chain(&r.any) {
            if let Some(message) = check_condition(&id, c.get_ref(), forms) {
                errors.push(err(line_of(text, &c.span()), message));
            }
        }
        let over_scores_only = r.all.iter().chain(&r.any).all(|c| {
            c.get_ref()
                .question
                .split_once('.')
                .is_some_and(|(form, _)| facts::is_score(form))
        });
        if r.emergency && !over_scores_only {
            errors.push(err(
                line,
                format!(
                    "rule `{id}` sets `emergency`, which only a rule over scores may: an answer at booking-in opens no emergency by itself."
                ),
            ));
        }
        if let (Ok(code), Ok(severity)) = (code, severity) {
            rules.push(Rule {
                id,
                code,
                severity,
                reason: r.reason,
                source: r.source,
                all: r.all.into_iter().map(Spanned::into_inner).collect(),
                any: r.any.into_iter().map(Spanned::into_inner).collect(),
                emergency: r.emergency,
            });
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(FormErrors(errors))
    }
}

fn check_condition(rule: &str, c: &Condition, forms: &[Form]) -> Option<String> {
    let Some((form_id, qid)) = c.question.split_once('.') else {
        return Some(format!(
            "rule `{rule}` names `{}`; name a question as `form.question`.",
            c.question
        ));
    };
    if facts::is_score(form_id) {
        return check_score_condition(rule, c, form_id, qid);
    }
    let Some(form) = forms.iter().find(|f| f.id == form_id) else {
        return Some(format!(
            "rule `{rule}` names the form `{form_id}`, which does not exist."
        ));
    };
    let Some(q) = form.question(qid) else {
        return Some(format!(
            "rule `{rule}` names `{}`, but the form `{form_id}` has no question `{qid}`.",
            c.question
        ));
    };
    let offered: HashSet<String> = q.kind.choices().into_iter().map(|c| c.value).collect();
    let named = c.is.iter().chain(c.any_of.iter().flatten());
    for v in named {
        if !offered.contains(v) {
            return Some(format!(
                "rule `{rule}` tests `{}` for `{v}`, which is not one of its answers.",
                c.question
            ));
        }
    }
    None
}

/// A condition on a score's result: the result must be one the score presents, and a tested
/// value one it can take.
fn check_score_condition(rule: &str, c: &Condition, score: &str, name: &str) -> Option<String> {
    let Some(kind) = facts::fact_kind(score, name) else {
        return Some(format!(
            "rule `{rule}` names `{}`, but the score `{score}` has no result `{name}`: use one of {}.",
            c.question,
            facts::fact_names(score).join(", ")
        ));
    };
    let offered: &[&str] = match kind {
        FactKind::Number => &[],
        FactKind::YesNo => &["yes", "no"],
        FactKind::Choice(values) => values,
        FactKind::Text => {
            return Some(format!(
                "rule `{rule}` tests `{}`, which is words for a reason, not a result to test.",
                c.question
            ));
        }
    };
    let named = c.is.iter().chain(c.any_of.iter().flatten());
    for v in named {
        if !offered.contains(&v.as_str()) {
            return Some(format!(
                "rule `{rule}` tests `{}` for `{v}`, which is not one of its values.",
                c.question
            ));
        }
    }
    if kind != FactKind::Number && (c.at_least.is_some() || c.at_most.is_some()) {
        return Some(format!(
            "rule `{rule}` compares `{}` with a number, but it is not a number.",
            c.question
        ));
    }
    None
}

/// The `{name}` placeholders in a reason.
fn placeholders(reason: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = reason;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// A raised flag's reason with its placeholders filled in: `{time}` with `time` and
/// `{score.result}` with that result in words (rules over scores say the total and band).
pub fn fill_reason(reason: &str, facts: &FactSet, time: &str) -> String {
    let mut out = reason.to_string();
    for name in placeholders(reason) {
        let value = if name == "time" {
            time.to_string()
        } else {
            facts
                .get(name)
                .map(facts::words)
                .unwrap_or_else(|| "not recorded".into())
        };
        out = out.replace(&format!("{{{name}}}"), &value);
    }
    out
}

/// The rules over scores, parsed once. They name no form, so they are checked against none.
pub fn score_rules() -> Result<&'static [Rule], String> {
    static RULES: OnceLock<Result<Vec<Rule>, String>> = OnceLock::new();
    RULES
        .get_or_init(|| load_rules(SCORES_FILE, SCORES_TEXT, &[]).map_err(|e| e.to_string()))
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

/// Of the flags raised, the most serious for each code (the first in rule order among
/// equals): one recorded score raises at most one flag of a code.
pub fn most_serious_per_code(raised: Vec<Raised>) -> Vec<Raised> {
    let mut out: Vec<Raised> = Vec::new();
    for r in raised {
        match out.iter_mut().find(|o| o.code == r.code) {
            Some(o) if r.severity > o.severity => *o = r,
            Some(_) => {}
            None => out.push(r),
        }
    }
    out
}

/// The embedded rules, checked against the embedded forms.
pub fn embedded_rules(forms: &[Form]) -> Result<Vec<Rule>, FormErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in EMBEDDED {
        match load_rules(file, text, forms) {
            Ok(r) => out.extend(r),
            Err(FormErrors(e)) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(FormErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::form::embedded_forms;

    fn rules() -> Vec<Rule> {
        embedded_rules(&embedded_forms().unwrap()).unwrap()
    }

    #[test]
    fn embedded_rules_load_with_reasons_and_sources() {
        let rules = rules();
        assert!(rules.len() >= 20);
        for r in &rules {
            assert!(!r.reason.is_empty() && !r.source.is_empty(), "{}", r.id);
        }
    }

    #[test]
    fn a_flag_names_the_answers_that_raised_it() {
        let rules = rules();
        let facts = FactSet::from([
            ("booking_risk.head_injury".to_string(), AnswerValue::Yes),
            (
                "booking_risk.appears_intoxicated".to_string(),
                AnswerValue::Yes,
            ),
        ]);
        let raised = evaluate(&rules, &facts);
        let hi = raised
            .iter()
            .find(|r| r.rule == "head_injury_intoxicated")
            .unwrap();
        assert_eq!(hi.severity, Severity::Alert);
        assert_eq!(
            hi.because_of,
            [
                "booking_risk.head_injury",
                "booking_risk.appears_intoxicated"
            ]
        );
    }

    #[test]
    fn score_rules_fill_in_the_total_and_time_and_take_the_most_serious_per_code() {
        let rules = score_rules().unwrap();
        let facts = FactSet::from([
            ("news2.total".to_string(), AnswerValue::Number(8.0)),
            ("news2.max_parameter".to_string(), AnswerValue::Number(3.0)),
        ]);
        let raised = most_serious_per_code(evaluate(rules, &facts));
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].rule, "news2_emergency");
        assert_eq!(
            fill_reason(&raised[0].reason, &facts, "14:20"),
            "NEWS2 8 at 14:20: emergency response, call the HCP now (consider an ambulance) and monitor continuously (RCP 2017)."
        );
    }

    #[test]
    fn a_form_or_rules_file_over_the_limit_is_refused_naming_it() {
        let text = format!("# {}\n", "x".repeat(300 * 1024 - 3));
        let got = load_rules("big.toml", &text, &[]).unwrap_err();
        assert_eq!(got.0.len(), 1);
        assert_eq!(
            got.0[0].to_string(),
            "big.toml:1: the file is 300 KiB, more than the 256 KiB a form or rules file may be; it was not read."
        );
        let got = crate::domain::form::load_form("big.toml", &text).unwrap_err();
        assert_eq!(got.0.len(), 1);
        // Within the limit, the same text is parsed (a comment only: no questions).
        assert!(load_rules("ok.toml", "# x\n", &[]).is_ok());
    }

    #[test]
    fn broken_score_rules_are_refused_naming_the_result() {
        let text = "[[rule]]\nid = \"a\"\ncode = \"NEWS\"\nseverity = \"alert\"\nreason = \"NEWS2 {news2.nope} at {when}\"\nsource = \"s\"\nall = [{ question = \"news2.totl\", at_least = 5 }]\n\n[[rule]]\nid = \"b\"\ncode = \"WD\"\nseverity = \"alert\"\nreason = \"r\"\nsource = \"s\"\nall = [{ question = \"cows.band\", is = \"awful\" }, { question = \"ciwa_ar.band_source\", is = \"x\" }, { question = \"cows.band\", at_least = 3 }]\n";
        let FormErrors(errors) = load_rules("s.toml", text, &[]).unwrap_err();
        let got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            [
                "s.toml:2: rule `a` puts `{news2.nope}` in its reason; only `{time}` and score results such as `{news2.total}` can be filled in.",
                "s.toml:2: rule `a` puts `{when}` in its reason; only `{time}` and score results such as `{news2.total}` can be filled in.",
                "s.toml:7: rule `a` names `news2.totl`, but the score `news2` has no result `totl`: use one of total, max_parameter, band, response, respiration_rate, spo2, on_oxygen, systolic_bp, pulse, consciousness, temperature.",
                "s.toml:15: rule `b` tests `cows.band` for `awful`, which is not one of its values.",
                "s.toml:15: rule `b` tests `ciwa_ar.band_source`, which is words for a reason, not a result to test.",
                "s.toml:15: rule `b` compares `cows.band` with a number, but it is not a number.",
            ]
        );
    }

    #[test]
    fn broken_rules_are_refused_with_line_and_message() {
        let forms = embedded_forms().unwrap();
        let text = "[[rule]]\nid = \"r\"\ncode = \"XX\"\nseverity = \"severe\"\nreason = \"\"\nsource = \"s\"\nall = [{ question = \"booking_risk.nope\", is = \"yes\" }]\n\n[[rule]]\nid = \"r\"\ncode = \"SH\"\nseverity = \"alert\"\nreason = \"x\"\nsource = \"s\"\nall = [{ question = \"booking_risk.self_harm_when\", is = \"yesterday\" }]\n";
        let FormErrors(errors) = load_rules("bad.toml", text, &forms).unwrap_err();
        let got: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            got,
            [
                "bad.toml:2: rule `r` has no reason: say in plain words why the flag is raised.",
                "bad.toml:3: rule `r`: `XX` is not a known flag code: use one of SH, ALC, DRG, MH, EPI, DIAB, HI, PREG, AA, MED, VIO, LD, ALG, WD, COMM or NEWS.",
                "bad.toml:4: rule `r`: `severe` is not a severity: use information, attention, warning or alert.",
                "bad.toml:7: rule `r` names `booking_risk.nope`, but the form `booking_risk` has no question `nope`.",
                "bad.toml:10: rule id `r` is used twice (first on line 2).",
                "bad.toml:15: rule `r` tests `booking_risk.self_harm_when` for `yesterday`, which is not one of its answers.",
            ]
        );
    }

    #[test]
    fn only_a_rule_over_scores_may_open_an_emergency() {
        let forms = embedded_forms().unwrap();
        let text = "[[rule]]\nid = \"sh\"\ncode = \"SH\"\nseverity = \"alert\"\nreason = \"r\"\nsource = \"s\"\nemergency = true\nall = [{ question = \"booking_risk.self_harm_when\", is = \"within_month\" }]\n";
        let FormErrors(errors) = load_rules("bad.toml", text, &forms).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "bad.toml:2: rule `sh` sets `emergency`, which only a rule over scores may: an answer at booking-in opens no emergency by itself."
        );
        let emergencies: Vec<&str> = score_rules()
            .unwrap()
            .iter()
            .filter(|r| r.emergency)
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(emergencies, ["news2_emergency"]);
    }
}
