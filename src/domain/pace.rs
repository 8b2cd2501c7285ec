//! The PACE clock: detention reviews and the limit on detention without charge.
//!
//! Sources: PACE 1984 s.40 (reviews: the first no later than 6 hours after detention was first
//! authorised, the second no later than 9 hours after the first, later ones at intervals of no
//! more than 9 hours; s.40(7): a postponed review does not move the times of later ones), s.41
//! (24 hours from the relevant time), s.42 (a superintendent may authorise detention up to 36
//! hours after the relevant time, before the 24 hours expire), s.43 (a magistrates' warrant of
//! further detention for up to 36 hours) and s.44 (extensions of the warrant, never beyond 96
//! hours after the relevant time); summarised in `reference/custody-practice.md`, "PACE clocks
//! (s.40–44)".
//!
//! Everything is computed in UTC, so a change to or from British Summer Time never shortens or
//! lengthens a period (DESIGN.md, "Data rules"). This clock covers detention before charge; after
//! charge the custody officer's reviews follow the same s.40 intervals but the s.41 limit no
//! longer applies, which the caller decides by not showing the limit.

use crate::domain::observation::{CheckStatus, to_london_with_day};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Hours from detention first authorised to the first review (s.40(3)(a)).
pub const FIRST_REVIEW_HOURS: i64 = 6;
/// Hours between later reviews (s.40(3)(b), (c)).
pub const REVIEW_INTERVAL_HOURS: i64 = 9;
/// Hours from the relevant time to the limit on detention without charge (s.41(1)).
pub const STANDARD_LIMIT_HOURS: i64 = 24;
/// The latest a superintendent may extend to, from the relevant time (s.42(1)).
pub const SUPERINTENDENT_LIMIT_HOURS: i64 = 36;
/// The longest period one warrant or extension of a warrant may run (s.43(12), s.44(3)).
pub const WARRANT_PERIOD_HOURS: i64 = 36;
/// The absolute limit with warrants, from the relevant time (s.44(3)(b)).
pub const WARRANT_LIMIT_HOURS: i64 = 96;

fn hours(h: i64) -> TimeDelta {
    TimeDelta::hours(h)
}

/// An authorised extension of detention without charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Extension {
    /// s.42: an officer of the rank of superintendent or above authorised detention until
    /// `until` (at most 36 hours after the relevant time).
    Superintendent {
        authorised_at: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// s.43 warrant of further detention, or s.44 extension of one, issued by a magistrates'
    /// court at `issued_at` and running until `until` (at most 36 hours after issue and 96
    /// hours after the relevant time).
    Warrant {
        issued_at: DateTime<Utc>,
        until: DateTime<Utc>,
    },
}

/// What the detention limit currently rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitBasis {
    /// 24 hours from the relevant time (s.41).
    Standard,
    /// A superintendent's extension (s.42).
    Superintendent,
    /// A warrant of further detention or its extension (s.43, s.44).
    Warrant,
}

/// Which PACE deadline is next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeadlineKind {
    /// The review numbered `number` (1 is the first review) falls due.
    Review { number: u32 },
    /// Detention without charge must end: charge or release.
    DetentionLimit { basis: LimitBasis },
}

