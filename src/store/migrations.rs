//! Numbered schema migrations from `schema/migrations/`, embedded in the binary and applied in
//! order inside one transaction. `PRAGMA user_version` holds how many have been applied.

use rusqlite::{Connection, TransactionBehavior};

/// Every migration, in order. Never edit one that has landed: add the next number.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_foundation",
        include_str!("../../schema/migrations/0001_foundation.sql"),
    ),
    (
        "0002_clinical",
        include_str!("../../schema/migrations/0002_clinical.sql"),
    ),
    (
        "0003_care_and_checks",
        include_str!("../../schema/migrations/0003_care_and_checks.sql"),
    ),
    (
        "0004_handover",
        include_str!("../../schema/migrations/0004_handover.sql"),
    ),
    (
        "0005_booking",
        include_str!("../../schema/migrations/0005_booking.sql"),
    ),
    (
        "0006_custody_decisions",
        include_str!("../../schema/migrations/0006_custody_decisions.sql"),
    ),
    (
        "0007_score_corrections",
        include_str!("../../schema/migrations/0007_score_corrections.sql"),
    ),
    (
        "0008_clinical_record",
        include_str!("../../schema/migrations/0008_clinical_record.sql"),
    ),
    (
        "0009_emergencies",
        include_str!("../../schema/migrations/0009_emergencies.sql"),
    ),
    (
        "0010_board_duties",
        include_str!("../../schema/migrations/0010_board_duties.sql"),
    ),
    (
        "0011_hcp_requests_and_directions",
        include_str!("../../schema/migrations/0011_hcp_requests_and_directions.sql"),
    ),
    (
        "0013_report",
        include_str!("../../schema/migrations/0013_report.sql"),
    ),
    (
        "0014_support_needs",
        include_str!("../../schema/migrations/0014_support_needs.sql"),
    ),
    (
        "0015_shift_handover",
        include_str!("../../schema/migrations/0015_shift_handover.sql"),
    ),
    (
        "0016_booking_duties",
        include_str!("../../schema/migrations/0016_booking_duties.sql"),
    ),
    (
        "0017_national_outbox",
        include_str!("../../schema/migrations/0017_national_outbox.sql"),
    ),
];

/// The schema version this program writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies the migrations the database has not had yet, all or none.
pub fn apply(conn: &Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current >= latest_version() {
        return Ok(());
    }
    // IMMEDIATE: two terminals upgrading at once must not both apply the same step.
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (index, (_name, sql)) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version > current {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", version)?;
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_set_the_version() {
        let conn = Connection::open_in_memory().unwrap();
        apply(&conn).unwrap();
        apply(&conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 1);
    }
}
