//! A model mailbox for the executor machine, and a driver that plays the async loop of
//! `sync::execute` against it (including `send_once`'s one renewal of a refused token).
//!
//! The mailbox runs `$batch` items in order (POST create, PATCH of an existing id or 404, GET
//! lookups), answers lookups case-insensitively on the Central id as Graph does — two to a
//! page, so next-page links are followed — and deletes; a request body over its limit (when
//! set) is refused whole with 413, as Graph does past 4 MB. Faults are taken in order, one per
//! request that reaches it (`TopFault`) and one per batch item (`ItemFault`); once a list is
//! used up, everything succeeds. A late commit lands after N more requests, or at the latest
//! when the run's final lookups arrive (the run has settled: DESIGN §8 looks again then).

use std::collections::{HashMap, VecDeque};

use central_o365_sync::engine::CENTRAL_ID_PROPERTY;
use central_o365_sync::sync::machine::{
    Answer, Machine, MachineSettings, Method, Request, RetryPolicy, Step, Target,
};
use central_o365_sync::sync::{Progress, RunOutcome, WriteKind};
use central_o365_sync::{ErrorCode, SyncError};
use serde_json::{json, Map, Value};

pub const BASE: &str = "https://graph.test/v1.0";
/// A folder id that needs percent-encoding.
pub const FOLDER: &str = "AQMk/F+1=";
/// Contacts per page of a lookup answer.
pub const PAGE: usize = 2;
/// A run that has not finished after this many steps is taken as one that never ends.
pub const MAX_STEPS: usize = 20_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: String,
    pub central_id: Option<String>,
    pub fields: Map<String, Value>,
    /// Its change counter: `@odata.etag` is `W/"<changes>"`; every write moves it.
    pub changes: u64,
}

impl Contact {
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.changes)
    }
}

/// A fault of a request that reaches the mailbox (a `$batch`, a lookup page, a DELETE).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TopFault {
    None,
    /// 429, with a readable `Retry-After` or without.
    Throttle(Option<f64>),
    /// 503: nothing ran.
    Unavailable(Option<f64>),
    /// 504, after the request ran or before.
    GatewayTimeout {
        ran: bool,
    },
    /// No answer; nothing ran.
    LostBefore,
    /// It ran (committed), then the answer was lost.
    LostAfter,
    /// No answer; its writes land after this many more requests.
    LateCommit(u64),
    /// The token expires just before it: 401 (the driver renews once and sends it again).
    ExpireToken,
    /// A `$batch` answer leaves out its last `count` items, which ran or not.
    MissingItems {
        count: usize,
        ran: bool,
    },
    /// 403: the token lacks the permission.
    Forbidden,
    /// The host gives no token: nothing is sent.
    NoToken,
}

/// A fault of one item of a `$batch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ItemFault {
    None,
    Throttle(Option<f64>),
    Unavailable(Option<f64>),
    GatewayTimeout {
        ran: bool,
    },
    /// 504; the write lands after this many more requests.
    LateCommit(u64),
    /// 401 for this item; nothing ran.
    Unauthorized,
    /// Ran, but the 201 carries no id.
    NoId,
    /// 400: refused for good.
    BadRequest,
    /// 413: this item alone is too large; nothing ran.
    TooLarge,
}

#[derive(Debug, Default)]
pub struct Faults {
    pub top: VecDeque<TopFault>,
    pub items: VecDeque<ItemFault>,
    /// The host cancels before this step.
    pub cancel_at_step: Option<usize>,
    /// The host cannot give a fresh token.
    pub refresh_fails: bool,
    /// The host's plan of a record again over its contact read after a 412 (`Step::Replan`):
    /// none plans nothing (the record fails).
    pub replan: Option<Replan>,
}

/// See [`Faults::replan`]: the update's new body and etag, or `None`.
pub type Replan = fn(&str, &Value) -> Option<(Value, String)>;

#[derive(Debug, Clone)]
enum Op {
    Create(Value),
    /// The contact's id, the body, the `If-Match` sent (412 when it is not the etag now).
    Patch(String, Value, Option<String>),
    Delete(String),
}

