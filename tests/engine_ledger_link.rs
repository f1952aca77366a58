//! Linking by the ledger (DESIGN §4, linking step 1): a record no stored id links is linked to
//! the Outlook contact its ledger entry names — one linked by email and never written since,
//! so without the stored id — and planned as any linked pair. Through the engine's public API.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::plan::plan_with;
use central_o365_sync::engine::{
    parse_central, parse_outlook, Bases, ChangeDirection, ItemWrites, LinkedBy, PlanOptions, State,
    SyncDirection, Write,
};
use common::{outlook_contact, with_stored_id};
use serde_json::{json, Value};

const TWO_WAY: PlanOptions = PlanOptions {
    direction: SyncDirection::TwoWay,
    ..PlanOptions::DEFAULT
};

fn ann() -> Value {
    json!({ "id": "C-1", "status": "active", "version": "7", "firstName": "Ann",
            "lastName": "Lee", "email": "ann@x.com" })
}

fn bob() -> Value {
    json!({ "id": "C-2", "status": "active", "version": "3", "firstName": "Bob",
            "lastName": "Ray", "email": "bob@x.com" })
}

/// Ann's contact as the sync that linked it by email left it: no stored id, and `email` as
/// its primary address.
fn ann_in_outlook(email: &str) -> Value {
    outlook_contact(
        "O-1",
        json!({ "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
                "emailAddresses": [{"address": email}] }),
    )
}

/// The ledger after that sync: Ann agreed on as O-1.
fn ledger() -> Value {
    let base = json!({ "title": "", "givenName": "Ann", "surname": "Lee", "mobilePhone": "",
        "email": "ann@x.com", "businessPhone": "", "businessHomePage": "", "companyName": "",
        "homeAddress.street": "", "homeAddress.city": "", "homeAddress.state": "",
        "homeAddress.countryOrRegion": "", "homeAddress.postalCode": "",
        "businessAddress.street": "", "businessAddress.city": "", "businessAddress.state": "",
        "businessAddress.countryOrRegion": "", "businessAddress.postalCode": "" });
    json!({ "schema": 1, "entries": [
        { "centralId": "C-1", "kind": "contact", "outlookId": "O-1", "base": base } ] })
}

/// One item: (centralId, outlookId, state, linkedBy).
type Item = (String, Option<String>, State, Option<LinkedBy>);

struct Planned {
    items: Vec<Item>,
    orphans: Vec<String>,
    /// Ann's changes: (field, direction, from, to, overwritesOutlookEdit).
    changes: Vec<(String, ChangeDirection, String, String, bool)>,
    /// What a run writes for Ann.
    writes: ItemWrites,
}

fn plan(
    central: Vec<Value>,
    outlook: Vec<Value>,
    ledger: Option<Value>,
    o: PlanOptions,
) -> Planned {
    let c = serde_json::to_vec(&central).unwrap();
    let ol = serde_json::to_vec(&outlook).unwrap();
    let (cs, os) = (parse_central(&c).unwrap(), parse_outlook(&ol).unwrap());
    let bases = ledger.as_ref().map(|l| Bases::read(l.as_object().unwrap()));
    let p = plan_with(&cs, &os, o, bases.as_ref());
    assert_eq!(p, plan_with(&cs, &os, o, bases.as_ref()), "deterministic");
    let ann = p.items.iter().find(|i| i.central_id == "C-1").expect("Ann");
    Planned {
        items: p
            .items
            .iter()
            .map(|i| {
                (
                    i.central_id.to_string(),
                    i.outlook_id.as_ref().map(|s| s.to_string()),
                    i.state,
                    i.linked_by,
                )
            })
            .collect(),
        orphans: p.orphans.iter().map(|o| o.outlook_id.to_string()).collect(),
        changes: ann
            .changes
            .iter()
            .map(|ch| {
                let field = serde_json::to_value(ch.field).unwrap();
                (
                    field.as_str().unwrap().to_owned(),
                    ch.direction,
                    ch.from.clone(),
                    ch.to.clone(),
                    ch.overwrites_outlook_edit,
                )
            })
            .collect(),
        writes: p.writes_for(ann, &ann.changes, ann.account.as_ref(), &cs, &os),
    }
}

fn item(id: &str, outlook_id: Option<&str>, state: State, by: Option<LinkedBy>) -> Item {
    (id.into(), outlook_id.map(Into::into), state, by)
}

fn email_change(
    d: ChangeDirection,
    from: &str,
    to: &str,
    flag: bool,
) -> (String, ChangeDirection, String, String, bool) {
    ("email".into(), d, from.into(), to.into(), flag)
}

