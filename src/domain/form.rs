//! Screening forms as data: definitions loaded from `schema/forms/*.toml`, answers, and the
//! checks a form needs (what to ask next, what is still missing before it can be completed).
//!
//! Sources: DESIGN.md, "Data rules" (no clinical question has a default answer; "not asked",
//! "declined" and "unable to answer" are explicit answers; an unanswered required question
//! blocks completion with a message naming it) and `reference/custody-practice.md`
//! ("Booking-in risk assessment"). Each question in the TOML cites its own source.
//!
//! Pure: the loader takes a file name and its text, so the same checks run on the embedded
//! forms, on test fixtures and on a suite's own files.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The forms shipped with the program, as (file name, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "booking_risk.toml",
        include_str!("../../schema/forms/booking_risk.toml"),
    ),
    (
        "health_screen.toml",
        include_str!("../../schema/forms/health_screen.toml"),
    ),
    ("prra.toml", include_str!("../../schema/forms/prra.toml")),
];

/// The id of the custody officer's booking-in risk assessment.
pub const BOOKING_RISK: &str = "booking_risk";
/// The id of the HCP's initial health screen.
pub const HEALTH_SCREEN: &str = "health_screen";
/// The id of the pre-release risk assessment, asked before every release or transfer
/// (`domain::prra`).
pub const PRRA: &str = "prra";

/// Facts about the person (not questions of the form) that a question may be asked on, e.g.
/// `ask_if = { question = "person.may_be_pregnant", is = "yes" }`. The store puts them beside
/// a form's answers ([`person_facts`]).
pub const PERSON_FACTS: [&str; 1] = ["person.may_be_pregnant"];

/// The person's facts as answers, from what the person record holds. Pregnancy can apply
/// unless the person's sex is recorded as male: an unrecorded, unknown or other sex is asked,
/// because not asking is the error that harms (NICE NG57: pregnancy at first assessment).
pub fn person_facts(sex: Option<&str>) -> Vec<(String, Answer)> {
    let may_be_pregnant = !matches!(sex.map(str::trim), Some("male"));
    vec![(
        PERSON_FACTS[0].to_string(),
        Answer {
            value: if may_be_pregnant {
                AnswerValue::Yes
            } else {
                AnswerValue::No
            },
            details: None,
        },
    )]
}

// ---------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------

/// A loaded, checked form.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub id: String,
    pub title: String,
    pub who: String,
    pub source: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub kind: AnswerKind,
    pub required: bool,
    pub help: String,
    pub source: String,
    /// Ask only when this holds over earlier answers.
    pub ask_if: Option<Condition>,
    /// A "give details" follow-up is needed when the answer matches this value.
    pub details_if: Option<String>,
    /// Where the answer goes in the clinical record (`domain::record::from_form::TARGETS`);
    /// `None` for a question with no clinical content.
    pub record: Option<String>,
}

/// One option of a choice: the key typed (a digit), the stored value and the label shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub key: char,
    pub value: String,
    pub label: String,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerKind {
    YesNo,
    Choice(Vec<Choice>),
    MultiChoice(Vec<Choice>),
    Number {
        unit: String,
        min: f64,
        max: f64,
    },
    Date,
    DateTime,
    Text {
        max_len: usize,
    },
    /// A repeating group (e.g. medicines): each entry has these text fields.
    Group {
        fields: Vec<String>,
    },
}

impl AnswerKind {
    pub fn name(&self) -> &'static str {
        match self {
            AnswerKind::YesNo => "yes_no",
            AnswerKind::Choice(_) => "choice",
            AnswerKind::MultiChoice(_) => "multi_choice",
            AnswerKind::Number { .. } => "number",
            AnswerKind::Date => "date",
            AnswerKind::DateTime => "date_time",
            AnswerKind::Text { .. } => "text",
            AnswerKind::Group { .. } => "group",
        }
    }

    /// The choices of a choice or multi-choice question (yes/no included as y and n).
    pub fn choices(&self) -> Vec<Choice> {
        match self {
            AnswerKind::YesNo => vec![
                Choice {
                    key: 'y',
                    value: "yes".into(),
                    label: "Yes".into(),
                },
                Choice {
                    key: 'n',
                    value: "no".into(),
                    label: "No".into(),
                },
            ],
            AnswerKind::Choice(c) | AnswerKind::MultiChoice(c) => c.clone(),
            _ => Vec::new(),
        }
    }
}

