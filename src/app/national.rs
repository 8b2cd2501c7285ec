//! The terminal's part in the national record (issue 15): on each tick it reads how contact
//! stands (the board header) and, when a handover is due for sending and this terminal is not
//! already sending one, takes it from the outbox; at booking-in it asks the record about the
//! person. The network is never touched here: work is left in [`NationalState::jobs`] for the
//! run loop to hand to the courier (`national::courier`), and what the courier finishes
//! comes back as [`Event::National`](super::Event::National), recorded here in the store.

use chrono::{DateTime, Utc};

use super::App;
use crate::domain::authority::Duty;
use crate::domain::national::{Failure, Lookup, NationalStatus, PersonKeys};
use crate::national::courier::{Answer, Done, Job, Link};
use crate::store::Store;

/// What the booking banner says about the national record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BannerNational {
    /// Asked, no answer yet ("by NHS number 943 476 5919").
    Asking { by: String },
    /// The record answered: how many documents were added to this person's record now, from
    /// whom (as the record's directory names them), and any the record held but that did not
    /// verify or belong to someone else.
    Answered {
        added: usize,
        signers: Vec<String>,
        held: usize,
        set_aside: Vec<String>,
    },
    /// Nothing could be asked (no identifier, no date of birth).
    NotAsked,
    /// The record could not be reached or refused: the banner shows what this suite knows.
    Failed(String),
}

impl BannerNational {
    /// The banner's line.
    pub fn line(&self) -> String {
        match self {
            BannerNational::Asking { by } => {
                format!("National record: asking by {by}…")
            }
            BannerNational::Answered {
                added,
                signers,
                held,
                set_aside,
            } => {
                let mut s = if *held == 0 {
                    "National record: nothing held about this person.".to_string()
                } else if *added == 0 {
                    format!(
                        "National record: {held} handover{} held, already in this record.",
                        plural(*held)
                    )
                } else {
                    format!(
                        "National record: {added} handover{} added, signed by {} (as the record's directory names the signer).",
                        plural(*added),
                        signers.join(", ")
                    )
                };
                for why in set_aside {
                    s.push_str(&format!(" Set aside: {why}."));
                }
                s
            }
            BannerNational::NotAsked => {
                "National record: not asked (no NHS number, PNC id or date of birth).".into()
            }
            BannerNational::Failed(why) => {
                format!(
                    "National record: {}. Shown here is what this suite itself knows.",
                    predicate(why)
                )
            }
        }
    }
}

/// "the national record cannot be reached: …" after "National record:" reads "cannot be
/// reached: …".
pub fn predicate(why: &str) -> &str {
    why.strip_prefix("the national record ").unwrap_or(why)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A question the booking banner is waiting on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asking {
    pub ask: u64,
    pub person_id: i64,
    pub detention_id: i64,
    pub person: PersonKeys,
    pub since: DateTime<Utc>,
}

/// The terminal's national-record state.
#[derive(Debug, Default)]
pub struct NationalState {
    /// How contact stands, read each tick: the board header speaks while it is unreachable.
    pub status: NationalStatus,
    /// The outbox entry this terminal is sending, if any: one at a time.
    pub sending: Option<i64>,
    /// Work for the run loop to hand to the courier.
    pub jobs: Vec<Job>,
    /// The booking banner's question, while unanswered.
    pub asking: Option<Asking>,
    /// What the banner says about the record, for the detention it was asked for.
    pub banner: Option<(i64, BannerNational)>,
    /// The person search's question (its id and what was asked), while unanswered or until
    /// the search asks something else.
    pub searching: Option<(u64, Vec<Lookup>)>,
    next_ask: u64,
}

/// Someone the national record knows, as a handover about them says: offered on the person
/// search when this suite does not know them, so their details start from the record's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownElsewhere {
    pub person: crate::domain::booking::PersonInput,
    /// As the record's directory names the signer.
    pub signed_by: String,
    pub signed_at: chrono::DateTime<Utc>,
}

