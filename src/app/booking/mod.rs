//! Booking in from the board: find the person (or create them), the detention's details, the
//! "already known" banner, then the risk assessment form.

use crate::domain::authority::{Duty, form_duty, permits};

use super::action::Action;
use super::board::BoardState;
use super::form::FormScreen;
use super::{App, Screen};
use crate::domain::booking::{PersonInput, parse_query, prefill_from_search, validate_person};
use crate::domain::cell::{Occupant, SHARED_REASON_MIN_WORDS, occupied_warning, shared_reason};
use crate::domain::form::{BOOKING_RISK, HEALTH_SCREEN, embedded_forms};
use crate::domain::observation::london_date;
use crate::domain::rules::embedded_rules;
use crate::keymap::Context;
use crate::store::booking::{Booking, DuplicateCandidate, PersonMatch};

/// How many people a search shows.
pub const SEARCH_LIMIT: u32 = 12;

/// Finding the person.
#[derive(Debug, Default)]
pub struct SearchState {
    pub query: String,
    pub results: Vec<PersonMatch>,
    pub selected: usize,
    /// What the national record says when the search names someone by an identifier (or
    /// surname and date of birth): asking, who it knows, or that it cannot be reached.
    pub national: Option<super::national::SearchNational>,
}

/// One typed field of the details screen.
#[derive(Debug, Clone)]
pub struct DetailField {
    pub label: &'static str,
    pub value: String,
}

/// The person's details (when new) and the detention's.
#[derive(Debug)]
pub struct DetailsState {
    /// The person picked from the search, or `None` to create one from the fields.
    pub person: Option<PersonMatch>,
    pub fields: Vec<DetailField>,
    pub focus: usize,
    pub error: Option<String>,
    /// People already known who may be the new person, found when the person's fields are
    /// done (and again before creating): shown on this screen with their last detention.
    pub candidates: Vec<DuplicateCandidate>,
    /// The candidates list has the keyboard: pick one, or create a new person anyway.
    pub picking: Option<Picking>,
    /// Why a new person is created although `candidates` were shown, and their ids: given
    /// once, passed to the store (which refuses without it) and audited.
    pub duplicate_reason: Option<(String, Vec<i64>)>,
    /// Who is in custody in the cell typed, looked up as it is typed: while anyone is, the
    /// screen names them and a [`SHARED_REASON`] field follows the cell.
    pub occupants: Vec<Occupant>,
}

impl DetailsState {
    /// "C4 is occupied by Sean O'BRIEN (NG-26-000036): say why they share, or choose another
    /// cell", while the cell typed is someone's.
    pub fn cell_warning(&self) -> Option<String> {
        (!self.occupants.is_empty())
            .then(|| occupied_warning(&value(self, "Cell"), &self.occupants))
    }
}

/// Choosing among the possible duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picking {
    pub selected: usize,
    /// `Some` while the reason for creating a new person anyway is being typed.
    pub reason: Option<String>,
}

mod banner;
pub use banner::*;

/// The steps of booking in.
#[derive(Debug)]
pub enum BookingStep {
    Search(SearchState),
    Details(Box<DetailsState>),
    Banner(BannerState),
    Form(Box<FormScreen>),
    /// Booked in, and this role has no booking form of its own (a detention officer): back to
    /// the board, where the duties still owed show.
    Finished,
}

/// Booking in, with the board to return to.
#[derive(Debug)]
pub struct BookingState {
    pub step: BookingStep,
    pub board: BoardState,
}

const PERSON_FIELDS: [&str; 6] = [
    "Surname",
    "Forenames",
    "Date of birth",
    "Sex (m/f/o/u)",
    "NHS number",
    "PNC id",
];
const DETENTION_FIELDS: [&str; 3] = ["Arresting officer", "Reason for arrest", "Cell"];
/// The field that follows the cell while someone else in custody is in it.
pub const SHARED_REASON: &str = "Why they share";

/// Whether a field belongs to the detention (kept when the person is picked or created).
fn detention_field(label: &str) -> bool {
    DETENTION_FIELDS.contains(&label) || label == SHARED_REASON
}

