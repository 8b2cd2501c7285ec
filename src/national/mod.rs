//! The national record (`sonar-record`): one place where custody suites, prisons and
//! probation find what another suite learned. The service ([`server`]) stores signed handover
//! bundles in PostgreSQL and serves them over FHIR R4 REST following IHE MHD; the suite side
//! ([`client`]) submits, finds and retrieves. What both sides must agree on lives here: the
//! client assertion that authenticates a suite ([`assertion`]), the key directory the record
//! publishes signed with its own key ([`directory`]) and the MHD resources ([`mhd`]).
//!
//! The server never imports the suite's `store`: it shares only the domain and the handover
//! code (bundle verification, JWS, canonical JSON).

pub mod assertion;
pub mod client;
pub mod courier;
pub mod directory;
pub mod mhd;
pub mod server;

/// The largest request body the record reads: a handover bundle is tens of kilobytes, so
/// 1 MiB (base64 inside an ITI-65 transaction included) leaves ample room while bounding what
/// an unauthenticated caller can make the service hold in memory.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// FHIR's JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";

/// Where the service answers: the FHIR base and the signed directory, relative to its URL.
pub const FHIR_BASE_PATH: &str = "/fhir/R4";
pub const DIRECTORY_PATH: &str = "/directory";
