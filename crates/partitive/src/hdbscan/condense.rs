//! The condensed cluster tree (Campello, Moulavi & Sander 2013, §3; McInnes & Healy
//! 2017, §2): the single-linkage tree walked from the root, where a split counts only
//! when both sides hold at least `min_cluster_size` rows. Smaller sides "fall out" of
//! the cluster at `λ = 1 / distance` (∞ at distance 0); when only one side is large,
//! it continues as the same cluster; when both are, two new clusters are born.
//!
//! Clusters are numbered breadth-first from the root (cluster 0), children in the
//! canonical order of the single-linkage tree; rows fall out in depth-first order of
//! that tree. Both orders depend on the data only, so sums over them (stabilities) do
//! not depend on the row order.

use super::linkage::SingleLinkageTree;
use std::collections::VecDeque;

/// A cluster of the condensed tree.
#[derive(Debug, Clone, PartialEq)]
pub struct CondensedCluster {
    /// Parent cluster (`None` for the root, cluster 0).
    pub parent: Option<usize>,
    /// `λ = 1 / distance` at which the cluster was born (0 for the root).
    pub lambda_birth: f64,
    /// Rows in the cluster at its birth.
    pub size: usize,
    /// Child clusters (none, or two or more born at the same λ).
    pub children: Vec<usize>,
}

/// A row leaving a cluster: it belongs to `cluster` up to `λ = lambda`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallOut {
    /// The row (input order).
    pub row: usize,
    /// The cluster it leaves.
    pub cluster: usize,
    /// `λ = 1 / distance` at which it leaves (∞ at distance 0).
    pub lambda: f64,
}

/// The condensed tree: clusters (breadth-first from the root) and, for every row, the
/// cluster it falls out of and when.
#[derive(Debug, Clone, PartialEq)]
pub struct CondensedTree {
    /// Clusters; 0 is the root, parents come before their children.
    pub clusters: Vec<CondensedCluster>,
    /// One entry per row, in the canonical order rows fall out.
    pub fall_outs: Vec<FallOut>,
    /// For each row (input order), its index in `fall_outs`.
    pub row_entry: Vec<usize>,
}

impl CondensedTree {
    /// The cluster row `i` falls out of.
    pub fn cluster_of(&self, i: usize) -> usize {
        self.fall_outs[self.row_entry[i]].cluster
    }

    /// The λ at which row `i` falls out.
    pub fn lambda_of(&self, i: usize) -> f64 {
        self.fall_outs[self.row_entry[i]].lambda
    }

    /// Stability (excess of mass) of every cluster, see the `select` module docs.
    pub fn stabilities(&self) -> Vec<f64> {
        super::select::stabilities(self)
    }

    /// The tree as rows `(parent, child, λ, child size)` in the numbering of the
    /// `hdbscan` library's `condensed_tree_`: rows are `0..n`, cluster `c` is `n + c`.
    /// Cluster rows come first (breadth-first), then the rows' fall-outs.
    pub fn to_rows(&self) -> Vec<(usize, usize, f64, usize)> {
        let n = self.row_entry.len();
        let mut out = Vec::with_capacity(self.clusters.len() + n);
        for (c, k) in self.clusters.iter().enumerate().skip(1) {
            let p = k.parent.unwrap_or(0);
            out.push((n + p, n + c, k.lambda_birth, k.size));
        }
        for f in &self.fall_outs {
            out.push((n + f.cluster, f.row, f.lambda, 1));
        }
        out
    }
}

/// `λ = 1 / distance`, ∞ at 0.
#[inline]
pub(crate) fn lambda(distance: f64) -> f64 {
    if distance > 0.0 {
        1.0 / distance
    } else {
        f64::INFINITY
    }
}

/// Condenses `sl` with `min_cluster_size` (≥ 2).
pub(crate) fn condense(sl: &SingleLinkageTree, min_cluster_size: usize) -> CondensedTree {
    let n = sl.n;
    let mut clusters = vec![CondensedCluster {
        parent: None,
        lambda_birth: 0.0,
        size: n,
        children: Vec::new(),
    }];
    let mut fall_outs = Vec::with_capacity(n);
    let mut stack = Vec::new();
    let mut fall = |node: usize, cluster: usize, lam: f64, out: &mut Vec<FallOut>| {
        stack.clear();
        stack.push(node);
        while let Some(x) = stack.pop() {
            if x < n {
                out.push(FallOut {
                    row: x,
                    cluster,
                    lambda: lam,
                });
            } else {
                let m = &sl.merges[x - n];
                stack.push(m.right);
                stack.push(m.left);
            }
        }
    };
    if n == 1 {
        fall(0, 0, f64::INFINITY, &mut fall_outs);
    }
    let mut queue = VecDeque::new();
    if n >= 2 {
        queue.push_back((2 * n - 2, 0usize));
    }
    while let Some((node, cl)) = queue.pop_front() {
        let m = sl.merges[node - n];
        let lam = lambda(m.distance);
        let (a, b) = (m.left, m.right);
        let big_a = sl.size_of(a) >= min_cluster_size;
        let big_b = sl.size_of(b) >= min_cluster_size;
        if big_a && big_b {
            for x in [a, b] {
                let id = clusters.len();
                clusters.push(CondensedCluster {
                    parent: Some(cl),
                    lambda_birth: lam,
                    size: sl.size_of(x),
                    children: Vec::new(),
                });
                clusters[cl].children.push(id);
                queue.push_back((x, id));
            }
        } else {
            for (x, big) in [(a, big_a), (b, big_b)] {
                if big {
                    queue.push_back((x, cl));
                } else {
                    fall(x, cl, lam, &mut fall_outs);
                }
            }
        }
    }
    let mut row_entry = vec![0usize; n];
    for (i, f) in fall_outs.iter().enumerate() {
        row_entry[f.row] = i;
    }
    CondensedTree {
        clusters,
        fall_outs,
        row_entry,
    }
}
