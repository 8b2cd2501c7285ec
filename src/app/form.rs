//! Filling in a screening form, one question at a time. Every answer is saved (with its audit
//! row) the moment it is entered; the screen opens at the first unanswered question, so a
//! killed terminal resumes where it stopped.
//!
//! Keys: `y`/`n` answer yes/no questions, digits pick a choice (or toggle a multi-choice, then
//! Enter), other answers are typed and Enter saves them. Declined, unable to answer (why) and
//! not asked (reason) have their own keys. Tab/Shift-Tab move between questions without
//! answering; "next unanswered" jumps to the first gap.

use std::collections::{BTreeMap, HashMap};

use super::App;
use super::action::Action;
use crate::domain::flag::{FlagCode, Severity};
use crate::domain::form::{Answer, AnswerKind, AnswerValue, Answers, Form, Question};
use crate::domain::rules::Rule;
use crate::keymap::Context;
use crate::store::booking::{AnswerVersion, Carried, DetentionFlag};

/// What typed text is going into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    /// The answer itself (typed answers; choice keys act at once).
    Answer,
    /// The "give details" follow-up of the answer just saved.
    Details,
    /// Why the person is unable to answer.
    Unable,
    /// Why the question was not asked.
    NotAsked,
    /// Why an answer to a completed form changes (the amendment's reason).
    Amend,
    /// A flag added by hand: `CODE severity reason`.
    AddFlag,
    /// A flag marked entered in error: `CODE reason`.
    FlagInError,
    /// Confirming the entered-in-error marking (it cannot be undone).
    ConfirmInError,
}

/// The form screen's state.
#[derive(Debug)]
pub struct FormScreen {
    pub detention_id: i64,
    /// "SURNAME, Forenames · custody number" for the title.
    pub who: String,
    pub form: Form,
    pub rules: Vec<Rule>,
    pub answers: Answers,
    /// Answers from an earlier detention, shown as carried over until confirmed.
    pub carried: HashMap<String, Carried>,
    /// The question on screen.
    pub current: String,
    pub mode: InputMode,
    pub input: String,
    /// Multi-choice values toggled so far.
    pub selected: Vec<String>,
    /// Entries of a repeating group typed so far (not yet saved).
    pub group_rows: Vec<BTreeMap<String, String>>,
    /// Flags of this detention, refreshed after each answer.
    pub flags: Vec<DetentionFlag>,
    /// The form has been completed (a later change needs a reason).
    pub completed: bool,
    /// Set once the form is complete and the screen should close.
    pub done: bool,
    /// A changed answer to a completed form, waiting for its reason.
    pub pending: Option<Answer>,
    /// Every version of the current question's answer, while shown.
    pub history: Option<Vec<AnswerVersion>>,
    /// The flag about to be marked entered in error: (flag id, code, reason).
    pub in_error: Option<(i64, String, String)>,
}

impl FormScreen {
    /// Opens a form at its first unanswered question (or the first question).
    pub fn open(
        app: &mut App,
        detention_id: i64,
        who: String,
        form: Form,
        rules: Vec<Rule>,
    ) -> Result<FormScreen, String> {
        let Some(store) = app.session.as_ref() else {
            return Err("You are not logged in.".into());
        };
        let state = store
            .form_state(detention_id, &form.id)
            .map_err(|e| format!("Could not read the form: {e}."))?;
        let carried = store
            .carried_answers(detention_id, &form.id)
            .map_err(|e| format!("Could not read earlier answers: {e}."))?;
        let flags = store.detention_flags(detention_id).unwrap_or_default();
        let current = form
            .first_unanswered(&state.answers)
            .or_else(|| form.questions().next().map(|(_, q)| q))
            .map(|q| q.id.clone())
            .unwrap_or_default();
        let mut screen = FormScreen {
            detention_id,
            who,
            form,
            rules,
            answers: state.answers,
            carried,
            current,
            mode: InputMode::Answer,
            input: String::new(),
            selected: Vec::new(),
            group_rows: Vec::new(),
            flags,
            completed: state.completed.is_some(),
            done: false,
            pending: None,
            history: None,
            in_error: None,
        };
        screen.enter_question();
        Ok(screen)
    }

