//! `sonar export`, `sonar verify`, `sonar import` and `sonar keys`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};

use super::{login, write_private};
use crate::cli::LoginArgs;
use crate::domain::clock::Clock;
use crate::domain::observation::to_london_with_day;
use crate::domain::text::{printable, printable_line};
use crate::handover::export::{self, Handover};
use crate::handover::verify::{self, Trust, Verified};
use crate::handover::{Destination, import as import_plan, keys as key_forms};
use crate::store::handover::ImportOutcome;

/// The store is where an export reads its draft and records the handover (the handover
/// module names no store type; DESIGN.md, "Architecture").
impl export::HandoverStorage for crate::store::Store {
    type Error = crate::store::StoreError;
    fn handover_draft(
        &mut self,
        custody_no: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::domain::handover::HandoverDraft, Self::Error> {
        crate::store::Store::handover_draft(self, custody_no, now)
    }
    fn author(&self) -> (String, String) {
        let identity = self.identity();
        (identity.display_name.clone(), identity.username.clone())
    }
    fn record_handover(
        &mut self,
        h: &crate::domain::handover::NewHandover<'_>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), Self::Error> {
        crate::store::Store::record_handover(self, h, now)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DestinationArg {
    Court,
    Prison,
    Hospital,
    Suite,
    Release,
}

impl From<DestinationArg> for Destination {
    fn from(d: DestinationArg) -> Destination {
        match d {
            DestinationArg::Court => Destination::Court,
            DestinationArg::Prison => Destination::Prison,
            DestinationArg::Hospital => Destination::Hospital,
            DestinationArg::Suite => Destination::Suite,
            DestinationArg::Release => Destination::Release,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The custody number of the person being handed over.
    pub custody_no: String,
    /// Where the person goes.
    #[arg(long, value_enum)]
    pub destination: DestinationArg,
    /// The directory to write the bundle and the escort summary to (made if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The receiving organisation (e.g. HMP Northtown).
    #[arg(long, value_name = "NAME", default_value = "")]
    pub receiving_org: String,
    /// The receiving officer's name and id.
    #[arg(long, value_name = "NAME", default_value = "")]
    pub receiving_officer: String,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The bundle file (JSON).
    pub bundle: PathBuf,
    /// Trust this public key (JWK, JWK Set or PEM) or every key file in this directory,
    /// instead of this suite's own keys (then no database is needed for verify).
    #[arg(long, value_name = "KEYFILE_OR_DIR")]
    pub trust: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Print the signing key's fingerprint (the kid) and earlier keys kept for verification.
    Show,
    /// Write the public key: a JWK (all keys as a JWK Set with --all), or PEM with --pem.
    ExportPublic {
        /// Write to this file (mode 0600) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// SPKI PEM instead of a JWK.
        #[arg(long, conflicts_with = "all")]
        pem: bool,
        /// Every key the suite has signed with (a JWK Set), for verifying older bundles.
        #[arg(long)]
        all: bool,
    },
    /// Retire the signing key (its public half is kept) and make a new one (administrators).
    Rotate,
}

/// `sonar export`.
pub fn export(args: &LoginArgs, a: &ExportArgs, clock: &dyn Clock) -> Result<u8> {
    let mut store = login(args, clock)?;
    let destination: Destination = a.destination.into();
    let handover = Handover {
        custody_no: &a.custody_no,
        destination,
        receiving_org: &a.receiving_org,
        receiving_officer: &a.receiving_officer,
    };
    let written = export::export(&mut store, &handover, &a.out, clock.now())?;
    let record = &written.prepared.draft.record;
    let entry = &record.entry;
    // The draft was read before the export closed the detention: its emergencies are the
    // ones the bundle carries, so the cautions and the bundle agree.
    let cautions = crate::domain::transfer::cautions(
        &crate::handover::leaving(record, destination),
        clock.now(),
    );
    let p = |t: &str| printable_line(t);
    let mut text = format!(
        "Handed over {} ({} {}) to {}; the custody record is now closed and read-only.\n",
        p(&entry.custody_no),
        p(&entry.forenames),
        p(&entry.surname),
        destination.label()
    );
    text.push_str(&format!(
        "Bundle:         {}\n",
        written.bundle_path.display()
    ));
    text.push_str(&format!(
        "Escort summary: {}\n",
        written.escort_path.display()
    ));
    if let Some(path) = &written.release_path {
        text.push_str(&format!("Person's copy:  {}\n", path.display()));
    }
    text.push_str(&format!("SHA-256:        {}\n", written.prepared.sha256));
    text.push_str(&format!(
        "Signed with:    {}\n",
        p(&written.prepared.draft.kid)
    ));
    for c in cautions {
        text.push_str(&format!("Caution: {}\n", p(&c)));
    }
    out(&text)?;
    Ok(0)
}

/// Writes to standard output, so a closed pipe is an error main treats as success. The text
/// passes through `printable` once more on its way out: the fields were escaped where they
/// were put in, and nothing a terminal acts on leaves here whatever a caller forgot.
fn out(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(printable(text).as_bytes())?;
    stdout.flush()?;
    Ok(())
}

fn key_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read the directory {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            bail!("the trust directory {} holds no key files", path.display());
        }
        Ok(files)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

/// The largest key file `--trust` reads (a JWK Set of every key a suite has had is a few KiB).
pub const MAX_KEY_FILE_BYTES: u64 = 256 * 1024;

/// The keys named by `--trust`.
pub fn load_trust(path: &Path) -> Result<Trust> {
    let mut all = Vec::new();
    for file in key_files(path)? {
        let text = crate::limited_file::read_text(&file, MAX_KEY_FILE_BYTES, "a trusted key file")?;
        let keys = key_forms::parse_public_keys(&text)
            .with_context(|| format!("{} is not a public key", file.display()))?;
        all.extend(keys);
    }
    Ok(Trust::new(all))
}

/// Reads a bundle file, refusing a device, a pipe or anything over
/// [`crate::handover::MAX_BUNDLE_BYTES`] before reading it, then verifies it.
fn read_and_verify(bundle: &Path, trust: &Trust) -> Result<Verified> {
    let bytes = crate::limited_file::read(
        bundle,
        crate::handover::MAX_BUNDLE_BYTES,
        "a handover bundle",
    )?;
    verify::verify(&bytes, trust).with_context(|| format!("{} does not verify", bundle.display()))
}

/// What a verified bundle says. Every value comes from the bundle (only the signature was
/// checked, not the words), so each is shown with `printable_line`.
fn print_report(v: &Verified) -> Result<()> {
    use std::fmt::Write as _;
    let p = |t: &str| printable_line(t);
    let mut t = String::new();
    writeln!(
        t,
        "Verified: the signature is good and the bundle is unchanged since signing."
    )?;
    writeln!(
        t,
        "Signed by:  {}{} at {}",
        p(&v.signer),
        if v.author.is_empty() {
            String::new()
        } else {
            format!(" ({})", p(&v.author))
        },
        chrono::DateTime::parse_from_rfc3339(&v.signed_at)
            .map(|t| to_london_with_day(t.with_timezone(&chrono::Utc)))
            .unwrap_or_else(|_| p(&v.signed_at))
    )?;
    writeln!(t, "Key (kid):  {}", p(&v.kid))?;
    let dob = v
        .birth_date
        .as_deref()
        .map(|d| format!(", born {}", p(d)))
        .unwrap_or_default();
    writeln!(t, "Person:     {}{dob}", p(&v.patient_name))?;
    for (system, value) in &v.identifiers {
        let name = system.rsplit('/').next().unwrap_or(system);
        writeln!(t, "            {}: {}", p(name), p(value))?;
    }
    writeln!(
        t,
        "For:        {}{}",
        p(&v.destination),
        v.receiving_org
            .as_deref()
            .map(|o| format!(" ({})", p(o)))
            .unwrap_or_default()
    )?;
    writeln!(t, "Contains:")?;
    for s in &v.sections {
        match &s.empty_reason {
            Some(reason) => writeln!(t, "  {:<28} empty ({})", p(&s.title), p(reason)),
            None => writeln!(
                t,
                "  {:<28} {} entr{}",
                p(&s.title),
                s.entries,
                if s.entries == 1 { "y" } else { "ies" }
            ),
        }?;
    }
    out(&t)
}

/// `sonar verify`.
pub fn verify(args: &LoginArgs, a: &VerifyArgs) -> Result<u8> {
    let trust = match &a.trust {
        Some(path) => load_trust(path)?,
        None => {
            let db = super::credentials::database_path(args)?;
            if !db.exists() {
                bail!(
                    "no key to verify with: give the sender's public key with --trust, or --db for a suite whose own keys to use (there is no database at {})",
                    db.display()
                );
            }
            let store = login(args, &crate::domain::clock::SystemClock)?;
            Trust::new(store.public_keys()?.into_iter().map(|k| k.key))
        }
    };
    let verified = read_and_verify(&a.bundle, &trust)?;
    print_report(&verified)?;
    Ok(0)
}

/// `sonar import`. With `--trust` the bundle is verified before the database is opened, so
/// a bad bundle never touches it.
pub fn import(args: &LoginArgs, a: &VerifyArgs, clock: &dyn Clock) -> Result<u8> {
    let (mut store, verified) = match &a.trust {
        Some(path) => {
            let verified = read_and_verify(&a.bundle, &load_trust(path)?)?;
            (login(args, clock)?, verified)
        }
        None => {
            let store = login(args, clock)?;
            let trust = Trust::new(store.public_keys()?.into_iter().map(|k| k.key));
            let verified = read_and_verify(&a.bundle, &trust)?;
            (store, verified)
        }
    };
    let plan = import_plan::plan(&verified);
    let p = |t: &str| printable_line(t);
    let text = match store.import_bundle(&plan, clock.now())? {
        ImportOutcome::AlreadyImported { at, by } => format!(
            "Already imported: this bundle ({}) was imported by {} at {}; nothing was changed.\n",
            p(&plan.bundle_id),
            p(&by),
            p(&at.to_string())
        ),
        ImportOutcome::Imported {
            new_person, flags, ..
        } => format!(
            "Imported {} {} ({}): {} flag{}{}, {}.\n",
            p(&plan.forenames),
            p(&plan.surname),
            if new_person {
                "new to this suite"
            } else {
                "matched an existing person"
            },
            flags,
            if flags == 1 { "" } else { "s" },
            if plan.notes.is_empty() {
                String::new()
            } else {
                format!(
                    " and {} note{}",
                    plan.notes.len(),
                    if plan.notes.len() == 1 { "" } else { "s" }
                )
            },
            p(&plan.provenance())
        ),
    };
    out(&text)?;
    Ok(0)
}

/// `sonar keys`.
pub fn keys(args: &LoginArgs, cmd: KeysCommand, clock: &dyn Clock) -> Result<u8> {
    let mut store = login(args, clock)?;
    // A database made before signing keys gets its key on first need.
    let (_, kid) = store.signing_key(clock.now())?;
    let all = store.public_keys()?;
    match cmd {
        KeysCommand::Show => {
            // Read from the database: shown with `printable_line` like any stored text.
            let p = |t: &str| printable_line(t);
            let mut text = format!("Signing key (Ed25519), kid: {}\n", p(&kid));
            for k in &all {
                text.push_str(&match &k.retired_at {
                    None => format!(
                        "  {}  created {}  in use\n",
                        p(&k.kid),
                        p(&k.created_at.to_string())
                    ),
                    Some(r) => format!(
                        "  {}  created {}  retired {} (kept for verification)\n",
                        p(&k.kid),
                        p(&k.created_at.to_string()),
                        p(&r.to_string())
                    ),
                });
            }
            out(&text)?;
            Ok(0)
        }
        KeysCommand::ExportPublic {
            out,
            pem,
            all: every,
        } => {
            let current = all
                .iter()
                .find(|k| k.kid == kid)
                .context("the signing key's public half is missing")?;
            let text = if pem {
                key_forms::public_pem(&current.key)
            } else if every {
                let keys: Vec<_> = all.iter().map(|k| key_forms::public_jwk(&k.key)).collect();
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&serde_json::json!({ "keys": keys }))?
                )
            } else {
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&key_forms::public_jwk(&current.key))?
                )
            };
            match out {
                Some(path) => {
                    write_private(&path, text.as_bytes())?;
                    println!("Wrote the public key {kid} to {}.", path.display());
                }
                None => print!("{text}"),
            }
            Ok(0)
        }
        KeysCommand::Rotate => {
            let new = store.rotate_signing_key(clock.now())?;
            println!(
                "The signing key was rotated: new kid {new}; the old public key {kid} is kept for verifying earlier bundles."
            );
            Ok(0)
        }
    }
}
