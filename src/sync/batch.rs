//! JSON batching (`POST /$batch`): the request body for up to 20 writes or lookups, cut so
//! that it stays under Graph's 4 MB, and the per-item answers, matched by id (Graph answers in
//! any order).

use std::ops::Range;

use foldhash::{HashMap, HashMapExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fetch::parse_retry_after;
use crate::graph::PREFER_IMMUTABLE_IDS;

/// Graph's limit of requests in one batch.
pub const MAX_BATCH: usize = 20;

/// Graph's limit on a request body: above it, 413 `RequestEntityTooLarge` for the whole
/// request (a `$batch` counted whole).
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// What a `$batch` body may hold: Graph's limit less a margin, which also keeps a body under
/// 4 MB should Graph count the megabytes in thousands.
pub const MAX_BATCH_BYTES: usize = MAX_REQUEST_BYTES - 256 * 1024;

/// `{"requests":[` and `]}` around the items (which are separated by commas).
const ENVELOPE_BYTES: usize = r#"{"requests":[]}"#.len();

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

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    method: &'a str,
    url: &'a str,
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a Value>,
}

#[derive(Serialize)]
struct Headers<'a> {
    #[serde(rename = "Prefer")]
    prefer: &'a str,
    #[serde(rename = "Content-Type", skip_serializing_if = "Option::is_none")]
    content_type: Option<&'a str>,
    #[serde(rename = "If-Match", skip_serializing_if = "Option::is_none")]
    if_match: Option<&'a str>,
}

/// One request as the JSON text it takes in a batch body.
pub fn item_text(r: &BatchRequest<'_>) -> String {
    let item = Item {
        id: &r.id,
        method: r.method,
        url: &r.url,
        headers: Headers {
            prefer: PREFER_IMMUTABLE_IDS,
            content_type: r.body.map(|_| "application/json"),
            if_match: r.if_match,
        },
        body: r.body,
    };
    // A `Value` and strings always serialize.
    serde_json::to_string(&item).unwrap_or_default()
}

/// The `$batch` request body of items already written as text.
pub fn body_of<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut body = String::from(r#"{"requests":["#);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str("]}");
    body
}

/// The `$batch` request body.
pub fn batch_body(requests: &[BatchRequest<'_>]) -> String {
    let items: Vec<String> = requests.iter().map(item_text).collect();
    body_of(items.iter().map(String::as_str))
}

/// The bytes of a batch body holding one item of `item_bytes`: over [`MAX_BATCH_BYTES`], the
/// request cannot be sent at all.
pub fn alone_bytes(item_bytes: usize) -> usize {
    ENVELOPE_BYTES + item_bytes
}

/// Cuts items of these lengths, in order, into batches of at most [`MAX_BATCH`] items and
/// [`MAX_BATCH_BYTES`] of body each (an item too large even alone is left to the caller).
/// Items of a usual size fill every batch to 20, so N writes still take `ceil(N/20)` batches.
pub fn pack(item_bytes: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = ENVELOPE_BYTES;
    for (i, &n) in item_bytes.iter().enumerate() {
        let comma = usize::from(i > start);
        if i > start && (i - start == MAX_BATCH || bytes + comma + n > MAX_BATCH_BYTES) {
            out.push(start..i);
            start = i;
            bytes = ENVELOPE_BYTES + n;
        } else {
            bytes += comma + n;
        }
    }
    if start < item_bytes.len() {
        out.push(start..item_bytes.len());
    }
    out
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
    use serde_json::json;

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
    fn batches_hold_twenty_items_or_what_fits_under_the_request_limit() {
        let ranges = |v: &[usize]| pack(v);
        assert_eq!(ranges(&[]), Vec::<Range<usize>>::new());
        assert_eq!(ranges(&[300; 45]), [0..20, 20..40, 40..45]);
        // A body exactly at the budget fits; one byte more starts the next batch.
        let half = (MAX_BATCH_BYTES - ENVELOPE_BYTES - 1) / 2;
        let exact = MAX_BATCH_BYTES - ENVELOPE_BYTES - 1 - half;
        assert_eq!(alone_bytes(half) + 1 + exact, MAX_BATCH_BYTES);
        assert_eq!(ranges(&[half, exact, 10]), [0..2, 2..3]);
        assert_eq!(ranges(&[half, exact + 1, 10]), [0..1, 1..3]);
        // A large item among small ones cuts the batch around it, in order.
        let big = MAX_BATCH_BYTES - ENVELOPE_BYTES - 100;
        assert_eq!(ranges(&[300, 300, big, 300, 300]), [0..2, 2..3, 3..5]);
    }

    #[test]
    fn a_body_is_exactly_its_items_in_the_envelope() {
        let b = json!({ "givenName": "Ann" });
        let items = [
            BatchRequest {
                id: "0".into(),
                method: "POST",
                url: "/me/contactFolders/F/contacts".into(),
                body: Some(&b),
                if_match: None,
            },
            BatchRequest {
                id: "1".into(),
                method: "GET",
                url: "/me/contacts/A".into(),
                body: None,
                if_match: None,
            },
        ];
        let texts: Vec<String> = items.iter().map(item_text).collect();
        let body = batch_body(&items);
        assert_eq!(body.len(), alone_bytes(texts[0].len()) + 1 + texts[1].len());
        assert_eq!(body, body_of(texts.iter().map(String::as_str)));
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
