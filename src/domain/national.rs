//! The suite's side of the national record, as staff see it: each handover's place in the
//! outbox (queued, sent, accepted with the record's receipt), how long to wait before trying
//! again, and the board header's sentence while the record cannot be reached (issue 15).
//! Pure: the store keeps the rows, the courier talks to the record.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::observation::to_london;

/// How long a terminal holds an outbox entry it took: longer than a submission can take
/// (the client gives up after [`SUBMIT_TIMEOUT`]), so two terminals never send the same entry
/// at once, and short enough that a terminal that died mid-send leaves it to the next one
/// within a minute. The record answers a resend with the first receipt in any case.
pub const LEASE: Duration = Duration::seconds(60);

/// The longest a submission may take before it counts as unreachable.
pub const SUBMIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The longest the booking banner waits for the record's answer: past this, the banner says
/// the record cannot be reached and shows what the suite itself knows.
pub const ASK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How many of the person's documents a lookup retrieves, newest first: the latest handovers
/// carry what is current; older ones are still listed.
pub const RETRIEVE_AT_MOST: usize = 5;

/// Where a handover stands with the national record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// In the outbox, not yet taken (or taken and failed: see `last_error`).
    Queued,
    /// A terminal is sending it now (its lease has not ended).
    Sent,
    /// The record holds it: its receipt is kept.
    Accepted,
}

impl DeliveryState {
    pub fn word(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Sent => "sent",
            DeliveryState::Accepted => "accepted",
        }
    }
}

/// The record's receipt for a handover it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// The record's document id (ITI-65's DocumentReference).
    pub document: String,
    /// When the record first received it, as the record says.
    pub received_at: String,
}

/// One handover in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub bundle_id: String,
    pub custody_no: String,
    /// "Forenames Surname".
    pub name: String,
    pub destination: String,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
    pub state: DeliveryState,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed (a sentence), until one succeeds.
    pub last_error: Option<String>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub receipt: Option<Receipt>,
}

impl OutboxEntry {
    /// "accepted 14:03, receipt 8812" / "queued: the national record cannot be reached: …;
    /// next try 14:10" / "queued" / "sent".
    pub fn describe(&self) -> String {
        match (&self.receipt, self.state) {
            (Some(r), _) => format!(
                "accepted by the national record{}, receipt {}",
                self.accepted_at
                    .map(|a| format!(" at {}", to_london(a)))
                    .unwrap_or_default(),
                r.document
            ),
            (None, DeliveryState::Sent) => {
                "sent to the national record, awaiting its receipt".into()
            }
            (None, _) => match (&self.last_error, self.next_attempt_at) {
                (Some(e), Some(next)) => format!(
                    "queued for the national record; the last try failed ({e}); next try {}",
                    to_london(next)
                ),
                _ => "queued for the national record".into(),
            },
        }
    }
}

/// Whether the suite has joined a record, and how contact with it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NationalStatus {
    /// The record's URL, when the suite has joined one.
    pub joined: Option<String>,
    /// Handovers not yet accepted.
    pub waiting: usize,
    /// The first failed contact since the last success.
    pub unreachable_since: Option<DateTime<Utc>>,
    /// The last failure's sentence.
    pub last_problem: Option<String>,
    /// When the next waiting handover may be taken (its retry time, or when another
    /// terminal's lease on it ends): a terminal tries to take work only from then.
    pub next_due: Option<DateTime<Utc>>,
}

impl NationalStatus {
    /// The board header's sentence while the record cannot be reached: "national record
    /// unreachable since 14:02; 3 handovers waiting". `None` while all is well or the suite has
    /// not joined a record.
    pub fn header(&self) -> Option<String> {
        self.joined.as_ref()?;
        let since = self.unreachable_since?;
        Some(format!(
            "national record unreachable since {}; {} handover{} waiting",
            to_london(since),
            self.waiting,
            if self.waiting == 1 { "" } else { "s" }
        ))
    }
}

/// How long to wait before trying an entry again after `attempts` failures: 30 seconds,
/// doubling, at most 15 minutes, so a suite offline for a day tries about a hundred times per
/// entry and delivers within a quarter of an hour of the record coming back.
pub fn backoff(attempts: u32) -> Duration {
    let seconds = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(10));
    Duration::seconds(seconds.min(15 * 60))
}

/// Why contact with the record failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer: the network, the record down, a timeout. Counts toward "unreachable since".
    Unreachable(String),
    /// The record answered but refused, or the answer could not be used.
    Refused(String),
}

impl Failure {
    pub fn sentence(&self) -> &str {
        match self {
            Failure::Unreachable(s) | Failure::Refused(s) => s,
        }
    }
}

/// How to look a person up at the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Nhs(String),
    Pnc(String),
    NameDob {
        family: String,
        given: Option<String>,
        birth_date: String,
    },
}

