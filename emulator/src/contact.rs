//! The Graph contact resource: which properties exist, how a POST/PATCH body is validated and
//! merged, and how a stored contact is rendered (`null` / `[]` / `{}` for unset values).
//! Storage is sparse (only set properties are kept) so 100,000 contacts stay small.

use serde_json::{Map, Value};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Str,
    StrList,
    Emails,
    Address,
}

/// Writable contact properties, in the order they are rendered.
pub const PROPS: &[(&str, Kind)] = &[
    ("categories", Kind::StrList),
    ("birthday", Kind::Str),
    ("fileAs", Kind::Str),
    ("displayName", Kind::Str),
    ("givenName", Kind::Str),
    ("initials", Kind::Str),
    ("middleName", Kind::Str),
    ("nickName", Kind::Str),
    ("surname", Kind::Str),
    ("title", Kind::Str),
    ("yomiGivenName", Kind::Str),
    ("yomiSurname", Kind::Str),
    ("yomiCompanyName", Kind::Str),
    ("generation", Kind::Str),
    ("imAddresses", Kind::StrList),
    ("jobTitle", Kind::Str),
    ("companyName", Kind::Str),
    ("department", Kind::Str),
    ("officeLocation", Kind::Str),
    ("profession", Kind::Str),
    ("businessHomePage", Kind::Str),
    ("assistantName", Kind::Str),
    ("manager", Kind::Str),
    ("homePhones", Kind::StrList),
    ("mobilePhone", Kind::Str),
    ("businessPhones", Kind::StrList),
    ("spouseName", Kind::Str),
    ("personalNotes", Kind::Str),
    ("children", Kind::StrList),
    ("emailAddresses", Kind::Emails),
    ("homeAddress", Kind::Address),
    ("businessAddress", Kind::Address),
    ("otherAddress", Kind::Address),
];

/// Server-managed properties: accepted in a body and ignored, as Graph does.
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "parentFolderId",
];

const ADDRESS_KEYS: &[&str] = &["street", "city", "state", "countryOrRegion", "postalCode"];

pub const MAX_EMAILS: usize = 3;
pub const MAX_BUSINESS_PHONES: usize = 2;
pub const MAX_HOME_PHONES: usize = 2;

pub fn prop_index(name: &str) -> Option<u8> {
    PROPS.iter().position(|(n, _)| *n == name).map(|i| i as u8)
}

fn idx(name: &str) -> u8 {
    prop_index(name).expect("known property")
}

/// A stored contact. `Contact::default()` is a blank one, before `apply` and `insert_contact`
/// give it its properties, id and stamps.
#[derive(Clone, Debug, Default)]
pub struct Contact {
    /// The regular id: changes when the contact moves to another folder.
    pub id: String,
    /// The id under `Prefer: IdType="ImmutableId"`: stays the same for the contact's life.
    pub immutable_id: String,
    pub folder_id: String,
    /// Creation order inside the folder (paging cursor).
    pub seq: u64,
    /// Mailbox-wide change counter at the last write (delta cursor).
    pub version: u64,
    pub created: i64,
    pub modified: i64,
    pub change_key: String,
    /// Set properties only, sorted by property index.
    pub props: Vec<(u8, Value)>,
    /// Extended properties: (normalised key, id as written, value).
    pub ext: Vec<(String, String, String)>,
}

/// A validated POST/PATCH body.
#[derive(Debug, Default)]
pub struct Changes {
    /// `Value::Null` clears the property.
    pub props: Vec<(u8, Value)>,
    pub ext: Vec<(String, String, String)>,
}

impl Changes {
    pub fn has(&self, name: &str) -> bool {
        let i = idx(name);
        self.props.iter().any(|(p, _)| *p == i)
    }
}

