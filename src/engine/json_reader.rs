//! A small, strict (RFC 8259) pull reader for JSON text, driven directly by the record readers
//! of [`super::input`]: they ask for the next key, element or value and the reader checks the
//! grammar as it goes, in one pass and without building any tree.
//!
//! - Strings borrow from the input when they hold no escape; otherwise they are unescaped into
//!   an owned `String`. A lone UTF-16 surrogate escape (`\ud800` without its pair, which
//!   `JSON.stringify` writes for a JS string holding one) reads as U+FFFD, so such text needs no
//!   repair before it is read.
//! - Numbers are checked against the JSON grammar, then read as `f64` (correctly rounded); one
//!   out of the range of `f64` (`1e400`) is an error where its value is read, as in serde_json.
//!   A skipped number is only checked against the grammar, again as in serde_json.
//! - Values that are skipped are walked without recursion, with one bit per open container, so
//!   any depth of nesting is accepted (serde_json's limit of 128 never applied to the values the
//!   record readers skip either: it skips them without recursion too).
//! - The input is a `&str`: its UTF-8 was checked once, as a whole. The reader works on its
//!   bytes and only slices it at ASCII delimiters, which are always character boundaries.
//!
//! Nothing here panics on any input: every byte is read through `get`.

use std::borrow::Cow;
use std::fmt;

use super::text::{number_text, Text};

/// Why a JSON text could not be read, and where: two words, so that results pass in registers
/// on the hot paths. [`JsonError::describe`] adds the line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    pub message: &'static str,
    /// Byte offset of the offending byte (or the end of the text).
    pub offset: usize,
}

impl JsonError {
    /// The 1-based line and column (in bytes) of the error in `text`, the text it was found in.
    pub fn line_column(&self, text: &str) -> (usize, usize) {
        let bytes = text.as_bytes();
        let before = bytes.get(..self.offset).unwrap_or(bytes);
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        (line, 1 + before.len() - line_start)
    }

    /// The message with its line, column and byte offset in `text`.
    pub fn describe(&self, text: &str) -> String {
        let (line, column) = self.line_column(text);
        format!(
            "{} at line {line} column {column} (byte offset {})",
            self.message, self.offset
        )
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.message, self.offset)
    }
}

impl std::error::Error for JsonError {}

pub type Result<T> = std::result::Result<T, JsonError>;

const EOF_VALUE: &str = "EOF while parsing a value";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";

