//! `SyncSession` against the emulator's faults, limits, tokens and shares (issue 4): every fault
//! kind in its own test, with exact assertions on the records, the progress events and the
//! resulting mailbox (every Central id exactly once, with the §5 values, nothing else touched).
//!
//! Run: `WASM_BINDGEN_TEST_TIMEOUT=300 scripts/with-emulator -- wasm-pack test --headless --chrome --test browser_session_faults`
//! (the runner's default 20 s covers the whole file, not one test).
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use central_o365_sync::SyncSession;
use js_sys::Function;
use serde_json::{json, Value};
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// One test's world: an empty-ish folder of the demo user, `n_update` stale linked copies
/// (the first Central records) and `n_new` records not yet in Outlook.
struct Fx {
    folder: String,
    central: Vec<Value>,
    /// Central id → Outlook id of the seeded stale copies.
    seeded: HashMap<String, String>,
    n_new: usize,
    n_update: usize,
    config: Value,
    get_token: Function,
    token_calls: Rc<Cell<u32>>,
}

impl Fx {
    async fn new(prefix: &str, n_update: usize, n_new: usize, extra: Value) -> Fx {
        reset(false).await;
        let folder = make_folder(DEMO_USER, &format!("Sync {prefix}")).await;
        let central = central_contacts(prefix, n_update + n_new)
            .as_array()
            .unwrap()
            .clone();
        let mut seeded = HashMap::new();
        if n_update > 0 {
            let ids = seed_contacts(
                DEMO_USER,
                &folder,
                stale_outlook_copies(&central[..n_update]),
            )
            .await;
            for (c, id) in central.iter().zip(ids) {
                seeded.insert(c["id"].as_str().unwrap().to_owned(), id);
            }
        }
        let mut config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "contacts": central, "retry": fast_retry() });
        for (k, v) in extra.as_object().unwrap() {
            config[k] = v.clone();
        }
        let (get_token, token_calls) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
        Fx {
            folder,
            central,
            seeded,
            n_new,
            n_update,
            config,
            get_token,
            token_calls,
        }
    }

    fn session(&self) -> SyncSession {
        session(self.config.clone(), &self.get_token)
    }

    fn ids(&self) -> Vec<String> {
        self.central
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Plans and checks the plan is what the fixture set up.
    async fn plan(&self, s: &SyncSession) -> Value {
        let p = plan(s).await;
        assert_eq!(p["summary"]["new"], self.n_new, "{}", p["summary"]);
        assert_eq!(p["summary"]["update"], self.n_update, "{}", p["summary"]);
        p
    }

    /// The run wrote everything: records in plan order with the right action and Outlook id,
    /// the folder holds exactly the Central records (updated ones in place), progress ended full.
    async fn assert_complete(&self, result: &Value, events: &[Value]) {
        assert_eq!(result["created"], self.n_new, "{result}");
        assert_eq!(result["updated"], self.n_update, "{result}");
        assert_eq!(result["failed"], 0, "{result}");
        assert_eq!(result["skipped"], 0, "{result}");
        assert_eq!(result["cancelled"], false);
        assert!(result["error"].is_null(), "{result}");
        let in_folder = assert_folder_exact(DEMO_USER, &self.folder, &self.central).await;
        let records = result["records"].as_array().unwrap();
        assert_eq!(records.len(), self.central.len());
        for (r, c) in records.iter().zip(&self.central) {
            let id = c["id"].as_str().unwrap();
            assert_eq!(r["centralId"], id, "records in plan order");
            assert!(r["error"].is_null(), "{r}");
            assert_eq!(r["outlookId"], in_folder[id].as_str(), "{r}");
            match self.seeded.get(id) {
                Some(seeded) => {
                    assert_eq!(r["action"], "updated", "{r}");
                    assert_eq!(&in_folder[id], seeded, "updated in place, not re-created");
                }
                None => assert_eq!(r["action"], "created", "{r}"),
            }
        }
        assert_progress_complete(events, self.central.len(), self.n_new, self.n_update, 0);
    }
}

/// Progress: `done` never goes back, each event is consistent, the last one says all done.
fn assert_progress_complete(
    events: &[Value],
    total: usize,
    created: usize,
    updated: usize,
    failed: usize,
) {
    assert!(!events.is_empty());
    let mut last_done = 0;
    for e in events {
        assert_eq!(e["total"], total, "{e}");
        let done = e["done"].as_u64().unwrap();
        assert!(done >= last_done, "done went back: {events:?}");
        last_done = done;
        assert_eq!(
            done,
            e["created"].as_u64().unwrap()
                + e["updated"].as_u64().unwrap()
                + e["failed"].as_u64().unwrap()
        );
    }
    let last = events.last().unwrap();
    assert_eq!(last["done"], total, "{last}");
    assert_eq!(last["created"], created, "{last}");
    assert_eq!(last["updated"], updated, "{last}");
    assert_eq!(last["failed"], failed, "{last}");
    assert_eq!(last["waitingSeconds"], 0.0, "{last}");
}

