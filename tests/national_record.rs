//! The national record against a real PostgreSQL (a throwaway cluster, `tests/pg`) and the
//! real service on loopback: a suite's exported handover is accepted, found by NHS number,
//! PNC id and name with birth date, retrieved by another suite and verified, its signer named
//! from the record's signed directory; replays are idempotent; tampered, unenrolled,
//! mismatched, expired, replayed and oversized submissions are refused with a reason and
//! nothing is stored; the audit verifies and names every query.

mod pg;

use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use sonar_custody::handover::export::{self, Handover};
use sonar_custody::handover::{Destination, build, keys};
use sonar_custody::national::assertion::{self, Claims};
use sonar_custody::national::client::{ClientError, Lookup, RecordClient};
use sonar_custody::national::server::{self, Config, Transport, audit, db};
use sonar_custody::store::Store;

/// One bundle exported by suite A through the ordinary export code, and A's signing key.
struct Exported {
    bytes: Vec<u8>,
    bundle: Value,
    key: SigningKey,
    _dir: tempfile::TempDir,
}

fn exported() -> &'static Exported {
    static E: OnceLock<Exported> = OnceLock::new();
    E.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("sonar-national-")
            .tempdir()
            .unwrap();
        let db = dir.path().join("a.db");
        drop(sonar_custody::demo::create(&db, 0, Utc::now(), &mut |_, _| {}).unwrap());
        let mut store = Store::unlock(&db, "sergeant", "demo", Utc::now())
            .unwrap()
            .store;
        // Someone with an NHS number and a PNC id, so every way of finding them is tried.
        let custody_no = store
            .in_custody()
            .unwrap()
            .into_iter()
            .find(|e| {
                let r = sonar_custody::store::custody::record(
                    store.conn_for_reports(),
                    e.detention_id,
                    true,
                )
                .unwrap()
                .unwrap();
                r.nhs_number.is_some() && r.pnc_id.is_some()
            })
            .expect("a demo person with an NHS number and a PNC id")
            .custody_no;
        let written = export::export(
            &mut store,
            &Handover {
                custody_no: &custody_no,
                destination: Destination::Suite,
                receiving_org: "Southtown Custody Suite",
                receiving_officer: "PS Amy Rowe 2210",
            },
            &dir.path().join("out"),
            Utc::now(),
        )
        .unwrap();
        let bytes = std::fs::read(&written.bundle_path).unwrap();
        Exported {
            bundle: serde_json::from_slice(&bytes).unwrap(),
            bytes,
            key: written.prepared.draft.key.clone(),
            _dir: dir,
        }
    })
}

fn patient(bundle: &Value) -> &Value {
    &bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap()["resource"]
}

