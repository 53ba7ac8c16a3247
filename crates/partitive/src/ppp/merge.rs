//! Step 4: merge mixture components into clusters by hill-climbing on the mixture
//! density (ToMATo-like), then (optionally) attach clusters below a minimum weight.
//!
//! On the fit sample: `f_i` = log mixture density, `a_i`/`b_i` = top two components
//! (ties → lower index), `q_i = r_a / (r_a + r_b)`. Peak of `c` = max `f_i` over its
//! points; saddle of `{c, d}` = max `f_i` over points with top-2 `{c, d}` and
//! `q_i ≤ Q_AMBIG`. Component `c` hangs under the "higher" (larger peak; equal peaks →
//! lower index) neighbour with the largest saddle, if that saddle ≥ `ρ · peak_c`;
//! otherwise `c` is a mode. Maxima are order-independent, so the chunk kernel merges
//! exactly.

use super::params::FIT_CHUNK_ROWS;
use super::result::{MergeDecision, MergeNode, PppMixture};
use crate::gmm::covariance::Factored;
use crate::gmm::estep::{normalize_row, Evaluator, Scratch, BLOCK_ROWS};
use crate::matrix::Mat;
use crate::parallel::map_reduce_chunks_sized;

/// Per-component peaks, per-pair saddles (`K × K`, log densities) and point counts.
#[derive(Clone)]
struct Landscape {
    peak: Vec<f64>,
    saddle: Vec<f64>,
    count: Vec<usize>,
}

/// The evaluator of a mixture (E-step constants).
pub(crate) fn evaluator(g: &PppMixture) -> Evaluator {
    let d = g.shift.len();
    let f = Factored::from_chol(&g.precision_cholesky, d);
    Evaluator::new(&g.params, &f, &g.shift)
}

/// Calls `f(raw, post, log_density)` for every fit point of `r` whose mixture density
/// is finite: `raw` = its weighted component log-probabilities `ℓ_ij`, `post` = its
/// posteriors, `log_density` = `f_i`. (The block loop shared by the merge statistics.)
fn for_each_point(
    ev: &Evaluator,
    x: &Mat<f64>,
    r: std::ops::Range<usize>,
    mut f: impl FnMut(&[f64], &[f64], f64),
) {
    let (mut s, mut raw) = (Scratch::default(), vec![0.0; ev.k]);
    let mut start = r.start;
    while start < r.end {
        let b = BLOCK_ROWS.min(r.end - start);
        ev.load(x.view(), start, b, &mut s);
        ev.log_prob(b, &mut s);
        for row in s.lp.chunks_exact_mut(ev.k) {
            raw.copy_from_slice(row);
            if let Some(lf) = normalize_row(row) {
                f(&raw, row, lf);
            }
        }
        start += b;
    }
}

fn landscape(g: &PppMixture, x: &Mat<f64>, q_ambig: f64) -> Landscape {
    let ev = evaluator(g);
    let k = ev.k;
    let zero = Landscape {
        peak: vec![f64::NEG_INFINITY; k],
        saddle: vec![f64::NEG_INFINITY; k * k],
        count: vec![0; k],
    };
    let mut l = map_reduce_chunks_sized(
        x.n_rows(),
        FIT_CHUNK_ROWS,
        zero.clone(),
        |r| {
            let mut out = zero.clone();
            for_each_point(&ev, x, r, |raw, _, f| {
                let (a, b2) = top2(raw);
                out.peak[a] = out.peak[a].max(f);
                out.count[a] += 1;
                if let Some(b2) = b2 {
                    let q = 1.0 / (1.0 + (raw[b2] - raw[a]).exp());
                    if q <= q_ambig {
                        let s = &mut out.saddle[a * k + b2];
                        *s = s.max(f);
                    }
                }
            });
            out
        },
        |a, b| {
            a.peak
                .iter_mut()
                .zip(&b.peak)
                .for_each(|(x, y)| *x = x.max(*y));
            a.saddle
                .iter_mut()
                .zip(&b.saddle)
                .for_each(|(x, y)| *x = x.max(*y));
            a.count.iter_mut().zip(&b.count).for_each(|(x, y)| *x += y);
        },
    );
    for a in 0..k {
        for b in 0..a {
            let v = l.saddle[a * k + b].max(l.saddle[b * k + a]);
            l.saddle[a * k + b] = v;
            l.saddle[b * k + a] = v;
        }
    }
    l
}

