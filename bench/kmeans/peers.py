"""Reference data and peers for the k-means benchmark (driven by run.sh).

Subcommands:
  gen OUTDIR N D K SEED          Gaussian mixture (float32) + initial centers (.npy)
  sklearn DATA CENTERS ITERS REPEATS OUT_JSON OUT_LABELS
  faiss DATA CENTERS ITERS REPEATS THREADS OUT_JSON
  report RESULTS_DIR             prints the comparison table (RESULTS_DIR/round*/)
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
    rounds = sorted((d for d in os.listdir(results) if d.startswith("round")),
                    key=lambda d: int(d[5:]))
    names = ["partitive_lloyd", "partitive_hamerly", "partitive_yinyang", "sklearn", "faiss"]
    runs = {nm: [json.load(open(os.path.join(results, r, nm + ".json"))) for r in rounds]
            for nm in names}
    # A round's time: the fastest of its process's fits (the first one is cold).
    fit = {nm: np.array([min(r["fit_ms_all"]) for r in runs[nm]]) for nm in names}
    cpu = {nm: np.array([r["fit_cpu_ms_median"] for r in runs[nm]]) for nm in names}
    last = {nm: runs[nm][-1] for nm in names}
    part, skl, fai = last["partitive_lloyd"], last["sklearn"], last["faiss"]
    n, d, k, iters = part["n"], part["d"], part["k"], part["n_iter"]
    flops = 2.0 * n * d * k
    labels = {"partitive_lloyd": "partitive Lloyd",
              "partitive_hamerly": "partitive Hamerly (exact Lloyd iterations; auto)",
              "partitive_yinyang": "partitive Yinyang (exact Lloyd iterations)",
              "sklearn": skl["impl"], "faiss": fai["impl"]}
    print(f"\nk-means, n={n} d={d} k={k} float32, {part['threads']} threads, {iters} iterations; "
          f"{len(rounds)} interleaved rounds, each the fastest of {len(part['fit_ms_all'])} fits "
          f"in one process; medians over rounds; per iteration = whole fit / iterations")
    print("GFLOP/s = 2 n d k per iteration / time (for the pruned variants: the dense-equivalent rate); "
          "dist. = fraction of the n k distances evaluated (iterations + final pass)")
    print(f"{'implementation':<50} {'fit ms':>8} {'ms/iter':>8} {'GFLOP/s':>8} {'CPU ms/iter':>11} "
          f"{'dist.':>6} {'inertia':>16}   fit ms per round")
    for nm in names:
        r = last[nm]
        pi = float(np.median(fit[nm])) / r["n_iter"]
        cp = float(np.median(cpu[nm])) / r["n_iter"]
        ev = (f"{r['distance_evaluations'] / (n * k * (r['n_iter'] + 1)):.3f}"
              if "distance_evaluations" in r else "1")
        per_round = " ".join(f"{t:.0f}" for t in fit[nm])
        print(f"{labels[nm]:<50} {pi * r['n_iter']:>8.1f} {pi:>8.2f} {flops / pi / 1e6:>8.1f} {cp:>11.2f} "
              f"{ev:>6} {r['inertia']:>16.8e}   {per_round}")
    print("partitive iteration loop only (observer stamps, excludes setup and final pass): " + ", ".join(
        f"{nm.split('_')[1].capitalize()} {np.median([r['iter_ms_median'] for r in runs[nm]]):.2f}"
        for nm in names[:3]) + " ms/iter")
    print("ratios: median over rounds of the same-round ratio of fit times [min, max]; CPU time alike")
    for nm in names[:3]:
        for peer, target in [("faiss", 0.333), ("sklearn", 0.25)]:
            q = fit[nm] / fit[peer]
            qc = cpu[nm] / cpu[peer]
            print(f"ratio partitive {nm.split('_')[1].capitalize()}/{peer:<8}= {np.median(q):.3f} wall "
                  f"[{q.min():.3f}, {q.max():.3f}] (target <= {target}), {np.median(qc):.3f} CPU time")
    h = fit["partitive_hamerly"] / fit["partitive_lloyd"]
    y = fit["partitive_yinyang"] / fit["partitive_lloyd"]
    print(f"ratio Hamerly/Lloyd = {np.median(h):.3f}, Yinyang/Lloyd = {np.median(y):.3f} wall")
    la = os.getloadavg()
    print(f"load average at the end: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} CPUs "
          f"(wall times are only meaningful when the load is below the CPU count)")
    out = os.path.join(results, rounds[-1])
    lp = np.load(os.path.join(out, "labels_lloyd.npy"))
    ls = np.load(os.path.join(out, "labels_sklearn.npy"))
    print(f"labels equal to scikit-learn's: {np.mean(lp == ls):.6f}; inertia rel. diff "
          f"{(part['inertia'] - skl['inertia']) / skl['inertia']:+.3e}")
    for name, nm in [("Hamerly", "partitive_hamerly"), ("Yinyang", "partitive_yinyang")]:
        lh = np.load(os.path.join(out, f"labels_{nm.split('_')[1]}.npy"))
        print(f"{name} labels equal to Lloyd's: {np.mean(lp == lh):.6f}; inertia equal: "
              f"{part['inertia'] == last[nm]['inertia']}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": gen, "sklearn": sklearn_run, "faiss": faiss_run, "report": report}[cmd](*args)
