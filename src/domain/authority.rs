//! Who may do what: every write the program has, and the roles PACE and the suite's
//! governance give it to. The store asks [`permit`] before every write, so the command line,
//! the screens and a script all meet the same answer; the screens ask [`permits`] only to
//! decide which keys to offer.
//!
//! Sources: PACE 1984 s.37 (the custody officer authorises detention), s.40 (reviews);
//! PACE Code C 3.5–3.10 (the custody officer's risk assessment, with any healthcare
//! professional's advice), 9.3–9.15 (clinical treatment and attention: HCPs assess, custody
//! staff supervise self-administered medicine, 9.10), 1.4–1.7 and 3.15 (appropriate adults),
//! 3.12 and 13 (interpreters); APP Detention and custody, "Risk assessment", "Handovers"
//! (`reference/custody-practice.md`).

use std::fmt;

use super::role::Role;

/// Every kind of write, named as staff would say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duty {
    // Accounts and keys: the administrator's whole job, nothing about detainees.
    ManageAccounts,
    ManageKeys,
    /// Marks what a checkpoint found as looked into (rows missing, a rewritten chain), so
    /// logins stop warning of it: only once the data has been compared with a backup.
    ResolveIntegrityWarning,
    // Booking in.
    StartBooking,
    AuthoriseDetention,
    AcknowledgeBanner,
    RiskAssessment,
    HealthScreen,
    DeferHealthScreen,
    // During the detention.
    AddFlag,
    WithdrawFlag,
    SetCarePlan,
    RecommendCarePlan,
    RecordCheck,
    PaceReview,
    CustodyDecision,
    ReviewKnown,
    SupportNeed,
    // Clinical.
    ClinicalNote,
    ClinicalRecord,
    ClinicalScore,
    Medication,
    GiveDose,
    SupervisedDose,
    Consent,
    Fitness,
    Referral,
    // HCP requests and directions.
    RequestHcp,
    WithdrawHcpRequest,
    GiveDirection,
    AcknowledgeDirection,
    // Emergencies.
    RaiseEmergency,
    RecordEmergencyCall,
    CloseEmergency,
    // Leaving and arriving.
    PreReleaseRiskAssessment,
    HandOver,
    ImportHandover,
    // The sergeants' shift handover.
    AcknowledgeShiftHandover,
    // The national record: joining it is the administrator's; sending the outbox and noting
    // whether the record answered is the terminal's own work, whoever is logged in.
    JoinNationalRecord,
    ContactNationalRecord,
    AskNationalRecord,
}

use Role::{Admin, DetentionOfficer as Officer, Hcp, Sergeant, WallBoard};

/// Everyone who looks after detainees (not the administrator, not the wall board).
const CUSTODY_STAFF: &[Role] = &[Sergeant, Officer, Hcp];

impl Duty {
    pub const ALL: [Duty; 41] = [
        Duty::ManageAccounts,
        Duty::ManageKeys,
        Duty::ResolveIntegrityWarning,
        Duty::StartBooking,
        Duty::AuthoriseDetention,
        Duty::AcknowledgeBanner,
        Duty::RiskAssessment,
        Duty::HealthScreen,
        Duty::DeferHealthScreen,
        Duty::AddFlag,
        Duty::WithdrawFlag,
        Duty::SetCarePlan,
        Duty::RecommendCarePlan,
        Duty::RecordCheck,
        Duty::PaceReview,
        Duty::CustodyDecision,
        Duty::ReviewKnown,
        Duty::SupportNeed,
        Duty::ClinicalNote,
        Duty::ClinicalRecord,
        Duty::ClinicalScore,
        Duty::Medication,
        Duty::GiveDose,
        Duty::SupervisedDose,
        Duty::Consent,
        Duty::Fitness,
        Duty::Referral,
        Duty::RequestHcp,
        Duty::WithdrawHcpRequest,
        Duty::GiveDirection,
        Duty::AcknowledgeDirection,
        Duty::RaiseEmergency,
        Duty::RecordEmergencyCall,
        Duty::CloseEmergency,
        Duty::PreReleaseRiskAssessment,
        Duty::HandOver,
        Duty::ImportHandover,
        Duty::AcknowledgeShiftHandover,
        Duty::JoinNationalRecord,
        Duty::ContactNationalRecord,
        Duty::AskNationalRecord,
    ];

