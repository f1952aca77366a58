//! Property tests of the engine: applying a plan converges, no Outlook contact is targeted
//! twice, arbitrary JSON never panics, and planning is deterministic.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod oracle;

use std::collections::HashSet;

use central_o365_sync::engine::{self, EmptyValues, PlanOptions, State, Write};
use common::{outlook_contact, with_stored_id, writes, Folder};
use oracle::packed_reader::{pack_plan, to_value};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

// Small pools so that collisions (shared emails, stored ids, equal values) happen often.
const NAMES: &[&str] = &[
    "John", "Jane", "Priya", "O'Neil", "Zoë", "  Ann  ", "Deceased", "", "Mary Ann",
];
const EMAILS: &[&str] = &[
    "a@x.com",
    "A@X.com",
    "b@x.com",
    " c@x.com ",
    "d@x.co.uk",
    "bad",
    "",
    "e@x.com",
    "f@x.com",
];
const VALUES: &[&str] = &[
    "",
    "Leeds",
    "leeds",
    "  York  ",
    "10 Long  Street",
    "+44 7700 900123",
    "Mr",
    "https://x.org",
    "Straße 😀",
];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::sample::select(pool).prop_map(|s| json!(s)),
        1 => Just(Value::Null),
    ]
}

fn central_address() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        3 => (pick(VALUES), pick(VALUES), pick(VALUES), pick(VALUES), pick(VALUES), pick(VALUES), pick(VALUES))
            .prop_map(|(a, b, c, t, co, cy, p)| json!({ "line1": a, "line2": b, "line3": c, "town": t,
                                                        "county": co, "country": cy, "postcode": p })),
    ]
}

fn central_contacts() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(
        (
            0..12u8,
            prop::sample::select(&["active", "Active", "inactive"][..]),
            (pick(VALUES), pick(NAMES), pick(NAMES), pick(EMAILS)),
            (pick(VALUES), pick(VALUES), pick(VALUES)),
            (central_address(), central_address()),
        )
            .prop_map(|(id, status, (title, first, last, email), (mobile, tel, web), (home, business))| {
                json!({ "id": format!("C-{id}"), "status": status, "title": title, "firstName": first,
                        "lastName": last, "email": email, "mobile": mobile, "telephone": tel, "website": web,
                        "homeAddress": home, "businessAddress": business })
            }),
        0..10,
    )
}

fn outlook_address() -> impl Strategy<Value = Value> {
    (
        pick(VALUES),
        pick(VALUES),
        pick(VALUES),
        pick(VALUES),
        pick(VALUES),
    )
        .prop_map(|(s, c, st, co, p)| {
            let mut a = Map::new();
            for (k, v) in ["street", "city", "state", "countryOrRegion", "postalCode"]
                .iter()
                .zip([s, c, st, co, p])
            {
                if !v.is_null() {
                    a.insert((*k).into(), v);
                }
            }
            Value::Object(a)
        })
}

fn outlook_contacts() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(
        (
            (pick(VALUES), pick(NAMES), pick(NAMES), pick(NAMES)),
            prop::collection::vec(prop::sample::select(EMAILS), 0..4),
            prop::collection::vec(prop::sample::select(VALUES), 0..3),
            (outlook_address(), outlook_address()),
            prop::option::of(0..12u8),
        ),
        0..10,
    )
    .prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(
                |(
                    n,
                    ((title, given, surname, display), emails, phones, (home, business), stored),
                )| {
                    let emails: Vec<Value> = emails
                        .iter()
                        .map(|e| json!({ "name": "X", "address": e }))
                        .collect();
                    let c = outlook_contact(
                        &format!("O-{n}"),
                        json!({ "title": title, "givenName": given, "surname": surname,
                    "displayName": display, "emailAddresses": emails, "businessPhones": phones,
                    "homeAddress": home, "businessAddress": business }),
                    );
                    match stored {
                        Some(id) => with_stored_id(c, &format!("C-{id}")),
                        None => c,
                    }
                },
            )
            .collect()
    })
}

