//! The swap-evaluation kernel shared by FastPAM1, FasterPAM and FastCLARANS.
//!
//! For a candidate `x_c` with distances `r[o] = d(x_c, o)`, and per object `o` its
//! nearest medoid slot `near[o]` at distance `dn[o]` and second-nearest distance
//! `ds[o]`, the loss change of swapping slot `i` for `x_c` is (Schubert & Rousseeuw,
//! Information Systems 2021, arXiv:2008.05171, FastPAM1/FasterPAM)
//!
//! ```text
//! ΔTD_i = removal_i + acc + Σ_{o: near(o)=i} corr(o)
//! acc     = Σ_o min(r[o] − dn[o], 0)
//! corr(o) = dn[o] − ds[o]   if r[o] < dn[o]
//!           r[o]  − ds[o]   if dn[o] ≤ r[o] < ds[o]
//!           0               otherwise
//! ```
//!
//! where `removal_i = Σ_{near(o)=i} (ds[o] − dn[o])`. Only objects with
//! `r[o] < ds[o]` contribute, which is what makes the kernel cheap: a vector compare
//! skips whole blocks.
//!
//! Summation order is fixed so that every code path returns bitwise-identical
//! results: `acc` is kept in 8 `f64` lanes (lane = `o mod 8`) reduced pairwise at the
//! end, and the `corr` terms are added to `delta` in object order. Differences are
//! formed in `T` and widened to `f64`.

use crate::float::Float;
use crate::simd::{Kernel, Level, Simd};

const LANES: usize = 8;

/// Adds the `corr` terms to `delta` (which the caller initialised with the removal
/// losses) and returns `acc`. All slices have the same length `n`.
pub(crate) fn scan<T: Float>(r: &[T], dn: &[T], ds: &[T], near: &[u32], delta: &mut [f64]) -> f64 {
    scan_at(crate::simd::level(), r, dn, ds, near, delta)
}

/// [`scan`] at `level` or lower (at most AVX2, the level of the hand-written kernel):
/// the same results at every level.
pub(crate) fn scan_at<T: Float>(
    level: Level,
    r: &[T],
    dn: &[T],
    ds: &[T],
    near: &[u32],
    delta: &mut [f64],
) -> f64 {
    let n = r.len();
    assert!(dn.len() == n && ds.len() == n && near.len() == n);
    crate::simd::dispatch_at(
        level.min(Level::Avx2),
        Scan {
            r,
            dn,
            ds,
            near,
            delta,
        },
    )
}

/// The kernel of [`scan`].
struct Scan<'a, 'o, T> {
    r: &'a [T],
    dn: &'a [T],
    ds: &'a [T],
    near: &'a [u32],
    delta: &'o mut [f64],
}

impl<T: Float> Kernel for Scan<'_, '_, T> {
    type Output = f64;
    #[inline(always)]
    fn run(self, simd: Simd) -> f64 {
        let Scan {
            r,
            dn,
            ds,
            near,
            delta,
        } = self;
        let mut acc = [0.0f64; LANES];
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if simd.has_avx2() {
            if let (Some(r), Some(dn), Some(ds)) =
                (T::as_f32_slice(r), T::as_f32_slice(dn), T::as_f32_slice(ds))
            {
                // SAFETY: `simd` proves AVX2; the slices have one length (checked by
                // `scan_at`) and every `near[o]` indexes `delta` (the caller's contract).
                done = unsafe { avx2::scan_f32(r, dn, ds, near, delta, &mut acc) };
            } else if let (Some(r), Some(dn), Some(ds)) =
                (T::as_f64_slice(r), T::as_f64_slice(dn), T::as_f64_slice(ds))
            {
                // SAFETY: as above.
                done = unsafe { avx2::scan_f64(r, dn, ds, near, delta, &mut acc) };
            }
        }
        let _ = simd;
        scan_scalar(r, dn, ds, near, delta, &mut acc, done);
        reduce(&acc)
    }
}

