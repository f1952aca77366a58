//! Text values as they arrive in untrusted JSON: a string, a number or boolean taken as its
//! text, nothing (`null` or absent), or something that is not text at all (an object or
//! array). Parsing borrows from the input where it can, so a large load allocates little.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

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
        trim(self.as_str())
    }

    /// The same value with surrounding whitespace removed (borrowed values stay borrowed).
    pub fn trim(self) -> Self {
        match self {
            Text::Value(Cow::Borrowed(s)) => Text::Value(Cow::Borrowed(trim(s))),
            Text::Value(Cow::Owned(s)) if trim(&s).len() != s.len() => {
                Text::Value(Cow::Owned(trim(&s).to_owned()))
            }
            other => other,
        }
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

/// `s` without surrounding whitespace: `str::trim`, with a fast path for the usual value that
/// starts and ends with a printable ASCII character (no Unicode whitespace can be there).
#[inline]
pub fn trim(s: &str) -> &str {
    let plain = |b: u8| b > b' ' && b < 0x7f;
    match s.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => s,
        [only] if plain(*only) => s,
        _ => s.trim(),
    }
}

/// `a == b`, comparing eight bytes at a time. Slice equality calls `memcmp`, which in wasm is
/// a byte-by-byte loop behind a call: too slow for the millions of short values a plan
/// compares.
#[inline]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    fn word(s: &[u8], at: usize) -> u64 {
        s.get(at..)
            .and_then(|s| s.first_chunk::<8>())
            .map_or(0, |w| u64::from_le_bytes(*w))
    }
    fn half(s: &[u8], at: usize) -> u32 {
        s.get(at..)
            .and_then(|s| s.first_chunk::<4>())
            .map_or(0, |w| u32::from_le_bytes(*w))
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        // Whole words, then the last eight bytes (overlapping the last word compared).
        (0..n / 8).all(|w| word(a, w * 8) == word(b, w * 8)) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// Renders a number exactly as JavaScript's `String(n)` does (ECMAScript Number::toString):
/// the shortest round-trip digits, in plain notation for exponents from -7 to 20 and in
/// exponent notation outside, `-0` as `"0"`. So a record planned from JSON text and from the
/// same data as JS objects reads the same.
pub fn number_text(f: f64) -> String {
    if f == 0.0 {
        return "0".to_owned();
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .to_owned();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        match digits.len() {
            1 => format!("{digits}e{e}"),
            _ => format!("{}.{}e{e}", &digits[..1], &digits[1..]),
        }
    };
    format!("{sign}{body}")
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

/// True when the two values are equal after trimming, collapsing whitespace and Unicode NFC
/// (so "Núñez" typed precomposed in Central and decomposed in Outlook is the same name).
pub fn same_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (a, b) = (normalize_spaces(a), normalize_spaces(b));
    a == b || (!(a.is_ascii() && b.is_ascii()) && a.nfc().eq(b.nfc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_trimmed_and_collapsed_for_comparison() {
        assert_eq!(normalize_spaces("  John \t  Smith "), "John Smith");
        assert!(matches!(normalize_spaces("John Smith"), Cow::Borrowed(_)));
        assert!(same_text("Leeds ", " Leeds"));
        assert!(!same_text("Leeds", "leeds"));
        assert!(same_text("N\u{fa}\u{f1}ez", "Nu\u{301}n\u{303}ez"));
    }

    #[test]
    fn fast_trim_and_equality_agree_with_std() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{3000}",
            "\tab\n",
            "\u{7f}",
            "ab",
            "é",
            " é ",
            "\u{1c}x",
            "x\u{85}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
        let words = [
            "",
            "a",
            "abcdefgh",
            "abcdefghi",
            "abcdefgX",
            "abcdefghijklmnopq",
            "Xbcdefghijklmnopq",
        ];
        for a in words {
            for b in words {
                assert_eq!(bytes_eq(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }
}
