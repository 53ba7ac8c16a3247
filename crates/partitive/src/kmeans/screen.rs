//! The first screening pass of Hamerly's step ([`super::pruned`]): which rows the stored
//! bounds alone prove, four rows per AVX2 instruction.
//!
//! For a row assigned to `a` with stored bounds `[U, L]` (`f32`; `U` relative to the
//! drift, `L` as of the previous step), `u = U + drift[a]`, the lower bound drops to
//! `l = min(L − near[a], far[a])` (stored back, rounded down) and the row is proven when
//! `lo = max(l, s[a] − u)` has `lo > u` and `lo·lo − u·u > 2e` — all in `f64`, with the
//! same operations in the same order in the portable and the AVX2 code (no fused
//! multiply-add), so both store the same bounds and prove exactly the same rows. Unknown
//! bounds `[∞, −∞]` and unassigned rows (`u32::MAX`, left as they are) are never proven
//! (`s[a] − ∞` is `−∞`, or NaN when `s[a] = ∞`, which the `max` drops like `f64::max`
//! does).

use super::bounds::{down, proven, Bound};
use crate::simd::{dispatch_upto, Kernel, Level, Simd};

/// What the test of one row needs besides its label and bounds.
pub(crate) struct Screen<'a> {
    /// Per cluster `a`, `[drift[a], s[a], near[a], far[a]]` ([`Screen::table`]).
    pub(crate) clusters: &'a [[f64; 4]],
    /// The kernel's error bound `E`.
    pub(crate) e: f64,
}

/// Slots of a cluster's entry in [`Screen::clusters`].
const DRIFT: usize = 0;
const S: usize = 1;
const NEAR: usize = 2;
const FAR: usize = 3;