impl Lookup {
    /// "NHS number 943 476 5919", "PNC 26/123456A", "SMITH, John, born 1990-01-02".
    pub fn describe(&self) -> String {
        match self {
            Lookup::Nhs(n) => format!("NHS number {n}"),
            Lookup::Pnc(p) => format!("PNC {p}"),
            Lookup::NameDob {
                family,
                given,
                birth_date,
            } => format!(
                "{}{}, born {birth_date}",
                family.to_uppercase(),
                given
                    .as_deref()
                    .map(|g| format!(", {g}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// What the suite knows that identifies a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonKeys {
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub nhs_number: Option<String>,
    pub pnc_id: Option<String>,
}

impl PersonKeys {
    /// What to ask the record: by each identifier the person has; by name and date of birth
    /// only when they have neither (a name alike is weaker evidence than an identifier, so it
    /// is never added to one).
    pub fn lookups(&self) -> Vec<Lookup> {
        let mut out = Vec::new();
        if let Some(n) = self.nhs_number.as_ref().filter(|n| !n.trim().is_empty()) {
            out.push(Lookup::Nhs(n.trim().to_string()));
        }
        if let Some(p) = self.pnc_id.as_ref().filter(|p| !p.trim().is_empty()) {
            out.push(Lookup::Pnc(p.trim().to_string()));
        }
        if out.is_empty()
            && let Some(dob) = self.date_of_birth
            && !self.surname.trim().is_empty()
        {
            out.push(Lookup::NameDob {
                family: self.surname.trim().to_string(),
                given: self.forenames.split_whitespace().next().map(str::to_string),
                birth_date: dob.to_string(),
            });
        }
        out
    }

    /// Whether a document about "the same person" names a different NHS number or PNC id
    /// than this person has: then it is someone else's, whatever the name says, and is not
    /// added to this record (hazard: wrong person).
    pub fn contradicted_by(&self, nhs: Option<&str>, pnc: Option<&str>) -> bool {
        let differs = |mine: &Option<String>, theirs: Option<&str>| {
            matches!((mine.as_deref().map(str::trim), theirs.map(str::trim)),
                (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() && a != b)
        };
        differs(&self.nhs_number, nhs) || differs(&self.pnc_id, pnc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn backoff_doubles_from_half_a_minute_to_a_quarter_hour() {
        let seconds: Vec<i64> = (1..=8).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(seconds, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(backoff(u32::MAX).num_seconds(), 900);
    }

    #[test]
    fn the_header_speaks_only_while_a_joined_record_is_unreachable() {
        let since = Utc.with_ymd_and_hms(2026, 7, 1, 13, 2, 0).unwrap();
        let mut s = NationalStatus {
            joined: Some("https://record.example".into()),
            waiting: 3,
            unreachable_since: Some(since),
            last_problem: None,
            next_due: None,
        };
        // British Summer Time: 13:02 UTC is 14:02 in London.
        assert_eq!(
            s.header().as_deref(),
            Some("national record unreachable since 14:02; 3 handovers waiting")
        );
        s.waiting = 1;
        assert!(s.header().unwrap().ends_with("1 handover waiting"));
        s.unreachable_since = None;
        assert_eq!(s.header(), None);
        s.unreachable_since = Some(since);
        s.joined = None;
        assert_eq!(s.header(), None);
    }

    fn person(nhs: Option<&str>, pnc: Option<&str>) -> PersonKeys {
        PersonKeys {
            surname: "Okafor".into(),
            forenames: "Daniel James".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1991, 4, 2),
            nhs_number: nhs.map(str::to_string),
            pnc_id: pnc.map(str::to_string),
        }
    }

    #[test]
    fn identifiers_are_asked_first_and_a_name_only_when_there_is_none() {
        assert_eq!(
            person(Some("9434765919"), Some("26/1A")).lookups(),
            [
                Lookup::Nhs("9434765919".into()),
                Lookup::Pnc("26/1A".into())
            ]
        );
        assert_eq!(
            person(None, None).lookups(),
            [Lookup::NameDob {
                family: "Okafor".into(),
                given: Some("Daniel".into()),
                birth_date: "1991-04-02".into()
            }]
        );
        let mut nameless = person(None, None);
        nameless.date_of_birth = None;
        assert!(nameless.lookups().is_empty());
    }

    #[test]
    fn a_document_with_another_identifier_is_someone_else() {
        let p = person(Some("9434765919"), None);
        assert!(p.contradicted_by(Some("4010232137"), None));
        assert!(!p.contradicted_by(Some("9434765919"), Some("26/1A")));
        assert!(!p.contradicted_by(None, None));
        assert!(person(None, Some("26/1A")).contradicted_by(None, Some("26/2B")));
    }
}
