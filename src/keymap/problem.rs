//! What is wrong with a keymap file, said so that a person can find and fix it.

use std::fmt;
use std::path::PathBuf;

/// The kind of a [`KeymapProblem`], so callers and tests can tell problems apart without
/// matching on wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// The file could not be read, or is not UTF-8.
    Unreadable,
    /// The file is not valid TOML (this includes a key written twice in one table).
    Syntax,
    /// `preset = "…"` names no preset, or is used in a preset file.
    UnknownPreset,
    /// A table that is not one of the contexts, or a binding outside any table.
    UnknownContext,
    /// A context name whose value is not a table.
    NotATable,
    /// A key string that does not parse as a key.
    BadKey,
    /// An action name that is not in the vocabulary (and is not `noop`).
    UnknownAction,
    /// A binding whose value is not a string.
    NotAString,
    /// Two keys in one table that are the same key once normalised (`A` and `shift-a`).
    Duplicate,
    /// A context binding that hides a global binding of the same key to another action.
    Shadowed,
    /// A plain character bound in `[global]`, which typing contexts would type instead.
    GlobalCharacter,
}

/// One problem in a keymap file, with where it is. Its `Display` is one sentence such as
/// `keymap.toml:7: key "ctrl-z" in [board]: unknown action "explode"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapProblem {
    /// The file, as it was given (embedded presets use `keymaps/<name>.toml`).
    pub file: PathBuf,
    /// 1-based line number, or `None` when the problem is the whole file (unreadable).
    pub line: Option<usize>,
    /// The context table the problem is in, as written in the file, if any.
    pub context: Option<String>,
    /// The key string as written in the file, if the problem is about one key.
    pub key: Option<String>,
    /// What is wrong, and where possible what to do instead.
    pub message: String,
    /// What kind of problem this is.
    pub kind: ProblemKind,
}

impl fmt::Display for KeymapProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        match (&self.key, &self.context) {
            (Some(key), Some(context)) => write!(f, "key {key:?} in [{context}]: ")?,
            (Some(key), None) => write!(f, "key {key:?}: ")?,
            (None, Some(context)) => write!(f, "[{context}]: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for KeymapProblem {}

pub(crate) use crate::domain::text::line_of;

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(line: Option<usize>, context: Option<&str>, key: Option<&str>) -> KeymapProblem {
        KeymapProblem {
            file: PathBuf::from("keymap.toml"),
            line,
            context: context.map(str::to_owned),
            key: key.map(str::to_owned),
            message: "unknown action \"explode\"".to_owned(),
            kind: ProblemKind::UnknownAction,
        }
    }

    #[test]
    fn display_is_one_line_with_file_line_context_and_key() {
        assert_eq!(
            problem(Some(7), Some("board"), Some("ctrl-z")).to_string(),
            r#"keymap.toml:7: key "ctrl-z" in [board]: unknown action "explode""#
        );
        assert_eq!(
            problem(Some(3), Some("bored"), None).to_string(),
            r#"keymap.toml:3: [bored]: unknown action "explode""#
        );
        assert_eq!(
            problem(None, None, None).to_string(),
            r#"keymap.toml: unknown action "explode""#
        );
        // A key holding a quote is escaped, so the sentence stays unambiguous.
        assert_eq!(
            problem(Some(1), Some("board"), Some("\"")).to_string(),
            r#"keymap.toml:1: key "\"" in [board]: unknown action "explode""#
        );
    }

    #[test]
    fn line_of_counts_from_one() {
        let text = "a\nbb\nc\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 2), 2);
        assert_eq!(line_of(text, 5), 3);
        assert_eq!(line_of(text, text.len()), 3);
        assert_eq!(line_of(text, 999), 3);
        assert_eq!(line_of("", 0), 1);
        assert_eq!(line_of("a", 1), 1);
    }
}
