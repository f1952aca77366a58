//! Contacts made in Outlook, created in Central (DESIGN §4 "Created in Outlook"), one test per
//! rule, through the engine's public API: Central's records, the folder and the ledger in; the
//! plan's items and orphans out.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::deletions::ReadOnly;
use central_o365_sync::engine::mapping::Field;
use central_o365_sync::engine::plan::plan_with_accounts;
use central_o365_sync::engine::reverse::central_create;
use central_o365_sync::engine::{
    parse_central, parse_outlook, Accounts, Bases, ChangeDirection, PlanOptions, Reason, State,
    SyncDirection,
};
use common::{outlook_contact, with_stored_id};
use serde_json::{json, Value};

const TWO_WAY: PlanOptions = PlanOptions {
    direction: SyncDirection::TwoWay,
    ..PlanOptions::DEFAULT
};

fn bob() -> Value {
    json!({ "id": "C-2", "status": "active", "version": "3", "firstName": "Bob",
            "lastName": "Ray", "email": "bob@x.com" })
}

fn bob_in_outlook() -> Value {
    with_stored_id(
        outlook_contact(
            "O-2",
            json!({ "givenName": "Bob", "surname": "Ray", "displayName": "Bob Ray",
                    "emailAddresses": [{"address": "bob@x.com"}] }),
        ),
        "C-2",
    )
}

/// A contact the user typed into the folder.
fn typed(id: &str, first: &str, last: &str, email: &str) -> Value {
    outlook_contact(
        id,
        json!({ "givenName": first, "surname": last, "displayName": format!("{first} {last}"),
                "emailAddresses": [{"address": email}], "jobTitle": "not mapped",
                "mobilePhone": " +44 7700 900123 ", "companyName": "Acme",
                "businessAddress": { "street": "1 High St\nFloor 2", "city": "Leeds" } }),
    )
}

fn ledger() -> Value {
    json!({ "schema": 1, "entries": [
        { "centralId": "C-2", "kind": "contact", "outlookId": "O-2", "base": {} } ] })
}

type Item = (String, Option<String>, State, Vec<Reason>);

/// Items, orphans, the toCentral values of the first contact to create, and its create body.
type Planned = (Vec<Item>, Vec<String>, Vec<(Field, String)>, Option<Value>);

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
    let accounts = Accounts::parse(
        br#"[{"id":"A-1","status":"active","name":"Acme Ltd","createdAt":"2020-01-01T00:00:00Z"}]"#,
    )
    .unwrap();
    let p = plan_with_accounts(&cs, &os, o, bases.as_ref(), Some(&accounts));
    let created = p.items.iter().find(|i| i.state == State::CreateInCentral);
    let changes = created
        .map(|i| {
            assert!(i
                .changes
                .iter()
                .all(|ch| ch.direction == ChangeDirection::ToCentral
                    || ch.field == Field::CompanyName));
            i.changes
                .iter()
                .filter(|ch| ch.direction == ChangeDirection::ToCentral)
                .map(|ch| (ch.field, ch.to.clone()))
                .collect()
        })
        .unwrap_or_default();
    let body = created.map(|i| central_create(i.kind, &i.changes, i.account.as_ref()));
    assert_eq!(
        p.summary.create_in_central,
        p.items
            .iter()
            .filter(|i| i.state == State::CreateInCentral)
            .count()
    );
    (
        p.items
            .iter()
            .map(|i| {
                (
                    i.central_id.to_string(),
                    i.outlook_id.as_ref().map(|s| s.to_string()),
                    i.state,
                    i.reasons.clone(),
                )
            })
            .collect(),
        p.orphans.iter().map(|o| o.outlook_id.to_string()).collect(),
        changes,
        body,
    )
}

#[test]
fn a_contact_made_in_outlook_is_created_in_central_with_its_values() {
    let (items, orphans, changes, body) = plan(
        vec![bob()],
        vec![bob_in_outlook(), typed("O-9", "Cy", "Po", "cy@x.com")],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        items[1],
        (
            String::new(),
            Some("O-9".into()),
            State::CreateInCentral,
            vec![]
        )
    );
    assert!(orphans.is_empty());
    assert_eq!(
        changes,
        [
            (Field::GivenName, "Cy".to_owned()),
            (Field::Surname, "Po".to_owned()),
            (Field::MobilePhone, "+44 7700 900123".to_owned()),
            (Field::Email, "cy@x.com".to_owned()),
            (Field::BusinessStreet, "1 High St\nFloor 2".to_owned()),
            (Field::BusinessCity, "Leeds".to_owned()),
            (Field::CompanyName, "Acme".to_owned()),
        ]
    );
    assert_eq!(
        body.unwrap(),
        json!({ "status": "active", "type": "contact", "firstName": "Cy", "lastName": "Po",
                "mobile": "+44 7700 900123", "email": "cy@x.com", "accountId": "A-1",
                "businessAddress": { "line1": "1 High St", "line2": "Floor 2", "line3": null,
                    "town": "Leeds", "county": null, "country": null, "postcode": null } }),
        "the company is linked to its account (a unique substring)"
    );
}

