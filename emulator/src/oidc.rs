//! A small OpenID Connect provider under `/oidc`, enough for MSAL.js in `protocolMode: "OIDC"`:
//! discovery, authorize (authorization code + PKCE S256, a sign-in form, `prompt=none` via an
//! SSO session cookie), token (code and refresh-token grants, refresh tokens rotate), JWKS and
//! end-session. Access tokens are RS256 JWTs for Graph (`aud` `https://graph.microsoft.com`,
//! `scp`), which the Graph side checks in `--auth jwt` mode.

use crate::jwt::{self, SigningKey};
use crate::query;
use crate::Emulator;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// The authority's path: `https://127.0.0.1:PORT/oidc` is the authority and the issuer.
pub const AUTHORITY_PATH: &str = "/oidc";
/// The `tid` of every token (a made-up tenant).
pub const TENANT_ID: &str = "e7e7e7e7-0000-4000-8000-00000000e401";
/// The `aud` of access tokens; Graph also accepts its application id.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const SESSION_COOKIE: &str = "emu_oidc_session";
/// Scopes about the sign-in itself, never put in an access token's `scp`.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];
const CODE_LIFETIME: Duration = Duration::from_secs(300);
const ID_TOKEN_LIFETIME: i64 = 3600;

/// Switches set through `/_emulator/oidc/settings` (merged on PUT).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OidcSettings {
    /// `exp - iat` of new access tokens (and `expires_in`).
    pub access_token_lifetime_seconds: u64,
    pub refresh_token_lifetime_seconds: u64,
    /// Scopes left out of every access token's `scp` (not granted), though the token
    /// response's `scope` still echoes the request so MSAL caches the token as usual.
    pub withheld_scopes: Vec<String>,
    /// The next N refresh-token grants answer `invalid_grant`.
    pub fail_refresh: u32,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            access_token_lifetime_seconds: 3600,
            refresh_token_lifetime_seconds: 86_400,
            withheld_scopes: vec![],
            fail_refresh: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
}

#[derive(Debug, Clone)]
pub struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scopes: Vec<String>,
    nonce: Option<String>,
    user: String,
    sid: String,
    expires: Instant,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    client_id: String,
    user: String,
    sid: String,
    expires: Instant,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcCounters {
    pub authorize_interactive: u64,
    pub authorize_silent_ok: u64,
    pub authorize_silent_login_required: u64,
    pub code_redeemed: u64,
    pub refresh_ok: u64,
    pub refresh_failed: u64,
    pub logouts: u64,
}

/// The provider's state (part of the store, so `reset` forgets it).
#[derive(Debug, Default)]
pub struct OidcState {
    pub settings: OidcSettings,
    pub sessions: HashMap<String, Session>,
    pub codes: HashMap<String, CodeGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    pub signins: Vec<Value>,
    pub counters: OidcCounters,
}

/// A stable GUID-shaped id derived from a user name (`oid`, `sub`).
pub fn object_id(user: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, user.to_lowercase().as_bytes());
    let h: String = d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `Contacts.ReadWrite` from `https://graph.microsoft.com/Contacts.ReadWrite`.
