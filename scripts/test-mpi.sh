#!/usr/bin/env bash
# The MPI driver's tests (crates/partitive-mpi, its own Cargo workspace): `partitive kmeans|gmm|kmedoids|auto`
# against `mpirun -np 1|2|3 partitive-mpi kmeans|gmm|kmedoids --algorithm clara|auto`, byte for byte, plus bad input and a rank
# that dies or hangs. Needs Open MPI (`apt-get install -y libopenmpi-dev openmpi-bin
# libclang-dev`); without `mpirun` it says so and skips, unless PARTITIVE_REQUIRE_MPI=1
# (CI sets it: there a missing Open MPI is a failure, not a skip).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mpirun >/dev/null 2>&1 || ! command -v mpicc >/dev/null 2>&1; then
    if [ "${PARTITIVE_REQUIRE_MPI:-0}" = 1 ]; then
        echo "test-mpi: mpirun/mpicc not found but PARTITIVE_REQUIRE_MPI=1" >&2
        exit 1
    fi
    echo "test-mpi: SKIPPED: Open MPI not installed (apt-get install -y libopenmpi-dev openmpi-bin libclang-dev)" >&2
    exit 0
fi
# The `partitive` binary the tests compare with, in the shared target directory.
# (Exactly the build of scripts/test.sh's first step, so nothing is rebuilt there.)
cargo test --workspace --release --no-run
(cd crates/partitive-mpi && cargo test --release)
