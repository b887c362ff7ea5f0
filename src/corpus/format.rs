//! Input formats behind one trait, and the list of them.
//!
//! An [`InputFormat`] is one way a file's (decompressed) bytes hold
//! documents: how it is recognised (by a file extension, or for stdin by
//! its first bytes), what a record's position counts, and how its records
//! are read into documents. Compression is not a format: `.gz` and `.zst`
//! wrap any of them and are undone before a format sees the bytes (see
//! [`open()`](super::open())).
//!
//! [`FORMATS`] lists the formats in the order they are tried; plain text
//! comes last and takes whatever no other format claims. A new format is one
//! file implementing the trait, a [`Layout`] variant naming it, and an entry
//! here (and, for `dedup`, a [`WriteBack`](crate::dedup::WriteBack)).
//!
//! ```
//! use std::path::Path;
//! use dupscan::corpus::{format_of, detect_format, Layout, Position};
//!
//! let layout = detect_format(Path::new("part-0.ndjson.gz")).layout;
//! assert_eq!(layout, Layout::Jsonl);
//! assert_eq!(format_of(layout).position(), Position::Line);
//! assert_eq!(format_of(Layout::Text).name(), "text");
//! ```

use std::io::{self, BufRead, Cursor, Read};
use std::path::Path;

use super::csv::{CsvFormat, TsvFormat};
use super::detect::{NotText, UTF8_BOM};
use super::jsonl::JsonlFormat;
use super::parquet::ParquetFormat;
use super::text::TextFormat;
use super::{Document, Layout, Origin, ReadOptions, ReadStats, Warning};
use crate::error::{Error, Result};

/// What [`Document::line`] counts in a format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The 1-based line of the record in the decompressed file.
    Line,
    /// The 1-based row of the record (formats whose records are not lines).
    Row,
    /// Nothing: the whole file is one document, always at position 1.
    Whole,
}

/// How sources of a format are read in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallelism {
    /// Each file is read on one thread, and neighbouring files of the
    /// format are read at the same time (files of one document each).
    AcrossFiles,
    /// One file at a time, parsed in parallel inside (files of many
    /// records each).
    WithinFile,
}

/// One source's decompressed stream, handed to [`InputFormat::read`].
pub struct Input<'a> {
    /// The decompressed bytes.
    pub reader: &'a mut (dyn BufRead + Send),
    /// The path as given (`-` for stdin), for ids and errors.
    pub path: &'a Path,
    /// The source's index in [`Corpus::sources`](super::Corpus::sources).
    pub source: u32,
    /// Whether the source was named or found by walking a directory.
    pub origin: Origin,
    /// Field names, the bad-line policy and the size limit.
    pub opts: &'a ReadOptions,
    /// Called, from any thread, with the number of bytes just read.
    pub on_bytes: &'a (dyn Fn(u64) + Sync),
}

impl Input<'_> {
    /// Refuses this source, which is `what` rather than something dupscan
    /// reads; or, for binary content found by walking a directory, skips
    /// it with a [`Warning::Binary`] in `out` (it stays a source without
    /// documents, so `dedup` copies it unchanged).
    pub(crate) fn not_text(&self, what: NotText, out: &mut Records) -> Result<()> {
        let path = self.path.to_path_buf();
        match (what, self.origin) {
            (NotText::Binary(what), Origin::Walked) => {
                out.warnings.push(Warning::Binary {
                    path,
                    what: what.to_owned(),
                });
                Ok(())
            }
            (NotText::Binary(what) | NotText::Data(what), _) => Err(Error::Unsupported {
                path,
                what: what.to_owned(),
            }),
        }
    }
}

/// What reading sources gives: documents in order, counters and warnings
/// (a [`Corpus`](super::Corpus) without its sources).
#[derive(Debug, Default)]
pub struct Records {
    /// Documents, in input order.
    pub docs: Vec<Document>,
    /// Counters.
    pub stats: ReadStats,
    /// What was skipped, in order.
    pub warnings: Vec<Warning>,
    /// Which documents keep their text (by index in `docs`); the others
    /// are kept with an empty text. A format whose
    /// [`InputFormat::filters_as_it_reads`] says so applies it as it reads;
    /// for the others the caller applies it once the read is done. `None`
    /// keeps all.
    pub keep_text: Option<TextFilter>,
}

