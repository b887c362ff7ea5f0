//! Writing output files whole or not at all.
//!
//! Every file dupscan writes goes to a temporary file in the destination's
//! directory and is renamed over the final name only once it is complete and
//! flushed, so an interrupted run never leaves a half-written file under a
//! final name.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Temporary files are hidden (`.dupscan-*.tmp`, so that a directory walk
/// skips them) and, on Unix, created with mode 0666 less the umask, as any
/// new file is: the renamed output gets the permissions the user expects,
/// not the owner-only mode of a temporary file.
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dupscan-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// Writes `path` atomically with `write`. On any error the temporary file is
/// removed and the final path is left untouched.
pub fn write_atomic<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let werr = |source: io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = temp_builder().tempfile_in(dir).map_err(werr)?;
    {
        let mut out = BufWriter::new(tmp.as_file());
        write(&mut out).map_err(werr)?;
        out.flush().map_err(werr)?;
    }
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

/// Like [`write_atomic`], for writers that need the file itself (e.g. to wrap
/// it in a compressor that must be finished).
pub fn write_atomic_file<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&File) -> io::Result<()>,
{
    let werr = |source: io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = temp_builder().tempfile_in(dir).map_err(werr)?;
    write(tmp.as_file()).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        write_atomic(&path, |w| w.write_all(b"hello")).expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "hello");
    }

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("interrupted"))
        });
        assert!(err.is_err());
        assert!(!path.exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert!(
            leftovers.is_empty(),
            "temporary file left behind: {leftovers:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_permissions_of_a_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "x").expect("write");
        let path = dir.path().join("out.txt");
        write_atomic(&path, |w| w.write_all(b"hello")).expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }

    #[test]
    fn failed_write_keeps_previous_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").expect("seed");
        let _ = write_atomic(&path, |_| Err(io::Error::other("boom")));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
    }
}
