//! Runs the terminal UI: read keys and ticks, `update`, `render`, until the person quits.

use std::path::Path;
use std::time::{Duration as StdDuration, Instant};

use super::settings::{DEFAULT_IDLE_LOCK_MINUTES, Settings};
use crate::app::{self, App, AppConfig, Event};
use crate::domain::clock::{Clock, SystemClock};
use crate::keymap::Keymap;
use crate::national::courier::Courier;
use crate::store::keyslots::KeyslotFile;
use crate::terminal::TerminalGuard;
use anyhow::{Context, Result};
use chrono::Duration;
use crossterm::event::{self, Event as TermEvent};

/// Reads the settings file (`settings.rs`): the validated settings and one sentence per
/// problem, shown as a standing notice.
fn load_settings() -> (Settings, Vec<String>) {
    match super::settings::settings_path() {
        Some(path) => super::settings::load(&path),
        None => (Settings::default(), Vec::new()),
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "this terminal".to_string())
}

/// Builds the App for the database at `db` (not yet logged in).
pub fn build_app(db: &Path, clock: &dyn Clock) -> Result<App> {
    let slots = KeyslotFile::load(db)?;
    let (settings, settings_problems) = load_settings();
    let loaded = Keymap::load_user(crate::keymap::default_user_path().as_deref());
    // Validated: more than zero and at most an hour, else the default.
    let idle_minutes = settings
        .idle_lock_minutes
        .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES);
    let mut terminal_name = settings.terminal_name.unwrap_or_else(host_name);
    if let Ok(tty) = std::env::var("SSH_TTY") {
        terminal_name.push_str(&format!(" ({tty})"));
    }
    let config = AppConfig {
        db_path: db.to_path_buf(),
        suite_name: if slots.suite_name.is_empty() {
            "unnamed suite".into()
        } else {
            slots.suite_name.clone()
        },
        terminal_name,
        idle_timeout: Duration::milliseconds((idle_minutes * 60_000.0) as i64),
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        bell: settings.emergency_bell.unwrap_or(true),
    };
    let mut app = App::new(config, loaded.keymap, clock.now());
    let mut notices = Vec::new();
    if !loaded.problems.is_empty() {
        let first = &loaded.problems[0];
        notices.push(format!(
            "Keymap not used ({} problem{}; first: {first}); running on the default keys.",
            loaded.problems.len(),
            if loaded.problems.len() == 1 { "" } else { "s" }
        ));
    }
    notices.extend(settings_problems);
    if !notices.is_empty() {
        app.notice = Some(notices.join(" "));
    }
    Ok(app)
}

/// Runs the UI until the person quits. The screen refreshes once a second (the board
/// countdowns) and immediately after every key.
pub fn run(db: &Path) -> Result<u8> {
    let clock = SystemClock;
    if !db.exists() {
        anyhow::bail!(
            "there is no database at {}: create one with `sonar init` or try `sonar demo`",
            db.display()
        );
    }
    // The observation-level rules are checked before the screen is taken over, so a bad rules
    // file is reported with its file and line rather than failing mid-shift.
    crate::domain::care::ObservationRules::embedded()?;
    crate::domain::hcp::HcpBands::embedded()?;
    let mut app = build_app(db, &clock)?;
    let mut guard = TerminalGuard::enter().context("cannot take over the terminal")?;
    let tick = StdDuration::from_secs(1);
    // Between ticks, the alarm file is looked at this often: another terminal rewrites it the
    // moment an emergency opens or closes, so every terminal shows it within a fifth of a
    // second instead of up to a second (a stat, no read, no database).
    let alarm_poll = StdDuration::from_millis(200);
    let mut alarm = crate::store::alarm::alarm_stamp(db);
    let mut last_tick = Instant::now();
    // Talks to the national record on its own thread (started when there is first work).
    let mut courier: Option<Courier> = None;
    app::update(&mut app, Event::Tick(clock.now()));
    if let Ok(size) = guard.terminal.size() {
        app::update(&mut app, Event::Resize(size.width, size.height));
    }
    loop {
        guard
            .terminal
            .draw(|frame| crate::terminal::draw(&app, frame))
            .context("drawing the screen")?;
        if app::emergency::take_bell(&mut app) {
            use std::io::Write;
            let out = guard.terminal.backend_mut();
            out.write_all(b"\x07").context("ringing the bell")?;
            out.flush().context("ringing the bell")?;
        }
        if app.quit {
            break;
        }
        let wait = tick.saturating_sub(last_tick.elapsed()).min(alarm_poll);
        if event::poll(wait).context("reading the keyboard")? {
            match event::read().context("reading the keyboard")? {
                TermEvent::Key(key) => {
                    app.now = clock.now();
                    app::update(&mut app, Event::Key(key));
                }
                TermEvent::Resize(columns, rows) => {
                    app::update(&mut app, Event::Resize(columns, rows));
                }
                TermEvent::Paste(text) => {
                    app.now = clock.now();
                    app::paste::paste(&mut app, &text);
                }
                _ => {}
            }
        }
        let stamp = crate::store::alarm::alarm_stamp(db);
        if last_tick.elapsed() >= tick || stamp != alarm {
            alarm = stamp;
            last_tick = Instant::now();
            app::update(&mut app, Event::Tick(clock.now()));
        }
        while let Some(done) = courier.as_ref().and_then(Courier::try_done) {
            app.now = clock.now();
            app::update(&mut app, Event::National(done));
        }
        hand_over_jobs(&mut app, &mut courier);
    }
    drop(guard);
    Ok(0)
}

/// Gives the courier the work the terminal left for it (an outbox entry taken, a question at
/// booking-in), starting it for this login when needed. A job that cannot be handed over
/// comes straight back as a failure, so the outbox entry is released and the banner says so.
fn hand_over_jobs(app: &mut App, courier: &mut Option<Courier>) {
    if app.identity().is_none() {
        *courier = None;
    }
    if app.national.jobs.is_empty() {
        return;
    }
    let jobs = std::mem::take(&mut app.national.jobs);
    let link = app::national::session_link(app);
    if let Some(link) = link {
        let id = (link.url.clone(), link.user.clone());
        if courier.as_ref().is_none_or(|c| c.link_id != id) {
            *courier = Courier::start(link).ok();
        }
    }
    for job in jobs {
        let handed = courier.as_ref().is_some_and(|c| c.send(job.clone()));
        if !handed {
            app::update(app, Event::National(app::national::courier_gone(&job)));
        }
    }
}
