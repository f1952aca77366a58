//! Central's write client in headless Chromium against the emulator: a PATCH over the current
//! version, a stale one, a refused field; a lost answer settled by reading back; accounts paged
//! strictly; a create whose answer was lost is `outcomeUnknown` and never resent; soft deletes.
#![cfg(target_arch = "wasm32")]

mod support;

use central_o365_sync::central::write::{Deleted, Kind, Patched};
use central_o365_sync::central::CentralClient;
use central_o365_sync::ErrorCode;
use serde_json::{json, Value};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A client of the emulator's Central with short retry waits.
fn client() -> CentralClient {
    let mut c = CentralClient::new(&central_url(), None, 10_000, Default::default());
    c.retry.base_delay_ms = 50;
    c.retry.max_delay_ms = 500;
    c
}

/// Forgets everything and stores `C-1`…`C-n` (versions 1…n).
async fn seed(n: usize) {
    reset(false).await;
    let contacts: Vec<Value> = (1..=n)
        .map(|i| json!({ "id": format!("C-{i}"), "status": "active", "firstName": format!("Ann{i}"),
                         "email": format!("ann{i}@example.org"),
                         "homeAddress": { "line1": "Flat 1", "town": "Leeds", "postcode": "LS1 4AB" } }))
        .collect();
    control("PUT", "central/contacts", Some(json!(contacts))).await;
}

