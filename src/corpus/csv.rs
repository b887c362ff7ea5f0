//! CSV and TSV: a header row, then one document per row.
//!
//! The `csv` crate parses the stream (RFC 4180 quoting with `"`, a quoted
//! field may hold delimiters, quotes doubled and newlines; rows may end in
//! `\n`, `\r\n` or `\r`; a leading UTF-8 byte order mark is ignored).
//! The first row is the header: the text column is the one named
//! `--text-field`, the id column the one named `--id-field` (names are
//! matched exactly; a missing text column is an error naming the file and
//! the header, a missing id column gives every row the id `path:line`, as
//! does an empty id cell). TSV is the same with a tab as the delimiter.
//!
//! A document's position ([`Document::line`]) is its row number as a
//! spreadsheet shows it: the header is row 1, the first data row is row 2,
//! and blank lines are not rows. Without quoted newlines or blank lines it
//! is the line number; with them, the row number is smaller. Messages and
//! reports name rows by this number. A row with more or fewer fields than
//! the header is an error naming its row (or with `--skip-bad-lines`, a
//! skipped, counted bad line); so is a row longer than
//! `--max-document-bytes`.
//!
//! Files are read on one thread each (several files at a time); text is
//! decoded as UTF-8 with invalid sequences replaced and counted.

use std::io::{self, BufRead, Read};
use std::path::Path;

use super::detect::{SNIFF_LEN, sniff_content};
use super::format::{Input, InputFormat, Parallelism, Position, Records};
use super::open::read_head;
use super::walk::read_error;
use super::{BadLines, Document, Layout, Warning};
use crate::error::{Error, Result};

/// Comma-separated values with a header row.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvFormat;

/// Tab-separated values with a header row.
#[derive(Debug, Clone, Copy, Default)]
pub struct TsvFormat;

/// The field delimiter of a delimited layout.
pub(crate) fn delimiter(layout: Layout) -> u8 {
    if layout == Layout::Tsv { b'\t' } else { b',' }
}

/// A `csv` reader for `layout`'s dialect; every row is returned whatever
/// its length (ragged rows are checked by the caller, who names them).
pub(crate) fn reader<R: Read>(layout: Layout, input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(layout))
        .has_headers(true)
        .flexible(true)
        .from_reader(input)
}

/// The row number of `row`: 1 for the header, 2 for the first data row.
pub(crate) fn row_number(row: &csv::ByteRecord) -> u64 {
    row.position().map_or(1, |p| p.record() + 1)
}

/// The index of column `name` in `header`; `None` when absent.
pub(crate) fn column(header: &csv::ByteRecord, name: &str) -> Option<usize> {
    header.iter().position(|h| h == name.as_bytes())
}

/// The header's column names, for a message.
pub(crate) fn column_names(header: &csv::ByteRecord) -> String {
    header
        .iter()
        .map(|h| format!("\"{}\"", String::from_utf8_lossy(h)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error for a `csv` failure while reading `path`.
pub(crate) fn csv_error(path: &Path, err: csv::Error) -> Error {
    let line = err.position().map_or(1, |p| p.record() + 1);
    match err.into_kind() {
        csv::ErrorKind::Io(source) => Error::Read {
            path: path.to_path_buf(),
            source,
        },
        other => Error::BadLine {
            path: path.to_path_buf(),
            line,
            message: format!("{:?}", other),
        },
    }
}

macro_rules! delimited_format {
    ($ty:ty, $layout:expr, $name:expr, $ext:expr) => {
        impl InputFormat for $ty {
            fn layout(&self) -> Layout {
                $layout
            }

            fn name(&self) -> &'static str {
                $name
            }

            fn extensions(&self) -> &'static [&'static str] {
                &[$ext]
            }

            /// Never: stdin is not sniffed as CSV or TSV (a header row
            /// looks like any text); name the file instead.
            fn sniff(&self, _head: &[u8]) -> Option<bool> {
                Some(false)
            }

            fn position(&self) -> Position {
                Position::Row
            }

            fn parallelism(&self) -> Parallelism {
                Parallelism::AcrossFiles
            }

            fn read(&self, input: Input<'_>, out: &mut Records) -> Result<()> {
                read_delimited($layout, input, out)
            }
        }
    };
}

delimited_format!(CsvFormat, Layout::Csv, "CSV", "csv");
delimited_format!(TsvFormat, Layout::Tsv, "TSV", "tsv");

/// Counts the bytes read through it and reports them.
struct Counting<'a, R> {
    inner: R,
    bytes: u64,
    on_bytes: &'a (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        (self.on_bytes)(n as u64);
        Ok(n)
    }
}

