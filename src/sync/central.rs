//! Two-way runs write Outlook's edits to Central: one PATCH per record, on `If-Match` of the
//! version the plan read, a few at a time (the client retries 429/5xx as Graph's are). A 412
//! reads the record again and plans it once more (DESIGN §8); what cannot be settled so fails
//! with `changedSincePlan`, and the user's edit waits in Outlook for the next plan.

use futures::stream::{self, StreamExt};
use serde_json::Value;

use super::record::{Action, CentralOutcome, RecordError};
use crate::central::write::Patched;
use crate::central::CentralClient;
use crate::engine::CentralPatch;
use crate::error::{ErrorCode, SyncError};

/// Central PATCHes in flight at once.
pub const CENTRAL_CONCURRENCY: usize = 4;

/// Plans one record again over Central's record as it is now: the PATCH to send instead, or
/// `None` when the plan's edit no longer applies as it was shown.
pub type Replan<'a> = dyn Fn(&Value, &CentralPatch) -> Option<CentralPatch> + 'a;

/// Writes every patch; returns each record's outcome, by Central id. `on_done` is called as
/// each write finishes (for the run's progress).
pub async fn write_central(
    client: &CentralClient,
    patches: Vec<CentralPatch>,
    replan: &Replan<'_>,
    signal: Option<&web_sys::AbortSignal>,
    on_done: &dyn Fn(),
) -> Vec<(String, CentralOutcome)> {
    stream::iter(patches)
        .map(|patch| async move {
            let outcome = if signal.is_some_and(|s| s.aborted()) {
                CentralOutcome {
                    action: Action::Skipped,
                    error: Some(error(
                        ErrorCode::Cancelled,
                        "cancelled before this record was written to Central",
                    )),
                }
            } else {
                match write_one(client, &patch, replan).await {
                    Ok(()) => CentralOutcome {
                        action: Action::Updated,
                        error: None,
                    },
                    Err(e) => CentralOutcome {
                        action: Action::Failed,
                        error: Some(e),
                    },
                }
            };
            on_done();
            (patch.central_id, outcome)
        })
        .buffer_unordered(CENTRAL_CONCURRENCY)
        .collect()
        .await
}

async fn write_one(
    client: &CentralClient,
    patch: &CentralPatch,
    replan: &Replan<'_>,
) -> Result<(), RecordError> {
    match send(client, patch).await? {
        Sent::Written => return Ok(()),
        Sent::Stale => {}
    }
    let changed = || {
        error(
            ErrorCode::ChangedSincePlan,
            "the record was changed in Central since the plan: plan again to see both edits",
        )
    };
    let fresh = client
        .get_record(patch.kind.into(), &patch.central_id)
        .await
        .map_err(RecordError::from)?
        .ok_or_else(changed)?;
    let again = replan(&fresh, patch).ok_or_else(changed)?;
    match send(client, &again).await? {
        Sent::Written => Ok(()),
        Sent::Stale => Err(changed()),
    }
}

enum Sent {
    Written,
    Stale,
}

async fn send(client: &CentralClient, patch: &CentralPatch) -> Result<Sent, RecordError> {
    let answer = client
        .patch(
            patch.kind.into(),
            &patch.central_id,
            &patch.version,
            &patch.body,
        )
        .await
        .map_err(RecordError::from)?;
    match answer {
        Patched::Ok { .. } => Ok(Sent::Written),
        Patched::Stale => Ok(Sent::Stale),
        Patched::NotFound => Err(error(
            ErrorCode::ChangedSincePlan,
            "the record is no longer in Central: plan again",
        )),
        Patched::Rejected {
            status,
            code,
            message,
        } => Err(RecordError {
            status: Some(status),
            ..error(
                ErrorCode::CentralRejected,
                &format!("Central refused the change ({code}): {message}"),
            )
        }),
    }
}

fn error(code: ErrorCode, message: &str) -> RecordError {
    RecordError::from(SyncError::new(code, message))
}
