"""Scaling sanity check of the prototype's sample-then-assign design: n = 1,000,000, d = 32,
20 Gaussian clusters (random anisotropic covariances, unequal weights). Prints k, ARI, seconds.
usage: bigcheck.py [n] [sample_max]"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import sys
import time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prototype
from evaluate import ari

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
M = int(sys.argv[2]) if len(sys.argv) > 2 else prototype.SAMPLE_MAX
d, k = 32, 20
rng = np.random.default_rng(7)           # data generation only
mu = rng.uniform(-10, 10, (k, d))
w = rng.uniform(0.5, 1.5, k); w /= w.sum()
y = rng.choice(k, n, p=w)
X = np.empty((n, d))
for j in range(k):
    A = rng.normal(size=(d, d)) / np.sqrt(d)
    m = y == j
    X[m] = mu[j] + rng.normal(size=(m.sum(), d)) @ A.T
t = time.time()
lab, info = prototype.ppp_auto(X, sample_max=M)
print(f"n={n} d={d} true k={k}: k={info['k']} K={info['n_components']} cov={info['cov_type']} "
      f"ARI={ari(y, lab):.4f} secs={time.time() - t:.1f} (python, 1 thread)")
