//! A request for an HCP to see a person: who asked, why, in which band, and how long the
//! person has waited. "Seen" is derived by the store from the HCP's first contact at or after
//! the request (the `hcp_activity` view), never typed (schema 0011).
//!
//! Sources: reference/safety-and-pathways.md, "What investigations found" (a detainee waited
//! 6.25 hours to be seen: IOPC, North Yorkshire, 2024) and "HCP waiting and urgency" (providers
//! report "time of call to time of patient seen"; bands as cited data, `bands.rs`).

use std::cmp::{Ordering, Reverse};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::observation::{format_elapsed, to_london};
use crate::domain::role::Role;

/// The longest reason a request keeps (a sentence or two: the HCP reads it in the queue).
pub const MAX_REASON_CHARS: usize = 300;

/// A wait as the board row needs it: since when, and the band's minutes at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HcpWait {
    pub requested_at: DateTime<Utc>,
    pub band: String,
    pub band_minutes: u32,
}

impl HcpWait {
    /// How long the person has waited at `now` (zero if `now` is earlier).
    pub fn waited(&self, now: DateTime<Utc>) -> TimeDelta {
        (now - self.requested_at).max(TimeDelta::zero())
    }

    /// How far past its band the wait is at `now`: waited − band, once that is positive.
    pub fn overdue_by(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        let over = self.waited(now) - TimeDelta::minutes(i64::from(self.band_minutes));
        (over > TimeDelta::zero()).then_some(over)
    }

    /// `HCP WAIT 1h05m`: the wait counting up (the board shows it overdue past the band).
    pub fn board_text(&self, now: DateTime<Utc>) -> String {
        format!(
            "{} {}",
            crate::domain::board_legend::BoardMark::HcpWait.text(),
            format_elapsed(self.waited(now))
        )
    }
}

/// When and by whom the person was seen after the request (derived).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A request withdrawn (the person left, or no longer needs it), with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// One request, as the record and the HCP's queue read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HcpRequest {
    pub id: i64,
    pub detention_id: i64,
    pub band: String,
    pub band_minutes: u32,
    pub reason: String,
    /// Username of whoever asked, and their display name (`DO Kim Walsh`).
    pub requested_by: String,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub seen: Option<Seen>,
    pub withdrawn: Option<Withdrawal>,
}

impl HcpRequest {
    /// Open until the HCP's first contact or a withdrawal.
    pub fn is_open(&self) -> bool {
        self.seen.is_none() && self.withdrawn.is_none()
    }

    pub fn wait(&self) -> HcpWait {
        HcpWait {
            requested_at: self.requested_at,
            band: self.band.clone(),
            band_minutes: self.band_minutes,
        }
    }

    /// Request to seen, once seen.
    pub fn request_to_seen(&self) -> Option<TimeDelta> {
        self.seen
            .as_ref()
            .map(|s| (s.at - self.requested_at).max(TimeDelta::zero()))
    }

    /// The record's line: `HCP requested 13:05 (urgent, 20m) by DO Walsh: seen 13:40 by
    /// p.raman after 35m`, or `waiting 1h05m`, or `withdrawn 14:10 by …: left custody`.
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        let head = format!(
            "HCP requested {} ({}, {}) by {}",
            to_london(self.requested_at),
            self.band,
            format_elapsed(TimeDelta::minutes(i64::from(self.band_minutes))),
            short_name(&self.requested_by_name, &self.requested_by)
        );
        match (&self.seen, &self.withdrawn) {
            (Some(seen), _) => format!(
                "{head}: seen {} by {} after {}",
                to_london(seen.at),
                seen.by,
                format_elapsed(self.request_to_seen().unwrap_or_default())
            ),
            (None, Some(w)) => format!(
                "{head}: withdrawn {} by {}: {}",
                to_london(w.at),
                w.by,
                w.reason
            ),
            (None, None) => {
                let wait = self.wait();
                let over = if wait.overdue_by(now).is_some() {
                    " (OVERDUE)"
                } else {
                    ""
                };
                format!("{head}: waiting {}{over}", format_elapsed(wait.waited(now)))
            }
        }
    }
}

/// `DO Walsh` from `DO Kim Walsh`: a title and surname, as custody staff say it; the name as
/// it is when it has fewer than three words, the username when there is no name.
pub fn short_name(display: &str, username: &str) -> String {
    let words: Vec<&str> = display.split_whitespace().collect();
    match words.as_slice() {
        [] => username.to_string(),
        [title, .., last] if words.len() >= 3 => format!("{title} {last}"),
        _ => words.join(" "),
    }
}

/// Who may withdraw a request: a custody sergeant or an HCP.
pub fn may_withdraw(role: Role) -> bool {
    crate::domain::authority::permits(role, crate::domain::authority::Duty::WithdrawHcpRequest)
}

/// Why a request's reason cannot be used, if it cannot.
pub fn validate_reason(reason: &str) -> Result<(), String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err("say why the HCP is needed".into());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(format!(
            "the reason is longer than {MAX_REASON_CHARS} characters"
        ));
    }
    Ok(())
}

