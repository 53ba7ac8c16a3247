//! Step 5's one exception to "a row takes its most probable component's cluster": rows of
//! a **shared tail**, a wide component whose bulk holds the modes of several clusters.
//!
//! Clusters whose density falls off slowly (heavy-tailed, or spiked: a radius drawn from a
//! Gaussian around the centre, as in clustering-data-v1's `h2mg`) are modelled by BIC as
//! a core per cluster plus wider components fitted to the pooled tails of all of them.
//! The merge attaches each wide component to one cluster (it has no mode of its own), so
//! every row it wins — far from all modes, on any side — goes to that one cluster. Its
//! density carries no information on which cluster such a row came from: the component
//! covers their modes alike.
//!
//! Rule: component `a`, unless it holds a cluster's mode itself, *spans* cluster `C` when
//! `C`'s mode (the mean of `C`'s highest-peaked component, [`PppModel::cluster_modes`])
//! lies within `a`'s bulk: squared
//! Mahalanobis distance under `a` at most [`SPAN`] × `d` (a Gaussian's points lie at `d`
//! on average). A row won by a component that spans two or more clusters takes the
//! spanned cluster whose mode is nearest in `a`'s own metric — the boundary a single
//! Gaussian shape shared by the clusters would draw (linear in the row: Fisher's rule
//! between the modes under `Σ_a`). Components that span fewer than two clusters, and every
//! model saved before the modes were recorded, label as before.
//!
//! Measured (bench/ppp/README.md, session 22): on the `spikes` battery (two spiked clusters,
//! d = 1…128) the mean ARI rises from 0.498 to 0.656 at the same k (development draw, after
//! the tie fix of the same session); Student-t clusters in 16–128 dimensions gain up to
//! 0.42; the 2-D shapes, the 41 shared sets and the Gaussian-like 28 keep every k and all
//! but two ARIs (shapes2d smiley_v1 0.9993 → 0.9985, ionosphere 0.190 → 0.195). Whole hollow shells, which are their cluster's mode,
//! are left alone: letting them span moved held-out shells down by up to 0.44 ARI.
//!
//! Cf. the modal view of mixture clustering (J. Li, S. Ray, B. G. Lindsay, *A nonparametric
//! statistical approach to clustering via mode identification*, JMLR 8, 2007): a cluster
//! is the domain of a mode; where the fitted density cannot say which mode a row climbs
//! to, the row goes to the nearest one.

use super::result::PppModel;
use crate::gmm::{Covariances, PrecisionCholesky};

/// A component spans a cluster when the cluster's mode lies within `SPAN × d` squared
/// Mahalanobis units of the component's mean: inside half its typical radius `√d`.
/// Measured on the development batteries (bench/ppp/README.md, session 22): 1/4 takes the
/// spiked and heavy-tailed gains; 1 (the whole bulk) also moves overlapping shells and
/// elongated boxes, some of them down.
pub const SPAN: f64 = 0.25;

/// The shared tails of a model: per component, the clusters it spans with their scores.
pub(crate) struct SharedTails {
    /// Per component: empty, or `(cluster, v, s)` for every spanned cluster, where the
    /// row's score is `xᵀ v − s / 2` (`x` centred on the mixture's shift; `v = Σ_a⁻¹ μ`,
    /// `s = μᵀ Σ_a⁻¹ μ` for the mode's mean `μ`, centred alike): the nearest mode under
    /// `Σ_a` has the largest score.
    spans: Vec<Vec<(usize, Vec<f64>, f64)>>,
    /// The mixture's shift.
    shift: Vec<f64>,
}

