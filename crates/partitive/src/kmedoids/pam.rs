//! PAM SWAP, as published.
//!
//! L. Kaufman, P. J. Rousseeuw, *Clustering by means of medoids*, 1987, and *Finding
//! Groups in Data: An Introduction to Cluster Analysis*, Wiley 1990, ch. 2
//! (doi:10.1002/9780470316801.ch2). Each iteration computes, for every pair of a medoid
//! slot `i` and a non-medoid `h`, the loss change `T_ih = Σ_o C_oih` (O(n) each, using
//! the nearest and second-nearest distances `D_o`, `E_o`), and applies the best pair
//! if it decreases the loss. Ties: the first pair in the order (h ascending, then i
//! ascending). O(k(n−k)n) per iteration; kept as the reference for FastPAM1.

use super::result::KMedoidsResult;
use super::state::BestSwap;
use super::steepest::steepest_swaps;
use crate::dissimilarity::Dissimilarity;
use crate::float::Float;

/// PAM SWAP from `medoids`.
pub(crate) fn pam<D: Dissimilarity>(
    d: &D,
    medoids: Vec<usize>,
    max_iter: usize,
    stop: &crate::interrupt::Interrupt,
) -> KMedoidsResult {
    let (n, k) = (d.n(), medoids.len());
    let chunk = (65_536 / (n * k).max(1)).clamp(1, 256);
    steepest_swaps(
        d,
        medoids,
        max_iter,
        chunk,
        ((n - k) * k) as u64,
        stop,
        |s, r, h, _, best| {
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
        },
    )
}
