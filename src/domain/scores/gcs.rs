//! Glasgow Coma Scale (2014 terms): eyes 1-4, verbal 1-5, motor 1-6, total 3-15. Record the
//! three parts, not only the total; "not testable" is a valid entry for a part, and then no
//! total is given. Source: `reference/clinical-scores.md`, Glasgow Coma Scale.

use super::{OutOfRange, check_range};

/// One part: a score, or not testable (e.g. eyes swollen shut, intubated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Score(u8),
    NotTestable,
}

/// The three parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcs {
    pub eyes: Part,
    pub verbal: Part,
    pub motor: Part,
}

fn part(item: &'static str, value: Option<i32>, hi: i32) -> Result<Part, OutOfRange> {
    match value {
        None => Ok(Part::NotTestable),
        Some(v) => check_range(item, v, 1, hi).map(Part::Score),
    }
}

impl Gcs {
    /// `None` for a part means not testable.
    pub fn new(
        eyes: Option<i32>,
        verbal: Option<i32>,
        motor: Option<i32>,
    ) -> Result<Gcs, OutOfRange> {
        Ok(Gcs {
            eyes: part("GCS eyes", eyes, 4)?,
            verbal: part("GCS verbal", verbal, 5)?,
            motor: part("GCS motor", motor, 6)?,
        })
    }

    /// The total 3-15, or `None` when a part was not testable.
    pub fn total(&self) -> Option<u8> {
        match (self.eyes, self.verbal, self.motor) {
            (Part::Score(e), Part::Score(v), Part::Score(m)) => Some(e + v + m),
            _ => None,
        }
    }

    /// The record form, e.g. `E4 V5 M6 = 15` or `E4 VNT M6`.
    pub fn notation(&self) -> String {
        let p = |letter: &str, part: Part| match part {
            Part::Score(s) => format!("{letter}{s}"),
            Part::NotTestable => format!("{letter}NT"),
        };
        let parts = format!(
            "{} {} {}",
            p("E", self.eyes),
            p("V", self.verbal),
            p("M", self.motor)
        );
        match self.total() {
            Some(t) => format!("{parts} = {t}"),
            None => parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn totals_and_notation() {
        let full = Gcs::new(Some(4), Some(5), Some(6)).unwrap();
        assert_eq!(full.total(), Some(15));
        assert_eq!(full.notation(), "E4 V5 M6 = 15");
        let lowest = Gcs::new(Some(1), Some(1), Some(1)).unwrap();
        assert_eq!(lowest.total(), Some(3));
        let intoxicated = Gcs::new(Some(4), Some(4), Some(6)).unwrap();
        assert_eq!(intoxicated.notation(), "E4 V4 M6 = 14");
        let nt = Gcs::new(Some(4), None, Some(6)).unwrap();
        assert_eq!(nt.total(), None);
        assert_eq!(nt.notation(), "E4 VNT M6");
    }

    #[test]
    fn parts_out_of_range_are_refused_with_the_range() {
        assert_eq!(
            Gcs::new(Some(5), Some(5), Some(6)).unwrap_err().to_string(),
            "GCS eyes must be 1 to 4; 5 is not"
        );
        assert!(Gcs::new(Some(4), Some(0), Some(6)).is_err());
        assert!(Gcs::new(Some(4), Some(5), Some(7)).is_err());
    }

    proptest! {
        #[test]
        fn total_is_3_to_15(e in 1..=4i32, v in 1..=5i32, m in 1..=6i32) {
            let t = Gcs::new(Some(e), Some(v), Some(m)).unwrap().total().unwrap();
            prop_assert!((3..=15).contains(&t));
        }
    }
}
