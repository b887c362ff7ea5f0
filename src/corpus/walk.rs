//! Expanding the inputs the user named into the list of files to read.
//!
//! A file is taken as given (whatever its name), `-` is stdin, and a
//! directory is walked recursively in sorted order: the entries of each
//! directory are sorted by the bytes of their names and visited depth first,
//! so the files come out sorted component by component, the same on every
//! run and every machine. Entries whose names start with `.` are skipped.
//! Symbolic links are followed, except a link to a directory that is already
//! being walked (an ancestor), which would loop; such a link is skipped.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Source, detect_format};
use crate::error::{Error, Result};

/// The name that stands for stdin.
pub(crate) const STDIN: &str = "-";

/// Whether `path` stands for stdin.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// Expands `inputs` into the files to read, in order.
///
/// Each input contributes, in the order given: itself if it is a file (or
/// anything else that is not a directory, such as a named pipe); stdin if it
/// is `-`; and if it is a directory, every file under it, recursively, sorted
/// by path, skipping hidden entries (names starting with `.`). Each
/// [`Source::relative`] is the file's path relative to the directory named,
/// or its file name when the file was named directly, or `-` for stdin.
///
/// # Errors
///
/// [`Error::Read`] naming the path, when an input does not exist or a
/// directory (or an entry in it, such as a dangling symbolic link) cannot be
/// read.
pub fn list_sources(inputs: &[PathBuf]) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for input in inputs {
        if is_stdin(input) {
            out.push(source(input.clone(), PathBuf::from(STDIN)));
            continue;
        }
        let meta = fs::metadata(input).map_err(read_error(input))?;
        if meta.is_dir() {
            let canonical = input.canonicalize().map_err(read_error(input))?;
            let mut ancestors = vec![canonical];
            walk(input, Path::new(""), &mut ancestors, &mut out)?;
        } else {
            let name = input
                .file_name()
                .map_or_else(|| input.clone(), PathBuf::from);
            out.push(source(input.clone(), name));
        }
    }
    Ok(out)
}

/// Appends the files under `root.join(rel)` to `out`, sorted. `ancestors`
/// holds the canonical paths of the directories being walked, innermost last.
fn walk(
    root: &Path,
    rel: &Path,
    ancestors: &mut Vec<PathBuf>,
    out: &mut Vec<Source>,
) -> Result<()> {
    let dir = root.join(rel);
    let mut entries = Vec::new();
    for entry in fs::read_dir(&dir).map_err(read_error(&dir))? {
        let entry = entry.map_err(read_error(&dir))?;
        let name = entry.file_name();
        if name.as_encoded_bytes().first() == Some(&b'.') {
            continue;
        }
        let file_type = entry.file_type().map_err(read_error(&entry.path()))?;
        entries.push((name, file_type));
    }
    entries.sort_unstable_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));

    for (name, file_type) in entries {
        let rel = rel.join(&name);
        let path = root.join(&rel);
        let (is_dir, is_file, canonical) = if file_type.is_symlink() {
            let meta = fs::metadata(&path).map_err(read_error(&path))?;
            let canonical = if meta.is_dir() {
                Some(path.canonicalize().map_err(read_error(&path))?)
            } else {
                None
            };
            (meta.is_dir(), meta.is_file(), canonical)
        } else {
            let canonical = file_type.is_dir().then(|| walked_child(ancestors, &name));
            (file_type.is_dir(), file_type.is_file(), canonical)
        };
        if let (true, Some(canonical)) = (is_dir, canonical) {
            if ancestors.contains(&canonical) {
                continue;
            }
            ancestors.push(canonical);
            walk(root, &rel, ancestors, out)?;
            ancestors.pop();
        } else if is_file {
            out.push(source(path, rel));
        }
    }
    Ok(())
}

/// The canonical path of a real (not symlinked) subdirectory of the innermost
/// directory being walked.
fn walked_child(ancestors: &[PathBuf], name: &std::ffi::OsStr) -> PathBuf {
    ancestors
        .last()
        .map_or_else(|| PathBuf::from(name), |parent| parent.join(name))
}

fn source(path: PathBuf, relative: PathBuf) -> Source {
    let format = detect_format(&path);
    Source {
        path,
        relative,
        format,
        fingerprint: None,
    }
}

/// Wraps an I/O error with the path it concerns.
pub(crate) fn read_error(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Read {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::corpus::{Compression, Layout};

    fn touch(path: &Path) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, b"x").unwrap();
    }

    fn rels(sources: &[Source]) -> Vec<String> {
        sources
            .iter()
            .map(|s| s.relative.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn walks_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "b.txt",
            "a/z.txt",
            "a/b/c.jsonl",
            "a.txt",
            "B.txt",
            ".hidden.txt",
            ".git/config",
            "a/.secret/x.txt",
            "c/d.jsonl.gz",
        ] {
            touch(&root.join(name));
        }
        fs::create_dir(root.join("empty")).unwrap();

        let sources = list_sources(&[root.to_path_buf()]).unwrap();
        assert_eq!(
            rels(&sources),
            [
                "B.txt",
                "a/b/c.jsonl",
                "a/z.txt",
                "a.txt",
                "b.txt",
                "c/d.jsonl.gz"
            ],
        );
        for s in &sources {
            assert_eq!(s.path, root.join(&s.relative));
        }
        assert_eq!(sources[1].format.layout, Layout::Jsonl);
        assert_eq!(sources[5].format.compression, Compression::Gzip);
    }

    #[test]
    fn files_named_directly_keep_order_and_use_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("sub/b.txt");
        let a = dir.path().join(".a.jsonl");
        touch(&b);
        touch(&a);
        let sources = list_sources(&[b.clone(), PathBuf::from("-"), a.clone()]).unwrap();
        assert_eq!(rels(&sources), ["b.txt", "-", ".a.jsonl"]);
        assert_eq!(sources[0].path, b);
        assert_eq!(sources[1].path, PathBuf::from("-"));
        assert_eq!(sources[2].path, a);
        assert_eq!(
            sources[2].format.layout,
            Layout::Jsonl,
            "named directly, so not skipped"
        );
    }

    #[test]
    fn empty_directory_gives_no_sources() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            list_sources(&[dir.path().to_path_buf()])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn missing_input_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.jsonl");
        let err = list_sources(std::slice::from_ref(&missing)).unwrap_err();
        match &err {
            Error::Read { path, source } => {
                assert_eq!(path, &missing);
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().contains("nope.jsonl"));
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlinks_but_not_into_loops() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        touch(&root.join("a/f.txt"));
        touch(&dir.path().join("outside/o.txt"));
        symlink(&root, root.join("a/loop")).unwrap();
        symlink(root.join("a"), root.join("a/self")).unwrap();
        symlink(dir.path().join("outside"), root.join("link")).unwrap();
        symlink(root.join("a/f.txt"), root.join("g.txt")).unwrap();

        let sources = list_sources(std::slice::from_ref(&root)).unwrap();
        assert_eq!(rels(&sources), ["a/f.txt", "g.txt", "link/o.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_is_a_read_error() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("dangling.txt");
        symlink(dir.path().join("gone"), &link).unwrap();
        match list_sources(&[dir.path().to_path_buf()]) {
            Err(Error::Read { path, .. }) => assert_eq!(path, link),
            other => panic!("unexpected {other:?}"),
        }
    }
}
