//! Microsoft Graph client: the user's or a shared mailbox, its contact folders, every contact
//! of one folder, and the requests the executor sends. Reads are retried within the retry
//! policy (throttling, 503/504, network); a refused token is renewed once.

pub mod odata;

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tsify::Tsify;

use crate::engine::CENTRAL_ID_PROPERTY;
use crate::error::{ErrorCode, SyncError};
use crate::fetch::{send, FetchFailure, HttpRequest, HttpResponse};
use crate::json_list::JsonList;
use crate::retry::{sleep, RetryPolicy};
use crate::token::TokenSource;
use odata::{encode, literal};

/// Sent on every Graph request (and batch item): ids then stay the same when the user moves a
/// contact to another folder of the mailbox (GRAPH.md, immutable ids).
pub const PREFER_IMMUTABLE_IDS: &str = "IdType=\"ImmutableId\"";

/// The contact properties the engine reads — nothing else is fetched.
pub const CONTACT_SELECT: &str = "id,title,givenName,surname,displayName,mobilePhone,businessHomePage,companyName,emailAddresses,businessPhones,homeAddress,businessAddress,createdDateTime";

/// Whose contacts: the signed-in user's, or another mailbox shared with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mailbox {
    Me,
    User(String),
}

impl Mailbox {
    /// `"me"` (any case, or empty) is the user's own mailbox; anything else is a user's id or UPN.
    pub fn parse(value: &str) -> Mailbox {
        let v = value.trim();
        if v.is_empty() || v.eq_ignore_ascii_case("me") {
            Mailbox::Me
        } else {
            Mailbox::User(v.to_owned())
        }
    }

    /// The URL path of the mailbox, relative to the Graph base (`/me` or `/users/{upn}`).
    pub fn path(&self) -> String {
        match self {
            Mailbox::Me => "/me".to_owned(),
            Mailbox::User(upn) => format!("/users/{}", encode(upn)),
        }
    }

    /// A key naming the mailbox for locks.
    pub fn key(&self) -> String {
        match self {
            Mailbox::Me => "me".to_owned(),
            Mailbox::User(upn) => upn.to_lowercase(),
        }
    }
}

/// A contacts folder, for the folder picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Folder {
    pub id: String,
    pub display_name: String,
    pub parent_folder_id: Option<String>,
    /// Names from the top folder down, joined by " / " (e.g. "Clients / Leeds").
    pub path: String,
}

#[derive(Deserialize)]
struct FolderJson {
    id: String,
    #[serde(rename = "displayName", default)]
    display_name: Option<String>,
    #[serde(rename = "parentFolderId", default)]
    parent_folder_id: Option<String>,
}

#[derive(Deserialize)]
struct Page<'a, T> {
    #[serde(borrow)]
    value: Vec<&'a RawValue>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(skip)]
    _t: std::marker::PhantomData<T>,
}

/// A guard against a server that never stops paging (10 million contacts at 1000 a page).
const MAX_PAGES: u32 = 10_000;

/// How deep the folder picker looks for child folders.
const MAX_FOLDER_DEPTH: usize = 4;

pub struct GraphClient {
    base_url: String,
    pub mailbox: Mailbox,
    tokens: TokenSource,
    pub timeout_ms: u32,
    pub retry: RetryPolicy,
}

impl GraphClient {
    pub fn new(
        base_url: &str,
        mailbox: Mailbox,
        tokens: TokenSource,
        timeout_ms: u32,
        retry: RetryPolicy,
    ) -> Self {
        GraphClient {
            base_url: base_url.trim_end_matches('/').to_owned(),
            mailbox,
            tokens,
            timeout_ms,
            retry,
        }
    }

    /// Graph's root, as configured (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The absolute URL of a path relative to the Graph base (`/me/…`, `/$batch`).
    pub fn url(&self, relative: &str) -> String {
        format!("{}{}", self.base_url, relative)
    }

    /// `scheme://host[:port]` of the Graph base: `@odata.nextLink` must stay on it, so the
    /// token is never sent anywhere else.
    fn origin(&self) -> &str {
        origin_of(&self.base_url)
    }

    /// Asks the host for a fresh token (after Graph refused the current one).
    pub async fn refresh_token(&self) -> Result<(), SyncError> {
        self.tokens.refresh(None).await.map(|_| ())
    }