impl DeadlineKind {
    /// Wording for the board and the record, e.g. "2nd review" or "24 h limit".
    pub fn label(&self) -> String {
        match self {
            DeadlineKind::Review { number } => format!("{} review", ordinal(*number)),
            DeadlineKind::DetentionLimit {
                basis: LimitBasis::Standard,
            } => "24 h limit".into(),
            DeadlineKind::DetentionLimit {
                basis: LimitBasis::Superintendent,
            } => "Supt extension ends".into(),
            DeadlineKind::DetentionLimit {
                basis: LimitBasis::Warrant,
            } => "Warrant ends".into(),
        }
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The next PACE deadline and when it falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaceDeadline {
    pub kind: DeadlineKind,
    pub at: DateTime<Utc>,
}

impl PaceDeadline {
    /// Due or overdue at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> CheckStatus {
        CheckStatus::at(self.at, now)
    }
}

/// Why a PACE time was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaceError {
    #[error("Detention cannot be authorised at {} because that is before the relevant time {}.", to_london_with_day(*.authorised), to_london_with_day(*.relevant))]
    AuthorisedBeforeRelevantTime {
        authorised: DateTime<Utc>,
        relevant: DateTime<Utc>,
    },
    #[error("An extension cannot be authorised at {} because that is before the relevant time {}.", to_london_with_day(*.at), to_london_with_day(*.relevant))]
    ExtensionBeforeRelevantTime {
        at: DateTime<Utc>,
        relevant: DateTime<Utc>,
    },
    #[error("A superintendent's extension must be authorised before the 24-hour limit at {}, not at {}.", to_london_with_day(*.limit), to_london_with_day(*.authorised))]
    SuperintendentTooLate {
        authorised: DateTime<Utc>,
        limit: DateTime<Utc>,
    },
    #[error("A superintendent's extension must end after the 24-hour limit at {}, but this one ends at {}.", to_london_with_day(*.limit), to_london_with_day(*.until))]
    SuperintendentNotBeyondStandard {
        until: DateTime<Utc>,
        limit: DateTime<Utc>,
    },
    #[error("A superintendent may extend detention only to 36 hours after the relevant time ({}), not to {}.", to_london_with_day(*.max), to_london_with_day(*.until))]
    SuperintendentBeyond36Hours {
        until: DateTime<Utc>,
        max: DateTime<Utc>,
    },
    #[error("A warrant must end after it is issued, but this one ends at {} and was issued at {}.", to_london_with_day(*.until), to_london_with_day(*.issued))]
    WarrantEndsBeforeIssue {
        issued: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    #[error("A warrant or its extension may run for at most 36 hours from issue ({}), not to {}.", to_london_with_day(*.max), to_london_with_day(*.until))]
    WarrantLongerThan36Hours {
        until: DateTime<Utc>,
        max: DateTime<Utc>,
    },
    #[error("Detention under warrant may not go beyond 96 hours after the relevant time ({}), so it cannot run to {}.", to_london_with_day(*.max), to_london_with_day(*.until))]
    WarrantBeyond96Hours {
        until: DateTime<Utc>,
        max: DateTime<Utc>,
    },
}

/// One detention's PACE clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaceClock {
    relevant_time: DateTime<Utc>,
    authorised_at: DateTime<Utc>,
}

impl PaceClock {
    /// `relevant_time` as defined by s.41(2) (usually arrival at the station, or arrest if
    /// earlier); `authorised_at` when the custody officer first authorised detention (s.37).
    pub fn new(
        relevant_time: DateTime<Utc>,
        authorised_at: DateTime<Utc>,
    ) -> Result<Self, PaceError> {
        if authorised_at < relevant_time {
            return Err(PaceError::AuthorisedBeforeRelevantTime {
                authorised: authorised_at,
                relevant: relevant_time,
            });
        }
        Ok(PaceClock {
            relevant_time,
            authorised_at,
        })
    }

    pub fn relevant_time(&self) -> DateTime<Utc> {
        self.relevant_time
    }

    pub fn authorised_at(&self) -> DateTime<Utc> {
        self.authorised_at
    }

    /// The first review: 6 hours after detention was first authorised (s.40(3)(a)).
    pub fn first_review_due(&self) -> DateTime<Utc> {
        self.authorised_at + hours(FIRST_REVIEW_HOURS)
    }

    /// The number and latest time of the next review, given the times of reviews already done.
    ///
    /// Each review resets the clock to 9 hours from when it was done (s.40(3)(b), (c)); a review
    /// done late (postponed under s.40(4)) does not push later reviews back (s.40(7)), so the
    /// next one is due 9 hours after the time the late one was due.
    pub fn next_review_due(&self, reviews_done: &[DateTime<Utc>]) -> (u32, DateTime<Utc>) {
        let mut done = reviews_done.to_vec();
        done.sort_unstable();
        let mut due = self.first_review_due();
        for t in &done {
            due = (*t).min(due) + hours(REVIEW_INTERVAL_HOURS);
        }
        let number = u32::try_from(done.len()).unwrap_or(u32::MAX - 1) + 1;
        (number, due)
    }

