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
//!   2010, doi:10.1007/s11634-010-0058-3, §4 on dip-based merging). In at most
//!   [`GRAPH_MAX_DIM`] dimensions, where two components whose union bends along one curve
//!   are pieces of an arc, the points are placed along that curve instead
//!   ([`along_curve`]): projected on the chord, an arc piles up at both ends, which the
//!   dip reads as a gap (a ring cut into two clusters; bench/ppp/README.md, session 21).

use super::dip::{critical_95, critical_99, dip};
use super::knn::{knn, sq_dist, Knn, SiteKnn};
use super::merge::GRAPH_MAX_DIM;
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
pub(super) fn cholesky(a: &[f64], d: usize) -> Vec<f64> {
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

/// Solves `L y = b` in place (`y` holds `b` on entry) for the lower factor `l`.
pub(super) fn forward(l: &[f64], d: usize, y: &mut [f64]) {
    for i in 0..d {
        let s: f64 = (0..i).map(|t| l[i * d + t] * y[t]).sum();
        y[i] = (y[i] - s) / l[i * d + i];
    }
}

/// Solves `L Lᵀ x = b` for the lower factor `l`.
fn solve(l: &[f64], d: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    forward(l, d, &mut y);
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
        let mut y: Vec<f64> = x.row(i).iter().zip(&g.shift).map(|(v, s)| v - s).collect();
        forward(&l, d, &mut y);
        out.extend(y);
    }
    let log_det: f64 = (0..d).map(|j| l[j * d + j].ln()).sum();
    (
        Mat::from_vec(out, x.n_rows(), d).expect("sizes match"),
        log_det,
    )
}

/// The k-nearest-neighbour log density of every row of the whitened `z` (in the data's
/// units: `log_det` = `ln det L` of [`whiten`]), from the graph `nn` of `z`'s locations:
/// the radius is the distance to the location that brings the rows counted (the row's own
/// duplicates first) to `k`. A point with `k` or more duplicates gets the density of the
/// smallest positive radius seen, so the estimate stays finite.
pub(crate) fn knn_density(z: &Mat<f64>, nn: &SiteKnn, log_det: f64) -> Vec<f64> {
    let (m, d) = (z.n_rows(), z.n_cols());
    let k = nn.k_rows;
    let r2: Vec<f64> = (0..m)
        .map(|i| {
            let mut seen = nn.count[i] - 1;
            if seen >= k {
                return 0.0;
            }
            let mut last = f64::INFINITY;
            for &j in nn.nn.of(i) {
                last = sq_dist(z.row(i), z.row(j));
                seen += nn.count[j];
                if seen >= k {
                    break;
                }
            }
            last
        })
        .collect();
    let floor = r2
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let half_d = 0.5 * d as f64;
    // V_d = π^{d/2} / Γ(d/2 + 1).
    let ln_vd = half_d * std::f64::consts::PI.ln() - ln_gamma_half(d);
    let c = (k as f64).ln() - (m as f64).ln() - ln_vd - log_det;
    r2.iter().map(|&v| c - half_d * v.max(floor).ln()).collect()
}

