//! Writing a CSV or TSV file back, row by row, in the dialect it came in.
//!
//! The decompressed file is streamed again and parsed with the `csv`
//! crate, in the dialect of the reader ([`crate::corpus`]), through a
//! [`Recorder`] that keeps the raw bytes read since the row before the
//! current one began: each row's raw bytes run from where the parser says
//! it starts to where the next one starts, and are written out (or left
//! out) as soon as the next row is found, then forgotten. Memory holds a
//! row or two and the parser's read-ahead, never the file. The header and
//! every row that is not a document, or is a document left as it was, is
//! copied byte for byte (quoting, line endings and a byte order mark
//! included); a dropped document's row is left out; a changed document's
//! row is copied but for its text fields, whose raw bytes (inside their
//! quotes, `""` kept as written) lose the cut units ([`splice`]). Every
//! other column of the row therefore stays byte for byte. Cuts only remove
//! bytes, so an unquoted field never comes to need quotes. The file is
//! checked against what was scanned once it is read (see
//! [`Reread::verified`](super::Reread::verified)).
//!
//! [`splice`]: super::splice::splice

use std::io::{self, BufRead, Read};
use std::ops::Range;

use super::Mode;
use super::format::{Output, Rewrite, WriteBack};
use super::splice::Encoding;
use crate::corpus::{self, Layout};
use crate::error::Result;

/// The write-back of CSV (or TSV) files.
#[derive(Debug, Clone, Copy)]
pub struct CsvWriteBack(pub Layout);

impl WriteBack for CsvWriteBack {
    fn layout(&self) -> Layout {
        self.0
    }

    fn annotates(&self) -> bool {
        false
    }

    fn omits_emptied(&self) -> bool {
        false
    }

    fn rewrite(&self, job: &Rewrite<'_>) -> Result<()> {
        let input = job.reopen()?;
        job.write(|out| input.verified(|reader| stream(self.0, job, reader, out)))
    }
}

/// The bytes gathered before they are handed to the [`Output`] in one
/// write: writes of this size, not one per row.
const CHUNK: usize = 1 << 20;

