//! The record's PostgreSQL: the pool, the migrations (SQL files under `schema/national/`,
//! embedded and applied in order under an advisory lock) and every statement the service runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use ed25519_dalek::{SigningKey, VerifyingKey};
use tokio_postgres::NoTls;

use super::audit;
use crate::national::directory::{Directory, Entry};
use crate::national::mhd::Stored;

/// The migrations, in order. Never edit one that has landed: add the next.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_record",
        include_str!("../../../schema/national/0001_record.sql"),
    ),
    (
        "0002_scale",
        include_str!("../../../schema/national/0002_scale.sql"),
    ),
];

/// Serialises migrations across processes (two `serve`s starting together).
const MIGRATION_LOCK: i64 = 0x534f4e4152 + 1;

/// A database failure, said plainly.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL is not usable: {0}")]
    Url(String),
    #[error("the database cannot be reached: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("the database refused: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("the key {kid} is already enrolled for {organisation}")]
    EnrolledElsewhere { kid: String, organisation: String },
    #[error("the record's stored key is damaged")]
    RecordKey,
}

/// A pool of connections to `url` (a `postgresql://` URL or `host=… dbname=…` settings; a
/// `host` that is a directory means the Unix socket in it).
pub fn pool(url: &str, max: usize) -> Result<Pool, DbError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| DbError::Url(e.to_string()))?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max)
        .build()
        .map_err(|e| DbError::Url(e.to_string()))
}