/// An open request in the HCP's queue: the request and who and where the person is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueEntry {
    pub request: HcpRequest,
    pub custody_no: String,
    /// "Forenames Surname".
    pub name: String,
    pub cell: String,
}

/// The queue's order at `now`: the most overdue first; then the most urgent band (fewest
/// minutes); then the longest waiting; then the id, so the order never jitters.
pub fn queue_cmp(a: &HcpRequest, b: &HcpRequest, now: DateTime<Utc>) -> Ordering {
    let overdue = |r: &HcpRequest| r.wait().overdue_by(now).map(Reverse);
    let by_overdue = match (overdue(a), overdue(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_overdue
        .then_with(|| a.band_minutes.cmp(&b.band_minutes))
        .then_with(|| a.requested_at.cmp(&b.requested_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// Sorts the queue (see [`queue_cmp`]).
pub fn queue_order(entries: &mut [QueueEntry], now: DateTime<Utc>) {
    entries.sort_by(|a, b| queue_cmp(&a.request, &b.request, now));
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    fn request(id: i64, band: &str, minutes: u32, at: DateTime<Utc>) -> HcpRequest {
        HcpRequest {
            id,
            detention_id: id,
            band: band.into(),
            band_minutes: minutes,
            reason: "says chest hurts".into(),
            requested_by: "officer".into(),
            requested_by_name: "DO Kim Walsh".into(),
            requested_at: at,
            seen: None,
            withdrawn: None,
        }
    }

    #[test]
    fn a_wait_counts_up_and_is_overdue_by_the_time_past_its_band() {
        let w = request(1, "urgent", 20, t(13, 5)).wait();
        assert_eq!(w.board_text(t(13, 20)), "HCP WAIT 15m");
        assert_eq!(
            w.overdue_by(t(13, 25)),
            None,
            "exactly at the band is not late"
        );
        assert_eq!(w.overdue_by(t(13, 30)), Some(TimeDelta::minutes(5)));
        assert_eq!(w.board_text(t(14, 10)), "HCP WAIT 1h05m");
        assert_eq!(w.waited(t(13, 0)), TimeDelta::zero());
    }

    #[test]
    fn the_summary_says_who_asked_and_request_to_seen() {
        let mut r = request(1, "urgent", 20, t(13, 5));
        assert_eq!(
            r.summary(t(13, 10)),
            "HCP requested 13:05 (urgent, 20m) by DO Walsh: waiting 5m"
        );
        assert!(r.summary(t(13, 30)).ends_with("waiting 25m (OVERDUE)"));
        r.seen = Some(Seen {
            at: t(13, 40),
            by: "p.raman".into(),
        });
        assert!(!r.is_open());
        assert_eq!(
            r.summary(t(15, 0)),
            "HCP requested 13:05 (urgent, 20m) by DO Walsh: seen 13:40 by p.raman after 35m"
        );
        let mut w = request(2, "routine", 240, t(9, 0));
        w.withdrawn = Some(Withdrawal {
            at: t(10, 0),
            by: "sergeant".into(),
            reason: "left custody".into(),
        });
        assert!(
            w.summary(t(11, 0))
                .ends_with("withdrawn 10:00 by sergeant: left custody")
        );
        assert_eq!(short_name("", "officer"), "officer");
        assert_eq!(short_name("Sgt Okafor", "s"), "Sgt Okafor");
    }

    #[test]
    fn the_queue_puts_the_most_overdue_first_then_band_then_oldest() {
        let now = t(14, 0);
        let mut q: Vec<QueueEntry> = [
            request(1, "routine", 240, t(13, 50)),
            request(2, "urgent", 20, t(13, 55)),
            request(3, "soon", 120, t(11, 0)),   // 1h over
            request(4, "urgent", 20, t(13, 20)), // 20m over
            request(5, "routine", 240, t(13, 0)),
            request(6, "urgent", 20, t(13, 50)),
        ]
        .into_iter()
        .map(|request| QueueEntry {
            request,
            custody_no: String::new(),
            name: String::new(),
            cell: String::new(),
        })
        .collect();
        queue_order(&mut q, now);
        let ids: Vec<i64> = q.iter().map(|e| e.request.id).collect();
        assert_eq!(ids, [3, 4, 6, 2, 5, 1]);
    }

    #[test]
    fn roles_and_reasons() {
        assert!(crate::domain::authority::permits(
            Role::DetentionOfficer,
            crate::domain::authority::Duty::RequestHcp
        ));
        assert!(!crate::domain::authority::permits(
            Role::WallBoard,
            crate::domain::authority::Duty::RequestHcp
        ));
        assert!(may_withdraw(Role::Sergeant) && may_withdraw(Role::Hcp));
        assert!(!may_withdraw(Role::DetentionOfficer));
        assert!(validate_reason("  ").is_err());
        assert!(validate_reason(&"x".repeat(301)).is_err());
        assert!(validate_reason("shaking, asks for a nurse").is_ok());
    }
}
