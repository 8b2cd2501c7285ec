//! One key with its modifiers, as written in keymap files and as pressed at the terminal.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The modifiers a chord keeps. Anything else a terminal might report (none today) is dropped
/// so it cannot make an otherwise identical key miss its binding.
const KEPT_MODIFIERS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT)
    .union(KeyModifiers::SUPER)
    .union(KeyModifiers::HYPER)
    .union(KeyModifiers::META);

/// Modifier names in the order [`KeyChord`]'s `Display` prints them.
const MODIFIER_NAMES: &[(KeyModifiers, &str)] = &[
    (KeyModifiers::CONTROL, "ctrl"),
    (KeyModifiers::ALT, "alt"),
    (KeyModifiers::SHIFT, "shift"),
    (KeyModifiers::SUPER, "super"),
    (KeyModifiers::HYPER, "hyper"),
    (KeyModifiers::META, "meta"),
];

/// Named keys: every spelling accepted in a file, the first being the canonical one.
const NAMED_KEYS: &[(KeyCode, &[&str])] = &[
    (KeyCode::Enter, &["enter", "return"]),
    (KeyCode::Esc, &["esc", "escape"]),
    (KeyCode::Tab, &["tab"]),
    (KeyCode::BackTab, &["backtab"]),
    (KeyCode::Backspace, &["backspace"]),
    (KeyCode::Up, &["up"]),
    (KeyCode::Down, &["down"]),
    (KeyCode::Left, &["left"]),
    (KeyCode::Right, &["right"]),
    (KeyCode::PageUp, &["pageup", "pgup"]),
    (KeyCode::PageDown, &["pagedown", "pgdn", "pgdown"]),
    (KeyCode::Home, &["home"]),
    (KeyCode::End, &["end"]),
    (KeyCode::Delete, &["delete", "del"]),
    (KeyCode::Insert, &["insert", "ins"]),
    (KeyCode::Char(' '), &["space"]),
];

/// The highest function key a chord may name: terminals rarely send more, and a file naming
/// `f13` is more likely a typo than a real keyboard.
const MAX_FUNCTION_KEY: u8 = 12;

/// Why a key string in a keymap file is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChordParseError {
    /// The string was empty.
    #[error("the key is empty")]
    Empty,
    /// A `-` with nothing between it and the next `-` or the start.
    #[error("a modifier is missing before \"-\"")]
    EmptyModifier,
    /// Something before the last `-` is not a modifier name.
    #[error("unknown modifier \"{0}\" (use ctrl, alt, shift, super, hyper or meta)")]
    UnknownModifier(String),
    /// The same modifier written twice.
    #[error("modifier \"{0}\" is written twice")]
    RepeatedModifier(String),
    /// The key part is neither one character nor a known key name.
    #[error(
        "unknown key name \"{0}\" (use one character, or a name such as enter, esc, tab, up, pageup, f1 or space)"
    )]
    UnknownKey(String),
    /// A function key beyond f12.
    #[error("function key \"{0}\" is out of range (use f1 to f12)")]
    FunctionKeyOutOfRange(String),
    /// A control character (such as a literal tab) instead of its name.
    #[error("the key is a control character; write its name (such as tab or enter) instead")]
    ControlCharacter,
    /// Shift with a digit or symbol: what it types depends on the keyboard layout.
    #[error(
        "\"shift-{0}\" depends on the keyboard layout; write the character it types (such as \"!\" or \"?\") instead"
    )]
    ShiftedSymbol(char),
}

/// A key with its modifiers, normalised so that every way of writing or receiving the same
/// key compares equal.
///
/// Normalisation, and why:
/// - For characters, SHIFT is folded into the character and then dropped: terminals report
///   SHIFT inconsistently for characters (`A` arrives with or without it, and `?` with it on
///   some and not others), so `shift-a`, `A` and a pressed `A` with or without SHIFT are one
///   chord.
/// - Ctrl with a letter ignores case: classic terminals send the same byte for `ctrl-a` and
///   `ctrl-shift-a`, so a binding that relied on the difference would never fire there.
/// - Shift+Tab is [`KeyCode::BackTab`], whichever of the two the terminal reports.
/// - Only Ctrl, Alt, Shift, Super, Hyper and Meta are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    code: KeyCode,
    modifiers: KeyModifiers,
}

