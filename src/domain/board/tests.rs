use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, h, m, 0).unwrap()
}

fn row(id: i64, cell: &str, surname: &str) -> BoardRow {
    BoardRow {
        detention_id: id,
        custody_no: format!("01/{id:04}/26"),
        cell: cell.into(),
        surname: surname.into(),
        forenames: "Alex".into(),
        age: Some(30),
        arrived_at: t(8, 0),
        observation_level: ObservationLevel::General,
        next_check_due: None,
        flags: vec![],
        hcp_seen: false,
        last_seen: None,
        markers: vec![],
        ready_for_transfer: false,
        appropriate_adult_needed: false,
        medication_due: None,
        observations_due: None,
        pace: None,
        below_suggestion: None,
        cell_occupants: 1,
        emergency_open: false,
        plan_review_due: false,
        hcp_wait: None,
        reassess_due: None,
        outstanding: vec![],
        support: Default::default(),
    }
}

#[test]
fn an_open_emergency_is_above_every_overdue_duty() {
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(10, 0)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            emergency_open: true,
            next_check_due: Some(t(13, 0)),
            ..row(2, "C2", "Bell")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(rows[0].surname, "Bell");
}

#[test]
fn a_wait_for_an_hcp_past_its_band_and_a_late_reassessment_are_overdue_duties() {
    let now = t(12, 0);
    let wait = |minutes_ago: i64, band: u32| HcpWait {
        requested_at: now - TimeDelta::minutes(minutes_ago),
        band: "x".into(),
        band_minutes: band,
    };
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(11, 50)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            // Waited 5 hours on a 4-hour band: an hour overdue.
            hcp_wait: Some(wait(300, 240)),
            ..row(2, "C2", "Bell")
        },
        BoardRow {
            // Waited 10 minutes of 20: not yet late, and not above a late check.
            hcp_wait: Some(wait(10, 20)),
            ..row(3, "C3", "Cole")
        },
        BoardRow {
            reassess_due: Some(t(11, 30)),
            ..row(4, "C4", "Dunn")
        },
    ];
    assert_eq!(
        rows[1].anything_overdue_by(now),
        Some(TimeDelta::minutes(60))
    );
    assert_eq!(rows[2].anything_overdue_by(now), None);
    assert_eq!(rows[2].next_due(), Some(t(12, 10)));
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows), [2, 4, 1, 3]);
}

#[test]
fn an_overdue_dose_puts_the_row_first_like_an_overdue_check() {
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(12, 30)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            medication_due: Some(t(11, 50)),
            ..row(2, "C2", "Bell")
        },
        BoardRow {
            medication_due: Some(t(13, 0)),
            ..row(3, "C3", "Cole")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows)[0], 2);
    assert!(
        rows[0]
            .medication_status(now)
            .is_some_and(|s| s.is_overdue())
    );
    assert!(
        rows[2]
            .medication_status(now)
            .is_some_and(|s| !s.is_overdue())
    );
}

#[test]
fn late_news2_observations_put_the_row_first_and_continuous_ones_are_never_late() {
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(12, 30)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            observations_due: Some(NextObservations::Continuous),
            ..row(2, "C2", "Bell")
        },
        BoardRow {
            observations_due: Some(NextObservations::At(t(11, 45))),
            ..row(3, "C3", "Cole")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows)[0], 3);
    assert_eq!(
        rows[0].observations_status(now).unwrap().countdown(),
        "!-15m"
    );
    let bell = rows.iter().find(|r| r.detention_id == 2).unwrap();
    assert_eq!(bell.observations_status(now), None);
}

fn ids(rows: &[BoardRow]) -> Vec<i64> {
    rows.iter().map(|r| r.detention_id).collect()
}

