"""Research harness: score selection / merge variants on a cached sweep (see sweep.py).

usage: variants.py TAG [VARIANT_REGEX] [--per-set]
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import pickle
import re
import sys

import numpy as np
from scipy.special import logsumexp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core

BATS = ["sipu", "uci", "fcps", "other", "g2mg"]
GAUSS = ["sipu/s1", "sipu/s2", "sipu/s3", "sipu/s4", "sipu/a1", "sipu/a2", "sipu/a3", "sipu/d31", "sipu/r15", "sipu/unbalance"]


# ----------------------------------------------------------------------------- selection

def select(e, crit="bic", cts=core.COV_TYPES, kcap=None):
    best = None
    for (k, ct), f in e["fits"].items():
        if ct not in cts or (kcap and k > kcap):
            continue
        v = f[crit]
        if best is None or v < best[0]:
            best = (v, k, ct)
    return e["fits"][(best[1], best[2])]


def labels_of(g, X):
    R, _ = g.resp(X)
    return R.argmax(1), R


# ----------------------------------------------------------------------------- merging

class UF:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, a):
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.p[max(a, b)] = min(a, b)


def mix_logpdf(g, P):
    return logsumexp(g.log_joint(P), 1)


def dip_merge(g, X, rho=1.0, T=21, sub=False):
    """Merge components a, b (transitively) when the mixture density on the segment between
    their means never drops below rho * min(density at the two means)."""
    K = len(g.w)
    uf = UF(K)
    ts = np.linspace(0, 1, T)
    for a in range(K):
        for b in range(a + 1, K):
            P = (1 - ts)[:, None] * g.mu[a][None] + ts[:, None] * g.mu[b][None]
            if sub:
                lj = g.log_joint(P)[:, [a, b]]
                lp = logsumexp(lj, 1)
            else:
                lp = mix_logpdf(g, P)
            if lp.min() >= np.log(rho) + min(lp[0], lp[-1]) - 1e-12:
                uf.union(a, b)
    return np.array([uf.find(j) for j in range(K)])


def entropy_merge_path(R):
    """Baudry et al. (2010) greedy entropy merging; returns list of (K, entropy, groups)."""
    K = R.shape[1]
    groups = [[j] for j in range(K)]
    Rg = R.copy()
    xlogx = lambda p: p * np.log(np.maximum(p, 1e-300))
    path = [(K, -xlogx(Rg).sum(), [g[:] for g in groups])]
    while Rg.shape[1] > 1:
        best = None
        E = xlogx(Rg)
        for a in range(Rg.shape[1]):
            for b in range(a + 1, Rg.shape[1]):
                d = xlogx(Rg[:, a] + Rg[:, b]).sum() - E[:, a].sum() - E[:, b].sum()
                if best is None or d > best[0]:
                    best = (d, a, b)
        _, a, b = best
        Rg[:, a] += Rg[:, b]
        Rg = np.delete(Rg, b, 1)
        groups[a] += groups[b]
        del groups[b]
        path.append((Rg.shape[1], -xlogx(Rg).sum(), [g[:] for g in groups]))
    return path


def comp_to_labels(comp_lab, groups_map):
    return groups_map[comp_lab]


# ----------------------------------------------------------------------------- variants

def v_bic(e, cts=core.COV_TYPES, crit="bic"):
    f = select(e, crit, cts)
    lab, _ = labels_of(f["gmm"], e["X"])
    return lab


def v_dip(e, rho, cts=core.COV_TYPES, crit="bic", sub=False):
    f = select(e, crit, cts)
    lab, _ = labels_of(f["gmm"], e["X"])
    m = dip_merge(f["gmm"], e["X"], rho, sub=sub)
    return m[lab]


def ent_merge(R, tau):
    """Greedy entropy merging (Baudry et al. 2010) stopped when the best pair's entropy decrease
    per unit of pair mass falls below tau * log 2 (log 2 = decrease of two fully overlapping halves)."""
    K = R.shape[1]
    groups = [[j] for j in range(K)]
    Rg = R.copy()
    xlogx = lambda p: p * np.log(np.maximum(p, 1e-300))
    while Rg.shape[1] > 1:
        E = xlogx(Rg).sum(0)
        m = Rg.sum(0)
        best = None
        for a in range(Rg.shape[1]):
            for b in range(a + 1, Rg.shape[1]):
                d = (xlogx(Rg[:, a] + Rg[:, b]).sum() - E[a] - E[b]) / (m[a] + m[b])
                if best is None or d > best[0]:
                    best = (d, a, b)
        d, a, b = best
        if d < tau * np.log(2):
            break
        Rg[:, a] += Rg[:, b]
        Rg = np.delete(Rg, b, 1)
        groups[a] += groups[b]
        del groups[b]
    mp = np.empty(K, dtype=int)
    for gi, g in enumerate(groups):
        mp[g] = gi
    return mp


def v_ent(e, tau, cts=core.COV_TYPES, crit="bic"):
    f = select(e, crit, cts)
    lab, R = labels_of(f["gmm"], e["X"])
    m = ent_merge(R, tau)
    return m[lab]


VARIANTS = {
    "bic_all+ent0.05": lambda e: v_ent(e, 0.05),
    "bic_all+ent0.1": lambda e: v_ent(e, 0.1),
    "bic_all+ent0.2": lambda e: v_ent(e, 0.2),
    "bic_all+ent0.3": lambda e: v_ent(e, 0.3),
    "bic_all": lambda e: v_bic(e),
    "bic_full": lambda e: v_bic(e, ("full",)),
    "icl_all": lambda e: v_bic(e, crit="icl"),
    "icl_full": lambda e: v_bic(e, ("full",), "icl"),
    "bic_all+dip1.0": lambda e: v_dip(e, 1.0),
    "bic_all+dip0.9": lambda e: v_dip(e, 0.9),
    "bic_all+dip0.75": lambda e: v_dip(e, 0.75),
    "bic_all+dip0.5": lambda e: v_dip(e, 0.5),
    "bic_full+dip1.0": lambda e: v_dip(e, 1.0, ("full",)),
    "bic_full+dip0.75": lambda e: v_dip(e, 0.75, ("full",)),
    "bic_all+dipsub1.0": lambda e: v_dip(e, 1.0, sub=True),
}


def evaluate(data, fn, per_set=False):
    rows = []
    for name, e in sorted(data.items()):
        lab = fn(e)
        k_hat, ks, exact, a = core.score(lab, e["refs"])
        rows.append((e["battery"], name, k_hat, ks, exact, a))
        if per_set:
            print(f"   {name:28s} k={k_hat:3d} true={ks} ari={a:.3f}")
    return rows


def summarize(rows):
    out = {}
    for b in BATS + ["ALL"]:
        r = [x for x in rows if b == "ALL" or x[0] == b]
        if r:
            out[b] = (100 * np.mean([x[4] for x in r]), np.mean([x[5] for x in r]), len(r))
    g = [x for x in rows if x[1] in GAUSS]
    if g:
        out["gauss"] = (100 * np.mean([x[4] for x in g]), np.mean([x[5] for x in g]), len(g))
    return out


def fmt(name, s):
    parts = [f"{name:26s}"]
    for b in ["ALL"] + BATS + ["gauss"]:
        if b in s:
            parts.append(f"{b}:{s[b][0]:5.1f}%/{s[b][1]:.3f}")
    return "  ".join(parts)


def main():
    tag = sys.argv[1]
    pat = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else "."
    data = pickle.load(open(f"/tmp/ppp-sweep-{tag}.pkl", "rb"))
    for name, fn in VARIANTS.items():
        if not re.search(pat, name):
            continue
        rows = evaluate(data, fn, "--per-set" in sys.argv)
        print(fmt(name, summarize(rows)), flush=True)
        if "--halves" in sys.argv:
            for h in (0, 1):
                print(fmt(f"  half{'AB'[h]}", summarize([r for i, r in enumerate(rows) if i % 2 == h])), flush=True)


VARIANTS.update({
    "icl_full+dip1.0": lambda e: v_dip(e, 1.0, ("full",), "icl"),
    "icl_all+dip1.0": lambda e: v_dip(e, 1.0, core.COV_TYPES, "icl"),
    "icl_full+ent0.1": lambda e: v_ent(e, 0.1, ("full",), "icl"),
    "icl_full+ent0.2": lambda e: v_ent(e, 0.2, ("full",), "icl"),
})


def modal_merge(g, X, rho, qmax=2.0 / 3.0, peak="data"):
    """Graph hill-climbing over mixture components (ToMATo-like, Chazal et al. 2013):
    saddle(a,b) = highest mixture density among points whose two most probable components are a,b
    and whose posterior split is ambiguous (r_a/(r_a+r_b) <= qmax); peak(a) = highest density among
    points assigned to a. Component a links to the neighbour b with p_b > p_a (ties: lower index wins)
    and saddle >= rho * p_a that has the largest saddle; roots are clusters."""
    lj = g.log_joint(X)
    lf = logsumexp(lj, 1)
    K = lj.shape[1]
    if K == 1:
        return np.zeros(1, dtype=int)
    o = np.argsort(-lj, 1)[:, :2]
    a, b = o[:, 0], o[:, 1]
    la = lj[np.arange(len(X)), a]
    lb = lj[np.arange(len(X)), b]
    q = 1.0 / (1.0 + np.exp(lb - la))
    pk = np.full(K, -np.inf)
    np.maximum.at(pk, a, lf)
    if peak == "mean":
        pk = logsumexp(g.log_joint(g.mu), 1)
    S = np.full((K, K), -np.inf)
    m = q <= qmax
    i, j = np.minimum(a[m], b[m]), np.maximum(a[m], b[m])
    np.maximum.at(S, (i, j), lf[m])
    S = np.maximum(S, S.T)
    parent = np.arange(K)
    for c in range(K):
        best = None
        for d in range(K):
            if d == c or not np.isfinite(S[c, d]):
                continue
            higher = pk[d] > pk[c] or (pk[d] == pk[c] and d < c)
            if higher and S[c, d] >= np.log(rho) + pk[c]:
                if best is None or S[c, d] > S[c, best]:
                    best = d
        if best is not None:
            parent[c] = best
    root = parent.copy()
    for _ in range(K):
        root = parent[root]
    return np.unique(root, return_inverse=True)[1]


def v_modal(e, rho, cts=core.COV_TYPES, crit="bic", **kw):
    f = select(e, crit, cts)
    Xf = e.get("Xfit", e["X"])
    m = modal_merge(f["gmm"], Xf, rho, **kw)
    lab, _ = labels_of(f["gmm"], e["X"])
    return m[lab]


for _ct in ["all", "full"]:
    for _cr in ["bic", "icl"]:
        for _rho in [0.3, 0.5, 0.7, 0.9]:
            VARIANTS[f"{_cr}_{_ct}+modal{_rho}"] = (lambda ct, cr, rho: lambda e: v_modal(e, rho, core.COV_TYPES if ct == "all" else ("full",), cr))(_ct, _cr, _rho)


for _rho in [0.5, 0.7, 0.9]:
    VARIANTS[f"bic_full+modalmean{_rho}"] = (lambda rho: lambda e: v_modal(e, rho, ("full",), "bic", peak="mean"))(_rho)
    VARIANTS[f"bic_all+modalmean{_rho}"] = (lambda rho: lambda e: v_modal(e, rho, core.COV_TYPES, "bic", peak="mean"))(_rho)
    VARIANTS[f"bic_full+modalq.8-{_rho}"] = (lambda rho: lambda e: v_modal(e, rho, ("full",), "bic", qmax=0.8))(_rho)


for _rho in [0.4, 0.6, 0.8]:
    VARIANTS[f"bic_full+modal{_rho}"] = (lambda rho: lambda e: v_modal(e, rho, ("full",), "bic"))(_rho)


for _nm, _cts in [("fs", ("full", "spherical")), ("fts", ("full", "tied", "spherical")), ("ft", ("full", "tied")), ("fd", ("full", "diag"))]:
    for _rho in [0.6, 0.7, 0.8]:
        VARIANTS[f"bic_{_nm}+modal{_rho}"] = (lambda rho, cts: lambda e: v_modal(e, rho, cts, "bic"))(_rho, _cts)


def modal_merge_min(g, X, rho, tau):
    """modal_merge, then clusters with weight < tau are attached to the cluster with the highest saddle."""
    grp = modal_merge(g, X, rho)
    lj = g.log_joint(X)
    K = lj.shape[1]
    if K == 1:
        return grp
    lf = logsumexp(lj, 1)
    o = np.argsort(-lj, 1)[:, :2]
    a, b = o[:, 0], o[:, 1]
    q = 1.0 / (1.0 + np.exp(lj[np.arange(len(X)), b] - lj[np.arange(len(X)), a]))
    S = np.full((K, K), -np.inf)
    m = q <= 2.0 / 3.0
    np.maximum.at(S, (a[m], b[m]), lf[m])
    S = np.maximum(S, S.T)
    while True:
        G = grp.max() + 1
        w = np.array([g.w[grp == c].sum() for c in range(G)])
        if G == 1 or w.min() >= tau:
            return grp
        c = int(np.argmin(w))
        SS = np.full(G, -np.inf)
        for d in range(G):
            if d != c:
                SS[d] = S[np.ix_(grp == c, grp == d)].max()
        if not np.isfinite(SS).any():
            # isolated tiny cluster: keep it
            return grp
        d = int(np.argmax(SS))
        grp = np.where(grp == c, d, grp)
        grp = np.unique(grp, return_inverse=True)[1]


def v_modal_min(e, rho, tau, cts):
    f = select(e, "bic", cts)
    Xf = e.get("Xfit", e["X"])
    m = modal_merge_min(f["gmm"], Xf, rho, tau)
    lab, _ = labels_of(f["gmm"], e["X"])
    return m[lab]


for _tau in [0.005, 0.01, 0.02]:
    for _rho in [0.6, 0.7]:
        VARIANTS[f"bic_full+modal{_rho}+min{_tau}"] = (lambda rho, tau: lambda e: v_modal_min(e, rho, tau, ("full",)))(_rho, _tau)
        VARIANTS[f"bic_fs+modal{_rho}+min{_tau}"] = (lambda rho, tau: lambda e: v_modal_min(e, rho, tau, ("full", "spherical")))(_rho, _tau)


def modal2_merge(g, X, rho, qmax=2.0 / 3.0):
    """Like modal_merge, but the dip test of a pair is dimension-robust: for each boundary point x of
    (a,b), slide x along u = (mu_b - mu_a)/|.| to the level of each mean (x - t_a u, x + t_b u) and take
    ratio(x) = f(x) / min(f(x - t_a u), f(x + t_b u)); pair ratio = max over its boundary points.
    Hill-climbing: component c links to the higher-peak neighbour d with ratio >= rho and largest ratio."""
    lj = g.log_joint(X)
    K = lj.shape[1]
    if K == 1:
        return np.zeros(1, dtype=int)
    lf = logsumexp(lj, 1)
    o = np.argsort(-lj, 1, kind="stable")[:, :2]
    a, b = o[:, 0], o[:, 1]
    idx = np.arange(len(X))
    q = 1.0 / (1.0 + np.exp(lj[idx, b] - lj[idx, a]))
    pk = np.full(K, -np.inf)
    np.maximum.at(pk, a, lf)
    m = q <= qmax
    lo, hi = np.minimum(a[m], b[m]), np.maximum(a[m], b[m])
    Xm, fm = X[m], lf[m]
    R = np.full((K, K), -np.inf)
    for (i, j) in set(zip(lo.tolist(), hi.tolist())):
        sel = (lo == i) & (hi == j)
        P = Xm[sel]
        v = g.mu[j] - g.mu[i]
        L = np.linalg.norm(v)
        if L == 0:
            continue
        u = v / L
        ta = (P - g.mu[i]) @ u
        tb = L - ta
        fa = mix_logpdf(g, P - ta[:, None] * u[None])
        fb = mix_logpdf(g, P + tb[:, None] * u[None])
        r = fm[sel] - np.minimum(fa, fb)
        R[i, j] = R[j, i] = r.max()
    parent = np.arange(K)
    for c in range(K):
        best = None
        for d in range(K):
            if d == c or not np.isfinite(R[c, d]):
                continue
            higher = pk[d] > pk[c] or (pk[d] == pk[c] and d < c)
            if higher and R[c, d] >= np.log(rho):
                if best is None or R[c, d] > R[c, best]:
                    best = d
        if best is not None:
            parent[c] = best
    root = parent.copy()
    for _ in range(K):
        root = parent[root]
    return np.unique(root, return_inverse=True)[1]


def v_modal2(e, rho, cts):
    f = select(e, "bic", cts)
    Xf = e.get("Xfit", e["X"])
    m = modal2_merge(f["gmm"], Xf, rho)
    lab, _ = labels_of(f["gmm"], e["X"])
    return m[lab]


for _nm, _cts in [("full", ("full",)), ("fs", ("full", "spherical")), ("all", core.COV_TYPES), ("fd", ("full", "diag"))]:
    for _rho in [0.5, 0.6, 0.7, 0.8, 0.9]:
        VARIANTS[f"bic_{_nm}+modal2_{_rho}"] = (lambda rho, cts: lambda e: v_modal2(e, rho, cts))(_rho, _cts)


def maha2(g, X):
    n, d = X.shape
    K = len(g.w)
    Q = np.empty((n, K))
    for j in range(K):
        Z = X - g.mu[j]
        if g.ct in ("full", "tied"):
            S = g.cov[j] if g.ct == "full" else g.cov
            L = np.linalg.cholesky(S)
            Y = np.linalg.solve(L, Z.T)
            Q[:, j] = (Y * Y).sum(0)
        elif g.ct == "diag":
            Q[:, j] = (Z * Z / g.cov[j]).sum(1)
        else:
            Q[:, j] = (Z * Z).sum(1) / g.cov[j]
    return Q


def mardia_z(g, X):
    """Posterior-weighted Mardia kurtosis z-score of each component:
    z = (sum r D^4 / sum r - d(d+2)) / sqrt(8 d (d+2) / sum r)."""
    d = X.shape[1]
    R, _ = g.resp(X)
    Q = maha2(g, X)
    nk = R.sum(0)
    b2 = (R * Q * Q).sum(0) / nk
    return (b2 - d * (d + 2)) / np.sqrt(8.0 * d * (d + 2) / nk)


def modal_merge_gp(g, X, rho, zc, qmax=2.0 / 3.0, side="both"):
    """modal_merge, but a link c->d is allowed only if c or d is NOT a plausible Gaussian
    (|Mardia kurtosis z| > zc, or z < -zc if side == 'platy')."""
    lj = g.log_joint(X)
    K = lj.shape[1]
    if K == 1:
        return np.zeros(1, dtype=int)
    z = mardia_z(g, X)
    nong = (np.abs(z) > zc) if side == "both" else (z < -zc)
    lf = logsumexp(lj, 1)
    o = np.argsort(-lj, 1, kind="stable")[:, :2]
    a, b = o[:, 0], o[:, 1]
    idx = np.arange(len(X))
    q = 1.0 / (1.0 + np.exp(lj[idx, b] - lj[idx, a]))
    pk = np.full(K, -np.inf)
    np.maximum.at(pk, a, lf)
    S = np.full((K, K), -np.inf)
    m = q <= qmax
    np.maximum.at(S, (a[m], b[m]), lf[m])
    S = np.maximum(S, S.T)
    parent = np.arange(K)
    for c in range(K):
        best = None
        for d in range(K):
            if d == c or not np.isfinite(S[c, d]) or not (nong[c] or nong[d]):
                continue
            higher = pk[d] > pk[c] or (pk[d] == pk[c] and d < c)
            if higher and S[c, d] >= np.log(rho) + pk[c]:
                if best is None or S[c, d] > S[c, best]:
                    best = d
        if best is not None:
            parent[c] = best
    root = parent.copy()
    for _ in range(K):
        root = parent[root]
    return np.unique(root, return_inverse=True)[1]


def v_gp(e, rho, zc, cts, side="both"):
    f = select(e, "bic", cts)
    Xf = e.get("Xfit", e["X"])
    m = modal_merge_gp(f["gmm"], Xf, rho, zc, side=side)
    lab, _ = labels_of(f["gmm"], e["X"])
    return m[lab]


for _nm, _cts in [("full", ("full",)), ("fs", ("full", "spherical")), ("all", core.COV_TYPES), ("fd", ("full", "diag"))]:
    for _rho in [0.5, 0.7]:
        for _zc in [2.0, 3.0, 5.0]:
            VARIANTS[f"bic_{_nm}+gp{_zc}+modal{_rho}"] = (lambda rho, cts, zc: lambda e: v_gp(e, rho, zc, cts))(_rho, _cts, _zc)


def modal_merge_2rho(g, X, rho, rho_g, zc, qmax=2.0 / 3.0):
    """modal_merge with a stricter ratio rho_g for links between two components that both pass a
    Mardia kurtosis test (|z| <= zc): Gaussian pairs merge only without a (significant) dip."""
    lj = g.log_joint(X)
    K = lj.shape[1]
    if K == 1:
        return np.zeros(1, dtype=int)
    z = mardia_z(g, X)
    gauss = np.abs(z) <= zc
    lf = logsumexp(lj, 1)
    o = np.argsort(-lj, 1, kind="stable")[:, :2]
    a, b = o[:, 0], o[:, 1]
    idx = np.arange(len(X))
    q = 1.0 / (1.0 + np.exp(lj[idx, b] - lj[idx, a]))
    pk = np.full(K, -np.inf)
    np.maximum.at(pk, a, lf)
    S = np.full((K, K), -np.inf)
    m = q <= qmax
    np.maximum.at(S, (a[m], b[m]), lf[m])
    S = np.maximum(S, S.T)
    parent = np.arange(K)
    for c in range(K):
        best = None
        for d in range(K):
            if d == c or not np.isfinite(S[c, d]):
                continue
            r = rho_g if (gauss[c] and gauss[d]) else rho
            higher = pk[d] > pk[c] or (pk[d] == pk[c] and d < c)
            if higher and S[c, d] >= np.log(r) + pk[c]:
                if best is None or S[c, d] > S[c, best]:
                    best = d
        if best is not None:
            parent[c] = best
    root = parent.copy()
    for _ in range(K):
        root = parent[root]
    return np.unique(root, return_inverse=True)[1]


def v_2rho(e, rho, rho_g, zc, cts):
    f = select(e, "bic", cts)
    Xf = e.get("Xfit", e["X"])
    m = modal_merge_2rho(f["gmm"], Xf, rho, rho_g, zc)
    lab, _ = labels_of(f["gmm"], e["X"])
    return m[lab]


for _zc in [2.0, 3.0]:
    for _rg in [0.9, 1.0]:
        VARIANTS[f"bic_fs+modal0.6+gauss{_rg}z{_zc}"] = (lambda rg, zc: lambda e: v_2rho(e, 0.6, rg, zc, ("full", "spherical")))(_rg, _zc)


if __name__ == "__main__":
    main()
