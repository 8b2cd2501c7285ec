//! The national record service: an axum app over a PostgreSQL pool. Every request is
//! authenticated by its client assertion against the key directory, every submitted bundle
//! is verified against the same directory before it is stored, and every submission, query,
//! retrieval and refusal is audited ([`audit`]). Bad input gets one sentence in an
//! OperationOutcome; nothing here panics on what a caller sends.

pub mod audit;
pub mod db;
mod handlers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use ed25519_dalek::SigningKey;

use super::{DIRECTORY_PATH, FHIR_BASE_PATH, MAX_REQUEST_BYTES};

/// How the service is reached.
#[derive(Debug, Clone)]
pub enum Transport {
    /// TLS with this certificate chain and private key (PEM files).
    Tls { cert: PathBuf, key: PathBuf },
    /// Plain HTTP: refused unless the listening address is loopback.
    PlainHttpOnLoopback,
}

/// What `sonar-record serve` was told.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: String,
    pub listen: SocketAddr,
    pub transport: Transport,
    /// The URL suites use, which their assertions must name as `aud`; by default
    /// `https://ADDR` (or `http://ADDR` on loopback).
    pub public_url: Option<String>,
    pub max_connections: usize,
}

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "plain HTTP is only for a loopback address ({0} is not one): give --tls-cert and --tls-key"
    )]
    PlainHttpNotLoopback(SocketAddr),
    #[error("the TLS certificate or key is not usable: {0}")]
    Tls(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] db::DbError),
}

/// What every handler shares.
pub(crate) struct Shared {
    pool: deadpool_postgres::Pool,
    record_key: SigningKey,
    /// The audience assertions must name, without a trailing slash.
    audience: String,
    /// The FHIR base URL, for the links in DocumentReferences.
    fhir_base: String,
}

/// A running service.
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Waits until the service stops (it only stops on an I/O error).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
    }

    /// Stops it at once (tests: the record going away mid-send).
    pub fn stop(self) {
        self.task.abort();
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(DIRECTORY_PATH, get(handlers::directory))
        .route(FHIR_BASE_PATH, post(handlers::provide))
        .route(
            &format!("{FHIR_BASE_PATH}/DocumentReference"),
            get(handlers::find),
        )
        .route(
            &format!("{FHIR_BASE_PATH}/Binary/{{id}}"),
            get(handlers::retrieve),
        )
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(shared)
}

fn tls_config(cert: &PathBuf, key: &PathBuf) -> Result<rustls::ServerConfig, ServeError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let tls = |e: &dyn std::fmt::Display| ServeError::Tls(e.to_string());
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| tls(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls(&e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| tls(&e))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| tls(&e))
}

/// Migrates the database, makes the record key on first start, and starts serving.
pub async fn start(config: Config) -> Result<Running, ServeError> {
    if matches!(config.transport, Transport::PlainHttpOnLoopback)
        && !config.listen.ip().is_loopback()
    {
        return Err(ServeError::PlainHttpNotLoopback(config.listen));
    }
    let tls = match &config.transport {
        Transport::Tls { cert, key } => Some(tls_config(cert, key)?),
        Transport::PlainHttpOnLoopback => None,
    };
    let pool = db::pool(&config.database, config.max_connections)?;
    db::migrate(&pool).await?;
    let record_key = db::record_key(&pool).await?;
    let listener =
        std::net::TcpListener::bind(config.listen).map_err(|source| ServeError::Listen {
            addr: config.listen,
            source,
        })?;
    let listen_err = |source| ServeError::Listen {
        addr: config.listen,
        source,
    };
    listener.set_nonblocking(true).map_err(listen_err)?;
    let addr = listener.local_addr().map_err(listen_err)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"))
        .trim_end_matches('/')
        .to_string();
    let shared = Arc::new(Shared {
        pool,
        record_key,
        audience: url.clone(),
        fhir_base: format!("{url}{FHIR_BASE_PATH}"),
    });
    let app = router(shared).into_make_service();
    let task = match tls {
        Some(tls) => {
            let rustls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls));
            let server = axum_server::from_tcp_rustls(listener, rustls).map_err(listen_err)?;
            tokio::spawn(server.serve(app))
        }
        None => {
            let server = axum_server::from_tcp(listener).map_err(listen_err)?;
            tokio::spawn(server.serve(app))
        }
    };
    tracing::info!(%addr, "national record serving");
    Ok(Running { addr, url, task })
}
