//! [`AtomicFile`]: an output staged in a temporary file and put in place only when
//! complete; [`commit_all`] (in `commit.rs`) puts several in place together.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use crate::cleanup::{self, Registration};
use crate::commit::commit_all;
use crate::error::IoError;
use crate::target::{OutputKind, OutputTarget};

/// An output file that appears at its path only when complete.
///
/// Where the bytes are staged depends on the [`OutputTarget`]:
///
/// - a **regular file** (new or existing, or the target of a symbolic link): a temporary
///   file `.NAME.XXXXXX.tmp` in the target's directory, which [`AtomicFile::commit`]
///   flushes, syncs and renames over the target; the link itself stays a link;
/// - a **special file** (`/dev/null`, a FIFO, a terminal) or **standard output/error**: an
///   unnamed temporary file (removed by the system even if the process is killed), copied
///   to the destination, opened for appending, at commit. Such files are never replaced,
///   created or truncated.
///
/// Dropped without a commit (an error, a panic), the temporary file is removed and the
/// target is left untouched: a failed run leaves no half-written file. Temporary files are
/// also removed on `SIGINT`/`SIGTERM`/`SIGHUP` once [`crate::remove_temp_files_on_signal`]
/// was called.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.txt");
/// let mut f = partitive_io::AtomicFile::create(&path).unwrap();
/// writeln!(f, "hello").unwrap();
/// assert!(!path.exists());
/// f.commit().unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// ```
pub struct AtomicFile {
    pub(crate) target: OutputTarget,
    pub(crate) out: BufWriter<Stage>,
}

/// Where the bytes wait for the commit.
pub(crate) enum Stage {
    /// A named temporary file beside the final path. Field order matters: the file is
    /// removed (dropped) before its registration is forgotten.
    Named {
        tmp: NamedTempFile,
        _registration: Registration,
    },
    /// An unnamed temporary file, copied to a special file or stream at commit.
    Unnamed(File),
}

impl Stage {
    pub(crate) fn file(&mut self) -> &mut File {
        match self {
            Stage::Named { tmp, .. } => tmp.as_file_mut(),
            Stage::Unnamed(f) => f,
        }
    }
}

impl Write for Stage {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file().flush()
    }
}

impl AtomicFile {
    /// Starts writing `path` (nothing appears there until [`AtomicFile::commit`]).
    ///
    /// # Errors
    /// The errors of [`OutputTarget::resolve`], and the OS error creating the temporary
    /// file (e.g. a directory without write permission).
    pub fn create(path: &Path) -> Result<AtomicFile, IoError> {
        Self::for_target(OutputTarget::resolve(path)?)
    }

    /// Starts writing a resolved target.
    pub fn for_target(target: OutputTarget) -> Result<AtomicFile, IoError> {
        let err = |e| IoError::write(target.given(), e);
        let stage = match target.kind() {
            OutputKind::File => {
                let p = target.path();
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .map_err(err)?;
                let registration = cleanup::register(tmp.path());
                Stage::Named {
                    tmp,
                    _registration: registration,
                }
            }
            OutputKind::Special | OutputKind::Stdout | OutputKind::Stderr => {
                Stage::Unnamed(tempfile::tempfile().map_err(err)?)
            }
        };
        Ok(AtomicFile {
            target,
            out: BufWriter::with_capacity(1 << 20, stage),
        })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        self.target.given()
    }

    /// Where and how the output goes.
    pub fn target(&self) -> &OutputTarget {
        &self.target
    }

