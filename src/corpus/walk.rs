//! Expanding the inputs the user named into the list of files to read.
//!
//! A file is taken as given (whatever its name or kind, so a named pipe such
//! as `<(zcat x.gz)` is read as a stream), `-` is stdin, and a directory is
//! walked recursively with [`walkdir`] in sorted order: the entries of each
//! directory are sorted by the bytes of their names and visited depth first,
//! so the files come out sorted component by component, the same on every
//! run and every machine. Entries whose names start with `.` are skipped
//! silently. Symbolic links are followed.
//!
//! A file whose name says it is a format dupscan does not read yet (`.orc`,
//! `.arrow`, ...; see [`unsupported_extension`]), or a compressed Parquet
//! file, is refused, named or found by walking, before anything is read. A
//! regular file no format claims by name is Parquet if it starts and ends
//! with Parquet's magic number (its first and last four bytes are read).
//!
//! Each file is read once: files and directories are identified by device
//! and inode (on Unix; by canonical path elsewhere), so a file reached a
//! second time (a symbolic link to a file or directory already listed, a
//! link back to an ancestor, a hard link, or the same input named twice) is
//! listed at its first position only. A walk never opens anything but
//! directories: FIFOs, sockets and devices found in a directory are skipped.
//! Everything skipped that was not hidden (repeats, loops, special files,
//! broken links, unreadable entries) is returned as a [`Warning`], for the
//! caller to show; the library prints nothing.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use super::{
    Compression, Layout, Origin, Select, Source, Warning, detect_format, unsupported_extension,
};
use crate::error::{Error, Result};

/// The name that stands for stdin.
pub(crate) const STDIN: &str = "-";

/// Whether `path` stands for stdin.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// The files to read, and what was skipped while listing them.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The files (and stdin) to read, in order.
    pub sources: Vec<Source>,
    /// What was skipped, in the order it was met.
    pub warnings: Vec<Warning>,
}

/// Expands `inputs` into the files to read, in order.
///
/// Each input contributes, in the order given: itself if it is a file (or
/// anything else that is not a directory, such as a named pipe); stdin if it
/// is `-`; and if it is a directory, every regular file under it,
/// recursively, sorted by path, skipping hidden entries (names starting with
/// `.`). A file or directory already listed (by device and inode) is not
/// listed again. Each [`Source::relative`] is the file's path relative to the
/// directory named, or its file name when the file was named directly, or `-`
/// for stdin.
///
/// # Errors
///
/// [`Error::Read`] naming the path, when an input does not exist or a
/// directory named as an input cannot be read; [`Error::Unsupported`] for a
/// file named like a format dupscan does not read. Problems with entries
/// found inside a directory (a broken link, an unreadable subdirectory, a
/// FIFO) are [`Listing::warnings`], not errors.
pub fn list_sources(inputs: &[PathBuf]) -> Result<Listing> {
    list_selected(inputs, &Select::default())
}

/// [`list_sources`], with directory walks taking only the files `select`
/// chooses: those whose path below the directory named matches a
/// [`Select::glob`] pattern (any file when there is none) and neither
/// they nor a directory above them (below the one named) match a
/// [`Select::exclude`] pattern. Patterns are `globset` globs where `*`
/// does not cross a `/` and `**` does.
///
/// # Errors
///
/// As [`list_sources`]; [`Error::Param`] for a pattern that is not a glob.
pub fn list_selected(inputs: &[PathBuf], select: &Select) -> Result<Listing> {
    let filter = Filter::new(select)?;
    let mut listing = Listing::default();
    let mut seen = Seen::default();
    for input in inputs {
        if is_stdin(input) {
            listing.sources.push(Source {
                path: input.clone(),
                relative: PathBuf::from(STDIN),
                format: detect_format(input),
                origin: Origin::Named,
                fingerprint: None,
            });
            continue;
        }
        let meta = fs::metadata(input).map_err(read_error(input))?;
        if meta.is_dir() {
            walk(input, &filter, &mut seen, &mut listing)?;
        } else if let Some(first) = seen.first(input, &meta) {
            listing.warnings.push(Warning::Repeated {
                path: input.clone(),
                first,
            });
        } else {
            let name = input
                .file_name()
                .map_or_else(|| input.clone(), PathBuf::from);
            listing
                .sources
                .push(source(input.clone(), name, Origin::Named)?);
        }
    }
    Ok(listing)
}

/// The compiled patterns of a [`Select`].
struct Filter {
    glob: Option<GlobSet>,
    exclude: GlobSet,
}

