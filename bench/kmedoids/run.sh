#!/usr/bin/env bash
# One command: k-medoids benchmark against kmedoids (PyPI) and scikit-learn-extra.
#   bash bench/kmedoids/run.sh            # everything
#   QUICK=1 bash bench/kmedoids/run.sh    # one repetition each
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
# numpy < 2: scikit-learn-extra 0.3.0 wheels are built against the numpy 1 ABI
bench/.venv/bin/python -c "import numpy, sklearn, kmedoids" 2>/dev/null \
    || bench/.venv/bin/pip install -q "numpy<2" scikit-learn kmedoids
bench/.venv/bin/python -c "import sklearn_extra" 2>/dev/null \
    || bench/.venv/bin/pip install -q scikit-learn-extra \
    || echo "scikit-learn-extra did not install; skipped"
cargo build --release -q -p partitive --example kmedoids_bench
exec bench/.venv/bin/python bench/kmedoids/run.py "$@"
