//! Record entries from an imported handover bundle: stored on no detention, with the import
//! they came from and `Origin::Bundle` (the signer's organisation and the signing date), so the
//! next booking-in anywhere this database serves shows them as "known from <organisation>,
//! <date>" until someone reconfirms or sets each aside (`store::record::clinical_record`).

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::{NewEntry, insert_entry};
use crate::domain::record::{Fact, Origin};
use crate::store::StoreError;

/// Writes `facts` for `person_id` as known from `organisation`, signed at `signed_at`, in the
/// caller's transaction (the import's, so all or nothing). Returns how many were written.
pub fn insert_imported_entries(
    conn: &Connection,
    person_id: i64,
    import_id: i64,
    organisation: &str,
    signed_at: DateTime<Utc>,
    facts: &[Fact],
) -> Result<usize, StoreError> {
    let origin = Origin::Bundle {
        organisation: organisation.to_string(),
        signed_at,
    };
    for fact in facts {
        insert_entry(
            conn,
            &NewEntry {
                person_id,
                detention_id: None,
                fact,
                origin: &origin,
                answer_id: None,
                import_id: Some(import_id),
                recorded_by: organisation,
                recorded_at: signed_at,
            },
        )?;
    }
    Ok(facts.len())
}
