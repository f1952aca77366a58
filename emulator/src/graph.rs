//! The Microsoft Graph subset under `/v1.0`: routing, auth, limits, faults and the contact and
//! folder operations. Top-level requests and `$batch` items go through the same `run_request`,
//! so every limit and fault applies to items one by one, as on Graph.

use crate::contact::{parse_body, Contact};
use crate::error::GraphResponse;
use crate::faults::{FaultKind, FaultRule, FaultScope};
use crate::query::{self, Filter};
use crate::store::{Change, Mailbox, ShareAccess, Stats, Store, Token};
use crate::Emulator;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

pub const DEFAULT_PAGE: usize = 10;
pub const MAX_PAGE: usize = 1000;
pub const MAX_BATCH: usize = 20;
pub const BATCH_PARALLELISM: usize = 4;

/// What the HTTP layer should do with a Graph answer.
pub struct Outcome {
    pub response: GraphResponse,
    /// Close the connection without answering (the response is lost on the wire).
    pub drop_connection: bool,
}

impl Outcome {
    fn respond(response: GraphResponse) -> Self {
        Self {
            response,
            drop_connection: false,
        }
    }
}

/// The parts of one request, top level or batch item.
pub struct Call {
    pub method: String,
    /// Path after `/v1.0/`, still percent-encoded.
    pub path: String,
    pub raw_query: String,
    pub prefer: Option<String>,
    /// The `If-Match` header (PATCH and DELETE of a contact honour it).
    pub if_match: Option<String>,
    pub body: Option<Value>,
    /// `http://host:port/v1.0`, for absolute `@odata.nextLink`s.
    pub base: String,
    /// What fault rules match `pathContains` against.
    pub fault_path: String,
}

impl Call {
    /// Whether `Prefer` carries `IdType="ImmutableId"` (among other comma-separated
    /// preferences, any case, quotes optional).
    pub fn immutable_ids(&self) -> bool {
        prefers_immutable(self.prefer.as_deref())
    }
}

pub fn prefers_immutable(prefer: Option<&str>) -> bool {
    prefer.is_some_and(|p| {
        p.split([',', ';']).any(|pref| {
            pref.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("IdType")
                    && v.trim()
                        .trim_matches('"')
                        .eq_ignore_ascii_case("ImmutableId")
            })
        })
    })
}

/// Whether an `If-Match` value names this etag (`*` names any): a comma-separated list of
/// entity tags, compared exactly.
pub fn if_match_ok(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag)
}

/// A top-level request under `/v1.0`, as the HTTP layer hands it over.
pub struct TopRequest {
    pub method: String,
    /// Path after `/v1.0/`.
    pub path: String,
    pub raw_query: String,
    pub authorization: Option<String>,
    pub prefer: Option<String>,
    pub if_match: Option<String>,
    pub body: Vec<u8>,
    /// The body's length when it was over `maxRequestBytes` (`body` is then empty).
    pub too_large: Option<usize>,
    /// The `Host` header, for absolute links.
    pub host: String,
}

/// Handles a top-level request and counts its outcome.
pub async fn handle(emu: Emulator, req: TopRequest) -> Outcome {
    emu.lock().stats.graph_requests += 1;
    let outcome = handle_inner(&emu, req).await;
    let mut store = emu.lock();
    let key = if outcome.drop_connection {
        "dropped".to_string()
    } else {
        outcome.response.status.to_string()
    };
    Stats::bump(&mut store.stats.status_counts, &key);
    outcome
}

async fn handle_inner(emu: &Emulator, req: TopRequest) -> Outcome {
    // Refused whole before anything else, as Graph's front door does: a `$batch` runs none of
    // its items.
    if let Some(bytes) = req.too_large {
        let mut store = emu.lock();
        Stats::bump(&mut store.stats.graph_requests_by_kind, "requestTooLarge");
        let limit = store.limits.max_request_bytes;
        return Outcome::respond(GraphResponse::error(
            413,
            "RequestEntityTooLarge",
            &format!("The request body has {bytes} bytes; at most {limit} are accepted."),
        ));
    }
    let base = format!("http://{}/v1.0", req.host);
    let token = match authenticate(emu, req.authorization.as_deref()) {
        Ok(t) => t,
        Err(r) => {
            Stats::bump(
                &mut emu.lock().stats.graph_requests_by_kind,
                "unauthenticated",
            );
            return Outcome::respond(r);
        }
    };
    let body = if req.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => Some(v),
            Err(_) => {
                return Outcome::respond(GraphResponse::bad_request(
                    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
                ))
            }
        }
    };
    if req.path == "$batch" {
        Stats::bump(&mut emu.lock().stats.graph_requests_by_kind, "batch");
        if req.method != "POST" {
            return Outcome::respond(method_not_allowed());
        }
        return crate::batch::run(emu, &token, body, &base).await;
    }
    let call = Call {
        fault_path: format!("/v1.0/{}", req.path),
        method: req.method,
        path: req.path,
        raw_query: req.raw_query,
        prefer: req.prefer,
        if_match: req.if_match,
        body,
        base,
    };
    run_request(emu, &token, FaultScope::Graph, call).await
}

