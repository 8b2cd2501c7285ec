//! Application state and the one `update` that changes it (The Elm Architecture). Keys
//! arrive here already resolved to an [`Action`] or typed text by the keymap; `update` asks
//! the store to persist and audit, and the renderer draws whatever state results. Nothing
//! here touches the terminal.

pub mod action;
pub mod board;
pub mod booking;
pub mod care;
pub mod checkpoint;
pub mod duties;
pub mod emergency;
pub mod entry;
pub mod form;
pub mod handover;
pub mod hcp;
pub mod import;
mod login;
pub mod national;
pub mod paste;
pub mod prra;
mod record;
pub mod report;
pub mod review;
pub mod shift;
pub mod support;

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyEvent, KeyEventKind};

pub use self::action::Action;
use self::board::BoardState;
pub use self::login::{ChangePasswordState, Field, LoginState};
use self::login::{change_password_action, login_action};
pub use self::record::{BreakGlassDialog, RecordState, RecordTab};
use self::record::{open_record, record_action};
use crate::keymap::{Context, Keymap, Resolved};
use crate::store::{StaffIdentity, Store};

/// Settings fixed for the life of the program.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub db_path: PathBuf,
    /// Shown on the login screen before anyone has unlocked anything.
    pub suite_name: String,
    /// Which terminal this is (host and tty), so staff can tell suite terminals apart.
    pub terminal_name: String,
    /// Idle time after which the session locks itself.
    pub idle_timeout: Duration,
    /// Draw in colour (off when `NO_COLOR` is set).
    pub color: bool,
    /// Ring the terminal bell while an emergency is unacknowledged here (on by default).
    pub bell: bool,
}

/// Something that happened: a key, or time passing.
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    /// The clock ticked (about once a second): refresh the board and check the idle timer.
    Tick(DateTime<Utc>),
    /// The terminal is now this many columns and rows (at start and on every resize).
    Resize(u16, u16),
    /// The courier finished a submission or a question to the national record.
    National(crate::national::courier::Done),
}

/// The help overlay: every binding of the context it was opened from.
#[derive(Debug, Clone)]
pub struct HelpState {
    pub context: Context,
    pub filter: String,
    pub scroll: usize,
}

/// What fills the screen.
#[derive(Debug)]
pub enum Screen {
    Login(LoginState),
    ChangePassword(ChangePasswordState),
    Board(BoardState),
    Record(Box<RecordState>),
    /// Booking a person in: search, details, the already-known banner, the form.
    Booking(Box<booking::BookingState>),
}

/// A one-line message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
}

/// The whole state of the program.
pub struct App {
    pub config: AppConfig,
    pub keymap: Keymap,
    /// A standing notice, e.g. that the user keymap had problems and defaults are in use.
    pub notice: Option<String>,
    pub screen: Screen,
    pub help: Option<HelpState>,
    pub message: Option<StatusMessage>,
    pub now: DateTime<Utc>,
    pub quit: bool,
    /// Care plan and check forms (`care.rs`).
    pub care: care::CareState,
    /// Open emergencies, the full-screen alert, the bell and its prompts (`emergency.rs`).
    pub emergency: emergency::EmergencyState,
    /// Requests for an HCP, the HCP's queue and directions awaiting a sergeant (`hcp.rs`).
    pub hcp: hcp::HcpState,
    /// Recording an appropriate adult or an interpreter (`support.rs`).
    pub support: support::SupportState,
    /// Handing the open record's person over (`handover.rs`).
    pub handover: Option<handover::HandoverState>,
    /// Importing a bundle from another suite, over the board (`import.rs`).
    pub import: Option<import::ImportState>,
    /// The report screen over the board (`report.rs`).
    pub report: Option<report::ReportState>,
    /// The shift handover screen over the board (`shift.rs`).
    pub shift: shift::ShiftState,
    /// Adding a score, medicine, dose, consent, fitness decision, referral or appointment
    /// over the open record (`entry.rs`).
    pub entry: Option<entry::EntryState>,
    /// The pre-release risk assessment being filled in over the open record (`prra.rs`).
    pub prra: Option<Box<form::FormScreen>>,
    /// A flag, level or health-screen deferral prompt over the board or record (`duties.rs`).
    pub duty: Option<duties::DutyDialog>,
    /// The national record: the header's status, the outbox entry this terminal sends, the
    /// booking banner's question (`national.rs`).
    pub national: national::NationalState,
    /// The terminal's size (columns, rows), from [`Event::Resize`]; 80×24, the smallest
    /// supported, until told. What "scrolled to the end" means depends on it.
    pub size: (u16, u16),
    session: Option<Store>,
    last_activity: DateTime<Utc>,
}