#[derive(Debug, Default)]
pub struct Mailbox {
    pub contacts: Vec<Contact>,
    next_id: u64,
    /// Writes to land: (at request number, op).
    late: Vec<(u64, Op)>,
    /// Requests that reached the mailbox.
    pub requests: u64,
    token_expired: bool,
    /// Contacts deleted, by id.
    pub deleted: Vec<String>,
    /// A request whose body has more bytes → 413 `RequestEntityTooLarge`, nothing run.
    pub max_request_bytes: Option<usize>,
}

impl Mailbox {
    /// Adds a contact as if it had been there before the run; returns its id.
    pub fn seed(&mut self, central_id: Option<&str>, fields: Value) -> String {
        let id = self.new_id();
        self.contacts.push(Contact {
            id: id.clone(),
            central_id: central_id.map(str::to_owned),
            fields: fields.as_object().cloned().unwrap_or_default(),
            changes: 0,
        });
        id
    }

    /// The user edits a contact in Outlook: its fields change, and so does its etag.
    pub fn user_edit(&mut self, id: &str, fields: Value) {
        let c = self
            .contacts
            .iter_mut()
            .find(|c| c.id == id)
            .expect("a contact");
        c.fields
            .extend(fields.as_object().cloned().unwrap_or_default());
        c.changes += 1;
    }

    /// Contacts whose stored Central id is exactly `central_id`.
    pub fn exact(&self, central_id: &str) -> Vec<&Contact> {
        self.contacts
            .iter()
            .filter(|c| c.central_id.as_deref() == Some(central_id))
            .collect()
    }

    pub fn by_id(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    pub fn land_all(&mut self) {
        for (_, op) in std::mem::take(&mut self.late) {
            self.apply(op);
        }
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        // Ids that need percent-encoding in a URL.
        format!("AAMk{}+/=", self.next_id)
    }

    fn land_due(&mut self) {
        let now = self.requests;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.late)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.late = later;
        for (_, op) in due {
            self.apply(op);
        }
    }

    /// Runs a write; its answer (status, body).
    fn apply(&mut self, op: Op) -> (u16, Value) {
        match op {
            Op::Create(body) => {
                let id = self.new_id();
                let (central_id, fields) = split_body(&body);
                self.contacts.push(Contact {
                    id: id.clone(),
                    central_id,
                    fields,
                    changes: 0,
                });
                (201, json!({ "id": id }))
            }
            Op::Patch(id, body, if_match) => {
                let (central_id, fields) = split_body(&body);
                match self.contacts.iter_mut().find(|c| c.id == id) {
                    Some(c) if if_match.as_ref().is_some_and(|e| *e != c.etag()) => {
                        (412, error_body("ErrorIrresolvableConflict"))
                    }
                    Some(c) => {
                        c.changes += 1;
                        c.fields.extend(fields);
                        if central_id.is_some() {
                            c.central_id = central_id;
                        }
                        (200, json!({ "id": id }))
                    }
                    None => (404, error_body("ErrorItemNotFound")),
                }
            }
            Op::Delete(id) => match self.contacts.iter().position(|c| c.id == id) {
                Some(i) => {
                    self.contacts.remove(i);
                    self.deleted.push(id);
                    (204, Value::Null)
                }
                None => (404, error_body("ErrorItemNotFound")),
            },
        }
    }