fn identifier(bundle: &Value, system: &str) -> String {
    patient(bundle)["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["system"] == system)
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The organisation the operator enrols suite A as: deliberately not the suite name inside
/// the bundle, so a test can tell which of the two a reader shows.
const A_ORG: &str = "Northshire Police, Northtown custody suite";
const B_ORG: &str = "Southshire Police, Southtown custody suite";

/// A record with its own database, serving on loopback, with suites A and B enrolled.
struct Record {
    database: String,
    pool: deadpool_postgres::Pool,
    url: String,
    record_key: ed25519_dalek::VerifyingKey,
    b_key: SigningKey,
    running: Option<server::Running>,
}

impl Record {
    async fn start() -> Record {
        let e = tokio::task::spawn_blocking(exported).await.unwrap();
        let database = tokio::task::spawn_blocking(|| pg::cluster().fresh_database())
            .await
            .unwrap();
        let running = server::start(Config {
            database: database.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            transport: Transport::PlainHttpOnLoopback,
            public_url: None,
            max_connections: 4,
        })
        .await
        .unwrap();
        let pool = db::pool(&database, 2).unwrap();
        let b_key = keys::generate();
        assert!(
            db::enrol(&pool, &e.key.verifying_key(), A_ORG, Utc::now())
                .await
                .unwrap()
        );
        assert!(
            db::enrol(&pool, &b_key.verifying_key(), B_ORG, Utc::now())
                .await
                .unwrap()
        );
        let record_key = db::record_key(&pool).await.unwrap().verifying_key();
        Record {
            database,
            pool,
            url: running.url.clone(),
            record_key,
            b_key,
            running: Some(running),
        }
    }

    fn client(&self, key: &SigningKey, user: &str) -> RecordClient {
        RecordClient::new(
            &self.url,
            key.clone(),
            user,
            self.record_key,
            None,
            Duration::from_secs(30),
        )
        .unwrap()
    }

    fn stored(&self) -> i64 {
        pg::cluster()
            .psql(&self.database, "SELECT count(*) FROM document")
            .parse()
            .unwrap()
    }

    async fn audit(&self) -> Vec<audit::Row> {
        let client = self.pool.get().await.unwrap();
        audit::verify(&client).await.unwrap()
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop();
        }
    }
}

fn refused(r: Result<impl std::fmt::Debug, ClientError>) -> String {
    match r {
        Err(ClientError::Refused(sentence)) => sentence,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_from_suite_a_is_found_and_verified_by_suite_b_signed_by_a_as_the_directory_names_it()
 {
    let record = Record::start().await;
    let e = exported();
    let a = record.client(&e.key, "sergeant");
    let receipt = a.submit(&e.bytes).await.unwrap();
    assert!(receipt.new);
    assert!(!receipt.received_at.is_empty());

    let b = record.client(&record.b_key, "booking-sergeant");
    let nhs = identifier(&e.bundle, sonar_custody::handover::NHS_NUMBER_SYSTEM);
    let pnc = identifier(&e.bundle, &sonar_custody::handover::pnc_system());
    let p = patient(&e.bundle);
    let by_name = Lookup::NameDob {
        family: p["name"][0]["family"].as_str().unwrap().to_uppercase(),
        given: p["name"][0]["given"][0].as_str().map(str::to_string),
        birth_date: p["birthDate"].as_str().unwrap().to_string(),
    };
    for lookup in [Lookup::Nhs(nhs.clone()), Lookup::Pnc(pnc.clone()), by_name] {
        let found = b.find(&lookup).await.unwrap();
        assert_eq!(found.len(), 1, "{lookup:?}");
        assert_eq!(found[0].organisation, A_ORG);
        assert_eq!(found[0].bundle_id, e.bundle["identifier"]["value"]);
    }
    let found = b.find(&Lookup::Nhs(nhs.clone())).await.unwrap();
    let got = b.retrieve(&found[0]).await.unwrap();
    // Signed by A as the directory names it, not as the bundle names itself.
    assert_eq!(got.signed_by, A_ORG);
    assert_ne!(got.verified.signer, A_ORG);
    assert_eq!(got.verified.bundle, e.bundle);
    // The flags travel and can be read by B.
    let flags = got.verified.bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Flag")
        .count();
    assert_eq!(
        flags,
        e.bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["resource"]["resourceType"] == "Flag")
            .count()
    );

    // Someone the record does not know: an empty answer, not an error.
    let nobody = b
        .find(&Lookup::NameDob {
            family: "Nobody".into(),
            given: None,
            birth_date: "1970-01-01".into(),
        })
        .await
        .unwrap();
    assert!(nobody.is_empty());

    // The audit verifies and names every query: who (suite and user) and what was asked.
    let rows = record.audit().await;
    let finds: Vec<&audit::Row> = rows.iter().filter(|r| r.action == "find").collect();
    assert_eq!(finds.len(), 5);
    assert!(
        finds
            .iter()
            .all(|r| r.organisation == B_ORG && r.user == "booking-sergeant")
    );
    assert!(finds[0].detail.contains(&nhs));
    assert!(finds[1].detail.contains(&pnc));
    assert!(
        rows.iter()
            .any(|r| r.action == "submit" && r.organisation == A_ORG && r.user == "sergeant")
    );
    assert!(
        rows.iter()
            .any(|r| r.action == "retrieve" && r.organisation == B_ORG)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_submission_is_idempotent_and_the_record_holds_one_copy() {
    let record = Record::start().await;
    let e = exported();
    let a = record.client(&e.key, "sergeant");
    let first = a.submit(&e.bytes).await.unwrap();
    let again = a.submit(&e.bytes).await.unwrap();
    assert!(first.new);
    assert!(!again.new);
    assert_eq!(first.document, again.document);
    assert_eq!(first.received_at, again.received_at);
    // Re-serialised (whitespace, member order) it is still the same signed bundle.
    let compact = serde_json::to_vec(&e.bundle).unwrap();
    assert!(!a.submit(&compact).await.unwrap().new);
    assert_eq!(record.stored(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unenrolled_mismatched_and_tampered_submissions_are_refused_and_nothing_is_stored() {
    let record = Record::start().await;
    let e = exported();

    // A suite the operator never enrolled, submitting a bundle it signed itself.
    let stranger = keys::generate();
    let mut own = e.bundle.clone();
    own.as_object_mut().unwrap().remove("signature");
    build::sign(
        &mut own,
        &stranger,
        &keys::kid_of(&stranger.verifying_key()),
    )
    .unwrap();
    let sentence = refused(
        record
            .client(&stranger, "x")
            .submit(&serde_json::to_vec(&own).unwrap())
            .await,
    );
    assert!(sentence.contains("not enrolled"), "{sentence}");

    // Suite B submitting suite A's bundle.
    let sentence = refused(record.client(&record.b_key, "x").submit(&e.bytes).await);
    assert!(
        sentence.contains(A_ORG) && sentence.contains("its own handovers"),
        "{sentence}"
    );

    // Suite A submitting its bundle altered after signing.
    let mut tampered = e.bundle.clone();
    let p = tampered["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap();
    p["resource"]["birthDate"] = Value::from("1999-12-31");
    let sentence = refused(
        record
            .client(&e.key, "x")
            .submit(&serde_json::to_vec(&tampered).unwrap())
            .await,
    );
    assert!(sentence.contains("altered after signing"), "{sentence}");

    // Not an MHD transaction at all.
    let sentence = refused(
        record
            .client(&e.key, "x")
            .submit_transaction(b"{\"hello\":1}")
            .await,
    );
    assert!(sentence.contains("transaction Bundle"), "{sentence}");

    // Over the size limit.
    let big = vec![b' '; sonar_custody::national::MAX_REQUEST_BYTES + 1];
    let sentence = refused(record.client(&e.key, "x").submit_transaction(&big).await);
    assert!(sentence.contains("larger than"), "{sentence}");

    assert_eq!(record.stored(), 0);
    let rows = record.audit().await;
    assert_eq!(
        rows.iter().filter(|r| r.action == "submit refused").count(),
        4
    );
    assert!(
        rows.iter()
            .any(|r| r.action == "refused" && r.detail.contains("not enrolled"))
    );
}

async fn raw_find(record: &Record, token: &str) -> (u16, String) {
    let url = format!(
        "{}/fhir/R4/DocumentReference?patient.family=Any&patient.birthdate=1980-01-01",
        record.url
    );
    // Any HTTP client will do: this one is the library's, for its TLS set-up.
    let resp = reqwest::Client::builder()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()
        .unwrap()
        .get(url)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    (
        status,
        sonar_custody::national::mhd::outcome_sentence(&body).unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_replayed_and_missing_client_assertions_are_refused_with_a_reason() {
    let record = Record::start().await;
    let now = Utc::now();
    let token = assertion::make(&record.b_key, "x", &record.url, now).unwrap();
    assert_eq!(raw_find(&record, &token).await.0, 200);
    let (status, sentence) = raw_find(&record, &token).await;
    assert_eq!(status, 401);
    assert!(sentence.contains("already used"), "{sentence}");

    let kid = keys::kid_of(&record.b_key.verifying_key());
    let old = now - chrono::Duration::minutes(20);
    let expired = assertion::sign_claims(
        &record.b_key,
        &Claims {
            iss: kid.clone(),
            sub: kid.clone(),
            aud: record.url.clone(),
            jti: "expired-1".into(),
            iat: old.timestamp(),
            exp: old.timestamp() + 300,
            sonar_user: "x".into(),
        },
    )
    .unwrap();
    let (status, sentence) = raw_find(&record, &expired).await;
    assert_eq!(status, 401);
    assert!(sentence.contains("expired"), "{sentence}");

    let elsewhere = assertion::make(&record.b_key, "x", "https://another.example", now).unwrap();
    let (status, sentence) = raw_find(&record, &elsewhere).await;
    assert_eq!(status, 401);
    assert!(sentence.contains("another service"), "{sentence}");

    let (status, sentence) = raw_find(&record, "").await;
    assert_eq!(status, 401);
    assert!(!sentence.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_is_append_only_and_a_changed_row_is_named() {
    let record = Record::start().await;
    let e = exported();
    record
        .client(&e.key, "sergeant")
        .submit(&e.bytes)
        .await
        .unwrap();
    let rows = record.audit().await;
    assert!(rows.len() >= 3);
    let cluster = pg::cluster();
    // The service's own role cannot change it: the trigger refuses.
    let refused = std::process::Command::new(pg::bin_dir_psql())
        .args(["-q", "-U", "postgres", "-h"])
        .arg(&cluster.socket_dir)
        .args([
            "-d",
            record.database.split("dbname=").nth(1).unwrap(),
            "-c",
            "UPDATE audit SET suite_user = 'someone else' WHERE seq = 2",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("append-only"));
    // A superuser who disables the trigger and edits a row is caught by the chain.
    cluster.psql(
        &record.database,
        "ALTER TABLE audit DISABLE TRIGGER audit_no_update; \
         UPDATE audit SET suite_user = 'someone else' WHERE seq = 2",
    );
    let client = record.pool.get().await.unwrap();
    let err = audit::verify(&client).await.unwrap_err().to_string();
    assert!(err.contains("row 2"), "{err}");
}

fn sonar_record(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("sonar-record")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_operator_enrols_suites_publishes_the_record_key_and_checks_the_audit_from_the_command_line()
{
    let database = pg::cluster().fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let suite = keys::generate().verifying_key();
    let key_file = dir.path().join("suite.jwk");
    std::fs::write(&key_file, keys::public_jwk(&suite).to_string()).unwrap();
    let key_path = key_file.to_str().unwrap();
    let enrol = |org: &str| {
        sonar_record(&[
            "enrol",
            "--database",
            &database,
            "--suite-key",
            key_path,
            "--organisation",
            org,
        ])
    };
    let out = enrol(A_ORG);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kid = keys::kid_of(&suite);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("enrolled {kid} for {A_ORG}")
    );
    assert!(String::from_utf8_lossy(&enrol(A_ORG).stdout).contains("already enrolled"));
    // One key, one organisation: enrolling it as another is refused in one line.
    let out = enrol(B_ORG);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("already enrolled for {A_ORG}")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);

    let out = sonar_record(&["key", "--database", &database]);
    assert!(out.status.success());
    let published = keys::parse_public_keys(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(published.len(), 1);

    let out = sonar_record(&["audit-verify", "--database", &database]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "the record's audit verifies: 1 rows"
    );

    // Plain HTTP anywhere but loopback is refused before anything starts.
    let out = sonar_record(&[
        "serve",
        "--database",
        &database,
        "--listen",
        "0.0.0.0:0",
        "--plain-http-on-loopback",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only for a loopback address"));
    let out = sonar_record(&["serve", "--database", &database, "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
}

/// A test CA and a certificate for 127.0.0.1 signed by it (openssl comes with Debian's
/// postgresql package, through ssl-cert).
fn test_certificates(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ed25519",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=sonar test CA",
        "-days",
        "2",
    ]);
    run(&[
        "req",
        "-newkey",
        "ed25519",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
    ]);
    (
        dir.join("leaf.pem"),
        dir.join("leaf.key"),
        std::fs::read(dir.join("ca.pem")).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_a_suite_submits_and_finds_and_an_untrusted_certificate_is_refused() {
    let e = tokio::task::spawn_blocking(exported).await.unwrap();
    let database = tokio::task::spawn_blocking(|| pg::cluster().fresh_database())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = test_certificates(dir.path());
    let running = server::start(Config {
        database: database.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        transport: Transport::Tls { cert, key },
        public_url: None,
        max_connections: 2,
    })
    .await
    .unwrap();
    assert!(running.url.starts_with("https://"));
    let pool = db::pool(&database, 1).unwrap();
    db::enrol(&pool, &e.key.verifying_key(), A_ORG, Utc::now())
        .await
        .unwrap();
    let record_key = db::record_key(&pool).await.unwrap().verifying_key();
    let client = |roots: &[u8]| {
        RecordClient::new(
            &running.url,
            e.key.clone(),
            "sergeant",
            record_key,
            Some(roots),
            Duration::from_secs(30),
        )
        .unwrap()
    };
    let a = client(&ca);
    assert!(a.submit(&e.bytes).await.unwrap().new);
    let nhs = identifier(&e.bundle, sonar_custody::handover::NHS_NUMBER_SYSTEM);
    let found = a.find(&Lookup::Nhs(nhs)).await.unwrap();
    assert_eq!(a.retrieve(&found[0]).await.unwrap().signed_by, A_ORG);

    // A client that trusts another CA never sends its request.
    let other = tempfile::tempdir().unwrap();
    let (_, _, other_ca) = test_certificates(other.path());
    match client(&other_ca).directory().await {
        Err(ClientError::Unreachable(_)) => {}
        other => panic!("expected the TLS handshake to fail, got {other:?}"),
    }
    running.stop();
}
