#!/usr/bin/env python3
"""Merge-rule laboratory: the mixture selected by `partitive auto` (dumped with the
research hook PPP_MODEL_OUT), re-merged in numpy by candidate rules, scored as
autok_eval.py scores (k exact, ARI on non-noise points).

usage: merge_lab.py [--bin target/partitive-base] [--batteries shapes2d,...] [--root DIR]
                    [--rules r0,tomato,...] [--match REGEX]

The fit sample is reconstructed as the engine builds it (constant columns dropped, the
min(n, 4000) rows first in content-hash order; bench/ppp/prototype.py's hash).
"""
import argparse
import warnings
warnings.filterwarnings('ignore')
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np
from scipy.special import logsumexp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import prototype  # noqa: E402

REPO = os.path.normpath(os.path.join(HERE, "../.."))
CACHE = os.path.join(REPO, "bench/data/ppp-lab")


def load_set(base):
    x = np.loadtxt(base + ".data.gz", ndmin=2)
    refs = [np.loadtxt(f, dtype=int).ravel() for f in sorted(glob.glob(base + ".labels*.gz"))]
    return x, refs


def score(labels, refs):
    from sklearn.metrics import adjusted_rand_score
    k_hat = len(set(int(v) for v in labels if v >= 0))
    best, exact = -1.0, False
    for r in refs:
        m = r > 0
        exact |= k_hat == len(set(r[m]))
        best = max(best, adjusted_rand_score(r[m], labels[m]))
    return k_hat, exact, best


def model_of(binp, base, battery):
    name = os.path.basename(base)
    out = os.path.join(CACHE, os.path.basename(binp), battery, name + ".json")
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run([binp, "auto", base + ".data.gz", "--quiet"], check=True,
                       env=dict(os.environ, PPP_MODEL_OUT=out), stdout=subprocess.DEVNULL)
    return json.load(open(out))


class Mixture:
    def __init__(self, m):
        mix = m["model"]["mixture"]
        self.cols = m["model"]["kept_columns"]
        p = mix["params"]
        self.w = np.array(p["weights"])
        mm = p["means"]
        self.mu = np.array(mm["data"]).reshape(mm["n_rows"], mm["n_cols"])
        k, d = self.mu.shape
        cov = p["covariances"]
        if "Full" in cov:
            self.cov = np.array([np.array(c["data"]).reshape(d, d) for c in cov["Full"]])
        else:
            self.cov = np.array([np.eye(d) * s for s in cov["Spherical"]])
        self.kind = "full" if "Full" in cov else "spherical"
        self.k, self.d = k, d
        self.chol = np.linalg.cholesky(self.cov)
        self.logdet = 2 * np.log(np.array([np.diag(c) for c in self.chol])).sum(1)
        self.cc_engine = np.array(m["model"]["component_cluster"])

    def loglik(self, x):
        """ln w_j + ln N(x | mu_j, Sigma_j), n x k."""
        out = np.empty((len(x), self.k))
        for j in range(self.k):
            z = np.linalg.solve(self.chol[j], (x - self.mu[j]).T)
            out[:, j] = np.log(self.w[j]) - 0.5 * (self.d * np.log(2 * np.pi) + self.logdet[j] + (z * z).sum(0))
        return out

    def mahal2(self, x):
        out = np.empty((len(x), self.k))
        for j in range(self.k):
            z = np.linalg.solve(self.chol[j], (x - self.mu[j]).T)
            out[:, j] = (z * z).sum(0)
        return out


def fit_sample(x, cols, m=4000):
    xs = x[:, cols]
    order = prototype.hash_order(xs)
    return xs[order[: min(len(x), m)]]


# ----------------------------------------------------------------------------- rules

def landscape(mix, s, q_ambig=2 / 3):
    """Engine statistics: peak per component, saddle per pair (log densities)."""
    ll = mix.loglik(s)
    f = logsumexp(ll, axis=1)
    o = np.argsort(-ll, axis=1)
    a, b = o[:, 0], o[:, 1] if mix.k > 1 else o[:, 0]
    k = mix.k
    peak = np.full(k, -np.inf)
    np.maximum.at(peak, a, f)
    sad = np.full((k, k), -np.inf)
    if k > 1:
        q = 1 / (1 + np.exp(ll[np.arange(len(s)), b] - ll[np.arange(len(s)), a]))
        on = q <= q_ambig
        np.maximum.at(sad, (a[on], b[on]), f[on])
        sad = np.maximum(sad, sad.T)
    return ll, f, a, peak, sad