#[test]
fn only_two_way_with_a_ledger_and_never_under_a_read_only_type() {
    let folder = || vec![bob_in_outlook(), typed("O-9", "Cy", "Po", "cy@x.com")];
    for (ledger, options) in [
        (None, TWO_WAY),
        (Some(ledger()), PlanOptions::DEFAULT),
        (
            Some(ledger()),
            PlanOptions {
                read_only: ReadOnly {
                    contact: true,
                    ..ReadOnly::default()
                },
                ..TWO_WAY
            },
        ),
    ] {
        let (items, orphans, _, _) = plan(vec![bob()], folder(), ledger, options);
        assert!(
            items.iter().all(|i| i.2 != State::CreateInCentral),
            "{items:?}"
        );
        assert_eq!(orphans, ["O-9"]);
    }
}

#[test]
fn a_contact_to_create_passes_the_rules_a_central_record_does() {
    let (items, orphans, _, _) = plan(
        vec![bob()],
        vec![
            typed("O-3", "Dee", "Smith (deceased)", "dee@x.com"),
            typed("O-4", " ", "Po", "not an address"),
            typed("O-5", "Eve", "Ng", ""),
        ],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        &items[1..],
        [
            (
                String::new(),
                Some("O-3".into()),
                State::NonActionable,
                vec![Reason::Deceased]
            ),
            (
                String::new(),
                Some("O-4".into()),
                State::NonActionable,
                vec![Reason::MalformedEmail, Reason::MissingFirstName]
            ),
            (
                String::new(),
                Some("O-5".into()),
                State::NonActionable,
                vec![Reason::MissingEmail]
            ),
        ]
    );
    assert!(orphans.is_empty());
}

#[test]
fn an_email_central_has_already_or_two_to_create_share_is_not_created() {
    // Bob's email on a second contact (Bob is linked to O-2 by id), and two new ones with one
    // email between them.
    let (items, _, _, _) = plan(
        vec![bob()],
        vec![
            bob_in_outlook(),
            typed("O-6", "Rob", "Ray", " BOB@x.com"),
            typed("O-7", "Ann", "Lee", "ann@x.com"),
            typed("O-8", "Anne", "Lee", "Ann@X.com"),
        ],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        &items[1..],
        [
            (
                String::new(),
                Some("O-6".into()),
                State::NonActionable,
                vec![Reason::DuplicateEmail]
            ),
            (
                String::new(),
                Some("O-7".into()),
                State::Conflict,
                vec![Reason::DuplicateOutlookEmail]
            ),
            (
                String::new(),
                Some("O-8".into()),
                State::Conflict,
                vec![Reason::DuplicateOutlookEmail]
            ),
        ]
    );
}

#[test]
fn a_contact_carrying_an_id_central_and_the_ledger_do_not_know_stays_an_orphan() {
    let (items, orphans, _, _) = plan(
        vec![bob()],
        vec![with_stored_id(
            typed("O-9", "Cy", "Po", "cy@x.com"),
            "C-404",
        )],
        Some(ledger()),
        TWO_WAY,
    );
    assert!(items.iter().all(|i| i.2 != State::CreateInCentral));
    assert_eq!(orphans, ["O-9"]);
}

#[test]
fn a_contact_to_create_shows_its_accounts_name_as_its_company() {
    let c = b"[]";
    let made = |company: &str| {
        let mut o = typed("O-9", "Cy", "Po", "cy@x.com");
        o["companyName"] = json!(company);
        serde_json::to_vec(&[o]).unwrap()
    };
    let accounts = Accounts::parse(
        br#"[{"id":"A-1","status":"active","name":"Acme Ltd","createdAt":"2020-01-01T00:00:00Z"}]"#,
    )
    .unwrap();
    let ledger = json!({ "entries": [] });
    let bases = Bases::read(ledger.as_object().unwrap());
    let cs = parse_central(c).unwrap();
    for (typed_company, shown) in [("acme", "Acme Ltd"), ("Zeta", "")] {
        let text = made(typed_company);
        let os = parse_outlook(&text).unwrap();
        let p = plan_with_accounts(&cs, &os, TWO_WAY, Some(&bases), Some(&accounts));
        assert_eq!(p.items[0].state, State::CreateInCentral);
        assert_eq!(p.items[0].display.company, shown, "typed {typed_company}");
    }
}
