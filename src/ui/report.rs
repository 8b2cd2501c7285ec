//! The report screen: the suite's figures over a period as bars (text, so they read the same
//! without colour and over SSH): checks on time, doses given, PRRA completion, substance-use
//! referral, and a chart of HCP waits by band.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::domain::report::{Report, WAIT_BUCKETS};
use crate::domain::text::printable;

/// A bar `width` cells long, filled in proportion to `percent`.
pub fn bar(percent: f64, width: usize) -> String {
    let filled = ((percent.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn share_line(
    label: &str,
    percent: Option<f64>,
    detail: String,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<22} "), theme.title())];
    match percent {
        Some(p) => {
            spans.push(Span::raw(bar(p, width)));
            spans.push(Span::raw(format!(" {p:>5.1}%  ")));
        }
        None => spans.push(Span::styled(
            format!("{:<w$}", "nothing to measure", w = width + 9),
            theme.dim(),
        )),
    }
    spans.push(Span::styled(detail, theme.dim()));
    Line::from(spans)
}

fn lines(r: &Report, area: Rect, theme: &Theme) -> Vec<Line<'static>> {
    let width = usize::from(area.width).saturating_sub(60).clamp(10, 30);
    let c = &r.cell_checks;
    let d = &r.doses;
    let q = &r.hcp_request_to_seen;
    let minutes = |m: Option<i64>| m.map_or_else(|| "–".to_string(), |m| format!("{m} min"));
    let mut out = vec![
        Line::from(Span::styled(
            format!(
                "{} · {} to {}",
                printable(&r.suite),
                r.from.format("%d %b %Y"),
                r.to.format("%d %b %Y")
            ),
            theme.title(),
        )),
        Line::default(),
        share_line(
            "Cell checks on time",
            c.on_time_percent,
            format!(
                "{} of {} due; {} late, {} missed",
                c.on_time, c.due, c.late, c.missed
            ),
            width,
            theme,
        ),
        share_line(
            "Doses given",
            d.given_percent,
            format!(
                "{} of {} due; {} declined, {} not given, {} missed",
                d.given, d.due, d.declined, d.not_given_with_reason, d.missed
            ),
            width,
            theme,
        ),
        share_line(
            "PRRA completed",
            r.prra_completed.percent,
            format!(
                "{} of {} who left",
                r.prra_completed.met, r.prra_completed.counted
            ),
            width,
            theme,
        ),
        share_line(
            "Substance use referred",
            r.substance_use_referred.percent,
            format!(
                "{} of {} with a need",
                r.substance_use_referred.met, r.substance_use_referred.counted
            ),
            width,
            theme,
        ),
        Line::default(),
        Line::from(vec![
            Span::styled(format!("{:<22} ", "HCP request to seen"), theme.title()),
            Span::raw(format!(
                "median {}, p90 {}: {} requests, {} seen ({} within band), {} not seen",
                minutes(q.median_minutes),
                minutes(q.p90_minutes),
                q.requests,
                q.seen,
                q.within_band,
                q.not_seen
            )),
        ]),
    ];
    let most = q.wait_buckets.iter().copied().max().unwrap_or(0).max(1);
    for ((label, _), n) in WAIT_BUCKETS.iter().zip(&q.wait_buckets) {
        let cells = (n * width).div_ceil(most);
        out.push(Line::from(vec![
            Span::styled(format!("{:>22} ", format!("waited {label}")), theme.dim()),
            Span::raw("█".repeat(cells)),
            Span::raw(format!(" {n}")),
        ]));
    }
    out.push(Line::default());
    for (label, median) in [
        ("Appropriate adult", r.appropriate_adult_median_minutes),
        ("Interpreter", r.interpreter_median_minutes),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("{label:<22} "), theme.title()),
            match median {
                Some(m) => Span::raw(format!(
                    "request to arrival: median {} (of those asked for who came)",
                    crate::domain::observation::format_elapsed(chrono::TimeDelta::minutes(m))
                )),
                None => Span::styled(
                    "request to arrival: none recorded in the period",
                    theme.dim(),
                ),
            },
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        "Each measure is defined in the README with its source; `sonar report` gives the same figures for scripts.",
        theme.dim(),
    )));
    out
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame<'_>, area: Rect) {
    let Some(state) = &app.report else {
        return;
    };
    let mut body = match (&state.report, &state.error) {
        (Some(r), _) => lines(r, area, theme),
        (None, Some(e)) => vec![Line::from(Span::styled(e.clone(), theme.error()))],
        (None, None) => Vec::new(),
    };
    body.push(Line::default());
    body.push(super::hint_line(app, theme, area.width.saturating_sub(4)));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Report: the suite's figures "),
        ),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::bar;

    #[test]
    fn bars_fill_in_proportion() {
        assert_eq!(bar(50.0, 10), "█████░░░░░");
        assert_eq!(bar(0.0, 4), "░░░░");
        assert_eq!(bar(100.0, 4), "████");
        assert_eq!(bar(140.0, 4), "████");
    }
}
