//! Moves a run makes once its writes are done: a contact whose record changed type goes to
//! its type's folder. Graph cannot move a contact (GRAPH.md), so the whole contact is read,
//! created in the folder with the plan's changes over it, and the original deleted on
//! `If-Match` — the user's notes, birthday and other fields go with it.

use gloo_net::http::Method;
use serde_json::{Map, Value};

use super::record::{Action, RecordError, RecordResult};
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;
use crate::graph::{error_from_response, exact_hits, lookup_path, GraphClient};

/// One contact to move: the PATCH `body` the plan made for it, the etag it was planned on.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlookMove {
    pub central_id: String,
    pub outlook_id: String,
    pub etag: String,
    pub body: Value,
    pub folder_id: String,
    /// A marker category the contact leaves behind (DESIGN §4), compared ignoring case.
    pub drop_category: Option<String>,
}

/// What Graph keeps of a contact itself, never sent in a create.
const READ_ONLY: &[&str] = &[
    "id",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "parentFolderId",
];

/// Moves each contact, one after another. The record's result is `updated` with the new
/// contact's id; a contact edited since the plan is left where it is (`changedSincePlan`).
pub async fn move_in_outlook(
    graph: &GraphClient,
    moves: Vec<OutlookMove>,
    signal: Option<&web_sys::AbortSignal>,
    on_done: &dyn Fn(Result<(), ()>),
) -> Vec<RecordResult> {
    let mut out = Vec::with_capacity(moves.len());
    for m in moves {
        let result = if signal.is_some_and(|s| s.aborted()) {
            Err(RecordError::from(SyncError::new(
                ErrorCode::Cancelled,
                "cancelled before this contact was moved",
            )))
        } else {
            move_one(graph, &m).await
        };
        on_done(result.as_ref().map(|_| ()).map_err(|_| ()));
        let (action, outlook_id, error) = match result {
            Ok(id) => (Action::Updated, id, None),
            Err(e) if e.code == ErrorCode::Cancelled.as_str() => {
                (Action::Skipped, m.outlook_id, Some(e))
            }
            Err(e) => (Action::Failed, m.outlook_id, Some(e)),
        };
        out.push(RecordResult {
            central_id: m.central_id,
            outlook_id: Some(outlook_id),
            action,
            error,
            central: None,
        });
    }
    out
}

/// The new contact's id.
pub async fn move_one(graph: &GraphClient, m: &OutlookMove) -> Result<String, RecordError> {
    let mailbox = graph.mailbox.path();
    let url = graph.url(&format!("{mailbox}/contacts/{}", encode(&m.outlook_id)));
    let r = graph
        .request_on(Method::GET, &url, None, None)
        .await
        .map_err(RecordError::from)?;
    if r.status == 404 {
        return Err(changed("the Outlook contact was deleted since the plan"));
    }
    if !r.ok() {
        return Err(RecordError::from(error_from_response(&r)));
    }
    let Ok(Value::Object(mut contact)) = serde_json::from_slice::<Value>(&r.body) else {
        return Err(RecordError::from(SyncError::new(
            ErrorCode::InvalidGraphData,
            "Graph sent a contact that is not an object",
        )));
    };
    let etag = contact
        .get("@odata.etag")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !m.etag.is_empty() && etag != m.etag {
        return Err(changed(
            "the Outlook contact was edited since the plan, so it was not moved: plan again",
        ));
    }
    contact.retain(|k, _| !k.starts_with('@') && !READ_ONLY.contains(&k.as_str()));
    if let (Some(marker), Some(Value::Array(categories))) =
        (&m.drop_category, contact.get_mut("categories"))
    {
        let marker = marker.to_lowercase();
        categories.retain(|c| c.as_str().is_none_or(|c| c.to_lowercase() != marker));
    }
    if let Value::Object(patch) = &m.body {
        for (k, v) in patch {
            contact.insert(k.clone(), v.clone());
        }
    }
    let body = Value::Object(contact).to_string();
    let folder = encode(&m.folder_id);
    let create = graph.url(&format!("{mailbox}/contactFolders/{folder}/contacts"));
    // A create is sent once: an unknown outcome is looked up, never sent again.
    let new_id = match graph
        .send_once(Method::POST, &create, Some(&body))
        .await
        .map_err(RecordError::from)?
    {
        Ok(r) if r.ok() => created_id(&r.body)?,
        Ok(r) if r.status < 500 && r.status != 429 => {
            return Err(RecordError::from(error_from_response(&r)))
        }
        _ => look_up(graph, &m.folder_id, &m.central_id).await?,
    };
    let condition = (!etag.is_empty()).then_some(("If-Match", etag.as_str()));
    match graph
        .request_on(Method::DELETE, &url, None, condition)
        .await
    {
        Ok(r) if r.ok() || r.status == 404 => Ok(new_id),
        // Edited meanwhile: both stay, and the next plan shows the two (nothing is lost).
        Ok(r) if r.status == 412 => Err(changed(
            "the Outlook contact was edited while it was moved: both copies are kept, plan again",
        )),
        Ok(r) => Err(RecordError::from(error_from_response(&r))),
        Err(e) => Err(RecordError::from(e)),
    }
}

fn created_id(body: &[u8]) -> Result<String, RecordError> {
    serde_json::from_slice::<Map<String, Value>>(body)
        .ok()
        .and_then(|c| c.get("id")?.as_str().map(str::to_owned))
        .ok_or_else(|| {
            RecordError::from(SyncError::new(
                ErrorCode::InvalidGraphData,
                "Graph created the contact but sent no id",
            ))
        })
}

/// The contact the create made, if it made one: found by its Central id in the folder.
async fn look_up(
    graph: &GraphClient,
    folder: &str,
    central_id: &str,
) -> Result<String, RecordError> {
    let url = graph.url(&lookup_path(&graph.mailbox.path(), folder, central_id));
    let r = graph
        .request(Method::GET, &url, None)
        .await
        .map_err(RecordError::from)?;
    let value = serde_json::from_slice::<Map<String, Value>>(&r.body)
        .ok()
        .and_then(|m| m.get("value").map(Value::to_string))
        .unwrap_or_default();
    let hits = exact_hits(value.as_bytes(), central_id).map_err(RecordError::from)?;
    hits.into_iter().next().ok_or_else(|| {
        RecordError::from(SyncError::new(
            ErrorCode::Network,
            "the move's create did not reach Graph: the contact stays where it is",
        ))
    })
}

fn changed(message: &str) -> RecordError {
    RecordError::from(SyncError::new(ErrorCode::ChangedSincePlan, message))
}
