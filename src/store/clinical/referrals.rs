//! Referrals (Liaison and Diversion, community drug and alcohol treatment) with contact
//! details that will reach the person, and appointments booked for after release, with the
//! appointments known from imported bundles.
//!
//! Every role sees that a referral or appointment exists, by whom and when; its content
//! (the referral's detail, the appointment's service and place) is HCP only.

use crate::domain::authority::Duty;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::one_of;
use crate::domain::contact::{Postcode, UkPhone};
use crate::domain::record::view::{
    AppointmentView, KnownAppointment, ReferralContent, ReferralView,
};
use crate::store::audit::{self, AuditAction};
use crate::store::{Store, StoreError, collect_rows, parse_timestamp, timestamp};

/// A referral to Liaison and Diversion or community drug/alcohol treatment.
#[derive(Debug, Clone, Default)]
pub struct NewReferral {
    /// `liaison_diversion` or `drug_alcohol`.
    pub kind: String,
    pub substance: String,
    pub route: String,
    pub treatment_history: String,
    pub reason: String,
    pub phone: Option<String>,
    pub address: String,
    pub postcode: Option<String>,
    pub no_fixed_abode: bool,
    /// For no fixed abode: where they can be reached.
    pub reachable_at: String,
}

/// An appointment booked for after release (see [`crate::domain::appointment`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    /// Which service: "community drug and alcohol service", "Liaison and Diversion", a GP.
    pub service: String,
    pub at: DateTime<Utc>,
    /// Where the person must go.
    pub place: String,
}

