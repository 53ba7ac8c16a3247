#!/usr/bin/env bash
# Whole-run benchmarks (bench/e2e/e2e.py), one command per harness:
#   bash bench/e2e/run.sh HARNESS [--rounds R] [--threads T] [--force]
# HARNESS: kmeans-k64 | kmeans-k1024 | gmm | ppp | kmedoids.
# Builds the partitive Python package (release) into bench/.venv with its peers
# (scikit-learn, faiss-cpu, kmedoids), then alternates the implementations.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x bench/.venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv bench/.venv
fi
venv="$(cd bench/.venv && pwd)"
export PATH="$venv/bin:$PATH"
pip() { "$venv/bin/python" -m pip --quiet --disable-pip-version-check "$@"; }
"$venv/bin/python" -c "import numpy, sklearn, faiss, kmedoids, maturin" 2>/dev/null \
    || pip install "maturin>=1.9.4,<2" numpy scikit-learn faiss-cpu kmedoids
if [ "${E2E_SKIP_BUILD:-0}" != 1 ]; then
    pip install --no-build-isolation --force-reinstall --no-deps ./crates/partitive-py
fi
exec "$venv/bin/python" bench/e2e/e2e.py "$@"
