//! The control API under `/_emulator/`: tokens, reset, limits, shares, Central's data
//! (contacts and accounts) and settings, mailbox inspection and seeding, fault rules, stats. Plain JSON, errors as
//! `{"error":"…"}` with status 400/404.

use crate::faults::FaultRule;
use crate::store::{CentralKind, CentralSettings, Limits, ShareAccess, Stats};
use crate::Emulator;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(text).map_err(|e| format!("invalid JSON body: {e}"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    user: String,
    #[serde(default)]
    scopes: Option<Value>,
    #[serde(default)]
    ttl_seconds: Option<u64>,
}

pub async fn token(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: TokenRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let scopes: Vec<String> = match &req.scopes {
        None | Some(Value::Null) => vec!["Contacts.ReadWrite".into()],
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(_) => return bad("scopes must be an array of strings or a space-separated string"),
    };
    let ttl = req.ttl_seconds.unwrap_or(3600);
    let token = emu.issue_token(&req.user, &scopes, ttl);
    Json(json!({"access_token": token, "expires_in": ttl, "token_type": "Bearer"})).into_response()
}

#[derive(Deserialize, Default)]
struct ExpireRequest {
    #[serde(default)]
    user: Option<String>,
}

pub async fn expire_tokens(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: ExpireRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let n = emu.expire_tokens(req.user.as_deref());
    Json(json!({ "expired": n })).into_response()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ResetRequest {
    #[serde(default)]
    demo: bool,
    #[serde(default)]
    demo_size: Option<usize>,
}

pub async fn reset(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: ResetRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    emu.reset();
    if req.demo || req.demo_size.is_some() {
        let data = crate::demo::generate(req.demo_size.unwrap_or(crate::demo::DEFAULT_SIZE));
        emu.load_demo(&data);
    }
    Json(json!({ "ok": true })).into_response()
}

pub async fn get_limits(State(emu): State<Emulator>) -> Response {
    Json(emu.lock().limits.clone()).into_response()
}

/// Merges the given fields into the current limits (absent fields keep their values).
pub async fn put_limits(State(emu): State<Emulator>, body: Bytes) -> Response {
    let patch: Value = match parse(&body) {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let mut store = emu.lock();
    let mut current = serde_json::to_value(&store.limits).unwrap_or_default();
    let (Some(cur), Some(p)) = (current.as_object_mut(), patch.as_object()) else {
        return bad("limits must be a JSON object");
    };
    for (k, v) in p {
        cur.insert(k.clone(), v.clone());
    }
    match serde_json::from_value::<Limits>(current) {
        Ok(l) => {
            store.limits = l.clone();
            Json(l).into_response()
        }
        Err(e) => bad(format!("invalid limits: {e}")),
    }
}

#[derive(Deserialize)]
struct ShareRequest {
    owner: String,
    grantee: String,
    #[serde(default = "default_access")]
    access: ShareAccess,
}

fn default_access() -> ShareAccess {
    ShareAccess::ReadWrite
}

pub async fn get_shares(State(emu): State<Emulator>) -> Response {
    let store = emu.lock();
    let mut shares: Vec<Value> = store
        .shares
        .iter()
        .map(|((o, g), a)| json!({"owner": o, "grantee": g, "access": a}))
        .collect();
    shares.sort_by_key(|v| v.to_string());
    Json(json!({ "shares": shares })).into_response()
}

pub async fn post_share(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: ShareRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    emu.share(&req.owner, &req.grantee, req.access);
    Json(json!({"owner": req.owner.to_lowercase(), "grantee": req.grantee.to_lowercase(), "access": req.access}))
        .into_response()
}

pub async fn delete_shares(State(emu): State<Emulator>) -> Response {
    emu.lock().shares.clear();
    StatusCode::NO_CONTENT.into_response()
}

fn records_json(emu: &Emulator, kind: CentralKind) -> Response {
    let store = emu.lock();
    let mut out = String::from("[");
    for (i, item) in store.records(kind).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item.raw);
    }
    out.push(']');
    ([("content-type", "application/json")], out).into_response()
}

fn replace_records(emu: &Emulator, kind: CentralKind, body: &Bytes) -> Response {
    let items: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let Value::Array(items) = items else {
        return bad(format!(
            "Central's {} must be a JSON array (of any values)",
            kind.segment()
        ));
    };
    let n = items.len();
    match kind {
        CentralKind::Contacts => emu.set_central(&items),
        CentralKind::Accounts => emu.set_accounts(&items),
    }
    Json(json!({ "count": n })).into_response()
}

/// A user's edit in Central: the fields replace the record's (the record gets a new
/// `version` when it changed) → the record, or 404.
fn edit_record(emu: &Emulator, kind: CentralKind, id: &str, body: &Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let Some(patch) = patch.as_object() else {
        return bad("body must be a JSON object");
    };
    let edited = match kind {
        CentralKind::Contacts => emu.edit_central(id, patch),
        CentralKind::Accounts => emu.edit_account(id, patch),
    };
    match edited {
        Some(record) => Json(record).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no Central record with id '{id}'") })),
        )
            .into_response(),
    }
}

pub async fn get_central(State(emu): State<Emulator>) -> Response {
    records_json(&emu, CentralKind::Contacts)
}

