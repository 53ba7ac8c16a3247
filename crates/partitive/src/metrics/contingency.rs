//! Dense relabelling and the contingency table of two labelings.

use crate::error::{Error, Result};
use std::collections::HashMap;

/// Labels renumbered `0..c` in order of first appearance, and `c`.
pub(crate) fn dense_labels(labels: &[usize]) -> (Vec<usize>, usize) {
    let mut map = HashMap::new();
    let out = labels
        .iter()
        .map(|&l| {
            let next = map.len();
            *map.entry(l).or_insert(next)
        })
        .collect();
    (out, map.len())
}

/// The contingency table of two labelings.
pub(crate) struct Contingency {
    /// Nonzero cells `(i, j, n_ij)`, sorted by `(i, j)`.
    pub cells: Vec<(usize, usize, u64)>,
    /// Row sums `a_i` (first labeling).
    pub rows: Vec<u64>,
    /// Column sums `b_j` (second labeling).
    pub cols: Vec<u64>,
    /// Number of objects.
    pub n: u64,
}

impl Contingency {
    /// Fails when the lengths differ or the labelings are empty.
    pub fn new(a: &[usize], b: &[usize]) -> Result<Self> {
        if a.len() != b.len() {
            return Err(Error::shape("second labeling length", a.len(), b.len()));
        }
        if a.is_empty() {
            return Err(Error::data("labelings are empty"));
        }
        let (da, ca) = dense_labels(a);
        let (db, cb) = dense_labels(b);
        let mut rows = vec![0u64; ca];
        let mut cols = vec![0u64; cb];
        let mut cells: HashMap<(usize, usize), u64> = HashMap::new();
        for (&i, &j) in da.iter().zip(&db) {
            rows[i] += 1;
            cols[j] += 1;
            *cells.entry((i, j)).or_insert(0) += 1;
        }
        let mut cells: Vec<((usize, usize), u64)> = cells.into_iter().collect();
        cells.sort_unstable(); // fixed summation order
        Ok(Contingency {
            cells: cells.into_iter().map(|((i, j), v)| (i, j, v)).collect(),
            rows,
            cols,
            n: a.len() as u64,
        })
    }
}
