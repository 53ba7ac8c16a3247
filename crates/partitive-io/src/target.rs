//! Where an output path really leads: [`OutputTarget`] follows symbolic links and tells
//! regular files (replaced atomically) from special files and standard streams (written in
//! place); [`FileKey`] tells whether two spellings name the same file.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::error::{IoError, IoErrorKind};

/// Symbolic links followed before giving up (as the kernel's `ELOOP` limit).
const MAX_LINKS: usize = 40;

/// How an output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A regular file, existing or not: the bytes go to a temporary file in the same
    /// directory, renamed over [`OutputTarget::path`] once complete. A symbolic link is
    /// followed, so the link stays and its target is replaced.
    File,
    /// An existing special file (a character device such as `/dev/null`, a FIFO): opened
    /// for appending and written in place, never replaced or created.
    Special,
    /// The process's standard output: `-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`.
    Stdout,
    /// The process's standard error: `/dev/stderr`, `/dev/fd/2`, `/proc/self/fd/2`.
    Stderr,
}

/// Device and inode numbers: the identity of a file whatever its name (hard links,
/// symbolic links and `..` spellings all share it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    fn of_metadata(m: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            dev: m.dev(),
            ino: m.ino(),
        })
    }

    #[cfg(not(unix))]
    fn of_metadata(_: &fs::Metadata) -> Option<FileId> {
        None
    }
}

/// What identifies a file for "is this the same file?": its canonical path and, when it
/// exists, its [`FileId`]. Two keys are the same file when either agrees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileKey {
    canonical: Option<PathBuf>,
    id: Option<FileId>,
}

impl FileKey {
    /// The key of an input file that an output could destroy: a regular file (following
    /// symbolic links). Special files (FIFOs, devices) and missing paths give an empty key,
    /// which matches nothing: writing to them destroys nothing.
    pub fn of_input(path: &Path) -> FileKey {
        match fs::metadata(path) {
            Ok(m) if m.is_file() => FileKey {
                canonical: fs::canonicalize(path).ok(),
                id: FileId::of_metadata(&m),
            },
            _ => FileKey::default(),
        }
    }

    /// `true` when both keys name one file (equal canonical paths or equal identities).
    pub fn same_file(&self, other: &FileKey) -> bool {
        fn eq<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            a.is_some() && a == b
        }
        eq(&self.canonical, &other.canonical) || eq(&self.id, &other.id)
    }
}

/// An output path resolved: where the bytes go and how (see [`OutputKind`]).
///
/// ```
/// use partitive_io::{OutputKind, OutputTarget};
/// let dir = tempfile::tempdir().unwrap();
/// let t = OutputTarget::resolve(&dir.path().join("labels.txt")).unwrap();
/// assert_eq!(t.kind(), OutputKind::File);
/// assert_eq!(OutputTarget::resolve("-".as_ref()).unwrap().kind(), OutputKind::Stdout);
/// assert!(OutputTarget::resolve(dir.path()).is_err(), "a directory");
/// ```
#[derive(Debug, Clone)]
pub struct OutputTarget {
    given: PathBuf,
    kind: OutputKind,
    path: PathBuf,
    key: FileKey,
    null_device: bool,
}

