//! Diagnostics go to a file under the XDG state directory, never to the terminal (it would
//! garble the screen) and never with health data or keys in them.
//!
//! The directory is private (0700) and so is every log in it (0600), including SQLCipher's
//! own log, which SQLCipher would otherwise create readable by everyone: usernames, terminal
//! names and the times of logins are nobody else's business on a shared server. A directory or
//! log left readable by an earlier version is tightened when the program starts.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The mode of the log directory: its owner only.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every log file: its owner only.
pub const FILE_MODE: u32 = 0o600;

/// The log directory: `$XDG_STATE_HOME/sonar` (or the platform's equivalent).
pub fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "sonar")?;
    Some(
        dirs.state_dir()
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.data_local_dir().join("state")),
    )
}

/// Creates `dir` (and any missing parents) readable by its owner only, and takes group and
/// other access away from it when it already existed.
pub fn make_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & DIR_MODE))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Opens the log `path` for appending, creating it readable by its owner only, and takes
/// group and other access away from a log that already existed.
pub fn open_private_log(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(FILE_MODE);
        let file = options.open(path)?;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode & FILE_MODE))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Starts logging to `sonar.log` and routes SQLCipher's own log beside it. Failing to open
/// the log is not a reason to stop a custody suite's work: the program then logs nothing.
pub fn init() {
    let dir = log_dir().filter(|dir| make_private_dir(dir).is_ok());
    let file = dir
        .as_ref()
        .and_then(|dir| open_private_log(&dir.join("sonar.log")).ok());
    let sqlcipher_log = dir.as_ref().map(|d| d.join("sqlcipher.log"));
    crate::store::connection::route_sqlcipher_log(sqlcipher_log.as_deref());
    if let Some(file) = file {
        let filter = tracing_subscriber::EnvFilter::try_from_env("SONAR_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    }
}
