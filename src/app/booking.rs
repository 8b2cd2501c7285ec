//! Booking in from the board: find the person (or create them), the detention's details, the
//! "already known" banner, then the risk assessment form.

use chrono::Duration;

use super::action::Action;
use super::board::BoardState;
use super::form::FormScreen;
use super::{App, Screen};
use crate::domain::booking::{PersonInput, parse_query, validate_person};
use crate::domain::form::{BOOKING_RISK, HEALTH_SCREEN, embedded_forms};
use crate::domain::observation::london_date;
use crate::domain::rules::embedded_rules;
use crate::store::booking::{Booking, KnownFlag, PersonMatch};

/// How many people a search shows.
pub const SEARCH_LIMIT: u32 = 12;

/// Finding the person.
#[derive(Debug, Default)]
pub struct SearchState {
    pub query: String,
    pub results: Vec<PersonMatch>,
    pub selected: usize,
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
}

/// What is already known, shown before the first question.
#[derive(Debug)]
pub struct BannerState {
    pub detention_id: i64,
    pub who: String,
    pub flags: Vec<KnownFlag>,
    /// What other suites' handovers said (medication, plan, appointments...), as imported:
    /// `(kind, text, source suite, signed at)`. Referral and appointment text only for HCPs.
    pub notes: Vec<(String, String, String, String)>,
}

/// The steps of booking in.
#[derive(Debug)]
pub enum BookingStep {
    Search(SearchState),
    Details(DetailsState),
    Banner(BannerState),
    Form(Box<FormScreen>),
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
    match store.search_people(&parse_query(&s.query, year), SEARCH_LIMIT) {
        Ok(found) => s.results = found,
        Err(e) => {
            s.results.clear();
            app.set_error(format!("Could not search: {e}."));
        }
    }
}

