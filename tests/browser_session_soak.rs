//! Soak (issue 4): 5,000 records under seeded faults — ≥10% item 429s with Retry-After, 2% item
//! 503s, 1% `$batch` answers dropped after the write, one token expiry mid-run ⇒ zero duplicates,
//! zero lost records, every failure reported (and completed by a fresh plan's run), and a
//! second `plan()` shows everything `upToDate`.
//!
//! The second soak adds what safe runs are for: late commits, a second session's stale plan and
//! the user editing contacts in Outlook while the run goes on ⇒ zero duplicates left, zero edits
//! lost, the stale plan writes nothing.
//!
//! Run: `WASM_BINDGEN_TEST_TIMEOUT=600 scripts/with-emulator -- wasm-pack test --headless --chrome --test browser_session_soak`
#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn soak_5000_records_under_faults() {
    let (n_update, n_new) = (1000usize, 4000usize);
    let n = n_update + n_new;
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Sync soak").await;
    let central = central_contacts("soak", n).as_array().unwrap().clone();
    seed_contacts(
        DEMO_USER,
        &folder,
        stale_outlook_copies(&central[..n_update]),
    )
    .await;
    let (get_token, token_calls) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "contacts": central,
                         "retry": { "maxAttempts": 6, "baseDelayMs": 50, "maxDelayMs": 1000 } });
    let s = session(config.clone(), &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["new"], n_new);
    assert_eq!(p["summary"]["update"], n_update);
    reset_stats().await;
    add_faults(json!([
        { "kind": "dropAfterWrite", "pathContains": "$batch", "everyNth": 100 },
        { "kind": "throttle", "scope": "batchItem", "probability": 0.12, "seed": 7, "retryAfterSeconds": 0.1 },
        { "kind": "unavailable", "scope": "batchItem", "probability": 0.02, "seed": 11 },
    ]))
    .await;
    let (on_progress, events) = progress_recorder(|i, _| {
        if i == 40 {
            assert_eq!(control_post_sync("tokens/expire", json!({})), 200);
        }
    });
    let started = js_sys::Date::now();
    let ids = ids_in(&p, &["new", "update"]);
    let result = run(&s, &ids, run_options(Some(&on_progress), None))
        .await
        .expect("run");
    let secs = (js_sys::Date::now() - started) / 1000.0;
    let st = stats().await;
    let fstate = faults_state().await;
    let fired: Vec<u64> = fstate["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fired"].as_u64().unwrap())
        .collect();
    let events = events.borrow().clone();
    let waits = events
        .iter()
        .filter(|e| e["waitingSeconds"].as_f64().unwrap() > 0.0)
        .count();
    log(&format!(
        "soak: {n} records in {secs:.1} s; batches sent {} (refused 401: {}), batch items {} (retries {}), lookups {}, \
         faults fired [dropAfterWrite, item 429, item 503] = {fired:?}, token calls {}, waits {waits}; result created {} updated {} failed {} skipped {}; \
         statusCounts {}",
        st["graphRequestsByKind"]["batch"], st["graphRequestsByKind"]["unauthenticated"], st["batchItems"],
        st["batchItems"].as_u64().unwrap() as i64 - n as i64, st["graphRequestsByKind"]["listContacts"],
        token_calls.get(), result["created"], result["updated"], result["failed"], result["skipped"], st["statusCounts"]
    ));
    assert!(
        fired[1] as f64 >= 0.10 * n as f64,
        "≥10% item 429s: {fired:?}"
    );
    assert!(
        fired[2] as f64 >= 0.015 * n as f64,
        "≈2% item 503s: {fired:?}"
    );
    assert!(fired[0] >= 1, "dropped batch answers: {fired:?}");
    assert_eq!(
        kind_of(&st, "unauthenticated"),
        1,
        "exactly one token expiry hit a batch: {st}"
    );
    assert!(waits > 0);
    assert!(result["error"].is_null(), "{}", result["error"]);
    assert_eq!(result["cancelled"], false);

    // Every record reported: written, or failed with its reason.
    let records = result["records"].as_array().unwrap();
    assert_eq!(records.len(), n);
    let failed: Vec<&Value> = records.iter().filter(|r| r["action"] == "failed").collect();
    for r in &failed {
        assert!(r["error"]["code"].is_string(), "{r}");
    }
    for r in records.iter().filter(|r| r["action"] != "failed") {
        assert!(r["action"] == "created" || r["action"] == "updated", "{r}");
        assert!(r["outlookId"].is_string(), "{r}");
    }
    assert_eq!(
        result["created"].as_u64().unwrap()
            + result["updated"].as_u64().unwrap()
            + failed.len() as u64,
        n as u64
    );
    let last = events.last().unwrap();
    assert_eq!(last["done"], n);

    // No duplicates, whatever happened (checked before any re-run).
    let contacts = folder_contacts(DEMO_USER, &folder).await;
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for c in &contacts {
        *seen
            .entry(c["centralId"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let dups: Vec<(&String, &usize)> = seen.iter().filter(|(_, k)| **k > 1).collect();
    assert!(
        dups.is_empty(),
        "duplicates after the faulted run: {} ids, e.g. {:?}",
        dups.len(),
        &dups[..dups.len().min(5)]
    );

    // Failed ones (if any) are completed by a fresh plan's run, fault-free.
    control("DELETE", "faults", None).await;
    if !failed.is_empty() {
        let s2 = session(config.clone(), &get_token);
        let p2 = plan(&s2).await;
        let todo = ids_in(&p2, &["new", "update"]);
        let mut want: Vec<String> = failed
            .iter()
            .map(|r| r["centralId"].as_str().unwrap().to_owned())
            .collect();
        want.sort();
        let mut got = todo.clone();
        got.sort();
        assert_eq!(got, want, "the next plan holds exactly the failed records");
        let r2 = run(&s2, &todo, wasm_bindgen::JsValue::UNDEFINED)
            .await
            .expect("re-run");
        assert_eq!(r2["failed"], 0, "{r2}");
    }

    assert_folder_exact(DEMO_USER, &folder, &central).await;
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["upToDate"], n, "{}", again["summary"]);
}

fn kind_of(st: &Value, k: &str) -> u64 {
    st["graphRequestsByKind"][k].as_u64().unwrap_or(0)
}

#[wasm_bindgen_test]
async fn soak_with_late_commits_a_second_session_and_user_edits() {
    let (n_update, n_new) = (400usize, 1600usize);
    let n = n_update + n_new;
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Sync soak 2").await;
    let central = central_contacts("soak2", n).as_array().unwrap().clone();
    control(
        "PUT",
        "central/contacts",
        Some(Value::Array(central.clone())),
    )
    .await;
    let seeded = seed_contacts(
        DEMO_USER,
        &folder,
        stale_outlook_copies(&central[..n_update]),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url(),
                         "timeoutMs": 3000,
                         "retry": { "maxAttempts": 6, "baseDelayMs": 50, "maxDelayMs": 1000 } });
    // Two sessions plan from the same picture; A runs, then B tries its old plan.
    let a = session(config.clone(), &get_token);
    let b = session(config.clone(), &get_token);
    let (pa, pb) = (plan(&a).await, plan(&b).await);
    assert_eq!(pa["summary"]["update"], n_update);
    add_faults(json!([
        // One item in a hundred commits 300 ms late and its batch's answer is lost.
        { "kind": "lateCommit", "scope": "batchItem", "method": "POST", "probability": 0.01, "seed": 5, "commitAfterMs": 300 },
        { "kind": "throttle", "scope": "batchItem", "probability": 0.10, "seed": 7, "retryAfterSeconds": 0.1 },
        { "kind": "unavailable", "scope": "batchItem", "probability": 0.02, "seed": 11 },
    ]))
    .await;
    // While the run goes on, the user edits 40 of the contacts it updates (a new mobile).
    let edited: Vec<String> = seeded.iter().step_by(10).cloned().collect();
    let edit = js_sys::Function::new_with_args(
        "url",
        "var x = new XMLHttpRequest(); x.open('PATCH', url, false); \
         x.setRequestHeader('Content-Type', 'application/json'); \
         x.send(JSON.stringify({ mobilePhone: '+44 7700 900777' })); return x.status;",
    );
    let urls: Vec<String> = edited
        .iter()
        .map(|id| {
            format!(
                "{}/_emulator/mailboxes/{DEMO_USER}/contacts/{}",
                emulator(),
                js_sys::encode_uri_component(id)
            )
        })
        .collect();
    let (on_progress, _) = progress_recorder(move |i, _| {
        if i == 3 {
            for url in &urls {
                let status = edit
                    .call1(&wasm_bindgen::JsValue::NULL, &url.as_str().into())
                    .unwrap();
                assert_eq!(status.as_f64(), Some(200.0));
            }
        }
    });
    let started = js_sys::Date::now();
    let result = run(
        &a,
        &ids_in(&pa, &["new", "update"]),
        run_options(Some(&on_progress), None),
    )
    .await
    .expect("run");
    let secs = (js_sys::Date::now() - started) / 1000.0;
    let fired: Vec<u64> = faults_state().await["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fired"].as_u64().unwrap())
        .collect();
    let st = stats().await;
    assert!(fired[0] >= 5, "late commits: {fired:?}");
    assert!(result["error"].is_null(), "{}", result["error"]);

    // No duplicates left, whatever committed late.
    let contacts = folder_contacts(DEMO_USER, &folder).await;
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for c in &contacts {
        *seen
            .entry(c["centralId"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let duplicates = seen.values().filter(|k| **k > 1).count();
    // No edit lost: every contact the user edited still holds the user's mobile.
    let lost = edited
        .iter()
        .filter(|id| {
            contacts
                .iter()
                .find(|c| c["id"] == id.as_str())
                .is_none_or(|c| c["mobilePhone"] != "+44 7700 900777")
        })
        .count();
    let changed = result["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["error"]["code"] == "changedSincePlan")
        .count();
    // The stale plan writes nothing.
    let items_before = stats().await["batchItems"].as_u64().unwrap();
    let stale = run(
        &b,
        &ids_in(&pb, &["new", "update"]),
        wasm_bindgen::JsValue::UNDEFINED,
    )
    .await;
    let items_after = stats().await["batchItems"].as_u64().unwrap();
    log(&format!(
        "soak 2: {n} records in {secs:.1} s; faults fired [late commit, item 429, item 503] = {fired:?}; \
         result created {} updated {} failed {} (changedSincePlan {changed}), duplicates removed {}; \
         duplicates left {duplicates}; edits lost {lost} of {}; second session: {stale:?}; batches {}",
        result["created"], result["updated"], result["failed"], result["duplicatesRemoved"],
        edited.len(), st["graphRequestsByKind"]["batch"]
    ));
    assert_eq!(duplicates, 0, "duplicates left");
    assert_eq!(lost, 0, "user edits lost");
    assert_eq!(stale.unwrap_err(), "stalePlan");
    assert_eq!(items_after, items_before, "the stale plan wrote nothing");

    // A fresh plan and run finish what is left; then everything is up to date.
    control("DELETE", "faults", None).await;
    let s2 = session(config.clone(), &get_token);
    let p2 = plan(&s2).await;
    let r2 = run(
        &s2,
        &ids_in(&p2, &["new", "update"]),
        wasm_bindgen::JsValue::UNDEFINED,
    )
    .await
    .expect("re-run");
    assert_eq!(r2["failed"], 0, "{r2}");
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["upToDate"], n, "{}", again["summary"]);
}
