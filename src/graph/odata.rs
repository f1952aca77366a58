//! Putting untrusted text into Graph URLs: OData string literals (quotes doubled) and
//! percent-encoding of path segments and query values.

/// `value` as an OData string literal: `'o''neil@x.com'`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so a value can never change
/// the shape of a URL (no `/`, `?`, `&`, `#`, `+`, `%` or spaces get through).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_inside_literals() {
        assert_eq!(literal("o'neil@x.com"), "'o''neil@x.com'");
        assert_eq!(literal("' or 1 eq 1 or ''='"), "''' or 1 eq 1 or ''''='''");
    }

    #[test]
    fn encoding_leaves_no_url_syntax() {
        assert_eq!(encode("a+b c/d?e&f#g%h"), "a%2Bb%20c%2Fd%3Fe%26f%23g%25h");
        assert_eq!(encode("office@contoso.example"), "office%40contoso.example");
        assert_eq!(encode("é"), "%C3%A9");
    }
}
