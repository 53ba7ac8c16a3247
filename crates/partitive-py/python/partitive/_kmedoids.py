"""``partitive.KMedoids`` and ``partitive.CLARA``: k-medoids over ``partitive::kmedoids``."""

from __future__ import annotations


import numpy as np

from . import _gower, _partitive
from ._base import (
    HAVE_SKLEARN,
    BaseEstimator,
    ClusterMixin,
    check_choice,
    check_int,
    check_is_fitted,
    seed_of,
    validate_X,
    threads_of,
    warn_fewer_distinct,
    warn_not_converged,
)

_METRICS = (
    "euclidean",
    "sqeuclidean",
    "manhattan",
    "cityblock",
    "l1",
    "chebyshev",
    "cosine",
    "hamming",
    "jaccard",
    "precomputed",
)
# KMedoids only: mixed numeric and categorical columns.
_GOWER = "gower"

_METHODS = ("fasterpam", "fastpam1", "pam", "alternate", "fastclarans")
_INITS = ("build", "random", "k-medoids++", "lab")


def _check_finite_dissimilarities(X):
    """Raises for NaN or inf in a precomputed matrix (checked before its shape, so that
    the message names the real problem)."""
    a = np.asarray(X) if not hasattr(X, "nnz") else None
    if a is not None and a.dtype.kind in "fc" and not np.isfinite(a).all():
        raise ValueError("Input contains NaN or inf dissimilarities")


def _fit_native(fit, X, k, **kwargs):
    """Calls the engine; a negative precomputed dissimilarity gets scikit-learn's
    wording ("Negative values in data") in front of the engine's message."""
    try:
        return fit(X, k, **kwargs)
    except ValueError as e:
        if "negative dissimilarity" in str(e):
            raise ValueError(f"Negative values in data passed to a precomputed metric: {e}") from None
        raise


