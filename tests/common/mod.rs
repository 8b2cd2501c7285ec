//! Shared helpers for the store's integration tests: a private temporary suite, password files
//! with the right mode, and `sonar` run with every XDG directory pointed into the temp dir so
//! nothing outside it is read or written.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The first administrator's password in every test suite.
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
/// The suite name given to `sonar init`.
pub const SUITE_NAME: &str = "Northtown Custody Suite";

/// The `sonar` binary under test.
pub fn sonar_path() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sonar"))
}

/// Points HOME and the XDG directories at `home`, and clears variables that change behaviour.
pub fn isolate(cmd: &mut std::process::Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("SONAR_TEST_CRASH_AT")
        .env_remove("SONAR_LOG")
        .env_remove("NO_COLOR")
        .current_dir(home);
}

/// `sonar` isolated in `home`, with no arguments yet.
pub fn sonar_in(home: &Path) -> Command {
    let mut std_cmd = std::process::Command::new(sonar_path());
    isolate(&mut std_cmd, home);
    Command::from_std(std_cmd)
}

/// Writes `contents` (plus a newline) to `dir/name` with mode 0600.
pub fn write_password_file(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("{contents}\n")).expect("write password file");
    set_mode(&path, 0o600);
    path
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A suite made with `sonar init` in its own temporary directory.
pub struct Suite {
    pub dir: TempDir,
    pub db: PathBuf,
    pub admin_pw: PathBuf,
    pub recovery_key: String,
    pub recovery_pw: PathBuf,
    /// What `sonar init` printed.
    pub init_stdout: String,
}

