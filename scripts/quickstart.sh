#!/usr/bin/env bash
# Installs what trede needs, builds it (release), and runs the default job: the reference
# benchmark model BM1 (models/ladder-bm.toml), 100 replicates, printing headline results and
# writing ladder-bm.h5. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DTREDE_BUILD_TESTS=OFF -DTREDE_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release
build/release/bin/trede run models/ladder-bm.toml -n 100 --seed 42 -o ladder-bm.h5
build/release/bin/trede info ladder-bm.h5 | head -20
