//! Central's record writes (DESIGN §2) on the store: which fields a client may write and of
//! what type, and read, create, update and soft delete of one contact or account. Every write
//! takes a new `version` from Central's one counter; a refused request writes nothing.

use crate::store::{CentralItem, CentralKind, Store};
use serde_json::{Map, Value};

/// A refusal: the status and Central's error `code` and `message`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

fn refuse(status: u16, code: &'static str, message: String) -> ApiError {
    ApiError {
        status,
        code,
        message,
    }
}

fn invalid(message: String) -> ApiError {
    refuse(400, "invalidField", message)
}

/// One record as served: its JSON text (with `version`) and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub raw: String,
    pub version: u64,
}

#[derive(Clone, Copy)]
enum FieldType {
    /// A string or `null`.
    Text,
    /// An object of address lines (each a string or `null`), or `null`.
    Address,
    /// `"contact"` or `"individual"`.
    ContactType,
    /// A string (never `null`: every record has a status).
    Status,
}

const CONTACT_FIELDS: &[(&str, FieldType)] = &[
    ("title", FieldType::Text),
    ("firstName", FieldType::Text),
    ("lastName", FieldType::Text),
    ("email", FieldType::Text),
    ("mobile", FieldType::Text),
    ("telephone", FieldType::Text),
    ("website", FieldType::Text),
    ("homeAddress", FieldType::Address),
    ("businessAddress", FieldType::Address),
    ("accountId", FieldType::Text),
    ("type", FieldType::ContactType),
    ("status", FieldType::Status),
];

const ACCOUNT_FIELDS: &[(&str, FieldType)] = &[
    ("name", FieldType::Text),
    ("email", FieldType::Text),
    ("telephone", FieldType::Text),
    ("website", FieldType::Text),
    ("businessAddress", FieldType::Address),
    ("status", FieldType::Status),
];

/// Kept by Central itself: a body that names one is refused.
const READ_ONLY: &[&str] = &["id", "version", "createdAt", "modifiedAt"];

const ADDRESS_KEYS: &[&str] = &[
    "line1", "line2", "line3", "town", "county", "country", "postcode",
];

fn fields(kind: CentralKind) -> &'static [(&'static str, FieldType)] {
    match kind {
        CentralKind::Contacts => CONTACT_FIELDS,
        CentralKind::Accounts => ACCOUNT_FIELDS,
    }
}

/// The body of a create or an update, checked field by field: `Err` names the first field
/// that is unknown, read-only or of the wrong type.
pub fn validate(kind: CentralKind, body: &Value) -> Result<&Map<String, Value>, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(invalid(format!(
            "The body must be a JSON object of {} fields.",
            kind.noun().to_lowercase()
        )));
    };
    for (name, value) in obj {
        if READ_ONLY.contains(&name.as_str()) {
            return Err(invalid(format!("Field '{name}' is read-only.")));
        }
        let Some((_, ty)) = fields(kind).iter().find(|(f, _)| f == name) else {
            return Err(invalid(format!(
                "Unknown field '{name}' for {} {}.",
                article(kind),
                kind.noun().to_lowercase()
            )));
        };
        check(name, *ty, value)?;
    }
    Ok(obj)
}

fn article(kind: CentralKind) -> &'static str {
    match kind {
        CentralKind::Contacts => "a",
        CentralKind::Accounts => "an",
    }
}

fn check(name: &str, ty: FieldType, value: &Value) -> Result<(), ApiError> {
    let text = |v: &Value| v.is_string() || v.is_null();
    match ty {
        FieldType::Text if text(value) => Ok(()),
        FieldType::Text => Err(invalid(format!("Field '{name}' must be a string or null."))),
        FieldType::Status if value.is_string() => Ok(()),
        FieldType::Status => Err(invalid(format!("Field '{name}' must be a string."))),
        FieldType::ContactType if matches!(value.as_str(), Some("contact" | "individual")) => {
            Ok(())
        }
        FieldType::ContactType => Err(invalid(format!(
            "Field '{name}' must be \"contact\" or \"individual\"."
        ))),
        FieldType::Address => match value {
            Value::Null => Ok(()),
            Value::Object(lines) => {
                for (key, line) in lines {
                    if !ADDRESS_KEYS.contains(&key.as_str()) {
                        return Err(invalid(format!(
                            "Unknown field '{name}.{key}' (an address has {}).",
                            ADDRESS_KEYS.join(", ")
                        )));
                    }
                    if !text(line) {
                        return Err(invalid(format!(
                            "Field '{name}.{key}' must be a string or null."
                        )));
                    }
                }
                Ok(())
            }
            _ => Err(invalid(format!(
                "Field '{name}' must be an address object or null."
            ))),
        },
    }
}

