//! Writing a JSON Lines file back, record by record.
//!
//! The file is streamed line by line from the original: a record is written
//! back as its original bytes, or with the removed units cut out of its
//! text field's string, or with a `dupscan` field inserted before its
//! closing brace, or left out; blank and skipped malformed lines are copied
//! as they stream by, never held whole. Cuts are made in the string's raw
//! bytes ([`splice`]), so JSON escapes and invalid UTF-8 outside them are
//! kept as they were. The file is checked against what was scanned once it
//! is read (see [`Reread::verified`](super::Reread::verified)).

use std::io::BufRead;
use std::ops::Range;

use super::Mode;
use super::format::{Output, Rewrite, WriteBack};
use super::record::Object;
use super::splice::Encoding;
use crate::corpus::{Layout, field_path};
use crate::error::{Error, Result};

/// The field `--annotate` adds.
pub(crate) const ANNOTATION_FIELD: &str = "dupscan";

/// The write-back of JSON Lines files.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonlWriteBack;

impl WriteBack for JsonlWriteBack {
    fn layout(&self) -> Layout {
        Layout::Jsonl
    }

    fn annotates(&self) -> bool {
        true
    }

    fn omits_emptied(&self) -> bool {
        false
    }

    fn rewrite(&self, job: &Rewrite<'_>) -> Result<()> {
        let input = job.reopen()?;
        job.write(|out| input.verified(|reader| stream(job, reader, out)))
    }
}

/// The byte range of the string at the end of `path` (the keys of a
/// nested field, one for a top-level one) in the object `content`, quotes
/// included; each object on the way is walked by [`Object::parse`], so
/// the range is in the raw bytes. `None` when a key is absent or repeated,
/// or the value is not a string.
fn nested_string(content: &[u8], path: &[String]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let object = Object::parse(content, &[first.as_str()])?;
    if rest.is_empty() {
        return object.string(content, 0);
    }
    let mut values = object.values(0);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let inner = nested_string(&content[value.clone()], rest)?;
    Some(value.start + inner.start..value.start + inner.end)
}

/// Splits a line into its content and its line break (`\n`, `\r\n` or none).
fn split_eol(line: &[u8]) -> (&[u8], &[u8]) {
    let content = line.strip_suffix(b"\n").unwrap_or(line);
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    line.split_at(content.len())
}

/// Copies or rewrites each line of `reader` into `out`. Lines that are
/// not documents (blank, skipped as malformed or as larger than
/// `--max-document-bytes`) are copied as they stream by, never held
/// whole, so a huge skipped line costs no memory.
pub(super) fn stream(
    job: &Rewrite<'_>,
    reader: &mut dyn BufRead,
    out: &mut Output<'_>,
) -> Result<()> {
    let path = &job.source().path;
    let docs = job.docs();
    let mut next = 0;
    let mut number = 0u64;
    let mut line = Vec::new();
    loop {
        let is_doc = next < docs.len() && docs[next].line == number + 1;
        let n = if is_doc {
            line.clear();
            reader
                .read_until(b'\n', &mut line)
                .map_err(|e| job.read_error(e))?
        } else {
            out.copy_line(reader, path)?
        };
        if n == 0 {
            break;
        }
        number += 1;
        if is_doc {
            record(job, next, number, &line, out)?;
            next += 1;
        }
    }
    if let Some(doc) = docs.get(next) {
        return Err(job.changed(doc.line, "the file is shorter than when it was read"));
    }
    Ok(())
}

/// Writes record `doc`, found on line `number`.
fn record(
    job: &Rewrite<'_>,
    doc: usize,
    number: u64,
    line: &[u8],
    out: &mut Output<'_>,
) -> Result<()> {
    let plan = job.plan(doc);
    match job.mode() {
        Mode::Remove if plan.dropped => Ok(()),
        Mode::Remove if plan.unchanged() => out.write_all(line),
        Mode::Remove => {
            let (content, eol) = split_eol(line);
            // Each text field's string, inside its quotes.
            let fields = job
                .read_options()
                .text_fields()
                .map(|name| {
                    let range = nested_string(content, &field_path(name))
                        .ok_or_else(|| job.changed(number, "the text field is not where it was"))?;
                    Ok((range.start + 1..range.end - 1, Encoding::JsonString))
                })
                .collect::<Result<Vec<_>>>()?;
            job.splice_fields(doc, number, content, &fields, &mut |b| out.write_all(b))?;
            out.write_all(eol)
        }
        Mode::Annotate => {
            let (content, eol) = split_eol(line);
            let object = Object::parse(content, &[ANNOTATION_FIELD])
                .ok_or_else(|| job.changed(number, "the record is no longer a JSON object"))?;
            if object.values(0).next().is_some() {
                return Err(Error::BadLine {
                    path: job.source().path.clone(),
                    line: number,
                    message: format!(
                        "the record already has a \"{ANNOTATION_FIELD}\" field; \
                         --annotate will not add a second one"
                    ),
                });
            }
            let Some(note) = job.note(doc)? else {
                return out.write_all(line);
            };
            out.write_all(&content[..object.close])?;
            if object.fields > 0 {
                out.write_all(b",")?;
            }
            write!(out, "\"{ANNOTATION_FIELD}\":{note}")?;
            out.write_all(&content[object.close..])?;
            out.write_all(eol)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_strings_are_found_in_the_raw_bytes() {
        let line = b"{\"meta\": {\"x\": 1, \"text\": \"caf\xe9\"}, \"text\": \"top\"}";
        let path = |name| field_path(name);
        let r = nested_string(line, &path("meta.text")).expect("found");
        assert_eq!(&line[r], b"\"caf\xe9\"");
        let r = nested_string(line, &path("text")).expect("found");
        assert_eq!(&line[r], b"\"top\"");
        assert_eq!(nested_string(line, &path("meta.x")), None, "not a string");
        assert_eq!(nested_string(line, &path("meta.text.deeper")), None);
        assert_eq!(nested_string(line, &path("nope.text")), None);
    }

    #[test]
    fn split_eol_keeps_the_line_break() {
        assert_eq!(split_eol(b"{}\r\n"), (&b"{}"[..], &b"\r\n"[..]));
        assert_eq!(split_eol(b"{}\n"), (&b"{}"[..], &b"\n"[..]));
        assert_eq!(split_eol(b"{}"), (&b"{}"[..], &b""[..]));
    }
}