/// What documents of a read keep of their text, by index in input order:
/// called once per document, in input order, with its index and text, which
/// it may empty (the text is dropped) or cut down to the parts it needs; a
/// staged run's stage holds only the texts it needs (see
/// [`read_inputs_keeping`](super::read_inputs_keeping)).
#[derive(Clone)]
pub struct TextFilter(pub std::sync::Arc<KeepText>);

/// The edit of a [`TextFilter`]: given a document's index, empties or cuts
/// its text.
pub type KeepText = dyn Fn(u64, &mut String) + Send + Sync;

impl std::fmt::Debug for TextFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TextFilter")
    }
}

impl TextFilter {
    /// Edits the text of every document of `docs[from..]` (`docs[i]` is
    /// document number `i`), releasing the memory of what it drops.
    pub fn apply(&self, docs: &mut [Document], from: usize) {
        for (i, d) in docs.iter_mut().enumerate().skip(from) {
            let len = d.text.len();
            (self.0)(i as u64, &mut d.text);
            if d.text.len() < len {
                d.text.shrink_to_fit();
            }
        }
    }

    /// A filter that keeps the whole text of the documents `keep` says and
    /// empties the others.
    pub fn keeping(keep: impl Fn(u64) -> bool + Send + Sync + 'static) -> Self {
        TextFilter(std::sync::Arc::new(move |i, text: &mut String| {
            if !keep(i) {
                *text = String::new();
            }
        }))
    }
}

/// Adds the counters of `more` to `stats`, but `duplicate_ids`, which is
/// counted over the whole corpus once it is read.
pub(crate) fn add_counts(stats: &mut ReadStats, more: ReadStats) {
    // Destructured, so that a new counter cannot be forgotten here.
    let ReadStats {
        bytes,
        invalid_utf8,
        lone_surrogates,
        duplicate_ids: _,
        bad_lines,
        blank_lines,
    } = more;
    stats.bytes += bytes;
    stats.invalid_utf8 += invalid_utf8;
    stats.lone_surrogates += lone_surrogates;
    stats.bad_lines += bad_lines;
    stats.blank_lines += blank_lines;
}

/// One input format: how it is recognised and how its records are read.
pub trait InputFormat: Send + Sync {
    /// The [`Layout`] that names this format in a [`Source`](super::Source).
    fn layout(&self) -> Layout;

    /// Its name in messages, as in "a {name} file" ("JSON Lines", "text").
    fn name(&self) -> &'static str;

    /// The file extensions that select it, lowercase, without the dot;
    /// matched ignoring ASCII case, under a compression extension if there
    /// is one (`x.jsonl.gz`).
    fn extensions(&self) -> &'static [&'static str];

    /// Whether a stream without a name (stdin) whose decompressed bytes
    /// start with `head` is in this format; `None` when `head` is too short
    /// to tell (then more bytes are read, and at the end of the stream
    /// `None` counts as no).
    fn sniff(&self, head: &[u8]) -> Option<bool>;

    /// What [`Document::line`] counts for its documents.
    fn position(&self) -> Position;

    /// How its sources are read in parallel.
    fn parallelism(&self) -> Parallelism;

    /// Whether [`InputFormat::read`] applies [`Records::keep_text`] to the
    /// documents it adds as it reads them (so that a large file's unwanted
    /// texts are never all held); when not, the caller applies it after.
    fn filters_as_it_reads(&self) -> bool {
        false
    }

    /// Reads the whole stream `input`, appending its documents (in order,
    /// with `source` set to [`Input::source`]) and what it counted to `out`.
    ///
    /// # Errors
    ///
    /// As [`read_sources`](super::read_sources): [`Error::Read`] naming
    /// the path, [`Error::BadLine`] and [`Error::TooLarge`] naming the
    /// position (unless `opts` says to skip), [`Error::Unsupported`].
    fn read(&self, input: Input<'_>, out: &mut Records) -> Result<()>;
}

/// The formats dupscan reads, in the order stdin sniffing tries them;
/// the last one, plain text, is the fallback for names and bytes that no
/// other format claims.
pub static FORMATS: &[&dyn InputFormat] = &[
    &ParquetFormat,
    &JsonlFormat,
    &CsvFormat,
    &TsvFormat,
    &TextFormat,
];

