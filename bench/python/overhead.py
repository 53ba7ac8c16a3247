"""Python overhead of ``partitive.KMeans.fit`` over the Rust engine call it wraps.

The extension times the engine call alone (``KMeans._rust_fit_seconds``, measured in
Rust around ``KMeansParams::fit``, GIL released). Everything else a user pays for —
argument validation, borrowing the NumPy buffer, converting labels to int64, building
the result — is overhead:

    overhead = (wall time of KMeans.fit - _rust_fit_seconds) / _rust_fit_seconds

Work is fixed (deterministic seeding, tol=0, a fixed number of iterations), so every
repetition does the same computation. Prints the median of the repetitions.

Usage: python bench/python/overhead.py [--n 1000000] [--d 16] [--k 16] [--iters 10] [--reps 5]
(bench/python/run.sh builds the package into bench/.venv and runs this).
"""

import argparse
import statistics
import time
import warnings

import numpy as np

import partitive


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    print(f"n={args.n} d={args.d} k={args.k} iterations={args.iters} reps={args.reps}")
    for dtype in (np.float32, np.float64):
        X = rng.normal(size=(args.n, args.d)).astype(dtype)
        km = partitive.KMeans(args.k, init="deterministic", max_iter=args.iters, tol=0.0)
        walls, rusts = [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", partitive.ConvergenceWarning)
            km.fit(X[:10_000])  # warm-up (thread pool, page faults)
            for _ in range(args.reps):
                t = time.perf_counter()
                km.fit(X)
                walls.append(time.perf_counter() - t)
                rusts.append(km._rust_fit_seconds)
        ratios = [(w - r) / r for w, r in zip(walls, rusts)]
        print(
            f"{np.dtype(dtype).name}: fit {statistics.median(walls) * 1e3:.1f} ms, "
            f"engine {statistics.median(rusts) * 1e3:.1f} ms, "
            f"overhead {statistics.median(ratios) * 100:.2f}% "
            f"({statistics.median(w - r for w, r in zip(walls, rusts)) * 1e3:.2f} ms) "
            f"[max {max(ratios) * 100:.2f}%]"
        )


if __name__ == "__main__":
    main()
