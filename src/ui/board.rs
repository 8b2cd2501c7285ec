//! The suite board: one row per person in custody, what needs attention first.

use crate::domain::scores::news2::NextObservations;
use chrono::TimeDelta;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::theme::Theme;
use crate::app::App;
use crate::app::board::BoardState;
use crate::domain::board::BoardRow;
use crate::domain::board_legend::BoardMark;
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::observation::{CheckStatus, format_elapsed};
use crate::domain::pace::DeadlineKind;
use crate::domain::support::SupportKind;
use crate::domain::text::printable_line;
use ratatui::style::Modifier;

/// A check due within this long counts as imminent in the header.
const SOON: TimeDelta = TimeDelta::minutes(10);
/// How soon NEWS2 observations must be due before the board shows them.
const OBS_SHOWN_WITHIN: TimeDelta = TimeDelta::minutes(60);
/// How soon a PACE deadline must be before the row shows it (the line under the header shows
/// the selected person's at any time).
const PACE_SHOWN_WITHIN: TimeDelta = TimeDelta::minutes(60);

pub fn render(app: &App, board: &BoardState, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let [summary_area, filter_area, table_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);

    let now = app.now;
    let count = |f: &dyn Fn(&BoardRow) -> bool| board.rows.iter().filter(|r| f(r)).count();
    let checks = count(&|r| r.check_status(now).is_some_and(|s| s.is_overdue()));
    let doses = count(&|r| r.medication_status(now).is_some_and(|s| s.is_overdue()));
    let obs = count(&|r| r.observations_status(now).is_some_and(|s| s.is_overdue()));
    let reviews = count(&|r| r.pace_review_overdue(now));
    let limits = count(&|r| r.pace_limit_passed(now));
    let waits = count(&|r| r.hcp_wait_overdue_by(now).is_some());
    let reassess = count(&|r| r.reassess_status(now).is_some_and(|s| s.is_overdue()));
    let soon = count(&|r| {
        r.next_check_due
            .is_some_and(|due| due >= now && due - now <= SOON)
    });
    // Every kind of overdue duty is counted, zeros included, so a sergeant reads the same
    // places every time; narrow terminals get the shorter words.
    let narrow = area.width < 100;
    let counted = |n: usize, text: String| {
        Span::styled(text, if n > 0 { theme.overdue() } else { theme.dim() })
    };
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut summary = vec![
        Span::styled(" Board", theme.title()),
        Span::raw(format!("  In custody: {}", board.rows.len())),
        Span::raw("  Overdue: "),
        counted(checks, plural(checks, "check", "checks")),
        Span::raw(" · "),
        counted(doses, plural(doses, "dose", "doses")),
        Span::raw(" · "),
        counted(obs, format!("{obs} obs")),
        Span::raw(" · "),
        counted(
            reviews,
            if narrow {
                format!("{reviews} PACE")
            } else {
                plural(reviews, "PACE review", "PACE reviews")
            },
        ),
    ];
    if limits > 0 {
        summary.push(Span::raw(" · "));
        summary.push(counted(limits, format!("{limits} PACE LIMIT")));
    }
    // A wait past its band and a late re-assessment are overdue duties too; counted when
    // there are any, before "due in 10m", so at 80 columns what is late is what stays.
    if waits > 0 {
        summary.push(Span::raw(" · "));
        summary.push(counted(
            waits,
            if narrow {
                format!("{waits} HCP")
            } else {
                plural(waits, "HCP wait", "HCP waits")
            },
        ));
    }
    if reassess > 0 {
        summary.push(Span::raw(" · "));
        summary.push(counted(
            reassess,
            if narrow {
                format!("{reassess} RE-A")
            } else {
                format!("{reassess} RE-ASSESS")
            },
        ));
    }
    summary.push(Span::raw(if narrow {
        format!("  Due 10m: {soon}")
    } else {
        format!("  Due in 10m: {soon}")
    }));
    frame.render_widget(Paragraph::new(Line::from(summary)), summary_area);

    // The line under the header: the filter while there is one, else the selected person's
    // PACE deadline and plan rationale. It always starts by saying how many rows are shown
    // and how many do not fit, so nobody is missed at 80x24.
    let fits = usize::from(table_area.height.saturating_sub(1));
    let hidden = board.visible.len().saturating_sub(fits);
    let mut spans = Vec::new();
    if hidden > 0 {
        spans.push(Span::styled(format!(" +{hidden} more ↓"), theme.warning()));
    }
    if board.visible.len() != board.rows.len() {
        spans.push(Span::raw(format!(
            " Showing {} of {}",
            board.visible.len(),
            board.rows.len()
        )));
    }
    if board.filtering {
        spans.push(Span::styled(" Filter: ", theme.key()));
        spans.push(Span::raw(format!("{}_", board.filter)));
    } else if !board.filter.is_empty() {
        spans.push(Span::styled(" Filter: ", theme.dim()));
        spans.push(Span::raw(board.filter.clone()));
    } else {
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = usize::from(area.width).saturating_sub(used);
        spans.extend(super::care::board_line(app, board, theme, room).spans);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), filter_area);

    let wide = area.width >= 110;
    // Below 110 columns the custody number gives way to the flags and markers (the selected
    // person's number is on the line above): at 80 columns `DRG!! ALLERGY KNOWN SH!` fits.
    let name_width: u16 = match area.width {
        140.. => 28,
        110.. => 24,
        _ => 18,
    };
    // The HCP column says when (and, when there is room, who) last saw the person.
    let hcp_width: u16 = if wide { 14 } else { 5 };
    let mut titles = vec!["Cell", "Name", "Age"];
    let mut fixed = vec![4, name_width, 3];
    if wide {
        titles.push("Custody no");
        fixed.push(12);
    }
    titles.extend(["In", "Lvl", "Next", "HCP", "Flags"]);
    fixed.extend([6, 3, 7, hcp_width]);
    let header = Row::new(titles).style(theme.title());
    // What is left for the flags: the fixed columns, one space between columns, and the
    // selection marker.
    let flags_width = usize::from(
        area.width
            .saturating_sub(fixed.iter().sum::<u16>() + fixed.len() as u16 + 1),
    )
    .max(8);
    let layout = RowLayout {
        name_width: usize::from(name_width),
        hcp_width: usize::from(hcp_width),
        flags_width,
        wide,
    };
    let rows: Vec<Row<'_>> = board
        .visible_rows()
        .map(|row| board_row(row, now, theme, &layout))
        .collect();
    let mut widths: Vec<Constraint> = fixed.iter().map(|w| Constraint::Length(*w)).collect();
    widths.push(Constraint::Min(8));
    let empty = rows.is_empty();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▸");
    let mut state =
        TableState::default().with_selected(if empty { None } else { Some(board.selected) });
    frame.render_stateful_widget(table, table_area, &mut state);
    if empty {
        let text = if board.rows.is_empty() {
            "  Nobody is in custody."
        } else {
            "  Nobody matches the filter."
        };
        let [_, line] =
            Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(table_area);
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), line);
    }
}

