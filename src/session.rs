//! `SyncSession`: loads Central and the Outlook folder (at once), plans, and runs the selected
//! writes against Graph. One run per mailbox at a time: Web Locks across tabs where the browser
//! has them, and a guard inside this module always.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use serde::Serialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::central::CentralClient;
use crate::engine::{
    self, parse_central, parse_lenient, parse_outlook, plan, PlanOptions, State, Write,
};
use crate::error::{js_error, ErrorCode, SyncError};
use crate::graph::{GraphClient, Mailbox};
use crate::plan_sync::{json_bytes, plan_to_js, read_object};
use crate::retry::RetryPolicy;
use crate::sync::{execute, Action, Progress, RecordError, RecordResult, RunSettings, WriteKind};
use crate::token::TokenSource;

const CONFIG_KEYS: &[&str] = &[
    "graphBaseUrl",
    "mailbox",
    "folderId",
    "getGraphToken",
    "centralBaseUrl",
    "getCentralToken",
    "contacts",
    "emptyValues",
    "batchConcurrency",
    "retry",
    "timeoutMs",
];

thread_local! {
    static RUNNING: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

enum CentralSource {
    Api(CentralClient),
    Given(Vec<u8>),
}

/// Both sides as loaded by the last `plan()`.
struct Loaded {
    central: Vec<u8>,
    outlook: Vec<u8>,
}

struct Inner {
    graph: GraphClient,
    graph_base_url: String,
    folder_id: Option<String>,
    central: CentralSource,
    options: PlanOptions,
    concurrency: usize,
    loaded: RefCell<Option<Loaded>>,
}

/// A sync of Central's contacts into one Outlook contacts folder.
///
/// @example
/// const session = new SyncSession({ graphBaseUrl: "https://graph.microsoft.com/v1.0",
///   mailbox: "me", folderId, getGraphToken: () => msalToken(), centralBaseUrl: "/api" });
/// const plan = await session.plan();
/// const ids = plan.items.filter((i) => i.state === "new" || i.state === "update").map((i) => i.centralId);
/// const result = await session.run(ids, { onProgress: (p) => console.log(p.done, "/", p.total) });
#[wasm_bindgen]
pub struct SyncSession {
    inner: Rc<Inner>,
}

/// The outcome of `run`.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    /// One entry per selected Central id, in plan order (unknown ids last).
    pub records: Vec<RecordResult>,
    pub created: usize,
    pub updated: usize,
    pub failed: usize,
    pub skipped: usize,
    /// True when the run was cancelled through its `signal`.
    pub cancelled: bool,
    /// The error that stopped the run early (the records it left are `failed` with it).
    pub error: Option<RecordError>,
    /// Extra copies of a created contact that the run found (a create that ran twice below
    /// it) and deleted; normally 0.
    pub duplicates_removed: usize,
}

