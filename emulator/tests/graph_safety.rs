//! Graph facts for safe two-way runs: immutable ids, the owner's own actions in Outlook
//! (drag, edit, delete to Deleted Items, copy-paste, housekeeping), `If-Match` on PATCH and
//! DELETE, the case-insensitive extended-property value filter, and offset paging.

mod common;
use common::*;
use serde_json::{json, Value};

const IMMUTABLE: &str = "IdType=\"ImmutableId\"";

/// A Graph call with a bearer token and extra headers.
async fn call(
    emu: &Emu,
    token: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Resp {
    let auth = format!("Bearer {token}");
    let mut h = vec![("Authorization", auth.as_str())];
    h.extend_from_slice(headers);
    emu.send(method, path, &h, body.as_ref())
        .await
        .expect("graph call answered")
}

async fn setup() -> (Emu, String, String) {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "Central Contacts").await;
    (emu, t, f)
}

fn with_central(mut body: Value, central_id: &str) -> Value {
    body["singleValueExtendedProperties"] = json!([{"id": EXT_ID, "value": central_id}]);
    body
}

/// Creates a contact through Graph with the header(s) given; returns the created contact.
async fn create(emu: &Emu, t: &str, folder: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let r = call(
        emu,
        t,
        "POST",
        &format!("/v1.0/me/contactFolders/{folder}/contacts"),
        headers,
        Some(body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

fn ids_of(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn immutable_ids_survive_a_move_and_regular_ids_change() {
    let (emu, t, f) = setup().await;
    let other = emu.folder(&t, "Elsewhere").await;
    // Prefer may carry other preferences too.
    let prefer = format!("odata.maxpagesize=50, {IMMUTABLE}");
    let created = create(
        &emu,
        &t,
        &f,
        &[("Prefer", &prefer)],
        person("Ann", "Lee", "ann@x.co"),
    )
    .await;
    let immutable = created["id"].as_str().unwrap().to_string();
    let plain = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts"),
        &[],
        None,
    )
    .await;
    let regular = ids_of(&plain.json())[0].clone();
    assert_ne!(immutable, regular, "the two forms differ");
    // Either form addresses the contact; the answer uses the form the request asked for.
    let by_imm = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{immutable}"),
        &[],
        None,
    )
    .await;
    assert_eq!(by_imm.status, 200);
    assert_eq!(by_imm.json()["id"], regular.as_str());

    // The owner drags it to another folder.
    let moved = emu
        .control(
            "POST",
            &format!("/_emulator/mailboxes/{USER}/contacts/{regular}/move"),
            Some(json!({"folder": "Elsewhere"})),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let moved = moved.json();
    assert_eq!(moved["parentFolderId"], other.as_str());
    assert_eq!(moved["immutableId"], immutable.as_str());
    let new_regular = moved["id"].as_str().unwrap().to_string();
    assert_ne!(new_regular, regular);

    // With the header: same id, now in the other folder.
    let got = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{immutable}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["id"], immutable.as_str());
    assert_eq!(got.json()["parentFolderId"], other.as_str());
    let listed = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{other}/contacts"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await;
    assert_eq!(ids_of(&listed.json()), [immutable.as_str()]);
    // Without it: the old regular id is gone, the new one works.
    let old = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{regular}"),
        &[],
        None,
    )
    .await;
    assert_eq!(old.status, 404);
    assert_eq!(old.error_code(), "ErrorItemNotFound");
    let listed = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{other}/contacts"),
        &[],
        None,
    )
    .await;
    assert_eq!(ids_of(&listed.json()), [new_regular.as_str()]);
    assert!(ids_of(
        &call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            &[],
            None
        )
        .await
        .json()
    )
    .is_empty());

    // The source folder's delta reports it removed ("changed": moved out), in the asked form.
    let start = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts/delta"),
        &[],
        None,
    )
    .await
    .json();
    assert!(start["@odata.deltaLink"].is_string());
    emu.control(
        "POST",
        &format!("/_emulator/mailboxes/{USER}/contacts/{immutable}/move"),
        Some(json!({"folder": f})),
    )
    .await;
    emu.control(
        "POST",
        &format!("/_emulator/mailboxes/{USER}/contacts/{immutable}/move"),
        Some(json!({"folder": other})),
    )
    .await;
    let link = start["@odata.deltaLink"].as_str().unwrap();
    let path = &link[link.find("/v1.0/").unwrap()..];
    let delta = call(&emu, &t, "GET", path, &[("Prefer", IMMUTABLE)], None)
        .await
        .json();
    let removed: Vec<&Value> = delta["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v.get("@removed").is_some())
        .collect();
    assert_eq!(removed.len(), 1, "{delta}");
    assert_eq!(removed[0]["id"], immutable.as_str());
    assert_eq!(removed[0]["@removed"]["reason"], "changed");
}

