//! Types by folder, in headless Chromium against the emulator: contacts and individuals each
//! synced into a folder of their own (`folders`); a contact the user drags from one to the
//! other changes its record's type in Central; a record whose type Central changes is moved
//! into its folder with everything the user typed on it; a contact the user makes in the
//! individuals' folder is created in Central as an individual. Each ends with a plan that is
//! all up to date.
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn person(id: &str, kind: &str, first: &str, last: &str) -> Value {
    let email = format!(
        "{}.{}@example.org",
        first.to_lowercase(),
        last.to_lowercase()
    );
    json!({ "id": id, "status": "active", "type": kind, "firstName": first, "lastName": last,
            "email": email })
}

/// Ann (a contact) and Ivy (an individual) synced once into two type folders; the two-way
/// configuration and both folders' ids.
async fn synced_by_type(prefix: &str) -> (Value, js_sys::Function, String, String) {
    reset(false).await;
    let contacts = make_folder(DEMO_USER, &format!("{prefix} Contacts")).await;
    let individuals = make_folder(DEMO_USER, &format!("{prefix} Individuals")).await;
    control(
        "PUT",
        "central/contacts",
        Some(json!([
            person("C-1", "contact", "Ann", "Lee"),
            person("C-2", "individual", "Ivy", "Po")
        ])),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = json!({ "graphBaseUrl": graph_url(), "centralBaseUrl": central_url(),
                         "folders": { "contact": contacts, "individual": individuals } });
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let kinds: Vec<(&str, &str, &str)> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["centralId"].as_str().unwrap(),
                i["type"].as_str().unwrap(),
                i["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("C-1", "contact", "new"), ("C-2", "individual", "new")]
    );
    let done = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        (done["created"].as_u64(), done["failed"].as_u64()),
        (Some(2), Some(0)),
        "{done}"
    );
    let mut config = config;
    config["direction"] = json!("twoWay");
    (config, get_token, contacts, individuals)
}

