//! `sonar demo`: a throwaway encrypted suite full of realistic synthetic detainees, so a
//! newcomer sees the real program working. Every name is invented; the historical people are
//! generated from a fixed seed, so two runs produce the same suite.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;

mod booking;
mod prra;
pub use prra::answers as prra_answers;
mod record;
mod support;

use crate::domain::role::Role;
use crate::domain::scores::news2;
use crate::domain::scores::{audit_c, ciwa, cows, facts, gcs};
use crate::store::audit::{self, AuditAction};
use crate::store::clinical::{
    DoseOutcome, NewMedication, NewScore, ScoreKind, insert_medication, record_score_in,
};
use crate::store::custody::{
    NewCarePlan, NewDetention, NewFlag, NewPerson, insert_care_plan, insert_check,
    insert_detention, insert_flag, insert_hcp_contact, insert_person,
};
use crate::store::{Store, StoreError};

/// The demo accounts: (username, display name, role). Each has the password [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 5] = [
    ("hcp", "Nurse Priya Raman", Role::Hcp),
    ("sergeant", "Sgt Dan Okafor", Role::Sergeant),
    ("officer", "DO Kim Walsh", Role::DetentionOfficer),
    ("admin", "Suite Admin", Role::Admin),
    ("wallboard", "Suite wall board", Role::WallBoard),
];

/// Published with the demo: never use it for a real suite.
pub const DEMO_PASSWORD: &str = "demo";

pub const DEMO_SUITE: &str = "Northgate Custody Suite (demo)";

/// The most historical people a demo makes: the scale the board's per-tick budget is measured
/// at (DESIGN.md, `benches/board.rs`), so any figure a suite needs to try is allowed and a
/// mistyped one cannot run for days.
pub const MAX_PEOPLE: u64 = 1_000_000;

/// The seed every demo's historical data comes from.
pub const SEED: u64 = 0x50_4E_41_52;

const SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Nowak",
    "Kowalski",
    "O'Brien",
    "Ó Súilleabháin",
    "Mensah",
    "Okonkwo",
    "Ahmed",
    "Nguyen",
    "Popescu",
    "Zieliński",
    "Da Silva",
    "Müller",
    "Øvergaard",
    "Chowdhury",
    "MacLeod",
];

const MALE_NAMES: &[&str] = &[
    "Jack", "Harry", "George", "Oliver", "Charlie", "Thomas", "James", "William", "Daniel",
    "Joshua", "Liam", "Connor", "Kyle", "Ryan", "Lewis", "Jordan", "Callum", "Mohammed", "Adam",
    "Reece", "Dylan", "Nathan", "Aaron", "Jamie", "Kieran", "Mark", "Paul", "Lee", "Darren",
    "Craig", "Wayne", "Stuart", "Piotr", "Tomasz", "Kwame", "Chidi", "Arjun",
];

const FEMALE_NAMES: &[&str] = &[
    "Olivia",
    "Amelia",
    "Emily",
    "Jessica",
    "Sophie",
    "Chloe",
    "Lauren",
    "Hannah",
    "Megan",
    "Charlotte",
    "Ellie",
    "Amy",
    "Rebecca",
    "Leah",
    "Danielle",
    "Stacey",
    "Kelly",
    "Gemma",
    "Natalie",
    "Zoë",
    "Aisha",
    "Fatima",
    "Agnieszka",
    "Ama",
    "Niamh",
    "Siobhán",
    "Priya",
];

const OFFENCES: &[&str] = &[
    "Theft from a shop",
    "Assault occasioning actual bodily harm",
    "Drunk and disorderly",
    "Possession with intent to supply (class A)",
    "Criminal damage",
    "Burglary (dwelling)",
    "Breach of a non-molestation order",
    "Driving with excess alcohol",
    "Public order offence (s.4A)",
    "Failure to appear (warrant)",
    "Robbery",
    "Possession of an offensive weapon",
];

const OFFICERS: &[&str] = &[
    "PC 4512 Hart",
    "PC 2201 Nowak",
    "PC 1877 Mensah",
    "PC 3390 Byrne",
    "DC 0912 Frost",
    "PC 5120 Lin",
];

/// One of the people in custody now: the stage of custody they are at.
struct Current {
    surname: &'static str,
    forenames: &'static str,
    sex: &'static str,
    dob: (i32, u32, u32),
    nhs: Option<&'static str>,
    pnc: Option<&'static str>,
    cell: &'static str,
    arrived_minutes_ago: i64,
    offence: &'static str,
    /// (level, interval minutes or None for constant, rouse, instructions, rationale)
    plan: Option<(u8, Option<u32>, bool, &'static str, &'static str)>,
    /// Minutes ago the last check was done (None: no check since the plan was set).
    last_check_minutes_ago: Option<i64>,
    flags: &'static [(&'static str, &'static str, &'static str)],
    hcp_note: Option<&'static str>,
    ready_for_transfer: bool,
    /// A flag from an earlier detention in this suite (code, severity, reason, days ago).
    history: Option<(&'static str, &'static str, &'static str, i64)>,
}

