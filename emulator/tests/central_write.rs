//! Central's write API (DESIGN §2) for contacts and accounts: one record's GET, PATCH and
//! DELETE on `If-Match` (428/412/404, nothing written when refused), POST with new ids,
//! validation that names the field, soft deletes, the accounts listing and control calls,
//! auth, faults on writes, and the request counts in the stats.

mod common;
use common::*;
use serde_json::{json, Value};

fn ann() -> Value {
    json!({"id": "C-1", "status": "active", "type": "contact", "firstName": "Ann", "lastName": "Lee",
           "email": "ann@example.org", "mobile": "+44 7700 900123",
           "homeAddress": {"line1": "Flat 1", "line2": "King's Court", "town": "Leeds", "postcode": "LS1 4AB"}})
}

/// An emulator holding `ann()` (version 1) and `C-2` (version 2).
async fn seeded() -> Emu {
    let emu = start().await;
    let r = emu
        .control(
            "PUT",
            "/_emulator/central/contacts",
            Some(json!([ann(), {"id": "C-2", "status": "active", "firstName": "Bob"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    emu
}

async fn call(
    emu: &Emu,
    method: &str,
    path: &str,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> Resp {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
    emu.send(method, path, &headers, body)
        .await
        .expect("answered")
}

async fn get(emu: &Emu, path: &str) -> Resp {
    call(emu, "GET", path, None, None).await
}

/// The stored record through the control API (no auth, no faults).
async fn stored(emu: &Emu, kind: &str, id: &str) -> Value {
    let all = emu
        .control("GET", &format!("/_emulator/central/{kind}"), None)
        .await
        .json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn get_answers_the_record_with_its_version_as_etag_or_404() {
    let emu = seeded().await;
    let r = get(&emu, "/central/api/contacts/C-1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("ETag"), Some("1"));
    let mut want = ann();
    want["version"] = json!("1");
    assert_eq!(r.json(), want);
    let missing = get(&emu, "/central/api/contacts/C-9").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        json!({"error": {"code": "notFound", "message": "No contact with id 'C-9'."}})
    );
    // Ids are one path segment, percent-decoded.
    emu.control(
        "PUT",
        "/_emulator/central/contacts",
        Some(json!([{"id": "C 1/x?", "status": "active"}])),
    )
    .await;
    let odd = get(&emu, "/central/api/contacts/C%201%2Fx%3F").await;
    assert_eq!(odd.status, 200, "{}", odd.text());
    assert_eq!(odd.json()["id"], "C 1/x?");
}

#[tokio::test]
async fn patch_writes_the_fields_over_the_current_version_and_moves_it_on() {
    let emu = seeded().await;
    let body = json!({"mobile": null, "email": "ann.lee@example.org", "homeAddress": {"town": "York"}, "type": "individual"});
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("1"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("ETag"),
        Some("3"),
        "the next version of Central's one counter"
    );
    let rec = r.json();
    assert_eq!(rec["version"], "3");
    assert_eq!(rec["email"], "ann.lee@example.org");
    assert_eq!(rec["mobile"], Value::Null);
    assert_eq!(rec["type"], "individual");
    assert_eq!(
        rec["homeAddress"],
        json!({"town": "York"}),
        "an address is replaced whole"
    );
    assert_eq!(rec["firstName"], "Ann", "fields not sent are kept");
    assert!(rec["modifiedAt"].as_str().unwrap().ends_with('Z'), "{rec}");
    assert_eq!(stored(&emu, "contacts", "C-1").await, rec);
    let listed = get(&emu, "/central/api/contacts?status=active")
        .await
        .json();
    assert_eq!(listed["items"][0], rec);

    // Quoted (or weak) versions name it too; the old version is stale now.
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("\"3\""),
        Some(&json!({"title": "Dr"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["version"], "4");
    let stats = emu.stats().await;
    assert_eq!(stats["centralWrites"], json!({"PATCH": 2}));
    assert_eq!(
        stats["centralRequestsByKind"],
        json!({"updateContact": 2, "listContacts": 1})
    );
    assert_eq!(stats["centralRequests"], 1, "only the listing's pages");
}

#[tokio::test]
async fn patch_needs_the_current_version_and_writes_nothing_otherwise() {
    let emu = seeded().await;
    let before = stored(&emu, "contacts", "C-1").await;
    let body = json!({"firstName": "Anne"});
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 428);
    assert_eq!(r.error_code(), "preconditionRequired");
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("2"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.error_code(), "versionMismatch");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("version is 1"));
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-9",
        Some("1"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "notFound");
    assert_eq!(
        stored(&emu, "contacts", "C-1").await,
        before,
        "nothing written"
    );
    // A user's edit in Central moves the version on: the version read before is stale.
    emu.control(
        "PATCH",
        "/_emulator/central/contacts/C-1",
        Some(json!({"mobile": "+44 7700 900999"})),
    )
    .await;
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("1"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 412);
    assert_eq!(stored(&emu, "contacts", "C-1").await["firstName"], "Ann");
}

#[tokio::test]
async fn patch_refuses_fields_it_does_not_know_or_may_not_write_and_names_them() {
    let emu = seeded().await;
    let before = stored(&emu, "contacts", "C-1").await;
    let cases = [
        (json!({"nickname": "Annie"}), "'nickname'"),
        (
            json!({"firstName": "Anne", "mobile": 7700900123u64}),
            "'mobile'",
        ),
        (json!({"email": ["a@b.co"]}), "'email'"),
        (json!({"type": "person"}), "'type'"),
        (json!({"status": null}), "'status'"),
        (json!({"accountId": 17}), "'accountId'"),
        (json!({"homeAddress": "Leeds"}), "'homeAddress'"),
        (
            json!({"homeAddress": {"street": "Long Street"}}),
            "'homeAddress.street'",
        ),
        (
            json!({"businessAddress": {"town": 1}}),
            "'businessAddress.town'",
        ),
        (json!({"id": "C-2"}), "'id'"),
        (json!({"version": "9"}), "'version'"),
        (json!({"createdAt": "2020-01-01T00:00:00Z"}), "'createdAt'"),
        (
            json!({"modifiedAt": "2020-01-01T00:00:00Z"}),
            "'modifiedAt'",
        ),
        (json!({"name": "Contoso"}), "'name'"),
    ];
    for (body, field) in &cases {
        let r = call(
            &emu,
            "PATCH",
            "/central/api/contacts/C-1",
            Some("1"),
            Some(body),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.error_code(), "invalidField", "{body}");
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains(field), "{body}: {message}");
    }
    for body in [json!([{"firstName": "Anne"}]), json!("Anne"), json!(null)] {
        let r = call(
            &emu,
            "PATCH",
            "/central/api/contacts/C-1",
            Some("1"),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.error_code(), "invalidField", "{body}");
    }
    let r = raw_request(
        emu.addr,
        "PATCH",
        "/central/api/contacts/C-1",
        &[("If-Match", "1"), ("Content-Type", "application/json")],
        Some(b"{\"firstName\":"),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "badRequest");
    assert_eq!(
        stored(&emu, "contacts", "C-1").await,
        before,
        "nothing written"
    );
    assert_eq!(emu.stats().await["centralWrites"]["PATCH"], cases.len() + 4);
}

#[tokio::test]
async fn post_creates_a_record_with_a_new_id_version_and_defaults() {
    let emu = start().await;
    // Ids of the created form stored by the control API are skipped, not given twice.
    emu.control(
        "PUT",
        "/_emulator/central/contacts",
        Some(json!([ann(), {"id": "C-2", "status": "active"}, {"id": "C-3"}])),
    )
    .await;
    let version_before = stored(&emu, "contacts", "C-3").await["version"].clone();
    assert_eq!(version_before, "3");
    let body = json!({"firstName": "Cat", "email": "cat@example.org", "businessAddress": {"town": "Hull", "line2": null}});
    let r = call(&emu, "POST", "/central/api/contacts", None, Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let rec = r.json();
    assert_eq!(rec["id"], "C-4");
    assert_eq!(rec["version"], "4");
    assert_eq!(r.header("ETag"), Some("4"));
    assert_eq!(rec["status"], "active");
    assert_eq!(rec["type"], "contact");
    assert_eq!(rec["firstName"], "Cat");
    assert_eq!(
        rec["businessAddress"],
        json!({"town": "Hull", "line2": null})
    );
    assert!(rec["createdAt"].as_str().unwrap().ends_with('Z'), "{rec}");
    assert_eq!(rec["createdAt"], rec["modifiedAt"]);
    assert_eq!(stored(&emu, "contacts", "C-4").await, rec);
    assert_eq!(get(&emu, "/central/api/contacts/C-4").await.json(), rec);

    // Given status and type are kept.
    let r = call(
        &emu,
        "POST",
        "/central/api/contacts",
        None,
        Some(&json!({"status": "lead", "type": "individual"})),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        (
            r.json()["id"].clone(),
            r.json()["status"].clone(),
            r.json()["type"].clone()
        ),
        (json!("C-5"), json!("lead"), json!("individual"))
    );

    // Once every record is replaced, ids still are not given again.
    emu.control("PUT", "/_emulator/central/contacts", Some(json!([])))
        .await;
    let r = call(
        &emu,
        "POST",
        "/central/api/contacts",
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.json()["id"], "C-6");

    // The same validation as PATCH; an id or version of its own is refused.
    for (bad, field) in [
        (json!({"id": "C-77", "firstName": "Dan"}), "'id'"),
        (json!({"version": "1"}), "'version'"),
        (json!({"firstName": 5}), "'firstName'"),
        (json!({"colour": "red"}), "'colour'"),
        (json!(["x"]), "object"),
    ] {
        let r = call(&emu, "POST", "/central/api/contacts", None, Some(&bad)).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.error_code(), "invalidField");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{}",
            r.text()
        );
    }
    let all = emu
        .control("GET", "/_emulator/central/contacts", None)
        .await
        .json();
    assert_eq!(
        all.as_array().unwrap().len(),
        1,
        "nothing created by refused POSTs: {all}"
    );
    assert_eq!(emu.stats().await["centralWrites"], json!({"POST": 8}));
}

#[tokio::test]
async fn delete_is_a_soft_delete_on_the_current_version() {
    let emu = seeded().await;
    let before = stored(&emu, "contacts", "C-1").await;
    let r = call(&emu, "DELETE", "/central/api/contacts/C-1", None, None).await;
    assert_eq!(r.status, 428);
    assert_eq!(r.error_code(), "preconditionRequired");
    let r = call(&emu, "DELETE", "/central/api/contacts/C-1", Some("2"), None).await;
    assert_eq!(r.status, 412);
    assert_eq!(r.error_code(), "versionMismatch");
    let r = call(&emu, "DELETE", "/central/api/contacts/C-9", Some("1"), None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        stored(&emu, "contacts", "C-1").await,
        before,
        "nothing written"
    );

    let r = call(&emu, "DELETE", "/central/api/contacts/C-1", Some("1"), None).await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    let kept = get(&emu, "/central/api/contacts/C-1").await;
    assert_eq!(kept.status, 200, "a soft delete keeps the record");
    let rec = kept.json();
    assert_eq!(rec["status"], "deleted");
    assert_eq!(rec["version"], "3");
    assert_eq!(kept.header("ETag"), Some("3"));
    assert_eq!(rec["firstName"], "Ann");
    let active = get(&emu, "/central/api/contacts?status=active")
        .await
        .json();
    assert_eq!(ids(&active), ["C-2"], "excluded from active listings");
    // Deleting it again over its version changes nothing; a PATCH of it is refused.
    let r = call(&emu, "DELETE", "/central/api/contacts/C-1", Some("3"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(stored(&emu, "contacts", "C-1").await["version"], "3");
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("3"),
        Some(&json!({"status": "active"})),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code(), "recordDeleted");
    assert_eq!(stored(&emu, "contacts", "C-1").await["status"], "deleted");
    // Other methods are refused with Central's envelope.
    let r = call(
        &emu,
        "PUT",
        "/central/api/contacts/C-2",
        Some("2"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("Allow"), Some("GET, PATCH, DELETE"));
    assert_eq!(r.error_code(), "methodNotAllowed");
    let r = call(&emu, "DELETE", "/central/api/contacts", Some("2"), None).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("Allow"), Some("GET, POST"));
    let stats = emu.stats().await;
    assert_eq!(stats["centralWrites"], json!({"DELETE": 5, "PATCH": 1}));
    assert_eq!(stats["centralRequestsByKind"]["unknown"], 2);
}

#[tokio::test]
async fn accounts_are_listed_paged_and_written_like_contacts() {
    let emu = start().await;
    let accounts: Vec<Value> = (1..=5)
        .map(|n| json!({"id": format!("A-{n}"), "status": if n == 4 { "inactive" } else { " Active " }, "name": format!("Org {n}"),
                        "createdAt": "2024-03-01T09:00:00Z"}))
        .collect();
    let r = emu
        .control("PUT", "/_emulator/central/accounts", Some(json!(accounts)))
        .await;
    assert_eq!(r.json(), json!({"count": 5}));
    emu.control("PUT", "/_emulator/central/contacts", Some(json!([ann()])))
        .await;
    let p1 = get(
        &emu,
        "/central/api/accounts?status=active&pageSize=2&page=1",
    )
    .await
    .json();
    assert_eq!(ids(&p1), ["A-1", "A-2"]);
    assert_eq!(p1["nextPage"], 2);
    let p2 = get(
        &emu,
        "/central/api/accounts?status=active&pageSize=2&page=2",
    )
    .await
    .json();
    assert_eq!(ids(&p2), ["A-3", "A-5"], "an inactive account is filtered");
    assert_eq!(p2["nextPage"], Value::Null);
    assert_eq!(
        p1["items"][0],
        json!({"id": "A-1", "status": " Active ", "name": "Org 1", "createdAt": "2024-03-01T09:00:00Z", "version": "1"})
    );
    assert_eq!(
        stored(&emu, "contacts", "C-1").await["version"],
        "6",
        "one counter for all of Central"
    );
    let bad = get(&emu, "/central/api/accounts?page=0").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.error_code(), "badRequest");

    // One account: GET, PATCH (createdAt kept), DELETE (soft), POST (A-N ids).
    let r = call(
        &emu,
        "PATCH",
        "/central/api/accounts/A-2",
        Some("2"),
        Some(&json!({"name": "Contoso", "businessAddress": {"town": "Leeds"}})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let rec = r.json();
    assert_eq!(rec["version"], "7");
    assert_eq!(rec["name"], "Contoso");
    assert_eq!(rec["createdAt"], "2024-03-01T09:00:00Z");
    assert_ne!(rec["modifiedAt"], Value::Null);
    for (body, field) in [
        (json!({"firstName": "Ann"}), "'firstName'"),
        (json!({"type": "contact"}), "'type'"),
        (json!({"accountId": "A-1"}), "'accountId'"),
        (json!({"homeAddress": null}), "'homeAddress'"),
    ] {
        let r = call(
            &emu,
            "PATCH",
            "/central/api/accounts/A-2",
            Some("7"),
            Some(&body),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{}",
            r.text()
        );
    }
    let r = call(&emu, "DELETE", "/central/api/accounts/A-2", Some("2"), None).await;
    assert_eq!(r.status, 412);
    let r = call(&emu, "DELETE", "/central/api/accounts/A-2", Some("7"), None).await;
    assert_eq!(r.status, 204);
    let r = get(&emu, "/central/api/accounts/A-2").await;
    assert_eq!(
        (r.json()["status"].clone(), r.header("ETag")),
        (json!("deleted"), Some("8"))
    );
    let r = call(
        &emu,
        "POST",
        "/central/api/accounts",
        None,
        Some(&json!({"name": "Fabrikam", "website": "https://fabrikam.example"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    assert_eq!(created["id"], "A-6", "A-1…A-5 are taken");
    assert_eq!(created["status"], "active");
    assert!(created.get("type").is_none(), "{created}");
    let active: Vec<String> = get(&emu, "/central/api/accounts?status=active&pageSize=10")
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(active, ["A-1", "A-3", "A-5", "A-6"]);
    assert_eq!(
        get(&emu, "/central/api/accounts/C-1").await.status,
        404,
        "contacts are not accounts"
    );

    // The control API's accounts: as served; a user's edit moves the version on.
    let edited = emu
        .control(
            "PATCH",
            "/_emulator/central/accounts/A-1",
            Some(json!({"name": "Org One"})),
        )
        .await;
    assert_eq!(edited.json()["version"], "10");
    let all = emu
        .control("GET", "/_emulator/central/accounts", None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 6);
    assert_eq!(all[0]["name"], "Org One");
    let stats = emu.stats().await;
    assert_eq!(
        stats["centralRequestsByKind"],
        json!({"listAccounts": 4, "getAccount": 2, "updateAccount": 5, "deleteAccount": 2, "createAccount": 1})
    );
    assert_eq!(
        stats["centralWrites"],
        json!({"PATCH": 5, "DELETE": 2, "POST": 1})
    );
    assert_eq!(stats["centralRequests"], 0, "no contacts listed");
}

#[tokio::test]
async fn set_accounts_in_process_keeps_versions_of_unchanged_records() {
    let emu = start().await;
    let e = &emu.running.emulator;
    e.set_accounts(&[
        json!({"id": "A-1", "name": "Org"}),
        json!({"id": "A-2", "name": "Two"}),
    ]);
    e.set_central(&[json!({"id": "C-1"})]);
    let mut back = emu
        .control("GET", "/_emulator/central/accounts", None)
        .await
        .json();
    assert_eq!(back[1]["version"], "2");
    back[1]["name"] = json!("Second");
    e.set_accounts(back.as_array().unwrap());
    let r = get(&emu, "/central/api/accounts/A-1").await;
    assert_eq!(r.header("ETag"), Some("1"), "unchanged: same version");
    assert_eq!(
        get(&emu, "/central/api/accounts/A-2").await.header("ETag"),
        Some("4")
    );
}

#[tokio::test]
async fn every_call_needs_the_bearer_token_when_central_requires_one() {
    let emu = seeded().await;
    emu.control(
        "PUT",
        "/_emulator/central/settings",
        Some(json!({"requiredToken": "s3cret"})),
    )
    .await;
    let body = json!({"firstName": "Anne"});
    let calls = [
        ("GET", "/central/api/contacts", None),
        ("GET", "/central/api/contacts/C-1", None),
        ("PATCH", "/central/api/contacts/C-1", Some(&body)),
        ("DELETE", "/central/api/contacts/C-1", None),
        ("POST", "/central/api/contacts", Some(&body)),
        ("GET", "/central/api/accounts", None),
        (
            "POST",
            "/central/api/accounts",
            Some(&json!({"name": "Org"})),
        ),
    ];
    for (method, path, body) in calls {
        let r = emu
            .send(method, path, &[("If-Match", "1")], body)
            .await
            .unwrap();
        assert_eq!(r.status, 401, "{method} {path}");
        assert_eq!(r.header("WWW-Authenticate"), Some("Bearer"));
        assert_eq!(
            r.error_code(),
            "unauthorized",
            "{method} {path}: Central's envelope"
        );
    }
    let all = emu
        .control("GET", "/_emulator/central/contacts", None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2, "nothing created");
    assert_eq!(all[0]["version"], "1", "nothing written");
    let auth = [("Authorization", "Bearer s3cret"), ("If-Match", "1")];
    let r = emu
        .send("PATCH", "/central/api/contacts/C-1", &auth, Some(&body))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn refusing_faults_write_nothing_and_answer_with_retry_after() {
    let emu = seeded().await;
    let path = "/central/api/contacts/C-1";
    emu.add_fault(json!([
        {"kind": "throttle", "scope": "central", "method": "PATCH", "pathContains": path, "maxCount": 1, "retryAfterSeconds": 2},
        {"kind": "unavailable", "scope": "central", "method": "PATCH", "pathContains": path, "maxCount": 1, "retryAfterSeconds": 1},
        {"kind": "serverError", "scope": "central", "method": "PATCH", "pathContains": path, "status": 502, "maxCount": 1},
        {"kind": "dropBeforeWrite", "scope": "central", "method": "PATCH", "pathContains": path, "maxCount": 1}
    ]))
    .await;
    let body = json!({"firstName": "Anne"});
    let r = call(&emu, "PATCH", path, Some("1"), Some(&body)).await;
    assert_eq!((r.status, r.header("Retry-After")), (429, Some("2")));
    assert_eq!(r.error_code(), "tooManyRequests");
    let r = call(&emu, "PATCH", path, Some("1"), Some(&body)).await;
    assert_eq!((r.status, r.header("Retry-After")), (503, Some("1")));
    assert_eq!(r.error_code(), "serviceUnavailable");
    let r = call(&emu, "PATCH", path, Some("1"), Some(&body)).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.error_code(), "badGateway");
    assert!(
        emu.send("PATCH", path, &[("If-Match", "1")], Some(&body))
            .await
            .is_err(),
        "dropped"
    );
    assert_eq!(
        stored(&emu, "contacts", "C-1").await["version"],
        "1",
        "nothing written"
    );
    // The rules are spent: the same request now writes.
    let r = call(&emu, "PATCH", path, Some("1"), Some(&body)).await;
    assert_eq!(r.status, 200);
    let faults = emu.control("GET", "/_emulator/faults", None).await.json();
    assert_eq!(faults["log"].as_array().unwrap().len(), 4);
    assert_eq!(emu.stats().await["centralWrites"], json!({"PATCH": 5}));
    assert_eq!(emu.stats().await["faultsInjected"], 4);
}

#[tokio::test]
async fn drop_after_write_and_an_executed_server_error_commit_the_write() {
    let emu = seeded().await;
    emu.add_fault(json!([
        {"kind": "dropAfterWrite", "scope": "central", "method": "POST", "pathContains": "/central/api/contacts", "maxCount": 1},
        {"kind": "dropAfterWrite", "scope": "central", "method": "PATCH", "pathContains": "/central/api/contacts/C-1", "maxCount": 1},
        {"kind": "serverError", "scope": "central", "method": "DELETE", "pathContains": "/central/api/contacts/C-2", "status": 504, "executed": true, "maxCount": 1}
    ]))
    .await;
    let lost = emu
        .send(
            "POST",
            "/central/api/contacts",
            &[],
            Some(&json!({"firstName": "Cat"})),
        )
        .await;
    assert!(lost.is_err(), "{lost:?}");
    assert_eq!(
        stored(&emu, "contacts", "C-3").await["firstName"],
        "Cat",
        "created, answer lost"
    );
    let lost = emu
        .send(
            "PATCH",
            "/central/api/contacts/C-1",
            &[("If-Match", "1")],
            Some(&json!({"firstName": "Anne"})),
        )
        .await;
    assert!(lost.is_err(), "{lost:?}");
    let rec = stored(&emu, "contacts", "C-1").await;
    assert_eq!(
        (rec["firstName"].clone(), rec["version"].clone()),
        (json!("Anne"), json!("4"))
    );
    // The resent PATCH meets the version its lost first try moved on.
    let again = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("1"),
        Some(&json!({"firstName": "Anne"})),
    )
    .await;
    assert_eq!(again.status, 412);
    let r = call(&emu, "DELETE", "/central/api/contacts/C-2", Some("2"), None).await;
    assert_eq!(r.status, 504);
    assert_eq!(r.error_code(), "gatewayTimeout");
    assert_eq!(
        stored(&emu, "contacts", "C-2").await["status"],
        "deleted",
        "the 504's delete landed"
    );
    // A read has nothing to commit: its answer is lost.
    emu.add_fault(json!({"kind": "dropAfterWrite", "scope": "central", "method": "GET", "pathContains": "/central/api/contacts/C-1", "maxCount": 1}))
        .await;
    assert!(emu
        .send("GET", "/central/api/contacts/C-1", &[], None)
        .await
        .is_err());
    assert_eq!(get(&emu, "/central/api/contacts/C-1").await.status, 200);
}

#[tokio::test]
async fn a_late_commit_lands_after_the_answer_was_lost() {
    let emu = seeded().await;
    emu.add_fault(json!({"kind": "lateCommit", "scope": "central", "method": "POST", "pathContains": "/central/api/contacts",
                         "commitAfterMs": 600, "maxCount": 1}))
        .await;
    let lost = emu
        .send(
            "POST",
            "/central/api/contacts",
            &[],
            Some(&json!({"firstName": "Late"})),
        )
        .await;
    assert!(lost.is_err(), "{lost:?}");
    let count = || async {
        emu.control("GET", "/_emulator/central/contacts", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count().await, 2, "not committed yet");
    assert_eq!(emu.stats().await["lateCommitsPending"], 1);
    let mut landed = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if count().await == 3 {
            landed = true;
            break;
        }
    }
    assert!(landed, "the late create landed");
    assert_eq!(stored(&emu, "contacts", "C-3").await["firstName"], "Late");
    assert_eq!(emu.stats().await["lateCommitsDone"], 1);

    // A late PATCH checks its If-Match when it commits: a write in between makes it a no-op.
    emu.add_fault(json!({"kind": "lateCommit", "scope": "central", "method": "PATCH", "pathContains": "/central/api/contacts/C-1",
                         "commitAfterMs": 400, "maxCount": 1}))
        .await;
    let lost = emu
        .send(
            "PATCH",
            "/central/api/contacts/C-1",
            &[("If-Match", "1")],
            Some(&json!({"firstName": "Late"})),
        )
        .await;
    assert!(lost.is_err());
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("1"),
        Some(&json!({"firstName": "Now"})),
    )
    .await;
    assert_eq!(r.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(emu.stats().await["lateCommitsDone"], 2);
    assert_eq!(stored(&emu, "contacts", "C-1").await["firstName"], "Now");
}

#[tokio::test]
async fn slow_and_malformed_answers_come_after_the_write() {
    let emu = seeded().await;
    emu.add_fault(json!([
        {"kind": "slow", "scope": "central", "method": "PATCH", "pathContains": "/central/api/contacts/C-1", "delayMs": 300, "maxCount": 1},
        {"kind": "malformedJson", "scope": "central", "method": "PATCH", "pathContains": "/central/api/contacts/C-1", "maxCount": 1},
        {"kind": "wrongShape", "scope": "central", "method": "GET", "pathContains": "/central/api/contacts/C-1", "maxCount": 1}
    ]))
    .await;
    let started = std::time::Instant::now();
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("1"),
        Some(&json!({"title": "Ms"})),
    )
    .await;
    assert!(started.elapsed().as_millis() >= 300);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["version"], "3");
    let r = call(
        &emu,
        "PATCH",
        "/central/api/contacts/C-1",
        Some("3"),
        Some(&json!({"title": "Dr"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&r.body).is_err(),
        "cut short: {}",
        r.text()
    );
    assert_eq!(
        stored(&emu, "contacts", "C-1").await["title"],
        "Dr",
        "written"
    );
    let r = get(&emu, "/central/api/contacts/C-1").await;
    assert!(r.json().is_array(), "{}", r.text());
}

#[tokio::test]
async fn the_listing_answers_errors_in_centrals_envelope() {
    let emu = start().await;
    let r = get(&emu, "/central/api/contacts?pageSize=none").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "badRequest");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("pageSize"));
    emu.add_fault(json!({"kind": "throttle", "scope": "central", "pathContains": "/central/api/accounts", "maxCount": 1}))
        .await;
    let r = get(&emu, "/central/api/accounts").await;
    assert_eq!((r.status, r.header("Retry-After")), (429, Some("1")));
    assert_eq!(r.error_code(), "tooManyRequests");
    assert_eq!(
        get(&emu, "/central/api/contacts").await.status,
        200,
        "the contacts listing is another path"
    );
}