#[test]
fn attention_order_puts_what_needs_attention_first() {
    let now = t(12, 0);
    let mut rows = vec![
        // 1: level 1, due in 40 min, no flags, cell C10.
        BoardRow {
            next_check_due: Some(t(12, 40)),
            ..row(1, "C10", "Adams")
        },
        // 2: overdue by 5 min, level 1.
        BoardRow {
            next_check_due: Some(t(11, 55)),
            ..row(2, "C3", "Baker")
        },
        // 3: overdue by 20 min, level 1: most overdue, top of the board.
        BoardRow {
            next_check_due: Some(t(11, 40)),
            ..row(3, "C4", "Clark")
        },
        // 4: level 4 close proximity, no due time.
        BoardRow {
            observation_level: ObservationLevel::CloseProximity,
            ..row(4, "C1", "Davis")
        },
        // 5: level 2, due in 25 min.
        BoardRow {
            observation_level: ObservationLevel::Intermittent,
            next_check_due: Some(t(12, 25)),
            ..row(5, "C5", "Evans")
        },
        // 6: level 2, due in 10 min.
        BoardRow {
            observation_level: ObservationLevel::Intermittent,
            next_check_due: Some(t(12, 10)),
            ..row(6, "C6", "Frost")
        },
        // 7: level 1, due in 40 min like 1, but flagged SH alert.
        BoardRow {
            next_check_due: Some(t(12, 40)),
            flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
            ..row(7, "C7", "Green")
        },
        // 8: level 1, due in 40 min, flagged ALC warning; cell C2 sorts before C10 of row 1.
        BoardRow {
            next_check_due: Some(t(12, 40)),
            flags: vec![(FlagCode::Alcohol, Severity::Warning)],
            ..row(8, "C2", "Hill")
        },
        // 9: level 1, due in 40 min, no flags, cell C2: before row 1 (C10) by cell.
        BoardRow {
            next_check_due: Some(t(12, 40)),
            ..row(9, "C2", "Irwin")
        },
        // 10: level 1 with no plan yet: last among level 1.
        row(10, "C0", "Jones"),
    ];
    attention_order(&mut rows, now);
    // Late first (3, 2); then risk: Green's SH alert (7) before the higher levels; then
    // level 4, level 2 by due time, level 1 by due time, flags and cell.
    assert_eq!(ids(&rows), vec![3, 2, 7, 4, 6, 5, 8, 9, 1, 10]);
}

#[test]
fn a_check_due_exactly_now_is_not_yet_overdue() {
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(12, 0)),
            ..row(1, "C1", "A")
        },
        BoardRow {
            observation_level: ObservationLevel::Intermittent,
            next_check_due: Some(t(12, 20)),
            ..row(2, "C2", "B")
        },
        BoardRow {
            next_check_due: Some(t(11, 59)),
            ..row(3, "C3", "C")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows), vec![3, 2, 1]);
}

#[test]
fn the_order_changes_as_time_passes() {
    let mut rows = vec![
        BoardRow {
            observation_level: ObservationLevel::Intermittent,
            next_check_due: Some(t(12, 30)),
            ..row(1, "C1", "A")
        },
        BoardRow {
            next_check_due: Some(t(12, 10)),
            ..row(2, "C2", "B")
        },
    ];
    attention_order(&mut rows, t(12, 0));
    assert_eq!(ids(&rows), vec![1, 2], "level 2 first while nobody is late");
    attention_order(&mut rows, t(12, 11));
    assert_eq!(
        ids(&rows),
        vec![2, 1],
        "the late level 1 check jumps to the top"
    );
}

#[test]
fn more_serious_flags_outrank_more_flags() {
    let mut rows = vec![
        BoardRow {
            flags: vec![
                (FlagCode::Alcohol, Severity::Warning),
                (FlagCode::Drugs, Severity::Warning),
                (FlagCode::Allergy, Severity::Information),
            ],
            ..row(1, "C1", "A")
        },
        BoardRow {
            flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
            ..row(2, "C2", "B")
        },
        BoardRow {
            flags: vec![(FlagCode::Alcohol, Severity::Warning)],
            ..row(3, "C3", "C")
        },
        row(4, "C4", "D"),
    ];
    attention_order(&mut rows, t(12, 0));
    assert_eq!(ids(&rows), vec![2, 1, 3, 4]);
}

#[test]
fn cells_sort_naturally_and_unallocated_last() {
    let mut cells = vec!["C10", "", "c2", "C1", "D1", "C02", "10", "2", "Cell 3"];
    cells.sort_by(|a, b| compare_cells(a, b));
    assert_eq!(
        cells,
        vec!["2", "10", "C1", "C02", "c2", "C10", "Cell 3", "D1", ""]
    );
}

