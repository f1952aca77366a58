//! The ledger's `base`s as the planner reads them (DESIGN §2): per Central id, the Outlook
//! contact it was last written to and, per field, the value both sides agreed on then. A key
//! missing from a base, or a value that is not text, is unknown.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::diff::{Change, ChangeDirection};
use super::group::Hasher;
use super::json_reader::{JsonError, Reader};
use super::kinds::Kind;
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
        self.values.get(field as usize)?.as_deref()
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

    /// Reads a `base` object's JSON text (already checked as JSON when the ledger was read).
    /// Strings without escapes are borrowed from it.
    fn read_text(text: &'a str) -> Base<'a> {
        let mut base = Base::default();
        let mut r = Reader::new(text);
        // Only the bases of pairs that differ are read; a failure leaves the rest unknown.
        let _ = (|| -> Result<(), JsonError> {
            r.expect(b'{', "expected an object")?;
            let mut first = true;
            while r.open_key(&mut first)? {
                let key = r.key_rest()?;
                r.key_colon()?;
                match (Field::from_name(&key), r.peek()) {
                    (Some(field), Some(b'"')) => {
                        base.values[field as usize] = Some(r.read_string()?);
                    }
                    _ => r.skip_value()?,
                }
            }
            Ok(())
        })();
        base
    }
}

/// A base as stored: read only for the pairs that need it (those whose values differ).
#[derive(Debug, Clone, Copy)]
enum Stored<'a> {
    Value(&'a Value),
    /// The base object's JSON text.
    Text(&'a str),
}

/// The ledger's entries by Central id. Entries without a text `centralId` are ignored; of two
/// entries for one id the later counts (the ledger is written whole, so there are none).
#[derive(Debug, Clone, Default)]
pub struct Bases<'a> {
    entries: HashMap<Cow<'a, str>, Entry<'a>, Hasher>,
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
                        let kind = e.get("kind").and_then(Value::as_str).map(Kind::of_name);
                        let folder = e.get("folderId").and_then(Value::as_str).map(Cow::Borrowed);
                        Some((
                            Cow::Borrowed(id),
                            (Cow::Borrowed(outlook_id), base, kind, folder),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Bases { entries }
    }

    /// The entries of a ledger's body as JSON text: each base stays text until a plan needs
    /// it, so a full ledger of unchanged pairs costs little more than a scan. `Err` for text
    /// that is not a ledger's body (not JSON, not an object, `entries` not an array).
    pub fn read_json(text: &'a [u8]) -> Result<Bases<'a>, String> {
        let text = std::str::from_utf8(text).map_err(|e| format!("not UTF-8: {e}"))?;
        let mut r = Reader::new(text);
        // Sized for entries of about 500 bytes (a full base), so that it rarely grows.
        let mut entries = HashMap::with_capacity_and_hasher(text.len() / 512, Hasher::default());
        (|| -> Result<(), JsonError> {
            r.expect(b'{', "a ledger's body is a JSON object")?;
            let mut first = true;
            while r.open_key(&mut first)? {
                let key = r.key_rest()?;
                r.key_colon()?;
                if key != "entries" {
                    r.skip_value()?;
                    continue;
                }
                r.expect(b'[', "entries must be an array")?;
                let mut first = true;
                while r.next_element(&mut first)? {
                    if r.peek() != Some(b'{') {
                        r.skip_value()?;
                        continue;
                    }
                    if let Some((id, entry)) = read_entry(&mut r)? {
                        entries.insert(id, entry);
                    }
                }
            }
            r.end()
        })()
        .map_err(|e| e.describe(text))?;
        Ok(Bases { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry's Central id and the Outlook contact it names (`""` when none).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(id, (outlook_id, ..))| (id.as_ref(), outlook_id.as_ref()))
    }

    /// The Outlook contact the entry of `central_id` names, if it names one (its base is not
    /// read: linking asks this of every record no stored id links).
    pub fn named(&self, central_id: &str) -> Option<&str> {
        let (id, ..) = self.entries.get(central_id)?;
        (!id.is_empty()).then_some(id.as_ref())
    }

    /// The entry of `central_id`: the Outlook contact it names (`""` when none) and its base,
    /// whichever contact that is (for deletions, whose contact is gone or whose record is).
    pub fn entry(&self, central_id: &str) -> Option<(&str, Base<'a>)> {
        let (id, stored, ..) = self.entries.get(central_id)?;
        Some((id.as_ref(), read_stored(stored.as_ref())))
    }

    /// The base of the pair `central_id` ↔ `outlook_id`: none when the entry names another
    /// Outlook contact (a copy, a contact made again), whose agreement says nothing of this one.
    pub fn base(&self, central_id: &str, outlook_id: &str) -> Option<Base<'a>> {
        let (id, stored, ..) = self.entries.get(central_id)?;
        if *id != outlook_id {
            return None;
        }
        Some(read_stored(stored.as_ref()))
    }

    /// The type (folder) the pair `central_id` ↔ `outlook_id` agreed on: the entry's `kind`,
    /// when it names that contact and has one.
    pub fn kind(&self, central_id: &str, outlook_id: &str) -> Option<Kind> {
        let (id, _, kind, _) = self.entries.get(central_id)?;
        (*id == outlook_id).then_some(*kind)?
    }

    /// The folder the entry's contact was written to (`folderId`), when it says.
    pub fn folder(&self, central_id: &str) -> Option<&str> {
        self.entries.get(central_id)?.3.as_deref()
    }
}

fn read_stored<'a>(stored: Option<&Stored<'a>>) -> Base<'a> {
    match stored {
        None => Base::default(),
        Some(Stored::Value(v)) => Base::read(v),
        Some(Stored::Text(t)) => Base::read_text(t),
    }
}

/// An entry: the Outlook contact it names, its base, its type and its folder.
type Entry<'a> = (
    Cow<'a, str>,
    Option<Stored<'a>>,
    Option<Kind>,
    Option<Cow<'a, str>>,
);

