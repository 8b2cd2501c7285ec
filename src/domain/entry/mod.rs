//! Entry sheets: the short, whole-screen forms an HCP fills in to add to the clinical record
//! (a NEWS2 set, a GCS, a CIWA-Ar, a medicine, a dose, a consent decision, a fitness decision,
//! a referral, an appointment). Each sheet is a list of typed fields; this module checks what
//! was typed, one field at a time and all together, and says what is wrong in one sentence
//! naming the field and the valid range.
//!
//! Unlike the screening forms (`domain::form`), a sheet is saved whole: a NEWS2 total from half
//! the vital signs would be a wrong number, not a partial one.
//!
//! DESIGN.md, "Data rules": no clinical field has a default value; impossible values are
//! refused naming the range; unusual but possible ones must be confirmed.

pub mod sheets;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;

/// One option of a choice field: the key typed, the stored value and the label shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub key: char,
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(key: char, value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice {
            key,
            value: value.into(),
            label: label.into(),
        }
    }
}

/// Which way in time a date-time field may point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Now or earlier (when a medicine was last taken). `HH:MM` means the latest such time.
    Past,
    /// Later than now (an appointment after release). `HH:MM` means the next such time.
    Future,
}

/// What a field takes.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// A number within `min..=max` (refused outside, naming the range), with `decimals`
    /// places at most. Outside `usual` (when given) it must be confirmed.
    Number {
        unit: &'static str,
        min: f64,
        max: f64,
        decimals: u8,
        usual: Option<(f64, f64)>,
    },
    /// One option, picked by its key.
    Choice(Vec<Choice>),
    /// Free text up to `max_len` characters.
    Text { max_len: usize },
    /// A London wall-clock time: `HH:MM`, `YYYY-MM-DD HH:MM`, `DD/MM/YYYY HH:MM` or `now`.
    DateTime(When),
}

/// A field shown only when an earlier choice field holds one of some values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowIf {
    pub field: &'static str,
    pub any_of: Vec<&'static str>,
}

/// A further check of a typed value, returning the sentence to show when it fails.
pub type TextCheck = fn(&str) -> Result<(), String>;

/// One field of a sheet.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: &'static str,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// One line of guidance shown under the field (what to type, the source).
    pub help: String,
    pub show_if: Option<ShowIf>,
    /// A further check of a non-empty text value (a frequency, a phone number, a postcode),
    /// returning the sentence to show.
    pub validate: Option<TextCheck>,
}

impl Field {
    pub fn new(id: &'static str, label: impl Into<String>, kind: FieldKind) -> Field {
        Field {
            id,
            label: label.into(),
            kind,
            required: true,
            help: String::new(),
            show_if: None,
            validate: None,
        }
    }

    pub fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Field {
        self.help = help.into();
        self
    }

