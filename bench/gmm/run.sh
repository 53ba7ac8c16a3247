#!/usr/bin/env bash
# partitive vs scikit-learn GaussianMixture (see bench.py). Usage: bash bench/gmm/run.sh [bench.py args]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
VENV="$ROOT/bench/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import numpy, sklearn" 2>/dev/null || "$VENV/bin/pip" install -q numpy scikit-learn
cargo build --release -q -p partitive --example gmm_bench
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
exec "$VENV/bin/python" "$ROOT/bench/gmm/bench.py" "$ROOT/target/release/examples/gmm_bench" "$@"
