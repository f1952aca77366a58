//! Central and Outlook contacts read through serde_json, as the engine first read them: the
//! reference that the single-pass readers behind `parse_central` and `parse_outlook` are held
//! to (tests/json_reader_props.rs). It rejects lone surrogate escapes, which `parse_lenient`
//! repairs; behind `parse_lenient` it accepts exactly what the readers accept and reads the same
//! records. serde's traits cannot be implemented for the engine's types outside the crate, so
//! each is read through the wrapper [`Serde`].

use std::borrow::Cow;
use std::fmt;

use central_o365_sync::engine::input::{
    is_central_id_property, AddressField, CentralAddress, CentralContact, InputError,
    OutlookAddress, OutlookContact, OutlookEmail,
};
use central_o365_sync::engine::text::{number_text, Text};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// [`central_o365_sync::engine::parse_central`] as it was first written, through serde_json.
pub fn parse_central_serde(json: &[u8]) -> Result<Vec<CentralContact<'_>>, InputError> {
    parse_records_serde(json, "Central contacts")
}

/// [`central_o365_sync::engine::parse_outlook`] through serde_json; see
/// [`parse_central_serde`].
pub fn parse_outlook_serde(json: &[u8]) -> Result<Vec<OutlookContact<'_>>, InputError> {
    parse_records_serde(json, "Outlook contacts")
}

/// A text value read through serde_json (a number or boolean as its text, an object or array
/// invalid, `null` absent).
pub fn text_serde(json: &str) -> Result<Text<'_>, serde_json::Error> {
    serde_json::from_str::<Serde<Text>>(json).map(|t| t.0)
}

fn parse_records_serde<'a, T>(json: &'a [u8], what: &str) -> Result<Vec<T>, InputError>
where
    Serde<T>: Deserialize<'a>,
{
    let text = std::str::from_utf8(json).map_err(|e| InputError {
        message: format!("{what} must be UTF-8 JSON text: {e}"),
    })?;
    let records: Records<Serde<T>> = serde_json::from_str(text).map_err(|e| InputError {
        message: format!("{what} must be a JSON array of objects: {e}"),
    })?;
    Ok(records.0.into_iter().map(|r| r.0).collect())
}

/// A value of the engine's type `T`, read through serde.
#[derive(Default)]
pub struct Serde<T>(pub T);

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    // Integers go through f64 as in JavaScript, so 2^64 reads as "18446744073709552000".
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(number_text(v as f64))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(number_text(v as f64))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(number_text(v))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Text::Absent)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(TextVisitor)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text::Invalid)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Text::Invalid)
    }
}

impl<'de> Deserialize<'de> for Serde<Text<'de>> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor).map(Serde)
    }
}

/// A text value, trimmed.
fn trimmed<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Text<'de>, A::Error> {
    Ok(map.next_value::<Serde<Text>>()?.0.trim())
}

/// A text value as it is.
fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Text<'de>, A::Error> {
    Ok(map.next_value::<Serde<Text>>()?.0)
}

/// An object key, borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

/// A top-level array (and nothing else), whose elements must be objects.
struct Records<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Records<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Records<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(Records(out))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// Reads an object's entries with `field`, skipping keys it does not know. Every record type
/// is read through this, so a record must be an object (never an array, which serde would
/// otherwise accept for a struct).
macro_rules! object_visitor {
    ($ty:ident, $expect:literal, |$rec:ident, $key:ident, $map:ident| $body:block) => {
        impl<'de> Deserialize<'de> for Serde<$ty<'de>> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Serde<$ty<'de>>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expect)
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut $map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let mut $rec = $ty::default();
                        while let Some(Key($key)) = $map.next_key::<Key<'de>>()? {
                            $body
                        }
                        Ok(Serde($rec))
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

