//! Types by folder (DESIGN §4 "Created in Outlook…", §7 `folders`), one test per rule, through
//! the engine's public API: Central's records, the contacts of the two type folders (typed by
//! their `parentFolderId`, as `planSync` types them) and the ledger in; the plan and its
//! writes out. The folders are named "contact" and "individual", as the test model's moves
//! name them.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::deletions::ReadOnly;
use central_o365_sync::engine::diff::{Change, ChangeDirection};
use central_o365_sync::engine::{
    read_folders, reverse, Bases, Field, Folders, Kind, Plan, PlanOptions, State, SyncDirection,
    Write,
};
use common::{outlook_contact, with_stored_id, Folder};
use serde_json::{json, Value};

const TWO_WAY: PlanOptions = PlanOptions {
    direction: SyncDirection::TwoWay,
    ..PlanOptions::DEFAULT
};

fn typed() -> Folders {
    Folders {
        contact: "contact".into(),
        individual: Some("individual".into()),
    }
}

fn ann(kind: &str) -> Value {
    json!({ "id": "C-1", "status": "active", "version": "7", "type": kind, "firstName": "Ann",
            "lastName": "Lee", "email": "ann@x.com" })
}

/// Ann in Outlook, in `folder`, carrying her id.
fn ann_in(folder: &str) -> Value {
    let mut o = with_stored_id(
        outlook_contact(
            "O-1",
            json!({ "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
                    "emailAddresses": [{"address": "ann@x.com"}] }),
        ),
        "C-1",
    );
    o["parentFolderId"] = json!(folder);
    o
}

/// The ledger after the last sync: Ann agreed on as O-1, of type `kind`.
fn ledger(kind: &str) -> Value {
    let base = json!({ "title": "", "givenName": "Ann", "surname": "Lee", "mobilePhone": "",
        "email": "ann@x.com", "businessPhone": "", "businessHomePage": "", "companyName": "",
        "homeAddress.street": "", "homeAddress.city": "", "homeAddress.state": "",
        "homeAddress.countryOrRegion": "", "homeAddress.postalCode": "",
        "businessAddress.street": "", "businessAddress.city": "", "businessAddress.state": "",
        "businessAddress.countryOrRegion": "", "businessAddress.postalCode": "" });
    json!({ "schema": 1, "entries": [
        { "centralId": "C-1", "kind": kind, "outlookId": "O-1", "base": base } ] })
}

/// The plan of both sides (with `folders` and the ledger, when given) and the Graph write of
/// each item, in order.
fn plan(
    central: &[Value],
    outlook: &[Value],
    ledger: Option<&Value>,
    folders: Option<&Folders>,
    options: PlanOptions,
) -> (Plan<'static>, Vec<Option<Write>>) {
    let central_text = serde_json::to_vec(central).unwrap();
    let outlook_text = serde_json::to_vec(outlook).unwrap();
    let ledger_text = ledger.map(|l| serde_json::to_vec(l).unwrap());
    let bases = ledger_text.as_deref().map(|t| Bases::read_json(t).unwrap());
    let mut read = read_folders(&central_text, &[(&outlook_text, None)], folders).unwrap();
    let plan = read.plan(options, bases.as_ref(), None).0.into_owned();
    let writes = plan
        .items
        .iter()
        .map(|item| {
            plan.writes_for(
                item,
                &item.changes,
                item.account.as_ref(),
                &read.central,
                &read.outlook,
            )
            .graph
        })
        .collect();
    (plan, writes)
}

fn type_change(from: &str, to: &str, direction: ChangeDirection, overwrites: bool) -> Change {
    Change {
        field: Field::Type,
        from: from.into(),
        to: to.into(),
        direction,
        overwrites_outlook_edit: overwrites,
    }
}

