//! The "already known" banner: what earlier detentions here, imported handovers and the
//! national record say about the person, allergies and time-critical medicines first, shown
//! before the first question and acknowledged only once its end has been on screen.

use chrono::{Duration, NaiveDate};

use super::BookingStep;
use crate::app::{App, Screen};
use crate::domain::booking::banner_first;
use crate::domain::flag::Severity;
use crate::domain::observation::london_date;
use crate::store::booking::KnownFlag;

/// What is already known, shown before the first question.
#[derive(Debug)]
pub struct BannerState {
    pub detention_id: i64,
    pub who: String,
    pub flags: Vec<KnownFlag>,
    /// What other suites' handovers said (medication, plan, appointments...), as imported:
    /// `(kind, text, source suite, signed at)`. Referral and appointment text only for HCPs.
    pub notes: Vec<(String, String, String, String)>,
    /// What the clinical record knows from earlier detentions here and other organisations'
    /// bundles beyond flags and notes (allergies, conditions, medicines, the last plan,
    /// emergencies), in banner order (`domain::record::known`).
    pub record: Vec<crate::domain::record::KnownItem>,
    /// What the national record said about the person, when the suite joined one
    /// (`app::national::BannerNational::line`): asking, what was added and from whom, or that
    /// it could not be reached and this is what the suite itself knows.
    pub national: Option<String>,
    /// The first row shown.
    pub scroll: usize,
    /// The last row has been on screen: only then may it be acknowledged.
    pub seen_end: bool,
}

impl BannerState {
    fn new(
        detention_id: i64,
        who: String,
        flags: Vec<KnownFlag>,
        notes: Vec<(String, String, String, String)>,
    ) -> BannerState {
        BannerState {
            detention_id,
            who,
            flags,
            notes,
            record: Vec::new(),
            national: None,
            scroll: 0,
            seen_end: false,
        }
    }
}

/// How a part of a banner row is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStyle {
    Plain,
    Dim,
    Heading,
    /// The heading over allergies and time-critical medicines.
    Urgent,
    /// A note's kind ("Medications:").
    Label,
    Severity(Severity),
}

/// One row of the banner as drawn, already wrapped to the width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BannerRow {
    pub parts: Vec<(RowStyle, String)>,
}

/// The rows and columns inside the banner's frame on a terminal of `size` (columns, rows): the
/// screen less the header, the two footer lines and the frame.
pub fn banner_view(size: (u16, u16)) -> (usize, usize) {
    (
        usize::from(size.0).saturating_sub(2).max(10),
        usize::from(size.1).saturating_sub(5).max(1),
    )
}