    pub fn show_if(mut self, field: &'static str, any_of: &[&'static str]) -> Field {
        self.show_if = Some(ShowIf {
            field,
            any_of: any_of.to_vec(),
        });
        self
    }

    pub fn validated(mut self, check: TextCheck) -> Field {
        self.validate = Some(check);
        self
    }

    /// The choice picked by `key`, for a choice field.
    pub fn choice_for_key(&self, key: char) -> Option<&Choice> {
        match &self.kind {
            FieldKind::Choice(options) => options.iter().find(|c| c.key.eq_ignore_ascii_case(&key)),
            _ => None,
        }
    }

    /// The label of a stored choice value (or the value itself).
    pub fn display(&self, value: &str) -> String {
        match &self.kind {
            FieldKind::Choice(options) => options
                .iter()
                .find(|c| c.value == value)
                .map(|c| c.label.clone())
                .unwrap_or_else(|| value.to_string()),
            _ => value.to_string(),
        }
    }

    /// Checks one typed value. `Ok(Some(why))` is possible but unusual and must be confirmed.
    pub fn check(&self, raw: &str, now: DateTime<Utc>) -> Result<Option<String>, String> {
        let text = raw.trim();
        if text.is_empty() {
            return if self.required {
                Err(format!("{} is needed.", self.label))
            } else {
                Ok(None)
            };
        }
        match &self.kind {
            FieldKind::Number {
                unit,
                min,
                max,
                decimals,
                usual,
            } => {
                let value = parse_number(&self.label, text, *decimals)?;
                if value < *min || value > *max {
                    return Err(format!(
                        "{} must be between {} and {}{}; {}{} is not possible.",
                        self.label,
                        show(*min, *decimals),
                        show(*max, *decimals),
                        unit,
                        text,
                        unit
                    ));
                }
                Ok(usual.and_then(|(lo, hi)| {
                    (value < lo || value > hi).then(|| {
                        format!(
                            "{} {}{} is outside the usual {} to {}{}",
                            self.label,
                            text,
                            unit,
                            show(lo, *decimals),
                            show(hi, *decimals),
                            unit
                        )
                    })
                }))
            }
            FieldKind::Choice(options) => {
                if options.iter().any(|c| c.value == text) {
                    Ok(None)
                } else {
                    Err(format!(
                        "{}: press one of {}.",
                        self.label,
                        options
                            .iter()
                            .map(|c| format!("{} ({})", c.key, c.label))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
            FieldKind::Text { max_len } => {
                let n = text.chars().count();
                if n > *max_len {
                    return Err(format!(
                        "{} is {n} characters; the most is {max_len}.",
                        self.label
                    ));
                }
                match self.validate {
                    Some(check) => check(text).map(|()| None),
                    None => Ok(None),
                }
            }
            FieldKind::DateTime(when) => {
                parse_london_time(&self.label, text, *when, now).map(|_| None)
            }
        }
    }
}

fn show(v: f64, decimals: u8) -> String {
    format!("{:.*}", usize::from(decimals), v)
}

fn parse_number(label: &str, text: &str, decimals: u8) -> Result<f64, String> {
    let places = text.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
    let value: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("{label} must be a number; `{text}` is not."))?;
    if places > usize::from(decimals) {
        return Err(if decimals == 0 {
            format!("{label} is a whole number; `{text}` is not.")
        } else {
            format!("{label} takes {decimals} decimal place at most; `{text}` has {places}.")
        });
    }
    Ok(value)
}

/// Reads a London wall-clock time. `HH:MM` alone is the latest such time not after `now`
/// (`Past`) or the next one after it (`Future`).
pub fn parse_london_time(
    label: &str,
    text: &str,
    when: When,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return match when {
            When::Past => Ok(now),
            When::Future => Err(format!("{label} must be later than now.")),
        };
    }
    let today = now.with_timezone(&London).date_naive();
    let local = if let Some(time) = parse_clock(text) {
        let mut day = today;
        let mut candidate = NaiveDateTime::new(day, time);
        let at = to_utc(label, candidate)?;
        match when {
            When::Past if at > now => {
                day = day.pred_opt().unwrap_or(day);
                candidate = NaiveDateTime::new(day, time);
            }
            When::Future if at <= now => {
                day = day.succ_opt().unwrap_or(day);
                candidate = NaiveDateTime::new(day, time);
            }
            _ => {}
        }
        candidate
    } else if !text.contains(' ') && text.contains(':') {
        return Err(format!(
            "{label}: `{text}` is not a time; use HH:MM, 24-hour."
        ));
    } else {
        let (date_text, time_text) = text.split_once(' ').ok_or_else(|| {
            format!("{label}: type a time as HH:MM, or a date and time as YYYY-MM-DD HH:MM; `{text}` is neither.")
        })?;
        let date = parse_date(label, date_text.trim())?;
        let time = parse_clock(time_text.trim()).ok_or_else(|| {
            format!(
                "{label}: `{}` is not a time; use HH:MM, 24-hour.",
                time_text.trim()
            )
        })?;
        NaiveDateTime::new(date, time)
    };
    let at = to_utc(label, local)?;
    match when {
        When::Past if at > now + Duration::minutes(1) => Err(format!(
            "{label} cannot be in the future; {text} is later than now."
        )),
        When::Future if at <= now => Err(format!("{label} must be later than now; {text} is not.")),
        _ => Ok(at),
    }
}

fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

fn parse_date(label: &str, text: &str) -> Result<NaiveDate, String> {
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    let (y, m, d) = match (numbers.as_deref(), text.contains('/')) {
        (Some([y, m, d]), false) if parts[0].len() == 4 => (*y, *m, *d),
        (Some([d, m, y]), true) if parts[2].len() == 4 => (*y, *m, *d),
        _ => {
            return Err(format!(
                "{label}: `{text}` is not a date; use YYYY-MM-DD or DD/MM/YYYY."
            ));
        }
    };
    let year = i32::try_from(y).map_err(|_| format!("{label}: `{text}` is not a date."))?;
    NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| {
        let month = NaiveDate::from_ymd_opt(2000, m.clamp(1, 12), 1)
            .map(|d| d.format("%B").to_string())
            .unwrap_or_default();
        if (1..=12).contains(&m) {
            format!("{label}: {d} {month} {y} is not a date.")
        } else {
            format!("{label}: there is no month {m}.")
        }
    })
}

