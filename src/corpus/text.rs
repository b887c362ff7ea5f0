//! Plain text: the whole (decompressed) file is one document.
//!
//! The bytes are read in large chunks, reporting progress after each, and
//! decoded as UTF-8 with invalid sequences replaced by U+FFFD, so any file,
//! even a binary one, reads without error. A file that would not fit
//! dupscan's 32-bit offsets is refused as soon as it is known to be too large.

use std::io::{BufRead, Read};
use std::path::Path;

use super::walk::read_error;
use crate::error::{Error, Result};

/// How many bytes are read between two progress reports.
const CHUNK: u64 = 8 * 1024 * 1024;

/// The largest document, in bytes, that dupscan's 32-bit offsets can address.
pub(crate) const MAX_DOC: u64 = u32::MAX as u64;

/// A whole file read as text.
#[derive(Debug)]
pub(crate) struct TextDoc {
    /// The text, invalid UTF-8 replaced.
    pub text: String,
    /// Whether invalid UTF-8 was replaced.
    pub lossy: bool,
    /// Bytes read (before replacement).
    pub bytes: u64,
}

/// Reads all of `reader` as one text document; `path` is for errors.
pub(crate) fn read_text(
    reader: &mut dyn BufRead,
    path: &Path,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<TextDoc> {
    let mut bytes = Vec::new();
    loop {
        let n = (&mut *reader)
            .take(CHUNK)
            .read_to_end(&mut bytes)
            .map_err(read_error(path))?;
        if n == 0 {
            break;
        }
        on_bytes(n as u64);
        if bytes.len() as u64 > MAX_DOC {
            return Err(too_large(path, bytes.len()));
        }
    }
    let read = bytes.len() as u64;
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(err) => (String::from_utf8_lossy(err.as_bytes()).into_owned(), true),
    };
    if text.len() as u64 > MAX_DOC {
        return Err(too_large(path, text.len()));
    }
    Ok(TextDoc {
        text,
        lossy,
        bytes: read,
    })
}

fn too_large(path: &Path, len: usize) -> Error {
    Error::TooLarge {
        path: path.to_path_buf(),
        line: 1,
        len: len as u64,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[test]
    fn reads_valid_text_unchanged() {
        let counted = AtomicU64::new(0);
        let on_bytes = |n| {
            counted.fetch_add(n, Ordering::Relaxed);
        };
        let doc = read_text(
            &mut &b"Hello,\r\nworld \xc3\xa9\n"[..],
            Path::new("a.txt"),
            &on_bytes,
        )
        .unwrap();
        assert_eq!(doc.text, "Hello,\r\nworld é\n");
        assert!(!doc.lossy);
        assert_eq!(doc.bytes, 17);
        assert_eq!(counted.load(Ordering::Relaxed), 17);
    }

    #[test]
    fn replaces_invalid_utf8() {
        let doc = read_text(&mut &b"ok \xff\xfe end"[..], Path::new("a.txt"), &|_| {}).unwrap();
        assert_eq!(doc.text, "ok \u{fffd}\u{fffd} end");
        assert!(doc.lossy);
    }

    #[test]
    fn empty_input_is_an_empty_document() {
        let doc = read_text(&mut &b""[..], Path::new("a.txt"), &|_| {}).unwrap();
        assert_eq!(doc.text, "");
        assert!(!doc.lossy);
        assert_eq!(doc.bytes, 0);
    }

    #[test]
    fn binary_junk_reads_lossily() {
        let junk: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let doc = read_text(&mut &junk[..], Path::new(".DS_Store.txt"), &|_| {}).unwrap();
        assert!(doc.lossy);
        assert!(doc.text.starts_with("\0\u{1}\u{2}"));
        assert!(doc.text.contains('\u{fffd}'));
    }
}
