#!/usr/bin/env bash
# A long fuzzing campaign for one target (see README.md): `fuzz/campaign.sh TARGET RUNS
# [libFuzzer flags...]`, e.g. `fuzz/campaign.sh text 10000000 -max_len=65536`.
#
# Runs the target built by `cargo fuzz build -s none -a` (or scripts/fuzz-smoke.sh) at low
# priority, one process, on fuzz/corpus/TARGET plus a work folder (fuzz/corpus-work/TARGET,
# where new inputs go; minimize them into the kept corpus with `cargo fuzz cmin`), with a
# 10 s hang limit and a 2 GiB RSS limit. Crashes are written to fuzz/artifacts/TARGET/.
# Time-box with -max_total_time=SECONDS among the flags.
# The log (executions, exec/s, coverage) goes to fuzz/corpus-work/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")"
t=$1
runs=$2
shift 2
triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p "corpus-work/$t" "artifacts/$t"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A private copy of the binary: rebuilding during the campaign does not disturb it.
# FUZZ_BIN picks another build folder, e.g. FUZZ_BIN=../target/release for the quick build of
# scripts/fuzz-smoke.sh (only the crates under test instrumented: several times the executions
# per second, coverage feedback from the project's own code only).
cp "${FUZZ_BIN:-target/$triple/release}/$t" "$scratch/$t"
bin=$scratch/$t
start=$(date +%s)
echo "campaign $t: $runs runs ($(basename "$(dirname "${FUZZ_BIN:-x/target/$triple/release}")")/$(basename "${FUZZ_BIN:-release}") build) from $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "corpus-work/$t.log"
# The 1-minute load average, sampled every 60 s during the run (the machine may be shared).
(while sleep 60; do echo "campaign $t: load $(cut -d' ' -f1-3 /proc/loadavg)"; done) >>"corpus-work/$t.log" &
sampler=$!
trap 'kill $sampler 2>/dev/null; rm -rf "$scratch"' EXIT
rc=0
nice -n "${FUZZ_NICE:-10}" "$bin" "corpus-work/$t" "corpus/$t" -runs="$runs" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    "$@" >>"corpus-work/$t.log" 2>&1 || rc=$?
end=$(date +%s)
echo "campaign $t: exit $rc after $((end - start)) s, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "corpus-work/$t.log"
kill $sampler 2>/dev/null || true
grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "corpus-work/$t.log" | tail -3
# Mean of the sampled load averages.
grep -o "^campaign $t: load [0-9.]*" "corpus-work/$t.log" | awk '{s += $4; n++} END {if (n) printf "campaign load: mean 1-min load %.2f over %d samples\n", s / n, n}' | tee -a "corpus-work/$t.log"
exit $rc
