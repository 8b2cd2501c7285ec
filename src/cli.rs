//! The command line: the contract scripts and tests rely on (DESIGN.md, "Command line").

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// SONAR Custody: health screening, the suite risk board and signed handover bundles.
#[derive(Debug, Parser)]
#[command(name = "sonar", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub login: LoginArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How a command finds the database and who is using it.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The suite database (default: suite.db under the XDG data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Your username.
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Read the password from this file (mode 0600) instead of the terminal: for scripts.
    #[arg(long, global = true, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// A throwaway encrypted suite with synthetic detainees; prints the logins, opens the UI.
    Demo {
        /// How many historical people and detentions to generate besides those in custody.
        #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(0..=crate::demo::MAX_PEOPLE))]
        people: u64,
        /// Create the database and stop, without opening the UI.
        #[arg(long)]
        generate_only: bool,
    },
    /// People in custody now: custody number, name, cell, level, next check, flags.
    List {
        /// Every detention, not only those in custody now.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One person's clinical record as your role may see it: allergies, conditions, medicines
    /// with their source, substance use, HCP contacts, what is known from elsewhere.
    Record {
        /// The custody number of the detention (e.g. 26-000123).
        custody_no: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The suite's continuity-of-care and inspection figures over a period (London dates, both
    /// days included): HCP request to seen, checks on time, doses against due, PRRA completion,
    /// substance-use referral. Each measure is defined in the README with its source.
    Report {
        /// The first day, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// The last day, YYYY-MM-DD (included).
        #[arg(long, value_name = "DATE")]
        to: String,
        /// Print JSON instead of text.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (measure, value) instead of text.
        #[arg(long)]
        csv: bool,
    },
    /// Create a suite database, its first administrator and the recovery key.
    Init {
        /// The suite's name, shown on every screen and in handover bundles.
        #[arg(long)]
        suite: String,
        /// The first administrator's username.
        #[arg(long)]
        admin: String,
    },
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Replace the database's master key; every account keeps its password.
    Rekey,
    /// Copy the database, still encrypted, with its keyslot file, while others keep working.
    Backup {
        /// Where to write the backup (must not exist).
        out: PathBuf,
    },
    /// Check the database's structure and every page's integrity.
    Check,
    /// The shift handover sheet: everyone in custody with level, flags, plan instructions,
    /// overdue or imminent checks, pending HCP reviews and PACE deadlines, then what happened
    /// since the last handover was taken (audited).
    HandoverSheet {
        /// Print only what happened since the last handover was taken (the last 12 hours
        /// before the first): arrivals, releases and transfers, emergencies, late or missed
        /// checks and doses, HCP directions, late PACE reviews, outstanding assessments.
        #[arg(long)]
        since_last: bool,
        /// After printing, record that you (a custody sergeant) took the handover of what was
        /// printed; the next sheet starts from then (audited).
        #[arg(long)]
        acknowledge: bool,
    },
    /// Keymaps: check a file, or print the bindings in effect.
    #[command(subcommand)]
    Keymap(KeymapCommand),
    /// Hand a person over: write the signed FHIR bundle and the escort summary, close the record.
    Export(crate::commands::handover::ExportArgs),
    /// Check a handover bundle: structure, canonical form, signature and the key's trust.
    Verify(crate::commands::handover::VerifyArgs),
    /// Verify a handover bundle, then store what it says in this suite's database.
    Import(crate::commands::handover::VerifyArgs),
    /// The suite's signing key.
    #[command(subcommand)]
    Keys(crate::commands::handover::KeysCommand),
    /// The national record this suite sends handovers to and asks at booking-in.
    #[command(subcommand)]
    National(crate::commands::national::NationalCommand),
    /// Deliver the handovers waiting in the outbox to the national record (run from a timer;
    /// running terminals also deliver in the background). Exit 1 if any could not be.
    Send,
    /// Every handover and where it stands with the national record: queued, sent, or
    /// accepted with the record's receipt.
    Outbox {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Ask the national record what it holds about a person: each handover verified, its
    /// signer named from the record's directory.
    Lookup(crate::commands::national::LookupArgs),
}

#[derive(Debug, Subcommand)]
pub enum KeymapCommand {
    /// Check a keymap file (default: your own, in the config directory).
    Check { file: Option<PathBuf> },
    /// Print every binding in effect (your file over its preset), as a keymap file.
    Print,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; prints a temporary password to be changed at first login.
    Add {
        /// The new account's username.
        name: String,
        /// hcp, sergeant, detention_officer or admin.
        #[arg(long)]
        role: String,
        /// The person's name as shown on screens (default: the username).
        #[arg(long = "full-name")]
        full_name: Option<String>,
    },
    /// Disable an account and remove its keyslot.
    Disable { name: String },
    /// Give an account a new temporary password (and enable it again).
    Reset { name: String },
    /// List the accounts.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Change your own password.
    Passwd {
        /// Read the new password from this file (mode 0600) instead of the terminal.
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; names the first broken row.
    Verify,
    /// Write every audit row as CSV or JSON lines.
    Export {
        #[arg(long, value_enum, default_value_t = AuditFormat::Csv)]
        format: AuditFormat,
        /// Write to this file (mode 0600) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Mark what the checkpoint found (rows missing, a rewritten chain) as looked into, once
    /// the database has been compared with a backup, so logins stop warning (administrator).
    Resolve {
        /// What was done, e.g. "compared with the 02:00 backup; the 5 checks re-entered".
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Csv,
    Jsonl,
}
