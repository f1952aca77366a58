//! The options of `new SyncSession(…)` and of the folder functions: one Rust struct each, which
//! both reads the JS object (unknown options refused) and generates its TypeScript type.

use std::collections::HashMap;

use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::{JsCast, JsValue};

use crate::central::CentralClient;
use crate::engine::decide::FieldDirections;
use crate::engine::{self, Conflicts, EmptyValues, OutlookClears, PlanOptions, SyncDirection};
use crate::error::{ErrorCode, SyncError};
use crate::graph::{GraphClient, Mailbox};
use crate::plan_sync::json_bytes;
use crate::retry::RetryPolicy;
use crate::token::TokenSource;

/// The configuration of `new SyncSession(…)`.
#[derive(Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncSessionConfig {
    /// Graph's root, e.g. `"https://graph.microsoft.com/v1.0"`.
    pub graph_base_url: String,
    /// `"me"` (default) or the UPN/id of a mailbox shared with the user.
    #[serde(default)]
    #[tsify(optional)]
    pub mailbox: Option<String>,
    /// The contacts folder to sync into (required for `plan` and `run`, unless `folders` is
    /// given): the folder of every type.
    #[serde(default)]
    #[tsify(optional)]
    pub folder_id: Option<String>,
    /// The folder of each type: `{ contact, individual? }` — individuals in a folder of their
    /// own, where moving a contact between the two changes its type. Instead of `folderId`.
    #[serde(default)]
    #[tsify(optional)]
    pub folders: Option<engine::Folders>,
    /// Returns a Graph access token (MSAL's `acquireTokenSilent`); called again with
    /// `{ forceRefresh: true }` after Graph refused one.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "(options: { forceRefresh: boolean }) => Promise<string> | string")]
    pub get_graph_token: JsValue,
    /// Central's API root: the contacts are read from `…/contacts` (unless `contacts` is
    /// given) and the sync ledger is kept at `…/sync-ledgers/{folderId}`. This, `contacts`,
    /// or both.
    #[serde(default)]
    #[tsify(optional)]
    pub central_base_url: Option<String>,
    /// A bearer token for Central, asked again with `{ forceRefresh: true }` after Central
    /// answered 401; without it, same-origin cookies are used.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(
        type = "(options: { forceRefresh: boolean }) => Promise<string> | string",
        optional
    )]
    pub get_central_token: JsValue,
    /// Central's contacts handed in by a host that holds them already (DESIGN §2 format),
    /// instead of loading them: an array, its JSON text or its UTF-8 bytes.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "CentralContact[] | string | Uint8Array", optional)]
    pub contacts: JsValue,
    /// Central's active accounts handed in with `contacts` (DESIGN §2 format: an array, its
    /// JSON text or bytes), so that companies are synced; without them they are not. When
    /// the contacts are loaded from `centralBaseUrl`, so are the accounts.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "object[] | string | Uint8Array", optional)]
    pub accounts: JsValue,
    #[serde(default)]
    #[tsify(optional)]
    pub empty_values: Option<EmptyValues>,
    /// `"toOutlook"` (default) or `"twoWay"`: Outlook edits flow back to Central, decided field
    /// by field against the ledger (needs `centralBaseUrl`; without a ledger, toOutlook).
    #[serde(default)]
    #[tsify(optional)]
    pub direction: Option<SyncDirection>,
    /// Two-way: who wins a field edited on both sides — `"ask"` (default), `"central"`, `"outlook"`.
    #[serde(default)]
    #[tsify(optional)]
    pub conflicts: Option<Conflicts>,
    /// Two-way: a field emptied in Outlook `"keep"`s Central's value (default) or `"clear"`s it.
    #[serde(default)]
    #[tsify(optional)]
    pub outlook_clears: Option<OutlookClears>,
    /// Two-way: fields whose master is pinned, `{ "mobilePhone": "toCentral" }`.
    #[serde(default)]
    #[tsify(optional, type = "Partial<Record<Field, Master>>")]
    pub field_directions: Option<FieldDirections>,
    /// `"off"` or `"propagate"`: default off in toOutlook, propagate in twoWay (needs the ledger).
    #[serde(default)]
    #[tsify(optional)]
    pub deletions: Option<engine::deletions::Deletions>,
    /// Types never written in Central, `{ "contact": true }`: their contacts deleted in Outlook
    /// are created again.
    #[serde(default)]
    #[tsify(optional)]
    pub read_only: Option<engine::deletions::ReadOnly>,
    /// Two-way: the categories that mark a contact of the default Contacts folder as one to
    /// create in Central (or link) and move into its type's folder; `""` turns one off.
    /// Default `{ contact: "Central Contact", individual: "Central Individual", account:
    /// "Central Account" }`.
    #[serde(default)]
    #[tsify(optional)]
    pub marker_categories: Option<MarkerCategories>,
    /// `$batch` calls in flight at once (1–4, default 1: Graph's advice per mailbox).
    #[serde(default)]
    #[tsify(optional)]
    pub batch_concurrency: Option<f64>,
    /// Read on its own, so that its unknown options are found too.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "RetryPolicy", optional)]
    pub retry: JsValue,
    /// Time limit of one HTTP request, Central's and Graph's (default 60000 ms).
    #[serde(default)]
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
}

