//! Helpers of the browser tests that run against the emulator (started by
//! `scripts/with-emulator`, which sets `EMULATOR_URL` at compile time).

#![allow(dead_code)]

use std::cell::Cell;
use std::rc::Rc;

use central_o365_sync::SyncSession;
use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Function, Promise, Reflect, JSON};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

pub const DEMO_USER: &str = "demo@contoso.example";
pub const DEMO_FOLDER: &str = "Central Contacts";

pub fn emulator() -> &'static str {
    match option_env!("EMULATOR_URL") {
        Some(url) => url,
        None => panic!("EMULATOR_URL: run the browser tests through scripts/with-emulator"),
    }
}

pub fn graph_url() -> String {
    format!("{}/v1.0", emulator())
}

pub fn central_url() -> String {
    format!("{}/central/api", emulator())
}

/// Calls the emulator's control API and returns its JSON answer (`null` for an empty body).
pub async fn control(method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}/_emulator/{}", emulator(), path.trim_start_matches('/'));
    let method = match method {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        "PATCH" => Method::PATCH,
        other => panic!("method {other}"),
    };
    let builder = RequestBuilder::new(&url).method(method);
    let request = match body {
        Some(b) => builder
            .header("Content-Type", "application/json")
            .body(b.to_string())
            .unwrap(),
        None => builder.build().unwrap(),
    };
    let response = request.send().await.expect("control API answers");
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(
        (200..300).contains(&status),
        "control {path}: HTTP {status}: {text}"
    );
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

/// Forgets everything; seeds the demo data when asked.
pub async fn reset(demo: bool) {
    control("POST", "reset", Some(json!({ "demo": demo }))).await;
}

pub async fn issue_token(user: &str, scopes: &[&str], ttl_seconds: u32) -> String {
    let t = control(
        "POST",
        "token",
        Some(json!({ "user": user, "scopes": scopes, "ttlSeconds": ttl_seconds })),
    )
    .await;
    t["access_token"].as_str().expect("token").to_owned()
}

/// A `getGraphToken` callback that asks the emulator for a fresh token each time it is
/// called, and counts its calls.
pub fn token_callback(user: &str, scopes: &[&str]) -> (Function, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0u32));
    let (user, scopes) = (
        user.to_owned(),
        scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    );
    let counter = calls.clone();
    let f = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |_opts: JsValue| {
        counter.set(counter.get() + 1);
        let (user, scopes) = (user.clone(), scopes.clone());
        future_to_promise(async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            Ok(JsValue::from(issue_token(&user, &scopes, 3600).await))
        })
    });
    (f.into_js_value().unchecked_into(), calls)
}

