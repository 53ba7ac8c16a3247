//! E-step kernel: weighted log-densities `ln w_k + ln N(x | μ_k, Σ_k)` for a block of
//! rows, and their log-sum-exp normalisation into responsibilities.
//!
//! A block of rows is loaded centred on a fixed shift (the data mean), widened to `f64`
//! and *transposed* (`d × b`, one row of ones appended), so that every per-row loop after
//! the matrix products runs over the block's rows with unit stride (vectorised across
//! rows, no sum reordered). For full covariances the Mahalanobis term of component `c` is
//! `‖(x − μ_c)ᵀ U_c‖²` with `U_c` its upper-triangular precision Cholesky factor: a
//! triangular matrix product over strips of rows and tiles of four columns held in vector
//! registers ([`mahalanobis_full`], `maha.rs`: the triangle's zeros mostly skipped, which
//! nearly halves a GEMM's work, and no `k·d × b` product written to memory). Tied
//! covariances share one `U`: one GEMM, `Y = Uᵀ · Dᵀ`, then `‖Y − o_c‖²` per component.
//! Responsibilities are normalised per row across the components, again vectorised across
//! rows.

use super::covariance::{CovarianceType, Factored, GmmParameters, PrecisionCholesky};
use super::simd::exp_nonpositive;
use crate::float::Float;
use crate::matrix::MatRef;
use crate::simd::{dispatch_at, Kernel, Level, Simd};

/// Rows per block inside a chunk (fixed: it does not depend on the thread count; it only
/// sets the order of the M-step's sums within a chunk).
pub(crate) const BLOCK_ROWS: usize = 256;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Everything the E-step needs, precomputed from the parameters.
pub(crate) struct Evaluator {
    pub kind: CovarianceType,
    pub k: usize,
    pub d: usize,
    /// The point rows are centred on.
    pub shift: Vec<f64>,
    /// `ln w_k + Σ ln U_jj − ½ d ln 2π` per component.
    constant: Vec<f64>,
    /// Full: the upper triangles of the `U_c` in tiles of [`TILE`] columns: for the
    /// columns `j0..j0+TILE`, the rows `a < min(j0 + TILE, d)`, `TILE` values each
    /// (`U_c[a, j]`, 0 below the diagonal and past `d`; [`tiled_len`] per component);
    /// tied: `d × d`, row `j` = `U[·, j]`.
    wt: Vec<f64>,
    /// Full: `−o_c`; tied: `o_c`; the offsets `o_c = (μ_c − shift) U_c`, `k × d`.
    offset: Vec<f64>,
    /// Diag/spherical: centred means `μ_c − shift`, `k × d`.
    delta: Vec<f64>,
    /// Diag: `1/σ_cj`, `k × d`; spherical: `1/σ_c²` per component.
    prec: Vec<f64>,
}

/// Scratch buffers reused across the blocks of one chunk.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Centred block, transposed: `(d+1) × b`, the last row all ones.
    pub dt: Vec<f64>,
    /// GEMM output.
    pub y: Vec<f64>,
    /// Weighted log-probabilities then responsibilities, `k × b`.
    pub lpt: Vec<f64>,
    /// The same, row-major `b × k` (for per-row consumers: [`Evaluator::log_prob`]).
    pub lp: Vec<f64>,
    /// Per-row log-likelihoods (`b`).
    pub ll: Vec<f64>,
    /// M-step products.
    pub tmp: Vec<f64>,
}

