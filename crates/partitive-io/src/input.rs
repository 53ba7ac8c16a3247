//! [`Input`]: where a reader's bytes come from — a file, or bytes in memory read as if they
//! were the file they are named after. Every reader opens its input through this one type,
//! so the file readers and the in-memory entry points ([`crate::read_matrix_from_bytes`],
//! …) run the same parsing code (what the fuzz targets exercise is what users run).

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use memmap2::Mmap;

use crate::error::{IoError, IoErrorKind};

/// A file path, or bytes in memory under a name (extension → format; messages name it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Input<'a> {
    path: &'a Path,
    bytes: Option<&'a [u8]>,
}

impl<'a> Input<'a> {
    /// The file at `path`.
    pub(crate) fn file(path: &'a Path) -> Self {
        Input { path, bytes: None }
    }

    /// `bytes`, read as the content of a file named `name`.
    pub(crate) fn memory(name: &'a Path, bytes: &'a [u8]) -> Self {
        Input {
            path: name,
            bytes: Some(bytes),
        }
    }

    /// The path (or name) messages give.
    pub(crate) fn path(&self) -> &'a Path {
        self.path
    }

    /// A missing file is [`IoErrorKind::NotFound`]; bytes in memory always exist.
    pub(crate) fn check_exists(&self) -> Result<(), IoError> {
        if self.bytes.is_none() && !self.path.exists() {
            return Err(IoError::new(IoErrorKind::NotFound, self.path));
        }
        Ok(())
    }

    /// A sequential reader of the content and, for bytes in memory and regular files, its
    /// length (`None` for pipes and devices).
    pub(crate) fn reader(&self) -> Result<(Box<dyn Read>, Option<u64>), IoError> {
        match self.bytes {
            Some(b) => Ok((Box::new(Cursor::new(b.to_vec())), Some(b.len() as u64))),
            None => {
                let f = self.open_file()?;
                let m = f.metadata().map_err(|e| IoError::os(self.path, e))?;
                let len = m.is_file().then_some(m.len());
                Ok((Box::new(f), len))
            }
        }
    }

    /// The content as a read-only memory map: the file mapped, or the bytes copied into an
    /// anonymous map (page-aligned either way). An empty input is [`IoErrorKind::Empty`].
    pub(crate) fn map(&self) -> Result<Mmap, IoError> {
        let err = |e| IoError::os(self.path, e);
        match self.bytes {
            Some([]) => Err(IoError::new(IoErrorKind::Empty, self.path)),
            Some(b) => {
                let mut m = memmap2::MmapMut::map_anon(b.len()).map_err(err)?;
                m.copy_from_slice(b);
                m.make_read_only().map_err(err)
            }
            None => {
                let file = self.open_file()?;
                let len = file.metadata().map_err(err)?.len();
                if len == 0 {
                    return Err(IoError::new(IoErrorKind::Empty, self.path));
                }
                // SAFETY: the map is read-only. If another process truncates or rewrites
                // the file while it is mapped, reads may fault or see new data; that is
                // the documented contract of memory-mapped input (as with
                // `numpy.load(mmap_mode='r')`).
                unsafe { Mmap::map(&file) }.map_err(err)
            }
        }
    }

    /// The bytes in memory, if that is what this input is.
    pub(crate) fn bytes(&self) -> Option<&'a [u8]> {
        self.bytes
    }

    /// The file opened for reading (for bytes in memory: see [`Input::bytes`]).
    pub(crate) fn open_file(&self) -> Result<File, IoError> {
        File::open(self.path).map_err(|e| IoError::os(self.path, e))
    }
}
