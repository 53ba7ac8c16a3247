"""Bad arguments raise a clear Python exception (never crash the interpreter)."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import partitive
from partitive import _partitive

X = np.random.default_rng(0).normal(size=(50, 3))


@pytest.mark.parametrize(
    "data, match",
    [
        (np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]]), "NaN at row 1, column 0"),
        (np.array([[0.0, 1.0], [1.0, np.inf], [1.0, 1.0]], dtype=np.float32), "inf at row 1, column 1"),
        (np.zeros((2, 3, 4)), "dim"),
        (np.zeros(5), "2D array"),
        (np.zeros((0, 3)), "0 sample"),
        (np.zeros((4, 0)), "0 feature"),
        (np.ones((4, 2), dtype=np.complex128), "Complex data not supported"),
        (np.array([["a", "b"], ["c", "d"]]), "could not convert|string"),
    ],
)
def test_bad_data_is_a_value_error(data, match):
    with pytest.raises(ValueError, match=match):
        partitive.KMeans(2).fit(data)


def test_more_clusters_than_rows():
    with pytest.raises(ValueError, match="n_samples=3 should be >= n_clusters=4"):
        partitive.KMeans(4).fit(X[:3])


@pytest.mark.parametrize(
    "params, exc, match",
    [
        (dict(n_clusters=0), ValueError, "n_clusters must be >= 1"),
        (dict(n_clusters=2.5), TypeError, "n_clusters must be an int"),
        (dict(n_clusters="3"), TypeError, "n_clusters must be an int"),
        (dict(n_init=0), ValueError, "n_init must be >= 1"),
        (dict(max_iter=0), ValueError, "max_iter must be >= 1"),
        (dict(tol=-1.0), ValueError, "tol must be finite and >= 0"),
        (dict(tol=float("nan")), ValueError, "tol must be finite"),
        (dict(random_state=-1), ValueError, "random_state must be >= 0"),
        (dict(algorithm="elkan"), ValueError, "algorithm must be one of"),
        (dict(init="random"), ValueError, "init must be one of"),
        (dict(init=np.zeros((3, 2))), ValueError, "shape of the initial centers"),
        (dict(init=np.array([[0.0, 0, 0], [np.nan, 0, 0]])), ValueError, "initial centers: .*NaN"),
    ],
)
def test_bad_parameters(params, exc, match):
    params.setdefault("n_clusters", 2)
    with pytest.raises(exc, match=match):
        partitive.KMeans(**params).fit(X)


@pytest.mark.parametrize(
    "w, match",
    [
        (np.ones(49), r"sample_weight.shape == \(49,\), expected \(50,\)"),
        (np.ones((50, 2)), "1D array"),
        (-np.ones(50), "sample weight -1 at row 0 is negative"),
        (np.zeros(50), "all sample weights are zero"),
        (np.r_[np.ones(49), np.nan], "sample weight NaN at row 49 is not finite"),
    ],
)
def test_bad_sample_weight(w, match):
    with pytest.raises(ValueError, match=match):
        partitive.KMeans(2).fit(X, sample_weight=w)


def test_predict_checks():
    with pytest.raises(partitive.NotFittedError):
        partitive.KMeans(2).predict(X)
    km = partitive.KMeans(2).fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but KMeans is expecting 3"):
        km.predict(X[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        km.predict(np.full((2, 3), np.nan))


@pytest.mark.parametrize(
    "x",
    [
        np.zeros((4, 2), dtype=np.int64),
        np.zeros((4, 2, 1)),
        np.asfortranarray(np.zeros((4, 2))),
        np.zeros((8, 2))[::2],
        [[0.0, 1.0]],
        None,
    ],
)
def test_native_layer_rejects_what_it_cannot_borrow(x):
    """The extension itself never converts: wrong dtype, rank or layout is a TypeError."""
    with pytest.raises(TypeError, match="C-contiguous"):
        _partitive.kmeans_fit(x, 1)


def test_native_layer_maps_library_errors():
    with pytest.raises(ValueError, match="invalid parameter k: k = 5 exceeds the number of rows"):
        _partitive.kmeans_fit(np.zeros((4, 2)), 5)
    with pytest.raises(TypeError, match="sample_weight must be a 1-D"):
        _partitive.kmeans_fit(np.zeros((4, 2)), 1, sample_weight=np.ones(4, dtype=np.float32))
    with pytest.raises(ValueError, match="shape mismatch"):
        _partitive.kmeans_predict(np.zeros((4, 2)), np.zeros((2, 3)))


def test_without_scikit_learn():
    """The package works (and validates) with scikit-learn absent."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["sklearn"] = None  # makes `import sklearn` fail
        import numpy as np, partitive
        from partitive import _base
        assert not _base.HAVE_SKLEARN
        X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
        km = partitive.KMeans(3, tol=0.0)
        assert km.get_params()["tol"] == 0.0 and km.set_params(tol=1e-3) is km
        assert repr(km).startswith("KMeans(")
        assert np.array_equal(km.fit_predict(X), km.labels_)
        assert km.n_features_in_ == 2 and km.cluster_centers_.dtype == np.float32
        for bad, exc in [(np.zeros((2, 2, 2)), ValueError), (np.zeros((0, 2)), ValueError),
                         (np.ones((3, 2), complex), ValueError)]:
            try:
                partitive.KMeans(1).fit(bad)
            except exc:
                pass
            else:
                raise AssertionError(bad)
        try:
            partitive.KMeans(1).predict(X)
        except partitive.NotFittedError:
            pass
        try:
            km.predict(X[:, :1])
        except ValueError as e:
            assert "expecting 2 features" in str(e)
        try:
            km.set_params(bogus=1)
        except ValueError as e:
            assert "Invalid parameter" in str(e)
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