impl OutputTarget {
    /// Resolves `path`: follows symbolic links to the file that would be written, and
    /// checks it can be: a directory, a block device, a missing parent directory or a
    /// parent that is not a directory are errors ([`IoErrorKind::InvalidOutput`]).
    pub fn resolve(path: &Path) -> Result<OutputTarget, IoError> {
        let invalid =
            |what: String| IoError::new(IoErrorKind::InvalidOutput, path).with_detail(what);
        if path.as_os_str().is_empty() {
            return Err(invalid("empty output path".into()));
        }
        if path == Path::new("-") {
            return Ok(Self::stream(path, OutputKind::Stdout));
        }
        let mut p = path.to_path_buf();
        for _ in 0..MAX_LINKS {
            if let Some(fd) = descriptor_link(&p) {
                return Ok(match fd {
                    1 => Self::stream(path, OutputKind::Stdout),
                    2 => Self::stream(path, OutputKind::Stderr),
                    _ => Self::special(path, &p, fs::metadata(&p).ok()),
                });
            }
            let meta = match fs::symlink_metadata(&p) {
                Ok(m) => m,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    return Self::new_file(path, p);
                }
                Err(e) => return Err(IoError::write(path, e)),
            };
            let ft = meta.file_type();
            if ft.is_symlink() {
                let to = fs::read_link(&p).map_err(|e| IoError::write(path, e))?;
                p = parent_of(&p).join(to);
            } else if ft.is_file() {
                let key = FileKey {
                    canonical: fs::canonicalize(&p).ok(),
                    id: FileId::of_metadata(&meta),
                };
                return Ok(OutputTarget {
                    given: path.to_path_buf(),
                    kind: OutputKind::File,
                    path: p,
                    key,
                    null_device: false,
                });
            } else if ft.is_dir() {
                return Err(invalid("is a directory".into()));
            } else if is_block_device(&ft) {
                return Err(invalid(
                    "is a block device (refusing to write to a disk)".into(),
                ));
            } else {
                return Ok(Self::special(path, &p, Some(meta)));
            }
        }
        Err(invalid("too many levels of symbolic links".into()))
    }

    fn stream(given: &Path, kind: OutputKind) -> OutputTarget {
        OutputTarget {
            given: given.to_path_buf(),
            kind,
            path: given.to_path_buf(),
            key: FileKey {
                canonical: None,
                id: stream_id(kind),
            },
            null_device: false,
        }
    }

    fn special(given: &Path, p: &Path, meta: Option<fs::Metadata>) -> OutputTarget {
        let id = meta.as_ref().and_then(FileId::of_metadata);
        OutputTarget {
            given: given.to_path_buf(),
            kind: OutputKind::Special,
            path: p.to_path_buf(),
            key: FileKey {
                canonical: fs::canonicalize(p).ok(),
                id,
            },
            null_device: meta.is_some_and(|m| is_null_device(&m)),
        }
    }

    /// A regular file still to be created at `p` (the end of `given`'s link chain).
    fn new_file(given: &Path, p: PathBuf) -> Result<OutputTarget, IoError> {
        let invalid =
            |what: String| IoError::new(IoErrorKind::InvalidOutput, given).with_detail(what);
        let Some(name) = p.file_name() else {
            return Err(invalid("not a file name".into()));
        };
        let dir = parent_of(&p);
        let canonical_dir = match fs::canonicalize(dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(invalid(format!("folder {} does not exist", dir.display())));
            }
            Err(e) => return Err(IoError::write(given, e)),
        };
        if !canonical_dir.is_dir() {
            return Err(invalid(format!("{} is not a folder", dir.display())));
        }
        let key = FileKey {
            canonical: Some(canonical_dir.join(name)),
            id: None,
        };
        Ok(OutputTarget {
            given: given.to_path_buf(),
            kind: OutputKind::File,
            path: p,
            key,
            null_device: false,
        })
    }

    /// The path as given.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// How the output is written.
    pub fn kind(&self) -> OutputKind {
        self.kind
    }

    /// The path the bytes go to: for [`OutputKind::File`] the end of the symbolic-link
    /// chain (the temporary file is created in its directory), for
    /// [`OutputKind::Special`] the file opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The identity of the file written, for comparison with inputs and other outputs.
    pub fn key(&self) -> &FileKey {
        &self.key
    }

    /// `true` for the null device (`/dev/null` or another node of it), where any number
    /// of outputs may go.
    pub fn is_null_device(&self) -> bool {
        self.null_device
    }
}