class _MedoidsMixin:
    """What KMedoids and CLARA share: the fitted attributes and prediction."""

    def _check_data(self, X):
        X = validate_X(self, X, reset=True)
        k = check_int("n_clusters", self.n_clusters, 1)
        n = X.shape[0]
        if n < k:
            raise ValueError(f"n_samples={n} should be >= n_clusters={k}.")
        metric = check_choice("metric", self.metric, _METRICS)
        if metric == "precomputed" and X.shape[0] != X.shape[1]:
            _check_finite_dissimilarities(X)
            raise ValueError(
                f"metric='precomputed' needs a square dissimilarity matrix, got shape {X.shape}"
            )
        return X, k, metric

    def _store(self, X, r, metric):
        if r["coincident_medoids"]:
            k = len(r["medoids"])
            warn_fewer_distinct(self, k - r["coincident_medoids"], k)
        self.medoid_indices_ = r["medoids"]
        self.labels_ = r["labels"]
        self.inertia_ = r["loss"]
        self.n_iter_ = r["n_iter"]
        self.n_swaps_ = r["n_swaps"]
        self.converged_ = r["converged"]
        self.cluster_centers_ = None if metric == "precomputed" else X[self.medoid_indices_]
        self._rust_fit_seconds = r["rust_seconds"]

    def fit_predict(self, X, y=None):
        """Fits and returns the cluster of each object (``labels_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Data, or dissimilarities when ``metric='precomputed'``.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self.fit(X).labels_

    def predict(self, X):
        """Nearest medoid of each row (lowest index on ties).

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features) or (n_queries, n_train)
            New data, or with ``metric='precomputed'`` the dissimilarities of the new
            objects to the training objects. With ``metric='gower'``, a DataFrame's
            columns are taken by name; a category unseen in training matches no
            medoid's.

        Returns
        -------
        labels : ndarray of shape (n_queries,), dtype int64
        """
        check_is_fitted(self, "medoid_indices_")
        if getattr(self, "_gower", None) is not None:
            flags, levels, names, medoids, ranges = self._gower
            codes = _gower.encode_new(X, flags, levels, names)
            return _partitive.gower_predict(codes, medoids, flags, ranges)
        if self.metric == "precomputed":
            _check_finite_dissimilarities(X)
        X = validate_X(self, X, reset=False)
        if self.metric == "precomputed":
            return np.argmin(X[:, self.medoid_indices_], axis=1).astype(np.int64)
        centers = np.ascontiguousarray(self.cluster_centers_, dtype=X.dtype)
        return _partitive.medoids_predict(X, centers, self.metric)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        precomputed = self.metric == "precomputed"
        tags.input_tags.pairwise = precomputed
        tags.input_tags.positive_only = precomputed  # dissimilarities are >= 0
        return tags


class KMedoids(_MedoidsMixin, ClusterMixin, BaseEstimator):
    """k-medoids clustering: PAM, FastPAM1, FasterPAM, alternating or FastCLARANS.

    Medoids are data objects; any dissimilarity works (a metric on the rows, or a
    precomputed ``n × n`` matrix). The loss is the sum of the dissimilarities of the
    objects to their nearest medoid. Results do not depend on the number of threads.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of medoids ``k``.
    metric : str, default='euclidean'
        'euclidean', 'sqeuclidean', 'manhattan' (or 'cityblock', 'l1'), 'chebyshev',
        'cosine', 'hamming', 'jaccard' (binary, nonzero entries), or 'precomputed' (``X``
        is a square, symmetric dissimilarity matrix; it is not copied), or 'gower'
        (mixed numeric and categorical columns, e.g. a pandas DataFrame with text
        columns: Gower's coefficient, the mean over columns of ``|a - b| / range`` for
        numeric columns — the training range — and 0/1 for categories). With a metric,
        the ``n × n`` matrix is computed once when it fits in 1 GiB, else on the fly.
    categorical : list of str or int, or None, default=None
        ``metric='gower'`` only: the categorical columns, by name (DataFrame) or 0-based
        index. ``None``: every column not holding numbers only (text, booleans,
        pandas categories). Use it for categories coded as numbers. Categories are
        compared as text.
    method : {'fasterpam', 'fastpam1', 'pam', 'alternate', 'fastclarans'}, default='fasterpam'
        'pam': Kaufman & Rousseeuw's SWAP. 'fastpam1': the same swaps, O(k) faster
        (Schubert & Rousseeuw, SISAP 2019). 'fasterpam': eager swaps (Schubert &
        Rousseeuw, Information Systems 2021). 'alternate': k-means-style updates (Park &
        Jun 2009). 'fastclarans': randomised local searches (Ng & Han 2002).
    init : {'build', 'random', 'k-medoids++', 'lab'} or array-like of shape (n_clusters,), \