const CURRENT: &[Current] = &[
    Current {
        surname: "Hughes",
        forenames: "Callum James",
        sex: "male",
        dob: (1994, 3, 12),
        nhs: Some("9449305552"),
        pnc: Some("2012/0345671F"),
        cell: "C1",
        arrived_minutes_ago: 8,
        offence: "Drunk and disorderly",
        plan: None,
        last_check_minutes_ago: None,
        flags: &[],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Kowalski",
        forenames: "Agnieszka",
        sex: "female",
        dob: (1988, 11, 2),
        nhs: None,
        pnc: None,
        cell: "C2",
        arrived_minutes_ago: 95,
        offence: "Theft from a shop",
        plan: Some((1, Some(60), false, "Visit at least hourly.", "")),
        last_check_minutes_ago: Some(20),
        flags: &[(
            "COMM",
            "attention",
            "Polish speaker: interpreter booked via Language Line",
        )],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Taylor",
        forenames: "Reece",
        sex: "male",
        dob: (1999, 6, 30),
        nhs: Some("9000000009"),
        pnc: Some("2017/0023456X"),
        cell: "C3",
        arrived_minutes_ago: 140,
        offence: "Driving with excess alcohol",
        plan: Some((
            2,
            Some(30),
            true,
            "Rouse every 30 minutes: name, response to questions and commands. Smells strongly of alcohol.",
            "",
        )),
        last_check_minutes_ago: Some(12),
        flags: &[(
            "ALC",
            "warning",
            "Intoxicated on arrival: breath 98 µg/100 ml, unsteady",
        )],
        hcp_note: Some(
            "Intoxicated, GCS 14 (E4 V4 M6), no head injury seen. Rouse 30-min; review 2 h.",
        ),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "O'Brien",
        forenames: "Sean Patrick",
        sex: "male",
        dob: (1979, 1, 19),
        nhs: Some("9912003888"),
        pnc: Some("1997/0163001Q"),
        cell: "C4",
        arrived_minutes_ago: 210,
        offence: "Public order offence (s.4A)",
        plan: Some((
            2,
            Some(30),
            true,
            "Rouse every 30 minutes. Fell in the van: watch for drowsiness, vomiting, confusion.",
            "",
        )),
        last_check_minutes_ago: Some(43),
        flags: &[
            ("ALC", "warning", "Heavily intoxicated"),
            (
                "HI",
                "alert",
                "Struck head on van door; small laceration left temple",
            ),
        ],
        hcp_note: Some(
            "Head injury with intoxication: neuro obs hourly; low threshold for ED transfer.",
        ),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Patel",
        forenames: "Arjun",
        sex: "male",
        dob: (1971, 9, 5),
        nhs: Some("9434765919"),
        pnc: None,
        cell: "C5",
        arrived_minutes_ago: 300,
        offence: "Breach of a non-molestation order",
        plan: Some((
            1,
            Some(60),
            false,
            "Insulin-dependent diabetic: HCP to give evening insulin; offer food with it.",
            "",
        )),
        last_check_minutes_ago: Some(35),
        flags: &[
            ("DIAB", "warning", "Type 1 diabetes on basal-bolus insulin"),
            (
                "MED",
                "warning",
                "Insulin glargine due 18:00 — time-critical",
            ),
        ],
        hcp_note: Some("BM 7.8 at 13:10. Own insulin pens verified with GP surgery."),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Walker",
        forenames: "Tyler",
        sex: "male",
        dob: (2010, 4, 14),
        nhs: None,
        pnc: Some("2025/0098765C"),
        cell: "J1",
        arrived_minutes_ago: 75,
        offence: "Criminal damage",
        plan: Some((
            1,
            Some(60),
            false,
            "Juvenile: appropriate adult (mother) on her way. Keep in juvenile detention room.",
            "",
        )),
        last_check_minutes_ago: Some(40),
        flags: &[(
            "AA",
            "warning",
            "Aged 16: appropriate adult required (PACE Code C 1.7)",
        )],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Mensah",
        forenames: "Ama",
        sex: "female",
        dob: (1992, 12, 24),
        nhs: None,
        pnc: None,
        cell: "C6",
        arrived_minutes_ago: 420,
        offence: "Failure to appear (warrant)",
        plan: Some((
            1,
            Some(60),
            false,
            "For Northgate Magistrates' 10:00 list.",
            "",
        )),
        last_check_minutes_ago: Some(15),
        flags: &[],
        hcp_note: Some("No health needs declared; fit to detain and for transfer."),
        ready_for_transfer: true,
        history: None,
    },
    Current {
        surname: "Clarke",
        forenames: "Jordan",
        sex: "male",
        dob: (1996, 2, 29),
        nhs: None,
        pnc: Some("2014/0771123R"),
        cell: "C7",
        arrived_minutes_ago: 180,
        offence: "Possession with intent to supply (class A)",
        plan: Some((
            2,
            Some(30),
            true,
            "Suspected swallowed packages: rouse every 30 min; HCP review every hour; ambulance if drowsy.",
            "",
        )),
        last_check_minutes_ago: Some(26),
        flags: &[
            ("DRG", "alert", "Seen to swallow wraps at arrest"),
            ("SH", "warning", "Self-harm history (see earlier custody)"),
        ],
        hcp_note: Some(
            "Possible body stuffing. Obs stable. Not fit for interview until 6 h obs complete.",
        ),
        ready_for_transfer: false,
        history: Some((
            "SH",
            "warning",
            "Cut forearms in cell C3 during previous detention",
            200,
        )),
    },
    Current {
        surname: "Begum",
        forenames: "Fatima",
        sex: "female",
        dob: (1985, 7, 8),
        nhs: None,
        pnc: None,
        cell: "C8",
        arrived_minutes_ago: 250,
        offence: "Assault occasioning actual bodily harm",
        plan: Some((
            3,
            None,
            false,
            "Constant observation via CCTV; log every 15 minutes.",
            "",
        )),
        last_check_minutes_ago: None,
        flags: &[
            (
                "MH",
                "alert",
                "Said she wants to end her life; known to community mental health team",
            ),
            ("SH", "alert", "Ligature attempt with cardigan at arrest"),
        ],
        hcp_note: Some(
            "Low mood, suicidal ideation with plan. Mental Health Act assessment requested 14:20.",
        ),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Davies",
        forenames: "Rhys",
        sex: "male",
        dob: (1968, 10, 1),
        nhs: None,
        pnc: Some("1986/0005678T"),
        cell: "C9",
        arrived_minutes_ago: 500,
        offence: "Burglary (dwelling)",
        plan: Some((
            2,
            Some(30),
            true,
            "Alcohol withdrawal risk: HCP CIWA-Ar every 4 h; rouse every 30 minutes.",
            "",
        )),
        last_check_minutes_ago: Some(5),
        flags: &[
            (
                "WD",
                "warning",
                "Drinks 30 units a day; last drink 06:00; tremor",
            ),
            ("EPI", "warning", "Withdrawal seizures in 2023"),
        ],
        hcp_note: Some("CIWA-Ar 12 at 11:00; chlordiazepoxide per PGD."),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Nguyen",
        forenames: "Linh",
        sex: "female",
        dob: (2001, 5, 17),
        nhs: None,
        pnc: None,
        cell: "C10",
        arrived_minutes_ago: 60,
        offence: "Theft from a shop",
        plan: Some((
            1,
            Some(60),
            false,
            "About 20 weeks pregnant: HCP review requested.",
            "",
        )),
        last_check_minutes_ago: Some(55),
        flags: &[(
            "PREG",
            "attention",
            "About 20 weeks pregnant, booked with Northgate midwives",
        )],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Harris",
        forenames: "Wayne",
        sex: "male",
        dob: (1983, 8, 22),
        nhs: None,
        pnc: Some("2001/0456123G"),
        cell: "C11",
        arrived_minutes_ago: 330,
        offence: "Robbery",
        plan: Some((1, Some(60), false, "Two officers to open the door.", "")),
        last_check_minutes_ago: Some(30),
        flags: &[("VIO", "warning", "Assaulted custody staff in 2024")],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Singh",
        forenames: "Harpreet",
        sex: "male",
        dob: (1990, 4, 3),
        nhs: None,
        pnc: None,
        cell: "C12",
        arrived_minutes_ago: 45,
        offence: "Driving with excess alcohol",
        plan: Some((1, Some(60), false, "Visit at least hourly.", "")),
        last_check_minutes_ago: Some(44),
        flags: &[],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Murphy",
        forenames: "Niamh",
        sex: "female",
        dob: (1997, 1, 30),
        nhs: None,
        pnc: None,
        cell: "C13",
        arrived_minutes_ago: 160,
        offence: "Possession of an offensive weapon",
        plan: Some((
            4,
            None,
            false,
            "Close proximity: officer within arm's reach at all times; anti-rip clothing.",
            "",
        )),
        last_check_minutes_ago: None,
        flags: &[
            ("SH", "alert", "Tried to swallow a battery at arrest"),
            (
                "LD",
                "attention",
                "Mild learning disability: explain everything simply",
            ),
        ],
        hcp_note: Some("Swallowed item excluded on X-ray. High risk of self-harm."),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Wright",
        forenames: "Daniel",
        sex: "male",
        dob: (1975, 11, 11),
        nhs: None,
        pnc: Some("1993/0012345J"),
        cell: "C14",
        arrived_minutes_ago: 600,
        offence: "Assault occasioning actual bodily harm",
        plan: Some((
            1,
            Some(60),
            false,
            "Peanut allergy: no food from outside; EpiPen in property.",
            "",
        )),
        last_check_minutes_ago: Some(10),
        flags: &[("ALG", "warning", "Peanut anaphylaxis: EpiPen in property")],
        hcp_note: Some("Allergy confirmed by GP summary."),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Ali",
        forenames: "Mohammed",
        sex: "male",
        dob: (2003, 9, 9),
        nhs: None,
        pnc: None,
        cell: "C15",
        arrived_minutes_ago: 25,
        offence: "Criminal damage",
        plan: None,
        last_check_minutes_ago: None,
        flags: &[],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Bennett",
        forenames: "Stacey",
        sex: "female",
        dob: (1980, 3, 3),
        nhs: None,
        pnc: None,
        cell: "C16",
        arrived_minutes_ago: 280,
        offence: "Theft from a shop",
        plan: Some((
            2,
            Some(30),
            true,
            "Heroin user, last used 07:00: watch for withdrawal; rouse every 30 minutes.",
            "",
        )),
        last_check_minutes_ago: Some(18),
        flags: &[
            ("DRG", "warning", "Daily heroin user"),
            (
                "MED",
                "warning",
                "Methadone 60 mg daily from Northgate pharmacy: due 14:00",
            ),
        ],
        hcp_note: Some("COWS 6 (mild). Methadone confirmed with pharmacy; dose due."),
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Scott",
        forenames: "Liam",
        sex: "male",
        dob: (1998, 12, 1),
        nhs: None,
        pnc: None,
        cell: "C17",
        // First review due 6 h after authorisation (12 minutes after arrival): 8 minutes ago.
        arrived_minutes_ago: 380,
        offence: "Burglary (dwelling)",
        plan: Some((1, Some(60), false, "Visit at least hourly.", "")),
        last_check_minutes_ago: Some(59),
        flags: &[],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Popescu",
        forenames: "Andrei",
        sex: "male",
        dob: (1987, 6, 6),
        nhs: None,
        pnc: None,
        cell: "C18",
        arrived_minutes_ago: 130,
        offence: "Theft from a shop",
        plan: Some((
            1,
            Some(60),
            false,
            "Romanian speaker: interpreter requested.",
            "",
        )),
        last_check_minutes_ago: Some(48),
        flags: &[("COMM", "attention", "Romanian speaker")],
        hcp_note: None,
        ready_for_transfer: false,
        history: None,
    },
    Current {
        surname: "Wood",
        forenames: "Ellie",
        sex: "female",
        dob: (1994, 2, 14),
        nhs: None,
        pnc: None,
        cell: "C19",
        arrived_minutes_ago: 720,
        offence: "Breach of a non-molestation order",
        plan: Some((
            1,
            Some(60),
            false,
            "Epilepsy: carries own levetiracetam; HCP to give 20:00 dose.",
            "",
        )),
        last_check_minutes_ago: Some(22),
        flags: &[
            ("EPI", "warning", "Epilepsy, last seizure March"),
            (
                "MED",
                "warning",
                "Levetiracetam 500 mg due 20:00 — time-critical",
            ),
        ],
        hcp_note: Some("Seizure plan: buccal midazolam if > 5 min."),
        ready_for_transfer: false,
        history: None,
    },
];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// The custody number format: suite prefix, two-digit year, six-digit serial within the year.
pub fn custody_number(year: i32, serial: u32) -> String {
    format!("NG-{:02}-{serial:06}", year.rem_euclid(100))
}

