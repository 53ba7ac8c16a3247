"""The CLI's joinable `--output` files load back in numpy, pandas and pyarrow, in every
format the extension selects, and agree with `--labels-out` and with `partitive predict`.

Runs the release binary `target/release/partitive` (built by `cargo test --release`, the
first step of scripts/test.sh) or the one named by PARTITIVE_BIN.
"""

import gzip
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