pub async fn put_central(State(emu): State<Emulator>, body: Bytes) -> Response {
    replace_records(&emu, CentralKind::Contacts, &body)
}

/// `PATCH /_emulator/central/contacts/{id}`.
pub async fn patch_central(
    State(emu): State<Emulator>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    edit_record(&emu, CentralKind::Contacts, &id, &body)
}

pub async fn get_accounts(State(emu): State<Emulator>) -> Response {
    records_json(&emu, CentralKind::Accounts)
}

pub async fn put_accounts(State(emu): State<Emulator>, body: Bytes) -> Response {
    replace_records(&emu, CentralKind::Accounts, &body)
}

/// `PATCH /_emulator/central/accounts/{id}`.
pub async fn patch_account(
    State(emu): State<Emulator>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    edit_record(&emu, CentralKind::Accounts, &id, &body)
}

pub async fn get_central_settings(State(emu): State<Emulator>) -> Response {
    Json(emu.lock().central_settings.clone()).into_response()
}

pub async fn put_central_settings(State(emu): State<Emulator>, body: Bytes) -> Response {
    let patch: Value = match parse(&body) {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let mut store = emu.lock();
    let mut current = serde_json::to_value(&store.central_settings).unwrap_or_default();
    let (Some(cur), Some(p)) = (current.as_object_mut(), patch.as_object()) else {
        return bad("settings must be a JSON object");
    };
    for (k, v) in p {
        cur.insert(k.clone(), v.clone());
    }
    match serde_json::from_value::<CentralSettings>(current) {
        Ok(s) if s.max_page_size >= 1 && s.default_page_size >= 1 => {
            store.central_settings = s.clone();
            Json(s).into_response()
        }
        Ok(_) => bad("page sizes must be at least 1"),
        Err(e) => bad(format!("invalid settings: {e}")),
    }
}

pub async fn inspect_mailbox(State(emu): State<Emulator>, Path(user): Path<String>) -> Response {
    Json(emu.inspect(&user)).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FolderRequest {
    display_name: String,
    #[serde(default)]
    parent_folder_id: Option<String>,
}

pub async fn seed_folder(
    State(emu): State<Emulator>,
    Path(user): Path<String>,
    body: Bytes,
) -> Response {
    let req: FolderRequest = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    match emu.seed_folder(&user, &req.display_name, req.parent_folder_id.as_deref()) {
        Ok((folder, created)) => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(folder)).into_response()
        }
        Err(e) => (StatusCode::NOT_FOUND, Json(json!({ "error": e }))).into_response(),
    }
}

/// Body: an array of Graph contact objects; a `centralId` key on one is stored as our
/// extended property (and removed from the contact).
pub async fn seed_contacts(
    State(emu): State<Emulator>,
    Path((user, folder)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let items: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let Value::Array(items) = items else {
        return bad("body must be an array of contacts");
    };
    let mut seeds = vec![];
    for mut item in items {
        let central = item
            .as_object_mut()
            .and_then(|o| o.remove("centralId"))
            .and_then(|v| v.as_str().map(str::to_string));
        seeds.push((item, central));
    }
    match emu.seed_contacts(&user, &folder, seeds) {
        Ok(ids) => (StatusCode::CREATED, Json(json!({ "ids": ids }))).into_response(),
        Err(e) => (StatusCode::NOT_FOUND, Json(json!({ "error": e }))).into_response(),
    }
}

pub async fn get_faults(State(emu): State<Emulator>) -> Response {
    Json(emu.lock().faults.to_json()).into_response()
}

/// Body: one rule or an array of rules; answers the rules' indexes.
pub async fn post_faults(State(emu): State<Emulator>, body: Bytes) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let rules: Vec<Value> = match value {
        Value::Array(a) => a,
        other => vec![other],
    };
    let mut parsed = vec![];
    for r in rules {
        match serde_json::from_value::<FaultRule>(r) {
            Ok(rule) => match rule.check() {
                Ok(()) => parsed.push(rule),
                Err(e) => return bad(e),
            },
            Err(e) => return bad(format!("invalid fault rule: {e}")),
        }
    }
    let mut store = emu.lock();
    let mut indexes = vec![];
    for rule in parsed {
        match store.faults.add(rule) {
            Ok(i) => indexes.push(i),
            Err(e) => return bad(e),
        }
    }
    (StatusCode::CREATED, Json(json!({ "rules": indexes }))).into_response()
}

pub async fn delete_faults(State(emu): State<Emulator>) -> Response {
    emu.lock().faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub async fn get_stats(State(emu): State<Emulator>) -> Response {
    Json(emu.lock().stats.clone()).into_response()
}

pub async fn reset_stats(State(emu): State<Emulator>) -> Response {
    emu.lock().stats = Stats::default();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize, Default)]
struct DeltaExpire {
    #[serde(default)]
    user: Option<String>,
}

/// Invalidates delta tokens (of one mailbox, or all): their next use answers 410.
pub async fn expire_delta(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: DeltaExpire = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let mut store = emu.lock();
    match req.user {
        Some(u) => store.mailbox(&u).delta_epoch += 1,
        None => store
            .mailboxes
            .values_mut()
            .for_each(|m| m.delta_epoch += 1),
    }
    StatusCode::NO_CONTENT.into_response()
}
