#!/usr/bin/env python3
"""Development batteries for `partitive auto` (issue 19), written in the layout of
clustering-data-v1 so `partitive evaluate` and shared/tools/autok_eval.py read them:

    OUT/BATTERY/NAME.data.gz     one point per line, whitespace-separated
    OUT/BATTERY/NAME.labels0.gz  one integer per point, 1..k, 0 = noise / outlier

Batteries (every set from its own fixed seed; nothing random outside this file):

  shapes2d  non-convex 2-D shapes with uniform background noise and far outliers (label 0):
            rings, concentric circles, ring + blob, crescents, spirals, crossing lines,
            stripes, mixtures of shapes
  shells    two noisy spherical shells (radius Gaussian, direction uniform) in
            d = 1, 2, 4, ..., 128
  nongauss  2-4 non-Gaussian clusters in d = 1, ..., 128: uniform balls, uniform boxes,
            heavy tails (Student t, 3 d.f.), skewed (log-normal), shells of unequal radius
  nongauss2 2-5 clusters of other non-Gaussian kinds in d = 1, ..., 128, randomly rotated,
            at varied separations: Laplace, exponential (one-sided skew), elongated uniform
            boxes (aspect 4:1), Student t with 5 d.f., and sets mixing kinds and scales.
            Added in session 16 and used by no rule: a check on data nobody tuned for
  spikes    two clusters whose points lie at a Gaussian radius with mean 0 around their
            centre (direction uniform): the density peaks sharply at the centre. This is the
            description of clustering-data-v1's h2mg battery (not shipped in ../shared),
            which issue 19 calls "shells": d = 1, ..., 128, scale s * d for s = 10, ..., 90,
            centres 100 apart per coordinate, coordinates rounded to integers. In d = 1 every
            cluster is one-sided (half-normal), as in h2mg (see spikes())
  manyg     64 / 128 / 256 / 1,000 well-separated unit Gaussians in d = 2 ... 32,
            100-150 points each
  real      scikit-learn's bundled tables (digits, wine, breast cancer, iris), raw and
            standardised (needs scikit-learn; the data ship inside the package)

usage: gen.py [--out bench/data/ppp-batteries] [--only BATTERY[,BATTERY]] [--holdout N]

--holdout N writes a held-out draw of the same families (every seed + N x 100,000) as
BATTERY-hN: data that no rule of `partitive auto` was developed on.
"""
import argparse
import gzip
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "../../data/ppp-batteries"))


# A held-out draw (`--holdout N`): every seed moved by N x 100,000 and the battery written
# as BATTERY-hN, so the same families can be scored on data no rule was tuned on.
HOLDOUT = 0


def rng_for(seed):
    return np.random.default_rng(seed + 100_000 * HOLDOUT)


def write(out, battery, name, x, y):
    d = os.path.join(out, battery + (f"-h{HOLDOUT}" if HOLDOUT else ""))
    os.makedirs(d, exist_ok=True)
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    with gzip.open(os.path.join(d, name + ".data.gz"), "wt") as f:
        np.savetxt(f, x, fmt="%.6g")
    with gzip.open(os.path.join(d, name + ".labels0.gz"), "wt") as f:
        np.savetxt(f, np.asarray(y, dtype=int), fmt="%d")


# --------------------------------------------------------------------------- 2-D shapes

def arc(rng, n, r, sd, t0=0.0, t1=2 * np.pi, c=(0.0, 0.0)):
    t = rng.uniform(t0, t1, n)
    rr = r + sd * rng.standard_normal(n)
    return np.c_[c[0] + rr * np.cos(t), c[1] + rr * np.sin(t)]


def segment(rng, n, p, q, sd):
    t = rng.uniform(0, 1, n)[:, None]
    p, q = np.asarray(p, float), np.asarray(q, float)
    return p + t * (q - p) + sd * rng.standard_normal((n, 2))


def blob(rng, n, c, sd):
    return np.asarray(c, float) + sd * rng.standard_normal((n, 2))