impl App {
    pub fn new(config: AppConfig, keymap: Keymap, now: DateTime<Utc>) -> App {
        App {
            config,
            keymap,
            notice: None,
            screen: Screen::Login(LoginState {
                focus: Some(Field::First),
                ..LoginState::default()
            }),
            help: None,
            message: None,
            now,
            quit: false,
            care: care::CareState::default(),
            emergency: emergency::EmergencyState::default(),
            hcp: hcp::HcpState::default(),
            support: support::SupportState::default(),
            handover: None,
            import: None,
            report: None,
            shift: shift::ShiftState::default(),
            entry: None,
            prra: None,
            duty: None,
            national: national::NationalState::default(),
            size: (80, 24),
            session: None,
            last_activity: now,
        }
    }

    /// The terminal's size less the lines the HCP direction strip adds under the header: what
    /// a screen's body has, for those that page (the booking banner).
    pub fn body_size(&self) -> (u16, u16) {
        (
            self.size.0,
            self.size.1.saturating_sub(hcp::strip_height(self)),
        )
    }

    /// Who is logged in, if anyone.
    pub fn identity(&self) -> Option<&StaffIdentity> {
        self.session.as_ref().map(Store::identity)
    }

    /// Whether the disk refuses this session's writes (the header says so on every screen).
    pub fn writes_paused(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.writes_paused().is_some())
    }

    /// The keymap context of what has the keyboard now.
    pub fn context(&self) -> Context {
        if self.help.is_some() {
            return Context::Help;
        }
        if let Some(context) = emergency::context(self) {
            return context;
        }
        if let Some(context) = hcp::context(self) {
            return context;
        }
        if let Some(context) = duties::context(self) {
            return context;
        }
        if let Some(context) = support::context(self) {
            return context;
        }
        if let Some(context) = care::context(self) {
            return context;
        }
        if let Some(context) = prra::context(self) {
            return context;
        }
        if let Some(context) = handover::context(self) {
            return context;
        }
        if let Some(context) = import::context(self) {
            return context;
        }
        if let Some(context) = report::context(self) {
            return context;
        }
        if let Some(context) = shift::context(self) {
            return context;
        }
        if let Some(context) = entry::context(self) {
            return context;
        }
        match &self.screen {
            Screen::Login(_) | Screen::ChangePassword(_) => Context::Login,
            Screen::Board(b) if b.filtering => Context::Filter,
            Screen::Board(_) => Context::Board,
            Screen::Record(r) if r.dialog.is_some() => Context::Dialog,
            Screen::Record(r) if r.review.as_ref().is_some_and(|v| v.reason.is_some()) => {
                Context::Dialog
            }
            Screen::Record(_) => Context::Record,
            Screen::Booking(_) => Context::Form,
        }
    }

    fn set_error(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            is_error: true,
        });
    }

    fn set_info(&mut self, text: impl Into<String>) {
        self.message = Some(StatusMessage {
            text: text.into(),
            is_error: false,
        });
    }

    /// Locks: audits it, drops the session (the master key is zeroized and the connection
    /// closed), and forgets everything shown, so nothing of a detainee stays on screen.
    pub fn lock(&mut self, why: &str) {
        if let Some(store) = self.session.take() {
            store.lock(self.now, why);
        }
        self.help = None;
        self.message = None;
        self.care = care::CareState::default();
        emergency::on_lock(self);
        hcp::on_lock(self);
        support::on_lock(self);
        self.handover = None;
        self.import = None;
        self.report = None;
        shift::on_lock(self);
        national::on_lock(self);
        self.entry = None;
        self.prra = None;
        self.duty = None;
        self.screen = Screen::Login(LoginState {
            focus: Some(Field::First),
            info: Some(why.to_string()),
            ..LoginState::default()
        });
    }

    /// Re-reads the board from the database (another terminal may have changed it).
    fn refresh_board(&mut self) {
        let Some(store) = self.session.as_ref() else {
            return;
        };
        let now = self.now;
        let result = store.in_custody();
        let board = match &mut self.screen {
            Screen::Board(b) => b,
            Screen::Record(r) => &mut r.board,
            Screen::Booking(b) => &mut b.board,
            _ => return,
        };
        match result {
            Ok(entries) => board.replace_entries(entries, now),
            Err(e) => {
                let text = e.to_string();
                self.set_error(format!("Could not refresh the board: {text}"));
            }
        }
    }
}