/// A test over one earlier answer. `is` matches a yes/no or choice value, or membership of a
/// multi-choice; `at_least`/`at_most` compare a number. Several tests in one condition must all
/// hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// `question` within the same form, or `form.question` in rules.
    pub question: String,
    #[serde(default)]
    pub is: Option<String>,
    #[serde(default)]
    pub any_of: Option<Vec<String>>,
    #[serde(default)]
    pub at_least: Option<f64>,
    #[serde(default)]
    pub at_most: Option<f64>,
}

impl Condition {
    /// Whether the condition holds for this answer (never for a missing, declined, unable or
    /// not-asked answer: absence of information raises nothing and opens no branch).
    pub fn holds(&self, answer: Option<&AnswerValue>) -> bool {
        let Some(answer) = answer else { return false };
        let mut tested = false;
        if let Some(v) = &self.is {
            tested = true;
            if !answer.matches(v) {
                return false;
            }
        }
        if let Some(vs) = &self.any_of {
            tested = true;
            if !vs.iter().any(|v| answer.matches(v)) {
                return false;
            }
        }
        if let Some(min) = self.at_least {
            tested = true;
            if !matches!(answer, AnswerValue::Number(n) if *n >= min) {
                return false;
            }
        }
        if let Some(max) = self.at_most {
            tested = true;
            if !matches!(answer, AnswerValue::Number(n) if *n <= max) {
                return false;
            }
        }
        // A condition with no test means "answered with information".
        tested || answer.is_informative()
    }
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/// An answer as stored. There is no "unanswered" value: a question without an answer simply
/// has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Yes,
    No,
    Choice(String),
    Multi(Vec<String>),
    Number(f64),
    Date(String),
    DateTime(String),
    Text(String),
    Group(Vec<BTreeMap<String, String>>),
    /// The person declined to answer.
    Declined,
    /// The person could not answer; why (e.g. intoxicated).
    Unable(String),
    /// The question was not asked; the reason.
    NotAsked(String),
}

impl AnswerValue {
    /// Whether this answer carries information about the person (not declined, unable or
    /// not asked).
    pub fn is_informative(&self) -> bool {
        !matches!(
            self,
            AnswerValue::Declined | AnswerValue::Unable(_) | AnswerValue::NotAsked(_)
        )
    }

    fn matches(&self, v: &str) -> bool {
        match self {
            AnswerValue::Yes => v == "yes",
            AnswerValue::No => v == "no",
            AnswerValue::Choice(c) => c == v,
            AnswerValue::Multi(cs) => cs.iter().any(|c| c == v),
            _ => false,
        }
    }

    /// One line for screens: "Yes", "Declined", "Unable: intoxicated", "3 units"…
    pub fn summary(&self, kind: &AnswerKind) -> String {
        let label = |v: &str| {
            kind.choices()
                .into_iter()
                .find(|c| c.value == v)
                .map(|c| c.label)
                .unwrap_or_else(|| v.to_string())
        };
        match self {
            AnswerValue::Yes => "Yes".into(),
            AnswerValue::No => "No".into(),
            AnswerValue::Choice(v) => label(v),
            AnswerValue::Multi(vs) if vs.is_empty() => "None".into(),
            AnswerValue::Multi(vs) => vs.iter().map(|v| label(v)).collect::<Vec<_>>().join(", "),
            AnswerValue::Number(n) => match kind {
                AnswerKind::Number { unit, .. } if !unit.is_empty() => format!("{n} {unit}"),
                _ => n.to_string(),
            },
            AnswerValue::Date(t) | AnswerValue::DateTime(t) | AnswerValue::Text(t) => t.clone(),
            AnswerValue::Group(rows) if rows.is_empty() => "None".into(),
            AnswerValue::Group(rows) => format!(
                "{} entr{}",
                rows.len(),
                if rows.len() == 1 { "y" } else { "ies" }
            ),
            AnswerValue::Declined => "Declined to answer".into(),
            AnswerValue::Unable(why) => format!("Unable to answer: {why}"),
            AnswerValue::NotAsked(why) => format!("Not asked: {why}"),
        }
    }
}

