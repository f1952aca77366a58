//! The plan packed for JavaScript: what `planSync` hands across the boundary. Every string of
//! the plan, in order, goes into one of two texts — `ascii` when it is all ASCII (nearly all
//! are), `wide` otherwise; everything else goes into one list of numbers: counts, strings, and
//! the state, link, reason and field names as indexes into a table of names that heads the
//! ASCII text. `src/unpack_plan.js` builds the plan's objects from the three — two texts to
//! decode and no JSON to parse, a fraction of `JSON.parse`'s time on the same plan (measured
//! in the README). An all-ASCII text is decoded on the browsers' fast path and held one byte a
//! character; a single "é" in it would make Chromium decode all of it the slow way.
//! [`PackedPlan::to_value`] reads the format back in Rust; a browser test holds the JavaScript
//! reader to it.
//!
//! `words`, in order, where a string is one number: its length in UTF-16 code units (as
//! JavaScript counts) times two, plus one when it is in `wide` — each text's strings follow one
//! another in the order of the words:
//! - the name count, then each name's string;
//! - the item count, `excluded`, the orphan count, and the summary's five counts;
//! - each item: its Central id; its Outlook id + 1 (0: none); its state's name; its link's
//!   name + 1 (0: none); its reason count and each reason's name; its change count and, for
//!   each change, the field's name, `from` and `to`;
//! - each orphan: its Outlook id, email and display name.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::diff::Change;
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

const STATES: [State; 5] = [
    State::New,
    State::Update,
    State::UpToDate,
    State::NonActionable,
    State::Conflict,
];
const LINKS: [LinkedBy; 2] = [LinkedBy::Id, LinkedBy::Email];

// Where each kind of name starts in the table.
const LINK_AT: u32 = STATES.len() as u32;
const REASON_AT: u32 = LINK_AT + LINKS.len() as u32;
const FIELD_AT: u32 = REASON_AT + Reason::ALL.len() as u32;

/// The public names (as the types serialize) of every state, link, reason and field, in that
/// order; each kind in the order of its enum's variants.
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
        .chain(serialized(&Field::ALL))
        .collect()
}

/// `plan`, packed.
pub fn pack_plan(plan: &Plan<'_>) -> PackedPlan {
    pack(plan, |_, item| {
        (item.central_id.as_ref(), item.outlook_id.as_deref())
    })
}

/// [`pack_plan`], with the items' ids taken from the compact copies made as the records were
/// read — `central_ids` of the plan's Central side, `outlook_ids` of its Outlook side — rather
/// than from the input texts, where each lies in a different, long-evicted cache line. Packs
/// the same plan.
pub fn pack_plan_with_ids(plan: &Plan<'_>, central_ids: &Keys, outlook_ids: &Keys) -> PackedPlan {
    pack(plan, |n, item| {
        // A record without a copied id has the empty id; a linked Outlook contact always has
        // one. The item's own ids stand in all the same.
        let central_id = central_ids.get(n).unwrap_or(&item.central_id);
        let outlook_id = item.outlook_index.map(|j| {
            outlook_ids
                .get(j)
                .or(item.outlook_id.as_deref())
                .unwrap_or("")
        });
        (central_id, outlook_id)
    })
}