def spiral(rng, n, phase, turns, sd, r0=0.3):
    t = np.sqrt(rng.uniform(0, 1, n)) * turns * 2 * np.pi
    r = r0 + t / (2 * np.pi)
    return np.c_[r * np.cos(t + phase), r * np.sin(t + phase)] + sd * rng.standard_normal((n, 2))


def shape_parts(kind, rng, v):
    """Clusters (list of arrays) of one shape family; v = variant 0, 1, 2."""
    sd = [0.04, 0.08, 0.12][v]
    if kind == "ring":
        return [arc(rng, rng.integers(600, 1500), 1.0, sd)]
    if kind == "circles2":
        return [arc(rng, rng.integers(400, 900), 1.0, sd), arc(rng, rng.integers(700, 1500), 2.0, sd)]
    if kind == "circles3":
        return [arc(rng, int(rng.integers(250, 500) * r), r, sd) for r in (1.0, 2.0, 3.0)]
    if kind == "ringblob":
        return [blob(rng, rng.integers(200, 500), (0, 0), 0.25), arc(rng, rng.integers(600, 1500), 1.6, sd * 1.5)]
    if kind == "moons":
        return [arc(rng, rng.integers(500, 1000), 1.0, sd, 0, np.pi),
                arc(rng, rng.integers(500, 1000), 1.0, sd, np.pi, 2 * np.pi, (1.0, 0.4))]
    if kind == "moons3":
        return [arc(rng, rng.integers(400, 800), 1.0, sd, 0, np.pi),
                arc(rng, rng.integers(400, 800), 1.0, sd, np.pi, 2 * np.pi, (1.0, 0.4)),
                arc(rng, rng.integers(400, 800), 1.0, sd, 0, np.pi, (2.0, 0.0))]
    if kind == "spirals2":
        return [spiral(rng, rng.integers(600, 1200), ph, 1.5, sd * 0.6) for ph in (0, np.pi)]
    if kind == "spirals3":
        return [spiral(rng, rng.integers(500, 1000), ph, 1.3, sd * 0.5) for ph in (0, 2 * np.pi / 3, 4 * np.pi / 3)]
    if kind == "cross":
        return [segment(rng, rng.integers(500, 1000), (-3, -3), (3, 3), sd * 1.5),
                segment(rng, rng.integers(500, 1000), (-3, 3), (3, -3), sd * 1.5)]
    if kind == "stripes":
        k = [3, 4, 5][v]
        return [segment(rng, rng.integers(300, 700), (-4, 1.2 * i), (4, 1.2 * i + 0.8), 0.12) for i in range(k)]
    if kind == "smiley":
        return [arc(rng, rng.integers(700, 1200), 3.0, sd * 1.5),
                blob(rng, rng.integers(150, 300), (-1.0, 1.0), 0.25),
                blob(rng, rng.integers(150, 300), (1.0, 1.0), 0.25),
                arc(rng, rng.integers(300, 600), 1.7, sd, 1.15 * np.pi, 1.85 * np.pi)]
    if kind == "mixed":
        return [arc(rng, rng.integers(500, 900), 1.0, sd, 0, np.pi, (0, 0)),
                blob(rng, rng.integers(200, 400), (4.0, 0.5), 0.4),
                arc(rng, rng.integers(500, 900), 1.2, sd, 0, 2 * np.pi, (-1.0, -3.5)),
                segment(rng, rng.integers(300, 600), (3, -2), (6, -5), sd)]
    raise ValueError(kind)


SHAPES = ["ring", "circles2", "circles3", "ringblob", "moons", "moons3", "spirals2", "spirals3",
          "cross", "stripes", "smiley", "mixed"]


