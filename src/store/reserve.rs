//! A reserve of disk space beside the database, given up when the disk is full so that staff
//! can still log in and read the board.
//!
//! SQLite in WAL mode cannot even read without growing its shared-memory file (`-shm`), so on
//! a disk with no free byte nobody could log in at all. The reserve (a "ballast file", as
//! CockroachDB calls its own) is a file of real, allocated blocks made at `init` and at each
//! login while there is room. A login that finds the disk full deletes it and opens the
//! database in the space it frees, with writes paused: writing would eat the space the next
//! terminal needs to read. Writes resume once the reserve can be made again, which proves the
//! disk has room.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How much the reserve holds: far more than a reader needs (the `-shm` is 32 KiB per 4,000
/// WAL pages; the checkpoint file under 1 KiB), little enough not to matter on any disk.
pub const RESERVE_BYTES: usize = 4 * 1024 * 1024;

/// `suite.db` -> `suite.db.reserve`.
pub fn reserve_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".reserve");
    PathBuf::from(name)
}

/// Makes the reserve if it is missing or short. Returns whether it is whole afterwards; a
/// partly written one is removed, so a failure leaves the disk as it found it.
pub fn ensure(db: &Path) -> bool {
    let path = reserve_path(db);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= RESERVE_BYTES as u64) {
        return true;
    }
    let written = (|| -> std::io::Result<()> {
        let _ = std::fs::remove_file(&path);
        let mut file = crate::atomic_file::create_new_private(&path)?;
        // Zeros written, not a sparse length: only written blocks are really taken from the
        // disk, and only they can be given back.
        let block = vec![0u8; 64 * 1024];
        for _ in 0..RESERVE_BYTES / block.len() {
            file.write_all(&block)?;
        }
        file.sync_all()
    })();
    match written {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "the disk reserve could not be made");
            let _ = std::fs::remove_file(&path);
            false
        }
    }
}

/// Gives the reserve's space back to the disk. Returns whether there was one to give.
pub fn release(db: &Path) -> bool {
    let released = std::fs::remove_file(reserve_path(db)).is_ok();
    if released {
        tracing::warn!("the disk is full: the reserve was released so the board can be read");
    }
    released
}
