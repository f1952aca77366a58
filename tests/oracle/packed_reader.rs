//! The packed plan read back in Rust, as `serde_json` writes a [`Plan`]: the reference reader
//! of the format (laid out in `src/engine/packed.rs`), which `src/unpack_plan.js` follows step
//! for step.

use central_o365_sync::engine::link::Keys;
use central_o365_sync::engine::packed::pack_plan_with_ids;
use central_o365_sync::engine::{PackedPlan, Plan};
use serde_json::{json, Map, Value};

/// `plan` packed with every id and display taken from its items (none of the copies made as
/// the records were read).
pub fn pack_plan(plan: &Plan<'_>) -> PackedPlan {
    let plan = Plan {
        display_copies: Default::default(),
        ..plan.clone()
    };
    pack_plan_with_ids(&plan, &Keys::default(), &Keys::default())
}

/// Why packed words could not be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed;

/// The plan read back from its packing, as `serde_json` writes a [`Plan`].
pub fn to_value(packed: &PackedPlan) -> Result<Value, Malformed> {
    let ascii: Vec<u16> = packed.ascii.encode_utf16().collect();
    let wide: Vec<u16> = packed.wide.encode_utf16().collect();
    let mut r = Reader {
        words: &packed.words,
        w: 0,
        texts: [(&ascii, 0), (&wide, 0)],
    };
    let names: Vec<Value> = (0..r.word()?)
        .map(|_| r.string())
        .collect::<Result<_, _>>()?;
    let name = |code: u32| names.get(code as usize).cloned().ok_or(Malformed);
    let [items, excluded, orphans, new, update, up_to_date, non_actionable, conflict, delete_in_outlook, delete_in_central, restore_in_outlook, create_in_central] =
        [(); 12].map(|_| r.word());
    let mut item_list = Vec::new();
    for _ in 0..items? {
        let central_id = r.string()?;
        let outlook_id = match r.word()? {
            0 => Value::Null,
            n => r.string_of(n - 1)?,
        };
        let state = name(r.word()?)?;
        let kind = name(r.word()?)?;
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
                let how = r.word()?;
                let direction = name(how / 2)?;
                let (from, to) = (r.string()?, r.string()?);
                let mut change =
                    json!({"field": field, "from": from, "to": to, "direction": direction});
                if how % 2 == 1 {
                    change["overwritesOutlookEdit"] = json!(true);
                }
                Ok(change)
            })
            .collect::<Result<_, _>>()?;
        let (display_name, email, company) = (r.string()?, r.string()?, r.string()?);
        let account = match r.word()? {
            0 => Value::Null,
            n => {
                let matched_by = name(n - 1)?;
                let (id, name) = (r.string()?, r.string()?);
                json!({"id": id, "name": name, "matchedBy": matched_by})
            }
        };
        item_list.push(json!({
            "centralId": central_id, "outlookId": outlook_id, "type": kind, "state": state,
            "reasons": reasons, "changes": changes, "linkedBy": linked_by, "account": account,
            "display": {"name": display_name, "email": email, "company": company},
        }));
    }
    let orphans: Vec<Value> = (0..orphans?)
        .map(|_| {
            let (id, email, display) = (r.string()?, r.string()?, r.string()?);
            Ok(json!({"outlookId": id, "email": email, "displayName": display}))
        })
        .collect::<Result<_, _>>()?;
    if r.w != packed.words.len() || r.texts.iter().any(|(text, at)| *at != text.len()) {
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
            "deleteInOutlook": delete_in_outlook?, "deleteInCentral": delete_in_central?,
            "restoreInOutlook": restore_in_outlook?,
            "createInCentral": create_in_central?,
        }),
    );
    Ok(Value::Object(plan))
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
