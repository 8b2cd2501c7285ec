//! The suite's side of the national record: submit a signed bundle (ITI-65), find documents
//! about a person (ITI-67), retrieve one (ITI-68) and check it against the directory the
//! record published signed with the key the suite pinned when it joined. Every request
//! carries a fresh client assertion signed with the suite's key.

use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::{SigningKey, VerifyingKey};
use reqwest::{StatusCode, Url};
use serde_json::Value;

use crate::handover::verify::{self, Verified};
use crate::handover::{HandoverError, NHS_NUMBER_SYSTEM, pnc_system};
use crate::national::assertion::{self, AssertionError};
use crate::national::directory::{Directory, DirectoryError};
use crate::national::{DIRECTORY_PATH, FHIR_BASE_PATH, FHIR_JSON, mhd};

/// Why a request to the record did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the national record cannot be reached: {0}")]
    Unreachable(String),
    #[error("the national record refused: {0}")]
    Refused(String),
    #[error("the national record's answer is not understood: {0}")]
    BadAnswer(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error("the document from the national record does not verify: {0}")]
    Verify(#[from] HandoverError),
    #[error(transparent)]
    Assertion(#[from] AssertionError),
    #[error("the record's URL is not usable: {0}")]
    Url(String),
    #[error("TLS cannot be set up: {0}")]
    Tls(String),
}

/// The record's answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The record's document id.
    pub document: String,
    /// When the record first received it.
    pub received_at: String,
    /// False when the record already held this bundle (a retry or a replay).
    pub new: bool,
}

pub use crate::domain::national::Lookup;

/// One document the record holds about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub bundle_id: String,
    pub url: String,
    /// As the record's directory names the signer.
    pub organisation: String,
    pub kid: String,
    pub received_at: String,
}

/// A retrieved document that verified, and who signed it according to the directory.
#[derive(Debug, Clone)]
pub struct Retrieved {
    pub verified: Verified,
    pub signed_by: String,
}

/// A suite's connection to one national record.
pub struct RecordClient {
    http: reqwest::Client,
    base: Url,
    audience: String,
    key: SigningKey,
    user: String,
    record_key: VerifyingKey,
}