/// Whether an `If-Match` list names `version`: `*` names any; each entry is compared without
/// the quotes (and `W/`) a client may have put around it.
pub fn names(if_match: &str, version: u64) -> bool {
    let version = version.to_string();
    if_match.split(',').map(str::trim).any(|t| {
        let t = t.strip_prefix("W/").unwrap_or(t);
        t == "*" || t.trim_matches('"') == version
    })
}

fn position(store: &Store, kind: CentralKind, id: &str) -> Option<usize> {
    store
        .records(kind)
        .iter()
        .position(|c| c.id.as_deref() == Some(id) && c.version.is_some())
}

fn not_found(kind: CentralKind, id: &str) -> ApiError {
    refuse(
        404,
        "notFound",
        format!("No {} with id '{id}'.", kind.noun().to_lowercase()),
    )
}

fn found(item: &CentralItem) -> Found {
    Found {
        raw: item.raw.clone(),
        version: item.version.unwrap_or(0),
    }
}

/// The record with this id (soft-deleted ones included: they say `"status":"deleted"`).
pub fn get(store: &Store, kind: CentralKind, id: &str) -> Result<Found, ApiError> {
    position(store, kind, id)
        .map(|p| found(&store.records(kind)[p]))
        .ok_or_else(|| not_found(kind, id))
}

fn now() -> Value {
    Value::String(crate::time::iso8601(crate::time::now_secs()))
}

/// Stores `record` at `pos` (or appends it) with a new version.
fn commit(store: &mut Store, kind: CentralKind, pos: Option<usize>, record: &Value) -> Found {
    store.central_version += 1;
    let item = CentralItem::from_value(record).stamp(store.central_version);
    let out = found(&item);
    match pos {
        Some(p) => store.records_mut(kind)[p] = item,
        None => store.records_mut(kind).push(item),
    }
    out
}

/// `POST /{kind}`: a new record with a new id (`C-N` / `A-N`, never given before), `version`,
/// `createdAt` and `modifiedAt`; status defaults to `active`, a contact's type to `contact`.
pub fn create(store: &mut Store, kind: CentralKind, body: &Value) -> Result<Found, ApiError> {
    let fields = validate(kind, body)?;
    let id = loop {
        let seq = match kind {
            CentralKind::Contacts => &mut store.contact_seq,
            CentralKind::Accounts => &mut store.account_seq,
        };
        *seq += 1;
        let id = format!("{}{}", kind.id_prefix(), seq);
        // The control API may have stored records with ids of this form.
        if !store
            .records(kind)
            .iter()
            .any(|c| c.id.as_deref() == Some(id.as_str()))
        {
            break id;
        }
    };
    let mut record = fields.clone();
    record.insert("id".into(), Value::String(id));
    record
        .entry("status")
        .or_insert_with(|| Value::String("active".into()));
    if kind == CentralKind::Contacts {
        record
            .entry("type")
            .or_insert_with(|| Value::String("contact".into()));
    }
    let stamp = now();
    record.insert("createdAt".into(), stamp.clone());
    record.insert("modifiedAt".into(), stamp);
    Ok(commit(store, kind, None, &Value::Object(record)))
}

/// The record an `If-Match` write may change: 428 without the header, 404, 412 when the
/// version moved on.
fn writable(
    store: &Store,
    kind: CentralKind,
    id: &str,
    if_match: Option<&str>,
) -> Result<(usize, Map<String, Value>), ApiError> {
    let Some(if_match) = if_match else {
        return Err(refuse(
            428,
            "preconditionRequired",
            "A write needs If-Match: <version>.".into(),
        ));
    };
    let pos = position(store, kind, id).ok_or_else(|| not_found(kind, id))?;
    let item = &store.records(kind)[pos];
    if !names(if_match, item.version.unwrap_or(0)) {
        return Err(refuse(
            412,
            "versionMismatch",
            format!(
                "The {} changed since it was read: its version is {}, not {if_match}.",
                kind.noun().to_lowercase(),
                item.version.unwrap_or(0)
            ),
        ));
    }
    let record = match serde_json::from_str(&item.raw) {
        Ok(Value::Object(o)) => o,
        _ => return Err(not_found(kind, id)),
    };
    Ok((pos, record))
}

