#!/usr/bin/env bash
# Thread and MPI scaling of whole `trede run` processes (issue 15, target 4).
#
# usage: bench/scaling.sh [BUILD_DIR] [--rounds N] [--mpi] [--mpi-args 'ARGS'] [--case bm1|bm2|national]...
#                         [--replicates R]
#   For each case (BM1, BM2 and the national model), runs the same `trede run` with one thread
#   and with two threads in alternating order, N rounds (default 3), and prints the median wall
#   time of each and their ratio. With --mpi it also runs `mpirun -np 2 ... --threads 1` (two
#   ranks of one thread) in the same rounds, against one rank of one thread. No output file is
#   written (-q, no -o): the figures are the simulation's. BUILD_DIR default: build/release.
#   --case (repeatable) runs only the cases named; default all three. --replicates R runs R
#   replicates in every case instead of the case's own number (64 for BM1 and BM2, 8 national).
#   With --mpi the start-up of two MPI processes (`mpirun -np 2 trede --version`, median) is
#   printed too: it is paid once per run, so it weighs on short runs only. --mpi-args passes
#   options to mpirun, e.g. '--mca pml ob1 --mca btl self,vader' (shared memory only: Open MPI
#   then skips probing network transports, which is most of its start-up here).
# Scaling can only be measured on an otherwise idle machine: this kernel shares the CPU between
# login sessions, not threads (bench/README.md, "Two threads against one"); the load average
# before and after each case is printed with it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
rounds=3
mpi=0
cases=()
replicates=""
mpi_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --case) cases+=("$2"); shift ;;
    --mpi) mpi=1 ;;
    --replicates) replicates=$2; shift ;;
    --mpi-args) read -r -a mpi_args <<< "$2"; shift ;;
    *) build=$1 ;;
  esac
  shift
done
trede="$build/bin/trede"
[[ -x "$trede" ]] || { echo "scaling.sh: no $trede; build the trede_cli target" >&2; exit 2; }
if [[ $mpi == 1 ]] && ! command -v mpirun > /dev/null; then echo "scaling.sh: --mpi needs mpirun" >&2; exit 2; fi

echo "# $(date -u '+%Y-%m-%dT%H%MZ')  $("$trede" --version)  $(nproc) cores"

# Wall-clock seconds of one command.
time_of() {
  local f
  f=$(mktemp)
  /usr/bin/time -o "$f" -f '%e' "$@" > /dev/null 2>&1
  cat "$f"
  rm -f "$f"
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

case_() {
  local name=$1 n=${replicates:-$2}
  shift 2
  local run=("$trede" run "$@" -n "$n" --seed 1 -q)
  local one=() two=() ranks=()
  local before
  before=$(cut -d' ' -f1 /proc/loadavg)
  for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then
      one+=("$(time_of "${run[@]}" --threads 1)")
      two+=("$(time_of "${run[@]}" --threads 2)")
    else
      two+=("$(time_of "${run[@]}" --threads 2)")
      one+=("$(time_of "${run[@]}" --threads 1)")
    fi
    if [[ $mpi == 1 ]]; then
      ranks+=("$(time_of mpirun --allow-run-as-root "${mpi_args[@]}" -np 2 "${run[@]}" --threads 1)")
    fi
  done
  local m1 m2
  m1=$(printf '%s\n' "${one[@]}" | median)
  m2=$(printf '%s\n' "${two[@]}" | median)
  local line
  line=$(printf '| %s | %s | %s | %.2f s | %.2f s | **%.2f** |' "$name" "$n" \
    "$before → $(cut -d' ' -f1 /proc/loadavg)" "$m1" "$m2" "$(awk -v a="$m1" -v b="$m2" 'BEGIN {print a / b}')")
  if [[ $mpi == 1 ]]; then
    local mr
    mr=$(printf '%s\n' "${ranks[@]}" | median)
    line+=$(printf ' %.2f s | **%.2f** |' "$mr" "$(awk -v a="$m1" -v b="$mr" 'BEGIN {print a / b}')")
  fi
  echo "$line"
}

if [[ $mpi == 1 ]]; then
  startup=()
  for ((r = 0; r < rounds; r++)); do
    startup+=("$(time_of mpirun --allow-run-as-root "${mpi_args[@]}" -np 2 "$trede" --version)")
  done
  echo "# mpirun ${mpi_args[*]} -np 2 trede --version: $(printf '%s\n' "${startup[@]}" | median) s (median of $rounds)"
fi

header='| case | replicates | load before → after | 1 thread | 2 threads | 2 threads / 1 |'
[[ $mpi == 1 ]] && header+=' 2 ranks × 1 thread | 2 ranks / 1 |'
echo "$header"
echo "$header" | sed -e 's/[^|]\+/ --- /g'
[[ ${#cases[@]} -gt 0 ]] || cases=(bm1 bm2 national)
for c in "${cases[@]}"; do
  case "$c" in
    bm1) case_ "BM1 models/ladder-bm.toml" 64 models/ladder-bm.toml ;;
    bm2) case_ "BM2 models/ladder-bm2.toml" 64 models/ladder-bm2.toml ;;
    national) case_ "national bench/national/gemeenten-342.toml" 8 bench/national/gemeenten-342.toml ;;
    *) echo "scaling.sh: unknown case $c (bm1, bm2, national)" >&2; exit 2 ;;
  esac
done
