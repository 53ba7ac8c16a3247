//! Mardia's multivariate skewness of every mixture component, from its posterior-weighted
//! fit points: the second half of "Gaussian-looking" (the first is the kurtosis of
//! [`super::merge::kurtosis`]).
//!
//! Kurtosis alone misses skewed clusters: BIC cuts a cluster whose every axis is skewed
//! (log-normal) into pieces whose kurtosis is a Gaussian's, and in four or more
//! dimensions two Gaussian-looking pieces are never joined
//! ([`super::params::GAUSS_KEEP_MIN_DIM`]), so such clusters came out in 4–17 pieces.
//!
//! For component `c` with posterior weights `r_i` (points with `r_i > 10⁻³`), weighted
//! mean `m`, weighted covariance `S = L Lᵀ` and `z_i = L⁻¹(x_i − m)`:
//! `b₁ = Σ_{i≠j} r_i r_j (z_iᵀ z_j)³ / W²` with `W = Σ r_i`. Under normality
//! `W b₁ / 6` over all pairs is χ² with `f = d(d+1)(d+2)/6` degrees of freedom
//! (K. V. Mardia, *Measures of multivariate skewness and kurtosis with applications*,
//! Biometrika 57(3), 1970); the diagonal `i = j` contributes `d(d+2)(d+4)/6` of its mean
//! and is left out (posterior weights below 1 would bias it), so the statistic is
//! `z = (W b₁/6 + d(d+2)/2) / √(2f)`, one-sided (skewness is never negative). A component
//! holding no more than `d + 1` points' weight has no covariance to test against and
//! reads `NaN`: the kurtosis alone decides. At most [`SKEW_MAX_POINTS`] points per
//! component enter (every s-th of the fit sample's canonical order), which bounds the
//! `O(n² d)` cost and keeps the power far above need.

use super::graph::{cholesky, forward};
use super::merge::{evaluator, for_each_point, Kurtosis};
use super::params::{HOLLOW, Z_SKEW};
use super::result::PppMixture;
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks_sized;

/// Points per component entering the skewness statistic.
pub(super) const SKEW_MAX_POINTS: usize = 2048;

/// Posterior weights below this are not a component's points.
const MIN_POSTERIOR: f64 = 1e-3;

/// One-sided skewness z of every component in `which` (others: `NaN`).
pub(super) fn mardia_skew_z(g: &PppMixture, x: &Mat<f64>, which: &[bool]) -> Vec<f64> {
    let ev = evaluator(g);
    let k = ev.k;
    let mut members: Vec<Vec<(usize, f64)>> = vec![Vec::new(); k];
    if which.iter().any(|&b| b) {
        for_each_point(&ev, x, 0..x.n_rows(), |i, _, post, _| {
            for (c, &r) in post.iter().enumerate() {
                if which[c] && r > MIN_POSTERIOR {
                    members[c].push((i, r));
                }
            }
        });
    }
    let comps: Vec<usize> = (0..k).filter(|&c| which[c]).collect();
    let mut out = vec![f64::NAN; k];
    let z = map_reduce_chunks_sized(
        comps.len(),
        1,
        Vec::new(),
        |r| {
            r.map(|t| (comps[t], component_skew_z(x, &members[comps[t]])))
                .collect::<Vec<_>>()
        },
        |a, b| a.extend(b),
    );
    for (c, v) in z {
        out[c] = v;
    }
    out
}

/// The statistic of the module doc for one component's `(row, weight)` list.
fn component_skew_z(x: &Mat<f64>, pts: &[(usize, f64)]) -> f64 {
    let d = x.n_cols();
    let step = pts.len().div_ceil(SKEW_MAX_POINTS).max(1);
    let pts: Vec<(usize, f64)> = pts.iter().copied().step_by(step).collect();
    let w: f64 = pts.iter().map(|p| p.1).sum();
    if w <= (d + 1) as f64 {
        return f64::NAN;
    }
    let mut m = vec![0.0; d];
    for &(i, r) in &pts {
        for (mj, v) in m.iter_mut().zip(x.row(i)) {
            *mj += r * v;
        }
    }
    m.iter_mut().for_each(|v| *v /= w);
    let mut s = vec![0.0; d * d];
    let mut c = vec![0.0; d];
    for &(i, r) in &pts {
        for ((cj, v), mj) in c.iter_mut().zip(x.row(i)).zip(&m) {
            *cj = v - mj;
        }
        for a in 0..d {
            for b in 0..=a {
                s[a * d + b] += r * c[a] * c[b];
            }
        }
    }
    for a in 0..d {
        for b in 0..=a {
            s[a * d + b] /= w;
            s[b * d + a] = s[a * d + b];
        }
    }
    let l = cholesky(&s, d);
    // Whitened points, row-major n × d.
    let n = pts.len();
    let mut z = vec![0.0; n * d];
    for (t, &(i, _)) in pts.iter().enumerate() {
        let zt = &mut z[t * d..(t + 1) * d];
        for ((zj, v), mj) in zt.iter_mut().zip(x.row(i)).zip(&m) {
            *zj = v - mj;
        }
        forward(&l, d, zt);
    }
    let mut sum = 0.0;
    for a in 0..n {
        let za = &z[a * d..(a + 1) * d];
        let mut row = 0.0;
        for b in 0..a {
            let zb = &z[b * d..(b + 1) * d];
            let g: f64 = za.iter().zip(zb).map(|(p, q)| p * q).sum();
            row += pts[b].1 * g * g * g;
        }
        sum += pts[a].1 * row;
    }
    let b1 = 2.0 * sum / (w * w);
    let df = (d * (d + 1) * (d + 2)) as f64 / 6.0;
    (w * b1 / 6.0 + (d * (d + 2)) as f64 / 2.0) / (2.0 * df).sqrt()
}