/// Reads one CSV or TSV stream into `out`.
fn read_delimited(layout: Layout, input: Input<'_>, out: &mut Records) -> Result<()> {
    let path = input.path;
    let head = read_head(&mut *input.reader, SNIFF_LEN).map_err(read_error(path))?;
    if let Some(what) = sniff_content(&head, layout) {
        out.stats.bytes += head.len() as u64;
        (input.on_bytes)(head.len() as u64);
        return input.not_text(what, out);
    }
    let chained: Box<dyn BufRead + Send + '_> =
        Box::new(io::Cursor::new(head).chain(&mut *input.reader));
    let mut counting = Counting {
        inner: chained,
        bytes: 0,
        on_bytes: input.on_bytes,
    };
    let opts = input.opts;
    let shown = path.display().to_string();
    {
        let mut rdr = reader(layout, &mut counting);
        let header = rdr.byte_headers().map_err(|e| csv_error(path, e))?.clone();
        if header.is_empty() || header.iter().all(<[u8]>::is_empty) {
            // An empty file: no header, no rows.
            if rdr.is_done() {
                out.stats.bytes += counting.bytes;
                return Ok(());
            }
        }
        let text_cols = opts
            .text_fields()
            .map(|name| {
                column(&header, name).ok_or_else(|| Error::BadLine {
                    path: path.to_path_buf(),
                    line: 1,
                    message: format!(
                        "no column \"{name}\" (--text-field) in the header; its columns are {}",
                        column_names(&header)
                    ),
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        let id_col = column(&header, &opts.id_field);
        let mut row = csv::ByteRecord::new();
        while rdr
            .read_byte_record(&mut row)
            .map_err(|e| csv_error(path, e))?
        {
            let line = row_number(&row);
            let bad = if row.len() != header.len() {
                Some(Err(Error::BadLine {
                    path: path.to_path_buf(),
                    line,
                    message: format!(
                        "the row has {} fields, the header has {}",
                        row.len(),
                        header.len()
                    ),
                }))
            } else if row.as_slice().len() as u64 > opts.max_document_bytes {
                Some(Ok(Error::TooLarge {
                    path: path.to_path_buf(),
                    line,
                    limit: opts.max_document_bytes,
                }))
            } else {
                None
            };
            if let Some(bad) = bad {
                match (opts.bad_lines, bad) {
                    (BadLines::Fail, Ok(err) | Err(err)) => return Err(err),
                    (BadLines::Skip, Ok(_)) => {
                        out.stats.bad_lines += 1;
                        out.warnings.push(Warning::TooLarge {
                            path: path.to_path_buf(),
                            line,
                            limit: opts.max_document_bytes,
                        });
                    }
                    (BadLines::Skip, Err(_)) => out.stats.bad_lines += 1,
                }
                continue;
            }
            let mut text = String::new();
            let mut joins = Vec::new();
            let mut lossy = false;
            for (i, &col) in text_cols.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                    joins.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
                }
                let raw = row.get(col).unwrap_or_default();
                lossy |= std::str::from_utf8(raw).is_err();
                text.push_str(&String::from_utf8_lossy(raw));
            }
            out.stats.invalid_utf8 += u64::from(lossy);
            let id = id_col
                .and_then(|c| row.get(c))
                .filter(|id| !id.is_empty())
                .map_or_else(
                    || format!("{shown}:{line}"),
                    |id| String::from_utf8_lossy(id).into_owned(),
                );
            out.docs.push(Document {
                id,
                source: input.source,
                line,
                text,
                joins,
            });
        }
    }
    out.stats.bytes += counting.bytes;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::corpus::{Origin, ReadOptions};

    fn read(layout: Layout, bytes: &[u8], opts: &ReadOptions) -> Result<Records> {
        let mut out = Records::default();
        let mut reader: &[u8] = bytes;
        let input = Input {
            reader: &mut reader,
            path: Path::new("in.csv"),
            source: 0,
            origin: Origin::Named,
            opts,
            on_bytes: &|_| {},
        };
        read_delimited(layout, input, &mut out)?;
        Ok(out)
    }

    fn docs(r: &Records) -> Vec<(&str, u64, &str)> {
        r.docs
            .iter()
            .map(|d| (d.id.as_str(), d.line, d.text.as_str()))
            .collect()
    }

    #[test]
    fn reads_rows_with_quoted_newlines_a_bom_and_crlf() {
        let input =
            "\u{feff}id,text,n\r\n1,\"one, \"\"quoted\"\"\nand more\",x\r\n\r\n,two,y\r\n3,three,z";
        let r = read(Layout::Csv, input.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(
            docs(&r),
            [
                ("1", 2, "one, \"quoted\"\nand more"),
                ("in.csv:3", 3, "two"),
                ("3", 4, "three")
            ]
        );
        assert_eq!(r.stats.bytes, input.len() as u64);
    }

    #[test]
    fn tsv_uses_tabs() {
        let r = read(
            Layout::Tsv,
            b"text\tid\na, b\tk1\n",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(docs(&r), [("k1", 2, "a, b")]);
    }

    #[test]
    fn a_missing_column_names_the_header_and_a_ragged_row_its_line() {
        let err = read(Layout::Csv, b"id,body\n1,x\n", &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.csv:1: no column \"text\" (--text-field) in the header; its columns are \"id\", \"body\""
        );
        let ragged = b"id,text\n1,\"a\nb\"\n2,b,extra\n3,c\n";
        let err = read(Layout::Csv, ragged, &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.csv:3: the row has 3 fields, the header has 2"
        );
        let skip = ReadOptions {
            bad_lines: BadLines::Skip,
            ..ReadOptions::default()
        };
        let r = read(Layout::Csv, ragged, &skip).unwrap();
        assert_eq!(docs(&r), [("1", 2, "a\nb"), ("3", 4, "c")]);
        assert_eq!(r.stats.bad_lines, 1);
    }

    #[test]
    fn empty_files_and_headers_alone_give_nothing() {
        assert!(
            read(Layout::Csv, b"", &ReadOptions::default())
                .unwrap()
                .docs
                .is_empty()
        );
        assert!(
            read(Layout::Csv, b"id,text\n", &ReadOptions::default())
                .unwrap()
                .docs
                .is_empty()
        );
    }
}