def shapes2d(out):
    for si, kind in enumerate(SHAPES):
        for v in range(3):
            rng = rng_for(1000 + 10 * si + v)
            parts = shape_parts(kind, rng, v)
            x = np.vstack(parts)
            y = np.concatenate([np.full(len(p), i + 1) for i, p in enumerate(parts)])
            lo, hi = x.min(0), x.max(0)
            span = hi - lo
            # uniform background noise over the box grown by 10% (0%, 3%, 6% of the points)
            nn = int(round(len(x) * [0.0, 0.03, 0.06][v]))
            noise = rng.uniform(lo - 0.1 * span, hi + 0.1 * span, (nn, 2))
            # far outliers (0.3% of the points, at least 2): 2-4 box widths from the centre
            no = max(2, int(round(0.003 * len(x))))
            ang = rng.uniform(0, 2 * np.pi, no)
            rad = rng.uniform(2, 4, no) * span.max()
            outl = (lo + hi) / 2 + np.c_[rad * np.cos(ang), rad * np.sin(ang)]
            x = np.vstack([x, noise, outl])
            y = np.concatenate([y, np.zeros(nn + no, int)])
            p = rng.permutation(len(x))
            write(out, "shapes2d", f"{kind}_v{v}", x[p], y[p])


# --------------------------------------------------------------------------- shells

def sphere_dirs(rng, n, d):
    u = rng.standard_normal((n, d))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def shell(rng, n, d, centre, r, sd):
    rr = r + sd * rng.standard_normal(n)
    return centre + rr[:, None] * sphere_dirs(rng, n, d)


DIMS = [1, 2, 4, 8, 16, 32, 64, 128]


def shells(out):
    """Six sets per dimension. Radii in [1, 2]; radial sd 5-30% of the radius; centre
    distance f x mean radius with f log-uniform in [0.3, 2.5] (from interlocked shells to
    well apart); 300-3,000 points per shell (log-uniform)."""
    for d in DIMS:
        for v in range(6):
            rng = rng_for(2000 + 10 * d + v)
            r1, r2 = rng.uniform(1.0, 2.0, 2)
            t = [0.05, 0.10, 0.20, 0.30, 0.10, 0.20][v]
            f = np.exp(rng.uniform(np.log(0.3), np.log(2.5)))
            dist = f * (r1 + r2) / 2
            c2 = np.array([dist]) if d == 1 else dist * sphere_dirs(rng, 1, d)[0]
            n1, n2 = np.exp(rng.uniform(np.log(300), np.log(3000), 2)).astype(int)
            x = np.vstack([shell(rng, n1, d, np.zeros(d), r1, t * r1), shell(rng, n2, d, c2, r2, t * r2)])
            y = np.r_[np.ones(n1, int), np.full(n2, 2)]
            p = rng.permutation(len(x))
            write(out, "shells", f"shell_d{d:03d}_v{v}", x[p], y[p])


# --------------------------------------------------------------------------- spikes

def spikes(out):
    """Nine scales per dimension. Radius N(0, s d), direction uniform; the two centres 100
    apart along every coordinate (100 sqrt(d) apart); 1,024 points per cluster in the
    development draw, 300-3,000 (log-uniform) per cluster in held-out draws. In d = 1 every
    cluster is one-sided, centre + s |z| (half-normal, pointing the same way): h2mg's
    generator (clustering-data-v1 .devel/generate_hKmg.py) draws a point's direction and its
    radius from the same random state, so in 1-D the direction is the radius's sign and
    every 1-D h2mg cluster is half-normal. (Until session 26 only odd s were one-sided here;
    even s were two Gaussians, a kind h2mg does not hold.)"""
    for d in DIMS:
        for s in range(10, 100, 10):
            rng = rng_for(5000 + 10 * d + s)
            if HOLDOUT:
                n = np.exp(rng.uniform(np.log(300), np.log(3000), 2)).astype(int)
            else:
                n = np.array([1024, 1024])
            xs = []
            for i, c in enumerate((500.0, 600.0)):
                rad = s * d * rng.standard_normal(n[i])
                if d == 1:
                    u = np.ones((n[i], 1))
                    rad = np.abs(rad)
                else:
                    u = sphere_dirs(rng, n[i], d)
                xs.append(c + rad[:, None] * u)
            x = np.round(np.vstack(xs))
            y = np.repeat([1, 2], n)
            p = rng.permutation(len(x))
            name = f"spike_d{d:03d}_s{s:02d}"
            write(out, "spikes", name, x[p], y[p])
            # a second reference: the nearer centre (the one of higher density)
            near = 1 + (((x[p] - 600.0) ** 2).sum(1) < ((x[p] - 500.0) ** 2).sum(1))
            folder = os.path.join(out, "spikes" + (f"-h{HOLDOUT}" if HOLDOUT else ""))
            with gzip.open(os.path.join(folder, name + ".labels1.gz"), "wt") as f:
                np.savetxt(f, near.astype(int), fmt="%d")