    /// Sends one request with the current token; on 401, renews the token once and sends it
    /// again. `Err` only when no token can be had; a fetch failure is returned as is.
    pub async fn send_once(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<Result<HttpResponse, FetchFailure>, SyncError> {
        self.send_once_until(method, url, body, None).await
    }

    /// [`GraphClient::send_once`], given up at once when `cancel` is aborted.
    pub async fn send_once_until(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
        cancel: Option<&web_sys::AbortSignal>,
    ) -> Result<Result<HttpResponse, FetchFailure>, SyncError> {
        self.send_once_on(method, url, body, None, cancel).await
    }

    /// [`GraphClient::send_once_until`] on a precondition (`("If-Match", etag)`).
    async fn send_once_on(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
        condition: Option<(&str, &str)>,
        cancel: Option<&web_sys::AbortSignal>,
    ) -> Result<Result<HttpResponse, FetchFailure>, SyncError> {
        let token = self.tokens.get().await?;
        let attempt = |token: String| {
            let method = method.clone();
            async move {
                send(HttpRequest {
                    method,
                    url,
                    bearer: Some(&token),
                    json_body: body,
                    prefer: Some(PREFER_IMMUTABLE_IDS),
                    condition,
                    cancel,
                    timeout_ms: self.timeout_ms,
                })
                .await
            }
        };
        let first = attempt(token.clone()).await;
        if matches!(&first, Ok(r) if r.status == 401) {
            let token = self.tokens.refresh(Some(&token)).await?;
            return Ok(attempt(token).await);
        }
        Ok(first)
    }

    /// A request that is safe to repeat: retried on throttling, 503/504 and network failures
    /// within the retry policy. Returns a 2xx answer or the error it ends with.
    pub async fn request(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<HttpResponse, SyncError> {
        let r = self.request_on(method, url, body, None).await?;
        if r.ok() {
            Ok(r)
        } else {
            Err(error_from_response(&r))
        }
    }

    /// A request retried on throttling, 503/504 and network failures within the retry
    /// policy, on `condition` (a DELETE on `If-Match`: repeating it is safe, a second one finds
    /// 404 or 412); returns whatever final answer Graph gave, 404 and 412 included.
    pub async fn request_on(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
        condition: Option<(&str, &str)>,
    ) -> Result<HttpResponse, SyncError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = match self
                .send_once_on(method.clone(), url, body, condition, None)
                .await?
            {
                Ok(r) if is_transient(r.status) && attempt < self.retry.max_attempts => {
                    self.retry.delay_seconds(attempt, r.retry_after)
                }
                Ok(r) => return Ok(r),
                Err(_) if attempt < self.retry.max_attempts => {
                    self.retry.delay_seconds(attempt, None)
                }
                Err(f) => {
                    return Err(SyncError::new(
                        ErrorCode::Network,
                        format!("Graph: {}", f.message),
                    ))
                }
            };
            sleep(wait, None).await;
        }
    }

    async fn get_all_pages(&self, first_url: String) -> Result<Vec<u8>, SyncError> {
        let mut out = JsonList::new();
        let mut url = first_url;
        let mut pages = 0u32;
        loop {
            let r = self.request(Method::GET, &url, None).await?;
            let page: Page<()> = serde_json::from_slice(&r.body).map_err(|e| {
                SyncError::new(
                    ErrorCode::InvalidGraphData,
                    format!("Graph sent a page that is not a list: {e}"),
                )
            })?;
            out.extend(page.value);
            pages += 1;
            match page.next_link {
                Some(next) if next == url || pages >= MAX_PAGES => {
                    return Err(SyncError::new(
                        ErrorCode::InvalidGraphData,
                        format!("Graph keeps paging ({pages} pages, next {next}); stopped"),
                    ))
                }
                Some(next)
                    if next.starts_with(self.origin())
                        && next[self.origin().len()..].starts_with('/') =>
                {
                    url = next
                }
                Some(next) => {
                    return Err(SyncError::new(
                        ErrorCode::InvalidGraphData,
                        format!("Graph's next page link leaves {}: {next}", self.origin()),
                    ))
                }
                None => break,
            }
        }
        Ok(out.finish())
    }

