//! Asking for a healthcare practitioner (HCP), and what an HCP directs custody staff to do:
//! the cited priority bands (`bands`), requests with their derived waits (`request`), and
//! directions a custody sergeant acknowledges (`direction`). Pure: the store derives "seen"
//! and "done" from the `hcp_activity` view and enforces who may do what with these rules.

pub mod bands;
pub mod direction;
pub mod request;

pub use bands::{Band, HcpBands};
pub use direction::{Direction, DirectionDraft, DirectionKind};
pub use request::{HcpRequest, HcpWait, QueueEntry};