/// Applies one event to the state.
pub fn update(app: &mut App, event: Event) {
    match event {
        Event::Tick(now) => {
            app.now = now;
            let idle_locks = app.identity().is_some_and(|i| i.role.idle_locks());
            if idle_locks && now - app.last_activity >= app.config.idle_timeout {
                let minutes = app.config.idle_timeout.num_minutes();
                let why = if minutes >= 1 {
                    format!("Locked after {minutes} minutes without a key press.")
                } else {
                    format!(
                        "Locked after {} seconds without a key press.",
                        app.config.idle_timeout.num_seconds()
                    )
                };
                app.lock(&why);
                emergency::refresh(app);
                return;
            }
            app.refresh_board();
            care::refresh(app);
            emergency::refresh(app);
            hcp::refresh(app);
            national::tick(app);
            checkpoint::tick(app);
        }
        Event::National(done) => national::done(app, done),
        Event::Resize(columns, rows) => {
            app.size = (columns, rows);
            booking::resized(app);
        }
        Event::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return;
            }
            app.last_activity = app.now;
            let context = app.context();
            match app.keymap.resolve(context, &key) {
                Resolved::Action(action) => perform(app, action),
                Resolved::Text(c) => type_char(app, c),
                Resolved::Unbound => {}
            }
        }
    }
}

/// Performs an action in the current context.
pub fn perform(app: &mut App, action: Action) {
    if action != Action::Quit
        && let Screen::Board(b) = &mut app.screen
    {
        b.quit_asked = false;
    }
    match action {
        Action::Quit => {
            // On the board of a shared terminal, quitting asks first: a second q quits, any
            // other key stays (issue 14). Elsewhere (the login screen, a record) it quits.
            let asking = matches!(&app.screen, Screen::Board(b) if !b.quit_asked && !b.filtering)
                && app.session.is_some()
                && app.help.is_none()
                && app.context() == Context::Board;
            if asking {
                if let Screen::Board(b) = &mut app.screen {
                    b.quit_asked = true;
                }
                app.set_info("Press q again to sign out and quit; any other key stays.");
                return;
            }
            app.lock("Signed out.");
            app.quit = true;
            return;
        }
        Action::Lock => {
            if app.session.is_some() {
                app.lock("Locked by key press.");
            }
            return;
        }
        Action::Help => {
            if app.help.is_none() {
                app.help = Some(HelpState {
                    context: app.context(),
                    filter: String::new(),
                    scroll: 0,
                });
            } else {
                app.help = None;
            }
            return;
        }
        _ => {}
    }
    if let Some(help) = app.help.as_mut() {
        match action {
            Action::Back => app.help = None,
            Action::MoveDown => help.scroll = help.scroll.saturating_add(1),
            Action::MoveUp => help.scroll = help.scroll.saturating_sub(1),
            Action::PageDown => help.scroll = help.scroll.saturating_add(10),
            Action::PageUp => help.scroll = help.scroll.saturating_sub(10),
            Action::First => help.scroll = 0,
            Action::DeleteBack => {
                help.filter.pop();
                help.scroll = 0;
            }
            Action::ClearField | Action::ClearFilter => {
                help.filter.clear();
                help.scroll = 0;
            }
            _ => {}
        }
        return;
    }
    // The wall board shows the board and emergencies; it opens no record and records nothing
    // (the store refuses its writes too).
    if wall_board_refuses(app, action) {
        return;
    }
    // An earlier detention opened read-only: no write key works there.
    if review::read_only(app) && review::is_write(action) {
        app.set_error("This earlier detention is open read-only: nothing can be recorded on it.");
        return;
    }
    // While the review of known items is open, its keys are its own (unless an emergency or
    // another panel has the keyboard).
    let reviewing = matches!(&app.screen, Screen::Record(r) if r.review.is_some());
    if reviewing
        && care::context(app).is_none()
        && emergency::context(app).is_none()
        && hcp::context(app).is_none()
        && app.duty.is_none()
        && support::context(app).is_none()
        && app.handover.is_none()
        && app.import.is_none()
        && app.entry.is_none()
        && app.prra.is_none()
    {
        app.message = None;
        let screen = std::mem::replace(&mut app.screen, Screen::Login(LoginState::default()));
        app.screen = match screen {
            Screen::Record(r) => record_action(app, *r, action),
            other => other,
        };
        return;
    }
    if emergency::perform(app, action) {
        return;
    }
    if hcp::perform(app, action) {
        return;
    }
    if duties::perform(app, action) {
        return;
    }
    if support::perform(app, action) {
        return;
    }
    if care::perform(app, action) {
        return;
    }
    if prra::perform(app, action) {
        return;
    }
    if handover::perform(app, action) {
        return;
    }
    if import::perform(app, action) {
        return;
    }
    if report::perform(app, action) {
        return;
    }
    if shift::perform(app, action) {
        return;
    }
    if entry::perform(app, action) {
        return;
    }
    app.message = None;
    let screen = std::mem::replace(&mut app.screen, Screen::Login(LoginState::default()));
    app.screen = match screen {
        Screen::Login(state) => login_action(app, state, action),
        Screen::ChangePassword(state) => change_password_action(app, state, action),
        Screen::Board(state) => board_action(app, state, action),
        Screen::Record(state) => record_action(app, *state, action),
        Screen::Booking(state) => booking::action(app, *state, action),
    };
}