/// How much denser the fit points `x` lie around one another than the mixture `g` says,
/// in nats: `−(mean_i ln(m V_d r_iᵈ f(x_i)) + γ)`, with `r_i` the distance from point `i`
/// to its nearest other point (whitened coordinates, [`whiten`]; its density in the data's
/// units through `ln det L`), `f` the mixture density (`dens`: log, per point, −∞ where it
/// underflows), `V_d` the unit ball's volume and γ Euler's constant. Points at distance
/// zero (ties) are left out, and only the first [`super::merge::GRAPH_MAX`] rows are used;
/// `None` when fewer than half the points remain (discrete data:
/// ties say nothing about a density) or there are fewer than two.
///
/// Why: if the points were drawn from the mixture, `m V_d r_iᵈ f(x_i)` would be close to
/// an Exp(1) variable, whose logarithm has mean −γ, so the excess is near 0 (standard error
/// `π / √(6 m)`) when the components resolve the structure, and positive when the points
/// clump at a scale no component resolves — many small clusters of which the sample holds a
/// handful of points each, where BIC sees a smooth density. The nearest-neighbour distance
/// estimates a density (D. O. Loftsgaarden, C. P. Quesenberry, *A nonparametric estimate of
/// a multivariate density function*, Ann. Math. Statist. 36(3), 1965,
/// doi:10.1214/aoms/1177700079); meaningful in few dimensions only, like the graph.
pub(crate) fn local_excess(g: &PppMixture, x: &Mat<f64>, dens: &[f64]) -> Option<f64> {
    // The first GRAPH_MAX rows (brute-force neighbours cost O(m² d)).
    let (m, d) = (x.n_rows().min(super::merge::GRAPH_MAX), x.n_cols());
    if m < 2 {
        return None;
    }
    let sub = Mat::from_vec(x.as_slice()[..m * d].to_vec(), m, d).expect("sizes match");
    let (z, log_det) = whiten(g, &sub);
    let nn = knn(&z, 1);
    let half_d = 0.5 * d as f64;
    let ln_vd = half_d * std::f64::consts::PI.ln() - ln_gamma_half(d);
    let c = (m as f64 - 1.0).ln() + ln_vd + log_det;
    let (mut sum, mut used) = (0.0, 0usize);
    for (i, &f) in dens.iter().enumerate().take(m) {
        let Some(&j) = nn.of(i).first() else { continue };
        let r2 = sq_dist(z.row(i), z.row(j));
        if r2 > 0.0 && f.is_finite() {
            sum += c + half_d * r2.ln() + f;
            used += 1;
        }
    }
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
    (2 * used >= m && used > 0).then(|| -(sum / used as f64 + EULER_GAMMA))
}

