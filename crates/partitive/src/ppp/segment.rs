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
//! Joins are taken like the merges of a persistence hierarchy (ToMATo, cited in
//! [`super::modal`]): each group remembers its highest root, and a join into a group whose
//! peak came in through this pass, or below the joining peak, must also keep the two
//! groups' peaks on one hill — the
//! segment reaches `ρ ×` the lower of the two peaks, or the segment between those peaks
//! does not dip.
//! Two spiked clusters in 32–128 dimensions are two sharp cores inside one wide halo that
//! BIC fits between them; each core's segment into the halo stays at the halo's own level,
//! so relative to the segment's ends alone both cores joined the halo, and the two
//! clusters became one. Now the first core joins it; the second would join two towering
//! peaks through the halo's level, and stays apart (bench/ppp/README.md, session 23).
//! Nor may a core that towers above a cluster the first pass built join it through the
//! cluster's flank: at the largest spreads the first pass roots the cores' common halo at
//! a wide component far below them, and both cores had joined it (session 24).
//!
//! A cluster of a single component is the exception: its mode may reach any component of
//! a heavier cluster of several components (within [`SEGMENT_FAR`]). A skewed cluster
//! (log-normal in 4–16 dimensions) grows arms along its axes whose tip points BIC fits
//! with small components of their own; the mixture density climbs from such a tip into the
//! nearest piece of its cluster, not into that cluster's mode, and the first pass keeps
//! them apart (ratio 0.17–0.38, or both small pieces look Gaussian for lack of points).
//! Between two clusters of one component each (separated Gaussians, whole shells) only
//! the modes' own segment counts, as before.

use super::merge::{log_density, reroot, root_weights, roots_of};
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

/// The mixture density along the segments between pairs of component means.
pub(super) struct SegmentDips {
    /// `[c * K + d]` = ln(min over the segment `μ_c → μ_d` of the mixture density / the
    /// lower of its two ends' densities) for the pairs with `near(c, d)`; `−∞` elsewhere
    /// (and on the diagonal). Symmetric; `≤ 0`.
    pub ratio: Vec<f64>,
    /// `[c * K + d]` = ln(min over the segment of the mixture density): the height of the
    /// segment's lowest point (`−∞` where `ratio` is).
    pub level: Vec<f64>,
    /// ln(mixture density) at every component's mean: the segments' ends.
    pub at_mean: Vec<f64>,
}

/// The segments of the pairs with `near(c, d)` ([`SegmentDips`]).
pub(super) fn segment_dips(g: &PppMixture, near: impl Fn(usize, usize) -> bool) -> SegmentDips {
    let means = &g.params.means;
    let k = means.n_rows();
    let pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|c| (c + 1..k).map(move |d| (c, d)))
        .filter(|&(c, d)| near(c, d))
        .collect();
    let mut out = SegmentDips {
        ratio: vec![f64::NEG_INFINITY; k * k],
        level: vec![f64::NEG_INFINITY; k * k],
        at_mean: log_density(g, means),
    };
    if pairs.is_empty() {
        return out;
    }
    for (&(c, d), m) in pairs.iter().zip(segment_minima(g, &pairs)) {
        let (v, lv) = dip_of(m);
        out.ratio[c * k + d] = v;
        out.ratio[d * k + c] = v;
        out.level[c * k + d] = lv;
        out.level[d * k + c] = lv;
    }
    out
}

/// The ratio and level ([`SegmentDips`]) of a segment from its [`segment_minima`] entry
/// `(low, ends)`: both `−∞` where an end has no density.
fn dip_of((low, ends): (f64, f64)) -> (f64, f64) {
    if ends.is_finite() {
        (low - ends, low)
    } else {
        (f64::NEG_INFINITY, f64::NEG_INFINITY)
    }
}

/// [`SegmentDips::ratio`] of one pair `(c, d)`, whether or not it was near.
pub(super) fn segment_ratio(g: &PppMixture, c: usize, d: usize) -> f64 {
    dip_of(segment_minima(g, &[(c, d)])[0]).0
}

/// Per pair `(c, d)`: ln of the lowest mixture density on the segment `μ_c → μ_d`
/// ([`SEGMENT_POINTS`] points, ends included) and ln of the lower of its two ends.
fn segment_minima(g: &PppMixture, pairs: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let means = &g.params.means;
    let dim = means.n_cols();
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
    dens.chunks_exact(s)
        .map(|f| {
            let low = f.iter().copied().fold(f64::INFINITY, f64::min);
            (low, f[0].min(f[s - 1]))
        })
        .collect()
}

