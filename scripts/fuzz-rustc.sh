#!/usr/bin/env bash
# RUSTC_WRAPPER for the quick fuzz build of scripts/fuzz-smoke.sh (FUZZ_SMOKE_QUICK=1, as
# in CI): adds the libFuzzer instrumentation flags ($PARTITIVE_FUZZ_FLAGS) to the crates
# under test only (partitive-io, partitive-cli, the fuzz crate). Every other crate,
# partitive included, is compiled exactly as by `cargo test --workspace --release`, so that
# build's artifacts in target/ are reused instead of compiling every dependency again with
# instrumentation (fuzz/Cargo.toml gives the crates under test profile overrides so that
# their artifacts never replace the test build's). Campaigns use the full build (every
# crate instrumented, into fuzz/target).
rustc=$1
shift
case "${CARGO_PKG_NAME:-}" in
    partitive-io | partitive-cli | partitive-fuzz)
        # Build scripts run on the host and are not linked with libFuzzer.
        case " $* " in
            *" --crate-name build_script_"*) ;;
            *)
                # shellcheck disable=SC2086 # the flags are separate words
                exec "$rustc" "$@" $PARTITIVE_FUZZ_FLAGS
                ;;
        esac
        ;;
esac
exec "$rustc" "$@"
