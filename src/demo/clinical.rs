//! The demo's clinical record of the people in custody now: the medicines they brought and the
//! doses given or refused, and their NEWS2, GCS, CIWA-Ar, COWS and AUDIT-C series, each
//! recorded through the store's own paths so the score rules raise their flags.

use chrono::{DateTime, Duration, Utc};

use crate::domain::scores::news2;
use crate::domain::scores::{audit_c, ciwa, cows, facts, gcs};
use crate::store::StoreError;
use crate::store::clinical::{
    DoseOutcome, NewMedication, NewScore, ScoreKind, insert_medication, record_score_in,
};

/// Records the clinical history of `surname`, in custody as `detention_id`: their medicines
/// (recorded at `recorded`) with the doses since, and their scores.
pub(super) fn record(
    tx: &rusqlite::Connection,
    surname: &str,
    detention_id: i64,
    recorded: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for m in MEDICINES.iter().filter(|m| m.surname == surname) {
        let medication_id = insert_medication(
            tx,
            detention_id,
            &NewMedication {
                name: m.name.into(),
                dose: m.dose.into(),
                route: m.route.into(),
                frequency: m.frequency.into(),
                last_taken_at: Some(now - Duration::minutes(m.last_taken_minutes_ago)),
                reason: m.reason.into(),
                verified_with: m.verified_with.into(),
                origin: "brought".into(),
            },
            "hcp",
            recorded,
        )?;
        // Doses given or refused in custody: the administration record.
        for (_, _, minutes_ago, outcome, reason) in
            DOSES.iter().filter(|d| d.0 == surname && d.1 == m.name)
        {
            crate::store::clinical::insert_administration(
                tx,
                medication_id,
                *outcome,
                reason,
                now - Duration::minutes(*minutes_ago),
                "hcp",
            )?;
        }
        super::booking::supervised(tx, surname, m.name, medication_id, recorded, now)?;
    }
    for (minutes_ago, rr, spo2, bp, pulse, temp, confused) in
        NEWS2_SERIES.iter().filter(|n| n.0 == surname).map(|n| n.1)
    {
        let o = news2::Observations {
            respiration_rate: rr,
            spo2,
            scale: news2::SpO2Scale::Scale1,
            on_oxygen: false,
            systolic_bp: bp,
            pulse,
            consciousness: if confused {
                news2::Consciousness::NewConfusion
            } else {
                news2::Consciousness::Alert
            },
            temperature_tenths: temp,
        };
        let r = news2::score(&o);
        // Through the score rules, as the entry sheet records it: O'Brien's latest (new
        // confusion after a head injury) raises a NEWS alert and suggests level 4.
        demo_score(
            tx,
            detention_id,
            ScoreKind::News2,
            crate::store::clinical::news2_inputs(&o),
            Some(i64::from(r.total)),
            facts::news2_band(r.response),
            &facts::news2(&o, &r),
            now - Duration::minutes(minutes_ago),
        )?;
    }
    demo_scores(tx, surname, detention_id, now)
}

/// Records one demo score as the HCP did, through the store's score path, so the score rules
/// raise their flags (a WD warning for Bennett's moderate COWS).
#[allow(clippy::too_many_arguments)]
fn demo_score(
    tx: &rusqlite::Connection,
    detention_id: i64,
    kind: ScoreKind,
    inputs: serde_json::Value,
    total: Option<i64>,
    band: &str,
    facts: &crate::domain::rules::FactSet,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let score = NewScore {
        detention_id,
        kind,
        inputs: &inputs,
        total,
        band,
        facts,
    };
    record_score_in(tx, &score, "hcp", at).map(|_| ())
}