/// A path segment percent-encoded as the executor puts it into batch item urls.
fn url_segment(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn waits(events: &[Value]) -> Vec<f64> {
    events
        .iter()
        .map(|e| e["waitingSeconds"].as_f64().unwrap())
        .filter(|w| *w > 0.0)
        .collect()
}

async fn fired_per_rule() -> Vec<u64> {
    faults_state().await["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["fired"].as_u64().unwrap())
        .collect()
}

/// Plans, installs `rules`, runs every record with a progress recorder; returns (result, events).
async fn run_with_faults(fx: &Fx, rules: Value) -> (Value, Vec<Value>) {
    let s = fx.session();
    fx.plan(&s).await;
    reset_stats().await;
    add_faults(rules).await;
    let (on_progress, events) = progress_recorder(|_, _| {});
    let result = run(&s, &fx.ids(), run_options(Some(&on_progress), None))
        .await
        .expect("run");
    let events = events.borrow().clone();
    (result, events)
}

fn kind(stats: &Value, group: &str, k: &str) -> u64 {
    stats[group][k].as_u64().unwrap_or(0)
}

// ───────────────────────── run results against the plan ─────────────────────────

/// Records per selected id: new/update items created/updated in plan order, non-actionable and
/// conflict ones `skipped`/`notSyncable`, unknown ids `skipped`/`notInPlan` (last); a second run
/// without a new plan rejects with `noPlan`; nothing outside the selection is touched.
#[wasm_bindgen_test]
async fn demo_run_records_match_the_plan_exactly() {
    reset(true).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let folder = folder_id(DEMO_USER, DEMO_FOLDER).await;
    let config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url(), "retry": fast_retry() });
    let s = session(config.clone(), &get_token);
    let before = mailbox(DEMO_USER).await;
    let p = plan(&s).await;
    let items = p["items"].as_array().unwrap().clone();
    let selected_states = ["new", "update", "nonActionable", "conflict"];
    assert!(
        items.iter().any(|i| i["state"] == "conflict"),
        "demo data has a conflict"
    );
    let mut selected: Vec<String> = items
        .iter()
        .filter(|i| selected_states.contains(&i["state"].as_str().unwrap()))
        .map(|i| i["centralId"].as_str().unwrap().to_owned())
        .collect();
    // Unknown ids, given first: they come back last, in the order given.
    selected.insert(0, "C-NOT-THERE".to_owned());
    selected.push("C-ALSO-MISSING".to_owned());
    let result = run(&s, &selected, JsValue::UNDEFINED).await.expect("run");
    let records = result["records"].as_array().unwrap();
    assert_eq!(records.len(), selected.len(), "one record per selected id");

    let after = mailbox(DEMO_USER).await;
    let sync_after: Vec<Value> = after["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == folder)
        .unwrap()["contacts"]
        .as_array()
        .unwrap()
        .clone();
    let mut by_central: HashMap<String, Vec<&Value>> = HashMap::new();
    for c in &sync_after {
        if let Some(id) = c["centralId"].as_str() {
            by_central.entry(id.to_owned()).or_default().push(c);
        }
    }
    let expected_items: Vec<&Value> = items
        .iter()
        .filter(|i| selected_states.contains(&i["state"].as_str().unwrap()))
        .collect();
    let (mut new, mut upd, mut skip) = (0, 0, 0);
    for (r, item) in records.iter().zip(&expected_items) {
        let id = item["centralId"].as_str().unwrap();
        assert_eq!(r["centralId"], id, "plan order");
        match item["state"].as_str().unwrap() {
            "new" => {
                new += 1;
                assert_eq!(r["action"], "created", "{r}");
                assert!(r["error"].is_null(), "{r}");
                let found = &by_central[id];
                assert_eq!(found.len(), 1, "{id} exactly once");
                assert_eq!(r["outlookId"], found[0]["id"], "{r}");
            }
            "update" => {
                upd += 1;
                assert_eq!(r["action"], "updated", "{r}");
                assert!(r["error"].is_null(), "{r}");
                assert_eq!(r["outlookId"], item["outlookId"], "{r}");
                let updated: Vec<&Value> = sync_after
                    .iter()
                    .filter(|c| c["id"] == item["outlookId"])
                    .collect();
                assert_eq!(updated.len(), 1);
                assert_eq!(
                    updated[0]["centralId"], id,
                    "the update stored the Central id"
                );
            }
            _ => {
                skip += 1;
                assert_eq!(r["action"], "skipped", "{r}");
                assert_eq!(r["error"]["code"], "notSyncable", "{r}");
                assert_eq!(r["outlookId"], item["outlookId"], "{r}");
            }
        }
    }
    for (r, id) in records[expected_items.len()..]
        .iter()
        .zip(["C-NOT-THERE", "C-ALSO-MISSING"])
    {
        assert_eq!(r["centralId"], id);
        assert_eq!(r["action"], "skipped");
        assert_eq!(r["error"]["code"], "notInPlan", "{r}");
        assert!(r["outlookId"].is_null());
    }
    assert_eq!(result["created"], new);
    assert_eq!(result["updated"], upd);
    assert_eq!(result["skipped"], skip + 2);
    assert_eq!(result["failed"], 0);
    assert_eq!(new, p["summary"]["new"].as_u64().unwrap() as usize);
    assert_eq!(upd, p["summary"]["update"].as_u64().unwrap() as usize);

    // The sync folder grew by exactly the new ones; other folders are untouched.
    let count = |m: &Value, id: &Value| {
        m["folders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| &f["id"] == id)
            .unwrap()["contacts"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        count(&after, &json!(folder)),
        count(&before, &json!(folder)) + new
    );
    for f in before["folders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] != folder)
    {
        let a = after["folders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == f["id"])
            .unwrap();
        assert_eq!(a, f, "folder {} untouched", f["displayName"]);
    }
    // Contacts of the sync folder not selected are untouched.
    let touched: std::collections::HashSet<&str> = records
        .iter()
        .filter_map(|r| r["outlookId"].as_str())
        .collect();
    for c in before["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == folder)
        .unwrap()["contacts"]
        .as_array()
        .unwrap()
    {
        if !touched.contains(c["id"].as_str().unwrap())
            || records
                .iter()
                .any(|r| r["outlookId"] == c["id"] && r["action"] == "skipped")
        {
            let now = sync_after.iter().find(|x| x["id"] == c["id"]).unwrap();
            assert_eq!(now, c, "unselected/skipped contact untouched");
        }
    }

    assert_eq!(
        run(&s, &selected, JsValue::UNDEFINED).await.unwrap_err(),
        "noPlan"
    );
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(again["summary"]["new"], 0);
    assert_eq!(again["summary"]["update"], 0);
}

// ───────────────────────── paging and request counts ─────────────────────────

/// 2,300 Central contacts through Central's API (pages of 500) and 1,200 linked Outlook contacts:
/// the plan sees all of them with exactly ceil(1200/1000) folder reads and ceil(2300/500) Central
/// pages; the fault-free run is exactly ceil(2300/20) batch calls and nothing else.
#[wasm_bindgen_test]
async fn paging_past_1000_on_both_sides_with_minimal_requests() {
    reset(false).await;
    let (m_outlook, n_central) = (1200usize, 2300usize);
    let folder = make_folder(DEMO_USER, "Sync paging").await;
    let central = central_contacts("pg", n_central)
        .as_array()
        .unwrap()
        .clone();
    control(
        "PUT",
        "central/contacts",
        Some(Value::Array(central.clone())),
    )
    .await;
    seed_contacts(
        DEMO_USER,
        &folder,
        stale_outlook_copies(&central[..m_outlook]),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url(), "retry": fast_retry() });
    let s = session(config.clone(), &get_token);
    reset_stats().await;
    let p = plan(&s).await;
    assert_eq!(p["items"].as_array().unwrap().len(), n_central);
    assert_eq!(
        p["summary"]["new"],
        n_central - m_outlook,
        "{}",
        p["summary"]
    );
    assert_eq!(p["summary"]["update"], m_outlook, "{}", p["summary"]);
    let st = stats().await;
    assert_eq!(st["centralRequests"], n_central.div_ceil(500), "{st}");
    assert_eq!(st["graphRequests"], m_outlook.div_ceil(1000), "{st}");
    assert_eq!(
        kind(&st, "graphRequestsByKind", "listContacts"),
        m_outlook.div_ceil(1000) as u64,
        "{st}"
    );

    reset_stats().await;
    let ids = ids_in(&p, &["new", "update"]);
    let result = run(&s, &ids, JsValue::UNDEFINED).await.expect("run");
    assert_eq!(result["created"], n_central - m_outlook);
    assert_eq!(result["updated"], m_outlook);
    assert_eq!(result["failed"], 0);
    let st = stats().await;
    assert_eq!(st["graphRequests"], n_central.div_ceil(20), "{st}");
    assert_eq!(
        kind(&st, "graphRequestsByKind", "batch"),
        n_central.div_ceil(20) as u64,
        "{st}"
    );
    assert_eq!(st["batchItems"], n_central, "{st}");
    assert_eq!(
        kind(&st, "batchItemsByKind", "createContact"),
        (n_central - m_outlook) as u64,
        "{st}"
    );
    assert_eq!(
        kind(&st, "batchItemsByKind", "updateContact"),
        m_outlook as u64,
        "{st}"
    );
    assert_eq!(st["centralRequests"], 0);
    log(&format!(
        "paging: {n_central} records written with {} requests ({:.3} per record)",
        st["graphRequests"],
        st["graphRequests"].as_f64().unwrap() / n_central as f64
    ));

    assert_folder_exact(DEMO_USER, &folder, &central).await;
    reset_stats().await;
    let again = plan(&session(config, &get_token)).await;
    assert_eq!(
        again["summary"]["upToDate"], n_central,
        "{}",
        again["summary"]
    );
    assert_eq!(stats().await["graphRequests"], n_central.div_ceil(1000));
}

/// DESIGN §8: a Central without ledgers. Each batch of creates is preceded by one `$batch` of
/// lookups of its Central ids: 45 new contacts are 3 batches of lookups (45 filtered GETs) and
/// 3 of creates — six Graph requests, nothing else — and each contact is created once.
#[wasm_bindgen_test]
async fn without_a_ledger_each_batch_of_creates_follows_one_batch_of_its_lookups() {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Sync no ledger").await;
    let central = central_contacts("noledger", 45);
    control("PUT", "central/contacts", Some(central.clone())).await;
    control(
        "PUT",
        "central/settings",
        Some(json!({ "ledger": "notImplemented" })),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let s = session(
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url(), "retry": fast_retry() }),
        &get_token,
    );
    let p = plan(&s).await;
    assert_eq!(
        (&p["ledger"], &p["summary"]["new"]),
        (&json!("none"), &json!(45))
    );
    reset_stats().await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .expect("run");
    assert_eq!(
        (&result["created"], &result["failed"]),
        (&json!(45), &json!(0)),
        "{result}"
    );
    let st = stats().await;
    assert_eq!(st["graphRequests"], 6, "{st}");
    assert_eq!(kind(&st, "graphRequestsByKind", "batch"), 6, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "listContacts"), 45, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "createContact"), 45, "{st}");
    assert_eq!(st["batchItems"], 90, "{st}");
    assert_folder_exact(DEMO_USER, &folder, central.as_array().unwrap()).await;
}

// ───────────────────────── Graph faults on writes ─────────────────────────

/// Top-level 429 on `$batch` with `Retry-After` readable (exposed under CORS): the executor
/// waits exactly that long and resends; nothing is lost or doubled.
#[wasm_bindgen_test]
async fn batch_429_with_exposed_retry_after_waits_as_told() {
    let fx = Fx::new("t429x", 10, 40, json!({})).await;
    set_limits(json!({ "exposeRetryAfter": true })).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "throttle", "pathContains": "$batch", "everyNth": 2, "maxCount": 2, "retryAfterSeconds": 0.3 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![2]);
    fx.assert_complete(&result, &events).await;
    assert_eq!(waits(&events), vec![0.3, 0.3], "{events:?}");
    let st = stats().await;
    assert_eq!(kind(&st, "statusCounts", "429"), 2, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "createContact"), 40, "{st}");
    assert_eq!(
        kind(&st, "batchItemsByKind", "listContacts")
            + kind(&st, "graphRequestsByKind", "listContacts"),
        0,
        "a 429 is not an unknown outcome: no lookups"
    );
}

