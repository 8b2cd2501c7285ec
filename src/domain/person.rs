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

/// Who a person is, as far as telling two records apart goes: what a duplicate check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    pub surname: &'a str,
    pub forenames: &'a str,
    pub date_of_birth: Option<NaiveDate>,
    pub nhs_number: Option<&'a str>,
    pub pnc_id: Option<&'a str>,
}

/// Why an existing person may be the one about to be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum DuplicateReason {
    /// The same NHS number: always the same person.
    SameNhsNumber,
    /// The same PNC id: always the same person.
    SamePncId,
    /// The same date of birth and a name alike (spelling variants included).
    NameAndDateOfBirth,
    /// A name alike and the date of birth with day and month swapped (03/04 for 04/03).
    NameAndSwappedDateOfBirth,
    /// A name alike, and one of the two has no date of birth recorded.
    NameWithoutDateOfBirth,
}

impl DuplicateReason {
    /// A few words for the candidates list.
    pub fn label(self) -> &'static str {
        match self {
            DuplicateReason::SameNhsNumber => "same NHS number",
            DuplicateReason::SamePncId => "same PNC id",
            DuplicateReason::NameAndDateOfBirth => "name alike, same date of birth",
            DuplicateReason::NameAndSwappedDateOfBirth => "name alike, day and month swapped",
            DuplicateReason::NameWithoutDateOfBirth => "name alike, no date of birth to compare",
        }
    }
}

/// An existing person who may be the one about to be created.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DuplicateMatch {
    /// Strongest first.
    pub reasons: Vec<DuplicateReason>,
    /// 0 to 100: how alike, for ordering the candidates (an identifier match is 100).
    pub score: u32,
}

/// How alike two surnames must be (Jaro-Winkler, 0 to 1) to count as spelling variants.
pub const SURNAME_ALIKE: f64 = 0.85;
/// How alike two first forenames must be.
pub const FORENAME_ALIKE: f64 = 0.80;

