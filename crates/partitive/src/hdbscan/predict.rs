//! Placing new points in a fitted hierarchy without changing it ("approximate predict",
//! as described in the `hdbscan` library's documentation on prediction).
//!
//! A new point `x` gets as core distance its distance to the `(min_samples + 1)`-th
//! nearest training point — so that a copy of a training row gets that row's core
//! distance, and as the `hdbscan` library's `approximate_predict` does — and joins the hierarchy through its nearest training point `r` in mutual
//! reachability — the smallest `(max(core(x), core(r), d(x, r)), d(x, r), rank(r))`,
//! found exactly by a kd-tree search — at `λ = 1 / w`. If `r` had already left its
//! cluster at that density (`λ_r ≤ λ`), `x` leaves with it; otherwise `x` falls out of
//! the cluster holding `r` at `λ`: the cluster of `r`, or its nearest ancestor born
//! before `λ`. The label is that of the selected cluster holding the attachment (with
//! the single-cluster root rule of the fit), the probability `min(λ, λ_max) / λ_max`.

use super::condense::{lambda, CondensedTree};
use super::knn;
use super::metric::TreeMetric;
use super::tree::KdTree;

/// Where a new point joins the condensed tree: it falls out of `cluster` at `lambda`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Attach {
    pub cluster: usize,
    pub lambda: f64,
}

/// Cluster-level lookups of a fitted model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lookup {
    /// Label of each condensed cluster (that of its selected ancestor-or-self).
    pub label_of: Vec<Option<usize>>,
    /// Largest λ among each cluster's direct children.
    pub death: Vec<f64>,
    /// Rows in the selected root (single cluster) need `λ ≥` this.
    pub root_threshold: f64,
    /// Selected clusters, by label.
    pub selected: Vec<usize>,
}

impl Lookup {
    /// Label and membership probability of a point falling out of `a.cluster` at
    /// `a.lambda`.
    pub(crate) fn label(&self, a: Attach) -> (Option<usize>, f64) {
        let Some(l) = self.label_of[a.cluster] else {
            return (None, 0.0);
        };
        let c = self.selected[l];
        if c == 0 && a.lambda < self.root_threshold {
            return (None, 0.0);
        }
        let max = self.death[c];
        let p = if max == 0.0 || !a.lambda.is_finite() {
            1.0
        } else {
            a.lambda.min(max) / max
        };
        (Some(l), p)
    }
}

/// The attachment of a point whose mutual-reachability nearest training row is `r`,
/// at distance `w` (metric units).
pub(crate) fn attach(ct: &CondensedTree, r: usize, w: f64) -> Attach {
    let lam = lambda(w);
    let (cr, lr) = (ct.cluster_of(r), ct.lambda_of(r));
    if lr <= lam {
        return Attach {
            cluster: cr,
            lambda: lr,
        };
    }
    let mut c = cr;
    while let Some(p) = ct.clusters[c].parent {
        if ct.clusters[c].lambda_birth < lam {
            break;
        }
        c = p;
    }
    Attach {
        cluster: c,
        lambda: lam,
    }
}

/// The training point nearest to `q` in mutual reachability: `(tree position, reduced
/// weight)`. `core`, `node_core` and `rank` are the fit's (tree order); `k` is
/// `min_samples` (the core distance of `q` is that of its `k + 1`-th nearest point).
pub(crate) fn nearest_tree<M: TreeMetric>(
    t: &KdTree,
    core: &[f64],
    node_core: &[f64],
    rank: &[u32],
    q: &[f64],
    k: usize,
) -> (usize, f64) {
    let (dist, who) = knn::nearest::<M>(t, q, k + 1);
    let core_q = *dist.last().unwrap_or(&0.0);
    let mut best = (f64::INFINITY, f64::INFINITY, u32::MAX, usize::MAX);
    for (&d, &p) in dist.iter().zip(&who) {
        let p = p as usize;
        let cand = (core_q.max(core[p]).max(d), d, rank[p], p);
        if cand < best {
            best = cand;
        }
    }
    let b = M::rdist_box(q, t.lo(0), t.hi(0));
    visit::<M>(t, core, node_core, rank, q, core_q, 0, b, &mut best);
    (best.3, best.0)
}

#[allow(clippy::too_many_arguments)]
fn visit<M: TreeMetric>(
    t: &KdTree,
    core: &[f64],
    node_core: &[f64],
    rank: &[u32],
    q: &[f64],
    core_q: f64,
    node: usize,
    box_d: f64,
    best: &mut (f64, f64, u32, usize),
) {
    let lb = core_q.max(node_core[node]).max(box_d);
    if lb > best.0 || (lb == best.0 && box_d > best.1) {
        return;
    }
    if t.is_leaf(node) {
        for p in t.range(node) {
            let d = M::rdist(q, t.point(p));
            let cand = (core_q.max(core[p]).max(d), d, rank[p], p);
            if cand < *best {
                *best = cand;
            }
        }
        return;
    }
    let (a, b) = (2 * node + 1, 2 * node + 2);
    let ba = M::rdist_box(q, t.lo(a), t.hi(a));
    let bb = M::rdist_box(q, t.lo(b), t.hi(b));
    if ba <= bb {
        visit::<M>(t, core, node_core, rank, q, core_q, a, ba, best);
        visit::<M>(t, core, node_core, rank, q, core_q, b, bb, best);
    } else {
        visit::<M>(t, core, node_core, rank, q, core_q, b, bb, best);
        visit::<M>(t, core, node_core, rank, q, core_q, a, ba, best);
    }
}

/// The training row nearest in mutual reachability to a new point given its
/// distances to every training row: `(row, weight)`; ties by distance, then row.
pub(crate) fn nearest_dense(dist: &[f64], core: &[f64], k: usize) -> (usize, f64) {
    let mut sorted = dist.to_vec();
    let k = (k + 1).clamp(1, sorted.len());
    let (_, core_q, _) = sorted.select_nth_unstable_by(k - 1, f64::total_cmp);
    let core_q = *core_q;
    let mut best = (f64::INFINITY, f64::INFINITY, usize::MAX);
    for (j, (&d, &c)) in dist.iter().zip(core).enumerate() {
        let cand = (core_q.max(c).max(d), d, j);
        if cand < best {
            best = cand;
        }
    }
    (best.2, best.0)
}
