//! The second pass of the modal rule ([`super::modal`]): the mixture's own density along
//! the straight segment between two cluster modes. A lighter cluster whose mode's segment
//! to a heavier cluster's mode never dips below `ρ ×` the lower of its two ends is one
//! hill of the fitted density with it (the segment is one path between the modes, so the
//! true saddle is at least its lowest point) and joins it, unless both modes look
//! Gaussian in high-dimensional data or their points show a gap.
//!
//! Why: the first pass reads saddles off the fit points on the posterior boundary of two
//! components, and misses nested components. Above a few dimensions BIC gives the far
//! tail points of a heavy-tailed cluster a wide component of their own (its halo), and
//! the posterior odds between halo and core change so steeply with the radius that the
//! two share few or no ambiguous fit points — although the fitted density climbs
//! monotonically from the halo's centre into the core (Student-t clusters in 16–32
//! dimensions, pieces of skewed and uniform clusters: bench/ppp/README.md, session 13).
//! The converse does not hold (a curved cluster's segment can dip), so the segment only
//! ever adds a join, never refuses one. Only lighter under heavier, one parent each, and
//! only between modes: a narrow light spike where two overlapping clusters cross joins
//! one of them and cannot bridge them, and a wide halo component inside one cluster
//! cannot pull a second core in.
//!
//! A cluster of a single component is the exception: its mode may reach any component of
//! a heavier cluster of several components (within [`SEGMENT_FAR`]). A skewed cluster
//! (log-normal in 4–16 dimensions) grows arms along its axes whose tip points BIC fits
//! with small components of their own; the mixture density climbs from such a tip into the
//! nearest piece of its cluster, not into that cluster's mode, and the first pass keeps
//! them apart (ratio 0.17–0.38, or both small pieces look Gaussian for lack of points).
//! Between two clusters of one component each (separated Gaussians, whole shells) only
//! the modes' own segment counts, as before.

use super::merge::{log_density, root_weights, roots_of};
use super::result::{MergeDecision, MergeNode, PppMixture};
use crate::matrix::Mat;

/// Points per segment, ends included.
pub const SEGMENT_POINTS: usize = 33;

/// Only pairs whose means lie within this many standard deviations of each other (the
/// smaller of the two Mahalanobis distances) are examined: farther, the two components'
/// densities at the midpoint are each below `e^{-4.5}` of their peaks, so a segment
/// without a dip would need a third component between them. This also keeps the pass
/// cheap with many separated clusters (no pair is examined).
pub const SEGMENT_NEAR: f64 = 3.0;

/// A cluster of one component may join a heavier cluster of several components along the
/// segment from its mean to any of that cluster's components within this many standard
/// deviations (the smaller Mahalanobis distance). Farther than [`SEGMENT_NEAR`] a segment
/// without a dip needs components between its ends, and a cluster of several components
/// has them; the bound only keeps the pass cheap. Measured: the lone tail groups of
/// log-normal clusters in 4–16 dimensions lie 1.4–5.7 sd from the nearest component of
/// their cluster (bench/ppp/README.md, session 14).
pub const SEGMENT_FAR: f64 = 6.0;

/// `[c * K + d]` = ln(min over the segment `μ_c → μ_d` of the mixture density / the lower
/// of its two ends' densities) for the pairs with `near(c, d)`; `−∞` elsewhere (and on the
/// diagonal). Symmetric; `≤ 0`.
pub(super) fn segment_dips(g: &PppMixture, near: impl Fn(usize, usize) -> bool) -> Vec<f64> {
    let means = &g.params.means;
    let (k, dim) = (means.n_rows(), means.n_cols());
    let pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|c| (c + 1..k).map(move |d| (c, d)))
        .filter(|&(c, d)| near(c, d))
        .collect();
    let mut out = vec![f64::NEG_INFINITY; k * k];
    if pairs.is_empty() {
        return out;
    }
    let s = SEGMENT_POINTS;
    let mut pts = Mat::filled(pairs.len() * s, dim, 0.0);
    for (p, &(c, d)) in pairs.iter().enumerate() {
        let (a, b) = (means.row(c), means.row(d));
        for t in 0..s {
            let f = t as f64 / (s - 1) as f64;
            for (o, (x, y)) in pts.row_mut(p * s + t).iter_mut().zip(a.iter().zip(b)) {
                *o = x + f * (y - x);
            }
        }
    }
    let dens = log_density(g, &pts);
    for (p, &(c, d)) in pairs.iter().enumerate() {
        let f = &dens[p * s..(p + 1) * s];
        let ends = f[0].min(f[s - 1]);
        let low = f.iter().copied().fold(f64::INFINITY, f64::min);
        let v = if ends.is_finite() {
            low - ends
        } else {
            f64::NEG_INFINITY
        };
        out[c * k + d] = v;
        out[d * k + c] = v;
    }
    out
}

