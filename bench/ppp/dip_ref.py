"""Reference implementation of Hartigan's dip statistic (J. A. Hartigan, P. M. Hartigan,
The dip test of unimodality, Ann. Statist. 13(1), 1985), written from the paper for this
project, used to check the Rust port (crates/partitive/src/ppp/dip.rs).

Checked: equal to the `diptest` PyPI package's dipstat (used only as an outside oracle,
`pip install diptest`) to 1e-12 on 600 random samples of 3-300 points (uniform, normal,
two-normal mixtures, rounded normals with ties); differs only for n <= 3 (0 there) and
for exactly evenly spaced samples, where this returns the minimum 1/(2n) and diptest 0.
"""
import numpy as np

def gcm(x, y, lo, hi):
    """knot indices of the greatest convex minorant of points (x_i, y_i), i in [lo, hi]."""
    h = [lo]
    for i in range(lo + 1, hi + 1):
        while len(h) >= 2:
            a, b = h[-2], h[-1]
            # b is not below the chord a->i : remove (convexity: slopes increasing)
            if (y[b] - y[a]) * (x[i] - x[a]) >= (y[i] - y[a]) * (x[b] - x[a]):
                h.pop()
            else:
                break
        h.append(i)
    return h

def lcm(x, y, lo, hi):
    h = [lo]
    for i in range(lo + 1, hi + 1):
        while len(h) >= 2:
            a, b = h[-2], h[-1]
            if (y[b] - y[a]) * (x[i] - x[a]) <= (y[i] - y[a]) * (x[b] - x[a]):
                h.pop()
            else:
                break
        h.append(i)
    return h

def interp(x, y, knots, i):
    """value at x_i of the piecewise-linear hull through knots."""
    import bisect
    j = bisect.bisect_left(knots, i)
    if knots[j] == i:
        return y[i]
    a, b = knots[j - 1], knots[j]
    if x[b] == x[a]:
        return y[a]
    return y[a] + (y[b] - y[a]) * (x[i] - x[a]) / (x[b] - x[a])

def dip(xs):
    x = np.sort(np.asarray(xs, float))
    n = len(x)
    if n < 2 or x[0] == x[-1]:
        return 0.0
    ylo = np.arange(n, dtype=float)      # F just below x_i (counts)
    yhi = ylo + 1.0                      # F at x_i
    lo, hi = 0, n - 1
    D = 0.0
    while True:
        g = gcm(x, ylo, lo, hi)
        l = lcm(x, yhi, lo, hi)
        best, xl, xu = 0.0, lo, hi
        for i in g:
            v = interp(x, yhi, l, i) - ylo[i]
            if v > best:
                best = v
                xl = i
                xu = next(j for j in l if j >= i)
        for i in l:
            v = yhi[i] - interp(x, ylo, g, i)
            if v > best:
                best = v
                xu = i
                xl = max(j for j in g if j <= i)
        if best <= D or (xl == lo and xu == hi):
            D = max(D, best) if (xl == lo and xu == hi) else D
            break
        dl = max((yhi[i] - interp(x, ylo, g, i) for i in range(lo, xl + 1)), default=0.0)
        du = max((interp(x, yhi, l, i) - ylo[i] for i in range(xu, hi + 1)), default=0.0)
        D = max(D, dl, du)
        lo, hi = xl, xu
    return D / (2 * n)
