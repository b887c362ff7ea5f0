//! Format detection: from a file's name, or by sniffing the first bytes.
//!
//! Files are classified by name alone: an outer `.gz` / `.zst` / `.zstd`
//! extension selects the decompressor, and the extension under it selects the
//! format: the [`InputFormat`](super::InputFormat) of [`FORMATS`] that lists
//! it (`.jsonl`, `.json`, `.ndjson` are JSON Lines), or for anything else
//! plain text, one document per file. Extensions are matched ignoring ASCII
//! case.
//!
//! Stdin has no name, so its bytes are sniffed instead: gzip and Zstandard
//! magic numbers select the decompressor, and each format's
//! [`sniff`](super::InputFormat::sniff) looks at the decompressed stream (a
//! first non-whitespace byte of `{` selects JSON Lines).
//!
//! Formats dupscan does not read yet are recognised so they can be refused
//! rather than read as one garbled text document (and written back corrupt by
//! `dedup`): by name ([`unsupported_extension`]: `.parquet`,
//! `.arrow`, `.feather`, `.orc`, `.avro`, `.xlsx`, also under `.gz` / `.zst`)
//! and by the first bytes of the decompressed stream ([`sniff_content`]: a
//! small table of magic numbers, and for text files a NUL byte in the first
//! [`SNIFF_LEN`] bytes, the rule git and ripgrep use for binary files).
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

use super::format::{FORMATS, by_extension};
use super::{Compression, Format, Layout};

/// The gzip magic number (RFC 1952).
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
/// The Zstandard frame magic number (RFC 8878), little-endian.
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
/// The longest magic number [`sniff_compression`] looks at.
pub(crate) const MAGIC_LEN: usize = 4;
/// The UTF-8 byte order mark, skipped when sniffing the layout.
pub(crate) const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// How many of a stream's first bytes [`sniff_content`] looks at.
pub(crate) const SNIFF_LEN: usize = 8 * 1024;

/// Extensions of formats dupscan does not read yet, and what they are.
const UNSUPPORTED_EXTENSIONS: &[(&str, &str)] = &[
    ("parquet", "a Parquet file"),
    ("arrow", "an Arrow file"),
    ("feather", "a Feather file"),
    ("orc", "an ORC file"),
    ("avro", "an Avro file"),
    ("xlsx", "an Excel workbook"),
];

/// What a stream's first bytes say it is, when it is not what dupscan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotText {
    /// A data format that holds records dupscan does not read yet: always
    /// refused, since skipping it would silently leave its records out.
    Data(&'static str),
    /// Binary content with no text to compare: refused when named, skipped
    /// with a warning when found by walking a directory.
    Binary(&'static str),
}

/// A magic number at the start of a stream.
struct Magic {
    bytes: &'static [u8],
    /// Printable ASCII that could start a text too ("PAR1", "ORC"): only
    /// trusted when the head also [`looks_binary`].
    weak: bool,
    what: NotText,
}

const fn magic(bytes: &'static [u8], what: NotText) -> Magic {
    Magic {
        bytes,
        weak: false,
        what,
    }
}

const fn weak(bytes: &'static [u8], what: NotText) -> Magic {
    Magic {
        bytes,
        weak: true,
        what,
    }
}

/// The magic numbers recognised, checked in order.
const MAGICS: &[Magic] = {
    use NotText::{Binary, Data};
    &[
        weak(b"PAR1", Data("a Parquet file")),
        weak(b"ARROW1", Data("an Arrow IPC file")),
        weak(b"ORC", Data("an ORC file")),
        magic(b"Obj\x01", Data("an Avro file")),
        magic(b"PK\x03\x04", Data("a zip archive (or xlsx, docx, ...)")),
        magic(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            Data("an OLE2 document (xls, doc, ...)"),
        ),
        magic(b"%PDF-", Data("a PDF document")),
        magic(b"SQLite format 3\0", Data("an SQLite database")),
        magic(b"\x1f\x8b", Data("gzip data (name the file .gz)")),
        magic(ZSTD_MAGIC, Data("Zstandard data (name the file .zst)")),
        weak(b"BZh", Data("bzip2 data")),
        magic(b"\xfd7zXZ\0", Data("xz data")),
        magic(b"7z\xbc\xaf\x27\x1c", Data("a 7z archive")),
        magic(b"\xff\xfe", Data("UTF-16 text (convert it to UTF-8)")),
        magic(b"\xfe\xff", Data("UTF-16 text (convert it to UTF-8)")),
        magic(b"\x7fELF", Binary("an ELF executable")),
        magic(b"\x89PNG\r\n\x1a\n", Binary("a PNG image")),
        magic(b"\xff\xd8\xff", Binary("a JPEG image")),
        weak(b"GIF8", Binary("a GIF image")),
    ]
};

/// Whether `head` holds a NUL byte or bytes that are not UTF-8 (a sequence
/// cut at the end of `head` does not count).
fn looks_binary(head: &[u8]) -> bool {
    head.contains(&0) || std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some())
}

