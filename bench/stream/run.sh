#!/usr/bin/env bash
# Peak memory of `partitive kmeans` in memory vs --stream on a 1.5M-row gzipped CSV, and
# a check that both write the same labels and centers. Not run in CI.
#   bash bench/stream/run.sh [ROWS] [K] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-1500000}
K=${2:-8}
THREADS=${3:-2}
BIN=target/release/partitive
OUT=target/bench-stream
mkdir -p "$OUT"
DATA="$OUT/rows-$ROWS.csv.gz"
[ -f "$DATA" ] || python3 bench/stream/gen.py --rows "$ROWS" --cols 8 --out "$DATA"
ls -l "$DATA"
uptime
for mode in mem stream; do
    flag=""
    [ "$mode" = stream ] && flag="--stream"
    echo "== $mode"
    python3 bench/stream/measure.py "$BIN" kmeans "$DATA" -k "$K" --threads "$THREADS" $flag \
        --labels-out "$OUT/$mode.labels.txt" --centers-out "$OUT/$mode.centers.csv" \
        --summary-out "$OUT/$mode.json" --quiet
done
uptime
cmp "$OUT/mem.labels.txt" "$OUT/stream.labels.txt" && echo "labels identical"
cmp "$OUT/mem.centers.csv" "$OUT/stream.centers.csv" && echo "centers identical"
grep -o '"passes": *[0-9]*' "$OUT/stream.json" || true
