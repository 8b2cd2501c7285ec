//! `sonar report --from DATE --to DATE [--json|--csv]`: the suite's figures over a period, as
//! text for people, JSON for scripts, or CSV (measure, value) for a spreadsheet. Computed by
//! `domain::report` from what `store::report` gathers; defined in the README with sources.

use std::io::Write;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;

use crate::cli::LoginArgs;
use crate::domain::clock::Clock;
use crate::domain::report::Report;
use crate::domain::text::printable;

/// A date as typed, or one sentence saying why it is not one.
pub fn parse_date(flag: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        anyhow!(
            "{flag} {} is not a date: use YYYY-MM-DD, e.g. 2026-11-01",
            printable(text)
        )
    })
}

pub fn run(
    args: &LoginArgs,
    from: &str,
    to: &str,
    json: bool,
    csv: bool,
    clock: &dyn Clock,
) -> Result<u8> {
    let (from, to) = (parse_date("--from", from)?, parse_date("--to", to)?);
    let mut store = super::login(args, clock)?;
    let report = store.report(from, to, clock.now())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // The suite's name is the only stored text in a report; inert either way.
    if json {
        let json = serde_json::to_string_pretty(&report)?;
        writeln!(out, "{}", crate::domain::text::json_inert(&json))?;
    } else if csv {
        out.write_all(printable(&csv_text(&report)).as_bytes())?;
    } else {
        out.write_all(printable(&text(&report)).as_bytes())?;
    }
    Ok(0)
}

fn figure<T: std::fmt::Display>(v: Option<T>, unit: &str) -> String {
    v.map_or_else(|| "none recorded".to_string(), |v| format!("{v}{unit}"))
}

/// The measures as (name, value) rows: the CSV's lines and the text's.
pub fn rows(r: &Report) -> Vec<(&'static str, String)> {
    let q = &r.hcp_request_to_seen;
    let c = &r.cell_checks;
    let d = &r.doses;
    let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let pct = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    vec![
        ("hcp_requests", q.requests.to_string()),
        ("hcp_requests_seen", q.seen.to_string()),
        ("hcp_requests_not_seen", q.not_seen.to_string()),
        ("hcp_requests_seen_within_band", q.within_band.to_string()),
        ("hcp_request_to_seen_median_minutes", num(q.median_minutes)),
        ("hcp_request_to_seen_p90_minutes", num(q.p90_minutes)),
        ("cell_checks_due", c.due.to_string()),
        ("cell_checks_on_time", c.on_time.to_string()),
        ("cell_checks_late", c.late.to_string()),
        ("cell_checks_missed", c.missed.to_string()),
        ("cell_checks_on_time_percent", pct(c.on_time_percent)),
        ("doses_due", d.due.to_string()),
        ("doses_given", d.given.to_string()),
        ("doses_declined", d.declined.to_string()),
        (
            "doses_not_given_with_reason",
            d.not_given_with_reason.to_string(),
        ),
        ("doses_missed", d.missed.to_string()),
        ("doses_given_percent", pct(d.given_percent)),
        ("left_custody", r.prra_completed.counted.to_string()),
        ("prra_completed", r.prra_completed.met.to_string()),
        ("prra_completed_percent", pct(r.prra_completed.percent)),
        (
            "substance_use_need",
            r.substance_use_referred.counted.to_string(),
        ),
        (
            "substance_use_referred",
            r.substance_use_referred.met.to_string(),
        ),
        (
            "substance_use_referred_percent",
            pct(r.substance_use_referred.percent),
        ),
        (
            "appropriate_adult_request_to_arrival_median_minutes",
            num(r.appropriate_adult_median_minutes),
        ),
        (
            "interpreter_request_to_arrival_median_minutes",
            num(r.interpreter_median_minutes),
        ),
    ]
}

/// `measure,value` lines with a header (an empty value: nothing to measure in the period).
pub fn csv_text(r: &Report) -> String {
    let mut s = String::from("measure,value\n");
    s.push_str(&format!("from,{}\nto,{}\n", r.from, r.to));
    for (name, value) in rows(r) {
        s.push_str(&format!("{name},{value}\n"));
    }
    s
}

/// The report as people read it.
pub fn text(r: &Report) -> String {
    let q = &r.hcp_request_to_seen;
    let c = &r.cell_checks;
    let d = &r.doses;
    let mut s = format!(
        "{} — report {} to {}\n\n",
        printable(&r.suite),
        r.from.format("%d %b %Y"),
        r.to.format("%d %b %Y")
    );
    s.push_str(&format!(
        "HCP request to seen      {} requests, {} seen ({} within band), {} not seen; median {}, p90 {}\n",
        q.requests,
        q.seen,
        q.within_band,
        q.not_seen,
        figure(q.median_minutes, " min"),
        figure(q.p90_minutes, " min")
    ));
    s.push_str(&format!(
        "Cell checks on time      {} of {} due ({}); {} late, {} missed\n",
        c.on_time,
        c.due,
        figure(c.on_time_percent, "%"),
        c.late,
        c.missed
    ));
    s.push_str(&format!(
        "Doses against due        {} due: {} given ({}), {} declined, {} not given with a reason, {} missed\n",
        d.due,
        d.given,
        figure(d.given_percent, "%"),
        d.declined,
        d.not_given_with_reason,
        d.missed
    ));
    s.push_str(&format!(
        "PRRA completed           {} of {} who left ({})\n",
        r.prra_completed.met,
        r.prra_completed.counted,
        figure(r.prra_completed.percent, "%")
    ));
    s.push_str(&format!(
        "Substance use referred   {} of {} with a need ({})\n",
        r.substance_use_referred.met,
        r.substance_use_referred.counted,
        figure(r.substance_use_referred.percent, "%")
    ));
    s.push_str(&format!(
        "Appropriate adult wait   {}\nInterpreter wait         {}\n",
        figure(r.appropriate_adult_median_minutes, " min (median)"),
        figure(r.interpreter_median_minutes, " min (median)")
    ));
    s
}
