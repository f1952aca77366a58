//! The single-pass readers behind `parse_central`/`parse_outlook` against the serde_json reading
//! they replaced (`parse_*_serde` of `tests/oracle/`, behind `parse_lenient`, which repairs the
//! lone surrogate escapes serde_json rejects): on arbitrary JSON — known keys mixed with random
//! ones, values of every shape, escapes, random whitespace — both must give the same records,
//! and on broken JSON both must fail.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../benches/fixture.rs"]
#[allow(dead_code)]
mod fixture;
mod oracle;

use std::borrow::Cow;
use std::fmt::Write as _;

use central_o365_sync::engine::input::{CentralContact, OutlookContact};
use central_o365_sync::engine::text::Text;
use central_o365_sync::engine::{parse_central, parse_outlook, InputError, CENTRAL_ID_PROPERTY};
use oracle::serde_reader::{parse_central_serde, parse_lenient, parse_outlook_serde, text_serde};
use proptest::prelude::*;

/// The reader and the reference agree on `json`: the same records, or both an error (with the
/// same prefix). Returns whether it was read.
fn agree<'a, T: PartialEq + std::fmt::Debug + 'a>(
    json: &'a [u8],
    fixed: &'a mut Option<Vec<u8>>,
    new: fn(&'a [u8]) -> Result<Vec<T>, InputError>,
    reference: fn(&'a [u8]) -> Result<Vec<T>, InputError>,
) -> Result<bool, TestCaseError> {
    let got = new(json);
    let want = parse_lenient(json, fixed, reference);
    let text = String::from_utf8_lossy(json);
    match (&got, &want) {
        (Ok(a), Ok(b)) => {
            prop_assert_eq!(a, b, "records differ for {}", text);
            Ok(true)
        }
        (Err(a), Err(b)) => {
            let prefix = |m: &str| m.split(':').next().unwrap_or("").to_owned();
            prop_assert_eq!(prefix(&a.message), prefix(&b.message), "for {}", text);
            Ok(false)
        }
        _ => Err(TestCaseError::fail(format!(
            "reader {:?} but serde {:?} for {text}",
            got.as_ref().map(Vec::len).map_err(|e| &e.message),
            want.as_ref().map(Vec::len).map_err(|e| &e.message),
        ))),
    }
}

/// Whether Central and Outlook read `json` (after checking each agrees with its reference).
fn agree_both(json: &[u8]) -> Result<(bool, bool), TestCaseError> {
    let (mut fixed_c, mut fixed_o) = (None, None);
    let c = agree::<CentralContact>(json, &mut fixed_c, parse_central, parse_central_serde)?;
    let o = agree::<OutlookContact>(json, &mut fixed_o, parse_outlook, parse_outlook_serde)?;
    Ok((c, o))
}

// ---- Arbitrary JSON, serialized by hand so that escapes, number spellings and whitespace
// ---- vary freely.

#[derive(Debug, Clone)]
enum J {
    Null,
    Bool(bool),
    /// A number as written (always valid JSON grammar; possibly out of the range of f64).
    Num(String),
    /// A string's content as written between the quotes (escapes included).
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

const KNOWN_KEYS: &[&str] = &[
    // Central
    "id",
    "status",
    "title",
    "firstName",
    "lastName",
    "email",
    "mobile",
    "telephone",
    "website",
    "homeAddress",
    "businessAddress",
    "line1",
    "line2",
    "line3",
    "town",
    "county",
    "country",
    "postcode",
    // Outlook
    "givenName",
    "surname",
    "displayName",
    "mobilePhone",
    "businessHomePage",
    "emailAddresses",
    "businessPhones",
    "singleValueExtendedProperties",
    "name",
    "address",
    "street",
    "city",
    "state",
    "countryOrRegion",
    "postalCode",
    "value",
    "@odata.etag",
];

/// JSON string content for `s`, escaping what must be escaped and, where `escape_all`, every
/// character (as `\uXXXX`, surrogate pairs for astral ones).
fn escape(s: &str, escape_all: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if escape_all || (c as u32) < 0x20 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A key: mostly a known one (sometimes with one character written as an escape), else random.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(KNOWN_KEYS).prop_map(|k| k.to_owned()),
        2 => (prop::sample::select(KNOWN_KEYS), any::<prop::sample::Index>(), any::<bool>())
            .prop_map(|(k, i, upper)| {
                let at = i.index(k.len());
                let c = k.as_bytes()[at];
                let esc = if upper { format!("\\u{:04X}", c) } else { format!("\\u{:04x}", c) };
                format!("{}{}{}", &k[..at], esc, &k[at + 1..])
            }),
        1 => string_content(),
        // Near misses: a known key with different case or a space.
        1 => prop::sample::select(KNOWN_KEYS).prop_map(|k| k.to_uppercase()),
        1 => prop::sample::select(KNOWN_KEYS).prop_map(|k| format!("{k} ")),
    ]
}

/// Pieces of string content: plain text (ASCII, Unicode, whitespace), every simple escape,
/// `\u` escapes of any unit (including lone and paired surrogates).
fn string_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(&[
            "John", "  Ann ", "Leeds", "a@x.com", " ", "\u{a0}", "\u{2003}", "Zoë", "日本", "😀",
            "O'Neil", "C-1", "", "x", "active", " Active ", "\u{7f}", "\u{fffd}", "é",
        ][..]).prop_map(str::to_owned),
        2 => prop::sample::select(&[
            "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0020", "\\u00e9",
            "\\u00E9", "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\u0000", "\\u001f", "\\u2028",
        ][..]).prop_map(str::to_owned),
        1 => any::<u16>().prop_map(|u| format!("\\u{u:04x}")),
        1 => (0xD800u16..0xE000).prop_map(|u| format!("\\u{u:04X}")),
        1 => any::<char>().prop_map(|c| escape(&c.to_string(), false)),
        1 => any::<char>().prop_map(|c| escape(&c.to_string(), true)),
        1 => "[ -~]{0,12}".prop_map(|s| escape(&s, false)),
    ]
}

