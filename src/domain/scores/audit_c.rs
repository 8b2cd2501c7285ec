//! AUDIT-C (UK units): three questions scored 0-4, total 0-12, positive at 5 or more (go on to
//! the full AUDIT). Source: `reference/clinical-scores.md`, AUDIT-C (UK units).

use super::{OutOfRange, check_range};

/// The three answers, each 0-4 as the published answer options score them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditC {
    pub frequency: u8,
    pub typical_units: u8,
    pub heavy_episodes: u8,
}

/// The result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditCResult {
    pub total: u8,
    /// 5 or more: go on to the full AUDIT.
    pub positive: bool,
}

/// The score at or above which AUDIT-C is positive.
pub const POSITIVE_FROM: u8 = 5;

impl AuditC {
    /// Checks each answer is a published option score (0-4).
    pub fn new(
        frequency: i32,
        typical_units: i32,
        heavy_episodes: i32,
    ) -> Result<AuditC, OutOfRange> {
        Ok(AuditC {
            frequency: check_range("AUDIT-C question 1 (how often)", frequency, 0, 4)?,
            typical_units: check_range(
                "AUDIT-C question 2 (units on a typical day)",
                typical_units,
                0,
                4,
            )?,
            heavy_episodes: check_range(
                "AUDIT-C question 3 (6 or 8+ units on one occasion)",
                heavy_episodes,
                0,
                4,
            )?,
        })
    }

    pub fn score(&self) -> AuditCResult {
        let total = self.frequency + self.typical_units + self.heavy_episodes;
        AuditCResult {
            total,
            positive: total >= POSITIVE_FROM,
        }
    }
}

/// Question 2's option score from a number of units on a typical drinking day
/// (1-2: 0, 3-4: 1, 5-6: 2, 7-9: 3, 10+: 4).
pub fn typical_units_score(units: u32) -> u8 {
    match units {
        0..=2 => 0,
        3..=4 => 1,
        5..=6 => 2,
        7..=9 => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positive_from_five() {
        for (q, total, positive) in [
            ((0, 0, 0), 0, false),
            ((2, 1, 1), 4, false),
            ((2, 2, 1), 5, true),
            ((4, 4, 4), 12, true),
        ] {
            let r = AuditC::new(q.0, q.1, q.2).unwrap().score();
            assert_eq!((r.total, r.positive), (total, positive), "{q:?}");
        }
    }

    #[test]
    fn out_of_range_answers_are_named() {
        let err = AuditC::new(5, 0, 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AUDIT-C question 1 (how often) must be 0 to 4; 5 is not"
        );
        assert!(AuditC::new(0, -1, 0).is_err());
    }

    #[test]
    fn unit_bands() {
        for (units, score) in [
            (1, 0),
            (2, 0),
            (3, 1),
            (4, 1),
            (5, 2),
            (6, 2),
            (7, 3),
            (9, 3),
            (10, 4),
            (30, 4),
        ] {
            assert_eq!(typical_units_score(units), score, "{units} units");
        }
    }

    proptest! {
        #[test]
        fn total_stays_in_published_range(a in 0..=4i32, b in 0..=4i32, c in 0..=4i32) {
            let r = AuditC::new(a, b, c).unwrap().score();
            prop_assert!(r.total <= 12);
            prop_assert_eq!(r.positive, r.total >= 5);
        }
    }
}
