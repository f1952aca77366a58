//! A minimal HTTP/1.1 client over TCP (one request per connection) and helpers to start the
//! emulator in-process on a free 127.0.0.1 port. A connection closed without a response is
//! reported as an error, which is what the drop faults must produce.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const EXT_ID: &str = "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId";
pub const USER: &str = "alice@contoso.example";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Resp> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    if let Some(b) = body {
        stream.write_all(b).await?;
    }
    let mut buf = vec![];
    stream.read_to_end(&mut buf).await?;
    parse_response(&buf)
}

pub fn parse_response(buf: &[u8]) -> std::io::Result<Resp> {
    let eof = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no complete response");
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(eof)?;
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(eof)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &buf[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        let mut out = vec![];
        let mut pos = 0;
        loop {
            let nl = rest[pos..]
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(eof)?;
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[pos..pos + nl]).trim(), 16)
                    .map_err(|_| eof())?;
            pos += nl + 2;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(pos..pos + size).ok_or_else(eof)?);
            pos += size + 2;
        }
        out
    } else {
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        match len {
            Some(n) if rest.len() < n => return Err(eof()),
            Some(n) => rest[..n].to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub struct Emu {
    pub running: emulator::Running,
    pub addr: SocketAddr,
}

pub async fn start() -> Emu {
    start_with(emulator::Config::default()).await
}

pub async fn start_with(config: emulator::Config) -> Emu {
    let running = emulator::start(config).await.expect("emulator starts");
    let addr = running.addr;
    Emu { running, addr }
}

impl Emu {
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> std::io::Result<Resp> {
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        let mut h: Vec<(&str, &str)> = headers.to_vec();
        if bytes.is_some() {
            h.push(("Content-Type", "application/json"));
        }
        raw_request(self.addr, method, target, &h, bytes.as_deref()).await
    }

    /// A control API call that must succeed at the HTTP level.
    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.send(method, path, &[], body.as_ref())
            .await
            .expect("control call answered")
    }

    pub async fn token_for(&self, user: &str, scopes: &[&str]) -> String {
        let r = self
            .control(
                "POST",
                "/_emulator/token",
                Some(json!({"user": user, "scopes": scopes, "ttlSeconds": 3600})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self) -> String {
        self.token_for(USER, &["Contacts.ReadWrite"]).await
    }

    /// A Graph call with a bearer token; the answer must arrive.
    pub async fn graph(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.try_graph(token, method, path, body)
            .await
            .expect("graph call answered")
    }

    pub async fn try_graph(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> std::io::Result<Resp> {
        let auth = format!("Bearer {token}");
        self.send(method, path, &[("Authorization", &auth)], body.as_ref())
            .await
    }

    /// Creates a folder through Graph and returns its id.
    pub async fn folder(&self, token: &str, name: &str) -> String {
        let r = self
            .graph(
                token,
                "POST",
                "/v1.0/me/contactFolders",
                Some(json!({"displayName": name})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }

    pub async fn set_limits(&self, limits: Value) {
        let r = self.control("PUT", "/_emulator/limits", Some(limits)).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }

    pub async fn add_fault(&self, rule: Value) {
        let r = self.control("POST", "/_emulator/faults", Some(rule)).await;
        assert_eq!(r.status, 201, "{}", r.text());
    }

    pub async fn stats(&self) -> Value {
        self.control("GET", "/_emulator/stats", None).await.json()
    }

    /// Contacts of a folder as stored, via the control API.
    pub async fn stored(&self, user: &str, folder_id: &str) -> Vec<Value> {
        let m = self
            .control("GET", &format!("/_emulator/mailboxes/{user}"), None)
            .await
            .json();
        m["folders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == folder_id)
            .map(|f| f["contacts"].as_array().unwrap().clone())
            .unwrap_or_default()
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn person(first: &str, last: &str, email: &str) -> Value {
    json!({"givenName": first, "surname": last, "emailAddresses": [{"address": email, "name": format!("{first} {last}")}]})
}