/// What the person search says about the national record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchNational {
    Asking { by: String },
    Known(Vec<KnownElsewhere>),
    NothingKnown { by: String },
    Failed(String),
}

/// This terminal's name in outbox claims (the lease holder).
pub fn worker(app: &App) -> String {
    format!("{} (pid {})", app.config.terminal_name, std::process::id())
}

/// How to reach the record as the person logged in: `None` when the suite has not joined one.
pub fn link(store: &mut Store, now: DateTime<Utc>) -> Result<Option<Link>, String> {
    let Some(m) = store.national_membership().map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let record_key = crate::handover::keys::parse_public_keys(&m.record_key)
        .map_err(|e| format!("the pinned record key is not usable: {e}"))?
        .into_iter()
        .next()
        .ok_or("the pinned record key file holds no key")?;
    let (suite_key, _) = store.signing_key(now).map_err(|e| e.to_string())?;
    Ok(Some(Link {
        url: m.url,
        record_key,
        ca_pem: m.ca_pem.map(String::into_bytes),
        suite_key,
        user: store.identity().username.clone(),
    }))
}

/// The run loop's link for this terminal's session (`None` when logged out or not joined).
pub fn session_link(app: &mut App) -> Option<Link> {
    let now = app.now;
    let store = app.session.as_mut()?;
    match link(store, now) {
        Ok(l) => l,
        Err(e) => {
            app.national.status.last_problem = Some(e);
            None
        }
    }
}

/// On each tick: read the status; when a handover is due and this terminal sends none, take
/// it and leave the job for the courier. A banner question with no answer past its time says
/// so (the courier may have died with the terminal's network).
pub fn tick(app: &mut App) {
    let now = app.now;
    let worker = worker(app);
    let Some(store) = app.session.as_mut() else {
        return;
    };
    let Ok(status) = store.national_status() else {
        return;
    };
    let due = status.joined.is_some()
        && app.national.sending.is_none()
        && store.permit(Duty::ContactNationalRecord).is_ok()
        && status.next_due.is_some_and(|t| t <= now);
    app.national.status = status;
    if due {
        match store.claim_delivery(&worker, now) {
            Ok(Some(claim)) => {
                app.national.sending = Some(claim.id);
                app.national.jobs.push(Job::Deliver {
                    outbox_id: claim.id,
                    bundle: claim.bundle,
                });
            }
            Ok(None) => {}
            Err(e) => app.set_error(format!("Could not take a handover from the outbox: {e}.")),
        }
    }
    let overdue = app.national.asking.as_ref().is_some_and(|a| {
        now - a.since
            > chrono::Duration::from_std(crate::domain::national::ASK_TIMEOUT).unwrap_or_default()
                + chrono::Duration::seconds(3)
    });
    if overdue && let Some(a) = app.national.asking.take() {
        app.national.banner = Some((
            a.detention_id,
            BannerNational::Failed(
                "the national record cannot be reached: no answer in time".into(),
            ),
        ));
        super::booking::refresh_banner(app);
    }
}

/// At booking-in, once the detention exists: asks the record about the person, if the suite
/// joined one. Returns whether a question went (the banner then shows its line).
pub fn ask_about(app: &mut App, person_id: i64, detention_id: i64) -> bool {
    let now = app.now;
    let Some(store) = app.session.as_ref() else {
        return false;
    };
    if !matches!(
        store.national_status(),
        Ok(NationalStatus {
            joined: Some(_),
            ..
        })
    ) || store.permit(Duty::AskNationalRecord).is_err()
    {
        return false;
    }
    let Ok(Some(person)) = store.person_keys(person_id) else {
        return false;
    };
    let lookups = person.lookups();
    let Some(first) = lookups.first() else {
        app.national.banner = Some((detention_id, BannerNational::NotAsked));
        return true;
    };
    app.national.next_ask += 1;
    let ask = app.national.next_ask;
    app.national.banner = Some((
        detention_id,
        BannerNational::Asking {
            by: first.describe(),
        },
    ));
    app.national.asking = Some(Asking {
        ask,
        person_id,
        detention_id,
        person,
        since: now,
    });
    app.national.jobs.push(Job::Ask { ask, lookups });
    true
}