pub fn authenticate(emu: &Emulator, authorization: Option<&str>) -> Result<Token, GraphResponse> {
    let unauthorized = |msg: &str| {
        GraphResponse::error(401, "InvalidAuthenticationToken", msg)
            .with_header("WWW-Authenticate", "Bearer realm=\"\"")
    };
    let raw = authorization.unwrap_or("").trim();
    let token = match raw.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
            t.trim()
        }
        _ => return Err(unauthorized("Access token is empty.")),
    };
    if emu.auth_mode() == crate::AuthMode::Jwt {
        return emu.validate_jwt(token).map_err(unauthorized);
    }
    let store = emu.lock();
    match store.tokens.get(token) {
        None => Err(unauthorized(
            "Access token validation failure. Invalid audience.",
        )),
        Some(t) if t.expires <= Instant::now() => Err(unauthorized(
            "Lifetime validation failed, the token is expired.",
        )),
        Some(t) => Ok(t.clone()),
    }
}

fn method_not_allowed() -> GraphResponse {
    GraphResponse::error(
        405,
        "Request_BadRequest",
        "The HTTP method is not allowed for the requested resource.",
    )
}

fn not_found_segment(seg: &str) -> GraphResponse {
    GraphResponse::error(
        404,
        "ResourceNotFound",
        &format!("Resource not found for the segment '{seg}'."),
    )
}

#[derive(Debug, Clone)]
enum Target {
    /// Folders under a parent chain (`None` = top level: children of the default folder).
    Folders(Option<Vec<String>>),
    Folder(Vec<String>),
    FolderContacts(Vec<String>),
    FolderDelta(Vec<String>),
    Contact(Option<Vec<String>>, String),
    DefaultContacts,
}

struct Route {
    user: Option<String>,
    target: Target,
    kind: &'static str,
    write: bool,
}

fn parse_route(method: &str, path: &str) -> Result<Route, GraphResponse> {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| query::decode(s, false))
        .collect();
    let (user, rest) = match segs.first().map(String::as_str) {
        Some("me") => (None, &segs[1..]),
        Some("users") if segs.len() >= 2 => (Some(segs[1].clone()), &segs[2..]),
        Some(other) => return Err(not_found_segment(other)),
        None => return Err(not_found_segment("")),
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let (target, tail): (Target, &[&str]) = match rest.as_slice() {
        ["contactFolders"] => (Target::Folders(None), &[]),
        ["contacts"] => (Target::DefaultContacts, &[]),
        ["contacts", id] => (Target::Contact(None, id.to_string()), &[]),
        ["contactFolders", id, tail @ ..] => {
            let mut chain = vec![id.to_string()];
            let mut tail = tail;
            while let ["childFolders", child, more @ ..] = tail {
                chain.push(child.to_string());
                tail = more;
            }
            match tail {
                [] => (Target::Folder(chain), &[]),
                ["childFolders"] => (Target::Folders(Some(chain)), &[]),
                ["contacts"] => (Target::FolderContacts(chain), &[]),
                ["contacts", "delta"] => (Target::FolderDelta(chain), &[]),
                ["contacts", cid] => (Target::Contact(Some(chain), cid.to_string()), &[]),
                other => (Target::Folder(chain), other),
            }
        }
        [] => {
            return Err(not_found_segment(
                segs.last().map(String::as_str).unwrap_or(""),
            ))
        }
        [first, ..] => return Err(not_found_segment(first)),
    };
    if let Some(seg) = tail.first() {
        return Err(not_found_segment(seg));
    }
    let kind = match (&target, method) {
        (Target::Folders(_), "GET") => "listFolders",
        (Target::Folders(_), "POST") => "createFolder",
        (Target::Folder(_), "GET") => "getFolder",
        (Target::Folder(_), "DELETE") => "deleteFolder",
        (Target::FolderContacts(_) | Target::DefaultContacts, "GET") => "listContacts",
        (Target::FolderContacts(_) | Target::DefaultContacts, "POST") => "createContact",
        (Target::FolderDelta(_), "GET") => "delta",
        (Target::Contact(..), "GET") => "getContact",
        (Target::Contact(..), "PATCH") => "updateContact",
        (Target::Contact(..), "DELETE") => "deleteContact",
        _ => return Err(method_not_allowed()),
    };
    Ok(Route {
        user,
        target,
        kind,
        write: method != "GET",
    })
}

