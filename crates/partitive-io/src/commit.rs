//! [`commit_all`]: several staged outputs put in place together, all or none.
//!
//! Renames are atomic one by one, not as a group, so a group is made transactional with
//! backups: before the first rename, every pre-existing regular target is hard-linked (or,
//! where links are not supported, copied) to a hidden `.NAME.XXXXXX.bak` beside it; then the
//! temporary files are renamed over their targets; if one rename fails, the targets already
//! replaced get their backups renamed back (targets that did not exist are removed), and
//! the error is returned. The backups are removed at the end either way.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use crate::atomic::{AtomicFile, Stage};
use crate::cleanup;
use crate::error::{IoError, IoErrorKind};
use crate::target::{OutputKind, OutputTarget};

/// Puts every file in place, as nearly all-or-nothing as a file system allows:
///
/// 1. every staged file is flushed and synced (an error here changes nothing);
/// 2. special files and streams receive their bytes (a closed pipe fails here, before
///    any regular file is replaced; they are written to, never replaced, so they cannot
///    be rolled back);
/// 3. every pre-existing regular target is backed up beside itself (a hard link, else a
///    copy), with `SIGINT`/`SIGTERM` held from here until the end (see
///    [`crate::remove_temp_files_on_signal`]);
/// 4. the temporary files are renamed over their targets; if one rename fails, the
///    targets replaced before it are restored from their backups (new ones are removed),
///    so no pre-existing output is changed by a failed commit;
/// 5. the backups are removed.
///
/// # Errors
/// The first OS error, naming its file (with a note if a rollback step failed too).
/// Renames in the same directory as a temporary file that was just created there fail
/// only when the directory changes under the run (e.g. a directory created at a target).
pub fn commit_all(files: Vec<AtomicFile>) -> Result<(), IoError> {
    if files.is_empty() {
        return Ok(());
    }
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let AtomicFile { target, out } = f;
        let err = |e: std::io::Error| IoError::write(target.given(), e);
        let mut stage = out.into_inner().map_err(|e| err(e.into_error()))?;
        if let Stage::Named { tmp, .. } = &mut stage {
            tmp.as_file().sync_all().map_err(err)?;
            // The directory may have changed since the temporary file was made.
            std::fs::metadata(tmp.path()).map_err(err)?;
        }
        staged.push((target, stage));
    }
    for (target, stage) in &mut staged {
        if let Stage::Unnamed(file) = stage {
            copy_out(target, file)?;
        }
    }
    if !cleanup::begin_commit() {
        let (target, _) = &staged[0];
        return Err(IoError::new(IoErrorKind::Io, target.given())
            .with_detail("interrupted before the output was written"));
    }
    let result = rename_all(staged);
    cleanup::end_commit();
    result
}

/// A target renamed into place, with the backup of what it held before (`None`: nothing,
/// removed on roll-back; a backup is removed when dropped).
type Done = (OutputTarget, Option<NamedTempFile<()>>);

/// Steps 3–5 of [`commit_all`]. The staged files' temporaries and registrations are
/// dropped (removed) on every path out.
fn rename_all(staged: Vec<(OutputTarget, Stage)>) -> Result<(), IoError> {
    let mut pending = Vec::with_capacity(staged.len());
    for (target, stage) in staged {
        if let Stage::Named { tmp, _registration } = stage {
            // An error here changes nothing: the backups made so far are dropped (removed).
            let backup = back_up(&target)?;
            pending.push((target, tmp, backup, _registration));
        }
    }
    let mut done: Vec<Done> = Vec::with_capacity(pending.len());
    for (target, tmp, backup, _registration) in pending {
        match persist(&target, tmp) {
            Ok(()) => done.push((target, backup)),
            Err(e) => return Err(roll_back(done, e)),
        }
    }
    // Success: dropping `done` removes the backups.
    Ok(())
}

/// Puts back what the targets of `done` held before, and returns `e` (noting any target
/// that could not be restored).
fn roll_back(done: Vec<Done>, e: IoError) -> IoError {
    let mut failed = Vec::new();
    for (target, backup) in done.into_iter().rev() {
        let restored = match backup {
            Some(b) => b.persist(target.path()).map(drop).map_err(|e| e.error),
            None => std::fs::remove_file(target.path()),
        };
        if restored.is_err() {
            failed.push(target.given().display().to_string());
        }
    }
    match failed.len() {
        0 => e,
        _ => {
            let msg = e.to_string();
            IoError::new(IoErrorKind::Io, Path::new(&failed[0])).with_detail(format!(
                "could not be restored after a failed commit ({msg})"
            ))
        }
    }
}

/// A hidden backup of a regular file at the target (`None` when there is none: a new
/// file, or something a rename cannot replace anyway, such as a directory).
fn back_up(target: &OutputTarget) -> Result<Option<NamedTempFile<()>>, IoError> {
    let path = target.path();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => {}
        _ => return Ok(None),
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let b = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".bak")
        .make_in(dir, |b: &Path| link_or_copy(path, b))
        .map_err(|e| IoError::write(target.given(), e))?;
    Ok(Some(b))
}

