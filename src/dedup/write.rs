//! Writing the deduplicated corpus: the output directory's safety checks and
//! one writer per source.
//!
//! Each source goes to `DIR/<relative path>` ([`Source::relative`]) in the
//! format it came in. A file with nothing to change is copied byte for byte
//! (compressed bytes included). Otherwise a JSONL file is streamed line by
//! line from the original: a record is written back as its original bytes,
//! or with the removed units cut out of its text field's string, or with a
//! `dupscan` field inserted before its closing brace, or left out; blank and
//! skipped malformed lines are copied as they are. A changed text file is
//! its original bytes minus the cuts; a text file whose document is dropped
//! is not written. Cuts are made in the original bytes ([`super::splice`]),
//! so invalid UTF-8 and JSON escapes outside them are kept as they were.
//! Compression is kept (gzip at the default level 6, Zstandard at level 3).
//!
//! Every source is read again to be written, and checked against the
//! [`Fingerprint`](crate::corpus::Fingerprint) taken when it was scanned:
//! its length and modification time when it is opened, the hash of its raw
//! bytes once they are read. A source that changed is an error
//! ([`Error::Changed`]) and its output file is not written.
//!
//! Every file is written through [`crate::output`]: to a hidden temporary
//! name beside its destination, renamed once complete, so a failed or
//! interrupted run never leaves a partial file under a final name; each
//! output file gets its source's permission bits (never setuid, setgid or
//! sticky). Files are written in parallel; each file's bytes depend on its
//! source alone.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::mend::mend_ranges;
use super::plan::{DocPlan, Plan};
use super::record::{Object, text_value};
use super::splice::{Encoding, Mismatch, splice};
use super::{DedupOptions, LOCK_FILE, META_DIR, Mode, Overwrite};
use crate::config::UnitKind;
use crate::corpus::{self, Compression, Layout, Source, Tally};
use crate::error::{Error, Result};
use crate::output::{Destination, Protected, buffered, resolve_target, write_file};
use crate::pipeline::Scan;
use crate::report::{Json, Report, ReportWriter};

/// Buffer size for the output stream.
const BUF_SIZE: usize = 256 * 1024;
/// The field `--annotate` adds.
pub(crate) const ANNOTATION_FIELD: &str = "dupscan";

/// What became of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Copied byte for byte.
    Copied,
    /// Written with changes.
    Rewritten,
    /// Not written: a text file whose document was dropped.
    Omitted,
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Checks that dedup may write `sources` under `opts.out`, before anything
/// is read or written. `inputs` are all the paths the user named (corpus and
/// reference); `reference` are the reference files, read but never written.
///
/// Refuses: stdin (it cannot be read twice), text inputs with
/// [`Mode::Annotate`]; any path the run writes (`DIR`, each output file,
/// `DIR/.dupscan` and the lock, report and summary in it), symbolic links
/// followed, that is an input or reference file or inside an input
/// directory; an output file that is not a regular file, FIFO or character
/// device, that lands in `.dupscan`, or that two inputs would share; an
/// existing `DIR` that is not a directory, and a non-empty `DIR` without
/// [`Overwrite::Force`].
pub(crate) fn check_target(
    inputs: &[PathBuf],
    sources: &[Source],
    reference: &[Source],
    opts: &DedupOptions,
) -> Result<()> {
    let out = &opts.out;
    let refuse = |message: String| Error::Output {
        path: out.clone(),
        message,
    };
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    if inputs.iter().any(|p| is_stdin(p)) {
        return Err(Error::Param(
            "dedup cannot write stdin (-) back; save it to a file and name the file".into(),
        ));
    }
    if opts.mode == Mode::Annotate {
        if let Some(s) = sources.iter().find(|s| s.format.layout == Layout::Text) {
            return Err(Error::Param(format!(
                "--annotate adds a field to JSON Lines records; {} is a text file",
                s.path.display()
            )));
        }
    }
    let existing = match fs::metadata(out) {
        Ok(m) if !m.is_dir() => return Err(refuse("exists and is not a directory".into())),
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(werr(out)(e)),
    };
    let mut protected = Protected::default();
    for input in inputs {
        if input.is_dir() {
            protected.add_dir(input)?;
        }
    }
    for s in sources.iter().chain(reference) {
        protected.add_file(&s.path)?;
    }
    let resolved = resolve_target(out).map_err(werr(out))?;
    protected.check(out, &resolved)?;
    let meta_path = out.join(META_DIR);
    let meta = resolve_target(&meta_path).map_err(werr(&meta_path))?;
    let mut targets: HashMap<PathBuf, &Path> = HashMap::new();
    for s in sources {
        let dest = Destination::new(&out.join(&s.relative))?;
        let target = dest.target();
        protected.check(dest.path(), target)?;
        if target.starts_with(&meta) {
            return Err(refuse(format!(
                "the input {} would be written to {}, where dedup keeps its report",
                s.path.display(),
                target.display()
            )));
        }
        if let Some(other) = targets.insert(target.to_path_buf(), &s.path) {
            return Err(refuse(format!(
                "the inputs {} and {} would both be written to {}",
                other.display(),
                s.path.display(),
                target.display()
            )));
        }
    }
    for path in [
        meta_path,
        super::lock_path(out),
        super::report_path(out),
        super::summary_path(out),
    ] {
        let target = resolve_target(&path).map_err(werr(&path))?;
        protected.check(&path, &target)?;
    }
    if existing && opts.overwrite == Overwrite::Refuse && !is_empty(out).map_err(werr(out))? {
        return Err(refuse(
            "the output directory is not empty; use --force to write into it".into(),
        ));
    }
    Ok(())
}

