//! Tokens and scopes, shares, `$batch`, the per-mailbox limits and CORS, driven over HTTP.

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

#[tokio::test]
async fn graph_calls_without_a_valid_unexpired_token_are_401() {
    let emu = start().await;
    let none = emu
        .send("GET", "/v1.0/me/contactFolders", &[], None)
        .await
        .unwrap();
    assert_eq!(none.status, 401);
    assert_eq!(none.error_code(), "InvalidAuthenticationToken");
    let bad = emu
        .graph("not-a-token", "GET", "/v1.0/me/contactFolders", None)
        .await;
    assert_eq!(bad.status, 401);
    let t = emu.token().await;
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
    let r = emu
        .control(
            "POST",
            "/_emulator/tokens/expire",
            Some(json!({"user": USER})),
        )
        .await;
    assert_eq!(r.json()["expired"], 1);
    let expired = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.error_code(), "InvalidAuthenticationToken");
    let short = emu
        .control(
            "POST",
            "/_emulator/token",
            Some(json!({"user": USER, "scopes": ["Contacts.Read"], "ttlSeconds": 0})),
        )
        .await
        .json();
    assert_eq!(short["token_type"], "Bearer");
    assert_eq!(short["expires_in"], 0);
    let r = emu
        .graph(
            short["access_token"].as_str().unwrap(),
            "GET",
            "/v1.0/me/contactFolders",
            None,
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn writes_need_contacts_readwrite_and_reads_accept_contacts_read() {
    let emu = start().await;
    let read = emu.token_for(USER, &["Contacts.Read"]).await;
    assert_eq!(
        emu.graph(&read, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
    let w = emu
        .graph(
            &read,
            "POST",
            "/v1.0/me/contactFolders",
            Some(json!({"displayName": "X"})),
        )
        .await;
    assert_eq!(w.status, 403);
    assert_eq!(w.error_code(), "ErrorAccessDenied");
    let rw = emu
        .token_for(USER, &["https://graph.microsoft.com/Contacts.ReadWrite"])
        .await;
    assert_eq!(
        emu.graph(
            &rw,
            "POST",
            "/v1.0/me/contactFolders",
            Some(json!({"displayName": "X"}))
        )
        .await
        .status,
        201
    );
    let other = emu.token_for(USER, &["User.Read"]).await;
    assert_eq!(
        emu.graph(&other, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn another_mailbox_needs_the_shared_scope_and_a_share() {
    let emu = start().await;
    let boss = "boss@contoso.example";
    let path = format!("/v1.0/users/{boss}/contactFolders");
    let plain = emu.token_for(USER, &["Contacts.ReadWrite"]).await;
    let shared = emu
        .token_for(USER, &["Contacts.ReadWrite", "Contacts.ReadWrite.Shared"])
        .await;
    assert_eq!(emu.graph(&plain, "GET", &path, None).await.status, 403);
    assert_eq!(
        emu.graph(&shared, "GET", &path, None).await.status,
        403,
        "no share yet"
    );
    emu.control(
        "POST",
        "/_emulator/shares",
        Some(json!({"owner": boss, "grantee": USER, "access": "read"})),
    )
    .await;
    assert_eq!(
        emu.graph(&plain, "GET", &path, None).await.status,
        403,
        "scope still missing"
    );
    assert_eq!(emu.graph(&shared, "GET", &path, None).await.status, 200);
    let w = emu
        .graph(&shared, "POST", &path, Some(json!({"displayName": "S"})))
        .await;
    assert_eq!(w.status, 403, "read share only");
    emu.control(
        "POST",
        "/_emulator/shares",
        Some(json!({"owner": boss, "grantee": USER, "access": "readWrite"})),
    )
    .await;
    let w = emu
        .graph(&shared, "POST", &path, Some(json!({"displayName": "S"})))
        .await;
    assert_eq!(w.status, 201);
    // The folder landed in the boss's mailbox, not in "me".
    let mine = emu
        .graph(&shared, "GET", "/v1.0/me/contactFolders", None)
        .await
        .json();
    assert_eq!(mine["value"], json!([]));
    // /users/{me} is the caller's own mailbox.
    let own = emu
        .graph(
            &plain,
            "GET",
            &format!("/v1.0/users/{USER}/contactFolders"),
            None,
        )
        .await;
    assert_eq!(own.status, 200);
}

fn by_id(resp: &Value) -> BTreeMap<String, Value> {
    resp["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[tokio::test]
async fn batch_runs_items_with_their_own_status_and_answers_by_id() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let mut requests = vec![];
    for i in 0..18 {
        requests.push(json!({"id": format!("{i}"), "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
            "headers": {"Content-Type": "application/json"}, "body": person("B", &format!("{i}"), &format!("b{i}@x.com"))}));
    }
    requests.push(json!({"id": "nohdr", "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"), "body": person("N", "H", "n@x.com")}));
    requests.push(json!({"id": "missing", "method": "GET", "url": "/me/contacts/NOPE"}));
    let r = emu
        .graph(
            &t,
            "POST",
            "/v1.0/$batch",
            Some(json!({"requests": requests})),
        )
        .await;
    assert_eq!(r.status, 200);
    let items = by_id(&r.json());
    assert_eq!(items.len(), 20);
    for i in 0..18 {
        let it = &items[&i.to_string()];
        assert_eq!(it["status"], 201);
        assert_eq!(it["body"]["surname"], i.to_string());
        assert_eq!(it["headers"]["Content-Type"], "application/json");
    }
    assert_eq!(items["nohdr"]["status"], 400);
    assert_eq!(items["missing"]["status"], 404);
    assert_eq!(
        items["missing"]["body"]["error"]["code"],
        "ErrorItemNotFound"
    );
    assert_eq!(emu.stored(USER, &f).await.len(), 18);
    let stats = emu.stats().await;
    assert_eq!(stats["batchItems"], 20);
    assert_eq!(stats["graphRequestsByKind"]["batch"], 1);
    assert_eq!(
        stats["batchItemsByKind"]["createContact"], 18,
        "the item without Content-Type never ran"
    );
}

#[tokio::test]
async fn batch_over_twenty_items_is_400_and_failed_dependencies_are_424() {
    let emu = start().await;
    let t = emu.token().await;
    let reqs: Vec<Value> = (0..21)
        .map(|i| json!({"id": format!("{i}"), "method": "GET", "url": "/me/contactFolders"}))
        .collect();
    let r = emu
        .graph(&t, "POST", "/v1.0/$batch", Some(json!({"requests": reqs})))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "BadRequest");
    let f = emu.folder(&t, "F").await;
    let reqs = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me/contacts/NOPE"},
        {"id": "2", "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"), "dependsOn": ["1"],
         "headers": {"content-type": "application/json"}, "body": person("D", "E", "d@e.com")},
        {"id": "3", "method": "GET", "url": format!("/me/contactFolders/{f}"), "dependsOn": []},
        {"id": "4", "method": "GET", "url": format!("/me/contactFolders/{f}/contacts?$top=1"), "dependsOn": ["3"]}
    ]});
    let items = by_id(
        &emu.graph(&t, "POST", "/v1.0/$batch", Some(reqs))
            .await
            .json(),
    );
    assert_eq!(items["1"]["status"], 404);
    assert_eq!(items["2"]["status"], 424);
    assert_eq!(items["3"]["status"], 200);
    assert_eq!(items["4"]["status"], 200);
    assert_eq!(
        emu.stored(USER, &f).await.len(),
        0,
        "the dependent write did not run"
    );
}

#[tokio::test]
async fn batch_runs_at_most_four_items_at_once() {
    let emu = start().await;
    let t = emu.token().await;
    emu.set_limits(json!({"latencyMs": 60})).await;
    let reqs: Vec<Value> = (0..20)
        .map(|i| json!({"id": format!("{i}"), "method": "GET", "url": "/me/contactFolders"}))
        .collect();
    let started = std::time::Instant::now();
    let items = by_id(
        &emu.graph(&t, "POST", "/v1.0/$batch", Some(json!({"requests": reqs})))
            .await
            .json(),
    );
    let elapsed = started.elapsed();
    assert!(items.values().all(|i| i["status"] == 200));
    assert_eq!(emu.stats().await["maxConcurrencyObserved"][USER], 4);
    // 20 items, 4 at a time, 60 ms each: at least 5 rounds.
    assert!(elapsed.as_millis() >= 300, "{elapsed:?}");
}

#[tokio::test]
async fn five_concurrent_requests_to_one_mailbox_get_a_mailbox_concurrency_429() {
    let emu = start().await;
    let t = emu.token().await;
    emu.set_limits(json!({"latencyMs": 300, "concurrencyRetryAfterSeconds": 2}))
        .await;
    let mut tasks = vec![];
    for _ in 0..5 {
        let (addr, auth) = (emu.addr, format!("Bearer {t}"));
        tasks.push(tokio::spawn(async move {
            raw_request(
                addr,
                "GET",
                "/v1.0/me/contactFolders",
                &[("Authorization", &auth)],
                None,
            )
            .await
            .unwrap()
        }));
    }
    let mut statuses = vec![];
    let mut throttled = None;
    for task in tasks {
        let r = task.await.unwrap();
        statuses.push(r.status);
        if r.status == 429 {
            throttled = Some(r);
        }
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 429]);
    let r = throttled.unwrap();
    assert_eq!(r.header("Retry-After"), Some("2"));
    assert_eq!(r.error_code(), "ApplicationThrottled");
    assert_eq!(
        r.json()["error"]["message"],
        "Application is over its MailboxConcurrency limit."
    );
    assert_eq!(emu.stats().await["throttledConcurrency"], 1);
}