/// Top-level 429 whose `Retry-After` CORS hides (Graph's default): backoff instead.
#[wasm_bindgen_test]
async fn batch_429_with_hidden_retry_after_backs_off() {
    let fx = Fx::new("t429h", 10, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "throttle", "pathContains": "$batch", "everyNth": 2, "maxCount": 2, "retryAfterSeconds": 0.3 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![2]);
    fx.assert_complete(&result, &events).await;
    let w = waits(&events);
    assert_eq!(w.len(), 2, "{events:?}");
    assert!(w.iter().all(|w| *w > 0.0 && *w <= 2.0), "{w:?}");
}

/// Per-item 429s with their own `Retry-After` inside the batch answer.
#[wasm_bindgen_test]
async fn item_429_with_retry_after_is_retried_as_told() {
    let fx = Fx::new("i429", 10, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "throttle", "scope": "batchItem", "everyNth": 4, "maxCount": 6, "retryAfterSeconds": 0.2 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![6]);
    fx.assert_complete(&result, &events).await;
    let w = waits(&events);
    assert!(!w.is_empty() && w.iter().all(|w| *w == 0.2), "{w:?}");
    let st = stats().await;
    assert_eq!(
        kind(&st, "batchItemsByKind", "createContact")
            + kind(&st, "batchItemsByKind", "updateContact"),
        50 + 6,
        "{st}"
    );
    assert_eq!(
        kind(&st, "batchItemsByKind", "listContacts")
            + kind(&st, "graphRequestsByKind", "listContacts"),
        0,
        "429 items are not looked up"
    );
}