/// Opens the person search from the board.
pub fn start(board: BoardState) -> Screen {
    Screen::Booking(Box::new(BookingState {
        step: BookingStep::Search(SearchState::default()),
        board,
    }))
}

fn search(app: &mut App, s: &mut SearchState) {
    let Some(store) = app.session.as_ref() else {
        return;
    };
    let year = chrono::Datelike::year(&london_date(app.now));
    s.selected = 0;
    let query = parse_query(&s.query, year);
    match store.search_people(&query, SEARCH_LIMIT) {
        Ok(found) => s.results = found,
        Err(e) => {
            s.results.clear();
            app.set_error(format!("Could not search: {e}."));
        }
    }
    // Only for someone this suite does not know: what the record knows comes with the banner.
    if s.results.is_empty() {
        if let Some(asked) = super::national::ask_for_search(app, &query) {
            s.national = Some(asked);
        }
    } else {
        s.national = None;
    }
}

/// The record answered the person search (or could not be reached).
pub fn search_answered(app: &mut App, said: super::national::SearchNational) {
    if let Screen::Booking(b) = &mut app.screen
        && let BookingStep::Search(s) = &mut b.step
        && s.results.is_empty()
    {
        s.national = Some(said);
    }
}

/// A new person's details: from the handover the national record holds about them when the
/// search found them there (the newest), else from what was typed.
fn new_person_details(s: &SearchState, year: i32) -> Box<DetailsState> {
    let known = match &s.national {
        Some(super::national::SearchNational::Known(k)) => k.first(),
        _ => None,
    };
    let mut d = details_for(None, &s.query, year);
    if let Some(k) = known {
        for f in &mut d.fields {
            let from_record = match f.label {
                "Surname" => &k.person.surname,
                "Forenames" => &k.person.forenames,
                "Date of birth" => &k.person.date_of_birth,
                "NHS number" => &k.person.nhs_number,
                "PNC id" => &k.person.pnc_id,
                _ => continue,
            };
            if !from_record.is_empty() {
                f.value = from_record.clone();
            }
        }
        d.focus = d
            .fields
            .iter()
            .position(|f| f.value.is_empty())
            .unwrap_or(0);
    }
    d
}

/// The details screen: for a new person, the person's fields filled once from what was typed
/// in the search ([`prefill_from_search`]), with the cursor on the first one left empty.
fn details_for(person: Option<PersonMatch>, query: &str, year: i32) -> Box<DetailsState> {
    let mut fields: Vec<DetailField> = Vec::new();
    if person.is_none() {
        let typed = prefill_from_search(query, year);
        for label in PERSON_FIELDS {
            let value = match label {
                "Surname" => typed.surname.clone(),
                "Forenames" => typed.forenames.clone(),
                "Date of birth" => typed.date_of_birth.clone(),
                "NHS number" => typed.nhs_number.clone(),
                "PNC id" => typed.pnc_id.clone(),
                _ => String::new(),
            };
            fields.push(DetailField { label, value });
        }
    }
    for label in DETENTION_FIELDS {
        fields.push(DetailField {
            label,
            value: String::new(),
        });
    }
    let focus = fields.iter().position(|f| f.value.is_empty()).unwrap_or(0);
    Box::new(DetailsState {
        person,
        fields,
        focus,
        error: None,
        candidates: Vec::new(),
        picking: None,
        duplicate_reason: None,
        occupants: Vec::new(),
    })
}

/// Looks up who is in the cell as typed now, and shows or removes the reason field after it.
/// The store checks again when booking in, so a failed look-up only loses the early warning.
fn cell_changed(app: &mut App, d: &mut DetailsState) {
    let cell = value(d, "Cell");
    d.occupants = match app.session.as_ref().map(|s| s.cell_occupants(&cell)) {
        Some(Ok(found)) => found,
        Some(Err(e)) => {
            d.error = Some(format!("Could not look up who is in {cell}: {e}."));
            Vec::new()
        }
        None => Vec::new(),
    };
    let reason_at = d.fields.iter().position(|f| f.label == SHARED_REASON);
    match (d.occupants.is_empty(), reason_at) {
        (false, None) => {
            let after_cell = d
                .fields
                .iter()
                .position(|f| f.label == "Cell")
                .map_or(d.fields.len(), |i| i + 1);
            d.fields.insert(
                after_cell,
                DetailField {
                    label: SHARED_REASON,
                    value: String::new(),
                },
            );
            if d.focus >= after_cell {
                d.focus += 1;
            }
        }
        (true, Some(i)) => {
            d.fields.remove(i);
            if d.focus > i {
                d.focus -= 1;
            }
            d.focus = d.focus.min(d.fields.len().saturating_sub(1));
        }
        _ => {}
    }
}

