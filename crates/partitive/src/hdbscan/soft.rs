//! Soft cluster membership, as described in the `hdbscan` library's documentation
//! ("How Soft Clustering for HDBSCAN Works", L. McInnes): for a point `x` falling out of
//! cluster `c₀` at `λ_x`, and each selected cluster `j`,
//!
//! - **distance part**: `1 / dⱼ`, `dⱼ` the distance from `x` to the nearest *exemplar*
//!   of `j` — the rows that stay longest in each leaf cluster under `j` (those leaving
//!   the leaf at its largest λ) — normalised to sum 1;
//! - **outlier part**: the softmax over `j` of `λ̂ / (λ̂ − hⱼ)`, `hⱼ` the λ at which `x`
//!   and `j` are last in one cluster (the merge height: `λ_x` when `x` is inside `j`,
//!   else the λ at which the branch holding `x` leaves their lowest common ancestor),
//!   and `λ̂` the largest λ in the leaves under `c₀` (plus 10⁻⁸);
//! - their product, normalised to sum 1, times the probability of being in some
//!   cluster: `max hⱼ / λ̂ⱼ*` for the cluster `j*` of the largest merge height.
//!
//! Infinite values (zero distances) take the whole mass, shared equally, instead of
//! overflowing.

use super::condense::CondensedTree;
use super::predict::Attach;

/// Per-cluster data of the soft membership.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SoftData {
    /// Exemplar rows of each selected cluster (by label).
    pub exemplars: Vec<Vec<usize>>,
    /// Largest λ of the rows in the leaf clusters under each cluster.
    leaf_max: Vec<f64>,
    depth: Vec<usize>,
}

impl SoftData {
    pub(crate) fn new(ct: &CondensedTree, selected: &[usize]) -> SoftData {
        let nc = ct.clusters.len();
        let mut own_max = vec![0.0f64; nc];
        for f in &ct.fall_outs {
            own_max[f.cluster] = own_max[f.cluster].max(f.lambda);
        }
        let mut leaf_max = vec![0.0f64; nc];
        for c in (0..nc).rev() {
            let k = &ct.clusters[c];
            leaf_max[c] = if k.children.is_empty() {
                own_max[c]
            } else {
                k.children.iter().map(|&x| leaf_max[x]).fold(0.0, f64::max)
            };
        }
        let mut depth = vec![0usize; nc];
        for c in 1..nc {
            depth[c] = depth[ct.clusters[c].parent.unwrap_or(0)] + 1;
        }
        let is_exemplar_leaf = {
            let mut v = vec![false; nc];
            for &s in selected {
                let mut stack = vec![s];
                while let Some(c) = stack.pop() {
                    if ct.clusters[c].children.is_empty() {
                        v[c] = true;
                    }
                    stack.extend(&ct.clusters[c].children);
                }
            }
            v
        };
        let mut label_of_leaf = vec![usize::MAX; nc];
        for (l, &s) in selected.iter().enumerate() {
            let mut stack = vec![s];
            while let Some(c) = stack.pop() {
                label_of_leaf[c] = l;
                stack.extend(&ct.clusters[c].children);
            }
        }
        let mut exemplars = vec![Vec::new(); selected.len()];
        for f in &ct.fall_outs {
            if is_exemplar_leaf[f.cluster] && f.lambda == own_max[f.cluster] {
                exemplars[label_of_leaf[f.cluster]].push(f.row);
            }
        }
        for e in &mut exemplars {
            e.sort_unstable();
        }
        SoftData {
            exemplars,
            leaf_max,
            depth,
        }
    }

    /// λ at which a point falling out of `c0` at `lam` and cluster `target` are last
    /// in one cluster.
    fn merge_height(&self, ct: &CondensedTree, c0: usize, lam: f64, target: usize) -> f64 {
        let (mut a, mut b) = (c0, target);
        let mut below_a = None;
        while self.depth[a] > self.depth[b] {
            below_a = Some(a);
            a = ct.clusters[a].parent.unwrap_or(0);
        }
        while self.depth[b] > self.depth[a] {
            b = ct.clusters[b].parent.unwrap_or(0);
        }
        while a != b {
            below_a = Some(a);
            a = ct.clusters[a].parent.unwrap_or(0);
            b = ct.clusters[b].parent.unwrap_or(0);
        }
        if a == target || a == c0 {
            return lam;
        }
        match below_a {
            Some(child) => ct.clusters[child].lambda_birth,
            None => lam,
        }
    }

    /// The membership vector of a point falling out of `at`, whose distances to the
    /// nearest exemplar of each selected cluster are `dist`; written into `out`.
    pub(crate) fn vector(
        &self,
        ct: &CondensedTree,
        selected: &[usize],
        at: Attach,
        dist: &[f64],
        out: &mut [f64],
    ) {
        let k = selected.len();
        if k == 0 {
            return;
        }
        let mut dv: Vec<f64> = dist
            .iter()
            .map(|&d| if d > 0.0 { 1.0 / d } else { f64::INFINITY })
            .collect();
        normalise(&mut dv);
        let max_lambda = self.leaf_max[at.cluster] + 1e-8;
        let heights: Vec<f64> = selected
            .iter()
            .map(|&c| self.merge_height(ct, at.cluster, at.lambda, c))
            .collect();
        let mut ov: Vec<f64> = heights
            .iter()
            .map(|&h| {
                if !max_lambda.is_finite() {
                    if h.is_finite() {
                        1.0
                    } else {
                        f64::INFINITY
                    }
                } else {
                    max_lambda / (max_lambda - h)
                }
            })
            .collect();
        softmax(&mut ov);
        for ((o, d), v) in out.iter_mut().zip(&dv).zip(&ov) {
            *o = d * v;
        }
        normalise(out);
        let mut j = 0;
        for (i, &h) in heights.iter().enumerate() {
            if h > heights[j] {
                j = i;
            }
        }
        let (h, ml) = (heights[j], self.leaf_max[selected[j]]);
        let p = if !h.is_finite() || ml == 0.0 {
            1.0
        } else if !ml.is_finite() {
            0.0
        } else {
            (h / ml).min(1.0)
        };
        out.iter_mut().for_each(|o| *o *= p);
    }
}

/// Scales `v` to sum 1; infinite entries share the whole mass; all-zero stays zero.
fn normalise(v: &mut [f64]) {
    if v.iter().any(|x| x.is_infinite()) {
        v.iter_mut()
            .for_each(|x| *x = if x.is_infinite() { 1.0 } else { 0.0 });
    }
    let s: f64 = v.iter().sum();
    if s > 0.0 && s.is_finite() {
        v.iter_mut().for_each(|x| *x /= s);
    }
}

fn softmax(v: &mut [f64]) {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m.is_infinite() && m > 0.0 {
        v.iter_mut()
            .for_each(|x| *x = if *x == f64::INFINITY { 1.0 } else { 0.0 });
    } else {
        v.iter_mut().for_each(|x| *x = (*x - m).exp());
    }
    normalise(v);
}
