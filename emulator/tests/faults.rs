//! Injected faults: each kind, at top level and per batch item, and reproducible schedules.

mod common;
use common::*;
use serde_json::{json, Value};

async fn setup() -> (Emu, String, String) {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    (emu, t, f)
}

#[tokio::test]
async fn throttle_fault_answers_429_with_retry_after_then_requests_pass() {
    let (emu, t, _) = setup().await;
    emu.add_fault(json!({"kind": "throttle", "retryAfterSeconds": 2.5, "maxCount": 1}))
        .await;
    let r = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("2.5"));
    assert_eq!(r.error_code(), "TooManyRequests");
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn unavailable_fault_has_retry_after_only_when_configured() {
    let (emu, t, _) = setup().await;
    emu.add_fault(json!({"kind": "unavailable", "retryAfterSeconds": 3, "maxCount": 1}))
        .await;
    emu.add_fault(json!({"kind": "unavailable", "maxCount": 1}))
        .await;
    let first = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(first.status, 503);
    assert_eq!(first.header("Retry-After"), Some("3"));
    let second = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(second.status, 503);
    assert_eq!(second.header("Retry-After"), None);
    assert_eq!(second.error_code(), "ServiceUnavailable");
}

#[tokio::test]
async fn drop_before_write_closes_the_connection_and_writes_nothing() {
    let (emu, t, f) = setup().await;
    emu.add_fault(
        json!({"kind": "dropBeforeWrite", "method": "POST", "pathContains": "/contacts"}),
    )
    .await;
    let r = emu
        .try_graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(person("A", "B", "a@b.co")),
        )
        .await;
    assert!(r.is_err(), "{r:?}");
    assert_eq!(emu.stored(USER, &f).await.len(), 0);
}

#[tokio::test]
async fn drop_after_write_commits_the_contact_then_closes_the_connection() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!({"kind": "dropAfterWrite", "method": "POST", "pathContains": "/contacts"}))
        .await;
    let mut body = person("A", "B", "a@b.co");
    body["singleValueExtendedProperties"] = json!([{"id": EXT_ID, "value": "C-7"}]);
    let r = emu
        .try_graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(body),
        )
        .await;
    assert!(r.is_err(), "{r:?}");
    let stored = emu.stored(USER, &f).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["centralId"], "C-7");
}

#[tokio::test]
async fn drop_after_write_on_a_batch_runs_every_item_then_drops_the_whole_response() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!({"kind": "dropAfterWrite", "pathContains": "$batch"}))
        .await;
    let reqs: Vec<Value> = (0..20)
        .map(|i| json!({"id": format!("{i}"), "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
            "headers": {"Content-Type": "application/json"}, "body": person("A", &format!("{i}"), &format!("a{i}@b.co"))}))
        .collect();
    let r = emu
        .try_graph(&t, "POST", "/v1.0/$batch", Some(json!({"requests": reqs})))
        .await;
    assert!(r.is_err(), "{r:?}");
    assert_eq!(emu.stored(USER, &f).await.len(), 20);
    assert_eq!(emu.stats().await["statusCounts"]["dropped"], 1);
}

#[tokio::test]
async fn batch_item_faults_give_that_item_its_own_429_and_503() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!({"kind": "throttle", "scope": "batchItem", "everyNth": 3, "retryAfterSeconds": 4, "errorCode": "ApplicationThrottled"})).await;
    emu.add_fault(json!({"kind": "unavailable", "scope": "batchItem", "everyNth": 5}))
        .await;
    let reqs: Vec<Value> = (1..=10)
        .map(|i| json!({"id": format!("{i}"), "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
            "headers": {"Content-Type": "application/json"}, "body": person("A", &format!("{i}"), &format!("a{i}@b.co"))}))
        .collect();
    // Items start in order with latency 0 but run concurrently; the nth-counting follows the
    // order items reach the fault check, so count outcomes, not positions.
    let r = emu
        .graph(&t, "POST", "/v1.0/$batch", Some(json!({"requests": reqs})))
        .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let items = body["responses"].as_array().unwrap();
    let count = |s: u64| items.iter().filter(|i| i["status"] == s).count();
    // 10 matches: throttle fires on 3, 6, 9; the 503 rule also counts 10 and fires on 5 and 10.
    assert_eq!(count(429), 3);
    assert_eq!(count(503), 2);
    assert_eq!(count(201), 5);
    for i in items.iter().filter(|i| i["status"] == 429) {
        assert_eq!(i["headers"]["Retry-After"], "4");
        assert_eq!(i["body"]["error"]["code"], "ApplicationThrottled");
    }
    for i in items.iter().filter(|i| i["status"] == 503) {
        assert!(i["headers"].get("Retry-After").is_none());
    }
    assert_eq!(emu.stored(USER, &f).await.len(), 5);
}

