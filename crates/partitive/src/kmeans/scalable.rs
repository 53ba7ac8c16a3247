//! k-means|| seeding: B. Bahmani, B. Moseley, A. Vattani, R. Kumar, S. Vassilvitskii,
//! *Scalable K-Means++*, PVLDB 5(7), 622–633, 2012, arXiv:1203.6402.
//!
//! Instead of k sequential D² draws (k passes over the data), two rounds each draw about
//! `ℓ = 2k` rows at once, row `i` independently with probability
//! `min(1, ℓ · w_i · D²_i / φ)` (`φ = Σ w D²`); each round is one pass of the blocked
//! assignment kernel over the rows against the round's new candidates (the paper's
//! `ℓ = 2k`; Spark MLlib's default is the same two rounds). The candidates, weighted by
//! the total weight of the rows nearest to them, are then reclustered into `k` centers
//! by greedy k-means++ and up to ten weighted Lloyd iterations — restarted a few times
//! when the candidates are few against the rows, the lowest weighted inertia kept.
//!
//! Two departures from the paper, both measured (`bench/kmeans/README.md`): the last
//! round's pass, which only weighs the candidates, evaluates a random quarter of the
//! rows (a counter-based Bernoulli sample; the weights are then estimates), and the
//! reclustering restarts. With `ℓ = k` instead of `2k`, or one round fewer, well
//! separated blobs were left without a candidate in some seeds.
//!
//! Determinism: each row's draw in a round is a counter-based uniform
//! ([`Rng::counter_f64`]) of the round's key and the row index, and every pass is a
//! chunk kernel merged in chunk order — the candidates, and so the centers, do not depend
//! on the thread count. D² stays the true squared distance in `f64`: the kernel (GEMM
//! form in `T`) only picks each row's nearest new candidate, whose distance is then
//! computed exactly.

use super::data::{add_into, sq_dist, Data};
use super::init::{centers_of, first_row, kmeans_plus_plus, update_d2, ChunkInfo};
use super::kernel::{nearest, nearest_rows, Nearest, Packed};
use super::params::Algorithm;
use super::run::{run_once, InMemory};
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::{chunk_slices, map_reduce_chunks, map_reduce_chunks_with, par_vec};
use crate::rng::Rng;
use rayon::prelude::*;
use std::ops::Range;

/// The settings of k-means||.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Settings {
    /// Expected candidates drawn in each sampling round after the first center, as a
    /// multiple of `k` (`ℓ_r = oversampling[r]·k`); each round is one pass of the kernel.
    pub(crate) oversampling: &'static [f64],
    /// Weighted Lloyd iterations on the candidates after their k-means++ seeding (at
    /// least 1).
    pub(crate) recluster_iters: usize,
    /// The most restarts of the reclustering (see [`recluster_restarts`]).
    pub(crate) max_restarts: usize,
    /// The fraction of the rows (a counter-based Bernoulli sample) that the last round's
    /// pass evaluates: that pass only serves the candidates' weights, which the sample
    /// estimates (1: every row, exact weights).
    pub(crate) weight_sample: f64,
}

/// The settings used (measurements in `bench/kmeans/README.md`).
pub(crate) const SETTINGS: Settings = Settings {
    oversampling: &[2.0, 2.0],
    recluster_iters: 10,
    max_restarts: 8,
    weight_sample: 0.25,
};

/// k-means|| seeding of `k` centers with the default [`SETTINGS`].
pub(crate) fn kmeans_parallel<T: Float>(data: &Data<'_, T>, k: usize, rng: &mut Rng) -> Mat<T> {
    kmeans_parallel_with(data, k, rng, SETTINGS)
}

