//! `SyncSession` against the emulator, in headless Chromium: plan and run on the demo data.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::json;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn demo_data_plans_runs_and_then_is_up_to_date() {
    reset(true).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let folder = folder_id(DEMO_USER, DEMO_FOLDER).await;
    let config =
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url() });
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let summary = p["summary"].clone();
    assert!(summary["new"].as_u64().unwrap() > 0, "{summary}");
    assert!(summary["update"].as_u64().unwrap() > 0, "{summary}");
    assert!(summary["nonActionable"].as_u64().unwrap() > 0, "{summary}");
    let ids = ids_in(&p, &["new", "update"]);
    let result = run(&s, &ids, JsValue::UNDEFINED).await.expect("run");
    assert_eq!(result["created"], summary["new"], "{result}");
    assert_eq!(result["updated"], summary["update"], "{result}");
    assert_eq!(result["failed"], 0);
    assert_eq!(result["cancelled"], false);

    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["new"], 0, "{}", again["summary"]);
    assert_eq!(again["summary"]["update"], 0);
    assert_eq!(
        again["summary"]["upToDate"].as_u64().unwrap(),
        summary["upToDate"].as_u64().unwrap()
            + summary["new"].as_u64().unwrap()
            + summary["update"].as_u64().unwrap()
    );
}