fn string_content() -> impl Strategy<Value = String> {
    prop::collection::vec(string_piece(), 0..5).prop_map(|v| v.concat())
}

/// Our extended property's id, as Graph may spell it, and near misses.
fn property_id() -> impl Strategy<Value = String> {
    let lower = CENTRAL_ID_PROPERTY.to_owned();
    let upper_guid = CENTRAL_ID_PROPERTY.replace(
        "3cceee99-16d4-4ae2-ad04-488106d3074b",
        "3CCEEE99-16D4-4AE2-AD04-488106D3074B",
    );
    prop_oneof![
        Just(lower.clone()),
        Just(upper_guid),
        Just(format!("  {lower} ")),
        Just(CENTRAL_ID_PROPERTY.replace("Name", "name")),
        Just(CENTRAL_ID_PROPERTY.replace("CentralContactId", "centralcontactid")),
        Just(escape(&lower, true)),
        Just("String {00000000-0000-0000-0000-000000000000} Name Other".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (any::<bool>(), "(0|[1-9][0-9]{0,8})", prop::option::of("[0-9]{1,6}"),
              prop::option::of(("[eE]", "[+-]?", "[0-9]{1,2}")))
            .prop_map(|(neg, int, frac, exp)| {
                let mut s = String::new();
                if neg { s.push('-') }
                s.push_str(&int);
                if let Some(f) = frac { s.push('.'); s.push_str(&f) }
                if let Some((e, sign, d)) = exp { s.push_str(&e); s.push_str(&sign); s.push_str(&d) }
                s
            }),
        1 => prop::sample::select(&[
            "0", "-0", "-0.0", "1e400", "-1e400", "1e-400", "18446744073709551616",
            "18446744073709551615", "-9223372036854775808", "-9223372036854775809",
            "1.5e300", "123456789012345678901234567890", "0.000001", "1e-7", "1e21", "1e20",
            "9007199254740993", "1.7976931348623157e308", "1.7976931348623159e308", "5e-324",
            "2.4703282292062327e-324", "0.1e1", "1E+2", "0e999999999999", "1e-999999999999",
            "1e999999999999",
        ][..]).prop_map(str::to_owned),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        1 => any::<i64>().prop_map(|i| i.to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = J> {
    prop_oneof![
        2 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        2 => number().prop_map(J::Num),
        6 => string_content().prop_map(J::Str),
        1 => property_id().prop_map(J::Str),
    ]
}

fn value() -> impl Strategy<Value = J> {
    scalar().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Arr),
            prop::collection::vec((key(), inner), 0..7).prop_map(J::Obj),
        ]
    })
}