/// Whether the output directory `out` holds nothing but, at most, a
/// `.dupscan` directory that is empty or holds only a lock file (this run's,
/// or one a killed run left).
fn is_empty(out: &Path) -> io::Result<bool> {
    for entry in fs::read_dir(out)? {
        if entry?.file_name() != META_DIR {
            return Ok(false);
        }
    }
    let meta = out.join(META_DIR);
    match fs::symlink_metadata(&meta) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
        Ok(m) if !m.is_dir() => return Ok(false),
        Ok(_) => {}
    }
    for entry in fs::read_dir(&meta)? {
        if entry?.file_name() != LOCK_FILE {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes the summary, then the report, of a previous run into `out`, so
/// that a summary in `out` is always that of one complete run.
pub(crate) fn remove_previous(out: &Path) -> Result<()> {
    for path in [super::summary_path(out), super::report_path(out)] {
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(Error::Write { path, source: e });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The range of [`Scan::corpus`] documents of each source.
fn doc_ranges(scan: &Scan) -> Vec<Range<usize>> {
    let mut ranges = vec![0..0; scan.corpus.sources.len()];
    let docs = &scan.corpus.docs;
    let mut start = 0;
    while start < docs.len() {
        let source = docs[start].source;
        let end = start + docs[start..].partition_point(|d| d.source == source);
        ranges[source as usize] = start..end;
        start = end;
    }
    ranges
}

/// Writes every corpus source of `scan` (not the reference ones) under
/// `opts.out` following `plan`, in parallel; the first failing source in
/// input order is the error.
pub(crate) fn write_corpus(scan: &Scan, plan: &Plan, opts: &DedupOptions) -> Result<Vec<Outcome>> {
    fs::create_dir_all(&opts.out).map_err(|source| Error::Write {
        path: opts.out.clone(),
        source,
    })?;
    let skip = scan.reference_sources as usize;
    let ranges = doc_ranges(scan);
    let results: Vec<Result<Outcome>> = scan.corpus.sources[skip..]
        .par_iter()
        .zip(ranges.into_par_iter().skip(skip))
        .map(|(source, docs)| {
            let job = Job {
                scan,
                plan,
                source,
                docs,
                mode: opts.mode,
                target: opts.out.join(&source.relative),
            };
            job.run()
        })
        .collect();
    results.into_iter().collect()
}

/// Writes `report` as JSON to `path`, atomically.
pub(crate) fn write_report(path: &Path, report: &Report) -> Result<()> {
    create_parent(path)?;
    write_file(path, None, buffered(|w| Json.write(report, w)))
}

/// Writes `value` as pretty JSON to `path`, atomically.
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    create_parent(path)?;
    write_file(
        path,
        None,
        buffered(|w| {
            serde_json::to_writer_pretty(&mut *w, value)?;
            w.write_all(b"\n")
        }),
    )
}

fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            fs::create_dir_all(dir).map_err(|source| Error::Write {
                path: dir.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// Carries a typed error through the `io::Result` of a write closure.
#[derive(Default)]
struct Failure(RefCell<Option<Error>>);

impl Failure {
    /// Records `err` (the first one wins) and returns an `io::Error` to stop
    /// the write with.
    fn set(&self, err: Error) -> io::Error {
        let message = err.to_string();
        self.0.borrow_mut().get_or_insert(err);
        io::Error::other(message)
    }

    /// Takes the recorded error out, if there is one.
    fn take(&self) -> Option<Error> {
        self.0.borrow_mut().take()
    }

    /// The recorded error if there is one, else the write's own result.
    fn resolve(self, result: Result<()>) -> Result<()> {
        match (self.0.into_inner(), result) {
            (Some(err), _) => Err(err),
            (None, result) => result,
        }
    }
}

/// A reader whose errors are read errors of `path`.
struct Reading<'a, R> {
    inner: R,
    path: &'a Path,
    failure: &'a Failure,
}

impl<R> Reading<'_, R> {
    fn fail(&self, source: io::Error) -> io::Error {
        self.failure.set(Error::Read {
            path: self.path.to_path_buf(),
            source,
        })
    }
}

impl<R: Read> Read for Reading<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| self.fail(e))
    }
}

