//! The clinical record's entry sheets, and the turning of a checked sheet into the domain's
//! score inputs. Field ranges come from the score modules themselves (one table each), so the
//! screen refuses exactly what the scoring and the store would.
//!
//! Sources: `reference/clinical-scores.md` (NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C);
//! `reference/custody-practice.md` (fitness decisions, consent, Liaison and Diversion,
//! DIRDET-style drug/alcohol referral, medication and time-critical medicines).

use super::{Choice, Field, FieldKind, Read, Sheet, When};
use crate::domain::appointment;
use crate::domain::contact::{Postcode, UkPhone};
use crate::domain::medication::Frequency;
use crate::domain::scores::audit_c::AuditC;
use crate::domain::scores::ciwa::{self, Ciwa};
use crate::domain::scores::cows::{self, Cows};
use crate::domain::scores::gcs::Gcs;
use crate::domain::scores::news2::{self, Consciousness, Observations, SpO2Scale, VitalRange};
use crate::domain::text::capitalise;

/// What an entry sheet adds to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    News2,
    Gcs,
    Ciwa,
    Cows,
    AuditC,
    Medicine,
    Dose,
    Consent,
    Fitness,
    Referral,
    Appointment,
    StopMedicine,
    ScoreInError,
    HcpContact,
    ConfirmReported,
    Allergy,
    EntryInError,
    /// A direction to custody staff, which a sergeant acknowledges (`domain::hcp::direction`).
    Direction,
    /// Allowing custody staff to supervise the person taking one of their own medicines.
    SelfAdministration,
    /// A dose the person took themselves with custody staff supervising (not on the HCP's
    /// menu: custody staff open it from the record).
    SupervisedDose,
}

impl EntryKind {
    /// In menu order, with the key that picks each.
    pub const MENU: [(char, EntryKind); 19] = [
        ('h', EntryKind::HcpContact),
        ('i', EntryKind::Direction),
        ('n', EntryKind::News2),
        ('g', EntryKind::Gcs),
        ('a', EntryKind::Ciwa),
        ('o', EntryKind::Cows),
        ('u', EntryKind::AuditC),
        ('e', EntryKind::ScoreInError),
        ('m', EntryKind::Medicine),
        ('v', EntryKind::ConfirmReported),
        ('d', EntryKind::Dose),
        ('s', EntryKind::StopMedicine),
        ('t', EntryKind::SelfAdministration),
        ('c', EntryKind::Consent),
        ('f', EntryKind::Fitness),
        ('r', EntryKind::Referral),
        ('p', EntryKind::Appointment),
        ('l', EntryKind::Allergy),
        ('x', EntryKind::EntryInError),
    ];

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::News2 => "NEWS2 observations",
            EntryKind::Gcs => "Glasgow Coma Scale",
            EntryKind::Ciwa => "CIWA-Ar (alcohol withdrawal)",
            EntryKind::Cows => "COWS (opiate withdrawal)",
            EntryKind::AuditC => "AUDIT-C (alcohol use)",
            EntryKind::Medicine => "Medicine brought, reported or prescribed",
            EntryKind::Dose => "Dose: given, declined, withheld or not available",
            EntryKind::Consent => "Consent to share health information",
            EntryKind::Fitness => "Fitness decision (detain, interview, transfer or release)",
            EntryKind::Referral => "Referral (Liaison and Diversion, drug or alcohol service)",
            EntryKind::Appointment => "Appointment after release",
            EntryKind::StopMedicine => "Stop a medicine (stopped, or entered in error)",
            EntryKind::ScoreInError => "Mark a score entered in error (its flags go with it)",
            EntryKind::HcpContact => "Assessment or contact, with a note",
            EntryKind::ConfirmReported => "Confirm a reported medicine into the medication list",
            EntryKind::Allergy => "Allergy or intolerance (found after the screen)",
            EntryKind::EntryInError => "Mark a record entry entered in error (kept, with why)",
            EntryKind::Direction => "Direction to custody staff (a sergeant acknowledges it)",
            EntryKind::SelfAdministration => {
                "Supervised self-administration: allow, or stop allowing"
            }
            EntryKind::SupervisedDose => "Supervised dose: the person took their own medicine",
        }
    }

    /// Whether the sheet picks one of the medicines the person reported or brought.
    pub fn needs_reported(self) -> bool {
        self == EntryKind::ConfirmReported
    }

    /// Whether the sheet picks one of the entries made on the record in this detention.
    pub fn needs_record_entries(self) -> bool {
        self == EntryKind::EntryInError
    }

    /// Whether the sheet picks one of the person's recent scores.
    pub fn needs_scores(self) -> bool {
        self == EntryKind::ScoreInError
    }

    /// Whether the sheet picks one of the person's current medicines.
    pub fn needs_medicines(self) -> bool {
        matches!(
            self,
            EntryKind::Dose | EntryKind::StopMedicine | EntryKind::SelfAdministration
        )
    }

    /// Whether the sheet picks one of the medicines an HCP allowed custody staff to supervise.
    pub fn needs_self_administered(self) -> bool {
        self == EntryKind::SupervisedDose
    }
}

