"""Whole-run benchmarks: what a user waits for, partitive against its peers.

    python bench/e2e/e2e.py HARNESS [--rounds R] [--threads T] [--only IMPL,IMPL] [--force]

HARNESS is one of:

  kmeans-k64    k-means, n = 1M, d = 32, f32, k = 64, every implementation's defaults:
                partitive KMeans(64) vs scikit-learn KMeans(n_clusters=64).
  kmeans-k1024  k-means, same data, k = 1024, 20 iterations (tol = 0), each one's own
                seeding: partitive KMeans(1024, max_iter=20, tol=0) vs faiss
                Kmeans(niter=20, no subsampling) vs scikit-learn KMeans(1024, max_iter=20).
  gmm           Gaussian mixture, n = 200k, d = 16, k = 10, full covariances, defaults
                (k-means initialisation, tol = 1e-3): partitive vs scikit-learn.
  ppp           PPP `auto` (partitive only: no peer finds k by itself this way), n = 200k,
                d = 8, 12 blobs.
  kmedoids      k-medoids, n = 10k precomputed euclidean matrix, k = 20, FasterPAM from
                the same BUILD start: partitive KMedoids vs the kmedoids package.

Every fit runs in a fresh child process (data loaded before the clock starts), the
implementations alternated in every round (the order rotating), so that all see the same
machine state. Reported per implementation: the median and best wall and CPU seconds
(CPU: user + system of all the child's threads, from getrusage) over the rounds, the
quality (inertia / lower bound / loss, computed the same way for all) and the ratios of
partitive's times to each peer's, per round and as medians.

The machine must be idle: the 1-minute load average is printed before every round, and
the harness refuses to report (exit 3) when it is above the core count, unless --force.
Thread counts: --threads (default 2) sets OMP/OpenBLAS/MKL/RAYON thread counts and
faiss's. Data are generated once into bench/data (git-ignored).
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"

# ---------------------------------------------------------------------------- data


def blobs(name, n, d, centers, seed, dtype, spread=3.0):
    """A Gaussian mixture (means N(0, spread^2), blob scales in [0.5, 1.5]), cached."""
    path = DATA / f"e2e_{name}_n{n}_d{d}_c{centers}_s{seed}.npy"
    if not path.exists():
        rng = np.random.default_rng(seed)
        means = rng.normal(0.0, spread, size=(centers, d))
        scales = rng.uniform(0.5, 1.5, size=centers)
        z = rng.integers(0, centers, size=n)
        x = np.empty((n, d), dtype=dtype)
        for s in range(0, n, 100_000):
            e = min(n, s + 100_000)
            x[s:e] = means[z[s:e]] + rng.normal(size=(e - s, d)) * scales[z[s:e], None]
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, x)
        os.replace(tmp, path)
    return np.load(path)


def kmeans_data():
    return blobs("kmeans", 1_000_000, 32, 64, 0, np.float32)


def gmm_data():
    return blobs("gmm", 200_000, 16, 10, 0, np.float64)


def ppp_data():
    return blobs("ppp", 200_000, 8, 12, 0, np.float64, spread=8.0)


def kmedoids_data():
    """A float32 euclidean distance matrix of 10k rows (d = 8, 20 blobs), exactly symmetric."""
    path = DATA / "e2e_kmedoids_n10000.npy"
    if not path.exists():
        x = blobs("kmedoids_points", 10_000, 8, 20, 0, np.float64, spread=6.0)
        sq = (x * x).sum(1)
        dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0))
        dist = np.minimum(dist, dist.T).astype(np.float32)
        np.fill_diagonal(dist, 0.0)
        np.save(path, dist)
    return np.load(path)


def inertia(x, centers):
    """Sum of squared distances to the nearest center (f64 accumulation, chunked)."""
    c = np.asarray(centers, dtype=np.float64)
    cn = (c * c).sum(1)
    total = 0.0
    for s in range(0, len(x), 50_000):
        b = np.asarray(x[s : s + 50_000], dtype=np.float64)
        d2 = (b * b).sum(1)[:, None] - 2.0 * b @ c.T + cn[None, :]
        total += float(np.maximum(d2.min(1), 0.0).sum())
    return total


# ---------------------------------------------------------------------------- fits
# Each returns (fitted object, seconds of wall time of the fit alone).


def timed(fit):
    t0 = time.perf_counter()
    out = fit()
    return out, time.perf_counter() - t0


def run_kmeans(impl, x, k, iters, threads):
    if impl == "partitive":
        import partitive

        kw = {} if iters is None else {"max_iter": iters, "tol": 0.0}
        m, wall = timed(lambda: partitive.KMeans(n_clusters=k, n_jobs=threads, **kw).fit(x))
        return {"wall": wall, "centers": m.cluster_centers_, "n_iter": int(m.n_iter_)}
    if impl == "sklearn":
        from sklearn.cluster import KMeans

        kw = {} if iters is None else {"max_iter": iters, "tol": 0.0}
        m, wall = timed(lambda: KMeans(n_clusters=k, random_state=0, **kw).fit(x))
        return {"wall": wall, "centers": m.cluster_centers_, "n_iter": int(m.n_iter_)}
    if impl == "faiss":
        import faiss

        faiss.omp_set_num_threads(threads)
        km = faiss.Kmeans(x.shape[1], k, niter=iters, seed=1, max_points_per_centroid=1 << 30)
        _, wall = timed(lambda: km.train(x))
        return {"wall": wall, "centers": km.centroids, "n_iter": iters}
    raise ValueError(impl)


def child(harness, impl, threads):
    """One fit in this (fresh) process; prints a JSON line."""
    if harness in ("kmeans-k64", "kmeans-k1024"):
        x = kmeans_data()
        k, iters = (64, None) if harness == "kmeans-k64" else (1024, 20)
        c0 = resource.getrusage(resource.RUSAGE_SELF)
        r = run_kmeans(impl, x, k, iters, threads)
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        quality = inertia(x, r["centers"])
        out = {"wall": r["wall"], "n_iter": r["n_iter"], "inertia": quality}
    elif harness == "gmm":
        x = gmm_data()
        c0 = resource.getrusage(resource.RUSAGE_SELF)
        if impl == "partitive":
            import partitive

            m, wall = timed(
                lambda: partitive.GaussianMixture(10, covariance_type="full", n_jobs=threads).fit(x)
            )
        else:
            from sklearn.mixture import GaussianMixture

            m, wall = timed(
                lambda: GaussianMixture(10, covariance_type="full", random_state=0).fit(x)
            )
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        out = {
            "wall": wall,
            "n_iter": int(m.n_iter_),
            "lower_bound": float(m.lower_bound_),
            "mean_log_likelihood": float(m.score(x)),
        }
    elif harness == "ppp":
        x = ppp_data()
        import partitive

        c0 = resource.getrusage(resource.RUSAGE_SELF)
        m, wall = timed(lambda: partitive.PPP(n_jobs=threads).fit(x))
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        out = {"wall": wall, "n_clusters": int(m.n_clusters_)}
    elif harness == "kmedoids":
        dist = kmedoids_data()
        c0 = resource.getrusage(resource.RUSAGE_SELF)
        if impl == "partitive":
            import partitive

            m, wall = timed(
                lambda: partitive.KMedoids(
                    20, metric="precomputed", method="fasterpam", init="build", n_jobs=threads
                ).fit(dist)
            )
            medoids = np.asarray(m.medoid_indices_)
        else:
            import kmedoids

            m, wall = timed(lambda: kmedoids.fasterpam(dist, 20, max_iter=100, init="build", n_cpu=threads))
            medoids = np.asarray(m.medoids)
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        loss = float(dist[:, medoids].astype(np.float64).min(1).sum())
        out = {"wall": wall, "loss": loss}
    else:
        raise SystemExit(f"unknown harness {harness!r}")
    out["cpu"] = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    print(json.dumps(out))


# ---------------------------------------------------------------------------- driver

IMPLS = {
    "kmeans-k64": ["partitive", "sklearn"],
    "kmeans-k1024": ["partitive", "faiss", "sklearn"],
    "gmm": ["partitive", "sklearn"],
    "ppp": ["partitive"],
    "kmedoids": ["partitive", "kmedoids"],
}
QUALITY = {"kmeans-k64": "inertia", "kmeans-k1024": "inertia", "gmm": "lower_bound",
           "ppp": "n_clusters", "kmedoids": "loss"}


def load_ok(force, settle=90):
    # The previous round's own threads lift the 1-minute average: give it up to `settle`
    # seconds to fall below the core count before judging the machine loaded.
    t0 = time.time()
    while os.getloadavg()[0] > (os.cpu_count() or 1) and time.time() - t0 < settle:
        time.sleep(5)
    load1 = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    line = f"load average {load1:.2f} (1 min), {cores} cores"
    if load1 > cores:
        print(line + ": ABOVE the core count" + (" (--force: reporting anyway)" if force else ""))
        return force
    print(line)
    return True


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])


def main(argv):
    if len(argv) >= 2 and argv[1] == "--child":
        child(argv[2], argv[3], int(argv[4]))
        return 0
    args = argv[1:]
    force = "--force" in args
    args = [a for a in args if a != "--force"]

    def opt(name, default):
        if name in args:
            i = args.index(name)
            v = args[i + 1]
            del args[i : i + 2]
            return v
        return default

    rounds = int(opt("--rounds", "3"))
    threads = int(opt("--threads", "2"))
    only = opt("--only", None)
    if len(args) != 1 or args[0] not in IMPLS:
        print(__doc__)
        return 2
    harness = args[0]
    impls = IMPLS[harness]
    if only is not None:
        impls = [i for i in impls if i in only.split(",")]
        if "partitive" not in impls or len(impls) < 2:
            print(f"--only must name partitive and at least one of {', '.join(IMPLS[harness][1:])}")
            return 2
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        env[v] = str(threads)
    print(f"{harness}: {rounds} rounds, {threads} threads, implementations {', '.join(impls)}")
    print(f"python {sys.version.split()[0]}, {os.uname().machine}, {os.uname().nodename}")
    if not load_ok(force):
        print("refusing to measure on a loaded machine (use --force to override)")
        return 3
    # Generate (or load) the data once before the clock matters.
    {"kmeans-k64": kmeans_data, "kmeans-k1024": kmeans_data, "gmm": gmm_data,
     "ppp": ppp_data, "kmedoids": kmedoids_data}[harness]()
    results = {i: [] for i in impls}
    loaded = False
    for r in range(rounds):
        order = impls[r % len(impls):] + impls[: r % len(impls)]
        ok = load_ok(force)
        loaded |= os.getloadavg()[0] > (os.cpu_count() or 1)
        if not ok:
            print("refusing to report: the load rose above the core count (use --force)")
            return 3
        for impl in order:
            p = subprocess.run(
                [sys.executable, __file__, "--child", harness, impl, str(threads)],
                env=env, capture_output=True, text=True,
            )
            if p.returncode != 0:
                print(f"{impl} failed:\n{p.stderr}")
                return 1
            res = json.loads(p.stdout.strip().splitlines()[-1])
            results[impl].append(res)
            q = QUALITY[harness]
            print(f"  round {r + 1} {impl:10s} wall {res['wall']:9.3f} s  cpu {res['cpu']:9.3f} s  "
                  f"{q} {res[q]:.10g}" + (f"  n_iter {res['n_iter']}" if "n_iter" in res else ""))
    print()
    print(f"{'implementation':14s} {'wall med':>9s} {'wall best':>9s} {'cpu med':>9s} {'cpu best':>9s}  {QUALITY[harness]}")
    for impl in impls:
        w = [r["wall"] for r in results[impl]]
        c = [r["cpu"] for r in results[impl]]
        q = [r[QUALITY[harness]] for r in results[impl]]
        print(f"{impl:14s} {median(w):9.3f} {min(w):9.3f} {median(c):9.3f} {min(c):9.3f}  {median(q):.10g}")
    for peer in impls[1:]:
        rw = [a["wall"] / b["wall"] for a, b in zip(results["partitive"], results[peer])]
        rc = [a["cpu"] / b["cpu"] for a, b in zip(results["partitive"], results[peer])]
        print(f"partitive / {peer}: wall {median(rw):.3f} (rounds {', '.join(f'{v:.3f}' for v in rw)}), "
              f"cpu {median(rc):.3f}")
    final = os.getloadavg()[0]
    print(f"load average at the end {final:.2f}")
    if loaded:
        print("NOTE: measured with the load above the core count (--force): not a valid report")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
