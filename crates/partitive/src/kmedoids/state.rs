//! The swap state shared by PAM, FastPAM1, FasterPAM and FastCLARANS: per object its
//! nearest and second-nearest medoid, and per medoid its removal loss.

use super::scan::scan;
use crate::dissimilarity::{Dissimilarity, MedoidRows};
use crate::float::Float;
use rayon::prelude::*;

/// Relative size of the smallest loss improvement a swap must bring (see
/// [`SwapState::swap_threshold`]).
pub(crate) const SWAP_REL_TOL: f64 = 1e-12;

/// "No second medoid" (k = 1).
pub(crate) const NONE: u32 = u32::MAX;

/// Nearest / second-nearest caches for a medoid set.
///
/// Ties between medoids at equal distance go to the lower slot when an object is
/// (re)assigned from scratch; incremental updates after a swap keep the current
/// nearest on ties (only a strictly closer new medoid takes over).
#[derive(Debug, Clone)]
pub(crate) struct SwapState<T> {
    pub medoids: Vec<usize>,
    pub is_medoid: Vec<bool>,
    pub rows: MedoidRows<T>,
    pub near: Vec<u32>,
    pub sec: Vec<u32>,
    pub dn: Vec<T>,
    pub ds: Vec<T>,
    /// `removal[i] = Σ_{near(o)=i} (ds[o] − dn[o])`, summed per chunk of
    /// [`APPLY_CHUNK`] objects, chunks in order.
    pub removal: Vec<f64>,
    /// Σ dn, in the same order.
    loss: f64,
}

/// Objects per chunk of the state updates: a constant, so the summation order (and
/// every result) is independent of the thread count.
const APPLY_CHUNK: usize = 1024;

/// `(removal, loss)` partials of one chunk of objects, in object order.
fn removal_partial<T: Float>(k: usize, near: &[u32], dn: &[T], ds: &[T]) -> (Vec<f64>, f64) {
    let mut rem = vec![0.0f64; k];
    let mut loss = 0.0f64;
    for ((&s, &a), &b) in near.iter().zip(dn).zip(ds) {
        loss += a.as_f64();
        if k > 1 {
            rem[s as usize] += (b - a).as_f64();
        }
    }
    (rem, loss)
}

/// Nearest and second-nearest slot of object `o` (scan of all slots, lower slot wins ties).
#[inline]
fn nearest_two<T: Float>(rows: &MedoidRows<T>, o: usize) -> (u32, T, u32, T) {
    let (mut n1, mut d1, mut n2, mut d2) = (NONE, T::infinity(), NONE, T::infinity());
    for s in 0..rows.k() {
        let v = rows.get(s, o);
        if v < d1 {
            n2 = n1;
            d2 = d1;
            n1 = s as u32;
            d1 = v;
        } else if v < d2 {
            n2 = s as u32;
            d2 = v;
        }
    }
    (n1, d1, n2, d2)
}

impl<T: Float> SwapState<T> {
    /// The state for `medoids` (distinct, in range: checked by the caller).
    pub fn new<D: Dissimilarity<Value = T>>(d: &D, medoids: &[usize]) -> Self {
        let n = d.n();
        let rows = MedoidRows::new(d, medoids);
        let all: Vec<(u32, T, u32, T)> = (0..n)
            .into_par_iter()
            .map(|o| nearest_two(&rows, o))
            .collect();
        let mut is_medoid = vec![false; n];
        for &m in medoids {
            is_medoid[m] = true;
        }
        let mut st = SwapState {
            medoids: medoids.to_vec(),
            is_medoid,
            rows,
            near: all.iter().map(|a| a.0).collect(),
            dn: all.iter().map(|a| a.1).collect(),
            sec: all.iter().map(|a| a.2).collect(),
            ds: all.iter().map(|a| a.3).collect(),
            removal: vec![0.0; medoids.len()],
            loss: 0.0,
        };
        st.recompute_removal();
        st
    }

    /// Number of objects.
    pub fn n(&self) -> usize {
        self.near.len()
    }

    /// Number of medoids.
    pub fn k(&self) -> usize {
        self.medoids.len()
    }

    /// Recomputes `removal` and the cached loss from the per-object caches.
    fn recompute_removal(&mut self) {
        let k = self.k();
        let (near, dn, ds) = (&self.near, &self.dn, &self.ds);
        let partials: Vec<(Vec<f64>, f64)> = (0..self.n().div_ceil(APPLY_CHUNK))
            .into_par_iter()
            .map(|c| {
                let r = c * APPLY_CHUNK..((c + 1) * APPLY_CHUNK).min(near.len());
                removal_partial(k, &near[r.clone()], &dn[r.clone()], &ds[r])
            })
            .collect();
        self.merge_partials(partials);
    }