#[tokio::test]
async fn a_batch_item_over_the_mailbox_concurrency_gets_its_own_429() {
    let emu = start().await;
    let t = emu.token().await;
    emu.set_limits(json!({"latencyMs": 300, "maxConcurrentPerMailbox": 4}))
        .await;
    // Two batches of 4 at once: 8 items want 4 slots.
    let mut tasks = vec![];
    for b in 0..2 {
        let reqs: Vec<Value> = (0..4)
            .map(
                |i| json!({"id": format!("{b}-{i}"), "method": "GET", "url": "/me/contactFolders"}),
            )
            .collect();
        let body = serde_json::to_vec(&json!({"requests": reqs})).unwrap();
        let (addr, auth) = (emu.addr, format!("Bearer {t}"));
        tasks.push(tokio::spawn(async move {
            raw_request(
                addr,
                "POST",
                "/v1.0/$batch",
                &[
                    ("Authorization", &auth),
                    ("Content-Type", "application/json"),
                ],
                Some(&body),
            )
            .await
            .unwrap()
        }));
    }
    let mut throttled = 0;
    for task in tasks {
        let r = task.await.unwrap();
        assert_eq!(r.status, 200);
        for item in r.json()["responses"].as_array().unwrap() {
            if item["status"] == 429 {
                throttled += 1;
                assert_eq!(item["headers"]["Retry-After"], "1");
                assert_eq!(item["body"]["error"]["code"], "ApplicationThrottled");
            } else {
                assert_eq!(item["status"], 200);
            }
        }
    }
    assert_eq!(throttled, 4);
}