#[test]
fn two_way_an_email_linked_contact_whose_email_the_user_changed_links_by_the_ledger() {
    let p = plan(
        vec![ann()],
        vec![ann_in_outlook("ann.lee@y.com")],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        p.items,
        [item(
            "C-1",
            Some("O-1"),
            State::Update,
            Some(LinkedBy::Ledger)
        )]
    );
    assert!(p.orphans.is_empty(), "the contact is Ann's, not an orphan");
    assert_eq!(
        p.changes,
        [email_change(
            ChangeDirection::ToCentral,
            "ann@x.com",
            "ann.lee@y.com",
            false
        )]
    );
    // The edit goes to Central; nothing is created in Outlook (no second Ann).
    let central = p.writes.central.as_ref().expect("a Central write");
    assert_eq!(
        (central.central_id.as_str(), central.version.as_str()),
        ("C-1", "7")
    );
    assert_eq!(central.body["email"], json!("ann.lee@y.com"));
    assert_eq!(p.writes.graph, None);
}

#[test]
fn a_contact_carrying_another_records_id_is_never_taken_by_the_ledger() {
    // The entry names O-1, but O-1 now carries Bob's id: it is Bob's.
    let bobs = with_stored_id(ann_in_outlook("ann.lee@y.com"), "C-2");
    let p = plan(vec![ann(), bob()], vec![bobs], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.items,
        [
            item("C-1", None, State::New, None),
            item("C-2", Some("O-1"), State::Update, Some(LinkedBy::Id)),
        ]
    );
    assert!(matches!(p.writes.graph, Some(Write::Create { .. })));
    // One carrying an id Central does not know is not ours either: it stays an orphan.
    let unknown = with_stored_id(ann_in_outlook("ann.lee@y.com"), "C-9");
    let p = plan(vec![ann()], vec![unknown], Some(ledger()), TWO_WAY);
    assert_eq!(p.items, [item("C-1", None, State::New, None)]);
    assert_eq!(p.orphans, ["O-1"]);
}

#[test]
fn without_a_ledger_linking_is_by_stored_id_and_email_only() {
    // The email the user changed: nothing links Ann to O-1, which stays an orphan.
    let edited = ann_in_outlook("ann.lee@y.com");
    let p = plan(vec![ann()], vec![edited.clone()], None, TWO_WAY);
    assert_eq!(p.items, [item("C-1", None, State::New, None)]);
    assert_eq!(p.orphans, ["O-1"]);
    // So does a ledger whose entry names no Outlook contact (one way, where a contact no
    // record links stays an orphan).
    let mut nameless = ledger();
    nameless["entries"][0]
        .as_object_mut()
        .unwrap()
        .remove("outlookId");
    let one_way = PlanOptions::DEFAULT;
    let p = plan(vec![ann()], vec![edited], Some(nameless.clone()), one_way);
    assert_eq!(p.items, [item("C-1", None, State::New, None)]);
    assert_eq!(p.orphans, ["O-1"]);
    // The email unchanged: linked by email, with or without such a ledger.
    for (ledger, o) in [
        (None, TWO_WAY),
        (Some(nameless.clone()), TWO_WAY),
        (Some(nameless), one_way),
    ] {
        let p = plan(vec![ann()], vec![ann_in_outlook("ann@x.com")], ledger, o);
        assert_eq!(
            p.items,
            [item(
                "C-1",
                Some("O-1"),
                State::UpToDate,
                Some(LinkedBy::Email)
            )]
        );
    }
}

#[test]
fn one_way_a_contact_linked_by_the_ledger_gets_centrals_values_back() {
    let p = plan(
        vec![ann()],
        vec![ann_in_outlook("ann.lee@y.com")],
        Some(ledger()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.items,
        [item(
            "C-1",
            Some("O-1"),
            State::Update,
            Some(LinkedBy::Ledger)
        )]
    );
    assert!(p.orphans.is_empty());
    assert_eq!(
        p.changes,
        [email_change(
            ChangeDirection::ToOutlook,
            "ann.lee@y.com",
            "ann@x.com",
            true
        )]
    );
    assert_eq!(p.writes.central, None, "one way writes nothing in Central");
    match &p.writes.graph {
        Some(Write::Update {
            outlook_id, body, ..
        }) => {
            assert_eq!(outlook_id, "O-1");
            assert_eq!(body["emailAddresses"][0]["address"], json!("ann@x.com"));
            // The write stores the id, so that the next plan links by it.
            assert_eq!(
                body["singleValueExtendedProperties"][0]["value"],
                json!("C-1")
            );
        }
        other => panic!("expected an update of O-1, got {other:?}"),
    }
}