/// Whether the focused field is the cell: editing it looks up who is there.
fn on_cell(d: &DetailsState) -> bool {
    d.fields.get(d.focus).is_some_and(|f| f.label == "Cell")
}

fn this_year(app: &App) -> i32 {
    chrono::Datelike::year(&london_date(app.now))
}

/// The new person's fields as typed.
fn person_input(d: &DetailsState) -> PersonInput {
    PersonInput {
        surname: value(d, "Surname"),
        forenames: value(d, "Forenames"),
        date_of_birth: value(d, "Date of birth"),
        sex: value(d, "Sex (m/f/o/u)"),
        nhs_number: value(d, "NHS number"),
        pnc_id: value(d, "PNC id"),
    }
}

/// For a new person: checks the fields and looks for people already known who may be them.
/// Returns `true` when booking may go on: the fields are valid and either no one may be this
/// person or a reason to create them anyway covers exactly the people found. Otherwise the
/// error or the candidates (with the keyboard on them) are on the screen.
fn check_duplicates(app: &mut App, d: &mut DetailsState) -> bool {
    if d.person.is_some() {
        return true;
    }
    let today = london_date(app.now);
    let valid = match validate_person(&person_input(d), today) {
        Ok(v) => v,
        Err(e) => {
            d.error = Some(e.to_string());
            return false;
        }
    };
    let Some(store) = app.session.as_ref() else {
        return false;
    };
    match store.possible_duplicates(&valid) {
        Ok(found) => d.candidates = found,
        Err(e) => {
            d.error = Some(format!("Could not look for the person already known: {e}."));
            return false;
        }
    }
    let ids: Vec<i64> = d.candidates.iter().map(|c| c.person.person_id).collect();
    if ids.is_empty() {
        d.duplicate_reason = None;
        return true;
    }
    if d.duplicate_reason
        .as_ref()
        .is_some_and(|(_, had)| *had == ids)
    {
        return true;
    }
    d.duplicate_reason = None;
    d.error = None;
    d.picking = Some(Picking::default());
    app.set_info(format!(
        "Already known: pick the person ({}) or make a new one ({}, asks why).",
        app.keymap.key_name(Context::Form, Action::Submit),
        app.keymap.key_name(Context::Form, Action::NewPerson),
    ));
    false
}

/// Moves past the person's fields (after the last of them), looking for duplicates first.
fn next_field(app: &mut App, d: &mut DetailsState) {
    let leaving_person =
        d.person.is_none() && d.fields.get(d.focus).is_some_and(|f| f.label == "PNC id");
    if leaving_person && !check_duplicates(app, d) {
        return;
    }
    d.error = None;
    d.focus = (d.focus + 1) % d.fields.len();
}

/// The first detention field's index.
fn first_detention_field(d: &DetailsState) -> usize {
    d.fields
        .iter()
        .position(|f| detention_field(f.label))
        .unwrap_or(0)
}

/// After picking or declining the candidates: book now if the detention is filled in,
/// otherwise go to its first field.
fn continue_details(app: &mut App, mut d: Box<DetailsState>) -> BookingStep {
    if value(&d, "Cell").is_empty() {
        d.focus = first_detention_field(&d);
        return BookingStep::Details(d);
    }
    d.focus = d.fields.len().saturating_sub(1);
    match book(app, &mut d) {
        Some(next) => next,
        None => BookingStep::Details(d),
    }
}

