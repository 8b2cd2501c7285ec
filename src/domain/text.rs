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
    use super::printable;

    #[test]
    fn escapes_and_bells_and_overrides_become_visible() {
        assert_eq!(printable("ok\u{1b}[2J\u{7}"), "ok\\u{1b}[2J\\u{7}");
        assert_eq!(printable("a\r\u{202e}b"), "a\\u{d}\\u{202e}b");
        assert_eq!(printable("O'Brien, Seán"), "O'Brien, Seán");
    }
}