/// Whether the wall board refuses `action` (saying so): opening a record, booking in,
/// importing, or anything that writes. The emergency screen's own keys are its to judge.
fn wall_board_refuses(app: &mut App, action: Action) -> bool {
    let wall_board = app
        .identity()
        .is_some_and(|i| i.role == crate::domain::role::Role::WallBoard);
    if !wall_board || emergency::context(app).is_some() {
        return false;
    }
    let opens_record = matches!(app.screen, Screen::Board(_))
        && matches!(action, Action::Confirm | Action::Submit);
    let refused = opens_record
        || review::is_write(action)
        || matches!(
            action,
            Action::BookIn
                | Action::ImportBundle
                | Action::BreakGlass
                | Action::RequestHcp
                | Action::WithdrawHcpRequest
                | Action::AcknowledgeDirection
                | Action::HcpQueue
        );
    if refused {
        app.set_error("The wall board shows the board and emergencies only: use a suite terminal to open a record or record anything.");
    }
    refused
}

/// Typed text goes to whichever field has the keyboard.
fn type_char(app: &mut App, c: char) {
    if let Some(help) = app.help.as_mut() {
        help.filter.push(c);
        help.scroll = 0;
        return;
    }
    if emergency::type_char(app, c) {
        return;
    }
    if hcp::type_char(app, c) {
        return;
    }
    if duties::type_char(app, c) {
        return;
    }
    if support::type_char(app, c) {
        return;
    }
    if care::type_char(app, c) {
        return;
    }
    if prra::type_char(app, c) {
        return;
    }
    if handover::type_char(app, c) {
        return;
    }
    if import::type_char(app, c) {
        return;
    }
    if entry::type_char(app, c) {
        return;
    }
    if matches!(app.screen, Screen::Booking(_)) {
        let screen = std::mem::replace(&mut app.screen, Screen::Login(LoginState::default()));
        if let Screen::Booking(mut b) = screen {
            booking::type_char(app, &mut b, c);
            app.screen = Screen::Booking(b);
        }
        return;
    }
    match &mut app.screen {
        // A password field that grows moves to a new buffer and zeroes the old one.
        Screen::Login(s) => match s.focus {
            Some(Field::Second) => crate::secret::push_char(&mut s.password, c),
            _ => s.username.push(c),
        },
        Screen::ChangePassword(s) => match s.focus {
            Field::First => crate::secret::push_char(&mut s.new, c),
            Field::Second => crate::secret::push_char(&mut s.repeat, c),
        },
        Screen::Board(b) if b.filtering => {
            b.filter.push(c);
            b.apply_filter();
        }
        Screen::Record(r) => {
            if review::type_char(r, c) {
                return;
            }
            if let Some(d) = r.dialog.as_mut()
                && d.reason.chars().count() < 200
            {
                d.reason.push(c);
            }
        }
        Screen::Board(_) | Screen::Booking(_) => {}
    }
}

