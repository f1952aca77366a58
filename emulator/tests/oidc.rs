//! The OpenID Connect provider over real HTTPS (a rustls client that trusts only the
//! certificate the emulator generated), and Graph in `--auth jwt` mode.

mod common;
use common::{parse_response, Resp};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
const ALICE: &str = "alice@contoso.example";
const VERIFIER: &str = "a-pkce-verifier-that-is-at-least-43-characters-long-0123456789";

struct Idp {
    running: emulator::Running,
    addr: SocketAddr,
    connector: tokio_rustls::TlsConnector,
}

async fn start(auth: emulator::AuthMode) -> Idp {
    let running = emulator::start(emulator::Config {
        tls: true,
        auth,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let pem = running.cert_pem.clone().expect("a certificate with tls");
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pem.as_bytes()).expect("PEM certificate"))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Idp {
        addr: running.addr,
        running,
        connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
    }
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", common::enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `#a=1&b=2` or `?a=1&b=2` of a Location → pairs.
fn answer(location: &str) -> Vec<(String, String)> {
    let part = location
        .split_once('#')
        .or_else(|| location.split_once('?'))
        .map(|(_, p)| p)
        .unwrap_or("");
    emulator::query::pairs(part)
}

fn get<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    emulator::query::get(pairs, k)
}

fn claims(token: &str) -> Value {
    emulator::jwt::decode_unverified(token).expect("a JWT")
}

impl Idp {
    fn base(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn authority(&self) -> String {
        format!("{}/oidc", self.base())
    }

    async fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let mut tls = self
            .connector
            .connect(name, tcp)
            .await
            .expect("TLS handshake with the generated certificate");
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            head.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        tls.write_all(head.as_bytes()).await.unwrap();
        if let Some(b) = body {
            tls.write_all(b).await.unwrap();
        }
        let mut buf = vec![];
        // The server may close without close_notify; what arrived is the response.
        let _ = tls.read_to_end(&mut buf).await;
        parse_response(&buf).expect("a complete response")
    }

    async fn json(&self, method: &str, target: &str, body: Option<Value>) -> Resp {
        let bytes = body.map(|b| b.to_string().into_bytes());
        let headers: &[(&str, &str)] = if bytes.is_some() {
            &[("Content-Type", "application/json")]
        } else {
            &[]
        };
        self.request(method, target, headers, bytes.as_deref())
            .await
    }

