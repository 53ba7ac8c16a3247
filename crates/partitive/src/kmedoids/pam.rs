//! PAM SWAP, as published.
//!
//! L. Kaufman, P. J. Rousseeuw, *Clustering by means of medoids*, 1987, and *Finding
//! Groups in Data: An Introduction to Cluster Analysis*, Wiley 1990, ch. 2
//! (doi:10.1002/9780470316801.ch2). Each iteration computes, for every pair of a medoid
//! slot `i` and a non-medoid `h`, the loss change `T_ih = Σ_o C_oih` (O(n) each, using
//! the nearest and second-nearest distances `D_o`, `E_o`), and applies the best pair
//! if it decreases the loss. Ties: the first pair in the order (h ascending, then i
//! ascending). O(k(n−k)n) per iteration; kept as the reference for FastPAM1.

use super::result::{KMedoidsDiagnostics, KMedoidsResult};
use super::state::{BestSwap, SwapState};
use crate::dissimilarity::Dissimilarity;
use crate::float::Float;
use crate::parallel::map_reduce_chunks_sized;

/// PAM SWAP from `medoids`.
pub(crate) fn pam<D: Dissimilarity>(d: &D, medoids: Vec<usize>, max_iter: usize) -> KMedoidsResult {
    let n = d.n();
    let k = medoids.len();
    let mut st = SwapState::new(d, &medoids);
    let initial_loss = st.loss();
    let chunk = (65_536 / (n * k).max(1)).clamp(1, 256);
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
                let mut best = BestSwap::NONE;
                for h in range {
                    if s.is_medoid[h] {
                        continue;
                    }
                    let r = d.row(h, &mut buf);
                    for i in 0..k {
                        let i32_ = i as u32;
                        let mut t = 0.0f64;
                        for (o, &doh) in r.iter().enumerate() {
                            let dn = s.dn[o];
                            if s.near[o] == i32_ {
                                let ds = s.ds[o];
                                let new = if doh < ds { doh } else { ds };
                                t += (new - dn).as_f64();
                            } else if doh < dn {
                                t += (doh - dn).as_f64();
                            }
                        }
                        best.merge(BestSwap {
                            delta: t,
                            candidate: h,
                            slot: i,
                        });
                    }
                }
                best
            },
            |a, b| a.merge(b),
        );
        evaluated += ((n - k) * k) as u64;
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
