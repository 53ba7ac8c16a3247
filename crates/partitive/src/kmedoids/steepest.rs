//! The steepest-descent swap loop shared by PAM and FastPAM1: every iteration finds
//! the best (candidate, slot) swap over all non-medoids — candidates in parallel
//! chunks, partials merged in candidate order, so ties go to the lowest candidate, then
//! the lowest slot, for any thread count — and applies it if it beats the swap
//! threshold. The two algorithms differ only in how one candidate's swaps are scored.

use super::result::{KMedoidsDiagnostics, KMedoidsResult};
use super::state::{BestSwap, SwapState};
use crate::dissimilarity::Dissimilarity;
use crate::parallel::map_reduce_chunks_sized;

/// Runs the loop from `medoids`. `score(state, row, h, scratch, best)` merges every swap
/// of candidate `h` (distance row `row`) into `best`; `scratch` is a per-chunk buffer.
/// `chunk` is the number of candidates per parallel task; `evaluated_per_iter` the
/// number of swap evaluations one iteration counts in the diagnostics.
pub(crate) fn steepest_swaps<D, F>(
    d: &D,
    medoids: Vec<usize>,
    max_iter: usize,
    chunk: usize,
    evaluated_per_iter: u64,
    stop: &crate::interrupt::Interrupt,
    score: F,
) -> KMedoidsResult
where
    D: Dissimilarity,
    F: Fn(&SwapState<D::Value>, &[D::Value], usize, &mut Vec<f64>, &mut BestSwap) + Sync,
{
    let n = d.n();
    let mut st = SwapState::new(d, &medoids);
    let initial_loss = st.loss();
    let (mut n_iter, mut n_swaps, mut converged, mut evaluated) = (0, 0, false, 0u64);
    let mut buf = Vec::new();
    while n_iter < max_iter && !stop.is_triggered() {
        n_iter += 1;
        let s = &st;
        let best = map_reduce_chunks_sized(
            n,
            chunk,
            BestSwap::NONE,
            |range| {
                let (mut buf, mut scratch) = (Vec::new(), Vec::new());
                let mut best = BestSwap::NONE;
                for h in range {
                    if !s.is_medoid[h] {
                        score(s, d.row(h, &mut buf), h, &mut scratch, &mut best);
                    }
                }
                best
            },
            |a, b| a.merge(b),
        );
        evaluated += evaluated_per_iter;
        if best.delta < st.swap_threshold() {
            let r = d.row(best.candidate, &mut buf);
            st.apply(best.slot, best.candidate, r);
            n_swaps += 1;
        } else {
            converged = true;
            break;
        }
    }
    let diag = KMedoidsDiagnostics {
        converged,
        initial_loss,
        candidates_evaluated: evaluated,
        ..Default::default()
    };
    st.into_result(n_iter, n_swaps, diag)
}
