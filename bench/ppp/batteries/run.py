#!/usr/bin/env python3
"""Score `partitive auto` and the automatic-k baselines on the development batteries.

  run.py baselines [--batteries shapes2d,shells,nongauss,real] [--methods hdbscan,...]
      runs /work/shared/tools/autok_eval.py (hdbscan, xmeans, gmeans, gmm_bic, dynmsc; the
      same code and scoring as the shared baselines) per battery; JSON under RESULTS
  run.py partitive --tag TAG [--bin target/release/partitive] [--batteries ...]
      runs `partitive evaluate` (the same scoring) per battery; JSON under RESULTS
  run.py table [--tags base,TAG] [--batteries ...]
      prints a markdown table per battery (k exact %, mean ARI; also the split halves A =
      even and B = odd index of the sets sorted by name)

Held-out draws: `gen.py --holdout 1` writes the same families from other seeds as
BATTERY-h1 (shapes2d-h1, shells-h1, nongauss-h1); pass those names to --batteries of both
`baselines` and `partitive`. No rule was developed on them: they measure how far the
development results generalise.

Scoring (as autok_eval.py): k exact when k equals the non-noise class count of the
reference; ARI on non-noise points. Data: gen.py (default bench/data/ppp-batteries).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "../../.."))
DATA = os.path.join(REPO, "bench/data/ppp-batteries")
RESULTS = os.path.join(HERE, "../results")
AUTOK = os.environ.get("AUTOK_EVAL", "/work/shared/tools/autok_eval.py")
# pyclustering (X-means, G-means) calls `numpy.warnings`, which numpy >= 1.24 no longer has;
# without it every X-means / G-means set is reported as an error. autok_eval.py runs under
# this shim, which gives numpy that attribute back (the standard `warnings` module) and
# changes nothing else.
NUMPY_SHIM = ("import runpy, sys, warnings, numpy; "
              "numpy.warnings = getattr(numpy, 'warnings', warnings); "
              "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")
BASELINES = ["hdbscan", "xmeans", "gmeans", "gmm_bic", "dynmsc"]
ALL = ["shapes2d", "shells", "spikes", "nongauss", "nongauss2", "real", "manyg"]


def baselines(a):
    os.makedirs(RESULTS, exist_ok=True)
    for b in a.batteries.split(","):
        for m in a.methods.split(","):
            out = os.path.join(RESULTS, f"baseline-{m}-{b}.json")
            if os.path.exists(out) and not a.force:
                print("have", out)
                continue
            cmd = [sys.executable, "-c", NUMPY_SHIM, AUTOK, DATA, b, m, "--json", out,
                   "--max-n", str(a.max_n)]
            print(" ".join(cmd), flush=True)
            subprocess.run(cmd, check=True, env=dict(os.environ, OMP_NUM_THREADS="1",
                                                     OPENBLAS_NUM_THREADS="1"))


def partitive(a):
    os.makedirs(RESULTS, exist_ok=True)
    for b in a.batteries.split(","):
        out = os.path.join(RESULTS, f"partitive-{a.tag}-{b}.json")
        cmd = [a.bin, "evaluate", DATA, "--batteries", b, "--max-n", str(a.max_n),
               "--json-out", out] + (["--threads", str(a.threads)] if a.threads else [])
        if a.match:
            cmd += ["--match", a.match]
        print(" ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)


def load(path):
    """Rows {name, k_hat, exact, ari, ...} of one result file, whatever its producer."""
    v = json.load(open(path))
    if isinstance(v, dict):  # autok_eval: {method: [rows]}
        v = next(iter(v.values()))
    rows = []
    for r in v:
        name = r["name"].split("/")[-1]
        rows.append(dict(name=name, k_hat=r["k_hat"], exact=bool(r["exact"]), ari=float(r["ari"]),
                         k_true=r["k_true"], d=r["d"], n=r["n"], secs=r.get("secs", r.get("seconds"))))
    return sorted(rows, key=lambda r: r["name"])


def summary(rows):
    if not rows:
        return "—"
    ex = 100.0 * sum(r["exact"] for r in rows) / len(rows)
    ari = sum(r["ari"] for r in rows) / len(rows)
    return f"{ex:.1f}% / {ari:.3f}"


def table(a):
    tags = a.tags.split(",")
    for b in a.batteries.split(","):
        cols = []
        for t in tags:
            p = os.path.join(RESULTS, f"partitive-{t}-{b}.json")
            if os.path.exists(p):
                cols.append((f"partitive {t}", load(p)))
        for m in BASELINES:
            p = os.path.join(RESULTS, f"baseline-{m}-{b}.json")
            if os.path.exists(p):
                cols.append((m, load(p)))
        if not cols:
            continue
        if a.match:
            import re
            cols = [(c, [r for r in rows if re.search(a.match, r["name"])]) for c, rows in cols]
        n = len(cols[0][1])
        print(f"\n### {b} ({n} sets; k exact / mean ARI)\n")
        print("| method | all | half A | half B |")
        print("|---|---|---|---|")
        for c, rows in cols:
            print(f"| {c} | {summary(rows)} | {summary(rows[0::2])} | {summary(rows[1::2])} |")
        if a.per_set:
            print()
            print("| set | k true | " + " | ".join(c for c, _ in cols) + " |")
            print("|---|---|" + "---|" * len(cols))
            names = [r["name"] for r in cols[0][1]]
            for nm in names:
                cells = []
                kt = None
                for c, rows in cols:
                    r = next((r for r in rows if r["name"] == nm), None)
                    if r is None:
                        cells.append("")
                        continue
                    kt = r["k_true"]
                    cells.append(f"{r['k_hat']} / {r['ari']:.2f}")
                print(f"| {nm} | {kt} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("baselines")
    p.add_argument("--batteries", default="shapes2d,shells,nongauss,real")
    p.add_argument("--methods", default=",".join(BASELINES))
    p.add_argument("--max-n", type=int, default=20000)
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("partitive")
    p.add_argument("--tag", required=True)
    p.add_argument("--bin", default=os.path.join(REPO, "target/release/partitive"))
    p.add_argument("--batteries", default="shapes2d,shells,nongauss,real")
    p.add_argument("--max-n", type=int, default=1_000_000)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--match", default=None)
    p = sub.add_parser("table")
    p.add_argument("--tags", default="base")
    p.add_argument("--batteries", default=",".join(ALL))
    p.add_argument("--match", default=None)
    p.add_argument("--per-set", action="store_true")
    a = ap.parse_args()
    {"baselines": baselines, "partitive": partitive, "table": table}[a.cmd](a)


if __name__ == "__main__":
    main()
