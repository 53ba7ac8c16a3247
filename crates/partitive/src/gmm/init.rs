//! Initial parameters: from a partition, from given parameters, or from k-means.

use super::covariance::{CovarianceType, Covariances, GmmParameters};
use super::estep::BLOCK_ROWS;
use super::mstep::{update, MStepInput, Stats};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::kmeans::{Init as KInit, KMeans, KMeansParams};
use crate::matrix::MatRef;
use crate::parallel::map_reduce_chunks;
use crate::rng::Rng;

/// Parameters estimated from a hard partition (`labels[i] < k`), exactly as one M-step
/// with one-hot responsibilities; the weights are `N_k / Σ N_k`. Also returns the
/// components that received no rows.
pub(crate) fn from_partition<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    labels: &[usize],
    k: usize,
    inp: &MStepInput<'_>,
) -> Result<(GmmParameters, Vec<usize>)> {
    let (n, d) = (x.n_rows(), x.n_cols());
    if labels.len() != n {
        return Err(Error::shape("initial partition", n, labels.len()));
    }
    if let Some(i) = labels.iter().position(|&l| l >= k) {
        return Err(Error::param(
            "init",
            format!(
                "partition label {} at row {i} is not below k = {k}",
                labels[i]
            ),
        ));
    }
    let stats = map_reduce_chunks(
        n,
        Stats::zeros(inp.kind, k, d),
        |range| partition_stats(x, weights, labels, range, k, inp),
        |a, p| a.merge(p),
    );
    Ok(from_stats(&stats, inp))
}

/// The parameters of the partition whose one-hot statistics are `stats`, and the
/// components that received no rows.
pub(crate) fn from_stats(stats: &Stats, inp: &MStepInput<'_>) -> (GmmParameters, Vec<usize>) {
    let empty = (0..stats.nk.len())
        .filter(|&c| stats.nk[c] == 0.0)
        .collect();
    (update(stats, inp), empty)
}

/// The M-step statistics of the rows `range` of `x` with one-hot responsibilities
/// (`labels[i] < k`, indexed as the rows of `x`).
pub(crate) fn partition_stats<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    labels: &[usize],
    range: std::ops::Range<usize>,
    k: usize,
    inp: &MStepInput<'_>,
) -> Stats {
    let d = x.n_cols();
    let mut st = Stats::zeros(inp.kind, k, d);
    let (mut dt, mut r, mut tmp) = (Vec::new(), Vec::new(), Vec::new());
    let mut start = range.start;
    while start < range.end {
        // One-hot responsibilities, the rows transposed (see `Stats::accumulate`).
        let b = BLOCK_ROWS.min(range.end - start);
        dt.clear();
        dt.resize(d * b, 0.0);
        r.clear();
        r.resize(k * b, 0.0);
        for i in 0..b {
            for (j, (v, s)) in x.row(start + i).iter().zip(inp.shift).enumerate() {
                dt[j * b + i] = v.as_f64() - s;
            }
            r[labels[start + i] * b + i] = weights.map_or(1.0, |w| w[start + i].as_f64());
        }
        st.accumulate(inp.kind, &dt, &r, b, d, &mut tmp);
        start += b;
    }
    st
}

/// Checks user-given initial parameters against `k`, `d` and the covariance type, and
/// normalises the weights.
pub(crate) fn from_parameters(
    p: &GmmParameters,
    k: usize,
    d: usize,
    kind: CovarianceType,
) -> Result<GmmParameters> {
    if p.weights.len() != k {
        return Err(Error::shape("initial weights", k, p.weights.len()));
    }
    if p.means.n_rows() != k {
        return Err(Error::shape("initial means (rows)", k, p.means.n_rows()));
    }
    if p.means.n_cols() != d {
        return Err(Error::shape("initial means (columns)", d, p.means.n_cols()));
    }
    if p.covariances.covariance_type() != kind {
        return Err(Error::param(
            "init",
            format!(
                "initial covariances are {} but the covariance type is {kind}",
                p.covariances.covariance_type()
            ),
        ));
    }
    let bad = |what: &str| Err(Error::param("init", format!("{what} must be finite")));
    let wsum: f64 = p.weights.iter().sum();
    if p.weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) || wsum.is_nan() || wsum <= 0.0 {
        return Err(Error::param(
            "init",
            "initial weights must be finite, non-negative and not all zero",
        ));
    }
    if p.means.as_slice().iter().any(|v| !v.is_finite()) {
        return bad("initial means");
    }
    let check_square = |m: &crate::matrix::Mat<f64>| -> Result<()> {
        if m.n_rows() != d || m.n_cols() != d {
            return Err(Error::shape("initial covariance", d, m.n_rows()));
        }
        if m.as_slice().iter().any(|v| !v.is_finite()) {
            return Err(Error::param("init", "initial covariances must be finite"));
        }
        Ok(())
    };
    match &p.covariances {
        Covariances::Full(v) => {
            if v.len() != k {
                return Err(Error::shape("initial covariances", k, v.len()));
            }
            v.iter().try_for_each(check_square)?;
        }
        Covariances::Tied(m) => check_square(m)?,
        Covariances::Diag(m) => {
            if m.n_rows() != k || m.n_cols() != d {
                return Err(Error::shape(
                    "initial diagonal covariances",
                    k * d,
                    m.as_slice().len(),
                ));
            }
            if m.as_slice().iter().any(|v| !v.is_finite()) {
                return bad("initial covariances");
            }
        }
        Covariances::Spherical(v) => {
            if v.len() != k {
                return Err(Error::shape("initial spherical covariances", k, v.len()));
            }
            if v.iter().any(|v| !v.is_finite()) {
                return bad("initial covariances");
            }
        }
    }
    let mut out = p.clone();
    out.weights.iter_mut().for_each(|w| *w /= wsum);
    Ok(out)
}

/// Labels of a k-means partition used to start EM: `partitive::kmeans` with its default
/// seeding ([`KInit::Auto`]: k-means|| on large data, else k-means++), seeded by `seed` for run 0 and by a seed derived from (`seed`, `run`) for
/// later runs.
pub(crate) fn kmeans_labels<T: Float>(
    x: MatRef<'_, T>,
    weights: Option<&[T]>,
    k: usize,
    seed: u64,
    run: u64,
    stop: &crate::interrupt::Interrupt,
) -> Result<Vec<usize>> {
    let result = kmeans_params::<T>(k, seed, run, stop).fit_observed(x, weights, &mut |_| {})?;
    Ok(result.labels)
}

/// The k-means parameters of the initialisation of run `run` (see [`kmeans_labels`]).
pub(crate) fn kmeans_params<T: Float>(
    k: usize,
    seed: u64,
    run: u64,
    stop: &crate::interrupt::Interrupt,
) -> KMeansParams<T> {
    let seed = if run == 0 {
        seed
    } else {
        Rng::with_stream(seed, run).next_u64()
    };
    KMeans::params::<T>(k)
        .seed(seed)
        .n_init(1)
        .init(KInit::Auto)
        .interrupt(stop)
}