/// Applies every migration not yet applied.
pub async fn migrate(pool: &Pool) -> Result<(), DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    for (name, sql) in MIGRATIONS {
        let done = tx
            .query_opt("SELECT 1 FROM schema_migrations WHERE name = $1", &[name])
            .await?
            .is_some();
        if !done {
            tx.batch_execute(sql).await?;
            tx.execute("INSERT INTO schema_migrations (name) VALUES ($1)", &[name])
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The record's signing key, made on first need. It lives in the database so every instance
/// of the service signs the directory with the same key; a deployment that wants it in an HSM
/// replaces this one function.
pub async fn record_key(pool: &Pool) -> Result<SigningKey, DbError> {
    let client = pool.get().await?;
    let fresh = crate::handover::keys::generate();
    let kid = crate::handover::keys::kid_of(&fresh.verifying_key());
    client
        .execute(
            "INSERT INTO record_key (id, secret, kid, created_at) VALUES (1, $1, $2, now())
             ON CONFLICT (id) DO NOTHING",
            &[&fresh.as_bytes().as_slice(), &kid],
        )
        .await?;
    let row = client
        .query_one("SELECT secret FROM record_key WHERE id = 1", &[])
        .await?;
    let secret: zeroize::Zeroizing<Vec<u8>> = zeroize::Zeroizing::new(row.get(0));
    let bytes: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| DbError::RecordKey)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Enrols a suite key for `organisation` (audited); enrolling the same key for the same
/// organisation again changes nothing.
pub async fn enrol(
    pool: &Pool,
    key: &VerifyingKey,
    organisation: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    use base64::Engine;
    let kid = crate::handover::keys::kid_of(key);
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes());
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let existing = tx
        .query_opt("SELECT organisation FROM directory WHERE kid = $1", &[&kid])
        .await?;
    if let Some(row) = existing {
        let held: String = row.get(0);
        if held == organisation {
            return Ok(false);
        }
        return Err(DbError::EnrolledElsewhere {
            kid,
            organisation: held,
        });
    }
    tx.execute(
        "INSERT INTO directory (kid, organisation, public_x, enrolled_at) VALUES ($1, $2, $3, $4)",
        &[&kid, &organisation, &x, &now],
    )
    .await?;
    let detail = serde_json::json!({"kid": kid, "organisation": organisation}).to_string();
    audit::append(
        &tx,
        &audit::Event {
            kid: "",
            organisation: "national operator",
            user: "",
            action: "enrol",
            detail,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The directory as it stands.
///
/// Every request reads it (authentication, then verification of a submission), so the
/// decoded entries are kept per database and read again only when the directory changed:
/// `directory_version` (schema 0002) is bumped by a trigger on any change to `directory`,
/// and its `epoch`, made when the table was created, tells databases apart. The version is
/// read before the rows, so entries are never labelled with a version newer than theirs.
pub async fn directory<C: GenericClient>(
    client: &C,
    record_kid: &str,
    now: DateTime<Utc>,
) -> Result<Directory, DbError> {
    let version = client
        .prepare_cached("SELECT epoch::text, version FROM directory_version WHERE id = 1")
        .await?;
    let (epoch, version): (String, i64) = match client.query_opt(&version, &[]).await? {
        Some(r) => (r.get(0), r.get(1)),
        // No version row: nothing to key a cache by, so read the rows every time.
        None => (String::new(), -1),
    };
    let cached = (version >= 0)
        .then(|| {
            directory_cache()
                .get(&epoch)
                .filter(|(v, _)| *v == version)
                .map(|(_, entries)| entries.clone())
        })
        .flatten();
    let entries = match cached {
        Some(entries) => entries,
        None => {
            let entries = Arc::new(directory_rows(client).await?);
            if version >= 0 {
                let mut cache = directory_cache();
                // One entry per database this process serves (tests: one per test).
                if cache.len() >= 1_000 {
                    cache.clear();
                }
                cache.insert(epoch, (version, entries.clone()));
            }
            entries
        }
    };
    Ok(Directory {
        record_kid: record_kid.to_string(),
        issued: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        entries: entries.as_ref().clone(),
    })
}

type DirectoryCache = HashMap<String, (i64, Arc<Vec<Entry>>)>;

fn directory_cache() -> std::sync::MutexGuard<'static, DirectoryCache> {
    static CACHE: OnceLock<Mutex<DirectoryCache>> = OnceLock::new();
    // Every write replaces a whole entry, so a map whose lock was poisoned by a panic
    // elsewhere is still sound.
    CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The directory's rows, decoded.
async fn directory_rows<C: GenericClient>(client: &C) -> Result<Vec<Entry>, DbError> {
    use base64::Engine;
    let statement = client
        .prepare_cached(
            "SELECT kid, organisation, public_x, enrolled_at FROM directory ORDER BY enrolled_at, kid",
        )
        .await?;
    let rows = client.query(&statement, &[]).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let x: String = r.get(2);
        // A row that does not decode was not written by `enrol`; leave it out rather than
        // trust it.
        let Some(key) = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(x)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        else {
            tracing::warn!("directory row with an undecodable key left out");
            continue;
        };
        let enrolled: DateTime<Utc> = r.get(3);
        entries.push(Entry {
            kid: r.get(0),
            organisation: r.get(1),
            key,
            enrolled_at: enrolled.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
    }
    Ok(entries)
}

/// Records a client assertion's `jti`; false when it was already used. Expired ids are
/// cleared on the way, since an expired assertion is refused anyway.
pub async fn first_use_of_assertion<C: GenericClient>(
    client: &C,
    jti: &str,
    kid: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let leeway = chrono::Duration::seconds(crate::national::assertion::LEEWAY_SECS as i64);
    // One statement (one round trip, one commit). The DELETE runs whether or not the INSERT
    // conflicts, and after it: an id seen before is refused even if it has just expired,
    // which only errs towards refusing (ids are random; an honest suite never reuses one).
    let record = client
        .prepare_cached(
            "WITH cleared AS (DELETE FROM assertion_seen WHERE expires_at < $4)
             INSERT INTO assertion_seen (jti, kid, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (jti) DO NOTHING",
        )
        .await?;
    let inserted = client
        .execute(
            &record,
            &[&jti, &kid, &(expires_at + leeway), &(now - leeway)],
        )
        .await?;
    Ok(inserted == 1)
}

/// What is indexed from a verified bundle.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub bundle_id: &'a str,
    pub payload_sha256: &'a str,
    pub kid: &'a str,
    pub signed_at: &'a str,
    pub submitted_by: &'a str,
    pub nhs_number: Option<&'a str>,
    pub pnc_id: Option<&'a str>,
    pub family: &'a str,
    pub given: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub identifiers: serde_json::Value,
    pub body: &'a [u8],
}

/// What storing a bundle came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Newly stored, with its id and the time it was received.
    New(i64, DateTime<Utc>),
    /// The same signed content was already held (a replay or a retry).
    Duplicate(i64, DateTime<Utc>),
    /// A different bundle with this identifier is held.
    Conflict,
}

/// Stores `doc` unless its identifier is held; audits the outcome in the same transaction.
///
/// A new bundle (nearly every submission) is stored and audited by one statement: the insert
/// and, for the row it returns, the audit append, committed together in one round trip. Only
/// when nothing was inserted (a retry, a replay or a clash of identifiers) does the record look
/// at what it holds, in a transaction of its own.
pub async fn store(
    pool: &Pool,
    doc: &NewDocument<'_>,
    who: &audit::Event<'_>,
    now: DateTime<Utc>,
) -> Result<Outcome, DbError> {
    const INSERT: &str = "INSERT INTO document (bundle_id, payload_sha256, kid, signed_at,
                 received_at, submitted_by, nhs_number, pnc_id, family, given, birth_date,
                 identifiers, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (bundle_id) DO NOTHING RETURNING id";
    let columns: [&(dyn tokio_postgres::types::ToSql + Sync); 13] = [
        &doc.bundle_id,
        &doc.payload_sha256,
        &doc.kid,
        &doc.signed_at,
        &now,
        &doc.submitted_by,
        &doc.nhs_number,
        &doc.pnc_id,
        &doc.family,
        &doc.given,
        &doc.birth_date,
        &doc.identifiers,
        &doc.body,
    ];
    let audited = |result: &str| {
        let mut event = who.clone();
        event.detail = serde_json::json!({"bundle": doc.bundle_id, "result": result}).to_string();
        event
    };
    let mut client = pool.get().await?;

    let accepted = audited("accepted");
    let append = audit::Append::new(&accepted, now);
    let insert_and_audit = client
        .prepare_cached(&format!(
            "WITH stored AS ({INSERT}) SELECT id, {} FROM stored",
            audit::Append::call(14)
        ))
        .await?;
    let values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        columns.iter().copied().chain(append.values()).collect();
    if let Some(row) = client.query_opt(&insert_and_audit, &values).await? {
        return Ok(Outcome::New(row.get(0), now));
    }

    let tx = client.transaction().await?;
    let insert = tx.prepare_cached(INSERT).await?;
    // Tried again: the bundle held a moment ago may have been removed by the operator since.
    let outcome = match tx.query_opt(&insert, &columns).await? {
        Some(row) => Outcome::New(row.get(0), now),
        None => {
            let held = tx
                .query_one(
                    "SELECT id, payload_sha256, received_at FROM document WHERE bundle_id = $1",
                    &[&doc.bundle_id],
                )
                .await?;
            if held.get::<_, String>(1) == doc.payload_sha256 {
                Outcome::Duplicate(held.get(0), held.get(2))
            } else {
                Outcome::Conflict
            }
        }
    };
    let result = match &outcome {
        Outcome::New(..) => "accepted",
        Outcome::Duplicate(..) => "already held",
        Outcome::Conflict => "refused: another bundle holds this identifier",
    };
    audit::append(&tx, &audited(result), now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// How ITI-67 looks a person up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Nhs(String),
    Pnc(String),
    NameDob {
        family: String,
        given: Option<String>,
        birth_date: NaiveDate,
    },
}

/// The most results one query returns; a person with more handovers than this is listed
/// newest first.
pub const MAX_RESULTS: i64 = 100;

const STORED_COLUMNS: &str = "d.id, d.bundle_id, d.kid, k.organisation, d.signed_at, d.received_at,
    d.payload_sha256, length(d.body)::bigint, d.identifiers, d.family, d.given, d.birth_date";

fn stored(r: &tokio_postgres::Row) -> Stored {
    let received: DateTime<Utc> = r.get(5);
    let identifiers: serde_json::Value = r.get(8);
    let birth: Option<NaiveDate> = r.get(11);
    Stored {
        id: r.get(0),
        bundle_id: r.get(1),
        kid: r.get(2),
        organisation: r.get(3),
        signed_at: r.get(4),
        received_at: received.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        payload_sha256: r.get(6),
        size: r.get(7),
        identifiers: identifiers
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|i| Some((i[0].as_str()?.to_string(), i[1].as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        family: r.get(9),
        given: r.get(10),
        birth_date: birth.map(|d| d.to_string()),
    }
}

/// ITI-67: the documents about the person `q` names, newest first; audited with who asked.
///
/// A read needs no transaction around it and its audit row: nothing is returned unless the
/// row (which names what was found) has been committed, and a query that fails to be audited
/// changes nothing. Without BEGIN and COMMIT a lookup is two round trips here, not four.
pub async fn find(
    pool: &Pool,
    q: &Query,
    who: &audit::Event<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, DbError> {
    let client = pool.get().await?;
    let base =
        format!("SELECT {STORED_COLUMNS} FROM document d JOIN directory k ON k.kid = d.kid WHERE ");
    let order = " ORDER BY d.received_at DESC, d.id DESC LIMIT $";
    // Prepared once per connection (the text is the cache's key), so a lookup costs the
    // server no parsing or planning.
    let (rows, asked) = match q {
        Query::Nhs(n) => {
            let statement = client
                .prepare_cached(&format!("{base}d.nhs_number = $1{order}2"))
                .await?;
            (
                client.query(&statement, &[n, &MAX_RESULTS]).await?,
                serde_json::json!({"nhs_number": n}),
            )
        }
        Query::Pnc(p) => {
            let statement = client
                .prepare_cached(&format!("{base}d.pnc_id = $1{order}2"))
                .await?;
            (
                client.query(&statement, &[p, &MAX_RESULTS]).await?,
                serde_json::json!({"pnc_id": p}),
            )
        }
        Query::NameDob {
            family,
            given,
            birth_date,
        } => {
            let given_prefix = given.as_deref().unwrap_or("").to_lowercase();
            let statement = client
                .prepare_cached(&format!(
                    "{base}lower(d.family) = lower($1) AND d.birth_date = $2
                         AND lower(d.given) LIKE $3 || '%'{order}4"
                ))
                .await?;
            (
                client
                    .query(
                        &statement,
                        &[family, birth_date, &given_prefix, &MAX_RESULTS],
                    )
                    .await?,
                serde_json::json!({"family": family, "given": given, "birth_date": birth_date.to_string()}),
            )
        }
    };
    let found: Vec<Stored> = rows.iter().map(stored).collect();
    let mut event = who.clone();
    event.detail = serde_json::json!({
        "query": asked,
        "found": found.iter().map(|s| &s.bundle_id).collect::<Vec<_>>(),
    })
    .to_string();
    audit::append(&client, &event, now).await?;
    Ok(found)
}

/// ITI-68: one stored document's bytes, audited with who retrieved it.
pub async fn retrieve(
    pool: &Pool,
    id: i64,
    who: &audit::Event<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(Stored, Vec<u8>)>, DbError> {
    // As `find`: the answer is returned only once its audit row is committed.
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(&format!(
            "SELECT {STORED_COLUMNS}, d.body FROM document d JOIN directory k ON k.kid = d.kid
                 WHERE d.id = $1"
        ))
        .await?;
    let row = client.query_opt(&statement, &[&id]).await?;
    let found = row.map(|r| (stored(&r), r.get::<_, Vec<u8>>(12)));
    let mut event = who.clone();
    event.detail = serde_json::json!({
        "document": id,
        "bundle": found.as_ref().map(|(s, _)| s.bundle_id.clone()),
    })
    .to_string();
    audit::append(&client, &event, now).await?;
    Ok(found)
}

/// Records a refusal in the audit, outside any other transaction.
pub async fn audit_refusal(
    pool: &Pool,
    who: &audit::Event<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let client = pool.get().await?;
    // One statement, committed on its own: the advisory lock that orders the chain lasts
    // until that commit.
    audit::append(&client, who, now).await?;
    Ok(())
}
