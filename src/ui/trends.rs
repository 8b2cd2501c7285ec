//! Score trends on the Health tab, drawn as text so they scroll with the tab: one small chart
//! per score with entries (NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C) and per NEWS2 vital sign. Each
//! chart's rows are the score's bands, so the thresholds are the row edges and every point
//! sits in the band it scored; the alarming bands are marked. Then a table per score: time,
//! value, band, who.
//!
//! Bands: `reference/clinical-scores.md` (NEWS2 table and response; CIWA-Ar from the band set
//! each entry was scored with; COWS; AUDIT-C). GCS has no bands there: its rows are the usual
//! head-injury grouping (15; 13-14; 9-12; 3-8), and below 13 is marked because NICE's head
//! injury guideline (NG232) asks for imaging within the hour below 13. Clinicians: confirm.

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::domain::observation::{london_date, to_london, to_london_with_day};
use crate::domain::scores::{ciwa, news2};
use crate::store::clinical::{ScoreEntry, ScoreKind};

/// Width of the row labels, so every chart's plot starts in the same column.
const LABEL_WIDTH: usize = 18;

/// One row of a chart: the values it holds (inclusive) and whether it is an alarming band.
struct Row {
    label: String,
    lo: i64,
    hi: i64,
    alarm: bool,
}

fn row(label: &str, lo: i64, hi: i64, alarm: bool) -> Row {
    Row {
        label: label.to_string(),
        lo,
        hi,
        alarm,
    }
}

/// One series: its rows (highest values first), points and how to say a value.
struct Series<'a> {
    title: String,
    rows: Vec<Row>,
    points: Vec<(&'a ScoreEntry, Option<i64>)>,
    show: fn(i64) -> String,
    /// The band of the latest entry in words.
    band: fn(&ScoreEntry, i64) -> String,
}

fn plain(v: i64) -> String {
    v.to_string()
}

fn tenths(v: i64) -> String {
    format!("{}.{}", v / 10, v % 10)
}

fn input(s: &ScoreEntry, key: &str) -> Option<i64> {
    s.inputs.get(key).and_then(serde_json::Value::as_i64)
}

/// NEWS2's response band in words, from its stored name.
pub fn news2_band(band: &str) -> &'static str {
    news2::Response::from_band(band).map_or("unknown", news2::Response::short_label)
}

/// The short name of the CIWA-Ar band set an entry was scored with.
fn ciwa_set(s: &ScoreEntry) -> Option<ciwa::BandSet> {
    s.inputs
        .get("band_set")
        .and_then(serde_json::Value::as_str)
        .and_then(ciwa::band_set)
}

fn ciwa_set_label(s: &ScoreEntry) -> &'static str {
    match ciwa_set(s).map(|b| b.name) {
        Some("asam_2020") => "ASAM 2020",
        Some("sullivan_1989") => "Sullivan 1989",
        _ => "band set not recorded",
    }
}

fn band_words(s: &ScoreEntry) -> String {
    match s.kind.as_str() {
        "news2" => news2_band(&s.band).to_string(),
        "ciwa_ar" => format!("{}, {} bands", s.band, ciwa_set_label(s)),
        "audit_c" if s.band == "positive" => "positive: go on to the full AUDIT".into(),
        _ => s.band.replace('_', " "),
    }
}

/// A NEWS2 parameter's score in words, for a vital sign's latest value.
fn scores(n: u8) -> String {
    format!("scores {n}")
}