/// A key while the candidates list has the keyboard.
fn picking_action(
    app: &mut App,
    mut d: Box<DetailsState>,
    mut p: Picking,
    action: Action,
) -> BookingStep {
    if let Some(reason) = p.reason.as_mut() {
        match action {
            Action::Back => p.reason = None,
            Action::DeleteBack => {
                reason.pop();
            }
            Action::ClearField => reason.clear(),
            Action::Submit | Action::Confirm => {
                let why = reason.trim().to_string();
                if why.is_empty() {
                    app.set_error(
                        "Type why a new person is created when someone already known may be them.",
                    );
                } else {
                    let ids = d.candidates.iter().map(|c| c.person.person_id).collect();
                    d.duplicate_reason = Some((why, ids));
                    d.picking = None;
                    return continue_details(app, d);
                }
            }
            _ => {}
        }
        d.picking = Some(p);
        return BookingStep::Details(d);
    }
    match action {
        Action::MoveDown | Action::NextField if p.selected + 1 < d.candidates.len() => {
            p.selected += 1;
        }
        Action::MoveUp | Action::PrevField => p.selected = p.selected.saturating_sub(1),
        Action::First => p.selected = 0,
        Action::Last => p.selected = d.candidates.len().saturating_sub(1),
        Action::NewPerson => {
            p.reason = Some(String::new());
            app.set_info("Say why this is a new person (audited), then Enter.");
        }
        Action::Back => {
            d.picking = None;
            d.focus = 0;
            return BookingStep::Details(d);
        }
        Action::Submit | Action::Confirm => {
            let Some(chosen) = d.candidates.get(p.selected).map(|c| c.person.clone()) else {
                d.picking = None;
                return BookingStep::Details(d);
            };
            if chosen.detentions.iter().any(|det| det.2) {
                return match resume(app, &chosen) {
                    Some(step) => step,
                    None => {
                        d.picking = Some(p);
                        BookingStep::Details(d)
                    }
                };
            }
            d.person = Some(chosen);
            d.picking = None;
            d.candidates.clear();
            d.duplicate_reason = None;
            d.error = None;
            d.fields.retain(|f| detention_field(f.label));
            return continue_details(app, d);
        }
        _ => {}
    }
    d.picking = Some(p);
    BookingStep::Details(d)
}

/// A character typed while booking in.
pub fn type_char(app: &mut App, b: &mut BookingState, c: char) {
    match &mut b.step {
        BookingStep::Search(s) => {
            if s.query.chars().count() < 80 {
                s.query.push(c);
                search(app, s);
            }
        }
        BookingStep::Details(d) => {
            if let Some(p) = d.picking.as_mut() {
                if let Some(reason) = p.reason.as_mut()
                    && reason.chars().count() < 200
                {
                    reason.push(c);
                }
            } else if let Some(f) = d.fields.get_mut(d.focus)
                && f.value.chars().count() < 120
            {
                f.value.push(c);
                if on_cell(d) {
                    cell_changed(app, d);
                }
            }
        }
        BookingStep::Banner(_) | BookingStep::Finished => {}
        BookingStep::Form(f) => super::form::type_char(app, f, c),
    }
}

