//! Text values as they arrive in untrusted JSON: a string, a number or boolean taken as its
//! text, nothing (`null` or absent), or something that is not text at all (an object or
//! array). Parsing borrows from the input where it can, so a large load allocates little.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON value where text is expected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Text<'a> {
    /// Absent or `null`.
    #[default]
    Absent,
    /// A string, or a number/boolean rendered as text.
    Value(Cow<'a, str>),
    /// An object or an array: not text.
    Invalid,
}

impl<'a> Text<'a> {
    /// The text, or `""` when absent or invalid.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Value(s) => s,
            _ => "",
        }
    }

    /// The text with surrounding whitespace removed.
    pub fn trimmed(&self) -> &str {
        self.as_str().trim()
    }

    pub fn is_invalid(&self) -> bool {
        matches!(self, Text::Invalid)
    }

    /// True when there is no text, or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.trimmed().is_empty()
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::Value(Cow::Borrowed(s))
    }
}

/// Renders a JSON number the way JavaScript's `String(n)` does for the values that occur in
/// contact data (integers print without a fraction).
pub(crate) fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

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
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text::Value(Cow::Owned(v.to_string())))
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

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// An object key, borrowed from the input when it has no escapes.
pub(crate) struct Key<'a>(pub Cow<'a, str>);

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

/// Trims and collapses every run of inner whitespace to one space — the form in which two
/// values are compared. Borrows when the value is already in that form.
pub fn normalize_spaces(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    let mut prev_space = false;
    let clean = t.chars().all(|c| {
        let bad = c.is_whitespace() && (prev_space || c != ' ');
        prev_space = c.is_whitespace();
        !bad
    });
    if clean {
        return Cow::Borrowed(t);
    }
    let mut out = String::with_capacity(t.len());
    for word in t.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// True when the two values are equal after trimming and collapsing whitespace.
pub fn same_text(a: &str, b: &str) -> bool {
    a == b || normalize_spaces(a) == normalize_spaces(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Text<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_booleans_are_taken_as_their_text() {
        assert_eq!(parse("42").as_str(), "42");
        assert_eq!(parse("-7").as_str(), "-7");
        assert_eq!(parse("1.5").as_str(), "1.5");
        assert_eq!(parse("2.0").as_str(), "2");
        assert_eq!(parse("true").as_str(), "true");
    }

    #[test]
    fn objects_and_arrays_are_invalid_and_null_is_absent() {
        assert_eq!(parse(r#"{"a":[1,{"b":2}]}"#), Text::Invalid);
        assert_eq!(parse("[1,2]"), Text::Invalid);
        assert_eq!(parse("null"), Text::Absent);
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        assert!(matches!(
            parse(r#""plain""#),
            Text::Value(Cow::Borrowed("plain"))
        ));
        assert_eq!(parse(r#""a\"b""#).as_str(), "a\"b");
    }

    #[test]
    fn whitespace_is_trimmed_and_collapsed_for_comparison() {
        assert_eq!(normalize_spaces("  John \t  Smith "), "John Smith");
        assert!(matches!(normalize_spaces("John Smith"), Cow::Borrowed(_)));
        assert!(same_text("Leeds ", " Leeds"));
        assert!(!same_text("Leeds", "leeds"));
    }
}
