//! Contacts made in Outlook, created in Central (two-way, DESIGN §4): one `POST /contacts` per
//! contact, never sent twice; then the new Central id is stored on the Outlook contact (a PATCH
//! on `If-Match` of the contact as planned), so that the next plan links it by id.

use gloo_net::http::Method;
use serde_json::Value;

use super::moves::{move_one, OutlookMove};
use super::record::{Action, CentralOutcome, RecordError, RecordResult};
use crate::central::CentralClient;
use crate::engine::body::central_id_property;
use crate::error::{ErrorCode, SyncError};
use crate::graph::odata::encode;
use crate::graph::{error_from_response, GraphClient};

/// One contact to create in Central.
#[derive(Debug, Clone, PartialEq)]
pub struct CentralCreate {
    pub outlook_id: String,
    /// `@odata.etag` of the contact as planned: the id is stored on it only if it is unchanged.
    pub etag: String,
    /// The `POST /contacts` (an account's: `/accounts`) body.
    pub body: Value,
    /// The record's type: its folder's.
    pub kind: crate::engine::Kind,
    /// A marked contact of the default Contacts folder: the folder it then goes to, and the
    /// marker category it leaves behind.
    pub move_to: Option<(String, String)>,
    /// Written to Outlook with the id: the plan's changes to Outlook (the display name made
    /// "given surname", the account's name as the company), by Graph field name.
    pub outlook: serde_json::Map<String, Value>,
}

/// What a create came to: the record's result (its `centralId` the new id, `""` when none
/// was made) and, when one was made, its version.
pub struct Created {
    /// Its `outlookId` is the planned contact's, the one it was selected by.
    pub result: RecordResult,
    pub version: Option<String>,
    /// A marked contact moved into its type's folder: the contact's id there.
    pub moved_to: Option<String>,
}

/// Creates each record, one after another (they are few: people make contacts by hand).
pub async fn create_in_central(
    client: &CentralClient,
    graph: &GraphClient,
    creates: Vec<CentralCreate>,
    signal: Option<&web_sys::AbortSignal>,
    on_done: &dyn Fn(),
) -> Vec<Created> {
    let mut out = Vec::with_capacity(creates.len());
    for c in creates {
        let created = if signal.is_some_and(|s| s.aborted()) {
            failed(
                &c,
                Action::Skipped,
                error(
                    ErrorCode::Cancelled,
                    "cancelled before this contact was created in Central",
                ),
            )
        } else {
            create_one(client, graph, &c).await
        };
        on_done();
        out.push(created);
    }
    out
}

async fn create_one(client: &CentralClient, graph: &GraphClient, c: &CentralCreate) -> Created {
    let record = match client.create(c.kind.into(), &c.body).await {
        Ok(record) => record,
        Err(e) => return failed(c, Action::Failed, RecordError::from(e)),
    };
    let text = |key: &str| record.get(key).and_then(Value::as_str).map(str::to_owned);
    let Some(id) = text("id").filter(|id| !id.trim().is_empty()) else {
        return failed(
            c,
            Action::Failed,
            error(
                ErrorCode::InvalidCentralData,
                "Central created the record but did not say its id: plan again before syncing it once more",
            ),
        );
    };
    // The id on the Outlook contact links the two at the next plan (the ledger does too); a
    // marked contact is moved into its type's folder with it.
    let (moved_to, stored) = match &c.move_to {
        None => (None, store_id(graph, c, &id).await.err()),
        Some((folder, marker)) => {
            let mut body = c.outlook.clone();
            body.insert(
                "singleValueExtendedProperties".into(),
                central_id_property(&id),
            );
            let m = OutlookMove {
                central_id: id.clone(),
                outlook_id: c.outlook_id.clone(),
                etag: c.etag.clone(),
                body: Value::Object(body),
                folder_id: folder.clone(),
                drop_category: Some(marker.clone()),
            };
            match move_one(graph, &m).await {
                Ok(new_id) => (Some(new_id), None),
                Err(e) => (None, Some(e)),
            }
        }
    };
    Created {
        result: RecordResult {
            central_id: id,
            outlook_id: Some(c.outlook_id.clone()),
            action: Action::CreatedInCentral,
            error: stored.clone(),
            central: Some(CentralOutcome {
                action: Action::Created,
                error: None,
            }),
        },
        version: text("version"),
        moved_to,
    }
}

async fn store_id(graph: &GraphClient, c: &CentralCreate, id: &str) -> Result<(), RecordError> {
    let url = graph.url(&format!(
        "{}/contacts/{}",
        graph.mailbox.path(),
        encode(&c.outlook_id)
    ));
    let mut body = c.outlook.clone();
    body.insert(
        "singleValueExtendedProperties".into(),
        central_id_property(id),
    );
    let body = Value::Object(body).to_string();
    let condition = (!c.etag.is_empty()).then_some(("If-Match", c.etag.as_str()));
    let r = graph
        .request_on(Method::PATCH, &url, Some(&body), condition)
        .await
        .map_err(RecordError::from)?;
    match r.status {
        s if (200..300).contains(&s) => Ok(()),
        // Edited since the plan: the contact is not written; the ledger links it.
        412 | 409 => Err(error(
            ErrorCode::ChangedSincePlan,
            "created in Central; the Outlook contact changed since the plan, so Central's id was not stored on it (the next plan links the two through the ledger)",
        )),
        _ => Err(RecordError::from(error_from_response(&r))),
    }
}

fn failed(c: &CentralCreate, action: Action, e: RecordError) -> Created {
    Created {
        result: RecordResult {
            central_id: String::new(),
            outlook_id: Some(c.outlook_id.clone()),
            action,
            error: Some(e.clone()),
            central: Some(CentralOutcome {
                action,
                error: Some(e),
            }),
        },
        version: None,
        moved_to: None,
    }
}

fn error(code: ErrorCode, message: &str) -> RecordError {
    RecordError::from(SyncError::new(code, message))
}