/// An action while booking in; returns the screen to show next.
pub fn action(app: &mut App, mut b: BookingState, action: Action) -> Screen {
    let step = std::mem::replace(&mut b.step, BookingStep::Search(SearchState::default()));
    b.step = match step {
        BookingStep::Search(mut s) => match action {
            Action::Back => return back_to_board(app, b.board),
            Action::DeleteBack => {
                s.query.pop();
                search(app, &mut s);
                BookingStep::Search(s)
            }
            Action::ClearField => {
                s.query.clear();
                search(app, &mut s);
                BookingStep::Search(s)
            }
            Action::MoveDown | Action::NextField => {
                if s.selected + 1 < s.results.len() {
                    s.selected += 1;
                }
                BookingStep::Search(s)
            }
            Action::MoveUp | Action::PrevField => {
                s.selected = s.selected.saturating_sub(1);
                BookingStep::Search(s)
            }
            Action::NewPerson => BookingStep::Details(new_person_details(&s, this_year(app))),
            Action::Submit | Action::Confirm => match s.results.get(s.selected).cloned() {
                Some(p) if p.detentions.iter().any(|d| d.2) => match resume(app, &p) {
                    Some(step) => step,
                    None => BookingStep::Search(s),
                },
                Some(p) => BookingStep::Details(details_for(Some(p), "", this_year(app))),
                None if s.query.trim().is_empty() => {
                    app.set_error("Type a surname, date of birth, NHS number or PNC id.");
                    BookingStep::Search(s)
                }
                None => BookingStep::Details(new_person_details(&s, this_year(app))),
            },
            _ => BookingStep::Search(s),
        },
        BookingStep::Details(mut d) => match (d.picking.take(), action) {
            (Some(p), action) => picking_action(app, d, p, action),
            (None, Action::Back) => return back_to_board(app, b.board),
            (None, Action::NextField | Action::MoveDown) => {
                next_field(app, &mut d);
                BookingStep::Details(d)
            }
            (None, Action::PrevField | Action::MoveUp) => {
                d.focus = (d.focus + d.fields.len() - 1) % d.fields.len();
                BookingStep::Details(d)
            }
            (None, Action::DeleteBack) => {
                if let Some(f) = d.fields.get_mut(d.focus) {
                    f.value.pop();
                }
                if on_cell(&d) {
                    cell_changed(app, &mut d);
                }
                BookingStep::Details(d)
            }
            (None, Action::ClearField) => {
                if let Some(f) = d.fields.get_mut(d.focus) {
                    f.value.clear();
                }
                if on_cell(&d) {
                    cell_changed(app, &mut d);
                }
                BookingStep::Details(d)
            }
            (None, Action::Submit | Action::Confirm) => {
                if d.focus + 1 < d.fields.len() {
                    next_field(app, &mut d);
                    BookingStep::Details(d)
                } else {
                    match book(app, &mut d) {
                        Some(next) => next,
                        None => BookingStep::Details(d),
                    }
                }
            }
            _ => BookingStep::Details(d),
        },
        BookingStep::Banner(mut banner) => {
            let today = london_date(app.now);
            let (_, height) = banner_view(app.body_size());
            let page = height.saturating_sub(1).max(1);
            match action {
                Action::MoveDown => banner.scroll += 1,
                Action::MoveUp => banner.scroll = banner.scroll.saturating_sub(1),
                Action::PageDown => banner.scroll += page,
                Action::PageUp => banner.scroll = banner.scroll.saturating_sub(page),
                Action::First => banner.scroll = 0,
                Action::Last => banner.scroll = usize::MAX,
                _ => {}
            }
            let below = banner_settle(&mut banner, today, app.body_size());
            match action {
                Action::Submit | Action::Confirm if !banner.seen_end => {
                    app.set_error(format!(
                        "Scroll to the end ({below} more line{}) before acknowledging: {} goes there.",
                        if below == 1 { "" } else { "s" },
                        app.keymap.key_name(Context::Form, Action::Last),
                    ));
                    BookingStep::Banner(banner)
                }
                Action::Submit | Action::Confirm => {
                    let now = app.now;
                    let result = match app.session.as_mut() {
                        Some(store) => {
                            store.acknowledge_banner(banner.detention_id, banner.flags.len(), now)
                        }
                        None => return back_to_board(app, b.board),
                    };
                    match result {
                        Ok(()) => {
                            let (id, who) = (banner.detention_id, banner.who.clone());
                            open_form(app, id, who).unwrap_or(BookingStep::Banner(banner))
                        }
                        Err(e) => {
                            app.set_error(format!("Could not record the acknowledgement: {e}."));
                            BookingStep::Banner(banner)
                        }
                    }
                }
                Action::Back => {
                    app.set_error(
                        "Acknowledge what is already known (Enter) before the first question.",
                    );
                    BookingStep::Banner(banner)
                }
                _ => BookingStep::Banner(banner),
            }
        }
        BookingStep::Form(mut f) => {
            if !super::form::action(app, &mut f, action) || f.done {
                return back_to_board(app, b.board);
            }
            BookingStep::Form(f)
        }
        BookingStep::Finished => BookingStep::Finished,
    };
    if matches!(b.step, BookingStep::Finished) {
        return back_to_board(app, b.board);
    }
    Screen::Booking(Box::new(b))
}

