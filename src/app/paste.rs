//! A paste, delivered by the terminal as one event (bracketed paste, `terminal.rs`), typed into
//! the field that has the cursor as text only: never as keys. A line break in it is a space, so
//! it never submits or moves to the next field; other control characters are left out; it goes
//! only into a free-text field (not into a question answered with y/n, a number or a letter,
//! where a pasted letter would be a choice); and it is cut to the field's limit, with one
//! sentence saying the limit and how much was typed.
//!
//! Which field has the cursor is read from the state the same way `type_char` in `mod.rs`
//! dispatches a typed character. Each pasted character goes through `type_char` like a key
//! press would (so a search or a filter follows it), and the field is read again after each:
//! if a character was not taken, or the cursor is no longer in that field, the paste stops
//! there and says so.

use super::booking::BookingStep;
use super::care::{CareForm, CheckField, PaceEntry, PlanField};
use super::emergency::{CloseField, Dialog as EmergencyDialog};
use super::entry::EntryState;
use super::form::{FormScreen, InputMode};
use super::hcp::Dialog as HcpDialog;
use super::{App, Field, Screen};
use crate::domain::entry::FieldKind;
use crate::domain::form::AnswerKind;

/// The most a paste types into a field that has no limit of its own when typed (a username, a
/// password, the board's filter, the help screen's filter).
pub const UNLIMITED_FIELD_PASTE: usize = 200;

/// Where a paste would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A free-text field holding `held` characters, taking at most `limit`.
    Text { held: usize, limit: usize },
    /// A field answered with its keys (y/n, a number, a letter): a paste is not typed there.
    Keys,
    /// Nothing here takes typed text.
    Nothing,
}

fn text(value: &str, limit: usize) -> Target {
    Target::Text {
        held: value.chars().count(),
        limit,
    }
}

/// Types `pasted` into the field with the cursor, as text only.
pub fn paste(app: &mut App, pasted: &str) {
    app.last_activity = app.now;
    if !app.context().accepts_text() {
        app.set_error("Nothing here takes typed text: the paste was not used.");
        return;
    }
    let (held, limit) = match target(app) {
        Target::Text { held, limit } => (held, limit),
        Target::Keys => {
            app.set_error(
                "This field is answered with its keys, not typed text: the paste was not used.",
            );
            return;
        }
        Target::Nothing => {
            app.set_error("Nothing here takes typed text: the paste was not used.");
            return;
        }
    };
    let room = limit.saturating_sub(held);
    let Cleaned {
        text,
        total,
        left_out,
    } = clean(pasted, room);
    let mut typed = 0;
    let mut refused = None;
    for c in text.chars() {
        super::type_char(app, c);
        match target(app) {
            Target::Text { held: now, .. } if now == held + typed + 1 => typed += 1,
            _ => {
                refused = Some(c);
                break;
            }
        }
    }
    let mut sentences = Vec::new();
    if let Some(c) = refused {
        sentences.push(format!(
            "The paste stopped at `{}`, which this field does not take: {} of the {} pasted character{} typed.",
            crate::domain::text::printable_line(&c.to_string()),
            count(typed),
            count(total),
            if total == 1 { " was" } else { "s were" }
        ));
    } else if total > room {
        sentences.push(format!(
            "This field takes at most {} characters: {} of the {} pasted were typed and the rest left out.",
            count(limit),
            count(typed),
            count(total)
        ));
    }
    if left_out > 0 {
        sentences.push(format!(
            "{} control character{} in the paste {} left out.",
            count(left_out),
            if left_out == 1 { "" } else { "s" },
            if left_out == 1 { "was" } else { "were" }
        ));
    }
    if !sentences.is_empty() {
        app.set_error(sentences.join(" "));
    }
}

/// A paste made text for one field.
#[derive(Debug, PartialEq, Eq)]
struct Cleaned {
    /// The first characters, as many as the field has room for.
    text: String,
    /// How many characters the whole paste is, as text.
    total: usize,
    /// Control characters left out.
    left_out: usize,
}

