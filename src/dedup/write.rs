//! Writing the deduplicated corpus: the output directory's safety checks and
//! one writer per source.
//!
//! Each source goes to `DIR/<relative path>` ([`Source::relative`]) in the
//! format it came in. A file with nothing to change is copied byte for byte
//! (compressed bytes included); a file whose format leaves out a source
//! with every document dropped (a text file) is not written; every other
//! file is written by its format's [`WriteBack`] (see [`super::format`]):
//! JSON Lines record by record ([`super::jsonl`]), a text file as its
//! original bytes minus the cuts ([`super::text`]). Cuts are made in the
//! original bytes ([`super::splice`]), so invalid UTF-8 and JSON escapes
//! outside them are kept as they were. Compression is kept (gzip at the
//! default level 6, Zstandard at level 3).
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
use std::io::{self, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::format::{Rewrite, verified, write_back_of};
use super::plan::{DocPlan, Plan};
use super::{DedupOptions, LOCK_FILE, META_DIR, Mode, Overwrite};
use crate::corpus::{self, Compression, Source};
use crate::error::{Error, Result};
use crate::output::{Destination, Protected, buffered, resolve_target, write_file};
use crate::pipeline::Scan;
use crate::report::{Html, JsonCompact, Report, ReportWriter};

/// Buffer size for the output stream.
const BUF_SIZE: usize = 256 * 1024;

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
    if inputs.iter().any(|p| corpus::is_stdin(p)) {
        return Err(Error::Param(
            "dedup cannot write stdin (-) back; save it to a file and name the file".into(),
        ));
    }
    if opts.mode == Mode::Annotate {
        let cannot = |s: &&Source| !write_back_of(s.format.layout).annotates();
        if let Some(s) = sources.iter().find(cannot) {
            return Err(Error::Param(format!(
                "--annotate adds a field to JSON Lines records and a column to Parquet files; \
                 {} is a {} file",
                s.path.display(),
                corpus::format_of(s.format.layout).name()
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
        super::html_path(out),
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
    for path in [
        super::summary_path(out),
        super::report_path(out),
        super::html_path(out),
    ] {
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
pub(crate) fn write_corpus(
    scan: &Scan,
    plan: &Plan,
    opts: &DedupOptions,
    only: Option<Range<usize>>,
) -> Result<Vec<Outcome>> {
    fs::create_dir_all(&opts.out).map_err(|source| Error::Write {
        path: opts.out.clone(),
        source,
    })?;
    let skip = scan.reference_sources as usize;
    let ranges = doc_ranges(scan);
    let results: Vec<Result<Outcome>> = scan.corpus.sources[skip..]
        .par_iter()
        .zip(ranges.into_par_iter().skip(skip))
        .enumerate()
        .filter(|(s, _)| only.as_ref().is_none_or(|r| r.contains(&(skip + s))))
        .map(|(_, x)| x)
        .map(|(source, docs)| {
            let job = Rewrite {
                scan,
                plan,
                source,
                docs,
                mode: opts.mode,
                target: opts.out.join(&source.relative),
            };
            write_source(&job)
        })
        .collect();
    results.into_iter().collect()
}

/// Writes `report` as JSON to `path`, atomically.
pub(crate) fn write_report(path: &Path, report: &Report) -> Result<()> {
    create_parent(path)?;
    write_file(path, None, buffered(|w| JsonCompact.write(report, w)))
}

/// Writes the HTML report to `path`, atomically.
pub(crate) fn write_html(path: &Path, report: &Report) -> Result<()> {
    create_parent(path)?;
    write_file(path, None, buffered(|w| Html::default().write(report, w)))
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

/// Makes the directory `path` goes in.
pub(super) fn create_parent(path: &Path) -> Result<()> {
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
pub(super) struct Failure(RefCell<Option<Error>>);

impl Failure {
    /// Records `err` (the first one wins) and returns an `io::Error` to stop
    /// the write with.
    pub(super) fn set(&self, err: Error) -> io::Error {
        let message = err.to_string();
        self.0.borrow_mut().get_or_insert(err);
        io::Error::other(message)
    }

    /// The recorded error if there is one, else the write's own result.
    pub(super) fn resolve(self, result: Result<()>) -> Result<()> {
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
    body: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
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

/// Writes one source: copied when nothing changes, left out when its
/// format leaves out a source whose documents are all dropped, else
/// rewritten by its format.
fn write_source(job: &Rewrite<'_>) -> Result<Outcome> {
    let format = write_back_of(job.source.format.layout);
    let plans = &job.plan.docs[job.docs.clone()];
    let untouched = plans.iter().all(DocPlan::unchanged);
    let emptied = !plans.is_empty() && plans.iter().all(|p| p.dropped);
    match job.mode {
        Mode::Annotate if format.annotates() => {}
        Mode::Annotate => return copy(job),
        Mode::Remove if untouched => return copy(job),
        Mode::Remove if emptied && format.omits_emptied() => {
            match fs::remove_file(&job.target) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(Error::Write {
                        path: job.target.clone(),
                        source: e,
                    });
                }
                _ => {}
            }
            return Ok(Outcome::Omitted);
        }
        Mode::Remove => {}
    }
    format.rewrite(job).map(|()| Outcome::Rewritten)
}

/// The permission bits of `source`, for its output; [`write_file`] drops
/// the setuid, setgid and sticky bits.
pub(super) fn permissions(source: &Source) -> Result<Option<u32>> {
    let meta = fs::metadata(&source.path).map_err(|e| Error::Read {
        path: source.path.clone(),
        source: e,
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

/// Copies the file byte for byte, checking that it is what was scanned.
fn copy(job: &Rewrite<'_>) -> Result<Outcome> {
    let path = &job.source.path;
    let (raw, tally) = corpus::open_hashed(path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    create_parent(&job.target)?;
    let failure = Failure::default();
    let mut reader = Reading {
        inner: raw,
        path,
        failure: &failure,
    };
    let mode = permissions(job.source)?;
    let result = write_file(&job.target, mode, |mut out| {
        verified(job.source, tally, || {
            io::copy(&mut reader, &mut out).map_err(|e| Error::Write {
                path: job.target.clone(),
                source: e,
            })
        })
        .map(drop)
        .map_err(|e| failure.set(e))
    });
    failure.resolve(result).map(|()| Outcome::Copied)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use std::io::BufRead;

    use super::*;
    use crate::config::{ScanConfig, ScanParams, Scope, UnitKind};
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
            html: false,
            report: crate::dedup::DedupReport::Full,
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
        let job = Rewrite {
            scan: &scan,
            plan: &plan,
            source: &scan.corpus.sources[0],
            docs: 0..2,
            mode: Mode::Remove,
            target: out.join("in.jsonl"),
        };
        let err = job
            .write(|out| {
                // Half of the input, then an error.
                let mut reader = Failing(Cursor::new(lines.as_bytes()[..10].to_vec()));
                super::super::jsonl::stream(&job, &mut reader, out)
            })
            .expect_err("the read fails");
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
        let err = write_corpus(&scan, &plan, &options(out.clone(), Mode::Remove), None)
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
        let err = write_corpus(&scan, &plan, &opts, None).expect_err("file changed");
        assert!(
            matches!(&err, Error::Changed { path, .. } if *path == input),
            "{err:?}"
        );
        assert!(err.to_string().contains("length or modification time"));
        assert!(!out.join("in.jsonl").exists());
        // ...and without it, the record that is missing is.
        scan.corpus.sources[0].fingerprint = None;
        let err = write_corpus(&scan, &plan, &opts, None).expect_err("file changed");
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
            let err = write_corpus(&scan, &plan, &options(out.clone(), Mode::Remove), None)
                .expect_err(name);
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
}
