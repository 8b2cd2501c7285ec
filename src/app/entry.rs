//! Adding to the clinical record from a person's record: a menu of what can be added (scores,
//! medicines, doses, consent, fitness, referrals, appointments), then that entry's sheet. It
//! sits over the record as an overlay. Nothing is written until the sheet is complete and
//! checked; then it is one store call, committed with its audit row, and the record re-read.
//!
//! Keys (form context): type into a field, or press an option's key to pick it; Enter checks
//! the field and moves on (on the last field it saves); Tab/Shift-Tab and the arrows move
//! without checking; F8 saves from anywhere; Esc leaves (twice, if anything was typed).

use chrono::{DateTime, Utc};

use super::{App, Screen, sentence};
use crate::app::Action;
use crate::domain::entry::sheets::{self, EntryKind};
use crate::domain::entry::{Blocked, FieldKind, Read, Sheet, Values, When};
use crate::domain::scores::{ciwa, news2};
use crate::keymap::Context;
use crate::store::Store;
use crate::store::clinical::{DoseOutcome, NewAppointment, NewMedication, NewReferral};

/// The overlay: choosing what to add, or filling its sheet.
#[derive(Debug)]
pub enum EntryState {
    Menu(MenuState),
    Sheet(Box<SheetState>),
}

#[derive(Debug)]
pub struct MenuState {
    pub detention_id: i64,
    pub who: String,
    pub selected: usize,
}

/// A sheet being filled in.
#[derive(Debug)]
pub struct SheetState {
    pub detention_id: i64,
    pub who: String,
    pub kind: EntryKind,
    pub sheet: Sheet,
    pub values: Values,
    /// Index into the fields shown now.
    pub focus: usize,
    /// One sentence: what is wrong, or what needs confirming.
    pub error: Option<String>,
    /// Unusual values shown and waiting for a second F8 to confirm them.
    pub unusual: Option<Vec<String>>,
    /// Esc was pressed once with something typed: a second Esc discards it.
    pub discard_armed: bool,
}

impl SheetState {
    /// The id of the field with the cursor.
    pub fn focused_id(&self) -> Option<&'static str> {
        let visible = self.sheet.visible(&self.values);
        visible
            .get(self.focus.min(visible.len().saturating_sub(1)))
            .map(|f| f.id)
    }

    fn visible_len(&self) -> usize {
        self.sheet.visible(&self.values).len()
    }

    fn edited(&mut self) {
        self.unusual = None;
        self.discard_armed = false;
        self.error = None;
    }
}

/// The first key bound to `action` on a form, for messages that name a key.
fn key_for(app: &App, action: Action) -> String {
    app.keymap.key_name(Context::Form, action)
}

/// The keymap context while the overlay is open.
pub fn context(app: &App) -> Option<Context> {
    app.entry.as_ref().map(|_| Context::Form)
}

/// Opens the menu over the open record (healthcare practitioners only: the store refuses
/// everyone else too, this says so before anything is typed).
fn open(app: &mut App) {
    let Screen::Record(r) = &app.screen else {
        return;
    };
    let Some(role) = app.identity().map(|i| i.role) else {
        return;
    };
    if !role.sees_clinical_detail() {
        app.set_error("Only a healthcare practitioner can add to the clinical record.");
        return;
    }
    if r.view.entry.closed_at.is_some() {
        app.set_error("This detention is closed; its record is read-only.");
        return;
    }
    let e = &r.view.entry;
    app.message = None;
    app.entry = Some(EntryState::Menu(MenuState {
        detention_id: e.detention_id,
        who: format!(
            "{}, {} · {}",
            e.surname.to_uppercase(),
            e.forenames,
            e.custody_no
        ),
        selected: 0,
    }));
}

