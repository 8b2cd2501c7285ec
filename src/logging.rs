//! Diagnostics go to a file under the XDG state directory, never to the terminal (it would
//! garble the screen) and never with health data or keys in them.

use std::path::PathBuf;

/// The log directory: `$XDG_STATE_HOME/sonar` (or the platform's equivalent).
pub fn log_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "sonar")?;
    Some(
        dirs.state_dir()
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.data_local_dir().join("state")),
    )
}

/// Starts logging to `sonar.log` and routes SQLCipher's own log beside it. Failing to open
/// the log is not a reason to stop a custody suite's work: the program then logs nothing.
pub fn init() {
    let dir = log_dir();
    let file = dir.as_ref().and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("sonar.log"))
            .ok()
    });
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