/// The second pass (module doc): every cluster of the forest (`rep[c]` = root of `c`)
/// may hang under one heavier cluster (larger weight; equal → larger root index), along a
/// segment from its root to the heavier one's root whose lowest point reaches the pair's
/// threshold (`joins(a, b)`) and whose points show no gap (`no_gap(a, b)`). A cluster of
/// one component may reach any component of a heavier cluster of several.
///
/// Candidates are taken by decreasing ratio (ties: higher lowest point `dips.level`, then
/// lower component indices; with no join refused below, every cluster takes its best
/// candidate, as before). Each group remembers its highest root (by `dips.at_mean`). Where
/// the target group's peak came in through this pass — not the root the first pass built
/// that cluster on — or the joining group's peak rises above the target's, a join must
/// also keep the two groups' peaks on one hill: its lowest
/// point reaches `ln_rho(a, b)` below the lower of the two peaks, or the segment between
/// the peaks dips no more than `ln_rho` (`peaks_ratio(p, q)`, the ratio of
/// [`SegmentDips::ratio`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn join_nested(
    rep: &mut [usize],
    nodes: &mut [MergeNode],
    w: &[f64],
    dips: &SegmentDips,
    ln_rho: impl Fn(usize, usize) -> f64,
    mut peaks_ratio: impl FnMut(usize, usize) -> f64,
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
    let lone = |j: usize| members[j].len() == 1;
    // Candidate joins (cluster i, cluster j, target component b), best ratio first.
    let mut cand: Vec<(usize, usize, usize)> = Vec::new();
    for i in 0..roots.len() {
        let a = roots[i];
        for j in (0..roots.len()).filter(|&j| j != i && heavier(i, j)) {
            let targets = if lone(i) && !lone(j) {
                &members[j][..]
            } else {
                std::slice::from_ref(&roots[j])
            };
            cand.extend(targets.iter().filter(|&&b| joins(a, b)).map(|&b| (i, j, b)));
        }
    }
    let key = |&(i, _, b): &(usize, usize, usize)| {
        (dips.ratio[roots[i] * k + b], dips.level[roots[i] * k + b])
    };
    cand.sort_by(|p, q| {
        let ((rp, lp), (rq, lq)) = (key(p), key(q));
        rq.total_cmp(&rp)
            .then(lq.total_cmp(&lp))
            .then(p.2.cmp(&q.2))
            .then(p.0.cmp(&q.0))
    });
    // The highest root of every group joined so far, kept at the group's top cluster (by
    // the density at its mean, the end its segments are measured from).
    let mut peak_of: Vec<usize> = roots.clone();
    let top = |up: &[Option<usize>], mut i: usize| {
        while let Some(j) = up[i] {
            i = j;
        }
        i
    };
    for (i, j, b) in cand {
        if up[i].is_some() {
            continue;
        }
        let (a, tj) = (roots[i], top(&up, j));
        let (p, q) = (peak_of[i], peak_of[tj]);
        // The two groups' peaks must be one hill as well: the segment's lowest point
        // reaches the threshold below the lower of the two peaks, or the peaks' own
        // segment does not dip. The first pass joined the target's own cluster along its
        // boundary saddles, one hill up to its root, so a bump on its flank lower than
        // that root joins it as before (the tip of a skewed cluster's arm, fitted by a
        // narrow component); a peak that came in through this pass, or a joining peak
        // that towers above the root (a sharp spike core beside a wide halo's cluster,
        // 32–128 dimensions), can be a second hill.
        let low = dips.at_mean[p].min(dips.at_mean[q]);
        let hill = (q == roots[tj] && dips.at_mean[p] <= dips.at_mean[q])
            || dips.level[a * k + b] >= ln_rho(a, b) + low
            || ((p, q) != (a, b) && peaks_ratio(p, q) >= ln_rho(p, q));
        if tj == i || !hill || !no_gap(a, b) {
            continue;
        }
        up[i] = Some(j);
        if dips.at_mean[p] > dips.at_mean[q] {
            peak_of[tj] = p;
        }
        nodes[a].parent = Some(b);
        nodes[a].decision = MergeDecision::AttachedSegment {
            ratio: dips.ratio[a * k + b].exp(),
        };
    }
    let new_root: Vec<usize> = (0..roots.len()).map(|i| roots[top(&up, i)]).collect();
    reroot(rep, &roots, &new_root);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Segments whose lowest point lies `ratio` below ends of density 1 (`ln = 0`).
    fn flat_ends(ratio: Vec<f64>) -> SegmentDips {
        let k = (ratio.len() as f64).sqrt() as usize;
        SegmentDips {
            level: ratio.clone(),
            ratio,
            at_mean: vec![0.0; k],
        }
    }

    const LN_RHO: fn(usize, usize) -> f64 = |_, _| 0.6f64.ln();

    fn node(c: usize, w: f64) -> MergeNode {
        MergeNode::test_mode(c, w)
    }

    /// The second pass on the forest `rep` of one-component nodes (`parents` set first),
    /// with ρ = 0.6, no gap where `no_gap` says so, and peaks whose own segment dips to
    /// nothing.
    fn nest(
        w: &[f64],
        segs: &SegmentDips,
        mut rep: Vec<usize>,
        parents: &[(usize, usize)],
        no_gap: impl FnMut(usize, usize) -> bool,
    ) -> (Vec<usize>, Vec<MergeNode>) {
        let k = w.len();
        let mut nodes: Vec<MergeNode> = (0..k).map(|c| node(c, w[c])).collect();
        parents.iter().for_each(|&(c, p)| nodes[c].parent = Some(p));
        let joins = |a: usize, b: usize| segs.ratio[a * k + b] >= 0.6f64.ln();
        let peaks = |_: usize, _: usize| f64::NEG_INFINITY;
        join_nested(&mut rep, &mut nodes, w, segs, LN_RHO, peaks, joins, no_gap);
        (rep, nodes)
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
        let segs = flat_ends(dips);
        let (rep, nodes) = nest(&w, &segs, (0..k).collect(), &[], |_, _| true);
        assert_eq!(rep, vec![0, 1, 0, 1]);
        assert_eq!(nodes[2].parent, Some(0)); // equal ratios: the lower root index
        assert_eq!(nodes[3].parent, Some(1));
        assert!(
            matches!(nodes[3].decision, MergeDecision::AttachedSegment { ratio } if (ratio - 0.8).abs() < 1e-12)
        );
        assert!(nodes[0].parent.is_none() && nodes[1].parent.is_none());
        // A gap refuses the join: the spike stays a mode.
        let (rep, _) = nest(&w, &segs, (0..k).collect(), &[], |a, b| a != 2 && b != 2);
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
        let segs = flat_ends(dips);
        let (rep, nodes) = nest(&w, &segs, vec![0, 0, 2, 3, 4], &[(1, 0)], |_, _| true);
        assert_eq!(rep, vec![0, 0, 0, 3, 4]);
        assert_eq!(nodes[2].parent, Some(1));
        assert!(
            matches!(nodes[2].decision, MergeDecision::AttachedSegment { ratio } if (ratio - 0.9).abs() < 1e-12)
        );
        assert!(nodes[4].parent.is_none());
    }

    /// A heavy wide halo (component 0, density e^-10 at its mean) around two lighter dense
    /// cores (1 and 2, density 1 at their means) whose segments to it never dip below the
    /// halo's own level; component 3 lies apart from all. The first core joins the halo (its
    /// root was the halo's peak); the second would join two peaks through a segment far
    /// below both, and stays a cluster (relative to the segments' ends alone, both would
    /// have joined). Both join when the halo's own peak is as high as theirs (one hill).
    #[test]
    fn a_halo_takes_in_one_core_not_two() {
        let run = |w: [f64; 4], at_mean: Vec<f64>| {
            let k = w.len();
            let mut segs = SegmentDips {
                ratio: vec![f64::NEG_INFINITY; k * k],
                level: vec![f64::NEG_INFINITY; k * k],
                at_mean,
            };
            for c in [1, 2] {
                for (a, b) in [(0, c), (c, 0)] {
                    segs.ratio[a * k + b] = 0.0;
                    segs.level[a * k + b] = -10.0 - 0.1 * c as f64;
                }
            }
            nest(&w, &segs, (0..k).collect(), &[], |_, _| true)
        };
        let cores = vec![-10.0, 0.0, 0.0, 0.0];
        // Core 1's segment is the higher one.
        let (rep, nodes) = run([0.5, 0.2, 0.2, 0.1], cores);
        assert_eq!(rep, vec![0, 0, 2, 3]);
        assert!(nodes[2].parent.is_none());
        assert_eq!(nodes[1].parent, Some(0));
        // The halo's peak as high as the cores': one hill.
        let (rep, _) = run([0.5, 0.2, 0.2, 0.1], vec![-10.0; 4]);
        assert_eq!(rep, vec![0, 0, 0, 3]);
    }

    /// A first-pass cluster {0, 1} (root 0, density e^-10 at its mean) and a lighter lone
    /// component 2 whose segment to member 1 never dips below 1's own level (e^-12). When 2
    /// is a bump lower than the cluster's root it joins, as before; when it towers above
    /// that root (density 1, a sharp core beside a wide halo) the join must reach ρ × the
    /// root's density, which a segment at e^-12 does not: the core stays a cluster.
    #[test]
    fn a_towering_core_does_not_join_a_lower_cluster_through_its_flank() {
        let run = |at_mean: Vec<f64>, level: f64| {
            let w = [0.5, 0.3, 0.2];
            let k = w.len();
            let mut segs = SegmentDips {
                ratio: vec![f64::NEG_INFINITY; k * k],
                level: vec![f64::NEG_INFINITY; k * k],
                at_mean,
            };
            for (a, b) in [(1, 2), (2, 1)] {
                segs.ratio[a * k + b] = 0.0;
                segs.level[a * k + b] = level;
            }
            nest(&w, &segs, vec![0, 0, 2], &[(1, 0)], |_, _| true).0
        };
        // A bump below the root: joins.
        assert_eq!(run(vec![-10.0, -12.0, -11.0], -12.0), vec![0, 0, 0]);
        // A towering core: stays apart ...
        assert_eq!(run(vec![-10.0, -12.0, 0.0], -12.0), vec![0, 0, 2]);
        // ... unless its segment reaches ρ × the root's density (one hill).
        assert_eq!(run(vec![-10.0, -10.2, 0.0], -10.2), vec![0, 0, 0]);
    }
}
