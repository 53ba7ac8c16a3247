#!/usr/bin/env bash
# Peak memory of `partitive kmeans` (or `gmm`) in memory vs --stream on a gzipped CSV,
# and a check that both write the same labels (and, for kmeans, centers). Not run in CI.
#   bash bench/stream/run.sh [ROWS] [K] [THREADS] [kmeans|gmm]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-1500000}
K=${2:-8}
THREADS=${3:-2}
CMD=${4:-kmeans}
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
    extra=""
    [ "$CMD" = kmeans ] && extra="--centers-out $OUT/$CMD-$mode.centers.csv"
    echo "== $CMD $mode"
    python3 bench/stream/measure.py "$BIN" "$CMD" "$DATA" -k "$K" --threads "$THREADS" $flag \
        --labels-out "$OUT/$CMD-$mode.labels.txt" $extra \
        --summary-out "$OUT/$CMD-$mode.json" --quiet
done
uptime
cmp "$OUT/$CMD-mem.labels.txt" "$OUT/$CMD-stream.labels.txt" && echo "labels identical"
if [ "$CMD" = kmeans ]; then
    cmp "$OUT/$CMD-mem.centers.csv" "$OUT/$CMD-stream.centers.csv" && echo "centers identical"
fi
python3 - "$OUT/$CMD-mem.json" "$OUT/$CMD-stream.json" <<'PY'
import json, sys
m, s = (json.load(open(p)) for p in sys.argv[1:])
keys = [k for k in ("n_iter", "inertia", "bic", "log_likelihood", "weights", "means") if k in m]
for k in keys:
    print(f"{k}: {'same' if m[k] == s[k] else 'DIFFERENT'}")
print("passes:", s.get("passes"))
PY