/// One question's answer with its optional "give details" text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub value: AnswerValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// Why an answer does not fit its question.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("`{question}` takes a {expected} answer, not {given}.")]
    WrongKind {
        question: String,
        expected: &'static str,
        given: String,
    },
    #[error("`{value}` is not one of the choices for `{question}`.")]
    NotAChoice { question: String, value: String },
    #[error("{value} {unit} is outside the range {min} to {max} for `{question}`.")]
    OutOfRange {
        question: String,
        value: f64,
        unit: String,
        min: f64,
        max: f64,
    },
    #[error("The answer to `{question}` is {len} characters long; the most it takes is {max}.")]
    TooLong {
        question: String,
        len: usize,
        max: usize,
    },
    #[error("An answer of \"{what}\" to `{question}` needs a reason.")]
    ReasonNeeded {
        question: String,
        what: &'static str,
    },
}

impl Question {
    /// Checks an answer against this question's type, choices, range and length.
    pub fn validate(&self, answer: &AnswerValue) -> Result<(), AnswerError> {
        let q = || self.id.clone();
        let wrong = |given: &str| AnswerError::WrongKind {
            question: self.id.clone(),
            expected: self.kind.name(),
            given: given.to_string(),
        };
        match answer {
            AnswerValue::Declined => return Ok(()),
            AnswerValue::Unable(why) | AnswerValue::NotAsked(why) if why.trim().is_empty() => {
                return Err(AnswerError::ReasonNeeded {
                    question: q(),
                    what: if matches!(answer, AnswerValue::Unable(_)) {
                        "unable to answer"
                    } else {
                        "not asked"
                    },
                });
            }
            AnswerValue::Unable(_) | AnswerValue::NotAsked(_) => return Ok(()),
            _ => {}
        }
        match (&self.kind, answer) {
            (AnswerKind::YesNo, AnswerValue::Yes | AnswerValue::No) => Ok(()),
            (AnswerKind::Choice(cs), AnswerValue::Choice(v)) => {
                if cs.iter().any(|c| &c.value == v) {
                    Ok(())
                } else {
                    Err(AnswerError::NotAChoice {
                        question: q(),
                        value: v.clone(),
                    })
                }
            }
            (AnswerKind::MultiChoice(cs), AnswerValue::Multi(vs)) => {
                match vs.iter().find(|v| !cs.iter().any(|c| &c.value == *v)) {
                    Some(v) => Err(AnswerError::NotAChoice {
                        question: q(),
                        value: v.clone(),
                    }),
                    None => Ok(()),
                }
            }
            (AnswerKind::Number { unit, min, max }, AnswerValue::Number(n)) => {
                if n >= min && n <= max {
                    Ok(())
                } else {
                    Err(AnswerError::OutOfRange {
                        question: q(),
                        value: *n,
                        unit: unit.clone(),
                        min: *min,
                        max: *max,
                    })
                }
            }
            (AnswerKind::Date, AnswerValue::Date(_)) => Ok(()),
            (AnswerKind::DateTime, AnswerValue::DateTime(_)) => Ok(()),
            (AnswerKind::Text { max_len }, AnswerValue::Text(t)) => {
                let len = t.chars().count();
                if len <= *max_len {
                    Ok(())
                } else {
                    Err(AnswerError::TooLong {
                        question: q(),
                        len,
                        max: *max_len,
                    })
                }
            }
            (AnswerKind::Group { .. }, AnswerValue::Group(_)) => Ok(()),
            (_, other) => Err(wrong(&format!("{other:?}"))),
        }
    }

