//! CIWA-Ar (alcohol withdrawal): nine items scored 0-7 and orientation 0-4, total 0-67.
//! Bands differ by source, so the band set is data with its citation, chosen by a rule, and
//! every result says which source its band comes from. Source: `reference/clinical-scores.md`,
//! CIWA-Ar (Sullivan 1989 as commonly cited; ASAM 2020).

use super::{OutOfRange, check_range};

/// The ten items in published order.
pub const ITEMS: [&str; 10] = [
    "nausea and vomiting",
    "tremor",
    "paroxysmal sweats",
    "anxiety",
    "agitation",
    "tactile disturbances",
    "auditory disturbances",
    "visual disturbances",
    "headache, fullness in head",
    "orientation and clouding of sensorium",
];

/// One CIWA-Ar assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ciwa {
    pub items: [u8; 10],
    /// Seizures, delirium or hallucinations: ASAM's "complicated" withdrawal.
    pub complicating_features: bool,
}

impl Ciwa {
    /// Checks each item against its published range (0-7; orientation 0-4).
    pub fn new(items: [i32; 10], complicating_features: bool) -> Result<Ciwa, OutOfRange> {
        let mut out = [0u8; 10];
        for (i, value) in items.into_iter().enumerate() {
            let hi = if i == 9 { 4 } else { 7 };
            out[i] = check_range(ITEMS[i], value, 0, hi)?;
        }
        Ok(Ciwa {
            items: out,
            complicating_features,
        })
    }

    pub fn total(&self) -> u8 {
        self.items.iter().sum()
    }
}

/// How severe, on the scale of the chosen source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Minimal,
    Mild,
    Moderate,
    Severe,
    /// ASAM: seizures, delirium or hallucinations, whatever the total.
    Complicated,
}

/// A cited set of bands: `(highest total in the band, severity)`, ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandSet {
    pub name: &'static str,
    pub source: &'static str,
    pub bands: &'static [(u8, Severity)],
    pub honours_complicating_features: bool,
}

/// After Sullivan 1989 as commonly cited: <8 minimal, 8-15 moderate, >15 severe.
pub const SULLIVAN_1989: BandSet = BandSet {
    name: "sullivan_1989",
    source: "Sullivan JT et al. 1989, Br J Addict 84:1353 (bands as commonly cited)",
    bands: &[
        (7, Severity::Minimal),
        (15, Severity::Moderate),
        (67, Severity::Severe),
    ],
    honours_complicating_features: false,
};

/// ASAM 2020: <10 mild, 10-18 moderate, >=19 severe; complicated with seizures, delirium or
/// hallucinations.
pub const ASAM_2020: BandSet = BandSet {
    name: "asam_2020",
    source: "ASAM Clinical Practice Guideline on Alcohol Withdrawal Management, 2020",
    bands: &[
        (9, Severity::Mild),
        (18, Severity::Moderate),
        (67, Severity::Severe),
    ],
    honours_complicating_features: true,
};

/// Every band set a rule may name.
pub const BAND_SETS: [BandSet; 2] = [SULLIVAN_1989, ASAM_2020];

pub fn band_set(name: &str) -> Option<BandSet> {
    BAND_SETS.into_iter().find(|b| b.name == name)
}

const SUITE_BANDS_FILE: &str = "schema/rules/ciwa_bands.toml";
const SUITE_BANDS_TEXT: &str = include_str!("../../../schema/rules/ciwa_bands.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteBands {
    band_set: String,
    source: String,
}

/// Reads a band-set rule: which bands, and where the choice comes from.
pub fn parse_band_rule(file: &str, text: &str) -> Result<BandSet, String> {
    let rule: SuiteBands = toml::from_str(text).map_err(|e| format!("{file}: {}", e.message()))?;
    if rule.source.trim().is_empty() {
        return Err(format!("{file}: the band set needs its `source`."));
    }
    band_set(&rule.band_set).ok_or_else(|| {
        format!(
            "{file}: `{}` is not a CIWA-Ar band set; use one of {}.",
            rule.band_set,
            BAND_SETS.map(|b| b.name).join(", ")
        )
    })
}

