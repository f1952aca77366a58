//! An edit the user makes in Outlook between plan and run is never overwritten, in headless
//! Chromium against the emulator: updates go with `If-Match` on the etag the plan read.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::json;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The plan updates a contact; the user then adds a third email address to it in Outlook.
/// The run does not overwrite it: the record fails with `changedSincePlan`, the address
/// stays; the other updates are written; the next plan shows the record's update again.
#[wasm_bindgen_test]
async fn an_outlook_edit_between_plan_and_run_is_kept() {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Edits").await;
    let central = central_contacts("edit", 3);
    control("PUT", "central/contacts", Some(central.clone())).await;
    let seeded = seed_contacts(
        DEMO_USER,
        &folder,
        stale_outlook_copies(central.as_array().unwrap()),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config =
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url() });
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["update"], 3, "{}", p["summary"]);

    // The user, in Outlook, adds two more addresses to the first contact.
    let emails = json!([{ "address": "ann0.edit@example.org", "name": "Old" },
                        { "address": "second@example.org", "name": "Second" },
                        { "address": "third@example.org", "name": "Third" }]);
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{}", seeded[0]),
        Some(json!({ "emailAddresses": emails })),
    )
    .await;

    let result = run(&s, &ids_in(&p, &["update"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(result["updated"], 2, "{result}");
    assert_eq!(result["failed"], 1);
    let r = &result["records"][0];
    assert_eq!(r["centralId"], "C-edit-00000");
    assert_eq!(r["action"], "failed");
    assert_eq!(r["error"]["code"], "changedSincePlan", "{r}");
    let stored = folder_contacts(DEMO_USER, &folder).await;
    let edited = stored
        .iter()
        .find(|c| c["id"] == seeded[0].as_str())
        .unwrap();
    assert_eq!(
        edited["emailAddresses"], emails,
        "the user's addresses stay"
    );
    assert_eq!(
        edited["givenName"], "Old",
        "nothing of the plan was written over it"
    );

    // Planned again, the record is an update once more, of the contact as it is now.
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["update"], 1, "{}", again["summary"]);
    assert_eq!(again["items"][0]["state"], "update");
}
