//! The three-way decision (DESIGN §4 "Per mapped field…") and the mapping back (§5), one test
//! per rule, through the engine's public API: Central's record, Outlook's contact and the
//! ledger's base for the pair in; the plan's changes and the writes to both sides out.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::decide::FieldDirections;
use central_o365_sync::engine::plan::plan_with;
use central_o365_sync::engine::{
    parse_central, parse_outlook, Bases, ChangeDirection, Conflicts, EmptyValues, ItemWrites,
    Master, OutlookClears, PlanOptions, Reason, State, SyncDirection, Write,
};
use common::{outlook_contact, with_stored_id};
use serde_json::{json, Value};

const TWO_WAY: PlanOptions = PlanOptions {
    direction: SyncDirection::TwoWay,
    ..PlanOptions::DEFAULT
};

/// Ann as Central holds her.
fn ann() -> Value {
    json!({ "id": "C-1", "status": "active", "version": "7", "title": "Ms", "firstName": "Ann",
            "lastName": "Lee", "email": "ann@x.com", "mobile": "0700", "telephone": "0200",
            "website": "https://ann.example",
            "homeAddress": { "line1": "1 High St", "line2": null, "line3": null, "town": "Leeds",
                             "county": "West Yorkshire", "country": "UK", "postcode": "LS1" } })
}

/// Ann in Outlook as the last sync wrote her.
fn ann_in_outlook() -> Value {
    with_stored_id(
        outlook_contact(
            "O-1",
            json!({ "title": "Ms", "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
                    "mobilePhone": "0700", "businessHomePage": "https://ann.example",
                    "emailAddresses": [{"address": "ann@x.com", "name": "Ann Lee"}, {"address": "ann.home@y.com"}],
                    "businessPhones": ["0200"],
                    "homeAddress": { "street": "1 High St", "city": "Leeds", "state": "West Yorkshire",
                                     "countryOrRegion": "UK", "postalCode": "LS1" } }),
        ),
        "C-1",
    )
}

/// The ledger both sides agreed on at the last sync: Ann's values then.
fn ledger() -> Value {
    json!({ "schema": 1, "entries": [{ "centralId": "C-1", "outlookId": "O-1", "base": {
        "title": "Ms", "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
        "mobilePhone": "0700", "email": "ann@x.com", "businessPhone": "0200",
        "businessHomePage": "https://ann.example", "homeAddress.street": "1 High St",
        "homeAddress.city": "Leeds", "homeAddress.state": "West Yorkshire",
        "homeAddress.countryOrRegion": "UK", "homeAddress.postalCode": "LS1",
        "businessAddress.street": "", "businessAddress.city": "", "businessAddress.state": "",
        "businessAddress.countryOrRegion": "", "businessAddress.postalCode": "" } }] })
}

struct Planned {
    state: State,
    reasons: Vec<Reason>,
    /// (field, direction, from, to, overwritesOutlookEdit)
    changes: Vec<(String, ChangeDirection, String, String, bool)>,
    writes: ItemWrites,
}

/// Plans `central` against `outlook` with the ledger (`None`: without one); the first item.
fn plan_one(
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
    let item = &p.items[0];
    let again = plan_with(&cs, &os, o, bases.as_ref());
    assert_eq!(p, again, "deterministic");
    Planned {
        state: item.state,
        reasons: item.reasons.clone(),
        changes: item
            .changes
            .iter()
            .map(|c| {
                let name = serde_json::to_value(c.field)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned();
                (
                    name,
                    c.direction,
                    c.from.clone(),
                    c.to.clone(),
                    c.overwrites_outlook_edit,
                )
            })
            .collect(),
        writes: p.writes_for(item, &item.changes, item.account.as_ref(), &cs, &os),
    }
}

fn edit(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn change(
    field: &str,
    d: ChangeDirection,
    from: &str,
    to: &str,
    flag: bool,
) -> (String, ChangeDirection, String, String, bool) {
    (field.into(), d, from.into(), to.into(), flag)
}

use ChangeDirection::{Conflict as BOTH, ToCentral as TO_C, ToOutlook as TO_O};

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
fn equal_values_change_nothing_whatever_the_base_says() {
    let mut l = ledger();
    l["entries"][0]["base"]["surname"] = json!("Old");
    let p = plan_one(vec![ann()], vec![ann_in_outlook()], Some(l), TWO_WAY);
    assert_eq!(p.state, State::UpToDate);
    assert!(p.changes.is_empty());
    assert_eq!(p.writes, ItemWrites::default());
}

#[test]
fn without_a_base_central_wins_toward_outlook() {
    let o = edit(ann_in_outlook(), "mobilePhone", json!("0799"));
    // A ledger with no entry for the pair (a first link)…
    let p = plan_one(
        vec![ann()],
        vec![o.clone()],
        Some(json!({"entries": []})),
        TWO_WAY,
    );
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0700", false)]
    );
    // …or an entry that names another Outlook contact.
    let mut l = ledger();
    l["entries"][0]["outlookId"] = json!("O-other");
    let p = plan_one(vec![ann()], vec![o], Some(l), TWO_WAY);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0700", false)]
    );
    assert!(p.writes.central.is_none());
}

