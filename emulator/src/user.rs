//! Control calls that act as the mailbox's owner would in Outlook, under
//! `/_emulator/mailboxes/{user}/contacts/{id}…`: read, edit, delete (to Deleted Items), drag to
//! another folder, copy-paste, and Exchange's housekeeping (a new changeKey without an edit).
//! No auth, limits or faults; `{id}` is the contact's regular or immutable id.

use crate::contact::{ext_key, parse_body, Contact};
use crate::store::Mailbox;
use crate::Emulator;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

fn fail(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// A refusal, answered as `{"error": message}` with this status.
struct Fail(StatusCode, String);

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        fail(self.0, self.1)
    }
}

fn no_contact(user: &str, id: &str) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        format!("no contact '{id}' in mailbox {user}"),
    )
}

fn central_key() -> String {
    ext_key(crate::demo::CENTRAL_ID_PROPERTY).unwrap_or_default()
}

/// A contact as the control API shows it: Graph's rendering (regular id, every extended
/// property) plus `immutableId`, `centralId` and `inDeletedItems`.
fn view(m: &Mailbox, key: &str) -> Value {
    let c: &Contact = &m.contacts[key];
    let mut v = c.render(None, Some(None));
    v["immutableId"] = Value::String(c.immutable_id.clone());
    v["centralId"] = c
        .ext_value(&central_key())
        .map(|s| Value::String(s.to_string()))
        .unwrap_or(Value::Null);
    v["inDeletedItems"] = Value::Bool(m.in_deleted_items(key));
    v
}

fn body_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, Fail> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(Fail(
            StatusCode::BAD_REQUEST,
            "body must be a JSON object".into(),
        )),
        Err(e) => Err(Fail(
            StatusCode::BAD_REQUEST,
            format!("invalid JSON body: {e}"),
        )),
    }
}

/// The target folder named by `{"folder": id or display name}`.
fn target(m: &Mailbox, body: &serde_json::Map<String, Value>) -> Result<Option<String>, Fail> {
    match body.get("folder") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(f)) => m.folder_by_id_or_name(f).map(Some).ok_or_else(|| {
            Fail(
                StatusCode::NOT_FOUND,
                format!("no folder '{f}' in mailbox {}", m.user),
            )
        }),
        Some(_) => Err(Fail(
            StatusCode::BAD_REQUEST,
            "folder must be a folder id or display name".into(),
        )),
    }
}

/// `GET …/contacts/{id}` → the contact wherever it is (Deleted Items included).
pub async fn get_contact(
    State(emu): State<Emulator>,
    Path((user, id)): Path<(String, String)>,
) -> Response {
    let mut store = emu.lock();
    let m = store.mailbox(&user);
    match m.find_contact(&id) {
        Some(key) => Json(view(m, &key)).into_response(),
        None => no_contact(&user, &id),
    }
}

/// `PATCH …/contacts/{id}` `{graph fields…, "centralId"?: string|null}`: the owner edits the
/// contact (stored as given, no caps); new changeKey and lastModifiedDateTime.
pub async fn edit_contact(
    State(emu): State<Emulator>,
    Path((user, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let mut fields = match body_object(&body) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let central = fields.remove("centralId");
    let mut changes = match parse_body(&Value::Object(fields), false) {
        Ok(c) => c,
        Err(e) => return fail(StatusCode::BAD_REQUEST, e),
    };
    let mut store = emu.lock();
    let m = store.mailbox(&user);
    let Some(key) = m.find_contact(&id) else {
        return no_contact(&user, &id);
    };
    let ext = central_key();
    let c = m.contacts.get_mut(&key).expect("found");
    match central {
        None => {}
        Some(Value::Null) => c.ext.retain(|(k, _, _)| *k != ext),
        Some(Value::String(cid)) => {
            changes
                .ext
                .push((ext, crate::demo::CENTRAL_ID_PROPERTY.to_string(), cid))
        }
        Some(_) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "centralId must be a string or null".into(),
            )
        }
    }
    c.apply(changes, false);
    m.touch(&key);
    Json(view(m, &key)).into_response()
}

/// `DELETE …/contacts/{id}`: the owner deletes it — it moves to Deleted Items (a new regular
/// id, the same immutable id) → 200 + the contact; `?permanent=true` (or deleting one already
/// in Deleted Items) purges it → 204.
pub async fn delete_contact(
    State(emu): State<Emulator>,
    Path((user, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = crate::query::pairs(query.as_deref().unwrap_or(""));
    let permanent = crate::query::get(&q, "permanent").is_some_and(|v| v == "true" || v == "1");
    let mut store = emu.lock();
    let m = store.mailbox(&user);
    let Some(key) = m.find_contact(&id) else {
        return no_contact(&user, &id);
    };
    if permanent {
        m.remove_contact(&key);
        return StatusCode::NO_CONTENT.into_response();
    }
    match m.soft_delete(&key) {
        Some(new_key) => Json(view(m, &new_key)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// `POST …/contacts/{id}/move` `{"folder": id or name}`: a drag to another folder (new
/// regular id, same immutable id, new changeKey). A contact in Deleted Items can be moved
/// back (restored). Moving to its own folder changes nothing.
pub async fn move_contact(
    State(emu): State<Emulator>,
    Path((user, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body = match body_object(&body) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let mut store = emu.lock();
    let m = store.mailbox(&user);
    let Some(key) = m.find_contact(&id) else {
        return no_contact(&user, &id);
    };
    let to = match target(m, &body) {
        Ok(Some(t)) => t,
        Ok(None) => return fail(StatusCode::BAD_REQUEST, "give {\"folder\": …}".into()),
        Err(r) => return r.into_response(),
    };
    if m.contacts[&key].folder_id == to {
        return Json(view(m, &key)).into_response();
    }
    match m.move_contact(&key, &to, "changed") {
        Some(new_key) => Json(view(m, &new_key)).into_response(),
        None => no_contact(&user, &id),
    }
}

/// `POST …/contacts/{id}/copy` `{"folder"?: id or name}` (default: its own folder): a
/// copy-paste — a new contact (new ids) with the same properties and extended properties,
/// the Central id included → 201 + the copy.
pub async fn copy_contact(
    State(emu): State<Emulator>,
    Path((user, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let body = match body_object(&body) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    let mut store = emu.lock();
    let m = store.mailbox(&user);
    let Some(key) = m.find_contact(&id) else {
        return no_contact(&user, &id);
    };
    let to = match target(m, &body) {
        Ok(Some(t)) => t,
        Ok(None) => m.contacts[&key].folder_id.clone(),
        Err(r) => return r.into_response(),
    };
    match m.copy_contact(&key, &to) {
        Some(new_key) => (StatusCode::CREATED, Json(view(m, &new_key))).into_response(),
        None => no_contact(&user, &id),
    }
}

/// `POST …/contacts/{id}/touch`: Exchange housekeeping — a new changeKey (so a new
/// `@odata.etag`) and lastModifiedDateTime, no field changed.
pub async fn touch_contact(
    State(emu): State<Emulator>,
    Path((user, id)): Path<(String, String)>,
) -> Response {
    let mut store = emu.lock();
    let m = store.mailbox(&user);
    let Some(key) = m.find_contact(&id) else {
        return no_contact(&user, &id);
    };
    m.touch(&key);
    Json(view(m, &key)).into_response()
}
