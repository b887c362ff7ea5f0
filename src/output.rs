//! Writing outputs whole or not at all, and never over an input.
//!
//! Every file dupscan writes goes through one [`Destination`]. Its path is
//! resolved first: symbolic links are followed to their target (the link
//! stays a link). A regular file or a new path is written to a hidden
//! temporary file in the target's directory (`.dupscan-*.tmp`), flushed and
//! renamed over the target only once it is complete, so an interrupted run
//! never leaves a half-written file under a final name and a failed one
//! (a full disk, a file-size limit) leaves the previous file untouched. A
//! FIFO, a character device (a terminal, `/dev/null`) or an open descriptor
//! (`/dev/stdout`, `/dev/fd/N`) is written straight, since renaming over it
//! would replace the node with a plain file. Anything else (a directory, a
//! socket, a block device) is refused.
//!
//! [`Protected`] is what a write may never touch: the input files (by
//! canonical path, and by device and inode so that a hard link is caught)
//! and, for dedup, everything inside an input directory. [`DirLock`] is the
//! exclusive lock that makes an output directory one run's, and
//! [`remove_temps`] clears the temporary files a killed run left there.
//!
//! ```
//! use std::io::Write;
//! use dupscan::output::{buffered, write_file};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("report.txt");
//! write_file(&path, None, buffered(|w| w.write_all(b"whole or absent\n")))?;
//! assert_eq!(std::fs::read_to_string(&path)?, "whole or absent\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

use crate::config::ScanConfig;
use crate::corpus;
use crate::error::{Error, Result};

/// Temporary files are named `.dupscan-XXXXXX.tmp`: hidden, so that a
/// directory walk skips them, and recognisable, so that [`remove_temps`]
/// removes nothing else.
const TEMP_PREFIX: &str = ".dupscan-";
const TEMP_SUFFIX: &str = ".tmp";
/// How many symbolic links [`Destination::new`] follows before giving up.
const MAX_LINKS: usize = 40;
/// Permission bits an output may get from its source: never setuid,
/// setgid or sticky.
const PERMISSION_BITS: u32 = 0o777;

/// Temporary files are created, on Unix, with mode 0666 less the umask, as
/// any new file is: the renamed output gets the permissions the user
/// expects, not the owner-only mode of a temporary file.
fn temp_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// Whether `name` is one of dupscan's temporary file names.
fn is_temp_name(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.len() > TEMP_PREFIX.len() + TEMP_SUFFIX.len()
        && name.starts_with(TEMP_PREFIX.as_bytes())
        && name.ends_with(TEMP_SUFFIX.as_bytes())
}

/// How a destination is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A regular file or a new path: a temporary file renamed over it.
    Replace,
    /// A FIFO, a character device or an open descriptor: written straight.
    Stream,
}

/// A path dupscan is about to write, resolved and classified.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The path as named.
    path: PathBuf,
    /// Where the bytes go: symbolic links followed, absolute.
    target: PathBuf,
    kind: Kind,
}

impl Destination {
    /// Resolves `path` (following symbolic links, even one whose target does
    /// not exist yet) and decides how it will be written.
    ///
    /// # Errors
    ///
    /// [`Error::Output`] when the target is a directory, a socket or a block
    /// device; [`Error::Write`] when the path cannot be resolved (a parent
    /// that is not a directory, a symbolic link loop).
    pub fn new(path: &Path) -> Result<Self> {
        let werr = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let (target, descriptor) = follow(path).map_err(werr)?;
        let kind = if descriptor {
            Kind::Stream
        } else {
            match fs::metadata(&target) {
                Ok(meta) => classify(&meta.file_type()).map_err(|what| Error::Output {
                    path: path.to_path_buf(),
                    message: format!(
                        "{what}; dupscan writes regular files, FIFOs and character devices"
                    ),
                })?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => Kind::Replace,
                Err(e) => return Err(werr(e)),
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            target,
            kind,
        })
    }

    /// The path as named.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the bytes go, symbolic links followed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether the destination is written straight (a FIFO, a character
    /// device, an open descriptor) rather than replaced by a rename.
    pub fn is_stream(&self) -> bool {
        self.kind == Kind::Stream
    }

