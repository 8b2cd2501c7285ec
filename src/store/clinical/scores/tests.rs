use super::*;
use crate::store::clinical::test_support::{now, obs, suite};

#[test]
fn a_score_entered_in_error_leaves_the_trend_and_takes_its_flags_with_it() {
    let (_dir, mut hcp, mut sergeant, d) = suite();
    let wrong = news2::Observations {
        pulse: 140,
        respiration_rate: 26,
        ..obs()
    };
    hcp.record_news2(d, &wrong, false, now()).unwrap();
    let id = hcp.scores(d, ScoreKind::News2).unwrap()[0].id;
    let active = |s: &Store| -> Vec<String> {
        crate::store::care::active_flags(s.conn(), d)
            .unwrap()
            .into_iter()
            .map(|(c, _)| c.code().to_string())
            .collect()
    };
    assert_eq!(active(&hcp), vec!["NEWS".to_string()]);
    assert!(matches!(
        sergeant.mark_score_in_error(id, "typo", now()),
        Err(StoreError::Refused(_))
    ));
    assert_eq!(
        hcp.mark_score_in_error(id, "", now())
            .unwrap_err()
            .to_string(),
        "marking a score entered in error needs a reason"
    );
    let codes = hcp
        .mark_score_in_error(id, "Pulse typed as 140, was 104", now())
        .unwrap();
    assert_eq!(codes, vec!["NEWS".to_string()]);
    assert!(hcp.scores(d, ScoreKind::News2).unwrap().is_empty());
    assert!(
        active(&hcp).is_empty(),
        "the NEWS alert went with the score"
    );
    assert!(hcp.mark_score_in_error(id, "again", now()).is_err());

    // Two high scores: the first raised the alert, the second was covered by it. Marking
    // the first in error must not leave the second without its flag.
    hcp.record_news2(d, &wrong, false, now()).unwrap();
    let later = now() + chrono::Duration::minutes(30);
    hcp.record_news2(d, &wrong, false, later).unwrap();
    let first = hcp.scores(d, ScoreKind::News2).unwrap()[0].id;
    hcp.mark_score_in_error(first, "recorded twice", later)
        .unwrap();
    assert_eq!(
        active(&hcp),
        vec!["NEWS".to_string()],
        "the real score keeps its flag"
    );
    let news = hcp
        .detention_flags(d)
        .unwrap()
        .into_iter()
        .find(|f| f.code == "NEWS" && f.entered_in_error.is_none())
        .unwrap();
    assert!(
        news.reason.contains(" at 14:30"),
        "the reason names when the remaining score was taken: {}",
        news.reason
    );
}

#[test]
fn news2_of_7_opens_the_emergency_every_time_even_with_the_alert_already_active() {
    let (_dir, mut hcp, _sergeant, d) = suite();
    let open = |s: &Store| crate::store::emergency::open_emergencies(s.conn()).unwrap();
    // 5: urgent, an alert but no emergency.
    let urgent = news2::Observations {
        pulse: 115,
        ..obs()
    };
    assert_eq!(hcp.record_news2(d, &urgent, false, now()).unwrap().total, 5);
    assert!(open(&hcp).is_empty(), "NEWS2 5 is urgent, not an emergency");
    // 8 with the alert already active: the emergency still opens.
    let worse = news2::Observations {
        respiration_rate: 26,
        temperature_tenths: 391,
        ..urgent
    };
    let r = hcp.record_news2(d, &worse, false, now()).unwrap();
    assert!(r.total >= 7, "{r:?}");
    let e = open(&hcp);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].detention_id(), d);
    assert!(
        e[0].emergency
            .reason
            .starts_with(&format!("NEWS2 {} at 14:00: emergency response", r.total)),
        "{}",
        e[0].emergency.reason
    );
}

#[test]
fn scores_are_hcp_only_in_both_directions() {
    let (_d, mut hcp, mut sergeant, det) = suite();
    let r = hcp.record_news2(det, &obs(), false, now()).unwrap();
    assert_eq!(r.total, 4);
    let stored = hcp.scores(det, ScoreKind::News2).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].inputs["pulse"], 104);
    assert_eq!(stored[0].recorded_by, "nurse");
    let err = sergeant.scores(det, ScoreKind::News2).unwrap_err();
    assert_eq!(
        err.to_string(),
        "your role (sergeant) may not read clinical scores"
    );
    assert!(sergeant.record_news2(det, &obs(), false, now()).is_err());
}

fn active_flags(store: &Store, det: i64) -> Vec<(String, String, String)> {
    store
        .detention_flags(det)
        .unwrap()
        .into_iter()
        .filter(|f| f.entered_in_error.is_none())
        .map(|f| (f.code, f.severity, f.reason))
        .collect()
}

/// NEWS2 5: RR 22 (2), pulse 115 (2), temperature 38.5 (1).
fn news2_of_5() -> news2::Observations {
    news2::Observations {
        respiration_rate: 22,
        pulse: 115,
        temperature_tenths: 385,
        spo2: 97,
        systolic_bp: 125,
        ..obs()
    }
}

