//! The library's typed errors.
//!
//! Every error that comes from user data says where: the path, and for
//! line-oriented formats the 1-based line number. `main` maps each variant to a
//! documented exit code (see [`Error::exit_code`]).

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in dupscan's library code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is out of range or inconsistent; detected before any work.
    #[error("invalid parameter: {0}")]
    Param(String),

    /// An input path could not be opened or read.
    #[error("{path}: {source}")]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// A record in a line-oriented input is malformed.
    #[error("{path}:{line}: {message}")]
    BadLine {
        /// The file holding the record.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },

    /// A document is too large for dupscan's 32-bit offsets.
    #[error("{path}:{line}: document is {len} bytes; dupscan handles documents up to 4 GiB")]
    TooLarge {
        /// The file holding the document.
        path: PathBuf,
        /// 1-based line number (1 for whole-file documents).
        line: u64,
        /// Its size in bytes.
        len: u64,
    },

    /// An output file could not be written.
    #[error("{path}: {source}")]
    Write {
        /// The file (or directory) that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// An input changed between the read that scanned it and the read that
    /// writes it back (`dedup`).
    #[error("{path}: {message}")]
    Changed {
        /// The input file.
        path: PathBuf,
        /// What differs.
        message: String,
    },

    /// An output location is refused for safety (e.g. inside an input).
    #[error("{path}: {message}")]
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