    /// The directory that receives the temporary file.
    fn dir(&self) -> &Path {
        match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        }
    }

    fn write_error(&self, source: io::Error) -> Error {
        Error::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Checks that the destination can be written, before any work: creates
    /// and removes a temporary file beside the target. A stream is not
    /// opened (opening a FIFO waits for its reader).
    ///
    /// # Errors
    ///
    /// [`Error::Write`] naming the path, with the system's reason.
    pub fn probe(&self) -> Result<()> {
        match self.kind {
            Kind::Stream => Ok(()),
            Kind::Replace => temp_builder()
                .tempfile_in(self.dir())
                .map(drop)
                .map_err(|e| self.write_error(e)),
        }
    }

    /// Writes the destination with `write`, whole or not at all.
    ///
    /// A regular file or a new path is written to a temporary file beside
    /// the target, which gets `mode` (its bits outside 0o777 dropped: no
    /// setuid, setgid or sticky bit ever) or, with `None`, 0666 less the
    /// umask; it is synced and renamed over the target once `write`
    /// succeeded. On any error the temporary file is removed and the target
    /// is left as it was. A stream is opened for appending and written
    /// straight; `mode` does not apply to it.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] naming the path, with the first error of `write`,
    /// of the flush or of the rename.
    pub fn write<F>(&self, mode: Option<u32>, write: F) -> Result<()>
    where
        F: FnOnce(&File) -> io::Result<()>,
    {
        let werr = |e| self.write_error(e);
        match self.kind {
            Kind::Stream => {
                let file = OpenOptions::new()
                    .append(true)
                    .open(&self.path)
                    .map_err(werr)?;
                write(&file).map_err(werr)
            }
            Kind::Replace => {
                let tmp = temp_builder().tempfile_in(self.dir()).map_err(werr)?;
                write(tmp.as_file()).map_err(werr)?;
                set_mode(tmp.as_file(), mode).map_err(werr)?;
                tmp.as_file().sync_all().map_err(werr)?;
                tmp.persist(&self.target).map_err(|e| werr(e.error))?;
                Ok(())
            }
        }
    }
}

/// Writes `path` with `write`, whole or not at all: [`Destination::new`]
/// then [`Destination::write`].
///
/// # Errors
///
/// As [`Destination::new`] and [`Destination::write`].
pub fn write_file<F>(path: &Path, mode: Option<u32>, write: F) -> Result<()>
where
    F: FnOnce(&File) -> io::Result<()>,
{
    Destination::new(path)?.write(mode, write)
}

/// Adapts a writer of `&mut dyn Write` to [`Destination::write`], buffered.
pub fn buffered<F>(write: F) -> impl FnOnce(&File) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    move |file| {
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        out.flush()
    }
}

