//! FastCLARA: CLARA's sampling with FasterPAM on each sample.
//!
//! L. Kaufman, P. J. Rousseeuw, *Clustering Large Data Sets*, in Pattern Recognition in
//! Practice II, 1986, and *Finding Groups in Data*, Wiley 1990, ch. 3 (CLARA);
//! E. Schubert, P. J. Rousseeuw, *Faster k-Medoids Clustering*, SISAP 2019,
//! arXiv:1810.05691, and *Fast and Eager k-Medoids Clustering*, Information Systems
//! 101, 2021, arXiv:2008.05171 (FastCLARA: the sample is clustered with
//! FastPAM/FasterPAM, so larger samples — default `80 + 4k` — become affordable).
//!
//! Each of `n_samples` samples (seeded, one random stream each) contains the best
//! medoids found so far plus uniformly drawn objects; its `s × s` dissimilarity matrix
//! is computed, clustered by BUILD + FasterPAM, and the medoids are scored by the total
//! loss over *all* objects (one chunked pass). The best sample wins (the earlier one on
//! ties). Memory is `O(s² + n)`; no `n × n` matrix is ever formed.

use super::build::build;
use super::fasterpam::eager_swaps;
use super::result::{finish, KMedoidsDiagnostics, KMedoidsResult};
use super::state::SwapState;
use crate::dissimilarity::{
    materialize, unit_exponent, DenseMatrix, Dissimilarity, Metric, MetricDissimilarity, Scaled,
    Subset,
};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::{Mat, MatRef};
use crate::parallel::{for_each_chunk_mut, map_reduce_chunks};
use crate::rng::Rng;
use std::collections::HashSet;

/// First Rng stream of the samples (stream `STREAM_BASE + t`).
const STREAM_BASE: u64 = 1000;

/// Entry point: `Clara::params(k)`.
#[derive(Debug, Clone, Copy)]
pub struct Clara;

impl Clara {
    /// Defaults: 5 samples of `80 + 4k` objects, seed 0, `max_iter` 100 (FasterPAM
    /// passes per sample).
    pub fn params(k: usize) -> ClaraParams {
        ClaraParams {
            k,
            n_samples: 5,
            sample_size: None,
            seed: 0,
            max_iter: 100,
            metric: Metric::Euclidean,
            interrupt: Interrupt::default(),
        }
    }
}

/// Parameters of FastCLARA (builder; validated by `fit`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaraParams {
    k: usize,
    n_samples: usize,
    sample_size: Option<usize>,
    seed: u64,
    max_iter: usize,
    metric: Metric,
    interrupt: Interrupt,
}

impl ClaraParams {
    /// Number of samples (default 5, ≥ 1).
    pub fn n_samples(mut self, s: usize) -> Self {
        self.n_samples = s;
        self
    }

    /// Objects per sample (default `80 + 4k`; capped at `n`; ≥ k).
    pub fn sample_size(mut self, s: usize) -> Self {
        self.sample_size = Some(s);
        self
    }

    /// Seed of the samples (default 0).
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// FasterPAM passes per sample (default 100, must be ≥ 1).
    pub fn max_iter(mut self, m: usize) -> Self {
        self.max_iter = m;
        self
    }