/// The marker category of each type (DESIGN §4); a type left out keeps its default.
#[derive(Deserialize, Tsify, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkerCategories {
    #[serde(default)]
    #[tsify(optional)]
    pub contact: Option<String>,
    #[serde(default)]
    #[tsify(optional)]
    pub individual: Option<String>,
    #[serde(default)]
    #[tsify(optional)]
    pub account: Option<String>,
}

impl MarkerCategories {
    /// Each type's marker that is on, in type order.
    fn active(self) -> Vec<(engine::Kind, String)> {
        [
            (engine::Kind::Contact, self.contact, "Central Contact"),
            (
                engine::Kind::Individual,
                self.individual,
                "Central Individual",
            ),
            (engine::Kind::Account, self.account, "Central Account"),
        ]
        .into_iter()
        .filter_map(|(kind, name, default)| {
            let name = name.unwrap_or_else(|| default.to_owned());
            (!name.trim().is_empty()).then(|| (kind, name.trim().to_owned()))
        })
        .collect()
    }
}

/// Which mailbox, and how to reach it: the options of `listFolders` and `createFolder`.
#[derive(Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailboxConfig {
    /// Graph's root, e.g. `"https://graph.microsoft.com/v1.0"`.
    pub graph_base_url: String,
    /// `"me"` (default) or the UPN/id of a mailbox shared with the user.
    #[serde(default)]
    #[tsify(optional)]
    pub mailbox: Option<String>,
    /// Returns a Graph access token; called again with `{ forceRefresh: true }` after a 401.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "(options: { forceRefresh: boolean }) => Promise<string> | string")]
    pub get_graph_token: JsValue,
    /// Read on its own, so that its unknown options are found too.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "RetryPolicy", optional)]
    pub retry: JsValue,
    /// Time limit of one HTTP request (default 60000 ms).
    #[serde(default)]
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
}

/// A session's settings, checked.
pub struct Settings {
    pub graph: GraphClient,
    /// Names the mailbox for the run lock (with the Graph base).
    pub lock_key: String,
    /// The folder of each type (`None`: none chosen yet).
    pub folders: Option<engine::Folders>,
    /// Central's API: its contacts (unless they were handed in) and the sync ledger.
    pub central: Option<CentralClient>,
    /// Central's contacts handed in by the host, as JSON text.
    pub given: Option<Vec<u8>>,
    /// Central's accounts handed in by the host, as JSON text.
    pub given_accounts: Option<Vec<u8>>,
    pub options: PlanOptions,
    pub concurrency: usize,
    /// Two-way: the marker category of each type that has one on (none one way).
    pub markers: Vec<(engine::Kind, String)>,
}

/// Reads a JS options object into `T`: `invalidInput` naming `what` when it is not an object
/// or an option is unknown or of the wrong type.
pub fn read<T: serde::de::DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, SyncError> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(invalid(format!("{what} must be an object")));
    }
    // serde_wasm_bindgen reads a struct's own fields only, so unknown ones are found here.
    let known = field_names::<T>();
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            return Err(invalid(format!(
                "invalid {what}: unknown option {key:?} (known: {})",
                known.join(", ")
            )));
        }
    }
    serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| invalid(format!("invalid {what}: {e}")))
}

