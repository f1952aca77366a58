//! Central's `skipPage` fault: the page is served as usual but names N+2 as its next page, so a
//! client that pages strictly must refuse it; the rule is refused outside the central scope.

mod common;
use common::*;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn skip_page_names_the_page_after_next_and_keeps_the_items() {
    let emu = start().await;
    let contacts: Vec<Value> = (1..=5)
        .map(|n| json!({"id": format!("C-{n}"), "status": "active"}))
        .collect();
    emu.control("PUT", "/_emulator/central/contacts", Some(json!(contacts)))
        .await;
    // The 1st and the 3rd Central request skip.
    emu.add_fault(json!({"kind": "skipPage", "scope": "central", "everyNth": 3, "maxCount": 1}))
        .await;
    emu.add_fault(json!({"kind": "skipPage", "scope": "central", "maxCount": 1}))
        .await;
    let emu = &emu;
    let get = |page: u32| async move {
        let target = format!("/central/api/contacts?status=active&pageSize=2&page={page}");
        emu.send("GET", &target, &[], None).await.unwrap().json()
    };

    let skipped = get(1).await;
    assert_eq!(ids(&skipped), ["C-1", "C-2"]);
    assert_eq!(skipped["nextPage"], 3);
    let plain = get(1).await;
    assert_eq!(ids(&plain), ["C-1", "C-2"]);
    assert_eq!(plain["nextPage"], 2);
    // The third request fires the everyNth rule: the last page names 5 instead of null.
    let last = get(3).await;
    assert_eq!(ids(&last), ["C-5"]);
    assert_eq!(last["nextPage"], 5);
    assert_eq!(get(3).await["nextPage"], Value::Null);

    let faults = emu.control("GET", "/_emulator/faults", None).await.json();
    let kinds: Vec<&str> = faults["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["skipPage", "skipPage"]);
    assert_eq!(emu.stats().await["faultsInjected"], 2);
}

#[tokio::test]
async fn skip_page_is_refused_outside_the_central_scope() {
    let emu = start().await;
    let r = emu
        .send(
            "POST",
            "/_emulator/faults",
            &[],
            Some(&json!({"kind": "skipPage", "scope": "graph"})),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.text().contains("central"), "{}", r.text());
}
