#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (the `fuzz` preset: clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) and runs each of them against the text readers of libtrede.
#
#   scripts/fuzz.sh                 smoke run: 60 seconds in all, split evenly over the harnesses
#   scripts/fuzz.sh SECONDS         every harness for SECONDS (a long run: e.g. 3600)
#   scripts/fuzz.sh SECONDS NAME..  only the named harnesses (e.g. fuzz_scenario fuzz_key_path)
#
# The seed corpus is rebuilt at every run from models/ (scenarios, calibration CSV files, target
# files), tests/cli/bad/ (hostile scenarios and CSV files) and tests/fuzz/inputs/, in
# build/fuzz/initial/<harness>/. What the fuzzer learns is kept in build/fuzz/corpus/<harness>/
# and reused by the next run. The scenario harnesses use the dictionary tests/fuzz/scenario.dict
# (keys and keywords of docs/scenario-format.md). A crash, sanitizer report, hang (> 10 s for one input) or memory
# blow-up (> 2 GB) is kept as build/fuzz/crashes/<harness>/{crash,timeout,oom,leak}-<sha1>
# and makes the script exit 1 (after every harness has run). Reproduce a finding with
#   build/fuzz/tests/fuzz/<harness> build/fuzz/crashes/<harness>/crash-<sha1>
# See docs/reliability.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."

harnesses=(fuzz_scenario fuzz_scenario_set fuzz_population_csv fuzz_calibration_csv fuzz_targets fuzz_key_path)
smoke_total=60

seconds=""
if [ $# -gt 0 ]; then
  seconds=$1
  shift
  if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS [HARNESS...]]: SECONDS must be a whole number > 0 (got '$seconds')" >&2
    exit 2
  fi
fi
if [ $# -gt 0 ]; then
  for name in "$@"; do
    if ! printf '%s\n' "${harnesses[@]}" | grep -qx -- "$name"; then
      echo "scripts/fuzz.sh: unknown harness '$name'; the harnesses are ${harnesses[*]}" >&2
      exit 2
    fi
  done
  harnesses=("$@")
fi
if [ -z "$seconds" ]; then
  seconds=$(( smoke_total / ${#harnesses[@]} ))
  [ "$seconds" -ge 1 ] || seconds=1
fi

if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "scripts/fuzz.sh: clang++-14 not found; run scripts/install-deps.sh (Debian package clang-14)" >&2
  exit 2
fi

export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzz_all

out=build/fuzz
bin=$out/tests/fuzz

# ---- seed corpus ---------------------------------------------------------------------------
# Copies files into a harness's seed directory; big data files are cut to their first lines
# (the fuzzer mutates small inputs faster, and the rows all look alike).
seed_dir() { rm -rf "$out/initial/$1"; mkdir -p "$out/initial/$1"; echo "$out/initial/$1"; }
add_head() {  # add_head DIR LINES FILE...
  local dir=$1 lines=$2; shift 2
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    head -n "$lines" "$f" > "$dir/$(echo "$f" | tr '/' '_')"
  done
}
shopt -s nullglob
scenarios=(models/*.toml models/calibration/*.toml models/participatiewet/*.toml
           tests/cli/bad/*.toml tests/fuzz/inputs/scenario/*.toml)

d=$(seed_dir fuzz_scenario)
add_head "$d" 100000 "${scenarios[@]}"

# The same scenarios with --set lines in front (tests/fuzz/fuzz_scenario_set.cpp).
d=$(seed_dir fuzz_scenario_set)
i=0
for f in "${scenarios[@]}"; do
  case $(( i % 4 )) in
    0) printf -- '--set horizon_years=3\n' ;;
    1) printf -- '--set transition[0].rate=0.5\n--set start_year=2030\n' ;;
    2) printf -- '--set sample_share=0.25\n--set state[1].capacity={2025 = 10}\n' ;;
    3) printf -- '--set region[0].share=0.5\n--set population[0].count=10\n' ;;
  esac > "$d/$(echo "$f" | tr '/' '_')"
  cat "$f" >> "$d/$(echo "$f" | tr '/' '_')"
  i=$(( i + 1 ))
done

d=$(seed_dir fuzz_population_csv)
add_head "$d" 100000 tests/fuzz/inputs/population_csv/* tests/cli/bad/csv/*.csv

d=$(seed_dir fuzz_calibration_csv)
add_head "$d" 40 models/calibration/*.csv tests/fuzz/inputs/calibration_csv/*

d=$(seed_dir fuzz_targets)
add_head "$d" 100000 models/calibration/*.json models/participatiewet/data/*.json models/participatiewet/tools/*.json

# One key path per line of tests/fuzz/inputs/key_path.txt, one file each.
d=$(seed_dir fuzz_key_path)
n=0
while IFS= read -r line; do
  n=$(( n + 1 ))
  printf '%s' "$line" > "$d/key_$n"
done < tests/fuzz/inputs/key_path.txt

# ---- run -----------------------------------------------------------------------------------
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
mkdir -p "$out/crashes"
marker="$out/crashes/.run-started"
touch "$marker"
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each"
for h in "${harnesses[@]}"; do
  mkdir -p "$out/corpus/$h" "$out/crashes/$h"
  log="$out/$h.log"
  start=$(date +%s)
  rc=0
  dict=()
  case $h in fuzz_scenario|fuzz_scenario_set) dict=(-dict=tests/fuzz/scenario.dict) ;; esac
  "$bin/$h" "$out/corpus/$h" "$out/initial/$h" "${dict[@]}" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$out/crashes/$h/" -print_final_stats=1 > "$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "fuzz: $h: ${runs:-?} inputs in $(( $(date +%s) - start )) s, exit $rc, corpus $(ls "$out/corpus/$h" | wc -l) files (log $log)"
  if [ "$rc" -ne 0 ]; then
    failed+=("$h")
    grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz finding|.*runtime error|.*uncaught exception|.*terminate called)" "$log" | head -5 >&2 || true
    tail -n 5 "$log" >&2
  fi
done

findings=$(find "$out/crashes" -type f ! -name .run-started -newer "$marker" | sort)
rm -f "$marker"
if [ ${#failed[@]} -gt 0 ] || [ -n "$findings" ]; then
  echo "fuzz: FAILED: ${failed[*]:-(no harness exited non-zero)}; inputs kept:" >&2
  printf '  %s\n' $findings >&2
  echo "reproduce: $bin/<harness> <input>  (TREDE_FUZZ_VERBOSE=1 prints the messages of rejected inputs)" >&2
  exit 1
fi
echo "fuzz: no findings"
