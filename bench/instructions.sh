#!/usr/bin/env bash
# Instructions per event of the engine (callgrind), with everything recorded: one replicate of
# MODEL (default BM1) at two population sizes, whole `trede run` processes; the difference of the
# instruction counts over the difference of the event counts cancels start-up, loading and
# writing, which do not grow with the people simulated.
#
#   bench/instructions.sh BUILD_DIR [MODEL] [LARGE] [SMALL]
#   bench/instructions.sh build/prof                      # models/ladder-bm.toml, 100000 and 10000
#
# BUILD_DIR: a Release build, ideally with -g (cmake --preset release -B build/prof
# -DCMAKE_CXX_FLAGS=-g); needs valgrind. The callgrind files stay in $TMPDIR for
# callgrind_annotate.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:?usage: bench/instructions.sh BUILD_DIR [MODEL] [LARGE] [SMALL]}"
model="${2:-$here/models/ladder-bm.toml}"
large="${3:-100000}"
small="${4:-10000}"
trede="$build/bin/trede"
[ -x "$trede" ] || { echo "no $trede" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
tmp="${TMPDIR:-/tmp}"
declare -A instr events
for n in "$large" "$small"; do
  out="$tmp/trede-instructions.$n.callgrind"
  log="$tmp/trede-instructions.$n.log"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$trede" run "$model" -n 1 --threads 1 \
    --set "population[0].count=$n" >"$log.stdout" 2>"$log"
  instr[$n]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log")
  events[$n]=$(sed -n 's/.*; \([0-9,]*\) events in .*/\1/p' "$log.stdout" | tr -d ,)
  printf '%s people: %s instructions, %s events (%s)\n' "$n" "${instr[$n]}" "${events[$n]}" "$out"
done
awk -v a="${instr[$large]}" -v b="${instr[$small]}" -v e="${events[$large]}" -v f="${events[$small]}" \
  'BEGIN { printf "instructions per event: %.1f\n", (a - b) / (e - f) }'