fn vital(id: &'static str, range: VitalRange, decimals: u8, help: &str) -> Field {
    let scale = if decimals == 1 { 10.0 } else { 1.0 };
    Field::new(
        id,
        range.item,
        FieldKind::Number {
            unit: range.unit,
            min: f64::from(range.min) / scale,
            max: f64::from(range.max) / scale,
            decimals,
            usual: Some((
                f64::from(range.usual_min) / scale,
                f64::from(range.usual_max) / scale,
            )),
        },
    )
    .help(help)
}

fn choices(options: &[(char, &str, &str)]) -> FieldKind {
    FieldKind::Choice(
        options
            .iter()
            .map(|(k, v, l)| Choice::new(*k, *v, *l))
            .collect(),
    )
}

fn text(id: &'static str, label: &str, max_len: usize) -> Field {
    Field::new(id, label, FieldKind::Text { max_len })
}

/// NEWS2: seven parameters, both SpO2 scales, air or oxygen, ACVPU.
pub fn news2_sheet() -> Sheet {
    Sheet {
        title: "NEWS2 observations".into(),
        source: "Royal College of Physicians, NEWS2 (2017)",
        fields: vec![
            vital(
                "respiration_rate",
                news2::RESPIRATION_RANGE,
                0,
                "Breaths per minute, counted over a full minute.",
            ),
            vital("spo2", news2::SPO2_RANGE, 0, "Oxygen saturation, %."),
            Field::new(
                "scale",
                "SpO2 scale",
                choices(&[
                    ('1', "1", "Scale 1"),
                    (
                        '2',
                        "2",
                        "Scale 2 (hypercapnic respiratory failure, target 88-92%)",
                    ),
                ]),
            )
            .help("Scale 2 only when a clinician has decided the person's target is 88-92%."),
            Field::new(
                "oxygen",
                "Air or oxygen",
                choices(&[('a', "air", "Air"), ('o', "oxygen", "Oxygen")]),
            ),
            vital(
                "systolic_bp",
                news2::SYSTOLIC_RANGE,
                0,
                "Systolic blood pressure, mmHg.",
            ),
            vital("pulse", news2::PULSE_RANGE, 0, "Beats per minute."),
            Field::new(
                "consciousness",
                "Consciousness (ACVPU)",
                choices(&[
                    ('a', "alert", "Alert"),
                    ('c', "new_confusion", "New confusion"),
                    ('v', "voice", "Responds to voice"),
                    ('p', "pain", "Responds to pain"),
                    ('u', "unresponsive", "Unresponsive"),
                ]),
            ),
            vital(
                "temperature",
                news2::TEMPERATURE_RANGE,
                1,
                "Degrees Celsius, one decimal place.",
            ),
        ],
    }
}

fn whole_u32(r: &Read, id: &str) -> Result<u32, String> {
    u32::try_from(r.whole(id)?).map_err(|_| format!("`{id}` cannot be negative."))
}

