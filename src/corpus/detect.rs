//! Format detection: from a file's name, or by sniffing the first bytes.
//!
//! Files are classified by name alone: an outer `.gz` / `.zst` / `.zstd`
//! extension selects the decompressor, and the extension under it selects the
//! layout (`.jsonl`, `.json`, `.ndjson` are JSON Lines; anything else is one
//! text document per file). Extensions are matched ignoring ASCII case.
//!
//! Stdin has no name, so its bytes are sniffed instead: gzip and Zstandard
//! magic numbers select the decompressor, and a first non-whitespace byte of
//! `{` in the decompressed stream selects JSON Lines.
//!
//! ```
//! use std::path::Path;
//! use dupscan::corpus::{detect_format, Compression, Layout};
//!
//! let f = detect_format(Path::new("crawl/part-0001.jsonl.zst"));
//! assert_eq!((f.layout, f.compression), (Layout::Jsonl, Compression::Zstd));
//! assert_eq!(detect_format(Path::new("notes.txt")).layout, Layout::Text);
//! ```

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::Path;

use super::{Compression, Format, Layout};

/// The gzip magic number (RFC 1952).
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
/// The Zstandard frame magic number (RFC 8878), little-endian.
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
/// The longest magic number [`sniff_compression`] looks at.
pub(crate) const MAGIC_LEN: usize = 4;
/// The UTF-8 byte order mark, skipped when sniffing the layout.
pub(crate) const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Detects a file's format from its name.
///
/// `.gz` means gzip and `.zst` / `.zstd` mean Zstandard; the extension under
/// the compression one (or the only one) decides the layout: `.jsonl`,
/// `.json` and `.ndjson` are JSON Lines, anything else (including no
/// extension, and `-` for stdin) is a single text document.
pub fn detect_format(path: &Path) -> Format {
    let outer = extension(path);
    let (compression, inner) = if outer.eq_ignore_ascii_case("gz") {
        (
            Compression::Gzip,
            Path::new(path.file_stem().unwrap_or_default()),
        )
    } else if outer.eq_ignore_ascii_case("zst") || outer.eq_ignore_ascii_case("zstd") {
        (
            Compression::Zstd,
            Path::new(path.file_stem().unwrap_or_default()),
        )
    } else {
        (Compression::None, path)
    };
    let inner = extension(inner);
    let layout = if ["jsonl", "json", "ndjson"]
        .iter()
        .any(|e| inner.eq_ignore_ascii_case(e))
    {
        Layout::Jsonl
    } else {
        Layout::Text
    };
    Format {
        layout,
        compression,
    }
}

/// A path's extension, or `""`.
fn extension(path: &Path) -> Cow<'_, str> {
    path.extension()
        .map(OsStr::to_string_lossy)
        .unwrap_or_default()
}

/// Detects compression from a stream's first bytes (at most [`MAGIC_LEN`]
/// are looked at; fewer means the stream is that short).
pub(crate) fn sniff_compression(head: &[u8]) -> Compression {
    if head.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else if head.starts_with(ZSTD_MAGIC) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Detects the layout from a (decompressed) stream's first bytes: JSON Lines
/// when the first byte that is not whitespace (nor a leading byte order mark)
/// is `{`, text when it is anything else, and `None` when `head` holds only
/// whitespace (or part of a byte order mark), so more bytes are needed.
pub(crate) fn sniff_layout(head: &[u8]) -> Option<Layout> {
    if head.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(head) {
        return None;
    }
    let head = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    head.iter().find(|b| !b.is_ascii_whitespace()).map(|&b| {
        if b == b'{' {
            Layout::Jsonl
        } else {
            Layout::Text
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fmt(name: &str) -> (Layout, Compression) {
        let f = detect_format(Path::new(name));
        (f.layout, f.compression)
    }

    #[test]
    fn detects_by_extension() {
        use Compression as C;
        use Layout as L;
        assert_eq!(fmt("a.txt"), (L::Text, C::None));
        assert_eq!(fmt("dir/README"), (L::Text, C::None));
        assert_eq!(fmt("a.jsonl"), (L::Jsonl, C::None));
        assert_eq!(fmt("a.json"), (L::Jsonl, C::None));
        assert_eq!(fmt("a.ndjson"), (L::Jsonl, C::None));
        assert_eq!(fmt("a.JSONL"), (L::Jsonl, C::None));
        assert_eq!(fmt("a.jsonl.gz"), (L::Jsonl, C::Gzip));
        assert_eq!(fmt("a.txt.gz"), (L::Text, C::Gzip));
        assert_eq!(fmt("a.gz"), (L::Text, C::Gzip));
        assert_eq!(fmt("a.jsonl.zst"), (L::Jsonl, C::Zstd));
        assert_eq!(fmt("a.ndjson.ZSTD"), (L::Jsonl, C::Zstd));
        assert_eq!(fmt("a.zst"), (L::Text, C::Zstd));
        assert_eq!(fmt("a.jsonl.bak"), (L::Text, C::None));
        assert_eq!(
            fmt(".jsonl"),
            (L::Text, C::None),
            "a dot file has no extension"
        );
        assert_eq!(fmt("-"), (L::Text, C::None));
    }

    #[test]
    fn sniffs_compression_magic() {
        assert_eq!(sniff_compression(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            sniff_compression(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(sniff_compression(&[0x28, 0xb5]), Compression::None);
        assert_eq!(sniff_compression(b"{\"a\""), Compression::None);
        assert_eq!(sniff_compression(b""), Compression::None);
    }

    #[test]
    fn sniffs_layout() {
        assert_eq!(sniff_layout(b"  \r\n {\"text\":1}"), Some(Layout::Jsonl));
        assert_eq!(sniff_layout(b"\xef\xbb\xbf{}"), Some(Layout::Jsonl));
        assert_eq!(sniff_layout(b"\xef\xbb"), None, "maybe a byte order mark");
        assert_eq!(sniff_layout(b"\xef\xbbX"), Some(Layout::Text));
        assert_eq!(sniff_layout(b"\n[1]"), Some(Layout::Text));
        assert_eq!(sniff_layout(b"Hello {"), Some(Layout::Text));
        assert_eq!(sniff_layout(b" \t\n"), None);
        assert_eq!(sniff_layout(b""), None);
    }
}