impl Filter {
    fn new(select: &Select) -> Result<Filter> {
        let set = |flag: &str, patterns: &[String]| -> Result<GlobSet> {
            let mut set = GlobSetBuilder::new();
            for pattern in patterns {
                let glob = GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| Error::Param(format!("{flag} {pattern:?}: {e}")))?;
                set.add(glob);
            }
            set.build()
                .map_err(|e| Error::Param(format!("{flag}: {e}")))
        };
        Ok(Filter {
            glob: if select.glob.is_empty() {
                None
            } else {
                Some(set("--glob", &select.glob)?)
            },
            exclude: set("--exclude", &select.exclude)?,
        })
    }

    /// Whether the walked file at `relative` is taken.
    fn takes(&self, relative: &Path) -> bool {
        self.glob.as_ref().is_none_or(|g| g.is_match(relative))
    }

    /// Whether the walked entry at `relative` is left out.
    fn excludes(&self, relative: &Path) -> bool {
        self.exclude.is_match(relative)
    }
}

/// Whether a directory entry is hidden (its name starts with `.`).
fn hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Appends the regular files under `root` to `listing`, sorted.
fn walk(root: &Path, filter: &Filter, seen: &mut Seen, listing: &mut Listing) -> Result<()> {
    let below = |path: &Path| path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let mut it = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !hidden(e.file_name()) && !filter.excludes(&below(e.path()))
        });
    while let Some(next) = it.next() {
        let entry = match next {
            Ok(entry) => entry,
            Err(err) if err.depth() == 0 => {
                let source = err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("cannot walk the directory"));
                return Err(read_error(root)(source));
            }
            Err(err) => {
                if let Some(warning) = walk_warning(&err) {
                    listing.warnings.push(warning);
                }
                continue;
            }
        };
        let path = entry.path();
        let file_type = entry.file_type();
        if !file_type.is_dir() && !file_type.is_file() {
            listing.warnings.push(Warning::Special {
                path: path.to_path_buf(),
                kind: special_kind(&file_type),
            });
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            Err(err) => {
                if let Some(warning) = walk_warning(&err) {
                    listing.warnings.push(warning);
                }
                if file_type.is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
        };
        if let Some(first) = seen.first(path, &meta) {
            listing.warnings.push(Warning::Repeated {
                path: path.to_path_buf(),
                first,
            });
            if file_type.is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if file_type.is_file() {
            let relative = below(path);
            if !filter.takes(&relative) {
                continue;
            }
            listing
                .sources
                .push(source(path.to_path_buf(), relative, Origin::Walked)?);
        }
    }
    Ok(())
}

/// The warning for an entry the walk could not follow or read; `None` for
/// hidden entries, which are skipped silently.
fn walk_warning(err: &walkdir::Error) -> Option<Warning> {
    let path = err.path().map(Path::to_path_buf).unwrap_or_default();
    if path.file_name().is_some_and(hidden) {
        return None;
    }
    if err.loop_ancestor().is_some() {
        return Some(Warning::Loop { path });
    }
    let not_found = err
        .io_error()
        .is_some_and(|e| e.kind() == io::ErrorKind::NotFound);
    let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    Some(if not_found && is_link {
        Warning::BrokenLink { path }
    } else {
        Warning::Unreadable {
            path,
            message: err
                .io_error()
                .map_or_else(|| err.to_string(), io::Error::to_string),
        }
    })
}

/// What kind of special file `file_type` is, for a warning.
fn special_kind(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
    }
    let _ = file_type;
    "a special file"
}

/// What identifies a file whatever the path it is reached by.
#[cfg(unix)]
type FileKey = (u64, u64);
#[cfg(not(unix))]
type FileKey = PathBuf;

/// The files and directories listed so far, by identity, with the path each
/// was first reached by.
#[derive(Default)]
struct Seen(HashMap<FileKey, PathBuf>);

impl Seen {
    /// Records `path`; when its file was already recorded, returns the path
    /// it was first reached by instead.
    fn first(&mut self, path: &Path, meta: &fs::Metadata) -> Option<PathBuf> {
        let key = Self::key(path, meta)?;
        match self.0.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(e.get().clone()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(path.to_path_buf());
                None
            }
        }
    }

    #[cfg(unix)]
    fn key(_path: &Path, meta: &fs::Metadata) -> Option<FileKey> {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }

    #[cfg(not(unix))]
    fn key(path: &Path, _meta: &fs::Metadata) -> Option<FileKey> {
        path.canonicalize().ok()
    }
}

