//! `SyncSession`: owns the data of a sync. `plan()` loads Central and the Outlook folder (at
//! once), plans and keeps that plan; `run` writes the selected records of exactly that plan.
//! Its lifecycle is [`Stage`]: configured → planned → spent (plan again to run again).

mod config;
mod kept;
mod ledger;
mod lock;
mod result;

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::engine;
use crate::error::{js_error, ErrorCode, SyncError};
use crate::graph::GraphClient;
use crate::plan_sync::plan_to_js;
use crate::sync::central::write_central;
use crate::sync::created::create_in_central;
use crate::sync::deletions::{delete_in_central, delete_in_outlook};
use crate::sync::moves::move_in_outlook;
use crate::sync::{execute, Action, Progress, RunOutcome, RunSettings};
use config::{invalid, read, Settings};
pub use config::{MailboxConfig, RunOptions, SyncSessionConfig};
use kept::Kept;
pub use ledger::LedgerOutcome;
use ledger::{iso, new_run_id, now_ms, plan_state, Lease};
use lock::RunLock;
pub use result::SyncResult;

/// Where a session is in its life.
enum Stage {
    /// No plan yet.
    Configured,
    /// The last plan shown, ready to run.
    Planned(Box<Kept>),
    /// The last plan has been run (or is running).
    Spent,
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
    settings: Rc<Settings>,
    stage: Rc<RefCell<Stage>>,
}

