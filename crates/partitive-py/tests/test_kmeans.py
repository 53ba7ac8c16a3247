"""partitive.KMeans: results, dtypes, zero-copy input, weights, GIL release."""

import pickle
import sys
import threading
import time

import numpy as np
import pytest

import partitive
from partitive import _partitive


def same_partition(a, b):
    """Whether two labelings are equal up to renaming the labels."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_finds_the_blobs(blobs):
    X, y, _ = blobs
    km = partitive.KMeans(n_clusters=5, n_init=3).fit(X)
    assert same_partition(km.labels_, y)
    assert km.labels_.dtype == np.int64 and km.labels_.shape == (2000,)
    assert km.cluster_centers_.shape == (5, 4)
    assert km.n_features_in_ == 4
    assert km.converged_ and 1 <= km.n_iter_ <= 300
    d2 = ((X - km.cluster_centers_[km.labels_]) ** 2).sum()
    assert km.inertia_ == pytest.approx(d2, rel=1e-10)  # a sum, not a mean
    assert np.array_equal(km.predict(X), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_labels_as_sklearn_from_same_centers(blobs, dtype):
    sk = pytest.importorskip("sklearn.cluster")
    X, _, _ = blobs
    X = X.astype(dtype)
    init = X[[0, 1, 2, 3, 4]]  # the same (poor) start for both
    ours = partitive.KMeans(5, init=init, algorithm="lloyd").fit(X)
    theirs = sk.KMeans(5, init=init, n_init=1, algorithm="lloyd").fit(X)
    assert np.array_equal(ours.labels_, theirs.labels_)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=rtol, atol=rtol)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=rtol)


def test_dtypes_preserved_or_promoted():
    X = np.arange(40, dtype=np.int32).reshape(20, 2)
    assert partitive.KMeans(2).fit(X).cluster_centers_.dtype == np.float64
    assert partitive.KMeans(2).fit(X.astype(np.float32)).cluster_centers_.dtype == np.float32
    assert partitive.KMeans(2).fit(X.astype(np.float16)).cluster_centers_.dtype == np.float64
    km = partitive.KMeans(2).fit(X.tolist())
    # predict on another dtype than the fit's
    assert np.array_equal(km.predict(X.astype(np.float32)), km.labels_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_contiguous_float_input_is_not_copied(monkeypatch, dtype):
    X = np.random.default_rng(0).normal(size=(500, 3)).astype(dtype)
    seen = []
    real = _partitive.kmeans_fit

    def spy(x, *args, **kwargs):
        seen.append(_partitive.data_address(x))
        return real(x, *args, **kwargs)

    monkeypatch.setattr(_partitive, "kmeans_fit", spy)
    partitive.KMeans(3).fit(X)
    assert seen == [X.ctypes.data]
    # A read-only view is not copied either.
    X.setflags(write=False)
    partitive.KMeans(3).fit(X)
    assert seen[-1] == X.ctypes.data


def test_non_contiguous_input_gives_the_same_fit():
    X = np.random.default_rng(1).normal(size=(300, 4))
    F = np.asfortranarray(X)
    S = np.repeat(X, 2, axis=0)[::2]
    a = partitive.KMeans(3).fit(X)
    for other in (F, S):
        b = partitive.KMeans(3).fit(other)
        assert np.array_equal(a.labels_, b.labels_)
        assert np.array_equal(a.cluster_centers_, b.cluster_centers_)


def test_reproducible_and_seeded():
    X = np.random.default_rng(2).normal(size=(400, 3))
    a = partitive.KMeans(6, random_state=7).fit(X)
    b = partitive.KMeans(6, random_state=7).fit(X)
    assert np.array_equal(a.cluster_centers_, b.cluster_centers_)
    rs = partitive.KMeans(6, random_state=np.random.RandomState(0)).fit(X)
    assert rs.cluster_centers_.shape == (6, 3)
    d = partitive.KMeans(6, init="deterministic").fit(X)
    assert np.array_equal(d.cluster_centers_, partitive.KMeans(6, init="deterministic").fit(X).cluster_centers_)


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 2))
    w = rng.integers(1, 4, size=200)
    init = X[:4]
    a = partitive.KMeans(4, init=init).fit(X, sample_weight=w)
    b = partitive.KMeans(4, init=init).fit(np.repeat(X, w, axis=0))
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-12)
    assert a.inertia_ == pytest.approx(b.inertia_, rel=1e-12)
    assert partitive.KMeans(4, init=init).fit(X, sample_weight=w.tolist()).inertia_ == a.inertia_


def test_not_converged_warns():
    X = np.random.default_rng(4).normal(size=(300, 2))
    with pytest.warns(partitive.ConvergenceWarning):
        km = partitive.KMeans(8, max_iter=1, tol=0).fit(X)
    assert km.n_iter_ == 1 and not km.converged_


def test_pickle_and_params_roundtrip():
    X = np.random.default_rng(5).normal(size=(100, 2))
    km = partitive.KMeans(3, tol=0.0, n_init="auto").fit(X)
    again = pickle.loads(pickle.dumps(km))
    assert np.array_equal(again.predict(X), km.labels_)
    assert km.get_params()["n_clusters"] == 3
    assert km.set_params(n_clusters=4) is km and km.n_clusters == 4


@pytest.mark.filterwarnings("ignore::partitive.ConvergenceWarning")
def test_fit_releases_the_gil():
    """While the engine runs, another Python thread makes progress. With a huge switch
    interval the main thread never yields the GIL by itself, so the counter could not
    advance during the fit if the GIL were held."""
    X = np.random.default_rng(6).normal(size=(200_000, 8))
    count, stop, started = [0], threading.Event(), threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            count[0] += 1
            time.sleep(0)  # releases the GIL, so the main thread can take it back

    t = threading.Thread(target=spin)
    t.start()
    started.wait()
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        before = count[0]
        partitive.KMeans(16, max_iter=20, tol=0).fit(X)
        during = count[0] - before
    finally:
        sys.setswitchinterval(old)
        stop.set()
        t.join()
    assert during > 0


def test_kmeans_parallel_init(blobs):
    X, y, _ = blobs
    km = partitive.KMeans(n_clusters=5, init="k-means||", random_state=3).fit(X)
    assert km._seeding == "k-means||"
    assert same_partition(km.labels_, y)
    again = partitive.KMeans(n_clusters=5, init="k-means||", random_state=3).fit(X)
    assert np.array_equal(km.cluster_centers_, again.cluster_centers_)
    # 'auto': k-means|| on large data (>= 64 rows per cluster, n * k >= 2**20) only
    assert partitive.KMeans(n_clusters=5).fit(X)._seeding == "k-means++"
    big = np.random.default_rng(5).normal(size=(70_000, 2))
    assert partitive.KMeans(n_clusters=16, max_iter=2).fit(big)._seeding == "k-means||"
    assert partitive.KMeans(n_clusters=16, init="k-means++", max_iter=2).fit(big)._seeding == "k-means++"