/// `ln Γ(d/2 + 1)` by the recurrence from Γ(1) = 1 and Γ(1/2) = √π.
fn ln_gamma_half(d: usize) -> f64 {
    let mut ln_gamma = if d.is_multiple_of(2) {
        0.0
    } else {
        0.5 * std::f64::consts::PI.ln()
    };
    let mut t = if d.is_multiple_of(2) { 1.0 } else { 0.5 };
    while t < 0.5 * d as f64 + 1.0 - 0.25 {
        ln_gamma += t.ln();
        t += 1.0;
    }
    ln_gamma
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
    let l = cholesky(&sum, dim);
    let rows = || (0..x.n_rows()).filter(|&i| a[i] == c || a[i] == d);
    // Positions, and for the projection the axis in the data's units.
    let (mut t, w): (Vec<f64>, Option<Vec<f64>>) = if dim <= GRAPH_MAX_DIM {
        let t = along_curve(&l, dim, &delta, rows().map(|i| (x.row(i), a[i] == d)));
        (t, None)
    } else {
        let w = solve(&l, dim, &delta);
        let t = rows()
            .map(|i| x.row(i).iter().zip(&w).map(|(u, v)| u * v).sum())
            .collect();
        (t, Some(w))
    };
    spread_ties(&mut t, || {
        let axis = w.unwrap_or_else(|| whitened_axis(&l, dim, &delta));
        let res = resolution(x, rows());
        // A column with one value among the pair's points moves no position.
        axis.iter()
            .zip(&res)
            .filter(|(_, q)| q.is_finite())
            .map(|(w, q)| w.abs() * q)
            .sum()
    });
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

/// The position's change per unit of every column of [`along_curve`]'s axis (the unit
/// vector along `L⁻¹ δ` in whitened coordinates), in the data's units.
fn whitened_axis(l: &[f64], dim: usize, delta: &[f64]) -> Vec<f64> {
    let mut e = delta.to_vec();
    forward(l, dim, &mut e);
    let norm = e.iter().map(|v| v * v).sum::<f64>().sqrt();
    (0..dim)
        .map(|j| {
            let mut unit = vec![0.0; dim];
            unit[j] = 1.0;
            forward(l, dim, &mut unit);
            unit.iter().zip(&e).map(|(p, q)| p * q).sum::<f64>() / norm
        })
        .collect()
}

/// Spreads every run of equal positions evenly over `width()` around its value (sorting
/// `t`); `width` is asked only when there is a run, and a non-finite or non-positive width
/// leaves `t` as it is. Rounded data put many points on one value; their true values lie
/// anywhere in the rounding cell, which projects to an interval of `width` (the columns'
/// [`resolution`] along the axis). Left as atoms, the runs make the empirical distribution
/// a staircase whose dip reads as many modes (integer data in one dimension: 2,048 points
/// on 60 values dip at 0.046 against a critical 0.018). Continuous data have no runs and
/// keep their positions exactly.
fn spread_ties(t: &mut [f64], width: impl FnOnce() -> f64) {
    t.sort_by(f64::total_cmp);
    if !t.windows(2).any(|w| w[0] == w[1]) {
        return;
    }
    let h = width();
    if !(h.is_finite() && h > 0.0) {
        return;
    }
    let mut s = 0;
    while s < t.len() {
        let mut e = s + 1;
        while e < t.len() && t[e] == t[s] {
            e += 1;
        }
        let (v, run) = (t[s], (e - s) as f64);
        for (j, p) in t[s..e].iter_mut().enumerate() {
            *p = v + h * ((j as f64 + 0.5) / run - 0.5);
        }
        s = e;
    }
}

/// Per column of `x`, over `rows`: the smallest positive difference between two of its
/// values (the data's rounding step; +∞ where a column has one value).
fn resolution(x: &Mat<f64>, rows: impl Iterator<Item = usize>) -> Vec<f64> {
    let rows: Vec<usize> = rows.collect();
    (0..x.n_cols())
        .map(|j| {
            let mut v: Vec<f64> = rows.iter().map(|&i| x.row(i)[j]).collect();
            v.sort_by(f64::total_cmp);
            v.windows(2)
                .map(|w| w[1] - w[0])
                .filter(|&g| g > 0.0)
                .fold(f64::INFINITY, f64::min)
        })
        .collect()
}

/// The share of the points' spread across Fisher's axis that the curvature of
/// [`along_curve`]'s quadratic must explain (beyond a straight line) for the positions to
/// follow the curve; below it they are the projection.
const CURVE_BEND: f64 = 0.25;

/// The union's residual about its one quadratic may be at most this multiple of the two
/// components' pooled residuals about their own quadratics ([`along_curve`]): one curve
/// through both, not two (the value of [`super::sphere::SPHERE_ONE`], the same test for
/// spheres).
const CURVE_ONE: f64 = 1.1;

/// Least-squares fit of every coordinate of `v` on `[1, u, u²]`, kept as normal equations.
struct Quadratic {
    dim: usize,
    /// `Σ f fᵀ`, `f = [1, u, u²]` (3 × 3).
    m: [f64; 9],
    /// `Σ f v_j`, row `p` of 3, `dim` wide.
    rhs: Vec<f64>,
    /// `Σ |v|²`.
    vv: f64,
}

impl Quadratic {
    fn new(dim: usize) -> Self {
        Quadratic {
            dim,
            m: [0.0; 9],
            rhs: vec![0.0; 3 * dim],
            vv: 0.0,
        }
    }

    fn add(&mut self, u: f64, v: &[f64]) {
        let f = [1.0, u, u * u];
        for p in 0..3 {
            for q in 0..3 {
                self.m[p * 3 + q] += f[p] * f[q];
            }
            for (j, vj) in v.iter().enumerate() {
                self.rhs[p * self.dim + j] += f[p] * vj;
            }
        }
        self.vv += v.iter().map(|x| x * x).sum::<f64>();
    }

    /// `[a, b, c]` of every coordinate; `None` with fewer than three distinct `u` (no
    /// points included: `m[0]` counts them).
    fn solve(&self) -> Option<Vec<[f64; 3]>> {
        let scale = self.m[0] + self.m[4] + self.m[8];
        let l = cholesky(&self.m, 3);
        let singular = (0..3).any(|p| l[p * 3 + p] * l[p * 3 + p] <= scale * 1e-12);
        if self.m[0] < 3.0 || singular {
            return None;
        }
        let d = self.dim;
        Some(
            (0..d)
                .map(|j| {
                    let c = solve(&l, 3, &[self.rhs[j], self.rhs[d + j], self.rhs[2 * d + j]]);
                    [c[0], c[1], c[2]]
                })
                .collect(),
        )
    }

    /// Residual sum of squares about the fit `coef` (of [`Self::solve`]).
    fn residual(&self, coef: &[[f64; 3]]) -> f64 {
        let d = self.dim;
        let explained: f64 = (0..d)
            .map(|j| {
                (0..3)
                    .map(|p| coef[j][p] * self.rhs[p * d + j])
                    .sum::<f64>()
            })
            .sum();
        (self.vv - explained).max(0.0)
    }

    /// Residual sum of squares about the straight line `a + b u`.
    fn straight_residual(&self) -> f64 {
        let (m, d) = (&self.m, self.dim);
        let det = m[0] * m[4] - m[1] * m[1];
        let explained: f64 = (0..d)
            .map(|j| {
                let (s0, s1) = (self.rhs[j], self.rhs[d + j]);
                let a = (m[4] * s0 - m[1] * s1) / det;
                let b = (m[0] * s1 - m[1] * s0) / det;
                a * s0 + b * s1
            })
            .sum();
        (self.vv - explained).max(0.0)
    }

    /// Sum of squares about the mean.
    fn total(&self) -> f64 {
        let explained: f64 = (0..self.dim).map(|j| self.rhs[j] * self.rhs[j]).sum();
        (self.vv - explained / self.m[0]).max(0.0)
    }
}

/// Positions of two components' points (`rows`: a point and whether it is the second
/// component's) along the quadratic curve that their union follows, in coordinates
/// whitened by the pair's summed covariance `L Lᵀ` (`l`): `u` on Fisher's axis (the unit
/// whitened `delta`), each orthogonal coordinate fitted by least squares as
/// `a + b u + c u²`, and every point placed at the curve's arc length from the lowest `u`
/// (trapezoid rule between consecutive `u`). For two adjacent pieces of an arc the
/// projection on the chord piles the points up at both ends (the arc runs across the axis
/// there), which reads as a dip; the arc length undoes it.
///
/// The positions are the projection (sorted) unless the union bends — its curvature
/// explains at least [`CURVE_BEND`] of the spread across the axis beyond a straight
/// line — and follows one curve — its residual is at most [`CURVE_ONE`] × the two
/// components' residuals about their own quadratics. Two parallel stripes or blobs side
/// by side do not bend; two crescents facing each other bend, but each on its own curve.
/// Degenerate fits (fewer than three distinct `u`) give the projection.
fn along_curve<'a>(
    l: &[f64],
    dim: usize,
    delta: &[f64],
    rows: impl Iterator<Item = (&'a [f64], bool)>,
) -> Vec<f64> {
    let mut e = delta.to_vec();
    forward(l, dim, &mut e);
    let norm = e.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm.is_nan() || norm <= 0.0 {
        // No axis (one mean): every point at one position, as Fisher's projection gives.
        return rows.map(|_| 0.0).collect();
    }
    e.iter_mut().for_each(|v| *v /= norm);
    // Whitened points split into (u, v): u on the axis, v the orthogonal remainder.
    let mut uv: Vec<(f64, Vec<f64>, bool)> = rows
        .map(|(r, side)| {
            let mut z = r.to_vec();
            forward(l, dim, &mut z);
            let u: f64 = z.iter().zip(&e).map(|(p, q)| p * q).sum();
            z.iter_mut().zip(&e).for_each(|(p, q)| *p -= u * q);
            (u, z, side)
        })
        .collect();
    let n = uv.len() as f64;
    let centre = uv.iter().map(|p| p.0).sum::<f64>() / n;
    uv.iter_mut().for_each(|p| p.0 -= centre);
    let mut order: Vec<usize> = (0..uv.len()).collect();
    order.sort_by(|&i, &j| uv[i].0.total_cmp(&uv[j].0).then(i.cmp(&j)));
    let (mut union, mut sides) = (
        Quadratic::new(dim),
        [Quadratic::new(dim), Quadratic::new(dim)],
    );
    for (u, v, side) in &uv {
        union.add(*u, v);
        sides[usize::from(*side)].add(*u, v);
    }
    let curve = union.solve().filter(|coef| {
        let curved = union.residual(coef);
        let bends = union.straight_residual() - curved >= CURVE_BEND * union.total();
        let one = match (sides[0].solve(), sides[1].solve()) {
            (Some(c0), Some(c1)) => {
                curved <= CURVE_ONE * (sides[0].residual(&c0) + sides[1].residual(&c1))
            }
            _ => false,
        };
        bends && one
    });
    let Some(coef) = curve else {
        return order.iter().map(|&i| uv[i].0).collect();
    };
    let speed = |u: f64| {
        let s: f64 = coef.iter().map(|c| (c[1] + 2.0 * c[2] * u).powi(2)).sum();
        (1.0 + s).sqrt()
    };
    let mut s = 0.0;
    let mut out = Vec::with_capacity(order.len());
    let mut prev: Option<f64> = None;
    for &i in &order {
        let u = uv[i].0;
        if let Some(p) = prev {
            s += (u - p) * (speed(u) + speed(p)) / 2.0;
        }
        out.push(s);
        prev = Some(u);
    }
    out
}

/// Two components' points projected on the line through their means (rows of `means`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Projection {
    /// Distance between the means over the two components' mean standard deviation on the
    /// line. Two adjacent slabs of one uniform cluster read `√12` = 3.46 whatever their
    /// widths; with one slab between them, 6.9 (measured on rotated uniform boxes in
    /// 8–128 dimensions: 3.2–3.8 and 6.5–7.4; bench/ppp/README.md, session 16).
    pub separation: f64,
    /// Density of the union's projections where two such slabs would meet (`√3` sd past
    /// each mean, averaged) over the lower of the densities around the two means, in
    /// windows of half a mean sd: about 1 for adjacent slabs, 0.3 or less for two
    /// bell-shaped clusters as far apart.
    pub junction: f64,
}