/// Continues the booking of someone already in custody, from the board or their record: the
/// form this role owes them (the sergeant's risk assessment, the HCP's health screen), after
/// the banner of what is known if nobody has acknowledged it yet.
pub fn continue_booking(app: &mut App, board: BoardState, detention_id: i64) -> Screen {
    if form_for(app).is_none() {
        app.set_error(
            "Booking is continued by a custody sergeant (authorisation and risk assessment) or an HCP (health screen).",
        );
        return Screen::Board(board);
    }
    let person = app.session.as_ref().and_then(|store| {
        store
            .custody_entry(detention_id)
            .ok()
            .flatten()
            .filter(|e| e.closed_at.is_none())
    });
    let Some(entry) = person else {
        app.set_error("That person is no longer in custody here.");
        return Screen::Board(board);
    };
    let p = PersonMatch {
        person_id: entry.person_id,
        surname: entry.surname.clone(),
        forenames: entry.forenames.clone(),
        date_of_birth: entry.date_of_birth,
        nhs_number: None,
        pnc_id: None,
        detentions: Vec::new(),
        detention_count: 0,
    };
    match resume(app, &p) {
        Some(BookingStep::Finished) | None => back_to_board(app, board),
        Some(step) => Screen::Booking(Box::new(BookingState { step, board })),
    }
}

fn value(d: &DetailsState, label: &str) -> String {
    d.fields
        .iter()
        .find(|f| f.label == label)
        .map(|f| f.value.trim().to_string())
        .unwrap_or_default()
}

/// Creates the person if new, books them in, and moves to the banner or the form.
fn book(app: &mut App, d: &mut DetailsState) -> Option<BookingStep> {
    let now = app.now;
    let today = london_date(now);
    // Before the person is created: an occupied cell with no reason stops here, and someone
    // booked into the cell since it was typed is named now rather than by the store.
    cell_changed(app, d);
    let shared_cell_reason = if d.occupants.is_empty() {
        None
    } else {
        match shared_reason(&value(d, SHARED_REASON)) {
            Some(reason) => Some(reason),
            None => {
                let cell = d
                    .occupants
                    .first()
                    .map_or_else(|| value(d, "Cell"), |o| o.cell.trim().to_string());
                d.error = Some(format!(
                    "Say why they share {cell} (at least {SHARED_REASON_MIN_WORDS} words), or choose another cell."
                ));
                if let Some(i) = d.fields.iter().position(|f| f.label == SHARED_REASON) {
                    d.focus = i;
                }
                return None;
            }
        }
    };
    let (person_id, who) = match &d.person {
        Some(p) => (
            p.person_id,
            format!("{}, {}", p.surname.to_uppercase(), p.forenames),
        ),
        None => {
            if !check_duplicates(app, d) {
                return None;
            }
            let valid = match validate_person(&person_input(d), today) {
                Ok(v) => v,
                Err(e) => {
                    d.error = Some(e.to_string());
                    return None;
                }
            };
            let reason = d.duplicate_reason.as_ref().map(|(r, _)| r.as_str());
            let store = app.session.as_mut()?;
            match store.create_person(&valid, reason, now) {
                Ok(id) => {
                    let who = format!("{}, {}", valid.surname.to_uppercase(), valid.forenames);
                    // From here on the person exists: a retry must not create them twice.
                    d.person = Some(PersonMatch {
                        person_id: id,
                        surname: valid.surname.clone(),
                        forenames: valid.forenames.clone(),
                        date_of_birth: valid.date_of_birth,
                        nhs_number: None,
                        pnc_id: None,
                        detentions: Vec::new(),
                        detention_count: 0,
                    });
                    d.fields.retain(|f| detention_field(f.label));
                    d.focus = d.fields.len().saturating_sub(1);
                    (id, who)
                }
                Err(e) => {
                    d.error = Some(format!("Could not save the person: {e}."));
                    return None;
                }
            }
        }
    };
    let booking = Booking {
        arrived_at: now,
        // Only a custody sergeant authorises detention (s.37); anyone else's booking waits
        // on the board as RISK ASSESSMENT OUTSTANDING until a sergeant does.
        authorised_at: app
            .identity()
            .is_some_and(|i| permits(i.role, Duty::AuthoriseDetention))
            .then_some(now),
        arresting_officer: value(d, "Arresting officer"),
        reason: value(d, "Reason for arrest"),
        cell: value(d, "Cell"),
        shared_cell_reason,
    };
    if booking.cell.is_empty() {
        d.error = Some("Give the cell the person is going to.".into());
        return None;
    }
    let store = app.session.as_mut()?;
    let booked = match store.book_in(person_id, &booking, now) {
        Ok(b) => b,
        Err(e) => {
            d.error = Some(format!("Could not book in: {e}."));
            return None;
        }
    };
    let who = format!("{who} · {}", booked.custody_no);
    let known = store
        .known_flags(person_id, Some(booked.detention_id))
        .unwrap_or_default();
    let notes = store.imported_notes(person_id).unwrap_or_default();
    let record = record_known(store, booked.detention_id);
    if booked.appropriate_adult_flag {
        app.set_info("Under 18: the appropriate adult flag (AA) was raised.");
    }
    // Asked before deciding: with a national record joined, the banner always opens, so
    // what the record says is seen before the first question.
    let asked = super::national::ask_about(app, person_id, booked.detention_id);
    if known.is_empty() && notes.is_empty() && record.is_empty() && !asked {
        return open_form(app, booked.detention_id, who);
    }
    Some(open_banner(
        app,
        booked.detention_id,
        who,
        known,
        notes,
        record,
    ))
}

