//! Row-major dense matrices: a borrowed view ([`MatRef`]) and an owned matrix ([`Mat`]).
//!
//! A view can sit over any contiguous row-major buffer — an owned `Vec`, a
//! memory-mapped `.npy` file, a NumPy array — without copying.

use crate::error::{Error, Result};
use crate::float::Float;

/// A borrowed row-major `n_rows × n_cols` matrix.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    n_rows: usize,
    n_cols: usize,
}

impl<'a, T: Copy> MatRef<'a, T> {
    /// A view of `data` as `n_rows × n_cols`, row-major.
    ///
    /// Fails when `data.len() != n_rows * n_cols`.
    pub fn new(data: &'a [T], n_rows: usize, n_cols: usize) -> Result<Self> {
        let expected = n_rows
            .checked_mul(n_cols)
            .ok_or_else(|| Error::data("matrix shape overflows usize"))?;
        if data.len() != expected {
            return Err(Error::shape("matrix buffer length", expected, data.len()));
        }
        Ok(MatRef {
            data,
            n_rows,
            n_cols,
        })
    }

    /// Number of rows.
    #[inline]
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    #[inline]
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Row `i` as a slice.
    ///
    /// # Panics
    /// When `i >= n_rows` (an internal contract violation).
    #[inline]
    #[track_caller]
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The whole buffer, row-major.
    #[inline]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Rows `start..end` as a view.
    #[inline]
    #[track_caller]
    pub fn rows(&self, start: usize, end: usize) -> MatRef<'a, T> {
        MatRef {
            data: &self.data[start * self.n_cols..end * self.n_cols],
            n_rows: end - start,
            n_cols: self.n_cols,
        }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Mat<T> {
        Mat {
            data: self.data.to_vec(),
            n_rows: self.n_rows,
            n_cols: self.n_cols,
        }
    }
}

impl<'a, T: Float> MatRef<'a, T> {
    /// Checks that every value is finite; the error names the first bad row and column
    /// (0-based).
    pub fn check_finite(&self) -> Result<()> {
        match self.data.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(p) => Err(Error::data(format!(
                "non-finite value {} at row {}, column {}",
                self.data[p],
                p / self.n_cols.max(1),
                p % self.n_cols.max(1)
            ))),
        }
    }
}

/// An owned row-major matrix.
///
/// Serialisable (serde) as `{data, n_rows, n_cols}`; deserialising checks the shape.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(
    try_from = "MatParts<T>",
    bound(deserialize = "T: Copy + serde::Deserialize<'de>")
)]
pub struct Mat<T> {
    data: Vec<T>,
    n_rows: usize,
    n_cols: usize,
}

/// The serialised form of [`Mat`], checked by `TryFrom`.
#[derive(serde::Deserialize)]
struct MatParts<T> {
    data: Vec<T>,
    n_rows: usize,
    n_cols: usize,
}

impl<T: Copy> TryFrom<MatParts<T>> for Mat<T> {
    type Error = Error;
    fn try_from(p: MatParts<T>) -> Result<Self> {
        Mat::from_vec(p.data, p.n_rows, p.n_cols)
    }
}

impl<T: Copy> Mat<T> {
    /// A matrix from a row-major buffer. Fails when the length does not match.
    pub fn from_vec(data: Vec<T>, n_rows: usize, n_cols: usize) -> Result<Self> {
        MatRef::new(&data, n_rows, n_cols)?;
        Ok(Mat {
            data,
            n_rows,
            n_cols,
        })
    }

    /// A matrix from fixed-size rows (handy in tests and examples).
    pub fn from_rows<const D: usize>(rows: &[[T; D]]) -> Self {
        Mat {
            data: rows.iter().flatten().copied().collect(),
            n_rows: rows.len(),
            n_cols: D,
        }
    }

    /// An `n_rows × n_cols` matrix filled with `value`.
    pub fn filled(n_rows: usize, n_cols: usize, value: T) -> Self {
        Mat {
            data: vec![value; n_rows * n_cols],
            n_rows,
            n_cols,
        }
    }

    /// A borrowed view.
    #[inline]
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef {
            data: &self.data,
            n_rows: self.n_rows,
            n_cols: self.n_cols,
        }
    }

    /// Number of rows.
    #[inline]
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    #[inline]
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Row `i`.
    #[inline]
    #[track_caller]
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Row `i`, mutable.
    #[inline]
    #[track_caller]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The buffer, row-major.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The buffer, row-major, mutable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The buffer, consuming the matrix.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_checked() {
        assert!(MatRef::new(&[1.0f32, 2.0, 3.0], 2, 2).is_err());
        let m = MatRef::new(&[1.0f32, 2.0, 3.0, 4.0], 2, 2).unwrap();
        assert_eq!(m.row(1), &[3.0, 4.0]);
        assert_eq!(m.rows(1, 2).row(0), &[3.0, 4.0]);
    }

    #[test]
    fn finite_check_names_position() {
        let m = Mat::from_rows(&[[1.0f64, 2.0], [f64::NAN, 0.0]]);
        let e = m.view().check_finite().unwrap_err().to_string();
        assert!(e.contains("row 1, column 0"), "{e}");
    }
}