fn short_scope(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The resource scopes of a request (no `openid`, `profile`, …), short names.
fn resource_scopes(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .map(|s| short_scope(s).to_string())
        .filter(|s| !OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .collect()
}

/// Percent-encodes a URL component.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Only loopback http(s) URLs may receive codes (our "registered" redirect URIs).
fn redirect_allowed(uri: &str) -> bool {
    let rest = match uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
    {
        Some(r) => r,
        None => return false,
    };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match host_port.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host_port,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]") && !uri.contains('#')
}

impl Emulator {
    /// `https://127.0.0.1:PORT/oidc` (`http` without TLS).
    pub fn issuer(&self) -> String {
        format!(
            "{}://{}{}",
            self.scheme(),
            self.addr_string(),
            AUTHORITY_PATH
        )
    }

    /// Signs an access token for Graph and remembers it (by `jti`) so that
    /// `/_emulator/tokens/expire` can expire it early.
    pub fn mint_access_token(
        &self,
        user: &str,
        client_id: &str,
        scopes: &[String],
        ttl_seconds: u64,
    ) -> String {
        let key = SigningKey::shared();
        let now = crate::time::now_secs();
        let ttl = ttl_seconds.min(100 * 365 * 86_400);
        let jti = jwt::random_id(16);
        let short: Vec<String> = scopes.iter().map(|s| short_scope(s).to_string()).collect();
        let claims = json!({
            "aud": GRAPH_AUDIENCE,
            "iss": self.issuer(),
            "iat": now,
            "nbf": now,
            "exp": now + ttl as i64,
            "scp": short.join(" "),
            "oid": object_id(user),
            "sub": object_id(user),
            "tid": TENANT_ID,
            "preferred_username": user,
            "upn": user,
            "name": user.split('@').next().unwrap_or(user),
            "appid": client_id,
            "azp": client_id,
            "ver": "2.0",
            "jti": jti,
        });
        let token = key.sign(&claims);
        self.lock().tokens.insert(
            jti,
            crate::store::Token {
                user: user.to_lowercase(),
                scopes: short.iter().map(|s| s.to_ascii_lowercase()).collect(),
                expires: Instant::now()
                    .checked_add(Duration::from_secs(ttl))
                    .unwrap_or_else(Instant::now),
            },
        );
        token
    }

    fn id_token(&self, user: &str, client_id: &str, nonce: Option<&str>, sid: &str) -> String {
        let now = crate::time::now_secs();
        let mut claims = json!({
            "aud": client_id,
            "iss": self.issuer(),
            "iat": now,
            "nbf": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "sub": object_id(user),
            "oid": object_id(user),
            "tid": TENANT_ID,
            "preferred_username": user,
            "name": user.split('@').next().unwrap_or(user),
            "email": user,
            "sid": sid,
            "ver": "2.0",
        });
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        SigningKey::shared().sign(&claims)
    }

    /// Checks a Graph bearer JWT: signature and `kid`, issuer, audience, lifetime (and early
    /// expiry through the control API). The token's user is its `preferred_username`.
    pub fn validate_jwt(&self, token: &str) -> Result<crate::store::Token, &'static str> {
        let claims = SigningKey::shared().verify(token)?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer().as_str()) {
            return Err("IDX10205: Issuer validation failed.");
        }
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => a == GRAPH_AUDIENCE || a == GRAPH_APP_ID,
            Some(Value::Array(a)) => a.iter().any(|v| v == GRAPH_AUDIENCE || v == GRAPH_APP_ID),
            _ => false,
        };
        if !aud_ok {
            return Err("Access token validation failure. Invalid audience.");
        }
        let now = crate::time::now_secs();
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
        if exp <= now {
            return Err("Lifetime validation failed, the token is expired.");
        }
        if nbf > now + 300 {
            return Err("Lifetime validation failed, the token is not yet valid.");
        }
        let user = claims
            .get("preferred_username")
            .and_then(Value::as_str)
            .ok_or("Access token validation failure. No user.")?
            .to_lowercase();
        if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
            if let Some(t) = self.lock().tokens.get(jti) {
                if t.expires <= Instant::now() {
                    return Err("Lifetime validation failed, the token is expired.");
                }
            }
        }
        let scopes = claims
            .get("scp")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split_whitespace()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        Ok(crate::store::Token {
            user,
            scopes,
            expires: Instant::now() + Duration::from_secs((exp - now) as u64),
        })
    }
}

pub async fn discovery(State(emu): State<Emulator>) -> Response {
    let iss = emu.issuer();
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "jwks_uri": format!("{iss}/keys"),
        "end_session_endpoint": format!("{iss}/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["openid", "profile", "email", "offline_access", "User.Read",
            "Contacts.Read", "Contacts.ReadWrite", "Contacts.Read.Shared", "Contacts.ReadWrite.Shared"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "oid", "tid",
            "preferred_username", "name", "email", "sid"],
        "prompt_values_supported": ["none", "login", "select_account", "consent"],
    }))
    .into_response()
}

pub async fn jwks() -> Response {
    Json(SigningKey::shared().jwks()).into_response()
}

fn plain_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><main><h1>{t}</h1><p>{m}</p></main></body></html>",
        t = html_escape(title),
        m = html_escape(message)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `redirect_uri` + the answer in the query or the fragment.
fn redirect_with(redirect_uri: &str, mode: &str, params: &[(&str, &str)]) -> Response {
    let encoded: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let sep = if mode == "query" {
        if redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        }
    } else {
        '#'
    };
    let location = format!("{redirect_uri}{sep}{}", encoded.join("&"));
    let mut r = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A validated authorize request.
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    response_mode: String,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    challenge: String,
    prompt: Option<String>,
    login_hint: Option<String>,
}

impl AuthRequest {
    fn error(&self, code: &str, description: &str) -> Response {
        let mut params = vec![("error", code), ("error_description", description)];
        if let Some(s) = &self.state {
            params.push(("state", s));
        }
        redirect_with(&self.redirect_uri, &self.response_mode, &params)
    }