    /// Puts the output in place: renames the temporary file over a regular file (new
    /// files get mode `0644` on Unix, an existing one keeps its permissions), or copies
    /// the staged bytes to a special file or stream. See [`commit_all`].
    pub fn commit(self) -> Result<(), IoError> {
        commit_all(vec![self])
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&p).unwrap();
            f.write_all(b"half").unwrap();
            f.flush().unwrap();
            assert_eq!(entries(dir.path()).len(), 1, "temp file in the same dir");
        }
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn commit_replaces_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(entries(dir.path()), vec!["out.csv"]);
    }

    #[test]
    fn missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("out.csv");
        let e = AtomicFile::create(&p).err().unwrap();
        assert!(e.to_string().contains("out.csv"), "{e}");
    }

    #[test]
    fn a_vanished_directory_commits_none() {
        // The second output's directory disappears before the commit: the first target
        // keeps its old content.
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        std::fs::write(&a, "old").unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let mut fa = AtomicFile::create(&a).unwrap();
        let mut fb = AtomicFile::create(&sub.join("b.txt")).unwrap();
        fa.write_all(b"new a").unwrap();
        fb.write_all(b"new b").unwrap();
        std::fs::remove_dir_all(&sub).unwrap();
        let e = commit_all(vec![fa, fb]).unwrap_err();
        assert!(e.to_string().contains("b.txt"), "{e}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert_eq!(entries(dir.path()), vec!["a.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let real = dir.path().join("data").join("real.txt");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut f = AtomicFile::create(&link).unwrap();
        // The temporary file sits beside the target, not beside the link.
        assert_eq!(entries(&dir.path().join("data")).len(), 2);
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(entries(&dir.path().join("data")), vec!["real.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_appended_to_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        // A private node of the null device (needs root; skipped otherwise), so that a
        // regression cannot replace the system's /dev/null.
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path().join("null");
        let c = std::ffi::CString::new(node.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mknod has no other memory effects.
        let r = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        if r != 0 {
            eprintln!("skipped: mknod needs root");
            return;
        }
        let mut f = AtomicFile::create(&node).unwrap();
        assert_eq!(f.target().kind(), OutputKind::Special);
        assert!(f.target().is_null_device());
        f.write_all(b"labels").unwrap();
        f.commit().unwrap();
        let m = std::fs::symlink_metadata(&node).unwrap();
        assert!(m.file_type().is_char_device(), "still a device node");
        assert_eq!(entries(dir.path()), vec!["null"]);
    }

    #[cfg(unix)]
    #[test]
    fn fifo_receives_the_bytes_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        let mut f = AtomicFile::create(&fifo).unwrap();
        f.write_all(b"0\n1\n").unwrap();
        f.commit().unwrap();
        assert_eq!(reader.join().unwrap(), b"0\n1\n");
        let m = std::fs::symlink_metadata(&fifo).unwrap();
        assert!(m.file_type().is_fifo(), "still a FIFO");
        assert_eq!(entries(dir.path()), vec!["pipe"]);
    }

    #[test]
    fn threads_may_commit_at_once() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for t in 0..8 {
                let dir = dir.path();
                scope.spawn(move || {
                    for i in 0..25 {
                        let p = dir.join(format!("{t}-{i}.txt"));
                        let mut f = AtomicFile::create(&p).unwrap();
                        write!(f, "{t} {i}").unwrap();
                        commit_all(vec![f]).unwrap();
                    }
                });
            }
        });
        assert_eq!(entries(dir.path()).len(), 200);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("7-24.txt")).unwrap(),
            "7 24"
        );
    }

    #[cfg(unix)]
    #[test]
    fn temp_files_are_registered_until_committed() {
        cleanup::install_for_tests();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        let f = AtomicFile::create(&p).unwrap();
        let tmp = dir.path().join(&entries(dir.path())[0]);
        assert!(cleanup::tracked(&tmp));
        f.commit().unwrap();
        assert!(!cleanup::tracked(&tmp));
        let f = AtomicFile::create(&p).unwrap();
        let tmp = dir.path().join(
            entries(dir.path())
                .into_iter()
                .find(|e| e.ends_with(".tmp"))
                .unwrap(),
        );
        assert!(cleanup::tracked(&tmp));
        drop(f);
        assert!(!cleanup::tracked(&tmp));
        assert!(!tmp.exists());
    }
}
