//! Table-driven rule tests from `tests/rules_cases.toml`: every rule in `schema/rules` has a
//! case that fires it and one that does not.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use sonar_custody::domain::form::{AnswerValue, embedded_forms};
use sonar_custody::domain::rules::{FactSet, embedded_rules, evaluate};

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    rule: String,
    fires: bool,
    answers: BTreeMap<String, toml::Value>,
}

fn value(v: &toml::Value) -> AnswerValue {
    match v {
        toml::Value::String(s) if s == "yes" => AnswerValue::Yes,
        toml::Value::String(s) if s == "no" => AnswerValue::No,
        toml::Value::String(s) if s == "declined" => AnswerValue::Declined,
        toml::Value::String(s) => AnswerValue::Choice(s.clone()),
        toml::Value::Integer(n) => AnswerValue::Number(*n as f64),
        toml::Value::Float(n) => AnswerValue::Number(*n),
        toml::Value::Array(items) => AnswerValue::Multi(
            items
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect(),
        ),
        other => panic!("unsupported answer {other:?}"),
    }
}

#[test]
fn every_rule_fires_and_does_not_fire_as_its_cases_say() {
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    let text = include_str!("rules_cases.toml");
    let cases: Cases = toml::from_str(text).unwrap();
    let known: HashSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    let mut fires = HashSet::new();
    let mut quiet = HashSet::new();
    let mut failures = Vec::new();
    for (i, c) in cases.case.iter().enumerate() {
        assert!(
            known.contains(c.rule.as_str()),
            "case {i} names unknown rule {}",
            c.rule
        );
        let facts: FactSet = c
            .answers
            .iter()
            .map(|(k, v)| (k.clone(), value(v)))
            .collect();
        let raised = evaluate(&rules, &facts);
        let fired = raised.iter().any(|r| r.rule == c.rule);
        if fired != c.fires {
            failures.push(format!(
                "case {i} ({}): expected fires = {}, got {}",
                c.rule, c.fires, fired
            ));
        }
        if c.fires {
            fires.insert(c.rule.clone());
            // The raised flag says which answers raised it, and they are among the case's.
            let r = raised.iter().find(|r| r.rule == c.rule);
            if let Some(r) = r {
                assert!(!r.because_of.is_empty());
                for q in &r.because_of {
                    assert!(c.answers.contains_key(q), "{q} not in case {i}");
                }
            }
        } else {
            quiet.insert(c.rule.clone());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for r in &rules {
        assert!(
            fires.contains(&r.id),
            "rule {} has no case that fires it",
            r.id
        );
        assert!(
            quiet.contains(&r.id),
            "rule {} has no case that does not fire it",
            r.id
        );
    }
}

#[test]
fn nothing_to_declare_raises_no_flag() {
    let forms = embedded_forms().unwrap();
    let rules = embedded_rules(&forms).unwrap();
    let mut facts = FactSet::new();
    for f in &forms {
        for (_, q) in f.questions() {
            let v = match q.kind.name() {
                "yes_no" => AnswerValue::No,
                "multi_choice" => AnswerValue::Multi(vec![]),
                _ => AnswerValue::Declined,
            };
            facts.insert(format!("{}.{}", f.id, q.id), v);
        }
    }
    assert_eq!(evaluate(&rules, &facts), vec![]);
}