impl Suite {
    /// `sonar init --suite … --admin admin` in a fresh temporary directory.
    pub fn new() -> Suite {
        let dir = tempfile::Builder::new()
            .prefix("sonar-test-")
            .tempdir()
            .expect("temp dir");
        // Private, as a deployment's must be: `sonar check` reports a directory others reach.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .expect("temp dir mode");
        }
        let db = dir.path().join("suite.db");
        let admin_pw = write_password_file(dir.path(), "admin.pw", ADMIN_PASSWORD);
        let output = sonar_in(dir.path())
            .args(["init", "--suite", SUITE_NAME, "--admin", "admin", "--db"])
            .arg(&db)
            .arg("--password-file")
            .arg(&admin_pw)
            .output()
            .expect("run sonar init");
        let init_stdout = assert_success(&output);
        let recovery_key = recovery_key_from(&init_stdout);
        let recovery_pw = write_password_file(dir.path(), "recovery.pw", &recovery_key);
        Suite {
            dir,
            db,
            admin_pw,
            recovery_key,
            recovery_pw,
            init_stdout,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `sonar` isolated in this suite's directory, no arguments.
    pub fn cmd(&self) -> Command {
        sonar_in(self.path())
    }

    /// `sonar --db DB --user USER --password-file FILE` followed by `args`.
    pub fn run_as(&self, user: &str, password_file: &Path, args: &[&str]) -> Output {
        self.run_as_on(&self.db, user, password_file, args)
    }

    /// As [`Suite::run_as`] against another database path.
    pub fn run_as_on(&self, db: &Path, user: &str, password_file: &Path, args: &[&str]) -> Output {
        self.cmd()
            .args(args)
            .arg("--db")
            .arg(db)
            .args(["--user", user])
            .arg("--password-file")
            .arg(password_file)
            .output()
            .expect("run sonar")
    }

    /// `args` run as the administrator.
    pub fn admin(&self, args: &[&str]) -> Output {
        self.run_as("admin", &self.admin_pw, args)
    }

    /// A 0600 password file in the suite's directory.
    pub fn password_file(&self, name: &str, contents: &str) -> PathBuf {
        write_password_file(self.path(), name, contents)
    }

    /// Adds an account as admin and returns its temporary password.
    pub fn add_user(&self, name: &str, role: &str, full_name: &str) -> String {
        let out = self.admin(&[
            "user",
            "add",
            name,
            "--role",
            role,
            "--full-name",
            full_name,
        ]);
        let stdout = assert_success(&out);
        temporary_password_from(&stdout)
    }

    /// Adds an account and has its owner replace the temporary password with `password`;
    /// returns the password file holding it.
    pub fn add_active_user(
        &self,
        name: &str,
        role: &str,
        full_name: &str,
        password: &str,
    ) -> PathBuf {
        let temporary = self.add_user(name, role, full_name);
        let temp_file = self.password_file(&format!("{name}.temp.pw"), &temporary);
        let new_file = self.password_file(&format!("{name}.pw"), password);
        let out = self.run_as(
            name,
            &temp_file,
            &[
                "user",
                "passwd",
                "--new-password-file",
                new_file.to_str().unwrap(),
            ],
        );
        assert_eq!(
            assert_success(&out),
            format!("The password for `{name}` was changed.\n")
        );
        new_file
    }

    /// The keyslot file beside the database, parsed.
    pub fn keyslots(&self) -> serde_json::Value {
        keyslots_of(&self.db)
    }

    pub fn keyslots_path(&self) -> PathBuf {
        sibling(&self.db, ".keyslots")
    }

    /// `sonar user list --json` as `user`, parsed.
    pub fn user_list_json(&self, user: &str, password_file: &Path) -> serde_json::Value {
        self.user_list_json_on(&self.db, user, password_file)
    }

    pub fn user_list_json_on(
        &self,
        db: &Path,
        user: &str,
        password_file: &Path,
    ) -> serde_json::Value {
        let out = self.run_as_on(db, user, password_file, &["user", "list", "--json"]);
        serde_json::from_str(&assert_success(&out)).expect("user list --json is JSON")
    }
}

/// `path` with `suffix` appended to its file name: `suite.db` -> `suite.db-wal`.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

pub fn keyslots_of(db: &Path) -> serde_json::Value {
    let text = fs::read_to_string(sibling(db, ".keyslots")).expect("read keyslot file");
    serde_json::from_str(&text).expect("keyslot file is JSON")
}

/// The slot names in a parsed keyslot file, in file order.
pub fn slot_names(keyslots: &serde_json::Value) -> Vec<String> {
    keyslots["slots"]
        .as_array()
        .expect("slots array")
        .iter()
        .map(|s| s["name"].as_str().expect("slot name").to_string())
        .collect()
}

/// The distinct key generations (`key_id`) in a parsed keyslot file.
pub fn key_ids(keyslots: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = keyslots["slots"]
        .as_array()
        .expect("slots array")
        .iter()
        .map(|s| s["key_id"].as_str().expect("key_id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Exit 0 with nothing on stderr; returns stdout.
#[track_caller]
pub fn assert_success(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success() && stderr.is_empty(),
        "expected success with an empty stderr, got {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
}

/// Exit 1 with exactly `sonar: SENTENCE` as the whole of stderr and nothing on stdout.
#[track_caller]
pub fn assert_fails_with(output: &Output, sentence: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected exit 1\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(
        stderr,
        format!("sonar: {sentence}\n"),
        "stderr is not the one sentence"
    );
    assert_eq!(stdout, "", "a failure prints nothing on stdout");
}

/// Exit 1 with stderr one line matching `pattern` (see [`regex_lite`]; the whole line, without
/// its `\n`). Returns stderr.
#[track_caller]
pub fn assert_fails_matching(output: &Output, pattern: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected exit 1, stderr:\n{stderr}"
    );
    let re = regex_lite(pattern);
    assert!(
        stderr.ends_with('\n')
            && stderr.matches('\n').count() == 1
            && re(stderr.trim_end_matches('\n')),
        "stderr is not one line matching {pattern:?}:\n{stderr}"
    );
    stderr
}

/// A tiny matcher for the few patterns the tests need: literal text with [`ANY`] standing for
/// one or more characters other than a newline. Avoids a regex dependency.
pub const ANY: &str = "<ANY>";

pub fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool + '_ {
    move |text: &str| wildcard_match(pattern, text)
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once(ANY) {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            // ANY takes at least one character; try every split.
            rest.char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain(std::iter::once(rest.len()))
                .filter(|&i| i > 0 && !rest[..i].contains('\n'))
                .any(|i| wildcard_match(tail, &rest[i..]))
        }
    }
}

/// The recovery key printed by `sonar init`: the indented line after the heading.
pub fn recovery_key_from(stdout: &str) -> String {
    let mut lines = stdout.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("Recovery key (shown once"))
        .expect("init prints a recovery key heading");
    lines
        .next()
        .expect("a line after the recovery key heading")
        .trim()
        .to_string()
}

