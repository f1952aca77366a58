//! The ledger's `base`s as the planner reads them (DESIGN §2): per Central id, the Outlook
//! contact it was last written to and, per field, the value both sides agreed on then. A key
//! missing from a base, or a value that is not text, is unknown.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::diff::{Change, ChangeDirection};
use super::mapping::{Field, FIELD_COUNT};
use super::reverse::split_street;
use super::text::normalize_spaces;

/// The agreed value of each field (`None`: unknown), normalised as the ledger keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Base<'a> {
    pub values: [Option<Cow<'a, str>>; FIELD_COUNT],
}

impl<'a> Base<'a> {
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values[field as usize].as_deref()
    }

    /// Reads a `base` object; keys that name no field are ignored.
    pub fn read(value: &'a Value) -> Base<'a> {
        let mut base = Base::default();
        if let Some(map) = value.as_object() {
            for (key, v) in map {
                if let (Some(field), Some(text)) = (Field::from_name(key), v.as_str()) {
                    base.values[field as usize] = Some(Cow::Borrowed(text));
                }
            }
        }
        base
    }

    /// Reads a `base` object's JSON text (an unreadable one is all unknown).
    fn read_raw(raw: &'a RawValue) -> Base<'a> {
        // Only the bases of pairs that differ are read: values are fine here.
        let map: Map<String, Value> = serde_json::from_str(raw.get()).unwrap_or_default();
        let mut base = Base::default();
        for (key, v) in map {
            if let (Some(field), Value::String(text)) = (Field::from_name(&key), v) {
                base.values[field as usize] = Some(Cow::Owned(text));
            }
        }
        base
    }
}

/// A base as stored: read only for the pairs that need it (those whose values differ).
#[derive(Debug, Clone, Copy)]
enum Stored<'a> {
    Value(&'a Value),
    Raw(&'a RawValue),
}

/// The ledger's entries by Central id. Entries without a text `centralId` are ignored; of two
/// entries for one id the later counts (the ledger is written whole, so there are none).
#[derive(Debug, Clone, Default)]
pub struct Bases<'a> {
    entries: HashMap<Cow<'a, str>, (Cow<'a, str>, Option<Stored<'a>>)>,
}

/// A ledger entry as its JSON text is read: the base is kept as text until needed.
#[derive(serde::Deserialize)]
struct RawEntry<'a> {
    #[serde(
        rename = "centralId",
        borrow,
        default,
        deserialize_with = "text_or_none"
    )]
    central_id: Option<Cow<'a, str>>,
    #[serde(
        rename = "outlookId",
        borrow,
        default,
        deserialize_with = "text_or_none"
    )]
    outlook_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    base: Option<&'a RawValue>,
}

/// A string, borrowed where it has no escapes; any other value reads as `None` (as the
/// value-based reading ignores it).
fn text_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any value")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

#[derive(serde::Deserialize)]
struct RawLedger<'a> {
    #[serde(borrow, default)]
    entries: Vec<RawEntry<'a>>,
}