/// Custody staff record a dose the person took themselves under their supervision, for a
/// medicine an HCP has allowed (PACE Code C 9.10).
fn open_supervised_dose(app: &mut App) {
    let Screen::Record(r) = &app.screen else {
        return;
    };
    let Some(role) = app.identity().map(|i| i.role) else {
        return;
    };
    if let Err(refused) =
        crate::domain::authority::permit(role, crate::domain::authority::Duty::SupervisedDose)
    {
        app.set_error(sentence(refused.to_string()));
        return;
    }
    if r.view.entry.closed_at.is_some() || r.read_only {
        app.set_error("This detention is closed; its record is read-only.");
        return;
    }
    let e = &r.view.entry;
    let menu = MenuState {
        detention_id: e.detention_id,
        who: format!(
            "{}, {} · {}",
            e.surname.to_uppercase(),
            e.forenames,
            e.custody_no
        ),
        selected: 0,
    };
    app.message = None;
    app.entry = open_sheet(app, &menu, EntryKind::SupervisedDose);
}

fn open_sheet(app: &mut App, menu: &MenuState, kind: EntryKind) -> Option<EntryState> {
    let mut entries = Vec::new();
    if let Screen::Record(r) = &app.screen {
        if kind.needs_medicines() {
            for m in &r.view.medications {
                entries.push((m.id.to_string(), format!("{} {}", m.name, m.dose)));
            }
        }
        if kind.needs_self_administered() {
            for m in r.view.medications.iter().filter(|m| m.self_administration) {
                entries.push((m.id.to_string(), format!("{} {}", m.name, m.dose)));
            }
        }
        if kind.needs_record_entries() {
            // Entries made here by hand (screen answers are amended on the form instead).
            for e in &r.view.record.entries {
                if e.standing == crate::domain::record::Standing::Live
                    && e.origin == crate::domain::record::Origin::HcpEntry
                {
                    entries.push((
                        e.id.to_string(),
                        format!("{}: {}", e.fact.kind().heading(), e.fact.headline()),
                    ));
                }
            }
        }
        if kind.needs_reported() {
            for e in r
                .view
                .record
                .of_kind(crate::domain::record::FactKind::ReportedMedicine)
            {
                entries.push((e.id.to_string(), e.fact.headline()));
            }
        }
        if kind.needs_scores() {
            // Newest first: a correction is nearly always of what was just typed.
            let mut scores: Vec<_> = r.view.scores.iter().collect();
            scores.sort_by_key(|s| std::cmp::Reverse((s.recorded_at, s.id)));
            for s in scores {
                entries.push((s.id.to_string(), score_label(s)));
            }
        }
    }
    if kind.needs_self_administered() && entries.is_empty() {
        app.set_error(
            "No medicine of this person's is allowed for supervised self-administration: an HCP allows it (a, then t).",
        );
        return None;
    }
    if kind.needs_medicines() && entries.is_empty() {
        app.set_error("No medicines are recorded for this person; add the medicine first (m).");
        return None;
    }
    if kind.needs_record_entries() && entries.is_empty() {
        app.set_error(
            "No entries were added by hand in this detention; a screening answer is changed by amending it on the form.",
        );
        return None;
    }
    if kind.needs_reported() && entries.is_empty() {
        app.set_error("No reported medicines are waiting to be confirmed for this person.");
        return None;
    }
    if kind.needs_scores() && entries.is_empty() {
        app.set_error("No scores are recorded for this person.");
        return None;
    }
    // Keys pick (1-9, then a-z): the newest scores, or the current medicines in order.
    let keys = sheets::ENTRY_KEYS.chars().count();
    if kind.needs_medicines() && entries.len() > keys {
        app.set_error(format!(
            "This person has {} current medicines; this sheet picks from the first {keys}.",
            entries.len()
        ));
    }
    entries.truncate(keys);
    Some(EntryState::Sheet(Box::new(SheetState {
        detention_id: menu.detention_id,
        who: menu.who.clone(),
        kind,
        sheet: sheets::sheet(kind, &entries),
        values: Values::new(),
        focus: 0,
        error: None,
        unusual: None,
        discard_armed: false,
    })))
}

