//! Exact k nearest neighbours of the fit sample (brute force), for the merge step's
//! neighbourhood graph.
//!
//! Small and self-contained on purpose (the merge needs only the graph of at most
//! [`super::params::GRAPH_MAX`] rows). Distances are squared Euclidean distances in
//! whatever coordinates the caller passes (the merge whitens first); ties are broken by
//! the lower row index, so the graph is a function of the rows alone. Each query row is
//! independent, so rows are processed in parallel chunks without any effect on the result.

use crate::matrix::Mat;
use rayon::prelude::*;

/// Rows per block of query rows and of candidate rows (cache tiles; no effect on the
/// result).
const TILE: usize = 64;

/// The `k` nearest other rows of every row of `z` (`m × k`, row-major, nearest first;
/// fewer columns when `m − 1 < k`).
pub(crate) struct Knn {
    /// Neighbour indices, `m × k`.
    pub idx: Vec<usize>,
    /// Neighbours per row.
    pub k: usize,
}

impl Knn {
    /// Neighbours of row `i`.
    pub fn of(&self, i: usize) -> &[usize] {
        &self.idx[i * self.k..(i + 1) * self.k]
    }
}

/// Squared Euclidean distance of two rows.
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| (u - v) * (u - v)).sum()
}

/// Inserts `(d, j)` into the sorted list `best` (ascending by distance, then index) of at
/// most `k` entries.
fn insert(best: &mut Vec<(f64, usize)>, k: usize, d: f64, j: usize) {
    if best.len() == k {
        let last = best[k - 1];
        if (d, j) >= last {
            return;
        }
        best.pop();
    }
    let pos = best.partition_point(|&e| e < (d, j));
    best.insert(pos, (d, j));
}

/// Exact kNN of every row of `z` among the other rows.
pub(crate) fn knn(z: &Mat<f64>, k: usize) -> Knn {
    let m = z.n_rows();
    let k = k.min(m.saturating_sub(1));
    let mut idx = vec![0usize; m * k];
    if k == 0 {
        return Knn { idx, k };
    }
    let norms: Vec<f64> = (0..m)
        .map(|i| z.row(i).iter().map(|v| v * v).sum())
        .collect();
    idx.par_chunks_mut(TILE * k)
        .enumerate()
        .for_each(|(t, out)| {
            let q0 = t * TILE;
            let q1 = q0 + out.len() / k;
            let mut best: Vec<Vec<(f64, usize)>> = vec![Vec::with_capacity(k + 1); q1 - q0];
            for c0 in (0..m).step_by(TILE) {
                let c1 = (c0 + TILE).min(m);
                for (qi, b) in (q0..q1).zip(best.iter_mut()) {
                    let xq = z.row(qi);
                    for j in c0..c1 {
                        if j == qi {
                            continue;
                        }
                        let dot: f64 = xq.iter().zip(z.row(j)).map(|(a, b)| a * b).sum();
                        // Clamp: rounding can make the expanded form slightly negative.
                        let dist = (norms[qi] - 2.0 * dot + norms[j]).max(0.0);
                        insert(b, k, dist, j);
                    }
                }
            }
            for (o, b) in out.chunks_exact_mut(k).zip(&best) {
                for (slot, &(_, j)) in o.iter_mut().zip(b) {
                    *slot = j;
                }
            }
        });
    Knn { idx, k }
}

/// The neighbourhood graph of the distinct locations among the rows of `z`: rows with
/// identical coordinates are one location, which carries their count.
pub(crate) struct SiteKnn {
    /// Per row: the first row (lowest index) of each of the `k` nearest other locations,
    /// nearest first; rows at one location share the list.
    pub nn: Knn,
    /// Per row: how many rows share its location (1 where it has no duplicate).
    pub count: Vec<usize>,
    /// Neighbouring rows a density estimate counts: `k`, or `m − 1` when fewer.
    pub k_rows: usize,
}

