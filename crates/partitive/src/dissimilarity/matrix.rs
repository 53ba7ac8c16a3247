//! A precomputed full `n × n` dissimilarity matrix.

use super::source::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use rayon::prelude::*;

/// A full, square, row-major dissimilarity matrix (`f32` or `f64`), borrowed.
///
/// Rows are returned without copying, so the swap loops read them contiguously; an
/// `f32` matrix is read as `f32` (half the memory traffic of `f64`), losses are still
/// accumulated in `f64`.
#[derive(Debug, Clone, Copy)]
pub struct DenseMatrix<'a, T> {
    m: MatRef<'a, T>,
    /// The largest entry.
    max: f64,
}

/// Relative asymmetry tolerated between `d(i, j)` and `d(j, i)`: `1e-12` for `f64`
/// matrices, `16 ε ≈ 1.9e-6` for `f32` (see [`DenseMatrix::new`]).
pub fn symmetry_tolerance<T: Float>() -> f64 {
    (16.0 * T::epsilon().as_f64()).max(1e-12)
}

impl<'a, T: Float> DenseMatrix<'a, T> {
    /// Wraps a square matrix, checking that it is a dissimilarity matrix: every value
    /// finite and `≥ 0`, a zero diagonal, and symmetric up to rounding —
    /// `|d(i, j) − d(j, i)| ≤ tol · max(d(i, j), d(j, i))` with `tol` =
    /// [`symmetry_tolerance`] (`1e-12` for `f64`, `1.9e-6` for `f32`); the diagonal must
    /// be exactly 0. A triangular matrix (one half zero) therefore fails: give the full
    /// matrix, or the strict triangle as a [`Condensed`](super::Condensed) vector. The
    /// error names the first offending cell (row-major order, 0-based) and its values.
    ///
    /// Costs one pass over the `n²` values (in cache-sized tiles, in parallel).
    pub fn new(m: MatRef<'a, T>) -> Result<Self> {
        if m.n_rows() == 0 {
            return Err(Error::data("dissimilarity matrix has no rows"));
        }
        if m.n_rows() != m.n_cols() {
            return Err(Error::shape(
                "dissimilarity matrix columns",
                m.n_rows(),
                m.n_cols(),
            ));
        }
        m.check_finite()?;
        let n = m.n_cols();
        if let Some(p) = m.as_slice().iter().position(|&v| v < T::zero()) {
            return Err(Error::data(format!(
                "negative dissimilarity {} at row {}, column {}",
                m.as_slice()[p],
                p / n,
                p % n
            )));
        }
        if let Some(i) = (0..n).find(|&i| m.row(i)[i] != T::zero()) {
            return Err(Error::data(format!(
                "nonzero diagonal: dissimilarity {} at row {i}, column {i} (an object's \
                 dissimilarity to itself must be 0)",
                m.row(i)[i]
            )));
        }
        if let Some((i, j)) = first_asymmetric(m) {
            return Err(Error::data(format!(
                "asymmetric dissimilarity matrix: row {i}, column {j} holds {} but row {j}, \
                 column {i} holds {} (relative tolerance {:e}; a triangular matrix must be \
                 given in full or as a condensed vector)",
                m.row(i)[j],
                m.row(j)[i],
                symmetry_tolerance::<T>()
            )));
        }
        let max = crate::scale::max_abs(m.as_slice());
        Ok(DenseMatrix { m, max })
    }

    /// Checks `d(i, j) == d(j, i)` exactly and a zero diagonal; the error names the
    /// first offending pair. ([`DenseMatrix::new`] already checks symmetry up to
    /// rounding; this is the exact check.)
    pub fn check_symmetric(&self) -> Result<()> {
        let n = self.m.n_rows();
        for i in 0..n {
            let ri = self.m.row(i);
            if ri[i] != T::zero() {
                return Err(Error::data(format!("nonzero diagonal at {i}")));
            }
            for (j, &v) in ri.iter().enumerate().take(i) {
                if v != self.m.row(j)[i] {
                    return Err(Error::data(format!("asymmetric at ({i}, {j})")));
                }
            }
        }
        Ok(())
    }

    /// The underlying matrix view.
    pub fn view(&self) -> MatRef<'a, T> {
        self.m
    }
}

/// Side of the square tiles the symmetry check compares (a tile and its mirror stay
/// in cache).
const TILE: usize = 64;

/// The first cell `(i, j)` in row-major order whose value differs from `d(j, i)` by
/// more than the tolerance, if any. (The first offending cell lies above the diagonal:
/// its mirror comes later in row-major order. So only `j > i` is scanned, in tiles of
/// the upper triangle, each band of rows in parallel.)
fn first_asymmetric<T: Float>(m: MatRef<'_, T>) -> Option<(usize, usize)> {
    let n = m.n_rows();
    let v = m.as_slice();
    let tol = symmetry_tolerance::<T>();
    let bands = n.div_ceil(TILE);
    let found: Vec<Option<(usize, usize)>> = (0..bands)
        .into_par_iter()
        .map(|b| {
            let rows = b * TILE..((b + 1) * TILE).min(n);
            let mut first: Option<(usize, usize)> = None;
            for t in b..bands {
                let cols_end = ((t + 1) * TILE).min(n);
                for i in rows.clone() {
                    let start = (t * TILE).max(i + 1);
                    for j in start..cols_end {
                        let (a, c) = (v[i * n + j].as_f64(), v[j * n + i].as_f64());
                        if (a - c).abs() > tol * a.max(c) && first.is_none_or(|f| (i, j) < f) {
                            first = Some((i, j));
                        }
                    }
                }
            }
            first
        })
        .collect();
    found.into_iter().flatten().next()
}

