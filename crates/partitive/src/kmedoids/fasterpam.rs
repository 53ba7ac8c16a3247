//! FasterPAM: eager swaps with the O(k) swap evaluation.
//!
//! E. Schubert, P. J. Rousseeuw, *Fast and Eager k-Medoids Clustering: O(k) Runtime
//! Improvement of the PAM, CLARA, and CLARANS Algorithms*, Information Systems 101,
//! 2021, doi:10.1016/j.is.2021.101804, arXiv:2008.05171 (Algorithm "FasterPAM").
//!
//! Candidates `x_c` are visited in a fixed order (index order, or a seeded shuffle);
//! for each, one O(n) pass gives the loss change of swapping it with each of the k
//! medoids; the best of those (lowest slot on ties) is applied at once if it decreases
//! the loss. The search stops when `n − k` consecutive candidates (every non-medoid
//! once) brought no improvement — a local optimum w.r.t. all single swaps — or after
//! `max_iter` passes over the order.
//!
//! # Parallel, with the sequential result
//!
//! Threads evaluate a *block* of consecutive candidates at once against the same
//! state; the first improving candidate in visiting order is applied and the visit
//! continues right after it (evaluations past it are discarded: they saw a state the
//! sequential algorithm would not have). Candidates before it were evaluated against
//! exactly the state the sequential algorithm sees, with the same kernel, so the
//! sequence of swaps — and the result — is the sequential one for any thread count.
//! Blocks never cross the end of a pass (so `max_iter` cuts at the same place); their
//! length adapts (doubling after a block without swap, halving after a swap). A shared
//! "earliest swap found" index lets later candidates stop early.

use super::build::candidates_per_chunk;
use super::result::{KMedoidsDiagnostics, KMedoidsResult};
use super::state::{argmin, SwapState};
use crate::dissimilarity::Dissimilarity;
use crate::parallel::map_reduce_chunks_sized;
use crate::rng::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rng stream for the candidate order.
const STREAM_ORDER: u64 = 2;

/// The first improving candidate of a chunk: (position in the order, slot, ΔTD).
type Found = Option<(usize, usize, f64)>;

/// FasterPAM from `medoids`; `shuffle_seed` visits candidates in a seeded random order.
pub(crate) fn fasterpam<D: Dissimilarity>(
    d: &D,
    medoids: Vec<usize>,
    max_iter: usize,
    shuffle_seed: Option<u64>,
    stop: &crate::interrupt::Interrupt,
) -> KMedoidsResult {
    let mut st = SwapState::new(d, &medoids);
    let initial_loss = st.loss();
    let out = eager_swaps(d, &mut st, max_iter, shuffle_seed, stop);
    let diag = KMedoidsDiagnostics {
        converged: out.converged,
        initial_loss,
        candidates_evaluated: out.evaluated,
        ..Default::default()
    };
    st.into_result(out.n_iter, out.n_swaps, diag)
}

/// Counters of an eager swap search.
pub(crate) struct EagerOutcome {
    pub n_iter: usize,
    pub n_swaps: usize,
    pub converged: bool,
    pub evaluated: u64,
}

/// The FasterPAM search on an existing state (also used by FastCLARA's samples).
pub(crate) fn eager_swaps<D: Dissimilarity>(
    d: &D,
    st: &mut SwapState<D::Value>,
    max_iter: usize,
    shuffle_seed: Option<u64>,
    stop: &crate::interrupt::Interrupt,
) -> EagerOutcome {
    let n = d.n();
    let k = st.k();
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(seed) = shuffle_seed {
        Rng::with_stream(seed, STREAM_ORDER).shuffle(&mut order);
    }
    // chunks of a few candidates and blocks of up to 64 chunks per thread: parallel
    // regions of milliseconds, so workers woken late (busy machines) still get work;
    // the shared "earliest swap" index keeps the discarded work small
    let chunk = (candidates_per_chunk(n) / 2).max(1);
    let threads = rayon::current_num_threads().max(1);
    let (min_block, max_block) = (threads * chunk, threads * chunk * 64);
    let mut block = min_block;
    let mut out = EagerOutcome {
        n_iter: 0,
        n_swaps: 0,
        converged: n == k,
        evaluated: 0,
    };
    let mut since_swap = 0usize; // non-medoid candidates without improvement
    let mut pos = 0usize;
    let mut buf = Vec::new();
    while !out.converged && out.n_iter < max_iter && !stop.is_triggered() {
        out.n_iter += 1;
        pos = if pos >= n { 0 } else { pos };
        while pos < n {
            if stop.is_triggered() {
                break; // between blocks; the caller reports it
            }
            let end = (pos + block).min(n);
            let found_at = AtomicUsize::new(usize::MAX);
            let threshold = st.swap_threshold();
            let s = &*st;
            let ord = &order;
            let found: Found = map_reduce_chunks_sized(
                end - pos,
                chunk,
                None,
                |range| {
                    let mut buf = Vec::new();
                    let mut delta = vec![0.0f64; k];
                    let first = pos + range.start;
                    for (p, &xc) in (first..).zip(&ord[first..pos + range.end]) {
                        if p > found_at.load(Ordering::Relaxed) {
                            break;
                        }
                        if s.is_medoid[xc] {
                            continue;
                        }
                        s.eval(d.row(xc, &mut buf), &mut delta);
                        let (slot, v) = argmin(&delta);
                        if v < threshold {
                            found_at.fetch_min(p, Ordering::Relaxed);
                            return Some((p, slot, v));
                        }
                    }
                    None
                },
                |a, b| {
                    if a.is_none() {
                        *a = b;
                    }
                },
            );
            let stop = found.map_or(end, |(p, _, _)| p + 1);
            let visited = (pos..stop).filter(|&p| !st.is_medoid[order[p]]).count();
            out.evaluated += visited as u64;
            pos = stop;
            match found {
                Some((p, slot, _)) => {
                    let xc = order[p];
                    st.apply(slot, xc, d.row(xc, &mut buf));
                    out.n_swaps += 1;
                    since_swap = 0;
                    block = (block / 2).max(min_block);
                }
                None => {
                    since_swap += visited;
                    if since_swap >= n - k {
                        // the sequential search stops right at n − k: drop the overshoot
                        out.evaluated -= (since_swap - (n - k)) as u64;
                        out.converged = true;
                        break;
                    }
                    block = (block * 2).min(max_block);
                }
            }
        }
    }
    out
}