    /// A token that stops the fit when triggered (polled at every sample, BUILD step
    /// and block of swap candidates; the fit then fails with
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted)).
    pub fn interrupt(mut self, token: &Interrupt) -> Self {
        self.interrupt = token.clone();
        self
    }

    /// The metric between rows when fitting rows (default [`Metric::Euclidean`]); a
    /// [`Dissimilarity`] source brings its own.
    pub fn metric(mut self, m: Metric) -> Self {
        self.metric = m;
        self
    }

    /// The metric between rows.
    pub fn metric_value(&self) -> Metric {
        self.metric
    }

    /// Checks the parameters that do not depend on the data
    /// ([`Params::validate`](crate::estimator::Params::validate)).
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::param("k", "must be at least 1"));
        }
        if self.n_samples == 0 {
            return Err(Error::param("n_samples", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param(
                "max_iter",
                "the iteration limit must be at least 1",
            ));
        }
        if let Some(s) = self.sample_size {
            if s < self.k {
                return Err(Error::param(
                    "sample_size",
                    format!("sample size {s} is smaller than k = {}", self.k),
                ));
            }
        }
        Ok(())
    }

    crate::estimator::params_methods!();

    /// FastCLARA on the rows of `x` under `metric`, distances computed on the fly (as
    /// [`fit`](Self::fit) on rows with [`metric`](Self::metric), without the model's
    /// medoid rows).
    pub fn fit_data<T: Float>(&self, x: MatRef<'_, T>, metric: Metric) -> Result<KMedoidsResult> {
        self.validate()?;
        self.fit_source(&MetricDissimilarity::new(x, metric)?)
    }

    /// FastCLARA on any dissimilarity source (read entry by entry, never as a whole):
    /// what [`fit`](Self::fit) does with a source.
    pub(crate) fn fit_source<D: Dissimilarity>(&self, d: &D) -> Result<KMedoidsResult> {
        self.validate()?;
        let (n, k) = (d.n(), self.k);
        if n == 0 {
            return Err(Error::data("no objects to cluster"));
        }
        if k > n {
            return Err(Error::param(
                "k",
                format!("k = {k} exceeds the number of objects {n}"),
            ));
        }
        // As in `KMedoidsParams::fit`: extreme dissimilarities are used scaled.
        Ok(match unit_exponent(d) {
            Some(e) => {
                let s = Scaled::new(d, e);
                finish(&s, with_labels(&s, self.run(&mut InMemory(&s))?), e)
            }
            None => finish(d, with_labels(d, self.run(&mut InMemory(d))?), 0),
        })
    }

    /// The number of medoids.
    pub(crate) fn n_medoids(&self) -> usize {
        self.k
    }

    /// The samples and their scores over `objects`: the result without labels.
    pub(crate) fn run<O: Objects>(&self, objects: &mut O) -> Result<KMedoidsResult> {
        let (n, k) = (objects.n(), self.k);
        let s = self.sample_size.unwrap_or(80 + 4 * k).min(n);
        let mut best: Option<(Vec<usize>, f64, f64)> = None; // medoids, loss, initial
        let mut run_losses = Vec::with_capacity(self.n_samples);
        let (mut best_run, mut n_swaps, mut evaluated, mut converged) = (0, 0, 0u64, true);
        let stop = &self.interrupt;
        for t in 0..self.n_samples {
            stop.check()?;
            let mut rng = Rng::with_stream(self.seed, STREAM_BASE + t as u64);
            let sample = draw_sample(&mut rng, n, s, best.as_ref().map(|b| &b.0[..]));
            let mat = objects.sample(&sample)?;
            let dm = DenseMatrix::new(mat.view())?;
            let start = build(&dm, k, stop);
            stop.check()?;
            let mut st = SwapState::new(&dm, &start);
            let out = eager_swaps(&dm, &mut st, self.max_iter, None, stop);
            stop.check()?;
            n_swaps += out.n_swaps;
            evaluated += out.evaluated;
            converged &= out.converged;
            let medoids: Vec<usize> = st.medoids.iter().map(|&i| sample[i]).collect();
            let loss = objects.loss(&medoids)?;
            run_losses.push(loss);
            if best.as_ref().is_none_or(|b| loss < b.1) {
                let initial: Vec<usize> = start.iter().map(|&i| sample[i]).collect();
                best = Some((medoids, loss, objects.loss(&initial)?));
                best_run = t;
            }
        }
        let (medoids, loss, initial_loss) = best.expect("n_samples ≥ 1");
        Ok(KMedoidsResult {
            medoids,
            labels: Vec::new(),
            loss,
            n_iter: self.n_samples,
            n_swaps,
            diagnostics: KMedoidsDiagnostics {
                converged,
                initial_loss,
                candidates_evaluated: evaluated,
                run_losses,
                best_run: Some(best_run),
                coincident_medoids: 0,
            },
        })
    }
}

