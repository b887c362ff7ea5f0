//! JSON Lines: one document per line, parsed in parallel, kept in order.
//!
//! The stream is read sequentially in batches of about 8 MiB that end on a
//! line boundary. Each batch is cut into pieces at line boundaries, the
//! pieces are parsed in parallel, and their documents are appended in order,
//! so the output (and which error is reported) never depends on the number of
//! threads: when several lines are bad, the first one in the file is the one
//! reported. Reading the next batch overlaps with parsing the current one.
//!
//! A record is parsed with a typed visitor rather than into a generic JSON
//! value: it walks the object's keys, deserializes only the text field (a
//! borrowed string when it has no escapes) and the id field (a string, or a
//! number kept as its JSON text, so `12345678901234567890123` and `1.50`
//! stay as written), and skips every other value without building it. A
//! null or absent id becomes `path:line`.
//!
//! A line longer than `--max-document-bytes` stops the read (or, with
//! `--skip-bad-lines`, is skipped, counted and warned about): the reader
//! never holds more than the limit plus one batch of a line, and the rest of
//! a skipped line is discarded as it streams by, so one endless line cannot
//! exhaust memory.
//!
//! Lines may end in `\n` or `\r\n`; blank lines are counted and skipped; a
//! leading UTF-8 byte order mark is ignored. Invalid UTF-8 is replaced with
//! U+FFFD before parsing and counted per document.
//!
//! A lone surrogate escape (`"\ud800"` without its pair, as Python's `json`
//! writes for strings that held one) is not a character, and serde_json
//! refuses it. A line that fails to parse is therefore scanned for lone
//! surrogate escapes inside strings; if it has some, each is read as
//! `\ufffd` (the same length, so columns in errors still match) and the line
//! is parsed again. Such documents are counted.
//!
//! ```
//! use dupscan::corpus::{read_inputs, ReadOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("docs.jsonl");
//! std::fs::write(&path, "{\"id\": 7, \"text\": \"a\", \"meta\": {\"x\": [1]}}\n\n{\"text\": \"b\"}\n")?;
//! let corpus = read_inputs(&[path.clone()], &ReadOptions::default(), &|_| {})?;
//! assert_eq!(corpus.docs[0].id, "7");
//! assert_eq!(corpus.docs[1].id, format!("{}:3", path.display()));
//! assert_eq!(corpus.stats.blank_lines, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::path::Path;

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::detect::{SNIFF_LEN, UTF8_BOM, sniff_content};
use super::format::{Input, InputFormat, Parallelism, Position, Records, strip_bom};
use super::open::read_head;
use super::text::MAX_DOC;
use super::walk::read_error;
use super::{BadLines, Document, Layout, ReadOptions, Warning};
use crate::error::{Error, Result};

/// JSON Lines: one JSON object per line, the text and the id in the
/// configured fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonlFormat;

impl InputFormat for JsonlFormat {
    fn layout(&self) -> Layout {
        Layout::Jsonl
    }

    fn name(&self) -> &'static str {
        "JSON Lines"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["jsonl", "json", "ndjson"]
    }

    /// JSON Lines when the first byte that is not whitespace (nor a leading
    /// byte order mark) is `{`; undecided while there is only whitespace
    /// (or part of a byte order mark).
    fn sniff(&self, head: &[u8]) -> Option<bool> {
        let head = strip_bom(head)?;
        head.iter()
            .find(|b| !b.is_ascii_whitespace())
            .map(|&b| b == b'{')
    }

    fn position(&self) -> Position {
        Position::Line
    }

    fn parallelism(&self) -> Parallelism {
        Parallelism::WithinFile
    }

    fn filters_as_it_reads(&self) -> bool {
        true
    }

    /// Refuses a stream whose first bytes are a magic number of a format
    /// dupscan does not read (without the NUL rule of text: binary junk
    /// gives bad lines), then parses its lines in parallel, in order.
    fn read(&self, input: Input<'_>, out: &mut Records) -> Result<()> {
        let head = read_head(&mut *input.reader, SNIFF_LEN).map_err(read_error(input.path))?;
        if let Some(what) = sniff_content(&head, Layout::Jsonl) {
            out.stats.bytes += head.len() as u64;
            (input.on_bytes)(head.len() as u64);
            return input.not_text(what, out);
        }
        let mut reader = std::io::Cursor::new(head).chain(&mut *input.reader);
        read_jsonl(
            &mut reader,
            input.path,
            input.source,
            input.opts,
            input.on_bytes,
            out,
        )
    }
}

/// Bytes read per batch (a batch then extends to the end of its last line).
const BATCH: usize = 8 * 1024 * 1024;
/// Smallest piece worth handing to a thread.
const MIN_PIECE: usize = 128 * 1024;

/// The two fields a record is read for.
#[derive(Debug, Clone, Copy)]
struct Fields<'f> {
    text: &'f str,
    id: &'f str,
    /// The keys of each field's path, when either is nested (see
    /// [`field_path`]); `None` when both are top-level keys.
    nested: Option<&'f Paths>,
}

/// The keys leading to the text and id fields.
#[derive(Debug)]
struct Paths {
    /// One path per text field.
    text: Vec<Vec<String>>,
    id: Vec<String>,
}

