//! RFC 8785 JSON Canonicalization Scheme (JCS): the exact bytes that are signed.
//!
//! The reference is the maintained `serde_json_canonicalizer` crate (ECMAScript number
//! serialisation through `ryu-js`, UTF-16 key ordering, minimal string escaping); the tests
//! below hold it to the RFC's own examples byte for byte. `serde_json`'s own output is not
//! JCS (its numbers and key order differ), which is why it is never used for the signed bytes.
//!
//! Speed: the crate re-parses every object key as JSON to sort it, which made it most of the
//! cost of verifying a bundle. JSON whose numbers are all integers within ±2^53 (every
//! bundle: see [`check_numbers`]) is therefore written by [`write_fast`], a direct writer of
//! the same rules (integers need no ECMAScript number formatting); anything else, any float
//! for instance, goes to the crate. A property test checks the two agree byte for byte.
//!
//! Bundles keep their numbers to integers and plain decimals ([`check_numbers`]), so that no
//! reader's number parser can change what was signed.

use serde_json::Value;

use super::HandoverError;

/// The RFC 8785 canonical form of `value`.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, HandoverError> {
    let mut out = Vec::with_capacity(16 * 1024);
    if write_fast(value, &mut out) {
        return Ok(out);
    }
    serde_json_canonicalizer::to_vec(value).map_err(|e| HandoverError::Canonical(e.to_string()))
}

/// The RFC 8785 form of the object `map` without the member `skip` (the bundle without its
/// signature), without copying it.
pub fn canonicalize_without(
    map: &serde_json::Map<String, Value>,
    skip: &str,
) -> Result<Vec<u8>, HandoverError> {
    let mut out = Vec::with_capacity(16 * 1024);
    if write_object_fast(map, Some(skip), &mut out) {
        return Ok(out);
    }
    let mut copy = map.clone();
    copy.remove(skip);
    serde_json_canonicalizer::to_vec(&copy).map_err(|e| HandoverError::Canonical(e.to_string()))
}

const SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Writes `value` in RFC 8785 form if every number in it is an integer within ±(2^53 − 1);
/// returns false (output unusable) otherwise.
pub fn write_fast(value: &Value, out: &mut Vec<u8>) -> bool {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64().filter(|u| *u <= SAFE_INTEGER) {
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= SAFE_INTEGER) {
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return false;
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if !write_fast(item, out) {
                    return false;
                }
            }
            out.push(b']');
        }
        Value::Object(map) => return write_object_fast(map, None, out),
    }
    true
}

fn write_object_fast(
    map: &serde_json::Map<String, Value>,
    skip: Option<&str>,
    out: &mut Vec<u8>,
) -> bool {
    let mut keys: Vec<&String> = map.keys().filter(|k| Some(k.as_str()) != skip).collect();
    // RFC 8785 3.2.3: order by UTF-16 code units. For keys without characters at or above
    // U+E000, that is the order of their UTF-8 bytes, which the map already has.
    if keys.iter().any(|k| k.chars().any(|c| c >= '\u{E000}')) {
        keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    }
    out.push(b'{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(k, out);
        out.push(b':');
        if !map.get(k).is_some_and(|v| write_fast(v, out)) {
            return false;
        }
    }
    out.push(b'}');
    true
}

