//! AVX-512F instantiation of the micro-kernel (`tile.rs`): tiles of 12 rows × 2
//! registers of centers (24 accumulators of the 32 `zmm` registers), the broadcast of
//! `x[r][l]` folded into the FMA.

pub(super) mod f32x16 {
    use std::arch::x86_64::*;
    type T = f32;
    type V = __m512;
    const LANES: usize = 16;
    const ROWS: usize = 12;

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn set1(v: T) -> V {
        _mm512_set1_ps(v)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(p: *const T) -> V {
        _mm512_loadu_ps(p)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(p: *mut T, v: V) {
        _mm512_storeu_ps(p, v)
    }
    /// A broadcast of `*p` (folded into the FMA as an embedded broadcast).
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn bcast(p: *const T) -> V {
        _mm512_set1_ps(*p)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn fmadd(a: V, b: V, c: V) -> V {
        _mm512_fmadd_ps(a, b, c)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn min(a: V, b: V) -> V {
        _mm512_min_ps(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn max(a: V, b: V) -> V {
        _mm512_max_ps(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn cmplt(a: V, b: V) -> __mmask16 {
        _mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn cmpeq(a: V, b: V) -> __mmask16 {
        _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(a, b)
    }
    /// `b` where `m` is set, else `a`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn blendv(a: V, b: V, m: __mmask16) -> V {
        _mm512_mask_blend_ps(m, a, b)
    }
    /// Every lane = the minimum over lanes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn hmin(v: V) -> V {
        _mm512_set1_ps(_mm512_reduce_min_ps(v))
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn first(v: V) -> T {
        _mm512_cvtss_f32(v)
    }

    kernel_body!("avx512f");
}

pub(super) mod f64x8 {
    use std::arch::x86_64::*;
    type T = f64;
    type V = __m512d;
    const LANES: usize = 8;
    const ROWS: usize = 12;

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn set1(v: T) -> V {
        _mm512_set1_pd(v)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load(p: *const T) -> V {
        _mm512_loadu_pd(p)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(p: *mut T, v: V) {
        _mm512_storeu_pd(p, v)
    }
    /// A broadcast of `*p` (folded into the FMA as an embedded broadcast).
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn bcast(p: *const T) -> V {
        _mm512_set1_pd(*p)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn fmadd(a: V, b: V, c: V) -> V {
        _mm512_fmadd_pd(a, b, c)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn min(a: V, b: V) -> V {
        _mm512_min_pd(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn max(a: V, b: V) -> V {
        _mm512_max_pd(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn cmplt(a: V, b: V) -> __mmask8 {
        _mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b)
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn cmpeq(a: V, b: V) -> __mmask8 {
        _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(a, b)
    }
    /// `b` where `m` is set, else `a`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn blendv(a: V, b: V, m: __mmask8) -> V {
        _mm512_mask_blend_pd(m, a, b)
    }
    /// Every lane = the minimum over lanes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn hmin(v: V) -> V {
        _mm512_set1_pd(_mm512_reduce_min_pd(v))
    }
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn first(v: V) -> T {
        _mm512_cvtsd_f64(v)
    }

    kernel_body!("avx512f");
}