    pub fn question(&self) -> Option<&Question> {
        self.form.question(&self.current)
    }

    /// (answered, applicable) for the progress line.
    pub fn progress(&self) -> (usize, usize) {
        self.form.progress(&self.answers)
    }

    /// The applicable questions' ids, in order.
    fn order(&self) -> Vec<String> {
        self.form
            .applicable(&self.answers)
            .into_iter()
            .map(|q| q.id.clone())
            .collect()
    }

    /// Resets the input for the question now on screen, showing its saved answer.
    fn enter_question(&mut self) {
        self.mode = InputMode::Answer;
        self.pending = None;
        self.history = None;
        self.input.clear();
        self.group_rows.clear();
        self.selected = match self.answers.get(&self.current).map(|a| &a.value) {
            Some(AnswerValue::Multi(v)) => v.clone(),
            _ => Vec::new(),
        };
        // A saved answer whose details are still missing opens on the details.
        if let (Some(q), Some(a)) = (self.question(), self.answers.get(&self.current))
            && q.needs_details(&a.value)
            && a.details.as_deref().is_none_or(|d| d.trim().is_empty())
        {
            self.mode = InputMode::Details;
        }
    }

    fn go_to(&mut self, id: String) {
        self.current = id;
        self.enter_question();
    }

    /// Moves by one applicable question.
    fn step(&mut self, forward: bool) {
        let order = self.order();
        let i = order.iter().position(|q| *q == self.current);
        let next = match (i, forward) {
            (Some(i), true) => order.get(i + 1),
            (Some(i), false) => i.checked_sub(1).and_then(|i| order.get(i)),
            (None, _) => order.first(),
        };
        if let Some(id) = next.cloned() {
            self.go_to(id);
        }
    }

    /// After an answer: the next unanswered question after this one, else the first gap,
    /// else stay.
    fn advance(&mut self) {
        let order = self.order();
        let start = order
            .iter()
            .position(|q| *q == self.current)
            .map_or(0, |i| i + 1);
        let gap = order
            .iter()
            .skip(start)
            .chain(order.iter().take(start))
            .find(|q| !self.answers.contains_key(*q))
            .cloned();
        match gap {
            Some(id) => self.go_to(id),
            None => {
                if let Some(id) = order.get(start).cloned() {
                    self.go_to(id);
                } else {
                    self.enter_question();
                }
            }
        }
    }
}

/// Saves an answer to the current question; on success moves on (or to its details). On a
/// completed form the answer waits for the amendment's reason first.
fn save(app: &mut App, f: &mut FormScreen, answer: Answer) {
    if f.completed {
        f.pending = Some(answer);
        f.mode = InputMode::Amend;
        f.input.clear();
        app.set_info("This form is complete: say why the answer changes, then press Enter.");
        return;
    }
    save_with(app, f, answer, None);
}

fn save_with(app: &mut App, f: &mut FormScreen, answer: Answer, reason: Option<&str>) {
    let Some(question) = f.question().cloned() else {
        return;
    };
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    match store.save_answer(
        f.detention_id,
        &f.form,
        &f.rules,
        &question.id,
        &answer,
        reason,
        now,
    ) {
        Ok(saved) => {
            let needs_details = question.needs_details(&answer.value)
                && answer
                    .details
                    .as_deref()
                    .is_none_or(|d| d.trim().is_empty());
            f.answers.insert(question.id.clone(), answer);
            f.carried.remove(&question.id);
            f.flags = store.detention_flags(f.detention_id).unwrap_or_default();
            let mut said = Vec::new();
            if !saved.raised.is_empty() {
                let codes: Vec<String> = saved
                    .raised
                    .iter()
                    .map(|r| format!("{}{}", r.code, r.severity.marker()))
                    .collect();
                said.push(format!("Flag raised: {}.", codes.join(", ")));
            }
            if !saved.no_longer_follows.is_empty() {
                // Flags are never taken away by a changed answer: the person decides.
                said.push(format!(
                    "{} no longer follows from the answers: if it is wrong, mark it entered in error ({}).",
                    saved.no_longer_follows.join(", "),
                    app.keymap.key_name(Context::Form, Action::FlagInError)
                ));
            }
            if !said.is_empty() {
                app.set_info(said.join(" "));
            }
            if needs_details {
                f.mode = InputMode::Details;
                f.input.clear();
            } else {
                f.advance();
            }
        }
        Err(e) => app.set_error(sentence(&e.to_string())),
    }
}

