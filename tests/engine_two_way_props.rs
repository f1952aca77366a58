//! Two-way planning as a property (DESIGN §4): for generated Central, Outlook and base states of
//! linked pairs, plan → apply the writes to both sides → record the base → plan again gives
//! every record up to date, and a field only one side changed is never written with the other
//! side's value.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use central_o365_sync::engine::decide::same;
use central_o365_sync::engine::ledger::{base_after, base_json, Written};
use central_o365_sync::engine::mapping::{outlook_value, FIELD_COUNT};
use central_o365_sync::engine::plan::plan_with;
use central_o365_sync::engine::{
    parse_central, parse_outlook, Bases, Conflicts, EmptyValues, Field, OutlookClears, PlanOptions,
    State, SyncDirection,
};
use common::{outlook_contact, with_stored_id, Folder};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Values a field may take; names and emails are never emptied (the record would become
/// non-actionable, which the rule tests cover).
fn pool(field: Field) -> &'static [&'static str] {
    match field {
        Field::GivenName | Field::Surname => &["Ann", "Bo", "Cy Dee"],
        Field::Title => &["", "Ms", "Dr"],
        Field::HomeStreet | Field::BusinessStreet => &[
            "",
            "1 High St",
            "Flat 1, 2 Low Rd",
            "Flat 1\n2 Low Rd",
            "A, B, C, D",
        ],
        _ => &["", "x1", "y 2", "Zoë"],
    }
}

/// The fields a case varies (the email too, among addresses unique to the record).
const FIELDS: [Field; 10] = [
    Field::Title,
    Field::GivenName,
    Field::Surname,
    Field::MobilePhone,
    Field::BusinessPhone,
    Field::BusinessHomePage,
    Field::HomeStreet,
    Field::HomeCity,
    Field::BusinessStreet,
    Field::BusinessPostalCode,
];

/// Per field: the base's value, and Central's and Outlook's (each the base's or another).
type Case = Vec<[usize; 3]>;

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec([0usize..5, 0usize..5, 0usize..5], FIELDS.len())
}

fn value(field: Field, k: usize) -> &'static str {
    let p = pool(field);
    p[k % p.len()]
}

/// Central's record for `id` with `values` (by field), as Central stores it.
fn central_record(id: &str, email: &str, values: &[(Field, &str)]) -> Value {
    let get = |f: Field| values.iter().find(|(g, _)| *g == f).map_or("", |(_, v)| *v);
    let nul = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
    let address = |street: Field, town: Field, post: Field| {
        let lines = central_o365_sync::engine::reverse::split_street(get(street));
        json!({"line1": lines[0], "line2": lines[1], "line3": lines[2], "town": nul(get(town)),
               "county": null, "country": null, "postcode": nul(get(post))})
    };
    json!({"id": id, "status": "active", "version": "1", "title": nul(get(Field::Title)),
           "firstName": get(Field::GivenName), "lastName": get(Field::Surname), "email": email,
           "mobile": nul(get(Field::MobilePhone)), "telephone": nul(get(Field::BusinessPhone)),
           "website": nul(get(Field::BusinessHomePage)),
           "homeAddress": address(Field::HomeStreet, Field::HomeCity, Field::HomePostalCode),
           "businessAddress": address(Field::BusinessStreet, Field::BusinessCity, Field::BusinessPostalCode)})
}

fn outlook_record(id: &str, central_id: &str, email: &str, values: &[(Field, &str)]) -> Value {
    let get = |f: Field| values.iter().find(|(g, _)| *g == f).map_or("", |(_, v)| *v);
    let phones: Vec<&str> = [get(Field::BusinessPhone)]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    with_stored_id(
        outlook_contact(
            id,
            json!({"title": get(Field::Title), "givenName": get(Field::GivenName),
                   "surname": get(Field::Surname),
                   "displayName": format!("{} {}", get(Field::GivenName), get(Field::Surname)),
                   "mobilePhone": get(Field::MobilePhone), "businessHomePage": get(Field::BusinessHomePage),
                   "emailAddresses": [{"address": email}], "businessPhones": phones,
                   "homeAddress": {"street": get(Field::HomeStreet), "city": get(Field::HomeCity)},
                   "businessAddress": {"street": get(Field::BusinessStreet), "postalCode": get(Field::BusinessPostalCode)}}),
        ),
        central_id,
    )
}

/// Applies a Central PATCH body: fields replaced, an address whole.
fn apply_central(record: &mut Value, body: &Value) {
    for (k, v) in body.as_object().unwrap() {
        record[k] = v.clone();
    }
}

