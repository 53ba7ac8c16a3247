"""The CLI's joinable `--output` files load back in numpy, pandas and pyarrow, in every
format the extension selects, and agree with `--labels-out` and with `partitive predict`.

Runs the release binary `target/release/partitive` (built by `cargo test --release`, the
first step of scripts/test.sh) or the one named by PARTITIVE_BIN.
"""

import gzip
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
WINE = ROOT / "examples" / "wine.csv"
HOLDOUT = ROOT / "examples" / "wine-holdout.csv"


def binary():
    b = pathlib.Path(os.environ.get("PARTITIVE_BIN", ROOT / "target" / "release" / "partitive"))
    if not b.exists():
        pytest.skip(f"no CLI binary at {b} (run `cargo build --release -p partitive-cli`)")
    return str(b)


def run(*args):
    out = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out


FIT = ["--id-column", "wine_id", "--exclude", "cultivar", "--scale", "standard", "-q"]


def ids():
    return [line.split(",")[0] for line in WINE.read_text().splitlines()[1:]]


def labels_txt(path):
    return np.array([int(v) for v in path.read_text().split()])


@pytest.mark.parametrize("ext", ["csv", "tsv", "csv.gz", "npy", "parquet"])
def test_output_loads_and_joins(tmp_path, ext):
    pd = pytest.importorskip("pandas")
    out, lab = tmp_path / f"out.{ext}", tmp_path / "l.txt"
    run("kmeans", WINE, "-k", "3", *FIT, "--output", out, "--labels-out", lab)
    want = labels_txt(lab)
    assert len(want) == 149 and set(want) == {0, 1, 2}
    if ext == "npy":
        a = np.load(out, allow_pickle=False)
        assert a.dtype.names[-1] == "cluster", a.dtype
        got_ids = [str(v) for v in a[a.dtype.names[0]]]
        got = a["cluster"]
    elif ext == "parquet":
        pq = pytest.importorskip("pyarrow.parquet")
        t = pq.read_table(out)
        assert t.column_names == ["wine_id", "cluster"], t.schema
        got_ids = t.column("wine_id").to_pylist()
        got = np.array(t.column("cluster").to_pylist())
        df = pd.read_parquet(out)
        assert list(df["cluster"]) == list(want)
    else:
        if ext.endswith(".gz"):
            with gzip.open(out, "rt") as f:  # really compressed
                assert f.readline().startswith("wine_id")
        df = pd.read_csv(out, sep="\t" if ext == "tsv" else ",")
        assert list(df.columns) == ["wine_id", "cluster"]
        got_ids = list(df["wine_id"])
        got = df["cluster"].to_numpy()
    assert got_ids == ids()
    np.testing.assert_array_equal(got, want)


def test_gmm_output_has_confidence_and_predict_repeats_the_fit(tmp_path):
    pd = pytest.importorskip("pandas")
    out, model = tmp_path / "o.csv", tmp_path / "m.json"
    run("gmm", WINE, "-k", "3", *FIT, "--output", out, "--model-out", model)
    df = pd.read_csv(out)
    assert list(df.columns) == ["wine_id", "cluster", "confidence"]
    assert ((df["confidence"] > 0) & (df["confidence"] <= 1)).all()
    again = tmp_path / "p.csv"
    run("predict", model, WINE, "--id-column", "wine_id", "--output", again, "-q")
    pd.testing.assert_frame_equal(pd.read_csv(again)[["wine_id", "cluster"]], df[["wine_id", "cluster"]])
    # Held-out rows are labelled too (the model scales them as in the fit).
    held = tmp_path / "h.parquet"
    run("predict", model, HOLDOUT, "--id-column", "wine_id", "--output", held, "-q")
    h = pd.read_parquet(held)
    assert len(h) == 29 and set(h["cluster"]) <= {0, 1, 2}


def _majority(clusters, truth):
    """Rows sharing their cluster's most common true class."""
    total = 0
    for c in set(clusters):
        vals, counts = np.unique(truth[clusters == c], return_counts=True)
        total += counts.max()
    return total


def test_readme_auto_walkthrough(tmp_path):
    """The README's `auto` step on wine: its figures, the model's held-out labels and
    probabilities, and the report's components section."""
    pd = pytest.importorskip("pandas")
    model, out, rep = tmp_path / "a.json", tmp_path / "a.csv", tmp_path / "a.html"
    run("auto", WINE, *FIT, "--model-out", model, "--output", out, "--report", rep)
    df = pd.read_csv(out)
    truth = pd.read_csv(WINE).set_index("wine_id")["cultivar"]
    assert df["cluster"].nunique() == 6
    assert _majority(df["cluster"].to_numpy(), truth[df["wine_id"]].to_numpy()) == 138
    held, proba = tmp_path / "h.csv", tmp_path / "p.csv"
    run("predict", model, HOLDOUT, "--output", held, "--proba-out", proba, "-q")
    h = pd.read_csv(held)
    assert list(h.columns) == ["wine_id", "cluster", "confidence"]
    truth_h = pd.read_csv(HOLDOUT).set_index("wine_id")["cultivar"]
    assert _majority(h["cluster"].to_numpy(), truth_h[h["wine_id"]].to_numpy()) == 26
    p = pd.read_csv(proba)
    assert list(p.columns) == [f"p{c}" for c in range(6)]
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)
    # The confidence is the probability of the label capped by its cluster's reproducibility
    # (stored per component in the model).
    ppp = json.loads(model.read_text())["model"]["ppp"]
    repro = np.ones(6)
    for comp, c in enumerate(ppp["component_cluster"]):
        repro[c] = ppp["reproducibility"][comp]
    assert repro.min() < 0.9, "on 149 wines the 6 groups do not all come back on half the rows"
    capped = np.minimum(p.to_numpy()[np.arange(29), h["cluster"]], repro[h["cluster"]])
    np.testing.assert_allclose(capped, h["confidence"], rtol=1e-12)
    assert "How the components were merged" in rep.read_text()


@pytest.mark.parametrize("ext", ["npy", "parquet", "csv"])
def test_hdbscan_model_outputs_load(tmp_path, ext):
    """hdbscan --model-out, then predict: the training file's labels and membership
    probabilities come back, in any output format."""
    pd = pytest.importorskip("pandas")
    model, lab, prob = tmp_path / "m.json", tmp_path / f"l.{ext}", tmp_path / f"p.{ext}"
    run("hdbscan", WINE, "--min-cluster-size", "5", *FIT, "--model-out", model,
        "--labels-out", lab, "--probabilities-out", prob)
    plab, pprob = tmp_path / f"pl.{ext}", tmp_path / f"pp.{ext}"
    run("predict", model, WINE, "--labels-out", plab, "--proba-out", pprob, "-q")

    def load(path, name):
        if ext == "npy":  # --proba-out is a matrix: n x 1 here
            return np.load(path, allow_pickle=False).reshape(-1)
        if ext == "parquet":
            return pd.read_parquet(path)[name].to_numpy()
        return pd.read_csv(path)[name].to_numpy()

    fit_l, fit_p = load(lab, "cluster"), load(prob, "probability")
    assert len(fit_l) == 149 and fit_l.min() >= -1 and fit_l.max() >= 1
    np.testing.assert_array_equal(load(plab, "cluster"), fit_l)
    np.testing.assert_array_equal(load(pprob, "probability"), fit_p)
