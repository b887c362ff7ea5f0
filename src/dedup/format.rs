//! Write-back behind one trait per format, and the list of them.
//!
//! A [`WriteBack`] writes one source again with some byte spans of some of
//! its documents cut out, or with each record annotated, keeping every
//! other byte as it was. The driver ([`super::write`]) decides what is
//! format-independent: a source with nothing to change is copied byte for
//! byte, a source all of whose documents are dropped may be left out (as
//! the format says), and everything else goes to the format's
//! [`WriteBack::rewrite`] with a [`Rewrite`]: the source's documents and
//! their plans, the ranges of text that stay, the source opened again and
//! checked against what was scanned ([`Reread`]), and an atomic, compressed
//! output ([`Output`]). Compression is not the format's business: it reads
//! decompressed bytes and writes uncompressed ones.
//!
//! [`WRITE_BACKS`] lists the formats; a new one is a file implementing the
//! trait and an entry there, beside its
//! [`InputFormat`](crate::corpus::InputFormat).

use std::io::{self, BufRead, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Mode;
use super::csv::CsvWriteBack;
use super::jsonl::JsonlWriteBack;
use super::mend::mend_ranges;
use super::parquet::ParquetWriteBack;
use super::plan::{DocPlan, Plan};
use super::splice::{Encoding, Mismatch, splice};
use super::text::TextWriteBack;
use super::write::{Failure, create_parent, encode};
use crate::config::UnitKind;
use crate::corpus::{self, Document, Layout, ReadOptions, Source, Tally};
use crate::error::{Error, Result};
use crate::offsets::{CharIndex, char_offset};
use crate::output::write_file;
use crate::pipeline::Scan;

/// How one format writes a source back.
pub trait WriteBack: Send + Sync {
    /// The [`Layout`] of the sources it writes.
    fn layout(&self) -> Layout;

    /// Whether its records can carry a note ([`Mode::Annotate`]); sources
    /// of a format that cannot are refused before anything is read.
    fn annotates(&self) -> bool;

    /// Whether a source all of whose documents are dropped is left out of
    /// the output (a text file) rather than written without them.
    fn omits_emptied(&self) -> bool;

    /// Writes `job`'s source to its target: every byte as it was, but the
    /// spans [`Rewrite::kept`] leaves out of each document's text, dropped
    /// documents left out, and with [`Mode::Annotate`] each record's
    /// [`Rewrite::note`] added instead. Called when something changes (for
    /// [`Mode::Annotate`], always).
    ///
    /// # Errors
    ///
    /// [`Error::Read`] and [`Error::Changed`] from [`Rewrite::reopen`],
    /// [`Error::Write`] from [`Rewrite::write`], and [`Error::BadLine`]
    /// (see [`Rewrite::changed`]) for a record that is not what was read.
    fn rewrite(&self, job: &Rewrite<'_>) -> Result<()>;
}

/// The formats dedup writes back.
pub static WRITE_BACKS: &[&dyn WriteBack] = &[
    &JsonlWriteBack,
    &CsvWriteBack(Layout::Csv),
    &CsvWriteBack(Layout::Tsv),
    &ParquetWriteBack,
    &TextWriteBack,
];

/// The write-back of `layout`'s format.
///
/// # Panics
///
/// If no write-back has that layout (a test checks that every layout
/// has one).
pub fn write_back_of(layout: Layout) -> &'static dyn WriteBack {
    WRITE_BACKS
        .iter()
        .copied()
        .find(|w| w.layout() == layout)
        .expect("every layout has a write-back")
}

/// One source to write back, as a [`WriteBack`] sees it.
pub struct Rewrite<'a> {
    pub(super) scan: &'a Scan,
    pub(super) plan: &'a Plan,
    pub(super) source: &'a Source,
    /// Its documents in [`Scan::corpus`].
    pub(super) docs: Range<usize>,
    pub(super) mode: Mode,
    pub(super) target: PathBuf,
}

/// The note `--annotate` adds to a document at `--unit document`.
#[derive(Serialize)]
struct DocNote<'a> {
    group: u32,
    duplicate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<&'a str>,
}