/// The paste as text: line breaks and tabs as single spaces (a trailing line break dropped),
/// every other character a terminal would act on left out and counted. Only the first `room`
/// characters are kept, so a paste of any size costs no more than the field holds.
fn clean(pasted: &str, room: usize) -> Cleaned {
    let mut text = String::with_capacity(room.min(pasted.len()));
    let (mut total, mut left_out) = (0, 0);
    let mut chars = pasted.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' if chars.peek() == Some(&'\n') => continue,
            '\r' | '\n' | '\t' => ' ',
            c if crate::domain::text::acts_on_terminal(c) => {
                left_out += 1;
                continue;
            }
            c => c,
        };
        if total < room {
            text.push(c);
        }
        total += 1;
    }
    Cleaned {
        text,
        total,
        left_out,
    }
}

/// `n` with thousands separated: 5,000.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The field a typed character would go to, in the order `type_char` looks.
fn target(app: &App) -> Target {
    if let Some(help) = &app.help {
        return text(&help.filter, UNLIMITED_FIELD_PASTE);
    }
    if let Some(d) = &app.emergency.dialog {
        return match d {
            EmergencyDialog::Raise {
                seen,
                location,
                on_location,
                ..
            } => {
                if *on_location {
                    text(location, 40)
                } else {
                    text(seen, 300)
                }
            }
            EmergencyDialog::Call {
                called_by,
                time,
                on_time,
                ..
            } => {
                if *on_time {
                    text(time, 5)
                } else {
                    text(called_by, 80)
                }
            }
            EmergencyDialog::Close {
                time, note, field, ..
            } => match field {
                CloseField::Outcome => Target::Keys,
                CloseField::Time => text(time, 5),
                CloseField::Note => text(note, 300),
            },
        };
    }
    if let Some(d) = &app.hcp.dialog {
        let limit = crate::domain::hcp::request::MAX_REASON_CHARS;
        return match d {
            HcpDialog::Request {
                reason, on_reason, ..
            } => {
                if *on_reason {
                    text(reason, limit)
                } else {
                    Target::Keys
                }
            }
            HcpDialog::Withdraw { reason, .. } => text(reason, limit),
        };
    }
    if let Some(d) = &app.duty {
        use super::duties::{DutyDialog, FlagField, MAX_WORDS};
        return match d {
            DutyDialog::AddFlag { reason, focus, .. } => match focus {
                FlagField::Reason => text(reason, MAX_WORDS),
                FlagField::Code | FlagField::Severity => Target::Keys,
            },
            DutyDialog::Level {
                rationale,
                on_rationale,
                ..
            } => {
                if *on_rationale {
                    text(rationale, MAX_WORDS)
                } else {
                    Target::Keys
                }
            }
            DutyDialog::DeferScreen { reason, .. } => text(reason, MAX_WORDS),
        };
    }
    if let Some(d) = &app.support.dialog {
        return if d.on_text {
            text(&d.text, crate::domain::support::MAX_DETAIL_CHARS)
        } else {
            Target::Keys
        };
    }
    if let Some(form) = &app.care.form {
        return care_target(form);
    }
    if let Some(f) = &app.prra {
        return form_target(f);
    }
    if let Some(h) = &app.handover {
        use super::handover::Step;
        return match (&h.step, h.field) {
            (Step::Review(_), _) => Target::Keys,
            (Step::Details, 0) => Target::Keys,
            (Step::Details, 1) => text(&h.receiving_org, 300),
            (Step::Details, 2) => text(&h.receiving_officer, 300),
            (Step::Details, 3) => text(&h.out_dir, 300),
            _ => Target::Nothing,
        };
    }
    if let Some(s) = &app.import {
        return match s.step {
            super::import::Step::Paths if s.field == 0 => text(&s.bundle_path, 1000),
            super::import::Step::Paths => text(&s.trust_path, 1000),
            _ => Target::Nothing,
        };
    }
    if let Some(e) = &app.entry {
        return entry_target(e);
    }
    match &app.screen {
        Screen::Booking(b) => match &b.step {
            BookingStep::Search(s) => text(&s.query, 80),
            BookingStep::Details(d) => match &d.picking {
                Some(p) => p.reason.as_deref().map_or(Target::Keys, |r| text(r, 200)),
                None => d
                    .fields
                    .get(d.focus)
                    .map_or(Target::Nothing, |f| text(&f.value, 120)),
            },
            BookingStep::Banner(_) | BookingStep::Finished => Target::Nothing,
            BookingStep::Form(f) => form_target(f),
        },
        Screen::Login(s) => match s.focus {
            Some(Field::Second) => text(&s.password, UNLIMITED_FIELD_PASTE),
            _ => text(&s.username, UNLIMITED_FIELD_PASTE),
        },
        Screen::ChangePassword(s) => match s.focus {
            Field::First => text(&s.new, UNLIMITED_FIELD_PASTE),
            Field::Second => text(&s.repeat, UNLIMITED_FIELD_PASTE),
        },
        Screen::Board(b) if b.filtering => text(&b.filter, UNLIMITED_FIELD_PASTE),
        Screen::Board(_) => Target::Nothing,
        Screen::Record(r) => {
            if let Some(reason) = r.review.as_ref().and_then(|v| v.reason.as_deref()) {
                text(reason, 200)
            } else if let Some(d) = &r.dialog {
                text(&d.reason, 200)
            } else {
                Target::Nothing
            }
        }
    }
}