    /// Folds per-chunk `(removal, loss)` partials in chunk order.
    fn merge_partials(&mut self, partials: Vec<(Vec<f64>, f64)>) {
        self.removal.iter_mut().for_each(|v| *v = 0.0);
        self.loss = 0.0;
        for (rem, l) in partials {
            for (a, b) in self.removal.iter_mut().zip(rem) {
                *a += b;
            }
            self.loss += l;
        }
    }

    /// Loss change of swapping each slot for the candidate whose row is `r`, written to
    /// `delta` (length k) as complete values `ΔTD_i`.
    pub fn eval(&self, r: &[T], delta: &mut [f64]) {
        if self.k() == 1 {
            // the only medoid is replaced: ΔTD = Σ (r − dn)
            delta[0] = r
                .iter()
                .zip(&self.dn)
                .map(|(&x, &a)| (x - a).as_f64())
                .sum();
            return;
        }
        delta.copy_from_slice(&self.removal);
        let acc = scan(r, &self.dn, &self.ds, &self.near, delta);
        delta.iter_mut().for_each(|v| *v += acc);
    }

    /// Replaces the medoid in `slot` by object `xc` whose row is `r`.
    pub fn apply(&mut self, slot: usize, xc: usize, r: &[T]) {
        let old = self.medoids[slot];
        self.is_medoid[old] = false;
        self.is_medoid[xc] = true;
        self.medoids[slot] = xc;
        self.rows.set(slot, r);
        let s32 = slot as u32;
        let k = self.k();
        let rows = &self.rows;
        // objects are independent: fixed chunks in parallel, partials merged in order
        let partials: Vec<(Vec<f64>, f64)> = self
            .near
            .par_chunks_mut(APPLY_CHUNK)
            .zip(self.sec.par_chunks_mut(APPLY_CHUNK))
            .zip(self.dn.par_chunks_mut(APPLY_CHUNK))
            .zip(self.ds.par_chunks_mut(APPLY_CHUNK))
            .zip(r.par_chunks(APPLY_CHUNK))
            .enumerate()
            .map(|(c, ((((near, sec), dn), ds), r))| {
                let base = c * APPLY_CHUNK;
                for (i, &v) in r.iter().enumerate() {
                    if near[i] == s32 || sec[i] == s32 {
                        let (a, b, c2, e) = nearest_two(rows, base + i);
                        near[i] = a;
                        dn[i] = b;
                        sec[i] = c2;
                        ds[i] = e;
                    } else if v < dn[i] {
                        sec[i] = near[i];
                        ds[i] = dn[i];
                        near[i] = s32;
                        dn[i] = v;
                    } else if v < ds[i] {
                        sec[i] = s32;
                        ds[i] = v;
                    }
                }
                removal_partial(k, near, dn, ds)
            })
            .collect();
        self.merge_partials(partials);
    }

    /// The loss change a swap must beat to be applied: `−SWAP_REL_TOL · loss`.
    ///
    /// Swap gains are sums of `n` rounded terms; with duplicate objects (or metrics
    /// such as cosine and jaccard that give many equal distances) an exact tie can show
    /// up as a tiny negative gain, and the swap and its reverse then alternate forever.
    /// Requiring a gain above the rounding level of the loss itself ends such cycles
    /// without changing any swap whose gain is real.
    pub fn swap_threshold(&self) -> f64 {
        -SWAP_REL_TOL * self.loss()
    }

    /// Sum of distances to the nearest medoid, in `f64` (kept up to date by every
    /// update; summed per fixed chunk of objects, chunks in order).
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// Labels: slot of the nearest medoid.
    pub fn labels(&self) -> Vec<usize> {
        self.near.iter().map(|&s| s as usize).collect()
    }
}

/// The slot with the smallest value; the lowest slot wins ties.
#[inline]
pub(crate) fn argmin(v: &[f64]) -> (usize, f64) {
    let mut best = (0, v[0]);
    for (i, &x) in v.iter().enumerate().skip(1) {
        if x < best.1 {
            best = (i, x);
        }
    }
    best
}

impl<T: Float> SwapState<T> {
    /// The result for the current medoids.
    pub fn into_result(
        self,
        n_iter: usize,
        n_swaps: usize,
        diagnostics: super::result::KMedoidsDiagnostics,
    ) -> super::result::KMedoidsResult {
        super::result::KMedoidsResult {
            loss: self.loss(),
            labels: self.labels(),
            medoids: self.medoids,
            n_iter,
            n_swaps,
            diagnostics,
        }
    }
}

/// The best swap seen so far: smaller loss change wins; on ties the earlier
/// (candidate, slot) in scan order — candidates by increasing index, then slots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BestSwap {
    pub delta: f64,
    pub candidate: usize,
    pub slot: usize,
}

impl BestSwap {
    pub const NONE: BestSwap = BestSwap {
        delta: f64::INFINITY,
        candidate: usize::MAX,
        slot: usize::MAX,
    };
    /// Merge a later partial (in scan order): replaces `self` only when strictly better.
    #[inline]
    pub fn merge(&mut self, other: BestSwap) {
        if other.delta < self.delta {
            *self = other;
        }
    }
}
