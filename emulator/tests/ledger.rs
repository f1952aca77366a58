//! Central's sync ledger (DESIGN §2, §8) and the `version` of Central's records: conditional
//! PUTs, 404/412/428/413/400, auth, CORS, the control calls, a Central without ledgers, and
//! faults on ledger calls.

mod common;
use common::*;
use serde_json::{json, Value};

const KEY: &str = "AAMkAGI2TG93AAA=";
/// `KEY` URL-encoded as a client sends it.
const KEY_ENC: &str = "AAMkAGI2TG93AAA%3D";

fn ledger_path() -> String {
    format!("/central/api/sync-ledgers/{KEY_ENC}")
}

fn ledger(run: &str) -> Value {
    json!({"schema": 1, "lease": {"runId": run, "expiresAt": "2026-01-01T00:02:00Z"},
           "entries": [{"centralId": "C-1", "kind": "contact", "outlookId": "AAkALg", "base": {"email": "a@b.co"}}],
           "deltaLinks": {}, "history": []})
}

async fn put(emu: &Emu, headers: &[(&str, &str)], body: &Value) -> Resp {
    emu.send("PUT", &ledger_path(), headers, Some(body))
        .await
        .expect("answered")
}

async fn get(emu: &Emu, headers: &[(&str, &str)]) -> Resp {
    emu.send("GET", &ledger_path(), headers, None)
        .await
        .expect("answered")
}

#[tokio::test]
async fn ledger_put_is_conditional_and_get_returns_it_with_its_etag() {
    let emu = start().await;
    let missing = get(&emu, &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "notFound");
    assert!(missing.json()["error"]["message"].is_string());

    // Neither header → 428; If-Match on an absent ledger → 412.
    let r = put(&emu, &[], &ledger("r1")).await;
    assert_eq!(r.status, 428);
    assert_eq!(r.error_code(), "preconditionRequired");
    assert_eq!(
        put(&emu, &[("If-Match", "\"L1\"")], &ledger("r1"))
            .await
            .status,
        412
    );

    // Created with If-None-Match: *.
    let created = put(&emu, &[("If-None-Match", "*")], &ledger("r1")).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let etag1 = created.header("ETag").unwrap().to_string();
    assert_eq!(created.json()["etag"], etag1.as_str());
    let read = get(&emu, &[]).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("ETag"), Some(etag1.as_str()));
    assert_eq!(read.json(), ledger("r1"));
    // A second create loses.
    let again = put(&emu, &[("If-None-Match", "*")], &ledger("r2")).await;
    assert_eq!(again.status, 412);
    assert_eq!(again.error_code(), "preconditionFailed");

    // Replace with the current ETag → 200 and a new ETag; the old one is stale after that.
    let replaced = put(&emu, &[("If-Match", &etag1)], &ledger("r2")).await;
    assert_eq!(replaced.status, 200);
    let etag2 = replaced.header("ETag").unwrap().to_string();
    assert_ne!(etag2, etag1);
    let stale = put(&emu, &[("If-Match", &etag1)], &ledger("r3")).await;
    assert_eq!(stale.status, 412);
    assert_eq!(get(&emu, &[]).await.json()["lease"]["runId"], "r2");
    assert_eq!(emu.stats().await["ledgerRequests"], 9);

    // The key is decoded: the control API sees it under its plain form, and so does a client
    // that did not encode the `=`.
    let by_control = emu
        .control(
            "GET",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            None,
        )
        .await;
    assert_eq!(by_control.status, 200);
    assert_eq!(by_control.header("ETag"), Some(etag2.as_str()));
    let plain = emu
        .send(
            "GET",
            &format!("/central/api/sync-ledgers/{KEY}"),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(plain.header("ETag"), Some(etag2.as_str()));
    let list = emu
        .control("GET", "/_emulator/central/ledgers", None)
        .await
        .json();
    assert_eq!(list["ledgers"][0]["key"], KEY);
    assert_eq!(list["ledgers"][0]["etag"], etag2.as_str());
}

#[tokio::test]
async fn ledger_bodies_must_be_json_objects_within_the_size_limit() {
    let emu = start().await;
    for bad in [json!([1, 2]), json!("text"), json!(null)] {
        let r = put(&emu, &[("If-None-Match", "*")], &bad).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.error_code(), "badRequest");
    }
    let r = emulator_raw(
        &emu,
        "PUT",
        &ledger_path(),
        &[("If-None-Match", "*")],
        b"{not json",
    )
    .await;
    assert_eq!(r.status, 400);
    // A small limit makes 413 cheap to see (the default is 256 MB).
    emu.control(
        "PUT",
        "/_emulator/central/settings",
        Some(json!({"ledgerMaxBytes": 1000})),
    )
    .await;
    let big = json!({"schema": 1, "entries": [], "pad": "x".repeat(2000)});
    let r = put(&emu, &[("If-None-Match", "*")], &big).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.error_code(), "payloadTooLarge");
    assert_eq!(get(&emu, &[]).await.status, 404, "nothing stored");
    let settings = emu
        .control("GET", "/_emulator/central/settings", None)
        .await
        .json();
    assert_eq!(settings["ledgerMaxBytes"], 1000);
    assert_eq!(settings["ledger"], "on");
}

