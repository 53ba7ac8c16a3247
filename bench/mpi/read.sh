#!/usr/bin/env bash
# Read time of partitive-mpi on one input: `bash bench/mpi/read.sh BIN FILE...` runs
# `mpirun -np 1|2|3 BIN kmeans FILE -k 8 --max-iter 1 --n-init 1 --threads 1` (one Lloyd
# iteration: the read dominates) 3 times each and prints the median wall time and the median
# `read_seconds` of the JSON summary (rank 0's read), with the load average before.
set -euo pipefail
bin=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -g | sed -n 2p; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in "$@"; do
  for np in 1 2 3; do
    walls=(); reads=()
    for _ in 1 2 3; do
      t0=$(date +%s.%N)
      mpirun --allow-run-as-root --oversubscribe -np "$np" "$bin" kmeans "$f" -k 8 \
        --max-iter 1 --n-init 1 --threads 1 --labels-out "$tmp/l.txt" \
        --summary-out "$tmp/s.json" --quiet
      t1=$(date +%s.%N)
      walls+=("$(echo "$t1 - $t0" | bc)")
      reads+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["read_seconds"])' "$tmp/s.json")")
    done
    printf '%s -np %d: wall %.2f s, read %.2f s\n' "$(basename "$f")" "$np" \
      "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${reads[@]}" | median)"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