#[wasm_bindgen]
impl SyncSession {
    /// Checks the configuration; nothing is fetched until `plan()`. Throws `invalidInput`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SyncSessionConfig")] config: JsValue,
    ) -> Result<SyncSession, JsValue> {
        Ok(SyncSession {
            inner: Rc::new(read_config(&config).map_err(|e| e.to_js())?),
        })
    }

    /// Loads Central's active contacts and the folder's contacts (both at once) and plans.
    /// Rejects with `folderNotFound`, `unauthorized`, `forbidden`, `network`,
    /// `centralUnavailable`, `invalidCentralData`, … — never with a partial plan.
    #[wasm_bindgen(unchecked_return_type = "Promise<Plan>")]
    pub fn plan(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let folder_id = inner.folder_id.clone().ok_or_else(|| {
                js_error(
                    ErrorCode::InvalidInput,
                    "folderId is required to plan: choose a contacts folder",
                )
            })?;
            let central = async {
                match &inner.central {
                    CentralSource::Api(client) => client.load_active().await,
                    CentralSource::Given(bytes) => Ok(bytes.clone()),
                }
            };
            let outlook = inner.graph.read_contacts(&folder_id);
            let (central, outlook) = futures::join!(central, outlook);
            let (central, outlook) = (central?, outlook?);
            let packed = engine::plan_packed(&central, &outlook, inner.options).map_err(|e| {
                let code = if e.message.starts_with("Central") {
                    ErrorCode::InvalidCentralData
                } else {
                    ErrorCode::InvalidGraphData
                };
                js_error(code, &e.message)
            })?;
            *inner.loaded.borrow_mut() = Some(Loaded { central, outlook });
            plan_to_js(&packed)
        })
    }

    /// Writes the selected records of the last plan (`new` and `update` ones; others are
    /// `skipped`). Rejects with `busy` while another run on the same mailbox goes on, and with
    /// `noPlan` before a plan (each plan can be run once: plan again to see what changed).
    #[wasm_bindgen(unchecked_return_type = "Promise<SyncResult>")]
    pub fn run(
        &self,
        #[wasm_bindgen(js_name = selectedCentralIds, unchecked_param_type = "string[]")]
        selected: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RunOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let selected = read_ids(&selected).map_err(|e| e.to_js())?;
            let (on_progress, signal) = read_run_options(&options).map_err(|e| e.to_js())?;
            let folder_id = inner
                .folder_id
                .clone()
                .ok_or_else(|| js_error(ErrorCode::InvalidInput, "folderId is required to run"))?;
            let key = format!("{}|{}", inner.graph_base_url, inner.graph.mailbox.key());
            let _guard = RunGuard::take(&key).map_err(|e| e.to_js())?;
            let release = acquire_web_lock(&format!("central-o365-sync:{key}"))
                .await
                .map_err(|e| e.to_js())?;
            let loaded = inner.loaded.borrow_mut().take();
            let result = match loaded {
                None => Err(SyncError::new(
                    ErrorCode::NoPlan,
                    "there is no plan to run: call plan() first (each plan runs once)",
                )),
                Some(loaded) => {
                    Ok(
                        run_loaded(&inner, &folder_id, &loaded, &selected, on_progress, signal)
                            .await,
                    )
                }
            };
            if let Some(release) = release {
                let _ = release.call0(&JsValue::NULL);
            }
            let result = result.map_err(|e| e.to_js())?;
            let text = serde_json::to_string(&result)
                .map_err(|e| js_error(ErrorCode::InvalidInput, &e.to_string()))?;
            js_sys::JSON::parse(&text)
        })
    }

    /// Every contacts folder of the mailbox, child folders included, for a folder picker.
    #[wasm_bindgen(js_name = listFolders, unchecked_return_type = "Promise<Folder[]>")]
    pub fn list_folders(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let folders = inner.graph.list_folders().await?;
            to_js(&folders)
        })
    }

    /// Creates a contacts folder named `name` (under `parentFolderId` when given).
    #[wasm_bindgen(js_name = createFolder, unchecked_return_type = "Promise<Folder>")]
    pub fn create_folder(
        &self,
        name: String,
        #[wasm_bindgen(js_name = parentFolderId)] parent_folder_id: Option<String>,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let folder = inner
                .graph
                .create_folder(&name, parent_folder_id.as_deref())
                .await?;
            to_js(&folder)
        })
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| js_error(ErrorCode::InvalidInput, &e.to_string()))?;
    js_sys::JSON::parse(&text)
}

