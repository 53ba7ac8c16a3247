#!/usr/bin/env bash
# k-means benchmark, one command:  bench/kmeans/run.sh
# Generates the reference data once (bench/data, git-ignored), then runs partitive
# (plain Lloyd and the exact pruned variants Hamerly and Yinyang), scikit-learn and faiss-cpu from the SAME initial centers
# with the same thread count, and prints ms per iteration, GFLOP/s, ratios and agreement.
# Environment: N (1000000) D (32) K (64) ITERS (10) REPEATS (3) THREADS (2) SEED (0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
N=${N:-1000000} D=${D:-32} K=${K:-64} ITERS=${ITERS:-10} REPEATS=${REPEATS:-3} THREADS=${THREADS:-2} SEED=${SEED:-0}
venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c "import numpy, sklearn, faiss" 2>/dev/null; then
  "$venv/bin/pip" install -q numpy scikit-learn faiss-cpu
fi
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS RAYON_NUM_THREADS=$THREADS
py="$venv/bin/python"
(cd "$root" && cargo build --release -q -p partitive --example bench_kmeans)
bin="$root/target/release/examples/bench_kmeans"
mapfile -t files < <("$py" "$here/peers.py" gen "$root/bench/data" "$N" "$D" "$K" "$SEED")
data="${files[0]}" cent="${files[1]}"
res="$root/bench/results/kmeans.tmp"
mkdir -p "$res"
"$bin" "$data" "$cent" --threads "$THREADS" --iters "$ITERS" --repeats "$REPEATS" --algorithm lloyd \
  --labels-out "$res/labels_partitive.npy" > "$res/partitive_lloyd.json"
"$bin" "$data" "$cent" --threads "$THREADS" --iters "$ITERS" --repeats "$REPEATS" --algorithm hamerly \
  --labels-out "$res/labels_hamerly.npy" > "$res/partitive_hamerly.json"
"$bin" "$data" "$cent" --threads "$THREADS" --iters "$ITERS" --repeats "$REPEATS" --algorithm yinyang \
  --labels-out "$res/labels_yinyang.npy" > "$res/partitive_yinyang.json"
"$py" "$here/peers.py" sklearn "$data" "$cent" "$ITERS" "$REPEATS" "$res/sklearn.json" "$res/labels_sklearn.npy"
"$py" "$here/peers.py" faiss "$data" "$cent" "$ITERS" "$REPEATS" "$THREADS" "$res/faiss.json"
"$py" "$here/peers.py" report "$res"
