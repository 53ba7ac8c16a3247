//! Evidence about pairs of mixture components taken from the fit points themselves: the
//! saddle along the points' nearest-neighbour graph, and whether the two components'
//! points, projected on the axis that separates them best, show a gap (dip test).
//!
//! - **Neighbourhood saddle.** In coordinates whitened by the mixture's mean within-
//!   component covariance (so the graph does not depend on units or on an affine change
//!   of the data), every fit point is joined to its [`KNN_K`] nearest neighbours. The
//!   saddle of components `c` and `d` is the highest `min(f_i, f_j)` over graph edges
//!   from a point of `c` to a point of `d`: the highest level at which the data
//!   themselves connect the two, along however curved a path — the persistence-based
//!   view of F. Chazal, L. J. Guibas, S. Y. Oudot, P. Skraba, *Persistence-based
//!   clustering in Riemannian manifolds*, J. ACM 60(6), 2013 (doi:10.1145/2535927).
//!   `f` is the log mixture density in the merge's first pass and the points' own
//!   k-nearest-neighbour density in its second ([`knn_density`]: `f_i = ln(K / (m V_d
//!   r_i^d))`, `r_i` = distance to the K-th neighbour, `V_d` = volume of the unit ball;
//!   D. O. Loftsgaarden, C. P. Quesenberry, *A nonparametric estimate of a multivariate
//!   density function*, Ann. Math. Statist. 36(3), 1965), brought back to the data's
//!   units by the whitening's Jacobian.
//! - **Gap test.** The points of `c` and `d` are projected on Fisher's discriminant axis
//!   `(Σ_c + Σ_d)⁻¹ (μ_d − μ_c)`; Hartigan's dip test ([`super::dip`]) says whether the
//!   projection is bimodal — a gap between the two — or consistent with one unimodal
//!   cluster (cf. C. Hennig, *Methods for merging Gaussian mixture components*, ADAC 4(1),
//!   2010, doi:10.1007/s11634-010-0058-3, §4 on dip-based merging).

use super::dip::{critical_95, critical_99, dip};
use super::knn::Knn;
use super::result::PppMixture;
use crate::gmm::covariance::Covariances;
use crate::matrix::Mat;

/// Neighbours per fit point in the neighbourhood graph. Ten is the customary size of a
/// k-nearest-neighbour density graph (HDBSCAN*'s default `min_samples` is 5, ToMATo's
/// examples use 5-15); the merge results on the development batteries were flat between
/// 5 and 20 (bench/ppp/README.md).
pub const KNN_K: usize = 10;

/// Covariance matrix of component `c` (`d × d`, row-major).
fn covariance(g: &PppMixture, c: usize) -> Vec<f64> {
    let d = g.shift.len();
    match &g.params.covariances {
        Covariances::Full(v) => v[c].as_slice().to_vec(),
        Covariances::Spherical(v) => {
            let mut m = vec![0.0; d * d];
            for j in 0..d {
                m[j * d + j] = v[c];
            }
            m
        }
        Covariances::Diag(v) => {
            let mut m = vec![0.0; d * d];
            for j in 0..d {
                m[j * d + j] = v.row(c)[j];
            }
            m
        }
        Covariances::Tied(v) => v.as_slice().to_vec(),
    }
}