/// Posterior-weighted Mardia kurtosis z-score of every component on the fit sample:
/// `b2_j = Σ_i r_ij D_ij⁴ / N_j` (`D` = Mahalanobis distance to component `j`; Gaussian:
/// `d(d+2)`), `z_j = (b2_j − d(d+2)) / √(8 d (d+2) / N_j)` (K. V. Mardia, *Measures of
/// multivariate skewness and kurtosis with applications*, Biometrika 57(3), 1970).
fn mardia_z(g: &PppMixture, x: &Mat<f64>) -> Vec<f64> {
    let dim = g.shift.len();
    let f = Factored::from_chol(&g.precision_cholesky, dim);
    let ev = Evaluator::new(&g.params, &f, &g.shift);
    let k = ev.k;
    let half_log_2pi = 0.5 * dim as f64 * (2.0 * std::f64::consts::PI).ln();
    // ℓ = ln w + Σ ln U_jj − ½ d ln 2π − ½ D², so D² = 2 (constant − ℓ).
    let constant: Vec<f64> = (0..k)
        .map(|c| g.params.weights[c].ln() + f.log_det[c] - half_log_2pi)
        .collect();
    let zero = (vec![0.0f64; k], vec![0.0f64; k]);
    let (nk, m4) = map_reduce_chunks_sized(
        x.n_rows(),
        FIT_CHUNK_ROWS,
        zero.clone(),
        |r| {
            let mut out = zero.clone();
            for_each_point(&ev, x, r, |raw, post, _| {
                for c in 0..k {
                    let d2 = 2.0 * (constant[c] - raw[c]);
                    out.0[c] += post[c];
                    out.1[c] += post[c] * d2 * d2;
                }
            });
            out
        },
        |a, b| {
            a.0.iter_mut().zip(&b.0).for_each(|(x, y)| *x += y);
            a.1.iter_mut().zip(&b.1).for_each(|(x, y)| *x += y);
        },
    );
    let dd = (dim * (dim + 2)) as f64;
    (0..k)
        .map(|c| (m4[c] / nk[c] - dd) / (8.0 * dd / nk[c]).sqrt())
        .collect()
}

/// Index of the largest value and of the second largest (ties → lower index).
pub(crate) fn top2(v: &[f64]) -> (usize, Option<usize>) {
    let mut a = 0;
    for (c, &x) in v.iter().enumerate() {
        if x > v[a] {
            a = c;
        }
    }
    let mut b: Option<usize> = None;
    for (c, &x) in v.iter().enumerate() {
        if c != a && b.is_none_or(|bb| x > v[bb]) {
            b = Some(c);
        }
    }
    (a, b)
}

/// The outcome of the merge: cluster of each component (dense, numbered by root
/// component index) and the forest.
pub(crate) struct Merged {
    pub component_cluster: Vec<usize>,
    pub n_clusters: usize,
    pub forest: Vec<MergeNode>,
}

