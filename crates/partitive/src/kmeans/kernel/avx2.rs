//! Hand-written AVX2 + FMA micro-kernel.
//!
//! A tile of `R ≤ 6` rows × one panel of `W = 2 × LANES` centers is accumulated in 12
//! registers: for each column `l`, two loads of the packed centers and one broadcast of
//! `x[r][l]` per row feed 12 fused multiply-adds. Each `(row, center)` pair is one
//! sequential FMA chain over the columns — the arithmetic contract of the parent module,
//! so the result is bitwise that of the portable kernel. After a panel, `dist =
//! fma(dot, −2, ‖c‖²)` updates a per-lane running minimum (and second minimum) with the
//! lowest center index per lane; a final reduction across lanes takes the lowest index among
//! equal minima. The body is written once (a macro) and instantiated for `f32` (8 lanes)
//! and `f64` (4 lanes).

use super::{Nearest, Packed};
use crate::float::Float;
use std::any::TypeId;

/// Rows per tile.
const ROWS: usize = 6;

/// Nearest centers with AVX2 + FMA. The caller has checked the CPU features.
pub(super) fn nearest<T: Float>(x: &[T], packed: &Packed<T>, out: Nearest<'_, T>) {
    let f32_ok = TypeId::of::<T>() == TypeId::of::<f32>() && packed.norms.len() < (1 << 24);
    let f64_ok = TypeId::of::<T>() == TypeId::of::<f64>();
    if !(f32_ok || f64_ok) {
        // Index lanes are floats: beyond 2^24 centers f32 cannot hold them exactly.
        // SAFETY: the caller checked AVX2 and FMA.
        return unsafe { super::portable_fma(x, packed, out) };
    }
    let n = out.labels.len();
    // SAFETY (casts): `T` is exactly `f32` (resp. `f64`), checked through `TypeId` above,
    // so the slices and the packed centers have that element type.
    // SAFETY (calls): the caller checked AVX2 and FMA; shapes are checked by `run`.
    unsafe {
        if f32_ok {
            let x = std::slice::from_raw_parts(x.as_ptr() as *const f32, x.len());
            let p = &*(packed as *const Packed<T> as *const Packed<f32>);
            let best = std::slice::from_raw_parts_mut(out.best.as_mut_ptr() as *mut f32, n);
            let second = out
                .second
                .map(|s| std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut f32, n));
            f32x8::run(x, p, out.labels, best, second);
        } else {
            let x = std::slice::from_raw_parts(x.as_ptr() as *const f64, x.len());
            let p = &*(packed as *const Packed<T> as *const Packed<f64>);
            let best = std::slice::from_raw_parts_mut(out.best.as_mut_ptr() as *mut f64, n);
            let second = out
                .second
                .map(|s| std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut f64, n));
            f64x4::run(x, p, out.labels, best, second);
        }
    }
}

/// The kernel body, instantiated per element type inside a module that defines `T`, `V`,
/// `LANES` and the vector operations.
macro_rules! kernel_body {
    () => {
        use super::super::Packed;
        use super::ROWS;

        /// Nearest centers of all rows, tile by tile.
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub(super) unsafe fn run(
            x: &[T],
            p: &Packed<T>,
            labels: &mut [u32],
            best: &mut [T],
            second: Option<&mut [T]>,
        ) {
            let n = labels.len();
            let d = p.d;
            assert_eq!(p.w, 2 * LANES);
            assert_eq!(x.len(), n * d);
            assert_eq!(best.len(), n);
            assert!(p.data.len() == p.norms.len() * d);
            let mut second = second;
            if let Some(s) = second.as_deref() {
                assert_eq!(s.len(), n);
            }
            let mut i = 0;
            while i < n {
                let r = (n - i).min(ROWS);
                let xs = x.as_ptr().add(i * d);
                let lab = &mut labels[i..i + r];
                let bst = &mut best[i..i + r];
                let sec = second.as_deref_mut().map(|s| &mut s[i..i + r]);
                match (r, sec) {
                    (6, None) => tile::<6, false>(xs, p, lab, bst, &mut []),
                    (6, Some(s)) => tile::<6, true>(xs, p, lab, bst, s),
                    (5, None) => tile::<5, false>(xs, p, lab, bst, &mut []),
                    (5, Some(s)) => tile::<5, true>(xs, p, lab, bst, s),
                    (4, None) => tile::<4, false>(xs, p, lab, bst, &mut []),
                    (4, Some(s)) => tile::<4, true>(xs, p, lab, bst, s),
                    (3, None) => tile::<3, false>(xs, p, lab, bst, &mut []),
                    (3, Some(s)) => tile::<3, true>(xs, p, lab, bst, s),
                    (2, None) => tile::<2, false>(xs, p, lab, bst, &mut []),
                    (2, Some(s)) => tile::<2, true>(xs, p, lab, bst, s),
                    (_, None) => tile::<1, false>(xs, p, lab, bst, &mut []),
                    (_, Some(s)) => tile::<1, true>(xs, p, lab, bst, s),
                }
                i += r;
            }
        }

        /// One tile of `R` rows starting at `xs` against every panel.
        ///
        /// # Safety
        /// AVX2 + FMA; `xs` points to `R × p.d` readable values; `lab`, `bst` have `R`
        /// entries and `sec` too when `S`.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn tile<const R: usize, const S: bool>(
            xs: *const T,
            p: &Packed<T>,
            lab: &mut [u32],
            bst: &mut [T],
            sec: &mut [T],
        ) {
            let d = p.d;
            const W: usize = 2 * LANES;
            let inf = set1(T::INFINITY);
            let m2 = set1(-2.0);
            let mut minv = [[inf; 2]; R];
            let mut min2 = [[inf; 2]; R];
            let mut idxv = [[set1(0.0); 2]; R];
            let lane0 = lane_index(0);
            let lane1 = lane_index(LANES);
            let panels = p.norms.len() / W;
            for q in 0..panels {
                let pp = p.data.as_ptr().add(q * d * W);
                let mut acc = [[set1(0.0); 2]; R];
                for l in 0..d {
                    let b0 = load(pp.add(l * W));
                    let b1 = load(pp.add(l * W + LANES));
                    for r in 0..R {
                        let xb = bcast(xs.add(r * d + l));
                        acc[r][0] = fmadd(xb, b0, acc[r][0]);
                        acc[r][1] = fmadd(xb, b1, acc[r][1]);
                    }
                }
                let nrm = [
                    load(p.norms.as_ptr().add(q * W)),
                    load(p.norms.as_ptr().add(q * W + LANES)),
                ];
                let base = set1((q * W) as T);
                let idx = [add(lane0, base), add(lane1, base)];
                for r in 0..R {
                    for h in 0..2 {
                        let dist = fmadd(acc[r][h], m2, nrm[h]);
                        if S {
                            min2[r][h] = min(min2[r][h], max(minv[r][h], dist));
                        }
                        let lt = cmplt(dist, minv[r][h]);
                        minv[r][h] = min(dist, minv[r][h]);
                        idxv[r][h] = blendv(idxv[r][h], idx[h], lt);
                    }
                }
            }
            // Across lanes: the smallest value, then the lowest index holding it.
            let big = set1(T::INFINITY);
            for r in 0..R {
                let mall = hmin(min(minv[r][0], minv[r][1]));
                let c0 = blendv(big, idxv[r][0], cmpeq(minv[r][0], mall));
                let c1 = blendv(big, idxv[r][1], cmpeq(minv[r][1], mall));
                let iall = hmin(min(c0, c1));
                lab[r] = first(iall) as u32;
                bst[r] = first(mall);
                if S {
                    // Second smallest: the winner lane's runner-up or another lane's minimum.
                    let s0 = blendv(minv[r][0], min2[r][0], cmpeq(idxv[r][0], iall));
                    let s1 = blendv(minv[r][1], min2[r][1], cmpeq(idxv[r][1], iall));
                    sec[r] = first(hmin(min(s0, s1)));
                }
            }
        }
    };
}

