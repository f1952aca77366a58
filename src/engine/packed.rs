//! The plan packed for JavaScript: what `planSync` hands across the boundary. Every string of
//! the plan, in order, goes into one of two texts — `ascii` when it is all ASCII (nearly all
//! are), `wide` otherwise; everything else goes into one list of numbers: counts, strings, and
//! the state, link, reason and field names as indexes into a table of names that heads the
//! ASCII text. `src/unpack_plan.js` builds the plan's objects from the three — two texts to
//! decode and no JSON to parse, a fraction of `JSON.parse`'s time on the same plan (measured
//! in the README). An all-ASCII text is decoded on the browsers' fast path and held one byte a
//! character; a single "é" in it would make Chromium decode all of it the slow way.
//! The tests read the format back with a reference reader of their own
//! (`tests/oracle/packed_reader.rs`) and hold it to the plan's serialization; the JavaScript
//! reader follows it step for step, and a browser test holds the objects it builds to the same.
//!
//! `words`, in order, where a string is one number: its length in UTF-16 code units (as
//! JavaScript counts) times two, plus one when it is in `wide` — each text's strings follow one
//! another in the order of the words:
//! - the name count, then each name's string;
//! - the item count, `excluded`, the orphan count, and the summary's nine counts;
//! - each item: its Central id; its Outlook id + 1 (0: none); its state's name; its type's
//!   name; its link's name + 1 (0: none); its reason count and each reason's name; its change count and, for
//!   each change, the field's name, its direction's name times two plus one when it
//!   overwrites an Outlook edit, `from` and `to`; its display's name, email and company; its
//!   account's match name + 1 (0: none), then the account's id and name;
//! - each orphan: its Outlook id, email and display name.

use serde::Serialize;
use serde_json::Value;

use super::accounts::MatchedBy;
use super::diff::{Change, ChangeDirection};
use super::kinds::Kind;
use super::link::Keys;
use super::mapping::Field;
use super::plan::{LinkedBy, Orphan, Plan, PlanItem, State};
use super::validate::Reason;

/// A plan as two texts and one list of numbers (the layout is in the module's doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedPlan {
    /// The strings that are all ASCII.
    pub ascii: String,
    /// The other strings.
    pub wide: String,
    pub words: Vec<u32>,
}

/// Every state, in the order the packing numbers them.
pub const STATES: [State; 9] = [
    State::New,
    State::Update,
    State::UpToDate,
    State::NonActionable,
    State::Conflict,
    State::DeleteInOutlook,
    State::DeleteInCentral,
    State::RestoreInOutlook,
    State::CreateInCentral,
];
const LINKS: [LinkedBy; 3] = [LinkedBy::Id, LinkedBy::Email, LinkedBy::Ledger];
const MATCHES: [MatchedBy; 2] = [MatchedBy::Exact, MatchedBy::Substring];
/// The fields a change may name: the mapped ones and the type.
const FIELDS: [Field; Field::ALL.len() + 1] = {
    let mut fields = [Field::Type; Field::ALL.len() + 1];
    let mut k = 0;
    while k < Field::ALL.len() {
        fields[k] = Field::ALL[k];
        k += 1;
    }
    fields
};

// Where each kind of name starts in the table.
const LINK_AT: u32 = STATES.len() as u32;
const REASON_AT: u32 = LINK_AT + LINKS.len() as u32;
const FIELD_AT: u32 = REASON_AT + Reason::ALL.len() as u32;
const DIRECTION_AT: u32 = FIELD_AT + FIELDS.len() as u32;
const MATCH_AT: u32 = DIRECTION_AT + ChangeDirection::ALL.len() as u32;
const KIND_AT: u32 = MATCH_AT + MATCHES.len() as u32;