/// The bands this suite scores CIWA-Ar against (`schema/rules/ciwa_bands.toml`).
pub fn suite_band_set() -> Result<BandSet, String> {
    parse_band_rule(SUITE_BANDS_FILE, SUITE_BANDS_TEXT)
}

/// A scored assessment with its band and where the band comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CiwaResult {
    pub total: u8,
    pub severity: Severity,
    pub band_source: &'static str,
}

pub fn score(ciwa: &Ciwa, bands: &BandSet) -> CiwaResult {
    let total = ciwa.total();
    let severity = if bands.honours_complicating_features && ciwa.complicating_features {
        Severity::Complicated
    } else {
        bands
            .bands
            .iter()
            .find(|(hi, _)| total <= *hi)
            .map(|(_, s)| *s)
            .unwrap_or(Severity::Severe)
    };
    CiwaResult {
        total,
        severity,
        band_source: bands.source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suite_band_set_is_a_cited_rule_and_a_bad_one_is_named() {
        assert_eq!(suite_band_set(), Ok(ASAM_2020));
        assert_eq!(
            parse_band_rule(
                "x.toml",
                "band_set = \"sullivan_1989\"\nsource = \"local policy\"\n"
            ),
            Ok(SULLIVAN_1989)
        );
        assert_eq!(
            parse_band_rule("x.toml", "band_set = \"nice\"\nsource = \"s\"\n"),
            Err(
                "x.toml: `nice` is not a CIWA-Ar band set; use one of sullivan_1989, asam_2020."
                    .into()
            )
        );
        assert_eq!(
            parse_band_rule("x.toml", "band_set = \"asam_2020\"\nsource = \" \"\n"),
            Err("x.toml: the band set needs its `source`.".into())
        );
    }
    use proptest::prelude::*;

    fn with_total(total: i32) -> Ciwa {
        // Spread the total over the items within their ranges.
        let mut items = [0i32; 10];
        let mut left = total;
        for (i, item) in items.iter_mut().enumerate() {
            let hi = if i == 9 { 4 } else { 7 };
            *item = left.min(hi);
            left -= *item;
        }
        Ciwa::new(items, false).unwrap()
    }

    #[test]
    fn sullivan_boundaries() {
        for (t, s) in [
            (0, Severity::Minimal),
            (7, Severity::Minimal),
            (8, Severity::Moderate),
            (15, Severity::Moderate),
            (16, Severity::Severe),
            (67, Severity::Severe),
        ] {
            assert_eq!(
                score(&with_total(t), &SULLIVAN_1989).severity,
                s,
                "total {t}"
            );
        }
    }

    #[test]
    fn asam_boundaries_and_complicated() {
        for (t, s) in [
            (0, Severity::Mild),
            (9, Severity::Mild),
            (10, Severity::Moderate),
            (18, Severity::Moderate),
            (19, Severity::Severe),
        ] {
            assert_eq!(score(&with_total(t), &ASAM_2020).severity, s, "total {t}");
        }
        let mut c = with_total(4);
        c.complicating_features = true;
        assert_eq!(score(&c, &ASAM_2020).severity, Severity::Complicated);
        assert_eq!(score(&c, &SULLIVAN_1989).severity, Severity::Minimal);
        assert!(score(&c, &ASAM_2020).band_source.contains("ASAM"));
    }

    #[test]
    fn item_ranges_are_enforced_by_name() {
        let mut items = [0; 10];
        items[9] = 5;
        assert_eq!(
            Ciwa::new(items, false).unwrap_err().to_string(),
            "orientation and clouding of sensorium must be 0 to 4; 5 is not"
        );
        items[9] = 0;
        items[1] = 8;
        assert!(Ciwa::new(items, false).is_err());
        assert_eq!(band_set("asam_2020"), Some(ASAM_2020));
        assert_eq!(band_set("nope"), None);
    }

    proptest! {
        #[test]
        fn total_within_0_to_67(items in proptest::array::uniform9(0i32..=7), orientation in 0i32..=4) {
            let mut all = [0i32; 10];
            all[..9].copy_from_slice(&items);
            all[9] = orientation;
            let t = Ciwa::new(all, false).unwrap().total();
            prop_assert!(t <= 67);
        }
    }
}
