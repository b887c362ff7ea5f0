//! Locating fields in the bytes of one JSON Lines record, for splicing.
//!
//! `dedup` keeps every byte of a record it does not mean to change, so it
//! never re-serializes a record: it finds the byte range of the text field's
//! value (to replace just that string) or of the closing brace (to insert a
//! field before it). [`Object::parse`] has serde_json walk the top level of
//! the object, borrowing each value of interest as a [`RawValue`] and
//! skipping the others without building them; a borrowed value is a slice
//! of the line, so its byte range is where that slice sits in the line.
//! Keys are unescaped by serde_json, exactly as the reader sees them.
//!
//! serde_json reads UTF-8, so a line that is not is read as the reader
//! reads it, with invalid sequences replaced by U+FFFD, and the ranges are
//! mapped back to the raw bytes (the structural bytes they start and end
//! at are ASCII, outside any replaced sequence). A key with a lone
//! surrogate escape is read as the reader does too: as `\ufffd`, which has
//! the same length.
//!
//! The records reaching this module were parsed by the reader, so a
//! failure here means the file changed since it was read. A record whose
//! text field appears twice was refused by the reader (it is never a
//! document), and here its text field is not found either.
//!
//! ```text
//! {"id": 7, "text": "a b", "meta": {"x": [1]}}
//!                   ^^^^^ value of "text"       ^ close
//! ```

use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::corpus::replace_lone_surrogates;

/// The UTF-8 byte order mark, which may open the first line of a file.
const BOM: &str = "\u{feff}";

/// The top level of a JSON object on one line, with the values of the
/// fields asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    /// Number of top-level fields.
    pub fields: usize,
    /// Position of the closing `}`.
    pub close: usize,
    /// `(name, value)`: the index of a name asked for and the byte range of
    /// a value it has, in the order they appear.
    found: Vec<(usize, Range<usize>)>,
}

impl Object {
    /// Walks the top level of the object on `line` (without its line
    /// break), noting the values of the fields named `names`; `None` if it
    /// is not one JSON object.
    pub(crate) fn parse(line: &[u8], names: &[&str]) -> Option<Object> {
        match std::str::from_utf8(line) {
            Ok(text) => parse_str(text, names),
            Err(_) => {
                let lossy = String::from_utf8_lossy(line);
                let object = parse_str(&lossy, names)?;
                let raw = |at: usize| raw_offset(line, at);
                Some(Object {
                    fields: object.fields,
                    close: raw(object.close),
                    found: object
                        .found
                        .into_iter()
                        .map(|(name, r)| (name, raw(r.start)..raw(r.end)))
                        .collect(),
                })
            }
        }
    }

    /// The byte ranges of the values of field `names[name]`, in order.
    pub(crate) fn values(&self, name: usize) -> impl Iterator<Item = Range<usize>> + '_ {
        self.found
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, r)| r.clone())
    }

    /// The byte range of the string value of field `names[name]`, quotes
    /// included; `None` when the field is absent, appears twice or is not
    /// a string.
    pub(crate) fn string(&self, line: &[u8], name: usize) -> Option<Range<usize>> {
        let mut values = self.values(name);
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        (line.get(value.start) == Some(&b'"')).then_some(value)
    }
}

/// [`Object::parse`] on UTF-8, retrying with lone surrogate escapes read as
/// `\ufffd` when the first parse fails and the line has some.
fn parse_str(line: &str, names: &[&str]) -> Option<Object> {
    parse_utf8(line, names).or_else(|| parse_utf8(&replace_lone_surrogates(line)?, names))
}

/// [`Object::parse`] on UTF-8.
fn parse_utf8(line: &str, names: &[&str]) -> Option<Object> {
    let start = if line.starts_with(BOM) { BOM.len() } else { 0 };
    let json = &line[start..];
    let mut de = serde_json::Deserializer::from_str(json);
    let (fields, values) = FieldsSeed(names).deserialize(&mut de).ok()?;
    de.end().ok()?;
    let bounds = json.as_bytes().as_ptr_range();
    let mut found = Vec::with_capacity(values.len());
    for (name, value) in values {
        let value = value.get().as_bytes().as_ptr_range();
        if !(bounds.start <= value.start && value.end <= bounds.end) {
            return None;
        }
        // A borrowed value is a slice of `json`: its offset is where it sits.
        let at = start + (value.start as usize - bounds.start as usize);
        found.push((name, at..at + (value.end as usize - value.start as usize)));
    }
    // One object and only whitespace after it: it ends with its `}`.
    let close = start + json.trim_end_matches([' ', '\t', '\n', '\r']).len() - 1;
    Some(Object {
        fields,
        close,
        found,
    })
}