/// The public names (as the types serialize) of every state, link, reason, field, change
/// direction and account match, in that order; each kind in the order of its enum's variants.
fn names() -> Vec<String> {
    fn serialized<T: Serialize>(values: &[T]) -> impl Iterator<Item = String> + '_ {
        values.iter().map(|v| match serde_json::to_value(v) {
            Ok(Value::String(name)) => name,
            _ => String::new(),
        })
    }
    serialized(&STATES)
        .chain(serialized(&LINKS))
        .chain(serialized(&Reason::ALL))
        .chain(serialized(&FIELDS))
        .chain(serialized(&ChangeDirection::ALL))
        .chain(serialized(&MATCHES))
        .chain(serialized(&Kind::ALL))
        .collect()
}

/// `plan`, packed. The items' ids are taken from the compact copies made as the records were
/// read — `central_ids` of the plan's Central side, `outlook_ids` of its Outlook side — rather
/// than from the input texts, where each lies in a different, long-evicted cache line; so are
/// their names and emails (the plan's `display_copies`). What the copies lack (all of it, given
/// empty [`Keys`] and no display copies) is taken from the item. Either way the same plan is
/// packed.
pub fn pack_plan_with_ids(plan: &Plan<'_>, central_ids: &Keys, outlook_ids: &Keys) -> PackedPlan {
    // Four strings and nine numbers an item; the changes are few.
    let mut out = Packer(PackedPlan {
        ascii: String::with_capacity(plan.items.len() * 96 + plan.orphans.len() * 64 + 1024),
        wide: String::new(),
        words: Vec::with_capacity(plan.items.len() * 10 + plan.orphans.len() * 3 + 64),
    });
    let names = names();
    out.word(names.len());
    for name in &names {
        out.string(name);
    }
    let s = &plan.summary;
    for count in [
        plan.items.len(),
        plan.excluded,
        plan.orphans.len(),
        s.new,
        s.update,
        s.up_to_date,
        s.non_actionable,
        s.conflict,
        s.delete_in_outlook,
        s.delete_in_central,
        s.restore_in_outlook,
        s.create_in_central,
    ] {
        out.word(count);
    }
    for (n, item) in plan.items.iter().enumerate() {
        // A record without a copied id has the empty id; a linked Outlook contact always has
        // one. The item's own ids stand in all the same.
        let central_id = central_ids.get(n).unwrap_or(&item.central_id);
        let outlook_id = item.outlook_id.as_deref().map(|own| {
            item.outlook_index
                .and_then(|j| outlook_ids.get(j))
                .unwrap_or(own)
        });
        out.item(item, central_id, outlook_id, plan.display_copies.get(n));
    }
    for orphan in &plan.orphans {
        out.orphan(orphan);
    }
    out.0
}

struct Packer(PackedPlan);

impl Packer {
    fn word(&mut self, n: usize) {
        // Counts and lengths of what fits in wasm32's memory fit in a u32.
        self.0.words.push(u32::try_from(n).unwrap_or(u32::MAX));
    }

    /// `s` into its text; the number that stands for it, returned.
    fn put(&mut self, s: &str) -> usize {
        if s.is_ascii() {
            self.0.ascii.push_str(s);
            s.len() * 2
        } else {
            self.0.wide.push_str(s);
            s.chars().map(char::len_utf16).sum::<usize>() * 2 + 1
        }
    }

    fn string(&mut self, s: &str) {
        let word = self.put(s);
        self.word(word);
    }

    /// `a` and `b` as one string, joined by a space when neither is empty.
    fn joined_string(&mut self, a: &str, b: &str) {
        if a.is_empty() || b.is_empty() {
            return self.string(if a.is_empty() { b } else { a });
        }
        let word = if a.is_ascii() && b.is_ascii() {
            let text = &mut self.0.ascii;
            text.push_str(a);
            text.push(' ');
            text.push_str(b);
            (a.len() + 1 + b.len()) * 2
        } else {
            let text = &mut self.0.wide;
            text.push_str(a);
            text.push(' ');
            text.push_str(b);
            let units = |s: &str| s.chars().map(char::len_utf16).sum::<usize>();
            (units(a) + 1 + units(b)) * 2 + 1
        };
        self.word(word);
    }

