//! Whether a named test exists: a small reader of Rust source that skips comments and string
//! literals and knows the test attributes and `proptest!` blocks.

/// What [`find_test`] found under a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestLookup {
    /// A test `cargo test` runs.
    Test,
    /// A test marked `#[ignore]`.
    Ignored,
    /// A function by that name that is not a test.
    NotATest,
    /// No function by that name.
    Missing,
}

/// Whether Rust source `text` defines a test function `name`: a `fn name` under a `#[test]`,
/// `#[tokio::test]` (any attribute whose path ends in `test`), `#[proptest]` or
/// `#[property_test]` attribute, or inside a `proptest! { … }` block. Comments and string
/// literals are ignored, so a name in a doc comment or a string does not count.
pub fn find_test(text: &str, name: &str) -> TestLookup {
    let code = code_only(text);
    let blocks = proptest_blocks(&code);
    let mut found = TestLookup::Missing;
    for at in fn_positions(&code, name) {
        let attributes = attributes_before(&code, at);
        let is_test = attributes.iter().any(|a| {
            let last = a.rsplit("::").next().unwrap_or(a);
            last == "test" || last == "proptest" || last == "property_test"
        }) || blocks.iter().any(|(start, end)| *start < at && at < *end);
        if !is_test {
            if found == TestLookup::Missing {
                found = TestLookup::NotATest;
            }
            continue;
        }
        if attributes.iter().any(|a| a == "ignore") {
            found = TestLookup::Ignored;
            continue;
        }
        return TestLookup::Test;
    }
    found
}