object_visitor!(CentralContact, "a Central contact object", |c, key, map| {
    match key.as_ref() {
        "id" => c.id = trimmed(&mut map)?,
        "status" => c.status = trimmed(&mut map)?,
        "title" => c.title = trimmed(&mut map)?,
        "firstName" => c.first_name = trimmed(&mut map)?,
        "lastName" => c.last_name = trimmed(&mut map)?,
        "email" => c.email = trimmed(&mut map)?,
        "mobile" => c.mobile = trimmed(&mut map)?,
        "telephone" => c.telephone = trimmed(&mut map)?,
        "website" => c.website = trimmed(&mut map)?,
        "version" => c.version = trimmed(&mut map)?,
        "name" => c.name = trimmed(&mut map)?,
        "homeAddress" => c.home_address = map.next_value::<Serde<AddressField>>()?.0,
        "businessAddress" => c.business_address = map.next_value::<Serde<AddressField>>()?.0,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

object_visitor!(CentralAddress, "an address object", |a, key, map| {
    match key.as_ref() {
        "line1" => a.line1 = trimmed(&mut map)?,
        "line2" => a.line2 = trimmed(&mut map)?,
        "line3" => a.line3 = trimmed(&mut map)?,
        "town" => a.town = trimmed(&mut map)?,
        "county" => a.county = trimmed(&mut map)?,
        "country" => a.country = trimmed(&mut map)?,
        "postcode" => a.postcode = trimmed(&mut map)?,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

object_visitor!(OutlookContact, "a Graph contact object", |c, key, map| {
    match key.as_ref() {
        "id" => c.id = text(&mut map)?,
        "title" => c.title = text(&mut map)?,
        "givenName" => c.given_name = text(&mut map)?,
        "surname" => c.surname = text(&mut map)?,
        "displayName" => c.display_name = text(&mut map)?,
        "mobilePhone" => c.mobile_phone = text(&mut map)?,
        "@odata.etag" => c.etag = text(&mut map)?,
        "createdDateTime" => c.created = text(&mut map)?,
        "businessHomePage" => c.business_home_page = text(&mut map)?,
        "emailAddresses" => {
            c.email_addresses = map
                .next_value::<Lenient<Vec<Lenient<Serde<OutlookEmail>>>>>()?
                .into_list()
                .into_iter()
                .map(|e| e.0)
                .collect()
        }
        "businessPhones" => {
            c.business_phones = map
                .next_value::<Lenient<Vec<Serde<Text>>>>()?
                .or_default()
                .into_iter()
                .map(|t| t.0)
                .collect()
        }
        "homeAddress" => {
            c.home_address = map
                .next_value::<Lenient<Serde<OutlookAddress>>>()?
                .or_default()
                .0
        }
        "businessAddress" => {
            c.business_address = map
                .next_value::<Lenient<Serde<OutlookAddress>>>()?
                .or_default()
                .0
        }
        "singleValueExtendedProperties" => {
            let props = map
                .next_value::<Lenient<Vec<Lenient<Serde<ExtendedProperty>>>>>()?
                .into_list();
            c.central_id = props
                .into_iter()
                .map(|p| p.0)
                .find(|p| is_central_id_property(p.id.as_str()))
                .and_then(|p| match p.value {
                    Text::Value(v) if !v.trim().is_empty() => Some(v),
                    _ => None,
                });
        }
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

object_visitor!(OutlookEmail, "an email address object", |e, key, map| {
    match key.as_ref() {
        "name" => e.name = text(&mut map)?,
        "address" => e.address = text(&mut map)?,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

object_visitor!(OutlookAddress, "an address object", |a, key, map| {
    match key.as_ref() {
        "street" => a.street = text(&mut map)?,
        "city" => a.city = text(&mut map)?,
        "state" => a.state = text(&mut map)?,
        "countryOrRegion" => a.country_or_region = text(&mut map)?,
        "postalCode" => a.postal_code = text(&mut map)?,
        _ => {
            map.next_value::<IgnoredAny>()?;
        }
    }
});

#[derive(Default)]
struct ExtendedProperty<'a> {
    id: Text<'a>,
    value: Text<'a>,
}

object_visitor!(
    ExtendedProperty,
    "an extended property object",
    |p, key, map| {
        match key.as_ref() {
            "id" => p.id = text(&mut map)?,
            "value" => p.value = text(&mut map)?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
);

/// A Central address field: an object, nothing, or (anything else) invalid.
impl<'de> Deserialize<'de> for Serde<AddressField<'de>> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Serde(
            match d.deserialize_any(ShapeVisitor::<Serde<CentralAddress<'de>>>::new())? {
                AnyOr::Shape(a) => AddressField::Value(a.0),
                AnyOr::Null => AddressField::Absent,
                AnyOr::Other => AddressField::Invalid,
            },
        ))
    }
}

/// A Graph value that is read if it has the expected shape and otherwise taken as empty.
#[derive(Default)]
enum Lenient<T> {
    Shape(T),
    #[default]
    Empty,
}

impl<T: Default> Lenient<T> {
    fn or_default(self) -> T {
        match self {
            Lenient::Shape(t) => t,
            Lenient::Empty => T::default(),
        }
    }
}

impl<T: Default> Lenient<Vec<Lenient<T>>> {
    /// Elements of the wrong shape keep their place, as empty values.
    fn into_list(self) -> Vec<T> {
        self.or_default()
            .into_iter()
            .map(Lenient::or_default)
            .collect()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T>
where
    ShapeVisitor<T>: Shape<'de>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(ShapeVisitor::<T>::new())? {
            AnyOr::Shape(t) => Ok(Lenient::Shape(t)),
            _ => Ok(Lenient::Empty),
        }
    }
}

/// Result of reading a value that should be an object (or an array, for lists): the parsed
/// shape, `null`, or anything else (consumed and dropped).
enum AnyOr<T> {
    Shape(T),
    Null,
    Other,
}

struct ShapeVisitor<T>(std::marker::PhantomData<T>);

impl<T> ShapeVisitor<T> {
    fn new() -> Self {
        ShapeVisitor(std::marker::PhantomData)
    }
}

/// Which JSON container a shape lives in; objects and arrays are read through the shape's own
/// `Deserialize`, other values are skipped.
trait Shape<'de>: Sized {
    const IS_LIST: bool;
}

impl<'de, T: Deserialize<'de>> Shape<'de> for ShapeVisitor<Vec<T>> {
    const IS_LIST: bool = true;
}

macro_rules! object_shape {
    ($($ty:ident),*) => {$(
        impl<'de> Shape<'de> for ShapeVisitor<Serde<$ty<'de>>> {
            const IS_LIST: bool = false;
        }
    )*};
}
object_shape!(
    CentralAddress,
    OutlookAddress,
    OutlookEmail,
    ExtendedProperty
);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ShapeVisitor<T>
where
    ShapeVisitor<T>: Shape<'de>,
{
    type Value = AnyOr<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if <ShapeVisitor<T> as Shape<'de>>::IS_LIST {
            let mut map = map;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(AnyOr::Other);
        }
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(AnyOr::Shape)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if !<ShapeVisitor<T> as Shape<'de>>::IS_LIST {
            let mut seq = seq;
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(AnyOr::Other);
        }
        T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(AnyOr::Shape)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyOr::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyOr::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(AnyOr::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(AnyOr::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(AnyOr::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(AnyOr::Other)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(AnyOr::Other)
    }
}

/// Parses `json` with `parse`; if that fails and the text holds lone surrogate escapes, parses
/// it again with those replaced by U+FFFD. The repaired text is kept in `fixed`, which the
/// records borrow from.
pub fn parse_lenient<'a, T: 'a>(
    json: &'a [u8],
    fixed: &'a mut Option<Vec<u8>>,
    mut parse: impl FnMut(&'a [u8]) -> Result<Vec<T>, InputError>,
) -> Result<Vec<T>, InputError> {
    match parse(json) {
        Ok(records) => Ok(records),
        Err(e) => match repair_lone_surrogates(json) {
            Some(repaired) => parse(fixed.insert(repaired)),
            None => Err(e),
        },
    }
}

/// JSON text with every lone UTF-16 surrogate escape (`\ud800` without its pair — which
/// `JSON.stringify` writes for a JS string holding one) replaced by `\ufffd`, or `None` when
/// there is none. serde_json rejects lone surrogates; a JS string may hold them.
pub fn repair_lone_surrogates(json: &[u8]) -> Option<Vec<u8>> {
    fn hex4(b: &[u8]) -> Option<u16> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'\\' {
            i += 1;
            continue;
        }
        if json.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        let Some(unit) = hex4(&json[(i + 2).min(json.len())..]) else {
            i += 2;
            continue;
        };
        let paired = (0xD800..0xDC00).contains(&unit)
            && json.get(i + 6..i + 8) == Some(b"\\u")
            && hex4(&json[(i + 8).min(json.len())..])
                .is_some_and(|low| (0xDC00..0xE000).contains(&low));
        if paired {
            i += 12;
        } else if (0xD800..0xE000).contains(&unit) {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(json.len()));
            buf.extend_from_slice(&json[copied..i]);
            buf.extend_from_slice(b"\\ufffd");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    out.map(|mut buf| {
        buf.extend_from_slice(&json[copied..]);
        buf
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogate_escapes_are_replaced_and_pairs_kept() {
        let json = br#"["a\ud800b", "\ud83d\ude00", "\\ud800", "\udc00", "\u00e9"]"#;
        let fixed = repair_lone_surrogates(json).unwrap();
        assert_eq!(
            std::str::from_utf8(&fixed).unwrap(),
            r#"["a\ufffdb", "\ud83d\ude00", "\\ud800", "\ufffd", "\u00e9"]"#
        );
        assert_eq!(repair_lone_surrogates(br#"["\ud83d\ude00", "x"]"#), None);
    }
}
