//! Reading inputs into documents.
//!
//! An input is a file, a directory (walked recursively in sorted path order)
//! or `-` for stdin. Each file is read according to its format:
//!
//! * plain text (`.txt` or anything not recognised): one document per file,
//!   id = the path as given;
//! * JSON Lines (`.jsonl`, `.json`, `.ndjson`): one document per line, text in the
//!   configured text field, id in the id field (`path:line` when absent);
//! * `.gz` / `.zst` compressed versions of both, decompressed as a stream;
//! * CSV and TSV (`.csv`, `.tsv`): a header row, one document per row, text
//!   and id in the columns named by the text and id fields (see `csv.rs`);
//! * Parquet (`.parquet`, or the `PAR1` magic number at both ends of a file
//!   no other format claims by name): one document per row, text and id in
//!   the configured columns (`path:row` without an id); see [`ParquetFormat`];
//! * formats dupscan does not read yet (`.orc`, ... by name, or
//!   by a magic number in the first bytes; see [`unsupported_extension`]) are
//!   refused with [`Error::Unsupported`], and so is binary content (a NUL
//!   byte in the first 8 KiB of a file read as text, an executable, an
//!   image) when named, while binary content found by walking a directory is
//!   skipped with a [`Warning::Binary`].
//!
//! Documents come out in input order (file order, then line order); that order
//! defines dupscan's global ids. Invalid UTF-8 is replaced with U+FFFD and
//! counted, and so are lone surrogate escapes in JSONL; a malformed JSONL line is an error naming the path and line, unless
//! the caller asked to skip and count bad lines.
//!
//! A directory walk reads each file once and skips special files (see
//! [`list_sources`]); what was skipped is returned in [`Corpus::warnings`]
//! for the caller to show, since library code prints nothing.
//!
//! Stdin has no name to go by, so it is sniffed: gzip or Zstandard magic
//! numbers select the decompressor, and a first non-whitespace byte `{`
//! selects JSON Lines.
//!
//! The work is split by step: [`detect_format`] names formats, [`list_sources`]
//! expands inputs into files, [`open()`] streams a file's decompressed bytes,
//! and [`read_inputs`] (or [`read_sources`]) reads everything into a
//! [`Corpus`], parsing JSONL in parallel while keeping input order. Each
//! format is an [`InputFormat`] (one file each: `text.rs`, `jsonl.rs`, `parquet.rs`)
//! listed in [`FORMATS`]; this module only drives them.
//!
//! ```
//! use dupscan::corpus::{read_inputs, ReadOptions};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("a.txt"), "A whole file is one document.")?;
//! std::fs::write(dir.path().join("b.jsonl"), "{\"id\":1,\"text\":\"x\"}\n{\"id\":2,\"text\":\"y\"}\n")?;
//! let corpus = read_inputs(&[dir.path().to_path_buf()], &ReadOptions::default(), &|_| {})?;
//! let ids: Vec<&str> = corpus.docs.iter().map(|d| d.id.as_str()).collect();
//! assert_eq!(ids, [dir.path().join("a.txt").display().to_string().as_str(), "1", "2"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod csv;
mod detect;
mod fingerprint;
mod format;
mod jsonl;
mod open;
mod parquet;
mod text;
mod walk;
mod window;

use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

pub use self::parquet::ParquetFormat;
pub(crate) use self::parquet::{BATCH as PARQUET_BATCH, Columns, Positional, invalid, open_random};
pub use csv::{CsvFormat, TsvFormat};
pub(crate) use csv::{column, csv_error, delimiter, reader as csv_reader, row_number};
pub use detect::{detect_format, unsupported_extension};
pub(crate) use fingerprint::{Tally, check_read, open_hashed};
pub use format::{
    FORMATS, Input, InputFormat, Parallelism, Position, Records, TextFilter, format_of,
};
pub use jsonl::JsonlFormat;
pub(crate) use jsonl::{field_path, replace_lone_surrogates, unicode_escape};
pub use open::open;
pub(crate) use open::open_tallied;
pub use text::TextFormat;
pub(crate) use walk::is_stdin;
pub use walk::{Listing, list_selected, list_sources};
pub use window::{LineWindow, Window, read_windows};