/// What the first bytes of a (decompressed) stream say, when they are not
/// text dupscan reads: a magic number of the table above, or for
/// [`Layout::Text`] a NUL byte anywhere in `head` (callers pass the first
/// [`SNIFF_LEN`] bytes, or all of a shorter stream). JSON Lines keeps its
/// line-by-line handling of binary junk, so the NUL rule does not apply to
/// it (no magic number can start a valid JSON Lines file).
pub(crate) fn sniff_content(head: &[u8], layout: Layout) -> Option<NotText> {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if let Some(m) = MAGICS
        .iter()
        .find(|m| head.starts_with(m.bytes) && (!m.weak || looks_binary(head)))
    {
        return Some(m.what);
    }
    (layout == Layout::Text && head.contains(&0)).then_some(NotText::Binary(
        "binary data (a NUL byte in the first 8 KiB)",
    ))
}

/// What a file is by its name, when its name says it is a format dupscan
/// does not read yet (`part-0.parquet`, `x.orc.gz`); `None`
/// otherwise, and for an extension that a format of [`FORMATS`] reads.
///
/// ```
/// use std::path::Path;
/// use dupscan::corpus::unsupported_extension;
///
/// assert_eq!(unsupported_extension(Path::new("rows.avro.gz")).as_deref(), Some("an Avro file (.avro)"));
/// assert_eq!(unsupported_extension(Path::new("rows.csv.gz")), None);
/// assert_eq!(unsupported_extension(Path::new("docs.jsonl")), None);
/// ```
pub fn unsupported_extension(path: &Path) -> Option<String> {
    let inner = extension(inner_path(path));
    let read = FORMATS
        .iter()
        .any(|f| f.extensions().iter().any(|e| inner.eq_ignore_ascii_case(e)));
    if read {
        return None;
    }
    UNSUPPORTED_EXTENSIONS
        .iter()
        .find(|(ext, _)| inner.eq_ignore_ascii_case(ext))
        .map(|(ext, what)| format!("{what} (.{ext})"))
}

/// `path` without its compression extension, if it has one.
fn inner_path(path: &Path) -> &Path {
    let outer = extension(path);
    if ["gz", "zst", "zstd"]
        .iter()
        .any(|e| outer.eq_ignore_ascii_case(e))
    {
        Path::new(path.file_stem().unwrap_or_default())
    } else {
        path
    }
}