fn to_utc(label: &str, local: NaiveDateTime) -> Result<DateTime<Utc>, String> {
    // In the autumn's repeated hour the earlier (BST) reading is taken; a time in the spring's
    // missing hour does not exist on a London clock.
    London
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            format!(
                "{label}: {} did not happen in London (the clocks went forward).",
                local.format("%H:%M on %d %b %Y")
            )
        })
}

/// A sheet: a title, where it comes from, and its fields in order.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub title: String,
    pub source: &'static str,
    pub fields: Vec<Field>,
}

/// What has been typed or picked, by field id (choice fields hold the option's value).
pub type Values = BTreeMap<&'static str, String>;

/// Why a sheet cannot be saved yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// A field is missing or wrong: its id and the sentence to show.
    Field(&'static str, String),
    /// Possible but unusual values, each said in a phrase, to be confirmed.
    Unusual(Vec<String>),
}

impl Sheet {
    /// The fields shown, given what has been picked so far.
    pub fn visible(&self, values: &Values) -> Vec<&Field> {
        self.fields
            .iter()
            .filter(|f| match &f.show_if {
                None => true,
                Some(cond) => values
                    .get(cond.field)
                    .is_some_and(|v| cond.any_of.contains(&v.as_str())),
            })
            .collect()
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Checks every shown field; unusual values block until `confirmed`.
    pub fn check(
        &self,
        values: &Values,
        confirmed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), Blocked> {
        let mut unusual = Vec::new();
        for field in self.visible(values) {
            let raw = values.get(field.id).map(String::as_str).unwrap_or("");
            match field.check(raw, now) {
                Err(sentence) => return Err(Blocked::Field(field.id, sentence)),
                Ok(Some(why)) => unusual.push(why),
                Ok(None) => {}
            }
        }
        if unusual.is_empty() || confirmed {
            Ok(())
        } else {
            Err(Blocked::Unusual(unusual))
        }
    }
}

/// Typed reads of checked values, for turning a sheet into a domain value.
pub struct Read<'a> {
    pub values: &'a Values,
    pub now: DateTime<Utc>,
}

