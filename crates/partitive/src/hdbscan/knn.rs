//! Core distances: the distance of every point to its `min_samples`-th nearest other
//! point, by exact k-nearest-neighbour search in the kd-tree (Friedman, Bentley &
//! Finkel, *An algorithm for finding best matches in logarithmic expected time*, ACM
//! TOMS 3(3), 1977, doi:10.1145/355744.355745).
//!
//! A point's own zero distance counts among the `k = min_samples + 1` smallest, so the
//! core distance is the `(min_samples + 1)`-th smallest value of `d(x, ·)` over all
//! points — as in the `hdbscan` library's Borůvka algorithms. The value is a function
//! of the multiset of distances, so ties among neighbours never change it.
//!
//! Besides the core distances the search keeps the nearest few neighbours of every
//! point: the MST search draws its first upper bounds from them.

use super::metric::TreeMetric;
use super::tree::KdTree;
use crate::error::{Error, ErrorKind, Result};
use rayon::prelude::*;

/// Neighbours kept per point for the MST's first bounds.
pub(crate) const KEEP: usize = 8;

/// Points per parallel task.
const CHUNK: usize = 512;

/// Core distances and kept neighbours.
pub(crate) struct CoreDistances {
    /// Reduced core distance of each tree position.
    pub core: Vec<f64>,
    /// Up to `keep` nearest other points of each position (tree positions, nearest
    /// first), padded with `u32::MAX`.
    pub neighbours: Vec<u32>,
    /// Neighbours kept per point.
    pub keep: usize,
}

/// The `k` smallest reduced distances seen so far, sorted ascending, with their points.
struct Nearest {
    k: usize,
    dist: Vec<f64>,
    who: Vec<u32>,
}

impl Nearest {
    fn new(k: usize) -> Self {
        Nearest {
            k,
            dist: Vec::with_capacity(k + 1),
            who: Vec::with_capacity(k + 1),
        }
    }

    fn clear(&mut self) {
        self.dist.clear();
        self.who.clear();
    }

    #[inline(always)]
    fn worst(&self) -> f64 {
        if self.dist.len() < self.k {
            f64::INFINITY
        } else {
            self.dist[self.k - 1]
        }
    }

    #[inline]
    fn insert(&mut self, r: f64, p: u32) {
        let at = self.dist.partition_point(|&v| v <= r);
        self.dist.insert(at, r);
        self.who.insert(at, p);
        if self.dist.len() > self.k {
            self.dist.pop();
            self.who.pop();
        }
    }
}

fn search<M: TreeMetric>(t: &KdTree, node: usize, q: &[f64], bound: f64, best: &mut Nearest) {
    if bound >= best.worst() {
        return;
    }
    if t.is_leaf(node) {
        let range = t.range(node);
        let mut p = range.start;
        while p + 4 <= range.end {
            let r4 = M::rdist4(q, t.block4(p));
            for (l, &r) in r4.iter().enumerate() {
                if r < best.worst() {
                    best.insert(r, (p + l) as u32);
                }
            }
            p += 4;
        }
        for p in p..range.end {
            let r = M::rdist(q, t.point(p));
            if r < best.worst() {
                best.insert(r, p as u32);
            }
        }
        return;
    }
    let (a, b) = (2 * node + 1, 2 * node + 2);
    let ba = M::rdist_box(q, t.lo(a), t.hi(a));
    let bb = M::rdist_box(q, t.lo(b), t.hi(b));
    if ba <= bb {
        search::<M>(t, a, q, ba, best);
        search::<M>(t, b, q, bb, best);
    } else {
        search::<M>(t, b, q, bb, best);
        search::<M>(t, a, q, ba, best);
    }
}

/// The `k` nearest tree points of `q` (any point, not necessarily in the tree):
/// reduced distances ascending and tree positions.
pub(crate) fn nearest<M: TreeMetric>(t: &KdTree, q: &[f64], k: usize) -> (Vec<f64>, Vec<u32>) {
    let mut best = Nearest::new(k.min(t.n()).max(1));
    search::<M>(t, 0, q, 0.0, &mut best);
    (best.dist, best.who)
}

