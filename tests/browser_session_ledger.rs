//! The sync ledger in Central, in headless Chromium against the emulator: a run claims the
//! ledger its plan read, so a second session's stale plan writes nothing; another run's live
//! lease is `busy`; the run ends by writing its entries; a Central without ledgers still syncs.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fixture(n: usize) -> (Value, js_sys::Function, String) {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Ledger").await;
    control("PUT", "central/contacts", Some(central_contacts("led", n))).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config =
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url() });
    (config, get_token, folder)
}

fn ledger_path(folder: &str) -> String {
    format!("central/ledgers/{}", js_sys::encode_uri_component(folder))
}

async fn ledger(folder: &str) -> Value {
    control("GET", &ledger_path(folder), None).await
}

/// Two sessions plan; A runs; B's plan is stale: it is refused with `stalePlan` and writes
/// nothing — each contact is in the folder once, and B's next plan is all up to date.
#[wasm_bindgen_test]
async fn a_second_sessions_stale_plan_writes_nothing() {
    let (config, get_token, folder) = fixture(20).await;
    let a = session(config.clone(), &get_token);
    let b = session(config.clone(), &get_token);
    let (pa, pb) = (plan(&a).await, plan(&b).await);
    assert_eq!(pa["ledger"], "new");
    assert_eq!(pb["ledger"], "new");
    let ids = ids_in(&pa, &["new"]);
    let result = run(&a, &ids, JsValue::UNDEFINED).await.unwrap();
    assert_eq!(result["created"], 20, "{result}");
    assert_eq!(result["ledger"], "written");
    reset_stats().await;
    assert_eq!(
        run(&b, &ids_in(&pb, &["new"]), JsValue::UNDEFINED)
            .await
            .unwrap_err(),
        "stalePlan"
    );
    assert_eq!(stats().await["batchItems"], 0, "B wrote nothing");
    assert_eq!(folder_contacts(DEMO_USER, &folder).await.len(), 20);

    // Planned again, B sees A's work; a plan made from the written ledger also goes stale
    // once another run writes it.
    let pb = plan(&b).await;
    assert_eq!(pb["ledger"], "ok");
    assert_eq!(pb["summary"]["upToDate"], 20, "{}", pb["summary"]);
    let mut contacts = central_contacts("led", 20);
    contacts[3]["mobile"] = json!("+44 7700 900555");
    control("PUT", "central/contacts", Some(contacts)).await;
    let (pa, pb) = (plan(&a).await, plan(&b).await);
    assert_eq!(pa["summary"]["update"], 1);
    assert_eq!(
        run(&a, &ids_in(&pa, &["update"]), JsValue::UNDEFINED)
            .await
            .unwrap()["updated"],
        1
    );
    assert_eq!(
        run(&b, &ids_in(&pb, &["update"]), JsValue::UNDEFINED)
            .await
            .unwrap_err(),
        "stalePlan"
    );
}

/// The run writes one entry per contact both sides agree on (with the values written as its
/// base), a line of history, and no lease; a later run keeps the entries it did not touch.
#[wasm_bindgen_test]
async fn the_run_writes_its_entries_and_clears_the_lease() {
    let (config, get_token, folder) = fixture(5).await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let first = ids_in(&p, &["new"])[..3].to_vec();
    run(&s, &first, JsValue::UNDEFINED).await.unwrap();
    let l = ledger(&folder).await;
    assert_eq!(l["schema"], 1);
    assert!(l.get("lease").is_none(), "{l}");
    let entries = l["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{l}");
    let stored = folder_contacts(DEMO_USER, &folder).await;
    let e = &entries[0];
    assert_eq!(e["centralId"], "C-led-00000");
    assert_eq!(e["kind"], "contact");
    assert_eq!(e["folderId"], folder.as_str());
    let outlook = stored
        .iter()
        .find(|c| c["centralId"] == "C-led-00000")
        .unwrap();
    assert!(!e["outlookId"].as_str().unwrap().is_empty());
    assert_eq!(e["base"]["email"], "ann0.led@example.org");
    assert_eq!(e["base"]["givenName"], "Ann0");
    assert_eq!(
        e["base"]["homeAddress.street"],
        "Flat 1, King's Court, 10 Long Street"
    );
    assert_eq!(e["base"]["businessHomePage"], "");
    assert_eq!(outlook["givenName"], "Ann0");
    let history = l["history"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["counts"]["created"], 3);
    assert_eq!(history[0]["by"], "me");

    // A second run over the other two: all five entries, two runs of history.
    let p = plan(&s).await;
    assert_eq!(p["summary"]["upToDate"], 3);
    run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    let l = ledger(&folder).await;
    assert_eq!(l["entries"].as_array().unwrap().len(), 5, "{l}");
    assert_eq!(l["history"].as_array().unwrap().len(), 2);
}

