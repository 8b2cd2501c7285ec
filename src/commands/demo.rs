//! `sonar demo` and `sonar list`.

use crate::domain::scores::news2::NextObservations;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::app::board::board_row;
use crate::cli::LoginArgs;
use crate::demo;
use crate::domain::clock::Clock;
use crate::domain::observation::CheckStatus;

/// Creates the demo database, prints the logins and (unless `generate_only`) opens the UI.
pub fn run_demo(
    args: &LoginArgs,
    people: u64,
    generate_only: bool,
    clock: &dyn Clock,
) -> Result<u8> {
    let (db, temp_dir) = match &args.db {
        Some(db) => {
            if db.exists() {
                bail!(
                    "{} already exists; give a new path for the demo database",
                    db.display()
                );
            }
            (db.clone(), None)
        }
        None => {
            let dir = tempfile::Builder::new()
                .prefix("sonar-demo-")
                .tempdir()
                .context("cannot make a temporary directory for the demo")?;
            (dir.path().join("demo.db"), Some(dir))
        }
    };
    let started = std::time::Instant::now();
    let mut stderr = std::io::stderr();
    let mut last_percent = u64::MAX;
    let mut progress = |done: u64, total: u64| {
        let percent = done * 100 / total.max(1);
        if percent != last_percent {
            last_percent = percent;
            let _ = write!(
                stderr,
                "\rGenerating historical people: {done}/{total} ({percent}%)"
            );
            let _ = stderr.flush();
        }
    };
    let store = demo::create(&db, people, clock.now(), &mut progress)?;
    if people > 0 {
        eprintln!(" done in {:.1} s.", started.elapsed().as_secs_f64());
    }
    drop(store);
    println!("Demo suite: {}", demo::DEMO_SUITE);
    println!("Database:   {}", db.display());
    println!("Logins (password `{}` for each):", demo::DEMO_PASSWORD);
    for (user, name, role) in demo::DEMO_ACCOUNTS {
        println!("  {user:<9} {name} ({})", role.label());
    }
    if generate_only {
        if let Some(dir) = temp_dir {
            // Kept on purpose: the person asked for a database to use afterwards.
            let kept: PathBuf = dir.keep();
            println!("Kept in {} (delete it when done).", kept.display());
        }
        return Ok(0);
    }
    let code = super::ui::run(&db)?;
    drop(temp_dir);
    Ok(code)
}

/// One line of `sonar list --json`.
#[derive(Debug, Serialize)]
struct ListEntry {
    custody_no: String,
    surname: String,
    forenames: String,
    cell: String,
    arrived_at: String,
    in_custody: bool,
    observation_level: u8,
    next_check_due: Option<String>,
    check_overdue: bool,
    flags: Vec<String>,
    hcp_seen: bool,
    /// Who last saw the person as an HCP and when (any HCP entry counts).
    hcp_seen_by: Option<String>,
    hcp_seen_at: Option<String>,
    /// `ALLERGY` and `KNOWN <codes>`: what the record adds to the board.
    markers: Vec<String>,
    ready_for_transfer: bool,
    next_medication_due: Option<String>,
    medication_overdue: bool,
    /// When the next NEWS2 observations are due (UTC), or `continuous` (NEWS2 7 or more);
    /// null before the first set.
    next_observations_due: Option<String>,
    observations_overdue: bool,
    /// The care plan's rationale (required when the level is below the suggested one).
    plan_rationale: Option<String>,
    /// The next PACE deadline (UTC) and what it is (`review_N`, `limit_standard`,
    /// `limit_superintendent`, `limit_warrant`); null before detention is authorised.
    pace_next_deadline: Option<String>,
    pace_deadline_kind: Option<String>,
    /// Whether the next PACE deadline (a review, or the detention limit) has passed.
    pace_overdue: bool,
    /// A custody decision (charge, bail, release or transfer) is later than the newest care
    /// plan version, so the plan must be reviewed; the reason says which and when.
    plan_review_due: bool,
    plan_review_reason: Option<String>,
    /// The oldest emergency still open for this detention, or null.
    open_emergency: Option<OpenEmergencyOut>,
    /// The open request for an HCP the board shows (the one whose band ends first), or null.
    hcp_wait: Option<HcpWaitOut>,
    /// How many of the HCP's directions no custody sergeant has acknowledged yet.
    directions_unacknowledged: usize,
    /// What booking in still owes: `risk_assessment` (no sergeant has authorised detention
    /// and completed the risk assessment), `health_screen` (no HCP screen, no reason recorded
    /// why not). Empty when both are done, and for anyone no longer in custody.
    outstanding: Vec<crate::domain::booking_duties::Outstanding>,
    /// Null when no appropriate adult is needed; else why, when asked for and when arrived
    /// (UTC) and where it stands (`domain::support::SupportJson`).
    appropriate_adult: Option<crate::domain::support::SupportJson>,
    /// Null when no interpreter is needed; else the language, the times and the status.
    interpreter: Option<crate::domain::support::SupportJson>,
}

