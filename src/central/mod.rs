//! Central's API (DESIGN §2) — the one module that knows its wire format. Pages through the
//! active contacts (and accounts) and hands the engine one JSON array; any bad page fails the
//! whole load, so a plan is never made from part of Central. Writes are in [`write`].

use gloo_net::http::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{ErrorCode, SyncError};
use crate::fetch::{send, HttpRequest, HttpResponse};
use crate::graph::odata::encode;
use crate::json_list::JsonList;
use crate::retry::{sleep, RetryPolicy};
use crate::token::TokenSource;

pub mod ledger;
pub mod write;

/// Contacts asked for per page.
pub const PAGE_SIZE: u32 = 500;
/// A guard against a server that never stops paging.
const MAX_PAGES: u32 = 100_000;

pub struct CentralClient {
    base_url: String,
    tokens: Option<TokenSource>,
    pub timeout_ms: u32,
    pub retry: RetryPolicy,
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    /// Required, even when `null`: a page without it is not of Central's shape (a missing
    /// `Value` is an error, unlike a missing `Option`).
    #[serde(rename = "nextPage")]
    next_page: serde_json::Value,
}

impl CentralClient {
    pub fn new(
        base_url: &str,
        tokens: Option<TokenSource>,
        timeout_ms: u32,
        retry: RetryPolicy,
    ) -> Self {
        CentralClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            tokens,
            timeout_ms,
            retry,
        }
    }

    /// Every active contact, as one JSON array of Central's records.
    pub async fn load_active(&self) -> Result<Vec<u8>, SyncError> {
        self.load_all("contacts").await
    }

    /// Every active record of the collection at `path` (`contacts`, `accounts`), as one JSON
    /// array, read page by page strictly.
    pub(crate) async fn load_all(&self, path: &str) -> Result<Vec<u8>, SyncError> {
        let mut out = JsonList::new();
        let mut page = 1u32;
        loop {
            let url = format!(
                "{}/{path}?status=active&pageSize={PAGE_SIZE}&page={}",
                self.base_url,
                encode(&page.to_string())
            );
            let r = self.exchange(Method::GET, &url, None, None).await?;
            if !r.ok() {
                return Err(status_error(r.status, &format!("its {path}")));
            }
            let (items, more) = read_page(&r.body, page, path)?;
            out.extend(items);
            if !more {
                break;
            }
            page += 1;
        }
        Ok(out.finish())
    }

    /// Sends one request to Central: 429, 502, 503, 504 and network failures are tried again
    /// within the retry policy, and a 401 asks the host once for a fresh token. Returns the
    /// last answer, whatever its status; `Err` when no answer came or no token could be had.
    async fn exchange(
        &self,
        method: Method,
        url: &str,
        json_body: Option<&str>,
        condition: Option<(&str, &str)>,
    ) -> Result<HttpResponse, SyncError> {
        self.exchange_with(method, url, json_body, condition, Resend::Always)
            .await
            .map(|e| e.response)
    }

    /// [`exchange`](Self::exchange), saying whether an earlier try may have been carried out
    /// although its answer never arrived (see [`Resend`] for what is sent again).
    pub(crate) async fn exchange_with(
        &self,
        method: Method,
        url: &str,
        json_body: Option<&str>,
        condition: Option<(&str, &str)>,
        resend: Resend,
    ) -> Result<Exchanged, SyncError> {
        let mut refreshed = false;
        let mut attempt = 0;
        let mut lost_before = false;
        loop {
            attempt += 1;
            let token = match &self.tokens {
                Some(t) => Some(t.get().await?),
                None => None,
            };
            let result = send(HttpRequest {
                method: method.clone(),
                url,
                bearer: token.as_deref(),
                json_body,
                prefer: None,
                condition,
                cancel: None,
                timeout_ms: self.timeout_ms,
            })
            .await;
            let can_retry = attempt < self.retry.max_attempts;
            let wait = match result {
                Ok(r) if r.status == 401 && !refreshed && self.tokens.is_some() => {
                    refreshed = true;
                    if let Some(t) = &self.tokens {
                        t.refresh(token.as_deref()).await?;
                    }
                    continue;
                }
                Ok(r) if retried(r.status, resend) && can_retry => {
                    // A gateway's 502/504 does not say whether Central carried the write out.
                    lost_before |= matches!(r.status, 502 | 504);
                    self.retry.delay_seconds(attempt, r.retry_after)
                }
                Ok(r) => {
                    return Ok(Exchanged {
                        response: r,
                        lost_before,
                    })
                }
                Err(_) if can_retry && resend != Resend::NotAfterLoss => {
                    lost_before = true;
                    self.retry.delay_seconds(attempt, None)
                }
                Err(f) if resend == Resend::Always => {
                    return Err(SyncError::new(
                        ErrorCode::CentralUnavailable,
                        format!("Central did not answer: {}", f.message),
                    ))
                }
                Err(f) => {
                    return Err(SyncError::new(
                        ErrorCode::OutcomeUnknown,
                        format!(
                            "Central's answer to a write was lost ({}): it may or may not have been made",
                            f.message
                        ),
                    ))
                }
            };
            sleep(wait, None).await;
        }
    }
}

