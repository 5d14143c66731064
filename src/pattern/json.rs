//! Stage `pattern`: a small reader for JSON log messages. It keeps what the filter
//! semantics need and `serde_json::Value` loses: the text of each number as written
//! (`= "1"` compares with it) and last-wins duplicate keys. Nesting is capped so a
//! hostile message cannot overflow the stack.

use std::borrow::Cow;
use std::collections::HashSet;

/// Deepest nesting of arrays and objects read; deeper messages count as not JSON.
const MAX_DEPTH: usize = 128;

/// A JSON value borrowed from the message where it can be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonValue<'a> {
    Null,
    Bool(bool),
    Number(JsonNumber<'a>),
    String(Cow<'a, str>),
    Array(Vec<JsonValue<'a>>),
    /// Entries in message order, duplicate keys already resolved (the last one wins).
    Object(Vec<(Cow<'a, str>, JsonValue<'a>)>),
}

/// A number: its text as written in the message and its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonNumber<'a> {
    pub(crate) text: &'a str,
    pub(crate) value: f64,
}

impl<'a> JsonValue<'a> {
    /// The value of `key` when this is an object that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&JsonValue<'a>> {
        match self {
            JsonValue::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The elements of an array or the values of an object; nothing for a scalar.
    pub(crate) fn children(&self) -> Vec<&JsonValue<'a>> {
        match self {
            JsonValue::Array(items) => items.iter().collect(),
            JsonValue::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        }
    }
}

/// Reads `text` as one JSON value with optional surrounding white space.
pub(crate) fn parse(text: &str) -> Option<JsonValue<'_>> {
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0 };
    let value = reader.value(0)?;
    reader.skip_ws();
    (reader.pos == reader.bytes.len()).then_some(value)
}

/// The read position in a message.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.bytes.get(self.pos) == Some(&b);
        self.pos += usize::from(hit);
        hit
    }

    fn eat_literal(&mut self, word: &str) -> bool {
        let hit = self.bytes[self.pos..].starts_with(word.as_bytes());
        self.pos += if hit { word.len() } else { 0 };
        hit
    }

    fn value(&mut self, depth: usize) -> Option<JsonValue<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match self.bytes.get(self.pos)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(JsonValue::String),
            b't' => self.eat_literal("true").then_some(JsonValue::Bool(true)),
            b'f' => self.eat_literal("false").then_some(JsonValue::Bool(false)),
            b'n' => self.eat_literal("null").then_some(JsonValue::Null),
            _ => self.number().map(JsonValue::Number),
        }
    }

    fn array(&mut self, depth: usize) -> Option<JsonValue<'a>> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            return Some(JsonValue::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            if self.eat(b']') {
                return Some(JsonValue::Array(items));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<JsonValue<'a>> {
        self.pos += 1;
        let mut entries = Vec::new();
        self.skip_ws();
        if self.eat(b'}') {
            return Some(JsonValue::Object(entries));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return None;
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(b':') {
                return None;
            }
            entries.push((key, self.value(depth + 1)?));
            self.skip_ws();
            if self.eat(b'}') {
                dedupe_last_wins(&mut entries);
                return Some(JsonValue::Object(entries));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// Reads a string at the opening quote; borrows it when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(Cow::Borrowed(&self.text[start..self.pos - 1]));
                }
                b'\\' => return self.escaped_string(start).map(Cow::Owned),
                b if b < 0x20 => return None,
                _ => self.pos += 1,
            }
        }
    }

    /// Continues a string from its first escape, building an owned copy.
    fn escaped_string(&mut self, start: usize) -> Option<String> {
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            while matches!(self.bytes.get(self.pos), Some(b) if *b != b'"' && *b != b'\\' && *b >= 0x20)
            {
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match *self.bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => out.push(self.escape()?),
                _ => return None,
            }
        }
    }

    /// Reads one escape sequence at the backslash.
    fn escape(&mut self) -> Option<char> {
        self.pos += 1;
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return None,
        })
    }

    /// Reads the hex digits of `\uXXXX`, joining a surrogate pair; a lone surrogate
    /// becomes U+FFFD as lenient readers do.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xDC00).contains(&high) {
            return Some(char::from_u32(high).unwrap_or('\u{FFFD}'));
        }
        if !self.bytes[self.pos..].starts_with(b"\\u") {
            return Some('\u{FFFD}');
        }
        let save = self.pos;
        self.pos += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            self.pos = save;
            return Some('\u{FFFD}');
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        let value = u32::from_str_radix(digits, 16).ok()?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        Some(value)
    }

    /// Reads a number with JSON's grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<JsonNumber<'a>> {
        let start = self.pos;
        self.eat(b'-');
        if !self.eat(b'0') {
            self.digits()?;
        }
        if self.eat(b'.') {
            self.digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            self.digits()?;
        }
        let text = &self.text[start..self.pos];
        Some(JsonNumber { text, value: text.parse().ok()? })
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        (self.pos > start).then_some(())
    }
}

