//! Helpers for the UI tests: a demo suite per test (copied from one generated per test
//! binary, since generating costs several Argon2id derivations), an `App` on a fixed clock,
//! key presses through the real keymap, and the rendered screen as text.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sonar_custody::app::{Action, App, AppConfig, Event, Screen, update};
use sonar_custody::keymap::{Context, Keymap, Preset};
use tempfile::TempDir;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = sonar_custody::demo::DEMO_PASSWORD;
/// The suite name shown on the login screen.
pub const SUITE: &str = "Northgate Custody Suite (demo)";
/// Historical people in the test suite: enough for the History tab and the queries to be
/// realistic, few enough to generate in a moment.
pub const HISTORICAL: u64 = 200;

/// The fixed "now" of every UI test: a Monday afternoon in November (GMT, so London time
/// equals UTC and the rendered times are easy to check by eye).
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

/// A demo suite of this test's own, in a temporary directory removed when it is dropped.
pub struct DemoDb {
    pub dir: TempDir,
    pub path: PathBuf,
}

/// The one suite generated for this test binary, copied for each test.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("template dir");
        let path = dir.path().join("demo.db");
        let store = sonar_custody::demo::create(&path, HISTORICAL, fixed_now(), &mut |_, _| {})
            .expect("generate the demo suite");
        // Closing the last connection checkpoints the WAL into the database file.
        drop(store);
        (dir, path)
    });
    path
}

/// A fresh copy of the demo suite (the database, its keyslot file and anything beside them).
pub fn demo_db() -> DemoDb {
    let source = template();
    let dir = tempfile::tempdir().expect("test dir");
    for entry in std::fs::read_dir(source.parent().unwrap()).expect("read template dir") {
        let entry = entry.expect("template entry");
        if entry.file_type().expect("file type").is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
                .expect("copy the template suite");
        }
    }
    let path = dir.path().join("demo.db");
    DemoDb { dir, path }
}

/// The settings every test App runs with: colour off, five minutes to the idle lock.
pub fn config(db: &Path) -> AppConfig {
    AppConfig {
        db_path: db.to_path_buf(),
        suite_name: SUITE.into(),
        terminal_name: "suite-t1".into(),
        idle_timeout: Duration::minutes(5),
        color: false,
        bell: true,
    }
}

/// An App on the login screen with the default keymap, its clock at [`fixed_now`].
pub fn app(db: &Path) -> App {
    app_with_keymap(db, Keymap::preset(Preset::Default))
}

pub fn app_with_keymap(db: &Path, keymap: Keymap) -> App {
    App::new(config(db), keymap, fixed_now())
}

/// Presses one key (a press event, as a terminal sends it).
pub fn key(app: &mut App, code: KeyCode) {
    key_with(app, code, KeyModifiers::NONE);
}

pub fn key_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    update(app, Event::Key(KeyEvent::new(code, modifiers)));
}

/// Types each character of `text` as its own key press.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Presses the first key the live keymap binds to `action` in `context` (the key the status
/// bar shows), failing the test if there is none.
pub fn press_action(app: &mut App, context: Context, action: Action) {
    let chord = app
        .keymap
        .keys_for(context, action)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no key for {action} in {context}"));
    key_with(app, chord.code(), chord.modifiers());
}

/// Logs in from the login screen by typing, as a person would: username, Enter, password,
/// Enter.
pub fn log_in(app: &mut App, username: &str, password: &str) {
    type_text(app, username);
    key(app, KeyCode::Enter);
    type_text(app, password);
    key(app, KeyCode::Enter);
}

/// A demo suite and an App logged in as `username`, on the board.
pub fn logged_in(username: &str) -> (DemoDb, App) {
    let db = demo_db();
    let mut app = app(&db.path);
    log_in(&mut app, username, DEMO_PASSWORD);
    assert!(
        matches!(app.screen, Screen::Board(_)),
        "{username} should be on the board after logging in; screen:\n{}",
        screen_text(&app, 80, 24)
    );
    (db, app)
}

/// Draws the App on a test terminal of the given size, through the same function the real
/// terminal is drawn with (`terminal::draw`: the screens, then every cell made inert).
pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| sonar_custody::terminal::draw(app, f))
        .expect("draw");
    terminal
}

/// The rendered screen as plain text, one line per row, trailing blanks trimmed.
pub fn screen_text(app: &App, width: u16, height: u16) -> String {
    let terminal = draw(app, width, height);
    buffer_text(terminal.backend().buffer())
}

