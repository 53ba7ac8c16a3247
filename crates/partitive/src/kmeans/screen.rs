//! The first screening pass of Hamerly's step ([`super::pruned`]): which rows the stored
//! bounds alone prove, four rows per AVX2 instruction.
//!
//! For a row assigned to `a` with stored bounds `[U, L]` (`f32`, relative to the drift),
//! `u = U + drift[a]`, `lo = max(L − dmax, s[a] − u)` and the row is proven when
//! `lo > u` and `lo·lo − u·u > 2e` — all in `f64`, with the same operations in the same
//! order in the portable and the AVX2 code (no fused multiply-add), so both prove exactly
//! the same rows. Unknown bounds `[∞, −∞]` and unassigned rows (`u32::MAX`) are never
//! proven (`s[a] − ∞` is `−∞`, or NaN when `s[a] = ∞`, which the `max` drops like
//! `f64::max` does).

use super::pruned::{proven, Bound};

/// What the test of one row needs besides its label and bounds.
pub(crate) struct Screen<'a> {
    /// Cumulative move of each center.
    pub(crate) drift: &'a [f64],
    /// Sum of the largest moves.
    pub(crate) dmax: f64,
    /// Distance from each center to its nearest other center.
    pub(crate) s: &'a [f64],
    /// The kernel's error bound `E`.
    pub(crate) e: f64,
}

impl Screen<'_> {
    /// Writes the local indices of the rows the bounds do not prove to the front of
    /// `out` (in order) and returns their number. `out.len() >= lab.len()`.
    pub(crate) fn unproven(&self, lab: &[u32], bnd: &[Bound], out: &mut [u32]) -> usize {
        assert!(bnd.len() == lab.len() && out.len() >= lab.len());
        assert!(lab
            .iter()
            .all(|&a| a == u32::MAX || (a as usize) < self.s.len()));
        assert_eq!(self.drift.len(), self.s.len());
        #[cfg(target_arch = "x86_64")]
        if super::kernel::best_level() != super::kernel::Level::Portable {
            // SAFETY: every non-portable level implies AVX2 and FMA (see `best_level`);
            // labels are checked in range above.
            return unsafe { self.unproven_avx2(lab, bnd, out) };
        }
        self.unproven_portable(lab, bnd, out, 0, 0)
    }

    /// The scalar test of rows `from..` (appending after `m` entries of `out`).
    fn unproven_portable(
        &self,
        lab: &[u32],
        bnd: &[Bound],
        out: &mut [u32],
        from: usize,
        mut m: usize,
    ) -> usize {
        for li in from..lab.len() {
            let a = lab[li];
            let ok = a != u32::MAX && {
                let [u, l] = bnd[li];
                let u = u as f64 + self.drift[a as usize];
                let l = l as f64 - self.dmax;
                proven(u, l.max(self.s[a as usize] - u), self.e)
            };
            out[m] = li as u32;
            m += !ok as usize;
        }
        m
    }

    /// [`Self::unproven_portable`], four rows at a time.
    ///
    /// # Safety
    /// AVX2 and FMA; every label is `u32::MAX` or a valid index of `drift` and `s`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn unproven_avx2(&self, lab: &[u32], bnd: &[Bound], out: &mut [u32]) -> usize {
        use std::arch::x86_64::*;
        let n = lab.len();
        let none = _mm_set1_epi32(-1); // u32::MAX
        let dmax = _mm256_set1_pd(self.dmax);
        let e2 = _mm256_set1_pd(2.0 * self.e);
        // Even lanes (the upper bounds) to the low half, odd lanes to the high half.
        let split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
        let (dp, sp) = (self.drift.as_ptr(), self.s.as_ptr());
        let mut m = 0;
        let mut i = 0;
        while i + 4 <= n {
            let a = _mm_loadu_si128(lab.as_ptr().add(i) as *const __m128i);
            let unset = _mm_cmpeq_epi32(a, none);
            let a0 = _mm_andnot_si128(unset, a); // gather center 0 for unassigned rows
            let dc = _mm256_i32gather_pd::<8>(dp, a0);
            let s = _mm256_i32gather_pd::<8>(sp, a0);
            let b =
                _mm256_permutevar8x32_ps(_mm256_loadu_ps(bnd.as_ptr().add(i) as *const f32), split);
            let u = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(b)), dc);
            let l = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps::<1>(b)), dmax);
            // `maxpd` returns its second operand when the first is NaN: `l`, like f64::max.
            let lo = _mm256_max_pd(_mm256_sub_pd(s, u), l);
            let gap = _mm256_sub_pd(_mm256_mul_pd(lo, lo), _mm256_mul_pd(u, u));
            let ok = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(lo, u),
                _mm256_cmp_pd::<_CMP_GT_OQ>(gap, e2),
            );
            let ok = _mm256_movemask_pd(ok) & !_mm_movemask_ps(_mm_castsi128_ps(unset));
            for t in 0..4 {
                *out.get_unchecked_mut(m) = (i + t) as u32;
                m += ((ok >> t) & 1 == 0) as usize;
            }
            i += 4;
        }
        self.unproven_portable(lab, bnd, out, i, m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The AVX2 and portable passes select the same rows, including unknown bounds,
    /// unassigned rows, ties at the threshold and an isolated center (`s = ∞`).
    #[test]
    fn simd_and_portable_agree() {
        let mut rng = Rng::new(5);
        let k = 7;
        let drift: Vec<f64> = (0..k).map(|_| rng.next_f64() * 0.5).collect();
        let mut s: Vec<f64> = (0..k).map(|_| 0.5 + rng.next_f64() * 3.0).collect();
        s[3] = f64::INFINITY;
        let n = 1003;
        let lab: Vec<u32> = (0..n)
            .map(|i| {
                if i % 97 == 5 {
                    u32::MAX
                } else {
                    rng.below(k) as u32
                }
            })
            .collect();
        let bnd: Vec<Bound> = (0..n)
            .map(|i| match i % 50 {
                7 => super::super::pruned::UNKNOWN,
                8 => [1.0, 1.0],
                _ => [(rng.next_f64() * 2.0) as f32, (rng.next_f64() * 4.0) as f32],
            })
            .collect();
        let sc = Screen {
            drift: &drift,
            dmax: 0.3,
            s: &s,
            e: 1e-3,
        };
        let mut a = vec![0u32; n];
        let mut b = vec![0u32; n];
        let ma = sc.unproven(&lab, &bnd, &mut a);
        let mb = sc.unproven_portable(&lab, &bnd, &mut b, 0, 0);
        assert_eq!(a[..ma], b[..mb]);
        assert!(
            ma > 50 && ma < n - 50,
            "a mix of proven and unproven rows: {ma}"
        );
        assert!(lab
            .iter()
            .enumerate()
            .all(|(i, &l)| l != u32::MAX || a[..ma].contains(&(i as u32))));
    }
}
