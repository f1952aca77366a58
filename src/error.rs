//! Errors as JavaScript sees them: a real `Error` whose `code` is a stable string.

use std::fmt;

use wasm_bindgen::{JsCast, JsValue};

/// The stable `code` of every error the package throws or reports on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// An argument has the wrong shape (not an array of objects, unknown option, …).
    InvalidInput,
    /// The network failed (no answer, connection dropped, timeout).
    Network,
    /// The token was refused, also after asking the host for a fresh one.
    Unauthorized,
    /// The token lacks a permission, or the mailbox is not shared with the user.
    Forbidden,
    /// Graph kept throttling beyond the bounded number of tries.
    Throttled,
    /// Central did not answer, or answered with an error status.
    CentralUnavailable,
    /// Central answered with something that is not its contacts format.
    InvalidCentralData,
    /// Graph answered with something that is not what Graph sends.
    InvalidGraphData,
    /// The contacts folder does not exist (or is not visible with this token).
    FolderNotFound,
    /// Another run is going on for the same mailbox.
    Busy,
    /// `run` was called before a successful `plan`.
    NoPlan,
    /// Another tab, device or user synced this folder since the plan was made: nothing was
    /// written; plan again.
    StalePlan,
    /// The run was cancelled before this record was written.
    Cancelled,
    /// Graph refused the request for another reason (see the message and `graphCode`).
    GraphError,
    /// A selected record that the plan says is never synced (non-actionable or in conflict).
    NotSyncable,
    /// A selected id that is not an active Central contact of the plan.
    NotInPlan,
    /// An update not written because the Outlook contact changed after the plan read it
    /// (Graph's 412 or 409 on `If-Match`): nothing the user typed is overwritten.
    ChangedSincePlan,
    /// A create skipped because a contact with its Central id was found in the folder before
    /// it was sent (another run created it since the plan; runs without a ledger look first).
    AlreadyInFolder,
    /// A create may or may not have been written: every lookup of it failed. The next plan
    /// links a contact that was created by its Central id.
    OutcomeUnknown,
    /// On a `created` record: an extra copy may be left in the folder (one was found and
    /// could not be deleted, or the create was sent twice and the last lookup failed).
    PossibleDuplicate,
    /// Central refused a write (its 400 or 409): the message gives Central's code and words.
    CentralRejected,
    /// A run with more deletions than it makes without asking: `confirmDeletions` must be
    /// their number.
    ConfirmDeletions,
    /// A write whose request is larger than Graph accepts (413 `RequestEntityTooLarge`, or
    /// over the limit before it was sent): not written; the rest of its batch is.
    RecordTooLarge,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalidInput",
            ErrorCode::Network => "network",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Throttled => "throttled",
            ErrorCode::CentralUnavailable => "centralUnavailable",
            ErrorCode::InvalidCentralData => "invalidCentralData",
            ErrorCode::InvalidGraphData => "invalidGraphData",
            ErrorCode::FolderNotFound => "folderNotFound",
            ErrorCode::Busy => "busy",
            ErrorCode::NoPlan => "noPlan",
            ErrorCode::StalePlan => "stalePlan",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::GraphError => "graphError",
            ErrorCode::NotSyncable => "notSyncable",
            ErrorCode::NotInPlan => "notInPlan",
            ErrorCode::ChangedSincePlan => "changedSincePlan",
            ErrorCode::AlreadyInFolder => "alreadyInFolder",
            ErrorCode::OutcomeUnknown => "outcomeUnknown",
            ErrorCode::PossibleDuplicate => "possibleDuplicate",
            ErrorCode::CentralRejected => "centralRejected",
            ErrorCode::ConfirmDeletions => "confirmDeletions",
            ErrorCode::RecordTooLarge => "recordTooLarge",
        }
    }
}

/// An error of a sync operation: a stable code, a message for people, and what Graph said.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncError {
    pub code: ErrorCode,
    pub message: String,
    /// HTTP status of the answer that caused it, if any.
    pub status: Option<u16>,
    /// Graph's own `error.code`, if Graph sent one.
    pub graph_code: Option<String>,
}

impl SyncError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SyncError {
            code,
            message: message.into(),
            status: None,
            graph_code: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_graph_code(mut self, graph_code: Option<String>) -> Self {
        self.graph_code = graph_code;
        self
    }

    /// The JS `Error` for this error, with `code`, and `status`/`graphCode` when known.
    pub fn to_js(&self) -> JsValue {
        let err = js_error(self.code, &self.message);
        if let Some(status) = self.status {
            let _ = js_sys::Reflect::set(&err, &"status".into(), &status.into());
        }
        if let Some(graph_code) = &self.graph_code {
            let _ = js_sys::Reflect::set(&err, &"graphCode".into(), &graph_code.into());
        }
        err
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for SyncError {}

impl From<SyncError> for JsValue {
    fn from(e: SyncError) -> JsValue {
        e.to_js()
    }
}

/// A JS `Error` with `message` and `code`.
pub(crate) fn js_error(code: ErrorCode, message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &"code".into(), &code.as_str().into());
    err.unchecked_into()
}