/// Hands out custody numbers, counting from 1 each year.
#[derive(Default)]
struct Serials(std::collections::HashMap<i32, u32>);

impl Serials {
    fn next(&mut self, year: i32) -> String {
        let serial = self.0.entry(year).or_insert(0);
        *serial += 1;
        custody_number(year, *serial)
    }
}

/// How far generation has got, for a progress line.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Fills a freshly initialised suite (logged in as its admin) with the demo accounts, the
/// people in custody now, and `historical` earlier people and detentions.
pub fn populate(
    store: &mut Store,
    historical: u64,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    for (username, display, role) in DEMO_ACCOUNTS {
        if username != store.identity().username {
            store.add_user_with(username, display, role, DEMO_PASSWORD, false, now)?;
        }
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let year = chrono::Datelike::year(&now);
    let mut serials = Serials::default();
    let batch = 20_000u64;
    let mut done = 0u64;
    let by = store.identity().username.clone();
    while done < historical {
        let upto = (done + batch).min(historical);
        store.write_raw(|tx| {
            for _ in done..upto {
                historical_person(tx, &mut rng, &mut serials, now)?;
            }
            Ok(())
        })?;
        done = upto;
        progress(done, historical);
    }
    store.write_raw(|tx| {
        for c in CURRENT {
            let custody_no = serials.next(year);
            current_person(tx, c, custody_no, &mut serials, now)?;
        }
        returning_person(tx, &mut serials, now)?;
        audit::append(
            tx,
            now,
            &by,
            AuditAction::RecordWrite,
            "demo",
            &format!(
                "generated {} in custody and {historical} historical people",
                CURRENT.len()
            ),
        )?;
        Ok(())
    })?;
    referrals_and_appointments(store.db_path(), now)?;
    support::record(store.db_path(), now)?;
    hcp_request_and_direction(store.db_path(), now)
}

/// How long before the demo's "now" the detention officer asked for an HCP: just past the
/// routine band (4 hours), so the board shows a wait overdue (IOPC, North Yorkshire, 2024: a
/// wait of 6.25 hours), and less overdue than the demo's late check, which stays on top.
const DEMO_WAIT: Duration = Duration::minutes(4 * 60 + 5);

/// A routine request for an HCP made over 4 hours ago and not yet met, and an HCP's "re-assess at"
/// direction given 5 minutes ago that no sergeant has acknowledged, through the store API as
/// the demo's staff would make them. The direction is recent so it is on every sergeant's
/// screen without yet ringing (it escalates after 15 minutes).
fn hcp_request_and_direction(db: &Path, now: DateTime<Utc>) -> Result<(), StoreError> {
    let asked_at = now - DEMO_WAIT;
    let mut officer = Store::unlock_unfinished(db, "officer", DEMO_PASSWORD, now)?.store;
    let mut people = officer.in_custody()?;
    people.sort_by_key(|e| e.detention_id);
    // Someone here since before the request whom no HCP has seen since: the wait is real.
    let waiting = people
        .iter()
        .find(|e| e.arrived_at <= asked_at && e.last_seen.as_ref().is_none_or(|s| s.at < asked_at))
        .map(|e| e.detention_id);
    if let Some(id) = waiting {
        officer.request_hcp(
            id,
            "routine",
            "Asks to see the nurse about back pain and missed tablets",
            asked_at,
        )?;
    }
    drop(officer);
    // The person the HCP saw most recently (not the one waiting): re-assess in 40 minutes.
    let given_at = now - Duration::minutes(5);
    let reassess = people
        .iter()
        .filter(|e| Some(e.detention_id) != waiting && e.arrived_at <= given_at)
        .filter_map(|e| Some((e.last_seen.as_ref()?.at, e.detention_id)))
        .filter(|(at, _)| *at <= given_at)
        .max()
        .map(|(_, id)| id);
    if let Some(id) = reassess {
        let mut hcp = Store::unlock_unfinished(db, "hcp", DEMO_PASSWORD, now)?.store;
        hcp.give_direction(
            id,
            &crate::domain::hcp::DirectionDraft {
                kind: crate::domain::hcp::DirectionKind::ReassessAt {
                    due_at: now + Duration::minutes(40),
                },
                words: "Check pupils and speech; call me sooner if more drowsy".into(),
            },
            given_at,
        )?;
    }
    Ok(())
}

/// Drug and alcohol referrals with an appointment after release (surname, consent scopes,
/// referral, (days ahead, hour, service, place)). Invented services and addresses; the
/// phone numbers are Ofcom's drama range (07700 900xxx).
type DemoFollowUp = (
    &'static str,
    NewReferralSpec,
    (i64, u32, &'static str, &'static str),
);
/// (substance, route, treatment history, reason, phone, address, postcode, no fixed abode,
/// reachable at)
type NewReferralSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
);
const FOLLOW_UPS: &[DemoFollowUp] = &[
    (
        "Bennett",
        (
            "heroin",
            "smoked",
            "Methadone programme 2022, disengaged 2024",
            "Wants to restart treatment on release; daily heroin use",
            "07700 900461",
            "",
            "",
            true,
            "Westgate hostel, Newcastle (key worker on 0191 498 0731)",
        ),
        (
            3,
            10,
            "Community drug and alcohol service (Tyneside Recovery)",
            "Plummer House, Market Street, Newcastle NE1 6NF",
        ),
    ),
    (
        "Taylor",
        (
            "alcohol",
            "oral",
            "None",
            "Drinks most days; agreed to an alcohol assessment",
            "07700 900118",
            "27 Shields Road, Newcastle",
            "NE6 1DL",
            false,
            "",
        ),
        (
            8,
            14,
            "Alcohol assessment, community drug and alcohol service",
            "Shields Road Health Centre, Newcastle NE6 1DL",
        ),
    ),
];

