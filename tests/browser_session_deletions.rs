//! Deletions both ways in headless Chromium against the emulator, each user action done as a
//! person does it (Central deactivates a record; the Outlook user deletes a contact or drags
//! it to another folder), then plan + run + plan again; the read-only option, a deletion
//! against an edit, an edit between plan and run, and the mass-delete guard.
#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::Reflect;
use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn synced(n: usize) -> (Value, js_sys::Function, String) {
    synced_once("del", "Deletions", n).await
}

fn id(i: usize) -> String {
    format!("C-del-{i:05}")
}

async fn outlook_id_of(folder: &str, central_id: &str) -> String {
    folder_contacts(DEMO_USER, folder)
        .await
        .into_iter()
        .find(|c| c["centralId"] == central_id)
        .and_then(|c| c["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{central_id} is not in the folder"))
}

async fn central_record(id: &str) -> Option<Value> {
    control("GET", "central/contacts", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
}

async fn deactivate_in_central(id: &str) {
    control(
        "PATCH",
        &format!("central/contacts/{id}"),
        Some(json!({ "status": "inactive" })),
    )
    .await;
}

/// The user deletes the contact in Outlook.
async fn delete_in_outlook(folder: &str, central_id: &str) {
    let o = outlook_id_of(folder, central_id).await;
    control(
        "DELETE",
        &format!("mailboxes/{DEMO_USER}/contacts/{o}"),
        None,
    )
    .await;
}

fn states(p: &Value) -> Vec<(String, String)> {
    p["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] != "upToDate")
        .map(|i| {
            (
                i["centralId"].as_str().unwrap().to_owned(),
                i["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn ledger_ids(folder: &str) -> Vec<String> {
    let key = String::from(js_sys::encode_uri_component(folder));
    let l = control("GET", &format!("central/ledgers/{key}"), None).await;
    let mut ids: Vec<String> = l["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no ledger entries: {l}"))
        .iter()
        .map(|e| e["centralId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[wasm_bindgen_test]
async fn a_record_deactivated_in_central_deletes_its_outlook_copy() {
    let (config, get_token, folder) = synced(3).await;
    deactivate_in_central(&id(1)).await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(states(&p), [(id(1), "deleteInOutlook".into())], "{p}");
    assert_eq!(p["summary"]["deleteInOutlook"], 1);
    let gone = p["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(gone["display"]["name"], "Ann1 Lee-del", "{gone}");
    let result = run(&s, &[id(1)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["deletedInOutlook"], 1, "{result}");
    assert_eq!(result["records"][0]["action"], "deletedInOutlook");
    let left = folder_contacts(DEMO_USER, &folder).await;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|c| c["centralId"] != id(1).as_str()));
    assert_eq!(ledger_ids(&folder).await, [id(0), id(2)]);
    let again = plan(&s).await;
    assert_eq!(
        (
            again["summary"]["upToDate"].as_u64(),
            again["orphans"].as_array().map(Vec::len)
        ),
        (Some(2), Some(0))
    );
}

#[wasm_bindgen_test]
async fn a_contact_the_user_deletes_in_outlook_deletes_the_central_record() {
    let (config, get_token, folder) = synced(3).await;
    delete_in_outlook(&folder, &id(2)).await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(states(&p), [(id(2), "deleteInCentral".into())], "{p}");
    reset_stats().await;
    let result = run(&s, &[id(2)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["deletedInCentral"], 1, "{result}");
    let st = stats().await;
    assert_eq!(st["centralWrites"], json!({ "DELETE": 1 }), "{st}");
    assert_eq!(central_record(&id(2)).await.unwrap()["status"], "deleted");
    let again = plan(&s).await;
    assert_eq!(again["items"].as_array().unwrap().len(), 2, "{again}");
    assert_eq!(again["summary"]["upToDate"], 2);
}

#[wasm_bindgen_test]
async fn a_contact_dragged_out_of_the_folder_deletes_the_central_record() {
    let (config, get_token, folder) = synced(2).await;
    make_folder(DEMO_USER, "Elsewhere").await;
    let o = outlook_id_of(&folder, &id(0)).await;
    control(
        "POST",
        &format!("mailboxes/{DEMO_USER}/contacts/{o}/move"),
        Some(json!({ "folder": "Elsewhere" })),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(states(&p), [(id(0), "deleteInCentral".into())], "{p}");
    let result = run(&s, &[id(0)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["deletedInCentral"], 1, "{result}");
    assert_eq!(central_record(&id(0)).await.unwrap()["status"], "deleted");
}

#[wasm_bindgen_test]
async fn a_read_only_type_restores_the_contact_the_user_deleted() {
    let (mut config, get_token, folder) = synced(2).await;
    config["readOnly"] = json!({ "contact": true });
    delete_in_outlook(&folder, &id(0)).await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(states(&p), [(id(0), "restoreInOutlook".into())], "{p}");
    reset_stats().await;
    let result = run(&s, &[id(0)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["restored"], 1, "{result}");
    assert_eq!(result["records"][0]["action"], "restored");
    assert_eq!(
        stats().await["centralWrites"],
        json!({}),
        "Central is never written"
    );
    assert_eq!(central_record(&id(0)).await.unwrap()["status"], "active");
    assert_eq!(folder_contacts(DEMO_USER, &folder).await.len(), 2);
    assert_eq!(plan(&s).await["summary"]["upToDate"], 2);
}

#[wasm_bindgen_test]
async fn a_deletion_against_an_edit_is_a_conflict_until_a_side_is_chosen() {
    let (config, get_token, folder) = synced(2).await;
    deactivate_in_central(&id(0)).await;
    let o = outlook_id_of(&folder, &id(0)).await;
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{o}"),
        Some(json!({ "mobilePhone": "+44 7700 900555" })),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let item = p["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (item["state"].as_str(), item["reasons"].clone()),
        (Some("conflict"), json!(["deletedButEdited"]))
    );
    let result = run(&s, &[id(0)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["records"][0]["action"], "skipped", "{result}");
    assert_eq!(
        folder_contacts(DEMO_USER, &folder).await.len(),
        2,
        "nothing deleted"
    );
    let s = session(config, &get_token);
    plan(&s).await;
    let options =
        js_sys::JSON::parse(&json!({ "resolutions": { id(0): "central" } }).to_string()).unwrap();
    let result = run(&s, &[id(0)], options).await.unwrap();
    assert_eq!(result["deletedInOutlook"], 1, "{result}");
}

#[wasm_bindgen_test]
async fn an_outlook_edit_between_plan_and_run_stops_its_deletion() {
    let (config, get_token, folder) = synced(2).await;
    deactivate_in_central(&id(1)).await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(states(&p), [(id(1), "deleteInOutlook".into())]);
    let o = outlook_id_of(&folder, &id(1)).await;
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{o}"),
        Some(json!({ "jobTitle": "Editor" })),
    )
    .await;
    let result = run(&s, &[id(1)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["records"][0]["action"], "failed", "{result}");
    assert_eq!(result["records"][0]["error"]["code"], "changedSincePlan");
    assert_eq!(
        folder_contacts(DEMO_USER, &folder).await.len(),
        2,
        "the edited contact stays"
    );
    assert_eq!(
        ledger_ids(&folder).await,
        [id(0), id(1)],
        "its entry stays for the next plan"
    );
}

#[wasm_bindgen_test]
async fn more_deletions_than_the_guard_allows_need_their_number_confirmed() {
    let (config, get_token, folder) = synced(12).await;
    for i in 0..11 {
        deactivate_in_central(&id(i)).await;
    }
    let s = session(config, &get_token);
    let p = plan(&s).await;
    let ids = ids_in(&p, &["deleteInOutlook"]);
    assert_eq!(ids.len(), 11);
    let arr: js_sys::Array = ids.iter().map(|i| JsValue::from(i.as_str())).collect();
    let refused = JsFuture::from(s.run(arr.clone().into(), JsValue::UNDEFINED))
        .await
        .expect_err("refused by the guard");
    assert_eq!(error_code(&refused), "confirmDeletions");
    let n = |k: &str| Reflect::get(&refused, &k.into()).unwrap().as_f64();
    assert_eq!((n("deletions"), n("limit")), (Some(11.0), Some(10.0)));
    assert_eq!(
        folder_contacts(DEMO_USER, &folder).await.len(),
        12,
        "nothing deleted"
    );
    // A wrong number is refused too; the plan is still there to run.
    let wrong = js_sys::JSON::parse(r#"{"confirmDeletions": 10}"#).unwrap();
    assert_eq!(run(&s, &ids, wrong).await.unwrap_err(), "confirmDeletions");
    let right = js_sys::JSON::parse(r#"{"confirmDeletions": 11}"#).unwrap();
    let result = run(&s, &ids, right).await.unwrap();
    assert_eq!(result["deletedInOutlook"], 11, "{result}");
    assert_eq!(folder_contacts(DEMO_USER, &folder).await.len(), 1);
}

/// The user copy-pastes a synced contact in its folder: the copy carries the same Central id.
/// Returns the copy's id as the folder lists it.
async fn copy_paste(folder: &str, central_id: &str) -> String {
    let o = outlook_id_of(folder, central_id).await;
    control(
        "POST",
        &format!("mailboxes/{DEMO_USER}/contacts/{o}/copy"),
        None,
    )
    .await;
    folder_contacts(DEMO_USER, folder)
        .await
        .into_iter()
        .find(|c| c["centralId"] == central_id && c["id"] != o.as_str())
        .and_then(|c| c["id"].as_str().map(str::to_owned))
        .expect("the copy is in the folder")
}

#[wasm_bindgen_test]
async fn a_users_untouched_copy_paste_is_deleted_with_its_record_and_its_entry_stays() {
    let (config, get_token, folder) = synced(3).await;
    let original = outlook_id_of(&folder, &id(1)).await;
    let copy = copy_paste(&folder, &id(1)).await;
    // One-way too: copies are offered whatever `deletions` says.
    let mut one_way = config.clone();
    one_way["direction"] = json!("toOutlook");
    let s = session(one_way, &get_token);
    let p = plan(&s).await;
    let items = p["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{p}");
    assert_eq!(
        (&items[1]["outlookId"], &items[1]["state"]),
        (&json!(original), &json!("upToDate"))
    );
    assert_eq!(
        (
            &items[3]["centralId"],
            &items[3]["outlookId"],
            &items[3]["state"],
            &items[3]["reasons"]
        ),
        (
            &json!(id(1)),
            &json!(copy),
            &json!("deleteInOutlook"),
            &json!(["duplicateCopy"])
        )
    );
    assert_eq!(p["summary"]["conflict"], 0);
    let result = run(&s, &[id(1)], JsValue::UNDEFINED).await.unwrap();
    let records = result["records"].as_array().unwrap();
    assert_eq!(
        records
            .iter()
            .map(|r| (r["outlookId"].clone(), r["action"].clone()))
            .collect::<Vec<_>>(),
        [
            (json!(original), json!("skipped")),
            (json!(copy), json!("deletedInOutlook"))
        ],
        "{result}"
    );
    assert_eq!(result["deletedInOutlook"], 1);
    let left: Vec<Value> = folder_contacts(DEMO_USER, &folder)
        .await
        .into_iter()
        .filter(|c| c["centralId"] == id(1).as_str())
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], original.as_str());
    assert_eq!(ledger_ids(&folder).await, [id(0), id(1), id(2)]);
    let again = session(config, &get_token);
    assert_eq!(plan(&again).await["summary"]["upToDate"], 3);
}

#[wasm_bindgen_test]
async fn a_copy_paste_edited_since_stays_a_conflict_and_nothing_is_deleted() {
    let (config, get_token, folder) = synced(2).await;
    let copy = copy_paste(&folder, &id(0)).await;
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{copy}"),
        Some(json!({ "jobTitle": "ignored", "mobilePhone": "+44 7700 900777" })),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(states(&p), [(id(0), "conflict".into())], "{p}");
    assert_eq!(p["items"][0]["reasons"], json!(["duplicateOutlookId"]));
    let result = run(&s, &[id(0)], JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["records"][0]["action"], "skipped", "{result}");
    assert_eq!(folder_contacts(DEMO_USER, &folder).await.len(), 3);
}

#[wasm_bindgen_test]
async fn deletions_go_twenty_to_a_batch_and_one_edited_since_the_plan_is_kept() {
    let (config, get_token, folder) = synced(30).await;
    for i in 0..25 {
        deactivate_in_central(&id(i)).await;
    }
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["deleteInOutlook"], 25, "{p}");
    // Between plan and run the user edits one of them in Outlook.
    let edited = outlook_id_of(&folder, &id(7)).await;
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{edited}"),
        Some(json!({ "personalNotes": "keep me" })),
    )
    .await;
    reset_stats().await;
    let ids: Vec<String> = (0..25).map(id).collect();
    let options = js_sys::JSON::parse(r#"{"confirmDeletions": 25}"#).unwrap();
    let result = run(&s, &ids, options).await.unwrap();
    assert_eq!(
        (
            result["deletedInOutlook"].as_u64(),
            result["failed"].as_u64()
        ),
        (Some(24), Some(1)),
        "{result}"
    );
    let failed = result["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "failed")
        .unwrap()
        .clone();
    assert_eq!(
        (&failed["centralId"], &failed["error"]["code"]),
        (&json!(id(7)), &json!("changedSincePlan"))
    );
    let st = stats().await;
    assert_eq!(
        (&st["graphRequestsByKind"], st["batchItems"].as_u64()),
        (&json!({ "batch": 2, "getContact": 1 }), Some(25)),
        "two $batch calls of 20 and 5 deletions, and one read of the contact refused: {st}"
    );
    let left: Vec<String> = folder_contacts(DEMO_USER, &folder)
        .await
        .iter()
        .map(|c| c["centralId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left.len(), 6, "{left:?}");
    assert!(left.contains(&id(7)), "the edited contact stays");
}

#[wasm_bindgen_test]
async fn deletions_survive_a_lost_batch_answer_and_throttled_items() {
    let (config, get_token, folder) = synced(30).await;
    for i in 0..25 {
        deactivate_in_central(&id(i)).await;
    }
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["deleteInOutlook"], 25, "{p}");
    // The first batch runs but its answer is lost; two items of the second are throttled.
    add_faults(json!([
        { "kind": "dropAfterWrite", "pathContains": "$batch", "everyNth": 1, "maxCount": 1 },
        { "kind": "throttle", "scope": "batchItem", "method": "DELETE", "everyNth": 1,
          "maxCount": 2, "retryAfterSeconds": 0.1 }
    ]))
    .await;
    let ids: Vec<String> = (0..25).map(id).collect();
    let options = js_sys::JSON::parse(r#"{"confirmDeletions": 25}"#).unwrap();
    let result = run(&s, &ids, options).await.unwrap();
    assert_eq!(
        (
            result["deletedInOutlook"].as_u64(),
            result["failed"].as_u64()
        ),
        (Some(25), Some(0)),
        "{result}"
    );
    assert!(faults_fired().await >= 2);
    let left = folder_contacts(DEMO_USER, &folder).await;
    assert_eq!(left.len(), 5, "{left:?}");
    let again = plan(&s).await;
    assert_eq!(again["summary"]["upToDate"], 5, "{again}");
}