fn sentence(text: &str) -> String {
    super::sentence(text)
}

/// A character typed on the form screen.
pub fn type_char(app: &mut App, f: &mut FormScreen, c: char) {
    let Some(q) = f.question().cloned() else {
        return;
    };
    if f.mode != InputMode::Answer {
        if f.input.chars().count() < 500 {
            f.input.push(c);
        }
        return;
    }
    match &q.kind {
        AnswerKind::YesNo => match c.to_ascii_lowercase() {
            'y' => save(app, f, plain(AnswerValue::Yes)),
            'n' => save(app, f, plain(AnswerValue::No)),
            _ => app.set_error("Press y for yes or n for no."),
        },
        AnswerKind::Choice(choices) => match choices.iter().find(|ch| ch.key == c) {
            Some(ch) => save(app, f, plain(AnswerValue::Choice(ch.value.clone()))),
            None => app.set_error(format!("Press a number from the list ({}).", keys(choices))),
        },
        AnswerKind::MultiChoice(choices) => match choices.iter().find(|ch| ch.key == c) {
            Some(ch) => {
                if let Some(i) = f.selected.iter().position(|v| *v == ch.value) {
                    f.selected.remove(i);
                } else {
                    f.selected.push(ch.value.clone());
                }
            }
            None => app.set_error(format!(
                "Press numbers from the list ({}), then Enter.",
                keys(&choices.to_vec())
            )),
        },
        _ => {
            if f.input.chars().count() < 500 {
                f.input.push(c);
            }
        }
    }
}