/// A cursor over JSON text.
pub struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The containers open while a value is skipped, one bit per level (1 = object); kept
    /// between skips so that its memory is allocated once.
    open: Vec<u64>,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            open: Vec::new(),
        }
    }

    /// Byte offset of the next byte to read.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The text from byte `start` to byte `end` (offsets this reader gave; `""` otherwise).
    pub fn text_between(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or("")
    }

    /// An error at byte `at`.
    #[cold]
    #[inline(never)]
    pub fn error_at(&self, at: usize, message: &'static str) -> JsonError {
        JsonError {
            message,
            offset: at.min(self.bytes.len()),
        }
    }

    /// An error at the next byte.
    #[cold]
    #[inline(never)]
    pub fn error(&self, message: &'static str) -> JsonError {
        self.error_at(self.pos, message)
    }

    /// Skips whitespace and returns the next byte, without consuming it.
    #[inline(always)]
    pub fn peek(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        if b > b' ' {
            return Some(b);
        }
        self.peek_after_whitespace()
    }

    fn peek_after_whitespace(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Consumes the byte [`Reader::peek`] returned.
    #[inline(always)]
    pub fn bump(&mut self) {
        self.pos += 1;
    }

    /// Skips whitespace and consumes `byte`, or fails with `message`.
    pub fn expect(&mut self, byte: u8, message: &'static str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    /// Only whitespace may follow.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    /// In an array whose `[` was consumed: true when an element follows (positioned at it),
    /// false when the array ended (its `]` consumed). `first` starts true for each array. A
    /// caller that gets true must read (or skip) exactly one value, which fails on anything
    /// that does not start a value — so `[1,]` and `[,1]` are errors.
    #[inline]
    pub fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        self.next_member(first, b']', "expected ',' or ']'", EOF_LIST)
    }

    /// In an object whose `{` was consumed: true when a key follows, its opening quote
    /// consumed; false when the object ended, its `}` consumed. `first` starts true for each
    /// object. After true, the key must be read with [`Reader::take_key`] or
    /// [`Reader::key_rest`], then [`Reader::key_colon`].
    #[inline(always)]
    pub fn open_key(&mut self, first: &mut bool) -> Result<bool> {
        if !self.next_member(first, b'}', "expected ',' or '}'", EOF_OBJECT)? {
            return Ok(false);
        }
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Err(self.error("expected a string key")),
            None => Err(self.error(EOF_OBJECT)),
        }
    }

    /// Steps over what separates the members of an array or object whose opener was consumed:
    /// false when it ended (`close` consumed), true when a member follows (positioned at it,
    /// after the `,` unless it is the first).
    #[inline(always)]
    fn next_member(
        &mut self,
        first: &mut bool,
        close: u8,
        expected: &'static str,
        eof: &'static str,
    ) -> Result<bool> {
        let was_first = std::mem::replace(first, false);
        match self.peek() {
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(b',') if !was_first => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if was_first => Ok(true),
            Some(_) => Err(self.error(expected)),
            None => Err(self.error(eof)),
        }
    }

    /// After [`Reader::open_key`]: when the key is written exactly as `raw_key` (the key's
    /// bytes without escapes followed by its closing quote, `b"id\""`), consumes it and
    /// returns true. A key that only matches after unescaping is left to
    /// [`Reader::key_rest`]. (No prefix can match wrongly: the closing quote is part of
    /// `raw_key`, and a quote inside a key is always escaped.)
    #[inline(always)]
    pub fn take_key(&mut self, raw_key: &[u8]) -> bool {
        let end = self.pos + raw_key.len();
        if self.bytes.get(self.pos..end) == Some(raw_key) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// After [`Reader::open_key`]: the key's first byte (0 at the end of the input), for
    /// [`Reader::take_key`]'s callers to try only the keys that start with it.
    #[inline(always)]
    pub fn key_start(&self) -> u8 {
        self.bytes.get(self.pos).copied().unwrap_or(0)
    }

    /// After [`Reader::open_key`]: reads the rest of the key.
    #[inline]
    pub fn key_rest(&mut self) -> Result<Cow<'a, str>> {
        self.string_rest()
    }

    /// After the key: consumes the colon.
    #[inline(always)]
    pub fn key_colon(&mut self) -> Result<()> {
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error("expected ':'")),
            None => Err(self.error(EOF_OBJECT)),
        }
    }

    /// Reads any value as text: a string as itself, a number as JavaScript's `String(n)`, a
    /// boolean as `"true"`/`"false"`, `null` as absent, and an object or array (skipped) as
    /// invalid.
    #[inline]
    pub fn read_text(&mut self) -> Result<Text<'a>> {
        let mut t = Text::Absent;
        self.read_text_into(&mut t)?;
        Ok(t)
    }

    /// [`Reader::read_text`] into `out`, which is how the record readers use it: the value is
    /// written straight into its field, and the result is small enough for registers.
    #[inline(always)]
    pub fn read_text_into(&mut self, out: &mut Text<'a>) -> Result<()> {
        // A string without escapes, or null, with no whitespace before it is the common case,
        // kept inline.
        match self.bytes.get(self.pos) {
            Some(b'"') => {
                let start = self.pos + 1;
                let end = find_special(self.bytes, start);
                if self.bytes.get(end) == Some(&b'"') {
                    // `start` follows a quote and `end` is one: both character boundaries.
                    if let Some(s) = self.text.get(start..end) {
                        self.pos = end + 1;
                        *out = Text::Value(Cow::Borrowed(s));
                        return Ok(());
                    }
                }
            }
            Some(b'n') if self.bytes.get(self.pos..self.pos + 4) == Some(b"null") => {
                self.pos += 4;
                *out = Text::Absent;
                return Ok(());
            }
            _ => {}
        }
        *out = self.read_other_text()?;
        Ok(())
    }

    #[inline(never)]
    fn read_other_text(&mut self) -> Result<Text<'a>> {
        match self.peek() {
            Some(b'"') => self.read_string().map(Text::Value),
            Some(b'n') => self.literal(b"null").map(|()| Text::Absent),
            Some(b't') => self
                .literal(b"true")
                .map(|()| Text::Value(Cow::Borrowed("true"))),
            Some(b'f') => self
                .literal(b"false")
                .map(|()| Text::Value(Cow::Borrowed("false"))),
            Some(b'-' | b'0'..=b'9') => {
                let n = self.read_number()?;
                Ok(Text::Value(Cow::Owned(number_text(n))))
            }
            Some(b'{' | b'[') => self.skip_value().map(|()| Text::Invalid),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error(EOF_VALUE)),
        }
    }

    /// Consumes `lit` (`null`, `true` or `false`).
    fn literal(&mut self, lit: &'static [u8]) -> Result<()> {
        let end = self.pos + lit.len();
        if self.bytes.get(self.pos..end) == Some(lit) {
            self.pos = end;
            return Ok(());
        }
        // Point at the first byte that differs.
        let mut at = self.pos;
        while self
            .bytes
            .get(at)
            .is_some_and(|b| lit.get(at - self.pos) == Some(b))
        {
            at += 1;
        }
        Err(self.error_at(
            at,
            if at >= self.bytes.len() {
                EOF_VALUE
            } else {
                "expected a value"
            },
        ))
    }

    /// Reads a number (at its first byte) as `f64`; one out of the range of `f64` is an error.
    pub fn read_number(&mut self) -> Result<f64> {
        let start = self.pos;
        let lexeme = self.scan_number()?;
        match lexeme.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(self.error_at(start, "number out of range")),
        }
    }

    /// Checks a number against the grammar (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]?
    /// [0-9]+)?`), consumes it and returns its text.
    fn scan_number(&mut self) -> Result<&'a str> {
        let start = self.pos;
        let mut i = start;
        if self.bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match self.bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = self.digits(i + 1),
            Some(_) => return Err(self.error_at(i, "invalid number")),
            None => return Err(self.error_at(i, EOF_VALUE)),
        }
        if self.bytes.get(i) == Some(&b'.') {
            i += 1;
            match self.bytes.get(i) {
                Some(b'0'..=b'9') => i = self.digits(i + 1),
                Some(_) => return Err(self.error_at(i, "invalid number")),
                None => return Err(self.error_at(i, EOF_VALUE)),
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = self.bytes.get(i) {
                i += 1;
            }
            match self.bytes.get(i) {
                Some(b'0'..=b'9') => i = self.digits(i + 1),
                Some(_) => return Err(self.error_at(i, "invalid number")),
                None => return Err(self.error_at(i, EOF_VALUE)),
            }
        }
        self.pos = i;
        // The lexeme is ASCII, so `start` and `i` are character boundaries.
        self.text
            .get(start..i)
            .ok_or_else(|| self.error_at(start, "invalid number"))
    }

    /// The index of the first byte at or after `i` that is not a digit.
    #[inline]
    fn digits(&self, mut i: usize) -> usize {
        while let Some(b'0'..=b'9') = self.bytes.get(i) {
            i += 1;
        }
        i
    }

    /// Reads a string (at its opening quote): borrowed when it holds no escape.
    #[inline(always)]
    pub fn read_string(&mut self) -> Result<Cow<'a, str>> {
        self.pos += 1;
        self.string_rest()
    }

    /// Reads the rest of a string whose opening quote was consumed.
    #[inline(always)]
    fn string_rest(&mut self) -> Result<Cow<'a, str>> {
        let start = self.pos;
        let end = find_special(self.bytes, start);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                // `start` follows a quote and `end` is one: both character boundaries.
                match self.text.get(start..end) {
                    Some(s) => Ok(Cow::Borrowed(s)),
                    None => Err(self.error_at(start, "invalid string")),
                }
            }
            _ => self.read_escaped_string(start, end).map(Cow::Owned),
        }
    }

    /// The rest of a string from `at`, where a byte that is not plain string content is: an
    /// escape (then unescaped into an owned string), a control character or the end of the
    /// text (errors).
    #[cold]
    #[inline(never)]
    fn read_escaped_string(&mut self, start: usize, mut at: usize) -> Result<String> {
        let mut out = String::with_capacity(at - start + 16);
        let mut run = start;
        loop {
            // Copy the plain run before `at`: it lies between ASCII delimiters.
            match self.text.get(run..at) {
                Some(s) => out.push_str(s),
                None => return Err(self.error_at(run, "invalid string")),
            }
            match self.bytes.get(at) {
                Some(b'"') => {
                    self.pos = at + 1;
                    return Ok(out);
                }
                Some(b'\\') => {}
                Some(_) => {
                    return Err(self.error_at(at, "control character in a string"));
                }
                None => return Err(self.error_at(at, EOF_STRING)),
            }
            at += 1;
            let simple = match self.bytes.get(at) {
                Some(b'"') => '"',
                Some(b'\\') => '\\',
                Some(b'/') => '/',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'u') => {
                    let (c, next) = self.unicode_escape(at + 1)?;
                    out.push(c);
                    at = next;
                    run = at;
                    at = find_special(self.bytes, at);
                    continue;
                }
                Some(_) => return Err(self.error_at(at, "invalid escape")),
                None => return Err(self.error_at(at, EOF_STRING)),
            };
            out.push(simple);
            run = at + 1;
            at = find_special(self.bytes, run);
        }
    }

    /// The character of a `\u` escape whose four hex digits start at `at`, and the index after
    /// it. A surrogate pair is one character; a lone surrogate is U+FFFD (and a high surrogate
    /// followed by an escape that is not its low half leaves that escape to be read next).
    fn unicode_escape(&self, at: usize) -> Result<(char, usize)> {
        let unit = self.hex4(at)?;
        let after = at + 4;
        if (0xD800..0xDC00).contains(&unit) {
            if self.bytes.get(after..after + 2) == Some(b"\\u") {
                if let Some(low) = hex4(self.bytes, after + 2) {
                    if (0xDC00..0xE000).contains(&low) {
                        let c = 0x1_0000
                            + ((u32::from(unit) - 0xD800) << 10)
                            + (u32::from(low) - 0xDC00);
                        return Ok((char::from_u32(c).unwrap_or('\u{FFFD}'), after + 6));
                    }
                }
            }
            return Ok(('\u{FFFD}', after));
        }
        Ok((char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'), after))
    }

    /// The four hex digits at `at`, or an error.
    fn hex4(&self, at: usize) -> Result<u16> {
        match hex4(self.bytes, at) {
            Some(v) => Ok(v),
            None => {
                // Point at the first byte that is not a hex digit (or the end).
                let mut i = at;
                while i < at + 4 && self.bytes.get(i).is_some_and(u8::is_ascii_hexdigit) {
                    i += 1;
                }
                Err(self.error_at(
                    i,
                    if i >= self.bytes.len() {
                        EOF_STRING
                    } else {
                        "invalid \\u escape"
                    },
                ))
            }
        }
    }

    /// Skips a string (at its opening quote), checking its grammar only.
    fn skip_string(&mut self) -> Result<()> {
        let mut at = find_special(self.bytes, self.pos + 1);
        loop {
            match self.bytes.get(at) {
                Some(b'"') => {
                    self.pos = at + 1;
                    return Ok(());
                }
                Some(b'\\') => {}
                Some(_) => return Err(self.error_at(at, "control character in a string")),
                None => return Err(self.error_at(at, EOF_STRING)),
            }
            at += 1;
            match self.bytes.get(at) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => at += 1,
                Some(b'u') => {
                    self.hex4(at + 1)?;
                    at += 5;
                }
                Some(_) => return Err(self.error_at(at, "invalid escape")),
                None => return Err(self.error_at(at, EOF_STRING)),
            }
            at = find_special(self.bytes, at);
        }
    }

    /// Skips one value of any kind, checking its grammar only (a number's range is not
    /// checked, nor are surrogate escapes paired). Nesting is followed without recursion, to
    /// any depth.
    pub fn skip_value(&mut self) -> Result<()> {
        let mut depth = 0usize;
        loop {
            // A value is expected here.
            match self.peek() {
                Some(b'"') => self.skip_string()?,
                Some(b'-' | b'0'..=b'9') => {
                    self.scan_number()?;
                }
                Some(b'n') => self.literal(b"null")?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'[') => {
                    self.pos += 1;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        self.push_open(depth, false);
                        depth += 1;
                        continue;
                    }
                }
                Some(b'{') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'}') => self.pos += 1,
                        Some(b'"') => {
                            self.push_open(depth, true);
                            depth += 1;
                            self.skip_key()?;
                            continue;
                        }
                        Some(_) => return Err(self.error("expected a string key")),
                        None => return Err(self.error(EOF_OBJECT)),
                    }
                }
                Some(_) => return Err(self.error("expected a value")),
                None => return Err(self.error(EOF_VALUE)),
            }
            // A value ended: close the containers it ends, up to the next element.
            loop {
                if depth == 0 {
                    return Ok(());
                }
                let in_object = self.is_object(depth - 1);
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if in_object {
                            match self.peek() {
                                Some(b'"') => self.skip_key()?,
                                Some(_) => return Err(self.error("expected a string key")),
                                None => return Err(self.error(EOF_OBJECT)),
                            }
                        }
                        break;
                    }
                    Some(b'}') if in_object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    Some(b']') if !in_object => {
                        self.pos += 1;
                        depth -= 1;
                    }
                    Some(_) => {
                        return Err(self.error(if in_object {
                            "expected ',' or '}'"
                        } else {
                            "expected ',' or ']'"
                        }))
                    }
                    None => {
                        return Err(self.error(if in_object { EOF_OBJECT } else { EOF_LIST }));
                    }
                }
            }
        }
    }

    /// Skips a key (at its opening quote) and its colon.
    fn skip_key(&mut self) -> Result<()> {
        self.skip_string()?;
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error("expected ':'")),
            None => Err(self.error(EOF_OBJECT)),
        }
    }

    /// Records whether the container opened at nesting level `level` is an object.
    fn push_open(&mut self, level: usize, object: bool) {
        let (word, bit) = (level / 64, level % 64);
        if word == self.open.len() {
            self.open.push(0);
        }
        if let Some(w) = self.open.get_mut(word) {
            if object {
                *w |= 1 << bit;
            } else {
                *w &= !(1 << bit);
            }
        }
    }

    fn is_object(&self, level: usize) -> bool {
        self.open
            .get(level / 64)
            .is_some_and(|w| w & (1 << (level % 64)) != 0)
    }
}