/// A record: mostly an object (so that records are read), rarely anything else (an error).
fn record() -> impl Strategy<Value = J> {
    prop_oneof![
        20 => prop::collection::vec((key(), value()), 0..12).prop_map(J::Obj),
        1 => value(),
    ]
}

fn document() -> impl Strategy<Value = J> {
    prop::collection::vec(record(), 0..6).prop_map(J::Arr)
}

const SPACES: &[&str] = &["", "", "", "", " ", "\n", "\t", "\r\n  ", "  ", " \t\n\r "];

/// Writes `j`, with whitespace drawn in turn from `ws` (indices into `SPACES`) at every place
/// JSON allows it.
fn write_json(j: &J, ws: &[usize], out: &mut String) {
    fn space(ws: &[usize], n: &mut usize, out: &mut String) {
        if !ws.is_empty() {
            out.push_str(SPACES[ws[*n % ws.len()] % SPACES.len()]);
            *n += 1;
        }
    }
    fn go(j: &J, ws: &[usize], n: &mut usize, out: &mut String) {
        space(ws, n, out);
        match j {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(s) => out.push_str(s),
            J::Str(s) => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    go(item, ws, n, out);
                }
                space(ws, n, out);
                out.push(']');
            }
            J::Obj(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    space(ws, n, out);
                    out.push('"');
                    out.push_str(k);
                    out.push('"');
                    space(ws, n, out);
                    out.push(':');
                    go(v, ws, n, out);
                }
                space(ws, n, out);
                out.push('}');
            }
        }
        space(ws, n, out);
    }
    let mut n = 0;
    go(j, ws, &mut n, out);
}

fn text_of(j: &J, ws: &[usize]) -> String {
    let mut s = String::new();
    write_json(j, ws, &mut s);
    s
}

/// A change to JSON text: a byte deleted, inserted or replaced, or the text cut short.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, u8),
    Replace(prop::sample::Index, u8),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        4 => prop::sample::select(&b"\"\\,:[]{}0-.eE+ntfu \x01\x1f\x7fx"[..]),
        1 => any::<u8>(),
    ];
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
        (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), byte).prop_map(|(i, b)| Mutation::Replace(i, b)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(text: &mut Vec<u8>, m: &Mutation) {
    if text.is_empty() {
        return;
    }
    match m {
        Mutation::Delete(i) => {
            text.remove(i.index(text.len()));
        }
        Mutation::Insert(i, b) => text.insert(i.index(text.len() + 1), *b),
        Mutation::Replace(i, b) => {
            let at = i.index(text.len());
            text[at] = *b;
        }
        Mutation::Truncate(i) => text.truncate(i.index(text.len())),
    }
}

proptest! {
    // PROPTEST_CASES raises the count for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2048),
        ..ProptestConfig::default()
    })]

    /// Arbitrary arrays of records, with random whitespace: the same records (or both errors)
    /// for Central and for Outlook.
    #[test]
    fn reader_matches_serde_on_arbitrary_records(
        doc in document(),
        ws in prop::collection::vec(0..SPACES.len(), 0..24),
    ) {
        agree_both(text_of(&doc, &ws).as_bytes())?;
    }

    /// Records built from the shapes the readers look for (addresses, lists of emails and of
    /// extended properties with our id), so that those paths are taken often.
    #[test]
    fn reader_matches_serde_on_shaped_records(
        records in prop::collection::vec(shaped_record(), 0..5),
        ws in prop::collection::vec(0..SPACES.len(), 0..8),
    ) {
        let text = text_of(&J::Arr(records), &ws);
        let (c, o) = agree_both(text.as_bytes())?;
        // Shaped records are always valid JSON; only numbers out of range make them errors.
        if !text.contains("e400") && !text.contains("e308") && !text.contains("e999999999999")
            && !text.contains("1234567890123456789012345678901234567890") {
            prop_assert!(c && o, "not read: {}", text);
        }
    }

    /// Broken text — a byte deleted, inserted or changed, or the text cut short, up to three
    /// times — is an error for both or read the same by both.
    #[test]
    fn reader_matches_serde_on_mutated_text(
        doc in document(),
        ws in prop::collection::vec(0..SPACES.len(), 0..8),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut text = text_of(&doc, &ws).into_bytes();
        for m in &mutations {
            mutate(&mut text, m);
        }
        agree_both(&text)?;
    }
}