    async fn post_form(&self, path: &str, pairs: &[(&str, &str)], cookie: Option<&str>) -> Resp {
        let body = form(pairs);
        let mut headers = vec![
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "https://127.0.0.1:9"),
        ];
        if let Some(c) = cookie {
            headers.push(("Cookie", c));
        }
        self.request("POST", path, &headers, Some(body.as_bytes()))
            .await
    }

    fn authorize_query(&self, scope: &str, extra: &[(&str, &str)]) -> String {
        let challenge = emulator::jwt::pkce_challenge(VERIFIER);
        let mut pairs = vec![
            ("client_id", CLIENT),
            ("redirect_uri", "https://127.0.0.1:9/redirect.html"),
            ("response_type", "code"),
            ("response_mode", "fragment"),
            ("scope", scope),
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        pairs.extend_from_slice(extra);
        format!("/oidc/authorize?{}", form(&pairs))
    }

    /// Interactive sign-in through the form: returns (code, session cookie).
    async fn sign_in(&self, user: &str, scope: &str) -> (String, String) {
        let page = self
            .request("GET", &self.authorize_query(scope, &[]), &[], None)
            .await;
        assert_eq!(page.status, 200, "{}", page.text());
        let html = page.text();
        assert!(html.contains("<form method=\"post\" action=\"/oidc/authorize\">"));
        assert!(html.contains("name=\"username\""));
        assert!(html.contains(">Sign in</button>"));
        assert!(!html.contains("<script"));
        // Submit the form as a browser would: every hidden field, the user name, the button.
        let mut fields: Vec<(String, String)> = html
            .split("<input type=\"hidden\" ")
            .skip(1)
            .map(|f| {
                let name = f
                    .split("name=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                let value = f
                    .split("value=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                (
                    name.to_string(),
                    value.replace("&quot;", "\"").replace("&amp;", "&"),
                )
            })
            .collect();
        fields.push(("username".into(), user.into()));
        fields.push(("action".into(), "signin".into()));
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = self.post_form("/oidc/authorize", &pairs, None).await;
        assert_eq!(r.status, 302, "{}", r.text());
        let location = r.header("location").unwrap();
        assert!(
            location.starts_with("https://127.0.0.1:9/redirect.html#"),
            "{location}"
        );
        let a = answer(location);
        assert_eq!(get(&a, "state"), Some("st-1"));
        let cookie = r
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        assert!(r.header("set-cookie").unwrap().contains("Secure"));
        (get(&a, "code").expect("a code").to_string(), cookie)
    }

    async fn redeem(&self, code: &str, verifier: &str) -> Resp {
        self.post_form(
            "/oidc/token",
            &[
                ("client_id", CLIENT),
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", "https://127.0.0.1:9/redirect.html"),
                ("code_verifier", verifier),
                ("scope", "openid profile offline_access Contacts.ReadWrite"),
            ],
            None,
        )
        .await
    }

    async fn refresh(&self, rt: &str) -> Resp {
        self.post_form(
            "/oidc/token",
            &[
                ("client_id", CLIENT),
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                (
                    "scope",
                    "https://graph.microsoft.com/Contacts.ReadWrite openid profile offline_access",
                ),
            ],
            None,
        )
        .await
    }

    /// Sign-in + redemption: the token response.
    async fn tokens(&self, user: &str, scope: &str) -> Value {
        let (code, _) = self.sign_in(user, scope).await;
        let r = self.redeem(&code, VERIFIER).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    async fn graph(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        let auth = format!("Bearer {token}");
        let bytes = body.map(|b| b.to_string().into_bytes());
        let mut headers = vec![("Authorization", auth.as_str())];
        if bytes.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        self.request(method, path, &headers, bytes.as_deref()).await
    }
}

#[tokio::test]
async fn discovery_jwks_and_certificate_over_https() {
    let idp = start(emulator::AuthMode::Jwt).await;
    assert!(idp.running.url().starts_with("https://127.0.0.1:"));
    let d = idp
        .json("GET", "/oidc/.well-known/openid-configuration", None)
        .await;
    assert_eq!(d.status, 200);
    let d = d.json();
    let iss = idp.authority();
    assert_eq!(d["issuer"], iss.as_str());
    assert_eq!(d["authorization_endpoint"], format!("{iss}/authorize"));
    assert_eq!(d["token_endpoint"], format!("{iss}/token"));
    assert_eq!(d["jwks_uri"], format!("{iss}/keys"));
    assert_eq!(d["end_session_endpoint"], format!("{iss}/logout"));
    assert_eq!(d["response_types_supported"], json!(["code"]));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
    assert!(d["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("Contacts.ReadWrite")));
    let jwks = idp.json("GET", "/oidc/keys", None).await.json();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
    let pem = idp.json("GET", "/_emulator/tls/cert.pem", None).await;
    assert_eq!(pem.status, 200);
    assert_eq!(Some(pem.text()), idp.running.cert_pem);
    let tls = idp.json("GET", "/_emulator/tls", None).await.json();
    assert_eq!(tls["spkiSha256"].as_str().unwrap().len(), 44);
    idp.running.stop().await;
}

/// Verifies an RS256 JWT with the `n`/`e` published in the JWKS (not with the server's key).
fn verify_with_jwks(token: &str, jwks: &Value) -> bool {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value =
        serde_json::from_slice(&b64.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    let Some(key) = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
    else {
        return false;
    };
    let n = b64.decode(key["n"].as_str().unwrap()).unwrap();
    let e = b64.decode(key["e"].as_str().unwrap()).unwrap();
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let Ok(sig) = b64.decode(sig) else {
        return false;
    };
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &sig,
        )
        .is_ok()
}

#[tokio::test]
async fn sign_in_form_code_and_pkce_token_exchange() {
    let idp = start(emulator::AuthMode::Jwt).await;
    let r = idp
        .json(
            "PUT",
            "/_emulator/oidc/settings",
            Some(json!({"accessTokenLifetimeSeconds": 5})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let scope = "openid profile offline_access https://graph.microsoft.com/Contacts.ReadWrite";

    // A wrong verifier is refused, and the code is spent.
    let (code, _) = idp.sign_in(ALICE, scope).await;
    let r = idp.redeem(&code, "not-the-verifier").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant");
    let r = idp.redeem(&code, VERIFIER).await;
    assert_eq!(r.json()["error"], "invalid_grant", "codes are single-use");

    // The right one gets tokens, with CORS for the app's origin.
    let (code, _) = idp.sign_in("Alice@Contoso.example", scope).await;
    let r = idp.redeem(&code, VERIFIER).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://127.0.0.1:9")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let t = r.json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 5);
    assert_eq!(
        t["scope"], scope,
        "the requested scopes, as MSAL caches them"
    );
    assert!(t["refresh_token"].as_str().is_some());
    let at = claims(t["access_token"].as_str().unwrap());
    assert_eq!(at["aud"], "https://graph.microsoft.com");
    assert_eq!(at["iss"], idp.authority());
    assert_eq!(at["scp"], "Contacts.ReadWrite");
    assert_eq!(at["preferred_username"], ALICE);
    assert_eq!(at["tid"], emulator::oidc::TENANT_ID);
    assert_eq!(at["oid"], emulator::oidc::object_id(ALICE));
    assert_eq!(at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(), 5);
    assert!(at["nbf"].as_i64().unwrap() <= at["iat"].as_i64().unwrap());
    let id = claims(t["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], CLIENT);
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["preferred_username"], ALICE);

    // Both tokens verify against the published JWKS; a tampered one does not.
    let jwks = idp.json("GET", "/oidc/keys", None).await.json();
    assert!(verify_with_jwks(t["access_token"].as_str().unwrap(), &jwks));
    assert!(verify_with_jwks(t["id_token"].as_str().unwrap(), &jwks));
    let forged = tamper(t["access_token"].as_str().unwrap(), |c| {
        c["scp"] = json!("Contacts.ReadWrite.Shared")
    });
    assert!(!verify_with_jwks(&forged, &jwks));

    // Query response mode; missing PKCE and a foreign redirect URI are refused.
    let q = idp
        .authorize_query("openid", &[])
        .replace("response_mode=fragment", "response_mode=query");
    assert_eq!(idp.request("GET", &q, &[], None).await.status, 200);
    let no_pkce = idp
        .authorize_query("openid", &[])
        .replace("code_challenge=", "x_challenge=");
    let r = idp.request("GET", &no_pkce, &[], None).await;
    assert_eq!(r.status, 302);
    let a = answer(r.header("location").unwrap());
    assert_eq!(get(&a, "error"), Some("invalid_request"));
    assert_eq!(get(&a, "state"), Some("st-1"));
    let plain = idp
        .authorize_query("openid", &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let r = idp.request("GET", &plain, &[], None).await;
    assert_eq!(
        get(&answer(r.header("location").unwrap()), "error"),
        Some("invalid_request")
    );
    let foreign = idp.authorize_query("openid", &[]).replace(
        &common::enc("https://127.0.0.1:9/redirect.html"),
        &common::enc("https://evil.example/cb"),
    );
    let r = idp.request("GET", &foreign, &[], None).await;
    assert_eq!(r.status, 400, "no redirect to a foreign URI");

    // Cancel on the form → access_denied.
    let challenge = emulator::jwt::pkce_challenge(VERIFIER);
    let r = idp
        .post_form(
            "/oidc/authorize",
            &[
                ("client_id", CLIENT),
                ("redirect_uri", "https://127.0.0.1:9/redirect.html"),
                ("response_type", "code"),
                ("response_mode", "fragment"),
                ("scope", "openid"),
                ("state", "st-2"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("action", "cancel"),
            ],
            None,
        )
        .await;
    let a = answer(r.header("location").unwrap());
    assert_eq!(get(&a, "error"), Some("access_denied"));
    assert_eq!(get(&a, "state"), Some("st-2"));

    let s = idp
        .json("GET", "/_emulator/oidc/signins", None)
        .await
        .json();
    assert_eq!(s["signins"].as_array().unwrap().len(), 2);
    assert_eq!(s["signins"][1]["user"], ALICE);
    assert_eq!(s["signins"][1]["method"], "form");
    assert_eq!(s["counters"]["codeRedeemed"], 1);
    idp.running.stop().await;
}

/// Re-encodes a JWT's claims (keeping the original signature).
fn tamper(token: &str, f: impl FnOnce(&mut Value)) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut c: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    f(&mut c);
    format!("{}.{}.{}", parts[0], b64.encode(c.to_string()), parts[2])
}

#[tokio::test]
async fn prompt_none_answers_from_the_session_cookie_until_logout() {
    let idp = start(emulator::AuthMode::Jwt).await;
    let silent = idp.authorize_query("openid Contacts.ReadWrite", &[("prompt", "none")]);
    let r = idp.request("GET", &silent, &[], None).await;
    assert_eq!(r.status, 302);
    let a = answer(r.header("location").unwrap());
    assert_eq!(get(&a, "error"), Some("login_required"));
    assert_eq!(get(&a, "state"), Some("st-1"));

    let (_, cookie) = idp.sign_in(ALICE, "openid Contacts.ReadWrite").await;
    let r = idp
        .request("GET", &silent, &[("Cookie", cookie.as_str())], None)
        .await;
    let a = answer(r.header("location").unwrap());
    let code = get(&a, "code")
        .expect("a code without interaction")
        .to_string();
    let r = idp.redeem(&code, VERIFIER).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        claims(r.json()["access_token"].as_str().unwrap())["preferred_username"],
        ALICE
    );

    let r = idp
        .request(
            "GET",
            "/oidc/logout?post_logout_redirect_uri=https%3A%2F%2F127.0.0.1%3A9%2F&state=bye",
            &[("Cookie", cookie.as_str())],
            None,
        )
        .await;
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("https://127.0.0.1:9/?state=bye"));
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    let r = idp
        .request("GET", &silent, &[("Cookie", cookie.as_str())], None)
        .await;
    assert_eq!(
        get(&answer(r.header("location").unwrap()), "error"),
        Some("login_required")
    );
    let s = idp
        .json("GET", "/_emulator/oidc/signins", None)
        .await
        .json();
    assert_eq!(s["counters"]["authorizeSilentOk"], 1);
    assert_eq!(s["counters"]["authorizeSilentLoginRequired"], 2);
    assert_eq!(s["counters"]["logouts"], 1);
    idp.running.stop().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_can_be_made_to_fail() {
    let idp = start(emulator::AuthMode::Jwt).await;
    let t = idp
        .tokens(ALICE, "openid offline_access Contacts.ReadWrite")
        .await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let r = idp.refresh(&rt1).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t2 = r.json();
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2, "rotated");
    assert_ne!(t["access_token"], t2["access_token"]);
    assert_eq!(
        claims(t2["access_token"].as_str().unwrap())["scp"],
        "Contacts.ReadWrite"
    );
    let r = idp.refresh(&rt1).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant", "a spent refresh token");

    // Forced failure: the next refresh fails, and the SSO session is gone.
    let (_, cookie) = idp.sign_in(ALICE, "openid Contacts.ReadWrite").await;
    let r = idp
        .json("POST", "/_emulator/oidc/refresh/fail", Some(json!({})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["sessionsEnded"], 2);
    let r = idp.refresh(&rt2).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant");
    let silent = idp.authorize_query("openid Contacts.ReadWrite", &[("prompt", "none")]);
    let r = idp
        .request("GET", &silent, &[("Cookie", cookie.as_str())], None)
        .await;
    assert_eq!(
        get(&answer(r.header("location").unwrap()), "error"),
        Some("login_required")
    );

    // Signing in again works, and so does its refresh token.
    let t3 = idp
        .tokens(ALICE, "openid offline_access Contacts.ReadWrite")
        .await;
    let r = idp.refresh(t3["refresh_token"].as_str().unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let s = idp
        .json("GET", "/_emulator/oidc/signins", None)
        .await
        .json();
    assert_eq!(s["counters"]["refreshOk"], 2);
    assert_eq!(s["counters"]["refreshFailed"], 2);
    idp.running.stop().await;
}

#[tokio::test]
async fn graph_in_jwt_mode_checks_signature_audience_lifetime_and_scopes() {
    let idp = start(emulator::AuthMode::Jwt).await;
    let t = idp.tokens(ALICE, "openid Contacts.ReadWrite").await;
    let at = t["access_token"].as_str().unwrap().to_string();
    let r = idp.graph(&at, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = idp
        .graph(
            &at,
            "POST",
            "/v1.0/me/contactFolders",
            Some(json!({"displayName": "Central Contacts"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // The user is the token's preferred_username.
    let m = idp
        .json("GET", &format!("/_emulator/mailboxes/{ALICE}"), None)
        .await
        .json();
    assert!(m["folders"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["displayName"] == "Central Contacts"));

    let refused = |r: &Resp| {
        (
            r.status,
            r.json()["error"]["code"].as_str().unwrap_or("").to_string(),
        )
    };
    let unauthorized = (401, "InvalidAuthenticationToken".to_string());
    // Bad signature (claims changed after signing).
    let forged = tamper(&at, |c| {
        c["preferred_username"] = json!("mallory@contoso.example")
    });
    let r = idp
        .graph(&forged, "GET", "/v1.0/me/contactFolders", None)
        .await;
    assert_eq!(refused(&r), unauthorized);
    // Wrong audience: the id token (aud = the client id) as a bearer token.
    let r = idp
        .graph(
            t["id_token"].as_str().unwrap(),
            "GET",
            "/v1.0/me/contactFolders",
            None,
        )
        .await;
    assert_eq!(refused(&r), unauthorized);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("audience"));
    // An opaque demo token means nothing in jwt mode.
    let r = idp
        .graph(
            "emu.0123456789abcdef",
            "GET",
            "/v1.0/me/contactFolders",
            None,
        )
        .await;
    assert_eq!(refused(&r), unauthorized);
    // No Contacts.ReadWrite: reads with Contacts.Read, but writes are refused with 403.
    let ro = idp.tokens(ALICE, "openid Contacts.Read").await;
    let ro = ro["access_token"].as_str().unwrap();
    assert_eq!(
        idp.graph(ro, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
    let r = idp
        .graph(
            ro,
            "POST",
            "/v1.0/me/contactFolders",
            Some(json!({"displayName": "X"})),
        )
        .await;
    assert_eq!(refused(&r), (403, "ErrorAccessDenied".to_string()));
    // Withheld consent: the response echoes the scope, but the token lacks it.
    idp.json(
        "PUT",
        "/_emulator/oidc/settings",
        Some(json!({"withheldScopes": ["Contacts.ReadWrite"]})),
    )
    .await;
    let w = idp
        .tokens(ALICE, "openid User.Read Contacts.ReadWrite")
        .await;
    assert_eq!(
        claims(w["access_token"].as_str().unwrap())["scp"],
        "User.Read"
    );
    let r = idp
        .graph(
            w["access_token"].as_str().unwrap(),
            "GET",
            "/v1.0/me/contactFolders",
            None,
        )
        .await;
    assert_eq!(refused(&r), (403, "ErrorAccessDenied".to_string()));
    // Expiry: a 1-second token, then a wait; and early expiry through the control API.
    idp.json(
        "PUT",
        "/_emulator/oidc/settings",
        Some(json!({"withheldScopes": [], "accessTokenLifetimeSeconds": 1})),
    )
    .await;
    let short = idp.tokens(ALICE, "openid Contacts.ReadWrite").await;
    let short = short["access_token"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = idp
        .graph(short, "GET", "/v1.0/me/contactFolders", None)
        .await;
    assert_eq!(refused(&r), unauthorized);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let r = idp
        .json(
            "POST",
            "/_emulator/tokens/expire",
            Some(json!({"user": ALICE})),
        )
        .await;
    assert!(r.json()["expired"].as_u64().unwrap() >= 1);
    let r = idp.graph(&at, "GET", "/v1.0/me/contactFolders", None).await;
    assert_eq!(refused(&r), unauthorized);
    // The control API's token shortcut issues JWTs in this mode.
    let r = idp
        .json(
            "POST",
            "/_emulator/token",
            Some(json!({"user": ALICE, "scopes": ["Contacts.ReadWrite"]})),
        )
        .await;
    let shortcut = r.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims(&shortcut)["aud"], "https://graph.microsoft.com");
    assert_eq!(
        idp.graph(&shortcut, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
    idp.running.stop().await;
}

#[tokio::test]
async fn default_mode_keeps_opaque_tokens_and_refuses_jwts() {
    let idp = start(emulator::AuthMode::Opaque).await;
    let opaque = idp
        .json(
            "POST",
            "/_emulator/token",
            Some(json!({"user": ALICE, "scopes": ["Contacts.ReadWrite"]})),
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(opaque.starts_with("emu."));
    assert_eq!(
        idp.graph(&opaque, "GET", "/v1.0/me/contactFolders", None)
            .await
            .status,
        200
    );
    let t = idp.tokens(ALICE, "openid Contacts.ReadWrite").await;
    let r = idp
        .graph(
            t["access_token"].as_str().unwrap(),
            "GET",
            "/v1.0/me/contactFolders",
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    idp.running.stop().await;
}

#[test]
fn binary_with_https_prints_an_https_url() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_emulator"))
        .args(["--listen", "127.0.0.1:0", "--https", "--auth", "jwt"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let port: u16 = line
        .strip_prefix("emulator listening on https://127.0.0.1:")
        .and_then(|p| p.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("line: {line:?}"));
    assert_ne!(port, 0);
    let bad = Command::new(env!("CARGO_BIN_EXE_emulator"))
        .args(["--auth", "magic"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
