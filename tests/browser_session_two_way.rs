//! Two-way sync in headless Chromium against the emulator: an Outlook edit reaches Central; a
//! Central edit and an Outlook edit of different fields both survive; the same field edited on
//! both sides is a conflict until resolved; a Central 412 is planned again and written.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn synced(n: usize) -> (Value, js_sys::Function, String) {
    synced_once("tw", "TwoWay", n).await
}

/// The Outlook contact of a Central id.
async fn outlook_of(folder: &str, central_id: &str) -> Value {
    folder_contacts(DEMO_USER, folder)
        .await
        .into_iter()
        .find(|c| c["centralId"] == central_id)
        .unwrap_or_else(|| panic!("{central_id} is not in the folder"))
}

async fn edit_in_outlook(folder: &str, central_id: &str, patch: Value) {
    let id = outlook_of(folder, central_id).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{id}"),
        Some(patch),
    )
    .await;
}

async fn central_record(id: &str) -> Value {
    control("GET", "central/contacts", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap()
}

async fn edit_in_central(id: &str, patch: Value) {
    control("PATCH", &format!("central/contacts/{id}"), Some(patch)).await;
}

fn item<'a>(p: &'a Value, id: &str) -> &'a Value {
    p["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["centralId"] == id)
        .unwrap()
}

