//! Central's API and its faults, the control API's seeding and inspection, the demo data set,
//! and static file serving.

mod common;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn central_pages_from_one_and_filters_status_case_insensitively() {
    let emu = start().await;
    let mut data = vec![];
    for i in 0..7 {
        data.push(json!({"id": format!("C-{i}"), "status": if i % 2 == 0 { " Active " } else { "inactive" }}));
    }
    data.push(json!("not even an object"));
    data.push(
        json!({"id": "C-odd", "status": "ACTIVE", "firstName": {"nested": true}, "extra": [1, 2]}),
    );
    assert_eq!(
        emu.control(
            "PUT",
            "/_emulator/central/contacts",
            Some(Value::Array(data))
        )
        .await
        .status,
        200
    );
    let p1 = emu
        .send(
            "GET",
            "/central/api/contacts?status=active&pageSize=3&page=1",
            &[],
            None,
        )
        .await
        .unwrap()
        .json();
    let ids = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&p1), ["C-0", "C-2", "C-4"]);
    assert_eq!(p1["nextPage"], 2);
    let p2 = emu
        .send(
            "GET",
            "/central/api/contacts?status=active&pageSize=3&page=2",
            &[],
            None,
        )
        .await
        .unwrap()
        .json();
    assert_eq!(ids(&p2), ["C-6", "C-odd"]);
    assert_eq!(p2["nextPage"], Value::Null);
    // Served as stored, plus the emulator's `version` (C-0…C-6 got 1…7; the string none).
    assert_eq!(
        p2["items"][1],
        json!({"id": "C-odd", "status": "ACTIVE", "firstName": {"nested": true}, "extra": [1, 2], "version": "8"})
    );
    let all = emu
        .send("GET", "/central/api/contacts?pageSize=100", &[], None)
        .await
        .unwrap()
        .json();
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        9,
        "no status filter: everything as stored"
    );
    assert_eq!(all["items"][7], "not even an object");
    let bad = emu
        .send("GET", "/central/api/contacts?page=0", &[], None)
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn central_requires_the_bearer_token_when_one_is_set() {
    let emu = start().await;
    emu.control(
        "PUT",
        "/_emulator/central/settings",
        Some(json!({"requiredToken": "s3cret"})),
    )
    .await;
    let none = emu
        .send("GET", "/central/api/contacts", &[], None)
        .await
        .unwrap();
    assert_eq!(none.status, 401);
    let wrong = emu
        .send(
            "GET",
            "/central/api/contacts",
            &[("Authorization", "Bearer nope")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(wrong.status, 401);
    let ok = emu
        .send(
            "GET",
            "/central/api/contacts",
            &[("Authorization", "Bearer s3cret")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json(), json!({"items": [], "nextPage": null}));
}

#[tokio::test]
async fn central_faults_give_malformed_json_wrong_shape_slow_pages_and_drops() {
    let emu = start().await;
    emu.control(
        "PUT",
        "/_emulator/central/contacts",
        Some(json!([{"id": "C-1", "status": "active"}])),
    )
    .await;
    emu.add_fault(json!([
        {"kind": "malformedJson", "scope": "central", "maxCount": 1},
        {"kind": "wrongShape", "scope": "central", "everyNth": 2, "maxCount": 1},
        {"kind": "slow", "scope": "central", "delayMs": 300, "everyNth": 3, "maxCount": 1},
        {"kind": "dropBeforeWrite", "scope": "central", "everyNth": 4, "maxCount": 1}
    ]))
    .await;
    let get = || emu.send("GET", "/central/api/contacts?status=active", &[], None);
    let r1 = get().await.unwrap();
    assert_eq!(r1.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&r1.body).is_err(),
        "invalid JSON"
    );
    let r2 = get().await.unwrap().json();
    assert!(r2["items"].is_object() && r2["nextPage"] == "two", "{r2}");
    let started = std::time::Instant::now();
    let r3 = get().await.unwrap().json();
    assert!(started.elapsed().as_millis() >= 300);
    assert_eq!(r3["items"][0]["id"], "C-1");
    assert!(get().await.is_err(), "dropped");
    assert_eq!(get().await.unwrap().status, 200);
    assert_eq!(emu.stats().await["centralRequests"], 5);
}

#[tokio::test]
async fn control_api_seeds_and_inspects_mailboxes_without_limits() {
    let emu = start().await;
    emu.set_limits(json!({"maxConcurrentPerMailbox": 0})).await;
    let f = emu
        .control(
            "POST",
            "/_emulator/mailboxes/bob@contoso.example/folders",
            Some(json!({"displayName": "Central Contacts"})),
        )
        .await;
    assert_eq!(f.status, 201);
    let again = emu
        .control(
            "POST",
            "/_emulator/mailboxes/bob@contoso.example/folders",
            Some(json!({"displayName": "Central Contacts"})),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], f.json()["id"]);
    let seeded = emu
        .control("POST", "/_emulator/mailboxes/bob@contoso.example/folders/Central%20Contacts/contacts", Some(json!([
            {"givenName": "Ann", "surname": "Lee", "emailAddresses": [{"address": "a@x.com"}, {"address": "b@x.com"}, {"address": "c@x.com"}, {"address": "d@x.com"}], "centralId": "C-9"},
            {"givenName": "Bo", "surname": "Ng"}
        ])))
        .await;
    assert_eq!(seeded.status, 201);
    assert_eq!(seeded.json()["ids"].as_array().unwrap().len(), 2);
    let m = emu
        .control("GET", "/_emulator/mailboxes/bob@contoso.example", None)
        .await
        .json();
    let folder = m["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["displayName"] == "Central Contacts")
        .unwrap();
    let contacts = folder["contacts"].as_array().unwrap();
    assert_eq!(contacts[0]["centralId"], "C-9");
    assert_eq!(
        contacts[0]["emailAddresses"].as_array().unwrap().len(),
        4,
        "raw seeding skips the caps"
    );
    assert_eq!(contacts[1]["centralId"], Value::Null);
    assert_eq!(contacts[1]["displayName"], "Bo Ng");
    // Graph itself is throttled by the limit of 0 concurrent requests; seeding was not.
    let t = emu
        .token_for("bob@contoso.example", &["Contacts.Read"])
        .await;
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn reset_forgets_everything_and_stats_count_requests_by_kind() {
    let emu = start().await;
    let t = emu.token().await;
    emu.folder(&t, "F").await;
    emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    let s = emu.stats().await;
    assert_eq!(s["graphRequests"], 2);
    assert_eq!(
        s["graphRequestsByKind"],
        json!({"createFolder": 1, "listFolders": 1})
    );
    assert_eq!(s["statusCounts"], json!({"200": 1, "201": 1}));
    assert_eq!(s["maxConcurrencyObserved"][USER], 1);
    emu.control("POST", "/_emulator/stats/reset", None).await;
    assert_eq!(emu.stats().await["graphRequests"], 0);
    emu.control("POST", "/_emulator/reset", None).await;
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        401,
        "tokens forgotten"
    );
    let t = emu.token().await;
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .json()["value"],
        json!([])
    );
}

#[tokio::test]
async fn demo_data_covers_each_case_and_is_deterministic() {
    let emu = start_with(emulator::Config {
        demo_size: Some(300),
        ..Default::default()
    })
    .await;
    let central = emu
        .control("GET", "/_emulator/central/contacts", None)
        .await
        .json();
    let central = central.as_array().unwrap();
    assert_eq!(central.len(), 300);
    let again = emulator::demo::generate(300);
    // As generated, plus the emulator's `version` on every record (all have an id).
    let unversioned: Vec<Value> = central
        .iter()
        .map(|c| {
            assert!(c["version"].is_string(), "{c}");
            let mut c = c.clone();
            c.as_object_mut().unwrap().remove("version");
            c
        })
        .collect();
    assert_eq!(unversioned, again.central);
    let has = |pred: &dyn Fn(&Value) -> bool| central.iter().any(pred);
    let s = |c: &Value, k: &str| c[k].as_str().unwrap_or("").to_string();
    assert!(has(&|c| s(c, "status") == "inactive"));
    assert!(has(&|c| c.get("status").is_none()));
    assert!(has(&|c| s(c, "lastName")
        .to_lowercase()
        .contains("deceased")));
    assert!(has(&|c| s(c, "firstName")
        .to_lowercase()
        .contains("deceased")));
    assert!(has(&|c| s(c, "email").contains('<')));
    assert!(has(&|c| s(c, "email").matches('@').count() == 2));
    assert!(has(&|c| c.get("email").is_none()));
    assert!(has(&|c| c["mobile"].is_object()));
    assert!(has(&|c| c["firstName"].is_null()));
    assert!(has(&|c| s(c, "email").trim().to_lowercase()
        == "sam.taylor@example.co.uk"
        && s(c, "email") != "sam.taylor@example.co.uk"));
    let m = emu
        .control(
            "GET",
            &format!("/_emulator/mailboxes/{}", emulator::demo::DEMO_USER),
            None,
        )
        .await
        .json();
    let folder = m["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["displayName"] == "Central Contacts")
        .unwrap();
    let outlook = folder["contacts"].as_array().unwrap();
    assert!(outlook.len() > 50);
    // Up to date: the stored contact holds exactly the mapped values.
    let by_id = |id: &str| central.iter().find(|c| c["id"] == id).unwrap();
    let up_to_date = outlook
        .iter()
        .filter(|o| o["centralId"].is_string() && o["centralId"] != "C-99999")
        .filter(|o| central.iter().any(|c| c["id"] == o["centralId"]))
        .filter(|o| {
            let want = emulator::demo::map_to_graph(by_id(o["centralId"].as_str().unwrap()));
            want.as_object().unwrap().iter().all(|(k, v)| &o[k] == v)
        })
        .count();
    assert!(up_to_date > 20, "{up_to_date}");
    // Two unlinked Outlook contacts share one email.
    let mut unlinked: Vec<String> = outlook
        .iter()
        .filter(|o| o["centralId"].is_null())
        .filter_map(|o| {
            o["emailAddresses"][0]["address"]
                .as_str()
                .map(str::to_lowercase)
        })
        .collect();
    unlinked.sort();
    assert!(unlinked.windows(2).any(|w| w[0] == w[1]));
    // Orphans: Outlook contacts whose stored id is in no Central record.
    assert!(outlook.iter().any(|o| o["centralId"] == "C-00077"));
    // The demo user may write the shared mailbox.
    let t = emu
        .token_for(
            emulator::demo::DEMO_USER,
            &["Contacts.ReadWrite", "Contacts.ReadWrite.Shared"],
        )
        .await;
    let shared = emu
        .graph(
            &t,
            "GET",
            &format!(
                "/v1.0/users/{}/contactFolders",
                emulator::demo::SHARED_MAILBOX
            ),
            None,
        )
        .await;
    assert_eq!(shared.status, 200);
    assert_eq!(shared.json()["value"][0]["displayName"], "Central Contacts");
}

#[test]
fn demo_size_100k_generates_in_seconds() {
    let started = std::time::Instant::now();
    let d = emulator::demo::generate(100_000);
    let elapsed = started.elapsed();
    assert_eq!(d.central.len(), 100_000);
    assert!(d.outlook.len() > 40_000);
    // Release takes well under a second (see README); debug builds are several times slower.
    let bound = if cfg!(debug_assertions) { 15.0 } else { 3.0 };
    assert!(elapsed.as_secs_f64() < bound, "{elapsed:?}");
}

#[tokio::test]
async fn static_files_are_served_with_correct_mime_types() {
    let dir = std::env::temp_dir().join(format!("emu-static-{}", std::process::id()));
    let (www, pkg) = (dir.join("www"), dir.join("pkg"));
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(www.join("index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(www.join("app.mjs"), "export {}").unwrap();
    std::fs::write(pkg.join("core_bg.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(pkg.join("core.js"), "export default 1").unwrap();
    let emu = start_with(emulator::Config {
        www: www.clone(),
        pkg: pkg.clone(),
        ..Default::default()
    })
    .await;
    let get = |p: &'static str| emu.send("GET", p, &[], None);
    let index = get("/").await.unwrap();
    assert_eq!(index.status, 200);
    assert_eq!(index.text(), "<h1>hi</h1>");
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        get("/app.mjs").await.unwrap().header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let wasm = get("/pkg/core_bg.wasm").await.unwrap();
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, [0u8, 97, 115, 109]);
    assert_eq!(
        get("/pkg/core.js").await.unwrap().header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(get("/missing.js").await.unwrap().status, 404);
    assert_eq!(get("/pkg/../www/index.html").await.unwrap().status, 404);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn limits_and_shares_can_be_read_back_and_cleared() {
    let emu = start().await;
    let l = emu.control("GET", "/_emulator/limits", None).await.json();
    assert_eq!(
        l,
        json!({"maxConcurrentPerMailbox": 4, "latencyMs": 0, "budgetPerWindow": null, "windowSeconds": 600,
               "concurrencyRetryAfterSeconds": 1, "exposeRetryAfter": false, "shuffleBatchResponses": true,
               "ifMatchConflictStatus": 412, "maxRequestBytes": 4_194_304})
    );
    emu.set_limits(json!({"latencyMs": 5})).await;
    assert_eq!(
        emu.control("GET", "/_emulator/limits", None).await.json()["latencyMs"],
        5
    );
    assert_eq!(
        emu.control(
            "PUT",
            "/_emulator/limits",
            Some(json!({"latencyMs": "slow"}))
        )
        .await
        .status,
        400
    );
    emu.control(
        "POST",
        "/_emulator/shares",
        Some(json!({"owner": "Boss@x.example", "grantee": "me@x.example"})),
    )
    .await;
    let s = emu.control("GET", "/_emulator/shares", None).await.json();
    assert_eq!(
        s,
        json!({"shares": [{"owner": "boss@x.example", "grantee": "me@x.example", "access": "readWrite"}]})
    );
    assert_eq!(
        emu.control("DELETE", "/_emulator/shares", None)
            .await
            .status,
        204
    );
    assert_eq!(
        emu.control("GET", "/_emulator/shares", None).await.json()["shares"],
        json!([])
    );
}

#[tokio::test]
async fn deleting_a_folder_removes_its_contacts_and_the_default_folder_cannot_be_deleted() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "Gone").await;
    emu.graph(
        &t,
        "POST",
        &format!("/v1.0/me/contactFolders/{f}/contacts"),
        Some(person("A", "B", "a@b.co")),
    )
    .await;
    let got = emu
        .graph(&t, "GET", &format!("/v1.0/me/contactFolders/{f}"), None)
        .await
        .json();
    assert_eq!(got["displayName"], "Gone");
    assert_eq!(
        emu.graph(&t, "DELETE", &format!("/v1.0/me/contactFolders/{f}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        emu.graph(
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            None
        )
        .await
        .status,
        404
    );
    let m = emu
        .control("GET", &format!("/_emulator/mailboxes/{USER}"), None)
        .await
        .json();
    assert_eq!(
        m["folders"].as_array().unwrap().len(),
        1,
        "only the default folder is left"
    );
    let d = emu
        .graph(&t, "DELETE", "/v1.0/me/contactFolders/contacts", None)
        .await;
    assert_eq!(d.status, 403);
}