impl KeyChord {
    /// Builds a chord, normalising it (see the type's documentation).
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let mut modifiers = modifiers.intersection(KEPT_MODIFIERS);
        let code = match code {
            KeyCode::Char(c) => {
                let c = if modifiers.contains(KeyModifiers::SHIFT) {
                    single_upper(c).unwrap_or(c)
                } else {
                    c
                };
                modifiers.remove(KeyModifiers::SHIFT);
                let c = if modifiers.contains(KeyModifiers::CONTROL) {
                    single_lower(c).unwrap_or(c)
                } else {
                    c
                };
                KeyCode::Char(c)
            }
            KeyCode::BackTab | KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => KeyCode::BackTab,
            other => other,
        };
        KeyChord { code, modifiers }
    }

    /// The chord of a key event as crossterm reports it. The event's kind (press, repeat,
    /// release) is not part of the chord; [`super::Keymap::resolve`] decides about it.
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    /// Parses a key as written in a keymap file: modifiers then the key, joined by `-`
    /// (`ctrl-q`, `alt-x`, `ctrl-shift-a`, `shift-tab`). The key is one character (case
    /// matters: `q` and `Q` differ) or a name (case does not matter: `Enter`, `PageUp`,
    /// `F1`). `-` itself is written `-`, or `ctrl--` with a modifier.
    pub fn parse(text: &str) -> Result<KeyChord, ChordParseError> {
        if text.is_empty() {
            return Err(ChordParseError::Empty);
        }
        let (modifier_text, key_text) = split_chord(text)?;
        let mut modifiers = KeyModifiers::NONE;
        if let Some(modifier_text) = modifier_text {
            for word in modifier_text.split('-') {
                if word.is_empty() {
                    return Err(ChordParseError::EmptyModifier);
                }
                let modifier = parse_modifier(word)
                    .ok_or_else(|| ChordParseError::UnknownModifier(word.to_owned()))?;
                if modifiers.contains(modifier) {
                    return Err(ChordParseError::RepeatedModifier(word.to_lowercase()));
                }
                modifiers.insert(modifier);
            }
        }
        let code = parse_key(key_text)?;
        if let KeyCode::Char(c) = code
            && modifiers.contains(KeyModifiers::SHIFT)
            && !is_cased_letter(c)
        {
            return Err(ChordParseError::ShiftedSymbol(c));
        }
        Ok(KeyChord::new(code, modifiers))
    }

    /// The key without its modifiers.
    pub fn code(self) -> KeyCode {
        self.code
    }

    /// The modifiers after normalisation (never SHIFT for a character).
    pub fn modifiers(self) -> KeyModifiers {
        self.modifiers
    }

    /// The character this chord types in a text field, if it is a printable character with
    /// no modifier (Shift having been folded into the character already).
    pub fn plain_char(self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if self.modifiers.is_empty() && !c.is_control() => Some(c),
            _ => None,
        }
    }

    /// A total order used only to list chords deterministically: modifiers first, then
    /// characters, function keys and named keys.
    fn sort_key(self) -> (u8, u8, u32) {
        let (group, value) = match self.code {
            KeyCode::Char(c) => (0, u32::from(c)),
            KeyCode::F(n) => (1, u32::from(n)),
            other => (
                2,
                NAMED_KEYS
                    .iter()
                    .position(|(code, _)| *code == other)
                    .and_then(|i| u32::try_from(i).ok())
                    .unwrap_or(u32::MAX),
            ),
        };
        (self.modifiers.bits(), group, value)
    }
}

impl PartialOrd for KeyChord {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KeyChord {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key()
            .cmp(&other.sort_key())
            // Keys outside NAMED_KEYS share a sort key; their text tells them apart.
            .then_with(|| self.to_string().cmp(&other.to_string()))
    }
}

