//! NHS number: ten digits whose last digit is a Modulus 11 check digit.
//!
//! Source: `reference/custody-practice.md`, section "NHS number" (NHS Data Dictionary, NHS
//! NUMBER: multiply digits 1–9 by weights 10 down to 2, sum, take 11 − (sum mod 11); 11 becomes
//! 0, 10 means the number is invalid, and the result must equal digit 10). Numbers made of one
//! repeated digit pass the checksum but are never issued, so they are rejected separately.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The FHIR identifier system for an NHS number (`reference/handover-format.md`,
/// `reference/custody-practice.md` "NHS number").
pub const FHIR_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// A valid NHS number, held as its ten digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

/// Why a typed NHS number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("No NHS number was entered.")]
    Empty,
    #[error("An NHS number may contain only digits, spaces and hyphens, but it contains `{0}`.")]
    InvalidCharacter(char),
    #[error("An NHS number has 10 digits, but {0} were entered.")]
    WrongLength(usize),
    #[error("An NHS number cannot be one digit repeated ten times, as {0} is.")]
    RepeatedDigit(String),
    #[error(
        "This is not an NHS number: its first nine digits give a check digit of 10, which is never issued."
    )]
    CheckDigitTen,
    #[error(
        "The last digit should be {expected} but is {found}, so a digit has probably been mistyped."
    )]
    WrongCheckDigit { expected: u8, found: u8 },
}

/// The Modulus 11 check digit for the first nine digits, or `None` when it would be 10
/// (such numbers are never issued).
pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        // 11 - (sum % 11) is in 1..=11, so this is 1..=9.
        n => u8::try_from(n).ok(),
    }
}

