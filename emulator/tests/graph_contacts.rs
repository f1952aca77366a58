//! Graph contact and folder semantics, driven over HTTP.

mod common;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn folders_are_listed_created_nested_and_conflict_on_duplicate_names() {
    let emu = start().await;
    let t = emu.token().await;
    let empty = emu.graph(&t, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json()["value"], json!([]));
    let id = emu.folder(&t, "Central Contacts").await;
    let dup = emu
        .graph(
            &t,
            "POST",
            "/v1.0/me/contactFolders",
            Some(json!({"displayName": "central contacts"})),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.error_code(), "ErrorFolderExists");
    let child = emu
        .graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{id}/childFolders"),
            Some(json!({"displayName": "Sub"})),
        )
        .await;
    assert_eq!(child.status, 201);
    assert_eq!(child.json()["parentFolderId"], id.as_str());
    let list = emu
        .graph(&t, "GET", "/v1.0/me/contactFolders", None)
        .await
        .json();
    let names: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Central Contacts"]);
    let children = emu
        .graph(
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{id}/childFolders"),
            None,
        )
        .await
        .json();
    assert_eq!(children["value"][0]["displayName"], "Sub");
    let filtered = emu
        .graph(
            &t,
            "GET",
            &format!(
                "/v1.0/me/contactFolders?$filter={}",
                enc("displayName eq 'Central Contacts'")
            ),
            None,
        )
        .await
        .json();
    assert_eq!(filtered["value"][0]["id"], id.as_str());
}

#[tokio::test]
async fn create_returns_the_full_contact_with_unset_values_and_without_the_extended_property() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let mut body = person("John", "Smith", "john@example.com");
    body["singleValueExtendedProperties"] = json!([{"id": EXT_ID, "value": "C-1"}]);
    let r = emu
        .graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 201);
    let c = r.json();
    assert_eq!(c["displayName"], "John Smith");
    assert_eq!(c["parentFolderId"], f.as_str());
    assert_eq!(c["mobilePhone"], Value::Null);
    assert_eq!(c["title"], Value::Null);
    assert_eq!(c["businessPhones"], json!([]));
    assert_eq!(c["homeAddress"], json!({}));
    assert_eq!(
        c["emailAddresses"],
        json!([{"name": "John Smith", "address": "john@example.com"}])
    );
    assert!(c.get("singleValueExtendedProperties").is_none());
    assert_eq!(
        c["@odata.etag"],
        format!("W/\"{}\"", c["changeKey"].as_str().unwrap())
    );
    // Stored all the same, and readable through $expand.
    let stored = emu.stored(USER, &f).await;
    assert_eq!(stored[0]["centralId"], "C-1");
    let got = emu
        .graph(
            &t,
            "GET",
            &format!(
                "/v1.0/me/contacts/{}?$expand={}",
                c["id"].as_str().unwrap(),
                enc(&format!(
                    "singleValueExtendedProperties($filter=id eq '{EXT_ID}')"
                ))
            ),
            None,
        )
        .await
        .json();
    assert_eq!(
        got["singleValueExtendedProperties"],
        json!([{"id": EXT_ID, "value": "C-1"}])
    );
}

#[tokio::test]
async fn patch_keeps_absent_properties_replaces_collections_and_changes_change_key() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let mut body = person("Ann", "Lee", "ann@example.com");
    body["mobilePhone"] = json!("+44 7700 900001");
    body["businessPhones"] = json!(["+44 20 7946 0001", "+44 20 7946 0002"]);
    body["displayName"] = json!("Dr Ann Lee");
    let created = emu
        .graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(body),
        )
        .await
        .json();
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["displayName"], "Dr Ann Lee");
    let r = emu
        .graph(
            &t,
            "PATCH",
            &format!("/v1.0/me/contacts/{id}"),
            Some(json!({"businessPhones": ["+44 20 7946 0003"], "title": "Dr"})),
        )
        .await;
    assert_eq!(r.status, 200);
    let p = r.json();
    assert_eq!(p["mobilePhone"], "+44 7700 900001");
    assert_eq!(p["businessPhones"], json!(["+44 20 7946 0003"]));
    assert_eq!(p["title"], "Dr");
    assert_eq!(
        p["displayName"], "Dr Ann Lee",
        "no name part sent: displayName kept"
    );
    assert_ne!(p["changeKey"], created["changeKey"]);
    assert_ne!(p["@odata.etag"], created["@odata.etag"]);
    assert_ne!(p["lastModifiedDateTime"], created["lastModifiedDateTime"]);
    // A name part without displayName regenerates it; null clears a value.
    let p2 = emu
        .graph(
            &t,
            "PATCH",
            &format!("/v1.0/me/contactFolders/{f}/contacts/{id}"),
            Some(json!({"surname": "Leigh", "mobilePhone": null})),
        )
        .await
        .json();
    assert_eq!(p2["displayName"], "Ann Leigh");
    assert_eq!(p2["mobilePhone"], Value::Null);
    assert_ne!(p2["changeKey"], p["changeKey"]);
}