impl FromStr for KeyChord {
    type Err = ChordParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyChord::parse(s)
    }
}

impl From<KeyEvent> for KeyChord {
    fn from(event: KeyEvent) -> Self {
        KeyChord::from_event(&event)
    }
}

/// Prints the canonical spelling, which [`KeyChord::parse`] reads back as the same chord:
/// lower-case modifiers and names (`ctrl-q`, `enter`, `shift-up`), a character as itself
/// (`?`, `G`), and an upper-case letter with another modifier as `alt-shift-a`, because
/// `alt-A` is easy to misread as `alt-a`.
impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut modifiers = self.modifiers;
        let mut key = key_name(self.code);
        if let KeyCode::Char(c) = self.code
            && !modifiers.is_empty()
            && let Some(lower) = single_lower(c)
        {
            modifiers.insert(KeyModifiers::SHIFT);
            key = lower.to_string();
        }
        for (modifier, name) in MODIFIER_NAMES {
            if modifiers.contains(*modifier) {
                write!(f, "{name}-")?;
            }
        }
        f.write_str(&key)
    }
}

/// Splits `ctrl-shift-a` into `Some("ctrl-shift")` and `"a"`, treating a trailing `-` as the
/// minus key (`-`, `ctrl--`).
fn split_chord(text: &str) -> Result<(Option<&str>, &str), ChordParseError> {
    if let Some(rest) = text.strip_suffix('-') {
        if rest.is_empty() {
            return Ok((None, "-"));
        }
        return match rest.strip_suffix('-') {
            Some(modifiers) => Ok((Some(modifiers), "-")),
            None => Err(ChordParseError::UnknownKey(text.to_owned())),
        };
    }
    Ok(match text.rsplit_once('-') {
        Some((modifiers, key)) => (Some(modifiers), key),
        None => (None, text),
    })
}

fn parse_modifier(word: &str) -> Option<KeyModifiers> {
    match word.to_ascii_lowercase().as_str() {
        "ctrl" | "control" => Some(KeyModifiers::CONTROL),
        "alt" => Some(KeyModifiers::ALT),
        "shift" => Some(KeyModifiers::SHIFT),
        "super" => Some(KeyModifiers::SUPER),
        "hyper" => Some(KeyModifiers::HYPER),
        "meta" => Some(KeyModifiers::META),
        _ => None,
    }
}

fn parse_key(text: &str) -> Result<KeyCode, ChordParseError> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_control() {
            return Err(ChordParseError::ControlCharacter);
        }
        return Ok(KeyCode::Char(c));
    }
    let lower = text.to_ascii_lowercase();
    if let Some((code, _)) = NAMED_KEYS
        .iter()
        .find(|(_, names)| names.contains(&lower.as_str()))
    {
        return Ok(*code);
    }
    if let Some(number) = lower.strip_prefix('f')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
    {
        return match number.parse::<u8>() {
            Ok(n) if (1..=MAX_FUNCTION_KEY).contains(&n) => Ok(KeyCode::F(n)),
            _ => Err(ChordParseError::FunctionKeyOutOfRange(text.to_owned())),
        };
    }
    Err(ChordParseError::UnknownKey(text.to_owned()))
}