    /// Whether this answer needs a "give details" follow-up.
    pub fn needs_details(&self, answer: &AnswerValue) -> bool {
        self.details_if
            .as_deref()
            .is_some_and(|v| answer.matches(v))
    }
}

/// Answers to one form, by question id.
pub type Answers = HashMap<String, Answer>;

/// Something that stops a form being completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Answer { question: String, text: String },
    Details { question: String, text: String },
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Answer { text, .. } => write!(f, "\"{text}\" is not answered"),
            Missing::Details { text, .. } => write!(f, "\"{text}\" needs details"),
        }
    }
}

impl Form {
    /// Every question in order, with its section.
    pub fn questions(&self) -> impl Iterator<Item = (&Section, &Question)> {
        self.sections
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.id == id)
    }

    /// Whether a question is to be asked, given the answers so far.
    pub fn applies(&self, q: &Question, answers: &Answers) -> bool {
        match &q.ask_if {
            None => true,
            Some(c) => {
                // A branch under a question that is itself not asked is not asked either.
                let parent_applies = self
                    .question(&c.question)
                    .is_none_or(|p| self.applies(p, answers));
                parent_applies && c.holds(answers.get(&c.question).map(|a| &a.value))
            }
        }
    }

    /// The questions to ask given the answers so far, in order.
    pub fn applicable(&self, answers: &Answers) -> Vec<&Question> {
        self.questions()
            .map(|(_, q)| q)
            .filter(|q| self.applies(q, answers))
            .collect()
    }

    /// The first applicable question with no answer (or with a required "give details"
    /// missing): where a returning user resumes.
    pub fn first_unanswered(&self, answers: &Answers) -> Option<&Question> {
        self.applicable(answers)
            .into_iter()
            .find(|q| match answers.get(&q.id) {
                None => true,
                Some(a) => {
                    q.needs_details(&a.value)
                        && a.details.as_deref().is_none_or(|d| d.trim().is_empty())
                }
            })
    }

    /// (answered, applicable): the progress line.
    pub fn progress(&self, answers: &Answers) -> (usize, usize) {
        let applicable = self.applicable(answers);
        let answered = applicable
            .iter()
            .filter(|q| answers.contains_key(&q.id))
            .count();
        (answered, applicable.len())
    }

    /// What stops completion: every required applicable question unanswered, and every
    /// "give details" left empty. Empty means the form can be completed.
    pub fn missing(&self, answers: &Answers) -> Vec<Missing> {
        let mut out = Vec::new();
        for q in self.applicable(answers) {
            match answers.get(&q.id) {
                None if q.required => out.push(Missing::Answer {
                    question: q.id.clone(),
                    text: q.text.clone(),
                }),
                None => {}
                Some(a)
                    if q.needs_details(&a.value)
                        && a.details.as_deref().is_none_or(|d| d.trim().is_empty()) =>
                {
                    out.push(Missing::Details {
                        question: q.id.clone(),
                        text: q.text.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        out
    }
}

/// The sentence shown when completion is refused.
pub fn missing_sentence(missing: &[Missing]) -> String {
    let names: Vec<String> = missing.iter().map(|m| m.to_string()).collect();
    format!("The form cannot be completed: {}.", names.join("; "))
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/// One problem in a form file, with the file and line it is on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct FormError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Every problem found in one file (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct FormErrors(pub Vec<FormError>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    form: RawHead,
    #[serde(default)]
    section: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    id: Spanned<String>,
    title: String,
    who: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    question: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    key: Spanned<String>,
    value: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: String,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    required: Option<bool>,
    #[serde(default)]
    help: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    ask_if: Option<Spanned<Condition>>,
    #[serde(default)]
    details_if: Option<String>,
    #[serde(default)]
    options: Vec<RawChoice>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    max_len: Option<usize>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    record: Option<Spanned<String>>,
    /// Accepted by the parser only so it can be refused with a clear message.
    #[serde(default)]
    default: Option<Spanned<toml::Value>>,
}

/// The 1-based line where a TOML span starts (see [`crate::domain::text::line_of`]).
pub fn line_of(text: &str, span: &Range<usize>) -> usize {
    crate::domain::text::line_of(text, span.start)
}

/// The largest form or rules file read (the largest shipped is about 11 KB): a bigger one is
/// refused before it is parsed, naming the limit.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// The one problem of a form or rules file over [`MAX_FORM_BYTES`], if it is.
pub fn too_large(file: &str, text: &str) -> Option<FormErrors> {
    let words = |n: usize| crate::domain::text::size_words(u64::try_from(n).unwrap_or(u64::MAX));
    (text.len() > MAX_FORM_BYTES).then(|| {
        FormErrors(vec![FormError {
            file: file.to_string(),
            line: 1,
            message: format!(
                "the file is {}, more than the {} a form or rules file may be; it was not read.",
                words(text.len()),
                words(MAX_FORM_BYTES)
            ),
        }])
    })
}

/// Loads and checks one form file. Reports every problem found, each with file and line:
/// TOML syntax, unknown fields, unknown answer types, duplicate ids, branches naming missing
/// (or later) questions, choices without options, bad ranges, a missing source, and any
/// default answer.
pub fn load_form(file: &str, text: &str) -> Result<Form, FormErrors> {
    if let Some(e) = too_large(file, text) {
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
    let mut sections = Vec::new();
    let mut section_ids: HashMap<String, usize> = HashMap::new();
    for rs in raw.section {
        let sline = line_of(text, &rs.id.span());
        if let Some(first) = section_ids.insert(rs.id.get_ref().clone(), sline) {
            errors.push(err(
                sline,
                format!(
                    "section id `{}` is used twice (first on line {first}).",
                    rs.id.get_ref()
                ),
            ));
        }
        let mut questions = Vec::new();
        for rq in rs.question {
            let id = rq.id.get_ref().clone();
            let line = line_of(text, &rq.id.span());
            if let Some(first) = seen.get(&id) {
                errors.push(err(
                    line,
                    format!("question id `{id}` is used twice (first on line {first})."),
                ));
            } else {
                seen.insert(id.clone(), line);
            }
            if let Some(d) = &rq.default {
                errors.push(err(
                    line_of(text, &d.span()),
                    format!(
                        "question `{id}` has a default answer; no question may have one, so remove it."
                    ),
                ));
            }
            let source = rq.source.clone().unwrap_or_default();
            if source.trim().is_empty() {
                errors.push(err(
                    line,
                    format!("question `{id}` has no source: cite the APP, Code C or NICE text it rests on."),
                ));
            }
            if let Some(c) = &rq.ask_if {
                let target = &c.get_ref().question;
                if (!seen.contains_key(target) && !PERSON_FACTS.contains(&target.as_str()))
                    || target == &id
                {
                    let msg = if questions_later(text, target) {
                        format!(
                            "question `{id}` is asked if `{target}`, which comes later in the form; a branch must name an earlier question."
                        )
                    } else {
                        format!(
                            "question `{id}` is asked if `{target}`, but there is no question `{target}`."
                        )
                    };
                    errors.push(err(line_of(text, &c.span()), msg));
                }
            }
            let kind_line = line_of(text, &rq.kind.span());
            let choices = |errors: &mut Vec<FormError>| {
                let mut out = Vec::new();
                if rq.options.is_empty() {
                    errors.push(err(
                        kind_line,
                        format!(
                            "question `{id}` is a {} with no options.",
                            rq.kind.get_ref()
                        ),
                    ));
                }
                for o in &rq.options {
                    let mut chars = o.key.get_ref().chars();
                    match (chars.next(), chars.next()) {
                        (Some(k), None) => {
                            if out.iter().any(|c: &Choice| c.key == k) {
                                errors.push(err(
                                    line_of(text, &o.key.span()),
                                    format!("question `{id}` has two options on the key `{k}`."),
                                ));
                            }
                            out.push(Choice {
                                key: k,
                                value: o.value.clone(),
                                label: o.label.clone(),
                            });
                        }
                        _ => errors.push(err(
                            line_of(text, &o.key.span()),
                            format!(
                                "question `{id}` has the option key `{}`; a key is one character.",
                                o.key.get_ref()
                            ),
                        )),
                    }
                }
                out
            };
            let kind = match rq.kind.get_ref().as_str() {
                "yes_no" => Some(AnswerKind::YesNo),
                "choice" => Some(AnswerKind::Choice(choices(&mut errors))),
                "multi_choice" => Some(AnswerKind::MultiChoice(choices(&mut errors))),
                "number" => {
                    let (min, max) = (rq.min.unwrap_or(0.0), rq.max.unwrap_or(f64::MAX));
                    if min > max {
                        errors.push(err(
                            kind_line,
                            format!("question `{id}` has min {min} above max {max}."),
                        ));
                    }
                    Some(AnswerKind::Number {
                        unit: rq.unit.clone().unwrap_or_default(),
                        min,
                        max,
                    })
                }
                "date" => Some(AnswerKind::Date),
                "date_time" => Some(AnswerKind::DateTime),
                "text" => Some(AnswerKind::Text {
                    max_len: rq.max_len.unwrap_or(500),
                }),
                "group" => {
                    if rq.fields.is_empty() {
                        errors.push(err(
                            kind_line,
                            format!("question `{id}` is a group with no fields."),
                        ));
                    }
                    Some(AnswerKind::Group {
                        fields: rq.fields.clone(),
                    })
                }
                other => {
                    errors.push(err(
                        kind_line,
                        format!(
                            "question `{id}` has the unknown answer type `{other}`: use yes_no, choice, multi_choice, number, date, date_time, text or group."
                        ),
                    ));
                    None
                }
            };
            if let (Some(kind), Some(target)) = (&kind, &rq.record)
                && let Some(message) = crate::domain::record::from_form::check_target(
                    &id,
                    kind.name(),
                    target.get_ref(),
                )
            {
                errors.push(err(line_of(text, &target.span()), message));
            }
            if let Some(kind) = kind {
                questions.push(Question {
                    id,
                    text: rq.text,
                    kind,
                    required: rq.required.unwrap_or(true),
                    help: rq.help,
                    source,
                    ask_if: rq.ask_if.map(|c| c.into_inner()),
                    details_if: rq.details_if,
                    record: rq.record.map(Spanned::into_inner),
                });
            }
        }
        sections.push(Section {
            id: rs.id.into_inner(),
            title: rs.title,
            questions,
        });
    }
    if sections.iter().all(|s| s.questions.is_empty()) && errors.is_empty() {
        errors.push(err(1, "the form has no questions.".into()));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(FormErrors(errors));
    }
    Ok(Form {
        id: raw.form.id.into_inner(),
        title: raw.form.title,
        who: raw.form.who,
        source: raw.form.source,
        sections,
    })
}

/// Whether an `id = "target"` appears anywhere in the text (so a branch naming it names a
/// later question rather than a missing one).
fn questions_later(text: &str, target: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.strip_prefix("id")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('='))
            .map(|r| r.trim().trim_matches('"') == target)
            .unwrap_or(false)
    })
}

/// The embedded forms, loaded and checked.
pub fn embedded_forms() -> Result<Vec<Form>, FormErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in EMBEDDED {
        match load_form(file, text) {
            Ok(f) => out.push(f),
            Err(FormErrors(e)) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(FormErrors(errors))
    }
}

/// One embedded form by id.
pub fn embedded_form(id: &str) -> Result<Form, FormErrors> {
    embedded_forms()?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| {
            FormErrors(vec![FormError {
                file: "schema/forms".into(),
                line: 1,
                message: format!("there is no form `{id}`."),
            }])
        })
}

#[cfg(test)]
mod tests;
