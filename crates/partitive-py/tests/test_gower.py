"""KMedoids(metric="gower"): pandas DataFrames with text columns, categorical= by name,
numeric columns range-scaled, prediction with the training levels and ranges."""

import numpy as np
import pytest

import partitive

pd = pytest.importorskip("pandas")


def customers(n_per=30, seed=0):
    """Three groups: (age, income, city, plan), each group its own city and plan."""
    rng = np.random.default_rng(seed)
    frames = []
    for age, income, city, plan in [(25, 20_000, "Paris", "basic"), (45, 90_000, "Lyon", "gold"), (65, 40_000, "Nice", "silver")]:
        frames.append(
            pd.DataFrame(
                {
                    "age": rng.normal(age, 3, n_per),
                    "income": rng.normal(income, 3_000, n_per),
                    "city": [city] * n_per,
                    "plan": [plan] * n_per,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def gower_matrix(codes, flags, ranges):
    """Gower's coefficient written out in numpy (the definition, for comparison)."""
    n, d = codes.shape
    D = np.zeros((n, n))
    for j in range(d):
        col = codes[:, j]
        if flags[j]:
            D += col[:, None] != col[None, :]
        elif ranges[j] > 0:
            D += np.abs(col[:, None] - col[None, :]) / ranges[j]
    return D / d


def test_dataframe_with_text_columns():
    df = customers()
    km = partitive.KMedoids(n_clusters=3, metric="gower").fit(df)
    truth = np.repeat([0, 1, 2], 30)
    pairs = set(zip(truth.tolist(), km.labels_.tolist()))
    assert len(pairs) == 3 and len(set(km.labels_.tolist())) == 3
    assert km.categorical_.tolist() == [False, False, True, True]
    assert km.categories_[2].tolist() == ["Lyon", "Nice", "Paris"]
    assert km.categories_[0] is None
    assert km.feature_names_in_.tolist() == ["age", "income", "city", "plan"]
    np.testing.assert_allclose(km.gower_ranges_[:2], [np.ptp(df.age), np.ptp(df.income)])
    assert km.gower_ranges_[2:].tolist() == [0.0, 0.0]
    # The medoids are rows of the frame, as given.
    assert km.cluster_centers_.shape == (3, 4)
    assert km.cluster_centers_[0, 2] == df.city[km.medoid_indices_[0]]
    # Same loss and medoids as a precomputed Gower matrix of the definition.
    codes = np.c_[df.age, df.income, pd.factorize(df.city, sort=True)[0], pd.factorize(df.plan, sort=True)[0]]
    D = gower_matrix(codes.astype(float), km.categorical_, km.gower_ranges_)
    ref = partitive.KMedoids(n_clusters=3, metric="precomputed").fit(D)
    assert sorted(ref.medoid_indices_.tolist()) == sorted(km.medoid_indices_.tolist())
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-12)
    # Training rows predict their own labels.
    np.testing.assert_array_equal(km.predict(df), km.labels_)


def test_categorical_by_name_and_numeric_codes():
    df = customers(20, seed=1)
    df["tier"] = np.repeat([1, 2, 3], 20)  # numeric codes meant as categories
    auto = partitive.KMedoids(n_clusters=3, metric="gower").fit(df)
    assert auto.categorical_.tolist() == [False, False, True, True, False]
    named = partitive.KMedoids(n_clusters=3, metric="gower", categorical=["city", "plan", "tier"]).fit(df)
    assert named.categorical_.tolist() == [False, False, True, True, True]
    assert named.categories_[4].tolist() == ["1", "2", "3"]
    # A text column left out of categorical= is an error naming it.
    with pytest.raises(ValueError, match="column 'plan' holds the non-numeric value"):
        partitive.KMedoids(n_clusters=3, metric="gower", categorical=["city"]).fit(df)
    with pytest.raises(ValueError, match="no column named 'town'"):
        partitive.KMedoids(n_clusters=3, metric="gower", categorical=["town"]).fit(df)
    with pytest.raises(ValueError, match="only used with metric='gower'"):
        partitive.KMedoids(n_clusters=3, categorical=["city"]).fit(df[["age", "income"]])


def test_predict_new_rows_by_name_and_unseen_categories():
    df = customers()
    km = partitive.KMedoids(n_clusters=3, metric="gower").fit(df)
    lab = {c: km.labels_[i] for i, c in ((0, "Paris"), (30, "Lyon"), (60, "Nice"))}
    new = pd.DataFrame(
        {
            "plan": ["gold", "basic", "silver", "platinum"],
            "extra": [1, 2, 3, 4],
            "city": ["Lyon", "Paris", "Nice", "Lyon"],
            "income": [88_000.0, 21_000.0, 41_000.0, 90_000.0],
            "age": [44.0, 26.0, 64.0, 45.0],
        }
    )
    got = km.predict(new)
    assert got.tolist() == [lab["Lyon"], lab["Paris"], lab["Nice"], lab["Lyon"]]
    with pytest.raises(ValueError, match="no column named 'plan'"):
        km.predict(new.drop(columns="plan"))
    with pytest.raises(ValueError, match="missing"):
        km.predict(new.assign(age=[1.0, np.nan, 2.0, 3.0]))


def test_object_array_and_missing_values():
    df = customers(15)
    X = df.to_numpy(dtype=object)
    km = partitive.KMedoids(n_clusters=3, metric="gower", categorical=[2, 3]).fit(X)
    by_frame = partitive.KMedoids(n_clusters=3, metric="gower").fit(df)
    np.testing.assert_array_equal(km.labels_, by_frame.labels_)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    bad = df.copy()
    bad.loc[4, "city"] = None
    with pytest.raises(ValueError, match="column 'city' has a missing or non-finite value in row 4"):
        partitive.KMedoids(n_clusters=3, metric="gower").fit(bad)
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=3"):
        partitive.KMedoids(n_clusters=3, metric="gower").fit(df.head(2))


def test_identifier_column_warns():
    df = customers(10)
    df["customer"] = [f"C{i:03}" for i in range(len(df))]
    with pytest.warns(UserWarning, match="column 'customer' has 30 distinct values in 30 rows"):
        partitive.KMedoids(n_clusters=3, metric="gower").fit(df)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        partitive.KMedoids(n_clusters=3, metric="gower").fit(df.drop(columns="customer"))