/// What the courier finished.
pub fn done(app: &mut App, done: Done) {
    let now = app.now;
    match done {
        Done::Delivered { outbox_id, result } => {
            if app.national.sending == Some(outbox_id) {
                app.national.sending = None;
            }
            let worker = worker(app);
            let Some(store) = app.session.as_mut() else {
                // Locked meanwhile: the lease runs out and the next terminal sends it again;
                // the record answers with the same receipt.
                return;
            };
            let recorded = match &result {
                Ok(receipt) => store.delivery_accepted(outbox_id, receipt, now),
                Err(failure) => store.delivery_failed(outbox_id, &worker, failure, now),
            };
            let status = store.national_status();
            if let Err(e) = recorded {
                app.set_error(format!(
                    "Could not record the national record's answer: {e}."
                ));
            }
            if let Ok(status) = status {
                app.national.status = status;
            }
        }
        Done::Answered { ask, result } => {
            if app
                .national
                .searching
                .as_ref()
                .is_some_and(|(a, _)| *a == ask)
            {
                search_answered(app, result);
                return;
            }
            let Some(asking) = app.national.asking.take_if(|a| a.ask == ask) else {
                return;
            };
            let line = match result {
                Ok(answer) => take_answer(app, &asking, answer),
                Err(failure) => {
                    if let Some(store) = app.session.as_mut() {
                        let _ = store.national_contact(Err(&failure), now);
                    }
                    BannerNational::Failed(failure.sentence().to_string())
                }
            };
            app.national.banner = Some((asking.detention_id, line));
            super::booking::refresh_banner(app);
        }
    }
}

/// Adds each verified document about the person to their record, as known from the signer
/// the directory names: not this suite's own handovers (already here), not a document that
/// names another NHS number or PNC id (someone else's).
fn take_answer(app: &mut App, asking: &Asking, answer: Answer) -> BannerNational {
    let now = app.now;
    let Some(store) = app.session.as_mut() else {
        return BannerNational::Failed("the terminal locked before the answer came".into());
    };
    let _ = store.national_contact(Ok(()), now);
    let own = own_kids(store);
    let mut added = 0;
    let mut signers: Vec<String> = Vec::new();
    let mut set_aside: Vec<String> = answer.refused.clone();
    let mut held = 0;
    for doc in &answer.documents {
        if own.contains(&doc.verified.kid) {
            continue;
        }
        held += 1;
        let mut plan = crate::handover::import::plan(&doc.verified);
        if asking
            .person
            .contradicted_by(plan.nhs_number.as_deref(), plan.pnc_id.as_deref())
        {
            set_aside.push(format!(
                "a handover from {} names another NHS number or PNC id",
                doc.signed_by
            ));
            continue;
        }
        // The signer as the record's directory names it, never as the bundle names itself.
        plan.source_suite = doc.signed_by.clone();
        match store.import_bundle_for(&plan, asking.person_id, now) {
            Ok(crate::store::handover::ImportOutcome::Imported { .. }) => {
                added += 1;
                if !signers.contains(&doc.signed_by) {
                    signers.push(doc.signed_by.clone());
                }
            }
            Ok(crate::store::handover::ImportOutcome::AlreadyImported { .. }) => {}
            Err(e) => set_aside.push(format!(
                "a handover from {} could not be added: {e}",
                doc.signed_by
            )),
        }
    }
    BannerNational::Answered {
        added,
        signers,
        held,
        set_aside,
    }
}

