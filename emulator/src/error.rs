//! Graph's error envelope: `{"error":{"code","message","innerError":{"request-id","date"}}}`.

use serde_json::{json, Value};

/// A Graph-shaped answer: status, extra headers, optional JSON body. Used both for top-level
/// responses and for `$batch` items, which carry the same three parts inside the batch body.
#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The body as JSON text already written (a big listing is written straight to text, not
    /// built as a `Value` first); sent instead of `body` when set.
    pub raw: Option<Vec<u8>>,
}

impl GraphResponse {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![],
            body: Some(body),
            raw: None,
        }
    }

    /// A JSON answer whose body is already JSON text.
    pub fn raw_json(status: u16, text: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![],
            body: None,
            raw: Some(text),
        }
    }

    /// The body as a `Value` (parsing the text of a [`GraphResponse::raw_json`] answer).
    pub fn body_value(&self) -> Option<Value> {
        match &self.raw {
            Some(text) => serde_json::from_slice(text).ok(),
            None => self.body.clone(),
        }
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: None,
            raw: None,
        }
    }

    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(status, envelope(code, message))
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn not_found_item() -> Self {
        Self::error(
            404,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    pub fn bad_request(message: &str) -> Self {
        Self::error(400, "BadRequest", message)
    }

    pub fn throttled_concurrency(retry_after: u64) -> Self {
        Self::error(
            429,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
        )
        .with_header("Retry-After", retry_after.to_string())
    }
}

pub fn envelope(code: &str, message: &str) -> Value {
    json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "request-id": request_id(),
                "date": crate::time::iso8601(crate::time::now_secs()),
            }
        }
    })
}

fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{n:012x}")
}