/// Sorted sample of `s` distinct objects containing `keep` (previous best medoids).
fn draw_sample(rng: &mut Rng, n: usize, s: usize, keep: Option<&[usize]>) -> Vec<usize> {
    if s >= n {
        return (0..n).collect();
    }
    let mut set: HashSet<usize> = keep.unwrap_or(&[]).iter().copied().collect();
    let mut out: Vec<usize> = keep.unwrap_or(&[]).to_vec();
    if 2 * s <= n {
        while out.len() < s {
            let c = rng.below(n);
            if set.insert(c) {
                out.push(c);
            }
        }
    } else {
        let mut perm: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut perm);
        for c in perm {
            if out.len() >= s {
                break;
            }
            if set.insert(c) {
                out.push(c);
            }
        }
    }
    out.sort_unstable();
    out
}

/// Where CLARA's objects are: a dissimilarity in memory ([`InMemory`]), or rows spread
/// over the ranks of a job (`super::clara_ranks`).
pub(crate) trait Objects {
    /// The type of the dissimilarities.
    type Value: Float;
    /// Number of objects.
    fn n(&self) -> usize;
    /// The `s × s` dissimilarities among the objects `ids` (sorted, distinct).
    fn sample(&mut self, ids: &[usize]) -> Result<Mat<Self::Value>>;
    /// The loss of `medoids` over all objects: [`chunk_loss`] folded in chunk order.
    fn loss(&mut self, medoids: &[usize]) -> Result<f64>;
}

/// The objects of a dissimilarity source.
struct InMemory<'a, D>(&'a D);

impl<D: Dissimilarity> Objects for InMemory<'_, D> {
    type Value = D::Value;
    fn n(&self) -> usize {
        self.0.n()
    }
    fn sample(&mut self, ids: &[usize]) -> Result<Mat<D::Value>> {
        materialize(&Subset::new(self.0, ids.to_vec())?)
    }
    fn loss(&mut self, medoids: &[usize]) -> Result<f64> {
        let d = self.0;
        Ok(map_reduce_chunks(
            d.n(),
            0.0f64,
            |r| chunk_loss(r, medoids.len(), |o, s| d.get(o, medoids[s])),
            |a, p| *a += p,
        ))
    }
}

/// The loss of the objects `r` of one chunk: `Σ` of the dissimilarity to the nearest of
/// `k` medoids, `dist(o, s)` that of object `o` to medoid `s`.
#[inline]
pub(crate) fn chunk_loss<V: Float>(
    r: std::ops::Range<usize>,
    k: usize,
    dist: impl Fn(usize, usize) -> V,
) -> f64 {
    r.map(|o| nearest(k, |s| dist(o, s)).1).sum::<f64>()
}

/// Nearest of `k` medoids and its dissimilarity, `dist(s)` that to medoid `s` (lowest
/// position on ties).
#[inline]
pub(crate) fn nearest<V: Float>(k: usize, dist: impl Fn(usize) -> V) -> (usize, f64) {
    let mut best = (0usize, dist(0));
    for s in 1..k {
        let v = dist(s);
        if v < best.1 {
            best = (s, v);
        }
    }
    (best.0, best.1.as_f64())
}

/// `r` with the labels of every object of `d` (its nearest medoid).
fn with_labels<D: Dissimilarity>(d: &D, mut r: KMedoidsResult) -> KMedoidsResult {
    let mut labels = vec![0usize; d.n()];
    let medoids = &r.medoids;
    for_each_chunk_mut(&mut labels, 1, |range, out| {
        for (o, l) in range.zip(out.iter_mut()) {
            *l = nearest(medoids.len(), |s| d.get(o, medoids[s])).0;
        }
    });
    r.labels = labels;
    r
}
