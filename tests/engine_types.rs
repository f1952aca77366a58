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
    read_folders, reverse, Bases, Field, Folders, Kind, Part, Plan, PlanOptions, Reason, State,
    SyncDirection, Write,
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
        account: None,
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
    plan_with_accounts(central, &[], outlook, ledger, folders, options)
}

/// [`plan`] with Central's accounts (synced as records when `folders` has one for them).
fn plan_with_accounts(
    central: &[Value],
    accounts: &[Value],
    outlook: &[Value],
    ledger: Option<&Value>,
    folders: Option<&Folders>,
    options: PlanOptions,
) -> (Plan<'static>, Vec<Option<Write>>) {
    let central_text = serde_json::to_vec(central).unwrap();
    let account_text = serde_json::to_vec(accounts).unwrap();
    let outlook_text = serde_json::to_vec(outlook).unwrap();
    let ledger_text = ledger.map(|l| serde_json::to_vec(l).unwrap());
    let bases = ledger_text.as_deref().map(|t| Bases::read_json(t).unwrap());
    let mut read = read_folders(
        &central_text,
        &[Part::folder(&outlook_text, None)],
        folders,
        Some(&account_text),
    )
    .unwrap();
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
    let body = reverse::central_create(item.kind, &item.changes, None);
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
        reverse::central_create(Kind::Contact, &p.items[0].changes, None)["type"],
        "contact"
    );
}

#[test]
fn one_folder_for_two_types_is_refused() {
    let same = Folders {
        contact: "F".into(),
        individual: Some("F".into()),
        account: None,
    };
    assert!(same.check().is_err());
    let fields: Result<Folders, _> =
        serde_json::from_value(json!({ "contact": "F", "organisation": "A" }));
    assert!(fields.is_err(), "an unknown type is refused");
    let pinned: Result<PlanOptions, _> =
        serde_json::from_value(json!({ "fieldDirections": { "type": "toCentral" } }));
    assert!(pinned.unwrap_err().to_string().contains("folder"));
}

fn three() -> Folders {
    Folders {
        account: Some("account".into()),
        ..typed()
    }
}

fn acme() -> Value {
    json!({ "id": "A-1", "status": "active", "version": "2", "name": "Acme Ltd",
            "createdAt": "2020-01-01T00:00:00Z", "telephone": "+44 20 7946 0000",
            "website": "https://acme.example", "email": null,
            "businessAddress": { "line1": "1 Dock Road", "town": "Hull" } })
}

/// Acme in Outlook, in `folder`, carrying its id.
fn acme_in(folder: &str) -> Value {
    let mut o = with_stored_id(
        outlook_contact(
            "O-A",
            json!({ "displayName": "Acme Ltd", "companyName": "Acme Ltd",
                    "businessPhones": ["+44 20 7946 0000"], "businessHomePage": "https://acme.example",
                    "businessAddress": { "street": "1 Dock Road", "city": "Hull" } }),
        ),
        "A-1",
    );
    o["parentFolderId"] = json!(folder);
    o
}

fn acme_ledger() -> Value {
    let base = json!({ "displayName": "Acme Ltd", "email": "", "businessPhone": "+44 20 7946 0000",
        "businessHomePage": "https://acme.example", "companyName": "Acme Ltd",
        "businessAddress.street": "1 Dock Road", "businessAddress.city": "Hull",
        "businessAddress.state": "", "businessAddress.countryOrRegion": "",
        "businessAddress.postalCode": "" });
    json!({ "schema": 1, "entries": [
        { "centralId": "A-1", "kind": "account", "outlookId": "O-A", "base": base } ] })
}