impl Evaluator {
    /// Precomputes the E-step constants of `params` with factors `f`.
    pub fn new(params: &GmmParameters, f: &Factored, shift: &[f64]) -> Self {
        let k = params.weights.len();
        let d = shift.len();
        let kind = params.covariances.covariance_type();
        let mut constant: Vec<f64> = (0..k)
            .map(|c| {
                let ld = if kind == CovarianceType::Tied {
                    f.log_det[0]
                } else {
                    f.log_det[c]
                };
                params.weights[c].ln() + ld - 0.5 * d as f64 * LN_2PI
            })
            .collect();
        for v in &mut constant {
            if !v.is_finite() {
                // A zero weight: the component can never be chosen.
                *v = f64::MIN / 4.0;
            }
        }
        let mut delta = vec![0.0; k * d];
        for c in 0..k {
            for j in 0..d {
                delta[c * d + j] = params.means.row(c)[j] - shift[j];
            }
        }
        // (μ_c − shift) U, column j.
        let offset_of = |c: usize, u: &crate::matrix::Mat<f64>, j: usize| -> f64 {
            let mut v = 0.0;
            for a in 0..d {
                v += delta[c * d + a] * u.row(a)[j];
            }
            v
        };
        let (mut wt, mut offset, mut prec) = (Vec::new(), Vec::new(), Vec::new());
        match &f.chol {
            PrecisionCholesky::Full(us) => {
                wt = Vec::with_capacity(k * tiled_len(d));
                offset = vec![0.0; k * d];
                for (c, u) in us.iter().enumerate() {
                    for j0 in (0..d).step_by(TILE) {
                        for a in 0..(j0 + TILE).min(d) {
                            wt.extend((j0..j0 + TILE).map(|j| {
                                if j < d && a <= j {
                                    u.row(a)[j]
                                } else {
                                    0.0
                                }
                            }));
                        }
                    }
                    for j in 0..d {
                        offset[c * d + j] = -offset_of(c, u, j);
                    }
                }
            }
            PrecisionCholesky::Tied(u) => {
                wt = vec![0.0; d * d];
                offset = vec![0.0; k * d];
                for j in 0..d {
                    for a in 0..d {
                        wt[j * d + a] = u.row(a)[j];
                    }
                }
                for c in 0..k {
                    for j in 0..d {
                        offset[c * d + j] = offset_of(c, u, j);
                    }
                }
            }
            PrecisionCholesky::Diag(p) => prec = p.as_slice().to_vec(),
            PrecisionCholesky::Spherical(p) => prec = p.iter().map(|v| v * v).collect(),
        }
        Evaluator {
            kind,
            k,
            d,
            shift: shift.to_vec(),
            constant,
            wt,
            offset,
            delta,
            prec,
        }
    }

    /// Loads rows `start..start+b` of `x` into `s.dt`, centred, widened and transposed
    /// (`(d+1) × b`, the last row all ones).
    #[inline(always)]
    pub fn load<T: Float>(&self, x: MatRef<'_, T>, start: usize, b: usize, s: &mut Scratch) {
        let d = self.d;
        s.dt.resize((d + 1) * b, 0.0);
        let src = &x.as_slice()[start * d..(start + b) * d];
        // Column by column: the block's rows stay in L1, the writes are contiguous.
        for (j, dst) in s.dt[..d * b].chunks_exact_mut(b).enumerate() {
            let sj = self.shift[j];
            for (o, row) in dst.iter_mut().zip(src.chunks_exact(d)) {
                *o = row[j].as_f64() - sj;
            }
        }
        s.dt[d * b..(d + 1) * b].fill(1.0);
    }

    /// Weighted log-probabilities of the `b` loaded rows into `s.lpt` (`k × b`): the
    /// squared distances through [`crate::simd::dispatch`] (whoever calls: the loops
    /// compile for the CPU's vector width).
    #[inline(always)]
    pub fn log_prob_t(&self, b: usize, s: &mut Scratch) {
        self.log_prob_t_at(crate::simd::level(), b, s);
    }

    /// [`Self::log_prob_t`] with the squared distances computed at `level` (tests compare
    /// levels): full covariances through [`mahalanobis_full`], the other types through
    /// [`Self::sq_distances`].
    #[inline(always)]
    fn log_prob_t_at(&self, level: Level, b: usize, s: &mut Scratch) {
        let (k, d) = (self.k, self.d);
        s.lpt.clear();
        s.lpt.resize(k * b, 0.0);
        match self.kind {
            CovarianceType::Full => dispatch_at(
                level,
                Mahalanobis {
                    dt: &s.dt[..d * b],
                    b,
                    u: &self.wt,
                    o: &self.offset,
                    k,
                    q: &mut s.lpt,
                },
            ),
            _ => dispatch_at(level, SqDistances { ev: self, b, s }),
        }
        for c in 0..k {
            let cst = self.constant[c];
            for v in &mut s.lpt[c * b..(c + 1) * b] {
                *v = cst - 0.5 * *v;
            }
        }
    }