#[tokio::test]
async fn request_budget_per_window_answers_429_with_retry_after() {
    let emu = start().await;
    let t = emu.token().await;
    emu.set_limits(json!({"budgetPerWindow": 3, "windowSeconds": 60}))
        .await;
    for _ in 0..3 {
        assert_eq!(
            emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
                .await
                .status,
            200
        );
    }
    let r = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.error_code(), "TooManyRequests");
    let secs: u64 = r.header("Retry-After").unwrap().parse().unwrap();
    assert!((59..=60).contains(&secs), "{secs}");
    // Another mailbox has its own budget.
    let bob = emu
        .token_for("bob@contoso.example", &["Contacts.ReadWrite"])
        .await;
    assert_eq!(
        emu.graph(&bob, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
}

/// Graph refuses a request whose body is over its limit (4 MiB here) with 413
/// `RequestEntityTooLarge`, and counts a `$batch` whole: none of its items runs, however small
/// each is. Exactly the limit goes through, one byte more does not.
#[tokio::test]
async fn a_body_over_the_request_limit_is_413_and_a_batch_over_it_runs_no_item() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let create = format!("/v1.0/me/contactFolders/{f}/contacts");
    // `{"givenName":"…"}` is 16 bytes around the name.
    let named = |bytes: usize| json!({ "givenName": "x".repeat(bytes - 16) });
    assert_eq!(
        emu.control("GET", "/_emulator/limits", None).await.json()["maxRequestBytes"],
        4_194_304
    );
    // Above the 2 MB an HTTP framework would refuse by default, below Graph's limit.
    let r = emu.graph(&t, "POST", &create, Some(named(3_000_000))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = emu.graph(&t, "POST", &create, Some(named(4_194_305))).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.error_code(), "RequestEntityTooLarge");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("4194305 bytes; at most 4194304"),
        "{}",
        r.text()
    );

    emu.set_limits(json!({"maxRequestBytes": 2000})).await;
    let r = emu.graph(&t, "POST", &create, Some(named(2000))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = emu.graph(&t, "POST", &create, Some(named(2001))).await;
    assert_eq!(r.status, 413, "{}", r.text());

    let batch = |n: usize| {
        let requests: Vec<Value> = (0..n)
            .map(|i| json!({"id": format!("{i}"), "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
                            "headers": {"Content-Type": "application/json"}, "body": person("B", &format!("{i}"), &format!("b{i}@x.com"))}))
            .collect();
        json!({ "requests": requests })
    };
    let over = batch(20);
    assert!(serde_json::to_vec(&over).unwrap().len() > 2000);
    let r = emu.graph(&t, "POST", "/v1.0/$batch", Some(over)).await;
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.error_code(), "RequestEntityTooLarge");
    let under = batch(3);
    assert!(serde_json::to_vec(&under).unwrap().len() <= 2000);
    let r = emu.graph(&t, "POST", "/v1.0/$batch", Some(under)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == 201));

    assert_eq!(emu.stored(USER, &f).await.len(), 2 + 3);
    let stats = emu.stats().await;
    assert_eq!(stats["batchItems"], 3, "the refused batch ran no item");
    assert_eq!(stats["graphRequestsByKind"]["requestTooLarge"], 3);
    assert_eq!(stats["statusCounts"]["413"], 3);
}

