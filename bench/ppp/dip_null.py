#!/usr/bin/env python3
"""Null distribution of the dip for uniform samples: quantiles of sqrt(n) * dip, the table
NULL_95 of crates/partitive/src/ppp/dip.rs (20,000 samples per size up to n = 1,000,
5,000 above; seed 20261204).

usage: dip_null.py [--fast]   (--fast uses the diptest package's dipstat, equal to
dip_ref.dip on every sample checked, for speed; without it dip_ref.py, slow)
"""
import sys
import numpy as np

if "--fast" in sys.argv:
    import diptest
    dipstat = diptest.dipstat
else:
    from dip_ref import dip as dipstat

rng = np.random.default_rng(20261204)
for n in [4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000]:
    reps = 20000 if n <= 1000 else 5000
    v = np.array([dipstat(rng.uniform(size=n)) for _ in range(reps)]) * np.sqrt(n)
    q = np.quantile(v, [0.5, 0.9, 0.95, 0.99, 0.999])
    print(n, " ".join(f"{x:.4f}" for x in q), flush=True)
