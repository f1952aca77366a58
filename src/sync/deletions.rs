//! The deletions a run makes once its writes are done (DESIGN §4): Outlook copies of records
//! gone from Central, each on `If-Match` of the contact as planned; and Central records whose
//! Outlook contact is gone, each only after `GET …/contacts/{id}` confirms it is (404, or found
//! outside the synced folder) and on `If-Match` of the record's version.

use gloo_net::http::Method;
use serde_json::Value;

use super::record::{Action, RecordError, RecordResult};
use crate::central::write::Deleted;
use crate::central::CentralClient;
use crate::engine::plan::OutlookDelete;
use crate::engine::{CentralDelete, Folders};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;
use crate::graph::{error_from_response, GraphClient};

/// Deletes each contact, one after another; one already gone counts as deleted, one edited
/// since the plan (412) is left and fails with `changedSincePlan`.
pub async fn delete_in_outlook(
    graph: &GraphClient,
    deletes: Vec<OutlookDelete>,
    signal: Option<&web_sys::AbortSignal>,
    on_done: &dyn Fn(),
) -> Vec<RecordResult> {
    let mut out = Vec::with_capacity(deletes.len());
    for d in deletes {
        let result = if cancelled(signal) {
            Err(cancel_error())
        } else {
            delete_contact(graph, &d).await
        };
        on_done();
        out.push(record(
            d.central_id,
            d.outlook_id,
            Action::DeletedInOutlook,
            result,
        ));
    }
    out
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

async fn delete_contact(graph: &GraphClient, d: &OutlookDelete) -> Result<(), RecordError> {
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
        Ok(r) if r.status == 412 => Err(error(
            ErrorCode::ChangedSincePlan,
            "the Outlook contact was edited since the plan, so it was not deleted: plan again",
        )),
        Ok(r) => Err(RecordError::from(error_from_response(&r))),
        Err(e) => Err(RecordError::from(e)),
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
