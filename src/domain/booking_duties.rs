//! What booking in still owes a person: the custody officer's authorisation and risk
//! assessment, and the HCP's health screen. Until both are done the board, `sonar list` and
//! every handover say so, because a person booked in by whoever was free at the desk and never
//! assessed is how known risk goes unseen.
//!
//! Sources: PACE 1984 s.37 (the custody officer authorises detention); PACE Code C 3.5–3.10
//! (the custody officer's risk assessment on arrival) and 9.5–9.8 (clinical attention when
//! needed); APP Detention and custody, "Risk assessment" (`reference/custody-practice.md`).

use serde::{Deserialize, Serialize};

/// A booking duty not yet done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outstanding {
    /// No custody sergeant has authorised detention and completed the risk assessment.
    RiskAssessment,
    /// No HCP has completed the health screen, and no sergeant has recorded why it cannot
    /// be done now.
    HealthScreen,
}

impl Outstanding {
    /// As a board row and `sonar list` say it, where room is short.
    pub fn short(self) -> &'static str {
        match self {
            Outstanding::RiskAssessment => "NO RA",
            Outstanding::HealthScreen => "NO HS",
        }
    }

    /// As the board's line under the header, the record and a handover caution say it.
    pub fn words(self) -> &'static str {
        match self {
            Outstanding::RiskAssessment => "RISK ASSESSMENT OUTSTANDING",
            Outstanding::HealthScreen => "HEALTH SCREEN OUTSTANDING",
        }
    }

    /// Who does it, for the hint that follows the words.
    pub fn done_by(self) -> &'static str {
        match self {
            Outstanding::RiskAssessment => {
                "a custody sergeant authorises detention and completes the risk assessment"
            }
            Outstanding::HealthScreen => {
                "an HCP completes the health screen, or a sergeant records why it cannot be done now"
            }
        }
    }
}

/// Why the health screen was not done, as a custody sergeant recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deferral {
    pub reason: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// What the store knows of a detention's booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BookingProgress {
    /// A custody sergeant authorised detention.
    pub authorised: bool,
    /// The booking risk assessment was completed (only a sergeant can complete it).
    pub risk_assessed: bool,
    /// The health screen was completed (only an HCP can complete it).
    pub health_screened: bool,
    /// A sergeant recorded why the health screen cannot be done now.
    pub health_screen_deferred: bool,
}

impl BookingProgress {
    /// The duties still owed, risk assessment first.
    pub fn outstanding(&self) -> Vec<Outstanding> {
        let mut out = Vec::new();
        if !(self.authorised && self.risk_assessed) {
            out.push(Outstanding::RiskAssessment);
        }
        if !(self.health_screened || self.health_screen_deferred) {
            out.push(Outstanding::HealthScreen);
        }
        out
    }
}

/// Why a deferral reason cannot be used, if it cannot: it must say something, briefly.
pub fn validate_deferral_reason(reason: &str) -> Result<&str, String> {
    let reason = reason.trim();
    if reason.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return Err(
            "say why the health screen cannot be done now (e.g. \"asleep, intoxicated: HCP to screen at 06:00\")"
                .into(),
        );
    }
    if reason.chars().count() > 300 {
        return Err("the reason is too long: at most 300 characters".into());
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_are_owed_until_each_is_done() {
        let nothing = BookingProgress::default();
        assert_eq!(
            nothing.outstanding(),
            [Outstanding::RiskAssessment, Outstanding::HealthScreen]
        );
        // Answers without authorisation (or the reverse) are not an assessment.
        let assessed_not_authorised = BookingProgress {
            risk_assessed: true,
            ..nothing
        };
        assert!(
            assessed_not_authorised
                .outstanding()
                .contains(&Outstanding::RiskAssessment)
        );
        let done = BookingProgress {
            authorised: true,
            risk_assessed: true,
            health_screened: true,
            health_screen_deferred: false,
        };
        assert!(done.outstanding().is_empty());
        let deferred = BookingProgress {
            health_screened: false,
            health_screen_deferred: true,
            ..done
        };
        assert!(deferred.outstanding().is_empty());
    }

    #[test]
    fn a_deferral_needs_words() {
        assert!(validate_deferral_reason("  ").is_err());
        assert!(validate_deferral_reason("..").is_err());
        assert!(validate_deferral_reason(&"a".repeat(301)).is_err());
        assert_eq!(
            validate_deferral_reason(" asleep, intoxicated "),
            Ok("asleep, intoxicated")
        );
    }
}