/// Our extended property names are `String {guid} Name X`: the type and GUID compare
/// case-insensitively, the name case-sensitively. Returns the comparison key.
pub fn ext_key(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split_whitespace().collect();
    match parts.as_slice() {
        [ty, guid, kw, name]
            if kw.eq_ignore_ascii_case("name")
                && guid.starts_with('{')
                && guid.ends_with('}')
                && guid.len() == 38 =>
        {
            Some(format!(
                "{} {} name {}",
                ty.to_ascii_lowercase(),
                guid.to_ascii_lowercase(),
                name
            ))
        }
        [ty, tag] if tag.to_ascii_lowercase().starts_with("0x") => Some(format!(
            "{} {}",
            ty.to_ascii_lowercase(),
            tag.to_ascii_lowercase()
        )),
        _ => None,
    }
}

fn type_error(name: &str, expected: &str) -> String {
    format!("Invalid value for property '{name}': expected {expected}.")
}

/// Validates a body. `strict` (Graph requests) rejects unknown properties, wrong types and
/// the collection caps; the control API's raw seeding passes `false` and stores what it gets.
pub fn parse_body(body: &Value, strict: bool) -> Result<Changes, String> {
    let obj = body
        .as_object()
        .ok_or_else(|| "The request body must be a JSON object.".to_string())?;
    let mut changes = Changes::default();
    for (key, value) in obj {
        if key.starts_with('@') || key.contains("@odata.") || READ_ONLY.contains(&key.as_str()) {
            continue;
        }
        if key == "singleValueExtendedProperties" {
            changes.ext = parse_ext(value)?;
            continue;
        }
        let Some(i) = prop_index(key) else {
            if strict {
                return Err(format!(
                    "The property '{key}' does not exist on type 'microsoft.graph.contact'. Make sure to only use property names that are defined by the type or mark the type as open type."
                ));
            }
            continue;
        };
        let kind = PROPS[i as usize].1;
        let v = if strict {
            validate(key, kind, value)?
        } else {
            value.clone()
        };
        changes.props.push((i, v));
    }
    changes.props.sort_by_key(|(i, _)| *i);
    Ok(changes)
}

fn parse_ext(value: &Value) -> Result<Vec<(String, String, String)>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| "singleValueExtendedProperties must be an array.".to_string())?;
    let mut out = vec![];
    for item in items {
        let id = item.get("id").and_then(Value::as_str);
        let val = item.get("value").and_then(Value::as_str);
        match (id, val) {
            (Some(id), Some(val)) => {
                let key = ext_key(id)
                    .ok_or_else(|| format!("The extended property id '{id}' is not valid."))?;
                out.retain(|(k, _, _): &(String, String, String)| *k != key);
                out.push((key, id.to_string(), val.to_string()));
            }
            _ => {
                return Err(
                    "Each singleValueExtendedProperty needs a string 'id' and a string 'value'."
                        .into(),
                )
            }
        }
    }
    Ok(out)
}

