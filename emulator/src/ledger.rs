//! Central's sync ledger (DESIGN §2, §8). `GET /central/api/sync-ledgers/{key}` answers 200
//! with an `ETag` and the stored JSON, or 404. `PUT` with `If-Match: <etag>` (must be the
//! current one) or `If-None-Match: *` (only when absent) answers 200 (replaced) or 201
//! (created) with the new `ETag`; 412 when the precondition fails, 428 without either header.
//! Errors use Central's envelope `{"error":{"code","message"}}`. Also the control calls on
//! ledgers.

use crate::central::{error, reply, server_error, throttled, unauthorised, unavailable};
use crate::faults::{FaultKind, FaultScope};
use crate::store::{Ledger, LedgerMode, Store};
use crate::Emulator;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

const PREFIX: &str = "/central/api/sync-ledgers/";

fn found(ledger: &Ledger) -> Response {
    reply(
        200,
        ledger.body.clone(),
        &[(header::ETAG, ledger.etag.clone())],
    )
}

fn not_found(key: &str) -> Response {
    error(404, "notFound", &format!("No ledger with key '{key}'."))
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let all: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!all.is_empty()).then(|| all.join(", "))
}

/// Whether an entity-tag list (`If-Match` / `If-None-Match`) names `etag`; `*` names any
/// existing ledger. Strong comparison: exact text.
fn names(list: &str, etag: Option<&str>) -> bool {
    let Some(etag) = etag else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag)
}

fn next_etag(store: &mut Store) -> String {
    store.ledger_seq += 1;
    format!("\"L{}\"", store.ledger_seq)
}

/// Stores `body` under `key` if the preconditions hold: answers 412, or 200/201 + `ETag`.
fn commit(
    emu: &Emulator,
    key: &str,
    body: String,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
) -> Response {
    let mut store = emu.lock();
    let current = store.ledgers.get(key).map(|l| l.etag.clone());
    if let Some(m) = if_match {
        if !names(m, current.as_deref()) {
            return error(
                412,
                "preconditionFailed",
                "The ledger changed since it was read (If-Match does not name its ETag).",
            );
        }
    }
    if let Some(n) = if_none_match {
        if names(n, current.as_deref()) {
            return error(
                412,
                "preconditionFailed",
                "The ledger exists already (If-None-Match).",
            );
        }
    }
    let etag = next_etag(&mut store);
    let created = current.is_none();
    store.ledgers.insert(
        key.to_string(),
        Ledger {
            body,
            etag: etag.clone(),
        },
    );
    reply(
        if created { 201 } else { 200 },
        json!({ "key": key, "etag": etag }).to_string(),
        &[(header::ETAG, etag)],
    )
}

