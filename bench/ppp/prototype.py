"""PPP-auto reference prototype: k-means proposes, a Gaussian mixture validates, modes merge.

Deterministic reference implementation (numpy + scipy.special.logsumexp only) of the method specified
in docs/ppp-research.md, section "Winner: specification". Every constant is a module-level name.

    labels, info = ppp_auto(X)

Steps (see the spec for the why):
  0. drop constant columns; if n > SAMPLE_MAX, fit on the SAMPLE_MAX rows with the smallest row hash
     (permutation invariant); the fit rows are processed in hash order.
  1. propose: nested deterministic k-means path k = 1, 2, ... (split the cluster with the largest SSE
     along its principal axis, 2-means inside it, then global Lloyd).
  2. validate: for each k, EM for a Gaussian mixture initialised from the k-means partition; BIC.
     Stop after PATIENCE consecutive k without a new best BIC, or at k_cap = floor(sqrt(m)).
  3. select the mixture with the lowest BIC (K components).
  4. merge components into clusters by graph hill-climbing on the mixture density (saddle / peak ratio
     >= RHO), à la ToMATo.
  5. assign every row (all n, one pass) to argmax posterior component -> its cluster.
"""
import numpy as np
from scipy.special import logsumexp

SAMPLE_MAX = 4000       # rows used to fit the structure; all rows are assigned at the end
PATIENCE = 10           # stop the k sweep after this many k without a new best BIC
EPS_REG = 1e-3          # covariance ridge = EPS_REG * (global variance of each feature)
EM_MAX_ITER = 100
EM_TOL = 1e-4           # stop EM when the mean log-likelihood per point improves less than this
LLOYD_MAX_ITER = 100
RHO = 0.6               # merge when saddle density >= RHO * peak density of the lower component
RHO_GAUSS = None        # optional (measured, not default): stricter ratio for two Gaussian-looking components
Z_GAUSS = 2.0           # |Mardia kurtosis z| <= Z_GAUSS counts as Gaussian-looking (used with RHO_GAUSS)
Q_AMBIG = 2.0 / 3.0     # a point is "on the boundary" of its top-2 components if r1/(r1+r2) <= Q_AMBIG
COV_TYPES = ("full", "spherical")  # covariance models tried per k, best BIC wins (see docs)
LOG2PI = np.log(2 * np.pi)


# ----------------------------------------------------------------------------- sampling / hashing