/// Wraps `file` in the compressor for `compression`, runs `body` on it and
/// finishes the stream.
pub(crate) fn encode(
    file: &File,
    compression: Compression,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let buf = BufWriter::with_capacity(BUF_SIZE, file);
    match compression {
        Compression::None => {
            let mut w = buf;
            body(&mut w)?;
            w.flush()
        }
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(buf, flate2::Compression::default());
            body(&mut enc)?;
            enc.finish()?.flush()
        }
        Compression::Zstd => {
            let mut enc = zstd::stream::write::Encoder::new(buf, 0)?;
            body(&mut enc)?;
            enc.finish()?.flush()
        }
    }
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
    group: u32,
    of: &'a str,
}

/// Copies one line (up to and including its newline, or to the end) from
/// `reader` to `out` without holding it; returns its length, 0 at the end.
/// Read errors go through `read_failed`.
fn copy_line(
    reader: &mut dyn BufRead,
    out: &mut dyn Write,
    read_failed: impl Fn(io::Error) -> io::Error,
) -> io::Result<usize> {
    let mut copied = 0;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_failed(e)),
        };
        if buf.is_empty() {
            return Ok(copied);
        }
        let (n, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        out.write_all(&buf[..n])?;
        reader.consume(n);
        copied += n;
        if done {
            return Ok(copied);
        }
    }
}

/// Splits a line into its content and its line break (`\n`, `\r\n` or none).
fn split_eol(line: &[u8]) -> (&[u8], &[u8]) {
    let content = line.strip_suffix(b"\n").unwrap_or(line);
    let content = content.strip_suffix(b"\r").unwrap_or(content);
    line.split_at(content.len())
}

/// Writing one source.
struct Job<'a> {
    scan: &'a Scan,
    plan: &'a Plan,
    source: &'a Source,
    /// Its documents in [`Scan::corpus`].
    docs: Range<usize>,
    mode: Mode,
    target: PathBuf,
}