mod f32x8 {
    use std::arch::x86_64::*;
    type T = f32;
    type V = __m256;
    const LANES: usize = 8;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn set1(v: T) -> V {
        _mm256_set1_ps(v)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn load(p: *const T) -> V {
        _mm256_loadu_ps(p)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn bcast(p: *const T) -> V {
        _mm256_broadcast_ss(&*p)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn fmadd(a: V, b: V, c: V) -> V {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn add(a: V, b: V) -> V {
        _mm256_add_ps(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn min(a: V, b: V) -> V {
        _mm256_min_ps(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn max(a: V, b: V) -> V {
        _mm256_max_ps(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn cmplt(a: V, b: V) -> V {
        _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn blendv(a: V, b: V, m: V) -> V {
        _mm256_blendv_ps(a, b, m)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn lane_index(first: usize) -> V {
        let f = first as T;
        _mm256_setr_ps(
            f,
            f + 1.0,
            f + 2.0,
            f + 3.0,
            f + 4.0,
            f + 5.0,
            f + 6.0,
            f + 7.0,
        )
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn cmpeq(a: V, b: V) -> V {
        _mm256_cmp_ps::<_CMP_EQ_OQ>(a, b)
    }
    /// Every lane = the minimum over lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hmin(v: V) -> V {
        let v = _mm256_min_ps(v, _mm256_permute2f128_ps::<1>(v, v));
        let v = _mm256_min_ps(v, _mm256_permute_ps::<0b0100_1110>(v));
        _mm256_min_ps(v, _mm256_permute_ps::<0b1011_0001>(v))
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn first(v: V) -> T {
        _mm256_cvtss_f32(v)
    }

    kernel_body!();
}

mod f64x4 {
    use std::arch::x86_64::*;
    type T = f64;
    type V = __m256d;
    const LANES: usize = 4;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn set1(v: T) -> V {
        _mm256_set1_pd(v)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn load(p: *const T) -> V {
        _mm256_loadu_pd(p)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn bcast(p: *const T) -> V {
        _mm256_broadcast_sd(&*p)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn fmadd(a: V, b: V, c: V) -> V {
        _mm256_fmadd_pd(a, b, c)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn add(a: V, b: V) -> V {
        _mm256_add_pd(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn min(a: V, b: V) -> V {
        _mm256_min_pd(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn max(a: V, b: V) -> V {
        _mm256_max_pd(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn cmplt(a: V, b: V) -> V {
        _mm256_cmp_pd::<_CMP_LT_OQ>(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn blendv(a: V, b: V, m: V) -> V {
        _mm256_blendv_pd(a, b, m)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn lane_index(first: usize) -> V {
        let f = first as T;
        _mm256_setr_pd(f, f + 1.0, f + 2.0, f + 3.0)
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn cmpeq(a: V, b: V) -> V {
        _mm256_cmp_pd::<_CMP_EQ_OQ>(a, b)
    }
    /// Every lane = the minimum over lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hmin(v: V) -> V {
        let v = _mm256_min_pd(v, _mm256_permute2f128_pd::<1>(v, v));
        _mm256_min_pd(v, _mm256_permute_pd::<0b0101>(v))
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn first(v: V) -> T {
        _mm256_cvtsd_f64(v)
    }

    kernel_body!();
}