impl Screen<'_> {
    /// The per-cluster table from the cumulative move of each center (`drift`), the
    /// distance from each center to its nearest other one (`s`) and each cluster's drop
    /// of the lower bounds (`L − near[a]`, at most `far[a]`). One entry per cluster, so
    /// that the AVX2 test loads it whole (no gathers).
    pub(crate) fn table(drift: &[f64], s: &[f64], near: &[f64], far: &[f64]) -> Vec<[f64; 4]> {
        (0..s.len())
            .map(|a| {
                let mut t = [0.0; 4];
                (t[DRIFT], t[S], t[NEAR], t[FAR]) = (drift[a], s[a], near[a], far[a]);
                t
            })
            .collect()
    }

    /// Lowers the lower bounds of the assigned rows, writes the local indices of the rows
    /// the bounds do not prove to the front of `out` (in order) and returns their number.
    /// `out.len() >= lab.len()`.
    pub(crate) fn unproven(&self, lab: &[u32], bnd: &mut [Bound], out: &mut [u32]) -> usize {
        assert!(bnd.len() == lab.len() && out.len() >= lab.len());
        assert!(!self.clusters.is_empty());
        // At most AVX2 + FMA: the level of the hand-written pass.
        dispatch_upto(
            Level::Avx2,
            Unproven {
                screen: self,
                lab,
                bnd,
                out,
            },
        )
    }

    /// The scalar test of rows `from..` (appending after `m` entries of `out`).
    fn unproven_portable(
        &self,
        lab: &[u32],
        bnd: &mut [Bound],
        out: &mut [u32],
        from: usize,
        mut m: usize,
    ) -> usize {
        for li in from..lab.len() {
            let a = lab[li];
            let ok = a != u32::MAX && {
                let c = &self.clusters[a as usize];
                let [u, l] = bnd[li];
                let u = u as f64 + c[DRIFT];
                let l = l as f64 - c[NEAR];
                let l = if l < c[FAR] { l } else { c[FAR] };
                bnd[li][1] = down(l);
                proven(u, l.max(c[S] - u), self.e)
            };
            out[m] = li as u32;
            m += !ok as usize;
        }
        m
    }

    /// [`Self::unproven_portable`], four rows at a time: each row's cluster entry is one
    /// load, the four are transposed into lanes, and the unproven rows' indices are written
    /// with one store through a table of the 16 outcomes.
    ///
    /// # Safety
    /// AVX2 and FMA; `clusters` not empty. (Labels are `u32::MAX` or valid indices of
    /// `clusters`; an invalid one reads entry 0 instead, as the portable pass would panic.)
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn unproven_avx2(&self, lab: &[u32], bnd: &mut [Bound], out: &mut [u32]) -> usize {
        use std::arch::x86_64::*;
        let n = lab.len();
        let none = _mm_set1_epi32(-1); // u32::MAX
        let e2 = _mm256_set1_pd(2.0 * self.e);
        let margin = _mm256_set1_pd(1.0 / 1048576.0); // `down`'s
        let sign = _mm256_set1_pd(-0.0);
        // Even lanes (the upper bounds) to the low half, odd lanes to the high half, and
        // back.
        let split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
        let merge = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        // The unproven lanes of each outcome (bit t set: row t proven), packed to the front.
        const fn unproven_lanes() -> [[u32; 4]; 16] {
            let mut t = [[0u32; 4]; 16];
            let mut mask = 0;
            while mask < 16 {
                let (mut lane, mut f) = (0, 0);
                while lane < 4 {
                    if mask >> lane & 1 == 0 {
                        t[mask][f] = lane as u32;
                        f += 1;
                    }
                    lane += 1;
                }
                mask += 1;
            }
            t
        }
        const LANES: [[u32; 4]; 16] = unproven_lanes();
        let cp = self.clusters.as_ptr() as *const f64;
        // Cluster 0 stands in for unassigned rows (their outcome is masked below), and
        // keeps an invalid label from reading outside the table.
        let k = self.clusters.len();
        let entry = |a: u32| cp.add(if (a as usize) < k { a as usize * 4 } else { 0 });
        let mut m = 0;
        let mut i = 0;
        while i + 4 <= n {
            let a = _mm_loadu_si128(lab.as_ptr().add(i) as *const __m128i);
            let unset = _mm_cmpeq_epi32(a, none);
            let r0 = _mm256_loadu_pd(entry(*lab.get_unchecked(i)));
            let r1 = _mm256_loadu_pd(entry(*lab.get_unchecked(i + 1)));
            let r2 = _mm256_loadu_pd(entry(*lab.get_unchecked(i + 2)));
            let r3 = _mm256_loadu_pd(entry(*lab.get_unchecked(i + 3)));
            // 4 × 4 transpose: [drift, s, near, far] per row → one vector per slot.
            let (t0, t1) = (_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1));
            let (t2, t3) = (_mm256_unpacklo_pd(r2, r3), _mm256_unpackhi_pd(r2, r3));
            let dc = _mm256_permute2f128_pd::<0x20>(t0, t2);
            let near = _mm256_permute2f128_pd::<0x31>(t0, t2);
            let s = _mm256_permute2f128_pd::<0x20>(t1, t3);
            let far = _mm256_permute2f128_pd::<0x31>(t1, t3);
            let raw = bnd.as_mut_ptr().add(i) as *mut f32;
            let b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(raw), split);
            let (bu, bl) = (_mm256_castps256_ps128(b), _mm256_extractf128_ps::<1>(b));
            let u = _mm256_add_pd(_mm256_cvtps_pd(bu), dc);
            let l = _mm256_sub_pd(_mm256_cvtps_pd(bl), near);
            // `minpd`: `l < far ? l : far`, as in the portable test.
            let l = _mm256_min_pd(l, far);
            // down(l) = l − |l|·2^−20, to f32; unassigned rows keep theirs.
            let abs = _mm256_andnot_pd(sign, l);
            let lf = _mm256_cvtpd_ps(_mm256_sub_pd(l, _mm256_mul_pd(abs, margin)));
            let lf = _mm_blendv_ps(lf, bl, _mm_castsi128_ps(unset));
            let packed = _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(bu), lf);
            _mm256_storeu_ps(raw, _mm256_permutevar8x32_ps(packed, merge));
            // `maxpd` returns its second operand when the first is NaN: `l`, like f64::max.
            let lo = _mm256_max_pd(_mm256_sub_pd(s, u), l);
            let gap = _mm256_sub_pd(_mm256_mul_pd(lo, lo), _mm256_mul_pd(u, u));
            let ok = _mm256_and_pd(
                _mm256_cmp_pd::<_CMP_GT_OQ>(lo, u),
                _mm256_cmp_pd::<_CMP_GT_OQ>(gap, e2),
            );
            let ok = _mm256_movemask_pd(ok) & !_mm_movemask_ps(_mm_castsi128_ps(unset));
            // `m ≤ i`, so the four slots at `m` are inside `out`.
            let lanes = _mm_loadu_si128(LANES[ok as usize].as_ptr() as *const __m128i);
            let idx = _mm_add_epi32(lanes, _mm_set1_epi32(i as i32));
            _mm_storeu_si128(out.as_mut_ptr().add(m) as *mut __m128i, idx);
            m += 4 - (ok as u32).count_ones() as usize;
            i += 4;
        }
        self.unproven_portable(lab, bnd, out, i, m)
    }
}