/// The plan packed, with the ids of item `n` given by `ids`.
fn pack<'p>(
    plan: &'p Plan<'_>,
    ids: impl Fn(usize, &'p PlanItem<'_>) -> (&'p str, Option<&'p str>),
) -> PackedPlan {
    // Two ids and six numbers an item; the changes are few.
    let mut out = Packer(PackedPlan {
        ascii: String::with_capacity(plan.items.len() * 24 + plan.orphans.len() * 64 + 1024),
        wide: String::new(),
        words: Vec::with_capacity(plan.items.len() * 7 + plan.orphans.len() * 3 + 64),
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
    ] {
        out.word(count);
    }
    for (n, item) in plan.items.iter().enumerate() {
        let (central_id, outlook_id) = ids(n, item);
        out.item(item, central_id, outlook_id);
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

    fn optional_string(&mut self, s: Option<&str>) {
        let word = s.map_or(0, |s| self.put(s) + 1);
        self.word(word);
    }

    fn item(&mut self, item: &PlanItem<'_>, central_id: &str, outlook_id: Option<&str>) {
        self.string(central_id);
        self.optional_string(outlook_id);
        self.0.words.extend([
            item.state as u32,
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
    }

    fn change(&mut self, change: &Change) {
        self.0.words.push(FIELD_AT + change.field as u32);
        self.string(&change.from);
        self.string(&change.to);
    }

    fn orphan(&mut self, orphan: &Orphan<'_>) {
        self.string(&orphan.outlook_id);
        self.string(&orphan.email);
        self.string(&orphan.display_name);
    }
}

/// Why packed words could not be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed;

impl PackedPlan {
    /// The plan read back from its packing, as `serde_json` writes a [`Plan`]: the reference
    /// reader of the format, which `src/unpack_plan.js` follows step for step.
    pub fn to_value(&self) -> Result<Value, Malformed> {
        let ascii: Vec<u16> = self.ascii.encode_utf16().collect();
        let wide: Vec<u16> = self.wide.encode_utf16().collect();
        let mut r = Reader {
            words: &self.words,
            w: 0,
            texts: [(&ascii, 0), (&wide, 0)],
        };
        let names: Vec<Value> = (0..r.word()?)
            .map(|_| r.string())
            .collect::<Result<_, _>>()?;
        let name = |code: u32| names.get(code as usize).cloned().ok_or(Malformed);
        let [items, excluded, orphans, new, update, up_to_date, non_actionable, conflict] =
            [(); 8].map(|_| r.word());
        let mut item_list = Vec::new();
        for _ in 0..items? {
            let central_id = r.string()?;
            let outlook_id = match r.word()? {
                0 => Value::Null,
                n => r.string_of(n - 1)?,
            };
            let state = name(r.word()?)?;
            let linked_by = match r.word()? {
                0 => Value::Null,
                n => name(n - 1)?,
            };
            let reasons: Vec<Value> = (0..r.word()?)
                .map(|_| name(r.word()?))
                .collect::<Result<_, _>>()?;
            let changes: Vec<Value> = (0..r.word()?)
                .map(|_| {
                    let field = name(r.word()?)?;
                    let (from, to) = (r.string()?, r.string()?);
                    Ok(json!({"field": field, "from": from, "to": to}))
                })
                .collect::<Result<_, _>>()?;
            item_list.push(json!({
                "centralId": central_id, "outlookId": outlook_id, "state": state,
                "reasons": reasons, "changes": changes, "linkedBy": linked_by,
            }));
        }
        let orphans: Vec<Value> = (0..orphans?)
            .map(|_| {
                let (id, email, display) = (r.string()?, r.string()?, r.string()?);
                Ok(json!({"outlookId": id, "email": email, "displayName": display}))
            })
            .collect::<Result<_, _>>()?;
        if r.w != self.words.len() || r.texts.iter().any(|(text, at)| *at != text.len()) {
            return Err(Malformed);
        }
        let mut plan = Map::new();
        plan.insert("items".into(), item_list.into());
        plan.insert("excluded".into(), excluded?.into());
        plan.insert("orphans".into(), orphans.into());
        plan.insert(
            "summary".into(),
            json!({
                "new": new?, "update": update?, "upToDate": up_to_date?,
                "nonActionable": non_actionable?, "conflict": conflict?,
            }),
        );
        Ok(Value::Object(plan))
    }
}

struct Reader<'a> {
    words: &'a [u32],
    w: usize,
    /// The code units of each text, and how many of them are read.
    texts: [(&'a [u16], usize); 2],
}

impl Reader<'_> {
    fn word(&mut self) -> Result<u32, Malformed> {
        let word = *self.words.get(self.w).ok_or(Malformed)?;
        self.w += 1;
        Ok(word)
    }

    /// The string that `word` stands for: the next `word / 2` code units of its text.
    fn string_of(&mut self, word: u32) -> Result<Value, Malformed> {
        let (text, at) = &mut self.texts[(word & 1) as usize];
        let end = at.checked_add((word / 2) as usize).ok_or(Malformed)?;
        let units = text.get(*at..end).ok_or(Malformed)?;
        *at = end;
        String::from_utf16(units)
            .map(Value::String)
            .map_err(|_| Malformed)
    }

    /// A number, then the string it stands for.
    fn string(&mut self) -> Result<Value, Malformed> {
        let word = self.word()?;
        self.string_of(word)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::engine::plan::Summary;

    /// Every state, reason, field and link kind, and strings of every kind of character.
    fn rich_plan() -> Plan<'static> {
        let nasty = "q\"b\\s/\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}é€😀\u{2028}";
        let items = STATES
            .iter()
            .enumerate()
            .map(|(n, &state)| PlanItem {
                central_id: Cow::Owned(format!("C-{n}{nasty}")),
                outlook_id: (n % 2 == 0).then(|| Cow::Owned(format!("O-{n}"))),
                state,
                reasons: Reason::ALL[..n * 2].to_vec(),
                changes: Field::ALL
                    .iter()
                    .skip(n)
                    .map(|&field| Change {
                        field,
                        from: format!("{nasty}{n}"),
                        to: String::new(),
                    })
                    .collect(),
                linked_by: [None, Some(LinkedBy::Id), Some(LinkedBy::Email)][n % 3],
                central_index: n,
                outlook_index: None,
            })
            .collect();
        Plan {
            items,
            excluded: 7,
            orphans: vec![Orphan {
                outlook_id: Cow::Borrowed("O-9"),
                email: Cow::Borrowed(nasty),
                display_name: Cow::Borrowed(""),
            }],
            summary: Summary {
                new: 1,
                update: 2,
                up_to_date: 3,
                non_actionable: 4,
                conflict: 5,
            },
            options: Default::default(),
        }
    }

    #[test]
    fn the_enums_are_numbered_as_the_name_table_lists_them() {
        assert!(STATES.iter().enumerate().all(|(i, s)| *s as usize == i));
        assert!(LINKS.iter().enumerate().all(|(i, l)| *l as usize == i));
        assert!(Reason::ALL
            .iter()
            .enumerate()
            .all(|(i, r)| *r as usize == i));
        let names = names();
        assert_eq!(names.len(), 34);
        assert_eq!(
            names[..16],
            [
                "new",
                "update",
                "upToDate",
                "nonActionable",
                "conflict",
                "id",
                "email",
                "deceased",
                "missingEmail",
                "malformedEmail",
                "missingFirstName",
                "missingLastName",
                "duplicateEmail",
                "invalidRecord",
                "duplicateOutlookEmail",
                "duplicateOutlookId"
            ]
        );
        assert_eq!(names[FIELD_AT as usize], "title");
        assert_eq!(names[33], "businessAddress.postalCode");
    }

    #[test]
    fn packs_every_string_in_order_and_counts_utf16_code_units() {
        let plan = Plan {
            items: vec![
                PlanItem {
                    central_id: Cow::Borrowed("C-é😀"),
                    outlook_id: None,
                    state: State::Update,
                    reasons: vec![Reason::MissingEmail, Reason::DuplicateOutlookId],
                    changes: vec![Change {
                        field: Field::Surname,
                        from: "Lée".into(),
                        to: String::new(),
                    }],
                    linked_by: Some(LinkedBy::Email),
                    central_index: 0,
                    outlook_index: None,
                },
                PlanItem {
                    central_id: Cow::Borrowed("C-2"),
                    outlook_id: Some(Cow::Borrowed("Ø")),
                    state: State::UpToDate,
                    reasons: vec![],
                    changes: vec![],
                    linked_by: Some(LinkedBy::Id),
                    central_index: 1,
                    outlook_index: Some(0),
                },
            ],
            excluded: 2,
            orphans: vec![Orphan {
                outlook_id: Cow::Borrowed("O-1"),
                email: Cow::Borrowed(""),
                display_name: Cow::Borrowed("€"),
            }],
            summary: Summary {
                new: 3,
                update: 4,
                up_to_date: 5,
                non_actionable: 6,
                conflict: 7,
            },
            options: Default::default(),
        };
        let packed = pack_plan(&plan);
        let names = names();
        let mut words = vec![34];
        words.extend(names.iter().map(|n| n.len() as u32 * 2));
        words.extend([2, 2, 1, 3, 4, 5, 6, 7]);
        // "C-é😀": 5 units, wide; no Outlook id; update; "email" + 1; two reasons; one change:
        // surname, "Lée" (wide), "".
        words.extend([11, 0, 1, 7, 2, 8, 15, 1, 18, 7, 0]);
        // "C-2"; "Ø" (wide) + 1; upToDate; "id" + 1; no reasons, no changes.
        words.extend([6, 4, 2, 6, 0, 0]);
        words.extend([6, 0, 3]);
        assert_eq!(packed.words, words);
        assert_eq!(packed.ascii, names.concat() + "C-2O-1");
        assert_eq!(packed.wide, "C-é😀LéeØ€");
        assert_eq!(packed.to_value(), Ok(serde_json::to_value(&plan).unwrap()));
    }

    #[test]
    fn reads_back_as_serde_json_writes_the_plan() {
        let mut plan = rich_plan();
        for (n, state) in STATES.into_iter().enumerate() {
            for linked_by in [None, Some(LinkedBy::Id), Some(LinkedBy::Email)] {
                plan.items.push(PlanItem {
                    central_id: Cow::Owned(format!("C-plain-{n}")),
                    outlook_id: linked_by.map(|_| Cow::Borrowed("O-plain")),
                    state,
                    reasons: vec![],
                    changes: vec![],
                    linked_by,
                    central_index: n,
                    outlook_index: None,
                });
            }
        }
        let packed = pack_plan(&plan);
        assert!(packed.wide.contains("é€😀\u{2028}"));
        assert!(packed.ascii.contains("C-plain-4O-plain"));
        assert_eq!(packed.to_value(), Ok(serde_json::to_value(&plan).unwrap()));
        let empty = Plan {
            items: vec![],
            orphans: vec![],
            ..plan
        };
        assert_eq!(
            pack_plan(&empty).to_value(),
            Ok(serde_json::to_value(&empty).unwrap())
        );
    }

    #[test]
    fn words_or_text_that_do_not_fit_are_malformed() {
        let packed = pack_plan(&rich_plan());
        let mut short = packed.clone();
        short.words.pop();
        assert_eq!(short.to_value(), Err(Malformed));
        fn ascii(p: &mut PackedPlan) -> &mut String {
            &mut p.ascii
        }
        fn wide(p: &mut PackedPlan) -> &mut String {
            &mut p.wide
        }
        for text in [ascii, wide] {
            let mut long = packed.clone();
            text(&mut long).push('x');
            assert_eq!(long.to_value(), Err(Malformed));
            let mut cut = packed.clone();
            text(&mut cut).pop();
            assert_eq!(cut.to_value(), Err(Malformed));
        }
        let mut bad_name = packed;
        let state_at = bad_name.words[0] as usize + 1 + 8 + 2;
        bad_name.words[state_at] = 34;
        assert_eq!(bad_name.to_value(), Err(Malformed));
    }
}