/// Central's stored contact, read through the control API (no faults, not counted).
async fn stored(id: &str) -> Value {
    let all = control("GET", "central/contacts", None).await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

fn record(p: Patched) -> Value {
    match p {
        Patched::Ok { record } => record,
        other => panic!("expected Ok, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_patch_over_the_current_version_writes_and_a_stale_one_does_not() {
    seed(2).await;
    let c = client();
    let read = c.get_contact("C-1").await.unwrap().expect("C-1");
    assert_eq!(read["version"], "1");
    let body = json!({ "mobile": "+44 7700 900123", "homeAddress": { "line1": "2 High Street", "town": "York" } });
    let written = record(c.patch_contact("C-1", "1", &body).await.unwrap());
    assert_eq!(written["version"], "3", "Central's next version");
    assert_eq!(written["mobile"], "+44 7700 900123");
    assert_eq!(written["homeAddress"], body["homeAddress"]);
    assert_eq!(stored("C-1").await, written);

    // The version read first has moved on: 412, nothing written.
    let again = c
        .patch_contact("C-1", "1", &json!({ "mobile": "+44 7700 900999" }))
        .await
        .unwrap();
    assert_eq!(again, Patched::Stale);
    assert_eq!(stored("C-1").await["mobile"], "+44 7700 900123");
    assert_eq!(
        c.patch_contact("C-404", "1", &body).await.unwrap(),
        Patched::NotFound
    );
    assert_eq!(c.get_contact("C-404").await.unwrap(), None);
    let st = stats().await;
    assert_eq!(st["centralWrites"], json!({ "PATCH": 3 }), "{st}");
    assert_eq!(st["centralRequestsByKind"]["getContact"], 2, "{st}");
}

#[wasm_bindgen_test]
async fn ids_are_percent_encoded_into_the_url() {
    reset(false).await;
    let odd = "C 1/x?y=#";
    control(
        "PUT",
        "central/contacts",
        Some(json!([{ "id": odd, "status": "active" }, { "id": "C 1", "status": "active" }])),
    )
    .await;
    let c = client();
    let found = c
        .get_contact(odd)
        .await
        .unwrap()
        .expect("found by its own id");
    assert_eq!(found["id"], odd);
    let written = record(
        c.patch_contact(odd, "1", &json!({ "firstName": "Odd" }))
            .await
            .unwrap(),
    );
    assert_eq!(written["id"], odd);
    assert_eq!(
        stored("C 1").await["firstName"],
        Value::Null,
        "not another record"
    );
}

#[wasm_bindgen_test]
async fn a_refused_field_is_rejected_with_centrals_code_and_the_field_named() {
    seed(1).await;
    let c = client();
    let p = c
        .patch_contact(
            "C-1",
            "1",
            &json!({ "firstName": "Anne", "nickname": "Annie" }),
        )
        .await
        .unwrap();
    match p {
        Patched::Rejected {
            status,
            code,
            message,
        } => {
            assert_eq!((status, code.as_str()), (400, "invalidField"));
            assert!(message.contains("'nickname'"), "{message}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert_eq!(stored("C-1").await["firstName"], "Ann1", "nothing written");
    assert_eq!(stats().await["centralWrites"]["PATCH"], 1, "not retried");
}

/// The PATCH commits but its answer is lost; the retry meets 412 (its own write moved the
/// version on); reading back finds every value sent, so it is `Ok` — written once.
#[wasm_bindgen_test]
async fn a_patch_whose_answer_was_lost_is_read_back_as_written() {
    seed(2).await;
    add_faults(
        json!({ "kind": "dropAfterWrite", "scope": "central", "method": "PATCH",
                       "pathContains": "/central/api/contacts/C-1", "maxCount": 1 }),
    )
    .await;
    let c = client();
    let body = json!({ "email": "ann.lee@example.org", "homeAddress": { "line1": "Flat 1", "town": "Leeds", "postcode": "LS1 4AB" } });
    let written = record(c.patch_contact("C-1", "1", &body).await.unwrap());
    assert_eq!(written["version"], "3", "the lost try's write");
    assert_eq!(written["email"], "ann.lee@example.org");
    assert_eq!(faults_fired().await, 1);
    let st = stats().await;
    assert_eq!(st["centralWrites"], json!({ "PATCH": 2 }), "{st}");
    assert_eq!(
        st["centralRequestsByKind"]["getContact"], 1,
        "one read back: {st}"
    );

    // Lost before it was written: the retry writes it (200), no read back.
    add_faults(
        json!({ "kind": "dropBeforeWrite", "scope": "central", "method": "PATCH",
                       "pathContains": "/central/api/contacts/C-2", "maxCount": 1 }),
    )
    .await;
    reset_stats().await;
    let written = record(
        c.patch_contact("C-2", "2", &json!({ "title": "Dr" }))
            .await
            .unwrap(),
    );
    assert_eq!(
        (written["title"].clone(), written["version"].clone()),
        (json!("Dr"), json!("4"))
    );
    let st = stats().await;
    assert_eq!(st["centralWrites"], json!({ "PATCH": 2 }), "{st}");
    assert!(
        st["centralRequestsByKind"].get("getContact").is_none(),
        "{st}"
    );
}

#[wasm_bindgen_test]
async fn accounts_load_across_three_pages() {
    reset(false).await;
    control("PUT", "central/settings", Some(json!({ "maxPageSize": 2 }))).await;
    let accounts: Vec<Value> = (1..=6)
        .map(|i| json!({ "id": format!("A-{i}"), "status": if i == 3 { "inactive" } else { "active" }, "name": format!("Org {i}") }))
        .collect();
    control("PUT", "central/accounts", Some(json!(accounts))).await;
    let bytes = client().load_accounts().await.unwrap();
    let loaded: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let ids: Vec<&str> = loaded.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["A-1", "A-2", "A-4", "A-5", "A-6"]);
    assert_eq!(loaded[0]["name"], "Org 1");
    let st = stats().await;
    assert_eq!(
        st["centralRequestsByKind"],
        json!({ "listAccounts": 3 }),
        "{st}"
    );
}

#[wasm_bindgen_test]
async fn a_wrong_next_page_of_accounts_is_invalid_central_data() {
    reset(false).await;
    control("PUT", "central/settings", Some(json!({ "maxPageSize": 2 }))).await;
    let accounts: Vec<Value> = (1..=5)
        .map(|i| json!({ "id": format!("A-{i}"), "status": "active" }))
        .collect();
    control("PUT", "central/accounts", Some(json!(accounts))).await;
    add_faults(
        json!({ "kind": "skipPage", "scope": "central", "pathContains": "/central/api/accounts",
                       "everyNth": 2, "maxCount": 1 }),
    )
    .await;
    let e = client().load_accounts().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCentralData, "{e}");
    assert!(e.message.contains("page 2 of accounts"), "{e}");
    assert_eq!(
        stats().await["centralRequestsByKind"]["listAccounts"],
        2,
        "paging stopped"
    );
}

#[wasm_bindgen_test]
async fn a_create_whose_answer_was_lost_is_outcome_unknown_and_never_resent() {
    seed(1).await;
    add_faults(
        json!({ "kind": "dropAfterWrite", "scope": "central", "method": "POST",
                       "pathContains": "/central/api/contacts", "maxCount": 1 }),
    )
    .await;
    let c = client();
    let e = c
        .create(
            Kind::Contacts,
            &json!({ "firstName": "Cat", "email": "cat@example.org" }),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::OutcomeUnknown, "{e}");
    assert_eq!(
        stats().await["centralWrites"],
        json!({ "POST": 1 }),
        "sent once"
    );
    assert_eq!(stored("C-2").await["firstName"], "Cat", "written, once");

    // A throttled create wrote nothing, so it is tried again.
    add_faults(json!({ "kind": "throttle", "scope": "central", "method": "POST",
                       "pathContains": "/central/api/accounts", "maxCount": 1, "retryAfterSeconds": 0.1 }))
    .await;
    reset_stats().await;
    let created = c
        .create(Kind::Accounts, &json!({ "name": "Contoso" }))
        .await
        .unwrap();
    assert_eq!(created["id"], "A-1");
    assert_eq!(created["status"], "active");
    assert!(created["version"].is_string(), "{created}");
    assert_eq!(stats().await["centralWrites"], json!({ "POST": 2 }));
    let accounts = control("GET", "central/accounts", None).await;
    assert_eq!(accounts.as_array().unwrap().len(), 1, "{accounts}");

    // A create Central refuses (a field of the wrong type) is `centralRejected`, with its words.
    let e = c
        .create(Kind::Contacts, &json!({ "firstName": ["Cat"] }))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.status),
        (ErrorCode::CentralRejected, Some(400)),
        "{e}"
    );
    assert!(e.message.contains("invalidField"), "{e}");
}

#[wasm_bindgen_test]
async fn a_deleted_contact_leaves_the_active_listing() {
    seed(3).await;
    let c = client();
    assert_eq!(
        c.delete(Kind::Contacts, "C-1", "1").await.unwrap(),
        Deleted::Ok
    );
    let active: Vec<Value> = serde_json::from_slice(&c.load_active().await.unwrap()).unwrap();
    let ids: Vec<&str> = active.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["C-2", "C-3"]);
    let kept = c.get_contact("C-1").await.unwrap().expect("soft delete");
    assert_eq!(kept["status"], "deleted");
    assert_eq!(
        c.delete(Kind::Contacts, "C-2", "9").await.unwrap(),
        Deleted::Stale
    );
    assert_eq!(stored("C-2").await["status"], "active");
    assert_eq!(
        c.delete(Kind::Contacts, "C-404", "1").await.unwrap(),
        Deleted::NotFound
    );

    // Deleted, answer lost: the retry's 412 is read back as deleted.
    add_faults(
        json!({ "kind": "dropAfterWrite", "scope": "central", "method": "DELETE",
                       "pathContains": "/central/api/contacts/C-3", "maxCount": 1 }),
    )
    .await;
    reset_stats().await;
    assert_eq!(
        c.delete(Kind::Contacts, "C-3", "3").await.unwrap(),
        Deleted::Ok
    );
    let st = stats().await;
    assert_eq!(st["centralWrites"], json!({ "DELETE": 2 }), "{st}");
    assert_eq!(st["centralRequestsByKind"]["getContact"], 1, "{st}");
    assert_eq!(stored("C-3").await["status"], "deleted");
}
