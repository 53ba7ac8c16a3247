"""Research harness: cache, per data set, the deterministic k-means path and the GMM fits
(per k, per covariance type) so that selection / merge variants can be scored quickly.

usage: sweep.py TAG [--std] [--eps 1e-3] [--kmax-rule sqrt|60] [--match RE] [--batteries a,b]
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import pickle
import sys
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core


def kmax_for(n):
    return int(min(60, max(2, np.floor(np.sqrt(n)))))


def run_one(args):
    b, name, X, refs, std, eps, cts, patience, M = args
    t0 = time.time()
    X = X.astype(float)
    if std:
        s = X.std(0)
        s[s == 0] = 1
        X = (X - X.mean(0)) / s
    Xall = X
    if M and len(X) > M:
        X = X[np.sort(core.row_hash_order(X)[:M])]
    n, d = X.shape
    var = X.var(0)
    var[var == 0] = 1.0
    reg = eps * var
    kmax = kmax_for(n)
    path = core.kmeans_path(X, kmax)
    fits = {}
    best = np.inf
    since = 0
    for k in sorted(path):
        C, lab = path[k]
        improved = False
        for ct in cts:
            try:
                g, ll, R, it = core.fit_gmm(X, lab, ct, reg)
            except np.linalg.LinAlgError:
                continue
            kk = len(g.w)
            bic = core.bic(ll, kk, d, n, ct)
            icl = core.icl(ll, kk, d, n, ct, R)
            fits[(k, ct)] = dict(gmm=g, ll=ll, bic=bic, icl=icl, keff=kk, it=it)
            if bic < best:
                best, improved = bic, True
        since = 0 if improved else since + 1
        if patience and since >= patience:
            break
    return name, dict(battery=b, X=Xall, Xfit=X, refs=refs, path=path, fits=fits, secs=time.time() - t0, kmax=kmax)


def main():
    tag = sys.argv[1]
    std = "--std" in sys.argv
    eps = float(sys.argv[sys.argv.index("--eps") + 1]) if "--eps" in sys.argv else 1e-3
    match = sys.argv[sys.argv.index("--match") + 1] if "--match" in sys.argv else None
    bats = sys.argv[sys.argv.index("--batteries") + 1].split(",") if "--batteries" in sys.argv else ["sipu", "uci", "fcps", "other"]
    cts = sys.argv[sys.argv.index("--cts") + 1].split(",") if "--cts" in sys.argv else list(core.COV_TYPES)
    patience = int(sys.argv[sys.argv.index("--patience") + 1]) if "--patience" in sys.argv else 0
    procs = int(sys.argv[sys.argv.index("--procs") + 1]) if "--procs" in sys.argv else 2
    sets = core.datasets(bats, match=match)
    # biggest first for load balance
    sets.sort(key=lambda s: -len(s[2]) * s[2].shape[1])
    M = int(sys.argv[sys.argv.index("--sample") + 1]) if "--sample" in sys.argv else 4000
    jobs = [(b, name, X, refs, std, eps, cts, patience, M) for b, name, X, refs in sets]
    out = {}
    with Pool(procs) as p:
        for name, res in p.imap_unordered(run_one, jobs):
            out[name] = res
            print(f"{name:30s} n={len(res['X']):6d} kmax={res['kmax']:3d} fits={len(res['fits']):4d} {res['secs']:.1f}s", flush=True)
    with open(f"/tmp/ppp-sweep-{tag}.pkl", "wb") as f:
        pickle.dump(out, f)


if __name__ == "__main__":
    main()
