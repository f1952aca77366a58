//! The outcome of `run`, as JavaScript sees it: every selected record's result in plan order,
//! and the counts.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tsify::Tsify;

use super::LedgerOutcome;
use crate::sync::{Action, CentralOutcome, RecordError, RecordResult, RunOutcome};

/// The outcome of `run`.
#[derive(Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SyncResult {
    /// One entry per selected Central id, in plan order (unknown ids last).
    pub records: Vec<RecordResult>,
    pub created: usize,
    /// Records written in Outlook (and, two-way, in Central too where they had Outlook edits).
    pub updated: usize,
    /// Two-way: records whose Outlook edits were written to Central (only there, or with
    /// Outlook's write too).
    pub updated_in_central: usize,
    /// Contacts made in Outlook, created in Central.
    pub created_in_central: usize,
    /// Outlook copies of records gone from Central, deleted.
    pub deleted_in_outlook: usize,
    /// Central records whose Outlook contacts were deleted, deleted.
    pub deleted_in_central: usize,
    /// Contacts deleted in Outlook and created again.
    pub restored: usize,
    /// Records with a write that failed, on either side.
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
    /// The executor's outcome, the Central writes' outcomes and the records neither was given,
    /// in the plan's `order`.
    pub fn new(
        outcome: RunOutcome,
        central: Vec<(String, CentralOutcome)>,
        skipped: Vec<RecordResult>,
        restores: &HashSet<String>,
        order: &[String],
    ) -> SyncResult {
        // A record's place is its first item's (its extra copies come later in the plan).
        let mut position: HashMap<&str, usize> = HashMap::new();
        for (i, id) in order.iter().enumerate() {
            position.entry(id.as_str()).or_insert(i);
        }
        let mut records: Vec<RecordResult> = outcome.records;
        let mut index: HashMap<String, usize> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.central_id.clone(), i))
            .collect();
        for (id, co) in central {
            match index.get(&id) {
                Some(&i) => {
                    let r = &mut records[i];
                    // Outlook written, Central not: the record failed, on Central's side.
                    if co.action == Action::Failed && r.action != Action::Failed {
                        r.error = co.error.clone();
                    }
                    r.central = Some(co);
                }
                None => {
                    index.insert(id.clone(), records.len());
                    records.push(RecordResult {
                        central_id: id,
                        outlook_id: None,
                        action: match co.action {
                            Action::Updated => Action::UpdatedInCentral,
                            a => a,
                        },
                        error: co.error.clone(),
                        central: Some(co),
                    });
                }
            }
        }
        records.extend(skipped);
        for r in &mut records {
            if r.action == Action::Created && restores.contains(&r.central_id) {
                r.action = Action::Restored;
            }
        }
        // Stable: ids the plan does not have stay last, in the order they were selected.
        records.sort_by_key(|r| {
            position
                .get(r.central_id.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        let count = |a: Action| records.iter().filter(|r| r.action == a).count();
        let central_is =
            |r: &RecordResult, a: Action| r.central.as_ref().is_some_and(|c| c.action == a);
        SyncResult {
            created: count(Action::Created),
            updated: count(Action::Updated),
            created_in_central: count(Action::CreatedInCentral),
            deleted_in_outlook: count(Action::DeletedInOutlook),
            deleted_in_central: count(Action::DeletedInCentral),
            restored: count(Action::Restored),
            updated_in_central: records
                .iter()
                .filter(|r| central_is(r, Action::Updated))
                .count(),
            failed: records
                .iter()
                .filter(|r| r.action == Action::Failed || central_is(r, Action::Failed))
                .count(),
            skipped: count(Action::Skipped),
            cancelled: outcome.cancelled,
            error: outcome.error.map(RecordError::from),
            duplicates_removed: outcome.duplicates_removed,
            ledger: LedgerOutcome::None,
            records,
        }
    }
}
