"""``partitive.KMeans``: k-means over the Rust engine ``partitive::kmeans``."""

from __future__ import annotations

import numpy as np

from . import _partitive
from ._base import (
    BaseEstimator,
    ClusterMixin,
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


class KMeans(ClusterMixin, BaseEstimator):
    """K-means clustering (Lloyd iterations) with k-means++ or deterministic seeding.

    The fit runs in Rust with the GIL released, on all cores, and gives bitwise-identical
    results for any number of threads. ``float32`` and ``float64`` C-contiguous inputs
    are used without a copy; other inputs are converted to ``float64``.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters ``k``.
    init : {'k-means++', 'deterministic'} or array-like of shape (n_clusters, n_features), \
default='k-means++'
        Initial centers. ``'k-means++'``: greedy k-means++ seeding (Arthur & Vassilvitskii,
        SODA 2007) drawn with ``random_state``. ``'deterministic'``: farthest-first seeding
        from the row nearest the mean, no randomness. An array gives the centers
        (``n_init`` is then ignored).
    n_init : int or 'auto', default=1
        Number of k-means++ restarts; the one with the lowest inertia is kept.
        ``'auto'`` means 1.
    max_iter : int, default=300
        Iteration limit of each restart (>= 1, as for every estimator here).
    tol : float, default=1e-4
        Relative tolerance: a run converges when the total squared center shift is at
        most ``tol`` times the mean per-feature variance of ``X`` (as scikit-learn).
    random_state : int, RandomState, Generator or None, default=0
        Seed of the k-means++ seeding. An int gives reproducible results (the default
        is fixed); ``None`` draws a seed from NumPy's global generator.
    algorithm : {'auto', 'lloyd', 'hamerly', 'yinyang'}, default='auto'
        Assignment algorithm. All give the same labels from the same start;
        ``'hamerly'`` prunes distance computations with bounds.
    n_jobs : int or None, default=None
        Worker threads (``None`` or ``-1``: all logical CPUs; ``-2``: all but one).
        Results do not depend on it. More than 4 per logical CPU are capped, with a
        warning.

    Notes
    -----
    Data of any finite magnitude are clustered correctly: data whose squared
    distances would overflow or underflow are clustered on a copy scaled by a power of
    two (exact), and the centers mapped back (``inertia_`` is ``inf`` when it exceeds
    the float range). Ctrl-C interrupts a fit (``KeyboardInterrupt``) within one
    iteration. With fewer distinct rows than ``n_clusters``, some centers coincide and
    a ``ConvergenceWarning`` says so (as in scikit-learn).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Cluster centers, of the dtype of the training data.
    labels_ : ndarray of shape (n_samples,), dtype int64
        Cluster of each training row (nearest final center, lowest index on ties).
    inertia_ : float
        Sum of (weighted) squared distances of the rows to their centers.
    n_iter_ : int
        Iterations run by the kept restart.
    converged_ : bool
        Whether the kept restart converged within ``max_iter``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features, when ``X`` has string column names (with scikit-learn).

    See Also
    --------
    GaussianMixture : soft clustering with covariances.
    KMedoids : centers constrained to data rows, any dissimilarity.

    Examples
    --------
    >>> import numpy as np
    >>> from partitive import KMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]], dtype=float)
    >>> km = KMeans(n_clusters=2, init="deterministic").fit(X)
    >>> bool(km.labels_[0] == km.labels_[1] != km.labels_[3])
    True
    >>> km.cluster_centers_[km.predict([[0, 0]])[0]].tolist()
    [1.0, 2.0]
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init=1,
        max_iter=300,
        tol=1e-4,
        random_state=0,
        algorithm="auto",
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.algorithm = algorithm
        self.n_jobs = n_jobs

    def fit(self, X, y=None, sample_weight=None):
        """Computes k-means clustering.

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
        self : KMeans
            The fitted estimator.
        """
        X = validate_X(self, X, reset=True)
        k = check_int("n_clusters", self.n_clusters, 1)
        n = X.shape[0]
        if n < k:
            raise ValueError(f"n_samples={n} should be >= n_clusters={k}.")
        w = validate_sample_weight(sample_weight, X)
        init, centers = self._init_for(X, k)
        n_init = 1 if self.n_init == "auto" else check_int("n_init", self.n_init, 1)
        r = _partitive.kmeans_fit(
            X,
            k,
            sample_weight=w,
            init=init,
            init_centers=centers,
            n_init=n_init,
            max_iter=check_int("max_iter", self.max_iter, 1),
            tol=check_float("tol", self.tol),
            seed=seed_of(self.random_state),
            algorithm=check_choice("algorithm", self.algorithm, ("auto", "lloyd", "hamerly", "yinyang")),
            n_threads=threads_of(self.n_jobs),
        )
        self.cluster_centers_ = r["cluster_centers"]
        self.labels_ = r["labels"]
        self.inertia_ = r["inertia"]
        self.n_iter_ = r["n_iter"]
        self.converged_ = r["converged"]
        self._rust_fit_seconds = r["rust_seconds"]
        if not self.converged_:
            warn_not_converged(self, self.n_iter_)
        distinct = len(np.unique(self.cluster_centers_, axis=0))
        if distinct < k:
            warn_fewer_distinct(self, distinct, k)
        return self

    def _init_for(self, X, k):
        """The engine's ``init`` string and initial centers (or ``None``)."""
        init = self.init
        if isinstance(init, str):
            return check_choice("init", init, ("k-means++", "deterministic")), None
        centers = np.ascontiguousarray(np.asarray(init), dtype=X.dtype)
        if centers.shape != (k, X.shape[1]):
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match "
                f"(n_clusters, n_features) = {(k, X.shape[1])}."
            )
        return "centers", centers

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fits and returns the cluster of each row (``labels_``).

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

    def predict(self, X):
        """Nearest fitted center of each row (lowest index on ties).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self._assign(X)["labels"]

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the inertia of ``X`` on the fitted centers (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows.

        Returns
        -------
        score : float
            ``-sum(w_i * ||x_i - c(x_i)||^2)``.
        """
        if sample_weight is None:
            return -self._assign(X)["inertia"]
        check_is_fitted(self, "cluster_centers_")
        Xv = validate_X(self, X, reset=False)
        w = validate_sample_weight(sample_weight, Xv)
        labels = self._assign(Xv)["labels"]
        diff = Xv.astype(np.float64) - self.cluster_centers_[labels]
        return -float(np.dot(w.astype(np.float64), np.einsum("ij,ij->i", diff, diff)))

    def _assign(self, X):
        check_is_fitted(self, "cluster_centers_")
        X = validate_X(self, X, reset=False)
        centers = np.ascontiguousarray(self.cluster_centers_, dtype=X.dtype)
        return _partitive.kmeans_predict(X, centers, n_threads=threads_of(self.n_jobs))