/// Top-level 503 with `Retry-After` (exposed): nothing was written, creates are looked up
/// (not found) and then sent again; exactly one contact per record.
#[wasm_bindgen_test]
async fn batch_503_with_retry_after() {
    let fx = Fx::new("t503r", 10, 40, json!({})).await;
    set_limits(json!({ "exposeRetryAfter": true })).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "unavailable", "pathContains": "$batch", "everyNth": 2, "maxCount": 2, "retryAfterSeconds": 0.25 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![2]);
    fx.assert_complete(&result, &events).await;
    assert_eq!(waits(&events), vec![0.25, 0.25], "{events:?}");
    let st = stats().await;
    assert_eq!(kind(&st, "statusCounts", "503"), 2, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "createContact"), 40, "{st}");
}

/// Top-level 503 without `Retry-After`: exponential backoff. The rule hits every other
/// `$batch`: the second batch of writes three times, while the lookups of its creates, one
/// `$batch` before each resend, go through.
#[wasm_bindgen_test]
async fn batch_503_without_retry_after() {
    let fx = Fx::new("t503", 10, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "unavailable", "pathContains": "$batch", "everyNth": 2, "maxCount": 3 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![3]);
    fx.assert_complete(&result, &events).await;
    let w = waits(&events);
    assert_eq!(w.len(), 3, "{events:?}");
    assert!(w.iter().all(|w| *w > 0.0 && *w <= 2.0), "{w:?}");
    assert_eq!(
        kind(&stats().await, "batchItemsByKind", "createContact"),
        40
    );
}

/// Per-item 503 with `Retry-After`.
#[wasm_bindgen_test]
async fn item_503_with_retry_after() {
    let fx = Fx::new("i503r", 10, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "unavailable", "scope": "batchItem", "everyNth": 5, "maxCount": 5, "retryAfterSeconds": 0.2 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![5]);
    fx.assert_complete(&result, &events).await;
    let w = waits(&events);
    assert!(!w.is_empty() && w.iter().all(|w| *w == 0.2), "{w:?}");
}

/// Per-item 503 without `Retry-After`.
#[wasm_bindgen_test]
async fn item_503_without_retry_after() {
    let fx = Fx::new("i503", 10, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "unavailable", "scope": "batchItem", "everyNth": 3, "maxCount": 8 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![8]);
    fx.assert_complete(&result, &events).await;
    let w = waits(&events);
    assert!(
        !w.is_empty() && w.iter().all(|w| *w > 0.0 && *w <= 2.0),
        "{w:?}"
    );
}

/// The connection drops before the batch runs: nothing written, creates looked up, resent.
#[wasm_bindgen_test]
async fn batch_dropped_before_write() {
    let fx = Fx::new("dbw", 10, 40, json!({})).await;
    let (result, events) =
        run_with_faults(&fx, json!({ "kind": "dropBeforeWrite", "pathContains": "$batch", "everyNth": 2, "maxCount": 2 })).await;
    assert_eq!(fired_per_rule().await, vec![2]);
    let st = stats().await;
    log(&format!(
        "batch_dropped_before_write: {st} {}",
        faults_state().await["log"]
    ));
    assert_eq!(kind(&st, "statusCounts", "dropped"), 2, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "createContact"), 40, "{st}");
    fx.assert_complete(&result, &events).await;
}

/// One item of a batch is dropped before it runs, the others run, the whole answer is lost:
/// the lookups find the written ones and only the missing one is sent again.
#[wasm_bindgen_test]
async fn batch_item_dropped_before_write() {
    let fx = Fx::new("idbw", 0, 50, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "dropBeforeWrite", "scope": "batchItem", "everyNth": 7, "maxCount": 1 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![1]);
    let st = stats().await;
    log(&format!(
        "batch_item_dropped_before_write: {st} {}",
        faults_state().await["log"]
    ));
    assert_eq!(kind(&st, "statusCounts", "dropped"), 1, "{st}");
    // The 20 creates of the dropped batch are looked up before anything is sent again, as one
    // `$batch`, and once more at the end: 3 batches of writes, 1 resend of the missing one,
    // 2 of lookups.
    assert_eq!(kind(&st, "graphRequestsByKind", "listContacts"), 0, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "listContacts"), 40, "{st}");
    assert_eq!(kind(&st, "graphRequestsByKind", "batch"), 6, "{st}");
    assert_eq!(st["graphRequests"], 6, "{st}");
    fx.assert_complete(&result, &events).await;
}

/// The batch ran (every write committed) and its answer was dropped: ZERO duplicates — each
/// create is found by its extended property instead of being sent again.
#[wasm_bindgen_test]
async fn batch_dropped_after_write_makes_no_duplicates() {
    let fx = Fx::new("daw", 10, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "dropAfterWrite", "pathContains": "$batch", "everyNth": 1, "maxCount": 2 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![2]);
    let st = stats().await;
    log(&format!(
        "batch_dropped_after_write_makes_no_duplicates: {st} {}",
        faults_state().await["log"]
    ));
    assert_eq!(kind(&st, "statusCounts", "dropped"), 2, "{st}");
    assert_eq!(
        kind(&st, "batchItemsByKind", "createContact"),
        40,
        "no create was sent twice: {st}"
    );
    fx.assert_complete(&result, &events).await;
}

/// One dropped answer after a committed batch, healed on the next try: still exactly one contact
/// per record (the browser itself may resend a POST whose connection closed without an answer).
#[wasm_bindgen_test]
async fn single_batch_dropped_after_write_makes_no_duplicates() {
    let fx = Fx::new("daw1", 0, 40, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "dropAfterWrite", "pathContains": "$batch", "everyNth": 1, "maxCount": 1 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![1]);
    let st = stats().await;
    log(&format!(
        "single_batch_dropped_after_write_makes_no_duplicates: {st}"
    ));
    assert_eq!(
        kind(&st, "batchItemsByKind", "createContact"),
        40,
        "no create was executed twice: {st}"
    );
    fx.assert_complete(&result, &events).await;
}

/// A `batchItem`-scoped drop after the write: every item ran, the whole answer is lost.
#[wasm_bindgen_test]
async fn batch_item_dropped_after_write_makes_no_duplicates() {
    let fx = Fx::new("idaw", 0, 60, json!({})).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "dropAfterWrite", "scope": "batchItem", "everyNth": 25, "maxCount": 2 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![2]);
    let st = stats().await;
    log(&format!(
        "batch_item_dropped_after_write_makes_no_duplicates: {st} {}",
        faults_state().await["log"]
    ));
    assert_eq!(kind(&st, "statusCounts", "dropped"), 2, "{st}");
    assert_eq!(
        kind(&st, "batchItemsByKind", "createContact"),
        60,
        "no create was sent twice: {st}"
    );
    fx.assert_complete(&result, &events).await;
}

