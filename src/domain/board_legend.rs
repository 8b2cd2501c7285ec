//! Every mark the board can show, and what it means: the one list the board renders its marks
//! from and the help screen's legend is generated from, so a mark cannot appear on the board
//! without an explanation (DESIGN.md, "Interface conventions": colour is never the only
//! carrier of meaning, so each mark is text, and text needs a key).

use crate::domain::booking_duties::Outstanding;
use crate::domain::flag::{FlagCode, Severity};

/// A mark on a board row or the line under the header that is not a flag code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoardMark {
    /// A medical emergency is open for this person (the row is at the top).
    Emergency,
    /// No custody sergeant has authorised detention and completed the risk assessment.
    RiskAssessmentOutstanding,
    /// No HCP has done the health screen and no sergeant has recorded why it cannot be done.
    HealthScreenOutstanding,
    /// The record has an allergy that counts (`domain::record::known::board_markers`).
    Allergy,
    /// Risk known from an earlier detention or another organisation, not yet reviewed here.
    Known,
    /// A PACE review of detention (s.40) due within the hour or overdue.
    Review,
    /// The PACE detention limit (s.41-44) due within the hour or passed.
    Limit,
    /// The next dose of a regular medicine.
    Medicine,
    /// The next NEWS2 observations.
    Observations,
    /// Waiting for an HCP someone asked for, counting up; overdue past its band.
    HcpWait,
    /// An HCP's timed re-assessment, counting down like a check.
    Reassess,
    /// NEWS2 observations are continuous: someone stays with the person.
    Continuous,
    /// Another person in custody has the same cell.
    SharedCell,
    /// An appropriate adult is needed (a flag or age under 18).
    AppropriateAdult,
    /// An appropriate adult was asked for and has not arrived, counting up (`domain::support`).
    AppropriateAdultWait,
    /// An interpreter was asked for and has not arrived, counting up.
    InterpreterWait,
    /// Ready to leave the suite.
    Out,
    /// Constant observation: no check time (the Next column).
    Constant,
    /// A countdown that has passed (`!-5m`).
    Overdue,
    /// The care plan must be reviewed after a custody decision or a closed emergency.
    PlanReview,
    /// The plan is below the level the rules suggest (the line under the header).
    BelowSuggested,
    /// More marks than fit: the record's Risk flags tab has them all.
    More,
}

impl BoardMark {
    /// Every mark, in the order the legend lists them.
    pub const ALL: [BoardMark; 22] = [
        BoardMark::Emergency,
        BoardMark::RiskAssessmentOutstanding,
        BoardMark::HealthScreenOutstanding,
        BoardMark::Overdue,
        BoardMark::Review,
        BoardMark::Limit,
        BoardMark::HcpWait,
        BoardMark::Reassess,
        BoardMark::AppropriateAdultWait,
        BoardMark::InterpreterWait,
        BoardMark::Medicine,
        BoardMark::Observations,
        BoardMark::Continuous,
        BoardMark::Allergy,
        BoardMark::Known,
        BoardMark::SharedCell,
        BoardMark::AppropriateAdult,
        BoardMark::Out,
        BoardMark::Constant,
        BoardMark::PlanReview,
        BoardMark::BelowSuggested,
        BoardMark::More,
    ];

    /// The row's mark for a booking duty not done.
    pub fn outstanding(owed: Outstanding) -> BoardMark {
        match owed {
            Outstanding::RiskAssessment => BoardMark::RiskAssessmentOutstanding,
            Outstanding::HealthScreen => BoardMark::HealthScreenOutstanding,
        }
    }

