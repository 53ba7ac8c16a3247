"""Check that ppp_auto is invariant (up to label renaming) to row permutations, on a few small sets.
usage: check_invariance.py"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prototype
from evaluate import ROOT

ok = True
for name in ["fcps/hepta", "sipu/jain", "other/iris", "uci/wine"]:
    X = np.loadtxt(os.path.join(ROOT, name + ".data.gz"), ndmin=2)
    l1, _ = prototype.ppp_auto(X)
    for seed in (1, 2):
        p = np.random.default_rng(seed).permutation(len(X))   # only to permute the rows
        l2, _ = prototype.ppp_auto(X[p])
        # same partition up to renaming: the pair (l1[p], l2) must be a bijection
        pairs = set(zip(l1[p].tolist(), l2.tolist()))
        same = len(pairs) == len(set(l1.tolist())) == len(set(l2.tolist()))
        ok &= same
        print(f"{name:12s} permutation {seed}: {'same partition' if same else 'DIFFERENT'}")
sys.exit(0 if ok else 1)
