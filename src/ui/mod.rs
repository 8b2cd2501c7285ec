//! Rendering only: `render(&App, &mut Frame)` draws the state it is given. It never changes
//! state and never asks the database anything.

mod board;
mod booking;
mod care;
mod clinical;
mod duties;
mod emergency;
mod entry;
mod form;
mod handover;
mod hcp;
mod help;
mod import;
mod login;
mod record;
mod report;
mod shift;
mod support;
pub mod theme;
mod trends;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Action, App, Screen};
use crate::domain::observation::to_london_with_zone;
use crate::domain::role::Role;
use crate::keymap::Context;
use theme::Theme;

/// Draws the whole screen for the current state.
pub fn render(app: &App, frame: &mut Frame<'_>) {
    let theme = Theme::new(app.config.color);
    let area = frame.area();
    match &app.screen {
        Screen::Login(state) => {
            // A locked terminal still shows an open emergency: the cell only (no key, no name).
            let panel = emergency::locked_panel_height(app).min(area.height / 2);
            let [top, rest] =
                Layout::vertical([Constraint::Length(panel), Constraint::Min(0)]).areas(area);
            if panel > 0 {
                emergency::render_locked(app, &theme, frame, top);
            }
            login::render_login(app, state, &theme, frame, rest)
        }
        Screen::ChangePassword(state) => {
            login::render_change_password(app, state, &theme, frame, area)
        }
        Screen::Board(board) => {
            let [header, body, footer] = frame_areas(app, area);
            render_header(app, &theme, frame, header);
            board::render(app, board, &theme, frame, body);
            render_footer(app, &theme, frame, footer);
        }
        Screen::Record(record) => {
            let [header, body, footer] = frame_areas(app, area);
            render_header(app, &theme, frame, header);
            record::render(app, record, &theme, frame, body);
            render_footer(app, &theme, frame, footer);
        }
        Screen::Booking(booking) => {
            let [header, body, footer] = frame_areas(app, area);
            render_header(app, &theme, frame, header);
            booking::render(app, booking, &theme, frame, body);
            render_footer(app, &theme, frame, footer);
        }
    }
    if app.handover.is_some() {
        let [_, body, _] = frame_areas(app, area);
        handover::render(app, &theme, frame, body);
    }
    if let Some(prra) = &app.prra {
        let [_, body, _] = frame_areas(app, area);
        frame.render_widget(ratatui::widgets::Clear, body);
        form::render(app, prra, &theme, frame, body);
    }
    if app.import.is_some() {
        let [_, body, _] = frame_areas(app, area);
        import::render(app, &theme, frame, body);
    }
    if app.report.is_some() {
        let [_, body, _] = frame_areas(app, area);
        report::render(app, &theme, frame, body);
    }
    if app.shift.open.is_some() {
        let [_, body, _] = frame_areas(app, area);
        shift::render(app, &theme, frame, body);
    }
    if app.entry.is_some() {
        let [_, body, _] = frame_areas(app, area);
        entry::render(app, &theme, frame, body);
    }
    if app.hcp.queue_selected.is_some() {
        let [_, body, _] = frame_areas(app, area);
        hcp::render_queue(app, &theme, frame, body);
    }
    care::render(app, &theme, frame, area);
    hcp::render_dialog(app, &theme, frame, area);
    duties::render_dialog(app, &theme, frame, area);
    support::render_dialog(app, &theme, frame, area);
    if crate::app::emergency::full_screen(app) {
        emergency::render_full(app, &theme, frame, area);
    }
    emergency::render_dialog(app, &theme, frame, area);
    if let Some(help) = &app.help {
        help::render(app, help, &theme, frame, area);
    }
}

/// Header (one line, and a line for each HCP direction awaiting this sergeant), body, footer.
fn frame_areas(app: &App, area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1 + crate::app::hcp::strip_height(app)),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area)
}

