//! Central's record calls beyond the contacts listing (DESIGN §2): the accounts listing, one
//! record's read, and its writes — PATCH and DELETE over the version it was read at, POST. A
//! lost answer never turns into a lost or a doubled write: a conditional write is sent again
//! and, when the retry meets 412, settled by reading the record back; a create is never resent.

use gloo_net::http::Method;
use serde_json::{Map, Value};

use super::{status_error, CentralClient, Resend};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;

/// Central's two record collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Contacts,
    Accounts,
}

impl From<crate::engine::Kind> for Kind {
    /// Where a record of this type is kept: an account at `/accounts`, a person at `/contacts`.
    fn from(kind: crate::engine::Kind) -> Kind {
        match kind {
            crate::engine::Kind::Account => Kind::Accounts,
            _ => Kind::Contacts,
        }
    }
}

impl Kind {
    /// The collection's path under Central's base URL.
    pub const fn path(self) -> &'static str {
        match self {
            Kind::Contacts => "contacts",
            Kind::Accounts => "accounts",
        }
    }

    const fn noun(self) -> &'static str {
        match self {
            Kind::Contacts => "contact",
            Kind::Accounts => "account",
        }
    }
}

/// What a PATCH came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Patched {
    /// Written (or found written after a lost answer): the record as Central now holds it.
    Ok { record: Value },
    /// The record's version moved on since it was read (412): this PATCH wrote nothing.
    Stale,
    /// No such record.
    NotFound,
    /// Central refused the request (400, 409, 428): Central's error code and message.
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
}

/// What a DELETE came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// Deleted (or found deleted after a lost answer).
    Ok,
    /// The record's version moved on since it was read (412): it was not deleted.
    Stale,
    NotFound,
}

/// The next step after a write's answer.
#[derive(Debug, PartialEq)]
enum Next<T> {
    Done(T),
    /// The answer cannot settle it (412 after a try whose answer was lost, which may have
    /// been the one that wrote): read the record back.
    ReadBack,
}

impl CentralClient {
    fn record_url(&self, kind: Kind, id: &str) -> String {
        format!("{}/{}/{}", self.base_url, kind.path(), encode(id))
    }

    /// Every active account, as one JSON array of Central's records (paged as strictly as the
    /// contacts are).
    pub async fn load_accounts(&self) -> Result<Vec<u8>, SyncError> {
        self.load_all(Kind::Accounts.path()).await
    }

    /// The contact with this id as Central holds it (a soft-deleted one says so in its
    /// `status`), or `None`.
    pub async fn get_contact(&self, id: &str) -> Result<Option<Value>, SyncError> {
        self.get_record(Kind::Contacts, id).await
    }

    /// The record with this id, or `None`.
    pub async fn get_record(&self, kind: Kind, id: &str) -> Result<Option<Value>, SyncError> {
        let r = self
            .exchange(Method::GET, &self.record_url(kind, id), None, None)
            .await?;
        match r.status {
            200 => record_of(&r.body, kind).map(Some),
            404 => Ok(None),
            s => Err(status_error(s, &format!("{} {id}", kind.noun()))),
        }
    }

    /// Writes the fields of `body` (changed fields only) to contact `id`, only over `version`.
    pub async fn patch_contact(
        &self,
        id: &str,
        version: &str,
        body: &Value,
    ) -> Result<Patched, SyncError> {
        self.patch(Kind::Contacts, id, version, body).await
    }

    /// [`patch_contact`](Self::patch_contact) for either kind.
    pub async fn patch(
        &self,
        kind: Kind,
        id: &str,
        version: &str,
        body: &Value,
    ) -> Result<Patched, SyncError> {
        let text = body.to_string();
        let e = self
            .exchange_with(
                Method::PATCH,
                &self.record_url(kind, id),
                Some(&text),
                Some(("If-Match", version)),
                Resend::Conditional,
            )
            .await?;
        let r = &e.response;
        let what = || format!("an update of {} {id}", kind.noun());
        match after_patch(r.status, &r.body, e.lost_before, kind, &what)? {
            Next::Done(p) => Ok(p),
            Next::ReadBack => Ok(match self.get_record(kind, id).await? {
                Some(record) if holds(&record, body) => Patched::Ok { record },
                Some(_) => Patched::Stale,
                None => Patched::NotFound,
            }),
        }
    }

