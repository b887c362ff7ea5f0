//! Locating fields in the bytes of one JSON Lines record, for splicing.
//!
//! `dedup` keeps every byte of a record it does not mean to change, so it
//! never re-serializes a record: it finds the byte range of the text field's
//! value (to replace just that string) or of the closing brace (to insert a
//! field before it). [`Object::parse`] walks the top level of the object and
//! skips every value by its brackets and string quotes without building it.
//! It works on raw bytes, so invalid UTF-8 inside strings does not matter.
//!
//! The records reaching it were already parsed by the reader, so a failure
//! here means the file changed since it was read.
//!
//! ```text
//! {"id": 7, "text": "a b", "meta": {"x": [1]}}
//!                   ^^^^^ value of "text"       ^ close
//! ```

use std::borrow::Cow;
use std::ops::Range;

use crate::corpus::ReadOptions;

/// The UTF-8 byte order mark, which may open the first line of a file.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// One top-level field: byte ranges of its key (with quotes) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// The top level of a JSON object on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    /// Fields in order.
    pub fields: Vec<Field>,
    /// Position of the closing `}`.
    pub close: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while line.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

/// End (one past the closing quote) of the string opening at `i`.
fn skip_string(line: &[u8], mut i: usize) -> Option<usize> {
    if line.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    loop {
        match line.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// End of the value starting at `i`.
fn skip_value(line: &[u8], i: usize) -> Option<usize> {
    match line.get(i)? {
        b'"' => skip_string(line, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match line.get(j)? {
                    b'"' => {
                        j = skip_string(line, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(&b) = line.get(j) {
                if is_ws(b) || matches!(b, b',' | b'}' | b']') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

impl Object {
    /// Walks the top level of the object on `line` (without its line
    /// break); `None` if it is not one.
    pub(crate) fn parse(line: &[u8]) -> Option<Object> {
        let start = if line.starts_with(BOM) { BOM.len() } else { 0 };
        let mut i = skip_ws(line, start);
        if line.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(line, i + 1);
        let mut fields = Vec::new();
        if line.get(i) == Some(&b'}') {
            return Object::finish(line, fields, i);
        }
        loop {
            let key_end = skip_string(line, i)?;
            let key = i..key_end;
            i = skip_ws(line, key_end);
            if line.get(i) != Some(&b':') {
                return None;
            }
            let value_start = skip_ws(line, i + 1);
            let value_end = skip_value(line, value_start)?;
            fields.push(Field {
                key,
                value: value_start..value_end,
            });
            i = skip_ws(line, value_end);
            match line.get(i)? {
                b',' => i = skip_ws(line, i + 1),
                b'}' => return Object::finish(line, fields, i),
                _ => return None,
            }
        }
    }

    fn finish(line: &[u8], fields: Vec<Field>, close: usize) -> Option<Object> {
        (skip_ws(line, close + 1) == line.len()).then_some(Object { fields, close })
    }

    /// The first field whose key, unescaped, is `name`.
    pub(crate) fn field(&self, line: &[u8], name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| key_text(&line[f.key.clone()]).is_some_and(|k| k == name))
    }
}

/// The text of a quoted key, unescaped (invalid UTF-8 replaced, as the
/// reader does).
fn key_text(quoted: &[u8]) -> Option<Cow<'_, str>> {
    let inner = &quoted[1..quoted.len() - 1];
    if !inner.contains(&b'\\') {
        return Some(String::from_utf8_lossy(inner));
    }
    let lossy = String::from_utf8_lossy(quoted);
    serde_json::from_str::<String>(&lossy).ok().map(Cow::Owned)
}

/// The byte range of the text field's string value in `line`.
pub(crate) fn text_value(object: &Object, line: &[u8], opts: &ReadOptions) -> Option<Range<usize>> {
    let field = object.field(line, &opts.text_field)?;
    (line.get(field.value.start) == Some(&b'"')).then(|| field.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let object = Object::parse(line.as_bytes())?;
        let field = object.field(line.as_bytes(), name)?;
        Some(&line[field.value.clone()])
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
        let object = Object::parse(line.as_bytes()).expect("object");
        assert_eq!(&line[object.close..], "} ");
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
        let empty = Object::parse(b"{ }").expect("empty object");
        assert_eq!((empty.fields.len(), empty.close), (0, 2));
        let bytes = b"{\"text\":\"caf\xe9\",\"id\":1}";
        let object = Object::parse(bytes).expect("invalid UTF-8 inside a string");
        let text = object.field(bytes, "text").expect("text");
        assert_eq!(&bytes[text.value.clone()], b"\"caf\xe9\"");
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
            assert_eq!(Object::parse(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn text_value_needs_a_string() {
        let opts = ReadOptions::default();
        let line = br#"{"text": 3}"#;
        let object = Object::parse(line).expect("object");
        assert_eq!(text_value(&object, line, &opts), None);
        let line = br#"{"body": "b", "text": "t"}"#;
        let object = Object::parse(line).expect("object");
        assert_eq!(text_value(&object, line, &opts), Some(22..25));
    }
}
