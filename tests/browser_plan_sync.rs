//! `planSync` called the way JavaScript calls it, in headless Chromium: JS values in, the exact
//! plan shape out, bad input → `Error` with `code: "invalidInput"`.
#![cfg(target_arch = "wasm32")]

#[path = "../benches/fixture.rs"]
mod fixture;

use central_o365_sync::engine::{plan_json, PlanOptions};
use central_o365_sync::plan_sync;
use js_sys::{Array, Error, Reflect, Uint8Array, JSON};
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

fn text(v: &JsValue) -> String {
    JSON::stringify(v).unwrap().into()
}

const CENTRAL: &str = r#"[
  {"id":"C-1","status":"active","title":"Mr","firstName":"John","lastName":"Smith","email":"john@outlook.com",
   "homeAddress":{"line1":"Flat 1","line2":"King's Court","line3":"10 Long Street","town":"Leeds","county":null,"country":"United Kingdom","postcode":"LS1 4AB"}},
  {"id":"C-2","status":"inactive","firstName":"Gone","lastName":"Away","email":"gone@x.com"},
  {"id":"C-3","status":"active","firstName":"Ann","lastName":"Deceased","email":"John Smith <john@outlook.com>"},
  {"id":"C-4","status":"active","firstName":"Priya","lastName":"Patel","email":"priya@x.com"}
]"#;

const OUTLOOK: &str = r#"[
  {"@odata.etag":"W/\"x\"","id":"AAMk1","title":"Dr","givenName":"John","surname":"Smith","displayName":"John Smith",
   "emailAddresses":[{"name":"John Smith","address":"JOHN@outlook.com"}],"businessPhones":[],
   "homeAddress":{"street":"Flat 1, King's Court, 10 Long Street","city":"Leeds","countryOrRegion":"United Kingdom","postalCode":"LS1 4AB"},
   "businessAddress":{},
   "singleValueExtendedProperties":[{"id":"String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId","value":"C-1"}]},
  {"id":"AAMk2","displayName":"Someone Else","emailAddresses":[{"address":"else@x.com"}]}
]"#;

const EXPECTED: &str = r#"{"items":[{"centralId":"C-1","outlookId":"AAMk1","type":"contact","state":"update","reasons":[],"changes":[{"field":"title","from":"Dr","to":"Mr","direction":"toOutlook"}],"linkedBy":"id","account":null,"display":{"name":"John Smith","email":"john@outlook.com","company":""}},{"centralId":"C-3","outlookId":null,"type":"contact","state":"nonActionable","reasons":["deceased","malformedEmail"],"changes":[],"linkedBy":null,"account":null,"display":{"name":"Ann Deceased","email":"John Smith <john@outlook.com>","company":""}},{"centralId":"C-4","outlookId":null,"type":"contact","state":"new","reasons":[],"changes":[],"linkedBy":null,"account":null,"display":{"name":"Priya Patel","email":"priya@x.com","company":""}}],"excluded":1,"orphans":[{"outlookId":"AAMk2","email":"else@x.com","displayName":"Someone Else"}],"summary":{"new":1,"update":1,"upToDate":0,"nonActionable":1,"conflict":0,"deleteInOutlook":0,"deleteInCentral":0,"restoreInOutlook":0,"createInCentral":0}}"#;

#[wasm_bindgen_test]
fn plan_sync_with_js_arrays_returns_the_exact_plan() {
    let plan = plan_sync(js(CENTRAL), js(OUTLOOK), JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&plan), EXPECTED);
    // A real JS array of plain objects, not a string.
    let items = Reflect::get(&plan, &"items".into()).unwrap();
    assert!(Array::is_array(&items));
}

#[wasm_bindgen_test]
fn plan_sync_accepts_json_text_and_utf8_bytes() {
    let from_text = plan_sync(CENTRAL.into(), OUTLOOK.into(), js("{}")).unwrap();
    let central = Uint8Array::from(CENTRAL.as_bytes());
    let outlook = Uint8Array::from(OUTLOOK.as_bytes());
    let from_bytes = plan_sync(central.into(), outlook.into(), JsValue::NULL).unwrap();
    assert_eq!(text(&from_text), EXPECTED);
    assert_eq!(text(&from_bytes), EXPECTED);
}