# --------------------------------------------------------------------------- other non-Gaussian

def cluster_points(kind, rng, n, d, scale):
    if kind == "ball":  # uniform in a ball
        return scale * sphere_dirs(rng, n, d) * rng.uniform(0, 1, n)[:, None] ** (1.0 / d)
    if kind == "box":  # uniform in a random axis-aligned box
        w = rng.uniform(0.5, 1.5, d) * scale
        return rng.uniform(-1, 1, (n, d)) * w
    if kind == "t3":  # Student t, 3 degrees of freedom (heavy tails), random correlation
        a = rng.standard_normal((d, d)) / np.sqrt(d) + np.eye(d)
        z = rng.standard_normal((n, d)) @ a.T
        g = rng.chisquare(3, n) / 3
        return 0.5 * scale * z / np.sqrt(g)[:, None]
    if kind == "lognormal":  # skewed along every axis
        z = np.exp(0.6 * rng.standard_normal((n, d)))
        return 0.6 * scale * (z - np.exp(0.18))
    raise ValueError(kind)


NONGAUSS = ["ball", "box", "t3", "lognormal"]


def nongauss(out):
    for fi, kind in enumerate(NONGAUSS):
        for d in DIMS:
            rng = rng_for(3000 + 100 * fi + d)
            k = int(rng.integers(2, 5))
            # centres: a random simplex-like layout at distance ~ sep (scale 1 clusters)
            sep = 3.0 if kind != "t3" else 4.0
            if d == 1:
                centres = (np.arange(k) * sep)[:, None]
            else:
                centres = sep * sphere_dirs(rng, k, d) / np.sqrt(2)
                while True:  # keep the centres apart (at least 0.8 sep)
                    dd = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(k) * 1e9
                    if dd.min() >= 0.8 * sep:
                        break
                    centres = sep * sphere_dirs(rng, k, d) / np.sqrt(2) * rng.uniform(1, 1.5)
            parts, ys = [], []
            for c in range(k):
                n = int(rng.integers(300, 900))
                parts.append(centres[c] + cluster_points(kind, rng, n, d, 1.0))
                ys.append(np.full(n, c + 1))
            x, y = np.vstack(parts), np.concatenate(ys)
            p = rng.permutation(len(x))
            write(out, "nongauss", f"{kind}_d{d:03d}", x[p], y[p])


# --------------------------------------------------------------------------- other kinds

def rotation(rng, d):
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def unit_points(kind, rng, n, d):
    """Points of one cluster with about unit variance per axis before rotation."""
    if kind == "laplace":
        return rng.laplace(0.0, 1.0 / np.sqrt(2), (n, d))
    if kind == "expo":
        return rng.exponential(1.0, (n, d)) - 1.0
    if kind == "elongated":
        w = np.ones(d)
        w[0] = 4.0
        return rng.uniform(-1, 1, (n, d)) * w * np.sqrt(3) / np.sqrt((w * w).mean())
    if kind == "t5":
        return rng.standard_t(5, (n, d)) / np.sqrt(5 / 3)
    raise ValueError(kind)


NONGAUSS2 = ["laplace", "expo", "elongated", "t5", "mixed"]


