//! The optional settings file, `$XDG_CONFIG_HOME/sonar/config.toml`, read with a size limit and
//! validated: each problem is one sentence naming the file, the setting and what is used
//! instead, shown on the screen as a standing notice. A setting that is wrong never turns a
//! safety feature off: an idle time that is negative, zero, not a number, infinite or longer than
//! an hour gives the default five minutes, never "no lock".

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::text::{line_of, printable_line};

/// The largest settings file read (a few lines are expected).
pub const MAX_SETTINGS_BYTES: u64 = 64 * 1024;
/// Minutes without a key press before a terminal locks, when the file does not say.
pub const DEFAULT_IDLE_LOCK_MINUTES: f64 = 5.0;
/// The longest idle time a terminal may be set to stay unlocked.
pub const MAX_IDLE_LOCK_MINUTES: f64 = 60.0;
/// The longest terminal name (it shares the login screen's line with the suite's name).
pub const MAX_TERMINAL_NAME_CHARS: usize = 40;

/// The settings, each validated (`None`: the default).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Minutes without a key press before the terminal locks itself (default 5, at most 60).
    pub idle_lock_minutes: Option<f64>,
    /// How this terminal is named on the login screen (default: the host name).
    pub terminal_name: Option<String>,
    /// Ring the terminal bell (BEL) while an emergency is unacknowledged on this terminal
    /// (default true).
    pub emergency_bell: Option<bool>,
}

/// Where the settings file is, if there is a config directory.
pub fn settings_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "sonar").map(|d| d.config_dir().join("config.toml"))
}

/// Reads and validates the settings file at `path`: the settings to use and one sentence per
/// problem. A missing file is the defaults with no problem.
pub fn load(path: &Path) -> (Settings, Vec<String>) {
    let text = match crate::limited_file::read_text(path, MAX_SETTINGS_BYTES, "the settings file") {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return (Settings::default(), Vec::new()),
        Err(e) => {
            return (
                Settings::default(),
                vec![format!("{e}; the default settings are used.")],
            );
        }
    };
    parse(&path.display().to_string(), &text)
}

/// Parses and validates the text of the settings file named `file`.
pub fn parse(file: &str, text: &str) -> (Settings, Vec<String>) {
    let mut settings = match toml::from_str::<Settings>(text) {
        Ok(settings) => settings,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            return (
                Settings::default(),
                vec![format!(
                    "{file} line {line}: {}; the default settings are used.",
                    printable_line(&message)
                )],
            );
        }
    };
    let mut problems = Vec::new();
    if let Some(minutes) = settings.idle_lock_minutes
        && let Some(why) = idle_problem(minutes)
    {
        problems.push(format!(
            "idle_lock_minutes in {file} is {}, {why}: the terminal locks after the default {DEFAULT_IDLE_LOCK_MINUTES} minutes.",
            number_words(minutes)
        ));
        settings.idle_lock_minutes = None;
    }
    if let Some(name) = &settings.terminal_name {
        let why = if name.trim().is_empty() {
            Some("empty".to_string())
        } else if name.chars().any(crate::domain::text::acts_on_terminal) {
            Some(format!(
                "`{}`, which holds control characters",
                printable_line(name)
            ))
        } else if name.chars().count() > MAX_TERMINAL_NAME_CHARS {
            Some(format!(
                "{} characters long, more than {MAX_TERMINAL_NAME_CHARS}",
                name.chars().count()
            ))
        } else {
            None
        };
        if let Some(why) = why {
            problems.push(format!(
                "terminal_name in {file} is {why}: the host name is used instead."
            ));
            settings.terminal_name = None;
        }
    }
    (settings, problems)
}

/// Why an idle time cannot be used, or `None` when it can.
fn idle_problem(minutes: f64) -> Option<String> {
    if minutes.is_nan() {
        Some("not a number of minutes".into())
    } else if minutes.is_infinite() && minutes > 0.0 {
        Some("infinite, which would never lock the terminal".into())
    } else if minutes < 0.0 {
        Some("below zero".into())
    } else if minutes == 0.0 {
        Some("zero, which would lock the terminal at once".into())
    } else if minutes > MAX_IDLE_LOCK_MINUTES {
        Some(format!(
            "longer than the most a terminal may stay unlocked while idle ({MAX_IDLE_LOCK_MINUTES} minutes)"
        ))
    } else {
        None
    }
}

