//! A precomputed full `n × n` dissimilarity matrix.

use super::source::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;

/// A full, square, row-major dissimilarity matrix (`f32` or `f64`), borrowed.
///
/// Rows are returned without copying, so the swap loops read them contiguously; an
/// `f32` matrix is read as `f32` (half the memory traffic of `f64`), losses are still
/// accumulated in `f64`.
#[derive(Debug, Clone, Copy)]
pub struct DenseMatrix<'a, T> {
    m: MatRef<'a, T>,
}

impl<'a, T: Float> DenseMatrix<'a, T> {
    /// Wraps a square matrix. Fails when it is not square, is empty, or holds a
    /// non-finite or negative value. Symmetry is not checked (see
    /// [`check_symmetric`](Self::check_symmetric)).
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
        if let Some(p) = m.as_slice().iter().position(|&v| v < T::zero()) {
            let n = m.n_cols();
            return Err(Error::data(format!(
                "negative dissimilarity at row {}, column {}",
                p / n,
                p % n
            )));
        }
        Ok(DenseMatrix { m })
    }

    /// Checks `d(i, j) == d(j, i)` exactly and a zero diagonal; the error names the
    /// first offending pair.
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
        let d = DenseMatrix::new(m.view()).unwrap();
        assert!(d.check_symmetric().is_err());
        let m = Mat::from_rows(&[[0.0f64, 1.0], [1.0, 0.0]]);
        let d = DenseMatrix::new(m.view()).unwrap();
        d.check_symmetric().unwrap();
        let mut buf = Vec::new();
        assert_eq!(d.row(1, &mut buf), &[1.0, 0.0]);
        assert_eq!(d.get(0, 1), 1.0);
    }
}