/// Another run's live lease makes a run `busy` (nothing written); an expired one does not.
#[wasm_bindgen_test]
async fn another_runs_live_lease_is_busy_and_an_expired_one_is_not() {
    let (config, get_token, folder) = fixture(4).await;
    let soon = js_sys::Date::new(&(js_sys::Date::now() + 60_000.0).into()).to_iso_string();
    let lease = json!({ "schema": 1, "entries": [], "history": [],
                        "lease": { "runId": "other-device", "expiresAt": String::from(soon) } });
    control("PUT", &ledger_path(&folder), Some(lease)).await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    assert_eq!(p["ledger"], "ok");
    assert_eq!(
        run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
            .await
            .unwrap_err(),
        "busy"
    );
    assert!(folder_contacts(DEMO_USER, &folder).await.is_empty());

    let expired = json!({ "schema": 1, "entries": [], "history": [],
                          "lease": { "runId": "other-device", "expiresAt": "2020-01-01T00:00:00Z" } });
    control("PUT", &ledger_path(&folder), Some(expired)).await;
    let p = plan(&s).await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 4);
    assert_eq!(result["ledger"], "written");
}

/// A Central that keeps no ledgers: the plan says `ledger: "none"` (or "new" when its GET
/// answers a bare 404) and the run syncs without one.
#[wasm_bindgen_test]
async fn a_central_without_ledgers_syncs_without_one() {
    for (mode, at_plan) in [
        ("methodNotAllowed", "none"),
        ("notImplemented", "none"),
        ("absent", "new"),
    ] {
        let (config, get_token, folder) = fixture(3).await;
        control("PUT", "central/settings", Some(json!({ "ledger": mode }))).await;
        let s = session(config, &get_token);
        let p = plan(&s).await;
        assert_eq!(p["ledger"], at_plan, "{mode}");
        let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
            .await
            .unwrap();
        assert_eq!(result["created"], 3, "{mode}: {result}");
        assert_eq!(result["ledger"], "none", "{mode}");
        assert_eq!(folder_contacts(DEMO_USER, &folder).await.len(), 3);
    }
}

/// The claim's answer is lost after it landed: the retry meets 412, the ledger read back
/// holds this run's lease, and the run goes on — no `stalePlan` for a run's own claim.
#[wasm_bindgen_test]
async fn a_claim_whose_answer_was_lost_is_recognised_as_ours() {
    let (mut config, get_token, folder) = fixture(6).await;
    config["retry"] = json!({ "maxAttempts": 3, "baseDelayMs": 50, "maxDelayMs": 200 });
    add_faults(
        json!({ "kind": "dropAfterWrite", "scope": "central", "method": "PUT",
                       "pathContains": "/sync-ledgers", "maxCount": 1 }),
    )
    .await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 6, "{result}");
    assert_eq!(result["ledger"], "written");
    assert_eq!(faults_fired().await, 1);
    assert_eq!(
        ledger(&folder).await["entries"].as_array().unwrap().len(),
        6
    );
}

/// A ledger Central cannot read makes no plan: the session never plans without knowing
/// what the last run agreed.
#[wasm_bindgen_test]
async fn a_ledger_read_that_fails_makes_no_plan() {
    let (mut config, get_token, _) = fixture(2).await;
    config["retry"] = json!({ "maxAttempts": 2, "baseDelayMs": 20, "maxDelayMs": 50 });
    add_faults(
        json!({ "kind": "unavailable", "scope": "central", "method": "GET",
                       "pathContains": "/sync-ledgers" }),
    )
    .await;
    let s = session(config, &get_token);
    assert_eq!(rejection(s.plan()).await.unwrap_err(), "centralUnavailable");
}

/// Without ledgers, a stale plan is still safe: each create is looked up by its Central id
/// before it is sent, and one found is skipped (`alreadyInFolder`), never created twice.
#[wasm_bindgen_test]
async fn without_ledgers_a_stale_plan_creates_nothing_twice() {
    let (config, get_token, folder) = fixture(20).await;
    control(
        "PUT",
        "central/settings",
        Some(json!({ "ledger": "notImplemented" })),
    )
    .await;
    let a = session(config.clone(), &get_token);
    let b = session(config, &get_token);
    let (pa, pb) = (plan(&a).await, plan(&b).await);
    assert_eq!(pb["ledger"], "none");
    let result = run(&a, &ids_in(&pa, &["new"])[..12], JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 12);
    let result = run(&b, &ids_in(&pb, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 8, "{result}");
    assert_eq!(result["skipped"], 12);
    let skipped: Vec<&Value> = result["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "skipped")
        .collect();
    assert!(
        skipped
            .iter()
            .all(|r| r["error"]["code"] == "alreadyInFolder" && r["outlookId"].is_string()),
        "{result}"
    );
    let stored = folder_contacts(DEMO_USER, &folder).await;
    assert_eq!(stored.len(), 20);
    let ids: std::collections::HashSet<&str> = stored
        .iter()
        .map(|c| c["centralId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 20, "each Central id once");
}
