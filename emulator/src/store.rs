//! Everything the emulator remembers, behind one mutex that is never held across an await:
//! tokens, mailboxes (folders and contacts), shares, Central's data, limits, faults, stats.

use crate::contact::Contact;
use crate::faults::Faults;
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct Token {
    pub user: String,
    /// Lower-cased short scope names (`contacts.readwrite`).
    pub scopes: Vec<String>,
    pub expires: Instant,
}

impl Token {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Requests (batch items counted one by one) executing at once per mailbox; `null` = none.
    pub max_concurrent_per_mailbox: Option<u32>,
    /// Sleep per request / batch item while holding its concurrency slot.
    pub latency_ms: u64,
    /// Requests per mailbox per window; `null` = unlimited.
    pub budget_per_window: Option<u64>,
    pub window_seconds: u64,
    /// `Retry-After` sent with the concurrency 429.
    pub concurrency_retry_after_seconds: u64,
    /// Whether Graph's CORS answers list `Retry-After` in `Access-Control-Expose-Headers`.
    pub expose_retry_after: bool,
    /// Answer batch items in a shuffled order (deterministic per batch), not request order.
    pub shuffle_batch_responses: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent_per_mailbox: Some(4),
            latency_ms: 0,
            budget_per_window: None,
            window_seconds: 600,
            concurrency_retry_after_seconds: 1,
            expose_retry_after: false,
            shuffle_batch_responses: true,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CentralSettings {
    /// When set, `GET /central/api/contacts` needs `Authorization: Bearer <this>`.
    pub required_token: Option<String>,
    /// Apply `status=` on the server (case-insensitive, trimmed).
    pub apply_status_filter: bool,
    pub default_page_size: usize,
    pub max_page_size: usize,
}

impl Default for CentralSettings {
    fn default() -> Self {
        Self {
            required_token: None,
            apply_status_filter: true,
            default_page_size: 100,
            max_page_size: 1000,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Top-level HTTP requests under `/v1.0` (a `$batch` counts once), preflights excluded.
    pub graph_requests: u64,
    pub graph_requests_by_kind: BTreeMap<String, u64>,
    pub batch_items: u64,
    pub batch_items_by_kind: BTreeMap<String, u64>,
    pub central_requests: u64,
    pub preflight_requests: u64,
    pub throttled_concurrency: u64,
    pub throttled_budget: u64,
    pub faults_injected: u64,
    pub status_counts: BTreeMap<String, u64>,
    pub max_concurrency_observed: BTreeMap<String, u64>,
}

impl Stats {
    pub fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
        *map.entry(key.to_string()).or_default() += 1;
    }
}

#[derive(Debug, Clone)]
pub enum Change {
    Live(String),
    Removed(String),
}

#[derive(Debug)]
pub struct Folder {
    pub id: String,
    pub display_name: String,
    pub parent_id: String,
    pub seq: u64,
    /// Creation seq → contact id (listing order and paging cursor).
    pub contacts: BTreeMap<u64, String>,
    /// Version → change (delta cursor).
    pub changes: BTreeMap<u64, Change>,
}

#[derive(Debug)]
pub struct Mailbox {
    pub user: String,
    salt: u64,
    pub root_id: String,
    pub default_id: String,
    pub folders: HashMap<String, Folder>,
    pub contacts: HashMap<String, Contact>,
    next: u64,
    pub version: u64,
    pub delta_epoch: u64,
    pub executing: u64,
    pub window_start: Instant,
    pub window_count: u64,
}

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64STD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64(bytes: &[u8], alphabet: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

impl Mailbox {
    pub fn new(user: &str) -> Self {
        let salt = fnv(user);
        let mut m = Self {
            user: user.to_string(),
            salt,
            root_id: String::new(),
            default_id: String::new(),
            folders: HashMap::new(),
            contacts: HashMap::new(),
            next: 1,
            version: 0,
            delta_epoch: 1,
            executing: 0,
            window_start: Instant::now(),
            window_count: 0,
        };
        m.root_id = m.new_id(b'R');
        let root = m.root_id.clone();
        let default_id = m.add_folder("Contacts", &root);
        m.default_id = default_id;
        m
    }

    fn bump(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    /// Graph-like ids: long, case-sensitive, with `-`, `_` and a trailing `=`.
    pub fn new_id(&mut self, kind: u8) -> String {
        let n = self.bump();
        let mut rng = SplitMix64::new(self.salt ^ n.rotate_left(17) ^ kind as u64);
        let mut bytes = Vec::with_capacity(48);
        bytes.extend_from_slice(&[0, 0x03, 0x24, 0]);
        bytes.extend_from_slice(&self.salt.to_be_bytes());
        bytes.push(kind);
        bytes.extend_from_slice(&n.to_be_bytes());
        for _ in 0..3 {
            bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
        }
        bytes.push(0);
        format!("{}=", b64(&bytes, B64URL))
    }

    pub fn new_change_key(&mut self) -> String {
        let n = self.bump();
        let mut rng = SplitMix64::new(self.salt.wrapping_add(n));
        let mut bytes = vec![0x11, 0, 0, 0, 0x16, 0, 0, 0];
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
        bytes.extend_from_slice(&(n as u32).to_be_bytes());
        b64(&bytes, B64STD)
    }

    pub fn add_folder(&mut self, name: &str, parent: &str) -> String {
        let id = self.new_id(b'F');
        let seq = self.bump();
        self.folders.insert(
            id.clone(),
            Folder {
                id: id.clone(),
                display_name: name.to_string(),
                parent_id: parent.to_string(),
                seq,
                contacts: BTreeMap::new(),
                changes: BTreeMap::new(),
            },
        );
        id
    }

    /// Children of `parent`, oldest first.
    pub fn child_folders(&self, parent: &str) -> Vec<&Folder> {
        let mut v: Vec<&Folder> = self
            .folders
            .values()
            .filter(|f| f.parent_id == parent)
            .collect();
        v.sort_by_key(|f| f.seq);
        v
    }

    pub fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    /// Stores a new contact in `folder_id` (which must exist).
    pub fn insert_contact(&mut self, folder_id: &str, mut contact: Contact) -> String {
        let id = self.new_id(b'C');
        let seq = self.bump();
        let version = self.next_version();
        let now = crate::time::now_secs();
        contact.id = id.clone();
        contact.folder_id = folder_id.to_string();
        contact.seq = seq;
        contact.version = version;
        contact.created = now;
        contact.modified = now;
        contact.change_key = self.new_change_key();
        if let Some(f) = self.folders.get_mut(folder_id) {
            f.contacts.insert(seq, id.clone());
            f.changes.insert(version, Change::Live(id.clone()));
        }
        self.contacts.insert(id.clone(), contact);
        id
    }

    /// Marks a contact as written: new changeKey, later lastModifiedDateTime, new version.
    pub fn touch(&mut self, id: &str) {
        let version = self.next_version();
        let key = self.new_change_key();
        let Some(c) = self.contacts.get_mut(id) else {
            return;
        };
        let old_version = c.version;
        c.version = version;
        c.change_key = key;
        // Graph's timestamps have second precision; keep "changes on every write" true.
        c.modified = crate::time::now_secs().max(c.modified + 1);
        let folder = c.folder_id.clone();
        if let Some(f) = self.folders.get_mut(&folder) {
            f.changes.remove(&old_version);
            f.changes.insert(version, Change::Live(id.to_string()));
        }
    }

    pub fn remove_contact(&mut self, id: &str) -> bool {
        let Some(c) = self.contacts.remove(id) else {
            return false;
        };
        let version = self.next_version();
        if let Some(f) = self.folders.get_mut(&c.folder_id) {
            f.contacts.remove(&c.seq);
            f.changes.remove(&c.version);
            f.changes.insert(version, Change::Removed(id.to_string()));
        }
        true
    }

    pub fn remove_folder(&mut self, id: &str) {
        let children: Vec<String> = self
            .folders
            .values()
            .filter(|f| f.parent_id == id)
            .map(|f| f.id.clone())
            .collect();
        for c in children {
            self.remove_folder(&c);
        }
        if let Some(f) = self.folders.remove(id) {
            for cid in f.contacts.values() {
                self.contacts.remove(cid);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ShareAccess {
    Read,
    ReadWrite,
}

/// One Central record: its raw JSON text (served as stored) and its status for filtering.
#[derive(Debug, Clone)]
pub struct CentralItem {
    pub status: Option<String>,
    pub raw: String,
}

impl CentralItem {
    pub fn from_value(v: &Value) -> Self {
        Self {
            status: v
                .get("status")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_lowercase()),
            raw: serde_json::to_string(v).unwrap_or_else(|_| "null".into()),
        }
    }
}

#[derive(Debug, Default)]
pub struct Store {
    pub tokens: HashMap<String, Token>,
    pub mailboxes: HashMap<String, Mailbox>,
    /// (owner, grantee) lower-cased → access.
    pub shares: HashMap<(String, String), ShareAccess>,
    pub central: Vec<CentralItem>,
    pub central_settings: CentralSettings,
    pub limits: Limits,
    pub faults: Faults,
    pub stats: Stats,
    pub batches: u64,
    pub oidc: crate::oidc::OidcState,
}

impl Store {
    pub fn mailbox(&mut self, user: &str) -> &mut Mailbox {
        let key = user.to_lowercase();
        self.mailboxes
            .entry(key.clone())
            .or_insert_with(|| Mailbox::new(&key))
    }
}
