//! Known from before, the same wherever it came from: a person booked in again sees what an
//! earlier detention here and another organisation's handover said (allergies, conditions,
//! medicines, flags), on the record and the board (`ALLERGY`, `KNOWN …`), until an HCP or a
//! sergeant reconfirms each or sets it aside with a reason.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sonar_custody::domain::record::{FactKind, KnownSubject, Origin, Standing};
use sonar_custody::store::Store;
use sonar_custody::store::booking::Booking;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap()
}

fn login(db: &std::path::Path, who: &str) -> Store {
    Store::unlock(db, who, "demo", now()).unwrap().store
}

/// A demo suite with the returning person (Marsh) booked in again now; returns the new
/// detention.
fn rebooked() -> (tempfile::TempDir, std::path::PathBuf, i64) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    drop(sonar_custody::demo::create(&db, 20, now(), &mut |_, _| {}).unwrap());
    let mut s = login(&db, "sergeant");
    let person: i64 = s
        .conn_for_reports()
        .query_row(
            "SELECT id FROM person WHERE surname = ?1",
            [sonar_custody::demo::RETURNING.0],
            |r| r.get(0),
        )
        .unwrap();
    let booked = s
        .book_in(
            person,
            &Booking {
                arrived_at: now(),
                authorised_at: Some(now() + Duration::minutes(5)),
                arresting_officer: "PC 1 Test".into(),
                reason: "Shoplifting".into(),
                cell: "C20".into(),
                shared_cell_reason: None,
            },
            now(),
        )
        .unwrap();
    (dir, db, booked.detention_id)
}

fn markers(s: &Store, detention: i64) -> Vec<String> {
    s.in_custody()
        .unwrap()
        .into_iter()
        .find(|e| e.detention_id == detention)
        .unwrap()
        .markers
}

#[test]
fn a_rebooking_shows_what_earlier_detentions_and_handovers_said_until_reviewed() {
    let (_dir, db, det) = rebooked();
    let mut sergeant = login(&db, "sergeant");
    let record = sergeant.clinical_record(det).unwrap();

    // The allergy from the earlier detention counts at once, marked as known from there.
    let allergy = record.allergies().next().expect("the penicillin allergy");
    assert!(allergy.fact.headline().starts_with("Penicillin"));
    assert_eq!(allergy.standing, Standing::Known);
    assert!(matches!(allergy.origin, Origin::EarlierDetention { .. }));
    assert!(record.allergy_line().contains("Penicillin"));
    assert!(
        record
            .allergy_line()
            .contains("known from earlier detention")
    );

    // HMP Leeds's methadone: known from the bundle, not live.
    let methadone = record
        .of_kind(FactKind::ReportedMedicine)
        .find(|e| e.fact.headline().contains("Methadone"))
        .expect("methadone from HMP Leeds");
    assert_eq!(methadone.standing, Standing::Known);
    assert!(
        matches!(&methadone.origin, Origin::Bundle { organisation, .. } if organisation == "HMP Leeds")
    );

    // The banner order: the allergy first, then the time-critical medicines.
    let first: Vec<_> = record
        .known
        .iter()
        .take(2)
        .map(|k| k.summary.clone())
        .collect();
    assert!(first[0].contains("Penicillin"), "{first:?}");
    assert!(
        first[1].contains("Levetiracetam") || first[1].contains("Methadone"),
        "{first:?}"
    );

    // The board: ALLERGY, and the known flags most serious first.
    let m = markers(&sergeant, det);
    assert_eq!(m[0], "ALLERGY");
    assert_eq!(m[1], "KNOWN EPI! SH! DRG+", "{m:?}");

    // A detention officer may not review; a sergeant sets SH aside only with a reason.
    let sh = record
        .known
        .iter()
        .find(|k| matches!(&k.what, sonar_custody::domain::record::known::KnownWhat::Flag { code, .. } if code == "SH"))
        .unwrap()
        .subject;
    let mut officer = login(&db, "officer");
    let e = officer
        .review_known(det, sh, false, "old", now())
        .unwrap_err();
    assert!(e.to_string().contains("may not reconfirm"), "{e}");
    let e = sergeant
        .review_known(det, sh, false, "  ", now())
        .unwrap_err();
    assert!(e.to_string().contains("needs a reason"), "{e}");
    sergeant.review_known(det, sh, true, "", now()).unwrap();
    assert_eq!(markers(&sergeant, det)[1], "KNOWN EPI! DRG+");
    let e = sergeant.review_known(det, sh, true, "", now()).unwrap_err();
    assert!(e.to_string().contains("already been reviewed"), "{e}");

    // An HCP sets the methadone aside with a reason: it no longer counts, and says why.
    let mut hcp = login(&db, "hcp");
    hcp.review_known(
        det,
        KnownSubject::Entry(methadone.id),
        false,
        "stopped by the community team in October (GP summary)",
        now(),
    )
    .unwrap();
    let record = hcp.clinical_record(det).unwrap();
    let m = record
        .entries
        .iter()
        .find(|e| e.id == methadone.id)
        .unwrap();
    assert!(
        matches!(&m.standing, Standing::SetAside { reason, .. } if reason.contains("community team"))
    );
    assert!(
        record
            .of_kind(FactKind::ReportedMedicine)
            .all(|e| e.id != methadone.id)
    );
    assert!(
        !record
            .known
            .iter()
            .any(|k| k.subject == KnownSubject::Entry(methadone.id))
    );

    // Each review is in the audit with who did it.
    let audited: i64 = hcp
        .conn_for_reports()
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE 'set aside entry:%' OR detail LIKE 'reconfirmed flag:%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 2);
}

