#!/usr/bin/env bash
# partitive kmeans vs mpirun -np 1|2|3 partitive-mpi kmeans on one synthetic .npy: wall time
# (median of 3) and a byte comparison of labels and centers. Usage: bash bench/mpi/run.sh
# [N] [D] [K]. Needs numpy (python3 or target/pyenv/bin/python) and both binaries built
# (cargo build --release -p partitive-cli; cargo build --release --manifest-path
# crates/partitive-mpi/Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}; D=${2:-16}; K=${3:-32}
PY=python3; [ -x target/pyenv/bin/python ] && PY=target/pyenv/bin/python
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
"$PY" - "$W/x.npy" "$N" "$D" "$K" <<'PY'
import sys, numpy as np
path, n, d, k = sys.argv[1], *map(int, sys.argv[2:])
rng = np.random.default_rng(1)
c = rng.normal(0, 10, (k, d))
x = c[rng.integers(0, k, n)] + rng.normal(0, 1.5, (n, d))
np.save(path, x.astype(np.float64))
PY
echo "n=$N d=$D k=$K; $(nproc) vCPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { sort -n | sed -n 2p; }
time_of() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
one() { for _ in 1 2 3; do time_of "$@"; done | med; }
t=$(one target/release/partitive kmeans "$W/x.npy" -k "$K" --threads 2 -q --labels-out "$W/l0.txt" --centers-out "$W/c0.npy")
echo "partitive kmeans, 2 threads: ${t} s"
for np in 1 2 3; do
  for th in 1 2; do
    t=$(one mpirun --allow-run-as-root --oversubscribe -np "$np" target/release/partitive-mpi kmeans "$W/x.npy" -k "$K" --threads "$th" -q --labels-out "$W/l.txt" --centers-out "$W/c.npy")
    same=$(cmp -s "$W/l0.txt" "$W/l.txt" && cmp -s "$W/c0.npy" "$W/c.npy" && echo identical || echo DIFFERENT)
    echo "mpirun -np $np, $th threads/rank: ${t} s (labels+centers $same)"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
