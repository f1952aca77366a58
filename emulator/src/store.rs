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
    /// Status of a PATCH/DELETE whose `If-Match` is not the contact's current etag: 412
    /// (Precondition Failed, the default) or 409 (as some report); both with the code
    /// `ErrorIrresolvableConflict`. Any other value is taken as 412.
    #[serde(default = "default_conflict_status")]
    pub if_match_conflict_status: u16,
    /// A Graph request (a `$batch` counted whole) whose body has more bytes than this → 413
    /// `RequestEntityTooLarge`, nothing run. Graph's is 4 MB; tests lower it.
    #[serde(default = "default_max_request_bytes")]
    pub max_request_bytes: usize,
}

fn default_conflict_status() -> u16 {
    412
}

fn default_max_request_bytes() -> usize {
    4 * 1024 * 1024
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
            if_match_conflict_status: 412,
            max_request_bytes: default_max_request_bytes(),
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
    /// Whether Central has the ledger resource (`/central/api/sync-ledgers/{key}`).
    #[serde(default)]
    pub ledger: LedgerMode,
    /// A ledger PUT body larger than this many bytes → 413.
    #[serde(default = "default_ledger_max_bytes")]
    pub ledger_max_bytes: usize,
}

fn default_ledger_max_bytes() -> usize {
    // A ledger of 100,000 entries (every base field recorded) is ~70 MB.
    256 * 1024 * 1024
}

/// `ledger` of the Central settings: the resource exists (`on`), or every ledger call answers
/// 404 (`absent`), 405 (`methodNotAllowed`) or 501 (`notImplemented`), as a Central without
/// ledgers would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LedgerMode {
    #[default]
    On,
    Absent,
    MethodNotAllowed,
    NotImplemented,
}

impl Default for CentralSettings {
    fn default() -> Self {
        Self {
            required_token: None,
            apply_status_filter: true,
            default_page_size: 100,
            max_page_size: 1000,
            ledger: LedgerMode::On,
            ledger_max_bytes: default_ledger_max_bytes(),
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
    /// Pages of Central's contacts listing (`GET /central/api/contacts`).
    pub central_requests: u64,
    /// Every call of Central's record API (contacts and accounts, ledger excluded) by kind:
    /// `listContacts`, `getContact`, `createContact`, `updateContact`, `deleteContact`, the
    /// same for accounts, `unknown`.
    pub central_requests_by_kind: BTreeMap<String, u64>,
    /// Central's write calls (contacts and accounts) by method: `POST`, `PATCH`, `DELETE`.
    pub central_writes: BTreeMap<String, u64>,
    /// Calls of `/central/api/sync-ledgers/{key}` (not in `centralRequests`).
    pub ledger_requests: u64,
    pub preflight_requests: u64,
    pub throttled_concurrency: u64,
    pub throttled_budget: u64,
    pub faults_injected: u64,
    pub status_counts: BTreeMap<String, u64>,
    pub max_concurrency_observed: BTreeMap<String, u64>,
    /// `lateCommit` faults whose write has not run yet / has run.
    pub late_commits_pending: u64,
    pub late_commits_done: u64,
}

impl Stats {
    pub fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
        *map.entry(key.to_string()).or_default() += 1;
    }
}

#[derive(Debug, Clone)]
pub enum Change {
    /// The contact (by its current key, the regular id) was created or changed.
    Live(String),
    /// The contact left the folder: deleted (`reason` "deleted") or moved out ("changed").
    /// Both ids as they were, so delta can show either form.
    Removed {
        id: String,
        immutable_id: String,
        reason: &'static str,
    },
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
    /// Keyed by the contact's regular id (which changes when it moves folder).
    pub contacts: HashMap<String, Contact>,
    /// Immutable id → regular id (the key of `contacts`).
    pub immutable: HashMap<String, String>,
    /// The hidden "Deleted Items" folder, made on the first soft delete. Not a contact
    /// folder for Graph: not listed, not addressable, never paged.
    pub deleted_items_id: Option<String>,
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
            immutable: HashMap::new(),
            deleted_items_id: None,
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

    /// Stores a new contact in `folder_id` (which must exist); returns its regular id (the
    /// key of `contacts`). It also gets an immutable id (`Contact::immutable_id`).
    pub fn insert_contact(&mut self, folder_id: &str, mut contact: Contact) -> String {
        let id = self.new_id(b'C');
        let immutable_id = self.new_id(b'I');
        let seq = self.bump();
        let version = self.next_version();
        let now = crate::time::now_secs();
        contact.id = id.clone();
        contact.immutable_id = immutable_id.clone();
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
        self.immutable.insert(immutable_id, id.clone());
        self.contacts.insert(id.clone(), contact);
        id
    }