/// Core distances for `min_samples` (the point itself counted among `min_samples + 1`
/// nearest), in parallel over fixed chunks of tree positions.
///
/// `stop()` is polled before every point's search (one search takes microseconds to
/// milliseconds; in high dimension the whole stage can take minutes): once it returns
/// true, the remaining searches are skipped and the stage fails with
/// [`ErrorKind::Interrupted`].
pub(crate) fn core_distances<M: TreeMetric>(
    t: &KdTree,
    min_samples: usize,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<CoreDistances> {
    let n = t.n();
    let k = (min_samples + 1).min(n);
    let keep = KEEP.min(k.saturating_sub(1)).max(1);
    let mut core = vec![0.0; n];
    let mut neighbours = vec![u32::MAX; n * keep];
    core.par_chunks_mut(CHUNK)
        .zip(neighbours.par_chunks_mut(CHUNK * keep))
        .enumerate()
        .for_each(|(c, (core, kept))| {
            let mut best = Nearest::new(k);
            for (i, out) in core.iter_mut().enumerate() {
                if stop() {
                    return;
                }
                let q = c * CHUNK + i;
                best.clear();
                search::<M>(t, 0, t.point(q), 0.0, &mut best);
                *out = best.worst();
                let slot = &mut kept[i * keep..(i + 1) * keep];
                let others = best.who.iter().filter(|&&p| p as usize != q);
                for (s, &p) in slot.iter_mut().zip(others) {
                    *s = p;
                }
            }
        });
    if stop() {
        return Err(Error::from(ErrorKind::Interrupted));
    }
    Ok(CoreDistances {
        core,
        neighbours,
        keep,
    })
}

#[cfg(test)]
mod tests {
    use super::super::metric::{Euclid, Manhattan};
    use super::*;

    #[test]
    fn core_distance_is_the_kth_other_point() {
        let n = 300;
        let d = 2;
        let rows: Vec<f64> = (0..n * d)
            .map(|i| (((i * 2654435761usize) >> 7) % 1000) as f64 / 37.0)
            .collect();
        let t = KdTree::build(rows.clone(), n, d, 6);
        for m in [1usize, 3, 10] {
            let cd = core_distances::<Euclid>(&t, m, &|| false).unwrap();
            let cm = core_distances::<Manhattan>(&t, m, &|| false).unwrap();
            for p in 0..n {
                let q = t.point(p);
                let mut all: Vec<f64> = (0..n).map(|r| Euclid::rdist(q, t.point(r))).collect();
                all.sort_by(f64::total_cmp);
                assert_eq!(cd.core[p], all[m], "m={m} p={p}");
                let mut l1: Vec<f64> = (0..n).map(|r| Manhattan::rdist(q, t.point(r))).collect();
                l1.sort_by(f64::total_cmp);
                assert_eq!(cm.core[p], l1[m]);
                let first = cd.neighbours[p * cd.keep] as usize;
                assert_ne!(first, p);
                assert_eq!(Euclid::rdist(q, t.point(first)), all[1]);
            }
        }
    }

    #[test]
    fn a_stop_during_the_searches_ends_the_stage() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (n, d) = (20_000, 3);
        let rows: Vec<f64> = (0..n * d)
            .map(|i| (((i * 2654435761usize) >> 5) % 10007) as f64)
            .collect();
        let t = KdTree::build(rows, n, d, 16);
        // the token "triggers" at the 100th poll, in the middle of the stage
        let polls = AtomicUsize::new(0);
        let stop = || polls.fetch_add(1, Ordering::Relaxed) >= 100;
        let e = core_distances::<Euclid>(&t, 5, &stop).err().unwrap();
        assert_eq!(e.kind(), &ErrorKind::Interrupted);
        // one poll per point searched: after the trigger each chunk polls once more
        let seen = polls.load(Ordering::Relaxed);
        assert!(seen <= 100 + n.div_ceil(CHUNK) + 1, "{seen} polls");
        // untriggered, every point is searched (one poll each, and one at the end)
        let polls = AtomicUsize::new(0);
        let count = || {
            polls.fetch_add(1, Ordering::Relaxed);
            false
        };
        assert!(core_distances::<Euclid>(&t, 5, &count).is_ok());
        assert_eq!(polls.load(Ordering::Relaxed), n + 1);
    }
}
