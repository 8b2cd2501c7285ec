//! NEWS2 (Royal College of Physicians, 2017): seven parameters scored 0-3, both SpO2 scales,
//! air or oxygen, ACVPU consciousness; total, the single-parameter-3 trigger and the clinical
//! response band. Source: `reference/clinical-scores.md`, NEWS2.
//!
//! Temperature is taken in tenths of a degree so the band edges (35.0, 36.0, 38.0, 39.0) are
//! exact.

use super::OutOfRange;

/// Which SpO2 scale applies: scale 2 only for hypercapnic respiratory failure, on a
/// clinician's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpO2Scale {
    Scale1,
    Scale2,
}

/// ACVPU: alert, or new confusion, voice, pain, unresponsive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consciousness {
    Alert,
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}

/// One set of observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observations {
    pub respiration_rate: u32,
    pub spo2: u32,
    pub scale: SpO2Scale,
    pub on_oxygen: bool,
    pub systolic_bp: u32,
    pub pulse: u32,
    pub consciousness: Consciousness,
    /// Temperature in tenths of a degree Celsius (36.8 °C is 368).
    pub temperature_tenths: u32,
}

/// The clinical response the total (and the single-parameter trigger) calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Response {
    /// 0: routine monitoring, at least 12-hourly.
    Routine,
    /// 1-4: low; 4-6-hourly, registered nurse assesses.
    Low,
    /// 1-4 with a 3 in any single parameter: low-medium, urgent review.
    LowMedium,
    /// 5-6: medium, urgent response, at least hourly.
    Medium,
    /// 7 or more: high, emergency response, continuous monitoring.
    High,
}

/// When the next set of observations is due after one scored with `response`: RCP NEWS2
/// (2017), clinical response: 0 at least 12-hourly, 1-4 at least 4-6-hourly (the shorter is
/// used), a 3 in one parameter or 5-6 at least hourly, 7 or more continuously.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextObservations {
    At(chrono::DateTime<chrono::Utc>),
    Continuous,
}

pub fn next_observations(
    response: Response,
    taken_at: chrono::DateTime<chrono::Utc>,
) -> NextObservations {
    let hours = match response {
        Response::Routine => 12,
        Response::Low => 4,
        Response::LowMedium | Response::Medium => 1,
        Response::High => return NextObservations::Continuous,
    };
    NextObservations::At(taken_at + chrono::Duration::hours(hours))
}

impl Response {
    pub const ALL: [Response; 5] = [
        Response::Routine,
        Response::Low,
        Response::LowMedium,
        Response::Medium,
        Response::High,
    ];

    /// The response from its stored band name (the inverse of `scores::facts::news2_band`).
    pub fn from_band(band: &str) -> Option<Response> {
        Response::ALL
            .into_iter()
            .find(|r| super::facts::news2_band(*r) == band)
    }

    /// The band and what it calls for, short enough for a chart header.
    pub fn short_label(self) -> &'static str {
        match self {
            Response::Routine => "routine",
            Response::Low => "low",
            Response::LowMedium => "low-medium: urgent review",
            Response::Medium => "medium: urgent response",
            Response::High => "high: emergency response",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Response::Routine => "routine (at least 12-hourly)",
            Response::Low => "low (4-6-hourly; registered nurse to assess)",
            Response::LowMedium => "low-medium (a 3 in one parameter: urgent review)",
            Response::Medium => "medium (urgent response; at least hourly)",
            Response::High => "high (emergency response; continuous monitoring)",
        }
    }
}

/// Each parameter's score and the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct News2 {
    pub respiration: u8,
    pub spo2: u8,
    pub air_or_oxygen: u8,
    pub systolic: u8,
    pub pulse: u8,
    pub consciousness: u8,
    pub temperature: u8,
    pub total: u8,
    /// Any single parameter scored 3.
    pub single_parameter_3: bool,
    pub response: Response,
}

pub fn respiration_score(rate: u32) -> u8 {
    match rate {
        0..=8 => 3,
        9..=11 => 1,
        12..=20 => 0,
        21..=24 => 2,
        _ => 3,
    }
}

