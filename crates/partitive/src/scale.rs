//! Exact power-of-two rescaling of data whose magnitude the arithmetic cannot take.
//!
//! Squared distances, covariances and sums of squares of finite data overflow (values
//! beyond about `1e154` in `f64`, `1e19` in `f32`) or underflow (values below about
//! `1e-154`, `1e-19`) long before the data themselves do. The engines therefore look at
//! the largest magnitude of their input, and when it lies outside the range their
//! arithmetic is safe in, they work on a copy multiplied by `2^e` (largest magnitude in
//! `[1, 2)`) and map the results back (centers × `2^−e`, squared quantities × `2^−2e`).
//! Multiplying by a power of two is exact (no rounding, barring subnormal results), and
//! every engine treats the copy exactly as it would treat data of ordinary magnitude: the
//! results are those of the scaled problem, bit for bit reproducible, and data already in
//! the safe range are never copied nor changed.

use crate::float::Float;
use crate::matrix::{Mat, MatRef};
use crate::parallel::par_vec;

/// `v · 2^e`, exact unless the result over- or underflows (then rounded as IEEE
/// multiplication rounds: to `±∞`, or to a subnormal/zero).
pub(crate) fn ldexp(v: f64, e: i32) -> f64 {
    let mut v = v;
    // Beyond ±3000 every finite non-zero result has over- or underflowed already.
    let mut e = e.clamp(-3000, 3000);
    // 2^±1000 are normal f64 numbers; three steps cover every exponent that matters.
    while e > 1000 {
        v *= pow2(1000);
        e -= 1000;
    }
    while e < -1000 {
        v *= pow2(-1000);
        e += 1000;
    }
    v * pow2(e)
}

/// `2^e` for `−1022 ≤ e ≤ 1023` (built from its bits: exact).
fn pow2(e: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&e));
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The exponent `e` with `v · 2^e` in `[1, 2)` (`v` finite and positive).
pub(crate) fn normalizing_exponent(v: f64) -> i32 {
    if !(v.is_finite() && v > 0.0) {
        return 0; // (callers pass finite positive values; nothing to normalise otherwise)
    }
    // Exact for normal and subnormal values: the binary exponent of `v`.
    let mut e = -(v.log2().floor() as i32);
    while ldexp(v, e) >= 2.0 {
        e -= 1;
    }
    while ldexp(v, e) < 1.0 {
        e += 1;
    }
    e
}

/// `Some(e)` (see [`normalizing_exponent`]) when `amax`, the largest magnitude of some
/// data, lies outside `[2^lo, 2^hi]`; `None` when it lies inside or is zero (nothing to
/// scale) or non-finite (the caller reports it).
pub(crate) fn exponent_outside(amax: f64, lo: i32, hi: i32) -> Option<i32> {
    if !(amax.is_finite() && amax > 0.0) {
        return None;
    }
    let inside = amax >= ldexp(1.0, lo) && amax <= ldexp(1.0, hi);
    (!inside).then(|| normalizing_exponent(amax))
}

/// The safe range `[2^lo, 2^hi]` of the largest magnitude of data of type `T` for
/// arithmetic that squares values in `T` (k-means' distance kernel): `f32`
/// `[2^−30, 2^40]`, `f64` `[2^−60, 2^60]` (the `f64` range also keeps the pruned
/// variants' `f32` distance bounds finite and normal).
pub(crate) fn kernel_range<T: Float>() -> (i32, i32) {
    if std::mem::size_of::<T>() == 4 {
        (-30, 40)
    } else {
        (-60, 60)
    }
}

/// The largest magnitude in `v` (`0` when empty; `+∞`/NaN propagate as `+∞`).
pub(crate) fn max_abs<T: Float>(v: &[T]) -> f64 {
    v.iter().fold(0.0f64, |m, x| {
        let a = x.as_f64().abs();
        if a > m || a.is_nan() {
            if a.is_nan() {
                f64::INFINITY
            } else {
                a
            }
        } else {
            m
        }
    })
}

/// `x · 2^e` (every value; exact for results in the normal range of `T`).
pub(crate) fn scaled<T: Float>(x: MatRef<'_, T>, e: i32) -> Mat<T> {
    let data = scaled_slice(x.as_slice(), e);
    Mat::from_vec(data, x.n_rows(), x.n_cols()).expect("same shape")
}

/// `v · 2^e` for a slice (in parallel, element-wise: independent of the thread count).
pub(crate) fn scaled_slice<T: Float>(v: &[T], e: i32) -> Vec<T> {
    par_vec(v.len(), |i| T::of_f64(ldexp(v[i].as_f64(), e)))
}

/// `m · 2^e` for an owned `f64`-convertible matrix of `T`.
pub(crate) fn scale_mat<T: Float>(m: &mut Mat<T>, e: i32) {
    m.as_mut_slice()
        .iter_mut()
        .for_each(|v| *v = T::of_f64(ldexp(v.as_f64(), e)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldexp_is_exact_and_saturates() {
        assert_eq!(ldexp(3.0, 4), 48.0);
        assert_eq!(ldexp(1.0, -1074), f64::from_bits(1));
        assert_eq!(ldexp(f64::from_bits(1), 1074), 1.0);
        assert_eq!(ldexp(1e300, 100), f64::INFINITY);
        assert_eq!(ldexp(1e-300, -2000), 0.0);
        let v = 1.234_567_890_123e-200;
        assert_eq!(ldexp(ldexp(v, 900), -900), v);
    }

    #[test]
    fn exponents() {
        for v in [
            1.0,
            1.5,
            2.0,
            3.0e200,
            1e-310,
            f64::MAX,
            f64::from_bits(1),
            0.75,
        ] {
            let e = normalizing_exponent(v);
            let s = ldexp(v, e);
            assert!((1.0..2.0).contains(&s), "{v} -> {e} -> {s}");
        }
        assert_eq!(exponent_outside(1e10, -60, 60), None);
        assert_eq!(exponent_outside(0.0, -60, 60), None);
        assert_eq!(exponent_outside(f64::INFINITY, -60, 60), None);
        assert_eq!(exponent_outside(4.0 * 2f64.powi(60), -60, 60), Some(-62));
        assert_eq!(exponent_outside(2f64.powi(-61), -60, 60), Some(61));
        assert_eq!(max_abs(&[1.0f32, -3.0, 2.0]), 3.0);
        assert_eq!(max_abs(&[1.0f64, f64::NAN]), f64::INFINITY);
    }

    #[test]
    fn scaled_copies() {
        let m = Mat::from_rows(&[[1e-40f32, 3e38], [-2.0, 0.0]]);
        let s = scaled(m.view(), -100);
        let mut back = s.clone();
        scale_mat(&mut back, 100);
        assert_eq!(back.row(0)[1], 3e38);
        assert_eq!(back.row(1), &[-2.0, 0.0]);
        assert_eq!(s.row(1)[0], -2.0 * 2f32.powi(-100));
    }
}
