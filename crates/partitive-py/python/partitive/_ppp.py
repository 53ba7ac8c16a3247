"""PPP: clustering with the number of clusters found automatically."""

from __future__ import annotations

import numpy as np

from . import _partitive
from ._base import (
    BaseEstimator,
    ClusterMixin,
    check_float,
    check_int,
    threads_of,
    check_is_fitted,
    validate_X,
)


class PPP(ClusterMixin, BaseEstimator):
    """Probabilistic Partitive Partitioning: k found by itself, the same answer every run.

    k-means proposes partitions (a deterministic path k = 1, 2, … of principal-axis
    splits), Gaussian mixtures fitted from each proposal validate them (lowest BIC over
    full and spherical covariances), and mixture components are merged into clusters by
    following the mixture density between them (a component whose boundary with a
    higher neighbour is at least 0.6 × its own peak density hangs under that
    neighbour). Above 4,000 rows the structure is learned on a sample chosen by a hash of
    each row's content, then every row is assigned. There is no seed: the result does not
    depend on row order or thread count. See M. Sultan, *Probabilistic Partitive
    Partitioning*, arXiv:2003.04372, and ``docs/ppp-research.md`` in the repository.

    Parameters
    ----------
    min_cluster_size : int or None, default=None
        Clusters with fewer rows are attached to their most connected neighbour, or
        to the nearest one when they touch none (``None``: the engine's default, the
        weight of d + 1 points of the fit sample when it has 2(d + 1) rows; ``1``
        keeps every cluster).
    tau : float, default=0.9
        Confidence threshold of the separable set.
    stability : bool, default=False
        Also measure how stable the partition is: the structure search runs again on
        two deterministic halves of the fit sample and their labels are compared with
        the result's (``stability_``). About doubles the search time.
    n_jobs : int or None, default=None
        Worker threads (``None`` or ``-1``: all logical CPUs). Results do not depend on
        it. More than 4 per logical CPU are capped, with a warning.

    Notes
    -----
    The result does not depend on the data's units: data whose magnitude the arithmetic
    cannot take are searched on a sample scaled by a power of two. With no more rows
    (in the fit sample) than features, full-covariance mixtures are not tried (they
    would be singular). Ctrl-C interrupts a fit (``KeyboardInterrupt``) within one
    proposal.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,), dtype int64
        Cluster of each training row.
    n_clusters_ : int
        Number of clusters found.
    confidence_ : ndarray of shape (n_samples,)
        Posterior probability of each row's cluster, capped by that cluster's
        reproducibility (its per-point confidence).
    separable_ : ndarray of shape (n_samples,), dtype bool
        Rows with ``confidence_ >= tau`` (the separable set).
    clusterability_ : float
        Share of rows in the separable set.
    stability_ : dict or None
        With ``stability=True``: ``half_sample_k`` (clusters found on each half of the
        fit sample) and ``agreement`` (mean adjusted Rand index between each half's
        labels and the result's on the fit sample's rows: near 1 when the data
        determine the partition, lower when the halves partition them differently).
        ``None`` otherwise.
    cluster_reproducibility_ : list of float
        Per cluster, its mean held-out posterior when the mixture is refitted on either
        half of the fit sample: near 1 when the cluster comes back whole, lower where
        the data do not determine it (confidences are capped by it).
    cluster_sizes_ : list of int
        Rows per cluster.
    cluster_centers_ : ndarray of shape (n_clusters_, n_features)
        Mean of each cluster's rows.
    bic_path_ : list of dict
        Every validated proposal: ``k``, ``covariance_type``, ``n_components``, ``bic``,
        ``log_likelihood``.
    tree_ : list of dict
        The merge forest: one node per mixture component with its ``parent``,
        ``cluster``, ``weight`` and the ``reason`` for the decision.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from partitive import PPP
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(c, 0.3, size=(100, 2)) for c in ((0, 0), (5, 0), (0, 5))])
    >>> PPP().fit(X).n_clusters_
    3
    """

    def __init__(self, *, min_cluster_size=None, tau=0.9, stability=False, n_jobs=None):
        self.min_cluster_size = min_cluster_size
        self.tau = tau
        self.stability = stability
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Finds the clusters of ``X`` and their number.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. C-contiguous ``float32``/``float64`` arrays are not copied.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : PPP
            The fitted estimator.
        """
        X = validate_X(self, X, reset=True)
        mcs = None if self.min_cluster_size is None else check_int("min_cluster_size", self.min_cluster_size, 1)
        tau = check_float("tau", self.tau)
        if not 0.0 <= tau <= 1.0:
            raise ValueError(f"tau must be in [0, 1], got {tau!r}.")
        if not isinstance(self.stability, (bool, np.bool_)):
            raise ValueError(f"stability must be True or False, got {self.stability!r}.")
        r = _partitive.ppp_fit(
            X, min_cluster_size=mcs, tau=tau, stability=bool(self.stability), n_threads=threads_of(self.n_jobs)
        )
        self.labels_ = r["labels"]
        self.n_clusters_ = r["n_clusters"]
        self.confidence_ = r["confidence"]
        self.separable_ = self.confidence_ >= r["tau"]
        self.clusterability_ = r["clusterability"]
        self.stability_ = r["stability"]
        self.cluster_sizes_ = list(r["cluster_sizes"])
        self.cluster_reproducibility_ = list(r["cluster_reproducibility"])
        self.cluster_centers_ = r["centroids"]
        self.bic_path_ = r["bic_path"]
        self.tree_ = r["merge_forest"]
        self._model = r["model"]
        self._rust_fit_seconds = r["rust_seconds"]
        return self

    def fit_predict(self, X, y=None):
        """Fits and returns the cluster of each row (``labels_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self.fit(X).labels_

    def predict(self, X):
        """Cluster of each row of ``X`` under the fitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype int64
        """
        return self._assign(X)["labels"]

    def predict_proba_max(self, X):
        """Confidence of each row: the posterior probability of its predicted cluster,
        capped by that cluster's reproducibility (``cluster_reproducibility_``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.

        Returns
        -------
        confidence : ndarray of shape (n_samples,)
        """
        return self._assign(X)["confidence"]

    def predict_proba(self, X):
        """Probability of each cluster for each row: the fitted mixture's posterior
        probabilities of its components, summed over the components each cluster merged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_clusters_)
            Rows sum to 1. ``predict`` labels a row with the cluster of its most
            probable *component*, and ``predict_proba_max`` is this matrix's entry for
            that label capped by the cluster's reproducibility; the most probable
            *cluster* (``argmax`` of a row) can differ when a cluster gathers several
            small components.
        """
        check_is_fitted(self, "labels_")
        X = validate_X(self, X, reset=False)
        return self._model.proba(X)

    def _assign(self, X):
        check_is_fitted(self, "labels_")
        X = validate_X(self, X, reset=False)
        return self._model.assign(X)