    /// The roles that may do it.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Duty::ManageAccounts
            | Duty::ManageKeys
            | Duty::ResolveIntegrityWarning
            | Duty::JoinNationalRecord => &[Admin],
            // Any running terminal delivers the outbox (issue 15): the rows say only where a
            // signed handover stands, nothing about the detainee.
            // (not the wall board's display, which writes nothing).
            Duty::ContactNationalRecord => &[Sergeant, Officer, Hcp, Admin],
            // Anyone who receives a person may start the booking (PACE Code C 2.1); only the
            // custody officer authorises detention (s.37) and owns the risk assessment (C 3.6).
            Duty::StartBooking | Duty::AcknowledgeBanner => CUSTODY_STAFF,
            Duty::AuthoriseDetention | Duty::RiskAssessment | Duty::DeferHealthScreen => {
                &[Sergeant]
            }
            Duty::HealthScreen => &[Hcp],
            // Whoever learns of a risk records it at once (APP: risk assessment is ongoing);
            // importing another suite's handover only adds what is known from before, so
            // whoever receives the person may.
            Duty::AddFlag
            | Duty::RecordCheck
            | Duty::SupportNeed
            | Duty::RequestHcp
            | Duty::ImportHandover
            | Duty::AskNationalRecord => CUSTODY_STAFF,
            Duty::WithdrawFlag | Duty::ReviewKnown | Duty::WithdrawHcpRequest => &[Sergeant, Hcp],
            Duty::SetCarePlan
            | Duty::PaceReview
            | Duty::CustodyDecision
            | Duty::AcknowledgeDirection
            | Duty::HandOver
            | Duty::AcknowledgeShiftHandover => &[Sergeant],
            Duty::RecommendCarePlan
            | Duty::ClinicalNote
            | Duty::ClinicalRecord
            | Duty::ClinicalScore
            | Duty::Medication
            | Duty::GiveDose
            | Duty::Consent
            | Duty::Fitness
            | Duty::Referral
            | Duty::GiveDirection => &[Hcp],
            // Code C 9.10: custody staff may supervise self-administration of medicine the
            // HCP has allowed; the HCP records a dose as given.
            Duty::SupervisedDose => &[Sergeant, Officer],
            // A life at risk: anyone on a staff account raises the alarm and records a call.
            Duty::RaiseEmergency | Duty::RecordEmergencyCall => &[Sergeant, Officer, Hcp, Admin],
            Duty::CloseEmergency => &[Sergeant, Hcp],
            // The custody officer decides release (s.34, s.37) with the HCP's advice.
            Duty::PreReleaseRiskAssessment => &[Sergeant, Hcp],
        }
    }

    /// What it is, as in "may not authorise detention".
    pub fn describe(self) -> &'static str {
        match self {
            Duty::ManageAccounts => "manage staff accounts",
            Duty::ManageKeys => "manage the suite's keys",
            Duty::ResolveIntegrityWarning => "mark an integrity warning as resolved",
            Duty::StartBooking => "book a person in",
            Duty::AuthoriseDetention => "authorise detention",
            Duty::AcknowledgeBanner => "acknowledge what is known from before",
            Duty::RiskAssessment => "do the custody officer's risk assessment",
            Duty::HealthScreen => "answer the health screen",
            Duty::DeferHealthScreen => "record why the health screen cannot be done now",
            Duty::AddFlag => "add a risk flag",
            Duty::WithdrawFlag => "mark a risk flag entered in error",
            Duty::SetCarePlan => "set the care plan or observation level",
            Duty::RecommendCarePlan => "recommend a care plan",
            Duty::RecordCheck => "record a cell check",
            Duty::PaceReview => "record a PACE review or extension",
            Duty::CustodyDecision => "record a custody decision",
            Duty::ReviewKnown => "reconfirm or set aside what is known from before",
            Duty::SupportNeed => "record an appropriate adult or interpreter",
            Duty::ClinicalNote => "add a clinical note or HCP contact",
            Duty::ClinicalRecord => "add to the clinical record",
            Duty::ClinicalScore => "record or correct a clinical score",
            Duty::Medication => "add, confirm or stop a medicine",
            Duty::GiveDose => "record a dose given",
            Duty::SupervisedDose => "record a supervised self-administered dose",
            Duty::Consent => "record consent",
            Duty::Fitness => "record a fitness decision",
            Duty::Referral => "make a referral or book an appointment",
            Duty::RequestHcp => "ask for an HCP",
            Duty::WithdrawHcpRequest => "withdraw a request for an HCP",
            Duty::GiveDirection => "give an HCP direction",
            Duty::AcknowledgeDirection => "acknowledge an HCP direction",
            Duty::RaiseEmergency => "raise an emergency",
            Duty::RecordEmergencyCall => "record a call for help in an emergency",
            Duty::CloseEmergency => "close an emergency",
            Duty::PreReleaseRiskAssessment => "complete the pre-release risk assessment",
            Duty::HandOver => "hand a person over or release them",
            Duty::ImportHandover => "import a handover bundle",
            Duty::AcknowledgeShiftHandover => "take the shift handover",
            Duty::JoinNationalRecord => "join the suite to a national record",
            Duty::ContactNationalRecord => "send handovers to the national record",
            Duty::AskNationalRecord => "ask the national record about a person",
        }
    }

    /// Who does it instead, for the refusal: "a custody sergeant does (PACE s.37)".
    fn done_by(self) -> String {
        let source = match self {
            Duty::AuthoriseDetention => " (PACE s.37)",
            Duty::RiskAssessment | Duty::DeferHealthScreen => " (PACE Code C 3.6)",
            Duty::SupervisedDose => " (PACE Code C 9.10); an HCP records a dose given",
            Duty::HealthScreen | Duty::GiveDose | Duty::ClinicalNote | Duty::ClinicalScore => {
                " (PACE Code C 9)"
            }
            Duty::PaceReview => " (PACE s.40)",
            _ => "",
        };
        let names: Vec<&str> = self.roles().iter().map(|r| doer(*r)).collect();
        let who = match names.as_slice() {
            [] => "nobody".to_string(),
            [one] => (*one).to_string(),
            [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        };
        // "A or B does it": joined by "or", the verb stays singular.
        format!("{who} does it{source}")
    }
}

