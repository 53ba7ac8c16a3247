#!/usr/bin/env python3
"""HDBSCAN* speed: partitive against the `hdbscan` library (boruvka_kdtree), scikit-learn's
HDBSCAN and fast_hdbscan, on the same data, in one run.

Each measurement is a fresh process; implementations alternate within every round (the order
rotates), so all of them see the same machine state. Reported per implementation: the median
wall time of the fit, the CPU time of the fit (all threads), peak resident memory of the process,
and the ratios partitive / other (wall and CPU). fast_hdbscan compiles with numba: its worker
fits a small set first so the compile is not timed. The load average is printed before and
after; with a 1-minute load above the core count the report is refused (the numbers would
measure the other processes), unless --force (alias --allow-load), which labels it LOADED.
Each report ends with the issue-20 acceptance lines that apply to its size: at 200,000 x 4,
partitive's fit wall time <= 1/3 of the hdbscan library's and below fast_hdbscan's and
scikit-learn's; at 1,000,000 x 4, below 60 s with peak RSS below 1 GB.

Usage:
  bench.py gen OUT.npy N D SEED                  blobs (10 centres, unit spread), float64
  bench.py run DATA.npy [DATA2.npy ...] [--min-cluster-size M] [--threads T] [--rounds R]
                        [--impls a,b,...] [--timeout S] [--bin PATH] [--force] [--json OUT]
        (several files, e.g. the same n at d = 2, 8, 16: every round runs every implementation on
         every file, the order rotating; then medians per file and one table across them)
  bench.py worker IMPL DATA.npy M T              (internal) one fit, prints JSON
Implementations: partitive, hdbscan, sklearn, fast_hdbscan.
"""
import json, os, resource, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
IMPLS = ["partitive", "hdbscan", "fast_hdbscan", "sklearn"]


def gen(out, n, d, seed):
    import numpy as np
    from sklearn.datasets import make_blobs
    X, _ = make_blobs(n_samples=n, n_features=d, centers=10, cluster_std=1.0, random_state=seed)
    np.save(out, np.ascontiguousarray(X, dtype=np.float64))


def tree_cpu():
    """CPU seconds (user + system) of this process and all its live descendants (the joblib
    worker processes some libraries start), from /proc."""
    tck = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    parent, cpu = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        parent[int(pid)] = int(fields[1])
        cpu[int(pid)] = (int(fields[11]) + int(fields[12])) / tck
    total = 0.0
    for pid in cpu:
        p = pid
        while p in parent and p != me and p > 1:
            p = parent[p]
        if p == me and pid != me:
            total += cpu[pid]
    return total + time.process_time()


def worker(impl, data, mcs, threads):
    import numpy as np
    import warnings
    warnings.filterwarnings("ignore")
    X = np.load(data)
    if impl == "hdbscan":
        import hdbscan
        make = lambda: hdbscan.HDBSCAN(min_cluster_size=mcs, algorithm="boruvka_kdtree", core_dist_n_jobs=threads)
        make().fit(X[:2000])  # starts the joblib worker processes, not timed
    elif impl == "sklearn":
        from sklearn.cluster import HDBSCAN
        make = lambda: HDBSCAN(min_cluster_size=mcs, n_jobs=threads, copy=True)
        make().fit(X[:2000])  # starts the joblib workers, not timed
    elif impl == "fast_hdbscan":
        import numba
        numba.set_num_threads(threads)
        import fast_hdbscan
        make = lambda: fast_hdbscan.HDBSCAN(min_cluster_size=mcs)
        make().fit(X[:2000])  # numba compile, not timed
    else:
        raise SystemExit(f"unknown implementation {impl}")
    t, c = time.perf_counter(), tree_cpu()
    labels = make().fit(X).labels_
    wall, cpu = time.perf_counter() - t, tree_cpu() - c
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(wall=wall, cpu=cpu, rss_mb=rss, k=int(labels.max() + 1), noise=int((labels < 0).sum()))))


