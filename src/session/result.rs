//! The outcome of `run`, as JavaScript sees it: every selected record's result in plan order,
//! and the counts.

use std::collections::HashMap;

use serde::Serialize;
use tsify::Tsify;

use super::LedgerOutcome;
use crate::sync::{Action, RecordError, RecordResult, RunOutcome};

/// The outcome of `run`.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    /// One entry per selected Central id, in plan order (unknown ids last).
    pub records: Vec<RecordResult>,
    pub created: usize,
    pub updated: usize,
    pub failed: usize,
    pub skipped: usize,
    /// True when the run was cancelled through its `signal`.
    pub cancelled: bool,
    /// The error that stopped the run early (the records it left are `failed` with it).
    pub error: Option<RecordError>,
    /// Extra copies of a created contact that the run found (a create that ran twice below
    /// it) and deleted; normally 0.
    pub duplicates_removed: usize,
    /// What became of the sync ledger in Central.
    pub ledger: LedgerOutcome,
}

impl SyncResult {
    /// The executor's outcome and the records it was not given, in the plan's `order`.
    pub fn new(outcome: RunOutcome, skipped: Vec<RecordResult>, order: &[String]) -> SyncResult {
        let position: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut records: Vec<RecordResult> = outcome.records.into_iter().chain(skipped).collect();
        // Stable: ids the plan does not have stay last, in the order they were selected.
        records.sort_by_key(|r| {
            position
                .get(r.central_id.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        let count = |a: Action| records.iter().filter(|r| r.action == a).count();
        SyncResult {
            created: count(Action::Created),
            updated: count(Action::Updated),
            failed: count(Action::Failed),
            skipped: count(Action::Skipped),
            cancelled: outcome.cancelled,
            error: outcome.error.map(RecordError::from),
            duplicates_removed: outcome.duplicates_removed,
            ledger: LedgerOutcome::None,
            records,
        }
    }
}