/// Hard-links `from` at `to`, or copies it where links are not supported.
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        // A name taken: `make_in` tries another.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(to)?;
            let copied = std::io::copy(&mut File::open(from)?, &mut out)
                .and_then(|_| out.sync_all())
                .and_then(|_| std::fs::set_permissions(to, std::fs::metadata(from)?.permissions()));
            if copied.is_err() {
                let _ = std::fs::remove_file(to);
            }
            copied
        }
    }
}

/// Renames `tmp` over the target, giving it the target's permissions (or `0644`).
fn persist(target: &OutputTarget, tmp: NamedTempFile) -> Result<(), IoError> {
    let err = |e: std::io::Error| IoError::write(target.given(), e);
    let perms = match std::fs::metadata(target.path()) {
        Ok(m) => Some(m.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(p) = perms {
        tmp.as_file().set_permissions(p).map_err(err)?;
    }
    #[cfg(test)]
    if tests::fails(target.path()) {
        return Err(err(std::io::Error::other("injected failure")));
    }
    tmp.persist(target.path()).map_err(|e| err(e.error))?;
    Ok(())
}

/// Copies the staged bytes to a special file or stream.
fn copy_out(target: &OutputTarget, staged: &mut File) -> Result<(), IoError> {
    let err = |e: std::io::Error| IoError::write(target.given(), e);
    staged.rewind().map_err(err)?;
    match target.kind() {
        OutputKind::Stdout => {
            let mut out = std::io::stdout().lock();
            std::io::copy(staged, &mut out).map_err(err)?;
            out.flush().map_err(err)
        }
        OutputKind::Stderr => {
            let mut out = std::io::stderr().lock();
            std::io::copy(staged, &mut out).map_err(err)?;
            out.flush().map_err(err)
        }
        _ => {
            // Never create, truncate or replace: append to what exists.
            let mut out = std::fs::OpenOptions::new()
                .append(true)
                .open(target.path())
                .map_err(err)?;
            std::io::copy(staged, &mut out).map_err(err)?;
            out.flush().map_err(err)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::path::PathBuf;

    thread_local! {
        /// A target whose rename fails (this thread only): a failure no permission can
        /// cause for root.
        static FAIL: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    }

    pub(super) fn fails(path: &Path) -> bool {
        FAIL.with(|f| f.borrow().as_deref() == Some(path))
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn staged(path: &Path, bytes: &[u8]) -> AtomicFile {
        let mut f = AtomicFile::create(path).unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn a_directory_at_a_later_target_changes_no_earlier_output() {
        // a.txt exists, c.txt is new; b.txt becomes a non-empty directory after its output
        // was validated and staged, so its rename fails after a's and c's succeeded.
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a.txt"),
            dir.path().join("b.txt"),
            dir.path().join("c.txt"),
        );
        std::fs::write(&a, b"old a\n").unwrap();
        let files = vec![
            staged(&a, b"new a"),
            staged(&c, b"new c"),
            staged(&b, b"new b"),
        ];
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("inside"), b"x").unwrap();
        let e = commit_all(files).unwrap_err();
        assert!(e.to_string().contains("b.txt"), "{e}");
        assert_eq!(std::fs::read(&a).unwrap(), b"old a\n");
        assert_eq!(
            entries(dir.path()),
            vec!["a.txt", "b.txt"],
            "no temp, backup or c.txt"
        );
        assert_eq!(entries(&b), vec!["inside"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_rename_restores_the_same_file() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        std::fs::write(&a, b"0\n1\n").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&b, b"old b").unwrap();
        let before = std::fs::metadata(&a).unwrap();
        let files = vec![staged(&a, b"1\n0\n"), staged(&b, b"new b")];
        FAIL.with(|f| *f.borrow_mut() = Some(b.clone()));
        let e = commit_all(files).unwrap_err();
        FAIL.with(|f| *f.borrow_mut() = None);
        assert!(
            e.to_string().contains("b.csv") && e.to_string().contains("injected"),
            "{e}"
        );
        let after = std::fs::metadata(&a).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"0\n1\n");
        assert_eq!((after.ino(), after.mode()), (before.ino(), before.mode()));
        assert_eq!(std::fs::read(&b).unwrap(), b"old b");
        assert_eq!(entries(dir.path()), vec!["a.csv", "b.csv"]);
    }

    #[test]
    fn success_leaves_no_backup() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::fs::write(&a, b"old").unwrap();
        std::fs::write(&b, b"old").unwrap();
        commit_all(vec![staged(&a, b"A"), staged(&b, b"B")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"A");
        assert_eq!(std::fs::read(&b).unwrap(), b"B");
        assert_eq!(entries(dir.path()), vec!["a.txt", "b.txt"]);
    }

    #[test]
    fn a_backup_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"data").unwrap();
        link_or_copy(&a, &b).unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"data");
        // A taken name is reported as such (the caller picks another), never replaced.
        std::fs::write(&b, b"other").unwrap();
        let e = link_or_copy(&a, &b).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&b).unwrap(), b"other");
    }
}
