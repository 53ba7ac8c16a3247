//! The one float trait behind every generic algorithm (`f32` and `f64`).

use std::fmt::{Debug, Display};
use std::iter::Sum;

/// A floating-point scalar partitive computes with: `f32` or `f64`.
///
/// Algorithms are written once, generic over `T: Float`. Statistics are accumulated
/// in `f64` ([`Float::as_f64`]) whatever `T` is.
pub trait Float:
    num_traits::Float
    + num_traits::NumAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + Copy
    + PartialOrd
    + crate::distributed::Wire
    + 'static
{
    /// Name of the type as NumPy spells it (`"float32"`, `"float64"`).
    const DTYPE: &'static str;

    /// Converts to `f64` exactly.
    fn as_f64(self) -> f64;

    /// Converts from `f64`, rounding to nearest.
    fn of_f64(v: f64) -> Self;

    /// Converts from `usize` (counts, indices).
    #[inline]
    fn of_usize(v: usize) -> Self {
        Self::of_f64(v as f64)
    }

    /// `v` as `f32` values when `Self` is `f32` (for kernels written per element type).
    fn as_f32_slice(v: &[Self]) -> Option<&[f32]>;

    /// `v` as `f64` values when `Self` is `f64`.
    fn as_f64_slice(v: &[Self]) -> Option<&[f64]>;

    /// [`Float::as_f32_slice`], mutable.
    fn as_f32_slice_mut(v: &mut [Self]) -> Option<&mut [f32]>;

    /// [`Float::as_f64_slice`], mutable.
    fn as_f64_slice_mut(v: &mut [Self]) -> Option<&mut [f64]>;
}

impl Float for f32 {
    const DTYPE: &'static str = "float32";
    #[inline]
    fn as_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn of_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn as_f32_slice(v: &[Self]) -> Option<&[f32]> {
        Some(v)
    }
    #[inline]
    fn as_f64_slice(_: &[Self]) -> Option<&[f64]> {
        None
    }
    #[inline]
    fn as_f32_slice_mut(v: &mut [Self]) -> Option<&mut [f32]> {
        Some(v)
    }
    #[inline]
    fn as_f64_slice_mut(_: &mut [Self]) -> Option<&mut [f64]> {
        None
    }
}

impl Float for f64 {
    const DTYPE: &'static str = "float64";
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
    #[inline]
    fn of_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn as_f32_slice(_: &[Self]) -> Option<&[f32]> {
        None
    }
    #[inline]
    fn as_f64_slice(v: &[Self]) -> Option<&[f64]> {
        Some(v)
    }
    #[inline]
    fn as_f32_slice_mut(_: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
    #[inline]
    fn as_f64_slice_mut(v: &mut [Self]) -> Option<&mut [f64]> {
        Some(v)
    }
}
