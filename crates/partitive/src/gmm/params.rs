//! The parameter builder of [`GaussianMixture`], validated once by [`GmmParams::check`].

use super::covariance::{CovarianceType, GmmParameters};
use super::fit::{fit, EmIterationInfo};
use super::model::GmmModel;
use super::stream::GmmStreamed;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::interrupt::Interrupt;
use crate::matrix::MatRef;
use std::marker::PhantomData;

/// How EM is started.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum GmmInit {
    /// Parameters of a k-means partition (k-means's default seeding — k-means|| on large
    /// data, else k-means++ — seeded by `seed`), the default.
    #[default]
    KMeans,
    /// Parameters of a given hard partition (`labels[i] < k`, one per row).
    Partition(Vec<usize>),
    /// Given weights, means and covariances (the covariance type must match).
    Parameters(GmmParameters),
}

/// Entry point: `GaussianMixture::params::<f64>(k)`.
///
/// ```
/// use partitive::gmm::{CovarianceType, GaussianMixture, GmmInit};
/// use partitive::Mat;
/// let x = Mat::from_rows(&[[0.0f64, 0.1], [0.2, 0.0], [5.0, 5.1], [5.2, 4.9], [0.1, 0.2], [5.1, 5.0]]);
/// let model = GaussianMixture::params::<f64>(2)
///     .covariance(CovarianceType::Spherical)
///     .init(GmmInit::Partition(vec![0, 0, 1, 1, 0, 1]))
///     .fit(x.view())
///     .unwrap();
/// assert_eq!(model.labels, vec![0, 0, 1, 1, 0, 1]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct GaussianMixture;

impl GaussianMixture {
    /// Default parameters for `k` components: full covariances, `reg_covar = 1e-6`
    /// (relative to the data's variance, see [`GmmParams::reg_covar`]),
    /// `tol = 1e-3`, `max_iter = 100`, `n_init = 1`, k-means init, `seed = 0`.
    pub fn params<T: Float>(k: usize) -> GmmParams<T> {
        GmmParams {
            k,
            covariance: CovarianceType::Full,
            reg_covar: 1e-6,
            tol: 1e-3,
            max_iter: 100,
            n_init: 1,
            init: GmmInit::KMeans,
            seed: 0,
            interrupt: Interrupt::default(),
            _t: PhantomData,
        }
    }
}

/// Parameters of a Gaussian mixture fit (builder). Stored unchanged; checked by
/// [`GmmParams::check`] (which `fit` calls).
#[derive(Debug, Clone)]
pub struct GmmParams<T> {
    pub(crate) k: usize,
    pub(crate) covariance: CovarianceType,
    pub(crate) reg_covar: f64,
    pub(crate) tol: f64,
    pub(crate) max_iter: usize,
    pub(crate) n_init: usize,
    pub(crate) init: GmmInit,
    pub(crate) seed: u64,
    pub(crate) interrupt: Interrupt,
    _t: PhantomData<fn() -> T>,
}

impl<T: Float> GmmParams<T> {
    /// Number of components.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
    /// Covariance type (default full).
    pub fn covariance(mut self, c: CovarianceType) -> Self {
        self.covariance = c;
        self
    }
    /// Non-negative regularisation of the covariances, **relative to the data's scale**
    /// (default 1e-6): every M-step adds `reg_covar × v̄` to the covariance diagonals,
    /// `v̄` being the mean over features of the (weighted) per-feature variance of the
    /// data (1 when every feature is constant). Multiplying the data by any constant
    /// therefore multiplies the fitted covariances by its square and changes nothing
    /// else. On standardised data (`v̄ = 1`) this is scikit-learn's `reg_covar`, which is
    /// absolute: for data of variance `v̄`, scikit-learn's `reg_covar = r` is this
    /// `reg_covar = r / v̄`.
    pub fn reg_covar(mut self, v: f64) -> Self {
        self.reg_covar = v;
        self
    }
    /// Convergence threshold on the change of the mean log-likelihood (default 1e-3).
    pub fn tol(mut self, v: f64) -> Self {
        self.tol = v;
        self
    }
    /// Maximum EM iterations per run (default 100; must be ≥ 1, as for every engine of
    /// the crate).
    pub fn max_iter(mut self, v: usize) -> Self {
        self.max_iter = v;
        self
    }
    /// Number of runs from different k-means seeds; the best lower bound wins (default 1).
    pub fn n_init(mut self, v: usize) -> Self {
        self.n_init = v;
        self
    }
    /// How to start EM (default k-means).
    pub fn init(mut self, init: GmmInit) -> Self {
        self.init = init;
        self
    }
    /// Seed of the k-means initialisation (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// A token that stops the fit when triggered (polled at every EM iteration and in
    /// the k-means initialisation; the fit then fails with
    /// [`ErrorKind::Interrupted`](crate::ErrorKind::Interrupted)).
    pub fn interrupt(mut self, token: &Interrupt) -> Self {
        self.interrupt = token.clone();
        self
    }

