//! A local stand-in for Central's contacts API and the Microsoft Graph contacts subset, with
//! Graph's limits and injectable faults. Start it in-process with [`start`], or run the
//! `emulator` binary.
//!
//! # Example
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let running = emulator::start(emulator::Config::default()).await?;
//! println!("listening on {}", running.url());
//! let token = running.emulator.issue_token("me@contoso.example", &["Contacts.ReadWrite".into()], 3600);
//! # let _ = token; running.stop().await; Ok(()) }
//! ```

mod batch;
mod central;
pub mod contact;
mod control;
pub mod demo;
pub mod error;
pub mod faults;
mod graph;
pub mod jwt;
mod ledger;
pub mod oidc;
pub mod query;
mod records;
pub mod rng;
mod server;
pub mod store;
pub mod time;
pub mod tls;
mod user;

use contact::{ext_key, parse_body, Contact};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use store::{CentralItem, CentralKind, ShareAccess, Store, Token};

/// How to start the emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    /// Seed the demo data set with this many Central contacts.
    pub demo_size: Option<usize>,
    /// Served at `/`.
    pub www: PathBuf,
    /// Served at `/pkg/`.
    pub pkg: PathBuf,
    /// Serve https with a self-signed certificate generated at start (`--https`).
    pub tls: bool,
    /// How Graph checks bearer tokens (`--auth opaque|jwt`).
    pub auth: AuthMode,
}

/// How the Graph side authenticates bearer tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// Opaque demo tokens from `POST /_emulator/token` (the default).
    #[default]
    Opaque,
    /// RS256 JWTs from the OIDC provider (`/oidc`): signature, issuer, audience, lifetime
    /// and `scp` are checked; `/_emulator/token` then issues such JWTs too.
    Jwt,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            demo_size: None,
            www: PathBuf::from("www"),
            pkg: PathBuf::from("pkg"),
            tls: false,
            auth: AuthMode::Opaque,
        }
    }
}

struct Inner {
    store: Mutex<Store>,
    www: PathBuf,
    pkg: PathBuf,
    addr: OnceLock<SocketAddr>,
    tls: OnceLock<tls::TlsInfo>,
    auth: OnceLock<AuthMode>,
}

/// A handle on the emulator's state, for tests and tools that run it in-process.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

