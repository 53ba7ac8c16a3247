#!/usr/bin/env bash
# Tests of the Python package `partitive` (crates/partitive-py): builds and installs it
# into a virtual environment with pip (the way users install it), then runs its pytest
# suite, which includes scikit-learn's estimator conformance checks on every estimator.
#
# Environment: PYTHON (default python3) creates the venv; PARTITIVE_PYENV (default
# target/pyenv) is where it lives, reused between runs.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${PARTITIVE_PYENV:-target/pyenv}"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
venv="$(cd "$venv" && pwd)"
py="$venv/bin/python"
# The maturin build hook runs `maturin` from PATH.
export PATH="$venv/bin:$PATH"
"$py" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.9.4,<2" numpy "scikit-learn>=1.6" pytest pandas pyarrow
# --no-build-isolation: build with the maturin just installed (no second download);
# --force-reinstall: the version number does not change between builds.
"$py" -m pip install --quiet --disable-pip-version-check \
    --no-build-isolation --force-reinstall --no-deps ./crates/partitive-py
"$py" -c "import partitive; print('partitive', partitive.__version__, 'installed')"
"$py" -m pytest -q -p no:cacheprovider crates/partitive-py/tests "$@"
