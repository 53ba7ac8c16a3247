//! The full-covariance M-step scatter of one block of rows, `S2_c += Σ_i r_ci x_i x_iᵀ`
//! for every component `c`: the lower triangle only (half a GEMM's multiply-adds), the
//! products `r_ci x_ia` formed in registers (no `k·d × b` product written to memory), in
//! square tiles of output elements whose accumulators stay in registers over the block's
//! rows.
//!
//! **Arithmetic contract** (every instruction set, so results do not depend on the CPU):
//! element `(a, j)`, `a ≥ j`, of component `c` is eight lane sums
//! `p_l = Σ_{i ≡ l (mod 8)} fma(r_ci · x_ia, x_ij, p_l)` (rows in order from `+0`; rows past
//! the block's end count as zeros), folded as `((p₀ + p₄) + (p₂ + p₆)) + ((p₁ + p₅) +
//! (p₃ + p₇))` and added to `S2_c[a, j]` and to `S2_c[j, a]` (which holds the same
//! value: the matrix stays exactly symmetric). AVX-512 holds eight rows in one register and
//! tiles of 4 × 4 elements (16 accumulators, folded together by a shuffle network); AVX2
//! holds eight rows in two registers and tiles of 2 × 2; the portable kernel loops lane
//! by lane.

use crate::simd::Level;

/// Rows per lane group of the contract.
const LANES: usize = 8;

/// `S2 (k·d × d) += Σ_i r_ci x_i x_iᵀ` per component at the crate's SIMD level: `dt` holds
/// the block transposed (`d × b`, at least), `rt` the responsibilities (`k × b`), `buf` is
/// scratch.
#[inline(always)]
pub(crate) fn scatter_full(
    dt: &[f64],
    rt: &[f64],
    b: usize,
    d: usize,
    k: usize,
    s2: &mut [f64],
    buf: &mut Vec<f64>,
) {
    scatter_full_at(crate::simd::level(), dt, rt, b, d, k, s2, buf)
}

/// [`scatter_full`] at `level` (tests compare levels; the CPU must support it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn scatter_full_at(
    level: Level,
    dt: &[f64],
    rt: &[f64],
    b: usize,
    d: usize,
    k: usize,
    s2: &mut [f64],
    buf: &mut Vec<f64>,
) {
    assert!(dt.len() >= d * b && rt.len() >= k * b && s2.len() >= k * d * d);
    if b == 0 || d == 0 {
        return;
    }
    // Rows padded to a multiple of the lane group with zeros (only a chunk's last block
    // needs the copy).
    let bp = b.div_ceil(LANES) * LANES;
    let (dt, rt) = if bp == b {
        (&dt[..d * b], &rt[..k * b])
    } else {
        buf.clear();
        buf.resize((d + k) * bp, 0.0);
        for (o, s) in buf.chunks_exact_mut(bp).zip(dt.chunks_exact(b).take(d)) {
            o[..b].copy_from_slice(s);
        }
        for (o, s) in buf[d * bp..]
            .chunks_exact_mut(bp)
            .zip(rt.chunks_exact(b).take(k))
        {
            o[..b].copy_from_slice(s);
        }
        let (x, r) = buf.split_at(d * bp);
        (x, r)
    };
    assert!(crate::simd::supported(level), "the CPU lacks {level:?}");
    match level {
        // SAFETY: the CPU supports the level (asserted just above).
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => unsafe { avx512::run(dt, rt, bp, d, k, s2) },
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { avx2::run(dt, rt, bp, d, k, s2) },
        _ => portable(dt, rt, bp, d, k, s2),
    }
}

/// The contract's fold of eight lane sums.
#[inline(always)]
fn fold(p: &[f64; LANES]) -> f64 {
    ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]))
}

/// Adds `v` to element `(a, j)`, `a ≥ j`, of `S2_c` (`s` its `d × d` block) and mirrors it.
#[inline(always)]
fn add_sym(s: &mut [f64], d: usize, a: usize, j: usize, v: f64) {
    s[a * d + j] += v;
    if a != j {
        s[j * d + a] += v;
    }
}

/// The contract, element by element (`b` a multiple of [`LANES`]).
fn portable(dt: &[f64], rt: &[f64], b: usize, d: usize, k: usize, s2: &mut [f64]) {
    for c in 0..k {
        let r = &rt[c * b..(c + 1) * b];
        let s = &mut s2[c * d * d..(c + 1) * d * d];
        for a in 0..d {
            let xa = &dt[a * b..(a + 1) * b];
            for j in 0..=a {
                let xj = &dt[j * b..(j + 1) * b];
                let mut p = [0.0f64; LANES];
                for i in (0..b).step_by(LANES) {
                    for l in 0..LANES {
                        p[l] = (r[i + l] * xa[i + l]).mul_add(xj[i + l], p[l]);
                    }
                }
                add_sym(s, d, a, j, fold(&p));
            }
        }
    }
}

