"""Hostile inputs (issue 17): data of extreme magnitude, unchecked precomputed matrices,
iteration limits, thread counts, duplicate rows and Ctrl-C. Every case ends in a correct
result or an exception that ``except Exception`` catches — never PanicException."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import partitive
from partitive import _partitive


def blobs(scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(3)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    y = np.arange(120) % 3
    X = (centers[y] + rng.uniform(-1, 1, size=(120, 2))) * scale
    return X.astype(dtype), y


def same_partition(a, b):
    """Equal up to renaming the clusters."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("scale", [1e-300, 1e-30, 1e30, 1e155, 1e200, 1e300])
@pytest.mark.parametrize("init", ["k-means++", "deterministic"])
def test_kmeans_any_magnitude(scale, init):
    X, y = blobs(scale)
    km = partitive.KMeans(3, init=init).fit(X)
    assert same_partition(km.labels_, y)
    assert np.all(np.isfinite(km.cluster_centers_))
    assert np.array_equal(km.predict(X), km.labels_)


@pytest.mark.parametrize("dtype,e", [(np.float64, -600), (np.float64, -100), (np.float64, 520),
                                     (np.float64, 1000), (np.float32, -100), (np.float32, 83)])
def test_hdbscan_any_magnitude(dtype, e):
    # X x 2^e is exact: the same partition and scores, distances x 2^e
    X, y = blobs(1.0, dtype)
    base = partitive.HDBSCAN(min_cluster_size=10).fit(X)
    assert base.labels_.max() == 2
    Xs = (X.astype(np.float64) * 2.0**e).astype(dtype)
    h = partitive.HDBSCAN(min_cluster_size=10).fit(Xs)
    assert np.array_equal(h.labels_, base.labels_)
    assert np.array_equal(h.probabilities_, base.probabilities_)
    assert np.array_equal(h.outlier_scores_, base.outlier_scores_)


@pytest.mark.parametrize("scale", [1e-30, 1e19, 1e30])
def test_float32_any_magnitude(scale):
    X, y = blobs(scale, np.float32)
    assert same_partition(partitive.KMeans(3).fit(X).labels_, y)
    assert same_partition(partitive.GaussianMixture(3).fit(X).labels_, y)
    assert same_partition(partitive.KMedoids(3, metric="sqeuclidean").fit(X).labels_, y)


@pytest.mark.parametrize("scale", [1e-100, 1e-30, 1e30, 1e100])
def test_gaussian_mixture_reg_covar_is_relative(scale):
    X, y = blobs(scale)
    for kind in ["full", "diag", "spherical", "tied"]:
        gm = partitive.GaussianMixture(3, covariance_type=kind).fit(X)
        assert same_partition(gm.labels_, y), kind


@pytest.mark.parametrize("scale", [1e155, 1e200, 1e-200])
def test_gaussian_mixture_unrepresentable_covariances_raise_value_error(scale):
    X, _ = blobs(scale)
    with pytest.raises(ValueError, match="covariances would overflow"):
        partitive.GaussianMixture(3).fit(X)


@pytest.mark.parametrize("scale", [1e-300, 1e100, 1e160, 1e200, 1e300])
def test_ppp_any_magnitude(scale):
    X, y = blobs(scale)
    ppp = partitive.PPP().fit(X)
    assert ppp.n_clusters_ == 3
    assert same_partition(ppp.labels_, y)
    assert np.all(np.isfinite(ppp.cluster_centers_))
    assert np.array_equal(ppp.predict(X), ppp.labels_)


@pytest.mark.parametrize("scale", [1e-300, 1e200, 1e300])
@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "manhattan", "chebyshev"])
def test_kmedoids_any_magnitude(scale, metric):
    X, y = blobs(scale)
    for est in [partitive.KMedoids(3, metric=metric), partitive.CLARA(3, metric=metric)]:
        est.fit(X)
        assert same_partition(est.labels_, y), type(est).__name__
        assert np.array_equal(est.predict(X), est.labels_)


@pytest.mark.parametrize(
    "D, where",
    [
        (np.array([[0.0, 1.0, 2.0], [1.5, 0.0, 3.0], [2.0, 3.0, 0.0]]), "row 0, column 1 holds 1 but row 1, column 0 holds 1.5"),
        (np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 3.0, 0.0]]), "row 0, column 1 holds 0 but row 1, column 0 holds 1"),
        (np.array([[0.0, 1.0, 2.0], [1.0, 0.1, 3.0], [2.0, 3.0, 0.0]]), "nonzero diagonal.*row 1, column 1"),
        (np.array([[0.0, -1.0, 2.0], [-1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]), "row 0, column 1"),
    ],
    ids=["asymmetric", "triangular", "diagonal", "negative"],
)
def test_precomputed_matrices_are_checked(D, where):
    for est in [partitive.KMedoids(2, metric="precomputed"), partitive.CLARA(2, metric="precomputed")]:
        with pytest.raises(ValueError, match=where):
            est.fit(D)
    # rounding-level asymmetry passes
    ok = np.array([[0.0, 1.0, 2.0], [1.0 + 1e-15, 0.0, 3.0], [2.0, 3.0, 0.0]])
    partitive.KMedoids(2, metric="precomputed").fit(ok)


def test_precomputed_nan_is_refused():
    D = np.array([[0.0, np.nan], [np.nan, 0.0]])
    with pytest.raises(ValueError):
        partitive.KMedoids(1, metric="precomputed").fit(D)