#[tokio::test]
async fn more_than_three_emails_or_two_business_phones_is_a_bad_request() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let path = format!("/v1.0/me/contactFolders/{f}/contacts");
    let emails: Vec<Value> = (0..4)
        .map(|i| json!({"address": format!("a{i}@x.com")}))
        .collect();
    let r = emu
        .graph(
            &t,
            "POST",
            &path,
            Some(json!({"givenName": "A", "emailAddresses": emails})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = emu
        .graph(
            &t,
            "POST",
            &path,
            Some(json!({"givenName": "A", "businessPhones": ["1", "2", "3"]})),
        )
        .await;
    assert_eq!(r.status, 400);
    let ok = emu
        .graph(
            &t,
            "POST",
            &path,
            Some(json!({"givenName": "A", "businessPhones": ["1", "2"]})),
        )
        .await;
    assert_eq!(ok.status, 201);
    let id = ok.json()["id"].as_str().unwrap().to_string();
    let r = emu
        .graph(
            &t,
            "PATCH",
            &format!("/v1.0/me/contacts/{id}"),
            Some(json!({"emailAddresses": emails})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_code(), "BadRequest");
    let r = emu
        .graph(&t, "POST", &path, Some(json!({"nickname2": "x"})))
        .await;
    assert_eq!(r.status, 400, "unknown property");
    let r = emu
        .graph(&t, "POST", &path, Some(json!({"businessPhones": null})))
        .await;
    assert_eq!(r.status, 400, "null collection");
}

#[tokio::test]
async fn get_and_delete_a_contact_then_404_with_graph_envelope() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let c = emu
        .graph(
            &t,
            "POST",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            Some(person("A", "B", "a@b.co")),
        )
        .await
        .json();
    let id = c["id"].as_str().unwrap();
    let got = emu
        .graph(
            &t,
            "GET",
            &format!("/v1.0/me/contacts/{id}?$select=surname"),
            None,
        )
        .await
        .json();
    assert_eq!(
        got.as_object().unwrap().keys().cloned().collect::<Vec<_>>(),
        ["@odata.etag", "id", "surname"]
    );
    let del = emu
        .graph(&t, "DELETE", &format!("/v1.0/me/contacts/{id}"), None)
        .await;
    assert_eq!(del.status, 204);
    assert!(del.body.is_empty());
    let gone = emu
        .graph(&t, "GET", &format!("/v1.0/me/contacts/{id}"), None)
        .await;
    assert_eq!(gone.status, 404);
    let e = gone.json();
    assert_eq!(e["error"]["code"], "ErrorItemNotFound");
    assert!(e["error"]["innerError"]["request-id"].is_string());
    assert!(e["error"]["innerError"]["date"].is_string());
    let route = emu.graph(&t, "GET", "/v1.0/me/nothingHere", None).await;
    assert_eq!(route.status, 404);
    assert_eq!(route.error_code(), "ResourceNotFound");
    let folder = emu
        .graph(&t, "GET", "/v1.0/me/contactFolders/NOPE/contacts", None)
        .await;
    assert_eq!(folder.status, 404);
    assert_eq!(folder.error_code(), "ErrorItemNotFound");
}

#[tokio::test]
async fn filter_by_email_is_case_insensitive_and_undoubles_quotes() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let path = format!("/v1.0/me/contactFolders/{f}/contacts");
    for (first, email) in [
        ("A", "o'neil@example.com"),
        ("B", "other@example.com"),
        ("C", "O'Neil@Example.com"),
    ] {
        emu.graph(&t, "POST", &path, Some(person(first, "X", email)))
            .await;
    }
    let q = enc("emailAddresses/any(a:a/address eq 'O''NEIL@example.com')");
    let r = emu
        .graph(&t, "GET", &format!("{path}?$filter={q}"), None)
        .await;
    assert_eq!(r.status, 200);
    let body = r.json();
    let mut names: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["givenName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["A", "C"]);
    let bad = emu
        .graph(
            &t,
            "GET",
            &format!("{path}?$filter={}", enc("givenName eq 'A'")),
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn filter_by_extended_property_finds_the_contact_with_that_central_id() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let path = format!("/v1.0/me/contactFolders/{f}/contacts");
    for i in 0..5 {
        let mut b = person("P", &format!("N{i}"), &format!("p{i}@x.com"));
        b["singleValueExtendedProperties"] = json!([{"id": EXT_ID, "value": format!("C-{i}")}]);
        emu.graph(&t, "POST", &path, Some(b)).await;
    }
    let filter = enc(&format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{EXT_ID}' and ep/value eq 'C-3')"
    ));
    let expand = enc(&format!(
        "singleValueExtendedProperties($filter=id eq '{EXT_ID}')"
    ));
    let r = emu
        .graph(
            &t,
            "GET",
            &format!("{path}?$filter={filter}&$expand={expand}"),
            None,
        )
        .await
        .json();
    let v = r["value"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["surname"], "N3");
    assert_eq!(v[0]["singleValueExtendedProperties"][0]["value"], "C-3");
    // The name part of the id is case-sensitive.
    let wrong = EXT_ID.replace("CentralContactId", "centralcontactid");
    let filter = enc(&format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{wrong}' and ep/value eq 'C-3')"
    ));
    let r = emu
        .graph(&t, "GET", &format!("{path}?$filter={filter}"), None)
        .await
        .json();
    assert_eq!(r["value"], json!([]));
}