    /// The key (current regular id) of the contact with this regular or immutable id. A
    /// regular id from before a move is not found.
    pub fn find_contact(&self, id: &str) -> Option<String> {
        if self.contacts.contains_key(id) {
            return Some(id.to_string());
        }
        self.immutable.get(id).cloned()
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

    /// Moves a contact to `target` (a folder id), as a drag in Outlook: it gets a new regular
    /// id (its key), keeps its immutable id, goes to the end of the target folder and gets a
    /// new changeKey. The source folder's delta reports it removed with `reason`. Returns the
    /// new key.
    pub fn move_contact(
        &mut self,
        key: &str,
        target: &str,
        reason: &'static str,
    ) -> Option<String> {
        if !self.folders.contains_key(target) {
            return None;
        }
        let mut c = self.contacts.remove(key)?;
        let new_key = self.new_id(b'C');
        let seq = self.bump();
        self.unlist(key, &c, reason);
        let version = self.next_version();
        c.id = new_key.clone();
        c.folder_id = target.to_string();
        c.seq = seq;
        c.version = version;
        c.change_key = self.new_change_key();
        c.modified = crate::time::now_secs().max(c.modified + 1);
        if let Some(f) = self.folders.get_mut(target) {
            f.contacts.insert(seq, new_key.clone());
            f.changes.insert(version, Change::Live(new_key.clone()));
        }
        self.immutable
            .insert(c.immutable_id.clone(), new_key.clone());
        self.contacts.insert(new_key.clone(), c);
        Some(new_key)
    }

    /// The hidden Deleted Items folder (made on first use).
    pub fn deleted_items(&mut self) -> String {
        if let Some(id) = &self.deleted_items_id {
            return id.clone();
        }
        let root = self.root_id.clone();
        let id = self.add_folder("Deleted Items", &root);
        self.deleted_items_id = Some(id.clone());
        id
    }

    pub fn in_deleted_items(&self, key: &str) -> bool {
        self.deleted_items_id.is_some()
            && self.contacts.get(key).map(|c| &c.folder_id) == self.deleted_items_id.as_ref()
    }

    /// Graph's DELETE: the contact moves to Deleted Items (new regular id, same immutable
    /// id); one already there is purged. Returns the new key (`None` when purged or absent).
    pub fn soft_delete(&mut self, key: &str) -> Option<String> {
        if self.in_deleted_items(key) {
            self.remove_contact(key);
            return None;
        }
        let di = self.deleted_items();
        self.move_contact(key, &di, "deleted")
    }

    /// A copy-paste in Outlook: a new contact (new ids, new timestamps) with the same
    /// properties and extended properties, in `target`. Returns the new key.
    pub fn copy_contact(&mut self, key: &str, target: &str) -> Option<String> {
        if !self.folders.contains_key(target) {
            return None;
        }
        let src = self.contacts.get(key)?;
        let copy = Contact {
            props: src.props.clone(),
            ext: src.ext.clone(),
            ..Contact::default()
        };
        Some(self.insert_contact(target, copy))
    }

    /// A folder by id, or by display name (case-insensitively, the oldest of that name);
    /// never the hidden Deleted Items folder.
    pub fn folder_by_id_or_name(&self, s: &str) -> Option<String> {
        let visible = |f: &&Folder| Some(&f.id) != self.deleted_items_id.as_ref();
        if let Some(f) = self.folders.get(s).filter(visible) {
            return Some(f.id.clone());
        }
        let mut named: Vec<&Folder> = self
            .folders
            .values()
            .filter(visible)
            .filter(|f| f.id != self.root_id && f.display_name.eq_ignore_ascii_case(s))
            .collect();
        named.sort_by_key(|f| f.seq);
        named.first().map(|f| f.id.clone())
    }

    /// Purges a contact (no trace but a removal in its folder's delta).
    pub fn remove_contact(&mut self, id: &str) -> bool {
        let Some(c) = self.contacts.remove(id) else {
            return false;
        };
        self.immutable.remove(&c.immutable_id);
        self.unlist(id, &c, "deleted");
        true
    }

    /// Takes contact `key` (already out of `contacts`) off its folder's listing; the folder's
    /// delta reports it removed with `reason`.
    fn unlist(&mut self, key: &str, c: &Contact, reason: &'static str) {
        let version = self.next_version();
        if let Some(f) = self.folders.get_mut(&c.folder_id) {
            f.contacts.remove(&c.seq);
            f.changes.remove(&c.version);
            f.changes.insert(
                version,
                Change::Removed {
                    id: key.to_string(),
                    immutable_id: c.immutable_id.clone(),
                    reason,
                },
            );
        }
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
                if let Some(c) = self.contacts.remove(cid) {
                    self.immutable.remove(&c.immutable_id);
                }
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
/// An object record with a string `id` carries the emulator's `version` (a string, from one
/// Central-wide counter) in `raw`; other records are kept exactly as given.
#[derive(Debug, Clone)]
pub struct CentralItem {
    pub status: Option<String>,
    pub raw: String,
    /// The record's string `id`, when it is an object with one.
    pub id: Option<String>,
    /// The emulator's version of a record with an id (after [`CentralItem::stamp`]).
    pub version: Option<u64>,
    /// Hash of the record without its `version`: the record changed when this differs.
    pub content: u64,
}

impl CentralItem {
    /// The record as given; one with a string `id` loses any `version` of its own (the
    /// emulator stamps its own with [`CentralItem::stamp`]).
    pub fn from_value(v: &Value) -> Self {
        let id = v.get("id").and_then(Value::as_str).map(str::to_string);
        let raw = match (v, &id) {
            (Value::Object(o), Some(_)) if o.contains_key("version") => {
                let mut o = o.clone();
                o.remove("version");
                serde_json::to_string(&o)
            }
            _ => serde_json::to_string(v),
        }
        .unwrap_or_else(|_| "null".into());
        Self {
            status: v
                .get("status")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_lowercase()),
            content: fnv(&raw),
            raw,
            id,
            version: None,
        }
    }

    /// Sets the served `version` (records without an id are left alone).
    pub fn stamp(self, version: u64) -> Self {
        if self.version.is_some() {
            let v: Value = serde_json::from_str(&self.raw).unwrap_or(Value::Null);
            return Self::from_value(&v).stamp(version);
        }
        if self.id.is_none() || !self.raw.starts_with('{') {
            return self;
        }
        let rest = &self.raw[1..];
        let sep = if rest == "}" { "" } else { "," };
        Self {
            raw: format!("{{\"version\":\"{version}\"{sep}{rest}"),
            version: Some(version),
            ..self
        }
    }
}

/// Which of Central's collections a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CentralKind {
    Contacts,
    Accounts,
}

impl CentralKind {
    /// The path segment under `/central/api/`.
    pub fn segment(self) -> &'static str {
        match self {
            CentralKind::Contacts => "contacts",
            CentralKind::Accounts => "accounts",
        }
    }