impl<'a> Bases<'a> {
    /// The entries of a ledger's body (`{"entries":[…], …}`).
    pub fn read(body: &'a Map<String, Value>) -> Bases<'a> {
        let entries = body
            .get("entries")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|e| {
                        let id = e.get("centralId")?.as_str()?;
                        let outlook_id = e.get("outlookId").and_then(Value::as_str).unwrap_or("");
                        let base = e.get("base").map(Stored::Value);
                        Some((Cow::Borrowed(id), (Cow::Borrowed(outlook_id), base)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Bases { entries }
    }

    /// The entries of a ledger's body as JSON text: each base stays text until a plan needs
    /// it, so a full ledger of unchanged pairs costs little more than a scan. `Err` for text
    /// that is not a ledger's body.
    pub fn read_json(text: &'a [u8]) -> Result<Bases<'a>, String> {
        // serde would read a struct from an array too: a body is an object.
        if text.trim_ascii_start().first() != Some(&b'{') {
            return Err("a ledger's body is a JSON object".into());
        }
        let ledger: RawLedger<'a> = serde_json::from_slice(text).map_err(|e| e.to_string())?;
        let entries = ledger
            .entries
            .into_iter()
            .filter_map(|e| {
                let outlook_id = e.outlook_id.unwrap_or(Cow::Borrowed(""));
                Some((e.central_id?, (outlook_id, e.base.map(Stored::Raw))))
            })
            .collect();
        Ok(Bases { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The base of the pair `central_id` ↔ `outlook_id`: none when the entry names another
    /// Outlook contact (a copy, a contact made again), whose agreement says nothing of this one.
    pub fn base(&self, central_id: &str, outlook_id: &str) -> Option<Base<'a>> {
        let (id, stored) = self.entries.get(central_id)?;
        if *id != outlook_id {
            return None;
        }
        Some(match stored {
            None => Base::default(),
            Some(Stored::Value(v)) => Base::read(v),
            Some(Stored::Raw(r)) => Base::read_raw(r),
        })
    }
}

/// A value as the ledger's `base` records it, the form in which both sides' values are
/// compared (DESIGN §4): trimmed, inner whitespace collapsed, NFC, an email lower-cased, and a
/// street as its lines joined by ", " (Outlook may hold them on separate lines).
pub fn base_value(field: Field, value: &str) -> String {
    let value = match field {
        Field::HomeStreet | Field::BusinessStreet => Cow::Owned(
            split_street(value)
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => Cow::Borrowed(value),
    };
    let text: String = normalize_spaces(&value).nfc().collect();
    if field == Field::Email {
        text.to_lowercase()
    } else {
        text
    }
}

/// Which sides a run wrote for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub outlook: bool,
    pub central: bool,
}

/// The base to record for a linked pair after a run: what both sides now hold — Outlook's
/// values as read (`outlook`, in [`Field::ALL`] order) with the changes that were written
/// applied. A field whose write did not happen keeps its `old` base, or is left unknown
/// (`None`), so that the next plan finishes the write instead of reverting it.
pub fn base_after(
    outlook: [&str; FIELD_COUNT],
    changes: &[Change],
    written: Written,
    old: Option<&Base<'_>>,
) -> [Option<String>; FIELD_COUNT] {
    let mut values: [Option<String>; FIELD_COUNT] =
        std::array::from_fn(|k| Some(base_value(Field::ALL[k], outlook[k])));
    for ch in changes {
        let done = match ch.direction {
            ChangeDirection::ToOutlook => written.outlook,
            ChangeDirection::ToCentral => written.central,
            ChangeDirection::Conflict => false,
        };
        values[ch.field as usize] = if done {
            Some(base_value(ch.field, &ch.to))
        } else {
            old.and_then(|b| b.get(ch.field)).map(str::to_owned)
        };
    }
    values
}

/// A base as the ledger's JSON object (unknown fields left out).
pub fn base_json(values: &[Option<String>; FIELD_COUNT]) -> Value {
    Value::Object(
        Field::ALL
            .iter()
            .zip(values)
            .filter_map(|(f, v)| Some((f.name().to_owned(), Value::from(v.clone()?))))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bases_are_read_by_central_id_and_only_for_the_outlook_contact_they_name() {
        let body = json!({"entries": [
            {"centralId": "C-1", "outlookId": "O-1", "base": {"surname": "Smith", "homeAddress.city": "Leeds", "nope": "x", "title": 3}},
            {"centralId": 7, "outlookId": "O-2", "base": {}},
            {"outlookId": "O-3"},
        ]});
        let bases = Bases::read(body.as_object().unwrap());
        assert_eq!(bases.len(), 1);
        let base = bases.base("C-1", "O-1").unwrap();
        assert_eq!(base.get(Field::Surname), Some("Smith"));
        assert_eq!(base.get(Field::HomeCity), Some("Leeds"));
        assert_eq!(base.get(Field::Title), None);
        assert_eq!(base.get(Field::GivenName), None);
        assert!(bases.base("C-1", "O-9").is_none());
        assert!(bases.base("C-2", "O-1").is_none());
        assert!(Bases::read(json!({"entries": {}}).as_object().unwrap()).is_empty());
        // The same from its JSON text, the base read when asked for.
        let text = body.to_string();
        let raw = Bases::read_json(text.as_bytes()).unwrap();
        assert_eq!(raw.base("C-1", "O-1"), bases.base("C-1", "O-1"));
        assert!(raw.base("C-1", "O-9").is_none());
        assert!(Bases::read_json(b"[]").is_err());
    }
}
