//! The deletions a run makes once its writes are done (DESIGN §4): Outlook copies of records
//! gone from Central, each on `If-Match` of the contact as planned; and Central records whose
//! Outlook contact is gone, each only after `GET …/contacts/{id}` confirms it is (404, or found
//! outside the synced folder) and on `If-Match` of the record's version.

use gloo_net::http::Method;
use serde_json::Value;

use foldhash::{HashMap, HashMapExt};

use super::batch::{batch_body, parse_batch_response, BatchRequest, ItemResponse, MAX_BATCH};
use super::record::{Action, RecordError, RecordResult};
use crate::central::write::Deleted;
use crate::central::CentralClient;
use crate::engine::plan::OutlookDelete;
use crate::engine::{CentralDelete, Folders};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;
use crate::graph::{error_from_response, GraphClient};

/// Deletes the contacts, 20 to a `$batch`, each on `If-Match`: one already gone counts as
/// deleted, one edited since the plan (412) is left and fails with `changedSincePlan`. An item
/// throttled or failing, or a batch whose answer is lost, is deleted on its own with retries —
/// safe to repeat, as a second `DELETE` finds 404 (done) or 412 (edited since).
pub async fn delete_in_outlook(
    graph: &GraphClient,
    folders: &Folders,
    deletes: Vec<OutlookDelete>,
    signal: Option<&web_sys::AbortSignal>,
    on_done: &dyn Fn(),
) -> Vec<RecordResult> {
    let mut out = Vec::with_capacity(deletes.len());
    for chunk in deletes.chunks(MAX_BATCH) {
        let answers = if cancelled(signal) {
            HashMap::new()
        } else {
            send_deletes(graph, chunk).await
        };
        for (k, d) in chunk.iter().enumerate() {
            let result = match answers.get(&k.to_string()).map(|a| a.status) {
                Some(s) if (200..300).contains(&s) || s == 404 => Ok(()),
                Some(412) => refused(graph, folders, d).await,
                _ if cancelled(signal) => Err(cancel_error()),
                // Throttled, failed, or no answer: on its own, with retries.
                _ => delete_contact(graph, folders, d).await,
            };
            on_done();
            out.push(record(
                d.central_id.clone(),
                d.outlook_id.clone(),
                Action::DeletedInOutlook,
                result,
            ));
        }
    }
    out
}

/// One `$batch` of deletions; its answers by item id (none when the batch got no answer).
async fn send_deletes(
    graph: &GraphClient,
    chunk: &[OutlookDelete],
) -> HashMap<String, ItemResponse> {
    let mailbox = graph.mailbox.path();
    let requests: Vec<BatchRequest<'_>> = chunk
        .iter()
        .enumerate()
        .map(|(k, d)| BatchRequest {
            id: k.to_string(),
            method: "DELETE",
            url: format!("{mailbox}/contacts/{}", encode(&d.outlook_id)),
            body: None,
            if_match: (!d.etag.is_empty()).then_some(d.etag.as_str()),
        })
        .collect();
    let url = graph.url("/$batch");
    match graph
        .request(Method::POST, &url, Some(&batch_body(&requests)))
        .await
    {
        Ok(r) => parse_batch_response(&r.body).unwrap_or_default(),
        Err(_) => HashMap::new(),
    }
}

fn edited_since() -> RecordError {
    error(
        ErrorCode::ChangedSincePlan,
        "the Outlook contact was edited since the plan, so it was not deleted: plan again",
    )
}

/// Deletes each Central record whose Outlook contact is confirmed gone from the synced `folders`.
pub async fn delete_in_central(
    client: &CentralClient,
    graph: &GraphClient,
    folders: &Folders,
    deletes: Vec<CentralDelete>,
    signal: Option<&web_sys::AbortSignal>,
    on_done: &dyn Fn(),
) -> Vec<RecordResult> {
    let mut out = Vec::with_capacity(deletes.len());
    for d in deletes {
        let result = if cancelled(signal) {
            Err(cancel_error())
        } else {
            delete_one(client, graph, folders, &d).await
        };
        on_done();
        out.push(record(
            d.central_id,
            d.outlook_id,
            Action::DeletedInCentral,
            result,
        ));
    }
    out
}

