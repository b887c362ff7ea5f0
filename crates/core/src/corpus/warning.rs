//! What reading skipped, for the caller to tell the user.
//!
//! Library code never prints: listing and reading return their warnings in
//! the `dupscan` crate's `Listing::warnings` and
//! [`Corpus::warnings`](super::Corpus::warnings), and the binary shows them
//! on stderr. Their [`Display`](std::fmt::Display) escapes paths (see
//! [`crate::escape`]), so a file name cannot garble the line it is shown on.

use std::fmt;
use std::path::PathBuf;

use crate::escape::EscapedPath;

/// Something skipped while listing or reading the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Found by walking a directory, neither a regular file nor a directory
    /// (a FIFO, a socket, a device); never opened.
    Special {
        /// The entry.
        path: PathBuf,
        /// What it is: "a FIFO", "a socket", ...
        kind: &'static str,
    },
    /// A symbolic link, found by walking, whose target does not exist.
    BrokenLink {
        /// The link.
        path: PathBuf,
    },
    /// A symbolic link, found by walking, to a directory that contains it.
    Loop {
        /// The link.
        path: PathBuf,
    },
    /// An entry found by walking that could not be read.
    Unreadable {
        /// The entry.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A file or directory reached a second time (by a symbolic or hard
    /// link, or named twice); read once, at its first position.
    Repeated {
        /// The second path.
        path: PathBuf,
        /// The path it was first reached by.
        first: PathBuf,
    },
    /// A file found by walking whose content is binary; not read.
    Binary {
        /// The file.
        path: PathBuf,
        /// What it looks like.
        what: String,
    },
    /// A document larger than the limit, skipped (with
    /// [`BadLines::Skip`](super::BadLines::Skip)) and counted as a bad line.
    TooLarge {
        /// The file holding it.
        path: PathBuf,
        /// 1-based line number (1 for whole-file documents).
        line: u64,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Special { path, kind } => write!(
                f,
                "{}: skipped: {kind}, not a regular file",
                EscapedPath(path)
            ),
            Warning::BrokenLink { path } => write!(
                f,
                "{}: skipped: a symbolic link to nothing",
                EscapedPath(path)
            ),
            Warning::Loop { path } => write!(
                f,
                "{}: skipped: a symbolic link to a directory that contains it",
                EscapedPath(path)
            ),
            Warning::Unreadable { path, message } => write!(
                f,
                "{}: skipped: {}",
                EscapedPath(path),
                crate::escape::Escaped(message)
            ),
            Warning::Repeated { path, first } => write!(
                f,
                "{}: skipped: the same file as {}, read once",
                EscapedPath(path),
                EscapedPath(first)
            ),
            Warning::Binary { path, what } => {
                write!(f, "{}: skipped: {what}, not text", EscapedPath(path))
            }
            Warning::TooLarge { path, line, limit } => write!(
                f,
                "{}:{line}: skipped: document larger than --max-document-bytes ({limit} bytes)",
                EscapedPath(path)
            ),
        }
    }
}
