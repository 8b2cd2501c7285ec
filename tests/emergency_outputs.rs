//! An emergency followed out of the store through the real binary: `sonar list --json` says
//! which people have one open, who has been called and where; `sonar record` (text and JSON)
//! lists every emergency of the detention with its calls and outcome, for every role.

mod common;

use common::DemoCli as Env;

use chrono::{Duration, Utc};
use serde_json::Value;
use sonar_custody::domain::emergency::{CallKind, CloseDraft, OutcomeKind};
use sonar_custody::store::Store;

impl Env {
    fn store(&self, user: &str) -> Store {
        Store::unlock(&self.db, user, "demo", Utc::now())
            .unwrap()
            .store
    }
}

fn row<'a>(list: &'a Value, surname: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["surname"] == surname)
        .unwrap_or_else(|| panic!("{surname} is not listed"))
}

#[test]
fn list_and_record_carry_the_emergency_with_its_calls_and_outcome() {
    let env = Env::new(20);
    let list = env.json("sergeant", &["list", "--json"]);
    let wright = row(&list, "Wright")["custody_no"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|r| r["open_emergency"].is_null()),
        "no emergency is open in the demo yet"
    );

    // Wright: one emergency closed (ambulance called, taken to hospital), then another open
    // with the HCP called.
    let mut sergeant = env.store("sergeant");
    let detention = sergeant.detention_by_custody_no(&wright).unwrap().unwrap();
    let opened = Utc::now() - Duration::minutes(30);
    let first = sergeant
        .raise_emergency(detention, "Found slumped, not responding", "", opened)
        .unwrap();
    sergeant
        .record_emergency_call(
            first,
            CallKind::Ambulance,
            "Sgt Okafor",
            opened + Duration::minutes(1),
            opened + Duration::minutes(2),
        )
        .unwrap();
    sergeant
        .close_emergency(
            first,
            &CloseDraft {
                kind: OutcomeKind::TakenToHospital,
                outcome_at: opened + Duration::minutes(20),
                note: "conveyed to LGI".into(),
            },
            opened + Duration::minutes(21),
        )
        .unwrap();
    let second = sergeant
        .raise_emergency(
            detention,
            "Breathing noisily, will not wake",
            "",
            Utc::now(),
        )
        .unwrap();
    sergeant
        .record_emergency_call(second, CallKind::Hcp, "DO Walsh", Utc::now(), Utc::now())
        .unwrap();
    drop(sergeant);

    // `sonar list --json`: the open one, for an officer too.
    let list = env.json("officer", &["list", "--json"]);
    let open = &row(&list, "Wright")["open_emergency"];
    assert_eq!(open["cause"], "raised_by_hand", "{open}");
    assert_eq!(open["reason"], "Breathing noisily, will not wake");
    assert!(open["opened_at"].as_str().unwrap().ends_with('Z'), "{open}");
    assert!(open.get("location").is_some(), "{open}");
    assert_eq!(open["called"][0]["kind"], "hcp");
    assert_eq!(open["called"][0]["called_by"], "DO Walsh");
    assert!(open["called"][0]["called_at"].is_string());
    assert!(row(&list, "Begum")["open_emergency"].is_null());

    // `sonar record --json`: both, oldest first, the closed one with its outcome, every role.
    for who in ["officer", "sergeant", "hcp"] {
        let r = env.json(who, &["record", &wright, "--json"]);
        let emergencies = r["emergencies"].as_array().unwrap();
        assert_eq!(emergencies.len(), 2, "{who}: {emergencies:?}");
        let closed = &emergencies[0];
        assert_eq!(closed["open"], false);
        assert_eq!(closed["cause"], "raised_by_hand");
        assert_eq!(closed["reason"], "Found slumped, not responding");
        assert_eq!(closed["opened_by"], "sergeant");
        assert_eq!(closed["calls"][0]["kind"], "ambulance");
        assert_eq!(closed["calls"][0]["called_by"], "Sgt Okafor");
        assert_eq!(closed["outcome"]["kind"], "taken_to_hospital");
        assert_eq!(closed["outcome"]["note"], "conveyed to LGI");
        assert!(closed["outcome"]["at"].is_string());
        assert_eq!(closed["closed_by"], "sergeant");
        assert!(closed["closed_at"].is_string());
        assert_eq!(emergencies[1]["open"], true);
        assert!(emergencies[1]["outcome"].is_null());
        assert!(emergencies[1]["closed_at"].is_null());
        assert!(
            emergencies[1]["summary"]
                .as_str()
                .unwrap()
                .starts_with("EMERGENCY OPEN since"),
            "{}",
            emergencies[1]["summary"]
        );
    }

    // The text form: the open one before anything else, then every emergency's timeline.
    let out = env.run("officer", &["record", &wright]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let open_line = text
        .lines()
        .position(|l| l.starts_with("EMERGENCY OPEN since"))
        .unwrap_or_else(|| panic!("no open emergency line:\n{text}"));
    assert!(
        open_line <= 2,
        "the open emergency is not at the top:\n{text}"
    );
    assert!(text.contains("Emergencies in this detention:"), "{text}");
    assert!(
        text.contains("999 / ambulance called by Sgt Okafor"),
        "{text}"
    );
    assert!(
        text.contains("Taken to hospital: conveyed to LGI"),
        "{text}"
    );
    assert!(text.contains("closed by sergeant"), "{text}");
    assert!(text.contains("HCP called by DO Walsh"), "{text}");
}