/// The keys of a field's path: a JSON pointer (`/meta/text`, with `~1`
/// for `/` and `~0` for `~` in a key) or a dotted path (`meta.text`);
/// a name with neither a leading `/` nor a dot is one top-level key, as
/// is the name of a key that holds a dot when given as a pointer
/// (`/a.b`).
pub(crate) fn field_path(name: &str) -> Vec<String> {
    if let Some(pointer) = name.strip_prefix('/') {
        pointer
            .split('/')
            .map(|key| key.replace("~1", "/").replace("~0", "~"))
            .collect()
    } else {
        name.split('.').map(str::to_owned).collect()
    }
}

impl Paths {
    /// The paths of the text fields and the id field, when one is
    /// nested or there are several text fields.
    fn of(opts: &ReadOptions) -> Option<Paths> {
        let names: Vec<&str> = opts.text_fields().chain([opts.id_field.as_str()]).collect();
        let simple = names.len() == 2
            && names
                .iter()
                .all(|n| !n.starts_with('/') && !n.contains('.'));
        (!simple).then(|| Paths {
            text: opts.text_fields().map(field_path).collect(),
            id: field_path(&opts.id_field),
        })
    }
}

/// A parsed record, borrowing from its line where it can.
#[derive(Debug, PartialEq, Eq)]
struct Record<'a> {
    /// The id field as text; `None` when absent or null.
    id: Option<Cow<'a, str>>,
    /// The text field (several joined by newlines).
    text: Cow<'a, str>,
    /// Where each text field after the first starts ([`Document::joins`]).
    joins: Vec<u32>,
}

/// A `\uXXXX` escape at the start of `s`, or a surrogate pair of two: its
/// length in bytes and its char, `None` for a lone surrogate (a leading one
/// not followed by a trailing one, or a trailing one on its own); `None`
/// overall when `s` does not start with such an escape.
pub(crate) fn unicode_escape(s: &[u8]) -> Option<(usize, Option<char>)> {
    fn hex4(s: &[u8]) -> Option<u32> {
        let digits = s.get(..4)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }
    if s.get(..2) != Some(b"\\u") {
        return None;
    }
    let n = hex4(&s[2..])?;
    if (0xD800..0xDC00).contains(&n) && s.get(6..8) == Some(b"\\u") {
        if let Some(low @ 0xDC00..0xE000) = hex4(&s[8..]) {
            let c = 0x10000 + ((n - 0xD800) << 10) + (low - 0xDC00);
            return Some((12, char::from_u32(c)));
        }
    }
    Some((6, char::from_u32(n)))
}

/// `line` with every lone surrogate escape inside a string replaced by
/// `\ufffd`; `None` when it has none.
pub(crate) fn replace_lone_surrogates(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let mut patched: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                in_string = !in_string;
                i += 1;
            }
            b'\\' if in_string => match unicode_escape(&bytes[i..]) {
                Some((len, None)) => {
                    let out = patched.get_or_insert_with(|| bytes.to_vec());
                    out[i + 2..i + len].copy_from_slice(b"fffd");
                    i += len;
                }
                Some((len, Some(_))) => i += len,
                None => i += 2,
            },
            _ => i += 1,
        }
    }
    // Only ASCII hex digits were replaced, so the bytes are still UTF-8.
    patched.and_then(|p| String::from_utf8(p).ok())
}

/// A record parsed from a line, owning its fields.
#[derive(Debug)]
struct Owned {
    id: Option<String>,
    text: String,
    joins: Vec<u32>,
    /// Whether lone surrogate escapes were read as U+FFFD.
    lone_surrogates: bool,
}

/// Parses one line as a record, reading lone surrogate escapes as U+FFFD
/// when that is what stops it; or says what is wrong with it.
fn parse_line(line: &str, fields: Fields<'_>) -> Result<Owned, String> {
    let owned = |record: Record<'_>, lone_surrogates| Owned {
        id: record.id.map(Cow::into_owned),
        text: record.text.into_owned(),
        joins: record.joins,
        lone_surrogates,
    };
    match parse_record(line, fields) {
        Ok(record) => Ok(owned(record, false)),
        Err(message) => match replace_lone_surrogates(line) {
            Some(patched) => parse_record(&patched, fields).map(|r| owned(r, true)),
            None => Err(message),
        },
    }
}

/// Parses one line as a record, or says what is wrong with it.
fn parse_record<'a>(line: &'a str, fields: Fields<'_>) -> Result<Record<'a>, String> {
    if let Some(paths) = fields.nested {
        return parse_nested(line, fields, paths);
    }
    let mut de = serde_json::Deserializer::from_str(line);
    RecordSeed(fields)
        .deserialize(&mut de)
        .and_then(|record| de.end().map(|()| record))
        .map_err(|err| describe(&err))
}