#[test]
fn the_earlier_detention_is_said_here_once_reconfirmed_and_the_allergy_stays_on_the_board() {
    let (_dir, db, det) = rebooked();
    let mut hcp = login(&db, "hcp");
    let record = hcp.clinical_record(det).unwrap();
    let allergy = record.allergies().next().unwrap().id;
    hcp.review_known(det, KnownSubject::Entry(allergy), true, "", now())
        .unwrap();
    let record = hcp.clinical_record(det).unwrap();
    let a = record.allergies().next().unwrap();
    assert!(matches!(a.standing, Standing::Reconfirmed { ref by, .. } if by == "hcp"));
    assert!(!record.allergy_line().contains("known from"));
    assert_eq!(markers(&hcp, det)[0], "ALLERGY");
}

#[test]
fn an_earlier_detention_read_later_does_not_hold_what_later_detentions_learned() {
    let (_dir, db, det) = rebooked();
    let mut hcp = login(&db, "hcp");
    hcp.add_record_entry(
        det,
        &sonar_custody::domain::record::Fact::Allergy {
            substance: "Latex".into(),
            reaction: "hives".into(),
            severity: sonar_custody::domain::record::AllergySeverity::Moderate,
        },
        now(),
    )
    .unwrap();
    let earlier: i64 = hcp
        .conn_for_reports()
        .query_row(
            "SELECT d.id FROM detention d JOIN detention now ON now.person_id = d.person_id
             WHERE now.id = ?1 AND d.id != ?1 ORDER BY d.arrived_at LIMIT 1",
            [det],
            |r| r.get(0),
        )
        .unwrap();
    let then = hcp.clinical_record(earlier).unwrap();
    let said: Vec<String> = then.entries.iter().map(|e| e.fact.headline()).collect();
    assert!(said.iter().any(|h| h.starts_with("Penicillin")), "{said:?}");
    assert!(!said.iter().any(|h| h.starts_with("Latex")), "{said:?}");
    // And from the detention now, the latex allergy is live and the penicillin known.
    let now_record = hcp.clinical_record(det).unwrap();
    assert!(now_record.allergy_line().contains("Latex"));
    assert!(now_record.allergy_line().contains("Penicillin"));
}