def mardia_z(mix, s, ll):
    post = np.exp(ll - logsumexp(ll, axis=1, keepdims=True))
    d2 = mix.mahal2(s)
    nk = post.sum(0)
    dd = mix.d * (mix.d + 2)
    b2 = (post * d2 * d2).sum(0) / nk
    return (b2 - dd) / np.sqrt(8 * dd / nk)


def roots_to_map(parent):
    k = len(parent)
    rep = []
    for c in range(k):
        r = c
        while parent[r] is not None:
            r = parent[r]
        rep.append(r)
    roots = sorted(set(rep))
    return np.array([roots.index(r) for r in rep])


def rule_r0(mix, s, rho=0.6, rho_gauss=0.9, keep_gauss=True, **_):
    """The engine's rule (to validate the harness)."""
    ll, f, a, peak, sad = landscape(mix, s)
    k = mix.k
    z = mardia_z(mix, s, ll)
    g = np.abs(z) <= 2.0
    kg = keep_gauss and s.shape[1] >= 4
    parent = [None] * k
    for c in range(k):
        best = None
        for d in range(k):
            if d == c or not np.isfinite(sad[c, d]):
                continue
            if not (peak[d] > peak[c] or (peak[d] == peak[c] and d < c)):
                continue
            th = rho_gauss if (rho_gauss and g[c] and g[d]) else rho
            if sad[c, d] >= np.log(th) + peak[c]:
                if kg and g[c] and g[d]:
                    continue
                if best is None or sad[c, d] > sad[c, best]:
                    best = d
        parent[c] = best
    return roots_to_map(parent)


def union_find_merge(k, edges, peak, accept):
    """ToMATo on the component graph: edges (saddle, c, d) in decreasing saddle order;
    two clusters join when accept(saddle, peak of the lower root, c, d) holds."""
    root = list(range(k))

    def find(c):
        while root[c] != c:
            root[c] = root[root[c]]
            c = root[c]
        return c

    for sv, c, d in sorted(edges, key=lambda e: (-e[0], e[1], e[2])):
        rc, rd = find(c), find(d)
        if rc == rd:
            continue
        hi, lo = (rc, rd) if (peak[rc] > peak[rd] or (peak[rc] == peak[rd] and rc < rd)) else (rd, rc)
        if accept(sv, peak[lo], c, d):
            root[lo] = hi
    reps = [find(c) for c in range(k)]
    roots = sorted(set(reps))
    return np.array([roots.index(r) for r in reps])


def rule_tomato(mix, s, rho=0.6, rho_gauss=None, keep_gauss=False, **_):
    ll, f, a, peak, sad = landscape(mix, s)
    k = mix.k
    g = np.abs(mardia_z(mix, s, ll)) <= 2.0 if (rho_gauss or keep_gauss) else np.zeros(k, bool)
    kg = keep_gauss and s.shape[1] >= 4
    edges = [(sad[c, d], c, d) for c in range(k) for d in range(c + 1, k) if np.isfinite(sad[c, d])]

    def accept(sv, plo, c, d):
        both = g[c] and g[d]
        if kg and both:
            return False
        th = rho_gauss if (rho_gauss and both) else rho
        return sv >= np.log(th) + plo

    return union_find_merge(k, edges, peak, accept)


def whiten(mix, s):
    """Coordinates in which the mixture's mean within-component covariance is the identity."""
    w = (mix.w[:, None, None] * mix.cov).sum(0) / mix.w.sum()
    L = np.linalg.cholesky(w)
    return np.linalg.solve(L, s.T).T


_KNN = {}


def knn(z, k):
    key = (z.shape, float(z.sum()), k)
    if key not in _KNN:
        from sklearn.neighbors import NearestNeighbors
        nn = NearestNeighbors(n_neighbors=k + 1).fit(z)
        _, idx = nn.kneighbors(z)
        _KNN.clear()
        _KNN[key] = idx[:, 1:]
    return _KNN[key]


def knn_density(z, nb, smooth):
    """log kNN density (d ln r_k, up to a constant), optionally averaged over the neighbours."""
    r = np.linalg.norm(z[nb[:, -1]] - z, axis=1)
    g = -z.shape[1] * np.log(np.maximum(r, 1e-300))
    for _ in range(smooth):
        g = 0.5 * g + 0.5 * g[nb].mean(1)
    return g