/// The canonical name of a key without modifiers.
fn key_name(code: KeyCode) -> String {
    if let Some((_, names)) = NAMED_KEYS.iter().find(|(c, _)| *c == code)
        && let Some(name) = names.first()
    {
        return (*name).to_owned();
    }
    match code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("f{n}"),
        KeyCode::Null => "null".to_owned(),
        KeyCode::CapsLock => "capslock".to_owned(),
        KeyCode::ScrollLock => "scrolllock".to_owned(),
        KeyCode::NumLock => "numlock".to_owned(),
        KeyCode::PrintScreen => "printscreen".to_owned(),
        KeyCode::Pause => "pause".to_owned(),
        KeyCode::Menu => "menu".to_owned(),
        KeyCode::KeypadBegin => "keypadbegin".to_owned(),
        KeyCode::Media(media) => format!("{media:?}").to_lowercase(),
        KeyCode::Modifier(modifier) => format!("{modifier:?}").to_lowercase(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Whether `c` has distinct upper and lower case forms, so Shift with it means a letter.
fn is_cased_letter(c: char) -> bool {
    single_upper(c).is_some() || single_lower(c).is_some()
}

/// The upper-case form of a lower-case letter, when it is a single character.
fn single_upper(c: char) -> Option<char> {
    if !c.is_lowercase() {
        return None;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) if u != c => Some(u),
        _ => None,
    }
}

/// The lower-case form of an upper-case letter, when it is a single character.
fn single_lower(c: char) -> Option<char> {
    if !c.is_uppercase() {
        return None;
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) if l != c => Some(l),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(text: &str) -> KeyChord {
        KeyChord::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    #[test]
    fn parses_characters_names_and_modifiers() {
        let cases: &[(&str, KeyCode, KeyModifiers)] = &[
            ("q", KeyCode::Char('q'), KeyModifiers::NONE),
            ("Q", KeyCode::Char('Q'), KeyModifiers::NONE),
            ("?", KeyCode::Char('?'), KeyModifiers::NONE),
            ("-", KeyCode::Char('-'), KeyModifiers::NONE),
            ("ctrl--", KeyCode::Char('-'), KeyModifiers::CONTROL),
            ("enter", KeyCode::Enter, KeyModifiers::NONE),
            ("Return", KeyCode::Enter, KeyModifiers::NONE),
            ("ESC", KeyCode::Esc, KeyModifiers::NONE),
            ("tab", KeyCode::Tab, KeyModifiers::NONE),
            ("backtab", KeyCode::BackTab, KeyModifiers::NONE),
            ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE),
            ("backspace", KeyCode::Backspace, KeyModifiers::NONE),
            ("up", KeyCode::Up, KeyModifiers::NONE),
            ("PageDown", KeyCode::PageDown, KeyModifiers::NONE),
            ("home", KeyCode::Home, KeyModifiers::NONE),
            ("end", KeyCode::End, KeyModifiers::NONE),
            ("f1", KeyCode::F(1), KeyModifiers::NONE),
            ("F12", KeyCode::F(12), KeyModifiers::NONE),
            ("space", KeyCode::Char(' '), KeyModifiers::NONE),
            ("ctrl-q", KeyCode::Char('q'), KeyModifiers::CONTROL),
            ("Ctrl-Q", KeyCode::Char('q'), KeyModifiers::CONTROL),
            ("alt-X", KeyCode::Char('X'), KeyModifiers::ALT),
            ("alt-x", KeyCode::Char('x'), KeyModifiers::ALT),
            ("shift-up", KeyCode::Up, KeyModifiers::SHIFT),
            ("ctrl-shift-a", KeyCode::Char('a'), KeyModifiers::CONTROL),
            (
                "control-alt-delete",
                KeyCode::Delete,
                KeyModifiers::CONTROL.union(KeyModifiers::ALT),
            ),
        ];
        for &(text, code, modifiers) in cases {
            let parsed = chord(text);
            assert_eq!(
                (parsed.code(), parsed.modifiers()),
                (code, modifiers),
                "{text}"
            );
        }
    }

    #[test]
    fn shift_letter_and_capital_are_one_chord() {
        assert_eq!(chord("shift-a"), chord("A"));
        assert_eq!(chord("SHIFT-a"), chord("A"));
        assert_eq!(chord("shift-A"), chord("A"));
        assert_ne!(chord("a"), chord("A"));
        // Ctrl-letters are case-blind (terminals cannot tell them apart); Alt ones are not.
        assert_eq!(chord("ctrl-shift-a"), chord("ctrl-a"));
        assert_eq!(chord("ctrl-A"), chord("ctrl-a"));
        assert_eq!(chord("alt-shift-a"), chord("alt-A"));
        assert_ne!(chord("alt-A"), chord("alt-a"));
    }

    #[test]
    fn events_match_regardless_of_reported_shift() {
        let a = chord("A");
        for modifiers in [KeyModifiers::NONE, KeyModifiers::SHIFT] {
            let event = KeyEvent::new(KeyCode::Char('A'), modifiers);
            assert_eq!(KeyChord::from_event(&event), a);
        }
        // Some terminals (kitty protocol) report the base key with SHIFT.
        let event = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&event), a);
        let event = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&event), chord("?"));
        let event = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&event), chord("backtab"));
        let event = KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&event), chord("shift-tab"));
        let event = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(KeyChord::from_event(&event), chord("ctrl-q"));
        let event = KeyEvent::new(
            KeyCode::Char('Q'),
            KeyModifiers::CONTROL.union(KeyModifiers::SHIFT),
        );
        assert_eq!(KeyChord::from_event(&event), chord("ctrl-q"));
    }

    #[test]
    fn display_is_canonical_and_parses_back() {
        let cases = [
            ("Ctrl-Q", "ctrl-q"),
            ("alt-X", "alt-shift-x"),
            ("ctrl-q", "ctrl-q"),
            ("ENTER", "enter"),
            ("escape", "esc"),
            ("?", "?"),
            ("shift-a", "A"),
            ("ctrl-A", "ctrl-a"),
            ("ctrl-shift-a", "ctrl-a"),
            ("shift-tab", "backtab"),
            ("pgdn", "pagedown"),
            ("space", "space"),
            ("alt-ctrl-x", "ctrl-alt-x"),
            ("ctrl--", "ctrl--"),
            ("-", "-"),
            ("F5", "f5"),
            ("shift-Up", "shift-up"),
        ];
        for (text, shown) in cases {
            let parsed = chord(text);
            let display = parsed.to_string();
            assert_eq!(display, shown, "{text}");
            assert_eq!(chord(&display), parsed, "{text} -> {display}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_key() {
        let cases: &[(&str, ChordParseError)] = &[
            ("", ChordParseError::Empty),
            ("ctrl-", ChordParseError::UnknownKey("ctrl-".into())),
            ("--", ChordParseError::EmptyModifier),
            ("ctrl--q", ChordParseError::EmptyModifier),
            ("crtl-q", ChordParseError::UnknownModifier("crtl".into())),
            (
                "ctrl-ctrl-q",
                ChordParseError::RepeatedModifier("ctrl".into()),
            ),
            ("gg", ChordParseError::UnknownKey("gg".into())),
            ("ctrl-enterr", ChordParseError::UnknownKey("enterr".into())),
            ("f13", ChordParseError::FunctionKeyOutOfRange("f13".into())),
            ("f0", ChordParseError::FunctionKeyOutOfRange("f0".into())),
            ("\t", ChordParseError::ControlCharacter),
            ("shift-1", ChordParseError::ShiftedSymbol('1')),
            ("shift-/", ChordParseError::ShiftedSymbol('/')),
        ];
        for (text, error) in cases {
            assert_eq!(KeyChord::parse(text).as_ref(), Err(error), "{text:?}");
        }
    }

    #[test]
    fn plain_char_is_only_unmodified_printables() {
        assert_eq!(chord("q").plain_char(), Some('q'));
        assert_eq!(chord("shift-q").plain_char(), Some('Q'));
        assert_eq!(chord("space").plain_char(), Some(' '));
        assert_eq!(chord("ctrl-q").plain_char(), None);
        assert_eq!(chord("alt-q").plain_char(), None);
        assert_eq!(chord("enter").plain_char(), None);
    }

    #[test]
    fn order_is_total_and_deterministic() {
        let mut chords: Vec<KeyChord> = ["ctrl-q", "enter", "q", "f1", "Q", "up"]
            .iter()
            .map(|t| chord(t))
            .collect();
        chords.sort();
        let shown: Vec<String> = chords.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["Q", "q", "f1", "enter", "up", "ctrl-q"]);
    }
}
