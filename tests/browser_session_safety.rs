//! Unknown outcomes told honestly, in headless Chromium against the emulator: Graph's
//! case-insensitive value filter never makes one record's lookup take another's contact, and
//! creates whose answers were lost and whose lookups all fail are reported as possibly
//! written (`outcomeUnknown`) — the next plan links them, nothing is created twice.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn fixture(ids: &[&str]) -> (Value, js_sys::Function, String, Value) {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Safety").await;
    let mut central = central_contacts("safe", ids.len());
    for (c, id) in central.as_array_mut().unwrap().iter_mut().zip(ids) {
        c["id"] = json!(id);
    }
    control("PUT", "central/contacts", Some(central.clone())).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url(),
                         "retry": { "maxAttempts": 3, "baseDelayMs": 20, "maxDelayMs": 100 } });
    (config, get_token, folder, central)
}

/// Central ids `abc1` and `ABC1`: `ABC1` is in the folder already; `abc1`'s create loses its
/// answer after it ran, so it is looked up — Graph's filter answers both contacts, and only
/// the exact one is taken: `ABC1`'s contact is neither claimed nor deleted.
#[wasm_bindgen_test]
async fn a_lookup_never_takes_a_contact_whose_id_differs_only_in_case() {
    let (config, get_token, folder, _) = fixture(&["abc1", "ABC1"]).await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    run(&s, &["ABC1".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    let theirs = folder_contacts(DEMO_USER, &folder).await[0]["id"].clone();
    let s = session(config.clone(), &get_token);
    let p2 = plan(&s).await;
    assert_eq!(p2["summary"]["new"], 1, "{}", p["summary"]);
    add_faults(json!({ "kind": "dropAfterWrite", "pathContains": "$batch", "maxCount": 1 })).await;
    let result = run(&s, &["abc1".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(faults_fired().await, 1);
    assert_eq!(result["created"], 1, "{result}");
    assert_eq!(result["duplicatesRemoved"], 0, "{result}");
    assert_ne!(result["records"][0]["outlookId"], theirs);
    let stored = folder_contacts(DEMO_USER, &folder).await;
    let mut ids: Vec<&str> = stored
        .iter()
        .map(|c| c["centralId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["ABC1", "abc1"]);
    assert!(
        stored.iter().any(|c| c["id"] == theirs),
        "ABC1's contact is kept"
    );
}

/// A batch's answer is lost after its writes, and then every lookup answers 503: the records
/// are not reported as plain failures — each is `failed` with `outcomeUnknown` (it may exist).
/// The next plan links them by their stored Central id: nothing is created twice.
#[wasm_bindgen_test]
async fn written_but_unconfirmed_creates_are_said_to_be_unknown_and_linked_next_time() {
    let ids: Vec<String> = (0..20).map(|i| format!("C-unk-{i:02}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (config, get_token, folder, _) = fixture(&refs).await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    add_faults(json!([
        { "kind": "dropAfterWrite", "pathContains": "$batch", "maxCount": 1 },
        { "kind": "unavailable", "method": "GET", "pathContains": "/contacts" },
        { "kind": "unavailable", "scope": "batchItem", "method": "GET" }
    ]))
    .await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["created"], 0, "{result}");
    assert_eq!(result["failed"], 20, "{result}");
    for r in result["records"].as_array().unwrap() {
        assert_eq!(r["error"]["code"], "outcomeUnknown", "{r}");
    }
    assert_eq!(
        folder_contacts(DEMO_USER, &folder).await.len(),
        20,
        "all 20 were written"
    );

    control("DELETE", "faults", None).await;
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["upToDate"], 20, "{}", again["summary"]);
    assert_eq!(again["summary"]["new"], 0);
}

/// The folder is deleted (by the user, in Outlook) after the first batch: the run stops once
/// with `folderNotFound` — the records not written fail with it — instead of sending every
/// batch and failing each record on its own.
#[wasm_bindgen_test]
async fn a_folder_deleted_mid_run_stops_the_run_with_folder_not_found() {
    let ids: Vec<String> = (0..100).map(|i| format!("C-fold-{i:03}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (config, get_token, folder, _) = fixture(&refs).await;
    let s = session(config, &get_token);
    let p = plan(&s).await;
    let token = issue_token(DEMO_USER, &["Contacts.ReadWrite"], 3600).await;
    let url = format!(
        "{}/me/contactFolders/{}",
        graph_url(),
        js_sys::encode_uri_component(&folder)
    );
    let delete = js_sys::Function::new_with_args(
        "url, token",
        "var x = new XMLHttpRequest(); x.open('DELETE', url, false); \
         x.setRequestHeader('Authorization', 'Bearer ' + token); x.send(); return x.status;",
    );
    let (on_progress, _) = progress_recorder(move |i, _| {
        if i == 0 {
            let status = delete
                .call2(&JsValue::NULL, &url.as_str().into(), &token.as_str().into())
                .unwrap();
            assert_eq!(status.as_f64(), Some(204.0));
        }
    });
    reset_stats().await;
    let result = run(
        &s,
        &ids_in(&p, &["new"]),
        run_options(Some(&on_progress), None),
    )
    .await
    .unwrap();
    assert_eq!(result["error"]["code"], "folderNotFound", "{result}");
    assert_eq!(result["created"], 20);
    assert_eq!(result["failed"], 80);
    for r in &result["records"].as_array().unwrap()[20..] {
        assert_eq!(r["error"]["code"], "folderNotFound", "{r}");
    }
    assert_eq!(
        stats().await["graphRequestsByKind"]["batch"],
        2,
        "one batch written, one refused, then the run stopped"
    );
}

/// Cancel pressed 72 ms into a run whose requests hang (slower than the 5 s time limit): the
/// requests in flight get 1.2 s, then are given up; the run returns within 2 s, and every record is known — written, or `outcomeUnknown` for the
/// batch given up in flight (it may have landed), or `skipped` (`cancelled`) if never sent.
#[wasm_bindgen_test]
async fn cancel_during_an_outage_returns_within_two_seconds_and_says_what_is_unknown() {
    let ids: Vec<String> = (0..60).map(|i| format!("C-cxl-{i:02}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (mut config, get_token, _, _) = fixture(&refs).await;
    config["timeoutMs"] = json!(5000);
    let s = session(config, &get_token);
    let p = plan(&s).await;
    add_faults(json!({ "kind": "slow", "delayMs": 8000 })).await;
    let controller = web_sys::AbortController::new().unwrap();
    let signal = controller.signal();
    let abort = wasm_bindgen::closure::Closure::once_into_js(move || controller.abort());
    js_sys::Function::new_with_args("f, ms", "setTimeout(f, ms)")
        .call2(&JsValue::NULL, &abort, &72.into())
        .unwrap();
    let started = js_sys::Date::now();
    let result = run(&s, &ids_in(&p, &["new"]), run_options(None, Some(&signal)))
        .await
        .unwrap();
    let took = js_sys::Date::now() - started;
    assert!(
        took < 2000.0,
        "the run took {took} ms after a cancel at 72 ms: {result}"
    );
    assert_eq!(result["cancelled"], true, "{result}");
    for r in result["records"].as_array().unwrap() {
        let code = r["error"]["code"].as_str().unwrap_or("");
        match r["action"].as_str().unwrap() {
            "failed" => assert_eq!(code, "outcomeUnknown", "{r}"),
            "skipped" => assert_eq!(code, "cancelled", "{r}"),
            other => panic!("{other}: {r}"),
        }
    }
    assert_eq!(
        result["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["action"] == "failed")
            .count(),
        20,
        "the one batch in flight is unknown: {result}"
    );
}