pub fn spo2_score(spo2: u32, scale: SpO2Scale, on_oxygen: bool) -> u8 {
    match scale {
        SpO2Scale::Scale1 => match spo2 {
            0..=91 => 3,
            92..=93 => 2,
            94..=95 => 1,
            _ => 0,
        },
        SpO2Scale::Scale2 => match (spo2, on_oxygen) {
            (0..=83, _) => 3,
            (84..=85, _) => 2,
            (86..=87, _) => 1,
            (88..=92, _) => 0,
            (_, false) => 0,
            (93..=94, true) => 1,
            (95..=96, true) => 2,
            (_, true) => 3,
        },
    }
}

pub fn systolic_score(bp: u32) -> u8 {
    match bp {
        0..=90 => 3,
        91..=100 => 2,
        101..=110 => 1,
        111..=219 => 0,
        _ => 3,
    }
}

pub fn pulse_score(pulse: u32) -> u8 {
    match pulse {
        0..=40 => 3,
        41..=50 => 1,
        51..=90 => 0,
        91..=110 => 1,
        111..=130 => 2,
        _ => 3,
    }
}

pub fn temperature_score(tenths: u32) -> u8 {
    match tenths {
        0..=350 => 3,
        351..=360 => 1,
        361..=380 => 0,
        381..=390 => 1,
        _ => 2,
    }
}

pub fn consciousness_score(c: Consciousness) -> u8 {
    match c {
        Consciousness::Alert => 0,
        _ => 3,
    }
}

/// Scores one set of observations.
pub fn score(o: &Observations) -> News2 {
    let parts = [
        respiration_score(o.respiration_rate),
        spo2_score(o.spo2, o.scale, o.on_oxygen),
        if o.on_oxygen { 2 } else { 0 },
        systolic_score(o.systolic_bp),
        pulse_score(o.pulse),
        consciousness_score(o.consciousness),
        temperature_score(o.temperature_tenths),
    ];
    let total: u8 = parts.iter().sum();
    let single_parameter_3 = parts.contains(&3);
    let response = match total {
        0 => Response::Routine,
        1..=4 if single_parameter_3 => Response::LowMedium,
        1..=4 => Response::Low,
        5..=6 => Response::Medium,
        _ => Response::High,
    };
    News2 {
        respiration: parts[0],
        spo2: parts[1],
        air_or_oxygen: parts[2],
        systolic: parts[3],
        pulse: parts[4],
        consciousness: parts[5],
        temperature: parts[6],
        total,
        single_parameter_3,
        response,
    }
}

/// Whether a value is possible but unusual enough to ask the person to confirm it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plausibility {
    Ordinary,
    /// Possible but unusual: ask to confirm, naming why.
    Unusual(String),
}

/// The possible range of one vital sign (outside it the value is refused, naming the range)
/// and its usual range (outside it the value is possible but must be confirmed). One table,
/// read by [`validate`] and by the NEWS2 entry sheet, so the screen and the store cannot
/// disagree. Temperature is in tenths of a degree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VitalRange {
    pub item: &'static str,
    pub unit: &'static str,
    pub min: u32,
    pub max: u32,
    pub usual_min: u32,
    pub usual_max: u32,
    /// Why a value outside the usual range is questioned.
    pub unusual: &'static str,
}

pub const RESPIRATION_RANGE: VitalRange = VitalRange {
    item: "Respiration rate",
    unit: " per minute",
    min: 0,
    max: 80,
    usual_min: 6,
    usual_max: 40,
    unusual: "respiration rate below 6 or above 40",
};
pub const SPO2_RANGE: VitalRange = VitalRange {
    item: "SpO2",
    unit: "%",
    min: 40,
    max: 100,
    usual_min: 70,
    usual_max: 100,
    unusual: "SpO2 below 70%",
};
pub const SYSTOLIC_RANGE: VitalRange = VitalRange {
    item: "Systolic blood pressure",
    unit: " mmHg",
    min: 40,
    max: 300,
    usual_min: 70,
    usual_max: 240,
    unusual: "systolic pressure below 70 or above 240",
};
pub const PULSE_RANGE: VitalRange = VitalRange {
    item: "Pulse",
    unit: " per minute",
    min: 20,
    max: 250,
    usual_min: 35,
    usual_max: 180,
    unusual: "pulse below 35 or above 180",
};
/// In tenths of a degree Celsius.
pub const TEMPERATURE_RANGE: VitalRange = VitalRange {
    item: "Temperature",
    unit: " °C",
    min: 250,
    max: 450,
    usual_min: 320,
    usual_max: 420,
    unusual: "temperature below 32 or above 42 °C",
};