/// The GCS, CIWA-Ar, COWS and AUDIT-C series of one person in custody.
fn demo_scores(
    tx: &rusqlite::Connection,
    surname: &str,
    detention_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let invalid = |e: crate::domain::scores::OutOfRange| StoreError::Invalid(e.to_string());
    for (_, ago, e, v, m) in GCS_SERIES.iter().filter(|g| g.0 == surname) {
        let g = gcs::Gcs::new(Some(*e), Some(*v), Some(*m)).map_err(invalid)?;
        demo_score(
            tx,
            detention_id,
            ScoreKind::Gcs,
            serde_json::json!({ "eyes": e, "verbal": v, "motor": m }),
            g.total().map(i64::from),
            g.notation().split(" = ").next().unwrap_or_default(),
            &facts::gcs(&g),
            now - Duration::minutes(*ago),
        )?;
    }
    for (_, ago, items) in CIWA_SERIES.iter().filter(|c| c.0 == surname) {
        let c = ciwa::Ciwa::new(*items, false).map_err(invalid)?;
        let bands = ciwa::suite_band_set().map_err(StoreError::Invalid)?;
        let r = ciwa::score(&c, &bands);
        demo_score(
            tx,
            detention_id,
            ScoreKind::CiwaAr,
            serde_json::json!({
                "items": c.items, "complicating_features": false,
                "band_set": bands.name, "band_source": bands.source,
            }),
            Some(i64::from(r.total)),
            facts::ciwa_band(r.severity),
            &facts::ciwa(&c, &r),
            now - Duration::minutes(*ago),
        )?;
    }
    for (_, ago, items) in COWS_SERIES.iter().filter(|c| c.0 == surname) {
        let c = cows::Cows::new(*items).map_err(invalid)?;
        demo_score(
            tx,
            detention_id,
            ScoreKind::Cows,
            serde_json::json!({ "items": c.items }),
            Some(i64::from(c.total())),
            facts::cows_band(c.band()),
            &facts::cows(&c),
            now - Duration::minutes(*ago),
        )?;
    }
    for (_, ago, f, u, h) in AUDIT_C_SERIES.iter().filter(|a| a.0 == surname) {
        let r = audit_c::AuditC::new(*f, *u, *h).map_err(invalid)?.score();
        demo_score(
            tx,
            detention_id,
            ScoreKind::AuditC,
            serde_json::json!({ "frequency": f, "typical_units": u, "heavy_episodes": h }),
            Some(i64::from(r.total)),
            facts::audit_c_band(&r),
            &facts::audit_c(&r),
            now - Duration::minutes(*ago),
        )?;
    }
    Ok(())
}

/// GCS (surname, minutes ago, eyes, verbal, motor): O'Brien's head injury dips as his NEWS2
/// rises; Taylor matches his HCP note (E4 V4 M6).
const GCS_SERIES: &[(&str, i64, i32, i32, i32)] = &[
    ("O'Brien", 200, 4, 4, 6),
    ("O'Brien", 140, 4, 5, 6),
    ("O'Brien", 80, 4, 4, 6),
    ("O'Brien", 20, 3, 4, 6),
    ("Taylor", 100, 4, 4, 6),
];

/// CIWA-Ar items (ASAM 2020 bands): Davies 7 mild, 12 moderate at 11:00 (his HCP note), 9 mild
/// after chlordiazepoxide. His WD warning from booking is already active, so none is added.
const CIWA_SERIES: &[(&str, i64, [i32; 10])] = &[
    ("Davies", 420, [1, 2, 1, 1, 1, 0, 0, 0, 1, 0]),
    ("Davies", 180, [2, 3, 2, 2, 1, 0, 0, 0, 2, 0]),
    ("Davies", 60, [1, 2, 1, 2, 1, 0, 0, 0, 2, 0]),
];

/// COWS items: Bennett 6 mild (her HCP note), 10 mild, then 16 moderate as methadone is due,
/// which raises a WD warning.
const COWS_SERIES: &[(&str, i64, [u8; 11])] = &[
    ("Bennett", 240, [1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0]),
    ("Bennett", 120, [1, 1, 1, 1, 2, 1, 1, 0, 1, 1, 0]),
    ("Bennett", 30, [2, 2, 1, 2, 2, 2, 1, 1, 1, 2, 0]),
];

