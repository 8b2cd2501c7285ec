//! PNC ID: the Police National Computer identifier of a person.
//!
//! Source: `reference/custody-practice.md`, section "PNC ID". The canonical form is
//! `YYYY/NNNNNNNC`: a four-digit year, a slash, a seven-digit serial (shorter serials are
//! zero-padded) and a check letter. The check letter is
//! `ZABCDEFGHJKLMNPQRTUVWXY`[(two-digit year followed by the seven-digit serial, read as one
//! number) mod 23]; I, O and S are never used and Z stands for 0 (as implemented in the Ministry
//! of Justice's person-record service).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The check letters indexed by remainder mod 23 (I, O and S are never used).
pub const CHECK_LETTERS: &[u8; 23] = b"ZABCDEFGHJKLMNPQRTUVWXY";

/// The longest serial: seven digits.
pub const SERIAL_DIGITS: usize = 7;

/// A valid PNC ID in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PncId {
    year: i32,
    serial: u32,
    letter: char,
    canonical: String,
}

/// Why a typed PNC ID was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PncError {
    #[error("No PNC ID was entered.")]
    Empty,
    #[error(
        "A PNC ID may contain only digits, one slash and a final check letter, but it contains `{0}`."
    )]
    InvalidCharacter(char),
    #[error("A PNC ID ends with a check letter, but none was entered.")]
    MissingCheckLetter,
    #[error(
        "A PNC ID has one slash between the year and the serial, but more than one was entered."
    )]
    TooManySlashes,
    #[error("The year of a PNC ID has 2 or 4 digits, but {0} were entered.")]
    YearLength(usize),
    #[error(
        "A PNC ID needs a serial number between the year and the check letter, but none was entered."
    )]
    MissingSerial,
    #[error("The serial of a PNC ID has at most 7 digits, but {0} were entered.")]
    SerialTooLong(usize),
    #[error(
        "Without a slash a PNC ID needs 9 or 11 digits before the check letter (a 2- or 4-digit year and a 7-digit serial), but {0} were entered, so type it as YYYY/NNNNNNNC."
    )]
    AmbiguousWithoutSlash(usize),
    #[error("The PNC ID year {year} is after the current year {current_year}.")]
    YearInFuture { year: i32, current_year: i32 },
    #[error(
        "The check letter `{0}` is never used in a PNC ID (I, O and S are excluded), so it is probably mistyped."
    )]
    LetterNeverUsed(char),
    #[error(
        "The check letter should be {expected} but is {found}, so a digit or the letter has probably been mistyped."
    )]
    WrongCheckLetter { expected: char, found: char },
    #[error("A stored PNC ID must be in the form YYYY/NNNNNNNC, but `{0}` is not.")]
    NotCanonical(String),
}

/// The check letter for a year (only its last two digits count) and a serial.
pub fn check_letter(year: i32, serial: u32) -> char {
    let yy = u64::from(year.rem_euclid(100).unsigned_abs());
    let n = yy * 10u64.pow(SERIAL_DIGITS as u32) + u64::from(serial);
    // n % 23 < 23, so the index is always in range.
    char::from(CHECK_LETTERS[(n % 23) as usize])
}

/// The four-digit year for a two-digit year: the latest year ending in `yy` that is not after
/// `current_year` (so in 2026, `26` is 2026 and `27` is 1927).
pub fn expand_two_digit_year(yy: u32, current_year: i32) -> i32 {
    let yy = (yy % 100) as i32;
    let century = current_year.div_euclid(100) * 100;
    let candidate = century + yy;
    if candidate > current_year {
        candidate - 100
    } else {
        candidate
    }
}

fn digits_value(s: &str) -> u32 {
    s.bytes()
        .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
}