/// A reader that keeps what it reads, from the last [`Recorder::forget`]
/// on: the raw bytes of the rows the parser has not moved past.
struct Recorder<R> {
    inner: R,
    /// The bytes read from offset `base` of the stream on.
    window: Vec<u8>,
    base: u64,
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R: Read> Recorder<R> {
    /// The index in the window of stream offset `at` (clamped to it).
    fn index(&self, at: u64) -> usize {
        usize::try_from(at.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.window.len())
    }

    /// Where the row the parser places at `at` starts: past the line
    /// breaks the parser leaves before it.
    fn row_start(&self, at: u64) -> u64 {
        let i = self.index(at);
        let breaks = self.window[i..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        self.base + (i + breaks) as u64
    }

    /// The bytes from stream offset `from` to `to`.
    fn between(&self, from: u64, to: u64) -> &[u8] {
        &self.window[self.index(from)..self.index(to)]
    }

    /// Drops the bytes before stream offset `at`, once they are at least
    /// half the window: each byte is moved at most once on average, however
    /// short the rows, and the window stays within twice what it must hold.
    fn forget(&mut self, at: u64) {
        let i = self.index(at);
        if i * 2 >= self.window.len() {
            self.window.drain(..i);
            self.base += i as u64;
        }
    }

    /// Reads the rest of the stream into the window, and its length.
    fn finish(&mut self) -> io::Result<u64> {
        self.inner.read_to_end(&mut self.window)?;
        Ok(self.base + self.window.len() as u64)
    }
}

/// Writes `job`'s source, read again as `reader`, to `out`: the header
/// once the first row is found, each row once the next one is.
fn stream(
    layout: Layout,
    job: &Rewrite<'_>,
    reader: &mut dyn BufRead,
    out: &mut Output<'_>,
) -> Result<()> {
    let path = &job.source().path;
    let recorder = Recorder {
        inner: reader,
        window: Vec::new(),
        base: 0,
    };
    let mut rdr = corpus::csv_reader(layout, recorder);
    let header = rdr
        .byte_headers()
        .map_err(|e| corpus::csv_error(path, e))?
        .clone();
    let columns = job
        .read_options()
        .text_fields()
        .map(|name| {
            corpus::column(&header, name)
                .ok_or_else(|| job.changed(1, "the text column is not in the header"))
        })
        .collect::<Result<Vec<usize>>>()?;
    let mut rows = Rows {
        job,
        columns,
        delimiter: corpus::delimiter(layout),
        next: 0,
        pending: Vec::with_capacity(CHUNK),
    };
    // The start and row number of the row found last, not yet written.
    let mut last: Option<(u64, u64)> = None;
    let mut row = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut row)
        .map_err(|e| corpus::csv_error(path, e))?
    {
        let recorder = rdr.get_mut();
        let start = recorder.row_start(row.position().map_or(0, csv::Position::byte));
        match last {
            Some((from, line)) => rows.row(recorder.between(from, start), line, out)?,
            None => rows.emit(recorder.between(0, start), out)?,
        }
        recorder.forget(start);
        last = Some((start, corpus::row_number(&row)));
    }
    let recorder = rdr.get_mut();
    let end = recorder.finish().map_err(|e| job.read_error(e))?;
    match last {
        Some((from, line)) => rows.row(recorder.between(from, end), line, out)?,
        None => rows.emit(recorder.between(0, end), out)?,
    }
    if let Some(doc) = job.docs().get(rows.next) {
        return Err(job.changed(doc.line, "the file is shorter than when it was read"));
    }
    out.write_all(&rows.pending)
}

/// The rows of one source as they are written.
struct Rows<'a, 'j> {
    job: &'a Rewrite<'j>,
    /// The text fields' columns.
    columns: Vec<usize>,
    delimiter: u8,
    /// The next document.
    next: usize,
    /// Output gathered for the next write.
    pending: Vec<u8>,
}

impl Rows<'_, '_> {
    /// Adds `bytes` to the output.
    fn emit(&mut self, bytes: &[u8], out: &mut Output<'_>) -> Result<()> {
        if self.pending.len() + bytes.len() > CHUNK && !self.pending.is_empty() {
            out.write_all(&self.pending)?;
            self.pending.clear();
        }
        if bytes.len() > CHUNK {
            return out.write_all(bytes);
        }
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    /// Writes row `line`, whose raw bytes are `bytes`, as its document's
    /// plan says (as it was, if it is not a document).
    fn row(&mut self, bytes: &[u8], line: u64, out: &mut Output<'_>) -> Result<()> {
        let job = self.job;
        if job.docs().get(self.next).is_none_or(|d| d.line != line) {
            return self.emit(bytes, out);
        }
        let doc = self.next;
        self.next += 1;
        let plan = job.plan(doc);
        match job.mode() {
            Mode::Remove if plan.dropped => Ok(()),
            Mode::Remove if !plan.unchanged() => {
                let ranges = field_ranges(bytes, self.delimiter);
                let fields = self
                    .columns
                    .iter()
                    .map(|&column| {
                        let field = ranges
                            .get(column)
                            .cloned()
                            .ok_or_else(|| job.changed(line, "the row is not what was read"))?;
                        if !bytes[field.clone()].starts_with(b"\"") {
                            return Ok((field, Encoding::Utf8));
                        }
                        if field.len() < 2 || bytes[field.end - 1] != b'"' {
                            return Err(job.changed(line, "the text field is not what was read"));
                        }
                        Ok((field.start + 1..field.end - 1, Encoding::CsvQuoted))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let mut cut = Vec::with_capacity(bytes.len());
                job.splice_fields(doc, line, bytes, &fields, &mut |b| {
                    cut.extend_from_slice(b);
                    Ok(())
                })?;
                self.emit(&cut, out)
            }
            Mode::Remove | Mode::Annotate => self.emit(bytes, out),
        }
    }
}

/// The raw byte ranges of the fields of one row (`"` quoting, as the `csv`
/// crate reads it: a field that starts with a quote runs to its closing
/// quote, a doubled quote inside it standing for one), up to the line
/// break that ends the row.
fn field_ranges(row: &[u8], delimiter: u8) -> Vec<Range<usize>> {
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        if row.get(i) == Some(&b'"') {
            i += 1;
            while let Some(&b) = row.get(i) {
                i += 1;
                if b == b'"' {
                    if row.get(i) == Some(&b'"') {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        while let Some(&b) = row.get(i) {
            if b == delimiter || b == b'\n' || b == b'\r' {
                break;
            }
            i += 1;
        }
        fields.push(start..i);
        if row.get(i) == Some(&delimiter) {
            i += 1;
        } else {
            return fields;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_their_quotes_and_stop_at_the_line_break() {
        let row = b"1,\"a,\"\"b\"\"\nc\",,x\r\n";
        let ranges = field_ranges(row, b',');
        let got: Vec<&[u8]> = ranges.iter().map(|r| &row[r.clone()]).collect();
        assert_eq!(got, [&b"1"[..], b"\"a,\"\"b\"\"\nc\"", b"", b"x"]);
        assert_eq!(field_ranges(b"a\tb", b'\t').len(), 2);
    }
}
