//! URL query handling: decoding, the OData options we support (`$top`, `$select`, `$filter`,
//! `$expand`, `$skiptoken`, `$deltatoken`) and the small `$filter` grammar Graph accepts here.

use crate::contact::{ext_key, PROPS};

/// Percent-decodes; `+` means a space (form encoding, as ASP.NET reads query strings), so an
/// address with a `+` must be sent as `%2B`.
pub fn decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k, true), decode(v, true)),
            None => (decode(p, true), String::new()),
        })
        .collect()
}

pub fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// The next page's URL: the same path and options, with `key=token` replacing any old one.
pub fn link(
    base: &str,
    path: &str,
    raw_query: &str,
    drop: &[&str],
    key: &str,
    token: &str,
) -> String {
    let mut parts: Vec<&str> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let k = decode(p.split('=').next().unwrap_or(""), true);
            !drop.iter().any(|d| k.eq_ignore_ascii_case(d))
        })
        .collect();
    let extra = format!("{key}={token}");
    parts.push(&extra);
    format!("{base}/{path}?{}", parts.join("&"))
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut lit = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string literal".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        lit.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        lit.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(lit));
        } else if "():,=".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"():,='".contains(chars[i]) {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

fn ident_is(t: &Tok, want: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(want))
}

/// A `$filter` we understand.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `emailAddresses/any(a:a/address eq '…')`; holds the lower-cased address.
    Email(String),
    /// `singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…')`; the value
    /// as written (matching compares it case-insensitively, as Graph does).
    Ext { key: String, value: String },
    /// `displayName eq '…'` (folders).
    DisplayName(String),
    /// `categories/any(c:c eq '…')`: a contact carrying the category (compared ignoring case).
    Category(String),
}

fn unsupported(s: &str) -> String {
    format!("Invalid filter clause: the query filter '{s}' is not supported.")
}

pub fn parse_filter(s: &str) -> Result<Filter, String> {
    let t = tokenize(s)?;
    // emailAddresses/any ( v : v/address eq 'x' )
    if t.len() == 8
        && ident_is(&t[0], "emailAddresses/any")
        && t[1] == Tok::Punct('(')
        && t[3] == Tok::Punct(':')
        && ident_is(&t[5], "eq")
        && t[7] == Tok::Punct(')')
    {
        if let (Tok::Ident(v), Tok::Ident(p), Tok::Str(lit)) = (&t[2], &t[4], &t[6]) {
            if p.eq_ignore_ascii_case(&format!("{v}/address")) {
                return Ok(Filter::Email(lit.to_lowercase()));
            }
        }
    }
    // singleValueExtendedProperties/any ( v : v/id eq 'x' and v/value eq 'y' )
    if t.len() == 12
        && ident_is(&t[0], "singleValueExtendedProperties/any")
        && t[1] == Tok::Punct('(')
        && t[3] == Tok::Punct(':')
        && ident_is(&t[5], "eq")
        && ident_is(&t[7], "and")
        && ident_is(&t[9], "eq")
        && t[11] == Tok::Punct(')')
    {
        if let (Tok::Ident(v), Tok::Ident(p1), Tok::Str(id), Tok::Ident(p2), Tok::Str(val)) =
            (&t[2], &t[4], &t[6], &t[8], &t[10])
        {
            if p1.eq_ignore_ascii_case(&format!("{v}/id"))
                && p2.eq_ignore_ascii_case(&format!("{v}/value"))
            {
                let key = ext_key(id)
                    .ok_or_else(|| format!("The extended property id '{id}' is not valid."))?;
                return Ok(Filter::Ext {
                    key,
                    value: val.clone(),
                });
            }
        }
    }
    // categories/any ( v : v eq 'x' )
    if t.len() == 8
        && ident_is(&t[0], "categories/any")
        && t[1] == Tok::Punct('(')
        && t[3] == Tok::Punct(':')
        && ident_is(&t[5], "eq")
        && t[7] == Tok::Punct(')')
    {
        if let (Tok::Ident(v), Tok::Ident(p), Tok::Str(lit)) = (&t[2], &t[4], &t[6]) {
            if p == v {
                return Ok(Filter::Category(lit.clone()));
            }
        }
    }
    if t.len() == 3 && ident_is(&t[0], "displayName") && ident_is(&t[1], "eq") {
        if let Tok::Str(lit) = &t[2] {
            return Ok(Filter::DisplayName(lit.clone()));
        }
    }
    Err(unsupported(s))
}