/// Keeps, for each key, only its last entry: with duplicate keys the last one wins.
fn dedupe_last_wins(entries: &mut Vec<(Cow<'_, str>, JsonValue<'_>)>) {
    if entries.len() <= 16 && !has_duplicate_small(entries) {
        return;
    }
    let keep: Vec<bool> = {
        let mut seen = HashSet::new();
        entries.iter().rev().map(|(k, _)| seen.insert(k.as_ref())).collect()
    };
    if keep.iter().all(|k| *k) {
        return;
    }
    let mut keep = keep.into_iter().rev();
    entries.retain(|_| keep.next().unwrap_or(true));
}

/// True when a small object has a repeated key; quadratic but allocation-free.
fn has_duplicate_small(entries: &[(Cow<'_, str>, JsonValue<'_>)]) -> bool {
    entries.iter().enumerate().any(|(i, (key, _))| entries[i + 1..].iter().any(|(k, _)| k == key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_objects_and_arrays() {
        let v = parse(r#" {"a": {"b": [1, "x", null, true, false]}} "#).unwrap();
        let items = v.get("a").unwrap().get("b").unwrap().children();
        assert_eq!(items.len(), 5);
        assert_eq!(items[2], &JsonValue::Null);
    }

    #[test]
    fn numbers_keep_their_text() {
        let v = parse(r#"{"a": 1.0, "b": -1e0, "c": 0}"#).unwrap();
        let JsonValue::Number(n) = v.get("a").unwrap() else { panic!("not a number") };
        assert_eq!((n.text, n.value), ("1.0", 1.0));
        let JsonValue::Number(n) = v.get("b").unwrap() else { panic!("not a number") };
        assert_eq!((n.text, n.value), ("-1e0", -1.0));
    }

    #[test]
    fn duplicate_keys_last_one_wins() {
        let v = parse(r#"{"a": 1, "b": 2, "a": "last"}"#).unwrap();
        assert_eq!(v.get("a"), Some(&JsonValue::String("last".into())));
        assert_eq!(v.children().len(), 2);
    }

    #[test]
    fn escapes_and_surrogate_pairs_decode() {
        let v = parse(r#"{"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#).unwrap();
        assert_eq!(v.get("s"), Some(&JsonValue::String("a\"b\\c/d\n\u{e9}\u{1F600}".into())));
        let lone = parse(r#"{"s": "\ud83d!"}"#).unwrap();
        assert_eq!(lone.get("s"), Some(&JsonValue::String("\u{FFFD}!".into())));
    }

    #[test]
    fn invalid_json_is_rejected() {
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":1,}",
            "[1,]",
            "01",
            "1.",
            "{\"a\":tru}",
            "{} x",
            "\"a\nb\"",
            "{'a':1}",
            "-",
            "1e",
            "\"\\x\"",
            "\"\\u12g4\"",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse(&deep).is_none());
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&ok).is_some());
    }
}