    /// 24 hours after the relevant time (s.41(1)).
    pub fn standard_limit(&self) -> DateTime<Utc> {
        self.relevant_time + hours(STANDARD_LIMIT_HOURS)
    }

    /// Checks and builds a superintendent's extension (s.42): authorised before the 24 hours
    /// expire and ending after them, no later than 36 hours after the relevant time.
    pub fn superintendent_extension(
        &self,
        authorised_at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Extension, PaceError> {
        let limit = self.standard_limit();
        let max = self.relevant_time + hours(SUPERINTENDENT_LIMIT_HOURS);
        if authorised_at < self.relevant_time {
            return Err(PaceError::ExtensionBeforeRelevantTime {
                at: authorised_at,
                relevant: self.relevant_time,
            });
        }
        if authorised_at >= limit {
            return Err(PaceError::SuperintendentTooLate {
                authorised: authorised_at,
                limit,
            });
        }
        if until <= limit {
            return Err(PaceError::SuperintendentNotBeyondStandard { until, limit });
        }
        if until > max {
            return Err(PaceError::SuperintendentBeyond36Hours { until, max });
        }
        Ok(Extension::Superintendent {
            authorised_at,
            until,
        })
    }

    /// Checks and builds a warrant of further detention or an extension of one (s.43, s.44):
    /// running for at most 36 hours from issue and ending no later than 96 hours after the
    /// relevant time.
    pub fn warrant(
        &self,
        issued_at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Extension, PaceError> {
        if issued_at < self.relevant_time {
            return Err(PaceError::ExtensionBeforeRelevantTime {
                at: issued_at,
                relevant: self.relevant_time,
            });
        }
        if until <= issued_at {
            return Err(PaceError::WarrantEndsBeforeIssue {
                issued: issued_at,
                until,
            });
        }
        let period_max = issued_at + hours(WARRANT_PERIOD_HOURS);
        if until > period_max {
            return Err(PaceError::WarrantLongerThan36Hours {
                until,
                max: period_max,
            });
        }
        let max = self.relevant_time + hours(WARRANT_LIMIT_HOURS);
        if until > max {
            return Err(PaceError::WarrantBeyond96Hours { until, max });
        }
        Ok(Extension::Warrant { issued_at, until })
    }

    /// When detention without charge must end, and on what authority: the latest of the 24-hour
    /// limit and the extensions. An extension built without the checks above is capped at its
    /// statutory maximum (36 hours for a superintendent, 96 hours for a warrant), so the board
    /// never shows a limit the law does not allow.
    pub fn detention_limit(&self, extensions: &[Extension]) -> (LimitBasis, DateTime<Utc>) {
        let supt_max = self.relevant_time + hours(SUPERINTENDENT_LIMIT_HOURS);
        let warrant_max = self.relevant_time + hours(WARRANT_LIMIT_HOURS);
        let mut best = (LimitBasis::Standard, self.standard_limit());
        for ext in extensions {
            let candidate = match *ext {
                Extension::Superintendent { until, .. } => {
                    (LimitBasis::Superintendent, until.min(supt_max))
                }
                Extension::Warrant { until, .. } => (LimitBasis::Warrant, until.min(warrant_max)),
            };
            if candidate.1 > best.1 {
                best = candidate;
            }
        }
        best
    }

    /// The deadline to show: the earlier of the next review and the detention limit (the limit
    /// wins a tie, and always wins once it has passed at `now`, because detention beyond it is
    /// unlawful whatever reviews are outstanding).
    pub fn next_deadline(
        &self,
        reviews_done: &[DateTime<Utc>],
        extensions: &[Extension],
        now: DateTime<Utc>,
    ) -> PaceDeadline {
        let (number, review_at) = self.next_review_due(reviews_done);
        let (basis, limit_at) = self.detention_limit(extensions);
        let limit = PaceDeadline {
            kind: DeadlineKind::DetentionLimit { basis },
            at: limit_at,
        };
        if now > limit_at || limit_at <= review_at {
            limit
        } else {
            PaceDeadline {
                kind: DeadlineKind::Review { number },
                at: review_at,
            }
        }
    }
}

/// A review of detention as typed, before it is recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewDraft {
    pub reviewed_by: String,
    pub outcome: String,
    /// What the detainee or their solicitor said, or why nothing was said (s.40(12)-(14)).
    pub representations: String,
    /// Why the review is late; required only when it is.
    pub late_reason: String,
}

/// A review that may be recorded: trimmed, with the late reason kept only when it was late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReview {
    pub reviewed_by: String,
    pub outcome: String,
    pub representations: String,
    pub late_reason: String,
}

