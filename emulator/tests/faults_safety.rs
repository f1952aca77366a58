//! Faults for safe runs: late commits (top level, batch item, whole batch), 5xx answers
//! (500/502/504, before or after the write), and batch answers that miss items.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn setup() -> (Emu, String, String) {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    (emu, t, f)
}

fn create_body(central_id: &str) -> Value {
    let mut body = person("A", "B", &format!("{central_id}@b.co"));
    body["singleValueExtendedProperties"] = json!([{"id": EXT_ID, "value": central_id}]);
    body
}

/// The lookup a careful client makes: by the Central id.
async fn lookup(emu: &Emu, t: &str, f: &str, central_id: &str) -> usize {
    let filter = enc(&format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{EXT_ID}' and ep/value eq '{central_id}')"
    ));
    let r = emu
        .graph(
            t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts?$filter={filter}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["value"].as_array().unwrap().len()
}

async fn eventually(emu: &Emu, t: &str, f: &str, central_id: &str, want: usize) {
    for _ in 0..60 {
        if lookup(emu, t, f, central_id).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{central_id}: never {want} found");
}

#[tokio::test]
async fn late_commit_loses_the_answer_and_writes_only_later() {
    let (emu, t, f) = setup().await;
    emu.add_fault(
        json!({"kind": "lateCommit", "method": "POST", "pathContains": "/contacts",
                         "commitAfterMs": 1000, "maxCount": 1}),
    )
    .await;
    let r = emu
        .try_graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(create_body("C-1")),
        )
        .await;
    assert!(r.is_err(), "the answer is lost: {r:?}");
    assert_eq!(
        lookup(&emu, &t, &f, "C-1").await,
        0,
        "a lookup right away finds nothing"
    );
    assert_eq!(emu.stats().await["lateCommitsPending"], 1);
    eventually(&emu, &t, &f, "C-1", 1).await;
    let stats = emu.stats().await;
    assert_eq!(stats["lateCommitsDone"], 1);
    assert_eq!(stats["statusCounts"]["dropped"], 1);
}

#[tokio::test]
async fn late_commit_with_delay_answers_the_real_outcome_late() {
    let (emu, t, f) = setup().await;
    emu.add_fault(
        json!({"kind": "lateCommit", "method": "POST", "pathContains": "/contacts",
                         "commitAfterMs": 600, "delayMs": 1500, "maxCount": 1}),
    )
    .await;
    let started = std::time::Instant::now();
    let emu2 = &emu;
    let t2 = t.clone();
    let f2 = f.clone();
    let slow = async move {
        emu2.graph(
            &t2,
            "POST",
            &format!("/v1.0/me/contactFolders/{f2}/contacts"),
            Some(create_body("C-2")),
        )
        .await
    };
    let probe = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = lookup(&emu, &t, &f, "C-2").await;
        tokio::time::sleep(Duration::from_millis(900)).await;
        let after = lookup(&emu, &t, &f, "C-2").await;
        (before, after)
    };
    let (answer, (before, after)) = tokio::join!(slow, probe);
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!(
        (before, after),
        (0, 1),
        "committed after commitAfterMs, answered after delayMs"
    );
}

#[tokio::test]
async fn a_late_batch_item_drops_the_batch_answer_the_others_run_now() {
    let (emu, t, f) = setup().await;
    emu.add_fault(
        json!({"kind": "lateCommit", "scope": "batchItem", "pathContains": "/contacts",
                         "everyNth": 2, "maxCount": 1, "commitAfterMs": 800}),
    )
    .await;
    emu.set_limits(json!({"shuffleBatchResponses": false}))
        .await;
    let requests: Vec<Value> = ["C-1", "C-2", "C-3"]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"id": format!("{i}"), "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
                   "headers": {"Content-Type": "application/json"}, "body": create_body(c)})
        })
        .collect();
    let r = emu
        .try_graph(
            &t,
            "POST",
            "/v1.0/$batch",
            Some(json!({ "requests": requests })),
        )
        .await;
    assert!(r.is_err(), "{r:?}");
    let now: usize = [
        lookup(&emu, &t, &f, "C-1").await,
        lookup(&emu, &t, &f, "C-2").await,
        lookup(&emu, &t, &f, "C-3").await,
    ]
    .iter()
    .sum();
    assert_eq!(now, 2, "one item is still to commit");
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..60 {
        if emu.stats().await["lateCommitsPending"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(emu.stored(USER, &f).await.len(), 3);
}

#[tokio::test]
async fn a_late_whole_batch_runs_after_the_answer_was_lost() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!({"kind": "lateCommit", "pathContains": "$batch", "commitAfterMs": 700, "maxCount": 1}))
        .await;
    let requests = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
         "headers": {"Content-Type": "application/json"}, "body": create_body("C-7")}
    ]});
    assert!(emu
        .try_graph(&t, "POST", "/v1.0/$batch", Some(requests))
        .await
        .is_err());
    assert_eq!(lookup(&emu, &t, &f, "C-7").await, 0);
    eventually(&emu, &t, &f, "C-7", 1).await;
}