pub fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The rendered lines (at 120×40) that are rows of the board's table, in screen order: the
/// lines after the column header.
pub fn board_lines(app: &App) -> Vec<String> {
    let text = screen_text(app, 120, 40);
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| l.trim_start().starts_with("Cell"))
        .expect("the board's column header");
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The real `sonar` binary in a pseudo-terminal, its output parsed by a terminal emulator.
pub mod pty {
    use std::io::{Read, Write};
    use std::num::NonZeroU16;
    use std::path::Path;
    use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
    use std::time::{Duration, Instant};

    use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

    /// Points HOME and every XDG directory into `home`, so the program reads no settings or
    /// keymap of the person running the tests and writes its log beside the test's files.
    pub fn isolate_env(home: &Path) -> Vec<(String, std::path::PathBuf)> {
        vec![
            ("HOME".into(), home.to_path_buf()),
            ("XDG_STATE_HOME".into(), home.join("state")),
            ("XDG_CONFIG_HOME".into(), home.join("config")),
            ("XDG_DATA_HOME".into(), home.join("data")),
            ("XDG_CACHE_HOME".into(), home.join("cache")),
        ]
    }

    /// Generates a demo suite at `db` with the real binary (`sonar demo --generate-only`).
    pub fn generate_demo(sonar: &Path, home: &Path, db: &Path, people: u64) {
        let mut cmd = std::process::Command::new(sonar);
        cmd.args([
            "demo",
            "--generate-only",
            "--people",
            &people.to_string(),
            "--db",
        ])
        .arg(db)
        .current_dir(home)
        .env_remove("SONAR_LOG")
        .env_remove("NO_COLOR");
        for (k, v) in isolate_env(home) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run sonar demo");
        assert!(
            out.status.success(),
            "sonar demo failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `sonar --db DB --user USER --password-file PW ARGS…` run in `home` with the demo
    /// password (the file mode 0600, as the program requires); its stdout, failing the test
    /// with stderr when it fails.
    pub fn sonar_as(sonar: &Path, home: &Path, db: &Path, user: &str, args: &[&str]) -> String {
        let pw = home.join("password");
        std::fs::write(&pw, "demo\n").expect("write the password file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600))
                .expect("password file mode");
        }
        let mut cmd = std::process::Command::new(sonar);
        cmd.current_dir(home)
            .arg("--db")
            .arg(db)
            .args(["--user", user, "--password-file"])
            .arg(&pw)
            .args(args);
        for (k, v) in isolate_env(home) {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run sonar");
        assert!(
            out.status.success(),
            "sonar {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// The real binary in a `cols`×`rows` PTY, logged in as `user` with the demo password and
    /// showing the board.
    pub fn log_in(
        sonar: &Path,
        db: &Path,
        home: &Path,
        user: &str,
        cols: u16,
        rows: u16,
    ) -> PtyApp {
        let limit = Duration::from_secs(30);
        let mut app = PtyApp::spawn(
            sonar,
            &["--db", db.to_str().expect("utf-8 path")],
            home,
            cols,
            rows,
        );
        app.wait_for_text("Username", limit);
        app.send(format!("{user}\r").as_bytes());
        app.send(b"demo\r");
        app.wait_for_text("Cell", limit);
        app
    }

    /// A running program in a PTY.
    pub struct PtyApp {
        child: Box<dyn Child + Send + Sync>,
        writer: Box<dyn Write + Send>,
        output: Receiver<Vec<u8>>,
        /// Kept open so the PTY stays alive while the program runs.
        _master: Box<dyn MasterPty + Send>,
        pub parser: vt100::Parser,
        /// Every byte the program wrote, in order.
        pub raw: Vec<u8>,
        /// The reader saw the end of the output (the program closed the terminal).
        pub eof: bool,
        /// Anything on any screen ever seen that must never appear (log lines).
        pub stray: Vec<String>,
    }

    /// Text that would mean a log line or a library's warning reached the screen.
    pub const STRAY_MARKERS: &[&str] = &[
        "INFO",
        "WARN",
        "ERROR",
        "DEBUG",
        "TRACE",
        "sqlcipher",
        "SQLCipher",
        "panicked",
    ];

    impl PtyApp {
        /// Starts `program args` in a `cols`×`rows` PTY with the environment isolated in
        /// `home`.
        pub fn spawn(program: &Path, args: &[&str], home: &Path, cols: u16, rows: u16) -> PtyApp {
            let pair = native_pty_system()
                .openpty(PtySize {
                    rows,
                    cols,
                    pixel_width: 0,
                    pixel_height: 0,
                })
                .expect("open a pty");
            let mut cmd = CommandBuilder::new(program);
            cmd.args(args);
            cmd.cwd(home);
            cmd.env("TERM", "xterm-256color");
            cmd.env_remove("SONAR_LOG");
            cmd.env_remove("NO_COLOR");
            cmd.env_remove("SSH_TTY");
            for (k, v) in isolate_env(home) {
                cmd.env(k, v);
            }
            let child = pair.slave.spawn_command(cmd).expect("spawn in the pty");
            // Only the child holds the slave now, so its exit ends our reads.
            drop(pair.slave);
            let mut reader = pair.master.try_clone_reader().expect("pty reader");
            let writer = pair.master.take_writer().expect("pty writer");
            let (tx, output) = channel();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if tx.send(buf[..n].to_vec()).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
            PtyApp {
                child,
                writer,
                output,
                _master: pair.master,
                parser: vt100::Parser::new(
                    NonZeroU16::new(rows).unwrap(),
                    NonZeroU16::new(cols).unwrap(),
                    0,
                ),
                raw: Vec::new(),
                eof: false,
                stray: Vec::new(),
            }
        }

        /// Types bytes at the terminal.
        pub fn send(&mut self, bytes: &[u8]) {
            self.writer.write_all(bytes).expect("write to the pty");
            self.writer.flush().expect("flush the pty");
        }

        fn take(&mut self, chunk: &[u8]) {
            self.raw.extend_from_slice(chunk);
            self.parser.process(chunk);
            let text = self.parser.screen().contents();
            for marker in STRAY_MARKERS {
                if text.contains(marker) {
                    self.stray.push(format!("{marker:?} on screen:\n{text}"));
                }
            }
        }

        /// Reads whatever output arrives within `timeout` (returns early once some has).
        pub fn pump(&mut self, timeout: Duration) -> bool {
            match self.output.recv_timeout(timeout) {
                Ok(chunk) => {
                    self.take(&chunk);
                    while let Ok(more) = self.output.try_recv() {
                        self.take(&more);
                    }
                    true
                }
                Err(RecvTimeoutError::Timeout) => false,
                Err(RecvTimeoutError::Disconnected) => {
                    self.eof = true;
                    false
                }
            }
        }

        /// Reads output until `ready` holds for the parsed screen, or fails the test after
        /// `limit` with what the screen showed.
        pub fn wait_for(
            &mut self,
            what: &str,
            limit: Duration,
            ready: impl Fn(&vt100::Screen) -> bool,
        ) {
            if let Err(screen) = self.try_wait_for(limit, ready) {
                panic!("timed out after {limit:?} waiting for {what}; the screen shows:\n{screen}");
            }
        }

        /// Like [`wait_for`](Self::wait_for), but hands back the screen text on time-out.
        pub fn try_wait_for(
            &mut self,
            limit: Duration,
            ready: impl Fn(&vt100::Screen) -> bool,
        ) -> Result<Duration, String> {
            let start = Instant::now();
            let deadline = start + limit;
            loop {
                if ready(self.parser.screen()) {
                    return Ok(start.elapsed());
                }
                let now = Instant::now();
                if now >= deadline || self.eof {
                    return Err(self.parser.screen().contents());
                }
                self.pump(deadline - now);
            }
        }

        /// Waits until the screen shows `text`.
        pub fn wait_for_text(&mut self, text: &str, limit: Duration) {
            self.wait_for(&format!("{text:?}"), limit, |s| s.contents().contains(text));
        }

        /// The program's process id, for tests that look at the running process itself.
        pub fn pid(&self) -> u32 {
            self.child.process_id().expect("the program's process id")
        }

        /// The screen as text.
        pub fn screen_text(&self) -> String {
            self.parser.screen().contents()
        }

        /// Waits for the program to exit and for the end of its output; its exit code.
        pub fn wait_exit(&mut self, limit: Duration) -> u32 {
            let deadline = Instant::now() + limit;
            let status = loop {
                if let Some(status) = self.child.try_wait().expect("child status") {
                    break status;
                }
                let now = Instant::now();
                assert!(
                    now < deadline,
                    "the program did not exit within {limit:?}; the screen shows:\n{}",
                    self.screen_text()
                );
                self.pump((deadline - now).min(Duration::from_millis(50)));
            };
            while !self.eof && Instant::now() < deadline {
                self.pump(deadline - Instant::now());
            }
            status.exit_code()
        }
    }

    impl Drop for PtyApp {
        fn drop(&mut self) {
            // Only ever the child this harness started, by its handle.
            if let Ok(None) = self.child.try_wait() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}