/// The NEWS2 observations from a checked sheet.
pub fn news2_from(r: &Read) -> Result<Observations, String> {
    let consciousness = match r.text("consciousness").as_str() {
        "alert" => Consciousness::Alert,
        "new_confusion" => Consciousness::NewConfusion,
        "voice" => Consciousness::Voice,
        "pain" => Consciousness::Pain,
        "unresponsive" => Consciousness::Unresponsive,
        other => return Err(format!("`{other}` is not an ACVPU level.")),
    };
    let tenths = (r.number("temperature")? * 10.0).round();
    Ok(Observations {
        respiration_rate: whole_u32(r, "respiration_rate")?,
        spo2: whole_u32(r, "spo2")?,
        scale: if r.text("scale") == "2" {
            SpO2Scale::Scale2
        } else {
            SpO2Scale::Scale1
        },
        on_oxygen: r.text("oxygen") == "oxygen",
        systolic_bp: whole_u32(r, "systolic_bp")?,
        pulse: whole_u32(r, "pulse")?,
        consciousness,
        // Checked within 25.0-45.0, so within u32.
        temperature_tenths: tenths as u32,
    })
}

fn gcs_part(id: &'static str, label: &str, options: &[(char, &str, &str)]) -> Field {
    let mut all: Vec<(char, &str, &str)> = options.to_vec();
    all.push(('x', "not_testable", "Not testable"));
    Field::new(id, label, choices(&all))
        .help("x when this part cannot be tested (e.g. eyes swollen shut); no total is given then.")
}

/// GCS: the three parts, each scored or not testable.
pub fn gcs_sheet() -> Sheet {
    Sheet {
        title: "Glasgow Coma Scale".into(),
        source: "Teasdale & Jennett; 2014 terms (reference/clinical-scores.md, GCS)",
        fields: vec![
            gcs_part(
                "eyes",
                "Eye opening",
                &[
                    ('4', "4", "4 Spontaneous"),
                    ('3', "3", "3 To sound"),
                    ('2', "2", "2 To pressure"),
                    ('1', "1", "1 None"),
                ],
            ),
            gcs_part(
                "verbal",
                "Verbal response",
                &[
                    ('5', "5", "5 Orientated"),
                    ('4', "4", "4 Confused"),
                    ('3', "3", "3 Words"),
                    ('2', "2", "2 Sounds"),
                    ('1', "1", "1 None"),
                ],
            ),
            gcs_part(
                "motor",
                "Motor response",
                &[
                    ('6', "6", "6 Obeys commands"),
                    ('5', "5", "5 Localising"),
                    ('4', "4", "4 Normal flexion"),
                    ('3', "3", "3 Abnormal flexion"),
                    ('2', "2", "2 Extension"),
                    ('1', "1", "1 None"),
                ],
            ),
        ],
    }
}

pub fn gcs_from(r: &Read) -> Result<Gcs, String> {
    let part = |id: &str| -> Option<i32> { r.text(id).parse().ok() };
    Gcs::new(part("eyes"), part("verbal"), part("motor")).map_err(|e| format!("{e}."))
}

/// CIWA-Ar: ten items and whether there are seizures, delirium or hallucinations.
pub fn ciwa_sheet() -> Sheet {
    let mut fields: Vec<Field> = ciwa::ITEMS
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let max = if i == 9 { 4.0 } else { 7.0 };
            Field::new(
                ciwa_item_id(i),
                capitalise(item),
                FieldKind::Number {
                    unit: "",
                    min: 0.0,
                    max,
                    decimals: 0,
                    usual: None,
                },
            )
            .help(format!(
                "0 to {max:.0}, as the published CIWA-Ar item describes."
            ))
        })
        .collect();
    fields.push(
        Field::new(
            "complicating",
            "Seizures, delirium or hallucinations",
            choices(&[('y', "yes", "Yes"), ('n', "no", "No")]),
        )
        .help("ASAM 2020 calls withdrawal with any of these complicated, whatever the total."),
    );
    Sheet {
        title: "CIWA-Ar (alcohol withdrawal)".into(),
        source: "Sullivan et al. 1989; ASAM 2020 (reference/clinical-scores.md, CIWA-Ar)",
        fields,
    }
}

