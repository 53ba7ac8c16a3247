//! BUILD: the greedy initialisation of PAM.
//!
//! L. Kaufman, P. J. Rousseeuw, *Clustering by means of medoids*, in Statistical Data
//! Analysis Based on the L1-Norm and Related Methods, 1987; *Finding Groups in Data*,
//! Wiley 1990, ch. 2. The first medoid minimises the sum of dissimilarities to all
//! objects; each next one is the object that decreases the loss the most. O(n²k).

use crate::dissimilarity::Dissimilarity;
use crate::float::Float;
use crate::parallel::map_reduce_chunks_sized;

/// Candidates per chunk so that a chunk is about 64k dissimilarity reads.
pub(crate) fn candidates_per_chunk(n: usize) -> usize {
    (65_536 / n.max(1)).clamp(1, 256)
}

/// Best (value, index) partial: smaller value wins, earlier index on ties.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Best {
    pub value: f64,
    pub index: usize,
}

impl Best {
    pub const NONE: Best = Best {
        value: f64::INFINITY,
        index: usize::MAX,
    };
    /// Merge in chunk order: keep `self` unless `other` is strictly better.
    #[inline]
    pub fn merge(&mut self, other: Best) {
        if other.value < self.value {
            *self = other;
        }
    }
}

/// BUILD: `k` medoids chosen greedily (ties: the lowest index).
pub(crate) fn build<D: Dissimilarity>(
    d: &D,
    k: usize,
    stop: &crate::interrupt::Interrupt,
) -> Vec<usize> {
    let n = d.n();
    let chunk = candidates_per_chunk(n);
    // dn[o]: distance to the nearest chosen medoid (+inf before the first)
    let mut dn = vec![<D::Value as num_traits::Float>::infinity(); n];
    let mut is_medoid = vec![false; n];
    let mut medoids = Vec::with_capacity(k);
    for step in 0..k {
        if stop.is_triggered() {
            break; // the caller reports it
        }
        let dn_ref = &dn;
        let is_m = &is_medoid;
        let best = map_reduce_chunks_sized(
            n,
            chunk,
            Best::NONE,
            |range| {
                let mut buf = Vec::new();
                let mut best = Best::NONE;
                for c in range {
                    if is_m[c] {
                        continue;
                    }
                    let r = d.row(c, &mut buf);
                    let value = if step == 0 {
                        r.iter().map(|v| v.as_f64()).sum::<f64>()
                    } else {
                        let mut s = 0.0f64;
                        for (&x, &a) in r.iter().zip(dn_ref) {
                            if x < a {
                                s += (x - a).as_f64();
                            }
                        }
                        s
                    };
                    best.merge(Best { value, index: c });
                }
                best
            },
            |a, b| a.merge(b),
        );
        // (Values are finite and sums cannot overflow — `fit` rescales sources whose
        // could — so some candidate always wins; should none, the first non-medoid
        // stands in rather than an index out of range.)
        let m = if best.index < n {
            best.index
        } else {
            (0..n).find(|&c| !is_medoid[c]).unwrap_or(0)
        };
        medoids.push(m);
        is_medoid[m] = true;
        let mut buf = Vec::new();
        for (a, &x) in dn.iter_mut().zip(d.row(m, &mut buf)) {
            if x < *a {
                *a = x;
            }
        }
    }
    medoids
}