/// A wait for an HCP in `sonar list --json`: when it was asked for (UTC), the band and its
/// minutes as asked, how long waited so far, and whether that is past the band.
#[derive(Debug, Serialize)]
struct HcpWaitOut {
    requested_at: String,
    band: String,
    band_minutes: u32,
    waited_minutes: i64,
    overdue: bool,
}

impl HcpWaitOut {
    fn new(w: &crate::domain::hcp::HcpWait, now: chrono::DateTime<chrono::Utc>) -> HcpWaitOut {
        HcpWaitOut {
            requested_at: crate::store::timestamp(w.requested_at),
            band: w.band.clone(),
            band_minutes: w.band_minutes,
            waited_minutes: w.waited(now).num_minutes(),
            overdue: w.overdue_by(now).is_some(),
        }
    }
}

/// An open emergency in `sonar list --json`: when (UTC), what raised it (`failed_rousing`,
/// `score_rule`, `raised_by_hand`), what was seen, where, and who has been called so far. For
/// every role: it is operational, risk-to-life information.
#[derive(Debug, Serialize)]
struct OpenEmergencyOut {
    opened_at: String,
    cause: &'static str,
    reason: String,
    location: String,
    called: Vec<super::record::CallOut>,
}

impl From<&crate::domain::emergency::Emergency> for OpenEmergencyOut {
    fn from(e: &crate::domain::emergency::Emergency) -> OpenEmergencyOut {
        OpenEmergencyOut {
            opened_at: crate::store::timestamp(e.opened_at),
            cause: e.cause.as_str(),
            reason: e.reason.clone(),
            location: e.location.clone(),
            called: super::record::calls_out(e),
        }
    }
}