    /// Creates a record (`body` without `id`); returns it as Central stored it, with its `id`
    /// and `version`. Never sent twice: when an answer is lost, or a gateway's 500/502/504
    /// leaves it open whether Central wrote it, the error is `outcomeUnknown`.
    pub async fn create(&self, kind: Kind, body: &Value) -> Result<Value, SyncError> {
        let text = body.to_string();
        let url = format!("{}/{}", self.base_url, kind.path());
        let e = self
            .exchange_with(Method::POST, &url, Some(&text), None, Resend::NotAfterLoss)
            .await?;
        after_create(e.response.status, &e.response.body, kind)
    }

    /// Deletes record `id` (Central may keep it, `status` "deleted"), only over `version`.
    pub async fn delete(&self, kind: Kind, id: &str, version: &str) -> Result<Deleted, SyncError> {
        let e = self
            .exchange_with(
                Method::DELETE,
                &self.record_url(kind, id),
                None,
                Some(("If-Match", version)),
                Resend::Conditional,
            )
            .await?;
        let r = &e.response;
        let what = || format!("a delete of {} {id}", kind.noun());
        match after_delete(r.status, &r.body, e.lost_before, &what)? {
            Next::Done(d) => Ok(d),
            Next::ReadBack => Ok(match self.get_record(kind, id).await? {
                None => Deleted::Ok,
                Some(record) if is_deleted(&record) => Deleted::Ok,
                Some(_) => Deleted::Stale,
            }),
        }
    }
}

fn after_patch(
    status: u16,
    body: &[u8],
    lost_before: bool,
    kind: Kind,
    what: &dyn Fn() -> String,
) -> Result<Next<Patched>, SyncError> {
    Ok(Next::Done(match status {
        200 => Patched::Ok {
            record: record_of(body, kind)?,
        },
        412 if lost_before => return Ok(Next::ReadBack),
        412 => Patched::Stale,
        404 => Patched::NotFound,
        400 | 409 | 428 => {
            let (code, message) = central_error(body);
            Patched::Rejected {
                status,
                code,
                message,
            }
        }
        s => return Err(refused(s, body, &what())),
    }))
}

fn after_delete(
    status: u16,
    body: &[u8],
    lost_before: bool,
    what: &dyn Fn() -> String,
) -> Result<Next<Deleted>, SyncError> {
    Ok(Next::Done(match status {
        200 | 204 => Deleted::Ok,
        412 if lost_before => return Ok(Next::ReadBack),
        412 => Deleted::Stale,
        // The try whose answer was lost deleted it, and Central forgets deleted records.
        404 if lost_before => Deleted::Ok,
        404 => Deleted::NotFound,
        s => return Err(refused(s, body, &what())),
    }))
}

fn after_create(status: u16, body: &[u8], kind: Kind) -> Result<Value, SyncError> {
    let what = format!("a new {}", kind.noun());
    match status {
        200 | 201 => {
            let record = record_of(body, kind)?;
            if record.get("id").and_then(Value::as_str).is_none() {
                return Err(invalid(format!(
                    "Central created {what} but sent it back without an id"
                )));
            }
            Ok(record)
        }
        500 | 502 | 504 => Err(SyncError::new(
            ErrorCode::OutcomeUnknown,
            format!(
                "Central answered HTTP {status} for {what}: it may or may not have been created"
            ),
        )
        .with_status(status)),
        400 | 409 | 422 => {
            let (code, message) = central_error(body);
            Err(SyncError::new(
                ErrorCode::CentralRejected,
                format!("Central refused {what} ({code}): {message}"),
            )
            .with_status(status))
        }
        s => Err(refused(s, body, &what)),
    }
}