/// Exact kNN of every row of `z` among the other *locations*: duplicate rows (discrete or
/// rounded data) would otherwise fill each other's neighbour lists, and a graph of
/// duplicates has no edge between two values, so no boundary between two components.
/// Ties in distance are broken by the lower first row, as in [`knn`]. Without duplicates
/// the graph is [`knn`]'s and every count is 1.
pub(crate) fn knn_sites(z: &Mat<f64>, k: usize) -> SiteKnn {
    let (m, d) = (z.n_rows(), z.n_cols());
    let k_rows = k.min(m.saturating_sub(1));
    // Rows in lexicographic order of their coordinates (then index): equal rows adjoin.
    let mut order: Vec<usize> = (0..m).collect();
    let cmp_rows = |a: usize, b: usize| {
        z.row(a)
            .iter()
            .zip(z.row(b))
            .map(|(u, v)| u.total_cmp(v))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    order.sort_by(|&a, &b| cmp_rows(a, b).then(a.cmp(&b)));
    // First row of every row's location, and the location's count.
    let mut first = vec![0usize; m];
    let mut count = vec![0usize; m];
    let mut s = 0;
    while s < m {
        let mut e = s + 1;
        while e < m && cmp_rows(order[s], order[e]).is_eq() {
            e += 1;
        }
        for &i in &order[s..e] {
            first[i] = order[s];
            count[i] = e - s;
        }
        s = e;
    }
    // Locations in order of their first row, so ties in distance keep `knn`'s rule.
    let reps: Vec<usize> = (0..m).filter(|&i| first[i] == i).collect();
    if reps.len() == m {
        return SiteKnn {
            nn: knn(z, k),
            count,
            k_rows,
        };
    }
    let mut site = vec![0usize; m];
    for (s, &r) in reps.iter().enumerate() {
        site[r] = s;
    }
    let sites = Mat::from_vec(
        reps.iter().flat_map(|&r| z.row(r).to_vec()).collect(),
        reps.len(),
        d,
    )
    .expect("sizes match");
    let g = knn(&sites, k);
    let mut idx = Vec::with_capacity(m * g.k);
    for &f in &first {
        idx.extend(g.of(site[f]).iter().map(|&t| reps[t]));
    }
    SiteKnn {
        nn: Knn { idx, k: g.k },
        count,
        k_rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_sorted_scan_and_breaks_ties_by_index() {
        // Points on a line with duplicates: 0, 1, 1, 3, 6, 10.
        let z = Mat::from_vec(vec![0.0, 1.0, 1.0, 3.0, 6.0, 10.0], 6, 1).unwrap();
        let g = knn(&z, 2);
        assert_eq!(g.k, 2);
        assert_eq!(g.of(0), &[1, 2]); // tie at distance 1: lower index first
        assert_eq!(g.of(1), &[2, 0]);
        assert_eq!(g.of(2), &[1, 0]);
        assert_eq!(g.of(3), &[1, 2]);
        assert_eq!(g.of(4), &[3, 5]); // 6: 3 at distance 3, 10 at 4
        assert_eq!(g.of(5), &[4, 3]);
    }

    #[test]
    fn brute_force_agrees_on_random_points_and_threads() {
        let mut rng = crate::rng::Rng::new(3);
        let v: Vec<f64> = (0..300 * 3).map(|_| rng.next_f64()).collect();
        let z = Mat::from_vec(v, 300, 3).unwrap();
        let g = knn(&z, 5);
        for i in (0..300).step_by(17) {
            let mut all: Vec<(f64, usize)> = (0..300)
                .filter(|&j| j != i)
                .map(|j| (sq_dist(z.row(i), z.row(j)), j))
                .collect();
            all.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let want: Vec<usize> = all[..5].iter().map(|e| e.1).collect();
            assert_eq!(g.of(i), &want[..]);
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| knn(&z, 5));
        assert_eq!(one.idx, g.idx);
    }

    #[test]
    fn duplicate_rows_are_one_location_with_a_count() {
        // 0 ×3, 1 ×2, 3, 6: the neighbours of a 0 are the other locations, not its copies.
        let z = Mat::from_vec(vec![0.0, 1.0, 0.0, 3.0, 1.0, 0.0, 6.0], 7, 1).unwrap();
        let g = knn_sites(&z, 2);
        assert_eq!(g.nn.k, 2);
        assert_eq!(g.count, vec![3, 2, 3, 1, 2, 3, 1]);
        for i in [0, 2, 5] {
            assert_eq!(g.nn.of(i), &[1, 3]);
        }
        for i in [1, 4] {
            assert_eq!(g.nn.of(i), &[0, 3]);
        }
        assert_eq!(g.nn.of(3), &[1, 0]); // 1 at distance 2, 0 at 3
        assert_eq!(g.nn.of(6), &[3, 1]);
        // Without duplicates it is the plain graph.
        let u = Mat::from_vec(vec![0.0, 1.0, 3.0, 6.0], 4, 1).unwrap();
        let h = knn_sites(&u, 2);
        assert_eq!(h.nn.idx, knn(&u, 2).idx);
        assert_eq!(h.count, vec![1; 4]);
        // One location only: no neighbours.
        let one = Mat::from_vec(vec![2.0; 5], 5, 1).unwrap();
        let o = knn_sites(&one, 3);
        assert_eq!((o.nn.k, o.count), (0, vec![5; 5]));
    }

    #[test]
    fn fewer_rows_than_neighbours() {
        let z = Mat::from_vec(vec![0.0, 1.0], 2, 1).unwrap();
        let g = knn(&z, 10);
        assert_eq!(g.k, 1);
        assert_eq!(g.of(0), &[1]);
        let one = Mat::from_vec(vec![0.0], 1, 1).unwrap();
        assert_eq!(knn(&one, 10).k, 0);
    }
}
