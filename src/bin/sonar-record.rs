//! `sonar-record`: the national record service (see `sonar_custody::national`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sonar_custody::handover::keys;
use sonar_custody::national::server::{self, Config, Transport, db};

#[derive(Parser)]
#[command(
    name = "sonar-record",
    about = "The national record of custody handovers (FHIR R4, IHE MHD)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve {
        /// PostgreSQL: a postgresql:// URL or `host=… dbname=…` settings.
        #[arg(long, env = "SONAR_RECORD_DATABASE")]
        database: String,
        /// Address to listen on, e.g. 0.0.0.0:8443.
        #[arg(long)]
        listen: SocketAddr,
        /// The TLS certificate chain (PEM).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The TLS private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP; only on a loopback address (for a record on the same machine).
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        plain_http_on_loopback: bool,
        /// The URL suites use (their assertions name it as the audience).
        #[arg(long)]
        public_url: Option<String>,
        /// Database connections in the pool.
        #[arg(long, default_value_t = 16)]
        max_connections: usize,
    },
    /// Enrol a suite's public key (JWK or PEM, from `sonar keys export-public`) for an organisation.
    Enrol {
        #[arg(long, env = "SONAR_RECORD_DATABASE")]
        database: String,
        #[arg(long)]
        suite_key: PathBuf,
        #[arg(long)]
        organisation: String,
    },
    /// Print the record's public key (JWK), which suites pin when they join.
    Key {
        #[arg(long, env = "SONAR_RECORD_DATABASE")]
        database: String,
        /// Write it to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the audit's hash chain.
    AuditVerify {
        #[arg(long, env = "SONAR_RECORD_DATABASE")]
        database: String,
    },
}

fn init_logging() {
    // The same private log directory as the suite's, a file of its own; never the terminal.
    let Some(dir) = sonar_custody::logging::log_dir() else {
        return;
    };
    let Ok(file) = sonar_custody::logging::make_private_dir(&dir)
        .and_then(|()| sonar_custody::logging::open_private_log(&dir.join("sonar-record.log")))
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SONAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

async fn open(database: &str) -> anyhow::Result<deadpool_postgres::Pool> {
    let pool = db::pool(database, 2)?;
    db::migrate(&pool).await?;
    Ok(pool)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            database,
            listen,
            tls_cert,
            tls_key,
            plain_http_on_loopback,
            public_url,
            max_connections,
        } => {
            let transport = match (tls_cert, tls_key, plain_http_on_loopback) {
                (Some(cert), Some(key), false) => Transport::Tls { cert, key },
                (None, None, true) => Transport::PlainHttpOnLoopback,
                _ => bail!("give --tls-cert and --tls-key, or --plain-http-on-loopback"),
            };
            let running = server::start(Config {
                database,
                listen,
                transport,
                public_url,
                max_connections,
            })
            .await?;
            println!("national record serving at {}", running.url);
            running.wait().await.context("the service stopped")?;
        }
        Command::Enrol {
            database,
            suite_key,
            organisation,
        } => {
            let text = std::fs::read_to_string(&suite_key)
                .with_context(|| format!("cannot read {}", suite_key.display()))?;
            let found = keys::parse_public_keys(&text)?;
            let [key] = found.as_slice() else {
                bail!(
                    "{} holds {} keys; enrol one at a time",
                    suite_key.display(),
                    found.len()
                );
            };
            let organisation = organisation.trim();
            if organisation.is_empty() {
                bail!("the organisation's name is empty");
            }
            let pool = open(&database).await?;
            let new = db::enrol(&pool, key, organisation, chrono::Utc::now()).await?;
            let kid = keys::kid_of(key);
            let shown = sonar_custody::domain::text::printable_line(organisation);
            if new {
                println!("enrolled {kid} for {shown}");
            } else {
                println!("{kid} was already enrolled for {shown}");
            }
        }
        Command::Key { database, out } => {
            let pool = open(&database).await?;
            let key = db::record_key(&pool).await?;
            let jwk = format!("{}\n", keys::public_jwk(&key.verifying_key()));
            match out {
                Some(path) => std::fs::write(&path, jwk)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{jwk}"),
            }
        }
        Command::AuditVerify { database } => {
            let pool = open(&database).await?;
            let client = pool.get().await?;
            let rows = server::audit::verify(&client).await?;
            println!("the record's audit verifies: {} rows", rows.len());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sonar-record: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, nothing a terminal acts on: an error can quote a file or a request.
            eprintln!(
                "sonar-record: {}",
                sonar_custody::domain::text::printable_line(&format!("{e:#}"))
            );
            ExitCode::from(1)
        }
    }
}