    /// The squared (scaled) distances of tied, diagonal and spherical components into
    /// `s.lpt` (zeroed), inlined into each SIMD tier.
    #[inline(always)]
    fn sq_distances(&self, b: usize, s: &mut Scratch) {
        let (k, d) = (self.k, self.d);
        match self.kind {
            CovarianceType::Full => unreachable!("full covariances: mahalanobis_full"),
            CovarianceType::Tied => {
                s.y.resize(d * b, 0.0);
                gemm(&mut s.y, &self.wt, &s.dt[..d * b], d, d, b, false);
                for c in 0..k {
                    let q = &mut s.lpt[c * b..(c + 1) * b];
                    for j in 0..d {
                        let (y, o) = (&s.y[j * b..(j + 1) * b], self.offset[c * d + j]);
                        for i in 0..b {
                            let t = y[i] - o;
                            q[i] += t * t;
                        }
                    }
                }
            }
            CovarianceType::Diag => {
                for c in 0..k {
                    let (mu, p) = (
                        &self.delta[c * d..(c + 1) * d],
                        &self.prec[c * d..(c + 1) * d],
                    );
                    sum_sq_strips(&s.dt[..d * b], b, &mut s.lpt[c * b..(c + 1) * b], |j, x| {
                        let t = (x - mu[j]) * p[j];
                        t * t
                    });
                }
            }
            CovarianceType::Spherical => {
                for c in 0..k {
                    let mu = &self.delta[c * d..(c + 1) * d];
                    let q = &mut s.lpt[c * b..(c + 1) * b];
                    sum_sq_strips(&s.dt[..d * b], b, q, |j, x| {
                        let t = x - mu[j];
                        t * t
                    });
                    for v in q.iter_mut() {
                        *v *= self.prec[c];
                    }
                }
            }
        }
    }

    /// Squared Mahalanobis distance to component `c` of a row whose weighted
    /// log-probabilities `raw` this evaluator computed: `ℓ_c = constant_c − ½ D²`.
    pub fn sq_mahalanobis(&self, raw: &[f64], c: usize) -> f64 {
        2.0 * (self.constant[c] - raw[c])
    }

    /// Weighted log-probabilities of the `b` loaded rows into `s.lp`, row-major `b × k`
    /// (through [`Self::log_prob_t`]).
    #[inline(always)]
    pub fn log_prob(&self, b: usize, s: &mut Scratch) {
        self.log_prob_t(b, s);
        let k = self.k;
        s.lp.clear();
        s.lp.resize(b * k, 0.0);
        for c in 0..k {
            for i in 0..b {
                s.lp[i * k + c] = s.lpt[c * b + i];
            }
        }
    }
}

/// Lanes of the row strips of the portable [`mahalanobis_full`].
const LANES: usize = 8;

/// Columns of `U_c` per register tile of [`mahalanobis_full`] (`maha.rs` holds four).
pub(super) const TILE: usize = 4;

/// Values per component of the tiled upper triangle (see `Evaluator::wt`).
pub(super) fn tiled_len(d: usize) -> usize {
    (0..d)
        .step_by(TILE)
        .map(|j0| (j0 + TILE).min(d) * TILE)
        .sum()
}

/// [`mahalanobis_full`] through the SIMD dispatch, so that its `mul_add`s compile to FMA
/// instructions wherever the CPU has them, whoever calls the E-step (outside a
/// `target_feature` function each `mul_add` is a call into the software `fma`: a PPP
/// test went from 7 s to over 10 minutes).
struct Mahalanobis<'a> {
    dt: &'a [f64],
    b: usize,
    u: &'a [f64],
    o: &'a [f64],
    k: usize,
    q: &'a mut [f64],
}