#[wasm_bindgen]
impl SyncSession {
    /// Checks the configuration; nothing is fetched until `plan()`. Throws `invalidInput`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "SyncSessionConfig")] config: JsValue,
    ) -> Result<SyncSession, JsValue> {
        let config: SyncSessionConfig = read(&config, "SyncSession configuration")?;
        Ok(SyncSession {
            settings: Rc::new(config.settings()?),
            stage: Rc::new(RefCell::new(Stage::Configured)),
        })
    }

    /// Loads Central's active contacts and the folder's contacts (both at once), plans, and
    /// keeps the plan for `run`; each call reads both sides again. Rejects with
    /// `folderNotFound`, `unauthorized`, `forbidden`, `network`, `centralUnavailable`,
    /// `invalidCentralData`, … — never with a partial plan.
    #[wasm_bindgen(unchecked_return_type = "Promise<Plan>")]
    pub fn plan(&self) -> js_sys::Promise {
        let (settings, stage) = (self.settings.clone(), self.stage.clone());
        future_to_promise(async move {
            let folders = settings.folders.as_ref().ok_or_else(|| {
                invalid("folderId (or folders) is required to plan: choose a contacts folder")
            })?;
            // The ledger is kept under the contacts' folder.
            let folder_id = folders.contact.as_str();
            let central = async {
                match (&settings.given, &settings.central) {
                    (Some(bytes), _) => Ok(bytes.clone()),
                    (None, Some(client)) => client.load_active().await,
                    (None, None) => Err(invalid("either centralBaseUrl or contacts is required")),
                }
            };
            let ledger = async {
                match &settings.central {
                    Some(client) => client.read_ledger(folder_id).await.map(Some),
                    None => Ok(None),
                }
            };
            // The accounts come from where the contacts come from.
            let accounts = async {
                match (&settings.given_accounts, &settings.given, &settings.central) {
                    (Some(bytes), _, _) => Ok(Some(bytes.clone())),
                    (None, None, Some(client)) => client.load_accounts().await.map(Some),
                    _ => Ok(None),
                }
            };
            // Every synced folder at once, each with its type.
            let graph = &settings.graph;
            let outlook = futures::future::try_join_all(folders.ids().into_iter().map(
                |(id, kind)| async move {
                    Ok::<_, SyncError>((graph.read_contacts(id).await?, kind, false))
                },
            ));
            // Two-way, the contacts of the default Contacts folder that carry a marker
            // category, for each type that has a folder to go to.
            let marked = futures::future::try_join_all(
                settings
                    .markers
                    .iter()
                    .filter(|(kind, _)| !folders.folder(*kind).is_empty())
                    .map(|(kind, name)| async move {
                        Ok::<_, SyncError>((graph.read_marked(name).await?, *kind, true))
                    }),
            );
            let outlook = async {
                let (mut outlook, marked) = futures::join!(outlook, marked);
                if let Ok(list) = &mut outlook {
                    list.extend(marked?);
                }
                outlook
            };
            let (central, outlook, ledger, accounts) =
                futures::join!(central, outlook, ledger, accounts);
            let ledger = ledger?;
            let accounts = accounts?;
            // Accounts with a folder are synced as records too.
            let account_text = accounts.clone().filter(|_| folders.account.is_some());
            let accounts = match accounts {
                Some(text) => Some(engine::Accounts::parse(&text).map_err(|e| {
                    js_error(
                        ErrorCode::InvalidCentralData,
                        &format!("Central's accounts: {e}"),
                    )
                })?),
                None => None,
            };
            let state = plan_state(ledger.as_ref());
            let (kept, packed) = Kept::plan(
                (central?, account_text),
                outlook?,
                ledger,
                accounts,
                settings.options,
                (folders, &settings.markers),
            )
            .map_err(|e| {
                let code = if e.message.starts_with("Central") {
                    ErrorCode::InvalidCentralData
                } else {
                    ErrorCode::InvalidGraphData
                };
                js_error(code, &e.message)
            })?;
            *stage.borrow_mut() = Stage::Planned(Box::new(kept));
            let plan = plan_to_js(&packed)?;
            js_sys::Reflect::set(&plan, &"ledger".into(), &state.into())?;
            Ok(plan)
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
        let (settings, stage) = (self.settings.clone(), self.stage.clone());
        future_to_promise(async move {
            let selected = read_ids(&selected)?;
            let controls = RunOptions::read(&options)?;
            let (on_progress, signal) = (controls.on_progress, controls.signal);
            let resolutions = controls.resolutions;
            let folders = settings
                .folders
                .clone()
                .ok_or_else(|| invalid("folderId (or folders) is required to run"))?;
            let folder_id = folders.contact.clone();
            // The mass-delete guard (DESIGN §4), before anything is taken: refused, the plan
            // stays for a confirmed run.
            if let Stage::Planned(kept) = &*stage.borrow() {
                let deletions = kept.deletions_selected(&selected, &resolutions);
                let limit = (kept.ledger_entries() * 5 / 100).max(10);
                if deletions > limit && controls.confirm_deletions != Some(deletions as f64) {
                    let e = js_error(
                        ErrorCode::ConfirmDeletions,
                        &format!(
                            "this run would delete {deletions} records, more than the {limit} a run deletes without asking: run again with confirmDeletions: {deletions}"
                        ),
                    );
                    let _ =
                        js_sys::Reflect::set(&e, &"deletions".into(), &(deletions as f64).into());
                    let _ = js_sys::Reflect::set(&e, &"limit".into(), &(limit as f64).into());
                    return Err(e);
                }
            }
            let _lock = RunLock::take(&settings.lock_key).await?;
            let kept = match std::mem::replace(&mut *stage.borrow_mut(), Stage::Spent) {
                Stage::Planned(kept) => kept,
                Stage::Configured => return Err(no_plan("call plan() first").into()),
                Stage::Spent => {
                    return Err(no_plan("this plan has run: plan again to see what changed").into())
                }
            };
            let selection = kept.select(&selected, &resolutions);
            let deletions = selection.deletions();
            let creates = selection.create_central.len();
            // The run claims the ledger its plan read: a plan made before another run wrote
            // it is stale, and writes nothing.
            let run_id = new_run_id();
            let lease = match (&settings.central, &kept.ledger) {
                (Some(client), Some(ledger)) => {
                    Lease::claim(client, &folder_id, ledger, &run_id).await?
                }
                _ => None,
            };
            // Graph's progress as last reported, with Central's writes counted beside it.
            let central_patches = selection.central;
            let moves = selection.moves.len();
            let last = std::cell::Cell::new(Progress {
                // Central's count includes the deletions, made on either side after the writes.
                central_total: central_patches.len() + deletions + creates,
                ..Progress::default()
            });
            // Graph's writes go to each type's folder in turn: the progress of the later ones
            // counts on from the earlier ones', out of all of them.
            let graph_total = selection.writes.len()
                + selection
                    .creates_into
                    .iter()
                    .map(|(_, w)| w.len())
                    .sum::<usize>()
                + moves;
            let before = std::cell::Cell::new(Progress::default());
            let (create_folders, create_writes): (Vec<String>, Vec<_>) =
                selection.creates_into.into_iter().unzip();
            let emit = |progress: Progress| {
                last.set(progress);
                if let Some(f) = &on_progress {
                    if let Ok(v) = to_js(&progress) {
                        // A throwing progress callback must not stop the run.
                        let _ = f.call1(&JsValue::NULL, &v);
                    }
                }
            };
            let report = |graph: Progress| {
                let (now, earlier) = (last.get(), before.get());
                emit(Progress {
                    done: earlier.done + graph.done,
                    total: graph_total,
                    created: earlier.created + graph.created,
                    updated: earlier.updated + graph.updated,
                    failed: earlier.failed + graph.failed,
                    waiting_seconds: graph.waiting_seconds,
                    central_done: now.central_done,
                    central_total: now.central_total,
                });
            };
            let central_done = || {
                let now = last.get();
                emit(Progress {
                    central_done: now.central_done + 1,
                    ..now
                });
            };
            let done = std::cell::Cell::new(false);
            let work = async {
                // Read once for the run, when a 412 first needs them.
                let bases = std::cell::OnceCell::new();
                let replan_outlook = |central_id: &str, fresh: &serde_json::Value| {
                    let bases = bases.get_or_init(|| kept.bases());
                    let side = resolutions.get(central_id).copied();
                    kept.replan_outlook(fresh, central_id, side, bases.as_ref())
                };
                let run_settings = |folder_id| RunSettings {
                    folder_id,
                    concurrency: settings.concurrency,
                    // A Central without ledgers: each create is looked up first, so a
                    // stale plan never creates a contact twice (DESIGN §8).
                    look_before_create: settings.central.is_some() && lease.is_none(),
                    signal: signal.clone(),
                    on_progress: &report,
                    replan: &replan_outlook,
                };
                let graph = async {
                    let mut outcome =
                        execute(&settings.graph, selection.writes, run_settings(&folder_id)).await;
                    for (folder, creates) in create_folders.iter().zip(create_writes) {
                        before.set(Progress {
                            done: outcome.records.len(),
                            created: count(&outcome, Action::Created),
                            updated: count(&outcome, Action::Updated),
                            failed: count(&outcome, Action::Failed),
                            ..Progress::default()
                        });
                        let more = execute(&settings.graph, creates, run_settings(folder)).await;
                        outcome.absorb(more);
                    }
                    outcome
                };
                let replan = |fresh: &serde_json::Value, sent: &engine::CentralPatch| {
                    let bases = bases.get_or_init(|| kept.bases());
                    let side = resolutions.get(&sent.central_id).copied();
                    kept.replan_central(fresh, sent, side, bases.as_ref())
                };
                let central = async {
                    match &settings.central {
                        Some(client) if !central_patches.is_empty() => {
                            write_central(
                                client,
                                central_patches,
                                &replan,
                                signal.as_ref(),
                                &central_done,
                            )
                            .await
                        }
                        _ => Vec::new(),
                    }
                };
                let (mut outcome, central) = futures::join!(graph, central);
                // Contacts whose record changed type, into their type's folder.
                if moves > 0 {
                    let moved = move_in_outlook(
                        &settings.graph,
                        selection.moves,
                        signal.as_ref(),
                        &|done| {
                            let now = last.get();
                            emit(Progress {
                                done: now.done + 1,
                                updated: now.updated + usize::from(done.is_ok()),
                                failed: now.failed + usize::from(done.is_err()),
                                ..now
                            })
                        },
                    )
                    .await;
                    outcome.records.extend(moved);
                }
                let outcome = (outcome, central);
                // Contacts made in Outlook, created in Central after the run's writes.
                let created = match &settings.central {
                    Some(client) if creates > 0 => {
                        create_in_central(
                            client,
                            &settings.graph,
                            selection.create_central,
                            signal.as_ref(),
                            &central_done,
                        )
                        .await
                    }
                    _ => Vec::new(),
                };
                // Deletions last: a run cancelled or stopped early deletes nothing after.
                let deleted_outlook = delete_in_outlook(
                    &settings.graph,
                    &folders,
                    selection.delete_outlook,
                    signal.as_ref(),
                    &central_done,
                )
                .await;
                let deleted_central = match &settings.central {
                    Some(client) => {
                        delete_in_central(
                            client,
                            &settings.graph,
                            &folders,
                            selection.delete_central,
                            signal.as_ref(),
                            &central_done,
                        )
                        .await
                    }
                    None => Vec::new(),
                };
                done.set(true);
                (
                    outcome,
                    [deleted_outlook, deleted_central].concat(),
                    created,
                )
            };
            let renew = async {
                if let (Some(lease), Some(client)) = (&lease, &settings.central) {
                    lease.keep_alive(client, &done).await;
                }
            };
            let (((outcome, central), deleted, created), ()) = futures::join!(work, renew);
            let mut records = selection.skipped;
            records.extend(deleted);
            records.extend(created.iter().map(|c| c.result.clone()));
            let mut result = SyncResult::new(
                outcome,
                central,
                records,
                &selection.restores,
                &selection.order,
            );
            if let (Some(lease), Some(client)) = (&lease, &settings.central) {
                let at = iso(now_ms());
                let (mut entries, deleted) = kept.entries(&result.records, &selection.changes, &at);
                entries.extend(kept.created_entries(&created, &at));
                let mode = match settings.options.direction {
                    engine::SyncDirection::TwoWay => "twoWay",
                    engine::SyncDirection::ToOutlook => "toOutlook",
                };
                let history = serde_json::json!({
                    "runId": run_id, "at": at, "by": settings.graph.mailbox.key(), "mode": mode,
                    "counts": { "created": result.created, "updated": result.updated,
                                "updatedInCentral": result.updated_in_central,
                                "createdInCentral": result.created_in_central,
                                "deletedInOutlook": result.deleted_in_outlook,
                                "deletedInCentral": result.deleted_in_central,
                                "restored": result.restored },
                    "failed": result.failed,
                });
                result.ledger = lease.finish(client, entries, &deleted, history).await;
            }
            drop(kept);
            to_js(&result)
        })
    }

    /// Every contacts folder of the session's mailbox (see the `listFolders` function).
    #[wasm_bindgen(js_name = listFolders, unchecked_return_type = "Promise<Folder[]>")]
    pub fn list_folders(&self) -> js_sys::Promise {
        let settings = self.settings.clone();
        future_to_promise(async move { folders(&settings.graph).await })
    }

    /// Creates a contacts folder in the session's mailbox (see the `createFolder` function).
    #[wasm_bindgen(js_name = createFolder, unchecked_return_type = "Promise<Folder>")]
    pub fn create_folder(
        &self,
        name: String,
        #[wasm_bindgen(js_name = parentFolderId)] parent_folder_id: Option<String>,
    ) -> js_sys::Promise {
        let settings = self.settings.clone();
        future_to_promise(async move {
            new_folder(&settings.graph, &name, parent_folder_id.as_deref()).await
        })
    }
}

/// Records of `outcome` that ended as `action`.
fn count(outcome: &RunOutcome, action: Action) -> usize {
    outcome
        .records
        .iter()
        .filter(|r| r.action == action)
        .count()
}

/// Every contacts folder of a mailbox, child folders included, for a folder picker — no
/// session needed. Rejects with `unauthorized`, `forbidden`, `network`, … like `plan()`.
///
/// @example
/// const folders = await listFolders({ graphBaseUrl, mailbox: "me", getGraphToken });
#[wasm_bindgen(js_name = listFolders, unchecked_return_type = "Promise<Folder[]>")]
pub fn list_folders(
    #[wasm_bindgen(unchecked_param_type = "MailboxConfig")] config: JsValue,
) -> Result<js_sys::Promise, JsValue> {
    let config: MailboxConfig = read(&config, "listFolders options")?;
    let graph = config.graph_client()?;
    Ok(future_to_promise(async move { folders(&graph).await }))
}

/// Creates a contacts folder named `name` (under `parentFolderId` when given) — no session
/// needed. Rejects with `invalidInput` for an empty name, and as `listFolders` does.
#[wasm_bindgen(js_name = createFolder, unchecked_return_type = "Promise<Folder>")]
pub fn create_folder(
    #[wasm_bindgen(unchecked_param_type = "MailboxConfig")] config: JsValue,
    name: String,
    #[wasm_bindgen(js_name = parentFolderId)] parent_folder_id: Option<String>,
) -> Result<js_sys::Promise, JsValue> {
    let config: MailboxConfig = read(&config, "createFolder options")?;
    let graph = config.graph_client()?;
    Ok(future_to_promise(async move {
        new_folder(&graph, &name, parent_folder_id.as_deref()).await
    }))
}

async fn folders(graph: &GraphClient) -> Result<JsValue, JsValue> {
    to_js(&graph.list_folders().await?)
}

async fn new_folder(
    graph: &GraphClient,
    name: &str,
    parent_folder_id: Option<&str>,
) -> Result<JsValue, JsValue> {
    to_js(&graph.create_folder(name, parent_folder_id).await?)
}

fn no_plan(what: &str) -> SyncError {
    SyncError::new(
        ErrorCode::NoPlan,
        format!("there is no plan to run: {what} (each plan runs once)"),
    )
}

/// A small output as a plain JS value (objects, arrays, `null` for `None`).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(ErrorCode::InvalidInput, &e.to_string()))
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