/// A batch answer slower than `timeoutMs`: an unknown outcome (the writes happened) — looked up,
/// never duplicated.
#[wasm_bindgen_test]
async fn slow_batch_beyond_timeout_is_an_unknown_outcome() {
    let fx = Fx::new("slow", 10, 40, json!({ "timeoutMs": 500 })).await;
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "slow", "pathContains": "$batch", "delayMs": 1500, "maxCount": 1 }),
    )
    .await;
    assert_eq!(fired_per_rule().await, vec![1]);
    let st = stats().await;
    log(&format!(
        "slow_batch_beyond_timeout_is_an_unknown_outcome: {st} {}",
        faults_state().await["log"]
    ));
    assert_eq!(
        kind(&st, "batchItemsByKind", "createContact"),
        40,
        "no create was sent twice: {st}"
    );
    assert_eq!(
        kind(&st, "batchItemsByKind", "listContacts"),
        20,
        "the 10 creates of the slow batch were looked up (in one `$batch`), and again at the end: {st}"
    );
    assert_eq!(kind(&st, "graphRequestsByKind", "listContacts"), 0, "{st}");
    fx.assert_complete(&result, &events).await;
}

/// Bounded tries: one record always throttled fails with `throttled` + Graph's code after
/// exactly `maxAttempts` tries; the rest are written; that contact is left as it was.
#[wasm_bindgen_test]
async fn always_throttled_record_fails_after_bounded_tries() {
    let fx = Fx::new("bound", 5, 30, json!({})).await;
    let victim = fx.central[2]["id"].as_str().unwrap().to_owned();
    let victim_outlook = fx.seeded[&victim].clone();
    let (result, events) = run_with_faults(
        &fx,
        json!({ "kind": "throttle", "scope": "batchItem", "pathContains": url_segment(&victim_outlook), "retryAfterSeconds": 0.05 }),
    )
    .await;
    assert_eq!(
        fired_per_rule().await,
        vec![6],
        "maxAttempts tries, no more"
    );
    assert_eq!(result["created"], 30);
    assert_eq!(result["updated"], 4);
    assert_eq!(result["failed"], 1);
    assert!(
        result["error"].is_null(),
        "one record's failure does not stop the run: {result}"
    );
    let records = result["records"].as_array().unwrap();
    let r = &records[2];
    assert_eq!(r["centralId"], victim);
    assert_eq!(r["action"], "failed");
    assert_eq!(r["outlookId"], victim_outlook);
    assert_eq!(r["error"]["code"], "throttled", "{r}");
    assert_eq!(r["error"]["status"], 429, "{r}");
    assert_eq!(r["error"]["graphCode"], "TooManyRequests", "{r}");
    for (i, r) in records.iter().enumerate().filter(|(i, _)| *i != 2) {
        assert_eq!(
            r["action"],
            if i < 5 { "updated" } else { "created" },
            "{r}"
        );
    }
    assert_progress_complete(&events, 35, 30, 4, 1);
    let contacts = folder_contacts(DEMO_USER, &fx.folder).await;
    let (left, rest): (Vec<Value>, Vec<Value>) = contacts
        .into_iter()
        .partition(|c| c["id"] == victim_outlook.as_str());
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0]["givenName"], "Old",
        "the failed record was not written"
    );
    let others: Vec<Value> = fx
        .central
        .iter()
        .filter(|c| c["id"] != victim.as_str())
        .cloned()
        .collect();
    assert_contacts_exact(&rest, &others);
}

/// A record whose item always answers 503 fails with Graph's status and code; the rest go on.
#[wasm_bindgen_test]
async fn always_unavailable_record_fails_after_bounded_tries() {
    let fx = Fx::new("bound503", 3, 20, json!({})).await;
    let victim = fx.central[0]["id"].as_str().unwrap().to_owned();
    let victim_outlook = fx.seeded[&victim].clone();
    let (result, _) =
        run_with_faults(&fx, json!({ "kind": "unavailable", "scope": "batchItem", "pathContains": url_segment(&victim_outlook) })).await;
    assert_eq!(fired_per_rule().await, vec![6]);
    assert_eq!(
        (
            result["created"].clone(),
            result["updated"].clone(),
            result["failed"].clone()
        ),
        (json!(20), json!(2), json!(1))
    );
    let r = &result["records"][0];
    assert_eq!(r["action"], "failed");
    assert_eq!(
        r["outlookId"], victim_outlook,
        "a failed update names its contact"
    );
    assert_eq!(r["error"]["status"], 503, "{r}");
    assert_eq!(r["error"]["graphCode"], "ServiceUnavailable", "{r}");
    assert_eq!(r["error"]["code"], "graphError", "{r}");
}

/// Graph refuses a request body over its limit with 413, a `$batch` counted whole. The limit
/// is lowered to 256 KB and one of 20 new contacts has a 300 KB first name: the batch is split
/// in two, and the half holding that record again, until it alone is refused — it fails with
/// `recordTooLarge` — while the other 19 are created, each once.
#[wasm_bindgen_test]
async fn a_record_too_large_for_graph_fails_alone_and_its_batch_mates_are_written() {
    let mut fx = Fx::new("big", 0, 20, json!({})).await;
    let big = "B".repeat(300 * 1024);
    fx.central[7]["firstName"] = json!(big);
    fx.config["contacts"][7]["firstName"] = json!(big);
    set_limits(json!({ "maxRequestBytes": 256 * 1024 })).await;
    let s = fx.session();
    fx.plan(&s).await;
    reset_stats().await;
    let result = run(&s, &fx.ids(), JsValue::UNDEFINED).await.expect("run");
    assert_eq!(
        (&result["created"], &result["failed"], &result["skipped"]),
        (&json!(19), &json!(1), &json!(0)),
        "{}",
        result["records"][7]
    );
    assert!(result["error"].is_null(), "{}", result["error"]);
    let records = result["records"].as_array().unwrap();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["centralId"], fx.central[i]["id"]);
        if i == 7 {
            assert_eq!(r["action"], "failed", "{}", r["centralId"]);
            assert_eq!(r["error"]["code"], "recordTooLarge");
            assert_eq!(r["error"]["status"], 413);
            assert_eq!(r["error"]["graphCode"], "RequestEntityTooLarge");
            assert!(r["outlookId"].is_null());
        } else {
            assert_eq!(r["action"], "created", "{r}");
            assert!(r["error"].is_null(), "{r}");
        }
    }
    let stored = folder_contacts(DEMO_USER, &fx.folder).await;
    assert_eq!(stored.len(), 19);
    let others: Vec<Value> = (fx.central.iter().enumerate())
        .filter(|(i, _)| *i != 7)
        .map(|(_, c)| c.clone())
        .collect();
    assert_contacts_exact(&stored, &others);
    // 20 → 10 + 10, 10 → 5 + 5, 5 → 2 + 3, 3 → 1 + 2, and the one alone: five 413s and the
    // four halves that went through; no lookups (nothing of a refused batch ran).
    let st = stats().await;
    assert_eq!(kind(&st, "statusCounts", "413"), 5, "{st}");
    assert_eq!(
        kind(&st, "graphRequestsByKind", "requestTooLarge"),
        5,
        "{st}"
    );
    assert_eq!(kind(&st, "graphRequestsByKind", "batch"), 4, "{st}");
    assert_eq!(st["graphRequests"], 9, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "createContact"), 19, "{st}");
    assert_eq!(kind(&st, "batchItemsByKind", "listContacts"), 0, "{st}");
}