fn check(cases: Vec<Case>, conflicts: Conflicts, empty: EmptyValues) -> Result<(), TestCaseError> {
    let options = PlanOptions {
        direction: SyncDirection::TwoWay,
        conflicts,
        empty_values: empty,
        // A field emptied in Outlook is written to Central too, so that "only one side
        // changed it" always means "that side's value is written".
        outlook_clears: OutlookClears::Clear,
        ..PlanOptions::DEFAULT
    };
    let mut central = Vec::new();
    let mut outlook = Vec::new();
    let mut entries = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let (cid, oid, email) = (format!("C-{n}"), format!("O-{n}"), format!("p{n}@x.com"));
        let side = |k: usize| -> Vec<(Field, &str)> {
            FIELDS
                .iter()
                .zip(case)
                .map(|(&f, v)| (f, value(f, v[k])))
                .collect()
        };
        let (b, c, o) = (side(0), side(1), side(2));
        central.push(central_record(&cid, &email, &c));
        outlook.push(outlook_record(&oid, &cid, &email, &o));
        // The base as the last run recorded it: what Outlook held then.
        let then = outlook_record(&oid, &cid, &email, &b);
        let bytes = serde_json::to_vec(&[then]).unwrap();
        let parsed = parse_outlook(&bytes).unwrap();
        let values = Field::ALL.map(|f| outlook_value(&parsed[0], f));
        let base = base_after(
            values,
            &[],
            Written {
                outlook: true,
                central: true,
            },
            None,
        );
        entries.push(json!({"centralId": cid, "outlookId": oid, "base": base_json(&base)}));
    }
    let ledger: Map<String, Value> = json!({"entries": entries}).as_object().unwrap().clone();

    let cb = serde_json::to_vec(&central).unwrap();
    let ob = serde_json::to_vec(&outlook).unwrap();
    let (cs, os) = (parse_central(&cb).unwrap(), parse_outlook(&ob).unwrap());
    let bases = Bases::read(&ledger);
    let plan = plan_with(&cs, &os, options, Some(&bases));

    let mut folder = Folder::new(outlook.clone());
    let mut central_after = central.clone();
    let mut new_entries = Vec::new();
    for item in &plan.items {
        prop_assert!(
            matches!(item.state, State::Update | State::UpToDate),
            "{:?} {:?} {:?}",
            item.state,
            item.reasons,
            item.changes
        );
        let n = item.central_index.expect("every item is an active record");
        let writes = plan.writes_for(item, &item.changes, item.account.as_ref(), &cs, &os);
        if let Some(w) = &writes.graph {
            folder.apply(w);
        }
        if let Some(p) = &writes.central {
            apply_central(&mut central_after[n], &p.body);
        }
        let o = &os[item.outlook_index.unwrap()];
        let values = Field::ALL.map(|f| outlook_value(o, f));
        let written = Written {
            outlook: true,
            central: true,
        };
        let old = bases.base(&item.central_id, o.id.as_str());
        let old = old.as_ref();
        let base = base_after(values, &item.changes, written, old);
        new_entries.push(json!({"centralId": item.central_id, "outlookId": o.id.as_str(), "base": base_json(&base)}));

        // A field only one side changed since the base takes that side's value.
        let ledger_base = old.unwrap();
        let after_c = serde_json::to_vec(&[&central_after[n]]).unwrap();
        let after_c = parse_central(&after_c).unwrap();
        let after_o = folder.as_value();
        let after_o = serde_json::to_vec(&after_o).unwrap();
        let after_o = parse_outlook(&after_o).unwrap();
        let after_o = after_o
            .iter()
            .find(|x| x.id.as_str() == o.id.as_str())
            .unwrap();
        for f in FIELDS {
            let b = ledger_base.get(f).unwrap();
            let cv = central_o365_sync::engine::mapping::central_part(&cs[n], f).value();
            let ov = outlook_value(o, f);
            let c_moved = !same(f, &cv, b);
            let o_moved = !same(f, ov, b);
            let now_c = central_o365_sync::engine::mapping::central_part(&after_c[0], f).value();
            let now_o = outlook_value(after_o, f);
            if c_moved && !o_moved && !(cv.is_empty() && empty == EmptyValues::Keep) {
                prop_assert!(
                    same(f, now_o, &cv),
                    "{f:?}: Outlook {now_o:?}, Central's {cv:?}"
                );
                prop_assert!(
                    same(f, &now_c, &cv),
                    "{f:?}: Central {now_c:?} moved from {cv:?}"
                );
            }
            if o_moved && !c_moved {
                prop_assert!(
                    same(f, &now_c, ov),
                    "{f:?}: Central {now_c:?}, Outlook's {ov:?}"
                );
                prop_assert!(
                    same(f, now_o, ov),
                    "{f:?}: Outlook {now_o:?} moved from {ov:?}"
                );
            }
        }
    }

    // Plan again over both sides as written and the new bases: nothing left to do.
    let ledger: Map<String, Value> = json!({"entries": new_entries}).as_object().unwrap().clone();
    let cb = serde_json::to_vec(&central_after).unwrap();
    let ob = serde_json::to_vec(&folder.as_value()).unwrap();
    let (cs2, os2) = (parse_central(&cb).unwrap(), parse_outlook(&ob).unwrap());
    let bases2 = Bases::read(&ledger);
    let again = plan_with(&cs2, &os2, options, Some(&bases2));
    for item in &again.items {
        prop_assert_eq!(item.state, State::UpToDate, "{:?}", item.changes);
    }
    Ok(())
}

fn conflicts() -> impl Strategy<Value = Conflicts> {
    prop_oneof![Just(Conflicts::Central), Just(Conflicts::Outlook)]
}

fn empty_values() -> impl Strategy<Value = EmptyValues> {
    prop_oneof![Just(EmptyValues::Clear), Just(EmptyValues::Keep)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn plan_apply_replan_is_up_to_date_and_one_sided_edits_keep_their_side(
        cases in prop::collection::vec(case(), 1..6),
        conflicts in conflicts(),
        empty in empty_values(),
    ) {
        check(cases, conflicts, empty)?;
    }
}

#[test]
fn the_generator_reaches_every_kind_of_field_decision() {
    // One case per kind: both equal, only Central moved, only Outlook moved, both moved.
    let kinds: Case = vec![
        [1, 1, 1],
        [1, 2, 1],
        [1, 1, 2],
        [1, 2, 3],
        [0, 1, 0],
        [0, 0, 1],
        [2, 3, 4],
        [3, 1, 2],
        [1, 3, 0],
        [4, 2, 4],
    ];
    assert_eq!(kinds.len(), FIELDS.len());
    for conflicts in [Conflicts::Central, Conflicts::Outlook] {
        for empty in [EmptyValues::Clear, EmptyValues::Keep] {
            check(vec![kinds.clone()], conflicts, empty).unwrap();
        }
    }
    let _ = FIELD_COUNT;
}
