//! The clinical record: the one model of what is known about a person that every view reads
//! (DESIGN.md, "Data rules"). The record screens, the board, the booking-in banner, the escort
//! summary, the handover bundle and `sonar record` all read a [`ClinicalRecord`]; nothing the
//! health screen learns is kept only as a form answer.
//!
//! Every entry says who recorded it, when, and where it came from ([`Origin`]): this suite's
//! screen, an HCP entry, an earlier detention here, or a bundle from another organisation.
//! Entries from elsewhere are "known from", not live, until someone in this detention
//! reconfirms them or sets them aside with a reason ([`Standing`]). Nothing is deleted: an
//! entry is superseded (its answer changed) or marked entered in error.
//!
//! Pure: the store reads and writes these types; the handover builds from and imports into
//! them.

pub mod codes;
pub mod emergencies;
pub mod fact;
pub mod from_form;
pub mod known;
pub mod view;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use fact::{AllergySeverity, Fact, FactKind, MedicineSource, PregnancyStatus, SelfHarmRecency};
pub use known::{KnownItem, KnownSubject};

/// Where an entry came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Origin {
    /// A booking-in form in this suite (`form.question` of the answer).
    Screen { form: String, question: String },
    /// An HCP's entry on the record in this suite.
    HcpEntry,
    /// Carried from an earlier detention in this suite.
    EarlierDetention {
        custody_no: String,
        arrived_at: DateTime<Utc>,
    },
    /// A handover bundle signed by another organisation.
    Bundle {
        organisation: String,
        signed_at: DateTime<Utc>,
    },
}

impl Origin {
    /// "health screen", "HCP entry", "earlier detention 24-000123 (03/02/2025)",
    /// "HMP Leeds, 03/02/2025".
    pub fn describe(&self) -> String {
        match self {
            Origin::Screen { form, .. } => match form.as_str() {
                crate::domain::form::HEALTH_SCREEN => "health screen".into(),
                crate::domain::form::BOOKING_RISK => "booking-in risk assessment".into(),
                other => other.replace('_', " "),
            },
            Origin::HcpEntry => "HCP entry".into(),
            Origin::EarlierDetention {
                custody_no,
                arrived_at,
            } => format!(
                "earlier detention {custody_no} ({})",
                crate::domain::observation::london_date(*arrived_at).format("%d/%m/%Y")
            ),
            Origin::Bundle {
                organisation,
                signed_at,
            } => format!(
                "{organisation}, {}",
                crate::domain::observation::london_date(*signed_at).format("%d/%m/%Y")
            ),
        }
    }

    /// Whether the entry was learned somewhere else (and so is "known from" until reviewed).
    pub fn is_from_elsewhere(&self) -> bool {
        matches!(
            self,
            Origin::EarlierDetention { .. } | Origin::Bundle { .. }
        )
    }
}

/// Where an entry stands in the detention being viewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    /// Said in this detention.
    Live,
    /// Known from elsewhere; not yet reconfirmed or set aside in this detention.
    Known,
    /// Known from elsewhere and reconfirmed in this detention.
    Reconfirmed { by: String, at: DateTime<Utc> },
    /// Known from elsewhere and set aside in this detention, with the reason.
    SetAside {
        by: String,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl Standing {
    /// Whether the entry counts now: said here, or reconfirmed here.
    pub fn is_current(&self) -> bool {
        matches!(self, Standing::Live | Standing::Reconfirmed { .. })
    }
}

/// One entry of the clinical record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEntry {
    pub id: i64,
    pub fact: Fact,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub origin: Origin,
    pub standing: Standing,
}

impl RecordEntry {
    /// Whether the next person must treat it as true: current, or known and not set aside.
    /// (A known allergy is shown as an allergy until someone sets it aside with a reason.)
    pub fn counts(&self) -> bool {
        !matches!(self.standing, Standing::SetAside { .. })
    }

    /// "hcp 03 Feb 14:05, health screen".
    pub fn provenance(&self) -> String {
        format!(
            "{} {}, {}",
            self.recorded_by,
            crate::domain::observation::to_london_with_day(self.recorded_at),
            self.origin.describe()
        )
    }
}

/// Who last saw the person as an HCP in this detention, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HcpSeen {
    pub by: String,
    pub at: DateTime<Utc>,
    /// What the contact was: "assessment", "health screen", "NEWS2", "dose", "fitness decision"…
    pub what: String,
}

/// An HCP's recorded contact or assessment. `note` is `None` for a role that may not read
/// clinical notes (never selected from the database for them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HcpContact {
    pub seen_at: DateTime<Utc>,
    pub seen_by: String,
    pub kind: String,
    pub note: Option<String>,
}

/// The clinical record of one person as seen from one detention, for one role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicalRecord {
    /// Entries the role may see, newest first. Entries superseded or entered in error are
    /// not here.
    pub entries: Vec<RecordEntry>,
    /// Items known from earlier detentions or other organisations (flags, the plan,
    /// emergencies, and the entries above that are `Known`), awaiting review in this detention.
    pub known: Vec<KnownItem>,
    /// The latest HCP contact of any kind in this detention.
    pub last_seen: Option<HcpSeen>,
    /// Recorded HCP contacts and assessments, newest first.
    pub contacts: Vec<HcpContact>,
    /// Whether clinical detail (self-harm detail, mental health, notes) was visible to the
    /// reader: `false` means those kinds were never selected, not that there are none.
    pub clinical_visible: bool,
}

impl ClinicalRecord {
    /// Entries of one kind that count (not set aside), newest first.
    pub fn of_kind(&self, kind: FactKind) -> impl Iterator<Item = &RecordEntry> {
        self.entries
            .iter()
            .filter(move |e| e.fact.kind() == kind && e.counts())
    }

    pub fn allergies(&self) -> impl Iterator<Item = &RecordEntry> {
        self.of_kind(FactKind::Allergy)
    }

    /// Whether the person is recorded as having no known allergies (a screen answer "no"),
    /// as distinct from not known.
    pub fn no_known_allergies(&self) -> bool {
        self.of_kind(FactKind::NoKnownAllergies).next().is_some()
            && self.allergies().next().is_none()
    }

    /// The one-line allergy banner every record view shows at the top (VistA's
    /// crisis/warnings/allergies line): "ALLERGIES: penicillin (rash and facial swelling,
    /// severe); latex" or "No known allergies" or "Allergies: not yet asked".
    pub fn allergy_line(&self) -> String {
        let listed: Vec<String> = self
            .allergies()
            .map(|e| {
                let mut s = e.fact.headline();
                if e.standing == Standing::Known {
                    s.push_str(&format!(" [known from {}]", e.origin.describe()));
                }
                s
            })
            .collect();
        if !listed.is_empty() {
            format!("ALLERGIES: {}", listed.join("; "))
        } else if self.no_known_allergies() {
            "No known allergies".into()
        } else {
            "Allergies: not yet recorded".into()
        }
    }

    /// The board's short markers for this person: `ALLERGY` when an allergy counts, then
    /// `KNOWN` with the codes of flags known from elsewhere and not yet reviewed
    /// (`KNOWN SH! WD!`).
    pub fn board_markers(&self) -> Vec<String> {
        known::board_markers(self.allergies().next().is_some(), known::flags(&self.known))
    }
}