fn options() -> impl Strategy<Value = PlanOptions> {
    prop::sample::select(&[EmptyValues::Clear, EmptyValues::Keep][..]).prop_map(|empty_values| {
        PlanOptions {
            empty_values,
            ..PlanOptions::DEFAULT
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// (a) Applying the planned bodies to a folder, then planning again, leaves every item that
    /// was `new` or `update` `upToDate`, every other item as it was, and orphans untouched.
    #[test]
    fn applying_the_plan_makes_every_actionable_record_up_to_date(
        central in central_contacts(), outlook in outlook_contacts(), opts in options()
    ) {
        let central = Value::Array(central);
        let (before, ws) = writes(&central, &Value::Array(outlook.clone()), opts);
        let mut folder = Folder::new(outlook.clone());
        for w in &ws {
            folder.apply(w);
        }
        let (after, again) = writes(&central, &folder.as_value(), opts);
        prop_assert!(again.is_empty(), "second plan still writes: {:?}", again);
        prop_assert_eq!(before.items.len(), after.items.len());
        for (b, a) in before.items.iter().zip(&after.items) {
            match b.state {
                State::New | State::Update | State::UpToDate => prop_assert_eq!(a.state, State::UpToDate),
                other => prop_assert_eq!(a.state, other),
            }
        }
        // Contacts that no write targeted are byte-for-byte unchanged.
        let targeted: HashSet<&str> = ws.iter().filter_map(|w| match w {
            Write::Update { outlook_id, .. } | Write::Move { outlook_id, .. } => Some(outlook_id.as_str()),
            Write::Delete(d) => Some(d.outlook_id.as_str()),
            Write::Create { .. } => None,
        }).collect();
        for (old, new) in outlook.iter().zip(&folder.contacts) {
            if !targeted.contains(old["id"].as_str().unwrap()) {
                prop_assert_eq!(old, new);
            }
        }
        prop_assert_eq!(&before.orphans, &after.orphans);
    }

    /// (b) No Outlook contact is the target of two items, and none is both linked and an orphan.
    #[test]
    fn no_outlook_contact_is_targeted_twice(
        central in central_contacts(), outlook in outlook_contacts(), opts in options()
    ) {
        let (p, _) = writes(&Value::Array(central), &Value::Array(outlook), opts);
        let mut seen = HashSet::new();
        for id in p.items.iter().filter_map(|i| i.outlook_id.as_deref()) {
            prop_assert!(seen.insert(id), "{} linked twice", id);
        }
        for o in &p.orphans {
            prop_assert!(!seen.contains(o.outlook_id.as_ref()));
        }
    }

    /// (c) Any JSON values inside records never panic; a non-object record is an input error.
    #[test]
    fn arbitrary_json_records_never_panic(
        central in prop::collection::vec(json_record(), 0..6), outlook in prop::collection::vec(json_record(), 0..6)
    ) {
        let c = serde_json::to_vec(&central).unwrap();
        let o = serde_json::to_vec(&outlook).unwrap();
        let all_objects = central.iter().chain(&outlook).all(Value::is_object);
        let result = engine::plan_json(&c, &o, PlanOptions::default());
        prop_assert_eq!(result.is_ok(), all_objects);
        if let Ok(p) = result {
            prop_assert!(p.items.len() + p.excluded == central.len());
        }
    }

    /// (d) The same input gives the same plan, serialized byte for byte.
    #[test]
    fn same_input_gives_the_same_plan(
        central in central_contacts(), outlook in outlook_contacts(), opts in options()
    ) {
        let (a, wa) = writes(&Value::Array(central.clone()), &Value::Array(outlook.clone()), opts);
        let (b, wb) = writes(&Value::Array(central), &Value::Array(outlook), opts);
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        prop_assert_eq!(wa, wb);
    }

    /// (e) `planSync`'s path, which looks at each record as it is read, packs exactly the plan
    /// that `plan` makes of the parsed records.
    #[test]
    fn planning_while_reading_gives_the_plan_of_the_parsed_records(
        central in central_contacts(), outlook in outlook_contacts(), opts in options()
    ) {
        let c = serde_json::to_vec(&central).unwrap();
        let o = serde_json::to_vec(&outlook).unwrap();
        let packed = engine::plan_packed(&c, &o, opts).unwrap();
        prop_assert_eq!(Ok(packed.clone()), planned_after_reading(&c, &o, opts));
        // And the packing reads back as the plan itself serializes.
        let plan = engine::plan_json(&c, &o, opts).unwrap();
        prop_assert_eq!(to_value(&packed), Ok(serde_json::to_value(&plan).unwrap()));
    }

    /// (e) The same for arbitrary JSON records, errors included.
    #[test]
    fn planning_while_reading_arbitrary_records_gives_the_plan_of_the_parsed_records(
        central in prop::collection::vec(json_record(), 0..6), outlook in prop::collection::vec(json_record(), 0..6)
    ) {
        let c = serde_json::to_vec(&central).unwrap();
        let o = serde_json::to_vec(&outlook).unwrap();
        let opts = PlanOptions::default();
        let packed = engine::plan_packed(&c, &o, opts);
        prop_assert_eq!(&packed, &planned_after_reading(&c, &o, opts));
        // And the packing reads back as the plan itself serializes, whatever its strings.
        if let (Ok(packed), Ok(plan)) = (packed, engine::plan_json(&c, &o, opts)) {
            prop_assert_eq!(to_value(&packed), Ok(serde_json::to_value(&plan).unwrap()));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// (f) Every item shows its record's first and last name, trimmed and joined by one space,
    /// its trimmed email and no company, whatever else the plan decides about it.
    #[test]
    fn every_item_shows_its_records_name_and_email(
        central in central_contacts(), outlook in outlook_contacts(), opts in options()
    ) {
        let p = common::plan_values(&Value::Array(central.clone()), &Value::Array(outlook), opts);
        let text = |v: &Value| v.as_str().unwrap_or("").trim().to_owned();
        let active: Vec<&Value> = central
            .iter()
            .filter(|c| c["status"].as_str().unwrap().eq_ignore_ascii_case("active"))
            .collect();
        prop_assert_eq!(p.items.len(), active.len());
        for (item, c) in p.items.iter().zip(active) {
            let (first, last) = (text(&c["firstName"]), text(&c["lastName"]));
            let name = [first, last].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(item.display.name(), name.as_str());
            let email = text(&c["email"]);
            prop_assert_eq!(item.display.email.as_ref(), email.as_str());
            prop_assert_eq!(item.display.company.as_ref(), "");
        }
    }
}

/// The plan packed the long way: parse both inputs in full, then plan.
fn planned_after_reading(
    c: &[u8],
    o: &[u8],
    opts: PlanOptions,
) -> Result<engine::PackedPlan, engine::InputError> {
    engine::plan_json(c, o, opts).map(|p| pack_plan(&p))
}

/// Lone surrogate escapes (which `JSON.stringify` writes for a JS string holding one) read as
/// U+FFFD on both paths, and each record counts once.
#[test]
fn planning_while_reading_reads_lone_surrogates_as_the_parsed_records_do() {
    let c = br#"[{"id":"C-1","status":"active","firstName":"Ann","lastName":"Lee","email":"a@x.com"},
               {"id":"C-2","status":"active","firstName":"Bo\ud800","lastName":"Lee","email":"b@x.com"}]"#;
    let o = br#"[{"id":"O-1","emailAddresses":[{"address":"a@x.com"}],"givenName":"Ann"},
               {"id":"O-2","emailAddresses":[{"address":"b@x.com"}],"givenName":"Bo\udc00"}]"#;
    let opts = PlanOptions::default();
    let packed = engine::plan_packed(c, o, opts).unwrap();
    assert_eq!(Ok(packed.clone()), planned_after_reading(c, o, opts));
    let plan = to_value(&packed).unwrap();
    assert_eq!(
        plan["summary"],
        json!({"new": 0, "update": 2, "upToDate": 0, "nonActionable": 0, "conflict": 0,
               "deleteInOutlook": 0, "deleteInCentral": 0, "restoreInOutlook": 0, "createInCentral": 0})
    );
    assert_eq!(column(&plan["items"], "outlookId"), ["O-1", "O-2"]);
    // Both given names read as "Bo\u{fffd}": not a change.
    assert_eq!(
        column(&plan["items"][1]["changes"], "field"),
        ["surname", "displayName"]
    );
}

/// The string `key` of every object in the array `list`.
fn column<'v>(list: &'v Value, key: &str) -> Vec<&'v str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap())
        .collect()
}

/// Any JSON value, biased to objects keyed by the fields the engine reads.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(EMAILS).prop_map(Value::from),
        Just(json!("active")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(
            &[
                "id",
                "status",
                "title",
                "firstName",
                "lastName",
                "email",
                "mobile",
                "telephone",
                "website",
                "homeAddress",
                "businessAddress",
                "line1",
                "town",
                "givenName",
                "surname",
                "displayName",
                "emailAddresses",
                "businessPhones",
                "address",
                "name",
                "street",
                "city",
                "value",
                "singleValueExtendedProperties",
                "@odata.etag",
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-z]{1,6}",
    ]
}

fn json_record() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::collection::vec((key(), json_value()), 0..12).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        1 => json_value(),
    ]
}
