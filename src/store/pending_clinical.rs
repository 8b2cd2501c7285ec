//! TEMPORARY: writers the entry sheets call, until the scores-rules and appointments branches
//! land with the real ones (this file is deleted at that merge).

use chrono::{DateTime, Utc};

use super::clinical::ScoreKind;
use super::{Store, StoreError};
use crate::domain::scores::audit_c::AuditC;
use crate::domain::scores::ciwa::{self, Ciwa};
use crate::domain::scores::cows::Cows;
use crate::domain::scores::gcs::Gcs;

impl Store {
    pub fn record_gcs(&mut self, id: i64, g: &Gcs, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let inputs = serde_json::json!({ "notation": g.notation() });
        let total = g.total().map(i64::from);
        self.record_score(id, ScoreKind::Gcs, &inputs, total, "", now)
    }
    pub fn record_ciwa(
        &mut self,
        id: i64,
        c: &Ciwa,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let r = ciwa::score(c, &ciwa::ASAM_2020);
        let inputs = serde_json::json!({ "items": c.items });
        let band = format!("{:?}", r.severity).to_lowercase();
        self.record_score(
            id,
            ScoreKind::CiwaAr,
            &inputs,
            Some(i64::from(r.total)),
            &band,
            now,
        )
    }
    pub fn record_cows(
        &mut self,
        id: i64,
        c: &Cows,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let inputs = serde_json::json!({ "items": c.items });
        let band = format!("{:?}", c.band()).to_lowercase();
        self.record_score(
            id,
            ScoreKind::Cows,
            &inputs,
            Some(i64::from(c.total())),
            &band,
            now,
        )
    }
    pub fn record_audit_c(
        &mut self,
        id: i64,
        a: &AuditC,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let r = a.score();
        let inputs = serde_json::json!({ "q": [a.frequency, a.typical_units, a.heavy_episodes] });
        let band = if r.positive { "positive" } else { "negative" };
        self.record_score(
            id,
            ScoreKind::AuditC,
            &inputs,
            Some(i64::from(r.total)),
            band,
            now,
        )
    }
}