/// `$expand=singleValueExtendedProperties($filter=id eq '…')` → `Some(key)`; without a filter
/// → `None` (all of them).
pub fn parse_expand(s: &str) -> Result<Option<String>, String> {
    let t = tokenize(s)?;
    if t.len() == 1 && ident_is(&t[0], "singleValueExtendedProperties") {
        return Ok(None);
    }
    if t.len() == 8
        && ident_is(&t[0], "singleValueExtendedProperties")
        && t[1] == Tok::Punct('(')
        && ident_is(&t[2], "$filter")
        && t[3] == Tok::Punct('=')
        && ident_is(&t[4], "id")
        && ident_is(&t[5], "eq")
        && t[7] == Tok::Punct(')')
    {
        if let Tok::Str(id) = &t[6] {
            return ext_key(id)
                .map(Some)
                .ok_or_else(|| format!("The extended property id '{id}' is not valid."));
        }
    }
    Err(format!(
        "Parsing OData Select and Expand failed: '{s}' is not supported."
    ))
}

const SERVER_PROPS: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "parentFolderId",
];

/// `$select=a,b` → canonical property names; unknown names → error, as Graph does.
pub fn parse_select(s: &str) -> Result<Vec<String>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            PROPS
                .iter()
                .map(|(n, _)| *n)
                .chain(SERVER_PROPS.iter().copied())
                .find(|n| n.eq_ignore_ascii_case(p))
                .map(str::to_string)
                .ok_or_else(|| {
                    format!(
                        "Could not find a property named '{p}' on type 'microsoft.graph.contact'."
                    )
                })
        })
        .collect()
}

pub fn parse_top(s: Option<&str>, default: usize, max: usize) -> Result<usize, String> {
    match s {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n.min(max)),
            _ => Err(format!(
                "Invalid $top value '{v}': expected a positive integer."
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_filter_undoubles_quotes_and_lowercases() {
        assert_eq!(
            parse_filter("emailAddresses/any(a:a/address eq 'O''Neil@X.com')"),
            Ok(Filter::Email("o'neil@x.com".into()))
        );
        assert_eq!(
            parse_filter("emailAddresses/Any( x: x/address  eq 'a@b.c' )"),
            Ok(Filter::Email("a@b.c".into()))
        );
    }

    #[test]
    fn ext_filter_and_expand_parse() {
        let id = "String {3cceee99-16d4-4ae2-ad04-488106d3074b} Name CentralContactId";
        let f = parse_filter(&format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq '{id}' and ep/value eq 'C-1')"
        ))
        .unwrap();
        assert_eq!(
            f,
            Filter::Ext {
                key: ext_key(id).unwrap(),
                value: "C-1".into()
            }
        );
        assert_eq!(
            parse_expand(&format!(
                "singleValueExtendedProperties($filter=id eq '{id}')"
            )),
            Ok(Some(ext_key(id).unwrap()))
        );
    }

    #[test]
    fn category_filter_parses() {
        assert_eq!(
            parse_filter("categories/any(c:c eq 'Central O''Contact')"),
            Ok(Filter::Category("Central O'Contact".into()))
        );
        assert!(parse_filter("categories/any(c:x eq 'A')").is_err());
    }

    #[test]
    fn other_filters_are_rejected() {
        assert!(parse_filter("givenName eq 'x'").is_err());
        assert!(parse_filter("emailAddresses/any(a:a/name eq 'x')").is_err());
    }

    #[test]
    fn decode_handles_plus_and_percent() {
        assert_eq!(decode("a+b%2Bc%27", true), "a b+c'");
        assert_eq!(decode("100%", true), "100%");
    }
}