impl Store {
    /// Makes a referral (HCP only) with contact details that will reach the person: a valid UK
    /// phone number or postcode, or no fixed abode with where they can be reached.
    pub fn add_referral(
        &mut self,
        detention_id: i64,
        r: &NewReferral,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.permit(Duty::Referral)?;
        one_of(
            &r.kind,
            &["liaison_diversion", "drug_alcohol"],
            "referral kind",
        )?;
        if r.reason.trim().is_empty() {
            return Err(StoreError::Invalid("a referral needs its reason".into()));
        }
        let phone = r
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(UkPhone::parse)
            .transpose()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let postcode = r
            .postcode
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(Postcode::parse)
            .transpose()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if r.no_fixed_abode {
            if r.reachable_at.trim().is_empty() && phone.is_none() {
                return Err(StoreError::Invalid(
                    "no fixed abode: say where they can be reached, or give a phone number".into(),
                ));
            }
        } else if r.address.trim().is_empty() || postcode.is_none() {
            return Err(StoreError::Invalid(
                "give an address with its postcode, or mark no fixed abode and say where they can be reached".into(),
            ));
        }
        let by = self.identity().username.clone();
        self.write(Duty::Referral, now, |tx| {
            tx.execute(
                "INSERT INTO referral (detention_id, kind, substance, route, treatment_history, reason, phone,
                                       address, postcode, no_fixed_abode, reachable_at, made_by, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    detention_id,
                    r.kind,
                    r.substance,
                    r.route,
                    r.treatment_history,
                    r.reason.trim(),
                    phone.as_ref().map(UkPhone::as_str),
                    r.address,
                    postcode.as_ref().map(Postcode::as_str),
                    r.no_fixed_abode,
                    r.reachable_at,
                    by,
                    timestamp(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            audit::append(tx, now, &by, AuditAction::RecordWrite, &detention_id.to_string(), &format!("referral {}", r.kind))?;
            Ok(id)
        })
    }

    /// Referrals: that one was made, by whom and when, for everyone; the content for HCPs.
    pub fn referrals(&self, detention_id: i64) -> Result<Vec<ReferralView>, StoreError> {
        referrals_for(self.conn(), detention_id, self.clinical())
    }

    /// Books an appointment for after release (HCP only): a named service, a place, a time
    /// after now and within a year. Each problem is said as one sentence; several are joined.
    /// A handed-over detention refuses it (the 0004 freeze trigger) in one sentence too.
    pub fn book_appointment(
        &mut self,
        detention_id: i64,
        a: &NewAppointment,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.permit(Duty::Referral)?;
        let problems =
            crate::domain::appointment::validate_appointment(&a.service, &a.place, a.at, now);
        if !problems.is_empty() {
            let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(StoreError::Invalid(said.join("; ")));
        }
        let by = self.identity().username.clone();
        self.write(Duty::Referral, now, |tx| {
            tx.execute(
                "INSERT INTO appointment (detention_id, service, at, place, made_by, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    detention_id,
                    a.service.trim(),
                    timestamp(a.at),
                    a.place.trim(),
                    by,
                    timestamp(now)
                ],
            )?;
            let id = tx.last_insert_rowid();
            // The audit says an appointment was booked, not where: the audit export is not
            // role-gated.
            audit::append(
                tx,
                now,
                &by,
                AuditAction::RecordWrite,
                &detention_id.to_string(),
                "appointment",
            )?;
            Ok(id)
        })
    }

    /// Appointments, soonest first: when and by whom for everyone; service and place for HCPs.
    pub fn appointments(&self, detention_id: i64) -> Result<Vec<AppointmentView>, StoreError> {
        appointments_for(self.conn(), detention_id, self.clinical())
    }
}

pub(crate) fn referrals_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<ReferralView>, StoreError> {
    let sql = if clinical {
        "SELECT kind, made_by, made_at, substance, route, treatment_history, reason, phone, address,
                postcode, no_fixed_abode, reachable_at
         FROM referral WHERE detention_id = ?1 ORDER BY id"
    } else {
        "SELECT kind, made_by, made_at FROM referral WHERE detention_id = ?1 ORDER BY id"
    };
    collect_rows(conn, sql, [detention_id], |r| {
        let content = if clinical {
            Some(ReferralContent {
                substance: r.get(3)?,
                route: r.get(4)?,
                treatment_history: r.get(5)?,
                reason: r.get(6)?,
                phone: r.get(7)?,
                address: r.get(8)?,
                postcode: r.get(9)?,
                no_fixed_abode: r.get(10)?,
                reachable_at: r.get(11)?,
            })
        } else {
            None
        };
        Ok(ReferralView {
            kind: r.get(0)?,
            made_by: r.get(1)?,
            made_at: parse_timestamp(&r.get::<_, String>(2)?)?,
            content,
        })
    })
}

/// Appointments for a detention, soonest first. `clinical` decides whether service and place
/// are selected at all: for other roles they never leave the database.
pub(crate) fn appointments_for(
    conn: &Connection,
    detention_id: i64,
    clinical: bool,
) -> Result<Vec<AppointmentView>, StoreError> {
    let sql = if clinical {
        "SELECT id, at, made_by, made_at, service, place FROM appointment
         WHERE detention_id = ?1 ORDER BY at, id"
    } else {
        "SELECT id, at, made_by, made_at, NULL, NULL FROM appointment
         WHERE detention_id = ?1 ORDER BY at, id"
    };
    collect_rows(conn, sql, [detention_id], |r| {
        Ok(AppointmentView {
            id: r.get(0)?,
            at: parse_timestamp(&r.get::<_, String>(1)?)?,
            made_by: r.get(2)?,
            made_at: parse_timestamp(&r.get::<_, String>(3)?)?,
            service: r.get(4)?,
            place: r.get(5)?,
        })
    })
}

/// Appointments after release imported for a person, oldest import first.
pub(crate) fn known_appointments_for(
    conn: &Connection,
    person_id: i64,
    clinical: bool,
) -> Result<Vec<KnownAppointment>, StoreError> {
    let text = if clinical { "n.text" } else { "NULL" };
    let sql = format!(
        "SELECT {text}, i.source_suite, i.signed_at FROM imported_note n
         JOIN handover_import i ON i.id = n.import_id
         WHERE n.person_id = ?1 AND n.kind = ?2 ORDER BY n.id"
    );
    collect_rows(
        conn,
        &sql,
        params![person_id, crate::domain::handover::APPOINTMENT_NOTE],
        |r| {
            Ok(KnownAppointment {
                text: r.get(0)?,
                source_suite: r.get(1)?,
                signed_at: parse_timestamp(&r.get::<_, String>(2)?)?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::clinical::test_support::{now, suite};

    #[test]
    fn referral_content_is_hcp_only_and_contacts_are_validated() {
        let (_d, mut hcp, sergeant, det) = suite();
        let base = NewReferral {
            kind: "drug_alcohol".into(),
            substance: "heroin".into(),
            route: "smoked".into(),
            treatment_history: "none".into(),
            reason: "wants help on release".into(),
            phone: Some("07700 90012".into()),
            address: "1 High Street".into(),
            postcode: Some("NE1 4ST".into()),
            ..Default::default()
        };
        let err = hcp.add_referral(det, &base, now()).unwrap_err();
        assert!(err.to_string().contains("10 digits"), "{err}");
        let bad_postcode = NewReferral {
            phone: None,
            postcode: Some("NE1".into()),
            ..base.clone()
        };
        assert!(
            hcp.add_referral(det, &bad_postcode, now())
                .unwrap_err()
                .to_string()
                .contains("not a UK postcode")
        );
        let nfa = NewReferral {
            phone: None,
            postcode: None,
            address: String::new(),
            no_fixed_abode: true,
            ..base.clone()
        };
        assert!(
            hcp.add_referral(det, &nfa, now())
                .unwrap_err()
                .to_string()
                .contains("no fixed abode")
        );
        let ok = NewReferral {
            phone: Some("+44 7700 900123".into()),
            ..base
        };
        hcp.add_referral(det, &ok, now()).unwrap();
        let mine = hcp.referrals(det).unwrap();
        let content = mine[0].content.as_ref().unwrap();
        assert_eq!(content.phone.as_deref(), Some("07700900123"));
        assert_eq!(content.postcode.as_deref(), Some("NE1 4ST"));
        let theirs = sergeant.referrals(det).unwrap();
        assert_eq!(theirs[0].kind, "drug_alcohol");
        assert_eq!(theirs[0].content, None);
    }

    fn appointment(days: i64) -> NewAppointment {
        NewAppointment {
            service: "Community drug and alcohol service (CGL)".into(),
            at: now() + chrono::Duration::days(days),
            place: "Plummer Court, Carliol Square, NE1 6UF".into(),
        }
    }

    #[test]
    fn appointments_show_when_to_everyone_and_where_to_hcps() {
        let (_d, mut hcp, mut sergeant, det) = suite();
        let later = hcp.book_appointment(det, &appointment(9), now()).unwrap();
        let sooner = hcp
            .book_appointment(
                det,
                &NewAppointment {
                    service: "  GP review  ".into(),
                    place: " Elswick Surgery ".into(),
                    ..appointment(2)
                },
                now(),
            )
            .unwrap();
        let mine = hcp.appointments(det).unwrap();
        assert_eq!(
            mine.iter().map(|a| a.id).collect::<Vec<_>>(),
            [sooner, later],
            "soonest first"
        );
        assert_eq!(mine[0].service.as_deref(), Some("GP review"), "trimmed");
        assert_eq!(mine[0].place.as_deref(), Some("Elswick Surgery"));
        assert_eq!(mine[1].at, now() + chrono::Duration::days(9));
        assert_eq!(mine[1].made_by, "nurse");
        // The sergeant sees that each was booked and when, never which service or where.
        let theirs = sergeant.appointments(det).unwrap();
        assert_eq!(theirs.len(), 2);
        assert_eq!(theirs[1].at, mine[1].at);
        assert_eq!(theirs[1].made_by, "nurse");
        assert_eq!(theirs[0].service, None, "service is HCP only");
        assert_eq!(theirs[0].place, None, "place is HCP only");
        assert!(
            theirs
                .iter()
                .all(|a| a.service.is_none() && a.place.is_none())
        );
        let err = sergeant
            .book_appointment(det, &appointment(3), now())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a custody sergeant may not make a referral or book an appointment: a healthcare practitioner does it"
        );
    }

    #[test]
    fn appointment_problems_are_said_plainly() {
        let (_d, mut hcp, _s, det) = suite();
        let past = hcp
            .book_appointment(det, &appointment(-1), now())
            .unwrap_err();
        assert_eq!(
            past.to_string(),
            "the appointment time Sun 22 Nov 2026 14:00 is not after now: book one for after release"
        );
        let far = hcp
            .book_appointment(det, &appointment(400), now())
            .unwrap_err();
        assert!(far.to_string().contains("more than a year ahead"), "{far}");
        let empty = hcp
            .book_appointment(
                det,
                &NewAppointment {
                    service: String::new(),
                    place: " ".into(),
                    ..appointment(1)
                },
                now(),
            )
            .unwrap_err();
        assert_eq!(
            empty.to_string(),
            "say which service the appointment is with (e.g. community drug and alcohol service); say where the appointment is (the building or address the person must go to)"
        );
        assert!(hcp.appointments(det).unwrap().is_empty(), "nothing stored");
    }

    #[test]
    fn no_appointment_after_handover() {
        let (_d, mut hcp, _s, det) = suite();
        hcp.book_appointment(det, &appointment(5), now()).unwrap();
        hcp.write_raw(|tx| {
            tx.execute(
                "INSERT INTO handover (detention_id, destination, handed_over_at, handed_over_by,
                                       bundle_id, bundle_sha256, kid)
                 VALUES (?1, 'release', ?2, 'sarge', 'b-1', 'x', 'k')",
                params![det, timestamp(now())],
            )?;
            Ok(())
        })
        .unwrap();
        let err = hcp
            .book_appointment(det, &appointment(6), now())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record"
        );
        assert_eq!(hcp.appointments(det).unwrap().len(), 1);
    }
}
