#!/usr/bin/env bash
# The project's test command (the README's; CI runs exactly this):
#   1. Rust unit, doc and CLI integration tests (release mode);
#   2. the Python package's tests (scikit-learn conformance included), in a venv it makes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --release
bash scripts/test-python.sh
