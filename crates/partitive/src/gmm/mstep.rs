//! M-step: mergeable sufficient statistics of a chunk and the parameter update.
//!
//! Statistics are accumulated in `f64` on rows centred on a fixed shift `s` (the data
//! mean), which avoids the cancellation of `Σ r x xᵀ − N μ μᵀ` far from the origin:
//! `N_k = Σ r`, `S1_k = Σ r (x − s)`, `S2_k = Σ r (x − s)(x − s)ᵀ`; then
//! `μ_k = s + S1_k/N_k` and `Σ_k = S2_k/N_k − δ_k δ_kᵀ + reg·I` with `δ_k = S1_k/N_k`.
//! For full covariances `S2` of all components is one GEMM per block,
//! `Dᵀ · [r_1∘D … r_k∘D]`.

use super::covariance::{CovarianceType, Covariances, GmmParameters};
use crate::matrix::Mat;

/// Partial statistics of a set of rows (mergeable in chunk order).
#[derive(Debug, Clone)]
pub(crate) struct Stats {
    /// `Σ r_ik` (weighted) per component.
    pub nk: Vec<f64>,
    /// `k × d`: `Σ r_ik (x_i − s)`.
    pub s1: Vec<f64>,
    /// Full: `d × (k·d)` with `S2_k` in column block `k`; diag/spherical: `k × d`
    /// (diagonals only); tied: empty (the total scatter is constant).
    pub s2: Vec<f64>,
    /// `Σ w_i ln p(x_i)`.
    pub loglik: f64,
    /// Rows whose densities all underflowed.
    pub underflow: usize,
}

impl Stats {
    /// Zero statistics for `k` components in `d` dimensions.
    pub fn zeros(kind: CovarianceType, k: usize, d: usize) -> Self {
        let s2 = match kind {
            CovarianceType::Full => k * d * d,
            CovarianceType::Diag | CovarianceType::Spherical => k * d,
            CovarianceType::Tied => 0,
        };
        Stats {
            nk: vec![0.0; k],
            s1: vec![0.0; k * d],
            s2: vec![0.0; s2],
            loglik: 0.0,
            underflow: 0,
        }
    }

    /// Adds `other` (the next chunk's statistics).
    pub fn merge(&mut self, other: Stats) {
        add(&mut self.nk, &other.nk);
        add(&mut self.s1, &other.s1);
        add(&mut self.s2, &other.s2);
        self.loglik += other.loglik;
        self.underflow += other.underflow;
    }

    /// Accumulates a block: `dblk` is `b × d` centred rows, `r` is `b × k` weighted
    /// responsibilities, `tmp` a scratch buffer.
    #[inline(always)]
    pub fn accumulate(
        &mut self,
        kind: CovarianceType,
        dblk: &[f64],
        r: &[f64],
        b: usize,
        d: usize,
        tmp: &mut Vec<f64>,
    ) {
        let k = self.nk.len();
        match kind {
            CovarianceType::Full => {
                let width = k * d;
                tmp.resize(b * width, 0.0);
                for i in 0..b {
                    let xi = &dblk[i * d..(i + 1) * d];
                    let ri = &r[i * k..(i + 1) * k];
                    let out = &mut tmp[i * width..(i + 1) * width];
                    for c in 0..k {
                        let rc = ri[c];
                        self.nk[c] += rc;
                        let o = &mut out[c * d..c * d + d];
                        let s1 = &mut self.s1[c * d..c * d + d];
                        for j in 0..d {
                            let v = rc * xi[j];
                            o[j] = v;
                            s1[j] += v;
                        }
                    }
                }
                faer::linalg::matmul::matmul(
                    faer::MatMut::from_row_major_slice_mut(&mut self.s2, d, width),
                    faer::Accum::Add,
                    faer::MatRef::from_row_major_slice(&dblk[..b * d], b, d).transpose(),
                    faer::MatRef::from_row_major_slice(&tmp[..b * width], b, width),
                    1.0,
                    faer::Par::Seq,
                );
            }
            CovarianceType::Diag | CovarianceType::Spherical => {
                for i in 0..b {
                    let xi = &dblk[i * d..(i + 1) * d];
                    for c in 0..k {
                        let rc = r[i * k + c];
                        self.nk[c] += rc;
                        let s1 = &mut self.s1[c * d..c * d + d];
                        let s2 = &mut self.s2[c * d..c * d + d];
                        for j in 0..d {
                            let v = rc * xi[j];
                            s1[j] += v;
                            s2[j] += v * xi[j];
                        }
                    }
                }
            }
            CovarianceType::Tied => {
                for i in 0..b {
                    let xi = &dblk[i * d..(i + 1) * d];
                    for c in 0..k {
                        let rc = r[i * k + c];
                        self.nk[c] += rc;
                        let s1 = &mut self.s1[c * d..c * d + d];
                        for j in 0..d {
                            s1[j] += rc * xi[j];
                        }
                    }
                }
            }
        }
    }
}

