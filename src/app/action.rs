//! The one vocabulary of things a person can do. Keymaps bind keys to these names, the help
//! screen and the status bar describe them with these words, and `update` performs them.

use std::fmt;

/// Declares the action enum together with its stable snake_case name and one-line
/// description, so the three can never drift apart.
macro_rules! actions {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// Something a person can ask the program to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $(#[doc = $doc] $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The stable name used in keymap files and `sonar keymap print`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// One line saying what the action does, for help and hints.
            pub fn description(self) -> &'static str {
                match self { $(Action::$variant => $doc,)* }
            }

            /// Looks an action up by its stable name.
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Quit => "quit", "Leave the program";
    Lock => "lock", "Lock the terminal now: clears the screen and forgets the key";
    Help => "help", "Show every key of this screen";
    Back => "back", "Close this screen or cancel";
    Confirm => "confirm", "Confirm or open the selected item";
    MoveUp => "move_up", "Move the selection up";
    MoveDown => "move_down", "Move the selection down";
    PageUp => "page_up", "Move the selection up a page";
    PageDown => "page_down", "Move the selection down a page";
    First => "first", "Jump to the first item";
    Last => "last", "Jump to the last item";
    NextField => "next_field", "Go to the next field";
    PrevField => "prev_field", "Go to the previous field";
    DeleteBack => "delete_back", "Delete the character before the cursor";
    ClearField => "clear_field", "Clear the field being typed in";
    Filter => "filter", "Filter the list by typing";
    ClearFilter => "clear_filter", "Clear the filter and show everyone";
    NextTab => "next_tab", "Show the next tab of the record";
    PrevTab => "prev_tab", "Show the previous tab of the record";
    BreakGlass => "break_glass", "See clinical detail your role does not normally see (asks for a reason; audited)";
    Submit => "submit", "Submit the form or dialog";
    RecordCheck => "record_check", "Record a cell check (rousing visit, or written entry for constant observation) for the selected person";
    RecordPace => "record_pace", "Record a PACE review of detention, a superintendent's extension or a warrant (sergeant)";
    SetCarePlan => "set_care_plan", "Set a new version of the care plan: level, checks, rousing, instructions (sergeant)";
    BookIn => "book_in", "Book a person in: find them or create them, then the risk assessment";
    NewPerson => "new_person", "Create a new person instead of picking one found";
    NextUnanswered => "next_unanswered", "Jump to the first question not yet answered";
    AnswerDeclined => "answer_declined", "Record that the person declined to answer";
    AnswerUnable => "answer_unable", "Record that the person is unable to answer (asks why)";
    AnswerNotAsked => "answer_not_asked", "Record that the question was not asked (asks the reason)";
    AnswerHistory => "answer_history", "Show every version of this answer: who, when and why";
    AddFlag => "add_flag", "Add a risk flag by hand: its code, severity and reason";
    FlagInError => "flag_in_error", "Mark a flag entered in error, with the reason (asks to confirm; never deleted)";
    CompleteForm => "complete_form", "Complete the form (names any required question missing)";
    OpenPrra => "open_prra", "Fill in the pre-release risk assessment: needed before every release or transfer (where they go, self-harm risk, contacts, signposting, referrals)";
    ExportHandover => "export_handover", "Hand the person over (court, prison, hospital, suite, release): review what leaves, confirm, sign and export (sergeant)";
    AddClinical => "add_clinical", "Add to the clinical record: NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C, a medicine, a dose, consent, fitness, a referral or an appointment (HCP)";
    ImportBundle => "import_bundle", "Import a handover bundle from another suite: verify its signature, review, then store it as known information";
    ReviewKnown => "review_known", "Review what is known from before (earlier detentions, other suites): reconfirm each item or set it aside with a reason (HCP or sergeant)";
    ReconfirmKnown => "reconfirm_known", "Reconfirm the selected known item: it counts in this detention (audited)";
    SetAsideKnown => "set_aside_known", "Set the selected known item aside: asks the reason (audited)";
    RaiseEmergency => "raise_emergency", "Raise a medical emergency for the selected person: say what was seen; every terminal shows it and rings";
    ShowEmergencies => "show_emergencies", "Show the open emergencies full-screen again";
    AcknowledgeEmergency => "acknowledge_emergency", "Acknowledge the emergency on this terminal: the bell stops here (audited with terminal and user)";
    CallAmbulance => "call_ambulance", "Record that 999 / an ambulance was called: who called and when";
    CallHcp => "call_hcp", "Record that the HCP was called: who called and when";
    ShowReport => "show_report", "Show the suite's figures for the last 28 days: HCP waits, checks on time, doses, PRRA, referrals (sergeant, HCP, admin)";
    PreviousPeriod => "previous_period", "Show the report a week earlier";
    NextPeriod => "next_period", "Show the report a week later";
    CloseEmergency => "close_emergency", "Close the emergency with its outcome and time (custody sergeant or HCP); a care-plan review falls due";
    RequestHcp => "request_hcp", "Ask for an HCP to see the selected person: how soon (urgent, soon or routine) and why; danger now is an emergency (!) instead";
    HcpQueue => "hcp_queue", "Show the HCP's queue: everyone waiting to be seen, most overdue first; enter opens the record";
    WithdrawHcpRequest => "withdraw_hcp_request", "Withdraw the person's request for an HCP with the reason, e.g. left custody (custody sergeant or HCP)";
    AcknowledgeDirection => "acknowledge_direction", "Acknowledge the HCP's direction shown at the top of the screen (custody sergeant; audited)";
    AddRiskFlag => "add_risk_flag", "Add a risk flag to the selected person with the reason (anyone, at any time in the detention): the suggested level follows at once";
    ChangeLevel => "change_level", "Change the observation level (custody sergeant): below the suggested level needs a rationale";
    ContinueBooking => "continue_booking", "Continue the selected person's booking: the sergeant authorises detention and does the risk assessment, the HCP the health screen";
    SupervisedDose => "supervised_dose", "Record a dose the person took themselves with you supervising, for a medicine the HCP allowed (custody staff)";
    DeferHealthScreen => "defer_health_screen", "Record why the health screen cannot be done now (custody sergeant): it stops being outstanding and the reason travels";
    AppropriateAdult => "appropriate_adult", "Appropriate adult for the selected person (PACE Code C 1.4, 1.5, 3.15): record that one is needed and why, asked to come, arrived or left";
    Interpreter => "interpreter", "Interpreter for the selected person (PACE Code C 3.12, 13): record that one is needed and the language, asked to come, arrived or left";
    ShowShiftHandover => "show_shift_handover", "Show the shift handover: what happened since the last handover was taken (arrivals, releases, emergencies, late checks and doses, directions, PACE reviews, outstanding assessments)";
    AcknowledgeHandover => "acknowledge_handover", "Take the shift handover shown: you have read it and take over (custody sergeant; asks to confirm; audited)";
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_snake_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &action in Action::ALL {
            let name = action.name();
            assert!(seen.insert(name), "duplicate action name {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
            assert_eq!(Action::from_name(name), Some(action));
            assert!(!action.description().is_empty());
        }
        assert_eq!(Action::from_name("no_such_action"), None);
    }
}