impl SharedTails {
    /// The shared tails of `model`; `None` when no component spans two clusters (or the
    /// model records no modes).
    pub(crate) fn new(model: &PppModel) -> Option<SharedTails> {
        let g = model.mixture.as_ref()?;
        if model.cluster_modes.len() != model.n_clusters || model.n_clusters < 2 {
            return None;
        }
        let d = g.shift.len();
        let k = g.params.weights.len();
        let centred = |c: usize| -> Vec<f64> {
            g.params
                .means
                .row(c)
                .iter()
                .zip(&g.shift)
                .map(|(m, s)| m - s)
                .collect()
        };
        let modes: Vec<Vec<f64>> = model.cluster_modes.iter().map(|&c| centred(c)).collect();
        let mut any = false;
        let spans = (0..k)
            .map(|a| {
                // A component holding a cluster's mode is that cluster's core, never a
                // shared tail (a whole hollow shell, wide but a cluster of its own).
                if model.cluster_modes.contains(&a) {
                    return Vec::new();
                }
                let mu_a = centred(a);
                let bound = SPAN * d as f64 * trace(&g.params.covariances, a, d);
                let spanned: Vec<(usize, Vec<f64>, f64)> = modes
                    .iter()
                    .enumerate()
                    .filter_map(|(cl, m)| {
                        let diff: Vec<f64> = m.iter().zip(&mu_a).map(|(p, q)| p - q).collect();
                        // `D² ≥ |diff|² / λ_max ≥ |diff|² / tr Σ_a`: most pairs are
                        // ruled out in O(d), not O(d²) (a thousand clusters make a
                        // million pairs).
                        if diff.iter().map(|t| t * t).sum::<f64>() > bound {
                            return None;
                        }
                        let (_, d2) = precision_times(&g.precision_cholesky, a, &diff);
                        (d2 <= SPAN * d as f64).then(|| {
                            let (v, s) = precision_times(&g.precision_cholesky, a, m);
                            (cl, v, s)
                        })
                    })
                    .collect();
                if spanned.len() >= 2 {
                    any = true;
                    spanned
                } else {
                    Vec::new()
                }
            })
            .collect();
        any.then(|| SharedTails {
            spans,
            shift: g.shift.clone(),
        })
    }

    /// The cluster of a row (`x`: the mixture's columns, in its units) whose most probable
    /// component is `a`, when `a` is a shared tail; `None` otherwise.
    pub(crate) fn cluster(&self, a: usize, x: &[f64]) -> Option<usize> {
        let spanned = self.spans.get(a)?;
        let mut best: Option<(usize, f64)> = None;
        for (cl, v, s) in spanned {
            let score: f64 = x
                .iter()
                .zip(&self.shift)
                .zip(v)
                .map(|((x, m), v)| (x - m) * v)
                .sum::<f64>()
                - 0.5 * s;
            // Ties → the lower cluster (the order of `spanned`).
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((*cl, score));
            }
        }
        best.map(|(cl, _)| cl)
    }
}

/// The trace of component `a`'s covariance (`d` columns).
fn trace(c: &Covariances, a: usize, d: usize) -> f64 {
    match c {
        Covariances::Full(m) => (0..d).map(|j| m[a].row(j)[j]).sum(),
        Covariances::Tied(m) => (0..d).map(|j| m.row(j)[j]).sum(),
        Covariances::Diag(m) => m.row(a).iter().sum(),
        Covariances::Spherical(v) => d as f64 * v[a],
    }
}

/// `(Σ_a⁻¹ y, yᵀ Σ_a⁻¹ y)` from the precision Cholesky factors (`Σ⁻¹ = U Uᵀ`, `U` upper
/// triangular; `1/σ` for spherical and diagonal types).
fn precision_times(p: &PrecisionCholesky, a: usize, y: &[f64]) -> (Vec<f64>, f64) {
    match p {
        PrecisionCholesky::Full(us) => upper(&us[a], y),
        PrecisionCholesky::Tied(u) => upper(u, y),
        PrecisionCholesky::Diag(m) => {
            let r = m.row(a);
            let v: Vec<f64> = y.iter().zip(r).map(|(y, p)| y * p * p).collect();
            let s = y.iter().zip(&v).map(|(y, v)| y * v).sum();
            (v, s)
        }
        PrecisionCholesky::Spherical(ps) => {
            let p2 = ps[a] * ps[a];
            let v: Vec<f64> = y.iter().map(|y| y * p2).collect();
            let s = y.iter().zip(&v).map(|(y, v)| y * v).sum();
            (v, s)
        }
    }
}

/// `(U Uᵀ y, ‖Uᵀ y‖²)` for an upper-triangular `U`.
fn upper(u: &crate::matrix::Mat<f64>, y: &[f64]) -> (Vec<f64>, f64) {
    let d = y.len();
    // w = Uᵀ y: w_j = Σ_{i ≤ j} U_ij y_i; then v = U w: v_i = Σ_{j ≥ i} U_ij w_j.
    let w: Vec<f64> = (0..d)
        .map(|j| (0..=j).map(|i| u.row(i)[j] * y[i]).sum())
        .collect();
    let v: Vec<f64> = (0..d)
        .map(|i| (i..d).map(|j| u.row(i)[j] * w[j]).sum())
        .collect();
    (v, w.iter().map(|t| t * t).sum())
}