    /// A lookup page: contacts whose Central id equals the filter's value IGNORING CASE.
    fn lookup(&self, path: &str, query: &str) -> (u16, Value) {
        let params = query_params(query);
        let filter = params.get("$filter").expect("a lookup filters");
        let prefix = format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq '{CENTRAL_ID_PROPERTY}' and ep/value eq "
        );
        let literal = filter
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or_else(|| panic!("unexpected filter {filter}"));
        let value = unquote(literal);
        assert_eq!(params.get("$select").map(String::as_str), Some("id"));
        assert_eq!(
            params.get("$expand").cloned(),
            Some(format!(
                "singleValueExtendedProperties($filter=id eq '{CENTRAL_ID_PROPERTY}')"
            ))
        );
        let skip: usize = params.get("$skip").map_or(0, |s| s.parse().unwrap());
        let hits: Vec<&Contact> = self
            .contacts
            .iter()
            .filter(|c| {
                c.central_id
                    .as_deref()
                    .is_some_and(|id| id.to_lowercase() == value.to_lowercase())
            })
            .collect();
        let page: Vec<Value> = hits
            .iter()
            .skip(skip)
            .take(PAGE)
            .map(|c| {
                json!({ "id": c.id, "singleValueExtendedProperties":
                        [{ "id": CENTRAL_ID_PROPERTY, "value": c.central_id }] })
            })
            .collect();
        let mut out = json!({ "value": page });
        if skip + PAGE < hits.len() {
            let rest: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("$skip="))
                .collect();
            out["@odata.nextLink"] = json!(format!(
                "{BASE}{path}?{}&$skip={}",
                rest.join("&"),
                skip + PAGE
            ));
        }
        (200, out)
    }

    /// One request (or batch item) on its path: the op it is, or a lookup's answer.
    fn route(
        &self,
        method: &str,
        url: &str,
        body: Option<Value>,
        if_match: Option<String>,
    ) -> Result<Op, (u16, Value)> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let segs: Vec<String> = path.split('/').skip(1).map(decode).collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        match (method, segs.as_slice()) {
            ("GET", ["me", "contactFolders", f, "contacts"]) if *f == FOLDER => {
                Err(self.lookup(path, query))
            }
            ("POST", ["me", "contactFolders", f, "contacts"]) if *f == FOLDER => {
                Ok(Op::Create(body.expect("a create has a body")))
            }
            ("PATCH", ["me", "contacts", id]) => Ok(Op::Patch(
                id.to_string(),
                body.expect("an update has a body"),
                if_match,
            )),
            ("DELETE", ["me", "contacts", id]) => Ok(Op::Delete(id.to_string())),
            // A contact read back: its fields, as Graph renders them.
            ("GET", ["me", "contacts", id]) => Err(match self.by_id(id) {
                Some(c) => {
                    let mut v = Value::Object(c.fields.clone());
                    v["id"] = json!(c.id);
                    v["@odata.etag"] = json!(c.etag());
                    (200, v)
                }
                None => (404, error_body("ErrorItemNotFound")),
            }),
            _ => panic!("the model does not know {method} {url}"),
        }
    }
}

fn split_body(body: &Value) -> (Option<String>, Map<String, Value>) {
    let mut fields = body.as_object().cloned().unwrap_or_default();
    let central_id = fields
        .remove("singleValueExtendedProperties")
        .and_then(|p| {
            p.as_array()?
                .iter()
                .find(|e| e["id"] == CENTRAL_ID_PROPERTY)
                .and_then(|e| e["value"].as_str().map(str::to_owned))
        });
    (central_id, fields)
}

fn error_body(code: &str) -> Value {
    json!({ "error": { "code": code, "message": format!("model: {code}") } })
}

/// Percent-decoding of a URL part.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn query_params(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// An OData string literal's value (`'o''neil'` → `o'neil`).
fn unquote(literal: &str) -> String {
    let inner = literal
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
        .unwrap_or_else(|| panic!("not a literal: {literal}"));
    inner.replace("''", "'")
}

/// What a run did, as the driver saw it.
#[derive(Debug)]
pub struct Report {
    pub outcome: RunOutcome,
    /// Requests, waits and token renewals, in words (see `describe`).
    pub log: Vec<String>,
    /// Writes (batch items) the machine sent, per record.
    pub writes: Vec<u32>,
    pub progress: Vec<Progress>,
    pub steps: usize,
    pub terminated: bool,
    /// Requests as the machine emitted them.
    pub requests: Vec<Request>,
    /// `$batch`es of lookups sent in the rounds (not the final lookups).
    pub round_lookups: usize,
    /// Requests answered 413 (too large) as a whole.
    pub refused_as_too_large: usize,
}

pub fn settings(retry: RetryPolicy, concurrency: usize) -> MachineSettings {
    MachineSettings {
        mailbox: "/me".to_owned(),
        folder_id: FOLDER.to_owned(),
        base_url: BASE.to_owned(),
        concurrency,
        look_before_create: false,
        retry,
        jitter: Box::new(|| 0.5),
    }
}

/// Drives a machine for `writes` against the mailbox, as `sync::execute` does.
pub fn drive(
    mailbox: &mut Mailbox,
    writes: Vec<(String, WriteKind)>,
    retry: RetryPolicy,
    concurrency: usize,
    faults: Faults,
) -> Report {
    drive_with(mailbox, writes, settings(retry, concurrency), faults)
}

