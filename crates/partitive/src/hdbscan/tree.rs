//! A kd-tree in heap layout: node `i` has children `2i + 1` and `2i + 2`, every leaf
//! sits on the last level, and each node splits its points at the middle position
//! along its widest coordinate (Bentley, *Multidimensional binary search trees used for
//! associative searching*, CACM 18(9), 1975, doi:10.1145/361002.361007).
//!
//! The points are copied, as `f64`, into tree order, so that every node covers a
//! contiguous block of rows. The tree only decides how fast a search runs: every search
//! built on it is exact, so its shape (which depends on the input row order through the
//! median selection) never changes a result.

use crate::float::Float;
use crate::matrix::MatRef;
use rayon::prelude::*;
use std::ops::Range;

/// Below this many points a subtree is partitioned by one thread.
const PAR_PARTITION: usize = 1 << 15;

/// The tree: points in tree order, node ranges and bounding boxes.
#[derive(Debug, Clone)]
pub(crate) struct KdTree {
    d: usize,
    n: usize,
    /// `n × d` coordinates, tree order.
    points: Vec<f64>,
    /// Input row of each tree position.
    index: Vec<u32>,
    /// Point range of each node.
    start: Vec<u32>,
    end: Vec<u32>,
    /// Bounding boxes, `n_nodes × d` each.
    lo: Vec<f64>,
    hi: Vec<f64>,
    first_leaf: usize,
}

impl KdTree {
    /// Builds the tree over `rows` (`n × d`, input order; consumed) with at most
    /// `leaf_size` points per leaf.
    pub(crate) fn build(rows: Vec<f64>, n: usize, d: usize, leaf_size: usize) -> KdTree {
        assert!(n >= 1 && rows.len() == n * d && n < u32::MAX as usize);
        let leaf_size = leaf_size.max(2);
        let mut levels = 1usize;
        while n.div_ceil(1 << (levels - 1)) > leaf_size && (1usize << levels) <= n {
            levels += 1;
        }
        let n_nodes = (1usize << levels) - 1;
        let first_leaf = (1usize << (levels - 1)) - 1;
        let mut start = vec![0u32; n_nodes];
        let mut end = vec![0u32; n_nodes];
        end[0] = n as u32;
        for i in 0..first_leaf {
            let (s, e) = (start[i], end[i]);
            let mid = s + (e - s) / 2;
            start[2 * i + 1] = s;
            end[2 * i + 1] = mid;
            start[2 * i + 2] = mid;
            end[2 * i + 2] = e;
        }
        let mut index: Vec<u32> = (0..n as u32).collect();
        partition(&rows, d, 0, first_leaf, &mut index);
        let points = reorder(&rows, d, &index);
        drop(rows);
        let mut tree = KdTree {
            d,
            n,
            points,
            index,
            start,
            end,
            lo: vec![0.0; n_nodes * d],
            hi: vec![0.0; n_nodes * d],
            first_leaf,
        };
        tree.boxes();
        tree
    }

    fn boxes(&mut self) {
        let d = self.d;
        let fl = self.first_leaf;
        let (points, start, end) = (&self.points, &self.start, &self.end);
        let leaf_box = |node: usize, lo: &mut [f64], hi: &mut [f64]| {
            lo.fill(f64::INFINITY);
            hi.fill(f64::NEG_INFINITY);
            for p in start[node] as usize..end[node] as usize {
                for (j, &v) in points[p * d..(p + 1) * d].iter().enumerate() {
                    lo[j] = lo[j].min(v);
                    hi[j] = hi[j].max(v);
                }
            }
        };
        if d == 0 {
            return;
        }
        self.lo[fl * d..]
            .par_chunks_mut(d)
            .zip(self.hi[fl * d..].par_chunks_mut(d))
            .enumerate()
            .for_each(|(i, (lo, hi))| leaf_box(fl + i, lo, hi));
        // internal levels, bottom-up: level l holds nodes 2^l - 1 .. 2^(l+1) - 1
        let mut level_start = fl;
        while level_start > 0 {
            let parent_start = (level_start - 1) / 2;
            for (arr, take_min) in [(&mut self.lo, true), (&mut self.hi, false)] {
                let (upper, lower) = arr.split_at_mut(level_start * d);
                let parents = &mut upper[parent_start * d..];
                parents.par_chunks_mut(d).enumerate().for_each(|(k, out)| {
                    let node = parent_start + k;
                    let a = (2 * node + 1 - level_start) * d;
                    let b = a + d;
                    for j in 0..d {
                        out[j] = if take_min {
                            lower[a + j].min(lower[b + j])
                        } else {
                            lower[a + j].max(lower[b + j])
                        };
                    }
                });
            }
            level_start = parent_start;
        }
    }

