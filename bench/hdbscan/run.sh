#!/usr/bin/env bash
# HDBSCAN* benchmark, one command:  bash bench/hdbscan/run.sh [--force] [--dims]
# Builds partitive, makes the blob data once (bench/data, git-ignored), then times partitive,
# the hdbscan library (boruvka_kdtree), fast_hdbscan and scikit-learn's HDBSCAN on the same
# data, alternating over rounds (bench.py run), and prints medians, ratios and the load average.
# Refuses to report when the 1-minute load average exceeds the core count (--force, or
# ALLOW_LOAD=1, to print anyway, labelled LOADED). Each size ends with the issue-20
# acceptance lines that apply to it (200,000 x 4 ratios; 1,000,000 x 4 time and peak RSS).
# Results: bench/results/hdbscan_N_D.json (git-ignored: measurements of one machine).
# Environment: SIZES ("200000x4 200000x2 200000x8 200000x16 1000000x4"), MCS (10), THREADS (2),
# ROUNDS (3), IMPLS (partitive,hdbscan,fast_hdbscan,sklearn), BIG_IMPLS (partitive,hdbscan,fast_hdbscan:
# the peers run on n > 200,000; scikit-learn's O(n^2) Prim would take hours), TIMEOUT (900 s).
# --dims: instead of SIZES, one run over DIMS_N rows (200000) at each of DIMS ("2 8 16"): every
# round runs every implementation (IMPLS) on every dimension, the order rotating, the load
# average printed with each fit; then the medians per dimension and one table of fit times and
# ratios partitive / peer across them. Results: bench/results/hdbscan_dims_N.json.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
SIZES=${SIZES:-"200000x4 200000x2 200000x8 200000x16 1000000x4"}
MCS=${MCS:-10} THREADS=${THREADS:-2} ROUNDS=${ROUNDS:-3} TIMEOUT=${TIMEOUT:-900}
IMPLS=${IMPLS:-partitive,hdbscan,fast_hdbscan,sklearn}
BIG_IMPLS=${BIG_IMPLS:-partitive,hdbscan,fast_hdbscan}
venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c "import numpy, sklearn, hdbscan, fast_hdbscan" 2>/dev/null; then
  "$venv/bin/pip" install -q numpy scikit-learn hdbscan fast_hdbscan
fi
py="$venv/bin/python"
(cd "$root" && cargo build --release -q -p partitive-cli)
mkdir -p "$root/bench/data" "$root/bench/results"
extra=()
dims=0
if [ "${ALLOW_LOAD:-0}" = 1 ]; then extra+=(--force); fi
for arg in "$@"; do
  case "$arg" in
    --force) extra+=(--force) ;;
    --dims) dims=1 ;;
    *) echo "usage: bash bench/hdbscan/run.sh [--force] [--dims]" >&2; exit 2 ;;
  esac
done
if [ "$dims" = 1 ]; then
  n=${DIMS_N:-200000}
  files=()
  for d in ${DIMS:-2 8 16}; do
    data="$root/bench/data/hdbscan_blobs_${n}_${d}.npy"
    [ -f "$data" ] || "$py" "$here/bench.py" gen "$data" "$n" "$d" 0
    files+=("$data")
  done
  echo "== blobs n=$n d=${DIMS:-2 8 16}, alternating =="
  exec "$py" "$here/bench.py" run "${files[@]}" --min-cluster-size "$MCS" --threads "$THREADS" \
    --rounds "$ROUNDS" --impls "$IMPLS" --timeout "$TIMEOUT" --bin "$root/target/release/partitive" \
    --json "$root/bench/results/hdbscan_dims_${n}.json" "${extra[@]}"
fi
status=0
for size in $SIZES; do
  n=${size%x*} d=${size#*x}
  data="$root/bench/data/hdbscan_blobs_${n}_${d}.npy"
  [ -f "$data" ] || "$py" "$here/bench.py" gen "$data" "$n" "$d" 0
  impls=$IMPLS
  if [ "$n" -gt 200000 ]; then impls=$BIG_IMPLS; fi
  echo "== blobs n=$n d=$d =="
  "$py" "$here/bench.py" run "$data" --min-cluster-size "$MCS" --threads "$THREADS" --rounds "$ROUNDS" \
    --impls "$impls" --timeout "$TIMEOUT" --bin "$root/target/release/partitive" \
    --json "$root/bench/results/hdbscan_${n}_${d}.json" "${extra[@]}" || status=$?
done
exit $status