/// The person a board or record key acts on: the board's selected row, or the open record of
/// someone still in custody (not an earlier detention opened read-only); with their name as
/// the prompts say it.
pub(crate) fn person_in_view(app: &App) -> Option<(i64, String)> {
    match &app.screen {
        Screen::Board(b) => b.selected_row().map(|r| {
            (
                r.detention_id,
                format!("{} {} ({})", r.forenames, r.surname, r.custody_no),
            )
        }),
        Screen::Record(r) if !r.read_only && r.view.entry.closed_at.is_none() => {
            let e = &r.view.entry;
            Some((
                e.detention_id,
                format!("{} {} ({})", e.forenames, e.surname, e.custody_no),
            ))
        }
        _ => None,
    }
}

/// A message as one sentence: capital first letter, full stop (store errors are lower-case
/// clauses so they can be embedded; the screen shows sentences).
pub(crate) fn sentence(text: impl Into<String>) -> String {
    let mut text: String = text.into().replace('\n', " ");
    if let Some(first) = text.get(..1) {
        text = first.to_uppercase() + &text[1..];
    }
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

fn open_board(app: &mut App) -> Screen {
    let mut board = BoardState::default();
    if let Some(store) = app.session.as_ref() {
        match store.in_custody() {
            Ok(entries) => board.replace_entries(entries, app.now),
            Err(e) => app.set_error(format!("Could not read the board: {e}")),
        }
    }
    care::refresh(app);
    hcp::refresh(app);
    Screen::Board(board)
}

/// The board again, re-read from the database, keeping `board`'s selection and filter.
fn open_board_from(app: &mut App, mut board: BoardState) -> Screen {
    if let Some(store) = app.session.as_ref() {
        match store.in_custody() {
            Ok(entries) => board.replace_entries(entries, app.now),
            Err(e) => app.set_error(format!("Could not read the board: {e}")),
        }
    }
    care::refresh(app);
    Screen::Board(board)
}

fn board_action(app: &mut App, mut b: BoardState, action: Action) -> Screen {
    if b.filtering {
        match action {
            Action::DeleteBack => {
                b.filter.pop();
                b.apply_filter();
            }
            Action::ClearField => {
                b.filter.clear();
                b.apply_filter();
            }
            Action::Back | Action::ClearFilter => {
                b.filtering = false;
                b.filter.clear();
                b.apply_filter();
            }
            Action::Submit | Action::Confirm => {
                b.filtering = false;
                return board_action(app, b, Action::Confirm);
            }
            Action::MoveUp => b.move_by(-1),
            Action::MoveDown => b.move_by(1),
            _ => {}
        }
        return Screen::Board(b);
    }
    match action {
        Action::MoveUp => b.move_by(-1),
        Action::MoveDown => b.move_by(1),
        Action::PageUp => b.move_by(-10),
        Action::PageDown => b.move_by(10),
        Action::First => b.move_to(0),
        Action::Last => b.move_to(usize::MAX),
        // A new filter each time: typing after `/` never extends the last one.
        Action::Filter => {
            b.filtering = true;
            b.filter.clear();
            b.apply_filter();
        }
        Action::BookIn => return booking::start(b),
        Action::ClearFilter | Action::Back => {
            b.filter.clear();
            b.apply_filter();
        }
        Action::Confirm | Action::Submit => {
            if let Some(id) = b.selected_detention() {
                return open_record(app, b, id, None);
            }
        }
        _ => {}
    }
    Screen::Board(b)
}