    /// Number of points.
    #[inline]
    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Number of coordinates.
    #[inline]
    pub(crate) fn dim(&self) -> usize {
        self.d
    }

    /// Number of nodes.
    #[inline]
    pub(crate) fn n_nodes(&self) -> usize {
        self.start.len()
    }

    /// Whether `node` is a leaf.
    #[inline(always)]
    pub(crate) fn is_leaf(&self, node: usize) -> bool {
        node >= self.first_leaf
    }

    /// The point positions of `node`.
    #[inline(always)]
    pub(crate) fn range(&self, node: usize) -> Range<usize> {
        self.start[node] as usize..self.end[node] as usize
    }

    /// The coordinates of tree position `p`.
    #[inline(always)]
    pub(crate) fn point(&self, p: usize) -> &[f64] {
        &self.points[p * self.d..(p + 1) * self.d]
    }

    /// The coordinates of the four consecutive tree positions `p..p + 4`.
    #[inline(always)]
    pub(crate) fn block4(&self, p: usize) -> &[f64] {
        &self.points[p * self.d..(p + 4) * self.d]
    }

    /// The lower corner of `node`'s box.
    #[inline(always)]
    pub(crate) fn lo(&self, node: usize) -> &[f64] {
        &self.lo[node * self.d..(node + 1) * self.d]
    }

    /// The upper corner of `node`'s box.
    #[inline(always)]
    pub(crate) fn hi(&self, node: usize) -> &[f64] {
        &self.hi[node * self.d..(node + 1) * self.d]
    }

    /// Input row of each tree position.
    #[inline]
    pub(crate) fn index(&self) -> &[u32] {
        &self.index
    }

    /// A per-node value computed bottom-up: `leaf(range)` on every leaf, then
    /// `merge(left, right)` up to the root. Levels run in parallel, node by node.
    pub(crate) fn fold_nodes<V, L, M>(&self, leaf: L, merge: M, out: &mut Vec<V>)
    where
        V: Copy + Send + Sync + Default,
        L: Fn(Range<usize>) -> V + Sync,
        M: Fn(V, V) -> V + Sync,
    {
        let fl = self.first_leaf;
        out.clear();
        out.resize(self.n_nodes(), V::default());
        out[fl..]
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = leaf(self.range(fl + i)));
        let mut level_start = fl;
        while level_start > 0 {
            let parent_start = (level_start - 1) / 2;
            let (upper, lower) = out.split_at_mut(level_start);
            upper[parent_start..]
                .par_iter_mut()
                .enumerate()
                .for_each(|(k, v)| {
                    let a = 2 * (parent_start + k) + 1 - level_start;
                    *v = merge(lower[a], lower[a + 1]);
                });
            level_start = parent_start;
        }
    }
}

