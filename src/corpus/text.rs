//! Plain text: the whole (decompressed) file is one document.
//!
//! The bytes are read in large chunks, reporting progress after each, and
//! decoded as UTF-8 with invalid sequences replaced by U+FFFD. At most
//! `limit + 1` bytes are ever read (`--max-document-bytes`): a file over the
//! limit, a decompression bomb or an endless stream is reported as
//! [`TextRead::TooLarge`] once the limit is passed, before more memory is
//! taken, and the rest of it is never read.
//!
//! The first chunk is checked before the rest is read: a magic number of a
//! format dupscan does not read, or a NUL byte in the first 8 KiB, gives
//! [`TextRead::NotText`] (see [`sniff_content`]) instead of a document of
//! replacement characters. Other bytes that are not UTF-8 are replaced
//! with U+FFFD and counted.
//!
//! [`TextFormat`] is the [`InputFormat`] of such files, and the fallback
//! for every name and every stream no other format claims.

use std::io::{BufRead, Read};
use std::path::Path;

use super::detect::{NotText, sniff_content};
use super::format::{Input, InputFormat, Parallelism, Position, Records};
use super::walk::read_error;
use super::{BadLines, Document, Layout, Warning};
use crate::error::{Error, Result};

/// Plain text: the whole file is one document whose id is its path.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextFormat;

impl InputFormat for TextFormat {
    fn layout(&self) -> Layout {
        Layout::Text
    }

    fn name(&self) -> &'static str {
        "text"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }

    fn sniff(&self, _head: &[u8]) -> Option<bool> {
        Some(true)
    }

    fn position(&self) -> Position {
        Position::Whole
    }

    fn parallelism(&self) -> Parallelism {
        Parallelism::AcrossFiles
    }

    /// Appends the file's one document (none for an empty file) and counts
    /// it; an oversized one is an error, or with [`BadLines::Skip`] a bad
    /// line and a warning.
    fn read(&self, input: Input<'_>, out: &mut Records) -> Result<()> {
        let limit = input.opts.max_document_bytes;
        let doc = match read_text(&mut *input.reader, input.path, limit, input.on_bytes)? {
            TextRead::Doc(doc) => doc,
            TextRead::NotText { what, bytes } => {
                out.stats.bytes += bytes;
                return input.not_text(what, out);
            }
            TextRead::TooLarge { bytes } => {
                let path = input.path.to_path_buf();
                if input.opts.bad_lines == BadLines::Fail {
                    return Err(Error::TooLarge {
                        path,
                        line: 1,
                        limit,
                    });
                }
                out.stats.bytes += bytes;
                out.stats.bad_lines += 1;
                out.warnings.push(Warning::TooLarge {
                    path,
                    line: 1,
                    limit,
                });
                return Ok(());
            }
        };
        out.stats.bytes += doc.bytes;
        if doc.bytes == 0 {
            return Ok(());
        }
        out.stats.invalid_utf8 += u64::from(doc.lossy);
        out.docs.push(Document {
            id: input.path.display().to_string(),
            source: input.source,
            line: 1,
            text: doc.text,
            joins: Vec::new(),
        });
        Ok(())
    }
}

/// How many bytes are read between two progress reports.
const CHUNK: u64 = 8 * 1024 * 1024;

/// The largest document, in bytes, that dupscan's 32-bit offsets can address.
pub(crate) const MAX_DOC: u64 = u32::MAX as u64;

/// What reading a whole file as text gave.
#[derive(Debug)]
pub(crate) enum TextRead {
    /// The document.
    Doc(TextDoc),
    /// The file holds more than the limit; `bytes` were read before stopping.
    TooLarge {
        /// Bytes read (the limit plus one).
        bytes: u64,
    },
    /// The file's first bytes say it is not text dupscan reads; `bytes`
    /// were read before stopping.
    NotText {
        /// What it is.
        what: NotText,
        /// Bytes read (the first chunk).
        bytes: u64,
    },
}

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

