//! The dissimilarity-source trait and the subset adapter.

use crate::error::{Error, Result};
use crate::float::Float;

/// A symmetric dissimilarity over `n` objects: `d(i, i) = 0`, `d(i, j) = d(j, i) ≥ 0`.
///
/// Implementations: [`DenseMatrix`](super::DenseMatrix), [`Condensed`](super::Condensed),
/// [`MetricDissimilarity`](super::MetricDissimilarity), [`Gower`](super::Gower),
/// [`Subset`]. Algorithms read single entries with [`get`](Self::get) and whole rows
/// with [`row`](Self::row); sources that store rows contiguously return them without
/// copying, the others fill the caller's buffer.
///
/// Symmetry is assumed, not checked (checking costs a pass over `n²` values): the
/// swap algorithms read `d(o, c)` as row `c`.
pub trait Dissimilarity: Sync {
    /// The element type of the distances (`f32` or `f64`).
    type Value: Float;

    /// Number of objects.
    fn n(&self) -> usize;

    /// The dissimilarity between objects `i` and `j` (`i, j < n`).
    fn get(&self, i: usize, j: usize) -> Self::Value;

    /// Row `i`: `d(i, j)` for `j` in `0..n`. Borrowed when the source stores it
    /// contiguously, otherwise written into `buf` (resized to `n`).
    fn row<'s>(&'s self, i: usize, buf: &'s mut Vec<Self::Value>) -> &'s [Self::Value] {
        let n = self.n();
        buf.clear();
        buf.extend((0..n).map(|j| self.get(i, j)));
        buf
    }
}

impl<D: Dissimilarity + ?Sized> Dissimilarity for &D {
    type Value = D::Value;
    #[inline]
    fn n(&self) -> usize {
        (**self).n()
    }
    #[inline]
    fn get(&self, i: usize, j: usize) -> Self::Value {
        (**self).get(i, j)
    }
    #[inline]
    fn row<'s>(&'s self, i: usize, buf: &'s mut Vec<Self::Value>) -> &'s [Self::Value] {
        (**self).row(i, buf)
    }
}

/// The objects `idx` of another source, renumbered `0..idx.len()` (no copy).
///
/// CLARA runs its sample through this adapter.
#[derive(Debug, Clone)]
pub struct Subset<'a, D> {
    inner: &'a D,
    idx: Vec<usize>,
}

impl<'a, D: Dissimilarity> Subset<'a, D> {
    /// A view of `inner` restricted to objects `idx` (in that order). Fails when an
    /// index is out of range.
    pub fn new(inner: &'a D, idx: Vec<usize>) -> Result<Self> {
        let n = inner.n();
        if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
            return Err(Error::data(format!(
                "subset index {bad} out of range for {n} objects"
            )));
        }
        Ok(Subset { inner, idx })
    }

    /// The original index of subset object `i`.
    pub fn original(&self, i: usize) -> usize {
        self.idx[i]
    }

    /// The original indices, in subset order.
    pub fn indices(&self) -> &[usize] {
        &self.idx
    }
}

impl<D: Dissimilarity> Dissimilarity for Subset<'_, D> {
    type Value = D::Value;
    #[inline]
    fn n(&self) -> usize {
        self.idx.len()
    }
    #[inline]
    fn get(&self, i: usize, j: usize) -> Self::Value {
        self.inner.get(self.idx[i], self.idx[j])
    }
}
