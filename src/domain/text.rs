//! Text from outside (names, bundle contents, free text typed elsewhere) made safe to print on
//! a terminal: control characters (C0, DEL, C1) and bidirectional overrides are shown as
//! visible escapes, so no stored string can move the cursor, ring, recolour or reorder what a
//! person reads.

/// `text` with every control or bidi-override character replaced by `\u{..}`.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n') || bidi {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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