/// Reads all of `reader` as one text document of at most `limit` bytes;
/// `path` is for errors.
///
/// Reads at most `limit + 1` bytes: one more than the limit says the file is
/// too large, and nothing after it is read.
///
/// # Errors
///
/// [`Error::Read`] when reading fails; [`Error::TooLarge`] when the text,
/// after replacing invalid UTF-8, no longer fits dupscan's 32-bit offsets.
pub(crate) fn read_text(
    reader: &mut dyn BufRead,
    path: &Path,
    limit: u64,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<TextRead> {
    let mut bytes = Vec::new();
    let mut bounded = reader.take(limit.saturating_add(1));
    loop {
        let n = (&mut bounded)
            .take(CHUNK)
            .read_to_end(&mut bytes)
            .map_err(read_error(path))?;
        if n == 0 {
            break;
        }
        on_bytes(n as u64);
        if bytes.len() == n {
            if let Some(what) = sniff_content(&bytes, Layout::Text) {
                return Ok(TextRead::NotText {
                    what,
                    bytes: n as u64,
                });
            }
        }
    }
    let read = bytes.len() as u64;
    if read > limit {
        return Ok(TextRead::TooLarge { bytes: read });
    }
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(err) => (String::from_utf8_lossy(err.as_bytes()).into_owned(), true),
    };
    if text.len() as u64 > MAX_DOC {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            line: 1,
            limit: MAX_DOC,
        });
    }
    Ok(TextRead::Doc(TextDoc {
        text,
        lossy,
        bytes: read,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::BufReader;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// Reads `bytes` with the default limit, expecting a document.
    fn doc(bytes: &[u8]) -> TextDoc {
        match read_text(&mut &bytes[..], Path::new("a.txt"), 1 << 28, &|_| {}).unwrap() {
            TextRead::Doc(doc) => doc,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn reads_valid_text_unchanged() {
        let counted = AtomicU64::new(0);
        let on_bytes = |n| {
            counted.fetch_add(n, Ordering::Relaxed);
        };
        let read = read_text(
            &mut &b"Hello,\r\nworld \xc3\xa9\n"[..],
            Path::new("a.txt"),
            17,
            &on_bytes,
        )
        .unwrap();
        let TextRead::Doc(doc) = read else {
            panic!("unexpected {read:?}");
        };
        assert_eq!(doc.text, "Hello,\r\nworld é\n");
        assert!(!doc.lossy);
        assert_eq!(doc.bytes, 17);
        assert_eq!(counted.load(Ordering::Relaxed), 17);
    }

    #[test]
    fn replaces_invalid_utf8() {
        let doc = doc(b"ok \xff\xfe end");
        assert_eq!(doc.text, "ok \u{fffd}\u{fffd} end");
        assert!(doc.lossy);
    }

    #[test]
    fn empty_input_is_an_empty_document() {
        let doc = doc(b"");
        assert_eq!(doc.text, "");
        assert!(!doc.lossy);
        assert_eq!(doc.bytes, 0);
    }

    #[test]
    fn junk_without_nul_reads_lossily() {
        let junk: Vec<u8> = (1..=255u8).cycle().take(10_000).collect();
        let doc = doc(&junk);
        assert!(doc.lossy);
        assert!(doc.text.starts_with("\u{1}\u{2}"));
        assert!(doc.text.contains('\u{fffd}'));
    }

    #[test]
    fn binary_content_is_not_text() {
        let junk: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let read = read_text(&mut &junk[..], Path::new("a"), 1 << 20, &|_| {}).unwrap();
        assert!(
            matches!(
                read,
                TextRead::NotText {
                    what: NotText::Binary(_),
                    bytes: 10_000
                }
            ),
            "{read:?}"
        );
        let parquet = b"PAR1\x15\x00\x15\xa0\x01rows";
        let read = read_text(&mut &parquet[..], Path::new("a"), 1 << 20, &|_| {}).unwrap();
        assert!(
            matches!(
                read,
                TextRead::NotText {
                    what: NotText::Data("a Parquet file"),
                    ..
                }
            ),
            "{read:?}"
        );
    }

    #[test]
    fn an_endless_stream_stops_one_byte_past_the_limit() {
        let counted = AtomicU64::new(0);
        let on_bytes = |n| {
            counted.fetch_add(n, Ordering::Relaxed);
        };
        let mut endless = BufReader::new(std::io::repeat(b'a'));
        let limit = 3 * CHUNK + 5;
        match read_text(&mut endless, Path::new("zero"), limit, &on_bytes).unwrap() {
            TextRead::TooLarge { bytes } => assert_eq!(bytes, limit + 1),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(counted.load(Ordering::Relaxed), limit + 1);
        match read_text(&mut &b"12345"[..], Path::new("a"), 5, &|_| {}).unwrap() {
            TextRead::Doc(doc) => assert_eq!(doc.text, "12345"),
            other => panic!("unexpected {other:?}"),
        }
        match read_text(&mut &b"123456"[..], Path::new("a"), 5, &|_| {}).unwrap() {
            TextRead::TooLarge { bytes } => assert_eq!(bytes, 6),
            other => panic!("unexpected {other:?}"),
        }
    }
}
