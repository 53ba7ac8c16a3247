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
    ham = load("partitive_hamerly.json")
    yy = load("partitive_yinyang.json")
    skl = load("sklearn.json")
    fai = load("faiss.json")
    n, d, k = part["n"], part["d"], part["k"]
    flops = 2.0 * n * d * k

    def per_iter(r):
        return r["fit_ms_median"] / r["n_iter"]

    def evals(r):
        # point-center distances evaluated / (n k (iterations + final pass))
        return r["distance_evaluations"] / (n * k * (r["n_iter"] + 1))

    rows = [("partitive Lloyd", part), ("partitive Hamerly (exact Lloyd iterations; auto)", ham),
            ("partitive Yinyang (exact Lloyd iterations)", yy), (skl["impl"], skl), (fai["impl"], fai)]
    threads = part["threads"]
    print(f"\nk-means, n={n} d={d} k={k} float32, {threads} threads, {part['n_iter']} iterations, "
          f"median of {len(part['fit_ms_all'])} fits; per iteration = whole fit / iterations")
    print("GFLOP/s = 2 n d k per iteration / time (for the pruned variants: the dense-equivalent rate); "
          "dist. = fraction of the n k distances evaluated (iterations + final pass)")
    print(f"{'implementation':<50} {'fit ms':>8} {'ms/iter':>8} {'GFLOP/s':>8} {'CPU ms/iter':>11} {'dist.':>6} {'inertia':>16}")
    for name, r in rows:
        pi = per_iter(r)
        cpu = r["fit_cpu_ms_median"] / r["n_iter"]
        ev = f"{evals(r):.3f}" if "distance_evaluations" in r else "1"
        print(f"{name:<50} {r['fit_ms_median']:>8.1f} {pi:>8.2f} {flops / pi / 1e6:>8.1f} {cpu:>11.2f} {ev:>6} "
              f"{r['inertia']:>16.8e}")
    print(f"partitive iteration loop only (observer stamps, excludes setup and final pass): "
          f"Lloyd {part['iter_ms_median']:.2f}, Hamerly {ham['iter_ms_median']:.2f}, "
          f"Yinyang {yy['iter_ms_median']:.2f} ms/iter")
    cpu = lambda r: r["fit_cpu_ms_median"]
    for name, r in [("Lloyd", part), ("Hamerly", ham), ("Yinyang", yy)]:
        print(f"ratio partitive {name}/faiss   = {per_iter(r) / per_iter(fai):.3f} wall (target <= 0.333), "
              f"{cpu(r) / cpu(fai):.3f} CPU time")
        print(f"ratio partitive {name}/sklearn = {per_iter(r) / per_iter(skl):.3f} wall (target <= 0.25), "
              f"{cpu(r) / cpu(skl):.3f} CPU time")
    print(f"ratio Hamerly/Lloyd = {per_iter(ham) / per_iter(part):.3f}, Yinyang/Lloyd = "
          f"{per_iter(yy) / per_iter(part):.3f} wall")
    la = os.getloadavg()
    print(f"load average at the end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} CPUs "
          f"(wall times are only meaningful when the load is below the CPU count)")
    lp = np.load(os.path.join(results, "labels_partitive.npy"))
    ls = np.load(os.path.join(results, "labels_sklearn.npy"))
    print(f"labels equal to scikit-learn's: {np.mean(lp == ls):.6f}; inertia rel. diff "
          f"{(part['inertia'] - skl['inertia']) / skl['inertia']:+.3e}")
    for name, r, f in [("Hamerly", ham, "labels_hamerly.npy"), ("Yinyang", yy, "labels_yinyang.npy")]:
        lh = np.load(os.path.join(results, f))
        print(f"{name} labels equal to Lloyd's: {np.mean(lp == lh):.6f}; inertia equal: "
              f"{part['inertia'] == r['inertia']}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": gen, "sklearn": sklearn_run, "faiss": faiss_run, "report": report}[cmd](*args)