// ───────────────────────── Graph faults on reads (plan) ─────────────────────────

/// Transient faults on the folder read are retried; a missing folder is `folderNotFound`.
#[wasm_bindgen_test]
async fn folder_read_faults_and_folder_not_found() {
    let fx = Fx::new("read", 5, 5, json!({})).await;
    add_faults(json!([{ "kind": "unavailable", "method": "GET", "everyNth": 1, "maxCount": 1 },
                      { "kind": "throttle", "method": "GET", "everyNth": 1, "maxCount": 1, "retryAfterSeconds": 0.1 },
                      { "kind": "dropBeforeWrite", "method": "GET", "everyNth": 1, "maxCount": 1 }]))
    .await;
    let s = fx.session();
    fx.plan(&s).await;
    assert_eq!(fired_per_rule().await, vec![1, 1, 1]);

    let mut config = fx.config.clone();
    config["folderId"] = json!("AAMkNoSuchFolder");
    let s = session(config, &fx.get_token);
    assert_eq!(rejection(s.plan()).await.unwrap_err(), "folderNotFound");
    assert_eq!(
        run(&s, &fx.ids(), JsValue::UNDEFINED).await.unwrap_err(),
        "noPlan"
    );
}

// ───────────────────────── Central faults ─────────────────────────

async fn central_fx(prefix: &str, extra: Value) -> (Value, Function) {
    reset(false).await;
    let folder = make_folder(DEMO_USER, "Sync central").await;
    control(
        "PUT",
        "central/contacts",
        Some(central_contacts(prefix, 1200)),
    )
    .await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let mut config = json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url(),
                             "retry": { "maxAttempts": 3, "baseDelayMs": 50, "maxDelayMs": 500 } });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    (config, get_token)
}

/// Central faults that do not heal reject `plan()` with a clear code, never a partial plan
/// (a later `run` has no plan); transient ones that heal give the whole plan. (The rules
/// name the contacts path: the ledger's calls are Central's too; its faults are tested in
/// browser_session_ledger.)
#[wasm_bindgen_test]
async fn central_faults_reject_plan_without_partial_plan() {
    let cases = [
        // (rule, timeoutMs, expected code, Central requests)
        (
            json!({ "kind": "malformedJson", "scope": "central", "pathContains": "/central/api/contacts", "everyNth": 2 }),
            60_000,
            "invalidCentralData",
            2,
        ),
        (
            json!({ "kind": "wrongShape", "scope": "central", "pathContains": "/central/api/contacts", "everyNth": 3 }),
            60_000,
            "invalidCentralData",
            3,
        ),
        (
            json!({ "kind": "wrongShape", "scope": "central", "pathContains": "/central/api/contacts" }),
            60_000,
            "invalidCentralData",
            1,
        ),
        (
            json!({ "kind": "unavailable", "scope": "central", "pathContains": "/central/api/contacts", "retryAfterSeconds": 0.05 }),
            60_000,
            "centralUnavailable",
            3,
        ),
        (
            json!({ "kind": "unavailable", "scope": "central", "pathContains": "/central/api/contacts" }),
            60_000,
            "centralUnavailable",
            3,
        ),
        (
            json!({ "kind": "throttle", "scope": "central", "pathContains": "/central/api/contacts", "retryAfterSeconds": 0.05 }),
            60_000,
            "centralUnavailable",
            3,
        ),
        (
            json!({ "kind": "dropBeforeWrite", "scope": "central", "pathContains": "/central/api/contacts" }),
            60_000,
            "centralUnavailable",
            3,
        ),
        (
            json!({ "kind": "slow", "scope": "central", "pathContains": "/central/api/contacts", "delayMs": 1500 }),
            400,
            "centralUnavailable",
            3,
        ),
    ];
    for (rule, timeout, code, requests) in cases {
        let (config, get_token) = central_fx("cf", json!({ "timeoutMs": timeout })).await;
        add_faults(rule.clone()).await;
        let s = session(config, &get_token);
        let got = rejection(s.plan()).await.map(|p| p["summary"].clone());
        assert_eq!(
            got,
            Err(code.to_owned()),
            "{rule} {} {}",
            stats().await,
            faults_state().await
        );
        // A dropped connection may be resent once by the browser itself (a GET on a reused
        // keep-alive connection): between `requests` and twice that reach Central.
        let reached = stats().await["centralRequests"].as_u64().unwrap();
        if rule["kind"] == "dropBeforeWrite" {
            assert!(
                (requests..=2 * requests).contains(&reached),
                "{rule}: {reached}"
            );
        } else {
            assert_eq!(reached, requests, "{rule}");
        }
        assert_eq!(
            run(&s, &["C-cf-00000".to_owned()], JsValue::UNDEFINED)
                .await
                .unwrap_err(),
            "noPlan",
            "{rule}"
        );
        assert!(
            folder_contacts(DEMO_USER, &folder_id(DEMO_USER, "Sync central").await)
                .await
                .is_empty()
        );
    }
    // Faults that heal within the tries: the whole of Central is planned.
    let heal = [
        json!({ "kind": "unavailable", "scope": "central", "pathContains": "/central/api/contacts", "everyNth": 2, "maxCount": 2 }),
        json!({ "kind": "throttle", "scope": "central", "pathContains": "/central/api/contacts", "everyNth": 1, "maxCount": 2, "retryAfterSeconds": 0.05 }),
        json!({ "kind": "dropBeforeWrite", "scope": "central", "pathContains": "/central/api/contacts", "everyNth": 3, "maxCount": 1 }),
        json!({ "kind": "dropBeforeWrite", "scope": "central", "pathContains": "/central/api/contacts", "everyNth": 2 }),
        json!({ "kind": "slow", "scope": "central", "pathContains": "/central/api/contacts", "delayMs": 1000, "maxCount": 1 }),
    ];
    for rule in heal {
        let (config, get_token) = central_fx("ch", json!({ "timeoutMs": 400 })).await;
        add_faults(rule.clone()).await;
        let p = plan(&session(config, &get_token)).await;
        assert_eq!(p["summary"]["new"], 1200, "{rule}");
        assert!(faults_fired().await > 0, "{rule}");
    }
}