fn ciwa_item_id(i: usize) -> &'static str {
    const IDS: [&str; 10] = [
        "nausea",
        "tremor",
        "sweats",
        "anxiety",
        "agitation",
        "tactile",
        "auditory",
        "visual",
        "headache",
        "orientation",
    ];
    IDS.get(i).copied().unwrap_or("item")
}

pub fn ciwa_from(r: &Read) -> Result<Ciwa, String> {
    let mut items = [0i32; 10];
    for (i, item) in items.iter_mut().enumerate() {
        *item = r.whole(ciwa_item_id(i))?;
    }
    Ciwa::new(items, r.text("complicating") == "yes").map_err(|e| format!("{e}."))
}

/// COWS: the resting pulse as a rate, and ten items each with the scores the form allows.
pub fn cows_sheet() -> Sheet {
    let mut fields = vec![
        Field::new(
            "pulse",
            "Resting pulse rate",
            FieldKind::Number {
                unit: " per minute",
                min: f64::from(news2::PULSE_RANGE.min),
                max: f64::from(news2::PULSE_RANGE.max),
                decimals: 0,
                usual: Some((
                    f64::from(news2::PULSE_RANGE.usual_min),
                    f64::from(news2::PULSE_RANGE.usual_max),
                )),
            },
        )
        .help(
            "After sitting or lying for a minute; scored 0 (80 or below), 1, 2 or 4 (above 120).",
        ),
    ];
    for (i, (item, allowed)) in cows::ITEMS.iter().enumerate().skip(1) {
        let options = allowed
            .iter()
            .map(|score| {
                let key = char::from(b'0' + score);
                Choice::new(key, score.to_string(), score.to_string())
            })
            .collect();
        fields.push(
            Field::new(
                cows_item_id(i),
                capitalise(item),
                FieldKind::Choice(options),
            )
            .help("The score the published COWS form gives for what you see."),
        );
    }
    Sheet {
        title: "COWS (opiate withdrawal)".into(),
        source: "Wesson & Ling 2003 (reference/clinical-scores.md, COWS)",
        fields,
    }
}

fn cows_item_id(i: usize) -> &'static str {
    const IDS: [&str; 11] = [
        "pulse",
        "sweating",
        "restlessness",
        "pupils",
        "aches",
        "runny_nose",
        "gi_upset",
        "tremor",
        "yawning",
        "anxiety",
        "gooseflesh",
    ];
    IDS.get(i).copied().unwrap_or("item")
}

pub fn cows_from(r: &Read) -> Result<Cows, String> {
    let mut items = [0u8; 11];
    items[0] = cows::pulse_item(whole_u32(r, "pulse")?);
    for (i, item) in items.iter_mut().enumerate().skip(1) {
        *item = u8::try_from(r.whole(cows_item_id(i))?)
            .map_err(|_| format!("`{}` is not a COWS score.", cows_item_id(i)))?;
    }
    Cows::new(items).map_err(|e| format!("{e}."))
}

/// AUDIT-C, UK units: three questions with their published answer options.
pub fn audit_c_sheet() -> Sheet {
    Sheet {
        title: "AUDIT-C (alcohol use)".into(),
        source: "AUDIT-C, UK units (reference/clinical-scores.md, AUDIT-C)",
        fields: vec![
            Field::new(
                "frequency",
                "How often a drink containing alcohol",
                choices(&[
                    ('0', "0", "Never"),
                    ('1', "1", "Monthly or less"),
                    ('2', "2", "2 to 4 times a month"),
                    ('3', "3", "2 to 3 times a week"),
                    ('4', "4", "4 or more times a week"),
                ]),
            ),
            Field::new(
                "typical_units",
                "Units on a typical drinking day",
                choices(&[
                    ('0', "0", "1 to 2"),
                    ('1', "1", "3 to 4"),
                    ('2', "2", "5 to 6"),
                    ('3', "3", "7 to 9"),
                    ('4', "4", "10 or more"),
                ]),
            ),
            Field::new(
                "heavy_episodes",
                "How often 6 (women) or 8 (men) or more units on one occasion",
                choices(&[
                    ('0', "0", "Never"),
                    ('1', "1", "Less than monthly"),
                    ('2', "2", "Monthly"),
                    ('3', "3", "Weekly"),
                    ('4', "4", "Daily or almost daily"),
                ]),
            ),
        ],
    }
}