#[wasm_bindgen_test]
async fn an_outlook_edit_reaches_central_and_the_next_plan_is_up_to_date() {
    let (config, get_token, folder) = synced(4).await;
    edit_in_outlook(
        &folder,
        "C-tw-00001",
        json!({ "mobilePhone": "+44 7700 900999" }),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["update"], 1, "{}", p["summary"]);
    assert_eq!(
        item(&p, "C-tw-00001")["changes"],
        json!([{ "field": "mobilePhone", "from": "+44 7700 900123", "to": "+44 7700 900999", "direction": "toCentral" }])
    );
    reset_stats().await;
    let result = run(&s, &ids_in(&p, &["update"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["updatedInCentral"], 1, "{result}");
    assert_eq!(result["updated"], 0);
    assert_eq!(result["records"][0]["action"], "updatedInCentral");
    let st = stats().await;
    assert_eq!(st["centralWrites"], json!({ "PATCH": 1 }), "{st}");
    assert_eq!(st["batchItems"], 0, "Outlook already holds it: {st}");
    assert_eq!(
        central_record("C-tw-00001").await["mobile"],
        "+44 7700 900999"
    );
    let again = plan(&s).await;
    assert_eq!(again["summary"]["upToDate"], 4, "{}", again["summary"]);
}

#[wasm_bindgen_test]
async fn a_central_edit_and_an_outlook_edit_of_different_fields_both_survive() {
    let (config, get_token, folder) = synced(3).await;
    edit_in_central("C-tw-00002", json!({ "title": "Dr" })).await;
    edit_in_outlook(
        &folder,
        "C-tw-00002",
        json!({ "homeAddress": {
        "street": "Flat 1\nKing's Court\n10 Long Street", "city": "York", "state": "West Yorkshire",
        "countryOrRegion": "United Kingdom", "postalCode": "LS1 4AB" } }),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    let changes = &item(&p, "C-tw-00002")["changes"];
    assert_eq!(
        *changes,
        json!([{ "field": "title", "from": "Ms", "to": "Dr", "direction": "toOutlook" },
               { "field": "homeAddress.city", "from": "Leeds", "to": "York", "direction": "toCentral" }]),
        "the street on separate lines is the same street"
    );
    let result = run(&s, &ids_in(&p, &["update"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    let r = &result["records"][0];
    assert_eq!(
        (r["action"].as_str(), r["central"]["action"].as_str()),
        (Some("updated"), Some("updated")),
        "{r}"
    );
    let o = outlook_of(&folder, "C-tw-00002").await;
    assert_eq!(
        (o["title"].as_str(), o["homeAddress"]["city"].as_str()),
        (Some("Dr"), Some("York"))
    );
    let c = central_record("C-tw-00002").await;
    assert_eq!(
        (c["title"].as_str(), c["homeAddress"]["town"].as_str()),
        (Some("Dr"), Some("York"))
    );
    assert_eq!(c["homeAddress"]["line2"], "King's Court");
    assert_eq!(plan(&s).await["summary"]["upToDate"], 3);
}

#[wasm_bindgen_test]
async fn the_same_field_edited_on_both_sides_is_a_conflict_until_resolved() {
    let (config, get_token, folder) = synced(2).await;
    edit_in_central("C-tw-00000", json!({ "mobile": "+44 7700 900111" })).await;
    edit_in_outlook(
        &folder,
        "C-tw-00000",
        json!({ "mobilePhone": "+44 7700 900222" }),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    let i = item(&p, "C-tw-00000");
    assert_eq!(i["state"], "conflict");
    assert_eq!(i["reasons"], json!(["editedOnBothSides"]));
    assert_eq!(
        i["changes"],
        json!([{ "field": "mobilePhone", "from": "+44 7700 900111", "to": "+44 7700 900222", "direction": "conflict" }])
    );
    // Selected without a side: skipped, nothing written.
    reset_stats().await;
    let result = run(&s, &["C-tw-00000".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["records"][0]["action"], "skipped", "{result}");
    assert_eq!(result["records"][0]["error"]["code"], "notSyncable");
    assert_eq!(stats().await["centralWrites"], json!({}));

    // Resolved for Outlook: Central takes Outlook's value.
    let p = plan(&s).await;
    assert_eq!(item(&p, "C-tw-00000")["state"], "conflict");
    let options = js_sys::Object::new();
    let resolutions = serde_wasm_bindgen::to_value(&json!({ "C-tw-00000": "outlook" })).unwrap();
    js_sys::Reflect::set(&options, &"resolutions".into(), &resolutions).unwrap();
    let result = run(&s, &["C-tw-00000".to_owned()], options.into())
        .await
        .unwrap();
    assert_eq!(result["updatedInCentral"], 1, "{result}");
    assert_eq!(
        central_record("C-tw-00000").await["mobile"],
        "+44 7700 900222"
    );
    assert_eq!(
        outlook_of(&folder, "C-tw-00000").await["mobilePhone"],
        "+44 7700 900222"
    );
    assert_eq!(plan(&s).await["summary"]["upToDate"], 2);
}

#[wasm_bindgen_test]
async fn a_central_412_is_planned_again_and_written_over_the_new_version() {
    let (config, get_token, folder) = synced(2).await;
    edit_in_outlook(
        &folder,
        "C-tw-00001",
        json!({ "businessHomePage": "https://ann.example" }),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(
        item(&p, "C-tw-00001")["changes"][0]["direction"],
        "toCentral"
    );
    // Someone edits another field in Central after the plan: the version moves on.
    let before = central_record("C-tw-00001").await["version"].clone();
    edit_in_central("C-tw-00001", json!({ "telephone": "+44 20 7946 1111" })).await;
    assert_ne!(central_record("C-tw-00001").await["version"], before);
    reset_stats().await;
    let result = run(&s, &ids_in(&p, &["update"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["updatedInCentral"], 1, "{result}");
    let st = stats().await;
    assert_eq!(
        st["centralWrites"],
        json!({ "PATCH": 2 }),
        "412, then over the new version: {st}"
    );
    let c = central_record("C-tw-00001").await;
    assert_eq!(c["website"], "https://ann.example");
    assert_eq!(
        c["telephone"], "+44 20 7946 1111",
        "Central's own edit stays"
    );
    // The Central edit reaches Outlook on the next plan.
    let p = plan(&s).await;
    assert_eq!(
        item(&p, "C-tw-00001")["changes"],
        json!([{ "field": "businessPhone", "from": "+44 20 7946 0000", "to": "+44 20 7946 1111", "direction": "toOutlook" }])
    );

    // Moved on in a way that changes the edit itself: not written, the user plans again.
    edit_in_outlook(
        &folder,
        "C-tw-00000",
        json!({ "mobilePhone": "+44 7700 900444" }),
    )
    .await;
    let p = plan(&s).await;
    edit_in_central("C-tw-00000", json!({ "mobile": "+44 7700 900555" })).await;
    let result = run(&s, &["C-tw-00000".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    let r = &result["records"][0];
    assert_eq!(
        (r["action"].as_str(), r["error"]["code"].as_str()),
        (Some("failed"), Some("changedSincePlan")),
        "{r}"
    );
    assert_eq!(
        central_record("C-tw-00000").await["mobile"],
        "+44 7700 900555",
        "nothing overwritten"
    );
    let _ = p;
}

#[wasm_bindgen_test]
async fn two_way_needs_centrals_api() {
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = json!({ "graphBaseUrl": graph_url(), "folderId": "f", "contacts": [], "direction": "twoWay" });
    let obj = js_sys::JSON::parse(&config.to_string()).unwrap();
    js_sys::Reflect::set(&obj, &"getGraphToken".into(), &get_token).unwrap();
    let err = central_o365_sync::SyncSession::new(obj)
        .err()
        .map(|e| describe(&e));
    let err = err.unwrap_or_default();
    assert!(
        err.starts_with("invalidInput: direction \"twoWay\""),
        "{err}"
    );
}

#[wasm_bindgen_test]
async fn a_company_typed_in_outlook_links_its_central_account_and_takes_its_name() {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Companies").await;
    control(
        "PUT",
        "central/accounts",
        Some(json!([
            { "id": "A-1", "status": "active", "name": "Acme Ltd", "createdAt": "2020-01-01T00:00:00Z" },
            { "id": "A-2", "status": "active", "name": "Globex Corporation", "createdAt": "2021-01-01T00:00:00Z" },
            { "id": "A-3", "status": "active", "name": "GLOBEX Corporation", "createdAt": "2020-06-01T00:00:00Z" },
        ])),
    )
    .await;
    let mut contacts = central_contacts("co", 2);
    contacts[0]["accountId"] = json!("A-1");
    control("PUT", "central/contacts", Some(contacts)).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config =
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url() });
    // One way first: the account's name is the company in Outlook.
    let first = session(config.clone(), &get_token);
    let p = plan(&first).await;
    assert_eq!(item(&p, "C-co-00000")["display"]["company"], "Acme Ltd");
    run(&first, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        outlook_of(&folder, "C-co-00000").await["companyName"],
        "Acme Ltd"
    );

    // The user types another company in Outlook; both ways, it links the earliest created
    // account of that name and Outlook takes the account's name.
    edit_in_outlook(
        &folder,
        "C-co-00000",
        json!({ "companyName": "globex corporation" }),
    )
    .await;
    let mut two_way = config;
    two_way["direction"] = json!("twoWay");
    let s = session(two_way, &get_token);
    let p = plan(&s).await;
    let i = item(&p, "C-co-00000");
    assert_eq!(
        (&i["state"], &i["account"]),
        (
            &json!("update"),
            &json!({ "id": "A-3", "name": "GLOBEX Corporation", "matchedBy": "exact" })
        )
    );
    assert_eq!(
        i["changes"],
        json!([{ "field": "companyName", "from": "Acme Ltd", "to": "globex corporation", "direction": "toCentral" },
               { "field": "companyName", "from": "globex corporation", "to": "GLOBEX Corporation", "direction": "toOutlook" }])
    );
    let result = run(&s, &["C-co-00000".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    let r = &result["records"][0];
    assert_eq!(
        (r["action"].as_str(), r["central"]["action"].as_str()),
        (Some("updated"), Some("updated")),
        "{r}"
    );
    assert_eq!(central_record("C-co-00000").await["accountId"], "A-3");
    assert_eq!(
        outlook_of(&folder, "C-co-00000").await["companyName"],
        "GLOBEX Corporation"
    );
    assert_eq!(plan(&s).await["summary"]["upToDate"], 2);

    // A company no account has: written to Central without an account, kept in Outlook as typed.
    edit_in_outlook(
        &folder,
        "C-co-00000",
        json!({ "companyName": "Nowhere Ltd" }),
    )
    .await;
    let p = plan(&s).await;
    let i = item(&p, "C-co-00000");
    assert_eq!(
        (&i["state"], &i["reasons"], &i["account"]),
        (
            &json!("update"),
            &json!(["unresolvedCompany"]),
            &Value::Null
        )
    );
    let result = run(&s, &["C-co-00000".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        result["records"][0]["action"], "updatedInCentral",
        "{result}"
    );
    assert_eq!(central_record("C-co-00000").await["accountId"], Value::Null);
    assert_eq!(
        outlook_of(&folder, "C-co-00000").await["companyName"],
        "Nowhere Ltd"
    );
    assert_eq!(plan(&s).await["summary"]["upToDate"], 2, "not asked again");
}

#[wasm_bindgen_test]
async fn central_writes_are_counted_in_progress_and_a_cancel_stops_those_not_started() {
    let (config, get_token, folder) = synced(12).await;
    for k in 0..12 {
        let id = format!("C-tw-{k:05}");
        edit_in_outlook(
            &folder,
            &id,
            json!({ "mobilePhone": format!("+44 7700 9009{k:02}") }),
        )
        .await;
    }
    let s = session(config, &get_token);
    let p = plan(&s).await;
    let ids = ids_in(&p, &["update"]);
    assert_eq!(ids.len(), 12);
    // Cancelled as the first Central write finishes: those already sent finish, the rest are
    // not sent.
    let controller = web_sys::AbortController::new().unwrap();
    let signal = controller.signal();
    let (on_progress, events) = progress_recorder(move |_, e| {
        if e["centralDone"] == 1 {
            controller.abort();
        }
    });
    let result = run(&s, &ids, run_options(Some(&on_progress), Some(&signal)))
        .await
        .unwrap();
    let events = events.borrow().clone();
    let done: Vec<u64> = events
        .iter()
        .map(|e| e["centralDone"].as_u64().unwrap())
        .collect();
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");
    assert!(events.iter().all(|e| e["centralTotal"] == 12), "{events:?}");
    let records = result["records"].as_array().unwrap();
    let central = |action: &str| {
        records
            .iter()
            .filter(|r| r["central"]["action"] == action)
            .count()
    };
    let (written, cancelled) = (central("updated"), central("skipped"));
    assert_eq!(written + cancelled, 12, "{result}");
    assert!((1..=4).contains(&written), "at most 4 in flight: {result}");
    assert!(records
        .iter()
        .filter(|r| r["central"]["action"] == "skipped")
        .all(|r| r["central"]["error"]["code"] == "cancelled"));
    assert_eq!(
        *done.last().unwrap(),
        12,
        "every write is counted, cancelled ones too"
    );
    // What was cancelled is still to do; what was written is not offered again.
    let again = plan(&s).await;
    assert_eq!(
        (
            again["summary"]["update"].as_u64(),
            again["summary"]["upToDate"].as_u64()
        ),
        (Some(cancelled as u64), Some(written as u64)),
        "{}",
        again["summary"]
    );
}
