//! Deletions both ways (DESIGN §4): a ledger entry whose Central record is no longer active
//! deletes its Outlook copy; one whose Outlook contact is gone deletes the Central record, or
//! creates the contact again where that type is read-only — unless the other side was edited
//! since the two last agreed, which is a conflict the user settles (`deletedButEdited`).

use serde::{Deserialize, Serialize};
use tsify::Tsify;

use super::decide::Conflicts;
use super::input::{CentralContact, OutlookContact};
use super::kinds::Kind;
use super::ledger::{base_value, Base};
use super::mapping::{outlook_value, Field, Mapped};
use super::plan::State;
use super::validate::Reason;

/// Whether deletions propagate (`planSync`'s `deletions`). Unset: `off` in toOutlook,
/// `propagate` in twoWay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum Deletions {
    Off,
    Propagate,
}

/// Record types that are never written in Central (`readOnly`): their contacts deleted in
/// Outlook come back instead of deleting the record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(default, deny_unknown_fields)]
pub struct ReadOnly {
    #[tsify(optional)]
    pub contact: bool,
    #[tsify(optional)]
    pub individual: bool,
    #[tsify(optional)]
    pub account: bool,
}

impl ReadOnly {
    /// Whether the type of `c` is read-only.
    pub fn covers(&self, c: &CentralContact<'_>) -> bool {
        self.of(c.kind())
    }

    /// Whether `kind` is read-only.
    pub fn of(&self, kind: Kind) -> bool {
        match kind {
            Kind::Contact => self.contact,
            Kind::Individual => self.individual,
            Kind::Account => self.account,
        }
    }
}

/// An active record whose Outlook contact (the one its ledger entry names) is in none of the
/// synced folders — two-way, deletions on. Read-only type: created again. Central edited since
/// the base: a conflict, or the side `conflicts` names decides. Else the record is deleted.
pub fn gone_in_outlook(
    c: &CentralContact<'_>,
    base: &Base<'_>,
    read_only: ReadOnly,
    conflicts: Conflicts,
) -> (State, Vec<Reason>) {
    if read_only.covers(c) {
        return (State::RestoreInOutlook, Vec::new());
    }
    let mapped = Mapped::from_central(c);
    let edited = edited_since(base, |f| {
        // Companies are not Central's to compare while its accounts are unknown.
        (f != Field::CompanyName || c.company.is_some()).then(|| mapped.get(f))
    });
    match (edited, conflicts) {
        (false, _) | (true, Conflicts::Outlook) => (State::DeleteInCentral, Vec::new()),
        (true, Conflicts::Central) => (State::RestoreInOutlook, Vec::new()),
        (true, Conflicts::Ask) => (State::Conflict, vec![Reason::DeletedButEdited]),
    }
}

/// An Outlook contact whose Central record (named by its ledger entry) is no longer active,
/// or gone — deletions on. Outlook edited since the base: a conflict, which Central's side can
/// settle (the copy is deleted); Outlook's side would restore the record in Central, which is
/// not built, so it stays a conflict.
pub fn gone_in_central(
    o: &OutlookContact<'_>,
    base: &Base<'_>,
    conflicts: Conflicts,
) -> (State, Vec<Reason>) {
    let edited = edited_since(base, |f| Some(outlook_value(o, f)));
    match (edited, conflicts) {
        (false, _) | (true, Conflicts::Central) => (State::DeleteInOutlook, Vec::new()),
        (true, _) => (State::Conflict, vec![Reason::DeletedButEdited]),
    }
}

/// True when a side's value of some field is not what the base recorded. A field the base
/// does not know counts as edited when the side holds a value: what cannot be told apart
/// from an edit is not deleted.
fn edited_since<'v>(base: &Base<'_>, value: impl Fn(Field) -> Option<&'v str>) -> bool {
    Field::ALL
        .into_iter()
        .filter(|&f| f != Field::DisplayName)
        .any(|f| match (value(f), base.get(f)) {
            (None, _) => false,
            (Some(v), Some(b)) => base_value(f, v) != b,
            (Some(v), None) => !v.trim().is_empty(),
        })
}

/// What to do with the Outlook contacts (`candidates`, two or more, in folder order) that all
/// carry one record's Central id (DESIGN §4, `duplicateCopy`): the one the ledger `named` is
/// kept, else the earliest created (then the first in the folder). Returns the kept one, the
/// others whose mapped values equal it (copies, to offer for deletion), and whether every
/// other one is such a copy — then the record links to the kept one; else it stays a conflict.
/// `None` for no candidates.
pub fn copies(
    candidates: &[usize],
    outlook: &[OutlookContact<'_>],
    named: Option<&str>,
) -> Option<(usize, Vec<usize>, bool)> {
    let first = *candidates.first()?;
    let keep = candidates
        .iter()
        .copied()
        .find(|&j| named.is_some_and(|id| !id.is_empty() && outlook[j].id.as_str() == id))
        .or_else(|| {
            // A contact without a creation time sorts last.
            candidates.iter().copied().min_by_key(|&j| {
                let created = outlook[j].created.as_str().trim();
                (created.is_empty(), created, j)
            })
        })
        .unwrap_or(first);
    let same = |j: usize| {
        Field::ALL.into_iter().all(|f| {
            base_value(f, outlook_value(&outlook[j], f))
                == base_value(f, outlook_value(&outlook[keep], f))
        })
    };
    let (copies, differ): (Vec<usize>, Vec<usize>) = candidates
        .iter()
        .copied()
        .filter(|&j| j != keep)
        .partition(|&j| same(j));
    Some((keep, copies, differ.is_empty()))
}