pub fn audit_c_from(r: &Read) -> Result<AuditC, String> {
    AuditC::new(
        r.whole("frequency")?,
        r.whole("typical_units")?,
        r.whole("heavy_episodes")?,
    )
    .map_err(|e| format!("{e}."))
}

fn frequency_check(text: &str) -> Result<(), String> {
    Frequency::parse(text)
        .map(|_| ())
        .map_err(|e| sentence(&e.to_string()))
}

fn phone_check(text: &str) -> Result<(), String> {
    UkPhone::parse(text)
        .map(|_| ())
        .map_err(|e| sentence(&e.to_string()))
}

fn postcode_check(text: &str) -> Result<(), String> {
    Postcode::parse(text)
        .map(|_| ())
        .map_err(|e| sentence(&e.to_string()))
}

/// Capitalised, ending in a full stop.
fn sentence(text: &str) -> String {
    let mut s = capitalise(text.trim());
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// A medicine the person brought or reported, or one prescribed in custody.
pub fn medicine_sheet() -> Sheet {
    Sheet {
        title: "Medicine".into(),
        source: "NICE NG57 medicines reconciliation; Person Escort Record medication",
        fields: vec![
            text("name", "Medicine", 80).help("Name as on the label or prescription, e.g. levetiracetam."),
            text("dose", "Dose", 40).help("Strength and amount, e.g. 500 mg, 2 puffs, 60 ml."),
            Field::new(
                "route",
                "Route",
                choices(&[
                    ('o', "oral", "Oral"),
                    ('s', "sublingual or buccal", "Sublingual or buccal"),
                    ('i', "inhaled", "Inhaled"),
                    ('j', "subcutaneous injection", "Subcutaneous injection"),
                    ('m', "intramuscular injection", "Intramuscular injection"),
                    ('t', "topical", "Topical or patch"),
                    ('r', "rectal", "Rectal"),
                ]),
            ),
            text("frequency", "How often", 30)
                .validated(frequency_check)
                .help("od, bd, tds, qds, every 4 hours, or prn (as needed)."),
            Field::new("last_taken", "Last taken", FieldKind::DateTime(When::Past))
                .optional()
                .help("HH:MM, or YYYY-MM-DD HH:MM; leave empty if nobody knows. The next dose is due from it."),
            text("reason", "What it is for", 120)
                .optional()
                .help("Seen by healthcare staff only."),
            verified_with(),
            Field::new(
                "origin",
                "Where from",
                choices(&[
                    ('b', "brought", "Brought in with the person"),
                    ('r', "reported", "Reported by the person"),
                    ('c', "prescribed_in_custody", "Prescribed in custody"),
                ]),
            ),
        ],
    }
}

/// How a medicine was verified: the medicine sheet and the confirmation of a reported one.
fn verified_with() -> Field {
    Field::new(
        "verified_with",
        "Verified with",
        choices(&[
            ('g', "gp", "GP"),
            ('p', "pharmacy", "Pharmacy"),
            ('n', "not_verified", "Not verified yet"),
        ]),
    )
}

/// The keys that pick one of a person's entries: 1-9, then a-z (35 in all; a person on
/// more current medicines than that needs a different screen, and says so).
pub const ENTRY_KEYS: &str = "123456789abcdefghijklmnopqrstuvwxyz";

/// Picks one of the person's entries: `entries` are (id as text, label), offered under
/// [`ENTRY_KEYS`].
fn entry_choice(id: &'static str, label: &str, entries: &[(String, String)]) -> Field {
    let options = entries
        .iter()
        .zip(ENTRY_KEYS.chars())
        .map(|((id, label), key)| Choice::new(key, id.clone(), label.clone()))
        .collect();
    Field::new(id, label, FieldKind::Choice(options))
}

fn medicine_choice(medicines: &[(String, String)]) -> Field {
    entry_choice("medicine", "Medicine", medicines)
}

/// Marking one of the person's recent scores entered in error. `scores` are (id, label),
/// newest first.
pub fn score_in_error_sheet(scores: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Mark a score entered in error".into(),
        source: "DESIGN.md, Data rules (entries are marked entered in error with a reason, never deleted)",
        fields: vec![
            entry_choice("score", "Score", scores),
            text("reason", "Why it is wrong", 200)
                .help("e.g. typed for the wrong person; pulse typed as 140, was 104. Flags it raised are withdrawn with it."),
        ],
    }
}

