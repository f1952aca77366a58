//! The plan a session showed, kept with the records it was made from, so that `run` writes
//! exactly what the table showed — no second load, parse or plan.

use std::collections::HashSet;

use self_cell::self_cell;

use crate::engine::{
    self, CentralContact, InputError, OutlookContact, PackedPlan, Plan, PlanOptions, State, Write,
};
use crate::sync::{Action, RecordError, RecordResult, WriteKind};

/// Both sides' JSON texts as loaded.
struct Texts {
    central: Vec<u8>,
    outlook: Vec<u8>,
}

/// The records read from [`Texts`], borrowing their strings.
struct Records<'a> {
    central: Vec<CentralContact<'a>>,
    outlook: Vec<OutlookContact<'a>>,
}

self_cell!(
    struct RecordCell {
        owner: Texts,
        // Not covariant: an Outlook contact's lists (`SmallVec`) are invariant in `'a`.
        #[not_covariant]
        dependent: Records,
    }
);

/// A plan and the records it was made from.
pub struct Kept {
    records: RecordCell,
    plan: Plan<'static>,
}

/// What `run` does with a selection of the kept plan.
pub struct Selection {
    /// The writes, in plan order.
    pub writes: Vec<(String, WriteKind)>,
    /// Selected records of the plan that have nothing to write, then selected ids that are
    /// not in the plan.
    pub skipped: Vec<RecordResult>,
    /// Every item's Central id, in plan order (the order of the run's records).
    pub order: Vec<String>,
}

impl Kept {
    /// Reads both texts and plans; returns the kept plan and its packing for JavaScript.
    pub fn plan(
        central: Vec<u8>,
        outlook: Vec<u8>,
        options: PlanOptions,
    ) -> Result<(Kept, PackedPlan), InputError> {
        let mut planned = None;
        let records = RecordCell::try_new(Texts { central, outlook }, |texts| {
            let mut read = engine::read(&texts.central, &texts.outlook)?;
            let (plan, packed) = read.plan(options);
            planned = Some((plan.into_owned(), packed));
            Ok::<_, InputError>(Records {
                central: read.central,
                outlook: read.outlook,
            })
        })?;
        let (plan, packed) = planned.ok_or_else(|| InputError {
            message: "the plan was not made".into(),
        })?;
        Ok((Kept { records, plan }, packed))
    }

    /// The writes for the `selected` Central ids, and a result for each selected record that
    /// has none (each id counts once).
    pub fn select(&self, selected: &[String]) -> Selection {
        self.records
            .with_dependent(|_, records| self.select_in(records, selected))
    }

    fn select_in(&self, records: &Records<'_>, selected: &[String]) -> Selection {
        let wanted: HashSet<&str> = selected.iter().map(String::as_str).collect();
        let mut found: HashSet<&str> = HashSet::new();
        let mut writes = Vec::new();
        let mut skipped = Vec::new();
        for item in &self.plan.items {
            if !wanted.contains(item.central_id.as_ref()) || !found.insert(item.central_id.as_ref())
            {
                continue;
            }
            match self
                .plan
                .write_for(item, &records.central, &records.outlook)
            {
                Some(Write::Create { central_id, body }) => {
                    writes.push((central_id, WriteKind::Create { body }))
                }
                Some(Write::Update {
                    central_id,
                    outlook_id,
                    body,
                }) => writes.push((central_id, WriteKind::Update { outlook_id, body })),
                None => skipped.push(RecordResult {
                    central_id: item.central_id.to_string(),
                    outlook_id: item.outlook_id.as_ref().map(|s| s.to_string()),
                    action: Action::Skipped,
                    error: not_syncable(item.state, &item.reasons),
                }),
            }
        }
        skipped.extend(
            selected
                .iter()
                .filter(|id| !found.contains(id.as_str()))
                .map(|id| RecordResult {
                    central_id: id.clone(),
                    outlook_id: None,
                    action: Action::Skipped,
                    error: Some(RecordError {
                        code: "notInPlan".into(),
                        message: "this id is not an active Central contact of the plan".into(),
                        status: None,
                        graph_code: None,
                    }),
                }),
        );
        Selection {
            writes,
            skipped,
            order: self
                .plan
                .items
                .iter()
                .map(|i| i.central_id.to_string())
                .collect(),
        }
    }
}

/// Why a non-actionable or conflicting record is skipped; `None` for one with nothing to do.
fn not_syncable(state: State, reasons: &[engine::Reason]) -> Option<RecordError> {
    let kind = match state {
        State::NonActionable => "non-actionable",
        State::Conflict => "conflict",
        _ => return None,
    };
    let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
    Some(RecordError {
        code: "notSyncable".into(),
        message: format!("{kind} records are never synced ({})", reasons.join(", ")),
        status: None,
        graph_code: None,
    })
}