/// Column widths the rows are cut to.
struct RowLayout {
    name_width: usize,
    hcp_width: usize,
    flags_width: usize,
    wide: bool,
}

fn board_row<'a>(
    row: &'a BoardRow,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
    layout: &RowLayout,
) -> Row<'a> {
    // Stored text shown escaped (`\u{1b}`), so a name typed or imported with a control
    // character reads as odd rather than acting on the terminal.
    let name = truncate(
        &printable_line(&format!(
            "{}, {}",
            row.surname.to_uppercase(),
            row.forenames
        )),
        layout.name_width,
    );
    let status = row.check_status(now);
    let (next, next_style) = match status {
        Some(s @ CheckStatus::Overdue { .. }) => (s.countdown(), theme.overdue()),
        Some(s @ CheckStatus::Due { remaining }) if remaining <= SOON => {
            (s.countdown(), theme.due_soon())
        }
        Some(s) => (s.countdown(), ratatui::style::Style::default()),
        None => (BoardMark::Constant.text().to_string(), theme.dim()),
    };
    let mut flag_spans = Vec::new();
    if row.emergency_open {
        flag_spans.push(Span::styled(BoardMark::Emergency.text(), theme.overdue()));
        flag_spans.push(Span::raw(" "));
    }
    if row.plan_review_due {
        flag_spans.push(Span::styled(BoardMark::PlanReview.text(), theme.warning()));
        flag_spans.push(Span::raw(" "));
    }
    // PACE first when it is within the hour: a review overdue by hours is the duty most
    // easily forgotten, because nobody is in the cell to remind anyone.
    if let Some(d) = row.pace
        && let status = d.status(now)
        && status.signed_remaining() <= PACE_SHOWN_WITHIN
    {
        let mark = match d.kind {
            DeadlineKind::Review { .. } => BoardMark::Review,
            DeadlineKind::DetentionLimit { .. } => BoardMark::Limit,
        };
        let style = if status.is_overdue() {
            theme.overdue()
        } else {
            theme.due_soon()
        };
        flag_spans.push(Span::styled(
            format!("{} {}", mark.text(), status.countdown()),
            style,
        ));
        flag_spans.push(Span::raw(" "));
    }
    // Waiting for an HCP counts up (overdue past its band); a re-assessment counts down like
    // a check. Both before the flags: they are things someone must do.
    if let Some(wait) = &row.hcp_wait {
        let style = if wait.overdue_by(now).is_some() {
            theme.overdue()
        } else {
            theme.warning()
        };
        flag_spans.push(Span::styled(wait.board_text(now), style));
        flag_spans.push(Span::raw(" "));
    }
    if let Some(status) = row.reassess_status(now) {
        let style = match status {
            CheckStatus::Overdue { .. } => theme.overdue(),
            CheckStatus::Due { remaining } if remaining <= SOON => theme.due_soon(),
            CheckStatus::Due { .. } => theme.warning(),
        };
        flag_spans.push(Span::styled(
            format!("{} {}", BoardMark::Reassess.text(), status.countdown()),
            style,
        ));
        flag_spans.push(Span::raw(" "));
    }
    // An appropriate adult or interpreter asked for and not yet here: counting up, so a
    // long wait is seen (Code C 3.15, 13). The AA code then shows once, as the wait.
    let mut aa_shown = false;
    for need in row.support.needs() {
        if let Some(wait) = need.board_wait(now) {
            aa_shown |= need.kind == SupportKind::AppropriateAdult;
            flag_spans.push(Span::styled(wait, theme.warning()));
            flag_spans.push(Span::raw(" "));
        }
    }
    if row.cell_occupants > 1 {
        flag_spans.push(Span::styled(BoardMark::SharedCell.text(), theme.warning()));
        flag_spans.push(Span::raw(" "));
    }
    let medication = row.medication_status(now);
    if let Some(status) = medication {
        let style = match status {
            CheckStatus::Overdue { .. } => theme.overdue(),
            CheckStatus::Due { remaining } if remaining <= SOON => theme.due_soon(),
            CheckStatus::Due { .. } => theme.warning(),
        };
        flag_spans.push(Span::styled(
            format!("{} {}", BoardMark::Medicine.text(), status.countdown()),
            style,
        ));
        flag_spans.push(Span::raw(" "));
    }
    // NEWS2 observations due, like a check: `OBS 40m`, `OBS !-5m`, or `OBS cont` while
    // someone must stay with the person (7 or more). Shown from an hour before: a countdown
    // hours away would only push risk flags off a narrow board.
    match row.observations_due {
        Some(NextObservations::Continuous) => {
            flag_spans.push(Span::styled(
                format!(
                    "{} {}",
                    BoardMark::Observations.text(),
                    BoardMark::Continuous.text()
                ),
                theme.overdue(),
            ));
            flag_spans.push(Span::raw(" "));
        }
        Some(NextObservations::At(_)) => {
            if let Some(status) = row
                .observations_status(now)
                .filter(|s| s.signed_remaining() <= OBS_SHOWN_WITHIN)
            {
                let style = match status {
                    CheckStatus::Overdue { .. } => theme.overdue(),
                    CheckStatus::Due { remaining } if remaining <= SOON => theme.due_soon(),
                    CheckStatus::Due { .. } => theme.dim(),
                };
                flag_spans.push(Span::styled(
                    format!("{} {}", BoardMark::Observations.text(), status.countdown()),
                    style,
                ));
                flag_spans.push(Span::raw(" "));
            }
        }
        None => {}
    }
    // Alerts (`!!`) first, then the record's markers (an allergy; risk known from before,
    // not yet reviewed here: `KNOWN SH! WD!`), then the other flags, each code once at its
    // highest severity (`BoardRow::shown_flags`). The ALG flag says no more than the ALLERGY
    // marker beside it, so it is left out when the marker is there.
    let markers = row.shown_markers();
    let allergy_marker = markers.iter().any(|m| m == BoardMark::Allergy.text());
    let flags: Vec<_> = row
        .shown_flags()
        .into_iter()
        .filter(|(code, _)| !(medication.is_some() && code.code() == "MED"))
        .filter(|(code, _)| !(allergy_marker && *code == FlagCode::Allergy))
        .filter(|(code, _)| !(aa_shown && *code == FlagCode::AppropriateAdult))
        .collect();
    let (alerts, others): (Vec<_>, Vec<_>) = flags
        .into_iter()
        .partition(|(_, severity)| *severity == Severity::Alert);
    for (code, severity) in alerts {
        flag_spans.push(Span::styled(
            format!("{}{}", code.code(), severity.marker()),
            theme.severity(severity),
        ));
        flag_spans.push(Span::raw(" "));
    }
    for marker in markers {
        let style = if marker == BoardMark::Allergy.text() {
            theme.warning().add_modifier(Modifier::BOLD)
        } else {
            theme.warning()
        };
        flag_spans.push(Span::styled(marker, style));
        flag_spans.push(Span::raw(" "));
    }
    // Booking duties not done: the person has not been assessed by the custody officer or
    // screened by an HCP, so whatever risk they carry is not yet known here. After the alerts
    // and what is known from before (which say more about the person), before the rest; in
    // short (`NO RA`), in full on the line above for the selected person.
    for owed in &row.outstanding {
        flag_spans.push(Span::styled(
            BoardMark::outstanding(*owed).text(),
            theme.overdue(),
        ));
        flag_spans.push(Span::raw(" "));
    }
    for (code, severity) in others {
        flag_spans.push(Span::styled(
            format!("{}{}", code.code(), severity.marker()),
            theme.severity(severity),
        ));
        flag_spans.push(Span::raw(" "));
    }
    if row.appropriate_adult_needed
        && !aa_shown
        && !row
            .flags
            .iter()
            .any(|(c, _)| *c == FlagCode::AppropriateAdult)
    {
        flag_spans.push(Span::styled(
            BoardMark::AppropriateAdult.text(),
            theme.warning(),
        ));
        flag_spans.push(Span::raw(" "));
    }
    if row.ready_for_transfer {
        flag_spans.push(Span::styled(BoardMark::Out.text(), theme.info()));
    }
    let flag_spans = fit_spans(flag_spans, layout.flags_width);
    let hcp = truncate(&row.hcp_column(now, layout.wide), layout.hcp_width);
    let mut cells = vec![
        Cell::from(printable_line(&row.cell)),
        Cell::from(name),
        Cell::from(row.age.map(|a| a.to_string()).unwrap_or_else(|| "?".into())),
    ];
    if layout.wide {
        cells.push(Cell::from(printable_line(&row.custody_no)));
    }
    cells.extend([
        Cell::from(format_elapsed(row.time_in_custody(now))),
        Cell::from(row.observation_level.number().to_string()),
        Cell::from(Span::styled(next, next_style)),
        Cell::from(if row.last_seen.is_some() || row.hcp_seen {
            Span::raw(hcp)
        } else {
            Span::styled(hcp, theme.dim())
        }),
        Cell::from(Line::from(flag_spans)),
    ]);
    Row::new(cells)
}

/// Cuts a line of spans to `width` columns, ending with `…` when anything was cut, so a
/// reader knows there is more (the record's Risk flags tab has it all).
fn fit_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    // Trailing separators do not count.
    let mut spans = spans;
    while spans.last().is_some_and(|s| s.content.trim().is_empty()) {
        spans.pop();
    }
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= width {
        return spans;
    }
    let room = width.saturating_sub(1);
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w <= room {
            used += w;
            out.push(span);
            continue;
        }
        let cut: String = span.content.chars().take(room - used).collect();
        if !cut.trim().is_empty() {
            out.push(Span::styled(cut, span.style));
        }
        break;
    }
    out.push(Span::raw(BoardMark::More.text()));
    out
}

/// Cuts to `width` characters, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