/// [`drive`] with the machine's settings given whole.
pub fn drive_with(
    mailbox: &mut Mailbox,
    writes: Vec<(String, WriteKind)>,
    settings: MachineSettings,
    mut faults: Faults,
) -> Report {
    let n = writes.len();
    let mut m = Machine::new(writes, settings);
    let mut report = Report {
        outcome: RunOutcome {
            records: vec![],
            cancelled: false,
            error: None,
            duplicates_removed: 0,
        },
        log: vec![],
        writes: vec![0; n],
        progress: vec![],
        steps: 0,
        terminated: false,
        requests: vec![],
        round_lookups: 0,
        refused_as_too_large: 0,
    };
    let mut host_cancelled = false;
    for step_no in 0..MAX_STEPS {
        report.steps = step_no + 1;
        if faults.cancel_at_step == Some(step_no) {
            host_cancelled = true;
            report.log.push("cancel".to_owned());
            m.cancel();
        }
        match m.next_step() {
            Step::Send(requests) => {
                let settled = m.in_final_lookups();
                for r in &requests {
                    report.log.push(describe(r));
                    report.requests.push(r.clone());
                    if is_lookup_batch(r) && !settled {
                        report.round_lookups += 1;
                    }
                }
                for r in requests {
                    let answer = mailbox.serve(&r, settled, &mut faults, &mut report.log);
                    // A batch refused as too large ran nothing: not a write of its records.
                    if matches!(answer, Answer::Http { status: 413, .. }) {
                        report.refused_as_too_large += 1;
                    } else {
                        count_writes(&r, &mut report.writes);
                    }
                    m.answer(r.tag, answer);
                }
            }
            Step::Wait {
                seconds,
                cancellable,
            } => {
                let cut = cancellable && host_cancelled;
                report.log.push(format!(
                    "wait {seconds}{}{}",
                    if cancellable { " (cancellable)" } else { "" },
                    if cut { ", cut short" } else { "" }
                ));
                m.waited(!cut);
            }
            Step::RefreshToken => {
                report.log.push("refresh token".to_owned());
                m.token_refreshed(mailbox.refresh(&faults));
            }
            Step::Replan {
                central_id,
                contact,
            } => {
                let write = faults.replan.and_then(|f| f(&central_id, &contact));
                report.log.push(format!(
                    "replan {central_id}: {}",
                    if write.is_some() {
                        "holds"
                    } else {
                        "does not hold"
                    }
                ));
                m.replanned(write);
            }
            Step::Progress(p) => report.progress.push(p),
            Step::Done => {
                report.terminated = true;
                break;
            }
        }
    }
    mailbox.land_all();
    report.outcome = m.outcome();
    report
}

impl Mailbox {
    fn refresh(&mut self, faults: &Faults) -> Result<(), SyncError> {
        if faults.refresh_fails {
            return Err(SyncError::new(
                ErrorCode::Unauthorized,
                "the host did not give a token",
            ));
        }
        self.token_expired = false;
        Ok(())
    }

    /// `send_once`: the current token; on a 401, one fresh token and the request again.
    /// `settled`: the run is making its final lookups.
    fn serve(
        &mut self,
        r: &Request,
        settled: bool,
        faults: &mut Faults,
        log: &mut Vec<String>,
    ) -> Answer {
        // The run's final lookups: it has settled, so every late commit has landed.
        if settled && is_lookup_batch(r) {
            self.land_all();
        }
        let first = self.receive(r, faults);
        if !matches!(first, Answer::Http { status: 401, .. }) {
            return first;
        }
        log.push("  (401: send_once renews the token and resends)".to_owned());
        if let Err(e) = self.refresh(faults) {
            return Answer::NoToken(e);
        }
        self.receive(r, faults)
    }

