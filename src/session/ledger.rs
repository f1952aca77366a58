//! A run's hold on the sync ledger (DESIGN §8): claimed over the ETag the plan read, with a
//! lease renewed while the run goes on, and written at the end with what both sides now hold.

use std::cell::{Cell, RefCell};

use serde_json::{json, Map, Value};

use crate::central::ledger::{Condition, Ledger, Written};
use crate::central::CentralClient;
use crate::error::{ErrorCode, SyncError};
use crate::retry::sleep;

/// How long a lease holds without renewal.
const LEASE_MS: f64 = 120_000.0;
/// How often a running run renews it.
const RENEW_EVERY_MS: f64 = 60_000.0;
/// Runs kept in the ledger's history.
const HISTORY: usize = 50;

/// The ledger claimed by a run: its current ETag and body.
pub struct Lease {
    run_id: String,
    key: String,
    etag: RefCell<String>,
    body: RefCell<Map<String, Value>>,
}

/// What became of the ledger at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, tsify::Tsify)]
#[serde(rename_all = "camelCase")]
pub enum LedgerOutcome {
    /// Written with the run's entries.
    Written,
    /// Central keeps no ledger; the run went without one.
    None,
    /// The run's writes are done but the ledger could not be written: the next plan links the
    /// contacts by their Central ids.
    NotWritten,
}

/// What the session shows as `plan.ledger`.
pub fn plan_state(ledger: Option<&Ledger>) -> &'static str {
    match ledger {
        Some(Ledger::Present { .. }) => "ok",
        Some(Ledger::Absent) => "new",
        Some(Ledger::Unsupported) | None => "none",
    }
}

/// A new run id.
pub fn new_run_id() -> String {
    let part = || format!("{:08x}", (random() * f64::from(u32::MAX)) as u32);
    format!("{}{}{}", part(), part(), part())
}

impl Lease {
    /// Claims the ledger as the plan read it. `stalePlan` when it moved on since (another
    /// run wrote it), `busy` while another run's lease is live; `None` without a ledger.
    pub async fn claim(
        client: &CentralClient,
        key: &str,
        at_plan: &Ledger,
        run_id: &str,
    ) -> Result<Option<Lease>, SyncError> {
        let (mut body, condition) = match at_plan {
            Ledger::Unsupported => return Ok(None),
            Ledger::Present { etag, body } => {
                if let Some(holder) = live_lease(body, run_id) {
                    return Err(SyncError::new(
                        ErrorCode::Busy,
                        format!("another sync of this folder is running (run {holder}); wait for it to finish"),
                    ));
                }
                (body.clone(), Condition::Matches(etag))
            }
            Ledger::Absent => {
                let mut body = Map::new();
                body.insert("schema".into(), json!(1));
                body.insert("entries".into(), json!([]));
                body.insert("history".into(), json!([]));
                (body, Condition::Absent)
            }
        };
        body.insert("lease".into(), lease_value(run_id));
        match client
            .write_ledger(key, &Value::Object(body.clone()).to_string(), condition)
            .await?
        {
            Written::Ok(etag) => Ok(Some(Lease::new(run_id, key, etag, body))),
            Written::Unsupported => Ok(None),
            // A claim whose first answer was lost may have landed: then the lease is ours.
            Written::Stale => match client.read_ledger(key).await? {
                Ledger::Present { etag, body } if lease_holder(&body) == Some(run_id) => {
                    Ok(Some(Lease::new(run_id, key, etag, body)))
                }
                _ => Err(stale()),
            },
        }
    }

    fn new(run_id: &str, key: &str, etag: String, body: Map<String, Value>) -> Lease {
        Lease {
            run_id: run_id.to_owned(),
            key: key.to_owned(),
            etag: RefCell::new(etag),
            body: RefCell::new(body),
        }
    }