impl Kernel for Mahalanobis<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self, simd: Simd) {
        let (dt, b, u, o, k, q) = (self.dt, self.b, self.u, self.o, self.k, self.q);
        match simd.level() {
            // SAFETY: the token proves the CPU supports the level's instruction set.
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => unsafe { super::maha::avx512::run(dt, b, u, o, k, q) },
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { super::maha::avx2::run(dt, b, u, o, k, q) },
            _ => mahalanobis_full(dt, b, u, o, k, q),
        }
    }
}

/// [`Evaluator::sq_distances`] through the SIMD dispatch, so that its loops vectorise at
/// the CPU's width.
struct SqDistances<'a> {
    ev: &'a Evaluator,
    b: usize,
    s: &'a mut Scratch,
}

impl Kernel for SqDistances<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self, _: Simd) {
        self.ev.sq_distances(self.b, self.s)
    }
}

/// Rows per strip of [`sum_sq_strips`]: four vectors of eight `f64`, held in registers.
const STRIP: usize = 32;

/// `q[i] = Σ_j f(j, dt[j·b + i])` for the `b` rows of `dt` (`d × b`), summed over `j`
/// in order from `0.0` — the same sums as a column-by-column `q += …` — over strips of
/// [`STRIP`] rows whose partial sums stay in registers (the per-column form loads and
/// stores `q` once per column).
#[inline(always)]
fn sum_sq_strips(dt: &[f64], b: usize, q: &mut [f64], f: impl Fn(usize, f64) -> f64) {
    let d = dt.len() / b.max(1);
    let mut i = 0;
    while i + STRIP <= b {
        let mut acc = [0.0f64; STRIP];
        for j in 0..d {
            let x = &dt[j * b + i..j * b + i + STRIP];
            for l in 0..STRIP {
                acc[l] += f(j, x[l]);
            }
        }
        q[i..i + STRIP].copy_from_slice(&acc);
        i += STRIP;
    }
    for (t, v) in q[i..b].iter_mut().enumerate() {
        let mut acc = 0.0;
        for j in 0..d {
            acc += f(j, dt[j * b + i + t]);
        }
        *v = acc;
    }
}

/// `q_c[i] = ‖(x_i − μ_c)ᵀ U_c‖²` for the `b` rows of `dt` (`d × b`, centred, transposed)
/// and every component `c`, into `q` (`k × b`): `u` holds the tiled upper triangles of the
/// `U_c` (`Evaluator::wt`), `o` the `−(μ_c − shift) U_c` (`k × d`). For each column `j`,
/// `y = o_cj + Σ_{a ≤ j} U_c[a, j] x_a` (`a` in order), then `q += y²` (`j` in order): one
/// chain of fused multiply-adds per row, component and column, over strips of [`LANES`]
/// rows and [`TILE`] columns at a time (the triangle's zeros skipped but for those in the
/// tile below the diagonal: near half a GEMM's work, and no `k·d × b` product written to
/// memory). A tile's zeros below the diagonal add `0 · x_a` after a column's last term,
/// which leaves it unchanged. `mul_add` is fused in every build, so the values do not
/// depend on the instruction set; the AVX2 and AVX-512 kernels (`maha.rs`) compute the
/// same chains with the tile held in registers.
#[inline(always)]
fn mahalanobis_full(dt: &[f64], b: usize, u: &[f64], o: &[f64], k: usize, q: &mut [f64]) {
    let d = o.len() / k;
    let t = tiled_len(d);
    let mut xs = vec![[0.0f64; LANES]; d];
    let mut i = 0;
    while i < b {
        let lanes = LANES.min(b - i);
        // The strip's rows, column by column (zeros past the last row).
        for (a, x) in xs.iter_mut().enumerate() {
            x[..lanes].copy_from_slice(&dt[a * b + i..a * b + i + lanes]);
            x[lanes..].fill(0.0);
        }
        for c in 0..k {
            let (u, o) = (&u[c * t..(c + 1) * t], &o[c * d..(c + 1) * d]);
            let mut acc2 = [0.0f64; LANES];
            let mut p = 0;
            for j0 in (0..d).step_by(TILE) {
                let w = TILE.min(d - j0);
                let rows = j0 + w;
                for jj in 0..w {
                    let mut acc = [o[j0 + jj]; LANES];
                    for (ua, x) in u[p..p + rows * TILE].chunks_exact(TILE).zip(&xs[..rows]) {
                        fma_lanes(&mut acc, ua[jj], x);
                    }
                    for l in 0..LANES {
                        acc2[l] = acc[l].mul_add(acc[l], acc2[l]);
                    }
                }
                p += rows * TILE;
            }
            q[c * b + i..c * b + i + lanes].copy_from_slice(&acc2[..lanes]);
        }
        i += lanes;
    }
}