impl RecordClient {
    /// `base_url` is the record's URL; `record_key` the key pinned at joining; `roots` the
    /// PEM of the CA that signed the record's TLS certificate (none: plain HTTP, loopback only).
    pub fn new(
        base_url: &str,
        suite_key: SigningKey,
        user: &str,
        record_key: VerifyingKey,
        roots: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<RecordClient, ClientError> {
        let base = Url::parse(base_url).map_err(|e| ClientError::Url(e.to_string()))?;
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .https_only(roots.is_some());
        let is_loopback = base.host_str().is_some_and(|h| {
            h == "localhost"
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        if roots.is_none() && !is_loopback {
            return Err(ClientError::Url(
                "plain HTTP is only for a record on this machine (loopback); give the record's CA for TLS".into(),
            ));
        }
        // Always a preconfigured rustls (ring) client: nothing depends on a process-wide
        // provider, and without roots no TLS server is trusted at all.
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut store = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(roots.unwrap_or_default()) {
            let cert = cert.map_err(|e| ClientError::Tls(e.to_string()))?;
            store
                .add(cert)
                .map_err(|e| ClientError::Tls(e.to_string()))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
        builder = builder.tls_backend_preconfigured(config);
        let http = builder
            .build()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(RecordClient {
            http,
            audience: base_url.trim_end_matches('/').to_string(),
            base,
            key: suite_key,
            user: user.to_string(),
            record_key,
        })
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        let base = self.base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{path}")).map_err(|e| ClientError::Url(e.to_string()))
    }

    fn bearer(&self) -> Result<String, ClientError> {
        Ok(format!(
            "Bearer {}",
            assertion::make(&self.key, &self.user, &self.audience, Utc::now())?
        ))
    }

    async fn answer(
        resp: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<(StatusCode, Vec<u8>), ClientError> {
        let resp = resp.map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?
            .to_vec();
        if !status.is_success() {
            return Err(ClientError::Refused(
                mhd::outcome_sentence(&body).unwrap_or_else(|| format!("HTTP {status}")),
            ));
        }
        Ok((status, body))
    }

    /// The record's directory, verified with the pinned record key.
    pub async fn directory(&self) -> Result<Directory, ClientError> {
        let (_, body) = Self::answer(self.http.get(self.url(DIRECTORY_PATH)?).send().await).await?;
        let doc: Value =
            serde_json::from_slice(&body).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        Ok(Directory::verify_published(&doc, &self.record_key)?)
    }

    /// ITI-65: submits a signed bundle (its file's bytes) as an MHD transaction.
    pub async fn submit(&self, bundle: &[u8]) -> Result<Receipt, ClientError> {
        let value = verify::parse(bundle)?;
        let text = |p: &str| {
            value
                .pointer(p)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let transaction = mhd::provide_bundle(
            bundle,
            &text("/identifier/value"),
            &[],
            &crate::handover::build::timestamp(Utc::now()),
        );
        self.submit_transaction(
            &serde_json::to_vec(&transaction).map_err(|e| ClientError::BadAnswer(e.to_string()))?,
        )
        .await
    }

    /// Sends an ITI-65 body as it is (tests send malformed and oversized ones).
    pub async fn submit_transaction(&self, body: &[u8]) -> Result<Receipt, ClientError> {
        let resp = self
            .http
            .post(self.url(FHIR_BASE_PATH)?)
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .header(reqwest::header::CONTENT_TYPE, FHIR_JSON)
            .body(body.to_vec())
            .send()
            .await;
        let (status, body) = Self::answer(resp).await?;
        let v: Value =
            serde_json::from_slice(&body).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        let doc_ref = &v["entry"][1]["response"];
        let document = doc_ref["location"]
            .as_str()
            .and_then(|l| l.strip_prefix("DocumentReference/"))
            .ok_or_else(|| ClientError::BadAnswer("no DocumentReference location".into()))?;
        Ok(Receipt {
            document: document.to_string(),
            received_at: doc_ref["lastModified"].as_str().unwrap_or("").to_string(),
            new: status == StatusCode::CREATED,
        })
    }

    /// ITI-67: the documents the record holds about the person.
    pub async fn find(&self, lookup: &Lookup) -> Result<Vec<Found>, ClientError> {
        let mut url = self.url(&format!("{FHIR_BASE_PATH}/DocumentReference"))?;
        {
            let mut q = url.query_pairs_mut();
            match lookup {
                Lookup::Nhs(n) => {
                    q.append_pair("patient.identifier", &format!("{NHS_NUMBER_SYSTEM}|{n}"));
                }
                Lookup::Pnc(p) => {
                    q.append_pair("patient.identifier", &format!("{}|{p}", pnc_system()));
                }
                Lookup::NameDob {
                    family,
                    given,
                    birth_date,
                } => {
                    q.append_pair("patient.family", family);
                    if let Some(g) = given {
                        q.append_pair("patient.given", g);
                    }
                    q.append_pair("patient.birthdate", birth_date);
                }
            }
            q.append_pair("status", "current");
        }
        let resp = self
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .send()
            .await;
        let (_, body) = Self::answer(resp).await?;
        let v: Value =
            serde_json::from_slice(&body).map_err(|e| ClientError::BadAnswer(e.to_string()))?;
        let entries = v["entry"].as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .map(|e| {
                let r = &e["resource"];
                let s = |p: &str| r.pointer(p).and_then(Value::as_str).map(str::to_string);
                Ok(Found {
                    bundle_id: s("/masterIdentifier/value").ok_or_else(|| {
                        ClientError::BadAnswer("a result has no bundle id".into())
                    })?,
                    url: s("/content/0/attachment/url").ok_or_else(|| {
                        ClientError::BadAnswer("a result has no document URL".into())
                    })?,
                    organisation: s("/authenticator/display").unwrap_or_default(),
                    kid: s("/authenticator/extension/0/valueString").unwrap_or_default(),
                    received_at: s("/date").unwrap_or_default(),
                })
            })
            .collect()
    }

    /// ITI-68: retrieves a found document, verifies it against the record's directory
    /// (fetched and checked with the pinned key) and names its signer from the directory.
    pub async fn retrieve(&self, found: &Found) -> Result<Retrieved, ClientError> {
        let url = Url::parse(&found.url).map_err(|e| ClientError::Url(e.to_string()))?;
        if url.origin() != self.base.origin() {
            return Err(ClientError::BadAnswer(
                "the document's URL is not on the record this suite joined".into(),
            ));
        }
        let resp = self
            .http
            .get(url)
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .send()
            .await;
        let (_, body) = Self::answer(resp).await?;
        let directory = self.directory().await?;
        let verified = verify::verify(&body, &directory.trust())?;
        let signed_by = directory
            .organisation(&verified.kid)
            .unwrap_or("an organisation the directory no longer names")
            .to_string();
        Ok(Retrieved {
            verified,
            signed_by,
        })
    }
}
