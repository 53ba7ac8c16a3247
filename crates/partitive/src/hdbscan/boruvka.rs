//! The minimum spanning tree of the mutual-reachability graph by Borůvka's algorithm
//! on the kd-tree (O. Borůvka, 1926; with the tree searches and core-distance pruning of
//! L. McInnes, J. Healy, *Accelerated Hierarchical Density Based Clustering*, ICDMW
//! 2017, arXiv:1705.07321, and W. B. March, P. Ram, A. G. Gray, *Fast Euclidean Minimum
//! Spanning Tree*, KDD 2010, doi:10.1145/1835804.1835882).
//!
//! Edge weights are `w(a, b) = max(core(a), core(b), d(a, b))` and edges are compared
//! by the key `(w, d, lo, hi)` — weight, then distance, then the content ranks of the
//! two endpoints (smaller first). The key is a strict total order, so the MST is unique
//! and every round of Borůvka adds exactly the edges Kruskal's algorithm would.
//!
//! Each round finds, for every component, its cheapest outgoing edge:
//!
//! 1. an upper bound per component, from each point's still-valid best edge of an
//!    earlier round and from its nearest neighbours in other components;
//! 2. a tree search from every point that could still beat its component's bound:
//!    nodes wholly inside the point's component, and nodes whose lower bound
//!    `max(core(q), min core in node, box distance)` exceeds the best so far, are
//!    pruned; points whose core distance (or remembered lower bound) exceeds the
//!    bound are skipped;
//! 3. the minimum per component, and the union of components.
//!
//! A point's best edge stays its best in later rounds while its other end remains in
//! another component (the candidate set only shrinks), so most points search once or
//! twice in all. Bounds are shared between threads through atomics: a bound only
//! prunes what cannot be the minimum, so the edges found — hence the result — do not
//! depend on the thread count or the timing.

use super::metric::TreeMetric;
use super::tree::KdTree;
use crate::error::{Error, ErrorKind, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// No point / mixed components.
const NONE: u32 = u32::MAX;

/// Points per parallel task.
const CHUNK: usize = 256;

/// An MST edge between tree positions `a` and `b`, reduced weight `w` and reduced
/// distance `d`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    pub a: u32,
    pub b: u32,
    pub w: f64,
    pub d: f64,
}

/// A point's best known edge (`other != NONE`), or a lower bound `w` of every edge
/// leaving its component (`other == NONE`).
#[derive(Debug, Clone, Copy)]
struct Cache {
    w: f64,
    d: f64,
    other: u32,
}

#[inline(always)]
fn ordered(a: u32, b: u32) -> (u32, u32) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

struct Search<'a, M> {
    t: &'a KdTree,
    core: &'a [f64],
    rank: &'a [u32],
    comp: &'a [u32],
    node_comp: &'a [u32],
    node_core: &'a [f64],
    _m: std::marker::PhantomData<M>,
}

/// The best candidate of one point's search.
#[derive(Clone, Copy)]
struct Cand {
    w: f64,
    d: f64,
    lo: u32,
    hi: u32,
    other: u32,
}