    fn receive(&mut self, r: &Request, faults: &mut Faults) -> Answer {
        let fault = faults.top.pop_front().unwrap_or(TopFault::None);
        if fault == TopFault::NoToken {
            return Answer::NoToken(SyncError::new(
                ErrorCode::Unauthorized,
                "the host did not give a token",
            ));
        }
        self.requests += 1;
        self.land_due();
        if fault == TopFault::ExpireToken {
            self.token_expired = true;
        }
        if self.token_expired {
            return http(401, None, error_body("InvalidAuthenticationToken"));
        }
        let bytes = r.body.as_ref().map_or(0, String::len);
        if self.max_request_bytes.is_some_and(|limit| bytes > limit) {
            return http(413, None, error_body("RequestEntityTooLarge"));
        }
        match fault {
            TopFault::Throttle(ra) => return http(429, ra, error_body("TooManyRequests")),
            TopFault::Unavailable(ra) => return http(503, ra, error_body("ServiceUnavailable")),
            TopFault::Forbidden => return http(403, None, error_body("ErrorAccessDenied")),
            TopFault::LostBefore => return lost(),
            TopFault::GatewayTimeout { ran: false } => {
                return http(504, None, error_body("GatewayTimeout"))
            }
            _ => {}
        }
        let late = match fault {
            TopFault::LateCommit(n) => Some(n),
            _ => None,
        };
        let missing = match fault {
            TopFault::MissingItems { count, ran } => Some((count, ran)),
            _ => None,
        };
        let url = match &r.url {
            Target::Relative(p) => p.clone(),
            Target::Absolute(u) => u
                .strip_prefix(BASE)
                .unwrap_or_else(|| panic!("a request left Graph: {u}"))
                .to_owned(),
        };
        let (status, body) = if url == "/$batch" {
            assert_eq!(r.method, Method::Post);
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            self.batch(&body, late, missing, faults)
        } else {
            let method = match r.method {
                Method::Get => "GET",
                Method::Post => "POST",
                Method::Delete => "DELETE",
            };
            let body = r.body.as_deref().map(|b| serde_json::from_str(b).unwrap());
            match self.route(method, &url, body, None) {
                Err(answer) => answer,
                Ok(op) => match late {
                    Some(n) => {
                        self.late.push((self.requests + n, op));
                        (0, Value::Null)
                    }
                    None => self.apply(op),
                },
            }
        };
        match fault {
            TopFault::LostAfter | TopFault::LateCommit(_) => lost(),
            TopFault::GatewayTimeout { ran: true } => http(504, None, error_body("GatewayTimeout")),
            _ => http(status, None, body),
        }
    }

    fn batch(
        &mut self,
        body: &Value,
        late: Option<u64>,
        missing: Option<(usize, bool)>,
        faults: &mut Faults,
    ) -> (u16, Value) {
        let items = body["requests"].as_array().expect("a batch has requests");
        assert!(!items.is_empty() && items.len() <= 20, "1 to 20 items");
        let omitted = match missing {
            Some((count, _)) => items.len() - count.min(items.len()),
            None => items.len(),
        };
        let mut responses = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for (k, item) in items.iter().enumerate() {
            let id = item["id"].as_str().expect("string ids").to_owned();
            assert!(ids.insert(id.clone()), "ids unique in a batch");
            let url = item["url"].as_str().unwrap();
            assert!(url.starts_with('/'), "relative item urls");
            assert_eq!(item["headers"]["Prefer"], "IdType=\"ImmutableId\"");
            let body = item.get("body").cloned();
            if body.is_some() {
                assert_eq!(item["headers"]["Content-Type"], "application/json");
            }
            if k >= omitted && missing.is_some_and(|(_, ran)| !ran) {
                continue;
            }
            let fault = faults.items.pop_front().unwrap_or(ItemFault::None);
            let if_match = item["headers"]["If-Match"].as_str().map(str::to_owned);
            let (status, headers, answer) = self.item(
                item["method"].as_str().unwrap(),
                url,
                body,
                if_match,
                fault,
                late,
            );
            if k < omitted {
                let mut r = json!({ "id": id, "status": status, "headers": headers });
                if !answer.is_null() {
                    r["body"] = answer;
                }
                responses.push(r);
            }
        }
        // Graph answers in any order.
        responses.reverse();
        (200, json!({ "responses": responses }))
    }

