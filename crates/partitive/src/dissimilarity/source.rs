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
/// Symmetry is assumed by the trait (the swap algorithms read `d(o, c)` as row `c`);
/// [`DenseMatrix::new`](super::DenseMatrix::new) checks it for user-given matrices, the
/// other sources are symmetric by construction.
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

    /// `log₂` of an upper bound on every dissimilarity, when the source knows one
    /// cheaply (the largest entry of a stored matrix; a bound from the data's range for
    /// a metric — it may exceed what the value type holds); `−∞` when every value is 0;
    /// `None` when unknown. The algorithms use it to decide whether the values, or their
    /// sums over `n` objects, need rescaling (see [`get_scaled`](Self::get_scaled)).
    fn magnitude_log2(&self) -> Option<f64> {
        None
    }

    /// `d(i, j) · 2^e`, computed so that it is finite whenever that product is
    /// representable, even where `d(i, j)` itself is not (a source computing distances
    /// from data scales the data first). The default scales [`get`](Self::get).
    fn get_scaled(&self, i: usize, j: usize, e: i32) -> Self::Value {
        Self::Value::of_f64(crate::scale::ldexp(self.get(i, j).as_f64(), e))
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
    fn magnitude_log2(&self) -> Option<f64> {
        (**self).magnitude_log2()
    }
    #[inline]
    fn get_scaled(&self, i: usize, j: usize, e: i32) -> Self::Value {
        (**self).get_scaled(i, j, e)
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
    fn magnitude_log2(&self) -> Option<f64> {
        self.inner.magnitude_log2()
    }
    #[inline]
    fn get_scaled(&self, i: usize, j: usize, e: i32) -> Self::Value {
        self.inner.get_scaled(self.idx[i], self.idx[j], e)
    }
}
