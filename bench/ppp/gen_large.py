#!/usr/bin/env python3
"""Speed data for `partitive auto`: N x 32 f32 rows from 64 unit Gaussians, centres uniform
in [-10, 10]^32 (seed 7). usage: gen_large.py N OUT.npy (labels: OUT_labels.npy)."""
import numpy as np, sys
n=int(sys.argv[1]); out=sys.argv[2]
rng=np.random.default_rng(7)
k,d=64,32
c=rng.uniform(-10,10,(k,d))
lab=rng.integers(0,k,n)
x=np.empty((n,d),dtype=np.float32)
for s in range(0,n,1000000):
    e=min(n,s+1000000)
    x[s:e]=(c[lab[s:e]]+rng.standard_normal((e-s,d))).astype(np.float32)
np.save(out,x); np.save(out.replace('.npy','_labels.npy'),lab)
