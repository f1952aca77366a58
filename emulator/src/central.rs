//! Central's record API (DESIGN §2) for contacts and accounts: the active listing
//! `GET /central/api/{kind}?status=&pageSize=&page=` → `{"items":[…],"nextPage":N+1|null}`,
//! and one record's `GET`, `PATCH`/`DELETE` on `If-Match`, and `POST`. Each call passes the
//! same auth check and Central-scope fault rules; errors are `{"error":{"code","message"}}`.

use crate::faults::{FaultKind, FaultRule, FaultScope};
use crate::query;
use crate::records::{self, ApiError, Found};
use crate::store::{CentralKind, CentralSettings, Stats};
use crate::Emulator;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::time::Duration;

/// A record body larger than this is refused (413): records are a few hundred bytes.
const MAX_RECORD_BYTES: usize = 1 << 20;

pub(crate) fn reply(status: u16, body: String, extra: &[(header::HeaderName, String)]) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.headers_mut().insert(name.clone(), v);
        }
    }
    resp
}

/// Central's error envelope.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({ "error": { "code": code, "message": message } }).to_string();
    reply(status, body, &[])
}

pub(crate) fn with_retry_after(mut resp: Response, rule: &FaultRule) -> Response {
    if let Some(h) = rule.retry_after_header() {
        if let Ok(v) = HeaderValue::from_str(&h) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

pub(crate) fn server_error(rule: &FaultRule) -> Response {
    let status = rule.server_status();
    let code = match status {
        502 => "badGateway",
        503 => "serviceUnavailable",
        504 => "gatewayTimeout",
        _ => "internalError",
    };
    with_retry_after(
        error(
            status,
            rule.error_code.as_deref().unwrap_or(code),
            "Server error",
        ),
        rule,
    )
}

pub(crate) fn throttled(rule: &FaultRule) -> Response {
    with_retry_after(error(429, "tooManyRequests", "Too many requests"), rule)
}

pub(crate) fn unavailable(rule: &FaultRule) -> Response {
    with_retry_after(
        error(503, "serviceUnavailable", "Service unavailable"),
        rule,
    )
}

/// The 401 when Central requires a bearer token (`requiredToken`) and the request lacks it.
pub(crate) fn unauthorised(settings: &CentralSettings, headers: &HeaderMap) -> Option<Response> {
    let required = settings.required_token.as_ref()?;
    let ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.trim().split_once(' '))
        .is_some_and(|(s, t)| s.eq_ignore_ascii_case("bearer") && t.trim() == required);
    if ok {
        return None;
    }
    let mut a = error(401, "unauthorized", "A valid bearer token is required.");
    a.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Some(a)
}

/// What a request asks of a collection or of one record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    List,
    Get,
    Create,
    Update,
    Delete,
}

impl Op {
    fn stats_kind(self, kind: CentralKind) -> String {
        let verb = match self {
            Op::List => "list",
            Op::Get => "get",
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        };
        match self {
            Op::List => format!("{verb}{}s", kind.noun()),
            _ => format!("{verb}{}", kind.noun()),
        }
    }

    fn writes(self) -> bool {
        matches!(self, Op::Create | Op::Update | Op::Delete)
    }
}