pub use dupscan_core::corpus::*;

use crate::error::{Error, Result};

/// Reads every input into a [`Corpus`], in input order.
///
/// The inputs are expanded with [`list_sources`], then read with
/// [`read_sources`]; see there for the details. The listing's warnings come
/// first in [`Corpus::warnings`].
///
/// # Errors
///
/// As [`list_sources`] and [`read_sources`].
pub fn read_inputs(
    inputs: &[PathBuf],
    opts: &ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    read_listed(list_selected(inputs, &opts.select)?, opts, on_bytes)
}

/// The bytes [`read_sources`] will report through `on_bytes` for these
/// sources: the sum of the files' sizes as stored; `None` when stdin is
/// among them (its size is not known ahead).
pub fn input_size(sources: &[Source]) -> Option<u64> {
    sources
        .iter()
        .map(|s| {
            if walk::is_stdin(&s.path) {
                return None;
            }
            std::fs::metadata(&s.path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len())
        })
        .sum()
}

/// Reads the sources of `listing` like [`read_inputs`] (the listing's
/// warnings first).
///
/// # Errors
///
/// As [`read_sources`].
pub fn read_listed(
    listing: Listing,
    opts: &ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    read_listed_keeping(listing, opts, None, on_bytes)
}

/// As [`read_listed`], keeping the texts `keep` selects (see
/// [`read_inputs_keeping`]).
///
/// # Errors
///
/// As [`read_sources`].
pub fn read_listed_keeping(
    listing: Listing,
    opts: &ReadOptions,
    keep: Option<TextFilter>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    let mut corpus = read_sources_keeping(listing.sources, opts, keep, on_bytes)?;
    let mut warnings = listing.warnings;
    warnings.append(&mut corpus.warnings);
    corpus.warnings = warnings;
    Ok(corpus)
}

/// As [`read_inputs`], but only the documents `keep` selects (by index in
/// input order) keep their text; the others come with an empty text, which
/// is dropped as it is read, so memory holds only the kept texts (and every
/// document's id). Counters and warnings are those of the whole read.
///
/// # Errors
///
/// As [`read_inputs`].
pub fn read_inputs_keeping(
    inputs: &[PathBuf],
    opts: &ReadOptions,
    keep: Option<TextFilter>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    read_listed_keeping(list_selected(inputs, &opts.select)?, opts, keep, on_bytes)
}

/// Reads `sources` into a [`Corpus`], in order: file order, then line order.
///
/// A text file is one document (none when the file is empty) whose id is the
/// path as displayed; a JSONL file gives one document per non-blank line.
/// Stdin (`-`) is sniffed for compression and layout, and its entry in
/// [`Corpus::sources`] records what was found. `on_bytes` is called from any
/// thread with the number of bytes just read, for progress reporting: bytes
/// of the files as stored (compressed or not; [`input_size`] is their total),
/// and decompressed bytes for stdin.
///
/// Text files are read in parallel and JSONL lines are parsed in parallel,
/// but the result, including which error is reported, does not depend on the
/// number of threads.
///
/// # Errors
///
/// * [`Error::Read`] when a file cannot be opened, read or decompressed;
/// * [`Error::BadLine`] for the first malformed JSONL line, unless
///   [`ReadOptions::bad_lines`] is [`BadLines::Skip`];
/// * [`Error::TooLarge`] for a document over
///   [`ReadOptions::max_document_bytes`], unless [`ReadOptions::bad_lines`]
///   is [`BadLines::Skip`] (then it is skipped, counted as a bad line, and
///   a [`Warning::TooLarge`] names it);
/// * [`Error::Unsupported`] for a file whose first bytes are a format
///   dupscan does not read, or binary content in a file that was named (in
///   a walked file, binary content is skipped with a [`Warning::Binary`]);
/// * [`Error::Param`] for more than 2^32 sources.
pub fn read_sources(
    sources: Vec<Source>,
    opts: &ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    read_sources_keeping(sources, opts, None, on_bytes)
}