    /// The hidden fields that carry the request through the sign-in form.
    fn hidden_fields(&self) -> String {
        let mut fields = vec![
            ("client_id", self.client_id.clone()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("response_mode", self.response_mode.clone()),
            ("response_type", "code".to_string()),
            ("scope", self.scopes.join(" ")),
            ("code_challenge", self.challenge.clone()),
            ("code_challenge_method", "S256".to_string()),
        ];
        if let Some(s) = &self.state {
            fields.push(("state", s.clone()));
        }
        if let Some(n) = &self.nonce {
            fields.push(("nonce", n.clone()));
        }
        fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                    html_escape(v)
                )
            })
            .collect::<Vec<_>>()
            .join("")
    }
}

/// Parses and checks an authorize request. `Err` is the answer already: a page when the
/// client or redirect URI cannot be trusted, else a redirect with `error`.
fn parse_auth_request(q: &[(String, String)]) -> Result<AuthRequest, Box<Response>> {
    let get = |k: &str| query::get(q, k).map(str::to_string);
    let bad_page = |m: &str| {
        Err(Box::new(plain_page(
            StatusCode::BAD_REQUEST,
            "Sign-in error",
            m,
        )))
    };
    let Some(client_id) = get("client_id").filter(|c| !c.is_empty()) else {
        return bad_page("AADSTS900144: The request body must contain the parameter 'client_id'.");
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return bad_page(
            "AADSTS900144: The request body must contain the parameter 'redirect_uri'.",
        );
    };
    if !redirect_allowed(&redirect_uri) {
        return bad_page("AADSTS50011: The redirect URI does not match the redirect URIs configured for the application (loopback http(s) only, no fragment).");
    }
    let response_mode = match get("response_mode").as_deref() {
        None | Some("query") => "query".to_string(),
        Some("fragment") => "fragment".to_string(),
        Some(_) => return bad_page("Unsupported response_mode (query or fragment)."),
    };
    let req = AuthRequest {
        client_id,
        redirect_uri,
        response_mode,
        scopes: get("scope")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        state: get("state"),
        nonce: get("nonce"),
        challenge: get("code_challenge").unwrap_or_default(),
        prompt: get("prompt"),
        login_hint: get("login_hint"),
    };
    if get("response_type").as_deref() != Some("code") {
        return Err(Box::new(req.error(
            "unsupported_response_type",
            "Only response_type=code is supported.",
        )));
    }
    if req.challenge.is_empty() {
        return Err(Box::new(req.error(
            "invalid_request",
            "AADSTS9002325: Proof Key for Code Exchange is required (code_challenge).",
        )));
    }
    if get("code_challenge_method").as_deref() != Some("S256") {
        return Err(Box::new(req.error(
            "invalid_request",
            "Only code_challenge_method=S256 is supported.",
        )));
    }
    if !req.scopes.iter().any(|s| s == "openid") {
        return Err(Box::new(
            req.error("invalid_scope", "The 'openid' scope is required."),
        ));
    }
    Ok(req)
}

fn session_of(emu: &Emulator, headers: &HeaderMap) -> Option<(String, Session)> {
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
        .collect::<Vec<_>>();
    let store = emu.lock();
    cookies.into_iter().find_map(|sid| {
        store
            .oidc
            .sessions
            .get(&sid)
            .map(|s| (sid.clone(), s.clone()))
    })
}