/// Why a review cannot be recorded as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("A PACE review needs the reviewing officer.")]
    NoOfficer,
    #[error("A PACE review needs the outcome.")]
    NoOutcome,
    #[error(
        "Record the representations made by the detainee or their solicitor (PACE s.40(12)): what they said, or e.g. \"none made; asleep, to be told on waking\"."
    )]
    NoRepresentations,
    #[error("This review was due at {} and is {} late: say why it is late.", to_london_with_day(*.due), crate::domain::observation::format_elapsed(*.late_by))]
    LateWithoutReason {
        due: DateTime<Utc>,
        late_by: TimeDelta,
    },
}

/// Checks a review done at `reviewed_at` against the time it was `due` (the next review from
/// [`PaceClock::next_review_due`]). Representations are required on every review: s.40(12)
/// obliges the review officer to give the detainee (or their solicitor) the opportunity to make
/// them before deciding. A late review needs a reason, like a late cell check; s.40(4) allows a
/// review to be postponed, and the reason is what the record must show.
pub fn validate_review(
    draft: &ReviewDraft,
    due: DateTime<Utc>,
    reviewed_at: DateTime<Utc>,
) -> Result<ValidReview, ReviewError> {
    if draft.reviewed_by.trim().is_empty() {
        return Err(ReviewError::NoOfficer);
    }
    if draft.outcome.trim().is_empty() {
        return Err(ReviewError::NoOutcome);
    }
    if draft.representations.trim().is_empty() {
        return Err(ReviewError::NoRepresentations);
    }
    let late = reviewed_at > due;
    if late && draft.late_reason.trim().is_empty() {
        return Err(ReviewError::LateWithoutReason {
            due,
            late_by: reviewed_at - due,
        });
    }
    Ok(ValidReview {
        reviewed_by: draft.reviewed_by.trim().to_string(),
        outcome: draft.outcome.trim().to_string(),
        representations: draft.representations.trim().to_string(),
        late_reason: if late {
            draft.late_reason.trim().to_string()
        } else {
            String::new()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn utc(d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, d, h, mi, 0).unwrap()
    }

    /// Arrived 10:00 on 1 June, detention authorised 10:20.
    fn clock() -> PaceClock {
        PaceClock::new(utc(1, 10, 0), utc(1, 10, 20)).unwrap()
    }

    #[test]
    fn a_review_needs_representations_and_a_late_one_a_reason() {
        let due = clock().first_review_due();
        let mut d = ReviewDraft {
            reviewed_by: "Insp Hale".into(),
            outcome: "continue detention".into(),
            ..ReviewDraft::default()
        };
        assert_eq!(
            validate_review(&d, due, due),
            Err(ReviewError::NoRepresentations)
        );
        d.representations = " none made; asleep, to be told on waking ".into();
        // On time: no reason asked, and a reason typed anyway is not kept.
        d.late_reason = "typed by mistake".into();
        let ok = validate_review(&d, due, due).unwrap();
        assert_eq!(
            ok.representations,
            "none made; asleep, to be told on waking"
        );
        assert_eq!(ok.late_reason, "");
        // 1h12m late without a reason: refused, saying how late.
        d.late_reason.clear();
        let late = due + TimeDelta::minutes(72);
        let e = validate_review(&d, due, late).unwrap_err();
        assert!(e.to_string().contains("1h12m late"), "{e}");
        d.late_reason = "inspector at a firearms incident".into();
        assert_eq!(
            validate_review(&d, due, late).unwrap().late_reason,
            "inspector at a firearms incident"
        );
        d.outcome.clear();
        assert_eq!(validate_review(&d, due, late), Err(ReviewError::NoOutcome));
    }

    #[test]
    fn first_review_is_six_hours_after_authorisation_not_arrival() {
        assert_eq!(clock().first_review_due(), utc(1, 16, 20));
        assert_eq!(clock().next_review_due(&[]), (1, utc(1, 16, 20)));
    }

    #[test]
    fn later_reviews_are_nine_hours_after_the_previous_one() {
        let c = clock();
        // First review done early at 15:00: second due 00:00 next day.
        assert_eq!(c.next_review_due(&[utc(1, 15, 0)]), (2, utc(2, 0, 0)));
        // Second done at 23:30: third due 08:30.
        assert_eq!(
            c.next_review_due(&[utc(1, 15, 0), utc(1, 23, 30)]),
            (3, utc(2, 8, 30))
        );
        // Order of the slice does not matter.
        assert_eq!(
            c.next_review_due(&[utc(1, 23, 30), utc(1, 15, 0)]),
            (3, utc(2, 8, 30))
        );
    }

    #[test]
    fn a_late_review_does_not_push_the_next_one_back() {
        let c = clock();
        // First review due 16:20 but postponed to 18:00: second still due 16:20 + 9 h = 01:20.
        assert_eq!(c.next_review_due(&[utc(1, 18, 0)]), (2, utc(2, 1, 20)));
    }

    #[test]
    fn twenty_four_hour_limit_runs_from_the_relevant_time() {
        assert_eq!(clock().standard_limit(), utc(2, 10, 0));
        assert_eq!(
            clock().detention_limit(&[]),
            (LimitBasis::Standard, utc(2, 10, 0))
        );
    }

    #[test]
    fn authorisation_before_relevant_time_is_refused() {
        assert_eq!(
            PaceClock::new(utc(1, 10, 0), utc(1, 9, 59)),
            Err(PaceError::AuthorisedBeforeRelevantTime {
                authorised: utc(1, 9, 59),
                relevant: utc(1, 10, 0)
            })
        );
        assert!(PaceClock::new(utc(1, 10, 0), utc(1, 10, 0)).is_ok());
    }

    #[test]
    fn superintendent_extension_rules() {
        let c = clock();
        let ok = c
            .superintendent_extension(utc(2, 9, 0), utc(2, 22, 0))
            .unwrap();
        assert_eq!(
            c.detention_limit(&[ok]),
            (LimitBasis::Superintendent, utc(2, 22, 0))
        );
        // Exactly 36 hours is allowed.
        assert!(
            c.superintendent_extension(utc(2, 9, 0), utc(2, 22, 0))
                .is_ok()
        );
        assert_eq!(
            c.superintendent_extension(utc(2, 9, 0), utc(2, 22, 1)),
            Err(PaceError::SuperintendentBeyond36Hours {
                until: utc(2, 22, 1),
                max: utc(2, 22, 0)
            })
        );
        assert_eq!(
            c.superintendent_extension(utc(2, 10, 0), utc(2, 20, 0)),
            Err(PaceError::SuperintendentTooLate {
                authorised: utc(2, 10, 0),
                limit: utc(2, 10, 0)
            })
        );
        assert_eq!(
            c.superintendent_extension(utc(2, 9, 0), utc(2, 10, 0)),
            Err(PaceError::SuperintendentNotBeyondStandard {
                until: utc(2, 10, 0),
                limit: utc(2, 10, 0)
            })
        );
        assert!(matches!(
            c.superintendent_extension(utc(1, 9, 0), utc(2, 20, 0)),
            Err(PaceError::ExtensionBeforeRelevantTime { .. })
        ));
    }

    #[test]
    fn warrant_rules_and_the_96_hour_ceiling() {
        let c = clock();
        let supt = c
            .superintendent_extension(utc(2, 9, 0), utc(2, 22, 0))
            .unwrap();
        // Warrant issued at 34 h for 36 h: to 70 h after relevant time.
        let w1 = c.warrant(utc(2, 20, 0), utc(4, 8, 0)).unwrap();
        assert_eq!(
            c.detention_limit(&[supt, w1]),
            (LimitBasis::Warrant, utc(4, 8, 0))
        );
        // Extension of the warrant up to exactly 96 h (10:00 on 5 June).
        let w2 = c.warrant(utc(4, 7, 0), utc(5, 10, 0)).unwrap();
        assert_eq!(
            c.detention_limit(&[supt, w1, w2]),
            (LimitBasis::Warrant, utc(5, 10, 0))
        );
        assert_eq!(
            c.warrant(utc(4, 7, 0), utc(5, 10, 1)),
            Err(PaceError::WarrantBeyond96Hours {
                until: utc(5, 10, 1),
                max: utc(5, 10, 0)
            })
        );
        assert_eq!(
            c.warrant(utc(2, 20, 0), utc(4, 8, 1)),
            Err(PaceError::WarrantLongerThan36Hours {
                until: utc(4, 8, 1),
                max: utc(4, 8, 0)
            })
        );
        assert_eq!(
            c.warrant(utc(2, 20, 0), utc(2, 20, 0)),
            Err(PaceError::WarrantEndsBeforeIssue {
                issued: utc(2, 20, 0),
                until: utc(2, 20, 0)
            })
        );
    }

    #[test]
    fn unchecked_extensions_are_capped_at_the_statutory_maximum() {
        let c = clock();
        let too_long_supt = Extension::Superintendent {
            authorised_at: utc(2, 9, 0),
            until: utc(3, 10, 0),
        };
        assert_eq!(
            c.detention_limit(&[too_long_supt]),
            (LimitBasis::Superintendent, utc(2, 22, 0))
        );
        let too_long_warrant = Extension::Warrant {
            issued_at: utc(4, 0, 0),
            until: utc(9, 0, 0),
        };
        assert_eq!(
            c.detention_limit(&[too_long_warrant]),
            (LimitBasis::Warrant, utc(5, 10, 0))
        );
        // A superintendent's "extension" that ends before 24 h never shortens the limit.
        let short = Extension::Superintendent {
            authorised_at: utc(1, 12, 0),
            until: utc(1, 20, 0),
        };
        assert_eq!(
            c.detention_limit(&[short]),
            (LimitBasis::Standard, utc(2, 10, 0))
        );
    }

    /// (reviews done, extensions, now) and the expected (kind, at).
    type Case = (
        Vec<DateTime<Utc>>,
        Vec<Extension>,
        DateTime<Utc>,
        DeadlineKind,
        DateTime<Utc>,
    );

    #[test]
    fn next_deadline_walks_through_a_detention() {
        let c = clock();
        let review = |n| DeadlineKind::Review { number: n };
        let limit = |basis| DeadlineKind::DetentionLimit { basis };
        let supt = c
            .superintendent_extension(utc(2, 8, 0), utc(2, 22, 0))
            .unwrap();
        let warrant = c.warrant(utc(2, 21, 0), utc(4, 9, 0)).unwrap();
        let r1 = utc(1, 16, 0);
        let r2 = utc(2, 1, 0);
        let r3 = utc(2, 9, 30);
        let r4 = utc(2, 18, 0);
        let cases: Vec<Case> = vec![
            (vec![], vec![], utc(1, 11, 0), review(1), utc(1, 16, 20)),
            // First review overdue: still the next deadline, and shown as overdue.
            (vec![], vec![], utc(1, 17, 0), review(1), utc(1, 16, 20)),
            (vec![r1], vec![], utc(1, 17, 0), review(2), utc(2, 1, 0)),
            // After the second review at 01:00 the third would be 10:00, the same moment as the
            // 24 h limit: the limit wins.
            (
                vec![r1, r2],
                vec![],
                utc(2, 2, 0),
                limit(LimitBasis::Standard),
                utc(2, 10, 0),
            ),
            // With a superintendent's extension the third review comes first.
            (
                vec![r1, r2],
                vec![supt],
                utc(2, 8, 30),
                review(3),
                utc(2, 10, 0),
            ),
            (
                vec![r1, r2, r3],
                vec![supt],
                utc(2, 10, 0),
                review(4),
                utc(2, 18, 30),
            ),
            (
                vec![r1, r2, r3, r4],
                vec![supt],
                utc(2, 19, 0),
                limit(LimitBasis::Superintendent),
                utc(2, 22, 0),
            ),
            (
                vec![r1, r2, r3, r4],
                vec![supt, warrant],
                utc(2, 21, 30),
                review(5),
                utc(3, 3, 0),
            ),
            // Limit passed: it is shown even though a review is also overdue.
            (
                vec![r1],
                vec![],
                utc(2, 11, 0),
                limit(LimitBasis::Standard),
                utc(2, 10, 0),
            ),
        ];
        for (i, (done, ext, now, kind, at)) in cases.into_iter().enumerate() {
            assert_eq!(
                c.next_deadline(&done, &ext, now),
                PaceDeadline { kind, at },
                "case {i}"
            );
        }
    }

    #[test]
    fn deadline_status_and_labels() {
        let c = clock();
        let d = c.next_deadline(&[], &[], utc(1, 15, 0));
        assert_eq!(d.status(utc(1, 15, 0)).countdown(), "1h20m");
        assert_eq!(d.status(utc(1, 16, 25)).countdown(), "!-5m");
        assert_eq!(d.kind.label(), "1st review");
        assert_eq!(DeadlineKind::Review { number: 2 }.label(), "2nd review");
        assert_eq!(DeadlineKind::Review { number: 3 }.label(), "3rd review");
        assert_eq!(DeadlineKind::Review { number: 11 }.label(), "11th review");
        assert_eq!(DeadlineKind::Review { number: 22 }.label(), "22nd review");
        assert_eq!(
            DeadlineKind::DetentionLimit {
                basis: LimitBasis::Standard
            }
            .label(),
            "24 h limit"
        );
    }

    #[test]
    fn the_24_hours_are_real_hours_across_the_autumn_change() {
        // Arrived 12:00 BST on 24 Oct 2026 (11:00 UTC); the clocks go back overnight, so the
        // limit is 11:00 GMT on 25 Oct, which reads an hour earlier on the wall clock.
        let arrived = Utc.with_ymd_and_hms(2026, 10, 24, 11, 0, 0).unwrap();
        let c = PaceClock::new(arrived, arrived).unwrap();
        assert_eq!(to_london_with_day(arrived), "24 Oct 12:00");
        assert_eq!(to_london_with_day(c.standard_limit()), "25 Oct 11:00");
        assert_eq!(c.standard_limit() - arrived, TimeDelta::hours(24));
    }

    #[test]
    fn error_messages_are_single_sentences_with_london_times() {
        let e = PaceError::SuperintendentBeyond36Hours {
            until: utc(2, 22, 1),
            max: utc(2, 22, 0),
        };
        assert_eq!(
            e.to_string(),
            "A superintendent may extend detention only to 36 hours after the relevant time (02 Jun 23:00), not to 02 Jun 23:01."
        );
    }

    proptest! {
        #[test]
        fn reviews_never_fall_more_than_nine_hours_apart_or_more_than_six_after_authorisation(
            gaps in proptest::collection::vec(0i64..(12 * 60), 0..8)
        ) {
            // Reviews done at arbitrary gaps (some late): each next due time is at most 9 h
            // after the previous review and never later than the on-time schedule.
            let c = clock();
            let mut done = Vec::new();
            let mut t = c.authorised_at();
            for g in gaps {
                let (_, due) = c.next_review_due(&done);
                let limit = if done.is_empty() { c.authorised_at() + TimeDelta::hours(6) } else { t + TimeDelta::hours(9) };
                prop_assert!(due <= limit);
                t += TimeDelta::minutes(g);
                done.push(t);
            }
            let (n, _) = c.next_review_due(&done);
            prop_assert_eq!(n as usize, done.len() + 1);
        }

        #[test]
        fn limit_is_always_between_24_and_96_hours(until_h in 0i64..200, warrant in proptest::bool::ANY) {
            let c = clock();
            let until = c.relevant_time() + TimeDelta::hours(until_h);
            let ext = if warrant {
                Extension::Warrant { issued_at: c.relevant_time(), until }
            } else {
                Extension::Superintendent { authorised_at: c.relevant_time(), until }
            };
            let (_, at) = c.detention_limit(&[ext]);
            let h = (at - c.relevant_time()).num_hours();
            prop_assert!((24..=96).contains(&h));
            if !warrant { prop_assert!(h <= 36); }
        }
    }
}
