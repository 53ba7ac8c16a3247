//! A deliberately naive EM step for the tests: explicit loops over rows, components and
//! coordinates, dense covariances inverted by Gauss–Jordan elimination, two-pass
//! covariances. Slow and obviously right, so that the fast kernels can be checked.

use super::*;
use crate::matrix::Mat;

fn inv_det(a: &[Vec<f64>]) -> (Vec<Vec<f64>>, f64) {
    let d = a.len();
    let mut m: Vec<Vec<f64>> = a.to_vec();
    let mut inv: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let mut det = 1.0;
    for c in 0..d {
        let p = (c..d)
            .max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs()))
            .unwrap();
        if p != c {
            m.swap(p, c);
            inv.swap(p, c);
            det = -det;
        }
        let piv = m[c][c];
        det *= piv;
        for j in 0..d {
            m[c][j] /= piv;
            inv[c][j] /= piv;
        }
        for i in 0..d {
            if i != c {
                let f = m[i][c];
                for j in 0..d {
                    m[i][j] -= f * m[c][j];
                    inv[i][j] -= f * inv[c][j];
                }
            }
        }
    }
    (inv, det)
}

/// Full covariances of every component as dense matrices.
fn dense_covs(p: &GmmParameters, d: usize) -> Vec<Vec<Vec<f64>>> {
    let k = p.weights.len();
    let from = |m: &Mat<f64>| (0..d).map(|i| m.row(i).to_vec()).collect::<Vec<_>>();
    let diag = |v: Vec<f64>| {
        (0..d)
            .map(|i| (0..d).map(|j| if i == j { v[i] } else { 0.0 }).collect())
            .collect()
    };
    match &p.covariances {
        Covariances::Full(v) => v.iter().map(from).collect(),
        Covariances::Tied(m) => vec![from(m); k],
        Covariances::Diag(m) => (0..k).map(|c| diag(m.row(c).to_vec())).collect(),
        Covariances::Spherical(v) => v.iter().map(|&s| diag(vec![s; d])).collect(),
    }
}

/// One naive E-step + M-step; returns (mean log-likelihood, new parameters).
pub(super) fn naive_em_step(x: &Mat<f64>, p: &GmmParameters, reg: f64) -> (f64, GmmParameters) {
    let (n, d, k) = (x.n_rows(), x.n_cols(), p.weights.len());
    let covs = dense_covs(p, d);
    let invs: Vec<_> = covs.iter().map(|c| inv_det(c)).collect();
    let mut resp = vec![vec![0.0; k]; n];
    let mut ll = 0.0;
    for i in 0..n {
        let xi = x.row(i);
        let lp: Vec<f64> = (0..k)
            .map(|c| {
                let mu = p.means.row(c);
                let (inv, det) = &invs[c];
                let mut q = 0.0;
                for a in 0..d {
                    for b in 0..d {
                        q += (xi[a] - mu[a]) * inv[a][b] * (xi[b] - mu[b]);
                    }
                }
                p.weights[c].ln()
                    - 0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + det.ln() + q)
            })
            .collect();
        let m = lp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = lp.iter().map(|v| (v - m).exp()).sum();
        let lse = m + s.ln();
        ll += lse;
        for c in 0..k {
            resp[i][c] = (lp[c] - lse).exp();
        }
    }
    let eps = 10.0 * f64::EPSILON;
    let nk: Vec<f64> = (0..k)
        .map(|c| (0..n).map(|i| resp[i][c]).sum::<f64>() + eps)
        .collect();
    let tot: f64 = nk.iter().sum();
    let mut means = Mat::filled(k, d, 0.0);
    for c in 0..k {
        for j in 0..d {
            means.row_mut(c)[j] = (0..n).map(|i| resp[i][c] * x.row(i)[j]).sum::<f64>() / nk[c];
        }
    }
    let full: Vec<Mat<f64>> = (0..k)
        .map(|c| {
            let mut m = Mat::filled(d, d, 0.0);
            for a in 0..d {
                for b in 0..d {
                    let mut v = 0.0;
                    for i in 0..n {
                        v += resp[i][c]
                            * (x.row(i)[a] - means.row(c)[a])
                            * (x.row(i)[b] - means.row(c)[b]);
                    }
                    m.row_mut(a)[b] = v / nk[c];
                }
            }
            m
        })
        .collect();
    let covariances = match p.covariances.covariance_type() {
        CovarianceType::Full => Covariances::Full(
            full.into_iter()
                .map(|mut m| {
                    (0..d).for_each(|j| m.row_mut(j)[j] += reg);
                    m
                })
                .collect(),
        ),
        CovarianceType::Tied => {
            let mut t = Mat::filled(d, d, 0.0);
            for c in 0..k {
                for a in 0..d {
                    for b in 0..d {
                        t.row_mut(a)[b] += full[c].row(a)[b] * nk[c] / tot;
                    }
                }
            }
            (0..d).for_each(|j| t.row_mut(j)[j] += reg);
            Covariances::Tied(t)
        }
        CovarianceType::Diag => {
            let mut v = Mat::filled(k, d, 0.0);
            for c in 0..k {
                for j in 0..d {
                    v.row_mut(c)[j] = full[c].row(j)[j] + reg;
                }
            }
            Covariances::Diag(v)
        }
        CovarianceType::Spherical => Covariances::Spherical(
            (0..k)
                .map(|c| (0..d).map(|j| full[c].row(j)[j]).sum::<f64>() / d as f64 + reg)
                .collect(),
        ),
    };
    let weights = nk.iter().map(|v| v / tot).collect();
    (
        ll / n as f64,
        GmmParameters {
            weights,
            means,
            covariances,
        },
    )
}
