//! FastCLARANS: randomised swap search with the O(k) swap evaluation.
//!
//! R. T. Ng, J. Han, *CLARANS: A Method for Clustering Objects for Spatial Data
//! Mining*, IEEE TKDE 14(5), 2002, doi:10.1109/TKDE.2002.1033770 (first: VLDB 1994);
//! E. Schubert, P. J. Rousseeuw, *Faster k-Medoids Clustering*, SISAP 2019,
//! arXiv:1810.05691, and Information Systems 101, 2021, arXiv:2008.05171 (FastCLARANS:
//! a random non-medoid is evaluated against all k medoids in one O(n) pass and the
//! best of the k swaps is taken).
//!
//! Each of `num_local` local searches starts from uniformly random medoids and stops
//! after `max_neighbor` consecutive random candidates that do not improve the loss;
//! the search with the lowest loss is returned. Local searches are independent (one
//! seeded random stream each) and run in parallel, so the result does not depend on
//! the thread count.

use super::init::random_distinct;
use super::result::{KMedoidsDiagnostics, KMedoidsResult};
use super::state::{argmin, SwapState};
use crate::dissimilarity::Dissimilarity;
use crate::error::Result;
use crate::rng::Rng;
use rayon::prelude::*;

/// First Rng stream of the local searches (stream `STREAM_BASE + l`).
const STREAM_BASE: u64 = 100;

/// One local search.
struct LocalSearch<T> {
    state: SwapState<T>,
    loss: f64,
    start_loss: f64,
    swaps: usize,
    evaluated: u64,
    converged: bool,
}

/// Ng & Han's default number of examined pairs, `max(250, 1.25 % · k(n−k))`, as a
/// number of candidates (each examines k pairs), at least 1.
pub(crate) fn default_max_neighbor(n: usize, k: usize) -> usize {
    let pairs = (0.0125 * (k * (n - k)) as f64).max(250.0);
    ((pairs / k as f64).ceil() as usize).max(1)
}

/// FastCLARANS. Each local search applies at most `max_iter · k` swaps.
pub(crate) fn fast_clarans<D: Dissimilarity>(
    d: &D,
    k: usize,
    num_local: usize,
    max_neighbor: usize,
    max_iter: usize,
    seed: u64,
    stop: &crate::interrupt::Interrupt,
) -> Result<KMedoidsResult> {
    let n = d.n();
    let runs: Vec<LocalSearch<D::Value>> = (0..num_local)
        .into_par_iter()
        .map(|l| {
            let mut rng = Rng::with_stream(seed, STREAM_BASE + l as u64);
            let mut st = SwapState::new(d, &random_distinct(&mut rng, n, k));
            let start_loss = st.loss();
            let (mut fails, mut swaps, mut evaluated) = (0usize, 0usize, 0u64);
            let mut delta = vec![0.0f64; k];
            let mut buf = Vec::new();
            let max_swaps = max_iter.saturating_mul(k);
            let mut threshold = st.swap_threshold();
            while n > k && fails < max_neighbor && swaps < max_swaps && !stop.is_triggered() {
                let xc = loop {
                    let c = rng.below(n);
                    if !st.is_medoid[c] {
                        break c;
                    }
                };
                evaluated += 1;
                st.eval(d.row(xc, &mut buf), &mut delta);
                let (slot, v) = argmin(&delta);
                if v < threshold {
                    st.apply(slot, xc, d.row(xc, &mut buf));
                    threshold = st.swap_threshold();
                    swaps += 1;
                    fails = 0;
                } else {
                    fails += 1;
                }
            }
            let converged = n == k || fails >= max_neighbor;
            LocalSearch {
                loss: st.loss(),
                state: st,
                start_loss,
                swaps,
                evaluated,
                converged,
            }
        })
        .collect();
    let run_losses: Vec<f64> = runs.iter().map(|r| r.loss).collect();
    let best = (0..runs.len()).fold(0, |b, i| if run_losses[i] < run_losses[b] { i } else { b });
    let n_swaps = runs.iter().map(|r| r.swaps).sum();
    let evaluated = runs.iter().map(|r| r.evaluated).sum();
    let kept = runs.into_iter().nth(best).expect("num_local ≥ 1");
    let diag = KMedoidsDiagnostics {
        converged: kept.converged,
        initial_loss: kept.start_loss,
        candidates_evaluated: evaluated,
        run_losses,
        best_run: Some(best),
        coincident_medoids: 0,
    };
    Ok(kept.state.into_result(num_local, n_swaps, diag))
}
