//! "Known from": what an earlier detention here, or another organisation's handover, said
//! about the person, shown on the booking-in banner, the record and the board (`KNOWN SH!
//! WD!`) until an HCP or sergeant in this detention reconfirms it or sets it aside with a
//! reason (DESIGN.md, "Handover bundle": imported information appears as known from previous
//! custody until reconfirmed).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Origin;
use crate::domain::flag::Severity;

/// What a known item is, as stored in a review row (`flag:12`, `entry:7`, `note:3`,
/// `emergency:5`, `plan:9`). The ids are the rows in this suite's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum KnownSubject {
    Flag(i64),
    Entry(i64),
    /// A note kept from an imported bundle (medication, plan, episode…).
    Note(i64),
    /// An emergency (failed rousing, NEWS2 7+) in an earlier detention here.
    Emergency(i64),
    /// The last care plan of an earlier detention here.
    Plan(i64),
}

impl fmt::Display for KnownSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (k, id) = match self {
            KnownSubject::Flag(id) => ("flag", id),
            KnownSubject::Entry(id) => ("entry", id),
            KnownSubject::Note(id) => ("note", id),
            KnownSubject::Emergency(id) => ("emergency", id),
            KnownSubject::Plan(id) => ("plan", id),
        };
        write!(f, "{k}:{id}")
    }
}

impl FromStr for KnownSubject {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` does not name a known item (e.g. flag:12)");
        let (k, id) = s.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        Ok(match k {
            "flag" => KnownSubject::Flag(id),
            "entry" => KnownSubject::Entry(id),
            "note" => KnownSubject::Note(id),
            "emergency" => KnownSubject::Emergency(id),
            "plan" => KnownSubject::Plan(id),
            _ => return Err(bad()),
        })
    }
}

impl TryFrom<String> for KnownSubject {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<KnownSubject> for String {
    fn from(k: KnownSubject) -> String {
        k.to_string()
    }
}

/// What kind of thing is known, for ordering and the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum KnownWhat {
    /// A risk flag (code and severity).
    Flag { code: String, severity: Severity },
    /// An allergy (risk to life: listed first).
    Allergy,
    /// A medicine; time-critical ones are listed with allergies.
    Medicine { time_critical: bool },
    /// Anything else: condition, plan, emergency, substance use…
    Other,
}

/// One item known from elsewhere and awaiting review in this detention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownItem {
    pub subject: KnownSubject,
    pub what: KnownWhat,
    /// One line: "SH! Self-harm within the last year", "Allergy: penicillin (anaphylaxis)".
    pub summary: String,
    pub origin: Origin,
}

impl KnownItem {
    /// Banner order: allergies and time-critical medicines first, then alerts and warnings,
    /// then the rest (a time-critical anti-epileptic must never sit below the fold).
    pub fn rank(&self) -> u8 {
        match &self.what {
            KnownWhat::Allergy => 0,
            KnownWhat::Medicine {
                time_critical: true,
            } => 1,
            KnownWhat::Flag {
                severity: Severity::Alert,
                ..
            } => 2,
            KnownWhat::Flag {
                severity: Severity::Warning,
                ..
            } => 3,
            KnownWhat::Medicine { .. } => 4,
            KnownWhat::Flag { .. } => 5,
            KnownWhat::Other => 6,
        }
    }

    /// "known from HMP Leeds, 03/02/2025".
    pub fn from_line(&self) -> String {
        format!("known from {}", self.origin.describe())
    }
}

/// Sorts known items for the banner and the record (stable within a rank).
pub fn sort_for_banner(items: &mut [KnownItem]) {
    items.sort_by_key(KnownItem::rank);
}

/// The known flags among `items`, as (code, severity).
pub fn flags(items: &[KnownItem]) -> impl Iterator<Item = (&str, Severity)> {
    items.iter().filter_map(|i| match &i.what {
        KnownWhat::Flag { code, severity } => Some((code.as_str(), *severity)),
        _ => None,
    })
}

/// The board's codes for known flags not yet reviewed, most serious first, each once:
/// `["SH!", "WD!"]`.
pub fn board_codes<'a>(known_flags: impl IntoIterator<Item = (&'a str, Severity)>) -> Vec<String> {
    let mut flags: Vec<(&str, Severity)> = known_flags.into_iter().collect();
    flags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (code, sev) in flags {
        if !seen.contains(&code) {
            seen.push(code);
            out.push(format!("{code}{}", sev.marker()));
        }
    }
    out
}

/// The board's record markers: `ALLERGY` when an allergy counts, then `KNOWN` with the codes
/// of flags known from elsewhere and not yet reviewed (`KNOWN SH! WD!`). The one place the
/// markers are worded, for the board's per-tick query and for one record alike.
pub fn board_markers<'a>(
    allergy: bool,
    known_flags: impl IntoIterator<Item = (&'a str, Severity)>,
) -> Vec<String> {
    let mut out = Vec::new();
    if allergy {
        out.push("ALLERGY".to_string());
    }
    let codes = board_codes(known_flags);
    if !codes.is_empty() {
        out.push(format!("KNOWN {}", codes.join(" ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn flag(id: i64, code: &str, severity: Severity) -> KnownItem {
        KnownItem {
            subject: KnownSubject::Flag(id),
            what: KnownWhat::Flag {
                code: code.into(),
                severity,
            },
            summary: code.into(),
            origin: Origin::Bundle {
                organisation: "HMP Leeds".into(),
                signed_at: chrono::Utc.with_ymd_and_hms(2025, 2, 3, 10, 0, 0).unwrap(),
            },
        }
    }

    #[test]
    fn board_codes_are_most_serious_first_and_each_once() {
        let items = vec![
            flag(1, "WD", Severity::Warning),
            flag(2, "SH", Severity::Alert),
            flag(3, "SH", Severity::Warning),
            flag(4, "ALC", Severity::Attention),
        ];
        assert_eq!(board_codes(flags(&items)), vec!["SH!!", "WD!", "ALC+"]);
    }

    #[test]
    fn allergies_and_time_critical_medicines_come_first() {
        let mut items = vec![
            flag(1, "SH", Severity::Alert),
            KnownItem {
                what: KnownWhat::Medicine {
                    time_critical: true,
                },
                ..flag(2, "", Severity::Information)
            },
            KnownItem {
                what: KnownWhat::Allergy,
                ..flag(3, "", Severity::Information)
            },
        ];
        sort_for_banner(&mut items);
        let order: Vec<_> = items.iter().map(|i| i.subject).collect();
        assert_eq!(
            order,
            vec![
                KnownSubject::Flag(3),
                KnownSubject::Flag(2),
                KnownSubject::Flag(1)
            ]
        );
    }

    #[test]
    fn subjects_round_trip_and_bad_ones_are_refused() {
        for s in [
            KnownSubject::Flag(1),
            KnownSubject::Entry(2),
            KnownSubject::Note(3),
            KnownSubject::Emergency(4),
            KnownSubject::Plan(5),
        ] {
            assert_eq!(s.to_string().parse::<KnownSubject>(), Ok(s));
        }
        assert!("flag".parse::<KnownSubject>().is_err());
        assert!("cell:1".parse::<KnownSubject>().is_err());
    }
}
