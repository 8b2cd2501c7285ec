//! The shift handover: the facts `domain::shift` builds "since the last handover" from, read
//! over the period since the last acknowledgement, and the incoming custody sergeant's
//! acknowledgement (schema 0015), audited in the same transaction. The checks and doses are
//! gathered by `store::report`'s own functions, so the sheet and the report agree.

use crate::domain::authority::Duty;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::audit::{self, AuditAction};
use super::report::{check_histories, detentions_in, named_dose_histories};
use super::{StoreError, collect_rows, parse_timestamp, timestamp};
use crate::domain::pace::PaceClock;
use crate::domain::shift::{
    HandoverAck, MedicineFacts, PaceFacts, Period, SinceLast, StayFacts, Who, since_last,
};

fn opt_time(t: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    t.map(|t| parse_timestamp(&t)).transpose()
}

/// The latest handover taken: the one whose sheet ended last (two sergeants acknowledging
/// sheets read at different times: the later sheet saw more).
pub fn last_acknowledgement(conn: &Connection) -> Result<Option<HandoverAck>, StoreError> {
    type Row = (i64, String, String, String, String, String);
    let row: Option<Row> = conn
        .query_row(
            "SELECT h.id, h.acknowledged_by, coalesce(s.display_name, h.acknowledged_by),
                    h.acknowledged_at, h.covered_from, h.covered_to
             FROM shift_handover h LEFT JOIN staff s ON s.username = h.acknowledged_by
             ORDER BY h.covered_to DESC, h.id DESC LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    row.map(|(id, by, by_name, at, from, to)| {
        Ok(HandoverAck {
            id,
            by,
            by_name,
            acknowledged_at: parse_timestamp(&at)?,
            covered_from: parse_timestamp(&from)?,
            covered_to: parse_timestamp(&to)?,
        })
    })
    .transpose()
}

/// Who each detention is, where they went, and when detention was authorised.
struct Person {
    who: Who,
    destination: Option<String>,
    receiving_org: String,
    authorised_at: Option<DateTime<Utc>>,
}

fn people(conn: &Connection, ids: &str) -> Result<HashMap<i64, Person>, StoreError> {
    Ok(collect_rows(
        conn,
        &format!(
            "SELECT d.id, d.custody_no, p.surname, p.forenames, d.cell, d.destination,
                    coalesce(h.receiving_org, ''), d.authorised_at
             FROM detention d JOIN person p ON p.id = d.person_id
             LEFT JOIN handover h ON h.detention_id = d.id
             WHERE d.id IN ({ids})"
        ),
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Person {
                    who: Who {
                        custody_no: r.get(1)?,
                        surname: r.get(2)?,
                        forenames: r.get(3)?,
                        cell: r.get(4)?,
                    },
                    destination: r.get(5)?,
                    receiving_org: r.get(6)?,
                    authorised_at: opt_time(r.get(7)?)?,
                },
            ))
        },
    )?
    .into_iter()
    .collect())
}

/// Each review of detention with its late reason, and the extensions.
fn pace_facts(
    conn: &Connection,
    detention_id: i64,
    arrived_at: DateTime<Utc>,
    authorised_at: Option<DateTime<Utc>>,
) -> Result<Option<PaceFacts>, StoreError> {
    // The same clock as the board's (`store::care::pace_deadline`).
    let Some(clock) = authorised_at.and_then(|a| PaceClock::new(arrived_at.min(a), a).ok()) else {
        return Ok(None);
    };
    let reviews = collect_rows(
        conn,
        "SELECT reviewed_at, late_reason FROM pace_review WHERE detention_id = ?1
         ORDER BY reviewed_at",
        [detention_id],
        |r| Ok((parse_timestamp(&r.get::<_, String>(0)?)?, r.get(1)?)),
    )?;
    let (_, extensions) = super::care::pace_history(conn, detention_id)?;
    Ok(Some(PaceFacts {
        clock,
        reviews,
        extensions,
    }))
}

/// The booking duties of each detention not yet done, in words (`RISK ASSESSMENT
/// OUTSTANDING`), by the board's own rule (`domain::booking_duties`).
fn booking_forms_not_completed(
    conn: &Connection,
    ids: &str,
) -> Result<HashMap<i64, Vec<String>>, StoreError> {
    Ok(super::booking_duties::outstanding_of(conn, ids)?
        .into_iter()
        .map(|(id, owed)| (id, owed.iter().map(|o| o.words().to_string()).collect()))
        .collect())
}