fn validate(name: &str, kind: Kind, value: &Value) -> Result<Value, String> {
    match kind {
        Kind::Str => match value {
            Value::Null | Value::String(_) => Ok(value.clone()),
            _ => Err(type_error(name, "a string")),
        },
        Kind::StrList => {
            let arr = value.as_array().ok_or_else(|| {
                format!("A null value or non-array was found for the property named '{name}', which has the expected type 'Collection(Edm.String)[Nullable=False]'.")
            })?;
            if !arr.iter().all(Value::is_string) {
                return Err(type_error(name, "an array of strings"));
            }
            let cap = match name {
                "businessPhones" => Some(MAX_BUSINESS_PHONES),
                "homePhones" => Some(MAX_HOME_PHONES),
                _ => None,
            };
            if let Some(cap) = cap {
                if arr.len() > cap {
                    return Err(format!(
                        "The property '{name}' accepts at most {cap} values; {} were sent.",
                        arr.len()
                    ));
                }
            }
            Ok(value.clone())
        }
        Kind::Emails => {
            let arr = value.as_array().ok_or_else(|| {
                format!("A null value or non-array was found for the property named '{name}', which has the expected type 'Collection(microsoft.graph.emailAddress)[Nullable=False]'.")
            })?;
            if arr.len() > MAX_EMAILS {
                return Err(format!(
                    "The property 'emailAddresses' accepts at most {MAX_EMAILS} values; {} were sent.",
                    arr.len()
                ));
            }
            let mut out = vec![];
            for e in arr {
                let o = e
                    .as_object()
                    .ok_or_else(|| type_error(name, "an array of emailAddress objects"))?;
                let mut m = Map::new();
                for (k, v) in o {
                    if k.starts_with('@') {
                        continue;
                    }
                    if k != "address" && k != "name" {
                        return Err(format!(
                            "The property '{k}' does not exist on type 'microsoft.graph.emailAddress'."
                        ));
                    }
                    if !(v.is_string() || v.is_null()) {
                        return Err(type_error(k, "a string"));
                    }
                    if !v.is_null() {
                        m.insert(k.clone(), v.clone());
                    }
                }
                out.push(Value::Object(m));
            }
            Ok(Value::Array(out))
        }
        Kind::Address => match value {
            Value::Null => Ok(Value::Null),
            Value::Object(o) => {
                let mut m = Map::new();
                for (k, v) in o {
                    if k.starts_with('@') {
                        continue;
                    }
                    if !ADDRESS_KEYS.contains(&k.as_str()) {
                        return Err(format!(
                            "The property '{k}' does not exist on type 'microsoft.graph.physicalAddress'."
                        ));
                    }
                    if !(v.is_string() || v.is_null()) {
                        return Err(type_error(k, "a string"));
                    }
                    if !v.is_null() {
                        m.insert(k.clone(), v.clone());
                    }
                }
                Ok(Value::Object(m))
            }
            _ => Err(type_error(name, "a physicalAddress object")),
        },
    }
}

impl Contact {
    pub fn get(&self, name: &str) -> Option<&Value> {
        let i = idx(name);
        self.props.iter().find(|(p, _)| *p == i).map(|(_, v)| v)
    }

    fn set(&mut self, i: u8, value: Value) {
        let empty = match &value {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        match self.props.binary_search_by_key(&i, |(p, _)| *p) {
            Ok(pos) if empty => {
                self.props.remove(pos);
            }
            Ok(pos) => self.props[pos].1 = value,
            Err(_) if empty => {}
            Err(pos) => self.props.insert(pos, (i, value)),
        }
    }

    /// Applies a body: present properties replace (collections whole), absent ones stay.
    /// `displayName` is regenerated from the name parts when the body changes a name part
    /// (or creates the contact) without sending `displayName`.
    pub fn apply(&mut self, changes: Changes, creating: bool) {
        let regenerate = !changes.has("displayName")
            && (creating || changes.has("givenName") || changes.has("surname"));
        for (i, v) in changes.props {
            self.set(i, v);
        }
        for (key, id, value) in changes.ext {
            match self.ext.iter_mut().find(|(k, _, _)| *k == key) {
                Some(slot) => {
                    slot.1 = id;
                    slot.2 = value;
                }
                None => self.ext.push((key, id, value)),
            }
        }
        if regenerate {
            let name = |n: &str| {
                self.get(n)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let parts: Vec<String> = [name("givenName"), name("surname")]
                .into_iter()
                .flatten()
                .collect();
            let display = parts.join(" ");
            self.set(idx("displayName"), Value::String(display));
        }
    }

    pub fn ext_value(&self, key: &str) -> Option<&str> {
        self.ext
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, v)| v.as_str())
    }

    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.change_key)
    }

    /// Renders the contact as Graph does. `select`: only these properties (plus `id` and
    /// `@odata.etag`). `expand`: `Some(None)` = all extended properties, `Some(Some(key))` =
    /// the one whose normalised id is `key`; omitted when the contact has none.
    pub fn render(&self, select: Option<&[String]>, expand: Option<Option<&str>>) -> Value {
        self.render_as(select, expand, false)
    }

    /// The id in the form a request asked for: immutable (`Prefer: IdType="ImmutableId"`)
    /// or regular.
    pub fn id_as(&self, immutable: bool) -> &str {
        if immutable {
            &self.immutable_id
        } else {
            &self.id
        }
    }

    /// [`Contact::render`] with the id in the form the request asked for.
    pub fn render_as(
        &self,
        select: Option<&[String]>,
        expand: Option<Option<&str>>,
        immutable: bool,
    ) -> Value {
        serde_json::to_value(self.view(select, expand, immutable)).unwrap_or(Value::Null)
    }

    /// The contact as Graph renders it, to serialize: [`Contact::render_as`] as a value, or
    /// written straight to text for a listing (the same JSON, keys in the same sorted order).
    pub fn view<'a>(
        &'a self,
        select: Option<&'a [String]>,
        expand: Option<Option<&'a str>>,
        immutable: bool,
    ) -> ContactView<'a> {
        ContactView {
            contact: self,
            select,
            expand,
            immutable,
        }
    }

    pub fn has_email(&self, lowered: &str) -> bool {
        match self.get("emailAddresses") {
            Some(Value::Array(a)) => a.iter().any(|e| {
                e.get("address")
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.to_lowercase() == lowered)
            }),
            _ => false,
        }
    }
}