/// `text` with every comment and the inside of every string and character literal replaced by
/// spaces (newlines kept), so byte offsets and lines stay where they were.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut out[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                let mut j = i;
                while j < b.len() {
                    if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                let end = j.min(b.len());
                blank(&mut out, i, end);
                i = end;
            }
            b'r' if raw_prefix(b, i) && matches!(b.get(i + 1), Some(b'"' | b'#')) => {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                let open = i + 1 + hashes;
                if b.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let mut j = open + 1;
                let end = loop {
                    if j >= b.len() {
                        break b.len();
                    }
                    if b[j] == b'"'
                        && b.len() > j + hashes
                        && b[j + 1..=j + hashes].iter().all(|&c| c == b'#')
                    {
                        break j;
                    }
                    j += 1;
                };
                blank(&mut out, open + 1, end);
                i = (end + 1 + hashes).min(b.len());
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                blank(&mut out, i + 1, end);
                i = end + 1;
            }
            b'\'' => {
                // A character literal ('x', '\n', '\u{1b}', 'é'), or a lifetime ('a).
                let rest = &text[i + 1..];
                let len = if rest.starts_with('\\') {
                    rest.get(2..).and_then(|r| r.find('\'')).map(|p| p + 3)
                } else {
                    rest.chars()
                        .next()
                        .map(char::len_utf8)
                        .filter(|&n| rest[n..].starts_with('\''))
                        .map(|n| n + 1)
                };
                match len {
                    Some(len) => {
                        blank(&mut out, i + 1, i + len);
                        i += len + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes were replaced, and only whole literals or comments, so every multi-byte
    // character left is whole; lossy conversion is a no-op kept to avoid an unwrap.
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the `r` at `i` can start a raw string (`r"…"`, `r#"…"#`, `br"…"`): it does not end
/// an identifier, except a lone `b` prefix.
fn raw_prefix(b: &[u8], i: usize) -> bool {
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    match i {
        0 => true,
        1 => !ident(b[0]) || b[0] == b'b',
        _ => !ident(b[i - 1]) || (b[i - 1] == b'b' && !ident(b[i - 2])),
    }
}

/// Offsets of the `fn` keyword of every `fn name` in `code`.
fn fn_positions(code: &str, name: &str) -> Vec<usize> {
    let b = code.as_bytes();
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        if b.get(from).copied().is_some_and(ident) {
            continue;
        }
        let before = code[..at].trim_end_matches([' ', '\t', '\n', '\r']);
        if before.len() == code[..at].len() || !before.ends_with("fn") {
            continue;
        }
        let fn_at = before.len() - 2;
        if fn_at > 0 && ident(b[fn_at - 1]) {
            continue;
        }
        out.push(fn_at);
    }
    out
}

/// The paths of the attributes written before the item whose keyword starts at `at` (skipping
/// `pub`, `async`, `unsafe`, `const`, `extern` and `pub(crate)`-style visibility).
fn attributes_before(code: &str, at: usize) -> Vec<String> {
    let b = code.as_bytes();
    let mut end = at;
    let mut out = Vec::new();
    loop {
        let trimmed = code[..end].trim_end();
        end = trimmed.len();
        if trimmed.ends_with(']') {
            // Walk back to the `#[` that opens this attribute.
            let mut depth = 0i32;
            let mut j = end;
            let mut open = None;
            while j > 0 {
                j -= 1;
                match b[j] {
                    b']' => depth += 1,
                    b'[' => {
                        depth -= 1;
                        if depth == 0 {
                            open = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(open) = open.filter(|&o| o > 0 && b[o - 1] == b'#') else {
                break;
            };
            let inner = &code[open + 1..end - 1];
            let path: String = inner
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path);
            end = open - 1;
            continue;
        }
        let word_start = trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = &trimmed[word_start..];
        if matches!(word, "pub" | "async" | "unsafe" | "const" | "extern") {
            end = word_start;
            continue;
        }
        if trimmed.ends_with(')') {
            // `pub(crate)` and the like.
            if let Some(open) = trimmed.rfind('(')
                && trimmed[..open].trim_end().ends_with("pub")
            {
                end = trimmed[..open].trim_end().len() - 3;
                continue;
            }
        }
        break;
    }
    out
}

/// The byte ranges of every `proptest! { … }` (or `( … )`) block in `code`.
fn proptest_blocks(code: &str) -> Vec<(usize, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("proptest!") {
        let at = from + p;
        from = at + "proptest!".len();
        if at > 0 && (b[at - 1] == b'_' || b[at - 1].is_ascii_alphanumeric()) {
            continue;
        }
        let rest = &code[from..];
        let skipped = rest.len() - rest.trim_start().len();
        let start = from + skipped;
        let (open, close) = match b.get(start) {
            Some(b'{') => (b'{', b'}'),
            Some(b'(') => (b'(', b')'),
            Some(b'[') => (b'[', b']'),
            _ => continue,
        };
        let mut depth = 0usize;
        let mut end = b.len();
        for (j, &c) in b.iter().enumerate().skip(start) {
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    end = j;
                    break;
                }
            }
        }
        out.push((start, end));
        from = end.max(from);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_are_found_under_their_attributes_and_not_in_comments_or_strings() {
        let src = r##"
/// fn in_a_doc_comment() {}
// fn in_a_comment() {}
const S: &str = "fn in_a_string() {}";
const R: &str = r#"fn in_a_raw_string() { "# ;
const C: char = '{';

#[test]
fn plain() {}

/// A doc comment between.
#[test]
#[should_panic(expected = "x]")]
fn with_more_attributes() {}

#[tokio::test(flavor = "multi_thread")]
async fn asynchronous() {}

#[test]
#[ignore = "slow"]
fn ignored() {}

fn helper<'a>(x: &'a str) -> &'a str { x }

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn a_property(s in "\\PC{0,30}") { let _ = s; }
    fn bare_inside(x in 0..3u8) { let _ = x; }
}

mod tests {
    #[test]
    pub(crate) fn nested_and_public() {}
}
"##;
        assert_eq!(find_test(src, "plain"), TestLookup::Test);
        assert_eq!(find_test(src, "with_more_attributes"), TestLookup::Test);
        assert_eq!(find_test(src, "asynchronous"), TestLookup::Test);
        assert_eq!(find_test(src, "ignored"), TestLookup::Ignored);
        assert_eq!(find_test(src, "helper"), TestLookup::NotATest);
        assert_eq!(find_test(src, "a_property"), TestLookup::Test);
        assert_eq!(find_test(src, "bare_inside"), TestLookup::Test);
        assert_eq!(find_test(src, "nested_and_public"), TestLookup::Test);
        for absent in [
            "in_a_doc_comment",
            "in_a_comment",
            "in_a_string",
            "in_a_raw_string",
            "pla",
            "plain_",
        ] {
            assert_eq!(find_test(src, absent), TestLookup::Missing, "{absent}");
        }
    }
}