/// Every detention in custody at some time in `period`, with what the sheet needs of each.
pub fn stay_facts(conn: &Connection, period: &Period) -> Result<Vec<StayFacts>, StoreError> {
    let (from, to) = (timestamp(period.from), timestamp(period.to));
    let stays = detentions_in(conn, &from, &to)?;
    if stays.is_empty() {
        return Ok(Vec::new());
    }
    // Integers from the database: safe to splice into the statement.
    let ids = stays
        .iter()
        .map(|s| s.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut people = people(conn, &ids)?;
    let mut medicines: HashMap<i64, Vec<MedicineFacts>> = HashMap::new();
    for n in named_dose_histories(conn, &stays)? {
        medicines
            .entry(n.detention_id)
            .or_default()
            .push(MedicineFacts {
                name: n.name,
                history: n.history,
            });
    }
    let checks = check_histories(conn, &stays)?;
    let mut outstanding = booking_forms_not_completed(conn, &ids)?;
    let mut out = Vec::with_capacity(stays.len());
    for ((id, arrived_at, left_at), checks) in stays.into_iter().zip(checks) {
        let Some(person) = people.remove(&id) else {
            continue;
        };
        out.push(StayFacts {
            who: person.who,
            arrived_at,
            left_at,
            destination: person.destination,
            receiving_org: person.receiving_org,
            checks,
            medicines: medicines.remove(&id).unwrap_or_default(),
            emergencies: super::emergency::emergencies_of(conn, id)?,
            directions: super::hcp::directions_of(conn, id)?,
            pace: pace_facts(conn, id, arrived_at, person.authorised_at)?,
            outstanding: outstanding.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

impl super::Store {
    /// The latest handover taken, if any (the board's header asks whether one was taken
    /// since this person logged in).
    pub fn last_handover(&self) -> Result<Option<HandoverAck>, StoreError> {
        last_acknowledgement(self.conn())
    }

    /// What happened since the last handover was taken (the last 12 hours before the first),
    /// up to `now`. Reading it is audited, as the sheet of everyone present is.
    pub fn since_last_handover(&mut self, now: DateTime<Utc>) -> Result<SinceLast, StoreError> {
        let staff = self.identity().username.clone();
        // A read, audited: whoever may read the sheet.
        self.transact(|tx| {
            let period = Period::since_last(last_acknowledgement(tx)?.as_ref(), now);
            let sheet = since_last(period.clone(), &stay_facts(tx, &period)?);
            audit::append(
                tx,
                now,
                &staff,
                AuditAction::RecordRead,
                "shift_handover",
                &format!(
                    "since last handover {} to {}: {}",
                    timestamp(period.from),
                    timestamp(period.to),
                    sheet.counts()
                ),
            )?;
            Ok(sheet)
        })
    }

    /// Refuses, with the sentence saying who may, anyone who may not take the handover.
    pub fn may_acknowledge_handover(&self) -> Result<(), StoreError> {
        self.permit(Duty::AcknowledgeShiftHandover)
    }

    /// The incoming custody sergeant takes the handover of `sheet`: who, when and the period
    /// it covered are kept (schema 0015) and audited, and the next sheet starts where this one
    /// ended. Only a custody sergeant may.
    pub fn acknowledge_handover(
        &mut self,
        sheet: &SinceLast,
        now: DateTime<Utc>,
    ) -> Result<HandoverAck, StoreError> {
        self.may_acknowledge_handover()?;
        let identity = self.identity().clone();
        let from = sheet.period.from.min(now);
        let to = sheet.period.to.clamp(from, now);
        let summary = sheet.counts();
        let id = self.write(Duty::AcknowledgeShiftHandover, now, |tx| {
            tx.execute(
                "INSERT INTO shift_handover (acknowledged_by, acknowledged_at, covered_from,
                                             covered_to, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    identity.username,
                    timestamp(now),
                    timestamp(from),
                    timestamp(to),
                    summary
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(
                tx,
                now,
                &identity.username,
                AuditAction::HandoverAcknowledged,
                "shift_handover",
                &format!(
                    "handover {id} taken: {} to {}; {summary}",
                    timestamp(from),
                    timestamp(to)
                ),
            )?;
            Ok(id)
        })?;
        Ok(HandoverAck {
            id,
            by: identity.username,
            by_name: identity.display_name,
            acknowledged_at: now,
            covered_from: from,
            covered_to: to,
        })
    }
}
