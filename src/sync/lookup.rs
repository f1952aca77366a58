//! The executor's errands that go one request at a time: reading the pages of a lookup by
//! Central id and deleting extra copies, each request retried as `GraphClient::request` does
//! (429/503/504 and lost answers, within the retry policy). Pure: requests out, answers in.

use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::machine::{Answer, Method, Request, Tag, Target};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;
use crate::graph::{
    error_from_status, exact_hits, folder_error, is_transient, lookup_path, origin_of,
};
use crate::retry::RetryPolicy;

/// A guard against a server that never stops paging (as the Graph client's).
const MAX_PAGES: u32 = 10_000;

/// Where the executor's requests go and how often they are tried.
pub(crate) struct Context {
    /// `/me` or `/users/{upn}`.
    pub mailbox: String,
    pub folder_id: String,
    /// Graph's root, without a trailing `/` (`https://graph.microsoft.com/v1.0`).
    pub base_url: String,
    pub retry: RetryPolicy,
    pub jitter: Box<dyn FnMut() -> f64>,
}

impl Context {
    /// Seconds to wait after failed try number `attempt`.
    pub fn delay(&mut self, attempt: u32, retry_after: Option<f64>) -> f64 {
        self.retry
            .delay_with_jitter(attempt, retry_after, (self.jitter)())
    }

    /// `scheme://host[:port]` of Graph's root: a next-page link must stay on it.
    fn origin(&self) -> &str {
        origin_of(&self.base_url)
    }

    /// The lookup of the folder's contacts carrying `central_id`.
    pub fn lookup_path(&self, central_id: &str) -> String {
        lookup_path(&self.mailbox, &self.folder_id, central_id)
    }

    fn absolute(&self, url: &Target) -> String {
        match url {
            Target::Relative(path) => format!("{}{path}", self.base_url),
            Target::Absolute(url) => url.clone(),
        }
    }

    /// A 404 of a lookup means the folder is gone.
    pub fn folder_error(&self, e: SyncError) -> SyncError {
        folder_error(e, &self.folder_id)
    }
}

/// One request that is safe to repeat.
struct Retried {
    method: Method,
    url: Target,
    /// Tries made so far.
    attempt: u32,
}

enum Try {
    Answered(Vec<u8>),
    Again(f64),
    Failed(SyncError),
}

impl Retried {
    fn new(method: Method, url: Target) -> Self {
        Retried {
            method,
            url,
            attempt: 0,
        }
    }

    fn request(&mut self, tag: Tag) -> Request {
        self.attempt += 1;
        Request {
            tag,
            method: self.method,
            url: self.url.clone(),
            body: None,
        }
    }

    fn judge(&self, answer: Answer, cx: &mut Context) -> Try {
        let more = self.attempt < cx.retry.max_attempts;
        match answer {
            Answer::Http { status, body, .. } if (200..300).contains(&status) => {
                Try::Answered(body)
            }
            Answer::Http {
                status,
                retry_after,
                ..
            } if is_transient(status) && more => Try::Again(cx.delay(self.attempt, retry_after)),
            Answer::Http { status, body, .. } => Try::Failed(error_from_status(status, &body)),
            Answer::Lost { .. } if more => Try::Again(cx.delay(self.attempt, None)),
            Answer::Lost { message } => Try::Failed(SyncError::new(
                ErrorCode::Network,
                format!("Graph: {message}"),
            )),
            Answer::NoToken(e) => Try::Failed(e),
        }
    }
}

/// What an errand does after an answer.
pub(crate) enum Next<T> {
    /// Wait this long, then send the same request again.
    Again(f64),
    /// Send the next request.
    Go,
    Finished(T),
}

impl<T> Next<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Next<U> {
        match self {
            Next::Again(wait) => Next::Again(wait),
            Next::Go => Next::Go,
            Next::Finished(t) => Next::Finished(f(t)),
        }
    }
}

/// One page of a contacts list.
#[derive(Deserialize)]
struct Page {
    value: Vec<Box<RawValue>>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

/// A lookup's first page: all of it, or a reader for the rest.
pub(crate) enum FirstPage {
    Hits(Vec<String>),
    More(PageReader),
}

/// Reads every page of a lookup and gives the ids whose stored Central id is exactly the one
/// looked up.
pub(crate) struct PageReader {
    central_id: String,
    current: Retried,
    pages: u32,
    hits: Vec<Box<RawValue>>,
}

impl PageReader {
    pub fn new(cx: &Context, central_id: &str) -> Self {
        PageReader {
            central_id: central_id.to_owned(),
            current: Retried::new(Method::Get, Target::Relative(cx.lookup_path(central_id))),
            pages: 0,
            hits: Vec::new(),
        }
    }