    fn item(
        &mut self,
        method: &str,
        url: &str,
        body: Option<Value>,
        if_match: Option<String>,
        fault: ItemFault,
        late: Option<u64>,
    ) -> (u16, Value, Value) {
        let refused = |status: u16, ra: Option<f64>, code: &str| {
            let headers = match ra {
                Some(s) => json!({ "Retry-After": s.to_string() }),
                None => json!({}),
            };
            (status, headers, error_body(code))
        };
        match fault {
            ItemFault::Throttle(ra) => return refused(429, ra, "TooManyRequests"),
            ItemFault::Unavailable(ra) => return refused(503, ra, "ServiceUnavailable"),
            ItemFault::Unauthorized => return refused(401, None, "InvalidAuthenticationToken"),
            ItemFault::BadRequest => return refused(400, None, "ErrorInvalidRequest"),
            ItemFault::TooLarge => return refused(413, None, "RequestEntityTooLarge"),
            ItemFault::GatewayTimeout { ran: false } => {
                return refused(504, None, "GatewayTimeout")
            }
            _ => {}
        }
        let op = match self.route(method, url, body, if_match) {
            Err((status, answer)) => return (status, json!({}), answer),
            Ok(op) => op,
        };
        let late = match fault {
            ItemFault::LateCommit(n) => Some(n),
            _ => late,
        };
        if let Some(n) = late {
            self.late.push((self.requests + n, op));
            return refused(504, None, "GatewayTimeout");
        }
        let (status, answer) = self.apply(op);
        match fault {
            ItemFault::GatewayTimeout { ran: true } => refused(504, None, "GatewayTimeout"),
            ItemFault::NoId => (status, json!({}), json!({})),
            _ => (status, json!({}), answer),
        }
    }
}

fn http(status: u16, retry_after: Option<f64>, body: Value) -> Answer {
    Answer::Http {
        status,
        retry_after,
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
    }
}

fn lost() -> Answer {
    Answer::Lost {
        message: "connection closed".to_owned(),
    }
}

fn batch_items(r: &Request) -> Option<Vec<Value>> {
    let url_is_batch = matches!(&r.url, Target::Relative(p) if p == "/$batch");
    if !url_is_batch {
        return None;
    }
    let body: Value = serde_json::from_str(r.body.as_deref()?).ok()?;
    body["requests"].as_array().cloned()
}

fn is_lookup_batch(r: &Request) -> bool {
    batch_items(r).is_some_and(|items| items.iter().all(|i| i["method"] == "GET"))
}

fn count_writes(r: &Request, writes: &mut [u32]) {
    for item in batch_items(r).unwrap_or_default() {
        if item["method"] == "POST" || item["method"] == "PATCH" {
            let j: usize = item["id"].as_str().unwrap().parse().unwrap();
            writes[j] += 1;
        }
    }
}

/// A request in words: `$batch [POST ab0 #0, PATCH AAMk1+/= #1]`, `GET lookup ab0`,
/// `GET lookup ab0 $skip=2`, `DELETE AAMk3+/=`.
pub fn describe(r: &Request) -> String {
    if let Some(items) = batch_items(r) {
        let words: Vec<String> = items
            .iter()
            .map(|i| {
                let url = i["url"].as_str().unwrap();
                let what = match i["method"].as_str().unwrap() {
                    "POST" => format!("POST {}", central_id_of(&i["body"])),
                    "PATCH" => format!("PATCH {}", decode(url.rsplit('/').next().unwrap())),
                    _ => format!("GET {}", looked_up(url)),
                };
                format!("{what} #{}", i["id"].as_str().unwrap())
            })
            .collect();
        return format!("$batch [{}]", words.join(", "));
    }
    match (&r.method, &r.url) {
        (Method::Get, Target::Relative(url)) if url.starts_with("/me/contacts/") => {
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            let id = decode(path.rsplit('/').next().unwrap());
            if query.contains("$select=") {
                format!("GET contact {id} (to plan again)")
            } else {
                format!("GET contact {id}")
            }
        }
        (Method::Get, Target::Relative(url)) => format!("GET lookup {}", looked_up(url)),
        (Method::Get, Target::Absolute(url)) => {
            let skip = url.rsplit("$skip=").next().unwrap();
            format!("GET lookup {} $skip={skip}", looked_up(url))
        }
        (Method::Delete, Target::Relative(url)) => {
            format!("DELETE {}", decode(url.rsplit('/').next().unwrap()))
        }
        other => format!("{other:?}"),
    }
}

fn central_id_of(body: &Value) -> String {
    split_body(body).0.unwrap_or_default()
}

fn looked_up(url: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let filter = query_params(query).remove("$filter").unwrap_or_default();
    let literal = filter
        .rsplit("ep/value eq ")
        .next()
        .unwrap_or("")
        .trim_end_matches(')');
    unquote(literal)
}
