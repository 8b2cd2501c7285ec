//! The detained person: name folding for search, age, juvenile status and date-of-birth checks.
//!
//! Sources: PACE 1984 s.37(15) and Code C 1.5 (a person who appears to be under 18 is treated as
//! a juvenile, and needs an appropriate adult: `reference/custody-practice.md`, "PACE clocks");
//! Family Law Reform Act 1969 s.9 (a person attains an age at the start of the anniversary of
//! their birth).

use chrono::{Datelike, Months, NaiveDate};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Under this age a person is a juvenile (PACE s.37(15); Code C 1.5).
pub const ADULT_AGE: u32 = 18;

/// A date of birth further back than this many years is refused as a probable typing error.
pub const MAX_AGE_YEARS: u32 = 120;

/// Folds a name for prefix and substring search: lower case, accents and other combining marks
/// removed, letters with no decomposition spelled out (`ß` → `ss`, `æ` → `ae`, `ø` → `o`…),
/// typographic apostrophes and hyphens made plain, whitespace trimmed and runs of it collapsed
/// to one space. `Ó'Brien` → `o'brien`, `Zoë` → `zoe`.
///
/// The same function must be applied to the stored name and to the query.
pub fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.nfd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '\u{0060}' | '\u{00b4}' => out.push('\''),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' => out.push('-'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' | 'ð' => out.push('d'),
            'þ' => out.push_str("th"),
            'ı' => out.push('i'),
            'ħ' => out.push('h'),
            other => out.push(other),
        }
    }
    out
}

/// Age in completed years on the date `on` (0 if `on` is before the birth). A person born on
/// 29 February reaches each new age on 1 March in a common year.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    if on <= dob {
        return 0;
    }
    let years = on.year() - dob.year();
    let before_birthday = (on.month(), on.day()) < (dob.month(), dob.day());
    let age = if before_birthday { years - 1 } else { years };
    u32::try_from(age).unwrap_or(0)
}

/// Whether a person with this date of birth is a juvenile (under 18) on `on`, and so needs an
/// appropriate adult (PACE s.37(15); Code C 1.5 and 3.15).
pub fn is_juvenile(dob: NaiveDate, on: NaiveDate) -> bool {
    age_on(dob, on) < ADULT_AGE
}

/// Why a date of birth was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DobError {
    #[error("The date of birth {} is after today, so it is probably mistyped.", .dob.format("%d %b %Y"))]
    InFuture { dob: NaiveDate },
    #[error("The date of birth {} is more than {MAX_AGE_YEARS} years ago, so the year is probably mistyped.", .dob.format("%d %b %Y"))]
    TooLongAgo { dob: NaiveDate },
}