/// The field names a struct's `Deserialize` asks for, as serialized.
fn field_names<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Names(&'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> de::Deserializer<'de> for &mut Names {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut names = Names(&[]);
    let _ = T::deserialize(&mut names);
    names.0
}

impl SyncSessionConfig {
    pub fn settings(self) -> Result<Settings, SyncError> {
        let timeout_ms = timeout(self.timeout_ms)?;
        let retry = retry(self.retry)?;
        let graph = graph_client(
            &self.graph_base_url,
            self.mailbox.as_deref(),
            self.get_graph_token,
            timeout_ms,
            retry,
        )?;
        let concurrency = match self.batch_concurrency {
            None => 1,
            Some(n) if (1.0..=4.0).contains(&n) => n as usize,
            Some(_) => return Err(invalid("batchConcurrency must be a number from 1 to 4")),
        };
        let central = match self.central_base_url {
            Some(base) => {
                let base = absolute_url("centralBaseUrl", &base)?;
                let tokens = optional_function(self.get_central_token, "getCentralToken")?
                    .map(|f| TokenSource::new(f, "getCentralToken"));
                Some(CentralClient::new(&base, tokens, timeout_ms, retry))
            }
            None => None,
        };
        let given = if is_absent(&self.contacts) {
            None
        } else {
            let bytes = json_bytes(&self.contacts, "contacts").map_err(|_| {
                invalid("contacts must be an array of objects (or its JSON text or bytes)")
            })?;
            engine::parse_central(&bytes).map_err(|e| invalid(e.message))?;
            Some(bytes)
        };
        let given_accounts = if is_absent(&self.accounts) {
            None
        } else if given.is_none() {
            return Err(invalid(
                "accounts are handed in with contacts; with centralBaseUrl they are loaded",
            ));
        } else {
            let bytes = json_bytes(&self.accounts, "accounts").map_err(|_| {
                invalid("accounts must be an array of objects (or its JSON text or bytes)")
            })?;
            engine::Accounts::parse(&bytes).map_err(|e| invalid(e.message))?;
            Some(bytes)
        };
        if central.is_none() && given.is_none() {
            return Err(invalid("either centralBaseUrl or contacts is required"));
        }
        let folder_id = self.folder_id.filter(|f| !f.trim().is_empty());
        let folders = match (self.folders, folder_id) {
            (Some(_), Some(_)) => {
                return Err(invalid("give folders or folderId, not both"));
            }
            (Some(folders), None) => {
                folders.check().map_err(invalid)?;
                Some(folders)
            }
            (None, Some(id)) => Some(engine::Folders::single(&id)),
            (None, None) => None,
        };
        let direction = self.direction.unwrap_or_default();
        if direction == SyncDirection::TwoWay && (given.is_some() || central.is_none()) {
            return Err(invalid(
                "direction \"twoWay\" writes to Central: it needs centralBaseUrl, and contacts handed in are never written",
            ));
        }
        Ok(Settings {
            lock_key: format!("{}|{}", graph.base_url(), graph.mailbox.key()),
            graph,
            folders,
            central,
            given,
            given_accounts,
            options: PlanOptions {
                empty_values: self.empty_values.unwrap_or_default(),
                direction,
                conflicts: self.conflicts.unwrap_or_default(),
                outlook_clears: self.outlook_clears.unwrap_or_default(),
                field_directions: self.field_directions.unwrap_or_default(),
                deletions: self.deletions,
                read_only: self.read_only.unwrap_or_default(),
                types: Default::default(),
            },
            concurrency,
            markers: match direction {
                SyncDirection::TwoWay => self.marker_categories.unwrap_or_default().active(),
                SyncDirection::ToOutlook => Vec::new(),
            },
        })
    }
}

impl MailboxConfig {
    pub fn graph_client(self) -> Result<GraphClient, SyncError> {
        graph_client(
            &self.graph_base_url,
            self.mailbox.as_deref(),
            self.get_graph_token,
            timeout(self.timeout_ms)?,
            retry(self.retry)?,
        )
    }
}

fn graph_client(
    base_url: &str,
    mailbox: Option<&str>,
    get_token: JsValue,
    timeout_ms: u32,
    retry: RetryPolicy,
) -> Result<GraphClient, SyncError> {
    let get_token = optional_function(get_token, "getGraphToken")?
        .ok_or_else(|| invalid("getGraphToken (a function) is required"))?;
    Ok(GraphClient::new(
        &absolute_url("graphBaseUrl", base_url)?,
        Mailbox::parse(mailbox.unwrap_or_default()),
        TokenSource::new(get_token, "getGraphToken"),
        timeout_ms,
        retry,
    ))
}

fn timeout(ms: Option<f64>) -> Result<u32, SyncError> {
    match ms {
        None => Ok(60_000),
        Some(n) if (1.0..=600_000.0).contains(&n) => Ok(n as u32),
        Some(_) => Err(invalid("timeoutMs must be a number from 1 to 600000")),
    }
}

fn retry(retry: JsValue) -> Result<RetryPolicy, SyncError> {
    let retry: RetryPolicy = if is_absent(&retry) {
        RetryPolicy::default()
    } else {
        read(&retry, "retry option")?
    };
    if retry.max_attempts == 0 {
        return Err(invalid("retry.maxAttempts must be at least 1"));
    }
    Ok(retry)
}

fn is_absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

fn optional_function(v: JsValue, key: &str) -> Result<Option<js_sys::Function>, SyncError> {
    if is_absent(&v) {
        return Ok(None);
    }
    v.dyn_into::<js_sys::Function>()
        .map(Some)
        .map_err(|_| invalid(format!("{key} must be a function")))
}

pub fn invalid(message: impl Into<String>) -> SyncError {
    SyncError::new(ErrorCode::InvalidInput, message)
}

/// An http(s) URL, or a path on the page's own origin made absolute (so Graph's next-page links
/// can be checked against it).
fn absolute_url(key: &str, url: &str) -> Result<String, SyncError> {
    if url.contains(char::is_whitespace) {
        return Err(invalid(format!("{key} must be a URL without spaces")));
    }
    if url.starts_with("https://") || url.starts_with("http://") {
        return Ok(url.to_owned());
    }
    if url.starts_with('/') && !url.starts_with("//") {
        let origin = js_sys::Reflect::get(&js_sys::global(), &"location".into())
            .and_then(|l| js_sys::Reflect::get(&l, &"origin".into()))
            .ok()
            .and_then(|o| o.as_string())
            .filter(|o| o.starts_with("http"));
        if let Some(origin) = origin {
            return Ok(format!("{origin}{url}"));
        }
    }
    Err(invalid(format!(
        "{key} must be an http(s) URL or a path starting with /"
    )))
}

/// Options of `SyncSession.run`.
#[derive(Deserialize, Tsify, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunOptions {
    /// Called after every batch and while waiting on throttling.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "(progress: Progress) => void", optional)]
    pub on_progress: JsValue,
    /// Cancels the run between batches; the result says what was written.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    #[tsify(type = "AbortSignal", optional)]
    pub signal: JsValue,
    /// Two-way: the side chosen for records in conflict, `{ "C-1": "central" | "outlook" }`;
    /// a selected conflict without one is skipped.
    #[serde(default)]
    #[tsify(optional, type = "Record<string, \"central\" | \"outlook\">")]
    pub resolutions: Option<HashMap<String, Resolution>>,
    /// The number of deletions selected, typed by the user, when it is more than a run makes
    /// without asking (max(10, 5% of the ledger's entries)).
    #[serde(default)]
    #[tsify(optional)]
    pub confirm_deletions: Option<f64>,
}