/// The note `--annotate` adds at `--unit sentence|paragraph`.
#[derive(Serialize)]
struct UnitNotes<'a> {
    removed: Vec<UnitNote<'a>>,
    /// Whether the whole document would go (every unit removed, or every
    /// compared one with `--drop-emptied`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dropped: bool,
}

#[derive(Serialize)]
struct UnitNote<'a> {
    start: u32,
    end: u32,
    /// `start` and `end` in code points, for languages that slice strings
    /// by character.
    char_start: u32,
    char_end: u32,
    group: u32,
    of: &'a str,
}

impl<'a> Rewrite<'a> {
    /// The source.
    pub fn source(&self) -> &'a Source {
        self.source
    }

    /// Remove or annotate.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// How the source was read (its text and id fields).
    pub fn read_options(&self) -> &'a ReadOptions {
        &self.scan.config.read
    }

    /// The source's documents, in order; `doc` arguments below index it.
    pub fn docs(&self) -> &'a [Document] {
        &self.scan.corpus.docs[self.docs.clone()]
    }

    /// What happens to document `doc`.
    pub fn plan(&self, doc: usize) -> &'a DocPlan {
        &self.plan.docs[self.docs.start + doc]
    }

    /// The byte ranges of document `doc`'s text that stay, sorted: the text
    /// minus its removed units, with the whitespace around each cut mended.
    pub fn kept(&self, doc: usize) -> Vec<Range<usize>> {
        mend_ranges(&self.docs()[doc].text, &self.plan(doc).spans())
    }

    /// Emits `record`, the raw bytes of document `doc` (at `position`),
    /// with the cut units left out of each text field: `fields[i]` is the
    /// raw byte range of text field `i`'s value in `record` (inside its
    /// quotes) and how it encodes the field's text. The kept ranges of the
    /// joined text ([`Rewrite::kept`]) are split at the fields' bounds and
    /// spliced into each ([`splice`]); every byte outside the fields is
    /// emitted as it was, in order, one piece per `emit`.
    ///
    /// # Errors
    ///
    /// [`Error::BadLine`] (see [`Rewrite::changed`]) when a field's bytes
    /// do not decode to its text; the errors of `emit`.
    pub(super) fn splice_fields(
        &self,
        doc: usize,
        position: u64,
        record: &[u8],
        fields: &[(Range<usize>, Encoding)],
        emit: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let document = &self.docs()[doc];
        let kept = self.kept(doc);
        let mut order: Vec<usize> = (0..fields.len()).collect();
        order.sort_by_key(|&i| fields[i].0.start);
        let mut at = 0;
        for i in order {
            let (raw, encoding) = &fields[i];
            let mut value = Vec::with_capacity(raw.len());
            splice_field(
                document,
                i,
                &kept,
                &record[raw.clone()],
                *encoding,
                &mut value,
            )
            .map_err(|Mismatch| self.changed(position, "the text field is not what was read"))?;
            emit(&record[at..raw.start])?;
            emit(&value)?;
            at = raw.end;
        }
        emit(&record[at..])
    }

    /// The document id of unit `id`.
    fn doc_id(&self, id: u32) -> &'a str {
        let doc = self.scan.units.doc(id);
        &self.scan.corpus.docs[doc as usize].id
    }

    /// The note ([`Mode::Annotate`]) of document `doc` as JSON, if it gets
    /// one: at `--unit document` `{"group","duplicate","of"}` for a
    /// document in a group, else `{"removed":[{"start","end","group","of"}]}`
    /// (and `"dropped":true`) for a document that loses units.
    pub fn note(&self, doc: usize) -> Result<Option<String>> {
        let plan = self.plan(doc);
        let json = if self.scan.config.params.unit == UnitKind::Document {
            if let Some(r) = plan.removed.first() {
                serde_json::to_string(&DocNote {
                    group: r.group,
                    duplicate: true,
                    of: Some(self.doc_id(r.of)),
                })
            } else if let Some(&group) = plan.kept.first() {
                serde_json::to_string(&DocNote {
                    group,
                    duplicate: false,
                    of: None,
                })
            } else {
                return Ok(None);
            }
        } else if plan.removed.is_empty() {
            return Ok(None);
        } else {
            let text = &self.docs()[doc].text;
            let chars = (text.len() >= 16 * 1024).then(|| CharIndex::new(text));
            let char_offset = |b: u32| {
                chars
                    .as_ref()
                    .map_or_else(|| char_offset(text, b), |c| c.char_offset(text, b))
            };
            let removed = plan
                .removed
                .iter()
                .map(|r| UnitNote {
                    start: r.span.start,
                    end: r.span.end,
                    char_start: char_offset(r.span.start),
                    char_end: char_offset(r.span.end),
                    group: r.group,
                    of: self.doc_id(r.of),
                })
                .collect();
            serde_json::to_string(&UnitNotes {
                removed,
                dropped: plan.dropped,
            })
        };
        json.map(Some).map_err(|e| self.write_error(e.into()))
    }

    /// Opens the source again, decompressed, to be read through
    /// [`Reread::verified`].
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when it cannot be opened.
    pub fn reopen(&self) -> Result<Reread<'a>> {
        let (reader, tally) = corpus::open_tallied(self.source, &|_| {})?;
        Ok(Reread {
            reader,
            tally,
            source: self.source,
        })
    }

    /// Writes the target whole or not at all, compressed as the source is
    /// and with its permission bits, from what `body` writes to the
    /// [`Output`]; the parent directory is made first.
    ///
    /// # Errors
    ///
    /// The first error of `body`, else [`Error::Write`] naming the target.
    pub fn write(&self, body: impl FnOnce(&mut Output<'_>) -> Result<()>) -> Result<()> {
        create_parent(&self.target)?;
        let mode = super::write::permissions(self.source)?;
        let failure = Failure::default();
        let result = write_file(&self.target, mode, |file| {
            encode(file, self.source.format.compression, |inner| {
                let mut out = Output {
                    inner,
                    target: &self.target,
                };
                body(&mut out).map_err(|e| failure.set(e))
            })
        });
        failure.resolve(result)
    }

    /// The error for a record at `position` ([`Document::line`]) of the
    /// source that is not what was read: `what`, and a question whether the
    /// file changed.
    pub fn changed(&self, position: u64, what: &str) -> Error {
        changed(&self.source.path, position, what)
    }

    /// A read error of the source.
    pub fn read_error(&self, source: io::Error) -> Error {
        Error::Read {
            path: self.source.path.clone(),
            source,
        }
    }

    /// A write error of the target.
    pub fn write_error(&self, source: io::Error) -> Error {
        Error::Write {
            path: self.target.clone(),
            source,
        }
    }
}

