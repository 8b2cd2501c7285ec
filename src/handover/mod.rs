//! Signed handover bundles: an HL7 FHIR R4 document Bundle shaped after the International
//! Patient Summary ([`build`]), its RFC 8785 canonical form ([`canonical`]), a detached
//! Ed25519 JWS over that form in `Bundle.signature` ([`jws`], [`keys`]), checking a bundle
//! ([`verify`]), reading a verified bundle for import ([`import`]) and the printable escort
//! summary ([`escort`]). Pure: no files, no SQL; the commands and the store do the I/O.

pub mod build;
pub mod canonical;
pub mod emergencies;
pub mod escort;
pub mod export;
pub mod import;
pub mod jws;
pub mod keys;
pub mod prra;
pub mod record_sections;
pub mod support;
pub mod verify;

/// The base of every identifier system and code system this program defines. `.invalid` is
/// reserved (RFC 2606), so these URIs can never be mistaken for, or collide with, anyone
/// else's; they are stable names, not addresses to fetch.
pub const URI_BASE: &str = "https://sonar-custody.invalid/fhir";

/// The largest handover bundle read or verified: a whole record with years of history is
/// well under 1 MiB, so this leaves room and still refuses a 100 MB file at once, before it is
/// read, in bounded memory.
pub const MAX_BUNDLE_BYTES: u64 = 5 * 1024 * 1024;

/// Identifier system of the Police National Computer id.
pub fn pnc_system() -> String {
    format!("{URI_BASE}/Id/pnc-id")
}
/// Identifier system of the suite's custody numbers.
pub fn custody_number_system() -> String {
    format!("{URI_BASE}/Id/custody-number")
}
/// Identifier system of handover bundles.
pub fn bundle_system() -> String {
    format!("{URI_BASE}/Id/handover-bundle")
}
/// Code system of the risk flags (`SH`, `ALC`…).
pub fn flag_code_system() -> String {
    format!("{URI_BASE}/CodeSystem/risk-flag")
}
/// Code system of the Person Escort Record flag types (information, attention, warning, alert).
pub fn flag_type_system() -> String {
    format!("{URI_BASE}/CodeSystem/flag-type")
}
/// Code system of the APP observation levels (1 to 4).
pub fn observation_level_system() -> String {
    format!("{URI_BASE}/CodeSystem/observation-level")
}
/// Code system of sections with no LOINC code (the custody episode).
pub fn section_system() -> String {
    format!("{URI_BASE}/CodeSystem/section")
}
/// Extension holding a flag's reason (FHIR R4 `Flag` has no reason element).
pub fn flag_reason_extension() -> String {
    format!("{URI_BASE}/StructureDefinition/flag-reason")
}
/// Extension holding why risk information left the suite without consent.
pub fn disclosure_extension() -> String {
    format!("{URI_BASE}/StructureDefinition/disclosure-justification")
}

/// Extension holding the suite's signed audit checkpoint at the time of export
/// (`domain::checkpoint`), so a receiver can later show what the sending suite's audit held.
pub fn checkpoint_extension() -> String {
    format!("{URI_BASE}/StructureDefinition/suite-checkpoint")
}

/// The NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
pub const LOINC: &str = "http://loinc.org";

/// Where the person goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    Court,
    Prison,
    Hospital,
    Suite,
    Release,
}

impl Destination {
    pub const ALL: [Destination; 5] = [
        Destination::Court,
        Destination::Prison,
        Destination::Hospital,
        Destination::Suite,
        Destination::Release,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Court => "court",
            Destination::Prison => "prison",
            Destination::Hospital => "hospital",
            Destination::Suite => "suite",
            Destination::Release => "release",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Destination::Court => "court",
            Destination::Prison => "prison",
            Destination::Hospital => "hospital",
            Destination::Suite => "another custody suite",
            Destination::Release => "release",
        }
    }

    pub fn parse(s: &str) -> Option<Destination> {
        Destination::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Why a bundle cannot be made, signed, read or trusted: one sentence each, the exact reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is {}; a handover bundle may be at most {}",
        crate::domain::text::size_words(*.0),
        crate::domain::text::size_words(MAX_BUNDLE_BYTES)
    )]
    TooLarge(u64),
    #[error("the file is truncated: the JSON ends early ({0})")]
    Truncated(String),
    #[error("the file is not JSON ({0})")]
    NotJson(String),
    #[error("the JSON is ambiguous: {0}")]
    Ambiguous(String),
    #[error("wrong JSON type: a bundle is a JSON object, but this file holds {0}")]
    WrongJsonType(&'static str),
    #[error("not a FHIR document: {0}")]
    NotFhirDocument(String),
    #[error("the bundle is not signed: it has no Bundle.signature")]
    Unsigned,
    #[error("the signature is malformed: {0}")]
    MalformedSignature(String),
    #[error(
        "the bundle was signed with an unknown key (kid {0}): it is not one this suite trusts; give the sender's public key with --trust"
    )]
    UnknownKey(String),
    #[error("the bundle was altered after signing: its content no longer matches what was signed")]
    Altered,
    #[error("bad signature: the signature does not verify with the key {0}")]
    BadSignature(String),
    #[error("the bundle's signature block was altered after signing: {0}")]
    SignatureBlockAltered(String),
    #[error("the bundle cannot be put in canonical form (RFC 8785): {0}")]
    Canonical(String),
    #[error("the key is not usable: {0}")]
    BadKey(String),
}

/// What the cautions at handover need to know about the person leaving (`domain::transfer`),
/// read from the same record the bundle is built from (its emergencies too), so the screen
/// and `sonar export` agree.
pub fn leaving(
    record: &crate::domain::record::view::RecordView,
    destination: Destination,
) -> crate::domain::transfer::Leaving {
    use crate::domain::transfer::{FitnessToLeave, Leaving, MedicineDue};
    Leaving {
        releasing: destination == Destination::Release,
        fitness: record
            .fitness
            .iter()
            .find(|f| f.kind == "transfer_release")
            .map(|f| FitnessToLeave {
                fit: f.fit,
                conditions: f.conditions.clone(),
                decided_by: f.decided_by.clone(),
                decided_at: f.decided_at,
            }),
        emergencies: record.emergencies.clone(),
        medicines: record
            .medications
            .iter()
            .map(|m| MedicineDue {
                name: format!("{} {}", m.name, m.dose),
                next_due: m.next_due,
                time_critical: m.time_critical.is_some(),
            })
            .collect(),
        appointments: record.appointments.iter().map(|a| a.at).collect(),
        health_flags_unseen: if seen_by_hcp(record) {
            Vec::new()
        } else {
            let mut codes: Vec<String> = Vec::new();
            for f in &record.flags {
                if crate::domain::transfer::is_health_flag(&f.code) && !codes.contains(&f.code) {
                    codes.push(f.code.clone());
                }
            }
            codes
        },
        outstanding: record.entry.outstanding.clone(),
        health_screen_deferred: record
            .health_screen_deferral
            .as_ref()
            .map(|d| d.reason.clone()),
    }
}

/// Whether an HCP saw the person in this detention: any recorded contact or HCP activity.
fn seen_by_hcp(record: &crate::domain::record::view::RecordView) -> bool {
    !record.hcp_contacts.is_empty()
        || record.record.last_seen.is_some()
        || record.entry.last_seen.is_some()
}