@pytest.mark.parametrize(
    "est",
    [
        partitive.KMeans(2, max_iter=0),
        partitive.GaussianMixture(2, max_iter=0),
        partitive.KMedoids(2, max_iter=0),
        partitive.CLARA(2, max_iter=0),
    ],
    ids=lambda e: type(e).__name__,
)
def test_max_iter_must_be_at_least_one(est):
    X, _ = blobs()
    with pytest.raises(ValueError, match="max_iter must be >= 1"):
        est.fit(X)


def test_huge_n_jobs_is_capped_with_a_warning():
    X, y = blobs()
    cpus, cap = _partitive.thread_limits()
    assert cap == 4 * cpus
    for est in [
        partitive.KMeans(3, n_jobs=10_000),
        partitive.GaussianMixture(3, n_jobs=10_000),
        partitive.KMedoids(3, n_jobs=10_000),
        partitive.CLARA(3, n_jobs=10_000),
        partitive.PPP(n_jobs=10_000),
    ]:
        with pytest.warns(UserWarning, match=f"using {cap} threads"):
            est.fit(X)
        assert same_partition(est.labels_, y)


def test_n_jobs_values():
    X, _ = blobs()
    a = partitive.KMeans(3, n_jobs=1).fit(X)
    b = partitive.KMeans(3, n_jobs=3).fit(X)
    c = partitive.KMeans(3, n_jobs=-1).fit(X)
    assert np.array_equal(a.labels_, b.labels_) and np.array_equal(a.labels_, c.labels_)
    assert np.array_equal(a.cluster_centers_, b.cluster_centers_)
    with pytest.raises(ValueError, match="n_jobs must not be 0"):
        partitive.KMeans(3, n_jobs=0).fit(X)
    with pytest.raises(TypeError, match="n_jobs must be an int"):
        partitive.KMeans(3, n_jobs=1.5).fit(X)
    with pytest.raises(ValueError, match="leaves no thread"):
        partitive.PPP(n_jobs=-100_000).fit(X)


def test_identical_rows():
    X = np.ones((50, 2))
    with pytest.warns(partitive.ConvergenceWarning, match=r"distinct clusters \(1\) found smaller than n_clusters \(3\)"):
        km = partitive.KMedoids(3).fit(X)
    for slot, m in enumerate(km.medoid_indices_):
        assert km.labels_[m] == slot  # every medoid is in its own cluster
    assert len(set(km.medoid_indices_.tolist())) == 3
    with pytest.warns(partitive.ConvergenceWarning, match=r"distinct clusters \(1\)"):
        partitive.KMeans(3).fit(X)
    with pytest.warns(partitive.ConvergenceWarning, match=r"distinct clusters \(1\)"):
        partitive.GaussianMixture(3, covariance_type="spherical").fit(X)
    # ordinary data: no such warning
    Xb, _ = blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        partitive.KMedoids(3).fit(Xb)
        partitive.KMeans(3).fit(Xb)


def test_damaged_ppp_pickle_is_refused():
    import json

    X, _ = blobs()
    state = json.loads(partitive.PPP().fit(X)._model.__reduce__()[1][0])
    state["component_cluster"] = [7] * len(state["component_cluster"])
    with pytest.raises(ValueError, match="inconsistent PPP model"):
        _partitive.PppHandle._from_state(json.dumps(state))


def test_wide_data_with_few_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 5000))
    X[25:] += 3.0
    ppp = partitive.PPP().fit(X)
    assert ppp.n_clusters_ >= 1
    with pytest.raises(ValueError, match="more samples than features"):
        partitive.GaussianMixture(2).fit(X)
    gm = partitive.GaussianMixture(2, covariance_type="diag").fit(X)
    assert same_partition(gm.labels_, np.arange(50) >= 25)


LONG_FITS = {
    # EM with tol=0 never converges: without Ctrl-C it would run for hours.
    "gmm": "partitive.GaussianMixture(8, tol=0.0, max_iter=10**7).fit(X)",
    # PAM on 4000 objects: minutes of swap iterations.
    "kmedoids": "partitive.KMedoids(40, method='pam', max_iter=10**6).fit(X[:4000])",
    "kmeans": "partitive.KMeans(200, tol=0.0, max_iter=10**6, n_init=10**5).fit(X)",
}


def _default_sigint():
    # A test run started in the background (`cmd &`, nohup) inherits SIGINT ignored, and
    # Python then installs no KeyboardInterrupt handler: give the child the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT semantics")
@pytest.mark.parametrize("which", sorted(LONG_FITS))
def test_ctrl_c_interrupts_a_fit(which):
    code = textwrap.dedent(
        f"""
        import numpy as np, partitive, sys
        X = np.random.default_rng(0).normal(size=(200_000, 8))
        print("started", flush=True)
        {LONG_FITS[which]}
        print("finished", flush=True)
        """
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code],
        preexec_fn=_default_sigint,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert p.stdout.readline().strip() == "started"
        time.sleep(1.0)  # inside the fit
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        # Generous bound: an ordinary step takes milliseconds; without the signal check
        # the fit would run for minutes to hours.
        out, err = p.communicate(timeout=10)
        waited = time.monotonic() - sent
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "KeyboardInterrupt" in err, err
    assert "PanicException" not in err
    assert "finished" not in out
    assert p.returncode != 0
    assert waited < 10