/// The booking form this role fills in: the HCP's health screen, the custody sergeant's risk
/// assessment; none for anyone else (they start the booking and the board shows what is owed).
fn form_for(app: &App) -> Option<&'static str> {
    let role = app.identity()?.role;
    [BOOKING_RISK, HEALTH_SCREEN]
        .into_iter()
        .find(|form| permits(role, form_duty(form)))
}

/// A person already in custody: their booking-in form resumes at its first unanswered
/// question (after the banner, if it has not been acknowledged yet).
fn resume(app: &mut App, p: &PersonMatch) -> Option<BookingStep> {
    let store = app.session.as_ref()?;
    let (detention_id, custody_no) = match store.open_detention(p.person_id) {
        Ok(Some(d)) => d,
        Ok(None) => return None,
        Err(e) => {
            app.set_error(format!("Could not read the detention: {e}."));
            return None;
        }
    };
    let who = format!(
        "{}, {} · {custody_no}",
        p.surname.to_uppercase(),
        p.forenames
    );
    let known = store
        .known_flags(p.person_id, Some(detention_id))
        .unwrap_or_default();
    let notes = store.imported_notes(p.person_id).unwrap_or_default();
    let record = record_known(store, detention_id);
    let acknowledged = store.banner_acknowledged(detention_id).unwrap_or(false);
    let state = match form_for(app) {
        Some(form) => store.form_state(detention_id, form).unwrap_or_default(),
        None => Default::default(),
    };
    if state.completed.is_some() {
        app.set_info("This form is complete: any change is an amendment, with a reason.");
    }
    if (!known.is_empty() || !notes.is_empty() || !record.is_empty()) && !acknowledged {
        return Some(open_banner(app, detention_id, who, known, notes, record));
    }
    open_form(app, detention_id, who)
}

fn open_form(app: &mut App, detention_id: i64, who: String) -> Option<BookingStep> {
    let Some(id) = form_for(app) else {
        app.set_info(format!(
            "Booked in: {who}. A custody sergeant must authorise detention and do the risk assessment, an HCP the health screen."
        ));
        return Some(BookingStep::Finished);
    };
    let forms = match embedded_forms() {
        Ok(f) => f,
        Err(e) => {
            app.set_error(format!("The forms do not load: {e}"));
            return None;
        }
    };
    let rules = match embedded_rules(&forms) {
        Ok(r) => r,
        Err(e) => {
            app.set_error(format!("The rules do not load: {e}"));
            return None;
        }
    };
    let form = forms.into_iter().find(|f| f.id == id)?;
    match FormScreen::open(app, detention_id, who, form, rules) {
        Ok(f) => Some(BookingStep::Form(Box::new(f))),
        Err(e) => {
            app.set_error(e);
            None
        }
    }
}

fn back_to_board(app: &mut App, mut board: BoardState) -> Screen {
    if let Some(store) = app.session.as_ref()
        && let Ok(entries) = store.in_custody()
    {
        board.replace_entries(entries, app.now);
    }
    Screen::Board(board)
}
