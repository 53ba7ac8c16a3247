//! The MST of the mutual-reachability graph over a precomputed dissimilarity matrix:
//! core distances by selection in each row, then Prim's algorithm (R. C. Prim, *Shortest
//! connection networks and some generalizations*, Bell System Technical Journal 36(6),
//! 1957, doi:10.1002/j.1538-7305.1957.tb01515.x) in `O(n²)` time and `O(n)` memory.
//!
//! The matrix is read through its upper triangle, `d(i, j) = D[min(i, j)][max(i, j)]`,
//! so a matrix that is symmetric only up to rounding still defines one graph; the
//! diagonal is taken as zero. Edges are compared by the key `(w, d, lo, hi)` with the
//! row indices as ranks (a precomputed matrix carries no coordinates to rank by), so
//! the MST is unique and each Prim step is a parallel arg-min over fixed chunks.

use super::boruvka::Edge;
use crate::error::Result;
use crate::float::Float;
use crate::matrix::MatRef;
use rayon::prelude::*;

/// Rows per parallel task.
const CHUNK: usize = 2048;

#[inline(always)]
fn upper<T: Float>(m: &MatRef<'_, T>, i: usize, j: usize) -> f64 {
    let n = m.n_cols();
    let s = m.as_slice();
    if i < j {
        s[i * n + j].as_f64()
    } else if j < i {
        s[j * n + i].as_f64()
    } else {
        0.0
    }
}

/// The distance of each row to its `min_samples`-th nearest other row. `stop()` is
/// polled before every row; once it returns true the remaining rows are skipped and the
/// stage fails with [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted).
pub(crate) fn core_distances<T: Float>(
    m: MatRef<'_, T>,
    min_samples: usize,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Vec<f64>> {
    let n = m.n_rows();
    let k = min_samples.clamp(1, n.saturating_sub(1).max(1));
    let core = crate::parallel::par_vec(n, |i| {
        if n < 2 || stop() {
            return 0.0;
        }
        let mut row: Vec<f64> = (0..n)
            .filter(|&j| j != i)
            .map(|j| upper(&m, i, j))
            .collect();
        let (_, v, _) = row.select_nth_unstable_by(k - 1, f64::total_cmp);
        *v
    });
    if stop() {
        return Err(crate::Error::from(crate::ErrorKind::Interrupted));
    }
    Ok(core)
}

#[derive(Clone, Copy)]
struct Slot {
    w: f64,
    d: f64,
    from: u32,
    done: bool,
}

#[inline(always)]
fn key(w: f64, d: f64, a: u32, b: u32) -> (f64, f64, u32, u32) {
    if a <= b {
        (w, d, a, b)
    } else {
        (w, d, b, a)
    }
}

/// The MST by Prim's algorithm, `n − 1` edges in the order they join the tree
/// (endpoints are row indices; `w` and `d` are distances). `observe(step, n)` is called
/// every 1024 steps; an error it returns (an interrupt) ends the search.
pub(crate) fn mst<T: Float>(
    m: MatRef<'_, T>,
    core: &[f64],
    observe: &mut dyn FnMut(usize, usize) -> Result<()>,
) -> Result<Vec<Edge>> {
    let n = m.n_rows();
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    if n < 2 {
        return Ok(edges);
    }
    let mut slots = vec![
        Slot {
            w: f64::INFINITY,
            d: f64::INFINITY,
            from: u32::MAX,
            done: false,
        };
        n
    ];
    slots[0].done = true;
    let mut cur = 0usize;
    for step in 1..n {
        if step % 1024 == 1 {
            observe(step, n)?;
        }
        let best = slots
            .par_chunks_mut(CHUNK)
            .enumerate()
            .filter_map(|(c, chunk)| {
                let mut best: Option<((f64, f64, u32, u32), usize)> = None;
                for (i, s) in chunk.iter_mut().enumerate() {
                    if s.done {
                        continue;
                    }
                    let v = c * CHUNK + i;
                    let d = upper(&m, cur, v);
                    let w = core[cur].max(core[v]).max(d);
                    if s.from == u32::MAX
                        || key(w, d, cur as u32, v as u32) < key(s.w, s.d, s.from, v as u32)
                    {
                        *s = Slot {
                            w,
                            d,
                            from: cur as u32,
                            done: false,
                        };
                    }
                    let k = key(s.w, s.d, s.from, v as u32);
                    if best.is_none_or(|(b, _)| k < b) {
                        best = Some((k, v));
                    }
                }
                best
            })
            .reduce_with(|a, b| if b.0 < a.0 { b } else { a });
        let Some((_, v)) = best else { break };
        let s = slots[v];
        edges.push(Edge {
            a: s.from,
            b: v as u32,
            w: s.w,
            d: s.d,
        });
        slots[v].done = true;
        cur = v;
    }
    Ok(edges)
}