#[cfg(unix)]
fn set_mode(file: &File, mode: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match mode {
        Some(mode) => file.set_permissions(fs::Permissions::from_mode(mode & PERMISSION_BITS)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
fn set_mode(_file: &File, _mode: Option<u32>) -> io::Result<()> {
    let _ = PERMISSION_BITS;
    Ok(())
}

/// How a node of `file_type` is written, or what it is if it is refused.
fn classify(file_type: &fs::FileType) -> std::result::Result<Kind, &'static str> {
    if file_type.is_file() {
        return Ok(Kind::Replace);
    }
    if file_type.is_dir() {
        return Err("is a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() || file_type.is_char_device() {
            return Ok(Kind::Stream);
        }
        if file_type.is_block_device() {
            return Err("is a block device");
        }
        if file_type.is_socket() {
            return Err("is a socket");
        }
    }
    Err("is not a regular file")
}

/// Whether `path` names an open descriptor (`/dev/fd/N`, `/proc/*/fd/N`),
/// whose link must not be followed: it names a pipe or a terminal, or a
/// file the shell opened, which is to be written where it stands.
fn is_descriptor(path: &Path) -> bool {
    cfg!(unix) && (path.starts_with("/dev/fd") || path.starts_with("/proc"))
}

/// `path` made absolute, joined to the current directory if relative.
fn absolute(path: &Path) -> io::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

/// The target of `path`: every symbolic link in it followed, even a last
/// one whose target does not exist, then [`resolve`]d; and whether the
/// chain led to an open descriptor (then the path is returned unresolved).
fn follow(path: &Path) -> io::Result<(PathBuf, bool)> {
    let mut p = absolute(path)?;
    for _ in 0..MAX_LINKS {
        if is_descriptor(&p) {
            return Ok((p, true));
        }
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            Ok(_) => return Ok((resolve(&p)?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((resolve(&p)?, false)),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// `path` made absolute with every existing part canonicalized (symbolic
/// links followed) and the rest normalized lexically.
pub(crate) fn resolve(path: &Path) -> io::Result<PathBuf> {
    let abs = absolute(path)?;
    for ancestor in abs.ancestors() {
        let mut resolved = match ancestor.canonicalize() {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let rest = abs.strip_prefix(ancestor).unwrap_or(Path::new(""));
        for c in rest.components() {
            match c {
                Component::ParentDir => {
                    resolved.pop();
                }
                Component::Normal(name) => resolved.push(name),
                _ => {}
            }
        }
        return Ok(resolved);
    }
    Ok(abs)
}

/// Where `path`'s bytes would go: [`Destination::target`] without the
/// classification, for directories and paths that are not written whole.
pub(crate) fn resolve_target(path: &Path) -> io::Result<PathBuf> {
    follow(path).map(|(target, _)| target)
}

/// A file's identity: device and inode.
#[cfg(unix)]
fn file_id(meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// What an output may never be: an input file (by canonical path, and by
/// device and inode), or, once [`Protected::add_dir`] is called, anything
/// inside an input directory.
#[derive(Debug, Default)]
pub struct Protected {
    /// Canonical path -> the input as named.
    files: HashMap<PathBuf, PathBuf>,
    /// Device and inode -> the input as named.
    #[cfg(unix)]
    ids: HashMap<(u64, u64), PathBuf>,
    /// Canonical path and the directory as named.
    dirs: Vec<(PathBuf, PathBuf)>,
}

impl Protected {
    /// Protects the input file `path` (stdin, `-`, has nothing to protect).
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when the file cannot be found.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        if crate::corpus::is_stdin(path) {
            return Ok(());
        }
        let rerr = |source| Error::Read {
            path: path.to_path_buf(),
            source,
        };
        let canonical = path.canonicalize().map_err(rerr)?;
        #[cfg(unix)]
        self.ids.insert(
            file_id(&fs::metadata(&canonical).map_err(rerr)?),
            path.to_path_buf(),
        );
        self.files.insert(canonical, path.to_path_buf());
        Ok(())
    }

    /// Protects everything inside the input directory `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when the directory cannot be found.
    pub fn add_dir(&mut self, path: &Path) -> Result<()> {
        let canonical = path.canonicalize().map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.dirs.push((canonical, path.to_path_buf()));
        Ok(())
    }

    /// Checks that writing `path`, whose bytes go to `target` (resolved, see
    /// [`Destination::target`]), touches no input.
    ///
    /// # Errors
    ///
    /// [`Error::Output`] naming `path` and the input it would write over or
    /// into.
    pub fn check(&self, path: &Path, target: &Path) -> Result<()> {
        let refuse = |message: String| {
            Err(Error::Output {
                path: path.to_path_buf(),
                message,
            })
        };
        if let Some(input) = self.files.get(target) {
            return refuse(format!(
                "refusing to write over the input {}",
                input.display()
            ));
        }
        #[cfg(unix)]
        if let Some(input) = fs::metadata(target)
            .ok()
            .and_then(|m| self.ids.get(&file_id(&m)))
        {
            return refuse(format!(
                "refusing to write over the input {} (the same file under another name)",
                input.display()
            ));
        }
        if let Some((_, dir)) = self.dirs.iter().find(|(d, _)| target.starts_with(d)) {
            return refuse(format!(
                "outputs may not be inside the input directory {}",
                dir.display()
            ));
        }
        Ok(())
    }
}

/// Checks, before anything is read, the destination of a report on
/// `config`'s inputs: resolvable, writable ([`Destination::probe`]), and not
/// an input or reference file, including the files found by walking input
/// directories. A report may go inside an input directory.
///
/// # Errors
///
/// As [`Destination::new`] and [`Destination::probe`]; [`Error::Output`]
/// when the report would replace an input; [`Error::Read`] when an input
/// cannot be listed.
pub fn report_destination(path: &Path, config: &ScanConfig) -> Result<Destination> {
    let dest = Destination::new(path)?;
    dest.probe()?;
    let named: Vec<PathBuf> = config
        .inputs
        .iter()
        .chain(&config.reference)
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let mut protected = Protected::default();
    for source in corpus::list_sources(&named)?.sources {
        protected.add_file(&source.path)?;
    }
    protected.check(dest.path(), dest.target())?;
    Ok(dest)
}

/// An exclusive lock on an output directory, held from [`DirLock::acquire`]
/// until it is dropped: the lock file is `flock`ed (released by the kernel
/// when the process dies, so a killed run never blocks the next one) and
/// holds the owner's pid. Dropping it removes the lock file, and the
/// directories `acquire` created if they are still empty.
#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
    /// Held open: closing it releases the lock.
    _file: File,
    /// Directories created for the lock file, outermost first.
    created: Vec<PathBuf>,
}

impl DirLock {
    /// Creates the directories up to the lock file `path` and the file, and
    /// locks it without waiting.
    ///
    /// # Errors
    ///
    /// [`Error::Output`] naming the other run's pid when it holds the lock;
    /// [`Error::Write`] when the lock file cannot be created (a read-only or
    /// missing directory).
    pub fn acquire(path: &Path) -> Result<Self> {
        let mut created = Vec::new();
        let result = Self::lock(path, &mut created);
        let refusal = match result {
            Ok(Some(file)) => {
                return Ok(Self {
                    path: path.to_path_buf(),
                    _file: file,
                    created,
                });
            }
            Ok(None) => {
                let holder = fs::read_to_string(path).unwrap_or_default();
                let pid = holder.trim();
                let who = if pid.parse::<u32>().is_ok() {
                    format!("another dupscan run (pid {pid})")
                } else {
                    "another dupscan run".to_string()
                };
                Error::Output {
                    path: path.to_path_buf(),
                    message: format!("locked by {who}; wait for it to end"),
                }
            }
            Err(source) => Error::Write {
                path: path.to_path_buf(),
                source,
            },
        };
        remove_empty(&created);
        Err(refusal)
    }

    /// Locks `path`, creating it and its directories (recorded in
    /// `created`); `None` when another open file holds the lock.
    fn lock(path: &Path, created: &mut Vec<PathBuf>) -> io::Result<Option<File>> {
        if let Some(dir) = path.parent() {
            create_dirs(dir, created)?;
        }
        // A holder that finishes removes the file; one attempt may lock a
        // file just unlinked, so check it is still the one at `path`.
        for _ in 0..MAX_LINKS {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
            if !try_lock(&file)? {
                return Ok(None);
            }
            if same_file(&file, path)? {
                file.set_len(0)?;
                writeln!(&file, "{}", std::process::id())?;
                return Ok(Some(file));
            }
        }
        Err(io::Error::other("the lock file keeps changing"))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Removed while still locked (the file closes after this), so no
        // other run can lock the file being removed and then lose it.
        let _ = fs::remove_file(&self.path);
        remove_empty(&self.created);
    }
}

/// Creates `dir` and its missing parents, recording each one created,
/// outermost first.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, created)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {
            created.push(dir.to_path_buf());
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Removes the directories of `created` that are empty, innermost first.
fn remove_empty(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

/// Takes an exclusive `flock` on `file` without waiting; `false` when
/// another open file holds it.
#[cfg(unix)]
fn try_lock(file: &File) -> io::Result<bool> {
    use rustix::fs::{FlockOperation, flock};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Locks `file` exclusively (`flock`), waiting for another holder to
/// release it; the kernel releases it when the process ends, however it
/// ends. Without `flock` (not Unix), it does nothing.
pub fn lock_exclusive(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        flock(file, FlockOperation::LockExclusive)?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Without `flock`, the lock file only records the pid.
#[cfg(not(unix))]
fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(true)
}

/// Whether the open `file` is still the file at `path`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    match fs::metadata(path) {
        Ok(meta) => Ok(file_id(&file.metadata()?) == file_id(&meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> io::Result<bool> {
    Ok(true)
}

/// Removes the temporary files (`.dupscan-*.tmp`, regular files only) that
/// a killed run left under `dir`, without following symbolic links, and
/// returns how many. Call it only while holding `dir`'s [`DirLock`]: a
/// running writer's temporary files look the same.
///
/// # Errors
///
/// [`Error::Write`] naming a directory that cannot be listed or a file
/// that cannot be removed.
pub fn remove_temps(dir: &Path) -> Result<u64> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let mut removed = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(werr(&dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(werr(&dir))?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(werr(&path))?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() && is_temp_name(&entry.file_name()) {
                match fs::remove_file(&path) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(werr(&path)(e)),
                }
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_str(path: &Path, text: &'static str) -> Result<()> {
        write_file(path, None, buffered(move |w| w.write_all(text.as_bytes())))
    }

    fn leftovers(dir: &Path) -> Vec<PathBuf> {
        fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").path())
            .filter(|p| is_temp_name(p.file_name().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn writes_whole_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        write_str(&path, "hello").expect("write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "hello");
    }

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        let err = write_file(
            &path,
            None,
            buffered(|w| {
                w.write_all(b"partial")?;
                Err(io::Error::other("interrupted"))
            }),
        );
        assert!(matches!(err, Err(Error::Write { path: p, .. }) if p == path));
        assert!(!path.exists());
        let all: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
        assert!(all.is_empty(), "temporary file left behind: {all:?}");
    }

    #[test]
    fn failed_write_keeps_previous_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        fs::write(&path, "old").expect("seed");
        let _ = write_file(&path, None, |_| Err(io::Error::other("boom")));
        assert_eq!(fs::read_to_string(&path).expect("read"), "old");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_permissions_of_a_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain.txt");
        fs::write(&plain, "x").expect("write");
        let path = dir.path().join("out.txt");
        write_str(&path, "hello").expect("write");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }

    #[cfg(unix)]
    #[test]
    fn a_given_mode_loses_its_setuid_setgid_and_sticky_bits() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        for (given, expected) in [(0o4755, 0o755), (0o2640, 0o640), (0o1777, 0o777)] {
            let path = dir.path().join(format!("out-{given:o}"));
            write_file(&path, Some(given), |_| Ok(())).expect("write");
            let mode = fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o7777, expected, "{given:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_and_its_target_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.txt");
        fs::write(&real, "old").expect("seed");
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real.txt", &link).expect("symlink");
        write_str(&link, "new").expect("write");
        assert!(fs::symlink_metadata(&link).expect("meta").is_symlink());
        assert_eq!(fs::read_to_string(&real).expect("read"), "new");

        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("sub/../made.txt", &dangling).expect("symlink");
        fs::create_dir(dir.path().join("sub")).expect("mkdir");
        write_str(&dangling, "made").expect("write");
        assert!(fs::symlink_metadata(&dangling).expect("meta").is_symlink());
        assert_eq!(
            fs::read_to_string(dir.path().join("made.txt")).expect("read"),
            "made"
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).expect("symlink");
        std::os::unix::fs::symlink("a", dir.path().join("b")).expect("symlink");
        assert!(matches!(Destination::new(&a), Err(Error::Write { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_descriptors_are_streams_and_directories_are_refused() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().expect("tempdir");
        // Through a link in the temporary directory, to whichever device
        // this system has intact.
        let device = ["/dev/zero", "/dev/null", "/dev/full"]
            .into_iter()
            .find(|d| fs::metadata(d).is_ok_and(|m| m.file_type().is_char_device()));
        match device {
            Some(device) => {
                let link = dir.path().join("device");
                std::os::unix::fs::symlink(device, &link).expect("symlink");
                assert!(Destination::new(&link).expect("device").is_stream());
            }
            None => eprintln!("skipped: no character device found in /dev"),
        }
        assert!(
            Destination::new(Path::new("/dev/stdout"))
                .expect("stdout")
                .is_stream()
        );
        assert!(
            !Destination::new(&dir.path().join("new"))
                .expect("new")
                .is_stream()
        );
        assert!(matches!(
            Destination::new(dir.path()),
            Err(Error::Output { message, .. }) if message.starts_with("is a directory")
        ));
    }

    #[test]
    fn probing_finds_a_parent_that_is_not_a_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("file");
        fs::write(&file, "").expect("write");
        let err = Destination::new(&file.join("out.json")).and_then(|d| d.probe());
        assert!(matches!(err, Err(Error::Write { .. })), "{err:?}");
        let ok = Destination::new(&dir.path().join("out.json")).expect("new");
        ok.probe().expect("probe");
        assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 1);
    }

    #[test]
    fn protected_refuses_inputs_by_path_link_and_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.jsonl");
        fs::write(&input, "{}").expect("write");
        let corpus = dir.path().join("corpus");
        fs::create_dir(&corpus).expect("mkdir");
        let mut protected = Protected::default();
        protected.add_file(&input).expect("add");
        let check = |p: &Protected, path: &Path| {
            let dest = Destination::new(path).expect("destination");
            p.check(path, dest.target())
        };
        assert!(check(&protected, &dir.path().join("x/../in.jsonl")).is_err());
        assert!(check(&protected, &corpus.join("new.json")).is_ok());
        #[cfg(unix)]
        {
            let hard = dir.path().join("hard.jsonl");
            fs::hard_link(&input, &hard).expect("link");
            assert!(check(&protected, &hard).is_err());
        }
        protected.add_dir(&corpus).expect("add");
        assert!(check(&protected, &corpus.join("new.json")).is_err());
        assert!(check(&protected, &dir.path().join("out.json")).is_ok());
    }

    #[test]
    fn a_lock_is_exclusive_names_its_holder_and_cleans_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let path = out.join(".meta/lock");
        let lock = DirLock::acquire(&path).expect("lock");
        let pid = std::process::id().to_string();
        assert_eq!(fs::read_to_string(&path).expect("read").trim(), pid);
        match DirLock::acquire(&path) {
            Err(Error::Output { message, .. }) => assert!(message.contains(&pid), "{message}"),
            other => panic!("second lock: {other:?}"),
        }
        drop(lock);
        assert!(!out.exists(), "created directories left behind");
        // A stale lock file (its holder was killed) does not block.
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, "999999999\n").expect("stale");
        let again = DirLock::acquire(&path).expect("stale lock is taken over");
        assert_eq!(fs::read_to_string(again.path()).expect("read").trim(), pid);
    }

    #[test]
    fn a_lock_that_cannot_be_created_is_a_write_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("file");
        fs::write(&file, "").expect("write");
        assert!(matches!(
            DirLock::acquire(&file.join("lock")),
            Err(Error::Write { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn remove_temps_removes_only_temporary_files_and_follows_no_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        let elsewhere = dir.path().join("elsewhere");
        for d in [out.join("sub/deep"), elsewhere.clone()] {
            fs::create_dir_all(d).expect("mkdir");
        }
        std::os::unix::fs::symlink(&elsewhere, out.join("link")).expect("symlink");
        let stale = [
            out.join(".dupscan-a1b2c3.tmp"),
            out.join("sub/deep/.dupscan-zzzzzz.tmp"),
        ];
        let kept = [
            out.join("a.jsonl"),
            out.join("notes.tmp"),
            out.join(".dupscan-keep"),
            out.join(".dupscan-.tmp"),
            elsewhere.join(".dupscan-a1b2c3.tmp"),
        ];
        for p in stale.iter().chain(&kept) {
            fs::write(p, "x").expect("write");
        }
        fs::create_dir(out.join(".dupscan-dir.tmp")).expect("mkdir");
        assert_eq!(remove_temps(&out).expect("clean"), 2);
        for p in &stale {
            assert!(!p.exists(), "{} left", p.display());
        }
        for p in &kept {
            assert!(p.exists(), "{} removed", p.display());
        }
        assert!(out.join(".dupscan-dir.tmp").is_dir());
    }

    #[test]
    fn resolve_handles_missing_parts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path().canonicalize().expect("canonical");
        let p = resolve(&dir.path().join("new/../x/./y")).expect("resolve");
        assert_eq!(p, base.join("x/y"));
        assert_eq!(resolve(dir.path()).expect("resolve"), base);
    }
}