/// Detects a file's format from its name.
///
/// `.gz` means gzip and `.zst` / `.zstd` mean Zstandard; the extension under
/// the compression one (or the only one) decides the layout: the format of
/// [`FORMATS`] that lists it (`.jsonl`, `.json` and `.ndjson` are JSON
/// Lines), or for anything else (including no extension, and `-` for
/// stdin) a single text document.
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
    Format {
        layout: by_extension(&extension(inner)).layout(),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The layout a stream's first bytes say, asking each format in turn;
    /// `None` when more bytes are needed.
    fn sniff_layout(head: &[u8]) -> Option<Layout> {
        crate::corpus::format::sniff_format(head, false).map(|f| f.layout())
    }

    fn fmt(name: &str) -> (Layout, Compression) {
        let f = detect_format(Path::new(name));
        (f.layout, f.compression)
    }

    #[test]
    fn detects_by_extension() {
        use Compression as C;
        use Layout as L;
        assert_eq!(fmt("a.txt"), (L::Text, C::None));
        assert_eq!(fmt("a.csv"), (L::Csv, C::None));
        assert_eq!(fmt("a.TSV.zst"), (L::Tsv, C::Zstd));
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
    fn unsupported_formats_by_name() {
        let what = |name: &str| unsupported_extension(Path::new(name));
        assert_eq!(what("a.parquet"), None, "read as Parquet");
        assert_eq!(
            what("a.arrow.zst").as_deref(),
            Some("an Arrow file (.arrow)")
        );
        for name in ["a.feather", "a.orc", "a.avro", "a.xlsx.zstd"] {
            assert!(what(name).is_some(), "{name}");
        }
        for name in [
            "a.txt",
            "a.jsonl.gz",
            "csv",
            ".csv",
            "a.csv.bak",
            "a.csv",
            "dir/a.TSV",
            "a.csv.gz",
            "a.gz",
            "-",
        ] {
            assert_eq!(what(name), None, "{name}");
        }
    }

    #[test]
    fn sniffs_formats_it_does_not_read() {
        use NotText::{Binary, Data};
        let sniff = |head: &[u8]| sniff_content(head, Layout::Text);
        assert_eq!(sniff(b"PAR1\x15\x00\x15"), Some(Data("a Parquet file")));
        assert_eq!(
            sniff(b"ARROW1\0\0\xff\xff"),
            Some(Data("an Arrow IPC file"))
        );
        assert_eq!(sniff(b"Obj\x01\x04\x14avro"), Some(Data("an Avro file")));
        assert!(matches!(sniff(b"PK\x03\x04\x14\0"), Some(Data(_))));
        assert!(matches!(sniff(b"%PDF-1.7\n"), Some(Data(_))));
        assert!(matches!(sniff(b"SQLite format 3\0\x10"), Some(Data(_))));
        assert!(matches!(sniff(&[0x1f, 0x8b, 8, 0]), Some(Data(_))));
        assert!(matches!(sniff(b"\xff\xfeh\0i\0"), Some(Data(_))));
        assert_eq!(sniff(b"\x7fELF\x02\x01"), Some(Binary("an ELF executable")));
        assert!(matches!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some(Binary(_))));
        assert!(matches!(sniff(b"GIF89a\x01\0"), Some(Binary(_))));
        assert_eq!(
            sniff(b"text with a \0 in it"),
            Some(Binary("binary data (a NUL byte in the first 8 KiB)"))
        );
        // A weak magic number needs binary bytes after it.
        for text in [
            &b"PAR1: the first part"[..],
            b"ORCA whales",
            b"GIF8 is a name",
            b"BZh",
        ] {
            assert_eq!(sniff(text), None, "{}", String::from_utf8_lossy(text));
        }
        assert_eq!(sniff(b"ORC\x11\x00"), Some(Data("an ORC file")));
        // A NUL past the first 8 KiB is not looked at; a cut UTF-8 sequence is not binary.
        let mut late = vec![b'a'; SNIFF_LEN];
        late.push(0);
        assert_eq!(sniff(&late), None);
        assert_eq!(
            sniff("PAR1 caf\u{e9}".as_bytes().split_last().unwrap().1),
            None
        );
        assert_eq!(sniff(b"plain text\n"), None);
        assert_eq!(sniff(b""), None);
        // JSON Lines: magic numbers, but no NUL rule.
        assert_eq!(sniff_content(b"{\"text\":\"\0\"}", Layout::Jsonl), None);
        assert_eq!(
            sniff_content(b"PAR1\x15\x00", Layout::Jsonl),
            Some(Data("a Parquet file"))
        );
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