    /// What a created record's id starts with.
    pub fn id_prefix(self) -> &'static str {
        match self {
            CentralKind::Contacts => "C-",
            CentralKind::Accounts => "A-",
        }
    }

    /// `Contact` / `Account`, for stats kinds and messages.
    pub fn noun(self) -> &'static str {
        match self {
            CentralKind::Contacts => "Contact",
            CentralKind::Accounts => "Account",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Ledger {
    pub body: String,
    pub etag: String,
}

#[derive(Debug, Default)]
pub struct Store {
    pub tokens: HashMap<String, Token>,
    pub mailboxes: HashMap<String, Mailbox>,
    /// (owner, grantee) lower-cased → access.
    pub shares: HashMap<(String, String), ShareAccess>,
    /// Central's contacts.
    pub central: Vec<CentralItem>,
    /// Central's accounts (organisations).
    pub accounts: Vec<CentralItem>,
    /// The last `version` given to a Central record (contacts and accounts share it).
    pub central_version: u64,
    /// The last N of an id `C-N` / `A-N` that a create gave (ids are never given twice).
    pub contact_seq: u64,
    pub account_seq: u64,
    /// Central's sync ledgers by (decoded) key.
    pub ledgers: BTreeMap<String, Ledger>,
    /// The last ledger ETag number.
    pub ledger_seq: u64,
    pub central_settings: CentralSettings,
    pub limits: Limits,
    pub faults: Faults,
    pub stats: Stats,
    pub batches: u64,
    pub oidc: crate::oidc::OidcState,
}

impl Store {
    /// Central's records of one kind.
    pub fn records(&self, kind: CentralKind) -> &Vec<CentralItem> {
        match kind {
            CentralKind::Contacts => &self.central,
            CentralKind::Accounts => &self.accounts,
        }
    }

    pub fn records_mut(&mut self, kind: CentralKind) -> &mut Vec<CentralItem> {
        match kind {
            CentralKind::Contacts => &mut self.central,
            CentralKind::Accounts => &mut self.accounts,
        }
    }

    pub fn mailbox(&mut self, user: &str) -> &mut Mailbox {
        let key = user.to_lowercase();
        self.mailboxes
            .entry(key.clone())
            .or_insert_with(|| Mailbox::new(&key))
    }
}
