//! HTTP plumbing: the router, CORS, static files, and the accept loop. We run hyper ourselves
//! (instead of `axum::serve`); a dropped response is sent as a head and a few bytes of body,
//! then a broken connection (see `dropped`).

use crate::{central, control, graph, ledger, oidc, user, Emulator};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;
use futures_util::StreamExt;
use std::path::{Component, Path, PathBuf};

/// Marker on a response: close the connection instead of sending it.
#[derive(Clone, Copy, Debug)]
pub struct DropConnection;

#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose by a fault rule")
    }
}

impl std::error::Error for Dropped {}

/// A response that is lost on the way: the status line, the headers and the first bytes of
/// the body arrive, then the connection breaks. So the client's fetch fails while it reads the
/// body — the outcome of the request is unknown to it. (Closing without sending anything would
/// not do: Chromium silently re-sends a request, POST included, whose reused keep-alive
/// connection closes before any byte of the answer, so the "lost" write would run twice.)
pub(crate) fn dropped() -> Response {
    let chunks = futures_util::stream::unfold(0u8, |step| async move {
        match step {
            0 => Some((
                Ok::<Bytes, Dropped>(Bytes::from_static(b"{\"responses\":[")),
                1,
            )),
            1 => {
                // Let the head and the first bytes go out before the connection breaks.
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                Some((Err(Dropped), 2))
            }
            _ => None,
        }
    });
    let mut r = Response::new(Body::from_stream(chunks));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

pub fn router(emu: Emulator) -> Router {
    Router::new()
        .route("/v1.0/{*rest}", any(graph_entry))
        .route("/central/api/contacts", any(central::api))
        .route("/central/api/contacts/{id}", any(central::api))
        .route("/central/api/accounts", any(central::api))
        .route("/central/api/accounts/{id}", any(central::api))
        .route("/central/api/sync-ledgers/{key}", any(ledger::api))
        .route("/_emulator/central/ledgers", get(ledger::control_list))
        .route(
            "/_emulator/central/ledgers/{key}",
            get(ledger::control_get)
                .put(ledger::control_put)
                .delete(ledger::control_delete),
        )
        .route(
            "/_emulator/central/contacts/{id}",
            axum::routing::patch(control::patch_central),
        )
        .route(
            "/_emulator/central/accounts/{id}",
            axum::routing::patch(control::patch_account),
        )
        .route(
            "/_emulator/mailboxes/{user}/contacts/{id}",
            get(user::get_contact)
                .patch(user::edit_contact)
                .delete(user::delete_contact),
        )
        .route(
            "/_emulator/mailboxes/{user}/contacts/{id}/move",
            post(user::move_contact),
        )
        .route(
            "/_emulator/mailboxes/{user}/contacts/{id}/copy",
            post(user::copy_contact),
        )
        .route(
            "/_emulator/mailboxes/{user}/contacts/{id}/touch",
            post(user::touch_contact),
        )
        .route("/_emulator/token", post(control::token))
        .route("/_emulator/tokens/expire", post(control::expire_tokens))
        .route("/_emulator/reset", post(control::reset))
        .route(
            "/_emulator/limits",
            get(control::get_limits).put(control::put_limits),
        )
        .route(
            "/_emulator/shares",
            get(control::get_shares)
                .post(control::post_share)
                .delete(control::delete_shares),
        )
        .route(
            "/_emulator/central/contacts",
            get(control::get_central).put(control::put_central),
        )
        .route(
            "/_emulator/central/accounts",
            get(control::get_accounts).put(control::put_accounts),
        )
        .route(
            "/_emulator/central/settings",
            get(control::get_central_settings).put(control::put_central_settings),
        )
        .route("/_emulator/mailboxes/{user}", get(control::inspect_mailbox))
        .route(
            "/_emulator/mailboxes/{user}/folders",
            post(control::seed_folder),
        )
        .route(
            "/_emulator/mailboxes/{user}/folders/{folder}/contacts",
            post(control::seed_contacts),
        )
        .route(
            "/_emulator/faults",
            get(control::get_faults)
                .post(control::post_faults)
                .delete(control::delete_faults),
        )
        .route("/_emulator/stats", get(control::get_stats))
        .route("/_emulator/stats/reset", post(control::reset_stats))
        .route("/_emulator/delta/expire", post(control::expire_delta))
        .route(
            "/oidc/.well-known/openid-configuration",
            get(oidc::discovery),
        )
        .route(
            "/oidc/authorize",
            get(oidc::authorize).post(oidc::authorize_submit),
        )
        .route("/oidc/token", post(oidc::token))
        .route("/oidc/keys", get(oidc::jwks))
        .route("/oidc/logout", get(oidc::logout).post(oidc::logout))
        .route(
            "/_emulator/oidc/settings",
            get(oidc::get_settings).put(oidc::put_settings),
        )
        .route("/_emulator/oidc/refresh/fail", post(oidc::fail_refresh))
        .route("/_emulator/oidc/sessions", delete(oidc::end_sessions))
        .route("/_emulator/oidc/signins", get(oidc::signins))
        .route("/_emulator/tls", get(oidc::tls))
        .route("/_emulator/tls/cert.pem", get(oidc::cert_pem))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(emu.clone(), cors))
        .with_state(emu)
}

