//! Booking-in, the pure part: reading a person search typed on one line, checking a new
//! person's details, and the custody number format.
//!
//! Sources: `reference/custody-practice.md` ("NHS number", "PNC ID"); PACE Code C 1.5 (under
//! 18: appropriate adult), via [`super::person`].

use chrono::NaiveDate;

use super::nhs_number::{NhsNumber, NhsNumberError};
use super::person::{DobError, fold_name, is_juvenile, validate_date_of_birth};
use super::pnc::{PncError, PncId};

/// What to search for. Every part given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonQuery {
    /// Folded surname prefix.
    pub surname: Option<String>,
    /// Folded forename prefix.
    pub forename: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub nhs_number: Option<String>,
    pub pnc_id: Option<String>,
}

impl PersonQuery {
    pub fn is_empty(&self) -> bool {
        *self == PersonQuery::default()
    }
}

/// A one-line search split into its parts: identifiers and a date recognised by shape, the
/// other words kept as typed, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Words {
    names: Vec<String>,
    date_of_birth: Option<NaiveDate>,
    nhs_number: Option<String>,
    pnc_id: Option<String>,
}

fn read_words(text: &str, current_year: i32) -> Words {
    let mut w = Words::default();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 10
        && compact.chars().all(|c| c.is_ascii_digit())
        && let Ok(n) = NhsNumber::parse(&compact)
    {
        w.nhs_number = Some(n.as_str().to_string());
        return w;
    }
    // "KHAN, Aaron" as the screens print a name: the comma only separates.
    for word in text.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() {
            continue;
        }
        if let Some(d) = parse_date(word) {
            w.date_of_birth = Some(d);
        } else if word.chars().any(|c| c.is_ascii_digit())
            && let Ok(p) = PncId::parse(word, current_year)
        {
            w.pnc_id = Some(p.as_str().to_string());
        } else if word.len() == 10
            && word.chars().all(|c| c.is_ascii_digit())
            && let Ok(n) = NhsNumber::parse(word)
        {
            w.nhs_number = Some(n.as_str().to_string());
        } else {
            w.names.push(word.to_string());
        }
    }
    w
}

/// Reads a search typed on one line: an NHS number (10 digits, spaces allowed when typed as
/// 3-3-4), a PNC id, a date of birth (`dd/mm/yyyy` or `yyyy-mm-dd`), then words: the first is
/// a surname prefix, the second a forename prefix. `smi jo 02/03/1990` finds John Smith born
/// 2 March 1990, and so does `SMITH, John` as the screens print a name. A word that looks like
/// an identifier but fails its check is read as a name, so a search never refuses.
pub fn parse_query(text: &str, current_year: i32) -> PersonQuery {
    let w = read_words(text, current_year);
    let mut names = w
        .names
        .iter()
        .map(|n| fold_name(n))
        .filter(|n| !n.is_empty());
    PersonQuery {
        surname: names.next(),
        forename: names.next(),
        date_of_birth: w.date_of_birth,
        nhs_number: w.nhs_number,
        pnc_id: w.pnc_id,
    }
}

/// A new person's details started from what was typed in the search, read once: the first
/// name word is the surname, the rest the forenames (as typed), and a date of birth, NHS
/// number or PNC id each go to their own field. `KHAN, Aaron 01/05/1987` gives surname `KHAN`,
/// forenames `Aaron` and that date.
pub fn prefill_from_search(text: &str, current_year: i32) -> PersonInput {
    let w = read_words(text, current_year);
    let mut names = w.names.into_iter();
    PersonInput {
        surname: names.next().unwrap_or_default(),
        forenames: names.collect::<Vec<_>>().join(" "),
        date_of_birth: w
            .date_of_birth
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        sex: String::new(),
        nhs_number: w.nhs_number.unwrap_or_default(),
        pnc_id: w.pnc_id.unwrap_or_default(),
    }
}

/// A date as typed: `dd/mm/yyyy`, `d/m/yyyy` or `yyyy-mm-dd`.
pub fn parse_date(word: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(word, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(word, "%Y-%m-%d"))
        .ok()
        .filter(|_| word.len() >= 8)
}

/// Whether a line of what is already known mentions an allergy (allergy, allergic,
/// anaphylaxis, "EpiPen").
pub fn mentions_allergy(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["allerg", "anaphyla", "epipen", "adrenaline auto-injector"]
        .iter()
        .any(|w| lower.contains(w))
}

/// Whether a line of the "already known" banner goes to its top: it mentions an allergy, or a
/// medicine that is time-critical by [`super::medication::time_critical_reason`] (the NHS
/// Specialist Pharmacy Service list: anti-epileptics, Parkinson's medicines, insulin, opioid
/// substitution...). A missed dose or a wrong drug given is what harms soonest.
pub fn banner_first(text: &str) -> bool {
    mentions_allergy(text) || super::medication::time_critical_reason(text).is_some()
}