impl PncId {
    /// Parses a PNC ID as typed and normalises it to `YYYY/NNNNNNNC`.
    ///
    /// Accepted: spaces anywhere, a lower-case letter, no slash (then the year and serial must be
    /// 2+7 or 4+7 digits), a two-digit year (expanded so that it is not after `current_year`), and
    /// a serial shorter than seven digits when a slash is present (zero-padded). A four-digit
    /// year after `current_year` is refused.
    pub fn parse(input: &str, current_year: i32) -> Result<Self, PncError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let Some(last) = compact.chars().last() else {
            return Err(PncError::Empty);
        };
        if last.is_ascii_digit() || last == '/' {
            // Report a stray character before a missing letter: it is the first thing wrong.
            if let Some(bad) = compact.chars().find(|c| !c.is_ascii_digit() && *c != '/') {
                return Err(PncError::InvalidCharacter(bad));
            }
            return Err(PncError::MissingCheckLetter);
        }
        if !last.is_ascii_alphabetic() {
            return Err(PncError::InvalidCharacter(last));
        }
        let body = &compact[..compact.len() - 1];
        if let Some(bad) = body.chars().find(|c| !c.is_ascii_digit() && *c != '/') {
            return Err(PncError::InvalidCharacter(bad));
        }
        let (year_part, serial_part) = match body.split_once('/') {
            Some((y, s)) => {
                if s.contains('/') {
                    return Err(PncError::TooManySlashes);
                }
                if y.len() != 2 && y.len() != 4 {
                    return Err(PncError::YearLength(y.len()));
                }
                if s.is_empty() {
                    return Err(PncError::MissingSerial);
                }
                if s.len() > SERIAL_DIGITS {
                    return Err(PncError::SerialTooLong(s.len()));
                }
                (y, s)
            }
            None => match body.len() {
                9 => body.split_at(2),
                11 => body.split_at(4),
                0 => return Err(PncError::MissingSerial),
                n => return Err(PncError::AmbiguousWithoutSlash(n)),
            },
        };
        let year = if year_part.len() == 2 {
            expand_two_digit_year(digits_value(year_part), current_year)
        } else {
            let y = digits_value(year_part) as i32;
            if y > current_year {
                return Err(PncError::YearInFuture {
                    year: y,
                    current_year,
                });
            }
            y
        };
        Self::build(year, digits_value(serial_part), last)
    }

    /// Parses only the canonical form `YYYY/NNNNNNNC` with a correct check letter (for values
    /// read back from storage or a handover bundle, where no normalising should be needed).
    pub fn parse_canonical(s: &str) -> Result<Self, PncError> {
        let b = s.as_bytes();
        let shaped = b.len() == 13
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'/'
            && b[5..12].iter().all(u8::is_ascii_digit)
            && b[12].is_ascii_uppercase();
        if !shaped {
            return Err(PncError::NotCanonical(s.to_string()));
        }
        Self::build(
            digits_value(&s[..4]) as i32,
            digits_value(&s[5..12]),
            char::from(b[12]),
        )
    }

    fn build(year: i32, serial: u32, letter: char) -> Result<Self, PncError> {
        if matches!(letter, 'I' | 'O' | 'S') {
            return Err(PncError::LetterNeverUsed(letter));
        }
        let expected = check_letter(year, serial);
        if expected != letter {
            return Err(PncError::WrongCheckLetter {
                expected,
                found: letter,
            });
        }
        Ok(PncId {
            year,
            serial,
            letter,
            canonical: format!("{year:04}/{serial:07}{letter}"),
        })
    }

    /// The canonical form, e.g. `2008/0056560Z`.
    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// The four-digit year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The serial number (without zero padding).
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// The check letter.
    pub fn check_letter(&self) -> char {
        self.letter
    }
}

impl fmt::Display for PncId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

/// Strict: only the canonical form (see [`PncId::parse_canonical`]); use [`PncId::parse`] for
/// what a person types.
impl FromStr for PncId {
    type Err = PncError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PncId::parse_canonical(s)
    }
}

impl TryFrom<String> for PncId {
    type Error = PncError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PncId::parse_canonical(&s)
    }
}

impl From<PncId> for String {
    fn from(p: PncId) -> String {
        p.canonical
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i32 = 2026;
    const WORKED: [&str; 3] = ["2008/0056560Z", "1979/0163001B", "2023/1234567V"];

    #[test]
    fn reference_worked_examples_are_valid_and_canonical() {
        for s in WORKED {
            let p = PncId::parse(s, NOW).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.as_str(), s);
            assert_eq!(p.to_string(), s);
            assert_eq!(PncId::parse_canonical(s), Ok(p));
        }
        let p = PncId::parse("1979/0163001B", NOW).unwrap();
        assert_eq!(
            (p.year(), p.serial(), p.check_letter()),
            (1979, 163_001, 'B')
        );
    }