const GRAPH_ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Prefer, client-request-id, return-client-request-id, ConsistencyLevel, If-Match";
/// Central and the control API echo the requested headers; without a request, these.
const CENTRAL_ALLOW_HEADERS: &str =
    "Authorization, Content-Type, If-Match, If-None-Match, client-request-id";
const METHODS: &str = "GET, POST, PATCH, DELETE, PUT, OPTIONS";

/// Graph answers any origin with `*` and (as reported) does not expose `Retry-After` unless
/// the switch says so. Central and the control API echo the origin and allow credentials, so
/// cookie-authenticated calls from another localhost origin work in tests.
async fn cors(State(emu): State<Emulator>, req: Request, next: Next) -> Response {
    let is_graph = req.uri().path().starts_with("/v1.0");
    let origin = req.headers().get(header::ORIGIN).cloned();
    let requested = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned();
    let mut resp = if req.method() == Method::OPTIONS {
        emu.lock().stats.preflight_requests += 1;
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
        let allow = if is_graph {
            HeaderValue::from_static(GRAPH_ALLOW_HEADERS)
        } else {
            requested.unwrap_or_else(|| HeaderValue::from_static(CENTRAL_ALLOW_HEADERS))
        };
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow);
        r
    } else {
        next.run(req).await
    };
    let expose_retry = emu.lock().limits.expose_retry_after;
    let h = resp.headers_mut();
    if is_graph {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        let expose = if expose_retry {
            "request-id, client-request-id, Location, Retry-After"
        } else {
            "request-id, client-request-id, Location"
        };
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(expose),
        );
    } else {
        match origin {
            Some(o) => {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
                h.insert(header::VARY, HeaderValue::from_static("Origin"));
            }
            None => {
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
        }
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Retry-After, ETag"),
        );
    }
    resp
}

fn host_of(headers: &HeaderMap, emu: &Emulator) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| emu.addr_string())
}

/// A Graph request's body, read to its end: the bytes, or how many there were when more than
/// `limit` (those are not kept). Reading on past the limit lets the client finish its upload
/// and read the 413, instead of seeing the connection break under it.
async fn read_graph_body(body: Body, limit: usize) -> Result<(Vec<u8>, Option<usize>), ()> {
    let mut chunks = body.into_data_stream();
    let (mut kept, mut total) = (Vec::new(), 0usize);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| ())?;
        total += chunk.len();
        if total <= limit {
            kept.extend_from_slice(&chunk);
        } else {
            kept = Vec::new();
        }
    }
    Ok(if total > limit {
        (Vec::new(), Some(total))
    } else {
        (kept, None)
    })
}

async fn graph_entry(
    State(emu): State<Emulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let limit = emu.lock().limits.max_request_bytes;
    let Ok((body, too_large)) = read_graph_body(body, limit).await else {
        return graph_response(crate::error::GraphResponse::bad_request(
            "The request body could not be read.",
        ));
    };
    let path = uri.path().strip_prefix("/v1.0/").unwrap_or("").to_string();
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let host = host_of(&headers, &emu);
    // Run detached: like Graph, work continues when the client gives up on the response.
    let task = tokio::spawn(graph::handle(
        emu,
        graph::TopRequest {
            method: method.as_str().to_string(),
            path,
            raw_query: uri.query().unwrap_or("").to_string(),
            authorization: text(header::AUTHORIZATION),
            // Several `Prefer` lines are one comma-separated list.
            prefer: {
                let all: Vec<&str> = headers
                    .get_all("prefer")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!all.is_empty()).then(|| all.join(", "))
            },
            if_match: text(header::IF_MATCH),
            body,
            too_large,
            host,
        },
    ));
    let outcome = match task.await {
        Ok(o) => o,
        Err(_) => return dropped(),
    };
    if outcome.drop_connection {
        return dropped();
    }
    graph_response(outcome.response)
}

pub fn graph_response(r: crate::error::GraphResponse) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = match (r.raw, &r.body) {
        (Some(text), _) => Some(text),
        (None, Some(b)) => Some(serde_json::to_vec(b).unwrap_or_default()),
        (None, None) => None,
    };
    let mut resp = match text {
        Some(bytes) => {
            let mut resp = Response::new(Body::from(bytes));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
                ),
            );
            resp
        }
        None => Response::new(Body::empty()),
    };
    *resp.status_mut() = status;
    for (k, v) in &r.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

fn mime(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Static files (`/pkg/…` from the package dir, everything else from `www/`), and Graph's
/// 404 envelope for `/v1.0` paths no route knows.
async fn fallback(State(emu): State<Emulator>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/v1.0" || path.starts_with("/v1.0/") {
        return graph_response(crate::error::GraphResponse::error(
            404,
            "ResourceNotFound",
            "Resource not found for the segment ''.",
        ));
    }
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    let (root, rest) = match path.strip_prefix("/pkg/") {
        Some(rest) => (emu.pkg_dir(), rest),
        None => (emu.www_dir(), path.trim_start_matches('/')),
    };
    let rest = crate::query::decode(rest, false);
    let rel = PathBuf::from(&rest);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    let mut file = root.join(&rel);
    if rest.is_empty()
        || rest.ends_with('/')
        || tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir())
    {
        file = file.join("index.html");
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, mime(&file)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}
