#!/usr/bin/env bash
# A file larger than the memory the run may use, clustered with `--stream` at flat memory.
#   bash bench/stream/over_ram.sh [LIMIT_MIB=1024] [K=8] [THREADS=2]
#
# The machine's RAM (23 GiB) is larger than its free disk allows a 2x file to be parsed
# ~20 times in a session, so "RAM" here is a memory limit: the runs go into a cgroup-v1
# memory group (root; /sys/fs/cgroup/memory) limited to LIMIT_MIB, and the plain CSV is
# generated at 2.2x that limit on disk. The same limit applies to the page cache the runs
# use, so nothing of the file stays cached between passes beyond it.
#  1. the in-memory run inside the limit: expected to fail (killed by the limit), which
#     shows the data does not fit;
#  2. the `--stream` run inside the limit: must succeed; its peak RSS is printed;
#  3. the in-memory run without the limit (for the reference labels), then `cmp`.
# Not run in CI (minutes, ~2.3 GB of disk in target/bench-stream).
set -euo pipefail
cd "$(dirname "$0")/../.."
LIMIT_MIB=${1:-1024}
K=${2:-8}
THREADS=${3:-2}
BIN=target/release/partitive
OUT=target/bench-stream
CG=/sys/fs/cgroup/memory/partitive-over-ram
mkdir -p "$OUT"
[ -d /sys/fs/cgroup/memory ] || { echo "over_ram: no cgroup-v1 memory controller here" >&2; exit 1; }
mkdir -p "$CG"
echo $((LIMIT_MIB * 1024 * 1024)) >"$CG/memory.limit_in_bytes"
bytes=$((LIMIT_MIB * 1024 * 1024 * 22 / 10))
DATA="$OUT/over-ram-$LIMIT_MIB.csv"
[ -f "$DATA" ] || nice python3 bench/stream/gen.py --text-bytes "$bytes" --cols 8 --plain --out "$DATA"
size=$(stat -c %s "$DATA")
echo "file: $DATA, $size bytes = $(python3 -c "print(round($size / ($LIMIT_MIB * 1048576), 2))") x the $LIMIT_MIB MiB limit"
lscpu | grep "Model name"
# Runs "$@" inside the memory group (a subshell moves itself in, then execs).
in_cg() { sh -c 'echo $$ > '"$CG"'/cgroup.procs && exec "$@"' sh "$@"; }
run() { # name, in_cgroup (0/1), flags...
    local name=$1 limited=$2
    shift 2
    echo "== $name (uptime:$(uptime | sed 's/.*load average://'))"
    echo 0 >"$CG/memory.max_usage_in_bytes" 2>/dev/null || true
    local rc=0
    if [ "$limited" = 1 ]; then
        in_cg python3 bench/stream/measure.py "$BIN" kmeans "$DATA" -k "$K" --threads "$THREADS" \
            --labels-out "$OUT/over-ram-$name.labels.txt" --summary-out "$OUT/over-ram-$name.json" \
            --quiet "$@" || rc=$?
        echo "cgroup peak (RSS + page cache, capped by the limit): $(($(cat "$CG/memory.max_usage_in_bytes") / 1048576)) MiB"
    else
        python3 bench/stream/measure.py "$BIN" kmeans "$DATA" -k "$K" --threads "$THREADS" \
            --labels-out "$OUT/over-ram-$name.labels.txt" --summary-out "$OUT/over-ram-$name.json" \
            --quiet "$@" || rc=$?
    fi
    echo "exit $rc"
}
rm -f "$OUT"/over-ram-*.labels.txt
run mem-limited 1 || true
run stream-limited 1 --stream
run mem-unlimited 0
if [ -f "$OUT/over-ram-mem-limited.labels.txt" ]; then
    echo "NOTE: the in-memory run fitted inside the limit: raise the file size"
fi
cmp "$OUT/over-ram-stream-limited.labels.txt" "$OUT/over-ram-mem-unlimited.labels.txt" \
    && echo "labels identical (streamed under the limit vs in memory without it)"
