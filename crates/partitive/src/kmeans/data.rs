//! Checked input data shared by every k-means step, and per-chunk mutable state.

use super::bounds::up;
use super::fixed::Scale;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::matrix::MatRef;
use crate::parallel::{
    chunk_slices, map_reduce_chunks, map_reduce_chunks_with, par_vec, CHUNK_ROWS,
};
use crate::simd::{dispatch_upto, Kernel, Level, Simd};
use std::ops::Range;

/// The rows, their optional weights and their squared norms (`f64`).
pub(crate) struct Data<'a, T> {
    pub(crate) x: MatRef<'a, T>,
    pub(crate) w: Option<&'a [T]>,
    /// Σ_i w_i ‖x_i‖² (chunk order).
    pub(crate) wxnorm: f64,
    /// max_i ‖x_i‖².
    pub(crate) xmax2: f64,
    /// max_{i,l} |x_il|.
    pub(crate) amax: f64,
    /// Fixed-point scales of the cluster sums.
    pub(crate) scale: Scale,
    /// `up(‖x_i‖²)` per row ([`super::bounds::up`]: rounded up to `f32`; `+∞` beyond its
    /// range), kept from the data check for [`super::pruned::Hamerly`] by
    /// [`Data::with_norms`]; empty otherwise.
    pub(crate) norms: Vec<f32>,
    /// The fit's stop token (polled by the seeding and iteration loops).
    pub(crate) stop: crate::interrupt::Interrupt,
    /// Rows of the whole fit: `x.n_rows()`, except for a streamed fit's chunks
    /// ([`Data::part`]), which see a window of the rows.
    pub(crate) n_fit: usize,
}

impl<'a, T: Float> Data<'a, T> {
    /// Checks the data (rows, columns, finiteness, weights) against `k`.
    pub(crate) fn new(x: MatRef<'a, T>, w: Option<&'a [T]>, k: usize) -> Result<Self> {
        Self::checked(x, w, k, false)
    }

    /// [`Data::new`], also keeping the rows' squared norms that the check computes
    /// ([`Data::norms`]), so that the pruned step does not read every row again for them
    /// (which cost measurable wall time: `bench/kmeans/README.md`).
    pub(crate) fn with_norms(x: MatRef<'a, T>, w: Option<&'a [T]>, k: usize) -> Result<Self> {
        Self::checked(x, w, k, true)
    }

    fn checked(x: MatRef<'a, T>, w: Option<&'a [T]>, k: usize, keep: bool) -> Result<Self> {
        let (n, d) = (x.n_rows(), x.n_cols());
        if n == 0 {
            return Err(Error::data("the data have no rows"));
        }
        if d == 0 {
            return Err(Error::data("the data have no columns"));
        }
        if k > n {
            return Err(Error::param(
                "k",
                format!("k = {k} exceeds the number of rows ({n})"),
            ));
        }
        // One pass: finiteness, Σ w‖x‖², max |x|, max ‖x‖² (weights of the wrong length
        // are reported below).
        let wv = w.filter(|w| w.len() == n);
        let mut norms = if keep {
            par_vec(n, |_| f32::INFINITY)
        } else {
            Vec::new()
        };
        let stats = {
            let items = if keep {
                chunk_slices(&mut norms, n, 1)
            } else {
                (0..n.div_ceil(CHUNK_ROWS))
                    .map(|_| Default::default())
                    .collect()
            };
            map_reduce_chunks_with(
                n,
                items,
                RowStats::default(),
                |r, norms| RowStats::of(x, wv, r, norms),
                RowStats::merge,
            )
        };
        if !stats.finite {
            x.check_finite()?;
        }
        if let Some(w) = w {
            if w.len() != n {
                return Err(Error::shape("sample weights (one per row)", n, w.len()));
            }
            if let Some(i) = w.iter().position(|v| !v.is_finite()) {
                return Err(Error::data(format!(
                    "sample weight {} at row {i} is not finite",
                    w[i]
                )));
            }
            if let Some(i) = w.iter().position(|&v| v < T::zero()) {
                return Err(Error::data(format!(
                    "sample weight {} at row {i} is negative",
                    w[i]
                )));
            }
            let positive = w.iter().filter(|&&v| v > T::zero()).count();
            if positive == 0 {
                return Err(Error::data("all sample weights are zero"));
            }
            if positive < k {
                return Err(Error::data(format!(
                    "only {positive} rows have a positive weight, fewer than k = {k}"
                )));
            }
        }
        let weights = w.map(|w| {
            let wmax = w.iter().fold(0.0f64, |m, v| m.max(v.as_f64()));
            let wsum = w.iter().map(|v| v.as_f64()).sum::<f64>();
            (wmax, wsum)
        });
        Ok(Data {
            x,
            w,
            wxnorm: stats.wxnorm,
            xmax2: stats.xmax2,
            amax: stats.amax,
            scale: Scale::new(stats.amax, n, weights),
            norms,
            stop: Default::default(),
            n_fit: n,
        })
    }