/// Splits `text` into lines of at most `first` characters for the first and `rest` after,
/// at spaces where it can (a word longer than a line is cut).
fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let room = |lines: &Vec<String>| if lines.is_empty() { first } else { rest }.max(1);
    for word in text.split_whitespace() {
        let mut word: String = word.to_string();
        loop {
            let len = line.chars().count();
            let wlen = word.chars().count();
            let need = if len == 0 { wlen } else { len + 1 + wlen };
            if need <= room(&lines) {
                if len > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the whole line: cut it.
            let cut = room(&lines);
            let head: String = word.chars().take(cut).collect();
            word = word.chars().skip(cut).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A prefix followed by wrapped text, continuation rows indented by `indent` spaces.
fn push_wrapped(
    rows: &mut Vec<BannerRow>,
    prefix: Option<(RowStyle, String)>,
    style: RowStyle,
    text: &str,
    indent: usize,
    width: usize,
) {
    let prefix_len = prefix.as_ref().map_or(0, |p| p.1.chars().count());
    let wrapped = wrap(
        text,
        width.saturating_sub(prefix_len),
        width.saturating_sub(indent),
    );
    for (i, line) in wrapped.into_iter().enumerate() {
        let mut parts = Vec::new();
        if i == 0 {
            if let Some(p) = prefix.clone() {
                parts.push(p);
            }
        } else {
            parts.push((RowStyle::Plain, " ".repeat(indent)));
        }
        parts.push((style, line));
        rows.push(BannerRow { parts });
    }
}

/// The banner's rows at `width` columns. Allergies and time-critical medicines come first
/// (flags and handover lines that mention them, [`banner_first`]), then the other flags, then
/// the rest of what other suites' handovers said.
pub fn banner_rows(b: &BannerState, today: NaiveDate, width: usize) -> Vec<BannerRow> {
    let flag_rows = |rows: &mut Vec<BannerRow>, f: &KnownFlag| {
        let severity = f
            .severity
            .parse::<Severity>()
            .unwrap_or(Severity::Information);
        let days = (today - london_date(f.raised_at)).num_days();
        let from = match &f.custody_no {
            Some(no) => format!("detention {no}"),
            None => "imported handover".to_string(),
        };
        push_wrapped(
            rows,
            Some((
                RowStyle::Severity(severity),
                format!(
                    " {:<6}{:<10}",
                    format!("{}{}", f.code, severity.marker()),
                    severity.label()
                ),
            )),
            RowStyle::Plain,
            &f.reason,
            7,
            width,
        );
        push_wrapped(
            rows,
            Some((RowStyle::Plain, "       ".into())),
            RowStyle::Dim,
            &format!(
                "{} · {from} · {} ({})",
                f.source,
                f.raised_at.format("%d/%m/%Y"),
                ago(days)
            ),
            7,
            width,
        );
    };
    let note_rows = |rows: &mut Vec<BannerRow>,
                     kind: &str,
                     text: &str,
                     source: &str,
                     signed_at: &str,
                     urgent: bool| {
        let signed = chrono::DateTime::parse_from_rfc3339(signed_at)
            .map(|t| t.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| signed_at.to_string());
        push_wrapped(
            rows,
            Some((RowStyle::Label, format!(" {kind}: "))),
            RowStyle::Plain,
            text,
            3,
            width,
        );
        let tail = if urgent { " (check; not live)" } else { "" };
        push_wrapped(
            rows,
            Some((RowStyle::Plain, "       ".into())),
            RowStyle::Dim,
            &format!("from {source}, signed {signed}{tail}"),
            7,
            width,
        );
    };
    let urgent_flag = |f: &KnownFlag| f.code == "ALG" || banner_first(&f.reason);
    // Each line of a note on its own, so one allergy line in a long note comes first.
    let mut note_lines: Vec<(bool, &str, &str, &str, &str)> = Vec::new();
    for (kind, text, source, signed) in &b.notes {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            note_lines.push((banner_first(line), kind, line, source, signed));
        }
    }
    let record_rows = |rows: &mut Vec<BannerRow>, k: &crate::domain::record::KnownItem| {
        push_wrapped(
            rows,
            Some((RowStyle::Plain, " ".into())),
            RowStyle::Plain,
            &k.summary,
            3,
            width,
        );
        push_wrapped(
            rows,
            Some((RowStyle::Plain, "       ".into())),
            RowStyle::Dim,
            &format!("{} (not live until reconfirmed)", k.from_line()),
            7,
            width,
        );
    };
    // Allergies and time-critical medicines rank 0 and 1 (`KnownItem::rank`).
    let urgent_record: Vec<_> = b.record.iter().filter(|k| k.rank() <= 1).collect();
    let other_record: Vec<_> = b.record.iter().filter(|k| k.rank() > 1).collect();
    let mut rows = Vec::new();
    let urgent_flags: Vec<&KnownFlag> = b.flags.iter().filter(|f| urgent_flag(f)).collect();
    let urgent_notes: Vec<_> = note_lines.iter().filter(|n| n.0).collect();
    if !urgent_flags.is_empty() || !urgent_notes.is_empty() || !urgent_record.is_empty() {
        push_wrapped(
            &mut rows,
            Some((RowStyle::Plain, " ".into())),
            RowStyle::Urgent,
            "! Allergies and time-critical medicines:",
            1,
            width,
        );
        for k in &urgent_record {
            record_rows(&mut rows, k);
        }
        for f in &urgent_flags {
            flag_rows(&mut rows, f);
        }
        for (_, kind, line, source, signed) in &urgent_notes {
            note_rows(&mut rows, kind, line, source, signed, true);
        }
        rows.push(BannerRow { parts: Vec::new() });
    }
    for f in b.flags.iter().filter(|f| !urgent_flag(f)) {
        flag_rows(&mut rows, f);
    }
    if !other_record.is_empty() {
        if rows.last().is_some_and(|r| !r.parts.is_empty()) {
            rows.push(BannerRow { parts: Vec::new() });
        }
        push_wrapped(
            &mut rows,
            Some((RowStyle::Plain, " ".into())),
            RowStyle::Heading,
            "Known from before (conditions, medicines, plans, emergencies; reconfirm on the record):",
            1,
            width,
        );
        for k in other_record {
            record_rows(&mut rows, k);
        }
    }
    let other_notes: Vec<_> = note_lines.iter().filter(|n| !n.0).collect();
    if !other_notes.is_empty() {
        if !rows.is_empty() && rows.last().is_some_and(|r| !r.parts.is_empty()) {
            rows.push(BannerRow { parts: Vec::new() });
        }
        push_wrapped(
            &mut rows,
            Some((RowStyle::Plain, " ".into())),
            RowStyle::Heading,
            "Known from other suites' handovers (check and re-prescribe; nothing here is live):",
            1,
            width,
        );
        for (_, kind, line, source, signed) in other_notes {
            note_rows(&mut rows, kind, line, source, signed, false);
        }
    }
    while rows.last().is_some_and(|r| r.parts.is_empty()) {
        rows.pop();
    }
    if let Some(line) = &b.national {
        let mut top = Vec::new();
        push_wrapped(
            &mut top,
            Some((RowStyle::Plain, " ".into())),
            RowStyle::Heading,
            line,
            1,
            width,
        );
        top.push(BannerRow { parts: Vec::new() });
        if rows.is_empty() {
            push_wrapped(
                &mut top,
                Some((RowStyle::Plain, " ".into())),
                RowStyle::Dim,
                "Nothing is known about this person from before.",
                1,
                width,
            );
        }
        top.append(&mut rows);
        rows = top;
    }
    rows
}

/// Keeps the banner's scroll inside its rows at this size, and notes when the end is seen.
/// Returns how many rows are still below the view.
pub fn banner_settle(b: &mut BannerState, today: NaiveDate, size: (u16, u16)) -> usize {
    let (width, height) = banner_view(size);
    let total = banner_rows(b, today, width).len();
    let max_scroll = total.saturating_sub(height);
    b.scroll = b.scroll.min(max_scroll);
    let below = total.saturating_sub(b.scroll + height);
    if below == 0 {
        b.seen_end = true;
    }
    below
}

/// The national record answered (or could not): the banner re-reads what the record now
/// knows of the person, keeping its place; if new rows reach below the view, the end must be
/// seen again before the banner can be acknowledged.
pub fn refresh_banner(app: &mut App) {
    let (today, size) = (london_date(app.now), app.body_size());
    let line = |app: &App, detention_id: i64| {
        app.national
            .banner
            .as_ref()
            .filter(|(d, _)| *d == detention_id)
            .map(|(_, l)| l.line())
    };
    let Screen::Booking(b) = &app.screen else {
        return;
    };
    let BookingStep::Banner(banner) = &b.step else {
        return;
    };
    let detention_id = banner.detention_id;
    let national = line(app, detention_id);
    let Some(store) = app.session.as_ref() else {
        return;
    };
    let Ok(Some(entry)) = store.custody_entry(detention_id) else {
        return;
    };
    let known = store
        .known_flags(entry.person_id, Some(detention_id))
        .unwrap_or_default();
    let notes = store.imported_notes(entry.person_id).unwrap_or_default();
    let record = record_known(store, detention_id);
    if let Screen::Booking(b) = &mut app.screen
        && let BookingStep::Banner(banner) = &mut b.step
    {
        let before = banner_rows(banner, today, banner_view(size).0).len();
        banner.flags = known;
        banner.notes = notes;
        banner.record = record;
        banner.national = national;
        let after = banner_rows(banner, today, banner_view(size).0).len();
        if after > before {
            banner.seen_end = false;
        }
        banner_settle(banner, today, size);
    }
}

/// What the clinical record knows from before that the flags and imported notes do not
/// already say: entries (allergies, conditions, medicines…), the last plan, emergencies.
pub(super) fn record_known(
    store: &crate::store::Store,
    detention_id: i64,
) -> Vec<crate::domain::record::KnownItem> {
    use crate::domain::record::KnownSubject;
    store
        .clinical_record(detention_id)
        .map(|r| r.known)
        .unwrap_or_default()
        .into_iter()
        .filter(|k| !matches!(k.subject, KnownSubject::Flag(_) | KnownSubject::Note(_)))
        .collect()
}

/// The banner at its top, knowing at once whether it all fits on the screen.
pub(super) fn open_banner(
    app: &App,
    detention_id: i64,
    who: String,
    flags: Vec<KnownFlag>,
    notes: Vec<(String, String, String, String)>,
    record: Vec<crate::domain::record::KnownItem>,
) -> BookingStep {
    let mut banner = BannerState::new(detention_id, who, flags, notes);
    banner.record = record;
    banner.national = app
        .national
        .banner
        .as_ref()
        .filter(|(d, _)| *d == detention_id)
        .map(|(_, l)| l.line());
    banner_settle(&mut banner, london_date(app.now), app.body_size());
    BookingStep::Banner(banner)
}

/// The terminal changed size: what is "the end" of the banner may have come into view.
pub fn resized(app: &mut App) {
    let (today, size) = (london_date(app.now), app.body_size());
    if let Screen::Booking(b) = &mut app.screen
        && let BookingStep::Banner(banner) = &mut b.step
    {
        banner_settle(banner, today, size);
    }
}

/// How long ago, in words, for the banner: "3 days ago", "5 months ago".
pub fn ago(days: i64) -> String {
    let d = Duration::days(days).num_days();
    match d {
        i64::MIN..=0 => "today".into(),
        1 => "yesterday".into(),
        2..=60 => format!("{d} days ago"),
        61..=730 => format!("{} months ago", d / 30),
        _ => format!("{} years ago", d / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn flag(code: &str, severity: &str, reason: &str) -> KnownFlag {
        KnownFlag {
            flag_id: 1,
            code: code.into(),
            severity: severity.into(),
            reason: reason.into(),
            source: "booking-in risk assessment".into(),
            raised_at: chrono::Utc
                .with_ymd_and_hms(2026, 1, 2, 10, 0, 0)
                .single()
                .unwrap_or_default(),
            custody_no: Some("NG-26-000001".into()),
        }
    }

    fn text(rows: &[BannerRow]) -> Vec<String> {
        rows.iter()
            .map(|r| r.parts.iter().map(|p| p.1.as_str()).collect::<String>())
            .collect()
    }

    #[test]
    fn wrapped_rows_never_pass_the_width() {
        for width in [10, 20, 37, 78] {
            for line in wrap(
                "Levetiracetam 500 mg twice daily; supercalifragilisticexpialidocious dose",
                width - 5,
                width,
            ) {
                assert!(line.chars().count() <= width, "{line:?} at {width}");
            }
        }
        assert_eq!(wrap("", 10, 10), vec![String::new()]);
        assert_eq!(wrap("a b c", 3, 3), vec!["a b", "c"]);
    }

    #[test]
    fn allergies_and_time_critical_lines_come_first_and_the_end_is_noted() {
        let b = BannerState::new(
            1,
            "X".into(),
            vec![
                flag("SH", "warning", "Ligature in the cell."),
                flag("ALG", "information", "Penicillin: facial swelling."),
            ],
            vec![(
                "Medications".into(),
                "Paracetamol 1 g as needed\nLevetiracetam 500 mg twice daily".into(),
                "HMP Leeds".into(),
                "2026-10-24T10:00:00Z".into(),
            )],
        );
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let rows = text(&banner_rows(&b, today, 78));
        let at = |needle: &str| {
            rows.iter()
                .position(|r| r.contains(needle))
                .unwrap_or(usize::MAX)
        };
        assert!(at("Allergies and time-critical") < at("Penicillin"));
        assert!(at("Penicillin") < at("Ligature"));
        assert!(at("Levetiracetam") < at("Ligature"));
        assert!(at("Ligature") < at("Paracetamol"));
        for r in &rows {
            assert!(r.chars().count() <= 78, "{r:?}");
        }
        // On a short screen the end is not seen until scrolled there.
        let mut small = b;
        let below = banner_settle(&mut small, today, (80, 10));
        assert!(below > 0 && !small.seen_end);
        small.scroll = usize::MAX;
        assert_eq!(banner_settle(&mut small, today, (80, 10)), 0);
        assert!(small.seen_end);
        small.scroll = 0;
        banner_settle(&mut small, today, (80, 10));
        assert!(small.seen_end, "once seen, the end stays seen");
    }
}