fn news2_series<'a>(news2: &[&'a ScoreEntry]) -> Vec<Series<'a>> {
    use crate::domain::scores::news2 as n;
    let pts = |key: &str| -> Vec<(&'a ScoreEntry, Option<i64>)> {
        news2.iter().map(|s| (*s, input(s, key))).collect()
    };
    let scale2 = news2.last().and_then(|s| input(s, "scale")) == Some(2);
    let spo2_rows = if scale2 {
        vec![
            row(">=97 (3 on O2)", 97, 100, true),
            row("95-96 (2 on O2)", 95, 96, false),
            row("93-94 (1 on O2)", 93, 94, false),
            row("88-92 (0)", 88, 92, false),
            row("86-87 (1)", 86, 87, false),
            row("84-85 (2)", 84, 85, false),
            row("<=83 (3)", 0, 83, true),
        ]
    } else {
        vec![
            row(">=96 (0)", 96, 100, false),
            row("94-95 (1)", 94, 95, false),
            row("92-93 (2)", 92, 93, false),
            row("<=91 (3)", 0, 91, true),
        ]
    };
    vec![
        Series {
            title: "NEWS2".into(),
            rows: vec![
                row("7+ emergency", 7, 20, true),
                row("5-6 urgent", 5, 6, true),
                row("1-4 low", 1, 4, false),
                row("0 routine", 0, 0, false),
            ],
            points: news2.iter().map(|s| (*s, s.total)).collect(),
            show: plain,
            band: |s, _| news2_band(&s.band).to_string(),
        },
        Series {
            title: "Respiration /min".into(),
            rows: vec![
                row(">=25 (3)", 25, i64::MAX, true),
                row("21-24 (2)", 21, 24, false),
                row("12-20 (0)", 12, 20, false),
                row("9-11 (1)", 9, 11, false),
                row("<=8 (3)", 0, 8, true),
            ],
            points: pts("respiration_rate"),
            show: plain,
            band: |_, v| scores(n::respiration_score(u32::try_from(v).unwrap_or(0))),
        },
        Series {
            title: format!("SpO2 % (scale {})", if scale2 { 2 } else { 1 }),
            rows: spo2_rows,
            points: pts("spo2"),
            show: plain,
            band: |s, v| {
                let scale = if input(s, "scale") == Some(2) {
                    n::SpO2Scale::Scale2
                } else {
                    n::SpO2Scale::Scale1
                };
                let o2 = s
                    .inputs
                    .get("on_oxygen")
                    .and_then(serde_json::Value::as_bool);
                scores(n::spo2_score(
                    u32::try_from(v).unwrap_or(0),
                    scale,
                    o2.unwrap_or(false),
                ))
            },
        },
        Series {
            title: "Systolic BP mmHg".into(),
            rows: vec![
                row(">=220 (3)", 220, i64::MAX, true),
                row("111-219 (0)", 111, 219, false),
                row("101-110 (1)", 101, 110, false),
                row("91-100 (2)", 91, 100, false),
                row("<=90 (3)", 0, 90, true),
            ],
            points: pts("systolic_bp"),
            show: plain,
            band: |_, v| scores(n::systolic_score(u32::try_from(v).unwrap_or(0))),
        },
        Series {
            title: "Pulse /min".into(),
            rows: vec![
                row(">=131 (3)", 131, i64::MAX, true),
                row("111-130 (2)", 111, 130, false),
                row("91-110 (1)", 91, 110, false),
                row("51-90 (0)", 51, 90, false),
                row("41-50 (1)", 41, 50, false),
                row("<=40 (3)", 0, 40, true),
            ],
            points: pts("pulse"),
            show: plain,
            band: |_, v| scores(n::pulse_score(u32::try_from(v).unwrap_or(0))),
        },
        Series {
            title: "Temperature °C".into(),
            rows: vec![
                row(">=39.1 (2)", 391, i64::MAX, false),
                row("38.1-39.0 (1)", 381, 390, false),
                row("36.1-38.0 (0)", 361, 380, false),
                row("35.1-36.0 (1)", 351, 360, false),
                row("<=35.0 (3)", 0, 350, true),
            ],
            points: pts("temperature_tenths"),
            show: tenths,
            band: |_, v| scores(n::temperature_score(u32::try_from(v).unwrap_or(0))),
        },
    ]
}

