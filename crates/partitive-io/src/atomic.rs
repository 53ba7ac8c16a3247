//! [`AtomicFile`]: write to a temporary file in the target's directory, then rename.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::IoError;

/// An output file that appears at its path only when complete.
///
/// Bytes go to a temporary file created in the same directory as the target (so the final
/// rename stays on one file system); [`AtomicFile::commit`] flushes, syncs and renames it
/// over the target. Dropped without `commit` (an error, a panic), the temporary file is
/// removed and the target is left untouched: a failed run leaves no half-written file.
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
    target: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (nothing appears there until [`AtomicFile::commit`]).
    pub fn create(path: &Path) -> Result<AtomicFile, IoError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| IoError::write(path, e))?;
        Ok(AtomicFile {
            target: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, tmp),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs to disk and renames the temporary file to the target path
    /// (replacing any file there). New files get mode `0644` on Unix; an existing target
    /// keeps its permissions.
    pub fn commit(self) -> Result<(), IoError> {
        let target = self.target;
        let err = |e: std::io::Error| IoError::write(&target, e);
        let tmp = self.out.into_inner().map_err(|e| err(e.into_error()))?;
        let file: &File = tmp.as_file();
        file.sync_all().map_err(err)?;
        let perms = match std::fs::metadata(&target) {
            Ok(m) => Some(m.permissions()),
            Err(_) => default_permissions(),
        };
        if let Some(p) = perms {
            file.set_permissions(p).map_err(err)?;
        }
        tmp.persist(&target).map_err(|e| err(e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
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
}
