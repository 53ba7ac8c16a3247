#!/usr/bin/env bash
# The project's test command (the README's; CI runs exactly this):
#   1. Rust unit, doc and CLI integration tests (release mode);
#   2. the MPI driver's tests on 1, 2 and 3 ranks (scripts/test-mpi.sh; skipped, saying so,
#      where Open MPI is not installed);
#   3. the Python package's tests (scikit-learn conformance included), in a venv it makes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --release
bash scripts/test-mpi.sh
bash scripts/test-python.sh