#[test]
fn an_account_is_written_to_the_accounts_folder_as_a_contact_of_its_name() {
    let (p, w) = plan_with_accounts(
        &[],
        &[acme()],
        &[],
        None,
        Some(&three()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(p.items.len(), 1);
    let item = &p.items[0];
    assert_eq!((item.kind, item.state), (Kind::Account, State::New));
    assert_eq!(item.display.name(), "Acme Ltd");
    let Some(Write::Create { body, kind, .. }) = &w[0] else {
        panic!("expected a create, got {:?}", w[0]);
    };
    assert_eq!(*kind, Kind::Account);
    assert_eq!(
        body,
        &json!({ "displayName": "Acme Ltd", "companyName": "Acme Ltd",
                 "businessHomePage": "https://acme.example", "businessPhones": ["+44 20 7946 0000"],
                 "businessAddress": { "street": "1 Dock Road", "city": "Hull" },
                 "singleValueExtendedProperties": [
                     { "id": central_o365_sync::engine::CENTRAL_ID_PROPERTY, "value": "A-1" }] })
    );
    // Written, it is up to date; without a folder for accounts, accounts are not synced.
    let (p, _) = plan_with_accounts(
        &[],
        &[acme()],
        &[acme_in("account")],
        None,
        Some(&three()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(p.items[0].state, State::UpToDate);
    let (p, _) = plan_with_accounts(
        &[],
        &[acme()],
        &[],
        None,
        Some(&typed()),
        PlanOptions::DEFAULT,
    );
    assert!(p.items.is_empty());
}

#[test]
fn an_account_without_a_name_is_missing_name_and_one_without_an_email_is_synced() {
    let mut nameless = acme();
    nameless["name"] = json!("  ");
    let mut malformed = acme();
    malformed["id"] = json!("A-2");
    malformed["email"] = json!("not an email");
    let (p, _) = plan_with_accounts(
        &[],
        &[nameless, malformed],
        &[],
        None,
        Some(&three()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.items
            .iter()
            .map(|i| (i.state, i.reasons.clone()))
            .collect::<Vec<_>>(),
        [
            (State::NonActionable, vec![Reason::MissingName]),
            (State::NonActionable, vec![Reason::MalformedEmail])
        ]
    );
}

#[test]
fn an_accounts_name_edited_in_outlook_renames_it_in_central() {
    let mut renamed = acme_in("account");
    renamed["companyName"] = json!("Acme Group");
    let (p, w) = plan_with_accounts(
        &[],
        &[acme()],
        &[renamed],
        Some(&acme_ledger()),
        Some(&three()),
        TWO_WAY,
    );
    let item = &p.items[0];
    assert_eq!(item.state, State::Update);
    assert_eq!(
        item.changes,
        [Change {
            field: Field::CompanyName,
            from: "Acme Ltd".into(),
            to: "Acme Group".into(),
            direction: ChangeDirection::ToCentral,
            overwrites_outlook_edit: false,
        }]
    );
    assert_eq!(
        item.account, None,
        "an account's company is its name, not a link"
    );
    assert_eq!(w[0], None);
    let text = json!([acme()]).to_string();
    let account =
        central_o365_sync::engine::parse_accounts_with(text.as_bytes(), &mut |_, _| {}).unwrap();
    assert_eq!(
        reverse::central_patch(&account[0], &item.changes, None),
        Some(json!({ "name": "Acme Group" }))
    );
}

#[test]
fn a_move_between_a_persons_folder_and_the_accounts_folder_is_a_conflict() {
    let (p, w) = plan_with_accounts(
        &[ann("contact")],
        &[acme()],
        &[ann_in("account"), acme_in("contact")],
        Some(&ledger("contact")),
        Some(&three()),
        TWO_WAY,
    );
    assert_eq!(
        p.items
            .iter()
            .map(|i| (i.central_id.as_ref(), i.state, i.reasons.clone()))
            .collect::<Vec<_>>(),
        [
            ("C-1", State::Conflict, vec![Reason::TypeChangeNotSupported]),
            ("A-1", State::Conflict, vec![Reason::TypeChangeNotSupported])
        ]
    );
    assert_eq!(w, [None, None]);
    assert!(p.orphans.is_empty());
}

#[test]
fn a_contact_made_in_the_accounts_folder_is_created_as_an_account() {
    let mut made = outlook_contact(
        "O-9",
        json!({ "displayName": "Globex", "companyName": "Globex Corporation",
                "emailAddresses": [{"address": "info@globex.example"}], "givenName": "Hank" }),
    );
    made["parentFolderId"] = json!("account");
    let (p, _) = plan_with_accounts(
        &[],
        &[acme()],
        &[acme_in("account"), made],
        Some(&acme_ledger()),
        Some(&three()),
        TWO_WAY,
    );
    let item = p
        .items
        .iter()
        .find(|i| i.state == State::CreateInCentral)
        .unwrap();
    assert_eq!(item.kind, Kind::Account);
    let body = reverse::central_create(item.kind, &item.changes, None);
    assert_eq!(
        body,
        json!({ "name": "Globex Corporation", "email": "info@globex.example", "status": "active" })
    );
}

#[test]
fn an_accounts_email_links_only_in_the_accounts_folder() {
    let mut with_email = acme();
    with_email["email"] = json!("ann@x.com");
    // Ann's email on the account: each links in its own folder, and neither is a duplicate.
    let mut ann_unlinked = ann_in("contact");
    ann_unlinked["singleValueExtendedProperties"] = json!([]);
    let (p, _) = plan_with_accounts(
        &[ann("contact")],
        &[with_email],
        &[ann_unlinked],
        None,
        Some(&three()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.items
            .iter()
            .map(|i| (i.central_id.as_ref(), i.state))
            .collect::<Vec<_>>(),
        [("C-1", State::UpToDate), ("A-1", State::New)]
    );
}

#[test]
fn a_marked_contact_is_linked_or_created_and_moved_into_its_types_folder() {
    // Ann (in Central) and Zoë (not) in the default Contacts folder, marked: Ann as a contact,
    // Zoë as an individual. Neither carries an id.
    let mut ann_marked = ann_in("default");
    ann_marked["singleValueExtendedProperties"] = json!([]);
    let zoe = outlook_contact(
        "O-9",
        json!({ "givenName": "Zoë", "surname": "Ray", "displayName": "Zoë Ray",
                "emailAddresses": [{"address": "zoe@x.com"}] }),
    );
    let central = serde_json::to_vec(&[ann("contact")]).unwrap();
    let (contact_text, individual_text) = (
        serde_json::to_vec(&[ann_marked]).unwrap(),
        serde_json::to_vec(&[zoe]).unwrap(),
    );
    let ledger_text = serde_json::to_vec(&json!({ "entries": [] })).unwrap();
    let bases = Bases::read_json(&ledger_text).unwrap();
    let marked = |text, kind| Part {
        text,
        kind: Some(kind),
        marked: true,
    };
    let mut read = read_folders(
        &central,
        &[
            Part::folder(b"[]", Some(Kind::Contact)),
            marked(&contact_text, Kind::Contact),
            marked(&individual_text, Kind::Individual),
        ],
        Some(&typed()),
        None,
    )
    .unwrap();
    let plan = read.plan(TWO_WAY, Some(&bases), None).0.into_owned();
    let ann_item = &plan.items[0];
    assert_eq!(
        (ann_item.state, ann_item.changes.clone()),
        (
            State::Update,
            vec![type_change(
                "",
                "contact",
                ChangeDirection::ToOutlook,
                false
            )]
        )
    );
    let write = plan
        .writes_for(
            ann_item,
            &ann_item.changes,
            None,
            &read.central,
            &read.outlook,
        )
        .graph;
    assert!(
        matches!(
            write,
            Some(Write::Move {
                kind: Kind::Contact,
                ..
            })
        ),
        "{write:?}"
    );
    let zoe_item = &plan.items[1];
    assert_eq!(
        (zoe_item.state, zoe_item.kind),
        (State::CreateInCentral, Kind::Individual)
    );
    assert_eq!(
        reverse::central_create(zoe_item.kind, &zoe_item.changes, None)["type"],
        "individual"
    );
}

#[test]
fn a_contact_in_a_folder_no_longer_synced_is_not_a_deletion() {
    // Ann's entry names a contact in the individuals' folder of the last sync. The user has
    // since chosen another folder for individuals: her contact was not removed, the folder
    // is simply not read — she is written anew, and nothing is deleted in Central.
    let entry = |folder: &str| {
        let mut l = ledger("individual");
        l["entries"][0]["folderId"] = json!(folder);
        l
    };
    let (p, _) = plan(
        &[ann("individual")],
        &[],
        Some(&entry("old-individuals")),
        Some(&typed()),
        TWO_WAY,
    );
    assert_eq!(p.items[0].state, State::New);
    // In a synced folder, a contact gone is a deletion.
    let (p, _) = plan(
        &[ann("individual")],
        &[],
        Some(&entry("individual")),
        Some(&typed()),
        TWO_WAY,
    );
    assert_eq!(p.items[0].state, State::DeleteInCentral);
}

#[test]
fn an_accounts_contact_is_not_deleted_while_accounts_are_not_synced() {
    // Acme's contact sits in the contacts' folder (a drag the user never undid); accounts are
    // no longer synced, so Acme is not read: that is no deletion of Acme.
    let options = PlanOptions {
        deletions: Some(central_o365_sync::engine::deletions::Deletions::Propagate),
        ..TWO_WAY
    };
    let (p, w) = plan_with_accounts(
        &[],
        &[acme()],
        &[acme_in("contact")],
        Some(&acme_ledger()),
        Some(&typed()),
        options,
    );
    assert!(p.items.is_empty(), "{:?}", p.items);
    assert_eq!(p.orphans.len(), 1);
    assert!(w.is_empty());
}