/// Step 4 (+ the optional minimum cluster weight `min_weight`, the optional stricter
/// ratio `rho_gauss = (ρ_gauss, z_max)` between Gaussian-looking components, and
/// `keep_gauss`: never merge two Gaussian-looking components).
pub(crate) fn modal_merge(
    g: &PppMixture,
    x: &Mat<f64>,
    rho: f64,
    q_ambig: f64,
    min_weight: Option<f64>,
    rho_gauss: Option<(f64, f64)>,
    keep_gauss: bool,
) -> Merged {
    let l = landscape(g, x, q_ambig);
    let k = l.peak.len();
    let w = &g.params.weights;
    let (peak, sad) = (&l.peak, |c: usize, d: usize| l.saddle[c * k + d]);
    let higher = |d: usize, c: usize| peak[d] > peak[c] || (peak[d] == peak[c] && d < c);
    // Optional stricter ratio between two Gaussian-looking components.
    let gauss: Vec<bool> = match rho_gauss {
        Some((_, z_max)) => mardia_z(g, x).iter().map(|z| z.abs() <= z_max).collect(),
        None => vec![false; k],
    };
    let threshold = |c: usize, d: usize| match rho_gauss {
        Some((rg, _)) if gauss[c] && gauss[d] => rg,
        _ => rho,
    };
    let mut parent: Vec<Option<usize>> = vec![None; k];
    let mut nodes = Vec::with_capacity(k);
    for c in 0..k {
        // `best`: higher neighbour with the largest saddle (for the record);
        // `pass`: the same among those whose saddle reaches their threshold.
        let (mut best, mut pass): (Option<usize>, Option<usize>) = (None, None);
        let mut kept: Option<usize> = None; // would pass, but both look Gaussian
        for d in 0..k {
            if d == c || !sad(c, d).is_finite() || !higher(d, c) {
                continue;
            }
            if best.is_none_or(|b| sad(c, d) > sad(c, b)) {
                best = Some(d);
            }
            if sad(c, d) >= threshold(c, d).ln() + peak[c] {
                if keep_gauss && gauss[c] && gauss[d] {
                    if kept.is_none_or(|b| sad(c, d) > sad(c, b)) {
                        kept = Some(d);
                    }
                } else if pass.is_none_or(|b| sad(c, d) > sad(c, b)) {
                    pass = Some(d);
                }
            }
        }
        parent[c] = pass;
        let ratio = |b: usize| (sad(c, b) - peak[c]).exp();
        let shown = pass.or(kept).or(best);
        nodes.push(MergeNode {
            component: c,
            parent: pass,
            cluster: 0,
            weight: w[c],
            fit_points: l.count[c],
            log_peak: peak[c],
            log_saddle: shown.map_or(f64::NEG_INFINITY, |b| sad(c, b)),
            gaussian_looking: gauss[c],
            decision: match (pass, kept) {
                (Some(b), _) => MergeDecision::Attached { ratio: ratio(b) },
                (None, Some(b)) => MergeDecision::KeptGaussian { ratio: ratio(b) },
                (None, None) => MergeDecision::Mode {
                    best_ratio: best.map(ratio),
                },
            },
        });
    }
    // Roots (the order "higher" is strict, so chains end within k steps).
    let mut rep: Vec<usize> = (0..k)
        .map(|c| {
            let mut r = c;
            while let Some(p) = parent[r] {
                r = p;
            }
            r
        })
        .collect();
    if let Some(tau) = min_weight {
        attach_small(&mut rep, &mut nodes, w, &l.saddle, tau);
    }
    let mut roots: Vec<usize> = rep.clone();
    roots.sort_unstable();
    roots.dedup();
    let component_cluster: Vec<usize> = rep
        .iter()
        .map(|r| roots.binary_search(r).expect("a root"))
        .collect();
    for (n, &c) in nodes.iter_mut().zip(&component_cluster) {
        n.cluster = c;
    }
    Merged {
        component_cluster,
        n_clusters: roots.len(),
        forest: nodes,
    }
}

/// Repeatedly attaches the lightest cluster (weight < `tau`; ties → lowest root index) to
/// the cluster it shares the highest saddle with; stops when none is light or the
/// lightest has no neighbour.
pub(crate) fn attach_small(
    rep: &mut [usize],
    nodes: &mut [MergeNode],
    w: &[f64],
    saddle: &[f64],
    tau: f64,
) {
    let k = rep.len();
    loop {
        let mut roots: Vec<usize> = rep.to_vec();
        roots.sort_unstable();
        roots.dedup();
        if roots.len() <= 1 {
            return;
        }
        let weight = |r: usize| (0..k).filter(|&c| rep[c] == r).map(|c| w[c]).sum::<f64>();
        let ws: Vec<f64> = roots.iter().map(|&r| weight(r)).collect();
        let mut light = 0;
        for i in 1..roots.len() {
            if ws[i] < ws[light] {
                light = i;
            }
        }
        if ws[light] >= tau {
            return;
        }
        let c_root = roots[light];
        let mut best: Option<(usize, f64)> = None;
        for &d_root in roots.iter().filter(|&&r| r != c_root) {
            let mut s = f64::NEG_INFINITY;
            for a in (0..k).filter(|&a| rep[a] == c_root) {
                for b in (0..k).filter(|&b| rep[b] == d_root) {
                    s = s.max(saddle[a * k + b]);
                }
            }
            if s.is_finite() && best.is_none_or(|(_, bs)| s > bs) {
                best = Some((d_root, s));
            }
        }
        let Some((d_root, s)) = best else {
            return;
        };
        nodes[c_root].parent = (0..k).find(|&b| {
            rep[b] == d_root && (0..k).any(|a| rep[a] == c_root && saddle[a * k + b] == s)
        });
        nodes[c_root].log_saddle = s;
        nodes[c_root].decision = MergeDecision::SmallCluster { weight: ws[light] };
        for r in rep.iter_mut() {
            if *r == c_root {
                *r = d_root;
            }
        }
    }
}
