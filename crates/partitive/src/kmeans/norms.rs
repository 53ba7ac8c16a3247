//! Row norms of `f32` data with AVX2, bitwise equal to the portable [`super::data::sq_norm`]:
//! the same eight `f64` partial sums (lane `t` of two `f64 × 4` registers is partial sum
//! `t`), each a multiplication then an addition (no FMA: Rust does not contract the
//! portable code either), reduced in the same order `((q0+q1)+(q2+q3))+((q4+q5)+(q6+q7))`.
//! The compiler vectorises the portable loop only two lanes wide; this pass halves the
//! time of the data check (measurements: `bench/kmeans/README.md`).

#![cfg(target_arch = "x86_64")]

use crate::float::Float;
use std::arch::x86_64::*;

/// `v` as `f32` values when `T` is `f32` and the row length `d` is a multiple of 8 (the
/// shapes this module serves), else `None`.
pub(crate) fn as_f32<T: Float>(v: &[T], d: usize) -> Option<&[f32]> {
    T::as_f32_slice(v).filter(|_| d > 0 && d.is_multiple_of(8))
}

/// The eight partial sums of one 8-column block added to `(lo, hi)`; returns the block's
/// absolute values' lane-wise maximum folded into `amax` (`a > m ? a : m`, as `maxps`).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn block(p: *const f32, lo: &mut __m256d, hi: &mut __m256d, amax: &mut __m256) {
    let v = _mm256_loadu_ps(p);
    let a = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    let b = _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v));
    *lo = _mm256_add_pd(*lo, _mm256_mul_pd(a, a));
    *hi = _mm256_add_pd(*hi, _mm256_mul_pd(b, b));
    let abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    *amax = _mm256_max_ps(_mm256_and_ps(v, abs), *amax);
}

/// `((q0+q1)+(q2+q3)) + ((q4+q5)+(q6+q7))` of `lo = [q0..q3]`, `hi = [q4..q7]`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn reduce(lo: __m256d, hi: __m256d) -> f64 {
    // [q0+q1, q4+q5, q2+q3, q6+q7]
    let h = _mm256_hadd_pd(lo, hi);
    let s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd::<1>(h));
    _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
}

/// `‖row‖²` of one row (length a multiple of 8), folding its absolute values' lane-wise
/// maximum into `amax`.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn row_norm(row: &[f32], amax: &mut __m256) -> f64 {
    debug_assert!(row.len().is_multiple_of(8));
    let (mut lo, mut hi) = (_mm256_setzero_pd(), _mm256_setzero_pd());
    let p = row.as_ptr();
    for c in (0..row.len()).step_by(8) {
        block(p.add(c), &mut lo, &mut hi, amax);
    }
    reduce(lo, hi)
}

/// Calls `each(i, ‖row_i‖²)` for the rows of the row-major block `x` (`d` columns, a
/// multiple of 8) in order, and returns the largest absolute value in the block (`0` when
/// empty; NaN is ignored, as by [`f32::max`]).
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(crate) unsafe fn for_each_f32(x: &[f32], d: usize, mut each: impl FnMut(usize, f64)) -> f32 {
    assert!(d > 0 && d.is_multiple_of(8) && x.len().is_multiple_of(d));
    let mut amax = _mm256_setzero_ps();
    for (i, row) in x.chunks_exact(d).enumerate() {
        each(i, row_norm(row, &mut amax));
    }
    let mut lanes = [0.0f32; 8];
    _mm256_storeu_ps(lanes.as_mut_ptr(), amax);
    lanes.iter().fold(0.0, |m, &a| if a > m { a } else { m })
}

#[cfg(test)]
mod tests {
    use super::super::data::sq_norm;
    use super::*;

    #[test]
    fn bitwise_the_portable_norms() {
        if !crate::simd::supported(crate::simd::Level::Avx2) {
            return;
        }
        // Values over many magnitudes, signs, subnormals and zeros, so that the order of
        // the additions shows in the last bits.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for d in [8, 16, 32, 40, 64] {
            let n = 500;
            let x: Vec<f32> = (0..n * d)
                .map(|_| {
                    let r = next();
                    let m = (r >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                    match r % 7 {
                        0 => 0.0,
                        1 => f32::MIN_POSITIVE * m,
                        _ => m * 10f32.powi((r % 13) as i32 - 6),
                    }
                })
                .collect();
            let mut got = Vec::new();
            // SAFETY: AVX2 and FMA checked above.
            let amax = unsafe { for_each_f32(&x, d, |i, v| got.push((i, v))) };
            assert_eq!(got.len(), n);
            for (i, v) in got {
                let row = &x[i * d..(i + 1) * d];
                assert_eq!(v.to_bits(), sq_norm(row).to_bits(), "d = {d}, row {i}");
                // SAFETY: as above.
                assert_eq!(
                    unsafe { row_norm(row, &mut _mm256_setzero_ps()) }.to_bits(),
                    v.to_bits()
                );
            }
            let want = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert_eq!(amax, want);
        }
    }
}
