//! The plan a session showed, kept with the records it was made from, so that `run` writes
//! exactly what the table showed — no second load, parse or plan.

use std::collections::HashSet;

use self_cell::self_cell;

use serde_json::{json, Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::central::ledger::Ledger;
use crate::engine::mapping::{Field, Mapped};
use crate::engine::text::normalize_spaces;
use crate::engine::{
    self, CentralContact, InputError, OutlookContact, PackedPlan, Plan, PlanOptions, State, Write,
};
use crate::error::ErrorCode;
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

/// A plan, the records it was made from, and the ledger as it was read for it.
pub struct Kept {
    records: RecordCell,
    plan: Plan<'static>,
    /// `None` without Central's API (contacts handed in and no `centralBaseUrl`).
    pub ledger: Option<Ledger>,
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
        ledger: Option<Ledger>,
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
        Ok((
            Kept {
                records,
                plan,
                ledger,
            },
            packed,
        ))
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
                    etag,
                }) => writes.push((
                    central_id,
                    WriteKind::Update {
                        outlook_id,
                        body,
                        etag: (!etag.is_empty()).then_some(etag),
                    },
                )),
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
                        code: ErrorCode::NotInPlan.as_str().into(),
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

impl Kept {
    /// The ledger entries of the records both sides now agree on: those the plan found up to
    /// date and those the run created or updated (`results`), each with the values written.
    pub fn entries(&self, results: &[RecordResult], folder_id: &str, at: &str) -> Vec<Value> {
        let written: std::collections::HashMap<&str, &str> = results
            .iter()
            .filter(|r| matches!(r.action, Action::Created | Action::Updated))
            .filter_map(|r| Some((r.central_id.as_str(), r.outlook_id.as_deref()?)))
            .collect();
        self.records.with_dependent(|_, records| {
            self.plan
                .items
                .iter()
                .filter_map(|item| {
                    let outlook_id = match item.state {
                        State::UpToDate => item.outlook_id.as_deref()?,
                        _ => written.get(item.central_id.as_ref()).copied()?,
                    };
                    let mapped = Mapped::from_central(&records.central[item.central_index]);
                    let mut base = Map::new();
                    for field in Field::ALL {
                        let name = serde_json::to_value(field).ok()?;
                        base.insert(
                            name.as_str()?.to_owned(),
                            json!(base_value(field, mapped.get(field))),
                        );
                    }
                    Some(json!({
                        "centralId": item.central_id, "kind": "contact", "outlookId": outlook_id,
                        "folderId": folder_id, "base": base, "centralVersion": null, "syncedAt": at,
                    }))
                })
                .collect()
        })
    }
}

/// A value as the ledger's `base` records it: trimmed, inner whitespace collapsed, NFC, and
/// an email lower-cased — the form in which both sides' values are compared (DESIGN §4).
fn base_value(field: Field, value: &str) -> String {
    let text: String = normalize_spaces(value).nfc().collect();
    if field == Field::Email {
        text.to_lowercase()
    } else {
        text
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
        code: ErrorCode::NotSyncable.as_str().into(),
        message: format!("{kind} records are never synced ({})", reasons.join(", ")),
        status: None,
        graph_code: None,
    })
}