#[tokio::test]
async fn paging_2500_contacts_follows_next_links_whole_with_default_and_max_page_sizes() {
    let emu = start().await;
    let t = emu.token().await;
    let (f, _) = emu.running.emulator.seed_folder(USER, "Big", None).unwrap();
    let f = f["id"].as_str().unwrap().to_string();
    let seeds = (0..2500)
        .map(|i| {
            (
                person("P", &format!("{i:04}"), &format!("p{i}@x.com")),
                None,
            )
        })
        .collect();
    emu.running.emulator.seed_contacts(USER, &f, seeds).unwrap();
    let first = emu
        .graph(
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts"),
            None,
        )
        .await
        .json();
    assert_eq!(
        first["value"].as_array().unwrap().len(),
        10,
        "default page size"
    );
    let mut next = Some(format!(
        "/v1.0/me/contactFolders/{f}/contacts?$top=1000&$select=surname"
    ));
    let mut seen = vec![];
    let mut pages = 0;
    while let Some(target) = next {
        let r = emu.graph(&t, "GET", &target, None).await;
        assert_eq!(r.status, 200);
        let body = r.json();
        pages += 1;
        for c in body["value"].as_array().unwrap() {
            seen.push(c["surname"].as_str().unwrap().to_string());
        }
        next = body["@odata.nextLink"].as_str().map(|l| {
            assert!(l.starts_with(&emu.base()), "absolute link: {l}");
            l[emu.base().len()..].to_string()
        });
    }
    assert_eq!(pages, 3);
    let want: Vec<String> = (0..2500).map(|i| format!("{i:04}")).collect();
    assert_eq!(seen, want);
    let over = emu
        .graph(
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts?$top=5000"),
            None,
        )
        .await
        .json();
    assert_eq!(
        over["value"].as_array().unwrap().len(),
        1000,
        "$top is capped at 1000"
    );
}

