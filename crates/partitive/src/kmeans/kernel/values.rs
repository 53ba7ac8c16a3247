//! The all-pairs form of the kernel: every row's value `‖c‖² − 2x·c` against every
//! packed slot (no argmin), under the same arithmetic contract as
//! [`nearest`](super::nearest) — so its values equal, bit for bit, those the assignment
//! kernel compares. The greedy k-means++ step evaluates its `2 + ⌊ln k⌋` candidates
//! against a block of rows with it in one blocked pass.

use super::Packed;
use crate::float::Float;
use crate::simd::{dispatch, Kernel, Level, Simd};

/// The values `‖c_s‖² − 2x·c_s` of the rows of `x` (row-major, `packed.d` columns)
/// against every slot `s` of `packed` (`+∞` for an empty slot), into `out[i·slots + s]`.
pub(crate) fn values<T: Float>(x: &[T], packed: &Packed<T>, out: &mut [T]) {
    dispatch(Values { x, packed, out })
}

/// [`values`] at a given level (tests compare levels).
#[cfg(test)]
pub(crate) fn values_at<T: Float>(level: Level, x: &[T], packed: &Packed<T>, out: &mut [T]) {
    crate::simd::dispatch_at(level, Values { x, packed, out })
}

/// The kernel of [`values`].
struct Values<'a, 'o, T> {
    x: &'a [T],
    packed: &'a Packed<T>,
    out: &'o mut [T],
}

impl<T: Float> Kernel for Values<'_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self, simd: Simd) {
        let Values { x, packed, out } = self;
        let s = packed.norms.len();
        assert!(
            s > 0 && out.len().is_multiple_of(s),
            "output of {} values",
            out.len()
        );
        assert_eq!(x.len(), out.len() / s * packed.d);
        #[cfg(target_arch = "x86_64")]
        if simd.has_avx2() {
            use super::{avx2, avx512};
            let (p, avx512) = (packed.view(), simd.level() == Level::Avx512);
            macro_rules! call {
                ($slice:ident, $slice_mut:ident, $view:ident, $k512:path, $k2:path) => {
                    if let (Some(x), Some(p), Some(o)) =
                        (T::$slice(x), p.$view(), T::$slice_mut(&mut *out))
                    {
                        // SAFETY: `simd` proves the instruction set of the kernel called
                        // (AVX-512F at level AVX-512, else AVX2 + FMA).
                        unsafe {
                            if avx512 {
                                $k512(x, &p, o)
                            } else {
                                $k2(x, &p, o)
                            }
                        }
                        return;
                    }
                };
            }
            call!(
                as_f32_slice,
                as_f32_slice_mut,
                as_f32,
                avx512::f32x16::run_values,
                avx2::f32x8::run_values
            );
            call!(
                as_f64_slice,
                as_f64_slice_mut,
                as_f64,
                avx512::f64x8::run_values,
                avx2::f64x4::run_values
            );
        }
        let _ = simd;
        portable_values(x, packed, out)
    }
}

/// Reference implementation: one sequential chain of fused multiply-adds per pair, then
/// `‖c‖² − 2·dot` with one rounding.
#[inline(always)]
fn portable_values<T: Float>(x: &[T], packed: &Packed<T>, out: &mut [T]) {
    let (d, w, s) = (packed.d, packed.w, packed.norms.len());
    for (xr, o) in x.chunks_exact(d.max(1)).zip(out.chunks_exact_mut(s)) {
        for p in 0..packed.panels() {
            let panel = &packed.data[p * d * w..(p + 1) * d * w];
            for jj in 0..w {
                let mut a = T::zero();
                for (l, &xv) in xr.iter().enumerate() {
                    a = xv.mul_add(panel[l * w + jj], a);
                }
                let j = p * w + jj;
                o[j] = packed.norms[j] - (a + a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{nearest_at, Nearest};
    use super::*;
    use crate::matrix::Mat;
    use crate::rng::Rng;

    /// Every level gives the portable values bit for bit, and the assignment kernel's
    /// minimum is the minimum of these values (the same contract).
    fn agree<T: Float>() {
        let mut rng = Rng::new(17);
        for &(n, d, k) in &[(37, 5, 3), (101, 32, 6), (29, 33, 40), (13, 1, 8)] {
            let mut gen = |m: usize| -> Mat<T> {
                let v = (0..m * d)
                    .map(|_| T::of_f64(rng.next_f64() * 4.0 - 2.0))
                    .collect();
                Mat::from_vec(v, m, d).unwrap()
            };
            let (x, c) = (gen(n), gen(k));
            for level in crate::simd::supported_levels() {
                let p = Packed::for_level(c.view(), level);
                let s = p.norms.len();
                let mut got = vec![T::zero(); n * s];
                values_at(level, x.as_slice(), &p, &mut got);
                let mut want = vec![T::zero(); n * s];
                portable_values(x.as_slice(), &p, &mut want);
                assert!(got
                    .iter()
                    .zip(&want)
                    .all(|(a, b)| a.as_f64().to_bits() == b.as_f64().to_bits()));
                // Empty slots are +∞; the argmin kernel's best is the smallest value.
                let (mut l, mut b) = (vec![0u32; n], vec![T::zero(); n]);
                let out = Nearest {
                    labels: &mut l,
                    best: &mut b,
                    second: None,
                };
                nearest_at(level, true, x.as_slice(), &p, out);
                for i in 0..n {
                    let row = &got[i * s..(i + 1) * s];
                    assert!(row[k..].iter().all(|v| *v == T::infinity()));
                    assert_eq!(row[l[i] as usize], b[i]);
                    assert!(row[..k].iter().all(|v| *v >= b[i]));
                    // against a direct evaluation in f64
                    for (j, &v) in row[..k].iter().enumerate() {
                        let exact: f64 = (0..d)
                            .map(|t| {
                                let (a, c) = (x.row(i)[t].as_f64(), c.row(j)[t].as_f64());
                                c * c - 2.0 * a * c
                            })
                            .sum();
                        let scale: f64 = 1.0
                            + (0..d)
                                .map(|t| 4.0 * x.row(i)[t].abs().as_f64())
                                .sum::<f64>();
                        assert!((v.as_f64() - exact).abs() <= 1e-4 * scale * d as f64);
                    }
                }
            }
        }
    }

    #[test]
    fn values_agree_f32() {
        agree::<f32>();
    }

    #[test]
    fn values_agree_f64() {
        agree::<f64>();
    }
}