/// A side picked for a conflict.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub enum Resolution {
    Central,
    Outlook,
}

/// Run options, checked.
pub struct RunControls {
    pub on_progress: Option<js_sys::Function>,
    pub signal: Option<web_sys::AbortSignal>,
    pub resolutions: HashMap<String, Conflicts>,
    pub confirm_deletions: Option<f64>,
}

impl RunOptions {
    pub fn read(value: &JsValue) -> Result<RunControls, SyncError> {
        let options: RunOptions = if is_absent(value) {
            RunOptions::default()
        } else {
            read(value, "run options")?
        };
        let on_progress = optional_function(options.on_progress, "onProgress")?;
        let signal = if is_absent(&options.signal) {
            None
        } else {
            Some(
                options
                    .signal
                    .dyn_into::<web_sys::AbortSignal>()
                    .map_err(|_| invalid("signal must be an AbortSignal"))?,
            )
        };
        let resolutions = options
            .resolutions
            .unwrap_or_default()
            .into_iter()
            .map(|(id, side)| {
                let side = match side {
                    Resolution::Central => Conflicts::Central,
                    Resolution::Outlook => Conflicts::Outlook,
                };
                (id.trim().to_owned(), side)
            })
            .collect();
        Ok(RunControls {
            on_progress,
            signal,
            resolutions,
            confirm_deletions: options.confirm_deletions,
        })
    }
}