async fn delete_contact(
    graph: &GraphClient,
    folders: &Folders,
    d: &OutlookDelete,
) -> Result<(), RecordError> {
    let url = graph.url(&format!(
        "{}/contacts/{}",
        graph.mailbox.path(),
        encode(&d.outlook_id)
    ));
    let condition = (!d.etag.is_empty()).then_some(("If-Match", d.etag.as_str()));
    match graph
        .request_on(Method::DELETE, &url, None, condition)
        .await
    {
        Ok(r) if r.ok() || r.status == 404 => Ok(()),
        Ok(r) if r.status == 412 => refused(graph, folders, d).await,
        Ok(r) => Err(RecordError::from(error_from_response(&r))),
        Err(e) => Err(RecordError::from(e)),
    }
}

/// A `DELETE` refused with 412: edited since the plan — or deleted already, by this run's
/// own request whose answer was lost (a deleted contact lies in Deleted Items with a new
/// change key). Gone, or out of the synced folders, it is deleted from them; still in one,
/// it was edited and is left.
async fn refused(
    graph: &GraphClient,
    folders: &Folders,
    d: &OutlookDelete,
) -> Result<(), RecordError> {
    let url = graph.url(&format!(
        "{}/contacts/{}?$select=parentFolderId",
        graph.mailbox.path(),
        encode(&d.outlook_id)
    ));
    let r = graph
        .request_on(Method::GET, &url, None, None)
        .await
        .map_err(RecordError::from)?;
    match r.status {
        404 => Ok(()),
        200 => {
            let parent = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("parentFolderId")?.as_str().map(str::to_owned));
            let synced = |p: &str| folders.ids().iter().any(|(id, _)| *id == p);
            if parent.as_deref().is_none_or(synced) {
                Err(edited_since())
            } else {
                Ok(())
            }
        }
        _ => Err(RecordError::from(error_from_response(&r))),
    }
}

async fn delete_one(
    client: &CentralClient,
    graph: &GraphClient,
    folders: &Folders,
    d: &CentralDelete,
) -> Result<(), RecordError> {
    if !d.outlook_id.is_empty() {
        let url = graph.url(&format!(
            "{}/contacts/{}?$select=parentFolderId",
            graph.mailbox.path(),
            encode(&d.outlook_id)
        ));
        let r = graph
            .request_on(Method::GET, &url, None, None)
            .await
            .map_err(RecordError::from)?;
        match r.status {
            404 => {}
            200 => {
                let parent = serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .and_then(|v| v.get("parentFolderId")?.as_str().map(str::to_owned));
                // Moved out of the folders counts as removed; still in one, nothing is deleted.
                let synced = |p: &str| folders.ids().iter().any(|(id, _)| *id == p);
                if parent.as_deref().is_none_or(synced) {
                    return Err(error(
                        ErrorCode::ChangedSincePlan,
                        "the Outlook contact is in the folder again, so the Central record was not deleted: plan again",
                    ));
                }
            }
            _ => return Err(RecordError::from(error_from_response(&r))),
        }
    }
    match client
        .delete(d.kind.into(), &d.central_id, &d.version)
        .await
        .map_err(RecordError::from)?
    {
        Deleted::Ok | Deleted::NotFound => Ok(()),
        Deleted::Stale => Err(error(
            ErrorCode::ChangedSincePlan,
            "the record was changed in Central since the plan, so it was not deleted: plan again",
        )),
    }
}

fn record(
    central_id: String,
    outlook_id: String,
    done: Action,
    result: Result<(), RecordError>,
) -> RecordResult {
    let (action, error) = match result {
        Ok(()) => (done, None),
        Err(e) if e.code == ErrorCode::Cancelled.as_str() => (Action::Skipped, Some(e)),
        Err(e) => (Action::Failed, Some(e)),
    };
    RecordResult {
        central_id,
        outlook_id: Some(outlook_id),
        action,
        error,
        central: None,
    }
}

fn cancelled(signal: Option<&web_sys::AbortSignal>) -> bool {
    signal.is_some_and(|s| s.aborted())
}

fn cancel_error() -> RecordError {
    error(
        ErrorCode::Cancelled,
        "cancelled before this deletion was made",
    )
}

fn error(code: ErrorCode, message: &str) -> RecordError {
    RecordError::from(SyncError::new(code, message))
}