fn authorize(store: &Store, token: &Token, user: &str, write: bool) -> Result<(), GraphResponse> {
    let denied = || {
        GraphResponse::error(
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    };
    let rw = token.has("contacts.readwrite");
    let rws = token.has("contacts.readwrite.shared");
    let rs = token.has("contacts.read.shared");
    let r = token.has("contacts.read");
    if user == token.user {
        let ok = if write {
            rw || rws
        } else {
            rw || rws || r || rs
        };
        return if ok { Ok(()) } else { Err(denied()) };
    }
    let share = store.shares.get(&(user.to_string(), token.user.clone()));
    let ok = if write {
        rws && share == Some(&ShareAccess::ReadWrite)
    } else {
        (rws || rs) && share.is_some()
    };
    if ok {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Decides an injected fault before the request runs. `Err` = answered (or dropped) already.
pub fn pre_fault(
    emu: &Emulator,
    scope: FaultScope,
    method: &str,
    fault_path: &str,
) -> Result<Option<FaultRule>, Outcome> {
    let mut store = emu.lock();
    let Some(rule) = store.faults.decide(scope, method, fault_path) else {
        return Ok(None);
    };
    store.stats.faults_injected += 1;
    match rule.kind {
        FaultKind::Throttle => {
            let mut r = GraphResponse::error(
                429,
                rule.error_code.as_deref().unwrap_or("TooManyRequests"),
                "Too many requests. Please retry after the time given in Retry-After.",
            );
            if let Some(h) = rule.retry_after_header() {
                r = r.with_header("Retry-After", h);
            }
            Err(Outcome::respond(r))
        }
        FaultKind::Unavailable => {
            let mut r = GraphResponse::error(
                503,
                "ServiceUnavailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            if let Some(h) = rule.retry_after_header() {
                r = r.with_header("Retry-After", h);
            }
            Err(Outcome::respond(r))
        }
        FaultKind::DropBeforeWrite => Err(Outcome {
            response: GraphResponse::empty(500),
            drop_connection: true,
        }),
        FaultKind::ServerError if rule.executed != Some(true) => {
            Err(Outcome::respond(server_error(&rule)))
        }
        _ => Ok(Some(rule)),
    }
}

/// The answer of a `serverError` fault: its status, a Graph-like code, `Retry-After` when set.
pub fn server_error(rule: &FaultRule) -> GraphResponse {
    let status = rule.server_status();
    let (code, message) = match status {
        502 => (
            "BadGateway",
            "The service could not reach a backend. Please retry.",
        ),
        503 => (
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry later.",
        ),
        504 => ("GatewayTimeout", "The request timed out. Please retry."),
        _ => ("InternalServerError", "An internal server error occurred."),
    };
    let mut r = GraphResponse::error(status, rule.error_code.as_deref().unwrap_or(code), message);
    if let Some(h) = rule.retry_after_header() {
        r = r.with_header("Retry-After", h);
    }
    r
}

/// Applies the fault `pre_fault` left for after the request ran: a slow answer, or a lost one.
pub async fn post_fault(mut outcome: Outcome, rule: Option<FaultRule>) -> Outcome {
    if let Some(rule) = rule {
        match rule.kind {
            FaultKind::Slow => {
                tokio::time::sleep(Duration::from_millis(rule.delay_ms.unwrap_or(0))).await
            }
            FaultKind::DropAfterWrite => outcome.drop_connection = true,
            FaultKind::ServerError => outcome.response = server_error(&rule),
            _ => {}
        }
    }
    outcome
}

/// Holds one of a mailbox's concurrency slots; gives it back when dropped.
struct Slot {
    emu: Emulator,
    user: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut store = self.emu.lock();
        let m = store.mailbox(&self.user);
        m.executing = m.executing.saturating_sub(1);
    }
}

fn acquire(emu: &Emulator, user: &str) -> Result<(Slot, u64), GraphResponse> {
    let mut store = emu.lock();
    let limits = store.limits.clone();
    let m = store.mailbox(user);
    let now = Instant::now();
    let window = Duration::from_secs(limits.window_seconds.max(1));
    if now.duration_since(m.window_start) >= window {
        m.window_start = now;
        m.window_count = 0;
    }
    m.window_count += 1;
    if let Some(budget) = limits.budget_per_window {
        if m.window_count > budget {
            let left = window.saturating_sub(now.duration_since(m.window_start));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            store.stats.throttled_budget += 1;
            return Err(GraphResponse::error(
                429,
                "TooManyRequests",
                "Application is over its MailboxRequests limit for this window.",
            )
            .with_header("Retry-After", secs.max(1).to_string()));
        }
    }
    if let Some(max) = limits.max_concurrent_per_mailbox {
        if m.executing >= u64::from(max) {
            store.stats.throttled_concurrency += 1;
            return Err(GraphResponse::throttled_concurrency(
                limits.concurrency_retry_after_seconds,
            ));
        }
    }
    m.executing += 1;
    let executing = m.executing;
    let seen = store
        .stats
        .max_concurrency_observed
        .entry(user.to_string())
        .or_default();
    *seen = (*seen).max(executing);
    Ok((
        Slot {
            emu: emu.clone(),
            user: user.to_string(),
        },
        limits.latency_ms,
    ))
}

/// One request against one mailbox: route, permission, faults, limits, latency, execution.
pub async fn run_request(emu: &Emulator, token: &Token, scope: FaultScope, call: Call) -> Outcome {
    let route = match parse_route(&call.method, &call.path) {
        Ok(r) => r,
        Err(resp) => {
            count_kind(emu, scope, "unknown");
            return Outcome::respond(resp);
        }
    };
    count_kind(emu, scope, route.kind);
    let user = route
        .user
        .clone()
        .map(|u| u.to_lowercase())
        .unwrap_or_else(|| token.user.clone());
    if let Err(resp) = authorize(&emu.lock(), token, &user, route.write) {
        return Outcome::respond(resp);
    }
    let after = match pre_fault(emu, scope, &call.method, &call.fault_path) {
        Ok(rule) => rule,
        Err(outcome) => return outcome,
    };
    let (slot, latency) = match acquire(emu, &user) {
        Ok(s) => s,
        Err(resp) => return Outcome::respond(resp),
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(rule) = after.as_ref().filter(|r| r.kind == FaultKind::LateCommit) {
        drop(slot);
        let emu2 = emu.clone();
        let work = async move { execute_for(&emu2, &user, &route, &call) };
        return match late_commit(emu, rule, work).await {
            Some(response) => Outcome::respond(response),
            None => lost(),
        };
    }
    let response = execute_for(emu, &user, &route, &call);
    drop(slot);
    post_fault(Outcome::respond(response), after).await
}

fn execute_for(emu: &Emulator, user: &str, route: &Route, call: &Call) -> GraphResponse {
    let mut store = emu.lock();
    let conflict = match store.limits.if_match_conflict_status {
        409 => 409,
        _ => 412,
    };
    let mailbox = store.mailbox(user);
    execute(mailbox, route, call, conflict)
}

/// A `lateCommit` fault: `work` runs `commitAfterMs` from now, detached. Without `delayMs`
/// the answer is lost at once (`None`); with it, `work`'s answer comes after
/// max(`delayMs`, `commitAfterMs`).
pub async fn late_commit<T, Fut>(emu: &Emulator, rule: &FaultRule, work: Fut) -> Option<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let started = Instant::now();
    let commit = Duration::from_millis(rule.commit_after_ms.unwrap_or(1000));
    emu.lock().stats.late_commits_pending += 1;
    let task = {
        let emu = emu.clone();
        tokio::spawn(async move {
            tokio::time::sleep(commit).await;
            let answer = work.await;
            let mut store = emu.lock();
            store.stats.late_commits_pending = store.stats.late_commits_pending.saturating_sub(1);
            store.stats.late_commits_done += 1;
            answer
        })
    };
    let ms = rule.delay_ms?;
    let answer = task.await.ok()?;
    tokio::time::sleep(Duration::from_millis(ms).saturating_sub(started.elapsed())).await;
    Some(answer)
}

/// A lost answer.
pub fn lost() -> Outcome {
    Outcome {
        response: GraphResponse::empty(500),
        drop_connection: true,
    }
}

fn count_kind(emu: &Emulator, scope: FaultScope, kind: &str) {
    let mut store = emu.lock();
    if scope == FaultScope::BatchItem {
        Stats::bump(&mut store.stats.batch_items_by_kind, kind);
    } else {
        Stats::bump(&mut store.stats.graph_requests_by_kind, kind);
    }
}

/// Resolves a folder chain (`contactFolders/{a}/childFolders/{b}…`); `contacts` names the
/// default folder.
fn resolve_folder(m: &Mailbox, chain: &[String]) -> Result<String, GraphResponse> {
    let mut parent: Option<String> = None;
    for (i, raw) in chain.iter().enumerate() {
        let id = if i == 0 && raw.eq_ignore_ascii_case("contacts") {
            m.default_id.clone()
        } else {
            raw.clone()
        };
        // Deleted Items is a mail folder, not a contact folder: Graph does not know it here.
        if m.deleted_items_id.as_ref() == Some(&id) {
            return Err(GraphResponse::not_found_item());
        }
        let f = m
            .folders
            .get(&id)
            .ok_or_else(GraphResponse::not_found_item)?;
        if let Some(p) = &parent {
            if &f.parent_id != p {
                return Err(GraphResponse::not_found_item());
            }
        }
        parent = Some(f.id.clone());
    }
    parent.ok_or_else(GraphResponse::not_found_item)
}

fn folder_json(m: &Mailbox, id: &str) -> Value {
    let f = &m.folders[id];
    json!({
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": f.parent_id,
    })
}

struct ListOptions {
    top: usize,
    select: Option<Vec<String>>,
    filter: Option<Filter>,
    expand: Option<Option<String>>,
}

fn list_options(q: &[(String, String)], default_top: usize) -> Result<ListOptions, GraphResponse> {
    let bad = |e: String| GraphResponse::bad_request(&e);
    Ok(ListOptions {
        top: query::parse_top(query::get(q, "$top"), default_top, MAX_PAGE).map_err(bad)?,
        select: query::get(q, "$select")
            .map(query::parse_select)
            .transpose()
            .map_err(bad)?,
        filter: query::get(q, "$filter")
            .map(query::parse_filter)
            .transpose()
            .map_err(bad)?,
        expand: query::get(q, "$expand")
            .map(query::parse_expand)
            .transpose()
            .map_err(bad)?,
    })
}

/// `conflict`: the status of an `If-Match` mismatch (412 or 409).
fn execute(m: &mut Mailbox, route: &Route, call: &Call, conflict: u16) -> GraphResponse {
    match execute_inner(m, route, call, conflict) {
        Ok(r) | Err(r) => r,
    }
}

fn conflict_error(status: u16) -> GraphResponse {
    GraphResponse::error(
        status,
        "ErrorIrresolvableConflict",
        "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
    )
}

fn execute_inner(
    m: &mut Mailbox,
    route: &Route,
    call: &Call,
    conflict: u16,
) -> Result<GraphResponse, GraphResponse> {
    let immutable = call.immutable_ids();
    let q = query::pairs(&call.raw_query);
    let method = call.method.as_str();
    match (&route.target, method) {
        (Target::Folders(parent), "GET") => {
            let parent = match parent {
                None => m.default_id.clone(),
                Some(chain) => resolve_folder(m, chain)?,
            };
            list_folders(m, &parent, &q, call)
        }
        (Target::Folders(parent), "POST") => {
            let parent = match parent {
                None => m.default_id.clone(),
                Some(chain) => resolve_folder(m, chain)?,
            };
            create_folder(m, &parent, call.body.as_ref())
        }
        (Target::Folder(chain), "GET") => {
            let id = resolve_folder(m, chain)?;
            Ok(GraphResponse::json(200, folder_json(m, &id)))
        }
        (Target::Folder(chain), "DELETE") => {
            let id = resolve_folder(m, chain)?;
            if id == m.default_id {
                return Err(GraphResponse::error(
                    403,
                    "ErrorDeleteDistinguishedFolder",
                    "Distinguished folders cannot be deleted.",
                ));
            }
            m.remove_folder(&id);
            Ok(GraphResponse::empty(204))
        }
        (Target::FolderContacts(chain), "GET") => {
            let id = resolve_folder(m, chain)?;
            list_contacts(m, &id, &q, call)
        }
        (Target::DefaultContacts, "GET") => {
            let id = m.default_id.clone();
            list_contacts(m, &id, &q, call)
        }
        (Target::FolderContacts(chain), "POST") => {
            let id = resolve_folder(m, chain)?;
            create_contact(m, &id, call.body.as_ref(), immutable)
        }
        (Target::DefaultContacts, "POST") => {
            let id = m.default_id.clone();
            create_contact(m, &id, call.body.as_ref(), immutable)
        }
        (Target::FolderDelta(chain), "GET") => {
            let id = resolve_folder(m, chain)?;
            delta(m, &id, &q, call)
        }
        (Target::Contact(chain, cid), _) => {
            let folder = chain.as_ref().map(|c| resolve_folder(m, c)).transpose()?;
            let key = m
                .find_contact(cid)
                .ok_or_else(GraphResponse::not_found_item)?;
            let contact = &m.contacts[&key];
            if folder.as_ref().is_some_and(|f| *f != contact.folder_id) {
                return Err(GraphResponse::not_found_item());
            }
            if method != "GET" {
                if let Some(want) = &call.if_match {
                    if !if_match_ok(want, &contact.etag()) {
                        return Err(conflict_error(conflict));
                    }
                }
            }
            match method {
                "GET" => {
                    let opts = list_options(&q, DEFAULT_PAGE)?;
                    Ok(GraphResponse::json(
                        200,
                        contact.render_as(
                            opts.select.as_deref(),
                            opts.expand.as_ref().map(|e| e.as_deref()),
                            immutable,
                        ),
                    ))
                }
                "PATCH" => {
                    let body = call.body.as_ref().ok_or_else(|| {
                        GraphResponse::bad_request("Empty Payload. JSON content expected.")
                    })?;
                    let changes =
                        parse_body(body, true).map_err(|e| GraphResponse::bad_request(&e))?;
                    let mut updated = contact.clone();
                    updated.apply(changes, false);
                    m.contacts.insert(key.clone(), updated);
                    m.touch(&key);
                    Ok(GraphResponse::json(
                        200,
                        m.contacts[&key].render_as(None, None, immutable),
                    ))
                }
                "DELETE" => {
                    // To Deleted Items (soft); a contact already there is purged.
                    m.soft_delete(&key);
                    Ok(GraphResponse::empty(204))
                }
                _ => Err(method_not_allowed()),
            }
        }
        _ => Err(method_not_allowed()),
    }
}

fn list_folders(
    m: &Mailbox,
    parent: &str,
    q: &[(String, String)],
    call: &Call,
) -> Result<GraphResponse, GraphResponse> {
    let top = query::parse_top(query::get(q, "$top"), DEFAULT_PAGE, MAX_PAGE)
        .map_err(|e| GraphResponse::bad_request(&e))?;
    let filter = query::get(q, "$filter")
        .map(query::parse_filter)
        .transpose()
        .map_err(|e| GraphResponse::bad_request(&e))?;
    let name = match filter {
        None => None,
        Some(Filter::DisplayName(n)) => Some(n),
        Some(_) => {
            return Err(GraphResponse::bad_request(
                "Only displayName eq '…' is supported on contact folders.",
            ))
        }
    };
    let after = skip_token(q)?;
    let folders: Vec<&crate::store::Folder> = m
        .child_folders(parent)
        .into_iter()
        .filter(|f| after.is_none_or(|a| f.seq > a))
        .filter(|f| {
            name.as_ref()
                .is_none_or(|n| f.display_name.eq_ignore_ascii_case(n))
        })
        .collect();
    let page: Vec<Value> = folders
        .iter()
        .take(top)
        .map(|f| folder_json(m, &f.id))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/$metadata#users('{}')/contactFolders",
            call.base, m.user
        )),
    );
    body.insert("value".into(), Value::Array(page));
    if folders.len() > top {
        let last = folders[top - 1].seq;
        body.insert("@odata.nextLink".into(), json!(skip_link(call, last)));
    }
    Ok(GraphResponse::json(200, Value::Object(body)))
}