fn ciwa_moderate() -> ciwa::Ciwa {
    // 2+3+2+2+1+0+0+0+2+0 = 12: moderate on ASAM 2020 (10-18).
    ciwa::Ciwa::new([2, 3, 2, 2, 1, 0, 0, 0, 2, 0], false).unwrap()
}

#[test]
fn news2_of_5_raises_a_news_alert_saying_total_time_and_response() {
    let (_d, mut hcp, _s, det) = suite();
    let r = hcp.record_news2(det, &news2_of_5(), false, now()).unwrap();
    assert_eq!(r.total, 5);
    assert_eq!(
        active_flags(&hcp, det),
        [(
            "NEWS".to_string(),
            "alert".to_string(),
            "NEWS2 5 at 14:00: urgent response, clinical review and at least hourly observations (RCP 2017).".to_string()
        )]
    );
    let flag = &hcp.detention_flags(det).unwrap()[0];
    assert_eq!(flag.rule_id.as_deref(), Some("news2_urgent"));
    assert_eq!(flag.raised_by, "nurse");
    // The flag's audit row is written with the score's.
    let audit: i64 = hcp
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE 'flag NEWS raised by rule news2_urgent%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audit, 1);
}

#[test]
fn news2_of_2_raises_nothing() {
    let (_d, mut hcp, _s, det) = suite();
    let o = news2::Observations {
        respiration_rate: 22,
        spo2: 97,
        pulse: 80,
        temperature_tenths: 370,
        ..obs()
    };
    assert_eq!(hcp.record_news2(det, &o, false, now()).unwrap().total, 2);
    assert_eq!(active_flags(&hcp, det), []);
}

#[test]
fn a_single_parameter_3_raises_a_warning_then_7_escalates_and_normal_removes_nothing() {
    let (_d, mut hcp, _s, det) = suite();
    let confused = news2::Observations {
        consciousness: news2::Consciousness::NewConfusion,
        respiration_rate: 16,
        pulse: 80,
        temperature_tenths: 370,
        spo2: 97,
        ..obs()
    };
    hcp.record_news2(det, &confused, false, now()).unwrap();
    let flags = active_flags(&hcp, det);
    assert_eq!(flags.len(), 1);
    assert_eq!(
        (flags[0].0.as_str(), flags[0].1.as_str()),
        ("NEWS", "warning")
    );
    assert!(
        flags[0].2.contains("a 3 in one parameter: urgent review"),
        "{}",
        flags[0].2
    );
    // The same again raises no second warning.
    hcp.record_news2(det, &confused, false, now() + chrono::Duration::minutes(30))
        .unwrap();
    assert_eq!(active_flags(&hcp, det).len(), 1);
    // 7 or more: an alert naming the emergency response, once.
    let worse = news2::Observations {
        respiration_rate: 26,
        ..news2_of_5()
    };
    let later = now() + chrono::Duration::minutes(60);
    assert_eq!(
        hcp.record_news2(det, &worse, false, later).unwrap().total,
        6
    );
    let worst = news2::Observations {
        consciousness: news2::Consciousness::Voice,
        ..worse
    };
    hcp.record_news2(det, &worst, false, later).unwrap();
    let flags = active_flags(&hcp, det);
    assert_eq!(flags.len(), 2, "{flags:?}");
    assert!(
        flags
            .iter()
            .any(|f| f.1 == "alert" && f.2.starts_with("NEWS2 6 at 15:00: urgent response"))
    );
    // A normal score afterwards removes nothing.
    hcp.record_news2(det, &obs(), false, later + chrono::Duration::minutes(60))
        .unwrap();
    assert_eq!(active_flags(&hcp, det).len(), 2);
}

#[test]
fn ciwa_moderate_raises_wd_and_suggests_level_2_rousing() {
    let (_d, mut hcp, _s, det) = suite();
    assert_eq!(
        hcp.suggested_plan(det).unwrap().level,
        crate::domain::observation::ObservationLevel::General
    );
    let r = hcp
        .record_ciwa(det, &ciwa_moderate(), &ciwa::ASAM_2020, now())
        .unwrap();
    assert_eq!((r.total, r.severity), (12, ciwa::Severity::Moderate));
    let flags = active_flags(&hcp, det);
    assert_eq!(flags.len(), 1);
    assert_eq!(
        (flags[0].0.as_str(), flags[0].1.as_str()),
        ("WD", "warning")
    );
    assert!(
        flags[0]
            .2
            .starts_with("CIWA-Ar 12 at 14:00: moderate alcohol withdrawal (ASAM"),
        "{}",
        flags[0].2
    );
    let s = hcp.suggested_plan(det).unwrap();
    assert_eq!(
        s.level,
        crate::domain::observation::ObservationLevel::Intermittent
    );
    assert_eq!(
        s.interval,
        crate::domain::observation::CheckInterval::Every30Minutes
    );
    assert!(s.rouse);
    let stored = hcp.scores(det, ScoreKind::CiwaAr).unwrap();
    assert_eq!(stored[0].band, "moderate");
    assert_eq!(stored[0].inputs["band_set"], "asam_2020");
}