fn score_series<'a>(kind: &str, entries: &[&'a ScoreEntry]) -> Option<Series<'a>> {
    let points = entries.iter().map(|s| (*s, s.total)).collect();
    let band: fn(&ScoreEntry, i64) -> String = |s, _| band_words(s);
    let (title, rows) = match kind {
        "gcs" => (
            "GCS".to_string(),
            vec![
                row("15", 15, 15, false),
                row("13-14", 13, 14, false),
                row("9-12", 9, 12, true),
                row("3-8", 3, 8, true),
            ],
        ),
        "ciwa_ar" => {
            // Rows from the band set the latest entry was scored with.
            let set = entries
                .last()
                .and_then(|s| ciwa_set(s))
                .unwrap_or(ciwa::ASAM_2020);
            let mut rows = Vec::new();
            let mut lo = 0;
            for (hi, severity) in set.bands {
                let name = format!("{severity:?}").to_lowercase();
                let label = if *hi >= 67 {
                    format!("{lo}+ {name}")
                } else {
                    format!("{lo}-{hi} {name}")
                };
                let alarm = *severity >= ciwa::Severity::Moderate;
                rows.push(row(&label, i64::from(lo), i64::from(*hi), alarm));
                lo = hi + 1;
            }
            rows.reverse();
            ("CIWA-Ar".to_string(), rows)
        }
        "cows" => (
            "COWS".to_string(),
            vec![
                row("37+ severe", 37, 48, true),
                row("25-36 mod. severe", 25, 36, true),
                row("13-24 moderate", 13, 24, true),
                row("5-12 mild", 5, 12, false),
                row("0-4", 0, 4, false),
            ],
        ),
        "audit_c" => (
            "AUDIT-C".to_string(),
            vec![row("5-12 positive", 5, 12, true), row("0-4", 0, 4, false)],
        ),
        _ => return None,
    };
    Some(Series {
        title,
        rows,
        points,
        show: plain,
        band,
    })
}

/// The order scores are shown in, with their names.
fn kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    ScoreKind::ALL.into_iter().map(|k| (k.as_str(), k.label()))
}

fn of_kind<'a>(scores: &'a [ScoreEntry], kind: &str) -> Vec<&'a ScoreEntry> {
    scores.iter().filter(|s| s.kind == kind).collect()
}

/// The charts for every score with entries, fitted to `width` columns: every point of the
/// detention, placed by its time.
pub fn chart_lines(scores: &[ScoreEntry], width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let mut series = Vec::new();
    for (kind, _) in kinds() {
        let entries = of_kind(scores, kind);
        if entries.is_empty() {
            continue;
        }
        if kind == "news2" {
            series.extend(news2_series(&entries));
        } else {
            series.extend(score_series(kind, &entries));
        }
    }
    let mut lines = Vec::new();
    if series.is_empty() {
        return lines;
    }
    lines.push(Line::from(Span::styled(
        "Trends: rows are each score's bands; ! marks bands that need action",
        theme.title(),
    )));
    let columns = usize::from(width).saturating_sub(LABEL_WIDTH + 6) / 2;
    for s in series {
        lines.extend(chart(&s, columns.max(1), theme));
    }
    lines
}

/// Where each point goes across `width` characters: by its time between the first and the
/// last, so observations an hour apart sit further apart than two taken minutes apart
/// (points that land on the same character in one band show as one).
fn time_columns(points: &[(&ScoreEntry, i64)], width: usize) -> Vec<usize> {
    let (Some((first, _)), Some((last, _))) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let span = (last.recorded_at - first.recorded_at).num_seconds().max(0);
    let last_column = width.saturating_sub(1);
    points
        .iter()
        .map(|(e, _)| {
            if span == 0 {
                return 0;
            }
            let offset = (e.recorded_at - first.recorded_at)
                .num_seconds()
                .clamp(0, span);
            // offset <= span, so the column is within 0..=last_column.
            let column = (offset as f64 / span as f64 * last_column as f64).round();
            (column as usize).min(last_column)
        })
        .collect()
}

