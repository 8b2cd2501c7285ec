use super::*;
use crate::domain::entry::{Blocked, Values};
use chrono::{TimeZone, Utc};

fn filled(pairs: &[(&'static str, &str)]) -> Values {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[test]
fn news2_sheet_refuses_impossible_vitals_with_the_range_the_score_uses() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
    let sheet = news2_sheet();
    let mut v = filled(&[
        ("respiration_rate", "18"),
        ("spo2", "120"),
        ("scale", "1"),
        ("oxygen", "air"),
        ("systolic_bp", "120"),
        ("pulse", "400"),
        ("consciousness", "alert"),
        ("temperature", "50"),
    ]);
    assert_eq!(
        sheet.check(&v, false, now),
        Err(Blocked::Field(
            "spo2",
            "SpO2 must be between 40 and 100%; 120% is not possible.".into()
        ))
    );
    v.insert("spo2", "97".into());
    assert_eq!(
        sheet.check(&v, false, now),
        Err(Blocked::Field(
            "pulse",
            "Pulse must be between 20 and 250 per minute; 400 per minute is not possible.".into()
        ))
    );
    v.insert("pulse", "72".into());
    assert_eq!(
        sheet.check(&v, false, now),
        Err(Blocked::Field(
            "temperature",
            "Temperature must be between 25.0 and 45.0 °C; 50 °C is not possible.".into()
        ))
    );
    v.insert("temperature", "37.2".into());
    assert_eq!(sheet.check(&v, false, now), Ok(()));
    let o = news2_from(&Read { values: &v, now }).unwrap();
    assert_eq!((o.spo2, o.pulse, o.temperature_tenths), (97, 72, 372));
    assert_eq!(news2::validate(&o), Ok(vec![]));
}

#[test]
fn score_sheets_build_the_scores_they_show() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
    let v = filled(&[("eyes", "3"), ("verbal", "not_testable"), ("motor", "6")]);
    assert_eq!(gcs_sheet().check(&v, false, now), Ok(()));
    let gcs = gcs_from(&Read { values: &v, now }).unwrap();
    assert_eq!(gcs.total(), None);

    let mut v: Values = (0..10)
        .map(|i| (ciwa_item_id(i), "2".to_string()))
        .collect();
    v.insert("complicating", "no".into());
    assert_eq!(ciwa_sheet().check(&v, false, now), Ok(()));
    assert_eq!(ciwa_from(&Read { values: &v, now }).unwrap().total(), 20);
    v.insert("orientation", "5".into());
    assert!(matches!(
        ciwa_sheet().check(&v, false, now),
        Err(Blocked::Field("orientation", _))
    ));

    let mut v: Values = (1..11)
        .map(|i| (cows_item_id(i), "1".to_string()))
        .collect();
    v.insert("pulse", "110".into());
    v.insert("gooseflesh", "3".into());
    assert_eq!(cows_sheet().check(&v, false, now), Ok(()));
    // pulse 110 scores 2; nine items at 1; gooseflesh 3.
    assert_eq!(cows_from(&Read { values: &v, now }).unwrap().total(), 14);

    let v = filled(&[
        ("frequency", "4"),
        ("typical_units", "1"),
        ("heavy_episodes", "0"),
    ]);
    assert!(
        audit_c_from(&Read { values: &v, now })
            .unwrap()
            .score()
            .positive
    );
}

#[test]
fn referral_contact_details_are_checked_as_typed() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
    let sheet = referral_sheet();
    let mut v = filled(&[
        ("kind", "liaison_diversion"),
        ("reason", "Low mood, wants support"),
        ("phone", "0770 900123"),
        ("nfa", "address"),
        ("address", "12 Acacia Road, Leeds"),
        ("postcode", "LS1 4AP"),
    ]);
    assert!(matches!(
        sheet.check(&v, false, now),
        Err(Blocked::Field("phone", s)) if s.starts_with("A UK phone number has 10 digits")
    ));
    v.insert("phone", "07700 900123".into());
    assert_eq!(sheet.check(&v, false, now), Ok(()));
    v.insert("postcode", "LS1".into());
    assert!(matches!(
        sheet.check(&v, false, now),
        Err(Blocked::Field("postcode", _))
    ));
    v.insert("nfa", "no_fixed_abode".into());
    assert_eq!(
        sheet.check(&v, false, now),
        Err(Blocked::Field(
            "reachable_at",
            "Where they can be reached is needed.".into()
        ))
    );
}

#[test]
fn a_tenth_medicine_is_picked_with_a_letter() {
    let medicines: Vec<(String, String)> = (1..=12)
        .map(|i| (i.to_string(), format!("Medicine {i}")))
        .collect();
    let sheet = dose_sheet(&medicines);
    let field = sheet.field("medicine").unwrap();
    assert_eq!(field.choice_for_key('9').unwrap().value, "9");
    assert_eq!(field.choice_for_key('a').unwrap().value, "10");
    assert_eq!(field.choice_for_key('c').unwrap().label, "Medicine 12");
    assert!(field.choice_for_key('d').is_none());
}
