#!/usr/bin/env bash
# The project's test command (the README's): Rust unit, doc and CLI integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --release