fn names(contacts: &[Value]) -> Vec<(String, String)> {
    contacts
        .iter()
        .map(|c| {
            (
                c["displayName"].as_str().unwrap_or_default().to_owned(),
                c["centralId"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The plan's item whose `key` is `value`.
fn item_where(p: &Value, key: &str, value: &str) -> Value {
    p["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i[key] == value)
        .unwrap_or_else(|| panic!("{key} {value} in {p}"))
        .clone()
}

async fn ledger_entry(folder: &str, central_id: &str) -> Value {
    let key = String::from(js_sys::encode_uri_component(folder));
    let l = control("GET", &format!("central/ledgers/{key}"), None).await;
    l["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["centralId"] == central_id)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn all_up_to_date(config: &Value, get_token: &js_sys::Function) {
    let p = plan(&session(config.clone(), get_token)).await;
    let s = &p["summary"];
    assert_eq!(
        (
            s["upToDate"].as_u64(),
            p["orphans"].as_array().map(Vec::len)
        ),
        (Some(p["items"].as_array().unwrap().len() as u64), Some(0)),
        "{p}"
    );
}

#[wasm_bindgen_test]
async fn each_type_goes_to_its_folder_and_a_drag_between_them_changes_the_type() {
    let (config, get_token, contacts, individuals) = synced_by_type("Drag").await;
    assert_eq!(
        names(&folder_contacts(DEMO_USER, &contacts).await),
        [("Ann Lee".into(), "C-1".into())]
    );
    assert_eq!(
        names(&folder_contacts(DEMO_USER, &individuals).await),
        [("Ivy Po".into(), "C-2".into())]
    );
    assert_eq!(ledger_entry(&contacts, "C-2").await["kind"], "individual");
    assert_eq!(
        ledger_entry(&contacts, "C-2").await["folderId"],
        json!(individuals)
    );

    // The user drags Ann into the individuals' folder.
    let ann = folder_contacts(DEMO_USER, &contacts).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    control(
        "POST",
        &format!("mailboxes/{DEMO_USER}/contacts/{ann}/move"),
        Some(json!({ "folder": individuals })),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let item = item_where(&p, "centralId", "C-1");
    assert_eq!(
        (&item["state"], &item["outlookId"], &item["changes"]),
        (
            &json!("update"),
            &json!(ann),
            &json!([{ "field": "type", "from": "contact", "to": "individual", "direction": "toCentral" }])
        ),
        "{p}"
    );
    assert_eq!(p["summary"]["deleteInCentral"], 0);
    assert_eq!(p["summary"]["createInCentral"], 0);
    reset_stats().await;
    let done = run(&s, &["C-1".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        (done["updatedInCentral"].as_u64(), done["failed"].as_u64()),
        (Some(1), Some(0)),
        "{done}"
    );
    let record = control("GET", "central/contacts", None).await[0].clone();
    assert_eq!(
        (&record["id"], &record["type"]),
        (&json!("C-1"), &json!("individual"))
    );
    assert_eq!(stats().await["centralWrites"], json!({ "PATCH": 1 }));
    assert_eq!(ledger_entry(&contacts, "C-1").await["kind"], "individual");
    all_up_to_date(&config, &get_token).await;
}

#[wasm_bindgen_test]
async fn a_type_changed_in_central_moves_the_contact_with_what_the_user_typed() {
    let (config, get_token, contacts, individuals) = synced_by_type("Move").await;
    let ivy = folder_contacts(DEMO_USER, &individuals).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The user writes a note on Ivy in Outlook; Central makes her a contact.
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{ivy}"),
        Some(json!({ "personalNotes": "Met at the fair", "birthday": "1990-05-01T00:00:00Z" })),
    )
    .await;
    control(
        "PATCH",
        "central/contacts/C-2",
        Some(json!({ "type": "contact" })),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let item = item_where(&p, "centralId", "C-2");
    assert_eq!(
        (&item["state"], &item["type"], &item["changes"]),
        (
            &json!("update"),
            &json!("contact"),
            &json!([{ "field": "type", "from": "individual", "to": "contact", "direction": "toOutlook" }])
        ),
        "{p}"
    );
    let done = run(&s, &["C-2".to_owned()], JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        (done["updated"].as_u64(), done["failed"].as_u64()),
        (Some(1), Some(0)),
        "{done}"
    );
    assert!(folder_contacts(DEMO_USER, &individuals).await.is_empty());
    let now = folder_contacts(DEMO_USER, &contacts).await;
    assert_eq!(
        names(&now),
        [
            ("Ann Lee".into(), "C-1".into()),
            ("Ivy Po".into(), "C-2".into())
        ]
    );
    let moved = &now[1];
    assert_eq!(
        (&moved["personalNotes"], &moved["birthday"]),
        (&json!("Met at the fair"), &json!("1990-05-01T00:00:00Z"))
    );
    let record = done["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["centralId"] == "C-2")
        .unwrap()
        .clone();
    assert_eq!(
        (&record["action"], &record["outlookId"]),
        (&json!("updated"), &moved["id"])
    );
    let entry = ledger_entry(&contacts, "C-2").await;
    assert_eq!(
        (&entry["kind"], &entry["outlookId"], &entry["folderId"]),
        (&json!("contact"), &moved["id"], &json!(contacts))
    );
    all_up_to_date(&config, &get_token).await;
}

#[wasm_bindgen_test]
async fn a_contact_made_in_the_individuals_folder_is_created_as_an_individual() {
    let (config, get_token, contacts, individuals) = synced_by_type("Made").await;
    let typed = seed_contacts(
        DEMO_USER,
        &individuals,
        json!([{ "givenName": "Zoë", "surname": "Ray", "displayName": "Zoë Ray",
                 "emailAddresses": [{ "address": "zoe@example.org", "name": "Zoë Ray" }] }]),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let item = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["outlookId"] == typed[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (&item["state"], &item["type"]),
        (&json!("createInCentral"), &json!("individual")),
        "{p}"
    );
    let done = run(&s, &typed, JsValue::UNDEFINED).await.unwrap();
    assert_eq!(done["createdInCentral"].as_u64(), Some(1), "{done}");
    let central = control("GET", "central/contacts", None).await;
    let zoe: Vec<&Value> = central
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["email"] == "zoe@example.org")
        .collect();
    assert_eq!(zoe.len(), 1);
    assert_eq!(
        (&zoe[0]["type"], &zoe[0]["firstName"]),
        (&json!("individual"), &json!("Zoë"))
    );
    let entry = ledger_entry(&contacts, zoe[0]["id"].as_str().unwrap()).await;
    assert_eq!(
        (&entry["kind"], &entry["folderId"]),
        (&json!("individual"), &json!(individuals))
    );
    all_up_to_date(&config, &get_token).await;
}

#[wasm_bindgen_test]
async fn one_folder_for_two_types_and_both_folder_options_are_refused() {
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let obj = |config: Value| {
        let o = js_sys::JSON::parse(&config.to_string()).unwrap();
        js_sys::Reflect::set(&o, &"getGraphToken".into(), &get_token).unwrap();
        o
    };
    for (config, says) in [
        (
            json!({ "graphBaseUrl": graph_url(), "centralBaseUrl": central_url(),
                    "folders": { "contact": "F", "individual": "F" } }),
            "folder of their own",
        ),
        (
            json!({ "graphBaseUrl": graph_url(), "centralBaseUrl": central_url(),
                    "folderId": "F", "folders": { "contact": "F" } }),
            "not both",
        ),
    ] {
        let e = match central_o365_sync::SyncSession::new(obj(config)) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        };
        assert_eq!(error_code(&e), "invalidInput");
        assert!(describe(&e).contains(says), "{}", describe(&e));
    }
}

#[wasm_bindgen_test]
async fn accounts_sync_into_their_folder_and_the_accounts_folder_creates_accounts() {
    reset(false).await;
    let contacts = make_folder(DEMO_USER, "Acc Contacts").await;
    let accounts = make_folder(DEMO_USER, "Acc Accounts").await;
    control(
        "PUT",
        "central/accounts",
        Some(
            json!([{ "id": "A-1", "status": "active", "name": "Acme Ltd",
                      "createdAt": "2020-01-01T00:00:00Z", "telephone": "+44 20 7946 0000",
                      "website": "https://acme.example" }]),
        ),
    )
    .await;
    control(
        "PUT",
        "central/contacts",
        Some(json!([person("C-1", "contact", "Ann", "Lee")])),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let mut config = json!({ "graphBaseUrl": graph_url(), "centralBaseUrl": central_url(),
                             "folders": { "contact": contacts, "account": accounts } });
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let kinds: Vec<(&str, &str, &str)> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["centralId"].as_str().unwrap(),
                i["type"].as_str().unwrap(),
                i["display"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("C-1", "contact", "Ann Lee"),
            ("A-1", "account", "Acme Ltd")
        ]
    );
    let done = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(done["created"].as_u64(), Some(2), "{done}");
    let acme = folder_contacts(DEMO_USER, &accounts).await;
    assert_eq!(acme.len(), 1);
    assert_eq!(
        (
            &acme[0]["displayName"],
            &acme[0]["companyName"],
            &acme[0]["businessPhones"],
            &acme[0]["centralId"]
        ),
        (
            &json!("Acme Ltd"),
            &json!("Acme Ltd"),
            &json!(["+44 20 7946 0000"]),
            &json!("A-1")
        )
    );
    assert_eq!(ledger_entry(&contacts, "A-1").await["kind"], "account");

    // Both ways: the user renames Acme in Outlook, types an account into the accounts' folder
    // and drags Ann in there too.
    config["direction"] = json!("twoWay");
    let acme_id = acme[0]["id"].as_str().unwrap().to_owned();
    control(
        "PATCH",
        &format!("mailboxes/{DEMO_USER}/contacts/{acme_id}"),
        Some(json!({ "companyName": "Acme Group" })),
    )
    .await;
    let typed = seed_contacts(
        DEMO_USER,
        &accounts,
        json!([{ "displayName": "Globex", "companyName": "Globex Corporation",
                 "emailAddresses": [{ "address": "info@globex.example" }] }]),
    )
    .await;
    let ann = folder_contacts(DEMO_USER, &contacts).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    control(
        "POST",
        &format!("mailboxes/{DEMO_USER}/contacts/{ann}/move"),
        Some(json!({ "folder": accounts })),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let by = |key: &str, value: &str| item_where(&p, key, value);
    let (acme_item, ann_item, globex) = (
        by("centralId", "A-1"),
        by("centralId", "C-1"),
        by("outlookId", &typed[0]),
    );
    assert_eq!(
        (&acme_item["state"], &acme_item["changes"]),
        (
            &json!("update"),
            &json!([{ "field": "companyName", "from": "Acme Ltd", "to": "Acme Group", "direction": "toCentral" }])
        )
    );
    assert_eq!(
        (&ann_item["state"], &ann_item["reasons"]),
        (&json!("conflict"), &json!(["typeChangeNotSupported"]))
    );
    assert_eq!(
        (&globex["state"], &globex["type"]),
        (&json!("createInCentral"), &json!("account"))
    );
    reset_stats().await;
    let done = run(
        &s,
        &["A-1".to_owned(), "C-1".to_owned(), typed[0].clone()],
        JsValue::UNDEFINED,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            done["updatedInCentral"].as_u64(),
            done["createdInCentral"].as_u64(),
            done["skipped"].as_u64(),
            done["failed"].as_u64()
        ),
        (Some(1), Some(1), Some(1), Some(0)),
        "{done}"
    );
    let central = control("GET", "central/accounts", None).await;
    let names: Vec<&str> = central
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Group", "Globex Corporation"]);
    let person = control("GET", "central/contacts", None).await[0].clone();
    assert_eq!(
        (&person["id"], &person["type"]),
        (&json!("C-1"), &json!("contact"))
    );
    assert_eq!(
        stats().await["centralWrites"],
        json!({ "PATCH": 1, "POST": 1 })
    );
}

#[wasm_bindgen_test]
async fn a_categorised_contact_is_created_or_linked_and_moved_into_its_types_folder() {
    let (config, get_token, contacts, individuals) = synced_by_type("Mark").await;
    // Bob is in Central, not yet in Outlook.
    control(
        "PUT",
        "central/contacts",
        Some(json!([
            person("C-1", "contact", "Ann", "Lee"),
            person("C-2", "individual", "Ivy", "Po"),
            person("C-3", "contact", "Bob", "Ray")
        ])),
    )
    .await;
    // In the default Contacts folder the user has Zoë, categorised "Central Individual" (and
    // "Friends"); Bob, categorised "central contact" (any case); and Cy, not categorised.
    let default = folder_id(DEMO_USER, "Contacts").await;
    let typed = seed_contacts(
        DEMO_USER,
        &default,
        json!([{ "givenName": "Zoë", "surname": "Ray", "displayName": "Zoë Ray",
                 "emailAddresses": [{ "address": "zoe@example.org" }],
                 "categories": ["Friends", "Central Individual"], "personalNotes": "Met at the fair" },
               { "givenName": "Bob", "surname": "Ray", "displayName": "Bob Ray",
                 "emailAddresses": [{ "address": "bob.ray@example.org" }],
                 "categories": ["central contact"] },
               { "givenName": "Cy", "surname": "Po", "displayName": "Cy Po",
                 "emailAddresses": [{ "address": "cy@example.org" }] }]),
    )
    .await;
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    let by = |key: &str, value: &str| item_where(&p, key, value);
    let (zoe, bob) = (by("outlookId", &typed[0]), by("centralId", "C-3"));
    assert_eq!(
        (&zoe["state"], &zoe["type"]),
        (&json!("createInCentral"), &json!("individual"))
    );
    assert_eq!(
        (
            &bob["state"],
            &bob["outlookId"],
            &bob["linkedBy"],
            &bob["changes"]
        ),
        (
            &json!("update"),
            &json!(typed[1]),
            &json!("email"),
            &json!([{ "field": "type", "from": "", "to": "contact", "direction": "toOutlook" }])
        ),
        "{p}"
    );
    assert!(
        !p.to_string().contains(&typed[2]),
        "an uncategorised contact of the default folder is not read"
    );
    let done = run(
        &s,
        &[typed[0].clone(), "C-3".to_owned()],
        JsValue::UNDEFINED,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            done["createdInCentral"].as_u64(),
            done["updated"].as_u64(),
            done["failed"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{done}"
    );
    let zoe_record: Vec<Value> = control("GET", "central/contacts", None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["email"] == "zoe@example.org")
        .cloned()
        .collect();
    assert_eq!(zoe_record.len(), 1);
    assert_eq!(zoe_record[0]["type"], "individual");
    let left: Vec<String> = folder_contacts(DEMO_USER, &default)
        .await
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["Cy Po"], "the originals are gone");
    let moved_zoe = folder_contacts(DEMO_USER, &individuals)
        .await
        .into_iter()
        .find(|c| c["displayName"] == "Zoë Ray")
        .expect("Zoë in the individuals' folder");
    assert_eq!(
        (
            &moved_zoe["categories"],
            &moved_zoe["personalNotes"],
            &moved_zoe["centralId"]
        ),
        (
            &json!(["Friends"]),
            &json!("Met at the fair"),
            &zoe_record[0]["id"]
        )
    );
    // The result names the contact as planned (it was selected by that id); the ledger names
    // it where it now is.
    let created = done["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "createdInCentral")
        .unwrap()
        .clone();
    assert_eq!(created["outlookId"], json!(typed[0]));
    let entry = ledger_entry(&contacts, zoe_record[0]["id"].as_str().unwrap()).await;
    assert_eq!(
        (&entry["outlookId"], &entry["kind"], &entry["folderId"]),
        (&moved_zoe["id"], &json!("individual"), &json!(individuals))
    );
    let moved_bob = folder_contacts(DEMO_USER, &contacts)
        .await
        .into_iter()
        .find(|c| c["displayName"] == "Bob Ray")
        .expect("Bob in the contacts' folder");
    assert_eq!(
        (&moved_bob["categories"], &moved_bob["centralId"]),
        (&json!([]), &json!("C-3"))
    );
    all_up_to_date(&config, &get_token).await;
}