#[tokio::test]
async fn server_errors_500_502_504_at_top_level_per_item_and_on_central() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!([
        {"kind": "serverError", "method": "GET", "pathContains": "/contactFolders", "maxCount": 1},
        {"kind": "serverError", "status": 504, "retryAfterSeconds": 3, "method": "GET", "pathContains": "/contactFolders", "maxCount": 1},
        {"kind": "serverError", "scope": "batchItem", "status": 502, "maxCount": 1},
        {"kind": "serverError", "scope": "central", "status": 500, "maxCount": 1}
    ]))
    .await;
    let r = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.error_code(), "InternalServerError");
    assert!(r.json()["error"]["innerError"]["request-id"].is_string());
    assert_eq!(r.header("Retry-After"), None);
    let r = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(r.status, 504);
    assert_eq!(r.error_code(), "GatewayTimeout");
    assert_eq!(r.header("Retry-After"), Some("3"));
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );

    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
         "headers": {"Content-Type": "application/json"}, "body": create_body("C-1")}
    ]});
    let r = emu
        .graph(&t, "POST", "/v1.0/$batch", Some(batch))
        .await
        .json();
    assert_eq!(r["responses"][0]["status"], 502);
    assert_eq!(r["responses"][0]["body"]["error"]["code"], "BadGateway");
    assert_eq!(lookup(&emu, &t, &f, "C-1").await, 0, "nothing ran");

    let c = emu
        .send("GET", "/central/api/contacts", &[], None)
        .await
        .unwrap();
    assert_eq!(c.status, 500);
    let bad = emu
        .send(
            "POST",
            "/_emulator/faults",
            &[],
            Some(&json!({"kind": "serverError", "status": 404})),
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_server_error_after_the_write_commits_it() {
    let (emu, t, f) = setup().await;
    emu.add_fault(
        json!({"kind": "serverError", "status": 504, "executed": true,
                         "method": "POST", "pathContains": "/contacts", "maxCount": 1}),
    )
    .await;
    let r = emu
        .graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(create_body("C-5")),
        )
        .await;
    assert_eq!(r.status, 504);
    assert_eq!(lookup(&emu, &t, &f, "C-5").await, 1, "the write committed");
}

#[tokio::test]
async fn batch_answers_can_miss_items_that_ran_or_did_not() {
    let (emu, t, f) = setup().await;
    emu.add_fault(json!([
        {"kind": "batchMissingItems", "count": 2, "maxCount": 1},
        {"kind": "batchMissingItems", "executed": false, "maxCount": 1}
    ]))
    .await;
    // A plain GET does not consume the rules: they act on $batch only.
    assert_eq!(
        emu.graph(&t, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
    let batch = |ids: &[&str]| {
        let requests: Vec<Value> = ids
            .iter()
            .map(|c| {
                json!({"id": c, "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
                       "headers": {"Content-Type": "application/json"}, "body": create_body(c)})
            })
            .collect();
        json!({ "requests": requests })
    };
    let r = emu
        .graph(
            &t,
            "POST",
            "/v1.0/$batch",
            Some(batch(&["C-1", "C-2", "C-3"])),
        )
        .await;
    assert_eq!(r.status, 200);
    let answered: Vec<String> = r.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(answered, ["C-1"], "the last two items are missing");
    for c in ["C-1", "C-2", "C-3"] {
        assert_eq!(lookup(&emu, &t, &f, c).await, 1, "{c} ran");
    }
    let r = emu
        .graph(&t, "POST", "/v1.0/$batch", Some(batch(&["C-4", "C-5"])))
        .await
        .json();
    assert_eq!(r["responses"].as_array().unwrap().len(), 1);
    assert_eq!(r["responses"][0]["id"], "C-4");
    assert_eq!(lookup(&emu, &t, &f, "C-4").await, 1);
    assert_eq!(lookup(&emu, &t, &f, "C-5").await, 0, "executed: false");
    // Only the graph scope takes this kind.
    let bad = emu
        .send(
            "POST",
            "/_emulator/faults",
            &[],
            Some(&json!({"kind": "batchMissingItems", "scope": "batchItem"})),
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    let log = emu.control("GET", "/_emulator/faults", None).await.json();
    assert_eq!(log["log"].as_array().unwrap().len(), 2);
}
