#!/usr/bin/env bash
# Installs what trede needs, builds everything (release with asserts, warnings as errors,
# tests and benchmarks), and runs the whole test suite through ctest. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci
