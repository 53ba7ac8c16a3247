"""partitive.PPP: automatic k, repeatability, prediction, errors."""

import numpy as np
import pytest

import partitive


def blobs(seed=0):
    rng = np.random.default_rng(seed)
    centers = [(0, 0), (6, 0), (0, 6), (6, 6)]
    return np.vstack([rng.normal(c, 0.5, size=(150, 2)) for c in centers])


def same_partition(a, b):
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_finds_k_and_reports():
    X = blobs()
    m = partitive.PPP().fit(X)
    assert m.n_clusters_ == 4
    assert m.labels_.dtype == np.int64 and m.labels_.shape == (600,)
    assert len(set(m.labels_.tolist())) == 4
    assert sum(m.cluster_sizes_) == 600
    assert m.cluster_centers_.shape == (4, 2)
    assert 0.9 <= m.clusterability_ <= 1.0
    assert m.separable_.dtype == bool
    assert np.all((m.confidence_ >= 0) & (m.confidence_ <= 1))
    assert m.bic_path_ and all("bic" in e for e in m.bic_path_)
    assert all("reason" in n for n in m.tree_)
    np.testing.assert_array_equal(m.predict(X), m.labels_)


def test_row_order_and_dtype_do_not_matter():
    X = blobs(1)
    base = partitive.PPP().fit_predict(X)
    perm = np.random.default_rng(7).permutation(len(X))
    got = partitive.PPP().fit_predict(X[perm])
    back = np.empty_like(got)
    back[perm] = got
    assert same_partition(base, back)
    assert same_partition(base, partitive.PPP().fit_predict(X.astype(np.float32)))


def test_bad_input():
    with pytest.raises(ValueError):
        partitive.PPP().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError):
        partitive.PPP(tau=2.0).fit(blobs())
    with pytest.raises(ValueError):
        partitive.PPP().fit(np.zeros((2, 2, 2)))
    m = partitive.PPP().fit(blobs())
    with pytest.raises(ValueError):
        m.predict(np.zeros((3, 5)))


def test_pickle_round_trip():
    import pickle

    X = blobs(2)
    m = partitive.PPP().fit(X)
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))
    np.testing.assert_array_equal(m2.predict_proba_max(X), m.predict_proba_max(X))


def test_predict_proba():
    X = blobs(2)
    m = partitive.PPP().fit(X)
    p = m.predict_proba(X)
    assert p.shape == (len(X), m.n_clusters_) and p.dtype == np.float64
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.all((p >= 0) & (p <= 1))
    # The confidence is this matrix's entry for the predicted label, capped by the
    # cluster's reproducibility.
    labels = m.predict(X)
    rep = np.asarray(m.cluster_reproducibility_)
    assert rep.shape == (m.n_clusters_,) and np.all((rep > 0.99) & (rep <= 1))
    capped = np.minimum(p[np.arange(len(X)), labels], rep[labels])
    np.testing.assert_allclose(capped, m.predict_proba_max(X), rtol=1e-12)
    # Well separated blobs: the most probable cluster is the label.
    np.testing.assert_array_equal(p.argmax(axis=1), labels)
    # A point between two blobs is uncertain; float32 gives the same shape.
    mid = np.array([[3.0, 0.0]])
    assert m.predict_proba(mid).max() < 0.999
    assert m.predict_proba(X.astype(np.float32)).shape == p.shape
    with pytest.raises(ValueError, match="features"):
        m.predict_proba(X[:, :1])
    with pytest.raises(partitive.NotFittedError):
        partitive.PPP().predict_proba(X)


def test_stability_on_request():
    X = blobs(2)
    assert partitive.PPP().fit(X).stability_ is None
    m = partitive.PPP(stability=True).fit(X)
    assert m.n_clusters_ == 4
    assert m.stability_["half_sample_k"] == [4, 4]
    assert m.stability_["agreement"] > 0.99
    # The partition itself does not change.
    np.testing.assert_array_equal(m.labels_, partitive.PPP().fit_predict(X))
    # Uniform noise in a 4-d cube has no clusters: the halves disagree.
    U = np.random.default_rng(3).uniform(size=(3000, 4))
    assert partitive.PPP(stability=True).fit(U).stability_["agreement"] < 0.8
    with pytest.raises(ValueError, match="stability"):
        partitive.PPP(stability="yes").fit(X)