    /// Renews the lease every minute until `done`.
    pub async fn keep_alive(&self, client: &CentralClient, done: &Cell<bool>) {
        loop {
            let mut waited = 0.0;
            while waited < RENEW_EVERY_MS {
                if done.get() {
                    return;
                }
                sleep(0.1, None).await;
                waited += 100.0;
            }
            let body = {
                let mut body = self.body.borrow_mut();
                body.insert("lease".into(), lease_value(&self.run_id));
                Value::Object(body.clone()).to_string()
            };
            let etag = self.etag.borrow().clone();
            // A renewal that fails leaves the lease to expire; the final write says what
            // became of the ledger.
            if let Ok(Written::Ok(etag)) = client
                .write_ledger(&self.key, &body, Condition::Matches(&etag))
                .await
            {
                *self.etag.borrow_mut() = etag;
            }
        }
    }

    /// Writes the run's `entries` (replacing those of the same Central ids), a line of
    /// history, and clears the lease.
    pub async fn finish(
        &self,
        client: &CentralClient,
        entries: Vec<Value>,
        deleted: &[String],
        history: Value,
    ) -> LedgerOutcome {
        let body = {
            let mut body = self.body.borrow_mut();
            body.remove("lease");
            merge_entries(&mut body, entries, deleted);
            let mut runs: Vec<Value> = match body.remove("history") {
                Some(Value::Array(runs)) => runs,
                _ => Vec::new(),
            };
            runs.push(history);
            let excess = runs.len().saturating_sub(HISTORY);
            runs.drain(..excess);
            body.insert("history".into(), Value::Array(runs));
            Value::Object(body.clone()).to_string()
        };
        let etag = self.etag.borrow().clone();
        match client
            .write_ledger(&self.key, &body, Condition::Matches(&etag))
            .await
        {
            Ok(Written::Ok(_)) => LedgerOutcome::Written,
            // A write whose first answer was lost may have landed: its history says so.
            Ok(Written::Stale) => match client.read_ledger(&self.key).await {
                Ok(Ledger::Present { body, .. }) if last_run(&body) == Some(&self.run_id) => {
                    LedgerOutcome::Written
                }
                _ => LedgerOutcome::NotWritten,
            },
            Ok(Written::Unsupported) | Err(_) => LedgerOutcome::NotWritten,
        }
    }
}

fn stale() -> SyncError {
    SyncError::new(
        ErrorCode::StalePlan,
        "this folder was synced (in another tab, device or by another user) since this plan was made; nothing was written: plan again",
    )
}

fn lease_value(run_id: &str) -> Value {
    json!({ "runId": run_id, "expiresAt": iso(now_ms() + LEASE_MS) })
}

fn lease_holder(body: &Map<String, Value>) -> Option<&str> {
    body.get("lease")?.get("runId")?.as_str()
}

/// The run id of a lease that has not expired and is not `ours`.
fn live_lease<'a>(body: &'a Map<String, Value>, ours: &str) -> Option<&'a str> {
    let holder = lease_holder(body)?;
    let expires = body.get("lease")?.get("expiresAt")?.as_str()?;
    (holder != ours && parse_ms(expires) > now_ms()).then_some(holder)
}

fn last_run(body: &Map<String, Value>) -> Option<&str> {
    body.get("history")?
        .as_array()?
        .last()?
        .get("runId")?
        .as_str()
}

/// Replaces the entries of the Central ids in `entries` and drops those of `deleted`, keeping
/// the others in their order.
fn merge_entries(body: &mut Map<String, Value>, entries: Vec<Value>, deleted: &[String]) {
    let id = |e: &Value| {
        e.get("centralId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut new_ids: std::collections::HashSet<String> = entries.iter().filter_map(id).collect();
    new_ids.extend(deleted.iter().cloned());
    let mut kept: Vec<Value> = match body.remove("entries") {
        Some(Value::Array(old)) => old
            .into_iter()
            .filter(|e| id(e).is_none_or(|i| !new_ids.contains(&i)))
            .collect(),
        _ => Vec::new(),
    };
    kept.extend(entries);
    body.insert("entries".into(), Value::Array(kept));
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// An ISO 8601 UTC time.
pub fn iso(ms: f64) -> String {
    js_sys::Date::new(&ms.into()).to_iso_string().into()
}

/// An ISO 8601 time in milliseconds since the epoch (0 when it is not one).
fn parse_ms(text: &str) -> f64 {
    let ms = js_sys::Date::parse(text);
    if ms.is_nan() {
        0.0
    } else {
        ms
    }
}

fn random() -> f64 {
    js_sys::Math::random()
}
