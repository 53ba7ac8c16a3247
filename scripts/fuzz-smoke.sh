#!/usr/bin/env bash
# Fuzz smoke test (CI; called by scripts/test.sh): builds the libFuzzer targets of fuzz/
# and runs each one for a bounded time over its kept corpus (fuzz/corpus/<target>/),
# failing on any crash, panic, hang (-timeout) or memory blow-up (-rss_limit_mb, and the
# targets' own single-allocation limit).
#
# libFuzzer is driven directly (no cargo-fuzz to install): the fuzz crate is built with
# the flags `cargo fuzz build -s none -a` passes, on the stable toolchain, into the same
# target folder, so either way of building reuses the other's work. Needs a C++ compiler
# (libfuzzer-sys compiles libFuzzer); without one the smoke test is skipped, saying so
# (fails instead with PARTITIVE_REQUIRE_FUZZ=1, as in CI).
#
# Environment: FUZZ_SMOKE_SECONDS (per target, default 20), FUZZ_SMOKE_TARGETS (default
# all five), FUZZ_SMOKE_QUICK=1 (instrument only the project's crates and reuse the
# third-party crates built in target/ by the release tests: scripts/test.sh sets it).
# Long campaigns: see fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SMOKE_SECONDS:-20}
targets=${FUZZ_SMOKE_TARGETS:-"text gzip npy parquet args"}

cxx=${CXX:-c++}
if ! command -v "$cxx" >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1; then
    if [ "${PARTITIVE_REQUIRE_FUZZ:-0}" = 1 ]; then
        echo "fuzz-smoke: no C++ compiler (c++, g++ or clang++) to build libFuzzer with" >&2
        exit 1
    fi
    echo "fuzz-smoke: SKIPPED: no C++ compiler (c++, g++ or clang++) to build libFuzzer with" >&2
    exit 0
fi

triple=$(rustc -vV | sed -n 's/^host: //p')
# The flags of `cargo fuzz build -s none -a` (cargo-fuzz 0.13): coverage instrumentation for
# libFuzzer, `--cfg fuzzing`, debug assertions (overflow checks), one codegen unit.
flags=" -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4\
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table\
 -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing\
 -Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth\
 -Cdebug-assertions -Ccodegen-units=1"

t0=$(date +%s)
if [ "${FUZZ_SMOKE_QUICK:-0}" = 1 ]; then
    # Quick build (CI, after `cargo test --workspace --release`): only the project's crates
    # are instrumented (scripts/fuzz-rustc.sh); the third-party crates already built in
    # target/ are reused. Coverage feedback then comes from the project's code only.
    # One codegen unit only where it matters (campaigns): here the profile's.
    export PARTITIVE_FUZZ_FLAGS="${flags% -Ccodegen-units=1}"
    RUSTC_WRAPPER="$PWD/scripts/fuzz-rustc.sh" CARGO_TARGET_DIR="$PWD/target" \
        cargo build --manifest-path fuzz/Cargo.toml --release --bins
    bin=target/release
else
    # Every crate instrumented, into fuzz/target (as `cargo fuzz build -s none -a`).
    RUSTFLAGS="$flags" cargo build --manifest-path fuzz/Cargo.toml --target "$triple" \
        --release --config 'profile.release.debug="line-tables-only"' --bins
    bin=fuzz/target/$triple/release
fi
t1=$(date +%s)
echo "fuzz-smoke: built the targets in $((t1 - t0)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $targets; do
    mkdir -p "$work/$t"
    echo "fuzz-smoke: $t for ${secs} s over fuzz/corpus/$t ($(ls fuzz/corpus/$t | wc -l) inputs)"
    # New inputs go to the scratch folder (first corpus argument): the kept corpus is read only.
    if ! "$bin/$t" "$work/$t" "fuzz/corpus/$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$work/" >"$work/$t.log" 2>&1; then
        tail -n 60 "$work/$t.log" >&2
        for a in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-*; do
            [ -e "$a" ] && mkdir -p fuzz/artifacts/$t && cp "$a" fuzz/artifacts/$t/ &&
                echo "fuzz-smoke: $t failed; input kept in fuzz/artifacts/$t/$(basename "$a")" >&2
        done
        exit 1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t.log" | tr '\n' ' '
    echo
done
echo "fuzz-smoke: ok ($(($(date +%s) - t0)) s in all)"