def run_partitive_timed(cmd, env, timeout):
    """Runs the CLI and returns (wall, cpu user+sys, peak RSS MB) from the child's rusage."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            p.kill()
            os.wait4(p.pid, 0)
            return None
        time.sleep(0.005)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("partitive failed: " + p.stderr.read().decode()[-500:])
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def measure(impl, data, mcs, threads, timeout, binp):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads))
    if impl == "partitive":
        summ = data + ".partitive.json"
        cmd = [binp, "hdbscan", data, "--min-cluster-size", str(mcs), "--threads", str(threads),
               "--quiet", "--summary-out", summ]
        r = run_partitive_timed(cmd, env, timeout)
        if r is None:
            return None
        wall_proc, cpu_proc, rss = r
        with open(summ) as f:
            s = json.load(f)
        # CPU of the fit alone is not separable from reading the .npy (a few ms): report the process's
        return dict(wall=s["timings"]["fit"], cpu=cpu_proc, rss_mb=rss, k=s["n_clusters"], noise=s["n_noise"],
                    process_wall=wall_proc)
    cmd = [sys.executable, os.path.abspath(__file__), "worker", impl, data, str(mcs), str(threads)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=True).stdout
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as e:
        raise SystemExit(f"{impl} failed: {e.stderr.strip()[-500:]}")
    return json.loads(out.strip().splitlines()[-1])


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])


def acceptance(shape, threads, summary, timed_out, timeout):
    """Issue 20's speed criteria that apply to this data size (fit wall time, medians)."""
    n, d = shape
    out = []
    p = summary.get("partitive")
    if p is None or threads != 2 or d != 4:
        return out

    def verdict(ok):
        return "HOLDS" if ok else "FAILS"

    if n == 200_000:
        for impl, bound, what in [("hdbscan", 1 / 3, "<= 1/3 of"), ("fast_hdbscan", 1.0, "<"),
                                  ("sklearn", 1.0, "<")]:
            if impl in summary:
                r = p["wall"] / summary[impl]["wall"]
                ok = r <= bound if bound < 1 else r < bound
                out.append(f"200,000 x 4: partitive {what} {impl}: ratio {r:.3f} {verdict(ok)}")
            elif impl in timed_out:
                out.append(f"200,000 x 4: {impl} timed out after {timeout:.0f} s: HOLDS")
    if n == 1_000_000:
        out.append(f"1,000,000 x 4: fit {p['wall']:.1f} s < 60 s {verdict(p['wall'] < 60)}; "
                   f"peak RSS {p['rss_mb']:.0f} MB < 1024 MB {verdict(p['rss_mb'] < 1024)}")
    return out


def summarize(impls, res, timed_out, timeout, rounds, tag, shape, threads):
    """Medians per implementation, ratios partitive / peer, acceptance lines; returns the
    medians and the acceptance verdicts."""
    print(f"\nn={shape[0]} d={shape[1]}: medians over {rounds} rounds{tag}:")
    summary = {}
    for impl in impls:
        if not res[impl]:
            print(f"  {impl:13s} no result (timed out after {timeout:.0f} s)" if impl in timed_out else f"  {impl:13s} -")
            continue
        w = median([m["wall"] for m in res[impl]])
        c = median([m["cpu"] for m in res[impl]])
        rss = max(m["rss_mb"] for m in res[impl])
        summary[impl] = dict(wall=w, cpu=c, rss_mb=rss, k=res[impl][-1]["k"], noise=res[impl][-1]["noise"])
        print(f"  {impl:13s} fit wall {w:8.3f} s  cpu {c:8.3f} s  peak rss {rss:7.0f} MB")
    if "partitive" in summary:
        p = summary["partitive"]
        for impl in impls:
            if impl == "partitive":
                continue
            if impl in summary:
                o = summary[impl]
                print(f"  partitive / {impl:13s} wall {p['wall'] / o['wall']:.3f}  cpu {p['cpu'] / o['cpu']:.3f}")
            elif impl in timed_out:
                print(f"  partitive / {impl:13s} wall < {p['wall'] / timeout:.4f} (timed out)")
    verdicts = acceptance(shape, threads, summary, timed_out, timeout)
    for v in verdicts:
        print(f"  acceptance: {v}{tag}")
    return summary, verdicts


