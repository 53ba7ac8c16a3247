//! AVX2 + FMA instantiation of the micro-kernel (`tile.rs`): tiles of 4 (`f32`) or 6
//! (`f64`) rows × 2 registers of centers: for `f32`, 6 rows' 12 accumulators leave too few
//! of the 16 `ymm` registers for the per-row minima (measurements:
//! `bench/kmeans/README.md`).

pub(super) mod f32x8 {
    use std::arch::x86_64::*;
    type T = f32;
    const ROWS: usize = 4;
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
    unsafe fn store(p: *mut T, v: V) {
        _mm256_storeu_ps(p, v)
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

    kernel_body!("avx2,fma");
}

pub(super) mod f64x4 {
    use std::arch::x86_64::*;
    type T = f64;
    const ROWS: usize = 6;
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
    unsafe fn store(p: *mut T, v: V) {
        _mm256_storeu_pd(p, v)
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

    kernel_body!("avx2,fma");
}