/// `planSync`'s objects (built in JS from the packed plan) against the plan's own `serde_json`
/// text, planned natively in the same module.
fn assert_objects_are_the_plans_text(central: &[u8], outlook: &[u8], options: &str) {
    let plan = plan_sync(
        Uint8Array::from(central).into(),
        Uint8Array::from(outlook).into(),
        js(options),
    )
    .unwrap();
    let options: PlanOptions = serde_json::from_str(options).unwrap();
    let expected = serde_json::to_string(&plan_json(central, outlook, options).unwrap()).unwrap();
    assert_eq!(text(&plan), expected);
}

#[wasm_bindgen_test]
fn plan_objects_hold_every_string_whole_and_every_key_in_order() {
    // Every state, both links, reasons, changes and orphans; strings with escapes, accents,
    // characters beyond the Basic Multilingual Plane and U+2028, ids included.
    let odd = "q\"b\\s/\u{1}\n\t\u{7f}é€😀\u{2028}";
    let central = json!([
        {"id": "C-é😀1", "status": "active", "title": "Dr", "firstName": format!("Zoë{odd}"),
         "lastName": "Ørsted", "email": "zoe@x.com", "mobile": "😀",
         "homeAddress": {"line1": "Flat 1", "line2": "King's Court", "town": odd, "country": "España"}},
        {"id": "C-2", "status": "active", "firstName": "Ann", "lastName": "Lee", "email": "ann@x.com"},
        {"id": "C-3", "status": "active", "firstName": "Bo", "lastName": "Lee", "email": "bo@x.com"},
        {"id": "C-4", "status": "active", "firstName": "Cy", "lastName": "Deceased", "email": "bad"},
        {"id": "C-5", "status": "active", "firstName": "Di", "lastName": "Lee", "email": "di@x.com"},
        {"id": "C-6", "status": "inactive", "firstName": "Ed", "lastName": "Lee", "email": "ed@x.com"},
    ]);
    let outlook = json!([
        {"id": "O-é1", "givenName": "Zoe", "surname": "Ørsted", "emailAddresses": [{"address": "ZOE@x.com"}],
         "homeAddress": {"city": "Ω"}},
        {"id": "O-2", "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
         "emailAddresses": [{"address": "ann@x.com"}], "businessPhones": [], "homeAddress": {}, "businessAddress": {},
         "singleValueExtendedProperties": [{"id": central_o365_sync::engine::CENTRAL_ID_PROPERTY, "value": "C-2"}]},
        {"id": "O-3a", "emailAddresses": [{"address": "di@x.com"}]},
        {"id": "O-3b", "emailAddresses": [{"address": "di@x.com"}]},
        {"id": "O-😀", "displayName": odd, "emailAddresses": [{"address": "ö@x.com"}]},
    ]);
    let (c, o) = (central.to_string(), outlook.to_string());
    for options in [r#"{"emptyValues":"clear"}"#, r#"{"emptyValues":"keep"}"#] {
        assert_objects_are_the_plans_text(c.as_bytes(), o.as_bytes(), options);
    }
    let plan = text(&plan_sync(c.into(), o.into(), JsValue::UNDEFINED).unwrap());
    for state in [
        "new",
        "update",
        "upToDate",
        "nonActionable",
        "conflict",
        "\"id\"",
        "\"email\"",
    ] {
        assert!(plan.contains(state), "{state} in {plan}");
    }
    assert!(
        plan.contains(r#""centralId":"C-é😀1","outlookId":"O-é1""#),
        "{plan}"
    );
    assert!(plan.contains(r#""outlookId":"O-😀""#), "{plan}");
}

#[wasm_bindgen_test]
fn plan_sync_takes_the_accounts_and_links_a_company_typed_in_outlook() {
    let central = json!([
        {"id": "C-1", "status": "active", "accountId": "A-1", "firstName": "Ann", "lastName": "Lee", "email": "ann@x.com"},
        {"id": "C-2", "status": "active", "accountId": "A-2", "firstName": "Bo", "lastName": "Lee", "email": "bo@x.com"},
    ]);
    let outlook = json!([
        {"id": "O-1", "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee", "companyName": "globex",
         "emailAddresses": [{"address": "ann@x.com"}],
         "singleValueExtendedProperties": [{"id": central_o365_sync::engine::CENTRAL_ID_PROPERTY, "value": "C-1"}]},
    ]);
    let accounts = json!([
        {"id": "A-1", "status": "active", "name": "Acme Ltd"},
        {"id": "A-2", "status": "active", "name": "Globex Corporation"},
    ])
    .to_string();
    let ledger = json!({"entries": [{"centralId": "C-1", "outlookId": "O-1", "base": {
        "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee", "email": "ann@x.com",
        "companyName": "Acme Ltd"}}]});
    // As JS objects and as JSON text.
    for given in [js(&accounts), JsValue::from(accounts.as_str())] {
        let options = js(&json!({"direction": "twoWay", "ledger": ledger}).to_string());
        Reflect::set(&options, &"accounts".into(), &given).unwrap();
        let plan = plan_sync(
            central.to_string().into(),
            outlook.to_string().into(),
            options,
        )
        .unwrap();
        let items = Reflect::get(&plan, &"items".into()).unwrap();
        let item = |n: u32| text(&Reflect::get(&items, &n.into()).unwrap());
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&item(0)).unwrap(),
            json!({"centralId": "C-1", "outlookId": "O-1", "type": "contact", "state": "update", "reasons": [],
                   "changes": [
                       {"field": "companyName", "from": "Acme Ltd", "to": "globex", "direction": "toCentral"},
                       {"field": "companyName", "from": "globex", "to": "Globex Corporation", "direction": "toOutlook"}],
                   "linkedBy": "id",
                   "account": {"id": "A-2", "name": "Globex Corporation", "matchedBy": "substring"},
                   "display": {"name": "Ann Lee", "email": "ann@x.com", "company": "Acme Ltd"}})
        );
        assert!(item(1).contains(r#""state":"new""#), "{}", item(1));
        assert!(
            item(1).contains(r#""company":"Globex Corporation""#),
            "{}",
            item(1)
        );
    }
    for bad in [
        r#"{"accounts": 7}"#,
        r#"{"accounts": "{}"}"#,
        r#"{"accounts": {"id": "A-1"}}"#,
    ] {
        let msg = invalid_input(js("[]"), js("[]"), js(bad));
        assert!(msg.contains("accounts"), "{msg}");
    }
}

#[wasm_bindgen_test]
fn plan_sync_types_each_contact_by_its_folder() {
    let central = json!([
        {"id": "C-1", "status": "active", "type": "individual", "firstName": "Ann", "lastName": "Lee", "email": "ann@x.com"},
    ]);
    let outlook = json!([
        {"id": "O-1", "parentFolderId": "F-C", "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
         "emailAddresses": [{"address": "ann@x.com"}],
         "singleValueExtendedProperties": [{"id": central_o365_sync::engine::CENTRAL_ID_PROPERTY, "value": "C-1"}]},
    ]);
    let options = js(r#"{"folders": {"contact": "F-C", "individual": "F-I"}}"#);
    let plan = plan_sync(
        central.to_string().into(),
        outlook.to_string().into(),
        options,
    )
    .unwrap();
    let item =
        text(&Reflect::get(&Reflect::get(&plan, &"items".into()).unwrap(), &0.into()).unwrap());
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&item).unwrap()["changes"],
        json!([{"field": "type", "from": "contact", "to": "individual", "direction": "toOutlook"}])
    );
    // In the individuals' folder it is up to date; without `folders`, folders are not looked at.
    let moved = outlook.to_string().replace("F-C", "F-I");
    for (outlook, options) in [
        (
            moved.as_str(),
            r#"{"folders": {"contact": "F-C", "individual": "F-I"}}"#,
        ),
        (&outlook.to_string(), "{}"),
    ] {
        let plan = plan_sync(central.to_string().into(), outlook.into(), js(options)).unwrap();
        let items = text(&Reflect::get(&plan, &"items".into()).unwrap());
        assert!(items.contains(r#""state":"upToDate""#), "{items}");
    }
    for bad in [
        r#"{"folders": {"contact": "F", "individual": "F"}}"#,
        r#"{"folders": {"contact": "F", "organisation": "A"}}"#,
        r#"{"folders": "F"}"#,
    ] {
        let message = invalid_input(
            central.to_string().into(),
            outlook.to_string().into(),
            js(bad),
        );
        assert!(message.contains("folders"), "{bad}: {message}");
    }
}

#[wasm_bindgen_test]
fn plan_objects_of_the_bench_fixture_are_the_plans_text() {
    let (central, outlook) = fixture::fixture_json(2_000);
    assert_objects_are_the_plans_text(&central, &outlook, "{}");
}

#[wasm_bindgen_test]
fn empty_values_keep_leaves_outlook_values_alone() {
    let central = r#"[{"id":"C-1","status":"active","firstName":"John","lastName":"Smith","email":"john@outlook.com"}]"#;
    let outlook = r#"[{"id":"A","givenName":"John","surname":"Smith","displayName":"John Smith","title":"Dr",
        "emailAddresses":[{"address":"john@outlook.com"}]}]"#;
    let keep = plan_sync(js(central), js(outlook), js(r#"{"emptyValues":"keep"}"#)).unwrap();
    let clear = plan_sync(js(central), js(outlook), js(r#"{"emptyValues":"clear"}"#)).unwrap();
    assert_eq!(
        text(&Reflect::get(&keep, &"summary".into()).unwrap()),
        r#"{"new":0,"update":0,"upToDate":1,"nonActionable":0,"conflict":0,"deleteInOutlook":0,"deleteInCentral":0,"restoreInOutlook":0,"createInCentral":0}"#
    );
    let items = Reflect::get(&clear, &"items".into()).unwrap();
    assert_eq!(
        text(&Reflect::get(&Array::from(&items).get(0), &"changes".into()).unwrap()),
        r#"[{"field":"title","from":"Dr","to":"","direction":"toOutlook"}]"#
    );
}

#[wasm_bindgen_test]
fn odd_values_inside_records_never_throw() {
    let central = r#"[{"id":7,"status":"active","firstName":{"a":[1,2]},"lastName":[null],"email":12.5,
        "homeAddress":"somewhere","businessAddress":{"line1":true}},{"status":"active"},{}]"#;
    let outlook =
        r#"[{"id":5},{"id":"X","emailAddresses":"nope","singleValueExtendedProperties":{}}]"#;
    let plan = plan_sync(js(central), js(outlook), JsValue::UNDEFINED).unwrap();
    let items = Array::from(&Reflect::get(&plan, &"items".into()).unwrap());
    assert_eq!(items.length(), 2);
    assert_eq!(
        text(&Reflect::get(&items.get(0), &"reasons".into()).unwrap()),
        r#"["malformedEmail","invalidRecord"]"#
    );
    assert_eq!(
        text(&Reflect::get(&items.get(1), &"reasons".into()).unwrap()),
        r#"["missingEmail","missingFirstName","missingLastName","invalidRecord"]"#
    );
    // What holds no text shows as "", a number as its text.
    assert_eq!(
        text(&Reflect::get(&items.get(0), &"display".into()).unwrap()),
        r#"{"name":"","email":"12.5","company":""}"#
    );
    assert_eq!(
        text(&Reflect::get(&items.get(1), &"display".into()).unwrap()),
        r#"{"name":"","email":"","company":""}"#
    );
    assert_eq!(
        Reflect::get(&plan, &"excluded".into()).unwrap(),
        JsValue::from(1)
    );
}

fn invalid_input(central: JsValue, outlook: JsValue, options: JsValue) -> String {
    let err = plan_sync(central, outlook, options).expect_err("must throw");
    let err: Error = err.dyn_into().expect("a real JS Error");
    assert_eq!(
        Reflect::get(&err, &"code".into()).unwrap(),
        JsValue::from("invalidInput")
    );
    err.message().into()
}

#[wasm_bindgen_test]
fn input_that_is_not_an_array_of_objects_throws_invalid_input() {
    let msg = invalid_input(js(r#"{"id":"C-1"}"#), js("[]"), JsValue::UNDEFINED);
    assert!(msg.contains("centralContacts"), "{msg}");
    invalid_input(js("[]"), js("[1,2]"), JsValue::UNDEFINED);
    invalid_input(js("[[]]"), js("[]"), JsValue::UNDEFINED);
    invalid_input(JsValue::UNDEFINED, js("[]"), JsValue::UNDEFINED);
    invalid_input(JsValue::from(42), js("[]"), JsValue::UNDEFINED);
    invalid_input("not json".into(), js("[]"), JsValue::UNDEFINED);
    // An array holding undefined becomes [null]: not an object.
    let holey = Array::new();
    holey.push(&JsValue::UNDEFINED);
    invalid_input(holey.into(), js("[]"), JsValue::UNDEFINED);
}

#[wasm_bindgen_test]
fn unknown_or_bad_options_throw_invalid_input() {
    let msg = invalid_input(js("[]"), js("[]"), js(r#"{"emptyValues":"bogus"}"#));
    assert!(msg.contains("options"), "{msg}");
    invalid_input(js("[]"), js("[]"), js(r#"{"emptyvalues":"keep"}"#));
    invalid_input(js("[]"), js("[]"), JsValue::from("keep"));
}

#[wasm_bindgen_test]
fn a_cyclic_array_throws_invalid_input_instead_of_hanging() {
    let a = Array::new();
    let o = js("{}");
    Reflect::set(&o, &"self".into(), &o).unwrap();
    a.push(&o);
    invalid_input(a.into(), js("[]"), JsValue::UNDEFINED);
}
