//! `POST /v1.0/$batch`: up to 20 items, run at most 4 at a time, each through the same path
//! as a top-level request (its own limits, faults and status), answered in any order.

use crate::error::GraphResponse;
use crate::faults::FaultKind;
use crate::faults::FaultScope;
use crate::graph::{
    late_commit, lost, post_fault, pre_fault, run_request, Call, Outcome, BATCH_PARALLELISM,
    MAX_BATCH,
};
use crate::rng::SplitMix64;
use crate::store::Token;
use crate::Emulator;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use tokio::sync::{watch, Semaphore};

struct Item {
    id: String,
    method: String,
    url: String,
    headers: Map<String, Value>,
    body: Option<Value>,
    depends_on: Vec<usize>,
}

fn parse(body: Option<Value>) -> Result<Vec<Item>, GraphResponse> {
    let bad = |m: &str| GraphResponse::bad_request(m);
    let requests = body
        .as_ref()
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
        .ok_or_else(|| bad("Invalid batch payload format."))?;
    if requests.is_empty() {
        return Err(bad("Invalid batch payload format: no requests."));
    }
    if requests.len() > MAX_BATCH {
        return Err(bad(&format!(
            "Number of requests exceeds the limit of {MAX_BATCH}."
        )));
    }
    let mut items: Vec<Item> = vec![];
    for r in requests {
        let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let id = text("id").ok_or_else(|| bad("Each batch request needs a string 'id'."))?;
        if items.iter().any(|i| i.id == id) {
            return Err(bad(&format!("Duplicate batch request id '{id}'.")));
        }
        let method = text("method")
            .ok_or_else(|| bad("Each batch request needs a 'method'."))?
            .to_ascii_uppercase();
        let url = text("url").ok_or_else(|| bad("Each batch request needs a 'url'."))?;
        let headers = match r.get("headers") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(h)) => h.clone(),
            Some(_) => return Err(bad("Batch request 'headers' must be an object.")),
        };
        let body = r.get("body").filter(|b| !b.is_null()).cloned();
        let deps: Vec<String> = match r.get("dependsOn") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|d| d.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("'dependsOn' must be an array of ids."))?,
            Some(_) => return Err(bad("'dependsOn' must be an array of ids.")),
        };
        // Only earlier items may be depended on, which also rules out cycles.
        let depends_on = deps
            .iter()
            .map(|d| items.iter().position(|i| &i.id == d))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| {
                bad(&format!(
                    "Request '{id}' depends on an id that is not an earlier request of this batch."
                ))
            })?;
        items.push(Item {
            id,
            method,
            url,
            headers,
            body,
            depends_on,
        });
    }
    Ok(items)
}

fn item_json(id: &str, r: &GraphResponse) -> Value {
    let mut headers = Map::new();
    for (k, v) in &r.headers {
        headers.insert(k.clone(), Value::String(v.clone()));
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    out.insert("status".into(), json!(r.status));
    if let Some(b) = r.body_value() {
        headers.insert("Content-Type".into(), json!("application/json"));
        out.insert("body".into(), b);
    }
    out.insert("headers".into(), Value::Object(headers));
    Value::Object(out)
}

async fn run_item(emu: &Emulator, token: &Token, item: &Item, base: &str) -> Outcome {
    let header = |name: &str| {
        item.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string)
    };
    if item.body.is_some() && header("content-type").is_none() {
        return Outcome {
            response: GraphResponse::bad_request(&format!(
                "Write request id : {} does not contain Content-Type header or body.",
                item.id
            )),
            drop_connection: false,
        };
    }
    let relative = item.url.trim_start_matches('/');
    if relative.starts_with("http:")
        || relative.starts_with("https:")
        || relative.starts_with("$batch")
    {
        return Outcome {
            response: GraphResponse::bad_request(
                "Batch request urls must be relative, e.g. /me/contacts, and may not be $batch.",
            ),
            drop_connection: false,
        };
    }
    let (path, raw_query) = match relative.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (relative.to_string(), String::new()),
    };
    let call = Call {
        method: item.method.clone(),
        fault_path: item.url.clone(),
        path,
        raw_query,
        // Only the item's own headers count: the envelope's `Prefer` does not reach items.
        prefer: header("prefer"),
        if_match: header("if-match"),
        body: item.body.clone(),
        base: base.to_string(),
    };
    run_request(emu, token, FaultScope::BatchItem, call).await
}