#[tokio::test]
async fn a_batch_items_own_prefer_header_gives_immutable_ids_the_envelopes_does_not() {
    let (emu, t, f) = setup().await;
    let batch = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
         "headers": {"Content-Type": "application/json", "Prefer": IMMUTABLE}, "body": person("A", "B", "a@b.co")},
        {"id": "2", "method": "POST", "url": format!("/me/contactFolders/{f}/contacts"),
         "headers": {"Content-Type": "application/json"}, "body": person("C", "D", "c@d.co")}
    ]});
    let r = call(
        &emu,
        &t,
        "POST",
        "/v1.0/$batch",
        &[("Prefer", IMMUTABLE)],
        Some(batch),
    )
    .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let item = |id: &str| {
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    let stored = emu.stored(USER, &f).await;
    let a = stored.iter().find(|c| c["givenName"] == "A").unwrap();
    let c = stored.iter().find(|c| c["givenName"] == "C").unwrap();
    assert_eq!(item("1")["body"]["id"], a["immutableId"]);
    assert_eq!(
        item("2")["body"]["id"],
        c["id"],
        "the envelope's Prefer does not reach items"
    );
    assert_ne!(a["id"], a["immutableId"]);
}

#[tokio::test]
async fn owner_edits_delete_copy_and_housekeeping_act_as_in_outlook() {
    let (emu, t, f) = setup().await;
    let created = create(
        &emu,
        &t,
        &f,
        &[("Prefer", IMMUTABLE)],
        with_central(person("Ann", "Lee", "ann@x.co"), "C-1"),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let etag0 = created["@odata.etag"].as_str().unwrap().to_string();
    assert_eq!(
        etag0,
        format!("W/\"{}\"", created["changeKey"].as_str().unwrap())
    );

    // An edit: new fields, new changeKey.
    let edited = emu
        .control(
            "PATCH",
            &format!("/_emulator/mailboxes/{USER}/contacts/{id}"),
            Some(json!({"mobilePhone": "+44 7700 900999", "jobTitle": "Boss"})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let got = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{id}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await
    .json();
    assert_eq!(got["mobilePhone"], "+44 7700 900999");
    assert_eq!(got["jobTitle"], "Boss");
    assert_eq!(got["givenName"], "Ann");
    assert_ne!(got["@odata.etag"], etag0.as_str());
    let etag1 = got["@odata.etag"].as_str().unwrap().to_string();

    // Housekeeping: a new changeKey without any change of a field.
    let touched = emu
        .control(
            "POST",
            &format!("/_emulator/mailboxes/{USER}/contacts/{id}/touch"),
            None,
        )
        .await;
    assert_eq!(touched.status, 200);
    let got2 = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{id}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await
    .json();
    assert_ne!(got2["@odata.etag"], etag1.as_str());
    assert_eq!(got2["mobilePhone"], got["mobilePhone"]);

    // A copy-paste: a new contact with new ids and the same Central id.
    let copy = emu
        .control(
            "POST",
            &format!("/_emulator/mailboxes/{USER}/contacts/{id}/copy"),
            Some(json!({})),
        )
        .await;
    assert_eq!(copy.status, 201, "{}", copy.text());
    let copy = copy.json();
    assert_eq!(copy["centralId"], "C-1");
    assert_eq!(copy["parentFolderId"], f.as_str());
    assert_ne!(copy["immutableId"], id.as_str());
    let filter = enc(&format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{EXT_ID}' and ep/value eq 'C-1')"
    ));
    let found = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts?$filter={filter}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await;
    let mut both = ids_of(&found.json());
    both.sort();
    let mut want = vec![
        id.clone(),
        copy["immutableId"].as_str().unwrap().to_string(),
    ];
    want.sort();
    assert_eq!(both, want, "two contacts, one Central id");

    // The owner deletes the original: it goes to Deleted Items.
    let deleted = emu
        .control(
            "DELETE",
            &format!("/_emulator/mailboxes/{USER}/contacts/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    let deleted = deleted.json();
    assert_eq!(deleted["inDeletedItems"], true);
    let listed = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await;
    assert_eq!(
        ids_of(&listed.json()),
        [copy["immutableId"].as_str().unwrap().to_string()]
    );
    // By its immutable id it is still found, in Deleted Items (a folder Graph's contact
    // folder calls do not know) …
    let got = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{id}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await;
    assert_eq!(got.status, 200);
    let di = got.json()["parentFolderId"].as_str().unwrap().to_string();
    assert_ne!(di, f);
    assert_eq!(deleted["parentFolderId"], di.as_str());
    let folders = call(&emu, &t, "GET", "/v1.0/me/contactFolders", &[], None)
        .await
        .json();
    assert!(!folders["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == di.as_str()));
    assert_eq!(
        call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{di}/contacts"),
            &[],
            None
        )
        .await
        .status,
        404
    );
    // … through the folder path it is not.
    assert_eq!(
        call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts/{id}"),
            &[("Prefer", IMMUTABLE)],
            None
        )
        .await
        .status,
        404
    );
    // The control API shows the Deleted Items folder.
    let m = emu
        .control("GET", &format!("/_emulator/mailboxes/{USER}"), None)
        .await
        .json();
    let dif = m["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["isDeletedItems"] == true)
        .unwrap();
    assert_eq!(dif["id"], di.as_str());
    assert_eq!(dif["contacts"].as_array().unwrap().len(), 1);
    // Deleting it from Deleted Items purges it.
    let purge = emu
        .control(
            "DELETE",
            &format!("/_emulator/mailboxes/{USER}/contacts/{id}"),
            None,
        )
        .await;
    assert_eq!(purge.status, 204);
    assert_eq!(
        call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contacts/{id}"),
            &[("Prefer", IMMUTABLE)],
            None
        )
        .await
        .status,
        404
    );
    // Unknown contacts and folders → 404.
    assert_eq!(
        emu.control(
            "DELETE",
            &format!("/_emulator/mailboxes/{USER}/contacts/nope"),
            None
        )
        .await
        .status,
        404
    );
    let copy_id = copy["id"].as_str().unwrap();
    assert_eq!(
        emu.control(
            "POST",
            &format!("/_emulator/mailboxes/{USER}/contacts/{copy_id}/move"),
            Some(json!({"folder": "No such"}))
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn graph_delete_goes_to_deleted_items_found_by_immutable_id_only() {
    let (emu, t, f) = setup().await;
    let created = create(
        &emu,
        &t,
        &f,
        &[("Prefer", IMMUTABLE)],
        person("Ann", "Lee", "ann@x.co"),
    )
    .await;
    let imm = created["id"].as_str().unwrap().to_string();
    let regular = emu.stored(USER, &f).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let del = call(
        &emu,
        &t,
        "DELETE",
        &format!("/v1.0/me/contacts/{regular}"),
        &[],
        None,
    )
    .await;
    assert_eq!(del.status, 204);
    assert!(emu.stored(USER, &f).await.is_empty());
    // The regular id changed with the move to Deleted Items.
    assert_eq!(
        call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contacts/{regular}"),
            &[],
            None
        )
        .await
        .status,
        404
    );
    let got = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{imm}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await;
    assert_eq!(got.status, 200);
    assert_ne!(got.json()["parentFolderId"], f.as_str());
    // A second DELETE purges it.
    assert_eq!(
        call(
            &emu,
            &t,
            "DELETE",
            &format!("/v1.0/me/contacts/{imm}"),
            &[],
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contacts/{imm}"),
            &[("Prefer", IMMUTABLE)],
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn if_match_guards_patch_and_delete_at_top_level_and_in_batches() {
    let (emu, t, f) = setup().await;
    let c = create(
        &emu,
        &t,
        &f,
        &[("Prefer", IMMUTABLE)],
        person("Ann", "Lee", "ann@x.co"),
    )
    .await;
    let id = c["id"].as_str().unwrap().to_string();
    let etag = c["@odata.etag"].as_str().unwrap().to_string();
    // Reads carry @odata.etag.
    let listed = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts?$select=givenName"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await
    .json();
    assert_eq!(listed["value"][0]["@odata.etag"], etag.as_str());
    // The owner edits between our read and our write.
    emu.control(
        "PATCH",
        &format!("/_emulator/mailboxes/{USER}/contacts/{id}"),
        Some(json!({"jobTitle": "Boss"})),
    )
    .await;
    let stale = call(
        &emu,
        &t,
        "PATCH",
        &format!("/v1.0/me/contacts/{id}"),
        &[("Prefer", IMMUTABLE), ("If-Match", &etag)],
        Some(json!({"title": "Dr"})),
    )
    .await;
    assert_eq!(stale.status, 412, "{}", stale.text());
    assert_eq!(stale.error_code(), "ErrorIrresolvableConflict");
    assert!(stale.json()["error"]["innerError"]["request-id"].is_string());
    let del = call(
        &emu,
        &t,
        "DELETE",
        &format!("/v1.0/me/contacts/{id}"),
        &[("If-Match", &etag)],
        None,
    )
    .await;
    assert_eq!(del.status, 412);
    let got = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{id}"),
        &[("Prefer", IMMUTABLE)],
        None,
    )
    .await
    .json();
    assert_eq!(got["title"], Value::Null, "nothing written");
    // The current etag passes; the answer carries the next one.
    let current = got["@odata.etag"].as_str().unwrap().to_string();
    let ok = call(
        &emu,
        &t,
        "PATCH",
        &format!("/v1.0/me/contacts/{id}"),
        &[("Prefer", IMMUTABLE), ("If-Match", &current)],
        Some(json!({"title": "Dr"})),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["title"], "Dr");
    let next = ok.json()["@odata.etag"].as_str().unwrap().to_string();
    assert_ne!(next, current);
    // `*` matches any; without If-Match writes go through as before.
    assert_eq!(
        call(
            &emu,
            &t,
            "PATCH",
            &format!("/v1.0/me/contacts/{id}"),
            &[("If-Match", "*")],
            Some(json!({"title": "Mx"}))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &emu,
            &t,
            "PATCH",
            &format!("/v1.0/me/contacts/{id}"),
            &[],
            Some(json!({"title": "Ms"}))
        )
        .await
        .status,
        200
    );

    // In a batch: each item's own If-Match; the 409 variant by setting.
    emu.set_limits(json!({"ifMatchConflictStatus": 409})).await;
    let now = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contacts/{id}"),
        &[],
        None,
    )
    .await
    .json()["@odata.etag"]
        .as_str()
        .unwrap()
        .to_string();
    let batch = json!({"requests": [
        {"id": "stale", "method": "PATCH", "url": format!("/me/contacts/{id}"),
         "headers": {"Content-Type": "application/json", "If-Match": etag}, "body": {"title": "X"}},
        {"id": "staleDelete", "method": "DELETE", "url": format!("/me/contacts/{id}"), "headers": {"If-Match": etag}}
    ]});
    let r = call(&emu, &t, "POST", "/v1.0/$batch", &[], Some(batch))
        .await
        .json();
    for item in r["responses"].as_array().unwrap() {
        assert_eq!(item["status"], 409, "{item}");
        assert_eq!(item["body"]["error"]["code"], "ErrorIrresolvableConflict");
    }
    let batch = json!({"requests": [
        {"id": "fresh", "method": "DELETE", "url": format!("/me/contacts/{id}"), "headers": {"If-Match": now}}
    ]});
    let r = call(&emu, &t, "POST", "/v1.0/$batch", &[], Some(batch))
        .await
        .json();
    assert_eq!(r["responses"][0]["status"], 204);
    assert!(emu.stored(USER, &f).await.is_empty());
}

#[tokio::test]
async fn extended_property_value_filter_ignores_case() {
    let (emu, t, f) = setup().await;
    create(
        &emu,
        &t,
        &f,
        &[],
        with_central(person("A", "B", "a@b.co"), "ABC1"),
    )
    .await;
    create(
        &emu,
        &t,
        &f,
        &[],
        with_central(person("C", "D", "c@d.co"), "abc2"),
    )
    .await;
    let find = |value: &str| {
        let filter = enc(&format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq '{EXT_ID}' and ep/value eq '{value}')"
        ));
        let expand = enc(&format!(
            "singleValueExtendedProperties($filter=id eq '{EXT_ID}')"
        ));
        format!("/v1.0/me/contactFolders/{f}/contacts?$filter={filter}&$expand={expand}")
    };
    let hit = call(&emu, &t, "GET", &find("abc1"), &[], None).await.json();
    let values: Vec<&Value> = hit["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["singleValueExtendedProperties"][0]["value"])
        .collect();
    assert_eq!(
        values,
        [&json!("ABC1")],
        "the stored value, whatever the case asked"
    );
    assert_eq!(
        call(&emu, &t, "GET", &find("ABC2"), &[], None).await.json()["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        call(&emu, &t, "GET", &find("abc"), &[], None).await.json()["value"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn folder_paging_is_by_offset_so_a_delete_between_pages_shifts_a_contact_out() {
    let (emu, t, f) = setup().await;
    let seeds: Vec<Value> = (0..6)
        .map(|i| person(&format!("P{i}"), "X", &format!("p{i}@x.co")))
        .collect();
    let r = emu
        .control(
            "POST",
            &format!("/_emulator/mailboxes/{USER}/folders/{f}/contacts"),
            Some(json!(seeds)),
        )
        .await;
    assert_eq!(r.status, 201);
    let first = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts?$top=2&$select=givenName"),
        &[],
        None,
    )
    .await
    .json();
    let names = |p: &Value| {
        p["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["givenName"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&first), ["P0", "P1"]);
    let link = first["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(link.contains("$skip=2"), "{link}");
    assert!(
        link.contains("$select=givenName") && link.contains("$top=2"),
        "{link}"
    );
    // P0 is deleted while the pages are read: P2 moves to offset 1 and is never served.
    let p0 = ids_of(&first)[0].clone();
    assert_eq!(
        call(
            &emu,
            &t,
            "DELETE",
            &format!("/v1.0/me/contacts/{p0}"),
            &[],
            None
        )
        .await
        .status,
        204
    );
    let mut seen = names(&first);
    let mut next = Some(link);
    while let Some(l) = next {
        let page = call(&emu, &t, "GET", &l[l.find("/v1.0/").unwrap()..], &[], None)
            .await
            .json();
        seen.extend(names(&page));
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(seen, ["P0", "P1", "P3", "P4", "P5"]);
    // $skip is accepted from the client too; a bad one is a 400.
    let skipped = call(
        &emu,
        &t,
        "GET",
        &format!("/v1.0/me/contactFolders/{f}/contacts?$skip=3"),
        &[],
        None,
    )
    .await
    .json();
    assert_eq!(names(&skipped), ["P4", "P5"]);
    assert!(skipped.get("@odata.nextLink").is_none());
    assert_eq!(
        call(
            &emu,
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts?$skip=-1"),
            &[],
            None
        )
        .await
        .status,
        400
    );
}