/// The temporary password printed by `user add` or `user reset`: the last indented line.
pub fn temporary_password_from(stdout: &str) -> String {
    stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("  "))
        .expect("a temporary password line")
        .trim()
        .to_string()
}

/// SHA-256 of a file's bytes, or `None` when it does not exist.
pub fn file_hash(path: &Path) -> Option<String> {
    fs::read(path)
        .ok()
        .map(|bytes| hex::encode(Sha256::digest(&bytes)))
}

/// The hashes of a database's files (main file, WAL, keyslots), to show nothing changed.
pub fn fingerprint(db: &Path) -> Vec<(String, Option<String>)> {
    ["", "-wal", "-journal", ".keyslots"]
        .iter()
        .map(|suffix| (suffix.to_string(), file_hash(&sibling(db, suffix))))
        .collect()
}

pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every regular file under `dir`, recursively.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Flips the lowest bit of the byte at `offset` in `path`.
pub fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = fs::read(path).expect("read file to damage");
    bytes[offset] ^= 0x01;
    fs::write(path, bytes).expect("write damaged file");
}

/// One audit row from `sonar audit export --format jsonl`.
#[derive(Debug, Clone, serde::Deserialize, PartialEq, Eq)]
pub struct AuditLine {
    pub id: i64,
    pub at: String,
    pub staff: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub row_hash: String,
}

pub fn parse_jsonl(text: &str) -> Vec<AuditLine> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// RFC 4180 CSV: fields separated by commas, quoted fields may hold commas, quotes and newlines.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted CSV field");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// A demo suite (`sonar demo --generate-only`) in its own temporary directory, with `sonar`
/// run as any demo account through a password file: the command-line output tests' one way in.
pub struct DemoCli {
    pub dir: TempDir,
    pub db: PathBuf,
}

impl DemoCli {
    /// A demo of `people` historical people.
    pub fn new(people: u32) -> DemoCli {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("demo.db");
        let env = DemoCli { dir, db };
        let out = env
            .sonar()
            .args([
                "demo",
                "--generate-only",
                "--people",
                &people.to_string(),
                "--db",
            ])
            .arg(&env.db)
            .output()
            .expect("run sonar demo");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    /// `sonar` isolated in the suite's directory, with no arguments yet.
    pub fn sonar(&self) -> Command {
        sonar_in(self.dir.path())
    }

    /// `sonar --db DB --user USER --password-file PW ARGS…`, however it ends.
    pub fn run(&self, user: &str, args: &[&str]) -> Output {
        let pw = write_password_file(self.dir.path(), "password", "demo");
        self.sonar()
            .arg("--db")
            .arg(&self.db)
            .args(["--user", user, "--password-file"])
            .arg(&pw)
            .args(args)
            .output()
            .expect("run sonar")
    }

    /// [`DemoCli::run`], which must succeed.
    pub fn run_ok(&self, user: &str, args: &[&str]) -> Output {
        let out = self.run(user, args);
        assert!(
            out.status.success(),
            "sonar {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// [`DemoCli::run_ok`]'s stdout as JSON.
    pub fn json(&self, user: &str, args: &[&str]) -> serde_json::Value {
        serde_json::from_slice(&self.run_ok(user, args).stdout).expect("JSON on stdout")
    }
}
