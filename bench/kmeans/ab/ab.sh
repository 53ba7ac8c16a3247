#!/usr/bin/env bash
# A/B of two partitive binaries (e.g. main before a change, and the branch): every case runs
# both, in alternating order each round, on the same files; the labels must be byte-identical
# (cmp). Usage: AB_DIR=DIR ab.sh BEFORE AFTER ROUNDS  (DIR holds the files of gen.py).
set -euo pipefail
A=$1 B=$2 R=${3:-5}
cd "${AB_DIR:-/tmp/partitive-ab}"
cases=(
 "km64|kmeans km.npy -k 64 --seed 1 --max-iter 30 --tol 0 --threads 2 -q"
 "km256|kmeans km.npy -k 256 --seed 1 --max-iter 20 --tol 0 --threads 2 -q"
 "km64h|kmeans km.npy -k 64 --seed 1 --max-iter 30 --tol 0 --algorithm hamerly --threads 2 -q"
 "km256y|kmeans km.npy -k 256 --seed 1 --max-iter 20 --tol 0 --algorithm yinyang --threads 2 -q"
 "gmm10|gmm gmm.npy -k 10 --covariance full --seed 1 --max-iter 30 --tol 0 --threads 2 -q"
 "kmed|kmedoids kmed.npy -k 12 --seed 1 --threads 2 -q"
)
rm -f times.txt
for r in $(seq 1 "$R"); do
  for c in "${cases[@]}"; do
    name=${c%%|*}; args=${c#*|}
    if (( r % 2 )); then order="A B"; else order="B A"; fi
    for w in $order; do
      bin=$A; [ "$w" = B ] && bin=$B
      s=$(date +%s.%N)
      $bin $args --labels-out out_${name}_$w.txt
      e=$(date +%s.%N)
      echo "$name $w $(echo "$e - $s" | bc)" >> times.txt
    done
    cmp out_${name}_A.txt out_${name}_B.txt || echo "DIFF $name round $r"
  done
  echo "round $r done; load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 - <<'PY'
import statistics as st, collections
t=collections.defaultdict(list)
for line in open('times.txt'):
    n,w,s=line.split(); t[(n,w)].append(float(s))
names=sorted({n for n,_ in t}, key=lambda x: list(dict.fromkeys(l.split()[0] for l in open('times.txt'))).index(x))
print(f"{'case':8} {'before med s':>12} {'after med s':>12} {'after/before':>12}  rounds")
for n in names:
    a,b=st.median(t[(n,'A')]),st.median(t[(n,'B')])
    print(f"{n:8} {a:12.3f} {b:12.3f} {b/a:12.3f}  {len(t[(n,'A')])}")
PY
