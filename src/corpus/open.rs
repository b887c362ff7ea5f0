//! Opening a source as a stream of decompressed bytes.
//!
//! Files are decompressed as they are read (gzip with multi-member support,
//! Zstandard with multi-frame support), so memory stays bounded whatever the
//! file's size. Stdin is sniffed for the gzip and Zstandard magic numbers
//! instead of trusting a name.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use super::detect::{MAGIC_LEN, sniff_compression};
use super::fingerprint::{Tally, open_hashed};
use super::walk::{is_stdin, read_error};
use super::{Compression, Source};
use crate::error::Result;

/// Buffer size for reading files and decompressor output.
const BUF_SIZE: usize = 256 * 1024;

/// Opens `source` for reading, decompressing according to its format.
///
/// For stdin (`-`) the compression is sniffed from the first bytes rather than
/// taken from [`Source::format`]; stdin can be read only once.
///
/// # Errors
///
/// [`Error::Read`](crate::Error::Read) naming the path when the file cannot be
/// opened or the decompressor cannot start. Errors met later while reading
/// (such as corrupt compressed data) come from the returned reader as plain
/// [`io::Error`]s; callers should attach the path.
pub fn open(source: &Source) -> Result<Box<dyn BufRead + Send>> {
    let path = &source.path;
    if is_stdin(path) {
        return open_stdin()
            .map(|(_, reader)| reader)
            .map_err(read_error(path));
    }
    let file = File::open(path).map_err(read_error(path))?;
    decompress(
        BufReader::with_capacity(BUF_SIZE, file),
        source.format.compression,
    )
    .map_err(read_error(path))
}

/// Opens the file `source` (not stdin) like [`open`], hashing its raw bytes
/// as they are read; the [`Tally`] gives the file's
/// [`Fingerprint`](super::Fingerprint) once the stream is read.
/// `on_raw` is called with the number of bytes read from the file as
/// stored (before decompression), for progress against the file's size.
pub(crate) fn open_tallied<'a>(
    source: &Source,
    on_raw: &'a (dyn Fn(u64) + Sync),
) -> Result<(Box<dyn BufRead + Send + 'a>, Tally)> {
    let path = &source.path;
    let (raw, tally) = open_hashed(path).map_err(read_error(path))?;
    let raw = Counted { inner: raw, on_raw };
    let reader = decompress(
        BufReader::with_capacity(BUF_SIZE, raw),
        source.format.compression,
    )
    .map_err(read_error(path))?;
    Ok((reader, tally))
}

/// A reader that reports how many bytes went through it.
struct Counted<'a, R> {
    inner: R,
    on_raw: &'a (dyn Fn(u64) + Sync),
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.on_raw)(n as u64);
        Ok(n)
    }
}

/// Opens stdin, decompressing it as its first bytes say; returns the
/// compression found.
pub(crate) fn open_stdin() -> io::Result<(Compression, Box<dyn BufRead + Send>)> {
    sniffed(BufReader::with_capacity(BUF_SIZE, io::stdin()))
}

/// Wraps `reader` in the decompressor its magic number calls for, if any.
fn sniffed<R: BufRead + Send + 'static>(
    mut reader: R,
) -> io::Result<(Compression, Box<dyn BufRead + Send>)> {
    let head = read_head(&mut reader, MAGIC_LEN)?;
    let compression = sniff_compression(&head);
    Ok((
        compression,
        decompress(Cursor::new(head).chain(reader), compression)?,
    ))
}

/// Wraps `reader` in the decompressor for `compression`.
fn decompress<'a, R: BufRead + Send + 'a>(
    reader: R,
    compression: Compression,
) -> io::Result<Box<dyn BufRead + Send + 'a>> {
    Ok(match compression {
        Compression::None => Box::new(reader),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            flate2::bufread::MultiGzDecoder::new(reader),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUF_SIZE,
            zstd::stream::read::Decoder::with_buffer(reader)?,
        )),
    })
}

/// Reads up to `n` bytes, fewer only at the end of the stream.
pub(crate) fn read_head<R: Read + ?Sized>(reader: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::Error;
    use crate::corpus::detect_format;

    fn source(path: &Path) -> Source {
        Source {
            path: path.to_path_buf(),
            relative: PathBuf::new(),
            format: detect_format(path),
            origin: crate::corpus::Origin::Named,
            fingerprint: None,
        }
    }

    fn read_all(source: &Source) -> Vec<u8> {
        let mut out = Vec::new();
        open(source).unwrap().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn gzip_multi_member_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt.gz");
        let mut bytes = Vec::new();
        for part in [&b"first member\n"[..], b"second member\n"] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part).unwrap();
            bytes.extend(enc.finish().unwrap());
        }
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(read_all(&source(&path)), b"first member\nsecond member\n");
    }

    #[test]
    fn zstd_multi_frame_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl.zst");
        let mut bytes = zstd::encode_all(&b"frame one\n"[..], 3).unwrap();
        bytes.extend(zstd::encode_all(&b"frame two\n"[..], 3).unwrap());
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(read_all(&source(&path)), b"frame one\nframe two\n");
    }

    #[test]
    fn plain_file_is_read_as_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"\x1f\x8b not really gzip").unwrap();
        assert_eq!(read_all(&source(&path)), b"\x1f\x8b not really gzip");
    }

    #[test]
    fn corrupt_gzip_fails_while_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt.gz");
        std::fs::write(&path, b"plain text, not gzip").unwrap();
        let mut out = Vec::new();
        assert!(open(&source(&path)).unwrap().read_to_end(&mut out).is_err());
    }

    #[test]
    fn missing_file_names_the_path() {
        let path = Path::new("/nonexistent/dupscan/x.jsonl.gz");
        match open(&source(path)) {
            Err(err @ Error::Read { .. }) => {
                assert!(
                    err.to_string()
                        .starts_with("/nonexistent/dupscan/x.jsonl.gz: ")
                );
            }
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(_) => panic!("opened a missing file"),
        }
    }

    #[test]
    fn sniffs_compressed_streams() {
        let text = b"{\"text\":\"sniffed\"}\n".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let cases = [
            (gz.finish().unwrap(), Compression::Gzip),
            (zstd::encode_all(&text[..], 1).unwrap(), Compression::Zstd),
            (text.clone(), Compression::None),
        ];
        for (bytes, expected) in cases {
            let (found, mut reader) = sniffed(Cursor::new(bytes)).unwrap();
            assert_eq!(found, expected);
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            assert_eq!(out, text);
        }
        let (found, mut reader) = sniffed(Cursor::new(b"ab".to_vec())).unwrap();
        let mut out = Vec::new();
        reader.read_to_end(&mut out).unwrap();
        assert_eq!((found, out), (Compression::None, b"ab".to_vec()));
    }

    #[test]
    fn read_head_stops_at_n_or_end() {
        assert_eq!(read_head(&mut &b"abcdef"[..], 4).unwrap(), b"abcd");
        assert_eq!(read_head(&mut &b"ab"[..], 4).unwrap(), b"ab");
    }
}
