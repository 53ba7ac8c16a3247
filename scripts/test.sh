#!/usr/bin/env bash
# The project's test command (the README's; CI runs exactly this):
#   1. formatting, lints and docs: `cargo fmt --check`, clippy with warnings as errors,
#      rustdoc with warnings as errors;
#   2. Rust unit, doc and CLI integration tests (release mode);
#   3. the MPI driver's tests on 1, 2 and 3 ranks (scripts/test-mpi.sh; skipped, saying so,
#      where Open MPI is not installed);
#   4. the Python package's tests (scikit-learn conformance included), in a venv it makes;
#   5. the fuzz smoke test (scripts/fuzz-smoke.sh): the libFuzzer targets of fuzz/ built
#      (quick build: only the crates under test instrumented, the dependencies of step 2
#      reused) and run FUZZ_SMOKE_SECONDS (default here 8) each over their kept corpora;
#      FUZZ_SMOKE=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --release -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --release
cargo test --workspace --release
bash scripts/test-mpi.sh
bash scripts/test-python.sh
if [ "${FUZZ_SMOKE:-1}" != 0 ]; then
    FUZZ_SMOKE_QUICK=1 FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-8} bash scripts/fuzz-smoke.sh
fi