/// Suite, terminal, who is logged in and the London time; while an emergency is open and put
/// aside here, the strip saying so instead. On a sergeant's screen, a line under it for each
/// HCP direction not yet acknowledged.
fn render_header(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let [area, directions] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    if directions.height > 0 {
        frame.render_widget(
            Paragraph::new(hcp::strip_lines(app, theme, directions.width)),
            directions,
        );
    }
    if !crate::app::emergency::full_screen(app)
        && let Some(strip) = emergency::strip(app)
    {
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                board::truncate(&strip, area.width as usize),
                theme.overdue(),
            ))),
            area,
        );
        return;
    }
    let who = app
        .identity()
        .map(|i| format!("{} ({})", i.display_name, i.role.label()))
        .unwrap_or_default();
    let right = format!(" {who} · {} ", to_london_with_zone(app.now));
    let room = (area.width as usize).saturating_sub(right.chars().count());
    // While the national record cannot be reached, that takes the terminal name's place:
    // handovers are waiting, and bookings see only what this suite knows.
    let national = app.identity().and_then(|_| app.national.status.header());
    // A disk that refuses writes comes first: nothing typed can be kept until it is freed.
    let (left, left_style) = match (app.writes_paused(), national) {
        (true, _) => (
            " SONAR · WRITES PAUSED: the disk is full; you can read, nothing can be recorded"
                .to_string(),
            theme.overdue(),
        ),
        (false, Some(n)) => (format!(" SONAR · {n}"), theme.overdue()),
        (false, None) => (
            format!(
                " SONAR · {} · {}",
                app.config.suite_name, app.config.terminal_name
            ),
            theme.header(),
        ),
    };
    let left = board::truncate(&left, room);
    let pad = room.saturating_sub(left.chars().count());
    let line = Line::from(vec![
        Span::styled(left, left_style),
        Span::styled(" ".repeat(pad), theme.header()),
        Span::styled(right, theme.header()),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The actions the status bar offers in each context, in order; their keys come from the
/// live keymap, so a remapped key shows correctly here.
pub fn hint_actions(context: Context, role: Option<Role>) -> &'static [Action] {
    match (context, role) {
        // Each role's main keys first, so at 80 columns what is cut is the least used.
        (Context::Board, Some(Role::Sergeant)) => &[
            Action::Confirm,
            Action::RecordCheck,
            Action::BookIn,
            Action::ContinueBooking,
            Action::ChangeLevel,
            Action::Filter,
            Action::Help,
            Action::Quit,
            Action::RecordPace,
            Action::Lock,
        ],
        (Context::Board, Some(Role::DetentionOfficer)) => &[
            Action::Confirm,
            Action::RecordCheck,
            Action::AddRiskFlag,
            Action::RequestHcp,
            Action::BookIn,
            Action::Help,
            Action::Quit,
            Action::Filter,
            Action::Lock,
        ],
        (Context::Board, Some(Role::Hcp)) => &[
            Action::Confirm,
            Action::HcpQueue,
            Action::ContinueBooking,
            Action::AddRiskFlag,
            Action::Help,
            Action::Quit,
            Action::Filter,
            Action::Lock,
        ],
        (Context::Board, Some(Role::Admin)) => {
            &[Action::ShowReport, Action::Help, Action::Lock, Action::Quit]
        }
        (Context::Board, Some(Role::WallBoard)) => &[Action::ShowEmergencies, Action::Help],
        (Context::Board, None) => &[
            Action::Confirm,
            Action::RecordCheck,
            Action::BookIn,
            Action::Filter,
            Action::Help,
            Action::Lock,
            Action::Quit,
        ],
        (Context::Record, Some(Role::Sergeant)) => &[
            Action::NextTab,
            Action::RecordCheck,
            Action::SetCarePlan,
            Action::RecordPace,
            Action::ExportHandover,
            Action::AddRiskFlag,
            Action::Back,
            Action::Help,
            Action::BreakGlass,
        ],
        (Context::Record, Some(Role::DetentionOfficer)) => &[
            Action::NextTab,
            Action::RecordCheck,
            Action::AddRiskFlag,
            Action::SupervisedDose,
            Action::RequestHcp,
            Action::Back,
            Action::Help,
            Action::BreakGlass,
        ],
        (Context::Record, _) => &[
            Action::NextTab,
            Action::PrevTab,
            Action::AddClinical,
            Action::SetCarePlan,
            Action::BreakGlass,
            Action::Back,
            Action::Help,
            Action::Lock,
        ],
        (Context::Filter, _) => &[Action::Confirm, Action::ClearFilter, Action::Help],
        (Context::Dialog, _) => &[Action::Submit, Action::Back],
        (Context::Help, _) => &[Action::Back, Action::MoveDown],
        (Context::Form, _) => &[
            Action::Submit,
            Action::NextField,
            Action::Back,
            Action::Help,
            Action::Lock,
        ],
        (Context::Report, _) => &[
            Action::PreviousPeriod,
            Action::NextPeriod,
            Action::Back,
            Action::Help,
        ],
        (Context::Emergency, _) => &[
            Action::AcknowledgeEmergency,
            Action::CallAmbulance,
            Action::CallHcp,
            Action::CloseEmergency,
            Action::MoveDown,
            Action::Back,
            Action::Help,
        ],
        (Context::Shift, _) => &[
            Action::AcknowledgeHandover,
            Action::PageDown,
            Action::Back,
            Action::Help,
        ],
        (Context::Queue, _) => &[
            Action::Confirm,
            Action::MoveDown,
            Action::WithdrawHcpRequest,
            Action::Back,
            Action::Help,
        ],
        (Context::Login | Context::Global, _) => &[
            Action::Submit,
            Action::NextField,
            Action::Help,
            Action::Quit,
        ],
    }
}

/// `key label` pairs for the status bar, from the live keymap. Break glass is offered only to
/// roles that need it, adding clinical entries only to roles that may.
pub fn hints(app: &App, context: Context) -> Vec<(String, &'static str)> {
    let clinical = app
        .identity()
        .is_some_and(|i| i.role.sees_clinical_detail());
    // The "already known" banner scrolls and is acknowledged: its own hints.
    let banner = matches!(
        &app.screen,
        Screen::Booking(b) if matches!(b.step, crate::app::booking::BookingStep::Banner(_))
    ) && context == Context::Form;
    let actions = if banner {
        BANNER_HINTS
    } else {
        hint_actions(context, app.identity().map(|i| i.role))
    };
    actions
        .iter()
        .filter(|&&action| match action {
            Action::BreakGlass => !clinical,
            Action::AddClinical => clinical,
            // The wall board only acknowledges.
            Action::CallAmbulance | Action::CallHcp | Action::CloseEmergency | Action::Back => {
                app.identity().is_none_or(|i| i.role.writes_records())
            }
            // Several emergencies: the others are a key away.
            Action::MoveDown if context == Context::Emergency => app.emergency.open.len() > 1,
            _ => true,
        })
        .filter_map(|&action| {
            let key = app.keymap.keys_for(context, action).into_iter().next()?;
            let label = match action {
                Action::Submit if banner => "acknowledge",
                Action::MoveDown if banner => "scroll",
                Action::Last if banner => "to the end",
                _ => short_label(action),
            };
            Some((key.to_string(), label))
        })
        .collect()
}

/// The status bar on the "already known" banner.
const BANNER_HINTS: &[Action] = &[
    Action::Submit,
    Action::MoveDown,
    Action::Last,
    Action::Help,
    Action::Lock,
];

fn short_label(action: Action) -> &'static str {
    match action {
        Action::Confirm => "open",
        Action::Filter => "filter",
        Action::MoveDown => "move",
        Action::Help => "help",
        Action::Lock => "lock",
        Action::Quit => "quit",
        Action::Submit => "done",
        Action::ClearFilter => "clear",
        Action::NextTab => "next tab",
        Action::PrevTab => "prev tab",
        Action::BreakGlass => "break glass",
        Action::Back => "back",
        Action::NextField => "next field",
        Action::RecordCheck => "check",
        Action::SetCarePlan => "plan",
        Action::BookIn => "book in",
        Action::AddClinical => "add",
        Action::AcknowledgeEmergency => "acknowledge",
        Action::CallAmbulance => "999 called",
        Action::CallHcp => "HCP called",
        Action::CloseEmergency => "close (outcome)",
        Action::RaiseEmergency => "emergency",
        Action::ShowReport => "report",
        Action::PreviousPeriod => "week earlier",
        Action::NextPeriod => "week later",
        Action::RequestHcp => "ask HCP",
        Action::HcpQueue => "HCP queue",
        Action::WithdrawHcpRequest => "withdraw",
        Action::AcknowledgeDirection => "acknowledge direction",
        Action::RecordPace => "PACE",
        Action::ExportHandover => "hand over",
        Action::ChangeLevel => "level",
        Action::ContinueBooking => "booking",
        Action::AddRiskFlag => "flag",
        Action::SupervisedDose => "supervised dose",
        Action::DeferHealthScreen => "screen not possible",
        Action::ShowEmergencies => "emergencies",
        Action::ShowShiftHandover => "shift handover",
        Action::AcknowledgeHandover => "I have taken the handover",
        Action::PageDown => "page down",
        other => other.name(),
    }
}

