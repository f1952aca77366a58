//! Email addresses: the normal form used for matching (trim, Unicode NFC, lowercase — Exchange
//! matches addresses case-insensitively) and the check that a value is one plain address.

use std::borrow::Cow;

use super::text::trim;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// The form in which two addresses are compared: trimmed, NFC, lowercased.
///
/// ```
/// use central_o365_sync::engine::email::normalize;
/// assert_eq!(normalize("  John.Smith@Outlook.COM "), "john.smith@outlook.com");
/// ```
pub fn normalize(address: &str) -> Cow<'_, str> {
    let t = trim(address);
    if t.is_ascii() {
        if t.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(t.to_ascii_lowercase());
        }
        return Cow::Borrowed(t);
    }
    let nfc: String = match is_nfc_quick(t.chars()) {
        IsNormalized::Yes => t.to_owned(),
        _ => t.nfc().collect(),
    };
    Cow::Owned(nfc.to_lowercase())
}

/// True when two addresses are the same for Exchange.
pub fn same_address(a: &str, b: &str) -> bool {
    a == b || normalize(a) == normalize(b)
}

/// True when `value` (already trimmed) is a single plain address `local@domain`: no display-name
/// form, no whitespace, exactly one `@`, an unquoted dot-atom local part of at most 64 octets,
/// a domain of at most 255 octets with at least two labels, each 1–63 octets of letters,
/// digits and inner hyphens (non-ASCII letters allowed, as in internationalised addresses), a
/// top-level label that is not all digits, and at most 254 octets in all (RFC 5321).
pub fn is_plain_address(value: &str) -> bool {
    if value.is_empty() || value.len() > 254 {
        return false;
    }
    if value.is_ascii() {
        return is_plain_ascii_address(value.as_bytes());
    }
    is_plain_address_general(value)
}

/// [`is_plain_address`] for an ASCII value, in one pass over its bytes.
fn is_plain_ascii_address(b: &[u8]) -> bool {
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    const SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.split(|&c| c == b'.').all(|atom| {
            !atom.is_empty()
                && atom
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        });
    if !local_ok || domain.len() > 255 {
        return false;
    }
    let (mut labels, mut tld_all_digits) = (0, true);
    for label in domain.split(|&c| c == b'.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
            && label
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-');
        if !ok {
            return false;
        }
        labels += 1;
        tld_all_digits = label.iter().all(u8::is_ascii_digit);
    }
    labels >= 2 && !tld_all_digits
}

/// [`is_plain_address`] for any value.
fn is_plain_address_general(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    if domain.contains('@') {
        return false;
    }
    valid_local_part(local) && valid_domain(domain)
}

fn valid_local_part(local: &str) -> bool {
    if local.is_empty() || local.len() > 64 {
        return false;
    }
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom.chars().all(|c| {
                c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || is_utf8_letter(c)
            })
    })
}

fn valid_domain(domain: &str) -> bool {
    if domain.len() > 255 {
        return false;
    }
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || is_utf8_letter(c))
    });
    labels_ok && !tld.chars().all(|c| c.is_ascii_digit())
}

/// Non-ASCII characters that may appear in an internationalised address (RFC 6531): anything
/// but whitespace, controls and invisible formatting characters.
fn is_utf8_letter(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !is_invisible(c)
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_trims_lowercases_and_composes() {
        assert_eq!(normalize(" A@B.COM "), "a@b.com");
        // "e" + combining acute accent composes to "é" before lowercasing.
        assert_eq!(normalize("Ze\u{301}@X.FR"), "z\u{e9}@x.fr");
        assert!(same_address("Jos\u{e9}@x.fr", "JOSE\u{301}@X.FR"));
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_general_check() {
        // Random short strings over the characters that matter, and mutations of good ones.
        let alphabet = b"ab9Z@.-_+!\" <>[]()'~,;:\\\t";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in 0..300_000 {
            let len = (next() % 24) as usize;
            let mut s: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if n % 3 == 0 {
                s = b"first.last@sub.example.org".to_vec();
                let at = (next() % s.len() as u64) as usize;
                s[at] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
            let s = String::from_utf8(s).unwrap();
            assert_eq!(
                is_plain_ascii_address(s.as_bytes()),
                is_plain_address_general(&s),
                "{s:?}"
            );
        }
        for long in [
            format!("{}@example.com", "a".repeat(64)),
            format!("{}@example.com", "a".repeat(65)),
            format!("a@{}.com", "b".repeat(63)),
            format!("a@{}.com", "b".repeat(64)),
            "a@b.123".to_owned(),
            "a@b.12a".to_owned(),
        ] {
            assert_eq!(
                is_plain_ascii_address(long.as_bytes()),
                is_plain_address_general(&long),
                "{long}"
            );
        }
    }

    #[test]
    fn plain_addresses_are_accepted() {
        for ok in [
            "john@outlook.com",
            "o'neil@example.co.uk",
            "first.last+tag@sub.example.org",
            "user@xn--bcher-kva.example",
            "jos\u{e9}@exampl\u{e9}.fr",
            "a@b.io",
        ] {
            assert!(is_plain_address(ok), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_total = format!(
            "{}@{}.com",
            "a".repeat(64),
            vec!["b".repeat(60); 4].join(".")
        );
        for bad in [
            "John Smith <john@outlook.com>",
            "john smith@outlook.com",
            "john@@outlook.com",
            "john@a@outlook.com",
            "john@localhost",
            "john.outlook.com",
            "@outlook.com",
            "john@",
            ".john@outlook.com",
            "john.@outlook.com",
            "jo..hn@outlook.com",
            "john@-outlook.com",
            "john@outlook-.com",
            "john@outlook..com",
            "john@192.168.0.1",
            "john@[192.168.0.1]",
            "\"john\"@outlook.com",
            "john\u{200B}@outlook.com",
            long_local.as_str(),
            long_label.as_str(),
            long_total.as_str(),
        ] {
            assert!(!is_plain_address(bad), "{bad}");
        }
    }
}
