//! The record's audit: append-only (triggers refuse UPDATE, DELETE and TRUNCATE) and
//! hash-chained like the suite's. Each row's hash is the SHA-256 of the previous row's hash
//! and this row's fields, so `verify` names the first row that was changed, removed or
//! inserted. Appends take a transaction-scoped advisory lock, so two requests never chain onto
//! the same row.
//!
//! The append is one call of the SQL function `audit_append` (schema 0002): it takes the
//! lock, reads the last row, hashes and inserts inside PostgreSQL, so the lock, held until the
//! caller commits, spans one round trip instead of three. Every request (lookups included)
//! appends under this one lock, so its hold time bounds the record's request rate. The hash is
//! therefore computed in SQL when written and in Rust ([`row_hash`]) when verified: the two
//! must agree byte for byte, and `verify` (run by every test and by the bench) fails at the
//! first row where they do not.

use deadpool_postgres::GenericClient;
use sha2::{Digest, Sha256};

/// The advisory lock key that serialises audit appends ("SONAR" in ASCII).
const AUDIT_LOCK: i64 = 0x534f4e4152;
/// The `prev_hash` of the first row.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did what: one audit row.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub kid: &'a str,
    pub organisation: &'a str,
    pub user: &'a str,
    pub action: &'a str,
    /// JSON text: identifiers asked for, the bundle id, the outcome.
    pub detail: String,
}

fn row_hash(prev: &str, seq: i64, at: &str, e: &Event<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        e.kid,
        e.organisation,
        e.user,
        e.action,
        &e.detail,
    ] {
        // Length-prefixed, so no two different rows hash the same bytes.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends `e`, inside the caller's transaction or (given a plain connection) committed on its
/// own; returns its sequence number. Either way the lock is held until that commit.
pub async fn append<C: GenericClient>(
    tx: &C,
    e: &Event<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, tokio_postgres::Error> {
    let params = Append::new(e, now);
    // Prepared once per connection, so the append is a single round trip.
    let append = tx
        .prepare_cached(&format!("SELECT {}", Append::call(1)))
        .await?;
    let row = tx.query_one(&append, &params.values()).await?;
    Ok(row.get(0))
}

/// One audit append as part of a larger statement, for a statement that must write its own
/// audit row atomically (a submission stored and audited in one round trip): the SQL call
/// ([`Append::call`]) and the values to bind to its parameters ([`Append::values`]).
pub struct Append<'a> {
    at: String,
    e: &'a Event<'a>,
}

impl<'a> Append<'a> {
    pub fn new(e: &'a Event<'a>, now: chrono::DateTime<chrono::Utc>) -> Append<'a> {
        Append {
            at: now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            e,
        }
    }

    /// `audit_append(...)` with its seven parameters numbered from `$first`; it returns the
    /// row's sequence number.
    pub fn call(first: usize) -> String {
        let params: Vec<String> = (first..first + 7).map(|n| format!("${n}")).collect();
        format!("audit_append({})", params.join(", "))
    }

    /// The values for [`Append::call`]'s parameters, in order.
    pub fn values(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 7] {
        [
            &AUDIT_LOCK,
            &self.at,
            &self.e.kid,
            &self.e.organisation,
            &self.e.user,
            &self.e.action,
            &self.e.detail,
        ]
    }
}

/// Why the audit does not verify.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit is broken at row {seq}: {why}")]
    Broken { seq: i64, why: &'static str },
    #[error("the audit cannot be read: {0}")]
    Database(#[from] tokio_postgres::Error),
}

/// One audit row as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub seq: i64,
    pub at: String,
    pub kid: String,
    pub organisation: String,
    pub user: String,
    pub action: String,
    pub detail: String,
}

/// Checks the whole chain; returns every row when it is intact.
pub async fn verify<C: GenericClient>(client: &C) -> Result<Vec<Row>, AuditError> {
    let rows = client
        .query(
            "SELECT seq, at, kid, organisation, suite_user, action, detail, prev_hash, hash
             FROM audit ORDER BY seq",
            &[],
        )
        .await?;
    let mut prev = GENESIS.to_string();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let row = Row {
            seq: r.get(0),
            at: r.get(1),
            kid: r.get(2),
            organisation: r.get(3),
            user: r.get(4),
            action: r.get(5),
            detail: r.get(6),
        };
        let expected_seq = i as i64 + 1;
        if row.seq != expected_seq {
            return Err(AuditError::Broken {
                seq: expected_seq,
                why: "the row is missing",
            });
        }
        if r.get::<_, String>(7) != prev {
            return Err(AuditError::Broken {
                seq: row.seq,
                why: "it does not follow the row before it",
            });
        }
        let e = Event {
            kid: &row.kid,
            organisation: &row.organisation,
            user: &row.user,
            action: &row.action,
            detail: row.detail.clone(),
        };
        let hash = row_hash(&prev, row.seq, &row.at, &e);
        if r.get::<_, String>(8) != hash {
            return Err(AuditError::Broken {
                seq: row.seq,
                why: "its content was changed after it was written",
            });
        }
        prev = hash;
        out.push(row);
    }
    Ok(out)
}
