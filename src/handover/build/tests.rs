use super::*;

#[test]
fn the_signed_payload_is_the_bundle_without_its_signature() {
    let bundle = json!({"b": 1, "signature": {"data": "x"}, "a": [true, null, "é"]});
    let mut unsigned = bundle.clone();
    unsigned.as_object_mut().unwrap().remove("signature");
    assert_eq!(
        signed_payload(&bundle).unwrap(),
        canonical::canonicalize(&unsigned).unwrap()
    );
    assert_eq!(
        String::from_utf8(signed_payload(&bundle).unwrap()).unwrap(),
        r#"{"a":[true,null,"é"],"b":1}"#
    );
}

#[test]
fn ids_are_uuids_and_stable() {
    let ids = Ids::new([1; 16]);
    let u = ids.uuid("patient");
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "8");
    assert_eq!(u, Ids::new([1; 16]).uuid("patient"));
    assert_ne!(u, ids.uuid("encounter"));
}

#[test]
fn referral_contact_says_how_the_service_reaches_the_person() {
    use crate::domain::record::view::ReferralContent;
    let c = ReferralContent {
        substance: String::new(),
        route: String::new(),
        treatment_history: String::new(),
        reason: "r".into(),
        phone: Some("02079460018".into()),
        address: " 1 High Street ".into(),
        postcode: Some("NE1 4ST".into()),
        no_fixed_abode: false,
        reachable_at: String::new(),
    };
    assert_eq!(
        referral_contact(&c),
        "1 High Street NE1 4ST; phone 020 7946 0018"
    );
    let nfa = ReferralContent {
        phone: None,
        no_fixed_abode: true,
        reachable_at: "St Ann's day centre".into(),
        ..c.clone()
    };
    assert_eq!(
        referral_contact(&nfa),
        "no fixed abode, reachable at St Ann's day centre; no phone"
    );
    assert_eq!(
        referral_service("liaison_diversion"),
        "Liaison and Diversion service"
    );
}

#[test]
fn narrative_is_escaped_xhtml() {
    let n = narrative(&["a <b> & \"c\"".to_string()]);
    assert_eq!(
        n["div"],
        "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>a &lt;b&gt; &amp; &quot;c&quot;</p></div>"
    );
}