/// `acc += w · x`, fused, lane by lane (one vector instruction at 8 × f64).
#[inline(always)]
fn fma_lanes(acc: &mut [f64; LANES], w: f64, x: &[f64; LANES]) {
    for l in 0..LANES {
        acc[l] = w.mul_add(x[l], acc[l]);
    }
}

/// `out (m × n) = a (m × kk) · b (kk × n)`, all row-major, or `out += …` when `add`;
/// sequential (`Par::Seq`: the caller parallelises over chunks).
#[inline(always)]
pub(crate) fn gemm(
    out: &mut [f64],
    a: &[f64],
    b: &[f64],
    m: usize,
    kk: usize,
    n: usize,
    add: bool,
) {
    faer::linalg::matmul::matmul(
        faer::MatMut::from_row_major_slice_mut(&mut out[..m * n], m, n),
        if add {
            faer::Accum::Add
        } else {
            faer::Accum::Replace
        },
        faer::MatRef::from_row_major_slice(&a[..m * kk], m, kk),
        faer::MatRef::from_row_major_slice(&b[..kk * n], kk, n),
        1.0,
        faer::Par::Seq,
    );
}

/// Turns the `b` columns of `lpt` (`k × b` weighted log-probabilities) into
/// responsibilities in place and writes each row's log-likelihood (log-sum-exp) into
/// `ll`; a row whose densities all underflowed gets uniform responsibilities and
/// `underflow` as its log-likelihood. Returns the number of such rows. Vectorised across
/// rows; per row, the same operations in the same order as [`normalize_row`].
#[inline(always)]
pub(crate) fn normalize_cols(
    lpt: &mut [f64],
    k: usize,
    b: usize,
    ll: &mut Vec<f64>,
    underflow: f64,
) -> usize {
    ll.clear();
    ll.resize(b, f64::NEG_INFINITY);
    let ll = &mut ll[..b];
    for v in lpt[..k * b].chunks_exact(b) {
        for (m, &v) in ll.iter_mut().zip(v) {
            *m = m.max(v);
        }
    }
    // `ll` holds the rows' maxima `m`; a row with a non-finite one is set apart below
    // (its values meanwhile are garbage, never used).
    let mut sum = vec![0.0; b];
    for v in lpt[..k * b].chunks_exact_mut(b) {
        for ((v, s), &m) in v.iter_mut().zip(sum.iter_mut()).zip(ll.iter()) {
            *v = exp_nonpositive(*v - m);
            *s += *v;
        }
    }
    for (l, s) in ll.iter_mut().zip(sum.iter_mut()) {
        *l += s.ln();
        *s = 1.0 / *s;
    }
    for v in lpt[..k * b].chunks_exact_mut(b) {
        for (v, &s) in v.iter_mut().zip(sum.iter()) {
            *v *= s;
        }
    }
    // A finite maximum gives a finite log-likelihood (the sum is at least 1), so the
    // rows set apart are exactly those whose log-likelihood is not finite now.
    let mut bad = 0;
    for i in 0..b {
        if !ll[i].is_finite() {
            bad += 1;
            ll[i] = underflow;
            for c in 0..k {
                lpt[c * b + i] = 1.0 / k as f64;
            }
        }
    }
    bad
}

