//! Text from outside (names, bundle contents, free text typed elsewhere) made safe to print on
//! a terminal: control characters (C0, DEL, C1) and bidirectional overrides are shown as
//! visible escapes, so no stored string can move the cursor, ring, recolour or reorder what a
//! person reads.

/// Whether a terminal or printer would act on `c` rather than show it: control characters
/// (C0, DEL, C1) and the bidirectional marks and overrides.
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character a terminal would act on (but newlines) replaced by `\u{..}`.
/// The one rule for text from outside (a bundle, the database, a file, the user) on its way to
/// a terminal or a text file: the CLI, the escort summary, the handover sheet, the audit
/// export and, through [`crate::terminal::draw`], the full-screen UI. Applying it twice
/// changes nothing more.
pub fn printable(text: &str) -> String {
    escape(text, true)
}

/// [`printable`] for a value that stays on one line (a name in a table, a key id in an error):
/// a line break is shown as `\u{a}` too, so the value cannot start a line of its own, such as
/// a forged "Verified:" under an error.
pub fn printable_line(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if acts_on_terminal(c) && !(keep_newlines && c == '\n') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Serialised JSON made inert on a terminal without changing what it means: the characters a
/// terminal acts on that JSON leaves raw inside strings (DEL, the C1 controls, bidirectional
/// marks and overrides) become `\uXXXX` escapes, which decode to the same string. JSON's own
/// line breaks stay; serde_json already escapes the C0 controls inside strings.
pub fn json_inert(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c != '\n' && acts_on_terminal(c) {
            // Every such character is in the Basic Multilingual Plane: four hex digits.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A size in words, as a limit is stated: "5 MiB", "100.5 MiB", "64 KiB", "812 bytes", "2 GiB".
pub fn size_words(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    let (unit, name) = if bytes >= GIB {
        (GIB, "GiB")
    } else if bytes >= MIB {
        (MIB, "MiB")
    } else if bytes >= KIB {
        (KIB, "KiB")
    } else {
        return format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" });
    };
    if bytes.is_multiple_of(unit) {
        format!("{} {name}", bytes / unit)
    } else {
        format!("{:.1} {name}", bytes as f64 / unit as f64)
    }
}

/// `text` wrapped on word boundaries into lines of at most `width` characters (a single word
/// longer than that stays whole), the first line starting with `first` and the rest with
/// `rest`: one rule for the printed sheets and the screens that show the same words.
pub fn wrap_words(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = first.to_string();
    let mut has_word = false;
    for word in text.split_whitespace() {
        if has_word && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::replace(&mut line, rest.to_string()));
            has_word = false;
        }
        if has_word {
            line.push(' ');
        }
        line.push_str(word);
        has_word = true;
    }
    out.push(line);
    out
}

/// The 1-based line holding byte `offset` of `text` (for naming a file's line in an error);
/// offsets past the end count as the last line, so a TOML error "at end of input" points at a
/// line that exists. One rule for keymaps, forms, rules and bands.
pub fn line_of(text: &str, offset: usize) -> usize {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let line = text[..end].matches('\n').count() + 1;
    if end == text.len() && end > 0 && text.ends_with('\n') {
        line - 1
    } else {
        line
    }
}

/// `text` with its first letter in capitals ("assessment" → "Assessment").
pub fn capitalise(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{acts_on_terminal, json_inert, printable, printable_line, size_words, wrap_words};

    #[test]
    fn words_wrap_within_the_width_with_their_indents() {
        assert_eq!(
            wrap_words("one two three four", 11, "  ", "    "),
            ["  one two", "    three", "    four"]
        );
        assert_eq!(wrap_words("", 10, "- ", "  "), ["- "]);
        assert_eq!(wrap_words("unbreakable", 4, "", ""), ["unbreakable"]);
    }

    #[test]
    fn escapes_and_bells_and_overrides_become_visible() {
        assert_eq!(printable("ok\u{1b}[2J\u{7}"), "ok\\u{1b}[2J\\u{7}");
        assert_eq!(printable("a\r\u{202e}b"), "a\\u{d}\\u{202e}b");
        assert_eq!(printable("O'Brien, Seán"), "O'Brien, Seán");
        // Every bidirectional override and isolate, and the C1 CSI.
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}']
            .into_iter()
            .chain([
                '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{9b}', '\u{7f}',
            ])
        {
            let shown = printable(&format!("a{c}b"));
            assert!(!shown.contains(c), "{c:?}");
            assert_eq!(shown, format!("a\\u{{{:x}}}b", c as u32));
        }
        // Once is enough: escaping what is escaped changes nothing.
        let once = printable("x\u{1b}]52;c;aGk=\u{7}");
        assert_eq!(printable(&once), once);
    }

    #[test]
    fn sizes_read_as_a_person_would_say_them() {
        assert_eq!(size_words(5 * 1024 * 1024), "5 MiB");
        assert_eq!(size_words(100 * 1024 * 1024 + 512 * 1024), "100.5 MiB");
        assert_eq!(size_words(64 * 1024), "64 KiB");
        assert_eq!(size_words(812), "812 bytes");
        assert_eq!(size_words(1), "1 byte");
        assert_eq!(size_words(2 * 1024 * 1024 * 1024), "2 GiB");
    }

    #[test]
    fn one_line_values_cannot_start_a_line() {
        assert_eq!(printable("a\nb"), "a\nb");
        assert_eq!(
            printable_line("kid\nVerified: good"),
            "kid\\u{a}Verified: good"
        );
    }

    #[test]
    fn json_stays_the_same_json_and_inert() {
        let value = serde_json::json!({ "name": "Evil\u{1b}[2K\u{202e}\u{9b}\u{7}", "n": 1 });
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let inert = json_inert(&pretty);
        assert!(
            !inert.chars().any(|c| c != '\n' && acts_on_terminal(c)),
            "{inert}"
        );
        let back: serde_json::Value = serde_json::from_str(&inert).unwrap();
        assert_eq!(back, value);
    }
}
