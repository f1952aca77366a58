//! Contacts the user makes in Outlook, created in Central both ways, in headless Chromium
//! against the emulator: the user types a contact into the synced folder; the plan offers it as
//! `createInCentral`; the run creates the record (its company linked to an account), stores
//! the new id on the contact and records both in the ledger; the next plan is all up to date.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn central_by_email(email: &str) -> Vec<Value> {
    control("GET", "central/contacts", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["email"] == email)
        .cloned()
        .collect()
}

async fn ledger_entry(folder: &str, central_id: &str) -> Option<Value> {
    let key = String::from(js_sys::encode_uri_component(folder));
    let l = control("GET", &format!("central/ledgers/{key}"), None).await;
    l["entries"]
        .as_array()?
        .iter()
        .find(|e| e["centralId"] == central_id)
        .cloned()
}

#[wasm_bindgen_test]
async fn a_contact_typed_in_outlook_is_created_in_central_and_linked() {
    let (config, get_token, folder) = synced_once("mk", "Made in Outlook", 2).await;
    control(
        "PUT",
        "central/accounts",
        Some(
            json!([{ "id": "A-1", "status": "active", "name": "Acme Ltd",
                      "createdAt": "2020-01-01T00:00:00Z" }]),
        ),
    )
    .await;
    let typed = seed_contacts(
        DEMO_USER,
        &folder,
        json!([{ "givenName": "Cy", "surname": "Po", "displayName": "Cy Po",
                 "emailAddresses": [{ "address": "cy.po@example.org", "name": "Cy Po" }],
                 "companyName": "acme", "mobilePhone": "+44 7700 900999" },
               { "givenName": "No", "surname": "Mail", "displayName": "No Mail" }]),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let items = p["items"].as_array().unwrap();
    let made: Vec<&Value> = items
        .iter()
        .filter(|i| i["outlookId"] == typed[0].as_str())
        .collect();
    assert_eq!(made.len(), 1, "{p}");
    assert_eq!(
        (
            &made[0]["centralId"],
            &made[0]["state"],
            &made[0]["account"]["id"],
            &made[0]["display"]["name"]
        ),
        (
            &json!(""),
            &json!("createInCentral"),
            &json!("A-1"),
            &json!("Cy Po")
        )
    );
    let no_mail = items
        .iter()
        .find(|i| i["outlookId"] == typed[1].as_str())
        .unwrap();
    assert_eq!(
        (&no_mail["state"], &no_mail["reasons"]),
        (&json!("nonActionable"), &json!(["missingEmail"]))
    );
    assert_eq!(p["summary"]["createInCentral"], 1);

    reset_stats().await;
    let result = run(
        &s,
        &[typed[0].clone(), typed[1].clone()],
        JsValue::UNDEFINED,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            result["createdInCentral"].as_u64(),
            result["failed"].as_u64()
        ),
        (Some(1), Some(0)),
        "{result}"
    );
    let created = central_by_email("cy.po@example.org").await;
    assert_eq!(created.len(), 1, "one record, never two");
    let record = &created[0];
    let new_id = record["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            &record["status"],
            &record["firstName"],
            &record["lastName"],
            &record["mobile"],
            &record["accountId"]
        ),
        (
            &json!("active"),
            &json!("Cy"),
            &json!("Po"),
            &json!("+44 7700 900999"),
            &json!("A-1")
        )
    );
    let r = result["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "createdInCentral")
        .unwrap()
        .clone();
    assert_eq!(
        (&r["centralId"], &r["outlookId"], &r["error"]),
        (&json!(new_id), &json!(typed[0]), &Value::Null)
    );
    assert_eq!(stats().await["centralWrites"], json!({ "POST": 1 }));
    let contact = folder_contacts(DEMO_USER, &folder)
        .await
        .into_iter()
        .find(|c| c["id"] == typed[0].as_str())
        .unwrap();
    assert_eq!(
        (&contact["centralId"], &contact["companyName"]),
        (&json!(new_id), &json!("Acme Ltd")),
        "the id is stored on the contact, and its company takes the account's name"
    );
    let entry = ledger_entry(&folder, &new_id)
        .await
        .expect("a ledger entry");
    assert_eq!(entry["outlookId"], typed[0].as_str());
    assert_eq!(entry["base"]["companyName"], "Acme Ltd");

    let again = plan(&session(config, &get_token)).await;
    assert_eq!(
        (
            again["summary"]["upToDate"].as_u64(),
            again["summary"]["createInCentral"].as_u64()
        ),
        (Some(3), Some(0)),
        "{again}"
    );
}

#[wasm_bindgen_test]
async fn one_way_a_contact_typed_in_outlook_is_left_alone() {
    let (mut config, get_token, folder) = synced_once("mk1", "Made in Outlook 1", 1).await;
    config["direction"] = json!("toOutlook");
    let typed = seed_contacts(
        DEMO_USER,
        &folder,
        json!([{ "givenName": "Cy", "surname": "Po",
                 "emailAddresses": [{ "address": "cy.po@example.org" }] }]),
    )
    .await;
    let p = plan(&session(config, &get_token)).await;
    assert_eq!(p["summary"]["createInCentral"], 0);
    assert_eq!(p["orphans"][0]["outlookId"], typed[0].as_str());
}