    /// Goes on from the first page, read elsewhere (in a `$batch`).
    pub fn from_first_page(
        cx: &Context,
        central_id: &str,
        page: &[u8],
    ) -> Result<FirstPage, SyncError> {
        let mut reader = PageReader::new(cx, central_id);
        match reader.take_page(cx, page)? {
            Some(next) => {
                reader.current = Retried::new(Method::Get, next);
                Ok(FirstPage::More(reader))
            }
            None => reader.finish().map(FirstPage::Hits),
        }
    }

    pub fn request(&mut self, tag: Tag) -> Request {
        self.current.request(tag)
    }

    pub fn answer(
        &mut self,
        answer: Answer,
        cx: &mut Context,
    ) -> Next<Result<Vec<String>, SyncError>> {
        let body = match self.current.judge(answer, cx) {
            Try::Answered(body) => body,
            Try::Again(wait) => return Next::Again(wait),
            Try::Failed(e) => return Next::Finished(Err(cx.folder_error(e))),
        };
        match self.take_page(cx, &body) {
            Ok(Some(next)) => {
                self.current = Retried::new(Method::Get, next);
                Next::Go
            }
            Ok(None) => Next::Finished(self.finish()),
            Err(e) => Next::Finished(Err(e)),
        }
    }

    /// Keeps a page's contacts; the next page's URL, if there is one.
    fn take_page(&mut self, cx: &Context, body: &[u8]) -> Result<Option<Target>, SyncError> {
        let page: Page = serde_json::from_slice(body).map_err(|e| {
            SyncError::new(
                ErrorCode::InvalidGraphData,
                format!("Graph sent a page that is not a list: {e}"),
            )
        })?;
        self.hits.extend(page.value);
        self.pages += 1;
        let Some(next) = page.next_link else {
            return Ok(None);
        };
        let pages = self.pages;
        if next == cx.absolute(&self.current.url) || pages >= MAX_PAGES {
            return Err(SyncError::new(
                ErrorCode::InvalidGraphData,
                format!("Graph keeps paging ({pages} pages, next {next}); stopped"),
            ));
        }
        let origin = cx.origin();
        if next.starts_with(origin) && next[origin.len()..].starts_with('/') {
            Ok(Some(Target::Absolute(next)))
        } else {
            Err(SyncError::new(
                ErrorCode::InvalidGraphData,
                format!("Graph's next page link leaves {origin}: {next}"),
            ))
        }
    }

    fn finish(&self) -> Result<Vec<String>, SyncError> {
        let mut list = String::from("[");
        for (i, hit) in self.hits.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            list.push_str(hit.get());
        }
        list.push(']');
        exact_hits(list.as_bytes(), &self.central_id)
    }
}

/// Deletes contacts one after the other; one already gone counts as deleted.
pub(crate) struct Deleter {
    left: VecDeque<String>,
    current: Retried,
    removed: usize,
}

impl Deleter {
    /// `None` when there is nothing to delete.
    pub fn new(cx: &Context, ids: Vec<String>) -> Option<Self> {
        let mut left: VecDeque<String> = ids.into();
        let first = left.pop_front()?;
        Some(Deleter {
            current: Retried::new(Method::Delete, contact_target(cx, &first)),
            left,
            removed: 0,
        })
    }

    pub fn request(&mut self, tag: Tag) -> Request {
        self.current.request(tag)
    }

    /// Finished: how many were deleted, and the error that stopped the rest.
    pub fn answer(&mut self, answer: Answer, cx: &mut Context) -> Next<(usize, Option<SyncError>)> {
        match self.current.judge(answer, cx) {
            Try::Again(wait) => return Next::Again(wait),
            Try::Answered(_) => {}
            Try::Failed(e) if e.status == Some(404) => {}
            Try::Failed(e) => return Next::Finished((self.removed, Some(e))),
        }
        self.removed += 1;
        match self.left.pop_front() {
            Some(id) => {
                self.current = Retried::new(Method::Delete, contact_target(cx, &id));
                Next::Go
            }
            None => Next::Finished((self.removed, None)),
        }
    }
}

/// Reads one contact back, to tell whether it holds what an update sent: an update resent
/// after an answer was lost meets 412 when its first try landed (its own write moved the
/// etag) just as when the user edited the contact — the contact's values tell which.
pub(crate) struct Checker {
    reader: Reader,
}

impl Checker {
    pub fn new(cx: &Context, outlook_id: &str) -> Self {
        Checker {
            reader: Reader::at(contact_target(cx, outlook_id)),
        }
    }

    pub fn request(&mut self, tag: Tag) -> Request {
        self.reader.request(tag)
    }

    /// Whether the contact holds every value of `body` (absent, `null`, `""`, `[]` and `{}`
    /// count as one empty value; the extended property is never echoed, so not compared). A
    /// contact gone holds nothing.
    pub fn answer(
        &mut self,
        answer: Answer,
        cx: &mut Context,
        body: &serde_json::Value,
    ) -> Next<Result<bool, SyncError>> {
        self.reader
            .answer(answer, cx)
            .map(|read| read.map(|contact| contact.is_some_and(|c| holds(&c, body))))
    }
}