    /// The text the board shows (a countdown or codes may follow it).
    pub fn text(self) -> &'static str {
        match self {
            BoardMark::Emergency => "EMERGENCY",
            BoardMark::RiskAssessmentOutstanding => Outstanding::RiskAssessment.short(),
            BoardMark::HealthScreenOutstanding => Outstanding::HealthScreen.short(),
            BoardMark::Allergy => "ALLERGY",
            BoardMark::Known => "KNOWN",
            BoardMark::Review => "REVIEW",
            BoardMark::Limit => "LIMIT",
            BoardMark::Medicine => "MED",
            BoardMark::Observations => "OBS",
            BoardMark::HcpWait => "HCP WAIT",
            BoardMark::Reassess => "RE-ASSESS",
            BoardMark::Continuous => "cont",
            BoardMark::SharedCell => "SHARED",
            BoardMark::AppropriateAdult => "AA",
            BoardMark::AppropriateAdultWait => "AA WAIT",
            BoardMark::InterpreterWait => "INTERP WAIT",
            BoardMark::Out => "→OUT",
            BoardMark::Constant => "const",
            BoardMark::Overdue => "!-",
            BoardMark::PlanReview => "PLAN REVIEW",
            BoardMark::BelowSuggested => "BELOW SUGGESTED",
            BoardMark::More => "…",
        }
    }

    /// An example as the board shows it, for the legend's left column.
    pub fn example(self) -> &'static str {
        match self {
            BoardMark::Known => "KNOWN SH!",
            BoardMark::Review => "REVIEW 40m",
            BoardMark::Limit => "LIMIT !-5m",
            BoardMark::Medicine => "MED 20m",
            BoardMark::Observations => "OBS 40m",
            BoardMark::HcpWait => "HCP WAIT 1h05m",
            BoardMark::Reassess => "RE-ASSESS 40m",
            BoardMark::AppropriateAdultWait => "AA WAIT 45m",
            BoardMark::InterpreterWait => "INTERP WAIT 20m",
            BoardMark::Continuous => "OBS cont",
            BoardMark::Overdue => "!-1h12m",
            BoardMark::BelowSuggested => "BELOW SUGGESTED",
            other => other.text(),
        }
    }

    /// What the mark means. `{review}` stands for the key that reviews known information.
    pub fn meaning(self) -> &'static str {
        match self {
            BoardMark::Emergency => {
                "A medical emergency is open: on every terminal until closed with its outcome"
            }
            BoardMark::RiskAssessmentOutstanding => {
                "RISK ASSESSMENT OUTSTANDING: not yet authorised and risk-assessed by a sergeant"
            }
            BoardMark::HealthScreenOutstanding => {
                "HEALTH SCREEN OUTSTANDING: no HCP screen yet, and no reason recorded why not"
            }
            BoardMark::Allergy => "An allergy is recorded: the top line of the record says what",
            BoardMark::Known => {
                "Known from before or another suite, not yet reviewed here ({review} on the record)"
            }
            BoardMark::Review => {
                "PACE review (s.40) due within the hour; !- overdue: record it with why it is late"
            }
            BoardMark::Limit => {
                "PACE detention limit (s.41-44) within the hour; !- passed: charge or release"
            }
            BoardMark::Medicine => "Next dose of a regular medicine",
            BoardMark::Observations => "Next NEWS2 observations, shown from an hour before",
            BoardMark::HcpWait => {
                "Waiting for an HCP, counting up; overdue past its band (urgent, soon or routine)"
            }
            BoardMark::Reassess => {
                "The HCP's timed re-assessment, counting down; done at the HCP's next contact"
            }
            BoardMark::Continuous => {
                "NEWS2 observations are continuous: someone stays with the person"
            }
            BoardMark::SharedCell => {
                "Someone else in custody has the same cell (booked in with a recorded reason)"
            }
            BoardMark::AppropriateAdult => "An appropriate adult is needed (PACE Code C 1.4, 1.5)",
            BoardMark::AppropriateAdultWait => {
                "Appropriate adult asked to come, not here yet: how long the person has waited"
            }
            BoardMark::InterpreterWait => {
                "Interpreter asked to come, not here yet: how long the person has waited"
            }
            BoardMark::Out => "Ready to leave the suite",
            BoardMark::Constant => "Constant observation (level 3 or 4): no check time",
            BoardMark::Overdue => {
                "Overdue by that long: a check, dose, obs, PACE review or re-assessment"
            }
            BoardMark::PlanReview => {
                "Care plan review due after a custody decision or a closed emergency"
            }
            BoardMark::BelowSuggested => {
                "The plan is below the level the rules suggest (line under the header)"
            }
            BoardMark::More => "More than fits: the record's Risk flags tab has them all",
        }
    }
}

/// One line of the legend: what is shown, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    pub shown: String,
    pub meaning: String,
}

/// The board's legend, generated: the marks, the severity suffixes, then every flag code with
/// its description (`FlagCode::description`).
pub fn legend() -> Vec<LegendEntry> {
    let mut out: Vec<LegendEntry> = BoardMark::ALL
        .iter()
        .map(|m| LegendEntry {
            shown: m.example().to_string(),
            meaning: m.meaning().to_string(),
        })
        .collect();
    for s in Severity::ALL.into_iter().rev() {
        out.push(LegendEntry {
            shown: format!("SH{}", s.marker()),
            meaning: format!(
                "Severity after a flag code: {} ({})",
                if s.marker().is_empty() {
                    "no mark"
                } else {
                    s.marker()
                },
                s.label().to_lowercase()
            ),
        });
    }
    for code in FlagCode::ALL {
        out.push(LegendEntry {
            shown: code.code().to_string(),
            meaning: format!("Flag: {}", code.description()),
        });
    }
    out
}

/// Whether a word the board shows is explained by the legend: a flag code with any severity
/// suffix, a mark's text, or a countdown (`40m`, `!-1h12m`, `now`).
pub fn explains(word: &str) -> bool {
    let bare = word.trim_end_matches(['!', '+']);
    if FlagCode::ALL.iter().any(|c| c.code() == bare) {
        return true;
    }
    if BoardMark::ALL
        .iter()
        .any(|m| m.text() == word || m.text().split(' ').any(|w| w == word))
    {
        return true;
    }
    let countdown = word.strip_prefix(BoardMark::Overdue.text()).unwrap_or(word);
    countdown == "now"
        || (!countdown.is_empty()
            && countdown
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'h' || c == 'm')
            && countdown.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_code_and_mark_is_in_the_legend() {
        let legend = legend();
        for code in FlagCode::ALL {
            assert!(
                legend.iter().any(|e| e.shown == code.code()),
                "{code:?} missing"
            );
        }
        for mark in BoardMark::ALL {
            assert!(
                legend.iter().any(|e| e.shown.contains(mark.text())),
                "{mark:?} missing"
            );
        }
        assert!(legend.iter().any(|e| e.meaning.contains("alert")));
    }

    #[test]
    fn explains_codes_marks_and_countdowns_but_not_strangers() {
        for w in [
            "SH!!", "NEWS!", "LD+", "COMM+", "ALG", "REVIEW", "→OUT", "!-1h12m", "40m",
        ] {
            assert!(explains(w), "{w}");
        }
        for w in ["XYZ", "SH?", "m40"] {
            assert!(!explains(w), "{w}");
        }
    }
}