    fn optional_string(&mut self, s: Option<&str>) {
        let word = s.map_or(0, |s| self.put(s) + 1);
        self.word(word);
    }

    /// `item`, with its ids and (when copied) its display's name and email given.
    fn item(
        &mut self,
        item: &PlanItem<'_>,
        central_id: &str,
        outlook_id: Option<&str>,
        name_and_email: Option<(&str, &str)>,
    ) {
        self.string(central_id);
        self.optional_string(outlook_id);
        self.0.words.extend([
            item.state as u32,
            KIND_AT + item.kind as u32,
            item.linked_by.map_or(0, |l| LINK_AT + l as u32 + 1),
        ]);
        self.word(item.reasons.len());
        for &reason in &item.reasons {
            self.0.words.push(REASON_AT + reason as u32);
        }
        self.word(item.changes.len());
        for change in &item.changes {
            self.change(change);
        }
        let display = &item.display;
        match name_and_email {
            Some((name, email)) => {
                self.string(name);
                self.string(email);
            }
            None => {
                let [first, last] = &display.name_parts;
                self.joined_string(first, last);
                self.string(&display.email);
            }
        }
        self.string(&display.company);
        match &item.account {
            None => self.word(0),
            Some(a) => {
                self.0.words.push(MATCH_AT + a.matched_by as u32 + 1);
                self.string(&a.id);
                self.string(&a.name);
            }
        }
    }

    fn change(&mut self, change: &Change) {
        self.0.words.extend([
            FIELD_AT + change.field as u32,
            (DIRECTION_AT + change.direction as u32) * 2
                + u32::from(change.overwrites_outlook_edit),
        ]);
        self.string(&change.from);
        self.string(&change.to);
    }

    fn orphan(&mut self, orphan: &Orphan<'_>) {
        self.string(&orphan.outlook_id);
        self.string(&orphan.email);
        self.string(&orphan.display_name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enums_are_numbered_as_the_name_table_lists_them() {
        assert!(STATES.iter().enumerate().all(|(i, s)| *s as usize == i));
        assert!(LINKS.iter().enumerate().all(|(i, l)| *l as usize == i));
        assert!(Reason::ALL
            .iter()
            .enumerate()
            .all(|(i, r)| *r as usize == i));
        let names = names();
        assert!(ChangeDirection::ALL
            .iter()
            .enumerate()
            .all(|(i, d)| *d as usize == i));
        assert!(MATCHES.iter().enumerate().all(|(i, m)| *m as usize == i));
        assert!(FIELDS.iter().enumerate().all(|(i, f)| *f as usize == i));
        assert!(Kind::ALL.iter().enumerate().all(|(i, k)| *k as usize == i));
        assert_eq!(names.len(), 55);
        assert_eq!(
            names[..9],
            [
                "new",
                "update",
                "upToDate",
                "nonActionable",
                "conflict",
                "deleteInOutlook",
                "deleteInCentral",
                "restoreInOutlook",
                "createInCentral",
            ]
        );
        assert_eq!(
            names[9..27],
            [
                "id",
                "email",
                "ledger",
                "deceased",
                "missingEmail",
                "malformedEmail",
                "missingFirstName",
                "missingLastName",
                "duplicateEmail",
                "invalidRecord",
                "duplicateOutlookEmail",
                "duplicateOutlookId",
                "editedOnBothSides",
                "unresolvedCompany",
                "deletedButEdited",
                "duplicateCopy",
                "missingName",
                "typeChangeNotSupported",
            ]
        );
        assert_eq!(names[FIELD_AT as usize], "title");
        assert_eq!(
            names[44..47],
            ["businessAddress.postalCode", "companyName", "type"]
        );
        assert_eq!(
            names[47..],
            [
                "toOutlook",
                "toCentral",
                "conflict",
                "exact",
                "substring",
                "contact",
                "individual",
                "account"
            ]
        );
    }
}
