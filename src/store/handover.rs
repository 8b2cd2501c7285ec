//! The suite's signing keys, handovers and imported bundles (schema 0003_handover.sql).

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use super::audit::{self, AuditAction};
use super::custody::{self, NewFlag, NewPerson};
use super::{Store, StoreError, collect_rows, timestamp};
use crate::domain::handover::{self as keys, ImportPlan};
pub use crate::domain::handover::{HandoverDraft, NewHandover, consents_to_share};

/// One of the suite's signing keys, public half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyRow {
    pub kid: String,
    pub key: VerifyingKey,
    pub created_at: String,
    pub retired_at: Option<String>,
}

/// Makes a new signing key and stores it; returns its kid.
pub fn create_signing_key(conn: &Connection, now: DateTime<Utc>) -> Result<String, StoreError> {
    let key = keys::generate();
    let public = key.verifying_key();
    let kid = keys::kid_of(&public);
    let secret = Zeroizing::new(key.to_bytes());
    conn.prepare_cached(
        "INSERT INTO signing_key (kid, public_key, secret_key, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        kid,
        public.as_bytes().as_slice(),
        secret.as_slice(),
        timestamp(now)
    ])?;
    Ok(kid)
}

pub(crate) fn current_key(conn: &Connection) -> Result<Option<(SigningKey, String)>, StoreError> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row(
            "SELECT kid, secret_key FROM signing_key
             WHERE retired_at IS NULL AND secret_key IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((kid, secret)) = row else {
        return Ok(None);
    };
    let secret = Zeroizing::new(secret);
    let bytes: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| StoreError::Internal("a stored signing key is not 32 bytes".into()))?;
    let key = SigningKey::from_bytes(&bytes);
    if keys::kid_of(&key.verifying_key()) != kid {
        return Err(StoreError::Internal(
            "the stored signing key does not match its kid".into(),
        ));
    }
    Ok(Some((key, kid)))
}

/// The suite's signing key, made (and audited) if this database has none yet.
pub(crate) fn signing_key_in(
    tx: &Connection,
    staff: &str,
    now: DateTime<Utc>,
) -> Result<(SigningKey, String), StoreError> {
    if let Some(found) = current_key(tx)? {
        return Ok(found);
    }
    let kid = create_signing_key(tx, now)?;
    audit::append(
        tx,
        now,
        staff,
        AuditAction::RecordWrite,
        "signing_key",
        &format!("created {kid}"),
    )?;
    current_key(tx)?
        .ok_or_else(|| StoreError::Internal("the new signing key was not stored".into()))
}

/// Every public key the suite has signed with, newest first (retired ones too).
pub fn public_keys(conn: &Connection) -> Result<Vec<PublicKeyRow>, StoreError> {
    collect_rows(
        conn,
        "SELECT kid, public_key, created_at, retired_at FROM signing_key ORDER BY id DESC",
        [],
        |r| {
            let bytes: Vec<u8> = r.get(1)?;
            let bytes: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Internal("a stored public key is not 32 bytes".into()))?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|_| StoreError::Internal("a stored public key is not valid".into()))?;
            Ok(PublicKeyRow {
                kid: r.get(0)?,
                key,
                created_at: r.get(2)?,
                retired_at: r.get(3)?,
            })
        },
    )
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Imported {
        person_id: i64,
        new_person: bool,
        flags: usize,
    },
    AlreadyImported {
        at: String,
        by: String,
    },
}

fn detention_by_number(
    conn: &Connection,
    custody_no: &str,
) -> Result<(i64, Option<String>), StoreError> {
    conn.query_row(
        "SELECT id, closed_at FROM detention WHERE custody_no = ?1",
        [custody_no],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::Invalid(format!("there is no custody record {custody_no}")))
}