/// Splits `idx` (the points of `node`) at its middle along the widest coordinate, and
/// recurses into both halves (in parallel above [`PAR_PARTITION`] points).
fn partition(rows: &[f64], d: usize, node: usize, first_leaf: usize, idx: &mut [u32]) {
    if node >= first_leaf || idx.len() < 2 || d == 0 {
        return;
    }
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for &i in idx.iter() {
        let r = &rows[i as usize * d..(i as usize + 1) * d];
        for j in 0..d {
            lo[j] = lo[j].min(r[j]);
            hi[j] = hi[j].max(r[j]);
        }
    }
    let mut dim = 0;
    for j in 1..d {
        if hi[j] - lo[j] > hi[dim] - lo[dim] {
            dim = j;
        }
    }
    let mid = idx.len() / 2;
    idx.select_nth_unstable_by(mid, |&a, &b| {
        rows[a as usize * d + dim].total_cmp(&rows[b as usize * d + dim])
    });
    let (left, right) = idx.split_at_mut(mid);
    if left.len() + right.len() > PAR_PARTITION {
        rayon::join(
            || partition(rows, d, 2 * node + 1, first_leaf, left),
            || partition(rows, d, 2 * node + 2, first_leaf, right),
        );
    } else {
        partition(rows, d, 2 * node + 1, first_leaf, left);
        partition(rows, d, 2 * node + 2, first_leaf, right);
    }
}

fn reorder(rows: &[f64], d: usize, index: &[u32]) -> Vec<f64> {
    let mut out = vec![0.0; rows.len()];
    if d == 0 {
        return out;
    }
    out.par_chunks_mut(d)
        .zip(index.par_iter())
        .for_each(|(o, &i)| o.copy_from_slice(&rows[i as usize * d..(i as usize + 1) * d]));
    out
}

/// The rows of `x` as `f64`, input order; scaled to unit length when `unit` (cosine).
/// Fails on a zero row when `unit` (its cosine distance is undefined).
pub(crate) fn rows_f64<T: Float>(x: MatRef<'_, T>, unit: bool) -> crate::error::Result<Vec<f64>> {
    let d = x.n_cols();
    let mut out: Vec<f64> = x.as_slice().par_iter().map(|v| v.as_f64()).collect();
    if unit && d > 0 {
        let zero = out
            .par_chunks_mut(d)
            .enumerate()
            .filter_map(|(i, r)| {
                // A row of extreme magnitude is first brought to a largest magnitude in
                // [1, 2) by a power of two (exact; the unit row is the same): its squares
                // would overflow or underflow.
                let amax = r.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                if let Some(e) = crate::scale::exponent_outside(amax, -60, 60) {
                    r.iter_mut().for_each(|v| *v = crate::scale::ldexp(*v, e));
                }
                let s = r.iter().map(|v| v * v).sum::<f64>().sqrt();
                if s == 0.0 {
                    return Some(i);
                }
                r.iter_mut().for_each(|v| *v /= s);
                None
            })
            .min();
        if let Some(i) = zero {
            return Err(crate::Error::data(format!(
                "row {i} is all zeros: its cosine distance is undefined"
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_cover_points_and_boxes_hold_them() {
        for n in [1usize, 2, 3, 7, 64, 65, 1000] {
            let d = 3;
            let rows: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 101) as f64).collect();
            let t = KdTree::build(rows.clone(), n, d, 8);
            let mut seen = t.index().to_vec();
            seen.sort_unstable();
            assert_eq!(seen, (0..n as u32).collect::<Vec<_>>());
            for node in 0..t.n_nodes() {
                for p in t.range(node) {
                    let row = t.index()[p] as usize;
                    assert_eq!(t.point(p), &rows[row * d..(row + 1) * d]);
                    for j in 0..d {
                        assert!(t.lo(node)[j] <= t.point(p)[j] && t.point(p)[j] <= t.hi(node)[j]);
                    }
                }
                if !t.is_leaf(node) {
                    let (a, b) = (t.range(2 * node + 1), t.range(2 * node + 2));
                    assert_eq!(
                        (a.start, a.end, b.end),
                        (t.range(node).start, b.start, t.range(node).end)
                    );
                } else {
                    assert!(t.range(node).len() <= 8 && !t.range(node).is_empty());
                }
            }
            let mut sizes = Vec::new();
            t.fold_nodes(|r| r.len(), |a, b| a + b, &mut sizes);
            assert_eq!(sizes[0], n);
        }
    }
}