/// The source for a file, refused when its name says it is a format
/// dupscan does not read.
fn source(path: PathBuf, relative: PathBuf, origin: Origin) -> Result<Source> {
    if let Some(what) = unsupported_extension(&path) {
        return Err(Error::Unsupported { path, what });
    }
    let mut format = detect_format(&path);
    if format.layout == Layout::Parquet && format.compression != Compression::None {
        return Err(Error::Unsupported {
            path,
            what: "a compressed Parquet file (Parquet compresses its own pages: \
                   decompress the file)"
                .into(),
        });
    }
    if format.layout == Layout::Text
        && format.compression == Compression::None
        && super::parquet::has_magic(&path)
    {
        format.layout = Layout::Parquet;
    }
    Ok(Source {
        path,
        relative,
        format,
        origin,
        fingerprint: None,
    })
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

        let listing = list_sources(&[root.to_path_buf()]).unwrap();
        let sources = &listing.sources;
        assert_eq!(
            rels(sources),
            [
                "B.txt",
                "a/b/c.jsonl",
                "a/z.txt",
                "a.txt",
                "b.txt",
                "c/d.jsonl.gz"
            ],
        );
        for s in sources {
            assert_eq!(s.path, root.join(&s.relative));
            assert_eq!(s.origin, Origin::Walked);
        }
        assert_eq!(sources[1].format.layout, Layout::Jsonl);
        assert_eq!(sources[5].format.compression, Compression::Gzip);
        assert!(listing.warnings.is_empty(), "{:?}", listing.warnings);
    }

    #[test]
    fn files_named_directly_keep_order_and_use_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("sub/b.txt");
        let a = dir.path().join(".a.jsonl");
        touch(&b);
        touch(&a);
        let sources = list_sources(&[b.clone(), PathBuf::from("-"), a.clone()])
            .unwrap()
            .sources;
        assert_eq!(rels(&sources), ["b.txt", "-", ".a.jsonl"]);
        assert_eq!(sources[0].path, b);
        assert_eq!(sources[1].path, PathBuf::from("-"));
        assert_eq!(sources[2].path, a);
        assert!(sources.iter().all(|s| s.origin == Origin::Named));
        assert_eq!(
            sources[2].format.layout,
            Layout::Jsonl,
            "named directly, so not skipped"
        );
    }

    #[test]
    fn empty_directory_gives_no_sources() {
        let dir = tempfile::tempdir().unwrap();
        let listing = list_sources(&[dir.path().to_path_buf()]).unwrap();
        assert!(listing.sources.is_empty() && listing.warnings.is_empty());
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

    #[test]
    fn a_file_named_twice_or_inside_a_named_directory_is_listed_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("d/a.txt");
        touch(&a);
        let d = dir.path().join("d");
        let listing = list_sources(&[a.clone(), d.clone(), a.clone(), d.clone()]).unwrap();
        assert_eq!(rels(&listing.sources), ["a.txt"]);
        assert_eq!(
            listing.warnings,
            [
                Warning::Repeated {
                    path: a.clone(),
                    first: a.clone()
                },
                Warning::Repeated {
                    path: a.clone(),
                    first: a.clone()
                },
                Warning::Repeated {
                    path: d.clone(),
                    first: d.clone()
                },
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlinks_but_reads_each_file_once() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        touch(&root.join("a/f.txt"));
        touch(&dir.path().join("outside/o.txt"));
        symlink(&root, root.join("a/loop")).unwrap();
        symlink(root.join("a"), root.join("a/self")).unwrap();
        symlink(dir.path().join("outside"), root.join("link")).unwrap();
        symlink(dir.path().join("outside"), root.join("link2")).unwrap();
        symlink(root.join("a/f.txt"), root.join("g.txt")).unwrap();
        fs::hard_link(root.join("a/f.txt"), root.join("h.txt")).unwrap();

        let listing = list_sources(std::slice::from_ref(&root)).unwrap();
        assert_eq!(rels(&listing.sources), ["a/f.txt", "link/o.txt"]);
        let first = |p: &str| root.join(p);
        assert_eq!(
            listing.warnings,
            [
                Warning::Loop {
                    path: root.join("a/loop")
                },
                Warning::Loop {
                    path: root.join("a/self")
                },
                Warning::Repeated {
                    path: root.join("g.txt"),
                    first: first("a/f.txt")
                },
                Warning::Repeated {
                    path: root.join("h.txt"),
                    first: first("a/f.txt")
                },
                Warning::Repeated {
                    path: root.join("link2"),
                    first: first("link")
                },
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn broken_links_and_special_files_are_skipped_with_a_warning() {
        use std::os::unix::fs::symlink;
        use std::os::unix::net::UnixListener;
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("a.txt"));
        let link = dir.path().join("dangling.txt");
        symlink(dir.path().join("gone"), &link).unwrap();
        symlink(dir.path().join("gone"), dir.path().join(".#lock")).unwrap();
        let socket = dir.path().join("sock");
        let _listener = UnixListener::bind(&socket).unwrap();

        let listing = list_sources(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(rels(&listing.sources), ["a.txt"]);
        assert_eq!(
            listing.warnings,
            [
                Warning::BrokenLink { path: link },
                Warning::Special {
                    path: socket,
                    kind: "a socket"
                },
            ]
        );
    }
}
