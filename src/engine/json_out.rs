//! The plan as JSON text, written directly: what `planSync` hands to JavaScript. The text
//! `serde_json` would write for the [`Plan`]'s `Serialize` derive (a test holds the two
//! together), at about twice the speed — most values are ids that need no escaping, and
//! every name is known in advance — except that every character beyond ASCII is written as a
//! `\uXXXX` escape. An all-ASCII text becomes a one-byte JS string: a single "é" anywhere
//! would make V8 hold all of a 15 MB plan in two bytes a character, and decoding plus
//! `JSON.parse` of it take about twice as long (measured in the README).

use super::diff::Change;
use super::link::Keys;
use super::mapping::Field;
use super::plan::{LinkedBy, Orphan, Plan, PlanItem, State, Summary};

/// `plan` as JSON text.
pub fn plan_to_json(plan: &Plan<'_>) -> String {
    write_plan(plan, |_, item| {
        (item.central_id.as_ref(), item.outlook_id.as_deref())
    })
}

/// [`plan_to_json`], with the items' ids taken from the compact copies made as the records
/// were read — `central_ids` of the plan's Central side, `outlook_ids` of its Outlook side —
/// rather than from the input texts, where each lies in a different, long-evicted cache line.
/// Writes the same text.
pub fn plan_to_json_with_ids(plan: &Plan<'_>, central_ids: &Keys, outlook_ids: &Keys) -> String {
    write_plan(plan, |n, item| {
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

/// The plan's text, with the ids of item `n` given by `ids`.
fn write_plan<'p>(
    plan: &'p Plan<'_>,
    ids: impl Fn(usize, &'p PlanItem<'_>) -> (&'p str, Option<&'p str>),
) -> String {
    // Ids, a state and punctuation: about 160 bytes an item.
    let mut out = Out(Vec::with_capacity(
        plan.items.len() * 160 + plan.orphans.len() * 120 + 256,
    ));
    out.raw("{\"items\":[");
    for (n, item) in plan.items.iter().enumerate() {
        if n > 0 {
            out.raw(",");
        }
        let (central_id, outlook_id) = ids(n, item);
        out.item(item, central_id, outlook_id);
    }
    out.raw("],\"excluded\":");
    out.raw(&plan.excluded.to_string());
    out.raw(",\"orphans\":[");
    out.list(&plan.orphans, Out::orphan);
    out.raw("],\"summary\":");
    out.summary(&plan.summary);
    out.raw("}");
    // Only ASCII was written.
    String::from_utf8(out.0).unwrap_or_default()
}

struct Out(Vec<u8>);

impl Out {
    fn raw(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// `values`, each written by `write`, separated by commas.
    fn list<T>(&mut self, values: &[T], write: fn(&mut Self, &T)) {
        for (n, value) in values.iter().enumerate() {
            if n > 0 {
                self.raw(",");
            }
            write(self, value);
        }
    }

    /// A JSON string, escaped as serde_json escapes it, and every character beyond ASCII as
    /// `\uXXXX` (a surrogate pair beyond the Basic Multilingual Plane).
    fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.0.push(b'"');
        if !needs_escape(bytes) {
            self.0.extend_from_slice(bytes);
            self.0.push(b'"');
            return;
        }
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let escape: &[u8] = match c {
                '"' => b"\\\"",
                '\\' => b"\\\\",
                '\n' => b"\\n",
                '\r' => b"\\r",
                '\t' => b"\\t",
                '\u{8}' => b"\\b",
                '\u{c}' => b"\\f",
                '\0'..='\u{1f}' | '\u{80}'.. => b"",
                _ => continue,
            };
            self.0.extend_from_slice(&bytes[start..i]);
            if escape.is_empty() {
                let mut units = [0; 2];
                for &unit in c.encode_utf16(&mut units).iter() {
                    self.unicode_escape(unit);
                }
            } else {
                self.0.extend_from_slice(escape);
            }
            start = i + c.len_utf8();
        }
        self.0.extend_from_slice(&bytes[start..]);
        self.0.push(b'"');
    }

    /// `\u` and four lowercase hex digits.
    fn unicode_escape(&mut self, unit: u16) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.0.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            self.0.push(HEX[usize::from((unit >> shift) & 0xf)]);
        }
    }

    /// `item`, with its ids as given.
    fn item(&mut self, item: &PlanItem<'_>, central_id: &str, outlook_id: Option<&str>) {
        self.raw("{\"centralId\":");
        self.string(central_id);
        self.raw(",\"outlookId\":");
        match outlook_id {
            Some(id) => self.string(id),
            None => self.raw("null"),
        }
        if item.reasons.is_empty() && item.changes.is_empty() {
            // The usual item: the rest is one of fifteen texts.
            self.raw(plain_tail(item.state, item.linked_by));
            return;
        }
        self.raw(",\"state\":\"");
        self.raw(state_name(item.state));
        self.raw("\",\"reasons\":[");
        for (n, reason) in item.reasons.iter().enumerate() {
            self.raw(if n > 0 { ",\"" } else { "\"" });
            self.raw(reason.as_str());
            self.raw("\"");
        }
        self.raw("],\"changes\":[");
        self.list(&item.changes, Out::change);
        self.raw("],\"linkedBy\":");
        self.raw(match item.linked_by {
            Some(LinkedBy::Id) => "\"id\"",
            Some(LinkedBy::Email) => "\"email\"",
            None => "null",
        });
        self.raw("}");
    }

    fn change(&mut self, change: &Change) {
        self.raw("{\"field\":\"");
        self.raw(field_name(change.field));
        self.raw("\",\"from\":");
        self.string(&change.from);
        self.raw(",\"to\":");
        self.string(&change.to);
        self.raw("}");
    }

    fn orphan(&mut self, orphan: &Orphan<'_>) {
        self.raw("{\"outlookId\":");
        self.string(&orphan.outlook_id);
        self.raw(",\"email\":");
        self.string(&orphan.email);
        self.raw(",\"displayName\":");
        self.string(&orphan.display_name);
        self.raw("}");
    }

    fn summary(&mut self, s: &Summary) {
        self.raw(&format!(
            "{{\"new\":{},\"update\":{},\"upToDate\":{},\"nonActionable\":{},\"conflict\":{}}}",
            s.new, s.update, s.up_to_date, s.non_actionable, s.conflict
        ));
    }
}