/// Issues a code for a signed-in user and redirects to the client with it.
fn grant_code(emu: &Emulator, req: &AuthRequest, user: &str, sid: &str) -> Response {
    let code = jwt::random_id(32);
    emu.lock().oidc.codes.insert(
        code.clone(),
        CodeGrant {
            client_id: req.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            challenge: req.challenge.clone(),
            scopes: req.scopes.clone(),
            nonce: req.nonce.clone(),
            user: user.to_string(),
            sid: sid.to_string(),
            expires: Instant::now() + CODE_LIFETIME,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = &req.state {
        params.push(("state", s));
    }
    redirect_with(&req.redirect_uri, &req.response_mode, &params)
}

fn record_signin(emu: &Emulator, req: &AuthRequest, user: &str, method: &str) {
    let mut store = emu.lock();
    store.oidc.signins.push(json!({
        "user": user,
        "clientId": req.client_id,
        "scopes": req.scopes,
        "prompt": req.prompt,
        "method": method,
        "at": crate::time::iso8601(crate::time::now_secs()),
    }));
}

/// `GET /oidc/authorize`: the sign-in page, or for `prompt=none` an immediate answer from
/// the SSO session (`login_required` without one).
pub async fn authorize(State(emu): State<Emulator>, uri: Uri, headers: HeaderMap) -> Response {
    let q = query::pairs(uri.query().unwrap_or(""));
    let req = match parse_auth_request(&q) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let session = session_of(&emu, &headers);
    if req.prompt.as_deref() == Some("none") {
        return match session {
            Some((sid, s)) => {
                emu.lock().oidc.counters.authorize_silent_ok += 1;
                record_signin(&emu, &req, &s.user, "sso");
                grant_code(&emu, &req, &s.user, &sid)
            }
            None => {
                emu.lock().oidc.counters.authorize_silent_login_required += 1;
                req.error(
                    "login_required",
                    "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
                )
            }
        };
    }
    let username = req
        .login_hint
        .clone()
        .or_else(|| session.map(|(_, s)| s.user))
        .unwrap_or_default();
    let scopes = resource_scopes(&req.scopes).join(", ");
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>Sign in</title></head>\
         <body><main><h1>Emulated identity provider</h1>\
         <p>The app asks for: <span id=\"scopes\">{scopes}</span></p>\
         <form method=\"post\" action=\"{path}/authorize\">{hidden}\
         <label for=\"username\">Username</label> \
         <input id=\"username\" name=\"username\" type=\"email\" autocomplete=\"username\" required value=\"{user}\"> \
         <button type=\"submit\" name=\"action\" value=\"signin\">Sign in</button> \
         <button type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button>\
         </form></main></body></html>",
        scopes = html_escape(if scopes.is_empty() { "sign-in only" } else { &scopes }),
        path = AUTHORITY_PATH,
        hidden = req.hidden_fields(),
        user = html_escape(&username),
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `POST /oidc/authorize` (the sign-in form): starts an SSO session (cookie) and redirects
/// to the client with a code; `action=cancel` answers `access_denied`.
pub async fn authorize_submit(State(emu): State<Emulator>, body: Bytes) -> Response {
    let q = query::pairs(&String::from_utf8_lossy(&body));
    let req = match parse_auth_request(&q) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    if query::get(&q, "action") == Some("cancel") {
        return req.error(
            "access_denied",
            "AADSTS65004: User declined to consent to access the app.",
        );
    }
    let user = query::get(&q, "username")
        .unwrap_or("")
        .trim()
        .to_lowercase();
    if user.is_empty() || !user.contains('@') {
        return plain_page(
            StatusCode::BAD_REQUEST,
            "Sign-in error",
            "Enter a user name like someone@contoso.example.",
        );
    }
    let sid = jwt::random_id(18);
    {
        let mut store = emu.lock();
        store
            .oidc
            .sessions
            .insert(sid.clone(), Session { user: user.clone() });
        store.oidc.counters.authorize_interactive += 1;
    }
    record_signin(&emu, &req, &user, "form");
    let mut resp = grant_code(&emu, &req, &user, &sid);
    // SameSite=None so the silent (iframe) flow sees it from the app's origin; that needs
    // Secure, which browsers only take over https.
    let cookie = if emu.scheme() == "https" {
        format!("{SESSION_COOKIE}={sid}; Path={AUTHORITY_PATH}; HttpOnly; Secure; SameSite=None")
    } else {
        format!("{SESSION_COOKIE}={sid}; Path={AUTHORITY_PATH}; HttpOnly; SameSite=Lax")
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn token_error(code: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "error": code,
            "error_description": description,
            "error_codes": [],
            "timestamp": crate::time::iso8601(crate::time::now_secs()),
        })),
    )
        .into_response()
}

/// Access, refresh and id tokens for a grant.
fn token_response(
    emu: &Emulator,
    client_id: &str,
    user: &str,
    sid: &str,
    scopes: &[String],
    nonce: Option<&str>,
) -> Response {
    let (ttl, rt_ttl, withheld) = {
        let s = &emu.lock().oidc.settings;
        (
            s.access_token_lifetime_seconds,
            s.refresh_token_lifetime_seconds,
            s.withheld_scopes.clone(),
        )
    };
    let granted: Vec<String> = resource_scopes(scopes)
        .into_iter()
        .filter(|s| {
            !withheld
                .iter()
                .any(|w| short_scope(w).eq_ignore_ascii_case(s))
        })
        .collect();
    let access = emu.mint_access_token(user, client_id, &granted, ttl);
    let id_token = emu.id_token(user, client_id, nonce, sid);
    let refresh = jwt::random_id(48);
    emu.lock().oidc.refresh_tokens.insert(
        refresh.clone(),
        RefreshGrant {
            client_id: client_id.to_string(),
            user: user.to_string(),
            sid: sid.to_string(),
            expires: Instant::now()
                .checked_add(Duration::from_secs(rt_ttl))
                .unwrap_or_else(Instant::now),
        },
    );
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "token_type": "Bearer",
            "scope": scopes.join(" "),
            "expires_in": ttl,
            "ext_expires_in": ttl,
            "access_token": access,
            "refresh_token": refresh,
            "refresh_token_expires_in": rt_ttl,
            "id_token": id_token,
        })),
    )
        .into_response()
}