def run(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="bench.py run")
    ap.add_argument("data", nargs="+", help="one or more .npy files (e.g. the same n at d = 2, 8, 16): "
                    "every round runs every implementation on every file, alternating")
    ap.add_argument("--min-cluster-size", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--impls", default=",".join(IMPLS))
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--bin", default=os.environ.get("PARTITIVE_BIN", os.path.join(REPO, "target", "release", "partitive")))
    ap.add_argument("--force", "--allow-load", dest="force", action="store_true",
                    help="report even above the core count's load (labelled LOADED)")
    ap.add_argument("--json", default=None, help="results (one file: an object; several: a list of them)")
    a = ap.parse_args(argv)
    import numpy as np
    shapes = [np.load(f, mmap_mode="r").shape for f in a.data]
    impls = a.impls.split(",")
    cores = os.cpu_count()
    load0 = os.getloadavg()
    for f, shape in zip(a.data, shapes):
        print(f"data {f}: n={shape[0]} d={shape[1]}")
    print(f"min_cluster_size={a.min_cluster_size}, threads={a.threads}, rounds={a.rounds}, cores={cores}, "
          f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}", flush=True)
    pairs = [(di, impl) for di in range(len(a.data)) for impl in impls]
    res = [{i: [] for i in impls} for _ in a.data]
    timed_out = [set() for _ in a.data]
    for r in range(a.rounds):
        # the order rotates every round, over implementations and data sets alike
        shift = r % len(pairs)
        for di, impl in pairs[shift:] + pairs[:shift]:
            shape = shapes[di]
            where = f"n={shape[0]} d={shape[1]:<3d}" if len(a.data) > 1 else ""
            if impl in timed_out[di]:
                continue
            m = measure(impl, a.data[di], a.min_cluster_size, a.threads, a.timeout, a.bin)
            if m is None:
                timed_out[di].add(impl)
                print(f"  round {r + 1} {where}{impl:13s} timed out after {a.timeout:.0f} s", flush=True)
                continue
            res[di][impl].append(m)
            cpu = f"{m['cpu']:.2f}" if m["cpu"] is not None else "-"
            print(f"  round {r + 1} {where}{impl:13s} fit {m['wall']:8.3f} s  cpu {cpu:>8s} s  rss {m['rss_mb']:7.0f} MB  "
                  f"k={m['k']} noise={m['noise']}  load {os.getloadavg()[0]:.2f}", flush=True)
    load1 = os.getloadavg()
    print(f"load average after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    loaded = max(load0[0], load1[0]) > cores
    if loaded and not a.force:
        print(f"REFUSED: 1-minute load average above the core count ({cores}): the machine is busy with other "
              f"work, these timings would not measure the implementations. Rerun on an idle machine "
              f"(or pass --force to print them labelled LOADED).")
        return 3
    tag = " (LOADED machine: indicative only)" if loaded else ""
    out = []
    for di, shape in enumerate(shapes):
        summary, verdicts = summarize(impls, res[di], timed_out[di], a.timeout, a.rounds, tag, shape, a.threads)
        out.append(dict(data=a.data[di], n=shape[0], d=shape[1], load_before=load0, load_after=load1,
                        loaded=loaded, rounds=res[di], medians=summary, timed_out=sorted(timed_out[di]),
                        threads=a.threads, acceptance=verdicts))
    if len(shapes) > 1:
        # one table: fit wall time (median) per dimension, and partitive's ratio to each peer
        print(f"\nfit wall time, median s (ratio partitive / peer){tag}; load {load0[0]:.2f} before, {load1[0]:.2f} after:")
        print("  " + f"{'n x d':>14s}" + "".join(f"{i:>22s}" for i in impls))
        for o in out:
            cells = []
            p = o["medians"].get("partitive")
            for impl in impls:
                m = o["medians"].get(impl)
                if m is None:
                    cells.append("timed out" if impl in o["timed_out"] else "-")
                elif impl == "partitive" or p is None:
                    cells.append(f"{m['wall']:.3f}")
                else:
                    cells.append(f"{m['wall']:.3f} ({p['wall'] / m['wall']:.3f})")
            print("  " + f"{o['n']:>9d} x {o['d']:<3d}" + "".join(f"{c:>22s}" for c in cells))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out[0] if len(out) == 1 else out, f, indent=1)
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return 0
    if cmd == "worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    if cmd == "run":
        return run(sys.argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