fn details_for(person: Option<PersonMatch>, query: &str) -> DetailsState {
    let mut fields: Vec<DetailField> = Vec::new();
    if person.is_none() {
        let mut words = query.split_whitespace();
        for label in PERSON_FIELDS {
            let value = match label {
                "Surname" => words.next().unwrap_or_default().to_string(),
                "Forenames" => words.next().unwrap_or_default().to_string(),
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
    DetailsState {
        person,
        fields,
        focus: 0,
        error: None,
    }
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
            if let Some(f) = d.fields.get_mut(d.focus)
                && f.value.chars().count() < 120
            {
                f.value.push(c);
            }
        }
        BookingStep::Banner(_) => {}
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
            Action::NewPerson => BookingStep::Details(details_for(None, &s.query)),
            Action::Submit | Action::Confirm => match s.results.get(s.selected).cloned() {
                Some(p) if p.detentions.iter().any(|d| d.2) => match resume(app, &p) {
                    Some(step) => step,
                    None => BookingStep::Search(s),
                },
                Some(p) => BookingStep::Details(details_for(Some(p), "")),
                None if s.query.trim().is_empty() => {
                    app.set_error("Type a surname, date of birth, NHS number or PNC id.");
                    BookingStep::Search(s)
                }
                None => BookingStep::Details(details_for(None, &s.query)),
            },
            _ => BookingStep::Search(s),
        },
        BookingStep::Details(mut d) => match action {
            Action::Back => return back_to_board(app, b.board),
            Action::NextField | Action::MoveDown => {
                d.focus = (d.focus + 1) % d.fields.len();
                BookingStep::Details(d)
            }
            Action::PrevField | Action::MoveUp => {
                d.focus = (d.focus + d.fields.len() - 1) % d.fields.len();
                BookingStep::Details(d)
            }
            Action::DeleteBack => {
                if let Some(f) = d.fields.get_mut(d.focus) {
                    f.value.pop();
                }
                BookingStep::Details(d)
            }
            Action::ClearField => {
                if let Some(f) = d.fields.get_mut(d.focus) {
                    f.value.clear();
                }
                BookingStep::Details(d)
            }
            Action::Submit | Action::Confirm => {
                if d.focus + 1 < d.fields.len() {
                    d.focus += 1;
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
        BookingStep::Banner(banner) => match action {
            Action::Submit | Action::Confirm => {
                let now = app.now;
                let result = match app.session.as_mut() {
                    Some(store) => {
                        store.acknowledge_banner(banner.detention_id, banner.flags.len(), now)
                    }
                    None => return back_to_board(app, b.board),
                };
                match result {
                    Ok(()) => open_form(app, banner.detention_id, banner.who).unwrap_or(
                        BookingStep::Banner(BannerState {
                            detention_id: banner.detention_id,
                            who: String::new(),
                            flags: banner.flags,
                            notes: banner.notes,
                        }),
                    ),
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
        },
        BookingStep::Form(mut f) => {
            if !super::form::action(app, &mut f, action) || f.done {
                return back_to_board(app, b.board);
            }
            BookingStep::Form(f)
        }
    };
    Screen::Booking(Box::new(b))
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
    let store = app.session.as_mut()?;
    let (person_id, who) = match &d.person {
        Some(p) => (
            p.person_id,
            format!("{}, {}", p.surname.to_uppercase(), p.forenames),
        ),
        None => {
            let input = PersonInput {
                surname: value(d, "Surname"),
                forenames: value(d, "Forenames"),
                date_of_birth: value(d, "Date of birth"),
                sex: value(d, "Sex (m/f/o/u)"),
                nhs_number: value(d, "NHS number"),
                pnc_id: value(d, "PNC id"),
            };
            let valid = match validate_person(&input, today) {
                Ok(v) => v,
                Err(e) => {
                    d.error = Some(e.to_string());
                    return None;
                }
            };
            match store.create_person(&valid, now) {
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
                    d.fields.retain(|f| DETENTION_FIELDS.contains(&f.label));
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
        authorised_at: Some(now),
        arresting_officer: value(d, "Arresting officer"),
        reason: value(d, "Reason for arrest"),
        cell: value(d, "Cell"),
    };
    if booking.cell.is_empty() {
        d.error = Some("Give the cell the person is going to.".into());
        return None;
    }
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
    if booked.appropriate_adult_flag {
        app.set_info("Under 18: the appropriate adult flag (AA) was raised.");
    }
    if known.is_empty() && notes.is_empty() {
        return open_form(app, booked.detention_id, who);
    }
    Some(BookingStep::Banner(BannerState {
        detention_id: booked.detention_id,
        who,
        flags: known,
        notes,
    }))
}

/// The form this person fills in: the HCP's health screen for a clinician, the custody
/// officer's risk assessment for everyone else.
fn form_for(app: &App) -> &'static str {
    match app.identity() {
        Some(i) if i.role.sees_clinical_detail() => HEALTH_SCREEN,
        _ => BOOKING_RISK,
    }
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
    let acknowledged = store.banner_acknowledged(detention_id).unwrap_or(false);
    let state = store
        .form_state(detention_id, form_for(app))
        .unwrap_or_default();
    if state.completed.is_some() {
        app.set_info("This form is complete: any change is an amendment, with a reason.");
    }
    if (!known.is_empty() || !notes.is_empty()) && !acknowledged {
        return Some(BookingStep::Banner(BannerState {
            detention_id,
            who,
            flags: known,
            notes,
        }));
    }
    open_form(app, detention_id, who)
}

fn open_form(app: &mut App, detention_id: i64, who: String) -> Option<BookingStep> {
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
    let id = form_for(app);
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

/// How long ago, in words, for the banner: "3 days ago", "5 months ago".
pub fn ago(days: i64) -> String {
    let d = Duration::days(days).num_days();
    match d {
        i64::MIN..=0 => "today".into(),
        1 => "yesterday".into(),
        2..=60 => format!("{d} days ago"),
        61..=730 => format!("{} months ago", d / 30),
        _ => format!("{} years ago", d / 365),
    }
}
