//! The full-covariance Mahalanobis kernel of the E-step, written once as a macro and
//! instantiated per instruction set (AVX2: `f64` × 4 lanes; AVX-512: `f64` × 8 lanes).
//!
//! A strip of `R = 2 × LANES` rows against a tile of [`TILE`] columns of one component's
//! precision factor `U_c` is accumulated in `2 × TILE` registers: for each row `a` of the
//! tile, two loads of the strip's `x_a` and one broadcast of `U_c[a, j]` per column feed
//! `2 × TILE` fused multiply-adds. The `2 × TILE` chains are independent, which hides the
//! multiply-add's latency (one column at a time was bound by it), and each load serves
//! several multiply-adds. Each `(row, column)` pair is one sequential chain from `o_cj`
//! over `a = 0, 1, …` and the squares are folded column by column in order: the
//! arithmetic of the portable kernel in `estep.rs`, so the result is bitwise the same.
//!
//! The instantiating module defines `V` (vector), `LANES` and `set1 zero load store
//! fmadd`.

/// The kernel body, instantiated inside a module that defines `V`, `LANES` and the vector
/// operations.
macro_rules! maha_body {
    ($feat:literal) => {
        use super::super::estep::{tiled_len, TILE};
        const _: () = assert!(TILE == 4, "the tile below holds four columns");

        /// Rows per strip: two vectors.
        const R: usize = 2 * LANES;

        /// `q_c[i] = ‖(x_i − μ_c)ᵀ U_c‖²` (see `estep::mahalanobis_full`, whose
        /// arguments these are).
        ///
        /// # Safety
        /// The CPU must support the module's instruction set.
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn run(
            dt: &[f64],
            b: usize,
            u: &[f64],
            o: &[f64],
            k: usize,
            q: &mut [f64],
        ) {
            let d = o.len() / k;
            let t = tiled_len(d);
            assert!(dt.len() >= d * b && u.len() >= k * t && q.len() >= k * b);
            // The strip's rows, column by column (`d × R`, zeros past the last row).
            let mut xs = vec![0.0f64; d * R];
            let mut i = 0;
            while i < b {
                let lanes = R.min(b - i);
                if lanes == R {
                    // Two registers per column (no call into `memcpy` for 16 values).
                    for a in 0..d {
                        let (src, dst) = (dt[a * b + i..].as_ptr(), xs[a * R..].as_mut_ptr());
                        store(dst, load(src));
                        store(dst.add(LANES), load(src.add(LANES)));
                    }
                } else {
                    for (a, x) in xs.chunks_exact_mut(R).enumerate() {
                        x[..lanes].copy_from_slice(&dt[a * b + i..a * b + i + lanes]);
                        x[lanes..].fill(0.0);
                    }
                }
                let xp = xs.as_ptr();
                for c in 0..k {
                    let (up, o) = (u[c * t..(c + 1) * t].as_ptr(), &o[c * d..(c + 1) * d]);
                    let (mut s0, mut s1) = (zero(), zero());
                    let mut p = 0;
                    for j0 in (0..d).step_by(TILE) {
                        let w = TILE.min(d - j0);
                        let oj = |jj: usize| if jj < w { o[j0 + jj] } else { 0.0 };
                        let (mut a00, mut a01) = (set1(oj(0)), set1(oj(0)));
                        let (mut a10, mut a11) = (set1(oj(1)), set1(oj(1)));
                        let (mut a20, mut a21) = (set1(oj(2)), set1(oj(2)));
                        let (mut a30, mut a31) = (set1(oj(3)), set1(oj(3)));
                        for a in 0..j0 + w {
                            let x0 = load(xp.add(a * R));
                            let x1 = load(xp.add(a * R + LANES));
                            let ua = up.add(p + a * TILE);
                            let v = set1(*ua);
                            a00 = fmadd(v, x0, a00);
                            a01 = fmadd(v, x1, a01);
                            let v = set1(*ua.add(1));
                            a10 = fmadd(v, x0, a10);
                            a11 = fmadd(v, x1, a11);
                            let v = set1(*ua.add(2));
                            a20 = fmadd(v, x0, a20);
                            a21 = fmadd(v, x1, a21);
                            let v = set1(*ua.add(3));
                            a30 = fmadd(v, x0, a30);
                            a31 = fmadd(v, x1, a31);
                        }
                        p += (j0 + w) * TILE;
                        let tile = [(a00, a01), (a10, a11), (a20, a21), (a30, a31)];
                        for &(v0, v1) in &tile[..w] {
                            s0 = fmadd(v0, v0, s0);
                            s1 = fmadd(v1, v1, s1);
                        }
                    }
                    if lanes == R {
                        let dst = q[c * b + i..c * b + i + R].as_mut_ptr();
                        store(dst, s0);
                        store(dst.add(LANES), s1);
                    } else {
                        let mut out = [0.0f64; R];
                        store(out.as_mut_ptr(), s0);
                        store(out.as_mut_ptr().add(LANES), s1);
                        q[c * b + i..c * b + i + lanes].copy_from_slice(&out[..lanes]);
                    }
                }
                i += lanes;
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
pub(super) mod avx2 {
    use std::arch::x86_64::*;
    type V = __m256d;
    const LANES: usize = 4;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn set1(v: f64) -> V {
        _mm256_set1_pd(v)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn zero() -> V {
        _mm256_setzero_pd()
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn load(p: *const f64) -> V {
        _mm256_loadu_pd(p)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn store(p: *mut f64, v: V) {
        _mm256_storeu_pd(p, v)
    }
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn fmadd(a: V, b: V, c: V) -> V {
        _mm256_fmadd_pd(a, b, c)
    }

    maha_body!("avx2,fma");
}

#[cfg(target_arch = "x86_64")]
pub(super) mod avx512 {
    use std::arch::x86_64::*;
    type V = __m512d;
    const LANES: usize = 8;

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn set1(v: f64) -> V {
        _mm512_set1_pd(v)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn zero() -> V {
        _mm512_setzero_pd()
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(p: *const f64) -> V {
        _mm512_loadu_pd(p)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(p: *mut f64, v: V) {
        _mm512_storeu_pd(p, v)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn fmadd(a: V, b: V, c: V) -> V {
        _mm512_fmadd_pd(a, b, c)
    }

    maha_body!("avx2,fma,avx512f");
}