/// Handles an action while the overlay is open (or the action that opens it).
pub fn perform(app: &mut App, action: Action) -> bool {
    let Some(state) = app.entry.take() else {
        if action == Action::AddClinical && matches!(app.screen, Screen::Record(_)) {
            open(app);
            return true;
        }
        if action == Action::SupervisedDose && matches!(app.screen, Screen::Record(_)) {
            open_supervised_dose(app);
            return true;
        }
        return false;
    };
    app.entry = match state {
        EntryState::Menu(menu) => menu_action(app, menu, action),
        EntryState::Sheet(sheet) => sheet_action(app, *sheet, action),
    };
    true
}

fn menu_action(app: &mut App, mut menu: MenuState, action: Action) -> Option<EntryState> {
    let n = EntryKind::MENU.len();
    match action {
        Action::Back => return None,
        Action::MoveDown | Action::NextField => menu.selected = (menu.selected + 1) % n,
        Action::MoveUp | Action::PrevField => menu.selected = (menu.selected + n - 1) % n,
        Action::First => menu.selected = 0,
        Action::Last => menu.selected = n - 1,
        Action::Submit | Action::Confirm => {
            let kind = EntryKind::MENU[menu.selected.min(n - 1)].1;
            return open_sheet(app, &menu, kind).or(Some(EntryState::Menu(menu)));
        }
        _ => {}
    }
    Some(EntryState::Menu(menu))
}

fn sheet_action(app: &mut App, mut s: SheetState, action: Action) -> Option<EntryState> {
    let len = s.visible_len();
    match action {
        Action::Back => {
            if s.values.is_empty() || s.discard_armed {
                app.set_info("Nothing was saved.");
                return None;
            }
            s.discard_armed = true;
            s.error = Some(format!(
                "Press {} again to leave without saving what you typed.",
                key_for(app, Action::Back)
            ));
        }
        Action::NextField | Action::MoveDown => {
            s.focus = (s.focus + 1).min(len.saturating_sub(1));
            s.discard_armed = false;
        }
        Action::PrevField | Action::MoveUp => {
            s.focus = s.focus.saturating_sub(1);
            s.discard_armed = false;
        }
        Action::First => s.focus = 0,
        Action::Last => s.focus = len.saturating_sub(1),
        Action::DeleteBack => {
            if let Some(id) = s.focused_id() {
                if let Some(v) = s.values.get_mut(id) {
                    v.pop();
                    if v.is_empty() {
                        s.values.remove(id);
                    }
                }
                s.edited();
            }
        }
        Action::ClearField => {
            if let Some(id) = s.focused_id() {
                s.values.remove(id);
                s.edited();
            }
        }
        Action::Submit | Action::Confirm => {
            let field = s.focused_id().and_then(|id| s.sheet.field(id)).cloned();
            if let Some(field) = field {
                let raw = s.values.get(field.id).cloned().unwrap_or_default();
                if let Err(e) = field.check(&raw, app.now) {
                    s.error = Some(e);
                    return Some(EntryState::Sheet(Box::new(s)));
                }
            }
            if s.focus + 1 < len {
                s.focus += 1;
                s.error = None;
            } else {
                return save(app, s);
            }
        }
        Action::CompleteForm => return save(app, s),
        _ => {}
    }
    Some(EntryState::Sheet(Box::new(s)))
}

/// Typed text: picks a menu item or a choice, or types into the field.
pub fn type_char(app: &mut App, c: char) -> bool {
    let Some(state) = app.entry.take() else {
        return false;
    };
    app.entry = match state {
        EntryState::Menu(menu) => {
            match EntryKind::MENU
                .iter()
                .position(|(k, _)| *k == c.to_ascii_lowercase())
            {
                Some(i) => {
                    let kind = EntryKind::MENU[i].1;
                    open_sheet(app, &menu, kind).or(Some(EntryState::Menu(MenuState {
                        selected: i,
                        ..menu
                    })))
                }
                None => Some(EntryState::Menu(menu)),
            }
        }
        EntryState::Sheet(mut s) => {
            type_into(app, &mut s, c);
            Some(EntryState::Sheet(s))
        }
    };
    true
}