/// The `@odata.nextLink` of a listing whose next page starts after `last`.
fn skip_link(call: &Call, last: u64) -> String {
    query::link(
        &call.base,
        &call.path,
        &call.raw_query,
        &["$skiptoken"],
        "$skiptoken",
        &format!("S{last}"),
    )
}

fn skip_token(q: &[(String, String)]) -> Result<Option<u64>, GraphResponse> {
    match query::get(q, "$skiptoken") {
        None => Ok(None),
        Some(t) => t
            .strip_prefix('S')
            .and_then(|n| n.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| GraphResponse::bad_request("The $skiptoken is not valid.")),
    }
}

fn create_folder(
    m: &mut Mailbox,
    parent: &str,
    body: Option<&Value>,
) -> Result<GraphResponse, GraphResponse> {
    let name = body
        .and_then(|b| b.get("displayName"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            GraphResponse::error(
                400,
                "ErrorInvalidRequest",
                "The folder displayName is required.",
            )
        })?
        .to_string();
    if m.child_folders(parent)
        .iter()
        .any(|f| f.display_name.eq_ignore_ascii_case(&name))
    {
        return Err(GraphResponse::error(
            409,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        ));
    }
    let id = m.add_folder(&name, parent);
    Ok(GraphResponse::json(201, folder_json(m, &id)))
}