#[test]
fn two_way_without_a_ledger_is_planned_as_to_outlook() {
    let o = edit(ann_in_outlook(), "mobilePhone", json!("0799"));
    let p = plan_one(vec![ann()], vec![o], None, TWO_WAY);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0700", false)]
    );
}

#[test]
fn a_central_edit_goes_to_outlook() {
    let c = edit(ann(), "mobile", json!("0711"));
    let p = plan_one(vec![c], vec![ann_in_outlook()], Some(ledger()), TWO_WAY);
    assert_eq!(p.state, State::Update);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0700", "0711", false)]
    );
    assert_eq!(graph_body(&p.writes)["mobilePhone"], "0711");
    assert!(p.writes.central.is_none());
}

#[test]
fn an_outlook_edit_goes_to_central_on_the_version_read() {
    let o = edit(ann_in_outlook(), "mobilePhone", json!(" 0799 "));
    let p = plan_one(vec![ann()], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(p.state, State::Update);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_C, "0700", "0799", false)]
    );
    assert!(p.writes.graph.is_none(), "Outlook already holds it");
    let patch = p.writes.central.as_ref().unwrap();
    assert_eq!(
        (patch.central_id.as_str(), patch.version.as_str()),
        ("C-1", "7")
    );
    assert_eq!(patch.body, json!({"mobile": "0799"}));
}

#[test]
fn to_outlook_mode_overwrites_an_outlook_edit_and_says_so() {
    let o = edit(ann_in_outlook(), "mobilePhone", json!("0799"));
    let p = plan_one(
        vec![ann()],
        vec![o.clone()],
        Some(ledger()),
        PlanOptions::DEFAULT,
    );
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0700", true)]
    );
    // Both moved: Central still wins in toOutlook mode, and it is still an overwrite.
    let c = edit(ann(), "mobile", json!("0711"));
    let p = plan_one(vec![c], vec![o], Some(ledger()), PlanOptions::DEFAULT);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0711", true)]
    );
    assert!(p.writes.central.is_none());
}

#[test]
fn a_field_edited_on_both_sides_is_a_conflict_by_default() {
    let c = edit(ann(), "mobile", json!("0711"));
    let o = edit(ann_in_outlook(), "mobilePhone", json!("0799"));
    let p = plan_one(vec![c], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(p.state, State::Conflict);
    assert_eq!(p.reasons, [Reason::EditedOnBothSides]);
    assert_eq!(
        p.changes,
        [change("mobilePhone", BOTH, "0711", "0799", false)]
    );
}

#[test]
fn conflicts_central_or_outlook_decide_a_field_edited_on_both_sides() {
    let c = edit(ann(), "mobile", json!("0711"));
    let o = edit(ann_in_outlook(), "mobilePhone", json!("0799"));
    let central = PlanOptions {
        conflicts: Conflicts::Central,
        ..TWO_WAY
    };
    let p = plan_one(vec![c.clone()], vec![o.clone()], Some(ledger()), central);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0711", true)]
    );
    let outlook = PlanOptions {
        conflicts: Conflicts::Outlook,
        ..TWO_WAY
    };
    let p = plan_one(vec![c], vec![o], Some(ledger()), outlook);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_C, "0711", "0799", false)]
    );
    assert_eq!(central_body(&p.writes), &json!({"mobile": "0799"}));
}

#[test]
fn different_fields_edited_on_each_side_both_survive() {
    let c = edit(ann(), "title", json!("Dr"));
    let mut o = ann_in_outlook();
    o["homeAddress"]["city"] = json!("York");
    let p = plan_one(vec![c], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.changes,
        [
            change("title", TO_O, "Ms", "Dr", false),
            change("homeAddress.city", TO_C, "Leeds", "York", false)
        ]
    );
    // Outlook gets the title and keeps its own city; Central gets the city, its address whole.
    let g = graph_body(&p.writes);
    assert_eq!(g["title"], "Dr");
    assert!(g.get("homeAddress").is_none(), "{g}");
    assert_eq!(
        central_body(&p.writes),
        &json!({"homeAddress": {"line1": "1 High St", "line2": null, "line3": null, "town": "York",
                                "county": "West Yorkshire", "country": "UK", "postcode": "LS1"}})
    );
}