/// An appropriate adult or interpreter for `sonar list --json`: a wait is counted only while
/// the person is still here.
pub(crate) fn support_out(
    need: Option<&crate::domain::support::SupportNeed>,
    open: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<crate::domain::support::SupportJson> {
    need.map(|n| {
        let mut out = n.json(now);
        if !open {
            out.waited_minutes = None;
        }
        out
    })
}

/// A stable name for a PACE deadline kind, for scripts.
fn pace_kind_name(kind: crate::domain::pace::DeadlineKind) -> String {
    use crate::domain::pace::{DeadlineKind, LimitBasis};
    match kind {
        DeadlineKind::Review { number } => format!("review_{number}"),
        DeadlineKind::DetentionLimit { basis } => match basis {
            LimitBasis::Standard => "limit_standard".into(),
            LimitBasis::Superintendent => "limit_superintendent".into(),
            LimitBasis::Warrant => "limit_warrant".into(),
        },
    }
}

/// `sonar list`: the board's data for scripts.
pub fn run_list(args: &LoginArgs, all: bool, json: bool, clock: &dyn Clock) -> Result<u8> {
    let store = super::login(args, clock)?;
    let now = clock.now();
    let entries = store.custody_list(all)?;
    // One read for every row; oldest first, so the first one kept per detention is the
    // longest open.
    let mut open_emergencies = std::collections::HashMap::new();
    for e in store.open_emergencies()? {
        open_emergencies
            .entry(e.detention_id())
            .or_insert(e.emergency);
    }
    // Read for everyone in custody, so `--all` rows of people still here carry them too.
    let mut hcp = store.board_hcp_in_custody()?;
    let mut rows: Vec<_> = entries.iter().map(|e| (e, board_row(e, now))).collect();
    if !all {
        rows.sort_by(|a, b| crate::domain::board::attention_cmp(&a.1, &b.1, now));
    }
    let list: Vec<ListEntry> = rows
        .iter()
        .map(|(entry, row)| {
            let open = entry.closed_at.is_none();
            let pace = if open {
                store.pace_deadline(
                    entry.detention_id,
                    entry.arrived_at,
                    entry.authorised_at,
                    now,
                )?
            } else {
                None
            };
            let review = if open {
                store.plan_review_due(entry.detention_id)?
            } else {
                None
            };
            let plan = if open {
                store.plan_words(entry.detention_id)?
            } else {
                None
            };
            Ok(ListEntry {
                custody_no: row.custody_no.clone(),
                surname: row.surname.clone(),
                forenames: row.forenames.clone(),
                cell: row.cell.clone(),
                arrived_at: crate::store::timestamp(row.arrived_at),
                in_custody: open,
                observation_level: row.observation_level.number(),
                next_check_due: row
                    .next_check_due
                    .filter(|_| open)
                    .map(crate::store::timestamp),
                check_overdue: open
                    && matches!(row.check_status(now), Some(CheckStatus::Overdue { .. })),
                flags: row
                    .sorted_flags()
                    .iter()
                    .map(|(c, _)| c.code().to_string())
                    .collect(),
                hcp_seen: row.hcp_seen,
                hcp_seen_by: entry.last_seen.as_ref().map(|s| s.by.clone()),
                hcp_seen_at: entry
                    .last_seen
                    .as_ref()
                    .map(|s| crate::store::timestamp(s.at)),
                markers: entry.markers.clone(),
                ready_for_transfer: row.ready_for_transfer,
                next_medication_due: row
                    .medication_due
                    .filter(|_| open)
                    .map(crate::store::timestamp),
                medication_overdue: open
                    && row.medication_status(now).is_some_and(|s| s.is_overdue()),
                next_observations_due: row.observations_due.filter(|_| open).map(|o| match o {
                    NextObservations::At(due) => crate::store::timestamp(due),
                    NextObservations::Continuous => "continuous".to_string(),
                }),
                observations_overdue: open
                    && row.observations_status(now).is_some_and(|s| s.is_overdue()),
                plan_rationale: plan.map(|p| p.rationale).filter(|r| !r.is_empty()),
                pace_next_deadline: pace.map(|d| crate::store::timestamp(d.at)),
                plan_review_due: review.is_some(),
                plan_review_reason: review.map(|r| r.reason()),
                pace_deadline_kind: pace.map(|d| pace_kind_name(d.kind)),
                pace_overdue: pace.is_some_and(|d| d.status(now).is_overdue()),
                open_emergency: open_emergencies
                    .get(&entry.detention_id)
                    .map(OpenEmergencyOut::from),
                hcp_wait: hcp
                    .get(&entry.detention_id)
                    .and_then(|h| h.wait.as_ref())
                    .filter(|_| open)
                    .map(|w| HcpWaitOut::new(w, now)),
                directions_unacknowledged: hcp
                    .remove(&entry.detention_id)
                    .filter(|_| open)
                    .map_or(0, |h| h.unacknowledged),
                outstanding: if open {
                    entry.outstanding.clone()
                } else {
                    Vec::new()
                },
                appropriate_adult: support_out(entry.support.appropriate_adult.as_ref(), open, now),
                interpreter: support_out(entry.support.interpreter.as_ref(), open, now),
            })
        })
        .collect::<Result<_>>()?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        // JSON escapes the C0 controls itself; `json_inert` escapes the rest (C1, bidi).
        let text = crate::domain::text::json_inert(&serde_json::to_string_pretty(&list)?);
        writeln!(out, "{text}")?;
    } else {
        // Stored text, one line per person: nothing in a name can start another row.
        let p = |t: &str| crate::domain::text::printable_line(t);
        writeln!(
            out,
            "{:<12} {:<26} {:<5} {:<3} {:<20} FLAGS",
            "CUSTODY NO", "NAME", "CELL", "LVL", "NEXT CHECK (UTC)"
        )?;
        for e in &list {
            let next = match (&e.next_check_due, e.check_overdue) {
                (Some(t), true) => format!("{t} !"),
                (Some(t), false) => t.clone(),
                (None, _) if e.in_custody => "constant".into(),
                (None, _) => "left custody".into(),
            };
            writeln!(
                out,
                "{:<12} {:<26} {:<5} {:<3} {:<20} {}",
                p(&e.custody_no),
                p(&format!("{}, {}", e.surname.to_uppercase(), e.forenames)),
                p(&e.cell),
                e.observation_level,
                next,
                // What booking still owes comes before the flags: until then they are not known.
                e.outstanding
                    .iter()
                    .map(|o| o.short())
                    .chain(e.flags.iter().map(String::as_str))
                    .map(p)
                    .collect::<Vec<_>>()
                    .join(" ")
            )?;
        }
    }
    Ok(0)
}