/// Consent, a referral and an appointment after release for [`FOLLOW_UPS`], through the
/// store API as the demo's HCP would make them (validated, audited, role-checked).
fn referrals_and_appointments(db: &Path, now: DateTime<Utc>) -> Result<(), StoreError> {
    use crate::store::clinical::{NewAppointment, NewReferral};
    use chrono::TimeZone;
    let mut hcp = Store::unlock_unfinished(db, "hcp", DEMO_PASSWORD, now)?.store;
    let people = hcp.in_custody()?;
    for (surname, r, (days, hour, service, place)) in FOLLOW_UPS {
        let Some(person) = people.iter().find(|e| e.surname == *surname) else {
            continue;
        };
        let id = person.detention_id;
        for scope in ["receiving_establishment", "community_treatment"] {
            hcp.record_consent(
                id,
                scope,
                "consents",
                "has capacity; understands who will see it",
                now,
            )?;
        }
        let (substance, route, history, reason, phone, address, postcode, nfa, reachable) = *r;
        hcp.add_referral(
            id,
            &NewReferral {
                kind: "drug_alcohol".into(),
                substance: substance.into(),
                route: route.into(),
                treatment_history: history.into(),
                reason: reason.into(),
                phone: Some(phone.into()),
                address: address.into(),
                postcode: (!postcode.is_empty()).then(|| postcode.to_string()),
                no_fixed_abode: nfa,
                reachable_at: reachable.into(),
            },
            now,
        )?;
        // A weekday morning or afternoon some days ahead, London time.
        let day = crate::domain::observation::london_date(now) + Duration::days(*days);
        let at = chrono_tz::Europe::London
            .from_local_datetime(&day.and_hms_opt(*hour, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now + Duration::days(*days));
        hcp.book_appointment(
            id,
            &NewAppointment {
                service: service.to_string(),
                at,
                place: place.to_string(),
            },
            now,
        )?;
    }
    // Fitness decisions the sergeant acts on: O'Brien detained under hourly neuro checks,
    // Clarke not yet fit for interview, Begum fit for interview with an appropriate adult.
    for (surname, kind, fit, conditions, reason) in FITNESS {
        if let Some(person) = people.iter().find(|e| e.surname == *surname) {
            hcp.record_fitness(person.detention_id, kind, *fit, conditions, reason, now)?;
        }
    }
    Ok(())
}

/// (surname, kind, fit, conditions, clinical reason).
const FITNESS: &[(&str, &str, bool, &str, &str)] = &[
    (
        "O'Brien",
        "detain",
        true,
        "GCS and NEWS2 hourly; to hospital if GCS falls below 13 or NEWS2 reaches 7",
        "Head injury with alcohol; new confusion at 13:40, no focal signs.",
    ),
    (
        "Clarke",
        "interview",
        false,
        "Reassess after 18:00 once sober",
        "Still intoxicated; cannot follow the caution.",
    ),
    (
        "Begum",
        "interview",
        true,
        "Needs an appropriate adult; breaks every hour",
        "Depression with recent self-harm; has capacity.",
    ),
];

fn historical_person(
    tx: &rusqlite::Connection,
    rng: &mut StdRng,
    serials: &mut Serials,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let female = rng.random_bool(0.2);
    let forenames = if female {
        pick(rng, FEMALE_NAMES)
    } else {
        pick(rng, MALE_NAMES)
    };
    let dob = NaiveDate::from_ymd_opt(
        rng.random_range(1950..2008),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    );
    let person = NewPerson {
        surname: pick(rng, SURNAMES).to_string(),
        forenames: forenames.to_string(),
        date_of_birth: dob,
        sex: Some(if female { "female" } else { "male" }.to_string()),
        nhs_number: None,
        pnc_id: None,
    };
    let arrived = now - Duration::minutes(rng.random_range(60 * 24..60 * 24 * 365 * 5));
    let person_id = insert_person(tx, &person, arrived)?;
    let year = chrono::Datelike::year(&arrived);
    let detention_id = insert_detention(
        tx,
        &NewDetention {
            person_id,
            custody_no: serials.next(year),
            arrived_at: arrived,
            authorised_at: Some(arrived + Duration::minutes(15)),
            arresting_officer: pick(rng, OFFICERS).to_string(),
            reason: pick(rng, OFFENCES).to_string(),
            cell: format!("C{}", rng.random_range(1..20)),
            closed_at: Some(arrived + Duration::minutes(rng.random_range(120..1800))),
            destination: Some(
                ["release", "court", "prison", "hospital"][rng.random_range(0..4)].to_string(),
            ),
            ready_for_transfer: false,
        },
    )?;
    if rng.random_bool(0.15) {
        let (code, reason) = [
            ("ALC", "Intoxicated on arrival"),
            ("SH", "Disclosed self-harm in the last year"),
            ("DRG", "Daily drug user"),
            ("MH", "Known to mental health services"),
        ][rng.random_range(0..4)];
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code,
                severity: "warning",
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: arrived,
            },
        )?;
    }
    Ok(())
}