#[tokio::test]
async fn cors_preflight_allows_any_origin_and_retry_after_is_exposed_only_when_switched_on() {
    let emu = start().await;
    let pre = emu
        .send(
            "OPTIONS",
            "/v1.0/$batch",
            &[
                ("Origin", "http://localhost:9999"),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,content-type",
                ),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(pre.status, 204);
    assert_eq!(pre.header("Access-Control-Allow-Origin"), Some("*"));
    assert!(pre
        .header("Access-Control-Allow-Headers")
        .unwrap()
        .contains("Authorization"));
    assert!(pre
        .header("Access-Control-Allow-Headers")
        .unwrap()
        .contains("Content-Type"));
    for m in ["GET", "POST", "PATCH", "DELETE", "PUT"] {
        assert!(pre
            .header("Access-Control-Allow-Methods")
            .unwrap()
            .contains(m));
    }
    let t = emu.token().await;
    let get = |emu: &Emu| {
        let auth = format!("Bearer {t}");
        let addr = emu.addr;
        async move {
            raw_request(
                addr,
                "GET",
                "/v1.0/me/contactFolders",
                &[
                    ("Authorization", &auth),
                    ("Origin", "http://localhost:9999"),
                ],
                None,
            )
            .await
            .unwrap()
        }
    };
    let r = get(&emu).await;
    assert!(!r
        .header("Access-Control-Expose-Headers")
        .unwrap()
        .contains("Retry-After"));
    emu.set_limits(json!({"exposeRetryAfter": true})).await;
    let r = get(&emu).await;
    assert!(r
        .header("Access-Control-Expose-Headers")
        .unwrap()
        .contains("Retry-After"));
    // Central and the control API answer cross-origin calls too, with credentials.
    let c = emu
        .send(
            "GET",
            "/central/api/contacts",
            &[("Origin", "http://localhost:9999")],
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        c.header("Access-Control-Allow-Origin"),
        Some("http://localhost:9999")
    );
    assert_eq!(c.header("Access-Control-Allow-Credentials"), Some("true"));
    let pre = emu
        .send(
            "OPTIONS",
            "/_emulator/faults",
            &[
                ("Origin", "http://localhost:9999"),
                ("Access-Control-Request-Method", "DELETE"),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(pre.status, 204);
    assert_eq!(emu.stats().await["preflightRequests"], 2);
}
