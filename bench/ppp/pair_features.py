#!/usr/bin/env python3
"""Pair statistics of the mixture components selected by `partitive auto` (research):
for every pair of components sharing boundary points, candidate merge evidence and
whether the two components belong to the same reference cluster (majority label).

usage: pair_features.py OUT.json [--root DIR --batteries a,b] ...
"""
import argparse, json, os, sys, glob
import numpy as np
from scipy.special import logsumexp
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from merge_lab import load_set, model_of, Mixture, fit_sample, whiten, knn, mardia_z, REPO
import prototype


def features(mix, s, y, k=10, q_ambig=2 / 3):
    ll = mix.loglik(s)
    f = logsumexp(ll, axis=1)
    o = np.argsort(-ll, axis=1)
    a, b = o[:, 0], o[:, 1]
    m, K = len(s), mix.k
    q = 1 / (1 + np.exp(ll[np.arange(m), b] - ll[np.arange(m), a]))
    z = whiten(mix, s)
    nb = knn(z, min(k, m - 1))
    gz = mardia_z(mix, s, ll)
    peak = np.full(K, -np.inf); np.maximum.at(peak, a, f)
    med = np.array([np.median(f[a == c]) if (a == c).any() else -np.inf for c in range(K)])
    n = np.bincount(a, minlength=K)
    maj = np.array([np.bincount(y[a == c]).argmax() if (a == c).any() else -1 for c in range(K)])
    pur = np.array([np.bincount(y[a == c]).max() / max(1, (a == c).sum()) for c in range(K)])
    out = []
    for c in range(K):
        for d in range(c + 1, K):
            bd = ((a == c) & (b == d)) | ((a == d) & (b == c))
            on = bd & (q <= q_ambig)
            if on.sum() == 0:
                continue
            # neighbour composition of boundary points: share of neighbours in the other component
            idx = np.where(on)[0]
            other = np.where(a[idx] == c, d, c)
            nu = np.mean([(a[nb[i]] == o_).mean() for i, o_ in zip(idx, other)])
            same_side = np.mean([(a[nb[i]] == a[i]).mean() for i in idx])
            sad = f[on].max()
            # projected dip: points whose top component is c or d, on the Fisher axis
            pts = (a == c) | (a == d)
            w = np.linalg.solve(mix.cov[c] + mix.cov[d], mix.mu[d] - mix.mu[c])
            t = s[pts] @ w
            import diptest
            dip, pval = diptest.diptest(t) if len(t) > 3 else (0.0, 1.0)
            # KDE valley between the two medians relative to the smaller side maximum
            tc, td = np.median(s[a == c] @ w), np.median(s[a == d] @ w)
            bw = 1.06 * t.std() * len(t) ** -0.2
            grid = np.linspace(min(tc, td), max(tc, td), 41)
            kde = np.exp(-0.5 * ((grid[:, None] - t[None]) / bw) ** 2).sum(1)
            valley = kde.min() / min(kde[:21].max(), kde[20:].max())
            lo = c if (peak[c] < peak[d] or (peak[c] == peak[d] and c > d)) else d
            out.append(dict(c=c, d=d, nc=int(n[c]), nd=int(n[d]), nb=int(on.sum()), nbd=int(bd.sum()),
                            nu=float(nu), dip=float(dip), dip_p=float(pval), sqn_dip=float(np.sqrt(len(t)) * dip), valley=float(valley), same_side=float(same_side),
                            r_peak=float(np.exp(sad - peak[lo])), r_med=float(np.exp(np.median(f[on]) - med[lo])),
                            gc=float(gz[c]), gd=float(gz[d]),
                            same=bool(maj[c] == maj[d] and maj[c] > 0), noise=bool(maj[c] == 0 or maj[d] == 0),
                            purity=float(min(pur[c], pur[d]))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--bin", default=os.path.join(REPO, "target/partitive-base"))
    ap.add_argument("--root", default=os.path.join(REPO, "bench/data/ppp-batteries"))
    ap.add_argument("--batteries", default="shapes2d,shells,nongauss,real")
    ap.add_argument("--max-n", type=int, default=20000)
    a = ap.parse_args()
    res = []
    for bat in a.batteries.split(","):
        for base in sorted(p[:-8] for p in glob.glob(os.path.join(a.root, bat, "*.data.gz"))):
            x, refs = load_set(base)
            if len(x) > a.max_n:
                continue
            mm = model_of(a.bin, base, bat)
            if mm["model"]["mixture"] is None or len(mm["model"]["component_cluster"]) < 2:
                continue
            mix = Mixture(mm)
            order = prototype.hash_order(x[:, mix.cols])[: min(len(x), 4000)]
            s = x[order][:, mix.cols]
            y = refs[0][order]
            for r in features(mix, s, y):
                r.update(battery=bat, name=os.path.basename(base), dim=int(s.shape[1]), K=mix.k, kind=mix.kind)
                res.append(r)
            print(bat, os.path.basename(base), file=sys.stderr)
    json.dump(res, open(a.out, "w"))


if __name__ == "__main__":
    main()