/// Lower Cholesky factor of the symmetric positive definite `a` (`d × d`), with the
/// diagonal floored at a tiny fraction of its scale (the mixture's covariances carry a
/// ridge, so the floor only guards rounding).
fn cholesky(a: &[f64], d: usize) -> Vec<f64> {
    let scale = (0..d).map(|j| a[j * d + j].abs()).fold(0.0, f64::max);
    let floor = (scale * 1e-14).max(1e-300);
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = a[i * d + j] - (0..j).map(|t| l[i * d + t] * l[j * d + t]).sum::<f64>();
            if i == j {
                l[i * d + i] = s.max(floor).sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    l
}

/// Solves `L Lᵀ x = b` for the lower factor `l`.
fn solve(l: &[f64], d: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..d {
        let s: f64 = (0..i).map(|t| l[i * d + t] * y[t]).sum();
        y[i] = (y[i] - s) / l[i * d + i];
    }
    for i in (0..d).rev() {
        let s: f64 = (i + 1..d).map(|t| l[t * d + i] * y[t]).sum();
        y[i] = (y[i] - s) / l[i * d + i];
    }
    y
}

/// The rows of `x` in coordinates where the weighted mean component covariance is the
/// identity: `z = L⁻¹ x` with `L Lᵀ = Σ_c w_c Σ_c / Σ_c w_c`; and `ln det L` (a density
/// in `z` is one in the data's units times `det L`).
pub(crate) fn whiten(g: &PppMixture, x: &Mat<f64>) -> (Mat<f64>, f64) {
    let d = g.shift.len();
    let k = g.params.weights.len();
    let wsum: f64 = g.params.weights.iter().sum();
    let mut pooled = vec![0.0; d * d];
    for c in 0..k {
        let w = g.params.weights[c] / wsum;
        for (p, v) in pooled.iter_mut().zip(covariance(g, c)) {
            *p += w * v;
        }
    }
    let l = cholesky(&pooled, d);
    let mut out = Vec::with_capacity(x.n_rows() * d);
    for i in 0..x.n_rows() {
        let row = x.row(i);
        let mut y = vec![0.0; d];
        for a in 0..d {
            let s: f64 = (0..a).map(|t| l[a * d + t] * y[t]).sum();
            y[a] = (row[a] - g.shift[a] - s) / l[a * d + a];
        }
        out.extend(y);
    }
    let log_det: f64 = (0..d).map(|j| l[j * d + j].ln()).sum();
    (
        Mat::from_vec(out, x.n_rows(), d).expect("sizes match"),
        log_det,
    )
}

/// The k-nearest-neighbour log density of every row of the whitened `z` (in the data's
/// units: `log_det` = `ln det L` of [`whiten`]), from the graph `nn` of `z`. A point with
/// a neighbour at distance zero (duplicates) gets the density of the smallest positive
/// distance seen, so the estimate stays finite.
pub(crate) fn knn_density(z: &Mat<f64>, nn: &Knn, log_det: f64) -> Vec<f64> {
    let (m, d) = (z.n_rows(), z.n_cols());
    let r2: Vec<f64> = (0..m)
        .map(|i| match nn.of(i).last() {
            Some(&j) => z
                .row(i)
                .iter()
                .zip(z.row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum(),
            None => f64::INFINITY,
        })
        .collect();
    let floor = r2
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let half_d = 0.5 * d as f64;
    // V_d = π^{d/2} / Γ(d/2 + 1); ln Γ by the recurrence from Γ(1) = 1 and Γ(1/2) = √π.
    let mut ln_gamma = if d % 2 == 0 {
        0.0
    } else {
        0.5 * std::f64::consts::PI.ln()
    };
    let mut t = if d % 2 == 0 { 1.0 } else { 0.5 };
    while t < half_d + 1.0 - 0.25 {
        ln_gamma += t.ln();
        t += 1.0;
    }
    let ln_vd = half_d * std::f64::consts::PI.ln() - ln_gamma;
    let c = (nn.k as f64).ln() - (m as f64).ln() - ln_vd - log_det;
    r2.iter().map(|&v| c - half_d * v.max(floor).ln()).collect()
}

/// The neighbourhood saddle of every pair of components (`K × K`, symmetric, log
/// densities; −∞ where no edge joins the two): `a[i]` = component of fit point `i`,
/// `f[i]` its log density, `g` the neighbourhood graph.
pub(crate) fn knn_saddles(g: &Knn, a: &[usize], f: &[f64], k_comp: usize) -> Vec<f64> {
    let mut sad = vec![f64::NEG_INFINITY; k_comp * k_comp];
    for i in 0..a.len() {
        for &j in g.of(i) {
            let (c, d) = (a[i], a[j]);
            if c != d {
                let v = f[i].min(f[j]);
                for (p, q) in [(c, d), (d, c)] {
                    let s = &mut sad[p * k_comp + q];
                    *s = s.max(v);
                }
            }
        }
    }
    sad
}

/// The dip test of one pair: the dip of the projections of the points of components `c`
/// and `d` on Fisher's axis, and the 95% critical value for that many points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GapTest {
    /// Hartigan's dip of the projected points.
    pub dip: f64,
    /// The 95% critical value of the dip under a uniform (unimodal) null.
    pub critical: f64,
    /// Points projected.
    pub points: usize,
}

impl GapTest {
    /// Whether the projection is significantly bimodal (a gap between the two).
    pub(crate) fn gap(&self) -> bool {
        self.dip > self.critical
    }
}

/// Significance level of a [`GapTest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GapLevel {
    /// 5%: the test for two Gaussian-looking components.
    Five,
    /// 1%: where a component is not Gaussian-looking — a curved or flat piece projects on
    /// Fisher's axis as an interval offset from its neighbour's even when the two touch,
    /// which inflates the dip; a gap must be clearer.
    One,
}

/// [`GapTest`] of components `c` and `d` on the points `x` (`a[i]` = component of row
/// `i`), at significance `level`.
pub(crate) fn gap_test(
    g: &PppMixture,
    x: &Mat<f64>,
    a: &[usize],
    (c, d): (usize, usize),
    level: GapLevel,
) -> GapTest {
    let dim = g.shift.len();
    let (sc, sd) = (covariance(g, c), covariance(g, d));
    let sum: Vec<f64> = sc.iter().zip(&sd).map(|(u, v)| u + v).collect();
    let (mc, md) = (g.params.means.row(c), g.params.means.row(d));
    let delta: Vec<f64> = md.iter().zip(mc).map(|(u, v)| u - v).collect();
    let w = solve(&cholesky(&sum, dim), dim, &delta);
    let mut t: Vec<f64> = (0..x.n_rows())
        .filter(|&i| a[i] == c || a[i] == d)
        .map(|i| x.row(i).iter().zip(&w).map(|(u, v)| u * v).sum())
        .collect();
    let points = t.len();
    GapTest {
        dip: dip(&mut t),
        critical: match level {
            GapLevel::Five => critical_95(points),
            GapLevel::One => critical_99(points),
        },
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2);
        let x = solve(&l, 2, &[2.0, 1.0]);
        // a x = b
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
    }
}