/// A new person's details as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonInput {
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: String,
    pub sex: String,
    pub nhs_number: String,
    pub pnc_id: String,
}

/// A new person's details, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPerson {
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<String>,
    pub nhs_number: Option<NhsNumber>,
    pub pnc_id: Option<PncId>,
}

/// Why a new person's details were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("A surname is needed; type \"unknown\" if the person will not give one.")]
    NoSurname,
    #[error("The date of birth `{0}` is not a date: type it as dd/mm/yyyy.")]
    BadDate(String),
    #[error("{0}")]
    Dob(#[from] DobError),
    #[error("{0}")]
    Nhs(#[from] NhsNumberError),
    #[error("{0}")]
    Pnc(#[from] PncError),
    #[error("The sex `{0}` is not one of male, female, other or unknown.")]
    BadSex(String),
}

/// Checks a new person's details: a surname; the date of birth, if given, a real date, not in
/// the future and not implausibly old; the NHS number, if given, passing Modulus 11 and not
/// one digit repeated; the PNC id, if given, normalised and its check letter right.
pub fn validate_person(input: &PersonInput, today: NaiveDate) -> Result<ValidPerson, PersonError> {
    let surname = input.surname.trim();
    if surname.is_empty() {
        return Err(PersonError::NoSurname);
    }
    let date_of_birth = match input.date_of_birth.trim() {
        "" => None,
        t => {
            let d = parse_date(t).ok_or_else(|| PersonError::BadDate(t.to_string()))?;
            validate_date_of_birth(d, today)?;
            Some(d)
        }
    };
    let nhs_number = match input.nhs_number.trim() {
        "" => None,
        t => Some(NhsNumber::parse(t)?),
    };
    let pnc_id = match input.pnc_id.trim() {
        "" => None,
        t => Some(PncId::parse(t, chrono::Datelike::year(&today))?),
    };
    let sex = match input.sex.trim().to_ascii_lowercase().as_str() {
        "" => None,
        "m" | "male" => Some("male".to_string()),
        "f" | "female" => Some("female".to_string()),
        "o" | "other" => Some("other".to_string()),
        "u" | "unknown" => Some("unknown".to_string()),
        other => return Err(PersonError::BadSex(other.to_string())),
    };
    Ok(ValidPerson {
        surname: surname.to_string(),
        forenames: input.forenames.trim().to_string(),
        date_of_birth,
        sex,
        nhs_number,
        pnc_id,
    })
}

/// Whether booking this person on `today` needs the appropriate-adult flag: a known date of
/// birth under 18 (PACE Code C 1.5).
pub fn needs_appropriate_adult(dob: Option<NaiveDate>, today: NaiveDate) -> bool {
    dob.is_some_and(|d| is_juvenile(d, today))
}

/// The default custody number format: suite prefix, two-digit year, six-digit serial.
pub const DEFAULT_CUSTODY_FORMAT: &str = "NG-{yy}-{serial:6}";

/// A custody number from a format with `{yyyy}`, `{yy}` and `{serial}` or `{serial:N}`
/// (zero-padded to N digits). Other text is kept as it is.
pub fn custody_number(format: &str, year: i32, serial: u32) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let field = &after[..end];
        match field {
            "yyyy" => out.push_str(&format!("{year:04}")),
            "yy" => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            "serial" => out.push_str(&serial.to_string()),
            f => match f
                .strip_prefix("serial:")
                .and_then(|w| w.parse::<usize>().ok())
            {
                Some(width) => out.push_str(&format!("{serial:0width$}")),
                None => {
                    out.push('{');
                    out.push_str(f);
                    out.push('}');
                }
            },
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn one_line_searches_are_read_by_shape() {
        assert_eq!(
            parse_query("  Smí  JO 02/03/1990 ", 2026),
            PersonQuery {
                surname: Some("smi".into()),
                forename: Some("jo".into()),
                date_of_birth: Some(d(1990, 3, 2)),
                ..Default::default()
            }
        );
        assert_eq!(
            parse_query("944 930 5552", 2026).nhs_number.as_deref(),
            Some("9449305552")
        );
        assert_eq!(
            parse_query("08/56560z", 2026).pnc_id.as_deref(),
            Some("2008/0056560Z")
        );
        assert_eq!(
            parse_query("1990-03-02", 2026).date_of_birth,
            Some(d(1990, 3, 2))
        );
        // As the screens print a name.
        for text in ["KHAN, Aaron", "khan,aaron", "KHAN , Aaron"] {
            let q = parse_query(text, 2026);
            assert_eq!(q.surname.as_deref(), Some("khan"), "{text}");
            assert_eq!(q.forename.as_deref(), Some("aaron"), "{text}");
        }
        // A number failing its check is not taken for an identifier.
        assert_eq!(parse_query("9434765918", 2026).nhs_number, None);
        assert!(parse_query("   ", 2026).is_empty());
    }

    #[test]
    fn allergies_and_time_critical_medicines_go_first() {
        assert!(banner_first("Penicillin allergy: rash and facial swelling"));
        assert!(banner_first("Anaphylaxis to peanuts"));
        assert!(banner_first("Levetiracetam 500 mg twice daily"));
        assert!(banner_first(
            "Methadone 1 mg/ml oral solution 60 ml once daily"
        ));
        assert!(!banner_first(
            "Level 2, visited and roused every 30 minutes"
        ));
        assert!(!banner_first("Paracetamol 1 g as needed"));
    }

    #[test]
    fn a_search_prefills_a_new_person_once() {
        let p = prefill_from_search("KHAN, Aaron 01/05/1987", 2026);
        assert_eq!(p.surname, "KHAN");
        assert_eq!(p.forenames, "Aaron");
        assert_eq!(p.date_of_birth, "01/05/1987");
        let p = prefill_from_search("KHAN", 2026);
        assert_eq!((p.surname.as_str(), p.forenames.as_str()), ("KHAN", ""));
        let p = prefill_from_search("Cruz Maria José 1990-03-02", 2026);
        assert_eq!(p.surname, "Cruz");
        assert_eq!(p.forenames, "Maria José");
        assert_eq!(p.date_of_birth, "02/03/1990");
        let p = prefill_from_search("944 930 5552", 2026);
        assert_eq!(p.nhs_number, "9449305552");
        assert_eq!(p.surname, "");
    }

    #[test]
    fn new_people_are_checked_and_normalised() {
        let today = d(2026, 11, 23);
        let ok = validate_person(
            &PersonInput {
                surname: " Ó'Brien ".into(),
                forenames: "Siobhán".into(),
                date_of_birth: "14/02/2010".into(),
                sex: "f".into(),
                nhs_number: "943 476 5919".into(),
                pnc_id: "79/163001b".into(),
            },
            today,
        )
        .unwrap();
        assert_eq!(ok.surname, "Ó'Brien");
        assert_eq!(ok.nhs_number.unwrap().as_str(), "9434765919");
        assert_eq!(ok.pnc_id.unwrap().as_str(), "1979/0163001B");
        assert_eq!(ok.sex.as_deref(), Some("female"));
        assert!(needs_appropriate_adult(ok.date_of_birth, today));
        assert!(!needs_appropriate_adult(Some(d(2008, 11, 23)), today));
        assert!(needs_appropriate_adult(Some(d(2008, 11, 24)), today));
        assert!(!needs_appropriate_adult(None, today));

        let base = PersonInput {
            surname: "Smith".into(),
            ..Default::default()
        };
        let refuse = |f: &dyn Fn(&mut PersonInput)| {
            let mut i = base.clone();
            f(&mut i);
            validate_person(&i, today).unwrap_err().to_string()
        };
        assert_eq!(
            refuse(&|i| i.surname = " ".into()),
            "A surname is needed; type \"unknown\" if the person will not give one."
        );
        assert_eq!(
            refuse(&|i| i.nhs_number = "1234567890".into()),
            "This is not an NHS number: its first nine digits give a check digit of 10, which is never issued."
        );
        assert_eq!(
            refuse(&|i| i.nhs_number = "0000000000".into()),
            "An NHS number cannot be one digit repeated ten times, as 0000000000 is."
        );
        assert!(refuse(&|i| i.nhs_number = "9434765918".into()).contains("should be 9"));
        assert!(refuse(&|i| i.pnc_id = "2008/0056560A".into()).contains("should be Z"));
        assert_eq!(
            refuse(&|i| i.date_of_birth = "31/02/1990".into()),
            "The date of birth `31/02/1990` is not a date: type it as dd/mm/yyyy."
        );
        assert!(refuse(&|i| i.date_of_birth = "01/01/2027".into()).contains("after today"));
        assert!(refuse(&|i| i.date_of_birth = "01/01/1880".into()).contains("120 years"));
        assert_eq!(
            refuse(&|i| i.sex = "x".into()),
            "The sex `x` is not one of male, female, other or unknown."
        );
    }

    #[test]
    fn custody_numbers_follow_the_format() {
        assert_eq!(
            custody_number(DEFAULT_CUSTODY_FORMAT, 2026, 42),
            "NG-26-000042"
        );
        assert_eq!(custody_number("{yyyy}/{serial}/X", 2026, 7), "2026/7/X");
        assert_eq!(custody_number("A{bad}{serial:3}", 2026, 7), "A{bad}007");
        assert_eq!(custody_number("open{", 2026, 7), "open{");
    }
}
