//! Parameters of a k-medoids fit: builder, validation, dispatch.

use super::result::{finish, KMedoidsResult};
use super::{alternating, clarans, fasterpam, fastpam1, init, pam};
use crate::dissimilarity::{unit_exponent, Dissimilarity, Metric, Scaled};
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// The swap or update strategy.
#[derive(Debug, Clone, PartialEq)]
pub enum Algorithm {
    /// Original PAM SWAP (Kaufman & Rousseeuw): each iteration evaluates every
    /// (medoid, non-medoid) pair in O(n) and applies the best. O(k(n−k)n) per iteration.
    Pam,
    /// FastPAM1 (Schubert & Rousseeuw 2019/2021): same swaps as PAM, each iteration in
    /// O((n−k)n) by evaluating all k removals of a candidate at once.
    FastPam1,
    /// FasterPAM (Schubert & Rousseeuw 2021): eager swaps — the first improving swap of
    /// each candidate is applied immediately. Parallel runs give the sequential result.
    FasterPam,
    /// Alternating ("k-means style", Park & Jun 2009): assign to the nearest medoid,
    /// then make each cluster's medoid the member minimising the within-cluster sum.
    Alternating,
    /// FastCLARANS (Ng & Han 2002; Schubert & Rousseeuw 2021): `num_local` randomised
    /// local searches from random medoids; a search stops after `max_neighbor`
    /// consecutive random candidates without improvement (each candidate evaluated
    /// against all k medoids at once). `None` = `⌈max(250, 1.25 % · k(n−k)) / k⌉`,
    /// i.e. Ng & Han's number of examined pairs. Ignores `init` (random starts); each
    /// search applies at most `max_iter · k` swaps.
    FastClarans {
        /// Number of local searches (≥ 1).
        num_local: usize,
        /// Consecutive non-improving candidates ending a search (≥ 1), or the default.
        max_neighbor: Option<usize>,
    },
}

/// How the initial medoids are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    /// PAM's greedy BUILD (deterministic, O(n²k)).
    Build,
    /// `k` distinct objects uniformly at random (seeded).
    Random,
    /// k-medoids++: seeding with probability proportional to the dissimilarity to the
    /// nearest chosen medoid (seeded).
    KMedoidsPlusPlus,
    /// LAB, linear approximative BUILD on subsamples of `10 + ⌈√n⌉` (seeded).
    Lab,
    /// These medoids (`k` distinct object indices).
    Given(Vec<usize>),
}

/// Entry point: `KMedoids::params(k)`.
#[derive(Debug, Clone, Copy)]
pub struct KMedoids;

impl KMedoids {
    /// Default parameters for `k` medoids: FasterPAM from BUILD, seed 0, `max_iter` 100.
    pub fn params(k: usize) -> KMedoidsParams {
        KMedoidsParams {
            k,
            algorithm: Algorithm::FasterPam,
            init: Init::Build,
            seed: 0,
            max_iter: 100,
            shuffle: false,
            metric: Metric::Euclidean,
            interrupt: Interrupt::default(),
        }
    }
}

/// Parameters of a k-medoids fit (builder; validated by [`fit`](Self::fit)).
#[derive(Debug, Clone, PartialEq)]
pub struct KMedoidsParams {
    k: usize,
    algorithm: Algorithm,
    init: Init,
    seed: u64,
    max_iter: usize,
    shuffle: bool,
    metric: Metric,
    interrupt: Interrupt,
}

impl KMedoidsParams {
    /// The algorithm (default [`Algorithm::FasterPam`]).
    pub fn algorithm(mut self, a: Algorithm) -> Self {
        self.algorithm = a;
        self
    }

    /// The initialisation (default [`Init::Build`]).
    pub fn init(mut self, i: Init) -> Self {
        self.init = i;
        self
    }

    /// Seed of the random choices (default 0).
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Maximum iterations (see [`KMedoidsResult::n_iter`]; default 100; must be ≥ 1,
    /// as for every engine of the crate).
    pub fn max_iter(mut self, m: usize) -> Self {
        self.max_iter = m;
        self
    }

    /// FasterPAM only: visit the swap candidates in a seeded random order instead of
    /// index order (default `false`).
    pub fn shuffle(mut self, s: bool) -> Self {
        self.shuffle = s;
        self
    }

    /// A token that stops the fit when triggered (polled at every BUILD step, swap
    /// iteration and block of FasterPAM candidates; the fit then fails with
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

    /// The number of medoids.
    pub fn k(&self) -> usize {
        self.k
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
        if self.max_iter == 0 {
            return Err(Error::param(
                "max_iter",
                "the iteration limit must be at least 1",
            ));
        }
        if let Algorithm::FastClarans {
            num_local,
            max_neighbor,
        } = self.algorithm
        {
            if num_local == 0 {
                return Err(Error::param("num_local", "must be at least 1"));
            }
            if max_neighbor == Some(0) {
                return Err(Error::param("max_neighbor", "must be at least 1"));
            }
        }
        if let Init::Given(m) = &self.init {
            if m.len() != self.k {
                return Err(Error::shape("initial medoids", self.k, m.len()));
            }
        }
        Ok(())
    }

    crate::estimator::params_methods!();

    /// Clusters the `n` objects of `d` into `k` medoids (what [`fit`](Self::fit) does
    /// with a dissimilarity source).
    ///
    /// Fails on invalid parameters, `k > n`, or invalid given medoids. The thread count
    /// is the current rayon pool's; results do not depend on it.
    pub(crate) fn fit_source<D: Dissimilarity>(&self, d: &D) -> Result<KMedoidsResult> {
        self.validate()?;
        let n = d.n();
        if n == 0 {
            return Err(Error::data("no objects to cluster"));
        }
        if self.k > n {
            return Err(Error::param(
                "k",
                format!("k = {} exceeds the number of objects {n}", self.k),
            ));
        }
        // Dissimilarities (or their sums) beyond what the arithmetic takes are used
        // scaled by a power of two; the medoids do not change, the losses are mapped
        // back.
        Ok(match unit_exponent(d) {
            Some(e) => {
                let s = Scaled::new(d, e);
                finish(&s, self.run(&s)?, e)
            }
            None => finish(d, self.run(d)?, 0),
        })
    }

    /// The chosen algorithm on checked parameters.
    fn run<D: Dissimilarity>(&self, d: &D) -> Result<KMedoidsResult> {
        let n = d.n();
        if let Algorithm::FastClarans {
            num_local,
            max_neighbor,
        } = self.algorithm
        {
            let mn = max_neighbor.unwrap_or_else(|| clarans::default_max_neighbor(n, self.k));
            let r = clarans::fast_clarans(
                d,
                self.k,
                num_local,
                mn,
                self.max_iter,
                self.seed,
                &self.interrupt,
            )?;
            self.interrupt.check()?;
            return Ok(r);
        }
        let stop = &self.interrupt;
        let start = init::initial_medoids(d, self.k, &self.init, self.seed, stop)?;
        stop.check()?;
        let r = match self.algorithm {
            Algorithm::Pam => pam::pam(d, start, self.max_iter, stop),
            Algorithm::FastPam1 => fastpam1::fastpam1(d, start, self.max_iter, stop),
            Algorithm::FasterPam => fasterpam::fasterpam(
                d,
                start,
                self.max_iter,
                self.shuffle.then_some(self.seed),
                stop,
            ),
            Algorithm::Alternating => alternating::alternating(d, start, self.max_iter, stop),
            Algorithm::FastClarans { .. } => unreachable!("handled above"),
        };
        stop.check()?;
        Ok(r)
    }
}