def rule_knn(mix, s, k=10, rho=0.5, ref="median", mutual=True, keep_gauss=True, q=None, sadstat="max",
             dens="mix", smooth=0, dip_alpha=0.0, axis="fisher", dmin=0.0, **_):
    ll = mix.loglik(s)
    f = logsumexp(ll, axis=1)
    a = np.argmax(ll, axis=1)
    K = mix.k
    z = whiten(mix, s)
    dcache = {}
    nb = knn(z, min(k, len(s) - 1))
    if dens == "knn":
        f = knn_density(z, nb, smooth)
    m = len(s)
    sad = np.full((K, K), -np.inf)
    isnb = None
    if mutual:
        from scipy.sparse import csr_matrix
        A = csr_matrix((np.ones(nb.size), (np.repeat(np.arange(m), nb.shape[1]), nb.ravel())), shape=(m, m))
        M = A.multiply(A.T).tocoo()
        ii, jj = M.row, M.col
    else:
        ii, jj = np.repeat(np.arange(m), nb.shape[1]), nb.ravel()
    cross = a[ii] != a[jj]
    ii, jj = ii[cross], jj[cross]
    v = np.minimum(f[ii], f[jj])
    if sadstat == "max":
        np.maximum.at(sad, (a[ii], a[jj]), v)
        sad = np.maximum(sad, sad.T)
    else:
        lo, hi = np.minimum(a[ii], a[jj]), np.maximum(a[ii], a[jj])
        key = lo * K + hi
        for kk in np.unique(key):
            vv = v[key == kk]
            c, d = divmod(int(kk), K)
            sad[c, d] = sad[d, c] = np.median(vv) if sadstat == "median" else np.quantile(vv, sadstat)
    height = np.full(K, -np.inf)
    for c in range(K):
        fc = f[a == c]
        if len(fc):
            height[c] = np.median(fc) if ref == "median" else (fc.max() if ref == "max" else np.quantile(fc, ref))
    g = np.abs(mardia_z(mix, s, ll)) <= 2.0 if keep_gauss else np.zeros(K, bool)
    kg = keep_gauss and s.shape[1] >= 4
    edges = [(sad[c, d], c, d) for c in range(K) for d in range(c + 1, K) if np.isfinite(sad[c, d])]

    def accept(sv, plo, c, d):
        if kg and g[c] and g[d]:
            return False
        if sv < np.log(rho) + plo:
            return False
        if dip_alpha > 0:
            if (c, d) not in dcache:
                dcache[(c, d)] = pair_dip(mix, s, a, c, d, axis, z)
            D, pv = dcache[(c, d)]
            return not (pv < dip_alpha and D >= dmin)
        return True

    return union_find_merge(K, edges, height, accept)


RULES = {
    "knn": lambda mix, s: rule_knn(mix, s),
    "ms": lambda mix, s: rule_knn(mix, s, sadstat="median"),
    "ms_nm": lambda mix, s: rule_knn(mix, s, sadstat="median", mutual=False),
    "ms_nm3": lambda mix, s: rule_knn(mix, s, sadstat="median", mutual=False, rho=0.3),
    "ms_nm7": lambda mix, s: rule_knn(mix, s, sadstat="median", mutual=False, rho=0.7),
    "ms_nm_q9": lambda mix, s: rule_knn(mix, s, sadstat=0.9, mutual=False),
    "ms_nm_nokg": lambda mix, s: rule_knn(mix, s, sadstat="median", mutual=False, keep_gauss=False),
    "knn_nokg": lambda mix, s: rule_knn(mix, s, keep_gauss=False),
    "knn_r3": lambda mix, s: rule_knn(mix, s, rho=0.3),
    "knn_r7": lambda mix, s: rule_knn(mix, s, rho=0.7),
    "knn_r10": lambda mix, s: rule_knn(mix, s, rho=1.0),
    "knn_k20": lambda mix, s: rule_knn(mix, s, k=20),
    "knn_k5": lambda mix, s: rule_knn(mix, s, k=5),
    "knn_q75": lambda mix, s: rule_knn(mix, s, ref=0.75),
    "knn_max": lambda mix, s: rule_knn(mix, s, ref="max", rho=0.6),
    "knn_nm": lambda mix, s: rule_knn(mix, s, mutual=False),
    "r0": rule_r0,
    "r0_nogauss": lambda mix, s: rule_r0(mix, s, rho_gauss=None, keep_gauss=False),
    "tomato": lambda mix, s: rule_tomato(mix, s),
    "tomato_g": lambda mix, s: rule_tomato(mix, s, rho_gauss=0.9, keep_gauss=True),
    "tomato_kg": lambda mix, s: rule_tomato(mix, s, keep_gauss=True),
    "none": lambda mix, s: np.arange(mix.k),
}


