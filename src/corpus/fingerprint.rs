//! Fingerprints of input files: did a file change between two reads?
//!
//! `dedup` reads every input twice: once to scan it, once to write it back.
//! A file changed in between (even to other text of the same length) would
//! be written from bytes that were never scanned, and a unique record could
//! vanish. So the first read records each file's [`Fingerprint`]: its
//! modification time, and the length and xxh3-64 hash of its **raw bytes**,
//! as stored (compressed bytes for `.gz` / `.zst`, hashed beneath the
//! decompressor, so a byte-for-byte copy needs no decompression to be
//! checked). The second read checks the modification time and length as soon
//! as it opens the file and the hash once it has read everything.
//!
//! The bytes are hashed as they are read, by a [`Hashing`] reader placed
//! between the file and the decompressor; its [`Tally`] reads whatever the
//! decompressor left (such as padding after the last frame) and gives the
//! fingerprint.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use xxhash_rust::xxh3::Xxh3;

use crate::error::{Error, Result};

pub use dupscan_core::corpus::Fingerprint;

/// The file and the hash of what was read of it so far.
struct State {
    file: File,
    hasher: Xxh3,
    len: u64,
}

/// Locks `state`; a panic while holding it cannot leave it inconsistent
/// (each read updates it only after reading), so poisoning is ignored.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads a file's raw bytes, hashing them.
pub(crate) struct Hashing(Arc<Mutex<State>>);

impl Read for Hashing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut state = lock(&self.0);
        let n = state.file.read(buf)?;
        state.hasher.update(&buf[..n]);
        state.len += n as u64;
        Ok(n)
    }
}

/// Finishes the fingerprint of a file read through its [`Hashing`] reader.
pub(crate) struct Tally {
    state: Arc<Mutex<State>>,
    /// The file's length when opened, for regular files.
    opened_len: Option<u64>,
    modified: Option<SystemTime>,
}

/// Opens `path` for reading its raw bytes through a hashing reader.
pub(crate) fn open_hashed(path: &Path) -> io::Result<(Hashing, Tally)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let state = Arc::new(Mutex::new(State {
        file,
        hasher: Xxh3::new(),
        len: 0,
    }));
    let tally = Tally {
        state: Arc::clone(&state),
        opened_len: meta.is_file().then_some(meta.len()),
        modified: meta.modified().ok(),
    };
    Ok((Hashing(state), tally))
}

impl Tally {
    /// Reads (and hashes) what is left of the file, and returns its
    /// fingerprint.
    pub(crate) fn finish(self) -> io::Result<Fingerprint> {
        let mut state = lock(&self.state);
        let mut buf = [0u8; 8192];
        loop {
            let n = state.file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            state.hasher.update(&buf[..n]);
            state.len += n as u64;
        }
        Ok(Fingerprint {
            len: state.len,
            modified: self.modified,
            hash: state.hasher.digest(),
        })
    }

    /// Checks, before reading, that the file opened again has the length
    /// and modification time of `then`.
    pub(crate) fn check_opened(&self, path: &Path, then: &Fingerprint) -> Result<()> {
        let len_differs = self.opened_len.is_some_and(|len| len != then.len);
        if len_differs || self.modified != then.modified {
            return Err(changed(path, "its length or modification time differs"));
        }
        Ok(())
    }
}

/// Checks that `now`, the fingerprint of the bytes read again, is `then`.
pub(crate) fn check_read(then: &Fingerprint, path: &Path, now: &Fingerprint) -> Result<()> {
    if now.len != then.len || now.hash != then.hash {
        return Err(changed(path, "its content differs"));
    }
    Ok(())
}

fn changed(path: &Path, how: &str) -> Error {
    Error::Changed {
        path: path.to_path_buf(),
        message: format!(
            "the file changed after it was read ({how}); nothing is written from it, \
             run again on the new content"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &Path) -> (Vec<u8>, Tally) {
        let (mut reader, tally) = open_hashed(path).expect("open");
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("read");
        (out, tally)
    }

    #[test]
    fn the_hash_covers_every_raw_byte_even_unread_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"some raw bytes \xff").expect("write");
        let (bytes, tally) = read_all(&path);
        let whole = tally.finish().expect("finish");
        assert_eq!(bytes, b"some raw bytes \xff");
        assert_eq!(whole.len, 16);
        assert_eq!(whole.hash, xxhash_rust::xxh3::xxh3_64(&bytes));
        // Reading nothing and finishing hashes the same bytes.
        let (_, tally) = open_hashed(&path).expect("open");
        assert_eq!(tally.finish().expect("finish"), whole);
    }

    #[test]
    fn a_change_of_the_same_length_is_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "alpha").expect("write");
        let (_, tally) = read_all(&path);
        let then = tally.finish().expect("finish");
        let mtime = then.modified.expect("mtime");
        std::fs::write(&path, "omega").expect("write");
        File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(mtime))
            .expect("set mtime");
        let (_, tally) = read_all(&path);
        tally
            .check_opened(&path, &then)
            .expect("same length and time");
        let now = tally.finish().expect("finish");
        let err = check_read(&then, &path, &now).expect_err("other content");
        assert!(matches!(err, Error::Changed { .. }), "{err:?}");
        assert!(err.to_string().contains("content differs"), "{err}");
    }

    #[test]
    fn another_length_is_seen_on_opening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "alpha").expect("write");
        let (_, tally) = read_all(&path);
        let then = tally.finish().expect("finish");
        std::fs::write(&path, "alphabet").expect("write");
        let (_, tally) = open_hashed(&path).expect("open");
        let err = tally.check_opened(&path, &then).expect_err("longer");
        assert!(err.to_string().contains("length"), "{err}");
    }
}
