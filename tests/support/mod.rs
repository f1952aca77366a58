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
    option_env!("EMULATOR_URL").expect("EMULATOR_URL: run the browser tests through scripts/with-emulator")
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
        other => panic!("method {other}"),
    };
    let builder = RequestBuilder::new(&url).method(method);
    let request = match body {
        Some(b) => builder.header("Content-Type", "application/json").body(b.to_string()).unwrap(),
        None => builder.build().unwrap(),
    };
    let response = request.send().await.expect("control API answers");
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!((200..300).contains(&status), "control {path}: HTTP {status}: {text}");
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
    let t = control("POST", "token", Some(json!({ "user": user, "scopes": scopes, "ttlSeconds": ttl_seconds }))).await;
    t["access_token"].as_str().expect("token").to_owned()
}

/// A `getGraphToken` callback that asks the emulator for a fresh token each time it is
/// called, and counts its calls.
pub fn token_callback(user: &str, scopes: &[&str]) -> (Function, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0u32));
    let (user, scopes) = (user.to_owned(), scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>());
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

/// The contacts of a folder as the emulator stores them (with `centralId`).
pub async fn folder_contacts(user: &str, folder_id: &str) -> Vec<Value> {
    let m = control("GET", &format!("mailboxes/{user}"), None).await;
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
    Reflect::get(e, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_else(|| describe(e))
}

pub fn describe(e: &JsValue) -> String {
    let code = Reflect::get(e, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_default();
    let msg = Reflect::get(e, &"message".into()).ok().and_then(|c| c.as_string()).unwrap_or_default();
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

/// Sleeps in the browser.
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}
