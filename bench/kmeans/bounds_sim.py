"""How many rows could any bound-based k-means skip on the reference data?

Runs Lloyd from the harness's initial centers on all rows (float64) and, on every tenth
row, tracks three kinds of bounds exactly as the algorithms would (in exact arithmetic):

- Hamerly: one upper bound u (+ the assigned center's move) and one lower bound l
  (- the largest move of any center);
- runner-up: l split into a bound on the runner-up center (- its own move) and one on the
  third (- the largest move);
- Elkan: one lower bound per center (- that center's move): k bounds per row.

For each step it prints the share of rows whose bounds fail (must be evaluated), also with
u replaced by the exact distance to the assigned center ("tight u"), and the share whose
label really changes. A failing row is evaluated and its bounds reset. partitive's Hamerly
variant (per-cluster drops, `pruned.rs`) lies between "Hamerly" and "runner-up" here.

    bench/.venv/bin/python bench/kmeans/bounds_sim.py   # after bench/kmeans/run.sh made the data
"""
import os
import sys

import numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
x = np.load(os.path.join(root, "kmeans_n1000000_d32_k64_s0.npy")).astype(np.float64)
c = np.load(os.path.join(root, "kmeans_n1000000_d32_k64_s0_init.npy")).astype(np.float64)
iters = int(sys.argv[1]) if len(sys.argv) > 1 else 10
n, k = x.shape[0], c.shape[0]


def dists(xs, cs):
    sq = (xs**2).sum(1)[:, None] - 2 * xs @ cs.T + (cs**2).sum(1)[None, :]
    return np.sqrt(np.maximum(sq, 0.0))


sub = x[::10]
m = sub.shape[0]
rows = np.arange(m)
D = dists(sub, c)
order = np.argsort(D, 1)
Ds = np.take_along_axis(D, order, 1)
lab = order[:, 0].copy()
L, U = D.copy(), Ds[:, 0].copy()  # Elkan
lH, uH = Ds[:, 1].copy(), Ds[:, 0].copy()  # Hamerly
j2, l2, l3, uR = order[:, 1].copy(), Ds[:, 1].copy(), Ds[:, 2].copy(), Ds[:, 0].copy()
print("step: label changed | bounds fail (tight u) for Hamerly | runner-up | Elkan")
for it in range(2, iters + 2):
    full = np.concatenate([dists(x[s:s + 200_000], c).argmin(1) for s in range(0, n, 200_000)])
    new = np.array([x[full == j].mean(0) if (full == j).any() else c[j] for j in range(k)])
    p = np.sqrt(((new - c) ** 2).sum(1))
    c = new
    D = dists(sub, c)
    order = np.argsort(D, 1)
    Ds = np.take_along_axis(D, order, 1)
    true = order[:, 0]
    exact_u = D[rows, lab]
    U, L = U + p[lab], L - p[None, :]
    Lo = L.copy()
    Lo[rows, lab] = np.inf
    lE = Lo.min(1)
    uH, lH = uH + p[lab], lH - p.max()
    uR, l2, l3 = uR + p[lab], l2 - p[j2], l3 - p.max()
    lR = np.minimum(l2, l3)
    fH, fR, fE = lH < uH, lR < uR, lE < U
    print(f"step {it:2d}: {np.mean(true != lab):.3f} | {fH.mean():.3f} ({np.mean(lH < exact_u):.3f})"
          f" | {fR.mean():.3f} ({np.mean(lR < exact_u):.3f}) | {fE.mean():.3f} ({np.mean(lE < exact_u):.3f})"
          f" | largest move {p.max():.2f}, median {np.median(p):.2f}")
    L[fE], U[fE] = D[fE], Ds[fE, 0]
    lH[fH], uH[fH] = Ds[fH, 1], Ds[fH, 0]
    j2[fR], l2[fR], l3[fR], uR[fR] = order[fR, 1], Ds[fR, 1], Ds[fR, 2], Ds[fR, 0]
    lab = true
