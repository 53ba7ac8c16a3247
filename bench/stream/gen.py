#!/usr/bin/env python3
"""Writes a synthetic gzipped CSV for the --stream benchmarks, row by row (flat memory).

    python3 gen.py --rows 1500000 --cols 8 --out big.csv.gz
    python3 gen.py --bytes 2x-ram --cols 8 --out huge.csv.gz   # a file twice the RAM
    python3 gen.py --text-bytes 2300000000 --plain --out big.csv  # ~2.3 GB of text

Rows come from `--blobs` Gaussian blobs (deterministic: --seed). With `--bytes 2x-ram`
the row count is chosen so that the *uncompressed* text is twice the machine's physical
memory (MemTotal of /proc/meminfo) — the size the in-memory reader would need to hold
at least as f64 (each value is printed with 6 decimals, ~9 bytes of text per 8-byte
value). `--plain` writes uncompressed text instead of gzip.
"""
import argparse
import gzip
import random


def ram_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("no MemTotal in /proc/meminfo")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int)
    ap.add_argument("--bytes", help="'2x-ram': twice the physical memory of text")
    ap.add_argument("--text-bytes", type=int, help="about this many bytes of text")
    ap.add_argument("--cols", type=int, default=8)
    ap.add_argument("--blobs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--plain", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    centers = [[rng.uniform(-20, 20) for _ in range(a.cols)] for _ in range(a.blobs)]
    if a.rows is None and a.text_bytes is not None:
        # sign + 2 digits + '.' + 6 decimals + separator ~ 10 bytes per value (blobs in
        # [-20, 20] with sd 3: about half the values are negative, few have one digit)
        a.rows = a.text_bytes // (a.cols * 10) + 1
    if a.rows is None:
        if a.bytes != "2x-ram":
            raise SystemExit("give --rows N, --text-bytes N or --bytes 2x-ram")
        # ~ (sign + 2 digits + '.' + 6 decimals + separator) per value
        a.rows = 2 * ram_bytes() // (a.cols * 11) + 1
    opener = open if a.plain else (lambda p, m: gzip.open(p, m, compresslevel=1))
    with opener(a.out, "wt") as f:
        f.write(",".join(f"x{j}" for j in range(a.cols)) + "\n")
        buf = []
        for i in range(a.rows):
            c = centers[rng.randrange(a.blobs)]
            buf.append(",".join(f"{v + rng.gauss(0, 3):.6f}" for v in c))
            if len(buf) == 10000:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    print(f"{a.out}: {a.rows} rows x {a.cols} columns")


if __name__ == "__main__":
    main()