/// Whose PACE review the demo leaves overdue, so the board shows one (`REVIEW !-8m`).
const PACE_REVIEW_OVERDUE: &str = "Scott";

/// PACE reviews for someone in custody long enough to have had them (s.40: 6 hours after
/// authorisation, then every 9), each done 20 minutes before it fell due, with the
/// representations made; except [`PACE_REVIEW_OVERDUE`]'s, which nobody has done yet.
fn pace_reviews(
    tx: &rusqlite::Connection,
    c: &Current,
    detention_id: i64,
    arrived: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if c.surname == PACE_REVIEW_OVERDUE || c.arrived_minutes_ago <= 15 {
        return Ok(());
    }
    let Ok(clock) = crate::domain::pace::PaceClock::new(arrived, arrived + Duration::minutes(12))
    else {
        return Ok(());
    };
    let mut done = Vec::new();
    loop {
        let (number, due) = clock.next_review_due(&done);
        let at = due - Duration::minutes(20);
        if at > now {
            return Ok(());
        }
        let review = crate::domain::pace::ValidReview {
            reviewed_by: "Insp R. Lowe".into(),
            outcome: "detention continues: enquiries ongoing".into(),
            representations: if number % 2 == 1 {
                "detainee: none made; solicitor by phone: asks for release on bail".into()
            } else {
                "none made; asleep, to be told on waking".into()
            },
            late_reason: String::new(),
        };
        crate::store::pace::insert_review(tx, detention_id, at, &review, "sergeant", at)?;
        done.push(at);
    }
}

