//! Writing a CSV or TSV file back, row by row, in the dialect it came in.
//!
//! The decompressed file is read again whole (it is held in memory while
//! it is written) and parsed with the `csv` crate, in the dialect of the
//! reader ([`crate::corpus`]); each row's raw bytes run from where the
//! parser says it starts to where the next one starts. The header and
//! every row that is not a document, or is a document left as it was, is
//! copied byte for byte (quoting, line endings and a byte order mark
//! included); a dropped document's row is left out; a changed document's
//! row is copied but for its text field, whose raw bytes (inside its
//! quotes, `""` kept as written) lose the cut units ([`splice`]). Every
//! other column of the row therefore stays byte for byte. Cuts only remove
//! bytes, so an unquoted field never comes to need quotes.

use std::ops::Range;

use super::Mode;
use super::format::{Rewrite, WriteBack};
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
        let raw = job.reopen()?.read_all()?;
        let path = &job.source().path;
        let mut rdr = corpus::csv_reader(self.0, &raw[..]);
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
        // Where each row starts (past the line breaks the parser leaves
        // before it), and its row number.
        let mut rows: Vec<(usize, u64)> = Vec::new();
        let mut row = csv::ByteRecord::new();
        while rdr
            .read_byte_record(&mut row)
            .map_err(|e| corpus::csv_error(path, e))?
        {
            let at = row.position().map_or(0, csv::Position::byte);
            let mut at = usize::try_from(at).unwrap_or(raw.len()).min(raw.len());
            at += raw[at..]
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            rows.push((at, corpus::row_number(&row)));
        }
        let delimiter = corpus::delimiter(self.0);
        let docs = job.docs();
        let mut next = 0;
        let mut out = Vec::with_capacity(raw.len());
        out.extend_from_slice(&raw[..rows.first().map_or(raw.len(), |r| r.0)]);
        for (i, &(start, line)) in rows.iter().enumerate() {
            let end = rows.get(i + 1).map_or(raw.len(), |r| r.0);
            let bytes = &raw[start..end];
            if docs.get(next).is_none_or(|d| d.line != line) {
                out.extend_from_slice(bytes);
                continue;
            }
            let plan = job.plan(next);
            let doc = next;
            next += 1;
            match job.mode() {
                Mode::Remove if plan.dropped => {}
                Mode::Remove if !plan.unchanged() => {
                    let ranges = field_ranges(bytes, delimiter);
                    let fields = columns
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
                                return Err(
                                    job.changed(line, "the text field is not what was read")
                                );
                            }
                            Ok((field.start + 1..field.end - 1, Encoding::CsvQuoted))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    job.splice_fields(doc, line, bytes, &fields, &mut |b| {
                        out.extend_from_slice(b);
                        Ok(())
                    })?;
                }
                Mode::Remove | Mode::Annotate => out.extend_from_slice(bytes),
            }
        }
        if let Some(doc) = docs.get(next) {
            return Err(job.changed(doc.line, "the file is shorter than when it was read"));
        }
        job.write(|w| w.write_all(&out))
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
