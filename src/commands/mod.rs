//! The edge: each subcommand turns arguments into store calls and prints the outcome.
//! Errors leave here as one sentence (main prints it and exits 1).

pub mod credentials;
pub mod demo;
pub mod handover;
pub mod handover_sheet;
pub mod national;
pub mod record;
pub mod report;
pub mod settings;
pub mod ui;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::{AuditCommand, AuditFormat, Cli, Command, KeymapCommand, LoginArgs, UserCommand};
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::role::Role;
use crate::domain::text::{json_inert, printable, printable_line};
use crate::store::audit::{self, ChainReport, ExportFormat};
use crate::store::session::{generate_temporary_password, validate_new_password};
use crate::store::{Store, maintenance};

/// Runs one parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let clock = SystemClock;
    let Some(command) = cli.command else {
        let db = credentials::database_path(&cli.login)?;
        return ui::run(&db);
    };
    match command {
        Command::Demo {
            people,
            generate_only,
        } => demo::run_demo(&cli.login, people, generate_only, &clock),
        Command::List { all, json } => demo::run_list(&cli.login, all, json, &clock),
        Command::Record { custody_no, json } => record::run(&cli.login, &custody_no, json, &clock),
        Command::Report {
            from,
            to,
            json,
            csv,
        } => report::run(&cli.login, &from, &to, json, csv, &clock),
        Command::Init { suite, admin } => init(&cli.login, &suite, &admin, &clock),
        Command::User(cmd) => user(&cli.login, cmd, &clock),
        Command::Audit(cmd) => audit_command(&cli.login, cmd, &clock),
        Command::Rekey => {
            let store = login(&cli.login, &clock)?;
            let store = maintenance::rekey(store, clock.now())?;
            println!(
                "The master key of {} was replaced; every account and the recovery key still open it.",
                store.db_path().display()
            );
            Ok(0)
        }
        Command::Backup { out } => {
            let mut store = login(&cli.login, &clock)?;
            maintenance::backup(&mut store, &out, clock.now())?;
            println!(
                "Backup written to {} with its keyslot file {}; it opens with the same logins.",
                out.display(),
                crate::store::keyslots::sidecar_path(&out).display()
            );
            Ok(0)
        }
        Command::Keymap(cmd) => keymap_command(cmd),
        Command::HandoverSheet {
            since_last,
            acknowledge,
        } => handover_sheet::run(&cli.login, since_last, acknowledge, &clock),
        Command::Export(a) => handover::export(&cli.login, &a, &clock),
        Command::Verify(a) => handover::verify(&cli.login, &a),
        Command::Import(a) => handover::import(&cli.login, &a, &clock),
        Command::Keys(cmd) => handover::keys(&cli.login, cmd, &clock),
        Command::National(cmd) => national::national(&cli.login, cmd, &clock),
        Command::Send => national::send(&cli.login, &clock),
        Command::Outbox { json } => national::outbox(&cli.login, json, &clock),
        Command::Lookup(a) => national::lookup(&cli.login, &a, &clock),
        Command::Check => {
            let db = credentials::database_path(&cli.login)?;
            if !db.exists() {
                bail!("there is no database at {}", db.display());
            }
            let user = credentials::username(&cli.login)?;
            let password = credentials::password(&cli.login, &format!("Password for {user}: "))?;
            let report = maintenance::check(&db, &user, &password, clock.now())?;
            // Files others can read, and a rekey owed, are findings like damage: exit 1, after
            // the data's lines.
            let access = maintenance::file_access_findings(&db);
            let rekey = maintenance::rekey_findings(&db);
            if report.is_ok() {
                println!("quick_check: ok");
                println!("cipher_integrity_check: ok (every page's HMAC verifies)");
                println!("audit: the chain is intact and matches the latest signed checkpoint");
                if access.is_empty() && rekey.is_empty() {
                    return Ok(0);
                }
                for finding in &access {
                    println!("access: {finding}");
                }
                for finding in &rekey {
                    println!("keys: {}", printable_line(finding));
                }
                if access.is_empty() {
                    bail!(
                        "a disabled account's old keyslot could still open {}: run `sonar rekey` with every terminal, wall boards included, logged out",
                        printable_line(&db.display().to_string())
                    )
                }
                bail!(
                    "the files of {} can be reached by others than their owner: make them private as each access line says",
                    printable_line(&db.display().to_string())
                )
            }
            for line in &report.structure {
                println!("quick_check: {}", printable_line(line));
            }
            for line in &report.pages {
                println!("cipher_integrity_check: {}", printable_line(line));
            }
            if let Some(chain) = &report.chain {
                println!("audit: {}", printable_line(chain));
            }
            for finding in &report.checkpoint {
                println!("checkpoint: {}", printable_line(finding));
            }
            for finding in &access {
                println!("access: {finding}");
            }
            for finding in &rekey {
                println!("keys: {}", printable_line(finding));
            }
            if report.is_damaged() {
                let pages = match report.damaged_pages.as_slice() {
                    [] => String::new(),
                    [one] => format!(" (page {one})"),
                    many => format!(
                        " (pages {})",
                        many.iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                bail!(
                    "the database {} is damaged{pages}: restore it from a backup",
                    db.display()
                )
            }
            bail!(
                "saved data is missing from {} or was rewritten: compare it with the latest backup before anything else is recorded",
                db.display()
            )
        }
    }
}

/// Unlocks the database as the person named on the command line.
pub fn login(args: &LoginArgs, clock: &dyn Clock) -> Result<Store> {
    let unlocked = login_allowing_temporary(args, clock)?;
    if unlocked.must_change_password {
        bail!(
            "the password for `{}` is temporary: choose your own with `sonar user passwd` first",
            unlocked.store.identity().username
        );
    }
    Ok(unlocked.store)
}

fn login_allowing_temporary(args: &LoginArgs, clock: &dyn Clock) -> Result<crate::store::Unlocked> {
    let db = credentials::database_path(args)?;
    if !db.exists() {
        bail!(
            "there is no database at {}: create one with `sonar init` or give --db PATH",
            db.display()
        );
    }
    let user = credentials::username(args)?;
    let password = credentials::password(args, &format!("Password for {user}: "))?;
    let unlocked = Store::unlock(&db, &user, &password, clock.now())?;
    // Said on every command until an administrator resolves it (`store::checkpoint`).
    for finding in unlocked.store.integrity_warnings() {
        eprintln!("sonar: warning: {}", printable_line(finding));
    }
    if let Some(paused) = unlocked.store.writes_paused() {
        eprintln!("sonar: warning: {}", printable_line(paused));
    }
    Ok(unlocked)
}

fn init(args: &LoginArgs, suite: &str, admin: &str, clock: &dyn Clock) -> Result<u8> {
    let db = credentials::database_path(args)?;
    if db.exists() {
        bail!("{} already exists; refusing to overwrite it", db.display());
    }
    crate::store::staff::validate_username(admin)?;
    let password = credentials::new_password(args.password_file.as_deref(), admin)?;
    validate_new_password(admin, &password)?;
    let (_store, recovery) = Store::init(&db, suite, admin, &password, clock.now())?;
    println!(
        "Created the suite \"{}\" at {}.",
        printable_line(suite.trim()),
        db.display()
    );
    println!("Administrator: {admin}");
    println!();
    println!("Recovery key (shown once; write it down and keep it sealed, like a safe's key):");
    println!("  {}", *recovery);
    println!(
        "Log in with the username `recovery` and this key if every administrator is locked out."
    );
    Ok(0)
}

fn user(args: &LoginArgs, cmd: UserCommand, clock: &dyn Clock) -> Result<u8> {
    match cmd {
        UserCommand::Add {
            name,
            role,
            full_name,
        } => {
            let role: Role = role.parse()?;
            let mut store = login(args, clock)?;
            let temporary = generate_temporary_password();
            let display = full_name.unwrap_or_else(|| name.clone());
            store.add_user(&name, &display, role, &temporary, clock.now())?;
            println!("Added `{name}` ({}).", role.label());
            println!(
                "Temporary password (give it to them privately; they must change it at first login):"
            );
            println!("  {}", *temporary);
            Ok(0)
        }
        UserCommand::Disable { name } => {
            let mut store = login(args, clock)?;
            store.disable_user(&name, clock.now())?;
            let name = printable_line(&name);
            // Removing the slot is not enough: anyone who kept a copy of the keyslot file
            // could still unwrap the key with the old password, so the key is replaced now.
            match maintenance::rekey(store, clock.now()) {
                Ok(_) => {
                    println!(
                        "Disabled `{name}` and replaced the master key: neither their password nor an old copy of the keyslot file opens the database."
                    );
                    Ok(0)
                }
                Err(crate::store::StoreError::InUse(_)) => {
                    eprintln!(
                        "`{name}` is disabled and cannot log in, but the master key was not replaced because a terminal is logged in, so an old copy of the keyslot file would still open the database with their password: run `sonar rekey` once every terminal, wall boards included, is logged out (`sonar check` reports it until then)."
                    );
                    Ok(1)
                }
                Err(e) => Err(e).with_context(|| {
                    format!(
                        "`{name}` is disabled, but the master key was not replaced; run `sonar rekey`"
                    )
                }),
            }
        }
        UserCommand::Reset { name } => {
            let mut store = login(args, clock)?;
            let temporary = generate_temporary_password();
            store.reset_user(&name, &temporary, clock.now())?;
            println!("New temporary password for `{name}` (they must change it at first login):");
            println!("  {}", *temporary);
            Ok(0)
        }
        UserCommand::List { json } => {
            let store = login(args, clock)?;
            let users = store.list_users()?;
            if json {
                println!("{}", json_inert(&serde_json::to_string_pretty(&users)?));
            } else {
                println!("{:<20} {:<18} {:<9} NAME", "USERNAME", "ROLE", "STATUS");
                for u in users {
                    println!(
                        "{:<20} {:<18} {:<9} {}",
                        printable_line(&u.username),
                        u.role.as_str(),
                        u.status.as_str(),
                        printable_line(&u.display_name)
                    );
                }
            }
            Ok(0)
        }
        UserCommand::Passwd { new_password_file } => {
            let mut unlocked = login_allowing_temporary(args, clock)?;
            let who = unlocked.store.identity().username.clone();
            let new = credentials::new_password(new_password_file.as_deref(), &who)?;
            unlocked.store.change_password(&new, clock.now())?;
            println!("The password for `{who}` was changed.");
            Ok(0)
        }
    }
}

fn audit_command(args: &LoginArgs, cmd: AuditCommand, clock: &dyn Clock) -> Result<u8> {
    let store = login(args, clock)?;
    match cmd {
        AuditCommand::Verify => match audit::verify(store_conn(&store))? {
            ChainReport::Intact { rows } if !store.integrity_warnings().is_empty() => {
                bail!(
                    "the audit chain's {rows} rows link up, but they are not all that was recorded: {}",
                    printable_line(&store.integrity_warnings()[0])
                )
            }
            ChainReport::Intact { rows } => {
                println!("The audit chain is intact: {rows} rows verified.");
                Ok(0)
            }
            ChainReport::Broken { row, why } => {
                bail!("the audit chain is broken at row {row}: {why}")
            }
        },
        AuditCommand::Export { format, out } => {
            let format = match format {
                AuditFormat::Csv => ExportFormat::Csv,
                AuditFormat::Jsonl => ExportFormat::JsonLines,
            };
            match out {
                None => {
                    let stdout = std::io::stdout();
                    let mut lock = stdout.lock();
                    audit::export(store_conn(&store), format, &mut lock)?;
                    lock.flush().ok();
                }
                Some(path) => {
                    let mut buffer = Vec::new();
                    let n = audit::export(store_conn(&store), format, &mut buffer)?;
                    write_private(&path, &buffer)?;
                    eprintln!("Wrote {n} audit rows to {}.", path.display());
                }
            }
            Ok(0)
        }
        AuditCommand::Resolve { reason } => {
            let mut store = store;
            match store.resolve_integrity_warnings(&reason, clock.now())? {
                0 => println!("There is nothing to resolve: the database matches its checkpoint."),
                n => println!(
                    "Marked {n} integrity warning{} as resolved, with your reason, in the audit; logins no longer warn of {}.",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "it" } else { "them" }
                ),
            }
            Ok(0)
        }
    }
}