    /// Every contact of the folder as a JSON array (Graph contact JSON with our property).
    pub async fn read_contacts(&self, folder_id: &str) -> Result<Vec<u8>, SyncError> {
        let url = self.url(&format!(
            "{}/contactFolders/{}/contacts?$top=1000&{}",
            self.mailbox.path(),
            encode(folder_id),
            contact_query(),
        ));
        self.get_all_pages(url)
            .await
            .map_err(|e| folder_error(e, folder_id))
    }

    /// The contacts of the default Contacts folder that carry category `name` (`/me/contacts`
    /// lists that folder only), as a JSON array like [`read_contacts`](Self::read_contacts).
    pub async fn read_marked(&self, name: &str) -> Result<Vec<u8>, SyncError> {
        let filter = format!("categories/any(c:c eq {})", literal(name));
        let url = self.url(&format!(
            "{}/contacts?$filter={}&$top=1000&{}",
            self.mailbox.path(),
            encode(&filter),
            contact_query(),
        ));
        self.get_all_pages(url).await
    }

    /// Every contacts folder of the mailbox, child folders included (to a few levels).
    pub async fn list_folders(&self) -> Result<Vec<Folder>, SyncError> {
        let mut out = Vec::new();
        let top = self
            .folders_at(&format!("{}/contactFolders?$top=100", self.mailbox.path()))
            .await?;
        let mut stack: Vec<(Folder, usize)> = top
            .into_iter()
            .rev()
            .map(|f| {
                let path = f.display_name.clone();
                (Folder { path, ..f }, 0)
            })
            .collect();
        while let Some((folder, depth)) = stack.pop() {
            if depth < MAX_FOLDER_DEPTH {
                let children = self
                    .folders_at(&format!(
                        "{}/contactFolders/{}/childFolders?$top=100",
                        self.mailbox.path(),
                        encode(&folder.id)
                    ))
                    .await?;
                for child in children.into_iter().rev() {
                    let path = format!("{} / {}", folder.path, child.display_name);
                    stack.push((Folder { path, ..child }, depth + 1));
                }
            }
            out.push(folder);
        }
        Ok(out)
    }

    async fn folders_at(&self, relative: &str) -> Result<Vec<Folder>, SyncError> {
        let bytes = self.get_all_pages(self.url(relative)).await?;
        let list: Vec<FolderJson> = serde_json::from_slice(&bytes).map_err(|e| {
            SyncError::new(
                ErrorCode::InvalidGraphData,
                format!("Graph sent an odd folder: {e}"),
            )
        })?;
        Ok(list.into_iter().map(folder_from_json).collect())
    }

    /// Creates a contacts folder (under `parent_id`, or at the top).
    pub async fn create_folder(
        &self,
        name: &str,
        parent_id: Option<&str>,
    ) -> Result<Folder, SyncError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(SyncError::new(
                ErrorCode::InvalidInput,
                "a folder needs a name",
            ));
        }
        let relative = match parent_id {
            Some(p) => format!(
                "{}/contactFolders/{}/childFolders",
                self.mailbox.path(),
                encode(p)
            ),
            None => format!("{}/contactFolders", self.mailbox.path()),
        };
        let body = serde_json::json!({ "displayName": name }).to_string();
        // A create is not repeated blindly: one try (with a token renewal on 401).
        let r = match self
            .send_once(Method::POST, &self.url(&relative), Some(&body))
            .await?
        {
            Ok(r) if r.ok() => r,
            Ok(r) => return Err(error_from_response(&r)),
            Err(f) => {
                return Err(SyncError::new(
                    ErrorCode::Network,
                    format!("Graph: {}", f.message),
                ))
            }
        };
        let f: FolderJson = serde_json::from_slice(&r.body).map_err(|e| {
            SyncError::new(
                ErrorCode::InvalidGraphData,
                format!("Graph sent an odd folder: {e}"),
            )
        })?;
        Ok(folder_from_json(f))
    }
}

fn folder_from_json(f: FolderJson) -> Folder {
    let display_name = f.display_name.unwrap_or_default();
    Folder {
        id: f.id,
        path: display_name.clone(),
        display_name,
        parent_folder_id: f.parent_folder_id,
    }
}

