//! An edit the user makes in Outlook between plan and run is never overwritten, in headless
//! Chromium against the emulator: updates go with `If-Match` on the etag the plan read.
#![cfg(target_arch = "wasm32")]

mod support;

use central_o365_sync::SyncSession;
use serde_json::json;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Three contacts to update, planned; then `edit` is made in Outlook to the first one.
async fn planned_then_edited(
    edit: serde_json::Value,
) -> (
    SyncSession,
    serde_json::Value,
    Vec<String>,
    String,
    serde_json::Value,
) {
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
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{}", seeded[0]),
        Some(edit),
    )
    .await;
    (s, p, seeded, folder, config)
}

/// The plan updates a contact; the user then adds two more email addresses to it in Outlook,
/// which the plan does not write. The update meets 412, the contact is read again and planned
/// once more: its changes are still those shown, so they are written over the fresh contact —
/// the user's addresses stay, and the plan's names are written.
#[wasm_bindgen_test]
async fn an_outlook_edit_of_fields_the_plan_does_not_write_is_kept_and_the_update_goes() {
    let emails = json!([{ "address": "ann0.edit@example.org", "name": "Old" },
                        { "address": "second@example.org", "name": "Second" },
                        { "address": "third@example.org", "name": "Third" }]);
    let (s, p, seeded, folder, _) = planned_then_edited(json!({ "emailAddresses": emails })).await;
    reset_stats().await;
    let result = run(&s, &ids_in(&p, &["update"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        (result["updated"].as_u64(), result["failed"].as_u64()),
        (Some(3), Some(0)),
        "{result}"
    );
    let stored = folder_contacts(DEMO_USER, &folder).await;
    let edited = stored
        .iter()
        .find(|c| c["id"] == seeded[0].as_str())
        .unwrap();
    assert_eq!(
        edited["emailAddresses"], emails,
        "the user's addresses stay"
    );
    assert_eq!(edited["givenName"], "Ann0", "the plan's change is written");
    let st = stats().await;
    assert_eq!(
        (
            &st["graphRequestsByKind"]["getContact"],
            &st["batchItemsByKind"]["updateContact"]
        ),
        (&json!(1), &json!(4)),
        "one read of the contact that changed, and its update sent once more: {st}"
    );
}

/// The user edits, between plan and run, a field the plan writes: planned again, the change is
/// not the one shown, so nothing is written over it — `changedSincePlan`; the next plan shows
/// the record's update again.
#[wasm_bindgen_test]
async fn an_outlook_edit_of_a_field_the_plan_writes_is_never_overwritten() {
    let (s, p, seeded, folder, config) = planned_then_edited(json!({ "givenName": "Annie" })).await;
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
    assert_eq!(edited["givenName"], "Annie", "the user's edit stays");
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["update"], 1, "{}", again["summary"]);
    assert_eq!(again["items"][0]["state"], "update");
}