/// The id of a folder of the user's mailbox, by name.
pub async fn folder_id(user: &str, name: &str) -> String {
    let m = control("GET", &format!("mailboxes/{user}"), None).await;
    m["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["displayName"] == name)
        .unwrap_or_else(|| panic!("folder {name} in {m}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The user's mailbox as the emulator holds it, each contact's `id` being the id the session
/// sees: it always asks for immutable ids (`Prefer: IdType="ImmutableId"`), so a contact's
/// `immutableId` stands in its `id` here (the regular one stays under `regularId`).
pub async fn mailbox(user: &str) -> Value {
    let mut m = control("GET", &format!("mailboxes/{user}"), None).await;
    for f in m["folders"].as_array_mut().into_iter().flatten() {
        for c in f["contacts"].as_array_mut().into_iter().flatten() {
            let immutable = c["immutableId"].clone();
            c["regularId"] = std::mem::replace(&mut c["id"], immutable);
        }
    }
    m
}

/// The contacts of a folder as the emulator stores them (with `centralId`), ids as the
/// session sees them (see [`mailbox`]).
pub async fn folder_contacts(user: &str, folder_id: &str) -> Vec<Value> {
    let m = mailbox(user).await;
    m["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == folder_id)
        .expect("folder")["contacts"]
        .as_array()
        .unwrap()
        .clone()
}

/// A session from a JSON configuration plus the token callback.
pub fn session(config: Value, get_token: &Function) -> SyncSession {
    let obj = JSON::parse(&config.to_string()).unwrap();
    Reflect::set(&obj, &"getGraphToken".into(), get_token).unwrap();
    SyncSession::new(obj).unwrap_or_else(|e| panic!("session: {}", describe(&e)))
}

pub fn to_value(v: &JsValue) -> Value {
    let text: String = JSON::stringify(v).unwrap().into();
    serde_json::from_str(&text).unwrap()
}

pub async fn plan(s: &SyncSession) -> Value {
    match JsFuture::from(s.plan()).await {
        Ok(v) => to_value(&v),
        Err(e) => panic!("plan failed: {}", describe(&e)),
    }
}

/// `run` with the given ids; `Err` holds the JS error's `code`.
pub async fn run(s: &SyncSession, ids: &[String], options: JsValue) -> Result<Value, String> {
    let arr = js_sys::Array::new();
    for id in ids {
        arr.push(&JsValue::from(id.as_str()));
    }
    match JsFuture::from(s.run(arr.into(), options)).await {
        Ok(v) => Ok(to_value(&v)),
        Err(e) => Err(error_code(&e)),
    }
}

pub fn error_code(e: &JsValue) -> String {
    Reflect::get(e, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_else(|| describe(e))
}

pub fn describe(e: &JsValue) -> String {
    let code = Reflect::get(e, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default();
    let msg = Reflect::get(e, &"message".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default();
    format!("{code}: {msg}")
}

/// The Central ids of the plan's items in the given states.
pub fn ids_in(plan: &Value, states: &[&str]) -> Vec<String> {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| states.contains(&i["state"].as_str().unwrap()))
        .map(|i| i["centralId"].as_str().unwrap().to_owned())
        .collect()
}

/// `n` valid Central contacts `C-{prefix}-{i}`.
pub fn central_contacts(prefix: &str, n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                json!({ "id": format!("C-{prefix}-{i:05}"), "status": "active", "title": "Ms",
                        "firstName": format!("Ann{i}"), "lastName": format!("Lee-{prefix}"),
                        "email": format!("ann{i}.{prefix}@example.org"), "mobile": "+44 7700 900123",
                        "telephone": "+44 20 7946 0000",
                        "homeAddress": { "line1": "Flat 1", "line2": "King's Court", "line3": "10 Long Street",
                                         "town": "Leeds", "county": "West Yorkshire", "country": "United Kingdom",
                                         "postcode": "LS1 4AB" } })
            })
            .collect(),
    )
}

/// `n` contacts `C-{prefix}-…` synced once into a new folder (toOutlook, the ledger written);
/// then the two-way configuration, the token callback and the folder.
pub async fn synced_once(prefix: &str, folder_name: &str, n: usize) -> (Value, Function, String) {
    reset(false).await;
    let folder = make_folder(DEMO_USER, folder_name).await;
    control("PUT", "central/contacts", Some(central_contacts(prefix, n))).await;
    let (get_token, _) = token_callback(DEMO_USER, &["Contacts.ReadWrite"]);
    let config =
        json!({ "graphBaseUrl": graph_url(), "folderId": folder, "centralBaseUrl": central_url() });
    let first = session(config.clone(), &get_token);
    let p = plan(&first).await;
    let done = run(&first, &ids_in(&p, &["new"]), JsValue::UNDEFINED)
        .await
        .unwrap();
    assert_eq!(
        (done["created"].as_u64(), done["ledger"].as_str()),
        (Some(n as u64), Some("written"))
    );
    let mut config = config;
    config["direction"] = json!("twoWay");
    (config, get_token, folder)
}

/// Sleeps in the browser.
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

// ───────────────────────── fault, paging and soak helpers (browser_session_faults / _soak) ─────────────────────────

use std::cell::RefCell;

/// The retry policy of the fault tests: small waits so they stay fast.
pub fn fast_retry() -> Value {
    json!({ "maxAttempts": 6, "baseDelayMs": 50, "maxDelayMs": 2000 })
}

/// Adds fault rule(s) (one rule or an array).
pub async fn add_faults(rules: Value) {
    control("POST", "faults", Some(rules)).await;
}

/// The fault rules with their `matched`/`fired` counts and the fire log.
pub async fn faults_state() -> Value {
    control("GET", "faults", None).await
}

/// Total `fired` over every rule.
pub async fn faults_fired() -> u64 {
    let f = faults_state().await;
    f["rules"]
        .as_array()
        .map(|r| r.iter().map(|x| x["fired"].as_u64().unwrap_or(0)).sum())
        .unwrap_or(0)
}

pub async fn set_limits(limits: Value) {
    control("PUT", "limits", Some(limits)).await;
}

pub async fn stats() -> Value {
    control("GET", "stats", None).await
}

pub async fn reset_stats() {
    control("POST", "stats/reset", None).await;
}

/// Finds or creates a folder in `user`'s mailbox; returns its id.
pub async fn make_folder(user: &str, name: &str) -> String {
    let f = control(
        "POST",
        &format!("mailboxes/{user}/folders"),
        Some(json!({ "displayName": name })),
    )
    .await;
    f["id"]
        .as_str()
        .unwrap_or_else(|| panic!("folder id in {f}"))
        .to_owned()
}

/// Stores contacts as given (a `centralId` key becomes our extended property); returns their
/// ids as the session sees them (see [`mailbox`]).
pub async fn seed_contacts(user: &str, folder_id: &str, contacts: Value) -> Vec<String> {
    let r = control(
        "POST",
        &format!("mailboxes/{user}/folders/{folder_id}/contacts"),
        Some(contacts),
    )
    .await;
    let seen: std::collections::HashMap<String, String> = folder_contacts(user, folder_id)
        .await
        .into_iter()
        .map(|c| {
            let id = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (id("regularId"), id("id"))
        })
        .collect();
    r["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| seen[v.as_str().unwrap()].clone())
        .collect()
}

/// Stale Outlook copies of Central contacts (linked by stored id; old first name, no mobile,
/// no phone, no address) — each one is an `update` in the plan.
pub fn stale_outlook_copies(central: &[Value]) -> Value {
    Value::Array(
        central
            .iter()
            .map(|c| {
                json!({ "givenName": "Old", "surname": c["lastName"], "displayName": format!("Old {}", c["lastName"].as_str().unwrap()),
                        "emailAddresses": [{ "address": c["email"], "name": "Old" }],
                        "centralId": c["id"] })
            })
            .collect(),
    )
}

/// Asserts that the folder holds exactly one contact per Central contact of `central`, with the
/// §5 mapping of the `central_contacts` records, and nothing else. Returns centralId → Outlook id.
pub async fn assert_folder_exact(
    user: &str,
    folder_id: &str,
    central: &[Value],
) -> std::collections::HashMap<String, String> {
    let contacts = folder_contacts(user, folder_id).await;
    assert_contacts_exact(&contacts, central)
}

pub fn assert_contacts_exact(
    contacts: &[Value],
    central: &[Value],
) -> std::collections::HashMap<String, String> {
    use std::collections::HashMap;
    let mut by_id: HashMap<String, Vec<&Value>> = HashMap::new();
    for c in contacts {
        let id = c["centralId"]
            .as_str()
            .unwrap_or_else(|| panic!("contact without centralId: {c}"));
        by_id.entry(id.to_owned()).or_default().push(c);
    }
    let dups: Vec<_> = by_id
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, v)| (k.clone(), v.len()))
        .collect();
    assert!(
        dups.is_empty(),
        "duplicates in the folder: {} ids, e.g. {:?}",
        dups.len(),
        &dups[..dups.len().min(5)]
    );
    let missing: Vec<_> = central
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .filter(|id| !by_id.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "lost records: {} ids, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert_eq!(
        contacts.len(),
        central.len(),
        "the folder holds contacts that are not the Central ones"
    );
    let mut out = HashMap::new();
    for c in central {
        let id = c["id"].as_str().unwrap();
        let o = by_id[id][0];
        assert_mapped(o, c);
        out.insert(id.to_owned(), o["id"].as_str().unwrap().to_owned());
    }
    out
}

/// One Outlook contact against the §5 mapping of a `central_contacts` record.
pub fn assert_mapped(o: &Value, c: &Value) {
    let first = c["firstName"].as_str().unwrap();
    let last = c["lastName"].as_str().unwrap();
    let ctx = || format!("{} → {o}", c["id"]);
    assert_eq!(o["title"], c["title"], "{}", ctx());
    assert_eq!(o["givenName"], first, "{}", ctx());
    assert_eq!(o["surname"], last, "{}", ctx());
    assert_eq!(o["displayName"], format!("{first} {last}"), "{}", ctx());
    assert_eq!(o["mobilePhone"], c["mobile"], "{}", ctx());
    assert_eq!(o["businessPhones"], json!([c["telephone"]]), "{}", ctx());
    let emails = o["emailAddresses"].as_array().unwrap();
    assert_eq!(emails.len(), 1, "{}", ctx());
    assert_eq!(emails[0]["address"], c["email"], "{}", ctx());
    let h = &c["homeAddress"];
    assert_eq!(
        o["homeAddress"],
        json!({ "street": format!("{}, {}, {}", h["line1"].as_str().unwrap(), h["line2"].as_str().unwrap(), h["line3"].as_str().unwrap()),
                "city": h["town"], "state": h["county"], "countryOrRegion": h["country"], "postalCode": h["postcode"] }),
        "{}",
        ctx()
    );
    assert_eq!(o["businessAddress"], json!({}), "{}", ctx());
    assert!(o["businessHomePage"].is_null(), "{}", ctx());
}

/// A progress callback that records every event; `hook(index, event)` runs on each.
pub fn progress_recorder(
    mut hook: impl FnMut(usize, &Value) + 'static,
) -> (Function, Rc<RefCell<Vec<Value>>>) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let log = events.clone();
    let f = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
        let v = to_value(&p);
        let i = log.borrow().len();
        log.borrow_mut().push(v.clone());
        hook(i, &v);
    });
    (f.into_js_value().unchecked_into(), events)
}