/// Parses one line as a record whose fields are found by path: each
/// object on the way is read as its keys and raw values, and the value at
/// the end of a path as the top-level reader reads it (a key given twice
/// counts once, its last value).
fn parse_nested<'a>(
    line: &'a str,
    fields: Fields<'_>,
    paths: &Paths,
) -> Result<Record<'a>, String> {
    let raw: &'a RawValue = serde_json::from_str(line).map_err(|e| describe(&e))?;
    if !raw.get().starts_with('{') {
        return Err(format!(
            "expected a JSON object with a string field \"{}\"",
            fields.text
        ));
    }
    let find = |path: &[String]| -> Result<Option<&'a RawValue>, String> {
        let mut value = raw;
        for key in path {
            if !value.get().starts_with('{') {
                return Ok(None);
            }
            let object: HashMap<Cow<'a, str>, &'a RawValue> =
                serde_json::from_str(value.get()).map_err(|e| describe(&e))?;
            match object.get(key.as_str()) {
                Some(v) => value = v,
                None => return Ok(None),
            }
        }
        Ok(Some(value))
    };
    let mut text: Cow<'a, str> = Cow::Borrowed("");
    let mut joins = Vec::new();
    for (i, path) in paths.text.iter().enumerate() {
        let name = if i == 0 {
            fields.text.to_owned()
        } else {
            path.join(".")
        };
        let raw = find(path)?.ok_or_else(|| {
            format!(
                "missing field \"{0}\": expected a JSON object with a string field \"{0}\"",
                name
            )
        })?;
        let mut de = serde_json::Deserializer::from_str(raw.get());
        let value = TextSeed(&name)
            .deserialize(&mut de)
            .map_err(|e| describe(&e))?;
        if i == 0 {
            text = value;
        } else {
            let joined = text.to_mut();
            joined.push('\n');
            joins.push(u32::try_from(joined.len()).unwrap_or(u32::MAX));
            joined.push_str(&value);
        }
    }
    let id = match find(&paths.id)? {
        Some(raw) => id_text::<serde_json::Error>(raw, fields.id).map_err(|e| describe(&e))?,
        None => None,
    };
    Ok(Record { id, text, joins })
}

/// serde_json's message without its "at line 1 column N" suffix, which would
/// be confused with the line in the file; syntax errors keep the column.
fn describe(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    match err.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("{message} at column {}", err.column())
        }
        _ => message.to_owned(),
    }
}

/// Deserializes a whole record.
struct RecordSeed<'f>(Fields<'f>);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Record<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object with a string field \"{}\"", self.0.text)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let fields = self.0;
        let mut text: Option<Cow<'de, str>> = None;
        let mut id: Option<Option<Cow<'de, str>>> = None;
        let duplicate = |name: &str| de::Error::custom(format!("duplicate field \"{name}\""));
        while let Some(key) = map.next_key_seed(KeySeed(fields))? {
            match key {
                Key::Text | Key::Both if text.is_some() => return Err(duplicate(fields.text)),
                Key::Id if id.is_some() => return Err(duplicate(fields.id)),
                Key::Text => text = Some(map.next_value_seed(TextSeed(fields.text))?),
                Key::Both => {
                    let value = map.next_value_seed(TextSeed(fields.text))?;
                    id = Some(Some(value.clone()));
                    text = Some(value);
                }
                Key::Id => id = Some(id_text(map.next_value()?, fields.id)?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let text = text.ok_or_else(|| {
            de::Error::custom(format!(
                "missing field \"{0}\": expected a JSON object with a string field \"{0}\"",
                fields.text
            ))
        })?;
        Ok(Record {
            id: id.flatten(),
            text,
            joins: Vec::new(),
        })
    }
}

/// What an object key is to us.
enum Key {
    Text,
    Id,
    /// The text and id fields are the same field.
    Both,
    Other,
}

/// Classifies a key without allocating.
struct KeySeed<'f>(Fields<'f>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match (key == self.0.text, key == self.0.id) {
            (true, true) => Key::Both,
            (true, false) => Key::Text,
            (false, true) => Key::Id,
            (false, false) => Key::Other,
        })
    }
}

/// Deserializes the text field: a string, borrowed when it has no escapes.
struct TextSeed<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for TextSeed<'_> {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a string in field \"{}\"", self.0)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The id field, given as its raw JSON text: a string (unescaped), a number
/// (its JSON text exactly as written: a number is never converted, so ids
/// beyond 2^53 stay distinct), or null (`None`).
fn id_text<'de, E: de::Error>(raw: &'de RawValue, field: &str) -> Result<Option<Cow<'de, str>>, E> {
    let text = raw.get();
    let kind = match text.as_bytes().first() {
        Some(b'"') => {
            let mut de = serde_json::Deserializer::from_str(text);
            return TextSeed(field)
                .deserialize(&mut de)
                .map(Some)
                .map_err(|e| E::custom(describe(&e)));
        }
        Some(b'-' | b'0'..=b'9') => return Ok(Some(Cow::Borrowed(text))),
        Some(b'n') => return Ok(None),
        Some(b'[') => "sequence".to_owned(),
        Some(b'{') => "map".to_owned(),
        _ => format!("boolean `{text}`"),
    };
    Err(E::custom(format!(
        "invalid type: {kind}, expected a string, a number or null in field \"{field}\""
    )))
}

/// What the batch reader hands over next.
enum Chunk {
    /// Whole lines (the last one may lack its newline at the end of input).
    Lines(Vec<u8>),
    /// The next line is longer than the limit (only its start was read).
    TooLong,
    /// End of input.
    End,
}

/// Reads a stream in batches of whole lines.
struct BatchReader<'r> {
    reader: &'r mut (dyn BufRead + Send),
    /// The start of a line that did not fit in the last batch.
    carry: Vec<u8>,
    started: bool,
    eof: bool,
    /// Bytes read so far.
    bytes: u64,
    /// The longest line, in bytes (without its line break).
    limit: u64,
    /// The rest of the current line is to be discarded (after
    /// [`Chunk::TooLong`], see [`BatchReader::skip_line`]).
    skipping: bool,
}