fn read_sources_keeping(
    sources: Vec<Source>,
    opts: &ReadOptions,
    keep: Option<TextFilter>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Corpus> {
    if u32::try_from(sources.len()).is_err() {
        return Err(Error::Param(format!(
            "{} input files; at most {} are supported",
            sources.len(),
            u32::MAX
        )));
    }
    let mut corpus = Corpus {
        sources,
        ..Corpus::default()
    };
    let mut start = 0;
    while start < corpus.sources.len() {
        let across_files = |s: &Source| {
            !walk::is_stdin(&s.path)
                && format_of(s.format.layout).parallelism() == Parallelism::AcrossFiles
        };
        let end = corpus.sources[start..]
            .iter()
            .position(|s| !across_files(s))
            .map_or(corpus.sources.len(), |n| start + n);
        if end > start {
            let from = corpus.docs.len();
            read_files(&mut corpus, start, end, opts, on_bytes)?;
            if let Some(keep) = &keep {
                keep.apply(&mut corpus.docs, from);
            }
            start = end;
        } else {
            read_stream(&mut corpus, start, opts, keep.clone(), on_bytes)?;
            start += 1;
        }
    }
    corpus.stats.duplicate_ids = duplicate_ids(&corpus.docs);
    Ok(corpus)
}

/// Every layout, for tests that each has its format and write-back. The
/// match stops compiling when a layout is added, so that it is added here.
#[cfg(test)]
pub(crate) fn all_layouts() -> [Layout; 5] {
    match Layout::Text {
        Layout::Text | Layout::Jsonl | Layout::Csv | Layout::Tsv | Layout::Parquet => {}
    }
    [
        Layout::Text,
        Layout::Jsonl,
        Layout::Csv,
        Layout::Tsv,
        Layout::Parquet,
    ]
}

/// How many of `docs` have an id that an earlier one already has.
///
/// Ids are hashed and the hashes sorted (8 bytes per document, for a
/// moment); only documents whose hash repeats are compared by id.
fn duplicate_ids(docs: &[Document]) -> u64 {
    let hash = |d: &Document| xxh3_64(d.id.as_bytes());
    let mut hashes: Vec<u64> = docs.par_iter().map(hash).collect();
    hashes.par_sort_unstable();
    let repeated: HashSet<u64> = hashes
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    drop(hashes);
    if repeated.is_empty() {
        return 0;
    }
    let mut seen: HashSet<&str> = HashSet::new();
    docs.iter()
        .filter(|d| repeated.contains(&hash(d)) && !seen.insert(d.id.as_str()))
        .count() as u64
}

/// Converts a source index, checked against `u32::MAX` by [`read_sources`].
fn source_index(index: usize) -> Result<u32> {
    u32::try_from(index)
        .map_err(|_| Error::Param(format!("input file number {index} is too large")))
}

/// Reads the files `sources[start..end]` (not stdin) in parallel, each with
/// its format, appending their documents in order; the first failing file
/// (in order) is the error.
fn read_files(
    corpus: &mut Corpus,
    start: usize,
    end: usize,
    opts: &ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let read = (start..end)
        .into_par_iter()
        .map(|index| {
            let s = &corpus.sources[index];
            let (mut reader, tally) = open::open_tallied(s, on_bytes)?;
            let mut records = Records::default();
            let input = Input {
                reader: &mut *reader,
                path: &s.path,
                source: source_index(index)?,
                origin: s.origin,
                opts,
                on_bytes: &|_| {},
            };
            format_of(s.format.layout).read(input, &mut records)?;
            let fingerprint = tally.finish().map_err(walk::read_error(&s.path))?;
            Ok((records, fingerprint))
        })
        .collect::<Vec<Result<_>>>();
    for (index, read) in (start..end).zip(read) {
        let (records, fingerprint) = read?;
        corpus.sources[index].fingerprint = Some(fingerprint);
        corpus.append(records);
    }
    Ok(())
}

/// Reads one source, a file or stdin, into `corpus` with its format (for
/// stdin, the one its first bytes say).
fn read_stream(
    corpus: &mut Corpus,
    index: usize,
    opts: &ReadOptions,
    keep: Option<TextFilter>,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let id = source_index(index)?;
    let path = corpus.sources[index].path.clone();
    // Files count the bytes read as stored (their sizes are the total);
    // stdin, whose size is unknown, counts decompressed bytes. A Parquet
    // file is read by row groups, not through the stream the fingerprint
    // hashes after it: it reports each row group's stored bytes as it reads
    // it, and the rest (footer, magic) at the end.
    let by_groups =
        !walk::is_stdin(&path) && corpus.sources[index].format.layout == Layout::Parquet;
    let reported = std::sync::atomic::AtomicU64::new(0);
    let on_group = |n: u64| {
        reported.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        on_bytes(n);
    };
    let (mut reader, tally, on_decompressed): (_, _, &(dyn Fn(u64) + Sync)) =
        if walk::is_stdin(&path) {
            let (compression, reader) = open::open_stdin().map_err(walk::read_error(&path))?;
            let (format, reader) = format::sniff_stream(reader).map_err(walk::read_error(&path))?;
            corpus.sources[index].format = Format {
                layout: format.layout(),
                compression,
            };
            (reader, None, on_bytes)
        } else {
            let source = &corpus.sources[index];
            if by_groups {
                let (reader, tally) = open::open_tallied(source, &|_| {})?;
                (reader, Some(tally), &on_group)
            } else {
                let (reader, tally) = open::open_tallied(source, on_bytes)?;
                (reader, Some(tally), &|_| {})
            }
        };
    let source = &corpus.sources[index];
    let input = Input {
        reader: &mut *reader,
        path: &path,
        source: id,
        origin: source.origin,
        opts,
        on_bytes: on_decompressed,
    };
    let format = format_of(source.format.layout);
    // The corpus's own vectors, so that a large file's documents are not
    // copied once more.
    let from = corpus.docs.len();
    let (as_it_reads, after) = if format.filters_as_it_reads() {
        (keep, None)
    } else {
        (None, keep)
    };
    let mut records = Records {
        docs: std::mem::take(&mut corpus.docs),
        stats: corpus.stats,
        warnings: std::mem::take(&mut corpus.warnings),
        keep_text: as_it_reads,
    };
    format.read(input, &mut records)?;
    if let Some(keep) = after {
        keep.apply(&mut records.docs, from);
    }
    corpus.docs = records.docs;
    corpus.stats = records.stats;
    corpus.warnings = records.warnings;
    if let Some(tally) = tally {
        let fingerprint = tally.finish().map_err(walk::read_error(&path))?;
        corpus.sources[index].fingerprint = Some(fingerprint);
    }
    if by_groups {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        on_bytes(size.saturating_sub(reported.into_inner()));
    }
    Ok(())
}

/// Reading's own additions to a [`Corpus`].
trait Fill {
    fn append(&mut self, records: Records);
}

impl Fill for Corpus {
    /// Appends what a source gave.
    fn append(&mut self, mut records: Records) {
        self.docs.append(&mut records.docs);
        self.warnings.append(&mut records.warnings);
        format::add_counts(&mut self.stats, records.stats);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::{Cursor, Read, Write};
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::write(path, bytes).unwrap();
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// Deterministic pseudo-random bytes (xorshift64).
    fn junk(len: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    fn read(inputs: &[PathBuf], opts: &ReadOptions) -> Result<Corpus> {
        read_inputs(inputs, opts, &|_| {})
    }

    #[test]
    fn reads_every_format_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let jsonl = b"{\"id\":\"g1\",\"text\":\"gzip one\"}\n{\"text\":\"gzip two\"}\n";
        let crlf = b"{\"id\":1,\"text\":\"one\"}\r\n{\"id\":2,\"text\":\"two\"}\r\n";
        let zst = b"{\"id\":\"z\",\"text\":\"zstd\"}";
        write(&d.join("a.txt"), b"plain text");
        write(&d.join("b.jsonl"), crlf);
        write(&d.join("c.jsonl.gz"), &gzip(jsonl));
        write(
            &d.join("d.ndjson.zst"),
            &zstd::encode_all(&zst[..], 3).unwrap(),
        );
        write(&d.join("e.txt"), b"");
        write(&d.join("f.txt.gz"), &gzip(b"gzipped text"));
        write(&d.join("g.json"), b"");

        let seen = AtomicU64::new(0);
        let on_bytes = |n| {
            seen.fetch_add(n, Ordering::Relaxed);
        };
        let corpus = read_inputs(&[d.to_path_buf()], &ReadOptions::default(), &on_bytes).unwrap();

        let got: Vec<_> = corpus
            .docs
            .iter()
            .map(|doc| (doc.id.clone(), doc.source, doc.line, doc.text.clone()))
            .collect();
        let path = |name: &str| d.join(name).display().to_string();
        let expected = [
            (path("a.txt"), 0, 1, "plain text"),
            ("1".into(), 1, 1, "one"),
            ("2".into(), 1, 2, "two"),
            ("g1".into(), 2, 1, "gzip one"),
            (format!("{}:2", path("c.jsonl.gz")), 2, 2, "gzip two"),
            ("z".into(), 3, 1, "zstd"),
            (path("f.txt.gz"), 5, 1, "gzipped text"),
        ];
        let expected: Vec<_> = expected
            .into_iter()
            .map(|(id, s, l, t)| (id, s, l, t.to_owned()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(corpus.sources.len(), 7, "empty files are still sources");
        assert_eq!(corpus.sources[4].relative, Path::new("e.txt"));
        let total = (10 + crlf.len() + jsonl.len() + zst.len() + 12) as u64;
        assert_eq!(corpus.stats.bytes, total);
        // Progress counts the files as stored, out of their sizes.
        let stored = input_size(&corpus.sources).unwrap();
        assert_ne!(stored, total, "compressed files are counted as stored");
        assert_eq!(seen.load(Ordering::Relaxed), stored);
        assert_eq!(
            corpus.stats,
            ReadStats {
                bytes: total,
                ..ReadStats::default()
            }
        );
    }

    #[test]
    fn duplicate_ids_count_every_repeat_of_an_id() {
        let docs: Vec<Document> = ["a", "b", "a", "c", "a", "b", ""]
            .iter()
            .map(|id| Document {
                id: (*id).to_owned(),
                source: 0,
                line: 1,
                text: String::new(),
                joins: Vec::new(),
            })
            .collect();
        assert_eq!(duplicate_ids(&docs), 3);
        assert_eq!(duplicate_ids(&docs[..2]), 0);
        assert_eq!(duplicate_ids(&[]), 0);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        write(
            &path,
            b"{\"id\":7,\"text\":\"x\"}\n{\"id\":\"7\",\"text\":\"y\"}\n",
        );
        let corpus = read(&[path], &ReadOptions::default()).unwrap();
        assert_eq!(corpus.stats.duplicate_ids, 1);
    }

    #[test]
    fn empty_inputs_give_an_empty_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let corpus = read(&[dir.path().to_path_buf()], &ReadOptions::default()).unwrap();
        assert!(corpus.docs.is_empty() && corpus.sources.is_empty());
        assert!(read(&[], &ReadOptions::default()).unwrap().docs.is_empty());
    }

    #[test]
    fn invalid_utf8_in_text_is_replaced_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        write(&a, b"caf\xe9 au lait");
        write(&b, "café".as_bytes());
        let corpus = read(&[a, b], &ReadOptions::default()).unwrap();
        assert_eq!(corpus.docs[0].text, "caf\u{fffd} au lait");
        assert_eq!(corpus.docs[1].text, "café");
        assert_eq!(corpus.stats.invalid_utf8, 1);
    }

    #[test]
    fn random_binary_files_do_not_break_reading() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = junk(64 * 1024);
        let txt = dir.path().join("DS_Store.txt");
        let jsonl = dir.path().join("DS_Store.jsonl");
        write(&txt, &bytes);
        write(&jsonl, &bytes);

        // A binary text file: refused when named, skipped with a warning
        // (but kept as a source, for dedup to copy) when found by walking.
        match read(std::slice::from_ref(&txt), &ReadOptions::default()) {
            Err(Error::Unsupported { path, what }) => {
                assert_eq!(path, txt);
                assert!(what.contains("NUL byte"), "{what}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        write(&sub.join("DS_Store.txt"), &bytes);
        let corpus = read(std::slice::from_ref(&sub), &ReadOptions::default()).unwrap();
        assert!(corpus.docs.is_empty());
        assert_eq!(corpus.sources.len(), 1);
        assert!(
            matches!(&corpus.warnings[..], [Warning::Binary { path, .. }] if *path == sub.join("DS_Store.txt")),
            "{:?}",
            corpus.warnings
        );
        // Junk without a NUL byte is still read, with replacements.
        let no_nul: Vec<u8> = bytes.iter().map(|&b| b.max(1)).collect();
        write(&txt, &no_nul);
        let corpus = read(std::slice::from_ref(&txt), &ReadOptions::default()).unwrap();
        assert_eq!(corpus.docs.len(), 1);
        assert_eq!(corpus.stats.invalid_utf8, 1);
        assert_eq!(corpus.stats.bytes, bytes.len() as u64);

        match read(std::slice::from_ref(&jsonl), &ReadOptions::default()) {
            Err(Error::BadLine { path, line, .. }) => {
                assert_eq!(path, jsonl);
                let first_blank = bytes
                    .split(|&b| b == b'\n')
                    .take_while(|l| l.iter().all(u8::is_ascii_whitespace))
                    .count() as u64;
                assert_eq!(line, first_blank + 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        let opts = ReadOptions {
            bad_lines: BadLines::Skip,
            ..ReadOptions::default()
        };
        let corpus = read(&[jsonl], &opts).unwrap();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        assert!(corpus.docs.is_empty());
        assert_eq!(corpus.stats.bad_lines + corpus.stats.blank_lines, lines);
    }

    #[test]
    fn bad_line_error_names_the_right_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("1.jsonl");
        let bad = dir.path().join("2.jsonl.gz");
        write(&good, b"{\"text\":\"a\"}\n{\"text\":\"b\"}\n");
        write(
            &bad,
            &gzip(b"{\"text\":\"a\"}\n\n{\"body\":\"b\"}\n{oops\n"),
        );
        let err = read(&[dir.path().to_path_buf()], &ReadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:3: missing field \"text\": expected a JSON object with a string field \"text\"",
                bad.display()
            )
        );
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.txt");
        let err = read(std::slice::from_ref(&missing), &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Read { path, .. } if *path == missing),
            "{err:?}"
        );
        assert!(err.to_string().contains("missing.txt"));
    }

    #[test]
    fn first_failing_text_file_in_order_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.txt", "c.txt", "e.txt"] {
            write(&dir.path().join(name), b"fine");
        }
        for name in ["b.txt.gz", "d.txt.gz"] {
            write(&dir.path().join(name), b"not gzip at all");
        }
        for _ in 0..3 {
            match read(&[dir.path().to_path_buf()], &ReadOptions::default()) {
                Err(Error::Read { path, .. }) => assert_eq!(path, dir.path().join("b.txt.gz")),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn layout_sniffing_keeps_every_byte() {
        let cases: [(&[u8], Layout); 4] = [
            (b"  \n{\"text\":\"x\"}\n", Layout::Jsonl),
            (b"\xef\xbb\xbf{\"text\":\"x\"}", Layout::Jsonl),
            (b"\n\nJust text {}", Layout::Text),
            (b"", Layout::Text),
        ];
        for (bytes, expected) in cases {
            // One byte at a time, so sniffing must look past the first buffer.
            let reader = std::io::BufReader::with_capacity(1, Cursor::new(bytes.to_vec()));
            let (format, mut reader) = format::sniff_stream(Box::new(reader)).unwrap();
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            assert_eq!((format.layout(), out.as_slice()), (expected, bytes));
        }
    }
}
