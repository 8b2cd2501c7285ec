//! The Health tab: medication with the next dose due, consent, fitness decisions, referrals,
//! HCP contacts, and for HCPs every score's trend and entries (`trends.rs`). What a role may not see never reaches here (the store
//! leaves it out); the tab says "HCP only" in its place.

use ratatui::text::{Line, Span};

use ratatui::style::Style;

use super::theme::Theme;
use crate::app::{Action, App, RecordState};
use crate::domain::observation::{CheckStatus, to_london, to_london_with_day};
use crate::domain::record::{FactKind, RecordEntry, Standing};
use crate::handover::build;
use crate::keymap::Context;

fn heading<'a>(text: &'a str, theme: &Theme) -> Line<'a> {
    Line::from(Span::styled(text, theme.title()))
}

/// Everything on the Health tab, laid out for `width` columns.
pub fn health_lines<'a>(app: &App, r: &'a RecordState, theme: &Theme, width: u16) -> Vec<Line<'a>> {
    let v = &r.view;
    let rec = &v.record;
    let mut lines = Vec::new();

    // Allergies first: risk to life, for everyone.
    lines.push(heading("Allergies", theme));
    if rec.allergies().next().is_none() {
        match rec.of_kind(FactKind::NoKnownAllergies).next() {
            Some(e) => {
                lines.push(Line::from("  No known allergies."));
                lines.extend(provenance_lines(e, theme));
            }
            None => lines.push(Line::from(Span::styled(
                "  Not yet recorded: ask before giving any medicine or food.",
                theme.warning(),
            ))),
        }
    }
    for e in rec.allergies() {
        lines.extend(entry_lines(e, theme.warning(), theme));
    }

    // Sections with nothing in them are named together on one line after the last one, so
    // what is recorded stays above the fold at 80x24.
    let mut empty: Vec<&'static str> = Vec::new();
    kind_section(
        &mut lines,
        &mut empty,
        "Conditions",
        rec.of_kind(FactKind::Condition),
        theme,
    );

    lines.push(Line::default());
    lines.push(heading("Medication", theme));
    if v.medications.is_empty() {
        lines.push(Line::from("  None prescribed or listed in custody."));
    }
    for m in &v.medications {
        let due = match m.next_due.map(|d| (d, CheckStatus::at(d, app.now))) {
            Some((d, s @ CheckStatus::Overdue { .. })) => Span::styled(
                format!("OVERDUE {} (due {})", s.countdown(), to_london(d)),
                theme.overdue(),
            ),
            Some((d, s)) => Span::raw(format!("next {} (in {})", to_london(d), s.countdown())),
            None => Span::styled("as needed", theme.dim()),
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {} {} {} {}  ",
                m.name, m.dose, m.route, m.frequency
            )),
            due,
        ]));
        if let Some(tc) = &m.time_critical {
            lines.push(Line::from(Span::styled(
                format!("    TIME-CRITICAL: {tc}"),
                theme.warning(),
            )));
        }
        if m.self_administration {
            lines.push(Line::from(Span::styled(
                "    Self-administered under custody staff supervision (allowed by the HCP)",
                theme.dim(),
            )));
        }
        // The administration record, newest first: the last few, so a declined or missed
        // dose is seen next to the medicine.
        const SHOWN: usize = 3;
        let doses: Vec<_> = v.doses.iter().filter(|d| d.medication_id == m.id).collect();
        for d in doses.iter().take(SHOWN) {
            // A supervised dose says so: the person took it, `by` watched.
            let mut text = if d.supervised {
                format!(
                    "    {} {} (self-administered, supervised by {})",
                    to_london_with_day(d.at),
                    if d.outcome == "given" {
                        "taken"
                    } else {
                        "declined"
                    },
                    crate::domain::text::printable(&d.by)
                )
            } else {
                format!(
                    "    {} {} by {}",
                    to_london_with_day(d.at),
                    d.outcome.replace('_', " "),
                    d.by
                )
            };
            if let Some(why) = &d.reason {
                text.push_str(&format!(": {why}"));
            }
            let style = if d.outcome == "given" {
                theme.dim()
            } else {
                theme.warning()
            };
            lines.push(Line::from(Span::styled(text, style)));
        }
        if doses.len() > SHOWN {
            lines.push(Line::from(Span::styled(
                format!("    ({} earlier doses recorded)", doses.len() - SHOWN),
                theme.dim(),
            )));
        }
        if let Some(reason) = &m.reason {
            let verified = match m.verified_with.as_str() {
                "gp" => "verified with the GP",
                "pharmacy" => "verified with the pharmacy",
                _ => "not verified yet",
            };
            lines.push(Line::from(Span::styled(
                if reason.trim().is_empty() {
                    format!("    {verified}")
                } else {
                    format!("    for {reason}; {verified}")
                },
                theme.dim(),
            )));
        }
    }

    let reported: Vec<_> = rec.of_kind(FactKind::ReportedMedicine).collect();
    if !reported.is_empty() {
        lines.push(Line::from(Span::styled(
            "  Reported or brought, not yet confirmed",
            theme.title(),
        )));
        for e in reported {
            for mut line in entry_lines(e, Style::default(), theme) {
                line.spans.insert(0, Span::raw("  "));
                lines.push(line);
            }
        }
    }
    for e in rec.of_kind(FactKind::NoMedicines) {
        lines.push(Line::from("  Says they take no medicines."));
        lines.extend(provenance_lines(e, theme));
    }

    let substance: Vec<_> = rec
        .of_kind(FactKind::Alcohol)
        .chain(rec.of_kind(FactKind::Drug))
        .collect();
    kind_section(
        &mut lines,
        &mut empty,
        "Alcohol and drugs",
        substance.into_iter(),
        theme,
    );

    if rec.clinical_visible {
        let sh: Vec<_> = rec
            .of_kind(FactKind::SelfHarm)
            .chain(rec.of_kind(FactKind::MentalHealth))
            .collect();
        kind_section(
            &mut lines,
            &mut empty,
            "Self-harm and mental health",
            sh.into_iter(),
            theme,
        );
    } else {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("Self-harm and mental health", theme.title()),
            Span::styled(": HCP only (the flags are on Risk flags).", theme.warning()),
        ]));
    }
    kind_section(
        &mut lines,
        &mut empty,
        "Injuries",
        rec.of_kind(FactKind::Injury),
        theme,
    );
    kind_section(
        &mut lines,
        &mut empty,
        "Pregnancy",
        rec.of_kind(FactKind::Pregnancy),
        theme,
    );
    kind_section(
        &mut lines,
        &mut empty,
        "Communication and adjustments",
        rec.of_kind(FactKind::Communication),
        theme,
    );
    if !empty.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled("Nothing recorded", theme.title()),
            Span::styled(format!(": {}.", empty.join(" · ")), theme.dim()),
        ]));
    }

    lines.push(Line::default());
    lines.push(heading("HCP contacts", theme));
    match &rec.last_seen {
        Some(seen) => lines.push(Line::from(format!(
            "  Last seen by an HCP: {} at {} ({})",
            seen.by,
            to_london_with_day(seen.at),
            seen.what
        ))),
        None => lines.push(Line::from(Span::styled(
            "  Not yet seen by a healthcare practitioner.",
            theme.warning(),
        ))),
    }
    for c in &rec.contacts {
        lines.push(Line::from(format!(
            "  {}  {}  {}",
            to_london_with_day(c.seen_at),
            c.seen_by,
            c.kind
        )));
        if rec.clinical_visible
            && let Some(note) = &c.note
        {
            lines.push(Line::from(format!("      {note}")));
        }
    }
    if rec.clinical_visible {
        for e in rec.of_kind(FactKind::Note) {
            lines.extend(entry_lines(e, Style::default(), theme));
        }
    }
    // Scores before fitness, consent and referrals: a worsening trend must not be missed.
    if r.clinical_visible && !v.scores.is_empty() {
        lines.push(Line::default());
        lines.extend(super::trends::chart_lines(&v.scores, width, theme));
        lines.extend(super::trends::table_lines(&v.scores, theme));
    }
    if !v.fitness.is_empty() {
        lines.push(Line::default());
        lines.push(heading("Fitness", theme));
        for f in &v.fitness {
            let mut text = format!(
                "  {} {}",
                if f.fit { "Fit to" } else { "NOT fit to" },
                crate::domain::fitness::fit_to(&f.kind)
            );
            if !f.conditions.is_empty() {
                text.push_str(&format!(" — {}", f.conditions));
            }
            text.push_str(&format!(
                " ({} {})",
                f.decided_by,
                to_london_with_day(f.decided_at)
            ));
            lines.push(Line::from(text));
            if let Some(reason) = &f.reason {
                lines.push(Line::from(Span::styled(
                    format!("    {reason}"),
                    theme.dim(),
                )));
            }
        }
    }
    if !v.consents.is_empty() {
        lines.push(Line::default());
        lines.push(heading("Consent to share", theme));
        for c in &v.consents {
            lines.push(Line::from(format!(
                "  {}: {} ({} {})",
                match c.scope.as_str() {
                    "custody_staff" => "custody staff",
                    "receiving_establishment" => "receiving establishment",
                    "community_treatment" => "community treatment",
                    _ => "Liaison and Diversion",
                },
                match c.decision.as_str() {
                    "consents" => "consents",
                    "declines" => "DECLINES",
                    _ => "lacks capacity now, ask again later",
                },
                c.asked_by,
                to_london_with_day(c.asked_at)
            )));
            if let Some(notes) = c.capacity_notes.as_deref().filter(|n| !n.is_empty()) {
                lines.push(Line::from(Span::styled(
                    format!("    {notes}"),
                    theme.dim(),
                )));
            }
        }
    }
    if !v.referrals.is_empty() {
        lines.push(Line::default());
        lines.push(heading("Referrals", theme));
        for f in &v.referrals {
            lines.push(Line::from(format!(
                "  Referral to the {} by {} {}",
                build::referral_service(&f.kind),
                f.made_by,
                to_london_with_day(f.made_at)
            )));
            if let Some(c) = &f.content {
                if !c.substance.is_empty() {
                    lines.push(Line::from(Span::styled(
                        format!(
                            "    {}{}",
                            c.substance,
                            if c.route.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", c.route)
                            }
                        ),
                        theme.dim(),
                    )));
                }
                lines.push(Line::from(Span::styled(
                    format!("    {}", c.reason),
                    theme.dim(),
                )));
                lines.push(Line::from(Span::styled(
                    format!("    contact: {}", build::referral_contact(c)),
                    theme.dim(),
                )));
            }
        }
    }

    lines.extend(appointment_lines(v, theme));

    if !r.clinical_visible {
        lines.push(Line::default());
        let key = app
            .keymap
            .keys_for(Context::Record, Action::BreakGlass)
            .into_iter()
            .next()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "break_glass".into());
        lines.push(Line::from(Span::styled(
            "Clinical notes, scores and medication reasons: HCP only.",
            theme.warning(),
        )));
        lines.push(Line::from(format!(
            "In an emergency press {key} to break glass: you will be asked why, and it is audited."
        )));
    }
    lines
}

