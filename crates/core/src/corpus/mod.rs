//! What reading inputs produces: documents with their ids and text, the
//! files they came from, and counters. Plain data: reading itself (files,
//! directories, decompression, JSON Lines) is the `dupscan` crate's
//! `corpus` module, which re-exports these types; an in-memory caller builds
//! a [`Corpus`] directly (see [`crate::scanner::corpus`]).

mod warning;

use std::path::PathBuf;
use std::time::SystemTime;

pub use warning::Warning;

/// What a file held when it was read, so that a second read (`dedup`
/// writing it back) can tell whether it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Raw bytes read (the file's length for a regular file).
    pub len: u64,
    /// Modification time when it was opened, where the system tells.
    pub modified: Option<SystemTime>,
    /// xxh3-64 of the raw bytes.
    pub hash: u64,
}

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
    /// Comma-separated values with a header row, one document per row.
    Csv,
    /// Tab-separated values with a header row, one document per row.
    Tsv,
    /// A Parquet file: one document per row.
    Parquet,
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
    /// What the file held when it was read (reading sets it; `None`
    /// for stdin and before reading). `dedup` checks it when it reads the
    /// file again.
    pub fingerprint: Option<Fingerprint>,
    /// Whether the file was named or found by walking a directory.
    pub origin: Origin,
}

/// How a source came to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// Named on the command line (or stdin).
    #[default]
    Named,
    /// Found by walking a directory that was named.
    Walked,
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
    /// With several text fields ([`ReadOptions::more_text_fields`]): where
    /// each field after the first starts in `text`, just after the newline
    /// that joins it to the one before. Empty for one text field.
    pub joins: Vec<u32>,
}

impl Document {
    /// The text field that byte `at` of the text is in, as an index into
    /// [`ReadOptions::text_fields`] (a joining newline belongs to the field
    /// before it).
    pub fn field_at(&self, at: u32) -> usize {
        self.joins.partition_point(|&start| start <= at)
    }

    /// The byte range of text field `field` in `text`, without the
    /// joining newlines.
    pub fn field_range(&self, field: usize) -> std::ops::Range<usize> {
        let start = match field {
            0 => 0,
            _ => self.joins[field - 1] as usize,
        };
        let end = self
            .joins
            .get(field)
            .map_or(self.text.len(), |&next| next as usize - 1);
        start..end
    }
}

/// Counters gathered while reading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Bytes read after decompression.
    pub bytes: u64,
    /// Documents (text files or JSONL records) whose bytes were not valid
    /// UTF-8 and had invalid sequences replaced.
    pub invalid_utf8: u64,
    /// JSONL records with lone surrogate escapes (`\ud800` without its
    /// pair), read as U+FFFD.
    pub lone_surrogates: u64,
    /// Documents whose id an earlier document already has (so an id in a
    /// report or an annotation may name several documents).
    pub duplicate_ids: u64,
    /// JSONL lines skipped because they were malformed, and documents (JSONL
    /// lines or whole text files) skipped for being larger than
    /// [`ReadOptions::max_document_bytes`] (only with [`BadLines::Skip`]).
    pub bad_lines: u64,
    /// Blank JSONL lines, ignored silently.
    pub blank_lines: u64,
}

/// What to do with a malformed JSONL line or a document over
/// [`ReadOptions::max_document_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadLines {
    /// Stop with an error naming the path and line.
    #[default]
    Fail,
    /// Skip the line (or document), count it in [`ReadStats::bad_lines`]
    /// and, for an oversized document, add a [`Warning::TooLarge`].
    Skip,
}

/// The default [`ReadOptions::max_document_bytes`]: 256 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 256 << 20;

/// The largest [`ReadOptions::max_document_bytes`]: what dupscan's 32-bit
/// offsets can address (4 GiB less one byte).
pub const MAX_DOCUMENT_BYTES: u64 = u32::MAX as u64;

/// Options for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The field holding the text: for JSON Lines a top-level key, a
    /// dotted path (`meta.text`) or a JSON pointer (`/meta/text`); for
    /// CSV/TSV a column name.
    pub text_field: String,
    /// Further text fields (`--text-field` given several times), each
    /// joined to the text by a newline, in order; empty for one.
    pub more_text_fields: Vec<String>,
    /// The field holding the document id, named as `text_field` is.
    pub id_field: String,
    /// Which files a directory walk takes.
    pub select: Select,
    /// Policy for malformed JSONL lines and oversized documents.
    pub bad_lines: BadLines,
    /// The largest document, in bytes: a whole text file (after
    /// decompression) or one JSONL line. Reading stops as soon as a document
    /// passes it, so a decompression bomb or an endless stream cannot exhaust
    /// memory. At most [`MAX_DOCUMENT_BYTES`].
    pub max_document_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            text_field: "text".into(),
            more_text_fields: Vec::new(),
            id_field: "id".into(),
            select: Select::default(),
            bad_lines: BadLines::Fail,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

impl ReadOptions {
    /// Every text field, in order: [`ReadOptions::text_field`], then
    /// [`ReadOptions::more_text_fields`].
    pub fn text_fields(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.text_field.as_str())
            .chain(self.more_text_fields.iter().map(String::as_str))
    }
}

/// Glob patterns choosing the files a directory walk takes (`--glob`,
/// `--exclude`), matched against a file's path below the directory named;
/// files named directly are always taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Select {
    /// A walked file is taken only if it matches one of these (all files
    /// when empty).
    pub glob: Vec<String>,
    /// A walked file or directory matching one of these is left out.
    pub exclude: Vec<String>,
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
    /// What was skipped while listing and reading, in order.
    pub warnings: Vec<Warning>,
}
