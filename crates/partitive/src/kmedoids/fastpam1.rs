//! FastPAM1: PAM's swaps with an O(k) faster SWAP iteration.
//!
//! E. Schubert, P. J. Rousseeuw, *Faster k-Medoids Clustering: Improving the PAM,
//! CLARA, and CLARANS Algorithms*, SISAP 2019, doi:10.1007/978-3-030-32047-8_16,
//! arXiv:1810.05691; and *Fast and Eager k-Medoids Clustering: O(k) Runtime
//! Improvement of the PAM, CLARA, and CLARANS Algorithms*, Information Systems 101,
//! 2021, doi:10.1016/j.is.2021.101804, arXiv:2008.05171.
//!
//! For each non-medoid candidate one O(n) pass gives the loss change of all k swaps
//! (shared term + per-medoid removal loss, see [`scan`](super::scan)). The best pair
//! over all candidates is applied, in PAM's tie order (candidate ascending, then slot
//! ascending), so the sequence of swaps is PAM's (exactly so whenever the sums are
//! exact, e.g. integer-valued dissimilarities; with rounding, the order of additions
//! differs from PAM's).

use super::build::candidates_per_chunk;
use super::result::{KMedoidsDiagnostics, KMedoidsResult};
use super::state::{BestSwap, SwapState};
use crate::dissimilarity::Dissimilarity;
use crate::parallel::map_reduce_chunks_sized;

/// FastPAM1 SWAP from `medoids`.
pub(crate) fn fastpam1<D: Dissimilarity>(
    d: &D,
    medoids: Vec<usize>,
    max_iter: usize,
) -> KMedoidsResult {
    let n = d.n();
    let k = medoids.len();
    let mut st = SwapState::new(d, &medoids);
    let initial_loss = st.loss();
    let chunk = candidates_per_chunk(n);
    let (mut n_iter, mut n_swaps, mut converged, mut evaluated) = (0, 0, false, 0u64);
    let mut buf = Vec::new();
    while n_iter < max_iter {
        n_iter += 1;
        let s = &st;
        let best = map_reduce_chunks_sized(
            n,
            chunk,
            BestSwap::NONE,
            |range| {
                let mut buf = Vec::new();
                let mut delta = vec![0.0f64; k];
                let mut best = BestSwap::NONE;
                for h in range {
                    if s.is_medoid[h] {
                        continue;
                    }
                    s.eval(d.row(h, &mut buf), &mut delta);
                    for (i, &v) in delta.iter().enumerate() {
                        best.merge(BestSwap {
                            delta: v,
                            candidate: h,
                            slot: i,
                        });
                    }
                }
                best
            },
            |a, b| a.merge(b),
        );
        evaluated += (n - k) as u64;
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