// ───────────────────────── tokens ─────────────────────────

/// Tokens expire between batches (from `onProgress` after the first batch): `getGraphToken` is
/// asked again exactly once and the run completes.
#[wasm_bindgen_test]
async fn token_expiry_mid_run_renews_once_and_completes() {
    let fx = Fx::new("tok", 10, 90, json!({})).await;
    let s = fx.session();
    fx.plan(&s).await;
    assert_eq!(fx.token_calls.get(), 1);
    reset_stats().await;
    let (on_progress, events) = progress_recorder(|i, _| {
        if i == 0 {
            assert_eq!(control_post_sync("tokens/expire", json!({})), 200);
        }
    });
    let result = run(&s, &fx.ids(), run_options(Some(&on_progress), None))
        .await
        .expect("run");
    let events = events.borrow().clone();
    fx.assert_complete(&result, &events).await;
    assert_eq!(fx.token_calls.get(), 2, "one fresh token after the expiry");
    let st = stats().await;
    assert_eq!(kind(&st, "statusCounts", "401"), 1, "{st}");
    assert_eq!(kind(&st, "graphRequestsByKind", "batch"), 5, "{st}");
    assert_eq!(
        kind(&st, "graphRequestsByKind", "unauthenticated"),
        1,
        "the refused batch: {st}"
    );
    assert_eq!(kind(&st, "batchItemsByKind", "createContact"), 90);
}

/// The host keeps handing back an expired token: the run stops with `unauthorized`; what was
/// written is reported, the rest `failed` with `unauthorized`; the mailbox holds exactly those.
#[wasm_bindgen_test]
async fn token_that_stays_expired_stops_the_run_unauthorized() {
    let mut fx = Fx::new("tokx", 0, 100, json!({})).await;
    let token = issue_token(DEMO_USER, &["Contacts.ReadWrite"], 3600).await;
    let (get_token, calls) = fixed_token_callback(token);
    fx.get_token = get_token;
    let s = fx.session();
    fx.plan(&s).await;
    let (on_progress, events) = progress_recorder(|i, _| {
        if i == 0 {
            assert_eq!(control_post_sync("tokens/expire", json!({})), 200);
        }
    });
    let result = run(&s, &fx.ids(), run_options(Some(&on_progress), None))
        .await
        .expect("run resolves with its error");
    assert_eq!(
        result["error"]["code"], "unauthorized",
        "{}",
        result["error"]
    );
    assert_eq!(result["error"]["status"], 401, "{}", result["error"]);
    assert_eq!(calls.get(), 2, "asked once more, then gave up");
    assert_eq!(result["created"], 20);
    assert_eq!(result["failed"], 80);
    assert_eq!(result["cancelled"], false);
    let records = result["records"].as_array().unwrap();
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["centralId"], fx.central[i]["id"]);
        if i < 20 {
            assert_eq!(r["action"], "created", "{r}");
        } else {
            assert_eq!(r["action"], "failed", "{r}");
            assert_eq!(r["error"]["code"], "unauthorized", "{r}");
            assert!(r["outlookId"].is_null());
        }
    }
    assert_eq!(events.borrow().len(), 1, "{:?}", events.borrow());
    assert_folder_exact(DEMO_USER, &fx.folder, &fx.central[..20]).await;
}

// ───────────────────────── cancel, busy ─────────────────────────

/// Aborted from `onProgress` after the first batch: `cancelled`, the first 20 created, the
/// rest `skipped`/`cancelled`; the mailbox holds exactly the created ones.
#[wasm_bindgen_test]
async fn cancel_mid_run_reports_what_was_written() {
    let fx = Fx::new("cancel", 0, 100, json!({})).await;
    let s = fx.session();
    fx.plan(&s).await;
    let controller = web_sys::AbortController::new().unwrap();
    let c2 = controller.clone();
    let (on_progress, events) = progress_recorder(move |i, _| {
        if i == 0 {
            c2.abort();
        }
    });
    let signal = controller.signal();
    let result = run(
        &s,
        &fx.ids(),
        run_options(Some(&on_progress), Some(&signal)),
    )
    .await
    .expect("run");
    assert_eq!(result["cancelled"], true);
    assert_eq!(result["created"], 20);
    assert_eq!(result["skipped"], 80);
    assert_eq!(result["failed"], 0);
    assert!(result["error"].is_null());
    let in_folder = assert_folder_exact(DEMO_USER, &fx.folder, &fx.central[..20]).await;
    for (i, r) in result["records"].as_array().unwrap().iter().enumerate() {
        let id = fx.central[i]["id"].as_str().unwrap();
        assert_eq!(r["centralId"], id);
        if i < 20 {
            assert_eq!(r["action"], "created");
            assert_eq!(r["outlookId"], in_folder[id].as_str());
        } else {
            assert_eq!(r["action"], "skipped");
            assert_eq!(r["error"]["code"], "cancelled", "{r}");
        }
    }
    assert_eq!(events.borrow().len(), 1);
}