async fn run_loaded(
    inner: &Inner,
    folder_id: &str,
    loaded: &Loaded,
    selected: &[String],
    on_progress: Option<js_sys::Function>,
    signal: Option<web_sys::AbortSignal>,
) -> SyncResult {
    let (mut fixed_c, mut fixed_o) = (None, None);
    // The bytes parsed when the plan was made; they parse again.
    let central = parse_lenient(&loaded.central, &mut fixed_c, parse_central).unwrap_or_default();
    let outlook = parse_lenient(&loaded.outlook, &mut fixed_o, parse_outlook).unwrap_or_default();
    let p = plan(&central, &outlook, inner.options);
    let wanted: HashSet<&str> = selected.iter().map(String::as_str).collect();
    let mut found: HashSet<&str> = HashSet::new();
    let mut writes = Vec::new();
    let mut skipped = Vec::new();
    for item in &p.items {
        if !wanted.contains(item.central_id.as_ref()) || !found.insert(item.central_id.as_ref()) {
            continue;
        }
        match p.write_for(item, &central, &outlook) {
            Some(Write::Create { central_id, body }) => {
                writes.push((central_id, WriteKind::Create { body }))
            }
            Some(Write::Update {
                central_id,
                outlook_id,
                body,
            }) => writes.push((central_id, WriteKind::Update { outlook_id, body })),
            None => skipped.push(RecordResult {
                central_id: item.central_id.to_string(),
                outlook_id: item.outlook_id.as_ref().map(|s| s.to_string()),
                action: Action::Skipped,
                error: match item.state {
                    State::NonActionable | State::Conflict => Some(RecordError {
                        code: "notSyncable".into(),
                        message: format!(
                            "{} records are never synced ({})",
                            if item.state == State::Conflict {
                                "conflict"
                            } else {
                                "non-actionable"
                            },
                            item.reasons
                                .iter()
                                .map(|r| r.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        status: None,
                        graph_code: None,
                    }),
                    _ => None,
                },
            }),
        }
    }
    let not_in_plan: Vec<RecordResult> = selected
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .map(|id| RecordResult {
            central_id: id.clone(),
            outlook_id: None,
            action: Action::Skipped,
            error: Some(RecordError {
                code: "notInPlan".into(),
                message: "this id is not an active Central contact of the plan".into(),
                status: None,
                graph_code: None,
            }),
        })
        .collect();
    // Free the inputs before the long part.
    let order: Vec<String> = p.items.iter().map(|i| i.central_id.to_string()).collect();
    drop(p);
    drop(outlook);
    drop(central);

    let report = |progress: Progress| {
        if let Some(f) = &on_progress {
            if let Ok(v) = to_js(&progress) {
                // A throwing progress callback must not stop the run.
                let _ = f.call1(&JsValue::NULL, &v);
            }
        }
    };
    let outcome = execute(
        &inner.graph,
        writes,
        RunSettings {
            folder_id,
            concurrency: inner.concurrency,
            signal,
            on_progress: &report,
        },
    )
    .await;

    // Records in plan order, then ids the plan did not have.
    let position: std::collections::HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut records: Vec<RecordResult> = outcome.records.into_iter().chain(skipped).collect();
    records.sort_by_key(|r| {
        position
            .get(r.central_id.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    records.extend(not_in_plan);
    let count = |a: Action| records.iter().filter(|r| r.action == a).count();
    SyncResult {
        created: count(Action::Created),
        updated: count(Action::Updated),
        failed: count(Action::Failed),
        skipped: count(Action::Skipped),
        cancelled: outcome.cancelled,
        error: outcome.error.map(RecordError::from),
        duplicates_removed: outcome.duplicates_removed,
        records,
    }
}

/// The in-module half of "one run per mailbox": released when dropped.
struct RunGuard(String);

impl RunGuard {
    fn take(key: &str) -> Result<RunGuard, SyncError> {
        RUNNING.with(|r| {
            if r.borrow_mut().insert(key.to_owned()) {
                Ok(RunGuard(key.to_owned()))
            } else {
                Err(busy())
            }
        })
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUNNING.with(|r| r.borrow_mut().remove(&self.0));
    }
}

fn busy() -> SyncError {
    SyncError::new(
        ErrorCode::Busy,
        "a sync of this mailbox is already running (here or in another tab); wait for it to finish",
    )
}

/// Takes the Web Lock `name` if the browser has the Locks API and nobody holds it. Returns the
/// function that releases it (`None` without the API); `busy` when it is held.
async fn acquire_web_lock(name: &str) -> Result<Option<js_sys::Function>, SyncError> {
    let global = js_sys::global();
    let locks = js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()))
        .unwrap_or(JsValue::UNDEFINED);
    let Some(request) = js_sys::Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Ok(None);
    };
    let mut release_fn = None;
    let held_until = js_sys::Promise::new(&mut |resolve, _| release_fn = Some(resolve));
    let mut acquired_fn = None;
    let acquired = js_sys::Promise::new(&mut |resolve, _| acquired_fn = Some(resolve));
    let (Some(release_fn), Some(acquired_fn)) = (release_fn, acquired_fn) else {
        return Ok(None);
    };
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        let _ = acquired_fn.call1(&JsValue::NULL, &got.into());
        if got {
            held_until.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &true.into());
    let args = js_sys::Array::of3(&name.into(), &options, &callback);
    if js_sys::Reflect::apply(&request, &locks, &args).is_err() {
        return Ok(None);
    }
    let got = JsFuture::from(acquired)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if got {
        Ok(Some(release_fn))
    } else {
        Err(busy())
    }
}

fn invalid(message: impl Into<String>) -> SyncError {
    SyncError::new(ErrorCode::InvalidInput, message)
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn opt_string(obj: &JsValue, key: &str) -> Result<Option<String>, SyncError> {
    let v = field(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| invalid(format!("{key} must be a string")))
}

fn opt_function(obj: &JsValue, key: &str) -> Result<Option<js_sys::Function>, SyncError> {
    let v = field(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<js_sys::Function>()
        .map(Some)
        .map_err(|_| invalid(format!("{key} must be a function")))
}

fn opt_number(obj: &JsValue, key: &str, min: f64, max: f64) -> Result<Option<f64>, SyncError> {
    let v = field(obj, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && n >= min && n <= max => Ok(Some(n)),
        _ => Err(invalid(format!(
            "{key} must be a number from {min} to {max}"
        ))),
    }
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

fn read_config(config: &JsValue) -> Result<Inner, SyncError> {
    if !config.is_object() || js_sys::Array::is_array(config) {
        return Err(invalid("SyncSession needs a configuration object"));
    }
    let config_object: &js_sys::Object = config.unchecked_ref();
    for key in js_sys::Object::keys(config_object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !CONFIG_KEYS.contains(&key.as_str()) {
            return Err(invalid(format!("unknown SyncSession option {key:?}")));
        }
    }
    let graph_base_url =
        opt_string(config, "graphBaseUrl")?.ok_or_else(|| invalid("graphBaseUrl is required"))?;
    let graph_base_url = absolute_url("graphBaseUrl", &graph_base_url)?;
    let get_graph_token = opt_function(config, "getGraphToken")?
        .ok_or_else(|| invalid("getGraphToken (a function) is required"))?;
    let mailbox = Mailbox::parse(&opt_string(config, "mailbox")?.unwrap_or_default());
    let folder_id = opt_string(config, "folderId")?.filter(|f| !f.trim().is_empty());
    let timeout_ms = opt_number(config, "timeoutMs", 1.0, 600_000.0)?.unwrap_or(60_000.0) as u32;
    let concurrency = opt_number(config, "batchConcurrency", 1.0, 4.0)?.unwrap_or(1.0) as usize;
    let retry: RetryPolicy =
        read_object(&field(config, "retry"), "retry option")?.unwrap_or_default();
    if retry.max_attempts == 0 {
        return Err(invalid("retry.maxAttempts must be at least 1"));
    }
    let empty_values = match opt_string(config, "emptyValues")?.as_deref() {
        None | Some("clear") => engine::EmptyValues::Clear,
        Some("keep") => engine::EmptyValues::Keep,
        Some(other) => {
            return Err(invalid(format!(
                "emptyValues must be \"clear\" or \"keep\", not {other:?}"
            )))
        }
    };
    let contacts = field(config, "contacts");
    let central = if contacts.is_undefined() || contacts.is_null() {
        let base = opt_string(config, "centralBaseUrl")?
            .ok_or_else(|| invalid("either centralBaseUrl or contacts is required"))?;
        let base = absolute_url("centralBaseUrl", &base)?;
        let tokens = opt_function(config, "getCentralToken")?
            .map(|f| TokenSource::new(f, "getCentralToken"));
        CentralSource::Api(CentralClient::new(&base, tokens, timeout_ms, retry))
    } else {
        let bytes = json_bytes(&contacts, "contacts")
            .map_err(|_| invalid("contacts must be an array of objects"))?;
        parse_central(&bytes).map_err(|e| invalid(e.message))?;
        CentralSource::Given(bytes)
    };
    Ok(Inner {
        graph: GraphClient::new(
            &graph_base_url,
            mailbox,
            TokenSource::new(get_graph_token, "getGraphToken"),
            timeout_ms,
            retry,
        ),
        graph_base_url,
        folder_id,
        central,
        options: PlanOptions { empty_values },
        concurrency,
        loaded: RefCell::new(None),
    })
}

fn read_ids(value: &JsValue) -> Result<Vec<String>, SyncError> {
    if !js_sys::Array::is_array(value) {
        return Err(invalid("selectedCentralIds must be an array of ids"));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|v| {
            v.as_string()
                .or_else(|| v.as_f64().map(crate::engine::text::number_text))
                .map(|s| s.trim().to_owned())
                .ok_or_else(|| invalid("selectedCentralIds must hold strings"))
        })
        .collect()
}

type RunOptions = (Option<js_sys::Function>, Option<web_sys::AbortSignal>);

fn read_run_options(options: &JsValue) -> Result<RunOptions, SyncError> {
    if options.is_undefined() || options.is_null() {
        return Ok((None, None));
    }
    if !options.is_object() {
        return Err(invalid("run options must be an object"));
    }
    let on_progress = opt_function(options, "onProgress")?;
    let signal = field(options, "signal");
    let signal = if signal.is_undefined() || signal.is_null() {
        None
    } else {
        Some(
            signal
                .dyn_into::<web_sys::AbortSignal>()
                .map_err(|_| invalid("signal must be an AbortSignal"))?,
        )
    };
    Ok((on_progress, signal))
}
