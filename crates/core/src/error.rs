//! The library's typed errors.
//!
//! Every error that comes from user data says where: the path, and for
//! line-oriented formats the 1-based line number. `main` maps each variant to a
//! documented exit code (see [`Error::exit_code`]). Paths and messages are
//! shown through [`crate::escape`], so a file name holding a newline or an
//! escape sequence cannot forge or garble the line an error is printed on.

use std::io;
use std::path::PathBuf;

use crate::escape::{Escaped, EscapedPath};

/// Everything that can go wrong in dupscan's library code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of range or inconsistent; detected before any work.
    #[error("invalid parameter: {}", Escaped(.0))]
    Param(String),

    /// An input path could not be opened or read.
    #[error("{}: {source}", EscapedPath(.path))]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// A record in a line-oriented input is malformed.
    #[error("{}:{line}: {}", EscapedPath(.path), Escaped(.message))]
    BadLine {
        /// The file holding the record.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },

    /// A document is larger than `--max-document-bytes` (or, once invalid
    /// UTF-8 is replaced, than dupscan's 32-bit offsets allow).
    #[error(
        "{}:{line}: document larger than {limit} bytes; raise --max-document-bytes \
         (at most 4 GiB) or skip such documents with --skip-bad-lines",
        EscapedPath(.path)
    )]
    TooLarge {
        /// The file holding the document.
        path: PathBuf,
        /// 1-based line number (1 for whole-file documents).
        line: u64,
        /// The limit it passed, in bytes.
        limit: u64,
    },

    /// An input is in a format dupscan does not read (yet), or is binary.
    #[error(
        "{}: {what} is not a format dupscan reads; it reads plain text, JSON Lines \
         (.jsonl, .json, .ndjson) and CSV/TSV (.csv, .tsv), each optionally compressed \
         (.gz, .zst), and Parquet (.parquet)",
        EscapedPath(.path)
    )]
    Unsupported {
        /// The file refused.
        path: PathBuf,
        /// What it is, by its name or its first bytes.
        what: String,
    },

    /// An output file could not be written.
    #[error("{}: {source}", EscapedPath(.path))]
    Write {
        /// The file (or directory) that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// An input changed between the read that scanned it and the read that
    /// writes it back (`dedup`).
    #[error("{}: {}", EscapedPath(.path), Escaped(.message))]
    Changed {
        /// The input file.
        path: PathBuf,
        /// What differs.
        message: String,
    },

    /// A stage file of a staged run is damaged, foreign or of another
    /// version.
    #[error("{}: {}", EscapedPath(.path), Escaped(.message))]
    Artifact {
        /// The stage file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// An output location is refused for safety (e.g. inside an input).
    #[error("{}: {}", EscapedPath(.path), Escaped(.message))]
    Output {
        /// The refused path.
        path: PathBuf,
        /// Why it is refused.
        message: String,
    },
}

/// Shorthand for results of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Process exit code for a run that found no problem.
pub const EXIT_OK: u8 = 0;
/// Process exit code when `--fail-on-match` is given and something matched.
pub const EXIT_MATCH: u8 = 1;
/// Process exit code for bad input, bad parameters or I/O failure.
pub const EXIT_ERROR: u8 = 2;

impl Error {
    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> u8 {
        EXIT_ERROR
    }
}