/// `/central/api/{contacts|accounts}[/{id}]` (the router sends nothing else here).
pub async fn api(State(emu): State<Emulator>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let rest = path.strip_prefix("/central/api/").unwrap_or("");
    let (segment, raw_id) = match rest.split_once('/') {
        Some((s, id)) => (s, Some(id)),
        None => (rest, None),
    };
    let kind = if segment == "accounts" {
        CentralKind::Accounts
    } else {
        CentralKind::Contacts
    };
    let op = match (&method, raw_id) {
        (&Method::GET, None) => Some(Op::List),
        (&Method::POST, None) => Some(Op::Create),
        (&Method::GET, Some(_)) => Some(Op::Get),
        (&Method::PATCH, Some(_)) => Some(Op::Update),
        (&Method::DELETE, Some(_)) => Some(Op::Delete),
        _ => None,
    };
    let (rule, settings) = {
        let mut store = emu.lock();
        let stats = &mut store.stats;
        if op == Some(Op::List) && kind == CentralKind::Contacts {
            stats.central_requests += 1;
        }
        let stats_kind = op.map_or("unknown".into(), |o| o.stats_kind(kind));
        Stats::bump(&mut stats.central_requests_by_kind, &stats_kind);
        if op.is_some_and(Op::writes) {
            Stats::bump(&mut stats.central_writes, method.as_str());
        }
        let rule = store
            .faults
            .decide(FaultScope::Central, method.as_str(), &path);
        if rule.is_some() {
            store.stats.faults_injected += 1;
        }
        (rule, store.central_settings.clone())
    };
    if let Some(a) = unauthorised(&settings, req.headers()) {
        return a;
    }
    let Some(op) = op else {
        let allow = if raw_id.is_some() {
            "GET, PATCH, DELETE"
        } else {
            "GET, POST"
        };
        let mut a = error(405, "methodNotAllowed", &format!("Use {allow} on {path}."));
        a.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
        return a;
    };
    if op == Op::List {
        return list(&emu, kind, req.uri().query().unwrap_or(""), rule, &settings).await;
    }
    let id = raw_id.map(|r| query::decode(r, false)).unwrap_or_default();
    if let Some(rule) = &rule {
        match rule.kind {
            FaultKind::Throttle => return throttled(rule),
            FaultKind::Unavailable => return unavailable(rule),
            FaultKind::ServerError if rule.executed != Some(true) => return server_error(rule),
            FaultKind::DropBeforeWrite => return crate::server::dropped(),
            // A read has nothing to commit: its answer is lost.
            FaultKind::DropAfterWrite | FaultKind::LateCommit if op == Op::Get => {
                return crate::server::dropped()
            }
            _ => {}
        }
    }
    let if_match = req
        .headers()
        .get_all(header::IF_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    let if_match = (!if_match.is_empty()).then_some(if_match);
    let body = if matches!(op, Op::Create | Op::Update) {
        match read_json(req).await {
            Ok(v) => v,
            Err(a) => return a,
        }
    } else {
        Value::Null
    };
    let work = {
        let emu = emu.clone();
        async move { execute(&emu, kind, op, &id, if_match.as_deref(), &body) }
    };
    let answer = match rule.as_ref().filter(|r| r.kind == FaultKind::LateCommit) {
        // The write (its If-Match check included) runs when it commits.
        Some(rule) => {
            return match crate::graph::late_commit(&emu, rule, work).await {
                Some(a) => a,
                None => crate::server::dropped(),
            }
        }
        None => work.await,
    };
    let Some(rule) = rule else {
        return answer;
    };
    let succeeded = answer.status().is_success() && answer.status() != StatusCode::NO_CONTENT;
    match rule.kind {
        FaultKind::DropAfterWrite => crate::server::dropped(),
        FaultKind::ServerError => server_error(&rule),
        FaultKind::Slow => {
            tokio::time::sleep(Duration::from_millis(rule.delay_ms.unwrap_or(0))).await;
            answer
        }
        // The write is done; the answer is cut short or of another shape.
        FaultKind::MalformedJson if succeeded => with_body(answer, "{\"id\":\"C-1\",\"firstN"),
        FaultKind::WrongShape if succeeded => with_body(answer, "[\"not\",\"a\",\"record\"]"),
        _ => answer,
    }
}

fn with_body(answer: Response, body: &'static str) -> Response {
    let (parts, _) = answer.into_parts();
    Response::from_parts(parts, Body::from(body))
}

async fn read_json(req: Request) -> Result<Value, Response> {
    let bytes = match axum::body::to_bytes(req.into_body(), MAX_RECORD_BYTES).await {
        Ok(b) => b,
        Err(e) if e.to_string().contains("length limit") => {
            return Err(error(
                413,
                "payloadTooLarge",
                &format!("A record may have at most {MAX_RECORD_BYTES} bytes."),
            ))
        }
        Err(_) => {
            return Err(error(
                400,
                "badRequest",
                "The request body could not be read.",
            ))
        }
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| error(400, "badRequest", &format!("Invalid JSON: {e}")))
}

fn record(status: u16, f: Found) -> Response {
    reply(status, f.raw, &[(header::ETAG, f.version.to_string())])
}

fn refused(e: ApiError) -> Response {
    error(e.status, e.code, &e.message)
}

fn execute(
    emu: &Emulator,
    kind: CentralKind,
    op: Op,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> Response {
    let mut store = emu.lock();
    let result = match op {
        Op::Get => records::get(&store, kind, id).map(|f| record(200, f)),
        Op::Create => records::create(&mut store, kind, body).map(|f| record(201, f)),
        Op::Update => records::update(&mut store, kind, id, if_match, body).map(|f| record(200, f)),
        Op::Delete => records::delete(&mut store, kind, id, if_match).map(|()| {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }),
        Op::List => Err(ApiError {
            status: 405,
            code: "methodNotAllowed",
            message: "not a record call".into(),
        }),
    };
    result.unwrap_or_else(refused)
}

/// One page of a collection, records as stored; `status=` filters (trimmed, any case) when
/// the settings apply it.
async fn list(
    emu: &Emulator,
    kind: CentralKind,
    raw_query: &str,
    rule: Option<FaultRule>,
    settings: &CentralSettings,
) -> Response {
    let q = query::pairs(raw_query);
    // `None`: the parameter is given but is not a positive integer.
    let parse = |key: &str, default: usize| -> Option<usize> {
        match query::get(&q, key) {
            None => Some(default),
            Some(v) => v.trim().parse::<usize>().ok().filter(|n| *n >= 1),
        }
    };
    let bad = |key: &str| {
        error(
            400,
            "badRequest",
            &format!("{key} must be a positive integer"),
        )
    };
    let Some(page) = parse("page", 1) else {
        return bad("page");
    };
    let Some(size) = parse("pageSize", settings.default_page_size) else {
        return bad("pageSize");
    };
    let size = size.min(settings.max_page_size);
    let status = query::get(&q, "status").map(|s| s.trim().to_lowercase());
    let mut delay = None;
    let mut skip_page = false;
    if let Some(rule) = &rule {
        match rule.kind {
            FaultKind::Throttle => return throttled(rule),
            FaultKind::Unavailable => return unavailable(rule),
            FaultKind::DropBeforeWrite => return crate::server::dropped(),
            FaultKind::MalformedJson => {
                return reply(
                    200,
                    "{\"items\":[{\"id\":\"C-1\",\"firstName\":\"Trunc".into(),
                    &[],
                )
            }
            FaultKind::WrongShape => {
                return reply(
                    200,
                    "{\"items\":{\"id\":\"C-1\"},\"nextPage\":\"two\"}".into(),
                    &[],
                )
            }
            FaultKind::Slow => delay = rule.delay_ms,
            FaultKind::SkipPage => skip_page = true,
            // A read has nothing to commit: its answer is lost.
            FaultKind::DropAfterWrite | FaultKind::LateCommit => return crate::server::dropped(),
            FaultKind::ServerError => return server_error(rule),
            FaultKind::BatchMissingItems => {}
        }
    }
    let body = {
        let store = emu.lock();
        let apply = settings.apply_status_filter;
        let mut selected = store
            .records(kind)
            .iter()
            .filter(|item| match (&status, apply) {
                (Some(want), true) => item.status.as_deref() == Some(want.as_str()),
                _ => true,
            });
        let skip = (page - 1).saturating_mul(size);
        let mut out = String::from("{\"items\":[");
        let mut n = 0;
        for item in selected.by_ref().skip(skip).take(size) {
            if n > 0 {
                out.push(',');
            }
            out.push_str(&item.raw);
            n += 1;
        }
        let more = n == size && selected.next().is_some();
        out.push_str("],\"nextPage\":");
        out.push_str(&if skip_page {
            (page + 2).to_string()
        } else if more {
            (page + 1).to_string()
        } else {
            "null".into()
        });
        out.push('}');
        out
    };
    if let Some(ms) = delay {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    reply(200, body, &[])
}
