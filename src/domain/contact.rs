//! Contact details for referrals that must reach community services: an audit found half of
//! prison referrals never arrived and contact details were often unclear
//! (`reference/custody-practice.md`, continuity of care). Validated here, said plainly when
//! wrong.

use std::fmt;

/// A UK phone number, normalised to its national form (`07700 900123`, `020 7946 0018`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkPhone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("the phone number has `{0}` in it: use digits, spaces and an optional +44")]
    BadCharacter(char),
    #[error("a UK phone number has 10 digits after the leading 0 (or after +44); this has {0}")]
    WrongLength(usize),
    #[error("a UK phone number starts with 01, 02, 03, 05, 07, 08 or 09 (or +44 without the 0)")]
    BadPrefix,
}

impl UkPhone {
    /// Accepts `07700 900123`, `+44 7700 900123`, `(020) 7946-0018` and the like.
    pub fn parse(input: &str) -> Result<UkPhone, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::new();
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' => {}
                '+' if i == 0 => {}
                other => return Err(PhoneError::BadCharacter(other)),
            }
        }
        let national = if trimmed.starts_with('+') {
            match digits.strip_prefix("44") {
                Some(rest) => format!("0{}", rest.strip_prefix('0').unwrap_or(rest)),
                None => return Err(PhoneError::BadPrefix),
            }
        } else if let Some(rest) = digits.strip_prefix("0044") {
            format!("0{rest}")
        } else {
            digits
        };
        if !national.starts_with('0') {
            return Err(PhoneError::BadPrefix);
        }
        if national.len() != 11 {
            return Err(PhoneError::WrongLength(national.len().saturating_sub(1)));
        }
        if !matches!(&national[1..2], "1" | "2" | "3" | "5" | "7" | "8" | "9") {
            return Err(PhoneError::BadPrefix);
        }
        Ok(UkPhone(national))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UkPhone {
    /// Mobile and non-geographic numbers as `07700 900123`; London-style `02x` as `020 7946 0018`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.0;
        if n.starts_with("02") {
            write!(f, "{} {} {}", &n[..3], &n[3..7], &n[7..])
        } else {
            write!(f, "{} {}", &n[..5], &n[5..])
        }
    }
}

/// A UK postcode in its canonical form (`SW1A 1AA`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a UK postcode: it should look like SW1A 1AA, M1 1AE or B33 8TH")]
pub struct PostcodeError(pub String);

impl Postcode {
    /// Checks the published format: an outward code (area letters, district digits and an
    /// optional letter) and an inward code (digit and two letters, never C, I, K, M, O or V).
    pub fn parse(input: &str) -> Result<Postcode, PostcodeError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let bad = || PostcodeError(input.trim().to_string());
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(bad());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok = {
            let b = inward.as_bytes();
            b[0].is_ascii_digit()
                && b[1..]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() && !b"CIKMOV".contains(c))
        };
        let o = outward.as_bytes();
        let outward_ok = match o.len() {
            2 => o[0].is_ascii_uppercase() && o[1].is_ascii_digit(),
            3 => {
                o[0].is_ascii_uppercase()
                    && ((o[1].is_ascii_digit()
                        && (o[2].is_ascii_digit() || o[2].is_ascii_uppercase()))
                        || (o[1].is_ascii_uppercase() && o[2].is_ascii_digit()))
            }
            4 => {
                o[0].is_ascii_uppercase()
                    && o[1].is_ascii_uppercase()
                    && o[2].is_ascii_digit()
                    && (o[3].is_ascii_digit() || o[3].is_ascii_uppercase())
            }
            _ => false,
        };
        if outward_ok && inward_ok {
            Ok(Postcode(format!("{outward} {inward}")))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_normalise() {
        for (input, national, shown) in [
            ("07700 900123", "07700900123", "07700 900123"),
            ("+44 7700 900123", "07700900123", "07700 900123"),
            ("+44 (0)7700 900123", "07700900123", "07700 900123"),
            ("0044 20 7946 0018", "02079460018", "020 7946 0018"),
            ("(020) 7946-0018", "02079460018", "020 7946 0018"),
            ("0161 496 0000", "01614960000", "01614 960000"),
        ] {
            let p = UkPhone::parse(input).unwrap();
            assert_eq!(p.as_str(), national, "{input}");
            assert_eq!(p.to_string(), shown, "{input}");
        }
    }

    #[test]
    fn bad_phone_numbers_say_why() {
        assert_eq!(UkPhone::parse("  ").unwrap_err(), PhoneError::Empty);
        assert_eq!(
            UkPhone::parse("07700 90012").unwrap_err().to_string(),
            "a UK phone number has 10 digits after the leading 0 (or after +44); this has 9"
        );
        assert_eq!(
            UkPhone::parse("0770x 900123").unwrap_err(),
            PhoneError::BadCharacter('x')
        );
        assert_eq!(
            UkPhone::parse("+1 202 555 0100").unwrap_err(),
            PhoneError::BadPrefix
        );
        assert_eq!(
            UkPhone::parse("04700 900123").unwrap_err(),
            PhoneError::BadPrefix
        );
        assert_eq!(
            UkPhone::parse("7700900123").unwrap_err(),
            PhoneError::BadPrefix
        );
    }

    #[test]
    fn postcodes_in_every_published_shape() {
        for (input, canonical) in [
            ("m1 1ae", "M1 1AE"),
            ("M60 1NW", "M60 1NW"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 1HQ", "W1A 1HQ"),
            ("EC1A1BB", "EC1A 1BB"),
            ("sw1a 1aa", "SW1A 1AA"),
        ] {
            assert_eq!(
                Postcode::parse(input).unwrap().as_str(),
                canonical,
                "{input}"
            );
        }
    }

    #[test]
    fn bad_postcodes_are_refused_with_an_example() {
        for input in [
            "", "SW1A", "12345", "SW1A 1AC", "SWA1 1AA", "SW1A 11A", "ZZZZ ZZZ",
        ] {
            let err = Postcode::parse(input).unwrap_err();
            assert!(err.to_string().contains("is not a UK postcode"), "{input}");
        }
    }
}
