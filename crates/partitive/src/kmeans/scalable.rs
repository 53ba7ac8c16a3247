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

use super::data::{sq_dist, ChunkCells, Data};
use super::fit::run_once;
use super::init::{centers_of, first_row, kmeans_plus_plus, update_d2, ChunkInfo};
use super::kernel::{nearest, nearest_rows, Nearest, Packed};
use super::params::Algorithm;
use crate::float::Float;
use crate::matrix::Mat;
use crate::parallel::{map_reduce_chunks, par_vec};
use crate::rng::Rng;
use rayon::prelude::*;

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
        let cands = centers_of(data, &drawn);
        if round + 1 == s.oversampling.len() && s.weight_sample < 1.0 {
            sample = Some((rng.next_u64(), s.weight_sample));
        }
        chunks = nearest_candidate(data, &mut d2, &mut owner, &cands, base, sample);
    }
    if data.stop.is_triggered() {
        return centers_of(data, &rows);
    }
    let weights = candidate_weights(data, &owner, rows.len(), sample);
    if weights.iter().filter(|&&w| w > 0.0).count() < k {
        return kmeans_plus_plus(data, k, rng);
    }
    let cands = centers_of(data, &rows);
    let wt: Vec<T> = weights.iter().map(|&w| T::of_f64(w)).collect();
    let Ok(cdata) = Data::new(cands.view(), Some(&wt), k) else {
        // (Weights beyond the range of `T`.)
        return kmeans_plus_plus(data, k, rng);
    };
    let restarts = recluster_restarts(data.n(), rows.len(), s.max_restarts);
    let key = rng.next_u64();
    let tol = 1e-4 * cdata.mean_variance();
    // Restarts in parallel, each with its own stream; the lowest weighted inertia wins
    // (lowest restart on ties), so the result does not depend on the thread count.
    let runs: Vec<(f64, Mat<T>)> = (0..restarts)
        .into_par_iter()
        .map(|r| {
            let start = kmeans_plus_plus(&cdata, k, &mut Rng::with_stream(key, r as u64));
            let run = run_once(
                &cdata,
                start,
                Algorithm::Lloyd,
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
    runs.into_iter().nth(best).expect("restarts >= 1").1
}

/// Restarts of the reclustering on `m` candidates from `n` rows: one per `128·m` rows,
/// between 1 and `max`. A restart (greedy k-means++ and Lloyd on the candidates) costs
/// about `k·m·d·(w + 10)` multiply-adds (`w` = the kernel's panel width) against the
/// passes' `≈ 4·n·k·d`: at most ~10% of the seeding with this rule.
fn recluster_restarts(n: usize, m: usize, max: usize) -> usize {
    (n / (128 * m.max(1))).clamp(1, max.max(1))
}

/// The rows drawn in one round: row `i` when `counter_f64(key, i) < scale · w_i · D²_i`,
/// in increasing order.
pub(super) fn draw<T: Float>(data: &Data<'_, T>, d2: &[f64], scale: f64, key: u64) -> Vec<usize> {
    map_reduce_chunks(
        data.n(),
        Vec::new(),
        |r| {
            r.filter(|&i| {
                let p = scale * data.weight(i) * d2[i];
                p > 0.0 && Rng::counter_f64(key, i as u64) < p
            })
            .collect::<Vec<usize>>()
        },
        |a, b| a.extend(b),
    )
}

/// Whether row `i` is in the sample `(key, fraction)` (every row without one).
#[inline]
fn sampled(sample: Option<(u64, f64)>, i: usize) -> bool {
    sample.is_none_or(|(key, f)| Rng::counter_f64(key, i as u64) < f)
}

/// One kernel pass of the rows (those of `sample` only, when given) against the new
/// candidates `cands` (numbered from `base`): where the nearest of them (by the kernel) is
/// closer than D² (exactly), D² and the row's owner are updated. Returns the chunks'
/// masses (over the rows evaluated).
fn nearest_candidate<T: Float>(
    data: &Data<'_, T>,
    d2: &mut [f64],
    owner: &mut [u32],
    cands: &Mat<T>,
    base: u32,
    sample: Option<(u64, f64)>,
) -> Vec<ChunkInfo> {
    let packed = Packed::new(cands.view());
    let (dc, oc) = (ChunkCells::new(d2), ChunkCells::new(owner));
    map_reduce_chunks(
        data.n(),
        Vec::new(),
        |r| {
            let (mut d2, mut own) = (dc.lock(&r), oc.lock(&r));
            let local: Vec<u32> = if sample.is_some() {
                r.clone()
                    .filter(|&i| sampled(sample, i))
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
                nearest_rows(x, &local, &packed, 0, packed.panels(), out);
            } else {
                nearest(x, &packed, out);
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
                let dist = sq_dist(data.x.row(i), cands.row(j as usize));
                if dist < d2[t] {
                    d2[t] = dist;
                    own[t] = base + j;
                }
                let w = data.weight(i);
                info.mass += w * d2[t];
                if w > 0.0 && d2[t] > info.max {
                    info.max = d2[t];
                    info.argmax = i;
                }
            }
            vec![info]
        },
        |a, b| a.extend(b),
    )
}

/// The total weight of the rows (of `sample`, when given) owned by each of the `m`
/// candidates.
fn candidate_weights<T: Float>(
    data: &Data<'_, T>,
    owner: &[u32],
    m: usize,
    sample: Option<(u64, f64)>,
) -> Vec<f64> {
    map_reduce_chunks(
        data.n(),
        vec![0.0; m],
        |r| {
            let mut w = vec![0.0; m];
            for i in r.filter(|&i| sampled(sample, i)) {
                w[owner[i] as usize] += data.weight(i);
            }
            w
        },
        |a, b| a.iter_mut().zip(b).for_each(|(a, b)| *a += b),
    )
}
