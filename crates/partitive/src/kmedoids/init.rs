//! Initial medoids: BUILD, uniform random, k-medoids++, LAB, or given.

use super::build::build;
use super::params::Init;
use crate::dissimilarity::Dissimilarity;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;

/// Rng stream used by initialisations (other streams: CLARA samples, CLARANS).
pub(crate) const STREAM_INIT: u64 = 1;

/// The initial medoids for `init` (validated: `k` distinct indices below `n`).
pub(crate) fn initial_medoids<D: Dissimilarity>(
    d: &D,
    k: usize,
    init: &Init,
    seed: u64,
    stop: &crate::interrupt::Interrupt,
) -> Result<Vec<usize>> {
    let n = d.n();
    let mut rng = Rng::with_stream(seed, STREAM_INIT);
    Ok(match init {
        Init::Build => build(d, k, stop),
        Init::Random => random_distinct(&mut rng, n, k),
        Init::KMedoidsPlusPlus => plus_plus(d, k, &mut rng),
        Init::Lab => lab(d, k, &mut rng),
        Init::Given(m) => {
            check_given(m, k, n)?;
            m.clone()
        }
    })
}

/// Checks given medoids: `k` of them, distinct, below `n`.
pub(crate) fn check_given(m: &[usize], k: usize, n: usize) -> Result<()> {
    if m.len() != k {
        return Err(Error::shape("initial medoids", k, m.len()));
    }
    let mut seen = vec![false; n];
    for &i in m {
        if i >= n {
            return Err(Error::param(
                "init",
                format!("initial medoid {i} out of range for {n} objects"),
            ));
        }
        if seen[i] {
            return Err(Error::param(
                "init",
                format!("initial medoid {i} given twice"),
            ));
        }
        seen[i] = true;
    }
    Ok(())
}

/// `k` distinct uniform indices below `n` (partial Fisher–Yates), in draw order.
pub(crate) fn random_distinct(rng: &mut Rng, n: usize, k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx
}

/// k-medoids++ (the k-means++ seeding of D. Arthur, S. Vassilvitskii, SODA 2007,
/// doi:10.5555/1283383.1283494, with weights proportional to the *unsquared*
/// dissimilarity to the nearest chosen medoid, since k-medoids minimises unsquared
/// dissimilarities). When all remaining weights are zero (duplicates), the next medoid
/// is a uniform non-medoid.
pub(crate) fn plus_plus<D: Dissimilarity>(d: &D, k: usize, rng: &mut Rng) -> Vec<usize> {
    let n = d.n();
    let mut buf = Vec::new();
    let first = rng.below(n);
    let mut medoids = vec![first];
    let mut is_medoid = vec![false; n];
    is_medoid[first] = true;
    let mut dn: Vec<f64> = d.row(first, &mut buf).iter().map(|v| v.as_f64()).collect();
    while medoids.len() < k {
        let total: f64 = dn
            .iter()
            .zip(&is_medoid)
            .filter(|(_, &m)| !m)
            .map(|(v, _)| v)
            .sum();
        let next = if total > 0.0 {
            let target = rng.next_f64() * total;
            let mut cum = 0.0;
            let mut pick = None;
            let mut last = 0;
            for o in 0..n {
                if is_medoid[o] || dn[o] <= 0.0 {
                    continue;
                }
                last = o;
                cum += dn[o];
                if cum > target {
                    pick = Some(o);
                    break;
                }
            }
            pick.unwrap_or(last)
        } else {
            let free: Vec<usize> = (0..n).filter(|&o| !is_medoid[o]).collect();
            free[rng.below(free.len())]
        };
        medoids.push(next);
        is_medoid[next] = true;
        for (a, x) in dn.iter_mut().zip(d.row(next, &mut buf)) {
            *a = a.min(x.as_f64());
        }
    }
    medoids
}

/// LAB, Linear Approximative BUILD (Schubert & Rousseeuw, *Fast and Eager k-Medoids
/// Clustering*, Information Systems 101, 2021, arXiv:2008.05171): each of the `k`
/// steps runs one BUILD step on a fresh uniform subsample of `10 + ⌈√n⌉` non-medoids,
/// the loss being measured on the subsample only. O(k·n) dissimilarities.
pub(crate) fn lab<D: Dissimilarity>(d: &D, k: usize, rng: &mut Rng) -> Vec<usize> {
    let n = d.n();
    let m = (10 + (n as f64).sqrt().ceil() as usize).min(n);
    let mut medoids: Vec<usize> = Vec::with_capacity(k);
    let mut is_medoid = vec![false; n];
    for _ in 0..k {
        let free: Vec<usize> = (0..n).filter(|&o| !is_medoid[o]).collect();
        let take = m.min(free.len());
        let sample: Vec<usize> = random_distinct(rng, free.len(), take)
            .into_iter()
            .map(|i| free[i])
            .collect();
        // distance of each sample object to its nearest chosen medoid
        let dn: Vec<f64> = sample
            .iter()
            .map(|&o| {
                medoids
                    .iter()
                    .map(|&md| d.get(o, md).as_f64())
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let mut best = (f64::INFINITY, usize::MAX);
        for &c in &sample {
            let cost: f64 = sample
                .iter()
                .zip(&dn)
                .map(|(&o, &a)| a.min(d.get(c, o).as_f64()))
                .sum();
            if cost < best.0 || (cost == best.0 && c < best.1) {
                best = (cost, c);
            }
        }
        medoids.push(best.1);
        is_medoid[best.1] = true;
    }
    medoids
}