#[inline]
fn reduce(a: &[f64; LANES]) -> f64 {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// The portable kernel from object `start` on (`start` a multiple of [`LANES`]).
#[inline]
fn scan_scalar<T: Float>(
    r: &[T],
    dn: &[T],
    ds: &[T],
    near: &[u32],
    delta: &mut [f64],
    acc: &mut [f64; LANES],
    start: usize,
) {
    for o in start..r.len() {
        let (doj, s) = (r[o], ds[o]);
        if doj < s {
            let dno = dn[o];
            if doj < dno {
                acc[o % LANES] += (doj - dno).as_f64();
            }
            // max(r, dn) − ds: dn − ds when r < dn, r − ds otherwise
            let m = if doj < dno { dno } else { doj };
            delta[near[o] as usize] += (m - s).as_f64();
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::LANES;
    use crate::float::Float;
    use std::arch::x86_64::*;

    /// Adds `corr[l]` to `delta[near[l]]` for every lane `l` set in `bits` (lane order,
    /// as the portable kernel), shared by both element types.
    ///
    /// # Safety
    /// `near` has `LANES` entries and each indexes `delta` (the kernels' contract).
    #[inline(always)]
    unsafe fn scatter<T: Float>(mut bits: u32, near: &[u32], corr: &[T; LANES], delta: &mut [f64]) {
        while bits != 0 {
            let l = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let slot = *near.get_unchecked(l) as usize;
            *delta.get_unchecked_mut(slot) += corr.get_unchecked(l).as_f64();
        }
    }

    /// AVX2 kernel over whole blocks of 8 objects; returns the number of objects done.
    ///
    /// # Safety
    /// The CPU must support AVX2; `dn`, `ds`, `near` must be at least as long as `r`,
    /// and every `near[o]` must index `delta` (the caller's contract).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn scan_f32(
        r: &[f32],
        dn: &[f32],
        ds: &[f32],
        near: &[u32],
        delta: &mut [f64],
        acc: &mut [f64; LANES],
    ) -> usize {
        let blocks = r.len() / LANES;
        let (pr, pn, ps) = (r.as_ptr(), dn.as_ptr(), ds.as_ptr());
        let mut lo = _mm256_loadu_pd(acc.as_ptr());
        let mut hi = _mm256_loadu_pd(acc.as_ptr().add(4));
        for b in 0..blocks {
            let o = b * LANES;
            let vr = _mm256_loadu_ps(pr.add(o));
            let vs = _mm256_loadu_ps(ps.add(o));
            let ms = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(vr, vs));
            if ms == 0 {
                continue;
            }
            let vn = _mm256_loadu_ps(pn.add(o));
            let cn = _mm256_cmp_ps::<_CMP_LT_OQ>(vr, vn);
            // r − dn where r < dn, +0.0 elsewhere (adding +0.0 leaves a lane unchanged)
            let diff = _mm256_and_ps(_mm256_sub_ps(vr, vn), cn);
            lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(diff)));
            hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(diff)));
            // corr = max(r, dn) − ds for the lanes with r < ds (see module docs)
            let mut corr = [0.0f32; LANES];
            _mm256_storeu_ps(corr.as_mut_ptr(), _mm256_sub_ps(_mm256_max_ps(vr, vn), vs));
            scatter(ms as u32, &near[o..o + LANES], &corr, delta);
        }
        _mm256_storeu_pd(acc.as_mut_ptr(), lo);
        _mm256_storeu_pd(acc.as_mut_ptr().add(4), hi);
        blocks * LANES
    }

    /// The `f64` kernel: two 4-wide halves per block of 8 objects (same lanes as the
    /// `f32` kernel and the portable code); returns the number of objects done.
    ///
    /// # Safety
    /// As [`scan_f32`].
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn scan_f64(
        r: &[f64],
        dn: &[f64],
        ds: &[f64],
        near: &[u32],
        delta: &mut [f64],
        acc: &mut [f64; LANES],
    ) -> usize {
        let blocks = r.len() / LANES;
        let (pr, pn, ps) = (r.as_ptr(), dn.as_ptr(), ds.as_ptr());
        let mut lo = _mm256_loadu_pd(acc.as_ptr());
        let mut hi = _mm256_loadu_pd(acc.as_ptr().add(4));
        for b in 0..blocks {
            let o = b * LANES;
            let (r0, r1) = (_mm256_loadu_pd(pr.add(o)), _mm256_loadu_pd(pr.add(o + 4)));
            let (s0, s1) = (_mm256_loadu_pd(ps.add(o)), _mm256_loadu_pd(ps.add(o + 4)));
            let ms = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(r0, s0))
                | (_mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(r1, s1)) << 4);
            if ms == 0 {
                continue;
            }
            let (n0, n1) = (_mm256_loadu_pd(pn.add(o)), _mm256_loadu_pd(pn.add(o + 4)));
            let c0 = _mm256_cmp_pd::<_CMP_LT_OQ>(r0, n0);
            let c1 = _mm256_cmp_pd::<_CMP_LT_OQ>(r1, n1);
            lo = _mm256_add_pd(lo, _mm256_and_pd(_mm256_sub_pd(r0, n0), c0));
            hi = _mm256_add_pd(hi, _mm256_and_pd(_mm256_sub_pd(r1, n1), c1));
            let mut corr = [0.0f64; LANES];
            _mm256_storeu_pd(corr.as_mut_ptr(), _mm256_sub_pd(_mm256_max_pd(r0, n0), s0));
            _mm256_storeu_pd(
                corr.as_mut_ptr().add(4),
                _mm256_sub_pd(_mm256_max_pd(r1, n1), s1),
            );
            scatter(ms as u32, &near[o..o + LANES], &corr, delta);
        }
        _mm256_storeu_pd(acc.as_mut_ptr(), lo);
        _mm256_storeu_pd(acc.as_mut_ptr().add(4), hi);
        blocks * LANES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The SIMD paths (f32, f64) must equal the portable path bit for bit.
    fn simd_equals_scalar_for<T: Float>() {
        let mut rng = Rng::new(7);
        let n = 1003;
        let k = 5;
        let mut f = || T::of_f64(rng.next_f64());
        let r: Vec<T> = (0..n).map(|_| f()).collect();
        let dn: Vec<T> = (0..n).map(|_| f() * T::of_f64(0.5)).collect();
        let ds: Vec<T> = dn.iter().map(|&v| v + f() * T::of_f64(0.5)).collect();
        let near: Vec<u32> = (0..n).map(|i| ((i * 7919) % k) as u32).collect();
        let mut d1 = vec![1.0f64; k];
        let a1 = scan(&r, &dn, &ds, &near, &mut d1);
        let mut d2 = vec![1.0f64; k];
        let mut acc = [0.0; LANES];
        scan_scalar(&r, &dn, &ds, &near, &mut d2, &mut acc, 0);
        let a2 = reduce(&acc);
        assert_eq!(a1.to_bits(), a2.to_bits());
        for s in 0..k {
            assert_eq!(d1[s].to_bits(), d2[s].to_bits());
        }
        for level in crate::simd::supported_levels() {
            let mut dl = vec![1.0f64; k];
            let al = scan_at(level, &r, &dn, &ds, &near, &mut dl);
            assert_eq!(al.to_bits(), a2.to_bits());
            assert!(dl.iter().zip(&d2).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        // and against a direct f64 evaluation of the formula (tolerance: f32 inputs)
        let mut d3 = vec![1.0f64; k];
        let mut a3 = 0.0;
        for o in 0..n {
            let (x, a, b) = (r[o].as_f64(), dn[o].as_f64(), ds[o].as_f64());
            a3 += (x - a).min(0.0);
            d3[near[o] as usize] += x.max(a).min(b) - b;
        }
        assert!((a1 - a3).abs() < 1e-6 * n as f64);
        for s in 0..k {
            assert!((d1[s] - d3[s]).abs() < 1e-6 * n as f64);
        }
    }

    #[test]
    fn simd_equals_scalar() {
        simd_equals_scalar_for::<f32>();
        simd_equals_scalar_for::<f64>();
    }
}
