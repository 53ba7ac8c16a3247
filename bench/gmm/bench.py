"""partitive vs scikit-learn GaussianMixture from identical initial parameters.

Generates the reference data (n=200,000, d=16, k=10, seeded) once, builds an initial
partition (nearest of k seeded random rows), gives scikit-learn the parameters of that
partition (weights_init / means_init / precisions_init) and partitive the partition
itself, runs both for the same number of EM iterations (tol=0) with 2 threads, and
prints per-iteration times, the speed ratio and the relative difference of the mean
log-likelihood (per-iteration lower bounds and the final score).

Usage: python bench.py BINARY [--iters N] [--types full,diag,spherical,tied] [--threads 2] [--rounds R]
With --rounds R the two alternate R times; the table reports each one's best round.
"""

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "bench", "data", "gmm")
N, D, K, SEED = 200_000, 16, 10, 20261121


def make_data():
    x_path = os.path.join(DATA, "X.npy")
    l_path = os.path.join(DATA, "labels_init.npy")
    if os.path.exists(x_path) and os.path.exists(l_path):
        return np.load(x_path), np.load(l_path)
    os.makedirs(DATA, exist_ok=True)
    rng = np.random.default_rng(SEED)
    weights = rng.dirichlet(np.full(K, 5.0))
    means = rng.uniform(-6, 6, size=(K, D))
    counts = rng.multinomial(N, weights)
    parts = []
    for k in range(K):
        a = rng.normal(size=(D, D)) / np.sqrt(D)
        cov = a @ a.T + 0.3 * np.eye(D)
        parts.append(rng.multivariate_normal(means[k], cov, size=counts[k]))
    x = np.concatenate(parts)
    x = x[rng.permutation(N)]
    x = np.ascontiguousarray(x, dtype=np.float64)
    # Initial partition: nearest of K seeded random rows (a rough start, so EM moves).
    seeds = x[rng.choice(N, K, replace=False)]
    d2 = ((x[:, None, :] - seeds[None, :, :]) ** 2).sum(-1)
    labels = d2.argmin(1).astype(np.int64)
    np.save(x_path, x)
    np.save(l_path, labels)
    return x, labels


def partition_parameters(x, labels, cov_type, reg=1e-6):
    """Weights, means and precisions of a hard partition (one-hot M-step)."""
    n, d = x.shape
    resp = np.zeros((n, K))
    resp[np.arange(n), labels] = 1.0
    nk = resp.sum(0) + 10 * np.finfo(x.dtype).eps
    means = resp.T @ x / nk[:, None]
    if cov_type in ("full", "tied"):
        covs = []
        for k in range(K):
            diff = x - means[k]
            covs.append((resp[:, k] * diff.T) @ diff / nk[k])
        covs = np.array(covs)
        if cov_type == "full":
            prec = np.array([np.linalg.inv(c + reg * np.eye(d)) for c in covs])
        else:
            tied = (covs * nk[:, None, None]).sum(0) / nk.sum() + reg * np.eye(d)
            prec = np.linalg.inv(tied)
    else:
        var = np.array(
            [(resp[:, k][:, None] * (x - means[k]) ** 2).sum(0) / nk[k] for k in range(K)]
        ) + reg
        prec = 1.0 / var if cov_type == "diag" else 1.0 / var.mean(1)
    return nk / n, means, prec


def run_sklearn(x, labels, cov_type, iters):
    from sklearn.mixture import GaussianMixture

    w, m, p = partition_parameters(x, labels, cov_type)
    gm = GaussianMixture(
        n_components=K,
        covariance_type=cov_type,
        tol=0.0,
        max_iter=iters,
        n_init=1,
        weights_init=w,
        means_init=m,
        precisions_init=p,
        verbose=2,
        verbose_interval=1,
    )
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(x)
    total = time.perf_counter() - t0
    lapses = [float(v) for v in re.findall(r"Iteration \d+\s+time lapse ([0-9.]+)s", buf.getvalue())]
    return {
        "n_iter": int(gm.n_iter_),
        "total_s": total,
        "iter_s": lapses[1:],  # the first lapse includes initialisation
        "lower_bounds": [float(v) for v in gm.lower_bounds_],
        "lower_bound": float(gm.lower_bound_),
        "mean_log_likelihood": float(gm.score(x)),
        "bic": float(gm.bic(x)),
    }


def run_partitive(binary, cov_type, iters, threads):
    out = subprocess.run(
        [binary, os.path.join(DATA, "X.npy"), os.path.join(DATA, "labels_init.npy"),
         cov_type, str(iters), str(threads)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--types", default="full,diag,spherical,tied")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    x, labels = make_data()
    print(f"data: n={x.shape[0]} d={x.shape[1]} k={K} float64; {args.iters} EM iterations, "
          f"tol=0, {args.threads} threads, same initial partition")
    import sklearn
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    hdr = (f"{'covariance':<10} {'sklearn ms/it':>13} {'partitive ms/it':>15} {'speed-up':>8} "
           f"{'max rel diff lower bounds':>25} {'rel diff final loglik':>21} {'rel diff BIC':>12}")
    print(hdr)
    ok = True
    results = {}
    for cov in args.types.split(","):
        # Alternate the two over the rounds (order rotating); per round the median
        # iteration of each; reported: the best round of each (and the per-round ratios).
        sk_rounds, our_rounds = [], []
        for r in range(args.rounds):
            for who in (("ours", "sk") if r % 2 == 0 else ("sk", "ours")):
                if who == "ours":
                    ours = run_partitive(args.binary, cov, args.iters, args.threads)
                    our_rounds.append(1e3 * statistics.median(ours["iter_s"]))
                else:
                    sk = run_sklearn(x, labels, cov, args.iters)
                    sk_rounds.append(1e3 * statistics.median(sk["iter_s"]))
            print(f"  {cov} round {r + 1}: sklearn {sk_rounds[-1]:.1f} ms/it, partitive "
                  f"{our_rounds[-1]:.2f} ms/it ({sk_rounds[-1] / our_rounds[-1]:.1f}x), "
                  f"load average {os.getloadavg()[0]:.2f}")
        assert sk["n_iter"] == ours["n_iter"] == args.iters, (sk["n_iter"], ours["n_iter"])
        sk_ms = min(sk_rounds)
        our_ms = min(our_rounds)
        d_lb = max(rel(a, b) for a, b in zip(ours["lower_bounds"], sk["lower_bounds"]))
        d_ll = rel(ours["mean_log_likelihood"], sk["mean_log_likelihood"])
        d_bic = rel(ours["bic"], sk["bic"])
        ok &= d_lb <= 1e-6 and d_ll <= 1e-6
        print(f"{cov:<10} {sk_ms:>13.1f} {our_ms:>15.2f} {sk_ms / our_ms:>7.1f}x "
              f"{d_lb:>25.2e} {d_ll:>21.2e} {d_bic:>12.2e}")
        results[cov] = {"sklearn": sk, "partitive": ours}
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "gmm.json"), "w") as f:
        json.dump(results, f, indent=1)
    print("agreement within 1e-6:", "yes" if ok else "NO")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