/// A second run on the same mailbox while one runs is refused with `busy` (and keeps its plan
/// untouched); after the first ends, plan + run on the second session works.
#[wasm_bindgen_test]
async fn concurrent_run_on_the_same_mailbox_is_refused() {
    let fx = Fx::new("busy", 0, 40, json!({})).await;
    let (a, b) = (fx.session(), fx.session());
    fx.plan(&a).await;
    fx.plan(&b).await;
    set_limits(json!({ "latencyMs": 150 })).await;
    let ids = fx.ids();
    let first: Vec<String> = ids[..20].to_vec();
    let arr = js_sys::Array::new();
    for id in &first {
        arr.push(&JsValue::from(id.as_str()));
    }
    let running = a.run(arr.into(), JsValue::UNDEFINED);
    sleep_ms(100).await;
    assert_eq!(
        run(&b, &ids[20..], JsValue::UNDEFINED).await.unwrap_err(),
        "busy"
    );
    let ra = rejection(running).await.expect("run A");
    assert_eq!(ra["created"], 20);
    set_limits(json!({ "latencyMs": 0 })).await;
    let p = plan(&b).await;
    assert_eq!(p["summary"]["new"], 20);
    assert_eq!(p["summary"]["upToDate"], 20);
    let rb = run(&b, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .expect("run B");
    assert_eq!(rb["created"], 20);
    assert_folder_exact(DEMO_USER, &fx.folder, &fx.central).await;
}

// ───────────────────────── shared mailbox, permissions ─────────────────────────

const OFFICE: &str = "office@contoso.example";

/// With a read-write share and `Contacts.ReadWrite.Shared`, the run writes into THAT mailbox.
#[wasm_bindgen_test]
async fn shared_mailbox_with_share_writes_there() {
    reset(false).await;
    control(
        "POST",
        "shares",
        Some(json!({ "owner": OFFICE, "grantee": DEMO_USER, "access": "readWrite" })),
    )
    .await;
    let folder = make_folder(OFFICE, "Office sync").await;
    let central = central_contacts("shr", 30).as_array().unwrap().clone();
    let (get_token, _) = token_callback(
        DEMO_USER,
        &["Contacts.ReadWrite", "Contacts.ReadWrite.Shared"],
    );
    let config = json!({ "graphBaseUrl": graph_url(), "mailbox": OFFICE, "folderId": folder, "contacts": central, "retry": fast_retry() });
    let s = session(config, &get_token);
    let p = plan(&s).await;
    assert_eq!(p["summary"]["new"], 30);
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .expect("run");
    assert_eq!(result["created"], 30, "{result}");
    assert_folder_exact(OFFICE, &folder, &central).await;
    let own = mailbox(DEMO_USER).await;
    for f in own["folders"].as_array().unwrap() {
        assert!(
            f["contacts"].as_array().unwrap().is_empty(),
            "nothing in the user's own mailbox: {f}"
        );
    }
}

/// Without a share, `plan()` on another mailbox rejects with `forbidden`.
#[wasm_bindgen_test]
async fn shared_mailbox_without_share_is_forbidden() {
    reset(false).await;
    let folder = make_folder(OFFICE, "Office sync").await;
    let (get_token, _) = token_callback(
        DEMO_USER,
        &["Contacts.ReadWrite", "Contacts.ReadWrite.Shared"],
    );
    let config = json!({ "graphBaseUrl": graph_url(), "mailbox": OFFICE, "folderId": folder,
                         "contacts": central_contacts("nos", 3), "retry": fast_retry() });
    let s = session(config, &get_token);
    assert_eq!(rejection(s.plan()).await.unwrap_err(), "forbidden");
    assert!(folder_contacts(OFFICE, &folder).await.is_empty());
}

/// A token with read-only scope plans but every write fails `forbidden` (403, Graph's code);
/// the mailbox is untouched.
#[wasm_bindgen_test]
async fn read_only_token_writes_fail_forbidden() {
    let mut fx = Fx::new("ro", 3, 7, json!({})).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.Read"]);
    fx.get_token = get_token;
    let before = folder_contacts(DEMO_USER, &fx.folder).await;
    let s = fx.session();
    fx.plan(&s).await;
    let result = run(&s, &fx.ids(), JsValue::UNDEFINED).await.expect("run");
    assert_eq!(result["failed"], 10, "{result}");
    assert_eq!(result["created"], 0);
    for (r, c) in result["records"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&fx.central)
    {
        assert_eq!(r["action"], "failed");
        assert_eq!(
            r["outlookId"].as_str(),
            fx.seeded.get(c["id"].as_str().unwrap()).map(String::as_str),
            "{r}"
        );
        assert_eq!(r["error"]["code"], "forbidden", "{r}");
        assert_eq!(r["error"]["status"], 403, "{r}");
        assert_eq!(r["error"]["graphCode"], "ErrorAccessDenied", "{r}");
    }
    assert_eq!(folder_contacts(DEMO_USER, &fx.folder).await, before);
}

/// A create that ran twice below the executor (two copies carrying its Central id appear after
/// the plan) is found by the lookup of its unknown outcome: one copy is kept, the other is
/// deleted and counted; the records whose creates were really lost are sent again.
#[wasm_bindgen_test]
async fn lookup_that_finds_two_copies_keeps_one_and_deletes_the_other() {
    reset(false).await;
    let user = "twice@contoso.example";
    let folder = make_folder(user, "Twice").await;
    let central = central_contacts("twice", 3);
    let (get_token, _) = token_callback(user, &["Contacts.ReadWrite"]);
    let s = session(
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "contacts": central, "retry": fast_retry() }),
        &get_token,
    );
    let p = plan(&s).await;
    assert_eq!(p["summary"]["new"], 3);
    let c = &central.as_array().unwrap()[0];
    let copy = json!({
        "title": c["title"], "givenName": c["firstName"], "surname": c["lastName"],
        "displayName": format!("{} {}", c["firstName"].as_str().unwrap(), c["lastName"].as_str().unwrap()),
        "mobilePhone": c["mobile"], "businessPhones": [c["telephone"]],
        "emailAddresses": [{ "address": c["email"], "name": "x" }],
        "homeAddress": { "street": "Flat 1, King's Court, 10 Long Street", "city": "Leeds", "state": "West Yorkshire",
                         "countryOrRegion": "United Kingdom", "postalCode": "LS1 4AB" },
        "centralId": c["id"] });
    let copies = seed_contacts(user, &folder, json!([copy.clone(), copy])).await;
    add_faults(json!({ "kind": "dropBeforeWrite", "pathContains": "$batch", "everyNth": 1, "maxCount": 1 })).await;
    let result = run(&s, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .expect("run");
    assert_eq!(result["created"], 3, "{result}");
    assert_eq!(result["failed"], 0, "{result}");
    assert_eq!(result["duplicatesRemoved"], 1, "{result}");
    assert_eq!(result["records"][0]["outlookId"], copies[0].as_str());
    let by_id = assert_folder_exact(user, &folder, central.as_array().unwrap()).await;
    assert_eq!(by_id.len(), 3);
}