/// A record whose known keys hold values of the shape the readers look for, mixed with values
/// of any shape.
fn shaped_record() -> impl Strategy<Value = J> {
    let address = prop::collection::vec((key(), scalar()), 0..8).prop_map(J::Obj);
    let email = prop::collection::vec(
        (
            prop::sample::select(&["name", "address", "x"][..]).prop_map(str::to_owned),
            scalar(),
        ),
        0..3,
    )
    .prop_map(J::Obj);
    let property = (property_id(), scalar(), any::<bool>()).prop_map(|(id, v, dup)| {
        let mut e = vec![
            ("id".to_owned(), J::Str(id)),
            ("value".to_owned(), v.clone()),
        ];
        if dup {
            e.push(("value".to_owned(), J::Str("  ".to_owned())));
        }
        J::Obj(e)
    });
    let list = |item: BoxedStrategy<J>| {
        prop_oneof![
            6 => prop::collection::vec(prop_oneof![6 => item, 1 => value()], 0..4).prop_map(J::Arr),
            1 => value(),
        ]
    };
    let field = prop_oneof![
        3 => (prop::sample::select(&["homeAddress", "businessAddress"][..]), prop_oneof![4 => address, 1 => value()])
            .prop_map(|(k, v)| (k.to_owned(), v)),
        2 => list(email.boxed()).prop_map(|v| ("emailAddresses".to_owned(), v)),
        2 => list(scalar().boxed()).prop_map(|v| ("businessPhones".to_owned(), v)),
        3 => list(property.boxed()).prop_map(|v| ("singleValueExtendedProperties".to_owned(), v)),
        6 => (key(), scalar()),
        1 => (key(), value()),
    ];
    prop::collection::vec(field, 0..14).prop_map(J::Obj)
}

// ---- Fixed cases.

/// A text value as the reference reads it.
fn parse(json: &str) -> Text<'_> {
    text_serde(json).unwrap()
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
fn numbers_read_as_javascript_string_of_the_number() {
    for (json, js) in [
        ("0", "0"),
        ("-0.0", "0"),
        ("123456789", "123456789"),
        ("0.1", "0.1"),
        ("-1.25", "-1.25"),
        ("1e21", "1e+21"),
        ("1.5e300", "1.5e+300"),
        ("123456789012345678901", "123456789012345680000"),
        ("1e20", "100000000000000000000"),
        ("18446744073709551616", "18446744073709552000"),
        ("18446744073709551615", "18446744073709552000"),
        ("-9007199254740993", "-9007199254740992"),
        ("0.000001", "0.000001"),
        ("1e-7", "1e-7"),
        ("-2.5e-8", "-2.5e-8"),
        ("44.0", "44"),
    ] {
        assert_eq!(parse(json).as_str(), js, "{json}");
    }
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
fn duplicate_keys_take_the_last_value_and_the_first_matching_property_wins() {
    let json = format!(
        r#"[{{"id":"A","id":" B ","homeAddress":{{"town":"X"}},"homeAddress":null,
            "emailAddresses":[{{"address":"a@x"}}],"emailAddresses":{{}},
            "singleValueExtendedProperties":[{{"id":"{p}","value":"C-1"}}],
            "singleValueExtendedProperties":[{{"id":"x","value":"C-0"}},{{"id":"{p}","value":" "}},{{"id":"{p}","value":"C-2"}}]}},
           {{"singleValueExtendedProperties":[{{"id":"{p}","value":"C-3"}},{{"id":"{p}","value":"C-4"}}]}}]"#,
        p = CENTRAL_ID_PROPERTY
    );
    assert_eq!(agree_both(json.as_bytes()).unwrap(), (true, true));
    let c = parse_central(json.as_bytes()).unwrap();
    assert_eq!(c[0].id.as_str(), "B");
    let o = parse_outlook(json.as_bytes()).unwrap();
    assert_eq!(o[0].id.as_str(), " B ");
    assert!(o[0].email_addresses.is_empty());
    assert_eq!(o[0].central_id, None);
    assert_eq!(o[1].central_id.as_deref(), Some("C-3"));
}