#[tokio::test]
async fn delta_pages_then_delta_link_reports_changes_and_removals_and_expired_tokens_are_410() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let path = format!("/v1.0/me/contactFolders/{f}/contacts");
    let mut ids = vec![];
    for i in 0..15 {
        let c = emu
            .graph(
                &t,
                "POST",
                &path,
                Some(person("D", &format!("{i}"), &format!("d{i}@x.com"))),
            )
            .await
            .json();
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let base = emu.base();
    let strip = |l: &str| l[base.len()..].to_string();
    let mut target = format!("{path}/delta");
    let mut count = 0;
    let delta_link = loop {
        let body = emu.graph(&t, "GET", &target, None).await.json();
        count += body["value"].as_array().unwrap().len();
        if let Some(n) = body["@odata.nextLink"].as_str() {
            target = strip(n);
        } else {
            break strip(body["@odata.deltaLink"].as_str().unwrap());
        }
    };
    assert_eq!(count, 15);
    emu.graph(
        &t,
        "PATCH",
        &format!("/v1.0/me/contacts/{}", ids[2]),
        Some(json!({"title": "Ms"})),
    )
    .await;
    emu.graph(&t, "DELETE", &format!("/v1.0/me/contacts/{}", ids[5]), None)
        .await;
    let changes = emu.graph(&t, "GET", &delta_link, None).await.json();
    let v = changes["value"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["id"], ids[2].as_str());
    assert_eq!(v[0]["title"], "Ms");
    assert_eq!(
        v[1],
        json!({"@odata.type": "#microsoft.graph.contact", "id": ids[5], "@removed": {"reason": "deleted"}})
    );
    assert!(changes["@odata.deltaLink"].is_string());
    let bogus = emu
        .graph(
            &t,
            "GET",
            &format!("{path}/delta?$deltatoken=garbage"),
            None,
        )
        .await;
    assert_eq!(bogus.status, 410);
    emu.control(
        "POST",
        "/_emulator/delta/expire",
        Some(json!({"user": USER})),
    )
    .await;
    let expired = emu.graph(&t, "GET", &delta_link, None).await;
    assert_eq!(expired.status, 410);
    assert_eq!(expired.error_code(), "SyncStateNotFound");
}

#[tokio::test]
async fn default_contacts_folder_is_reachable_by_well_known_name_and_me_contacts() {
    let emu = start().await;
    let t = emu.token().await;
    let c = emu
        .graph(
            &t,
            "POST",
            "/v1.0/me/contacts",
            Some(person("Def", "Ault", "d@x.com")),
        )
        .await;
    assert_eq!(c.status, 201);
    let via_name = emu
        .graph(&t, "GET", "/v1.0/me/contactFolders/contacts/contacts", None)
        .await
        .json();
    assert_eq!(via_name["value"][0]["givenName"], "Def");
    let via_me = emu.graph(&t, "GET", "/v1.0/me/contacts", None).await.json();
    assert_eq!(via_me["value"][0]["id"], c.json()["id"]);
}

#[tokio::test]
async fn delta_of_an_empty_folder_and_a_delta_link_with_no_changes_answer_empty_pages() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "Empty").await;
    let first = emu
        .graph(
            &t,
            "GET",
            &format!("/v1.0/me/contactFolders/{f}/contacts/delta"),
            None,
        )
        .await;
    assert_eq!(first.status, 200);
    let body = first.json();
    assert_eq!(body["value"], json!([]));
    let link = body["@odata.deltaLink"].as_str().unwrap()[emu.base().len()..].to_string();
    let again = emu.graph(&t, "GET", &link, None).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["value"], json!([]));
}

#[tokio::test]
async fn query_values_are_form_decoded_so_a_plus_must_be_percent_encoded() {
    let emu = start().await;
    let t = emu.token().await;
    let f = emu.folder(&t, "F").await;
    let path = format!("/v1.0/me/contactFolders/{f}/contacts");
    emu.graph(&t, "POST", &path, Some(person("P", "Lus", "a+b@x.com")))
        .await;
    let encoded = emu
        .graph(
            &t,
            "GET",
            &format!(
                "{path}?$filter={}",
                enc("emailAddresses/any(a:a/address eq 'a+b@x.com')")
            ),
            None,
        )
        .await
        .json();
    assert_eq!(encoded["value"].as_array().unwrap().len(), 1);
    let raw_plus = emu
        .graph(
            &t,
            "GET",
            &format!("{path}?$filter=emailAddresses/any(a:a/address%20eq%20'a+b@x.com')"),
            None,
        )
        .await
        .json();
    assert_eq!(
        raw_plus["value"],
        json!([]),
        "an unencoded + reads as a space"
    );
}