/// A dose of one of the person's medicines: what happened and when.
pub fn dose_sheet(medicines: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Dose".into(),
        source: "NICE NG57; reference/custody-practice.md (missed time-critical doses)",
        fields: vec![
            medicine_choice(medicines),
            Field::new(
                "outcome",
                "What happened",
                choices(&[
                    ('g', "given", "Given"),
                    ('d', "declined", "Declined by the person"),
                    ('w', "withheld", "Withheld (clinical reason)"),
                    ('n', "not_available", "Not available"),
                ]),
            ),
            text("reason", "Why", 200)
                .show_if("outcome", &["declined", "withheld", "not_available"])
                .help("Say why, and what was done (e.g. GP contacted, supply requested)."),
            Field::new("at", "At", FieldKind::DateTime(When::Past))
                .optional()
                .help("HH:MM if not just now; leave empty for now."),
        ],
    }
}

/// Allowing (or no longer allowing) custody staff to supervise the person taking one of
/// their own medicines (PACE Code C 9.10: an inhaler, an anti-epileptic the HCP judges safe).
pub fn self_administration_sheet(medicines: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Supervised self-administration".into(),
        source: "PACE Code C 9.10 (self-administration under supervision, as the HCP allows)",
        fields: vec![
            medicine_choice(medicines),
            Field::new(
                "allowed",
                "Custody staff may supervise",
                choices(&[
                    (
                        'y',
                        "yes",
                        "Yes: the person takes it, custody staff watch and record it",
                    ),
                    ('n', "no", "No longer: only an HCP gives it"),
                ]),
            ),
        ],
    }
}

/// A dose the person took themselves with custody staff watching, or declined.
pub fn supervised_dose_sheet(medicines: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Supervised dose".into(),
        source: "PACE Code C 9.10; NICE NG57 (missed time-critical doses)",
        fields: vec![
            medicine_choice(medicines),
            Field::new(
                "outcome",
                "What happened",
                choices(&[
                    ('t', "taken", "Taken, watched"),
                    ('d', "declined", "Declined by the person"),
                ]),
            ),
            text("reason", "What they said", 200)
                .show_if("outcome", &["declined"])
                .help("In their words if you can; the HCP is told at the next contact."),
            Field::new("at", "At", FieldKind::DateTime(When::Past))
                .optional()
                .help("HH:MM if not just now; leave empty for now."),
        ],
    }
}

/// Stopping a medicine: it stays on the record, marked, and no longer falls due.
pub fn stop_medicine_sheet(medicines: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Stop a medicine".into(),
        source: "DESIGN.md, Data rules (entries are marked, never deleted)",
        fields: vec![
            medicine_choice(medicines),
            text("reason", "Why it is stopped", 200).help(
                "e.g. stopped by the FME; entered for the wrong person; not the person's medicine.",
            ),
        ],
    }
}

/// A consent decision for one scope of sharing.
pub fn consent_sheet() -> Sheet {
    Sheet {
        title: "Consent to share health information".into(),
        source: "reference/custody-practice.md (consent, Liaison and Diversion); GMC confidentiality",
        fields: vec![
            Field::new(
                "scope",
                "Share with",
                choices(&[
                    ('1', "custody_staff", "Custody staff"),
                    (
                        '2',
                        "receiving_establishment",
                        "Receiving establishment (court, prison, hospital)",
                    ),
                    ('3', "community_treatment", "Community treatment services"),
                    ('4', "liaison_diversion", "Liaison and Diversion"),
                ]),
            ),
            Field::new(
                "decision",
                "Decision",
                choices(&[
                    ('c', "consents", "Consents"),
                    ('d', "declines", "Declines"),
                    (
                        'l',
                        "lacks_capacity_ask_later",
                        "Lacks capacity now: ask again later",
                    ),
                ]),
            ),
            text("capacity_notes", "Capacity notes", 300)
                .show_if("decision", &["lacks_capacity_ask_later"])
                .help("Why the person cannot decide now (e.g. intoxicated) and when to ask again."),
            text("notes", "Notes", 300)
                .optional()
                .show_if("decision", &["consents", "declines"])
                .help("Anything said about what may or may not be shared. Healthcare staff only."),
        ],
    }
}