/// [`Projection`] of components `c` and `d` (`a[i]` = component of row `i` of `x`);
/// `None` when either has fewer than two points or no spread on the line.
pub(crate) fn project_pair(
    means: &Mat<f64>,
    x: &Mat<f64>,
    a: &[usize],
    (c, d): (usize, usize),
) -> Option<Projection> {
    let (mc, md) = (means.row(c), means.row(d));
    let u: Vec<f64> = md.iter().zip(mc).map(|(p, q)| p - q).collect();
    // Projections, centred on μ_c, and their side.
    let t: Vec<(f64, usize)> = (0..x.n_rows())
        .filter(|&i| a[i] == c || a[i] == d)
        .map(|i| {
            let v: f64 = x
                .row(i)
                .iter()
                .zip(mc)
                .zip(&u)
                .map(|((v, m), w)| (v - m) * w)
                .sum();
            (v, usize::from(a[i] == d))
        })
        .collect();
    let moments = |side: usize| {
        let (mut n, mut s, mut s2) = (0.0f64, 0.0f64, 0.0f64);
        for &(v, _) in t.iter().filter(|p| p.1 == side) {
            n += 1.0;
            s += v;
            s2 += v * v;
        }
        (n >= 2.0).then(|| (s / n, ((s2 - s * s / n) / (n - 1.0)).max(0.0).sqrt()))
    };
    let ((m0, s0), (m1, s1)) = (moments(0)?, moments(1)?);
    let spread = (s0 + s1) / 2.0;
    if spread.is_nan() || spread <= 0.0 {
        return None;
    }
    let (lo, hi) = if m0 <= m1 {
        ((m0, s0), (m1, s1))
    } else {
        ((m1, s1), (m0, s0))
    };
    let r3 = 3f64.sqrt();
    let meet = (lo.0 + r3 * lo.1 + hi.0 - r3 * hi.1) / 2.0;
    let h = spread / 2.0;
    let count = |z: f64| t.iter().filter(|p| (p.0 - z).abs() <= h).count() as f64;
    let sides = (count(m0) + count(m1)) / 2.0;
    Some(Projection {
        separation: (m1 - m0).abs() / spread,
        junction: if sides > 0.0 {
            count(meet) / sides
        } else {
            0.0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_spread_over_the_rounding_step_and_nothing_else_moves() {
        // Integers 0..8, each value 75 times: a staircase with a clear dip; spread over
        // the unit step it is flat and no longer dips.
        let stairs: Vec<f64> = (0..600).map(|i| (i / 75) as f64).collect();
        let mut atoms = stairs.clone();
        let mut spread = stairs.clone();
        spread_ties(&mut spread, || 1.0);
        assert!(dip(&mut atoms) > critical_99(600));
        assert!(dip(&mut spread) < critical_95(600));
        assert!((spread[0] - (0.0 - 0.5 + 0.5 / 75.0)).abs() < 1e-12);
        assert!(spread.windows(2).all(|w| w[0] < w[1]));
        // Distinct values keep their positions exactly (and the width is not asked).
        let mut distinct = vec![3.0, 1.0, 2.5];
        spread_ties(&mut distinct, || panic!("no run, no width"));
        assert_eq!(distinct, vec![1.0, 2.5, 3.0]);
        // No usable width: left as it is.
        let mut same = vec![1.0, 1.0, 2.0];
        spread_ties(&mut same, || f64::INFINITY);
        assert_eq!(same, vec![1.0, 1.0, 2.0]);
        // Resolution: the smallest positive step per column (+inf for a constant one).
        let x = Mat::from_vec(vec![0.0, 5.0, 2.0, 5.0, 2.0, 5.0, 3.0, 5.0], 4, 2).unwrap();
        assert_eq!(resolution(&x, 0..4), vec![1.0, f64::INFINITY]);
    }

    #[test]
    fn local_excess_sees_clumps_below_the_mixtures_scale() {
        use super::super::merge::log_density;
        use super::super::sample::ridge;
        use super::super::select::{fit_mixture, FitData};
        use crate::gmm::CovarianceType;
        use crate::rng::Rng;
        let p = super::super::Ppp::params();
        let mut rng = Rng::new(7);
        // 4,000 points of one 2-D Gaussian; 4 points of each of 1,000 unit Gaussians 10
        // apart on a grid (a sample of many small clusters); every point twice (ties).
        let one: Vec<f64> = (0..8000).map(|_| rng.normal()).collect();
        let mut grid = Vec::new();
        for c in 0..1000 {
            let (cx, cy) = (10.0 * (c % 40) as f64, 10.0 * (c / 40) as f64);
            for _ in 0..4 {
                grid.push(cx + rng.normal());
                grid.push(cy + rng.normal());
            }
        }
        let twice: Vec<f64> = one[..4000]
            .chunks(2)
            .flat_map(|r| [r, r].concat())
            .collect();
        let excess = |v: Vec<f64>| {
            let x = Mat::from_vec(v, 4000, 2).unwrap();
            let (reg, shift) = ridge(&x, p.eps_reg);
            let fd = FitData {
                x: &x,
                reg: &reg,
                shift: &shift,
            };
            // One Gaussian for all: smooth at the scale of the whole sample.
            let fit = fit_mixture(&fd, &vec![0; 4000], 1, CovarianceType::Full, &p).unwrap();
            let dens = log_density(&fit.mixture, &x);
            local_excess(&fit.mixture, &x, &dens)
        };
        // Standard error π/√(6·4000) ≈ 0.02: a Gaussian sample fits its Gaussian.
        let e = excess(one).unwrap();
        assert!(e.abs() < 0.15, "{e}");
        // The clumps lie far denser than one Gaussian over the grid says.
        let e = excess(grid).unwrap();
        assert!(e > 2.0 * super::super::FINE_EXCESS, "{e}");
        // Ties (every row twice) say nothing.
        assert_eq!(excess(twice), None);
    }

    #[test]
    fn cholesky_solves() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2);
        let x = solve(&l, 2, &[2.0, 1.0]);
        // a x = b
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn positions_along_an_arc_show_no_gap_where_the_chord_does() {
        use crate::rng::Rng;
        let mut rng = Rng::new(11);
        // 1,200 points on a 120° arc of the unit circle (uniform in angle), radial noise
        // sd 0.04, split in two halves like two adjacent mixture components.
        let mut pts = Vec::new();
        for _ in 0..1200 {
            let phi = (rng.next_f64() - 0.5) * 120f64.to_radians();
            let r = 1.0 + 0.04 * rng.normal();
            pts.push([r * phi.sin(), r * phi.cos()]);
        }
        let moments = |p: &[[f64; 2]]| {
            let n = p.len() as f64;
            let m = [0, 1].map(|j| p.iter().map(|q| q[j]).sum::<f64>() / n);
            let mut c = vec![0.0; 4];
            for q in p {
                for a in 0..2 {
                    for b in 0..2 {
                        c[a * 2 + b] += (q[a] - m[a]) * (q[b] - m[b]) / n;
                    }
                }
            }
            (m, c)
        };
        let positions = |p: &[[f64; 2]], q: &[[f64; 2]]| {
            let ((mp, cp), (mq, cq)) = (moments(p), moments(q));
            let sum: Vec<f64> = cp.iter().zip(&cq).map(|(a, b)| a + b).collect();
            let delta = [mq[0] - mp[0], mq[1] - mp[1]];
            let l = cholesky(&sum, 2);
            let rows = (p.iter().map(|r| (&r[..], false))).chain(q.iter().map(|r| (&r[..], true)));
            let w = solve(&l, 2, &delta);
            let chord: Vec<f64> = rows
                .clone()
                .map(|(r, _)| r[0] * w[0] + r[1] * w[1])
                .collect();
            (chord, along_curve(&l, 2, &delta, rows))
        };
        let (left, right): (Vec<[f64; 2]>, Vec<[f64; 2]>) = pts.iter().partition(|q| q[0] < 0.0);
        let (mut chord, mut along) = positions(&left, &right);
        let n = chord.len();
        // Projected on Fisher's axis the arc piles up at both ends: a "gap" at 1%.
        assert!(dip(&mut chord) > critical_99(n), "chord");
        // Along the curve it is one unimodal run.
        assert!(dip(&mut along) < critical_95(n), "along the arc");
        // Two pieces of the arc with a third of it cut out between them keep their gap.
        let far = |q: &&[f64; 2]| q[0].abs() > 0.5;
        let (left, right): (Vec<[f64; 2]>, Vec<[f64; 2]>) =
            pts.iter().filter(far).partition(|q| q[0] < 0.0);
        let (_, mut along) = positions(&left, &right);
        assert!(dip(&mut along) > critical_99(along.len()), "cut arc");
        // A straight pair, and two parallel stripes side by side (which do not follow one
        // curve): the positions are Fisher's projection up to scale and shift.
        let line: Vec<[f64; 2]> = (0..400)
            .map(|_| [4.0 * rng.next_f64(), 0.1 * rng.normal()])
            .collect();
        let stripes: Vec<[f64; 2]> = (0..800)
            .map(|i| [6.0 * rng.next_f64(), (i % 2) as f64 + 0.3 * rng.normal()])
            .collect();
        // No points, or too few for a curve: the projection, without a fit.
        assert!(positions(&[], &[]).1.is_empty());
        let (mut chord, along) = positions(&pts[..1], &pts[1..2]);
        chord.sort_by(f64::total_cmp);
        assert_eq!(along.len(), 2);
        assert!((chord[1] - chord[0]) * (along[1] - along[0]) > 0.0);
        let span = |v: &[f64]| v[v.len() - 1] - v[0];
        for (a, b) in [
            line.iter().partition(|q| q[0] < 2.0),
            stripes.iter().partition(|q| q[1] < 0.5),
        ] {
            let (a, b): (Vec<[f64; 2]>, Vec<[f64; 2]>) = (a, b);
            let (mut chord, along) = positions(&a, &b);
            chord.sort_by(f64::total_cmp);
            let (sc, sa) = (span(&chord), span(&along));
            for (c, s) in chord.iter().zip(&along) {
                assert!(((c - chord[0]) / sc - (s - along[0]) / sa).abs() < 1e-9);
            }
        }
    }
}