/// Appointments after release, soonest first: when for everyone (the sergeant tells the
/// person at release), which service and where for HCPs (the store leaves them out otherwise).
fn appointment_lines<'a>(v: &crate::store::custody::RecordView, theme: &Theme) -> Vec<Line<'a>> {
    use crate::domain::appointment::appointment_time;
    let mut lines = Vec::new();
    if v.appointments.is_empty() && v.known_appointments.is_empty() {
        return lines;
    }
    lines.push(Line::default());
    lines.push(heading("Appointments after release", theme));
    for a in &v.appointments {
        let (what, place) = match (&a.service, &a.place) {
            (Some(service), Some(place)) => (service.clone(), format!("at {place}; ")),
            _ => ("service and place: HCP only".to_string(), String::new()),
        };
        lines.push(Line::from(format!("  {}  {what}", appointment_time(a.at))));
        lines.push(Line::from(Span::styled(
            format!(
                "    {place}booked by {} {}",
                a.made_by,
                to_london_with_day(a.made_at)
            ),
            theme.dim(),
        )));
    }
    for k in &v.known_appointments {
        let from = format!(
            "known from {}, {}",
            k.source_suite,
            crate::domain::observation::london_date(k.signed_at).format("%-d %b %Y")
        );
        let text = k.text.as_deref().map_or("details: HCP only", |t| {
            t.strip_prefix("Appointment after release: ").unwrap_or(t)
        });
        lines.push(Line::from(format!("  {text}")));
        lines.push(Line::from(Span::styled(format!("    {from}"), theme.dim())));
    }
    lines
}

