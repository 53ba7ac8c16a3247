//! Flat clusters from the condensed tree, and the per-row scores.
//!
//! - **Stability** of a cluster `C` born at `λ_C`: `Σ_{x ∈ C} (λ_x − λ_C)`, where `λ_x`
//!   is when `x` leaves `C` (falling out, or by the birth of the child cluster holding
//!   it) — the excess of mass of Campello, Moulavi & Sander (PAKDD 2013, §3.3).
//! - **Excess of mass** (`eom`): bottom-up, a cluster is kept when its stability is at
//!   least the sum of its children's (the larger sum propagates up otherwise), and when
//!   it is not larger than `max_cluster_size`; kept clusters without a kept ancestor are
//!   selected. The root takes part only with `allow_single_cluster`; its size for
//!   `max_cluster_size` is the total size of its child clusters (as in the `hdbscan`
//!   library).
//! - **Leaf**: the clusters without child clusters (none when the root has none).
//! - **`cluster_selection_epsilon` ε** (C. Malzer, M. Baum, *A Hybrid Approach To
//!   Hierarchical Density-based Cluster Selection*, MFI 2020, arXiv:1911.02282): a
//!   selected cluster born below distance ε is replaced by its nearest ancestor born
//!   above ε (not the root unless `allow_single_cluster`).
//! - **Labels**: a row takes the label of the selected cluster holding the cluster it
//!   falls out of; with the root selected (single cluster) only rows with
//!   `λ_x ≥ 1/ε` (ε > 0), or `λ_x ≥` the largest λ among the root's direct children,
//!   are labelled. Selected clusters are numbered in the tree's breadth-first order.
//! - **Probability** of a labelled row: `min(λ_x, λ_max) / λ_max`, `λ_max` the largest λ
//!   among its selected cluster's direct children (1 when `λ_x` is ∞ or `λ_max` is 0);
//!   0 for noise.
//! - **GLOSH** outlier score (Campello, Moulavi, Zimek & Sander, *Hierarchical Density
//!   Estimates for Data Clustering, Visualization, and Outlier Detection*, ACM TKDD
//!   10(1), 2015, doi:10.1145/2733381, §4): `1 − ε_max / ε_x = (λ_max − λ_x) / λ_max`,
//!   `λ_max` the largest λ in the subtree of the cluster `x` falls out of; 0 when
//!   `λ_x = ∞`, 1 when only `λ_max` is ∞.

use super::condense::CondensedTree;
use super::params::ClusterSelection;

/// What the selection needs from the parameters.
pub(crate) struct SelectOptions {
    pub method: ClusterSelection,
    pub allow_single_cluster: bool,
    pub epsilon: f64,
    pub max_cluster_size: Option<usize>,
}

/// The flat clustering of a condensed tree.
pub(crate) struct Flat {
    /// Selected clusters (condensed-tree ids, ascending); label `i` is `selected[i]`.
    pub selected: Vec<usize>,
    /// Stability of every condensed cluster.
    pub stability: Vec<f64>,
    pub labels: Vec<Option<usize>>,
    pub probabilities: Vec<f64>,
    pub outlier_scores: Vec<f64>,
}

#[inline]
fn excess(lambda: f64, birth: f64) -> f64 {
    if lambda == birth {
        0.0
    } else {
        lambda - birth
    }
}

/// Stability of every cluster, summed in the tree's canonical order.
pub(crate) fn stabilities(ct: &CondensedTree) -> Vec<f64> {
    let mut s = vec![0.0f64; ct.clusters.len()];
    for f in &ct.fall_outs {
        s[f.cluster] += excess(f.lambda, ct.clusters[f.cluster].lambda_birth);
    }
    for c in ct.clusters.iter().skip(1) {
        let p = c.parent.unwrap_or(0);
        s[p] += excess(c.lambda_birth, ct.clusters[p].lambda_birth) * c.size as f64;
    }
    s
}

/// The largest λ among each cluster's direct children (rows and clusters).
pub(crate) fn deaths(ct: &CondensedTree) -> Vec<f64> {
    let mut d = vec![0.0f64; ct.clusters.len()];
    for f in &ct.fall_outs {
        d[f.cluster] = d[f.cluster].max(f.lambda);
    }
    for c in ct.clusters.iter().skip(1) {
        let p = c.parent.unwrap_or(0);
        d[p] = d[p].max(c.lambda_birth);
    }
    d
}

