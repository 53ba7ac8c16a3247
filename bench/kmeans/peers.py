"""Reference data and peers for the k-means benchmark (driven by run.sh).

Subcommands:
  gen OUTDIR N D K SEED          Gaussian mixture (float32) + initial centers (.npy)
  sklearn DATA CENTERS ITERS REPEATS OUT_JSON OUT_LABELS
  faiss DATA CENTERS ITERS REPEATS THREADS OUT_JSON
  report RESULTS_DIR             prints the comparison table
"""
import json
import os
import resource
import sys
import time

import numpy as np


def gen(outdir, n, d, k, seed):
    n, d, k, seed = int(n), int(d), int(k), int(seed)
    os.makedirs(outdir, exist_ok=True)
    data = os.path.join(outdir, f"kmeans_n{n}_d{d}_k{k}_s{seed}.npy")
    cent = os.path.join(outdir, f"kmeans_n{n}_d{d}_k{k}_s{seed}_init.npy")
    if not (os.path.exists(data) and os.path.exists(cent)):
        rng = np.random.default_rng(seed)
        means = rng.normal(0.0, 3.0, size=(k, d))
        scales = rng.uniform(0.5, 1.5, size=k)
        z = rng.integers(0, k, size=n)
        x = np.empty((n, d), dtype=np.float32)
        step = 100_000
        for s in range(0, n, step):
            e = min(n, s + step)
            x[s:e] = means[z[s:e]] + rng.normal(size=(e - s, d)) * scales[z[s:e], None]
        np.save(data, x)
        # Initial centers: a fixed seeded choice of k distinct rows.
        idx = np.sort(np.random.default_rng(seed + 1).choice(n, size=k, replace=False))
        np.save(cent, x[idx].copy())
    print(data)
    print(cent)


def cpu_ms():
    """CPU time of this process, all threads (user + system), in ms."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1e3


def sklearn_run(data, cent, iters, repeats, out_json, out_labels):
    from sklearn import __version__ as skv
    from sklearn.cluster import KMeans

    x = np.load(data)
    c = np.load(cent)
    iters, repeats = int(iters), int(repeats)
    times, cpus, km = [], [], None
    for _ in range(repeats):
        km = KMeans(n_clusters=c.shape[0], init=c, n_init=1, max_iter=iters, tol=0.0, algorithm="lloyd")
        c0, t0 = cpu_ms(), time.perf_counter()
        km.fit(x)
        times.append((time.perf_counter() - t0) * 1e3)
        cpus.append(cpu_ms() - c0)
    np.save(out_labels, km.labels_.astype(np.int64))
    res = dict(impl=f"scikit-learn {skv}", fit_ms_all=times, fit_ms_median=float(np.median(times)),
               fit_cpu_ms_median=float(np.median(cpus)),
               n_iter=int(km.n_iter_), inertia=float(km.inertia_))
    json.dump(res, open(out_json, "w"))


def faiss_run(data, cent, iters, repeats, threads, out_json):
    import faiss

    faiss.omp_set_num_threads(int(threads))
    x = np.load(data)
    c = np.load(cent)
    n, d = x.shape
    k = c.shape[0]
    iters, repeats = int(iters), int(repeats)
    times, cpus, km = [], [], None
    for _ in range(repeats):
        # max_points_per_centroid large: train on all rows (no subsampling), like the others.
        km = faiss.Kmeans(d, k, niter=iters, verbose=False, max_points_per_centroid=n // k + 1,
                          min_points_per_centroid=1)
        c0, t0 = cpu_ms(), time.perf_counter()
        km.train(x, init_centroids=c)
        times.append((time.perf_counter() - t0) * 1e3)
        cpus.append(cpu_ms() - c0)
    _, lab = km.index.search(x, 1)
    cen = km.centroids
    inertia = float(((x.astype(np.float64) - cen[lab[:, 0]].astype(np.float64)) ** 2).sum())
    res = dict(impl=f"faiss-cpu {faiss.__version__}", fit_ms_all=times, fit_ms_median=float(np.median(times)),
               fit_cpu_ms_median=float(np.median(cpus)),
               n_iter=iters, inertia=inertia)
    json.dump(res, open(out_json, "w"))


def report(results):
    load = lambda name: json.load(open(os.path.join(results, name)))
    part = load("partitive_lloyd.json")
    pruned = load("partitive_hamerly.json")
    skl = load("sklearn.json")
    fai = load("faiss.json")
    n, d, k = part["n"], part["d"], part["k"]
    flops = 2.0 * n * d * k

    def per_iter(r):
        return r["fit_ms_median"] / r["n_iter"]

    rows = [("partitive Lloyd", part), (f"partitive {pruned['algorithm']}", pruned),
            (skl["impl"], skl), (fai["impl"], fai)]
    threads = part["threads"]
    print(f"\nk-means, n={n} d={d} k={k} float32, {threads} threads, {part['n_iter']} iterations, "
          f"median of {len(part['fit_ms_all'])} fits; per iteration = whole fit / iterations")
    print(f"{'implementation':<24} {'fit ms':>9} {'ms/iter':>9} {'GFLOP/s':>8} {'CPU ms/iter':>12} {'inertia':>16}")
    for name, r in rows:
        pi = per_iter(r)
        cpu = r["fit_cpu_ms_median"] / r["n_iter"]
        print(f"{name:<24} {r['fit_ms_median']:>9.1f} {pi:>9.2f} {flops / pi / 1e6:>8.1f} {cpu:>12.2f} "
              f"{r['inertia']:>16.8e}")
    print(f"partitive iteration loop only (observer stamps, excludes setup and final pass): "
          f"Lloyd {part['iter_ms_median']:.2f} ms/iter, {pruned['algorithm']} {pruned['iter_ms_median']:.2f} ms/iter; "
          f"distance evaluations {pruned['distance_evaluations']:.3e} vs Lloyd {part['distance_evaluations']:.3e}")
    cpu = lambda r: r["fit_cpu_ms_median"]
    print(f"ratio partitive/faiss   = {per_iter(part) / per_iter(fai):.3f} wall (target <= 0.333), "
          f"{cpu(part) / cpu(fai):.3f} CPU time")
    print(f"ratio partitive/sklearn = {per_iter(part) / per_iter(skl):.3f} wall (target <= 0.25), "
          f"{cpu(part) / cpu(skl):.3f} CPU time")
    print(f"ratio pruned/Lloyd      = {per_iter(pruned) / per_iter(part):.3f} wall, "
          f"{cpu(pruned) / cpu(part):.3f} CPU time")
    la = os.getloadavg()
    print(f"load average at the end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} CPUs "
          f"(wall times are only meaningful when the load is below the CPU count)")
    lp = np.load(os.path.join(results, "labels_partitive.npy"))
    lh = np.load(os.path.join(results, "labels_hamerly.npy"))
    ls = np.load(os.path.join(results, "labels_sklearn.npy"))
    print(f"labels equal to scikit-learn's: {np.mean(lp == ls):.6f}; inertia rel. diff "
          f"{(part['inertia'] - skl['inertia']) / skl['inertia']:+.3e}")
    print(f"pruned labels equal to Lloyd's: {np.mean(lp == lh):.6f}; inertia equal: {part['inertia'] == pruned['inertia']}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": gen, "sklearn": sklearn_run, "faiss": faiss_run, "report": report}[cmd](*args)