/// The value of the four hex digits at `at`.
#[inline]
fn hex4(bytes: &[u8], at: usize) -> Option<u16> {
    let digits = bytes.get(at..)?.first_chunk::<4>()?;
    let mut v = 0u16;
    for &d in digits {
        let n = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        v = v << 4 | u16::from(n);
    }
    Some(v)
}

const ONES: u64 = u64::MAX / 255; // 0x0101…01
const HIGHS: u64 = ONES << 7; // 0x8080…80

/// One bit (the high bit of each byte) set for every byte of `x` that is `"`, `\` or below
/// 0x20 — except that a byte above one that is flagged may be flagged wrongly (a borrow), so
/// only the lowest flag is exact.
#[inline(always)]
fn special_mask(x: u64) -> u64 {
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v;
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    (zero_byte(quote) | zero_byte(backslash) | control) & HIGHS
}

#[inline(always)]
fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The index of the first byte at or after `i` that is `"`, `\` or a control character, or
/// the length of `bytes` when there is none. Sixteen bytes at a time (wasm SIMD where the
/// build has it, else SWAR on two `u64`s), then byte by byte for the last few.
#[inline(always)]
fn find_special(bytes: &[u8], mut i: usize) -> usize {
    // Sixteen bytes a step, with one branch: most values and keys end within the first step.
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        if let Some(n) = first_special16(chunk) {
            return i + n;
        }
        i += 16;
    }
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let mask = special_mask(u64::from_le_bytes(*chunk));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if is_special(b) {
            return i;
        }
        i += 1;
    }
    i
}

/// The position of the first special byte of `chunk` (see [`find_special`]).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn first_special16(chunk: &[u8; 16]) -> Option<usize> {
    use core::arch::wasm32::{u64x2, u8x16_bitmask, u8x16_eq, u8x16_lt, u8x16_splat, v128_or};
    let (lo, hi) = split16(chunk);
    let v = u64x2(lo, hi);
    let special = v128_or(
        v128_or(
            u8x16_eq(v, u8x16_splat(b'"')),
            u8x16_eq(v, u8x16_splat(b'\\')),
        ),
        u8x16_lt(v, u8x16_splat(0x20)),
    );
    let mask = u8x16_bitmask(special);
    (mask != 0).then(|| mask.trailing_zeros() as usize)
}

/// The position of the first special byte of `chunk` (see [`find_special`]).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn first_special16(chunk: &[u8; 16]) -> Option<usize> {
    let (lo, hi) = split16(chunk);
    let mask = u128::from(special_mask(lo)) | u128::from(special_mask(hi)) << 64;
    (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize)
}

/// The two little-endian halves of sixteen bytes.
#[inline(always)]
fn split16(chunk: &[u8; 16]) -> (u64, u64) {
    let [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7] = *chunk;
    (
        u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
        u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads one value as text and checks nothing follows.
    fn text(json: &str) -> Result<Text<'_>> {
        let mut r = Reader::new(json);
        let t = r.read_text()?;
        r.end()?;
        Ok(t)
    }

    fn skip(json: &str) -> Result<()> {
        let mut r = Reader::new(json);
        r.skip_value()?;
        r.end()
    }

    fn string(json: &str) -> String {
        match text(json) {
            Ok(Text::Value(s)) => s.into_owned(),
            other => panic!("{json}: {other:?}"),
        }
    }

    /// serde_json's verdict on the same text, skipped as `IgnoredAny`.
    fn serde_accepts(json: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok()
    }

    /// Reading, skipping and serde_json all reject `json`.
    fn assert_rejected(json: &str) {
        assert!(text(json).is_err(), "{json:?}");
        assert!(skip(json).is_err(), "{json:?}");
        assert!(!serde_accepts(json), "{json:?}");
    }

    #[test]
    fn simple_escapes_are_unescaped() {
        assert_eq!(
            string(r#""a\"b\\c\/d\be\ff\ng\rh\ti""#),
            "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"
        );
        assert_eq!(string(r#""\u0041\u00e9\u20AC""#), "A\u{e9}\u{20ac}");
        assert_eq!(string(r#""\u0000""#), "\0");
    }

    #[test]
    fn strings_without_escapes_are_borrowed_and_with_escapes_owned() {
        assert!(matches!(
            text(r#""plain""#),
            Ok(Text::Value(Cow::Borrowed("plain")))
        ));
        assert!(matches!(text(r#""""#), Ok(Text::Value(Cow::Borrowed("")))));
        assert!(matches!(text(r#""a\nb""#), Ok(Text::Value(Cow::Owned(_)))));
        // Long strings cross the 8-byte chunks at every alignment.
        for n in 0..40 {
            for pad in 0..9 {
                let body = "x".repeat(n);
                let json = format!("{}\"{body}\"", " ".repeat(pad));
                assert!(matches!(text(&json), Ok(Text::Value(Cow::Borrowed(s))) if s == body));
                let json = format!("{}\"{body}\\n{body}\"", " ".repeat(pad));
                assert_eq!(string(&json), format!("{body}\n{body}"));
            }
        }
    }

    #[test]
    fn non_ascii_text_passes_through() {
        assert_eq!(string("\"Zoë – 日本 😀\""), "Zoë – 日本 😀");
        assert_eq!(string("\"é\\té\""), "é\té");
        // Bytes ≥ 0x80 must not look like control characters to the 8-byte scan.
        assert_eq!(
            string("\"\u{80}\u{7ff}\u{ffff}\u{10ffff}\""),
            "\u{80}\u{7ff}\u{ffff}\u{10ffff}"
        );
    }

    #[test]
    fn surrogate_pairs_join_and_lone_surrogates_read_as_replacement() {
        assert_eq!(string(r#""\ud83d\ude00""#), "😀");
        assert_eq!(string(r#""\uD83D\uDE00""#), "😀");
        assert_eq!(string(r#""a\ud800b""#), "a\u{fffd}b");
        assert_eq!(string(r#""\udc00""#), "\u{fffd}");
        assert_eq!(string(r#""\ud800""#), "\u{fffd}");
        assert_eq!(string(r#""\ud800\ud800""#), "\u{fffd}\u{fffd}");
        assert_eq!(string(r#""\ud800\ud83d\ude00""#), "\u{fffd}😀");
        assert_eq!(string(r#""\ud800\u0041""#), "\u{fffd}A");
        assert_eq!(string(r#""\ud800\n""#), "\u{fffd}\n");
        assert_eq!(string(r#""\ude00\ud83d""#), "\u{fffd}\u{fffd}");
        // A high surrogate followed by a broken escape: the escape is still an error.
        assert!(text(r#""\ud800\u12G4""#).is_err());
        assert!(text(r#""\ud800\x""#).is_err());
        assert!(text(r#""\ud800\u""#).is_err());
        // A skipped string does not care about pairing either.
        assert!(skip(r#"["\ud800", {"\udc00": "\ud800\ud800"}]"#).is_ok());
    }

    #[test]
    fn bad_escapes_are_rejected() {
        for json in [
            r#""\x""#,
            r#""\U0041""#,
            r#""\u004""#,
            r#""\u004g""#,
            r#""\u+041""#,
            r#""\'""#,
            r#""\"#,
            r#""\u"#,
            r#""\u00"#,
            r#""\ "#,
            "\"\\\u{e9}\"",
        ] {
            assert_rejected(json);
        }
    }

    #[test]
    fn control_characters_in_strings_are_rejected() {
        for c in (0u8..0x20).map(char::from) {
            let json = format!("\"a{c}b\"");
            assert!(text(&json).is_err(), "{c:?}");
            assert!(skip(&json).is_err(), "{c:?}");
            let json = format!("\"a\\n{c}b\"");
            assert!(text(&json).is_err(), "{c:?}");
        }
        // DEL and everything above it is fine.
        assert_eq!(string("\"\u{7f}\""), "\u{7f}");
    }

    #[test]
    fn numbers_read_as_javascript_would_print_them() {
        for (json, js) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("0e5", "0"),
            ("42", "42"),
            ("-7", "-7"),
            ("1.5", "1.5"),
            ("2.0", "2"),
            ("1E2", "100"),
            ("1e+2", "100"),
            ("1e-2", "0.01"),
            ("1.5e300", "1.5e+300"),
            ("18446744073709551616", "18446744073709552000"),
            ("18446744073709551615", "18446744073709552000"),
            ("-9223372036854775809", "-9223372036854776000"),
            ("-9007199254740993", "-9007199254740992"),
            ("123456789012345678901", "123456789012345680000"),
            ("1e-400", "0"),
            ("-1e-400", "0"),
            ("0e99999999999999999999", "0"),
            ("1e-99999999999999999999", "0"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("0.1", "0.1"),
            ("5e-324", "5e-324"),
        ] {
            assert_eq!(
                text(json),
                Ok(Text::Value(Cow::Owned(js.to_owned()))),
                "{json}"
            );
            // The same digits as serde_json reads them.
            let serde: f64 = serde_json::from_str(json).unwrap();
            assert_eq!(number_text(serde), js, "{json}");
        }
    }

    #[test]
    fn numbers_out_of_range_are_errors_where_read_but_not_where_skipped() {
        for json in [
            "1e400",
            "-1e400",
            "1.8e308",
            "1e99999999999999999999",
            &"9".repeat(400),
        ] {
            assert!(text(json).is_err(), "{json}");
            assert!(serde_json::from_str::<f64>(json).is_err(), "{json}");
            assert!(skip(json).is_ok(), "{json}");
            assert!(serde_accepts(json), "{json}");
        }
    }

    #[test]
    fn numbers_outside_the_grammar_are_rejected() {
        for json in [
            "01",
            "-01",
            "00",
            "1.",
            "-",
            "+1",
            ".5",
            "1.e3",
            "1e",
            "1e+",
            "1E-",
            "--1",
            "0x10",
            "1.5.3",
            "Infinity",
            "NaN",
            "-Infinity",
            "1 2",
            "1_000",
            "١",
        ] {
            assert_rejected(json);
        }
    }

    #[test]
    fn literals_whitespace_and_containers() {
        assert_eq!(text(" \t\r\n null \n"), Ok(Text::Absent));
        assert_eq!(text("true"), Ok(Text::Value(Cow::Borrowed("true"))));
        assert_eq!(text("false"), Ok(Text::Value(Cow::Borrowed("false"))));
        assert_eq!(text(r#"{"a":[1,{"b":2}]}"#), Ok(Text::Invalid));
        assert_eq!(text("[]"), Ok(Text::Invalid));
        assert_eq!(text("{ }"), Ok(Text::Invalid));
        for json in [
            "nul",
            "nulll",
            "tru",
            "True",
            "NULL",
            "fals",
            "",
            " ",
            "\u{c}1",
            "\u{a0}1",
            "\u{feff}1",
            "1\u{b}",
            "[1,]",
            "[,1]",
            "[1,,2]",
            "[1 2]",
            r#"{"a":1,}"#,
            r#"{,"a":1}"#,
            r#"{"a" 1}"#,
            r#"{"a":}"#,
            r#"{a:1}"#,
            r#"{'a':1}"#,
            r#"{1:1}"#,
            r#"{"a":1"b":2}"#,
            "[}",
            "{]",
            "[1}",
            r#"{"a":1]"#,
            "[[]",
            "[]]",
            "{",
            "}",
            "]",
        ] {
            assert_rejected(json);
        }
    }

    #[test]
    fn skipping_agrees_with_serde_json() {
        for json in [
            r#"{"a":[1,2,{"b":null,"c":[true,false,"x\"y"]}],"d":{}}"#,
            r#" [ [ ] , { } , [ { "" : [ ] } ] ] "#,
            r#"[-0.5e-3, 1E+2, "\u00e9", "\ud800"]"#,
            "[\"\u{1F600}\"]",
        ] {
            assert!(serde_accepts(json), "{json}");
            assert!(skip(json).is_ok(), "{json}");
        }
    }

    #[test]
    fn any_depth_is_skipped_without_recursion() {
        for depth in [1, 63, 64, 65, 128, 129, 1000, 200_000] {
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert!(skip(&arrays).is_ok(), "{depth}");
            assert_eq!(text(&arrays), Ok(Text::Invalid));
            let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
            assert!(skip(&objects).is_ok(), "{depth}");
            // Mixed: objects and arrays alternate, so every level's kind matters.
            let mixed = format!("{}0{}", r#"[{"k":"#.repeat(depth), "}]".repeat(depth));
            assert!(skip(&mixed).is_ok(), "{depth}");
            // One bracket of the wrong kind, or one missing, anywhere is an error.
            let wrong = format!("{}0{}]", r#"[{"k":"#.repeat(depth), "}]".repeat(depth - 1));
            assert!(skip(&wrong).is_err(), "{depth}");
            let wrong = format!(
                "{}0{}}}}}",
                r#"[{"k":"#.repeat(depth),
                "}]".repeat(depth - 1)
            );
            assert!(skip(&wrong).is_err(), "{depth}");
            assert!(skip(&arrays[..arrays.len() - 1]).is_err(), "{depth}");
            // Unclosed nesting, which would also overflow a recursive reader's stack.
            assert!(skip(&"[".repeat(depth)).is_err(), "{depth}");
        }
    }

    #[test]
    fn truncation_at_every_byte_is_an_error_not_a_panic() {
        let doc = r#" [{"id":"C\u00e9-1","n":-12.5e-3,"t":true,"f":false,"z":null,
            "o":{"a":[1,{"b":"\ud83d\ude00"}],"c":"x\\y\"z"},"s":"Zoë 😀","e":[]}] "#;
        assert!(skip(doc).is_ok());
        for end in 0..doc.len() {
            let Some(prefix) = doc.get(..end) else {
                continue;
            };
            if prefix.trim_end().len() < doc.trim_end().len() {
                assert!(skip(prefix).is_err(), "{prefix}");
                assert!(text(prefix).is_err(), "{prefix}");
            }
        }
        // Every suffix (starting mid-document) is an error or a value, never a panic.
        for start in 0..doc.len() {
            if let Some(suffix) = doc.get(start..) {
                assert_eq!(skip(suffix).is_ok(), serde_accepts(suffix), "{suffix}");
                let _ = text(suffix);
            }
        }
    }

    #[test]
    fn every_single_byte_mutation_agrees_with_serde_json() {
        let doc = r#"[{"a":"x\u00e9\n","b":[1,-2.5e3,true,null],"c":{"d":{}}}]"#;
        let bytes = doc.as_bytes();
        for i in 0..bytes.len() {
            for b in [
                b'"', b'\\', b',', b':', b'[', b']', b'{', b'}', b' ', b'0', b'-', b'e', b'.',
                b'u', b'x', 0x01,
            ] {
                let mut m = bytes.to_vec();
                m[i] = b;
                let Ok(m) = std::str::from_utf8(&m) else {
                    continue;
                };
                assert_eq!(skip(m).is_ok(), serde_accepts(m), "{m}");
            }
        }
    }

    /// The next key, read as the record readers read it: `known` tried on the raw text first.
    fn next_key<'a>(
        r: &mut Reader<'a>,
        first: &mut bool,
        known: &[&'static str],
    ) -> Result<Option<Cow<'a, str>>> {
        if !r.open_key(first)? {
            return Ok(None);
        }
        let fast = known
            .iter()
            .find(|k| r.take_key(format!("{k}\"").as_bytes()));
        let key = match fast {
            Some(k) => Cow::Borrowed(*k),
            None => r.key_rest()?,
        };
        r.key_colon()?;
        Ok(Some(key))
    }

    #[test]
    fn keys_and_elements_are_walked() {
        for known in [&[][..], &["firstName", "b", "c"][..]] {
            let json = r#" { "fir\u0073tName" : "A" , "b":[ 1 , "x" ] ,"c":{},"firstName":null, "cc" :true} "#;
            let mut r = Reader::new(json);
            r.expect(b'{', "object").unwrap();
            let mut first = true;
            let key = next_key(&mut r, &mut first, known).unwrap().unwrap();
            assert_eq!(key, "firstName");
            assert_eq!(r.read_text().unwrap().as_str(), "A");
            assert_eq!(
                next_key(&mut r, &mut first, known).unwrap().as_deref(),
                Some("b")
            );
            r.expect(b'[', "array").unwrap();
            let mut first_el = true;
            assert!(r.next_element(&mut first_el).unwrap());
            assert_eq!(r.read_text().unwrap().as_str(), "1");
            assert!(r.next_element(&mut first_el).unwrap());
            assert_eq!(r.read_text().unwrap().as_str(), "x");
            assert!(!r.next_element(&mut first_el).unwrap());
            assert_eq!(
                next_key(&mut r, &mut first, known).unwrap().as_deref(),
                Some("c")
            );
            assert_eq!(r.read_text(), Ok(Text::Invalid));
            let key = next_key(&mut r, &mut first, known).unwrap();
            assert_eq!(key.as_deref(), Some("firstName"));
            assert_eq!(r.read_text(), Ok(Text::Absent));
            // "c" is known, "cc" is not: the closing quote keeps a prefix from matching.
            assert_eq!(
                next_key(&mut r, &mut first, known).unwrap().as_deref(),
                Some("cc")
            );
            assert_eq!(r.read_text().unwrap().as_str(), "true");
            assert_eq!(next_key(&mut r, &mut first, known).unwrap(), None);
            r.end().unwrap();
        }
    }

    #[test]
    fn broken_objects_are_errors() {
        for json in [
            r#"{"a" "#,
            r#"{"a":1 "b":2}"#,
            r#"{"a":1,}"#,
            r#"{"a":1,"#,
            r#"{"a":1"#,
            r#"{"a"1}"#,
            r#"{"a"#,
            r#"{1:2}"#,
            "{",
            r#"{"a":1,,"b":2}"#,
        ] {
            for known in [&[][..], &["a", "b"][..]] {
                let mut r = Reader::new(json);
                r.expect(b'{', "object").unwrap();
                let mut first = true;
                let mut result = Ok(());
                loop {
                    match next_key(&mut r, &mut first, known) {
                        Ok(Some(_)) => {
                            if let Err(e) = r.read_text() {
                                result = Err(e);
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                assert!(result.is_err(), "{json}");
            }
        }
    }

    #[test]
    fn errors_say_where() {
        let mut r = Reader::new("[1,\n  2,\n  x]");
        let e = r.skip_value().unwrap_err();
        assert_eq!(e.offset, 11);
        assert_eq!(e.line_column("[1,\n  2,\n  x]"), (3, 3));
        assert_eq!(
            e.describe("[1,\n  2,\n  x]"),
            "expected a value at line 3 column 3 (byte offset 11)"
        );
        assert_eq!(e.to_string(), "expected a value at byte offset 11");
        // At the very start, and on a last line without a newline.
        let e = Reader::new("").read_text().unwrap_err();
        assert_eq!((e.offset, e.line_column("")), (0, (1, 1)));
        let e = Reader::new("\n\n[").skip_value().unwrap_err();
        assert_eq!((e.offset, e.line_column("\n\n[")), (3, (3, 2)));
    }

    // The scan below has a SIMD path built only for wasm: these tests run in the browser too.
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn special_byte_scan_finds_the_first() {
        let cases: &[(&[u8], usize)] = &[
            (b"", 0),
            (b"abc", 3),
            (b"abcdefgh", 8),
            (b"abcdefghi\"", 9),
            (b"\x1fabcdefgh", 0),
            (b"ab\\cdefgh\"", 2),
            (b"abcdefg\"", 7),
            (b"\x00\"", 0),
            (b"a\x20\x21\x7f\x80\xff\x1f", 6),
            (b"\x21\x21\x21\x21\x21\x21\x21\x21\x1f", 8),
        ];
        for &(bytes, want) in cases {
            assert_eq!(find_special(bytes, 0), want, "{bytes:?}");
        }
        // Past the end: nothing found, and no panic.
        assert_eq!(find_special(b"ab", 5), 5);
        // Against the byte-by-byte definition, at every offset.
        let all: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        for start in 0..all.len() {
            let want = (start..all.len())
                .find(|&i| is_special(all[i]))
                .unwrap_or(all.len());
            assert_eq!(find_special(&all, start), want);
        }
        // Each special byte at each position of a 48-byte run of plain bytes (each plain byte
        // in turn, those next to the special ones included), alone and before a second one,
        // scanned from every start up to it: the three steps (sixteen, eight, one byte at a
        // time) each meet it at each of their lanes.
        for special in [0x00, 0x1f, b'"', b'\\'] {
            for plain in [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xff, b'a'] {
                for at in 0..48 {
                    let mut bytes = vec![plain; 48];
                    bytes[at] = special;
                    for start in 0..=at {
                        assert_eq!(
                            find_special(&bytes, start),
                            at,
                            "{special} at {at} from {start}"
                        );
                    }
                    assert_eq!(find_special(&bytes, at + 1), 48);
                    if at + 1 < 48 {
                        bytes[47] = special;
                        assert_eq!(find_special(&bytes, at + 1), 47);
                    }
                }
            }
        }
    }
}
