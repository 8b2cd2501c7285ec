//! The read model of one detention's record, as the record screens, the board, `sonar
//! record`, the handover bundle and the escort summary read it: plain data, filled by the
//! store (`store::custody::record` and its helpers) for one role, so a field a role may not
//! see is `None` or empty (never selected from the database for them).
//!
//! These types used to live in `store::custody`, `store::clinical` and `store::care`; those
//! modules re-export them, so `store::custody::RecordView` and the rest still name them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{ClinicalRecord, HcpSeen};
use crate::domain::pace::Extension;
use crate::domain::scores::news2::NextObservations;

/// One person in custody now, as the board and `sonar list` need them. Holds no clinical
/// detail: every role may see all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustodyEntry {
    pub detention_id: i64,
    pub person_id: i64,
    pub custody_no: String,
    pub surname: String,
    pub forenames: String,
    pub date_of_birth: Option<NaiveDate>,
    pub cell: String,
    pub arrived_at: DateTime<Utc>,
    pub authorised_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The current plan's level, if a plan has been set.
    pub level: Option<u8>,
    pub interval_minutes: Option<u32>,
    pub rouse: bool,
    /// When the plan was set and when the last check was done: the schedule's anchor.
    pub plan_set_at: Option<DateTime<Utc>>,
    pub last_check_at: Option<DateTime<Utc>>,
    /// Active flags of this detention: (code, severity), not entered in error.
    pub flags: Vec<(String, String)>,
    pub hcp_seen: bool,
    /// Who last saw the person as an HCP in this detention, when, and how: any HCP entry
    /// counts (filled for people in custody and for one record).
    pub last_seen: Option<HcpSeen>,
    /// The board's record markers: `ALLERGY`, `KNOWN SH! WD!` (`domain::record`).
    pub markers: Vec<String>,
    pub ready_for_transfer: bool,
    /// The earliest next dose of a regular medicine (filled for people in custody).
    pub next_medication_due: Option<DateTime<Utc>>,
    /// When the next NEWS2 observations are due after the latest set (filled for people in
    /// custody who have one). A time only, for every role: the set itself is HCP only.
    pub next_observations: Option<NextObservations>,
    /// When each PACE review of this detention was done, and the extensions authorised: the
    /// PACE clock's history (filled for people in custody; the board works out the deadline).
    pub pace_reviews: Vec<DateTime<Utc>>,
    pub pace_extensions: Vec<crate::domain::pace::Extension>,
    /// The level the rules suggest, when the current plan is below it (filled for people in
    /// custody).
    pub below_suggestion: Option<u8>,
    /// A medical emergency is open (filled for people in custody).
    pub emergency_open: bool,
    /// A care-plan review is due (filled for people in custody).
    pub plan_review_due: bool,
    /// The oldest open request for an HCP (filled for people in custody and one record).
    pub hcp_wait: Option<crate::domain::hcp::HcpWait>,
    /// When an HCP's timed re-assessment not yet done is due (filled for people in custody
    /// and one record).
    pub reassess_due: Option<DateTime<Utc>>,
    /// How many HCP directions no custody sergeant has acknowledged yet (filled for people in
    /// custody and one record).
    pub directions_unacknowledged: usize,
    /// What booking in still owes: the sergeant's authorisation and risk assessment, the
    /// HCP's health screen (filled for people in custody and one record).
    pub outstanding: Vec<crate::domain::booking_duties::Outstanding>,
    /// An appropriate adult and an interpreter: the need, the request and the arrival (filled
    /// for people in custody and one record; `sonar list --all` reads it for every row).
    pub support: crate::domain::support::Support,
}

/// A flag as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagView {
    pub code: String,
    pub severity: String,
    pub reason: String,
    pub source: String,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    /// Set when this flag was raised in an earlier detention.
    pub from_earlier_detention: bool,
    /// `form.question` of the answer whose rule raised it (none for a flag added by hand).
    pub raised_by_answer: Option<String>,
}

/// A cell check as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckView {
    pub done_at: DateTime<Utc>,
    pub done_by: String,
    pub roused: Option<bool>,
    pub condition: String,
}