/// k-means|| seeding with explicit settings. Falls back to greedy k-means++ on all rows
/// when fewer than `k` candidates end up with a positive weight (data with fewer than
/// `k` distinct rows of positive weight, or tiny `n`).
pub(crate) fn kmeans_parallel_with<T: Float>(
    data: &Data<'_, T>,
    k: usize,
    rng: &mut Rng,
    s: Settings,
) -> Mat<T> {
    let n = data.n();
    let first = first_row(data, rng);
    let mut rows = vec![first];
    let mut d2 = par_vec(n, |_| f64::INFINITY);
    let mut owner = par_vec(n, |_| 0u32);
    let mut chunks = update_d2(data, &mut d2, data.x.row(first));

    let mut sample = None;
    for (round, &factor) in s.oversampling.iter().enumerate() {
        if data.stop.is_triggered() {
            // Cut short: the caller sees the token and reports the interruption.
            return centers_of(data, &rows);
        }
        let ell = factor * k as f64;
        let phi: f64 = chunks.iter().map(|c| c.mass).sum();
        let key = rng.next_u64();
        if !(phi > 0.0 && phi.is_finite()) {
            break; // every row sits on a candidate
        }
        let drawn = draw(data, &d2, ell / phi, key);
        if drawn.is_empty() || rows.len() + drawn.len() > u32::MAX as usize {
            continue;
        }
        let base = rows.len() as u32;
        rows.extend_from_slice(&drawn);
        if round + 1 == s.oversampling.len() && s.weight_sample < 1.0 {
            sample = Some((rng.next_u64(), s.weight_sample));
        }
        let round = Round::new(centers_of(data, &drawn), base, sample);
        let items = chunk_slices(&mut d2, n, 1)
            .into_iter()
            .zip(chunk_slices(&mut owner, n, 1))
            .collect();
        chunks = map_reduce_chunks_with(
            n,
            items,
            Vec::new(),
            |r, (d2, own)| vec![round.nearest_chunk(data, d2, own, r, 0)],
            |a, b| a.extend(b),
        );
    }
    if data.stop.is_triggered() {
        return centers_of(data, &rows);
    }
    let m = rows.len();
    let weights = map_reduce_chunks(
        n,
        vec![0.0; m],
        |r| weights_chunk(data, &owner[r.clone()], r, 0, m, sample),
        add_into,
    );
    recluster(data.n(), centers_of(data, &rows), &weights, k, rng, s)
        .unwrap_or_else(|| kmeans_plus_plus(data, k, rng))
}

/// The reclustering of the candidates `cands` (with `weights`) drawn from `n` rows into
/// `k` centers; `None` when fewer than `k` candidates have a positive weight (or the
/// weights exceed `T`'s range): the caller then seeds by k-means++ on all rows instead.
pub(super) fn recluster<T: Float>(
    n: usize,
    cands: Mat<T>,
    weights: &[f64],
    k: usize,
    rng: &mut Rng,
    s: Settings,
) -> Option<Mat<T>> {
    if weights.iter().filter(|&&w| w > 0.0).count() < k {
        return None;
    }
    let wt: Vec<T> = weights.iter().map(|&w| T::of_f64(w)).collect();
    let cdata = Data::new(cands.view(), Some(&wt), k).ok()?;
    let restarts = recluster_restarts(n, cands.n_rows(), s.max_restarts);
    let key = rng.next_u64();
    let tol = 1e-4 * cdata.mean_variance();
    // Restarts in parallel, each with its own stream; the lowest weighted inertia wins
    // (lowest restart on ties), so the result does not depend on the thread count.
    let runs: Vec<(f64, Mat<T>)> = (0..restarts)
        .into_par_iter()
        .map(|r| {
            let start = kmeans_plus_plus(&cdata, k, &mut Rng::with_stream(key, r as u64));
            let mut steps = InMemory::new(&cdata, &start, Algorithm::Lloyd);
            let Ok(run) = run_once(
                &mut steps,
                start,
                s.recluster_iters.max(1),
                tol,
                &mut |_, _, _| {},
            );
            (run.inertia, run.centers)
        })
        .collect();
    let mut best = 0;
    for (r, run) in runs.iter().enumerate() {
        if run.0 < runs[best].0 {
            best = r;
        }
    }
    runs.into_iter().nth(best).map(|r| r.1)
}

/// Restarts of the reclustering on `m` candidates from `n` rows: one per `128·m` rows,
/// between 1 and `max`. A restart (greedy k-means++ and Lloyd on the candidates) costs
/// about `k·m·d·(w + 10)` multiply-adds (`w` = the kernel's panel width) against the
/// passes' `≈ 4·n·k·d`: at most ~10% of the seeding with this rule.
fn recluster_restarts(n: usize, m: usize, max: usize) -> usize {
    (n / (128 * m.max(1))).clamp(1, max.max(1))
}

/// The rows drawn in one round ([`draw_chunk`] over all rows), in increasing order.
pub(super) fn draw<T: Float>(data: &Data<'_, T>, d2: &[f64], scale: f64, key: u64) -> Vec<usize> {
    map_reduce_chunks(
        data.n(),
        Vec::new(),
        |r| draw_chunk(data, &d2[r.clone()], r, 0, scale, key),
        |a, b| a.extend(b),
    )
}