/// A contact rendered as Graph does. Serializes as a map with its keys in byte order, as a
/// `serde_json::Map` holds them.
pub struct ContactView<'a> {
    contact: &'a Contact,
    select: Option<&'a [String]>,
    expand: Option<Option<&'a str>>,
    immutable: bool,
}

/// One rendered property's value.
enum Rendered<'a> {
    Text(&'a str),
    Owned(String),
    Stored(&'a Value),
    Null,
    EmptyList,
    EmptyObject,
    Emails(&'a Value),
    Extended(Vec<(&'a str, &'a str)>),
}

impl serde::Serialize for ContactView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = self.contact;
        let wanted = |n: &str| self.select.is_none_or(|sel| sel.iter().any(|x| x == n));
        let mut entries: Vec<(&str, Rendered<'_>)> = Vec::with_capacity(PROPS.len() + 8);
        entries.push(("@odata.etag", Rendered::Owned(c.etag())));
        entries.push(("id", Rendered::Text(c.id_as(self.immutable))));
        if wanted("createdDateTime") {
            entries.push((
                "createdDateTime",
                Rendered::Owned(crate::time::iso8601(c.created)),
            ));
        }
        if wanted("lastModifiedDateTime") {
            entries.push((
                "lastModifiedDateTime",
                Rendered::Owned(crate::time::iso8601(c.modified)),
            ));
        }
        if wanted("changeKey") {
            entries.push(("changeKey", Rendered::Text(&c.change_key)));
        }
        if wanted("parentFolderId") {
            entries.push(("parentFolderId", Rendered::Text(&c.folder_id)));
        }
        let mut stored = c.props.iter().peekable();
        for (i, (name, kind)) in PROPS.iter().enumerate() {
            let value = match stored.peek() {
                Some((p, _)) if *p as usize == i => stored.next().map(|(_, v)| v),
                _ => None,
            };
            if !wanted(name) {
                continue;
            }
            let rendered = match (value, kind) {
                (Some(v), Kind::Emails) => Rendered::Emails(v),
                (Some(v), _) => Rendered::Stored(v),
                (None, Kind::Str) => Rendered::Null,
                (None, Kind::StrList | Kind::Emails) => Rendered::EmptyList,
                (None, Kind::Address) => Rendered::EmptyObject,
            };
            entries.push((name, rendered));
        }
        if let Some(filter) = self.expand {
            let items: Vec<(&str, &str)> = c
                .ext
                .iter()
                .filter(|(k, _, _)| filter.is_none_or(|f| f == k))
                .map(|(_, id, v)| (id.as_str(), v.as_str()))
                .collect();
            if !items.is_empty() {
                entries.push((
                    "singleValueExtendedProperties@odata.context",
                    Rendered::Text("$metadata#users('me')/contacts/singleValueExtendedProperties"),
                ));
                entries.push(("singleValueExtendedProperties", Rendered::Extended(items)));
            }
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(Some(entries.len()))?;
        for (key, value) in &entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl serde::Serialize for Rendered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Rendered::Text(t) => s.serialize_str(t),
            Rendered::Owned(t) => s.serialize_str(t),
            Rendered::Stored(v) => v.serialize(s),
            Rendered::Null => s.serialize_unit(),
            Rendered::EmptyList => s.serialize_seq(Some(0))?.end(),
            Rendered::EmptyObject => s.serialize_map(Some(0))?.end(),
            // An entry without a `name` is shown with its address as the name, as Outlook does.
            Rendered::Emails(Value::Array(items)) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    match item {
                        Value::Object(o) => {
                            let address = o.get("address").unwrap_or(&Value::Null);
                            let name = o.get("name").unwrap_or(address);
                            seq.serialize_element(&EmailView { address, name })?;
                        }
                        other => seq.serialize_element(other)?,
                    }
                }
                seq.end()
            }
            Rendered::Emails(other) => other.serialize(s),
            Rendered::Extended(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for (id, value) in items {
                    seq.serialize_element(&PropertyView { id, value })?;
                }
                seq.end()
            }
        }
    }
}