/// Fit to detain, to be interviewed, or to be transferred or released.
pub fn fitness_sheet() -> Sheet {
    Sheet {
        title: "Fitness decision".into(),
        source: "PACE Code C 9.5-9.8, Annex G (fitness to be interviewed)",
        fields: vec![
            Field::new(
                "kind",
                "Fit to",
                choices(&[
                    ('d', "detain", "Detain"),
                    ('i', "interview", "Be interviewed"),
                    ('t', "transfer_release", "Be transferred or released"),
                ]),
            ),
            Field::new(
                "fit",
                "Decision",
                choices(&[('y', "yes", "Fit"), ('n', "no", "Not fit")]),
            ),
            text("conditions", "Conditions", 200)
                .optional()
                .help("e.g. needs an appropriate adult; interview after 14:00; review in 4 hours."),
            text("reason", "Clinical reason", 300).help("Healthcare staff only."),
        ],
    }
}

/// A Liaison and Diversion or drug/alcohol treatment referral, with contact details that reach.
pub fn referral_sheet() -> Sheet {
    Sheet {
        title: "Referral".into(),
        source: "reference/custody-practice.md (Liaison and Diversion; drug intervention, DIRDET)",
        fields: vec![
            Field::new(
                "kind",
                "Refer to",
                choices(&[
                    ('l', "liaison_diversion", "Liaison and Diversion"),
                    ('d', "drug_alcohol", "Community drug or alcohol treatment"),
                ]),
            ),
            text("substance", "Substance", 80)
                .show_if("kind", &["drug_alcohol"])
                .help("e.g. heroin, crack cocaine, alcohol."),
            text("route", "Route of use", 60)
                .show_if("kind", &["drug_alcohol"])
                .optional()
                .help("e.g. injecting, smoking, oral."),
            text("treatment_history", "Treatment history", 200)
                .show_if("kind", &["drug_alcohol"])
                .optional()
                .help("Current or past treatment, service and key worker if known."),
            text("reason", "Reason for referral", 300),
            text("phone", "Phone", 20)
                .optional()
                .validated(phone_check)
                .help("A UK number the service can reach the person on."),
            Field::new(
                "nfa",
                "Fixed address",
                choices(&[
                    ('a', "address", "Has an address"),
                    ('n', "no_fixed_abode", "No fixed abode"),
                ]),
            ),
            text("address", "Address", 200).show_if("nfa", &["address"]),
            text("postcode", "Postcode", 10)
                .show_if("nfa", &["address"])
                .validated(postcode_check),
            text("reachable_at", "Where they can be reached", 200)
                .show_if("nfa", &["no_fixed_abode"])
                .help("e.g. a hostel, day centre or a friend's address."),
        ],
    }
}

/// An appointment booked for after release.
pub fn appointment_sheet() -> Sheet {
    Sheet {
        title: "Appointment after release".into(),
        source: "reference/custody-practice.md (continuity of care after release)",
        fields: vec![
            text("service", "Service", appointment::MAX_SERVICE_CHARS)
                .help("e.g. community drug service, GP, mental health team."),
            Field::new("at", "When", FieldKind::DateTime(When::Future))
                .help("YYYY-MM-DD HH:MM, or HH:MM for the next such time."),
            text("place", "Where", appointment::MAX_PLACE_CHARS),
        ],
    }
}