/// RFC 8785 3.2.2.2: JSON.stringify's escaping, with lower-case hex.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Refuses numbers that are not integers within ±2^53 or plain decimals (no exponent, no
/// more than 15 significant digits), naming the first one found.
pub fn check_numbers(value: &Value) -> Result<(), HandoverError> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if i.unsigned_abs() <= 1 << 53 {
                    return Ok(());
                }
            } else if let Some(f) = n.as_f64() {
                let text = n.to_string();
                let digits = text.chars().filter(char::is_ascii_digit).count();
                if f.is_finite() && !text.contains(['e', 'E']) && digits <= 15 {
                    return Ok(());
                }
            }
            Err(HandoverError::Canonical(format!(
                "the number {n} is not an integer or plain decimal"
            )))
        }
        Value::Array(items) => items.iter().try_for_each(check_numbers),
        Value::Object(map) => map.values().try_for_each(check_numbers),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jcs(text: &str) -> String {
        let value: Value = serde_json::from_str(text).unwrap();
        String::from_utf8(canonicalize(&value).unwrap()).unwrap()
    }

    /// RFC 8785 section 3.2.2: the input of section 3.2.1 and its canonical form.
    #[test]
    fn rfc8785_section_3_2_2_example() {
        let input = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
        let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(jcs(input), expected);
    }

    /// RFC 8785 section 3.2.3: property sorting by UTF-16 code units.
    #[test]
    fn rfc8785_section_3_2_3_sorting() {
        let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(jcs(input), expected);
    }

    /// RFC 8785 appendix B: IEEE 754 bit patterns and their ECMAScript serialisation.
    #[test]
    fn rfc8785_appendix_b_numbers() {
        let cases: [(u64, &str); 18] = [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
        ];
        for (bits, expected) in cases {
            let value = serde_json::Number::from_f64(f64::from_bits(bits)).map(Value::Number);
            let value = value.unwrap();
            let text = String::from_utf8(canonicalize(&value).unwrap()).unwrap();
            assert_eq!(text, expected, "bits {bits:016x}");
        }
        let more: [(u64, &str); 7] = [
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
            (0x3ff0000000000000, "1"),
        ];
        for (bits, expected) in more {
            let value = Value::Number(serde_json::Number::from_f64(f64::from_bits(bits)).unwrap());
            let text = String::from_utf8(canonicalize(&value).unwrap()).unwrap();
            assert_eq!(text, expected, "bits {bits:016x}");
        }
    }

    #[test]
    fn whitespace_and_key_order_do_not_change_the_canonical_form() {
        assert_eq!(
            jcs(r#"{ "b" : [1, 2], "a":{"d":true,"c":null} }"#),
            r#"{"a":{"c":null,"d":true},"b":[1,2]}"#
        );
    }

    fn reference(v: &Value) -> Vec<u8> {
        serde_json_canonicalizer::to_vec(v).unwrap()
    }

    #[test]
    fn the_fast_writer_matches_the_crate_on_the_rfc_strings_and_keys() {
        let v: Value = serde_json::from_str(
            r#"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false],
                "\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\ud83d\ude00": 5, "\u0080": 6, "\u00f6": 7,
                "ints": [0, -1, 9007199254740991, -9007199254740991]}"#,
        )
        .unwrap();
        let mut fast = Vec::new();
        assert!(write_fast(&v, &mut fast));
        assert_eq!(fast, reference(&v));
        assert!(!write_fast(
            &serde_json::json!([9007199254740992u64]),
            &mut Vec::new()
        ));
        assert!(!write_fast(&serde_json::json!([1.5]), &mut Vec::new()));
    }

    fn arb_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[\\x00-\\x7f\\u{e000}-\\u{ffff}\\u{10000}-\\u{10ffff}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::btree_map(
                    "[a-z\\x00-\\x1f\\u{80}-\\u{ff}\\u{e000}-\\u{ffff}\\u{10000}-\\u{1ffff}]{0,5}",
                    inner,
                    0..8
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn the_fast_writer_agrees_with_the_crate(v in arb_json()) {
            let mut fast = Vec::new();
            proptest::prop_assert!(write_fast(&v, &mut fast));
            proptest::prop_assert_eq!(fast, reference(&v));
        }
    }

    #[test]
    fn numbers_are_kept_plain() {
        assert!(check_numbers(&serde_json::json!({"a": [1, 2.5, -7]})).is_ok());
        assert!(check_numbers(&serde_json::json!({"a": 1e30})).is_err());
        assert!(check_numbers(&serde_json::json!({"a": 9007199254740993u64})).is_err());
    }
}
