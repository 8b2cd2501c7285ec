//! The national record from the command line (issue 15): an administrator joins the suite to
//! a record; `sonar send` delivers the outbox (from a timer); `sonar outbox` shows where each
//! handover stands; `sonar lookup` asks the record about a person. The same operations the
//! terminals run in the background (`app::national`, `national::courier`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::login;
use crate::cli::LoginArgs;
use crate::domain::clock::Clock;
use crate::domain::national::{Failure, Lookup, OutboxEntry};
use crate::domain::role::Role;
use crate::domain::text::{json_inert, printable_line as printable};
use crate::national::courier::{self, Answer};
use crate::store::timestamp;

#[derive(Debug, Subcommand)]
pub enum NationalCommand {
    /// Join this suite to a national record (administrator): its URL and its public key, which
    /// every answer from it must verify with. The operator enrols this suite's key
    /// (`sonar keys export-public`) with `sonar-record enrol`.
    Join {
        /// The record's URL, e.g. https://record.example.nhs.uk (plain http only on loopback).
        url: String,
        /// The record's public key (JWK or PEM), from `sonar-record key`.
        #[arg(long, value_name = "FILE")]
        record_key: PathBuf,
        /// The CA certificate (PEM) that signs the record's TLS certificate.
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
    },
}

/// `sonar lookup`: one of the three ways to name a person.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["nhs", "pnc", "name"])))]
pub struct LookupArgs {
    /// NHS number (10 digits).
    #[arg(long)]
    nhs: Option<String>,
    /// PNC id, e.g. 26/123456A.
    #[arg(long)]
    pnc: Option<String>,
    /// "Surname, Forenames" (with --dob).
    #[arg(long, requires = "dob")]
    name: Option<String>,
    /// Date of birth, YYYY-MM-DD (with --name).
    #[arg(long, requires = "name")]
    dob: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn national(args: &LoginArgs, cmd: NationalCommand, clock: &dyn Clock) -> Result<u8> {
    match cmd {
        NationalCommand::Join {
            url,
            record_key,
            ca,
        } => join(args, &url, &record_key, ca.as_ref(), clock),
    }
}

fn read_small(path: &PathBuf, what: &str) -> Result<String> {
    const LIMIT: u64 = 64 * 1024;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if meta.len() > LIMIT {
        bail!(
            "{what} {} is larger than 64 KiB: it is not a key or certificate",
            path.display()
        );
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

fn join(
    args: &LoginArgs,
    url: &str,
    record_key: &PathBuf,
    ca: Option<&PathBuf>,
    clock: &dyn Clock,
) -> Result<u8> {
    let key_text = read_small(record_key, "the record key")?;
    let keys = crate::handover::keys::parse_public_keys(&key_text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", record_key.display()))?;
    let [key] = keys.as_slice() else {
        bail!(
            "{} holds {} keys: give the national record's one public key",
            record_key.display(),
            keys.len()
        );
    };
    let ca_pem = ca
        .map(|p| read_small(p, "the CA certificate"))
        .transpose()?;
    let jwk = crate::handover::keys::public_jwk(key).to_string();
    let mut store = login(args, clock)?;
    store.join_national(
        url.trim_end_matches('/'),
        &jwk,
        ca_pem.as_deref(),
        clock.now(),
    )?;
    println!(
        "Joined the national record at {}; its key {} is pinned.",
        printable(url),
        crate::handover::keys::kid_of(key)
    );
    // Check at once that the record answers and its directory verifies with the pinned key.
    match crate::app::national::link(&mut store, clock.now()) {
        Ok(Some(link)) => match check_directory(&link) {
            Ok(n) => println!(
                "The record answers; its directory, signed with the pinned key, names {n} organisation{}.",
                if n == 1 { "" } else { "s" }
            ),
            Err(e) => println!(
                "The record cannot be checked now ({e}); handovers wait in the outbox until it can."
            ),
        },
        Ok(None) => {}
        Err(e) => println!("The record cannot be checked now ({e})."),
    }
    Ok(0)
}

fn check_directory(link: &courier::Link) -> Result<usize, String> {
    let runtime = courier::runtime().map_err(|e| e.sentence().to_string())?;
    runtime.block_on(async {
        let client = crate::national::client::RecordClient::new(
            &link.url,
            link.suite_key.clone(),
            &link.user,
            link.record_key,
            link.ca_pem.as_deref(),
            crate::domain::national::ASK_TIMEOUT,
        )
        .map_err(|e| e.to_string())?;
        let dir = client.directory().await.map_err(|e| e.to_string())?;
        Ok(dir.entries.len())
    })
}

fn not_joined() -> anyhow::Error {
    anyhow::anyhow!(
        "this suite has not joined a national record: an administrator runs `sonar national join URL --record-key FILE`"
    )
}

/// `sonar send`: delivers every handover due, one at a time, each under a lease so a running
/// terminal never sends the same one at once. Exit 0 when nothing is left undelivered that
/// was due, 1 otherwise (the outbox keeps it and tries again later).
pub fn send(args: &LoginArgs, clock: &dyn Clock) -> Result<u8> {
    let mut store = login(args, clock)?;
    let link = crate::app::national::link(&mut store, clock.now())
        .map_err(|e| anyhow::anyhow!(e))?
        .ok_or_else(not_joined)?;
    let worker = format!("sonar send (pid {})", std::process::id());
    let (mut delivered, mut failed) = (0, 0);
    let mut tried = Vec::new();
    while let Some(claim) = store.claim_waiting(&worker, clock.now())? {
        if tried.contains(&claim.id) {
            break;
        }
        tried.push(claim.id);
        match courier::deliver_blocking(&link, &claim.bundle) {
            Ok(receipt) => {
                store.delivery_accepted(claim.id, &receipt, clock.now())?;
                delivered += 1;
                println!(
                    "Delivered {}: accepted, receipt {}.",
                    claim.bundle_id,
                    printable(&receipt.document)
                );
            }
            Err(failure) => {
                store.delivery_failed(claim.id, &worker, &failure, clock.now())?;
                failed += 1;
                println!(
                    "Not delivered {}: {}; it stays in the outbox.",
                    claim.bundle_id,
                    printable(failure.sentence())
                );
                // Unreachable: the rest would fail the same way; they keep their turn.
                if matches!(failure, Failure::Unreachable(_)) {
                    break;
                }
            }
        }
    }
    let waiting = store.national_status()?.waiting;
    println!(
        "{delivered} delivered, {failed} not delivered; {waiting} handover{} waiting.",
        if waiting == 1 { "" } else { "s" }
    );
    Ok(if failed == 0 { 0 } else { 1 })
}

#[derive(Serialize)]
struct OutboxJson<'a> {
    joined: Option<&'a str>,
    unreachable_since: Option<String>,
    waiting: usize,
    handovers: &'a [OutboxEntry],
}

/// `sonar outbox [--json]`: every handover and where it stands.
pub fn outbox(args: &LoginArgs, json: bool, clock: &dyn Clock) -> Result<u8> {
    let store = login(args, clock)?;
    let status = store.national_status()?;
    let entries = store.outbox()?;
    if json {
        let out = OutboxJson {
            joined: status.joined.as_deref(),
            unreachable_since: status.unreachable_since.map(timestamp),
            waiting: status.waiting,
            handovers: &entries,
        };
        println!("{}", json_inert(&serde_json::to_string_pretty(&out)?));
        return Ok(0);
    }
    match &status.joined {
        Some(url) => println!("National record: {}", printable(url)),
        None => println!(
            "National record: none joined; handovers are queued and go once an administrator joins one."
        ),
    }
    if let Some(h) = status.header() {
        println!("{}", crate::domain::text::capitalise(&h));
    }
    if entries.is_empty() {
        println!("No handovers yet.");
    }
    for e in &entries {
        println!(
            "{:<14} {:<24} {:<9} {:<8} {}",
            printable(&e.custody_no),
            printable(&e.name),
            e.destination,
            e.state.word(),
            printable(&e.describe())
        );
    }
    Ok(0)
}

fn parse_lookup(a: &LookupArgs) -> Result<Lookup> {
    if let Some(n) = &a.nhs {
        let number = crate::domain::nhs_number::NhsNumber::parse(n)
            .map_err(|e| anyhow::anyhow!("`{}` is not an NHS number: {e}", printable(n)))?;
        return Ok(Lookup::Nhs(number.as_str().to_string()));
    }
    if let Some(p) = &a.pnc {
        return Ok(Lookup::Pnc(p.trim().to_string()));
    }
    let (Some(name), Some(dob)) = (&a.name, &a.dob) else {
        bail!("give --nhs, --pnc, or --name with --dob");
    };
    let birth = chrono::NaiveDate::parse_from_str(dob.trim(), "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!("`{}` is not a date of birth as YYYY-MM-DD", printable(dob))
    })?;
    let (family, given) = match name.split_once(',') {
        Some((f, g)) => (f.trim(), Some(g.trim()).filter(|g| !g.is_empty())),
        None => (name.trim(), None),
    };
    if family.is_empty() {
        bail!("give the name as \"Surname, Forenames\"");
    }
    Ok(Lookup::NameDob {
        family: family.to_string(),
        given: given
            .and_then(|g| g.split_whitespace().next())
            .map(str::to_string),
        birth_date: birth.to_string(),
    })
}

#[derive(Serialize)]
struct FoundJson {
    bundle_id: String,
    /// The signer as the record's directory names it.
    signed_by: String,
    kid: String,
    signed_at: String,
    patient: String,
    birth_date: Option<String>,
    nhs_number: Option<String>,
    pnc_id: Option<String>,
    flags: Vec<FlagJson>,
    /// Allergies, conditions, medicines… as the bundle says them (clinical ones for HCPs).
    record: Vec<FactJson>,
}

#[derive(Serialize)]
struct FlagJson {
    code: String,
    severity: String,
    reason: String,
}

#[derive(Serialize)]
struct FactJson {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct LookupJson<'a> {
    asked: String,
    listed: usize,
    documents: Vec<FoundJson>,
    refused: &'a [String],
}

fn found_json(answer: &Answer, role: Role) -> Vec<FoundJson> {
    answer
        .documents
        .iter()
        .map(|d| {
            let plan = crate::handover::import::plan(&d.verified);
            FoundJson {
                bundle_id: d.verified.bundle_id.clone(),
                signed_by: d.signed_by.clone(),
                kid: d.verified.kid.clone(),
                signed_at: d.verified.signed_at.clone(),
                patient: d.verified.patient_name.clone(),
                birth_date: d.verified.birth_date.clone(),
                nhs_number: plan.nhs_number.clone(),
                pnc_id: plan.pnc_id.clone(),
                flags: plan
                    .flags
                    .iter()
                    .map(|f| FlagJson {
                        code: f.code.clone(),
                        severity: f.severity.clone(),
                        reason: f.reason.clone(),
                    })
                    .collect(),
                record: plan
                    .entries
                    .iter()
                    .filter(|f| role == Role::Hcp || f.kind().custody_staff_see())
                    .map(|f| FactJson {
                        kind: f.kind().heading(),
                        text: f.headline(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `sonar lookup`: what the national record holds about a person, each document verified and
/// its signer named from the record's directory. Audited here as a read; the record audits
/// the query too.
pub fn lookup(args: &LoginArgs, a: &LookupArgs, clock: &dyn Clock) -> Result<u8> {
    let asked = parse_lookup(a)?;
    let mut store = login(args, clock)?;
    store.permit(crate::domain::authority::Duty::AskNationalRecord)?;
    let role = store.identity().role;
    let link = crate::app::national::link(&mut store, clock.now())
        .map_err(|e| anyhow::anyhow!(e))?
        .ok_or_else(not_joined)?;
    let result = courier::ask_blocking(&link, std::slice::from_ref(&asked));
    store.national_contact(result.as_ref().map(|_| ()), clock.now())?;
    let answer = result.map_err(|f| anyhow::anyhow!("{}", f.sentence()))?;
    store.audit_national_lookup(
        &asked.describe(),
        answer.listed,
        answer.documents.len(),
        clock.now(),
    )?;
    let found = found_json(&answer, role);
    if a.json {
        let out = LookupJson {
            asked: asked.describe(),
            listed: answer.listed,
            documents: found,
            refused: &answer.refused,
        };
        println!("{}", json_inert(&serde_json::to_string_pretty(&out)?));
        return Ok(0);
    }
    if found.is_empty() {
        println!(
            "The national record holds nothing about {}.",
            printable(&asked.describe())
        );
    }
    for f in &found {
        println!(
            "Handover {} about {} (born {}), signed by {} (as the record's directory names the signer) at {}",
            printable(&f.bundle_id),
            printable(&f.patient),
            printable(f.birth_date.as_deref().unwrap_or("not known")),
            printable(&f.signed_by),
            printable(&f.signed_at)
        );
        for flag in &f.flags {
            println!(
                "  Flag {} ({}): {}",
                printable(&flag.code),
                printable(&flag.severity),
                printable(&flag.reason)
            );
        }
        for fact in &f.record {
            println!("  {}: {}", fact.kind, printable(&fact.text));
        }
    }
    if answer.listed > answer.documents.len() + answer.refused.len() {
        println!(
            "{} older handover{} not retrieved.",
            answer.listed - answer.documents.len() - answer.refused.len(),
            if answer.listed - answer.documents.len() - answer.refused.len() == 1 {
                " was"
            } else {
                "s were"
            }
        );
    }
    for r in &answer.refused {
        println!("Refused: {}", printable(r));
    }
    Ok(0)
}