fn chart(s: &Series<'_>, columns: usize, theme: &Theme) -> Vec<Line<'static>> {
    let valued: Vec<(&ScoreEntry, i64)> = s
        .points
        .iter()
        .filter_map(|(e, v)| v.map(|v| (*e, v)))
        .collect();
    let mut lines = Vec::new();
    let header = match s.points.last() {
        Some((e, Some(v))) => format!(
            "{}: {} ({}) at {} by {}",
            s.title,
            (s.show)(*v),
            (s.band)(e, *v),
            to_london(e.recorded_at),
            e.recorded_by
        ),
        Some((e, None)) => format!(
            "{}: {} (no total) at {} by {}",
            s.title,
            e.band,
            to_london(e.recorded_at),
            e.recorded_by
        ),
        None => s.title.clone(),
    };
    lines.push(Line::from(Span::styled(format!("  {header}"), theme.key())));
    let shown = &valued[..];
    let at = time_columns(shown, columns * 2 - 1);
    for r in &s.rows {
        let mut plot = vec![' '; at.iter().max().map_or(0, |m| m + 1)];
        for ((_, v), &x) in shown.iter().zip(&at) {
            if (r.lo..=r.hi).contains(v) {
                plot[x] = '●';
            }
        }
        let plot: String = plot.into_iter().collect();
        let mark = if r.alarm { '!' } else { ' ' };
        let label = format!("  {mark}{:>width$} │", r.label, width = LABEL_WIDTH);
        let style = if r.alarm {
            theme.warning()
        } else {
            theme.dim()
        };
        lines.push(Line::from(vec![
            Span::styled(label, style),
            Span::raw(plot.trim_end().to_string()),
        ]));
    }
    let span = match (shown.first(), shown.last()) {
        (Some((a, _)), Some((b, _))) if shown.len() > 1 => {
            let same_day = london_date(a.recorded_at) == london_date(b.recorded_at);
            format!(
                "{} → {}",
                to_london_with_day(a.recorded_at),
                if same_day {
                    to_london(b.recorded_at)
                } else {
                    to_london_with_day(b.recorded_at)
                }
            )
        }
        (Some((a, _)), _) => to_london_with_day(a.recorded_at),
        _ => "no totals to chart".into(),
    };
    lines.push(Line::from(Span::styled(
        format!(
            "   {:>width$} └ {span} ({} entr{}, placed by time)",
            "",
            valued.len(),
            if valued.len() == 1 { "y" } else { "ies" },
            width = LABEL_WIDTH
        ),
        theme.dim(),
    )));
    lines
}

/// A table per score with entries, newest first: time, value, band, who. NEWS2 also lists
/// each vital sign.
pub fn table_lines(scores: &[ScoreEntry], theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (kind, name) in kinds() {
        let entries = of_kind(scores, kind);
        if entries.is_empty() {
            continue;
        }
        lines.push(Line::default());
        if kind == "news2" {
            lines.push(Line::from(Span::styled(
                "NEWS2           RR  SpO2   BP  Pulse  Temp  Total  Response                   By",
                theme.title(),
            )));
            for s in entries.iter().rev() {
                let i = |k: &str| input(s, k).map(|v| v.to_string()).unwrap_or_default();
                let temp = input(s, "temperature_tenths")
                    .map(tenths)
                    .unwrap_or_default();
                lines.push(Line::from(format!(
                    "  {}  {:>3}  {:>3}%  {:>3}  {:>5}  {:>4}  {:>5}  {:<25}  {}",
                    to_london_with_day(s.recorded_at),
                    i("respiration_rate"),
                    i("spo2"),
                    i("systolic_bp"),
                    i("pulse"),
                    temp,
                    s.total.map(|t| t.to_string()).unwrap_or_default(),
                    news2_band(&s.band),
                    s.recorded_by
                )));
            }
            continue;
        }
        lines.push(Line::from(Span::styled(
            format!("{name:<14}  Total  {:<40} By", "Band"),
            theme.title(),
        )));
        for s in entries.iter().rev() {
            lines.push(Line::from(format!(
                "  {}  {:>5}  {:<40} {}",
                to_london_with_day(s.recorded_at),
                s.total.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
                band_words(s),
                s.recorded_by
            )));
        }
    }
    lines
}
