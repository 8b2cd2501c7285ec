//! The alarm file beside the database (`suite.db.alarms`): the open emergencies' ids, cells
//! and opening times, and nothing else. A locked terminal has no key to the database, yet must
//! show that an emergency is open and ring (DESIGN.md, security model), so this one fact lives
//! outside the encryption. It holds no name, no custody number and nothing clinical.
//!
//! The database stays the truth: every terminal that is logged in rewrites the file from the
//! database each tick when it differs, so a file that missed a write (a crash between commit
//! and publish) or was edited by hand is put right within a second by any logged-in terminal
//! or the wall board.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::emergency::Alarm;

/// The alarm file's path for a database path: `suite.db` -> `suite.db.alarms`.
pub fn alarm_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".alarms");
    PathBuf::from(name)
}

/// Far more than any suite's open emergencies; a larger file is refused, not read.
const MAX_BYTES: u64 = 64 * 1024;

#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct AlarmFile {
    open: Vec<Alarm>,
}

/// Why the alarm file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AlarmError {
    #[error("the alarm file {path} cannot be read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the alarm file {path} is damaged: {reason}")]
    Damaged { path: String, reason: String },
}

/// The open emergencies as the alarm file has them (none when there is no file yet).
pub fn read_alarms(db: &Path) -> Result<Vec<Alarm>, AlarmError> {
    let path = alarm_path(db);
    let shown = path.display().to_string();
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(AlarmError::Io {
                path: shown,
                source,
            });
        }
    };
    let mut text = String::new();
    file.take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|source| AlarmError::Io {
            path: shown.clone(),
            source,
        })?;
    if text.len() as u64 > MAX_BYTES {
        return Err(AlarmError::Damaged {
            path: shown,
            reason: format!("it is larger than {MAX_BYTES} bytes"),
        });
    }
    serde_json::from_str::<AlarmFile>(&text)
        .map(|f| f.open)
        .map_err(|e| AlarmError::Damaged {
            path: shown,
            reason: e.to_string(),
        })
}

/// The alarm file's modification time and length, or `None` without one: a signature that
/// changes whenever the file is rewritten (it is rewritten only when what it says changes), so
/// a terminal notices another's emergency at once by a stat, without reading anything.
pub fn alarm_stamp(db: &Path) -> Option<(std::time::SystemTime, u64)> {
    let meta = std::fs::metadata(alarm_path(db)).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Makes the alarm file say `open` (sorted by id), writing only when it says something else,
/// atomically (a locked terminal never reads half a file). Returns whether it wrote.
pub fn publish_alarms(db: &Path, open: &[Alarm]) -> std::io::Result<bool> {
    let mut open = open.to_vec();
    open.sort_by_key(|a| a.id);
    if read_alarms(db).ok().as_ref() == Some(&open) {
        return Ok(false);
    }
    let text = serde_json::to_vec(&AlarmFile { open }).map_err(std::io::Error::other)?;
    crate::atomic_file::write_private(&alarm_path(db), &text)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn publishes_only_changes_and_reads_back_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("suite.db");
        assert!(
            read_alarms(&db).unwrap().is_empty(),
            "no file yet: none open"
        );
        let a = Alarm {
            id: 3,
            cell: "C4".into(),
            location: String::new(),
            opened_at: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 2, 3, 0).unwrap(),
        };
        assert!(publish_alarms(&db, std::slice::from_ref(&a)).unwrap());
        assert!(!publish_alarms(&db, std::slice::from_ref(&a)).unwrap());
        assert_eq!(read_alarms(&db).unwrap(), vec![a]);
        assert!(publish_alarms(&db, &[]).unwrap());
        assert!(read_alarms(&db).unwrap().is_empty());
    }

    #[test]
    fn a_damaged_or_huge_file_is_named_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("suite.db");
        std::fs::write(alarm_path(&db), "{\"open\": [\x1b]").unwrap();
        let e = read_alarms(&db).unwrap_err().to_string();
        assert!(e.contains("is damaged"), "{e}");
        std::fs::write(alarm_path(&db), vec![b' '; 70_000]).unwrap();
        let e = read_alarms(&db).unwrap_err().to_string();
        assert!(e.contains("larger than"), "{e}");
    }
}
