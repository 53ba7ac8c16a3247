//! Caches that pay: the full matrix computed once, and the medoid rows.

use super::source::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::Mat;
use rayon::prelude::*;

/// Computes the full `n × n` matrix of any source once, in parallel (current rayon
/// pool). Wrap the result with [`DenseMatrix`](super::DenseMatrix) to run algorithms
/// that read it several times (PAM, FasterPAM) on contiguous rows.
///
/// Fails when `n²` values do not fit in `usize`. Each entry is computed independently,
/// so the result does not depend on the thread count.
pub fn materialize<D: Dissimilarity>(d: &D) -> Result<Mat<D::Value>> {
    let n = d.n();
    let len = n
        .checked_mul(n)
        .ok_or_else(|| Error::data("n² overflows usize"))?;
    let mut data = vec![<D::Value as num_traits::Zero>::zero(); len];
    if n > 0 {
        data.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
            let mut buf = Vec::new();
            row.copy_from_slice(d.row(i, &mut buf));
        });
    }
    Mat::from_vec(data, n, n)
}

/// The rows of the current medoids, `k × n`: `d(m_s, o)` for slot `s` and object `o`.
///
/// Swap algorithms re-read these after every swap (to update nearest and second
/// nearest medoids); keeping them avoids recomputing on-the-fly distances.
#[derive(Debug, Clone)]
pub struct MedoidRows<T> {
    n: usize,
    rows: Vec<T>,
}

impl<T: Float> MedoidRows<T> {
    /// The rows of `medoids` from `d`.
    pub fn new<D: Dissimilarity<Value = T>>(d: &D, medoids: &[usize]) -> Self {
        let n = d.n();
        let mut rows = vec![T::zero(); medoids.len() * n];
        rows.par_chunks_mut(n.max(1))
            .zip(medoids.par_iter())
            .for_each(|(r, &m)| {
                let mut buf = Vec::new();
                r.copy_from_slice(d.row(m, &mut buf));
            });
        MedoidRows { n, rows }
    }

    /// Replaces slot `s` with `row` (length `n`).
    pub fn set(&mut self, s: usize, row: &[T]) {
        self.rows[s * self.n..(s + 1) * self.n].copy_from_slice(row);
    }

    /// Distance from the medoid in slot `s` to object `o`.
    #[inline]
    pub fn get(&self, s: usize, o: usize) -> T {
        self.rows[s * self.n + o]
    }

    /// Row of slot `s`.
    #[inline]
    pub fn row(&self, s: usize) -> &[T] {
        &self.rows[s * self.n..(s + 1) * self.n]
    }

    /// Number of slots.
    pub fn k(&self) -> usize {
        self.rows.len() / self.n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissimilarity::{Metric, MetricDissimilarity};

    #[test]
    fn materialize_matches_get() {
        let x = Mat::from_rows(&[[0.0f64, 1.0], [2.0, 3.0], [4.0, -1.0]]);
        let d = MetricDissimilarity::new(x.view(), Metric::Manhattan).unwrap();
        let m = materialize(&d).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                assert_eq!(m.row(i)[j], d.get(i, j));
            }
        }
        let mr = MedoidRows::new(&d, &[2, 0]);
        assert_eq!(mr.k(), 2);
        assert_eq!(mr.get(0, 1), d.get(2, 1));
        assert_eq!(mr.row(1), m.row(0));
    }
}
