//! The national record, as the suite keeps it (schema 0017): the record it joined (URL, pinned
//! key, CA), the outbox every handover is queued in, and how contact with the record stands.
//! The courier (`national::courier`) does the talking; this module only keeps the rows, so any
//! number of terminals and `sonar send` share one queue: an entry is taken under a lease in
//! one IMMEDIATE transaction, so only one of them sends it at a time.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::audit::{self, AuditAction};
use super::session::Store;
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::authority::Duty;
use crate::domain::national::{
    DeliveryState, Failure, LEASE, NationalStatus, OutboxEntry, Receipt, backoff,
};

/// The record the suite joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub url: String,
    /// The record's public key as a JWK (JSON text), pinned at joining.
    pub record_key: String,
    /// PEM of the CA that signs the record's TLS certificate; `None` for plain HTTP on
    /// loopback.
    pub ca_pem: Option<String>,
    pub joined_at: DateTime<Utc>,
    pub joined_by: String,
}

/// An outbox entry a terminal took: send it, then say how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    pub bundle_id: String,
    pub bundle: Vec<u8>,
}

/// Queues a handover's signed bundle, in the transaction that records the handover.
pub(super) fn queue_in(
    tx: &Transaction<'_>,
    handover_id: i64,
    bundle_id: &str,
    bundle: &[u8],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (handover_id, bundle_id, bundle, queued_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![handover_id, bundle_id, bundle, timestamp(now)],
    )?;
    Ok(())
}

pub(super) fn membership(conn: &Connection) -> Result<Option<Membership>, StoreError> {
    type Row = (String, String, Option<String>, String, String);
    let row: Option<Row> = conn
        .query_row(
            "SELECT url, record_key, ca_pem, joined_at, joined_by FROM national_membership",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    row.map(|(url, record_key, ca_pem, at, by)| {
        Ok(Membership {
            url,
            record_key,
            ca_pem,
            joined_at: parse_timestamp(&at)?,
            joined_by: by,
        })
    })
    .transpose()
}

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.map(|t| parse_timestamp(&t)).transpose()
}

/// How contact went, on the membership row: a failure to reach the record starts (or keeps)
/// "unreachable since"; any answer ends it.
fn note_contact(
    tx: &Transaction<'_>,
    outcome: Result<(), &Failure>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match outcome {
        Ok(()) => tx.execute(
            "UPDATE national_membership SET unreachable_since = NULL, last_problem = NULL",
            [],
        )?,
        Err(Failure::Unreachable(why)) => tx.execute(
            "UPDATE national_membership
             SET unreachable_since = coalesce(unreachable_since, ?1), last_problem = ?2",
            params![timestamp(now), why],
        )?,
        Err(Failure::Refused(why)) => tx.execute(
            "UPDATE national_membership SET unreachable_since = NULL, last_problem = ?1",
            [why],
        )?,
    };
    Ok(())
}

/// The outbox entries (of one detention's handover, or all), newest first. An entry is
/// "sent" while a terminal's lease on it runs (by the database's clock: every terminal's).
fn entries(conn: &Connection, detention_id: Option<i64>) -> Result<Vec<OutboxEntry>, StoreError> {
    collect_rows(
        conn,
        "SELECT o.id, o.bundle_id, d.custody_no, p.forenames || ' ' || p.surname,
                h.destination, o.queued_at, o.attempts, o.next_attempt_at,
                o.last_attempt_at, o.last_error, o.accepted_at, o.receipt_document,
                o.receipt_received_at,
                o.claimed_until IS NOT NULL
                  AND o.claimed_until > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         FROM outbox o
         JOIN handover h ON h.id = o.handover_id
         JOIN detention d ON d.id = h.detention_id
         JOIN person p ON p.id = d.person_id
         WHERE ?1 IS NULL OR h.detention_id = ?1
         ORDER BY o.id DESC",
        [detention_id],
        |r| {
            let accepted_at = opt_time(r.get(10)?)?;
            let receipt = match (
                r.get::<_, Option<String>>(11)?,
                r.get::<_, Option<String>>(12)?,
            ) {
                (Some(document), received) => Some(Receipt {
                    document,
                    received_at: received.unwrap_or_default(),
                }),
                _ => None,
            };
            let in_flight: bool = r.get(13)?;
            let state = if accepted_at.is_some() {
                DeliveryState::Accepted
            } else if in_flight {
                DeliveryState::Sent
            } else {
                DeliveryState::Queued
            };
            Ok(OutboxEntry {
                id: r.get(0)?,
                bundle_id: r.get(1)?,
                custody_no: r.get(2)?,
                name: r.get(3)?,
                destination: r.get(4)?,
                queued_at: parse_timestamp(&r.get::<_, String>(5)?)?,
                attempts: u32::try_from(r.get::<_, i64>(6)?).unwrap_or(u32::MAX),
                state,
                next_attempt_at: if accepted_at.is_some() {
                    None
                } else {
                    opt_time(r.get(7)?)?
                },
                last_attempt_at: opt_time(r.get(8)?)?,
                last_error: r.get(9)?,
                accepted_at,
                receipt,
            })
        },
    )
}

