//! The printable escort summary: plain text, at most 80 columns, one A4 page when it can be.
//! The top part is for the escort and the receiving officer; below the cut line is the
//! sensitive medical part, to travel in the sealed envelope (Person Escort Record practice).

use super::build::{
    HandoverInput, flag_description, plan_words, referral_contact, referral_service,
};
use crate::domain::appointment::appointment_time;
use crate::domain::flag::FlagCode;
use crate::domain::observation::to_london_with_day;
use crate::domain::record::emergencies::paragraph;
use crate::domain::record::view::RecordView;
use crate::domain::record::{FactKind, RecordEntry, Standing};
use crate::domain::text::{printable, printable_line};

/// The widest line the summary has.
pub const WIDTH: usize = 80;

/// Flags whose reasons are medical detail: the flag itself is shown to the escort, its reason
/// goes in the sealed envelope.
fn is_medical(code: &str) -> bool {
    matches!(
        code.parse::<FlagCode>(),
        Ok(FlagCode::MentalHealth
            | FlagCode::Epilepsy
            | FlagCode::Diabetes
            | FlagCode::HeadInjury
            | FlagCode::Pregnancy
            | FlagCode::Medication
            | FlagCode::Allergy
            | FlagCode::Withdrawal
            | FlagCode::ClinicalDeterioration)
    )
}

/// Word-wraps `text` to `WIDTH`, indenting continuation lines by `indent` spaces. The text is
/// made `printable` first, so an escaped control character is wrapped like any other word and
/// no line grows past the width when the summary is escaped as a whole.
pub(crate) fn wrap(out: &mut Vec<String>, text: &str, first: &str, indent: usize) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in printable(text).split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > WIDTH - indent {
            // A single over-long word is split so no line exceeds the width.
            let head: String = word.chars().take(WIDTH - indent).collect();
            let tail: String = word.chars().skip(WIDTH - indent).collect();
            if !empty {
                out.push(std::mem::replace(&mut line, " ".repeat(indent)));
            }
            out.push(format!("{}{head}", " ".repeat(indent)));
            line = " ".repeat(indent);
            empty = true;
            word = tail;
        }
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push(std::mem::replace(&mut line, " ".repeat(indent)));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&word);
        empty = false;
    }
    if !empty || !first.trim().is_empty() {
        out.push(line);
    }
}

/// The summary's text.
/// Where the signed bundle goes, for the summary's last lines above the cut.
pub struct Sent<'a> {
    pub bundle_id: &'a str,
    /// The national record's address, when the suite has joined one.
    pub national_record: Option<&'a str>,
}