/// Checks a date of birth against `today` (a London calendar date): it may be today but not
/// later, and not more than 120 years before today.
pub fn validate_date_of_birth(dob: NaiveDate, today: NaiveDate) -> Result<(), DobError> {
    if dob > today {
        return Err(DobError::InFuture { dob });
    }
    let earliest = today.checked_sub_months(Months::new(MAX_AGE_YEARS * 12));
    if earliest.is_some_and(|earliest| dob < earliest) {
        return Err(DobError::TooLongAgo { dob });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fold_name_table() {
        let cases = [
            ("Ó'Brien", "o'brien"),
            ("Zoë", "zoe"),
            ("O’Brien", "o'brien"),
            ("SMITH", "smith"),
            ("  Mary   Ann  ", "mary ann"),
            ("Jones‐Smith", "jones-smith"),
            ("Jones–Smith", "jones-smith"),
            ("Siân", "sian"),
            ("Dafydd ap Gwilym", "dafydd ap gwilym"),
            ("Ñúñez", "nunez"),
            ("François", "francois"),
            ("Łukasz Wałęsa", "lukasz walesa"),
            ("Søren Ærø", "soren aero"),
            ("Weiß", "weiss"),
            ("Ğökçe İnce", "gokce ince"),
            ("Đorđević", "dordevic"),
            ("Zoe\u{0308}", "zoe"),
            ("", ""),
            ("   ", ""),
        ];
        for (input, want) in cases {
            assert_eq!(fold_name(input), want, "{input:?}");
        }
    }

    #[test]
    fn composed_and_decomposed_forms_fold_the_same() {
        assert_eq!(fold_name("Zo\u{00eb}"), fold_name("Zoe\u{0308}"));
        assert_eq!(fold_name("\u{00d3}'Brien"), fold_name("O\u{0301}'Brien"));
    }

    #[test]
    fn a_typed_plain_prefix_finds_an_accented_name() {
        let stored = fold_name("Ó'Brien");
        assert!(stored.starts_with(&fold_name("o'b")));
        assert!(stored.starts_with(&fold_name("Ó’B")));
    }

    #[test]
    fn age_on_table() {
        let cases = [
            (d(2000, 6, 15), d(2026, 6, 14), 25),
            (d(2000, 6, 15), d(2026, 6, 15), 26),
            (d(2000, 6, 15), d(2026, 6, 16), 26),
            (d(2008, 2, 29), d(2026, 2, 28), 17),
            (d(2008, 2, 29), d(2026, 3, 1), 18),
            (d(2008, 2, 29), d(2028, 2, 29), 20),
            (d(2026, 1, 1), d(2026, 1, 1), 0),
            (d(2026, 1, 2), d(2026, 1, 1), 0),
            (d(1906, 1, 1), d(2026, 1, 1), 120),
            (d(2025, 12, 31), d(2026, 12, 30), 0),
            (d(2025, 12, 31), d(2026, 12, 31), 1),
        ];
        for (dob, on, want) in cases {
            assert_eq!(age_on(dob, on), want, "{dob} on {on}");
        }
    }

    #[test]
    fn juvenile_until_the_eighteenth_birthday() {
        let dob = d(2008, 3, 10);
        assert!(is_juvenile(dob, d(2026, 3, 9)));
        assert!(!is_juvenile(dob, d(2026, 3, 10)));
        assert!(is_juvenile(d(2015, 1, 1), d(2026, 1, 1)));
        assert!(!is_juvenile(d(1980, 1, 1), d(2026, 1, 1)));
        // Born 29 Feb: an adult on 1 March, not on 28 February.
        assert!(is_juvenile(d(2008, 2, 29), d(2026, 2, 28)));
        assert!(!is_juvenile(d(2008, 2, 29), d(2026, 3, 1)));
    }

    #[test]
    fn date_of_birth_validation() {
        let today = d(2026, 5, 1);
        assert_eq!(validate_date_of_birth(d(1990, 1, 1), today), Ok(()));
        assert_eq!(validate_date_of_birth(today, today), Ok(()));
        assert_eq!(validate_date_of_birth(d(1906, 5, 1), today), Ok(()));
        assert_eq!(
            validate_date_of_birth(d(2026, 5, 2), today),
            Err(DobError::InFuture { dob: d(2026, 5, 2) })
        );
        assert_eq!(
            validate_date_of_birth(d(1906, 4, 30), today),
            Err(DobError::TooLongAgo {
                dob: d(1906, 4, 30)
            })
        );
        // 29 February 2020: 1900 was not a leap year, so the limit is 28 February 1900.
        let leap = d(2020, 2, 29);
        assert_eq!(validate_date_of_birth(d(1900, 2, 28), leap), Ok(()));
        assert!(validate_date_of_birth(d(1900, 2, 27), leap).is_err());
    }

    #[test]
    fn dob_messages_name_the_date_in_words() {
        let m = DobError::InFuture {
            dob: d(2030, 3, 12),
        }
        .to_string();
        assert_eq!(
            m,
            "The date of birth 12 Mar 2030 is after today, so it is probably mistyped."
        );
        let m = DobError::TooLongAgo { dob: d(1900, 1, 1) }.to_string();
        assert_eq!(
            m,
            "The date of birth 01 Jan 1900 is more than 120 years ago, so the year is probably mistyped."
        );
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_trimmed_and_free_of_accents(s in "\\PC{0,30}") {
            let once = fold_name(&s);
            prop_assert_eq!(fold_name(&once), once.clone());
            prop_assert!(!once.chars().any(is_combining_mark));
            prop_assert!(!once.contains("  "));
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
        }

        #[test]
        fn age_grows_by_exactly_one_on_each_birthday(
            y in 1900i32..2026, m in 1u32..=12, day in 1u32..=28, years in 1u32..100
        ) {
            let dob = d(y, m, day);
            let birthday = d(y + years as i32, m, day);
            prop_assert_eq!(age_on(dob, birthday), years);
            prop_assert_eq!(age_on(dob, birthday.pred_opt().unwrap()), years - 1);
        }
    }
}