/// The format named by `layout`.
///
/// # Panics
///
/// If no format of [`FORMATS`] has that layout (a test checks that every
/// layout has one).
pub fn format_of(layout: Layout) -> &'static dyn InputFormat {
    FORMATS
        .iter()
        .copied()
        .find(|f| f.layout() == layout)
        .expect("every layout has a format")
}

/// The format of files that no other format claims: plain text.
pub(crate) fn fallback() -> &'static dyn InputFormat {
    &TextFormat
}

/// The format whose extensions hold `extension` (ASCII case ignored), or
/// the fallback.
pub(crate) fn by_extension(extension: &str) -> &'static dyn InputFormat {
    FORMATS
        .iter()
        .copied()
        .find(|f| {
            f.extensions()
                .iter()
                .any(|e| extension.eq_ignore_ascii_case(e))
        })
        .unwrap_or_else(fallback)
}

/// The format the first bytes `head` of a decompressed stream say it is,
/// trying [`FORMATS`] in order; `None` when a format that comes first
/// cannot tell yet, so more bytes are needed (unless `at_end`, when such a
/// format counts as not claiming it).
pub(crate) fn sniff_format(head: &[u8], at_end: bool) -> Option<&'static dyn InputFormat> {
    for format in FORMATS.iter().copied() {
        match format.sniff(head) {
            Some(true) => return Some(format),
            Some(false) => {}
            None if at_end => {}
            None => return None,
        }
    }
    Some(fallback())
}

/// Decides the format of a stream from its first bytes, and gives back a
/// reader that still yields every byte.
pub(crate) fn sniff_stream(
    mut reader: Box<dyn BufRead + Send>,
) -> io::Result<(&'static dyn InputFormat, Box<dyn BufRead + Send>)> {
    let mut head = Vec::new();
    let format = loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break sniff_format(&head, true).unwrap_or_else(fallback);
        }
        let n = buf.len();
        head.extend_from_slice(buf);
        reader.consume(n);
        if let Some(format) = sniff_format(&head, false) {
            break format;
        }
    };
    Ok((format, Box::new(Cursor::new(head).chain(reader))))
}

/// `head` without a leading UTF-8 byte order mark; `None` while `head` could
/// still be the start of one.
pub(crate) fn strip_bom(head: &[u8]) -> Option<&[u8]> {
    if head.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(head) {
        return None;
    }
    Some(head.strip_prefix(UTF8_BOM).unwrap_or(head))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_has_one_format_and_extensions_are_not_shared() {
        for layout in super::super::all_layouts() {
            let formats: Vec<_> = FORMATS.iter().filter(|f| f.layout() == layout).collect();
            assert_eq!(formats.len(), 1, "{layout:?}");
            assert_eq!(format_of(layout).layout(), layout);
        }
        let mut extensions: Vec<&str> = FORMATS
            .iter()
            .flat_map(|f| f.extensions())
            .copied()
            .collect();
        let n = extensions.len();
        extensions.sort_unstable();
        extensions.dedup();
        assert_eq!(extensions.len(), n, "an extension claimed twice");
        assert!(fallback().extensions().is_empty());
        assert_eq!(
            FORMATS.last().map(|f| f.layout()),
            Some(fallback().layout())
        );
    }

    #[test]
    fn sniffing_waits_for_a_format_that_comes_first() {
        assert_eq!(sniff_format(b"  ", false).map(|f| f.layout()), None);
        assert_eq!(
            sniff_format(b"  ", true).map(|f| f.layout()),
            Some(Layout::Text)
        );
        assert_eq!(
            sniff_format(b" {", false).map(|f| f.layout()),
            Some(Layout::Jsonl)
        );
        assert_eq!(
            sniff_format(b" x", false).map(|f| f.layout()),
            Some(Layout::Text)
        );
    }

    #[test]
    fn add_counts_adds_every_counter_but_duplicate_ids() {
        let mut a = ReadStats {
            bytes: 3,
            bad_lines: 1,
            duplicate_ids: 1,
            ..ReadStats::default()
        };
        add_counts(
            &mut a,
            ReadStats {
                bytes: 4,
                invalid_utf8: 1,
                lone_surrogates: 2,
                blank_lines: 5,
                bad_lines: 1,
                duplicate_ids: 9,
            },
        );
        assert_eq!(
            a,
            ReadStats {
                bytes: 7,
                invalid_utf8: 1,
                lone_surrogates: 2,
                blank_lines: 5,
                bad_lines: 2,
                duplicate_ids: 1,
            }
        );
    }
}