impl NhsNumber {
    /// Parses an NHS number as typed: spaces (or other whitespace) and hyphens anywhere are
    /// ignored, so `944 930 5552`, `944-930-5552` and `9449305552` are the same number.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = Vec::with_capacity(10);
        for c in input.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            match c.to_digit(10) {
                Some(d) => digits.push(d as u8),
                None => return Err(NhsNumberError::InvalidCharacter(c)),
            }
        }
        if digits.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength(digits.len()));
        }
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        if digits.iter().all(|&d| d == digits[0]) {
            return Err(NhsNumberError::RepeatedDigit(text));
        }
        let mut first_nine = [0u8; 9];
        first_nine.copy_from_slice(&digits[..9]);
        let found = digits[9];
        match check_digit(&first_nine) {
            None => Err(NhsNumberError::CheckDigitTen),
            Some(expected) if expected != found => {
                Err(NhsNumberError::WrongCheckDigit { expected, found })
            }
            Some(_) => Ok(NhsNumber(text)),
        }
    }

    /// The ten digits with no spaces, e.g. `9449305552` (for storage and FHIR identifiers).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Shown in the 3-3-4 grouping people read aloud: `944 930 5552`.
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        write!(f, "{} {} {}", &s[0..3], &s[3..6], &s[6..10])
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NhsNumber::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NhsNumber::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_valid_examples_parse() {
        for s in ["9449305552", "9000000009", "9912003888", "9434765919"] {
            let n = NhsNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(n.as_str(), s);
        }
    }

    #[test]
    fn reference_invalid_examples_are_refused_for_the_right_reason() {
        assert_eq!(
            NhsNumber::parse("1234567890"),
            Err(NhsNumberError::CheckDigitTen)
        );
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::WrongCheckDigit {
                expected: 9,
                found: 8
            })
        );
    }

    #[test]
    fn spaces_and_hyphens_are_ignored() {
        for s in [
            "944 930 5552",
            "944-930-5552",
            " 9449305552 ",
            "944 - 930 - 5552",
            "9 4 4 9 3 0 5 5 5 2",
            "944\t930\u{a0}5552",
        ] {
            assert_eq!(
                NhsNumber::parse(s).map(|n| n.as_str().to_string()),
                Ok("9449305552".to_string()),
                "{s:?}"
            );
        }
    }

    #[test]
    fn displays_in_three_three_four_groups() {
        let n = NhsNumber::parse("9449305552").unwrap();
        assert_eq!(n.to_string(), "944 930 5552");
        assert_eq!(n.as_str(), "9449305552");
    }

    #[test]
    fn every_repeated_digit_number_is_refused_although_it_passes_the_checksum() {
        for d in 0..=9u8 {
            let s: String = std::iter::repeat_n(char::from(b'0' + d), 10).collect();
            let nine = [d; 9];
            assert_eq!(check_digit(&nine), Some(d), "checksum passes for {s}");
            assert_eq!(
                NhsNumber::parse(&s),
                Err(NhsNumberError::RepeatedDigit(s.clone()))
            );
        }
    }

    #[test]
    fn wrong_length_empty_and_other_characters_are_refused() {
        let cases: &[(&str, NhsNumberError)] = &[
            ("", NhsNumberError::Empty),
            ("   ", NhsNumberError::Empty),
            ("- -", NhsNumberError::Empty),
            ("944930555", NhsNumberError::WrongLength(9)),
            ("94493055521", NhsNumberError::WrongLength(11)),
            ("1", NhsNumberError::WrongLength(1)),
            ("944930555O", NhsNumberError::InvalidCharacter('O')),
            ("944.930.5552", NhsNumberError::InvalidCharacter('.')),
            ("+449305552", NhsNumberError::InvalidCharacter('+')),
            ("９449305552", NhsNumberError::InvalidCharacter('９')),
        ];
        for (input, want) in cases {
            assert_eq!(&NhsNumber::parse(input).unwrap_err(), want, "{input:?}");
        }
    }

    #[test]
    fn error_messages_are_single_sentences_naming_the_problem() {
        let msgs = [
            (NhsNumberError::Empty, "No NHS number"),
            (NhsNumberError::InvalidCharacter('x'), "`x`"),
            (NhsNumberError::WrongLength(9), "9 were entered"),
            (
                NhsNumberError::RepeatedDigit("1111111111".into()),
                "1111111111",
            ),
            (NhsNumberError::CheckDigitTen, "check digit of 10"),
            (
                NhsNumberError::WrongCheckDigit {
                    expected: 9,
                    found: 8,
                },
                "should be 9 but is 8",
            ),
        ];
        for (err, needle) in msgs {
            let m = err.to_string();
            assert!(m.contains(needle), "{m}");
            assert!(m.ends_with('.'), "{m}");
            assert!(m.chars().next().is_some_and(char::is_uppercase), "{m}");
            assert_eq!(m.matches(". ").count(), 0, "one sentence: {m}");
        }
    }

    #[test]
    fn serde_round_trips_as_the_ten_digits_and_refuses_bad_numbers() {
        let n = NhsNumber::parse("943 476 5919").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"9434765919\"");
        assert_eq!(serde_json::from_str::<NhsNumber>(&json).unwrap(), n);
        assert!(serde_json::from_str::<NhsNumber>("\"9434765918\"").is_err());
    }

    #[test]
    fn from_str_matches_parse() {
        assert_eq!(
            "9000000009".parse::<NhsNumber>(),
            NhsNumber::parse("9000000009")
        );
    }

    fn valid_number() -> impl Strategy<Value = String> {
        proptest::array::uniform9(0u8..10).prop_filter_map(
            "check digit 10 or repeated digit",
            |nine| {
                let c = check_digit(&nine)?;
                let mut all = nine.to_vec();
                all.push(c);
                if all.iter().all(|&d| d == all[0]) {
                    return None;
                }
                Some(all.iter().map(|d| char::from(b'0' + d)).collect())
            },
        )
    }

    proptest! {
        #[test]
        fn any_number_with_a_correct_check_digit_parses_and_displays_back(s in valid_number()) {
            let n = NhsNumber::parse(&s).unwrap();
            prop_assert_eq!(n.as_str(), s.as_str());
            let shown = n.to_string();
            prop_assert_eq!(shown.len(), 12);
            prop_assert_eq!(NhsNumber::parse(&shown).unwrap(), n);
        }

        #[test]
        fn any_single_mistyped_digit_is_caught(s in valid_number(), pos in 0usize..10, delta in 1u8..10) {
            let mut bytes = s.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(NhsNumber::parse(&typo).is_err(), "{} accepted", typo);
        }

        #[test]
        fn any_swap_of_two_adjacent_different_digits_is_caught(s in valid_number(), pos in 0usize..9) {
            let mut bytes = s.into_bytes();
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(NhsNumber::parse(&typo).is_err(), "{} accepted", typo);
        }

        #[test]
        fn parse_never_panics(s in ".{0,20}") {
            let _ = NhsNumber::parse(&s);
        }
    }
}