    /// A window `x` of a streamed fit's rows, with the statistics of all of them
    /// (`stats`, over `n_fit` rows, unweighted): the chunk kernels then see the fit's
    /// fixed-point scale and magnitude.
    pub(crate) fn part(x: MatRef<'a, T>, stats: &RowStats, n_fit: usize) -> Self {
        Data {
            x,
            w: None,
            wxnorm: stats.wxnorm,
            xmax2: stats.xmax2,
            amax: stats.amax,
            scale: Scale::new(stats.amax, n_fit, None),
            norms: Vec::new(),
            stop: Default::default(),
            n_fit,
        }
    }

    /// The rows `r` as data of their own, with the statistics (scale, magnitude) of
    /// `self`'s fit (no kept norms).
    pub(crate) fn window(&self, r: Range<usize>) -> Data<'a, T> {
        Data {
            x: self.x.rows(r.start, r.end),
            w: self.w.map(|w| &w[r]),
            wxnorm: self.wxnorm,
            xmax2: self.xmax2,
            amax: self.amax,
            scale: self.scale,
            norms: Vec::new(),
            stop: self.stop.clone(),
            n_fit: self.n_fit,
        }
    }

    /// Number of rows.
    pub(crate) fn n(&self) -> usize {
        self.x.n_rows()
    }

    /// Number of columns.
    pub(crate) fn d(&self) -> usize {
        self.x.n_cols()
    }

    /// Weight of row `i` (1 without weights).
    #[inline]
    pub(crate) fn weight(&self, i: usize) -> f64 {
        self.w.map_or(1.0, |w| w[i].as_f64())
    }

    /// Mean over features of the (unweighted) per-feature variance, as scikit-learn scales
    /// its tolerance.
    pub(crate) fn mean_variance(&self) -> f64 {
        let (n, d) = (self.n(), self.d());
        let sum = map_reduce_chunks(n, vec![0.0; d], |r| column_sums(self.x, r), add_into);
        let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
        let ss = map_reduce_chunks(
            n,
            vec![0.0; d],
            |r| column_squares(self.x, r, &mean),
            add_into,
        );
        ss.iter().sum::<f64>() / (n as f64 * d as f64)
    }
}

/// `a += b`, element by element (the merge of the column-sum kernels; a `Vec` because
/// `map_reduce_chunks` merges its partials by `&mut P`).
#[allow(clippy::ptr_arg)]
pub(crate) fn add_into(a: &mut Vec<f64>, b: Vec<f64>) {
    a.iter_mut().zip(b).for_each(|(a, b)| *a += b)
}

/// Per-column sums of the rows `r` (`f64`, in row order).
pub(crate) fn column_sums<T: Float>(x: MatRef<'_, T>, r: Range<usize>) -> Vec<f64> {
    let mut s = vec![0.0; x.n_cols()];
    for i in r {
        s.iter_mut()
            .zip(x.row(i))
            .for_each(|(s, v)| *s += v.as_f64());
    }
    s
}

/// Per-column sums of squared deviations from `mean` over the rows `r`.
pub(crate) fn column_squares<T: Float>(
    x: MatRef<'_, T>,
    r: Range<usize>,
    mean: &[f64],
) -> Vec<f64> {
    let mut s = vec![0.0; x.n_cols()];
    for i in r {
        for ((s, v), m) in s.iter_mut().zip(x.row(i)).zip(mean) {
            let t = v.as_f64() - m;
            *s += t * t;
        }
    }
    s
}

/// Per-chunk statistics of the rows (see [`Data::new`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowStats {
    pub(crate) wxnorm: f64,
    pub(crate) amax: f64,
    pub(crate) xmax2: f64,
    pub(crate) finite: bool,
}

impl Default for RowStats {
    fn default() -> Self {
        RowStats {
            wxnorm: 0.0,
            amax: 0.0,
            xmax2: 0.0,
            finite: true,
        }
    }
}

impl RowStats {
    /// Merges the statistics of the next chunk.
    pub(crate) fn merge(a: &mut Self, b: Self) {
        a.wxnorm += b.wxnorm;
        a.amax = a.amax.max(b.amax);
        a.xmax2 = a.xmax2.max(b.xmax2);
        a.finite &= b.finite;
    }