impl<'r> BatchReader<'r> {
    fn new(reader: &'r mut (dyn BufRead + Send), limit: u64) -> Self {
        Self {
            reader,
            carry: Vec::new(),
            started: false,
            eof: false,
            bytes: 0,
            limit,
            skipping: false,
        }
    }

    /// After [`Chunk::TooLong`]: the next call to [`BatchReader::next`]
    /// discards the rest of that line, without holding it, and goes on
    /// after it.
    fn skip_line(&mut self) {
        self.skipping = true;
    }

    /// Discards bytes up to and including the next newline (or to the end).
    fn discard_line(&mut self, on_bytes: &(dyn Fn(u64) + Sync)) -> io::Result<()> {
        while self.skipping {
            let buf = self.reader.fill_buf()?;
            let (n, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), buf.is_empty()),
            };
            if buf.is_empty() {
                self.eof = true;
            }
            self.reader.consume(n);
            self.bytes += n as u64;
            if n > 0 {
                on_bytes(n as u64);
            }
            self.skipping = !found;
        }
        Ok(())
    }

    fn next(&mut self, on_bytes: &(dyn Fn(u64) + Sync)) -> io::Result<Chunk> {
        self.discard_line(on_bytes)?;
        let mut buf = std::mem::take(&mut self.carry);
        // The carried part holds no newline, so only new bytes are searched.
        let mut searched = buf.len();
        loop {
            if !self.eof {
                buf.reserve(BATCH);
                let n = (&mut *self.reader)
                    .take(BATCH as u64)
                    .read_to_end(&mut buf)?;
                self.eof = n < BATCH;
                self.bytes += n as u64;
                if n > 0 {
                    on_bytes(n as u64);
                }
                if !self.started {
                    self.started = true;
                    if buf.starts_with(UTF8_BOM) {
                        buf.drain(..UTF8_BOM.len());
                    }
                }
            }
            if let Some(i) = buf[searched..].iter().rposition(|&b| b == b'\n') {
                self.carry = buf.split_off(searched + i + 1);
                return Ok(Chunk::Lines(buf));
            }
            if self.eof {
                return Ok(if buf.is_empty() {
                    Chunk::End
                } else {
                    Chunk::Lines(buf)
                });
            }
            if buf.len() as u64 > self.limit {
                return Ok(Chunk::TooLong);
            }
            searched = buf.len();
        }
    }
}

/// Why parsing stopped at a line.
enum Fatal {
    Bad(String),
    /// Larger than this limit.
    TooLarge(u64),
}

/// A document parsed from a piece, before it gets its global line number.
struct Parsed {
    /// 0-based line index within the piece.
    line: u64,
    id: Option<String>,
    text: String,
    joins: Vec<u32>,
}

/// What a piece of a batch yields.
#[derive(Default)]
struct PieceOut {
    docs: Vec<Parsed>,
    /// Lines in the piece (not meaningful once `fatal` is set).
    lines: u64,
    blank: u64,
    bad: u64,
    /// Lines skipped for being over the limit (0-based, in the piece).
    too_large: Vec<u64>,
    invalid_utf8: u64,
    lone_surrogates: u64,
    /// The first line that stops the read, as a 0-based index in the piece.
    fatal: Option<(u64, Fatal)>,
}

/// Splits `batch` into about `n` pieces, each ending after a newline (or at
/// the end of the batch).
fn pieces(batch: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..n {
        let target = batch.len() * k / n;
        if target < start {
            continue;
        }
        let end = batch[target..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(batch.len(), |i| target + i + 1);
        if end > start {
            out.push(&batch[start..end]);
            start = end;
        }
    }
    if start < batch.len() {
        out.push(&batch[start..]);
    }
    out
}

/// Parses the lines of one piece, stopping at the first fatal one.
fn parse_piece(piece: &[u8], fields: Fields<'_>, opts: &ReadOptions) -> PieceOut {
    let bad_lines = opts.bad_lines;
    let mut out = PieceOut::default();
    let body = piece.strip_suffix(b"\n").unwrap_or(piece);
    for (index, line) in body.split(|&b| b == b'\n').enumerate() {
        let index = index as u64;
        out.lines = index + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            out.blank += 1;
            continue;
        }
        if line.len() as u64 > opts.max_document_bytes {
            match bad_lines {
                BadLines::Skip => {
                    out.bad += 1;
                    out.too_large.push(index);
                    continue;
                }
                BadLines::Fail => {
                    out.fatal = Some((index, Fatal::TooLarge(opts.max_document_bytes)));
                    break;
                }
            }
        }
        let (src, lossy) = match std::str::from_utf8(line) {
            Ok(s) => (Cow::Borrowed(s), false),
            Err(_) => (String::from_utf8_lossy(line), true),
        };
        match parse_line(&src, fields) {
            Ok(record) if record.text.len() as u64 > MAX_DOC => {
                out.fatal = Some((index, Fatal::TooLarge(MAX_DOC)));
                break;
            }
            Ok(record) => {
                out.invalid_utf8 += u64::from(lossy);
                out.lone_surrogates += u64::from(record.lone_surrogates);
                out.docs.push(Parsed {
                    line: index,
                    id: record.id,
                    text: record.text,
                    joins: record.joins,
                });
            }
            Err(message) => match bad_lines {
                BadLines::Skip => out.bad += 1,
                BadLines::Fail => {
                    out.fatal = Some((index, Fatal::Bad(message)));
                    break;
                }
            },
        }
    }
    out
}

