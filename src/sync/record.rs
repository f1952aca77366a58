//! What the executor is given (one write per selected record) and what it reports: each
//! record's result, the run's progress and its outcome.

use serde::Serialize;
use serde_json::Value;
use tsify::Tsify;

use crate::error::{ErrorCode, SyncError};

/// What happened to one selected record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Created,
    Updated,
    /// Only Central was written (two-way: Outlook edits only).
    UpdatedInCentral,
    /// A contact made in Outlook was created in Central (two-way).
    CreatedInCentral,
    /// The Outlook copy of a record gone from Central was deleted.
    DeletedInOutlook,
    /// The Central record of a contact deleted in Outlook was deleted.
    DeletedInCentral,
    /// A contact deleted in Outlook, of a read-only type (or whose Central edit won), was
    /// created again.
    Restored,
    Skipped,
    Failed,
}

/// Why a record failed or was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    /// A stable code (`throttled`, `network`, `graphError`, `cancelled`, `notSyncable`,
    /// `outcomeUnknown`, …).
    pub code: String,
    pub message: String,
    /// HTTP status of Graph's answer, when there was one.
    pub status: Option<u16>,
    /// Graph's `error.code`, when Graph sent one.
    pub graph_code: Option<String>,
}

impl From<SyncError> for RecordError {
    fn from(e: SyncError) -> Self {
        RecordError {
            code: e.code.as_str().to_owned(),
            message: e.message,
            status: e.status,
            graph_code: e.graph_code,
        }
    }
}

/// The code of a create that may or may not have been written: every lookup of it failed.
pub const OUTCOME_UNKNOWN: &str = ErrorCode::OutcomeUnknown.as_str();

/// The code on a `created` record that may have an extra copy left in the folder: one was
/// found and could not be deleted, or the create was sent more than once and the last lookup
/// failed.
pub const POSSIBLE_DUPLICATE: &str = ErrorCode::PossibleDuplicate.as_str();

/// The outcome of one selected record.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RecordResult {
    pub central_id: String,
    pub outlook_id: Option<String>,
    pub action: Action,
    pub error: Option<RecordError>,
    /// Two-way, a record with Outlook edits to write to Central: what became of that write
    /// (`updated` or `failed`, with its error), whatever became of Outlook's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub central: Option<CentralOutcome>,
}

/// What a run did to a record in Central.
#[derive(Debug, Clone, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CentralOutcome {
    /// `updated` or `failed`.
    pub action: Action,
    pub error: Option<RecordError>,
}

/// Progress of a run, as sent to `onProgress`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Writes finished (created + updated + failed).
    pub done: usize,
    /// Writes to make.
    pub total: usize,
    pub created: usize,
    pub updated: usize,
    pub failed: usize,
    /// Seconds the run is waiting now because Graph throttled it (0 when not waiting).
    pub waiting_seconds: f64,
    /// Two-way: Central writes finished (written or failed), and to make.
    pub central_done: usize,
    pub central_total: usize,
}

/// A write to make.
#[derive(Debug, Clone)]
pub enum WriteKind {
    Create {
        body: Value,
    },
    /// `etag`: the contact as the plan read it; the PATCH is sent with `If-Match` on it, so
    /// an edit the user made since is never overwritten (`None`: no condition).
    Update {
        outlook_id: String,
        body: Value,
        etag: Option<String>,
    },
}

/// What a run did: one result per write in order, whether it was cancelled, and the error
/// that stopped it early, if any.
#[derive(Debug)]
pub struct RunOutcome {
    pub records: Vec<RecordResult>,
    pub cancelled: bool,
    pub error: Option<SyncError>,
    /// Extra copies of a created contact found by a lookup and deleted.
    pub duplicates_removed: usize,
}

impl RunOutcome {
    /// Adds the outcome of the run's writes into another folder.
    pub fn absorb(&mut self, other: RunOutcome) {
        self.records.extend(other.records);
        self.cancelled |= other.cancelled;
        self.error = self.error.take().or(other.error);
        self.duplicates_removed += other.duplicates_removed;
    }
}
