//! Small reads for the record screen that the record view does not carry: the earlier
//! detentions of the person with their ids, so the History tab can open one read-only
//! (through [`crate::store::Store::open_record`], which audits the read).

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use crate::store::{Store, StoreError, collect_rows, parse_timestamp};

/// One earlier detention of the person, as the History tab lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierDetention {
    pub detention_id: i64,
    pub custody_no: String,
    pub arrived_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reason: String,
}

impl Store {
    /// The other detentions of the person detained in `detention_id`, newest first (the
    /// same twenty the record view lists), with their ids. No clinical detail.
    pub fn earlier_detentions(
        &self,
        detention_id: i64,
    ) -> Result<Vec<EarlierDetention>, StoreError> {
        collect_rows(
            self.conn(),
            "SELECT d.id, d.custody_no, d.arrived_at, d.closed_at, d.reason FROM detention d
             WHERE d.person_id = (SELECT person_id FROM detention WHERE id = ?1) AND d.id != ?1
             ORDER BY d.arrived_at DESC LIMIT 20",
            params![detention_id],
            |r| {
                Ok(EarlierDetention {
                    detention_id: r.get(0)?,
                    custody_no: r.get(1)?,
                    arrived_at: parse_timestamp(&r.get::<_, String>(2)?)?,
                    closed_at: r
                        .get::<_, Option<String>>(3)?
                        .map(|t| parse_timestamp(&t))
                        .transpose()?,
                    reason: r.get(4)?,
                })
            },
        )
    }
}