/// Whether a try may be sent again after a lost answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// A read (or the ledger's write, which its caller settles): sent again after a lost
    /// answer; when every try is lost, `centralUnavailable`.
    Always,
    /// A write on `If-Match`: sending it again cannot write twice (a second arrival meets
    /// 412), so it is; when the last try is lost, `outcomeUnknown`.
    Conditional,
    /// Repeating it could write twice (a POST): a lost answer is `outcomeUnknown` at once,
    /// and only answers that say nothing was done (429, 503) are tried again — a 500, 502 or
    /// 504 is returned as it came.
    NotAfterLoss,
}

/// An answer, and whether an earlier try of the same request may have been carried out.
pub(crate) struct Exchanged {
    pub response: HttpResponse,
    pub lost_before: bool,
}

/// The statuses tried again.
fn retried(status: u16, resend: Resend) -> bool {
    match resend {
        Resend::Always | Resend::Conditional => matches!(status, 429 | 502 | 503 | 504),
        Resend::NotAfterLoss => matches!(status, 429 | 503),
    }
}

/// The error for an answer Central should not have given about `what`.
fn status_error(status: u16, what: &str) -> SyncError {
    let code = match status {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        _ => ErrorCode::CentralUnavailable,
    };
    SyncError::new(code, format!("Central answered HTTP {status} for {what}")).with_status(status)
}

/// Page `page` of Central's answer about `what` (`contacts`, `accounts`): its records, and
/// whether page `page + 1` follows. Strict (DESIGN §2): the body must be
/// `{"items":[…],"nextPage":N+1|null}`, `nextPage` present.
fn read_page<'a>(
    body: &'a [u8],
    page: u32,
    what: &str,
) -> Result<(Vec<&'a RawValue>, bool), SyncError> {
    let invalid = |message: String| SyncError::new(ErrorCode::InvalidCentralData, message);
    let parsed: Page = serde_json::from_slice(body).map_err(|e| {
        invalid(format!(
            "Central's page {page} of {what} is not a page ({{\"items\":[…],\"nextPage\":…}}): {e}"
        ))
    })?;
    match parsed.next_page {
        serde_json::Value::Null => Ok((parsed.items, false)),
        n if n.as_u64() == Some(u64::from(page) + 1) && page < MAX_PAGES => {
            Ok((parsed.items, true))
        }
        n => Err(invalid(format!(
            "Central's page {page} of {what} names {n} as the next page; expected {} or null",
            page + 1
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &str, page: u32) -> Result<(usize, bool), &'static str> {
        read_page(body.as_bytes(), page, "contacts")
            .map(|(items, more)| (items.len(), more))
            .map_err(|e| e.code.as_str())
    }

    #[test]
    fn next_page_must_be_the_following_one_or_null() {
        assert_eq!(code(r#"{"items":[{},{}],"nextPage":4}"#, 3), Ok((2, true)));
        assert_eq!(code(r#"{"items":[{}],"nextPage":null}"#, 3), Ok((1, false)));
        for skipped in [
            r#"{"items":[],"nextPage":5}"#,
            r#"{"items":[],"nextPage":3}"#,
            r#"{"items":[],"nextPage":"4"}"#,
            r#"{"items":[],"nextPage":4.5}"#,
            r#"{"items":[],"nextPage":-1}"#,
        ] {
            assert_eq!(code(skipped, 3), Err("invalidCentralData"), "{skipped}");
        }
    }

    #[test]
    fn a_page_of_another_shape_is_invalid_central_data() {
        for body in [
            r#"{"items":[]}"#,
            r#"{"nextPage":null}"#,
            r#"{"items":{},"nextPage":null}"#,
            r#"[]"#,
            "not json",
            r#"{"items":[],"nextPage":null"#,
        ] {
            assert_eq!(code(body, 1), Err("invalidCentralData"), "{body}");
        }
    }
}
