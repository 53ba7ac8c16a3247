"""``partitive.GaussianMixture``: Gaussian mixtures by EM over ``partitive::gmm``."""

from __future__ import annotations

import numpy as np

from . import _partitive
from ._base import (
    BaseEstimator,
    ClusterMixin,
    DensityMixin,
    check_choice,
    check_float,
    check_int,
    check_is_fitted,
    seed_of,
    threads_of,
    validate_sample_weight,
    validate_X,
    warn_fewer_distinct,
    warn_not_converged,
)

_COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")


class GaussianMixture(ClusterMixin, DensityMixin, BaseEstimator):
    """Gaussian mixture model fitted by expectation-maximisation.

    Conventions follow scikit-learn's ``GaussianMixture`` (``tol`` on the change of the
    mean log-likelihood, ``lower_bound_``), so fits from the same start agree — except
    that ``reg_covar`` is relative to the data's scale (see below), which makes the fit
    independent of the data's units. The E- and
    M-steps run in Rust with the GIL released; results are bitwise identical for any
    number of threads. A covariance that is not positive definite is regularised further
    and reported in ``diagnostics_`` rather than raising.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components.
    covariance_type : {'full', 'diag', 'spherical', 'tied'}, default='full'
        Shape of the component covariances.
    tol : float, default=1e-3
        Convergence threshold on the change of the mean log-likelihood.
    reg_covar : float, default=1e-6
        Non-negative regularisation, **relative to the data's scale**: every M-step adds
        ``reg_covar * v`` to the covariance diagonals, ``v`` being the mean over
        features of the per-feature variance of ``X`` (1 when every feature is
        constant). scikit-learn's ``reg_covar`` is absolute: on standardised data
        (``v = 1``) the two agree; otherwise scikit-learn's ``r`` is this ``r / v``.
    max_iter : int, default=100
        EM iterations per run (>= 1, as for every estimator here).
    n_init : int, default=1
        Runs from different k-means++ seeds; the best lower bound is kept.
    init_params : {'kmeans'}, default='kmeans'
        Start: the parameters of a k-means partition (k-means++ seeded by
        ``random_state``). Ignored when ``weights_init``, ``means_init`` and
        ``covariances_init`` are given.
    weights_init : array-like of shape (n_components,), default=None
        Initial weights (with ``means_init`` and ``covariances_init``).
    means_init : array-like of shape (n_components, n_features), default=None
        Initial means.
    covariances_init : array-like, default=None
        Initial covariances, shaped like ``covariances_``.
    random_state : int, RandomState, Generator or None, default=0
        Seed of the k-means++ start. ``None`` draws a seed from NumPy's global
        generator.
    n_jobs : int or None, default=None
        Worker threads (``None`` or ``-1``: all logical CPUs). Results do not depend on
        it. More than 4 per logical CPU are capped, with a warning.

    Notes
    -----
    Full and tied covariances need more rows than features (otherwise every
    covariance is singular): with ``n_samples <= n_features`` they raise
    ``ValueError``; use 'diag' or 'spherical'. Data whose magnitude the arithmetic
    cannot take are fitted on a copy scaled by a power of two and the model mapped back;
    when its covariances cannot be represented (values beyond about ``1e150``), fitting
    raises ``ValueError``. Ctrl-C interrupts a fit (``KeyboardInterrupt``) within one
    EM iteration.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixing weights.
    means_ : ndarray of shape (n_components, n_features)
        Component means.
    covariances_ : ndarray
        Covariances: ``(n_components, n_features, n_features)`` for 'full',
        ``(n_components, n_features)`` for 'diag', ``(n_components,)`` for
        'spherical', ``(n_features, n_features)`` for 'tied'.
    precisions_cholesky_ : ndarray
        Upper-triangular Cholesky factors ``U`` of the precisions (``Σ⁻¹ = U Uᵀ``),
        shaped like ``covariances_`` (``1/σ`` for 'diag' and 'spherical').
    precisions_ : ndarray
        Precision matrices, shaped like ``covariances_``.
    labels_ : ndarray of shape (n_samples,), dtype int64
        Most probable component of each training row.
    converged_ : bool
        Whether the kept run met ``tol`` within ``max_iter``.
    n_iter_ : int
        EM iterations of the kept run.
    lower_bound_ : float
        Mean log-likelihood of the last E-step of the kept run.
    bic_, aic_, icl_ : float
        Bayesian and Akaike information criteria and the integrated completed
        likelihood of the training data (lower is better).
    diagnostics_ : dict
        Degenerate outcomes: ``regularized`` (iteration, component, amount added),
        ``empty_initial_components``, ``collapsed_components``,
        ``underpopulated_components``, ``constant_columns``, ``underflow_rows``.
    n_features_in_ : int
        Number of features seen during ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from partitive import GaussianMixture
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]], dtype=float)
    >>> gm = GaussianMixture(n_components=2, covariance_type="diag").fit(X)
    >>> sorted(gm.means_[:, 0].round(6).tolist())
    [1.0, 10.0]
    >>> bool(gm.predict([[0, 0]])[0] == gm.predict([[1, 1]])[0])
    True
    """

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weights_init=None,
        means_init=None,
        covariances_init=None,
        random_state=0,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.covariances_init = covariances_init
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None, sample_weight=None):
        """Estimates the mixture parameters by EM.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. C-contiguous ``float32``/``float64`` arrays are not copied.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows (``None``: all 1).

        Returns
        -------
        self : GaussianMixture
            The fitted estimator.
        """
        X = validate_X(self, X, reset=True)
        k = check_int("n_components", self.n_components, 1)
        n = X.shape[0]
        if n < k:
            raise ValueError(f"n_samples={n} should be >= n_components={k}.")
        kind = check_choice("covariance_type", self.covariance_type, _COVARIANCE_TYPES)
        check_choice("init_params", self.init_params, ("kmeans",))
        inits = (self.weights_init, self.means_init, self.covariances_init)
        given = [a is not None for a in inits]
        if any(given) and not all(given):
            raise ValueError(
                "weights_init, means_init and covariances_init must be given together"
            )
        init = {}
        if all(given):
            init = {
                name: np.ascontiguousarray(a, dtype=np.float64)
                for name, a in zip(("weights_init", "means_init", "covariances_init"), inits)
            }
        try:
            r = self._fit_native(X, k, kind, sample_weight, init)
        except ValueError as e:
            if "more rows than columns" in str(e):  # (scikit-learn's wording)
                raise ValueError(
                    f"covariance_type={kind!r} needs more samples than features "
                    f"(n_samples = {n}, n_features = {X.shape[1]}): every covariance "
                    "would be singular; use 'diag' or 'spherical'"
                ) from None
            raise
        self._store(r, kind)
        if not self.converged_:
            warn_not_converged(self, self.n_iter_)
        distinct = len(np.unique(self.means_, axis=0))
        if distinct < k:
            warn_fewer_distinct(self, distinct, k)
        return self

    def _fit_native(self, X, k, kind, sample_weight, init):
        return _partitive.gmm_fit(
            X,
            k,
            covariance_type=kind,
            sample_weight=validate_sample_weight(sample_weight, X),
            tol=check_float("tol", self.tol),
            reg_covar=check_float("reg_covar", self.reg_covar),
            max_iter=check_int("max_iter", self.max_iter, 1),
            n_init=check_int("n_init", self.n_init, 1),
            seed=seed_of(self.random_state),
            n_threads=threads_of(self.n_jobs),
            **init,
        )

    def _store(self, r, kind):
        self.weights_ = r["weights"]
        self.means_ = r["means"]
        self.covariances_ = r["covariances"]
        self.precisions_cholesky_ = r["precisions_cholesky"]
        self.precisions_ = _precisions(self.precisions_cholesky_, kind)
        self._data_mean = r["data_mean"]
        self.labels_ = r["labels"]
        self.converged_ = r["converged"]
        self.n_iter_ = r["n_iter"]
        self.lower_bound_ = r["lower_bound"]
        self.bic_ = r["bic"]
        self.aic_ = r["aic"]
        self.icl_ = r["icl"]
        self.diagnostics_ = r["diagnostics"]
        self._n_parameters = r["n_parameters"]
        self._rust_fit_seconds = r["rust_seconds"]

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fits and returns the most probable component of each row (``labels_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    def _eval(self, X, what):
        check_is_fitted(self, "means_")
        X = validate_X(self, X, reset=False)
        return _partitive.gmm_eval(
            X,
            what,
            covariance_type=self.covariance_type,
            weights=np.ascontiguousarray(self.weights_, dtype=np.float64),
            means=np.ascontiguousarray(self.means_, dtype=np.float64),
            covariances=np.ascontiguousarray(self.covariances_, dtype=np.float64),
            precisions_cholesky=np.ascontiguousarray(self.precisions_cholesky_, dtype=np.float64),
            data_mean=np.ascontiguousarray(self._data_mean, dtype=np.float64),
        )

    def predict(self, X):
        """Most probable component of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self._eval(X, "predict")

    def predict_proba(self, X):
        """Posterior probability of each component for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Rows sum to one.
        """
        return self._eval(X, "predict_proba")

    def score_samples(self, X):
        """Log-likelihood ``ln p(x)`` of each row under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        """
        return self._eval(X, "score_samples")

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        log_likelihood : float
        """
        return float(np.mean(self.score_samples(X)))

    def bic(self, X):
        """Bayesian information criterion of the model on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bic : float
        """
        s = self.score_samples(X)
        return float(-2.0 * s.sum() + self._n_parameters * np.log(s.shape[0]))

    def aic(self, X):
        """Akaike information criterion of the model on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        aic : float
        """
        s = self.score_samples(X)
        return float(-2.0 * s.sum() + 2.0 * self._n_parameters)


def _precisions(chol, kind):
    """Precisions from their Cholesky factors ``U`` (``Σ⁻¹ = U Uᵀ``)."""
    if kind == "full":
        return np.einsum("kij,klj->kil", chol, chol)
    if kind == "tied":
        return chol @ chol.T
    return chol**2