/// True when `bytes` holds a quote, a backslash, a control character or a byte beyond ASCII,
/// looking at eight bytes at a time (the usual id or name needs no escape at all).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `w` below `n` (for n <= 0x80) sets its high bit here; exact, no false hits.
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let zero = |w: u64| below(w, 1);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
        if (w & HIGH)
            | below(w, 0x20)
            | zero(w ^ (ONES * u64::from(b'"')))
            | zero(w ^ (ONES * u64::from(b'\\')))
            != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80)
}

/// The end of an item without reasons or changes, from its state on.
fn plain_tail(state: State, linked_by: Option<LinkedBy>) -> &'static str {
    macro_rules! tail {
        ($state:literal, $linked:literal) => {
            concat!(
                ",\"state\":\"",
                $state,
                "\",\"reasons\":[],\"changes\":[],\"linkedBy\":",
                $linked,
                "}"
            )
        };
    }
    macro_rules! tails {
        ($state:literal) => {
            match linked_by {
                None => tail!($state, "null"),
                Some(LinkedBy::Id) => tail!($state, "\"id\""),
                Some(LinkedBy::Email) => tail!($state, "\"email\""),
            }
        };
    }
    match state {
        State::New => tails!("new"),
        State::Update => tails!("update"),
        State::UpToDate => tails!("upToDate"),
        State::NonActionable => tails!("nonActionable"),
        State::Conflict => tails!("conflict"),
    }
}

