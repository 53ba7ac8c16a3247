//! E-step kernel: weighted log-densities `ln w_k + ln N(x | μ_k, Σ_k)` for a block of
//! rows, and their log-sum-exp normalisation into responsibilities.
//!
//! Rows are first centred on a fixed shift (the data mean) and widened to `f64`.
//! For full and tied covariances the Mahalanobis terms of all components come from one
//! GEMM, `Y = D · [U_1 … U_k]` (`D` = centred block, `U_k` = precision Cholesky
//! factors), followed by `‖Y_k − c_k‖²` with `c_k = (μ_k − shift) U_k`.

use super::covariance::{CovarianceType, Factored, GmmParameters, PrecisionCholesky};
use super::simd::exp_nonpositive;
use crate::float::Float;
use crate::matrix::MatRef;

/// Rows per block inside a chunk (fixed: it does not affect results, only speed).
pub(crate) const BLOCK_ROWS: usize = 128;

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Everything the E-step needs, precomputed from the parameters.
///
/// Per-component vectors are stored *interleaved*, index `j·k + c` (column `j`,
/// component `c`), so that the inner loops run over components with unit stride and
/// vectorise without reordering any sum.
pub(crate) struct Evaluator {
    pub kind: CovarianceType,
    pub k: usize,
    pub d: usize,
    /// The point rows are centred on.
    pub shift: Vec<f64>,
    /// `ln w_k + Σ ln U_jj − ½ d ln 2π` per component.
    constant: Vec<f64>,
    /// Full: `d × (d·k)` row-major, `w[a, j·k + c] = U_c[a, j]`; tied: `U`, `d × d`.
    w: Vec<f64>,
    /// Full/tied: offsets `(μ_c − shift) U_c`, interleaved.
    c: Vec<f64>,
    /// Diag/spherical: centred means `μ_c − shift`, interleaved.
    delta: Vec<f64>,
    /// Diag: `1/σ_cj` interleaved; spherical: `1/σ_c²` per component.
    prec: Vec<f64>,
}

/// Scratch buffers reused across the blocks of one chunk.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Centred block, `b × d`.
    pub dblk: Vec<f64>,
    /// Weighted log-probabilities then responsibilities, `b × k`.
    pub lp: Vec<f64>,
    /// GEMM output / M-step products.
    pub y: Vec<f64>,
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
        // δ interleaved: delta[j·k + c] = μ_cj − shift_j.
        let mut delta = vec![0.0; k * d];
        for c in 0..k {
            for j in 0..d {
                delta[j * k + c] = params.means.row(c)[j] - shift[j];
            }
        }
        let (mut w, mut cc, mut prec) = (Vec::new(), Vec::new(), Vec::new());
        let offset = |c: usize, u: &crate::matrix::Mat<f64>, j: usize| -> f64 {
            let mut v = 0.0;
            for a in 0..d {
                v += delta[a * k + c] * u.row(a)[j];
            }
            v
        };
        match &f.chol {
            PrecisionCholesky::Full(us) => {
                w = vec![0.0; d * d * k];
                cc = vec![0.0; d * k];
                for (c, u) in us.iter().enumerate() {
                    for a in 0..d {
                        for j in 0..d {
                            w[a * d * k + j * k + c] = u.row(a)[j];
                        }
                    }
                    for j in 0..d {
                        cc[j * k + c] = offset(c, u, j);
                    }
                }
            }
            PrecisionCholesky::Tied(u) => {
                w = u.as_slice().to_vec();
                cc = vec![0.0; d * k];
                for c in 0..k {
                    for j in 0..d {
                        cc[j * k + c] = offset(c, u, j);
                    }
                }
            }
            PrecisionCholesky::Diag(p) => {
                prec = vec![0.0; d * k];
                for c in 0..k {
                    for j in 0..d {
                        prec[j * k + c] = p.row(c)[j];
                    }
                }
            }
            PrecisionCholesky::Spherical(p) => prec = p.iter().map(|v| v * v).collect(),
        }
        Evaluator {
            kind,
            k,
            d,
            shift: shift.to_vec(),
            constant,
            w,
            c: cc,
            delta,
            prec,
        }
    }

    /// Loads rows `start..start+b` of `x` into `s.dblk`, centred and widened.
    #[inline(always)]
    pub fn load<T: Float>(&self, x: MatRef<'_, T>, start: usize, b: usize, s: &mut Scratch) {
        let d = self.d;
        s.dblk.resize(b * d, 0.0);
        let src = &x.as_slice()[start * d..(start + b) * d];
        for (dst, row) in s.dblk.chunks_exact_mut(d).zip(src.chunks_exact(d)) {
            for j in 0..d {
                dst[j] = row[j].as_f64() - self.shift[j];
            }
        }
    }

    /// Weighted log-probabilities of the `b` loaded rows into `s.lp` (`b × k`).
    #[inline(always)]
    pub fn log_prob(&self, b: usize, s: &mut Scratch) {
        let (k, d) = (self.k, self.d);
        s.lp.clear();
        s.lp.resize(b * k, 0.0);
        let full = self.kind == CovarianceType::Full;
        match self.kind {
            CovarianceType::Full | CovarianceType::Tied => {
                let width = if full { d * k } else { d };
                s.y.resize(b * width, 0.0);
                faer::linalg::matmul::matmul(
                    faer::MatMut::from_row_major_slice_mut(&mut s.y[..b * width], b, width),
                    faer::Accum::Replace,
                    faer::MatRef::from_row_major_slice(&s.dblk[..b * d], b, d),
                    faer::MatRef::from_row_major_slice(&self.w, d, width),
                    1.0,
                    faer::Par::Seq,
                );
                for (yi, q) in s.y.chunks_exact(width).zip(s.lp.chunks_exact_mut(k)) {
                    for j in 0..d {
                        let cj = &self.c[j * k..(j + 1) * k];
                        if full {
                            let yj = &yi[j * k..(j + 1) * k];
                            for c in 0..k {
                                let t = yj[c] - cj[c];
                                q[c] += t * t;
                            }
                        } else {
                            let yj = yi[j];
                            for c in 0..k {
                                let t = yj - cj[c];
                                q[c] += t * t;
                            }
                        }
                    }
                }
            }
            CovarianceType::Diag => {
                for (xi, q) in s.dblk.chunks_exact(d).zip(s.lp.chunks_exact_mut(k)) {
                    for j in 0..d {
                        let mu = &self.delta[j * k..(j + 1) * k];
                        let p = &self.prec[j * k..(j + 1) * k];
                        for c in 0..k {
                            let t = (xi[j] - mu[c]) * p[c];
                            q[c] += t * t;
                        }
                    }
                }
            }
            CovarianceType::Spherical => {
                for (xi, q) in s.dblk.chunks_exact(d).zip(s.lp.chunks_exact_mut(k)) {
                    for j in 0..d {
                        let mu = &self.delta[j * k..(j + 1) * k];
                        for c in 0..k {
                            let t = xi[j] - mu[c];
                            q[c] += t * t;
                        }
                    }
                    for c in 0..k {
                        q[c] *= self.prec[c];
                    }
                }
            }
        }
        for q in s.lp.chunks_exact_mut(k) {
            for c in 0..k {
                q[c] = self.constant[c] - 0.5 * q[c];
            }
        }
    }
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