/// The rows of `r` drawn in one round (`d2`: theirs): row `i` when
/// `counter_f64(key, off + i) < scale · w_i · D²_i`, in increasing order (`off`: the index
/// of `data`'s first row in the whole data, for a chunk of a stream).
pub(super) fn draw_chunk<T: Float>(
    data: &Data<'_, T>,
    d2: &[f64],
    r: Range<usize>,
    off: usize,
    scale: f64,
    key: u64,
) -> Vec<usize> {
    r.clone()
        .filter(|&i| {
            let p = scale * data.weight(i) * d2[i - r.start];
            p > 0.0 && Rng::counter_f64(key, (off + i) as u64) < p
        })
        .collect()
}

/// Whether row `i` (of the whole data) is in the sample `(key, fraction)` (every row
/// without one).
#[inline]
fn sampled(sample: Option<(u64, f64)>, i: usize) -> bool {
    sample.is_none_or(|(key, f)| Rng::counter_f64(key, i as u64) < f)
}

/// One sampling round's candidates, numbered from `base`, and the sample of rows its
/// pass evaluates (every row when `None`).
pub(super) struct Round<T> {
    cands: Mat<T>,
    packed: Packed<T>,
    base: u32,
    sample: Option<(u64, f64)>,
}

impl<T: Float> Round<T> {
    pub(super) fn new(cands: Mat<T>, base: u32, sample: Option<(u64, f64)>) -> Self {
        let packed = Packed::new(cands.view());
        Round {
            cands,
            packed,
            base,
            sample,
        }
    }

    /// The kernel pass of the rows `r` of `data` (`off` as in [`draw_chunk`]; `d2`,
    /// `own`: theirs) against the round's candidates: where the nearest of them (by the
    /// kernel) is closer than D² (exactly), D² and the row's owner are updated. Returns the
    /// chunk's mass (over the rows evaluated).
    pub(super) fn nearest_chunk(
        &self,
        data: &Data<'_, T>,
        d2: &mut [f64],
        own: &mut [u32],
        r: Range<usize>,
        off: usize,
    ) -> ChunkInfo {
        let sample = self.sample;
        let local: Vec<u32> = if sample.is_some() {
            r.clone()
                .filter(|&i| sampled(sample, off + i))
                .map(|i| (i - r.start) as u32)
                .collect()
        } else {
            Vec::new()
        };
        let m = if sample.is_some() {
            local.len()
        } else {
            r.len()
        };
        let mut lab = vec![0u32; m];
        let mut best = vec![T::zero(); m];
        let out = Nearest {
            labels: &mut lab,
            best: &mut best,
            second: None,
        };
        let x = data.x.rows(r.start, r.end).as_slice();
        if sample.is_some() {
            nearest_rows(x, &local, &self.packed, 0, self.packed.panels(), out);
        } else {
            nearest(x, &self.packed, out);
        }
        let mut info = ChunkInfo {
            mass: 0.0,
            max: -1.0,
            argmax: usize::MAX,
        };
        for (e, &j) in lab.iter().enumerate() {
            let t = if sample.is_some() {
                local[e] as usize
            } else {
                e
            };
            let i = r.start + t;
            let dist = sq_dist(data.x.row(i), self.cands.row(j as usize));
            if dist < d2[t] {
                d2[t] = dist;
                own[t] = self.base + j;
            }
            let w = data.weight(i);
            info.mass += w * d2[t];
            if w > 0.0 && d2[t] > info.max {
                info.max = d2[t];
                info.argmax = i;
            }
        }
        info
    }
}

/// The total weight of the rows of `r` (of `sample`, when given; `off` as in
/// [`draw_chunk`]) owned by each of the `m` candidates (`own`: the rows' owners).
pub(super) fn weights_chunk<T: Float>(
    data: &Data<'_, T>,
    own: &[u32],
    r: Range<usize>,
    off: usize,
    m: usize,
    sample: Option<(u64, f64)>,
) -> Vec<f64> {
    let mut w = vec![0.0; m];
    for i in r.clone().filter(|&i| sampled(sample, off + i)) {
        w[own[i - r.start] as usize] += data.weight(i);
    }
    w
}
