//! Reading one keymap file into bindings with their line numbers, reporting every problem
//! found in it rather than stopping at the first, so one `sonar keymap check` shows them all.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::chord::KeyChord;
use super::context::Context;
use super::problem::{KeymapProblem, ProblemKind, line_of};
use super::{NOOP, Preset};
use crate::app::action::Action;

/// Whether a file is an embedded preset or a person's own keymap; only the latter may name a
/// preset to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Preset,
    User,
}

/// One binding as written, kept with where it was written for later checks.
#[derive(Debug, Clone)]
pub(crate) struct RawBinding {
    pub chord: KeyChord,
    /// `None` for `noop`.
    pub action: Option<Action>,
    pub line: usize,
    /// The key exactly as written, for messages.
    pub key: String,
}

/// A keymap file after reading: its bindings in file order per context, the preset it names
/// and the problems found. Bindings with problems are left out.
#[derive(Debug, Default)]
pub(crate) struct ParsedFile {
    pub preset: Option<Preset>,
    pub tables: BTreeMap<Context, Vec<RawBinding>>,
    pub problems: Vec<KeymapProblem>,
}

/// Reads `text` (the contents of `file`) as a keymap file of the given kind.
pub(crate) fn parse_file(file: &Path, text: &str, kind: FileKind) -> ParsedFile {
    let mut parsed = ParsedFile::default();
    let problem = |line: usize,
                   context: Option<&str>,
                   key: Option<&str>,
                   kind: ProblemKind,
                   message: String| KeymapProblem {
        file: file.to_path_buf(),
        line: Some(line),
        context: context.map(str::to_owned),
        key: key.map(str::to_owned),
        message,
        kind,
    };

    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => {
            let line = error.span().map_or(1, |span| line_of(text, span.start));
            let message = format!("not valid TOML: {}", one_line(error.message()));
            parsed
                .problems
                .push(problem(line, None, None, ProblemKind::Syntax, message));
            return parsed;
        }
    };

    for (name, value) in in_file_order(document.get_ref()) {
        let line = line_of(text, name.span().start);
        let name_text = name.get_ref().as_ref();
        if name_text == "preset" {
            match (kind, value.get_ref()) {
                (FileKind::Preset, _) => parsed.problems.push(problem(
                    line,
                    None,
                    None,
                    ProblemKind::UnknownPreset,
                    "a preset file cannot name another preset".to_owned(),
                )),
                (FileKind::User, DeValue::String(preset)) => match Preset::from_name(preset) {
                    Some(preset) => parsed.preset = Some(preset),
                    None => parsed.problems.push(problem(
                        line,
                        None,
                        None,
                        ProblemKind::UnknownPreset,
                        format!("unknown preset {preset:?} (use {})", preset_names()),
                    )),
                },
                (FileKind::User, other) => parsed.problems.push(problem(
                    line,
                    None,
                    None,
                    ProblemKind::NotAString,
                    format!(
                        "preset must be a name in quotes ({}), not {}",
                        preset_names(),
                        a_type(other)
                    ),
                )),
            }
            continue;
        }
        let Some(context) = Context::from_name(name_text) else {
            let message = if value.get_ref().is_table() {
                format!("unknown context [{name_text}] (use {})", context_names())
            } else {
                format!(
                    "{name_text:?} is outside any table; bindings go in a context table such as [global] or [board]"
                )
            };
            parsed.problems.push(problem(
                line,
                None,
                None,
                ProblemKind::UnknownContext,
                message,
            ));
            continue;
        };
        let DeValue::Table(table) = value.get_ref() else {
            parsed.problems.push(problem(
                line,
                Some(name_text),
                None,
                ProblemKind::NotATable,
                format!(
                    "must be a table of \"key\" = \"action\", not {}",
                    a_type(value.get_ref())
                ),
            ));
            continue;
        };

        // The first line each chord was written on, to name it in a duplicate's message.
        let mut seen: HashMap<KeyChord, (String, usize)> = HashMap::new();
        let bindings = parsed.tables.entry(context).or_default();
        for (key, value) in in_file_order(table) {
            let line = line_of(text, key.span().start);
            let key_text = key.get_ref().as_ref();
            let report = |kind: ProblemKind, message: String| {
                problem(line, Some(name_text), Some(key_text), kind, message)
            };
            let chord = match KeyChord::parse(key_text) {
                Ok(chord) => Some(chord),
                Err(error) => {
                    parsed
                        .problems
                        .push(report(ProblemKind::BadKey, error.to_string()));
                    None
                }
            };
            if let Some(chord) = chord {
                if let Some((first_key, first_line)) = seen.get(&chord) {
                    parsed.problems.push(report(
                        ProblemKind::Duplicate,
                        format!("same key as {first_key:?} on line {first_line}"),
                    ));
                    continue;
                }
                seen.insert(chord, (key_text.to_owned(), line));
            }
            let action = match value.get_ref() {
                DeValue::String(name) if name.as_ref() == NOOP => Some(None),
                DeValue::String(name) => match Action::from_name(name) {
                    Some(action) => Some(Some(action)),
                    None => {
                        parsed.problems.push(report(
                            ProblemKind::UnknownAction,
                            format!("unknown action {:?}", name.as_ref()),
                        ));
                        None
                    }
                },
                other => {
                    parsed.problems.push(report(
                        ProblemKind::NotAString,
                        format!(
                            "the action must be a name in quotes (such as \"quit\"), not {}",
                            a_type(other)
                        ),
                    ));
                    None
                }
            };
            if let (Some(chord), Some(action)) = (chord, action) {
                bindings.push(RawBinding {
                    chord,
                    action,
                    line,
                    key: key_text.to_owned(),
                });
            }
        }
    }
    parsed
}

/// The entries of a table in the order they appear in the file: the parsed table is sorted
/// by key, but file order is what people read, and the first key written for an action is
/// the one the status bar shows.
fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(&'a Spanned<Cow<'i, str>>, &'a Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn a_type(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn context_names() -> String {
    let names: Vec<String> = Context::ALL.iter().map(|c| format!("[{c}]")).collect();
    names.join(", ")
}

fn preset_names() -> String {
    let names: Vec<String> = Preset::ALL
        .iter()
        .map(|p| format!("{:?}", p.name()))
        .collect();
    names.join(" or ")
}

/// TOML error messages can span lines; a problem is one sentence on one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