#[test]
fn escaped_keys_match_known_keys() {
    let json = br#"[{"fir\u0073tName":"A","\u0069d":"I","homeAddr\u0065ss":{"t\u006Fwn":"T"},
        "given\u004eame":"G","emailAddresse\u0073":[{"addre\u0073s":"e@x"}]}]"#;
    assert_eq!(agree_both(json).unwrap(), (true, true));
    let c = parse_central(json).unwrap();
    assert_eq!((c[0].first_name.as_str(), c[0].id.as_str()), ("A", "I"));
    let o = parse_outlook(json).unwrap();
    assert_eq!(
        (o[0].given_name.as_str(), o[0].primary_email()),
        ("G", "e@x")
    );
}

#[test]
fn lone_surrogates_read_as_replacement_without_repair() {
    let json = br#"[{"id":"a\ud800","firstName":"\udc00b","\ud800":"\ud800","givenName":"\ud83d\ude00\ud83d"}]"#;
    assert_eq!(agree_both(json).unwrap(), (true, true));
    // The reference needs the repair; the reader does not.
    assert!(parse_central_serde(json).is_err());
    let c = parse_central(json).unwrap();
    assert_eq!(c[0].id.as_str(), "a\u{fffd}");
    assert_eq!(c[0].first_name.as_str(), "\u{fffd}b");
    let o = parse_outlook(json).unwrap();
    assert_eq!(o[0].given_name.as_str(), "😀\u{fffd}");
}