/// An unexpected status, with Central's own words when it sent some.
fn refused(status: u16, body: &[u8], what: &str) -> SyncError {
    let mut e = status_error(status, what);
    let (code, message) = central_error(body);
    if !code.is_empty() || !message.is_empty() {
        e.message = format!("{} ({code}: {message})", e.message);
    }
    e
}

/// Central's `{"error":{"code","message"}}`, read leniently: whatever of it is there.
fn central_error(body: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match &v["error"] {
        Value::Object(e) => (
            text(e.get("code").unwrap_or(&Value::Null)),
            text(e.get("message").unwrap_or(&Value::Null)),
        ),
        Value::String(m) => (String::new(), m.clone()),
        _ => {
            let raw = String::from_utf8_lossy(body);
            (String::new(), raw.chars().take(200).collect())
        }
    }
}

/// A record Central sent: a JSON object, else `invalidCentralData`.
fn record_of(body: &[u8], kind: Kind) -> Result<Value, SyncError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(invalid(format!(
            "Central sent a {} that is not a JSON object",
            kind.noun()
        ))),
        Err(e) => Err(invalid(format!(
            "Central sent a {} that is not JSON: {e}",
            kind.noun()
        ))),
    }
}

fn invalid(message: String) -> SyncError {
    SyncError::new(ErrorCode::InvalidCentralData, message)
}

fn is_deleted(record: &Value) -> bool {
    record["status"]
        .as_str()
        .is_some_and(|s| s.trim().eq_ignore_ascii_case("deleted"))
}

/// Whether `record` holds every value of `sent` (a PATCH body): strings compared trimmed,
/// `null`, missing and blank alike; an address field by field.
fn holds(record: &Value, sent: &Value) -> bool {
    let Some(sent) = sent.as_object() else {
        return false;
    };
    sent.iter().all(|(k, v)| same(Some(v), record.get(k)))
}

fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    let is_object = |v: Option<&Value>| matches!(v, Some(Value::Object(_)));
    if is_object(a) || is_object(b) {
        let empty = Map::new();
        fn lines<'v>(
            v: Option<&'v Value>,
            empty: &'v Map<String, Value>,
        ) -> Option<&'v Map<String, Value>> {
            match v {
                None | Some(Value::Null) => Some(empty),
                Some(Value::Object(o)) => Some(o),
                _ => None,
            }
        }
        return match (lines(a, &empty), lines(b, &empty)) {
            (Some(x), Some(y)) => x.keys().chain(y.keys()).all(|k| same(x.get(k), y.get(k))),
            _ => false,
        };
    }
    fn text(v: Option<&Value>) -> Option<&str> {
        match v {
            None | Some(Value::Null) => Some(""),
            Some(Value::String(s)) => Some(s.trim()),
            _ => None,
        }
    }
    match (text(a), text(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn what() -> String {
        "an update of contact C-1".into()
    }

    #[test]
    fn a_record_holds_what_was_sent_when_strings_match_trimmed_and_addresses_line_by_line() {
        let record = json!({ "id": "C-1", "version": "8", "email": " ann@example.org ",
                             "mobile": null, "homeAddress": { "line1": "Flat 1", "town": "Leeds", "postcode": null } });
        assert!(holds(&record, &json!({ "email": "ann@example.org" })));
        assert!(holds(
            &record,
            &json!({ "mobile": null, "telephone": null, "website": "" })
        ));
        assert!(holds(
            &record,
            &json!({ "homeAddress": { "line1": "Flat 1 ", "town": "Leeds" } })
        ));
        assert!(!holds(&record, &json!({ "email": "bob@example.org" })));
        assert!(!holds(&record, &json!({ "mobile": "+44 7700 900123" })));
        // An address sent replaces the whole address: a line Central kept is a difference.
        assert!(!holds(
            &record,
            &json!({ "homeAddress": { "line1": "Flat 1" } })
        ));
        assert!(!holds(&record, &json!({ "homeAddress": null })));
        assert!(holds(
            &json!({ "homeAddress": { "town": " " } }),
            &json!({ "homeAddress": null })
        ));
        assert!(holds(
            &json!({}),
            &json!({ "businessAddress": { "town": null } })
        ));
        assert!(!holds(
            &json!({ "homeAddress": "Leeds" }),
            &json!({ "homeAddress": { "town": "Leeds" } })
        ));
        assert!(
            !holds(&record, &json!(["email"])),
            "a body that is not an object"
        );
    }

    #[test]
    fn a_412_is_read_back_only_after_a_lost_answer() {
        let after = |status, lost| after_patch(status, b"{}", lost, Kind::Contacts, &what);
        assert_eq!(after(412, false), Ok(Next::Done(Patched::Stale)));
        assert_eq!(after(412, true), Ok(Next::ReadBack));
        assert_eq!(after(404, true), Ok(Next::Done(Patched::NotFound)));
        let ok = after_patch(
            200,
            br#"{"id":"C-1","version":"9"}"#,
            true,
            Kind::Contacts,
            &what,
        );
        assert_eq!(
            ok,
            Ok(Next::Done(Patched::Ok {
                record: json!({"id":"C-1","version":"9"})
            }))
        );
        let bad = after_patch(200, b"[1]", false, Kind::Contacts, &what).unwrap_err();
        assert_eq!(bad.code, ErrorCode::InvalidCentralData);
        let e = after(500, false).unwrap_err();
        assert_eq!(
            (e.code, e.status),
            (ErrorCode::CentralUnavailable, Some(500))
        );
        assert_eq!(after(401, false).unwrap_err().code, ErrorCode::Unauthorized);

        let delete = |status, lost| after_delete(status, b"", lost, &what);
        assert_eq!(delete(204, false), Ok(Next::Done(Deleted::Ok)));
        assert_eq!(delete(412, false), Ok(Next::Done(Deleted::Stale)));
        assert_eq!(delete(412, true), Ok(Next::ReadBack));
        assert_eq!(delete(404, true), Ok(Next::Done(Deleted::Ok)));
        assert_eq!(delete(404, false), Ok(Next::Done(Deleted::NotFound)));
    }

    #[test]
    fn a_refusal_keeps_centrals_code_and_message() {
        let body = br#"{"error":{"code":"invalidField","message":"Field 'mobile' must be a string or null."}}"#;
        assert_eq!(
            after_patch(400, body, false, Kind::Contacts, &what),
            Ok(Next::Done(Patched::Rejected {
                status: 400,
                code: "invalidField".into(),
                message: "Field 'mobile' must be a string or null.".into()
            }))
        );
        assert_eq!(
            central_error(br#"{"error":"plain"}"#),
            (String::new(), "plain".into())
        );
        assert_eq!(central_error(b"oops"), (String::new(), "oops".into()));
        let e = after_create(409, body, Kind::Accounts).unwrap_err();
        assert_eq!((e.code, e.status), (ErrorCode::CentralRejected, Some(409)));
        assert!(e.message.contains("Field 'mobile'"), "{}", e.message);
    }

    #[test]
    fn a_create_whose_outcome_a_gateway_hides_is_outcome_unknown() {
        for status in [500, 502, 504] {
            let e = after_create(status, b"", Kind::Contacts).unwrap_err();
            assert_eq!(
                (e.code, e.status),
                (ErrorCode::OutcomeUnknown, Some(status))
            );
        }
        let created = after_create(201, br#"{"id":"C-7","version":"3"}"#, Kind::Contacts);
        assert_eq!(created, Ok(json!({"id":"C-7","version":"3"})));
        let no_id = after_create(201, br#"{"version":"3"}"#, Kind::Contacts).unwrap_err();
        assert_eq!(no_id.code, ErrorCode::InvalidCentralData);
    }

    #[test]
    fn deleted_means_the_status_says_so() {
        assert!(is_deleted(&json!({"status": " Deleted "})));
        assert!(!is_deleted(&json!({"status": "inactive"})));
        assert!(!is_deleted(&json!({})));
    }
}