fn current_person(
    tx: &rusqlite::Connection,
    c: &Current,
    custody_no: String,
    serials: &mut Serials,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let arrived = now - Duration::minutes(c.arrived_minutes_ago);
    let person_id = insert_person(
        tx,
        &NewPerson {
            surname: c.surname.to_string(),
            forenames: c.forenames.to_string(),
            date_of_birth: NaiveDate::from_ymd_opt(c.dob.0, c.dob.1, c.dob.2),
            sex: Some(c.sex.to_string()),
            nhs_number: c.nhs.map(str::to_string),
            pnc_id: c.pnc.map(str::to_string),
        },
        arrived,
    )?;
    if let Some((code, severity, reason, days_ago)) = c.history {
        let then = now - Duration::days(days_ago);
        let earlier = insert_detention(
            tx,
            &NewDetention {
                person_id,
                custody_no: serials.next(chrono::Datelike::year(&then)),
                arrived_at: then,
                authorised_at: Some(then + Duration::minutes(10)),
                arresting_officer: "PC 4512 Hart".into(),
                reason: "Possession of a controlled drug".into(),
                cell: "C3".into(),
                closed_at: Some(then + Duration::hours(14)),
                destination: Some("release".into()),
                ready_for_transfer: false,
            },
        )?;
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(earlier),
                code,
                severity,
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: then + Duration::hours(3),
            },
        )?;
    }
    let detention_id = insert_detention(
        tx,
        &NewDetention {
            person_id,
            custody_no,
            arrived_at: arrived,
            authorised_at: (c.arrived_minutes_ago > 15).then(|| arrived + Duration::minutes(12)),
            arresting_officer: OFFICERS[c.cell.len() % OFFICERS.len()].to_string(),
            reason: c.offence.to_string(),
            cell: c.cell.to_string(),
            closed_at: None,
            destination: None,
            ready_for_transfer: c.ready_for_transfer,
        },
    )?;
    pace_reviews(tx, c, detention_id, arrived, now)?;
    booking::record(tx, c.surname, detention_id, arrived)?;
    for (code, severity, reason) in c.flags {
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code,
                severity,
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: arrived + Duration::minutes(10),
            },
        )?;
    }
    if let Some((level, interval, rouse, instructions, rationale)) = c.plan {
        let set_at = arrived + Duration::minutes(15.min(c.arrived_minutes_ago));
        insert_care_plan(
            tx,
            &NewCarePlan {
                detention_id,
                level,
                interval_minutes: interval,
                rouse,
                instructions,
                rationale,
                set_by: "sergeant",
                set_at,
            },
        )?;
        if let (Some(ago), Some(every)) = (c.last_check_minutes_ago, interval) {
            // Checks back from the last one at the plan's interval, as far as the plan goes.
            let mut at = now - Duration::minutes(ago);
            let mut checks = Vec::new();
            while at > set_at {
                checks.push(at);
                at -= Duration::minutes(i64::from(every));
            }
            for at in checks.into_iter().rev() {
                insert_check(
                    tx,
                    detention_id,
                    at,
                    "officer",
                    rouse.then_some(true),
                    "settled",
                )?;
            }
        }
    }
    record::current(
        tx,
        c.surname,
        person_id,
        detention_id,
        arrived + Duration::minutes(c.arrived_minutes_ago.min(30)),
    )?;
    if let Some(note) = c.hcp_note {
        insert_hcp_contact(
            tx,
            detention_id,
            arrived + Duration::minutes(c.arrived_minutes_ago.min(40)),
            "hcp",
            note,
        )?;
    }
    for m in MEDICINES.iter().filter(|m| m.surname == c.surname) {
        let recorded = arrived + Duration::minutes(c.arrived_minutes_ago.min(30));
        let medication_id = insert_medication(
            tx,
            detention_id,
            &NewMedication {
                name: m.name.into(),
                dose: m.dose.into(),
                route: m.route.into(),
                frequency: m.frequency.into(),
                last_taken_at: Some(now - Duration::minutes(m.last_taken_minutes_ago)),
                reason: m.reason.into(),
                verified_with: m.verified_with.into(),
                origin: "brought".into(),
            },
            "hcp",
            recorded,
        )?;
        // Doses given or refused in custody: the administration record.
        for (_, _, minutes_ago, outcome, reason) in
            DOSES.iter().filter(|d| d.0 == c.surname && d.1 == m.name)
        {
            crate::store::clinical::insert_administration(
                tx,
                medication_id,
                *outcome,
                reason,
                now - Duration::minutes(*minutes_ago),
                "hcp",
            )?;
        }
        booking::supervised(tx, c.surname, m.name, medication_id, recorded, now)?;
    }
    for (minutes_ago, rr, spo2, bp, pulse, temp, confused) in NEWS2_SERIES
        .iter()
        .filter(|n| n.0 == c.surname)
        .map(|n| n.1)
    {
        let o = news2::Observations {
            respiration_rate: rr,
            spo2,
            scale: news2::SpO2Scale::Scale1,
            on_oxygen: false,
            systolic_bp: bp,
            pulse,
            consciousness: if confused {
                news2::Consciousness::NewConfusion
            } else {
                news2::Consciousness::Alert
            },
            temperature_tenths: temp,
        };
        let r = news2::score(&o);
        // Through the score rules, as the entry sheet records it: O'Brien's latest (new
        // confusion after a head injury) raises a NEWS alert and suggests level 4.
        demo_score(
            tx,
            detention_id,
            ScoreKind::News2,
            crate::store::clinical::news2_inputs(&o),
            Some(i64::from(r.total)),
            facts::news2_band(r.response),
            &facts::news2(&o, &r),
            now - Duration::minutes(minutes_ago),
        )?;
    }
    demo_scores(tx, c.surname, detention_id, now)?;
    // A PRRA for everyone with a care plan; those who have only just arrived have none, so
    // the refusal to release without one shows (issue 13).
    if c.plan.is_some() {
        prra::complete(tx, detention_id, c.flags, c.ready_for_transfer, now)?;
    }
    Ok(())
}

/// Records one demo score as the HCP did, through the store's score path, so the score rules
/// raise their flags (a WD warning for Bennett's moderate COWS).
#[allow(clippy::too_many_arguments)]
fn demo_score(
    tx: &rusqlite::Connection,
    detention_id: i64,
    kind: ScoreKind,
    inputs: serde_json::Value,
    total: Option<i64>,
    band: &str,
    facts: &crate::domain::rules::FactSet,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let score = NewScore {
        detention_id,
        kind,
        inputs: &inputs,
        total,
        band,
        facts,
    };
    record_score_in(tx, &score, "hcp", at).map(|_| ())
}

/// The GCS, CIWA-Ar, COWS and AUDIT-C series of one person in custody.
fn demo_scores(
    tx: &rusqlite::Connection,
    surname: &str,
    detention_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let invalid = |e: crate::domain::scores::OutOfRange| StoreError::Invalid(e.to_string());
    for (_, ago, e, v, m) in GCS_SERIES.iter().filter(|g| g.0 == surname) {
        let g = gcs::Gcs::new(Some(*e), Some(*v), Some(*m)).map_err(invalid)?;
        demo_score(
            tx,
            detention_id,
            ScoreKind::Gcs,
            serde_json::json!({ "eyes": e, "verbal": v, "motor": m }),
            g.total().map(i64::from),
            g.notation().split(" = ").next().unwrap_or_default(),
            &facts::gcs(&g),
            now - Duration::minutes(*ago),
        )?;
    }
    for (_, ago, items) in CIWA_SERIES.iter().filter(|c| c.0 == surname) {
        let c = ciwa::Ciwa::new(*items, false).map_err(invalid)?;
        let bands = ciwa::suite_band_set().map_err(StoreError::Invalid)?;
        let r = ciwa::score(&c, &bands);
        demo_score(
            tx,
            detention_id,
            ScoreKind::CiwaAr,
            serde_json::json!({
                "items": c.items, "complicating_features": false,
                "band_set": bands.name, "band_source": bands.source,
            }),
            Some(i64::from(r.total)),
            facts::ciwa_band(r.severity),
            &facts::ciwa(&c, &r),
            now - Duration::minutes(*ago),
        )?;
    }
    for (_, ago, items) in COWS_SERIES.iter().filter(|c| c.0 == surname) {
        let c = cows::Cows::new(*items).map_err(invalid)?;
        demo_score(
            tx,
            detention_id,
            ScoreKind::Cows,
            serde_json::json!({ "items": c.items }),
            Some(i64::from(c.total())),
            facts::cows_band(c.band()),
            &facts::cows(&c),
            now - Duration::minutes(*ago),
        )?;
    }
    for (_, ago, f, u, h) in AUDIT_C_SERIES.iter().filter(|a| a.0 == surname) {
        let r = audit_c::AuditC::new(*f, *u, *h).map_err(invalid)?.score();
        demo_score(
            tx,
            detention_id,
            ScoreKind::AuditC,
            serde_json::json!({ "frequency": f, "typical_units": u, "heavy_episodes": h }),
            Some(i64::from(r.total)),
            facts::audit_c_band(&r),
            &facts::audit_c(&r),
            now - Duration::minutes(*ago),
        )?;
    }
    Ok(())
}