def nongauss2(out):
    for fi, kind in enumerate(NONGAUSS2):
        for d in DIMS:
            rng = rng_for(5000 + 100 * fi + d)
            k = int(rng.integers(2, 6))
            sep = rng.uniform(5.0, 8.0)  # centre distance in within-cluster sd
            if d == 1:
                centres = (np.arange(k) * sep)[:, None]
            else:
                centres = sep * sphere_dirs(rng, k, d)
                while True:  # keep the centres at least sep apart
                    dd = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(k) * 1e9
                    if dd.min() >= sep:
                        break
                    centres = centres * 1.1
            parts, ys = [], []
            for c in range(k):
                n = int(np.exp(rng.uniform(np.log(200), np.log(1500))))
                kc = NONGAUSS2[c % 4] if kind == "mixed" else kind
                scale = rng.uniform(0.6, 1.4) if kind == "mixed" else 1.0
                z = unit_points(kc, rng, n, d) * scale
                if d > 1:
                    z = z @ rotation(rng, d).T
                parts.append(centres[c] + z)
                ys.append(np.full(n, c + 1))
            x, y = np.vstack(parts), np.concatenate(ys)
            p = rng.permutation(len(x))
            write(out, "nongauss2", f"{kind}_d{d:03d}", x[p], y[p])


# --------------------------------------------------------------------------- many Gaussians

def separated_centres(rng, k, d, min_dist):
    """k centres uniform in a box sized so that rejection at min_dist succeeds."""
    side = min_dist * (k ** (1.0 / d)) * 2.0
    out = np.empty((0, d))
    while len(out) < k:
        c = rng.uniform(-side / 2, side / 2, (4 * k, d))
        for p in c:
            if len(out) == k:
                break
            if len(out) == 0 or np.min(np.sum((out - p) ** 2, axis=1)) >= min_dist ** 2:
                out = np.vstack([out, p])
        side *= 1.1
    return out


def manyg(out):
    plan = [(64, d) for d in (2, 4, 8, 16, 32)] + [(128, d) for d in (2, 4, 8, 16, 32)] + \
           [(256, d) for d in (2, 4, 8, 16, 32)] + [(1000, d) for d in (2, 8, 32)]
    for k, d in plan:
        rng = rng_for(4000 + 7 * k + d)
        # well separated: centres >= 10 sd apart (unit spherical Gaussians)
        centres = separated_centres(rng, k, d, 10.0)
        sizes = rng.integers(100, 151, k)
        x = np.vstack([c + rng.standard_normal((s, d)) for c, s in zip(centres, sizes)])
        y = np.repeat(np.arange(1, k + 1), sizes)
        p = rng.permutation(len(x))
        write(out, "manyg", f"g{k:04d}_d{d:02d}", x[p], y[p])


# --------------------------------------------------------------------------- real tables

def real(out):
    from sklearn import datasets
    for name, loader in [("digits", datasets.load_digits), ("wine", datasets.load_wine),
                         ("breast_cancer", datasets.load_breast_cancer), ("iris", datasets.load_iris)]:
        b = loader()
        x, y = b.data.astype(float), b.target.astype(int) + 1
        write(out, "real", f"{name}_raw", x, y)
        sd = x.std(0)
        sd[sd == 0] = 1.0
        write(out, "real", f"{name}_std", (x - x.mean(0)) / sd, y)


BATTERIES = {"shapes2d": shapes2d, "shells": shells, "nongauss": nongauss, "nongauss2": nongauss2, "spikes": spikes, "manyg": manyg, "real": real}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", default=",".join(BATTERIES))
    ap.add_argument("--holdout", type=int, default=0,
                    help="N > 0: a held-out draw of the same families (seeds + N x 100,000), "
                         "written as BATTERY-hN")
    a = ap.parse_args()
    global HOLDOUT
    HOLDOUT = a.holdout
    for b in a.only.split(","):
        if HOLDOUT and b == "real":
            print("skipped real: the bundled tables have no other draw")
            continue
        BATTERIES[b](a.out)
        print("wrote", os.path.join(a.out, b + (f"-h{HOLDOUT}" if HOLDOUT else "")))


if __name__ == "__main__":
    main()