/// The kernel of [`Screen::unproven`].
struct Unproven<'a, 's, 'o> {
    screen: &'a Screen<'s>,
    lab: &'o [u32],
    bnd: &'o mut [Bound],
    out: &'o mut [u32],
}

impl Kernel for Unproven<'_, '_, '_> {
    type Output = usize;
    #[inline(always)]
    fn run(self, simd: Simd) -> usize {
        let Unproven {
            screen,
            lab,
            bnd,
            out,
        } = self;
        #[cfg(target_arch = "x86_64")]
        if simd.has_avx2() {
            // SAFETY: `simd` proves AVX2 and FMA; `clusters` is not empty (checked by
            // `unproven`), and the pass only reads table entries of labels in range.
            return unsafe { screen.unproven_avx2(lab, bnd, out) };
        }
        let _ = simd;
        screen.unproven_portable(lab, bnd, out, 0, 0)
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
                7 => super::super::bounds::UNKNOWN,
                8 => [1.0, 1.0],
                _ => [(rng.next_f64() * 2.0) as f32, (rng.next_f64() * 4.0) as f32],
            })
            .collect();
        let near: Vec<f64> = (0..k).map(|_| rng.next_f64() * 0.5).collect();
        let mut far: Vec<f64> = (0..k).map(|_| 1.0 + rng.next_f64() * 2.0).collect();
        far[2] = f64::INFINITY;
        let table = Screen::table(&drift, &s, &near, &far);
        let sc = Screen {
            clusters: &table,
            e: 1e-3,
        };
        let mut a = vec![0u32; n];
        let mut b = vec![0u32; n];
        let (mut bnd_a, mut bnd_b) = (bnd.clone(), bnd.clone());
        let ma = sc.unproven(&lab, &mut bnd_a, &mut a);
        let mb = sc.unproven_portable(&lab, &mut bnd_b, &mut b, 0, 0);
        assert_eq!(a[..ma], b[..mb]);
        // The same lowered bounds, bit for bit; unassigned rows untouched.
        let bits = |v: &[Bound]| v.iter().map(|b| b.map(f32::to_bits)).collect::<Vec<_>>();
        assert_eq!(bits(&bnd_a), bits(&bnd_b));
        for i in 0..n {
            if lab[i] == u32::MAX {
                assert_eq!(bnd_a[i][1].to_bits(), bnd[i][1].to_bits());
            } else {
                let a = lab[i] as usize;
                let l = (bnd[i][1] as f64 - near[a]).min(far[a]);
                assert!((bnd_a[i][1] as f64) <= l, "row {i}: rounded down");
            }
        }
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