/// GCS (surname, minutes ago, eyes, verbal, motor): O'Brien's head injury dips as his NEWS2
/// rises; Taylor matches his HCP note (E4 V4 M6).
const GCS_SERIES: &[(&str, i64, i32, i32, i32)] = &[
    ("O'Brien", 200, 4, 4, 6),
    ("O'Brien", 140, 4, 5, 6),
    ("O'Brien", 80, 4, 4, 6),
    ("O'Brien", 20, 3, 4, 6),
    ("Taylor", 100, 4, 4, 6),
];

/// CIWA-Ar items (ASAM 2020 bands): Davies 7 mild, 12 moderate at 11:00 (his HCP note), 9 mild
/// after chlordiazepoxide. His WD warning from booking is already active, so none is added.
const CIWA_SERIES: &[(&str, i64, [i32; 10])] = &[
    ("Davies", 420, [1, 2, 1, 1, 1, 0, 0, 0, 1, 0]),
    ("Davies", 180, [2, 3, 2, 2, 1, 0, 0, 0, 2, 0]),
    ("Davies", 60, [1, 2, 1, 2, 1, 0, 0, 0, 2, 0]),
];

/// COWS items: Bennett 6 mild (her HCP note), 10 mild, then 16 moderate as methadone is due,
/// which raises a WD warning.
const COWS_SERIES: &[(&str, i64, [u8; 11])] = &[
    ("Bennett", 240, [1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0]),
    ("Bennett", 120, [1, 1, 1, 1, 2, 1, 1, 0, 1, 1, 0]),
    ("Bennett", 30, [2, 2, 1, 2, 2, 2, 1, 1, 1, 2, 0]),
];

/// AUDIT-C answers (how often, units, heavy episodes).
const AUDIT_C_SERIES: &[(&str, i64, i32, i32, i32)] =
    &[("Davies", 400, 4, 4, 4), ("Taylor", 100, 3, 3, 2)];

/// A medicine one of the people in custody brought with them.
/// Doses recorded in custody: (surname, medicine, minutes ago, outcome, reason).
const DOSES: &[(&str, &str, i64, DoseOutcome, &str)] = &[
    ("Davies", "Chlordiazepoxide", 5 * 60, DoseOutcome::Given, ""),
    (
        "Bennett",
        "Methadone 1 mg/ml",
        30,
        DoseOutcome::NotAvailable,
        "Pharmacy confirmed dose; supply requested from the out-of-hours pharmacy",
    ),
];

struct DemoMedicine {
    surname: &'static str,
    name: &'static str,
    dose: &'static str,
    route: &'static str,
    frequency: &'static str,
    last_taken_minutes_ago: i64,
    reason: &'static str,
    verified_with: &'static str,
}

const MEDICINES: &[DemoMedicine] = &[
    DemoMedicine {
        surname: "Kowalski",
        name: "Salbutamol 100 micrograms inhaler",
        dose: "2 puffs",
        route: "inhaled",
        frequency: "qds",
        last_taken_minutes_ago: 5 * 60,
        reason: "Asthma",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Patel",
        name: "Insulin glargine (Lantus)",
        dose: "22 units",
        route: "subcutaneous",
        frequency: "od",
        last_taken_minutes_ago: 23 * 60 + 40,
        reason: "Type 1 diabetes",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Patel",
        name: "Insulin aspart (NovoRapid)",
        dose: "6 units with meals",
        route: "subcutaneous",
        frequency: "tds",
        last_taken_minutes_ago: 7 * 60,
        reason: "Type 1 diabetes",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Bennett",
        name: "Methadone 1 mg/ml",
        dose: "60 mg",
        route: "oral",
        frequency: "od",
        last_taken_minutes_ago: 24 * 60 + 10,
        reason: "Opioid substitution, Northgate drug service",
        verified_with: "pharmacy",
    },
    DemoMedicine {
        surname: "Wood",
        name: "Levetiracetam",
        dose: "500 mg",
        route: "oral",
        frequency: "bd",
        last_taken_minutes_ago: 11 * 60 + 40,
        reason: "Epilepsy",
        verified_with: "gp",
    },
    DemoMedicine {
        surname: "Davies",
        name: "Chlordiazepoxide",
        dose: "20 mg",
        route: "oral",
        frequency: "qds",
        last_taken_minutes_ago: 5 * 60,
        reason: "Alcohol withdrawal (per PGD)",
        verified_with: "not_verified",
    },
    DemoMedicine {
        surname: "Wright",
        name: "Adrenaline auto-injector (EpiPen)",
        dose: "300 micrograms",
        route: "intramuscular",
        frequency: "prn",
        last_taken_minutes_ago: 400 * 24 * 60,
        reason: "Peanut anaphylaxis",
        verified_with: "gp",
    },
];

/// NEWS2 observations over the detention: (surname, (minutes ago, RR, SpO2, systolic, pulse,
/// temperature in tenths, new confusion)).
type News2Point = (i64, u32, u32, u32, u32, u32, bool);
const NEWS2_SERIES: &[(&str, News2Point)] = &[
    ("O'Brien", (200, 16, 97, 132, 88, 366, false)),
    ("O'Brien", (140, 18, 96, 128, 94, 368, false)),
    ("O'Brien", (80, 20, 95, 121, 102, 372, false)),
    ("O'Brien", (20, 22, 95, 118, 88, 377, true)),
    ("Davies", (420, 18, 97, 142, 96, 371, false)),
    ("Davies", (240, 20, 96, 150, 108, 379, false)),
    ("Davies", (60, 17, 97, 138, 92, 369, false)),
];

