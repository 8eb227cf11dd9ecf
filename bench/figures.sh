#!/usr/bin/env bash
# Re-measures the figures in bench/README.md: every Google Benchmark in trede_bench (3 repetitions,
# medians shown) and the SimPy 2 comparison (bench/peers.py, 3 runs each, medians).
#
# usage: bench/figures.sh [BUILD_DIR] [--no-peers]     (BUILD_DIR default: build/release)
# The full JSON of the benchmark run is written to BUILD_DIR/bench-<date>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
peers=1
for a in "$@"; do
  case "$a" in
    --no-peers) peers=0 ;;
    *) build=$a ;;
  esac
done
bench="$build/bin/trede_bench"
[[ -x "$bench" ]] || { echo "figures.sh: no $bench; configure with -DTREDE_BUILD_BENCH=ON and build" >&2; exit 2; }

stamp=$(date -u '+%Y-%m-%dT%H%MZ')
dirty=$(git diff --quiet HEAD -- libsim include bench 2>/dev/null || echo ' (+ uncommitted changes)')
echo "# $stamp  commit $(git rev-parse --short=12 HEAD)$dirty  $(nproc) cores  load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$build/bench-$stamp.json" --benchmark_out_format=json |
  grep -v -E '_(mean|stddev|cv) '
echo "# JSON: $build/bench-$stamp.json"
if [[ $peers == 1 ]]; then
  bench/peers.py "$build/bin/trede"
fi
