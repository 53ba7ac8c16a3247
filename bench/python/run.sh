#!/usr/bin/env bash
# Builds the Python package into bench/.venv and measures its overhead over the Rust
# engine (bench/python/overhead.py). Arguments are passed to overhead.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x bench/.venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv bench/.venv
fi
venv="$(cd bench/.venv && pwd)"
export PATH="$venv/bin:$PATH"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" numpy
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./crates/partitive-py
"$venv/bin/python" bench/python/overhead.py "$@"
