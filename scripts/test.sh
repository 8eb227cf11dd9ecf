#!/usr/bin/env bash
# Installs what trede needs, builds everything (release with asserts, warnings as errors,
# tests and benchmarks), and runs the whole test suite through ctest. Idempotent.
# Then the reliability checks of docs/reliability.md (section 9, "Checks that keep it so"):
#   - a fuzzing smoke run of every text reader (scripts/fuzz.sh: 60 s in all);
#   - a static build of libtrede, installed, and find_package(trede) from that install;
#   - the unit, statistical and CLI tests again under AddressSanitizer and
#     UndefinedBehaviorSanitizer (the asan preset; the CLI tests that docs/reliability.md names).
# A failing build stops the script; a failing test stage does not stop the next one, and the
# script exits 1 if any failed.
# TREDE_TEST_SKIP_RELIABILITY=1 stops after the ctest suite (for a quick local check);
# `scripts/test.sh asan` builds the ci preset and runs only the sanitizer stage.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
only="${1:-}"
[ -z "$only" ] || [ "$only" = asan ] || { echo "usage: scripts/test.sh [asan]" >&2; exit 2; }
scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
failed=()
[ "$only" = asan ] || ctest --preset ci || failed+=("the test suite (ctest --preset ci)")

if [ "${TREDE_TEST_SKIP_RELIABILITY:-0}" = 1 ]; then
  echo "test.sh: TREDE_TEST_SKIP_RELIABILITY=1: fuzzing and sanitizer runs skipped"
  [ ${#failed[@]} -eq 0 ] || { echo "test.sh: FAILED: ${failed[*]}" >&2; exit 1; }
  exit 0
fi

elapsed() { echo $(( $(date +%s) - $1 )); }

# ---- fuzzing smoke run --------------------------------------------------------------------------
if [ "$only" != asan ]; then
  start=$(date +%s)
  if scripts/fuzz.sh; then
    echo "test.sh: fuzz smoke run passed in $(elapsed "$start") s"
  else
    failed+=("fuzz smoke run (scripts/fuzz.sh; inputs kept in build/fuzz/crashes)")
  fi
fi

# ---- a static install ---------------------------------------------------------------------------
# libtrede built as a static library (the static preset: no tests) and installed into a fresh
# prefix; the consumer project of tests/cmake builds against it with find_package(trede) and runs,
# and so does the installed program (ctest's cmake.consumer_from_install_tree does the same for the
# shared library). About 3 minutes.
if [ "$only" != asan ]; then
  start=$(date +%s)
  if cmake --preset static >/dev/null && cmake --build --preset static &&
     cmake -DTREDE_BUILD_DIR="$PWD/build/static" -DCONSUMER_SOURCE_DIR="$PWD/tests/cmake/consumer" \
       -DWORK_DIR="$PWD/build/static/consumer-work" -DGENERATOR=Ninja -DCXX_COMPILER="$(command -v c++)" \
       -DCXX_LAUNCHER=ccache -DBUILD_TYPE=Release -P tests/cmake/run_consumer.cmake; then
    echo "test.sh: static install and find_package(trede) consumer passed in $(elapsed "$start") s"
  else
    failed+=("the static install and its find_package(trede) consumer (build/static)")
  fi
fi

# ---- unit, statistical and CLI tests under ASan + UBSan -----------------------------------------
# Built: the unit and statistical test programs (aggregate targets named by tests/unit and
# tests/stat themselves), the trede program and the unit tests of its helpers (tests/cli); not
# the Python bindings, benchmarks or the other test programs. See docs/reliability.md for the
# choice and its cost. `scripts/test.sh asan` runs this stage alone (after the ci build).
asan_stage() {
  local asan_targets=(trede_unit_tests trede_stat_tests trede_cli trede_cli_unit)
  local start asan_ok=1 logs=build/asan/sanitizer-logs
  start=$(date +%s)
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  if ! { cmake --preset asan >/dev/null && cmake --build --preset asan --target "${asan_targets[@]}"; }; then
    failed+=("the asan build of the unit, statistical and CLI tests")
    return
  fi
  echo "test.sh: asan build done in $(elapsed "$start") s"
  # ctest in build/asan/tests/unit and .../stat runs exactly the tests of these programs.
  ctest --test-dir build/asan/tests/unit --output-on-failure -j 2 ||
    { asan_ok=0; failed+=("unit tests under ASan + UBSan (build/asan/tests/unit)"); }
  ctest --test-dir build/asan/tests/stat --output-on-failure -j 2 ||
    { asan_ok=0; failed+=("statistical tests under ASan + UBSan (build/asan/tests/stat)"); }
  # The CLI tests drive build/asan/bin/trede (ctest in build/asan/tests/cli passes it as
  # TREDE_CLI), with the ci build's Python package for `trede report` and `trede export` (the
  # asan build has none). Left out, for CI's time: the progress bar in a terminal, the Dutch
  # answer table and the quickstart script; and the Python tests (docs/reliability.md, section 9
  # says why). Every sanitizer report is
  # also written to $logs, so that a finding in a run whose exit code a test does not check
  # (a test that expects a failure) still fails the stage.
  rm -rf "$logs" && mkdir -p "$logs"
  ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$PWD/$logs/asan" UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$PWD/$logs/ubsan" \
    TREDE_PYTHONPATH="$PWD/build/ci/python" \
    ctest --test-dir build/asan/tests/cli --output-on-failure -j 2 -E '^cli[.](terminal|compare_lang|quickstart)$' ||
    { asan_ok=0; failed+=("CLI tests under ASan + UBSan (build/asan/tests/cli)"); }
  if [ -n "$(ls -A "$logs")" ]; then
    asan_ok=0
    failed+=("sanitizer reports of the trede program in $logs")
    head -n 60 "$logs"/* >&2
  fi
  [ "$asan_ok" = 0 ] || echo "test.sh: unit, statistical and CLI tests under ASan + UBSan passed in $(elapsed "$start") s"
}
asan_stage

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test.sh: all passed"