/// The person search's query names someone by an identifier (or surname and date of
/// birth): asks the record once per distinct question, so typing on does not ask again.
/// `None` when nothing is asked (not joined, not permitted, nothing to ask by).
pub fn ask_for_search(
    app: &mut App,
    query: &crate::domain::booking::PersonQuery,
) -> Option<SearchNational> {
    let store = app.session.as_ref()?;
    if store.national_status().ok()?.joined.is_none()
        || store.permit(Duty::AskNationalRecord).is_err()
    {
        return None;
    }
    let mut lookups = Vec::new();
    if let Some(n) = &query.nhs_number {
        lookups.push(Lookup::Nhs(n.clone()));
    }
    if let Some(p) = &query.pnc_id {
        lookups.push(Lookup::Pnc(p.clone()));
    }
    if lookups.is_empty()
        && let (Some(family), Some(dob)) = (&query.surname, query.date_of_birth)
    {
        lookups.push(Lookup::NameDob {
            family: family.clone(),
            given: query.forename.clone(),
            birth_date: dob.to_string(),
        });
    }
    let by = lookups.first()?.describe();
    if app
        .national
        .searching
        .as_ref()
        .is_some_and(|(_, l)| *l == lookups)
    {
        return None;
    }
    app.national.next_ask += 1;
    let ask = app.national.next_ask;
    app.national.searching = Some((ask, lookups.clone()));
    app.national.jobs.push(Job::Ask { ask, lookups });
    Some(SearchNational::Asking { by })
}

/// The record's answer to the person search: who it knows (not this suite's own handovers).
fn search_answered(app: &mut App, result: Result<Answer, Failure>) {
    let now = app.now;
    let by = app
        .national
        .searching
        .as_ref()
        .and_then(|(_, l)| l.first())
        .map(Lookup::describe)
        .unwrap_or_default();
    let own = app.session.as_ref().map(own_kids).unwrap_or_default();
    let said = match result {
        Ok(answer) => {
            if let Some(store) = app.session.as_mut() {
                let _ = store.national_contact(Ok(()), now);
            }
            let mut known: Vec<KnownElsewhere> = Vec::new();
            for doc in answer
                .documents
                .iter()
                .filter(|d| !own.contains(&d.verified.kid))
            {
                let plan = crate::handover::import::plan(&doc.verified);
                let person = crate::domain::booking::PersonInput {
                    surname: plan.surname.clone(),
                    forenames: plan.forenames.clone(),
                    date_of_birth: plan
                        .date_of_birth
                        .map(|d| d.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                    sex: String::new(),
                    nhs_number: plan.nhs_number.clone().unwrap_or_default(),
                    pnc_id: plan.pnc_id.clone().unwrap_or_default(),
                };
                // One line per person: the newest handover about them (answers come newest first).
                if !known.iter().any(|k| k.person == person) {
                    known.push(KnownElsewhere {
                        person,
                        signed_by: doc.signed_by.clone(),
                        signed_at: plan.signed_at,
                    });
                }
            }
            if known.is_empty() {
                SearchNational::NothingKnown { by }
            } else {
                SearchNational::Known(known)
            }
        }
        Err(failure) => {
            if let Some(store) = app.session.as_mut() {
                let _ = store.national_contact(Err(&failure), now);
            }
            SearchNational::Failed(failure.sentence().to_string())
        }
    };
    super::booking::search_answered(app, said);
}

/// This suite's own key ids, current and retired: its own handovers, found again at the
/// record, are already here.
fn own_kids(store: &Store) -> Vec<String> {
    store
        .public_keys()
        .map(|keys| keys.into_iter().map(|k| k.kid).collect())
        .unwrap_or_default()
}

/// On lock: forget questions and work not yet handed over (an entry already taken is sent
/// again by whoever holds the outbox next, once its lease ends).
pub fn on_lock(app: &mut App) {
    app.national.jobs.clear();
    app.national.asking = None;
    app.national.searching = None;
    app.national.banner = None;
}

/// The failure a lost courier gives a job it never ran.
pub fn courier_gone(job: &Job) -> Done {
    let failure =
        Failure::Unreachable("the national record cannot be reached: the courier stopped".into());
    match job {
        Job::Deliver { outbox_id, .. } => Done::Delivered {
            outbox_id: *outbox_id,
            result: Err(failure),
        },
        Job::Ask { ask, .. } => Done::Answered {
            ask: *ask,
            result: Err(failure),
        },
    }
}