/// Letters only, folded: `O'Brien` and `OBrien`, `Jones-Smith` and `Jones Smith` compare equal.
fn letters(name: &str) -> String {
    fold_name(name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The consonant outline of a folded word: the first letter kept, then vowels and `h`, `w`,
/// `y` dropped and doubled letters made single. `Mohammed` and `Muhammad` both give `mmd`,
/// `Khan` and `Kahn` both `kn`. A coarse sound-alike key, used only together with a date of
/// birth (or an identifier), never on its own.
fn outline(word: &str) -> String {
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        let keep = i == 0 || !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'h' | 'w' | 'y');
        if keep && !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// How alike two single names are, 0 to 1. Spelling variants are scored with Jaro-Winkler
/// similarity from the `strsim` crate: it rewards a shared beginning (typing and hearing
/// errors are rarer in the first letters), which suits short personal names better than a
/// plain edit distance. `strsim` is the rapidfuzz project's maintained crate, has no
/// dependencies and was already in the build through clap; a hand-made phonetic code would be
/// tuned for English only, and the consonant outline above covers the vowel variants
/// (Mohammed/Muhammad) that Jaro-Winkler scores low.
pub fn word_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (letters(a), letters(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let jw = strsim::jaro_winkler(&a, &b);
    let sound = if a.chars().count() >= 3 && b.chars().count() >= 3 && outline(&a) == outline(&b) {
        0.9
    } else {
        0.0
    };
    jw.max(sound)
}

/// How alike two surnames are: as single words, or one a part of the other's double-barrelled
/// name (`Smith` and `Jones-Smith`).
fn surname_similarity(a: &str, b: &str) -> f64 {
    let whole = word_similarity(a, b);
    let parts = |s: &str| -> Vec<String> {
        fold_name(s)
            .split(['-', ' '])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    let barrel = if pa.len() > 1 || pb.len() > 1 {
        let mut best: f64 = 0.0;
        for x in &pa {
            for y in &pb {
                best = best.max(word_similarity(x, y));
            }
        }
        best * 0.95
    } else {
        0.0
    };
    whole.max(barrel)
}

/// How alike two forenames are, on the first forename: an initial matches a name starting with
/// it; an unknown forename is neither alike nor unlike (0.8).
fn forename_similarity(a: &str, b: &str) -> f64 {
    let first = |s: &str| {
        fold_name(s)
            .split(' ')
            .next()
            .map(letters)
            .unwrap_or_default()
    };
    let (a, b) = (first(a), first(b));
    if a.is_empty() || b.is_empty() {
        return FORENAME_ALIKE;
    }
    let initial = |x: &str, y: &str| x.chars().count() == 1 && y.starts_with(x);
    if initial(&a, &b) || initial(&b, &a) {
        return 0.9;
    }
    word_similarity(&a, &b)
}

/// Whether two people's names are alike enough to be the same person, and how alike (0 to 1).
/// Surname and first forename are each compared with [`word_similarity`]; names typed the
/// other way round (forename in the surname field) also count.
pub fn names_alike(
    a_surname: &str,
    a_forenames: &str,
    b_surname: &str,
    b_forenames: &str,
) -> Option<f64> {
    let s = surname_similarity(a_surname, b_surname);
    let f = forename_similarity(a_forenames, b_forenames);
    if s >= SURNAME_ALIKE && f >= FORENAME_ALIKE {
        return Some(0.6 * s + 0.4 * f);
    }
    let swapped_s = word_similarity(a_surname, b_forenames);
    let swapped_f = forename_similarity(a_forenames, b_surname);
    if swapped_s >= 0.9 && swapped_f >= 0.9 {
        return Some(0.9 * (0.6 * swapped_s + 0.4 * swapped_f));
    }
    None
}

/// The date with day and month swapped, if that is another real date (`04/03` for `03/04`).
pub fn swapped_day_and_month(d: NaiveDate) -> Option<NaiveDate> {
    if d.day() == d.month() {
        return None;
    }
    NaiveDate::from_ymd_opt(d.year(), d.day(), d.month())
}

/// Whether `existing` may be the person `new` describes, and why. The same NHS number or PNC
/// id always matches. Otherwise the names must be alike and the dates of birth equal, swapped
/// day for month, or one of them unknown. Two different NHS numbers are two people (each passed
/// its check digit), so a name match alone does not override them.
pub fn duplicate_match(new: &Identity<'_>, existing: &Identity<'_>) -> Option<DuplicateMatch> {
    let same = |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(a), Some(b)) if a == b);
    let mut reasons = Vec::new();
    if same(new.nhs_number, existing.nhs_number) {
        reasons.push(DuplicateReason::SameNhsNumber);
    }
    if same(new.pnc_id, existing.pnc_id) {
        reasons.push(DuplicateReason::SamePncId);
    }
    let different_nhs = matches!(
        (new.nhs_number, existing.nhs_number),
        (Some(a), Some(b)) if a != b
    );
    let mut score = if reasons.is_empty() { 0 } else { 100 };
    if !different_nhs
        && let Some(alike) = names_alike(
            new.surname,
            new.forenames,
            existing.surname,
            existing.forenames,
        )
    {
        let by_date = match (new.date_of_birth, existing.date_of_birth) {
            (Some(a), Some(b)) if a == b => Some((DuplicateReason::NameAndDateOfBirth, 1.0)),
            (Some(a), Some(b)) if swapped_day_and_month(a) == Some(b) && alike >= 0.9 => {
                Some((DuplicateReason::NameAndSwappedDateOfBirth, 0.8))
            }
            (None, _) | (_, None) if alike >= 0.9 => {
                Some((DuplicateReason::NameWithoutDateOfBirth, 0.7))
            }
            _ => None,
        };
        if let Some((reason, weight)) = by_date {
            reasons.push(reason);
            // Rounded percentage of a value in 0..=1, so the cast cannot overflow.
            let s = (alike * weight * 99.0).round().clamp(0.0, 99.0) as u32;
            score = score.max(s);
        }
    }
    if reasons.is_empty() {
        None
    } else {
        Some(DuplicateMatch { reasons, score })
    }
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

    fn id<'a>(surname: &'a str, forenames: &'a str, dob: Option<NaiveDate>) -> Identity<'a> {
        Identity {
            surname,
            forenames,
            date_of_birth: dob,
            nhs_number: None,
            pnc_id: None,
        }
    }

    #[test]
    fn spelling_variants_are_alike() {
        for (a, b) in [
            (("KHAN", "Aaron"), ("Khan", "Aaron")),
            (("Kahn", "Aaron"), ("KHAN", "Aaron")),
            (("Khan", "Aron"), ("Khan", "Aaron")),
            (("Smyth", "John"), ("Smith", "John")),
            (("O'Brien", "Sean"), ("OBrien", "Seán")),
            (("Mohammed", "Ali"), ("Muhammad", "Ali")),
            (("Ali", "Muhammad"), ("Ali", "Mohammed")),
            (("Jones-Smith", "Kim"), ("Smith", "Kim")),
            (("Khan", "A"), ("Khan", "Aaron")),
            (("Khan", ""), ("Khan", "Aaron")),
            // Typed the other way round.
            (("Aaron", "Khan"), ("Khan", "Aaron")),
        ] {
            assert!(names_alike(a.0, a.1, b.0, b.1).is_some(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn different_names_are_not_alike() {
        for (a, b) in [
            (("Khan", "Aaron"), ("Jones", "Aaron")),
            (("Khan", "Aaron"), ("Khan", "Mark")),
            (("Smith", "John"), ("Taylor", "Joan")),
            (("Patel", "Ravi"), ("Powell", "Ravi")),
        ] {
            assert!(names_alike(a.0, a.1, b.0, b.1).is_none(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn duplicates_by_identifier_name_and_date() {
        let dob = Some(d(1987, 5, 1));
        let new = id("KHAN", "Aaron", dob);
        let m = duplicate_match(&new, &id("Kahn", "Aaron", dob)).unwrap();
        assert_eq!(m.reasons, vec![DuplicateReason::NameAndDateOfBirth]);
        assert!(m.score > 80, "{}", m.score);
        // Same name, another date of birth: another person.
        assert_eq!(
            duplicate_match(&new, &id("Khan", "Aaron", Some(d(1987, 5, 2)))),
            None
        );
        // Day and month swapped.
        let m = duplicate_match(&new, &id("Khan", "Aaron", Some(d(1987, 1, 5)))).unwrap();
        assert_eq!(m.reasons, vec![DuplicateReason::NameAndSwappedDateOfBirth]);
        // One date unknown.
        let m = duplicate_match(&new, &id("Khan", "Aaron", None)).unwrap();
        assert_eq!(m.reasons, vec![DuplicateReason::NameWithoutDateOfBirth]);
        // An identifier matches whatever the name.
        let mut other = id("Jones", "Mark", Some(d(1990, 1, 1)));
        other.nhs_number = Some("9449305552");
        let mut with_nhs = new;
        with_nhs.nhs_number = Some("9449305552");
        let m = duplicate_match(&with_nhs, &other).unwrap();
        assert_eq!(m.reasons, vec![DuplicateReason::SameNhsNumber]);
        assert_eq!(m.score, 100);
        other.nhs_number = None;
        other.pnc_id = Some("2023/1234567V");
        with_nhs.pnc_id = Some("2023/1234567V");
        assert_eq!(
            duplicate_match(&with_nhs, &other).unwrap().reasons,
            vec![DuplicateReason::SamePncId]
        );
        // Two different NHS numbers are two people, whatever the name.
        let mut a = new;
        a.nhs_number = Some("9449305552");
        let mut b = id("Khan", "Aaron", dob);
        b.nhs_number = Some("9434765919");
        assert_eq!(duplicate_match(&a, &b), None);
    }

    #[test]
    fn swapped_dates() {
        assert_eq!(swapped_day_and_month(d(1987, 5, 1)), Some(d(1987, 1, 5)));
        assert_eq!(swapped_day_and_month(d(1987, 5, 5)), None);
        assert_eq!(swapped_day_and_month(d(1987, 5, 13)), None);
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
