//! Parameters of k-means: a builder ([`KMeansParams`]) checked once into
//! [`KMeansValidParams`] (the crate's [estimator contract](crate::estimator)).

use crate::error::{Error, Result};
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::Mat;

/// How the initial centers are chosen.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Init<T> {
    /// [`Init::KMeansParallel`] when the data are large against `k` (at least
    /// [`PARALLEL_MIN_ROWS_PER_CENTER`] rows per center and `n·k` at least
    /// [`PARALLEL_MIN_WORK`]), [`Init::KMeansPlusPlus`] otherwise; the choice is reported
    /// in [`KMeansDiagnostics::seeding`](super::KMeansDiagnostics::seeding). The default.
    #[default]
    Auto,
    /// Greedy k-means++ (Arthur & Vassilvitskii, SODA 2007): each new center is the best of
    /// `2 + ⌊ln k⌋` candidates drawn with probability ∝ weight × squared distance to the
    /// nearest chosen center. `k` passes over the data. Seeded by [`KMeansParams::seed`];
    /// restart `r` uses stream `r` of the seed.
    KMeansPlusPlus,
    /// k-means|| (Bahmani et al., *Scalable K-Means++*, PVLDB 5(7), 2012,
    /// arXiv:1203.6402): two rounds each draw about `2k` rows at once with probability ∝
    /// weight × squared distance to the nearest candidate so far (one pass of the
    /// assignment kernel per round), and the candidates, weighted by the rows nearest to
    /// them, are reclustered by greedy k-means++ and up to ten weighted Lloyd iterations
    /// (restarted up to 8 times when the candidates are few against the rows). Three
    /// passes over the data instead of `k`. Seeded like [`Init::KMeansPlusPlus`]; the
    /// same centers for any thread count.
    KMeansParallel,
    /// Deterministic farthest-first (maximin) seeding, no randomness: the first center is
    /// the row nearest the weighted mean, each next one the row farthest from its nearest
    /// chosen center (positive weight only, lowest index on ties). `n_init` is ignored.
    Deterministic,
    /// User-given `k × d` initial centers. `n_init` is ignored.
    Centers(Mat<T>),
}

/// [`Init::Auto`] uses k-means|| only with at least this many rows per center: its
/// candidates (about `2k`) are then a small sample of the rows, and reclustering them
/// costs little next to the passes over the data it saves.
pub const PARALLEL_MIN_ROWS_PER_CENTER: usize = 64;

/// [`Init::Auto`] uses k-means|| only when `n·k` is at least this (2²⁰): below it greedy
/// k-means++ takes a few milliseconds, and small fits keep k-means++'s results.
pub const PARALLEL_MIN_WORK: usize = 1 << 20;

/// Which assignment algorithm runs. All give the same labels and centers, iteration by
/// iteration, from the same start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// Choose automatically (the choice is reported in the diagnostics).
    #[default]
    Auto,
    /// Plain Lloyd iterations (S. Lloyd, *Least squares quantization in PCM*, IEEE TIT 1982,
    /// doi:10.1109/TIT.1982.1056489): every row against every center, each iteration.
    Lloyd,
    /// Lloyd with Hamerly's bounds (G. Hamerly, *Making k-means even faster*, SDM 2010,
    /// doi:10.1137/1.9781611972801.12): rows whose bounds prove their label are skipped,
    /// and the cluster sums are updated by the rows that changed cluster only (8 bytes of
    /// bounds per row). What [`Algorithm::Auto`] picks for fewer than 512 centers unless
    /// rows are tiny.
    Hamerly,
    /// Lloyd with Yinyang's grouped bounds (Y. Ding et al., *Yinyang K-Means: A Drop-In
    /// Replacement of the Classic K-Means with Consistent Speedup*, ICML 2015, PMLR
    /// 37:579–587): per row, one lower bound per group of centers (up to 8 groups,
    /// `4 (1 + groups)` bytes per row); only the groups the bounds cannot exclude are
    /// evaluated, and the cluster sums are updated by the rows that changed cluster
    /// only. Costs more per evaluated row than Hamerly but evaluates far fewer with many
    /// centers: [`Algorithm::Auto`] picks it from 512 centers on when its bounds take at
    /// most a third of the data's memory.
    Yinyang,
}

/// Entry point: `KMeans::params(k)` starts the builder.
#[derive(Debug, Clone, Copy)]
pub struct KMeans;

impl KMeans {
    /// Parameters for `k` clusters with the defaults: [`Init::Auto`], seed 0,
    /// `n_init = 1`, `max_iter = 300`, `tol = 1e-4`, [`Algorithm::Auto`].
    pub fn params<T: Float>(k: usize) -> KMeansParams<T> {
        KMeansParams {
            k,
            seed: 0,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            init: Init::Auto,
            algorithm: Algorithm::Auto,
            interrupt: Interrupt::default(),
        }
    }
}

/// Unchecked k-means parameters (a builder, consumed by value).
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams<T> {
    pub(crate) k: usize,
    pub(crate) seed: u64,
    pub(crate) n_init: usize,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    pub(crate) init: Init<T>,
    pub(crate) algorithm: Algorithm,
    pub(crate) interrupt: Interrupt,
}

impl<T: Float> KMeansParams<T> {
    /// Seed of the k-means++ / k-means|| initialisation (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Number of restarts; the one with the lowest inertia is kept (default 1, must be ≥ 1).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Iteration limit per restart (default 300, must be ≥ 1).
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Relative tolerance (default 1e-4, finite, ≥ 0): a run converges when the total
    /// squared center shift is ≤ `tol ×` the mean of the per-feature variances of the data
    /// (as scikit-learn). `0` stops only when the centers stop moving.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Initialisation method (default [`Init::Auto`]).
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = init;
        self
    }

    /// Assignment algorithm (default [`Algorithm::Auto`]).
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// A token that stops the fit when triggered (polled at every iteration, seeding
    /// step and restart; the fit then fails with
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted)).
    pub fn interrupt(mut self, token: &Interrupt) -> Self {
        self.interrupt = token.clone();
        self
    }

    /// The data-independent checks ([`Params::validate`](crate::estimator::Params::validate)).
    pub(crate) fn check_ref(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::param(
                "k",
                "the number of clusters must be at least 1",
            ));
        }
        if self.k > u32::MAX as usize {
            return Err(Error::param(
                "k",
                "the number of clusters must fit in 32 bits",
            ));
        }
        if self.n_init == 0 {
            return Err(Error::param(
                "n_init",
                "the number of restarts must be at least 1",
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::param(
                "max_iter",
                "the iteration limit must be at least 1",
            ));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param(
                "tol",
                format!("the tolerance must be finite and >= 0, got {}", self.tol),
            ));
        }
        if let Init::Centers(c) = &self.init {
            if c.n_rows() != self.k {
                return Err(Error::shape(
                    "initial centers (rows = k)",
                    self.k,
                    c.n_rows(),
                ));
            }
            if c.n_cols() == 0 {
                return Err(Error::param("init", "initial centers have no columns"));
            }
            if let Err(e) = c.view().check_finite() {
                return Err(Error::param("init", format!("initial centers: {e}")));
            }
        }
        Ok(())
    }
}

/// Checked k-means parameters ([`Params::check`](crate::estimator::Params::check)).
pub type KMeansValidParams<T> = crate::estimator::Checked<KMeansParams<T>>;

impl<T: Float> KMeansParams<T> {
    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.k
    }
}