fn is_deleted(record: &Map<String, Value>) -> bool {
    record
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("deleted"))
}

/// `PATCH /{kind}/{id}`: the body's fields replace the record's (an address whole), on
/// `If-Match`. A soft-deleted record is not written (409).
pub fn update(
    store: &mut Store,
    kind: CentralKind,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Result<Found, ApiError> {
    let fields = validate(kind, body)?;
    let (pos, mut record) = writable(store, kind, id, if_match)?;
    if is_deleted(&record) {
        return Err(refuse(
            409,
            "recordDeleted",
            format!("The {} '{id}' is deleted.", kind.noun().to_lowercase()),
        ));
    }
    for (k, v) in fields {
        record.insert(k.clone(), v.clone());
    }
    record.insert("modifiedAt".into(), now());
    Ok(commit(store, kind, Some(pos), &Value::Object(record)))
}

/// `DELETE /{kind}/{id}`, on `If-Match`: a soft delete (the record stays, with
/// `"status":"deleted"` and a new version). One deleted already is left as it is.
pub fn delete(
    store: &mut Store,
    kind: CentralKind,
    id: &str,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    let (pos, mut record) = writable(store, kind, id, if_match)?;
    if is_deleted(&record) {
        return Ok(());
    }
    record.insert("status".into(), Value::String("deleted".into()));
    record.insert("modifiedAt".into(), now());
    commit(store, kind, Some(pos), &Value::Object(record));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(kind: CentralKind, body: Value) -> String {
        validate(kind, &body).unwrap_err().message
    }

    #[test]
    fn validation_names_the_field_it_refuses() {
        let c = CentralKind::Contacts;
        assert!(validate(c, &json!({"email": null, "type": "individual", "homeAddress": {"town": "Leeds", "line2": null}})).is_ok());
        assert!(message(c, json!({"nickname": "x"})).contains("'nickname'"));
        assert!(message(c, json!({"version": "3"})).contains("'version' is read-only"));
        assert!(message(c, json!({"mobile": 7700})).contains("'mobile'"));
        assert!(message(c, json!({"type": "person"})).contains("'type'"));
        assert!(message(c, json!({"status": null})).contains("'status'"));
        assert!(
            message(c, json!({"homeAddress": {"street": "x"}})).contains("'homeAddress.street'")
        );
        assert!(message(c, json!({"homeAddress": {"town": 1}})).contains("'homeAddress.town'"));
        assert!(message(c, json!({"homeAddress": "Leeds"})).contains("'homeAddress'"));
        assert_eq!(validate(c, &json!([1])).unwrap_err().code, "invalidField");
        // Accounts have their own fields.
        let a = CentralKind::Accounts;
        assert!(validate(a, &json!({"name": "Contoso", "businessAddress": null})).is_ok());
        assert!(message(a, json!({"firstName": "Ann"})).contains("'firstName'"));
        assert!(message(a, json!({"type": "contact"})).contains("'type'"));
    }

    #[test]
    fn if_match_names_a_version_with_or_without_quotes() {
        assert!(names("7", 7));
        assert!(names("\"7\"", 7));
        assert!(names("W/\"7\"", 7));
        assert!(names("3, 7", 7));
        assert!(names("*", 7));
        assert!(!names("70", 7));
        assert!(!names("", 7));
    }

    #[test]
    fn created_ids_skip_ids_already_stored_and_are_never_given_twice() {
        let mut store = Store::default();
        store
            .central
            .push(CentralItem::from_value(&json!({"id": "C-1"})).stamp(1));
        store.central_version = 1;
        let first = create(&mut store, CentralKind::Contacts, &json!({})).unwrap();
        let v: Value = serde_json::from_str(&first.raw).unwrap();
        assert_eq!(v["id"], "C-2");
        assert_eq!(v["status"], "active");
        assert_eq!(v["type"], "contact");
        assert_eq!(v["version"], "2");
        store.central.clear();
        let second = create(&mut store, CentralKind::Contacts, &json!({})).unwrap();
        let v: Value = serde_json::from_str(&second.raw).unwrap();
        assert_eq!(v["id"], "C-3", "not C-1 again once the records are gone");
        let account = create(
            &mut store,
            CentralKind::Accounts,
            &json!({"name": "Contoso"}),
        )
        .unwrap();
        let v: Value = serde_json::from_str(&account.raw).unwrap();
        assert_eq!(v["id"], "A-1");
        assert!(v.get("type").is_none(), "accounts have no type");
    }
}