pub async fn run(emu: &Emulator, token: &Token, body: Option<Value>, base: &str) -> Outcome {
    let items = match parse(body) {
        Ok(i) => i,
        Err(r) => {
            return Outcome {
                response: r,
                drop_connection: false,
            }
        }
    };
    let after = match pre_fault(emu, FaultScope::Graph, "POST", "/v1.0/$batch") {
        Ok(rule) => rule,
        Err(outcome) => return outcome,
    };
    let batch_no = {
        let mut store = emu.lock();
        store.batches += 1;
        store.stats.batch_items += items.len() as u64;
        store.batches
    };
    let items = Arc::new(items);
    if let Some(rule) = after.as_ref().filter(|r| r.kind == FaultKind::LateCommit) {
        // The whole batch runs late; its answer is lost (or comes late).
        let work = {
            let (emu, token, items, base) =
                (emu.clone(), token.clone(), items.clone(), base.to_string());
            async move {
                let done = run_items(&emu, &token, &items, &base, &[]).await;
                answer(&emu, &items, done, batch_no, None).response
            }
        };
        return match late_commit(emu, rule, work).await {
            Some(response) => Outcome {
                response,
                drop_connection: false,
            },
            None => lost(),
        };
    }
    let missing = after
        .as_ref()
        .filter(|r| r.kind == FaultKind::BatchMissingItems);
    // The last `count` items in request order are left out of the answer.
    let omitted: Vec<usize> = match missing {
        Some(rule) => {
            let n = (rule.count.unwrap_or(1) as usize).min(items.len());
            (items.len() - n..items.len()).collect()
        }
        None => vec![],
    };
    let not_run: &[usize] = match missing {
        Some(rule) if rule.executed == Some(false) => &omitted,
        _ => &[],
    };
    let done = run_items(emu, token, &items, base, not_run).await;
    post_fault(
        answer(emu, &items, done, batch_no, missing.map(|_| &omitted[..])),
        after,
    )
    .await
}

/// Runs the items (at most 4 at a time, dependencies first); `not_run` items are skipped
/// (their dependents fail with 424) and give no outcome.
async fn run_items(
    emu: &Emulator,
    token: &Token,
    items: &Arc<Vec<Item>>,
    base: &str,
    not_run: &[usize],
) -> Vec<(usize, Outcome)> {
    let gate = Arc::new(Semaphore::new(BATCH_PARALLELISM));
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..items.len())
        .map(|_| watch::channel(None::<u16>))
        .unzip();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, tx) in senders.into_iter().enumerate() {
        if not_run.contains(&i) {
            let _ = tx.send(Some(424));
            continue;
        }
        let deps: Vec<watch::Receiver<Option<u16>>> = items[i]
            .depends_on
            .iter()
            .map(|d| receivers[*d].clone())
            .collect();
        let (emu, token, items, gate, base) = (
            emu.clone(),
            token.clone(),
            items.clone(),
            gate.clone(),
            base.to_string(),
        );
        tasks.spawn(async move {
            let item = &items[i];
            let mut failed_dep = false;
            for mut rx in deps {
                let status = rx.wait_for(Option::is_some).await.ok().and_then(|s| *s);
                if !status.is_some_and(|s| (200..300).contains(&s)) {
                    failed_dep = true;
                }
            }
            let outcome = if failed_dep {
                Outcome {
                    response: GraphResponse::error(
                        424,
                        "FailedDependency",
                        "The request depends on a request that failed.",
                    ),
                    drop_connection: false,
                }
            } else {
                let _permit = gate.acquire().await;
                run_item(&emu, &token, item, &base).await
            };
            let _ = tx.send(Some(outcome.response.status));
            (i, outcome)
        });
    }
    let mut done: Vec<(usize, Outcome)> = vec![];
    while let Some(r) = tasks.join_next().await {
        if let Ok(pair) = r {
            done.push(pair);
        }
    }
    done
}

/// The batch answer: the outcomes in a shuffled (or completion) order, without `omitted`.
fn answer(
    emu: &Emulator,
    items: &[Item],
    mut done: Vec<(usize, Outcome)>,
    batch_no: u64,
    omitted: Option<&[usize]>,
) -> Outcome {
    if emu.lock().limits.shuffle_batch_responses {
        let mut rng = SplitMix64::new(batch_no);
        for k in (1..done.len()).rev() {
            done.swap(k, rng.below(k + 1));
        }
    }
    let drop_connection = done.iter().any(|(_, o)| o.drop_connection);
    let omitted = omitted.unwrap_or(&[]);
    let responses: Vec<Value> = done
        .iter()
        .filter(|(i, _)| !omitted.contains(i))
        .map(|(i, o)| item_json(&items[*i].id, &o.response))
        .collect();
    Outcome {
        response: GraphResponse::json(200, json!({ "responses": responses })),
        drop_connection,
    }
}
