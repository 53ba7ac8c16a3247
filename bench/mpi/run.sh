#!/usr/bin/env bash
# partitive CMD vs mpirun -np 1|2|3 partitive-mpi CMD (CMD: kmeans, gmm, auto or clara =
# kmedoids --algorithm clara) on one synthetic
# .npy: wall time (median of 3) and a byte comparison of the labels. Usage: bash
# bench/mpi/run.sh [CMD] [N] [D] [K]. Needs python3 (the data are written without numpy)
# and both binaries built (cargo build --release -p partitive-cli; cargo build --release
# --manifest-path crates/partitive-mpi/Cargo.toml).
# Ranks are started with --bind-to none: Open MPI binds each of 1-2 ranks to one core by
# default, and a rank's threads would then share that core.
set -euo pipefail
cd "$(dirname "$0")/../.."
CMD=${1:-kmeans}; N=${2:-1000000}; D=${3:-16}; K=${4:-32}
case "$CMD" in
  kmeans) FLAGS=(-k "$K") ;;
  gmm) FLAGS=(-k "$K" --covariance diag) ;;
  auto) FLAGS=() ;;
  clara) CMD=kmedoids; FLAGS=(-k "$K" --algorithm clara) ;;
  *) echo "usage: run.sh [kmeans|gmm|auto|clara] [N] [D] [K]" >&2; exit 2 ;;
esac
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
python3 - "$W/x.npy" "$N" "$D" "$K" <<'PY'
import random, struct, sys
path, n, d, k = sys.argv[1], *map(int, sys.argv[2:])
rng = random.Random(1)
c = [[rng.gauss(0, 10) for _ in range(d)] for _ in range(k)]
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (n, d)
hdr += ' ' * (64 - (10 + len(hdr) + 1) % 64) + '\n'
row = struct.Struct('<%dd' % d)
with open(path, 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    for _ in range(n):
        b = c[rng.randrange(k)]
        f.write(row.pack(*[v + rng.gauss(0, 1.5) for v in b]))
PY
echo "$CMD n=$N d=$D k=$K; $(nproc) vCPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { sort -n | sed -n 2p; }
time_of() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
one() { for _ in 1 2 3; do time_of "$@"; done | med; }
t=$(one target/release/partitive "$CMD" "$W/x.npy" "${FLAGS[@]}" --threads 2 -q --labels-out "$W/l0.txt")
echo "partitive $CMD, 2 threads: ${t} s"
for np in 1 2 3; do
  for th in 1 2; do
    t=$(one mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$np" target/release/partitive-mpi "$CMD" "$W/x.npy" "${FLAGS[@]}" --threads "$th" -q --labels-out "$W/l.txt")
    same=$(cmp -s "$W/l0.txt" "$W/l.txt" && echo identical || echo DIFFERENT)
    echo "mpirun -np $np, $th threads/rank: ${t} s (labels $same)"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
