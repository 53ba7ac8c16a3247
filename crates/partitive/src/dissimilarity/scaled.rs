//! Dissimilarities rescaled by a power of two, for sources whose values (or their sums
//! over all objects) the arithmetic cannot take.
//!
//! k-medoids and the silhouettes only compare dissimilarities and sums of them, so
//! multiplying every value by the same `2^e` changes nothing but the reported losses
//! (mapped back by the caller). A source of ordinary magnitude is never rescaled: its
//! results are computed exactly as before.

use super::source::Dissimilarity;

/// `d · 2^e` (values through [`Dissimilarity::get_scaled`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scaled<'a, D> {
    inner: &'a D,
    e: i32,
}

impl<'a, D: Dissimilarity> Scaled<'a, D> {
    pub(crate) fn new(inner: &'a D, e: i32) -> Self {
        Scaled { inner, e }
    }
}

impl<D: Dissimilarity> Dissimilarity for Scaled<'_, D> {
    type Value = D::Value;
    #[inline]
    fn n(&self) -> usize {
        self.inner.n()
    }
    #[inline]
    fn get(&self, i: usize, j: usize) -> Self::Value {
        self.inner.get_scaled(i, j, self.e)
    }
    fn magnitude_log2(&self) -> Option<f64> {
        self.inner.magnitude_log2().map(|m| m + self.e as f64)
    }
    #[inline]
    fn get_scaled(&self, i: usize, j: usize, e: i32) -> Self::Value {
        self.inner.get_scaled(i, j, self.e + e)
    }
}

/// The exponent `e` by which the k-medoids algorithms and the silhouettes scale `d`'s
/// values internally (their bound then in `[1, 2)`), or `None` when they use them as
/// they are. `Some` means that some values (or their sums) over- or underflow the value
/// type: a [`materialize`](super::materialize)d copy of such a source would lose them, so
/// use the source itself. `None` when the bound
/// ([`Dissimilarity::magnitude_log2`]) is at most `2^100` (`f32`) or `2^(1000 − log₂ n)`
/// (`f64`: sums over `n` objects stay finite) and at least `2^−60` (`f32`) or `2^−500`
/// (`f64`: the smaller values keep their precision).
pub fn unit_exponent<D: Dissimilarity>(d: &D) -> Option<i32> {
    unit_exponent_of::<D::Value>(d.magnitude_log2(), d.n())
}

/// [`unit_exponent`] of a source of `n` objects of value type `V` whose
/// [`Dissimilarity::magnitude_log2`] is `magnitude_log2`.
pub(crate) fn unit_exponent_of<V>(magnitude_log2: Option<f64>, n: usize) -> Option<i32> {
    let m = magnitude_log2?;
    if !m.is_finite() {
        return None; // all zero (or unknown)
    }
    let bits_n = (usize::BITS - n.leading_zeros()) as f64;
    let (lo, hi) = if std::mem::size_of::<V>() == 4 {
        (-60.0, 100.0)
    } else {
        (-500.0, 1000.0 - bits_n - 4.0)
    };
    (m < lo || m > hi).then(|| -(m.floor() as i32))
}