/// `{ onProgress, signal }` for `run`.
pub fn run_options(
    on_progress: Option<&Function>,
    signal: Option<&web_sys::AbortSignal>,
) -> JsValue {
    let o = js_sys::Object::new();
    if let Some(f) = on_progress {
        Reflect::set(&o, &"onProgress".into(), f).unwrap();
    }
    if let Some(s) = signal {
        Reflect::set(&o, &"signal".into(), s).unwrap();
    }
    o.into()
}

/// A blocking POST to the control API (a synchronous XMLHttpRequest), for use inside callbacks
/// that must change the emulator before the run goes on (e.g. expire tokens between batches).
pub fn control_post_sync(path: &str, body: Value) -> u16 {
    let f = Function::new_with_args(
        "url, body",
        "var x = new XMLHttpRequest(); x.open('POST', url, false); \
         x.setRequestHeader('Content-Type', 'application/json'); x.send(body); return x.status;",
    );
    let url = format!("{}/_emulator/{}", emulator(), path.trim_start_matches('/'));
    let status = f
        .call2(&JsValue::NULL, &url.into(), &body.to_string().into())
        .unwrap();
    status.as_f64().unwrap() as u16
}

/// A `getGraphToken` callback that always answers the same token, counting its calls.
pub fn fixed_token_callback(token: String) -> (Function, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0u32));
    let counter = calls.clone();
    let f = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |_opts: JsValue| {
        counter.set(counter.get() + 1);
        JsValue::from(token.as_str())
    });
    (f.into_js_value().unchecked_into(), calls)
}

/// The JS error of a rejected promise: (`code`, whole error as JSON-ish text).
pub async fn rejection(p: Promise) -> Result<Value, String> {
    match JsFuture::from(p).await {
        Ok(v) => Ok(to_value(&v)),
        Err(e) => Err(error_code(&e)),
    }
}

pub fn log(msg: &str) {
    web_sys::console::log_1(&msg.into());
}
