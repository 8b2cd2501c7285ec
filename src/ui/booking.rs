//! Booking in: the person search, the details, and the "already known" banner. The form
//! itself is drawn by [`super::form`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::board::truncate;
use super::theme::Theme;
use crate::app::booking::{
    BannerState, BookingState, BookingStep, DetailsState, RowStyle, SearchState, banner_rows,
};
use crate::app::{Action, App};
use crate::domain::observation::london_date;
use crate::domain::text::printable;
use crate::keymap::Context;
use crate::store::booking::PersonMatch;

pub fn render(app: &App, b: &BookingState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    match &b.step {
        BookingStep::Search(s) => search(app, s, theme, frame, area),
        BookingStep::Details(d) => details(app, d, theme, frame, area),
        BookingStep::Banner(banner) => render_banner(app, banner, theme, frame, area),
        BookingStep::Form(f) => super::form::render(app, f, theme, frame, area),
        // Never shown: the next key returns to the board.
        BookingStep::Finished => {}
    }
}

/// The first key bound to an action on the form context, for the in-screen instructions.
pub(crate) fn key(app: &App, action: Action) -> String {
    app.keymap.key_name(Context::Form, action)
}

fn search(app: &App, s: &SearchState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let width = area.width as usize;
    let mut lines = vec![
        Line::from(Span::styled(" Book in: find the person", theme.title())),
        Line::from(vec![
            Span::raw(" Search: "),
            Span::styled(format!("{}_", s.query), theme.selected()),
        ]),
        Line::from(Span::styled(
            " Surname (prefix), forename, date of birth dd/mm/yyyy, NHS number or PNC id.",
            theme.dim(),
        )),
        Line::default(),
    ];
    if s.results.is_empty() && !s.query.trim().is_empty() {
        lines.push(Line::from(" No one found."));
    }
    lines.extend(national_lines(app, s, theme, width));
    for (i, m) in s.results.iter().enumerate() {
        let dob = m
            .date_of_birth
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "dob ?".into());
        let history = history(m);
        let mut ids = String::new();
        if let Some(n) = &m.nhs_number {
            ids.push_str(&format!(" NHS {n}"));
        }
        if let Some(p) = &m.pnc_id {
            ids.push_str(&format!(" PNC {p}"));
        }
        let text = format!(
            "{} {}, {}  {dob}{ids}  {history}",
            if i == s.selected { ">" } else { " " },
            m.surname.to_uppercase(),
            m.forenames,
        );
        let style = if i == s.selected {
            theme.selected()
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(Span::styled(truncate(&text, width), style)));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            " {} book in the selected person · {} new person · {} back",
            key(app, Action::Submit),
            key(app, Action::NewPerson),
            key(app, Action::Back)
        ),
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines), area);
}

/// What the national record says on the search: asking, who it knows (the details a new
/// person starts from), or that it cannot be reached.
fn national_lines(app: &App, s: &SearchState, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    use crate::app::national::SearchNational;
    let text = |t: String| Line::from(truncate(&crate::domain::text::printable(&t), width));
    match &s.national {
        None => Vec::new(),
        Some(SearchNational::Asking { by }) => vec![Line::from(Span::styled(
            format!(" National record: asking by {by}…"),
            theme.dim(),
        ))],
        Some(SearchNational::NothingKnown { by }) => {
            vec![text(format!(" National record: nothing held by {by}."))]
        }
        Some(SearchNational::Failed(why)) => vec![Line::from(Span::styled(
            truncate(
                &crate::domain::text::printable(&format!(
                    " National record: {}.",
                    crate::app::national::predicate(why)
                )),
                width,
            ),
            theme.warning(),
        ))],
        Some(SearchNational::Known(known)) => {
            let mut lines = vec![Line::from(Span::styled(
                format!(
                    " Known to the national record, not to this suite ({} starts a new person from the newest):",
                    key(app, Action::NewPerson)
                ),
                theme.title(),
            ))];
            for k in known {
                let p = &k.person;
                let mut ids = String::new();
                if !p.nhs_number.is_empty() {
                    ids.push_str(&format!(" NHS {}", p.nhs_number));
                }
                if !p.pnc_id.is_empty() {
                    ids.push_str(&format!(" PNC {}", p.pnc_id));
                }
                lines.push(text(format!(
                    "   {}, {}  {}{ids}  handover from {}, {}",
                    p.surname.to_uppercase(),
                    p.forenames,
                    if p.date_of_birth.is_empty() {
                        "dob ?"
                    } else {
                        &p.date_of_birth
                    },
                    k.signed_by,
                    k.signed_at.format("%d/%m/%Y")
                )));
            }
            lines
        }
    }
}