/// The demo's person with history who is not in custody now: booking them in shows the
/// "already known" banner (flags from two earlier detentions and one from an imported
/// handover bundle).
pub const RETURNING: (&str, &str) = ("Marsh", "Daniel");

fn returning_person(
    tx: &rusqlite::Connection,
    serials: &mut Serials,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let first_seen = now - Duration::days(400);
    let person_id = insert_person(
        tx,
        &NewPerson {
            surname: RETURNING.0.into(),
            forenames: RETURNING.1.into(),
            date_of_birth: NaiveDate::from_ymd_opt(1988, 6, 14),
            sex: Some("male".into()),
            nhs_number: Some("9912003888".into()),
            pnc_id: Some("2008/0056560Z".into()),
        },
        first_seen,
    )?;
    let visits = [
        (
            400,
            "EPI",
            "warning",
            "Epilepsy: levetiracetam 500 mg twice daily; last seizure in the spring.",
        ),
        (
            120,
            "SH",
            "warning",
            "Tied a ligature in the cell; HCP review, level 3 overnight.",
        ),
    ];
    let mut first_detention = None;
    for (days_ago, code, severity, reason) in visits {
        let then = now - Duration::days(days_ago);
        let detention_id = insert_detention(
            tx,
            &NewDetention {
                person_id,
                custody_no: serials.next(chrono::Datelike::year(&then)),
                arrived_at: then,
                authorised_at: Some(then + Duration::minutes(10)),
                arresting_officer: "PC 2231 Amin".into(),
                reason: "Shoplifting".into(),
                cell: "C4".into(),
                closed_at: Some(then + Duration::hours(16)),
                destination: Some("release".into()),
                ready_for_transfer: false,
            },
        )?;
        insert_flag(
            tx,
            &NewFlag {
                person_id,
                detention_id: Some(detention_id),
                code,
                severity,
                reason,
                source: "booking-in risk assessment",
                raised_by: "sergeant",
                raised_at: then + Duration::hours(1),
            },
        )?;
        first_detention.get_or_insert(detention_id);
    }
    insert_flag(
        tx,
        &NewFlag {
            person_id,
            detention_id: None,
            code: "DRG",
            severity: "attention",
            reason: "Opioid substitution: methadone 60 ml daily from the community team.",
            source: "handover bundle from HMP Leeds",
            raised_by: "import",
            raised_at: now - Duration::days(30),
        },
    )?;
    // What that handover said beyond flags, kept as notes known from the sender (as a real
    // import stores them): the receiving HCP verifies and re-prescribes.
    let import_id = crate::store::handover::insert_import(
        tx,
        &crate::store::handover::NewImport {
            bundle_system: "urn:ietf:rfc:3986",
            bundle_id: "urn:uuid:5b0e6b1c-demo-hmp-leeds",
            payload_sha256: &"0".repeat(64),
            source_suite: "HMP Leeds",
            signed_at: now - Duration::days(30),
            kid: "demo-hmp-leeds-key",
            person_id,
            imported_at: now - Duration::days(30),
            imported_by: "sergeant",
        },
    )?;
    for (kind, text) in [
        (
            "Medications",
            "Methadone 1 mg/ml oral solution 60 ml once daily (time-critical: opioid substitution); last dose 08:00 on the day of release.",
        ),
        (
            "Plan of care",
            "Level 2, visited and roused every 30 minutes; history of ligature at HMP Leeds.",
        ),
    ] {
        crate::store::handover::insert_imported_note(tx, import_id, person_id, kind, text)?;
    }
    if let Some(first) = first_detention {
        record::returning(
            tx,
            person_id,
            first,
            first_seen,
            import_id,
            now - Duration::days(30),
        )?;
    }
    Ok(())
}

/// Creates a demo suite at `db` and fills it; returns the admin session.
pub fn create(
    db: &Path,
    historical: u64,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<Store, StoreError> {
    if historical > MAX_PEOPLE {
        return Err(StoreError::Invalid(format!(
            "a demo may have at most {MAX_PEOPLE} historical people, not {historical}"
        )));
    }
    // Marked incomplete from the first write until the last: a demo killed half-way is
    // refused with a sentence, never opened as a suite that lacks its accounts or people.
    let (mut store, _recovery) = Store::init_incomplete(
        db,
        DEMO_SUITE,
        "admin",
        DEMO_PASSWORD,
        now,
        "its demo generation was interrupted",
    )?;
    populate(&mut store, historical, now, progress)?;
    store.mark_complete()?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custody_numbers_have_the_suite_format() {
        assert_eq!(custody_number(2026, 42), "NG-26-000042");
        let mut serials = Serials::default();
        assert_eq!(serials.next(2025), "NG-25-000001");
        assert_eq!(serials.next(2025), "NG-25-000002");
        assert_eq!(serials.next(2026), "NG-26-000001");
    }

    #[test]
    fn the_demo_cast_covers_every_stage_the_issue_names() {
        assert!(CURRENT.len() >= 18);
        assert!(CURRENT.iter().any(|c| c.plan.is_none()), "just arrived");
        assert!(
            CURRENT.iter().any(|c| c.ready_for_transfer),
            "ready for transfer"
        );
        assert!(
            CURRENT
                .iter()
                .any(|c| matches!(c.plan, Some((2, Some(30), true, _, _)))),
            "level 2 with rousing every 30 minutes"
        );
        assert!(
            CURRENT.iter().any(|c| matches!(
                (c.plan, c.last_check_minutes_ago),
                (Some((_, Some(every), _, _, _)), Some(ago)) if ago > i64::from(every)
            )),
            "one check overdue"
        );
        assert!(CURRENT.iter().any(|c| c.flags.iter().any(|f| f.0 == "AA")));
        // An awaited appropriate adult and an interpreter need (issue 14).
        assert!(
            support::NEEDS
                .iter()
                .any(|n| n.1 == crate::domain::support::Need::Under18
                    && n.4.is_some()
                    && n.5.is_none())
        );
        assert!(
            support::NEEDS
                .iter()
                .any(|n| n.1 == crate::domain::support::Need::Language)
        );
        assert!(CURRENT.iter().any(|c| c.flags.iter().any(|f| f.0 == "MED")));
        assert!(CURRENT.iter().any(|c| c.history.is_some()));
        // Some people have a completed pre-release risk assessment, at least one has none.
        assert!(CURRENT.iter().any(|c| c.plan.is_some()));
        assert!(CURRENT.iter().any(|c| c.plan.is_none()));
    }
}
