//! Where the database is and who is using it: the one place passwords are read (from the
//! terminal, or from a private file for scripts; never argv or the environment).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use crate::atomic_file;
use crate::cli::LoginArgs;

/// The database path: `--db`, or `suite.db` under the XDG data directory.
pub fn database_path(args: &LoginArgs) -> Result<PathBuf> {
    if let Some(db) = &args.db {
        return Ok(db.clone());
    }
    let dirs = directories::ProjectDirs::from("", "", "sonar")
        .context("cannot find a home directory for the default database: give --db PATH")?;
    Ok(dirs.data_dir().join("suite.db"))
}

/// The username: `--user`, or asked at the terminal.
pub fn username(args: &LoginArgs) -> Result<String> {
    if let Some(user) = &args.user {
        return Ok(user.trim().to_string());
    }
    if args.password_file.is_some() {
        bail!("say who you are with --user NAME");
    }
    let mut tty = open_tty()?;
    use std::io::{BufRead, Write};
    write!(tty.1, "Username: ").context("writing to the terminal")?;
    tty.1.flush().ok();
    let mut line = String::new();
    tty.0
        .read_line(&mut line)
        .context("reading the username from the terminal")?;
    Ok(line.trim().to_string())
}

type Tty = (std::io::BufReader<std::fs::File>, std::fs::File);

fn open_tty() -> Result<Tty> {
    let read = std::fs::File::open("/dev/tty")
        .context("there is no terminal to ask on: give --user and --password-file")?;
    let write = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .context("there is no terminal to ask on: give --user and --password-file")?;
    Ok((std::io::BufReader::new(read), write))
}

/// The password: from `--password-file` (which must be private to its owner) or the terminal.
pub fn password(args: &LoginArgs, prompt: &str) -> Result<Zeroizing<String>> {
    match &args.password_file {
        Some(path) => read_password_file(path),
        None => prompt_password(prompt),
    }
}

/// Reads a password file: the first line, without its line ending.
pub fn read_password_file(path: &Path) -> Result<Zeroizing<String>> {
    if atomic_file::readable_by_others(path)
        .with_context(|| format!("cannot read the password file {}", path.display()))?
    {
        bail!(
            "the password file {} can be read by other users: run `chmod 600` on it first",
            path.display()
        );
    }
    // A password is a line; the limit only stops a device or a huge file being read whole.
    let text = Zeroizing::new(crate::limited_file::read_text(
        path,
        64 * 1024,
        "a password file",
    )?);
    let first = text.lines().next().unwrap_or_default();
    if first.is_empty() {
        bail!("the password file {} is empty", path.display());
    }
    Ok(Zeroizing::new(first.to_string()))
}

/// Asks at the terminal without echo.
pub fn prompt_password(prompt: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|_| {
            anyhow::anyhow!(
                "there is no terminal to ask for the password: give --password-file FILE"
            )
        })
}

/// Asks twice for a new password, or reads it from a file.
pub fn new_password(file: Option<&Path>, who: &str) -> Result<Zeroizing<String>> {
    if let Some(path) = file {
        return read_password_file(path);
    }
    let first = prompt_password(&format!("New password for {who}: "))?;
    let second = prompt_password("Repeat the new password: ")?;
    if *first != *second {
        bail!("the two passwords are not the same; nothing was changed");
    }
    Ok(first)
}