impl Emulator {
    pub fn new(www: PathBuf, pkg: PathBuf) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: Mutex::new(Store::default()),
                www,
                pkg,
                addr: OnceLock::new(),
                tls: OnceLock::new(),
                auth: OnceLock::new(),
            }),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.inner.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn www_dir(&self) -> PathBuf {
        self.inner.www.clone()
    }

    fn pkg_dir(&self) -> PathBuf {
        self.inner.pkg.clone()
    }

    fn addr_string(&self) -> String {
        self.inner
            .addr
            .get()
            .map(ToString::to_string)
            .unwrap_or_else(|| "127.0.0.1".into())
    }

    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.inner.tls.get().is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The generated certificate when serving https.
    pub fn tls_info(&self) -> Option<&tls::TlsInfo> {
        self.inner.tls.get()
    }

    pub fn auth_mode(&self) -> AuthMode {
        self.inner.auth.get().copied().unwrap_or_default()
    }

    /// Issues a bearer token for `user` with `scopes` (e.g. `Contacts.ReadWrite`, with or
    /// without a `https://graph.microsoft.com/` prefix) valid for `ttl_seconds`: opaque by
    /// default, a signed JWT (as the OIDC provider issues) in [`AuthMode::Jwt`].
    pub fn issue_token(&self, user: &str, scopes: &[String], ttl_seconds: u64) -> String {
        if self.auth_mode() == AuthMode::Jwt {
            return self.mint_access_token(user, "emulator-control", scopes, ttl_seconds);
        }
        let mut rng = rng::SplitMix64::new(rng::entropy());
        let token = format!(
            "emu.{:016x}{:016x}{:016x}",
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64()
        );
        let scopes = scopes
            .iter()
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase())
            .collect();
        self.lock().tokens.insert(
            token.clone(),
            Token {
                user: user.to_lowercase(),
                scopes,
                // A huge ttl must not overflow (a panic would abort the release server).
                expires: Instant::now()
                    .checked_add(Duration::from_secs(ttl_seconds))
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(100 * 365 * 86_400)),
            },
        );
        token
    }

    /// Expires the tokens of `user` (all tokens when `None`) now; returns how many.
    pub fn expire_tokens(&self, user: Option<&str>) -> usize {
        let user = user.map(str::to_lowercase);
        let now = Instant::now();
        let mut n = 0;
        for t in self.lock().tokens.values_mut() {
            if user.as_ref().is_none_or(|u| *u == t.user) && t.expires > now {
                t.expires = now;
                n += 1;
            }
        }
        n
    }

    /// Forgets everything: mailboxes, tokens, shares, Central's data, limits, faults, stats.
    pub fn reset(&self) {
        *self.lock() = Store::default();
    }

    pub fn share(&self, owner: &str, grantee: &str, access: ShareAccess) {
        self.lock()
            .shares
            .insert((owner.to_lowercase(), grantee.to_lowercase()), access);
    }

    /// Replaces Central's contacts. Each value is served as given, except that an object
    /// with a string `id` is served with the emulator's `version` (a string): a record whose
    /// id was stored before with the same content (apart from `version`) keeps its version,
    /// any other gets a new one (one counter for all of Central). A `version` in the given
    /// record is ignored.
    pub fn set_central(&self, items: &[Value]) {
        self.set_records(CentralKind::Contacts, items);
    }

    /// Replaces Central's accounts, as [`Emulator::set_central`] does its contacts (the same
    /// version counter; `createdAt` and every other field served as given).
    pub fn set_accounts(&self, items: &[Value]) {
        self.set_records(CentralKind::Accounts, items);
    }

    fn set_records(&self, kind: CentralKind, items: &[Value]) {
        let mut store = self.lock();
        let mut before: std::collections::HashMap<String, Vec<(u64, u64)>> =
            std::collections::HashMap::new();
        for item in store.records(kind) {
            if let (Some(id), Some(v)) = (&item.id, item.version) {
                before
                    .entry(id.clone())
                    .or_default()
                    .push((item.content, v));
            }
        }
        let mut next = store.central_version;
        let items: Vec<CentralItem> = items
            .iter()
            .map(|v| {
                let item = CentralItem::from_value(v);
                let Some(id) = &item.id else {
                    return item;
                };
                let kept = before.get_mut(id).and_then(|list| {
                    let pos = list.iter().position(|(c, _)| *c == item.content)?;
                    Some(list.remove(pos).1)
                });
                let version = kept.unwrap_or_else(|| {
                    next += 1;
                    next
                });
                item.stamp(version)
            })
            .collect();
        store.central_version = next;
        *store.records_mut(kind) = items;
    }

    /// Edits one Central contact as a user of Central would: the fields of `patch` (an
    /// object) replace the record's (`id` and `version` are ignored); a change gives it a
    /// new `version`. Returns the record, or `None` when no object record has this id.
    pub fn edit_central(&self, id: &str, patch: &serde_json::Map<String, Value>) -> Option<Value> {
        self.edit_record(CentralKind::Contacts, id, patch)
    }

    /// [`Emulator::edit_central`] for an account.
    pub fn edit_account(&self, id: &str, patch: &serde_json::Map<String, Value>) -> Option<Value> {
        self.edit_record(CentralKind::Accounts, id, patch)
    }

    fn edit_record(
        &self,
        kind: CentralKind,
        id: &str,
        patch: &serde_json::Map<String, Value>,
    ) -> Option<Value> {
        let mut store = self.lock();
        let pos = store
            .records(kind)
            .iter()
            .position(|c| c.id.as_deref() == Some(id))?;
        let mut record: Value = serde_json::from_str(&store.records(kind)[pos].raw).ok()?;
        let obj = record.as_object_mut()?;
        for (k, v) in patch {
            if k != "id" && k != "version" {
                obj.insert(k.clone(), v.clone());
            }
        }
        let item = CentralItem::from_value(&record);
        let old = &store.records(kind)[pos];
        let version = if item.content == old.content {
            old.version.unwrap_or(0)
        } else {
            store.central_version += 1;
            store.central_version
        };
        let item = item.stamp(version);
        let out = serde_json::from_str(&item.raw).ok();
        store.records_mut(kind)[pos] = item;
        out
    }

    /// Finds (by name, case-insensitively, under `parent` or the default folder) or creates a
    /// folder. Returns its JSON and whether it was created.
    pub fn seed_folder(
        &self,
        user: &str,
        name: &str,
        parent: Option<&str>,
    ) -> Result<(Value, bool), String> {
        let mut store = self.lock();
        let m = store.mailbox(user);
        let parent = parent.unwrap_or(&m.default_id).to_string();
        if !m.folders.contains_key(&parent) {
            return Err(format!("no folder '{parent}' in mailbox {user}"));
        }
        let existing = m
            .child_folders(&parent)
            .iter()
            .find(|f| f.display_name.eq_ignore_ascii_case(name))
            .map(|f| f.id.clone());
        let (id, created) = match existing {
            Some(id) => (id, false),
            None => (m.add_folder(name, &parent), true),
        };
        let f = &m.folders[&id];
        Ok((
            json!({"id": f.id, "displayName": f.display_name, "parentFolderId": f.parent_id}),
            created,
        ))
    }

    /// Stores contacts as given (no caps, no limits) in the folder with this id or display
    /// name; `Some(central id)` is stored as the CentralContactId extended property.
    pub fn seed_contacts(
        &self,
        user: &str,
        folder: &str,
        contacts: Vec<(Value, Option<String>)>,
    ) -> Result<Vec<String>, String> {
        let key = ext_key(demo::CENTRAL_ID_PROPERTY).unwrap_or_default();
        let mut store = self.lock();
        let m = store.mailbox(user);
        let folder_id = m
            .folder_by_id_or_name(folder)
            .ok_or_else(|| format!("no folder '{folder}' in mailbox {user}"))?;
        let mut ids = Vec::with_capacity(contacts.len());
        for (value, central_id) in contacts {
            let mut changes = parse_body(&value, false)?;
            if let Some(cid) = central_id {
                changes
                    .ext
                    .push((key.clone(), demo::CENTRAL_ID_PROPERTY.to_string(), cid));
            }
            let mut c = Contact::default();
            c.apply(changes, true);
            ids.push(m.insert_contact(&folder_id, c));
        }
        Ok(ids)
    }

    /// Loads a demo data set: Central's contacts, the Outlook folders and contacts, and a share
    /// of the shared mailbox with the demo user.
    pub fn load_demo(&self, data: &demo::DemoData) {
        self.set_central(&data.central);
        self.set_accounts(&data.accounts);
        let mut groups: Vec<SeedGroup> = vec![];
        for seed in &data.outlook {
            let pos = groups
                .iter()
                .position(|(u, f, _)| *u == seed.user && *f == seed.folder);
            let item = (seed.contact.clone(), seed.central_id.clone());
            match pos {
                Some(p) => groups[p].2.push(item),
                None => groups.push((seed.user, seed.folder, vec![item])),
            }
        }
        for (user, folder, contacts) in groups {
            let folder_id = if folder == "Contacts" {
                self.lock().mailbox(user).default_id.clone()
            } else {
                match self.seed_folder(user, folder, None) {
                    Ok((f, _)) => f["id"].as_str().unwrap_or_default().to_string(),
                    Err(_) => continue,
                }
            };
            let _ = self.seed_contacts(user, &folder_id, contacts);
        }
        self.share(
            demo::SHARED_MAILBOX,
            demo::DEMO_USER,
            ShareAccess::ReadWrite,
        );
    }

    /// A mailbox's folders with their contacts, each with its stored `centralId`.
    pub fn inspect(&self, user: &str) -> Value {
        let key = ext_key(demo::CENTRAL_ID_PROPERTY).unwrap_or_default();
        let mut store = self.lock();
        let m = store.mailbox(user);
        let mut folders: Vec<&store::Folder> = m.folders.values().collect();
        folders.sort_by_key(|f| f.seq);
        let folders: Vec<Value> = folders
            .into_iter()
            .map(|f| {
                let contacts: Vec<Value> = f
                    .contacts
                    .values()
                    .map(|id| {
                        let c = &m.contacts[id];
                        let mut v = c.render(None, Some(None));
                        v["immutableId"] = Value::String(c.immutable_id.clone());
                        v["centralId"] = c
                            .ext_value(&key)
                            .map(|s| Value::String(s.to_string()))
                            .unwrap_or(Value::Null);
                        v
                    })
                    .collect();
                json!({
                    "id": f.id,
                    "displayName": f.display_name,
                    "parentFolderId": f.parent_id,
                    "isDefault": f.id == m.default_id,
                    "isDeletedItems": Some(&f.id) == m.deleted_items_id.as_ref(),
                    "contacts": contacts,
                })
            })
            .collect();
        json!({ "user": m.user, "folders": folders })
    }
}

