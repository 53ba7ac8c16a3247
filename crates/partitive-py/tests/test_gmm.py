"""partitive.GaussianMixture: agreement with scikit-learn, prediction, errors."""

import pickle

import numpy as np
import pytest

import partitive

TYPES = ["full", "diag", "spherical", "tied"]


@pytest.fixture
def three_blobs():
    rng = np.random.default_rng(7)
    means = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 1.0], [0.0, 7.0, -2.0]])
    y = rng.integers(0, 3, size=900)
    scale = np.array([[1.0, 0.5, 0.8], [0.7, 1.2, 0.6], [1.1, 0.9, 1.3]])
    return means[y] + rng.normal(size=(900, 3)) * scale[y], y


@pytest.mark.parametrize("kind", TYPES)
def test_same_fit_as_sklearn_from_same_start(three_blobs, kind):
    mixture = pytest.importorskip("sklearn.mixture")
    X, _ = three_blobs
    # (a common start: one EM iteration from the k-means partition)
    start = partitive.GaussianMixture(3, covariance_type=kind, max_iter=1).fit(X)
    ours = partitive.GaussianMixture(
        3,
        covariance_type=kind,
        weights_init=start.weights_,
        means_init=start.means_,
        covariances_init=start.covariances_,
        tol=1e-10,
        max_iter=500,
    ).fit(X)
    theirs = mixture.GaussianMixture(
        3,
        covariance_type=kind,
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
        tol=1e-10,
        max_iter=500,
        # our reg_covar is relative to the mean feature variance, scikit-learn's absolute
        reg_covar=1e-6 * X.var(axis=0).mean(),
    ).fit(X)
    np.testing.assert_allclose(ours.weights_, theirs.weights_, rtol=1e-6)
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.covariances_, theirs.covariances_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.precisions_, theirs.precisions_, rtol=1e-5, atol=1e-8)
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-9)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8)
    assert np.array_equal(ours.predict(X), theirs.predict(X))
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-9)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-9)


@pytest.mark.parametrize("kind", TYPES)
def test_fit_attributes_and_predictions(three_blobs, kind):
    X, y = three_blobs
    gm = partitive.GaussianMixture(3, covariance_type=kind).fit(X)
    assert gm.converged_ and gm.n_features_in_ == 3
    assert gm.weights_.sum() == pytest.approx(1.0)
    assert gm.labels_.dtype == np.int64
    assert np.array_equal(gm.predict(X), gm.labels_)
    p = gm.predict_proba(X)
    assert p.shape == (900, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert gm.score(X) == pytest.approx(gm.score_samples(X).mean())
    assert gm.bic(X) == pytest.approx(gm.bic_, rel=1e-9)
    assert gm.aic(X) == pytest.approx(gm.aic_, rel=1e-9)
    assert gm.icl_ >= gm.bic_
    ari = pytest.importorskip("sklearn.metrics").adjusted_rand_score(y, gm.labels_)
    assert ari > 0.9
    again = pickle.loads(pickle.dumps(gm))
    assert np.array_equal(again.predict_proba(X), p)


def test_float32_input_and_weights(three_blobs):
    X, _ = three_blobs
    gm32 = partitive.GaussianMixture(3).fit(X.astype(np.float32))
    gm64 = partitive.GaussianMixture(3).fit(X)
    np.testing.assert_allclose(np.sort(gm32.means_, axis=0), np.sort(gm64.means_, axis=0), atol=1e-3)
    w = np.ones(900)
    gw = partitive.GaussianMixture(3).fit(X, sample_weight=w)
    assert gw.lower_bound_ == pytest.approx(gm64.lower_bound_, rel=1e-12)


def test_degenerate_data_is_reported_not_raised():
    X = np.c_[np.arange(20.0), np.zeros(20)]  # a constant column
    gm = partitive.GaussianMixture(2).fit(X)
    assert gm.diagnostics_["constant_columns"] == [1]
    assert np.isfinite(gm.score(X))


@pytest.mark.parametrize(
    "params, exc, match",
    [
        (dict(n_components=0), ValueError, "n_components must be >= 1"),
        (dict(n_components=901), ValueError, "n_samples=900 should be >= n_components=901"),
        (dict(covariance_type="banana"), ValueError, "covariance_type must be one of"),
        (dict(reg_covar=-1.0), ValueError, "reg_covar must be finite and >= 0"),
        (dict(init_params="random"), ValueError, "init_params must be one of"),
        (dict(means_init=np.zeros((3, 3))), ValueError, "must be given together"),
        (
            dict(weights_init=np.ones(3) / 3, means_init=np.zeros((3, 3)), covariances_init=np.ones(3)),
            ValueError,
            r"covariances_init must be a C-contiguous array of shape \[3, 3, 3\]",
        ),
        (
            dict(weights_init=np.ones(2) / 2, means_init=np.zeros((3, 3)), covariances_init=np.ones((3, 3, 3))),
            ValueError,
            "shape mismatch in initial weights",
        ),
    ],
)
def test_bad_parameters(three_blobs, params, exc, match):
    X, _ = three_blobs
    params.setdefault("n_components", 3)
    with pytest.raises(exc, match=match):
        partitive.GaussianMixture(**params).fit(X)


def test_bad_data():
    with pytest.raises(ValueError, match="NaN at row 0"):
        partitive.GaussianMixture(1).fit(np.array([[np.nan, 1.0], [0.0, 1.0]]))
    gm = partitive.GaussianMixture(1).fit(np.random.default_rng(0).normal(size=(10, 2)))
    with pytest.raises(ValueError, match="expecting 2 features"):
        gm.predict_proba(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="inf"):
        gm.score_samples(np.array([[np.inf, 0.0]]))
    with pytest.raises(partitive.NotFittedError):
        partitive.GaussianMixture(1).predict(np.zeros((3, 2)))