/// Appends to `out` the raw value `raw` of text field `field` of
/// `document` (encoded as `encoding`) with what `kept`, the kept ranges of
/// the joined text ([`Rewrite::kept`]), leaves of that field.
///
/// # Errors
///
/// [`Mismatch`] when `raw` does not decode to the field's text.
pub(super) fn splice_field(
    document: &Document,
    field: usize,
    kept: &[Range<usize>],
    raw: &[u8],
    encoding: Encoding,
    out: &mut Vec<u8>,
) -> std::result::Result<(), Mismatch> {
    let range = document.field_range(field);
    let keep: Vec<Range<usize>> = kept
        .iter()
        .map(|k| k.start.max(range.start)..k.end.min(range.end))
        .filter(|k| k.start < k.end)
        .map(|k| k.start - range.start..k.end - range.start)
        .collect();
    splice(raw, encoding, &document.text[range], &keep, out)
}

/// The error for a source that no longer matches what was read.
pub(super) fn changed(path: &Path, line: u64, what: &str) -> Error {
    Error::BadLine {
        path: path.to_path_buf(),
        line,
        message: format!("{what}; did the file change during the run?"),
    }
}

/// A source opened again for writing it back.
pub struct Reread<'a> {
    reader: Box<dyn BufRead + Send>,
    tally: Tally,
    source: &'a Source,
}