/// Demo contacts of one (mailbox, folder).
type SeedGroup<'a> = (&'a str, &'a str, Vec<(Value, Option<String>)>);

/// A started emulator. Dropping it (or [`Running::stop`]) stops accepting connections.
pub struct Running {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    /// PEM of the generated certificate when serving https.
    pub cert_pem: Option<String>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT` (`https://…` with [`Config::tls`]).
    pub fn url(&self) -> String {
        format!("{}://{}", self.emulator.scheme(), self.addr)
    }

    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Binds `config.listen` and serves until stopped.
pub async fn start(config: Config) -> std::io::Result<Running> {
    let emu = Emulator::new(config.www.clone(), config.pkg.clone());
    if let Some(size) = config.demo_size {
        emu.load_demo(&demo::generate(size));
    }
    let _ = emu.inner.auth.set(config.auth);
    let acceptor = if config.tls {
        let (info, acceptor) = tls::generate()?;
        let _ = emu.inner.tls.set(info);
        Some(acceptor)
    } else {
        None
    };
    if config.tls || config.auth == AuthMode::Jwt {
        // The RSA signing key is slow to generate in unoptimised builds: start now, off the
        // runtime, so the first token request rarely waits for it.
        std::thread::spawn(|| {
            let _ = jwt::SigningKey::shared();
        });
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let _ = emu.inner.addr.set(addr);
    let router = server::router(emu.clone());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, acceptor, router, rx));
    Ok(Running {
        addr,
        cert_pem: emu.tls_info().map(|t| t.cert_pem.clone()),
        emulator: emu,
        shutdown: tx,
        task: Some(task),
    })
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    router: axum::Router,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let stop = shutdown.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => serve_connection(stream, router, stop).await,
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                    if let Ok(Ok(tls)) = handshake.await {
                        serve_connection(tls, router, stop).await;
                    }
                }
            }
        });
    }
}

/// Serves HTTP/1.1 on one connection (plain or TLS) until it ends or the server stops.
async fn serve_connection<IO>(
    io: IO,
    router: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use hyper::body::Incoming;
    use hyper_util::rt::TokioIo;
    use tower::ServiceExt;
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        async move {
            let resp = match router.oneshot(req.map(axum::body::Body::new)).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if resp.extensions().get::<server::DropConnection>().is_some() {
                Err(server::Dropped)
            } else {
                Ok(resp)
            }
        }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