/// How a refusal names a role doing something.
fn doer(role: Role) -> &'static str {
    match role {
        Hcp => "a healthcare practitioner",
        Sergeant => "a custody sergeant",
        Officer => "a detention officer",
        Admin => "the administrator",
        WallBoard => "the wall board",
    }
}

/// A role asked for a write it does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub role: Role,
    pub duty: Duty,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.role == WallBoard {
            return write!(
                f,
                "the wall board records nothing: log in on a suite terminal to {}",
                self.duty.describe()
            );
        }
        write!(
            f,
            "{} may not {}: {}",
            doer(self.role),
            self.duty.describe(),
            self.duty.done_by()
        )
    }
}

impl std::error::Error for Refused {}

/// The duty of answering and completing a form: the health screen is the HCP's, the
/// pre-release risk assessment the sergeant's or HCP's, and the booking risk assessment (and
/// any other form) the custody officer's.
pub fn form_duty(form_id: &str) -> Duty {
    match form_id {
        super::form::HEALTH_SCREEN => Duty::HealthScreen,
        super::form::PRRA => Duty::PreReleaseRiskAssessment,
        _ => Duty::RiskAssessment,
    }
}

/// Whether `role` may do `duty`.
pub fn permits(role: Role, duty: Duty) -> bool {
    duty.roles().contains(&role)
}

/// [`permits`], with the sentence a refusal shows.
pub fn permit(role: Role, duty: Duty) -> Result<(), Refused> {
    if permits(role, duty) {
        Ok(())
    } else {
        Err(Refused { role, duty })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_duty_once() {
        let unique: std::collections::HashSet<Duty> = Duty::ALL.into_iter().collect();
        assert_eq!(unique.len(), Duty::ALL.len());
    }

    #[test]
    fn the_wall_board_does_nothing_but_the_admin_raises_the_alarm() {
        for duty in Duty::ALL {
            assert!(!permits(WallBoard, duty), "{duty:?}");
        }
        let admin: Vec<Duty> = Duty::ALL
            .into_iter()
            .filter(|d| permits(Admin, *d))
            .collect();
        assert_eq!(
            admin,
            [
                Duty::ManageAccounts,
                Duty::ManageKeys,
                Duty::ResolveIntegrityWarning,
                Duty::RaiseEmergency,
                Duty::RecordEmergencyCall,
                Duty::JoinNationalRecord,
                Duty::ContactNationalRecord,
            ]
        );
    }

    #[test]
    fn refusals_say_who_does_it_instead() {
        assert_eq!(
            permit(Officer, Duty::AuthoriseDetention)
                .unwrap_err()
                .to_string(),
            "a detention officer may not authorise detention: a custody sergeant does it (PACE s.37)"
        );
        assert_eq!(
            permit(Sergeant, Duty::GiveDose).unwrap_err().to_string(),
            "a custody sergeant may not record a dose given: a healthcare practitioner does it (PACE Code C 9)"
        );
        assert_eq!(
            permit(Admin, Duty::RecordCheck).unwrap_err().to_string(),
            "the administrator may not record a cell check: a custody sergeant, a detention officer or a healthcare practitioner does it"
        );
        assert!(
            permit(WallBoard, Duty::AddFlag)
                .unwrap_err()
                .to_string()
                .starts_with("the wall board records nothing")
        );
    }
}
