//! The project's cited SNOMED CT code list (`schema/codes/snomed.toml`): which recorded
//! allergens, conditions and pregnancy answers the handover bundle codes, and with what. Text
//! that matches no concept exactly travels as text only (DESIGN.md, "Handover bundle").

use std::sync::OnceLock;

use serde::Deserialize;

use super::fact::{Fact, PregnancyStatus};

/// The code system every concept here belongs to.
pub const SNOMED: &str = "http://snomed.info/sct";

const TEXT: &str = include_str!("../../../schema/codes/snomed.toml");

/// What a concept may code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConceptKind {
    Allergen,
    NoKnownAllergy,
    Condition,
    PregnancyStatus,
}

/// One SNOMED CT concept with the source that confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    pub id: String,
    pub kind: ConceptKind,
    pub code: String,
    pub display: String,
    #[serde(default)]
    pub terms: Vec<String>,
    #[serde(default)]
    pub form_value: Option<String>,
    #[serde(default)]
    pub qualifier: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    concept: Vec<Concept>,
}

/// Reads and checks a code list: every concept has a numeric SNOMED CT id, a display term,
/// a source, and ids are unique.
pub fn parse(text: &str) -> Result<Vec<Concept>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = std::collections::HashSet::new();
    for c in &file.concept {
        if !seen.insert(c.id.as_str()) {
            return Err(format!("concept `{}` is listed twice", c.id));
        }
        if c.code.is_empty() || !c.code.bytes().all(|b| b.is_ascii_digit()) || c.code.len() < 6 {
            return Err(format!("concept `{}` has no SNOMED CT id", c.id));
        }
        if c.display.trim().is_empty() || c.source.trim().is_empty() {
            return Err(format!(
                "concept `{}` needs a display term and a source",
                c.id
            ));
        }
        if c.terms.iter().any(|t| t != &normalise(t)) {
            return Err(format!(
                "concept `{}` has a term that is not lower case and trimmed",
                c.id
            ));
        }
    }
    Ok(file.concept)
}

/// The shipped code list (empty if it does not read, which `code_list_reads` refuses).
pub fn concepts() -> &'static [Concept] {
    static LIST: OnceLock<Vec<Concept>> = OnceLock::new();
    LIST.get_or_init(|| parse(TEXT).unwrap_or_default())
}

fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('_', " ")
}

fn by_term(kind: ConceptKind, text: &str) -> Option<&'static Concept> {
    let t = normalise(text);
    concepts()
        .iter()
        .find(|c| c.kind == kind && c.terms.contains(&t))
}

/// The concept for an allergen as recorded ("Penicillin" → 764146007), exact terms only.
pub fn allergen(substance: &str) -> Option<&'static Concept> {
    by_term(ConceptKind::Allergen, substance)
}

/// "No known allergy (situation)".
pub fn no_known_allergy() -> Option<&'static Concept> {
    concepts()
        .iter()
        .find(|c| c.kind == ConceptKind::NoKnownAllergy)
}

/// The concept for a recorded condition: the screen's option (with the diabetes type when
/// recorded), else the name as said. `None` when none or more than one concept would apply.
pub fn condition(fact: &Fact) -> Option<&'static Concept> {
    let Fact::Condition {
        code,
        name,
        diabetes_type,
        ..
    } = fact
    else {
        return None;
    };
    let kind = ConceptKind::Condition;
    let by_option: Vec<&Concept> = concepts()
        .iter()
        .filter(|c| c.kind == kind && c.form_value.as_deref() == Some(code.as_str()))
        .collect();
    if !by_option.is_empty() {
        let recorded = normalise(diabetes_type);
        let qualified = by_option
            .iter()
            .find(|c| c.qualifier.as_deref().is_some_and(|q| recorded == q));
        if let Some(c) = qualified {
            return Some(c);
        }
        let plain: Vec<_> = by_option.iter().filter(|c| c.qualifier.is_none()).collect();
        if let [only] = plain.as_slice() {
            return Some(only);
        }
        return None;
    }
    by_term(kind, name)
}

/// The pregnancy status concept for what the screen recorded.
pub fn pregnancy(status: PregnancyStatus) -> Option<&'static Concept> {
    by_term(
        ConceptKind::PregnancyStatus,
        match status {
            PregnancyStatus::Pregnant => "yes",
            PregnancyStatus::NotPregnant => "no",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition_of(code: &str, name: &str, diabetes_type: &str) -> Fact {
        Fact::Condition {
            code: code.into(),
            name: name.into(),
            detail: String::new(),
            last_seizure: String::new(),
            diabetes_type: diabetes_type.into(),
        }
    }

    #[test]
    fn code_list_reads_and_every_concept_is_cited() {
        let list = parse(TEXT).unwrap();
        assert_eq!(list.len(), concepts().len());
        assert!(list.len() >= 10);
        for c in &list {
            assert!(c.source.len() > 20, "{} needs a real citation", c.id);
        }
        assert!(parse("[[concept]]\nid = \"x\"\nkind = \"allergen\"\ncode = \"abc\"\ndisplay = \"x\"\nsource = \"y\"\n").is_err());
    }

    #[test]
    fn allergens_match_exactly_or_not_at_all() {
        assert_eq!(allergen(" Penicillin ").unwrap().code, "764146007");
        assert_eq!(allergen("LATEX").unwrap().code, "1003751008");
        assert!(allergen("penicillin V").is_none());
        assert!(allergen("amoxicillin").is_none());
        assert_eq!(no_known_allergy().unwrap().code, "716186003");
    }

    #[test]
    fn conditions_use_the_screen_option_and_the_diabetes_type() {
        let epi = condition_of("epilepsy", "Epilepsy or seizures", "");
        assert_eq!(condition(&epi).unwrap().code, "84757009");
        let t1 = condition_of("diabetes", "Diabetes", "type_1");
        assert_eq!(condition(&t1).unwrap().code, "46635009");
        let t2 = condition_of("diabetes", "Diabetes", "Type 2");
        assert_eq!(condition(&t2).unwrap().code, "44054006");
        let unknown = condition_of("diabetes", "Diabetes", "other");
        assert_eq!(condition(&unknown).unwrap().code, "73211009");
        // One option for two conditions: text only.
        assert!(condition(&condition_of("asthma_copd", "Asthma or COPD", "")).is_none());
        assert_eq!(
            condition(&condition_of("other", "asthma", ""))
                .unwrap()
                .code,
            "195967001"
        );
        assert!(condition(&condition_of("other", "bad back", "")).is_none());
        assert_eq!(
            pregnancy(PregnancyStatus::NotPregnant).unwrap().code,
            "60001007"
        );
    }
}
