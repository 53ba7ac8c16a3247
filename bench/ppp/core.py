"""Deterministic building blocks for the PPP research prototypes (numpy/scipy only).

Everything here is what the Rust side has or will have: Lloyd k-means from given centres,
a deterministic split-the-worst-cluster initialisation, GMM EM (full / diag / spherical / tied)
initialised from a hard partition, BIC / ICL, posteriors.
"""
import glob
import gzip
import os

import numpy as np
from scipy.special import logsumexp

ROOT = "/work/shared/benchmarks/clustering-data-v1"
CACHE = "/tmp/ppp-cache"


# ----------------------------------------------------------------------------- data

def load(base):
    os.makedirs(CACHE, exist_ok=True)
    key = os.path.join(CACHE, os.path.relpath(base, ROOT).replace("/", "__") + ".npz")
    if os.path.exists(key):
        z = np.load(key, allow_pickle=True)
        return z["X"], list(z["refs"])
    X = np.loadtxt(base + ".data.gz", ndmin=2)
    refs = [np.loadtxt(f, dtype=int).ravel() for f in sorted(glob.glob(base + ".labels*.gz"))]
    np.savez(key, X=X, refs=np.array(refs, dtype=object), allow_pickle=True)
    return X, refs


def datasets(batteries=("sipu", "uci", "fcps", "other"), max_n=20000, match=None):
    import re
    out = []
    for b in batteries:
        for p in sorted(glob.glob(os.path.join(ROOT, b, "*.data.gz"))):
            base = p[:-8]
            name = os.path.relpath(base, ROOT)
            if match and not re.search(match, name):
                continue
            out.append((b, name, base))
    res = []
    for b, name, base in out:
        X, refs = load(base)
        if len(X) > max_n:
            continue
        res.append((b, name, X, refs))
    return res


def ari(a, b):
    a = np.unique(a, return_inverse=True)[1]
    b = np.unique(b, return_inverse=True)[1]
    n = len(a)
    C = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(C, (a, b), 1)
    comb = lambda x: x * (x - 1) / 2.0
    sij = comb(C).sum()
    sa = comb(C.sum(1)).sum()
    sb = comb(C.sum(0)).sum()
    exp = sa * sb / comb(n)
    mx = (sa + sb) / 2.0
    if mx == exp:
        return 1.0
    return (sij - exp) / (mx - exp)


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
    return k_hat, ks, exact, best


# ----------------------------------------------------------------------------- k-means

def sqdist(X, C):
    d = (X * X).sum(1)[:, None] - 2 * X @ C.T + (C * C).sum(1)[None, :]
    return np.maximum(d, 0)


def lloyd(X, C, iters=100, w=None):
    """Plain Lloyd from centres C. Empty clusters keep their centre. Returns (C, labels, sse)."""
    C = C.copy()
    lab = None
    for _ in range(iters):
        D = sqdist(X, C)
        new = D.argmin(1)
        if lab is not None and np.array_equal(new, lab):
            break
        lab = new
        for j in range(len(C)):
            m = lab == j
            if m.any():
                C[j] = X[m].mean(0)
    D = sqdist(X, C)
    lab = D.argmin(1)
    sse = D[np.arange(len(X)), lab].sum()
    return C, lab, sse


def principal_split(Xc):
    """Split a cluster's points in two along its principal axis (through the mean); return 2 centres."""
    mu = Xc.mean(0)
    Z = Xc - mu
    if len(Xc) < 2:
        return np.vstack([mu, mu])
    # leading eigenvector of the covariance by power iteration from a deterministic start
    S = Z.T @ Z
    v = np.ones(S.shape[0]) / np.sqrt(S.shape[0])
    # deterministic start: the coordinate axis with largest variance plus a small all-ones part
    v = np.zeros(S.shape[0]); v[np.argmax(np.diag(S))] = 1.0
    for _ in range(100):
        v2 = S @ v
        nv = np.linalg.norm(v2)
        if nv == 0:
            break
        v2 /= nv
        if np.abs(v2 - v).max() < 1e-10:
            v = v2
            break
        v = v2
    p = Z @ v
    a, b = p <= 0, p > 0
    if not a.any() or not b.any():
        return np.vstack([mu, mu])
    return np.vstack([Xc[a].mean(0), Xc[b].mean(0)])


def kmeans_path(X, kmax, iters=100):
    """Deterministic nested k-means path k = 1..kmax: from the k-solution, split the cluster with the
    largest SSE along its principal axis (2-means refined inside the cluster), then global Lloyd."""
    C = X.mean(0, keepdims=True)
    lab = np.zeros(len(X), dtype=int)
    out = {1: (C.copy(), lab.copy())}
    for k in range(2, kmax + 1):
        sse = np.array([((X[lab == j] - C[j]) ** 2).sum() for j in range(len(C))])
        j = int(np.argmax(sse))
        Xc = X[lab == j]
        if len(Xc) < 2:
            break
        c2 = principal_split(Xc)
        c2, _, _ = lloyd(Xc, c2, iters)
        C = np.vstack([np.delete(C, j, 0), c2])
        C, lab, _ = lloyd(X, C, iters)
        out[k] = (C.copy(), lab.copy())
    return out


# ----------------------------------------------------------------------------- GMM

COV_TYPES = ("full", "diag", "spherical", "tied")


def n_params(k, d, ct):
    cov = {"full": k * d * (d + 1) / 2, "diag": k * d, "spherical": k, "tied": d * (d + 1) / 2}[ct]
    return (k - 1) + k * d + cov