/// Where one detention's handover stands with the national record (the record screen and
/// `sonar record`); `None` before it is handed over.
pub(super) fn delivery_of(
    conn: &Connection,
    detention_id: i64,
) -> Result<Option<OutboxEntry>, StoreError> {
    Ok(entries(conn, Some(detention_id))?.into_iter().next())
}

impl Store {
    /// Joins the suite to a national record (or moves it to another): the URL, the record's
    /// key to pin and, for TLS, the CA. Handovers already queued go to the record joined.
    pub fn join_national(
        &mut self,
        url: &str,
        record_key_jwk: &str,
        ca_pem: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::JoinNationalRecord, now, |tx| {
            tx.execute("DELETE FROM national_membership", [])?;
            tx.execute(
                "INSERT INTO national_membership (id, url, record_key, ca_pem, joined_at, joined_by)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                params![url, record_key_jwk, ca_pem, timestamp(now), staff],
            )?;
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordWrite,
                "national_membership",
                &format!("joined the national record at {url}"),
            )?;
            Ok(())
        })
    }

    /// The record the suite joined, if any.
    pub fn national_membership(&self) -> Result<Option<Membership>, StoreError> {
        membership(self.conn())
    }

    /// Takes the next outbox entry due for sending, for `worker` (a terminal or `sonar
    /// send`), under a lease of [`LEASE`]. `None` when the suite has not joined a record or
    /// nothing is due.
    pub fn claim_delivery(
        &mut self,
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError> {
        self.claim(worker, now, Some(now))
    }

    /// As [`Store::claim_delivery`], not waiting for an entry's retry time: `sonar send`, run
    /// by a timer or by hand when the record is back, tries every waiting handover now (still
    /// never one another terminal is sending).
    pub fn claim_waiting(
        &mut self,
        worker: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Claim>, StoreError> {
        self.claim(worker, now, None)
    }

    fn claim(
        &mut self,
        worker: &str,
        now: DateTime<Utc>,
        due_by: Option<DateTime<Utc>>,
    ) -> Result<Option<Claim>, StoreError> {
        self.write(Duty::ContactNationalRecord, now, |tx| {
            if membership(tx)?.is_none() {
                return Ok(None);
            }
            let now_text = timestamp(now);
            let claim = tx
                .query_row(
                    "SELECT id, bundle_id, bundle FROM outbox
                     WHERE accepted_at IS NULL AND (?2 IS NULL OR next_attempt_at <= ?2)
                       AND (claimed_until IS NULL OR claimed_until <= ?1)
                     ORDER BY next_attempt_at, id LIMIT 1",
                    params![now_text, due_by.map(timestamp)],
                    |r| {
                        Ok(Claim {
                            id: r.get(0)?,
                            bundle_id: r.get(1)?,
                            bundle: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            if let Some(c) = &claim {
                tx.execute(
                    "UPDATE outbox SET claimed_by = ?1, claimed_until = ?2, last_attempt_at = ?3
                     WHERE id = ?4",
                    params![worker, timestamp(now + LEASE), now_text, c.id],
                )?;
            }
            Ok(claim)
        })
    }

    /// The record holds the entry: keep its receipt (whoever sent it: a receipt is a fact).
    pub fn delivery_accepted(
        &mut self,
        id: i64,
        receipt: &Receipt,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::ContactNationalRecord, now, |tx| {
            let bundle_id: String =
                tx.query_row("SELECT bundle_id FROM outbox WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            let changed = tx.execute(
                "UPDATE outbox SET accepted_at = ?1, receipt_document = ?2,
                     receipt_received_at = ?3, claimed_by = NULL, claimed_until = NULL,
                     last_error = NULL
                 WHERE id = ?4 AND accepted_at IS NULL",
                params![timestamp(now), receipt.document, receipt.received_at, id],
            )?;
            note_contact(tx, Ok(()), now)?;
            if changed == 1 {
                audit::append(
                    tx,
                    now,
                    &staff,
                    AuditAction::Export,
                    "outbox",
                    &format!(
                        "handover bundle {bundle_id} accepted by the national record, receipt {}",
                        receipt.document
                    ),
                )?;
            }
            Ok(())
        })
    }

    /// The attempt failed: try again after [`backoff`], and let any terminal take it then.
    /// Ignored when `worker` no longer holds the entry (its lease ended and another took it).
    pub fn delivery_failed(
        &mut self,
        id: i64,
        worker: &str,
        failure: &Failure,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(Duty::ContactNationalRecord, now, |tx| {
            let attempts: Option<i64> = tx
                .query_row(
                    "SELECT attempts FROM outbox
                     WHERE id = ?1 AND accepted_at IS NULL AND claimed_by = ?2",
                    params![id, worker],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(attempts) = attempts else {
                return Ok(());
            };
            let attempts = u32::try_from(attempts)
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            tx.execute(
                "UPDATE outbox SET attempts = ?1, next_attempt_at = ?2, last_error = ?3,
                     claimed_by = NULL, claimed_until = NULL
                 WHERE id = ?4",
                params![
                    i64::from(attempts),
                    timestamp(now + backoff(attempts)),
                    failure.sentence(),
                    id
                ],
            )?;
            note_contact(tx, Err(failure), now)
        })
    }

    /// How a lookup went (the banner and `sonar lookup`), for the board header.
    pub fn national_contact(
        &mut self,
        outcome: Result<(), &Failure>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(Duty::ContactNationalRecord, now, |tx| {
            note_contact(tx, outcome, now)
        })
    }

    /// Every handover in the outbox, newest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        entries(self.conn(), None)
    }

    /// Whether the suite joined a record, how many handovers wait, and since when the record
    /// could not be reached (read by every terminal each tick for the board header).
    pub fn national_status(&self) -> Result<NationalStatus, StoreError> {
        let conn = self.conn();
        let joined = conn
            .query_row(
                "SELECT url, unreachable_since, last_problem FROM national_membership",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?;
        let (waiting, next_due): (i64, Option<String>) = conn.query_row(
            "SELECT count(*), min(max(next_attempt_at, coalesce(claimed_until, '')))
             FROM outbox WHERE accepted_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let waiting = usize::try_from(waiting).unwrap_or(0);
        let next_due = opt_time(next_due)?;
        Ok(match joined {
            Some((url, since, problem)) => NationalStatus {
                joined: Some(url),
                waiting,
                unreachable_since: opt_time(since)?,
                last_problem: problem,
                next_due,
            },
            None => NationalStatus {
                waiting,
                next_due,
                ..NationalStatus::default()
            },
        })
    }
}

impl Store {
    /// Audits a question put to the national record (`sonar lookup`): who asked, by what,
    /// and how many documents came back. The record audits the query on its side too.
    pub fn audit_national_lookup(
        &mut self,
        asked: &str,
        listed: usize,
        verified: usize,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::AskNationalRecord, now, |tx| {
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordRead,
                "national record",
                &format!("asked by {asked}: {listed} listed, {verified} verified"),
            )?;
            Ok(())
        })
    }

    /// What identifies a person, for asking the record about them.
    pub fn person_keys(
        &self,
        person_id: i64,
    ) -> Result<Option<crate::domain::national::PersonKeys>, StoreError> {
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = self
            .conn()
            .query_row(
                "SELECT surname, forenames, date_of_birth, nhs_number, pnc_id
                 FROM person WHERE id = ?1",
                [person_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.map(|(surname, forenames, dob, nhs_number, pnc_id)| {
            crate::domain::national::PersonKeys {
                surname,
                forenames,
                date_of_birth: dob.and_then(|d| d.parse().ok()),
                nhs_number,
                pnc_id,
            }
        }))
    }
}