/// AUDIT-C answers (how often, units, heavy episodes).
const AUDIT_C_SERIES: &[(&str, i64, i32, i32, i32)] =
    &[("Davies", 400, 4, 4, 4), ("Taylor", 100, 3, 3, 2)];

/// A medicine one of the people in custody brought with them.
/// Doses recorded in custody: (surname, medicine, minutes ago, outcome, reason).
const DOSES: &[(&str, &str, i64, DoseOutcome, &str)] = &[
    ("Davies", "Chlordiazepoxide", 5 * 60, DoseOutcome::Given, ""),
    (
        "Bennett",
        "Methadone 1 mg/ml",
        30,
        DoseOutcome::NotAvailable,
        "Pharmacy confirmed dose; supply requested from the out-of-hours pharmacy",
    ),
];

struct DemoMedicine {
    surname: &'static str,
    name: &'static str,
    dose: &'static str,
    route: &'static str,
    frequency: &'static str,
    last_taken_minutes_ago: i64,
    reason: &'static str,
    verified_with: &'static str,
}

const MEDICINES: &[DemoMedicine] = &[
    DemoMedicine {
        surname: "Kowalski",
        name: "Salbutamol 100 micrograms inhaler",
        dose: "2 puffs",
        route: "inhaled",
        frequency: "qds",
        last_taken_minutes_ago: 5 * 60,
        reason: "Asthma",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Patel",
        name: "Insulin glargine (Lantus)",
        dose: "22 units",
        route: "subcutaneous",
        frequency: "od",
        last_taken_minutes_ago: 23 * 60 + 40,
        reason: "Type 1 diabetes",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Patel",
        name: "Insulin aspart (NovoRapid)",
        dose: "6 units with meals",
        route: "subcutaneous",
        frequency: "tds",
        last_taken_minutes_ago: 7 * 60,
        reason: "Type 1 diabetes",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Bennett",
        name: "Methadone 1 mg/ml",
        dose: "60 mg",
        route: "oral",
        frequency: "od",
        last_taken_minutes_ago: 24 * 60 + 10,
        reason: "Opioid substitution, Northgate drug service",
        verified_with: "pharmacy",
    },
    DemoMedicine {
        surname: "Wood",
        name: "Levetiracetam",
        dose: "500 mg",
        route: "oral",
        frequency: "bd",
        last_taken_minutes_ago: 11 * 60 + 40,
        reason: "Epilepsy",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Davies",
        name: "Chlordiazepoxide",
        dose: "20 mg",
        route: "oral",
        frequency: "qds",
        last_taken_minutes_ago: 5 * 60,
        reason: "Alcohol withdrawal (per PGD)",
        verified_with: "not_verified",
    },
    DemoMedicine {
        surname: "Wright",
        name: "Adrenaline auto-injector (EpiPen)",
        dose: "300 micrograms",
        route: "intramuscular",
        frequency: "prn",
        last_taken_minutes_ago: 400 * 24 * 60,
        reason: "Peanut anaphylaxis",
        verified_with: "gp",
    },
];

/// NEWS2 observations over the detention: (surname, (minutes ago, RR, SpO2, systolic, pulse,
/// temperature in tenths, new confusion)).
type News2Point = (i64, u32, u32, u32, u32, u32, bool);
const NEWS2_SERIES: &[(&str, News2Point)] = &[
    ("O'Brien", (200, 16, 97, 132, 88, 366, false)),
    ("O'Brien", (140, 18, 96, 128, 94, 368, false)),
    ("O'Brien", (80, 20, 95, 121, 102, 372, false)),
    ("O'Brien", (20, 22, 95, 118, 88, 377, true)),
    ("Davies", (420, 18, 97, 142, 96, 371, false)),
    ("Davies", (240, 20, 96, 150, 108, 379, false)),
    ("Davies", (60, 17, 97, 138, 92, 369, false)),
];