/// Reads one contact as the plan read it (mapped fields and our property), after its update
/// met 412: the record is planned again over it (DESIGN §6). `None`: the contact is gone.
pub(crate) struct Reader {
    current: Retried,
}

impl Reader {
    pub fn new(cx: &Context, outlook_id: &str) -> Self {
        let url = format!(
            "{}/contacts/{}?{}",
            cx.mailbox,
            encode(outlook_id),
            crate::graph::contact_query()
        );
        Reader::at(Target::Relative(url))
    }

    fn at(url: Target) -> Self {
        Reader {
            current: Retried::new(Method::Get, url),
        }
    }

    pub fn request(&mut self, tag: Tag) -> Request {
        self.current.request(tag)
    }

    pub fn answer(
        &mut self,
        answer: Answer,
        cx: &mut Context,
    ) -> Next<Result<Option<serde_json::Value>, SyncError>> {
        match self.current.judge(answer, cx) {
            Try::Again(wait) => Next::Again(wait),
            Try::Failed(e) if e.status == Some(404) => Next::Finished(Ok(None)),
            Try::Failed(e) => Next::Finished(Err(e)),
            Try::Answered(text) => Next::Finished(
                serde_json::from_slice::<serde_json::Value>(&text)
                    .map(Some)
                    .map_err(|e| {
                        SyncError::new(
                            ErrorCode::InvalidGraphData,
                            format!("Graph sent a contact that is not JSON: {e}"),
                        )
                    }),
            ),
        }
    }
}

/// The contact holds each value the update body sent.
pub fn holds(contact: &serde_json::Value, body: &serde_json::Value) -> bool {
    use serde_json::Value;
    fn empty(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.values().all(empty),
            _ => false,
        }
    }
    fn same(a: &Value, b: &Value) -> bool {
        if empty(a) && empty(b) {
            return true;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).all(|k| {
                same(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                )
            }),
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
            }
            _ => a == b,
        }
    }
    let Some(sent) = body.as_object() else {
        return false;
    };
    sent.iter()
        .filter(|(k, _)| k.as_str() != "singleValueExtendedProperties")
        .all(|(k, v)| same(contact.get(k).unwrap_or(&Value::Null), v))
}

fn contact_target(cx: &Context, outlook_id: &str) -> Target {
    Target::Relative(format!("{}/contacts/{}", cx.mailbox, encode(outlook_id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context {
        Context {
            mailbox: "/me".into(),
            folder_id: "F".into(),
            base_url: "https://graph.test/v1.0".into(),
            retry: RetryPolicy::default(),
            jitter: Box::new(|| 0.5),
        }
    }

    fn page(body: serde_json::Value) -> Answer {
        Answer::Http {
            status: 200,
            retry_after: None,
            body: body.to_string().into_bytes(),
        }
    }

    fn finished(next: Next<Result<Vec<String>, SyncError>>) -> Result<Vec<String>, SyncError> {
        match next {
            Next::Finished(r) => r,
            _ => panic!("not finished"),
        }
    }

    #[test]
    fn next_page_links_stay_on_graphs_origin() {
        let mut cx = cx();
        let mut reader = PageReader::new(&cx, "c1");
        reader.request(1);
        let away = page(
            serde_json::json!({ "value": [], "@odata.nextLink": "https://graph.test.evil/v1.0/me" }),
        );
        let e = finished(reader.answer(away, &mut cx)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGraphData);
        assert!(
            e.message.contains("leaves https://graph.test"),
            "{}",
            e.message
        );

        let mut reader = PageReader::new(&cx, "c1");
        let r = reader.request(2);
        let Target::Relative(path) = r.url else {
            panic!()
        };
        let same = page(
            serde_json::json!({ "value": [], "@odata.nextLink": format!("https://graph.test/v1.0{path}") }),
        );
        let e = finished(reader.answer(same, &mut cx)).unwrap_err();
        assert!(e.message.contains("keeps paging"), "{}", e.message);
    }

    #[test]
    fn a_lookup_404_is_a_missing_folder_and_deletes_take_404_as_done() {
        let mut cx = cx();
        let mut reader = PageReader::new(&cx, "c1");
        reader.request(1);
        let gone = Answer::Http {
            status: 404,
            retry_after: None,
            body: vec![],
        };
        let e = finished(reader.answer(gone.clone(), &mut cx)).unwrap_err();
        assert_eq!(e.code, ErrorCode::FolderNotFound);

        let mut deleter = Deleter::new(&cx, vec!["a".into(), "b".into()]).unwrap();
        assert_eq!(
            deleter.request(3).url,
            Target::Relative("/me/contacts/a".into())
        );
        assert!(matches!(deleter.answer(gone, &mut cx), Next::Go));
        deleter.request(4);
        let ok = Answer::Http {
            status: 204,
            retry_after: None,
            body: vec![],
        };
        assert!(matches!(
            deleter.answer(ok, &mut cx),
            Next::Finished((2, None))
        ));
    }
}
