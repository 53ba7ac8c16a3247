//! [`Dataset`]: a matrix read from a file, owning either a `Vec<T>` or a memory map.

use std::marker::PhantomData;

use memmap2::Mmap;
use partitive::{Float, Mat, MatRef};

use crate::scalar::cast_slice;

/// Where the values live.
enum Storage<T> {
    /// Parsed or converted values.
    Owned(Vec<T>),
    /// A read-only memory map; the values are `map[offset..offset + len * size_of::<T>()]`,
    /// already checked to be aligned for `T` (see [`Dataset::mapped`]).
    Mapped {
        map: Mmap,
        offset: usize,
        len: usize,
        _t: PhantomData<T>,
    },
}

/// A row-major `n_rows × n_cols` matrix read from a file, with optional column names.
///
/// It owns either a `Vec<T>` or a memory map of the file (a `.npy` whose dtype matches
/// `T`); [`Dataset::view`] borrows it without copying in both cases.
pub struct Dataset<T> {
    storage: Storage<T>,
    n_rows: usize,
    n_cols: usize,
    names: Option<Vec<String>>,
}

impl<T: Float> Dataset<T> {
    /// A dataset owning `data` (row-major, `n_rows * n_cols` values).
    ///
    /// # Panics
    /// When `data.len() != n_rows * n_cols` or `names` has a length other than `n_cols`
    /// (internal contract).
    #[track_caller]
    pub(crate) fn owned(
        data: Vec<T>,
        n_rows: usize,
        n_cols: usize,
        names: Option<Vec<String>>,
    ) -> Self {
        assert_eq!(data.len(), n_rows * n_cols, "dataset buffer length");
        assert!(names.as_ref().is_none_or(|n| n.len() == n_cols));
        Dataset {
            storage: Storage::Owned(data),
            n_rows,
            n_cols,
            names,
        }
    }

    /// A dataset viewing `map[offset..]` in place; `None` when that range cannot be viewed
    /// as `n_rows * n_cols` values of `T` (wrong type, misaligned or too short).
    pub(crate) fn mapped(map: Mmap, offset: usize, n_rows: usize, n_cols: usize) -> Option<Self> {
        let len = n_rows.checked_mul(n_cols)?;
        let end = offset.checked_add(len.checked_mul(std::mem::size_of::<T>())?)?;
        cast_slice::<T>(map.get(offset..end)?)?;
        Some(Dataset {
            storage: Storage::Mapped {
                map,
                offset,
                len,
                _t: PhantomData,
            },
            n_rows,
            n_cols,
            names: None,
        })
    }

    /// A dataset owning a copy-free matrix, with optional column names (one per column).
    ///
    /// Returns `None` when `names` has a length other than `m.n_cols()`.
    pub fn from_mat(m: Mat<T>, names: Option<Vec<String>>) -> Option<Self> {
        if names.as_ref().is_some_and(|n| n.len() != m.n_cols()) {
            return None;
        }
        let (r, c) = (m.n_rows(), m.n_cols());
        Some(Self::owned(m.into_vec(), r, c, names))
    }

    /// The values, row-major.
    pub fn as_slice(&self) -> &[T] {
        match &self.storage {
            Storage::Owned(v) => v,
            Storage::Mapped {
                map, offset, len, ..
            } => {
                let bytes = &map[*offset..*offset + *len * std::mem::size_of::<T>()];
                cast_slice::<T>(bytes).expect("mapping checked at construction")
            }
        }
    }

    /// A borrowed row-major view (no copy).
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef::new(self.as_slice(), self.n_rows, self.n_cols)
            .expect("shape checked at construction")
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Column names: from a text header or the Parquet schema; `None` otherwise.
    pub fn column_names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// `true` when the values are a view into a memory-mapped file (no copy was made).
    pub fn is_memory_mapped(&self) -> bool {
        matches!(self.storage, Storage::Mapped { .. })
    }

    /// An owned matrix (copies when memory-mapped).
    pub fn into_mat(self) -> Mat<T> {
        let (r, c) = (self.n_rows, self.n_cols);
        let data = match self.storage {
            Storage::Owned(v) => v,
            Storage::Mapped { .. } => self.as_slice().to_vec(),
        };
        Mat::from_vec(data, r, c).expect("shape checked at construction")
    }
}

impl<T: Float> std::fmt::Debug for Dataset<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("n_rows", &self.n_rows)
            .field("n_cols", &self.n_cols)
            .field("names", &self.names)
            .field("memory_mapped", &self.is_memory_mapped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_mat_checks_names() {
        let m = Mat::from_rows(&[[1.0f32, 2.0]]);
        assert!(Dataset::from_mat(m.clone(), Some(vec!["a".into()])).is_none());
        let d = Dataset::from_mat(m, Some(vec!["a".into(), "b".into()])).unwrap();
        assert_eq!(d.view().row(0), &[1.0, 2.0]);
        assert_eq!(d.column_names().unwrap()[1], "b");
        assert!(!d.is_memory_mapped());
        assert_eq!(d.into_mat().as_slice(), &[1.0, 2.0]);
    }
}