fn keys(choices: &[crate::domain::form::Choice]) -> String {
    choices
        .iter()
        .map(|c| c.key.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn plain(value: AnswerValue) -> Answer {
    Answer {
        value,
        details: None,
    }
}

/// An action on the form screen. Returns false when the screen should close (Back).
pub fn action(app: &mut App, f: &mut FormScreen, action: Action) -> bool {
    match action {
        Action::Back => {
            if f.mode != InputMode::Answer && f.mode != InputMode::Details {
                f.mode = InputMode::Answer;
                f.input.clear();
                f.pending = None;
                f.in_error = None;
                return true;
            }
            let (answered, total) = f.progress();
            app.set_info(format!(
                "{answered} of {total} answered and saved; book-in continues from the record or by booking in again."
            ));
            return false;
        }
        Action::NextField | Action::MoveDown | Action::PageDown => f.step(true),
        Action::PrevField | Action::MoveUp | Action::PageUp => f.step(false),
        Action::First => {
            if let Some(id) = f.order().first().cloned() {
                f.go_to(id);
            }
        }
        Action::Last => {
            if let Some(id) = f.order().last().cloned() {
                f.go_to(id);
            }
        }
        Action::NextUnanswered => match f.form.first_unanswered(&f.answers) {
            Some(q) => {
                let id = q.id.clone();
                f.go_to(id);
            }
            None => app.set_info("Every question is answered: complete the form."),
        },
        Action::DeleteBack => {
            let popped = f.input.pop().is_some();
            let multi = matches!(
                f.question().map(|q| &q.kind),
                Some(AnswerKind::MultiChoice(_))
            );
            if !popped && multi && f.mode == InputMode::Answer {
                f.selected.pop();
            }
        }
        Action::ClearField => {
            f.input.clear();
            f.selected.clear();
        }
        Action::AnswerDeclined => save(app, f, plain(AnswerValue::Declined)),
        Action::AnswerUnable => {
            f.mode = InputMode::Unable;
            f.input.clear();
        }
        Action::AnswerNotAsked => {
            f.mode = InputMode::NotAsked;
            f.input.clear();
        }
        Action::Submit | Action::Confirm => submit(app, f),
        Action::AnswerHistory => toggle_history(app, f),
        Action::AddFlag => {
            f.mode = InputMode::AddFlag;
            f.input.clear();
        }
        Action::FlagInError => {
            f.mode = InputMode::FlagInError;
            f.input.clear();
        }
        Action::CompleteForm => complete(app, f),
        _ => {}
    }
    true
}

/// Adds a flag by hand from `CODE severity reason`.
fn add_flag(app: &mut App, f: &mut FormScreen, text: &str) {
    let mut words = text.splitn(3, ' ');
    let code = words.next().unwrap_or_default().parse::<FlagCode>();
    let severity = words.next().unwrap_or_default().parse::<Severity>();
    let reason = words.next().unwrap_or_default().trim().to_string();
    let (code, severity) = match (code, severity) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => {
            app.set_error(format!("{e} Type the code, the severity, then the reason."));
            return;
        }
    };
    if reason.is_empty() {
        app.set_error("A flag needs a reason: type the code, the severity, then the reason.");
        return;
    }
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    match store.add_flag(f.detention_id, code, severity, &reason, now) {
        Ok(_) => {
            f.flags = store.detention_flags(f.detention_id).unwrap_or_default();
            f.mode = InputMode::Answer;
            f.input.clear();
            app.set_info(format!("Flag {code}{} added.", severity.marker()));
        }
        Err(e) => app.set_error(sentence(&e.to_string())),
    }
}

/// Shows (or hides) every version of the current question's answer.
fn toggle_history(app: &mut App, f: &mut FormScreen) {
    if f.history.take().is_some() {
        return;
    }
    let Some(store) = app.session.as_ref() else {
        return;
    };
    match store.answer_history(f.detention_id, &f.form.id, &f.current) {
        Ok(h) if h.is_empty() => app.set_info("This question has no answer yet."),
        Ok(h) => f.history = Some(h),
        Err(e) => app.set_error(sentence(&e.to_string())),
    }
}

fn submit(app: &mut App, f: &mut FormScreen) {
    let Some(q) = f.question().cloned() else {
        return;
    };
    let text = f.input.trim().to_string();
    match f.mode {
        InputMode::AddFlag => add_flag(app, f, &text),
        InputMode::FlagInError => {
            let (code, reason) = text.split_once(' ').unwrap_or((text.as_str(), ""));
            let found = f
                .flags
                .iter()
                .find(|fl| fl.entered_in_error.is_none() && fl.code.eq_ignore_ascii_case(code));
            match (found, reason.trim()) {
                (None, _) => app.set_error(format!(
                    "This detention has no active flag `{code}`: type the code, a space and the reason."
                )),
                (Some(_), "") => {
                    app.set_error("Give the reason the flag was entered in error.")
                }
                (Some(fl), reason) => {
                    f.in_error = Some((fl.flag_id, fl.code.clone(), reason.to_string()));
                    f.mode = InputMode::ConfirmInError;
                    f.input.clear();
                }
            }
        }
        InputMode::ConfirmInError => {
            let Some((id, code, reason)) = f.in_error.take() else {
                f.mode = InputMode::Answer;
                return;
            };
            f.mode = InputMode::Answer;
            let now = app.now;
            let Some(store) = app.session.as_mut() else {
                return;
            };
            match store.mark_flag_in_error(id, &reason, now) {
                Ok(()) => {
                    f.flags = store.detention_flags(f.detention_id).unwrap_or_default();
                    app.set_info(format!(
                        "The {code} flag is marked entered in error (kept in the record with the reason)."
                    ));
                }
                Err(e) => app.set_error(sentence(&e.to_string())),
            }
        }
        InputMode::Amend => {
            if text.is_empty() {
                app.set_error("Say why the answer changes, then press Enter.");
                return;
            }
            if let Some(answer) = f.pending.take() {
                f.mode = InputMode::Answer;
                save_with(app, f, answer, Some(&text));
            }
        }
        InputMode::Unable | InputMode::NotAsked => {
            if text.is_empty() {
                app.set_error(if f.mode == InputMode::Unable {
                    "Say why the person is unable to answer, then press Enter."
                } else {
                    "Say why the question was not asked, then press Enter."
                });
                return;
            }
            let value = if f.mode == InputMode::Unable {
                AnswerValue::Unable(text)
            } else {
                AnswerValue::NotAsked(text)
            };
            save(app, f, plain(value));
        }
        InputMode::Details => {
            if text.is_empty() {
                app.set_error("Give the details, then press Enter.");
                return;
            }
            let Some(previous) = f.answers.get(&q.id).cloned() else {
                f.mode = InputMode::Answer;
                return;
            };
            save(
                app,
                f,
                Answer {
                    value: previous.value,
                    details: Some(text),
                },
            );
        }
        InputMode::Answer => {
            // Enter on an empty line confirms a carried-over answer by asking again.
            if text.is_empty()
                && !matches!(
                    q.kind,
                    AnswerKind::MultiChoice(_) | AnswerKind::Group { .. }
                )
                && let Some(c) = f.carried.get(&q.id).cloned()
            {
                save(app, f, c.answer);
                return;
            }
            let value = match &q.kind {
                AnswerKind::MultiChoice(_) => AnswerValue::Multi(f.selected.clone()),
                AnswerKind::Number { unit, .. } => match text.parse::<f64>() {
                    Ok(n) => AnswerValue::Number(n),
                    Err(_) => {
                        let unit = if unit.is_empty() { "" } else { unit.as_str() };
                        app.set_error(format!(
                            "Type a number{}, then press Enter.",
                            if unit.is_empty() {
                                String::new()
                            } else {
                                format!(" of {unit}")
                            }
                        ));
                        return;
                    }
                },
                AnswerKind::Text { .. } => {
                    if text.is_empty() {
                        app.set_error("Type the answer, or record it as declined, unable to answer or not asked.");
                        return;
                    }
                    AnswerValue::Text(text)
                }
                AnswerKind::Date => match crate::domain::booking::parse_date(&text) {
                    Some(d) => AnswerValue::Date(d.to_string()),
                    None => {
                        app.set_error("Type the date as dd/mm/yyyy.");
                        return;
                    }
                },
                AnswerKind::DateTime => {
                    if text.is_empty() {
                        app.set_error("Type the date and time, e.g. 23/11/2026 13:30.");
                        return;
                    }
                    AnswerValue::DateTime(text)
                }
                AnswerKind::Group { fields } => {
                    if !text.is_empty() {
                        let row: BTreeMap<String, String> = fields
                            .iter()
                            .cloned()
                            .zip(text.split(';').map(|s| s.trim().to_string()))
                            .collect();
                        f.group_rows.push(row);
                        f.input.clear();
                        return;
                    }
                    AnswerValue::Group(std::mem::take(&mut f.group_rows))
                }
                AnswerKind::YesNo | AnswerKind::Choice(_) => {
                    app.set_error("Press the key of an answer.");
                    return;
                }
            };
            save(app, f, plain(value));
        }
    }
}

fn complete(app: &mut App, f: &mut FormScreen) {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return;
    };
    match store.complete_form(f.detention_id, &f.form, now) {
        Ok(authorised_now) => {
            let authorised = if authorised_now {
                format!(
                    " Detention authorised at {}: the PACE review clock starts.",
                    crate::domain::observation::to_london(now)
                )
            } else {
                String::new()
            };
            f.completed = true;
            f.done = true;
            let flags = f
                .flags
                .iter()
                .filter(|fl| fl.entered_in_error.is_none())
                .count();
            app.set_info(format!(
                "{} completed; {flags} flag{} on the board.{authorised}",
                f.form.title,
                if flags == 1 { "" } else { "s" }
            ));
        }
        Err(e) => {
            app.set_error(sentence(&e.to_string()));
            if let Some(q) = f.form.first_unanswered(&f.answers) {
                let id = q.id.clone();
                f.go_to(id);
            }
        }
    }
}