/// Reads a JSON Lines stream into `corpus`, as source number `source`.
///
/// `path` names the stream in ids and errors. `on_bytes` is called once per
/// batch with the bytes just read.
pub(crate) fn read_jsonl(
    reader: &mut (dyn BufRead + Send),
    path: &Path,
    source: u32,
    opts: &ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
    corpus: &mut Records,
) -> Result<()> {
    let paths = Paths::of(opts);
    let fields = Fields {
        text: &opts.text_field,
        id: &opts.id_field,
        nested: paths.as_ref(),
    };
    let shown = path.display().to_string();
    let max_pieces = rayon::current_num_threads().saturating_mul(4).max(1);
    let mut batches = BatchReader::new(reader, opts.max_document_bytes);
    // Lines before the current batch.
    let mut base = 0u64;
    let mut next = batches.next(on_bytes);
    loop {
        let batch = match next.map_err(read_error(path))? {
            Chunk::Lines(batch) => batch,
            Chunk::End => break,
            Chunk::TooLong => {
                let (path, line) = (path.to_path_buf(), base + 1);
                let limit = opts.max_document_bytes;
                if opts.bad_lines == BadLines::Fail {
                    return Err(Error::TooLarge { path, line, limit });
                }
                corpus.stats.bad_lines += 1;
                corpus
                    .warnings
                    .push(Warning::TooLarge { path, line, limit });
                base += 1;
                batches.skip_line();
                next = batches.next(on_bytes);
                continue;
            }
        };
        let n = (batch.len() / MIN_PIECE).clamp(1, max_pieces);
        let (outs, following) = rayon::join(
            || {
                pieces(&batch, n)
                    .into_par_iter()
                    .map(|piece| parse_piece(piece, fields, opts))
                    .collect::<Vec<_>>()
            },
            || batches.next(on_bytes),
        );
        for out in outs {
            let from = corpus.docs.len();
            corpus.docs.extend(out.docs.into_iter().map(|p| {
                let line = base + p.line + 1;
                Document {
                    id: p.id.unwrap_or_else(|| format!("{shown}:{line}")),
                    source,
                    line,
                    text: p.text,
                    joins: p.joins,
                }
            }));
            if let Some(keep) = &corpus.keep_text {
                keep.apply(&mut corpus.docs, from);
            }
            if let Some((index, fatal)) = out.fatal {
                let (path, line) = (path.to_path_buf(), base + index + 1);
                return Err(match fatal {
                    Fatal::Bad(message) => Error::BadLine {
                        path,
                        line,
                        message,
                    },
                    Fatal::TooLarge(limit) => Error::TooLarge { path, line, limit },
                });
            }
            corpus
                .warnings
                .extend(out.too_large.iter().map(|&i| Warning::TooLarge {
                    path: path.to_path_buf(),
                    line: base + i + 1,
                    limit: opts.max_document_bytes,
                }));
            corpus.stats.blank_lines += out.blank;
            corpus.stats.bad_lines += out.bad;
            corpus.stats.invalid_utf8 += out.invalid_utf8;
            corpus.stats.lone_surrogates += out.lone_surrogates;
            base += out.lines;
        }
        next = following;
    }
    corpus.stats.bytes += batches.bytes;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const FIELDS: Fields<'static> = Fields {
        text: "text",
        id: "id",
        nested: None,
    };

    fn parse(line: &str) -> Result<Record<'_>, String> {
        parse_record(line, FIELDS)
    }

    fn read(bytes: &[u8], opts: &ReadOptions) -> Result<Records> {
        let mut corpus = Records::default();
        read_jsonl(
            &mut &bytes[..],
            Path::new("in.jsonl"),
            0,
            opts,
            &|_| {},
            &mut corpus,
        )?;
        Ok(corpus)
    }

    fn skip() -> ReadOptions {
        ReadOptions {
            bad_lines: BadLines::Skip,
            ..ReadOptions::default()
        }
    }

    fn ids(corpus: &Records) -> Vec<(&str, u64, &str)> {
        corpus
            .docs
            .iter()
            .map(|d| (d.id.as_str(), d.line, d.text.as_str()))
            .collect()
    }

    #[test]
    fn string_and_numeric_ids() {
        assert_eq!(
            parse(r#"{"id":"a-1","text":"x"}"#).unwrap().id.as_deref(),
            Some("a-1")
        );
        assert_eq!(
            parse(r#"{"id":42,"text":"x"}"#).unwrap().id.as_deref(),
            Some("42")
        );
        assert_eq!(
            parse(r#"{"id":-7,"text":"x"}"#).unwrap().id.as_deref(),
            Some("-7")
        );
        assert_eq!(
            parse(r#"{"id":1.5,"text":"x"}"#).unwrap().id.as_deref(),
            Some("1.5")
        );
        assert_eq!(parse(r#"{"id":null,"text":"x"}"#).unwrap().id, None);
        assert_eq!(parse(r#"{"text":"x"}"#).unwrap().id, None);
    }

    #[test]
    fn numeric_ids_keep_their_json_text() {
        for id in [
            "12345678901234567890123",
            "12345678901234567890124",
            "-98765432109876543210",
            "1.50",
            "1e30",
            "1E+30",
            "-0",
            "9007199254740993",
        ] {
            let line = format!(r#"{{"id": {id} ,"text":"x"}}"#);
            let record = parse(&line).unwrap();
            assert_eq!(record.id.as_deref(), Some(id));
            assert!(matches!(record.id, Some(Cow::Borrowed(_))));
        }
        assert_eq!(
            parse(r#"{"id":"a\"b\u00e9","text":"x"}"#)
                .unwrap()
                .id
                .as_deref(),
            Some("a\"b\u{e9}")
        );
        for (bad, kind) in [
            ("true", "boolean `true`"),
            ("[1]", "sequence"),
            ("{}", "map"),
        ] {
            let err = parse(&format!(r#"{{"id":{bad},"text":"x"}}"#)).unwrap_err();
            assert_eq!(
                err,
                format!(
                    r#"invalid type: {kind}, expected a string, a number or null in field "id""#
                )
            );
        }
        assert!(parse(r#"{"id":01,"text":"x"}"#).is_err());
    }

    #[test]
    fn text_borrows_unless_escaped() {
        let plain = parse(r#"{"text":"plain é"}"#).unwrap();
        assert!(matches!(plain.text, Cow::Borrowed("plain é")));
        let escaped = parse(r#"{"text":"a\nb \u00e9 \"q\""}"#).unwrap();
        assert_eq!(escaped.text, "a\nb é \"q\"");
    }

    #[test]
    fn other_fields_are_skipped_whatever_their_shape() {
        let r = parse(
            r#"{"meta":{"text":"inner","id":9,"deep":[1,{"a":null}]},"tags":["x"],"n":1e9,
                "ok":true,"text":"outer","id":"top","z":null}"#,
        )
        .unwrap();
        assert_eq!(
            r,
            Record {
                id: Some("top".into()),
                text: "outer".into(),
                joins: Vec::new(),
            }
        );
    }

    #[test]
    fn configured_field_names_are_used() {
        let r = parse_record(
            r#"{"text":"no","body":"yes","key":3}"#,
            Fields {
                text: "body",
                id: "key",
                nested: None,
            },
        )
        .unwrap();
        assert_eq!(
            r,
            Record {
                id: Some("3".into()),
                text: "yes".into(),
                joins: Vec::new(),
            }
        );
        let same = parse_record(
            r#"{"t":"both"}"#,
            Fields {
                text: "t",
                id: "t",
                nested: None,
            },
        )
        .unwrap();
        assert_eq!(
            same,
            Record {
                id: Some("both".into()),
                text: "both".into(),
                joins: Vec::new(),
            }
        );
    }

    #[test]
    fn nested_fields_are_found_by_dotted_path_or_pointer() {
        let line = r#"{"meta":{"text":"inner \u00e9","a/b":{"id":1.50}},"text":"outer"}"#;
        for (text, id) in [
            ("meta.text", "meta.a/b.id"),
            ("/meta/text", "/meta/a~1b/id"),
        ] {
            let opts = ReadOptions {
                text_field: text.into(),
                id_field: id.into(),
                ..ReadOptions::default()
            };
            let paths = Paths::of(&opts).unwrap();
            let fields = Fields {
                text,
                id,
                nested: Some(&paths),
            };
            let r = parse_record(line, fields).unwrap();
            assert_eq!(
                r,
                Record {
                    id: Some("1.50".into()),
                    text: "inner \u{e9}".into(),
                    joins: Vec::new(),
                }
            );
            let err = parse_record(r#"{"meta":{"body":"x"}}"#, fields).unwrap_err();
            assert!(
                err.starts_with(&format!("missing field \"{text}\"")),
                "{err}"
            );
            let err = parse_record(r#"{"meta":{"text":3}}"#, fields).unwrap_err();
            assert!(err.contains("expected a string in field"), "{err}");
        }
        assert_eq!(field_path("/a.b"), ["a.b"]);
        assert_eq!(field_path("/x~0y"), ["x~y"]);
        let of = |text: &str, more: &[&str]| {
            Paths::of(&ReadOptions {
                text_field: text.into(),
                more_text_fields: more.iter().map(|m| (*m).to_owned()).collect(),
                ..ReadOptions::default()
            })
        };
        assert!(of("text", &[]).is_none());
        assert!(of("/text", &[]).is_some());
        let joined = of("q", &["a.b"]).unwrap();
        let fields = Fields {
            text: "q",
            id: "id",
            nested: Some(&joined),
        };
        let r = parse_record(r#"{"a":{"b":"two"},"q":"one"}"#, fields).unwrap();
        assert_eq!((r.text.as_ref(), r.joins), ("one\ntwo", vec![4]));
        let err = parse_record(r#"{"q":"one"}"#, fields).unwrap_err();
        assert!(err.starts_with("missing field \"a.b\""), "{err}");
    }

    #[test]
    fn malformed_records_say_why() {
        let msg = |line| parse(line).unwrap_err();
        assert!(msg("[1,2]").contains(r#"expected a JSON object with a string field "text""#));
        assert!(msg("42").contains(r#"expected a JSON object with a string field "text""#));
        assert!(msg(r#"{"id":1}"#).contains(r#"missing field "text""#));
        assert!(msg(r#"{"text":5}"#).contains(r#"expected a string in field "text""#));
        assert!(msg(r#"{"text":null}"#).contains(r#"expected a string in field "text""#));
        assert!(msg(r#"{"text":"a","id":true}"#).contains(r#"in field "id""#));
        assert!(msg(r#"{"text":"a","text":"b"}"#).contains(r#"duplicate field "text""#));
        assert!(msg(r#"{"text":"a"} x"#).contains("trailing characters at column"));
        assert!(msg(r#"{"text":"a"#).contains("EOF while parsing"));
        assert!(
            !msg(r#"{"text":"a"#).contains("line 1"),
            "no confusing in-record line number"
        );
        assert!(msg("{\"text\":\"a\0b\"}").contains("control character"));
    }

    #[test]
    fn reads_lines_with_ids_blank_lines_and_crlf() {
        let input = b"{\"id\":\"a\",\"text\":\"one\"}\r\n\r\n   \n{\"text\":\"two\"}\n{\"id\":3,\"text\":\"three\"}";
        let corpus = read(input, &ReadOptions::default()).unwrap();
        assert_eq!(
            ids(&corpus),
            [("a", 1, "one"), ("in.jsonl:4", 4, "two"), ("3", 5, "three")]
        );
        assert_eq!(corpus.stats.blank_lines, 2);
        assert_eq!(corpus.stats.bytes, input.len() as u64);
    }

    #[test]
    fn leading_bom_is_ignored() {
        let corpus = read(b"\xef\xbb\xbf{\"text\":\"x\"}\n", &ReadOptions::default()).unwrap();
        assert_eq!(ids(&corpus), [("in.jsonl:1", 1, "x")]);
    }

    #[test]
    fn empty_and_blank_inputs_give_no_documents() {
        assert!(read(b"", &ReadOptions::default()).unwrap().docs.is_empty());
        let blank = read(b"\n\n \r\n", &ReadOptions::default()).unwrap();
        assert!(blank.docs.is_empty());
        assert_eq!(blank.stats.blank_lines, 3);
    }

    #[test]
    fn bad_line_error_names_path_and_line() {
        let err = read(
            b"{\"text\":\"a\"}\n\n{\"text\":1}\n",
            &ReadOptions::default(),
        )
        .unwrap_err();
        match &err {
            Error::BadLine {
                path,
                line,
                message,
            } => {
                assert_eq!(path, Path::new("in.jsonl"));
                assert_eq!(*line, 3);
                assert!(message.contains("field \"text\""), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("in.jsonl:3: "));
    }

    /// Many lines, so the batch is cut into several pieces parsed in parallel.
    fn many_lines(bad: &[usize]) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 1..=60_000 {
            if bad.contains(&i) {
                out.extend_from_slice(b"not json\n");
            } else {
                out.extend_from_slice(
                    format!("{{\"id\":{i},\"text\":\"line {i} of the input\"}}\n").as_bytes(),
                );
            }
        }
        out
    }

    #[test]
    fn first_bad_line_wins_across_pieces() {
        let input = many_lines(&[59_000, 31_000, 30_999, 1_234]);
        assert!(pieces(&input, 8).len() > 1);
        for _ in 0..3 {
            match read(&input, &ReadOptions::default()) {
                Err(Error::BadLine { line, .. }) => assert_eq!(line, 1_234),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn skip_mode_counts_bad_lines_and_keeps_order() {
        let input = many_lines(&[59_000, 31_000, 30_999, 1_234]);
        let corpus = read(&input, &skip()).unwrap();
        assert_eq!(corpus.stats.bad_lines, 4);
        assert_eq!(corpus.docs.len(), 60_000 - 4);
        assert!(corpus.docs.iter().all(|d| d.id == d.line.to_string()));
        assert!(corpus.docs.windows(2).all(|w| w[0].line < w[1].line));
        assert_eq!(corpus.docs[1_233].line, 1_235);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        let input =
            b"{\"text\":\"ok\"}\n{\"text\":\"bad \xff\xfe here\"}\n{\"text\":\"\xc3\xa9\"}\n";
        let corpus = read(input, &ReadOptions::default()).unwrap();
        assert_eq!(corpus.docs[1].text, "bad \u{fffd}\u{fffd} here");
        assert_eq!(corpus.docs[2].text, "é");
        assert_eq!(corpus.stats.invalid_utf8, 1);
    }

    #[test]
    fn lone_surrogates_are_read_as_replacement_characters_and_counted() {
        let input = concat!(
            r#"{"id":"a\udc00","text":"high \ud800 low \udfff pair \ud83d\ude00 \\ud800"}"#,
            "\n",
            r#"{"text":"two highs \ud800\ud801\udc37 end","x":"\ud800"}"#,
            "\n",
            r#"{"text":"fine \u00e9"}"#,
            "\n",
        );
        let corpus = read(input.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(
            ids(&corpus),
            [
                (
                    "a\u{fffd}",
                    1,
                    "high \u{fffd} low \u{fffd} pair \u{1f600} \\ud800"
                ),
                ("in.jsonl:2", 2, "two highs \u{fffd}\u{10437} end"),
                ("in.jsonl:3", 3, "fine \u{e9}"),
            ]
        );
        assert_eq!(corpus.stats.lone_surrogates, 2);
        assert_eq!(corpus.stats.invalid_utf8, 0);
    }

    #[test]
    fn a_line_bad_for_another_reason_still_says_why() {
        let err = parse_line(r#"{"text":"\ud800", "id": 1 2}"#, FIELDS).unwrap_err();
        assert!(err.contains("expected `,` or `}` at column 27"), "{err}");
        let err = parse_line(r#"{"text":"\ud800\x"}"#, FIELDS).unwrap_err();
        assert!(err.contains("invalid escape"), "{err}");
        assert_eq!(replace_lone_surrogates(r#"{"text":"\ud83d\ude00"}"#), None);
        assert_eq!(
            replace_lone_surrogates(r#"{"\udbff":"\\udbff \udbff"}"#).as_deref(),
            Some(r#"{"\ufffd":"\\udbff \ufffd"}"#)
        );
    }

    #[test]
    fn unicode_escapes_pair_surrogates() {
        assert_eq!(unicode_escape(br"\u00e9x"), Some((6, Some('\u{e9}'))));
        assert_eq!(
            unicode_escape(br"\ud83d\ude00"),
            Some((12, Some('\u{1f600}')))
        );
        assert_eq!(unicode_escape(br"\ud83d\u0041"), Some((6, None)));
        assert_eq!(unicode_escape(br"\ude00"), Some((6, None)));
        assert_eq!(unicode_escape(br"\u12"), None);
        assert_eq!(unicode_escape(br"\n"), None);
    }

    #[test]
    fn binary_junk_is_a_bad_line_or_skipped() {
        let mut junk: Vec<u8> = (0..=255u8).cycle().take(50_000).collect();
        junk.extend_from_slice(b"\x00\x00Bud1\x00\x00\x10\x00");
        match read(&junk, &ReadOptions::default()) {
            Err(Error::BadLine { line: 1, .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
        let skipped = read(&junk, &skip()).unwrap();
        assert!(skipped.docs.is_empty());
        assert!(skipped.stats.bad_lines > 0);
        let lines = junk.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        assert_eq!(skipped.stats.bad_lines + skipped.stats.blank_lines, lines);
    }

    #[test]
    fn long_lines_span_batches() {
        let text = "y".repeat(BATCH + BATCH / 2);
        let input = format!("{{\"text\":\"a\"}}\n{{\"text\":\"{text}\"}}\n{{\"text\":\"b\"}}\n");
        let corpus = read(input.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(corpus.docs.len(), 3);
        assert_eq!(corpus.docs[1].text.len(), text.len());
        assert_eq!((corpus.docs[1].line, corpus.docs[2].line), (2, 3));
    }

    fn limited(max_document_bytes: u64, bad_lines: BadLines) -> ReadOptions {
        ReadOptions {
            max_document_bytes,
            bad_lines,
            ..ReadOptions::default()
        }
    }

    #[test]
    fn a_line_over_the_limit_fails_or_is_skipped() {
        // One long line inside a batch, one spanning batches.
        for long in [300, BATCH + BATCH / 2] {
            let text = "y".repeat(long);
            let input = format!(
                "{{\"text\":\"a\"}}\n\n{{\"text\":\"{text}\"}}\r\n{{\"text\":\"b\"}}\n{{\"text\":\"{text}\"}}"
            );
            match read(input.as_bytes(), &limited(200, BadLines::Fail)) {
                Err(Error::TooLarge { path, line, limit }) => {
                    assert_eq!(
                        (path.as_path(), line, limit),
                        (Path::new("in.jsonl"), 3, 200)
                    );
                }
                other => panic!("unexpected {other:?}"),
            }
            let corpus = read(input.as_bytes(), &limited(200, BadLines::Skip)).unwrap();
            assert_eq!(
                ids(&corpus),
                [("in.jsonl:1", 1, "a"), ("in.jsonl:4", 4, "b")]
            );
            assert_eq!(corpus.stats.bad_lines, 2);
            assert_eq!(corpus.stats.bytes, input.len() as u64);
            let warned: Vec<u64> = corpus
                .warnings
                .iter()
                .map(|w| match w {
                    Warning::TooLarge {
                        line, limit: 200, ..
                    } => *line,
                    other => panic!("unexpected {other:?}"),
                })
                .collect();
            assert_eq!(warned, [3, 5]);
        }
    }

    #[test]
    fn an_endless_line_stops_at_the_limit() {
        let head = std::io::Cursor::new(b"{\"text\":\"a\"}\n".to_vec());
        let mut endless = std::io::BufReader::new(head.chain(std::io::repeat(b'x')));
        let mut corpus = Records::default();
        let err = read_jsonl(
            &mut endless,
            Path::new("zero"),
            0,
            &limited(1000, BadLines::Fail),
            &|_| {},
            &mut corpus,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooLarge {
                    line: 2,
                    limit: 1000,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn pieces_end_on_line_boundaries_and_cover_the_batch() {
        let batch = b"aa\nbbbb\nc\n\nddddddd\ne";
        for n in 1..12 {
            let ps = pieces(batch, n);
            assert_eq!(ps.concat(), batch);
            assert!(ps[..ps.len() - 1].iter().all(|p| p.ends_with(b"\n")));
            assert!(ps.iter().all(|p| !p.is_empty()));
        }
    }
}