fn type_into(app: &mut App, s: &mut SheetState, c: char) {
    let Some(id) = s.focused_id() else { return };
    let Some(field) = s.sheet.field(id).cloned() else {
        return;
    };
    match &field.kind {
        FieldKind::Choice(_) => match field.choice_for_key(c) {
            Some(choice) => {
                s.values.insert(field.id, choice.value.clone());
                s.edited();
                // A pick moves on at once, to the field after it as now shown.
                let visible = s.sheet.visible(&s.values);
                if let Some(pos) = visible.iter().position(|f| f.id == field.id)
                    && pos + 1 < visible.len()
                {
                    s.focus = pos + 1;
                }
            }
            None => {
                s.error = field.check(&c.to_string(), app.now).err();
            }
        },
        FieldKind::Number { .. } => {
            if c.is_ascii_digit() || c == '.' || c == '-' {
                s.values.entry(field.id).or_default().push(c);
                s.edited();
            } else {
                s.error = Some(format!("{} takes digits only.", field.label));
            }
        }
        FieldKind::Text { max_len } => {
            let v = s.values.entry(field.id).or_default();
            if v.chars().count() < *max_len {
                v.push(c);
            }
            s.edited();
        }
        FieldKind::DateTime(_) => {
            let v = s.values.entry(field.id).or_default();
            if v.chars().count() < 20 {
                v.push(c);
            }
            s.edited();
        }
    }
}

/// Checks the whole sheet and, when it passes, writes it.
fn save(app: &mut App, mut s: SheetState) -> Option<EntryState> {
    let confirmed = s.unusual.is_some();
    match s.sheet.check(&s.values, confirmed, app.now) {
        Err(Blocked::Field(id, sentence)) => {
            if let Some(i) = s.sheet.visible(&s.values).iter().position(|f| f.id == id) {
                s.focus = i;
            }
            s.error = Some(sentence);
            return Some(EntryState::Sheet(Box::new(s)));
        }
        Err(Blocked::Unusual(why)) => {
            s.error = Some(format!(
                "Unusual: {}. Check them; press {} again to record them as they are.",
                why.join("; "),
                key_for(app, Action::CompleteForm)
            ));
            s.unusual = Some(why);
            return Some(EntryState::Sheet(Box::new(s)));
        }
        Ok(()) => {}
    }
    if let Some(sheet) = reported_needing_the_medicine_sheet(app, &s) {
        return Some(sheet);
    }
    let now = app.now;
    let store = app.session.as_mut()?;
    match write(store, &s, now) {
        Ok(done) => {
            let detention_id = s.detention_id;
            super::care::after_write(app, detention_id);
            if let Screen::Record(r) = &mut app.screen {
                r.tab = super::RecordTab::Health;
            }
            app.set_info(done);
            None
        }
        Err(e) => {
            s.error = Some(sentence(e));
            Some(EntryState::Sheet(Box::new(s)))
        }
    }
}