/// The message line (errors, notices) above the key hints.
fn render_footer(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let [message_area, hints_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let message = match (&app.message, &app.notice) {
        (Some(m), _) => Line::from(Span::styled(
            format!(" {}", m.text),
            if m.is_error {
                theme.error()
            } else {
                theme.info()
            },
        )),
        (None, Some(notice)) => Line::from(Span::styled(format!(" {notice}"), theme.warning())),
        // Locked terminals cannot be told of emergencies: say so wherever someone is working.
        (None, None) => match &app.emergency.alarm_problem {
            Some(problem) => Line::from(Span::styled(format!(" {problem}"), theme.error())),
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(message), message_area);
    frame.render_widget(
        Paragraph::new(hint_line(app, theme, hints_area.width)),
        hints_area,
    );
}

pub(crate) fn hint_line(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    // Whole hints only: a key cut off mid-word ("ct") tells nobody anything.
    let mut room = usize::from(width).saturating_sub(1);
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in hints(app, app.context()) {
        let text = format!(" {label}  ");
        let width = key.chars().count() + text.trim_end().chars().count();
        if width > room {
            break;
        }
        room = room.saturating_sub(width + 2);
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(text));
    }
    Line::from(spans)
}

/// One labelled input line of a panel: the focused field is marked and shows the cursor.
pub(crate) fn input_field(
    label_width: usize,
    label: &str,
    value: &str,
    focused: bool,
    theme: &Theme,
) -> Line<'static> {
    let marker = if focused { "> " } else { "  " };
    let value = if focused {
        format!("{value}_")
    } else {
        value.to_string()
    };
    Line::from(vec![
        Span::styled(
            format!("{marker}{label:<label_width$}"),
            if focused { theme.key() } else { theme.dim() },
        ),
        Span::raw(value),
    ])
}

/// Appends a panel's one-sentence error, after a blank line, when there is one.
pub(crate) fn push_error(error: Option<&str>, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    if let Some(e) = error {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(e.to_string(), theme.error())));
    }
}
