#!/usr/bin/env bash
# Installs what trede needs, builds everything (release with asserts, warnings as errors,
# tests and benchmarks), and runs the whole test suite through ctest. Idempotent.
# Then the reliability checks of docs/reliability.md ("Sanitizers and fuzzing in CI"):
#   - a fuzzing smoke run of every text reader (scripts/fuzz.sh: 60 s in all);
#   - the unit and statistical tests again under AddressSanitizer and UndefinedBehaviorSanitizer
#     (the asan preset).
# A failing build stops the script; a failing test stage does not stop the next one, and the
# script exits 1 if any failed.
# TREDE_TEST_SKIP_RELIABILITY=1 stops after the ctest suite (for a quick local check).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
failed=()
ctest --preset ci || failed+=("the test suite (ctest --preset ci)")

if [ "${TREDE_TEST_SKIP_RELIABILITY:-0}" = 1 ]; then
  echo "test.sh: TREDE_TEST_SKIP_RELIABILITY=1: fuzzing and sanitizer runs skipped"
  [ ${#failed[@]} -eq 0 ] || { echo "test.sh: FAILED: ${failed[*]}" >&2; exit 1; }
  exit 0
fi

elapsed() { echo $(( $(date +%s) - $1 )); }

# ---- fuzzing smoke run --------------------------------------------------------------------------
start=$(date +%s)
if scripts/fuzz.sh; then
  echo "test.sh: fuzz smoke run passed in $(elapsed "$start") s"
else
  failed+=("fuzz smoke run (scripts/fuzz.sh; inputs kept in build/fuzz/crashes)")
fi

# ---- unit and statistical tests under ASan + UBSan ----------------------------------------------
# Only the unit and statistical test programs are built (not the CLI, Python bindings, benchmarks
# or the other test programs): see docs/reliability.md for the choice and its cost.
# The programs are named by tests/unit and tests/stat themselves (aggregate targets).
asan_targets=(trede_unit_tests trede_stat_tests)
start=$(date +%s)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# ctest in build/asan/tests/unit and .../stat runs exactly the tests of these programs.
if cmake --preset asan >/dev/null && cmake --build --preset asan --target "${asan_targets[@]}"; then
  asan_ok=1
  ctest --test-dir build/asan/tests/unit --output-on-failure -j 2 ||
    { asan_ok=0; failed+=("unit tests under ASan + UBSan (build/asan/tests/unit)"); }
  ctest --test-dir build/asan/tests/stat --output-on-failure -j 2 ||
    { asan_ok=0; failed+=("statistical tests under ASan + UBSan (build/asan/tests/stat)"); }
  [ "$asan_ok" = 0 ] || echo "test.sh: unit and statistical tests under ASan + UBSan passed in $(elapsed "$start") s"
else
  failed+=("the asan build of the unit and statistical tests")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: FAILED:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test.sh: all passed"
