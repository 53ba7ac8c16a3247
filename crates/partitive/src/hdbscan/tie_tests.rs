//! The tie rule (module docs, "Ties and determinism"): a row whose mutual-reachability
//! edges to two groups weigh the same (its own core distance) joins the group of its
//! nearest tied neighbour; at equal distances, the one first in the rows' content order.
//! Checked on a bridging row between two chains of 8 rows, in every row order.

use super::*;
use crate::matrix::Mat;

/// Chain A ends at `(-left, 0)`, chain B starts at `(right, 0)`, the bridge `x` at the
/// origin; 0.3 apart within the chains. With `min_samples = 2`, `core(x) = max(left,
/// right)` (its two nearest rows are the chain ends, for `left, right` in `[1, 1.3)`) and
/// both edges from `x` weigh `core(x)`; within the chains the weights are at most 0.6, so
/// A, x and B join at that one height.
/// Rows in the order given by `perm` of `[A…, x, B…]`; returns (label of A, of x, of B).
fn bridge(left: f64, right: f64, perm: &[usize]) -> (Option<usize>, Option<usize>, Option<usize>) {
    let mut rows = Vec::new();
    for i in 0..8 {
        rows.push([-left - 0.3 * i as f64, 0.0]);
    }
    rows.push([0.0, 0.0]);
    for i in 0..8 {
        rows.push([right + 0.3 * i as f64, 0.0]);
    }
    let x = Mat::from_rows(&perm.iter().map(|&i| rows[i]).collect::<Vec<_>>());
    let m = Hdbscan::params(5)
        .min_samples(Some(2))
        .fit(x.view())
        .unwrap();
    let at = |row: usize| m.labels[perm.iter().position(|&i| i == row).unwrap()];
    assert_eq!(m.n_clusters, 2);
    let ties = m.single_linkage_tree.merges.iter();
    let h = left.max(right);
    assert_eq!(
        ties.filter(|g| g.distance == h).count(),
        2,
        "three groups at one height"
    );
    (at(0), at(8), at(9))
}

#[test]
fn a_bridging_row_joins_its_nearest_tied_neighbour() {
    let orders: Vec<Vec<usize>> = vec![
        (0..17).collect(),
        (0..17).rev().collect(),
        (0..17).map(|i| (i * 5) % 17).collect(),
    ];
    for perm in &orders {
        // nearer to A: with A
        let (a, x, b) = bridge(1.0, 1.25, perm);
        assert!(a.is_some() && b.is_some() && a != b);
        assert_eq!(x, a, "{perm:?}");
        // nearer to B: with B
        let (a, x, b) = bridge(1.25, 1.0, perm);
        assert_eq!(x, b, "{perm:?}");
        assert_ne!(a, b);
        // equally near: with A, whose rows come first in the content order
        let (a, x, b) = bridge(1.0, 1.0, perm);
        assert_eq!(x, a, "{perm:?}");
        assert_ne!(a, b);
    }
}