def m_step(X, R, ct, reg):
    n, d = X.shape
    nk = R.sum(0) + 1e-10
    w = nk / n
    mu = (R.T @ X) / nk[:, None]
    k = len(nk)
    XX = None
    if ct == "full":
        # sum_i r_ij x_i x_i^T  - nk mu mu^T
        cov = np.empty((k, d, d))
        for j in range(k):
            Z = X - mu[j]
            cov[j] = (Z * R[:, j, None]).T @ Z / nk[j] + np.diag(reg)
    elif ct == "diag":
        cov = (R.T @ (X * X)) / nk[:, None] - mu * mu + reg[None, :]
    elif ct == "spherical":
        cov = ((R.T @ (X * X)) / nk[:, None] - mu * mu).sum(1) / d + reg.mean()
    else:  # tied
        S = X.T @ X - (mu * nk[:, None]).T @ mu
        cov = S / n + np.diag(reg)
    return w, mu, cov


def log_gauss(X, mu, cov, ct):
    n, d = X.shape
    k = len(mu)
    c0 = -0.5 * d * np.log(2 * np.pi)
    if ct == "full" or ct == "tied":
        S = cov if ct == "full" else np.broadcast_to(cov, (k, d, d))
        Lc = np.linalg.cholesky(S)                      # k x d x d
        Li = np.linalg.inv(Lc)                          # k x d x d (lower)
        logdet = np.log(np.diagonal(Lc, axis1=1, axis2=2)).sum(1)
        # y = Li (x - mu) = Li x - Li mu
        out = np.empty((n, k))
        for j in range(k):
            A = (X - mu[j]) @ Li[j].T
            out[:, j] = c0 - 0.5 * (A * A).sum(1) - logdet[j]
        return out
    if ct == "diag":
        iv = 1.0 / cov
        q = (X * X) @ iv.T - 2 * X @ (mu * iv).T + (mu * mu * iv).sum(1)[None, :]
        return c0 - 0.5 * q - 0.5 * np.log(cov).sum(1)[None, :]
    q = sqdist(X, mu) / cov[None, :]
    return c0 - 0.5 * q - 0.5 * d * np.log(cov)[None, :]


class GMM:
    def __init__(self, w, mu, cov, ct):
        self.w, self.mu, self.cov, self.ct = w, mu, cov, ct

    def log_joint(self, X):
        return log_gauss(X, self.mu, self.cov, self.ct) + np.log(self.w)[None, :]

    def resp(self, X):
        lj = self.log_joint(X)
        ll = logsumexp(lj, 1)
        return np.exp(lj - ll[:, None]), ll


def fit_gmm(X, labels, ct, reg, iters=100, tol=1e-4):
    """EM from a hard partition. Components that become (near-)empty are dropped.
    Returns (gmm, loglik_total, resp, n_iter)."""
    n = len(X)
    ul = np.unique(labels)
    R = (labels[:, None] == ul[None, :]).astype(float)
    prev = -np.inf
    for it in range(iters):
        keep = R.sum(0) > 1.0  # need more than one point's worth of mass
        R = R[:, keep]
        w, mu, cov = m_step(X, R, ct, reg)
        g = GMM(w, mu, cov, ct)
        R, ll = g.resp(X)
        tot = ll.sum()
        if tot - prev < tol * len(X) and it > 0:
            break
        prev = tot
    return g, tot, R, it


def bic(loglik, k, d, n, ct):
    return -2 * loglik + n_params(k, d, ct) * np.log(n)


def icl(loglik, k, d, n, ct, R):
    ent = -(R * np.log(np.maximum(R, 1e-300))).sum()
    return bic(loglik, k, d, n, ct) + 2 * ent


def row_hash_order(X):
    """Permutation-invariant deterministic order of rows: sort by a hash of each row's bytes
    (FNV-1a 64 over the float64 bit patterns), ties broken by the row values."""
    B = np.ascontiguousarray(X, dtype=np.float64).view(np.uint64)
    h = np.full(len(X), 0xcbf29ce484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(B.shape[1]):
            for s in range(0, 64, 8):
                h ^= (B[:, j] >> np.uint64(s)) & np.uint64(0xFF)
                h *= np.uint64(0x100000001b3)
    keys = [X[:, j] for j in range(X.shape[1] - 1, -1, -1)] + [h]
    return np.lexsort(keys)


def global_kmeans_path(X, kmax, m=1000, iters=100):
    """Fast global k-means (Likas, Vlassis & Verbeek 2003, Pattern Recognition 36(2)):
    k -> k+1 adds, as a new centre, the candidate point with the largest guaranteed SSE reduction
    b_i = sum_j max(d_j - |x_j - x_i|^2, 0), then runs Lloyd on all k+1 centres.
    Candidates: m points chosen by row hash (permutation invariant)."""
    n = len(X)
    order = row_hash_order(X)
    cand = X[order[: min(m, n)]]
    Dc = sqdist(X, cand)  # n x m
    C = X.mean(0, keepdims=True)
    C, lab, _ = lloyd(X, C, iters)
    out = {1: (C.copy(), lab.copy())}
    dmin = ((X - C[0]) ** 2).sum(1)
    for k in range(2, kmax + 1):
        b = np.maximum(dmin[:, None] - Dc, 0).sum(0)
        i = int(np.argmax(b))
        C = np.vstack([C, cand[i]])
        C, lab, _ = lloyd(X, C, iters)
        dmin = sqdist(X, C)[np.arange(n), lab]
        out[k] = (C.copy(), lab.copy())
    return out