/// The shape classes of the mixture's components that the merge rules ask about.
pub(super) struct Shapes {
    /// Gaussian-looking: `|kurtosis z| ≤ z_max` and skewness z ≤ [`Z_SKEW`] (or untestable:
    /// `NaN`).
    pub gaussian: Vec<bool>,
    /// Flat and symmetric: kurtosis z `< −z_max` (flatter than a Gaussian: uniform, hollow)
    /// and a measured skewness z ≤ [`Z_SKEW`] — a whole flat cluster rather than a piece cut
    /// from a larger one (see [`super::modal`]).
    pub flat: Vec<bool>,
    /// Hollow: kurtosis z `< −z_max` and hollowness below [`HOLLOW`] — the points lie at
    /// nearly one Mahalanobis distance from the component's mean, as on a closed shell
    /// around it; skewed or not (see [`super::modal`]).
    pub hollow: Vec<bool>,
}

/// [`Shapes`] of every component from its kurtosis (from [`super::merge::kurtosis`]); the
/// skewness is computed only where it decides.
pub(super) fn shapes(g: &PppMixture, x: &Mat<f64>, kurt: &Kurtosis, z_max: f64) -> Shapes {
    classify(g, x, &kurt.z, Some(&kurt.hollow), z_max)
}

/// [`shapes`]; the flat and hollow classes (and the skewness of platykurtic components)
/// only given the hollowness (`hollow`).
fn classify(
    g: &PppMixture,
    x: &Mat<f64>,
    kurt_z: &[f64],
    hollow: Option<&[f64]>,
    z_max: f64,
) -> Shapes {
    let with_flat = hollow.is_some();
    let tested: Vec<bool> = kurt_z
        .iter()
        .map(|&z| z.abs() <= z_max || (with_flat && z < -z_max))
        .collect();
    let skew = mardia_skew_z(g, x, &tested);
    let symmetric = |s: f64| s <= Z_SKEW;
    Shapes {
        gaussian: kurt_z
            .iter()
            .zip(&skew)
            .map(|(&k, &s)| k.abs() <= z_max && (s.is_nan() || symmetric(s)))
            .collect(),
        flat: kurt_z
            .iter()
            .zip(&skew)
            .map(|(&k, &s)| with_flat && k < -z_max && symmetric(s))
            .collect(),
        hollow: match hollow {
            Some(h) => kurt_z
                .iter()
                .zip(h)
                .map(|(&z, &h)| z < -z_max && h < HOLLOW)
                .collect(),
            None => vec![false; kurt_z.len()],
        },
    }
}

/// The Gaussian-looking components of [`shapes`].
pub(super) fn gaussian_looking(
    g: &PppMixture,
    x: &Mat<f64>,
    kurt_z: &[f64],
    z_max: f64,
) -> Vec<bool> {
    classify(g, x, kurt_z, None, z_max).gaussian
}

#[cfg(test)]
mod tests {
    use super::super::params::Z_GAUSS;
    use super::*;
    use crate::rng::Rng;

    fn sample(n: usize, d: usize, f: impl Fn(f64) -> f64) -> Mat<f64> {
        let mut rng = Rng::new(7);
        let v: Vec<f64> = (0..n * d).map(|_| f(rng.normal())).collect();
        Mat::from_vec(v, n, d).unwrap()
    }

    /// One full-covariance component fitted to all of `x`.
    fn one_component(x: &Mat<f64>) -> PppMixture {
        use super::super::sample::ridge;
        use super::super::select::{fit_mixture, FitData};
        use crate::gmm::CovarianceType;
        let p = super::super::Ppp::params();
        let (reg, shift) = ridge(x, p.eps_reg);
        let fd = FitData {
            x,
            reg: &reg,
            shift: &shift,
        };
        let labels = vec![0; x.n_rows()];
        fit_mixture(&fd, &labels, 1, CovarianceType::Full, &p)
            .unwrap()
            .mixture
    }

