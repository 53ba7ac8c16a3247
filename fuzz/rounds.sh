#!/usr/bin/env bash
# A campaign in rounds (see README.md, "Seventh round"): `fuzz/rounds.sh TARGET ROUNDS
# [SECONDS]` runs ROUNDS rounds of SECONDS (default 900) each; every round starts from the
# kept corpus (fuzz/corpus/TARGET) with a fresh, empty work folder that is deleted after it.
#
# Why: in a long single run the work folder fills with the slowest inputs the fuzzer finds
# (for `gzip`, inflation bombs of ~850 KB), and the rate falls from ~1,000 to ~175 exec/s;
# each fresh round starts again at ~1,000. The executions of all rounds add up.
#
# The binary is copied first (FUZZ_BIN picks its build folder, as in campaign.sh). Flags:
# -max_len=65536, a 2 GiB RSS limit as in campaign.sh, and a 300 s hang limit instead of its
# 10 s (a starved low-priority fuzzer must not report false hangs). FUZZ_NICE sets the
# priority (default 10). A crash ends the loop (its input in fuzz/artifacts/TARGET/), as
# does an interrupt (SIGINT: libFuzzer prints the round's executions first, exit status 72).
# Per-round lines ("round N end … executed_units …") go to fuzz/corpus-work/TARGET.rounds.log;
# the sum of executions is printed at the end.
set -uo pipefail
cd "$(dirname "$0")"
t=$1
rounds=$2
secs=${3:-900}
triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p corpus-work "artifacts/$t"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "${FUZZ_BIN:-target/$triple/release}/$t" "$scratch/$t"
log=corpus-work/$t.rounds.log
rc=0
for i in $(seq 1 "$rounds"); do
    w=$scratch/work-$i
    mkdir -p "$w"
    echo "round $i start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$log"
    nice -n "${FUZZ_NICE:-10}" "$scratch/$t" "$w" "corpus/$t" -max_len=65536 -timeout=300 \
        -rss_limit_mb=2048 -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"$scratch/round.log" 2>&1
    rc=$?
    echo "round $i end $(date -u +%FT%TZ) rc $rc $(grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$scratch/round.log" | tr -s ' ' | tr '\n' ' ')" >>"$log"
    rm -rf "$w"
    if [ $rc -ne 0 ]; then
        tail -20 "$scratch/round.log"
        break
    fi
done
grep -o "executed_units: [0-9]*" "$log" | awk '{s += $2} END {printf "rounds: %d executions in all (this log)\n", s}'
exit $rc