/// A section of record entries of one kind: its heading, then each entry with where it came
/// from. A section with none is named in `empty` instead.
fn kind_section<'a, 'r>(
    lines: &mut Vec<Line<'a>>,
    empty: &mut Vec<&'static str>,
    title: &'static str,
    entries: impl Iterator<Item = &'r RecordEntry>,
    theme: &Theme,
) {
    let entries: Vec<&RecordEntry> = entries.collect();
    if entries.is_empty() {
        empty.push(title);
        return;
    }
    lines.push(Line::default());
    lines.push(heading(title, theme));
    for e in entries {
        lines.extend(entry_lines(e, Style::default(), theme));
    }
}

/// One entry: what it says, then who, when and where from (and, for what is known from
/// elsewhere, that it is not reconfirmed).
fn entry_lines(e: &RecordEntry, style: Style, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!("  {}", e.fact.headline()),
        style,
    ))];
    lines.extend(provenance_lines(e, theme));
    lines
}

fn provenance_lines(e: &RecordEntry, theme: &Theme) -> Vec<Line<'static>> {
    let line = match &e.standing {
        Standing::Known => {
            return vec![Line::from(Span::styled(
                format!(
                    "    known from {}, not reconfirmed ({} {})",
                    e.origin.describe(),
                    e.recorded_by,
                    to_london_with_day(e.recorded_at)
                ),
                theme.warning(),
            ))];
        }
        Standing::Reconfirmed { by, at } => format!(
            "    {}; reconfirmed by {by} {}",
            e.provenance(),
            to_london_with_day(*at)
        ),
        Standing::SetAside { by, at, reason } => format!(
            "    {}; set aside by {by} {}: {reason}",
            e.provenance(),
            to_london_with_day(*at)
        ),
        Standing::Live => format!("    {}", e.provenance()),
    };
    vec![Line::from(Span::styled(line, theme.dim()))]
}