#[test]
fn a_pinned_field_direction_decides_whoever_moved() {
    let o = edit(ann_in_outlook(), "mobilePhone", json!("0799"));
    let mut pins = FieldDirections::default();
    pins.0[central_o365_sync::engine::Field::MobilePhone as usize] = Some(Master::ToOutlook);
    let p = plan_one(
        vec![ann()],
        vec![o.clone()],
        Some(ledger()),
        PlanOptions {
            field_directions: pins,
            ..TWO_WAY
        },
    );
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_O, "0799", "0700", true)]
    );
    // Pinned to Central: Outlook's value wins even when Central moved too, and without a base.
    pins.0[central_o365_sync::engine::Field::MobilePhone as usize] = Some(Master::ToCentral);
    let c = edit(ann(), "mobile", json!("0711"));
    let opts = PlanOptions {
        field_directions: pins,
        ..TWO_WAY
    };
    let p = plan_one(vec![c.clone()], vec![o.clone()], Some(ledger()), opts);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_C, "0711", "0799", false)]
    );
    let p = plan_one(vec![c], vec![o], Some(json!({"entries": []})), opts);
    assert_eq!(
        p.changes,
        [change("mobilePhone", TO_C, "0711", "0799", false)]
    );
}

#[test]
fn field_directions_are_read_by_field_name_and_display_name_cannot_be_pinned() {
    let pins: FieldDirections =
        serde_json::from_value(json!({"homeAddress.city": "toCentral"})).unwrap();
    assert_eq!(
        pins.get(central_o365_sync::engine::Field::HomeCity),
        Some(Master::ToCentral)
    );
    assert!(
        serde_json::from_value::<FieldDirections>(json!({"displayName": "toCentral"})).is_err()
    );
    assert!(serde_json::from_value::<FieldDirections>(json!({"nickname": "toCentral"})).is_err());
    assert!(serde_json::from_value::<FieldDirections>(json!({"title": "sideways"})).is_err());
}

#[test]
fn an_outlook_edit_that_would_make_central_non_actionable_is_not_written() {
    for (key, value, reason) in [
        (
            "emailAddresses",
            json!([{"address": "ann at x"}]),
            Reason::MalformedEmail,
        ),
        ("surname", json!("Lee (deceased)"), Reason::Deceased),
        (
            "emailAddresses",
            json!([{"address": "bob@x.com"}]),
            Reason::DuplicateEmail,
        ),
    ] {
        let o = edit(ann_in_outlook(), key, value);
        let bob = json!({"id": "C-2", "status": "active", "firstName": "Bob", "lastName": "Roe", "email": "Bob@X.com"});
        let p = plan_one(vec![ann(), bob], vec![o], Some(ledger()), TWO_WAY);
        assert_eq!(
            (p.state, p.reasons.clone()),
            (State::NonActionable, vec![reason]),
            "{key}"
        );
    }
}

#[test]
fn a_field_emptied_in_outlook_keeps_centrals_value_unless_outlook_clears_is_clear() {
    let o = edit(ann_in_outlook(), "businessHomePage", json!(null));
    let p = plan_one(vec![ann()], vec![o.clone()], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.changes,
        [change(
            "businessHomePage",
            TO_O,
            "",
            "https://ann.example",
            true
        )]
    );
    assert_eq!(
        graph_body(&p.writes)["businessHomePage"],
        "https://ann.example"
    );
    let clear = PlanOptions {
        outlook_clears: OutlookClears::Clear,
        ..TWO_WAY
    };
    let p = plan_one(vec![ann()], vec![o], Some(ledger()), clear);
    assert_eq!(
        p.changes,
        [change(
            "businessHomePage",
            TO_C,
            "https://ann.example",
            "",
            false
        )]
    );
    assert_eq!(central_body(&p.writes), &json!({"website": null}));
    // Emptying a name under "clear" would leave Central's record without one: not written.
    let o = edit(ann_in_outlook(), "givenName", json!(""));
    let p = plan_one(vec![ann()], vec![o], Some(ledger()), clear);
    assert_eq!(
        (p.state, p.reasons),
        (State::NonActionable, vec![Reason::MissingFirstName])
    );
}