    /// The number of components.
    pub fn n_components(&self) -> usize {
        self.k
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance
    }

    /// Validates the parameters (data-independent checks only;
    /// [`Params::validate`](crate::estimator::Params::validate)).
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::param("k", "must be at least 1"));
        }
        if !(self.reg_covar.is_finite() && self.reg_covar >= 0.0) {
            return Err(Error::param("reg_covar", "must be finite and non-negative"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param("tol", "must be finite and non-negative"));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param(
                "max_iter",
                "the iteration limit must be at least 1",
            ));
        }
        if self.n_init > 1 && self.init != GmmInit::KMeans {
            return Err(Error::param(
                "n_init",
                "more than one run needs the (seeded) k-means initialisation",
            ));
        }
        Ok(())
    }

    crate::estimator::params_methods!();

    /// Fits the mixture to rows read as a stream of chunks (files larger than memory):
    /// `pass` is called once per pass over the rows and hands every row over, in order,
    /// in chunks of a multiple of [`crate::parallel::CHUNK_ROWS`] rows (the last may be
    /// shorter). The model (weights, means, covariances, lower bound, iteration count,
    /// criteria, diagnostics) is bitwise that of [`Self::fit`] on the same rows (without
    /// weights), and [`GmmStreamed::labels`] gives its labels; memory does not grow with
    /// the number of rows. See `gmm::stream` (module docs) for the passes made and the
    /// restrictions; `observer` is called after every EM iteration.
    ///
    /// # Errors
    /// As [`Self::fit`]; a pass that gives other rows than the first, misaligned chunks,
    /// or data that would need rescaling, are errors; errors of `pass` are returned as is.
    pub fn fit_passes<E: From<Error>>(
        &self,
        pass: &mut crate::ppp::Pass<'_, T, E>,
        observer: &mut dyn FnMut(&EmIterationInfo),
    ) -> std::result::Result<GmmStreamed, E> {
        super::stream::fit_passes(self, pass, observer)
    }

    /// Fits the mixture to rows spread across the ranks of a job
    /// ([`crate::distributed`]): this rank holds the rows `x`, rows
    /// `first_row..first_row + x.n_rows()` of the whole. The ranks' rows must tile the
    /// whole in rank order, each rank's starting at a multiple of
    /// [`crate::parallel::CHUNK_ROWS`] (a rank may hold none). Every rank calls this with
    /// the same parameters and gets the same model, bitwise that of [`Self::fit_passes`]
    /// over the whole — hence of [`Self::fit`] (without weights) — for any number of
    /// ranks and threads; [`GmmStreamed::labels`] gives the labels of a rank's rows.
    ///
    /// # Errors
    /// As [`Self::fit_passes`]; every rank returns the same error (the checks see
    /// gathered values), and misplaced rows are [`crate::ErrorKind::InvalidParameter`]
    /// errors of `rows`.
    pub fn fit_distributed<X: crate::distributed::Exchange + ?Sized>(
        &self,
        x: MatRef<'_, T>,
        first_row: usize,
        exchange: &X,
        observer: &mut dyn FnMut(&EmIterationInfo),
    ) -> Result<GmmStreamed> {
        super::stream::fit_distributed(self, x, first_row, exchange, observer)
    }

    /// Fits the mixture to the rows of `x` (optionally weighted) by EM, calling
    /// `observer` after every EM iteration; [`GmmParams::fit`] is this without one.
    pub fn fit_observed(
        &self,
        x: MatRef<'_, T>,
        weights: Option<&[T]>,
        observer: &mut dyn FnMut(&EmIterationInfo),
    ) -> Result<GmmModel> {
        fit(self, x, weights, observer)
    }
}