/// A question of a form (booking risk, health screen, PRRA).
fn form_target(f: &FormScreen) -> Target {
    let Some(q) = f.question() else {
        return Target::Nothing;
    };
    if f.mode != InputMode::Answer {
        return text(&f.input, 500);
    }
    match &q.kind {
        AnswerKind::YesNo | AnswerKind::Choice(_) | AnswerKind::MultiChoice(_) => Target::Keys,
        AnswerKind::Text { max_len } => text(&f.input, (*max_len).min(500)),
        _ => text(&f.input, 500),
    }
}

/// A care plan, a check or a PACE entry.
fn care_target(form: &CareForm) -> Target {
    match form {
        CareForm::Pace(f) => {
            let field = match (f.field, f.entry) {
                (0, _) | (2, PaceEntry::Decision(_)) => return Target::Keys,
                (1, PaceEntry::Decision(_)) => &f.outcome,
                (1, _) => &f.by,
                (2, PaceEntry::Review) => &f.outcome,
                (3, PaceEntry::Review) => &f.representations,
                (4, PaceEntry::Review) => &f.late_reason,
                (2, _) => &f.until_hours,
                _ => return Target::Nothing,
            };
            text(field, 300)
        }
        CareForm::Plan(f) => match f.field {
            PlanField::Instructions => text(&f.instructions, 500),
            PlanField::Rationale => text(&f.rationale, 500),
            PlanField::Level | PlanField::Interval | PlanField::Rouse => Target::Keys,
            PlanField::HcpRecommended => Target::Keys,
        },
        CareForm::Check(f) => match f.field {
            CheckField::Rousable | CheckField::Questions | CheckField::Commands => Target::Keys,
            CheckField::MinutesAgo => text(&f.minutes_ago, 2),
            CheckField::Condition => text(&f.condition, 300),
            CheckField::Note => text(&f.note, 300),
            CheckField::LateReason => text(&f.late_reason, 300),
        },
    }
}

/// The menu of clinical entries, or a field of an entry sheet.
fn entry_target(e: &EntryState) -> Target {
    let EntryState::Sheet(s) = e else {
        return Target::Keys;
    };
    let Some(field) = s.focused_id().and_then(|id| s.sheet.field(id)) else {
        return Target::Nothing;
    };
    let value = s.values.get(field.id).map_or("", String::as_str);
    match &field.kind {
        FieldKind::Choice(_) => Target::Keys,
        FieldKind::Text { max_len } => text(value, *max_len),
        FieldKind::Number { .. } | FieldKind::DateTime(_) => text(value, 20),
    }
}

#[cfg(test)]
mod tests {
    use super::{Cleaned, clean, count};

    #[test]
    fn line_breaks_are_spaces_and_controls_are_left_out() {
        let cleaned = |text: &str, total, left_out| Cleaned {
            text: text.to_string(),
            total,
            left_out,
        };
        assert_eq!(clean("a\r\nb\nc\td\r\n", 100), cleaned("a b c d", 7, 0));
        assert_eq!(
            clean("Smith\u{1b}[2K\u{7}\u{202e}", 100),
            cleaned("Smith[2K", 8, 3)
        );
        // Only what the field has room for is kept; the whole is counted.
        assert_eq!(clean(&"ab\n".repeat(1000), 4), cleaned("ab a", 2999, 0));
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(5), "5");
        assert_eq!(count(120), "120");
        assert_eq!(count(5000), "5,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