#[tokio::test]
async fn slow_fault_delays_the_response_after_executing() {
    let (emu, t, _) = setup().await;
    emu.add_fault(json!({"kind": "slow", "delayMs": 400, "method": "GET"}))
        .await;
    let started = std::time::Instant::now();
    let r = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(r.status, 200);
    assert!(started.elapsed().as_millis() >= 400);
}

#[tokio::test]
async fn fault_rules_only_match_their_method_and_path() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!({"kind": "throttle", "method": "PATCH"}))
        .await;
    let c = emu
        .graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(person("A", "B", "a@b.co")),
        )
        .await;
    assert_eq!(c.status, 201);
    let id = c.json()["id"].as_str().unwrap().to_string();
    let p = emu
        .graph(
            &t,
            "PATCH",
            &format!("/v1.0/me/contacts/{id}"),
            Some(json!({"title": "Mr"})),
        )
        .await;
    assert_eq!(p.status, 429);
    let faults = emu.control("GET", "/_emulator/faults", None).await.json();
    assert_eq!(faults["rules"][0]["matched"], 1);
    assert_eq!(faults["rules"][0]["fired"], 1);
    assert_eq!(faults["log"][0]["method"], "PATCH");
    assert_eq!(
        emu.control("DELETE", "/_emulator/faults", None)
            .await
            .status,
        204
    );
    let p = emu
        .graph(
            &t,
            "PATCH",
            &format!("/v1.0/me/contacts/{id}"),
            Some(json!({"title": "Mr"})),
        )
        .await;
    assert_eq!(p.status, 200);
}

async fn schedule(emu: &Emu, t: &str, rule: Value) -> Vec<u16> {
    emu.control("DELETE", "/_emulator/faults", None).await;
    emu.add_fault(rule).await;
    let mut out = vec![];
    for _ in 0..40 {
        out.push(
            emu.graph(t, "GET", "/v1.0/me/contactFolders", None)
                .await
                .status,
        );
    }
    out
}

#[tokio::test]
async fn a_seeded_probability_schedule_is_reproducible() {
    let (emu, t, _) = setup().await;
    let rule = |seed: u64| json!({"kind": "unavailable", "probability": 0.3, "seed": seed});
    let a = schedule(&emu, &t, rule(42)).await;
    let b = schedule(&emu, &t, rule(42)).await;
    let c = schedule(&emu, &t, rule(7)).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    let failures = a.iter().filter(|s| **s == 503).count();
    assert!((4..=20).contains(&failures), "{failures} of 40");
    let log = emu.control("GET", "/_emulator/faults", None).await.json();
    assert_eq!(log["rules"][0]["matched"], 40);
}

#[tokio::test]
async fn every_nth_schedule_fires_on_multiples_up_to_max_count() {
    let (emu, t, _) = setup().await;
    let s = schedule(
        &emu,
        &t,
        json!({"kind": "throttle", "everyNth": 4, "maxCount": 3}),
    )
    .await;
    let fired: Vec<usize> = s
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == 429)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(fired, [4, 8, 12]);
}

#[tokio::test]
async fn invalid_fault_rules_are_rejected() {
    let emu = start().await;
    for bad in [
        json!({"kind": "explode"}),
        json!({"kind": "malformedJson"}),
        json!({"kind": "throttle", "everyNth": 2, "probability": 0.5}),
        json!({"kind": "slow"}),
        json!({"kind": "throttle", "unknownField": 1}),
    ] {
        assert_eq!(
            emu.control("POST", "/_emulator/faults", Some(bad.clone()))
                .await
                .status,
            400,
            "{bad}"
        );
    }
}