/// A number as the file could have written it: `nan`, `inf`, `-inf`, `2.5`, `600`.
fn number_words(n: f64) -> String {
    if n.is_nan() {
        "nan".into()
    } else if n.is_infinite() {
        if n > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse("config.toml", text).1
    }

    #[test]
    fn a_good_file_is_used_as_it_is() {
        let (s, p) = parse(
            "config.toml",
            "idle_lock_minutes = 2.5\nterminal_name = \"Desk 2\"\nemergency_bell = false\n",
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(s.idle_lock_minutes, Some(2.5));
        assert_eq!(s.terminal_name.as_deref(), Some("Desk 2"));
        assert_eq!(s.emergency_bell, Some(false));
        // Whole minutes written as an integer.
        assert_eq!(
            parse("config.toml", "idle_lock_minutes = 10\n")
                .0
                .idle_lock_minutes,
            Some(10.0)
        );
    }

    #[test]
    fn each_bad_idle_time_is_one_sentence_and_the_default_is_used() {
        for (value, why) in [
            ("-3", "is -3, below zero"),
            ("-inf", "is -inf, below zero"),
            ("0", "is 0, zero, which would lock the terminal at once"),
            ("0.0", "is 0, zero"),
            ("nan", "is nan, not a number of minutes"),
            (
                "inf",
                "is inf, infinite, which would never lock the terminal",
            ),
            (
                "600",
                "is 600, longer than the most a terminal may stay unlocked while idle (60 minutes)",
            ),
        ] {
            let (s, p) = parse("config.toml", &format!("idle_lock_minutes = {value}\n"));
            assert_eq!(s.idle_lock_minutes, None, "{value}");
            assert_eq!(p.len(), 1, "{value}: {p:?}");
            assert!(
                p[0].starts_with(&format!("idle_lock_minutes in config.toml {why}")),
                "{value}: {}",
                p[0]
            );
            assert!(
                p[0].ends_with("the terminal locks after the default 5 minutes."),
                "{}",
                p[0]
            );
        }
    }

    #[test]
    fn a_syntax_error_and_an_unknown_setting_name_their_line() {
        let p = problems("emergency_bell = true\nidle_lock = 3\n");
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("config.toml line 2: unknown field"),
            "{}",
            p[0]
        );
        assert!(
            p[0].ends_with("; the default settings are used."),
            "{}",
            p[0]
        );
    }

    #[test]
    fn a_terminal_name_with_control_characters_or_too_long_is_not_used() {
        let (s, p) = parse("config.toml", "terminal_name = \"Desk\\u001b[2J\"\n");
        assert_eq!(s.terminal_name, None);
        assert_eq!(
            p,
            [
                "terminal_name in config.toml is `Desk\\u{1b}[2J`, which holds control characters: the host name is used instead."
            ]
        );
        let long = "x".repeat(41);
        let p = problems(&format!("terminal_name = \"{long}\"\n"));
        assert!(p[0].contains("41 characters long, more than 40"), "{p:?}");
    }

    #[test]
    fn a_file_that_is_not_utf8_too_large_or_not_a_file_is_one_sentence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, b"terminal_name = \"\xff\"\n").unwrap();
        let (s, p) = load(&path);
        assert_eq!(s, Settings::default());
        assert_eq!(
            p,
            [format!(
                "{} is not UTF-8 text, as the settings file must be; the default settings are used.",
                path.display()
            )]
        );
        std::fs::write(&path, vec![b'#'; 65 * 1024]).unwrap();
        let (_, p) = load(&path);
        assert_eq!(
            p,
            [format!(
                "{} is 65 KiB, more than the 64 KiB the settings file may be, so it was not read; the default settings are used.",
                path.display()
            )]
        );
        let (_, p) = load(Path::new("/dev/zero"));
        assert!(p[0].starts_with("/dev/zero is not a regular file"), "{p:?}");
        let (s, p) = load(&dir.path().join("missing.toml"));
        assert_eq!((s, p.len()), (Settings::default(), 0));
    }
}
