"""partitive.KMedoids and partitive.CLARA: exact small cases, metrics, precomputed input."""

import pickle

import numpy as np
import pytest

import partitive
from partitive import _partitive

SIX = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]], dtype=float)
METHODS = ["fasterpam", "fastpam1", "pam", "alternate"]


def pairwise(X, metric="euclidean"):
    diff = X[:, None, :] - X[None, :, :]
    if metric == "manhattan":
        return np.abs(diff).sum(-1)
    return np.sqrt((diff**2).sum(-1))


@pytest.fixture
def blobs3():
    rng = np.random.default_rng(11)
    centers = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    y = np.repeat(np.arange(3), 60)
    return centers[y] + rng.normal(size=(180, 2)), y


@pytest.mark.parametrize("method", METHODS)
def test_exact_small_case(method):
    km = partitive.KMedoids(2, method=method).fit(SIX)
    assert sorted(km.medoid_indices_.tolist()) == [0, 3]
    assert km.inertia_ == 8.0
    assert km.medoid_indices_.dtype == np.int64 and km.labels_.dtype == np.int64
    assert np.array_equal(km.cluster_centers_, SIX[km.medoid_indices_])
    assert np.array_equal(km.predict(SIX), km.labels_)
    assert km.converged_


@pytest.mark.parametrize("method", METHODS + ["fastclarans"])
def test_methods_find_the_blobs(blobs3, method):
    X, y = blobs3
    km = partitive.KMedoids(3, method=method, init="k-medoids++").fit(X)
    pairs = set(zip(km.labels_.tolist(), y.tolist()))
    assert len(pairs) == 3
    D = pairwise(X)
    assert km.inertia_ == pytest.approx(D[:, km.medoid_indices_].min(axis=1).sum(), rel=1e-12)


def test_pam_and_fastpam1_make_the_same_swaps(blobs3):
    X, _ = blobs3
    a = partitive.KMedoids(3, method="pam").fit(X)
    b = partitive.KMedoids(3, method="fastpam1").fit(X)
    assert np.array_equal(a.medoid_indices_, b.medoid_indices_)
    assert a.inertia_ == b.inertia_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_precomputed_matches_metric(blobs3, dtype, metric, monkeypatch):
    X, _ = blobs3
    D = pairwise(X, metric).astype(dtype)
    seen = []
    real = _partitive.kmedoids_fit

    def spy(x, *a, **kw):
        seen.append(_partitive.data_address(x))
        return real(x, *a, **kw)

    monkeypatch.setattr(_partitive, "kmedoids_fit", spy)
    on_rows = partitive.KMedoids(3, metric=metric).fit(X.astype(dtype))
    pre = partitive.KMedoids(3, metric="precomputed").fit(D)
    assert seen[-1] == D.ctypes.data  # the n x n matrix is not copied
    assert pre.cluster_centers_ is None
    assert np.array_equal(np.sort(pre.medoid_indices_), np.sort(on_rows.medoid_indices_))
    assert pre.inertia_ == pytest.approx(on_rows.inertia_, rel=1e-5)
    assert np.array_equal(pre.predict(D), pre.labels_)
    assert np.array_equal(pre.predict(D[:7]), pre.labels_[:7])


def test_given_medoids_and_max_iter_zero(blobs3):
    X, _ = blobs3
    # max_iter >= 1, as for every estimator
    with pytest.raises(ValueError, match="max_iter must be >= 1"):
        partitive.KMedoids(3, init=np.array([0, 1, 2]), max_iter=0).fit(X)
    # the engine starts from the given medoids
    r = _partitive.kmedoids_fit(X, 3, medoids_init=[0, 1, 2], max_iter=1)
    assert r["initial_loss"] == pytest.approx(pairwise(X)[:, :3].min(axis=1).sum(), rel=1e-12)
    with pytest.raises(ValueError, match="max_iter"):
        _partitive.kmedoids_fit(X, 3, max_iter=0)
    assert partitive.KMedoids(3, init=[0, 70, 130]).fit(X).converged_


@pytest.mark.filterwarnings("ignore::partitive.ConvergenceWarning")
def test_other_metrics_run():
    rng = np.random.default_rng(0)
    B = (rng.random((60, 8)) < 0.3).astype(np.float64)
    for metric in ["sqeuclidean", "chebyshev", "cosine", "hamming", "jaccard"]:
        km = partitive.KMedoids(3, metric=metric).fit(B)
        assert np.array_equal(km.predict(B), km.labels_), metric


def test_clara(blobs3):
    X, y = blobs3
    cl = partitive.CLARA(3, n_sampling=40, n_sampling_iter=4).fit(X)
    assert len(set(zip(cl.labels_.tolist(), y.tolist()))) == 3
    assert cl.n_iter_ == 4
    assert np.array_equal(cl.predict(X), cl.labels_)
    pre = partitive.CLARA(3, metric="precomputed", n_sampling=40, n_sampling_iter=4).fit(pairwise(X))
    assert pre.inertia_ == pytest.approx(cl.inertia_, rel=1e-12)
    again = pickle.loads(pickle.dumps(cl))
    assert np.array_equal(again.predict(X), cl.labels_)


@pytest.mark.parametrize(
    "est, data, exc, match",
    [
        (partitive.KMedoids(2, metric="minkowski"), SIX, ValueError, "metric must be one of"),
        (partitive.KMedoids(2, method="clara"), SIX, ValueError, "method must be one of"),
        (partitive.KMedoids(2, init="kmeans"), SIX, ValueError, "init must be one of"),
        (partitive.KMedoids(2, init=[0, 9]), SIX, ValueError, "invalid parameter"),
        (partitive.KMedoids(2, init=[0, 0]), SIX, ValueError, "invalid parameter"),
        (partitive.KMedoids(2, init=[0, 1, 2]), SIX, ValueError, "shape mismatch in initial medoids"),
        (partitive.KMedoids(2, init=[-1, 2]), SIX, ValueError, ">= 0"),
        (partitive.KMedoids(7), SIX, ValueError, "n_samples=6 should be >= n_clusters=7"),
        (partitive.KMedoids(2, metric="precomputed"), SIX, ValueError, "square dissimilarity matrix"),
        (partitive.KMedoids(2, metric="precomputed"), -np.ones((3, 3)), ValueError, "Negative values in data"),
        (partitive.KMedoids(2, method="fastclarans", num_local=0), SIX, ValueError, "num_local must be >= 1"),
        (partitive.KMedoids(2, shuffle="yes"), SIX, TypeError, "shuffle must be a bool"),
        (partitive.CLARA(3, n_sampling=2), SIX, ValueError, "n_sampling must be >= 3"),
        (partitive.CLARA(2, n_sampling_iter=0), SIX, ValueError, "n_sampling_iter must be >= 1"),
        (partitive.KMedoids(2), np.r_[SIX, [[np.nan, 0]]], ValueError, "NaN at row 6"),
        (partitive.CLARA(2, metric="precomputed"), np.full((3, 3), np.inf), ValueError, "inf"),
    ],
)
def test_errors(est, data, exc, match):
    with pytest.raises(exc, match=match):
        est.fit(data)
