//! Hand-written AVX2 + FMA micro-kernel (filled in by the fast path; portable for now).

use super::{Nearest, Packed};
use crate::float::Float;

/// Nearest centers with AVX2 + FMA. The caller has checked the CPU features.
pub(super) fn nearest<T: Float>(x: &[T], packed: &Packed<T>, out: Nearest<'_, T>) {
    // SAFETY: the caller checked AVX2 and FMA.
    unsafe { super::portable_fma(x, packed, out) }
}