/// A 404 about a folder's contacts: the folder is gone.
pub fn folder_error(e: SyncError, folder_id: &str) -> SyncError {
    if e.status == Some(404) {
        SyncError {
            code: ErrorCode::FolderNotFound,
            message: format!("the contacts folder {folder_id} was not found in this mailbox"),
            ..e
        }
    } else {
        e
    }
}

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// The lookup of a folder's contacts that carry `central_id` in our property, relative to
/// Graph's root. Graph's value filter ignores case: compare the hits with [`exact_hits`].
pub fn lookup_path(mailbox_path: &str, folder_id: &str, central_id: &str) -> String {
    let property = literal(CENTRAL_ID_PROPERTY);
    let filter = format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq {property} and ep/value eq {})",
        literal(central_id)
    );
    format!(
        "{mailbox_path}/contactFolders/{}/contacts?$filter={}&$select=id&$expand={}",
        encode(folder_id),
        encode(&filter),
        encode(&format!(
            "singleValueExtendedProperties($filter=id eq {property})"
        )),
    )
}

/// The ids of the contacts in a lookup's answer whose stored Central id is exactly `central_id`.
pub fn exact_hits(contacts: &[u8], central_id: &str) -> Result<Vec<String>, SyncError> {
    #[derive(Deserialize)]
    struct Property {
        id: String,
        value: Option<String>,
    }
    #[derive(Deserialize)]
    struct Hit {
        id: String,
        #[serde(rename = "singleValueExtendedProperties", default)]
        properties: Vec<Property>,
    }
    let hits: Vec<Hit> = serde_json::from_slice(contacts).map_err(|e| {
        SyncError::new(
            ErrorCode::InvalidGraphData,
            format!("Graph sent a lookup answer that is not a list of contacts: {e}"),
        )
    })?;
    Ok(hits
        .into_iter()
        .filter(|h| {
            h.properties.iter().any(|p| {
                crate::engine::input::is_central_id_property(&p.id)
                    && p.value.as_deref() == Some(central_id)
            })
        })
        .map(|h| h.id)
        .collect())
}

/// Throttled or temporarily unavailable: worth another try after a wait.
pub fn is_transient(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// Graph's error envelope, if the body is one: (`error.code`, `error.message`).
pub fn graph_error_parts(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct Envelope {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        code: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(e) => (e.error.code, e.error.message),
        Err(_) => (None, None),
    }
}

/// The error for a non-2xx Graph answer.
pub fn error_from_response(r: &HttpResponse) -> SyncError {
    error_from_status(r.status, &r.body)
}

pub fn error_from_status(status: u16, body: &[u8]) -> SyncError {
    let (graph_code, message) = graph_error_parts(body);
    let detail = message.unwrap_or_else(|| format!("HTTP {status}"));
    let code = match status {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        429 => ErrorCode::Throttled,
        _ => ErrorCode::GraphError,
    };
    SyncError::new(code, format!("Graph: {detail}"))
        .with_status(status)
        .with_graph_code(graph_code)
}

/// The query that reads a contact as the plan does: the mapped fields and our property.
pub fn contact_query() -> String {
    format!(
        "$select={}&$expand={}",
        encode(CONTACT_SELECT),
        encode(&format!(
            "singleValueExtendedProperties($filter=id eq {})",
            literal(CENTRAL_ID_PROPERTY)
        ))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_hits_are_compared_exactly() {
        let answer = serde_json::json!([
            { "id": "A", "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY, "value": "abc1" }] },
            { "id": "B", "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY, "value": "ABC1" }] },
            { "id": "C", "singleValueExtendedProperties": [{ "id": "String {00000000-0000-0000-0000-000000000000} Name Other", "value": "abc1" }] },
            { "id": "D" },
            { "id": "E", "singleValueExtendedProperties": [{ "id": CENTRAL_ID_PROPERTY.to_lowercase().replace("centralcontactid", "CentralContactId"), "value": "abc1" }] }
        ])
        .to_string();
        assert_eq!(exact_hits(answer.as_bytes(), "abc1").unwrap(), ["A", "E"]);
        assert_eq!(exact_hits(answer.as_bytes(), "ABC1").unwrap(), ["B"]);
        assert_eq!(
            exact_hits(answer.as_bytes(), "abc").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            exact_hits(b"{}", "abc1").unwrap_err().code,
            ErrorCode::InvalidGraphData
        );
    }
}