impl Read<'_> {
    /// The trimmed text of a field ("" when empty or hidden).
    pub fn text(&self, id: &str) -> String {
        self.values
            .get(id)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    /// A number field (checked already, so a parse failure is reported, not assumed away).
    pub fn number(&self, id: &str) -> Result<f64, String> {
        self.text(id)
            .parse::<f64>()
            .map_err(|_| format!("`{id}` is not a number."))
    }

    /// A whole-number field as an integer.
    pub fn whole(&self, id: &str) -> Result<i32, String> {
        let n = self.number(id)?;
        // Checked fields are bounded by their min/max, far inside i32.
        Ok(n.round() as i32)
    }

    /// A date-time field, `None` when left empty.
    pub fn time(&self, id: &str, label: &str, when: When) -> Result<Option<DateTime<Utc>>, String> {
        let text = self.text(id);
        if text.is_empty() {
            return Ok(None);
        }
        parse_london_time(label, &text, when, self.now).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn pulse() -> Field {
        Field::new(
            "pulse",
            "Pulse",
            FieldKind::Number {
                unit: " per minute",
                min: 20.0,
                max: 250.0,
                decimals: 0,
                usual: Some((35.0, 180.0)),
            },
        )
    }

    #[test]
    fn impossible_numbers_are_refused_naming_the_range() {
        let now = at(2026, 11, 23, 14, 0);
        assert_eq!(
            pulse().check("400", now),
            Err(
                "Pulse must be between 20 and 250 per minute; 400 per minute is not possible."
                    .into()
            )
        );
        assert_eq!(
            pulse().check("fast", now),
            Err("Pulse must be a number; `fast` is not.".into())
        );
        assert_eq!(
            pulse().check("72.5", now),
            Err("Pulse is a whole number; `72.5` is not.".into())
        );
        assert_eq!(pulse().check("72", now), Ok(None));
        assert_eq!(
            pulse().check("190", now),
            Ok(Some(
                "Pulse 190 per minute is outside the usual 35 to 180 per minute".into()
            ))
        );
        assert_eq!(pulse().check("", now), Err("Pulse is needed.".into()));
        assert_eq!(pulse().optional().check(" ", now), Ok(None));
    }

    #[test]
    fn clock_times_resolve_to_the_right_day() {
        // 14:00 GMT on 23 November.
        let now = at(2026, 11, 23, 14, 0);
        assert_eq!(
            parse_london_time("Last taken", "08:30", When::Past, now),
            Ok(at(2026, 11, 23, 8, 30))
        );
        assert_eq!(
            parse_london_time("Last taken", "22:00", When::Past, now),
            Ok(at(2026, 11, 22, 22, 0))
        );
        assert_eq!(
            parse_london_time("Appointment", "09:30", When::Future, now),
            Ok(at(2026, 11, 24, 9, 30))
        );
        assert_eq!(
            parse_london_time("Appointment", "2026-11-30 10:15", When::Future, now),
            Ok(at(2026, 11, 30, 10, 15))
        );
        assert_eq!(
            parse_london_time("Appointment", "30/11/2026 10:15", When::Future, now),
            Ok(at(2026, 11, 30, 10, 15))
        );
        // British Summer Time: 10:15 in July is 09:15 UTC.
        assert_eq!(
            parse_london_time("Last taken", "2026-07-01 10:15", When::Past, now),
            Ok(at(2026, 7, 1, 9, 15))
        );
    }

    #[test]
    fn impossible_and_wrong_way_times_are_refused_in_one_sentence() {
        let now = at(2026, 11, 23, 14, 0);
        assert_eq!(
            parse_london_time("Appointment", "2027-02-30 10:00", When::Future, now),
            Err("Appointment: 30 February 2027 is not a date.".into())
        );
        assert_eq!(
            parse_london_time("Appointment", "2027-13-01 10:00", When::Future, now),
            Err("Appointment: there is no month 13.".into())
        );
        assert_eq!(
            parse_london_time("Appointment", "2026-11-20 10:00", When::Future, now),
            Err("Appointment must be later than now; 2026-11-20 10:00 is not.".into())
        );
        assert_eq!(
            parse_london_time("Last taken", "2026-11-24 10:00", When::Past, now),
            Err("Last taken cannot be in the future; 2026-11-24 10:00 is later than now.".into())
        );
        assert_eq!(
            parse_london_time("Last taken", "25:00", When::Past, now),
            Err("Last taken: `25:00` is not a time; use HH:MM, 24-hour.".into())
        );
        assert_eq!(
            parse_london_time("Last taken", "2026-03-29 01:30", When::Past, now),
            Err("Last taken: 01:30 on 29 Mar 2026 did not happen in London (the clocks went forward).".into())
        );
    }

    #[test]
    fn hidden_fields_are_not_checked_and_unusual_values_need_confirming() {
        let sheet = Sheet {
            title: "t".into(),
            source: "s",
            fields: vec![
                Field::new(
                    "oxygen",
                    "Oxygen",
                    FieldKind::Choice(vec![
                        Choice::new('a', "air", "Air"),
                        Choice::new('o', "oxygen", "Oxygen"),
                    ]),
                ),
                Field::new("litres", "Flow", FieldKind::Text { max_len: 10 })
                    .show_if("oxygen", &["oxygen"]),
                pulse(),
            ],
        };
        let now = at(2026, 11, 23, 14, 0);
        let mut values = Values::new();
        values.insert("oxygen", "air".into());
        values.insert("pulse", "190".into());
        assert_eq!(sheet.visible(&values).len(), 2);
        assert!(
            matches!(sheet.check(&values, false, now), Err(Blocked::Unusual(v)) if v.len() == 1)
        );
        assert_eq!(sheet.check(&values, true, now), Ok(()));
        values.insert("oxygen", "oxygen".into());
        assert_eq!(
            sheet.check(&values, true, now),
            Err(Blocked::Field("litres", "Flow is needed.".into()))
        );
    }
}
