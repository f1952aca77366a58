//! Company ↔ account (DESIGN §4 "Company → account", §5 `companyName`), one test per rule,
//! through the engine's public API: Central's contact, its accounts, Outlook's contact and the
//! ledger's base in; the item's changes, `account`, reasons and both sides' writes out.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::plan::plan_with_accounts;
use central_o365_sync::engine::{
    parse_central, parse_outlook, Accounts, Bases, ChangeDirection, ItemWrites, OutlookClears,
    PlanOptions, Reason, State, SyncDirection, Write,
};
use common::{outlook_contact, with_stored_id};
use serde_json::{json, Value};

const TWO_WAY: PlanOptions = PlanOptions {
    direction: SyncDirection::TwoWay,
    ..PlanOptions::DEFAULT
};

/// Central's accounts: two "Globex Corporation" created at different times, and names that
/// contain "Initech" once and "Corp" twice.
fn accounts() -> Value {
    json!([
        { "id": "A-1", "status": "active", "name": "Acme Ltd", "createdAt": "2020-01-01T00:00:00Z" },
        { "id": "A-3", "status": "active", "name": "Globex Corporation", "createdAt": "2022-05-01T00:00:00Z" },
        { "id": "A-2", "status": "active", "name": " globex  corporation ", "createdAt": "2021-05-01T09:00:00+02:00" },
        { "id": "A-4", "status": "active", "name": "Initech Holdings plc", "createdAt": "2019-01-01T00:00:00Z" },
        { "id": "A-5", "status": "active", "name": "Umbrella Corp", "createdAt": "2019-01-01T00:00:00Z" },
        { "id": "A-6", "status": "inactive", "name": "Hooli", "createdAt": "2018-01-01T00:00:00Z" },
        { "id": "A-7", "status": "active", "name": "Café Ltd", "createdAt": "2018-01-01T00:00:00Z" },
    ])
}

/// Ann at Acme, as Central holds her.
fn ann() -> Value {
    json!({ "id": "C-1", "status": "active", "version": "7", "accountId": "A-1",
            "firstName": "Ann", "lastName": "Lee", "email": "ann@x.com" })
}

/// Ann in Outlook as the last sync wrote her, with `company` as her company.
fn ann_in_outlook(company: &str) -> Value {
    with_stored_id(
        outlook_contact(
            "O-1",
            json!({ "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
                    "companyName": company,
                    "emailAddresses": [{"address": "ann@x.com", "name": "Ann Lee"}] }),
        ),
        "C-1",
    )
}

/// The ledger of the last sync, at which both sides held `company`.
fn ledger(company: &str) -> Value {
    json!({ "entries": [{ "centralId": "C-1", "outlookId": "O-1", "base": {
        "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee", "email": "ann@x.com",
        "companyName": company } }] })
}

struct Planned {
    state: State,
    reasons: Vec<Reason>,
    /// (field, direction, from, to)
    changes: Vec<(String, ChangeDirection, String, String)>,
    /// The item's `account`, as it serializes.
    account: Value,
    company: String,
    writes: ItemWrites,
}

