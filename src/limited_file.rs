//! Reading a file named from outside (a handover bundle, a trusted key, a keymap, the
//! settings, a password file) with a size limit, so no file can make the program read without
//! end or hold more memory than the limit: a device such as `/dev/zero`, a directory or a pipe
//! is refused before it is opened (a symlink is followed first), a file larger than the limit
//! is refused from its size before a byte is read, and the read itself stops one byte past the
//! limit, so a file that grows while it is read is refused too. Every refusal names the file,
//! its size and the limit in one sentence.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::domain::text::size_words;

#[cfg(test)]
const KIB: u64 = 1024;
#[cfg(test)]
const MIB: u64 = 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("there is no file {}", path.display())]
    NotFound { path: PathBuf },
    #[error(
        "{} is not a regular file (a device, a directory or a pipe); {what} must be a file",
        path.display()
    )]
    NotAFile { path: PathBuf, what: &'static str },
    #[error(
        "{} is {}, more than the {} {what} may be, so it was not read",
        path.display(),
        size_words(*size),
        size_words(*limit)
    )]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        /// The size seen (at least the limit plus one byte when the file grew while read).
        size: u64,
        limit: u64,
    },
    #[error("{} is not UTF-8 text, as {what} must be", path.display())]
    NotText { path: PathBuf, what: &'static str },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ReadError {
    /// Whether the file does not exist (some callers treat that as "use the defaults").
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound { .. })
    }
}

/// Reads `path` whole if it is a regular file of at most `limit` bytes. `what` names the kind
/// of file for the refusal ("a handover bundle").
pub fn read(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ReadError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            ReadError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    // Looked at before opening: opening a pipe would wait for a writer.
    check(path, &std::fs::metadata(path).map_err(io)?, limit, what)?;
    let file = File::open(path).map_err(io)?;
    // And again on what was opened, in case the name was swapped in between.
    let metadata = file.metadata().map_err(io)?;
    check(path, &metadata, limit, what)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            what,
            size: read,
            limit,
        });
    }
    Ok(bytes)
}

/// [`read`], then the bytes as UTF-8 text.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    String::from_utf8(read(path, limit, what)?).map_err(|_| ReadError::NotText {
        path: path.to_path_buf(),
        what,
    })
}

fn check(
    path: &Path,
    metadata: &std::fs::Metadata,
    limit: u64,
    what: &'static str,
) -> Result<(), ReadError> {
    if !metadata.is_file() {
        return Err(ReadError::NotAFile {
            path: path.to_path_buf(),
            what,
        });
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            what,
            size: metadata.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_limit_is_refused_from_its_size_and_one_within_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        let file = File::create(&path).unwrap();
        // Sparse: 100 MiB that take no disk and are never read.
        file.set_len(100 * MIB).unwrap();
        let err = read(&path, 5 * MIB, "a handover bundle").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} is 100 MiB, more than the 5 MiB a handover bundle may be, so it was not read",
                path.display()
            )
        );
        std::fs::write(&path, b"{}").unwrap();
        assert_eq!(read(&path, 5 * MIB, "a handover bundle").unwrap(), b"{}");
    }

    #[test]
    fn devices_directories_and_missing_files_are_named() {
        let err = read(Path::new("/dev/zero"), KIB, "a keymap").unwrap_err();
        assert!(matches!(err, ReadError::NotAFile { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "/dev/zero is not a regular file (a device, a directory or a pipe); a keymap must be a file"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read(dir.path(), KIB, "a keymap"),
            Err(ReadError::NotAFile { .. })
        ));
        let missing = read(&dir.path().join("none"), KIB, "a keymap").unwrap_err();
        assert!(missing.is_not_found(), "{missing}");
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"a = \"\xff\"").unwrap();
        assert!(matches!(
            read_text(&bad, KIB, "the settings file"),
            Err(ReadError::NotText { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_a_device_is_refused_and_a_pipe_is_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("keymap.toml");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read(&link, KIB, "a keymap"),
            Err(ReadError::NotAFile { .. })
        ));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            assert!(matches!(
                read(&fifo, KIB, "a keymap"),
                Err(ReadError::NotAFile { .. })
            ));
        }
    }
}
