//! What the handover (`crate::handover`) and the store (`crate::store`) share, so neither
//! imports the other (DESIGN.md, "Architecture"): the export's draft and the handover to
//! record, the import's plan, the consent rule for clinical sections, the disclosure
//! justification, the kinds of imported notes, and the suite signing key's identity.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::domain::record::Fact;
use crate::domain::record::view::RecordView;

/// Why risk information travels without a consent decision.
pub const DISCLOSURE_JUSTIFICATION: &str = "Risk flags (self-harm, medication that must not be missed, withdrawal, head injury and other risks to life), allergies, physical conditions, medicines, alcohol and drug use, injuries, pregnancy and medical emergencies in custody (with how each ended) travel with the person regardless of consent, so that the receiving service can keep them safe (APP Detention and custody; Person Escort Record). Self-harm and mental health history travel only with consent; clinical notes are not included.";

/// The kind of an imported note holding an appointment after release.
pub const APPOINTMENT_NOTE: &str = "Appointment after release";
/// The kind of an imported note holding an emergency in the sending suite's custody, with its
/// timeline and outcome (risk to life: shown to every role, like a flag).
pub const EMERGENCY_NOTE: &str = "Emergency in previous custody";
/// The kind of an imported note holding a referral (with its contact details).
pub const REFERRAL_NOTE: &str = "Referral";
/// Imported notes that are health detail, shown to HCPs only (like referral content and an
/// appointment's service and place in the sending suite, `store::clinical`).
pub const HCP_ONLY_NOTES: [&str; 2] = [APPOINTMENT_NOTE, REFERRAL_NOTE];

/// A flag carried in a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFlag {
    pub code: String,
    pub severity: String,
    pub reason: String,
}

/// What an import writes, all or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    pub bundle_system: String,
    pub bundle_id: String,
    pub payload_sha256: String,
    pub kid: String,
    pub source_suite: String,
    pub signed_at: DateTime<Utc>,
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: Option<String>,
    pub nhs_number: Option<String>,
    pub pnc_id: Option<String>,
    pub flags: Vec<ImportedFlag>,
    /// `(kind, text)`: the care plan and the custody episode, as narrative.
    pub notes: Vec<(String, String)>,
    /// Record entries (allergies, conditions, medicines, substance use, pregnancy…), to be
    /// stored as known from the signer's organisation on the signing date.
    pub entries: Vec<Fact>,
}

impl ImportPlan {
    /// "known from <suite>, <date>", the words every imported item carries.
    pub fn provenance(&self) -> String {
        format!(
            "known from {}, {}",
            self.source_suite,
            crate::domain::observation::london_date(self.signed_at).format("%-d %b %Y")
        )
    }
}

/// What the export needs from the store, read in the transaction that will record it.
#[derive(Debug, Clone)]
pub struct HandoverDraft {
    pub detention_id: i64,
    pub record: RecordView,
    pub suite_name: String,
    pub key: SigningKey,
    pub kid: String,
    /// The suite's signed audit checkpoint, written as the draft was read: the bundle carries
    /// it (`domain::checkpoint`).
    pub checkpoint: Option<crate::domain::checkpoint::Checkpoint>,
    /// The national record this suite's handovers are sent to (its address), or `None` when
    /// the suite has not joined one: the escort summary says which, so the receiving side
    /// knows whether to look the person up or to rely on the bundle file.
    pub national_record: Option<String>,
}

/// A handover to record.
#[derive(Debug, Clone)]
pub struct NewHandover<'a> {
    pub detention_id: i64,
    pub destination: &'a str,
    pub receiving_org: &'a str,
    pub receiving_officer: &'a str,
    pub bundle_id: &'a str,
    pub bundle_sha256: &'a str,
    pub kid: &'a str,
    /// Flag codes that left the suite as risk-to-life information, for the audit.
    pub disclosed_flags: &'a str,
    /// The signed bundle's bytes, queued for the national record with the handover.
    pub bundle: &'a [u8],
}

/// Whether the newest consent decision for the receiving establishment is "consents".
pub fn consents_to_share(record: &RecordView) -> bool {
    record
        .consents
        .iter()
        .any(|c| c.scope == "receiving_establishment" && c.decision == "consents")
}

/// A new signing key from `rand`'s thread generator (a CSPRNG seeded from the operating
/// system, reseeded periodically).
pub fn generate() -> SigningKey {
    use rand::RngCore;
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(seed.as_mut());
    SigningKey::from_bytes(&seed)
}

/// The key's id: the RFC 7638 JWK thumbprint (SHA-256 of the required members in
/// lexicographic order, no whitespace), base64url without padding.
pub fn kid_of(public: &VerifyingKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(public.as_bytes());
    let members = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()))
}