/// An HCP contact: the note is `None` for a role that may not read clinical notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HcpContactView {
    pub seen_at: DateTime<Utc>,
    pub seen_by: String,
    pub note: Option<String>,
}

/// The care plan as the record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarePlanView {
    pub level: u8,
    pub interval_minutes: Option<u32>,
    pub rouse: bool,
    pub instructions: String,
    pub rationale: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// Everything the record screen shows of one detention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordView {
    pub entry: CustodyEntry,
    pub sex: Option<String>,
    pub nhs_number: Option<String>,
    pub pnc_id: Option<String>,
    pub arresting_officer: String,
    pub reason: String,
    /// Why the person was booked into a cell someone else in custody had; empty when the
    /// cell was not shared at booking-in.
    pub shared_cell_reason: String,
    pub flags: Vec<FlagView>,
    pub plan_history: Vec<CarePlanView>,
    pub checks: Vec<CheckView>,
    pub hcp_contacts: Vec<HcpContactView>,
    /// The person's other detentions in this suite, newest first (at most twenty).
    pub previous_detentions: Vec<EarlierDetention>,
    /// Medicines with next dose due (reasons only when clinical detail is visible).
    pub medications: Vec<MedicationView>,
    /// The administration record of those medicines, newest first (reasons HCP only).
    pub doses: Vec<DoseView>,
    /// NEWS2 entries, oldest first; empty when clinical detail is not visible.
    pub news2: Vec<ScoreEntry>,
    /// Every score of every kind (NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C), oldest first; empty,
    /// and never read from disk, when clinical detail is not visible.
    pub scores: Vec<ScoreEntry>,
    pub consents: Vec<ConsentView>,
    pub fitness: Vec<FitnessView>,
    pub referrals: Vec<ReferralView>,
    /// Appointments after release, soonest first (service and place only when clinical).
    pub appointments: Vec<AppointmentView>,
    /// Appointments after release known from bundles imported from other suites.
    pub known_appointments: Vec<KnownAppointment>,
    /// Checks in full, the suggested level and the PACE reviews and extensions (`care.rs`).
    pub care: RecordCare,
    /// The clinical record (`domain::record`): allergies, conditions, reported medicines,
    /// substance use, self-harm, injuries, pregnancy, communication, HCP contacts, and what is
    /// known from elsewhere. Every view of the person reads it.
    pub record: ClinicalRecord,
    /// This detention's emergencies, open or closed, oldest first, with their calls and
    /// outcome: risk-to-life, operational information, read for every role.
    pub emergencies: Vec<crate::domain::emergency::Emergency>,
    /// This detention's requests for an HCP, oldest first, with the derived "seen".
    pub hcp_requests: Vec<crate::domain::hcp::HcpRequest>,
    /// The HCP's directions to custody staff, oldest first: operational, read for every role.
    pub directions: Vec<crate::domain::hcp::Direction>,
    /// The pre-release risk assessment of this detention, as far as it has gone: operational
    /// (the custody officer's), read for every role; a release or transfer needs it complete.
    pub prra: crate::domain::prra::Prra,
    /// Why the health screen could not be done, as a sergeant recorded it (the newest), if
    /// they did.
    pub health_screen_deferral: Option<crate::domain::booking_duties::Deferral>,
    /// Once handed over: where the signed bundle stands with the national record (queued,
    /// sent, accepted with the record's receipt).
    pub national: Option<crate::domain::national::OutboxEntry>,
}

/// One recorded score: who, when, the inputs and the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreEntry {
    pub id: i64,
    pub kind: String,
    pub inputs: serde_json::Value,
    pub total: Option<i64>,
    pub band: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A medicine as a role may see it: `reason` is `None` for anyone but an HCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MedicationView {
    pub id: i64,
    pub name: String,
    pub dose: String,
    pub route: String,
    pub frequency: String,
    pub time_critical: Option<String>,
    pub last_dose_at: Option<DateTime<Utc>>,
    pub next_due: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub verified_with: String,
    /// An HCP allowed custody staff to supervise the person taking it themselves.
    pub self_administration: bool,
}

