"""``partitive.HDBSCAN``: HDBSCAN* over ``partitive::hdbscan``."""

from __future__ import annotations

import numpy as np

from . import _partitive
from ._kmedoids import _check_finite_dissimilarities
from ._base import (
    BaseEstimator,
    ClusterMixin,
    check_choice,
    check_float,
    check_int,
    check_is_fitted,
    validate_X,
)

_METRICS = ("euclidean", "manhattan", "cityblock", "l1", "chebyshev", "cosine", "precomputed")
_SELECTION = ("eom", "leaf")
_CONDENSED_DTYPE = np.dtype(
    [("parent", np.intp), ("child", np.intp), ("lambda_val", np.float64), ("child_size", np.intp)]
)


class HDBSCAN(ClusterMixin, BaseEstimator):
    """HDBSCAN*: clusters of any shape and density, with noise, from a density hierarchy.

    The partition is that of the ``hdbscan`` library (McInnes, Healy & Astels, JOSS 2017)
    with the same parameters — the same definitions (core distance to the
    ``min_samples``-th nearest *other* point, excess-of-mass or leaf selection,
    ``cluster_selection_epsilon``, ``max_cluster_size``, probabilities, GLOSH outlier
    scores), an exact minimum spanning tree (the library's ``approx_min_span_tree=False``),
    and equal merge heights; rows can differ only where several merges happen at one
    height, whose order partitive fixes by the data. Results do not depend on the thread
    count or on the order of the rows.

    Parameters
    ----------
    min_cluster_size : int, default=5
        Smallest group reported as a cluster (at least 2).
    min_samples : int or None, default=None
        The core distance of a point is its distance to its ``min_samples``-th nearest
        other point. ``None``: ``min_cluster_size`` (capped at ``n_samples - 1``).
    metric : {'euclidean', 'manhattan', 'chebyshev', 'cosine', 'precomputed'}, default='euclidean'
        'cityblock' and 'l1' are accepted for 'manhattan'. 'cosine' rejects rows of
        zeros. 'precomputed': ``X`` is a square dissimilarity matrix (its upper triangle
        is read).
    cluster_selection_epsilon : float, default=0.0
        Clusters born below this distance are merged into their ancestor born above it.
    cluster_selection_method : {'eom', 'leaf'}, default='eom'
        Excess of mass (the most stable clusters) or the leaves of the condensed tree.
    allow_single_cluster : bool, default=False
        Whether the whole data set may be the one cluster.
    max_cluster_size : int or None, default=None
        Largest cluster excess of mass may select (``None`` or 0: no limit).

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,), dtype int64
        Cluster of each row; -1 for noise.
    probabilities_ : ndarray of shape (n_samples,)
        Strength of each row's membership in its cluster (0 for noise).
    outlier_scores_ : ndarray of shape (n_samples,)
        GLOSH outlier score of each row (Campello et al., TKDD 2015), in [0, 1].
    condensed_tree_ : structured ndarray
        Rows ``(parent, child, lambda_val, child_size)`` in the hdbscan library's
        numbering: data rows are ``0..n-1``, cluster ``c`` is ``n + c`` (the root is ``n``);
        ``lambda_val`` is 1/distance (inf at distance 0).
    single_linkage_tree_ : ndarray of shape (n_samples - 1, 4)
        The mutual-reachability single-linkage tree in scipy's linkage layout
        ``(left, right, distance, size)``.
    cluster_stabilities_ : ndarray of shape (n_clusters_,)
        Stability (excess of mass) of each cluster.
    core_distances_ : ndarray of shape (n_samples,)
        Core distance of each row.
    exemplar_indices_ : list of ndarray
        Rows at the heart of each cluster (the last to leave each leaf beneath it).
    n_clusters_ : int
        Number of clusters.
    min_samples_ : int
        The ``min_samples`` used.
    n_features_in_ : int
        Number of features (columns) seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from partitive import HDBSCAN
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(c, 0.3, size=(100, 2)) for c in ((0, 0), (5, 0), (0, 5))])
    >>> X = np.vstack([X, [[20.0, 20.0]]])
    >>> h = HDBSCAN(min_cluster_size=10).fit(X)
    >>> h.n_clusters_, int(h.labels_[-1])
    (3, -1)
    """

    def __init__(
        self,
        min_cluster_size=5,
        min_samples=None,
        metric="euclidean",
        cluster_selection_epsilon=0.0,
        cluster_selection_method="eom",
        allow_single_cluster=False,
        max_cluster_size=None,
    ):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.metric = metric
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.cluster_selection_method = cluster_selection_method
        self.allow_single_cluster = allow_single_cluster
        self.max_cluster_size = max_cluster_size

    def _checked_params(self, n):
        mcs = check_int("min_cluster_size", self.min_cluster_size, 2)
        ms = None if self.min_samples is None else check_int("min_samples", self.min_samples, 1)
        metric = check_choice("metric", self.metric, _METRICS)
        eps = check_float("cluster_selection_epsilon", self.cluster_selection_epsilon)
        sel = check_choice("cluster_selection_method", self.cluster_selection_method, _SELECTION)
        if not isinstance(self.allow_single_cluster, (bool, np.bool_)):
            raise TypeError(f"allow_single_cluster must be a bool, got {self.allow_single_cluster!r}")
        mx = self.max_cluster_size
        if mx is not None:
            mx = check_int("max_cluster_size", mx, 0)
            mx = None if mx == 0 else mx
        if n < mcs:
            raise ValueError(f"n_samples={n} should be >= min_cluster_size={mcs}.")
        if ms is not None and ms >= n:
            raise ValueError(f"min_samples={ms} should be < n_samples={n}.")
        return dict(
            min_cluster_size=mcs,
            min_samples=ms,
            metric={"cityblock": "manhattan", "l1": "manhattan"}.get(metric, metric),
            cluster_selection_epsilon=eps,
            cluster_selection_method=sel,
            allow_single_cluster=bool(self.allow_single_cluster),
            max_cluster_size=mx,
        )

    def fit(self, X, y=None):
        """Builds the hierarchy of ``X`` and selects its clusters.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Training data, or dissimilarities with ``metric='precomputed'``.
            C-contiguous ``float32``/``float64`` arrays are not copied.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : HDBSCAN
            The fitted estimator.
        """
        X = validate_X(self, X, reset=True)
        if self.metric == "precomputed":
            _check_finite_dissimilarities(X)
            if X.shape[0] != X.shape[1]:
                raise ValueError(
                    f"metric='precomputed' needs a square dissimilarity matrix, got shape {X.shape}"
                )
        params = self._checked_params(X.shape[0])
        try:
            r = _partitive.hdbscan_fit(X, **params)
        except ValueError as e:
            if "negative dissimilarity" in str(e):  # scikit-learn's wording first
                raise ValueError(f"Negative values in data passed to a precomputed metric: {e}") from None
            raise
        self.labels_ = r["labels"]
        self.probabilities_ = r["probabilities"]
        self.outlier_scores_ = r["outlier_scores"]
        self.core_distances_ = r["core_distances"]
        self.n_clusters_ = r["n_clusters"]
        self.cluster_stabilities_ = r["cluster_stabilities"]
        self.min_samples_ = r["min_samples"]
        ct = r["condensed_tree"]
        tree = np.empty(len(ct["parent"]), dtype=_CONDENSED_DTYPE)
        for name in _CONDENSED_DTYPE.names:
            tree[name] = ct[name]
        self.condensed_tree_ = tree
        self.single_linkage_tree_ = r["single_linkage_tree"]
        self.exemplar_indices_ = list(r["exemplars"])
        self._handle = r["model"]
        self._fit_X = X
        self._params = params
        self._rust_fit_seconds = r["rust_seconds"]
        return self

    def fit_predict(self, X, y=None):
        """Fits and returns the cluster of each row (``labels_``, -1 for noise).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self.fit(X).labels_

    def _model(self):
        check_is_fitted(self, "labels_")
        if getattr(self, "_handle", None) is None:  # after unpickling: refit (deterministic)
            self._handle = _partitive.hdbscan_fit(self._fit_X, **self._params)["model"]
        return self._handle

    def approximate_predict(self, X):
        """Labels and membership probabilities of new rows, without refitting.

        Each new point joins the fitted condensed tree through its nearest training row
        in mutual reachability (the ``hdbscan`` library's ``approximate_predict``).

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features) or (n_queries, n_samples)
            New data; with ``metric='precomputed'``, the distances of the new objects to
            every training object.

        Returns
        -------
        labels : ndarray of shape (n_queries,), dtype int64
            -1 for noise.
        probabilities : ndarray of shape (n_queries,)
        """
        model = self._model()
        X = validate_X(self, X, reset=False)
        r = model.approximate_predict(X)
        return r["labels"], r["probabilities"]

    def membership_vectors(self):
        """Soft membership of every training row in every cluster.

        Returns
        -------
        vectors : ndarray of shape (n_samples, n_clusters_)
            Row ``i`` holds the probability that row ``i`` belongs to each cluster; it
            sums to the probability that the row is in some cluster (at most 1).
        """
        model = self._model()
        if self.metric == "precomputed":
            return model.membership_vectors(self._fit_X)
        return model.membership_vectors()

    def predict_membership(self, X):
        """Soft membership vectors of new rows (see :meth:`membership_vectors`).

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features) or (n_queries, n_samples)
            As for :meth:`approximate_predict`.

        Returns
        -------
        vectors : ndarray of shape (n_queries, n_clusters_)
        """
        model = self._model()
        X = validate_X(self, X, reset=False)
        return model.predict_membership(X)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_handle", None)  # rebuilt on demand from _fit_X
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        precomputed = self.metric == "precomputed"
        tags.input_tags.pairwise = precomputed
        tags.input_tags.positive_only = precomputed
        return tags