/// The largest λ in each cluster's subtree.
pub(crate) fn subtree_deaths(ct: &CondensedTree) -> Vec<f64> {
    let mut d = deaths(ct);
    for c in (1..ct.clusters.len()).rev() {
        let p = ct.clusters[c].parent.unwrap_or(0);
        d[p] = d[p].max(d[c]);
    }
    d
}

fn birth_distance(lambda: f64) -> f64 {
    if lambda > 0.0 {
        1.0 / lambda
    } else {
        f64::INFINITY
    }
}

fn select(ct: &CondensedTree, stability: &[f64], o: &SelectOptions) -> Vec<usize> {
    let nc = ct.clusters.len();
    let mut chosen = vec![false; nc];
    let first = if o.allow_single_cluster { 0 } else { 1 };
    match o.method {
        ClusterSelection::Eom => {
            let max = o.max_cluster_size.unwrap_or(usize::MAX);
            let root_size: usize = ct.clusters[0]
                .children
                .iter()
                .map(|&c| ct.clusters[c].size)
                .sum();
            let mut work = stability.to_vec();
            for c in (first..nc).rev() {
                let sub: f64 = ct.clusters[c].children.iter().map(|&k| work[k]).sum();
                let size = if c == 0 {
                    root_size
                } else {
                    ct.clusters[c].size
                };
                if sub > work[c] || size > max {
                    work[c] = sub;
                } else {
                    chosen[c] = true;
                }
            }
        }
        ClusterSelection::Leaf => {
            for (c, ch) in chosen.iter_mut().enumerate().skip(1) {
                *ch = ct.clusters[c].children.is_empty();
            }
        }
    }
    let mut selected = top_most(ct, &chosen);
    if o.epsilon > 0.0 && !selected.is_empty() {
        let mut out = vec![false; nc];
        for &c in &selected {
            let mut x = c;
            if birth_distance(ct.clusters[c].lambda_birth) < o.epsilon {
                while let Some(p) = ct.clusters[x].parent {
                    if p == 0 && !o.allow_single_cluster {
                        break;
                    }
                    x = p;
                    if birth_distance(ct.clusters[p].lambda_birth) > o.epsilon {
                        break;
                    }
                }
            }
            out[x] = true;
        }
        selected = top_most(ct, &out);
    }
    selected
}

/// The marked clusters without a marked ancestor, ascending.
fn top_most(ct: &CondensedTree, marked: &[bool]) -> Vec<usize> {
    let nc = ct.clusters.len();
    let mut covered = vec![false; nc];
    let mut out = Vec::new();
    for c in 0..nc {
        let anc = ct.clusters[c]
            .parent
            .is_some_and(|p| covered[p] || marked[p]);
        covered[c] = anc;
        if marked[c] && !anc {
            out.push(c);
        }
    }
    out
}

/// Selection, labels, probabilities and outlier scores.
pub(crate) fn flat(ct: &CondensedTree, o: &SelectOptions) -> Flat {
    let n = ct.row_entry.len();
    let nc = ct.clusters.len();
    let stability = stabilities(ct);
    let selected = select(ct, &stability, o);
    let mut label_of: Vec<Option<usize>> = vec![None; nc];
    for c in 0..nc {
        label_of[c] = match selected.binary_search(&c) {
            Ok(i) => Some(i),
            Err(_) => ct.clusters[c].parent.and_then(|p| label_of[p]),
        };
    }
    let death = deaths(ct);
    let sub_death = subtree_deaths(ct);
    let root_threshold = if o.epsilon > 0.0 {
        1.0 / o.epsilon
    } else {
        death[0]
    };
    let mut labels = vec![None; n];
    let mut probabilities = vec![0.0; n];
    let mut outlier_scores = vec![0.0; n];
    for f in &ct.fall_outs {
        let mut label = label_of[f.cluster];
        if let Some(l) = label {
            if selected[l] == 0 && f.lambda < root_threshold {
                label = None;
            }
        }
        labels[f.row] = label;
        if let Some(l) = label {
            let max = death[selected[l]];
            probabilities[f.row] = if max == 0.0 || !f.lambda.is_finite() {
                1.0
            } else {
                f.lambda.min(max) / max
            };
        }
        let max = sub_death[f.cluster];
        outlier_scores[f.row] = if !f.lambda.is_finite() || max == 0.0 {
            0.0
        } else if !max.is_finite() {
            1.0
        } else {
            (max - f.lambda) / max
        };
    }
    Flat {
        selected,
        stability,
        labels,
        probabilities,
        outlier_scores,
    }
}