/// Plans Ann (`central`) against `outlook`, with the accounts (`None`: not known) and the
/// ledger (`None`: none); the first item.
fn plan_one(
    central: Value,
    outlook: Vec<Value>,
    accounts: Option<Value>,
    ledger: Option<Value>,
    options: PlanOptions,
) -> Planned {
    let c = serde_json::to_vec(&json!([central])).unwrap();
    let ol = serde_json::to_vec(&outlook).unwrap();
    let (mut cs, os) = (parse_central(&c).unwrap(), parse_outlook(&ol).unwrap());
    let accounts = accounts.map(|a| Accounts::parse(a.to_string().as_bytes()).unwrap());
    if let Some(accounts) = &accounts {
        accounts.attach(&mut cs);
    }
    let bases = ledger.as_ref().map(|l| Bases::read(l.as_object().unwrap()));
    let p = plan_with_accounts(&cs, &os, options, bases.as_ref(), accounts.as_ref());
    let again = plan_with_accounts(&cs, &os, options, bases.as_ref(), accounts.as_ref());
    assert_eq!(p, again, "deterministic");
    let item = &p.items[0];
    Planned {
        state: item.state,
        reasons: item.reasons.clone(),
        changes: item
            .changes
            .iter()
            .map(|c| {
                (
                    c.field.name().to_owned(),
                    c.direction,
                    c.from.clone(),
                    c.to.clone(),
                )
            })
            .collect(),
        account: serde_json::to_value(&item.account).unwrap(),
        company: item.display.company.to_string(),
        writes: p.writes_for(item, &item.changes, item.account.as_ref(), &cs, &os),
    }
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn change(
    field: &str,
    d: ChangeDirection,
    from: &str,
    to: &str,
) -> (String, ChangeDirection, String, String) {
    (field.into(), d, from.into(), to.into())
}

use ChangeDirection::{ToCentral as TO_C, ToOutlook as TO_O};

fn graph_body(w: &ItemWrites) -> &Value {
    match &w.graph {
        Some(Write::Update { body, .. }) => body,
        other => panic!("no Graph update: {other:?}"),
    }
}

fn central_body(w: &ItemWrites) -> &Value {
    &w.central.as_ref().expect("a Central write").body
}

#[test]
fn a_contacts_account_name_is_its_company_in_outlook() {
    let p = plan_one(
        ann(),
        vec![ann_in_outlook("Acme")],
        Some(accounts()),
        None,
        PlanOptions::DEFAULT,
    );
    assert_eq!(p.state, State::Update);
    assert_eq!(p.changes, [change("companyName", TO_O, "Acme", "Acme Ltd")]);
    assert_eq!(graph_body(&p.writes)["companyName"], "Acme Ltd");
    assert_eq!(p.company, "Acme Ltd", "the table shows the account's name");
    assert_eq!(p.account, Value::Null, "no company goes to Central");
    // A new contact is created with it.
    let p = plan_one(ann(), vec![], Some(accounts()), None, PlanOptions::DEFAULT);
    assert_eq!(p.state, State::New);
    match &p.writes.graph {
        Some(Write::Create { body, .. }) => assert_eq!(body["companyName"], "Acme Ltd"),
        other => panic!("no create: {other:?}"),
    }
}

#[test]
fn without_the_accounts_the_company_is_not_synced() {
    let o = ann_in_outlook("Anything Typed");
    let p = plan_one(ann(), vec![o.clone()], None, None, PlanOptions::DEFAULT);
    assert_eq!((p.state, p.company.as_str()), (State::UpToDate, ""));
    let p = plan_one(ann(), vec![o], None, Some(ledger("Acme Ltd")), TWO_WAY);
    assert_eq!(p.state, State::UpToDate, "nor sent to Central");
}

#[test]
fn a_contact_without_an_account_never_clears_the_company_typed_in_outlook() {
    for account in [json!(null), json!("A-404"), json!("A-6")] {
        let c = with(ann(), "accountId", account.clone());
        let p = plan_one(
            c,
            vec![ann_in_outlook("Typed Ltd")],
            Some(accounts()),
            None,
            PlanOptions::DEFAULT,
        );
        assert_eq!(p.state, State::UpToDate, "accountId {account}");
    }
}

#[test]
fn an_individual_has_no_company() {
    let mut c = ann();
    c["type"] = json!("Individual");
    let p = plan_one(
        c.clone(),
        vec![ann_in_outlook("Typed Ltd")],
        Some(accounts()),
        None,
        PlanOptions::DEFAULT,
    );
    assert_eq!((p.state, p.company.as_str()), (State::UpToDate, ""));
    let p = plan_one(
        c,
        vec![ann_in_outlook("Globex Corporation")],
        Some(accounts()),
        Some(ledger("")),
        TWO_WAY,
    );
    assert_eq!(
        p.state,
        State::UpToDate,
        "an individual's company never goes to Central"
    );
}

#[test]
fn a_company_typed_in_outlook_links_the_account_of_that_exact_name_and_takes_its_name() {
    let o = ann_in_outlook("  GLOBEX   corporation");
    let p = plan_one(
        ann(),
        vec![o],
        Some(accounts()),
        Some(ledger("Acme Ltd")),
        TWO_WAY,
    );
    assert_eq!(p.state, State::Update);
    assert!(p.reasons.is_empty());
    // The earliest created of the two of that name: A-2 (07:00 UTC on 2021-05-01).
    assert_eq!(
        p.account,
        json!({"id": "A-2", "name": "globex  corporation", "matchedBy": "exact"})
    );
    assert_eq!(
        p.changes,
        [
            change("companyName", TO_C, "Acme Ltd", "GLOBEX   corporation"),
            change(
                "companyName",
                TO_O,
                "GLOBEX   corporation",
                "globex  corporation"
            ),
        ]
    );
    assert_eq!(central_body(&p.writes), &json!({"accountId": "A-2"}));
    assert_eq!(graph_body(&p.writes)["companyName"], "globex  corporation");
}

#[test]
fn of_accounts_of_one_name_created_at_once_the_lowest_id_is_linked() {
    let list = json!([
        { "id": "B-9", "status": "active", "name": "Twins", "createdAt": "2020-01-01T00:00:00Z" },
        { "id": "B-1", "status": "active", "name": "Twins", "createdAt": "2020-01-01T01:00:00+01:00" },
        { "id": "B-0", "status": "active", "name": "Twins" },
    ]);
    let p = plan_one(
        ann(),
        vec![ann_in_outlook("Twins")],
        Some(list),
        Some(ledger("")),
        TWO_WAY,
    );
    assert_eq!(
        p.account,
        json!({"id": "B-1", "name": "Twins", "matchedBy": "exact"})
    );
    // The name is the one typed: nothing to write back to Outlook.
    assert_eq!(p.changes, [change("companyName", TO_C, "", "Twins")]);
    assert!(p.writes.graph.is_none());
}

#[test]
fn else_the_one_account_whose_name_contains_the_company_is_linked() {
    let p = plan_one(
        ann(),
        vec![ann_in_outlook("initech")],
        Some(accounts()),
        Some(ledger("Acme Ltd")),
        TWO_WAY,
    );
    assert_eq!(
        p.account,
        json!({"id": "A-4", "name": "Initech Holdings plc", "matchedBy": "substring"})
    );
    assert_eq!(central_body(&p.writes), &json!({"accountId": "A-4"}));
    assert_eq!(graph_body(&p.writes)["companyName"], "Initech Holdings plc");
}

#[test]
fn a_company_in_several_names_or_none_is_unresolved_and_the_record_still_written() {
    for typed in ["corp", "Hooli", "Nowhere Inc"] {
        let p = plan_one(
            ann(),
            vec![ann_in_outlook(typed)],
            Some(accounts()),
            Some(ledger("Acme Ltd")),
            TWO_WAY,
        );
        assert_eq!(
            (p.state, p.reasons.as_slice()),
            (State::Update, &[Reason::UnresolvedCompany][..]),
            "{typed}"
        );
        assert_eq!(p.account, Value::Null);
        assert_eq!(p.changes, [change("companyName", TO_C, "Acme Ltd", typed)]);
        assert_eq!(central_body(&p.writes), &json!({"accountId": null}));
        assert!(
            p.writes.graph.is_none(),
            "Outlook keeps the company as typed"
        );
    }
}

#[test]
fn an_unresolved_company_stays_in_outlook_as_typed_and_is_not_sent_again() {
    // After the run above: Central has no account, the base records what was typed.
    let c = with(ann(), "accountId", json!(null));
    let p = plan_one(
        c.clone(),
        vec![ann_in_outlook("corp")],
        Some(accounts()),
        Some(ledger("corp")),
        TWO_WAY,
    );
    assert_eq!(p.state, State::UpToDate);
    // Typed again, it is linked again.
    let p = plan_one(
        c,
        vec![ann_in_outlook("Umbrella Corp")],
        Some(accounts()),
        Some(ledger("corp")),
        TWO_WAY,
    );
    assert_eq!(
        p.changes,
        [change("companyName", TO_C, "", "Umbrella Corp")]
    );
    assert_eq!(central_body(&p.writes), &json!({"accountId": "A-5"}));
}

#[test]
fn an_account_changed_in_central_goes_to_outlook() {
    let c = with(ann(), "accountId", json!("A-4"));
    let p = plan_one(
        c,
        vec![ann_in_outlook("Acme Ltd")],
        Some(accounts()),
        Some(ledger("Acme Ltd")),
        TWO_WAY,
    );
    assert_eq!(
        p.changes,
        [change(
            "companyName",
            TO_O,
            "Acme Ltd",
            "Initech Holdings plc"
        )]
    );
    assert!(p.writes.central.is_none());
}

#[test]
fn a_company_emptied_in_outlook_unlinks_the_account_only_when_outlook_clears_is_clear() {
    let o = ann_in_outlook("");
    let p = plan_one(
        ann(),
        vec![o.clone()],
        Some(accounts()),
        Some(ledger("Acme Ltd")),
        TWO_WAY,
    );
    assert_eq!(p.changes, [change("companyName", TO_O, "", "Acme Ltd")]);
    let clear = PlanOptions {
        outlook_clears: OutlookClears::Clear,
        ..TWO_WAY
    };
    let p = plan_one(
        ann(),
        vec![o],
        Some(accounts()),
        Some(ledger("Acme Ltd")),
        clear,
    );
    assert_eq!(p.changes, [change("companyName", TO_C, "Acme Ltd", "")]);
    assert_eq!(central_body(&p.writes), &json!({"accountId": null}));
    assert!(p.reasons.is_empty());
}

#[test]
fn company_names_compare_trimmed_in_nfc_and_any_case() {
    // "Cafe\u{301}" is "Café" decomposed.
    let p = plan_one(
        ann(),
        vec![ann_in_outlook("CAFE\u{301} ltd")],
        Some(accounts()),
        Some(ledger("Acme Ltd")),
        TWO_WAY,
    );
    assert_eq!(
        p.account,
        json!({"id": "A-7", "name": "Café Ltd", "matchedBy": "exact"})
    );
}

#[test]
fn accounts_that_are_not_an_array_are_refused() {
    for bad in ["{}", "7", "[", ""] {
        assert!(Accounts::parse(bad.as_bytes()).is_err(), "{bad}");
    }
    // Records without an id, or not active, are left out; any value inside is accepted.
    let list = Accounts::parse(
        br#"[{"id":"A","status":"active","name":7},{"status":"active"},3,{"id":"B"}]"#,
    )
    .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list.get("A").map(|a| a.name.as_str()), Some(""));
}