/// Reads a request body of at most `limit` bytes: `Err` is the 413 (or 400) answer.
async fn read_body(req: Request, limit: usize) -> Result<Vec<u8>, Response> {
    let too_large = || {
        error(
            413,
            "payloadTooLarge",
            &format!("A ledger may have at most {limit} bytes."),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match axum::body::to_bytes(req.into_body(), limit).await {
        Ok(b) => Ok(b.to_vec()),
        // http-body-util's `LengthLimitError` ("length limit exceeded"), seen through axum.
        Err(e) if e.to_string().contains("length limit") => Err(too_large()),
        Err(_) => Err(error(
            400,
            "badRequest",
            "The request body could not be read.",
        )),
    }
}

/// `GET|PUT /central/api/sync-ledgers/{key}`.
pub async fn api(State(emu): State<Emulator>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let raw_key = path.strip_prefix(PREFIX).unwrap_or("").to_string();
    let key = crate::query::decode(&raw_key, false);
    let headers = req.headers().clone();
    let (rule, settings) = {
        let mut store = emu.lock();
        store.stats.ledger_requests += 1;
        let rule = store
            .faults
            .decide(FaultScope::Central, method.as_str(), &path);
        if rule.is_some() {
            store.stats.faults_injected += 1;
        }
        (rule, store.central_settings.clone())
    };
    match settings.ledger {
        LedgerMode::On => {}
        LedgerMode::Absent => return error(404, "notFound", "Not found."),
        LedgerMode::MethodNotAllowed => {
            return error(405, "methodNotAllowed", "Method not allowed.")
        }
        LedgerMode::NotImplemented => return error(501, "notImplemented", "Not implemented."),
    }
    if let Some(a) = unauthorised(&settings, &headers) {
        return a;
    }
    if method != Method::GET && method != Method::PUT {
        let mut a = error(405, "methodNotAllowed", "Use GET or PUT on a ledger.");
        a.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, PUT"));
        return a;
    }
    let is_get = method == Method::GET;
    if let Some(rule) = &rule {
        match rule.kind {
            FaultKind::Throttle => return throttled(rule),
            FaultKind::Unavailable => return unavailable(rule),
            FaultKind::ServerError if rule.executed != Some(true) => return server_error(rule),
            FaultKind::DropBeforeWrite => return crate::server::dropped(),
            FaultKind::MalformedJson if is_get => {
                return reply(
                    200,
                    "{\"schema\":1,\"entries\":[{\"centralId\":\"C-1\",\"outlookId\":\"AAMk".into(),
                    &[(header::ETAG, "\"L0\"".into())],
                )
            }
            FaultKind::WrongShape if is_get => {
                return reply(
                    200,
                    "{\"schema\":\"one\",\"entries\":{\"centralId\":\"C-1\"},\"deltaLinks\":[],\"history\":\"none\"}".into(),
                    &[(header::ETAG, "\"L0\"".into())],
                )
            }
            _ => {}
        }
    }
    let answer = if is_get {
        if rule
            .as_ref()
            .is_some_and(|r| matches!(r.kind, FaultKind::DropAfterWrite | FaultKind::LateCommit))
        {
            // A read has nothing to commit: its answer is lost.
            return crate::server::dropped();
        }
        let store = emu.lock();
        match store.ledgers.get(&key) {
            Some(l) => found(l),
            None => not_found(&key),
        }
    } else {
        let body = match read_body(req, settings.ledger_max_bytes).await {
            Ok(b) => b,
            Err(a) => return a,
        };
        let text_body = match String::from_utf8(body) {
            Ok(t) => t,
            Err(_) => return error(400, "badRequest", "The ledger must be UTF-8 JSON."),
        };
        match serde_json::from_str::<Value>(&text_body) {
            Ok(Value::Object(_)) => {}
            Ok(_) => return error(400, "badRequest", "The ledger must be a JSON object."),
            Err(e) => return error(400, "badRequest", &format!("Invalid JSON: {e}")),
        }
        let if_match = text(&headers, header::IF_MATCH);
        let if_none_match = text(&headers, header::IF_NONE_MATCH);
        if if_match.is_none() && if_none_match.is_none() {
            return error(
                428,
                "preconditionRequired",
                "A ledger PUT needs If-Match: <etag> or If-None-Match: *.",
            );
        }
        if let Some(rule) = rule.as_ref().filter(|r| r.kind == FaultKind::LateCommit) {
            let emu2 = emu.clone();
            let work = async move {
                commit(
                    &emu2,
                    &key,
                    text_body,
                    if_match.as_deref(),
                    if_none_match.as_deref(),
                )
            };
            return match crate::graph::late_commit(&emu, rule, work).await {
                Some(a) => a,
                None => crate::server::dropped(),
            };
        }
        commit(
            &emu,
            &key,
            text_body,
            if_match.as_deref(),
            if_none_match.as_deref(),
        )
    };
    match rule {
        Some(r) if r.kind == FaultKind::DropAfterWrite => crate::server::dropped(),
        Some(r) if r.kind == FaultKind::ServerError => server_error(&r),
        Some(r) if r.kind == FaultKind::Slow => {
            tokio::time::sleep(Duration::from_millis(r.delay_ms.unwrap_or(0))).await;
            answer
        }
        _ => answer,
    }
}

fn control_error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// `GET /_emulator/central/ledgers` → `{"ledgers":[{"key","etag","bytes"}]}`.
pub async fn control_list(State(emu): State<Emulator>) -> Response {
    let store = emu.lock();
    let ledgers: Vec<Value> = store
        .ledgers
        .iter()
        .map(|(k, l)| json!({"key": k, "etag": l.etag, "bytes": l.body.len()}))
        .collect();
    Json(json!({ "ledgers": ledgers })).into_response()
}

/// `GET /_emulator/central/ledgers/{key}` → the stored JSON + `ETag`, or 404.
pub async fn control_get(State(emu): State<Emulator>, Path(key): Path<String>) -> Response {
    match emu.lock().ledgers.get(&key) {
        Some(l) => found(l),
        None => control_error(StatusCode::NOT_FOUND, format!("no ledger '{key}'")),
    }
}

/// `PUT /_emulator/central/ledgers/{key}` (any JSON object, no precondition, no size limit)
/// → 201/200 `{"key","etag"}` + `ETag`.
pub async fn control_put(
    State(emu): State<Emulator>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    let bytes = match axum::body::to_bytes(req.into_body(), usize::MAX).await {
        Ok(b) => b,
        Err(e) => return control_error(StatusCode::BAD_REQUEST, format!("unreadable body: {e}")),
    };
    let text = match String::from_utf8(bytes.to_vec()) {
        Ok(t) => t,
        Err(_) => return control_error(StatusCode::BAD_REQUEST, "body must be UTF-8".into()),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(_)) => commit(&emu, &key, text, None, None),
        Ok(_) => control_error(
            StatusCode::BAD_REQUEST,
            "a ledger must be a JSON object".into(),
        ),
        Err(e) => control_error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")),
    }
}

/// `DELETE /_emulator/central/ledgers/{key}` → 204, or 404.
pub async fn control_delete(State(emu): State<Emulator>, Path(key): Path<String>) -> Response {
    match emu.lock().ledgers.remove(&key) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => control_error(StatusCode::NOT_FOUND, format!("no ledger '{key}'")),
    }
}