/// One entry of the administration record. Everyone sees what happened, when and who (a
/// declined or missing dose matters to the sergeant too); why is HCP only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseView {
    pub medication_id: i64,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub reason: Option<String>,
    pub by: String,
    /// Taken by the person themselves with `by` supervising (PACE Code C 9.10).
    pub supervised: bool,
}

/// A referral as a role may see it: the content is `None` for anyone but an HCP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralView {
    pub kind: String,
    pub made_by: String,
    pub made_at: DateTime<Utc>,
    pub content: Option<ReferralContent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferralContent {
    pub substance: String,
    pub route: String,
    pub treatment_history: String,
    pub reason: String,
    pub phone: Option<String>,
    pub address: String,
    pub postcode: Option<String>,
    pub no_fixed_abode: bool,
    pub reachable_at: String,
}

/// The latest consent decision for one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentView {
    pub scope: String,
    pub decision: String,
    /// HCP only.
    pub capacity_notes: Option<String>,
    pub asked_by: String,
    pub asked_at: DateTime<Utc>,
}

/// A fitness decision: outcome and conditions for everyone, the clinical reason for HCPs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FitnessView {
    pub kind: String,
    pub fit: bool,
    pub conditions: String,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

/// An appointment as a role may see it. Every role sees that one was booked, when, by whom:
/// the sergeant tells the person at release. Which service and where reveal health (a drug
/// service, a mental health team), so like referral content they are selected for HCPs only
/// and are `None` for anyone else (DESIGN.md, security model: need to know).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppointmentView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub made_by: String,
    pub made_at: DateTime<Utc>,
    pub service: Option<String>,
    pub place: Option<String>,
}

/// An appointment after release known from a bundle another suite signed (imported as a
/// note, `handover::import`): the text for HCPs only, like the sending suite's service and
/// place; that one is known, and from where, for everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownAppointment {
    pub text: Option<String>,
    pub source_suite: String,
    pub signed_at: DateTime<Utc>,
}

/// A cell check with everything recorded about it, for the record's care tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDetail {
    pub done_at: DateTime<Utc>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub done_by: String,
    pub kind: String,
    pub rousable: Option<bool>,
    pub responds_to_questions: Option<bool>,
    pub responds_to_commands: Option<bool>,
    pub condition: String,
    pub note: String,
    pub late_reason: String,
}

/// A recorded PACE review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaceReviewView {
    pub reviewed_at: DateTime<Utc>,
    pub reviewed_by: String,
    pub outcome: String,
    /// What the detainee or their solicitor said (s.40(12)-(14)); empty for a review recorded
    /// before this was asked.
    pub representations: String,
    /// Why the review was late; empty when it was on time.
    pub late_reason: String,
}

impl PaceReviewView {
    /// `23/11 14:10 by Insp Hale: continue detention; representations: none made (asleep);
    /// late: inspector at an incident`: one wording for the record and the handover sheet.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} by {}: {}; representations: {}",
            crate::domain::observation::to_london_with_day(self.reviewed_at),
            self.reviewed_by,
            self.outcome,
            if self.representations.is_empty() {
                "not recorded"
            } else {
                &self.representations
            }
        );
        if !self.late_reason.is_empty() {
            text.push_str(&format!("; LATE: {}", self.late_reason));
        }
        text
    }
}

/// What the record shows of the care plan, checks and PACE clock beyond the core record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RecordCare {
    /// Newest first, at most 50.
    pub checks: Vec<CheckDetail>,
    /// The level the rules suggest for the active flags now, and why.
    pub suggested_level: Option<u8>,
    pub suggested_because: Vec<String>,
    pub reviews: Vec<PaceReviewView>,
    pub extensions: Vec<Extension>,
}

/// One other detention of the person, as the History tab lists it (and opens read-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlierDetention {
    pub detention_id: i64,
    pub custody_no: String,
    pub arrived_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reason: String,
}