/// The tile walk of the SIMD kernels: for every component `c`, every tile of `T` rows `a`
/// (from `a0`) and `T` columns `j ≤ a0` (from `j0`) of the lower triangle, `tile(r, xa,
/// xj, sums)` computes the contract's `T × T` values (row-major into `sums`) from the
/// rows of `r_c` and of the features `a0…` and `j0…` (a zero row past `d`); those with
/// `a < d` and `j ≤ a` are added to `S2_c`. `b` is a multiple of [`LANES`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn for_each_tile<const T: usize>(
    dt: &[f64],
    rt: &[f64],
    b: usize,
    d: usize,
    k: usize,
    s2: &mut [f64],
    mut tile: impl FnMut(*const f64, &[*const f64; T], &[*const f64; T], &mut [f64; 16]),
) {
    let zeros = vec![0.0f64; b];
    let row = |a: usize| {
        if a < d {
            dt[a * b..].as_ptr()
        } else {
            zeros.as_ptr()
        }
    };
    let mut sums = [0.0f64; 16];
    for c in 0..k {
        let rp = rt[c * b..].as_ptr();
        let s = &mut s2[c * d * d..(c + 1) * d * d];
        for a0 in (0..d).step_by(T) {
            let xa: [*const f64; T] = std::array::from_fn(|t| row(a0 + t));
            for j0 in (0..=a0).step_by(T) {
                let xj: [*const f64; T] = std::array::from_fn(|t| row(j0 + t));
                tile(rp, &xa, &xj, &mut sums);
                for ta in 0..T {
                    for tj in 0..T {
                        let (a, j) = (a0 + ta, j0 + tj);
                        if a < d && j <= a {
                            add_sym(s, d, a, j, sums[ta * T + tj]);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::for_each_tile;
    use std::arch::x86_64::*;

    /// Output elements per tile side.
    const T: usize = 4;

    /// The contract at AVX-512 (`b` a multiple of 8; eight rows in one register).
    ///
    /// # Safety
    /// The CPU must support AVX-512F; `dt` holds `d × b` values and `rt` `k × b`.
    #[target_feature(enable = "avx2,fma,avx512f")]
    pub(super) unsafe fn run(dt: &[f64], rt: &[f64], b: usize, d: usize, k: usize, s2: &mut [f64]) {
        for_each_tile::<T>(dt, rt, b, d, k, s2, |rp, xa, xj, sums| {
            let mut acc = [_mm512_setzero_pd(); T * T];
            for i in (0..b).step_by(8) {
                // SAFETY: rows `i..i + 8 ≤ b` of `r_c` and of the features (or the zero
                // row) are in bounds.
                unsafe {
                    let r = _mm512_loadu_pd(rp.add(i));
                    let mut ra = [_mm512_setzero_pd(); T];
                    let mut vj = [_mm512_setzero_pd(); T];
                    for t in 0..T {
                        ra[t] = _mm512_mul_pd(r, _mm512_loadu_pd(xa[t].add(i)));
                        vj[t] = _mm512_loadu_pd(xj[t].add(i));
                    }
                    for ta in 0..T {
                        for tj in 0..T {
                            acc[ta * T + tj] = _mm512_fmadd_pd(ra[ta], vj[tj], acc[ta * T + tj]);
                        }
                    }
                }
            }
            *sums = fold16(&acc);
        })
    }

    /// The contract's fold of each of 16 registers (lanes `p₀…p₇`), by a shuffle network
    /// whose additions are the fold's: 256-bit halves (`p_l + p_{l+4}`), then 128-bit
    /// lanes (`+ p_{l+2}` of those), then neighbours.
    #[inline]
    #[target_feature(enable = "avx2,fma,avx512f")]
    fn fold16(v: &[__m512d; 16]) -> [f64; 16] {
        // c[m]: halves' sums of v[2m] (low 256 bits) and v[2m+1] (high).
        let mut c = [_mm512_setzero_pd(); 8];
        for m in 0..8 {
            let (a, b) = (v[2 * m], v[2 * m + 1]);
            c[m] = _mm512_add_pd(
                _mm512_shuffle_f64x2::<0x44>(a, b),
                _mm512_shuffle_f64x2::<0xEE>(a, b),
            );
        }
        // e[m], 128-bit lane t: (q₀ + q₂, q₁ + q₃) of v[4m + t].
        let mut e = [_mm512_setzero_pd(); 4];
        for m in 0..4 {
            let (a, b) = (c[2 * m], c[2 * m + 1]);
            e[m] = _mm512_add_pd(
                _mm512_shuffle_f64x2::<0x88>(a, b),
                _mm512_shuffle_f64x2::<0xDD>(a, b),
            );
        }
        // g[m], lane 2t: v[8m + t]; lane 2t + 1: v[8m + 4 + t].
        let mut out = [0.0f64; 16];
        for m in 0..2 {
            let (a, b) = (e[2 * m], e[2 * m + 1]);
            let g = _mm512_add_pd(_mm512_unpacklo_pd(a, b), _mm512_unpackhi_pd(a, b));
            let mut lanes = [0.0f64; 8];
            // SAFETY: `lanes` holds 8 values.
            unsafe { _mm512_storeu_pd(lanes.as_mut_ptr(), g) };
            for t in 0..4 {
                out[8 * m + t] = lanes[2 * t];
                out[8 * m + 4 + t] = lanes[2 * t + 1];
            }
        }
        out
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::for_each_tile;
    use std::arch::x86_64::*;

    /// Output elements per tile side.
    const T: usize = 2;

    /// The contract at AVX2 (`b` a multiple of 8; eight rows in two registers).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA; `dt` holds `d × b` values and `rt` `k × b`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn run(dt: &[f64], rt: &[f64], b: usize, d: usize, k: usize, s2: &mut [f64]) {
        for_each_tile::<T>(dt, rt, b, d, k, s2, |rp, xa, xj, sums| {
            // (lanes 0–3, lanes 4–7) per element.
            let mut lo = [_mm256_setzero_pd(); T * T];
            let mut hi = [_mm256_setzero_pd(); T * T];
            for i in (0..b).step_by(8) {
                // SAFETY: rows `i..i + 8 ≤ b` of `r_c` and of the features (or the zero
                // row) are in bounds.
                unsafe {
                    let (r0, r1) = (_mm256_loadu_pd(rp.add(i)), _mm256_loadu_pd(rp.add(i + 4)));
                    for ta in 0..T {
                        let a0 = _mm256_mul_pd(r0, _mm256_loadu_pd(xa[ta].add(i)));
                        let a1 = _mm256_mul_pd(r1, _mm256_loadu_pd(xa[ta].add(i + 4)));
                        for tj in 0..T {
                            let e = ta * T + tj;
                            lo[e] = _mm256_fmadd_pd(a0, _mm256_loadu_pd(xj[tj].add(i)), lo[e]);
                            hi[e] = _mm256_fmadd_pd(a1, _mm256_loadu_pd(xj[tj].add(i + 4)), hi[e]);
                        }
                    }
                }
            }
            for e in 0..T * T {
                // (p₀ + p₄, …, p₃ + p₇), then (· + ·₊₂), then the pair.
                let q = _mm256_add_pd(lo[e], hi[e]);
                let h = _mm_add_pd(_mm256_castpd256_pd128(q), _mm256_extractf128_pd::<1>(q));
                sums[e] = _mm_cvtsd_f64(h) + _mm_cvtsd_f64(_mm_unpackhi_pd(h, h));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::supported;

    /// Every level the CPU has gives the portable kernel's bits, and the portable kernel
    /// the definition's values, for block lengths with and without padding and `d` not a
    /// multiple of the tiles.
    #[test]
    fn levels_agree_bitwise_and_match_the_definition() {
        for &(b, d, k) in &[(256, 16, 3), (37, 5, 2), (8, 1, 1), (61, 11, 4), (3, 7, 2)] {
            let mut rng = crate::rng::Rng::new((b * 131 + d) as u64);
            let mut next = || rng.next_f64() - 0.5;
            let dt: Vec<f64> = (0..d * b).map(|_| next() * 7.0).collect();
            let rt: Vec<f64> = (0..k * b).map(|_| next() + 0.5).collect();
            let init: Vec<f64> = {
                let mut s = vec![0.0; k * d * d];
                for c in 0..k {
                    for a in 0..d {
                        for j in 0..=a {
                            let v = next();
                            s[c * d * d + a * d + j] = v;
                            s[c * d * d + j * d + a] = v;
                        }
                    }
                }
                s
            };
            let mut buf = Vec::new();
            let mut want = init.clone();
            scatter_full_at(Level::Portable, &dt, &rt, b, d, k, &mut want, &mut buf);
            for c in 0..k {
                for a in 0..d {
                    for j in 0..d {
                        let exact: f64 = (0..b)
                            .map(|i| rt[c * b + i] * dt[a * b + i] * dt[j * b + i])
                            .sum();
                        let got = want[c * d * d + a * d + j] - init[c * d * d + a * d + j];
                        assert!(
                            (got - exact).abs() <= 1e-9 * (1.0 + exact.abs()),
                            "{got} {exact}"
                        );
                        assert_eq!(want[c * d * d + a * d + j], want[c * d * d + j * d + a]);
                    }
                }
            }
            for level in [Level::Avx2, Level::Avx512] {
                if !supported(level) {
                    continue;
                }
                let mut got = init.clone();
                scatter_full_at(level, &dt, &rt, b, d, k, &mut got, &mut buf);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{level:?} b={b} d={d} k={k}");
            }
        }
    }
}