#[test]
fn markers_are_found_by_the_filter_and_the_hcp_column_says_when_and_who() {
    let r = BoardRow {
        markers: vec!["ALLERGY".into(), "KNOWN SH! WD!".into()],
        last_seen: Some(HcpSeen {
            by: "p.raman".into(),
            at: t(14, 5),
            what: "NEWS2".into(),
        }),
        ..row(1, "C1", "Ames")
    };
    assert!(row_matches(&r, "allergy"));
    assert!(row_matches(&r, "known"));
    assert!(row_matches(&r, "wd"));
    assert!(!row_matches(&r, "alc"));
    // 1 June: London is on BST, an hour ahead of UTC.
    assert_eq!(r.hcp_column(t(15, 0), true), "15:05 p.raman");
    assert_eq!(r.hcp_column(t(15, 0), false), "15:05");
    let tomorrow = t(15, 0) + TimeDelta::days(1);
    assert_eq!(r.hcp_column(tomorrow, false), "01/06");
    assert_eq!(r.hcp_column(tomorrow, true), "01/06 15:05 p.raman");
    assert_eq!(row(2, "C2", "Bell").hcp_column(t(15, 0), true), "no");
}

fn review(number: u32, at: DateTime<Utc>) -> Option<PaceDeadline> {
    Some(PaceDeadline {
        kind: DeadlineKind::Review { number },
        at,
    })
}

#[test]
fn an_overdue_pace_review_is_overdue_like_a_check_and_sorts_by_how_late() {
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(11, 50)),
            ..row(1, "C1", "Ames")
        },
        // The first review was due at 10:48: 1h12m late, the latest thing on the board.
        BoardRow {
            next_check_due: Some(t(12, 30)),
            pace: review(1, t(10, 48)),
            ..row(2, "C2", "Bell")
        },
        BoardRow {
            pace: review(2, t(12, 30)),
            ..row(3, "C3", "Cole")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows), vec![2, 1, 3]);
    assert_eq!(
        rows[0].anything_overdue_by(now),
        Some(TimeDelta::minutes(72))
    );
    assert!(rows[0].pace_review_overdue(now));
    assert!(!rows[0].pace_limit_passed(now));
    assert_eq!(rows[0].pace_status(now).unwrap().countdown(), "!-1h12m");
    assert!(!rows[2].pace_review_overdue(now));
    let limit = BoardRow {
        pace: Some(PaceDeadline {
            kind: DeadlineKind::DetentionLimit {
                basis: crate::domain::pace::LimitBasis::Standard,
            },
            at: t(11, 0),
        }),
        ..row(4, "C4", "Dunn")
    };
    assert!(limit.pace_limit_passed(now) && !limit.pace_review_overdue(now));
}

#[test]
fn a_person_not_yet_risk_assessed_ranks_with_the_risky() {
    use crate::domain::booking_duties::Outstanding;
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(12, 5)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            next_check_due: Some(t(12, 50)),
            outstanding: vec![Outstanding::RiskAssessment, Outstanding::HealthScreen],
            ..row(2, "C2", "Bell")
        },
        // The health screen alone is owed to the HCP; it is not a risk signal of itself.
        BoardRow {
            next_check_due: Some(t(12, 55)),
            outstanding: vec![Outstanding::HealthScreen],
            ..row(3, "C3", "Cole")
        },
    ];
    attention_order(&mut rows, now);
    let order: Vec<&str> = rows.iter().map(|r| r.surname.as_str()).collect();
    assert_eq!(order, ["Bell", "Ames", "Cole"]);
}

