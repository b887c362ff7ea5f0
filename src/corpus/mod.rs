//! Reading inputs into documents.
//!
//! An input is a file, a directory (walked recursively in sorted path order)
//! or `-` for stdin. Each file is read according to its format:
//!
//! * plain text (`.txt` or anything not recognised): one document per file,
//!   id = the path as given;
//! * JSON Lines (`.jsonl`, `.json`): one document per line, text in the
//!   configured text field, id in the id field (`path:line` when absent);
//! * `.gz` / `.zst` compressed versions of both, decompressed as a stream.
//!
//! Documents come out in input order (file order, then line order); that order
//! defines dupscan's global ids. Invalid UTF-8 is replaced with U+FFFD and
//! counted; a malformed JSONL line is an error naming the path and line, unless
//! the caller asked to skip and count bad lines.

use std::path::PathBuf;

/// How a file's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Stored as is.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

/// How a file's (decompressed) bytes hold documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// The whole file is one document.
    Text,
    /// One JSON object per line.
    Jsonl,
}

/// The format of one input file, detected from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Record layout.
    pub layout: Layout,
    /// Compression wrapper.
    pub compression: Compression,
}

/// One input file (or stdin) as it was read.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user named it (joined with the walked relative path for
    /// directories); `-` for stdin.
    pub path: PathBuf,
    /// For files found by walking a directory, the path relative to that
    /// directory; for files named directly, the file name. `dedup` writes each
    /// source to this relative path under its output directory.
    pub relative: PathBuf,
    /// Detected format.
    pub format: Format,
}

/// One document: an id, where it came from, and its text (held once; units
/// are byte spans into it).
#[derive(Debug, Clone)]
pub struct Document {
    /// The document id: the id field for JSONL (`path:line` when absent), the
    /// path for text files.
    pub id: String,
    /// Index into [`Corpus::sources`].
    pub source: u32,
    /// 1-based line number of the record in its (decompressed) file; 1 for
    /// whole-file documents.
    pub line: u64,
    /// The document text (invalid UTF-8 already replaced).
    pub text: String,
}

/// Counters gathered while reading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Bytes read after decompression.
    pub bytes: u64,
    /// Documents (text files or JSONL records) whose bytes were not valid
    /// UTF-8 and had invalid sequences replaced.
    pub invalid_utf8: u64,
    /// JSONL lines skipped because they were malformed (only with
    /// [`BadLines::Skip`]).
    pub bad_lines: u64,
    /// Blank JSONL lines, ignored silently.
    pub blank_lines: u64,
}

/// What to do with a malformed JSONL line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadLines {
    /// Stop with an error naming the path and line.
    #[default]
    Fail,
    /// Skip the line and count it in [`ReadStats::bad_lines`].
    Skip,
}

/// Options for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// JSONL field holding the text.
    pub text_field: String,
    /// JSONL field holding the document id.
    pub id_field: String,
    /// Policy for malformed JSONL lines.
    pub bad_lines: BadLines,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            text_field: "text".into(),
            id_field: "id".into(),
            bad_lines: BadLines::Fail,
        }
    }
}

/// Everything read from the inputs, in input order.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Input files in the order they were read.
    pub sources: Vec<Source>,
    /// Documents in input order.
    pub docs: Vec<Document>,
    /// Counters.
    pub stats: ReadStats,
}

/// TEMPORARY stub until the reader lands.
pub fn read_inputs(
    inputs: &[PathBuf],
    opts: &ReadOptions,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> crate::error::Result<Corpus> {
    let _ = (inputs, opts, on_bytes);
    Ok(Corpus::default())
}