#[test]
fn cows_bands_raise_wd_warning_then_alert_and_gcs_audit_c_raise_nothing() {
    let (_d, mut hcp, _s, det) = suite();
    let mild = cows::Cows::new([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]).unwrap();
    assert_eq!(
        hcp.record_cows(det, &mild, now()).unwrap(),
        (10, cows::Band::Mild)
    );
    assert_eq!(active_flags(&hcp, det), []);
    let moderate = cows::Cows::new([2, 2, 3, 2, 2, 2, 1, 1, 1, 1, 0]).unwrap();
    hcp.record_cows(det, &moderate, now()).unwrap();
    let severe = cows::Cows::new([4, 4, 5, 5, 4, 4, 5, 4, 4, 4, 0]).unwrap();
    assert_eq!(
        hcp.record_cows(det, &severe, now()).unwrap().1,
        cows::Band::Severe
    );
    let flags = active_flags(&hcp, det);
    assert_eq!(
        flags.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(),
        ["alert", "warning"],
        "{flags:?}"
    );
    assert!(
        flags[1]
            .2
            .starts_with("COWS 17 at 14:00: moderate opiate withdrawal")
    );
    let g = gcs::Gcs::new(Some(3), None, Some(6)).unwrap();
    hcp.record_gcs(det, &g, now()).unwrap();
    let a = audit_c::AuditC::new(4, 4, 3).unwrap();
    assert!(hcp.record_audit_c(det, &a, now()).unwrap().positive);
    assert_eq!(active_flags(&hcp, det).len(), 2);
    let g = &hcp.scores(det, ScoreKind::Gcs).unwrap()[0];
    assert_eq!((g.total, g.band.as_str()), (None, "E3 VNT M6"));
    assert_eq!(
        hcp.scores(det, ScoreKind::AuditC).unwrap()[0].band,
        "positive"
    );
}

#[test]
fn the_record_carries_every_score_for_an_hcp_and_none_for_a_sergeant() {
    let (_d, mut hcp, mut sergeant, det) = suite();
    hcp.record_news2(det, &obs(), false, now()).unwrap();
    hcp.record_ciwa(det, &ciwa_moderate(), &ciwa::ASAM_2020, now())
        .unwrap();
    hcp.record_gcs(
        det,
        &gcs::Gcs::new(Some(4), Some(5), Some(6)).unwrap(),
        now(),
    )
    .unwrap();
    let seen = hcp.open_record(det, None, now()).unwrap().unwrap();
    let kinds: Vec<&str> = seen.scores.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(kinds, ["news2", "ciwa_ar", "gcs"]);
    assert_eq!(seen.news2.len(), 1);
    let hidden = sergeant.open_record(det, None, now()).unwrap().unwrap();
    assert!(hidden.scores.is_empty() && hidden.news2.is_empty());
    // The flag the score raised is for everyone: it says what to do, not the score's detail.
    assert!(hidden.flags.iter().any(|f| f.code == "WD"));
}

#[test]
fn a_sergeant_cannot_record_any_score() {
    let (_d, _h, mut sergeant, det) = suite();
    let refused = |r: Result<(), StoreError>| {
        assert!(matches!(r, Err(StoreError::Refused(_))), "{r:?}");
    };
    refused(
        sergeant
            .record_news2(det, &news2_of_5(), false, now())
            .map(|_| ()),
    );
    refused(
        sergeant
            .record_gcs(
                det,
                &gcs::Gcs::new(Some(4), Some(5), Some(6)).unwrap(),
                now(),
            )
            .map(|_| ()),
    );
    refused(
        sergeant
            .record_ciwa(det, &ciwa_moderate(), &ciwa::ASAM_2020, now())
            .map(|_| ()),
    );
    refused(
        sergeant
            .record_cows(det, &cows::Cows::new([0; 11]).unwrap(), now())
            .map(|_| ()),
    );
    refused(
        sergeant
            .record_audit_c(det, &audit_c::AuditC::new(1, 1, 1).unwrap(), now())
            .map(|_| ()),
    );
    refused(
        sergeant
            .record_score(
                det,
                ScoreKind::Gcs,
                &serde_json::json!({}),
                Some(15),
                "",
                now(),
            )
            .map(|_| ()),
    );
    assert_eq!(active_flags(&sergeant, det), []);
}

#[test]
fn impossible_vitals_refused_and_unusual_need_confirming() {
    let (_d, mut hcp, _s, det) = suite();
    let err = hcp
        .record_news2(
            det,
            &news2::Observations {
                pulse: 400,
                ..obs()
            },
            false,
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Pulse must be between 20 and 250 per minute; 400 per minute is not"
    );
    let err = hcp
        .record_news2(
            det,
            &news2::Observations {
                pulse: 190,
                ..obs()
            },
            false,
            now(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("confirm them to record"), "{err}");
    assert!(
        hcp.record_news2(
            det,
            &news2::Observations {
                pulse: 190,
                ..obs()
            },
            true,
            now()
        )
        .is_ok()
    );
}