/// One entry (at its `{`): its Central id and, when that is text, its Outlook id (`""` when not
/// text) and base (kept as text).
fn read_entry<'a>(r: &mut Reader<'a>) -> Result<Option<(Cow<'a, str>, Entry<'a>)>, JsonError> {
    r.bump();
    let (mut id, mut outlook_id, mut base, mut kind, mut folder) = (None, None, None, None, None);
    let mut first = true;
    while r.open_key(&mut first)? {
        let key = r.key_rest()?;
        r.key_colon()?;
        let string = |r: &mut Reader<'a>| match r.peek() {
            Some(b'"') => r.read_string().map(Some),
            _ => r.skip_value().map(|()| None),
        };
        match key.as_ref() {
            "centralId" => id = string(r)?,
            "outlookId" => outlook_id = string(r)?,
            "kind" => kind = string(r)?.map(|k| Kind::of_name(&k)),
            "folderId" => folder = string(r)?,
            "base" => {
                let start = r.offset();
                r.skip_value()?;
                let text = r.text_between(start, r.offset());
                base = (!text.trim_start().starts_with("null")).then_some(Stored::Text(text));
            }
            _ => r.skip_value()?,
        }
    }
    Ok(id.map(|id| {
        let outlook_id = outlook_id.unwrap_or(Cow::Borrowed(""));
        (id, (outlook_id, base, kind, folder))
    }))
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
        // (A type is the entry's `kind`, not a base value.)
        let Some(value) = values.get_mut(ch.field as usize) else {
            continue;
        };
        *value = if done {
            Some(base_value(ch.field, &ch.to))
        } else {
            old.and_then(|b| b.get(ch.field)).map(str::to_owned)
        };
    }
    values
}

/// A base as the ledger's JSON object (unknown fields left out, and `displayName`, which is
/// never decided: DESIGN §2 keeps no base of it).
pub fn base_json(values: &[Option<String>; FIELD_COUNT]) -> Value {
    Value::Object(
        Field::ALL
            .iter()
            .zip(values)
            .filter(|(f, _)| **f != Field::DisplayName)
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

    #[test]
    fn a_ledgers_json_text_is_read_strictly_around_lenient_entries() {
        let text = br#" {"schema": 1, "history": [{"x": {"y": []}}], "entries": [
            3, null, {"centralId": 7}, {"outlookId": "O-0"},
            {"kind": "contact", "centralId": "C-\u0031", "outlookId": "O-1", "base":
                {"surname": "O\u2019Brien", "title": null, "givenName": "Ann", "nope": {"a": "b"}}},
            {"centralId": "C-2", "outlookId": 5, "base": null},
            {"centralId": "C-3", "outlookId": "O-3", "base": [1]} ]} "#;
        let bases = Bases::read_json(text).unwrap();
        assert_eq!(bases.len(), 3);
        let base = bases.base("C-1", "O-1").unwrap();
        assert_eq!(base.get(Field::Surname), Some("O\u{2019}Brien"));
        assert_eq!(base.get(Field::GivenName), Some("Ann"));
        assert_eq!(base.get(Field::Title), None);
        // An Outlook id that is not text names no contact; a base that is not an object
        // knows nothing.
        assert_eq!(bases.base("C-2", ""), Some(Base::default()));
        assert_eq!(bases.base("C-3", "O-3"), Some(Base::default()));
        for bad in [
            &br#"{"entries": {}}"#[..],
            br#"{"entries": [] } x"#,
            br#"{"entries": [{"centralId": "C-1",}]}"#,
            b"{\"entries\": [\xff]}",
            b"",
        ] {
            assert!(
                Bases::read_json(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