#[test]
fn a_record_is_created_in_its_types_folder() {
    let bob = json!({ "id": "C-2", "status": "active", "firstName": "Bob", "lastName": "Ray",
                      "email": "bob@x.com" });
    let (p, w) = plan(
        &[ann("individual"), bob],
        &[],
        None,
        Some(&typed()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.items
            .iter()
            .map(|i| (i.kind, i.state))
            .collect::<Vec<_>>(),
        [(Kind::Individual, State::New), (Kind::Contact, State::New)]
    );
    let kinds: Vec<Kind> = w
        .iter()
        .map(|w| match w {
            Some(Write::Create { kind, .. }) => *kind,
            other => panic!("expected a create, got {other:?}"),
        })
        .collect();
    assert_eq!(kinds, [Kind::Individual, Kind::Contact]);
}

#[test]
fn emails_link_within_one_folder() {
    // Ann, an individual, has no contact in the individuals' folder; one with her email in the
    // contacts' folder is not hers.
    let mut stranger = ann_in("contact");
    stranger["singleValueExtendedProperties"] = json!([]);
    let (p, _) = plan(
        &[ann("individual")],
        &[stranger.clone()],
        None,
        Some(&typed()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(p.items[0].state, State::New);
    assert_eq!(p.orphans.len(), 1);
    // In her own folder it is.
    stranger["parentFolderId"] = json!("individual");
    let (p, _) = plan(
        &[ann("individual")],
        &[stranger],
        None,
        Some(&typed()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(p.items[0].state, State::UpToDate);
    assert!(p.orphans.is_empty());
}

#[test]
fn a_drag_between_type_folders_is_a_type_change_not_a_delete_and_create() {
    let (p, w) = plan(
        &[ann("contact")],
        &[ann_in("individual")],
        Some(&ledger("contact")),
        Some(&typed()),
        TWO_WAY,
    );
    assert_eq!(p.items.len(), 1, "{:?}", p.items);
    let item = &p.items[0];
    assert_eq!((item.state, item.kind), (State::Update, Kind::Contact));
    assert_eq!(
        item.changes,
        [type_change(
            "contact",
            "individual",
            ChangeDirection::ToCentral,
            false
        )]
    );
    assert_eq!(w[0], None, "nothing is written to Outlook");
    let body = reverse::central_patch(&Default::default(), &item.changes, None);
    assert_eq!(body, Some(json!({ "type": "individual" })));
    assert!(p.orphans.is_empty());
}

#[test]
fn a_type_changed_in_central_moves_the_contact_into_its_folder() {
    let (p, w) = plan(
        &[ann("individual")],
        &[ann_in("contact")],
        Some(&ledger("contact")),
        Some(&typed()),
        TWO_WAY,
    );
    assert_eq!(p.items[0].state, State::Update);
    assert_eq!(
        p.items[0].changes,
        [type_change(
            "contact",
            "individual",
            ChangeDirection::ToOutlook,
            false
        )]
    );
    let Some(Write::Move {
        outlook_id,
        kind,
        etag,
        ..
    }) = &w[0]
    else {
        panic!("expected a move, got {:?}", w[0]);
    };
    let planned = ann_in("contact");
    assert_eq!(
        (outlook_id.as_str(), *kind, etag.as_str()),
        (
            "O-1",
            Kind::Individual,
            planned["@odata.etag"].as_str().unwrap()
        )
    );
    // Moved (a new contact in the individuals' folder), the pair is up to date.
    let mut folder = Folder::new(vec![ann_in("contact")]);
    folder.apply(w[0].as_ref().unwrap());
    let moved = folder.contacts.clone();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["parentFolderId"], "individual");
    let (again, _) = plan(&[ann("individual")], &moved, None, Some(&typed()), TWO_WAY);
    assert_eq!(again.items[0].state, State::UpToDate);
}

#[test]
fn in_to_outlook_mode_a_dragged_contact_is_moved_back() {
    let (p, w) = plan(
        &[ann("contact")],
        &[ann_in("individual")],
        Some(&ledger("contact")),
        Some(&typed()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.items[0].changes,
        [type_change(
            "individual",
            "contact",
            ChangeDirection::ToOutlook,
            true
        )]
    );
    assert!(matches!(
        &w[0],
        Some(Write::Move {
            kind: Kind::Contact,
            ..
        })
    ));
}

#[test]
fn a_read_only_type_is_moved_back_rather_than_changed_in_central() {
    let options = PlanOptions {
        read_only: ReadOnly {
            contact: true,
            ..ReadOnly::default()
        },
        ..TWO_WAY
    };
    let (p, _) = plan(
        &[ann("contact")],
        &[ann_in("individual")],
        Some(&ledger("contact")),
        Some(&typed()),
        options,
    );
    assert_eq!(
        p.items[0].changes,
        [type_change(
            "individual",
            "contact",
            ChangeDirection::ToOutlook,
            true
        )]
    );
}

#[test]
fn without_a_ledger_central_decides_the_type() {
    let (p, w) = plan(
        &[ann("contact")],
        &[ann_in("individual")],
        None,
        Some(&typed()),
        TWO_WAY,
    );
    assert_eq!(
        p.items[0].changes,
        [type_change(
            "individual",
            "contact",
            ChangeDirection::ToOutlook,
            false
        )]
    );
    assert!(matches!(
        &w[0],
        Some(Write::Move {
            kind: Kind::Contact,
            ..
        })
    ));
}

#[test]
fn without_a_folder_for_individuals_the_type_is_not_synced() {
    let one = Folders::single("contact");
    for folders in [None, Some(&one)] {
        let (p, w) = plan(
            &[ann("individual")],
            &[ann_in("contact")],
            Some(&ledger("contact")),
            folders,
            TWO_WAY,
        );
        assert_eq!(p.items[0].state, State::UpToDate);
        assert_eq!(p.items[0].kind, Kind::Individual);
        assert_eq!(w[0], None);
    }
}

#[test]
fn a_contact_made_in_the_individuals_folder_is_created_as_an_individual() {
    let mut zoe = outlook_contact(
        "O-9",
        json!({ "givenName": "Zoë", "surname": "Ray", "displayName": "Zoë Ray",
                "emailAddresses": [{"address": "zoe@x.com"}] }),
    );
    zoe["parentFolderId"] = json!("individual");
    let (p, _) = plan(
        &[],
        &[zoe.clone()],
        Some(&ledger("contact")),
        Some(&typed()),
        TWO_WAY,
    );
    let item = &p.items[0];
    assert_eq!(
        (item.state, item.kind),
        (State::CreateInCentral, Kind::Individual)
    );
    assert!(item.changes.contains(&type_change(
        "",
        "individual",
        ChangeDirection::ToCentral,
        false
    )));
    let body = reverse::central_create(&item.changes, None);
    assert_eq!(body["type"], "individual");
    assert_eq!(body["firstName"], "Zoë");
    // Individuals kept read-only: it stays an orphan, and nothing is created.
    let options = PlanOptions {
        read_only: ReadOnly {
            individual: true,
            ..ReadOnly::default()
        },
        ..TWO_WAY
    };
    let (p, _) = plan(
        &[],
        &[zoe],
        Some(&ledger("contact")),
        Some(&typed()),
        options,
    );
    assert!(p.items.is_empty());
    assert_eq!(p.orphans.len(), 1);
}

#[test]
fn a_contact_made_in_the_contacts_folder_is_created_as_a_contact() {
    let mut zoe = outlook_contact(
        "O-9",
        json!({ "givenName": "Zoë", "surname": "Ray", "displayName": "Zoë Ray",
                "emailAddresses": [{"address": "zoe@x.com"}] }),
    );
    zoe["parentFolderId"] = json!("contact");
    let (p, _) = plan(
        &[],
        &[zoe],
        Some(&ledger("contact")),
        Some(&typed()),
        TWO_WAY,
    );
    assert_eq!(p.items[0].kind, Kind::Contact);
    assert_eq!(
        reverse::central_create(&p.items[0].changes, None)["type"],
        "contact"
    );
}

#[test]
fn one_folder_for_two_types_is_refused() {
    let same = Folders {
        contact: "F".into(),
        individual: Some("F".into()),
    };
    assert!(same.check().is_err());
    let fields: Result<Folders, _> =
        serde_json::from_value(json!({ "contact": "F", "account": "A" }));
    assert!(fields.is_err(), "an unknown type is refused");
    let pinned: Result<PlanOptions, _> =
        serde_json::from_value(json!({ "fieldDirections": { "type": "toCentral" } }));
    assert!(pinned.unwrap_err().to_string().contains("folder"));
}
