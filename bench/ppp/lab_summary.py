#!/usr/bin/env python3
"""Summary of merge rules (merge_lab.py) over every battery: shapes2d, non-Gaussian
(shells + nongauss), real, the 41 shared sets and the Gaussian-like 28 (k exact % / mean ARI).

usage: lab_summary.py 'RULE;RULE;...'
"""
import os, sys, glob, re, warnings
warnings.filterwarnings("ignore")
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from merge_lab import load_set, model_of, Mixture, fit_sample, parse_rule, score, REPO

BAT = os.path.join(REPO, "bench/data/ppp-batteries")
SHARED = "/work/shared/benchmarks/clustering-data-v1"
GAUSS_SIPU = {"s1", "s2", "s3", "s4", "a1", "a2", "a3", "d31", "r15", "unbalance"}
G2MG = re.compile(r"g2mg_(2|16|64)_(10|20|30|40|50|60)$")


def sets():
    for b in ["shapes2d", "shells", "nongauss", "real"]:
        for base in sorted(p[:-8] for p in glob.glob(os.path.join(BAT, b, "*.data.gz"))):
            yield b, base, BAT
    for b in ["sipu", "uci", "fcps", "other", "g2mg"]:
        for base in sorted(p[:-8] for p in glob.glob(os.path.join(SHARED, b, "*.data.gz"))):
            if b == "g2mg" and not G2MG.search(base):
                continue
            yield b, base, SHARED


def main():
    rules = sys.argv[1].split(";")
    binp = os.path.join(REPO, "target/partitive-base")
    res = {r: {} for r in rules}
    for b, base, root in sets():
        x, refs = load_set(base)
        if len(x) > 20000:
            continue
        name = os.path.basename(base)
        m = model_of(binp, base, b)
        for r in rules:
            if m["model"]["mixture"] is None:
                lab = np.zeros(len(x), int)
            else:
                mix = Mixture(m)
                s = fit_sample(x, mix.cols)
                comp = np.argmax(mix.loglik(x[:, mix.cols]), axis=1)
                lab = parse_rule(r)(mix, s)[comp]
            k, ex, ari = score(lab, refs)
            res[r][(b, name)] = (ex, ari)
    groups = {
        "shapes2d": lambda b, n: b == "shapes2d",
        "nonGauss(shells+nongauss)": lambda b, n: b in ("shells", "nongauss"),
        "shells": lambda b, n: b == "shells",
        "nongauss": lambda b, n: b == "nongauss",
        "real": lambda b, n: b == "real",
        "shared41": lambda b, n: b in ("sipu", "uci", "fcps", "other"),
        "gausslike28": lambda b, n: (b == "sipu" and n in GAUSS_SIPU) or b == "g2mg",
    }
    print("| rule | " + " | ".join(groups) + " |")
    for r in rules:
        cells = []
        for g, f in groups.items():
            v = [res[r][key] for key in res[r] if f(*key)]
            cells.append(f"{100*np.mean([e for e,_ in v]):.1f}/{np.mean([a for _,a in v]):.3f}")
        print(f"| {r} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