def tomato_points(g, nb, rho):
    """ToMATo (Chazal et al. 2013) on the points: graph = symmetrised kNN, density g (log),
    clusters whose prominence ratio saddle/peak >= rho are merged. Returns root per point."""
    m = len(g)
    adj = [set() for _ in range(m)]
    for i in range(m):
        for j in nb[i]:
            adj[i].add(int(j)); adj[int(j)].add(i)
    order = sorted(range(m), key=lambda i: (-g[i], i))
    rank = np.empty(m, int); rank[order] = np.arange(m)
    root = np.full(m, -1)
    peak = {}

    def find(i):
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    lr = np.log(rho)
    for i in order:
        up = [j for j in adj[i] if rank[j] < rank[i]]
        if not up:
            root[i] = i
            peak[i] = g[i]
            continue
        jbest = min(up, key=lambda j: rank[j])
        r = find(jbest)
        root[i] = r
        for j in up:
            rj = find(j)
            ri = find(i)
            if rj == ri:
                continue
            lo, hi = (ri, rj) if (peak[ri], -ri) < (peak[rj], -rj) else (rj, ri)
            if g[i] >= lr + peak[lo]:
                root[lo] = hi
    return np.array([find(i) for i in range(m)])


def rule_ptomato(mix, s, k=10, rho=0.5, dens="mix", smooth=0, kd=0, **_):
    ll = mix.loglik(s)
    a = np.argmax(ll, axis=1)
    z = whiten(mix, s)
    kd = kd or k
    nbd = knn(z, min(max(k, kd), len(s) - 1))
    nb = nbd[:, :k]
    g = logsumexp(ll, axis=1) if dens == "mix" else knn_density(z, nbd[:, :kd], smooth)
    r = tomato_points(g, nb, rho)
    # component -> cluster of the majority of its points
    K = mix.k
    cc = np.zeros(K, int)
    roots = {}
    for c in range(K):
        rr = r[a == c]
        if len(rr) == 0:
            cc[c] = -1 - c
            continue
        vals, cnt = np.unique(rr, return_counts=True)
        cc[c] = vals[np.argmax(cnt)]
    u = sorted(set(cc.tolist()))
    return np.array([u.index(v) for v in cc])


def pair_dip(mix, s, a, c, d, axis="fisher", z=None, b=None):
    import diptest
    pts = (a == c) | (a == d)
    if b is not None:  # only the points whose top two components are c and d
        pts = ((a == c) & (b == d)) | ((a == d) & (b == c))
    if axis == "fisher":
        w = np.linalg.solve(mix.cov[c] + mix.cov[d], mix.mu[d] - mix.mu[c])
        t = s[pts] @ w
    else:  # the axis between the two components' means of the points, whitened coordinates
        w = z[pts & (a == d)].mean(0) - z[pts & (a == c)].mean(0) if b is not None else z[a == d].mean(0) - z[a == c].mean(0)
        t = z[pts] @ w
    if len(t) < 4:
        return (0.0, 1.0)
    return diptest.diptest(t)


def junction_dip(z, a, nb, ii, jj, c, d):
    """dip of the points around the c|d junction: cross-edge endpoints and their
    neighbours inside c or d, on the axis between the two sides' means."""
    import diptest
    sel = ((a[ii] == c) & (a[jj] == d)) | ((a[ii] == d) & (a[jj] == c))
    ends = np.unique(np.r_[ii[sel], jj[sel]])
    pts = np.unique(np.r_[ends, nb[ends].ravel()])
    pts = pts[(a[pts] == c) | (a[pts] == d)]
    if len(pts) < 4 or not (a[pts] == c).any() or not (a[pts] == d).any():
        return (0.0, 1.0)
    w = z[pts[a[pts] == d]].mean(0) - z[pts[a[pts] == c]].mean(0)
    return diptest.diptest(z[pts] @ w)