/// A person's detentions in a few words: in custody now, or how many and the last one.
fn history(m: &PersonMatch) -> String {
    match m.detentions.first() {
        Some((no, _, true)) => format!("IN CUSTODY NOW ({no})"),
        Some((no, at, false)) => format!(
            "{} detention{}, last {no} {}",
            m.detention_count,
            if m.detention_count == 1 { "" } else { "s" },
            at.format("%d/%m/%Y")
        ),
        None => "no detentions".into(),
    }
}

fn details(app: &App, d: &DetailsState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let title = match &d.person {
        Some(p) => format!(
            " Book in {}, {}: the detention",
            p.surname.to_uppercase(),
            p.forenames
        ),
        None => " Book in a new person".to_string(),
    };
    let mut lines = vec![
        Line::from(Span::styled(title, theme.title())),
        Line::default(),
    ];
    if d.picking.is_some() {
        // Choosing among people already known: the typed details on one line, so the list
        // has the room.
        let typed: Vec<String> = d
            .fields
            .iter()
            .filter(|f| !f.value.trim().is_empty())
            .map(|f| f.value.trim().to_string())
            .collect();
        lines.push(Line::from(vec![
            Span::styled(" Typed: ", theme.dim()),
            Span::raw(truncate(
                &typed.join(" · "),
                usize::from(area.width).saturating_sub(8),
            )),
        ]));
    }
    let fields = if d.picking.is_some() {
        &d.fields[..0]
    } else {
        &d.fields[..]
    };
    for (i, f) in fields.iter().enumerate() {
        let focused = i == d.focus;
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{} {:<18} ",
                if focused { ">" } else { " " },
                f.label
            )),
            Span::styled(
                if focused {
                    format!("{}_", f.value)
                } else {
                    f.value.clone()
                },
                if focused {
                    theme.selected()
                } else {
                    ratatui::style::Style::default()
                },
            ),
        ]));
    }
    if d.picking.is_none()
        && let Some(warning) = d.cell_warning()
    {
        // Names come from the database: printable, so no stored text can move the cursor.
        lines.push(Line::from(Span::styled(
            format!(" {}", printable(&warning)),
            theme.warning(),
        )));
    }
    if !d.candidates.is_empty() {
        // What is left above the error and the instruction (three lines, the last may wrap).
        let room = usize::from(area.height).saturating_sub(lines.len() + 5);
        candidates(d, theme, &mut lines, area.width as usize, room);
    }
    lines.push(Line::default());
    if let Some(e) = &d.error {
        lines.push(Line::from(Span::styled(format!(" {e}"), theme.error())));
    }
    let hint = match &d.picking {
        Some(p) if p.reason.is_some() => format!(
            " {} creates the new person with this reason (audited) · {} back to the list",
            key(app, Action::Submit),
            key(app, Action::Back)
        ),
        Some(_) => format!(
            " {} books in the selected person · {} a new person (asks why) · {} edits",
            key(app, Action::Submit),
            key(app, Action::NewPerson),
            key(app, Action::Back)
        ),
        None => " Enter goes to the next field; Enter on the last books the person in. Arrival and authorisation: now.".to_string(),
    };
    lines.push(Line::from(Span::styled(hint, theme.dim())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The people already known who may be the new person, each with their date of birth, why they
/// match and their last detention; and the reason being typed to create a new person anyway.
/// `room` is how many lines the list may take; with more candidates than fit, a window
/// around the selected one shows, and a line says how many more there are.
fn candidates(
    d: &DetailsState,
    theme: &Theme,
    lines: &mut Vec<Line<'_>>,
    width: usize,
    room: usize,
) {
    lines.push(Line::default());
    let heading = match (&d.picking, &d.duplicate_reason) {
        (_, Some((reason, _))) => {
            format!(" Already known, set aside: a new person because \"{reason}\"")
        }
        _ => format!(
            " Already known, may be this person ({}): pick rather than make a second record",
            d.candidates.len()
        ),
    };
    lines.push(Line::from(Span::styled(
        truncate(&heading, width),
        theme.warning(),
    )));
    let selected = d.picking.as_ref().map(|p| p.selected);
    let typing = d.picking.as_ref().is_some_and(|p| p.reason.is_some());
    // Two lines a candidate, after the blank line, the heading and (when typing) the reason.
    let fit = (room.saturating_sub(2 + usize::from(typing)) / 2).max(1);
    let shown = if d.candidates.len() > fit {
        fit.saturating_sub(1).max(1)
    } else {
        fit
    };
    let first_shown = selected
        .unwrap_or(0)
        .saturating_sub(shown.saturating_sub(1))
        .min(d.candidates.len().saturating_sub(shown));
    for (i, c) in d
        .candidates
        .iter()
        .enumerate()
        .skip(first_shown)
        .take(shown)
    {
        let m = &c.person;
        let dob = m
            .date_of_birth
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| "dob ?".into());
        let mut ids = String::new();
        if let Some(n) = &m.nhs_number {
            ids.push_str(&format!("  NHS {n}"));
        }
        if let Some(p) = &m.pnc_id {
            ids.push_str(&format!("  PNC {p}"));
        }
        let why: Vec<&str> = c.reasons.iter().map(|r| r.label()).collect();
        let style = if selected == Some(i) {
            theme.selected()
        } else {
            Style::default()
        };
        let first = format!(
            "{} {}, {}  {dob}{ids}",
            if selected == Some(i) { ">" } else { " " },
            m.surname.to_uppercase(),
            m.forenames,
        );
        lines.push(Line::from(Span::styled(truncate(&first, width), style)));
        let second = format!("     {} · {}", history(m), why.join(", "));
        lines.push(Line::from(Span::styled(
            truncate(&second, width),
            theme.dim(),
        )));
    }
    let hidden = d.candidates.len().saturating_sub(shown);
    if hidden > 0 {
        lines.push(Line::from(Span::styled(
            format!(
                "   {} of {} shown: up and down for the others",
                shown,
                d.candidates.len()
            ),
            theme.dim(),
        )));
    }
    if let Some(reason) = d.picking.as_ref().and_then(|p| p.reason.as_ref()) {
        lines.push(Line::from(vec![
            Span::styled(" Why a new person: ", theme.key()),
            Span::styled(format!("{reason}_"), theme.selected()),
        ]));
    }
}

/// The "already known" banner: allergies and time-critical medicines first, then every
/// active flag from earlier detentions and imported bundles, then what other suites'
/// handovers said, each with source and date, before the first question. It scrolls; the
/// acknowledgement key stays on the frame's bottom edge, the position on its top edge.
pub fn render_banner(app: &App, b: &BannerState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let inner_width = usize::from(area.width.saturating_sub(2)).max(10);
    let height = usize::from(area.height.saturating_sub(2)).max(1);
    let rows = banner_rows(b, london_date(app.now), inner_width);
    let total = rows.len();
    let top = b.scroll.min(total.saturating_sub(height));
    let last = (top + height).min(total);
    let style = |s: RowStyle| match s {
        RowStyle::Plain => Style::default(),
        RowStyle::Dim => theme.dim(),
        RowStyle::Heading => theme.title(),
        RowStyle::Urgent => theme.error(),
        RowStyle::Label => theme.key(),
        RowStyle::Severity(sev) => theme.severity(sev),
    };
    let lines: Vec<Line<'_>> = rows
        .iter()
        .skip(top)
        .take(height)
        .map(|r| {
            Line::from(
                r.parts
                    .iter()
                    .map(|(s, t)| Span::styled(t.clone(), style(*s)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let position = if total <= height {
        format!(" all {total} lines ")
    } else {
        format!(" lines {}-{last} of {total} ", top + 1)
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Already known: {} ", b.who),
            theme.title(),
        ))
        .title_top(Line::from(Span::styled(position, theme.dim())).right_aligned())
        .title_bottom(Span::styled(
            format!(
                " {} acknowledges (audited), then the first question ",
                key(app, Action::Submit)
            ),
            theme.title(),
        ));
    if last < total {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" {} more: {} ", total - last, key(app, Action::MoveDown)),
                theme.warning(),
            ))
            .right_aligned(),
        );
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
