//! COWS, the Clinical Opiate Withdrawal Scale (Wesson & Ling 2003): eleven items, each with
//! its own allowed scores; total 0-48. Bands: 5-12 mild, 13-24 moderate, 25-36 moderately
//! severe, more than 36 severe. Source: `reference/clinical-scores.md`, COWS.

use super::OutOfRange;

/// Each item with the scores the published form allows.
pub const ITEMS: [(&str, &[u8]); 11] = [
    ("resting pulse", &[0, 1, 2, 4]),
    ("sweating", &[0, 1, 2, 3, 4]),
    ("restlessness", &[0, 1, 3, 5]),
    ("pupil size", &[0, 1, 2, 5]),
    ("bone or joint aches", &[0, 1, 2, 4]),
    ("runny nose or tearing", &[0, 1, 2, 4]),
    ("GI upset", &[0, 1, 2, 3, 5]),
    ("tremor", &[0, 1, 2, 4]),
    ("yawning", &[0, 1, 2, 4]),
    ("anxiety or irritability", &[0, 1, 2, 4]),
    ("gooseflesh skin", &[0, 3, 5]),
];

/// The resting-pulse item's score from a pulse rate: 0 (<=80), 1 (81-100), 2 (101-120), 4 (>120).
pub fn pulse_item(pulse: u32) -> u8 {
    match pulse {
        0..=80 => 0,
        81..=100 => 1,
        101..=120 => 2,
        _ => 4,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// Below 5: under the published mild band.
    BelowMild,
    Mild,
    Moderate,
    ModeratelySevere,
    Severe,
}

impl Band {
    pub fn label(self) -> &'static str {
        match self {
            Band::BelowMild => "below the mild band (0-4)",
            Band::Mild => "mild (5-12)",
            Band::Moderate => "moderate (13-24)",
            Band::ModeratelySevere => "moderately severe (25-36)",
            Band::Severe => "severe (more than 36)",
        }
    }
}

pub fn band(total: u8) -> Band {
    match total {
        0..=4 => Band::BelowMild,
        5..=12 => Band::Mild,
        13..=24 => Band::Moderate,
        25..=36 => Band::ModeratelySevere,
        _ => Band::Severe,
    }
}

/// One assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cows {
    pub items: [u8; 11],
}

impl Cows {
    /// Checks each item's score is one the form allows, naming the allowed scores if not.
    pub fn new(items: [u8; 11]) -> Result<Cows, OutOfRange> {
        for (value, (name, allowed)) in items.iter().zip(ITEMS) {
            if !allowed.contains(value) {
                return Err(OutOfRange {
                    item: name,
                    range: format!(
                        "one of {}",
                        allowed
                            .iter()
                            .map(u8::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    given: value.to_string(),
                });
            }
        }
        Ok(Cows { items })
    }

    pub fn total(&self) -> u8 {
        self.items.iter().sum()
    }

    pub fn band(&self) -> Band {
        band(self.total())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_band_boundary() {
        for (t, b) in [
            (0, Band::BelowMild),
            (4, Band::BelowMild),
            (5, Band::Mild),
            (12, Band::Mild),
            (13, Band::Moderate),
            (24, Band::Moderate),
            (25, Band::ModeratelySevere),
            (36, Band::ModeratelySevere),
            (37, Band::Severe),
            (48, Band::Severe),
        ] {
            assert_eq!(band(t), b, "total {t}");
        }
    }

    #[test]
    fn maximum_is_48_and_pulse_item_bands() {
        let max: [u8; 11] = ITEMS.map(|(_, allowed)| *allowed.iter().max().unwrap());
        assert_eq!(Cows::new(max).unwrap().total(), 48);
        for (p, s) in [(80, 0), (81, 1), (100, 1), (101, 2), (120, 2), (121, 4)] {
            assert_eq!(pulse_item(p), s, "pulse {p}");
        }
    }

    #[test]
    fn scores_the_form_does_not_offer_are_refused() {
        let mut items = [0u8; 11];
        items[2] = 2; // restlessness offers 0, 1, 3, 5
        assert_eq!(
            Cows::new(items).unwrap_err().to_string(),
            "restlessness must be one of 0, 1, 3, 5; 2 is not"
        );
    }

    proptest! {
        #[test]
        fn total_within_0_to_48(choices in proptest::array::uniform11(0usize..5)) {
            let items: [u8; 11] = std::array::from_fn(|i| {
                let allowed = ITEMS[i].1;
                allowed[choices[i] % allowed.len()]
            });
            let c = Cows::new(items).unwrap();
            prop_assert!(c.total() <= 48);
            prop_assert_eq!(c.band(), band(c.total()));
        }
    }
}