/// The directory of `p` (`.` for a bare name).
fn parent_of(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The descriptor number when `p` names one of this process's open file descriptors:
/// `/dev/stdout` (1), `/dev/stderr` (2), `/dev/stdin` (0), `/dev/fd/N`, and
/// `/proc/self/fd/N`, `/proc/thread-self/fd/N` or `/proc/<this pid>/fd/N`. These are
/// written through the descriptor, never resolved to what they point at (a pipe has no
/// path, and a redirected file must keep the shell's position in it).
fn descriptor_link(p: &Path) -> Option<i32> {
    let parts: Vec<&std::ffi::OsStr> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s),
            _ => None,
        })
        .collect();
    if !p.is_absolute() {
        return None;
    }
    let s = |i: usize| parts.get(i).and_then(|x| x.to_str());
    let number = |x: Option<&str>| x.and_then(|v| v.parse::<i32>().ok());
    match parts.len() {
        2 if s(0) == Some("dev") => match s(1)? {
            "stdin" => Some(0),
            "stdout" => Some(1),
            "stderr" => Some(2),
            _ => None,
        },
        3 if s(0) == Some("dev") && s(1) == Some("fd") => number(s(2)),
        4 if s(0) == Some("proc") && s(2) == Some("fd") => {
            let me = std::process::id().to_string();
            match s(1)? {
                "self" | "thread-self" => number(s(3)),
                pid if pid == me => number(s(3)),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(unix)]
fn is_block_device(ft: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    ft.is_block_device()
}

#[cfg(not(unix))]
fn is_block_device(_: &fs::FileType) -> bool {
    false
}

/// `true` for a character device with the device number of `/dev/null`.
#[cfg(unix)]
fn is_null_device(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    m.file_type().is_char_device()
        && fs::metadata("/dev/null")
            .is_ok_and(|n| n.file_type().is_char_device() && n.rdev() == m.rdev())
}

#[cfg(not(unix))]
fn is_null_device(_: &fs::Metadata) -> bool {
    false
}

/// The identity of what standard output or error is connected to.
#[cfg(unix)]
fn stream_id(kind: OutputKind) -> Option<FileId> {
    use std::os::fd::AsFd;
    let fd = match kind {
        OutputKind::Stdout => std::io::stdout().as_fd().try_clone_to_owned(),
        _ => std::io::stderr().as_fd().try_clone_to_owned(),
    };
    let file = fs::File::from(fd.ok()?);
    FileId::of_metadata(&file.metadata().ok()?)
}

#[cfg(not(unix))]
fn stream_id(_: OutputKind) -> Option<FileId> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_links() {
        let pid = std::process::id();
        for (p, fd) in [
            ("/dev/stdout", Some(1)),
            ("/dev/stderr", Some(2)),
            ("/dev/fd/1", Some(1)),
            ("/proc/self/fd/2", Some(2)),
            ("/proc/thread-self/fd/7", Some(7)),
            (&format!("/proc/{pid}/fd/1"), Some(1)),
            ("/proc/1/fd/1", None),
            ("/dev/null", None),
            ("dev/stdout", None),
            ("/dev/fd/x", None),
        ] {
            assert_eq!(descriptor_link(Path::new(p)), fd, "{p}");
        }
    }

    #[test]
    fn regular_new_and_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        let t = OutputTarget::resolve(&p).unwrap();
        assert_eq!(t.kind(), OutputKind::File);
        assert_eq!(t.path(), p);
        std::fs::write(&p, "x").unwrap();
        let t2 = OutputTarget::resolve(&p).unwrap();
        assert!(
            t.key().same_file(t2.key()),
            "new vs existing: same canonical path"
        );
        // Another spelling: sub/../a.csv.
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let other = dir.path().join("sub").join("..").join("a.csv");
        let t3 = OutputTarget::resolve(&other).unwrap();
        assert!(t3.key().same_file(&FileKey::of_input(&p)));
    }

    #[test]
    fn hard_links_share_an_identity() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "1\n").unwrap();
        std::fs::hard_link(&a, &b).unwrap();
        let t = OutputTarget::resolve(&b).unwrap();
        assert!(t.key().same_file(&FileKey::of_input(&a)));
        let c = dir.path().join("c.csv");
        std::fs::write(&c, "1\n").unwrap();
        assert!(!t.key().same_file(&FileKey::of_input(&c)));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_to_their_target() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let real = sub.join("real.txt");
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("sub/real.txt", &link).unwrap();
        // Dangling: the target is created where the link points.
        let t = OutputTarget::resolve(&link).unwrap();
        assert_eq!(t.kind(), OutputKind::File);
        assert_eq!(t.path(), dir.path().join("sub/real.txt"));
        std::fs::write(&real, "x").unwrap();
        let t = OutputTarget::resolve(&link).unwrap();
        assert!(t.key().same_file(&FileKey::of_input(&real)));
        // A loop is an error, not a hang.
        let l1 = dir.path().join("l1");
        let l2 = dir.path().join("l2");
        std::os::unix::fs::symlink(&l2, &l1).unwrap();
        std::os::unix::fs::symlink(&l1, &l2).unwrap();
        let e = OutputTarget::resolve(&l1).unwrap_err();
        assert!(e.to_string().contains("symbolic links"), "{e}");
    }

    #[test]
    fn refusals() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("file.txt");
        std::fs::write(&f, "x").unwrap();
        for (p, msg) in [
            (dir.path().to_path_buf(), "is a directory"),
            (dir.path().join("nope").join("x.csv"), "does not exist"),
            (f.join("x.csv"), "not a folder"),
            (PathBuf::new(), "empty output path"),
        ] {
            let e = OutputTarget::resolve(&p).unwrap_err();
            assert_eq!(e.kind(), &IoErrorKind::InvalidOutput, "{e}");
            assert!(e.to_string().contains(msg), "{p:?}: {e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place() {
        let t = OutputTarget::resolve(Path::new("/dev/null")).unwrap();
        assert_eq!(t.kind(), OutputKind::Special);
        assert!(t.is_null_device());
        assert_eq!(
            OutputTarget::resolve(Path::new("/dev/stdout"))
                .unwrap()
                .kind(),
            OutputKind::Stdout
        );
        assert!(!FileKey::of_input(Path::new("/dev/null")).same_file(t.key()));
    }
}
