"""Evaluate the PPP-auto prototype on the shared clustering batteries.

usage: evaluate.py [--max-n 20000] [--procs 2] [--cov full,spherical] [--match REGEX] [--no-g2mg] [--no-oracle] [--json OUT] [--rho R] [--sample M]

Prints: per-set lines (stderr), then the per-battery table over the 41 sets with n <= 20,000
(sipu, uci, fcps, other), the Gaussian-like criterion (sipu s1-s4, a1-a3, d31, r15, unbalance and
g2mg with d in {2,16,64}, s <= 60) against k-means given the true k, and a split-half check.
Scoring as shared/tools/autok_eval.py: k exact if it equals the non-noise class count of ANY reference
labelling; ARI = best over labellings, on non-noise points.
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import glob
import json
import re
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prototype

ROOT = os.environ.get("PPP_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "../../../../shared/benchmarks/clustering-data-v1"))
if not os.path.isdir(ROOT):
    ROOT = "/work/shared/benchmarks/clustering-data-v1"
BATS = ["sipu", "uci", "fcps", "other"]
GAUSS_SIPU = ["s1", "s2", "s3", "s4", "a1", "a2", "a3", "d31", "r15", "unbalance"]
G2MG_RE = r"g2mg_(2|16|64)_(10|20|30|40|50|60)$"
BASELINES = [  # from shared/benchmarks/README.md (41 sets, n <= 20,000)
    ("GMM + BIC (sklearn full)", 29.3, 0.585), ("HDBSCAN", 31.7, 0.559), ("DynMSC", 36.6, 0.469),
    ("mclust", 15.0, 0.558), ("mclust + clustCombi", 17.5, 0.533), ("k-means given true k", 100.0, 0.588)]


def ari(a, b):
    a = np.unique(a, return_inverse=True)[1]
    b = np.unique(b, return_inverse=True)[1]
    C = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(C, (a, b), 1)
    c2 = lambda x: x * (x - 1) / 2.0
    sij, sa, sb = c2(C).sum(), c2(C.sum(1)).sum(), c2(C.sum(0)).sum()
    exp = sa * sb / c2(len(a))
    mx = (sa + sb) / 2.0
    return 1.0 if mx == exp else (sij - exp) / (mx - exp)


def score(labels, refs):
    labels = np.asarray(labels)
    k_hat = len(set(int(l) for l in labels if l >= 0))
    best, exact, ks = -1.0, False, []
    for r in refs:
        m = r > 0
        k = len(set(r[m]))
        ks.append(k)
        exact |= k_hat == k
        best = max(best, ari(r[m], labels[m]))
    return k_hat, ks, bool(exact), best


def oracle_ari(X, refs):
    """k-means given the true k, as autok_eval.py does (scikit-learn, n_init=10, seed 0) — reference only."""
    from sklearn.cluster import KMeans
    k = min(len(set(r[r > 0])) for r in refs)
    lab = KMeans(k, n_init=10, random_state=0).fit_predict(X)
    return score(lab, refs)[3]


def n_rows(base):
    import gzip
    with gzip.open(base + ".data.gz", "rt") as f:
        return sum(1 for _ in f)


def run(job):
    battery, name, base, opts = job
    X = np.loadtxt(base + ".data.gz", ndmin=2)
    refs = [np.loadtxt(f, dtype=int).ravel() for f in sorted(glob.glob(base + ".labels*.gz"))]
    t = time.perf_counter()
    lab, info = prototype.ppp_auto(X, rho=opts["rho"], sample_max=opts["sample"], cov_types=opts["cov"])
    secs = time.perf_counter() - t
    k_hat, ks, exact, a = score(lab, refs)
    oa = oracle_ari(X, refs) if opts["oracle"] else None
    return dict(battery=battery, name=name, n=len(X), d=X.shape[1], k_true=ks, k_hat=k_hat, exact=exact, ari=a,
                components=info["n_components"], k_proposal=info["k_proposal"], secs=secs, oracle_ari=oa)


def table(rows, title):
    print(f"\n{title}")
    print(f"{'battery':10s} {'sets':>4s} {'k exact':>8s} {'mean ARI':>9s} {'median':>7s}")
    for b in BATS + ["ALL"]:
        r = [x for x in rows if b == "ALL" or x["battery"] == b]
        if r:
            print(f"{b:10s} {len(r):4d} {100 * np.mean([x['exact'] for x in r]):7.1f}% "
                  f"{np.mean([x['ari'] for x in r]):9.3f} {np.median([x['ari'] for x in r]):7.3f}")


def main():
    arg = lambda k, d: type(d)(sys.argv[sys.argv.index(k) + 1]) if k in sys.argv else d
    opts = dict(rho=arg("--rho", prototype.RHO), sample=arg("--sample", prototype.SAMPLE_MAX),
                oracle="--no-oracle" not in sys.argv, cov=tuple(arg("--cov", ",".join(prototype.COV_TYPES)).split(",")))
    match = arg("--match", "")
    max_n = arg("--max-n", 20000)
    jobs = []
    for b in BATS + ([] if "--no-g2mg" in sys.argv else ["g2mg"]):
        for p in sorted(glob.glob(os.path.join(ROOT, b, "*.data.gz"))):
            base = p[:-8]
            name = os.path.relpath(base, ROOT)
            if b == "g2mg" and not re.search(G2MG_RE, name):
                continue
            if match and not re.search(match, name):
                continue
            if b != "g2mg" and max_n and n_rows(base) > max_n:
                continue
            jobs.append((b, name, base, opts))
    rows = []
    with Pool(arg("--procs", 2)) as pool:
        for r in pool.imap_unordered(run, jobs):
            rows.append(r)
            print(f"{r['name']:28s} n={r['n']:6d} d={r['d']:3d} k_true={r['k_true']} k={r['k_hat']:3d} "
                  f"(K={r['components']:2d}) ari={r['ari']:.3f}"
                  + (f" oracle={r['oracle_ari']:.3f}" if r["oracle_ari"] is not None else "")
                  + f" {r['secs']:.1f}s", file=sys.stderr, flush=True)
    rows.sort(key=lambda r: r["name"])
    main41 = [r for r in rows if r["battery"] in BATS and r["n"] <= 20000]
    if main41:
        table(main41, f"PPP-auto (rho={opts['rho']}, cov={','.join(opts['cov'])}, sample_max={opts['sample']}) on {len(main41)} sets, n <= 20,000")
        print("\nbaselines (shared/benchmarks/README.md): " + "; ".join(f"{m} {e}%/{a}" for m, e, a in BASELINES))
        for h, nm in ((0, "A (even index)"), (1, "B (odd index)")):
            table([r for i, r in enumerate(main41) if i % 2 == h], f"split half {nm}")
    gs = [r for r in rows if (r["battery"] == "sipu" and r["name"].split("/")[1] in GAUSS_SIPU) or r["battery"] == "g2mg"]
    if gs:
        print("\nGaussian-like criterion (k exact >= 90%, mean ARI >= 0.95 x k-means given true k)")
        for grp, sel in (("sipu gauss", lambda r: r["battery"] == "sipu"), ("g2mg", lambda r: r["battery"] == "g2mg"),
                         ("all", lambda r: True)):
            r = [x for x in gs if sel(x)]
            if not r:
                continue
            ex = 100 * np.mean([x["exact"] for x in r])
            ma = np.mean([x["ari"] for x in r])
            line = f"{grp:11s} sets={len(r):2d} k exact {ex:5.1f}%  mean ARI {ma:.3f}"
            if all(x["oracle_ari"] is not None for x in r):
                oa = np.mean([x["oracle_ari"] for x in r])
                line += f"  k-means(true k) {oa:.3f}  ratio {ma / oa:.3f}"
            print(line)
        print("misses: " + ", ".join(f"{x['name']}({x['k_hat']} vs {x['k_true']})" for x in gs if not x["exact"]))
    print(f"\ntotal fit time {sum(r['secs'] for r in rows):.1f}s")
    if "--json" in sys.argv:
        json.dump(rows, open(arg("--json", ""), "w"), indent=1)


if __name__ == "__main__":
    main()