#[derive(serde::Serialize)]
struct EmailView<'a> {
    address: &'a Value,
    name: &'a Value,
}

#[derive(serde::Serialize)]
struct PropertyView<'a> {
    id: &'a str,
    value: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_key_compares_guid_case_insensitively_and_name_case_sensitively() {
        let a = ext_key("String {3CCEEE99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId");
        let b = ext_key("string {3cceee99-16d4-4ae2-ad04-488106d3074b} name CentralContactId");
        let c = ext_key("String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name centralcontactid");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(ext_key("nonsense"), None);
    }

    #[test]
    fn a_contact_renders_as_graph_does_with_keys_in_order() {
        let id = "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId";
        let body = serde_json::json!({
            "givenName": "Ann", "surname": "Lee", "displayName": "Ann Lee",
            "emailAddresses": [{ "address": "ann@x.org" }, { "address": "a2@x.org", "name": "Work" }],
            "businessPhones": ["+44 1"],
            "singleValueExtendedProperties": [{ "id": id, "value": "C-1" }]
        });
        let mut c = Contact::default();
        c.apply(parse_body(&body, true).unwrap(), true);
        c.id = "R1".into();
        c.immutable_id = "I1".into();
        c.change_key = "K1".into();
        let select: Vec<String> = [
            "id",
            "givenName",
            "emailAddresses",
            "homeAddress",
            "title",
            "businessPhones",
        ]
        .map(String::from)
        .to_vec();
        let text = serde_json::to_string(&c.view(Some(&select), Some(None), true)).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"@odata.etag":"W/\"K1\"","businessPhones":["+44 1"],"#,
                r#""emailAddresses":[{"address":"ann@x.org","name":"ann@x.org"},{"address":"a2@x.org","name":"Work"}],"#,
                r#""givenName":"Ann","homeAddress":{},"id":"I1","#,
                r#""singleValueExtendedProperties":[{"id":"String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId","value":"C-1"}],"#,
                r#""singleValueExtendedProperties@odata.context":"$metadata#users('me')/contacts/singleValueExtendedProperties","#,
                r#""title":null}"#
            )
        );
        // The value form is the same JSON.
        assert_eq!(
            serde_json::to_string(&c.render_as(Some(&select), Some(None), true)).unwrap(),
            text
        );
        let plain = serde_json::to_string(&c.view(Some(&select), None, false)).unwrap();
        assert!(
            plain.contains(r#""id":"R1""#) && !plain.contains("singleValue"),
            "{plain}"
        );
    }
}
