//! The single-linkage tree of the MST: edges sorted by their key and merged with a
//! union–find, in the layout of `scipy.cluster.hierarchy.linkage` (merge `i` creates
//! node `n + i`).
//!
//! The children of each merge are ordered canonically — the larger first, on equal
//! sizes the one holding the smaller content rank — so the tree, and every cluster
//! number derived from it, depends on the data, not on the row order.

use super::boruvka::Edge;

/// One merge of the single-linkage tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merge {
    /// First child: a row (`< n`) or an earlier merge (`n + i`); the larger child.
    pub left: usize,
    /// Second child.
    pub right: usize,
    /// Mutual-reachability distance of the merge.
    pub distance: f64,
    /// Number of rows under the new node.
    pub size: usize,
}

/// The single-linkage tree of the mutual-reachability distances: `n − 1` merges in
/// increasing distance (scipy's linkage layout: merge `i` is node `n + i`).
#[derive(Debug, Clone, PartialEq)]
pub struct SingleLinkageTree {
    /// Number of rows (leaves).
    pub n: usize,
    /// The merges, by increasing distance.
    pub merges: Vec<Merge>,
}

impl SingleLinkageTree {
    /// Rows under node `node` (a row itself when `node < n`).
    pub fn size_of(&self, node: usize) -> usize {
        if node < self.n {
            1
        } else {
            self.merges[node - self.n].size
        }
    }
}

/// Sorts `edges` (endpoints are rows; `w`, `d` comparable reduced values) by the key
/// `(w, d, lo rank, hi rank)` and builds the tree; `dist` maps a reduced weight to the
/// reported distance.
pub(crate) fn single_linkage(
    n: usize,
    mut edges: Vec<Edge>,
    rank: &[u32],
    dist: impl Fn(f64) -> f64,
) -> SingleLinkageTree {
    use rayon::prelude::*;
    let key = |e: &Edge| {
        let (a, b) = (rank[e.a as usize], rank[e.b as usize]);
        (e.w, e.d, a.min(b), a.max(b))
    };
    edges.par_sort_unstable_by(|x, y| {
        key(x)
            .partial_cmp(&key(y))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut parent: Vec<u32> = (0..n as u32).collect();
    // per union-find root: its tree node, size and smallest rank
    let mut node: Vec<u32> = (0..n as u32).collect();
    let mut size: Vec<u32> = vec![1; n];
    let mut rep: Vec<u32> = rank.to_vec();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let g = parent[parent[x as usize] as usize];
            parent[x as usize] = g;
            x = g;
        }
        x
    }
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    for e in &edges {
        let (ra, rb) = (find(&mut parent, e.a), find(&mut parent, e.b));
        if ra == rb {
            continue;
        }
        let (ra, rb) = (ra as usize, rb as usize);
        let a_first =
            (size[ra], std::cmp::Reverse(rep[ra])) > (size[rb], std::cmp::Reverse(rep[rb]));
        let (first, second) = if a_first { (ra, rb) } else { (rb, ra) };
        let total = size[ra] + size[rb];
        merges.push(Merge {
            left: node[first] as usize,
            right: node[second] as usize,
            distance: dist(e.w),
            size: total as usize,
        });
        // union by size: the larger root stays
        let (keep, gone) = if size[ra] >= size[rb] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        parent[gone] = keep as u32;
        size[keep] = total;
        rep[keep] = rep[ra].min(rep[rb]);
        node[keep] = (n + merges.len() - 1) as u32;
    }
    SingleLinkageTree { n, merges }
}
