#!/usr/bin/env bash
# Installs what trede needs, builds it (release), and runs the default job: the reference
# benchmark model BM1 (models/ladder-bm.toml), 100 replicates, printing headline results and
# writing ladder-bm.h5. Idempotent. Exit code 0 when everything worked.
#
# Environment (both optional; the test suite uses them to run this script against its own build):
#   TREDE_BUILD_DIR       a build tree that holds bin/trede already: skip installing and building
#   TREDE_QUICKSTART_DIR  where ladder-bm.h5 is written (default: the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${TREDE_BUILD_DIR:-}"
if [ -z "$build" ]; then
  scripts/install-deps.sh
  cmake --preset release -DTREDE_BUILD_TESTS=OFF -DTREDE_BUILD_BENCH=OFF >/dev/null
  cmake --build --preset release
  build=build/release
fi
out="${TREDE_QUICKSTART_DIR:-.}/ladder-bm.h5"
"$build/bin/trede" run models/ladder-bm.toml -n 100 --seed 42 -o "$out"
echo
# What the file holds, without the list of datasets. (`sed` reads its whole input; a `head` would
# stop reading early, and under pipefail the writer's SIGPIPE would fail the script: exit 141.)
"$build/bin/trede" info "$out" | sed '/^datasets:/,/^$/d'