async fn emulator_raw(
    emu: &Emu,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut h = headers.to_vec();
    h.push(("Content-Type", "application/json"));
    raw_request(emu.addr, method, target, &h, Some(body))
        .await
        .unwrap()
}

#[tokio::test]
async fn ledger_calls_are_authorised_like_central_contacts_and_cors_exposes_etag() {
    let emu = start().await;
    emu.control(
        "PUT",
        "/_emulator/central/settings",
        Some(json!({"requiredToken": "central-secret"})),
    )
    .await;
    let r = get(&emu, &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("WWW-Authenticate"), Some("Bearer"));
    assert_eq!(
        put(&emu, &[("If-None-Match", "*")], &ledger("r"))
            .await
            .status,
        401
    );
    let auth = [
        ("Authorization", "Bearer central-secret"),
        ("If-None-Match", "*"),
        ("Origin", "http://localhost:9999"),
    ];
    let created = put(&emu, &auth, &ledger("r")).await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.header("Access-Control-Allow-Origin"),
        Some("http://localhost:9999")
    );
    assert!(created
        .header("Access-Control-Expose-Headers")
        .unwrap()
        .contains("ETag"));
    let pre = emu
        .send(
            "OPTIONS",
            &ledger_path(),
            &[
                ("Origin", "http://localhost:9999"),
                ("Access-Control-Request-Method", "PUT"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,content-type,if-match,if-none-match",
                ),
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(pre.status, 204);
    let allowed = pre
        .header("Access-Control-Allow-Headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("if-match") && allowed.contains("if-none-match"));
    assert!(pre
        .header("Access-Control-Allow-Methods")
        .unwrap()
        .contains("PUT"));
}

#[tokio::test]
async fn control_calls_read_replace_and_delete_ledgers() {
    let emu = start().await;
    let r = emu
        .control(
            "PUT",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            Some(ledger("seeded")),
        )
        .await;
    assert_eq!(r.status, 201);
    let etag = r.header("ETag").unwrap().to_string();
    let read = get(&emu, &[]).await;
    assert_eq!(read.header("ETag"), Some(etag.as_str()));
    assert_eq!(read.json()["lease"]["runId"], "seeded");
    // A replace by the control API moves the ETag on, as another device's run would.
    let r = emu
        .control(
            "PUT",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            Some(ledger("other device")),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        put(&emu, &[("If-Match", &etag)], &ledger("mine"))
            .await
            .status,
        412
    );
    assert_eq!(
        emu.control(
            "PUT",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            Some(json!([]))
        )
        .await
        .status,
        400
    );
    let del = emu
        .control(
            "DELETE",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            None,
        )
        .await;
    assert_eq!(del.status, 204);
    assert_eq!(get(&emu, &[]).await.status, 404);
    assert_eq!(
        emu.control(
            "DELETE",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        emu.control(
            "GET",
            &format!("/_emulator/central/ledgers/{KEY_ENC}"),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn a_central_without_ledgers_answers_404_405_or_501() {
    let emu = start().await;
    for (mode, status) in [
        ("absent", 404),
        ("methodNotAllowed", 405),
        ("notImplemented", 501),
    ] {
        let s = emu
            .control(
                "PUT",
                "/_emulator/central/settings",
                Some(json!({"ledger": mode})),
            )
            .await;
        assert_eq!(s.status, 200, "{}", s.text());
        assert_eq!(get(&emu, &[]).await.status, status, "{mode}");
        let r = put(&emu, &[("If-None-Match", "*")], &ledger("r")).await;
        assert_eq!(r.status, status, "{mode}");
        assert!(r.json()["error"]["code"].is_string());
    }
    assert_eq!(
        emu.control(
            "PUT",
            "/_emulator/central/settings",
            Some(json!({"ledger": "maybe"}))
        )
        .await
        .status,
        400
    );
    emu.control(
        "PUT",
        "/_emulator/central/settings",
        Some(json!({"ledger": "on"})),
    )
    .await;
    assert_eq!(
        put(&emu, &[("If-None-Match", "*")], &ledger("r"))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn central_faults_target_ledger_calls_by_path_and_method() {
    let emu = start().await;
    emu.add_fault(json!([
        {"kind": "throttle", "scope": "central", "pathContains": "/sync-ledgers", "method": "GET", "maxCount": 1, "retryAfterSeconds": 2},
        {"kind": "serverError", "scope": "central", "pathContains": "/sync-ledgers", "method": "PUT", "status": 502, "maxCount": 1},
        {"kind": "dropAfterWrite", "scope": "central", "pathContains": "/sync-ledgers", "method": "PUT", "everyNth": 2, "maxCount": 1}
    ]))
    .await;
    // Contacts reads are not touched by these rules.
    emu.control(
        "PUT",
        "/_emulator/central/contacts",
        Some(json!([{"id": "C-1"}])),
    )
    .await;
    let contacts = emu
        .send("GET", "/central/api/contacts", &[], None)
        .await
        .unwrap();
    assert_eq!(contacts.status, 200);

    let r = get(&emu, &[]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("2"));
    assert_eq!(r.error_code(), "tooManyRequests");
    // 502: nothing stored.
    let r = put(&emu, &[("If-None-Match", "*")], &ledger("r1")).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.error_code(), "badGateway");
    assert_eq!(get(&emu, &[]).await.status, 404);
    // The 2nd PUT commits, then its answer is lost.
    let lost = emu
        .send(
            "PUT",
            &ledger_path(),
            &[("If-None-Match", "*")],
            Some(&ledger("r2")),
        )
        .await;
    assert!(
        lost.is_err() || lost.as_ref().unwrap().status != 201,
        "{lost:?}"
    );
    let read = get(&emu, &[]).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["lease"]["runId"], "r2");
    let faults = emu.control("GET", "/_emulator/faults", None).await.json();
    let paths: Vec<&str> = faults["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 3);
    assert!(paths.iter().all(|p| *p == ledger_path()), "{paths:?}");
}

#[tokio::test]
async fn a_late_ledger_commit_lands_after_the_client_gave_up() {
    let emu = start().await;
    emu.add_fault(
        json!({"kind": "lateCommit", "scope": "central", "method": "PUT",
                         "pathContains": "/sync-ledgers", "commitAfterMs": 800, "maxCount": 1}),
    )
    .await;
    let lost = emu
        .send(
            "PUT",
            &ledger_path(),
            &[("If-None-Match", "*")],
            Some(&ledger("late")),
        )
        .await;
    assert!(
        lost.is_err() || lost.as_ref().unwrap().status != 201,
        "{lost:?}"
    );
    assert_eq!(get(&emu, &[]).await.status, 404, "not committed yet");
    assert_eq!(emu.stats().await["lateCommitsPending"], 1);
    let mut found = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if get(&emu, &[]).await.status == 200 {
            found = true;
            break;
        }
    }
    assert!(found, "the late commit landed");
    assert_eq!(get(&emu, &[]).await.json()["lease"]["runId"], "late");
    assert_eq!(emu.stats().await["lateCommitsDone"], 1);
}

#[tokio::test]
async fn central_records_carry_a_version_that_moves_on_every_change() {
    let emu = start().await;
    let data = json!([
        {"id": "C-1", "firstName": "Ann", "status": "active"},
        {"id": "C-2", "firstName": "Bob", "status": "active", "version": "given"},
        "not an object",
        {"firstName": "no id"}
    ]);
    emu.control("PUT", "/_emulator/central/contacts", Some(data))
        .await;
    let read = || async {
        emu.send("GET", "/central/api/contacts?pageSize=10", &[], None)
            .await
            .unwrap()
            .json()["items"]
            .clone()
    };
    let items = read().await;
    assert_eq!(items[0]["version"], "1");
    assert_eq!(
        items[1]["version"], "2",
        "the emulator's version, not the given one"
    );
    assert_eq!(items[2], "not an object");
    assert_eq!(items[3], json!({"firstName": "no id"}), "no id: as given");

    // PUT the same data back (as read, versions included) with one record changed.
    let mut back = emu
        .control("GET", "/_emulator/central/contacts", None)
        .await
        .json();
    back[1]["firstName"] = json!("Robert");
    emu.control("PUT", "/_emulator/central/contacts", Some(back))
        .await;
    let items = read().await;
    assert_eq!(
        items[0]["version"], "1",
        "unchanged record keeps its version"
    );
    assert_eq!(items[1]["version"], "3");
    assert_eq!(items[1]["firstName"], "Robert");

    // A user's edit in Central through the control API.
    let edited = emu
        .control(
            "PATCH",
            "/_emulator/central/contacts/C-1",
            Some(json!({"mobile": "+44 7700 900123", "version": "ignored"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    assert_eq!(edited.json()["version"], "4");
    let items = read().await;
    assert_eq!(items[0]["mobile"], "+44 7700 900123");
    assert_eq!(items[0]["version"], "4");
    // An edit that changes nothing keeps the version.
    let same = emu
        .control(
            "PATCH",
            "/_emulator/central/contacts/C-1",
            Some(json!({"firstName": "Ann"})),
        )
        .await;
    assert_eq!(same.json()["version"], "4");
    assert_eq!(
        emu.control("PATCH", "/_emulator/central/contacts/C-9", Some(json!({})))
            .await
            .status,
        404
    );
}