impl Job<'_> {
    fn run(&self) -> Result<Outcome> {
        let plans = &self.plan.docs[self.docs.clone()];
        let untouched = plans.iter().all(DocPlan::unchanged);
        match (self.source.format.layout, self.mode) {
            (Layout::Jsonl, Mode::Annotate) => self.rewrite_jsonl(),
            (_, _) if untouched => self.copy(),
            (Layout::Jsonl, Mode::Remove) => self.rewrite_jsonl(),
            (Layout::Text, Mode::Annotate) => self.copy(),
            (Layout::Text, Mode::Remove) => match plans {
                [plan] if plan.dropped => {
                    match fs::remove_file(&self.target) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => {
                            return Err(Error::Write {
                                path: self.target.clone(),
                                source: e,
                            });
                        }
                        _ => {}
                    }
                    Ok(Outcome::Omitted)
                }
                _ => self.rewrite_text(),
            },
        }
    }

    /// The source's permission bits, for its output; [`write_file`] drops
    /// the setuid, setgid and sticky bits.
    fn mode(&self) -> Result<Option<u32>> {
        let meta = fs::metadata(&self.source.path).map_err(|source| Error::Read {
            path: self.source.path.clone(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            Ok(Some(meta.permissions().mode()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Ok(None)
        }
    }

    /// Checks `tally`, the source opened again, against what was read when
    /// it was scanned (if that was recorded): first its length and
    /// modification time, then, once `read` has read it, its content.
    fn verified<T>(&self, tally: Tally, read: impl FnOnce() -> Result<T>) -> Result<T> {
        let path = &self.source.path;
        let Some(then) = &self.source.fingerprint else {
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

    /// Copies the file byte for byte, checking that it is what was scanned.
    fn copy(&self) -> Result<Outcome> {
        let path = &self.source.path;
        let (raw, tally) = corpus::open_hashed(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        create_parent(&self.target)?;
        let failure = Failure::default();
        let mut reader = Reading {
            inner: raw,
            path,
            failure: &failure,
        };
        let mode = self.mode()?;
        let result = write_file(&self.target, mode, |mut out| {
            self.verified(tally, || {
                io::copy(&mut reader, &mut out).map_err(|e| Error::Write {
                    path: self.target.clone(),
                    source: e,
                })
            })
            .map(drop)
            .map_err(|e| failure.set(e))
        });
        failure.resolve(result).map(|()| Outcome::Copied)
    }

    /// Writes the source's one document without its removed units: the
    /// bytes it was decoded from, read again, minus the cuts.
    fn rewrite_text(&self) -> Result<Outcome> {
        let doc = self.docs.start;
        let path = &self.source.path;
        let (mut reader, tally) = corpus::open_tallied(self.source)?;
        let raw = self.verified(tally, || {
            let mut raw = Vec::new();
            reader.read_to_end(&mut raw).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            Ok(raw)
        })?;
        let text = &self.scan.corpus.docs[doc].text;
        let keep = mend_ranges(text, &self.plan.docs[doc].spans());
        let mut out = Vec::with_capacity(raw.len());
        splice(&raw, Encoding::Utf8, text, &keep, &mut out)
            .map_err(|Mismatch| changed(path, 1, "the text is not what was read"))?;
        create_parent(&self.target)?;
        write_file(&self.target, self.mode()?, |file| {
            encode(file, self.source.format.compression, |w| w.write_all(&out))
        })?;
        Ok(Outcome::Rewritten)
    }

    /// Streams a JSONL source record by record, checking that it is what
    /// was scanned.
    fn rewrite_jsonl(&self) -> Result<Outcome> {
        let (mut reader, tally) = corpus::open_tallied(self.source)?;
        create_parent(&self.target)?;
        let failure = Failure::default();
        let result = write_file(&self.target, self.mode()?, |file| {
            encode(file, self.source.format.compression, |out| {
                self.verified(tally, || {
                    self.stream(&mut *reader, out, &failure)
                        .map_err(|e| failure.take().unwrap_or_else(|| self.write_error(e)))
                })
                .map_err(|e| failure.set(e))
            })
        });
        failure.resolve(result).map(|()| Outcome::Rewritten)
    }

    /// A write error of the target.
    fn write_error(&self, source: io::Error) -> Error {
        Error::Write {
            path: self.target.clone(),
            source,
        }
    }

    /// Copies or rewrites each line of `reader` into `out`. Lines that are
    /// not documents (blank, skipped as malformed or as larger than
    /// `--max-document-bytes`) are copied as they stream by, never held
    /// whole, so a huge skipped line costs no memory.
    fn stream(
        &self,
        reader: &mut dyn BufRead,
        out: &mut dyn Write,
        failure: &Failure,
    ) -> io::Result<()> {
        let path = &self.source.path;
        let read_failed = |source| {
            failure.set(Error::Read {
                path: path.clone(),
                source,
            })
        };
        let mut next = self.docs.start;
        let mut number = 0u64;
        let mut line = Vec::new();
        loop {
            let is_doc = next < self.docs.end && self.scan.corpus.docs[next].line == number + 1;
            let n = if is_doc {
                line.clear();
                reader.read_until(b'\n', &mut line).map_err(read_failed)?
            } else {
                copy_line(reader, out, read_failed)?
            };
            if n == 0 {
                break;
            }
            number += 1;
            if is_doc {
                self.record(next, number, &line, out, failure)?;
                next += 1;
            }
        }
        if next < self.docs.end {
            let line = self.scan.corpus.docs[next].line;
            return Err(failure.set(changed(
                path,
                line,
                "the file is shorter than when it was read",
            )));
        }
        Ok(())
    }

    /// Writes record `doc`, found on line `number`.
    fn record(
        &self,
        doc: usize,
        number: u64,
        line: &[u8],
        out: &mut dyn Write,
        failure: &Failure,
    ) -> io::Result<()> {
        let plan = &self.plan.docs[doc];
        let path = &self.source.path;
        match self.mode {
            Mode::Remove if plan.dropped => Ok(()),
            Mode::Remove if plan.unchanged() => out.write_all(line),
            Mode::Remove => {
                let (content, eol) = split_eol(line);
                let read = &self.scan.config.read;
                let range = Object::parse(content)
                    .and_then(|o| text_value(&o, content, read))
                    .ok_or_else(|| {
                        failure.set(changed(path, number, "the text field is not where it was"))
                    })?;
                // The string's bytes inside its quotes, minus the cuts.
                let text = &self.scan.corpus.docs[doc].text;
                let keep = mend_ranges(text, &plan.spans());
                let literal = &content[range.start + 1..range.end - 1];
                let mut value = Vec::with_capacity(literal.len());
                splice(literal, Encoding::JsonString, text, &keep, &mut value).map_err(
                    |Mismatch| {
                        failure.set(changed(path, number, "the text field is not what was read"))
                    },
                )?;
                out.write_all(&content[..=range.start])?;
                out.write_all(&value)?;
                out.write_all(&content[range.end - 1..])?;
                out.write_all(eol)
            }
            Mode::Annotate => {
                let (content, eol) = split_eol(line);
                let object = Object::parse(content).ok_or_else(|| {
                    failure.set(changed(
                        path,
                        number,
                        "the record is no longer a JSON object",
                    ))
                })?;
                if object.field(content, ANNOTATION_FIELD).is_some() {
                    return Err(failure.set(Error::BadLine {
                        path: path.clone(),
                        line: number,
                        message: format!(
                            "the record already has a \"{ANNOTATION_FIELD}\" field; \
                             --annotate will not add a second one"
                        ),
                    }));
                }
                let Some(note) = self.note(plan)? else {
                    return out.write_all(line);
                };
                out.write_all(&content[..object.close])?;
                if !object.fields.is_empty() {
                    out.write_all(b",")?;
                }
                write!(out, "\"{ANNOTATION_FIELD}\":{note}")?;
                out.write_all(&content[object.close..])?;
                out.write_all(eol)
            }
        }
    }

    /// The document id of unit `id`.
    fn doc_id(&self, id: u32) -> &str {
        let doc = self.scan.units.doc(id);
        &self.scan.corpus.docs[doc as usize].id
    }

    /// The `dupscan` field's JSON value for a document, if it gets one.
    fn note(&self, plan: &DocPlan) -> io::Result<Option<String>> {
        let json = if self.scan.config.params.unit == UnitKind::Document {
            if let Some(r) = plan.removed.first() {
                serde_json::to_string(&DocNote {
                    group: r.group,
                    duplicate: true,
                    of: Some(self.doc_id(r.of)),
                })?
            } else if let Some(&group) = plan.kept.first() {
                serde_json::to_string(&DocNote {
                    group,
                    duplicate: false,
                    of: None,
                })?
            } else {
                return Ok(None);
            }
        } else if plan.removed.is_empty() {
            return Ok(None);
        } else {
            let removed = plan
                .removed
                .iter()
                .map(|r| UnitNote {
                    start: r.span.start,
                    end: r.span.end,
                    group: r.group,
                    of: self.doc_id(r.of),
                })
                .collect();
            serde_json::to_string(&UnitNotes {
                removed,
                dropped: plan.dropped,
            })?
        };
        Ok(Some(json))
    }
}

/// The error for a source that no longer matches what was read.
fn changed(path: &Path, line: u64, what: &str) -> Error {
    Error::BadLine {
        path: path.to_path_buf(),
        line,
        message: format!("{what}; did the file change during the run?"),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::config::{ScanConfig, ScanParams, Scope};
    use crate::corpus::{ReadOptions, read_inputs};
    use crate::dedup::{Emptied, Keep, plan};
    use crate::progress::Silent;

    const A: &str = "The harbour authority said on Monday that the terminal would reopen.";
    const B: &str = "A local bakery won the regional prize for its rye bread this year.";

    fn options(out: PathBuf, mode: Mode) -> DedupOptions {
        DedupOptions {
            out,
            keep: Keep::First,
            mode,
            overwrite: Overwrite::Refuse,
            emptied: Emptied::Keep,
        }
    }

    fn scan_of(inputs: Vec<PathBuf>, unit: UnitKind) -> Scan {
        let mut params = ScanParams::new(inputs, unit);
        params.options.scope = Scope::All;
        params.options.min_tokens = Some(1);
        let config = ScanConfig::new(params).expect("valid");
        crate::pipeline::run(&config, &Silent).expect("scan")
    }

    /// A reader that yields `good` and then fails.
    struct Failing(Cursor<Vec<u8>>);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(io::Error::other("disk on fire")),
                n => Ok(n),
            }
        }
    }

    impl BufRead for Failing {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            if self.0.position() as usize >= self.0.get_ref().len() {
                return Err(io::Error::other("disk on fire"));
            }
            self.0.fill_buf()
        }

        fn consume(&mut self, n: usize) {
            self.0.consume(n);
        }
    }

    #[test]
    fn a_failing_read_leaves_no_output_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.jsonl");
        let lines = format!("{{\"text\":\"{A}\"}}\n{{\"text\":\"{A} {B}\"}}\n");
        fs::write(&input, &lines).expect("write");
        let scan = scan_of(vec![input.clone()], UnitKind::Sentence);
        let plan = plan(&scan, Keep::First);
        let out = dir.path().join("out");
        fs::create_dir(&out).expect("mkdir");
        let job = Job {
            scan: &scan,
            plan: &plan,
            source: &scan.corpus.sources[0],
            docs: 0..2,
            mode: Mode::Remove,
            target: out.join("in.jsonl"),
        };
        let failure = Failure::default();
        let result = write_file(&job.target, None, |file| {
            encode(file, Compression::Gzip, |w| {
                // Half of the input, then an error.
                let mut reader = Failing(Cursor::new(lines.as_bytes()[..10].to_vec()));
                job.stream(&mut reader, w, &failure)
            })
        });
        let err = failure.resolve(result).expect_err("the read fails");
        assert!(
            matches!(&err, Error::Read { path, .. } if *path == input),
            "{err:?}"
        );
        let left: Vec<_> = fs::read_dir(&out).expect("list").collect();
        assert!(left.is_empty(), "files left behind: {left:?}");
    }

    #[test]
    fn a_corrupt_compressed_source_fails_with_a_read_error_and_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(format!("{{\"text\":\"{A}\"}}\n{{\"text\":\"{A}\"}}\n").as_bytes())
            .expect("gzip");
        let good = enc.finish().expect("gzip");
        fs::write(&input, &good).expect("write");
        let mut scan = scan_of(vec![input.clone()], UnitKind::Sentence);
        let plan = plan(&scan, Keep::First);
        // The file is damaged after it was read; without its fingerprint,
        // the damage is found by the decompressor.
        scan.corpus.sources[0].fingerprint = None;
        fs::write(&input, &good[..good.len() / 2]).expect("truncate");
        let out = dir.path().join("out");
        let err = write_corpus(&scan, &plan, &options(out.clone(), Mode::Remove))
            .expect_err("truncated gzip");
        assert!(
            matches!(&err, Error::Read { path, .. } if *path == input),
            "{err:?}"
        );
        assert!(!out.join("in.jsonl.gz").exists());
        assert_eq!(fs::read_dir(&out).expect("list").count(), 0);
    }

    #[test]
    fn a_changed_source_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.jsonl");
        fs::write(
            &input,
            format!("{{\"text\":\"{A}\"}}\n{{\"text\":\"{A}\"}}\n"),
        )
        .expect("write");
        let mut scan = scan_of(vec![input.clone()], UnitKind::Document);
        let plan = plan(&scan, Keep::First);
        fs::write(&input, format!("{{\"text\":\"{A}\"}}\n")).expect("shorten");
        let out = dir.path().join("out");
        let opts = options(out.clone(), Mode::Remove);
        // The fingerprint sees the change before anything is read...
        let err = write_corpus(&scan, &plan, &opts).expect_err("file changed");
        assert!(
            matches!(&err, Error::Changed { path, .. } if *path == input),
            "{err:?}"
        );
        assert!(err.to_string().contains("length or modification time"));
        assert!(!out.join("in.jsonl").exists());
        // ...and without it, the record that is missing is.
        scan.corpus.sources[0].fingerprint = None;
        let err = write_corpus(&scan, &plan, &opts).expect_err("file changed");
        assert!(matches!(&err, Error::BadLine { line: 2, .. }), "{err:?}");
        assert!(!out.join("in.jsonl").exists());
    }

    /// Writes `text` over `path` (the same length) and puts its modification
    /// time back, so that only the content differs.
    fn rewrite_in_place(path: &Path, text: &str) {
        let modified = fs::metadata(path)
            .and_then(|m| m.modified())
            .expect("mtime");
        fs::write(path, text).expect("rewrite");
        File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(modified))
            .expect("set mtime");
    }

    #[test]
    fn a_source_changed_to_the_same_length_is_an_error_and_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let changed_to = |from: &str| from.replacen("harbour", "airport", 1);
        let jsonl = format!("{{\"text\":\"{A}\"}}\n{{\"text\":\"{B}\"}}\n");
        let cases = [
            // Copied as it is, rewritten as text, rewritten as JSONL.
            ("copied.txt", UnitKind::Sentence, format!("{B}\n")),
            ("cut.txt", UnitKind::Sentence, format!("{A} {B} {A}\n")),
            ("unchanged-record.jsonl", UnitKind::Document, jsonl.clone()),
            (
                "cut-record.jsonl",
                UnitKind::Sentence,
                format!("{jsonl}{{\"text\":\"{B} {A}\"}}\n"),
            ),
        ];
        for (name, unit, text) in cases {
            let input = dir.path().join(name);
            fs::write(&input, &text).expect("write");
            let scan = scan_of(vec![input.clone()], unit);
            let plan = plan(&scan, Keep::First);
            let changed = if name == "copied.txt" {
                text.replacen("bakery", "butler", 1)
            } else {
                changed_to(&text)
            };
            assert_eq!(changed.len(), text.len());
            assert_ne!(changed, text);
            rewrite_in_place(&input, &changed);
            let out = dir.path().join(format!("out-{name}"));
            let err =
                write_corpus(&scan, &plan, &options(out.clone(), Mode::Remove)).expect_err(name);
            assert!(
                matches!(&err, Error::Changed { path, .. } if *path == input),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains("content differs"), "{name}: {err}");
            let left: Vec<_> = fs::read_dir(&out).expect("list").collect();
            assert!(left.is_empty(), "{name}: files left behind: {left:?}");
        }
    }

    #[test]
    fn doc_ranges_follow_sources() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join("a.jsonl"),
            format!("{{\"text\":\"{A}\"}}\n{{\"text\":\"{B}\"}}\n"),
        )
        .expect("write");
        fs::write(dir.path().join("b.txt"), "").expect("write");
        fs::write(dir.path().join("c.txt"), A).expect("write");
        let corpus = read_inputs(
            &[dir.path().to_path_buf()],
            &ReadOptions::default(),
            &|_| {},
        )
        .expect("read");
        let mut params = ScanParams::new(vec![dir.path().to_path_buf()], UnitKind::Document);
        params.options.scope = Scope::All;
        let config = ScanConfig::new(params).expect("valid");
        let scan = crate::pipeline::scan_corpus(&config, corpus, &Silent);
        assert_eq!(doc_ranges(&scan), [0..2, 0..0, 2..3]);
    }

    #[test]
    fn split_eol_keeps_the_line_break() {
        assert_eq!(split_eol(b"{}\r\n"), (&b"{}"[..], &b"\r\n"[..]));
        assert_eq!(split_eol(b"{}\n"), (&b"{}"[..], &b"\n"[..]));
        assert_eq!(split_eol(b"{}"), (&b"{}"[..], &b""[..]));
    }
}