    #[test]
    fn hollowness_tells_a_whole_shell_from_a_box_and_a_gaussian() {
        let n = 4000;
        for d in [4, 8, 16] {
            let h = |x: Mat<f64>| {
                let k = super::super::merge::kurtosis(&one_component(&x), &x);
                (k.z[0], k.hollow[0])
            };
            let (z, gauss) = h(sample(n, d, |z| z));
            assert!(
                (gauss - 1.0).abs() < 0.15 && z.abs() < 3.0,
                "d = {d}: {gauss} {z}"
            );
            // Uniform in a box: 0.4 in any dimension, flat but not hollow.
            let mut rng = Rng::new(3);
            let v: Vec<f64> = (0..n * d).map(|_| 2.0 * rng.next_f64() - 1.0).collect();
            let (z, boxed) = h(Mat::from_vec(v, n, d).unwrap());
            assert!(
                z < -Z_GAUSS && (boxed - 0.4).abs() < 0.06,
                "d = {d}: {boxed} {z}"
            );
            assert!(boxed > HOLLOW);
            // A shell whose radius varies by 5%: 2 t² d = 0.005 d.
            let shell = sample(n, d, |z| z);
            let mut v = Vec::with_capacity(n * d);
            for i in 0..n {
                let row = shell.row(i);
                let norm = row.iter().map(|a| a * a).sum::<f64>().sqrt();
                let radius = 1.0 + 0.05 * rng.normal();
                v.extend(row.iter().map(|a| radius * a / norm));
            }
            let (z, hollow) = h(Mat::from_vec(v, n, d).unwrap());
            assert!(
                z < -Z_GAUSS && hollow < 0.5 * HOLLOW,
                "d = {d}: {hollow} {z}"
            );
        }
    }

    #[test]
    fn a_heavy_tailed_component_flat_in_some_columns_reads_heavy_tailed() {
        use super::super::merge::{kurtosis, GRAPH_MAX_DIM};
        use super::super::sample::ridge;
        use super::super::select::{fit_mixture, FitData};
        use crate::gmm::CovarianceType;
        // Component 0: Laplace-like (heavy tails) in the first 8 columns, constant in the
        // other 8, where only component 1 (Gaussian, far away) varies. The ridge (a share
        // of the column's variance over both) makes component 0's covariance wider than
        // its points there, so its mean D² is about 8, not 16, and Mardia's raw b2 reads
        // flat; at the covariance's own scale it reads heavy-tailed.
        let (n, d, half) = (1500, 16, 8);
        let mut rng = Rng::new(11);
        let mut v = Vec::with_capacity(2 * n * d);
        for _ in 0..n {
            for j in 0..d {
                let u: f64 = rng.next_f64().max(1e-12);
                let sign = if rng.next_f64() < 0.5 { -1.0 } else { 1.0 };
                v.push(if j < half { sign * u.ln() } else { 0.0 });
            }
        }
        for _ in 0..n {
            for _ in 0..d {
                v.push(30.0 + 5.0 * rng.normal());
            }
        }
        let x = Mat::from_vec(v, 2 * n, d).unwrap();
        let p = super::super::Ppp::params();
        let (reg, shift) = ridge(&x, p.eps_reg);
        let fd = FitData {
            x: &x,
            reg: &reg,
            shift: &shift,
        };
        let labels: Vec<usize> = (0..2 * n).map(|i| i / n).collect();
        let g = fit_mixture(&fd, &labels, 2, CovarianceType::Full, &p)
            .unwrap()
            .mixture;
        assert!(d > GRAPH_MAX_DIM);
        let k = kurtosis(&g, &x);
        let c = (0..2)
            .min_by(|&a, &b| g.params.means.row(a)[0].total_cmp(&g.params.means.row(b)[0]))
            .unwrap();
        assert!(k.hollow[c] > 1.5, "hollowness {}", k.hollow[c]);
        assert!(k.z[c] > Z_GAUSS, "kurtosis z {}", k.z[c]);
        // The Gaussian component: its mean D² is short of d only by sampling noise, so
        // the gate keeps the raw statistic, which must not read heavy-tailed, and its
        // scale-free hollowness reads Gaussian.
        let g_c = 1 - c;
        assert!(k.z[g_c] < Z_GAUSS, "Gaussian component: z {}", k.z[g_c]);
        assert!(
            (k.hollow[g_c] - 1.0).abs() < 0.3,
            "Gaussian component: hollowness {}",
            k.hollow[g_c]
        );
    }

    #[test]
    fn skewed_clusters_are_told_from_gaussian_ones() {
        let all = |n: usize| (0..n).map(|i| (i, 1.0)).collect::<Vec<_>>();
        for d in [4, 8, 16] {
            let gauss = component_skew_z(&sample(800, d, |z| z), &all(800));
            assert!(gauss.abs() < Z_SKEW, "d = {d}: Gaussian z = {gauss}");
            let logn = component_skew_z(&sample(800, d, |z| (0.6 * z).exp()), &all(800));
            assert!(logn > 3.0 * Z_SKEW, "d = {d}: log-normal z = {logn}");
        }
        // More points than enter the statistic: every s-th is used, with the same verdicts.
        let n = 3 * SKEW_MAX_POINTS + 1;
        assert!(component_skew_z(&sample(n, 4, |z| z), &all(n)).abs() < Z_SKEW);
        assert!(component_skew_z(&sample(n, 4, |z| (0.6 * z).exp()), &all(n)) > 3.0 * Z_SKEW);
        // Too few points for a covariance: untestable.
        assert!(component_skew_z(&sample(5, 8, |z| z), &all(5)).is_nan());
    }
}