    #[test]
    fn typed_forms_are_normalised() {
        let cases = [
            ("2008/0056560Z", "2008/0056560Z"),
            ("20080056560Z", "2008/0056560Z"),
            ("2008/56560Z", "2008/0056560Z"),
            ("08/56560Z", "2008/0056560Z"),
            ("08/0056560z", "2008/0056560Z"),
            ("080056560Z", "2008/0056560Z"),
            (" 2008 / 0056560 z ", "2008/0056560Z"),
            ("79/163001B", "1979/0163001B"),
            ("790163001b", "1979/0163001B"),
            ("23/1234567V", "2023/1234567V"),
            ("231234567v", "2023/1234567V"),
        ];
        for (typed, canonical) in cases {
            assert_eq!(
                PncId::parse(typed, NOW).map(|p| p.as_str().to_string()),
                Ok(canonical.to_string()),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn two_digit_year_never_lands_in_the_future() {
        assert_eq!(expand_two_digit_year(26, 2026), 2026);
        assert_eq!(expand_two_digit_year(27, 2026), 1927);
        assert_eq!(expand_two_digit_year(0, 2026), 2000);
        assert_eq!(expand_two_digit_year(99, 2026), 1999);
        assert_eq!(expand_two_digit_year(99, 2099), 2099);
        assert_eq!(expand_two_digit_year(0, 1999), 1900);
        // The same typed ID reads as a different century depending on the current year.
        let letter = check_letter(30, 1);
        let typed = format!("30/1{letter}");
        assert_eq!(PncId::parse(&typed, 2026).unwrap().year(), 1930);
        assert_eq!(PncId::parse(&typed, 2030).unwrap().year(), 2030);
    }

    #[test]
    fn four_digit_future_year_is_refused() {
        let letter = check_letter(2027, 1);
        assert_eq!(
            PncId::parse(&format!("2027/0000001{letter}"), 2026),
            Err(PncError::YearInFuture {
                year: 2027,
                current_year: 2026
            })
        );
    }

    #[test]
    fn malformed_input_is_refused_with_the_specific_reason() {
        let cases: &[(&str, PncError)] = &[
            ("", PncError::Empty),
            ("  ", PncError::Empty),
            ("2008/0056560", PncError::MissingCheckLetter),
            ("2008/", PncError::MissingCheckLetter),
            ("2008-0056560Z", PncError::InvalidCharacter('-')),
            ("2008/0056560Z.", PncError::InvalidCharacter('.')),
            ("2008/005656O0", PncError::InvalidCharacter('O')),
            ("2008/0056/560Z", PncError::TooManySlashes),
            ("208/0056560Z", PncError::YearLength(3)),
            ("/0056560Z", PncError::YearLength(0)),
            ("2008/Z", PncError::MissingSerial),
            ("Z", PncError::MissingSerial),
            ("2008/00565601Z", PncError::SerialTooLong(8)),
            ("2008056560Z", PncError::AmbiguousWithoutSlash(10)),
            ("0856560Z", PncError::AmbiguousWithoutSlash(7)),
            ("2008/0056560O", PncError::LetterNeverUsed('O')),
            ("2008/0056560i", PncError::LetterNeverUsed('I')),
            ("2008/0056560S", PncError::LetterNeverUsed('S')),
            (
                "2008/0056560A",
                PncError::WrongCheckLetter {
                    expected: 'Z',
                    found: 'A',
                },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(&PncId::parse(input, NOW).unwrap_err(), want, "{input:?}");
        }
    }

    #[test]
    fn nine_digits_without_slash_read_as_two_digit_year_even_if_it_looks_like_a_long_year() {
        // "200856560Z" has 9 digits: year 20, serial 0856560.
        let letter = check_letter(20, 856_560);
        let p = PncId::parse(&format!("200856560{letter}"), NOW).unwrap();
        assert_eq!(p.as_str(), format!("2020/0856560{letter}"));
    }

    #[test]
    fn changing_any_digit_or_the_letter_of_a_worked_example_invalidates_it() {
        for s in WORKED {
            let bytes = s.as_bytes();
            for pos in (0..13).filter(|&i| i != 4) {
                let replacements: Vec<u8> = if pos == 12 {
                    (b'A'..=b'Z').filter(|&c| c != bytes[12]).collect()
                } else {
                    (b'0'..=b'9').filter(|&c| c != bytes[pos]).collect()
                };
                for r in replacements {
                    let mut changed = bytes.to_vec();
                    changed[pos] = r;
                    let changed = String::from_utf8(changed).unwrap();
                    // Positions 0 and 1 (the century) do not enter the check letter, so a
                    // changed century is caught only when it puts the year in the future.
                    let result = PncId::parse(&changed, NOW);
                    if pos < 2 {
                        let year: i32 = changed[..4].parse().unwrap();
                        assert_eq!(result.is_err(), year > NOW, "{changed}");
                    } else {
                        assert!(result.is_err(), "{changed} accepted");
                    }
                }
            }
        }
    }

    #[test]
    fn canonical_parse_is_strict() {
        for s in [
            "08/56560Z",
            "2008/0056560z",
            "20080056560Z",
            "2008/0056560Z ",
            "",
        ] {
            assert_eq!(
                PncId::parse_canonical(s),
                Err(PncError::NotCanonical(s.to_string())),
                "{s:?}"
            );
        }
        assert!("2008/0056560A".parse::<PncId>().is_err());
        assert!("2008/0056560Z".parse::<PncId>().is_ok());
    }

    #[test]
    fn serde_round_trips_as_the_canonical_string() {
        let p = PncId::parse("79/163001b", NOW).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"1979/0163001B\"");
        assert_eq!(serde_json::from_str::<PncId>(&json).unwrap(), p);
        assert!(serde_json::from_str::<PncId>("\"1979/0163001C\"").is_err());
    }

    #[test]
    fn error_messages_are_single_capitalised_sentences() {
        let errs = [
            PncError::Empty,
            PncError::InvalidCharacter('-'),
            PncError::MissingCheckLetter,
            PncError::TooManySlashes,
            PncError::YearLength(3),
            PncError::MissingSerial,
            PncError::SerialTooLong(8),
            PncError::AmbiguousWithoutSlash(10),
            PncError::YearInFuture {
                year: 2027,
                current_year: 2026,
            },
            PncError::LetterNeverUsed('O'),
            PncError::WrongCheckLetter {
                expected: 'Z',
                found: 'A',
            },
            PncError::NotCanonical("x".into()),
        ];
        for e in errs {
            let m = e.to_string();
            assert!(m.ends_with('.'), "{m}");
            assert!(m.chars().next().is_some_and(char::is_uppercase), "{m}");
            assert_eq!(m.matches(". ").count(), 0, "one sentence: {m}");
        }
    }

    proptest! {
        #[test]
        fn generated_ids_round_trip_through_every_typed_form(yy in 0u32..100, serial in 0u32..10_000_000) {
            let year = expand_two_digit_year(yy, NOW);
            let letter = check_letter(year, serial);
            let canonical = format!("{year:04}/{serial:07}{letter}");
            let p = PncId::parse(&canonical, NOW).unwrap();
            prop_assert_eq!(p.as_str(), canonical.as_str());
            let short = format!("{:02}/{}{}", yy, serial, letter.to_ascii_lowercase());
            prop_assert_eq!(PncId::parse(&short, NOW).unwrap(), p.clone());
            let no_slash = format!("{:02}{:07}{}", yy, serial, letter);
            prop_assert_eq!(PncId::parse(&no_slash, NOW).unwrap(), p);
        }

        #[test]
        fn a_wrong_letter_is_always_refused(yy in 0u32..100, serial in 0u32..10_000_000, idx in 1usize..23) {
            let year = expand_two_digit_year(yy, NOW);
            let right = check_letter(year, serial);
            let pos = CHECK_LETTERS.iter().position(|&c| char::from(c) == right).unwrap();
            let wrong = char::from(CHECK_LETTERS[(pos + idx) % 23]);
            let typed = format!("{year:04}/{serial:07}{wrong}");
            let refused = matches!(PncId::parse(&typed, NOW), Err(PncError::WrongCheckLetter { .. }));
            prop_assert!(refused);
        }

        #[test]
        fn parse_never_panics(s in ".{0,20}") {
            let _ = PncId::parse(&s, NOW);
        }
    }
}