/// The second pass (module doc): every cluster of the forest (`rep[c]` = root of `c`)
/// hangs under the heavier cluster (larger weight; equal → larger root index) whose root
/// it reaches with the highest segment ratio (`dips`; equal ratios → lower component
/// index) among the pairs with `joins(a, b)` (which includes the ratio threshold) and
/// `no_gap(a, b)` (asked in that order, best first). A cluster of one component may reach
/// any component of a heavier cluster of several (`dips` must hold those pairs). Chains
/// follow (every step goes to a heavier cluster, so they end). The root's node records the join ([`MergeDecision::AttachedSegment`]).
pub(super) fn join_nested(
    rep: &mut [usize],
    nodes: &mut [MergeNode],
    w: &[f64],
    dips: &[f64],
    joins: impl Fn(usize, usize) -> bool,
    mut no_gap: impl FnMut(usize, usize) -> bool,
) {
    let k = rep.len();
    let roots = roots_of(rep);
    let ws = root_weights(rep, &roots, w);
    let heavier = |i: usize, j: usize| ws[j] > ws[i] || (ws[j] == ws[i] && roots[j] > roots[i]);
    // `up[i]`: the cluster (index into `roots`) that cluster `i` hangs under.
    let mut up: Vec<Option<usize>> = vec![None; roots.len()];
    // The components of every cluster (ascending); a cluster of one component may reach
    // any component of a heavier cluster of several, other clusters only its root.
    let mut index = vec![0; k];
    roots.iter().enumerate().for_each(|(j, &r)| index[r] = j);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); roots.len()];
    rep.iter()
        .enumerate()
        .for_each(|(c, &r)| members[index[r]].push(c));
    for i in 0..roots.len() {
        let a = roots[i];
        // (cluster, component) targets in heavier clusters that `a` joins, by decreasing
        // ratio (ties: lower component index).
        let lone = |j: usize| members[j].len() == 1;
        let mut cand: Vec<(usize, usize)> = (0..roots.len())
            .filter(|&j| j != i && heavier(i, j))
            .flat_map(|j| {
                let targets = if lone(i) && !lone(j) {
                    &members[j][..]
                } else {
                    std::slice::from_ref(&roots[j])
                };
                targets.iter().map(move |&b| (j, b))
            })
            .filter(|&(_, b)| joins(a, b))
            .collect();
        cand.sort_by(|&(_, p), &(_, q)| {
            dips[a * k + q].total_cmp(&dips[a * k + p]).then(p.cmp(&q))
        });
        if let Some((j, b)) = cand.into_iter().find(|&(_, b)| no_gap(a, b)) {
            up[i] = Some(j);
            nodes[a].parent = Some(b);
            nodes[a].decision = MergeDecision::AttachedSegment {
                ratio: dips[a * k + b].exp(),
            };
        }
    }
    let top = |mut i: usize| {
        while let Some(j) = up[i] {
            i = j;
        }
        roots[i]
    };
    let new_root: Vec<usize> = (0..roots.len()).map(top).collect();
    for r in rep.iter_mut() {
        *r = new_root[roots.binary_search(r).expect("a root")];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(c: usize, w: f64) -> MergeNode {
        MergeNode {
            component: c,
            parent: None,
            cluster: 0,
            weight: w,
            fit_points: 100,
            log_peak: 0.0,
            log_saddle: f64::NEG_INFINITY,
            gaussian_looking: false,
            decision: MergeDecision::Mode { best_ratio: None },
        }
    }

    /// Components 0 and 1 are two clusters (no segment between them), 2 a light spike
    /// whose segments to both show no dip, 3 a light halo of cluster 1 (dip ratio 0.8).
    #[test]
    fn a_light_mode_joins_one_heavier_cluster_and_bridges_none() {
        let w = [0.45, 0.4, 0.05, 0.1];
        let k = w.len();
        let mut dips = vec![f64::NEG_INFINITY; k * k];
        let mut set = |a: usize, b: usize, v: f64| {
            dips[a * k + b] = v;
            dips[b * k + a] = v;
        };
        set(0, 2, 0.0);
        set(1, 2, 0.0);
        set(1, 3, 0.8f64.ln());
        set(0, 3, 0.5f64.ln()); // below ρ = 0.6
        let joins = |a: usize, b: usize| dips[a * k + b] >= 0.6f64.ln();
        let mut rep: Vec<usize> = (0..k).collect();
        let mut nodes: Vec<MergeNode> = (0..k).map(|c| node(c, w[c])).collect();
        join_nested(&mut rep, &mut nodes, &w, &dips, joins, |_, _| true);
        assert_eq!(rep, vec![0, 1, 0, 1]);
        assert_eq!(nodes[2].parent, Some(0)); // equal ratios: the lower root index
        assert_eq!(nodes[3].parent, Some(1));
        assert!(
            matches!(nodes[3].decision, MergeDecision::AttachedSegment { ratio } if (ratio - 0.8).abs() < 1e-12)
        );
        assert!(nodes[0].parent.is_none() && nodes[1].parent.is_none());
        // A gap refuses the join: the spike stays a mode.
        let mut rep: Vec<usize> = (0..k).collect();
        let mut nodes: Vec<MergeNode> = (0..k).map(|c| node(c, w[c])).collect();
        join_nested(&mut rep, &mut nodes, &w, &dips, joins, |a, b| {
            a != 2 && b != 2
        });
        assert_eq!(rep, vec![0, 1, 2, 1]);
    }

    /// Cluster {0, 1} (root 0) and the lone component 2 (a tail tip) whose segment to
    /// component 1 does not dip, although its segment to the root 0 does; the lone
    /// components 3 (heavier) and 4 reach each other's mode only, and 4's segment to 3 dips.
    #[test]
    fn a_lone_tip_reaches_any_piece_of_a_composite_cluster() {
        let w = [0.4, 0.2, 0.05, 0.3, 0.05];
        let k = w.len();
        let mut dips = vec![f64::NEG_INFINITY; k * k];
        let mut set = |a: usize, b: usize, v: f64| {
            dips[a * k + b] = v;
            dips[b * k + a] = v;
        };
        set(2, 0, 0.2f64.ln());
        set(2, 1, 0.9f64.ln());
        set(4, 3, 0.3f64.ln());
        set(4, 0, 0.1f64.ln());
        set(4, 1, 0.1f64.ln());
        let joins = |a: usize, b: usize| dips[a * k + b] >= 0.6f64.ln();
        let mut rep = vec![0, 0, 2, 3, 4];
        let mut nodes: Vec<MergeNode> = (0..k).map(|c| node(c, w[c])).collect();
        nodes[1].parent = Some(0);
        join_nested(&mut rep, &mut nodes, &w, &dips, joins, |_, _| true);
        assert_eq!(rep, vec![0, 0, 0, 3, 4]);
        assert_eq!(nodes[2].parent, Some(1));
        assert!(
            matches!(nodes[2].decision, MergeDecision::AttachedSegment { ratio } if (ratio - 0.9).abs() < 1e-12)
        );
        assert!(nodes[4].parent.is_none());
    }
}
