//! JSON batching (`POST /$batch`): the request body for up to 20 writes or lookups, and the
//! per-item answers, matched by id (Graph answers in any order).

use foldhash::{HashMap, HashMapExt};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::fetch::parse_retry_after;
use crate::graph::PREFER_IMMUTABLE_IDS;

/// Graph's limit of requests in one batch.
pub const MAX_BATCH: usize = 20;

/// One request inside a batch.
pub struct BatchRequest<'a> {
    pub id: String,
    pub method: &'static str,
    /// Relative to the Graph version root, e.g. `/me/contacts/AAMk…`.
    pub url: String,
    /// A write's JSON body (sent with its `Content-Type`); `None` for a GET.
    pub body: Option<&'a Value>,
    /// `If-Match` (an update of the contact as it was read).
    pub if_match: Option<&'a str>,
}

/// The `$batch` request body.
pub fn batch_body(requests: &[BatchRequest<'_>]) -> String {
    let list: Vec<Value> = requests
        .iter()
        .map(|r| {
            let mut item = json!({ "id": r.id, "method": r.method, "url": r.url,
                                   "headers": { "Prefer": PREFER_IMMUTABLE_IDS } });
            if let Some(body) = r.body {
                item["headers"]["Content-Type"] = json!("application/json");
                item["body"] = body.clone();
            }
            if let Some(etag) = r.if_match {
                item["headers"]["If-Match"] = json!(etag);
            }
            item
        })
        .collect();
    json!({ "requests": list }).to_string()
}

/// The answer to one request of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResponse {
    pub status: u16,
    /// The item's own `Retry-After` (seconds).
    pub retry_after: Option<f64>,
    pub body: Value,
}

#[derive(Deserialize)]
struct Envelope {
    responses: Vec<RawItem>,
}

#[derive(Deserialize)]
struct RawItem {
    id: Value,
    status: u16,
    #[serde(default)]
    headers: Option<HashMap<String, Value>>,
    #[serde(default)]
    body: Value,
}

/// The batch answer's items by request id. `Err` when the body is not a batch answer.
pub fn parse_batch_response(body: &[u8]) -> Result<HashMap<String, ItemResponse>, String> {
    let env: Envelope =
        serde_json::from_slice(body).map_err(|e| format!("not a $batch answer: {e}"))?;
    let mut out = HashMap::with_capacity(env.responses.len());
    for item in env.responses {
        let id = match item.id {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let retry_after = item.headers.as_ref().and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                .and_then(|(_, v)| match v {
                    Value::String(s) => parse_retry_after(s),
                    Value::Number(n) => n.as_f64(),
                    _ => None,
                })
        });
        out.insert(
            id,
            ItemResponse {
                status: item.status,
                retry_after,
                body: item.body,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_carries_content_type_immutable_ids_if_match_and_relative_urls_and_gets_have_no_body() {
        let b = json!({ "givenName": "Ann" });
        let text = batch_body(&[
            BatchRequest {
                id: "3".into(),
                method: "PATCH",
                url: "/me/contacts/AAMk%3D".into(),
                body: Some(&b),
                if_match: Some("W/\"K1\""),
            },
            BatchRequest {
                id: "4".into(),
                method: "GET",
                url: "/me/contactFolders/F/contacts?$select=id".into(),
                body: None,
                if_match: None,
            },
        ]);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({ "requests": [{ "id": "3", "method": "PATCH", "url": "/me/contacts/AAMk%3D",
                                   "headers": { "Content-Type": "application/json", "Prefer": "IdType=\"ImmutableId\"",
                                                "If-Match": "W/\"K1\"" },
                                   "body": { "givenName": "Ann" } },
                                 { "id": "4", "method": "GET", "url": "/me/contactFolders/F/contacts?$select=id",
                                   "headers": { "Prefer": "IdType=\"ImmutableId\"" } }] })
        );
    }

    #[test]
    fn answers_are_matched_by_id_with_item_retry_after() {
        let body = br#"{"responses":[
            {"id":"2","status":429,"headers":{"retry-after":"1.5"},"body":{"error":{"code":"TooManyRequests"}}},
            {"id":"1","status":201,"body":{"id":"AAMk1"}},
            {"id":3,"status":503,"headers":{"Retry-After":2}}]}"#;
        let r = parse_batch_response(body).unwrap();
        assert_eq!(r["1"].status, 201);
        assert_eq!(r["1"].body["id"], "AAMk1");
        assert_eq!(r["2"].retry_after, Some(1.5));
        assert_eq!(r["3"].retry_after, Some(2.0));
        assert!(parse_batch_response(b"{\"value\":[]}").is_err());
    }
}
