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
use super::result::KMedoidsResult;
use super::state::BestSwap;
use super::steepest::steepest_swaps;
use crate::dissimilarity::Dissimilarity;

/// FastPAM1 SWAP from `medoids`.
pub(crate) fn fastpam1<D: Dissimilarity>(
    d: &D,
    medoids: Vec<usize>,
    max_iter: usize,
    stop: &crate::interrupt::Interrupt,
) -> KMedoidsResult {
    let (n, k) = (d.n(), medoids.len());
    let chunk = candidates_per_chunk(n);
    steepest_swaps(
        d,
        medoids,
        max_iter,
        chunk,
        (n - k) as u64,
        stop,
        |s, row, h, delta, best| {
            delta.resize(k, 0.0);
            s.eval(row, delta);
            for (i, &v) in delta.iter().enumerate() {
                best.merge(BestSwap {
                    delta: v,
                    candidate: h,
                    slot: i,
                });
            }
        },
    )
}