pub fn summary(input: &HandoverInput<'_>, sent: &Sent<'_>) -> String {
    let r = input.record;
    let mut out: Vec<String> = Vec::new();
    let rule = "=".repeat(WIDTH);
    out.push(rule.clone());
    out.push("ESCORT SUMMARY - OFFICIAL-SENSITIVE".into());
    wrap(&mut out, input.suite_name, "From: ", 6);
    out.push(rule.clone());
    wrap(
        &mut out,
        &format!("{}, {}", r.entry.surname.to_uppercase(), r.entry.forenames),
        "Name:          ",
        15,
    );
    if let Some(dob) = r.entry.date_of_birth {
        out.push(format!("Date of birth: {}", dob.format("%-d %b %Y")));
    }
    out.push(format!("Custody no:    {}", r.entry.custody_no));
    if let Some(pnc) = &r.pnc_id {
        out.push(format!("PNC id:        {pnc}"));
    }
    if let Some(nhs) = &r.nhs_number {
        out.push(format!("NHS number:    {nhs}"));
    }
    let mut dest = input.destination.label().to_string();
    if !input.receiving_org.is_empty() {
        dest = format!("{dest} - {}", input.receiving_org);
    }
    wrap(&mut out, &dest, "Going to:      ", 15);
    if !input.receiving_officer.is_empty() {
        wrap(&mut out, input.receiving_officer, "Received by:   ", 15);
    }
    out.push(format!(
        "Handed over:   {} by {}",
        to_london_with_day(input.now),
        input.author_name
    ));
    super::support::escort_lines(&mut out, &r.entry.support);
    out.push(String::new());
    emergencies(&mut out, r);
    out.push("RISK FLAGS (every flag travels; ask if a reason is unclear)".into());
    if r.flags.is_empty() {
        out.push("  None raised in this suite.".into());
    }
    for f in &r.flags {
        let label = format!(
            "[{}] {} ({})",
            f.code,
            flag_description(&f.code),
            f.severity
        );
        if is_medical(&f.code) {
            wrap(
                &mut out,
                &format!("{label}; reason: medical detail, in the sealed envelope"),
                "  ",
                6,
            );
        } else {
            wrap(&mut out, &label, "  ", 6);
            wrap(&mut out, &f.reason, "      Reason: ", 14);
        }
    }
    out.push(String::new());
    allergies_and_conditions(&mut out, r);
    out.push(String::new());
    out.push("OBSERVATION".into());
    match r.plan_history.first() {
        Some(p) => {
            wrap(
                &mut out,
                &plan_words(p.level, p.interval_minutes, p.rouse),
                "  Level: ",
                9,
            );
            if !p.instructions.is_empty() {
                wrap(&mut out, &p.instructions, "  Instructions: ", 16);
            }
        }
        None => out.push("  No care plan was set: observe at least hourly (level 1).".into()),
    }
    if let Some(c) = r.checks.first() {
        out.push(format!(
            "  Last check: {}{}",
            to_london_with_day(c.done_at),
            match c.roused {
                Some(true) => ", roused",
                Some(false) => ", NOT roused",
                None => "",
            }
        ));
    }
    out.push(String::new());
    out.push("MEDICATION (must travel with the person; do not miss a dose)".into());
    let reported: Vec<&RecordEntry> = r.record.of_kind(FactKind::ReportedMedicine).collect();
    if r.medications.is_empty() && reported.is_empty() {
        out.push("  None recorded in this suite: ask the custody HCP what was given,".into());
        out.push("  when it is next due, and who carries it.".into());
    }
    for e in &reported {
        if let crate::domain::record::Fact::ReportedMedicine { name, .. } = &e.fact {
            let critical = if crate::domain::medication::time_critical_reason(name).is_some() {
                "TIME-CRITICAL: "
            } else {
                ""
            };
            wrap(
                &mut out,
                &format!(
                    "{critical}{} (reported, not prescribed here; see the envelope)",
                    name.trim()
                ),
                "  ",
                4,
            );
        }
    }
    for m in &r.medications {
        let next = m
            .next_due
            .map(|t| format!("next due {}", to_london_with_day(t)))
            .unwrap_or_else(|| "as needed".into());
        let last = m
            .last_dose_at
            .map(|t| format!("last given {}", to_london_with_day(t)))
            .unwrap_or_else(|| "last dose not known".into());
        let critical = if m.time_critical.is_some() {
            "TIME-CRITICAL: "
        } else {
            ""
        };
        wrap(
            &mut out,
            &format!(
                "{critical}{} {} {} {}; {last}; {next}",
                m.name, m.dose, m.route, m.frequency
            ),
            "  ",
            4,
        );
    }
    out.push(String::new());
    fitness(&mut out, r);
    referrals_and_appointments(&mut out, input);
    prra(&mut out, r);
    // Straight after the assessment (a full page is 70 lines): the paragraph above is indented.
    wrap(&mut out, &sent_sentence(sent), "", 0);
    out.push(String::new());
    out.push(
        "- - - - - - - - - - - - - - -  cut here  - - - - - - - - - - - - - - - - - - -".into(),
    );
    out.push("SEALED ENVELOPE - SENSITIVE MEDICAL DETAILS - for the receiving HCP".into());
    wrap(
        &mut out,
        &format!(
            "{}, {} ({})",
            r.entry.surname.to_uppercase(),
            r.entry.forenames,
            r.entry.custody_no
        ),
        "Person: ",
        8,
    );
    let medical: Vec<_> = r.flags.iter().filter(|f| is_medical(&f.code)).collect();
    if medical.is_empty() {
        out.push("  No medical flags.".into());
    }
    for f in medical {
        wrap(
            &mut out,
            &format!("{}: {}", flag_description(&f.code), f.reason),
            &format!("  [{}] ", f.code),
            6,
        );
    }
    record_details(&mut out, r);
    if r.hcp_contacts.is_empty() {
        match &r.entry.last_seen {
            Some(seen) => {
                wrap(
                    &mut out,
                    &format!(
                        "{} by {} ({}). Clinical notes never travel; ask the custody HCP.",
                        to_london_with_day(seen.at),
                        seen.by,
                        seen.what
                    ),
                    "  Seen by an HCP: ",
                    4,
                );
            }
            None => out.push("  Not seen by a healthcare practitioner in this suite.".into()),
        }
    } else {
        let seen: Vec<String> = r
            .hcp_contacts
            .iter()
            .map(|h| format!("{} by {}", to_london_with_day(h.seen_at), h.seen_by))
            .collect();
        wrap(
            &mut out,
            &format!(
                "{}. Clinical notes never travel; ask the custody HCP.",
                seen.join("; ")
            ),
            "  Seen by an HCP: ",
            4,
        );
    }
    sealed_referrals_and_appointments(&mut out, input);
    out.push(rule);
    // Every line once more through `printable` (idempotent), whatever put it there.
    let mut text = out
        .iter()
        .map(|l| printable_line(l))
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// Which bundle carries this handover, who signed it, and whether the national record will
/// hold it: the receiving side looks the person up there, or relies on the bundle file.
fn sent_sentence(sent: &Sent<'_>) -> String {
    // The key id is left to `sonar verify`, which names the signer: two lines on a full page.
    let signed = format!("Bundle {}, signed (`sonar verify`).", sent.bundle_id);
    match sent.national_record {
        Some(record) => format!(
            "{signed} Queued for the national record ({record}): once sent, any suite finds it there with `sonar lookup`; until then, only in the bundle file."
        ),
        None => format!(
            "{signed} This suite has not joined a national record: the bundle file must go with this page."
        ),
    }
}

/// Above the cut line: the key answers of the pre-release risk assessment, for the escort and
/// the receiving officer (APP Detention and custody: reviewed before release or transfer).
fn prra(out: &mut Vec<String>, r: &RecordView) {
    let Some((by, at)) = &r.prra.completed else {
        out.push("PRE-RELEASE RISK ASSESSMENT: NOT COMPLETED".into());
        return;
    };
    let safe = r
        .prra
        .get(crate::domain::prra::q::SAFE_TO_LEAVE)
        .map(|a| a.with_details())
        .unwrap_or_else(|| "not answered".into());
    wrap(
        out,
        &format!("({by}, {}); safe to leave: {safe}", to_london_with_day(*at)),
        "PRE-RELEASE RISK ASSESSMENT ",
        4,
    );
    // One paragraph, not a line each: the page is one A4 sheet when it can be.
    wrap(
        out,
        &format!("{}.", r.prra.escort_lines().join(". ")),
        "  ",
        2,
    );
}

/// Above the cut line, first: every emergency of this custody with its timeline and how it
/// ended, so the escort and the receiving officer hear of it (risk to life; it travels
/// regardless of consent, and a score rule's reason is operational too).
fn emergencies(out: &mut Vec<String>, r: &RecordView) {
    if r.emergencies.is_empty() {
        out.push("EMERGENCIES IN THIS CUSTODY: none.".into());
        out.push(String::new());
        return;
    }
    out.push("EMERGENCIES IN THIS CUSTODY (tell the receiving officer)".into());
    // One paragraph each: the page is one A4 sheet when it can be.
    for e in &r.emergencies {
        wrap(out, &paragraph(e), "  ", 4);
    }
    out.push(String::new());
}

/// Above the cut line, for the escort: every allergy (or that there are none, or that it is
/// not known) and every condition, each saying when it is known from elsewhere.
fn allergies_and_conditions(out: &mut Vec<String>, r: &RecordView) {
    let record = &r.record;
    out.push("ALLERGIES AND CONDITIONS (tell anyone who gives medicine or food)".into());
    let allergies: Vec<&RecordEntry> = record.allergies().collect();
    if allergies.is_empty() {
        if record.no_known_allergies() {
            out.push("  No known allergies (the person said they have none).".into());
        } else if r.flags.iter().any(|f| f.code == "ALG") {
            out.push("  Flagged ALG but the allergy is not recorded: ask the custody HCP.".into());
        } else {
            out.push("  Not recorded in this suite: ask before giving any medicine.".into());
        }
    }
    for e in allergies {
        wrap(
            out,
            &format!("{}{}", e.fact.headline(), known(e)),
            "  ALLERGY: ",
            4,
        );
    }
    let conditions: Vec<&RecordEntry> = record.of_kind(FactKind::Condition).collect();
    if conditions.is_empty() {
        out.push("  Conditions: none recorded in this suite.".into());
    }
    for e in conditions {
        wrap(
            out,
            &format!("{}{}", e.fact.headline(), known(e)),
            "  CONDITION: ",
            4,
        );
    }
}

fn known(e: &RecordEntry) -> String {
    match e.standing {
        Standing::Known => format!(" [known from {}]", e.origin.describe()),
        _ => String::new(),
    }
}

/// Below the cut line, for the receiving HCP: reported medicines with their source and
/// whether verified, alcohol and drugs with last drink and last use, communication needs,
/// pregnancy, injuries, and (only when the person consented to share) self-harm and mental
/// health history. Clinical notes never travel.
fn record_details(out: &mut Vec<String>, r: &RecordView) {
    let record = &r.record;
    let kinds = [
        (FactKind::ReportedMedicine, "Medicine reported or brought"),
        (FactKind::NoMedicines, "Medicines"),
        (FactKind::Alcohol, "Alcohol"),
        (FactKind::Drug, "Drug use"),
        (FactKind::Communication, "Communication need"),
        (FactKind::Pregnancy, "Pregnancy"),
        (FactKind::Injury, "Injury"),
        (FactKind::SelfHarm, "Self-harm history"),
        (FactKind::MentalHealth, "Mental health"),
    ];
    for (kind, label) in kinds {
        if matches!(kind, FactKind::SelfHarm | FactKind::MentalHealth)
            && !crate::domain::handover::consents_to_share(r)
        {
            continue;
        }
        for e in record.of_kind(kind) {
            wrap(
                out,
                &format!("{}{}", e.fact.headline(), known(e)),
                &format!("  {label}: "),
                4,
            );
        }
    }
}

/// The HCP's fitness decisions: outcome, conditions, who and when, for the escort and the
/// receiving officer to act on (the clinical reason stays in the suite, as on the screen).
fn fitness(out: &mut Vec<String>, r: &RecordView) {
    out.push("HCP FITNESS DECISIONS".into());
    if r.fitness.is_empty() {
        out.push("  None recorded in this suite.".into());
    }
    for f in &r.fitness {
        let mut line = format!(
            "Fit to {}: {} ({} {})",
            crate::domain::fitness::fit_to(&f.kind),
            if f.fit { "yes" } else { "NO" },
            f.decided_by,
            to_london_with_day(f.decided_at)
        );
        if !f.conditions.is_empty() {
            line.push_str(&format!("; {}", f.conditions));
        }
        wrap(out, &line, "  ", 4);
    }
    out.push(String::new());
}

/// Above the cut line: that a referral was made and when each appointment is, so the escort
/// or the releasing officer can remind the person; never the referral's content, the service
/// or the place (health detail for the sealed envelope). Under the same consent as the
/// bundle's "Referrals and appointments" section: without it nothing of them leaves the suite.
fn referrals_and_appointments(out: &mut Vec<String>, input: &HandoverInput<'_>) {
    let r = input.record;
    if r.referrals.is_empty() && r.appointments.is_empty() {
        out.push("REFERRALS AND APPOINTMENTS AFTER RELEASE: none made in this suite.".into());
        return;
    }
    out.push("REFERRALS AND APPOINTMENTS AFTER RELEASE".into());
    if !crate::domain::handover::consents_to_share(r) {
        wrap(
            out,
            "Not shared: no consent to share health information with the receiving establishment was recorded. Ask the custody HCP.",
            "  ",
            2,
        );
        return;
    }
    for f in &r.referrals {
        wrap(
            out,
            &format!(
                "Referral made {} by {}: details for the receiving HCP (sealed envelope).",
                to_london_with_day(f.made_at),
                f.made_by
            ),
            "  ",
            4,
        );
    }
    for a in &r.appointments {
        wrap(
            out,
            &format!(
                "{} - tell the person; service and place in the sealed envelope.",
                appointment_time(a.at)
            ),
            "  Appointment after release: ",
            4,
        );
    }
}

/// Below the cut line, for the receiving HCP: what each referral is for and how the service
/// reaches the person, and "Appointments after release: <date time> <service> at <place>".
fn sealed_referrals_and_appointments(out: &mut Vec<String>, input: &HandoverInput<'_>) {
    let r = input.record;
    if !crate::domain::handover::consents_to_share(r) {
        return;
    }
    for f in &r.referrals {
        let Some(c) = &f.content else { continue };
        wrap(
            out,
            &format!(
                "to the {}: {}. Contact: {}.",
                referral_service(&f.kind),
                c.reason,
                referral_contact(c)
            ),
            "  Referral: ",
            4,
        );
    }
    for a in &r.appointments {
        let (Some(service), Some(place)) = (&a.service, &a.place) else {
            continue;
        };
        wrap(
            out,
            &format!("{} {service} at {place}", appointment_time(a.at)),
            "  Appointment after release: ",
            4,
        );
    }
}