impl<M: TreeMetric> Search<'_, M> {
    /// The cheapest edge from `q` leaving its component with weight at most `thr`.
    fn best(&self, q: usize, thr: f64) -> Option<Cand> {
        let mut best = None;
        let pq = self.t.point(q);
        let b = M::rdist_box(pq, self.t.lo(0), self.t.hi(0));
        self.visit(q, pq, self.comp[q], 0, b, thr, &mut best);
        best
    }

    #[allow(clippy::too_many_arguments)]
    fn visit(
        &self,
        q: usize,
        pq: &[f64],
        cq: u32,
        node: usize,
        box_d: f64,
        thr: f64,
        best: &mut Option<Cand>,
    ) {
        if self.node_comp[node] == cq {
            return;
        }
        let cq_core = self.core[q];
        let lb = cq_core.max(self.node_core[node]).max(box_d);
        match best {
            Some(b) if lb > b.w || (lb == b.w && box_d > b.d) => return,
            None if lb > thr => return,
            _ => {}
        }
        if self.t.is_leaf(node) {
            let rq = self.rank[q];
            let range = self.t.range(node);
            let mut d4 = [0.0f64; 4];
            let mut block = usize::MAX;
            for p in range.clone() {
                if self.comp[p] == cq {
                    continue;
                }
                // distances four at a time: the aligned block of `p`, computed once
                let k = (p - range.start) % 4;
                let s = p - k;
                if s != block {
                    block = s;
                    if s + 4 <= range.end {
                        d4 = M::rdist4(pq, self.t.block4(s));
                    } else {
                        for (l, v) in d4.iter_mut().enumerate() {
                            if s + l < range.end {
                                *v = M::rdist(pq, self.t.point(s + l));
                            }
                        }
                    }
                }
                let d = d4[k];
                let w = cq_core.max(self.core[p]).max(d);
                let (lo, hi) = ordered(rq, self.rank[p]);
                let take = match best {
                    Some(b) => (w, d, lo, hi) < (b.w, b.d, b.lo, b.hi),
                    None => w <= thr,
                };
                if take {
                    *best = Some(Cand {
                        w,
                        d,
                        lo,
                        hi,
                        other: p as u32,
                    });
                }
            }
            return;
        }
        let (a, b) = (2 * node + 1, 2 * node + 2);
        let ba = M::rdist_box(pq, self.t.lo(a), self.t.hi(a));
        let bb = M::rdist_box(pq, self.t.lo(b), self.t.hi(b));
        if ba <= bb {
            self.visit(q, pq, cq, a, ba, thr, best);
            self.visit(q, pq, cq, b, bb, thr, best);
        } else {
            self.visit(q, pq, cq, b, bb, thr, best);
            self.visit(q, pq, cq, a, ba, thr, best);
        }
    }
}

/// Union–find over tree positions (union by size, path halving).
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let g = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = g;
            x = g;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        true
    }
}

/// Lowers `bound` with the edges from `q` to its kept neighbours (nearest first) in
/// other components, and returns `q`'s best edge when the neighbours prove it: the
/// nearest such neighbour `r` with `core(r) ≤ core(q)` gives the least possible weight,
/// `core(q)` (every kept neighbour lies within `core(q)`), and the least distance among
/// such edges — exact when `d(q, r)` is below the farthest kept distance, so that every
/// point at that distance is in the list (ties are then settled by rank).
fn from_neighbours<M: TreeMetric>(
    t: &KdTree,
    core: &[f64],
    rank: &[u32],
    comp: &[u32],
    q: usize,
    kept: &[u32],
    bound: &AtomicU64,
) -> Option<Cache> {
    let (pq, cq, core_q) = (t.point(q), comp[q], core[q]);
    let mut best: Option<(f64, u32, u32, u32)> = None; // (d, lo, hi, r)
    let mut last = 0.0f64;
    for &r in kept {
        if r == NONE {
            break;
        }
        let d = M::rdist(pq, t.point(r as usize));
        last = d;
        if comp[r as usize] == cq {
            continue;
        }
        let w = core_q.max(core[r as usize]).max(d);
        lower_to(bound, w);
        if w == core_q {
            let (lo, hi) = ordered(rank[q], rank[r as usize]);
            if best.is_none_or(|b| (d, lo, hi) < (b.0, b.1, b.2)) {
                best = Some((d, lo, hi, r));
            }
        }
    }
    let (d, _, _, r) = best?;
    (d < last).then_some(Cache {
        w: core_q,
        d,
        other: r,
    })
}

#[inline]
fn lower_to(bound: &AtomicU64, w: f64) {
    // non-negative floats order like their bit patterns
    bound.fetch_min(w.to_bits(), Ordering::Relaxed);
}