/// The offset in `raw` of offset `at` of `raw` read as lossy UTF-8 (each
/// maximal invalid sequence one U+FFFD), for an `at` that is not inside a
/// replacement.
fn raw_offset(raw: &[u8], at: usize) -> usize {
    let (mut lossy, mut bytes) = (0, 0);
    for chunk in raw.utf8_chunks() {
        let valid = chunk.valid().len();
        if at <= lossy + valid {
            return bytes + (at - lossy);
        }
        lossy += valid;
        bytes += valid;
        if !chunk.invalid().is_empty() {
            lossy += char::REPLACEMENT_CHARACTER.len_utf8();
            bytes += chunk.invalid().len();
        }
    }
    bytes + at.saturating_sub(lossy)
}

/// Walks an object's top-level fields: counts them, and borrows the values
/// of the names asked for as the raw JSON they are in the line (each with
/// the index of its name), skipping the others.
struct FieldsSeed<'n>(&'n [&'n str]);

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = (usize, Vec<(usize, &'de RawValue)>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = (usize, Vec<(usize, &'de RawValue)>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = 0;
        let mut found = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.0))? {
            fields += 1;
            match key {
                Some(name) => found.push((name, map.next_value::<&RawValue>()?)),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((fields, found))
    }
}

/// Reads a key (unescaped) as the index of the name it is, if it is one.
struct KeySeed<'n>(&'n [&'n str]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|name| *name == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let object = Object::parse(line.as_bytes(), &[name])?;
        let value = object.values(0).next()?;
        Some(&line[value])
    }

    #[test]
    fn finds_top_level_values() {
        let line = r#" {"id": 7, "meta": {"text": "nested", "a": [1, {"b": "}"}]}, "text" : "a \"b\" c" , "n": -1.5e3, "z": null} "#;
        assert_eq!(value(line, "text"), Some(r#""a \"b\" c""#));
        assert_eq!(value(line, "id"), Some("7"));
        assert_eq!(value(line, "n"), Some("-1.5e3"));
        assert_eq!(value(line, "z"), Some("null"));
        assert_eq!(
            value(line, "meta"),
            Some(r#"{"text": "nested", "a": [1, {"b": "}"}]}"#)
        );
        assert_eq!(value(line, "missing"), None);
        let object = Object::parse(line.as_bytes(), &[]).expect("object");
        assert_eq!(&line[object.close..], "} ");
        assert_eq!(object.fields, 5);
    }

    #[test]
    fn unescapes_keys() {
        let line = r#"{"te\u0078t": "x", "\\": 1}"#;
        assert_eq!(value(line, "text"), Some(r#""x""#));
        assert_eq!(value(line, "\\"), Some("1"));
    }

    #[test]
    fn handles_bom_empty_objects_and_raw_bytes() {
        assert_eq!(value("\u{feff}{\"text\":\"x\"}", "text"), Some("\"x\""));
        let object = Object::parse("\u{feff}{\"a\":1}".as_bytes(), &[]).expect("object");
        assert_eq!(object.close, 9);
        let empty = Object::parse(b"{ }", &[]).expect("empty object");
        assert_eq!((empty.fields, empty.close), (0, 2));
        // Invalid UTF-8 inside strings, before and after the value found,
        // and in a key: ranges are in the raw bytes.
        let bytes = b"{\"\xff\":\"\xe9\xe9\",\"text\":\"caf\xe9\",\"id\":\"\xc3\"}";
        let object = Object::parse(bytes, &["text", "id"]).expect("invalid UTF-8 inside strings");
        let text = object.string(bytes, 0).expect("text");
        assert_eq!(&bytes[text], b"\"caf\xe9\"");
        let id = object.values(1).next().expect("id");
        assert_eq!(&bytes[id], b"\"\xc3\"");
        assert_eq!(object.close, bytes.len() - 1);
    }

    #[test]
    fn lone_surrogates_are_read_as_the_reader_reads_them() {
        let line = r#"{"\ud800": 1, "text": "a \udc00 b"}"#;
        assert_eq!(value(line, "text"), Some(r#""a \udc00 b""#));
        assert_eq!(value(line, "\u{fffd}"), Some("1"));
    }

    #[test]
    fn rejects_what_is_not_one_object() {
        for bad in [
            "",
            "[1]",
            "{\"a\":1",
            "{\"a\" 1}",
            "{\"a\":1} x",
            "{\"a\":1}{}",
            "{\"a\":}",
            "{\"a\":\"unterminated}",
            "{\"a\":[1,2}",
        ] {
            assert_eq!(Object::parse(bad.as_bytes(), &[]), None, "{bad}");
        }
    }

    #[test]
    fn string_needs_one_string_value() {
        let names = ["text"];
        let string = |line: &[u8]| Object::parse(line, &names).and_then(|o| o.string(line, 0));
        assert_eq!(string(br#"{"text": 3}"#), None);
        assert_eq!(string(br#"{"body": "b", "text": "t"}"#), Some(22..25));
        assert_eq!(string(br#"{"text": "a", "text": "b"}"#), None, "twice");
        let line = br#"{"dupscan": 1, "dupscan": 2}"#;
        let object = Object::parse(line, &["dupscan"]).expect("object");
        assert_eq!(object.values(0).count(), 2);
    }

    #[test]
    fn raw_offsets_skip_replacements() {
        let raw = b"a\xffbc\xe9\xe9d";
        // Lossy: "a" U+FFFD "bc" U+FFFD U+FFFD "d" (each U+FFFD 3 bytes).
        assert_eq!(raw_offset(raw, 0), 0);
        assert_eq!(raw_offset(raw, 1), 1);
        assert_eq!(raw_offset(raw, 4), 2);
        assert_eq!(raw_offset(raw, 6), 4);
        assert_eq!(raw_offset(raw, 12), 6);
        assert_eq!(raw_offset(raw, 13), 7);
    }
}

#[cfg(test)]
mod agreement {
    //! Random records: what [`Object::parse`] finds must be what serde_json
    //! reads from the whole line.
    use super::*;

    /// Deterministic pseudo-random numbers (xorshift64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, xs: &[&'a [u8]]) -> &'a [u8] {
            xs[(self.next() % xs.len() as u64) as usize]
        }
    }

    fn string(r: &mut Rng, out: &mut Vec<u8>) {
        out.push(b'"');
        for _ in 0..r.next() % 6 {
            let pieces: &[&[u8]] = &[
                b"a",
                b"text",
                b"\\\"",
                b"\\\\",
                b"\\n",
                b"\\u0078",
                b"\\ud83d\\ude00",
                b"\xc3\xa9",
                b"}",
                b"{",
                b"[",
                b",",
                b":",
                b" ",
            ];
            out.extend_from_slice(r.pick(pieces));
        }
        out.push(b'"');
    }

    fn value(r: &mut Rng, out: &mut Vec<u8>, depth: u32) {
        match r.next() % if depth > 2 { 3 } else { 5 } {
            0 => string(r, out),
            1 => out.extend_from_slice(r.pick(&[
                b"1",
                b"-1.5e3",
                b"12345678901234567890",
                b"true",
                b"null",
            ])),
            2 => string(r, out),
            3 => {
                out.push(b'[');
                for i in 0..r.next() % 3 {
                    if i > 0 {
                        out.push(b',');
                    }
                    value(r, out, depth + 1);
                }
                out.push(b']');
            }
            _ => object(r, out, depth + 1),
        }
    }

    fn object(r: &mut Rng, out: &mut Vec<u8>, depth: u32) {
        out.push(b'{');
        out.extend_from_slice(r.pick(&[b"", b" ", b"\t"]));
        for i in 0..r.next() % 5 {
            if i > 0 {
                out.extend_from_slice(r.pick(&[b",", b", "]));
            }
            if r.next() % 2 == 0 {
                let keys: &[&[u8]] = &[b"\"text\"", b"\"te\\u0078t\"", b"\"dupscan\"", b"\"id\""];
                out.extend_from_slice(r.pick(keys));
            } else {
                string(r, out);
            }
            out.extend_from_slice(r.pick(&[b":", b" : ", b":\t"]));
            value(r, out, depth);
        }
        out.extend_from_slice(r.pick(&[b"", b" "]));
        out.push(b'}');
    }

    #[test]
    fn random_records_agree_with_serde_json() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for _ in 0..20_000 {
            let mut line = Vec::new();
            object(&mut r, &mut line, 0);
            line.extend_from_slice(r.pick(&[b"", b" "]));
            let shown = String::from_utf8_lossy(&line).into_owned();
            let Ok(serde_json::Value::Object(whole)) = serde_json::from_slice(&line) else {
                panic!("the generator writes JSON objects: {shown}");
            };
            let object = Object::parse(&line, &["text", "dupscan"]).expect(&shown);
            assert_eq!(line[object.close], b'}', "{shown}");
            assert!(
                line[object.close + 1..].iter().all(|&b| b == b' '),
                "{shown}"
            );
            let texts = object.values(0).count();
            if texts > 1 || object.fields != whole.len() {
                // A repeated key: serde_json's map keeps the last value.
                continue;
            }
            checked += 1;
            let text = object.string(&line, 0).map(|range| {
                serde_json::from_slice::<serde_json::Value>(&line[range]).expect(&shown)
            });
            let expected = whole.get("text").filter(|v| v.is_string());
            assert_eq!(text.as_ref(), expected, "{shown}");
            assert_eq!(
                object.values(1).next().is_some(),
                whole.contains_key("dupscan"),
                "{shown}"
            );
        }
        assert!(checked > 10_000, "{checked} records without repeated keys");
    }
}