#[test]
fn a_value_emptied_in_central_clears_outlook_unless_empty_values_is_keep() {
    let c = edit(ann(), "website", json!(null));
    let p = plan_one(
        vec![c.clone()],
        vec![ann_in_outlook()],
        Some(ledger()),
        TWO_WAY,
    );
    assert_eq!(
        p.changes,
        [change(
            "businessHomePage",
            TO_O,
            "https://ann.example",
            "",
            false
        )]
    );
    let keep = PlanOptions {
        empty_values: EmptyValues::Keep,
        ..TWO_WAY
    };
    let p = plan_one(vec![c], vec![ann_in_outlook()], Some(ledger()), keep);
    assert_eq!(p.state, State::UpToDate);
}

#[test]
fn a_value_added_in_outlook_where_central_never_had_one_goes_to_central() {
    let mut o = ann_in_outlook();
    o["businessAddress"] = json!({"city": "Hull"});
    let p = plan_one(vec![ann()], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.changes,
        [change("businessAddress.city", TO_C, "", "Hull", false)]
    );
    assert_eq!(
        central_body(&p.writes),
        &json!({"businessAddress": {"line1": null, "line2": null, "line3": null, "town": "Hull",
                                    "county": null, "country": null, "postcode": null}})
    );
}

#[test]
fn a_street_goes_back_split_into_lines() {
    for (street, lines) in [
        (
            "Flat 2\nKing's Court\n9 Low St",
            json!(["Flat 2", "King's Court", "9 Low St"]),
        ),
        (
            "Flat 2, King's Court, 9 Low St",
            json!(["Flat 2", "King's Court", "9 Low St"]),
        ),
        (
            "Flat 2, Block B, King's Court, 9 Low St",
            json!(["Flat 2", "Block B", "King's Court, 9 Low St"]),
        ),
        ("9 Low St", json!(["9 Low St", null, null])),
    ] {
        let mut o = ann_in_outlook();
        o["homeAddress"]["street"] = json!(street);
        let p = plan_one(vec![ann()], vec![o], Some(ledger()), TWO_WAY);
        let a = &central_body(&p.writes)["homeAddress"];
        assert_eq!(
            json!([a["line1"], a["line2"], a["line3"]]),
            lines,
            "{street:?}"
        );
        assert_eq!(a["town"], "Leeds");
    }
}

#[test]
fn the_display_name_follows_the_names_outlook_will_hold_and_never_flows_back() {
    // Outlook renamed Ann: the name goes to Central; Outlook's display name is the user's.
    let mut o = edit(ann_in_outlook(), "givenName", json!("Annie"));
    o["displayName"] = json!("Annie Lee");
    let c = edit(ann(), "lastName", json!("Lee-Hart"));
    let p = plan_one(vec![c], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.changes,
        [
            change("givenName", TO_C, "Ann", "Annie", false),
            change("surname", TO_O, "Lee", "Lee-Hart", false),
            change("displayName", TO_O, "Annie Lee", "Annie Lee-Hart", false),
        ]
    );
    let g = graph_body(&p.writes);
    assert_eq!(
        (g["surname"].as_str(), g["displayName"].as_str()),
        (Some("Lee-Hart"), Some("Annie Lee-Hart"))
    );
    assert!(g.get("givenName").is_none());
    assert_eq!(central_body(&p.writes), &json!({"firstName": "Annie"}));
    // A display name edited alone in Outlook is put back.
    let o = edit(ann_in_outlook(), "displayName", json!("Nan"));
    let p = plan_one(vec![ann()], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.changes,
        [change("displayName", TO_O, "Nan", "Ann Lee", false)]
    );
}

#[test]
fn an_email_edited_in_outlook_keeps_the_other_addresses() {
    let mut o = ann_in_outlook();
    o["emailAddresses"][0]["address"] = json!("ann@new.example");
    let p = plan_one(vec![ann()], vec![o], Some(ledger()), TWO_WAY);
    assert_eq!(
        p.changes,
        [change("email", TO_C, "ann@x.com", "ann@new.example", false)]
    );
    assert!(p.writes.graph.is_none());
    assert_eq!(
        central_body(&p.writes),
        &json!({"email": "ann@new.example"})
    );
    // Only the case changed: the same address, nothing to write.
    let mut o = ann_in_outlook();
    o["emailAddresses"][0]["address"] = json!("ANN@x.com");
    assert_eq!(
        plan_one(vec![ann()], vec![o], Some(ledger()), TWO_WAY).state,
        State::UpToDate
    );
}