    /// Statistics of the rows `r`; `up(‖x_i‖²)` of each into `norms` unless it is empty.
    pub(crate) fn of<T: Float>(
        x: MatRef<'_, T>,
        w: Option<&[T]>,
        r: Range<usize>,
        norms: &mut [f32],
    ) -> Self {
        debug_assert!(norms.is_empty() || norms.len() == r.len());
        // At most AVX2 + FMA: the level of the hand-written norms.
        dispatch_upto(Level::Avx2, OfRows { x, w, r, norms })
    }

    /// [`Self::of_portable`] with explicitly vectorised norms for `f32` rows of a
    /// multiple of 8 columns ([`super::norms`]; same results).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn of_simd<T: Float>(
        simd: Simd,
        x: MatRef<'_, T>,
        w: Option<&[T]>,
        r: Range<usize>,
        norms: &mut [f32],
    ) -> Self {
        let block = x.rows(r.start, r.end).as_slice();
        let Some(block) = super::norms::as_f32(block, x.n_cols()).filter(|_| simd.has_avx2())
        else {
            return Self::of_portable(x, w, r, norms);
        };
        let mut st = RowStats::default();
        let keep = !norms.is_empty();
        // SAFETY: `simd` proves AVX2 and FMA (checked above).
        let amax = unsafe {
            super::norms::for_each_f32(block, x.n_cols(), |t, v| {
                st.add_norm(v, w.map_or(1.0, |w| w[r.start + t].as_f64()));
                if keep {
                    norms[t] = up(v);
                }
            })
        };
        st.amax = amax as f64;
        st
    }

    /// Takes in a row's squared norm `v` and weight `w`.
    #[inline(always)]
    fn add_norm(&mut self, v: f64, w: f64) {
        self.finite &= v.is_finite();
        self.wxnorm += w * v;
        self.xmax2 = self.xmax2.max(v);
    }

    #[inline(always)]
    fn of_portable<T: Float>(
        x: MatRef<'_, T>,
        w: Option<&[T]>,
        r: Range<usize>,
        norms: &mut [f32],
    ) -> Self {
        let mut st = RowStats::default();
        let keep = !norms.is_empty();
        for (t, i) in r.enumerate() {
            let row = x.row(i);
            let v = sq_norm(row);
            st.add_norm(v, w.map_or(1.0, |w| w[i].as_f64()));
            if keep {
                norms[t] = up(v);
            }
            // (`a > m` selects like `maxps`: vectorisable, in `T` — exact; NaN is caught
            // by `finite`.)
            let mut m = T::zero();
            for v in row {
                let a = v.abs();
                m = if a > m { a } else { m };
            }
            st.amax = st.amax.max(m.as_f64());
        }
        // (A non-finite value makes its row's norm non-finite.)
        st
    }
}

/// The kernel of [`RowStats::of`].
struct OfRows<'a, 'o, T> {
    x: MatRef<'a, T>,
    w: Option<&'a [T]>,
    r: Range<usize>,
    norms: &'o mut [f32],
}

impl<T: Float> Kernel for OfRows<'_, '_, T> {
    type Output = RowStats;
    #[inline(always)]
    fn run(self, simd: Simd) -> RowStats {
        let OfRows { x, w, r, norms } = self;
        #[cfg(target_arch = "x86_64")]
        return RowStats::of_simd(simd, x, w, r, norms);
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = simd;
            RowStats::of_portable(x, w, r, norms)
        }
    }
}

/// Squared Euclidean distance accumulated in `f64` (the "true" distance of reports),
/// in eight fixed partial sums (vectorisable, one fixed order).
#[inline(always)]
pub(crate) fn sq_dist<T: Float>(a: &[T], b: &[T]) -> f64 {
    let mut q = [0.0f64; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (a8, b8) in ac.zip(bc) {
        for t in 0..8 {
            let e = a8[t].as_f64() - b8[t].as_f64();
            q[t] += e * e;
        }
    }
    for (t, (x, y)) in ar.iter().zip(br).enumerate() {
        let e = x.as_f64() - y.as_f64();
        q[t] += e * e;
    }
    ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]))
}

/// Squared norm accumulated in `f64`, in eight fixed partial sums.
#[inline(always)]
pub(crate) fn sq_norm<T: Float>(a: &[T]) -> f64 {
    let mut q = [0.0f64; 8];
    let ac = a.chunks_exact(8);
    let ar = ac.remainder();
    for a8 in ac {
        for t in 0..8 {
            let v = a8[t].as_f64();
            q[t] += v * v;
        }
    }
    for (t, v) in ar.iter().enumerate() {
        q[t] += v.as_f64() * v.as_f64();
    }
    ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]))
}
