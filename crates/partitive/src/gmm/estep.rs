//! E-step kernel: weighted log-densities `ln w_k + ln N(x | μ_k, Σ_k)` for a block of
//! rows, and their log-sum-exp normalisation into responsibilities.
//!
//! Rows are first centred on a fixed shift (the data mean) and widened to `f64`.
//! For full and tied covariances the Mahalanobis terms of all components come from one
//! GEMM, `Y = D · [U_1 … U_k]` (`D` = centred block, `U_k` = precision Cholesky
//! factors), followed by `‖Y_k − c_k‖²` with `c_k = (μ_k − shift) U_k`.

use super::covariance::{CovarianceType, Factored, GmmParameters, PrecisionCholesky};
use crate::float::Float;
use crate::matrix::MatRef;

/// Rows per block inside a chunk (fixed: it does not affect results, only speed).
pub(crate) const BLOCK_ROWS: usize = 128;

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
    /// Full/tied: `d × (nb·d)` row-major factor matrix `[U_1 … U_nb]`.
    w: Vec<f64>,
    /// Full/tied: `k × d` offsets `c_k = (μ_k − shift) U_k`.
    c: Vec<f64>,
    /// Diag/spherical: `k × d` centred means `μ_k − shift`.
    delta: Vec<f64>,
    /// Diag: `k × d` values `1/σ_kj`; spherical: `k` values `1/σ_k`.
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
        let mut delta = vec![0.0; k * d];
        for c in 0..k {
            for j in 0..d {
                delta[c * d + j] = params.means.row(c)[j] - shift[j];
            }
        }
        let (mut w, mut cc, mut prec) = (Vec::new(), Vec::new(), Vec::new());
        match &f.chol {
            PrecisionCholesky::Full(us) => {
                let nb = us.len();
                w = vec![0.0; d * nb * d];
                for (b, u) in us.iter().enumerate() {
                    for i in 0..d {
                        w[i * nb * d + b * d..i * nb * d + b * d + d].copy_from_slice(u.row(i));
                    }
                }
                cc = offsets(&delta, &w, k, d, nb);
            }
            PrecisionCholesky::Tied(u) => {
                w = u.as_slice().to_vec();
                cc = offsets(&delta, &w, k, d, 1);
            }
            PrecisionCholesky::Diag(p) => prec = p.as_slice().to_vec(),
            PrecisionCholesky::Spherical(p) => prec = p.clone(),
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
    pub fn log_prob(&self, b: usize, s: &mut Scratch) {
        let (k, d) = (self.k, self.d);
        s.lp.resize(b * k, 0.0);
        match self.kind {
            CovarianceType::Full | CovarianceType::Tied => {
                let nb = if self.kind == CovarianceType::Full {
                    k
                } else {
                    1
                };
                let width = nb * d;
                s.y.resize(b * width, 0.0);
                faer::linalg::matmul::matmul(
                    faer::MatMut::from_row_major_slice_mut(&mut s.y[..b * width], b, width),
                    faer::Accum::Replace,
                    faer::MatRef::from_row_major_slice(&s.dblk[..b * d], b, d),
                    faer::MatRef::from_row_major_slice(&self.w, d, width),
                    1.0,
                    faer::Par::Seq,
                );
                for i in 0..b {
                    let yi = &s.y[i * width..(i + 1) * width];
                    for c in 0..k {
                        let blk = if nb == 1 { 0 } else { c };
                        let yc = &yi[blk * d..blk * d + d];
                        let cc = &self.c[c * d..c * d + d];
                        let mut q = 0.0;
                        for j in 0..d {
                            let t = yc[j] - cc[j];
                            q += t * t;
                        }
                        s.lp[i * k + c] = self.constant[c] - 0.5 * q;
                    }
                }
            }
            CovarianceType::Diag => {
                for i in 0..b {
                    let xi = &s.dblk[i * d..(i + 1) * d];
                    for c in 0..k {
                        let mu = &self.delta[c * d..c * d + d];
                        let p = &self.prec[c * d..c * d + d];
                        let mut q = 0.0;
                        for j in 0..d {
                            let t = (xi[j] - mu[j]) * p[j];
                            q += t * t;
                        }
                        s.lp[i * k + c] = self.constant[c] - 0.5 * q;
                    }
                }
            }
            CovarianceType::Spherical => {
                for i in 0..b {
                    let xi = &s.dblk[i * d..(i + 1) * d];
                    for c in 0..k {
                        let mu = &self.delta[c * d..c * d + d];
                        let mut q = 0.0;
                        for j in 0..d {
                            let t = xi[j] - mu[j];
                            q += t * t;
                        }
                        let p = self.prec[c];
                        s.lp[i * k + c] = self.constant[c] - 0.5 * q * (p * p);
                    }
                }
            }
        }
    }
}

/// `c_k = δ_k · U_blk(k)` for all components.
fn offsets(delta: &[f64], w: &[f64], k: usize, d: usize, nb: usize) -> Vec<f64> {
    let width = nb * d;
    let mut c = vec![0.0; k * d];
    for comp in 0..k {
        let blk = if nb == 1 { 0 } else { comp };
        for i in 0..d {
            let di = delta[comp * d + i];
            let wrow = &w[i * width + blk * d..i * width + blk * d + d];
            for j in 0..d {
                c[comp * d + j] += di * wrow[j];
            }
        }
    }
    c
}

/// Turns one row of weighted log-probabilities into responsibilities in place and
/// returns the row's log-likelihood (log-sum-exp), or `None` when every density
/// underflowed (the row is then given uniform responsibilities).
#[inline]
pub(crate) fn normalize_row(lp: &mut [f64]) -> Option<f64> {
    let m = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        let u = 1.0 / lp.len() as f64;
        lp.iter_mut().for_each(|v| *v = u);
        return None;
    }
    let mut sum = 0.0;
    for v in lp.iter_mut() {
        *v = (*v - m).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    lp.iter_mut().for_each(|v| *v *= inv);
    Some(m + sum.ln())
}
