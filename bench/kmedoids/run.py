"""k-medoids benchmark: partitive vs kmedoids (PyPI) and scikit-learn-extra.

Same precomputed matrix (n = 10,000 euclidean, float32) and the same initial medoids
for every implementation; times are medians of REPS runs, measured in this one run.
Also times FastCLARA on n = 1,000,000, d = 8, k = 20 (distances on the fly) with its
peak RSS. Run through bench/kmedoids/run.sh.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
EXE = ROOT / "target" / "release" / "examples" / "kmedoids_bench"
QUICK = os.environ.get("QUICK") == "1"
REPS = 1 if QUICK else 3
N = 10_000
MAX_ITER = 100


def matrix(n):
    """Euclidean distance matrix of make_blobs data (float32, exactly symmetric)."""
    path = DATA / f"kmedoids_blobs_{n}.npy"
    if not path.exists():
        from sklearn.datasets import make_blobs

        x, _ = make_blobs(n_samples=n, n_features=8, centers=20, cluster_std=2.0, random_state=0)
        sq = (x * x).sum(1)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * x @ x.T, 0.0)
        d = np.sqrt(d2)
        d = np.minimum(d, d.T)
        np.fill_diagonal(d, 0.0)
        DATA.mkdir(parents=True, exist_ok=True)
        np.save(path, d.astype(np.float32))
    return path


def ours(args):
    out = subprocess.run([str(EXE)] + args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def median_time(f, reps=REPS):
    times, res = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        res = f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), res


def loss_of(d, medoids):
    return float(d[:, medoids].min(axis=1).astype(np.float64).sum())


def main():
    import kmedoids

    report = {"n": N, "reps": REPS}
    mpath = matrix(N)
    d = np.load(mpath)
    print(f"matrix {mpath.name}: {d.shape} {d.dtype}")
    for k in (10, 100):
        init = np.random.default_rng(42).choice(N, size=k, replace=False).astype(np.int64)
        ipath = DATA / f"kmedoids_init_{N}_{k}.npy"
        np.save(ipath, init)
        t_km, r_km = median_time(
            lambda: kmedoids.fasterpam(d, init.copy(), max_iter=MAX_ITER, random_state=0, n_cpu=1)
        )
        km_loss = loss_of(d, r_km.medoids)
        common = ["swap", "--matrix", str(mpath), "--medoids", str(ipath), "--reps", str(REPS)]
        o1 = ours(common + ["--threads", "1"])
        o2 = ours(common + ["--threads", "2"])
        same = sorted(r_km.medoids.tolist()) == o1["medoids_sorted"]
        row = {
            "k": k,
            "kmedoids_s": t_km,
            "kmedoids_loss": km_loss,
            "kmedoids_reported_loss": float(r_km.loss),
            "kmedoids_swaps": int(r_km.n_swap),
            "ours_1t_s": o1["median_s"],
            "ours_2t_s": o2["median_s"],
            "ours_loss": o1["loss"],
            "ours_swaps": o1["n_swaps"],
            "ours_2t_loss": o2["loss"],
            "same_medoids": same,
            "ratio_ours1_over_kmedoids": o1["median_s"] / t_km,
            "speedup_2t": o1["median_s"] / o2["median_s"],
            "thread_cpu_s_1t": o1["thread_cpu_s"],
            "thread_cpu_s_2t": o2["thread_cpu_s"],
        }
        # kmedoids' float32 path accumulates in lower precision and can take another swap
        # path; on the float64 copy both sides compute the swap gains in double precision,
        # the like-for-like reference for "same start, same local optimum, equal loss"
        d64 = d.astype(np.float64)
        m64 = DATA / f"kmedoids_blobs_{N}_f64.npy"
        if not m64.exists():
            np.save(m64, d64)
        t64, r64 = median_time(lambda: kmedoids.fasterpam(d64, init.copy(), max_iter=MAX_ITER, n_cpu=1))
        del d64
        common64 = ["swap", "--matrix", str(m64), "--medoids", str(ipath), "--reps", str(REPS)]
        p1 = ours(common64 + ["--threads", "1"])
        p2 = ours(common64 + ["--threads", "2"])
        row["kmedoids_f64_loss"] = loss_of(d, r64.medoids)
        row["kmedoids_f64_swaps"] = int(r64.n_swap)
        row["kmedoids_f64_s"] = t64
        row["ours_f64_1t_s"] = p1["median_s"]
        row["ours_f64_2t_s"] = p2["median_s"]
        row["ours_f64_loss"] = p1["loss"]
        row["ratio_ours1_over_kmedoids_f64"] = p1["median_s"] / t64
        row["speedup_2t_f64"] = p1["median_s"] / p2["median_s"]
        row["same_medoids_as_kmedoids_f64"] = sorted(r64.medoids.tolist()) == p1["medoids_sorted"]
        report[f"fasterpam_k{k}"] = row
        print(
            f"FasterPAM k={k:3d}: kmedoids {t_km:.3f}s loss {km_loss:.2f} ({row['kmedoids_swaps']} swaps) | "
            f"ours 1t {o1['median_s']:.3f}s 2t {o2['median_s']:.3f}s loss {o1['loss']:.2f} "
            f"({o1['n_swaps']} swaps) | ours/kmedoids {row['ratio_ours1_over_kmedoids']:.2f} | "
            f"2t speedup {row['speedup_2t']:.2f}x | same medoids: {same} | "
            f"loss rel diff {(o1['loss'] - km_loss) / km_loss:+.2e}"
        )
        print(
            f"    CPU seconds per thread (all reps; main thread includes reading the matrix): "
            f"1t {o1['thread_cpu_s']} 2t {o2['thread_cpu_s']}"
        )
        print(
            f"FasterPAM k={k:3d} float64 matrix: kmedoids {t64:.3f}s loss {row['kmedoids_f64_loss']:.2f} "
            f"({row['kmedoids_f64_swaps']} swaps) | ours 1t {p1['median_s']:.3f}s 2t {p2['median_s']:.3f}s "
            f"loss {p1['loss']:.2f} ({p1['n_swaps']} swaps) | ours/kmedoids "
            f"{row['ratio_ours1_over_kmedoids_f64']:.2f} | 2t speedup {row['speedup_2t_f64']:.2f}x | "
            f"same medoids: {row['same_medoids_as_kmedoids_f64']} | loss rel diff "
            f"{(p1['loss'] - row['kmedoids_f64_loss']) / row['kmedoids_f64_loss']:+.2e}"
        )

    # Alternating and PAM vs scikit-learn-extra (same init), PAM on a 3,000 subset
    try:
        from sklearn_extra.cluster import KMedoids as SkxKMedoids
    except Exception as e:  # noqa: BLE001
        print(f"scikit-learn-extra unavailable ({e.__class__.__name__}); skipped")
        SkxKMedoids = None
    if SkxKMedoids is not None:
        for method, n_sub, k in (("alternate", N, 10), ("pam", 3000, 10)):
            sub = np.ascontiguousarray(d[:n_sub, :n_sub])
            spath = DATA / f"kmedoids_blobs_sub_{n_sub}.npy"
            if n_sub != N:
                np.save(spath, sub)
            else:
                spath = mpath
            init = np.random.default_rng(7).choice(n_sub, size=k, replace=False).astype(np.int64)
            ipath = DATA / f"kmedoids_init_{n_sub}_{k}_skx.npy"
            np.save(ipath, init)
            # scikit-learn-extra takes initial *centres*: with a precomputed matrix, rows of D
            est = SkxKMedoids(n_clusters=k, metric="precomputed", method=method,
                              init=sub[init], max_iter=MAX_ITER)
            check = SkxKMedoids(n_clusters=k, metric="precomputed", method=method,
                                init=sub[init], max_iter=0).fit(sub)
            honoured = sorted(check.medoid_indices_.tolist()) == sorted(init.tolist())
            t_skx, fitted = median_time(lambda: est.fit(sub), reps=1)
            skx_loss = loss_of(sub, fitted.medoid_indices_)
            common = ["swap", "--matrix", str(spath), "--medoids", str(ipath), "--reps", str(REPS), "--threads", "1"]
            algs = ["alternating"] if method == "alternate" else ["pam", "fastpam1"]
            line = (f"{method:9s} n={n_sub} k={k}: scikit-learn-extra {t_skx:.3f}s loss {skx_loss:.2f}"
                    f" (same init honoured: {honoured})")
            for a in algs:
                o = ours(common + ["--algorithm", a])
                report[f"{a}_n{n_sub}_k{k}"] = {"skx_s": t_skx, "skx_loss": skx_loss, "ours_s": o["median_s"], "ours_loss": o["loss"]}
                line += f" | ours {a} {o['median_s']:.3f}s loss {o['loss']:.2f}"
            if method == "alternate":
                t_ka, r_ka = median_time(lambda: kmedoids.alternating(sub, init.copy(), max_iter=MAX_ITER), reps=1)
                line += f" | kmedoids.alternating {t_ka:.3f}s loss {loss_of(sub, r_ka.medoids):.2f}"
                report[f"alternating_n{n_sub}_k{k}"]["kmedoids_s"] = t_ka
            if method == "pam":
                t_kp, r_kp = median_time(lambda: kmedoids.pam(sub, init.copy(), max_iter=MAX_ITER), reps=1)
                line += f" | kmedoids.pam {t_kp:.3f}s loss {loss_of(sub, r_kp.medoids):.2f}"
                report[f"pam_n{n_sub}_k{k}"]["kmedoids_s"] = t_kp
            print(line)

    # FastCLARA, 1M x 8, k = 20, distances on the fly
    for threads in (1, 2):
        o = ours(["clara", "--n", "1000000", "--d", "8", "--k", "20", "--threads", str(threads)])
        report[f"fastclara_1m_{threads}t"] = o
        print(
            f"FastCLARA n=1e6 d=8 k=20 {threads}t: {o['median_s']:.2f}s (incl. nothing but the fit) "
            f"loss {o['loss']:.1f} peak RSS {o['peak_rss_mb']:.0f} MiB (data alone: {1e6 * 8 * 4 / 2**20:.0f} MiB)"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kmedoids.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {RESULTS / 'kmedoids.json'}")


if __name__ == "__main__":
    sys.exit(main())