#[test]
fn risk_outranks_an_earlier_check_once_nobody_is_late() {
    let now = t(12, 0);
    let mut rows = vec![
        // Calm rows with checks due sooner.
        BoardRow {
            next_check_due: Some(t(12, 5)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            next_check_due: Some(t(12, 10)),
            flags: vec![(FlagCode::Alcohol, Severity::Warning)],
            ..row(2, "C2", "Bell")
        },
        // NEWS!!, SH!, a dose due in 5 minutes, a plan below the suggestion, and a check
        // not due for 50 minutes.
        BoardRow {
            next_check_due: Some(t(12, 50)),
            medication_due: Some(t(12, 5)),
            flags: vec![
                (FlagCode::ClinicalDeterioration, Severity::Alert),
                (FlagCode::SelfHarm, Severity::Warning),
            ],
            below_suggestion: Some(2),
            ..row(3, "C3", "Cole")
        },
        // Only below the suggestion: one signal, still above the calm rows.
        BoardRow {
            next_check_due: Some(t(12, 55)),
            below_suggestion: Some(2),
            ..row(4, "C4", "Dunn")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows), vec![3, 4, 1, 2]);
    assert_eq!(rows[0].risk_signals(), 3);
}

#[test]
fn next_due_is_the_earliest_duty_of_any_kind() {
    let now = t(12, 0);
    let mut rows = vec![
        BoardRow {
            next_check_due: Some(t(12, 40)),
            ..row(1, "C1", "Ames")
        },
        BoardRow {
            next_check_due: Some(t(12, 50)),
            pace: review(1, t(12, 20)),
            ..row(2, "C2", "Bell")
        },
        BoardRow {
            next_check_due: Some(t(12, 55)),
            observations_due: Some(NextObservations::At(t(12, 10))),
            ..row(3, "C3", "Cole")
        },
    ];
    attention_order(&mut rows, now);
    assert_eq!(ids(&rows), vec![3, 2, 1]);
    assert_eq!(rows[1].next_due(), Some(t(12, 20)));
}

#[test]
fn each_code_shows_once_at_its_highest_severity() {
    let r = BoardRow {
        flags: vec![
            (FlagCode::SelfHarm, Severity::Attention),
            (FlagCode::SelfHarm, Severity::Warning),
            (FlagCode::Withdrawal, Severity::Attention),
            (FlagCode::Alcohol, Severity::Warning),
        ],
        markers: vec!["ALLERGY".into(), "KNOWN SH+ WD! DRG!".into()],
        ..row(1, "C1", "Ames")
    };
    // SH: two live flags, the warning wins; the known SH+ is less serious and goes.
    // WD: the known WD! is more serious than the live WD+, so the live one goes.
    assert_eq!(
        r.shown_flags(),
        vec![
            (FlagCode::SelfHarm, Severity::Warning),
            (FlagCode::Alcohol, Severity::Warning),
        ]
    );
    assert_eq!(r.shown_markers(), vec!["ALLERGY", "KNOWN WD! DRG!"]);
    assert_eq!(r.flag_summary(), "SH! ALC! WD+");
    // A KNOWN marker whose every code is shown live disappears.
    let r = BoardRow {
        flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
        markers: vec!["KNOWN SH!".into()],
        ..row(2, "C2", "Bell")
    };
    assert!(r.shown_markers().is_empty());
    assert_eq!(r.shown_flags(), vec![(FlagCode::SelfHarm, Severity::Alert)]);
}

#[test]
fn shared_cells_are_counted_ignoring_case_and_spaces() {
    let mut rows = vec![
        row(1, "C4", "Ames"),
        row(2, " c4 ", "Bell"),
        row(3, "C5", "Cole"),
        row(4, "", "Dunn"),
        row(5, "", "Eve"),
    ];
    mark_shared_cells(&mut rows);
    let counts: Vec<usize> = rows.iter().map(|r| r.cell_occupants).collect();
    assert_eq!(counts, vec![2, 2, 1, 0, 0]);
}

#[test]
fn row_helpers() {
    let r = BoardRow {
        next_check_due: Some(t(11, 50)),
        flags: vec![
            (FlagCode::AppropriateAdult, Severity::Attention),
            (FlagCode::SelfHarm, Severity::Alert),
            (FlagCode::Alcohol, Severity::Warning),
            (FlagCode::Allergy, Severity::Information),
        ],
        ..row(1, "C1", "A")
    };
    let now = t(12, 0);
    assert_eq!(r.time_in_custody(now), TimeDelta::hours(4));
    assert_eq!(r.time_in_custody(t(7, 0)), TimeDelta::zero());
    assert_eq!(r.overdue_by(now), Some(TimeDelta::minutes(10)));
    assert_eq!(
        r.check_status(now).map(|s| s.countdown()),
        Some("!-10m".into())
    );
    assert_eq!(r.highest_severity(), Some(Severity::Alert));
    assert_eq!(r.flag_summary(), "SH!! ALC! AA+ ALG");
    assert_eq!(row(2, "", "B").flag_summary(), "");
    assert_eq!(row(2, "", "B").highest_severity(), None);
    assert_eq!(row(2, "", "B").check_status(now), None);
}

fn suite() -> Vec<BoardRow> {
    vec![
        BoardRow {
            forenames: "Seán Patrick".into(),
            flags: vec![(FlagCode::SelfHarm, Severity::Alert)],
            custody_no: "01/0423/26".into(),
            ..row(1, "C1", "Ó'Brien")
        },
        BoardRow {
            forenames: "Zoë".into(),
            flags: vec![(FlagCode::Epilepsy, Severity::Warning)],
            ..row(2, "C10", "Jones-Smith")
        },
        BoardRow {
            forenames: "Ashley".into(),
            ..row(3, "D2", "Shaw")
        },
        BoardRow {
            forenames: "Mary".into(),
            ..row(4, "", "Müller")
        },
    ]
}

fn filtered(query: &str) -> Vec<i64> {
    filter_rows(&suite(), query)
        .iter()
        .map(|r| r.detention_id)
        .collect()
}

#[test]
fn filter_table() {
    let cases: &[(&str, &[i64])] = &[
        ("", &[1, 2, 3, 4]),
        ("   ", &[1, 2, 3, 4]),
        // Names, accent- and case-folded, by the start of any name word.
        ("obrien", &[1]),
        ("o'b", &[1]),
        ("O’BRIEN", &[1]),
        ("brien", &[1]),
        ("sean", &[1]),
        ("SEÁN", &[1]),
        ("patrick", &[1]),
        ("zoe", &[2]),
        ("smith", &[2]),
        ("jones-sm", &[2]),
        ("muller", &[4]),
        ("mül", &[4]),
        // Several words must all match.
        ("zoe jones", &[2]),
        ("jones zoe", &[2]),
        ("zoe shaw", &[]),
        // Flag codes match exactly, in any case; "sh" also starts "Shaw".
        ("epi", &[2]),
        ("SH", &[1, 3]),
        ("s", &[1, 2, 3]),
        // Cells by their start, custody numbers anywhere.
        ("c1", &[1, 2]),
        ("c10", &[2]),
        ("d2", &[3]),
        ("0423", &[1]),
        ("01/0002", &[2]),
        ("nobody", &[]),
        // Not a substring of a name: "ley" is inside Ashley but starts no word.
        ("ley", &[]),
    ];
    for (query, want) in cases {
        assert_eq!(filtered(query), *want, "{query:?}");
    }
}

fn arb_row() -> impl Strategy<Value = BoardRow> {
    (
        0i64..1000,
        0usize..4,
        proptest::option::of(-120i64..120),
        proptest::collection::vec((0usize..16, 0usize..4), 0..4),
        0u32..30,
    )
        .prop_map(|(id, level, due, flags, cell)| BoardRow {
            observation_level: ObservationLevel::ALL[level],
            next_check_due: due.map(|m| t(12, 0) + TimeDelta::minutes(m)),
            flags: flags
                .into_iter()
                .map(|(c, s)| (FlagCode::ALL[c], Severity::ALL[s]))
                .collect(),
            ..row(id, &format!("C{cell}"), "X")
        })
}

proptest! {
    #[test]
    fn every_overdue_row_is_above_every_row_that_is_not(rows in proptest::collection::vec(arb_row(), 0..20)) {
        let now = t(12, 0);
        let mut rows = rows;
        attention_order(&mut rows, now);
        let overdue: Vec<bool> = rows.iter().map(|r| r.overdue_by(now).is_some()).collect();
        let first_not = overdue.iter().position(|o| !o).unwrap_or(overdue.len());
        prop_assert!(overdue[first_not..].iter().all(|o| !o));
        // Overdue rows are most overdue first.
        let lates: Vec<TimeDelta> = rows[..first_not].iter().filter_map(|r| r.overdue_by(now)).collect();
        prop_assert!(lates.windows(2).all(|w| w[0] >= w[1]));
        // Among the rest, risk (signals, then observation level) never rises going down.
        let risk: Vec<(u8, ObservationLevel)> = rows[first_not..].iter().map(|r| (r.risk_signals(), r.observation_level)).collect();
        prop_assert!(risk.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn attention_order_is_a_total_order(a in arb_row(), b in arb_row()) {
        let now = t(12, 0);
        prop_assert_eq!(attention_cmp(&a, &b, now), attention_cmp(&b, &a, now).reverse());
    }

    #[test]
    fn filtering_with_an_empty_query_keeps_everything_and_never_adds(rows in proptest::collection::vec(arb_row(), 0..10), q in "[a-z0-9 ]{0,6}") {
        prop_assert_eq!(filter_rows(&rows, "").len(), rows.len());
        prop_assert!(filter_rows(&rows, &q).len() <= rows.len());
    }
}