/// A reported medicine whose frequency cannot be scheduled is not refused outright: the
/// medicine sheet opens filled in from the report, on the frequency, so only that is typed.
fn reported_needing_the_medicine_sheet(app: &App, s: &SheetState) -> Option<EntryState> {
    if s.kind != EntryKind::ConfirmReported {
        return None;
    }
    let Screen::Record(r) = &app.screen else {
        return None;
    };
    let id: i64 = s.values.get("reported")?.parse().ok()?;
    let entry = r.view.record.entries.iter().find(|e| e.id == id)?;
    let crate::domain::record::Fact::ReportedMedicine {
        name,
        dose,
        frequency,
        source,
        ..
    } = &entry.fact
    else {
        return None;
    };
    let problem = crate::domain::medication::Frequency::parse(frequency).err()?;
    let mut values = Values::new();
    values.insert("name", name.clone());
    values.insert("dose", dose.clone());
    values.insert("frequency", frequency.clone());
    if let Some(v) = s.values.get("verified_with") {
        values.insert("verified_with", v.clone());
    }
    let brought = *source == crate::domain::record::MedicineSource::PackagingSeen;
    values.insert(
        "origin",
        if brought { "brought" } else { "reported" }.into(),
    );
    let sheet = sheets::medicine_sheet();
    let focus = sheet
        .visible(&values)
        .iter()
        .position(|f| f.id == "frequency")
        .unwrap_or(0);
    Some(EntryState::Sheet(Box::new(SheetState {
        detention_id: s.detention_id,
        who: s.who.clone(),
        kind: EntryKind::Medicine,
        sheet,
        values,
        focus,
        error: Some(format!(
            "{} Say how often as od, bd, tds, qds, every N hours or prn; the rest is from the report.",
            sentence(problem.to_string())
        )),
        unusual: None,
        discard_armed: false,
    })))
}