/// Refuses impossible vital signs (pulse 400, SpO2 120, temperature 50 °C) naming the valid
/// range, and flags unusual-but-possible ones for confirmation.
pub fn validate(o: &Observations) -> Result<Vec<Plausibility>, OutOfRange> {
    fn tenths(v: u32) -> String {
        format!("{}.{}", v / 10, v % 10)
    }
    let readings = [
        (RESPIRATION_RANGE, o.respiration_rate),
        (SPO2_RANGE, o.spo2),
        (SYSTOLIC_RANGE, o.systolic_bp),
        (PULSE_RANGE, o.pulse),
        (TEMPERATURE_RANGE, o.temperature_tenths),
    ];
    let mut unusual = Vec::new();
    for (range, v) in readings {
        let shown = |x: u32| {
            if range.item == TEMPERATURE_RANGE.item {
                tenths(x)
            } else {
                x.to_string()
            }
        };
        if !(range.min..=range.max).contains(&v) {
            return Err(OutOfRange {
                item: range.item,
                range: format!(
                    "between {} and {}{}",
                    shown(range.min),
                    shown(range.max),
                    range.unit
                ),
                given: format!("{}{}", shown(v), range.unit),
            });
        }
        if !(range.usual_min..=range.usual_max).contains(&v) {
            unusual.push(Plausibility::Unusual(range.unusual.to_string()));
        }
    }
    Ok(unusual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_observations_follow_the_clinical_response() {
        use chrono::TimeZone;
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 14, 0, 0)
            .unwrap();
        let at = |h| NextObservations::At(t + chrono::Duration::hours(h));
        assert_eq!(next_observations(Response::Routine, t), at(12));
        assert_eq!(next_observations(Response::Low, t), at(4));
        assert_eq!(next_observations(Response::LowMedium, t), at(1));
        assert_eq!(next_observations(Response::Medium, t), at(1));
        assert_eq!(
            next_observations(Response::High, t),
            NextObservations::Continuous
        );
        for r in Response::ALL {
            assert_eq!(
                Response::from_band(crate::domain::scores::facts::news2_band(r)),
                Some(r)
            );
        }
    }
    use proptest::prelude::*;

    fn normal() -> Observations {
        Observations {
            respiration_rate: 16,
            spo2: 98,
            scale: SpO2Scale::Scale1,
            on_oxygen: false,
            systolic_bp: 125,
            pulse: 72,
            consciousness: Consciousness::Alert,
            temperature_tenths: 368,
        }
    }

    #[test]
    fn every_respiration_boundary() {
        for (rate, s) in [
            (8, 3),
            (9, 1),
            (11, 1),
            (12, 0),
            (20, 0),
            (21, 2),
            (24, 2),
            (25, 3),
        ] {
            assert_eq!(respiration_score(rate), s, "RR {rate}");
        }
    }

    #[test]
    fn every_scale_1_boundary() {
        for (v, s) in [
            (91, 3),
            (92, 2),
            (93, 2),
            (94, 1),
            (95, 1),
            (96, 0),
            (100, 0),
        ] {
            assert_eq!(spo2_score(v, SpO2Scale::Scale1, false), s, "SpO2 {v}");
        }
    }

    #[test]
    fn every_scale_2_boundary_on_air_and_oxygen() {
        for (v, o2, s) in [
            (83, false, 3),
            (84, false, 2),
            (85, true, 2),
            (86, false, 1),
            (87, true, 1),
            (88, false, 0),
            (92, true, 0),
            (93, false, 0),
            (97, false, 0),
            (93, true, 1),
            (94, true, 1),
            (95, true, 2),
            (96, true, 2),
            (97, true, 3),
            (100, true, 3),
        ] {
            assert_eq!(
                spo2_score(v, SpO2Scale::Scale2, o2),
                s,
                "SpO2 {v} oxygen {o2}"
            );
        }
    }

    #[test]
    fn every_bp_pulse_temperature_boundary() {
        for (v, s) in [
            (90, 3),
            (91, 2),
            (100, 2),
            (101, 1),
            (110, 1),
            (111, 0),
            (219, 0),
            (220, 3),
        ] {
            assert_eq!(systolic_score(v), s, "BP {v}");
        }
        for (v, s) in [
            (40, 3),
            (41, 1),
            (50, 1),
            (51, 0),
            (90, 0),
            (91, 1),
            (110, 1),
            (111, 2),
            (130, 2),
            (131, 3),
        ] {
            assert_eq!(pulse_score(v), s, "pulse {v}");
        }
        for (v, s) in [
            (350, 3),
            (351, 1),
            (360, 1),
            (361, 0),
            (380, 0),
            (381, 1),
            (390, 1),
            (391, 2),
        ] {
            assert_eq!(temperature_score(v), s, "temp {v}");
        }
    }

    #[test]
    fn responses_and_the_single_parameter_trigger() {
        assert_eq!(score(&normal()).total, 0);
        assert_eq!(score(&normal()).response, Response::Routine);
        let low = Observations {
            pulse: 95,
            ..normal()
        };
        assert_eq!(
            (score(&low).total, score(&low).response),
            (1, Response::Low)
        );
        let new_confusion = Observations {
            consciousness: Consciousness::NewConfusion,
            ..normal()
        };
        let r = score(&new_confusion);
        assert_eq!(
            (r.total, r.single_parameter_3, r.response),
            (3, true, Response::LowMedium)
        );
        let medium = Observations {
            respiration_rate: 22,
            pulse: 115,
            temperature_tenths: 385,
            ..normal()
        };
        assert_eq!(
            (score(&medium).total, score(&medium).response),
            (5, Response::Medium)
        );
        let oxygen = Observations {
            on_oxygen: true,
            spo2: 94,
            respiration_rate: 22,
            pulse: 115,
            ..normal()
        };
        let r = score(&oxygen);
        assert_eq!(r.air_or_oxygen, 2);
        assert_eq!((r.total, r.response), (7, Response::High));
        // Scale 2 on oxygen, worked through every parameter.
        let copd = Observations {
            respiration_rate: 26,
            spo2: 95,
            scale: SpO2Scale::Scale2,
            on_oxygen: true,
            systolic_bp: 105,
            pulse: 112,
            consciousness: Consciousness::Alert,
            temperature_tenths: 383,
        };
        let r = score(&copd);
        assert_eq!(
            [
                r.respiration,
                r.spo2,
                r.air_or_oxygen,
                r.systolic,
                r.pulse,
                r.consciousness,
                r.temperature
            ],
            [3, 2, 2, 1, 2, 0, 1]
        );
        assert_eq!((r.total, r.response), (11, Response::High));
    }

    #[test]
    fn impossible_vitals_are_refused_naming_the_range() {
        let e = validate(&Observations {
            pulse: 400,
            ..normal()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Pulse must be between 20 and 250 per minute; 400 per minute is not"
        );
        let e = validate(&Observations {
            spo2: 120,
            ..normal()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "SpO2 must be between 40 and 100%; 120% is not"
        );
        let e = validate(&Observations {
            temperature_tenths: 500,
            ..normal()
        })
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Temperature must be between 25.0 and 45.0 °C; 50.0 °C is not"
        );
        assert_eq!(validate(&normal()).unwrap(), vec![]);
        let unusual = validate(&Observations {
            pulse: 190,
            ..normal()
        })
        .unwrap();
        assert_eq!(unusual.len(), 1);
    }

    proptest! {
        #[test]
        fn total_stays_within_0_to_20(
            rr in 0u32..=80, spo2 in 40u32..=100, scale2 in any::<bool>(), o2 in any::<bool>(),
            bp in 40u32..=300, pulse in 20u32..=250, c in 0usize..5, t in 250u32..=450,
        ) {
            let o = Observations {
                respiration_rate: rr, spo2,
                scale: if scale2 { SpO2Scale::Scale2 } else { SpO2Scale::Scale1 },
                on_oxygen: o2, systolic_bp: bp, pulse,
                consciousness: [Consciousness::Alert, Consciousness::NewConfusion, Consciousness::Voice, Consciousness::Pain, Consciousness::Unresponsive][c],
                temperature_tenths: t,
            };
            let r = score(&o);
            prop_assert!(r.total <= 20);
            prop_assert_eq!(r.single_parameter_3, [r.respiration, r.spo2, r.systolic, r.pulse, r.consciousness, r.temperature].contains(&3));
            if r.total >= 7 { prop_assert_eq!(r.response, Response::High); }
        }
    }
}