impl<T: Float> Dissimilarity for DenseMatrix<'_, T> {
    type Value = T;
    #[inline]
    fn n(&self) -> usize {
        self.m.n_rows()
    }
    #[inline]
    fn get(&self, i: usize, j: usize) -> T {
        self.m.as_slice()[i * self.m.n_cols() + j]
    }
    #[inline]
    fn row<'s>(&'s self, i: usize, _buf: &'s mut Vec<T>) -> &'s [T] {
        self.m.row(i)
    }
    fn magnitude_log2(&self) -> Option<f64> {
        Some(self.max.log2())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Mat;

    #[test]
    fn validates() {
        let m = Mat::from_rows(&[[0.0f32, 1.0, 2.0], [1.0, 0.0, 3.0]]);
        assert!(DenseMatrix::new(m.view()).is_err());
        let m = Mat::from_rows(&[[0.0f32, -1.0], [-1.0, 0.0]]);
        let e = DenseMatrix::new(m.view()).unwrap_err().to_string();
        assert!(e.contains("negative"), "{e}");
        let m = Mat::from_rows(&[[0.0f64, 1.0], [2.0, 0.0]]);
        let e = DenseMatrix::new(m.view()).unwrap_err().to_string();
        assert!(
            e.contains("row 0, column 1 holds 1 but row 1, column 0 holds 2"),
            "{e}"
        );
        let m = Mat::from_rows(&[[0.0f64, 1.0], [1.0, 0.0]]);
        let d = DenseMatrix::new(m.view()).unwrap();
        d.check_symmetric().unwrap();
        let mut buf = Vec::new();
        assert_eq!(d.row(1, &mut buf), &[1.0, 0.0]);
        assert_eq!(d.get(0, 1), 1.0);
    }

    /// Every kind of matrix that is not a dissimilarity matrix is refused with the
    /// first offending cell; rounding-level asymmetry is accepted.
    #[test]
    fn refuses_non_dissimilarities_naming_the_cell() {
        let err = |rows: &[[f64; 3]]| {
            DenseMatrix::new(Mat::from_rows(rows).view())
                .unwrap_err()
                .to_string()
        };
        // lower triangular
        let e = err(&[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 3.0, 0.0]]);
        assert!(
            e.contains("row 0, column 1 holds 0 but row 1, column 0 holds 1"),
            "{e}"
        );
        assert!(e.contains("condensed"), "{e}");
        // asymmetric far from the start: the first cell in row-major order is named
        let e = err(&[[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.5, 0.0]]);
        assert!(
            e.contains("row 1, column 2 holds 3 but row 2, column 1 holds 3.5"),
            "{e}"
        );
        let e = err(&[[0.0, 1.0, 2.0], [1.0, 0.5, 3.0], [2.0, 3.0, 0.0]]);
        assert!(
            e.contains("nonzero diagonal") && e.contains("row 1, column 1"),
            "{e}"
        );
        let e = err(&[[0.0, -1.0, 2.0], [-1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]);
        assert!(
            e.contains("negative dissimilarity -1 at row 0, column 1"),
            "{e}"
        );
        let e = err(&[[0.0, 1.0, f64::NAN], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]);
        assert!(e.contains("row 0, column 2"), "{e}");
        // rounding-level asymmetry (1e-14 relative) is fine in f64, not 1e-9
        let ok = Mat::from_rows(&[[0.0, 1.0, 2.0], [1.0 + 1e-14, 0.0, 3.0], [2.0, 3.0, 0.0]]);
        DenseMatrix::new(ok.view()).unwrap();
        let e = err(&[[0.0, 1.0, 2.0], [1.0 + 1e-9, 0.0, 3.0], [2.0, 3.0, 0.0]]);
        assert!(e.contains("row 0, column 1"), "{e}");
        // f32: 1e-6 relative passes, 1e-4 does not
        let ok = Mat::from_rows(&[[0.0f32, 1.0], [1.000001, 0.0]]);
        DenseMatrix::new(ok.view()).unwrap();
        let bad = Mat::from_rows(&[[0.0f32, 1.0], [1.0001, 0.0]]);
        assert!(DenseMatrix::new(bad.view()).is_err());
        // larger than a tile: the first offender in row-major order across tiles
        let n = 150;
        let mut big = Mat::filled(n, n, 1.0f64);
        for i in 0..n {
            big.row_mut(i)[i] = 0.0;
        }
        big.row_mut(140)[3] = 5.0; // (3, 140) is the first in row-major order
        big.row_mut(100)[120] = 7.0; // (100, 120) comes later
        let e = DenseMatrix::new(big.view()).unwrap_err().to_string();
        assert!(
            e.contains("row 3, column 140 holds 1 but row 140, column 3 holds 5"),
            "{e}"
        );
    }
}
