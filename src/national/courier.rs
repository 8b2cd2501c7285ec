//! The suite's messenger to the national record: submissions and lookups run on a thread of
//! their own, so nothing waits on the network at the keyboard. The terminal hands it a
//! [`Job`] and picks up what is [`Done`] on its next tick; `sonar send` and `sonar lookup`
//! use the same two operations synchronously. It knows nothing of the suite's store: the
//! caller takes an outbox entry and records the answer.

use std::sync::mpsc::{self, Receiver};

use ed25519_dalek::{SigningKey, VerifyingKey};

use super::client::{ClientError, Found, RecordClient, Retrieved};
use crate::domain::national::{
    ASK_TIMEOUT, Failure, Lookup, RETRIEVE_AT_MOST, Receipt, SUBMIT_TIMEOUT,
};

/// Everything needed to talk to the record the suite joined, as the person logged in.
#[derive(Clone)]
pub struct Link {
    pub url: String,
    pub record_key: VerifyingKey,
    /// PEM of the record's TLS CA; `None` for plain HTTP on loopback.
    pub ca_pem: Option<Vec<u8>>,
    pub suite_key: SigningKey,
    /// Who at the suite is asking (in every client assertion, so in the record's audit).
    pub user: String,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the suite's secret key.
        f.debug_struct("Link")
            .field("url", &self.url)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Work for the courier.
#[derive(Debug, Clone)]
pub enum Job {
    /// Submit an outbox entry's signed bundle (ITI-65).
    Deliver { outbox_id: i64, bundle: Vec<u8> },
    /// Find and retrieve what the record holds about a person (ITI-67, ITI-68).
    Ask { ask: u64, lookups: Vec<Lookup> },
}

/// What the record said about a person: the verified documents (newest first, signers named
/// from the directory) and any found document that was refused, with why.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub documents: Vec<Retrieved>,
    pub refused: Vec<String>,
    /// How many documents the record listed in all (only the newest are retrieved).
    pub listed: usize,
}

/// A finished job.
#[derive(Debug, Clone)]
pub enum Done {
    Delivered {
        outbox_id: i64,
        result: Result<Receipt, Failure>,
    },
    Answered {
        ask: u64,
        result: Result<Answer, Failure>,
    },
}

fn failure(e: ClientError) -> Failure {
    match e {
        ClientError::Unreachable(_) => Failure::Unreachable(e.to_string()),
        other => Failure::Refused(other.to_string()),
    }
}

fn client(link: &Link, timeout: std::time::Duration) -> Result<RecordClient, Failure> {
    RecordClient::new(
        &link.url,
        link.suite_key.clone(),
        &link.user,
        link.record_key,
        link.ca_pem.as_deref(),
        timeout,
    )
    .map_err(failure)
}

/// Submits one signed bundle.
pub async fn deliver(link: &Link, bundle: &[u8]) -> Result<Receipt, Failure> {
    let receipt = client(link, SUBMIT_TIMEOUT)?
        .submit(bundle)
        .await
        .map_err(failure)?;
    Ok(Receipt {
        document: receipt.document,
        received_at: receipt.received_at,
    })
}

/// Asks the record about a person by each of `lookups`, then retrieves and verifies the
/// newest [`RETRIEVE_AT_MOST`] documents. The whole answer must come within [`ASK_TIMEOUT`].
pub async fn ask(link: &Link, lookups: &[Lookup]) -> Result<Answer, Failure> {
    let work = async {
        let client = client(link, ASK_TIMEOUT)?;
        let mut found: Vec<Found> = Vec::new();
        for lookup in lookups {
            for f in client.find(lookup).await.map_err(failure)? {
                if !found.iter().any(|g| g.bundle_id == f.bundle_id) {
                    found.push(f);
                }
            }
        }
        // RFC 3339 instants from one server sort as text.
        found.sort_by(|a, b| b.received_at.cmp(&a.received_at));
        let mut answer = Answer {
            listed: found.len(),
            ..Answer::default()
        };
        for f in found.iter().take(RETRIEVE_AT_MOST) {
            match client.retrieve(f).await {
                Ok(r) => answer.documents.push(r),
                Err(e @ ClientError::Unreachable(_)) => return Err(failure(e)),
                Err(e) => answer
                    .refused
                    .push(format!("{} from {}: {e}", f.bundle_id, f.organisation)),
            }
        }
        Ok(answer)
    };
    match tokio::time::timeout(ASK_TIMEOUT, work).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Unreachable(format!(
            "the national record cannot be reached: no answer within {} seconds",
            ASK_TIMEOUT.as_secs()
        ))),
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Unreachable(format!("cannot start the network runtime: {e}")))
}

/// [`deliver`], waiting for it (the command line).
pub fn deliver_blocking(link: &Link, bundle: &[u8]) -> Result<Receipt, Failure> {
    runtime()?.block_on(deliver(link, bundle))
}

/// [`ask`], waiting for it (the command line).
pub fn ask_blocking(link: &Link, lookups: &[Lookup]) -> Result<Answer, Failure> {
    runtime()?.block_on(ask(link, lookups))
}

/// A running courier: a thread running each job as it comes, concurrently, so a question at
/// booking-in never waits behind a slow submission.
pub struct Courier {
    jobs: tokio::sync::mpsc::UnboundedSender<Job>,
    done: Receiver<Done>,
    /// Who it speaks for: a new login (or a moved record) needs a new courier.
    pub link_id: (String, String),
}

impl Courier {
    /// Starts the thread. It ends when the courier is dropped.
    pub fn start(link: Link) -> Result<Courier, Failure> {
        let (jobs, mut inbox) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let (outbox, done) = mpsc::channel::<Done>();
        let runtime = runtime()?;
        let link_id = (link.url.clone(), link.user.clone());
        let link = std::sync::Arc::new(link);
        std::thread::Builder::new()
            .name("national-record".into())
            .spawn(move || {
                runtime.block_on(async move {
                    while let Some(job) = inbox.recv().await {
                        let (link, outbox) = (link.clone(), outbox.clone());
                        tokio::spawn(async move {
                            let finished = match job {
                                Job::Deliver { outbox_id, bundle } => Done::Delivered {
                                    outbox_id,
                                    result: deliver(&link, &bundle).await,
                                },
                                Job::Ask { ask: id, lookups } => Done::Answered {
                                    ask: id,
                                    result: ask(&link, &lookups).await,
                                },
                            };
                            // The terminal may have gone meanwhile: nothing to tell.
                            let _ = outbox.send(finished);
                        });
                    }
                });
            })
            .map_err(|e| Failure::Unreachable(format!("cannot start the courier: {e}")))?;
        Ok(Courier {
            jobs,
            done,
            link_id,
        })
    }

    /// Hands over a job; false if the thread has gone.
    pub fn send(&self, job: Job) -> bool {
        self.jobs.send(job).is_ok()
    }

    /// A finished job, if any (never waits).
    pub fn try_done(&self) -> Option<Done> {
        self.done.try_recv().ok()
    }
}