impl Reread<'_> {
    /// Reads the decompressed source with `read`, checking it against the
    /// [`Fingerprint`](crate::corpus::Fingerprint) taken when it was
    /// scanned (if one was): its length and modification time before `read`
    /// starts, the hash of its raw bytes once `read` is done.
    ///
    /// # Errors
    ///
    /// [`Error::Changed`] when the source differs; the error of `read`.
    pub fn verified<T>(self, read: impl FnOnce(&mut dyn BufRead) -> Result<T>) -> Result<T> {
        let Reread {
            mut reader,
            tally,
            source,
        } = self;
        verified(source, tally, || read(&mut *reader))
    }

    /// All of the decompressed source, checked as [`Reread::verified`]
    /// does before it is returned.
    ///
    /// # Errors
    ///
    /// As [`Reread::verified`]; [`Error::Read`] when reading fails.
    pub fn read_all(self) -> Result<Vec<u8>> {
        let path = self.source.path.clone();
        self.verified(|reader| {
            let mut raw = Vec::new();
            reader
                .read_to_end(&mut raw)
                .map_err(|source| Error::Read { path, source })?;
            Ok(raw)
        })
    }
}

/// Checks `tally`, `source` opened again, against what was read when it
/// was scanned (if that was recorded): first its length and modification
/// time, then, once `read` has read it, its content.
pub(super) fn verified<T>(
    source: &Source,
    tally: Tally,
    read: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let path = &source.path;
    let Some(then) = &source.fingerprint else {
        return read();
    };
    tally.check_opened(path, then)?;
    let value = read()?;
    let now = tally.finish().map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    corpus::check_read(then, path, &now)?;
    Ok(value)
}

/// The (uncompressed) output of a [`WriteBack`]; write errors name the
/// target.
///
/// Writes go straight to the compressor, unbuffered, and a compressor's
/// output depends on how its input is cut into writes: a format that means
/// to keep its output byte for byte must keep its sequence of writes.
pub struct Output<'w> {
    inner: &'w mut (dyn Write + Send),
    target: &'w Path,
}

impl Output<'_> {
    /// The stream itself, for a format written by a library that takes an
    /// [`io::Write`] (Parquet); its errors are plain [`io::Error`]s, for the
    /// caller to name the target ([`Rewrite::write_error`]).
    pub fn stream(&mut self) -> &mut (dyn Write + Send) {
        self.inner
    }

    /// Writes all of `bytes`.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] naming the target.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.write_all(bytes).map_err(|source| Error::Write {
            path: self.target.to_path_buf(),
            source,
        })
    }

    /// Writes formatted text, piece by piece (what `write!` calls).
    ///
    /// # Errors
    ///
    /// [`Error::Write`] naming the target.
    pub fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> Result<()> {
        self.inner.write_fmt(args).map_err(|source| Error::Write {
            path: self.target.to_path_buf(),
            source,
        })
    }

    /// Copies one line of `reader` (up to and including its newline, or to
    /// the end) without holding it; returns its length, 0 at the end.
    /// `path` names `reader` in read errors.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] naming `path`, [`Error::Write`] naming the target.
    pub fn copy_line(&mut self, reader: &mut dyn BufRead, path: &Path) -> Result<usize> {
        let mut copied = 0;
        loop {
            let buf = match reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(Error::Read {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            };
            if buf.is_empty() {
                return Ok(copied);
            }
            let (n, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let line = &buf[..n];
            self.inner.write_all(line).map_err(|source| Error::Write {
                path: self.target.to_path_buf(),
                source,
            })?;
            reader.consume(n);
            copied += n;
            if done {
                return Ok(copied);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_has_one_write_back_and_text_cannot_annotate() {
        for layout in crate::corpus::all_layouts() {
            let n = WRITE_BACKS.iter().filter(|w| w.layout() == layout).count();
            assert_eq!(n, 1, "{layout:?}");
            assert_eq!(write_back_of(layout).layout(), layout);
        }
        assert!(!write_back_of(Layout::Text).annotates());
        assert!(write_back_of(Layout::Text).omits_emptied());
        assert!(write_back_of(Layout::Jsonl).annotates());
        assert!(!write_back_of(Layout::Jsonl).omits_emptied());
    }

    #[test]
    fn copy_line_copies_one_line_at_a_time() {
        let mut reader = io::BufReader::with_capacity(2, &b"abc\n\nlast"[..]);
        let mut bytes = Vec::new();
        let mut out = Output {
            inner: &mut bytes,
            target: Path::new("out"),
        };
        let lens: Vec<usize> = (0..4)
            .map(|_| out.copy_line(&mut reader, Path::new("in")).expect("copy"))
            .collect();
        assert_eq!(lens, [4, 1, 4, 0]);
        assert_eq!(bytes, b"abc\n\nlast");
    }
}