/// Writes a checked sheet through the store; returns what to tell the person.
fn write(store: &mut Store, s: &SheetState, now: DateTime<Utc>) -> Result<String, String> {
    let r = Read {
        values: &s.values,
        now,
    };
    let id = s.detention_id;
    let err = |e: crate::store::StoreError| e.to_string();
    match s.kind {
        EntryKind::News2 => {
            let o = sheets::news2_from(&r)?;
            let result = store
                .record_news2(id, &o, s.unusual.is_some(), now)
                .map_err(err)?;
            Ok(news2_message(&result))
        }
        EntryKind::Gcs => {
            let gcs = sheets::gcs_from(&r)?;
            store.record_gcs(id, &gcs, now).map_err(err)?;
            Ok(format!("GCS {} recorded.", gcs.notation()))
        }
        EntryKind::Ciwa => {
            let ciwa = sheets::ciwa_from(&r)?;
            let bands = ciwa::suite_band_set()?;
            let result = ciwa::score(&ciwa, &bands);
            store.record_ciwa(id, &ciwa, &bands, now).map_err(err)?;
            Ok(format!(
                "CIWA-Ar {} recorded: {} ({}).",
                result.total,
                format!("{:?}", result.severity).to_lowercase(),
                bands.source
            ))
        }
        EntryKind::Cows => {
            let cows = sheets::cows_from(&r)?;
            store.record_cows(id, &cows, now).map_err(err)?;
            Ok(format!(
                "COWS total {} recorded: {}.",
                cows.total(),
                cows.band().label()
            ))
        }
        EntryKind::AuditC => {
            let audit = sheets::audit_c_from(&r)?;
            store.record_audit_c(id, &audit, now).map_err(err)?;
            let result = audit.score();
            Ok(format!(
                "AUDIT-C {} recorded{}.",
                result.total,
                if result.positive {
                    ": positive, go on to the full AUDIT"
                } else {
                    ""
                }
            ))
        }
        EntryKind::Medicine => {
            let m = NewMedication {
                name: r.text("name"),
                dose: r.text("dose"),
                route: r.text("route"),
                frequency: r.text("frequency"),
                last_taken_at: r.time("last_taken", "Last taken", When::Past)?,
                reason: r.text("reason"),
                verified_with: r.text("verified_with"),
                origin: r.text("origin"),
            };
            store.add_medication(id, &m, now).map_err(err)?;
            Ok(format!("{} {} added to the medicines.", m.name, m.dose))
        }
        EntryKind::Dose => {
            let medication_id = chosen(&r, "medicine")?;
            let outcome = match r.text("outcome").as_str() {
                "given" => DoseOutcome::Given,
                "declined" => DoseOutcome::Declined,
                "withheld" => DoseOutcome::Withheld,
                _ => DoseOutcome::NotAvailable,
            };
            let at = r.time("at", "At", When::Past)?.unwrap_or(now);
            store
                .record_dose(medication_id, outcome, &r.text("reason"), at, now)
                .map_err(err)?;
            Ok(format!(
                "{}: {} at {} recorded.",
                chosen_label(s, &r, "medicine"),
                outcome.as_str().replace('_', " "),
                crate::domain::observation::to_london(at)
            ))
        }
        EntryKind::ScoreInError => {
            let score_id = chosen(&r, "score")?;
            let label = chosen_label(s, &r, "score");
            let withdrawn = store
                .mark_score_in_error(score_id, &r.text("reason"), now)
                .map_err(err)?;
            Ok(if withdrawn.is_empty() {
                format!("Marked entered in error: {label}.")
            } else {
                format!(
                    "Marked entered in error: {label}; its flags withdrawn: {}.",
                    withdrawn.join(", ")
                )
            })
        }
        EntryKind::SelfAdministration => {
            let medication_id = chosen(&r, "medicine")?;
            let allowed = r.text("allowed") == "yes";
            store
                .set_self_administration(medication_id, allowed, now)
                .map_err(err)?;
            Ok(format!(
                "{}: {}.",
                chosen_label(s, &r, "medicine"),
                if allowed {
                    "custody staff may now supervise the person taking it (d on the record)"
                } else {
                    "only an HCP gives it now"
                }
            ))
        }
        EntryKind::SupervisedDose => {
            let medication_id = chosen(&r, "medicine")?;
            let outcome = if r.text("outcome") == "declined" {
                crate::store::clinical::SupervisedOutcome::Declined
            } else {
                crate::store::clinical::SupervisedOutcome::Taken
            };
            let at = r.time("at", "At", When::Past)?.unwrap_or(now);
            store
                .record_supervised_dose(medication_id, outcome, &r.text("reason"), at, now)
                .map_err(err)?;
            Ok(format!(
                "{}: {} at {}, supervised by you, recorded.",
                chosen_label(s, &r, "medicine"),
                r.text("outcome"),
                crate::domain::observation::to_london(at)
            ))
        }
        EntryKind::StopMedicine => {
            let medication_id = chosen(&r, "medicine")?;
            store
                .stop_medication(medication_id, &r.text("reason"), now)
                .map_err(err)?;
            Ok(format!("{} stopped.", chosen_label(s, &r, "medicine")))
        }
        EntryKind::Consent => {
            let decision = r.text("decision");
            let notes = if decision == "lacks_capacity_ask_later" {
                r.text("capacity_notes")
            } else {
                r.text("notes")
            };
            store
                .record_consent(id, &r.text("scope"), &decision, &notes, now)
                .map_err(err)?;
            let field = |f: &str| {
                s.sheet
                    .field(f)
                    .map(|x| x.display(&r.text(f)))
                    .unwrap_or_default()
            };
            Ok(format!(
                "Consent recorded: {} — {}.",
                field("scope"),
                field("decision").to_lowercase()
            ))
        }
        EntryKind::Fitness => {
            let fit = r.text("fit") == "yes";
            store
                .record_fitness(
                    id,
                    &r.text("kind"),
                    fit,
                    &r.text("conditions"),
                    &r.text("reason"),
                    now,
                )
                .map_err(err)?;
            let to = s
                .sheet
                .field("kind")
                .map(|f| f.display(&r.text("kind")).to_lowercase())
                .unwrap_or_default();
            Ok(format!(
                "Recorded: {} to {to}.",
                if fit { "fit" } else { "not fit" }
            ))
        }
        EntryKind::Referral => {
            let nfa = r.text("nfa") == "no_fixed_abode";
            let optional = |f: &str| Some(r.text(f)).filter(|t| !t.is_empty());
            let referral = NewReferral {
                kind: r.text("kind"),
                substance: r.text("substance"),
                route: r.text("route"),
                treatment_history: r.text("treatment_history"),
                reason: r.text("reason"),
                phone: optional("phone"),
                address: if nfa {
                    String::new()
                } else {
                    r.text("address")
                },
                postcode: if nfa { None } else { optional("postcode") },
                no_fixed_abode: nfa,
                reachable_at: if nfa {
                    r.text("reachable_at")
                } else {
                    String::new()
                },
            };
            store.add_referral(id, &referral, now).map_err(err)?;
            Ok("Referral recorded.".into())
        }
        EntryKind::HcpContact => {
            let at = r.time("at", "Seen at", When::Past)?.unwrap_or(now);
            let kind = r.text("kind");
            store
                .record_hcp_contact(id, &kind, at, &r.text("note"), now)
                .map_err(err)?;
            Ok(format!(
                "{} at {} recorded: the person shows as seen by you.",
                crate::domain::text::capitalise(&kind),
                crate::domain::observation::to_london(at)
            ))
        }
        EntryKind::ConfirmReported => {
            let entry_id = chosen(&r, "reported")?;
            store
                .confirm_reported_medicine(id, entry_id, &r.text("verified_with"), now)
                .map_err(err)?;
            Ok(format!(
                "{} confirmed into the medication list.",
                chosen_label(s, &r, "reported")
            ))
        }
        EntryKind::Direction => {
            let draft = crate::domain::hcp::direction::direction_from(&r)?;
            store.give_direction(id, &draft, now).map_err(err)?;
            Ok(format!(
                "Direction recorded: {}. Every sergeant's screen shows it until one acknowledges it.",
                crate::domain::hcp::direction::headline(draft.kind, &draft.words)
            ))
        }
        EntryKind::Allergy => {
            let fact = crate::domain::record::Fact::Allergy {
                substance: r.text("substance"),
                reaction: r.text("reaction"),
                severity: crate::domain::record::AllergySeverity::parse(&r.text("severity")),
            };
            store.add_record_entry(id, &fact, now).map_err(err)?;
            Ok(format!("Allergy recorded: {}.", fact.headline()))
        }
        EntryKind::EntryInError => {
            let entry_id = chosen(&r, "entry")?;
            store
                .mark_entry_in_error(entry_id, &r.text("reason"), now)
                .map_err(err)?;
            Ok(format!(
                "Marked entered in error (kept on the record with the reason): {}.",
                chosen_label(s, &r, "entry")
            ))
        }
        EntryKind::Appointment => {
            let at = r
                .time("at", "When", When::Future)?
                .ok_or_else(|| "When is needed.".to_string())?;
            let appointment = NewAppointment {
                service: r.text("service"),
                at,
                place: r.text("place"),
            };
            store.book_appointment(id, &appointment, now).map_err(err)?;
            Ok(format!(
                "Appointment booked for {}.",
                crate::domain::appointment::appointment_time(at)
            ))
        }
    }
}

/// The id picked on a field that chooses one of the person's entries (a medicine, a score).
/// The sheet's check has already refused any value that is not one of its choices, and each
/// choice's value is the entry's id.
fn chosen(r: &Read, field: &str) -> Result<i64, String> {
    r.text(field)
        .parse::<i64>()
        .map_err(|_| format!("Pick the {field} by its key."))
}

/// What the picked entry is called on screen.
fn chosen_label(s: &SheetState, r: &Read, field: &str) -> String {
    s.sheet
        .field(field)
        .map(|f| f.display(&r.text(field)))
        .unwrap_or_default()
}

/// "23 Nov 13:40 NEWS2 8 (high)" for picking a score.
fn score_label(s: &crate::store::clinical::ScoreEntry) -> String {
    let name = crate::store::clinical::ScoreKind::label_of(&s.kind);
    let total = s
        .total
        .map_or_else(|| "no total".to_string(), |t| t.to_string());
    format!(
        "{} {name} {total} ({})",
        crate::domain::observation::to_london_with_day(s.recorded_at),
        s.band
    )
}

fn news2_message(result: &news2::News2) -> String {
    format!(
        "NEWS2 {} recorded: {}.",
        result.total,
        result.response.label()
    )
}