fn add(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// What the M-step needs besides the statistics.
pub(crate) struct MStepInput<'a> {
    pub kind: CovarianceType,
    pub d: usize,
    pub reg_covar: f64,
    /// Added to every `N_k` (10 × machine epsilon of the data type, as scikit-learn).
    pub nk_eps: f64,
    /// The shift `s` the statistics are centred on.
    pub shift: &'a [f64],
    /// Tied only: `Σ w_i (x_i − s)(x_i − s)ᵀ`, `d × d`.
    pub scatter: &'a [f64],
}

/// New parameters from merged statistics. Weights are `N_k / Σ N_k`.
pub(crate) fn update(stats: &Stats, inp: &MStepInput<'_>) -> GmmParameters {
    let k = stats.nk.len();
    let d = inp.d;
    let nk: Vec<f64> = stats.nk.iter().map(|v| v + inp.nk_eps).collect();
    let total: f64 = nk.iter().sum();
    let weights = nk.iter().map(|v| v / total).collect();
    let mut delta = vec![0.0; k * d];
    let mut means = Mat::filled(k, d, 0.0);
    for c in 0..k {
        for j in 0..d {
            let dl = stats.s1[c * d + j] / nk[c];
            delta[c * d + j] = dl;
            means.row_mut(c)[j] = inp.shift[j] + dl;
        }
    }
    let covariances = match inp.kind {
        CovarianceType::Full => {
            let width = k * d;
            let covs = (0..k)
                .map(|c| {
                    let dl = &delta[c * d..c * d + d];
                    let mut m = Mat::filled(d, d, 0.0);
                    for a in 0..d {
                        for b in 0..=a {
                            let sab = stats.s2[a * width + c * d + b];
                            let sba = stats.s2[b * width + c * d + a];
                            let v = 0.5 * (sab + sba) / nk[c] - dl[a] * dl[b];
                            m.row_mut(a)[b] = v;
                            m.row_mut(b)[a] = v;
                        }
                        m.row_mut(a)[a] += inp.reg_covar;
                    }
                    m
                })
                .collect();
            Covariances::Full(covs)
        }
        CovarianceType::Tied => {
            let mut m = Mat::filled(d, d, 0.0);
            for a in 0..d {
                for b in 0..=a {
                    let mut v = 0.5 * (inp.scatter[a * d + b] + inp.scatter[b * d + a]);
                    for c in 0..k {
                        v -= nk[c] * delta[c * d + a] * delta[c * d + b];
                    }
                    let v = v / total;
                    m.row_mut(a)[b] = v;
                    m.row_mut(b)[a] = v;
                }
                m.row_mut(a)[a] += inp.reg_covar;
            }
            Covariances::Tied(m)
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            let mut v = Mat::filled(k, d, 0.0);
            for c in 0..k {
                for j in 0..d {
                    let dl = delta[c * d + j];
                    v.row_mut(c)[j] = stats.s2[c * d + j] / nk[c] - dl * dl + inp.reg_covar;
                }
            }
            if inp.kind == CovarianceType::Diag {
                Covariances::Diag(v)
            } else {
                Covariances::Spherical(
                    (0..k)
                        .map(|c| v.row(c).iter().sum::<f64>() / d as f64)
                        .collect(),
                )
            }
        }
    };
    GmmParameters {
        weights,
        means,
        covariances,
    }
}