def row_hash(X):
    """FNV-1a 64-bit hash of each row's float64 bit patterns (little-endian bytes, column order)."""
    B = np.ascontiguousarray(X, dtype=np.float64).view(np.uint64)
    h = np.full(len(X), 0xCBF29CE484222325, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(B.shape[1]):
            for s in range(0, 64, 8):
                h ^= (B[:, j] >> np.uint64(s)) & np.uint64(0xFF)
                h *= np.uint64(0x100000001B3)
    return h


def hash_order(X):
    """Row order by (hash, then row values lexicographically): independent of the input row order."""
    h = row_hash(X)
    keys = [X[:, j] for j in range(X.shape[1] - 1, -1, -1)] + [h]
    return np.lexsort(keys)


# ----------------------------------------------------------------------------- k-means

def sqdist(X, C):
    d = (X * X).sum(1)[:, None] - 2.0 * X @ C.T + (C * C).sum(1)[None, :]
    return np.maximum(d, 0.0)


def lloyd(X, C, iters=LLOYD_MAX_ITER):
    """Lloyd iterations from centres C until the assignment stops changing.
    Ties go to the lowest centre index; an emptied centre keeps its position."""
    C = C.copy()
    lab = None
    for _ in range(iters):
        new = sqdist(X, C).argmin(1)
        if lab is not None and np.array_equal(new, lab):
            break
        lab = new
        for j in range(len(C)):
            m = lab == j
            if m.any():
                C[j] = X[m].mean(0)
    lab = sqdist(X, C).argmin(1)
    return C, lab


def principal_axis(Z):
    """Leading eigenvector of Z^T Z by power iteration started at the coordinate axis of largest variance."""
    S = Z.T @ Z
    v = np.zeros(S.shape[0])
    v[int(np.argmax(np.diag(S)))] = 1.0
    for _ in range(100):
        w = S @ v
        nw = np.linalg.norm(w)
        if nw == 0.0:
            break
        w /= nw
        done = np.abs(w - v).max() < 1e-10
        v = w
        if done:
            break
    return v


def kmeans_path(X, kcap):
    """Yield (k, centres, labels) for k = 1..kcap along the nested deterministic split path."""
    C = X.mean(0, keepdims=True)
    lab = np.zeros(len(X), dtype=int)
    yield 1, C, lab
    for k in range(2, kcap + 1):
        sse = np.array([((X[lab == j] - C[j]) ** 2).sum() for j in range(len(C))])
        j = int(np.argmax(sse))
        Xc = X[lab == j]
        if len(Xc) < 2 or sse[j] == 0.0:
            return
        p = (Xc - Xc.mean(0)) @ principal_axis(Xc - Xc.mean(0))
        lo, hi = p <= 0, p > 0
        if not lo.any() or not hi.any():
            return
        c2, _ = lloyd(Xc, np.vstack([Xc[lo].mean(0), Xc[hi].mean(0)]))
        C, lab = lloyd(X, np.vstack([np.delete(C, j, 0), c2]))
        yield k, C, lab


# ----------------------------------------------------------------------------- Gaussian mixture

class Mixture:
    def __init__(self, w, mu, cov, ct):
        self.w, self.mu, self.cov, self.ct = w, mu, cov, ct

    def log_joint(self, X):
        """n x K matrix of log(w_j) + log N(x_i | mu_j, Sigma_j)."""
        n, d = X.shape
        K = len(self.w)
        out = np.empty((n, K))
        for j in range(K):
            Z = X - self.mu[j]
            if self.ct in ("full", "tied"):
                S = self.cov[j] if self.ct == "full" else self.cov
                L = np.linalg.cholesky(S)
                Y = np.linalg.solve(L, Z.T)
                q = (Y * Y).sum(0)
                logdet = 2.0 * np.log(np.diag(L)).sum()
            elif self.ct == "diag":
                q = (Z * Z / self.cov[j]).sum(1)
                logdet = np.log(self.cov[j]).sum()
            else:
                q = (Z * Z).sum(1) / self.cov[j]
                logdet = d * np.log(self.cov[j])
            out[:, j] = np.log(self.w[j]) - 0.5 * (d * LOG2PI + logdet + q)
        return out

    def n_params(self):
        K, d = self.mu.shape
        cov = {"full": K * d * (d + 1) / 2, "diag": K * d, "spherical": K, "tied": d * (d + 1) / 2}[self.ct]
        return (K - 1) + K * d + cov


def m_step(X, R, ct, reg):
    n, d = X.shape
    nk = R.sum(0)
    mu = (R.T @ X) / nk[:, None]
    K = len(nk)
    if ct == "full":
        cov = np.stack([((X - mu[j]) * R[:, j, None]).T @ (X - mu[j]) / nk[j] + np.diag(reg) for j in range(K)])
    elif ct == "diag":
        cov = np.stack([(R[:, j, None] * (X - mu[j]) ** 2).sum(0) / nk[j] + reg for j in range(K)])
    elif ct == "spherical":
        cov = np.array([(R[:, j] * ((X - mu[j]) ** 2).sum(1)).sum() / (nk[j] * d) + reg.mean() for j in range(K)])
    else:
        cov = sum(((X - mu[j]) * R[:, j, None]).T @ (X - mu[j]) for j in range(K)) / n + np.diag(reg)
    return Mixture(nk / n, mu, cov, ct)


def fit_mixture(X, labels, ct, reg):
    """EM started from the hard partition `labels`; components whose mass drops to <= 1 point are removed.
    Returns (mixture, total log-likelihood)."""
    R = (labels[:, None] == np.unique(labels)[None, :]).astype(float)
    prev = -np.inf
    for it in range(EM_MAX_ITER):
        R = R[:, R.sum(0) > 1.0]
        g = m_step(X, R, ct, reg)
        lj = g.log_joint(X)
        ll = logsumexp(lj, 1)
        R = np.exp(lj - ll[:, None])
        tot = ll.sum()
        if it > 0 and tot - prev < EM_TOL * len(X):
            break
        prev = tot
    return g, tot


def bic(g, loglik, n):
    return -2.0 * loglik + g.n_params() * np.log(n)


# ----------------------------------------------------------------------------- merge

def mardia_z(g, X, lj):
    """Posterior-weighted Mardia kurtosis z-score per component:
    b2_j = sum_i r_ij D_ij^4 / N_j (D = Mahalanobis distance to component j), Gaussian: d(d+2);
    z_j = (b2_j - d(d+2)) / sqrt(8 d (d+2) / N_j)."""
    n, d = X.shape
    R = np.exp(lj - logsumexp(lj, 1)[:, None])
    z = np.empty(len(g.w))
    for j in range(len(g.w)):
        Z = X - g.mu[j]
        if g.ct in ("full", "tied"):
            Y = np.linalg.solve(np.linalg.cholesky(g.cov[j] if g.ct == "full" else g.cov), Z.T)
            D2 = (Y * Y).sum(0)
        elif g.ct == "diag":
            D2 = (Z * Z / g.cov[j]).sum(1)
        else:
            D2 = (Z * Z).sum(1) / g.cov[j]
        nj = R[:, j].sum()
        z[j] = ((R[:, j] * D2 * D2).sum() / nj - d * (d + 2)) / np.sqrt(8.0 * d * (d + 2) / nj)
    return z


def modal_merge(g, X, rho=RHO, qamb=Q_AMBIG, rho_gauss=RHO_GAUSS, z_gauss=Z_GAUSS):
    """Group mixture components into clusters by hill-climbing on the mixture density.

    peak[a]      = max mixture density over fit points whose most probable component is a;
    saddle[a,b]  = max mixture density over fit points whose two most probable components are {a,b}
                   and whose posterior split r_top/(r_top+r_second) <= qamb (the a|b boundary);
    a's parent   = among components b with (peak[b], -b) > (peak[a], -a) and saddle[a,b] >= rho*peak[a],
                   the one with the largest saddle (ties: lowest index); none -> a is a mode.
    Clusters = trees of the parent forest, numbered by their root's component index.
    Optional (rho_gauss not None): a link between two components that both look Gaussian
    (|Mardia z| <= z_gauss) needs saddle >= rho_gauss * peak instead."""
    lj = g.log_joint(X)
    K = lj.shape[1]
    if K == 1:
        return np.zeros(1, dtype=int)
    gauss = np.abs(mardia_z(g, X, lj)) <= z_gauss if rho_gauss is not None else np.zeros(K, dtype=bool)
    lf = logsumexp(lj, 1)
    top2 = np.argsort(-lj, 1, kind="stable")[:, :2]
    a, b = top2[:, 0], top2[:, 1]
    idx = np.arange(len(X))
    q = 1.0 / (1.0 + np.exp(lj[idx, b] - lj[idx, a]))
    peak = np.full(K, -np.inf)
    np.maximum.at(peak, a, lf)
    S = np.full((K, K), -np.inf)
    m = q <= qamb
    np.maximum.at(S, (a[m], b[m]), lf[m])
    S = np.maximum(S, S.T)
    parent = np.arange(K)
    for c in range(K):
        best = -1
        for d in range(K):
            if d == c or not np.isfinite(S[c, d]):
                continue
            higher = peak[d] > peak[c] or (peak[d] == peak[c] and d < c)
            r = rho_gauss if (gauss[c] and gauss[d]) else rho
            if higher and S[c, d] >= np.log(r) + peak[c] and (best < 0 or S[c, d] > S[c, best]):
                best = d
        if best >= 0:
            parent[c] = best
    root = parent.copy()
    for _ in range(K):
        root = parent[root]
    return np.unique(root, return_inverse=True)[1]


# ----------------------------------------------------------------------------- driver

def ppp_auto(X, sample_max=SAMPLE_MAX, patience=PATIENCE, rho=RHO, cov_types=COV_TYPES, kcap=None,
             rho_gauss=RHO_GAUSS):
    """Cluster X (n x d) with an automatically chosen number of clusters.
    Returns (labels for all n rows, info dict)."""
    X = np.asarray(X, dtype=np.float64)
    if not np.isfinite(X).all():
        raise ValueError("non-finite values")
    n = len(X)
    keep = X.max(0) > X.min(0)
    X = X[:, keep] if keep.any() else X[:, :1]
    order = hash_order(X)
    fit = order[: min(sample_max, n)]
    Xf = X[fit]
    m, d = Xf.shape
    var = Xf.var(0)
    reg = EPS_REG * np.where(var > 0, var, 1.0)
    kcap = kcap or max(1, int(np.floor(np.sqrt(m))))
    best, since, path = None, 0, []
    for k, C, lab in kmeans_path(Xf, kcap):
        improved = False
        for ct in cov_types:
            try:
                g, ll = fit_mixture(Xf, lab, ct, reg)
            except np.linalg.LinAlgError:
                continue
            b = bic(g, ll, m)
            path.append((k, ct, len(g.w), b))
            if best is None or b < best[0]:
                best, improved = (b, k, ct, g), True
        since = 0 if improved else since + 1
        if since >= patience:
            break
    g = best[3]
    groups = modal_merge(g, Xf, rho, rho_gauss=rho_gauss)
    comp = g.log_joint(X).argmax(1)
    used, labels = np.unique(groups[comp], return_inverse=True)  # dense renumbering, root order kept
    return labels, dict(k=len(used), n_components=len(g.w), k_proposal=best[1], cov_type=best[2],
                        bic=best[0], groups=groups, mixture=g, path=path, n_fit=m)


if __name__ == "__main__":
    import sys
    X = np.loadtxt(sys.argv[1], ndmin=2)
    lab, info = ppp_auto(X)
    print("k =", info["k"], "components =", info["n_components"], file=sys.stderr)
    np.savetxt(sys.stdout, lab, fmt="%d")
