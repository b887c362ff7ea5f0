//! Reading some lines of a source, not all: a staged run's shard reads the
//! documents it needs, not the whole input.
//!
//! Compressed streams cannot seek, so a shard still decompresses a source
//! up to its last wanted line; but a line it does not want is only
//! searched for its end (`memchr`), never parsed: [`LineWindow`] hands
//! the format an empty line in its place, so line numbers (and ids made of
//! them) stay those of a whole read, and it ends the stream after the last
//! wanted line. Formats whose records are not lines (CSV, Parquet, text)
//! are read whole and their documents at the wanted positions kept.
//!
//! ```
//! use std::io::Read;
//! use dupscan::corpus::LineWindow;
//!
//! let mut window = LineWindow::new(&b"a\nb\nc\nd\ne\n"[..], vec![2..3, 4..5]);
//! let mut out = String::new();
//! window.read_to_string(&mut out)?;
//! assert_eq!(out, "\nb\n\nd\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, BufRead, Read};
use std::ops::Range;

use super::format::{Records, TextFilter, format_of};
use super::{Corpus, Layout, ReadOptions, Source, open};
use crate::error::Result;

/// Bytes of empty lines handed over at once while skipping.
const BLANKS: usize = 64 * 1024;

/// A stream of the lines of `inner` whose 1-based numbers are in `ranges`
/// (sorted, disjoint); every other line before the last wanted one reads
/// as an empty line, and the stream ends after the last wanted line.
pub struct LineWindow<R> {
    inner: R,
    ranges: Vec<Range<u64>>,
    /// The range being read or skipped to.
    at: usize,
    /// Number of the line the next byte of `inner` belongs to.
    line: u64,
    /// Bytes handed over next, from `pos`.
    buf: Vec<u8>,
    pos: usize,
}

impl<R: BufRead> LineWindow<R> {
    /// The lines of `inner` in `ranges` (1-based line numbers, sorted,
    /// disjoint; empty ranges are ignored).
    pub fn new(inner: R, ranges: Vec<Range<u64>>) -> Self {
        Self {
            inner,
            ranges: ranges.into_iter().filter(|r| !r.is_empty()).collect(),
            at: 0,
            line: 1,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Fills `buf` with the next bytes to hand over; leaves it empty at the
    /// end.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.clear();
        self.pos = 0;
        while self.buf.is_empty() {
            let Some(range) = self.ranges.get(self.at).cloned() else {
                return Ok(());
            };
            if self.line >= range.end {
                self.at += 1;
                continue;
            }
            let input = self.inner.fill_buf()?;
            if input.is_empty() {
                // Truncated: the caller finds the documents missing.
                self.at = self.ranges.len();
                return Ok(());
            }
            if self.line < range.start {
                // Skip lines: an empty line for each.
                let mut used = input.len();
                for i in memchr::memchr_iter(b'\n', input) {
                    self.line += 1;
                    self.buf.push(b'\n');
                    if self.line == range.start || self.buf.len() == BLANKS {
                        used = i + 1;
                        break;
                    }
                }
                self.inner.consume(used);
            } else {
                // Wanted lines: the bytes as they are.
                let mut used = input.len();
                for i in memchr::memchr_iter(b'\n', input) {
                    self.line += 1;
                    if self.line == range.end {
                        used = i + 1;
                        break;
                    }
                }
                self.buf.extend_from_slice(&input[..used]);
                self.inner.consume(used);
            }
        }
        Ok(())
    }
}

impl<R: BufRead> Read for LineWindow<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineWindow<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

/// Some positions of one source: the documents at the 1-based positions
/// ([`Document::line`](super::Document::line)) in `lines` (sorted,
/// disjoint ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Index of the source in the listing read.
    pub source: usize,
    /// Positions wanted.
    pub lines: Vec<Range<u64>>,
}

/// Reads the documents at `windows` (in order; a source at most once) of
/// `sources`, as [`read_inputs_keeping`](super::read_inputs_keeping) reads
/// them: same ids, lines and texts, `keep` called with each document's
/// index among those read. JSON Lines sources are read up to their last
/// wanted line, and only wanted lines are parsed ([`LineWindow`]); other
/// formats are read whole. The corpus's sources are `sources`; its
/// counters and warnings are those of what was read.
///
/// # Errors
///
/// As [`read_sources`](super::read_sources).
pub fn read_windows(
    sources: Vec<Source>,
    opts: &ReadOptions,
    windows: &[Window],
    keep: Option<TextFilter>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    let mut records = Records {
        keep_text: keep,
        ..Records::default()
    };
    for window in windows {
        let source = &sources[window.source];
        let path = &source.path;
        let id = u32::try_from(window.source)
            .map_err(|_| crate::error::Error::Param("too many input files".into()))?;
        let mut reader = open(source)?;
        let from = records.docs.len();
        let layout = source.format.layout;
        let keep_text = if layout == Layout::Jsonl {
            let mut windowed = LineWindow::new(&mut *reader, window.lines.clone());
            let input = super::format::Input {
                reader: &mut windowed,
                path,
                source: id,
                origin: source.origin,
                opts,
                on_bytes,
            };
            format_of(layout).read(input, &mut records)?;
            None
        } else {
            let mut whole = Records::default();
            let input = super::format::Input {
                reader: &mut *reader,
                path,
                source: id,
                origin: source.origin,
                opts,
                on_bytes,
            };
            format_of(layout).read(input, &mut whole)?;
            let wanted = |line: u64| window.lines.iter().any(|r| r.contains(&line));
            records
                .docs
                .extend(whole.docs.into_iter().filter(|d| wanted(d.line)));
            super::format::add_counts(&mut records.stats, whole.stats);
            records.warnings.append(&mut whole.warnings);
            records.keep_text.clone()
        };
        if let Some(keep) = keep_text {
            keep.apply(&mut records.docs, from);
        }
    }
    Ok(Corpus {
        sources,
        docs: records.docs,
        stats: records.stats,
        warnings: records.warnings,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn window(bytes: &[u8], ranges: Vec<Range<u64>>, cap: usize) -> String {
        let inner = std::io::BufReader::with_capacity(cap, bytes);
        let mut out = String::new();
        LineWindow::new(inner, ranges)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    fn one(range: Range<u64>) -> Vec<Range<u64>> {
        std::iter::once(range).collect()
    }

    #[test]
    fn skipped_lines_read_as_empty_lines_and_the_stream_ends_after_the_last_range() {
        let text = b"one\ntwo\r\nthree\nfour\nfive";
        for cap in [1, 2, 3, 7, 1024] {
            assert_eq!(window(text, one(1..2), cap), "one\n", "{cap}");
            assert_eq!(window(text, one(2..4), cap), "\ntwo\r\nthree\n");
            assert_eq!(window(text, vec![1..2, 5..9], cap), "one\n\n\n\nfive");
            assert_eq!(window(text, vec![3..3, 9..10], cap), "\n\n\n\n");
            assert_eq!(window(text, vec![], cap), "");
        }
    }
}
