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
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c != '\n' && acts_on_terminal(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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
    use super::{printable, wrap_words};

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
    }
}