/// `POST /oidc/token` (form-encoded): `authorization_code` (+ PKCE verifier) and
/// `refresh_token` (rotating: a used refresh token is spent).
pub async fn token(State(emu): State<Emulator>, body: Bytes) -> Response {
    let q = query::pairs(&String::from_utf8_lossy(&body));
    let get = |k: &str| query::get(&q, k).unwrap_or("").to_string();
    let client_id = get("client_id");
    if client_id.is_empty() {
        return token_error(
            "invalid_request",
            "AADSTS900144: The request body must contain the parameter 'client_id'.",
        );
    }
    match get("grant_type").as_str() {
        "authorization_code" => {
            let grant = emu.lock().oidc.codes.remove(&get("code"));
            let Some(g) = grant else {
                return token_error(
                    "invalid_grant",
                    "AADSTS70008: The provided authorization code is invalid or has expired (or was already redeemed).",
                );
            };
            if g.expires <= Instant::now() {
                return token_error(
                    "invalid_grant",
                    "AADSTS70008: The provided authorization code has expired.",
                );
            }
            if g.client_id != client_id {
                return token_error(
                    "invalid_grant",
                    "AADSTS70000: The code was issued to another client.",
                );
            }
            if g.redirect_uri != get("redirect_uri") {
                return token_error(
                    "invalid_grant",
                    "AADSTS50148: The redirect_uri does not match the one of the authorization request.",
                );
            }
            if !jwt::pkce_s256_matches(&get("code_verifier"), &g.challenge) {
                return token_error(
                    "invalid_grant",
                    "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                );
            }
            emu.lock().oidc.counters.code_redeemed += 1;
            // The token is for what the authorize request asked (MSAL sends the same scopes).
            token_response(
                &emu,
                &client_id,
                &g.user,
                &g.sid,
                &g.scopes,
                g.nonce.as_deref(),
            )
        }
        "refresh_token" => {
            let rt = get("refresh_token");
            let grant = {
                let mut store = emu.lock();
                let forced = store.oidc.settings.fail_refresh > 0;
                if forced {
                    store.oidc.settings.fail_refresh -= 1;
                }
                let grant = store.oidc.refresh_tokens.remove(&rt);
                if forced || grant.is_none() {
                    store.oidc.counters.refresh_failed += 1;
                }
                if forced {
                    None
                } else {
                    grant
                }
            };
            let Some(g) = grant else {
                return token_error(
                    "invalid_grant",
                    "AADSTS700082: The refresh token has expired or been revoked. Sign in again.",
                );
            };
            if g.expires <= Instant::now() || g.client_id != client_id {
                emu.lock().oidc.counters.refresh_failed += 1;
                return token_error(
                    "invalid_grant",
                    "AADSTS700082: The refresh token has expired or was issued to another client.",
                );
            }
            emu.lock().oidc.counters.refresh_ok += 1;
            let scopes: Vec<String> = get("scope")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            token_response(&emu, &client_id, &g.user, &g.sid, &scopes, None)
        }
        "" => token_error(
            "invalid_request",
            "AADSTS900144: The request body must contain the parameter 'grant_type'.",
        ),
        other => token_error(
            "unsupported_grant_type",
            &format!("The grant type '{other}' is not supported."),
        ),
    }
}

/// `GET /oidc/logout`: ends the SSO session (and its refresh tokens), then redirects to a
/// loopback `post_logout_redirect_uri` (with `state`) or shows a page.
pub async fn logout(State(emu): State<Emulator>, uri: Uri, headers: HeaderMap) -> Response {
    let q = query::pairs(uri.query().unwrap_or(""));
    if let Some((sid, _)) = session_of(&emu, &headers) {
        let mut store = emu.lock();
        store.oidc.sessions.remove(&sid);
        store.oidc.refresh_tokens.retain(|_, g| g.sid != sid);
    }
    emu.lock().oidc.counters.logouts += 1;
    let clear = format!("{SESSION_COOKIE}=; Path={AUTHORITY_PATH}; Max-Age=0; HttpOnly");
    let mut resp = match query::get(&q, "post_logout_redirect_uri") {
        Some(u) if redirect_allowed(u) => match query::get(&q, "state") {
            Some(s) => redirect_with(u, "query", &[("state", s)]),
            None => {
                let mut r = StatusCode::FOUND.into_response();
                if let Ok(v) = HeaderValue::from_str(u) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            }
        },
        _ => plain_page(StatusCode::OK, "Signed out", "You have signed out."),
    };
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

// ---- control API: /_emulator/oidc/… and /_emulator/tls/… ----

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

pub async fn get_settings(State(emu): State<Emulator>) -> Response {
    Json(emu.lock().oidc.settings.clone()).into_response()
}

pub async fn put_settings(State(emu): State<Emulator>, body: Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(if body.is_empty() { b"{}" } else { &body }) {
        Ok(v) => v,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let mut store = emu.lock();
    let mut current = serde_json::to_value(&store.oidc.settings).unwrap_or_default();
    let (Some(cur), Some(p)) = (current.as_object_mut(), patch.as_object()) else {
        return bad("settings must be a JSON object");
    };
    for (k, v) in p {
        cur.insert(k.clone(), v.clone());
    }
    match serde_json::from_value::<OidcSettings>(current) {
        Ok(s) => {
            store.oidc.settings = s.clone();
            Json(s).into_response()
        }
        Err(e) => bad(format!("invalid settings: {e}")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FailRefresh {
    #[serde(default = "one")]
    count: u32,
    #[serde(default = "yes")]
    end_sessions: bool,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// `POST /_emulator/oidc/refresh/fail {"count"?:1,"endSessions"?:true}`: the next `count`
/// refresh grants fail with `invalid_grant`; with `endSessions` every SSO session ends too, so
/// MSAL's silent fallback (`prompt=none` in a hidden iframe) answers `login_required` and
/// the app has to sign in again interactively.
pub async fn fail_refresh(State(emu): State<Emulator>, body: Bytes) -> Response {
    let req: FailRefresh = match serde_json::from_slice(if body.is_empty() { b"{}" } else { &body })
    {
        Ok(r) => r,
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let mut store = emu.lock();
    store.oidc.settings.fail_refresh = req.count;
    let ended = if req.end_sessions {
        let n = store.oidc.sessions.len();
        store.oidc.sessions.clear();
        n
    } else {
        0
    };
    Json(json!({"failRefresh": req.count, "sessionsEnded": ended})).into_response()
}

/// `DELETE /_emulator/oidc/sessions`: ends every SSO session (refresh tokens stay valid).
pub async fn end_sessions(State(emu): State<Emulator>) -> Response {
    let mut store = emu.lock();
    let n = store.oidc.sessions.len();
    store.oidc.sessions.clear();
    Json(json!({ "sessionsEnded": n })).into_response()
}

/// `GET /_emulator/oidc/signins`: sign-ins (form or SSO), counters, live sessions.
pub async fn signins(State(emu): State<Emulator>) -> Response {
    let store = emu.lock();
    let mut sessions: BTreeMap<String, u64> = BTreeMap::new();
    for s in store.oidc.sessions.values() {
        *sessions.entry(s.user.clone()).or_default() += 1;
    }
    Json(json!({
        "signins": store.oidc.signins,
        "counters": store.oidc.counters,
        "sessions": sessions,
        "refreshTokens": store.oidc.refresh_tokens.len(),
    }))
    .into_response()
}

/// `GET /_emulator/tls/cert.pem`: the generated certificate (404 without `--https`).
pub async fn cert_pem(State(emu): State<Emulator>) -> Response {
    match emu.tls_info() {
        Some(t) => (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            t.cert_pem.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not serving https").into_response(),
    }
}

/// `GET /_emulator/tls`: `{"certPem","spkiSha256"}` — the latter for Chromium's
/// `--ignore-certificate-errors-spki-list`.
pub async fn tls(State(emu): State<Emulator>) -> Response {
    match emu.tls_info() {
        Some(t) => {
            Json(json!({"certPem": t.cert_pem, "spkiSha256": t.spki_sha256})).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "not serving https"})),
        )
            .into_response(),
    }
}