#[test]
fn numbers_out_of_range_fail_where_read_and_pass_where_skipped() {
    // (text, read by Central, read by Outlook): each reads the other's keys as unknown, so
    // skips them.
    for (json, central, outlook) in [
        (r#"[{"id":1e400}]"#, false, false),
        (r#"[{"homeAddress":1e400}]"#, false, false),
        (r#"[{"homeAddress":{"town":-1e400}}]"#, false, true),
        (r#"[{"homeAddress":{"city":-1e400}}]"#, true, false),
        (r#"[{"emailAddresses":[1e400]}]"#, true, false),
        (r#"[{"emailAddresses":1e400}]"#, true, false),
        (r#"[{"emailAddresses":[{"address":1e400}]}]"#, true, false),
        (r#"[{"businessPhones":[1e400]}]"#, true, false),
        (
            r#"[{"singleValueExtendedProperties":[{"value":1e400}]}]"#,
            true,
            false,
        ),
        (r#"[{"other":1e400}]"#, true, true),
        (r#"[{"id":[1e400]}]"#, true, true),
        (r#"[{"id":{"a":1e400}}]"#, true, true),
        (r#"[{"homeAddress":[1e400]}]"#, true, true),
        (r#"[{"emailAddresses":{"a":1e400}}]"#, true, true),
        (r#"[{"emailAddresses":[[1e400]]}]"#, true, true),
        (r#"[{"emailAddresses":[{"x":1e400}]}]"#, true, true),
    ] {
        assert_eq!(
            agree_both(json.as_bytes()).unwrap(),
            (central, outlook),
            "{json}"
        );
    }
}

#[test]
fn deep_nesting_is_read_without_overflow_and_as_serde_reads_it() {
    // serde_json only recurses into the record shapes (at most five levels); values it skips
    // or reads as text nest to any depth. So must the reader.
    for depth in [10, 127, 128, 129, 1000, 100_000] {
        let deep = format!("{}0{}", "[{\"a\":".repeat(depth), "}]".repeat(depth));
        for field in [
            "other",
            "id",
            "homeAddress",
            "emailAddresses",
            "businessPhones",
        ] {
            let json = format!(r#"[{{"{field}":{deep}}}]"#);
            assert_eq!(
                agree_both(json.as_bytes()).unwrap(),
                (true, true),
                "{field} {depth}"
            );
            let json = format!(r#"[{{"{field}":[{{"x":{deep}}}]}}]"#);
            assert_eq!(
                agree_both(json.as_bytes()).unwrap(),
                (true, true),
                "{field} {depth}"
            );
        }
        let unclosed = format!(r#"[{{"other":{}}}]"#, "[".repeat(depth));
        assert_eq!(agree_both(unclosed.as_bytes()).unwrap(), (false, false));
    }
}

#[test]
fn broken_documents_are_errors_for_both() {
    for json in [
        "",
        " ",
        "{}",
        "[1]",
        "[null]",
        "[[]]",
        "[{}",
        "[{}]x",
        "[{},]",
        "[{}{}]",
        "[{\"a\":1,}]",
        "[{\"a\":01}]",
        "[{\"a\":\"\t\"}]",
        "[{\"a\":\"\\x\"}]",
        "[{\"a\" 1}]",
        "[{a:1}]",
        "\u{feff}[]",
        "[{\"a\":tru}]",
        "[{\"a\":[1,]}]",
        "[{\"a\":{\"b\":1]}]",
        "[}",
        "nul",
    ] {
        assert_eq!(
            agree_both(json.as_bytes()).unwrap(),
            (false, false),
            "{json:?}"
        );
    }
    // Invalid UTF-8, anywhere.
    for json in [
        &b"[{\"id\":\"\xff\"}]"[..],
        b"\xc3[]",
        b"[{\"\xed\xa0\x80\":1}]",
    ] {
        assert_eq!(agree_both(json).unwrap(), (false, false));
        assert!(parse_central(json)
            .unwrap_err()
            .message
            .starts_with("Central contacts must be UTF-8 JSON text: "));
    }
    let e = parse_outlook(b"[{\"id\":1},\n {\"id\" 2}]").unwrap_err();
    assert_eq!(
        e.message,
        "Outlook contacts must be a JSON array of objects: expected ':' at line 2 column 8 (byte offset 18)"
    );
}

#[test]
fn the_bench_fixture_reads_the_same() {
    let (c_values, o_values) = fixture::fixture(3000);
    // The same records as the bench writes them (keys in Central's and Graph's order).
    let central_text = fixture::to_json(&c_values, fixture::CENTRAL_ORDER);
    let outlook_text = fixture::to_json(&o_values, fixture::GRAPH_ORDER);
    let central = serde_json::to_vec_pretty(&c_values).unwrap();
    let outlook = serde_json::to_vec(&o_values).unwrap();
    let c = parse_central(&central).unwrap();
    assert_eq!(c, parse_central_serde(&central).unwrap());
    assert_eq!(c.len(), 3000);
    let o = parse_outlook(&outlook).unwrap();
    assert_eq!(o, parse_outlook_serde(&outlook).unwrap());
    assert!(o.iter().any(|o| o.central_id.is_some()));
    // Written as Central and Graph write it, keys in their order: the same records.
    assert_ne!(central_text, serde_json::to_vec(&c_values).unwrap());
    assert_eq!(parse_central(&central_text).unwrap(), c);
    assert_eq!(parse_outlook(&outlook_text).unwrap(), o);
}

/// Timing, not a check: `cargo test --release --test json_reader_props -- --ignored --nocapture`.
/// Runs the reader and the serde reference alternately, so both see the same machine load.
#[test]
#[ignore]
fn time_reader_against_serde() {
    use std::time::{Duration, Instant};
    let n = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (central, outlook) = fixture::fixture_json(n);
    macro_rules! time {
        ($parse:expr, $json:expr, $runs:expr) => {{
            let t = Instant::now();
            let v = $parse($json).unwrap();
            $runs.push(t.elapsed());
            drop(std::hint::black_box(v));
        }};
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    let (mut rc, mut ro, mut sc, mut so): (
        Vec<Duration>,
        Vec<Duration>,
        Vec<Duration>,
        Vec<Duration>,
    ) = (vec![], vec![], vec![], vec![]);
    for _ in 0..9 {
        time!(parse_central, &central, rc);
        time!(parse_central_serde, &central, sc);
        time!(parse_outlook, &outlook, ro);
        time!(parse_outlook_serde, &outlook, so);
    }
    let (rc, ro, sc, so) = (median(rc), median(ro), median(sc), median(so));
    println!(
        "central: reader {rc:.1} ms, serde {sc:.1} ms ({:.2}x); outlook: reader {ro:.1} ms, \
         serde {so:.1} ms ({:.2}x); both: {:.1} vs {:.1} ms ({:.2}x)",
        sc / rc,
        so / ro,
        rc + ro,
        sc + so,
        (sc + so) / (rc + ro)
    );
}