def rule_dip(mix, s, alpha=0.01, rho_low=0.0, adj="bnd", keep_gauss=True, k=10, rho_or=0.0, axis="fisher", local=False, dmin=0.0, **_):
    ll, f, a, peak, sad = landscape(mix, s)
    K = mix.k
    b2 = np.argsort(-ll, axis=1)[:, 1] if (local and K > 1) else None
    zz = whiten(mix, s)
    if adj == "auto":
        adj = "knn" if s.shape[1] <= 3 else "bnd"
    if adj == "knn":
        z = whiten(mix, s)
        nb = knn(z, min(k, len(s) - 1))
        ii, jj = np.repeat(np.arange(len(s)), nb.shape[1]), nb.ravel()
        cr = a[ii] != a[jj]
        sad = np.full((K, K), -np.inf)
        np.maximum.at(sad, (a[ii[cr]], a[jj[cr]]), np.minimum(f[ii[cr]], f[jj[cr]]))
        sad = np.maximum(sad, sad.T)
    g = np.abs(mardia_z(mix, s, ll)) <= 2.0 if keep_gauss else np.zeros(K, bool)
    kg = keep_gauss and s.shape[1] >= 4
    edges = [(sad[c, d], c, d) for c in range(K) for d in range(c + 1, K) if np.isfinite(sad[c, d])]
    cache = {}

    def accept(sv, plo, c, d):
        if kg and g[c] and g[d]:
            return False
        if rho_or > 0 and sv >= np.log(rho_or) + plo:
            return True
        if rho_low > 0 and sv < np.log(rho_low) + plo:
            return False
        if (c, d) not in cache:
            if axis == "junction":
                cache[(c, d)] = junction_dip(zz, a, nb, ii, jj, c, d)
            else:
                cache[(c, d)] = pair_dip(mix, s, a, c, d, axis, zz, b2)
        D, pv = cache[(c, d)]
        return not (pv < alpha and D >= dmin)

    return union_find_merge(K, edges, peak, accept)


def parse_rule(spec):
    """'knn:k=10,rho=0.5,ref=0.9,sad=max,mutual=0,kg=1' -> a rule function."""
    if spec in RULES:
        return RULES[spec]
    name, _, args = spec.partition(":")
    kw = {}
    for part in filter(None, args.split(",")):
        key, val = part.split("=")
        if key in ("k", "smooth", "kd"):
            kw[key] = int(val)
        elif key in ("mutual", "kg", "local"):
            kw[{"kg": "keep_gauss"}.get(key, key)] = bool(int(val))
        elif key in ("rho", "alpha", "rho_low", "rho_or", "dip_alpha", "dmin"):
            kw[key] = float(val)
        elif key in ("dens", "adj", "axis"):
            kw[key] = val
        elif key in ("ref", "sad"):
            kw[{"sad": "sadstat"}.get(key, key)] = val if val in ("max", "median") else float(val)
    fn = {"knn": rule_knn, "tomato": rule_tomato, "pt": rule_ptomato, "dip": rule_dip}[name]
    return lambda mix, s: fn(mix, s, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, "target/partitive-base"))
    ap.add_argument("--root", default=os.path.join(REPO, "bench/data/ppp-batteries"))
    ap.add_argument("--batteries", default="shapes2d,shells,nongauss,real")
    ap.add_argument("--rules", default="r0,tomato")
    ap.add_argument("--match", default=None)
    ap.add_argument("--per-set", action="store_true")
    ap.add_argument("--max-n", type=int, default=20000)
    a = ap.parse_args()
    rules = a.rules.split(";")
    for bat in a.batteries.split(","):
        bases = sorted(p[:-8] for p in glob.glob(os.path.join(a.root, bat, "*.data.gz")))
        if a.match:
            bases = [b for b in bases if re.search(a.match, b)]
        res = {r: [] for r in rules}
        for base in bases:
            x, refs = load_set(base)
            if len(x) > a.max_n:
                continue
            m = model_of(a.bin, base, bat)
            if m["model"]["mixture"] is None:
                continue
            mix = Mixture(m)
            s = fit_sample(x, mix.cols)
            comp = np.argmax(mix.loglik(x[:, mix.cols]), axis=1)
            line = []
            for r in rules:
                cc = parse_rule(r)(mix, s)
                k_hat, ex, ari = score(cc[comp], refs)
                res[r].append((ex, ari))
                line.append(f"{r}={k_hat}/{ari:.2f}")
            if a.per_set:
                print(f"  {os.path.basename(base):24s} K={mix.k:3d} {mix.kind:9s} " + " ".join(line), flush=True)
        for r in rules:
            v = res[r]
            if v:
                ex = 100 * np.mean([e for e, _ in v])
                ari = np.mean([x for _, x in v])
                print(f"{bat:10s} {r:14s} {len(v):3d} sets  k exact {ex:5.1f}%  mean ARI {ari:.3f}", flush=True)


if __name__ == "__main__":
    main()