default='build'
        Initial medoids: PAM's BUILD (deterministic), uniform random, k-medoids++, LAB
        (linear approximative BUILD), or the given object indices. Not used by
        'fastclarans'.
    max_iter : int, default=100
        Iteration limit (SWAP iterations, FasterPAM passes, alternating rounds; >= 1,
        as for every estimator here).
    random_state : int, RandomState, Generator or None, default=0
        Seed of the random choices (random, k-medoids++ and LAB starts, shuffling,
        FastCLARANS).
    shuffle : bool, default=False
        FasterPAM: visit swap candidates in a seeded random order.
    num_local : int, default=2
        FastCLARANS: number of local searches.
    max_neighbor : int or None, default=None
        FastCLARANS: consecutive non-improving candidates ending a search (``None``: Ng &
        Han's default).
    n_jobs : int or None, default=None
        Worker threads (``None`` or ``-1``: all logical CPUs). Results do not depend on
        it. More than 4 per logical CPU are capped, with a warning.

    Notes
    -----
    With ``metric='precomputed'`` the matrix must be a dissimilarity matrix: finite,
    non-negative, a zero diagonal, and symmetric up to a relative ``1e-12`` (``float64``;
    ``1.9e-6`` for ``float32``); otherwise ``ValueError`` names the first offending
    cell. Every medoid is labelled with its own cluster; with fewer distinct objects than
    ``n_clusters`` some medoids coincide and a ``ConvergenceWarning`` says so. Ctrl-C
    interrupts a fit (``KeyboardInterrupt``) within one swap pass.

    With ``metric='gower'``, ``cluster_centers_`` holds the medoid rows as given (an
    object array for mixed columns) and ``feature_names_in_`` a DataFrame's column
    names. Missing values are refused (drop or impute them first).

    Attributes
    ----------
    medoid_indices_ : ndarray of shape (n_clusters,), dtype int64
        Row indices of the medoids in the training data.
    cluster_centers_ : ndarray of shape (n_clusters, n_features) or None
        The medoid rows (``None`` with ``metric='precomputed'``).
    labels_ : ndarray of shape (n_samples,), dtype int64
        Cluster of each object: the position of its nearest medoid in
        ``medoid_indices_``.
    inertia_ : float
        Sum of the dissimilarities of the objects to their nearest medoid.
    n_iter_ : int
        Iterations run.
    n_swaps_ : int
        Medoid replacements applied.
    converged_ : bool
        Whether a local optimum was reached before ``max_iter``.
    n_features_in_ : int
        Number of features (columns of ``X``) seen during ``fit``.
    categorical_ : ndarray of shape (n_features,), dtype bool
        ``metric='gower'``: which columns were treated as categorical.
    categories_ : list of (ndarray or None)
        ``metric='gower'``: the sorted category texts of each categorical column
        (``None`` for numeric ones).
    gower_ranges_ : ndarray of shape (n_features,)
        ``metric='gower'``: the training range of each numeric column (0 for
        categorical ones), used for new rows too.

    Examples
    --------
    >>> import numpy as np
    >>> from partitive import KMedoids
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]], dtype=float)
    >>> km = KMedoids(n_clusters=2).fit(X)
    >>> sorted(km.medoid_indices_.tolist()), km.inertia_
    ([0, 3], 8.0)
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        metric="euclidean",
        method="fasterpam",
        init="build",
        max_iter=100,
        random_state=0,
        shuffle=False,
        num_local=2,
        max_neighbor=None,
        n_jobs=None,
        categorical=None,
    ):
        self.n_clusters = n_clusters
        self.metric = metric
        self.categorical = categorical
        self.method = method
        self.init = init
        self.max_iter = max_iter
        self.random_state = random_state
        self.shuffle = shuffle
        self.num_local = num_local
        self.max_neighbor = max_neighbor
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Finds the medoids.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Data, or dissimilarities when ``metric='precomputed'``. C-contiguous
            ``float32``/``float64`` arrays are not copied.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : KMedoids
            The fitted estimator.
        """
        gower = self.metric == _GOWER
        if gower:
            codes, flags, levels, names = _gower.encode_fit(X, self.categorical)
            k = check_int("n_clusters", self.n_clusters, 1)
            if codes.shape[0] < k:
                raise ValueError(f"n_samples={codes.shape[0]} should be >= n_clusters={k}.")
            metric = _GOWER
        else:
            if self.categorical is not None:
                raise ValueError("categorical= is only used with metric='gower'")
            X, k, metric = self._check_data(X)
        method = check_choice("method", self.method, _METHODS)
        init, given = self.init, None
        if isinstance(init, str):
            check_choice("init", init, _INITS)
        else:
            given = np.asarray(init)
            if given.ndim != 1 or not np.issubdtype(given.dtype, np.integer):
                raise ValueError(
                    "init must be 'build', 'random', 'k-medoids++', 'lab' or a 1-D array "
                    f"of medoid indices, got {init!r}"
                )
            if (given < 0).any():
                raise ValueError("initial medoid indices must be >= 0")
            given, init = [int(i) for i in given], "build"
        max_neighbor = self.max_neighbor
        if max_neighbor is not None:
            max_neighbor = check_int("max_neighbor", max_neighbor, 1)
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle must be a bool, got {self.shuffle!r}")
        common = dict(
            method=method,
            init=init,
            medoids_init=given,
            max_iter=check_int("max_iter", self.max_iter, 1),
            seed=seed_of(self.random_state),
            shuffle=bool(self.shuffle),
            num_local=check_int("num_local", self.num_local, 1),
            max_neighbor=max_neighbor,
            n_threads=threads_of(self.n_jobs),
        )
        if gower:
            r = _partitive.kmedoids_gower_fit(codes, k, flags, **common)
            self._store(codes, r, metric)
            self._store_gower(X, codes, r, flags, levels, names)
        else:
            r = _fit_native(_partitive.kmedoids_fit, X, k, metric=metric, **common)
            self._store(X, r, metric)
            self._gower = None
        if not self.converged_ and method != "fastclarans":
            warn_not_converged(self, self.n_iter_)
        return self


    def _store_gower(self, X, codes, r, flags, levels, names):
        medoids = r["medoids"]
        self.n_features_in_ = codes.shape[1]
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
            rows = X.iloc[medoids].to_numpy(dtype=object)
        else:
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            rows = np.asarray(X)[medoids]
        self.cluster_centers_ = rows
        self.categorical_ = np.asarray(flags, dtype=bool)
        self.categories_ = levels
        self.gower_ranges_ = np.asarray(r["ranges"], dtype=np.float64)
        self._gower = (
            list(flags),
            levels,
            names,
            np.ascontiguousarray(codes[medoids]),
            [float(v) for v in self.gower_ranges_],
        )


class CLARA(_MedoidsMixin, ClusterMixin, BaseEstimator):
    """CLARA k-medoids for large data (FastCLARA): FasterPAM on random samples.

    Each of ``n_sampling_iter`` samples holds the best medoids so far plus objects drawn
    uniformly; it is clustered by BUILD + FasterPAM and its medoids are scored by the
    loss over *all* objects; the best wins. Memory is ``O(s² + n)`` for samples of ``s``
    objects: no ``n × n`` matrix is formed (Kaufman & Rousseeuw 1986; Schubert &
    Rousseeuw, SISAP 2019).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of medoids ``k``.
    metric : str, default='euclidean'
        As for :class:`KMedoids` (including 'precomputed').
    n_sampling : int or None, default=None
        Objects per sample (``None``: ``80 + 4 * n_clusters``, capped at ``n``).
    n_sampling_iter : int, default=5
        Number of samples.
    max_iter : int, default=100
        FasterPAM passes per sample (>= 1).
    n_jobs : int or None, default=None
        Worker threads (``None`` or ``-1``: all logical CPUs). Results do not depend on
        it. More than 4 per logical CPU are capped, with a warning.
    random_state : int, RandomState, Generator or None, default=0
        Seed of the samples.

    Attributes
    ----------
    medoid_indices_ : ndarray of shape (n_clusters,), dtype int64
        Row indices of the medoids in the training data.
    cluster_centers_ : ndarray of shape (n_clusters, n_features) or None
        The medoid rows (``None`` with ``metric='precomputed'``).
    labels_ : ndarray of shape (n_samples,), dtype int64
        Position of each object's nearest medoid in ``medoid_indices_``.
    inertia_ : float
        Sum of the dissimilarities of all objects to their nearest medoid.
    n_iter_ : int
        Samples clustered.
    n_swaps_ : int
        Medoid replacements applied over all samples.
    converged_ : bool
        Whether every sample's FasterPAM reached a local optimum.
    n_features_in_ : int
        Number of features seen during ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from partitive import CLARA
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(size=(500, 2)), rng.normal(size=(500, 2)) + 10]
    >>> cl = CLARA(n_clusters=2).fit(X)
    >>> sorted(np.bincount(cl.labels_).tolist())
    [500, 500]
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        metric="euclidean",
        n_sampling=None,
        n_sampling_iter=5,
        max_iter=100,
        random_state=0,
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.metric = metric
        self.n_sampling = n_sampling
        self.n_sampling_iter = n_sampling_iter
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Finds the medoids from samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Data, or dissimilarities when ``metric='precomputed'``.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : CLARA
            The fitted estimator.
        """
        X, k, metric = self._check_data(X)
        size = self.n_sampling
        if size is not None:
            size = check_int("n_sampling", size, k)
        r = _fit_native(
            _partitive.clara_fit,
            X,
            k,
            metric=metric,
            n_samples=check_int("n_sampling_iter", self.n_sampling_iter, 1),
            sample_size=size,
            max_iter=check_int("max_iter", self.max_iter, 1),
            seed=seed_of(self.random_state),
            n_threads=threads_of(self.n_jobs),
        )
        self._store(X, r, metric)
        return self


if not HAVE_SKLEARN:  # the fallback bases have no tags
    del _MedoidsMixin.__sklearn_tags__