fn state_name(state: State) -> &'static str {
    match state {
        State::New => "new",
        State::Update => "update",
        State::UpToDate => "upToDate",
        State::NonActionable => "nonActionable",
        State::Conflict => "conflict",
    }
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Title => "title",
        Field::GivenName => "givenName",
        Field::Surname => "surname",
        Field::DisplayName => "displayName",
        Field::MobilePhone => "mobilePhone",
        Field::Email => "email",
        Field::BusinessPhone => "businessPhone",
        Field::BusinessHomePage => "businessHomePage",
        Field::HomeStreet => "homeAddress.street",
        Field::HomeCity => "homeAddress.city",
        Field::HomeState => "homeAddress.state",
        Field::HomeCountryOrRegion => "homeAddress.countryOrRegion",
        Field::HomePostalCode => "homeAddress.postalCode",
        Field::BusinessStreet => "businessAddress.street",
        Field::BusinessCity => "businessAddress.city",
        Field::BusinessState => "businessAddress.state",
        Field::BusinessCountryOrRegion => "businessAddress.countryOrRegion",
        Field::BusinessPostalCode => "businessAddress.postalCode",
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::engine::validate::Reason;

    /// Every state, reason, field and link kind, and strings needing every kind of escape.
    fn rich_plan() -> Plan<'static> {
        let nasty = "q\"b\\s/\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}é€😀\u{2028}";
        let states = [
            State::New,
            State::Update,
            State::UpToDate,
            State::NonActionable,
            State::Conflict,
        ];
        let reasons = [
            Reason::Deceased,
            Reason::MissingEmail,
            Reason::MalformedEmail,
            Reason::MissingFirstName,
            Reason::MissingLastName,
            Reason::DuplicateEmail,
            Reason::InvalidRecord,
            Reason::DuplicateOutlookEmail,
            Reason::DuplicateOutlookId,
        ];
        let items = states
            .iter()
            .enumerate()
            .map(|(n, &state)| PlanItem {
                central_id: Cow::Owned(format!("C-{n}{nasty}")),
                outlook_id: (n % 2 == 0).then(|| Cow::Owned(format!("O-{n}"))),
                state,
                reasons: reasons[..n * 2].to_vec(),
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
    fn finds_every_byte_that_needs_an_escape_at_any_position() {
        for len in 0..20 {
            for at in 0..len {
                for b in (0u8..=0x7f).chain([0x80, 0xa0, 0xff]) {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let expected = b < 0x20 || b == b'"' || b == b'\\' || b >= 0x80;
                    assert_eq!(
                        needs_escape(&bytes),
                        expected,
                        "byte {b:#x} at {at} of {len}"
                    );
                }
            }
            assert!(!needs_escape(&vec![b'z'; len]));
        }
    }

    /// serde_json's text with every character beyond ASCII (they occur only inside strings)
    /// written as `\uXXXX` escapes.
    fn serde_text_in_ascii(plan: &Plan<'_>) -> String {
        let mut out = String::new();
        for c in serde_json::to_string(plan).unwrap().chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        out
    }

    #[test]
    fn writes_what_serde_json_writes_in_ascii() {
        let mut plan = rich_plan();
        // Items without reasons or changes, in every state and every kind of link.
        for (n, state) in [
            State::New,
            State::Update,
            State::UpToDate,
            State::NonActionable,
            State::Conflict,
        ]
        .into_iter()
        .enumerate()
        {
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
        let text = plan_to_json(&plan);
        assert!(text.is_ascii());
        assert!(text.contains(r#"\u00e9\u20ac\ud83d\ude00\u2028"#), "{text}");
        assert_eq!(text, serde_text_in_ascii(&plan));
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, serde_json::to_value(&plan).unwrap());
        let empty = Plan {
            items: vec![],
            orphans: vec![],
            ..plan
        };
        assert_eq!(plan_to_json(&empty), serde_json::to_string(&empty).unwrap());
    }
}