fn matches(c: &Contact, f: &Filter) -> bool {
    match f {
        Filter::Email(addr) => c.has_email(addr),
        // Graph compares the value case-insensitively (`abc1` finds `ABC1`).
        Filter::Ext { key, value } => c.ext_value(key).is_some_and(|v| eq_ignore_case(v, value)),
        Filter::DisplayName(n) => c
            .get("displayName")
            .and_then(Value::as_str)
            .is_some_and(|d| d.eq_ignore_ascii_case(n)),
        Filter::Category(name) => match c.get("categories") {
            Some(Value::Array(list)) => list
                .iter()
                .any(|v| v.as_str().is_some_and(|v| eq_ignore_case(v, name))),
            _ => false,
        },
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn list_contacts(
    m: &Mailbox,
    folder: &str,
    q: &[(String, String)],
    call: &Call,
) -> Result<GraphResponse, GraphResponse> {
    let opts = list_options(q, DEFAULT_PAGE)?;
    if matches!(opts.filter, Some(Filter::DisplayName(_))) {
        return Err(GraphResponse::bad_request(
            "Unsupported filter on contacts.",
        ));
    }
    // Paging is by offset, as on Graph: `$skip` counts the contacts (that pass the filter)
    // before the page, so a contact deleted between pages shifts the next one out of them.
    let skip = match query::get(q, "$skip") {
        None => 0,
        Some(v) => v.trim().parse::<usize>().map_err(|_| {
            GraphResponse::bad_request(&format!(
                "Invalid $skip value '{v}': expected a non-negative integer."
            ))
        })?,
    };
    let immutable = call.immutable_ids();
    let f = &m.folders[folder];
    let ids = f.contacts.values();
    // Unfiltered, the skipped contacts are not even looked up.
    let mut selected: Box<dyn Iterator<Item = &Contact>> = match &opts.filter {
        None => Box::new(ids.skip(skip).map(|id| &m.contacts[id])),
        Some(flt) => Box::new(
            ids.map(|id| &m.contacts[id])
                .filter(move |c| matches(c, flt))
                .skip(skip),
        ),
    };
    // Written straight to text (a page of 1,000 is ~1 MB): the same JSON as building the
    // `Value`s, keys in the same order ("@odata.context" < "@odata.nextLink" < "value").
    let expand = opts.expand.as_ref().map(|e| e.as_deref());
    let mut text = Vec::with_capacity(opts.top.min(1000) * 900 + 512);
    text.extend_from_slice(b"{\"@odata.context\":");
    let context = format!(
        "{}/$metadata#users('{}')/contactFolders('{}')/contacts",
        call.base, m.user, folder
    );
    write_json(&mut text, &context);
    let mut items = Vec::with_capacity(opts.top.min(1000) * 900);
    let mut count = 0;
    for c in selected.by_ref().take(opts.top) {
        items.push(if count == 0 { b'[' } else { b',' });
        write_json(
            &mut items,
            &c.view(opts.select.as_deref(), expand, immutable),
        );
        count += 1;
    }
    if count == 0 {
        items.push(b'[');
    }
    items.push(b']');
    let more = count == opts.top && selected.next().is_some();
    if more {
        let next = skip + count;
        text.extend_from_slice(b",\"@odata.nextLink\":");
        let link = query::link(
            &call.base,
            &call.path,
            &call.raw_query,
            &["$skip", "$skiptoken"],
            "$skip",
            &next.to_string(),
        );
        write_json(&mut text, &link);
    }
    text.extend_from_slice(b",\"value\":");
    text.extend_from_slice(&items);
    text.push(b'}');
    Ok(GraphResponse::raw_json(200, text))
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing to a Vec fails only on a serializer error, which these types never give.
    let _ = serde_json::to_writer(out, value);
}

fn create_contact(
    m: &mut Mailbox,
    folder: &str,
    body: Option<&Value>,
    immutable: bool,
) -> Result<GraphResponse, GraphResponse> {
    let body =
        body.ok_or_else(|| GraphResponse::bad_request("Empty Payload. JSON content expected."))?;
    let changes = parse_body(body, true).map_err(|e| GraphResponse::bad_request(&e))?;
    let mut c = Contact::default();
    c.apply(changes, true);
    let id = m.insert_contact(folder, c);
    Ok(GraphResponse::json(
        201,
        m.contacts[&id].render_as(None, None, immutable),
    ))
}

fn gone() -> GraphResponse {
    GraphResponse::error(
        410,
        "SyncStateNotFound",
        "The sync state generation is not found or has expired. Start a new sync without a token.",
    )
}

/// Delta: `$skiptoken=D{epoch}.{since}.{upto}.{after}` pages through changes with
/// `since < version <= upto`; the last page carries `$deltatoken=D{epoch}.{upto}`.
fn delta(
    m: &Mailbox,
    folder: &str,
    q: &[(String, String)],
    call: &Call,
) -> Result<GraphResponse, GraphResponse> {
    let select = query::get(q, "$select")
        .map(query::parse_select)
        .transpose()
        .map_err(|e| GraphResponse::bad_request(&e))?;
    let page_size = call
        .prefer
        .as_deref()
        .and_then(|p| {
            p.split(',')
                .find_map(|x| x.trim().strip_prefix("odata.maxpagesize="))
                .and_then(|n| n.trim().parse::<usize>().ok())
        })
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let parse = |t: &str, n: usize| -> Option<Vec<u64>> {
        let nums: Option<Vec<u64>> = t
            .strip_prefix('D')?
            .split('.')
            .map(|x| x.parse().ok())
            .collect();
        nums.filter(|v| v.len() == n && v[0] == m.delta_epoch)
    };
    let (since, upto, after) = if let Some(t) = query::get(q, "$skiptoken") {
        let v = parse(t, 4).ok_or_else(gone)?;
        (v[1], v[2], v[3])
    } else if let Some(t) = query::get(q, "$deltatoken") {
        let v = parse(t, 2).ok_or_else(gone)?;
        (v[1], m.version, v[1])
    } else {
        (0, m.version, 0)
    };
    let immutable = call.immutable_ids();
    let f = &m.folders[folder];
    let mut page = vec![];
    let mut last = after;
    let mut more = false;
    // An empty window (no change since the token) must not build an inverted range: that panics.
    let window = match after.checked_add(1) {
        Some(lo) if lo <= upto => f.changes.range(lo..=upto),
        _ => f.changes.range(0..0),
    };
    for (version, change) in window {
        if page.len() == page_size {
            more = true;
            break;
        }
        last = *version;
        match change {
            Change::Live(id) => {
                if let Some(c) = m.contacts.get(id) {
                    page.push(c.render_as(select.as_deref(), None, immutable));
                }
            }
            Change::Removed {
                id,
                immutable_id,
                reason,
            } if since > 0 => page.push(json!({
                "@odata.type": "#microsoft.graph.contact",
                "id": if immutable { immutable_id } else { id },
                "@removed": {"reason": reason}
            })),
            Change::Removed { .. } => {}
        }
    }
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#Collection(contact)", call.base)),
    );
    body.insert("value".into(), Value::Array(page));
    let epoch = m.delta_epoch;
    let drop = ["$skiptoken", "$deltatoken"];
    if more {
        body.insert(
            "@odata.nextLink".into(),
            json!(query::link(
                &call.base,
                &call.path,
                &call.raw_query,
                &drop,
                "$skiptoken",
                &format!("D{epoch}.{since}.{upto}.{last}")
            )),
        );
    } else {
        body.insert(
            "@odata.deltaLink".into(),
            json!(query::link(
                &call.base,
                &call.path,
                &call.raw_query,
                &drop,
                "$deltatoken",
                &format!("D{epoch}.{upto}")
            )),
        );
    }
    Ok(GraphResponse::json(200, Value::Object(body)))
}
