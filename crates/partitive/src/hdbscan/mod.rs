//! HDBSCAN*: hierarchical density-based clustering with noise, the hierarchy condensed
//! and flat clusters selected by excess of mass (or as leaves), exact and fast for
//! low-dimensional data.
//!
//! References:
//! - R. J. G. B. Campello, D. Moulavi, J. Sander, *Density-Based Clustering Based on
//!   Hierarchical Density Estimates*, PAKDD 2013, LNCS 7819, 160–172,
//!   doi:10.1007/978-3-642-37456-2_14.
//! - R. J. G. B. Campello, D. Moulavi, A. Zimek, J. Sander, *Hierarchical Density
//!   Estimates for Data Clustering, Visualization, and Outlier Detection*, ACM TKDD
//!   10(1), 2015, doi:10.1145/2733381 (GLOSH outlier scores).
//! - L. McInnes, J. Healy, *Accelerated Hierarchical Density Based Clustering*, ICDMW
//!   2017, arXiv:1705.07321 (tree-based core distances and Borůvka MST).
//! - C. Malzer, M. Baum, *A Hybrid Approach To Hierarchical Density-based Cluster
//!   Selection*, MFI 2020, arXiv:1911.02282 (`cluster_selection_epsilon`).
//!
//! # Definitions
//! With `m = min_samples` (default `min_cluster_size`, capped at `n − 1`):
//!
//! - **core distance** `core(x)`: the distance from `x` to its `m`-th nearest *other*
//!   row (the `(m + 1)`-th smallest of `d(x, ·)`, `d(x, x) = 0` included) — the
//!   convention of the `hdbscan` library;
//! - **mutual reachability** `w(a, b) = max(core(a), core(b), d(a, b))`;
//! - the **single-linkage tree** of `w` (from its minimum spanning tree), condensed
//!   with `min_cluster_size`, clusters selected and rows scored as described in the
//!   `select` module: labels (noise `None`), membership probabilities, GLOSH outlier
//!   scores; soft membership vectors and `approximate_predict` as in the `soft` and
//!   `predict` modules.
//!
//! These are the `hdbscan` library's definitions (McInnes, Healy & Astels, JOSS 2017,
//! doi:10.21105/joss.00205), checked against its output (see `bench/hdbscan/README.md`):
//! the same hierarchy, and the same partition up to the pairing of tied merges.
//! Deliberate differences: GLOSH is 0 or 1 instead of NaN where λ is infinite
//! (duplicate rows), and ties (below).
//!
//! # Ties and determinism
//! Mutual reachability ties by construction, even for data in general position: every
//! edge from `x` to a row `y` with `d(x, y) ≤ core(x)` and `core(y) ≤ core(x)` weighs
//! exactly `core(x)`. When such a row bridges two groups (its nearest rows lie in both),
//! three groups join at one height, and a binary single-linkage tree has to pair them:
//! `x` goes with one group first. Which one decides whether `x` is labelled with one
//! cluster, the other, or — through the stabilities — which clusters excess of mass
//! selects.
//!
//! **The tie rule.** Edges are ordered by `(w, d, lo, hi)`: mutual-reachability weight,
//! then the plain distance, then the *content ranks* of the endpoints (smaller first),
//! where a row's rank is its position in the lexicographic order of the rows' values
//! (rows with identical values by input position; a precomputed matrix by row index).
//! The order is total, so the minimum spanning tree is unique and equal weights are
//! merged in an order fixed by the data: a bridging row joins the group of its
//! *nearest* tied neighbour first.
//!
//! The `hdbscan` library orders such ties by its search order, which depends on the row
//! order: its answer changes when the rows of the same data are permuted, and its two
//! exact algorithms (Borůvka and Prim) disagree with each other on the same runs. No
//! rule of content can reproduce it. What does not depend on ties is the same as the
//! library's: the merge heights, the height at which any two rows join (the
//! ultrametric of the hierarchy), and, given the same single-linkage tree, the condensed
//! tree, stabilities, selection (`eom`, `leaf`, `allow_single_cluster`,
//! `cluster_selection_epsilon`, `max_cluster_size`) and labels — the library's own code
//! run on partitive's tree gives partitive's labels. Where the partitions differ, the
//! two trees are single-linkage trees of two minimum spanning trees of equal weight
//! paired differently at tied heights; `bench/hdbscan/README.md` lists those cases and
//! `bench/hdbscan/exactness.py` checks all of this run by run.
//!
//! Every stage is exact, whatever order the threads run in: the kd-tree searches prune
//! only what cannot be the answer, sums run in the tree's canonical order, and the
//! children of every merge are ordered by size, then content rank. The result is
//! therefore identical for any thread count and, with labels numbered by the condensed
//! tree, identical (labels included) for any permutation of the rows.
//!
//! # Example
//! ```
//! use partitive::hdbscan::Hdbscan;
//! use partitive::Mat;
//! let mut rows = Vec::new();
//! for i in 0..20 {
//!     let t = i as f64 * 0.01;
//!     rows.push([t, 0.0]);
//!     rows.push([5.0 + t, 5.0]);
//! }
//! rows.push([2.5, 20.0]);
//! let x = Mat::from_rows(&rows);
//! let fit = Hdbscan::params(5).fit(x.view()).unwrap();
//! assert_eq!(fit.n_clusters, 2);
//! assert_eq!(fit.labels[0], fit.labels[2]);
//! assert_ne!(fit.labels[0], fit.labels[1]);
//! assert_eq!(fit.labels[40], None); // the far point is noise
//! ```

mod boruvka;
mod condense;
mod fit;
mod knn;
mod linkage;
mod metric;
mod model;
mod params;
mod predict;
mod prim;
#[cfg(test)]
mod scale_tests;
mod select;
mod soft;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tie_tests;
mod tree;

pub use condense::{CondensedCluster, CondensedTree, FallOut};
pub use linkage::{Merge, SingleLinkageTree};
pub use model::{labels_to_i64, HdbscanModel, Prediction};
pub use params::{
    auto_leaf_size, ClusterSelection, Hdbscan, HdbscanMetric, HdbscanParams, HdbscanProgress,
    HdbscanStage, HdbscanValidParams,
};