fn store_conn(store: &Store) -> &rusqlite::Connection {
    store.conn_for_reports()
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic_file::write_private(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `sonar keymap check|print`: needs no database.
fn keymap_command(cmd: KeymapCommand) -> Result<u8> {
    use crate::keymap::{self, Keymap};
    match cmd {
        KeymapCommand::Check { file } => {
            let path = match file.or_else(keymap::default_user_path) {
                Some(path) => path,
                None => bail!("there is no config directory: name the keymap file to check"),
            };
            match keymap::check_file(&path) {
                Ok(summary) => {
                    println!("{summary}");
                    Ok(0)
                }
                Err(problems) => {
                    // A problem quotes the file (a key, an action name): one line each.
                    for problem in &problems {
                        eprintln!("{}", printable_line(&problem.to_string()));
                    }
                    bail!(
                        "{} has {} problem{}; the program would run on the default keys",
                        path.display(),
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" }
                    )
                }
            }
        }
        KeymapCommand::Print => {
            let loaded = Keymap::load_user(None);
            for problem in &loaded.problems {
                eprintln!("{}", printable_line(&problem.to_string()));
            }
            if !loaded.problems.is_empty() {
                eprintln!("Your keymap file was not used; these are the default keys.");
            }
            print!("{}", printable(&loaded.keymap.print()));
            Ok(0)
        }
    }
}