/// The MST (`n − 1` edges, in the order Borůvka adds them) of the mutual-reachability
/// graph over the tree's points. `core` are reduced core distances, `neighbours` the
/// kept nearest neighbours (`keep` per point), `rank` the content rank of each tree
/// position. `observe(round, components)` is called before every round; an error it
/// returns (an interrupt) ends the search. `stop()` is polled before every point's
/// search within a round (a round can take minutes in high dimension): once it returns
/// true, the round's remaining searches are skipped and the search fails with
/// [`ErrorKind::Interrupted`].
pub(crate) fn mst<M: TreeMetric>(
    t: &KdTree,
    core: &[f64],
    neighbours: &[u32],
    keep: usize,
    rank: &[u32],
    observe: &mut dyn FnMut(usize, usize) -> Result<()>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Vec<Edge>> {
    let n = t.n();
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    let mut uf = UnionFind::new(n);
    let mut comp: Vec<u32> = (0..n as u32).collect();
    let mut node_core = Vec::new();
    t.fold_nodes(
        |r| core[r].iter().copied().fold(f64::INFINITY, f64::min),
        f64::min,
        &mut node_core,
    );
    let mut cache: Vec<Cache> = core
        .iter()
        .map(|&c| Cache {
            w: c,
            d: 0.0,
            other: NONE,
        })
        .collect();
    let bound: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
    let mut node_comp: Vec<u32> = Vec::new();
    let mut comp_best: Vec<Option<Edge>> = vec![None; n];
    let mut components = n;
    let mut round = 0;
    while components > 1 {
        observe(round, components)?;
        round += 1;
        {
            let comp = &comp;
            t.fold_nodes(
                |r| {
                    let c = comp[r.start];
                    if comp[r].iter().all(|&x| x == c) {
                        c
                    } else {
                        NONE
                    }
                },
                |a, b| if a == b { a } else { NONE },
                &mut node_comp,
            );
        }
        bound
            .par_iter()
            .for_each(|b| b.store(f64::INFINITY.to_bits(), Ordering::Relaxed));

        // 1. bounds from valid cached edges and from kept neighbours; a point whose
        //    nearest kept neighbour in another component has a core distance no larger
        //    than its own has its best edge right there (see `from_neighbours`)
        cache
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, slots)| {
                for (i, s) in slots.iter_mut().enumerate() {
                    let q = c * CHUNK + i;
                    let cq = comp[q];
                    let b = &bound[cq as usize];
                    if s.other != NONE {
                        if comp[s.other as usize] != cq {
                            lower_to(b, s.w);
                            continue;
                        }
                        s.other = NONE;
                    }
                    let kept = &neighbours[q * keep..(q + 1) * keep];
                    if let Some(e) = from_neighbours::<M>(t, core, rank, &comp, q, kept, b) {
                        *s = e;
                    }
                }
            });

        // 2. searches from the points that may still beat their component's bound
        {
            let search = Search::<M> {
                t,
                core,
                rank,
                comp: &comp,
                node_comp: &node_comp,
                node_core: &node_core,
                _m: std::marker::PhantomData,
            };
            let comp = &comp;
            cache
                .par_chunks_mut(CHUNK)
                .enumerate()
                .for_each(|(c, slots)| {
                    for (i, s) in slots.iter_mut().enumerate() {
                        let q = c * CHUNK + i;
                        if s.other != NONE {
                            continue;
                        }
                        if stop() {
                            return;
                        }
                        let b = &bound[comp[q] as usize];
                        let thr = f64::from_bits(b.load(Ordering::Relaxed));
                        if s.w > thr {
                            continue;
                        }
                        match search.best(q, thr) {
                            Some(e) => {
                                *s = Cache {
                                    w: e.w,
                                    d: e.d,
                                    other: e.other,
                                };
                                lower_to(b, e.w);
                            }
                            None => s.w = s.w.max(thr),
                        }
                    }
                });
        }

        // a skipped search leaves the round incomplete: it must not be used
        if stop() {
            return Err(Error::from(ErrorKind::Interrupted));
        }

        // 3. the cheapest edge of each component, then the unions
        for q in 0..n {
            let s = cache[q];
            if s.other == NONE {
                continue;
            }
            let cq = comp[q] as usize;
            let (lo, hi) = ordered(rank[q], rank[s.other as usize]);
            let better = match comp_best[cq] {
                None => true,
                Some(e) => {
                    let (blo, bhi) = ordered(rank[e.a as usize], rank[e.b as usize]);
                    (s.w, s.d, lo, hi) < (e.w, e.d, blo, bhi)
                }
            };
            if better {
                comp_best[cq] = Some(Edge {
                    a: q as u32,
                    b: s.other,
                    w: s.w,
                    d: s.d,
                });
            }
        }
        let before = edges.len();
        for best in comp_best.iter_mut() {
            if let Some(e) = best.take() {
                if uf.union(e.a, e.b) {
                    edges.push(e);
                }
            }
        }
        if edges.len() == before {
            return Err(Error::data(
                "internal error: a Borůvka round added no edge (non-finite distances?)",
            ));
        }
        components -= edges.len() - before;
        for (q, c) in comp.iter_mut().enumerate() {
            *c = uf.find(q as u32);
        }
    }
    Ok(edges)
}