/// The sheet for a kind. `entries` are what the sheet picks from: the person's current
/// medicines for a dose or a stop, their recent scores for a correction.
pub fn sheet(kind: EntryKind, entries: &[(String, String)]) -> Sheet {
    match kind {
        EntryKind::News2 => news2_sheet(),
        EntryKind::Gcs => gcs_sheet(),
        EntryKind::Ciwa => ciwa_sheet(),
        EntryKind::Cows => cows_sheet(),
        EntryKind::AuditC => audit_c_sheet(),
        EntryKind::Medicine => medicine_sheet(),
        EntryKind::Dose => dose_sheet(entries),
        EntryKind::Consent => consent_sheet(),
        EntryKind::Fitness => fitness_sheet(),
        EntryKind::Referral => referral_sheet(),
        EntryKind::Appointment => appointment_sheet(),
        EntryKind::StopMedicine => stop_medicine_sheet(entries),
        EntryKind::ScoreInError => score_in_error_sheet(entries),
        EntryKind::HcpContact => hcp_contact_sheet(),
        EntryKind::ConfirmReported => confirm_reported_sheet(entries),
        EntryKind::Allergy => allergy_sheet(),
        EntryKind::EntryInError => entry_in_error_sheet(entries),
        EntryKind::Direction => crate::domain::hcp::direction::direction_sheet(),
        EntryKind::SelfAdministration => self_administration_sheet(entries),
        EntryKind::SupervisedDose => supervised_dose_sheet(entries),
    }
}

/// Marking an entry of the clinical record entered in error: it stays on the record, ended,
/// with who, when and why. (A screening answer is changed by amending the answer instead.)
pub fn entry_in_error_sheet(entries: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Mark a record entry entered in error".into(),
        source: "DESIGN.md, Data rules (entries are marked entered in error with a reason, never deleted)",
        fields: vec![
            entry_choice("entry", "Entry", entries),
            text("reason", "Why it is wrong", 200)
                .help("e.g. recorded for the wrong person; the GP record shows no such allergy."),
        ],
    }
}

/// An HCP's assessment, review or contact with the person, with what was found and done.
/// Any HCP entry counts as being seen; this is the one for a contact with nothing else to
/// record, and for the note.
pub fn hcp_contact_sheet() -> Sheet {
    Sheet {
        title: "Assessment or contact".into(),
        source: "PACE Code C 9.5-9.8 (clinical attention); NICE NG57 initial health assessment",
        fields: vec![
            Field::new(
                "kind",
                "What",
                choices(&[
                    ('a', "assessment", "Assessment"),
                    ('r', "review", "Review"),
                    ('c', "contact", "Brief contact"),
                ]),
            ),
            Field::new("at", "Seen at", FieldKind::DateTime(When::Past))
                .optional()
                .help("HH:MM if not just now; leave empty for now."),
            text("note", "Note", 1000)
                .help("What was found and done. Seen by healthcare staff only."),
        ],
    }
}

/// Confirming one of the medicines the person reported or brought into the medication list,
/// without retyping it: pick it, say how it was verified.
pub fn confirm_reported_sheet(reported: &[(String, String)]) -> Sheet {
    Sheet {
        title: "Confirm a reported medicine".into(),
        source: "NICE NG57 medicines reconciliation; NICE NG5 (medicines reconciliation)",
        fields: vec![
            entry_choice("reported", "Reported medicine", reported),
            verified_with(),
        ],
    }
}

/// An allergy or intolerance learned after the screen (from the GP record, the person, a
/// reaction seen in the cell).
pub fn allergy_sheet() -> Sheet {
    Sheet {
        title: "Allergy or intolerance".into(),
        source: "NICE CG183 drug allergy (record the drug, the reaction, its severity, the source)",
        fields: vec![
            text("substance", "Substance", 80).help("e.g. penicillin, latex, peanut."),
            text("reaction", "Reaction", 200).help("What happened, e.g. rash and facial swelling."),
            Field::new(
                "severity",
                "Severity",
                choices(&[
                    ('1', "mild", "Mild"),
                    ('2', "moderate", "Moderate"),
                    ('3', "severe", "Severe (anaphylaxis)"),
                    ('4', "unknown", "Not known"),
                ]),
            ),
        ],
    }
}

#[cfg(test)]
mod tests;