fn handed_over(
    conn: &Connection,
    detention_id: i64,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT handed_over_at, destination FROM handover WHERE detention_id = ?1",
            [detention_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

impl Store {
    /// The suite's signing key (made now if this database predates signing keys) and kid.
    pub fn signing_key(&mut self, now: DateTime<Utc>) -> Result<(SigningKey, String), StoreError> {
        let staff = self.identity().username.clone();
        self.transact(|tx| signing_key_in(tx, &staff, now))
    }

    /// Every public key this suite has signed with, newest first.
    pub fn public_keys(&self) -> Result<Vec<PublicKeyRow>, StoreError> {
        public_keys(self.conn())
    }

    /// Retires the signing key (its public half is kept, its secret wiped) and makes a new one.
    pub fn rotate_signing_key(&mut self, now: DateTime<Utc>) -> Result<String, StoreError> {
        self.permit(Duty::ManageKeys)?;
        let staff = self.identity().username.clone();
        self.write(Duty::ManageKeys, now, |tx| {
            tx.execute(
                "UPDATE signing_key SET retired_at = ?1, secret_key = NULL WHERE retired_at IS NULL",
                [timestamp(now)],
            )?;
            let kid = create_signing_key(tx, now)?;
            audit::append(tx, now, &staff, AuditAction::RecordWrite, "signing_key", &format!("rotated to {kid}"))?;
            Ok(kid)
        })
    }

    /// Everything to build a handover bundle for `custody_no`, refusing one already handed
    /// over or no longer in custody. Clinical notes are not read (see handover::build).
    pub fn handover_draft(
        &mut self,
        custody_no: &str,
        now: DateTime<Utc>,
    ) -> Result<HandoverDraft, StoreError> {
        self.permit(Duty::HandOver)?;
        let staff = self.identity().username.clone();
        let mut draft = self.write(Duty::HandOver, now, |tx| {
            let (detention_id, closed_at) = detention_by_number(tx, custody_no)?;
            if let Some((at, destination)) = handed_over(tx, detention_id)? {
                return Err(StoreError::Invalid(format!(
                    "custody record {custody_no} was already handed over ({destination}, {at}); its record is read-only"
                )));
            }
            if closed_at.is_some() {
                return Err(StoreError::Invalid(format!(
                    "custody record {custody_no} is closed: the person is no longer in custody here"
                )));
            }
            let mut record = custody::record(tx, detention_id, false)?.ok_or_else(|| {
                StoreError::Invalid(format!("there is no custody record {custody_no}"))
            })?;
            // Clinical sections leave only with the person's consent to share with the
            // receiving establishment; without it they are not even read.
            if consents_to_share(&record) {
                record.news2 = super::clinical::scores_for(
                    tx,
                    detention_id,
                    super::clinical::ScoreKind::News2,
                )?;
                record.referrals = super::clinical::referrals_for(tx, detention_id, true)?;
                record.appointments =
                    super::clinical::appointments_for(tx, detention_id, true)?;
                // Self-harm and mental health history go with consent; clinical notes never
                // leave, whatever the consent (docs/handover.md, "What leaves the suite").
                let mut clinical = super::record::clinical_record(tx, detention_id, true)?;
                clinical
                    .entries
                    .retain(|e| e.fact.kind() != crate::domain::record::FactKind::Note);
                for c in &mut clinical.contacts {
                    c.note = None;
                }
                clinical.known = std::mem::take(&mut record.record.known);
                record.record = clinical;
            }
            let (key, kid) = signing_key_in(tx, &staff, now)?;
            let suite_name: String = tx.query_row(
                "SELECT value FROM settings WHERE key = 'suite_name'",
                [],
                |r| r.get(0),
            )?;
            let national_record = super::national::membership(tx)?.map(|m| m.url);
            audit::append(tx, now, &staff, AuditAction::RecordRead, &detention_id.to_string(), "handover export")?;
            Ok(HandoverDraft {
                detention_id,
                record,
                suite_name,
                key,
                kid,
                checkpoint: None,
                national_record,
            })
        })?;
        // The checkpoint the bundle carries is the one written now, after the draft's read.
        draft.checkpoint = match self.checkpoint(now) {
            Ok(written) => written,
            Err(e) => {
                tracing::warn!(error = %e, "the checkpoint was not written at export");
                None
            }
        };
        Ok(draft)
    }

    /// Records a handover: closes the detention with its destination, stores the bundle's
    /// hash, and audits it, in one transaction. From then on the record is read-only.
    pub fn record_handover(
        &mut self,
        h: &NewHandover<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::HandOver, now, |tx| {
            let closed: Option<Option<String>> = tx
                .query_row("SELECT closed_at FROM detention WHERE id = ?1", [h.detention_id], |r| r.get(0))
                .optional()?;
            match closed {
                None => return Err(StoreError::Invalid("the custody record is gone".into())),
                Some(Some(_)) => {
                    return Err(StoreError::Invalid(
                        "another terminal closed this custody record while the bundle was being made".into(),
                    ));
                }
                Some(None) => {}
            }
            // No release or transfer without a completed pre-release risk assessment (Essex
            // Police procedure E0107: "must be completed for every detainee"). Checked here as
            // well as before the bundle is built, so no caller can close a detention without it.
            if !super::prra::prra_completed(tx, h.detention_id)? {
                let custody_no: String = tx.query_row(
                    "SELECT custody_no FROM detention WHERE id = ?1",
                    [h.detention_id],
                    |r| r.get(0),
                )?;
                return Err(StoreError::Invalid(crate::domain::prra::not_complete(
                    &custody_no,
                )));
            }
            tx.execute(
                "UPDATE detention SET closed_at = ?1, destination = ?2 WHERE id = ?3",
                params![timestamp(now), h.destination, h.detention_id],
            )?;
            tx.execute(
                "INSERT INTO handover (detention_id, destination, receiving_org, receiving_officer,
                     handed_over_at, handed_over_by, bundle_id, bundle_sha256, kid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    h.detention_id,
                    h.destination,
                    h.receiving_org,
                    h.receiving_officer,
                    timestamp(now),
                    staff,
                    h.bundle_id,
                    h.bundle_sha256,
                    h.kid
                ],
            )?;
            // Queued for the national record in the same transaction: no handover without
            // its place in the outbox (schema 0017).
            let handover_id = tx.last_insert_rowid();
            super::national::queue_in(tx, handover_id, h.bundle_id, h.bundle, now)?;
            let detail = serde_json::json!({
                "destination": h.destination,
                "receiving_org": h.receiving_org,
                "receiving_officer": h.receiving_officer,
                "bundle_id": h.bundle_id,
                "bundle_sha256": h.bundle_sha256,
                "kid": h.kid,
                "risk_to_life_disclosed": h.disclosed_flags,
                "justification": crate::domain::handover::DISCLOSURE_JUSTIFICATION,
            })
            .to_string();
            audit::append(tx, now, &staff, AuditAction::Export, &h.detention_id.to_string(), &detail)?;
            Ok(())
        })?;
        if let Err(e) = self.checkpoint(now) {
            tracing::warn!(error = %e, "the checkpoint was not written after the export");
        }
        Ok(())
    }

    /// Stores a verified bundle's person, flags and plan as known from the sending suite, all
    /// or nothing; a bundle already imported changes nothing.
    pub fn import_bundle(
        &mut self,
        plan: &ImportPlan,
        now: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        self.import_onto(plan, None, now)
    }

    /// [`Store::import_bundle`] onto a person the caller has already identified (the person
    /// being booked in, whom the national record was asked about), rather than one found by
    /// the bundle's NHS number or PNC id.
    pub fn import_bundle_for(
        &mut self,
        plan: &ImportPlan,
        person_id: i64,
        now: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        self.import_onto(plan, Some(person_id), now)
    }

    fn import_onto(
        &mut self,
        plan: &ImportPlan,
        onto: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        let staff = self.identity().username.clone();
        self.write(Duty::ImportHandover, now, |tx| {
            let before: Option<(String, String)> = tx
                .query_row(
                    "SELECT imported_at, imported_by FROM handover_import WHERE bundle_system = ?1 AND bundle_id = ?2",
                    params![plan.bundle_system, plan.bundle_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((at, by)) = before {
                return Ok(ImportOutcome::AlreadyImported { at, by });
            }
            let provenance = plan.provenance();
            let existing: Option<i64> = match (&plan.nhs_number, &plan.pnc_id) {
                _ if onto.is_some() => onto,
                (Some(nhs), _) => tx
                    .query_row("SELECT id FROM person WHERE nhs_number = ?1 ORDER BY id LIMIT 1", [nhs], |r| r.get(0))
                    .optional()?,
                _ => None,
            };
            let existing = match (existing, &plan.pnc_id) {
                (None, Some(pnc)) => tx
                    .query_row("SELECT id FROM person WHERE pnc_id = ?1 ORDER BY id LIMIT 1", [pnc], |r| r.get(0))
                    .optional()?,
                (found, _) => found,
            };
            let (person_id, new_person) = match existing {
                Some(id) => (id, false),
                None => {
                    let sex = plan
                        .sex
                        .as_deref()
                        .filter(|s| matches!(*s, "male" | "female" | "other" | "unknown"))
                        .map(str::to_string);
                    let id = custody::insert_person(
                        tx,
                        &NewPerson {
                            surname: plan.surname.clone(),
                            forenames: plan.forenames.clone(),
                            date_of_birth: plan.date_of_birth,
                            sex,
                            nhs_number: plan.nhs_number.clone(),
                            pnc_id: plan.pnc_id.clone(),
                        },
                        now,
                    )?;
                    (id, true)
                }
            };
            let import_id = insert_import(
                tx,
                &NewImport {
                    bundle_system: &plan.bundle_system,
                    bundle_id: &plan.bundle_id,
                    payload_sha256: &plan.payload_sha256,
                    source_suite: &plan.source_suite,
                    signed_at: plan.signed_at,
                    kid: &plan.kid,
                    person_id,
                    imported_at: now,
                    imported_by: &staff,
                },
            )?;
            for f in &plan.flags {
                let severity = match f.severity.as_str() {
                    s @ ("information" | "attention" | "warning" | "alert") => s,
                    _ => "information",
                };
                custody::insert_flag(
                    tx,
                    &NewFlag {
                        person_id,
                        detention_id: None,
                        code: &f.code,
                        severity,
                        reason: &f.reason,
                        source: &provenance,
                        raised_by: &plan.source_suite,
                        raised_at: plan.signed_at,
                    },
                )?;
            }
            for (kind, text) in &plan.notes {
                insert_imported_note(tx, import_id, person_id, kind, text)?;
            }
            let entries = super::record::insert_imported_entries(
                tx,
                person_id,
                import_id,
                &plan.source_suite,
                plan.signed_at,
                &plan.entries,
            )?;
            let detail = serde_json::json!({
                "bundle_id": plan.bundle_id,
                "from": plan.source_suite,
                "kid": plan.kid,
                "flags": plan.flags.len(),
                "record_entries": entries,
                "new_person": new_person,
            })
            .to_string();
            audit::append(tx, now, &staff, AuditAction::Import, &person_id.to_string(), &detail)?;
            Ok(ImportOutcome::Imported { person_id, new_person, flags: plan.flags.len() })
        })
    }

    /// Notes imported for a person: `(kind, text, source suite, signed at)`. Referrals and
    /// appointments (`import::HCP_ONLY_NOTES`) are selected for HCPs only.
    pub fn imported_notes(
        &self,
        person_id: i64,
    ) -> Result<Vec<(String, String, String, String)>, StoreError> {
        let clinical = self.identity().role.sees_clinical_detail();
        let [a, b] = crate::domain::handover::HCP_ONLY_NOTES;
        let mut stmt = self.conn().prepare_cached(
            "SELECT n.kind, n.text, i.source_suite, i.signed_at FROM imported_note n
             JOIN handover_import i ON i.id = n.import_id
             WHERE n.person_id = ?1 AND (?2 OR n.kind NOT IN (?3, ?4)) ORDER BY n.id",
        )?;
        let rows = stmt.query_map(params![person_id, clinical, a, b], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many rows a table has (tests and reports: import changes nothing on failure).
    pub fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        const TABLES: [&str; 7] = [
            "person",
            "flag",
            "handover",
            "handover_import",
            "imported_note",
            "detention",
            "record_entry",
        ];
        if !TABLES.contains(&table) {
            return Err(StoreError::Internal(format!(
                "no such table to count: {table}"
            )));
        }
        Ok(self
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
    }
}

/// One bundle imported for a person: who sent it, when it was signed, with which key.
#[derive(Debug, Clone)]
pub struct NewImport<'a> {
    pub bundle_system: &'a str,
    pub bundle_id: &'a str,
    pub payload_sha256: &'a str,
    pub source_suite: &'a str,
    pub signed_at: DateTime<Utc>,
    pub kid: &'a str,
    pub person_id: i64,
    pub imported_at: DateTime<Utc>,
    pub imported_by: &'a str,
}

/// Records an import (its flags and notes are written beside it); returns its id.
pub fn insert_import(conn: &Connection, i: &NewImport<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO handover_import (bundle_system, bundle_id, payload_sha256, source_suite,
             signed_at, kid, person_id, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            i.bundle_system,
            i.bundle_id,
            i.payload_sha256,
            i.source_suite,
            timestamp(i.signed_at),
            i.kid,
            i.person_id,
            timestamp(i.imported_at),
            i.imported_by
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What an imported bundle said that has no table of its own: kept as known from the sender.
pub fn insert_imported_note(
    conn: &Connection,
    import_id: i64,
    person_id: i64,
    kind: &str,
    text: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO imported_note (import_id, person_id, kind, text) VALUES (?1, ?2, ?3, ?4)",
        params![import_id, person_id, kind, text],
    )?;
    Ok(())
}