/// Turns one row of weighted log-probabilities into responsibilities in place and
/// returns the row's log-likelihood (log-sum-exp), or `None` when every density
/// underflowed (the row is then given uniform responsibilities).
#[inline(always)]
pub(crate) fn normalize_row(lp: &mut [f64]) -> Option<f64> {
    let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        let u = 1.0 / lp.len() as f64;
        lp.iter_mut().for_each(|v| *v = u);
        return None;
    }
    for v in lp.iter_mut() {
        *v = exp_nonpositive(*v - m);
    }
    let mut sum = 0.0;
    for v in lp.iter() {
        sum += v;
    }
    let inv = 1.0 / sum;
    lp.iter_mut().for_each(|v| *v *= inv);
    Some(m + sum.ln())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gmm::covariance::{factor, Covariances};
    use crate::matrix::Mat;
    use crate::simd::supported;

    fn wave(n: usize, a: f64) -> Vec<f64> {
        (0..n).map(|i| (a * i as f64 + 0.3).sin() * 2.0).collect()
    }

    #[test]
    fn log_densities_are_bitwise_the_same_at_every_simd_level() {
        // 45 rows (one full strip of 32 and a tail), 5 components in 6 dimensions.
        let (k, d, b) = (5, 6, 45);
        let x = Mat::from_vec(wave(b * d, 0.77), b, d).unwrap();
        let means = Mat::from_vec(wave(k * d, 1.31), k, d).unwrap();
        let full: Vec<Mat<f64>> = (0..k)
            .map(|c| {
                let mut m = Mat::from_vec(vec![0.1; d * d], d, d).unwrap();
                for j in 0..d {
                    m.row_mut(j)[j] = 1.0 + 0.2 * (c + j) as f64;
                }
                m
            })
            .collect();
        let kinds = [
            Covariances::Full(full.clone()),
            Covariances::Diag(
                Mat::from_vec(
                    wave(k * d, 0.5).iter().map(|v| 1.0 + v.abs()).collect(),
                    k,
                    d,
                )
                .unwrap(),
            ),
            Covariances::Spherical((0..k).map(|c| 0.5 + c as f64).collect()),
            Covariances::Tied(full[2].clone()),
        ];
        let shift = vec![0.1; d];
        for mut cov in kinds {
            let f = factor(&mut cov, d, 1.0);
            let params = GmmParameters {
                weights: vec![1.0 / k as f64; k],
                means: means.clone(),
                covariances: cov,
            };
            let ev = Evaluator::new(&params, &f, &shift);
            let at = |level| {
                let mut s = Scratch::default();
                ev.load(x.view(), 0, b, &mut s);
                ev.log_prob_t_at(level, b, &mut s);
                s.lpt.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            };
            let reference = at(Level::Portable);
            for level in [Level::Avx2, Level::Avx512] {
                if supported(level) {
                    assert_eq!(
                        at(level),
                        reference,
                        "{:?} at {level:?}",
                        params.covariances.covariance_type()
                    );
                }
            }
        }
    }

    #[test]
    fn normalize_cols_matches_normalize_row_bitwise() {
        // 3 components over 21 rows: component 2 is far (> 708 below the maximum: exactly 0)
        // on the first 16 rows; row 20 underflows.
        let (k, b) = (3, 21);
        let mut lpt = vec![0.0; k * b];
        for i in 0..b {
            lpt[i] = -1.0 - 0.1 * i as f64;
            lpt[b + i] = -2.0 + 0.05 * i as f64;
            lpt[2 * b + i] = if i < 16 {
                -900.0 - i as f64
            } else {
                -3.0 - 40.0 * i as f64
            };
        }
        for c in 0..k {
            lpt[c * b + 20] = f64::NEG_INFINITY;
        }
        let rows: Vec<Vec<f64>> = (0..b)
            .map(|i| (0..k).map(|c| lpt[c * b + i]).collect())
            .collect();
        let mut ll = vec![];
        assert_eq!(normalize_cols(&mut lpt, k, b, &mut ll, -7.0), 1);
        for (i, mut row) in rows.into_iter().enumerate() {
            let want = normalize_row(&mut row);
            assert_eq!(ll[i], want.unwrap_or(-7.0), "row {i}");
            for c in 0..k {
                assert_eq!(
                    lpt[c * b + i].to_bits(),
                    row[c].to_bits(),
                    "row {i}, component {c}"
                );
            }
        }
        assert_eq!(lpt[2 * b + 3], 0.0);
    }
}
